package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ddokso/ddokso/search"
)

// obsChunk is how many products one LOAD DATA of observations covers at
// full size (about 3 M rows), so no statement is one giant transaction.
const obsChunk = 25_000

func (g *gen) tables() []table {
	ts := []table{
		{name: "products", cols: []string{"id", "url_hash", "canonical_url", "shop", "shop_product_id", "title", "brand", "category", "image",
			"currency", "price", "list_price", "availability", "all_time_low", "all_time_high", "last_drop", "check_status",
			"last_checked_at", "last_changed_at", "next_check_at", "watch_count", "popularity", "created_at", "updated_at", "search_terms_of"}, write: g.writeProducts},
		g.termsTable(),
		{name: "product_variants", cols: []string{"id", "product_id", "variant_key", "name", "options", "price", "list_price", "availability", "sku", "all_time_low", "created_at", "updated_at"}, write: g.writeVariants},
		{name: "product_tags", cols: []string{"product_id", "tag"}, write: g.writeTags},
		{name: "users", cols: []string{"id", "email", "email_source", "locale", "timezone", "created_at", "updated_at"}, write: g.writeUsers},
		{name: "watches", cols: []string{"id", "user_id", "product_id", "variant_id", "rule", "target_price", "drop_pct", "channel_email", "channel_push",
			"active", "armed", "last_alert_at", "last_alert_price", "created_at", "updated_at"}, write: g.writeWatches},
	}
	chunk := max(1, int(float64(obsChunk)*min(g.cfg.Scale, 1)))
	for from := 0; from < g.products; from += chunk {
		to := min(from+chunk, g.products)
		ts = append(ts, table{name: "price_observations", cols: []string{"product_id", "variant_id", "price", "list_price", "currency", "availability", "changed", "observed_at"},
			write: func(w *rowWriter) error { return g.writeObservations(w, from, to) }})
	}
	return append(ts,
		table{name: "scrape_requests", cols: []string{"url", "canonical_url", "url_hash", "user_id", "reason", "status", "product_id", "created_at", "updated_at", "finished_at"}, write: g.writeScrapes},
		table{name: "notifications", cols: []string{"user_id", "watch_id", "product_id", "variant_id", "rule", "channel", "status", "dedupe_key", "alert_key", "local_day",
			"title", "old_price", "new_price", "currency", "provider_message_id", "attempts", "error", "created_at", "updated_at", "sent_at"}, write: g.writeNotifications},
	)
}

func micro(us int64) time.Time { return time.UnixMicro(us).UTC() }

func (g *gen) writeProducts(w *rowWriter) error {
	var buf []point
	end := g.cfg.Anchor.UnixMicro()
	for i := range g.products {
		h, cur, _ := g.history(i, buf)
		buf = h
		s := summarize(h)
		r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), uint64(i)<<8|1))
		title, brand, category := g.title(i, r)
		u := g.url(i)
		w.I(int64(i + 1))
		w.S(sha(u))
		w.S(u)
		w.S(g.shops[g.shopOf[i]])
		w.S(fmt.Sprint(1000000 + i))
		w.S(title)
		w.S(brand)
		w.S(category)
		w.S(fmt.Sprintf("https://img.example.kr/%d.jpg", i+1))
		w.S(cur)
		w.I(s.price)
		w.I(s.list)
		w.S(avails[s.avail])
		w.I(s.low)
		w.I(s.high)
		w.IP(s.lastDrop, s.hasDrop)
		w.S("ok")
		// Checked daily (hourly when watched or popular); the last check is
		// within the last interval, so some are due at the anchor.
		interval := int64(day / time.Microsecond)
		if g.watchCount[i] > 0 || g.popularity[i] >= 10 {
			interval = int64(time.Hour / time.Microsecond)
		}
		last := end - r.Int64N(interval)
		last = max(last, h[len(h)-1].at)
		w.T(micro(last))
		w.T(micro(s.lastChanged))
		w.T(micro(last + interval))
		w.I(int64(g.watchCount[i]))
		w.I(int64(g.popularity[i]))
		w.T(micro(h[0].at))
		w.T(micro(last))
		w.S(search.TermsOf(title, brand))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// termsTable is the name-search index (package search) of every product's
