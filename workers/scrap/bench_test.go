package scrap_test

import (
	"testing"

	"github.com/ddokso/ddokso/events"
)

// BenchmarkHandle measures one full check: loopback fetch, extraction and
// the MySQL transaction (a price change every other time).
func BenchmarkHandle(b *testing.B) {
	fx := setup(b)
	fx.shop.set(func(s *shop) {
		s.variants = []variantState{{"42-BLK", "블랙", 159000, true}, {"42-WHT", "화이트", 169000, false}}
	})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		fx.shop.set(func(s *shop) { s.variants[0].Price = 159000 - int64(i%2)*1000 })
		env := events.MustNew(fx.ctx, events.ScrapeRequested{URL: fx.shop.URL(), Reason: "schedule"})
		if err := fx.w.Handle(fx.ctx, env, nil); err != nil {
			b.Fatal(err)
		}
	}
}
