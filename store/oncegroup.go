package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ddokso/ddokso/internal/groupcommit"
)

// onceGroupTimeout bounds one group transaction. Its context is detached
// from the callers': one caller's cancellation must not fail the others.
const onceGroupTimeout = 10 * time.Second

// onceGroupPipeline is how many group transactions of one OnceGroup run
// at once: one keeps the groups largest (the API's group commit measured
// two as no faster and costlier, see api/groupcommit.go).
const onceGroupPipeline = 1

// errMarkedBefore: some of a group's markers existed already.
var errMarkedBefore = errors.New("some messages of the group were processed before")

// markProcessedSQL writes the processed marker of (consumer, key); it
// affects no row when the marker exists. The group appends a row per call.
const markProcessedSQL = `INSERT IGNORE INTO processed_messages (consumer, dedup_key) VALUES (?, ?)`

// OnceGroup runs concurrent Once calls together (group commit): the calls
// that arrive while a group transaction runs are done by the next one, in
// one transaction with one COMMIT, so a group costs one BEGIN/COMMIT round
// trip pair and one durable log flush instead of one per call. Each call
// still returns only after the transaction holding its marker and its
// effects committed, with the result Once would have given it.
//
// There is no background goroutine: a caller that finds no group
// transaction running leads one with the queued calls, and hands the next
// queued group to that group's oldest caller (package
// internal/groupcommit).
//
// If anything in a group fails (a statement, a fn's error or panic, the
// COMMIT), the whole group transaction is rolled back at once and every
// call of the group runs again on its own with Once, in its caller's
// goroutine: one failing call cannot fail or corrupt the others, a lost
// deadlock is retried as Once retries it, and a panicking fn panics in its
// own caller. A fn may therefore run more than once, as it already may
// under Once (InTx reruns it after a deadlock); it must have no effects
// outside its transaction.
//
// A fn runs in the group transaction with the context it captured; if that
// context is canceled mid-group, its statement fails and the group falls
// back to single calls, so the other callers are not failed by it.
type OnceGroup struct {
	db *sql.DB
	g  *groupcommit.Group[*onceCall, onceResult] // nil: max 1, plain Once
	// commits counts committed group transactions (tests).
	commits atomic.Int64
}

// onceCall is one Once call waiting for its group: its effect is fn, or
// item written by batch (OnceBatch).
type onceCall struct {
	ctx           context.Context
	consumer, key string
	fn            func(tx *sql.Tx) error
	batch         itemWriter
	item          any
}

// itemWriter writes the items of a run of OnceBatch calls (*OnceBatch).
type itemWriter interface {
	writeItems(ctx context.Context, tx *sql.Tx, items []any) error
}

// onceResult is a call's result, or alone: run it again on its own.
type onceResult struct {
	applied bool
	err     error
	alone   bool
}

// NewOnceGroup returns a OnceGroup on db running at most max calls in one
// transaction. A max of 1 (or less) makes every call a plain Once.
func NewOnceGroup(db *sql.DB, max int) *OnceGroup {
	o := &OnceGroup{db: db}
	if max > 1 {
		o.g = groupcommit.New(max, onceGroupPipeline, o.run, func(*onceCall, error) onceResult {
			// A panic (in a fn or here): the group transaction was
			// rolled back by run's deferred Rollback; each call runs
			// on its own, and a fn that panics again does so in its
			// own caller.
			return onceResult{alone: true}
		})
	}
	return o
}

// Once has the contract of the package's Once on the group's db: it runs
// fn inside a transaction unless the (consumer, key) pair was already
// processed, writing the processed marker in that same transaction, and
// returns false, nil when the work had been done before. The transaction
// may be shared with concurrent calls (see OnceGroup). A call whose ctx is
// done before its group starts returns ctx.Err() without running.
func (o *OnceGroup) Once(ctx context.Context, consumer, key string, fn func(tx *sql.Tx) error) (bool, error) {
	return o.submit(ctx, &onceCall{ctx: ctx, consumer: consumer, key: key, fn: fn})
}

