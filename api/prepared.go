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
type stmtCache struct {
	db *sql.DB

	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// get returns the prepared statement of query, preparing it on first use.
// A failed prepare is not remembered, so the next call tries again.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	c.m[query] = st
	return st, nil
}

// forTx returns query's statement bound to tx (nil tx: the pool's).
func (c *stmtCache) forTx(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := c.get(ctx, query)
	if err != nil || tx == nil {
		return st, err
	}
	return tx.StmtContext(ctx, st), nil
}
