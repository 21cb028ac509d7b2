package fetch

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"code.dny.dev/ssrf"
	"github.com/stretchr/testify/require"
)

// TestFetchRefusesForbiddenDestinations uses the production setting
// (AllowLoopback false) with a loopback listener whose port is allowed, so
// only the address checks stand between the fetcher and the listener.
func TestFetchRefusesForbiddenDestinations(t *testing.T) {
	t.Parallel()
	cl := newCountingListener(t)
	p := cl.port()
	res := &fakeResolver{hosts: map[string][]string{
		"shop.example.com":      {"127.0.0.1"},
		"localhost":             {"127.0.0.1", "::1"},
		"mapped.example.com":    {"::ffff:127.0.0.1"},
		"zero.example.com":      {"0.0.0.0"},
		"metadata.example.com":  {"169.254.169.254"},
		"intranet.example.com":  {"10.0.0.1"},
		"office.example.com":    {"172.16.5.4"},
		"router.example.com":    {"192.168.1.1"},
		"ula.example.com":       {"fc00::1"},
		"linklocal.example.com": {"fe80::1"},
	}}
	f, err := New(Config{
		Ports:          []int{80, 443, p},
		LookupIPAddr:   res.LookupIPAddr,
		ConnectTimeout: time.Second,
		Retries:        -1,
	})
	require.NoError(t, err)
	t.Cleanup(f.Close)

	tests := []struct {
		url string
		// atDial means the name passes the URL check and the refusal must
		// come from the dial-time Control hook.
		atDial bool
	}{
		{url: fmt.Sprintf("http://127.0.0.1:%d/", p)},
		{url: fmt.Sprintf("http://127.0.0.2:%d/", p)},
		{url: fmt.Sprintf("http://[::1]:%d/", p)},
		{url: fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", p)},
		{url: fmt.Sprintf("http://0.0.0.0:%d/", p)},
		{url: "http://10.0.0.1/"},
		{url: "http://10.255.255.254/"},
		{url: "http://172.16.0.1/"},
		{url: "http://172.31.255.1/"},
		{url: "http://192.168.0.1/"},
		{url: "http://169.254.169.254/latest/meta-data/"},
		{url: "http://169.254.1.1/"},
		{url: "http://[fc00::1]/"},
		{url: "http://[fd12:3456::1]/"},
		{url: "http://[fe80::1]/"},
		{url: fmt.Sprintf("http://shop.example.com:%d/product/1", p), atDial: true},
		{url: fmt.Sprintf("http://localhost:%d/", p)}, // a local name: refused before any lookup
		{url: fmt.Sprintf("http://mapped.example.com:%d/", p), atDial: true},
		{url: fmt.Sprintf("http://zero.example.com:%d/", p), atDial: true},
		{url: "http://metadata.example.com/latest/meta-data/", atDial: true},
		{url: "http://intranet.example.com/", atDial: true},
		{url: "https://office.example.com/", atDial: true},
		{url: "http://router.example.com/", atDial: true},
		{url: "http://ula.example.com/", atDial: true},
		{url: "http://linklocal.example.com/", atDial: true},
		{url: "ftp://shop.example.com/"},
		{url: "file:///etc/passwd"},
		{url: "gopher://shop.example.com:70/"},
		{url: fmt.Sprintf("http://user:pass@shop.example.com:%d/", p)},
		{url: "http://shop.example.com:8080/"},
		{url: "http://shop.example.com:22/"},
	}
	for _, tt := range tests {
		_, err := f.Fetch(context.Background(), Request{URL: tt.url})
		require.ErrorIs(t, err, ErrForbiddenAddress, tt.url)
		if tt.atDial {
			require.ErrorIs(t, err, ssrf.ErrProhibitedIP, tt.url)
		}
	}
	require.True(t, res.wasAsked("shop.example.com"), "the name must be resolved and refused at dial time")
	require.Zero(t, cl.connectionsBefore(t), "no forbidden destination may be connected to")
}

// TestFetchDefaultPortsRefuseOtherPorts checks the production port list.
func TestFetchDefaultPortsRefuseOtherPorts(t *testing.T) {
	t.Parallel()
	cl := newCountingListener(t)
	res := &fakeResolver{hosts: map[string][]string{"shop.example.com": {"127.0.0.1"}}}
	f, err := New(Config{LookupIPAddr: res.LookupIPAddr, AllowLoopback: true})
	require.NoError(t, err)
	t.Cleanup(f.Close)

	_, err = f.Fetch(context.Background(), Request{URL: fmt.Sprintf("http://shop.example.com:%d/", cl.port())})
	require.ErrorIs(t, err, ErrForbiddenAddress)
	require.False(t, res.wasAsked("shop.example.com"), "a forbidden port is refused before any lookup")
	require.Zero(t, cl.connectionsBefore(t))
}

// TestFetchRefusesForbiddenRedirects serves a page from an allowed loopback
// test server that redirects to forbidden destinations; AllowLoopback must
// not open anything but loopback.
func TestFetchRefusesForbiddenRedirects(t *testing.T) {
	t.Parallel()
	res := &fakeResolver{hosts: map[string][]string{
		"metadata.example.com": {"169.254.169.254"},
		"intranet.example.com": {"10.0.0.1"},
	}}
	env := setup(t, func(c *Config) {
		c.LookupIPAddr = res.LookupIPAddr
		c.ConnectTimeout = time.Second
		c.Retries = -1
	})
	targets := []string{
		"http://169.254.169.254/latest/meta-data/iam/",
		"http://10.0.0.1/",
		"http://172.16.0.1/",
		"http://192.168.0.1/admin",
		"http://0.0.0.0/",
		"http://[fc00::1]/",
		"http://[fe80::1]/",
		"http://[::ffff:10.0.0.1]/",
		"http://metadata.example.com/latest/meta-data/",
		"http://intranet.example.com/",
		"file:///etc/passwd",
		"http://user@example.com/",
	}
	for i, target := range targets {
		path := fmt.Sprintf("/r%d", i)
		env.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		_, err := env.fetch(t, path)
		require.ErrorIs(t, err, ErrForbiddenAddress, target)
	}
	require.True(t, res.wasAsked("metadata.example.com"))
}

func TestFetchInvalidURL(t *testing.T) {
	t.Parallel()
	env := setup(t)
	for _, raw := range []string{"", "/relative/path", "http://", "http://%zz/", "http://[::1/"} {
		_, err := env.f.Fetch(context.Background(), Request{URL: raw})
		require.Error(t, err, raw)
		require.ErrorIs(t, err, ErrInvalidURL, raw)
	}
}

func TestFetchInternationalHostIsPunycoded(t *testing.T) {
	t.Parallel()
	res := &fakeResolver{hosts: map[string][]string{"xn--hp4bo76a.xn--3e0b707e": {"127.0.0.1"}}}
	env := setup(t, func(c *Config) { c.LookupIPAddr = res.LookupIPAddr })
	var gotHost string
	env.mux.HandleFunc("/p/1", func(w http.ResponseWriter, r *http.Request) {
		gotHost = r.Host
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	})
	port := serverPort(t, env.srv.URL)

	out, err := env.f.Fetch(context.Background(), Request{URL: fmt.Sprintf("http://쇼핑.한국:%d/p/1", port)})
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("xn--hp4bo76a.xn--3e0b707e:%d", port), gotHost)
	require.Equal(t, fmt.Sprintf("http://xn--hp4bo76a.xn--3e0b707e:%d/p/1", port), out.FinalURL)
}
