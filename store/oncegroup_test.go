package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/store"
)

// onceResult is what one OnceGroup.Once call returned.
type onceResult struct {
	applied bool
	err     error
}

// hold starts a call on g whose fn blocks until release is called, so the
// calls made meanwhile queue up and run as the next group.
func hold(t *testing.T, g *store.OnceGroup) (release func()) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := g.Once(context.Background(), "test", "hold", func(tx *sql.Tx) error {
			close(started)
			<-unblock
			return nil
		})
		done <- err
	}()
	<-started
	return func() {
		close(unblock)
		require.NoError(t, <-done)
	}
}

// waitQueued waits until n calls wait for g's next group.
func waitQueued(t *testing.T, g *store.OnceGroup, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return g.Queued() == n }, 10*time.Second, time.Millisecond)
}

// seen is how many effects tx sees: its own uncommitted ones and the
// committed ones.
func seen(tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRow(`SELECT COUNT(*) FROM effects`).Scan(&n)
	return n, err
}

// insertEffect is a fn recording key in the effects table.
func insertEffect(key string) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO effects (k) VALUES (?)`, key)
		return err
	}
}

// goOnce runs g.Once in a goroutine; wait returns its result.
func goOnce(g *store.OnceGroup, ctx context.Context, key string, fn func(tx *sql.Tx) error) (wait func() onceResult) {
	ch := make(chan onceResult, 1)
	go func() {
		applied, err := g.Once(ctx, "test", key, fn)
		ch <- onceResult{applied, err}
	}()
	return func() onceResult {
		select {
		case r := <-ch:
			return r
		case <-time.After(30 * time.Second):
			return onceResult{err: errors.New("no result within 30s")}
		}
	}
}

func TestOnceGroupCommitsConcurrentCallsTogether(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	release := hold(t, g)

	const n = 10
	var (
		mu   sync.Mutex
		seqs []int
	)
	waits := make([]func() onceResult, n)
	for i := range n {
		key := fmt.Sprintf("k%d", i)
		waits[i] = goOnce(g, context.Background(), key, func(tx *sql.Tx) error {
			if err := insertEffect(key)(tx); err != nil {
				return err
			}
			c, err := seen(tx)
			mu.Lock()
			seqs = append(seqs, c)
			mu.Unlock()
			return err
		})
	}
	waitQueued(t, g, n)
	release()
	for _, w := range waits {
		r := w()
		require.NoError(t, r.err)
		require.True(t, r.applied)
	}
	require.EqualValues(t, 2, g.Commits(), "the held call's transaction, then one for the queued calls")
	// Each fn saw the uncommitted effects of the fns before it: they ran
	// one after another in one transaction.
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, seqs)
	require.Equal(t, n, count(t, db, `SELECT COUNT(*) FROM effects`))
	require.Equal(t, n+1, count(t, db, `SELECT COUNT(*) FROM processed_messages WHERE consumer = 'test'`))
}

func TestOnceGroupIsolatesAFailingCall(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	release := hold(t, g)

	boom := errors.New("boom")
	var runs atomic.Int32
	counted := func(key string) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			runs.Add(1)
			return insertEffect(key)(tx)
		}
	}
	ok1 := goOnce(g, context.Background(), "ok1", counted("ok1"))
	waitQueued(t, g, 1)
	bad := goOnce(g, context.Background(), "bad", func(tx *sql.Tx) error {
		if err := insertEffect("bad")(tx); err != nil {
			return err
		}
		return boom
	})
	waitQueued(t, g, 2)
	ok2 := goOnce(g, context.Background(), "ok2", counted("ok2"))
	waitQueued(t, g, 3)
	release()

	for _, w := range []func() onceResult{ok1, ok2} {
		r := w()
		require.NoError(t, r.err)
		require.True(t, r.applied)
	}
	r := bad()
	require.ErrorIs(t, r.err, boom)
	require.False(t, r.applied)
	// ok1 ran in the group, which was rolled back at bad; ok2's fn never
	// ran there (the group stopped at the first error). Both then ran
	// alone.
	require.EqualValues(t, 3, runs.Load())
	done, err := store.Processed(context.Background(), db, "test", "bad")
	require.NoError(t, err)
	require.False(t, done, "the failing call's marker is not written")
	require.Equal(t, 0, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'bad'`))
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'ok1'`))
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'ok2'`))
}

