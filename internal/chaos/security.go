package chaos

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Security is the outcome of the security sweep.
type Security struct {
	SSRFProbes      int            `json:"ssrf_probes"`
	SSRFRejected    int            `json:"ssrf_rejected_4xx"`
	SSRFRecorded    map[string]int `json:"ssrf_recorded_outcomes"`
	SSRFFetched     int            `json:"ssrf_fetched"` // outcome "done": a violation
	CanaryConns     int64          `json:"canary_connections"`
	AuthProbes      int            `json:"auth_probes"`
	AuthLetIn       []string       `json:"auth_let_in,omitempty"`
	BodyProbes      int            `json:"body_probes"`
	BodyNot4xx      []string       `json:"body_not_4xx,omitempty"`
	ServerStayedUp  bool           `json:"server_stayed_up"`
	ssrfAcceptedIDs []int64
}

// securitySweep submits SSRF vectors, calls /me routes as the wrong user and
// with bad tokens, and sends oversized and malformed bodies.
func (h *harness) securitySweep(ctx context.Context) (*Security, error) {
	s := &Security{SSRFRecorded: map[string]int{}}
	cp := h.canary.port()
	canary := "http://127.0.0.1:" + cp + "/"
	vectors := []string{
		canary + "products/1",
		"http://localhost:" + cp + "/products/1",
		"http://[::1]:" + cp + "/products/1",
		"http://0.0.0.0:" + cp + "/products/1",
		"http://2130706433:" + cp + "/products/1",
		"http://0x7f000001:" + cp + "/products/1",
		"http://127.1:" + cp + "/products/1",
		"http://[::ffff:127.0.0.1]:" + cp + "/products/1",
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://10.0.0.1/products/1",
		"http://192.168.0.1/products/1",
		"http://172.16.0.1/products/1",
		"http://[fd00::1]/products/1",
		"file:///etc/passwd",
		"gopher://127.0.0.1:" + cp + "/_GET",
		"ftp://127.0.0.1:" + cp + "/x",
		"http://user:pass@127.0.0.1:" + h.shop.Port() + "/products/p00001",
		"http://" + h.shop.Addr() + "/redirect/1?to=" + url.QueryEscape(canary+"stolen"),
		"http://" + h.shop.Addr() + "/redirect/2?to=" + url.QueryEscape("http://169.254.169.254/latest/meta-data/"),
		"http://" + h.shop.Addr() + "/redirect/3?to=" + url.QueryEscape("http://[::1]:"+cp+"/"),
		"http://" + h.shop.Addr() + "/redirect/4?to=" + url.QueryEscape("file:///etc/passwd"),
	}
	for _, v := range vectors {
		s.SSRFProbes++
		body, _ := json.Marshal(map[string]string{"url": v})
		code, resp, err := h.do(ctx, http.MethodPost, "/api/v1/scrapes", "", body)
		switch {
		case err != nil:
			return nil, fmt.Errorf("ssrf probe %s: %w", v, err)
		case code >= 400 && code < 500:
			s.SSRFRejected++
		case code == http.StatusAccepted:
			var r struct {
				ID int64 `json:"id"`
			}
			_ = json.Unmarshal(resp, &r)
			s.ssrfAcceptedIDs = append(s.ssrfAcceptedIDs, r.ID)
		default:
			s.SSRFFetched++ // 200 "done" or 5xx: neither is a rejection
			h.log.Error("ssrf probe not rejected", "url", v, "status", code, "body", string(resp))
		}
	}

	// Authorization: user B on user A's watch; forged, expired, alg=none tokens.
	if len(h.watches) > 0 {
		a := h.watches[0]
		other := token(jwtSecret, "chaos-intruder", "intruder@chaos.test", time.Now().Add(time.Hour))
		id := fmt.Sprint(a.ID)
		cross := []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/me/watches/" + id, ""},
			{http.MethodPatch, "/api/v1/me/watches/" + id, `{"active":false}`},
			{http.MethodDelete, "/api/v1/me/watches/" + id, ""},
			{http.MethodDelete, "/api/v1/me/push-subscriptions/1", ""},
		}
		for _, c := range cross {
			s.AuthProbes++
			code, _, err := h.do(ctx, c.method, c.path, other, bodyOf(c.body))
			if err != nil || (code != http.StatusNotFound && code != http.StatusForbidden) {
				s.AuthLetIn = append(s.AuthLetIn, fmt.Sprintf("cross-user %s %s -> %d", c.method, c.path, code))
			}
		}
		// The intruder's list does not show A's watch.
		s.AuthProbes++
		if code, resp, _ := h.do(ctx, http.MethodGet, "/api/v1/me/watches", other, nil); code != http.StatusOK || strings.Contains(string(resp), fmt.Sprintf(`"id":%d,`, a.ID)) {
			s.AuthLetIn = append(s.AuthLetIn, fmt.Sprintf("cross-user list -> %d", code))
		}
		bad := map[string]string{
			"forged":  token("not-the-secret-not-the-secret-000", a.User, a.Email, time.Now().Add(time.Hour)),
			"expired": token(jwtSecret, a.User, a.Email, time.Now().Add(-time.Hour)),
			"alg=none": base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
				base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":%q,"email":%q,"exp":%d}`, a.User, a.Email, time.Now().Add(time.Hour).Unix()))) + ".",
			"garbage": "not.a.token",
			"missing": "",
		}
		routes := []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/me/watches", ""},
			{http.MethodPost, "/api/v1/me/watches", fmt.Sprintf(`{"product_id":%d,"rule":"any_drop"}`, a.Product)},
			{http.MethodGet, "/api/v1/me/watches/" + id, ""},
			{http.MethodPatch, "/api/v1/me/watches/" + id, `{"active":false}`},
			{http.MethodDelete, "/api/v1/me/watches/" + id, ""},
			{http.MethodPost, "/api/v1/me/push-subscriptions", `{"endpoint":"https://push.example/x","keys":{"p256dh":"x","auth":"y"}}`},
			{http.MethodDelete, "/api/v1/me/push-subscriptions/1", ""},
		}
		for name, tok := range bad {
			for _, r := range routes {
				s.AuthProbes++
				code, _, err := h.do(ctx, r.method, r.path, tok, bodyOf(r.body))
				if err != nil || code != http.StatusUnauthorized {
					s.AuthLetIn = append(s.AuthLetIn, fmt.Sprintf("%s token %s %s -> %d", name, r.method, r.path, code))
				}
			}
		}
	}

	// Bodies: oversized, malformed, wrong types.
	big := `{"url":"http://` + h.shop.Addr() + `/products/p00001","pad":"` + strings.Repeat("A", 2<<20) + `"}`
	userTok := token(jwtSecret, "chaos-body-user", "body@chaos.test", time.Now().Add(time.Hour))
	bodies := []struct{ method, path, tok, body string }{
		{http.MethodPost, "/api/v1/scrapes", "", big},
		{http.MethodPost, "/api/v1/scrapes", "", `{"url":`},
		{http.MethodPost, "/api/v1/scrapes", "", `{"url":12}`},
		{http.MethodPost, "/api/v1/scrapes", "", `[]`},
		{http.MethodPost, "/api/v1/scrapes", "", "\x00\xff\xfe"},
		{http.MethodPost, "/api/v1/scrapes", "", `{"url":"` + strings.Repeat("a", 5000) + `"}`},
		{http.MethodPost, "/api/v1/me/watches", userTok, big},
		{http.MethodPost, "/api/v1/me/watches", userTok, `{"product_id":"x"}`},
		{http.MethodPost, "/api/v1/me/watches", userTok, `{"product_id":1,"rule":"target","target_price":"-5"}`},
		{http.MethodPost, "/api/v1/me/push-subscriptions", userTok, `{"endpoint":`},
	}
	for _, b := range bodies {
		s.BodyProbes++
		code, _, err := h.do(ctx, b.method, b.path, b.tok, []byte(b.body))
		if err != nil || code < 400 || code >= 500 {
			s.BodyNot4xx = append(s.BodyNot4xx, fmt.Sprintf("%s %s (%d bytes) -> %d %v", b.method, b.path, len(b.body), code, err))
		}
	}
	code, _, err := h.do(ctx, http.MethodGet, "/healthz", "", nil)
	s.ServerStayedUp = err == nil && code == http.StatusOK && h.api.alive()
	return s, nil
}

func bodyOf(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}
