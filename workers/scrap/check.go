package scrap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/fetch"
)

// errRetry marks a transient failure left to a redelivery.
var errRetry = errors.New("transient fetch failure")

// check fetches and extracts t, sending the stored validators v. It
// returns an error (to be retried by the queue) only for transient
// failures before the last attempt; every other result is an outcome to
// record.
func (w *Worker) check(ctx context.Context, t target, v validators, attempt int) (outcome, error) {
	final := attempt >= w.cfg.MaxAttempts

	fctx, cancel := context.WithTimeout(ctx, w.cfg.FetchTimeout)
	began := time.Now()
	res, err := w.f.Fetch(fctx, fetch.Request{URL: t.url, ETag: v.etag.String, LastModified: v.lastModified.String})
	began = w.observe(StageFetch, began)
	cancel()
	if err != nil {
		if ctx.Err() != nil { // shutting down: leave it to a redelivery
			return outcome{}, fmt.Errorf("fetch %s: %w", t.url, ctx.Err())
		}
		if transient(err) && !final {
			return outcome{}, fmt.Errorf("%w (attempt %d of %d): %w", errRetry, attempt, w.cfg.MaxAttempts, err)
		}
		reason := err.Error()
		if errors.Is(err, fetch.ErrUnreachable) { // lead with what a person can act on
			reason = "host could not be reached: " + reason
		}
		return outcome{status: events.OutcomeFailed, reason: reason}, nil
	}

	switch {
	case res.Blocked:
		return outcome{status: events.OutcomeBlocked, reason: res.BlockReason}, nil
	case res.NotModified:
		return outcome{status: events.OutcomeDone, notModified: true, etag: res.ETag, lastModified: res.LastModified}, nil
	case res.StatusCode >= 500:
		if !final {
			return outcome{}, fmt.Errorf("%w (attempt %d of %d): %s answered http %d", errRetry, attempt, w.cfg.MaxAttempts, t.url, res.StatusCode)
		}
		return outcome{status: events.OutcomeFailed, reason: fmt.Sprintf("http %d", res.StatusCode)}, nil
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone:
		return outcome{status: events.OutcomeNotAProduct, reason: fmt.Sprintf("http %d", res.StatusCode)}, nil
	case res.StatusCode < 200 || res.StatusCode >= 300:
		return outcome{status: events.OutcomeFailed, reason: fmt.Sprintf("http %d", res.StatusCode)}, nil
	}

	select {
	case w.extractSlots <- struct{}{}:
	case <-ctx.Done(): // shutting down: leave it to a redelivery
		return outcome{}, fmt.Errorf("extract %s: %w", t.url, ctx.Err())
	}
	p, err := w.extract(res.FinalURL, res.Body)
	<-w.extractSlots
	w.observe(StageExtract, began)
	switch {
	case err != nil:
		return outcome{status: events.OutcomeNotAProduct, reason: err.Error()}, nil
	case p.Blocked:
		return outcome{status: events.OutcomeBlocked, reason: "block page: the site answered with a captcha or error page"}, nil
	case !p.IsProduct:
		return outcome{status: events.OutcomeNotAProduct, reason: "no product on the page"}, nil
	}
	return outcome{status: events.OutcomeDone, product: p, etag: res.ETag, lastModified: res.LastModified}, nil
}

// transient reports whether a fetch error may go away on a later attempt
// (timeouts, refused or reset connections, DNS hiccups) rather than being a
// decision about the URL (SSRF refusal, robots.txt, size, redirects).
func transient(err error) bool {
	for _, perm := range []error{fetch.ErrForbiddenAddress, fetch.ErrRobotsDisallowed, fetch.ErrTooLarge, fetch.ErrTooManyRedirects, fetch.ErrInvalidURL} {
		if errors.Is(err, perm) {
			return false
		}
	}
	return true
}
