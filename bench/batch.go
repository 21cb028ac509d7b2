package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/workers/batch"
)

// BatchConfig sizes the batch fan-out stage.
type BatchConfig struct {
	// Products seeded due (1,000,000 for the goal).
	Products int
	// Enqueue is how many of them the select+enqueue run sends to SQS.
	Enqueue int
	// Endpoint is the AWS-API endpoint for the enqueue.
	Endpoint string
}

type discard struct{ n int }

func (d *discard) Enqueue(_ context.Context, envs []events.Envelope) error {
	d.n += len(envs)
	return nil
}

// peakHeap samples HeapInuse every 20 ms while f runs.
func peakHeap(f func() error) (time.Duration, uint64, error) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	peak := m.HeapInuse
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	s := time.Now()
	err := f()
	el := time.Since(s)
	close(stop)
	<-done
	return el, peak, err
}

// Batch seeds cfg.Products due products and measures the rescrape tick:
// selection alone (discarding enqueuer) against one bare streaming SELECT of
// the same rows, then select + enqueue of cfg.Enqueue products to SQS
// against a bare SendMessageBatch loop of as many messages. It also shows
// the EXPLAIN plans of the batch selector and the API product queries.
func Batch(ctx context.Context, e *Env, cfg BatchConfig) Row {
	row := Row{Stage: "6 Batch fan-out", Metric: fmt.Sprintf("select (+enqueue) of %d due products: seconds, SQS calls, peak heap", cfg.Products),
		Goal:    "informational (1,000,000 due products)",
		Command: fmt.Sprintf("scripts/dev/with-moto.sh go run ./cmd/ddokso-bench -only 6 -batch-products %d -batch-enqueue %d\nDDOKSO_BENCH_N=1000000 scripts/dev/with-moto.sh go test ./workers/batch -run TestPlanLarge -v", cfg.Products, cfg.Enqueue)}
	s, err := e.NewSystem(ctx)
	if err != nil {
		row.Err = err
		return row
	}
	defer s.Close()
	seedStart := time.Now()
	_, err = s.DB.ExecContext(ctx, fmt.Sprintf(`INSERT INTO products (url_hash, canonical_url, shop, check_status, next_check_at, created_at)
SELECT SHA2(CONCAT('https://shop', seq %% 5000, '.example/p/', seq), 256), CONCAT('https://shop', seq %% 5000, '.example/p/', seq),
  CONCAT('shop', seq %% 5000, '.example'), 'ok', NOW(6) - INTERVAL (1 + seq %% 1000) MINUTE, NOW(6) - INTERVAL 2 DAY FROM seq_0_to_%d`, cfg.Products-1))
	if err != nil {
		row.Err = fmt.Errorf("seed: %w", err)
		return row
	}
	seeded := time.Since(seedStart)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now().UTC()

	// Selection alone.
	d := &discard{}
	w, err := batch.New(s.DB, d, nil, batch.Config{HostBudget: 1 << 30}, log)
	if err != nil {
		row.Err = err
		return row
	}
	selEl, selPeak, err := peakHeap(func() error { _, err := w.Rescrape(ctx, "bench-select", now); return err })
	if err != nil {
		row.Err = err
		return row
	}
	var bareRows int
	bareEl, barePeak, err := peakHeap(func() error {
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

	// Select + enqueue of cfg.Enqueue products.
	if _, err := s.DB.ExecContext(ctx, `UPDATE products SET lease_until = NULL`); err != nil {
		row.Err = err
		return row
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE products SET next_check_at = ? WHERE id > ?`, now.Add(time.Hour), cfg.Enqueue); err != nil {
		row.Err = err
		return row
	}
	c, err := SQSClient(ctx, cfg.Endpoint)
	if err != nil {
		row.Err = err
		return row
	}
	qURL := func() (string, error) {
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench-batch-" + randomHex(3))})
		if err != nil {
			return "", err
		}
		return *out.QueueUrl, nil
	}
	u1, err := qURL()
	if err != nil {
		row.Err = err
		return row
	}
	enq := batch.NewSQSEnqueuer(c, u1, 8)
	w2, err := batch.New(s.DB, enq, nil, batch.Config{HostBudget: 1 << 30}, log)
	if err != nil {
		row.Err = err
		return row
	}
	enqEl, enqPeak, err := peakHeap(func() error { _, err := w2.Rescrape(ctx, "bench-enqueue", now); return err })
	if err != nil {
		row.Err = err
		return row
	}
	u2, err := qURL()
	if err != nil {
		row.Err = err
		return row
	}
	bareEnqEl, _, err := peakHeap(func() error { return preloadQueue(ctx, c, u2, cfg.Enqueue) })
	if err != nil {
		row.Err = err
		return row
	}
	for _, u := range []string{u1, u2} {
		_, _ = c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
	}
	row.Ours = fmt.Sprintf("select %d: %.1f s, peak heap %s; select+enqueue %d: %.1f s, %d SendMessageBatch calls, peak heap %s",
		d.n, selEl.Seconds(), mib(int64(selPeak)), enq.Sent(), enqEl.Seconds(), enq.Calls(), mib(int64(enqPeak)))
	row.Baseline = fmt.Sprintf("one streaming SELECT of %d rows: %.1f s, peak heap %s; bare SendMessageBatch loop (8 at once) of %d: %.1f s, %d calls",
		bareRows, bareEl.Seconds(), mib(int64(barePeak)), cfg.Enqueue, bareEnqEl.Seconds(), (cfg.Enqueue+9)/10)
	row.Ratio = ratio(selEl.Seconds(), bareEl.Seconds()) + " select; " + ratio(enqEl.Seconds(), bareEnqEl.Seconds()) + " enqueue"
	row.Holds = "n/a"
	row.Details = append(row.Details,
		fmt.Sprintf("Seeded %d products over 5,000 hosts (MariaDB sequence engine) in %.1f s. Selection runs the real `batch.Worker.Rescrape` (keyset pages of 1,000 claimed FOR UPDATE SKIP LOCKED, leased, tick cursor saved per page) with a discarding enqueuer and an unlimited host budget; select+enqueue limits the due set to the first %d ids and sends to SQS at %s through `batch.NewSQSEnqueuer` (8 concurrent calls). Peak heap is HeapInuse sampled every 20 ms in this process.",
			cfg.Products, seeded.Seconds(), cfg.Enqueue, cfg.Endpoint), "")
	row.Details = append(row.Details, explain(ctx, s, now)...)
	return row
}

// explain renders the plans of the batch selector and the API product queries.
func explain(ctx context.Context, s *System, now time.Time) []string {
	queries := []struct{ name, q string }{
		{"batch selector, due phase (workers/batch selectDueSQL)", `SELECT id, canonical_url, shop, next_check_at FROM products
WHERE next_check_at <= ? AND (next_check_at > ? OR (next_check_at = ? AND id > ?)) AND (lease_until IS NULL OR lease_until < ?)
ORDER BY next_check_at, id LIMIT 1000 FOR UPDATE SKIP LOCKED`},
		{"batch selector, new phase (workers/batch selectNewSQL)", `SELECT id, canonical_url, shop, next_check_at FROM products
WHERE next_check_at IS NULL AND id > ? AND check_status = 'new' AND created_at <= ? AND (lease_until IS NULL OR lease_until < ?)
ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED`},
		{"API GET /products/{id}: product", `SELECT * FROM products p WHERE p.id = ?`},
		{"API GET /products/{id}: variants", `SELECT id, variant_key, name, options, price, list_price, availability, all_time_low FROM product_variants WHERE product_id = ? ORDER BY id`},
		{"API GET /products/{id}: 30-day average", `SELECT AVG(price) FROM price_observations WHERE product_id = ? AND variant_id = 0 AND price IS NOT NULL AND observed_at >= ?`},
	}
	args := map[int][]any{
		0: {now, time.Unix(0, 0).UTC(), time.Unix(0, 0).UTC(), 0, now},
		1: {0, now, now},
		2: {1}, 3: {1}, 4: {1, now.Add(-30 * 24 * time.Hour)},
	}
	out := []string{"EXPLAIN plans (on the seeded table):", ""}
	for i, q := range queries {
		rows, err := s.DB.QueryContext(ctx, "EXPLAIN "+q.q, args[i]...)
		if err != nil {
			out = append(out, fmt.Sprintf("- %s: EXPLAIN failed: %v", q.name, err))
			continue
		}
		cols, _ := rows.Columns()
		out = append(out, "**"+q.name+"**", "", "| "+strings.Join(cols, " | ")+" |", "|"+strings.Repeat("---|", len(cols)))
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for j := range vals {
				ptrs[j] = &vals[j]
			}
			if err := rows.Scan(ptrs...); err != nil {
				break
			}
			cells := make([]string, len(cols))
			for j, v := range vals {
				switch v := v.(type) {
				case nil:
					cells[j] = "NULL"
				case []byte:
					cells[j] = cell(string(v))
				default:
					cells[j] = cell(fmt.Sprint(v))
				}
			}
			out = append(out, "| "+strings.Join(cells, " | ")+" |")
		}
		rows.Close()
		out = append(out, "")
	}
	return out
}
