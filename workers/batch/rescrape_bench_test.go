package batch

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ddokso/ddokso/internal/storetest"
)

// BenchmarkRescrape measures selecting (claiming and leasing) 20,000 due
// products over 5,000 hosts with a discarding enqueuer: the batch
// selector's own cost per tick, without SQS.
func BenchmarkRescrape(b *testing.B) {
	const n = 20_000
	ctx := context.Background()
	db := storetest.New(b)
	now := time.Now().UTC()
	seedDue(b, db, n, now)
	w, err := New(db, &discardEnqueuer{}, nil, Config{HostBudget: 1 << 30}, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if _, err := db.ExecContext(ctx, `UPDATE products SET lease_until = NULL`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := w.Rescrape(ctx, "bench-"+strconv.Itoa(i), now)
		if err != nil {
			b.Fatal(err)
		}
		if st.Enqueued != n {
			b.Fatalf("enqueued %d, want %d", st.Enqueued, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "products/s")
}
