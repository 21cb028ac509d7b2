package scrap

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/extract"
)

// variantRow is a stored variant before this check.
type variantRow struct {
	id           int64
	price        *int64
	availability string
	allTimeLow   *int64
}

// VariantKey is the product_variants.variant_key of v: the shop's variant id
// when it has one, else a stable signature of its options ("색상=블랙;사이즈=M",
// names sorted), hashed when longer than the column.
func VariantKey(v extract.Variant) string {
	key := v.ID
	if key == "" {
		key = v.SKU
	}
	if key == "" {
		names := make([]string, 0, len(v.Options))
		for k := range v.Options {
			names = append(names, k)
		}
		sort.Strings(names)
		var sb strings.Builder
		for i, k := range names {
			if i > 0 {
				sb.WriteByte(';')
			}
			sb.WriteString(k)
			sb.WriteByte('=')
			sb.WriteString(v.Options[k])
		}
		key = "opt:" + sb.String()
	}
	if len(key) > 191 {
		sum := sha256.Sum256([]byte(key))
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return key
}

// variantName is a display name: the option values in name order.
func variantName(v extract.Variant) string {
	names := make([]string, 0, len(v.Options))
	for k := range v.Options {
		names = append(names, k)
	}
	sort.Strings(names)
	vals := make([]string, 0, len(names))
	for _, k := range names {
		vals = append(vals, v.Options[k])
	}
	if len(vals) == 0 {
		return v.ID
	}
	return strings.Join(vals, " / ")
}

// saveVariants upserts the page's variants, writes an observation for each
// new or changed one and returns the changes of variants seen before, the
// first observation id, and whether any variant changed. The caller holds
// the product's row lock, which serialises writers of its variants.
func saveVariants(ctx context.Context, tx *sql.Tx, productID int64, vs []extract.Variant, cur string, curChanged, first bool, now time.Time) ([]events.PriceChange, int64, bool, error) {
	if len(vs) == 0 {
		return nil, 0, false, nil
	}
	existing := map[string]variantRow{}
	rows, err := tx.QueryContext(ctx, `SELECT id, variant_key, price, availability, all_time_low FROM product_variants WHERE product_id = ? FOR UPDATE`, productID)
	if err != nil {
		return nil, 0, false, fmt.Errorf("load variants of product %d: %w", productID, err)
	}
	for rows.Next() {
		var (
			r       variantRow
			key     string
			pr, atl sql.NullInt64
		)
		if err := rows.Scan(&r.id, &key, &pr, &r.availability, &atl); err != nil {
			rows.Close()
			return nil, 0, false, fmt.Errorf("scan variant of product %d: %w", productID, err)
		}
		r.price, r.allTimeLow = intPtr(pr), intPtr(atl)
		existing[key] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, false, fmt.Errorf("load variants of product %d: %w", productID, err)
	}

	var (
		changes    []events.PriceChange
		firstObs   int64
		anyChanged bool
		seen       = map[string]bool{}
	)
	for _, v := range vs {
		key := VariantKey(v)
		if seen[key] {
			continue
		}
		seen[key] = true
		prev, known := existing[key]
		vcur := cur
		if v.Price != nil && v.Price.Currency != "" {
			vcur = v.Price.Currency
		}
		np := minorOf(v.Price)
		if np == nil && known && prev.price != nil && !curChanged {
			np = prev.price // no price shown for this option: keep the last known
		}
		lp := minorOf(v.ListPrice)
		avail := availabilityOf(v.Availability)
		changed := !known || curChanged || !sameInt(prev.price, np) || prev.availability != avail

		atl, atlBefore := prev.allTimeLow, prev.allTimeLow
		if curChanged {
			atl, atlBefore = nil, nil
		}
		if np != nil {
			atl = minInt(atl, np)
		}
		opts := v.Options
		if opts == nil {
			opts = map[string]string{}
		}
		optJSON, err := json.Marshal(opts)
		if err != nil {
			return nil, 0, false, fmt.Errorf("encode variant options: %w", err)
		}
		name := variantName(v)
		r, err := tx.ExecContext(ctx, `INSERT INTO product_variants
			(product_id, variant_key, name, options, price, list_price, availability, sku, all_time_low)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), name = VALUES(name), options = VALUES(options),
				price = VALUES(price), list_price = VALUES(list_price), availability = VALUES(availability),
				sku = VALUES(sku), all_time_low = VALUES(all_time_low)`,
			productID, key, nullString(clip(name, 512)), string(optJSON), np, lp, avail, nullString(clip(v.SKU, 128)), atl)
		if err != nil {
			return nil, 0, false, fmt.Errorf("upsert variant %q of product %d: %w", key, productID, err)
		}
		vid, err := r.LastInsertId()
		if err != nil {
			return nil, 0, false, err
		}
		if !changed {
			continue
		}
		anyChanged = true
		obs, err := observe(ctx, tx, productID, vid, np, lp, vcur, avail, true, now)
		if err != nil {
			return nil, 0, false, err
		}
		if firstObs == 0 {
			firstObs = obs
		}
		if known && !first {
			oldPrice := prev.price
			if curChanged {
				oldPrice = nil
			}
			changes = append(changes, events.PriceChange{
				VariantID: vid, VariantName: name,
				OldPrice: oldPrice, NewPrice: np,
				OldAvailability: prev.availability, NewAvailability: avail,
				AllTimeLow: atlBefore, ListPrice: lp,
			})
		}
	}
	return changes, firstObs, anyChanged, nil
}
