package events_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
)

// A publisher puts events on the topic; subscriptions route them by type to
// worker queues; a consumer runs a handler over its queue.
func ExampleConsumer() {
	mem := infra.Default("example").Memory() // the SQS topology, in memory
	ctx := context.Background()

	env, _ := events.New(ctx, events.ScrapeRequested{ScrapeID: 1, URL: "https://www.coupang.com/vp/products/123"})
	_ = mem.Bus.Publish(ctx, env)

	done := make(chan struct{})
	handler := events.HandlerFunc(func(ctx context.Context, env events.Envelope, _ *events.Message) error {
		var p events.ScrapeRequested
		if err := env.Decode(&p); err != nil {
			return err // permanent: goes to the DLQ
		}
		fmt.Println(env.Type, p.URL)
		close(done)
		return nil
	})
	c, _ := events.NewConsumer(mem.Queues[infra.QueueScrap], handler, events.ConsumerConfig{WaitTime: 100 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { _ = c.Run(runCtx); close(finished) }()
	<-done
	stop()
	<-finished
	fmt.Println("left on queue:", mem.Queues[infra.QueueScrap].Len())
	// Output:
	// scrape.requested https://www.coupang.com/vp/products/123
	// left on queue: 0
}

// Scheduled ticks arrive as EventBridge Scheduler raw input or as an
// EventBridge event; both decode to the same envelope and dedupe key.
func ExampleDecodeScheduled() {
	eb := []byte(`{"version":"0","id":"1","detail-type":"rescrape.due","source":"ddokso","time":"2026-11-29T00:10:00Z","detail":{}}`)
	env, _ := events.DecodeScheduled(eb)
	fmt.Println(env.Type, env.Key())
	// Output: rescrape.due rescrape.due@2026-11-29T00:10:00Z
}
