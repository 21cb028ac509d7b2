package shopurl

import (
	"net/url"
	"testing"
)

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		"https://www.coupang.com/vp/products/7335597976?itemId=1&vendorItemId=2&q=x",
		"https://link.coupang.com/re/AFFSDP?pageKey=1&itemId=2",
		"https://m.smartstore.naver.com/store/products/123?NaPm=x",
		"https://m.11st.co.kr/products/m/123", "http://www.11st.co.kr/x.tmall?prdNo=5",
		"https://mitem.gmarket.co.kr/Item?goodsCode=123",
		"https://store.musinsa.com/app/goods/1",
		"https://www.amazon.co.jp/x/dp/B0ABCDEF12/ref=sr_1?tag=a",
		"HTTPS://WWW.Example.COM:443/a/../b?b=2&a=1&utm_source=x#f",
		"https://쇼핑.한국/상품?x=%EC%83%81;y", "https://[2001:db8::1]:8443/",
		"www.example.com/x", "ftp://x", "https://u:p@x/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonicalize(raw)
		if err != nil {
			return
		}
		u, perr := url.Parse(c.URL)
		if perr != nil {
			t.Fatalf("Canonicalize(%q).URL = %q does not parse: %v", raw, c.URL, perr)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("Canonicalize(%q).URL = %q: scheme %q", raw, c.URL, u.Scheme)
		}
		again, err := Canonicalize(c.URL)
		if err != nil {
			t.Fatalf("Canonicalize(%q) = %q, which fails to re-canonicalize: %v", raw, c.URL, err)
		}
		if again != c {
			t.Fatalf("not idempotent: Canonicalize(%q) = %+v, again %+v", raw, c, again)
		}
	})
}
