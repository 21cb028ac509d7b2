package extract

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestSubjectKeys(t *testing.T) {
	t.Parallel()
	for text, want := range map[string][]selKey{
		"#productTitle":                         {{id: true, name: "productTitle"}},
		".prod-sale-price .total-price":         {{name: "total-price"}},
		"h1.prod-buy-header__title":             {{name: "prod-buy-header__title"}},
		"#buyButton.soldout":                    {{id: true, name: "buyButton"}},
		".a.b#c":                                {{id: true, name: "c"}},
		"input#ASIN, .x > .y":                   {{id: true, name: "ASIN"}, {name: "y"}},
		"a.b[data-x=y].c":                       {{name: "b"}},
		".box__price  ~  .text__price-seller":   {{name: "text__price-seller"}},
		"#availability span":                    nil, // the subject is a bare tag
		"input[name=ASIN]":                      nil,
		"[data-product-id]":                     nil,
		".a, h1":                                nil, // one member without a key
		".delivery_info .delivery dt + dd":      nil,
		`form[action*="captcha"], .g-recaptcha`: nil, // quotes
		".a:not(.b)":                            nil,
		"div:has(.price)":                       nil,
		`.a\:b`:                                 nil,
		"*.a":                                   nil,
		".a[x=y":                                nil,
	} {
		require.Equal(t, want, subjectKeys(text), text)
	}
}

// TestEachMatchesGoquery checks that every selector the adapters compiled
// while extracting the testdata pages finds, through the class/id index or
// the walk, exactly what goquery's Find finds, on every page.
func TestEachMatchesGoquery(t *testing.T) {
	t.Parallel()
	for _, tp := range testPages {
		_, err := Extract(tp.url, readPage(t, tp.file))
		require.NoError(t, err)
	}
	var texts []string
	selCache.Range(func(k, _ any) bool {
		texts = append(texts, k.(string))
		return true
	})
	texts = append(texts, ".related-card", "#does-not-exist", ".price, #productTitle", "span, .price", "div.a .b, #c")
	require.Greater(t, len(texts), 40, "the adapters compile their selectors")
	u, err := url.Parse("https://shop.example.com/p/1")
	require.NoError(t, err)
	for _, tp := range testPages {
		p, err := parsePage(tp.url, u, readPage(t, tp.file))
		require.NoError(t, err)
		for _, text := range texts {
			s := selector(text)
			var got []*html.Node
			p.each(s, func(n *html.Node) bool {
				got = append(got, n)
				return false
			})
			var want []*html.Node
			if s.css != nil {
				want = p.doc.FindMatcher(s.css).Nodes
			}
			require.Equal(t, want, got, "%s: %s", tp.file, text)
		}
	}
}

func TestEachStopsAtFirst(t *testing.T) {
	t.Parallel()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader([]byte(`<div class="x" id="1"></div><p class="y"></p><div class="x" id="2"></div>`)))
	require.NoError(t, err)
	u, err := url.Parse("https://shop.example.com/")
	require.NoError(t, err)
	p := newPage(u)
	p.doc = doc
	for _, text := range []string{".x", "div", ".x, .y"} {
		var ids []string
		p.each(selector(text), func(n *html.Node) bool {
			ids = append(ids, attr(n, "id"))
			return true
		})
		require.Equal(t, []string{"1"}, ids, text)
	}
}

// TestBotCheckMatchesSelector checks that botCheck agrees
// with a goquery Find of blockedSelector, on each of its selectors and on
// the testdata pages.
func TestBotCheckMatchesSelector(t *testing.T) {
	t.Parallel()
	pages := map[string]string{
		"form":       `<form action="/errors/validateCaptcha"><input name="x"></form>`,
		"form lower": `<form action="/captcha/check"></form>`,
		"recaptcha":  `<div class="a g-recaptcha" data-x="1"></div>`,
		"hcaptcha":   `<div class="h-captcha"></div>`,
		"ids":        `<div id="captchacharacters"></div>`,
		"challenge":  `<div><p id="cf-challenge-running"></p></div>`,
		"px":         `<template><div id="px-captcha"></div></template>`,
		"sitekey":    `<div data-sitekey="abc"></div>`,
		"iframe":     `<iframe src="https://www.google.com/recaptcha/api2/anchor"></iframe>`,
		"near miss":  `<div class="captcha-note" id="challenger"><a href="/captcha">x</a></div>`,
		"plain":      `<div class="price">12,900원</div>`,
	}
	for _, tp := range testPages {
		pages[tp.file] = string(readPage(t, tp.file))
	}
	u, err := url.Parse("https://shop.example.com/")
	require.NoError(t, err)
	hits := 0
	for name, body := range pages {
		p, err := parsePage(u.String(), u, []byte(`<html><body>`+body))
		require.NoError(t, err)
		want := len(p.doc.FindMatcher(blockedSelector.css).Nodes) > 0
		require.Equal(t, want, p.botCheck(), name)
		if want {
			hits++
		}
	}
	require.GreaterOrEqual(t, hits, 9)
}
