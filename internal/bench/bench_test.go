package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/extract"
)

func TestQuantile(t *testing.T) {
	t.Parallel()
	var d Durations
	require.Zero(t, d.Quantile(0.5))
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, d.Quantile(0.5))
	require.Equal(t, 99*time.Millisecond, d.Quantile(0.99))
	require.Equal(t, 100*time.Millisecond, d.Quantile(1))
	require.Equal(t, 100*time.Millisecond, d[0], "Quantile must not reorder the sample")
}

func TestSyntheticPageStaysAProduct(t *testing.T) {
	t.Parallel()
	page := shopPage("127.0.0.2:8080", "/products/run-p7")
	require.GreaterOrEqual(t, len(page), 60*1024)
	p, err := extract.Extract("http://127.0.0.2:8080/products/run-p7", page)
	require.NoError(t, err)
	require.True(t, p.IsProduct)
	require.NotNil(t, p.Price)
	require.EqualValues(t, 10070, p.Price.Minor)
	big := SyntheticPage(page, 300*1024)
	require.GreaterOrEqual(t, len(big), 300*1024)
	require.True(t, bytes.HasSuffix(bytes.TrimSpace(big), []byte("</html>")))
}

func TestReportMarkdownHasEveryRow(t *testing.T) {
	t.Parallel()
	rep := &Report{Started: time.Now(), Invocation: "ddokso-bench", Rows: []Row{
		{Stage: "2 Price parsing", Metric: "ns", Ours: "900 ns", Baseline: "1000 ns", Ratio: ratio(900, 1000), Goal: "< 2 µs", Holds: holds(true), Command: "go run ./internal/cmd/ddokso-bench -only 2"},
		{Stage: "7 Memory", Metric: "RSS", Err: errTest("no samples")},
	}}
	var b strings.Builder
	require.NoError(t, rep.WriteMarkdown(&b))
	out := b.String()
	require.Contains(t, out, "| 2 Price parsing | ns | 900 ns | 1000 ns | 0.90× | < 2 µs | yes |")
	require.Contains(t, out, "| 7 Memory | RSS | failed: no samples |")
	require.Contains(t, out, "go run ./internal/cmd/ddokso-bench -only 2")
}

func TestReportKeepsHandWrittenTail(t *testing.T) {
	t.Parallel()
	old := "# ddokso benchmarks\n\n| old table |\n\n" + KeepMarker + "\n\n## Optimisations\n\nby hand\n"
	tail := KeptTail(old)
	require.Equal(t, KeepMarker+"\n\n## Optimisations\n\nby hand\n", tail)
	require.Empty(t, KeptTail("# no marker\n"))
	var b strings.Builder
	require.NoError(t, (&Report{Started: time.Now(), Rows: []Row{{Stage: "2 Price parsing"}}, Tail: tail}).WriteMarkdown(&b))
	require.True(t, strings.HasSuffix(b.String(), tail))
	require.NotContains(t, b.String(), "old table")
}

type errTest string

func (e errTest) Error() string { return string(e) }
