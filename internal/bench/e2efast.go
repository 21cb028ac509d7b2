package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/workers/scrap"
)

// floorWorkers is the floor's concurrency: 8, the worker's concurrency
// when the floor was set, kept so that the floor compares across runs
// (the worker now runs DDOKSO_SCRAP_CONCURRENCY handlers). At 8 the
// floor's loop already keeps this machine's two CPUs busy: one probe at
// 32 was no faster (373 and 457 URLs/s, against 347 at 8 an hour later;
// the floor's spread between runs is wider than that).
const floorWorkers = 8

// e2eFloor is the floor of the end-to-end stage: what any implementation
// does per submitted page, with no queue and no relay: fetch it, extract
// it, and record the product and its price in one transaction (insert the
// product row, insert the price observation, commit) on the same MariaDB
// and schema, floorWorkers pages at once. It returns pages per second.
func e2eFloor(ctx context.Context, db *sql.DB, shop *FakeShop, n int) (float64, Durations, error) {
	client := NewClient(2 * floorWorkers)
	urls := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lat Durations
	var firstErr error
	run := prefixRun()
	start := time.Now()
	for range floorWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range urls {
				t := time.Now()
				err := floorPage(ctx, client, db, u)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, time.Since(t))
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		urls <- shop.URL(run, i)
	}
	close(urls)
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), lat, firstErr
}

