package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestYTicks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lo, hi int64
		want   []int64
	}{
		{129645, 130290, []int64{129600, 129800, 130000, 130200, 130400}},
		{27500, 32000, []int64{26000, 28000, 30000, 32000}},
		{100, 100, []int64{90, 95, 100, 105, 110}},
		{0, 7, []int64{0, 2, 4, 6, 8}},
		{1999, 2099, []int64{1950, 2000, 2050, 2100}}, // 100/4 = 25 is not 1-2-5: the step is 50
	} {
		got := yTicks(c.lo, c.hi, chartYTicks)
		require.Equal(t, c.want, got, "%d..%d", c.lo, c.hi)
		require.LessOrEqual(t, got[0], c.lo)
		require.GreaterOrEqual(t, got[len(got)-1], c.hi)
	}
	for _, c := range []struct {
		span int64
		want int64
	}{{645, 200}, {4500, 2000}, {1, 1}, {10, 5}, {1000, 500}, {999999, 500000}} {
		require.Equal(t, c.want, niceStep(c.span, 4), c.span)
	}
}

func TestXTicks(t *testing.T) {
	t.Parallel()
	seoul, err := time.LoadLocation("Asia/Seoul")
	require.NoError(t, err)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	labels := func(ts []timeTick) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.label)
		}
		return out
	}
	for _, c := range []struct {
		name       string
		start, end string
		loc        *time.Location
		want       []string
	}{
		{"within a day: clock times", "2025-03-01T09:10:00Z", "2025-03-01T17:50:00Z", time.UTC, []string{"10:00", "12:00", "14:00", "16:00"}},
		{"one hour", "2025-03-01T09:00:00Z", "2025-03-01T10:00:00Z", time.UTC, []string{"09:00", "09:15", "09:30", "09:45", "10:00"}},
		{"across midnight: day and time", "2025-03-01T18:00:00Z", "2025-03-02T06:00:00Z", time.UTC, []string{"03-01 18:00", "03-01 21:00", "03-02 00:00", "03-02 03:00", "03-02 06:00"}},
		{"a month: dates", "2025-03-01T00:00:00Z", "2025-03-31T00:00:00Z", time.UTC, []string{"03-01", "03-08", "03-15", "03-22", "03-29"}},
		{"a year: months", "2025-01-15T00:00:00Z", "2025-12-20T00:00:00Z", time.UTC, []string{"2025-03", "2025-05", "2025-07", "2025-09", "2025-11"}},
		{"years", "2019-05-01T00:00:00Z", "2025-05-01T00:00:00Z", time.UTC, []string{"2020", "2021", "2022", "2023", "2024", "2025"}},
		{"local time zone", "2025-03-01T00:00:00Z", "2025-03-01T06:00:00Z", seoul, []string{"10:00", "12:00", "14:00"}},
	} {
		got := xTicks(at(c.start), at(c.end), c.loc, chartXTicks+2)
		require.Equal(t, c.want, labels(got), c.name)
		seen := map[string]bool{}
		for _, tk := range got {
			require.False(t, seen[tk.label], "%s: duplicate label %s", c.name, tk.label)
			seen[tk.label] = true
			require.False(t, tk.at.Before(at(c.start)) || tk.at.After(at(c.end)), c.name)
		}
	}
}

func TestSoldOutPeriods(t *testing.T) {
	t.Parallel()
	d := func(n int) time.Time { return time.Date(2025, 3, n, 0, 0, 0, 0, time.UTC) }
	obs := func(avail ...string) []Observation {
		var out []Observation
		for i, a := range avail {
			out = append(out, Observation{At: d(1 + i), Availability: a})
		}
		return out
	}
	end := d(20)
	require.Empty(t, soldOutPeriods(obs("in_stock", "in_stock"), end))
	require.Equal(t, []soldOut{{d(2), d(4)}}, soldOutPeriods(obs("in_stock", "out_of_stock", "out_of_stock", "in_stock"), end))
	require.Equal(t, []soldOut{{d(2), end}}, soldOutPeriods(obs("in_stock", "out_of_stock"), end), "still sold out at the end")
	require.Equal(t, []soldOut{{d(1), d(2)}, {d(3), d(4)}}, soldOutPeriods(obs("out_of_stock", "in_stock", "out_of_stock", "unknown"), end),
		"unknown ends a band: only what was seen is shaded")
}
