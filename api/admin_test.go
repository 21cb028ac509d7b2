package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

func TestAdmin(t *testing.T) {
	t.Parallel()
	dlq := events.NewMemoryQueue(events.MemoryQueueConfig{Name: "scrap-dlq"})
	scrap := events.NewMemoryQueue(events.MemoryQueueConfig{Name: "scrap", DLQ: dlq})
	scrap.Send([]byte("a"), nil)
	scrap.Send([]byte("b"), nil)
	dlq.Send([]byte("dead"), nil)
	var redriven []string
	hs := setup(t, func(d *Deps) {
		d.Queues = map[string]events.Queue{"scrap": scrap}
		d.DLQRedrive = func(_ context.Context, q string) (int, error) {
			redriven = append(redriven, q)
			return 1, nil
		}
	})
	key := withHeader("X-Admin-Key", "admin-key")

	requireProblem(t, hs.do("GET", "/api/v1/admin/queues", nil), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, hs.do("GET", "/api/v1/admin/queues", nil, withHeader("X-Admin-Key", "admin-kez")), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, hs.do("GET", "/api/v1/admin/queues", nil, withToken(token(t, "alice"))), http.StatusUnauthorized, "unauthorized")

	w := hs.do("GET", "/api/v1/admin/queues", nil, key)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, []QueueDepth{{Name: "scrap", Depth: 2, DLQ: 1}}, decode[struct{ Queues []QueueDepth }](t, w).Queues)

	w = hs.do("POST", "/api/v1/admin/queues/scrap/redrive", nil, key)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, 1, decode[struct{ Moved int }](t, w).Moved)
	require.Equal(t, []string{"scrap"}, redriven)
	requireProblem(t, hs.do("POST", "/api/v1/admin/queues/nope/redrive", nil, key), http.StatusNotFound, "not-found")

	pid := hs.insertProduct(product{url: "https://a.example/op", price: 5})
	w = hs.do("POST", fmt.Sprintf("/api/v1/admin/products/%d/rescrape", pid), nil, key)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	var body string
	require.NoError(t, hs.db.QueryRow(`SELECT body FROM outbox`).Scan(&body))
	env, err := events.DecodeEnvelope([]byte(body))
	require.NoError(t, err)
	var p events.ScrapeRequested
	require.NoError(t, env.Decode(&p))
	require.Equal(t, "operator", p.Reason)
	require.Equal(t, pid, p.ProductID)
	require.Equal(t, "https://a.example/op", p.URL)
	requireProblem(t, hs.do("POST", "/api/v1/admin/products/987654/rescrape", nil, key), http.StatusNotFound, "not-found")
}

func TestAdminDisabledAndRedriveUnavailable(t *testing.T) {
	t.Parallel()
	off := setup(t, func(d *Deps) { d.Config.AdminKey = "" })
	requireProblem(t, off.do("GET", "/api/v1/admin/queues", nil, withHeader("X-Admin-Key", "")), http.StatusForbidden, "operator-disabled")

	q := events.NewMemoryQueue(events.MemoryQueueConfig{Name: "notify"})
	hs := setup(t, func(d *Deps) { d.Queues = map[string]events.Queue{"notify": q} })
	requireProblem(t, hs.do("POST", "/api/v1/admin/queues/notify/redrive", nil, withHeader("X-Admin-Key", "admin-key")), http.StatusNotImplemented, "not-implemented")

	failing := setup(t, func(d *Deps) {
		d.Queues = map[string]events.Queue{"notify": q}
		d.DLQRedrive = func(context.Context, string) (int, error) { return 0, errors.New("sqs down") }
	})
	p := requireProblem(t, failing.do("POST", "/api/v1/admin/queues/notify/redrive", nil, withHeader("X-Admin-Key", "admin-key")), http.StatusInternalServerError, "")
	require.NotContains(t, p.Detail, "sqs down", "internal errors are logged, not shown")
}
