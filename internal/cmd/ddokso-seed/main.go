// Command ddokso-seed builds the scale data set (internal/seed) in its own
// database: 500,000 products and their two years of history at -scale 1,
// a 1% version at -scale 0.01. With -reuse it exits at once when the
// database already holds a complete data set of the same scale and seed.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/ddokso/ddokso/internal/seed"
	"github.com/ddokso/ddokso/store"
)

func main() {
	server := flag.String("server", "root@tcp(127.0.0.1:3306)/", "MySQL server DSN without a database name")
	name := flag.String("db", "ddokso_scale", "database to build (dropped and created unless -reuse finds it complete)")
	scale := flag.Float64("scale", 1, "fraction of ddokso.com's size (1 = 500,000 products)")
	seedN := flag.Int64("seed", 18, "random seed")
	reuse := flag.Bool("reuse", false, "keep a complete data set of the same scale and seed")
	pool := flag.Int64("buffer-pool-mib", seed.DefaultBufferPoolMiB, "set innodb_buffer_pool_size (MiB) before loading (a server's default 128 MiB makes the index builds crawl); 0 leaves the server's")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, log, *server+*name, *scale, *seedN, *reuse, *pool<<20); err != nil {
		log.Error("seed failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, dsn string, scale float64, seedN int64, reuse bool, pool int64) error {
	if err := store.CreateDatabase(ctx, dsn); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{DSN: dsn, MaxOpenConns: 4})
	if err != nil {
		return err
	}
	defer db.Close()
	if reuse {
		m, ok, err := seed.ReadMarker(ctx, db)
		if err != nil {
			return err
		}
		if ok && m.Scale == scale && m.Seed == seedN {
			log.Info("reusing complete data set", "scale", m.Scale, "anchor", m.Anchor, "seconds", m.Seconds, "bytes", m.Bytes)
			return nil
		}
	}
	var dbName string
	if err := db.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&dbName); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "DROP DATABASE `"+dbName+"`"); err != nil {
		return err
	}
	db.Close()
	if err := store.CreateDatabase(ctx, dsn); err != nil {
		return err
	}
	if db, err = store.Open(ctx, store.Config{DSN: dsn, MaxOpenConns: 4}); err != nil {
		return err
	}
	defer db.Close()
	if err := store.MigrateUp(ctx, db, nil); err != nil {
		return err
	}
	if pool > 0 {
		if err := seed.SetBufferPool(ctx, log, db, pool); err != nil {
			return err
		}
	}
	cfg := seed.Config{Scale: scale, Seed: seedN, Logger: log}
	if err := cfg.Validate(); err != nil {
		return err
	}
	start := time.Now()
	st, err := seed.Run(ctx, db, cfg)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	tables := slices.Sorted(maps.Keys(st))
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return err
		}
	}
	bytes, err := seed.TableBytes(ctx, db)
	if err != nil {
		return err
	}
	var total int64
	for _, t := range tables {
		b := bytes[t]
		total += b[0] + b[1]
		fmt.Printf("%-20s %12d rows %8.1f MB data %8.1f MB index\n", t, st[t], float64(b[0])/1e6, float64(b[1])/1e6)
	}
	fmt.Printf("seeded in %.0f s; %.2f GB data+index\n", secs, float64(total)/1e9)
	return seed.WriteMarker(ctx, db, seed.Marker{Scale: scale, Seed: seedN, Anchor: cfg.Anchor, Rows: st, Seconds: secs, Bytes: total, Completed: time.Now().UTC()})
}
