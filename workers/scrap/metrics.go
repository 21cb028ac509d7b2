package scrap

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Stages of one scrape.requested message, as ddokso_scrap_stage_seconds
// labels them.
const (
	// StageLookup is the processed check and the stored validators.
	StageLookup = "lookup"
	// StageFetch is the fetch, including the wait for the host's slot.
	StageFetch = "fetch"
	// StageExtract is parsing the page.
	StageExtract = "extract"
	// StageRecord is the recording transaction, COMMIT included.
	StageRecord = "record"
	// StageRecordWrites is the part of StageRecord between the dedupe
	// marker and COMMIT: the product, observations, request and outbox
	// writes (observed once per attempt of the transaction).
	StageRecordWrites = "record_writes"
)

// RegisterMetrics makes w observe how long each stage of a message takes
// (histogram ddokso_scrap_stage_seconds{stage}) and registers it on reg.
// Without it w observes nothing.
func (w *Worker) RegisterMetrics(reg prometheus.Registerer) error {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "ddokso", Subsystem: "scrap", Name: "stage_seconds",
		Help:    "Time per stage of one scrape.requested message: lookup, fetch (with the host-slot wait), extract, record (the transaction with its COMMIT), record_writes (its writes without BEGIN, the dedupe marker and COMMIT).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
	}, []string{"stage"})
	if err := reg.Register(h); err != nil {
		return err
	}
	w.stages = h
	return nil
}

// observe records the time since start under stage and returns now.
func (w *Worker) observe(stage string, start time.Time) time.Time {
	now := time.Now()
	if w.stages != nil {
		w.stages.WithLabelValues(stage).Observe(now.Sub(start).Seconds())
	}
	return now
}
