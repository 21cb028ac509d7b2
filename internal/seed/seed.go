// Package seed builds a price-tracking database at ddokso.com's size (or a
// fraction of it) on the real schema: shops, products, variants, tags,
// users, watches, two years of price history as it stands after
// compaction, scrape requests, notifications and their delivery records.
// It is reproducible (one seeded math/rand stream per table, fixed anchor
// time) and fast: every table is streamed through LOAD DATA LOCAL INFILE.
package seed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Config sizes and anchors a data set.
type Config struct {
	// Scale multiplies every full-size count (1 = 500,000 products). Default 1.
	Scale float64
	// Seed of the random streams. Default 18.
	Seed int64
	// Anchor is "now" of the data set: history ends here and schedules are
	// relative to it. Default: the current time truncated to the hour.
	Anchor time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Full-size counts (Scale 1).
const (
	FullProducts = 500_000
	FullVariants = 1_500_000 // over a quarter of the products
	FullUsers    = 100_000
	FullWatches  = 400_000
	Shops        = 200
	// HistoryDays is how far back the price history goes.
	HistoryDays = 730
	// KeepDays is how long unchanged daily observations survive compaction
	// (DDOKSO_BATCH_OBSERVATION_KEEP, 90 days).
	KeepDays = 90
)

// Validate applies defaults and checks ranges.
func (c *Config) Validate() error {
	if c.Scale == 0 {
		c.Scale = 1
	}
	if c.Seed == 0 {
		c.Seed = 18
	}
	if c.Anchor.IsZero() {
		c.Anchor = time.Now().UTC().Truncate(time.Hour)
	}
	c.Anchor = c.Anchor.UTC()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Scale <= 0 || c.Scale > 4 {
		return fmt.Errorf("seed: scale must be in (0, 4], got %g", c.Scale)
	}
	return nil
}

func (c Config) n(full int) int { return max(1, int(float64(full)*c.Scale+0.5)) }

// Stats counts the rows a Run wrote per table.
type Stats map[string]int64

// Run fills db, which must be freshly migrated and empty, with the data set.
func Run(ctx context.Context, db *sql.DB, cfg Config) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&n); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if n > 0 {
		return nil, errors.New("seed: the database already holds products")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer conn.Close()
	// Bulk loading: the generator guarantees unique keys and references.
	if _, err := conn.ExecContext(ctx, `SET SESSION unique_checks = 0, foreign_key_checks = 0`); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	// idx_obs_compact (changed, observed_at) would be inserted into at
	// random; it is dropped for the load and built once afterwards with its
	// definition from the migrations, checked to be the same again.
	before, err := showCreate(ctx, conn, "price_observations")
	if err != nil {
		return nil, err
	}
	compactIdx := ""
	for _, line := range strings.Split(before, "\n") {
		if strings.Contains(line, "KEY `idx_obs_compact`") {
			compactIdx = strings.TrimSuffix(strings.TrimSpace(line), ",")
		}
	}
	g := newGen(cfg)
	st := Stats{}
	tables := g.tables()
	for k, t := range tables {
		if t.name == "price_observations" && (k == 0 || tables[k-1].name != t.name) && compactIdx != "" {
			if _, err := conn.ExecContext(ctx, `ALTER TABLE price_observations DROP INDEX idx_obs_compact`); err != nil {
				return st, fmt.Errorf("seed: %w", err)
			}
		}
		if k > 0 && t.name != "price_observations" && tables[k-1].name == "price_observations" && compactIdx != "" {
			start := time.Now()
			if _, err := conn.ExecContext(ctx, `ALTER TABLE price_observations ADD `+compactIdx); err != nil {
				return st, fmt.Errorf("seed: rebuild idx_obs_compact: %w", err)
			}
			after, err := showCreate(ctx, conn, "price_observations")
			if err != nil {
				return st, err
			}
			if stripAutoInc(after) != stripAutoInc(before) {
				return st, fmt.Errorf("seed: price_observations differs from the migrated schema after the load:\n%s\n%s", before, after)
			}
			cfg.Logger.Info("rebuilt index", "index", "idx_obs_compact", "took", time.Since(start).Round(time.Millisecond).String())
		}
		start := time.Now()
		rows, err := load(ctx, conn, t)
		if err != nil {
			return st, err
		}
		st[t.name] += rows
		cfg.Logger.Info("seeded table", "table", t.name, "rows", rows, "took", time.Since(start).Round(time.Millisecond).String())
	}
	return st, nil
}

