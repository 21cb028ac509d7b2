package api

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/store"
)

// Watch rules.
var watchRules = []string{"target", "drop_pct", "any_drop", "rise", "all_time_low", "back_in_stock"}

// Watch is one alert rule of a user on a product or variant.
type Watch struct {
	ID          int64      `json:"id"`
	ProductID   int64      `json:"product_id"`
	VariantID   int64      `json:"variant_id,omitempty"`
	Rule        string     `json:"rule"`
	TargetPrice *Money     `json:"target_price,omitempty"`
	DropPct     *float64   `json:"drop_pct,omitempty"`
	Channels    []string   `json:"channels"`
	Active      bool       `json:"active"`
	LastAlertAt *time.Time `json:"last_alert_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// ScrapeID is set on creation when the product was unknown and its
	// first scrape was started.
	ScrapeID int64    `json:"scrape_id,omitempty"`
	Product  *Product `json:"product,omitempty"`
}

// watchBody is the body of POST and PATCH /me/watches.
type watchBody struct {
	ProductID   int64    `json:"product_id"`
	VariantID   int64    `json:"variant_id"`
	URL         string   `json:"url"`
	Rule        *string  `json:"rule"`
	TargetPrice *string  `json:"target_price"`
	DropPct     *float64 `json:"drop_pct"`
	Channels    []string `json:"channels"`
	Active      *bool    `json:"active"`
}

// rule validation shared by create and update; currency converts target_price.
func validateRule(rule string, target *string, dropPct *float64, currency string) (tp sql.NullInt64, dp sql.NullFloat64, err error) {
	if !slices.Contains(watchRules, rule) {
		return tp, dp, fmt.Errorf("rule %q is not one of %v", rule, watchRules)
	}
	switch rule {
	case "target":
		if target == nil {
			return tp, dp, errors.New("rule target needs target_price")
		}
		if currency == "" {
			currency = "KRW"
		}
		a, err := price.ParseDecimal(*target, currency)
		if err != nil || a.Minor <= 0 {
			return tp, dp, fmt.Errorf("target_price %q must be a positive decimal amount in %s", *target, currency)
		}
		tp = sql.NullInt64{Int64: a.Minor, Valid: true}
	case "drop_pct":
		if dropPct == nil || *dropPct <= 0 || *dropPct >= 100 {
			return tp, dp, errors.New("rule drop_pct needs drop_pct between 0 and 100 (exclusive)")
		}
		dp = sql.NullFloat64{Float64: *dropPct, Valid: true}
	}
	return tp, dp, nil
}

func validateChannels(ch []string) (email, push bool, err error) {
	if len(ch) == 0 {
		return true, false, nil
	}
	for _, c := range ch {
		switch c {
		case "email":
			email = true
		case "push":
			push = true
		default:
			return false, false, fmt.Errorf("channel %q is not email or push", c)
		}
	}
	return email, push, nil
}

const watchCols = `w.id, w.product_id, w.variant_id, w.rule, w.target_price, w.drop_pct, w.channel_email,
	w.channel_push, w.active, w.last_alert_at, w.created_at, COALESCE(p.currency, '')`

func scanWatch(r rowScanner) (*Watch, error) {
	var (
		w           Watch
		tp          sql.NullInt64
		dp          sql.NullFloat64
		email, push bool
		last        sql.NullTime
		currency    string
	)
	if err := r.Scan(&w.ID, &w.ProductID, &w.VariantID, &w.Rule, &tp, &dp, &email, &push, &w.Active, &last, &w.CreatedAt, &currency); err != nil {
		return nil, err
	}
	w.TargetPrice = money(tp, currency)
	if dp.Valid {
		w.DropPct = &dp.Float64
	}
	w.Channels = []string{}
	if email {
		w.Channels = append(w.Channels, "email")
	}
	if push {
		w.Channels = append(w.Channels, "push")
	}
	if last.Valid {
		t := last.Time.UTC()
		w.LastAlertAt = &t
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return &w, nil
}

// loadWatch reads the caller's watch id; others' watches are errNotFound.
func loadWatch(ctx context.Context, q querier, userID string, id int64) (*Watch, error) {
	w, err := scanWatch(q.QueryRowContext(ctx, `SELECT `+watchCols+` FROM watches w
		LEFT JOIN products p ON p.id = w.product_id WHERE w.id = ? AND w.user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load watch %d: %w", id, err)
	}
	return w, nil
}

