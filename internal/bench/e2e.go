package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/workers/scrap"
)

// FakeShop serves generated product pages (JSON-LD, ~60 KB) on one port of
// several loopback addresses, so the per-host politeness limit spreads.
type FakeShop struct {
	// Hosts are the listening addresses ("127.0.0.2:PORT", ...).
	Hosts []string
	srvs  []*http.Server
}

// shopPage renders the product at path with a price derived from it.
func shopPage(host, path string) []byte {
	id := path[strings.LastIndexByte(path, '/')+1:]
	n, _ := strconv.Atoi(id[strings.LastIndexByte(id, 'p')+1:])
	head := fmt.Sprintf(`<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>벤치 운동화 %[1]s</title>
<link rel="canonical" href="http://%[2]s%[3]s">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"벤치 운동화 %[1]s","sku":"SKU-%[1]s",
"brand":{"@type":"Brand","name":"ddokso"},"image":"http://%[2]s/img/%[1]s.jpg",
"offers":{"@type":"Offer","price":"%[4]d","priceCurrency":"KRW","availability":"https://schema.org/InStock","url":"http://%[2]s%[3]s"}}</script>
</head><body><h1>벤치 운동화 %[1]s</h1><span class="price">%[4]d원</span>`, id, host, path, 10000+n*10)
	return SyntheticPage([]byte(head+"</body></html>"), 60*1024)
}

// StartFakeShop listens on 127.0.0.2..127.0.0.(1+hosts) at one free port.
func StartFakeShop(hosts int) (*FakeShop, error) {
	for attempt := 0; attempt < 5; attempt++ {
		fs := &FakeShop{}
		addr, err := process.FreeAddr()
		if err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(addr)
		var lerr error
		for i := 0; i < hosts; i++ {
			hp := net.JoinHostPort(fmt.Sprintf("127.0.0.%d", 2+i), port)
			l, err := net.Listen("tcp", hp)
			if err != nil {
				lerr = err
				break
			}
			srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write(shopPage(r.Host, r.URL.Path))
			})}
			go func() { _ = srv.Serve(l) }()
			fs.Hosts = append(fs.Hosts, hp)
			fs.srvs = append(fs.srvs, srv)
		}
		if lerr == nil {
			return fs, nil
		}
		fs.Close()
	}
	return nil, errors.New("fake shop: no port free on every loopback address")
}

// Port is the shop's port.
func (f *FakeShop) Port() string { _, p, _ := net.SplitHostPort(f.Hosts[0]); return p }

// URL returns the i-th product URL, spread over the hosts.
func (f *FakeShop) URL(run string, i int) string {
	return fmt.Sprintf("http://%s/products/%s-p%d", f.Hosts[i%len(f.Hosts)], run, i)
}

// Close stops every listener.
func (f *FakeShop) Close() {
	for _, s := range f.srvs {
		_ = s.Close()
	}
}

// E2EConfig sizes the end-to-end stage.
type E2EConfig struct {
	// URLs submitted per worker count.
	URLs int
	// Workers are the scrap worker process counts (the scaling curve).
	Workers []int
	// Hosts is the number of loopback shop addresses.
	Hosts int
	// Timeout bounds one run.
	Timeout time.Duration
	// Fast, when set, is fauxqs's endpoint: one worker runs again with SQS
	// and SNS on it, beside the durability floor (see e2eFloor), and the
	// latency from POST /scrapes to a visible price is measured at Rates.
	Fast string
	// Rates are submissions per second of the latency table.
	Rates []float64
	// FastRounds is how many ddokso runs on fauxqs alternate with the
	// floor (floor, ddokso, floor, ... floor). Default 2.
	FastRounds int
	// FloorRuns is how many timed floor runs of URLs pages make one floor
	// measurement (after a warm-up); its rate is their median. Default 3.
	FloorRuns int
	// ProfileDir, when set, receives CPU profiles of the ddokso processes
	// of each fauxqs run (DDOKSO_PPROF_ADDR), ProfileFor long from the
	// first submission.
	ProfileDir string
	// ProfileFor is the length of those profiles. Default 5s.
	ProfileFor time.Duration
}

// e2eResult is one run of ddokso end to end.
type e2eResult struct {
	rate     float64
	lat      Durations
	outcomes map[string]int
	mem      []MemSample
	cost     cost
	profiles []string
	// stages is the mean time per message of each scrap stage and of the
	// whole handler, over the workers' /metrics ("" when unreadable).
	stages string
}

// MemSample is one process's RSS idle and its peak under load.
type MemSample struct {
	Name       string
	Idle, Peak int64
}

