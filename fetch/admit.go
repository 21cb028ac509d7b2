package fetch

import (
	"fmt"
	"net/netip"
	"strings"

	"code.dny.dev/ssrf"
)

// CheckHost is the address rule for a URL's host, judged by the name alone,
// before any DNS lookup: a local name ("localhost", "*.localhost") or an IP
// literal outside the public internet (loopback, private, link-local,
// carrier-grade NAT, unspecified, multicast, documentation ranges: all that
// code.dny.dev/ssrf denies) is refused with ErrForbiddenAddress.
// allowLoopback (tests with local shops only) admits 127.0.0.0/8, ::1 and
// localhost.
//
// The API applies it to every submitted URL, so a user learns at once that
// a URL will never be fetched; the fetcher applies it to every URL and
// redirect hop, and its dialer applies the same address rule once more to
// every address a name resolves to, right before connecting.
func CheckHost(host string, allowLoopback bool) error {
	return hostRuleFor(allowLoopback).checkHost(host)
}

type hostRule struct {
	guardian      *ssrf.Guardian
	allowLoopback bool
}

var (
	publicOnly   = hostRule{guardian: ssrf.New(ssrf.WithAnyPort())}
	withLoopback = hostRule{guardian: ssrf.New(ssrf.WithAnyPort(),
		ssrf.WithAllowedV4Prefixes(loopbackV4), ssrf.WithAllowedV6Prefixes(loopbackV6)), allowLoopback: true}
)

// hostRuleFor returns the host rule with or without loopback.
func hostRuleFor(allowLoopback bool) hostRule {
	if allowLoopback {
		return withLoopback
	}
	return publicOnly
}

func (r hostRule) checkHost(host string) error {
	h := strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if h == "" {
		return fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if r.allowLoopback {
			return nil
		}
		return fmt.Errorf("%w: local host name %q", ErrForbiddenAddress, host)
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		if strings.ContainsAny(h, "%[]") {
			return fmt.Errorf("%w: malformed host %q", ErrInvalidURL, host)
		}
		return nil // a name: its addresses are checked when dialled
	}
	if err := r.guardian.SafeAddr(ip.Unmap()); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrForbiddenAddress, host, err)
	}
	return nil
}
