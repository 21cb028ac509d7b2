package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/process"
)

// APIRunningConfig sizes the running-system API stage.
type APIRunningConfig struct {
	// Duration of each closed-loop and open-loop run.
	Duration time.Duration
	// Conns is the closed-loop concurrency.
	Conns int
	// Rate is the open-loop request rate (req/s) with the relay on.
	Rate float64
	// Rounds of (relay stopped, relay running) closed-loop runs.
	Rounds int
	// Drain bounds the wait for the relay and the worker to catch up with
	// the backlog a relay-stopped run left, before the next relay-on run.
	Drain time.Duration
	// Pin, when on, pins the API to one CPU and the relay, worker and
	// emulator to another in both the relay-stopped and relay-on runs.
	Pin CPUSplit
	// Nice, when above 0, runs the relay, the scrap worker and the
	// emulator at that nice value (every thread), in the relay-stopped
	// and relay-on runs alike: on one machine, the closest model of the
	// production layout, where they run on other instances (the workers'
	// EC2 instances, SQS and SNS at AWS) and take none of the API's CPU.
	// MariaDB, moto and the load generator stay at normal priority.
	Nice int
}

// APIRunning measures new-URL POST /scrapes on the running system: one
// `ddokso api`, one `ddokso worker scrap` and one `ddokso relay` (at its
// default interval) on e, normally with SQS and SNS on fauxqs. The
// baseline is the same API with the relay stopped, measured in the same
// run: rounds alternate relay stopped and relay running, and before each
// relay-on run the relay and the worker first work off what the stopped
// run left, so the relay-on runs measure the steady state. An open loop at
// cfg.Rate with the relay on gives the latency. Lock waits are sampled
// from information_schema.INNODB_LOCK_WAITS every 20 ms during every run.
func APIRunning(ctx context.Context, e *Env, cfg APIRunningConfig) Row {
	row := Row{Stage: "4r API, running system", Metric: "new-URL POST /scrapes with relay and scrap worker running vs relay stopped: req/s (closed loop), p99 at a fixed rate",
		Goal: fmt.Sprintf("relay on ≥ 0.8× relay stopped; p99 < 20 ms at %.0f req/s", cfg.Rate),
		Command: fmt.Sprintf("scripts/dev/with-moto.sh go run ./internal/cmd/ddokso-bench -only 4 -api-duration %s -api-conns %d -api-running-rate %.0f -api-running-rounds %d",
			cfg.Duration, cfg.Conns, cfg.Rate, cfg.Rounds)}
	if cfg.Pin.On() {
		row.Stage += ", API on its own CPU"
		row.Command += fmt.Sprintf(" -api-running-cpus %s:%s", cfg.Pin.API, cfg.Pin.Rest)
		if cfg.Pin.RelayWithAPI {
			row.Stage += " (the relay beside it)"
			row.Command += " -api-running-relay-with-api"
		}
	}
	if cfg.Nice > 0 {
		row.Stage += fmt.Sprintf(", background at nice %d", cfg.Nice)
		row.Command += fmt.Sprintf(" -api-running-nice %d", cfg.Nice)
	}
	// place puts the API (background false) or a background process on
	// its CPUs and priority.
	place := func(p *Proc, background bool) error {
		if background && cfg.Nice > 0 {
			if err := renice(p.PID(), cfg.Nice); err != nil {
				return err
			}
		}
		if !cfg.Pin.On() {
			return nil
		}
		return pin(p.PID(), cfg.Pin.cpus(background))
	}
	relayBackground := !cfg.Pin.RelayWithAPI
	s, err := e.NewSystem(ctx)
	if err != nil {
		row.Err = err
		return row
	}
	defer s.Close()
	common := []string{"DDOKSO_LOG_LEVEL=error", "DDOKSO_API_USER_RATE=1000000", "DDOKSO_API_IP_RATE=1000000",
		"DDOKSO_API_USER_BURST=1000000", "DDOKSO_API_IP_BURST=1000000"}
	apiAddr, _ := process.FreeAddr()
	api, err := s.Start("api", append(append(common, cfg.Pin.env(false)...), "DDOKSO_HTTP_ADDR="+apiAddr, "DDOKSO_ADMIN_ADDR=127.0.0.1:0"), "api")
	if err != nil {
		row.Err = err
		return row
	}
	wAdmin, _ := process.FreeAddr()
	// The worker logs warnings too: a message it gives back says why.
	worker, err := s.Start("worker scrap", append(append(common, cfg.Pin.env(true)...), "DDOKSO_ADMIN_ADDR="+wAdmin, "DDOKSO_LOG_LEVEL=warn"), "worker", "scrap")
	if err != nil {
		row.Err = err
		return row
	}
	if err := place(api, false); err != nil {
		row.Err = err
		return row
	}
	if err := place(worker, true); err != nil {
		row.Err = err
		return row
	}
	var dbPin *dbPinner
	if cfg.Pin.On() {
		if _, err := pinEmulator(e.Messaging, cfg.Pin.Rest); err != nil {
			row.Err = err
			return row
		}
		// The load generator shares the API's CPUs in both arms, and
		// each side's MariaDB connection threads run on its CPUs.
		restore, err := pinSelf(cfg.Pin.API)
		if err != nil {
			row.Err = err
			return row
		}
		defer restore()
		dbPin = newDBPinner(s.DB)
		dbPin.owner(os.Getpid(), cfg.Pin.API)
		dbPin.owner(api.PID(), cfg.Pin.API)
		dbPin.owner(worker.PID(), cfg.Pin.Rest)
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); dbPin.run(pctx, time.Second) }()
		defer func() {
			cancel()
			<-done
			if err := dbPin.release(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: unpin MariaDB threads: %v\n", err)
			}
		}()
	}
	if cfg.Nice > 0 {
		pids, err := emulatorPIDs(e.Messaging)
		for _, pid := range pids {
			if err == nil {
				err = renice(pid, cfg.Nice)
			}
		}
		if err != nil {
			row.Err = err
			return row
		}
	}
	if err := api.WaitHTTP(ctx, "http://"+apiAddr+"/readyz", 60*time.Second); err != nil {
		row.Err = err
		return row
	}
	if err := worker.WaitHTTP(ctx, "http://"+wAdmin+"/readyz", 60*time.Second); err != nil {
		row.Err = err
		return row
	}
	if dbPin != nil {
		if _, err := dbPin.pass(ctx); err != nil {
			row.Err = err
			return row
		}
	}
	var relay *Proc
	startRelay := func() error {
		adm, _ := process.FreeAddr()
		p, err := Start("relay", e.Bin, append(s.BaseEnv(), append(append(common, cfg.Pin.env(relayBackground)...), "DDOKSO_ADMIN_ADDR="+adm)...), "relay")
		if err != nil {
			return err
		}
		relay = p
		if err := place(p, relayBackground); err != nil {
			return err
		}
		if dbPin != nil {
			dbPin.owner(p.PID(), cfg.Pin.cpus(relayBackground))
		}
		if err := p.WaitHTTP(ctx, "http://"+adm+"/readyz", 60*time.Second); err != nil {
			return err
		}
		if dbPin != nil {
			_, err = dbPin.pass(ctx)
		}
		return err
	}
	stopRelay := func() {
		if relay != nil {
			relay.Stop()
			relay = nil
		}
	}
	defer stopRelay()

	// The URLs are new and unfetchable (port 9 is not a fetch port): each
	// becomes a scrape request, an outbox row, an SNS publish, an SQS
	// message and a worker transaction recording it failed.
	post := func(base string) RequestFunc {
		run := prefixRun()
		return func(i int64) (*http.Request, error) { return newScrapeRequest(base, run, i) }
	}
	base := "http://" + apiAddr
	client := NewClient(cfg.Conns)
	_, _ = Closed(ctx, client, cfg.Conns, time.Second, post(base)) // warm up
	var off, on []LoadResult
	var offWaits, onWaits lockWaits
	var drains, kept []string
	// What each process spends: per accepted request with the relay
	// stopped, and per submission while the relay and the worker work off
	// a stopped run's backlog (the API idle).
	pids := []costPID{{"api", api.PID()}, {"worker scrap", worker.PID()}}
	if pid := listenerPID(e.Messaging); pid != 0 {
		pids = append(pids, costPID{"fauxqs", pid})
	}
	pids = append(pids, costPID{"mysqld", mysqldPid(ctx, s.DB)}, costPID{"bench (load generator)", 0})
	var offCost, pipeCost cost
	for round := 0; round < cfg.Rounds; round++ {
		stopRelay()
		w := sampleLockWaits(ctx, s.DB)
		probe := startCost(ctx, s.DB, pids)
		r, err := Closed(ctx, client, cfg.Conns, cfg.Duration, post(base))
		offCost = offCost.add(probe.stop(ctx))
		offWaits.add(w())
		if err != nil {
			row.Err = err
			return row
		}
		off = append(off, r)
		probe = startCost(ctx, s.DB, pids)
		if err := startRelay(); err != nil {
			row.Err = fmt.Errorf("start relay: %w", err)
			return row
		}
		d, err := s.drain(ctx, cfg.Drain)
		if err != nil {
			row.Err = err
			return row
		}
		pipeCost = pipeCost.add(probe.stop(ctx).with("relay", procCPU(relay.PID())))
		drains = append(drains, d)
		w = sampleLockWaits(ctx, s.DB)
		done0 := finishedRequests(ctx, s.DB)
		r, err = Closed(ctx, client, cfg.Conns, cfg.Duration, post(base))
		onWaits.add(w())
		if err != nil {
			row.Err = err
			return row
		}
		on = append(on, r)
		kept = append(kept, fmt.Sprintf("%d of %d", finishedRequests(ctx, s.DB)-done0, len(r.Lat)))
		// The next relay-stopped run starts with the pipeline idle.
		if _, err := s.drain(ctx, cfg.Drain); err != nil {
			row.Err = err
			return row
		}
	}
	w := sampleLockWaits(ctx, s.DB)
	firstOpen := lastRequestID(ctx, s.DB) + 1
	open, err := Open(ctx, client, cfg.Rate, cfg.Duration, post(base))
	openWaits := w()
	if err != nil {
		row.Err = err
		return row
	}
	openDrain, err := s.drain(ctx, cfg.Drain)
	if err != nil {
		row.Err = err
		return row
	}
	outcome, unfinished, err := outcomeLatency(ctx, s.DB, firstOpen)
	if err != nil {
		row.Err = err
		return row
	}
	gets, err := getsRunning(ctx, s, client, cfg, post(base), base, stopRelay, startRelay)
	if err != nil {
		row.Err = err
		return row
	}
	published, failed, pending := systemCounts(ctx, s.DB)

	sumRPS := func(rs []LoadResult) (float64, int) {
		var t float64
		var errs int
		for _, r := range rs {
			t += r.RPS()
			errs += r.Errors()
		}
		return t / float64(len(rs)), errs
	}
	onRPS, onErrs := sumRPS(on)
	offRPS, offErrs := sumRPS(off)
	offN := 0
	for _, r := range off {
		offN += len(r.Lat)
	}
	q := on[0].Lat
	for _, r := range on[1:] {
		q = append(q, r.Lat...)
	}
	offLat := off[0].Lat
	for _, r := range off[1:] {
		offLat = append(offLat, r.Lat...)
	}
	p99 := open.Lat.Quantile(0.99)
	errs := onErrs + offErrs + open.Errors()
	rt := onRPS / offRPS
	row.Ours = fmt.Sprintf("relay on: %.0f req/s p50 %s p99 %s; open %.0f req/s: p50 %s p99 %s", onRPS, ms(q.Quantile(0.5)), ms(q.Quantile(0.99)),
		cfg.Rate, ms(open.Lat.Quantile(0.5)), ms(p99))
	row.Baseline = fmt.Sprintf("relay stopped: %.0f req/s p50 %s p99 %s", offRPS, ms(offLat.Quantile(0.5)), ms(offLat.Quantile(0.99)))
	row.Ratio = ratio(onRPS, offRPS)
	row.Holds = holds(rt >= 0.8 && p99 < 20*time.Millisecond && errs == 0)
	row.Details = append(row.Details,
		fmt.Sprintf("One `ddokso api` (rate limits raised), one `ddokso worker scrap` and one `ddokso relay` (default DDOKSO_RELAY_INTERVAL) on a fresh database; %s; %s. New URLs only (http://127.0.0.1:9/…: a fetch port the fetcher refuses, so every submission is a scrape request, an outbox row, an SNS publish, an SQS message and a worker transaction recording it failed). %d rounds, each a closed loop of %d connections for %s with the relay stopped (the worker idles), then the relay started, the backlog worked off, and the same closed loop with the relay running, whose backlog is worked off before the next round; then an open loop at %.0f req/s for %s with the relay running (latency from the scheduled send time).",
			e.Endpoints(), cfg.Pin, cfg.Rounds, cfg.Conns, cfg.Duration, cfg.Rate, cfg.Duration), "",
		"| round | relay stopped | relay running | ratio |", "|---|---|---|---|")
	for i := range on {
		row.Details = append(row.Details, fmt.Sprintf("| %d | %s | %s | %s |", i+1, off[i], on[i], ratio(on[i].RPS(), off[i].RPS())))
	}
	row.Details = append(row.Details,
		fmt.Sprintf("| open %.0f req/s, relay running | | %s | |", cfg.Rate, open), "",
		fmt.Sprintf("Backlog left by each relay-stopped run worked off before the relay-on run in: %s.", strings.Join(drains, ", ")),
		fmt.Sprintf("CPU per accepted request with the relay stopped (µs, /proc/PID/stat): %s. CPU per submission while the relay and the worker work off that backlog with the API idle (the relay's from its start): %s; MariaDB per submission then: %s.",
			offCost.cpuPerURL(offN), pipeCost.cpuPerURL(offN), pipeCost.statusPerURL(offN)),
		fmt.Sprintf("The pipeline during each relay-on run: scrape requests given their outcome by the worker while it ran, of those accepted in it: %s.", strings.Join(kept, "; ")),
		fmt.Sprintf("The open loop's %d submissions at %.0f req/s, from accepted to outcome recorded by the worker (scrape_requests.created_at → finished_at): p50 %s, p99 %s, max %s; %d without an outcome; all worked off %s after the loop ended.",
			len(open.Lat), cfg.Rate, ms(outcome.Quantile(0.5)), ms(outcome.Quantile(0.99)), ms(outcome.Quantile(1)), unfinished, openDrain),
		fmt.Sprintf("InnoDB lock waits (information_schema.INNODB_LOCK_WAITS, sampled every 20 ms): relay stopped %s; relay running %s; open loop %s.", offWaits, onWaits, openWaits),
		pinNote(dbPin),
		"", gets, "",
		fmt.Sprintf("At the end: %d outbox rows published, %d scrape requests recorded failed by the worker, %d still pending; %d request errors.", published, failed, pending, errs))
	// A backlog that outlived a drain means messages the worker did not
	// finish on their first delivery: its log says why.
	if slices.ContainsFunc(append(drains, openDrain), func(d string) bool { return strings.HasPrefix(d, "not within") }) {
		row.Details = append(row.Details, "", "A drain timed out; the scrap worker's last output:", "", "```", worker.Output(), "```")
	}
	return row
}

