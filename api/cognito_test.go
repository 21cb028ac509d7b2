package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

const (
	testPool     = "ap-northeast-2_TestPool1"
	testClient   = "5abc1defgh2ijklmn3opqrstuv"
	otherClient  = "7zyx6wvuts5rqpon4mlkjihgf"
	testIssuer   = "https://cognito-idp.ap-northeast-2.amazonaws.com/" + testPool
	otherIssuer  = "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_OtherPool"
	testUserSub  = "2b7c4e1a-0d9f-4b3e-8a61-5f0e9c2d7b14"
	testUserMail = "minji@example.com"
)

// testKeys are RSA keys made once for the package's tests (2048-bit key
// generation is slow), by kid.
var testKeys = sync.OnceValue(func() map[string]*rsa.PrivateKey {
	keys := map[string]*rsa.PrivateKey{}
	for _, kid := range []string{"k1", "k2", "forger"} {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[kid] = k
	}
	return keys
})

// jwksServer is a Cognito-like JWKS endpoint on loopback serving the
// public halves of some of testKeys, counting its downloads.
type jwksServer struct {
	srv  *httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	served []string // kids
}

func newJWKSServer(t *testing.T, kids ...string) *jwksServer {
	t.Helper()
	j := &jwksServer{served: kids}
	j.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.hits.Add(1)
		j.mu.Lock()
		kids := slices.Clone(j.served)
		j.mu.Unlock()
		var set struct {
			Keys []map[string]string `json:"keys"`
		}
		for _, kid := range kids {
			pub := testKeys()[kid].PublicKey
			set.Keys = append(set.Keys, map[string]string{
				"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(j.srv.Close)
	return j
}

// serve replaces the served key set (a key rotation).
func (j *jwksServer) serve(kids ...string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.served = kids
}

func (j *jwksServer) url() string { return j.srv.URL + "/.well-known/jwks.json" }

// cognitoToken signs claims with testKeys()[signer] and names kid in the
// header, as Cognito does.
func cognitoToken(t *testing.T, kid, signer string, cl jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, cl)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(testKeys()[signer])
	require.NoError(t, err)
	return s
}

// idClaims are the claims of a Cognito ID token of the test pool and client.
func idClaims(mutate ...func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	cl := jwt.MapClaims{
		"sub": testUserSub, "aud": testClient, "iss": testIssuer, "token_use": "id",
		"email": testUserMail, "email_verified": true, "cognito:username": testUserSub,
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"event_id": "0d3f8a4e-1b2c-4d5e-9f60-718293a4b5c6", "origin_jti": "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9",
	}
	for _, m := range mutate {
		m(cl)
	}
	return cl
}

// accessClaims are the claims of a Cognito access token of the test pool
// and client.
func accessClaims(mutate ...func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	cl := jwt.MapClaims{
		"sub": testUserSub, "client_id": testClient, "iss": testIssuer, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "username": testUserSub, "jti": "a1b2c3d4-e5f6-4789-9abc-def012345678",
		"auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for _, m := range mutate {
		m(cl)
	}
	return cl
}

func set(k string, v any) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c[k] = v } }
func unset(k string) func(jwt.MapClaims)      { return func(c jwt.MapClaims) { delete(c, k) } }

// cognitoConfig is a valid API config that accepts the test pool's tokens
// from the JWKS at url.
func cognitoConfig(url string, mutate ...func(*Config)) Config {
	c := Config{CognitoUserPoolID: testPool, CognitoClientIDs: []string{testClient}, CognitoJWKSURL: url}
	for _, m := range mutate {
		m(&c)
	}
	return c
}