func floorPage(ctx context.Context, client *http.Client, db *sql.DB, u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	p, err := extract.Extract(u, body)
	if err != nil {
		return fmt.Errorf("floor: extract %s: %w", u, err)
	}
	if p.Price == nil {
		return fmt.Errorf("floor: %s: no price", u)
	}
	sum := sha256.Sum256([]byte(u))
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("floor: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO products (url_hash, canonical_url, shop, title, currency, price, availability, check_status, last_checked_at, next_check_at)
VALUES (?, ?, 'bench', ?, ?, ?, 'in_stock', 'ok', NOW(6), NOW(6) + INTERVAL 1 HOUR)`, hex.EncodeToString(sum[:]), u, p.Title, p.Price.Currency, p.Price.Minor)
	if err != nil {
		return fmt.Errorf("floor: insert product: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("floor: product id: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO price_observations (product_id, variant_id, price, currency, availability, changed, observed_at)
VALUES (?, 0, ?, ?, 'in_stock', 1, NOW(6))`, id, p.Price.Minor, p.Price.Currency); err != nil {
		return fmt.Errorf("floor: insert observation: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("floor: commit: %w", err)
	}
	return nil
}

// floorMeasure is one floor measurement: a warm-up, then runs timed runs
// of n pages; its rate is the median run.
type floorMeasure struct {
	rates []float64
	lat   Durations
	cost  cost
	pages int
}

// measureFloor warms up (n/5 pages, at least 50, not timed), then times
// runs floor runs of n pages each.
func measureFloor(ctx context.Context, db *sql.DB, shop *FakeShop, n, runs int) (floorMeasure, error) {
	var f floorMeasure
	if _, _, err := e2eFloor(ctx, db, shop, max(50, n/5)); err != nil {
		return f, err
	}
	probe := startCost(ctx, db, []costPID{{"mysqld", mysqldPid(ctx, db)}, {"bench (shop, floor)", 0}})
	for range runs {
		r, lat, err := e2eFloor(ctx, db, shop, n)
		if err != nil {
			return f, err
		}
		f.rates = append(f.rates, r)
		f.lat = append(f.lat, lat...)
		f.pages += n
	}
	f.cost = probe.stop(ctx)
	return f, nil
}

func fmtRates(v []float64) string {
	s := make([]string, len(v))
	for i, r := range v {
		s[i] = fmt.Sprintf("%.1f", r)
	}
	return strings.Join(s, ", ")
}

// e2eFast runs the fauxqs part of the end-to-end stage: floor and ddokso
// (one scrap worker) alternate, FastRounds ddokso runs between
// FastRounds+1 floor measurements, so both see the same machine; then the
// POST-to-visible-price latency at each rate. It fills row's
// Ours/Baseline/Ratio/Holds and adds its details.
func e2eFast(ctx context.Context, e *Env, shop *FakeShop, cfg E2EConfig, row *Row) error {
	rounds, runs := cfg.FastRounds, cfg.FloorRuns
	if rounds <= 0 {
		rounds = 2
	}
	if runs <= 0 {
		runs = 3
	}
	fe := e.OnMessaging(cfg.Fast)
	fs, err := fe.NewSystem(ctx)
	if err != nil {
		return err
	}
	defer fs.Close()
	var floors []floorMeasure
	var ours []e2eResult
	for i := 0; i <= rounds; i++ {
		f, err := measureFloor(ctx, fs.DB, shop, cfg.URLs, runs)
		if err != nil {
			return err
		}
		floors = append(floors, f)
		if i == rounds {
			break
		}
		prof := ""
		if i == 0 {
			prof = "row5"
		}
		res, err := e2eRun(ctx, fe, shop, 1, cfg, prof)
		if err != nil {
			return fmt.Errorf("fauxqs, 1 worker: %w", err)
		}
		ours = append(ours, res)
	}
	var floorRates, ourRates []float64
	var fl Durations
	var fcost cost
	fpages := 0
	for _, f := range floors {
		floorRates = append(floorRates, f.rates...)
		fl = append(fl, f.lat...)
		fcost = fcost.add(f.cost)
		fpages += f.pages
	}
	ok := true
	var lat Durations
	for _, o := range ours {
		ourRates = append(ourRates, o.rate)
		lat = append(lat, o.lat...)
		ok = ok && o.outcomes["done"] == cfg.URLs
	}
	floor, rate := median(floorRates), median(ourRates)
	r := rate / floor
	ok = ok && r >= 0.7
	row.Details = append(row.Details, "",
		fmt.Sprintf("**On fauxqs** (%s): one `ddokso worker scrap` (concurrency %d), one `ddokso api`, one `ddokso relay`, %d URLs per run, beside the **floor**: the same kind of pages fetched and extracted by %d goroutines in the bench process, each page then recorded in one transaction (INSERT the product, INSERT its price observation, COMMIT) on the same MariaDB and schema: no queue, no relay, no API. Floor and ddokso alternate: %d floor measurements (each a warm-up of %d pages, then %d timed runs of %d pages) around %d ddokso runs (each a fresh database, topology and processes). Each side's rate is the median of its runs.", fe.Endpoints(), scrap.DefaultConcurrency, cfg.URLs, floorWorkers, rounds+1, max(50, cfg.URLs/5), runs, cfg.URLs, rounds), "",
		"| side | URLs/s (median) | runs | p50 | p99 | outcomes |", "|---|---|---|---|---|---|",
		fmt.Sprintf("| ddokso, 1 worker (submit→outcome) | %.1f (%.2f× of the floor) | %s | %s | %s | %v |", rate, r, fmtRates(ourRates), ms(lat.Quantile(0.5)), ms(lat.Quantile(0.99)), ours[len(ours)-1].outcomes),
		fmt.Sprintf("| floor (per page) | %.1f | %s | %s | %s | |", floor, fmtRates(floorRates), ms(fl.Quantile(0.5)), ms(fl.Quantile(0.99))),
		"",
		"What each side cost per URL: CPU time of each process (/proc/PID/stat, getrusage; µs per URL), and MariaDB's global status counters (server-wide: other clients of a shared server count too).", "",
		"| side | CPU per URL | MariaDB per URL |", "|---|---|---|")
	var ocost cost
	for _, o := range ours {
		ocost = ocost.add(o.cost)
	}
	row.Details = append(row.Details,
		fmt.Sprintf("| ddokso (all runs) | %s | %s |", ocost.cpuPerURL(len(ours)*cfg.URLs), ocost.statusPerURL(len(ours)*cfg.URLs)),
		fmt.Sprintf("| floor (timed runs) | %s | %s |", fcost.cpuPerURL(fpages), fcost.statusPerURL(fpages)))
	for i, o := range ours {
		if o.stages != "" {
			row.Details = append(row.Details, "", fmt.Sprintf("ddokso run %d, mean time per message in the worker (its /metrics: ddokso_scrap_stage_seconds and the whole handler, ddokso_queue_handler_duration_seconds): %s.", i+1, o.stages))
		}
	}
	if len(ours[0].profiles) > 0 {
		row.Details = append(row.Details, "", fmt.Sprintf("CPU profiles of the first ddokso run: %s.", strings.Join(ours[0].profiles, ", ")))
	}
	row.Ours += fmt.Sprintf("; fauxqs 1 worker: %.1f URLs/s", rate)
	row.Baseline += fmt.Sprintf("; fauxqs floor (fetch+extract+1 tx, %d goroutines): %.1f URLs/s", floorWorkers, floor)
	row.Ratio += fmt.Sprintf("; %.2f× of the floor (fauxqs)", r)
	row.Goal = "≥ 0.7× the floor on fauxqs; latency table (the moto curve is informational)"
	row.Holds = holds(ok)

	if len(cfg.Rates) == 0 {
		return nil
	}
	row.Details = append(row.Details, "",
		"Latency from POST /scrapes to a visible price, on fauxqs, one worker: submissions at a fixed rate (open loop, new URLs); for each, the client polls GET /scrapes/{id} every 10 ms until it is done, then GET /products/{id} until it shows a price; the latency runs from the scheduled send time to that answer.", "",
		"| submissions/s | submitted | p50 | p99 | max | not visible |", "|---|---|---|---|---|---|")
	s, _, apiAddr, _, err := startE2E(ctx, fe, shop, 1, false)
	if err != nil {
		return err
	}
	defer s.Close()
	var summary []string
	for _, rt := range cfg.Rates {
		n := max(10, int(rt*5))
		lat, missing, err := visibleLatency(ctx, shop, "http://"+apiAddr, rt, n)
		if err != nil {
			return fmt.Errorf("latency at %.0f/s: %w", rt, err)
		}
		row.Details = append(row.Details, fmt.Sprintf("| %.0f | %d | %s | %s | %s | %d |", rt, n, ms(lat.Quantile(0.5)), ms(lat.Quantile(0.99)), ms(lat.Quantile(1)), missing))
		summary = append(summary, fmt.Sprintf("%.0f/s p50 %s p99 %s", rt, ms(lat.Quantile(0.5)), ms(lat.Quantile(0.99))))
		if missing > 0 {
			row.Holds = holds(false)
		}
	}
	row.Ours += "; POST→visible price " + strings.Join(summary, ", ")
	return nil
}

// visibleLatency submits n new URLs at rate per second and measures, for
// each, the time from its scheduled send to GET /products/{id} showing a
// price. It returns the latencies and how many never became visible
// within 60 s.
func visibleLatency(ctx context.Context, shop *FakeShop, base string, rate float64, n int) (Durations, int, error) {
	client := NewClient(64)
	run := prefixRun()
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var mu sync.Mutex
	var lat Durations
	var missing int
	var errs error
	var wg sync.WaitGroup
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := submitAndWait(ctx, client, base, shop.URL(run, i), at)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, errNotVisible):
				missing++
			case err != nil:
				errs = errors.Join(errs, err)
			default:
				lat = append(lat, d)
			}
		}()
	}
	wg.Wait()
	return lat, missing, errs
}

