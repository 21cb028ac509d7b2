package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/telemetry"
)

func TestAccessLogOneLinePerRequest(t *testing.T) {
	t.Parallel()
	logs := &process.Buffer{}
	hs := setup(t, func(d *Deps) { d.Logger = telemetry.NewLogger(logs, "info") })

	ok := hs.do("GET", "/api/v1/products", nil, withHeader("X-Request-ID", "req-ok-1"))
	require.Equal(t, http.StatusOK, ok.Code)
	bad := hs.do("GET", "/api/v1/products/999999", nil, withHeader("X-Request-ID", "req-404-1"))
	require.Equal(t, http.StatusNotFound, bad.Code)
	hs.do("POST", "/api/v1/me/watches", strings.NewReader(`{}`)) // 401, no request id sent

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		if rec["msg"] == "http request" {
			lines = append(lines, rec)
		}
	}
	require.Len(t, lines, 3, "one line per request")
	require.Equal(t, "GET", lines[0]["method"])
	require.Equal(t, "/api/v1/products", lines[0]["route"])
	require.EqualValues(t, 200, lines[0]["status"])
	require.Equal(t, "req-ok-1", lines[0]["request_id"])
	require.Equal(t, "INFO", lines[0]["level"])
	require.Contains(t, lines[0], "latency")

	require.Equal(t, "/api/v1/products/:id", lines[1]["route"], "the route pattern, not the raw path")
	require.EqualValues(t, 404, lines[1]["status"])
	require.Equal(t, "req-404-1", lines[1]["request_id"])
	require.Equal(t, "WARN", lines[1]["level"], "4xx reach the logs")

	require.Equal(t, "POST", lines[2]["method"])
	require.EqualValues(t, 401, lines[2]["status"])
	require.NotEmpty(t, lines[2]["request_id"], "a minted id is logged too")
	require.Equal(t, slog.LevelWarn.String(), lines[2]["level"])
}
