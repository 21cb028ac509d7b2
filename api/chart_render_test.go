package api

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chromium finds a headless-capable Chromium (Debian's package), or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestChartRendersInChromium renders chart.svg in headless Chromium, as a
// browser shows it, and checks the screenshot: the axes, the blue price line
// and the red all-time-low mark are all visible. make test installs
// Chromium (scripts/dev/ensure-tools.sh); CHART_PNG=path keeps the picture.
func TestChartRendersInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium()
	if bin == "" {
		t.Skip("chromium is not installed (make test installs it)")
	}
	hs := setup(t)
	id := hs.insertProduct(product{url: "https://a.example/render", title: "무선 이어폰 Pro 2", price: 219000, atl: 189000})
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	for i, p := range []int64{249000, 239000, 229000, 189000, 209000, 219000} {
		hs.observe(id, 0, p, day(1+5*i))
	}
	w := hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01&to=2025-03-31", id), nil)
	require.Equal(t, http.StatusOK, w.Code)

	img := screenshot(t, bin, w.Body.Bytes())
	count := func(match func(r, g, b uint8) bool) int {
		n := 0
		for y := 0; y < 400; y++ {
			for x := 0; x < 800; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if match(uint8(r>>8), uint8(g>>8), uint8(b>>8)) {
					n++
				}
			}
		}
		return n
	}
	near := func(want [3]uint8, tol int) func(r, g, b uint8) bool {
		return func(r, g, b uint8) bool {
			d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
			return d(r, want[0]) <= tol && d(g, want[1]) <= tol && d(b, want[2]) <= tol
		}
	}
	require.Greater(t, count(near([3]uint8{0xdc, 0x26, 0x26}, 40)), 40, "the red all-time-low mark is visible")
	require.Greater(t, count(near([3]uint8{0x25, 0x63, 0xeb}, 40)), 300, "the blue price line is visible")
	require.Greater(t, count(near([3]uint8{0x44, 0x44, 0x44}, 30)), 500, "the dark axes and labels are visible")
}

// screenshot renders svg in headless Chromium at 800x400 and decodes the
// PNG; CHART_PNG=path keeps it.
func screenshot(t *testing.T, bin string, svgBytes []byte) image.Image {
	t.Helper()
	dir := t.TempDir()
	svg := filepath.Join(dir, "chart.svg")
	require.NoError(t, os.WriteFile(svg, svgBytes, 0o600))
	out := filepath.Join(dir, "chart.png")
	if keep := os.Getenv("CHART_PNG"); keep != "" {
		out = keep
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--hide-scrollbars",
		"--window-size=800,400", "--screenshot="+out, "file://"+svg)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "chromium: %s", msg)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 800, 400), img.Bounds())
	return img
}

// TestChartSoldOutBandInChromium checks on the rendered picture that the
// sold-out period (March 11-21 of a March chart) is shaded amber over its
// whole height, and that the plot outside it is not.
func TestChartSoldOutBandInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium()
	if bin == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium; make test installs it)")
	}
	hs := setup(t)
	id := chartWithSoldOut(t, hs)
	w := hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01&to=2025-03-31", id), nil)
	require.Equal(t, http.StatusOK, w.Code)
	img := screenshot(t, bin, w.Body.Bytes())

	// 30% #f59e0b over white: (252, 226, 182).
	amber := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		r8, g8, b8 := int(r>>8), int(g>>8), int(b>>8)
		return abs(r8-252) <= 8 && abs(g8-226) <= 8 && abs(b8-182) <= 8
	}
	column := func(x int) (n int) {
		for y := padT + 5; y < padT+plotH-5; y++ {
			if amber(x, y) {
				n++
			}
		}
		return n
	}
	span := float64(plotW) / 30
	inside := []int{int(padL + 11*span), int(padL + 15*span), int(padL + 19.5*span)}
	outside := []int{int(padL + 3*span), int(padL + 8*span), int(padL + 23*span), int(padL + 28*span)}
	for _, x := range inside {
		require.Greater(t, column(x), (plotH-10)*8/10, "column %d lies in the sold-out period and is shaded", x)
	}
	for _, x := range outside {
		require.Zero(t, column(x), "column %d is outside the sold-out period", x)
	}
}

func abs(v int) int { return max(v, -v) }
