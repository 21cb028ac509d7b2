package scrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/shopurl"
	"github.com/ddokso/ddokso/store"
)

// Fetcher fetches a page; *fetch.Fetcher satisfies it.
type Fetcher interface {
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Result, error)
}

// Worker handles scrape.requested events. It is an events.Handler and is
// safe for concurrent use.
type Worker struct {
	db *sql.DB
	// once records each message's outcome exactly once, concurrent
	// handlers' outcomes in one transaction (Config.GroupCommitMax).
	once *store.OnceGroup
	// problems records the checks that found no product page in batches
	// of the once group (recordProblems).
	problems *store.OnceBatch[*problem]
	f        Fetcher
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	// stages, when set (RegisterMetrics), times each stage of a message.
	stages *prometheus.HistogramVec
	// extractSlots bounds the extractions running at once to the CPUs Go
	// uses: extraction only computes, so more at once is no faster, while
	// each holds its page's whole DOM (tens of MB for a 3 MB page). The
	// fetches, which mostly wait, still run one per handler.
	extractSlots chan struct{}
	// extract is extract.Extract (a test counts the calls at once).
	extract func(pageURL string, body []byte) (*extract.Product, error)
}

// New returns a Worker writing to db and fetching with f. A nil log means
// slog.Default().
func New(db *sql.DB, f Fetcher, cfg Config, log *slog.Logger) (*Worker, error) {
	if db == nil {
		return nil, errors.New("scrap: nil db")
	}
	if f == nil {
		return nil, errors.New("scrap: nil fetcher")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	w := &Worker{db: db, once: store.NewOnceGroup(db, cfg.groupCommitMax()), f: f, cfg: cfg,
		log: log.With("worker", "scrap"), now: time.Now,
		extractSlots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0))), extract: extract.Extract}
	w.problems = store.NewOnceBatch(w.recordProblems)
	return w, nil
}

// target is the canonical page a request is about.
type target struct {
	raw  string // as requested
	url  string // canonical URL ("" when the request URL is invalid)
	hash string // sha256 hex of url
	shop string
	spid string // shop product id from the URL
}

// outcome is what one check found.
type outcome struct {
	status  string // one of the events.Outcome* constants
	reason  string
	product *extract.Product // set for done with a fresh page
	// notModified reports a 304: the product is unchanged.
	notModified        bool
	etag, lastModified string
}

// problem reports a check that found no product page (blocked, failed, not
// a product, or an invalid URL): recordProblems writes it, record the rest.
func (o outcome) problem() bool { return o.product == nil && !o.notModified }

// Handle implements events.Handler: it fetches the requested page and
// records the outcome exactly once per message (store.OnceGroup.Once on
// env.Key(), in one transaction with the outcomes of concurrent handlers).
// It returns an error only for what a redelivery may fix: a database
// failure, shutdown, or a transient fetch failure before Config.MaxAttempts.
func (w *Worker) Handle(ctx context.Context, env events.Envelope, msg *events.Message) error {
	var req events.ScrapeRequested
	if err := env.Decode(&req); err != nil {
		return err
	}
	// The message's attributes are formatted only for a line that is
	// logged (slog.Logger.With formats them at once): at the error level
	// the common path logs nothing.
	log := func(level slog.Level, msg string, args ...any) {
		if w.log.Enabled(ctx, level) {
			w.log.Log(ctx, level, msg, append([]any{"event_id", env.ID, "scrape_id", req.ScrapeID, "url", req.URL}, args...)...)
		}
	}
	key := env.Key()
	t := target{raw: req.URL}
	c, cerr := shopurl.Canonicalize(req.URL)
	if cerr == nil {
		t.url, t.hash, t.shop, t.spid = c.URL, c.Hash(), c.Shop, c.ProductID
	}
	done, v, err := w.lookup(ctx, msg, req, key, t.hash)
	if err != nil {
		return err
	}
	if done {
		log(slog.LevelInfo, "scrape request already handled")
		return nil
	}

	var oc outcome
	if cerr != nil {
		oc = outcome{status: events.OutcomeFailed, reason: "invalid url: " + cerr.Error()}
	} else {
		oc, err = w.check(ctx, t, v, attempt(msg, w.cfg.MaxAttempts))
		if err != nil {
			log(slog.LevelWarn, "scrape will be retried", "err", err)
			return err
		}
	}

	var (
		res     recorded
		applied bool
	)
	began := time.Now()
	if oc.problem() {
		// No product page: the product's failure count and the request's
		// outcome, written with the other problems of the group at once.
		p := &problem{scrapeID: req.ScrapeID, hash: t.hash, status: oc.status, reason: oc.reason}
		applied, err = w.problems.Once(ctx, w.once, w.cfg.ConsumerName, key, p)
		res.productID = p.productID
	} else {
		// The group transaction (one COMMIT for the outcomes of the
		// handlers recording meanwhile) falls back to store.Once per
		// message when it fails, and store.Once reruns a transaction that
		// loses a deadlock or lock wait to a concurrent check of the same
		// product. fn may so run more than once: it only writes in tx and
		// sets res.
		applied, err = w.once.Once(ctx, w.cfg.ConsumerName, key, func(tx *sql.Tx) error {
			var err error
			b0 := time.Now()
			res, err = w.record(ctx, tx, req, t, oc)
			w.observe(StageRecordWrites, b0)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("record scrape of %s: %w", t.raw, err)
	}
	w.observe(StageRecord, began)
	if !applied {
		log(slog.LevelInfo, "scrape request already handled")
		return nil
	}
	log(slog.LevelInfo, "scrape finished", "outcome", oc.status, "reason", oc.reason,
		"product_id", res.productID, "changes", res.changes, "first_sight", res.firstSight)
	return nil
}

// validators are the stored HTTP validators of a product page.
type validators struct {
	etag, lastModified sql.NullString
}

// lookup is processed for a message that needs it. The first delivery
// of a request for a URL the API knew no product of has nothing to look
// up: its marker can only exist if the event reached the queue twice (SNS
// and the relay deliver at least once; the Once transaction still
// decides, at the cost of one redundant fetch), and there are no stored
// validators to send. A redelivery or a re-check of a known product looks
// both up.
func (w *Worker) lookup(ctx context.Context, msg *events.Message, req events.ScrapeRequested, key, hash string) (bool, validators, error) {
	if msg != nil && msg.ReceiveCount == 1 && req.ProductID == 0 {
		return false, validators{}, nil
	}
	defer w.observe(StageLookup, time.Now())
	return w.processed(ctx, key, hash)
}

// processed reports whether key was handled already, to skip a redundant
// fetch on redelivery (store.Once still decides), and reads the validators
// of the product with url hash (none when hash is "" or unknown) in the
// same round trip.
func (w *Worker) processed(ctx context.Context, key, hash string) (bool, validators, error) {
	var (
		done bool
		v    validators
	)
	err := w.db.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM processed_messages WHERE consumer = ? AND dedup_key = ?),
		(SELECT etag FROM products WHERE url_hash = ?),
		(SELECT last_modified FROM products WHERE url_hash = ?)`,
		w.cfg.ConsumerName, key, hash, hash).Scan(&done, &v.etag, &v.lastModified)
	if err != nil {
		return false, v, fmt.Errorf("check processed %s and validators of %s: %w", key, hash, err)
	}
	return done, v, nil
}

// attempt is the delivery count of msg; a missing message counts as the
// last attempt (nothing will redeliver it).
func attempt(msg *events.Message, max int) int {
	if msg == nil || msg.ReceiveCount < 1 {
		return max
	}
	return msg.ReceiveCount
}
