package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	DefaultUserAgent       = "ddokso-bot/1.0 (+https://ddokso.com/bot)"
	DefaultConnectTimeout  = 5 * time.Second
	DefaultHeaderTimeout   = 10 * time.Second
	DefaultTotalTimeout    = 30 * time.Second
	DefaultMaxBodyBytes    = 5 << 20
	DefaultMaxRedirects    = 5
	DefaultRetries         = 2
	DefaultRetryBase       = 500 * time.Millisecond
	DefaultRetryMax        = 10 * time.Second
	DefaultRobotsTTL       = time.Hour
	DefaultRobotsErrorTTL  = time.Minute
	DefaultRobotsCacheSize = 1024
)

// DefaultPorts are the destination ports a Fetcher may connect to unless
// Config.Ports says otherwise.
var DefaultPorts = []int{80, 443}

// Config configures a [Fetcher]. The zero value is usable: [New] fills in
// defaults for zero fields.
type Config struct {
	// UserAgent is sent with every request. It should be honest and point to
	// a page describing the bot. Default [DefaultUserAgent].
	UserAgent string

	// RobotsAgent is the product token matched against robots.txt groups.
	// Default: the part of UserAgent before the first "/" (e.g. "ddokso-bot").
	RobotsAgent string

	// ConnectTimeout bounds TCP connect and TLS handshake. Default 5s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers after the request
	// was written. Default 10s.
	HeaderTimeout time.Duration
	// TotalTimeout bounds one complete HTTP exchange: connect, headers and
	// reading the body. Each redirect hop, retry and robots.txt fetch gets its
	// own budget; bound the whole Fetch call with its context. Default 30s.
	TotalTimeout time.Duration

	// MaxBodyBytes caps the (decompressed) response body. A larger body makes
	// Fetch fail with [ErrTooLarge]. Default 5 MiB.
	MaxBodyBytes int64

	// MaxRedirects is the longest redirect chain followed. Default 5; a
	// negative value follows no redirects (any redirect is
	// [ErrTooManyRedirects]).
	MaxRedirects int

	// Retries is how many times a timed out, reset or 5xx exchange is
	// retried, with exponential backoff from RetryBase plus jitter, capped at
	// RetryMax. Default 2; a negative value disables retries.
	Retries int
	// RetryBase is the backoff before the first retry. Default 500ms.
	RetryBase time.Duration
	// RetryMax caps a single backoff. Default 10s.
	RetryMax time.Duration

	// Ports are the destination ports that may be dialled. Default 80 and 443.
	Ports []int

	// AllowLoopback permits 127.0.0.0/8 and ::1 (nothing else private). It
	// exists ONLY for tests against httptest servers; never set it in
	// production.
	AllowLoopback bool

	// IgnoreRobots disables robots.txt checks. By default robots.txt is
	// fetched through the same safe client and respected.
	IgnoreRobots bool
	// RobotsTTL is how long a fetched robots.txt (or a 4xx "allow all") is
	// cached per host. Default 1h.
	RobotsTTL time.Duration
	// RobotsErrorTTL is how long a 5xx or unreachable robots.txt is treated as
	// a temporary full disallow before being fetched again. Default 1m.
	RobotsErrorTTL time.Duration
	// RobotsCacheSize bounds the number of hosts in the robots.txt cache.
	// Default 1024.
	RobotsCacheSize int

	// Limiter rate-limits requests per host (including robots.txt fetches
	// and redirect hops). Nil means no rate limit.
	Limiter Limiter

	// LookupIPAddr resolves host names. Default net.DefaultResolver's
	// LookupIPAddr. Every returned address is still checked before dialling,
	// so tests can inject a resolver mapping a public-looking name to a
	// forbidden address without touching the network.
	LookupIPAddr func(ctx context.Context, host string) ([]net.IPAddr, error)

	// Logger receives debug logs about retries and robots.txt. Default
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.RobotsAgent == "" {
		c.RobotsAgent, _, _ = strings.Cut(c.UserAgent, "/")
		c.RobotsAgent = strings.TrimSpace(c.RobotsAgent)
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.HeaderTimeout == 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.TotalTimeout == 0 {
		c.TotalTimeout = DefaultTotalTimeout
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	switch {
	case c.MaxRedirects == 0:
		c.MaxRedirects = DefaultMaxRedirects
	case c.MaxRedirects < 0:
		c.MaxRedirects = 0
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.RetryBase == 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	if len(c.Ports) == 0 {
		c.Ports = DefaultPorts
	}
	if c.RobotsTTL == 0 {
		c.RobotsTTL = DefaultRobotsTTL
	}
	if c.RobotsErrorTTL == 0 {
		c.RobotsErrorTTL = DefaultRobotsErrorTTL
	}
	if c.RobotsCacheSize == 0 {
		c.RobotsCacheSize = DefaultRobotsCacheSize
	}
	if c.LookupIPAddr == nil {
		c.LookupIPAddr = net.DefaultResolver.LookupIPAddr
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Ports = append([]int(nil), c.Ports...)
	return c
}

// Validate reports every invalid field of c. Zero values are valid (they
// select defaults).
func (c *Config) Validate() error {
	var errs []error
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		errs = append(errs, errors.New("UserAgent must not contain line breaks"))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"ConnectTimeout", c.ConnectTimeout},
		{"HeaderTimeout", c.HeaderTimeout},
		{"TotalTimeout", c.TotalTimeout},
		{"RetryBase", c.RetryBase},
		{"RetryMax", c.RetryMax},
		{"RobotsTTL", c.RobotsTTL},
		{"RobotsErrorTTL", c.RobotsErrorTTL},
	} {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", f.name, f.d))
		}
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("MaxBodyBytes must not be negative, got %d", c.MaxBodyBytes))
	}
	if c.RobotsCacheSize < 0 {
		errs = append(errs, fmt.Errorf("RobotsCacheSize must not be negative, got %d", c.RobotsCacheSize))
	}
	if c.RetryBase > 0 && c.RetryMax > 0 && c.RetryMax < c.RetryBase {
		errs = append(errs, fmt.Errorf("RetryMax (%s) must not be below RetryBase (%s)", c.RetryMax, c.RetryBase))
	}
	for _, p := range c.Ports {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("port %d out of range 1-65535", p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fetch: invalid config: %w", err)
	}
	return nil
}
