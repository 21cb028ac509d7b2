// Package storetest gives tests a fresh, fully migrated MariaDB/MySQL
// database each, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strconv"
	"testing"

	"github.com/ddokso/ddokso/store"
)

// ServerDSN is the server tests use: DDOKSO_TEST_MYSQL_DSN (without a
// database name) or root on 127.0.0.1:3306.
func ServerDSN() string {
	if d := os.Getenv("DDOKSO_TEST_MYSQL_DSN"); d != "" {
		return d
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// NewDSN creates a fresh migrated database and returns its DSN; the database
// is dropped at cleanup.
func NewDSN(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	// The test process's pid in the name lets scripts/dev/ensure-mariadb.sh
	// drop only databases whose process is gone (a killed test run).
	name := "ddokso_t_" + strconv.Itoa(os.Getpid()) + "_" + hex.EncodeToString(b)
	dsn := ServerDSN() + name
	ctx := context.Background()
	if err := store.CreateDatabase(ctx, dsn); err != nil {
		t.Fatalf("storetest: %v (is MariaDB running? make test starts it)", err)
	}
	db, err := store.Open(ctx, store.Config{DSN: dsn, MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	if err := store.MigrateUp(ctx, db, nil); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if os.Getenv("DDOKSO_TEST_KEEP_DB") != "" {
			t.Logf("storetest: kept database %s", name)
			return
		}
		db, err := store.Open(context.Background(), store.Config{DSN: dsn, MaxOpenConns: 1})
		if err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
			db.Close()
		}
	})
	return dsn
}

// New returns a pool on a fresh migrated database, closed and dropped at cleanup.
func New(t testing.TB) *sql.DB {
	t.Helper()
	dsn := NewDSN(t)
	db, err := store.Open(context.Background(), store.Config{DSN: dsn, MaxOpenConns: 20})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
