package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
	"golang.org/x/net/idna"
)

// guard decides which destinations may be contacted. It checks URLs before
// any lookup and every resolved address right before connect(2).
type guard struct {
	ports    []int
	guardian *ssrf.Guardian
	hosts    hostRule
	lookup   func(ctx context.Context, host string) ([]net.IPAddr, error)
	dialer   *net.Dialer
}

var (
	loopbackV4 = netip.MustParsePrefix("127.0.0.0/8")
	loopbackV6 = netip.MustParsePrefix("::1/128")
)

func newGuard(cfg Config) *guard {
	ports := make([]uint16, 0, len(cfg.Ports))
	for _, p := range cfg.Ports {
		ports = append(ports, uint16(p))
	}
	opts := []ssrf.Option{ssrf.WithPorts(ports...)}
	if cfg.AllowLoopback {
		opts = append(opts,
			ssrf.WithAllowedV4Prefixes(loopbackV4),
			ssrf.WithAllowedV6Prefixes(loopbackV6),
		)
	}
	g := &guard{
		ports:    cfg.Ports,
		guardian: ssrf.New(opts...),
		hosts:    hostRuleFor(cfg.AllowLoopback),
		lookup:   cfg.LookupIPAddr,
	}
	g.dialer = &net.Dialer{
		Timeout:   cfg.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Control:   g.control,
	}
	return g
}

// control is the net.Dialer.Control hook: it runs after the socket is
// created and before connect, for every address dialled.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	if err := g.guardian.Safe(network, address, nil); err != nil {
		return fmt.Errorf("%w: dial %s: %w", ErrForbiddenAddress, address, err)
	}
	return nil
}

// checkURL validates a URL (initial or redirect target) before any DNS
// lookup or connection.
func (g *guard) checkURL(u *url.URL) error {
	switch u.Scheme {
	case "http", "https":
	default:
		return fmt.Errorf("%w: scheme %q not allowed in %q", ErrForbiddenAddress, u.Scheme, u.Redacted())
	}
	if u.User != nil {
		return fmt.Errorf("%w: userinfo not allowed in %q", ErrForbiddenAddress, u.Redacted())
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: no host in %q", ErrInvalidURL, u.Redacted())
	}
	if err := toASCIIHost(u); err != nil {
		return err
	}
	host = u.Hostname()
	port, err := urlPort(u)
	if err != nil {
		return err
	}
	if !slices.Contains(g.ports, port) {
		return fmt.Errorf("%w: port %d not allowed in %q", ErrForbiddenAddress, port, u.Redacted())
	}
	return g.hosts.checkHost(host)
}

func urlPort(u *url.URL) (int, error) {
	p := u.Port()
	if p == "" {
		if u.Scheme == "https" {
			return 443, nil
		}
		return 80, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%w: bad port %q in %q", ErrInvalidURL, p, u.Redacted())
	}
	return n, nil
}

// dialContext resolves addr with the configured lookup and dials each
// address in turn; the dialer's Control hook refuses forbidden ones before
// connecting.
func (g *guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("split %q: %w", addr, err)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		answers, err := g.lookup(ctx, host)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("lookup %s: %w", host, err)
			}
			return nil, fmt.Errorf("%w: dns lookup of %s: %w", ErrUnreachable, host, err)
		}
		for _, a := range answers {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				ips = append(ips, ip.Unmap())
			}
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("%w: dns lookup of %s: no addresses", ErrUnreachable, host)
		}
	}
	var errs []error
	for _, ip := range ips {
		conn, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	err = errs[0]
	if len(errs) > 1 {
		err = errors.Join(errs...)
	}
	if errors.Is(err, ErrForbiddenAddress) || ctx.Err() != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: connect to %s: %w", ErrUnreachable, host, err)
}

// toASCIIHost rewrites an internationalised host name ("쇼핑.한국") to its
// punycode form in place, so it can be resolved and sent in the Host header.
func toASCIIHost(u *url.URL) error {
	host := u.Hostname()
	if isASCII(host) {
		return nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return fmt.Errorf("%w: host %q: %w", ErrInvalidURL, host, err)
	}
	if p := u.Port(); p != "" {
		u.Host = net.JoinHostPort(ascii, p)
	} else {
		u.Host = ascii
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
