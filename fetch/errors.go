package fetch

import "errors"

var (
	// ErrForbiddenAddress is returned when a URL or one of its redirect hops
	// points to a destination the fetcher refuses to contact: a non-http(s)
	// scheme, userinfo, a port outside Config.Ports, or an IP address in a
	// private, loopback, link-local or otherwise special-purpose range. No
	// connection is attempted to such a destination.
	ErrForbiddenAddress = errors.New("fetch: forbidden address")

	// ErrRobotsDisallowed is returned when the site's robots.txt disallows
	// the URL for our user agent, or robots.txt answered with a server error
	// (RFC 9309 section 2.3.1.4: a 5xx robots.txt means full disallow). A
	// robots.txt that could not be fetched at all (DNS, connection, timeout)
	// gives that failure instead ([ErrUnreachable], [ErrTimeout]): the page
	// is not fetched either, but the cause is not hidden.
	ErrRobotsDisallowed = errors.New("fetch: disallowed by robots.txt")

	// ErrTooLarge is returned when the decoded response body exceeds
	// Config.MaxBodyBytes. The body is never silently truncated.
	ErrTooLarge = errors.New("fetch: response body too large")

	// ErrTooManyRedirects is returned when a redirect chain is longer than
	// Config.MaxRedirects.
	ErrTooManyRedirects = errors.New("fetch: too many redirects")

	// ErrTimeout is returned when connecting, waiting for response headers or
	// reading the response exceeded its configured timeout.
	ErrTimeout = errors.New("fetch: timeout")

	// ErrUnreachable is returned when the host could not be reached: its
	// name did not resolve or no connection to any of its addresses could be
	// made (refused, unreachable network, connect timeout). It may go away
	// on a later attempt. It is reported as such also when it happens while
	// fetching robots.txt, which then neither allows nor disallows anything.
	ErrUnreachable = errors.New("fetch: host could not be reached")

	// ErrInvalidURL is returned when the request URL cannot be parsed or has
	// no host.
	ErrInvalidURL = errors.New("fetch: invalid url")
)
