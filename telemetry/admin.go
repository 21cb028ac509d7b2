package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is a readiness check: nil when the dependency answers.
type Check func(ctx context.Context) error

// HealthHandler answers /healthz: the process is alive.
func HealthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
}

// ReadyHandler answers /readyz: 200 when every check passes within 3s,
// else 503 with each failing check's error.
func ReadyHandler(checks map[string]Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		failed := map[string]string{}
		for name, c := range checks {
			if err := c(ctx); err != nil {
				failed[name] = err.Error()
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "unavailable", "failed": failed})
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
}

// AdminMux serves /healthz, /readyz and /metrics for a worker process.
func AdminMux(reg *prometheus.Registry, checks map[string]Check) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/healthz", HealthHandler())
	mux.Handle("/readyz", ReadyHandler(checks))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}
