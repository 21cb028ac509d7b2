package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"golang.org/x/sync/errgroup"

	"github.com/ddokso/ddokso/api"
	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/workers/batch"
)

// BatchConfig sizes the batch fan-out stage.
type BatchConfig struct {
	// Products seeded due (1,000,000 for the goal); all of them are
	// selected alone and, when Fast is set, selected and enqueued.
	Products int
	// Fast is the fast emulator (fauxqs) the full enqueue goes to; empty
	// skips the full enqueue.
	Fast Emulator
	// Slow is moto, which gets a small sample of SlowSample products (0
	// skips it).
	Slow       Emulator
	SlowSample int
	// Concurrency is the SendMessageBatch concurrency of both enqueue sides
	// (the batch worker's DDOKSO_BATCH_SEND_CONCURRENCY default is 8).
	Concurrency int
	// Verify receives every message back from the queues and checks that
	// each product id is there exactly once.
	Verify bool
}

type discard struct{ n int }

func (d *discard) Enqueue(_ context.Context, envs []events.Envelope) error {
	d.n += len(envs)
	return nil
}

// firstCalls counts what the worker hands its enqueuer: envelopes and the
// SendMessageBatch calls they need when every entry is accepted first time.
type firstCalls struct {
	batch.Enqueuer
	handed, calls int64
}

func (f *firstCalls) Enqueue(ctx context.Context, envs []events.Envelope) error {
	f.handed += int64(len(envs))
	f.calls += int64((len(envs) + 9) / 10)
	return f.Enqueuer.Enqueue(ctx, envs)
}

// memPeak is what measure saw of this process while f ran.
type memPeak struct {
	heap uint64 // HeapInuse, sampled every 20 ms
	rss  int64  // VmHWM after a reset, or the highest VmRSS sample
}

func (m memPeak) String() string {
	return fmt.Sprintf("peak heap %s, peak RSS %s", mib(int64(m.heap)), mib(m.rss))
}

// measure runs f and returns its duration and the process's peak heap and
// RSS. Memory is returned to the OS and the RSS high-water mark reset
// before f, so each figure is f's own.
func measure(f func() error) (time.Duration, memPeak, error) {
	runtime.GC()
	debug.FreeOSMemory()
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var peak memPeak
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak.heap = max(peak.heap, m.HeapInuse)
		rss, _, _ := process.Memory(os.Getpid())
		peak.rss = max(peak.rss, rss)
	}
	sample()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	s := time.Now()
	err := f()
	el := time.Since(s)
	close(stop)
	<-done
	sample()
	if hwmReset {
		_, hwm, _ := process.Memory(os.Getpid())
		peak.rss = max(peak.rss, hwm)
	}
	return el, peak, err
}

// seedDue inserts n due products over 5,000 hosts with MariaDB's sequence engine.
func seedDue(ctx context.Context, s *System, n int) error {
	_, err := s.DB.ExecContext(ctx, fmt.Sprintf(`INSERT INTO products (url_hash, canonical_url, shop, check_status, next_check_at, created_at)
SELECT SHA2(CONCAT('https://shop', seq %% 5000, '.example/p/', seq), 256), CONCAT('https://shop', seq %% 5000, '.example/p/', seq),
  CONCAT('shop', seq %% 5000, '.example'), 'ok', NOW(6) - INTERVAL (1 + seq %% 1000) MINUTE, NOW(6) - INTERVAL 2 DAY FROM seq_0_to_%d`, n-1))
	if err != nil {
		return fmt.Errorf("seed %d products: %w", n, err)
	}
	return nil
}

// enqueueRun is one emulator's select+enqueue beside its bare loop.
type enqueueRun struct {
	label       string
	n           int
	el, bareEl  time.Duration
	mem, bare   memPeak
	sent        int64 // accepted by SQS, per the enqueuer
	calls       int64 // SendMessageBatch calls of the enqueuer
	firstCalls  int64 // calls needed if every entry succeeds first time
	ours        sendCounter
	bareCounter sendCounter
	bareCalls   int64
	checks      []string // exactly-once evidence
	ok          bool     // every check passed
}

