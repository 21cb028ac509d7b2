package fetch

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/sync/singleflight"
)

// maxRobotsBytes is how much of a robots.txt is parsed (RFC 9309 asks
// crawlers to parse at least 500 KiB).
const maxRobotsBytes = 512 << 10

// robotsCache caches parsed robots.txt files per origin with a TTL and a
// bound on the number of entries.
type robotsCache struct {
	size  int
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]robotsEntry
}

type robotsEntry struct {
	data    *robotstxt.RobotsData
	err     error // robots.txt could not be fetched (unreachable host, timeout)
	expires time.Time
}

func newRobotsCache(size int) *robotsCache {
	return &robotsCache{size: size, entries: make(map[string]robotsEntry)}
}

func (c *robotsCache) get(origin string, now time.Time) (robotsEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[origin]
	if !ok || now.After(e.expires) {
		return robotsEntry{}, false
	}
	return e, true
}

func (c *robotsCache) put(origin string, e robotsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[origin]; !ok && len(c.entries) >= c.size {
		c.evictLocked(time.Now())
	}
	c.entries[origin] = e
}

// evictLocked drops expired entries, or failing that the entry expiring
// soonest.
func (c *robotsCache) evictLocked(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, k)
			continue
		}
		if oldest == "" || e.expires.Before(oldestAt) {
			oldest, oldestAt = k, e.expires
		}
	}
	if len(c.entries) >= c.size && oldest != "" {
		delete(c.entries, oldest)
	}
}

func (c *robotsCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// checkRobots returns ErrRobotsDisallowed if u may not be fetched.
func (f *Fetcher) checkRobots(ctx context.Context, u *url.URL) error {
	if f.cfg.IgnoreRobots {
		return nil
	}
	if u.Path == "/robots.txt" {
		return nil
	}
	origin := u.Scheme + "://" + u.Host
	e, ok := f.robots.get(origin, time.Now())
	if !ok {
		v, err, _ := f.robots.group.Do(origin, func() (any, error) {
			return f.loadRobots(ctx, origin)
		})
		if err != nil {
			return err
		}
		e = v.(robotsEntry)
	}
	if e.err != nil {
		return fmt.Errorf("robots.txt: %w", e.err)
	}
	data := e.data
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !data.TestAgent(path, f.cfg.RobotsAgent) {
		return fmt.Errorf("%w: %s", ErrRobotsDisallowed, u.Redacted())
	}
	return nil
}

// loadRobots fetches, parses and caches origin's robots.txt. A 4xx means
// allow all; a 5xx means a temporary full disallow cached for
// RobotsErrorTTL (RFC 9309 section 2.3.1). A network failure (unreachable
// host, timeout, reset) is cached for RobotsErrorTTL too, as that failure:
// nothing on the origin is fetched meanwhile (RFC 9309's full disallow), and
// the caller learns the real cause instead of "disallowed by robots.txt".
// Forbidden destinations and cancellation are returned as errors and not
// cached.
func (f *Fetcher) loadRobots(ctx context.Context, origin string) (robotsEntry, error) {
	ru, err := url.Parse(origin + "/robots.txt")
	if err != nil {
		return robotsEntry{}, fmt.Errorf("%w: robots url for %q: %v", ErrInvalidURL, origin, err)
	}
	log := f.cfg.Logger.With("origin", origin)
	resp, err := f.exchange(ctx, ru, Request{}, maxRobotsBytes, true)
	ttl := f.cfg.RobotsTTL
	var data *robotstxt.RobotsData
	switch {
	case err != nil && (isForbidden(err) || ctx.Err() != nil):
		return robotsEntry{}, fmt.Errorf("robots.txt: %w", err)
	case err != nil:
		log.DebugContext(ctx, "robots.txt could not be fetched, fetching nothing on the origin for now", "err", err)
		e := robotsEntry{err: err, expires: time.Now().Add(f.cfg.RobotsErrorTTL)}
		f.robots.put(origin, e)
		return e, nil
	case resp.status >= 500:
		log.DebugContext(ctx, "robots.txt server error, disallowing temporarily", "status", resp.status)
		data, _ = robotstxt.FromStatusAndBytes(resp.status, nil)
		ttl = f.cfg.RobotsErrorTTL
	case resp.status >= 400:
		data, _ = robotstxt.FromStatusAndBytes(resp.status, nil)
	case resp.status >= 300:
		// Redirect chain too long or without Location: RFC 9309 lets us
		// treat robots.txt as unavailable (allow all).
		data, _ = robotstxt.FromStatusAndBytes(404, nil)
	default:
		data, err = robotstxt.FromStatusAndBytes(resp.status, resp.body)
		if err != nil {
			log.WarnContext(ctx, "robots.txt unparsable, allowing all", "err", err)
			data, _ = robotstxt.FromStatusAndBytes(404, nil)
		}
	}
	e := robotsEntry{data: data, expires: time.Now().Add(ttl)}
	f.robots.put(origin, e)
	return e, nil
}