func TestOnceGroupDuplicateKeyAppliesOnce(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	release := hold(t, g)

	const n = 5
	var runs atomic.Int32
	waits := make([]func() onceResult, n)
	for i := range n {
		waits[i] = goOnce(g, context.Background(), "dup", func(tx *sql.Tx) error {
			runs.Add(1)
			return insertEffect("dup")(tx)
		})
	}
	waitQueued(t, g, n)
	release()
	applied := 0
	for _, w := range waits {
		r := w()
		require.NoError(t, r.err)
		if r.applied {
			applied++
		}
	}
	require.Equal(t, 1, applied)
	require.EqualValues(t, 1, runs.Load())
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'dup'`))

	// Done before: a later call does not run either.
	ok, err := g.Once(context.Background(), "test", "dup", insertEffect("dup"))
	require.NoError(t, err)
	require.False(t, ok)
}

func TestOnceGroupPanicAnswersEveryCaller(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	release := hold(t, g)

	ok1 := goOnce(g, context.Background(), "ok1", insertEffect("ok1"))
	waitQueued(t, g, 1)
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = g.Once(context.Background(), "test", "panics", func(tx *sql.Tx) error {
			if err := insertEffect("panics")(tx); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	waitQueued(t, g, 2)
	ok2 := goOnce(g, context.Background(), "ok2", insertEffect("ok2"))
	waitQueued(t, g, 3)
	release()

	for _, w := range []func() onceResult{ok1, ok2} {
		r := w()
		require.NoError(t, r.err)
		require.True(t, r.applied)
	}
	select {
	case p := <-panicked:
		require.Equal(t, "kaboom", p, "the panic reaches its own caller, as with Once")
	case <-time.After(30 * time.Second):
		t.Fatal("the panicking call never returned")
	}
	require.Equal(t, 0, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'panics'`))
	done, err := store.Processed(context.Background(), db, "test", "panics")
	require.NoError(t, err)
	require.False(t, done)

	// The group is still usable.
	ok, err := g.Once(context.Background(), "test", "after", insertEffect("after"))
	require.NoError(t, err)
	require.True(t, ok)
}

func TestOnceGroupCanceledCallDoesNotRun(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	release := hold(t, g)

	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	canceled := goOnce(g, ctx, "canceled", func(tx *sql.Tx) error {
		ran.Store(true)
		return nil
	})
	waitQueued(t, g, 1)
	ok := goOnce(g, context.Background(), "ok", insertEffect("ok"))
	waitQueued(t, g, 2)
	cancel()
	release()

	r := canceled()
	require.ErrorIs(t, r.err, context.Canceled)
	require.False(t, r.applied)
	require.False(t, ran.Load())
	r = ok()
	require.NoError(t, r.err)
	require.True(t, r.applied)
	done, err := store.Processed(context.Background(), db, "test", "canceled")
	require.NoError(t, err)
	require.False(t, done)

	// Already done before the call: it does not queue at all.
	_, err = g.Once(ctx, "test", "late", insertEffect("late"))
	require.ErrorIs(t, err, context.Canceled)
}