// newTestVerifier builds a verifier for cfg, stopped with the test.
func newTestVerifier(t *testing.T, cfg Config) *cognitoVerifier {
	t.Helper()
	require.NoError(t, cfg.Validate())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	v, err := newCognitoVerifier(ctx, cfg, 30*time.Second, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return v
}

func TestCognitoIssuer(t *testing.T) {
	t.Parallel()
	require.Equal(t, testIssuer, cognitoIssuer(testPool))
	require.Equal(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC", cognitoIssuer("us-east-1_AbC"))
}

// TestCognitoTokens: what each kind of token gets from the verifier.
func TestCognitoTokens(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	v := newTestVerifier(t, cognitoConfig(jwks.url()))
	accessOnly := newTestVerifier(t, cognitoConfig(jwks.url(), func(c *Config) { c.CognitoTokenUse = []string{"access"} }))
	twoClients := newTestVerifier(t, cognitoConfig(jwks.url(), func(c *Config) { c.CognitoClientIDs = []string{otherClient, testClient} }))
	hour := time.Hour

	tests := []struct {
		name      string
		v         *cognitoVerifier
		token     string
		wantEmail string
		wantErr   string // empty: accepted as testUserSub
	}{
		{name: "ID token", v: v, token: cognitoToken(t, "k1", "k1", idClaims()), wantEmail: testUserMail},
		{name: "access token", v: v, token: cognitoToken(t, "k1", "k1", accessClaims())},
		{name: "ID token of the second accepted client", v: twoClients, token: cognitoToken(t, "k1", "k1", idClaims()), wantEmail: testUserMail},
		{name: "access token, ID tokens not accepted", v: accessOnly, token: cognitoToken(t, "k1", "k1", accessClaims())},
		{name: "email_verified as the string true", v: v, token: cognitoToken(t, "k1", "k1", idClaims(set("email_verified", "true"))), wantEmail: testUserMail},
		{name: "unverified email is not taken", v: v, token: cognitoToken(t, "k1", "k1", idClaims(set("email_verified", false)))},
		{name: "email without email_verified is not taken", v: v, token: cognitoToken(t, "k1", "k1", idClaims(unset("email_verified")))},
		{name: "email in an access token is not taken", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(set("email", testUserMail), set("email_verified", true)))},

		{name: "ID token refused where only access tokens are", v: accessOnly, token: cognitoToken(t, "k1", "k1", idClaims()), wantErr: `token_use "id" is not accepted`},
		{name: "refresh-like token_use", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(set("token_use", "refresh"))), wantErr: "token_use"},
		{name: "no token_use", v: v, token: cognitoToken(t, "k1", "k1", idClaims(unset("token_use"))), wantErr: "token_use"},
		{name: "wrong issuer", v: v, token: cognitoToken(t, "k1", "k1", idClaims(set("iss", otherIssuer))), wantErr: "issuer"},
		{name: "no issuer", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(unset("iss"))), wantErr: "iss"},
		{name: "ID token for another app client", v: v, token: cognitoToken(t, "k1", "k1", idClaims(set("aud", otherClient))), wantErr: "audience"},
		{name: "ID token with client_id but no aud", v: v, token: cognitoToken(t, "k1", "k1", idClaims(unset("aud"), set("client_id", testClient))), wantErr: "audience"},
		{name: "access token for another app client", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(set("client_id", otherClient))), wantErr: "client_id"},
		{name: "access token with aud but no client_id", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(unset("client_id"), set("aud", testClient))), wantErr: "client_id"},
		{name: "expired", v: v, token: cognitoToken(t, "k1", "k1", idClaims(set("exp", time.Now().Add(-hour).Unix()))), wantErr: "expired"},
		{name: "no exp", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(unset("exp"))), wantErr: "exp"},
		{name: "not yet valid", v: v, token: cognitoToken(t, "k1", "k1", accessClaims(set("nbf", time.Now().Add(hour).Unix()))), wantErr: "not valid yet"},
		{name: "no sub", v: v, token: cognitoToken(t, "k1", "k1", idClaims(unset("sub"))), wantErr: "sub"},
		{name: "known kid, forged signature", v: v, token: cognitoToken(t, "k1", "forger", idClaims()), wantErr: "signature"},
		{name: "HS256 token with the public key as secret", v: v, token: sign(t, jwt.SigningMethodHS256,
			testKeys()["k1"].PublicKey.N.Bytes(), idClaims()), wantErr: "signing method HS256 is invalid"},
	}
	t.Cleanup(func() {
		require.EqualValues(t, 3, jwks.hits.Load(), "one download per verifier: every token was checked against the cached key set")
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := tt.v.verify(context.Background(), tt.token)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, u)
				return
			}
			require.NoError(t, err)
			require.Equal(t, &User{ID: testUserSub, Email: tt.wantEmail}, u)
		})
	}
}

