package infra_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/infra"
)

// TestDefaultRedriveAboveAttempts: SQS's redrive limit stays well above the
// consumer's attempt budget on every queue, so receives that reach no
// handler (a poll left open by a killed consumer) cannot dead-letter a
// healthy message; the consumer decides when a message is poison.
func TestDefaultRedriveAboveAttempts(t *testing.T) {
	t.Parallel()
	topo := infra.Default("")
	require.NoError(t, topo.Validate())
	for _, q := range topo.Queues {
		require.GreaterOrEqual(t, q.MaxReceiveCount, 2*q.Attempts, "queue %s", q.Name)
	}
}

func TestValidateAttempts(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(*infra.Queue){
		"zero attempts":              func(q *infra.Queue) { q.Attempts = 0 },
		"attempts above redrive":     func(q *infra.Queue) { q.Attempts = q.MaxReceiveCount + 1 },
		"redrive limit out of range": func(q *infra.Queue) { q.MaxReceiveCount = 0 },
	} {
		topo := infra.Default("")
		mutate(&topo.Queues[0])
		require.Error(t, topo.Validate(), name)
	}
}
