package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"

	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/store"
)

// FloorDSNEnv names the environment variable holding the MySQL DSN that
// `ddokso-bench floor ADDR`, the durability floor of POST /scrapes (see
// DurabilityFloor), writes to.
const FloorDSNEnv = "DDOKSO_BENCH_FLOOR_DSN"

// FloorCommittersEnv sets how many batches the durability floor commits
// at once (default 1, like ddokso's group commit); more than one overlaps
// a batch's statements with another's log flush.
const FloorCommittersEnv = "DDOKSO_BENCH_FLOOR_COMMITTERS"

// BareGin returns the baseline server: gin.New() with two handlers doing
// what a minimal endpoint must (bind a JSON body / write a JSON object), no
// middleware, no database.
func BareGin() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/api/v1/scrapes", func(c *gin.Context) {
		var in struct {
			URL string `json:"url"`
		}
		if err := c.ShouldBindJSON(&in); err != nil || in.URL == "" {
			c.JSON(http.StatusBadRequest, gin.H{"error": "url"})
			return
		}
		c.JSON(http.StatusAccepted, gin.H{"id": 1, "status": "pending", "url": in.URL})
	})
	e.GET("/api/v1/products/:id", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "title": "Trail Runner 2", "price": gin.H{"amount": "129000", "currency": "KRW"},
			"list_price": gin.H{"amount": "159000", "currency": "KRW"}, "availability": "in_stock", "variants": []any{}})
	})
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return e
}

// APIConfig sizes the API stage.
type APIConfig struct {
	// Duration of each closed-loop and open-loop run.
	Duration time.Duration
	// Conns is the closed-loop concurrency.
	Conns int
	// Rate is the open-loop request rate (req/s).
	Rate float64
	// Products seeded for GET /products/{id}.
	Products int
	// BenchBin is this program (run as `BenchBin baregin ADDR`).
	BenchBin string
}

// seedProducts inserts n checked products with a variant and 30 daily
// observations each, with MariaDB's sequence engine.
func seedProducts(ctx context.Context, s *System, n int) error {
	stmts := []string{
		fmt.Sprintf(`INSERT INTO products (url_hash, canonical_url, shop, shop_product_id, title, brand, currency, price, list_price,
  availability, all_time_low, all_time_high, check_status, last_checked_at, next_check_at, created_at)
SELECT SHA2(CONCAT('https://www.shop-example.com/products/', seq), 256), CONCAT('https://www.shop-example.com/products/', seq),
  'shop-example.com', seq, CONCAT('벤치 상품 ', seq), 'ddokso', 'KRW', 10000 + seq, 15000 + seq, 'in_stock', 9000 + seq, 16000 + seq,
  'ok', NOW(6), NOW(6) + INTERVAL 1 DAY, NOW(6) - INTERVAL 40 DAY FROM seq_1_to_%d`, n),
		`INSERT INTO product_variants (product_id, variant_key, name, options, price, list_price, availability, all_time_low)
SELECT id, 'v1', '블랙 / 270', '{"색상":"블랙","사이즈":"270"}', price, list_price, 'in_stock', all_time_low FROM products`,
		`INSERT INTO price_observations (product_id, variant_id, price, list_price, currency, availability, changed, observed_at)
SELECT p.id, 0, p.price + d.seq * 10, p.list_price, 'KRW', 'in_stock', 1, NOW(6) - INTERVAL d.seq DAY FROM products p JOIN seq_0_to_29 d`,
	}
	for _, q := range stmts {
		if _, err := s.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed products: %w", err)
		}
	}
	return nil
}

