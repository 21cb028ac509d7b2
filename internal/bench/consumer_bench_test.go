package bench

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
)

// BenchmarkDrain compares the ddokso consumer (no-op handler) with a bare
// SDK receive-and-delete loop at the same receive concurrency, against the
// same AWS-API endpoint (AWS_ENDPOINT_URL, or a moto_server of its own).
// One op is one message; msgs/s is reported. make bench runs the same
// comparison as its row 3.
//
//	go test ./internal/bench -run '^$' -bench Drain -benchtime 300x
func BenchmarkDrain(b *testing.B) {
	st := awstest.NewStack(b)
	ref := st.Resolved.Queues[infra.QueueScrap]
	ctx := context.Background()
	const pollers = 4
	b.Run("bare-sdk", func(b *testing.B) {
		b.StopTimer()
		require.NoError(b, preloadQueue(ctx, st.Clients.SQS, ref.URL, b.N))
		b.StartTimer()
		b.ReportMetric(bareDrain(ctx, st.Clients.SQS, ref.URL, b.N, pollers, false), "msgs/s")
	})
	b.Run("ddokso-consumer", func(b *testing.B) {
		b.StopTimer()
		require.NoError(b, preloadQueue(ctx, st.Clients.SQS, ref.URL, b.N))
		b.StartTimer()
		rate, err := consumerDrain(ctx, st.Clients.SQS, ref.URL, ref.DLQURL, b.N, pollers)
		require.NoError(b, err)
		b.ReportMetric(rate, "msgs/s")
	})
}