// submit runs c in a group, or on its own with Once when there is no
// group (max 1) or its group failed.
func (o *OnceGroup) submit(ctx context.Context, c *onceCall) (bool, error) {
	if o.g == nil {
		return Once(ctx, o.db, c.consumer, c.key, c.fn)
	}
	if len(c.key) > 191 {
		return false, fmt.Errorf("dedupe key for %s longer than 191 bytes", c.consumer)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	r := o.g.Do(c)
	if r.alone {
		return Once(ctx, o.db, c.consumer, c.key, c.fn)
	}
	return r.applied, r.err
}

// OnceBatch is a kind of OnceGroup call whose whole effect is one item,
// written together with the items of the other calls of its kind in the
// same group transaction: the calls of a group then cost one locking read
// and one multi-row statement, say, instead of one of each per call. It
// is safe for concurrent use.
type OnceBatch[T any] struct {
	write func(ctx context.Context, tx *sql.Tx, items []T) error
}

// NewOnceBatch returns a OnceBatch whose items write writes. write must
// have the effect of writing its items one at a time in their order, and
// none outside tx: it may write an item again (a group that fails is rerun
// call by call, a lost deadlock is retried), so whatever it reports back
// through an item it must set afresh each time.
func NewOnceBatch[T any](write func(ctx context.Context, tx *sql.Tx, items []T) error) *OnceBatch[T] {
	return &OnceBatch[T]{write: write}
}

// Once is OnceGroup.Once whose fn writes item: the group transaction
// writes the items of consecutive calls of b (in arrival order, between
// the other calls' fns) with one call of b's write function, with the
// group's context. On its own (a group that failed, or a OnceGroup of max
// 1) the call writes its item alone, with ctx.
func (b *OnceBatch[T]) Once(ctx context.Context, o *OnceGroup, consumer, key string, item T) (bool, error) {
	fn := func(tx *sql.Tx) error { return b.write(ctx, tx, []T{item}) }
	return o.submit(ctx, &onceCall{ctx: ctx, consumer: consumer, key: key, fn: fn, batch: b, item: item})
}

// writeItems implements itemWriter.
func (b *OnceBatch[T]) writeItems(ctx context.Context, tx *sql.Tx, items []any) error {
	ts := make([]T, len(items))
	for i, it := range items {
		ts[i] = it.(T)
	}
	return b.write(ctx, tx, ts)
}

// run does one group: the calls whose context is still live, in one
// transaction, in their arrival order.
func (o *OnceGroup) run(calls []*onceCall) []onceResult {
	out := make([]onceResult, len(calls))
	live := make([]int, 0, len(calls))
	for i, c := range calls {
		if err := c.ctx.Err(); err != nil {
			out[i].err = err
			continue
		}
		live = append(live, i)
	}
	if len(live) == 0 {
		return out
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(calls[live[0]].ctx), onceGroupTimeout)
	defer cancel()
	applied, err := o.commit(ctx, calls, live)
	switch {
	case err == nil:
		for _, i := range live {
			out[i].applied = applied
		}
	case len(live) == 1 && !IsLockConflict(err):
		// Alone already: running it again with Once would repeat the
		// same transaction (Once reruns only lock conflicts).
		out[live[0]].err = err
	default:
		for _, i := range live {
			out[i].alone = true
		}
	}
	return out
}

// commit runs calls[live] in one transaction and commits it, reporting
// whether they applied: all of them do, or (a lone call whose marker
// existed) none. On the first error it stops and rolls back: after a lost
// deadlock the server has already rolled the transaction back, and a
// further statement would autocommit on its own.
func (o *OnceGroup) commit(ctx context.Context, calls []*onceCall, live []int) (bool, error) {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	// A no-op after Commit; on an error or a panic, the rollback.
	defer func() { _ = tx.Rollback() }()
	// Every marker in one statement. When some existed already (a
	// redelivery, or one key twice in the group) the statement cannot
	// tell which: the group gives way to single calls, which can. A lone
	// call's existing marker is simply not applied.
	args := make([]any, 0, 2*len(live))
	for _, i := range live {
		args = append(args, calls[i].consumer, calls[i].key)
	}
	res, err := tx.ExecContext(ctx, markProcessedSQL+strings.Repeat(", (?, ?)", len(live)-1), args...)
	if err != nil {
		return false, fmt.Errorf("mark %d messages processed: %w", len(live), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	switch {
	case n == 0 && len(live) == 1:
		return false, nil // done before
	case n != int64(len(live)):
		return false, errMarkedBefore
	}
	if err := runCalls(ctx, tx, calls, live); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	o.commits.Add(1)
	return true, nil
}

// runCalls writes the effects of calls[live] in tx in their order: each
// plain call's fn, and each run of consecutive calls of one OnceBatch with
// one write of their items.
func runCalls(ctx context.Context, tx *sql.Tx, calls []*onceCall, live []int) error {
	var (
		batch itemWriter
		items []any
	)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		err := batch.writeItems(ctx, tx, items)
		items = items[:0]
		return err
	}
	for _, i := range live {
		c := calls[i]
		if c.batch != batch {
			if err := flush(); err != nil {
				return err
			}
		}
		if c.batch != nil {
			batch, items = c.batch, append(items, c.item)
			continue
		}
		if err := c.fn(tx); err != nil {
			return err
		}
	}
	return flush()
}
