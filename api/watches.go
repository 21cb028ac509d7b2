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
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/store"
)

// Watch is one alert rule of a user on a product or variant.
type Watch struct {
	ID          int64    `json:"id"`
	ProductID   int64    `json:"product_id"`
	VariantID   int64    `json:"variant_id,omitempty"`
	Rule        string   `json:"rule"`
	TargetPrice *Money   `json:"target_price,omitempty"`
	DropPct     *float64 `json:"drop_pct,omitempty"`
	// Channels are the channels alerts are delivered on now: a requested
	// channel that cannot deliver (unsubscribed, suppressed, ...) is left
	// out, and ChannelStates says why.
	Channels []string `json:"channels"`
	// ChannelStates has every requested channel and its state.
	ChannelStates map[string]ChannelState `json:"channel_states"`
	// Active is true when the watch is switched on and some channel delivers.
	Active      bool       `json:"active"`
	LastAlertAt *time.Time `json:"last_alert_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// ScrapeID is set on creation when the product was unknown and its
	// first scrape was started.
	ScrapeID int64    `json:"scrape_id,omitempty"`
	Product  *Product `json:"product,omitempty"`

	requested      channelSet // the stored channel flags
	enabled        bool       // the stored active flag
	unsubscribedAt *time.Time
}

const watchCols = `w.id, w.product_id, w.variant_id, w.rule, w.target_price, w.drop_pct, w.channel_email,
	w.channel_push, w.active, w.last_alert_at, w.unsubscribed_at, w.created_at, COALESCE(p.currency, '')`

func scanWatch(r rowScanner) (*Watch, error) {
	var (
		w           Watch
		tp          sql.NullInt64
		dp          sql.NullFloat64
		last, unsub sql.NullTime
		currency    string
	)
	if err := r.Scan(&w.ID, &w.ProductID, &w.VariantID, &w.Rule, &tp, &dp, &w.requested.email, &w.requested.push,
		&w.enabled, &last, &unsub, &w.CreatedAt, &currency); err != nil {
		return nil, err
	}
	w.TargetPrice = money(tp, currency)
	if dp.Valid {
		w.DropPct = &dp.Float64
	}
	w.Channels = w.requested.list()
	w.Active = w.enabled
	if last.Valid {
		t := last.Time.UTC()
		w.LastAlertAt = &t
	}
	if unsub.Valid {
		t := unsub.Time.UTC()
		w.unsubscribedAt = &t
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

// loadWatchStated is loadWatch with the channel states applied.
func (s *server) loadWatchStated(ctx context.Context, u *User, id int64) (*Watch, error) {
	w, err := loadWatch(ctx, s.db, u.ID, id)
	if err != nil {
		return nil, err
	}
	uc, err := s.loadUserChannels(ctx, s.db, u)
	if err != nil {
		return nil, err
	}
	applyStates(w, uc)
	return w, nil
}

// listWatchesSQL reads a user's watches, newest first: one range of the
// primary key (user_id, id), so a user's watches are one page.
const listWatchesSQL = `SELECT ` + watchCols + ` FROM watches w
	LEFT JOIN products p ON p.id = w.product_id WHERE w.user_id = ? ORDER BY w.id DESC LIMIT 1000`

func (s *server) listWatches(c *gin.Context) {
	u := userFrom(c)
	ctx := c.Request.Context()
	uc, err := s.loadUserChannels(ctx, s.db, u)
	if err != nil {
		s.failErr(c, err)
		return
	}
	rows, err := s.db.QueryContext(ctx, listWatchesSQL, u.ID)
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
		applyStates(w, uc)
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
	w, err := s.loadWatchStated(ctx, userFrom(c), id)
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

// ensureUser upserts the caller's users row from the token inside a write
// transaction (so a refused request leaves no row): the token's email,
// when it has one, is the address alerts go to.
func ensureUser(ctx context.Context, tx *sql.Tx, u *User) error {
	var source any
	if u.Email != "" {
		source = emailFromToken
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, email_source) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE email = COALESCE(VALUES(email), email), email_source = COALESCE(VALUES(email_source), email_source)`,
		u.ID, nullString(u.Email), source)
	if err != nil {
		return fmt.Errorf("upsert user %q: %w", u.ID, err)
	}
	return nil
}

