// Package events is ddokso's event backbone: the envelope every event travels
// in, the event types and their versioned payloads, publishers (SNS and
// in-memory) and the long-polling consumer that runs handlers over a queue
// transport (SQS or in-memory).
//
// Delivery is at least once. Handlers must be idempotent; the store package
// offers the dedupe-in-the-same-transaction helper they use.
package events
