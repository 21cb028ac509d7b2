package api

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Config configures the API. Zero values are replaced by defaults in Validate.
type Config struct {
	// JWTSecret verifies HS256 bearer tokens (local development and tests;
	// make run mints them). Required unless CognitoUserPoolID is set.
	JWTSecret string `envconfig:"JWT_SECRET" desc:"HS256 secret for verifying bearer tokens (local development, tests); required unless COGNITO_USER_POOL_ID is set"`
	// CognitoUserPoolID turns on Cognito sign-in: RS256 ID and access
	// tokens of this user pool ("<region>_<id>") are verified through its
	// JWKS.
	CognitoUserPoolID string `envconfig:"COGNITO_USER_POOL_ID" desc:"Cognito user pool (region_id) whose RS256 tokens are accepted; the template's UserPoolId output"`
	// CognitoClientIDs are the app clients whose tokens are accepted: the
	// aud of ID tokens, the client_id of access tokens.
	CognitoClientIDs []string `envconfig:"COGNITO_CLIENT_IDS" desc:"comma-separated app client ids accepted as aud (ID token) / client_id (access token); required with the pool"`
	// CognitoTokenUse are the accepted token_use values.
	CognitoTokenUse []string `envconfig:"COGNITO_TOKEN_USE" default:"id,access" desc:"accepted Cognito token kinds (token_use): id, access or both"`
	// CognitoJWKSURL overrides where the pool's signing keys are read.
	CognitoJWKSURL string `envconfig:"COGNITO_JWKS_URL" desc:"JWKS URL; default https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json"`
	// CognitoJWKSRefresh is how often the JWKS is refetched in the background.
	CognitoJWKSRefresh time.Duration `envconfig:"COGNITO_JWKS_REFRESH" default:"1h" desc:"background refresh interval of the Cognito JWKS"`
	// CognitoUnknownKIDInterval: a token with a key id not in the cached
	// JWKS triggers a refetch at most once per interval (key rotation is
	// picked up; random key ids cannot make the API hammer Cognito).
	CognitoUnknownKIDInterval time.Duration `envconfig:"COGNITO_UNKNOWN_KID_INTERVAL" default:"1m" desc:"at most one JWKS refetch per interval for tokens with an unknown key id"`
	// AdminKey guards the operator endpoints; empty disables them (403).
	AdminKey string `envconfig:"ADMIN_KEY" desc:"X-Admin-Key value for operator endpoints; empty disables them"`
	// CORSOrigins are the frontend origins allowed to call the API from a browser.
	CORSOrigins []string `envconfig:"CORS_ORIGINS" default:"http://localhost:3000" desc:"comma-separated allowed CORS origins"`
	// TrustedProxies are the proxy addresses/CIDRs whose X-Forwarded-For is
	// believed for the per-IP rate limit; empty trusts none (RemoteAddr counts).
	TrustedProxies []string `envconfig:"TRUSTED_PROXIES" desc:"comma-separated proxy IPs/CIDRs trusted for X-Forwarded-For"`
	// RecentWindow: a product checked within it is returned at once instead of re-scraped.
	RecentWindow time.Duration `envconfig:"RECENT_WINDOW" default:"1h" desc:"a product checked within this is answered without a scrape"`
	// MaxBodyBytes bounds request bodies (413 above it).
	MaxBodyBytes int64 `envconfig:"MAX_BODY_BYTES" default:"65536" desc:"largest accepted request body in bytes"`
	// RequestTimeout bounds each request's work (the long-poll gets MaxWait on top).
	RequestTimeout time.Duration `envconfig:"REQUEST_TIMEOUT" default:"15s" desc:"per-request deadline"`
	// MaxWait caps the ?wait= of a scrape long-poll.
	MaxWait time.Duration `envconfig:"MAX_WAIT" default:"30s" desc:"longest accepted long-poll wait"`
	// PollInterval is how often a long-poll re-reads the scrape request.
	PollInterval time.Duration `envconfig:"POLL_INTERVAL" default:"100ms" desc:"long-poll re-read interval"`
	// UserRate is the sustained rate (per second) of scrape-starting requests per user.
	UserRate float64 `envconfig:"USER_RATE" default:"1" desc:"scrape-starting requests per second per user"`
	// UserBurst is the per-user token bucket size.
	UserBurst int `envconfig:"USER_BURST" default:"20" desc:"per-user burst"`
	// IPRate is the sustained rate (per second) of scrape-starting requests per client IP.
	IPRate float64 `envconfig:"IP_RATE" default:"2" desc:"scrape-starting requests per second per client IP"`
	// IPBurst is the per-IP token bucket size.
	IPBurst int `envconfig:"IP_BURST" default:"40" desc:"per-IP burst"`
	// PageSize is the default product page size; MaxPageSize the largest accepted.
	// AllowLoopback admits 127.0.0.0/8 shop URLs, for local fake shops in
	// tests and load runs only; the fetcher needs its own matching setting.
	AllowLoopback bool `envconfig:"ALLOW_LOOPBACK" default:"false" desc:"TEST ONLY: accept 127.0.0.0/8 shop URLs"`
	// LoopbackPorts, when set with AllowLoopback, admits loopback URLs on
	// these ports only. ddokso sets it from DDOKSO_DEV_SHOP, together with
	// the fetcher's, so the API accepts exactly the local shop the fetcher
	// may reach.
	LoopbackPorts []int `ignored:"true"`
	// ProductCacheTTL is how long GET /products/{id} (and a POST /scrapes
	// answered with a recently checked product) may serve a product from
	// the in-process cache; zero disables the cache.
	ProductCacheTTL time.Duration `envconfig:"PRODUCT_CACHE_TTL" default:"1s" desc:"how stale a served product may be (in-process cache); 0 disables"`
	// GroupCommitMax is the most scrape requests committed in one
	// transaction (group commit of concurrent POST /scrapes); 1 commits
	// each on its own.
	GroupCommitMax int `envconfig:"GROUP_COMMIT_MAX" default:"64" desc:"most scrape requests committed in one transaction"`
	PageSize       int `envconfig:"PAGE_SIZE" default:"20" desc:"default page size"`
	MaxPageSize    int `envconfig:"MAX_PAGE_SIZE" default:"100" desc:"largest page size"`
}