// API measures POST /scrapes and GET /products/{id} of a `ddokso api`
// process (rate limits raised) against a bare gin process, closed loop
// (max throughput) and open loop at cfg.Rate, then shows the 429 behaviour
// of a second `ddokso api` with the default limits. It also returns the
// bare gin RSS (idle, under load) for the memory row.
func API(ctx context.Context, e *Env, cfg APIConfig) (Row, [2]int64) {
	row := Row{Stage: "4 API", Metric: "req/s (closed loop) and p99 at fixed rate",
		Goal:    fmt.Sprintf("≥ 0.5× bare gin throughput; p99 < 20 ms at %.0f req/s", cfg.Rate),
		Command: fmt.Sprintf("go run ./internal/cmd/ddokso-bench -only 4 -api-duration %s -api-conns %d -api-rate %.0f", cfg.Duration, cfg.Conns, cfg.Rate)}
	var bareMem [2]int64
	s, err := e.NewSystem(ctx)
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	defer s.Close()
	if err := seedProducts(ctx, s, cfg.Products); err != nil {
		row.Err = err
		return row, bareMem
	}
	apiAddr, _ := process.FreeAddr()
	api, err := s.Start("api", []string{"DDOKSO_HTTP_ADDR=" + apiAddr, "DDOKSO_API_USER_RATE=1000000", "DDOKSO_API_IP_RATE=1000000",
		"DDOKSO_API_USER_BURST=1000000", "DDOKSO_API_IP_BURST=1000000", "DDOKSO_LOG_LEVEL=error", "DDOKSO_ADMIN_ADDR=127.0.0.1:0"}, "api")
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	bareAddr, _ := process.FreeAddr()
	bare, err := Start("bare-gin", cfg.BenchBin, nil, "baregin", bareAddr)
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	defer bare.Stop()
	floorAddr, _ := process.FreeAddr()
	floorProc, err := Start("durability-floor", cfg.BenchBin, []string{FloorDSNEnv + "=" + s.DSN}, "floor", floorAddr)
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	defer floorProc.Stop()
	if err := floorProc.WaitHTTP(ctx, "http://"+floorAddr+"/healthz", 20*time.Second); err != nil {
		row.Err = err
		return row, bareMem
	}
	dbPid := mysqldPid(ctx, s.DB)
	if err := api.WaitHTTP(ctx, "http://"+apiAddr+"/readyz", 60*time.Second); err != nil {
		row.Err = err
		return row, bareMem
	}
	if err := bare.WaitHTTP(ctx, "http://"+bareAddr+"/healthz", 20*time.Second); err != nil {
		row.Err = err
		return row, bareMem
	}
	bareMem[0], _, _ = bare.RSS()

	// Unique URLs: every POST creates a scrape request and an outbox row.
	// Each run (each call of post) has its own prefix, since every run
	// numbers its requests from 1.
	post := func(base string) RequestFunc {
		run := prefixRun()
		return func(i int64) (*http.Request, error) { return newScrapeRequest(base, run, i) }
	}
	get := func(base string) RequestFunc {
		return func(i int64) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/products/%d", base, 1+i%int64(cfg.Products)), nil)
		}
	}
	client := NewClient(cfg.Conns)
	ok := true
	var summary, cpuLines []string
	row.Details = append(row.Details, fmt.Sprintf("`ddokso api` process (rate limits raised to 1e6/s) vs a bare gin process (`ddokso-bench baregin`), loopback, Go load generator in the bench process; %d connections closed loop for %s, then an open loop at %.0f req/s for %s (latency from the scheduled send time). %d products seeded with a variant and 30 observations each.",
		cfg.Conns, cfg.Duration, cfg.Rate, cfg.Duration, cfg.Products), "",
		"POST /scrapes has a second baseline, the **durability floor** (`DDOKSO_BENCH_FLOOR_DSN=… ddokso-bench floor ADDR`, bench.DurabilityFloor): a bare gin handler that only decodes the body and records one scrape_requests row and one outbox row on the same MariaDB and schema, group-committed like ddokso (one multi-row INSERT per table and one COMMIT per batch of up to 64), answering 202 after its commit. It is what any implementation pays while a 202 means a committed row.", "",
		"| endpoint | mode | ddokso | baseline | throughput ratio |", "|---|---|---|---|---|")
	for _, ep := range []struct {
		name  string
		mk    func(string) RequestFunc
		floor bool
	}{{"POST /scrapes", post, true}, {"GET /products/{id}", get, false}} {
		// Warm up every server.
		_, _ = Closed(ctx, client, cfg.Conns, time.Second, ep.mk("http://"+bareAddr))
		_, _ = Closed(ctx, client, cfg.Conns, time.Second, ep.mk("http://"+apiAddr))
		if ep.floor {
			_, _ = Closed(ctx, client, cfg.Conns, time.Second, ep.mk("http://"+floorAddr))
		}
		var ours, base, flo measured
		if base, err = closedCPU(ctx, client, cfg, ep.mk("http://"+bareAddr), bare, dbPid); err == nil {
			_, bareMem[1], _ = bare.RSS()
			ours, err = closedCPU(ctx, client, cfg, ep.mk("http://"+apiAddr), api, dbPid)
		}
		if err == nil && ep.floor {
			flo, err = closedCPU(ctx, client, cfg, ep.mk("http://"+floorAddr), floorProc, dbPid)
		}
		if err != nil {
			row.Err = err
			return row, bareMem
		}
		openOurs, err := Open(ctx, client, cfg.Rate, cfg.Duration, ep.mk("http://"+apiAddr))
		if err != nil {
			row.Err = err
			return row, bareMem
		}
		openBase, err := Open(ctx, client, cfg.Rate, cfg.Duration, ep.mk("http://"+bareAddr))
		if err != nil {
			row.Err = err
			return row, bareMem
		}
		var openFloor LoadResult
		if ep.floor {
			if openFloor, err = Open(ctx, client, cfg.Rate, cfg.Duration, ep.mk("http://"+floorAddr)); err != nil {
				row.Err = err
				return row, bareMem
			}
		}
		r := ours.res.RPS() / base.res.RPS()
		errs := ours.res.Errors() + openOurs.Errors() + base.res.Errors() + openBase.Errors()
		epOK := r >= 0.5 && openOurs.Lat.Quantile(0.99) < 20*time.Millisecond && errs == 0
		ok = ok && epOK
		row.Details = append(row.Details,
			fmt.Sprintf("| %s | closed, %d conns | %s | bare gin: %s | %s |", ep.name, cfg.Conns, ours.res, base.res, ratio(ours.res.RPS(), base.res.RPS())),
			fmt.Sprintf("| %s | open, %.0f req/s | %s | bare gin: %s | |", ep.name, cfg.Rate, openOurs, openBase))
		if ep.floor {
			row.Details = append(row.Details,
				fmt.Sprintf("| %s | closed, %d conns | (same run as above) | durability floor: %s | %s of the floor (the floor is %s of bare gin) |",
					ep.name, cfg.Conns, flo.res, ratio(ours.res.RPS(), flo.res.RPS()), ratio(flo.res.RPS(), base.res.RPS())),
				fmt.Sprintf("| %s | open, %.0f req/s | | durability floor: %s | |", ep.name, cfg.Rate, openFloor))
			if n := flo.res.Errors() + openFloor.Errors(); n > 0 {
				row.Details = append(row.Details, fmt.Sprintf("| %s | floor errors | | %d (first: %s %s) | |", ep.name, n, flo.res.FirstErr, openFloor.FirstErr))
			}
		}
		if errs > 0 {
			row.Details = append(row.Details, fmt.Sprintf("| %s | errors | %d (first: %s %s) | | |", ep.name, errs, ours.res.FirstErr, openOurs.FirstErr))
		}
		cpu := fmt.Sprintf("%s: ddokso %s; bare gin %s", ep.name, ours.cpu(), base.cpu())
		if ep.floor {
			cpu += "; durability floor " + flo.cpu()
		}
		cpuLines = append(cpuLines, "- "+cpu)
		summary = append(summary, fmt.Sprintf("%s %.0f req/s p50 %s p99 %s; p99 %s at %.0f/s", ep.name, ours.res.RPS(),
			ms(ours.res.Lat.Quantile(0.5)), ms(ours.res.Lat.Quantile(0.99)), ms(openOurs.Lat.Quantile(0.99)), cfg.Rate))
		if row.Baseline != "" {
			row.Baseline += "; "
			row.Ratio += " / "
		}
		row.Baseline += fmt.Sprintf("%.0f req/s p50 %s p99 %s", base.res.RPS(), ms(base.res.Lat.Quantile(0.5)), ms(base.res.Lat.Quantile(0.99)))
		row.Ratio += ratio(ours.res.RPS(), base.res.RPS())
		if ep.floor {
			row.Baseline += fmt.Sprintf(" (durability floor %.0f req/s p50 %s p99 %s)", flo.res.RPS(), ms(flo.res.Lat.Quantile(0.5)), ms(flo.res.Lat.Quantile(0.99)))
			row.Ratio += fmt.Sprintf(" (%s of the floor)", ratio(ours.res.RPS(), flo.res.RPS()))
		}
	}
	dbNote := "mysqld: the whole server's CPU, so other clients of a shared MariaDB count too (run with -mysql pointing at a private server for a clean figure)"
	if dbPid == 0 {
		dbNote = "mysqld: not measured (its pid file is not readable from here)"
	}
	row.Details = append(row.Details, "", "CPU per request in the closed-loop runs, from /proc/PID/stat and getrusage (µs: server process + mysqld + load generator = total; "+dbNote+"):", "")
	row.Details = append(row.Details, cpuLines...)
	row.Ours = strings.Join(summary, "; ")
	row.Holds = holds(ok)

	// 429 behaviour with the default limits.
	limAddr, _ := process.FreeAddr()
	lim, err := s.Start("api-default-limits", []string{"DDOKSO_HTTP_ADDR=" + limAddr, "DDOKSO_LOG_LEVEL=error", "DDOKSO_ADMIN_ADDR=127.0.0.1:0"}, "api")
	if err == nil {
		err = lim.WaitHTTP(ctx, "http://"+limAddr+"/readyz", 60*time.Second)
	}
	if err != nil {
		row.Details = append(row.Details, "", "429 run failed: "+err.Error())
		return row, bareMem
	}
	codes := map[int]int{}
	retryAfter := ""
	for i := range 100 {
		req, _ := post("http://" + limAddr)(int64(1_000_000 + i))
		resp, err := client.Do(req)
		if err != nil {
			codes[0]++
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests && retryAfter == "" {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	row.Details = append(row.Details, "", fmt.Sprintf("Rate limit (separate `ddokso api` with the default DDOKSO_API_IP_RATE=2/s, IP_BURST=40): 100 back-to-back anonymous POST /scrapes from one IP → status counts %v, first 429 had `Retry-After: %s`. The throughput runs above had no 429s and no errors other than listed.", codes, retryAfter))
	return row, bareMem
}

func prefixRun() string { return "b" + randomHex(3) }

// newScrapeRequest is POST /scrapes of the i-th new URL of run (port 9:
// accepted by the API, never fetched).
func newScrapeRequest(base, run string, i int64) (*http.Request, error) {
	body := fmt.Sprintf(`{"url":"http://127.0.0.1:9/products/%s-%d?utm_source=bench"}`, run, i)
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/scrapes", strings.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, err
}

// floorMax bounds a floor batch, like DDOKSO_API_GROUP_COMMIT_MAX's default.
const floorMax = 64

// DurabilityFloor returns the second baseline of POST /scrapes: a minimal
// gin handler doing only what any implementation must do for one
// submission when a 202 means a committed row. It decodes the JSON body,
// records one scrape_requests row and one outbox row (the same schema,
// columns and indexes as ddokso, on the same MariaDB) and answers 202
// after the commit. Concurrent submissions are group-committed the same
// way as ddokso's: one committer goroutine takes what is queued (up to
// 64), sends BEGIN, one multi-row INSERT per table and COMMIT, and then
// wakes the waiting handlers. There is nothing else: no middleware, no URL
// canonicalisation, no product lookup, no pending-request dedupe (every
// bench URL is new; a repeated one fails its batch), no metrics; the ids
// come from LAST_INSERT_ID (consecutive for one multi-row INSERT under
// innodb_autoinc_lock_mode 0 or 1, which it checks) and statements are
// interpolated client-side (one round trip each).
func DurabilityFloor(dsn string) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	f := &floor{in: make(chan *floorReq, 4096)}
	err := f.open(dsn)
	if err != nil {
		e.Any("/*path", func(c *gin.Context) { c.String(http.StatusInternalServerError, "floor: %v", err) })
		return e
	}
	e.POST("/api/v1/scrapes", f.post)
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return e
}

// open connects the floor's pool (statements interpolated client-side)
// and starts its committer.
func (f *floor) open(dsn string) error {
	mc, err := store.ParseDSN(dsn)
	if err != nil {
		return err
	}
	mc.InterpolateParams = true
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("floor: mysql connector: %w", err)
	}
	committers := 1
	if v := os.Getenv(FloorCommittersEnv); v != "" {
		if committers, err = strconv.Atoi(v); err != nil || committers < 1 {
			return fmt.Errorf("floor: %s=%q is not a positive count", FloorCommittersEnv, v)
		}
	}
	f.db = sql.OpenDB(conn)
	f.db.SetMaxOpenConns(committers + 1)
	f.db.SetMaxIdleConns(committers + 1)
	for range committers {
		go f.run()
	}
	return nil
}

