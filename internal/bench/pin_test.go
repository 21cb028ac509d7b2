package bench

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseCPUSplit(t *testing.T) {
	t.Parallel()
	c, err := ParseCPUSplit("")
	require.NoError(t, err)
	require.False(t, c.On())
	require.Equal(t, "no CPU pinning", c.String())
	for _, bad := range []string{"0", ":1", "0:", "01"} {
		_, err := ParseCPUSplit(bad)
		require.Error(t, err, bad)
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Skip("no taskset")
	}
	c, err = ParseCPUSplit("0:1")
	require.NoError(t, err)
	require.Equal(t, CPUSplit{API: "0", Rest: "1"}, c)
	require.True(t, c.On())
}

// TestPinEmulatorFindsNothing: no process carries an unused port's
// FAUXQS_PORT, which is an error rather than a run silently unpinned.
func TestPinEmulatorFindsNothing(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Skip("no taskset")
	}
	_, err := pinEmulator("http://127.0.0.1:1", "0")
	require.ErrorContains(t, err, "no process with FAUXQS_PORT=1")
	_, err = pinEmulator("http://127.0.0.1", "0")
	require.Error(t, err)
	sleep := exec.Command("sleep", "30")
	require.NoError(t, sleep.Start())
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })
	require.NoError(t, pin(sleep.Process.Pid, "0"))
	out, err := exec.Command("taskset", "-p", "-c", strconv.Itoa(sleep.Process.Pid)).Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "list: 0\n")
}
