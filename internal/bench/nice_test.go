package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReniceEveryThread: renice reaches every thread of a process, not
// only its first (Linux keeps a nice value per thread). The child is this
// test binary sleeping in TestHelperSleep: a Go process with several
// threads.
func TestReniceEveryThread(t *testing.T) {
	t.Parallel()
	child := exec.Command(os.Args[0], "-test.run=^TestHelperSleep$")
	child.Env = append(os.Environ(), "DDOKSO_BENCH_HELPER_SLEEP=1")
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	pid := child.Process.Pid
	require.Eventually(t, func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
		return len(tasks) > 1
	}, 10*time.Second, 10*time.Millisecond, "the child never had two threads")
	require.NoError(t, renice(pid, 7))
	after, err := niceOf(pid)
	require.NoError(t, err)
	require.Greater(t, len(after), 1)
	for _, n := range after {
		require.Equal(t, 7, n)
	}
	require.Error(t, renice(1<<30, 7), "no such process")
}

// TestHelperSleep is the child of TestReniceEveryThread; it does nothing
// unless that test starts it.
func TestHelperSleep(t *testing.T) {
	if os.Getenv("DDOKSO_BENCH_HELPER_SLEEP") == "" {
		t.Skip("child process of TestReniceEveryThread")
	}
	time.Sleep(30 * time.Second)
}

// niceOf returns the nice value of each thread of pid (field 19 of
// /proc/PID/task/TID/stat).
func niceOf(pid int) ([]int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/[0-9]*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return nil, fmt.Errorf("nice of %d: no tasks", pid)
	}
	var out []int
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		f := statFields(b)
		if len(f) < 17 {
			return nil, fmt.Errorf("nice of %d: short stat %q", pid, b)
		}
		n, err := strconv.Atoi(f[16]) // field 19, counting pid and comm
		if err != nil {
			return nil, fmt.Errorf("nice of %d: %w", pid, err)
		}
		out = append(out, n)
	}
	return out, nil
}
