package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lookTool finds a linter on PATH or in GOBIN/GOPATH/bin (where
// `go install` puts actionlint), or skips the test.
func lookTool(t *testing.T, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dirs := []string{os.Getenv("GOBIN")}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.Join(strings.TrimSpace(string(out)), "bin"))
	}
	for _, d := range dirs {
		if p := filepath.Join(d, name); d != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	t.Skipf("%s is not installed (%s)", name, install)
	return ""
}

// TestWorkflowsActionlint lints .github/workflows (and their run: scripts,
// through shellcheck when it is installed).
func TestWorkflowsActionlint(t *testing.T) {
	t.Parallel()
	bin := lookTool(t, "actionlint", "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12")
	cmd := exec.Command(bin, "-no-color")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "actionlint findings:\n%s", out)
	require.Empty(t, strings.TrimSpace(string(out)))
}

func TestRolloutShellcheck(t *testing.T) {
	t.Parallel()
	bin := lookTool(t, "shellcheck", "apt-get install shellcheck")
	out, err := exec.Command(bin, "rollout.sh").CombinedOutput()
	require.NoError(t, err, "shellcheck findings:\n%s", out)
}
