package events

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the consumer's Prometheus collectors, labelled by queue.
type Metrics struct {
	Received     *prometheus.CounterVec
	Succeeded    *prometheus.CounterVec
	Failed       *prometheus.CounterVec
	Retried      *prometheus.CounterVec
	DeadLettered *prometheus.CounterVec
	Released     *prometheus.CounterVec
	Latency      *prometheus.HistogramVec
}

// NewMetrics creates the collectors and registers them with reg (nil: not
// registered anywhere).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	c := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ddokso", Subsystem: "queue", Name: name, Help: help}, []string{"queue"})
	}
	m := &Metrics{
		Received:     c("received_total", "Messages received."),
		Succeeded:    c("succeeded_total", "Messages handled successfully and deleted."),
		Failed:       c("failed_total", "Handler failures (each attempt)."),
		Retried:      c("retried_total", "Messages scheduled for another attempt with backoff."),
		DeadLettered: c("dead_lettered_total", "Messages sent to the dead-letter queue (poison or out of retries)."),
		Released:     c("released_total", "Messages received but released unstarted at shutdown."),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "ddokso", Subsystem: "queue", Name: "handler_duration_seconds",
			Help: "Handler latency.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}, []string{"queue"}),
	}
	if reg != nil {
		reg.MustRegister(m.Received, m.Succeeded, m.Failed, m.Retried, m.DeadLettered, m.Released, m.Latency)
	}
	return m
}
