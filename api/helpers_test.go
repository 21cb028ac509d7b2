package api

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/search"
	"github.com/ddokso/ddokso/shopurl"
)

const testSecret = "test-secret-0123456789abcdef"

type harness struct {
	t     testing.TB
	db    *sql.DB
	h     http.Handler
	kicks atomic.Int64
}

// setup builds the API on a fresh database; mutate adjusts deps first.
func setup(t testing.TB, mutate ...func(*Deps)) *harness {
	t.Helper()
	db := storetest.New(t)
	hs := &harness{t: t, db: db}
	deps := Deps{
		DB: db,
		Config: Config{
			JWTSecret: testSecret, AdminKey: "admin-key", CORSOrigins: []string{"http://localhost:3000"},
			PollInterval: 20 * time.Millisecond, IPBurst: 1000, UserBurst: 1000,
		},
		Kick: func() { hs.kicks.Add(1) },
	}
	for _, m := range mutate {
		m(&deps)
	}
	h, err := New(deps)
	require.NoError(t, err)
	hs.h = h
	return hs
}

// token mints an HS256 token for sub, valid for an hour.
func token(t *testing.T, sub string) string {
	t.Helper()
	return sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{
		"sub": sub, "email": sub + "@example.com", "exp": time.Now().Add(time.Hour).Unix(),
	})
}

func sign(t *testing.T, m jwt.SigningMethod, key any, cl jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, cl).SignedString(key)
	require.NoError(t, err)
	return s
}

type reqOpt func(*http.Request)

func withToken(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// do sends a request; body may be a string (sent as is) or a value (JSON).
func (hs *harness) do(method, path string, body any, opts ...reqOpt) *httptest.ResponseRecorder {
	hs.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(hs.t, err)
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	w := httptest.NewRecorder()
	hs.h.ServeHTTP(w, req)
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), "body: %s", w.Body.String())
	return v
}

// requireProblem checks an RFC 9457 response with status and type suffix.
func requireProblem(t *testing.T, w *httptest.ResponseRecorder, status int, kind string) Problem {
	t.Helper()
	require.Equal(t, status, w.Code, "body: %s", w.Body.String())
	require.Equal(t, ProblemContentType, w.Header().Get("Content-Type"))
	p := decode[Problem](t, w)
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Title)
	if kind != "" {
		require.Equal(t, problemTypeBase+kind, p.Type)
	}
	return p
}

// product describes a products row to insert.
type product struct {
	url, shop, title, brand, category, currency, availability string
	price, listPrice, atl, ath, lastDrop                      int64
	checked                                                   time.Time
}

func (hs *harness) insertProduct(p product) int64 {
	hs.t.Helper()
	if p.shop == "" {
		p.shop = "example.com"
	}
	if p.currency == "" {
		p.currency = "KRW"
	}
	if p.availability == "" {
		p.availability = "in_stock"
	}
	if p.checked.IsZero() {
		p.checked = time.Now().UTC()
	}
	nz := func(v int64) any {
		if v == 0 {
			return nil
		}
		return v
	}
	res, err := hs.db.Exec(`INSERT INTO products (url_hash, canonical_url, shop, title, brand, category, currency, price, list_price,
		availability, all_time_low, all_time_high, last_drop, check_status, last_checked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?)`,
		shopurl.Hash(p.url), p.url, p.shop, p.title, nullString(p.brand), nullString(p.category), p.currency, nz(p.price), nz(p.listPrice),
		p.availability, nz(p.atl), nz(p.ath), nz(p.lastDrop), p.checked)
	require.NoError(hs.t, err)
	id, err := res.LastInsertId()
	require.NoError(hs.t, err)
	// As the scrap worker does when it writes a title.
	tx, err := hs.db.Begin()
	require.NoError(hs.t, err)
	require.NoError(hs.t, search.Reindex(context.Background(), tx, id))
	require.NoError(hs.t, tx.Commit())
	return id
}

func (hs *harness) observe(productID, variantID, price int64, at time.Time) {
	hs.t.Helper()
	_, err := hs.db.Exec(`INSERT INTO price_observations (product_id, variant_id, price, currency, availability, observed_at)
		VALUES (?, ?, ?, 'KRW', 'in_stock', ?)`, productID, variantID, price, at.UTC())
	require.NoError(hs.t, err)
}

func (hs *harness) count(q string, args ...any) int {
	hs.t.Helper()
	var n int
	require.NoError(hs.t, hs.db.QueryRowContext(context.Background(), q, args...).Scan(&n))
	return n
}

// withPush turns Web Push on, as VAPID keys do in a real deployment.
func withPush(d *Deps) { d.PushEnabled = true }

// subscribePush registers a push subscription for the caller of tok;
// name makes its endpoint unique.
func (hs *harness) subscribePush(t *testing.T, tok reqOpt, name string) int64 {
	t.Helper()
	p256 := base64.RawURLEncoding.EncodeToString(append([]byte{4}, make([]byte, 64)...))
	auth := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	w := hs.do("POST", "/api/v1/me/push-subscriptions", map[string]any{"endpoint": "https://push.example.net/send/" + name,
		"keys": map[string]string{"p256dh": p256, "auth": auth}}, tok)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	return decode[struct{ ID int64 }](t, w).ID
}
