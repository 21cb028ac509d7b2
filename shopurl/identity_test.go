package shopurl_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/shopurl"
)

func TestHashIsTheIdentityOfTheCanonicalURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, a, b string
		same       bool
	}{
		{"tracking parameters and case do not matter", "https://WWW.Coupang.com/vp/products/7?itemId=9&utm_source=x", "https://www.coupang.com/vp/products/7?itemId=9", true},
		{"other query order", "https://shop.example/p?b=2&a=1", "https://shop.example/p?a=1&b=2", true},
		{"another product", "https://www.coupang.com/vp/products/7", "https://www.coupang.com/vp/products/8", false},
		{"another variant", "https://www.coupang.com/vp/products/7?itemId=1", "https://www.coupang.com/vp/products/7?itemId=2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := shopurl.Canonicalize(tc.a)
			require.NoError(t, err)
			b, err := shopurl.Canonicalize(tc.b)
			require.NoError(t, err)
			require.Equal(t, tc.same, a.Hash() == b.Hash())
			require.Equal(t, shopurl.Hash(a.URL), a.Hash())
			require.Len(t, a.Hash(), 64, "fits products.url_hash CHAR(64)")
		})
	}
	// The stored form: hex SHA-256 of the URL, lower case.
	require.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", shopurl.Hash(""))
}
