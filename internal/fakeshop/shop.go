// Package fakeshop is a loopback web shop for the chaos harness: thousands of
// product pages with JSON-LD and a visible price whose prices and stock change
// on a script, pages that answer 429, 500, time out or serve a captcha, a
// redirect to any address (for SSRF probes), and a log of every request with
// the state it served.
package fakeshop

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Kind is how a product page behaves.
type Kind string

// Product page kinds.
const (
	// KindWalker prices move up and down at random and stock toggles.
	KindWalker Kind = "walker"
	// KindDescender prices only fall: the first change to 80% of the start
	// price, then 5% per change (target watches sit at 85%).
	KindDescender Kind = "descender"
	// KindAlways429 always answers 429 Too Many Requests.
	KindAlways429 Kind = "always429"
	// KindAlways500 always answers 500.
	KindAlways500 Kind = "always500"
	// KindCaptcha always serves a captcha page.
	KindCaptcha Kind = "captcha"
	// KindNotProduct is a page without product data.
	KindNotProduct Kind = "notproduct"
)

// Good reports whether pages of this kind are products that can be checked.
func (k Kind) Good() bool { return k == KindWalker || k == KindDescender }

// State is what a product page shows at one moment.
type State struct {
	Price   int64 `json:"price"`
	InStock bool  `json:"in_stock"`
}

// Request is one logged request.
type Request struct {
	At      time.Time `json:"at"`
	Product int       `json:"product"` // -1 for non-product paths
	Path    string    `json:"path"`
	Status  int       `json:"status"`
	// Served is the state on the page when Status is 200 and the page is a product.
	Served *State `json:"served,omitempty"`
	// Fault names an injected fault (429, 500, timeout, captcha), if any.
	Fault string `json:"fault,omitempty"`
}

// Change is one entry of the shop's own change log.
type Change struct {
	At      time.Time `json:"at"`
	Product int       `json:"product"`
	From    State     `json:"from"`
	To      State     `json:"to"`
}

// Config sets up a shop.
type Config struct {
	// Products is the number of product pages.
	Products int
	// BadShare is the share (0..1) of products with a bad kind (429, 500, captcha, not a product).
	BadShare float64
	// DescenderShare is the share of good products that only fall in price.
	DescenderShare float64
	// FaultRate is the chance (0..1) that a request to a good product gets a random fault.
	FaultRate float64
	// Timeout is how long a "timeout" fault holds the request.
	Timeout time.Duration
	// Seed makes the catalogue reproducible.
	Seed uint64
}

// Shop is the fake shop. It is safe for concurrent use.
type Shop struct {
	cfg     Config
	mu      sync.Mutex
	rnd     *rand.Rand
	kinds   []Kind
	states  []State
	start   []int64
	faults  bool
	reqs    []Request
	changes []Change
	srv     *http.Server
	ln      net.Listener
	stop    chan struct{}
}

// New builds a shop with its catalogue; Start serves it.
func New(cfg Config) (*Shop, error) {
	if cfg.Products < 1 {
		return nil, fmt.Errorf("fakeshop: products must be >= 1, got %d", cfg.Products)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	s := &Shop{cfg: cfg, rnd: rand.New(rand.NewPCG(cfg.Seed, 7)), faults: true, stop: make(chan struct{})}
	bad := []Kind{KindAlways429, KindAlways500, KindCaptcha, KindNotProduct}
	for i := 0; i < cfg.Products; i++ {
		k := KindWalker
		switch r := s.rnd.Float64(); {
		case r < cfg.BadShare:
			k = bad[i%len(bad)]
		case r < cfg.BadShare+(1-cfg.BadShare)*cfg.DescenderShare:
			k = KindDescender
		}
		p := int64(10000 + s.rnd.IntN(200)*1000)
		s.kinds = append(s.kinds, k)
		s.states = append(s.states, State{Price: p, InStock: true})
		s.start = append(s.start, p)
	}
	return s, nil
}

// Start listens on 127.0.0.1 (a free port) and serves until Close.
func (s *Shop) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fakeshop: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// Close stops serving and releases held requests.
func (s *Shop) Close() error {
	close(s.stop)
	return s.srv.Close()
}

// Addr is host:port of the shop.
func (s *Shop) Addr() string { return s.ln.Addr().String() }

// Port is the shop's port.
func (s *Shop) Port() string { _, p, _ := net.SplitHostPort(s.Addr()); return p }

// URL is the product page address of product i.
func (s *Shop) URL(i int) string { return fmt.Sprintf("http://%s/products/p%05d", s.Addr(), i) }

// Len is the number of products.
func (s *Shop) Len() int { return len(s.kinds) }

// Kind is product i's kind.
func (s *Shop) Kind(i int) Kind { return s.kinds[i] }

// StartPrice is product i's price before any change.
func (s *Shop) StartPrice(i int) int64 { return s.start[i] }

// State is product i's current state.
func (s *Shop) State(i int) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.states[i]
}

