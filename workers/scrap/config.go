package scrap

import (
	"errors"
	"fmt"
	"time"
)

// Config configures a Worker. Zero fields take the defaults.
type Config struct {
	// ConsumerName is the dedupe namespace of handled messages (store.Once).
	ConsumerName string `envconfig:"CONSUMER_NAME" default:"scrap" desc:"dedupe namespace for handled scrape.requested messages"`
	// MaxAttempts is the delivery from which a transient fetch failure
	// (timeout, connection refused, 5xx) is recorded as a failed check
	// instead of being retried. It should not exceed the queue's redrive limit.
	MaxAttempts int `envconfig:"MAX_ATTEMPTS" default:"3" desc:"delivery count from which transient fetch errors are recorded as failed instead of retried"`
	// FetchTimeout bounds one whole fetch (redirects, retries, robots.txt).
	FetchTimeout time.Duration `envconfig:"FETCH_TIMEOUT" default:"2m" desc:"upper bound of one page fetch including retries"`
	// GroupCommitMax is the most messages whose outcomes are recorded in
	// one transaction (store.OnceGroup): concurrent handlers share one
	// COMMIT and one log flush. 1 records each message in its own
	// transaction (store.Once); 0 means DefaultGroupCommitMax.
	GroupCommitMax int `envconfig:"GROUP_COMMIT_MAX" default:"32" desc:"most handled messages recorded in one transaction; 1 records each in its own"`
	// Concurrency is how many scrape.requested messages one process handles
	// at once; it replaces DDOKSO_WORKER_CONCURRENCY for the scrap queue. A
	// handler mostly waits on a shop's answer (hundreds of ms) and the
	// handlers that finish together share one transaction, so the scrap
	// queue wants more handlers than the notify and batch queues: at 32 a
	// submission costs the pipeline about 0.7 ms of CPU, at 8 about 1.7 ms
	// (BENCHMARKS.md, row 4r). 0 means DefaultConcurrency.
	Concurrency int `envconfig:"CONCURRENCY" default:"32" desc:"scrape.requested messages handled at once per process (replaces DDOKSO_WORKER_CONCURRENCY for the scrap queue)"`
}

// Defaults for zero Config fields.
const (
	DefaultConsumerName = "scrap"
	DefaultMaxAttempts  = 3
	DefaultFetchTimeout = 2 * time.Minute
	// DefaultGroupCommitMax is GroupCommitMax's default.
	DefaultGroupCommitMax = 32
	// DefaultConcurrency is Concurrency's default.
	DefaultConcurrency = 32
)

func (c *Config) applyDefaults() {
	if c.ConsumerName == "" {
		c.ConsumerName = DefaultConsumerName
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.FetchTimeout == 0 {
		c.FetchTimeout = DefaultFetchTimeout
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
}

// groupCommitMax is GroupCommitMax, or its default when zero.
func (c *Config) groupCommitMax() int {
	if c.GroupCommitMax == 0 {
		return DefaultGroupCommitMax
	}
	return c.GroupCommitMax
}

// Validate applies defaults and reports invalid settings.
func (c *Config) Validate() error {
	c.applyDefaults()
	var errs []error
	if len(c.ConsumerName) > 64 {
		errs = append(errs, fmt.Errorf("scrap: consumer name longer than 64 bytes: %q", c.ConsumerName))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("scrap: max attempts must be >= 1, got %d", c.MaxAttempts))
	}
	if c.FetchTimeout < time.Second {
		errs = append(errs, fmt.Errorf("scrap: fetch timeout must be >= 1s, got %s", c.FetchTimeout))
	}
	if c.GroupCommitMax < 0 {
		errs = append(errs, fmt.Errorf("scrap: group commit max must be >= 1 (0: the default), got %d", c.GroupCommitMax))
	}
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("scrap: concurrency must be >= 1 (0: the default), got %d", c.Concurrency))
	}
	return errors.Join(errs...)
}
