package chaos

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/workers/batch"
)

// TestFastVisibilityKeepsHandledMessagesHidden: the shortened queue
// visibility must outlast the consumers' first heartbeat (a third of the
// topology's visibility), or a message being handled would reappear and be
// handled twice; and it must be shorter than the topology's, or it buys
// nothing.
func TestFastVisibilityKeepsHandledMessagesHidden(t *testing.T) {
	t.Parallel()
	for _, q := range infra.Default("chaos").Queues {
		v := fastVisibility(q.VisibilityTimeout)
		require.Greater(t, v, q.VisibilityTimeout/3, q.Name)
		require.Less(t, v, q.VisibilityTimeout, q.Name)
	}
}

// TestProfilesLeaveRoomForRequeues: in both profiles a submission whose
// message is lost is re-queued only after a message a killed scrap worker
// held has come back, and it gets every re-queue the batch worker allows
// before the cleanup expires it; otherwise lost submissions end "expired"
// instead of recovering (what the first runs on fauxqs showed).
func TestProfilesLeaveRoomForRequeues(t *testing.T) {
	t.Parallel()
	var bc batch.Config
	require.NoError(t, bc.Validate())
	scrap, ok := infra.Default("chaos").Queue(infra.QueueScrap)
	require.True(t, ok)
	for name, cfg := range map[string]Config{"full": Full(), "short": Short()} {
		h := &harness{cfg: cfg, prefix: "chaos"}
		require.GreaterOrEqual(t, h.requeueAfter(), fastVisibility(scrap.VisibilityTimeout), name)
		require.Greater(t, h.requestTTL(), h.requeueAfter()*time.Duration(1+bc.MaxRequeues), name)
	}
}
