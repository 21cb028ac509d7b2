package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLocalShopsAgreeWithTheFetcher: with DDOKSO_DEV_SHOP the API admits
// loopback URLs on that port only (the port the fetcher is given), and
// without any setting no loopback URL at all.
func TestLocalShopsAgreeWithTheFetcher(t *testing.T) {
	t.Parallel()
	dev := Config{AllowLoopback: true, LoopbackPorts: []int{8765}}.localShops()
	for _, tc := range []struct {
		url  string
		rule localShops
		ok   bool
	}{
		{"http://127.0.0.1:8765/products/DS-RUN-42", dev, true},
		{"http://127.0.0.1:8081/products/DS-RUN-42", dev, false},
		{"http://127.0.0.1/products/x", dev, false},
		{"http://10.0.0.1:8765/products/x", dev, false},
		{"http://127.0.0.1:8765/products/x", localShops{}, false},
		{"http://127.0.0.1:8081/products/x", localShops{allow: true}, true},
		{"https://shop.example.com/p/1", dev, true},
	} {
		_, kind, err := canonicalURL(tc.url, tc.rule)
		if tc.ok {
			require.NoError(t, err, tc.url)
		} else {
			require.Error(t, err, tc.url)
			require.Equal(t, "private-address", kind, tc.url)
		}
	}
}
