// Package groupcommit runs the work of concurrent callers in batches, one
// batch at a time, without a background goroutine: the leader/follower
// queue behind the API's group-committed scrape requests and
// store.OnceGroup.
//
// A caller that finds fewer than the pipeline's batches running leads one
// with the queued items; when it finishes, it hands the next queued batch
// to that batch's oldest caller, which leads it. Every caller returns only
// after the batch holding its item has run, with its own result. Callers
// that arrive while a batch runs are what makes the next batch larger, so
// the batches grow with the load and stay at one item when calls do not
// overlap.
package groupcommit

import (
	"fmt"
	"slices"
	"sync"
)

// Group batches the items of concurrent Do calls and runs each batch with
// its run function. It is safe for concurrent use; the zero value is not
// usable (New).
type Group[T, R any] struct {
	max      int
	pipeline int
	run      func(batch []T) []R
	failed   func(item T, err error) R

	mu      sync.Mutex
	queue   []*waiter[T, R]
	running int // batches running or handed over
}

// waiter is one caller waiting for the batch holding its item.
type waiter[T, R any] struct {
	item T
	done chan outcome[T, R] // buffered; receives a batch to lead, then the result
}

type outcome[T, R any] struct {
	lead   []*waiter[T, R] // a batch to run (this caller leads it), then keep waiting
	result R
}

// New returns a Group running batches of at most size items, at most
// pipeline batches at once (both at least 1).
//
// run gets the items of a batch, oldest first, and returns one result per
// item in the same order. It runs in the goroutine of the batch's oldest
// caller. If run panics (or returns the wrong number of results), each
// item's result is failed(item, an error describing it) instead: a caller
// left without a result would wait forever, and so would everyone queued
// behind it.
func New[T, R any](size, pipeline int, run func(batch []T) []R, failed func(item T, err error) R) *Group[T, R] {
	return &Group[T, R]{max: max(size, 1), pipeline: max(pipeline, 1), run: run, failed: failed}
}

// Do queues item, runs batches while this caller leads them, and returns
// item's result once the batch holding it has run.
func (g *Group[T, R]) Do(item T) R {
	p := &waiter[T, R]{item: item, done: make(chan outcome[T, R], 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	var batch []*waiter[T, R]
	if g.running < g.pipeline {
		g.running++
		batch = g.take()
	}
	g.mu.Unlock()
	if batch != nil {
		g.lead(batch)
	}
	for {
		// Never abandon the wait: a caller handed a batch must lead it,
		// and the result is the truth to answer.
		o := <-p.done
		if o.lead != nil {
			g.lead(o.lead)
			continue
		}
		return o.result
	}
}

// Queued is how many callers wait for a batch to take them.
func (g *Group[T, R]) Queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// take removes the next batch (up to max items) from the queue; g.mu is
// held.
func (g *Group[T, R]) take() []*waiter[T, R] {
	n := min(len(g.queue), g.max)
	batch := slices.Clone(g.queue[:n])
	g.queue = slices.Delete(g.queue, 0, n)
	return batch
}

// lead runs batch, then hands the next queued batch to its oldest caller,
// or ends this batch slot. A caller is in one batch only and is handed at
// most one, so its buffered channel never blocks a sender.
func (g *Group[T, R]) lead(batch []*waiter[T, R]) {
	g.runBatch(batch)
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.running--
		g.mu.Unlock()
		return
	}
	next := g.take()
	g.mu.Unlock()
	next[0].done <- outcome[T, R]{lead: next}
}

// runBatch runs batch and delivers each result, turning a panic into the
// results of failed.
func (g *Group[T, R]) runBatch(batch []*waiter[T, R]) {
	items := make([]T, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	out := func() (out []R) {
		defer func() {
			if r := recover(); r != nil {
				err := fmt.Errorf("group of %d: panic: %v", len(items), r)
				out = make([]R, len(items))
				for i, it := range items {
					out[i] = g.failed(it, err)
				}
			}
		}()
		out = g.run(items)
		if len(out) != len(items) {
			panic(fmt.Sprintf("%d results for %d items", len(out), len(items)))
		}
		return out
	}()
	for i, p := range batch {
		p.done <- outcome[T, R]{result: out[i]}
	}
}
