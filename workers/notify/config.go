package notify

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config configures the notification worker. Field tags follow envconfig;
// the binary nests them under a prefix such as DDOKSO_NOTIFY_.
type Config struct {
	// Sender is the verified SES sender, display name allowed.
	Sender string `envconfig:"SENDER" default:"ddokso <alerts@ddokso.local>" desc:"verified SES sender address"`
	// BaseURL is the web front end: product links are {BaseURL}/products/{id}.
	BaseURL string `envconfig:"BASE_URL" default:"http://localhost:3000" desc:"web front end base URL for product links"`
	// APIBaseURL is where the unsubscribe endpoint lives.
	APIBaseURL string `envconfig:"API_BASE_URL" default:"http://localhost:8080" desc:"API base URL for unsubscribe links"`
	// UnsubscribeSecret is the HMAC key of unsubscribe tokens.
	UnsubscribeSecret string `envconfig:"UNSUBSCRIBE_SECRET" required:"true" desc:"HMAC-SHA256 key for one-click unsubscribe tokens"`
	// DailyCap is the default number of alerts per user and local day.
	DailyCap int `envconfig:"DAILY_CAP" default:"10" desc:"alerts per user per local day (users.daily_cap overrides)"`
	// Cooldown is the minimum time between two alerts of one watch; 0 disables it.
	Cooldown time.Duration `envconfig:"COOLDOWN" default:"6h" desc:"minimum time between alerts of one watch"`
	// MinChangeAbs is the smallest price move that counts, in minor units per currency.
	MinChangeAbs map[string]int64 `envconfig:"MIN_CHANGE_ABS" default:"KRW:10,JPY:1,USD:10,EUR:10" desc:"smallest price move per currency in minor units"`
	// MinChangePct is the smallest relative price move that counts, in percent.
	MinChangePct float64 `envconfig:"MIN_CHANGE_PCT" default:"0.5" desc:"smallest relative price move in percent"`
	// RearmBandPct is how far above the target (percent) the price must go
	// before a target alert re-arms.
	RearmBandPct float64 `envconfig:"REARM_BAND_PCT" default:"2" desc:"target alerts re-arm above target*(1+band/100)"`
	// DefaultTimezone applies to users without a valid time zone.
	DefaultTimezone string `envconfig:"DEFAULT_TIMEZONE" default:"Asia/Seoul" desc:"time zone for users without one"`
	// QuietStart and QuietEnd are the default quiet hours ("HH:MM", local
	// time); empty or equal values mean none.
	QuietStart string `envconfig:"QUIET_START" default:"23:00" desc:"default quiet hours start HH:MM local"`
	QuietEnd   string `envconfig:"QUIET_END" default:"08:00" desc:"default quiet hours end HH:MM local"`
	// VAPIDPublicKey and VAPIDPrivateKey are the base64url VAPID key pair.
	VAPIDPublicKey  string `envconfig:"VAPID_PUBLIC_KEY" desc:"VAPID public key, base64url"`
	VAPIDPrivateKey string `envconfig:"VAPID_PRIVATE_KEY" desc:"VAPID private key, base64url"`
	// VAPIDSubject is the JWT sub: a mailto: address or https URL.
	VAPIDSubject string `envconfig:"VAPID_SUBJECT" default:"mailto:alerts@ddokso.local" desc:"VAPID JWT subject"`
	// PushTTL is how long the push service keeps an undelivered message.
	PushTTL time.Duration `envconfig:"PUSH_TTL" default:"24h" desc:"Web Push TTL"`
	// ConfigurationSet is the SES configuration set every email is sent
	// with; optional. Its event destination publishes send, delivery,
	// bounce, complaint and reject events to the ses-events topic: bounces
	// and complaints feed the suppression list, and send events are the
	// receipts that keep a crash between SES accepting a mail and the row
	// being marked sent from sending it twice (see HandleSESEvent).
	ConfigurationSet string `envconfig:"CONFIGURATION_SET" desc:"SES configuration set name (publishes send/bounce/complaint events to the ses-events topic)"`
	// SendRetries bounds retries of throttled SES calls.
	SendRetries int `envconfig:"SEND_RETRIES" default:"5" desc:"retries of throttled sends"`
	// SendBackoff is the first retry delay of a throttled send (doubles each time).
	SendBackoff time.Duration `envconfig:"SEND_BACKOFF" default:"200ms" desc:"first backoff of throttled sends"`
	// RetryAfter is how long a queued row may stay claimed before the
	// sweeper tries it again. Keep it well above the ses-events queue's
	// visibility timeout (60 s): an email whose worker died inside the SES
	// call is re-sent only if its SES Send receipt has not marked it sent
	// by then, and a receipt held by a dead consumer returns only after
	// that timeout.
	RetryAfter time.Duration `envconfig:"RETRY_AFTER" default:"5m" desc:"age of a stuck queued row before the sweeper retries it"`
	// MaxAttempts bounds delivery attempts of one row before it is failed.
	MaxAttempts int `envconfig:"MAX_ATTEMPTS" default:"5" desc:"delivery attempts before a row is marked failed"`
	// DigestTopDrops is how many of the day's biggest drops the digest lists.
	DigestTopDrops int `envconfig:"DIGEST_TOP_DROPS" default:"5" desc:"biggest drops listed in the digest"`
}

