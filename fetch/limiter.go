package fetch

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter spaces out requests to the same host. Wait blocks until a request
// to host may be sent, or ctx is done.
type Limiter interface {
	Wait(ctx context.Context, host string) error
}

// LimiterOption configures [NewLocalLimiter] and [NewMySQLLimiter].
type LimiterOption func(*limiterOptions)

type limiterOptions struct {
	overrides map[string]time.Duration
}

// WithHostInterval sets the interval for domain and all its subdomains
// ("coupang.com" covers "www.coupang.com" and "m.coupang.com"), which then
// share one rate-limit bucket. The most specific matching domain wins.
func WithHostInterval(domain string, interval time.Duration) LimiterOption {
	return func(o *limiterOptions) {
		o.overrides[normalizeHost(domain)] = interval
	}
}

func newLimiterOptions(opts []LimiterOption) limiterOptions {
	o := limiterOptions{overrides: map[string]time.Duration{}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// bucket returns the rate-limit key and interval for host.
func (o limiterOptions) bucket(host string, def time.Duration) (string, time.Duration) {
	host = normalizeHost(host)
	best, interval := "", def
	for domain, d := range o.overrides {
		if (host == domain || strings.HasSuffix(host, "."+domain)) && len(domain) > len(best) {
			best, interval = domain, d
		}
	}
	if best != "" {
		return best, interval
	}
	return host, interval
}

func normalizeHost(host string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
}

// LocalLimiter is an in-process [Limiter] built on golang.org/x/time/rate.
// It is meant for tests and single-process deployments; use
// [MySQLLimiter] to share limits between processes.
type LocalLimiter struct {
	interval time.Duration
	opts     limiterOptions

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewLocalLimiter returns a LocalLimiter allowing one request per interval
// per host (a burst of one).
func NewLocalLimiter(interval time.Duration, opts ...LimiterOption) *LocalLimiter {
	return &LocalLimiter{
		interval: interval,
		opts:     newLimiterOptions(opts),
		limiters: map[string]*rate.Limiter{},
	}
}

// Wait blocks until a request to host may proceed.
func (l *LocalLimiter) Wait(ctx context.Context, host string) error {
	key, interval := l.opts.bucket(host, l.interval)
	l.mu.Lock()
	lim, ok := l.limiters[key]
	if !ok {
		limit := rate.Inf
		if interval > 0 {
			limit = rate.Every(interval)
		}
		lim = rate.NewLimiter(limit, 1)
		l.limiters[key] = lim
	}
	l.mu.Unlock()
	if err := lim.Wait(ctx); err != nil {
		return fmt.Errorf("rate limit %s: %w", key, err)
	}
	return nil
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
