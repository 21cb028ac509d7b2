package events_test

import (
	"testing"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/eventstest"
)

func withScrap(vis time.Duration, maxReceive int) func(*infra.Topology) {
	return func(t *infra.Topology) {
		for i := range t.Queues {
			if t.Queues[i].Name == infra.QueueScrap {
				t.Queues[i].VisibilityTimeout = vis
				t.Queues[i].MaxReceiveCount = maxReceive
				t.Queues[i].Attempts = min(t.Queues[i].Attempts, maxReceive)
			}
		}
	}
}

func TestConformanceMemory(t *testing.T) {
	t.Parallel()
	eventstest.RunConformance(t, func(t *testing.T, vis time.Duration, maxReceive int) eventstest.Setup {
		topo := infra.Default("mem")
		withScrap(vis, maxReceive)(&topo)
		m := topo.Memory()
		s := eventstest.Setup{Publisher: m.Bus, Queues: map[string]events.Queue{}, DLQs: map[string]events.Queue{}}
		for name, q := range m.Queues {
			s.Queues[name], s.DLQs[name] = q, m.DLQs[name]
		}
		return s
	})
}

func TestConformanceSQS(t *testing.T) {
	t.Parallel()
	eventstest.RunConformance(t, func(t *testing.T, vis time.Duration, maxReceive int) eventstest.Setup {
		st := awstest.NewStack(t, withScrap(vis, maxReceive))
		s := eventstest.Setup{
			Publisher: events.NewSNSPublisher(st.Clients.SNS, st.Resolved.TopicARN),
			Queues:    map[string]events.Queue{}, DLQs: map[string]events.Queue{},
		}
		for name, ref := range st.Resolved.Queues {
			s.Queues[name] = events.NewSQSQueue(st.Clients.SQS, name, ref.URL, ref.DLQURL)
			s.DLQs[name] = events.NewSQSQueue(st.Clients.SQS, name+"-dlq", ref.DLQURL, "")
		}
		return s
	})
}
