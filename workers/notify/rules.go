package notify

import (
	"math"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/watch"
)

// Watch rules (watches.rule) as they appear in the delivery log; package
// watch defines them, for the API as for this worker.
const (
	RuleTarget      = watch.Target
	RuleDropPct     = watch.DropPct
	RuleAnyDrop     = watch.AnyDrop
	RuleRise        = watch.Rise
	RuleAllTimeLow  = watch.AllTimeLow
	RuleBackInStock = watch.BackInStock
	// RuleDigest marks digest rows in the delivery log (not a watch rule).
	RuleDigest = "digest"
)

// watchRule is the part of a watch the rules look at.
type watchRule struct {
	Rule        string
	TargetPrice *int64
	DropPct     *float64
	Armed       bool
}

// verdict is the outcome of evaluating one rule on one change.
type verdict struct {
	Alert bool
	// Armed is the watch's armed flag after this change.
	Armed bool
}

// evaluate applies a watch rule to a price change. cur is the change's
// currency (for the minimum absolute move).
//
// Complexity (above 20): one case per rule plus the target rule's re-arm
// hysteresis; the rules read best side by side.
func (c Config) evaluate(w watchRule, ch events.PriceChange, cur string) verdict {
	v := verdict{Armed: w.Armed}
	if w.Rule == RuleBackInStock {
		v.Alert = ch.OldAvailability == "out_of_stock" && ch.NewAvailability == "in_stock"
		return v
	}
	if ch.NewPrice == nil {
		return v // an unknown price never alerts on price rules
	}
	n := *ch.NewPrice
	if w.Rule == RuleTarget {
		if w.TargetPrice == nil {
			return v
		}
		t := *w.TargetPrice
		if !w.Armed {
			// Hysteresis: re-arm only once the price is clearly back above the target.
			if float64(n) > float64(t)*(1+c.RearmBandPct/100) {
				v.Armed = true
			}
			return v
		}
		// Armed: alert when the price is at or below the target after a real
		// move (crossing it, or moving further while a fresh watch sits below it).
		if n <= t && !c.noise(ch.OldPrice, n, cur) {
			v.Alert, v.Armed = true, false
		}
		return v
	}
	if ch.OldPrice == nil || c.noise(ch.OldPrice, n, cur) {
		return v
	}
	o := *ch.OldPrice
	switch w.Rule {
	case RuleAnyDrop:
		v.Alert = n < o
	case RuleRise:
		v.Alert = n > o
	case RuleDropPct:
		if w.DropPct != nil && o > 0 && n < o {
			v.Alert = float64(o-n)*100 >= *w.DropPct*float64(o)-1e-9
		}
	case RuleAllTimeLow:
		v.Alert = ch.AllTimeLow != nil && n < *ch.AllTimeLow && n < o
	}
	return v
}

// noise reports whether a move from old to n is below the minimum change:
// smaller than MinChangeAbs for the currency or than MinChangePct percent.
func (c Config) noise(old *int64, n int64, cur string) bool {
	if old == nil {
		return false
	}
	d := *old - n
	if d < 0 {
		d = -d
	}
	if d == 0 {
		return true
	}
	if d < c.MinChangeAbs[cur] {
		return true
	}
	return float64(d)*100 < c.MinChangePct*math.Abs(float64(*old))
}
