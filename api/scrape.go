package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/shopurl"
	"github.com/ddokso/ddokso/store"
)

// errPrivate reports a URL whose host is a private, loopback or link-local address.
var errPrivate = errors.New("URL host is a private address")

// canonicalURL validates raw and returns its canonical form, or a reason fit
// for a 400 response.
func canonicalURL(raw string, local localShops) (shopurl.Canonical, string, error) {
	c, err := shopurl.Canonicalize(raw)
	if err != nil {
		kind := "invalid-url"
		switch {
		case errors.Is(err, shopurl.ErrScheme):
			kind = "url-scheme"
			err = shopurl.ErrScheme
		case errors.Is(err, shopurl.ErrTooLong):
			kind = "url-too-long"
			err = shopurl.ErrTooLong
		case errors.Is(err, shopurl.ErrUserinfo):
			kind = "url-userinfo"
			err = shopurl.ErrUserinfo
		default:
			err = shopurl.ErrInvalid
		}
		return c, kind, err
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return c, "invalid-url", shopurl.ErrInvalid
	}
	// The fetcher's own host rule (fetch.CheckHost), and for loopback the
	// dev shop's port (DDOKSO_DEV_SHOP), so the API admits exactly what the
	// fetcher may reach.
	if fetch.CheckHost(u.Hostname(), local.allow) != nil || (loopbackHost(u.Hostname()) && !local.admits(u)) {
		return c, "private-address", errPrivate
	}
	return c, "", nil
}

// scrapeRequest describes one scrape to start.
type scrapeRequest struct {
	raw       string
	canon     shopurl.Canonical
	hash      string
	userID    string
	reason    string
	productID int64
	// skipLookup: the product was already looked up (productID is its id,
	// or 0); record the request without looking again.
	skipLookup bool
}

const insertScrapeSQL = `INSERT INTO scrape_requests
	(url, canonical_url, url_hash, in_flight_hash, user_id, reason, product_id)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`

