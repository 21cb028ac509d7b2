package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

func TestDevTokenFromDevEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := "dev-env-secret-dev-env-secret-00"
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dev.env"), []byte("DDOKSO_API_JWT_SECRET="+secret+"\nDDOKSO_API_ADMIN_KEY=k\n"), 0o600))
	cmd := exec.Command(binary(t), "dev", "token", "--email", "you@example.com")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DDOKSO_API_JWT_SECRET=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.Output()
	require.NoError(t, err)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(strings.TrimSpace(string(out)), claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	require.NoError(t, err, "an HS256 token signed with .dev.env's secret")
	require.Equal(t, "you@example.com", claims["email"])
	require.Equal(t, "dev-you-at-example-com", claims["sub"])

	// No secret anywhere: a clear error, not a token signed with nothing.
	cmd = exec.Command(binary(t), "dev", "token")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "DDOKSO_API_JWT_SECRET is neither set nor in .dev.env")
}
