package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Request is one fetch. ETag and LastModified, taken from a previous
// [Result], make it a conditional GET.
type Request struct {
	// URL is the absolute http or https URL to fetch.
	URL string
	// ETag is sent as If-None-Match when set.
	ETag string
	// LastModified is sent as If-Modified-Since when set.
	LastModified string
}

// Result is the outcome of a completed HTTP exchange. Any HTTP status yields
// a Result; check StatusCode, NotModified and Blocked.
type Result struct {
	// FinalURL is the URL after following redirects.
	FinalURL string
	// StatusCode is the HTTP status of the final response.
	StatusCode int
	// Header is the header of the final response.
	Header http.Header
	// Body is the decompressed body converted to UTF-8.
	Body []byte
	// Charset is the name of the encoding Body was decoded from ("utf-8",
	// "euc-kr", ...), empty for non-text bodies.
	Charset string
	// NotModified reports a 304 answer to a conditional request.
	NotModified bool
	// ETag and LastModified are the validators to send next time. On a 304
	// without validators they carry over those of the Request.
	ETag, LastModified string
	// Blocked reports that the site refused us (rate limit, bot challenge,
	// captcha, ...); BlockReason says why. See [DetectBlock].
	Blocked     bool
	BlockReason string
	// RetryAfter is the parsed Retry-After header of a 429 or 503, if any.
	RetryAfter time.Duration
	// Attempts is the number of exchanges made, including retries.
	Attempts int
	// Duration is the wall time of the whole Fetch call.
	Duration time.Duration
}

// Fetcher fetches product pages safely. It is safe for concurrent use.
type Fetcher struct {
	cfg       Config
	guard     *guard
	transport *http.Transport
	client    *http.Client
	robots    *robotsCache
}

// New returns a Fetcher for cfg with defaults applied to zero fields.
func New(cfg Config) (*Fetcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	g := newGuard(cfg)
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would bypass the address checks
		DialContext:            g.dialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    cfg.ConnectTimeout,
		ResponseHeaderTimeout:  cfg.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &Fetcher{
		cfg:       cfg,
		guard:     g,
		transport: transport,
		client: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse // redirects are followed by exchange
			},
		},
		robots: newRobotsCache(cfg.RobotsCacheSize),
	}, nil
}

// Close releases idle connections.
func (f *Fetcher) Close() {
	f.transport.CloseIdleConnections()
}

// Fetch GETs req.URL, following redirects, honouring robots.txt and the
// per-host Limiter, and retrying timeouts, connection resets and 5xx
// answers (unless they look like a block). It returns an error for refused
// destinations ([ErrForbiddenAddress]), robots.txt refusals
// ([ErrRobotsDisallowed]), oversize bodies ([ErrTooLarge]), timeouts
// ([ErrTimeout]) and other transport failures; every HTTP answer, including
// 4xx, 5xx and blocks, is a Result.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidURL, req.URL, err)
	}
	if !u.IsAbs() {
		return nil, fmt.Errorf("%w: %q is not absolute", ErrInvalidURL, req.URL)
	}
	if err := f.guard.checkURL(u); err != nil {
		return nil, err
	}

	var res *Result
	for attempt := 0; ; attempt++ {
		var resp *response
		resp, err = f.exchange(ctx, u, req, f.cfg.MaxBodyBytes, false)
		if err == nil {
			res = buildResult(resp, req)
			res.Attempts = attempt + 1
		}
		if attempt >= f.cfg.Retries || !f.retryable(ctx, res, err) {
			break
		}
		delay := f.backoff(attempt)
		f.cfg.Logger.DebugContext(ctx, "fetch retry", "url", u.Redacted(), "attempt", attempt+1, "delay", delay, "status", statusOf(res), "err", err)
		if serr := sleepCtx(ctx, delay); serr != nil {
			return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), serr)
		}
		res = nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	res.Duration = time.Since(start)
	return res, nil
}

func statusOf(r *Result) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// response is one final HTTP answer with its raw (decompressed) body.
type response struct {
	url    *url.URL
	status int
	header http.Header
	body   []byte
}

