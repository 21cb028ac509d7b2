package shopurl

import "testing"

var benchURLs = []string{
	"https://www.coupang.com/vp/products/7335597976?itemId=18816945893&vendorItemId=85952428781&sourceType=srp_product_ads&clickEventId=6a1b9d70&q=%EC%83%9D%EC%88%98&itemsCount=36&searchId=1f2a3b&rank=0",
	"https://m.smartstore.naver.com/mystore/products/4829312345?NaPm=ct%3Dlx1%7Cci%3Dabc&n_media=27758&n_query=x",
	"https://www.amazon.co.jp/Some-Product-Name/dp/B0ABCDEF12/ref=sr_1_3?crid=2X&keywords=foo&qid=1700000000&sr=8-3",
	"https://shop.example.kr/goods/view?no=123&utm_source=naver&utm_medium=cpc&gclid=abc",
}

func BenchmarkCanonicalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, u := range benchURLs {
			if _, err := Canonicalize(u); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchURLs)), "ns/url")
}
