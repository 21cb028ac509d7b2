package api

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/watch"
)

// emailFromToken is users.email_source when the address is the token's
// email claim; emailFromUser when set with PATCH /me.
const (
	emailFromToken = "token"
	emailFromUser  = "user"
)

// Channels a watch can deliver on.
const (
	channelEmail = "email"
	channelPush  = "push"
)

// decimalInput is a decimal amount given as a JSON string ("15.50") or a
// JSON number (15.5); either way its exact text is kept, never a float.
type decimalInput string

// UnmarshalJSON accepts a JSON string or number.
func (d *decimalInput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = decimalInput(s)
		return nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return fmt.Errorf("target_price must be a decimal string or number: %w", err)
	}
	*d = decimalInput(n.String())
	return nil
}

// watchBody is the body of POST and PATCH /me/watches.
type watchBody struct {
	ProductID   int64         `json:"product_id"`
	VariantID   int64         `json:"variant_id"`
	URL         string        `json:"url"`
	Rule        *string       `json:"rule"`
	TargetPrice *decimalInput `json:"target_price"`
	DropPct     *float64      `json:"drop_pct"`
	Channels    []string      `json:"channels"`
	Active      *bool         `json:"active"`
}

// ruleSpec is a watch rule with its parameters, before the product's
// currency turns target into minor units.
type ruleSpec struct {
	rule    string
	target  *string
	dropPct *float64
}

// check validates the rule without the product: known rule, its
// parameter present and in range, and target a positive decimal (with at
// most two fraction digits; the product's currency may allow fewer).
func (r ruleSpec) check() error {
	_, _, err := r.resolve("")
	return err
}

// resolve validates the rule for a product priced in currency and returns
// the columns it is stored as. currency "" checks the shape only.
func (r ruleSpec) resolve(currency string) (tp sql.NullInt64, dp sql.NullFloat64, err error) {
	if !watch.Valid(r.rule) {
		return tp, dp, fmt.Errorf("rule %q is not one of %v", r.rule, watch.Rules())
	}
	switch r.rule {
	case watch.Target:
		if r.target == nil {
			return tp, dp, errors.New("rule target needs target_price")
		}
		a, err := price.ParseDecimal(*r.target, currency)
		if err != nil || a.Minor <= 0 {
			in := currency
			if in == "" {
				in = "major units"
			}
			return tp, dp, fmt.Errorf("target_price %q must be a positive decimal amount in %s", *r.target, in)
		}
		tp = sql.NullInt64{Int64: a.Minor, Valid: true}
	case watch.DropPct:
		if r.dropPct == nil || *r.dropPct <= 0 || *r.dropPct >= 100 {
			return tp, dp, errors.New("rule drop_pct needs drop_pct between 0 and 100 (exclusive)")
		}
		// As DECIMAL(5,2) stores it, so identical watches compare equal.
		dp = sql.NullFloat64{Float64: math.Round(*r.dropPct*100) / 100, Valid: true}
	}
	return tp, dp, nil
}

// currencyOrKRW is a product's currency, or KRW (the service's home
// currency) while a new product's is not yet known.
func currencyOrKRW(c string) string {
	if c == "" {
		return "KRW"
	}
	return c
}

// channelSet is the channels a watch asks for.
type channelSet struct{ email, push bool }

func (c channelSet) list() []string {
	out := []string{}
	if c.email {
		out = append(out, channelEmail)
	}
	if c.push {
		out = append(out, channelPush)
	}
	return out
}

// parseChannels reads a channels array: absent (nil) is email only; an
// empty array is refused, as a watch that can alert nobody would be.
func parseChannels(ch []string) (channelSet, error) {
	if ch == nil {
		return channelSet{email: true}, nil
	}
	if len(ch) == 0 {
		return channelSet{}, errors.New("channels must name at least one of email or push (omit it for email)")
	}
	var cs channelSet
	for _, c := range ch {
		switch c {
		case channelEmail:
			cs.email = true
		case channelPush:
			cs.push = true
		default:
			return channelSet{}, fmt.Errorf("channel %q is not email or push", c)
		}
	}
	return cs, nil
}

// newWatch is a validated POST /me/watches: exactly one target, a rule
// whose shape is valid, and channels.
type newWatch struct {
	productID, variantID int64
	url                  string
	rule                 ruleSpec
	channels             channelSet
}

func invalidWatch(err error) *reqError {
	return clientErr(http.StatusBadRequest, "invalid-watch", "%s", err.Error())
}

// parseNewWatch validates everything about a new watch that needs no
// database, so a bad request is refused before any transaction starts.
func parseNewWatch(b watchBody) (newWatch, error) {
	targets := 0
	for _, set := range []bool{b.ProductID != 0, b.VariantID != 0, b.URL != ""} {
		if set {
			targets++
		}
	}
	switch {
	case targets != 1:
		return newWatch{}, invalidWatch(errors.New("give exactly one of product_id, variant_id or url"))
	case b.ProductID < 0 || b.VariantID < 0:
		return newWatch{}, invalidWatch(errors.New("product_id and variant_id are positive ids"))
	case b.Rule == nil:
		return newWatch{}, invalidWatch(errors.New("rule is required"))
	case b.Active != nil:
		return newWatch{}, invalidWatch(errors.New("active can only be changed with PATCH"))
	}
	nw := newWatch{productID: b.ProductID, variantID: b.VariantID, url: b.URL,
		rule: ruleSpec{rule: *b.Rule, target: (*string)(b.TargetPrice), dropPct: b.DropPct}}
	if err := nw.rule.check(); err != nil {
		return newWatch{}, invalidWatch(err)
	}
	ch, err := parseChannels(b.Channels)
	if err != nil {
		return newWatch{}, invalidWatch(err)
	}
	nw.channels = ch
	return nw, nil
}
