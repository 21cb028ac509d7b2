package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Cognito token kinds (the token_use claim).
const (
	tokenUseID     = "id"
	tokenUseAccess = "access"
)

// jwksHTTPTimeout bounds one JWKS download. It is also how long a request
// with an unknown key id may wait for the refetch rate limit: the limiter
// refuses at once when its next slot is further away than that.
const jwksHTTPTimeout = 10 * time.Second

// cognitoVerifier verifies RS256 ID and access tokens of one Cognito user
// pool, with the pool's signing keys from its JWKS (MicahParks/keyfunc over
// golang-jwt): cached, refreshed in the background, refetched when a token
// names a key id not in the cache (at most once per UnknownKIDInterval).
type cognitoVerifier struct {
	issuer  string
	clients []string
	uses    []string
	leeway  time.Duration
	keys    keyfunc.Keyfunc
}

// cognitoIssuer is the iss of every token of a user pool
// ("ap-northeast-2_AbC123" -> https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_AbC123).
func cognitoIssuer(poolID string) string {
	region, _, _ := strings.Cut(poolID, "_")
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

// newCognitoVerifier fetches the pool's JWKS once (a failure is logged, not
// fatal: the keys are fetched again for the first token) and starts the
// background refresh, which ends with ctx.
func newCognitoVerifier(ctx context.Context, cfg Config, leeway time.Duration, log *slog.Logger) (*cognitoVerifier, error) {
	issuer := cognitoIssuer(cfg.CognitoUserPoolID)
	jwksURL := cfg.CognitoJWKSURL
	if jwksURL == "" {
		jwksURL = issuer + "/.well-known/jwks.json"
	}
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{
		Client:            &http.Client{Timeout: jwksHTTPTimeout},
		HTTPTimeout:       jwksHTTPTimeout,
		RefreshInterval:   cfg.CognitoJWKSRefresh,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.CognitoUnknownKIDInterval), 1),
		RateLimitWaitMax:  jwksHTTPTimeout,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				log.WarnContext(ctx, "cognito jwks fetch failed", "url", u, "err", err)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("api: cognito jwks %s: %w", jwksURL, err)
	}
	return &cognitoVerifier{
		issuer: issuer, clients: cfg.CognitoClientIDs, uses: cfg.CognitoTokenUse,
		leeway: leeway, keys: keys,
	}, nil
}

// cognitoClaims are the claims of Cognito ID and access tokens ddokso reads.
type cognitoClaims struct {
	jwt.RegisteredClaims
	// TokenUse is "id" or "access".
	TokenUse string `json:"token_use"`
	// ClientID is the app client of an access token (ID tokens use aud).
	ClientID string `json:"client_id"`
	// Email and EmailVerified are in ID tokens only.
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
}

// verify checks a Cognito token as AWS documents it ("Verifying a JSON
// Web Token"): RS256 signature by a key of the pool's JWKS, exp (required),
// iss of the pool, token_use of an accepted kind, and the app client: aud
// of an ID token, client_id of an access token. The user is the token's
// sub; the email is taken only from an ID token whose email_verified is
// true (access tokens carry no email).
func (v *cognitoVerifier) verify(ctx context.Context, raw string) (*User, error) {
	var cl cognitoClaims
	_, err := jwt.ParseWithClaims(raw, &cl, v.keys.KeyfuncCtx(ctx),
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(v.issuer),
		jwt.WithLeeway(v.leeway),
	)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(v.uses, cl.TokenUse) {
		return nil, fmt.Errorf("token_use %q is not accepted (want %s)", cl.TokenUse, strings.Join(v.uses, " or "))
	}
	switch cl.TokenUse {
	case tokenUseID:
		if !slices.ContainsFunc(cl.Audience, func(a string) bool { return slices.Contains(v.clients, a) }) {
			return nil, fmt.Errorf("token audience %v is not an accepted app client", []string(cl.Audience))
		}
	case tokenUseAccess:
		if !slices.Contains(v.clients, cl.ClientID) {
			return nil, fmt.Errorf("token client_id %q is not an accepted app client", cl.ClientID)
		}
	}
	if cl.Subject == "" || len(cl.Subject) > 64 {
		return nil, errors.New("token sub must be 1..64 characters")
	}
	u := &User{ID: cl.Subject}
	if cl.TokenUse == tokenUseID && verified(cl.EmailVerified) {
		u.Email = cl.Email
	}
	return u, nil
}

// verified reads an email_verified claim: a JSON boolean, or the string
// "true" that older user pools put in ID tokens.
func verified(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return t == "true"
	}
	return false
}
