// Package deploy_test checks the host deploy script and the GitHub Actions
// workflows that call it.
package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeDocker keeps containers as files under $FAKE_STATE/c/<name> (lines:
// state, host port, image) and logs every call to $FAKE_STATE/calls.
const fakeDocker = `#!/usr/bin/env bash
set -euo pipefail
s=$FAKE_STATE
mkdir -p "$s/c"
echo "$*" >>"$s/calls"
cmd=$1; shift
case $cmd in
pull) [[ ${FAKE_PULL_FAIL:-} != 1 ]] ;;
inspect)
	f=$s/c/$3
	[[ -f $f ]] || exit 1
	st=$(sed -n 1p "$f")
	if [[ $2 == *Status* ]]; then echo "status=$st exit=1"
	elif [[ $st == running ]]; then echo true; else echo false; fi ;;
run)
	name="" port="" detach=0
	while [[ $# -gt 0 ]]; do
		case $1 in
		--name) name=$2; shift 2 ;;
		--publish) port=${2#*:}; port=${port%%:*}; shift 2 ;;
		--env | --env-file | --label | --restart) shift 2 ;;
		--detach) detach=1; shift ;;
		--rm) shift ;;
		*) break ;;
		esac
	done
	image=$1
	if [[ $detach == 0 ]]; then [[ ${FAKE_MIGRATE_FAIL:-} != 1 ]]; exit; fi
	[[ ! -f $s/c/$name ]] || { echo "conflict: $name exists" >&2; exit 1; }
	st=running code=0
	[[ $image != "${FAKE_EXIT_IMAGE:-none}" ]] || st=exited
	if [[ $name == *-migrate ]]; then st=exited; [[ ${FAKE_MIGRATE_FAIL:-} != 1 ]] || code=1; fi
	printf '%s\n%s\n%s\n%s\n' "$st" "$port" "$image" "$code" >"$s/c/$name" ;;
wait)
	[[ -f $s/c/$1 ]] || exit 1
	sed -i 1s/.*/exited/ "$s/c/$1"
	code=$(sed -n 4p "$s/c/$1"); echo "${code:-0}" ;;
logs) [[ -f $s/c/$1 ]] ;;
rm) rm -f "$s/c/$2" ;;
stop) [[ -f $s/c/$3 ]] && sed -i 1s/.*/exited/ "$s/c/$3" ;;
start) [[ -f $s/c/$1 ]] && sed -i 1s/.*/running/ "$s/c/$1" ;;
*) echo "fake docker: unexpected $cmd" >&2; exit 3 ;;
esac
`

// fakeCurl answers /readyz for a running fake container on the URL's port,
// unless its image is FAKE_UNHEALTHY_IMAGE, or FAKE_FLAKY_IMAGE once an old
// container was stopped.
const fakeCurl = `#!/usr/bin/env bash
set -euo pipefail
url=${*: -1}
port=${url#http://127.0.0.1:}; port=${port%%/*}
for f in "$FAKE_STATE"/c/*; do
	[[ -f $f ]] || continue
	mapfile -t c <"$f"
	[[ ${c[0]} == running && ${c[1]} == "$port" ]] || continue
	[[ ${c[2]} != "${FAKE_UNHEALTHY_IMAGE:-none}" ]] || exit 22
	if [[ ${c[2]} == "${FAKE_FLAKY_IMAGE:-none}" ]] && grep -q '^stop ' "$FAKE_STATE/calls"; then exit 22; fi
	exit 0
done
exit 7
`

const secret = "s3cr3t-jwt-value-never-printed"

type host struct {
	dir, state, envFile string
}

func setup(t *testing.T) host {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	h := host{dir: dir, state: filepath.Join(dir, "state"), envFile: filepath.Join(dir, "prod.env")}
	require.NoError(t, os.MkdirAll(filepath.Join(h.state, "c"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "docker"), []byte(fakeDocker), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "curl"), []byte(fakeCurl), 0o755))
	require.NoError(t, os.WriteFile(h.envFile, []byte("DDOKSO_JWT_SECRET="+secret+"\n"), 0o600))
	return h
}

// rollout runs the script against the fake host and returns its output.
func (h host) rollout(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"rollout.sh"}, args...)...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"FAKE_STATE=" + h.state,
		"DOCKER=" + filepath.Join(h.dir, "docker"),
		"CURL=" + filepath.Join(h.dir, "curl"),
		"DDOKSO_ENV=prod",
		"DDOKSO_ENV_FILE=" + h.envFile,
		"READY_TIMEOUT=1",
		"READY_INTERVAL=0.05",
	}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	require.NotContains(t, out.String(), secret, "the script printed a secret")
	return out.String(), err
}

// containers returns name -> "state image".
func (h host) containers(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, err := filepath.Glob(filepath.Join(h.state, "c", "*"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		l := strings.Split(strings.TrimSpace(string(b)), "\n")
		out[filepath.Base(f)] = l[0] + " " + l[2]
	}
	return out
}

func (h host) calls(t *testing.T) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(h.state, "calls"))
	return string(b)
}

