// Command ddokso-bench runs ddokso's benchmark stages beside their
// baselines and writes BENCHMARKS.md. `make bench` runs it with moto on
// AWS_ENDPOINT_URL; rows 3 and 6 also start fauxqs (internal/emulator), the
// fast in-memory SQS emulator. `ddokso-bench -smoke` is the short check
// that every stage still runs.
//
//	ddokso-bench [-out BENCHMARKS.md] [-only 1,4] [size flags]
//	ddokso-bench baregin ADDR    # the bare gin baseline server (used by stage 4)
//	ddokso-bench floor ADDR      # the durability floor of POST /scrapes on $DDOKSO_BENCH_FLOOR_DSN (stage 4)
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ddokso/ddokso/internal/bench"
	"github.com/ddokso/ddokso/internal/emulator"
)

func main() {
	if len(os.Args) == 3 && (os.Args[1] == "baregin" || os.Args[1] == "floor") {
		h := bench.BareGin()
		if os.Args[1] == "floor" {
			h = bench.DurabilityFloor(os.Getenv(bench.FloorDSNEnv))
		}
		srv := &http.Server{Addr: os.Args[2], Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
			<-sig
			_ = srv.Close()
		}()
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ddokso-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		out          = flag.String("out", "BENCHMARKS.md", "report file")
		only         = flag.String("only", "", "comma-separated stages to run (default all); 4 runs rows 4 and 4r, 4r the running system alone")
		smoke        = flag.Bool("smoke", false, "tiny sizes: only checks that every stage still runs")
		mysqlBase    = flag.String("mysql", "root@tcp(127.0.0.1:3306)/", "MySQL DSN without database (databases are created and dropped)")
		extractIters = flag.Int("extract-iters", 30, "timed runs per page and side")
		syntheticKB  = flag.Int("synthetic-kb", 300, "size of the synthesized large page")
		apiDur       = flag.Duration("api-duration", 5*time.Second, "length of each API load run")
		apiConns     = flag.Int("api-conns", 32, "closed-loop API connections")
		apiRate      = flag.Float64("api-rate", 1000, "open-loop API rate (req/s)")
		apiProducts  = flag.Int("api-products", 1000, "products seeded for GET /products/{id}")
		runRate      = flag.Float64("api-running-rate", 200, "row 4r: open-loop POST /scrapes rate (req/s) with the relay and worker running")
		runRounds    = flag.Int("api-running-rounds", 3, "row 4r: interleaved rounds of relay stopped / relay running")
		runNice      = flag.Int("api-running-nice", 0, "row 4r: run the relay, the scrap worker and fauxqs at this nice value (1..19, every thread), modelling them on instances of their own as in production (mysqld, moto and the load generator stay at normal priority); 0: all at normal priority")
		runCPUs      = flag.String("api-running-cpus", "", "row 4r: API_CPUS:REST_CPUS (e.g. 0:1) pins `ddokso api` to API_CPUS and the relay, worker and fauxqs to REST_CPUS with taskset, modelling the API on its own instance (mysqld, moto and the load generator stay unpinned); empty: no pinning")
		runRelayAPI  = flag.Bool("api-running-relay-with-api", false, "row 4r with -api-running-cpus: the relay on the API's CPUs (infra/cloudformation's API hosts run it) instead of the rest's")
		e2eRates     = flag.String("e2e-rates", "1,10,50", "row 5: submissions per second of the POST-to-visible-price latency table (on fauxqs)")
		e2eURLs      = flag.Int("e2e-urls", 300, "URLs submitted per end-to-end run")
		e2eWorkers   = flag.String("e2e-workers", "1,2,4", "scrap worker process counts of the scaling curve")
		e2eHosts     = flag.Int("e2e-hosts", 49, "loopback shop addresses (127.0.0.2…)")
		e2eRounds    = flag.Int("e2e-fast-rounds", 2, "row 5 on fauxqs: ddokso runs alternating with floor measurements")
		floorRuns    = flag.Int("e2e-floor-runs", 3, "row 5 on fauxqs: timed floor runs per floor measurement (median)")
		e2eProfile   = flag.String("e2e-profile-dir", "", "row 5 on fauxqs: write CPU profiles of the first ddokso run's processes here")
		e2eProfFor   = flag.Duration("e2e-profile-for", 5*time.Second, "row 5 on fauxqs: length of those profiles")
		useFauxqs    = flag.Bool("fauxqs", true, "start fauxqs (fast in-memory SQS) for rows 3 and 6")
		fauxqsHeap   = flag.Int("fauxqs-heap-mib", 6144, "Node.js heap limit of fauxqs (a million queued messages need a few GiB)")
		motoMsgs     = flag.Int("consumer-moto-msgs", 300, "row 3: messages per side and round on moto")
		motoRounds   = flag.Int("consumer-moto-rounds", 3, "row 3: interleaved rounds on moto")
		fauxqsMsgs   = flag.Int("consumer-fauxqs-msgs", 20000, "row 3: messages per side and round on fauxqs")
		fauxqsRounds = flag.Int("consumer-fauxqs-rounds", 5, "row 3: interleaved rounds on fauxqs")
		consProfile  = flag.String("consumer-cpuprofile", "", "row 3: write a CPU profile of the first ddokso consumer run on fauxqs to this file")
		batchN       = flag.Int("batch-products", 1000000, "row 6: due products seeded, selected and (to fauxqs) enqueued")
		batchMoto    = flag.Int("batch-moto", 200, "row 6: products of the small sample enqueued to moto (0 skips it)")
		batchVerify  = flag.Bool("batch-verify", true, "row 6: receive every enqueued message back and check each product id is there once")
	)
	flag.Parse()
	root, err := emulator.ModuleRoot()
	if err != nil {
		return err
	}
	if *smoke {
		*extractIters, *syntheticKB, *apiDur, *apiRate, *apiProducts = 2, 300, 500*time.Millisecond, 100, 20
		*e2eURLs, *e2eWorkers, *runRounds, *e2eRates = 10, "1", 1, "5"
		*e2eRounds, *floorRuns = 1, 1
		*motoMsgs, *motoRounds, *fauxqsMsgs, *fauxqsRounds, *batchN, *batchMoto = 50, 1, 500, 1, 2000, 20
	}
	// want selects a stage by its row ("4r" is the running-system half of
	// row 4: -only 4 runs both, -only 4r that one alone).
	want := func(id string) bool {
		sel := strings.Split(*only, ",")
		return *only == "" || slices.Contains(sel, id) || slices.Contains(sel, strings.TrimSuffix(id, "r"))
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

	rep := &bench.Report{Started: time.Now(), Invocation: strings.Join(append([]string{"ddokso-bench"}, os.Args[1:]...), " "),
		Machine: []string{fmt.Sprintf("%s/%s, %d CPUs (shared), %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()), cpuModel()}}
	tmp, err := os.MkdirTemp("", "ddokso-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := &bench.Env{MySQLBase: *mysqlBase, AWSEndpoint: os.Getenv("AWS_ENDPOINT_URL")}
	needSystem := want("4") || want("4r") || want("5") || want("6") || want("7") || want("3")
	if needSystem {
		if env.AWSEndpoint == "" {
			return fmt.Errorf("AWS_ENDPOINT_URL is not set: run through scripts/dev/with-moto.sh (make bench does)")
		}
		if env.Bin, err = bench.BuildBinary(root, tmp); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var fauxqs bench.Emulator
	var fauxqsErr error
	if *useFauxqs && (want("3") || want("4") || want("4r") || want("5") || want("6")) {
		srv, err := bench.StartFauxqs(ctx, *fauxqsHeap)
		switch {
		case err != nil && *smoke:
			return fmt.Errorf("the smoke run checks the fauxqs path too: %w", err)
		case err != nil:
			fauxqsErr = err
			fmt.Fprintln(os.Stderr, "ddokso-bench: fauxqs not available:", err)
		default:
			defer srv.Kill()
			fauxqs = bench.Emulator{Label: "fauxqs", Endpoint: srv.Endpoint(), Restart: func(ctx context.Context) error { _, err := srv.Restart(ctx); return err }}
			rep.Machine = append(rep.Machine, "emulators: moto_server (AWS_ENDPOINT_URL) and fauxqs (internal/emulator, "+fauxqs.Endpoint+")")
		}
	}
	moto := bench.Emulator{Label: "moto", Endpoint: env.AWSEndpoint}
	step := func(id string, f func() bench.Row) {
		if !want(id) || ctx.Err() != nil {
			return
		}
		s := time.Now()
		fmt.Fprintf(os.Stderr, "stage %s ...\n", id)
		r := f()
		fmt.Fprintf(os.Stderr, "stage %s done in %s: %s | %s | %s\n", id, time.Since(s).Round(time.Millisecond), r.Ours, r.Baseline, r.Ratio)
		if r.Err != nil {
			fmt.Fprintf(os.Stderr, "stage %s error: %v\n", id, r.Err)
		}
		rep.Rows = append(rep.Rows, r)
	}
	step("1", func() bench.Row {
		return bench.Extraction(bench.ExtractConfig{Dir: filepath.Join(root, "extract", "testdata"), Iterations: *extractIters, SyntheticKB: *syntheticKB})
	})
	step("2", bench.PriceParsing)
	step("3", func() bench.Row {
		targets := []bench.ConsumerTarget{{Emulator: moto, Messages: *motoMsgs, Rounds: *motoRounds}}
		notes := []string{emulatorNote}
		if fauxqs.Endpoint != "" {
			targets = append(targets, bench.ConsumerTarget{Emulator: fauxqs, Messages: *fauxqsMsgs, Rounds: *fauxqsRounds})
		} else {
			notes = append(notes, "", fmt.Sprintf("fauxqs not measured: %v", fauxqsErr))
		}
		return bench.Consumer(ctx, bench.ConsumerConfig{Targets: targets, Pollers: 4, Notes: notes, CPUProfile: *consProfile, ProfileLabel: "fauxqs"})
	})
	var bareMem [2]int64
	var mem []bench.MemSample
	step("4", func() bench.Row {
		r, m := bench.API(ctx, env, bench.APIConfig{Duration: *apiDur, Conns: *apiConns, Rate: *apiRate, Products: *apiProducts, BenchBin: self})
		bareMem = m
		return r
	})
	step("4r", func() bench.Row {
		if fauxqs.Endpoint == "" {
			return bench.Row{Stage: "4r API, running system", Err: fmt.Errorf("needs fauxqs: %v", fauxqsErr)}
		}
		split, err := bench.ParseCPUSplit(*runCPUs)
		if err != nil {
			return bench.Row{Stage: "4r API, running system", Err: err}
		}
		if *runRelayAPI && !split.On() {
			return bench.Row{Stage: "4r API, running system", Err: fmt.Errorf("-api-running-relay-with-api needs -api-running-cpus")}
		}
		split.RelayWithAPI = *runRelayAPI
		if *runNice < 0 || *runNice > 19 {
			return bench.Row{Stage: "4r API, running system", Err: fmt.Errorf("-api-running-nice %d: want 0..19", *runNice)}
		}
		return bench.APIRunning(ctx, env.OnMessaging(fauxqs.Endpoint), bench.APIRunningConfig{Duration: *apiDur, Conns: *apiConns, Rate: *runRate, Rounds: *runRounds, Drain: time.Minute, Pin: split, Nice: *runNice})
	})
	step("5", func() bench.Row {
		var workers []int
		for _, f := range strings.Split(*e2eWorkers, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return bench.Row{Stage: "5 End to end", Err: fmt.Errorf("-e2e-workers: bad count %q", f)}
			}
			workers = append(workers, n)
		}
		var rates []float64
		for _, f := range strings.Split(*e2eRates, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || v <= 0 {
				return bench.Row{Stage: "5 End to end", Err: fmt.Errorf("-e2e-rates: bad rate %q", f)}
			}
			rates = append(rates, v)
		}
		r, m := bench.E2E(ctx, env, bench.E2EConfig{URLs: *e2eURLs, Workers: workers, Hosts: *e2eHosts, Timeout: 5 * time.Minute,
			Fast: fauxqs.Endpoint, Rates: rates, FastRounds: *e2eRounds, FloorRuns: *floorRuns, ProfileDir: *e2eProfile, ProfileFor: *e2eProfFor})
		mem = m
		return r
	})
	step("6", func() bench.Row {
		r := bench.Batch(ctx, env, bench.BatchConfig{Products: *batchN, Fast: fauxqs, Slow: moto, SlowSample: *batchMoto, Concurrency: 8, Verify: *batchVerify})
		r.Details = append([]string{emulatorNote, ""}, r.Details...)
		if fauxqs.Endpoint == "" {
			r.Details = append([]string{fmt.Sprintf("fauxqs not available (%v): only the moto sample was enqueued.", fauxqsErr), ""}, r.Details...)
		}
		return r
	})
	step("7", func() bench.Row { return bench.Memory(mem, bareMem) })
	rep.Elapsed = time.Since(rep.Started)
	if old, err := os.ReadFile(*out); err == nil {
		rep.Tail = bench.KeptTail(string(old))
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, r := range rep.Rows {
		if r.Err != nil {
			return fmt.Errorf("stage %s failed: %w", r.Stage, r.Err)
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %s\n", *out, rep.Elapsed.Round(time.Second))
	return nil
}

// emulatorNote says which emulator each figure of rows 3 and 6 is against.
const emulatorNote = "Emulators: moto_server (Python) takes milliseconds per SQS call, more under concurrent callers (a few hundred messages per second at best here), " +
	"so against it both sides measure moto and ddokso's own costs vanish; fauxqs (Node.js, in memory, started through internal/emulator) answers in well under a millisecond, " +
	"so the figures against it show ddokso's overhead. moto stays the emulator of make test and of SES and the scheduler; fauxqs has SQS and SNS only."

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu: unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if _, v, ok := strings.Cut(l, ":"); ok {
				return "cpu: " + strings.TrimSpace(v)
			}
		}
	}
	return "cpu: unknown"
}
