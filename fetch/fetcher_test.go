package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// productPage is a realistic, non-tiny product page.
var productPage = `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>무선 이어폰 - 쇼핑</title></head><body>` +
	strings.Repeat(`<div class="desc">상품 상세 설명입니다. 배송은 2~3일 소요됩니다.</div>`, 20) +
	`<span class="price">정가 12,900원</span></body></html>`

func serveHTML(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

func TestFetchOK(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var gotUA, gotLang string
	env.mux.HandleFunc("/p/1", func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotLang = r.UserAgent(), r.Header.Get("Accept-Language")
		serveHTML(productPage)(w, r)
	})

	res, err := env.fetch(t, "/p/1")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, env.url("/p/1"), res.FinalURL)
	require.Equal(t, productPage, string(res.Body))
	require.Equal(t, "utf-8", res.Charset)
	require.False(t, res.Blocked, res.BlockReason)
	require.Equal(t, 1, res.Attempts)
	require.Positive(t, res.Duration)
	require.Equal(t, DefaultUserAgent, gotUA)
	require.True(t, strings.HasPrefix(gotLang, "ko"))
}

func TestFetchFollowsRedirects(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/mid", http.StatusMovedPermanently)
	})
	env.mux.HandleFunc("/mid", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, env.url("/p/2#frag"), http.StatusFound)
	})
	env.mux.HandleFunc("/p/2", serveHTML(productPage))

	res, err := env.fetch(t, "/short")
	require.NoError(t, err)
	require.Equal(t, env.url("/p/2"), res.FinalURL)
	require.Equal(t, http.StatusOK, res.StatusCode)
}

func TestFetchTooManyRedirects(t *testing.T) {
	t.Parallel()
	env := setup(t, func(c *Config) { c.MaxRedirects = 3 })
	var hits atomic.Int32
	env.mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/loop", http.StatusFound)
	})

	_, err := env.fetch(t, "/loop")
	require.ErrorIs(t, err, ErrTooManyRedirects)
	require.EqualValues(t, 4, hits.Load(), "the first request plus 3 redirects, and no retries")
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestFetchGzip(t *testing.T) {
	t.Parallel()
	env := setup(t)
	compressed := gzipped(t, []byte(productPage))
	var acceptEncoding string
	env.mux.HandleFunc("/gz", func(w http.ResponseWriter, r *http.Request) {
		acceptEncoding = r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(compressed)
	})

	res, err := env.fetch(t, "/gz")
	require.NoError(t, err)
	require.Contains(t, acceptEncoding, "gzip")
	require.Equal(t, productPage, string(res.Body))
}

func TestFetchGzipBombRespectsMaxBody(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	env := setup(t, func(c *Config) { c.MaxBodyBytes = limit })
	bomb := gzipped(t, bytes.Repeat([]byte("A"), 1<<20)) // 1 MiB -> ~1 KiB
	require.Less(t, len(bomb), limit, "the compressed size alone must be under the limit")
	env.mux.HandleFunc("/bomb", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	})

	_, err := env.fetch(t, "/bomb")
	require.ErrorIs(t, err, ErrTooLarge)
}

func TestFetchOversizeBody(t *testing.T) {
	t.Parallel()
	const limit = 4 << 10
	env := setup(t, func(c *Config) { c.MaxBodyBytes = limit })
	big := strings.Repeat("x", limit+1)
	env.mux.HandleFunc("/with-length", serveHTML(big)) // Content-Length set
	env.mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for i := 0; i <= limit; i += 1024 {
			_, _ = w.Write([]byte(strings.Repeat("y", 1024)))
			w.(http.Flusher).Flush()
		}
	})
	env.mux.HandleFunc("/exact", serveHTML(big[:limit]))

	_, err := env.fetch(t, "/with-length")
	require.ErrorIs(t, err, ErrTooLarge)
	_, err = env.fetch(t, "/chunked")
	require.ErrorIs(t, err, ErrTooLarge)
	res, err := env.fetch(t, "/exact")
	require.NoError(t, err, "a body of exactly MaxBodyBytes is fine")
	require.Len(t, res.Body, limit)
}

func TestFetchConditionalGET(t *testing.T) {
	t.Parallel()
	env := setup(t)
	const etag = `"v42"`
	const lastMod = "Wed, 21 Oct 2015 07:28:00 GMT"
	env.mux.HandleFunc("/p/3", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		serveHTML(productPage)(w, r)
	})

	first, err := env.fetch(t, "/p/3")
	require.NoError(t, err)
	require.False(t, first.NotModified)
	require.Equal(t, etag, first.ETag)
	require.Equal(t, lastMod, first.LastModified)

	second, err := env.f.Fetch(context.Background(), Request{URL: env.url("/p/3"), ETag: first.ETag, LastModified: first.LastModified})
	require.NoError(t, err)
	require.True(t, second.NotModified)
	require.Equal(t, http.StatusNotModified, second.StatusCode)
	require.Empty(t, second.Body)
	require.False(t, second.Blocked)
	require.Equal(t, etag, second.ETag, "validators carry over a 304 without them")
	require.Equal(t, lastMod, second.LastModified)
}

func TestFetchRetries5xxThenSucceeds(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var hits atomic.Int32
	env.mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			http.Error(w, "upstream error", http.StatusBadGateway)
			return
		}
		serveHTML(productPage)(w, r)
	})

	res, err := env.fetch(t, "/flaky")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 3, res.Attempts)
	require.EqualValues(t, 3, hits.Load())
}

