package search

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// version changes whenever Terms does, so every product is re-indexed.
const version = "1"

// Execer runs statements: a *sql.Tx or *sql.DB.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// TermsOf is what products.search_terms_of holds once a product's terms
// were made from title and brand: a hash of both (also for tools that
// write product_terms in bulk, such as the scale data set).
func TermsOf(title, brand string) string {
	h := fnv.New64a()
	h.Write([]byte(version + "\x1f" + title + "\x1f" + brand))
	return fmt.Sprintf("%016x", h.Sum64())
}

// Reindex rewrites product id's terms from its current title and brand,
// unless they are what the terms were made from. Call it in the
// transaction that writes the title (the row is then locked).
func Reindex(ctx context.Context, tx Execer, id int64) error {
	// One read answers both questions: the product's current name and
	// whether it has terms to clear. A DELETE that matches nothing still
	// takes a next-key lock on the gap of idx_product_terms_product; for
	// new products (ids at the end of the index) that is one gap every
	// scrap transaction then waited on, which serialised the workers
	// (issue 18, row 5). A plain read finds whether there is anything to
	// clear: the caller holds the product row, the only writers of its
	// terms lock it too, and a stale read can only make the INSERT below
	// fail on its primary key, never lose terms.
	var (
		title, brand, of sql.NullString
		has              bool
	)
	err := tx.QueryRowContext(ctx, `SELECT title, brand, search_terms_of,
		EXISTS (SELECT 1 FROM product_terms WHERE product_id = ?) FROM products WHERE id = ?`, id, id).Scan(&title, &brand, &of, &has)
	if err != nil {
		return fmt.Errorf("search: read product %d: %w", id, err)
	}
	h := TermsOf(title.String, brand.String)
	if of.Valid && of.String == h {
		return nil
	}
	if err := writeTerms(ctx, tx, id, title.String, brand.String, has); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE products SET search_terms_of = ? WHERE id = ?`, h, id); err != nil {
		return fmt.Errorf("search: mark %d indexed: %w", id, err)
	}
	return nil
}

// Rewrite replaces product id's terms with those of title and brand, for a
// writer of the product row that already knows the name it is storing and
// saw that TermsOf(title, brand) differs from the row's search_terms_of.
// Unlike Reindex it neither reads the name nor marks the product: the
// caller stores TermsOf(title, brand) in search_terms_of with its own
// write of the row, in the same transaction, holding the row locked. A
// product inserted by this transaction (fresh) has no terms to clear, so
// nothing is read (ids are never reused: InnoDB keeps AUTO_INCREMENT
// across restarts since MariaDB 10.2.4); otherwise a plain read finds
// whether there are any, as in Reindex.
func Rewrite(ctx context.Context, tx Execer, id int64, title, brand string, fresh bool) error {
	has := false
	if !fresh {
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM product_terms WHERE product_id = ?)`, id).Scan(&has)
		if err != nil {
			return fmt.Errorf("search: find terms of %d: %w", id, err)
		}
	}
	return writeTerms(ctx, tx, id, title, brand, has)
}

// writeTerms clears product id's terms when it has any (has) and writes
// those of title and brand.
func writeTerms(ctx context.Context, tx Execer, id int64, title, brand string, has bool) error {
	if has {
		if _, err := tx.ExecContext(ctx, `DELETE FROM product_terms WHERE product_id = ?`, id); err != nil {
			return fmt.Errorf("search: clear terms of %d: %w", id, err)
		}
	}
	terms := Terms(title, brand)
	if len(terms) == 0 {
		return nil
	}
	keys := make([]string, 0, len(terms))
	for t := range terms {
		keys = append(keys, t)
	}
	sort.Strings(keys) // one lock order for concurrent re-indexing
	args := make([]any, 0, 3*len(keys))
	for _, t := range keys {
		args = append(args, t, id, terms[t])
	}
	q := `INSERT INTO product_terms (term, product_id, weight) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(keys)), ", ")
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("search: write terms of %d: %w", id, err)
	}
	return nil
}

// Backfill indexes up to limit products never indexed (rows written
// before name search, or by tools that bypass the scrap worker) and
// returns how many it indexed; call it until it returns 0.
func Backfill(ctx context.Context, db *sql.DB, limit int) (int, error) {
	rows, err := db.QueryContext(ctx, `SELECT id FROM products WHERE search_terms_of IS NULL AND title IS NOT NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, fmt.Errorf("search: products to index: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("search: products to index: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("search: products to index: %w", err)
	}
	for _, id := range ids {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, fmt.Errorf("search: index %d: %w", id, err)
		}
		if err := Reindex(ctx, tx, id); err != nil {
			_ = tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("search: index %d: %w", id, err)
		}
	}
	return len(ids), nil
}
