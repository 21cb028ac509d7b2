package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/internal/storetest"
)

// TestDemoJourney runs README's "Try it in five minutes" as written:
// scripts/dev/demo.sh (what make demo runs: the demo shop and ddokso run
// with DDOKSO_DEV_SHOP) and then scripts/dev/journey.sh, which goes through
// the journey with the ddokso dev commands and curl and fails at the first
// step that does not do what it should.
func TestDemoJourney(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"curl", "jq"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "the journey needs %s", tool)
	}
	bin := binary(t)
	httpAddr, adminAddr, shopAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	api := "http://" + httpAddr
	secrets := []string{
		"DDOKSO_API_JWT_SECRET=journey-secret-journey-secret-0",
		"DDOKSO_API_ADMIN_KEY=journey-admin-key",
		"DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=journey-unsubscribe",
	}
	demo := exec.Command("../../scripts/dev/demo.sh")
	demo.Env = append(append(os.Environ(), secrets...),
		"DDOKSO_BIN="+bin,
		"DDOKSO_MYSQL_DSN="+storetest.NewDSN(t),
		"DDOKSO_HTTP_ADDR="+httpAddr,
		"DDOKSO_ADMIN_ADDR="+adminAddr,
		"DDOKSO_DEV_SHOP="+shopAddr,
		"DDOKSO_PREFIX=demo"+awstest.RandomHex(4),
		"DDOKSO_NOTIFY_API_BASE_URL="+api,
		"DDOKSO_LOCAL_SCHEDULER=false",
		"AWS_ENDPOINT_URL="+awstest.Endpoint(t),
		"DEV_MOTO_FILE="+filepath.Join(t.TempDir(), "moto"),
	)
	lw := &process.Buffer{}
	demo.Stdout, demo.Stderr = lw, lw
	require.NoError(t, demo.Start())
	demoDone := make(chan error, 1)
	go func() { demoDone <- demo.Wait() }()
	t.Cleanup(func() {
		_ = demo.Process.Kill()
		if t.Failed() {
			t.Logf("make demo output:\n%s", lw.Tail(6000))
		}
	})
	require.Eventually(t, answers200(api+"/readyz"), 90*time.Second, 200*time.Millisecond, "the demo system never became ready")

	journey := exec.Command("../../scripts/dev/journey.sh")
	journey.Env = append(append(os.Environ(), secrets...),
		"DDOKSO_BIN="+bin, "API="+api, "SHOP=http://"+shopAddr,
		"EMAIL=journey-"+awstest.RandomHex(4)+"@example.com")
	out, err := journey.CombinedOutput()
	t.Logf("journey:\n%s", out)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(strings.TrimSpace(string(out)), "journey: OK"))

	require.NoError(t, demo.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-demoDone:
		require.NoError(t, err, "make demo exits cleanly on SIGTERM")
	case <-time.After(60 * time.Second):
		t.Fatal("demo.sh did not exit within 60s of SIGTERM")
	}
}
