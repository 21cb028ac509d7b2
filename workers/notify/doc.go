// Package notify is the notification worker: it evaluates watch rules on
// price.changed events and delivers alerts by email (Amazon SES, raw MIME
// with RFC 8058 one-click unsubscribe) and Web Push (VAPID, aes128gcm).
//
// Alerts are meant to be trusted: noise below a minimum change never
// alerts, target alerts re-arm only after the price went back above the
// target by a band, each (user, watch, rule, variant, price, local day,
// channel) is recorded at most once, a per-watch cooldown and a per-user
// daily cap hold back floods (capped alerts go into the daily digest),
// quiet hours defer rather than drop, and addresses SES reports as bounced
// or complaining are never mailed again.
//
// # Delivery
//
// Every alert is a row in the notifications table (the delivery log),
// delivered in four steps:
//
//  1. the rule transaction commits the row as queued (nothing sent yet);
//  2. claim: attempts+1 and claimed_at=now, only if the row is still queued
//     and unclaimed (or its claim is older than RetryAfter), so two
//     deliveries of one event never send one row concurrently and a row
//     marked sent is never sent again;
//  3. send through SES or the push service; an email carries the SES
//     message tag TagNotification=<row id>;
//  4. mark the row sent with the provider's message id.
//
// A crash between 3 reaching the provider and 4 committing leaves the row
// queued with a claim, and the sweeper (SendDeferred) would send it again
// after RetryAfter. For email SES closes that window: the configuration set
// (Config.ConfigurationSet) publishes a Send event for every accepted
// message to the ses-events topic, and HandleSESEvent marks the tagged row
// sent before the sweeper retries it. That holds while receipts are handled
// within RetryAfter: seconds normally, and a receipt taken by a consumer
// that died comes back after the ses-events queue's visibility timeout
// (60 s), well inside the default 5 min, so RetryAfter must stay above that
// timeout with a margin. Without such a configuration set, and for push
// (no provider receipt; the payload's tag lets the browser replace a
// repeated notification instead of showing two), delivery in that window is
// at least once.
package notify