// SetFaults turns random faults of good products on or off.
func (s *Shop) SetFaults(on bool) {
	s.mu.Lock()
	s.faults = on
	s.mu.Unlock()
}

// Mutate changes n random good products (price or stock) and logs each change.
func (s *Shop) Mutate(n int) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Change
	for j := 0; j < n*4 && len(out) < n; j++ {
		i := s.rnd.IntN(len(s.kinds))
		k := s.kinds[i]
		if !k.Good() {
			continue
		}
		from := s.states[i]
		to := from
		switch {
		case k == KindDescender && from.Price == s.start[i]:
			to.Price = roundTen(s.start[i] * 80 / 100)
		case k == KindDescender:
			to.Price = roundTen(from.Price * 95 / 100)
		case s.rnd.IntN(5) == 0:
			to.InStock = !from.InStock
		default:
			pct := int64(5 + s.rnd.IntN(16))
			if s.rnd.IntN(2) == 0 {
				pct = -pct
			}
			to.Price = roundTen(from.Price * (100 + pct) / 100)
		}
		if to == from || to.Price < 100 {
			continue
		}
		s.states[i] = to
		c := Change{At: time.Now(), Product: i, From: from, To: to}
		s.changes = append(s.changes, c)
		out = append(out, c)
	}
	return out
}

func roundTen(v int64) int64 { return v / 10 * 10 }

// Requests is a copy of the request log.
func (s *Shop) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Changes is a copy of the change log.
func (s *Shop) Changes() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Change(nil), s.changes...)
}

// ServeHTTP implements http.Handler.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if to, ok := strings.CutPrefix(path, "/redirect/"); ok {
		// /redirect/<anything>?to=URL: an open redirect, for SSRF probes.
		s.log(Request{At: time.Now(), Product: -1, Path: path, Status: http.StatusFound})
		_ = to
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		return
	}
	id, ok := strings.CutPrefix(path, "/products/p")
	i, err := strconv.Atoi(id)
	if !ok || err != nil || i < 0 || i >= len(s.kinds) {
		s.log(Request{At: time.Now(), Product: -1, Path: path, Status: http.StatusNotFound})
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	k, st := s.kinds[i], s.states[i]
	fault := ""
	switch k {
	case KindAlways429:
		fault = "429"
	case KindAlways500:
		fault = "500"
	case KindCaptcha:
		fault = "captcha"
	default:
		if k.Good() && s.faults && s.rnd.Float64() < s.cfg.FaultRate {
			fault = []string{"429", "500", "timeout", "captcha"}[s.rnd.IntN(4)]
		}
	}
	req := Request{At: time.Now(), Product: i, Path: path, Fault: fault}
	switch fault {
	case "429":
		req.Status = http.StatusTooManyRequests
	case "500":
		req.Status = http.StatusInternalServerError
	case "timeout":
		req.Status = 0
	default:
		req.Status = http.StatusOK
		if fault == "" && k.Good() {
			cp := st
			req.Served = &cp
		}
	}
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()

	switch fault {
	case "429":
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case "500":
		http.Error(w, "oops", http.StatusInternalServerError)
	case "timeout":
		select {
		case <-r.Context().Done():
		case <-s.stop:
		case <-time.After(s.cfg.Timeout):
		}
	case "captcha":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, captchaPage)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if k == KindNotProduct {
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>About us %d</title></head><body>
<h1>About us</h1><p>%s</p></body></html>`, i, strings.Repeat("We are a small shop in Seoul selling outdoor gear since 1998. ", 20))
			return
		}
		fmt.Fprint(w, productPage(i, st))
	}
}

func (s *Shop) log(r Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
}

const captchaPage = `<!DOCTYPE html><html><head><title>Access Denied</title></head><body>
<h1>Please verify you are a human</h1><div class="g-recaptcha" data-sitekey="x"></div>
<script src="https://www.google.com/recaptcha/api.js"></script></body></html>`

func productPage(i int, st State) string {
	avail := "https://schema.org/InStock"
	label := "재고 있음"
	if !st.InStock {
		avail, label = "https://schema.org/OutOfStock", "품절"
	}
	return fmt.Sprintf(`<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>Chaos Product %[1]d</title>
<link rel="canonical" href="/products/p%05[1]d">
<script type="application/ld+json">{"@context":"https://schema.org/","@type":"Product","name":"Chaos Product %[1]d","sku":"CH-%[1]d",
"brand":{"@type":"Brand","name":"Chaos"},
"offers":{"@type":"Offer","priceCurrency":"KRW","price":%[2]d,"availability":"%[3]s"}}</script>
</head><body><h1>Chaos Product %[1]d</h1><p class="price">%[4]s원</p><p class="stock">%[5]s</p></body></html>`,
		i, st.Price, avail, won(st.Price), label)
}

// won writes v with Korean thousands separators (12,900).
func won(v int64) string { return wonPrinter.Sprintf("%d", v) }

var wonPrinter = message.NewPrinter(language.Korean)
