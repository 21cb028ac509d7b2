package config_test

import (
	"bytes"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/config"
)

func setup(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if len(kv) > 7 && kv[:7] == "DDOKSO_" {
			k := kv[:bytes.IndexByte([]byte(kv), '=')]
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func TestDefaultsAreValid(t *testing.T) {
	setup(t)
	b, err := config.LoadBase()
	require.NoError(t, err)
	require.Equal(t, ":8080", b.HTTPAddr)
	require.Equal(t, "ddokso", b.Prefix)
}

func TestBadValuesNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{
		"DDOKSO_MYSQL_DSN":           "no database here",
		"DDOKSO_HTTP_ADDR":           "8080",
		"DDOKSO_LOG_LEVEL":           "loud",
		"DDOKSO_LOCAL_SCHEDULER":     "sometimes",
		"DDOKSO_LOCAL_SES_EVENTS":    "127.0.0.1:4566",
		"DDOKSO_SHUTDOWN_TIMEOUT":    "soon",
		"DDOKSO_WORKER_WAIT_TIME":    "30s",
		"DDOKSO_DEV_SHOP":            "10.0.0.5:8765",
		"DDOKSO_RELAY_BUSY_INTERVAL": "1s",
	} {
		t.Run(k, func(t *testing.T) {
			setup(t)
			t.Setenv(k, v)
			_, err := config.LoadBase()
			require.Error(t, err)
			require.Contains(t, err.Error(), k)
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestDevShopPort(t *testing.T) {
	setup(t)
	t.Setenv("DDOKSO_DEV_SHOP", "127.0.0.1:8765")
	b, err := config.LoadBase()
	require.NoError(t, err)
	require.Equal(t, 8765, b.DevShopPort())
}

func TestSecretsAreRequired(t *testing.T) {
	setup(t)
	_, err := config.LoadAPI()
	require.ErrorContains(t, err, "DDOKSO_API_JWT_SECRET")
	_, err = config.LoadNotify()
	require.ErrorContains(t, err, "DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET")
}

// TestReadmeListsEveryVariable keeps the README's configuration table in
// step with the code.
func TestReadmeListsEveryVariable(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, config.WriteTable(&buf))
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	names := regexp.MustCompile(`\| (DDOKSO_[A-Z0-9_]+) \|`).FindAllStringSubmatch(buf.String(), -1)
	require.Greater(t, len(names), 40)
	for _, m := range names {
		require.Contains(t, string(readme), "| "+m[1]+" |", "README.md lacks %s: regenerate with `ddokso config`", m[1])
	}
}
