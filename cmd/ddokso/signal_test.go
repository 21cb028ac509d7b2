package main_test

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/storetest"
)

// TestRunUnderWithMotoStopsOnSIGTERM is `make run` without make: the recipe
// execs scripts/dev/with-moto.sh, which starts moto and ddokso run; make
// passes SIGTERM to its recipe only. The script must pass it on, so ddokso
// drains and exits, then moto is stopped: nothing is left running.
func TestRunUnderWithMotoStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_ENDPOINT_URL") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command("../../scripts/dev/with-moto.sh", bin, "run")
	cmd.Env = append(env,
		"DDOKSO_MYSQL_DSN="+storetest.NewDSN(t),
		"DDOKSO_HTTP_ADDR="+freeAddr(t),
		"DDOKSO_ADMIN_ADDR="+freeAddr(t),
		"DDOKSO_PREFIX=sig"+awstest.RandomHex(4),
		"DDOKSO_API_JWT_SECRET=sig-secret-sig-secret-sig-secret",
		"DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=sig-unsubscribe",
	)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	motoAt := regexp.MustCompile(`moto_server at http://(127\.0\.0\.1:\d+)`)
	var moto string
	var logs strings.Builder
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := false
		for sc.Scan() {
			line := sc.Text()
			logs.WriteString(line + "\n")
			if m := motoAt.FindStringSubmatch(line); m != nil {
				moto = m[1]
			}
			if !once && strings.Contains(line, "starting workers") {
				once = true
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-done:
		t.Fatalf("exited before starting:\n%s", logs.String())
	case <-time.After(90 * time.Second):
		t.Fatal("ddokso run never started workers")
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	waited := make(chan error, 1)
	go func() { <-done; waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		require.NoError(t, err, "clean exit after SIGTERM:\n%s", logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("with-moto.sh did not exit within 60s of SIGTERM")
	}
	require.Contains(t, logs.String(), `"msg":"shutdown complete"`, "ddokso itself got the signal and drained")
	require.NotEmpty(t, moto)
	conn, err := net.DialTimeout("tcp", moto, time.Second)
	if err == nil {
		conn.Close()
	}
	require.Error(t, err, "moto_server is stopped too")
}
