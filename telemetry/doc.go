// Package telemetry holds ddokso's cross-cutting observability pieces: the
// structured slog logger that stamps every record with the request's
// correlation id, the correlation id carried in a context from the API to
// every worker, and the Prometheus registry the processes expose on /metrics.
package telemetry
