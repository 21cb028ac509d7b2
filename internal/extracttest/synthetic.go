// Package extracttest holds what the extractor's tests and benchmarks share:
// the synthetic heavy page of issue #8's 300 KB goal.
package extracttest

import (
	"bytes"
	"fmt"
)

// SyntheticPage builds a product page of about size bytes: base with
// listing-like filler (related-product cards, scripts, inline styles)
// before </body>, the shape of a heavy shop page. The filler holds no
// product data of its own, so the page extracts as base does.
func SyntheticPage(base []byte, size int) []byte {
	var filler bytes.Buffer
	for i := 0; filler.Len()+len(base) < size; i++ {
		fmt.Fprintf(&filler, `<div class="related-card" data-idx="%d"><a href="/products/related-%d"><img src="/img/%d.jpg" alt="related item %d" loading="lazy"></a>`+
			`<p class="name">관련 상품 %d — Trail accessory pack</p><span class="price">%d원</span><ul><li>free shipping</li><li>rating 4.%d</li></ul></div>`+"\n",
			i, i, i, i, i, 10000+i*100, i%10)
		if i%20 == 0 {
			fmt.Fprintf(&filler, "<script>window.__tracking_%d = {\"slot\": %d, \"ids\": [1,2,3,4,5,6,7,8,9]};</script>\n", i, i)
		}
	}
	idx := bytes.LastIndex(base, []byte("</body>"))
	if idx < 0 {
		idx = len(base)
	}
	out := make([]byte, 0, len(base)+filler.Len())
	out = append(out, base[:idx]...)
	out = append(out, filler.Bytes()...)
	return append(out, base[idx:]...)
}
