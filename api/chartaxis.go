package api

import (
	"math"
	"time"
)

// niceStep is the smallest 1, 2 or 5 times a power of ten that splits span
// into at most want intervals (at least 1).
func niceStep(span int64, want int) int64 {
	if span <= 0 || want < 1 {
		return 1
	}
	raw := float64(span) / float64(want)
	pow := int64(math.Pow(10, math.Floor(math.Log10(raw))))
	pow = max(pow, 1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if s := m * pow; float64(s) >= raw {
				return s
			}
		}
		pow *= 10
	}
}

// yTicks are round values (a 1-2-5 step) from at or below lo to at or above
// hi, about want intervals; a flat series gets a band around its value.
func yTicks(lo, hi int64, want int) []int64 {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		pad := niceStep(max(lo/10, 1), 1)
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep(hi-lo, want)
	first := floorTo(lo, step)
	if first < 0 && lo >= 0 {
		first = 0
	}
	var out []int64
	for v := first; ; v += step {
		out = append(out, v)
		if v >= hi {
			return out
		}
	}
}

func floorTo(v, step int64) int64 {
	q := v / step
	if v%step != 0 && v < 0 {
		q--
	}
	return q * step
}

// timeTick is one x-axis label.
type timeTick struct {
	at    time.Time
	label string
}

// timeSteps are the x-axis spacings tried, finest first, with the label
// format that fits each: clock times within a day, dates across days,
// months across a year, years beyond.
var timeSteps = []struct {
	d      time.Duration
	months int
	format string
}{
	{d: 15 * time.Minute, format: "15:04"},
	{d: 30 * time.Minute, format: "15:04"},
	{d: time.Hour, format: "15:04"},
	{d: 2 * time.Hour, format: "15:04"},
	{d: 3 * time.Hour, format: "15:04"},
	{d: 6 * time.Hour, format: "15:04"},
	{d: 12 * time.Hour, format: "01-02 15:04"},
	{d: 24 * time.Hour, format: "01-02"},
	{d: 2 * 24 * time.Hour, format: "01-02"},
	{d: 7 * 24 * time.Hour, format: "01-02"},
	{d: 14 * 24 * time.Hour, format: "01-02"},
	{months: 1, format: "2006-01"},
	{months: 2, format: "2006-01"},
	{months: 3, format: "2006-01"},
	{months: 6, format: "2006-01"},
	{months: 12, format: "2006"},
}

// xTicks are at most maxTicks labels between start and end at round times
// of loc (hour, midnight, month start), with labels that fit the span and
// differ from each other.
func xTicks(start, end time.Time, loc *time.Location, maxTicks int) []timeTick {
	start, end = start.In(loc), end.In(loc)
	for _, st := range timeSteps {
		var ts []time.Time
		if st.months == 0 {
			ts = clockTicks(start, end, st.d)
		} else {
			ts = monthTicks(start, end, st.months)
		}
		if len(ts) > maxTicks {
			continue
		}
		format := st.format
		// Clock labels across more than one day name the day too.
		if format == "15:04" && start.YearDay() != end.YearDay() {
			format = "01-02 15:04"
		}
		if format == "01-02" && start.Year() != end.Year() {
			format = "2006-01-02"
		}
		out := make([]timeTick, len(ts))
		for i, t := range ts {
			out[i] = timeTick{at: t, label: t.Format(format)}
		}
		return out
	}
	return nil
}

// clockTicks are the multiples of d (counted from local midnight) in [start, end].
func clockTicks(start, end time.Time, d time.Duration) []time.Time {
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
	var out []time.Time
	if d >= 24*time.Hour {
		days := int(d / (24 * time.Hour))
		for t := day; !t.After(end); t = t.AddDate(0, 0, days) {
			if !t.Before(start) {
				out = append(out, t)
			}
			if len(out) > 64 {
				break
			}
		}
		return out
	}
	for t := day; !t.After(end); t = t.Add(d) {
		if !t.Before(start) {
			out = append(out, t)
		}
		if len(out) > 64 {
			break
		}
	}
	return out
}

// monthTicks are the starts of every months-th month (from January) in [start, end].
func monthTicks(start, end time.Time, months int) []time.Time {
	t := time.Date(start.Year(), 1, 1, 0, 0, 0, 0, start.Location())
	var out []time.Time
	for ; !t.After(end); t = t.AddDate(0, months, 0) {
		if !t.Before(start) {
			out = append(out, t)
		}
		if len(out) > 64 {
			break
		}
	}
	return out
}

// soldOut is a period the product was out of stock.
type soldOut struct{ from, to time.Time }

// soldOutPeriods are the spans from an out-of-stock observation to the next
// observation with another availability (or end). "unknown" ends a period
// too: a sold-out band claims only what was seen.
func soldOutPeriods(obs []Observation, end time.Time) []soldOut {
	var out []soldOut
	var open *time.Time
	for _, o := range obs {
		switch {
		case o.Availability == "out_of_stock" && open == nil:
			t := o.At
			open = &t
		case o.Availability != "out_of_stock" && open != nil:
			out = append(out, soldOut{*open, o.At})
			open = nil
		}
	}
	if open != nil && end.After(*open) {
		out = append(out, soldOut{*open, end})
	}
	return out
}