// table is one LOAD DATA: a table, its columns and a writer of its rows.
type table struct {
	name    string
	cols    []string
	write   func(w *rowWriter) error
	setExpr string // optional SET clause
	// prep, when set, runs before the LOAD starts: the server drops a
	// LOAD DATA whose data does not arrive within net_read_timeout.
	prep func() error
}

var loadSeq atomic.Int64

func load(ctx context.Context, db *sql.Conn, t table) (int64, error) {
	if t.prep != nil {
		if err := t.prep(); err != nil {
			return 0, fmt.Errorf("seed %s: %w", t.name, err)
		}
	}
	name := fmt.Sprintf("ddokso-seed-%s-%d", t.name, loadSeq.Add(1))
	pr, pw := io.Pipe()
	rw := &rowWriter{w: pw, buf: make([]byte, 0, 1<<20)}
	go func() {
		err := t.write(rw)
		if err == nil {
			err = rw.flush()
		}
		pw.CloseWithError(err)
	}()
	mysql.RegisterReaderHandler(name, func() io.Reader { return pr })
	defer mysql.DeregisterReaderHandler(name)
	q := fmt.Sprintf("LOAD DATA LOCAL INFILE 'Reader::%s' INTO TABLE %s CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (%s)%s",
		name, t.name, strings.Join(t.cols, ", "), t.setExpr)
	res, err := db.ExecContext(ctx, q)
	if err != nil {
		pr.CloseWithError(err)
		return 0, fmt.Errorf("seed %s: %w", t.name, err)
	}
	if rw.rows == 0 {
		return 0, nil
	}
	got, _ := res.RowsAffected()
	if got != rw.rows {
		return got, fmt.Errorf("seed %s: wrote %d rows, the server loaded %d (warnings?)", t.name, rw.rows, got)
	}
	return got, nil
}

// rowWriter writes tab-separated rows; nil is \N.
type rowWriter struct {
	w    io.Writer
	buf  []byte
	rows int64
	col  int
}

func (r *rowWriter) sep() {
	if r.col > 0 {
		r.buf = append(r.buf, '\t')
	}
	r.col++
}

// S writes a string field (no tabs, newlines or backslashes).
func (r *rowWriter) S(s string) { r.sep(); r.buf = append(r.buf, s...) }

// I writes an integer field.
func (r *rowWriter) I(v int64) { r.sep(); r.buf = strconv.AppendInt(r.buf, v, 10) }

// N writes NULL.
func (r *rowWriter) N() { r.sep(); r.buf = append(r.buf, '\\', 'N') }

// IP writes an optional integer.
func (r *rowWriter) IP(v int64, ok bool) {
	if ok {
		r.I(v)
	} else {
		r.N()
	}
}

// T writes a DATETIME(6).
func (r *rowWriter) T(t time.Time) {
	r.sep()
	r.buf = t.UTC().AppendFormat(r.buf, "2006-01-02 15:04:05.000000")
}

// D writes a DATE.
func (r *rowWriter) D(t time.Time) { r.sep(); r.buf = t.AppendFormat(r.buf, "2006-01-02") }

func (r *rowWriter) end() error {
	r.buf = append(r.buf, '\n')
	r.rows++
	r.col = 0
	if len(r.buf) >= 1<<20-4096 {
		return r.flush()
	}
	return nil
}

func (r *rowWriter) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	_, err := r.w.Write(r.buf)
	r.buf = r.buf[:0]
	return err
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func rng(cfg Config, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(cfg.Seed), stream))
}

func showCreate(ctx context.Context, conn *sql.Conn, table string) (string, error) {
	var name, ddl string
	if err := conn.QueryRowContext(ctx, "SHOW CREATE TABLE "+table).Scan(&name, &ddl); err != nil {
		return "", fmt.Errorf("seed: show create %s: %w", table, err)
	}
	return ddl, nil
}

func stripAutoInc(ddl string) string {
	var out []string
	for _, f := range strings.Fields(ddl) {
		if !strings.HasPrefix(f, "AUTO_INCREMENT=") {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}