// Batch seeds cfg.Products due products and measures the real rescrape
// tick (batch.Worker.Rescrape): selection alone (discarding enqueuer)
// against one bare streaming SELECT of the same rows, then select +
// enqueue of every product to the fast emulator through
// batch.NewSQSEnqueuer against a bare SendMessageBatch loop of as many
// messages with the same concurrency to the same queue, and checks that
// each product was enqueued exactly once. A small sample goes to moto as
// well. It also shows the EXPLAIN plans of the batch selector and the API
// product queries.
func Batch(ctx context.Context, e *Env, cfg BatchConfig) Row {
	cfg.Concurrency = max(cfg.Concurrency, 1)
	row := Row{Stage: "6 Batch fan-out", Metric: fmt.Sprintf("select (+enqueue) of %d due products: seconds, SendMessageBatch calls, peak heap / RSS", cfg.Products),
		Goal: "informational (1,000,000 due products); each product enqueued exactly once"}
	row.Command = fmt.Sprintf("scripts/dev/with-moto.sh go run ./internal/cmd/ddokso-bench -only 6 -batch-products %d -batch-moto %d", cfg.Products, cfg.SlowSample)
	s, err := e.NewSystem(ctx)
	if err != nil {
		row.Err = err
		return row
	}
	defer s.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The moto sample first, on its own few products, which are then removed.
	var slow *enqueueRun
	if cfg.Slow.Endpoint != "" && cfg.SlowSample > 0 {
		if err := seedDue(ctx, s, cfg.SlowSample); err != nil {
			row.Err = err
			return row
		}
		if slow, err = runEnqueue(ctx, s, cfg.Slow, cfg.SlowSample, cfg.Concurrency, cfg.Verify, 1, log); err != nil {
			row.Err = fmt.Errorf("%s sample: %w", cfg.Slow.Label, err)
			return row
		}
		for _, q := range []string{`DELETE FROM products`, `DELETE FROM batch_ticks`} {
			if _, err := s.DB.ExecContext(ctx, q); err != nil {
				row.Err = fmt.Errorf("clear the %s sample: %w", cfg.Slow.Label, err)
				return row
			}
		}
	}

	seedStart := time.Now()
	if err := seedDue(ctx, s, cfg.Products); err != nil {
		row.Err = err
		return row
	}
	seeded := time.Since(seedStart)
	now := time.Now().UTC()

	// Selection alone.
	d := &discard{}
	w, err := batch.New(s.DB, d, nil, batch.Config{HostBudget: 1 << 30}, log)
	if err != nil {
		row.Err = err
		return row
	}
	selEl, selMem, err := measure(func() error { _, err := w.Rescrape(ctx, "bench-select", now); return err })
	if err != nil {
		row.Err = err
		return row
	}
	var bareRows int
	bareEl, bareMem, err := measure(func() error {
		rows, err := s.DB.QueryContext(ctx, `SELECT id, canonical_url, shop, next_check_at FROM products WHERE next_check_at <= ? ORDER BY next_check_at, id`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var u, shop string
			var next time.Time
			if err := rows.Scan(&id, &u, &shop, &next); err != nil {
				return err
			}
			bareRows++
		}
		return rows.Err()
	})
	if err != nil {
		row.Err = err
		return row
	}
	row.Ours = fmt.Sprintf("select %d: %.1f s, %s", d.n, selEl.Seconds(), selMem)
	row.Baseline = fmt.Sprintf("one streaming SELECT of %d rows: %.1f s, %s", bareRows, bareEl.Seconds(), bareMem)
	row.Ratio = ratio(selEl.Seconds(), bareEl.Seconds()) + " select"
	row.Holds = "n/a"
	row.Details = append(row.Details,
		fmt.Sprintf("Seeded %d products over 5,000 hosts (MariaDB sequence engine) in %.1f s. Every figure runs the real `batch.Worker.Rescrape` "+
			"(keyset pages of 1,000 claimed FOR UPDATE SKIP LOCKED, leased, tick cursor saved per page; the next page claimed while the current page's scrape requests are enqueued) "+
			"with an unlimited host budget. Selection alone hands the pages to a discarding enqueuer; select+enqueue hands them to `batch.NewSQSEnqueuer` "+
			"(what `ddokso worker batch` uses: SendMessageBatch of 10, %d calls at once, failed entries retried); the bare loop sends as many copies of one such envelope with the same concurrency. "+
			"fauxqs is restarted (emptied) before each side, so both send into the same, newly created queue on a fresh emulator; moto's queue is purged between the sides. "+
			"Peak heap is HeapInuse sampled every 20 ms in this process; peak RSS is this process's VmHWM, reset (and memory returned to the OS) before each measured run.",
			cfg.Products, seeded.Seconds(), cfg.Concurrency), "")

	if d.n != cfg.Products {
		row.Err = fmt.Errorf("selection handed over %d of %d due products", d.n, cfg.Products)
		return row
	}
	var runs []*enqueueRun
	if cfg.Fast.Endpoint != "" {
		if _, err := s.DB.ExecContext(ctx, `UPDATE products SET lease_until = NULL`); err != nil {
			row.Err = err
			return row
		}
		fast, err := runEnqueue(ctx, s, cfg.Fast, cfg.Products, cfg.Concurrency, cfg.Verify, cfg.Concurrency, log)
		if err != nil {
			row.Err = fmt.Errorf("%s: %w", cfg.Fast.Label, err)
			return row
		}
		runs = append(runs, fast)
	} else {
		row.Details = append(row.Details, "No fast emulator: the full select+enqueue was not measured.", "")
	}
	if slow != nil {
		runs = append(runs, slow)
	}
	allOK := true
	for _, r := range runs {
		allOK = allOK && r.ok
		retries := r.calls - r.firstCalls
		row.Ours += fmt.Sprintf("; select+enqueue %d to %s: %.1f s, %d SendMessageBatch calls (%d retries), %s",
			r.n, r.label, r.el.Seconds(), r.calls, retries, r.mem)
		row.Baseline += fmt.Sprintf("; bare SendMessageBatch loop (%d at once) of %d to the same %s queue: %.1f s, %d calls, %s",
			cfg.Concurrency, r.n, r.label, r.bareEl.Seconds(), r.bareCalls, r.bare)
		row.Ratio += "; " + ratio(r.el.Seconds(), r.bareEl.Seconds()) + " select+enqueue (" + r.label + ")"
		enqOnly := r.el - selEl*time.Duration(r.n)/time.Duration(cfg.Products)
		row.Details = append(row.Details,
			fmt.Sprintf("**%s, %d products.** select+enqueue %.1f s (%.0f products/s; minus the selection-alone time scaled to %d products ≈ %.1f s of enqueueing); "+
				"the bare loop %.1f s (%.0f msgs/s). SendMessageBatch as counted by SDK middleware: ddokso %d operations, %d HTTP attempts, %d entries, %d failed entries, %d errors "+
				"(the enqueuer counted %d calls, %d accepted; %d calls needed when every entry succeeds first time, so %d retry calls); bare loop %d operations, %d HTTP attempts, %d entries, %d failed.",
				r.label, r.n, r.el.Seconds(), float64(r.n)/r.el.Seconds(), r.n, enqOnly.Seconds(),
				r.bareEl.Seconds(), float64(r.n)/r.bareEl.Seconds(),
				r.ours.calls.Load(), r.ours.attempts.Load(), r.ours.entries.Load(), r.ours.failedEntries.Load(), r.ours.errors.Load(),
				r.calls, r.sent, r.firstCalls, retries,
				r.bareCounter.calls.Load(), r.bareCounter.attempts.Load(), r.bareCounter.entries.Load(), r.bareCounter.failedEntries.Load()), "")
		for _, c := range r.checks {
			row.Details = append(row.Details, "- "+c)
		}
		row.Details = append(row.Details, "")
	}
	if len(runs) > 0 {
		row.Holds = holds(allOK)
	}
	row.Details = append(row.Details, explain(ctx, s, now)...)
	return row
}

