// Package store is ddokso's MySQL layer: connection setup, versioned
// migrations embedded in the binary (goose), the processed-message table
// that makes handlers idempotent, and the transactional outbox with its relay.
//
// # Once: dedupe in the effect's transaction
//
// [Once] runs a handler's effect in one transaction together with the
// insert of its (consumer, key) row in processed_messages; a key already
// there means the work was done and fn is not run. The marker and the
// effect commit or roll back together, so a message delivered twice, even
// concurrently (the second blocks on the first's row lock), is applied
// once.
//
// # Outbox and relay
//
// A write that must be followed by an event adds the event to the outbox
// table in its own transaction ([AddOutbox]): the event exists if and only
// if the write committed. The [Relay] publishes outbox rows in three short
// steps, with no transaction open while it talks to SNS:
//
//  1. claim: in one READ COMMITTED transaction, select unpublished rows
//     whose lease is free or over (FOR UPDATE SKIP LOCKED, so relays never
//     wait on each other), set their lease (claimed_until = now + Lease),
//     commit;
//  2. publish the claimed envelopes (bounded by the lease);
//  3. mark the published rows (published_at) and release the lease of any
//     the topic refused, with the error, for a later pass.
//
// Several relays may run at once; a row leased by one is skipped by the
// others. A relay that dies between 2 and 3 leaves its rows to be published
// again when the lease ends, so publishing is at least once and consumers
// dedupe with Once. A writer calls Relay.Kick after committing to cut the
// poll interval out of the latency; while passes fail (database or topic
// down) the relay backs off up to MaxBackoff.
//
// # Schedule
//
// [NextCheck] is the re-check schedule every writer of next_check_at uses:
// hourly for watched or popular products, daily otherwise, doubling per
// consecutive failure up to a week.
package store