// startScrape inserts a pending scrape request and its scrape.requested
// event in tx. While a request for the same URL is pending it returns that
// request's id instead (created false).
func (s *server) startScrape(ctx context.Context, tx *sql.Tx, r scrapeRequest) (id int64, created bool, err error) {
	id, created, err = s.insertScrape(ctx, tx, r)
	if err != nil || !created {
		return id, created, err
	}
	row, err := scrapeEvent(ctx, id, r)
	if err != nil {
		return 0, false, err
	}
	if err := store.AddOutboxRows(ctx, txExecer{s.stmts, tx}, row); err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// insertScrape inserts a pending scrape request in tx, or finds the pending
// one of the same URL (created false).
func (s *server) insertScrape(ctx context.Context, tx *sql.Tx, r scrapeRequest) (id int64, created bool, err error) {
	res, err := s.stmts.execTx(ctx, tx, insertScrapeSQL, r.raw, r.canon.URL, r.hash, r.hash, nullString(r.userID), r.reason, nullInt(r.productID))
	if err != nil {
		return 0, false, fmt.Errorf("insert scrape request for %s: %w", r.canon.URL, err)
	}
	id, err = res.LastInsertId()
	if err != nil {
		return 0, false, fmt.Errorf("scrape request id: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, false, fmt.Errorf("scrape request rows: %w", err)
	}
	return id, n == 1, nil
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// Scrape is a URL submission and its outcome.
type Scrape struct {
	ID        int64      `json:"id"`
	URL       string     `json:"url"`
	Status    string     `json:"status"`
	Reason    string     `json:"reason,omitempty"`
	ProductID int64      `json:"product_id,omitempty"`
	Product   *Product   `json:"product,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	Finished  *time.Time `json:"finished_at,omitempty"`
}

// submitResult is either a recently checked product or a scrape id.
type submitResult struct {
	product  *Product
	scrapeID int64
}

// submit resolves url to a recently checked product or starts (or joins) a scrape.
func (s *server) submit(c *gin.Context, raw string) (*submitResult, bool) {
	canon, kind, err := canonicalURL(raw, s.cfg.localShops())
	if err != nil {
		fail(c, http.StatusBadRequest, kind, err.Error())
		return nil, false
	}
	ctx := c.Request.Context()
	req := scrapeRequest{raw: raw, canon: canon, hash: canon.Hash(), reason: "user"}
	if u := userFrom(c); u != nil {
		req.userID = u.ID
	}
	var out submitResult
	// The lookup (one query for all concurrent submissions) needs no
	// transaction: a recently checked product is answered with no write.
	o := s.scrapes.start(ctx, req)
	if o.err == nil && o.recent != 0 {
		e, err := s.products.get(ctx, o.recent, s.loadProduct)
		if err == nil {
			out.product = e.p
			return &out, true
		}
		if !errors.Is(err, errNotFound) { // deleted since the lookup: scrape it
			s.failErr(c, err)
			return nil, false
		}
		req.skipLookup = true
		// Committed (with concurrent submissions, group commit) before answering.
		o = s.scrapes.start(ctx, req)
	}
	if o.err != nil {
		s.failErr(c, fmt.Errorf("submit %s: %w", canon.URL, o.err))
		return nil, false
	}
	out.scrapeID = o.id
	return &out, true
}

func (s *server) respondSubmit(c *gin.Context, r *submitResult) {
	if r.product != nil {
		c.JSON(http.StatusOK, gin.H{"status": "done", "product": r.product})
		return
	}
	id := strconv.FormatInt(r.scrapeID, 10)
	c.Header("Location", "/api/v1/scrapes/"+id)
	// The bytes c.JSON writes for {"id": id, "status": "pending"}, without
	// reflecting over a map on the hottest write path.
	c.Data(http.StatusAccepted, "application/json; charset=utf-8", []byte(`{"id":`+id+`,"status":"pending"}`))
}

type scrapeBody struct {
	URL string `json:"url"`
}

func (s *server) createScrape(c *gin.Context) {
	var b scrapeBody
	if !bindJSON(c, &b) {
		return
	}
	if b.URL == "" {
		fail(c, http.StatusBadRequest, "invalid-url", "url is required")
		return
	}
	if r, ok := s.submit(c, b.URL); ok {
		s.respondSubmit(c, r)
	}
}

// parseWait reads ?wait= as a Go duration ("10s") or whole seconds ("10").
func parseWait(v string, maxWait time.Duration) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, err2 := strconv.Atoi(v)
		if err2 != nil {
			return 0, fmt.Errorf("wait %q is not a duration like 10s: %w", v, err)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, fmt.Errorf("wait %q is negative", v)
	}
	return min(d, maxWait), nil
}

func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("%s %q is not a valid id", name, c.Param(name)))
		return 0, false
	}
	return id, true
}

func (s *server) getScrape(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	wait, err := parseWait(c.Query("wait"), s.cfg.MaxWait)
	if err != nil {
		fail(c, http.StatusBadRequest, "invalid-parameter", err.Error())
		return
	}
	ctx := c.Request.Context()
	deadline := time.Now().Add(wait)
	var t *time.Ticker
	for {
		sc, err := s.loadScrape(ctx, id)
		if errors.Is(err, errNotFound) {
			fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("scrape %d does not exist", id))
			return
		}
		if err != nil {
			s.failErr(c, err)
			return
		}
		if sc.Status != "pending" || !time.Now().Before(deadline) {
			if sc.Status == "pending" {
				c.Header("Retry-After", "1")
			}
			c.JSON(http.StatusOK, sc)
			return
		}
		if t == nil {
			t = time.NewTicker(s.cfg.PollInterval)
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			c.JSON(http.StatusOK, sc) // client gone or deadline: the last state
			return
		case <-t.C:
		}
	}
}

func (s *server) loadScrape(ctx context.Context, id int64) (*Scrape, error) {
	var (
		sc       Scrape
		reason   sql.NullString
		pid      sql.NullInt64
		finished sql.NullTime
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, canonical_url, status, status_reason, product_id, created_at, finished_at
		FROM scrape_requests WHERE id = ?`, id).Scan(&sc.ID, &sc.URL, &sc.Status, &reason, &pid, &sc.CreatedAt, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load scrape %d: %w", id, err)
	}
	sc.Reason = reason.String
	if finished.Valid {
		t := finished.Time.UTC()
		sc.Finished = &t
	}
	if sc.Status == events.OutcomeDone && pid.Valid {
		sc.ProductID = pid.Int64
		p, err := s.loadProduct(ctx, pid.Int64)
		if err != nil && !errors.Is(err, errNotFound) {
			return nil, err
		}
		sc.Product = p
	}
	return &sc, nil
}

// localShops is which loopback shop URLs the API admits (Config.AllowLoopback
// and Config.LoopbackPorts): the same ones the fetcher may reach.
type localShops struct {
	allow bool
	ports []int
}

func (c Config) localShops() localShops { return localShops{c.AllowLoopback, c.LoopbackPorts} }

// admits reports a loopback URL on an admitted port (any port when ports is
// empty).
func (l localShops) admits(u *url.URL) bool {
	if !l.allow || !loopbackHost(u.Hostname()) {
		return false
	}
	if len(l.ports) == 0 {
		return true
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return slices.Contains(l.ports, atoiOr(port, -1))
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// loopbackHost reports a 127.0.0.0/8 or ::1 literal (what the test-only
// AllowLoopback setting admits; never other private ranges).
func loopbackHost(host string) bool {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}