// runEnqueue runs the real rescrape tick with the SQS enqueuer over the n
// due, unleased products to a new queue on em, checks what arrived, then
// empties the queue (restarting em when it can, else purging) and runs the
// bare loop of n messages into it.
//
// With verify every message is received back (drainConcurrency receivers)
// to check that each product id is in the queue exactly once.
func runEnqueue(ctx context.Context, s *System, em Emulator, n, concurrency int, verify bool, drainConcurrency int, log *slog.Logger) (*enqueueRun, error) {
	r := &enqueueRun{label: em.Label, n: n, ok: true}
	admin, err := SQSClient(ctx, em.Endpoint)
	if err != nil {
		return nil, err
	}
	name := "bench-batch-" + randomHex(3)
	// freshQueue restarts the emulator when it can (both sides then start
	// from an empty one) and creates the queue.
	freshQueue := func() (string, error) {
		if em.Restart != nil {
			if err := em.Restart(ctx); err != nil {
				return "", fmt.Errorf("restart %s: %w", em.Label, err)
			}
		}
		out, err := admin.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			return "", fmt.Errorf("create queue: %w", err)
		}
		return *out.QueueUrl, nil
	}
	url, err := freshQueue()
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = admin.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: &url}) }()

	c, err := SQSClient(ctx, em.Endpoint, r.ours.apply)
	if err != nil {
		return nil, err
	}
	enq := batch.NewSQSEnqueuer(c, url, concurrency)
	fc := &firstCalls{Enqueuer: enq}
	w, err := batch.New(s.DB, fc, nil, batch.Config{HostBudget: 1 << 30, SendConcurrency: concurrency}, log)
	if err != nil {
		return nil, err
	}
	tick := "bench-enqueue-" + em.Label
	var st batch.RescrapeStats
	r.el, r.mem, err = measure(func() error {
		var err error
		st, err = w.Rescrape(ctx, tick, time.Now().UTC())
		return err
	})
	if err != nil {
		return nil, err
	}
	r.sent, r.calls, r.firstCalls = enq.Sent(), enq.Calls(), fc.calls

	check := func(ok bool, format string, args ...any) {
		r.ok = r.ok && ok
		mark := "ok"
		if !ok {
			mark = "**FAILED**"
		}
		r.checks = append(r.checks, mark+": "+fmt.Sprintf(format, args...))
	}
	check(st.Enqueued == n && fc.handed == int64(n) && r.sent == int64(n),
		"the tick handed %d envelopes to the enqueuer (stats: %d enqueued in %d pages) and SQS accepted %d, of %d due", fc.handed, st.Enqueued, st.Pages, r.sent, n)
	check(r.calls == r.firstCalls && r.ours.failedEntries.Load() == 0 && r.ours.errors.Load() == 0,
		"%d SendMessageBatch calls = ⌈page/10⌉ summed over pages (%d), %d failed entries, %d call errors", r.calls, r.firstCalls, r.ours.failedEntries.Load(), r.ours.errors.Load())
	var tickEnq int64
	var tickDone sql.NullTime
	if err := s.DB.QueryRowContext(ctx, `SELECT enqueued, done_at FROM batch_ticks WHERE tick_key = ?`, tick).Scan(&tickEnq, &tickDone); err != nil {
		return nil, fmt.Errorf("read tick row: %w", err)
	}
	var leased int64
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE lease_until > NOW(6)`).Scan(&leased); err != nil {
		return nil, fmt.Errorf("count leases: %w", err)
	}
	check(tickEnq == int64(n) && tickDone.Valid && leased == int64(n),
		"MySQL: batch_ticks row %q enqueued = %d, done_at set = %v; products with a lease = %d", tick, tickEnq, tickDone.Valid, leased)
	visible, inflight, err := queueCounts(ctx, admin, url)
	if err != nil {
		return nil, err
	}
	check(visible == n && inflight == 0, "queue after the tick: ApproximateNumberOfMessages = %d, NotVisible = %d", visible, inflight)
	if verify {
		var minID, maxID int64
		if err := s.DB.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM products`).Scan(&minID, &maxID); err != nil {
			return nil, fmt.Errorf("id range: %w", err)
		}
		v, err := drainCheck(ctx, admin, url, minID, maxID, drainConcurrency)
		if err != nil {
			return nil, err
		}
		accepted := r.ours.entries.Load() - r.ours.failedEntries.Load()
		check(v.distinct == n && v.foreign == 0 && accepted == int64(n),
			"exactly once: SQS accepted %d entries in all and every one of the %d product ids came back (%d distinct; received and deleted %d messages in %d receives, %.1f s, %.0f msgs/s; %d receive-side duplicates, %d not a seeded product)",
			accepted, maxID-minID+1, v.distinct, v.received, v.calls, v.el.Seconds(), float64(v.received)/v.el.Seconds(), v.dups, v.foreign)
	}
	if em.Restart != nil {
		if url, err = freshQueue(); err != nil {
			return nil, err
		}
	} else if _, err := admin.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		return nil, fmt.Errorf("purge: %w", err)
	}
	if v, f, err := queueCounts(ctx, admin, url); err != nil || v != 0 || f != 0 {
		return nil, fmt.Errorf("queue not empty after purge (%d visible, %d in flight, err %v)", v, f, err)
	}

	body, err := scrapeBody(ctx)
	if err != nil {
		return nil, err
	}
	bc, err := SQSClient(ctx, em.Endpoint, r.bareCounter.apply)
	if err != nil {
		return nil, err
	}
	r.bareEl, r.bare, err = measure(func() error {
		var err error
		r.bareCalls, err = bareSend(ctx, bc, url, n, concurrency, body)
		return err
	})
	if err != nil {
		return nil, err
	}
	visible, _, err = queueCounts(ctx, admin, url)
	if err != nil {
		return nil, err
	}
	check(visible == n, "queue after the bare loop: ApproximateNumberOfMessages = %d", visible)
	if rss := listenerRSS(em.Endpoint); rss > 0 {
		r.checks = append(r.checks, fmt.Sprintf("%s process RSS holding %d messages: %s", em.Label, n, mib(rss)))
	}
	return r, nil
}