// pinNote reports the MariaDB thread pinner's own cost ("" without one).
func pinNote(p *dbPinner) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("Pinning MariaDB's connection threads (on the load generator's CPU): %s.", p)
}

// drain waits until every outbox row is published and no scrape request
// is pending (the relay and the worker caught up), at most max. A drain
// that takes longer than drainTrace logs, every drainTrace, where the
// backlog sits: outbox rows not yet published, requests still pending,
// and the scrap queue's visible and in-flight messages.
func (s *System) drain(ctx context.Context, max time.Duration) (string, error) {
	start := time.Now()
	next := drainTrace
	for {
		var outbox, pending int
		if err := s.DB.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM outbox WHERE published_at IS NULL),
  (SELECT COUNT(*) FROM scrape_requests WHERE status = 'pending')`).Scan(&outbox, &pending); err != nil {
			return "", fmt.Errorf("drain: %w", err)
		}
		if outbox == 0 && pending == 0 {
			return time.Since(start).Round(100 * time.Millisecond).String(), nil
		}
		if time.Since(start) > max {
			return fmt.Sprintf("not within %s (%d unpublished, %d pending)", max, outbox, pending), nil
		}
		if time.Since(start) > next {
			next += drainTrace
			visible, inflight, qerr := s.scrapQueueCounts(ctx)
			slog.Warn("bench: slow drain", "after", time.Since(start).Round(time.Second), "unpublished", outbox,
				"pending", pending, "scrap_visible", visible, "scrap_inflight", inflight, "queue_error", qerr,
				"long_statements", s.longStatements(ctx))
			if next == 2*drainTrace {
				for _, p := range s.procs {
					if out := strings.TrimSpace(p.Output()); out != "" {
						slog.Warn("bench: slow drain: the end of a process's log", "process", p.Name, "log", out)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// drainTrace is how long a drain runs before it says where its backlog sits.
const drainTrace = 10 * time.Second

// longStatements describes the statements of this system's database that
// have run for more than a second, and the InnoDB lock waits, as one line.
func (s *System) longStatements(ctx context.Context) string {
	var out []string
	rows, err := s.DB.QueryContext(ctx, `SELECT ID, COMMAND, TIME, COALESCE(STATE, ''), LEFT(COALESCE(INFO, ''), 160)
  FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND TIME >= 1 AND COMMAND <> 'Sleep' AND ID <> CONNECTION_ID()`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	for rows.Next() {
		var id, secs int64
		var cmd, state, info string
		if rows.Scan(&id, &cmd, &secs, &state, &info) == nil {
			out = append(out, fmt.Sprintf("#%d %s %ds %q %q", id, cmd, secs, state, info))
		}
	}
	var waits int
	_ = s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS`).Scan(&waits)
	out = append(out, fmt.Sprintf("%d lock waits", waits))
	return strings.Join(out, "; ")
}

