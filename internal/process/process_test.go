package process_test

import (
	"bytes"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/process"
)

func TestFreePortCanBeListenedOn(t *testing.T) {
	t.Parallel()
	// A port is only free "a moment ago": another package's tests, running
	// at the same time, may take it before the listen (seen in a CI run).
	// Five tries in a row all lost would mean FreeAddr hands out used ports.
	var err error
	for range 5 {
		var addr string
		addr, err = process.FreeAddr()
		require.NoError(t, err)
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			require.NoError(t, l.Close())
			return
		}
	}
	require.NoError(t, err)
}

// TestFreePortAvoidsEphemeralRange: a port handed out is below the
// kernel's ephemeral range, where no outgoing connection can take it as its
// local port, and never handed out twice.
func TestFreePortAvoidsEphemeralRange(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	require.NoError(t, err)
	lo, err := strconv.Atoi(strings.Fields(string(b))[0])
	require.NoError(t, err)
	seen := map[int]bool{}
	for range 200 {
		p, err := process.FreePort()
		require.NoError(t, err)
		require.Less(t, p, lo, "port %d is in the ephemeral range", p)
		require.False(t, seen[p], "port %d handed out twice", p)
		seen[p] = true
	}
}

func TestMemoryOfThisProcess(t *testing.T) {
	t.Parallel()
	rss, hwm, err := process.Memory(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, rss)
	require.GreaterOrEqual(t, hwm, rss)
	_, _, err = process.Memory(1 << 30)
	require.Error(t, err)
}

func TestProcessRunsStopsAndKills(t *testing.T) {
	t.Parallel()
	var out process.Buffer
	p, err := process.Start(process.Spec{Name: "echo", Bin: "/bin/sh", Args: []string{"-c", "echo hello $WHO"}, Env: []string{"WHO=proc"}, Output: &out})
	require.NoError(t, err)
	<-p.Done()
	require.True(t, p.Exited())
	require.NoError(t, p.Err())
	require.Equal(t, "hello proc\n", out.String())

	// SIGTERM ends a process that honours it.
	p, err = process.Start(process.Spec{Name: "sleep", Bin: "/bin/sleep", Args: []string{"60"}})
	require.NoError(t, err)
	start := time.Now()
	p.Stop(30 * time.Second)
	require.True(t, p.Exited())
	require.Less(t, time.Since(start), 30*time.Second, "stopped by SIGTERM, not by the grace running out")

	// One that ignores SIGTERM is killed after the grace, with its group.
	p, err = process.Start(process.Spec{Name: "stubborn", Bin: "/bin/sh", Args: []string{"-c", "trap '' TERM; sleep 60 & echo $!; wait"}, Output: &out, Group: true})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(out.String()) > len("hello proc\n") }, 10*time.Second, 10*time.Millisecond)
	p.Stop(100 * time.Millisecond)
	require.Error(t, p.Err(), "killed")
	child, err := strconv.Atoi(string(bytes.TrimSpace([]byte(out.String()[len("hello proc\n"):]))))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		rss, _, err := process.Memory(child)
		return err != nil || rss == 0 // gone, or a zombie with no memory
	}, 10*time.Second, 20*time.Millisecond, "the group's child is killed too")
}

func TestBufferMaxKeepsTheTail(t *testing.T) {
	t.Parallel()
	b := process.Buffer{Max: 8}
	_, err := b.Write([]byte("0123456789"))
	require.NoError(t, err)
	require.Equal(t, "0123456789", b.String(), "bounded on the next write, not this one")
	_, err = b.Write([]byte("ab"))
	require.NoError(t, err)
	require.Equal(t, "6789ab", b.String())
	require.Equal(t, "9ab", b.Tail(3))
	require.Equal(t, "6789ab", b.Tail(100))
}
