package api

import (
	"crypto/subtle"
	"errors"
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
	// Email is the token's email claim, when present.
	Email string
}

type claims struct {
	Email string `json:"email,omitempty"`
	jwt.RegisteredClaims
}

// verifyToken checks an HS256 token's signature and expiry (required).
func (s *server) verifyToken(raw string) (*User, error) {
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
	return &User{ID: cl.Subject, Email: cl.Email}, nil
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
		u, err := s.verifyToken(tok)
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
		u, err := s.verifyToken(tok)
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
