package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Chart geometry in SVG user units.
const (
	chartW, chartH           = 720, 360
	padL, padR, padT, padB   = 90, 30, 40, 50
	plotW, plotH             = chartW - padL - padR, chartH - padT - padB
	chartYTicks, chartXTicks = 4, 4
)

// productChart serves the chart with validators instead of a blind cache
// lifetime: the ETag is the SVG's hash and Last-Modified the product's
// last check, so a client revalidates (304) and sees a change at once.
func (s *server) productChart(c *gin.Context) {
	loc := time.UTC
	if v := c.Query("tz"); v != "" {
		l, err := time.LoadLocation(v)
		if err != nil || v == "Local" {
			fail(c, http.StatusBadRequest, "invalid-parameter", fmt.Sprintf("tz %q is not an IANA time zone name", v))
			return
		}
		loc = l
	}
	p, obs, ok := s.history(c)
	if !ok {
		return
	}
	end, modified := chartEnd(p, obs)
	if v := c.Query("to"); v != "" {
		end, _ = parseTimeParam(v)
	}
	svg := renderChart(p, obs, end, loc)
	sum := sha256.Sum256(svg)
	c.Header("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	c.Header("Cache-Control", "no-cache")
	c.Header("Content-Type", "image/svg+xml; charset=utf-8")
	// ServeContent answers If-None-Match / If-Modified-Since with 304.
	http.ServeContent(c.Writer, c.Request, "", modified, bytes.NewReader(svg))
}

// chartEnd is where the last price holds until: the product's last check
// (the price was still seen then), or its last observation; it is also
// the chart's Last-Modified.
func chartEnd(p *Product, obs []Observation) (end, modified time.Time) {
	if len(obs) > 0 {
		end = obs[len(obs)-1].At
	}
	if p.LastCheckedAt != nil && p.LastCheckedAt.After(end) {
		end = *p.LastCheckedAt
	}
	return end, end
}

// Chart colours.
const (
	colorLine    = "#2563eb"
	colorLow     = "#dc2626"
	colorSoldOut = "#f59e0b"
)

// chartScale maps time and price to SVG coordinates.
type chartScale struct {
	start, end time.Time
	yMin, yMax int64
}

func (sc chartScale) x(t time.Time) float64 {
	return padL + float64(plotW)*float64(t.Sub(sc.start))/float64(sc.end.Sub(sc.start))
}

func (sc chartScale) y(v int64) float64 {
	return padT + float64(plotH)*(1-float64(v-sc.yMin)/float64(sc.yMax-sc.yMin))
}

// renderChart draws the price history as a step line: each price holds until
// the next observation, and the last one until end. Sold-out periods are
// shaded, the lowest point is marked and labelled, y ticks are round
// amounts and x labels fit the span (clock times, dates, months) in loc.
func renderChart(p *Product, obs []Observation, end time.Time, loc *time.Location) []byte {
	var b bytes.Buffer
	title := p.Title
	if title == "" {
		title = p.URL
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, html.EscapeString("Price history of "+title))
	fmt.Fprintf(&b, `<title>%s</title><rect width="100%%" height="100%%" fill="#ffffff"/>`, html.EscapeString("Price history of "+title))
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="14" font-weight="bold" fill="#222">%s</text>`, padL, html.EscapeString(truncate(title, 80)))

	var pts []Observation
	for _, o := range obs {
		if o.Price != nil {
			pts = append(pts, o)
		}
	}
	fmt.Fprintf(&b, `<g id="axes" stroke="#444" stroke-width="1"><line id="x-axis" x1="%d" y1="%d" x2="%d" y2="%d"/><line id="y-axis" x1="%d" y1="%d" x2="%d" y2="%d"/></g>`,
		padL, padT+plotH, padL+plotW, padT+plotH, padL, padT, padL, padT+plotH)
	if len(pts) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#666">No price history yet</text></svg>`, padL+plotW/2, padT+plotH/2)
		return b.Bytes()
	}
	sc := chartScale{start: obs[0].At, end: end}
	if !sc.end.After(sc.start) {
		sc.end = sc.start.Add(time.Hour)
	}
	lo, hi, low := priceRange(pts)
	ticks := yTicks(lo, hi, chartYTicks)
	sc.yMin, sc.yMax = ticks[0], ticks[len(ticks)-1]
	cur := pts[0].Price.Currency

	drawSoldOut(&b, sc, soldOutPeriods(obs, sc.end))
	drawYTicks(&b, sc, ticks, cur)
	drawXTicks(&b, sc, xTicks(sc.start, sc.end, loc, chartXTicks+2))
	drawLine(&b, sc, pts)
	drawLow(&b, sc, p, low, cur)
	b.WriteString(`</svg>`)
	return b.Bytes()
}

