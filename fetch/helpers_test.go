package fetch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testEnv is an httptest server on loopback and a Fetcher allowed to reach
// it.
type testEnv struct {
	srv *httptest.Server
	mux *http.ServeMux
	f   *Fetcher
	cfg Config
}

// setup starts a loopback server (robots.txt answers 404 unless the test
// registers its own handler) and a Fetcher with AllowLoopback and the
// server's port allowed. mutate adjusts the config before New.
func setup(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := Config{
		AllowLoopback: true,
		Ports:         []int{80, 443, serverPort(t, srv.URL)},
		RetryBase:     time.Millisecond,
		RetryMax:      5 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	f, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(f.Close)
	return &testEnv{srv: srv, mux: mux, f: f, cfg: cfg}
}

func (e *testEnv) url(path string) string { return e.srv.URL + path }

func (e *testEnv) fetch(t *testing.T, path string) (*Result, error) {
	t.Helper()
	return e.f.Fetch(context.Background(), Request{URL: e.url(path)})
}

func serverPort(t testing.TB, rawURL string) int {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	p, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	return p
}

// fakeResolver maps host names to addresses without touching the network
// and records the names it was asked for.
type fakeResolver struct {
	hosts map[string][]string

	mu    sync.Mutex
	asked []string
}

func (r *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	r.asked = append(r.asked, host)
	r.mu.Unlock()
	ips, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, 0, len(ips))
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("bad test ip %q", s)
		}
		out = append(out, net.IPAddr{IP: ip})
	}
	return out, nil
}

func (r *fakeResolver) wasAsked(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.asked {
		if h == host {
			return true
		}
	}
	return false
}

// countingListener accepts and immediately closes connections on loopback,
// reporting each peer address.
type countingListener struct {
	ln       net.Listener
	accepted chan string
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	cl := &countingListener{ln: ln, accepted: make(chan string, 1000)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.accepted <- c.RemoteAddr().String()
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return cl
}

func (cl *countingListener) port() int { return cl.ln.Addr().(*net.TCPAddr).Port }

// connectionsBefore makes one sentinel connection and returns how many
// connections were accepted before it. Accept is FIFO, so any connection the
// code under test managed to open is counted.
func (cl *countingListener) connectionsBefore(t *testing.T) int {
	t.Helper()
	c, err := net.DialTimeout("tcp4", cl.ln.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	sentinel := c.LocalAddr().String()
	n := 0
	timeout := time.After(5 * time.Second)
	for {
		select {
		case addr := <-cl.accepted:
			if addr == sentinel {
				return n
			}
			n++
		case <-timeout:
			t.Fatal("sentinel connection was never accepted")
		}
	}
}