// TestCognitoKeyRotation: a token signed with a key the pool started using
// after the JWKS was cached is accepted after one refetch; the old key
// still works while the pool serves it.
func TestCognitoKeyRotation(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	v := newTestVerifier(t, cognitoConfig(jwks.url()))
	require.EqualValues(t, 1, jwks.hits.Load(), "the key set is fetched at start")

	jwks.serve("k1", "k2")
	u, err := v.verify(context.Background(), cognitoToken(t, "k2", "k2", idClaims()))
	require.NoError(t, err)
	require.Equal(t, testUserSub, u.ID)
	require.EqualValues(t, 2, jwks.hits.Load(), "the unknown kid made one refetch")

	_, err = v.verify(context.Background(), cognitoToken(t, "k1", "k1", accessClaims()))
	require.NoError(t, err)
	_, err = v.verify(context.Background(), cognitoToken(t, "k2", "k2", accessClaims()))
	require.NoError(t, err)
	require.EqualValues(t, 2, jwks.hits.Load(), "both keys are cached now")
}

// TestCognitoUnknownKid: a token naming a key the pool does not have is
// refused after one refetch; further unknown kids within the interval are
// refused without another download, so random kids cannot make the API
// hammer the JWKS endpoint.
func TestCognitoUnknownKid(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	v := newTestVerifier(t, cognitoConfig(jwks.url(), func(c *Config) { c.CognitoUnknownKIDInterval = time.Hour }))

	_, err := v.verify(context.Background(), cognitoToken(t, "no-such-kid", "forger", idClaims()))
	require.ErrorContains(t, err, "no-such-kid")
	require.EqualValues(t, 2, jwks.hits.Load(), "one refetch for the unknown kid")

	for i := range 5 {
		_, err = v.verify(context.Background(), cognitoToken(t, "random-kid-"+string(rune('a'+i)), "forger", idClaims()))
		require.Error(t, err)
	}
	require.EqualValues(t, 2, jwks.hits.Load(), "the refetch is rate-limited")

	// The limit also delays a real rotation until the interval has passed
	// (or the background refresh runs): the cost of the limit.
	jwks.serve("k1", "k2")
	_, err = v.verify(context.Background(), cognitoToken(t, "k2", "k2", idClaims()))
	require.Error(t, err)
	_, err = v.verify(context.Background(), cognitoToken(t, "k1", "k1", idClaims()))
	require.NoError(t, err, "known keys keep working")
}