func buildResult(resp *response, req Request) *Result {
	body, cs := decodeBody(resp.body, resp.header.Get("Content-Type"))
	res := &Result{
		FinalURL:     resp.url.String(),
		StatusCode:   resp.status,
		Header:       resp.header,
		Body:         body,
		Charset:      cs,
		NotModified:  resp.status == http.StatusNotModified,
		ETag:         resp.header.Get("ETag"),
		LastModified: resp.header.Get("Last-Modified"),
	}
	if res.NotModified {
		if res.ETag == "" {
			res.ETag = req.ETag
		}
		if res.LastModified == "" {
			res.LastModified = req.LastModified
		}
	}
	if resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable {
		res.RetryAfter = parseRetryAfter(resp.header.Get("Retry-After"), time.Now())
	}
	res.Blocked, res.BlockReason = DetectBlock(resp.status, resp.header, body)
	return res
}

// parseRetryAfter understands delta-seconds and HTTP dates.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// exchange performs one GET of u including its redirect chain. Each hop is
// checked against the guard and robots.txt (unless robotsFetch) and waits for
// the Limiter. robotsFetch also truncates instead of failing on big bodies.
func (f *Fetcher) exchange(ctx context.Context, u *url.URL, req Request, maxBody int64, robotsFetch bool) (*response, error) {
	for hop := 0; ; hop++ {
		if err := f.guard.checkURL(u); err != nil {
			return nil, err
		}
		if !robotsFetch {
			if err := f.checkRobots(ctx, u); err != nil {
				return nil, err
			}
		}
		if f.cfg.Limiter != nil {
			if err := f.cfg.Limiter.Wait(ctx, u.Hostname()); err != nil {
				return nil, err
			}
		}
		resp, err := f.roundTrip(ctx, u, req, maxBody, robotsFetch)
		if err != nil {
			return nil, err
		}
		loc := resp.header.Get("Location")
		if !isRedirect(resp.status) || loc == "" {
			return resp, nil
		}
		if hop >= f.cfg.MaxRedirects {
			if robotsFetch {
				return resp, nil
			}
			return nil, fmt.Errorf("%w: stopped after %d redirects at %s", ErrTooManyRedirects, hop, u.Redacted())
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("%w: redirect location %q: %w", ErrInvalidURL, loc, err)
		}
		next.Fragment, next.RawFragment = "", ""
		u = next
	}
}

// roundTrip sends one request and reads its body within TotalTimeout.
func (f *Fetcher) roundTrip(ctx context.Context, u *url.URL, req Request, maxBody int64, truncate bool) (*response, error) {
	hctx, cancel := context.WithTimeout(ctx, f.cfg.TotalTimeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(hctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	hreq.Header.Set("User-Agent", f.cfg.UserAgent)
	hreq.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	hreq.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en-US;q=0.6,en;q=0.5")
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	hresp, err := f.client.Do(hreq)
	if err != nil {
		return nil, classify(ctx, hctx, err)
	}
	defer hresp.Body.Close()
	if !truncate && hresp.ContentLength > maxBody {
		return nil, fmt.Errorf("%w: content-length %d exceeds %d bytes", ErrTooLarge, hresp.ContentLength, maxBody)
	}
	// Read on the decompressed stream, so compressed bombs are capped too.
	body, err := io.ReadAll(io.LimitReader(hresp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", classify(ctx, hctx, err))
	}
	if int64(len(body)) > maxBody {
		if !truncate {
			return nil, fmt.Errorf("%w: body exceeds %d bytes", ErrTooLarge, maxBody)
		}
		body = body[:maxBody]
	}
	return &response{url: u, status: hresp.StatusCode, header: hresp.Header, body: body}, nil
}

// classify marks timeouts of a single exchange with ErrTimeout. Deadlines or
// cancellation of the caller's ctx are left as they are.
func classify(ctx, hctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, ErrForbiddenAddress) {
		return err
	}
	var ne net.Error
	if errors.Is(hctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// retryable reports whether another attempt may help.
func (f *Fetcher) retryable(ctx context.Context, res *Result, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err == nil {
		return res.StatusCode >= 500 && !res.Blocked
	}
	if errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrRobotsDisallowed) ||
		errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooManyRedirects) || errors.Is(err, ErrInvalidURL) {
		return false
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, ErrTimeout),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &dnsErr):
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	return false
}

// backoff returns the delay before retry number attempt+1: exponential from
// RetryBase, capped at RetryMax, with "equal jitter" (half fixed, half
// random) so that concurrent workers spread out.
func (f *Fetcher) backoff(attempt int) time.Duration {
	d := f.cfg.RetryBase
	for range attempt {
		if d >= f.cfg.RetryMax {
			break
		}
		d *= 2
	}
	d = min(d, f.cfg.RetryMax)
	half := d / 2
	return half + rand.N(half+1)
}

func isForbidden(err error) bool { return errors.Is(err, ErrForbiddenAddress) }
