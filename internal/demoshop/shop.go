// Package demoshop is the built-in demo shop of `ddokso dev shop`: a few
// products on loopback whose pages carry schema.org JSON-LD, and a small
// control API (`ddokso dev set-price`, `set-stock`) that changes a
// product's price or stock, so a newcomer can watch a price drop reach
// their inbox without the internet.
package demoshop

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Product is one demo product's state.
type Product struct {
	SKU     string `json:"sku"`
	Name    string `json:"name"`
	Brand   string `json:"brand"`
	Price   int64  `json:"price"` // KRW
	InStock bool   `json:"in_stock"`
}

// Catalog is the demo shop's starting catalog.
func Catalog() []Product {
	return []Product{
		{SKU: "DS-RUN-42", Name: "똑소 러닝화 에어 42", Brand: "Ddokso", Price: 15900, InStock: true},
		{SKU: "DS-MUG-01", Name: "똑소 머그컵 350ml", Brand: "Ddokso", Price: 8900, InStock: true},
		{SKU: "DS-BAG-07", Name: "Ddokso Daypack 20L", Brand: "Ddokso", Price: 49000, InStock: false},
	}
}

// Shop serves the product pages and the control API.
type Shop struct {
	mu       sync.Mutex
	products map[string]*Product
}

// New returns a shop with the starting catalog.
func New() *Shop {
	s := &Shop{products: map[string]*Product{}}
	for _, p := range Catalog() {
		s.products[p.SKU] = &p
	}
	return s
}

// ServeHTTP implements http.Handler:
//
//	GET  /                          list of products (HTML)
//	GET  /products/{sku}            product page with JSON-LD
//	GET  /robots.txt                allows everything
//	GET  /_demo/products            the state as JSON
//	POST /_demo/products/{sku}?price=12900 | ?stock=in_stock|out_of_stock
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case path == "/" && r.Method == http.MethodGet:
		s.index(w, r)
	case strings.HasPrefix(path, "/products/") && r.Method == http.MethodGet:
		p, ok := s.get(strings.TrimPrefix(path, "/products/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, page(p))
	case path == "/_demo/products" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.list())
	case strings.HasPrefix(path, "/_demo/products/") && r.Method == http.MethodPost:
		s.change(w, r, strings.TrimPrefix(path, "/_demo/products/"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Shop) get(sku string) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[sku]
	if !ok {
		return Product{}, false
	}
	return *p, true
}

func (s *Shop) list() []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Product, 0, len(s.products))
	for _, p := range s.products {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out
}

func (s *Shop) change(w http.ResponseWriter, r *http.Request, sku string) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[sku]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no product " + sku})
		return
	}
	if v := q.Get("price"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "price must be a positive whole number of won"})
			return
		}
		p.Price = n
	}
	switch q.Get("stock") {
	case "":
	case "in_stock":
		p.InStock = true
	case "out_of_stock":
		p.InStock = false
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "stock must be in_stock or out_of_stock"})
		return
	}
	writeJSON(w, http.StatusOK, *p)
}

func (s *Shop) index(w http.ResponseWriter, _ *http.Request) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>ddokso demo shop</title></head><body><h1>ddokso demo shop</h1><ul>`)
	for _, p := range s.list() {
		fmt.Fprintf(&b, `<li><a href="/products/%s">%s</a> %s원</li>`, p.SKU, html.EscapeString(p.Name), won(p.Price))
	}
	b.WriteString(`</ul></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, b.String())
}

func page(p Product) string {
	avail, label := "https://schema.org/InStock", "재고 있음"
	if !p.InStock {
		avail, label = "https://schema.org/OutOfStock", "품절"
	}
	ld, _ := json.Marshal(map[string]any{
		"@context": "https://schema.org/", "@type": "Product", "name": p.Name, "sku": p.SKU,
		"brand":  map[string]string{"@type": "Brand", "name": p.Brand},
		"offers": map[string]any{"@type": "Offer", "priceCurrency": "KRW", "price": p.Price, "availability": avail},
	})
	name := html.EscapeString(p.Name)
	return fmt.Sprintf(`<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>%[1]s | ddokso demo shop</title>
<link rel="canonical" href="/products/%[2]s">
<script type="application/ld+json">%[3]s</script>
</head><body><h1>%[1]s</h1><p class="price">%[4]s원</p><p class="stock">%[5]s</p></body></html>`,
		name, p.SKU, ld, won(p.Price), label)
}

// won writes v with Korean thousands separators (12,900).
func won(v int64) string { return wonPrinter.Sprintf("%d", v) }

var wonPrinter = message.NewPrinter(language.Korean)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
