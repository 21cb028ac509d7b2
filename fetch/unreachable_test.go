package fetch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// TestFetchUnreachableHost: a host whose name does not resolve or that
// refuses connections is reported as unreachable (ErrUnreachable) whichever
// step meets the failure first, robots.txt or the page, and never as a
// robots.txt refusal.
func TestFetchUnreachableHost(t *testing.T) {
	t.Parallel()
	env := setup(t)
	refused := closedPort(t)

	tests := []struct {
		name         string
		ignoreRobots bool
		url          func() string
		want         string // in the error text
	}{
		{"unresolvable name at the robots.txt step", false,
			func() string { return "http://no-such-shop.invalid/p/1" }, "dns lookup of no-such-shop.invalid"},
		{"unresolvable name at the page step", true,
			func() string { return "http://no-such-shop.invalid/p/1" }, "dns lookup of no-such-shop.invalid"},
		{"refused connection at the robots.txt step", false,
			func() string { return fmt.Sprintf("http://127.0.0.1:%d/p/1", refused) }, "connect to 127.0.0.1"},
		{"refused connection at the page step", true,
			func() string { return fmt.Sprintf("http://127.0.0.1:%d/p/1", refused) }, "connect to 127.0.0.1"},
		{"redirect to an unresolvable host", false,
			func() string { return env.url("/moved") }, "dns lookup of gone-shop.invalid"},
	}
	env.mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("http://gone-shop.invalid:%d/p/1", serverPort(t, env.srv.URL)), http.StatusFound)
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := New(Config{
				AllowLoopback: true,
				Ports:         []int{80, refused, serverPort(t, env.srv.URL)},
				IgnoreRobots:  tt.ignoreRobots,
				RetryBase:     time.Millisecond,
				RetryMax:      5 * time.Millisecond,
			})
			require.NoError(t, err)
			t.Cleanup(f.Close)

			res, err := f.Fetch(context.Background(), Request{URL: tt.url()})
			require.Nil(t, res)
			require.ErrorIs(t, err, ErrUnreachable)
			require.NotErrorIs(t, err, ErrRobotsDisallowed)
			require.Contains(t, err.Error(), "host could not be reached")
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestFetchRobotsUnreachableIsCachedAsThatFailure: while robots.txt could
// not be fetched, nothing on the origin is fetched (RFC 9309: full
// disallow) and the failure, not a robots.txt refusal, is what the caller
// sees, until RobotsErrorTTL passes.
func TestFetchRobotsUnreachableIsCachedAsThatFailure(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	f, err := New(Config{AllowLoopback: true, Ports: []int{port}, Retries: -1, RobotsErrorTTL: time.Hour})
	require.NoError(t, err)
	t.Cleanup(f.Close)
	u := fmt.Sprintf("http://127.0.0.1:%d/p/1", port)

	_, err = f.Fetch(context.Background(), Request{URL: u})
	require.ErrorIs(t, err, ErrUnreachable)

	// A server now listens on the port, but the cached failure still
	// stands for this origin: no request reaches it.
	ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Skipf("port %d was taken meanwhile: %v", port, err)
	}
	hits := make(chan struct{}, 10)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- struct{}{}
		http.NotFound(w, r)
	}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	_, err = f.Fetch(context.Background(), Request{URL: u})
	require.ErrorIs(t, err, ErrUnreachable)
	require.Contains(t, err.Error(), "robots.txt")
	require.Empty(t, hits)
}

// TestFetchRobotsTimeoutIsATimeout: a robots.txt that never answers gives
// ErrTimeout, not a robots.txt refusal, and the page is not requested.
func TestFetchRobotsTimeoutIsATimeout(t *testing.T) {
	t.Parallel()
	env := setup(t, func(c *Config) { c.TotalTimeout = 100 * time.Millisecond; c.Retries = -1 })
	pageHits := make(chan struct{}, 10)
	env.mux.HandleFunc("/robots.txt", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	env.mux.HandleFunc("/p/1", func(w http.ResponseWriter, r *http.Request) {
		pageHits <- struct{}{}
		serveHTML(productPage)(w, r)
	})

	_, err := env.fetch(t, "/p/1")
	require.ErrorIs(t, err, ErrTimeout)
	require.NotErrorIs(t, err, ErrRobotsDisallowed)
	require.Empty(t, pageHits)
}
