package chaos

import (
	"errors"
	"fmt"
	"time"
)

// Config is one chaos run's profile.
type Config struct {
	// Submissions is the number of URLs submitted through the API (one per product).
	Submissions int
	// WatchShare is the share (0..1) of good products that get a watch.
	WatchShare float64
	// Concurrency is the number of concurrent API clients.
	Concurrency int
	// MoveDuration is how long prices move and re-scrape ticks run.
	MoveDuration time.Duration
	// TickEvery is the period of harness-sent rescrape.due ticks.
	TickEvery time.Duration
	// MovesPerTick is how many shop products change before each tick.
	MovesPerTick int
	// KillEvery is the period of kill -9 of a random worker process; 0 disables.
	KillEvery time.Duration
	// SESKillEvery, when positive, kills notify-1 inside every Nth SES call
	// it makes while prices move: after SES accepted the mail, before the
	// worker sees the answer (see sesFault).
	SESKillEvery int
	// RestartDB crash-restarts the harness's MariaDB once.
	RestartDB bool
	// RestartEmulator restarts the AWS emulators (fauxqs and moto) once.
	RestartEmulator bool
	// FaultRate is the shop's random fault chance on good products.
	FaultRate float64
	// BadShare is the share of products whose pages always fail (429, 500, captcha, not a product).
	BadShare float64
	// Settle bounds each wait for the system to finish its work.
	Settle time.Duration
	// OutDir receives report.md, report.json and process logs.
	OutDir string
	// Binary is a built ddokso binary; empty builds one from the module.
	Binary string
	// Seed makes the shop's catalogue and script reproducible.
	Seed uint64
}

// Full is the `make chaos` profile.
func Full() Config {
	return Config{Submissions: 10000, WatchShare: 0.1, Concurrency: 16, MoveDuration: 3 * time.Minute,
		TickEvery: 10 * time.Second, MovesPerTick: 150, KillEvery: 4 * time.Second, SESKillEvery: 8, RestartDB: true,
		RestartEmulator: true, FaultRate: 0.03, BadShare: 0.02, Settle: 15 * time.Minute, OutDir: "build/chaos", Seed: 1}
}

// Short is the profile `make test-long` runs (TestLongChaosShortProfile).
func Short() Config {
	return Config{Submissions: 200, WatchShare: 0.25, Concurrency: 8, MoveDuration: 40 * time.Second,
		TickEvery: 8 * time.Second, MovesPerTick: 25, KillEvery: 5 * time.Second, SESKillEvery: 3, RestartDB: true,
		RestartEmulator: true, FaultRate: 0.03, BadShare: 0.04, Settle: 4 * time.Minute, OutDir: "build/chaos-short", Seed: 2}
}

// Validate checks ranges.
func (c Config) Validate() error {
	var errs []error
	if c.Submissions < 10 {
		errs = append(errs, fmt.Errorf("submissions must be >= 10, got %d", c.Submissions))
	}
	if c.WatchShare < 0 || c.WatchShare > 1 || c.FaultRate < 0 || c.FaultRate > 1 || c.BadShare < 0 || c.BadShare > 0.5 {
		errs = append(errs, errors.New("watch share and fault rate must be in 0..1, bad share in 0..0.5"))
	}
	if c.Concurrency < 1 || c.TickEvery <= 0 || c.MovesPerTick < 0 || c.Settle <= 0 || c.KillEvery < 0 || c.SESKillEvery < 0 {
		errs = append(errs, errors.New("concurrency, tick period and settle time must be positive"))
	}
	if c.OutDir == "" {
		errs = append(errs, errors.New("out dir is required"))
	}
	return errors.Join(errs...)
}
