package shopurl

import (
	"crypto/sha256"
	"encoding/hex"
)

// Hash is a product's identity: the lower-case hex SHA-256 of its canonical
// URL (Canonical.URL). It is the products.url_hash and
// scrape_requests.url_hash of that URL, so the API and the scrap worker find
// the same row for the same product.
func Hash(canonicalURL string) string {
	sum := sha256.Sum256([]byte(canonicalURL))
	return hex.EncodeToString(sum[:])
}

// Hash is the identity of the product c names: Hash(c.URL).
func (c Canonical) Hash() string { return Hash(c.URL) }