// DefaultConfig returns the defaults (as envconfig would fill them) with
// the given unsubscribe secret.
func DefaultConfig(secret string) Config {
	return Config{
		Sender: "ddokso <alerts@ddokso.local>", BaseURL: "http://localhost:3000", APIBaseURL: "http://localhost:8080",
		UnsubscribeSecret: secret, DailyCap: 10, Cooldown: 6 * time.Hour,
		MinChangeAbs: map[string]int64{"KRW": 10, "JPY": 1, "USD": 10, "EUR": 10}, MinChangePct: 0.5, RearmBandPct: 2,
		DefaultTimezone: "Asia/Seoul", QuietStart: "23:00", QuietEnd: "08:00",
		VAPIDSubject: "mailto:alerts@ddokso.local", PushTTL: 24 * time.Hour,
		SendRetries: 5, SendBackoff: 200 * time.Millisecond, RetryAfter: 5 * time.Minute, MaxAttempts: 5, DigestTopDrops: 5,
	}
}

// Validate reports invalid settings.
//
// Complexity (above 20): one check per setting.
func (c Config) Validate() error {
	var errs []error
	if c.Sender == "" {
		errs = append(errs, errors.New("sender is required"))
	}
	if c.UnsubscribeSecret == "" {
		errs = append(errs, errors.New("unsubscribe secret is required"))
	}
	if !strings.HasPrefix(c.BaseURL, "http") || !strings.HasPrefix(c.APIBaseURL, "http") {
		errs = append(errs, fmt.Errorf("base URLs must be http(s): %q, %q", c.BaseURL, c.APIBaseURL))
	}
	if c.DailyCap < 1 {
		errs = append(errs, fmt.Errorf("daily cap must be >= 1, got %d", c.DailyCap))
	}
	if c.Cooldown < 0 || c.MinChangePct < 0 || c.RearmBandPct < 0 {
		errs = append(errs, errors.New("cooldown, min change and re-arm band must not be negative"))
	}
	if _, err := time.LoadLocation(c.DefaultTimezone); err != nil {
		errs = append(errs, fmt.Errorf("default timezone %q: %w", c.DefaultTimezone, err))
	}
	for _, s := range []string{c.QuietStart, c.QuietEnd} {
		if s == "" {
			continue
		}
		if _, err := parseClock(s); err != nil {
			errs = append(errs, err)
		}
	}
	if (c.QuietStart == "") != (c.QuietEnd == "") {
		errs = append(errs, errors.New("quiet start and end must be set together"))
	}
	if (c.VAPIDPublicKey == "") != (c.VAPIDPrivateKey == "") {
		errs = append(errs, errors.New("VAPID public and private keys must be set together"))
	}
	if c.PushTTL < 0 || c.SendRetries < 0 || c.SendBackoff < 0 || c.RetryAfter <= 0 || c.MaxAttempts < 1 {
		errs = append(errs, errors.New("push TTL, send retries and backoff must be >= 0, retry after > 0, max attempts >= 1"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("notify config: %w", err)
	}
	return nil
}

// parseClock parses "HH:MM" or "HH:MM:SS" into an offset from midnight.
func parseClock(s string) (time.Duration, error) {
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, nil
		}
	}
	return 0, fmt.Errorf("parse clock time %q: want HH:MM", s)
}