// title and brand, sorted by its primary key (term, product) before the
// load starts.
func (g *gen) termsTable() table {
	type row struct {
		term   string
		id     int32
		weight int16
	}
	var rows []row
	prep := func() error {
		for i := range g.products {
			r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), uint64(i)<<8|1))
			title, brand, _ := g.title(i, r)
			for t, wt := range search.Terms(title, brand) {
				rows = append(rows, row{t, int32(i + 1), int16(wt)})
			}
		}
		slices.SortFunc(rows, func(a, b row) int {
			if c := strings.Compare(a.term, b.term); c != 0 {
				return c
			}
			return int(a.id - b.id)
		})
		return nil
	}
	write := func(w *rowWriter) error {
		for _, r := range rows {
			w.S(r.term)
			w.I(int64(r.id))
			w.I(int64(r.weight))
			if err := w.end(); err != nil {
				return err
			}
		}
		rows = nil
		return nil
	}
	return table{name: "product_terms", cols: []string{"term", "product_id", "weight"}, prep: prep, write: write}
}

// variantFactor is variant k's price relative to its product, in percent.
func variantFactor(k int) int64 { return 100 + int64(k%5)*5 }

func (g *gen) writeVariants(w *rowWriter) error {
	var buf []point
	for i := range g.products {
		if g.varCount[i] == 0 {
			continue
		}
		h, _, _ := g.history(i, buf)
		buf = h
		s := summarize(h)
		for k := range int(g.varCount[i]) {
			f := variantFactor(k)
			color, size := colors[k%len(colors)], sizes[k/len(colors)%len(sizes)]
			w.I(g.varStart[i] + int64(k))
			w.I(int64(i + 1))
			w.S(fmt.Sprintf("opt-%d", k))
			w.S(color + " / " + size)
			w.S(`{"색상":"` + color + `","사이즈":"` + size + `"}`)
			w.I(s.price * f / 100)
			w.I(s.list * f / 100)
			w.S(avails[s.avail])
			w.S(fmt.Sprintf("SKU-%d-%d", i+1, k))
			w.I(s.low * f / 100)
			w.T(micro(h[0].at))
			w.T(micro(h[len(h)-1].at))
			if err := w.end(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gen) writeTags(w *rowWriter) error {
	r := rng(g.cfg, 3)
	for i := range g.products {
		a := r.IntN(len(tags))
		n := 1 + r.IntN(2)
		for k := range n {
			w.I(int64(i + 1))
			w.S(tags[(a+k)%len(tags)])
			if err := w.end(); err != nil {
				return err
			}
		}
	}
	return nil
}

func userID(u int32) string { return fmt.Sprintf("u%06d", u) }

func (g *gen) writeUsers(w *rowWriter) error {
	r := rng(g.cfg, 4)
	for u := range g.users {
		at := g.cfg.Anchor.Add(-time.Duration(r.Int64N(int64(HistoryDays * day))))
		w.S(userID(int32(u)))
		w.S(fmt.Sprintf("user%d@example.com", u))
		w.S("token")
		w.S("ko")
		w.S("Asia/Seoul")
		w.T(at)
		w.T(at)
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) writeWatches(w *rowWriter) error {
	r := rng(g.cfg, 5)
	for k, wa := range g.watches {
		created := micro(g.created[wa.product]*1e6 + r.Int64N(int64(30*day/time.Microsecond)))
		created = minTime(created, g.cfg.Anchor)
		rule := rules[wa.rule]
		w.I(int64(k + 1))
		w.S(userID(wa.user))
		w.I(int64(wa.product + 1))
		w.I(wa.variant)
		w.S(rule)
		if rule == "target" {
			w.I(10000)
		} else {
			w.N()
		}
		if rule == "drop_pct" {
			w.S("10.00")
		} else {
			w.N()
		}
		w.I(1)
		w.I(int64(r.IntN(5) / 4))
		w.I(b2i(wa.active))
		w.I(1)
		w.N()
		w.N()
		w.T(created)
		w.T(created)
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (g *gen) writeObservations(w *rowWriter, from, to int) error {
	var buf []point
	for i := from; i < to; i++ {
		h, cur, _ := g.history(i, buf)
		buf = h
		pid := int64(i + 1)
		for _, p := range h {
			if err := obsRow(w, pid, 0, p, cur); err != nil {
				return err
			}
		}
		// Variants: observed when first seen and when they changed, which
		// is at about one in ten of the product's changes.
		r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), uint64(i)<<8|2))
		for k := range int(g.varCount[i]) {
			f := variantFactor(k)
			for j, p := range h {
				if !p.changed || (j > 0 && r.IntN(10) != 0) {
					continue
				}
				p.price, p.list = p.price*f/100, p.list*f/100
				if err := obsRow(w, pid, g.varStart[i]+int64(k), p, cur); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func obsRow(w *rowWriter, pid, vid int64, p point, cur string) error {
	w.I(pid)
	w.I(vid)
	w.I(p.price)
	w.I(p.list)
	w.S(cur)
	w.S(avails[p.avail])
	w.I(b2i(p.changed))
	w.T(micro(p.at))
	return w.end()
}

func (g *gen) writeScrapes(w *rowWriter) error {
	r := rng(g.cfg, 6)
	for i := range g.products {
		u := g.url(i)
		at := micro(g.created[i] * 1e6)
		w.S(u)
		w.S(u)
		w.S(sha(u))
		w.S(userID(int32(r.IntN(g.users))))
		w.S("user")
		w.S("done")
		w.I(int64(i + 1))
		w.T(at)
		w.T(at.Add(2 * time.Second))
		w.T(at.Add(2 * time.Second))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// writeNotifications writes the delivery log: about three alerts per
// active watch over its life, most sent (with the provider's message id),
// some skipped, capped or failed.
func (g *gen) writeNotifications(w *rowWriter) error {
	r := rng(g.cfg, 7)
	seoul := time.FixedZone("KST", 9*3600)
	n := 0
	end := g.cfg.Anchor.UnixMicro()
	for k, wa := range g.watches {
		if !wa.active {
			continue
		}
		start := g.created[wa.product] * 1e6
		alerts := int(r.ExpFloat64() * 3)
		for range alerts {
			n++
			at := micro(start + r.Int64N(max(end-start, 1)))
			status, provider, errText, attempts := "sent", fmt.Sprintf("0100019%012d-ses", n), "", 1
			switch x := r.IntN(100); {
			case x < 4:
				status, provider, errText, attempts = "skipped", "", "no push subscription", 0
			case x < 8:
				status, provider, attempts = "capped", "", 0
			case x < 10:
				status, provider, errText, attempts = "failed", "", "MessageRejected: address blacklisted", 5
			}
			old := int64(10000 + r.IntN(100000))
			w.S(userID(wa.user))
			w.I(int64(k + 1))
			w.I(int64(wa.product + 1))
			w.I(wa.variant)
			w.S(rules[wa.rule])
			w.S("email")
			w.S(status)
			w.S(sha(fmt.Sprintf("n%d", n)))
			w.S(sha(fmt.Sprintf("a%d", n)))
			w.D(at.In(seoul))
			w.S(fmt.Sprintf("상품 %d", wa.product+1))
			w.I(old)
			w.I(old - old/10)
			w.S("KRW")
			if provider != "" {
				w.S(provider)
			} else {
				w.N()
			}
			w.I(int64(attempts))
			if errText != "" {
				w.S(errText)
			} else {
				w.N()
			}
			w.T(at)
			w.T(at.Add(time.Second))
			if status == "sent" {
				w.T(at.Add(time.Second))
			} else {
				w.N()
			}
			if err := w.end(); err != nil {
				return err
			}
		}
	}
	return nil
}
