package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// PushSubscription is a browser's PushSubscription (push_subscriptions row).
type PushSubscription struct {
	ID       int64
	Endpoint string
	// P256dh and Auth are the subscription keys, base64url.
	P256dh string
	Auth   string
}

// ErrSubscriptionGone is returned by a Pusher when the push service
// answered 404 or 410: the subscription must be deleted.
var ErrSubscriptionGone = fmt.Errorf("push subscription gone: %w", ErrPermanent)

// Pusher delivers one encrypted Web Push message and returns the push
// service's message id (its Location header) when it gives one.
type Pusher interface {
	Push(ctx context.Context, sub PushSubscription, payload []byte, urgency string) (messageID string, err error)
}

type webPusher struct {
	cfg  Config
	http *http.Client
}

// NewWebPusher returns a Pusher using SherClockHolmes/webpush-go: VAPID
// (RFC 8292) authorization, aes128gcm payload encryption (RFC 8291), TTL
// cfg.PushTTL and the given urgency. httpClient nil means http.DefaultClient.
func NewWebPusher(cfg Config, httpClient *http.Client) Pusher {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &webPusher{cfg: cfg, http: httpClient}
}

func (p *webPusher) Push(ctx context.Context, sub PushSubscription, payload []byte, urgency string) (string, error) {
	if p.cfg.VAPIDPrivateKey == "" {
		return "", fmt.Errorf("push to %s: %w: no VAPID keys configured", sub.Endpoint, ErrPermanent)
	}
	u := webpush.UrgencyNormal
	switch urgency {
	case "high":
		u = webpush.UrgencyHigh
	case "low":
		u = webpush.UrgencyLow
	case "very-low":
		u = webpush.UrgencyVeryLow
	}
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{
		Endpoint: sub.Endpoint,
		Keys:     webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		HTTPClient:      p.http,
		Subscriber:      p.cfg.VAPIDSubject,
		TTL:             int(p.cfg.PushTTL.Seconds()),
		Urgency:         u,
		VAPIDPublicKey:  p.cfg.VAPIDPublicKey,
		VAPIDPrivateKey: p.cfg.VAPIDPrivateKey,
	})
	if err != nil {
		return "", fmt.Errorf("push to %s: %w", sub.Endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return "", fmt.Errorf("push to %s: status %d: %w", sub.Endpoint, resp.StatusCode, ErrSubscriptionGone)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", fmt.Errorf("push to %s: status %d: %s", sub.Endpoint, resp.StatusCode, body)
	case resp.StatusCode >= 300:
		return "", fmt.Errorf("push to %s: status %d: %s: %w", sub.Endpoint, resp.StatusCode, body, ErrPermanent)
	}
	return resp.Header.Get("Location"), nil
}