func (s *server) listWatches(c *gin.Context) {
	u := userFrom(c)
	rows, err := s.db.QueryContext(c.Request.Context(), `SELECT `+watchCols+` FROM watches w
		LEFT JOIN products p ON p.id = w.product_id WHERE w.user_id = ? ORDER BY w.id DESC LIMIT 1000`, u.ID)
	if err != nil {
		s.failErr(c, fmt.Errorf("list watches: %w", err))
		return
	}
	defer rows.Close()
	out := []*Watch{}
	for rows.Next() {
		w, err := scanWatch(rows)
		if err != nil {
			s.failErr(c, fmt.Errorf("scan watch: %w", err))
			return
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *server) getWatch(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	w, err := loadWatch(ctx, s.db, userFrom(c).ID, id)
	if errors.Is(err, errNotFound) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("watch %d does not exist", id))
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	if w.Product, err = s.loadProduct(ctx, w.ProductID); err != nil && !errors.Is(err, errNotFound) {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

// createWatch adds a watch on product_id, variant_id or url. An unknown url
// gets a minimal products row (check_status "new"), a scrape request and its
// outbox event in the same transaction as the watch.
func (s *server) createWatch(c *gin.Context) {
	var b watchBody
	if !bindJSON(c, &b) {
		return
	}
	targets := 0
	for _, set := range []bool{b.ProductID != 0, b.VariantID != 0, b.URL != ""} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		fail(c, http.StatusBadRequest, "invalid-watch", "give exactly one of product_id, variant_id or url")
		return
	}
	if b.Rule == nil {
		fail(c, http.StatusBadRequest, "invalid-watch", "rule is required")
		return
	}
	if b.Active != nil {
		fail(c, http.StatusBadRequest, "invalid-watch", "active can only be changed with PATCH")
		return
	}
	email, push, err := validateChannels(b.Channels)
	if err != nil {
		fail(c, http.StatusBadRequest, "invalid-watch", err.Error())
		return
	}
	var req *scrapeRequest
	if b.URL != "" {
		canon, kind, err := canonicalURL(b.URL, s.cfg.AllowLoopback)
		if err != nil {
			fail(c, http.StatusBadRequest, kind, err.Error())
			return
		}
		req = &scrapeRequest{raw: b.URL, canon: canon, hash: URLHash(canon.URL), reason: "watch"}
	}
	u := userFrom(c)
	ctx := c.Request.Context()
	var (
		id, scrapeID int64
		started      bool
		badRule      error
		missing      string
	)
	err = store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		productID, variantID := b.ProductID, b.VariantID
		var currency sql.NullString
		switch {
		case variantID != 0:
			err := tx.QueryRowContext(ctx, `SELECT v.product_id, p.currency FROM product_variants v
				JOIN products p ON p.id = v.product_id WHERE v.id = ?`, variantID).Scan(&productID, &currency)
			if errors.Is(err, sql.ErrNoRows) {
				missing = fmt.Sprintf("variant %d does not exist", variantID)
				return nil
			}
			if err != nil {
				return fmt.Errorf("look up variant %d: %w", variantID, err)
			}
		case productID != 0:
			err := tx.QueryRowContext(ctx, `SELECT currency FROM products WHERE id = ? FOR UPDATE`, productID).Scan(&currency)
			if errors.Is(err, sql.ErrNoRows) {
				missing = fmt.Sprintf("product %d does not exist", productID)
				return nil
			}
			if err != nil {
				return fmt.Errorf("look up product %d: %w", productID, err)
			}
		default:
			var status string
			err := tx.QueryRowContext(ctx, `SELECT id, currency, check_status FROM products WHERE url_hash = ? FOR UPDATE`, req.hash).
				Scan(&productID, &currency, &status)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res, err := tx.ExecContext(ctx, `INSERT INTO products (url_hash, canonical_url, shop, shop_product_id, check_status)
					VALUES (?, ?, ?, ?, 'new') ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
					req.hash, req.canon.URL, req.canon.Shop, nullString(req.canon.ProductID))
				if err != nil {
					return fmt.Errorf("insert product for %s: %w", req.canon.URL, err)
				}
				if productID, err = res.LastInsertId(); err != nil {
					return err
				}
				status = "new"
			case err != nil:
				return fmt.Errorf("look up product %s: %w", req.canon.URL, err)
			}
			if status == "new" {
				req.productID = productID
				if scrapeID, started, err = s.startScrape(ctx, tx, *req); err != nil {
					return err
				}
			}
		}
		tp, dp, err := validateRule(*b.Rule, b.TargetPrice, b.DropPct, currency.String)
		if err != nil {
			badRule = err
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO watches (user_id, product_id, variant_id, rule, target_price, drop_pct, channel_email, channel_push)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, productID, variantID, *b.Rule, tp, dp, email, push)
		if err != nil {
			return fmt.Errorf("insert watch: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE products SET watch_count = watch_count + 1 WHERE id = ?`, productID); err != nil {
			return fmt.Errorf("count watch on %d: %w", productID, err)
		}
		return nil
	})
	switch {
	case err != nil:
		s.failErr(c, err)
		return
	case missing != "":
		fail(c, http.StatusNotFound, "not-found", missing)
		return
	case badRule != nil:
		fail(c, http.StatusBadRequest, "invalid-watch", badRule.Error())
		return
	}
	if started {
		s.kick()
	}
	w, err := loadWatch(ctx, s.db, u.ID, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	w.ScrapeID = scrapeID
	c.Header("Location", "/api/v1/me/watches/"+strconv.FormatInt(id, 10))
	c.JSON(http.StatusCreated, w)
}

func (s *server) updateWatch(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var b watchBody
	if !bindJSON(c, &b) {
		return
	}
	if b.ProductID != 0 || b.VariantID != 0 || b.URL != "" {
		fail(c, http.StatusBadRequest, "invalid-watch", "a watch's product cannot change; create a new watch")
		return
	}
	u := userFrom(c)
	ctx := c.Request.Context()
	var badReq error
	err := store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		w, err := loadWatch(ctx, tx, u.ID, id)
		if err != nil {
			return err
		}
		rule := w.Rule
		if b.Rule != nil {
			rule = *b.Rule
		}
		target, drop := b.TargetPrice, b.DropPct
		if target == nil && w.TargetPrice != nil {
			target = &w.TargetPrice.Decimal
		}
		if drop == nil {
			drop = w.DropPct
		}
		var currency string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(currency, '') FROM products WHERE id = ?`, w.ProductID).Scan(&currency); err != nil {
			return fmt.Errorf("product of watch %d: %w", id, err)
		}
		tp, dp, err := validateRule(rule, target, drop, currency)
		if err != nil {
			badReq = err
			return nil
		}
		email, push := slices.Contains(w.Channels, "email"), slices.Contains(w.Channels, "push")
		if b.Channels != nil {
			if email, push, err = validateChannels(b.Channels); err != nil {
				badReq = err
				return nil
			}
		}
		active := w.Active
		if b.Active != nil {
			active = *b.Active
		}
		_, err = tx.ExecContext(ctx, `UPDATE watches SET armed = IF(rule <> ? OR NOT (target_price <=> ?), 1, armed),
			rule = ?, target_price = ?, drop_pct = ?, channel_email = ?, channel_push = ?, active = ?
			WHERE id = ? AND user_id = ?`, rule, tp, rule, tp, dp, email, push, active, id, u.ID)
		if err != nil {
			return fmt.Errorf("update watch %d: %w", id, err)
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotFound):
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("watch %d does not exist", id))
		return
	case err != nil:
		s.failErr(c, err)
		return
	case badReq != nil:
		fail(c, http.StatusBadRequest, "invalid-watch", badReq.Error())
		return
	}
	w, err := loadWatch(ctx, s.db, u.ID, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

func (s *server) deleteWatch(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	u := userFrom(c)
	ctx := c.Request.Context()
	err := store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var productID int64
		err := tx.QueryRowContext(ctx, `SELECT product_id FROM watches WHERE id = ? AND user_id = ? FOR UPDATE`, id, u.ID).Scan(&productID)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return fmt.Errorf("look up watch %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM watches WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete watch %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE products SET watch_count = GREATEST(watch_count - 1, 0) WHERE id = ?`, productID); err != nil {
			return fmt.Errorf("uncount watch on %d: %w", productID, err)
		}
		return nil
	})
	if errors.Is(err, errNotFound) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("watch %d does not exist", id))
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// pushBody is a browser PushSubscription as JSON (PushSubscription.toJSON()).
type pushBody struct {
	Endpoint       string `json:"endpoint"`
	ExpirationTime *int64 `json:"expirationTime"`
	Keys           struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(trimPad(s))
}

