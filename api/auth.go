package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

const ctxUser = "user"

// User is the caller identified by a verified bearer token.
type User struct {
	// ID is the token's sub claim.
	ID string
	// Email is the token's verified email, when it has one: Cognito ID
	// tokens with email_verified true, HS256 tokens unless they say
	// email_verified false.
	Email string
}

type claims struct {
	Email         string `json:"email,omitempty"`
	EmailVerified any    `json:"email_verified,omitempty"`
	jwt.RegisteredClaims
}

// verifyToken checks a bearer token. RS256 tokens are Cognito's, verified
// through the user pool's JWKS when DDOKSO_API_COGNITO_USER_POOL_ID is set;
// HS256 tokens are verified with DDOKSO_API_JWT_SECRET when it is set (local
// development and tests). Any other algorithm, or one whose verifier is not
// configured, is refused before any key is looked at.
func (s *server) verifyToken(ctx context.Context, raw string) (*User, error) {
	alg, err := tokenAlg(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case alg == jwt.SigningMethodRS256.Alg() && s.cognito != nil:
		return s.cognito.verify(ctx, raw)
	case alg == jwt.SigningMethodHS256.Alg() && len(s.secret) > 0:
		return s.verifyHS256(raw)
	}
	return nil, fmt.Errorf("token algorithm %q is not accepted", alg)
}

// tokenAlg reads the alg of a JWT's header without verifying anything.
func tokenAlg(raw string) (string, error) {
	tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return "", err
	}
	alg, _ := tok.Header["alg"].(string)
	return alg, nil
}

// verifyHS256 checks an HS256 token's signature and expiry (required). Its
// email is taken unless the token says it is not verified.
func (s *server) verifyHS256(raw string) (*User, error) {
	var cl claims
	_, err := jwt.ParseWithClaims(raw, &cl, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(s.leeway),
	)
	if err != nil {
		return nil, err
	}
	if cl.Subject == "" || len(cl.Subject) > 64 {
		return nil, errors.New("token sub must be 1..64 characters")
	}
	u := &User{ID: cl.Subject, Email: cl.Email}
	if cl.EmailVerified != nil && !verified(cl.EmailVerified) {
		u.Email = ""
	}
	return u, nil
}

func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// optionalAuth identifies the caller when a token is sent; an invalid token
// is still a 401 (a client that sends one expects it to count).
func (s *server) optionalAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		tok, present := bearer(c)
		if !present {
			c.Next()
			return
		}
		u, err := s.verifyToken(c.Request.Context(), tok)
		if err != nil {
			unauthorized(c, err)
			return
		}
		c.Set(ctxUser, u)
		c.Next()
	}
}

// requireAuth demands a valid token. It writes nothing: the users row is
// upserted (ensureUser) inside the write that needs it, so a refused
// request leaves no row behind.
func (s *server) requireAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		tok, present := bearer(c)
		if !present {
			unauthorized(c, errors.New("missing bearer token"))
			return
		}
		u, err := s.verifyToken(c.Request.Context(), tok)
		if err != nil {
			unauthorized(c, err)
			return
		}
		c.Set(ctxUser, u)
		c.Next()
	}
}

func unauthorized(c *gin.Context, err error) {
	c.Header("WWW-Authenticate", `Bearer realm="ddokso"`)
	fail(c, http.StatusUnauthorized, "unauthorized", "invalid or missing bearer token: "+err.Error())
}

// userFrom returns the authenticated user, or nil for anonymous callers.
func userFrom(c *gin.Context) *User {
	v, ok := c.Get(ctxUser)
	if !ok {
		return nil
	}
	u, _ := v.(*User)
	return u
}

// requireAdmin checks X-Admin-Key in constant time; no configured key
// disables the operator endpoints.
func (s *server) requireAdmin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.cfg.AdminKey == "" {
			fail(c, http.StatusForbidden, "operator-disabled", "operator endpoints are disabled: no admin key is configured")
			return
		}
		got := c.GetHeader("X-Admin-Key")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminKey)) != 1 {
			fail(c, http.StatusUnauthorized, "unauthorized", "missing or wrong X-Admin-Key")
			return
		}
		c.Next()
	}
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
