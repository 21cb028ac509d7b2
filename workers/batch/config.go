package batch

import (
	"errors"
	"fmt"
	"time"
)

// Config configures a Worker. Zero values take the defaults shown in the
// envconfig tags (Validate applies them).
type Config struct {
	// PageSize is how many due products one keyset page claims.
	PageSize int `envconfig:"PAGE_SIZE" default:"1000" desc:"due products claimed per keyset page"`
	// Lease is how long a queued product is not selected again.
	Lease time.Duration `envconfig:"LEASE" default:"30m" desc:"how long a queued product is not re-selected"`
	// SendConcurrency bounds the concurrent SendMessageBatch calls of NewSQSEnqueuer.
	SendConcurrency int `envconfig:"SEND_CONCURRENCY" default:"8" desc:"concurrent SQS SendMessageBatch calls"`
	// TickPeriod is the rescrape.due schedule's period.
	TickPeriod time.Duration `envconfig:"TICK_PERIOD" default:"10m" desc:"period of the rescrape.due schedule"`
	// HostInterval is the per-host politeness interval of the scrap worker.
	HostInterval time.Duration `envconfig:"HOST_INTERVAL" default:"2s" desc:"minimum interval between fetches of one host"`
	// HostBudget caps the products of one host enqueued per tick; 0 means
	// TickPeriod / HostInterval, so a tick never queues more for a host than
	// the fetch limiter lets through before the next tick.
	HostBudget int `envconfig:"HOST_BUDGET" default:"0" desc:"max products per host per tick; 0 = tick period / host interval"`
	// NewGrace is how old a never-checked product must be before the batch
	// picks it up (the submitting request scrapes it first).
	NewGrace time.Duration `envconfig:"NEW_GRACE" default:"1m" desc:"age before a never-checked product is due"`
	// Retention of processed_messages, published outbox rows and tick records.
	Retention time.Duration `envconfig:"RETENTION" default:"168h" desc:"retention of processed-message, outbox and tick rows"`
	// ObservationKeep is how long unchanged price observations are kept.
	ObservationKeep time.Duration `envconfig:"OBSERVATION_KEEP" default:"2160h" desc:"age after which unchanged price observations are compacted"`
	// ScrapeRequestTTL is the age after which pending scrape requests expire.
	ScrapeRequestTTL time.Duration `envconfig:"SCRAPE_REQUEST_TTL" default:"1h" desc:"age after which pending scrape requests expire"`
	// RequeueAfter is how long a scrape request may stay pending before its
	// scrape.requested is published again. The batch worker checks every
	// RequeueInterval(RequeueAfter) (a fifth of it, at most a minute), so a
	// lost request is re-queued between RequeueAfter and that much later.
	RequeueAfter time.Duration `envconfig:"REQUEUE_AFTER" default:"5m" desc:"age after which a pending scrape request is re-queued (checked every fifth of it, at most every minute)"`
	// MaxRequeues bounds the re-queues of one request; then it waits for expiry.
	MaxRequeues int `envconfig:"MAX_REQUEUES" default:"2" desc:"re-queues of one pending scrape request before it is left to expire"`
	// CleanupBatch is the row count of one bounded DELETE/UPDATE.
	CleanupBatch int `envconfig:"CLEANUP_BATCH" default:"5000" desc:"rows per bounded cleanup statement"`
	// CleanupRate caps the unchanged observations the daily compaction
	// examines per second (it sleeps between chunks of 50 to stay under
	// it); 0, the default, leaves it unpaced. Measured at full size
	// (BENCHMARKS.md), 1,600/s stretched a day from ~90 s to 260–280 s
	// without lowering the writers' p99 beyond run-to-run noise, so it is
	// a knob for a server whose flushing the sweep outruns, not a default.
	CleanupRate int `envconfig:"CLEANUP_RATE" default:"0" desc:"unchanged observations examined per second by the daily compaction; 0 = unpaced"`
	// DigestTimezone names the time zone whose date a digest covers.
	DigestTimezone string `envconfig:"DIGEST_TIMEZONE" default:"Asia/Seoul" desc:"time zone of the digest day"`
	// DigestWindow is how far back a digest looks for activity.
	DigestWindow time.Duration `envconfig:"DIGEST_WINDOW" default:"24h" desc:"activity window of the daily digest"`
}

// Validate applies defaults to zero fields and checks ranges.
//
// Complexity (above 20): one default and one check per setting.
func (c *Config) Validate() error {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.PageSize == 0 {
		c.PageSize = 1000
	}
	if c.SendConcurrency == 0 {
		c.SendConcurrency = 8
	}
	if c.CleanupBatch == 0 {
		c.CleanupBatch = 5000
	}
	if c.DigestTimezone == "" {
		c.DigestTimezone = "Asia/Seoul"
	}
	def(&c.Lease, 30*time.Minute)
	def(&c.TickPeriod, 10*time.Minute)
	def(&c.HostInterval, 2*time.Second)
	def(&c.NewGrace, time.Minute)
	def(&c.Retention, 7*24*time.Hour)
	def(&c.ObservationKeep, 90*24*time.Hour)
	def(&c.ScrapeRequestTTL, time.Hour)
	def(&c.RequeueAfter, 5*time.Minute)
	if c.MaxRequeues == 0 {
		c.MaxRequeues = 2
	}
	def(&c.DigestWindow, 24*time.Hour)
	switch {
	case c.PageSize < 1 || c.PageSize > 50000:
		return fmt.Errorf("batch: page size must be 1..50000, got %d", c.PageSize)
	case c.SendConcurrency < 1 || c.SendConcurrency > 256:
		return fmt.Errorf("batch: send concurrency must be 1..256, got %d", c.SendConcurrency)
	case c.CleanupBatch < 1 || c.CleanupBatch > 100000:
		return fmt.Errorf("batch: cleanup batch must be 1..100000, got %d", c.CleanupBatch)
	case c.CleanupRate < 0 || c.CleanupRate > 1_000_000:
		return fmt.Errorf("batch: cleanup rate must be 0 (unpaced)..1000000 rows/s, got %d", c.CleanupRate)
	case c.HostBudget < 0:
		return errors.New("batch: host budget must not be negative")
	case c.Lease < 0 || c.TickPeriod < 0 || c.HostInterval < 0 || c.NewGrace < 0 || c.Retention < 0 ||
		c.ObservationKeep < 0 || c.ScrapeRequestTTL < 0 || c.DigestWindow < 0:
		return errors.New("batch: durations must not be negative")
	case c.Lease < c.TickPeriod:
		return fmt.Errorf("batch: lease %s shorter than the tick period %s would queue a product twice", c.Lease, c.TickPeriod)
	}
	if _, err := time.LoadLocation(c.DigestTimezone); err != nil {
		return fmt.Errorf("batch: digest timezone %q: %w", c.DigestTimezone, err)
	}
	return nil
}

// hostBudget is the number of products of one host a tick may enqueue.
func (c Config) hostBudget() int {
	if c.HostBudget > 0 {
		return c.HostBudget
	}
	n := int(c.TickPeriod / c.HostInterval)
	if n < 1 {
		n = 1
	}
	return n
}
