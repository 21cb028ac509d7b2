package extract

import (
	"testing"
)

func FuzzExtract(f *testing.F) {
	for _, tp := range testPages {
		b := readPage(f, tp.file)
		if len(b) > 64<<10 {
			b = b[:64<<10] // keep the corpus small; truncation is a mutation too
		}
		f.Add(tp.url, b)
	}
	f.Add("https://smartstore.naver.com/s/products/1", []byte(`<script>window.__PRELOADED_STATE__={"product":{"A":{"name":"x","salePrice":-5,"stockQuantity":1,"optionCombinations":[{"price":-100}]}}}</script>`))
	f.Add("https://x.com/", []byte(`<script type="application/ld+json">{"@type":"ProductGroup","hasVariant":[{"offers":{"price":"-1","priceCurrency":"USD"}}]}</script>`))
	f.Add("https://www.lamps.example/p/1", []byte(`<h1>Lamp</h1><div class="price"><del>$20.00</del> <ins>$12.<sup>50</sup></ins></div><button disabled>Sold out</button><dl><dt>SKU</dt><dd>LA-12</dd></dl>`))
	f.Add("https://www.lamps.example/p/1", []byte(`<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Lamp</h1><div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><span itemprop="price" content="12.99">$12.99</span></div></div>`))
	f.Fuzz(func(t *testing.T, pageURL string, html []byte) {
		p, err := Extract(pageURL, html)
		if err != nil {
			if p != nil {
				t.Fatalf("product returned with error %v", err)
			}
			return
		}
		for name, a := range map[string]*Product{"product": p} {
			if a.Price != nil && a.Price.Minor <= 0 {
				t.Fatalf("%s: non-positive price %v", name, *a.Price)
			}
			if a.ListPrice != nil && (a.Price == nil || a.ListPrice.Minor <= a.Price.Minor) {
				t.Fatalf("%s: list price %v not above price %v", name, a.ListPrice, a.Price)
			}
		}
		if !p.IsProduct && (len(p.Variants) > 0 || p.Price != nil) {
			t.Fatalf("non-product with price %v / %d variants", p.Price, len(p.Variants))
		}
		for _, v := range p.Variants {
			if v.Price != nil && v.Price.Minor <= 0 {
				t.Fatalf("variant %q: non-positive price %v", v.ID, *v.Price)
			}
			if v.Availability == "" {
				t.Fatalf("variant %q: empty availability", v.ID)
			}
		}
		switch p.Availability {
		case InStock, OutOfStock, PreOrder, Unknown:
		default:
			t.Fatalf("availability %q", p.Availability)
		}
		if _, err := p.JSON(); err != nil {
			t.Fatalf("json: %v", err)
		}
	})
}
