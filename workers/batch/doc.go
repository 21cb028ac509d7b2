// Package batch is the batch worker: it handles the scheduled ticks that
// EventBridge Scheduler puts on the batch queue.
//
//   - rescrape.due selects the products whose next check is due (keyset
//     pagination over idx_products_due), claims each page with a lease in the
//     same transaction (SELECT ... FOR UPDATE SKIP LOCKED, so concurrent batch
//     workers never double a product), respects a per-host budget, and
//     enqueues scrape.requested messages on the scrap queue in SQS batches.
//   - digest.daily publishes one notify.requested digest per active user
//     through the outbox.
//   - cleanup.daily compacts unchanged price observations, purges old
//     processed-message and outbox rows, and expires stale scrape requests.
//
// LocalScheduler is the local stand-in for EventBridge Scheduler used by
// `ddokso run`: the emulators never fire schedules.
package batch
