package storetest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/store"
)

// TestEnsureMariaDBDropsOnlyDeadTestDatabases: scripts/dev/ensure-mariadb.sh
// (run by make run and make test) drops a test database only when the test
// process named in it is gone; a running test's database and any other
// database stay.
func TestEnsureMariaDBDropsOnlyDeadTestDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	deadPID := dead.Process.Pid

	live := "ddokso_t_" + strconv.Itoa(os.Getpid()) + "_5eed00000001"
	stale := "ddokso_t_" + strconv.Itoa(deadPID) + "_5eed00000002"
	other := "ddokso_sweep_other_" + strconv.Itoa(os.Getpid())
	for _, name := range []string{live, stale, other} {
		require.NoError(t, store.CreateDatabase(ctx, ServerDSN()+name))
	}
	db, err := store.Open(ctx, store.Config{DSN: ServerDSN() + other, MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, name := range []string{live, stale, other} {
			_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		}
		db.Close()
	})

	cmd := exec.Command("../../scripts/dev/ensure-mariadb.sh")
	cmd.Env = append(os.Environ(), "DDOKSO_KEEP_TEST_DBS=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	exists := func(name string) bool {
		var n int
		require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?`, name).Scan(&n))
		return n == 1
	}
	require.True(t, exists(live), "a running test's database is kept")
	require.True(t, exists(other), "databases that are not test databases are kept")
	require.False(t, exists(stale), "a dead test process's database is dropped")
}
