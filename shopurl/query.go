package shopurl

import (
	"net/url"
	"sort"
	"strings"
)

// param is one decoded query parameter.
type param struct{ key, value string }

// parseQuery splits a raw query into decoded parameters in order. Unlike
// url.ParseQuery it keeps ';' as ordinary data; empty pairs and pairs with
// broken percent-encoding are dropped.
func parseQuery(raw string) []param {
	var params []param
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || key == "" {
			continue
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		params = append(params, param{key, value})
	}
	return params
}

// encodeQuery sorts params by key (stable for repeated keys) and encodes
// them.
func encodeQuery(params []param) string {
	if len(params) == 0 {
		return ""
	}
	sort.SliceStable(params, func(i, j int) bool { return params[i].key < params[j].key })
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	return b.String()
}

// lookup returns the first value of key (ASCII case-insensitive).
func lookup(params []param, key string) string {
	for _, p := range params {
		if strings.EqualFold(p.key, key) {
			return p.value
		}
	}
	return ""
}

// trackingParams are dropped from every URL (compared lower-cased).
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "msclkid": true,
	"yclid": true, "igshid": true, "twclid": true, "ttclid": true, "wbraid": true,
	"gbraid": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true,
	"_hsenc": true, "_hsmi": true, "mkt_tok": true, "ref": true, "ref_": true,
	"referrer": true, "referer": true, "spm": true, "scm": true, "napm": true,
	"src": true, "trackingid": true, "tracking_id": true, "affiliate": true,
	"nv_ad": true, "nv_pchs": true, "epik": true,
}

// trackingPrefixes mark whole families of tracking parameters.
var trackingPrefixes = []string{"utm_", "n_", "nt_", "pk_", "hsa_", "pf_rd_", "pd_rd_"}

// isTracking reports whether key is a tracking parameter, globally or for the
// shop (shopTracking may be nil).
func isTracking(key string, shopTracking map[string]bool) bool {
	k := strings.ToLower(key)
	if trackingParams[k] || shopTracking[k] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
