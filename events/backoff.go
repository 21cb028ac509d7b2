package events

import (
	"math/rand/v2"
	"time"
)

// Backoff computes retry delays: exponential in the attempt number, capped,
// with full jitter over the upper half so that retries of a burst spread out.
type Backoff struct {
	// Base is the delay after the first failure. Default 2s.
	Base time.Duration
	// Max caps the delay. Default 10m (SQS allows up to 12h).
	Max time.Duration
}

// Delay returns the delay before attempt number attempt+1, attempt >= 1.
func (b Backoff) Delay(attempt int) time.Duration {
	base, maxD := b.Base, b.Max
	if base <= 0 {
		base = 2 * time.Second
	}
	if maxD <= 0 {
		maxD = 10 * time.Minute
	}
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt && d < maxD; i++ {
		d *= 2
	}
	if d > maxD {
		d = maxD
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}
