package shopurl

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalizeShops(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		raw  string
		want Canonical
	}{
		{
			"coupang search result",
			"https://www.coupang.com/vp/products/7335597976?itemId=18816945893&vendorItemId=85952428781&sourceType=srp_product_ads&clickEventId=6a1b9d70-2a2e-11ef&korePlacement=15&koreSubPlacement=1&q=%EC%83%9D%EC%88%98&itemsCount=36&searchId=1f2a3b&rank=0&isAddedCart=",
			Canonical{"https://www.coupang.com/vp/products/7335597976?itemId=18816945893&vendorItemId=85952428781", "coupang", "7335597976", "85952428781"},
		},
		{
			"coupang mobile",
			"https://m.coupang.com/vm/products/7335597976?vendorItemId=85952428781&itemId=18816945893&wPcid=123&wRef=&wTime=99&redirect=landing&traceid=V0-1",
			Canonical{"https://www.coupang.com/vp/products/7335597976?itemId=18816945893&vendorItemId=85952428781", "coupang", "7335597976", "85952428781"},
		},
		{
			"coupang no variant",
			"http://coupang.com/vp/products/123456#sdpReview",
			Canonical{"https://www.coupang.com/vp/products/123456", "coupang", "123456", ""},
		},
		{
			"coupang only itemId",
			"https://www.coupang.com/vp/products/123456?itemId=777&utm_source=naver",
			Canonical{"https://www.coupang.com/vp/products/123456?itemId=777", "coupang", "123456", "777"},
		},
		{
			"coupang legacy item path",
			"https://www.coupang.com/vp/products/123/items/456/vendoritems/789",
			Canonical{"https://www.coupang.com/vp/products/123?itemId=456&vendorItemId=789", "coupang", "123", "789"},
		},
		{
			"coupang partners redirect",
			"https://link.coupang.com/re/AFFSDP?lptag=AF1234567&subid=blog&pageKey=7335597976&itemId=18816945893&vendorItemId=85952428781&traceid=V0-153",
			Canonical{"https://www.coupang.com/vp/products/7335597976?itemId=18816945893&vendorItemId=85952428781", "coupang", "7335597976", "85952428781"},
		},
		{
			"coupang short link is only cleaned",
			"https://link.coupang.com/a/bXyZ12?lptag=AF123&utm_medium=share",
			Canonical{"https://link.coupang.com/a/bXyZ12", "coupang", "", ""},
		},
		{
			"coupang non-product page drops coupang tracking",
			"https://www.coupang.com/np/search?q=%EC%83%9D%EC%88%98&component=&channel=user&sourceType=srp",
			Canonical{"https://www.coupang.com/np/search?channel=user&component=", "coupang", "", ""},
		},
		{
			"naver smartstore with ad params",
			"https://smartstore.naver.com/mystore/products/4829312345?NaPm=ct%3Dlx1%7Cci%3Dabc&n_media=27758&n_query=%EC%83%9D%EC%88%98&n_rank=1&n_ad_group=grp-a001&n_ad=nad-a001&n_keyword_id=nkw-a001&n_keyword=%EC%83%9D%EC%88%98&n_campaign_type=2&nl-query=x#reviews",
			Canonical{"https://smartstore.naver.com/mystore/products/4829312345", "naver", "4829312345", ""},
		},
		{
			"naver mobile smartstore",
			"https://m.smartstore.naver.com/mystore/products/4829312345?nt_source=blog",
			Canonical{"https://smartstore.naver.com/mystore/products/4829312345", "naver", "4829312345", ""},
		},
		{
			"naver brand store",
			"https://m.brand.naver.com/samsung/products/8012345678?site_preference=device",
			Canonical{"https://brand.naver.com/samsung/products/8012345678", "naver", "8012345678", ""},
		},
		{
			"11st desktop",
			"https://www.11st.co.kr/products/5870123456?trTypeCd=22&trCtgrNo=895019&utm_term=x",
			Canonical{"https://www.11st.co.kr/products/5870123456", "11st", "5870123456", ""},
		},
		{
			"11st mobile",
			"https://m.11st.co.kr/products/m/5870123456?prdNo=5870123456&NaPm=ct%3D1",
			Canonical{"https://www.11st.co.kr/products/5870123456", "11st", "5870123456", ""},
		},
		{
			"11st legacy prdNo",
			"http://www.11st.co.kr/product/SellerProductDetail.tmall?method=getSellerProductDetail&prdNo=5870123456&xfrom=main",
			Canonical{"https://www.11st.co.kr/products/5870123456", "11st", "5870123456", ""},
		},
		{
			"gmarket",
			"https://item.gmarket.co.kr/Item?goodscode=2345678901&ver=637&jaehuid=200002657&utm_source=x",
			Canonical{"https://item.gmarket.co.kr/Item?goodscode=2345678901", "gmarket", "2345678901", ""},
		},
		{
			"gmarket mobile goodsCode",
			"https://mitem.gmarket.co.kr/Item?goodsCode=2345678901&pos_shop_cd=SH",
			Canonical{"https://item.gmarket.co.kr/Item?goodscode=2345678901", "gmarket", "2345678901", ""},
		},
		{
			"musinsa products",
			"https://www.musinsa.com/products/3456789?utm_source=insta&utm_medium=social&igshid=abc",
			Canonical{"https://www.musinsa.com/products/3456789", "musinsa", "3456789", ""},
		},
		{
			"musinsa app goods",
			"https://www.musinsa.com/app/goods/3456789/0",
			Canonical{"https://www.musinsa.com/products/3456789", "musinsa", "3456789", ""},
		},
		{
			"musinsa store host",
			"https://store.musinsa.com/app/goods/3456789?loc=goods_rank",
			Canonical{"https://www.musinsa.com/products/3456789", "musinsa", "3456789", ""},
		},
		{
			"amazon jp slug",
			"https://www.amazon.co.jp/Some-Product-Name/dp/B0ABCDEF12/ref=sr_1_3?crid=2X&keywords=foo&qid=1700000000&sprefix=foo%2Caps%2C250&sr=8-3&th=1",
			Canonical{"https://www.amazon.co.jp/dp/B0ABCDEF12", "amazon", "B0ABCDEF12", ""},
		},
		{
			"amazon gp product affiliate",
			"https://amazon.com/gp/product/B08N5WRWNW/?tag=myblog-20&linkCode=ll1&ref_=as_li_ss_tl",
			Canonical{"https://www.amazon.com/dp/B08N5WRWNW", "amazon", "B08N5WRWNW", ""},
		},
		{
			"amazon mobile aw",
			"https://www.amazon.de/gp/aw/d/b08n5wrwnw?psc=1",
			Canonical{"https://www.amazon.de/dp/B08N5WRWNW", "amazon", "B08N5WRWNW", ""},
		},
		{
			"amazon uk dp",
			"https://www.amazon.co.uk/dp/B08N5WRWNW/",
			Canonical{"https://www.amazon.co.uk/dp/B08N5WRWNW", "amazon", "B08N5WRWNW", ""},
		},
		{
			"amazon search page keeps search terms but drops affiliate tag",
			"https://www.amazon.com/s?k=kettle&tag=aff-20&ref=nb_sb_noss",
			Canonical{"https://www.amazon.com/s?k=kettle", "amazon", "", ""},
		},
		{
			"amazon lookalike is generic",
			"https://amazon.example.com/dp/B08N5WRWNW?tag=x",
			Canonical{"https://amazon.example.com/dp/B08N5WRWNW?tag=x", "amazon.example.com", "", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize(tt.raw)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)

			again, err := Canonicalize(got.URL)
			require.NoError(t, err)
			require.Equal(t, got, again, "not idempotent")
		})
	}
}