func TestFetchGivesUpAfterRetries(t *testing.T) {
	t.Parallel()
	env := setup(t, func(c *Config) { c.Retries = 1 })
	var hits atomic.Int32
	env.mux.HandleFunc("/down", func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "maintenance", http.StatusInternalServerError)
	})

	res, err := env.fetch(t, "/down")
	require.NoError(t, err, "an HTTP answer is a result, not an error")
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	require.Equal(t, 2, res.Attempts)
	require.EqualValues(t, 2, hits.Load())
}

func TestFetchDoesNotRetry4xx(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var hits atomic.Int32
	env.mux.HandleFunc("/gone", func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, strings.Repeat("not found ", 100), http.StatusNotFound)
	})

	res, err := env.fetch(t, "/gone")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.False(t, res.Blocked)
	require.EqualValues(t, 1, hits.Load())
}

func TestFetch429IsBlockedAndNotRetried(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var hits atomic.Int32
	env.mux.HandleFunc("/busy", func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "120")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	})

	res, err := env.fetch(t, "/busy")
	require.NoError(t, err)
	require.True(t, res.Blocked)
	require.Equal(t, "http 429 (retry-after 120)", res.BlockReason)
	require.Equal(t, 120*time.Second, res.RetryAfter)
	require.EqualValues(t, 1, hits.Load())
}

func TestFetch503ChallengeIsBlockedAndNotRetried(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var hits atomic.Int32
	env.mux.HandleFunc("/cf", func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(cloudflareChallenge))
	})

	res, err := env.fetch(t, "/cf")
	require.NoError(t, err)
	require.True(t, res.Blocked)
	require.Equal(t, "captcha: cloudflare challenge", res.BlockReason)
	require.EqualValues(t, 1, hits.Load())
}

func TestFetchSlowHeaderTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	env := setup(t, func(c *Config) {
		c.HeaderTimeout = 50 * time.Millisecond
		c.Retries = -1
	})
	t.Cleanup(func() { close(release) }) // runs before the server closes
	env.mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})

	_, err := env.fetch(t, "/slow")
	require.ErrorIs(t, err, ErrTimeout)
}

func TestFetchTotalTimeoutCoversBody(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	env := setup(t, func(c *Config) {
		c.TotalTimeout = 100 * time.Millisecond
		c.Retries = -1
	})
	t.Cleanup(func() { close(release) })
	env.mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})

	_, err := env.fetch(t, "/trickle")
	require.ErrorIs(t, err, ErrTimeout)
}

func TestFetchRetriesConnectionReset(t *testing.T) {
	t.Parallel()
	// No robots.txt request first: net/http itself retries a GET that failed
	// on a reused connection, which would hide our retry.
	env := setup(t, func(c *Config) { c.IgnoreRobots = true })
	var hits atomic.Int32
	env.mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close() // no response at all
			}
			return
		}
		serveHTML(productPage)(w, r)
	})

	res, err := env.fetch(t, "/reset")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 2, res.Attempts)
	require.EqualValues(t, 2, hits.Load())
}

func TestFetchCallerCancellationIsNotRetried(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	env := setup(t)
	t.Cleanup(func() { close(release) })
	var hits atomic.Int32
	env.mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	// The deadline must leave room for robots.txt and the request to reach
	// the handler on a loaded machine (50 ms did not), and end well before
	// the fetcher's own timeouts (seconds).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	_, err := env.f.Fetch(ctx, Request{URL: env.url("/hang")})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, errors.Is(err, ErrTimeout), "the caller's deadline is not a fetch timeout")
	require.EqualValues(t, 1, hits.Load())
}

// recordingLimiter records the hosts it is asked about.
type recordingLimiter struct {
	mu    sync.Mutex
	hosts []string
}

func (l *recordingLimiter) Wait(_ context.Context, host string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hosts = append(l.hosts, host)
	return nil
}

func TestFetchWaitsForLimiterOnEveryRequest(t *testing.T) {
	t.Parallel()
	lim := &recordingLimiter{}
	env := setup(t, func(c *Config) { c.Limiter = lim })
	env.mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	})
	env.mux.HandleFunc("/new", serveHTML(productPage))

	_, err := env.fetch(t, "/old")
	require.NoError(t, err)
	// robots.txt, /old, /new
	require.Equal(t, []string{"127.0.0.1", "127.0.0.1", "127.0.0.1"}, lim.hosts)
}

func TestFetchLimiterErrorAborts(t *testing.T) {
	t.Parallel()
	env := setup(t, func(c *Config) { c.Limiter = NewLocalLimiter(time.Hour); c.IgnoreRobots = true })
	env.mux.HandleFunc("/p", serveHTML(productPage))

	_, err := env.fetch(t, "/p")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = env.f.Fetch(ctx, Request{URL: env.url("/p")})
	require.Error(t, err, "the second request within the hour must wait past the deadline")
}

func BenchmarkFetch(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("/p/1", serveHTML(productPage))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f, err := New(Config{AllowLoopback: true, Ports: []int{serverPort(b, srv.URL)}, IgnoreRobots: true})
	require.NoError(b, err)
	defer f.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := f.Fetch(ctx, Request{URL: srv.URL + "/p/1"})
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatal(err)
		}
	}
}
