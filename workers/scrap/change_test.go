package scrap

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/shopurl"
)

func p64(n int64) *int64 { return &n }

func TestDecide(t *testing.T) {
	t.Parallel()
	krw := level{known: true, price: p64(10000), currency: "KRW", availability: "in_stock", allTimeLow: p64(9000), allTimeHigh: p64(12000), lastDrop: p64(500)}
	for _, tc := range []struct {
		name string
		prev level
		obs  seen
		want decision
	}{
		{"first sight is stored, never reported", level{}, seen{price: p64(10000), currency: "KRW", availability: "in_stock"},
			decision{price: p64(10000), currency: "KRW", changed: true, allTimeLow: p64(10000), allTimeHigh: p64(10000)}},
		{"same price and stock: nothing changed", krw, seen{price: p64(10000), currency: "KRW", availability: "in_stock"},
			decision{price: p64(10000), currency: "KRW", allTimeLow: p64(9000), allTimeHigh: p64(12000), lastDrop: p64(500)}},
		{"a drop below the all-time low", krw, seen{price: p64(8000), listPrice: p64(15000), currency: "KRW", availability: "in_stock"},
			decision{price: p64(8000), currency: "KRW", changed: true, allTimeLow: p64(8000), allTimeHigh: p64(12000), lastDrop: p64(2000),
				change: &events.PriceChange{OldPrice: p64(10000), NewPrice: p64(8000), OldAvailability: "in_stock", NewAvailability: "in_stock", AllTimeLow: p64(9000), ListPrice: p64(15000)}}},
		{"a rise keeps the last drop", krw, seen{price: p64(13000), currency: "KRW", availability: "in_stock"},
			decision{price: p64(13000), currency: "KRW", changed: true, allTimeLow: p64(9000), allTimeHigh: p64(13000), lastDrop: p64(500),
				change: &events.PriceChange{OldPrice: p64(10000), NewPrice: p64(13000), OldAvailability: "in_stock", NewAvailability: "in_stock", AllTimeLow: p64(9000)}}},
		{"sold out without a price keeps the last price", krw, seen{currency: "KRW", availability: "out_of_stock"},
			decision{price: p64(10000), currency: "KRW", changed: true, allTimeLow: p64(9000), allTimeHigh: p64(12000), lastDrop: p64(500),
				change: &events.PriceChange{OldPrice: p64(10000), NewPrice: p64(10000), OldAvailability: "in_stock", NewAvailability: "out_of_stock", AllTimeLow: p64(9000)}}},
		{"no price and no currency keeps price and currency", krw, seen{availability: "in_stock"},
			decision{price: p64(10000), currency: "KRW", allTimeLow: p64(9000), allTimeHigh: p64(12000), lastDrop: p64(500)}},
		{"no price in another currency: the price is unknown, the currency changed", krw, seen{currency: "USD", availability: "in_stock"},
			decision{currency: "USD", changed: true, currencyChanged: true, lastDrop: p64(500),
				change: &events.PriceChange{OldAvailability: "in_stock", NewAvailability: "in_stock"}}},
		{"another currency: no old price, all-time figures restart", krw, seen{price: p64(799), currency: "USD", availability: "in_stock"},
			decision{price: p64(799), currency: "USD", changed: true, currencyChanged: true, allTimeLow: p64(799), allTimeHigh: p64(799), lastDrop: p64(500),
				change: &events.PriceChange{NewPrice: p64(799), OldAvailability: "in_stock", NewAvailability: "in_stock"}}},
		// Variants kept the price here and products did not: the rule the two
		// copies disagreed on before decide was shared.
		{"no price, a currency where none was known: the price is unknown", level{known: true, price: p64(10000), availability: "in_stock"}, seen{currency: "KRW", availability: "out_of_stock"},
			decision{currency: "KRW", changed: true, allTimeLow: nil,
				change: &events.PriceChange{OldPrice: p64(10000), OldAvailability: "in_stock", NewAvailability: "out_of_stock"}}},
		{"a currency learnt for the first time is no currency change", level{known: true, price: p64(10000), availability: "in_stock"}, seen{price: p64(10000), currency: "KRW", availability: "in_stock"},
			decision{price: p64(10000), currency: "KRW", allTimeLow: p64(10000), allTimeHigh: p64(10000)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, decide(tc.prev, tc.obs))
		})
	}
}

