// Package watch names the alert rules a user can set on a product or
// variant (watches.rule) and the delivery statuses of the alerts they
// cause (notifications.status). The API accepts exactly these names and
// the notify worker evaluates and writes exactly these; both use this
// package, so the two cannot drift apart.
package watch

import "slices"

// The rules of a watch.
const (
	// Target alerts when the price reaches the watch's target price.
	Target = "target"
	// DropPct alerts when the price falls by the watch's percentage or more.
	DropPct = "drop_pct"
	// AnyDrop alerts on every real price drop.
	AnyDrop = "any_drop"
	// Rise alerts on every real price rise.
	Rise = "rise"
	// AllTimeLow alerts when the price falls below its all-time low.
	AllTimeLow = "all_time_low"
	// BackInStock alerts when a sold-out product is in stock again.
	BackInStock = "back_in_stock"
)

// rules lists every rule, in the order the API documents them.
var rules = []string{Target, DropPct, AnyDrop, Rise, AllTimeLow, BackInStock}

// Rules returns every rule name.
func Rules() []string { return slices.Clone(rules) }

// Valid reports whether name is one of the rules.
func Valid(name string) bool { return slices.Contains(rules, name) }
