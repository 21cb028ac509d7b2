package api

import (
	"errors"
	"fmt"
	"time"
)

// Config configures the API. Zero values are replaced by defaults in Validate.
type Config struct {
	// JWTSecret verifies HS256 bearer tokens issued by the frontend.
	JWTSecret string `envconfig:"JWT_SECRET" required:"true" desc:"HS256 secret for verifying bearer tokens"`
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
	if c.JWTSecret == "" {
		return errors.New("api: JWT secret is required")
	}
	if len(c.JWTSecret) < 16 {
		return fmt.Errorf("api: JWT secret must be at least 16 bytes, got %d", len(c.JWTSecret))
	}
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