// TestCognitoBackgroundRefresh: the key set is refetched on its interval,
// so a rotation is picked up without any unknown-kid refetch, and a key the
// pool no longer serves stops working.
func TestCognitoBackgroundRefresh(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	v := newTestVerifier(t, cognitoConfig(jwks.url(), func(c *Config) {
		c.CognitoJWKSRefresh = 20 * time.Millisecond
		c.CognitoUnknownKIDInterval = time.Hour
	}))
	// Use up the unknown-kid refetch so only the background refresh can
	// bring new keys.
	_, err := v.verify(context.Background(), cognitoToken(t, "nope", "forger", idClaims()))
	require.Error(t, err)

	jwks.serve("k2")
	require.Eventually(t, func() bool {
		_, err := v.verify(context.Background(), cognitoToken(t, "k2", "k2", idClaims()))
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	_, err = v.verify(context.Background(), cognitoToken(t, "k1", "k1", idClaims()))
	require.Error(t, err, "a retired key is dropped")
}

// TestCognitoJWKSDownAtStart: the API starts when the JWKS cannot be
// fetched, refuses tokens meanwhile and accepts them once it can.
func TestCognitoJWKSDownAtStart(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	var down atomic.Bool
	down.Store(true)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		jwks.srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	v := newTestVerifier(t, cognitoConfig(gate.URL+"/.well-known/jwks.json", func(c *Config) { c.CognitoUnknownKIDInterval = time.Millisecond }))

	_, err := v.verify(context.Background(), cognitoToken(t, "k1", "k1", idClaims()))
	require.Error(t, err)
	down.Store(false)
	require.Eventually(t, func() bool {
		_, err := v.verify(context.Background(), cognitoToken(t, "k1", "k1", idClaims()))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
}

func TestCognitoConfigValidate(t *testing.T) {
	t.Parallel()
	ok := cognitoConfig("http://127.0.0.1:1/jwks.json")
	require.NoError(t, ok.Validate())
	require.Equal(t, []string{"id", "access"}, ok.CognitoTokenUse)
	require.Equal(t, time.Hour, ok.CognitoJWKSRefresh)
	require.Equal(t, time.Minute, ok.CognitoUnknownKIDInterval)

	for name, tt := range map[string]struct {
		c    Config
		want string
	}{
		"no sign-in at all":  {Config{}, "DDOKSO_API_COGNITO_USER_POOL_ID"},
		"bad pool id":        {Config{CognitoUserPoolID: "TestPool1", CognitoClientIDs: []string{testClient}}, "not a user pool id"},
		"no client":          {Config{CognitoUserPoolID: testPool}, "DDOKSO_API_COGNITO_CLIENT_IDS is required"},
		"bad client":         {Config{CognitoUserPoolID: testPool, CognitoClientIDs: []string{"a b"}}, "not an app client id"},
		"bad token use":      {cognitoConfig("", func(c *Config) { c.CognitoTokenUse = []string{"refresh"} }), "neither id nor access"},
		"bad jwks url":       {cognitoConfig("ftp://x/jwks"), "not an http(s) URL"},
		"negative interval":  {cognitoConfig("", func(c *Config) { c.CognitoUnknownKIDInterval = -time.Second }), "must be positive"},
		"short secret still": {Config{JWTSecret: "short", CognitoUserPoolID: testPool, CognitoClientIDs: []string{testClient}}, "at least 16 bytes"},
	} {
		err := tt.c.Validate()
		require.ErrorContains(t, err, tt.want, name)
	}
}

// TestCognitoSignInOverHTTP: the API accepts Cognito ID and access tokens
// next to HS256 ones, takes the verified email from the ID token, and
// answers 401 problems for refused tokens.
func TestCognitoSignInOverHTTP(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hs := setup(t, func(d *Deps) {
		d.Config.CognitoUserPoolID = testPool
		d.Config.CognitoClientIDs = []string{testClient}
		d.Config.CognitoJWKSURL = jwks.url()
		d.Context = ctx
	})

	w := hs.do(http.MethodGet, "/api/v1/me", nil, withToken(cognitoToken(t, "k1", "k1", idClaims())))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	me := decode[Me](t, w)
	require.Equal(t, testUserSub, me.ID)
	require.Equal(t, testUserMail, me.Email)
	require.Equal(t, emailFromToken, me.EmailSource)

	w = hs.do(http.MethodGet, "/api/v1/me", nil, withToken(cognitoToken(t, "k1", "k1", accessClaims())))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, testUserSub, decode[Me](t, w).ID)

	w = hs.do(http.MethodGet, "/api/v1/me", nil, withToken(token(t, "local-dev-user")))
	require.Equal(t, http.StatusOK, w.Code, "HS256 stays for local development")

	for name, tok := range map[string]string{
		"wrong issuer":   cognitoToken(t, "k1", "k1", idClaims(set("iss", otherIssuer))),
		"wrong audience": cognitoToken(t, "k1", "k1", idClaims(set("aud", otherClient))),
		"expired":        cognitoToken(t, "k1", "k1", accessClaims(set("exp", time.Now().Add(-time.Hour).Unix()))),
		"unknown kid":    cognitoToken(t, "k9", "forger", idClaims()),
		"RS512":          jwtWith(t, jwt.SigningMethodRS512, "k1", idClaims()),
	} {
		w := hs.do(http.MethodGet, "/api/v1/me", nil, withToken(tok))
		requireProblem(t, w, http.StatusUnauthorized, "unauthorized")
		require.NotEmpty(t, w.Header().Get("WWW-Authenticate"), name)
	}
}

// TestCognitoOnlyRefusesHS256: without DDOKSO_API_JWT_SECRET (production
// with Cognito), an HS256 token is refused whatever it is signed with.
func TestCognitoOnlyRefusesHS256(t *testing.T) {
	t.Parallel()
	jwks := newJWKSServer(t, "k1")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hs := setup(t, func(d *Deps) {
		d.Config.JWTSecret = ""
		d.Config.CognitoUserPoolID = testPool
		d.Config.CognitoClientIDs = []string{testClient}
		d.Config.CognitoJWKSURL = jwks.url()
		d.Context = ctx
	})
	for _, tok := range []string{
		token(t, "mallory"),
		sign(t, jwt.SigningMethodHS256, []byte(""), jwt.MapClaims{"sub": "mallory", "exp": time.Now().Add(time.Hour).Unix()}),
	} {
		w := hs.do(http.MethodGet, "/api/v1/me", nil, withToken(tok))
		p := requireProblem(t, w, http.StatusUnauthorized, "unauthorized")
		require.Contains(t, p.Detail, "not accepted")
	}
	w := hs.do(http.MethodGet, "/api/v1/me", nil, withToken(cognitoToken(t, "k1", "k1", idClaims())))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

// jwtWith signs with another RSA method and the kid's key.
func jwtWith(t *testing.T, m jwt.SigningMethod, kid string, cl jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, cl)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(testKeys()[kid])
	require.NoError(t, err)
	return s
}