// Validate applies defaults to zero fields and checks ranges.
func (c *Config) Validate() error {
	if c.JWTSecret == "" && c.CognitoUserPoolID == "" {
		return errors.New("api: no sign-in configured: set DDOKSO_API_COGNITO_USER_POOL_ID (Cognito) or DDOKSO_API_JWT_SECRET (HS256, local development)")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 16 {
		return fmt.Errorf("api: DDOKSO_API_JWT_SECRET must be at least 16 bytes, got %d", len(c.JWTSecret))
	}
	if err := c.validateCognito(); err != nil {
		return err
	}
	c.applyDefaults()
	return c.checkRanges()
}

// checkRanges checks the (defaulted) limits and durations.
func (c *Config) checkRanges() error {
	switch {
	case c.ProductCacheTTL < 0:
		return fmt.Errorf("api: product cache TTL must be >= 0, got %s", c.ProductCacheTTL)
	case c.RecentWindow < 0:
		return fmt.Errorf("api: recent window must be >= 0, got %s", c.RecentWindow)
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("api: max body bytes must be >= 1024, got %d", c.MaxBodyBytes)
	case c.RequestTimeout < 0, c.MaxWait < 0, c.PollInterval < 0:
		return errors.New("api: timeouts must be positive")
	case c.UserRate < 0 || c.IPRate < 0 || c.UserBurst < 1 || c.IPBurst < 1:
		return errors.New("api: rates must be positive and bursts >= 1")
	case c.GroupCommitMax < 1:
		return fmt.Errorf("api: group commit max must be >= 1, got %d", c.GroupCommitMax)
	case c.PageSize < 1 || c.MaxPageSize < c.PageSize:
		return fmt.Errorf("api: page size %d must be 1..max page size %d", c.PageSize, c.MaxPageSize)
	}
	return nil
}

// applyDefaults replaces zero fields with their defaults.
func (c *Config) applyDefaults() {
	if c.RecentWindow == 0 {
		c.RecentWindow = time.Hour
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 15 * time.Second
	}
	if c.MaxWait == 0 {
		c.MaxWait = 30 * time.Second
	}
	if c.PollInterval == 0 {
		c.PollInterval = 100 * time.Millisecond
	}
	if c.UserRate == 0 {
		c.UserRate = 1
	}
	if c.UserBurst == 0 {
		c.UserBurst = 20
	}
	if c.IPRate == 0 {
		c.IPRate = 2
	}
	if c.IPBurst == 0 {
		c.IPBurst = 40
	}
	if c.PageSize == 0 {
		c.PageSize = 20
	}
	if c.GroupCommitMax == 0 {
		c.GroupCommitMax = 64
	}
	if c.MaxPageSize == 0 {
		c.MaxPageSize = 100
	}
}

var (
	cognitoPoolID   = regexp.MustCompile(`^[A-Za-z0-9-]+_[0-9A-Za-z]+$`)
	cognitoClientID = regexp.MustCompile(`^[A-Za-z0-9+]{1,128}$`)
)

// validateCognito applies the Cognito defaults and checks the settings
// when a user pool is configured.
func (c *Config) validateCognito() error {
	if c.CognitoUserPoolID == "" {
		return nil
	}
	if !cognitoPoolID.MatchString(c.CognitoUserPoolID) {
		return fmt.Errorf("api: DDOKSO_API_COGNITO_USER_POOL_ID %q is not a user pool id (region_id, e.g. ap-northeast-2_AbC123)", c.CognitoUserPoolID)
	}
	if len(c.CognitoClientIDs) == 0 {
		return errors.New("api: DDOKSO_API_COGNITO_CLIENT_IDS is required with DDOKSO_API_COGNITO_USER_POOL_ID")
	}
	for _, id := range c.CognitoClientIDs {
		if !cognitoClientID.MatchString(id) {
			return fmt.Errorf("api: DDOKSO_API_COGNITO_CLIENT_IDS: %q is not an app client id", id)
		}
	}
	if len(c.CognitoTokenUse) == 0 {
		c.CognitoTokenUse = []string{tokenUseID, tokenUseAccess}
	}
	for _, u := range c.CognitoTokenUse {
		if u != tokenUseID && u != tokenUseAccess {
			return fmt.Errorf("api: DDOKSO_API_COGNITO_TOKEN_USE: %q is neither id nor access", u)
		}
	}
	if c.CognitoJWKSURL != "" {
		u, err := url.Parse(c.CognitoJWKSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("api: DDOKSO_API_COGNITO_JWKS_URL %q is not an http(s) URL", c.CognitoJWKSURL)
		}
	}
	if c.CognitoJWKSRefresh == 0 {
		c.CognitoJWKSRefresh = time.Hour
	}
	if c.CognitoUnknownKIDInterval == 0 {
		c.CognitoUnknownKIDInterval = time.Minute
	}
	if c.CognitoJWKSRefresh < 0 || c.CognitoUnknownKIDInterval < 0 {
		return errors.New("api: DDOKSO_API_COGNITO_JWKS_REFRESH and DDOKSO_API_COGNITO_UNKNOWN_KID_INTERVAL must be positive")
	}
	return nil
}