type floor struct {
	db *sql.DB
	in chan *floorReq
}

type floorReq struct {
	url, hash string
	id        int64
	err       error
	done      chan struct{}
}

func (f *floor) post(c *gin.Context) {
	var in struct {
		URL string `json:"url"`
	}
	if err := c.ShouldBindJSON(&in); err != nil || in.URL == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "url"})
		return
	}
	sum := sha256.Sum256([]byte(in.URL))
	r := &floorReq{url: in.URL, hash: hex.EncodeToString(sum[:]), done: make(chan struct{})}
	f.in <- r
	<-r.done
	if r.err != nil {
		c.String(http.StatusInternalServerError, r.err.Error())
		return
	}
	c.Data(http.StatusAccepted, "application/json; charset=utf-8", []byte(`{"id":`+strconv.FormatInt(r.id, 10)+`,"status":"pending"}`))
}

// run commits what is queued, one batch at a time, and wakes its callers.
func (f *floor) run() {
	var batch []*floorReq
	checked := false
	for r := range f.in {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < floorMax {
			select {
			case r := <-f.in:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		var err error
		if !checked {
			err = f.checkAutoinc()
			checked = err == nil
		}
		if err == nil {
			err = f.commit(batch)
		}
		for _, r := range batch {
			r.err = err
			close(r.done)
		}
	}
}

func (f *floor) checkAutoinc() error {
	var mode int
	if err := f.db.QueryRow("SELECT @@innodb_autoinc_lock_mode").Scan(&mode); err != nil {
		return fmt.Errorf("floor: read innodb_autoinc_lock_mode: %w", err)
	}
	if mode > 1 {
		return fmt.Errorf("floor: innodb_autoinc_lock_mode is %d: the ids of a multi-row INSERT need not be consecutive", mode)
	}
	return nil
}

// floorEvent is the outbox body: an envelope of the same shape as ddokso's.
type floorEvent struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Version    int       `json:"version"`
	OccurredAt time.Time `json:"occurred_at"`
	Payload    struct {
		ScrapeID int64  `json:"scrape_id"`
		URL      string `json:"url"`
		Reason   string `json:"reason"`
	} `json:"payload"`
}

func (f *floor) commit(batch []*floorReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("floor: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	n := len(batch)
	args := make([]any, 0, 4*n)
	for _, r := range batch {
		args = append(args, r.url, r.url, r.hash, r.hash)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO scrape_requests (url, canonical_url, url_hash, in_flight_hash) VALUES `+
		strings.Repeat("(?, ?, ?, ?), ", n-1)+"(?, ?, ?, ?)", args...)
	if err != nil {
		return fmt.Errorf("floor: insert %d scrape requests: %w", n, err)
	}
	first, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("floor: scrape request ids: %w", err)
	}
	args = args[:0]
	now := time.Now().UTC()
	for i, r := range batch {
		r.id = first + int64(i)
		ev := floorEvent{ID: uuid.NewString(), Type: "scrape.requested", Version: 1, OccurredAt: now}
		ev.Payload.ScrapeID, ev.Payload.URL, ev.Payload.Reason = r.id, r.url, "user"
		body, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("floor: encode event: %w", err)
		}
		args = append(args, ev.ID, ev.Type, string(body))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (event_id, event_type, body) VALUES `+
		strings.Repeat("(?, ?, ?), ", n-1)+"(?, ?, ?)", args...); err != nil {
		return fmt.Errorf("floor: insert %d outbox rows: %w", n, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("floor: commit: %w", err)
	}
	return nil
}

// measured is a closed-loop run with the CPU time its processes spent.
type measured struct {
	res LoadResult
	// srv, db and gen are the CPU time of the server process, of mysqld
	// (negative: not measured) and of this process (the load generator).
	srv, db, gen time.Duration
}

// cpu renders the CPU per request.
func (m measured) cpu() string {
	n := float64(len(m.res.Lat))
	if n == 0 {
		return "n/a"
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
	db, total := "n/a", us(m.srv)+us(m.gen)
	if m.db >= 0 {
		db = fmt.Sprintf("%.0f", us(m.db))
		total += us(m.db)
	}
	return fmt.Sprintf("%.0f + %s + %.0f = %.0f", us(m.srv), db, us(m.gen), total)
}

// closedCPU runs Closed against srv and measures the CPU time that srv,
// mysqld (dbPid, 0: none) and this process spent during it.
func closedCPU(ctx context.Context, client *http.Client, cfg APIConfig, mk RequestFunc, srv *Proc, dbPid int) (measured, error) {
	s0, d0, g0 := procCPU(srv.child.PID()), procCPU(dbPid), processCPU()
	res, err := Closed(ctx, client, cfg.Conns, cfg.Duration, mk)
	s1, d1, g1 := procCPU(srv.child.PID()), procCPU(dbPid), processCPU()
	m := measured{res: res, srv: s1 - s0, db: d1 - d0, gen: g1 - g0}
	if dbPid == 0 || d0 < 0 || d1 < 0 {
		m.db = -1
	}
	return m, err
}

// procCPU is the user+system CPU time of process pid from /proc/PID/stat
// (in clock ticks of 10 ms, USER_HZ on Linux), or -1.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	f := statFields(b)
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(u+k) * 10 * time.Millisecond
}

// statFields are the fields of a /proc/PID/stat (or task stat) line
// after the command name, which may hold spaces: f[0] is field 3 (state),
// so field N is f[N-3].
func statFields(b []byte) []string {
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// mysqldPid finds the server process of db from its pid file, or 0 when
// that is not readable (another host, permissions).
func mysqldPid(ctx context.Context, db *sql.DB) int {
	var file string
	if err := db.QueryRowContext(ctx, "SELECT @@pid_file").Scan(&file); err != nil {
		return 0
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || procCPU(pid) < 0 {
		return 0
	}
	return pid
}