// TestProductAndVariantTakeTheSameDecision runs one sequence of
// observations through saveProduct on MySQL for a product with one variant
// showing the same price, currency and stock, and requires the product row
// and the variant row, and the product's and the variant's reported change,
// to agree after every check.
func TestProductAndVariantTakeTheSameDecision(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	c, err := shopurl.Canonicalize("https://shop.example/p/1")
	require.NoError(t, err)
	tg := target{raw: c.URL, url: c.URL, hash: c.Hash(), shop: c.Shop}
	amount := func(minor int64, cur string) *price.Amount { return &price.Amount{Minor: minor, Currency: cur} }
	steps := []struct {
		name  string
		price *price.Amount
		cur   string
		avail extract.Availability
	}{
		{"first sight", amount(10000, "KRW"), "KRW", extract.InStock},
		{"unchanged", amount(10000, "KRW"), "KRW", extract.InStock},
		{"drop", amount(8000, "KRW"), "KRW", extract.InStock},
		{"sold out, no price shown", nil, "KRW", extract.OutOfStock},
		{"back in stock, higher", amount(9000, "KRW"), "KRW", extract.InStock},
		{"no price, no currency", nil, "", extract.InStock},
		{"currency change", amount(799, "USD"), "USD", extract.InStock},
		{"no price in another currency", nil, "JPY", extract.InStock},
		{"a price again, in the new currency", amount(700, "JPY"), "JPY", extract.InStock},
		{"sold out in the new currency", nil, "JPY", extract.OutOfStock},
	}
	for i, st := range steps {
		p := &extract.Product{Title: "Tumbler", Currency: st.cur, Price: st.price, Availability: st.avail,
			Variants: []extract.Variant{{ID: "v1", Options: map[string]string{"color": "black"}, Price: st.price, Availability: st.avail}}}
		var s saved
		require.NoError(t, inTx(ctx, db, func(tx *sql.Tx) error {
			s, err = (&Worker{}).saveProduct(ctx, tx, tg, outcome{status: events.OutcomeDone, product: p}, time.Date(2026, 12, 1, i, 0, 0, 0, time.UTC))
			return err
		}), st.name)

		var prod, vari struct {
			price, atl sql.NullInt64
			avail      string
		}
		require.NoError(t, db.QueryRow(`SELECT price, all_time_low, availability FROM products WHERE id = ?`, s.productID).Scan(&prod.price, &prod.atl, &prod.avail))
		require.NoError(t, db.QueryRow(`SELECT price, all_time_low, availability FROM product_variants WHERE product_id = ?`, s.productID).Scan(&vari.price, &vari.atl, &vari.avail))
		require.Equal(t, prod, vari, "%s: stored product and variant differ", st.name)

		var pc, vc []events.PriceChange
		for _, ch := range s.changes {
			if ch.VariantID == 0 {
				pc = append(pc, ch)
			} else {
				ch.VariantID, ch.VariantName = 0, ""
				vc = append(vc, ch)
			}
		}
		require.Equal(t, pc, vc, "%s: reported changes differ", st.name)
		if i > 0 && i != 1 && i != 5 {
			require.Len(t, pc, 1, "%s: a change is reported", st.name)
		}
		switch st.name {
		case "sold out, no price shown":
			require.Equal(t, int64(8000), prod.price.Int64, "the last known price is kept")
			require.Equal(t, "out_of_stock", pc[0].NewAvailability)
		case "currency change":
			require.Nil(t, pc[0].OldPrice, "no old price across currencies")
			require.Equal(t, int64(799), prod.atl.Int64, "all-time low restarts")
		case "no price in another currency":
			require.False(t, prod.price.Valid, "a price in another currency is not kept")
		}
	}
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
