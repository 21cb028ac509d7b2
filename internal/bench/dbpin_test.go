package bench

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/ddokso/ddokso/internal/storetest"
)

// TestDBPinnerPinsTheClientsServerThread: the MariaDB thread serving this
// process's connection is pinned to the CPU its owner names, once, and
// given every CPU back at release.
func TestDBPinnerPinsTheClientsServerThread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("mysql", storetest.ServerDSN())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	var tid int
	require.NoError(t, conn.QueryRowContext(ctx, `SELECT TID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()`).Scan(&tid))
	require.NotZero(t, tid)
	affinity := func() []int {
		var set unix.CPUSet
		require.NoError(t, unix.SchedGetaffinity(tid, &set))
		var cpus []int
		for c := 0; c < runtime.NumCPU(); c++ {
			if set.IsSet(c) {
				cpus = append(cpus, c)
			}
		}
		return cpus
	}
	last := runtime.NumCPU() - 1
	require.Len(t, affinity(), runtime.NumCPU(), "the server thread starts on every CPU")

	p := newDBPinner(db)
	p.owner(os.Getpid(), "0-0")
	p.owner(1<<30, "0") // a process that does not exist holds no sockets
	n, err := p.pass(ctx)
	if errors.Is(err, unix.EPERM) {
		t.Skip("not allowed to set another process's thread affinity")
	}
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	require.Equal(t, []int{0}, affinity())
	again, err := p.pass(ctx)
	require.NoError(t, err)
	require.Zero(t, again, "threads already pinned are left alone")

	require.NoError(t, p.release())
	require.Len(t, affinity(), last+1)
}

func TestSetAffinityRejectsBadLists(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "a", "1-0", "0-x"} {
		require.Error(t, setAffinity(os.Getpid(), bad), bad)
	}
}