// createWatch adds a watch on product_id, variant_id or url. Everything
// that needs no database is checked before the transaction; what needs it
// (the product exists, the target price fits its currency, no identical
// watch) fails inside it with a reqError, which rolls it back. An unknown
// url gets a minimal products row (check_status "new"), a scrape request
// and its outbox event in the same transaction as the watch.
func (s *server) createWatch(c *gin.Context) {
	var b watchBody
	if !bindJSON(c, &b) {
		return
	}
	nw, err := parseNewWatch(b)
	if err != nil {
		s.failErr(c, err)
		return
	}
	var req *scrapeRequest
	if nw.url != "" {
		canon, kind, err := canonicalURL(nw.url, s.cfg.localShops())
		if err != nil {
			fail(c, http.StatusBadRequest, kind, err.Error())
			return
		}
		req = &scrapeRequest{raw: nw.url, canon: canon, hash: canon.Hash(), reason: "watch"}
	}
	u := userFrom(c)
	ctx := c.Request.Context()
	uc, err := s.loadUserChannels(ctx, s.db, u)
	if err == nil {
		err = uc.refuse(nw.channels)
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	var out createdWatch
	err = store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		out, err = s.insertWatch(ctx, tx, u, nw, req)
		return err
	})
	if err != nil {
		if re := (*reqError)(nil); errors.As(err, &re) && re.existingID != 0 {
			c.Header("Location", "/api/v1/me/watches/"+strconv.FormatInt(re.existingID, 10))
		}
		s.failErr(c, err)
		return
	}
	if out.scrapeStarted {
		s.kick()
	}
	w, err := s.loadWatchStated(ctx, u, out.id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	w.ScrapeID = out.scrapeID
	c.Header("Location", "/api/v1/me/watches/"+strconv.FormatInt(out.id, 10))
	c.JSON(http.StatusCreated, w)
}

// createdWatch is what insertWatch did.
type createdWatch struct {
	id, scrapeID  int64
	scrapeStarted bool
}

// watchTarget is the product (and variant) a new watch is on, its row
// locked for the rest of the transaction.
type watchTarget struct {
	productID, variantID int64
	currency             string
	status               string // check_status; "new" until the first scrape
	missing              bool   // url only: no product row yet
}

