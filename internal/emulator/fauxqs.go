package emulator

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// FauxqsLauncher returns the path of the fauxqs launcher: $DDOKSO_FAUXQS
// when set, otherwise what scripts/dev/ensure-fauxqs.sh (found above the
// working directory) installs and prints. The first call on a new machine
// installs fauxqs and Node.js 22 from the npm registry (about 10 s).
func FauxqsLauncher(ctx context.Context) (string, error) {
	if p := os.Getenv("DDOKSO_FAUXQS"); p != "" {
		return p, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, "scripts", "dev", "ensure-fauxqs.sh")
	cmd := exec.CommandContext(ctx, script)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("emulator: %s: %w: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// ModuleRoot returns the directory of the go.mod at or above the working
// directory: where the repository's scripts are, whether a command runs
// from the root (go run) or from a package directory (go test).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoModuleRoot
		}
		dir = parent
	}
}
