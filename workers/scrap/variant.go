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
	id int64
	level
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

// variantsSaved is what saveVariants wrote.
type variantsSaved struct {
	changes  []events.PriceChange // of variants seen before
	firstObs int64                // the first observation written, 0 if none
	changed  bool                 // any variant new or changed
}

// saveVariants upserts the page's variants and writes an observation for
// each new or changed one, with the same change decision as the product.
// prevCur is the product's currency before this check (variants have none
// of their own), cur its currency now. The caller holds the product's row
// lock, which serialises writers of its variants. A product this
// transaction created (fresh) has no variants yet, so none are read (nor
// the end of the variants' index locked).
func saveVariants(ctx context.Context, tx *sql.Tx, productID int64, vs []extract.Variant, prevCur, cur string, fresh bool, now time.Time) (variantsSaved, error) {
	var out variantsSaved
	if len(vs) == 0 {
		return out, nil
	}
	existing := map[string]variantRow{}
	if !fresh {
		var err error
		if existing, err = lockVariants(ctx, tx, productID); err != nil {
			return out, err
		}
	}
	seenKeys := map[string]bool{}
	for _, v := range vs {
		key := VariantKey(v)
		if seenKeys[key] {
			continue
		}
		seenKeys[key] = true
		prev := existing[key]
		prev.currency = prevCur
		obs := variantSeen(v, cur)
		d := decide(prev.level, obs)
		name := variantName(v)
		vid, err := upsertVariant(ctx, tx, productID, key, name, v, d, obs)
		if err != nil {
			return out, err
		}
		if !d.changed {
			continue
		}
		out.changed = true
		obsID, err := observe(ctx, tx, productID, vid, d.price, obs.listPrice, d.currency, obs.availability, true, now)
		if err != nil {
			return out, err
		}
		if out.firstObs == 0 {
			out.firstObs = obsID
		}
		if d.change != nil {
			ch := *d.change
			ch.VariantID, ch.VariantName = vid, name
			out.changes = append(out.changes, ch)
		}
	}
	return out, nil
}

// variantSeen is what the page shows of one variant; cur is the product's
// currency, for a variant price without its own.
func variantSeen(v extract.Variant, cur string) seen {
	if v.Price != nil && v.Price.Currency != "" {
		cur = v.Price.Currency
	}
	return seen{price: minorOf(v.Price), listPrice: minorOf(v.ListPrice), currency: cur, availability: availabilityOf(v.Availability)}
}

// lockVariants loads and locks the stored variants of a product by key.
func lockVariants(ctx context.Context, tx *sql.Tx, productID int64) (map[string]variantRow, error) {
	existing := map[string]variantRow{}
	rows, err := tx.QueryContext(ctx, `SELECT id, variant_key, price, availability, all_time_low FROM product_variants WHERE product_id = ? FOR UPDATE`, productID)
	if err != nil {
		return nil, fmt.Errorf("load variants of product %d: %w", productID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r       = variantRow{level: level{known: true}}
			key     string
			pr, atl sql.NullInt64
		)
		if err := rows.Scan(&r.id, &key, &pr, &r.availability, &atl); err != nil {
			return nil, fmt.Errorf("scan variant of product %d: %w", productID, err)
		}
		r.price, r.allTimeLow = intPtr(pr), intPtr(atl)
		existing[key] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load variants of product %d: %w", productID, err)
	}
	return existing, nil
}

// upsertVariant writes a variant's new state and returns its id.
func upsertVariant(ctx context.Context, tx *sql.Tx, productID int64, key, name string, v extract.Variant, d decision, obs seen) (int64, error) {
	opts := v.Options
	if opts == nil {
		opts = map[string]string{}
	}
	optJSON, err := json.Marshal(opts)
	if err != nil {
		return 0, fmt.Errorf("encode variant options: %w", err)
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO product_variants
		(product_id, variant_key, name, options, price, list_price, availability, sku, all_time_low)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), name = VALUES(name), options = VALUES(options),
			price = VALUES(price), list_price = VALUES(list_price), availability = VALUES(availability),
			sku = VALUES(sku), all_time_low = VALUES(all_time_low)`,
		productID, key, nullString(clip(name, 512)), string(optJSON), d.price, obs.listPrice, obs.availability, nullString(clip(v.SKU, 128)), d.allTimeLow)
	if err != nil {
		return 0, fmt.Errorf("upsert variant %q of product %d: %w", key, productID, err)
	}
	return r.LastInsertId()
}
