package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/internal/extracttest"
)

// pageURLs are the URLs the extract testdata pages were captured from
// (adapters key on the host); other pages get a generic shop URL.
var pageURLs = map[string]string{
	"naver_smartstore.html":      "https://smartstore.naver.com/caseshop/products/8123456789",
	"coupang_sale.html":          "https://www.coupang.com/vp/products/7345612345?itemId=18765432101&vendorItemId=85912345678",
	"coupang_soldout.html":       "https://www.coupang.com/vp/products/1234567890?itemId=3000012345&vendorItemId=3100056789",
	"11st.html":                  "https://www.11st.co.kr/products/5123456789",
	"gmarket.html":               "http://item.gmarket.co.kr/Item?goodscode=2345678901",
	"musinsa.html":               "https://www.musinsa.com/products/3456789",
	"amazon.html":                "https://www.amazon.com/Anker-Charger-Foldable-PowerPort-Compatible/dp/B07PGL2ZSL/ref=sr_1_3",
	"jsonld_product.html":        "https://shop.alpinegear.com/products/trail-runner-2",
	"euckr_origin.html":          "http://www.hanbokmall.co.kr/product/detail.html?product_no=1234&cate_no=42",
	"captcha.html":               "https://www.amazon.com/dp/B07PGL2ZSL",
	"error_403.html":             "https://www.coupang.com/vp/products/7345612345",
	"search_listing.html":        "https://shop.alpinegear.com/search?q=jacket",
	"synthetic_300k.html":        "https://shop.alpinegear.com/products/trail-runner-2",
	"jsonld_productgroup.html":   "https://www.nordicwear.com/en/p/merino-sweater",
	"jsonld_aggregateoffer.html": "https://www.gadgetcompare.com/p/sony-wh-1000xm5",
}

// ExtractConfig sizes the extraction stage.
type ExtractConfig struct {
	// Dir holds the *.html corpus (extract/testdata).
	Dir string
	// Iterations per page for each side.
	Iterations int
	// SyntheticKB is the size of the synthesized large page (0 disables).
	SyntheticKB int
}

type page struct {
	name, url string
	body      []byte
}

// SyntheticPage builds a product page of about size bytes (see
// extracttest.SyntheticPage, which the extractor's own tests share).
func SyntheticPage(base []byte, size int) []byte { return extracttest.SyntheticPage(base, size) }

func loadPages(cfg ExtractConfig) ([]page, error) {
	files, err := filepath.Glob(filepath.Join(cfg.Dir, "*.html"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no *.html under %s: %v", cfg.Dir, err)
	}
	var pages []page
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		name := filepath.Base(f)
		u := pageURLs[name]
		if u == "" {
			u = "https://www.shop-example.com/products/" + strings.TrimSuffix(name, ".html")
		}
		pages = append(pages, page{name, u, b})
	}
	return pages, nil
}

// timeOne returns how long f takes.
func timeOne(f func() error) (time.Duration, error) {
	s := time.Now()
	err := f()
	return time.Since(s), err
}

// Extraction measures extract.Extract per page over the corpus against a
// bare goquery parse of the same bytes, alternating the two, on one core
// (GOMAXPROCS=1 for the stage).
func Extraction(cfg ExtractConfig) Row {
	row := Row{Stage: "1 Extraction", Metric: "ms per page, median / p99 (testdata corpus, GOMAXPROCS=1)",
		Goal:    "≤ 1.5× the bare DOM parse of the same bytes (corpus median and the 300 KB page): every page is parsed, the token-scan fast path is retired",
		Command: fmt.Sprintf("go run ./internal/cmd/ddokso-bench -only 1 -extract-iters %d", cfg.Iterations)}
	pages, err := loadPages(cfg)
	if err != nil {
		row.Err = err
		return row
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)

	measure := func(p page, n int) (ext, parse Durations, err error) {
		for i := 0; i < n+2; i++ { // two warm-up rounds
			de, err := timeOne(func() error { _, err := extract.Extract(p.url, p.body); return err })
			if err != nil {
				return nil, nil, fmt.Errorf("extract %s: %w", p.name, err)
			}
			dp, err := timeOne(func() error { _, err := goquery.NewDocumentFromReader(bytes.NewReader(p.body)); return err })
			if err != nil {
				return nil, nil, fmt.Errorf("parse %s: %w", p.name, err)
			}
			if i >= 2 {
				ext, parse = append(ext, de), append(parse, dp)
			}
		}
		return ext, parse, nil
	}
	var allExt, allParse Durations
	row.Details = append(row.Details, "| page | KB | extract median | extract p99 | parse median | ratio |", "|---|---|---|---|---|---|")
	for _, p := range pages {
		ext, parse, err := measure(p, cfg.Iterations)
		if err != nil {
			row.Err = err
			return row
		}
		allExt, allParse = append(allExt, ext...), append(allParse, parse...)
		row.Details = append(row.Details, fmt.Sprintf("| %s | %d | %s | %s | %s | %s |", p.name, len(p.body)/1024,
			ms(ext.Quantile(0.5)), ms(ext.Quantile(0.99)), ms(parse.Quantile(0.5)),
			ratio(float64(ext.Quantile(0.5)), float64(parse.Quantile(0.5)))))
	}
	row.Ours = ms(allExt.Quantile(0.5)) + " / " + ms(allExt.Quantile(0.99))
	row.Baseline = ms(allParse.Quantile(0.5)) + " / " + ms(allParse.Quantile(0.99)) + " (goquery parse only)"
	r := float64(allExt.Quantile(0.5)) / float64(allParse.Quantile(0.5))
	row.Ratio = ratio(float64(allExt.Quantile(0.5)), float64(allParse.Quantile(0.5)))
	ok := r <= 1.5

	if cfg.SyntheticKB > 0 {
		var base []byte
		for _, p := range pages {
			if p.name == "jsonld_product.html" {
				base = p.body
			}
		}
		if base == nil {
			base = pages[0].body
		}
		syn := page{"synthetic_300k.html", pageURLs["synthetic_300k.html"], SyntheticPage(base, cfg.SyntheticKB*1024)}
		ext, parse, err := measure(syn, cfg.Iterations)
		if err != nil {
			row.Err = err
			return row
		}
		synOK := float64(ext.Quantile(0.5)) <= 1.5*float64(parse.Quantile(0.5))
		ok = ok && synOK
		row.Details = append(row.Details, fmt.Sprintf("| **synthetic %d KB** (jsonld_product.html + related-product filler) | %d | %s | %s | %s | %s |",
			cfg.SyntheticKB, len(syn.body)/1024, ms(ext.Quantile(0.5)), ms(ext.Quantile(0.99)), ms(parse.Quantile(0.5)),
			ratio(float64(ext.Quantile(0.5)), float64(parse.Quantile(0.5)))))
		row.Details = append(row.Details, "", fmt.Sprintf("Synthetic %d KB page: extraction median %s, bare parse %s (goal ≤ 1.5× the parse: %s).",
			cfg.SyntheticKB, ms(ext.Quantile(0.5)), ms(parse.Quantile(0.5)), holds(synOK)))
	}
	row.Details = append([]string{fmt.Sprintf("%d timed runs per page and side, interleaved (extract, then parse, same bytes), after 2 warm-up rounds.", cfg.Iterations), ""}, row.Details...)
	row.Holds = holds(ok)
	return row
}