func TestCanonicalizeGeneric(t *testing.T) {
	t.Parallel()

	tests := []struct {
		raw, url, shop string
	}{
		{"HTTPS://WWW.Example.COM:443/Shop/Item?b=2&a=1&utm_source=x&UTM_Medium=y&fbclid=z#top", "https://www.example.com/Shop/Item?a=1&b=2", "example.com"},
		{"http://example.com:80", "http://example.com/", "example.com"},
		{"http://example.com:8080/x", "http://example.com:8080/x", "example.com"},
		{"https://example.com:0443/x", "https://example.com/x", "example.com"},
		{"https://example.com./a/./b/../c?", "https://example.com/a/c", "example.com"},
		{"https://shop.example.kr/p?id=1&gclid=a&dclid=b&msclkid=c&yclid=d&igshid=e&mc_cid=f&mc_eid=g&_ga=h&ref=i&ref_=j&referrer=k&spm=l&scm=m&NaPm=n&src=o&trackingId=p&n_media=q", "https://shop.example.kr/p?id=1", "shop.example.kr"},
		{"https://example.com/p?tag=keep&q=keep", "https://example.com/p?q=keep&tag=keep", "example.com"},
		{"https://example.com/p?x=1;y=2&a=%E2%82%A9", "https://example.com/p?a=%E2%82%A9&x=1%3By%3D2", "example.com"},
		{"https://example.com/p?b=2&a=2&a=1", "https://example.com/p?a=2&a=1&b=2", "example.com"},
		{"https://쇼핑.한국/상품/1?utm_campaign=x", "https://xn--hp4bo76a.xn--3e0b707e/%EC%83%81%ED%92%88/1", "xn--hp4bo76a.xn--3e0b707e"},
		{"https://example。com。/x", "https://example.com/x", "example.com"},
		{"https://BÜCHER.example/x", "https://xn--bcher-kva.example/x", "xn--bcher-kva.example"},
		{"https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x", "2001:db8::1"},
		{"www.example.com/item/9?utm_source=x", "https://www.example.com/item/9", "example.com"},
		{"  https://example.com/x  ", "https://example.com/x", "example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize(tt.raw)
			require.NoError(t, err)
			require.Equal(t, tt.url, got.URL)
			require.Equal(t, tt.shop, got.Shop)
			require.Empty(t, got.ProductID)

			again, err := Canonicalize(got.URL)
			require.NoError(t, err)
			require.Equal(t, got, again, "not idempotent")
		})
	}
}

func TestCanonicalizeErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		raw  string
		want error
	}{
		{"ftp://example.com/file", ErrScheme},
		{"javascript:alert(1)", ErrScheme},
		{"mailto:a@example.com", ErrScheme},
		{"file:///etc/passwd", ErrScheme},
		{"https://user:pass@example.com/", ErrUserinfo},
		{"https://user@example.com/", ErrUserinfo},
		{"https://example.com/" + strings.Repeat("a", MaxLength), ErrTooLong},
		{"", ErrInvalid},
		{"https://", ErrInvalid},
		{"https:///path", ErrInvalid},
		{"http://exa mple.com/", ErrInvalid},
		{"https://example.com:99999/", ErrInvalid},
		{"https://%zz/", ErrInvalid},
		{"https://ex_ample.com/", ErrInvalid},
		{"https://a..b/", ErrInvalid},
		{"https://example.com../", ErrInvalid},
		{"https://.example.com/", ErrInvalid},
		{"https://" + strings.Repeat("a", 64) + ".com/", ErrInvalid},
		{"/relative/path", ErrInvalid},
		{"https://[::1/", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			_, err := Canonicalize(tt.raw)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestCanonicalizeMaxLength(t *testing.T) {
	t.Parallel()

	base := "https://example.com/"
	raw := base + strings.Repeat("a", MaxLength-len(base))
	got, err := Canonicalize(raw)
	require.NoError(t, err)
	require.Equal(t, raw, got.URL)
}

func TestResolve(t *testing.T) {
	t.Parallel()

	base := "https://www.musinsa.com/app/goods/3456789?utm_source=x"
	tests := []struct{ ref, want string }{
		{"/products/3456789", "https://www.musinsa.com/products/3456789"},
		{"../products/1#x", "https://www.musinsa.com/app/products/1"},
		{"//store.musinsa.com/app/goods/1", "https://store.musinsa.com/app/goods/1"},
		{"https://www.musinsa.com/products/3456789", "https://www.musinsa.com/products/3456789"},
		{"  HTTP://example.com/x  ", "http://example.com/x"},
		{"", ""},
		{"javascript:void(0)", ""},
		{"http://%zz", ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Resolve(base, tt.ref), tt.ref)
	}
	require.Empty(t, Resolve("not a url", "/x"))
	require.Equal(t, "https://a.example/x", Resolve("not a url", "https://a.example/x"))
}
