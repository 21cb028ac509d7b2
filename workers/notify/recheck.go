package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// current is what the catalog says now about an alert's product or variant.
type current struct {
	Price        *int64
	Availability string
}

// stillTrue re-evaluates an alert that waited (quiet hours) at delivery:
// whether the rule that fired on the move old → alerted still holds for the
// current price and availability. When it does not, it says why.
//
// Complexity (above 20): one case per rule with its reason, as evaluate.
func (c Config) stillTrue(w watchRule, old, alerted *int64, cur current, currency string) (bool, string) {
	if w.Rule == RuleBackInStock {
		if cur.Availability == "in_stock" {
			return true, ""
		}
		return false, "no longer true at delivery: the product is " + cur.Availability + " again"
	}
	if cur.Price == nil {
		return false, "no longer true at delivery: the current price is unknown"
	}
	n := *cur.Price
	gone := fmt.Sprintf("no longer true at delivery: the price is %d %s now", n, currency)
	switch w.Rule {
	case RuleTarget:
		if w.TargetPrice != nil && n <= *w.TargetPrice {
			return true, ""
		}
		if w.TargetPrice != nil {
			gone += fmt.Sprintf(", above the target %d", *w.TargetPrice)
		}
		return false, gone
	case RuleAllTimeLow:
		if alerted != nil && n <= *alerted {
			return true, ""
		}
		return false, gone
	}
	if old == nil || c.noise(old, n, currency) {
		return false, gone
	}
	o := *old
	switch w.Rule {
	case RuleAnyDrop:
		if n < o {
			return true, ""
		}
	case RuleRise:
		if n > o {
			return true, ""
		}
	case RuleDropPct:
		if w.DropPct != nil && o > 0 && n < o && float64(o-n)*100 >= *w.DropPct*float64(o)-1e-9 {
			return true, ""
		}
	}
	return false, gone
}

// recheck re-evaluates a row that was deferred against the watch and the
// catalog as they are now. It returns a skip reason when the alert no
// longer holds; otherwise it updates the row (and n) to the current price
// and availability, so the message quotes them.
func (w *Worker) recheck(ctx context.Context, n *storedNotification) (string, error) {
	var s watchState
	var active bool
	err := w.db.QueryRowContext(ctx, `SELECT rule, target_price, drop_pct, active FROM watches WHERE id = ?`, n.WatchID.Int64).
		Scan(&s.Rule, &s.Target, &s.DropPct, &active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return reasonWatchInactive, nil
	}
	if err != nil {
		return "", fmt.Errorf("recheck watch %d: %w", n.WatchID.Int64, err)
	}
	if s.Rule != n.Rule {
		return reasonRuleChanged, nil
	}
	var price sql.NullInt64
	var cur current
	if n.VariantID == 0 {
		err = w.db.QueryRowContext(ctx, `SELECT price, availability FROM products WHERE id = ?`, n.ProductID.Int64).Scan(&price, &cur.Availability)
	} else {
		err = w.db.QueryRowContext(ctx, `SELECT price, availability FROM product_variants WHERE id = ?`, n.VariantID).Scan(&price, &cur.Availability)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "no longer true at delivery: the product is gone", nil
	}
	if err != nil {
		return "", fmt.Errorf("recheck price of notification %d: %w", n.ID, err)
	}
	if price.Valid {
		cur.Price = &price.Int64
	}
	var old, alerted *int64
	if n.OldPrice.Valid {
		old = &n.OldPrice.Int64
	}
	if n.NewPrice.Valid {
		alerted = &n.NewPrice.Int64
	}
	if ok, why := w.cfg.stillTrue(s.rule(), old, alerted, cur, n.Currency.String); !ok {
		return why, nil
	}
	if price != n.NewPrice || cur.Availability != n.NewAvail.String {
		if _, err := w.db.ExecContext(ctx, `UPDATE notifications SET new_price = ?, new_availability = ? WHERE id = ?`,
			price, nullStr(cur.Availability), n.ID); err != nil {
			return "", fmt.Errorf("update notification %d to the current price: %w", n.ID, err)
		}
		w.log.InfoContext(ctx, "deferred alert re-evaluated: current price", "notification_id", n.ID,
			"alerted_price", n.NewPrice.Int64, "current_price", price.Int64)
		n.NewPrice, n.NewAvail = price, sql.NullString{String: cur.Availability, Valid: cur.Availability != ""}
	}
	return "", nil
}
