package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/telemetry"
)

// Problem is an RFC 9457 problem document, the body of every error response.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// RequestID is the request's X-Request-ID (an RFC 9457 extension member).
	RequestID string `json:"request_id,omitempty"`
	// ExistingID names the resource a 409 conflicts with (e.g. the
	// identical watch that already exists).
	ExistingID int64 `json:"existing_id,omitempty"`
	// RetryAfter is a 429's wait in whole seconds, as in its Retry-After header.
	RetryAfter int `json:"retry_after,omitempty"`
}

// reqError is a client error (4xx) found while handling a request, often
// inside a transaction: returning it from store.InTx rolls the transaction
// back, so a refused request writes nothing, and failErr answers it as a
// problem.
type reqError struct {
	status     int
	kind       string
	detail     string
	existingID int64
}

func (e *reqError) Error() string { return e.detail }

// clientErr returns a reqError.
func clientErr(status int, kind, format string, args ...any) *reqError {
	return &reqError{status: status, kind: kind, detail: fmt.Sprintf(format, args...)}
}

// ProblemContentType is the media type of Problem bodies.
const ProblemContentType = "application/problem+json"

// problemTypeBase prefixes the problem type URIs; the suffix is a slug of the
// kind of problem, e.g. "invalid-url".
const problemTypeBase = "https://ddokso.dev/problems/"

// fail writes a problem response and aborts the handler chain.
func fail(c *gin.Context, status int, kind, detail string) {
	failProblem(c, Problem{Status: status, Type: kind, Detail: detail})
}

// failProblem writes p (Type holding the kind slug, or "" for one derived
// from the status) with the request's title, instance and request id filled in.
func failProblem(c *gin.Context, p Problem) {
	p.Title = http.StatusText(p.Status)
	if p.Type == "" {
		p.Type = strings.ReplaceAll(strings.ToLower(p.Title), " ", "-")
	}
	p.Type = problemTypeBase + p.Type
	p.Instance = c.Request.URL.Path
	p.RequestID = telemetry.CorrelationID(c.Request.Context()) // set by requestID
	status := p.Status
	body, _ := json.Marshal(p)
	c.Abort()
	c.Data(status, ProblemContentType, body)
}

// failErr maps an internal error to a problem: deadlines to 503, an
// unreachable database to 503 with Retry-After (nothing was recorded, the
// client may simply retry), the rest to 500 with the detail kept out of
// the response and logged instead.
func (s *server) failErr(c *gin.Context, err error) {
	var re *reqError
	if errors.As(err, &re) {
		failProblem(c, Problem{Status: re.status, Type: re.kind, Detail: re.detail, ExistingID: re.existingID})
		return
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		fail(c, http.StatusServiceUnavailable, "timeout", "the request took too long")
		return
	}
	if store.IsUnavailable(err) {
		s.log.WarnContext(c.Request.Context(), "api: database unavailable", "route", c.FullPath(), "err", err)
		c.Header("Retry-After", "2")
		fail(c, http.StatusServiceUnavailable, "database-unavailable", "the database is unavailable for a moment; retry shortly")
		return
	}
	s.log.ErrorContext(c.Request.Context(), "api request failed", "route", c.FullPath(), "err", err)
	fail(c, http.StatusInternalServerError, "", "internal error; quote the request id when reporting it")
}

// bindJSON decodes the body into v, writing 413 or 400 problems on failure.
func bindJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, http.StatusRequestEntityTooLarge, "body-too-large", err.Error())
			return false
		}
		fail(c, http.StatusBadRequest, "malformed-json", "request body is not valid JSON for this endpoint: "+err.Error())
		return false
	}
	return true
}
