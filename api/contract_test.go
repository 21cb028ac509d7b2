package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/telemetry"
)

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesRoutes checks that every registered /api/v1 route is in
// the served document and every documented operation is registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	for _, withUnsub := range []bool{false, true} {
		hs := setup(t, func(d *Deps) {
			if withUnsub {
				d.Unsubscribe = func(c *gin.Context) { c.String(http.StatusOK, "unsubscribed") }
			}
		})
		w := hs.do("GET", "/api/v1/openapi.json", nil)
		require.Equal(t, http.StatusOK, w.Code)
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc))
		require.True(t, strings.HasPrefix(doc.OpenAPI, "3."))

		var registered []string
		for _, r := range hs.h.(*gin.Engine).Routes() {
			if !strings.HasPrefix(r.Path, "/api/v1/") {
				continue
			}
			registered = append(registered, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
		}
		var documented []string
		for path, ops := range doc.Paths {
			for method, o := range ops {
				documented = append(documented, strings.ToUpper(method)+" "+path)
				require.NotEmpty(t, o["summary"], "%s %s", method, path)
				require.NotEmpty(t, o["responses"], "%s %s", method, path)
				// Path parameters are declared.
				for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
					require.Contains(t, fmt.Sprint(o["parameters"]), "name:"+m[1], "%s %s", method, path)
				}
			}
		}
		slices.Sort(registered)
		slices.Sort(documented)
		require.Equal(t, registered, documented)
		require.Equal(t, withUnsub, slices.Contains(registered, "POST /api/v1/unsubscribe"))
	}
}

func TestProblemResponses(t *testing.T) {
	t.Parallel()
	hs := setup(t, func(d *Deps) { d.Config.MaxBodyBytes = 1024 })

	w := hs.do("GET", "/api/v1/nope", nil, withHeader("X-Request-ID", "trace-42"))
	p := requireProblem(t, w, http.StatusNotFound, "not-found")
	require.Equal(t, "/api/v1/nope", p.Instance)
	require.Equal(t, "trace-42", p.RequestID)
	require.Equal(t, "trace-42", w.Header().Get("X-Request-ID"))

	requireProblem(t, hs.do("PUT", "/api/v1/products", nil), http.StatusMethodNotAllowed, "method-not-allowed")
	requireProblem(t, hs.do("DELETE", "/api/v1/scrapes", nil), http.StatusMethodNotAllowed, "method-not-allowed")

	big := `{"url":"https://a.example/` + strings.Repeat("x", 2000) + `"}`
	requireProblem(t, hs.do("POST", "/api/v1/scrapes", big), http.StatusRequestEntityTooLarge, "body-too-large")
	// A body without Content-Length is cut off while reading.
	req, _ := http.NewRequest("POST", "/api/v1/scrapes", strings.NewReader(big))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptestRecorder(hs, req)
	requireProblem(t, rec, http.StatusRequestEntityTooLarge, "body-too-large")

	requireProblem(t, hs.do("POST", "/api/v1/scrapes", `not json`), http.StatusBadRequest, "malformed-json")
	requireProblem(t, hs.do("POST", "/api/v1/scrapes", `url=x`, withHeader("Content-Type", "application/x-www-form-urlencoded")), http.StatusUnsupportedMediaType, "unsupported-media-type")

	// Generated request ids; unsafe ones are replaced.
	w = hs.do("GET", "/api/v1/products", nil)
	require.Len(t, w.Header().Get("X-Request-ID"), 36)
	w = hs.do("GET", "/api/v1/products", nil, withHeader("X-Request-ID", "bad id\r\nx"))
	require.NotContains(t, w.Header().Get("X-Request-ID"), " ")
}

func TestCORS(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	w := hs.do("OPTIONS", "/api/v1/me/watches", nil, withHeader("Origin", "http://localhost:3000"), withHeader("Access-Control-Request-Method", "POST"))
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Equal(t, "http://localhost:3000", w.Header().Get("Access-Control-Allow-Origin"))
	require.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "Authorization")
	require.Contains(t, w.Header().Get("Access-Control-Allow-Methods"), "PATCH")

	w = hs.do("GET", "/api/v1/products", nil, withHeader("Origin", "http://localhost:3000"))
	require.Equal(t, "http://localhost:3000", w.Header().Get("Access-Control-Allow-Origin"))
	require.Contains(t, w.Header().Get("Access-Control-Expose-Headers"), "X-Request-ID")

	w = hs.do("GET", "/api/v1/products", nil, withHeader("Origin", "https://evil.example"))
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
	w = hs.do("OPTIONS", "/api/v1/products", nil, withHeader("Origin", "https://evil.example"), withHeader("Access-Control-Request-Method", "GET"))
	require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	reg := telemetry.NewRegistry()
	var ready error
	hs := setup(t, func(d *Deps) {
		d.Registry = reg
		d.Ready = map[string]telemetry.Check{"mysql": func(ctx context.Context) error { return ready }}
	})
	require.Equal(t, http.StatusOK, hs.do("GET", "/healthz", nil).Code)
	require.Equal(t, http.StatusOK, hs.do("GET", "/readyz", nil).Code)
	ready = fmt.Errorf("down")
	require.Equal(t, http.StatusServiceUnavailable, hs.do("GET", "/readyz", nil).Code)

	hs.do("GET", "/api/v1/products", nil)
	hs.do("GET", "/api/v1/products/12345", nil)
	require.Equal(t, http.StatusNotFound, hs.do("GET", "/metrics", nil).Code, "metrics are not on the public port")
	// The process serves the registry on its admin address.
	w := httptest.NewRecorder()
	telemetry.AdminMux(reg, nil).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Body.String(), `ddokso_http_requests_total{method="GET",route="/api/v1/products",status="200"} 1`)
	require.Contains(t, w.Body.String(), `ddokso_http_requests_total{method="GET",route="/api/v1/products/:id",status="404"} 1`)
	require.Contains(t, w.Body.String(), `ddokso_http_request_duration_seconds_count{method="GET",route="/api/v1/products"} 1`)

	// A second API on the same registry is refused rather than double-counting.
	_, err := New(Deps{DB: hs.db, Config: Config{JWTSecret: testSecret}, Registry: reg})
	require.Error(t, err)
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &are)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	c := Config{JWTSecret: testSecret}
	require.NoError(t, c.Validate())
	require.Equal(t, time.Hour, c.RecentWindow)
	require.Equal(t, int64(64<<10), c.MaxBodyBytes)
	require.Equal(t, 30*time.Second, c.MaxWait)
	for _, bad := range []Config{
		{},
		{JWTSecret: "short"},
		{JWTSecret: testSecret, MaxBodyBytes: 10},
		{JWTSecret: testSecret, PageSize: 50, MaxPageSize: 10},
		{JWTSecret: testSecret, IPRate: -1},
	} {
		require.Error(t, bad.Validate())
	}
	_, err := New(Deps{Config: Config{JWTSecret: testSecret}})
	require.Error(t, err, "DB is required")
}

func httptestRecorder(hs *harness, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	hs.h.ServeHTTP(w, req)
	return w
}
