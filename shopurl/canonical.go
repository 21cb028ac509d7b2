package shopurl

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxLength is the longest raw URL Canonicalize accepts, in bytes.
const MaxLength = 2048

// Errors returned (wrapped) by Canonicalize; test with errors.Is. Each maps
// to a clear client-facing reason.
var (
	// ErrScheme means the URL is not http or https.
	ErrScheme = errors.New("URL scheme must be http or https")
	// ErrTooLong means the URL is longer than MaxLength bytes.
	ErrTooLong = errors.New("URL is longer than 2048 bytes")
	// ErrInvalid means the URL cannot be parsed or has no valid host.
	ErrInvalid = errors.New("URL is invalid or has no host")
	// ErrUserinfo means the URL carries credentials (user:pass@host).
	ErrUserinfo = errors.New("URL must not contain a user name or password")
)

// Shop identifiers returned in Canonical.Shop for the shops with product
// rules. Other sites get their host name without "www.".
const (
	ShopCoupang = "coupang"
	ShopNaver   = "naver"
	Shop11st    = "11st"
	ShopGmarket = "gmarket"
	ShopMusinsa = "musinsa"
	ShopAmazon  = "amazon"
)

// Canonical is a product URL in its canonical form plus what identifies the
// product.
type Canonical struct {
	// URL is the canonical absolute URL. Canonicalize(URL) returns the same
	// Canonical again.
	URL string
	// Shop is one of the Shop* constants, or the host without "www." for
	// other sites.
	Shop string
	// ProductID is the shop's product id ("" when the URL is not a product
	// page of a known shop).
	ProductID string
	// VariantID identifies the option/offer within the product when the URL
	// carries one (Coupang vendorItemId, else itemId); otherwise "".
	VariantID string
}

// Canonicalize validates raw and returns its canonical form:
//   - only http and https, no user info, at most MaxLength bytes;
//   - host lower-cased, IDNA converted to punycode, trailing dot and default
//     port removed, dot segments in the path resolved, fragment dropped;
//   - tracking parameters (utm_*, fbclid, gclid, n_*, ref, spm, ...) removed
//     and the remaining query parameters sorted by name;
//   - for Coupang, Naver SmartStore/brand store, 11st, Gmarket, Musinsa and
//     Amazon product pages, a fixed canonical URL keeping only the product
//     and variant identifiers.
//
// Input without a scheme ("www.coupang.com/vp/products/1") is read as https.
func Canonicalize(raw string) (Canonical, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxLength {
		return Canonical{}, fmt.Errorf("canonicalize %d-byte URL: %w", len(raw), ErrTooLong)
	}
	u, err := normalize(raw)
	if err != nil {
		return Canonical{}, fmt.Errorf("canonicalize %q: %w", raw, err)
	}
	c := canonicalize(u)
	if len(c.URL) > MaxLength {
		// Escaping can grow a URL past the limit; refusing it keeps every
		// returned URL acceptable as input again.
		return Canonical{}, fmt.Errorf("canonicalize %q: canonical form is %d bytes: %w", raw, len(c.URL), ErrTooLong)
	}
	return c, nil
}

// canonicalize applies the shop rules to a normalized URL.
func canonicalize(u *url.URL) Canonical {
	params := parseQuery(u.RawQuery)
	host := u.Hostname()
	for _, r := range shopRules {
		if !r.matchHost(host) {
			continue
		}
		if c, ok := r.product(u, host, params); ok {
			c.Shop = r.shop
			return c
		}
		return generic(u, r.shop, params, r.tracking)
	}
	return generic(u, strings.TrimPrefix(host, "www."), params, nil)
}

// normalize parses raw and normalizes scheme, host, port, path and fragment.
// The query is left raw for the caller.
//
// Complexity (above 20): one early return per way a URL is refused, in the
// order input is checked, each a distinct reason a user sees; split, the
// list would only be spread over functions.
func normalize(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, ErrInvalid
	}
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "/") && !hasScheme(raw) {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme == "" {
		return nil, ErrInvalid
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, ErrScheme
	}
	if u.User != nil {
		return nil, ErrUserinfo
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, ErrInvalid
	}
	host, err := normalizeHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n > 65535 {
			return nil, fmt.Errorf("%w: bad port %q", ErrInvalid, p)
		}
		if !(u.Scheme == "http" && n == 80) && !(u.Scheme == "https" && n == 443) {
			host = hostPort(host, strconv.Itoa(n))
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	// Resolve "." and ".." segments, drop the fragment.
	u = u.ResolveReference(&url.URL{})
	u.Fragment, u.RawFragment = "", ""
	u.ForceQuery = false
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	return u, nil
}

// hasScheme reports whether raw starts with "scheme:" (RFC 3986 syntax) and
// the rest does not look like a port ("example.com:8080/x").
func hasScheme(raw string) bool {
	i := strings.IndexByte(raw, ':')
	if i <= 0 {
		return false
	}
	for k := 0; k < i; k++ {
		c := raw[k]
		alpha := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !alpha && (k == 0 || !(('0' <= c && c <= '9') || c == '+' || c == '-' || c == '.')) {
			return false
		}
		if c == '.' {
			return false // "example.com:8080" is a host, not a scheme
		}
	}
	return true
}

func hostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// hostProfile is IDNA lookup processing (UTS 46 non-transitional, STD3
// rules) that also rejects empty or over-long labels.
var hostProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.VerifyDNSLength(true))

// normalizeHost lower-cases host, converts IDNA names to punycode and
// validates IP literals.
func normalizeHost(host string) (string, error) {
	if host == "" {
		return "", ErrInvalid
	}
	if strings.Contains(host, ":") {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() {
			return "", fmt.Errorf("%w: bad IPv6 host %q", ErrInvalid, host)
		}
		return addr.String(), nil
	}
	if !utf8.ValidString(host) {
		return "", fmt.Errorf("%w: host is not UTF-8", ErrInvalid)
	}
	ascii, err := hostProfile.ToASCII(host)
	if err != nil || ascii == "" {
		return "", fmt.Errorf("%w: bad host %q", ErrInvalid, host)
	}
	// A trailing root dot (possibly mapped from "。") is dropped; a host that
	// still ends in a dot had an empty label.
	ascii = strings.ToLower(strings.TrimSuffix(ascii, "."))
	if ascii == "" || strings.HasSuffix(ascii, ".") {
		return "", fmt.Errorf("%w: bad host %q", ErrInvalid, host)
	}
	// Punycode labels must decode to valid IDNA: reject hosts whose ASCII
	// form would not be accepted again.
	if again, err := hostProfile.ToASCII(ascii); err != nil || again != ascii {
		return "", fmt.Errorf("%w: bad host %q", ErrInvalid, host)
	}
	return ascii, nil
}

// generic builds the cleaned URL for a page without a product rule.
func generic(u *url.URL, shop string, params []param, shopTracking map[string]bool) Canonical {
	kept := params[:0]
	for _, p := range params {
		if !isTracking(p.key, shopTracking) {
			kept = append(kept, p)
		}
	}
	u.RawQuery = encodeQuery(kept)
	return Canonical{URL: u.String(), Shop: shop}
}
