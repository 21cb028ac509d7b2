package api

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmtCache prepares each query once for the pool and reuses it: a query
// through *sql.DB without interpolated parameters otherwise costs a
// prepare, an execute and a close round trip every time.
//
// No lock is held while preparing, and a transaction never waits for a
// preparation (that needs a second pool connection, and a pool full of
// transactions waiting for one would deadlock): in a transaction an
// unprepared query runs as a plain statement while it is prepared in the
// background for later calls.
type stmtCache struct {
	db *sql.DB

	mu        sync.RWMutex
	m         map[string]*sql.Stmt
	preparing map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, preparing: map[string]bool{}}
}

func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// get returns the prepared statement of query, preparing it on first use.
// Call it only when holding no pool connection (not inside a transaction).
// A failed prepare is not remembered, so the next call tries again.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.cached(query); st != nil {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	return c.keep(query, st), nil
}

// keep stores st for query unless a concurrent caller stored one first,
// returning the statement to use.
func (c *stmtCache) keep(query string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		_ = st.Close()
		return prev
	}
	c.m[query] = st
	return st
}

// prepareLater prepares query in the background, once at a time.
func (c *stmtCache) prepareLater(query string) {
	c.mu.Lock()
	if c.preparing[query] {
		c.mu.Unlock()
		return
	}
	c.preparing[query] = true
	c.mu.Unlock()
	go func() {
		_, _ = c.get(context.Background(), query) // a failure is retried by the next miss
		c.mu.Lock()
		delete(c.preparing, query)
		c.mu.Unlock()
	}()
}

// execTx executes query in tx, with its prepared statement when there is one.
func (c *stmtCache) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := c.cached(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	c.prepareLater(query)
	return tx.ExecContext(ctx, query, args...)
}

// queryTx runs query in tx, with its prepared statement when there is one.
func (c *stmtCache) queryTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := c.cached(query); st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	c.prepareLater(query)
	return tx.QueryContext(ctx, query, args...)
}

// txExecer runs statements in tx through the prepared-statement cache; it
// is the store.Execer handed to store.AddOutboxRows.
type txExecer struct {
	c  *stmtCache
	tx *sql.Tx
}

// ExecContext executes query in the transaction.
func (e txExecer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return e.c.execTx(ctx, e.tx, query, args...)
}