func trimPad(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}

func (s *server) createPushSubscription(c *gin.Context) {
	var b pushBody
	if !bindJSON(c, &b) {
		return
	}
	u, err := url.Parse(b.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || len(b.Endpoint) > 2048 || privateHost(u.Hostname()) {
		fail(c, http.StatusBadRequest, "invalid-subscription", "endpoint must be a public https URL of at most 2048 bytes")
		return
	}
	if k, err := decodeB64URL(b.Keys.P256dh); err != nil || len(k) != 65 || k[0] != 4 {
		fail(c, http.StatusBadRequest, "invalid-subscription", "keys.p256dh must be a base64url uncompressed P-256 public key (65 bytes)")
		return
	}
	if k, err := decodeB64URL(b.Keys.Auth); err != nil || len(k) != 16 {
		fail(c, http.StatusBadRequest, "invalid-subscription", "keys.auth must be a base64url 16-byte secret")
		return
	}
	user := userFrom(c)
	sum := sha256.Sum256([]byte(b.Endpoint))
	hash := hex.EncodeToString(sum[:])
	ctx := c.Request.Context()
	// A browser endpoint belongs to whoever subscribed with it last.
	res, err := s.db.ExecContext(ctx, `INSERT INTO push_subscriptions (user_id, endpoint, endpoint_hash, p256dh, auth)
		VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), user_id = VALUES(user_id),
		p256dh = VALUES(p256dh), auth = VALUES(auth)`, user.ID, b.Endpoint, hash, trimPad(b.Keys.P256dh), trimPad(b.Keys.Auth))
	if err != nil {
		s.failErr(c, fmt.Errorf("store push subscription: %w", err))
		return
	}
	id, err := res.LastInsertId()
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Header("Location", "/api/v1/me/push-subscriptions/"+strconv.FormatInt(id, 10))
	c.JSON(http.StatusCreated, gin.H{"id": id, "endpoint": b.Endpoint})
}

func (s *server) deletePushSubscription(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	res, err := s.db.ExecContext(c.Request.Context(), `DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?`, id, userFrom(c).ID)
	if err != nil {
		s.failErr(c, fmt.Errorf("delete push subscription %d: %w", id, err))
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("push subscription %d does not exist", id))
		return
	}
	c.Status(http.StatusNoContent)
}
