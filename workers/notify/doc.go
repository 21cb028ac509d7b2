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
// Every alert is a row in the notifications table (the delivery log). The
// row is committed as queued before anything is sent and marked sent with
// the provider's message id right after; see deliver.go for the exact
// crash window.
package notify
