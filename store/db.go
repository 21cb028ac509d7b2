package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Config configures the MySQL connection pool.
type Config struct {
	// DSN in go-sql-driver/mysql form, e.g. "root@tcp(127.0.0.1:3306)/ddokso".
	// utf8mb4, parseTime and UTC are enforced whatever it says.
	DSN string
	// MaxOpenConns bounds the pool. Default 20.
	MaxOpenConns int
	// MaxIdleConns kept open. Default MaxOpenConns: a burst that opened
	// connections keeps them, instead of closing them and opening (and
	// re-preparing statements on) new ones at the next burst.
	MaxIdleConns int
	// ConnMaxLifetime recycles connections. Default 5m.
	ConnMaxLifetime time.Duration
}

// Validate applies defaults and checks the DSN parses.
func (c *Config) Validate() error {
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = 20
	}
	if c.MaxIdleConns == 0 {
		c.MaxIdleConns = c.MaxOpenConns
	}
	if c.ConnMaxLifetime == 0 {
		c.ConnMaxLifetime = 5 * time.Minute
	}
	if _, err := ParseDSN(c.DSN); err != nil {
		return err
	}
	return nil
}

// ParseDSN parses dsn and enforces the settings ddokso relies on.
func ParseDSN(dsn string) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql dsn: %w", err)
	}
	if mc.DBName == "" {
		return nil, fmt.Errorf("mysql dsn: no database name in %q", mc.FormatDSN())
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	mc.Collation = "utf8mb4_unicode_ci"
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["time_zone"] = "'+00:00'"
	// Arguments are escaped into the statement text by the driver: one
	// round trip per statement instead of prepare, execute and close, and
	// no server-side parse of a statement used once (issue 18: the scrap
	// worker's transaction ran a dozen such statements per page).
	// Statements prepared explicitly (db.Prepare) stay prepared.
	mc.InterpolateParams = true
	// GROUP_CONCAT's result may be as long as a name search's posting
	// list (api's postingIDs reads one gram's product ids as one string;
	// the server default, 1024 bytes, is a few hundred ids). Set per
	// session, which MariaDB and MySQL 8 / Aurora both take.
	mc.Params["group_concat_max_len"] = "4294967295"
	// RowsAffected counts changed rows, not matched ones: callers tell an
	// upsert's insert from its no-op update, and a conditional UPDATE that
	// found its row already changed, by it.
	mc.ClientFoundRows = false
	return mc, nil
}

// Open opens the pool and checks the server answers.
func Open(ctx context.Context, cfg Config) (*sql.DB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	mc, _ := ParseDSN(cfg.DSN)
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("mysql connector: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxIdleConns)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to mysql %s: %w", mc.Addr, err)
	}
	return db, nil
}

// CreateDatabase creates the DSN's database if it does not exist, connecting
// to the server without selecting a database.
func CreateDatabase(ctx context.Context, dsn string) error {
	mc, err := ParseDSN(dsn)
	if err != nil {
		return err
	}
	name := mc.DBName
	mc.DBName = ""
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// InTx runs fn in a transaction, committing when it returns nil. A
// transaction that loses a deadlock or a lock wait (MySQL 1213, 1205) is
// rolled back and run again, up to four times in all, so fn must not have
// effects outside the transaction that a rerun would repeat.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := inTxOnce(ctx, db, fn)
		if err == nil || attempt == 4 || !IsLockConflict(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func inTxOnce(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rolls back when fn fails or panics (a no-op after Commit): a
	// transaction left open by a panic would hold its connection and its
	// locks until ctx ends, which may be never.
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsLockConflict reports a MySQL deadlock (1213) or lock wait timeout
// (1205): the transaction lost to a concurrent one and may simply be rerun.
func IsLockConflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// Placeholders is "?, ?, …" with n marks: the parameters of an IN list of
// n values.
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