func TestRolloutBlueGreen(t *testing.T) {
	t.Parallel()
	h := setup(t)

	out, err := h.rollout(t, nil, "api", "repo/ddokso:1")
	require.NoError(t, err, out)
	require.Equal(t, map[string]string{"ddokso-api-blue": "running repo/ddokso:1"}, h.containers(t))
	require.Contains(t, h.calls(t), "--publish 0.0.0.0:8081:8080")

	out, err = h.rollout(t, nil, "api", "repo/ddokso:2")
	require.NoError(t, err, out)
	require.Equal(t, map[string]string{
		"ddokso-api-blue":  "exited repo/ddokso:1",
		"ddokso-api-green": "running repo/ddokso:2",
	}, h.containers(t))
	calls := h.calls(t)
	require.Less(t, strings.Index(calls, "run --detach --name ddokso-api-green"), strings.Index(calls, "stop --time 60 ddokso-api-blue"),
		"the old container must be stopped only after the new one started")

	out, err = h.rollout(t, nil, "api", "repo/ddokso:3")
	require.NoError(t, err, out)
	require.Equal(t, map[string]string{
		"ddokso-api-blue":  "running repo/ddokso:3",
		"ddokso-api-green": "exited repo/ddokso:2",
	}, h.containers(t))
}

func TestRolloutWorkerPorts(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out, err := h.rollout(t, nil, "scrap", "repo/ddokso:1")
	require.NoError(t, err, out)
	require.Contains(t, h.calls(t), "--publish 127.0.0.1:9101:9090")
	require.Contains(t, h.calls(t), "repo/ddokso:1 worker scrap")
}

func TestRolloutNeverReadyKeepsOld(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, err := h.rollout(t, nil, "notify", "repo/ddokso:1")
	require.NoError(t, err)

	out, err := h.rollout(t, []string{"FAKE_UNHEALTHY_IMAGE=repo/ddokso:bad"}, "notify", "repo/ddokso:bad")
	require.Error(t, err)
	require.Contains(t, out, "not ready")
	require.Equal(t, map[string]string{"ddokso-notify-blue": "running repo/ddokso:1"}, h.containers(t))
	require.NotContains(t, h.calls(t), "stop ")
}

func TestRolloutCrashingContainerFailsFast(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out, err := h.rollout(t, []string{"FAKE_EXIT_IMAGE=repo/ddokso:crash", "READY_TIMEOUT=600"}, "batch", "repo/ddokso:crash")
	require.Error(t, err)
	require.Contains(t, out, "is not running")
	require.Empty(t, h.containers(t))
}

func TestRolloutRollsBackAfterSwitch(t *testing.T) {
	t.Parallel()
	h := setup(t)
	_, err := h.rollout(t, nil, "relay", "repo/ddokso:1")
	require.NoError(t, err)

	out, err := h.rollout(t, []string{"FAKE_FLAKY_IMAGE=repo/ddokso:flaky"}, "relay", "repo/ddokso:flaky")
	require.Error(t, err)
	require.Contains(t, out, "rolled back")
	require.Equal(t, map[string]string{"ddokso-relay-blue": "running repo/ddokso:1"}, h.containers(t))
}

func TestRolloutMigrate(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out, err := h.rollout(t, nil, "migrate", "repo/ddokso:1")
	require.NoError(t, err, out)
	require.Contains(t, h.calls(t), "repo/ddokso:1 migrate up")
	require.Empty(t, h.containers(t))

	_, err = h.rollout(t, []string{"FAKE_MIGRATE_FAIL=1"}, "migrate", "repo/ddokso:2")
	require.Error(t, err)
	require.Empty(t, h.containers(t))
}

// TestRolloutMigrateWaitsForALeftOverMigration: a migration a cancelled
// deploy left running (it runs detached, so cancelling never stops it
// midway) is waited for before the next one starts.
func TestRolloutMigrateWaitsForALeftOverMigration(t *testing.T) {
	t.Parallel()
	h := setup(t)
	require.NoError(t, os.MkdirAll(filepath.Join(h.state, "c"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(h.state, "c", "ddokso-migrate"), []byte("running\n\nrepo/ddokso:0\n0\n"), 0o644))
	out, err := h.rollout(t, nil, "migrate", "repo/ddokso:1")
	require.NoError(t, err, out)
	calls := h.calls(t)
	wait, run := strings.Index(calls, "wait ddokso-migrate"), strings.Index(calls, "run --detach --name ddokso-migrate")
	require.True(t, wait >= 0 && run > wait, "waited for the running migration before starting: %s", calls)
	require.Empty(t, h.containers(t))
}

// TestRolloutPassesTrustedProxies: the workflow's VPC range reaches the API
// container.
func TestRolloutPassesTrustedProxies(t *testing.T) {
	t.Parallel()
	h := setup(t)
	out, err := h.rollout(t, []string{"DDOKSO_API_TRUSTED_PROXIES=10.0.0.0/16"}, "api", "repo/ddokso:1")
	require.NoError(t, err, out)
	require.Contains(t, h.calls(t), "--env DDOKSO_API_TRUSTED_PROXIES=10.0.0.0/16")
}

func TestRolloutRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for name, tc := range map[string]struct {
		env  []string
		args []string
	}{
		"unknown service": {nil, []string{"web", "repo/ddokso:1"}},
		"missing image":   {nil, []string{"api"}},
		"bad env":         {[]string{"DDOKSO_ENV=staging"}, []string{"api", "repo/ddokso:1"}},
		"no env file":     {[]string{"DDOKSO_ENV_FILE=" + filepath.Join(h.dir, "missing.env")}, []string{"api", "repo/ddokso:1"}},
		"pull fails":      {[]string{"FAKE_PULL_FAIL=1"}, []string{"api", "repo/ddokso:1"}},
	} {
		out, err := h.rollout(t, tc.env, tc.args...)
		require.Error(t, err, "%s: %s", name, out)
	}
	require.Empty(t, h.containers(t))
	require.NotContains(t, h.calls(t), "run ")
}