// insertWatch resolves the watch's product, validates the rule against the
// product's currency, refuses an identical watch, and inserts the watch
// (with, for an unknown URL, its product and first scrape).
func (s *server) insertWatch(ctx context.Context, tx *sql.Tx, u *User, nw newWatch, req *scrapeRequest) (createdWatch, error) {
	var out createdWatch
	t, err := lockWatchTarget(ctx, tx, nw, req)
	if err != nil {
		return out, err
	}
	tp, dp, err := nw.rule.resolve(currencyOrKRW(t.currency))
	if err != nil {
		return out, invalidWatch(err)
	}
	if err := ensureUser(ctx, tx, u); err != nil {
		return out, err
	}
	if t.missing {
		if t.productID, err = insertNewProduct(ctx, tx, req); err != nil {
			return out, err
		}
		t.status = "new"
	}
	if err := refuseDuplicate(ctx, tx, u.ID, t, nw.rule.rule, tp, dp, 0); err != nil {
		return out, err
	}
	if req != nil && t.status == "new" {
		r := *req
		r.productID = t.productID
		if out.scrapeID, out.scrapeStarted, err = s.startScrape(ctx, tx, r); err != nil {
			return out, err
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO watches (user_id, product_id, variant_id, rule, target_price, drop_pct, channel_email, channel_push)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, t.productID, t.variantID, nw.rule.rule, tp, dp, nw.channels.email, nw.channels.push)
	if err != nil {
		return out, fmt.Errorf("insert watch: %w", err)
	}
	if out.id, err = res.LastInsertId(); err != nil {
		return out, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE products SET watch_count = watch_count + 1 WHERE id = ?`, t.productID); err != nil {
		return out, fmt.Errorf("count watch on %d: %w", t.productID, err)
	}
	return out, nil
}

// lockWatchTarget finds the watch's product and locks its row (the lock
// serializes concurrent identical watches). A missing product or variant
// is a 404; an unknown url is missing with no error.
func lockWatchTarget(ctx context.Context, tx *sql.Tx, nw newWatch, req *scrapeRequest) (watchTarget, error) {
	t := watchTarget{productID: nw.productID, variantID: nw.variantID}
	var currency sql.NullString
	if t.variantID != 0 {
		err := tx.QueryRowContext(ctx, `SELECT product_id FROM product_variants WHERE id = ?`, t.variantID).Scan(&t.productID)
		if errors.Is(err, sql.ErrNoRows) {
			return t, clientErr(http.StatusNotFound, "not-found", "variant %d does not exist", t.variantID)
		}
		if err != nil {
			return t, fmt.Errorf("look up variant %d: %w", t.variantID, err)
		}
	}
	var err error
	if req != nil {
		err = tx.QueryRowContext(ctx, `SELECT id, currency, check_status FROM products WHERE url_hash = ? FOR UPDATE`, req.hash).
			Scan(&t.productID, &currency, &t.status)
		if errors.Is(err, sql.ErrNoRows) {
			t.missing = true
			return t, nil
		}
	} else {
		err = tx.QueryRowContext(ctx, `SELECT currency, check_status FROM products WHERE id = ? FOR UPDATE`, t.productID).
			Scan(&currency, &t.status)
		if errors.Is(err, sql.ErrNoRows) {
			return t, clientErr(http.StatusNotFound, "not-found", "product %d does not exist", t.productID)
		}
	}
	if err != nil {
		return t, fmt.Errorf("look up product of watch: %w", err)
	}
	t.currency = currency.String
	return t, nil
}

// insertNewProduct adds the minimal products row of an unknown URL (or
// finds the one a concurrent request just added) and returns its id.
func insertNewProduct(ctx context.Context, tx *sql.Tx, req *scrapeRequest) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO products (url_hash, canonical_url, shop, shop_product_id, check_status)
		VALUES (?, ?, ?, ?, 'new') ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
		req.hash, req.canon.URL, req.canon.Shop, nullString(req.canon.ProductID))
	if err != nil {
		return 0, fmt.Errorf("insert product for %s: %w", req.canon.URL, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("product id for %s: %w", req.canon.URL, err)
	}
	return id, nil
}

// refuseDuplicate answers 409 (with the existing watch's id) when the user
// already has a watch with the same product, variant, rule and parameters,
// other than self. The caller holds the product's row lock.
func refuseDuplicate(ctx context.Context, tx *sql.Tx, userID string, t watchTarget, rule string, tp sql.NullInt64, dp sql.NullFloat64, self int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM watches WHERE user_id = ? AND product_id = ? AND variant_id = ? AND rule = ?
		AND target_price <=> ? AND drop_pct <=> ? AND id <> ? ORDER BY id LIMIT 1`,
		userID, t.productID, t.variantID, rule, tp, dp, self).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for duplicate watch: %w", err)
	}
	e := clientErr(http.StatusConflict, "duplicate-watch",
		"you already have this watch (id %d); change it with PATCH /api/v1/me/watches/%d", id, id)
	e.existingID = id
	return e
}

// watchPatch is a validated PATCH /me/watches/{id}.
type watchPatch struct {
	rule     *string
	target   *string
	dropPct  *float64
	channels *channelSet
	active   *bool
}

func parseWatchPatch(b watchBody) (watchPatch, error) {
	if b.ProductID != 0 || b.VariantID != 0 || b.URL != "" {
		return watchPatch{}, invalidWatch(errors.New("a watch's product cannot change; create a new watch"))
	}
	p := watchPatch{rule: b.Rule, target: (*string)(b.TargetPrice), dropPct: b.DropPct, active: b.Active}
	if b.Channels != nil {
		cs, err := parseChannels(b.Channels)
		if err != nil {
			return watchPatch{}, invalidWatch(err)
		}
		p.channels = &cs
	}
	return p, nil
}

