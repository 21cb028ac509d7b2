package groupcommit_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/groupcommit"
)

// TestBatchesTheCallsThatArriveMeanwhile: while one batch runs, the calls
// that arrive queue up and run as the next batch, led by its oldest
// caller, up to the size limit.
func TestBatchesTheCallsThatArriveMeanwhile(t *testing.T) {
	t.Parallel()
	started, unblock := make(chan struct{}), make(chan struct{})
	var (
		mu      sync.Mutex
		batches [][]int
	)
	g := groupcommit.New(3, 1, func(batch []int) []int {
		if batch[0] == 0 {
			close(started)
			<-unblock
		}
		mu.Lock()
		batches = append(batches, batch)
		mu.Unlock()
		out := make([]int, len(batch))
		for i, v := range batch {
			out[i] = v * 10
		}
		return out
	}, func(int, error) int { return -1 })

	results := make([]int, 6)
	var wg sync.WaitGroup
	wg.Go(func() { results[0] = g.Do(0) })
	<-started
	for i := 1; i < 6; i++ {
		wg.Go(func() { results[i] = g.Do(i) })
		require.Eventually(t, func() bool { return g.Queued() == i }, 5*time.Second, time.Millisecond)
	}
	close(unblock)
	wg.Wait()
	require.Equal(t, []int{0, 10, 20, 30, 40, 50}, results)
	require.Equal(t, [][]int{{0}, {1, 2, 3}, {4, 5}}, batches)
}

// TestPanicAnswersEveryCaller: a batch that panics gives each of its
// callers failed's result, and the group goes on.
func TestPanicAnswersEveryCaller(t *testing.T) {
	t.Parallel()
	started, unblock := make(chan struct{}), make(chan struct{})
	g := groupcommit.New(8, 1, func(batch []string) []error {
		switch batch[0] {
		case "hold":
			close(started)
			<-unblock
		case "panic":
			panic("kaboom")
		}
		return make([]error, len(batch))
	}, func(_ string, err error) error { return err })

	var wg sync.WaitGroup
	var held error
	wg.Go(func() { held = g.Do("hold") })
	<-started
	errs := make([]error, 3)
	for i, item := range []string{"panic", "fine", "also fine"} {
		wg.Go(func() { errs[i] = g.Do(item) })
		require.Eventually(t, func() bool { return g.Queued() == i+1 }, 5*time.Second, time.Millisecond)
	}
	close(unblock)
	wg.Wait()
	require.NoError(t, held)
	for _, err := range errs {
		require.ErrorContains(t, err, "group of 3: panic: kaboom", "every caller of the batch is answered")
	}
	require.NoError(t, g.Do("fine"), "the group goes on")

	short := groupcommit.New(8, 1, func(batch []int) []error { return nil },
		func(_ int, err error) error { return errors.Join(errors.New("short"), err) })
	require.ErrorContains(t, short.Do(1), "0 results for 1 items")
}
