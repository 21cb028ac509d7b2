package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult is what one load run saw.
type LoadResult struct {
	// Lat are the latencies of completed requests (open loop: from the
	// scheduled send time, so queueing is counted).
	Lat Durations
	// Codes counts responses by status; transport errors count as code 0.
	Codes map[int]int
	// Elapsed is the run's wall time.
	Elapsed time.Duration
	// FirstErr is the first transport error or unexpected status seen.
	FirstErr string
}

// RPS is completed requests per second.
func (r LoadResult) RPS() float64 { return float64(len(r.Lat)) / r.Elapsed.Seconds() }

// Errors counts responses that are neither 2xx nor one of allowed.
func (r LoadResult) Errors(allowed ...int) int {
	n := 0
	for c, k := range r.Codes {
		ok := c >= 200 && c < 300
		for _, a := range allowed {
			ok = ok || c == a
		}
		if !ok {
			n += k
		}
	}
	return n
}

// String summarises the run.
func (r LoadResult) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %s, p99 %s, %d requests, codes %v", r.RPS(), ms(r.Lat.Quantile(0.5)), ms(r.Lat.Quantile(0.99)), len(r.Lat), r.Codes)
}

// RequestFunc builds the i-th request.
type RequestFunc func(i int64) (*http.Request, error)

// NewClient returns a keep-alive client sized for conns connections.
func NewClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
}

type collector struct {
	mu  sync.Mutex
	res LoadResult
}

func (c *collector) do(client *http.Client, req *http.Request, start time.Time) {
	resp, err := client.Do(req)
	code := 0
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = resp.StatusCode
	}
	d := time.Since(start)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Codes[code]++
	c.res.Lat = append(c.res.Lat, d)
	if c.res.FirstErr == "" && (err != nil || code >= 400) {
		if err != nil {
			c.res.FirstErr = err.Error()
		} else {
			c.res.FirstErr = fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path, code)
		}
	}
}

// Closed runs conns workers that each send the next request as soon as the
// last one answered, for dur: the maximum throughput.
func Closed(ctx context.Context, client *http.Client, conns int, dur time.Duration, mk RequestFunc) (LoadResult, error) {
	c := &collector{res: LoadResult{Codes: map[int]int{}}}
	var seq atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var wg sync.WaitGroup
	var mkErr atomic.Value
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, err := mk(seq.Add(1))
				if err != nil {
					mkErr.Store(err)
					return
				}
				c.do(client, req.WithContext(context.WithoutCancel(ctx)), time.Now())
			}
		}()
	}
	wg.Wait()
	c.res.Elapsed = time.Since(start)
	if err, _ := mkErr.Load().(error); err != nil {
		return c.res, err
	}
	return c.res, nil
}

// Open sends requests at a fixed rate for dur regardless of answers, and
// measures each latency from its scheduled send time (no coordinated
// omission).
func Open(ctx context.Context, client *http.Client, rate float64, dur time.Duration, mk RequestFunc) (LoadResult, error) {
	c := &collector{res: LoadResult{Codes: map[int]int{}}}
	interval := time.Duration(float64(time.Second) / rate)
	n := int64(dur / interval)
	var wg sync.WaitGroup
	start := time.Now()
	for i := int64(0); i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		req, err := mk(i)
		if err != nil {
			return c.res, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.do(client, req, at)
		}()
	}
	wg.Wait()
	c.res.Elapsed = time.Since(start)
	return c.res, nil
}
