package infra

import "github.com/ddokso/ddokso/events"

// MemoryStack is the topology built from in-memory queues on an in-memory
// bus: the same routing, visibility timeouts and redrive limits as the SQS
// topology, for unit tests and examples.
type MemoryStack struct {
	Bus    *events.MemoryBus
	Queues map[string]*events.MemoryQueue
	DLQs   map[string]*events.MemoryQueue
}

// Memory builds t in memory.
func (t Topology) Memory() MemoryStack {
	s := MemoryStack{Bus: events.NewMemoryBus(), Queues: map[string]*events.MemoryQueue{}, DLQs: map[string]*events.MemoryQueue{}}
	for _, q := range t.Queues {
		dlq := events.NewMemoryQueue(events.MemoryQueueConfig{Name: q.Name + "-dlq", VisibilityTimeout: q.VisibilityTimeout})
		mq := events.NewMemoryQueue(events.MemoryQueueConfig{Name: q.Name, VisibilityTimeout: q.VisibilityTimeout, MaxReceiveCount: q.MaxReceiveCount, DLQ: dlq})
		s.Queues[q.Name], s.DLQs[q.Name] = mq, dlq
		if len(q.Types) > 0 {
			s.Bus.Subscribe(mq, q.Types...)
		}
	}
	return s
}
