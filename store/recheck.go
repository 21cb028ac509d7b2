package store

import "time"

// Re-check tiers: products people watch or look at are checked hourly,
// the rest daily; failing and blocked products back off exponentially.
const (
	HotInterval        = time.Hour
	ColdInterval       = 24 * time.Hour
	MaxBackoffInterval = 7 * 24 * time.Hour
	// PopularThreshold is the popularity from which an unwatched product is hot.
	PopularThreshold = 10
)

// NextCheck returns when a product should next be checked, given its demand
// and how many checks in a row have failed or been blocked.
func NextCheck(now time.Time, watchCount, popularity, consecutiveFailures int) time.Time {
	interval := ColdInterval
	if watchCount > 0 || popularity >= PopularThreshold {
		interval = HotInterval
	}
	for i := 0; i < consecutiveFailures && interval < MaxBackoffInterval; i++ {
		interval *= 2
	}
	if interval > MaxBackoffInterval {
		interval = MaxBackoffInterval
	}
	return now.Add(interval)
}
