package events

import (
	"errors"
	"time"
)

// Event type names. The "type" message attribute carries them, and queue
// subscriptions filter on them.
const (
	TypeScrapeRequested = "scrape.requested"
	TypePriceChanged    = "price.changed"
	TypeNotifyRequested = "notify.requested"
	TypeRescrapeDue     = "rescrape.due"
	TypeDigestDaily     = "digest.daily"
	TypeCleanupDaily    = "cleanup.daily"
)

// AllTypes lists every event type the system uses.
var AllTypes = []string{
	TypeScrapeRequested, TypePriceChanged, TypeNotifyRequested,
	TypeRescrapeDue, TypeDigestDaily, TypeCleanupDaily,
}

// Payload is implemented by every event payload struct: it names its event
// type and schema version.
type Payload interface {
	EventType() string
	EventVersion() int
}

// ScrapeRequested asks the scrap worker to fetch and extract a product page.
type ScrapeRequested struct {
	// ScrapeID is the scrape request row that receives the outcome.
	ScrapeID int64 `json:"scrape_id"`
	// URL is the canonical product URL to fetch.
	URL string `json:"url"`
	// ProductID is set for re-scrapes of a known product.
	ProductID int64 `json:"product_id,omitempty"`
	// Reason says who asked: "user", "schedule" or "operator".
	Reason string `json:"reason,omitempty"`
	// UserID is the requesting user, when there is one.
	UserID string `json:"user_id,omitempty"`
}

// EventType implements Payload.
func (ScrapeRequested) EventType() string { return TypeScrapeRequested }

// EventVersion implements Payload.
func (ScrapeRequested) EventVersion() int { return 1 }

// Validate checks required fields.
func (p ScrapeRequested) Validate() error {
	if p.URL == "" {
		return errors.New("scrape.requested: missing url")
	}
	return nil
}

// Scrape outcomes recorded on a scrape request.
const (
	OutcomeDone        = "done"
	OutcomeNotAProduct = "not_a_product"
	OutcomeBlocked     = "blocked"
	OutcomeFailed      = "failed"
)

// PriceChange is one product's or variant's move between two checks.
// Prices are integer minor units of Currency; nil means unknown.
type PriceChange struct {
	// VariantID is 0 for the product as a whole.
	VariantID       int64  `json:"variant_id,omitempty"`
	VariantName     string `json:"variant_name,omitempty"`
	OldPrice        *int64 `json:"old_price"`
	NewPrice        *int64 `json:"new_price"`
	OldAvailability string `json:"old_availability"`
	NewAvailability string `json:"new_availability"`
	// AllTimeLow is the lowest price ever observed before this check.
	AllTimeLow *int64 `json:"all_time_low,omitempty"`
	ListPrice  *int64 `json:"list_price,omitempty"`
}

// PriceChanged reports that a successful check changed a product's price or
// availability. Failed and blocked checks never produce it.
type PriceChanged struct {
	ProductID     int64         `json:"product_id"`
	ObservationID int64         `json:"observation_id"`
	Title         string        `json:"title"`
	URL           string        `json:"url"`
	Image         string        `json:"image,omitempty"`
	Currency      string        `json:"currency"`
	CheckedAt     time.Time     `json:"checked_at"`
	Changes       []PriceChange `json:"changes"`
}

// EventType implements Payload.
func (PriceChanged) EventType() string { return TypePriceChanged }

// EventVersion implements Payload.
func (PriceChanged) EventVersion() int { return 1 }

// Validate checks required fields.
func (p PriceChanged) Validate() error {
	if p.ProductID == 0 {
		return errors.New("price.changed: missing product_id")
	}
	if len(p.Changes) == 0 {
		return errors.New("price.changed: no changes")
	}
	return nil
}

// NotifyRequested asks the notification worker to send something outside
// the price-rule flow: a daily digest or an operator message.
type NotifyRequested struct {
	// Kind is "digest" or "message".
	Kind   string `json:"kind"`
	UserID string `json:"user_id"`
	// Day is the local day a digest covers (YYYY-MM-DD).
	Day     string `json:"day,omitempty"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
}

// EventType implements Payload.
func (NotifyRequested) EventType() string { return TypeNotifyRequested }

// EventVersion implements Payload.
func (NotifyRequested) EventVersion() int { return 1 }

// Validate checks required fields.
func (p NotifyRequested) Validate() error {
	if p.Kind == "" || p.UserID == "" {
		return errors.New("notify.requested: kind and user_id are required")
	}
	return nil
}

// Tick is the payload of the scheduled batch events (rescrape.due,
// digest.daily, cleanup.daily).
type Tick struct {
	// ScheduledAt is the schedule's nominal firing time.
	ScheduledAt time.Time `json:"scheduled_at"`
}

// RescrapeDue is the tick that selects due products for re-scraping.
type RescrapeDue Tick

// EventType implements Payload.
func (RescrapeDue) EventType() string { return TypeRescrapeDue }

// EventVersion implements Payload.
func (RescrapeDue) EventVersion() int { return 1 }

// DigestDaily is the tick that sends the daily digests.
type DigestDaily Tick

// EventType implements Payload.
func (DigestDaily) EventType() string { return TypeDigestDaily }

// EventVersion implements Payload.
func (DigestDaily) EventVersion() int { return 1 }

// CleanupDaily is the tick that compacts and purges old rows.
type CleanupDaily Tick

// EventType implements Payload.
func (CleanupDaily) EventType() string { return TypeCleanupDaily }

// EventVersion implements Payload.
func (CleanupDaily) EventVersion() int { return 1 }