// scrapQueueCounts returns the scrap queue's visible and in-flight messages.
func (s *System) scrapQueueCounts(ctx context.Context) (visible, inflight int, err error) {
	endpoint := s.Env.Messaging
	if endpoint == "" {
		endpoint = s.Env.AWSEndpoint
	}
	c, err := SQSClient(ctx, endpoint)
	if err != nil {
		return 0, 0, err
	}
	name := infra.Default(s.Prefix).QueueName(infra.QueueScrap)
	out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if err != nil {
		return 0, 0, fmt.Errorf("queue url of %s: %w", name, err)
	}
	return queueCounts(ctx, c, *out.QueueUrl)
}

func systemCounts(ctx context.Context, db *sql.DB) (published, failed, pending int) {
	_ = db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM outbox WHERE published_at IS NOT NULL),
  (SELECT COUNT(*) FROM scrape_requests WHERE status = 'failed'), (SELECT COUNT(*) FROM scrape_requests WHERE status = 'pending')`).Scan(&published, &failed, &pending)
	return published, failed, pending
}

// lockWaits summarises INNODB_LOCK_WAITS samples.
type lockWaits struct {
	samples, withWaits, max int
	// on counts waits by the waiting lock's table, index and mode.
	on map[string]int
}

func (l *lockWaits) add(o lockWaits) {
	l.samples += o.samples
	l.withWaits += o.withWaits
	l.max = max(l.max, o.max)
	for k, v := range o.on {
		if l.on == nil {
			l.on = map[string]int{}
		}
		l.on[k] += v
	}
}

func (l lockWaits) String() string {
	s := fmt.Sprintf("%d of %d samples saw a wait (most at once: %d)", l.withWaits, l.samples, l.max)
	if len(l.on) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(l.on)) {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, l.on[k]))
		}
		s += ", waiting on: " + strings.Join(parts, "; ")
	}
	return s
}

// sampleLockWaits samples the server's lock waits every 20 ms until the
// returned function is called, which returns the summary.
func sampleLockWaits(ctx context.Context, db *sql.DB) func() lockWaits {
	var l lockWaits
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if n, on, err := lockWaitSample(ctx, db); err == nil {
				l.samples++
				if n > 0 {
					l.withWaits++
				}
				l.max = max(l.max, n)
				for _, k := range on {
					if l.on == nil {
						l.on = map[string]int{}
					}
					l.on[k]++
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() lockWaits {
		close(stop)
		wg.Wait()
		return l
	}
}

// lockWaitSample returns how many lock requests wait now and, for each,
// the requested lock's table, index and mode.
func lockWaitSample(ctx context.Context, db *sql.DB) (int, []string, error) {
	rows, err := db.QueryContext(ctx, `SELECT CONCAT(l.lock_table, ' ', COALESCE(l.lock_index, '-'), ' ', l.lock_mode)
  FROM information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var on []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return 0, nil, err
		}
		on = append(on, k)
	}
	return len(on), on, rows.Err()
}