// E2E submits URLs through a `ddokso api` process and measures how fast
// `ddokso worker scrap` processes (1, 2, 4) turn them into stored prices,
// with a `ddokso relay`; the baseline is the same fetch + extract done by a
// bare loop in this process at the same concurrency (no queue, no MySQL).
// It also returns the RSS of each process idle and under the load.
func E2E(ctx context.Context, e *Env, cfg E2EConfig) (Row, []MemSample) {
	row := Row{Stage: "5 End to end", Metric: "URLs submitted → price stored per second; submit-to-outcome p50 / p99",
		Goal:    "scales with worker processes (informational)",
		Command: fmt.Sprintf("scripts/dev/with-moto.sh go run ./internal/cmd/ddokso-bench -only 5,7 -e2e-urls %d -e2e-workers %s -e2e-rates %s", cfg.URLs, joinInts(cfg.Workers), joinFloats(cfg.Rates))}
	shop, err := StartFakeShop(cfg.Hosts)
	if err != nil {
		row.Err = err
		return row, nil
	}
	defer shop.Close()
	var mem []MemSample
	row.Details = append(row.Details, fmt.Sprintf("Fake shop: %d loopback addresses (127.0.0.2…), one port, generated 60 KB JSON-LD pages; DDOKSO_FETCH_HOST_INTERVAL=10ms; each worker process DDOKSO_SCRAP_CONCURRENCY=%d, DDOKSO_WORKER_POLLERS=2; one `ddokso api` and one `ddokso relay`; AWS endpoint %s; fresh database and topology per worker count. %d URLs per run, submitted by 8 concurrent clients.", cfg.Hosts, scrap.DefaultConcurrency, e.AWSEndpoint, cfg.URLs), "",
		"| scrap workers | URLs/s | submit→outcome p50 | p99 | outcomes |", "|---|---|---|---|---|")
	var first float64
	var curve []string
	for _, n := range cfg.Workers {
		res, err := e2eRun(ctx, e, shop, n, cfg, "")
		rate, lat, outcomes, m := res.rate, res.lat, res.outcomes, res.mem
		if err != nil {
			row.Err = fmt.Errorf("%d workers: %w", n, err)
			return row, mem
		}
		if first == 0 {
			first = rate
			row.Ours = fmt.Sprintf("1 worker: %.1f URLs/s, p50 %s, p99 %s", rate, ms(lat.Quantile(0.5)), ms(lat.Quantile(0.99)))
		}
		curve = append(curve, fmt.Sprintf("%d→%.1f/s", n, rate))
		row.Details = append(row.Details, fmt.Sprintf("| %d | %.1f (%.2f× of 1) | %s | %s | %v |", n, rate, rate/first, ms(lat.Quantile(0.5)), ms(lat.Quantile(0.99)), outcomes))
		if n == cfg.Workers[len(cfg.Workers)-1] || len(mem) == 0 {
			mem = m
		}
	}
	row.Ours += "; curve " + strings.Join(curve, ", ")

	// Baseline: fetch + extract with floorWorkers goroutines, no queue, no database.
	client := NewClient(2 * floorWorkers)
	urls := make(chan string)
	var wg sync.WaitGroup
	var lat Durations
	var mu sync.Mutex
	run := prefixRun()
	start := time.Now()
	var firstErr error
	for range floorWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range urls {
				s := time.Now()
				resp, err := client.Get(u)
				if err == nil {
					var body []byte
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					if err == nil {
						_, err = extract.Extract(u, body)
					}
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, time.Since(s))
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < cfg.URLs; i++ {
		urls <- shop.URL(run, i)
	}
	close(urls)
	wg.Wait()
	base := float64(cfg.URLs) / time.Since(start).Seconds()
	if firstErr != nil {
		row.Err = fmt.Errorf("baseline: %w", firstErr)
	}
	row.Baseline = fmt.Sprintf("bare fetch+extract loop, %d goroutines: %.1f URLs/s, p50 %s, p99 %s", floorWorkers, base, ms(lat.Quantile(0.5)), ms(lat.Quantile(0.99)))
	row.Ratio = ratio(first, base) + " (1 worker)"
	row.Holds = "n/a"
	if cfg.Fast != "" && row.Err == nil {
		if err := e2eFast(ctx, e, shop, cfg, &row); err != nil {
			row.Err = fmt.Errorf("fauxqs: %w", err)
		}
	}
	return row, mem
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// e2eRun is one point of the scaling curve. With profile set (and
// cfg.ProfileDir) it takes CPU profiles of the processes, named
// profile-<process>.pprof.
func e2eRun(ctx context.Context, e *Env, shop *FakeShop, workers int, cfg E2EConfig, profile string) (e2eResult, error) {
	var r e2eResult
	rate, lat, outcomes, mem, err := e2eRunOnce(ctx, e, shop, workers, cfg, profile, &r)
	r.rate, r.lat, r.outcomes, r.mem = rate, lat, outcomes, mem
	return r, err
}

func e2eRunOnce(ctx context.Context, e *Env, shop *FakeShop, workers int, cfg E2EConfig, profile string, r *e2eResult) (float64, Durations, map[string]int, []MemSample, error) {
	withPprof := profile != "" && cfg.ProfileDir != ""
	s, api, apiAddr, procs, err := startE2E(ctx, e, shop, workers, withPprof)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	defer s.Close()
	pids := []costPID{}
	for _, p := range procs {
		pids = append(pids, costPID{p.Name, p.child.PID()})
	}
	if pid := listenerPID(e.Messaging); e.Messaging != "" && pid != 0 {
		pids = append(pids, costPID{"fauxqs", pid})
	}
	pids = append(pids, costPID{"mysqld", mysqldPid(ctx, s.DB)}, costPID{"bench (shop, clients)", 0})
	var profWait func() []string
	if withPprof {
		profFor := cfg.ProfileFor
		if profFor == 0 {
			profFor = 5 * time.Second
		}
		profWait = profileProcs(procs, profFor, cfg.ProfileDir, profile)
	}
	probe := startCost(ctx, s.DB, pids)
	mem := make([]MemSample, len(procs))
	for i, p := range procs {
		mem[i].Name = p.Name
		mem[i].Idle, _, _ = p.RSS()
	}
	stopSample := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			for i, p := range procs {
				if r, _, err := p.RSS(); err == nil {
					mem[i].Peak = max(mem[i].Peak, r)
				}
			}
			select {
			case <-stopSample:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	run := prefixRun()
	client := NewClient(8)
	var next int64 = -1
	var mu sync.Mutex
	var wg sync.WaitGroup
	var subErr error
	var retried5xx int
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				next++
				i := next
				mu.Unlock()
				if i >= int64(cfg.URLs) {
					return
				}
				body := fmt.Sprintf(`{"url":%q}`, shop.URL(run, int(i)))
				var err error
				for attempt := 0; attempt < 10; attempt++ { // a client retries a 5xx with backoff, as the frontend does
					if attempt > 0 {
						time.Sleep(time.Duration(attempt*50) * time.Millisecond)
					}
					var resp *http.Response
					resp, err = client.Post("http://"+apiAddr+"/api/v1/scrapes", "application/json", strings.NewReader(body))
					if err != nil {
						break
					}
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						mu.Lock()
						retried5xx++
						mu.Unlock()
						err = fmt.Errorf("POST /scrapes: %d", resp.StatusCode)
						continue
					}
					if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("POST /scrapes: %d", resp.StatusCode)
					}
					break
				}
				if err != nil {
					mu.Lock()
					subErr = errors.Join(subErr, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if subErr != nil {
		close(stopSample)
		return 0, nil, nil, mem, fmt.Errorf("%w\napi output:\n%s", subErr, api.Output())
	}
	deadline := time.Now().Add(cfg.Timeout)
	for {
		var pending int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM scrape_requests WHERE status = 'pending'`).Scan(&pending); err != nil {
			close(stopSample)
			return 0, nil, nil, mem, err
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			close(stopSample)
			return 0, nil, nil, mem, fmt.Errorf("%d of %d scrape requests still pending after %s; worker output:\n%s", pending, cfg.URLs, cfg.Timeout, procs[len(procs)-1].Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stopSample)
	<-sampled
	r.cost = probe.stop(ctx)
	r.stages = stageMeans(procs)
	if profWait != nil {
		r.profiles = profWait()
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT status, TIMESTAMPDIFF(MICROSECOND, created_at, finished_at),
  (SELECT TIMESTAMPDIFF(MICROSECOND, MIN(created_at), MAX(finished_at)) FROM scrape_requests) FROM scrape_requests`)
	if err != nil {
		return 0, nil, nil, mem, err
	}
	defer rows.Close()
	var lat Durations
	outcomes := map[string]int{}
	var span int64
	for rows.Next() {
		var st string
		var us int64
		if err := rows.Scan(&st, &us, &span); err != nil {
			return 0, nil, nil, mem, err
		}
		outcomes[st]++
		lat = append(lat, time.Duration(us)*time.Microsecond)
	}
	var stored int
	_ = s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE price IS NOT NULL`).Scan(&stored)
	outcomes["products_with_price"] = stored
	if retried5xx > 0 {
		outcomes["submissions_answered_5xx_then_retried"] = retried5xx
		fmt.Fprintf(os.Stderr, "e2e: %d POST /scrapes answered 5xx; api output:\n%s\n", retried5xx, api.Output())
	}
	rate := float64(cfg.URLs) / (time.Duration(span) * time.Microsecond).Seconds()
	return rate, lat, outcomes, mem, rows.Err()
}

// startE2E starts a fresh system (database, topology) with one `ddokso
// api`, one `ddokso relay` and workers `ddokso worker scrap` processes
// pointed at shop, and waits until each is ready. The caller closes s.
// With pprof each process serves net/http/pprof (Proc.PprofAddr).
func startE2E(ctx context.Context, e *Env, shop *FakeShop, workers int, pprof bool) (s *System, api *Proc, apiAddr string, procs []*Proc, err error) {
	s, err = e.NewSystem(ctx)
	if err != nil {
		return nil, nil, "", nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	common := []string{"DDOKSO_FETCH_PORTS=" + shop.Port(), "DDOKSO_FETCH_HOST_INTERVAL=10ms",
		"DDOKSO_API_USER_RATE=1000000", "DDOKSO_API_IP_RATE=1000000", "DDOKSO_API_USER_BURST=1000000", "DDOKSO_API_IP_BURST=1000000",
		"DDOKSO_RELAY_INTERVAL=50ms"}
	start := func(name string, env []string, args ...string) (*Proc, error) {
		var addr string
		if pprof {
			addr, _ = process.FreeAddr()
			env = append(env, "DDOKSO_PPROF_ADDR="+addr)
		}
		p, err := s.Start(name, append(common, env...), args...)
		if err == nil {
			p.PprofAddr = addr
		}
		return p, err
	}
	apiAddr, _ = process.FreeAddr()
	api, err = start("api", []string{"DDOKSO_HTTP_ADDR=" + apiAddr, "DDOKSO_ADMIN_ADDR=127.0.0.1:0"}, "api")
	if err != nil {
		return nil, nil, "", nil, err
	}
	relayAdmin, _ := process.FreeAddr()
	relay, err := start("relay", []string{"DDOKSO_ADMIN_ADDR=" + relayAdmin}, "relay")
	if err != nil {
		return nil, nil, "", nil, err
	}
	procs = []*Proc{api, relay}
	waits := map[*Proc]string{api: "http://" + apiAddr + "/readyz", relay: "http://" + relayAdmin + "/readyz"}
	for i := range workers {
		adm, _ := process.FreeAddr()
		w, err := start(fmt.Sprintf("worker scrap #%d", i+1), []string{"DDOKSO_ADMIN_ADDR=" + adm}, "worker", "scrap")
		if err != nil {
			return nil, nil, "", nil, err
		}
		w.AdminAddr = adm
		procs = append(procs, w)
		waits[w] = "http://" + adm + "/readyz"
	}
	for p, u := range waits {
		if err := p.WaitHTTP(ctx, u, 60*time.Second); err != nil {
			return nil, nil, "", nil, err
		}
	}
	time.Sleep(2 * time.Second) // settle
	return s, api, apiAddr, procs, nil
}

// Memory renders the memory row from the end-to-end samples against the
// bare gin process (idle, under its load) of the API stage.
func Memory(samples []MemSample, bare [2]int64) Row {
	row := Row{Stage: "7 Memory", Metric: "RSS per process: idle / peak under the end-to-end load",
		Goal:    "< 40 MB idle, < 150 MB under load",
		Command: "scripts/dev/with-moto.sh go run ./internal/cmd/ddokso-bench -only 4,5,7"}
	if len(samples) == 0 {
		row.Err = errors.New("no samples (stage 5 did not run)")
		return row
	}
	ok := true
	var maxIdle, maxPeak int64
	row.Details = append(row.Details, "| process | idle RSS | peak RSS under load |", "|---|---|---|")
	for _, s := range samples {
		row.Details = append(row.Details, fmt.Sprintf("| %s | %s | %s |", s.Name, mib(s.Idle), mib(s.Peak)))
		ok = ok && s.Idle < 40<<20 && s.Peak < 150<<20
		maxIdle, maxPeak = max(maxIdle, s.Idle), max(maxPeak, s.Peak)
	}
	row.Ours = fmt.Sprintf("largest: idle %s, under load %s", mib(maxIdle), mib(maxPeak))
	row.Baseline = fmt.Sprintf("bare gin process: idle %s, under load %s", mib(bare[0]), mib(bare[1]))
	row.Ratio = ratio(float64(maxIdle), float64(bare[0])) + " idle"
	row.Holds = holds(ok)
	row.Details = append(row.Details, "", "Samples: VmRSS from /proc/PID/status, idle 2 s after every process reported ready, peak every 100 ms during the end-to-end run of the largest worker count.")
	return row
}
