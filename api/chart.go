package api

import (
	"bytes"
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

func (s *server) productChart(c *gin.Context) {
	p, obs, ok := s.history(c)
	if !ok {
		return
	}
	end := time.Now().UTC()
	if v := c.Query("to"); v != "" {
		end, _ = parseTimeParam(v)
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", renderChart(p, obs, end))
}

// renderChart draws the price history as a step line: each price holds until
// the next observation, and the last one until end. The lowest point is
// marked with a dot and labelled.
func renderChart(p *Product, obs []Observation, end time.Time) []byte {
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
	// Axes.
	fmt.Fprintf(&b, `<g id="axes" stroke="#444" stroke-width="1"><line id="x-axis" x1="%d" y1="%d" x2="%d" y2="%d"/><line id="y-axis" x1="%d" y1="%d" x2="%d" y2="%d"/></g>`,
		padL, padT+plotH, padL+plotW, padT+plotH, padL, padT, padL, padT+plotH)
	if len(pts) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#666">No price history yet</text></svg>`, padL+plotW/2, padT+plotH/2)
		return b.Bytes()
	}
	start := pts[0].At
	if !end.After(start) {
		end = start.Add(time.Hour)
	}
	lo, hi := pts[0].Price.Minor, pts[0].Price.Minor
	low := pts[0]
	for _, o := range pts {
		if o.Price.Minor < lo {
			lo, low = o.Price.Minor, o
		}
		hi = max(hi, o.Price.Minor)
	}
	// Pad the range so a flat line sits mid-chart.
	span := hi - lo
	if span == 0 {
		span = max(lo/10, 1)
	}
	yMin, yMax := lo-span/10, hi+span/10
	yMin = max(yMin, 0)
	x := func(t time.Time) float64 {
		return padL + float64(plotW)*float64(t.Sub(start))/float64(end.Sub(start))
	}
	y := func(v int64) float64 {
		return padT + float64(plotH)*(1-float64(v-yMin)/float64(yMax-yMin))
	}
	cur := pts[0].Price.Currency
	label := func(v int64) string { return fmtMoney(v, cur) }

	b.WriteString(`<g id="y-ticks" fill="#444" text-anchor="end">`)
	for i := 0; i <= chartYTicks; i++ {
		v := yMin + (yMax-yMin)*int64(i)/chartYTicks
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/><text x="%d" y="%.1f" dy="4">%s</text>`,
			padL, y(v), padL+plotW, y(v), padL-8, y(v), html.EscapeString(label(v)))
	}
	b.WriteString(`</g><g id="x-ticks" fill="#444" text-anchor="middle">`)
	for i := 0; i <= chartXTicks; i++ {
		t := start.Add(end.Sub(start) * time.Duration(i) / chartXTicks)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#444"/><text x="%.1f" y="%d">%s</text>`,
			x(t), padT+plotH, x(t), padT+plotH+5, x(t), padT+plotH+20, t.Format("2006-01-02"))
	}
	b.WriteString(`</g>`)

	b.WriteString(`<polyline id="price-line" fill="none" stroke="#2563eb" stroke-width="2" points="`)
	for i, o := range pts {
		if i > 0 {
			fmt.Fprintf(&b, "%.1f,%.1f ", x(o.At), y(pts[i-1].Price.Minor))
		}
		fmt.Fprintf(&b, "%.1f,%.1f ", x(o.At), y(o.Price.Minor))
	}
	fmt.Fprintf(&b, `%.1f,%.1f"/>`, x(end), y(pts[len(pts)-1].Price.Minor))

	name := "Lowest"
	if p.AllTimeLow == nil || p.AllTimeLow.Minor >= lo {
		name = "All-time low"
	}
	lx, ly := x(low.At), y(lo)
	anchor := "start"
	if lx > padL+plotW*0.7 {
		anchor = "end"
	}
	fmt.Fprintf(&b, `<g id="low-mark"><circle cx="%.1f" cy="%.1f" r="5" fill="#dc2626"/><text x="%.1f" y="%.1f" fill="#dc2626" text-anchor="%s" font-weight="bold">%s %s</text></g>`,
		lx, ly, lx, ly+18, anchor, name, html.EscapeString(label(lo)))
	b.WriteString(`</svg>`)
	return b.Bytes()
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