// finishedRequests counts scrape requests that have an outcome.
func finishedRequests(ctx context.Context, db *sql.DB) int {
	var n int
	_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scrape_requests WHERE status <> 'pending'`).Scan(&n)
	return n
}

// lastRequestID is the newest scrape request's id (0 when none).
func lastRequestID(ctx context.Context, db *sql.DB) int64 {
	var id int64
	_ = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM scrape_requests`).Scan(&id)
	return id
}

// outcomeLatency returns, for the scrape requests from id first on, the
// time from acceptance to the worker's recorded outcome, and how many
// have no outcome yet.
func outcomeLatency(ctx context.Context, db *sql.DB, first int64) (Durations, int, error) {
	rows, err := db.QueryContext(ctx, `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, finished_at) FROM scrape_requests WHERE id >= ?`, first)
	if err != nil {
		return nil, 0, fmt.Errorf("outcome latency: %w", err)
	}
	defer rows.Close()
	var d Durations
	unfinished := 0
	for rows.Next() {
		var us sql.NullInt64
		if err := rows.Scan(&us); err != nil {
			return nil, 0, fmt.Errorf("outcome latency: %w", err)
		}
		if !us.Valid {
			unfinished++
			continue
		}
		d = append(d, time.Duration(us.Int64)*time.Microsecond)
	}
	return d, unfinished, rows.Err()
}