// priceRange is the lowest and highest price and the (first) lowest point.
func priceRange(pts []Observation) (lo, hi int64, low Observation) {
	lo, hi, low = pts[0].Price.Minor, pts[0].Price.Minor, pts[0]
	for _, o := range pts {
		if o.Price.Minor < lo {
			lo, low = o.Price.Minor, o
		}
		hi = max(hi, o.Price.Minor)
	}
	return lo, hi, low
}

func drawSoldOut(b *bytes.Buffer, sc chartScale, periods []soldOut) {
	if len(periods) == 0 {
		return
	}
	b.WriteString(`<g id="sold-out">`)
	for _, p := range periods {
		x0, x1 := sc.x(p.from), sc.x(p.to)
		fmt.Fprintf(b, `<rect class="sold-out" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="0.3"><title>Sold out %s – %s</title></rect>`,
			x0, padT, max(x1-x0, 1), plotH, colorSoldOut, p.from.UTC().Format(time.RFC3339), p.to.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s" fill-opacity="0.3"/><text x="%d" y="%d" fill="#444">품절 Sold out</text></g>`,
		padL+plotW-110, 14, colorSoldOut, padL+plotW-94, 24)
}

func drawYTicks(b *bytes.Buffer, sc chartScale, ticks []int64, cur string) {
	b.WriteString(`<g id="y-ticks" fill="#444" text-anchor="end">`)
	for _, v := range ticks {
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/><text x="%d" y="%.1f" dy="4">%s</text>`,
			padL, sc.y(v), padL+plotW, sc.y(v), padL-8, sc.y(v), html.EscapeString(fmtMoney(v, cur)))
	}
	b.WriteString(`</g>`)
}

func drawXTicks(b *bytes.Buffer, sc chartScale, ticks []timeTick) {
	b.WriteString(`<g id="x-ticks" fill="#444" text-anchor="middle">`)
	for _, t := range ticks {
		x := sc.x(t.at)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#444"/><text x="%.1f" y="%d">%s</text>`,
			x, padT+plotH, x, padT+plotH+5, x, padT+plotH+20, html.EscapeString(t.label))
	}
	b.WriteString(`</g>`)
}

func drawLine(b *bytes.Buffer, sc chartScale, pts []Observation) {
	fmt.Fprintf(b, `<polyline id="price-line" fill="none" stroke="%s" stroke-width="2" points="`, colorLine)
	for i, o := range pts {
		if i > 0 {
			fmt.Fprintf(b, "%.1f,%.1f ", sc.x(o.At), sc.y(pts[i-1].Price.Minor))
		}
		fmt.Fprintf(b, "%.1f,%.1f ", sc.x(o.At), sc.y(o.Price.Minor))
	}
	fmt.Fprintf(b, `%.1f,%.1f"/>`, sc.x(sc.end), sc.y(pts[len(pts)-1].Price.Minor))
}

func drawLow(b *bytes.Buffer, sc chartScale, p *Product, low Observation, cur string) {
	lo := low.Price.Minor
	name := "Lowest"
	if p.AllTimeLow == nil || p.AllTimeLow.Minor >= lo {
		name = "All-time low"
	}
	lx, ly := sc.x(low.At), sc.y(lo)
	anchor := "start"
	if lx > padL+plotW*0.7 {
		anchor = "end"
	}
	fmt.Fprintf(b, `<g id="low-mark"><circle cx="%.1f" cy="%.1f" r="5" fill="%s"/><text x="%.1f" y="%.1f" fill="%s" text-anchor="%s" font-weight="bold">%s %s</text></g>`,
		lx, ly, colorLow, lx, ly+18, colorLow, anchor, name, html.EscapeString(fmtMoney(lo, cur)))
}

// fmtMoney renders minor units as a decimal with thousands separators and
// the currency code, e.g. "12,900 KRW".
func fmtMoney(v int64, currency string) string {
	m := money(sqlInt(v), currency)
	d := m.Decimal
	intPart, frac := d, ""
	for i := range d {
		if d[i] == '.' {
			intPart, frac = d[:i], d[i:]
		}
	}
	neg := false
	if len(intPart) > 0 && intPart[0] == '-' {
		neg, intPart = true, intPart[1:]
	}
	var out []byte
	for i := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, intPart[i])
	}
	s := string(out) + frac
	if neg {
		s = "-" + s
	}
	if currency != "" {
		s += " " + currency
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