// queueCounts returns ApproximateNumberOfMessages and ...NotVisible.
func queueCounts(ctx context.Context, c *sqs.Client, url string) (visible, inflight int, err error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		return 0, 0, fmt.Errorf("queue attributes: %w", err)
	}
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inflight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inflight, nil
}

// drained is what drainCheck found.
type drained struct {
	received, distinct, dups, foreign int
	calls                             int64
	el                                time.Duration
}

// drainCheck receives and deletes every message of the queue with
// concurrency receivers and counts the product ids of their
// scrape.requested payloads in [minID, maxID]. Messages are deleted as
// they come (rather than left in flight) because an emulator's receive may
// slow down with the number of messages in flight.
func drainCheck(ctx context.Context, c *sqs.Client, url string, minID, maxID int64, concurrency int) (drained, error) {
	var v drained
	seen := make([]uint32, maxID-minID+1)
	var mu sync.Mutex
	var calls atomic.Int64
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range concurrency {
		g.Go(func() error {
			var ids []int64
			foreign := 0
			for empty := 0; empty < 3; {
				calls.Add(1)
				out, err := c.ReceiveMessage(gctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
				if err != nil {
					return fmt.Errorf("receive: %w", err)
				}
				if len(out.Messages) == 0 {
					empty++
					continue
				}
				empty = 0
				entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
					var env struct {
						Type    string `json:"type"`
						Payload struct {
							ProductID int64 `json:"product_id"`
						} `json:"payload"`
					}
					if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.Type != events.TypeScrapeRequested ||
						env.Payload.ProductID < minID || env.Payload.ProductID > maxID {
						foreign++
						continue
					}
					ids = append(ids, env.Payload.ProductID)
				}
				del, err := c.DeleteMessageBatch(gctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
				if err != nil {
					return fmt.Errorf("delete: %w", err)
				}
				if len(del.Failed) > 0 {
					return fmt.Errorf("delete: %d entries failed", len(del.Failed))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			v.foreign += foreign
			for _, id := range ids {
				seen[id-minID]++
			}
			v.received += len(ids) + foreign
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return v, err
	}
	v.el, v.calls = time.Since(start), calls.Load()
	for _, k := range seen {
		if k > 0 {
			v.distinct++
			v.dups += int(k) - 1
		}
	}
	return v, nil
}

// explain renders the plans of the batch selector's and the API's hot
// statements, from the SQL those packages run.
func explain(ctx context.Context, s *System, now time.Time) []string {
	var (
		id   int64 = 1 // a product that exists (the moto sample's were removed)
		hash string
	)
	_ = s.DB.QueryRowContext(ctx, `SELECT id, url_hash FROM products ORDER BY id LIMIT 1`).Scan(&id, &hash)
	queries := append(batch.PlanQueries(now, 1000), api.PlanQueries(id, hash)...)
	out := []string{"EXPLAIN plans (on the seeded table):", ""}
	for _, q := range queries {
		p, err := store.Explain(ctx, s.DB, q)
		if err != nil {
			out = append(out, fmt.Sprintf("- %s: %v", q.Name, err))
			continue
		}
		out = append(out, "**"+q.Name+"**", "", "| "+strings.Join(p.Columns, " | ")+" |", "|"+strings.Repeat("---|", len(p.Columns)))
		for _, r := range p.Rows {
			cells := make([]string, len(r))
			for j, v := range r {
				cells[j] = cell(v)
			}
			out = append(out, "| "+strings.Join(cells, " | ")+" |")
		}
		out = append(out, "")
	}
	return out
}
