package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiterSet is a keyed set of token buckets, forgetting keys idle for
// longer than it takes their bucket to refill.
type limiterSet struct {
	rate  rate.Limit
	burst int
	idle  time.Duration

	mu        sync.Mutex
	m         map[string]*keyedLimiter
	lastSweep time.Time
}

type keyedLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiterSet(perSecond float64, burst int) *limiterSet {
	idle := time.Minute
	if perSecond > 0 {
		if full := time.Duration(float64(burst) / perSecond * float64(time.Second)); full > idle {
			idle = full
		}
	}
	return &limiterSet{rate: rate.Limit(perSecond), burst: burst, idle: idle, m: map[string]*keyedLimiter{}}
}

// reserve takes a token for key, returning 0 when allowed or how long the
// caller must wait before a token is available.
func (s *limiterSet) reserve(key string, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) > s.idle {
		for k, l := range s.m {
			if now.Sub(l.seen) > s.idle {
				delete(s.m, k)
			}
		}
		s.lastSweep = now
	}
	l, ok := s.m[key]
	if !ok {
		l = &keyedLimiter{lim: rate.NewLimiter(s.rate, s.burst)}
		s.m[key] = l
	}
	l.seen = now
	r := l.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Hour
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// retryAfterSeconds is a wait as Retry-After's whole seconds: rounded up,
// and at least 1 (a "0" would invite an immediate retry that fails again).
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// rateLimit applies the per-IP bucket and, for a signed-in user, the
// per-user bucket; it answers 429 with Retry-After in whole seconds.
func (s *server) rateLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		now := time.Now()
		wait := s.ipLimits.reserve(c.ClientIP(), now)
		if u := userFrom(c); u != nil && wait == 0 {
			wait = s.userLimits.reserve(u.ID, now)
		}
		if wait > 0 {
			secs := retryAfterSeconds(wait)
			c.Header("Retry-After", strconv.Itoa(secs))
			failProblem(c, Problem{Status: http.StatusTooManyRequests, Type: "rate-limited", RetryAfter: secs,
				Detail: fmt.Sprintf("too many requests; retry after %ds", secs)})
			return
		}
		c.Next()
	}
}
