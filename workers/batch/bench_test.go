package batch

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra/awstest"
	"github.com/ddokso/ddokso/store/storetest"
)

// discardEnqueuer counts envelopes and drops them: selection alone.
type discardEnqueuer struct{ n int }

func (d *discardEnqueuer) Enqueue(_ context.Context, envs []events.Envelope) error {
	d.n += len(envs)
	return nil
}

// TestPlanLarge measures planning a tick over DDOKSO_BENCH_N products
// (1,000,000 for the acceptance run) seeded with bulk INSERTs, all due, on
// 5,000 hosts: selection alone, then — over DDOKSO_BENCH_ENQUEUE_N of them
// (default N) — selection plus enqueue to moto. It is skipped unless
// DDOKSO_BENCH_N is set.
func TestPlanLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DDOKSO_BENCH_N"))
	if n == 0 {
		t.Skip("set DDOKSO_BENCH_N (e.g. 1000000) to run the planning benchmark")
	}
	en := n
	if v, _ := strconv.Atoi(os.Getenv("DDOKSO_BENCH_ENQUEUE_N")); v > 0 {
		en = v
	}
	ctx := context.Background()
	db := storetest.New(t)
	now := time.Now().UTC()
	start := time.Now()
	seedDue(t, db, n, now)
	t.Logf("seeded %d products in %s", n, time.Since(start))

	measure := func(name string, enq Enqueuer, limitHosts bool) RescrapeStats {
		cfg := Config{}
		if !limitHosts {
			cfg.HostBudget = 1 << 30
		}
		w, err := New(db, enq, nil, cfg, quietLog())
		require.NoError(t, err)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		peak := m0.HeapInuse
		stop := make(chan struct{})
		go func() {
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
		st, err := w.Rescrape(ctx, name, now)
		el := time.Since(s)
		close(stop)
		require.NoError(t, err)
		runtime.ReadMemStats(&m1)
		t.Logf("%s: %d products in %s (%.0f/s), %d pages, peak HeapInuse %.1f MiB, TotalAlloc %.1f MiB",
			name, st.Enqueued, el, float64(st.Enqueued)/el.Seconds(), st.Pages,
			float64(peak)/(1<<20), float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20))
		return st
	}
	st := measure("select-only", &discardEnqueuer{}, false)
	require.Equal(t, n, st.Enqueued)

	_, err := db.ExecContext(ctx, `UPDATE products SET lease_until = NULL`)
	require.NoError(t, err)
	if en < n {
		_, err = db.ExecContext(ctx, `UPDATE products SET next_check_at = ? WHERE id > ?`, now.Add(time.Hour), en)
		require.NoError(t, err)
	}
	stack := awstest.NewStack(t)
	sqsEnq := NewSQSEnqueuer(stack.Clients.SQS, stack.Resolved.Queues["scrap"].URL, 8)
	st = measure("select+enqueue(moto)", sqsEnq, false)
	require.Equal(t, en, st.Enqueued)
	t.Logf("select+enqueue: %d SendMessageBatch calls, %d messages accepted", sqsEnq.Calls(), sqsEnq.Sent())
}

// seedDue inserts n due products over 5,000 hosts in multi-row INSERTs of
// 5,000 rows, checked 1 to 1000 minutes ago.
func seedDue(t testing.TB, db *sql.DB, n int, now time.Time) {
	t.Helper()
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO products (url_hash, canonical_url, shop, check_status, next_check_at, created_at) VALUES `)
		for i := start; i < min(start+chunk, n); i++ {
			if i > start {
				sb.WriteByte(',')
			}
			shop := fmt.Sprintf("shop%d.example", i%5000)
			u := fmt.Sprintf("https://%s/p/%d", shop, i)
			h := sha256.Sum256([]byte(u))
			next := now.Add(-time.Duration(1+i%1000) * time.Minute).Format("2006-01-02 15:04:05.000000")
			fmt.Fprintf(&sb, "('%s','%s','%s','ok','%s','%s')", hex.EncodeToString(h[:]), u, shop, next, next)
		}
		_, err := db.Exec(sb.String())
		require.NoError(t, err)
	}
}
