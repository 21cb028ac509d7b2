package shopurl_test

import (
	"errors"
	"fmt"

	"github.com/ddokso/ddokso/shopurl"
)

func ExampleCanonicalize() {
	c, err := shopurl.Canonicalize("https://m.coupang.com/vm/products/7335597976?vendorItemId=85952428781&itemId=18816945893&sourceType=srp_product_ads&q=%EC%83%9D%EC%88%98#review")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.URL)
	fmt.Println(c.Shop, c.ProductID, c.VariantID)
	// Output:
	// https://www.coupang.com/vp/products/7335597976?itemId=18816945893&vendorItemId=85952428781
	// coupang 7335597976 85952428781
}

func ExampleCanonicalize_error() {
	_, err := shopurl.Canonicalize("ftp://example.com/file")
	fmt.Println(errors.Is(err, shopurl.ErrScheme))
	// Output: true
}

func ExampleResolve() {
	fmt.Println(shopurl.Resolve("https://www.musinsa.com/app/goods/3456789?utm_source=x", "/products/3456789"))
	// Output: https://www.musinsa.com/products/3456789
}
