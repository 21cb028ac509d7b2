package fetch

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// Markers are searched in the first blockScanBytes of a body; challenge pages
// are small and their tell-tales come early.
const blockScanBytes = 256 << 10

// weakMarkerMaxBody is the body size up to which weak markers count on a 200
// page. Weak markers (a reCAPTCHA widget, "보안문자") also occur on normal
// pages with login forms, which are much larger than challenge pages.
const weakMarkerMaxBody = 48 << 10

type blockMarker struct {
	all    []string // every needle must occur (lower-case)
	reason string
}

// strongMarkers identify block or challenge pages regardless of status and
// size.
var strongMarkers = []blockMarker{
	{[]string{"cf-chl"}, "captcha: cloudflare challenge"},
	// The challenge page's own script (…/challenge-platform/h/b/orchestrate/
	// chl_page/v1, …/orchestrate/managed/v1). The path alone is no signal:
	// Cloudflare's JavaScript Detections inject a script from
	// /cdn-cgi/challenge-platform/…/scripts/jsd/ into every HTML page of a
	// zone that has them (always on with the Free plan's Bot Fight Mode),
	// ordinary product pages included.
	{[]string{"/cdn-cgi/challenge-platform/", "/orchestrate/"}, "captcha: cloudflare challenge"},
	{[]string{"<title>just a moment...</title>"}, "captcha: cloudflare challenge"},
	{[]string{"attention required! | cloudflare"}, "blocked: cloudflare"},
	{[]string{"px-captcha"}, "captcha: perimeterx"},
	{[]string{"captcha-delivery.com"}, "captcha: datadome"},
	{[]string{"access denied", "reference #"}, "blocked: akamai access denied"},
	{[]string{"access denied", "reference&#32;&#35;"}, "blocked: akamai access denied"},
	{[]string{"errors.edgesuite.net"}, "blocked: akamai access denied"},
	{[]string{"errors&#46;edgesuite&#46;net"}, "blocked: akamai access denied"},
	{[]string{"incapsula incident id"}, "blocked: imperva incapsula"},
	// Naver's page says both. The phrase alone is a weak marker: Korean
	// shops' own scripts say it too (alert('비정상적인 접근입니다.')).
	{[]string{"비정상적인 접근", "일시적으로 제한"}, "blocked: 비정상적인 접근"},
}

// weakMarkers identify challenge pages only on error statuses or small
// bodies.
var weakMarkers = []blockMarker{
	{[]string{"g-recaptcha"}, "captcha: recaptcha"},
	{[]string{"google.com/recaptcha"}, "captcha: recaptcha"},
	{[]string{"h-captcha"}, "captcha: hcaptcha"},
	{[]string{"hcaptcha.com"}, "captcha: hcaptcha"},
	{[]string{"자동입력 방지"}, "captcha: 자동입력 방지"},
	{[]string{"자동입력방지"}, "captcha: 자동입력 방지"},
	{[]string{"보안문자"}, "captcha: 보안문자"},
	{[]string{"datadome"}, "captcha: datadome"},
	{[]string{"_incapsula_resource"}, "blocked: imperva incapsula"},
	{[]string{"비정상적인 접근"}, "blocked: 비정상적인 접근"},
	// Also the label of reCAPTCHA's checkbox in Korean, which sign-up and
	// Q&A forms quote in their own scripts.
	{[]string{"로봇이 아닙니다"}, "captcha: 로봇이 아닙니다"},
}

// DetectBlock classifies a response as a block by the site. A block needs a
// signal the site sent: the statuses that refuse a client (403 Forbidden,
// 429 Too Many Requests), Cloudflare's Cf-Mitigated header, or bot-challenge
// and captcha markup (Cloudflare, Akamai, PerimeterX, DataDome, hCaptcha,
// reCAPTCHA, Korean "비정상적인 접근" / "자동입력 방지" pages) on any status.
// Markup that ordinary pages carry too (a reCAPTCHA widget in a login form,
// Cloudflare's detections script, a shop's own "비정상적인 접근입니다" alert)
// counts only on error statuses and small bodies, or not at all.
// A 503 without challenge markup is not a block (it is a transient error),
// and neither is a small page: a short ordinary page is just a page (the
// extractor decides whether it shows a product). body should already be
// UTF-8. The reason is short and stable enough to be stored, e.g.
// "http 429", "captcha: cloudflare challenge".
func DetectBlock(status int, header http.Header, body []byte) (blocked bool, reason string) {
	if status == http.StatusNotModified || (status >= 300 && status < 400) {
		return false, ""
	}
	if status == http.StatusTooManyRequests {
		if ra := strings.TrimSpace(header.Get("Retry-After")); ra != "" {
			return true, fmt.Sprintf("http 429 (retry-after %s)", ra)
		}
		return true, "http 429"
	}
	if strings.EqualFold(strings.TrimSpace(header.Get("Cf-Mitigated")), "challenge") {
		return true, "captcha: cloudflare challenge"
	}

	scan := body
	if len(scan) > blockScanBytes {
		scan = scan[:blockScanBytes]
	}
	lower := asciiLower(scan)
	if r := matchMarkers(lower, strongMarkers); r != "" {
		return true, r
	}
	if status != http.StatusOK || len(body) <= weakMarkerMaxBody {
		if r := matchMarkers(lower, weakMarkers); r != "" {
			return true, r
		}
	}

	if status == http.StatusForbidden {
		return true, "http 403"
	}
	return false, ""
}

func matchMarkers(lower []byte, markers []blockMarker) string {
next:
	for _, m := range markers {
		for _, needle := range m.all {
			if !bytes.Contains(lower, []byte(needle)) {
				continue next
			}
		}
		return m.reason
	}
	return ""
}

// asciiLower lower-cases ASCII letters only; the Korean markers have no case
// and a full Unicode ToLower is several times slower.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
