// Package events is ddokso's event backbone: the envelope every event
// travels in, the event types and their versioned payloads, publishers (SNS
// and in-memory) and the long-polling consumer that runs handlers over a
// queue transport (SQS or in-memory).
//
// # Envelope
//
// Every event is an [Envelope]: a UUID id, a type ("scrape.requested"), the
// payload's schema version, when the fact happened, the correlation id of
// the request that caused it, an optional dedupe key, and the payload as
// JSON. The type is also an SNS message attribute, so the topic's
// subscription filter policies route events to queues without reading the
// body (infra.Default holds the routing). A payload type declares its
// EventType and EventVersion; a consumer decodes the version it knows and
// dead-letters an envelope it cannot decode (a poison message) at once.
//
// # Delivery
//
// Delivery is at least once, end to end. An event that must follow a
// database write is not published by the writer: it is inserted into the
// outbox in the same transaction (store.AddOutbox), and store's relay
// publishes it after the commit. SNS fans it out to SQS queues, and the
// [Consumer] long-polls a queue and runs a [Handler] for each message,
// keeping it invisible (a heartbeat extends the visibility timeout) while
// the handler runs. A handled message is deleted (in batches); a failed
// one is made visible again after an exponential [Backoff]; on its
// MaxReceiveCount-th failure, or at once for a [Permanent] error, it is
// moved to the queue's dead-letter queue with the reason. The queue's own
// redrive limit sits above MaxReceiveCount as a backstop only, for
// messages no handler ever finishes.
//
// # Dedupe
//
// Because every hop may repeat (a relay dying between publish and mark, a
// visibility timeout running out, a duplicated send), handlers are
// idempotent: [Envelope.Key] (the dedupe key when set, else the id) is
// written with the handler's effect in one MySQL transaction
// (store.Once), so a repeat finds the key and does nothing. A dedupe key
// names the effect rather than the event: the rescrape of one product for
// one schedule tick carries the same key however often the tick is
// delivered or re-sent, and is applied once.
//
// The transports pass one conformance suite (internal/eventstest) on memory
// and on SQS/SNS.
package events