var errNotVisible = errors.New("price not visible within 60 s")

func submitAndWait(ctx context.Context, client *http.Client, base, url string, at time.Time) (time.Duration, error) {
	body := fmt.Sprintf(`{"url":%q}`, url)
	resp, err := client.Post(base+"/api/v1/scrapes", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	var sc struct {
		ID        int64  `json:"id"`
		Status    string `json:"status"`
		ProductID int64  `json:"product_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&sc)
	resp.Body.Close()
	if err != nil || (resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK) {
		return 0, fmt.Errorf("POST /scrapes %s: %d %v", url, resp.StatusCode, err)
	}
	deadline := at.Add(60 * time.Second)
	for sc.ProductID == 0 {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, errNotVisible
		}
		time.Sleep(10 * time.Millisecond)
		if err := getJSON(client, fmt.Sprintf("%s/api/v1/scrapes/%d", base, sc.ID), &sc); err != nil {
			return 0, err
		}
		if sc.Status != "pending" && sc.Status != "done" {
			return 0, fmt.Errorf("scrape %d of %s: %s", sc.ID, url, sc.Status)
		}
	}
	for {
		var p struct {
			Price *struct {
				Decimal string `json:"decimal"`
			} `json:"price"`
		}
		if err := getJSON(client, fmt.Sprintf("%s/api/v1/products/%d", base, sc.ProductID), &p); err == nil && p.Price != nil && p.Price.Decimal != "" {
			return time.Since(at), nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, errNotVisible
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func getJSON(client *http.Client, url string, v any) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
