package shopurl

import (
	"net/url"
	"strings"
)

// Resolve turns ref, the value of a page's <link rel=canonical> or og:url,
// into an absolute URL against base, the page's own URL. The fragment is
// dropped. It returns "" when ref is empty or unparseable, or when the
// result is not an http(s) URL with a host. The result is not canonicalized;
// pass it to Canonicalize for that.
func Resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !r.IsAbs() {
		b, err := url.Parse(strings.TrimSpace(base))
		if err != nil || !b.IsAbs() {
			return ""
		}
		r = b.ResolveReference(r)
	}
	r.Scheme = strings.ToLower(r.Scheme)
	if (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" {
		return ""
	}
	r.Fragment, r.RawFragment = "", ""
	return r.String()
}