// getProducts is how many products getsRunning seeds for its GETs.
const getProducts = 1000

// getRate is the open-loop GET rate, row 4's.
const getRate = 1000

// getsRunning measures GET /products/{id} on the running system: a closed
// loop of cfg.Conns and an open loop at getRate while new-URL submissions
// arrive at cfg.Rate in the background with the relay and the worker on
// (so they publish, receive and record beside the GETs), against the same
// loops with the relay stopped and no submissions. It seeds its products
// first and leaves the relay running and the pipeline drained.
func getsRunning(ctx context.Context, s *System, client *http.Client, cfg APIRunningConfig, post RequestFunc, base string, stopRelay func(), startRelay func() error) (string, error) {
	if err := seedProducts(ctx, s, getProducts); err != nil {
		return "", fmt.Errorf("seed products for GET: %w", err)
	}
	get := func(i int64) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/products/%d", base, 1+i%getProducts), nil)
	}
	loops := func() (closed, open LoadResult, err error) {
		if closed, err = Closed(ctx, client, cfg.Conns, cfg.Duration, get); err != nil {
			return
		}
		open, err = Open(ctx, client, getRate, cfg.Duration, get)
		return
	}
	_, _ = Closed(ctx, client, cfg.Conns, time.Second, get) // warm up
	stopRelay()
	qc, qo, err := loops()
	if err != nil {
		return "", err
	}
	if err := startRelay(); err != nil {
		return "", fmt.Errorf("start relay: %w", err)
	}
	bg := make(chan error, 1)
	bgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bgRes LoadResult
	go func() {
		var err error
		bgRes, err = Open(bgCtx, client, cfg.Rate, 2*cfg.Duration+time.Second, post)
		bg <- err
	}()
	rc, ro, err := loops()
	cancel()
	if berr := <-bg; err == nil && berr != nil && bgCtx.Err() == nil {
		err = berr
	}
	if err != nil {
		return "", err
	}
	if _, err := s.drain(ctx, cfg.Drain); err != nil {
		return "", err
	}
	return fmt.Sprintf("GET /products/{id} (%d products seeded), %d connections closed loop for %s, then an open loop at %d req/s for %s: "+
		"with the relay stopped and no submissions %s, open %s; "+
		"while %.0f new-URL submissions/s arrive with the relay and the worker running (%d submitted, codes %v) %s, open %s: closed-loop ratio %s.",
		getProducts, cfg.Conns, cfg.Duration, getRate, cfg.Duration, qc, qo, cfg.Rate, len(bgRes.Lat), bgRes.Codes, rc, ro, ratio(rc.RPS(), qc.RPS())), nil
}
