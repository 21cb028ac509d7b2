package scrap_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// smallPage is a complete ordinary page of about 170 bytes: no product, and
// no sign of a block.
const smallPage = `<!doctype html><html><head><title>About us</title></head><body><h1>About us</h1><p>We are a small shop in Seoul. Call us any weekday from 9 to 6.</p></body></html>`

const challengePage = `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<script>window._cf_chl_opt={cType:'managed'};</script><script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></body></html>`

const captchaPage = `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>보안 확인</title></head><body>
<p>이 절차는 자동입력 방지를 위한 것입니다.</p><img src="/captcha/image?key=abc" alt="보안문자"><input type="text" name="answer"></body></html>`

// TestOutcomes: what each kind of answer, or no answer, ends as. A block
// needs a block signal; a small ordinary page is not a product; a host that
// cannot be reached is a failed check saying so (retried first), whatever
// step met the failure.
func TestOutcomes(t *testing.T) {
	t.Parallel()

	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	tests := []struct {
		name string
		// handler answers on a loopback server; nil means the url below.
		handler http.HandlerFunc
		url     func(t *testing.T) string
		// retried: the first of two attempts is left to a redelivery.
		retried    bool
		wantStatus string
		wantReason []string
		notReason  []string
	}{
		{name: "small ordinary page", handler: answer(200, smallPage),
			wantStatus: events.OutcomeNotAProduct},
		{name: "404", handler: answer(404, smallPage),
			wantStatus: events.OutcomeNotAProduct, wantReason: []string{"http 404"}},
		{name: "403 with challenge markup", handler: answer(403, challengePage),
			wantStatus: events.OutcomeBlocked, wantReason: []string{"cloudflare challenge"}},
		{name: "503 with challenge markup", handler: answer(503, challengePage),
			wantStatus: events.OutcomeBlocked, wantReason: []string{"cloudflare challenge"}},
		{name: "429", handler: answer(429, "Too Many Requests"),
			wantStatus: events.OutcomeBlocked, wantReason: []string{"http 429"}},
		{name: "captcha page with status 200", handler: answer(200, captchaPage),
			wantStatus: events.OutcomeBlocked, wantReason: []string{"captcha"}},
		{name: "503 without a block signal", handler: answer(503, "<html><body>down for maintenance</body></html>"),
			retried: true, wantStatus: events.OutcomeFailed, wantReason: []string{"http 503"}},
		{name: "robots.txt disallows", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				_, _ = w.Write([]byte("User-agent: *\nDisallow: /\n"))
				return
			}
			t.Errorf("a disallowed page was requested: %s", r.URL)
		}, wantStatus: events.OutcomeFailed, wantReason: []string{"disallowed by robots.txt"}},
		{name: "unresolvable host", url: func(*testing.T) string { return "http://no-such-shop.invalid/products/42" },
			retried: true, wantStatus: events.OutcomeFailed,
			wantReason: []string{"host could not be reached", "no-such-shop.invalid"}, notReason: []string{"disallowed"}},
		{name: "connection refused", url: func(t *testing.T) string {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			require.NoError(t, err)
			u := fmt.Sprintf("http://%s/products/42", ln.Addr())
			require.NoError(t, ln.Close())
			return u
		}, retried: true, wantStatus: events.OutcomeFailed,
			wantReason: []string{"host could not be reached", "refused"}, notReason: []string{"disallowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var u string
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				t.Cleanup(srv.Close)
				u = srv.URL + "/products/42"
			} else {
				u = tt.url(t)
			}
			port := 80
			if _, p, err := net.SplitHostPort(strings.TrimPrefix(strings.Split(u, "/products")[0], "http://")); err == nil {
				_, _ = fmt.Sscan(p, &port)
			}
			fx := setup(t, func(o *options) {
				o.fetch.Ports = append(o.fetch.Ports, port)
				o.cfg.MaxAttempts = 2
			})

			env := fx.request(t, u)
			if tt.retried {
				err := fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 1})
				require.Error(t, err, "an early attempt is left to a redelivery")
				require.False(t, events.IsPermanent(err))
				require.Equal(t, "pending", fx.requestOf(t, env).Status)
			}
			require.NoError(t, fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 2}))

			r := fx.requestOf(t, env)
			require.Equal(t, tt.wantStatus, r.Status, "reason: %s", r.Reason)
			if tt.wantReason != nil && tt.wantReason[0] == "host could not be reached" {
				require.True(t, strings.HasPrefix(r.Reason, "host could not be reached: "), r.Reason)
			}
			for _, w := range tt.wantReason {
				require.Contains(t, r.Reason, w)
			}
			for _, w := range tt.notReason {
				require.NotContains(t, r.Reason, w)
			}
			require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM outbox`), "a check with nothing to announce writes no event")
			_, ok := fx.product(t)
			require.False(t, ok, "no product is created from a page without one")
			require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM price_observations`), "never a price")
		})
	}
}

// cloudflareDetections is the script Cloudflare's JavaScript Detections
// inject into every HTML page of a zone that has them (always on with the
// Free plan's Bot Fight Mode), here in the script-tag form that scrapers'
// fixtures keep for Korean shops' product pages. The path is the one real
// pages carry; fetch's block tests have the inline form too.
const cloudflareDetections = `<script src="/cdn-cgi/challenge-platform/h/b/scripts/jsd/25e6c66701a0/main.js"></script>`

// TestProductPageBehindCloudflareIsAProduct: an ordinary product page of a
// shop behind Cloudflare carries the detections script from
// /cdn-cgi/challenge-platform/; it is a product with its price, not a
// "blocked" check that records no price.
func TestProductPageBehindCloudflareIsAProduct(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	file := filepath.Join(t.TempDir(), "page.html")
	fx.shop.set(func(s *shop) {
		require.NoError(t, os.WriteFile(file, []byte(strings.Replace(s.page(), "</head>", cloudflareDetections+"</head>", 1)), 0o600))
		s.file = file
	})
	env := fx.scrape(t, fx.shop.URL())
	r := fx.requestOf(t, env)
	require.Equal(t, events.OutcomeDone, r.Status, "reason: %s", r.Reason)
	p, ok := fx.product(t)
	require.True(t, ok)
	require.Equal(t, int64(159000), p.Price.Int64)
	require.Equal(t, "ok", p.CheckStatus)
}
