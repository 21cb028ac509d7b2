package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Channel states of a watch, as GET /me/watches shows them.
const (
	stateOn             = "on"              // alerts are delivered
	stateUnsubscribed   = "unsubscribed"    // email: one-click unsubscribe from a mail
	stateSuppressed     = "suppressed"      // email: the address bounced or complained
	stateNoAddress      = "no_address"      // email: no address from the token or /me
	statePushOff        = "push_off"        // push: Web Push is not configured on the server
	stateNoSubscription = "no_subscription" // push: the user has no push subscription
)

// ChannelState is whether one channel of a watch delivers, and if not why.
type ChannelState struct {
	State string `json:"state"`
	// Reason is the provider's detail of a suppression (bounce or complaint).
	Reason string `json:"reason,omitempty"`
	// Since is when the channel stopped (unsubscribe or suppression).
	Since *time.Time `json:"since,omitempty"`
}

// userChannels is what decides whether a user's alerts can be delivered.
type userChannels struct {
	email          string // effective address: the token's, else the one set via /me
	suppression    string // bounce or complaint, when the address is suppressed
	suppressedAt   time.Time
	pushSubs       int
	pushConfigured bool
}

// loadUserChannels reads the user's address, its suppression and the
// number of push subscriptions.
func (s *server) loadUserChannels(ctx context.Context, q querier, u *User) (userChannels, error) {
	uc := userChannels{email: u.Email, pushConfigured: s.deps.PushEnabled}
	if uc.email == "" {
		var stored sql.NullString
		err := q.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`, u.ID).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return uc, fmt.Errorf("email of user %q: %w", u.ID, err)
		}
		uc.email = stored.String
	}
	if uc.email != "" {
		err := q.QueryRowContext(ctx, `SELECT reason, created_at FROM email_suppressions WHERE email = ?`, strings.TrimSpace(uc.email)).
			Scan(&uc.suppression, &uc.suppressedAt)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return uc, fmt.Errorf("suppression of user %q: %w", u.ID, err)
		}
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?`, u.ID).Scan(&uc.pushSubs); err != nil {
		return uc, fmt.Errorf("push subscriptions of user %q: %w", u.ID, err)
	}
	return uc, nil
}

// emailState is the user-level state of the email channel.
func (uc userChannels) emailState() ChannelState {
	switch {
	case uc.email == "":
		return ChannelState{State: stateNoAddress}
	case uc.suppression != "":
		t := uc.suppressedAt.UTC()
		return ChannelState{State: stateSuppressed, Reason: uc.suppression, Since: &t}
	}
	return ChannelState{State: stateOn}
}

// pushState is the user-level state of the push channel.
func (uc userChannels) pushState() ChannelState {
	switch {
	case !uc.pushConfigured:
		return ChannelState{State: statePushOff}
	case uc.pushSubs == 0:
		return ChannelState{State: stateNoSubscription}
	}
	return ChannelState{State: stateOn}
}

// refuse returns the 422 for the first requested channel that cannot
// deliver, so no watch is created whose alerts would vanish.
func (uc userChannels) refuse(cs channelSet) error {
	unavailable := func(format string, args ...any) error {
		return clientErr(http.StatusUnprocessableEntity, "channel-unavailable", format, args...)
	}
	if cs.email {
		switch uc.emailState().State {
		case stateNoAddress:
			return unavailable("channel email: your sign-in gives no email address; set one with PATCH /api/v1/me or choose push")
		case stateSuppressed:
			return unavailable("channel email: mail to %s was refused (%s) and is no longer sent; set another address or choose push", uc.email, uc.suppression)
		}
	}
	if cs.push {
		switch uc.pushState().State {
		case statePushOff:
			return unavailable("channel push: Web Push is not available on this server; choose email")
		case stateNoSubscription:
			return unavailable("channel push: no push subscription; register one with POST /api/v1/me/push-subscriptions first")
		}
	}
	return nil
}

// applyStates fills a watch's channel_states from the user's channels and
// the watch's own unsubscribe, and narrows channels and active to what
// actually delivers.
func applyStates(w *Watch, uc userChannels) {
	w.ChannelStates = map[string]ChannelState{}
	on := []string{}
	for _, ch := range w.Channels {
		var st ChannelState
		switch ch {
		case channelEmail:
			st = uc.emailState()
			if w.unsubscribedAt != nil && st.State == stateOn {
				t := w.unsubscribedAt.UTC()
				st = ChannelState{State: stateUnsubscribed, Since: &t}
			}
		case channelPush:
			st = uc.pushState()
		}
		w.ChannelStates[ch] = st
		if st.State == stateOn {
			on = append(on, ch)
		}
	}
	w.Channels = on
	w.Active = w.Active && len(on) > 0
}
