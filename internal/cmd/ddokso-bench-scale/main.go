// Command ddokso-bench-scale measures ddokso on a database built by
// ddokso-seed (internal/scalebench) and writes the results into
// BENCHMARKS.md's hand-written tail, in the section between
// scalebench.Begin and scalebench.End.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/ddokso/ddokso/internal/bench"
	"github.com/ddokso/ddokso/internal/scalebench"
	"github.com/ddokso/ddokso/internal/seed"
	"github.com/ddokso/ddokso/store"
)

func main() {
	server := flag.String("server", "root@tcp(127.0.0.1:3306)/", "MySQL server DSN without a database name")
	name := flag.String("db", "ddokso_scale", "database built by ddokso-seed")
	out := flag.String("out", "BENCHMARKS.md", "report to update; - prints the section")
	samples := flag.Int("samples", 1000, "requests per API endpoint")
	only := flag.String("only", "", "comma-separated parts: storage,floor,api,scrap,tick,cleanup,ddl (floor runs with api and scrap)")
	endpoints := flag.String("endpoints", "", "comma-separated substrings: only the API endpoints whose name contains one")
	pool := flag.Int64("buffer-pool-mib", seed.DefaultBufferPoolMiB, "set innodb_buffer_pool_size (MiB) for the run, so the share of the data that fits in memory is the same on every machine; 0 leaves the server's")
	redo := flag.Int64("redo-log-mib", 0, "set innodb_log_file_size (MiB, MariaDB ≥ 10.11 resizes it online) for the run; 0 leaves the server's")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, log, *server+*name, *out, *samples, *only, *endpoints, *pool<<20, *redo<<20); err != nil {
		log.Error("bench-scale failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, dsn, out string, samples int, only, endpoints string, pool, redo int64) error {
	db, err := store.Open(ctx, store.Config{DSN: dsn, MaxOpenConns: 20})
	if err != nil {
		return err
	}
	defer db.Close()
	m, ok, err := seed.ReadMarker(ctx, db)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the database holds no complete data set (run ddokso-seed first)")
	}
	// Migrations added since the seeding (indexes of this issue) apply.
	if err := store.MigrateUp(ctx, db, nil); err != nil {
		return err
	}
	if pool > 0 {
		if err := seed.SetBufferPool(ctx, log, db, pool); err != nil {
			return err
		}
	}
	if redo > 0 {
		if err := seed.SetRedoLog(ctx, log, db, redo); err != nil {
			return err
		}
	}
	cfg := scalebench.Config{Samples: samples, Logger: log}
	if only != "" {
		cfg.Only = strings.Split(only, ",")
	}
	if endpoints != "" {
		cfg.Endpoints = strings.Split(endpoints, ",")
	}
	if out != "-" {
		cfg.AfterPart = func(r *scalebench.Result) error { return write(out, r) }
	}
	res, err := scalebench.Run(ctx, db, m, cfg)
	if err != nil {
		return err
	}
	if out == "-" {
		_, err := os.Stdout.WriteString(res.Markdown())
		return err
	}
	return write(out, res)
}

// write splices r's section into the report at out.
func write(out string, r *scalebench.Result) error {
	section := r.Markdown()
	old, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	report := string(old)
	if !strings.Contains(report, bench.KeepMarker) {
		report = strings.TrimRight(report, "\n") + "\n\n" + bench.KeepMarker + "\n"
	}
	return os.WriteFile(out, []byte(scalebench.Splice(report, section)), 0o644)
}