func TestOnceGroupMaxOneIsOnce(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 1)
	// Each fn waits until all are inside theirs: a group runs its fns one
	// after another, so only separate transactions get there.
	const n = 8
	var inside atomic.Int32
	allIn := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i)
			ok, err := g.Once(context.Background(), "test", key, func(tx *sql.Tx) error {
				if err := insertEffect(key)(tx); err != nil {
					return err
				}
				if inside.Add(1) == n {
					close(allIn)
				}
				select {
				case <-allIn:
					return nil
				case <-time.After(10 * time.Second):
					return fmt.Errorf("%s: the other calls never ran beside it", key)
				}
			})
			require.NoError(t, err)
			require.True(t, ok)
		})
	}
	wg.Wait()
	require.Equal(t, n, count(t, db, `SELECT COUNT(*) FROM effects`))

	boom := errors.New("boom")
	_, err := g.Once(context.Background(), "test", "bad", func(tx *sql.Tx) error {
		if err := insertEffect("bad")(tx); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 0, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'bad'`))
	ok, err := g.Once(context.Background(), "test", "k0", insertEffect("k0"))
	require.NoError(t, err)
	require.False(t, ok)
}

// TestOnceGroupAppliesEachKeyOnceUnderConcurrency is
// TestOnceAppliesEachKeyOnceUnderConcurrency through groups.
func TestOnceGroupAppliesEachKeyOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 4)
	var applied atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i%10)
			ok, err := g.Once(context.Background(), "test", key, insertEffect(key))
			require.NoError(t, err)
			if ok {
				applied.Add(1)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 10, applied.Load())
	require.Equal(t, 10, count(t, db, `SELECT COUNT(*) FROM effects`))
	require.Equal(t, 10, count(t, db, `SELECT COUNT(DISTINCT k) FROM effects`))
}

// effectBatch is a OnceBatch inserting its items into effects in one
// statement, recording the items of each write; an item "bad" fails the
// write it is in.
type effectBatch struct {
	*store.OnceBatch[string]
	mu     sync.Mutex
	writes [][]string
}

func newEffectBatch() *effectBatch {
	b := &effectBatch{}
	b.OnceBatch = store.NewOnceBatch(func(ctx context.Context, tx *sql.Tx, items []string) error {
		b.mu.Lock()
		b.writes = append(b.writes, append([]string(nil), items...))
		b.mu.Unlock()
		q, args := `INSERT INTO effects (k) VALUES (?)`+strings.Repeat(", (?)", len(items)-1), []any{}
		for _, it := range items {
			args = append(args, it)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if slices.Contains(items, "bad") {
			return errors.New("bad item")
		}
		return nil
	})
	return b
}

// goOnce runs b.Once in a goroutine; wait returns its result.
func (b *effectBatch) goOnce(g *store.OnceGroup, key, item string) (wait func() onceResult) {
	ch := make(chan onceResult, 1)
	go func() {
		applied, err := b.Once(context.Background(), g, "test", key, item)
		ch <- onceResult{applied, err}
	}()
	return func() onceResult {
		select {
		case r := <-ch:
			return r
		case <-time.After(30 * time.Second):
			return onceResult{err: errors.New("no result within 30s")}
		}
	}
}

// TestOnceBatchWritesConsecutiveItemsTogether: the items of consecutive
// batch calls in a group are written by one write, in arrival order; a
// plain call between them splits the run and sees the items before it.
func TestOnceBatchWritesConsecutiveItemsTogether(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	b := newEffectBatch()
	release := hold(t, g)

	var waits []func() onceResult
	for _, k := range []string{"a", "b", "c"} {
		waits = append(waits, b.goOnce(g, k, k))
		waitQueued(t, g, len(waits))
	}
	var sawBefore int
	waits = append(waits, goOnce(g, context.Background(), "plain", func(tx *sql.Tx) error {
		var err error
		sawBefore, err = seen(tx)
		return err
	}))
	waitQueued(t, g, len(waits))
	for _, k := range []string{"d", "e"} {
		waits = append(waits, b.goOnce(g, k, k))
		waitQueued(t, g, len(waits))
	}
	release()
	for _, w := range waits {
		r := w()
		require.NoError(t, r.err)
		require.True(t, r.applied)
	}
	require.EqualValues(t, 2, g.Commits(), "the held call's transaction, then one for the queued calls")
	require.Equal(t, [][]string{{"a", "b", "c"}, {"d", "e"}}, b.writes)
	require.Equal(t, 3, sawBefore, "the plain call ran after the items queued before it")
	require.Equal(t, 5, count(t, db, `SELECT COUNT(*) FROM effects`))
	require.Equal(t, 6, count(t, db, `SELECT COUNT(*) FROM processed_messages WHERE consumer = 'test' AND dedup_key <> 'hold'`))

	// Done before: the item is not written again.
	ok, err := b.Once(context.Background(), g, "test", "a", "a")
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'a'`))
}

// TestOnceBatchIsolatesAFailingItem: a write that fails rolls the group
// back, and each call's item is then written alone: only the failing call
// fails, and its marker is not written.
func TestOnceBatchIsolatesAFailingItem(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 32)
	b := newEffectBatch()
	release := hold(t, g)

	ok1 := b.goOnce(g, "ok1", "ok1")
	waitQueued(t, g, 1)
	bad := b.goOnce(g, "bad", "bad")
	waitQueued(t, g, 2)
	ok2 := b.goOnce(g, "ok2", "ok2")
	waitQueued(t, g, 3)
	release()

	for _, w := range []func() onceResult{ok1, ok2} {
		r := w()
		require.NoError(t, r.err)
		require.True(t, r.applied)
	}
	require.ErrorContains(t, bad().err, "bad item")
	writes := slices.Clone(b.writes)
	require.Equal(t, []string{"ok1", "bad", "ok2"}, writes[0], "the group's one write")
	slices.SortFunc(writes[1:], func(x, y []string) int { return strings.Compare(x[0], y[0]) })
	require.Equal(t, [][]string{{"bad"}, {"ok1"}, {"ok2"}}, writes[1:], "then each item alone")
	require.Equal(t, 0, count(t, db, `SELECT COUNT(*) FROM effects WHERE k = 'bad'`))
	require.Equal(t, 2, count(t, db, `SELECT COUNT(*) FROM effects`))
	done, err := store.Processed(context.Background(), db, "test", "bad")
	require.NoError(t, err)
	require.False(t, done)
}

// TestOnceBatchMaxOneWritesAlone: on a OnceGroup of max 1 every item is
// written on its own, with Once's contract.
func TestOnceBatchMaxOneWritesAlone(t *testing.T) {
	t.Parallel()
	db := setup(t)
	g := store.NewOnceGroup(db, 1)
	b := newEffectBatch()
	for _, k := range []string{"a", "b"} {
		ok, err := b.Once(context.Background(), g, "test", k, k)
		require.NoError(t, err)
		require.True(t, ok)
	}
	ok, err := b.Once(context.Background(), g, "test", "a", "a")
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, [][]string{{"a"}, {"b"}}, b.writes)
	require.Equal(t, 2, count(t, db, `SELECT COUNT(*) FROM effects`))
}
