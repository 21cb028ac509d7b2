// Command ddokso-chaos runs the chaos and load harness (package chaos) and
// exits non-zero when an invariant is violated. `make chaos` runs the full
// profile; -short the one `make test-long` runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/ddokso/ddokso/internal/chaos"
)

func main() {
	short := flag.Bool("short", false, "the short profile (N≈200, a few faults, under 5 minutes)")
	cfg := chaos.Full()
	if len(os.Args) > 1 && (os.Args[1] == "-short" || os.Args[1] == "--short") {
		cfg = chaos.Short()
	}
	flag.IntVar(&cfg.Submissions, "n", cfg.Submissions, "URL submissions through the API")
	flag.DurationVar(&cfg.MoveDuration, "duration", cfg.MoveDuration, "how long prices move and re-scrape ticks run")
	flag.DurationVar(&cfg.KillEvery, "kill-every", cfg.KillEvery, "kill -9 a random worker this often (0 = never)")
	flag.DurationVar(&cfg.TickEvery, "tick-every", cfg.TickEvery, "rescrape.due tick period")
	flag.IntVar(&cfg.MovesPerTick, "moves", cfg.MovesPerTick, "shop changes per tick")
	flag.IntVar(&cfg.Concurrency, "c", cfg.Concurrency, "concurrent API clients")
	flag.Float64Var(&cfg.WatchShare, "watch-share", cfg.WatchShare, "share of products with a watch")
	flag.BoolVar(&cfg.RestartDB, "restart-db", cfg.RestartDB, "crash-restart MariaDB once")
	flag.BoolVar(&cfg.RestartEmulator, "restart-emulator", cfg.RestartEmulator, "restart the AWS emulators (fauxqs, moto) once")
	flag.DurationVar(&cfg.Settle, "settle", cfg.Settle, "upper bound of each wait for the system to finish")
	flag.StringVar(&cfg.OutDir, "out", cfg.OutDir, "report and log directory")
	flag.StringVar(&cfg.Binary, "bin", "", "a built ddokso binary (default: go build ./cmd/ddokso)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "shop catalogue and script seed")
	flag.Parse()
	_ = short

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, err := chaos.Run(ctx, cfg, log)
	if rep != nil {
		fmt.Print(rep.Markdown())
		fmt.Printf("\nreport: %s\n", filepath.Join(cfg.OutDir, "report.md"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ddokso-chaos: %v\n", err)
		os.Exit(1)
	}
	if !rep.Passed {
		fmt.Fprintln(os.Stderr, "ddokso-chaos: invariants violated")
		os.Exit(1)
	}
}
