package scrap

import "github.com/ddokso/ddokso/events"

// level is what is stored of a product, or of one of its variants, before
// a check.
type level struct {
	// known: an earlier successful check stored it (for a product: it has
	// been checked; for a variant: its row exists). An unknown level is
	// first sight: stored, never reported as a change.
	known        bool
	price        *int64
	currency     string // the product's currency; a variant has none of its own
	availability string
	allTimeLow   *int64
	allTimeHigh  *int64 // products only
	lastDrop     *int64 // products only
}

// seen is what one check observed of a product or a variant.
type seen struct {
	price, listPrice *int64
	currency         string // "" when the page did not say
	availability     string
}

// decision is what a check changes: the values to store and the change to
// report. Products and variants take it from the same function, decide.
type decision struct {
	price           *int64
	currency        string
	changed         bool // write a changed observation
	currencyChanged bool
	allTimeLow      *int64
	allTimeHigh     *int64
	lastDrop        *int64
	// change is the price.changed entry: nil on first sight or when
	// nothing changed.
	change *events.PriceChange
}

// decide turns an observation into the change decision:
//   - no price shown (typically sold out) in the same or an unknown
//     currency keeps the last known price: a missing price is not a new
//     price, and sold out is reported through the availability;
//   - a different currency is a change, and resets the all-time figures:
//     magnitudes in different currencies do not compare, so the change
//     carries no old price;
//   - otherwise a change is a different price or availability.
func decide(prev level, obs seen) decision {
	d := decision{price: obs.price, currency: obs.currency, lastDrop: prev.lastDrop}
	if d.price == nil && prev.price != nil && (obs.currency == "" || obs.currency == prev.currency) {
		d.price, d.currency = prev.price, prev.currency
	}
	d.currencyChanged = prev.known && prev.currency != "" && d.currency != "" && prev.currency != d.currency
	d.changed = !prev.known || d.currencyChanged || !sameInt(prev.price, d.price) || prev.availability != obs.availability

	oldPrice, atl, ath := prev.price, prev.allTimeLow, prev.allTimeHigh
	if d.currencyChanged {
		oldPrice, atl, ath = nil, nil, nil
	}
	atlBefore := atl
	if d.price != nil {
		atl, ath = minInt(atl, d.price), maxInt(ath, d.price)
	}
	d.allTimeLow, d.allTimeHigh = atl, ath
	if oldPrice != nil && d.price != nil && *d.price < *oldPrice && prev.known {
		drop := *oldPrice - *d.price
		d.lastDrop = &drop
	}
	if prev.known && d.changed {
		d.change = &events.PriceChange{
			OldPrice: oldPrice, NewPrice: d.price,
			OldAvailability: prev.availability, NewAvailability: obs.availability,
			AllTimeLow: atlBefore, ListPrice: obs.listPrice,
		}
	}
	return d
}
