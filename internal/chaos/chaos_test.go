package chaos_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/chaos"
)

// TestLongChaosShortProfile runs the short chaos profile: the real
// processes under kills, a database crash, an emulator restart, poison and
// duplicates, and every invariant must hold. It takes minutes, so -short
// (make test) skips it and make test-long runs it. It needs mariadb-install-db, mariadbd,
// moto_server and fauxqs (scripts/dev/ensure-fauxqs.sh installs it on first
// use); set DDOKSO_CHAOS=0 to skip it.
func TestLongChaosShortProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("the chaos short profile takes minutes: make test-long")
	}
	if os.Getenv("DDOKSO_CHAOS") == "0" {
		t.Skip("DDOKSO_CHAOS=0")
	}
	for _, tool := range []string{"mariadb-install-db", "moto_server"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	cfg := chaos.Short()
	cfg.OutDir = t.TempDir()
	if dir := os.Getenv("DDOKSO_CHAOS_OUT"); dir != "" {
		cfg.OutDir = dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	rep, err := chaos.Run(ctx, cfg, nil)
	if rep != nil {
		t.Log("\n" + rep.Markdown())
	}
	require.NoError(t, err)
	for _, in := range rep.Invariants {
		require.Zero(t, in.Violations, "%s: %v", in.Name, in.Examples)
	}
	require.True(t, rep.Passed)
}