// merged is the watch's rule after the patch.
func (p watchPatch) merged(w *Watch) ruleSpec {
	r := ruleSpec{rule: w.Rule, target: p.target, dropPct: p.dropPct}
	if p.rule != nil {
		r.rule = *p.rule
	}
	if r.target == nil && w.TargetPrice != nil {
		r.target = &w.TargetPrice.Decimal
	}
	if r.dropPct == nil {
		r.dropPct = w.DropPct
	}
	return r
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
	p, err := parseWatchPatch(b)
	if err != nil {
		s.failErr(c, err)
		return
	}
	u := userFrom(c)
	ctx := c.Request.Context()
	if p.channels != nil {
		uc, err := s.loadUserChannels(ctx, s.db, u)
		if err == nil {
			err = uc.refuse(*p.channels)
		}
		if err != nil {
			s.failErr(c, err)
			return
		}
	}
	err = store.InTx(ctx, s.db, func(tx *sql.Tx) error { return applyWatchPatch(ctx, tx, u.ID, id, p) })
	if errors.Is(err, errNotFound) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("watch %d does not exist", id))
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	w, err := s.loadWatchStated(ctx, u, id)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

// applyWatchPatch changes the user's watch id in tx. Naming email in the
// channels again re-subscribes a watch unsubscribed from a mail (the user
// asked for it, signed in).
func applyWatchPatch(ctx context.Context, tx *sql.Tx, userID string, id int64, p watchPatch) error {
	var productID int64
	err := tx.QueryRowContext(ctx, `SELECT product_id FROM watches WHERE id = ? AND user_id = ?`, id, userID).Scan(&productID)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	if err != nil {
		return fmt.Errorf("look up watch %d: %w", id, err)
	}
	var currency sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT currency FROM products WHERE id = ? FOR UPDATE`, productID).Scan(&currency); err != nil {
		return fmt.Errorf("product of watch %d: %w", id, err)
	}
	w, err := loadWatch(ctx, tx, userID, id)
	if err != nil {
		return err
	}
	rule := p.merged(w)
	tp, dp, err := rule.resolve(currencyOrKRW(currency.String))
	if err != nil {
		return invalidWatch(err)
	}
	if err := refuseDuplicate(ctx, tx, userID, watchTarget{productID: w.ProductID, variantID: w.VariantID}, rule.rule, tp, dp, id); err != nil {
		return err
	}
	cs, resubscribe := w.requested, false
	if p.channels != nil {
		cs, resubscribe = *p.channels, p.channels.email
	}
	active := w.enabled
	if p.active != nil {
		active = *p.active
	}
	_, err = tx.ExecContext(ctx, `UPDATE watches SET armed = IF(rule <> ? OR NOT (target_price <=> ?), 1, armed),
		rule = ?, target_price = ?, drop_pct = ?, channel_email = ?, channel_push = ?, active = ?,
		unsubscribed_at = IF(?, NULL, unsubscribed_at)
		WHERE id = ? AND user_id = ?`, rule.rule, tp, rule.rule, tp, dp, cs.email, cs.push, active, resubscribe, id, userID)
	if err != nil {
		return fmt.Errorf("update watch %d: %w", id, err)
	}
	return nil
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
	if err != nil || u.Scheme != "https" || u.Host == "" || len(b.Endpoint) > 2048 || fetch.CheckHost(u.Hostname(), false) != nil {
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
	var id int64
	err = store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := ensureUser(ctx, tx, user); err != nil {
			return err
		}
		// A browser endpoint belongs to whoever subscribed with it last.
		res, err := tx.ExecContext(ctx, `INSERT INTO push_subscriptions (user_id, endpoint, endpoint_hash, p256dh, auth)
			VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), user_id = VALUES(user_id),
			p256dh = VALUES(p256dh), auth = VALUES(auth)`, user.ID, b.Endpoint, hash, trimPad(b.Keys.P256dh), trimPad(b.Keys.Auth))
		if err != nil {
			return fmt.Errorf("store push subscription: %w", err)
		}
		id, err = res.LastInsertId()
		return err
	})
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
