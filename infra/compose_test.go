package infra_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
)

const composePath = "../docker-compose.yml"

// appServices are the compose services that run the ddokso image, with the
// command each runs.
var appServices = map[string][]string{
	"migrate": {"migrate", "up"},
	"infra":   {"infra", "up"},
	"api":     {"api"},
	"scrap":   {"worker", "scrap"},
	"notify":  {"worker", "notify"},
	"batch":   {"worker", "batch"},
	"relay":   {"relay"},
}

// loadCompose loads a compose file the way `docker compose` does, with only
// env as the environment (never the test process's own).
func loadCompose(t *testing.T, path string, env map[string]string) (*types.Project, error) {
	t.Helper()
	var pairs []string
	for k, v := range env {
		pairs = append(pairs, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithName("ddokso"),
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithEnv(pairs),
		cli.WithInterpolation(true),
	)
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

func setupCompose(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadCompose(t, composePath, map[string]string{"DDOKSO_API_JWT_SECRET": "test-secret-not-real", "DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET": "test-unsub-not-real"})
	require.NoError(t, err)
	return p
}

func TestComposeServices(t *testing.T) {
	t.Parallel()
	p := setupCompose(t)

	want := []string{"mysql", "localstack"}
	for name := range appServices {
		want = append(want, name)
	}
	require.ElementsMatch(t, want, p.ServiceNames())

	mysql := p.Services["mysql"]
	require.Equal(t, "mysql:8.4", mysql.Image)
	require.NotNil(t, mysql.HealthCheck)
	require.Contains(t, strings.Join(mysql.Command, " "), "utf8mb4")

	ls := p.Services["localstack"]
	name, tag, ok := strings.Cut(ls.Image, ":")
	require.True(t, ok, "localstack image %q is not pinned", ls.Image)
	require.Equal(t, "localstack/localstack", name)
	require.NotEqual(t, "latest", tag)
	require.Regexp(t, `^\d+\.\d+\.\d+$`, tag, "pin an exact LocalStack version")
	require.NotNil(t, ls.HealthCheck)
	require.Contains(t, strings.Join(ls.HealthCheck.Test, " "), "/_localstack/health")
	require.NotNil(t, ls.Environment["SERVICES"])
	enabled := strings.Split(*ls.Environment["SERVICES"], ",")
	for _, svc := range []string{"sqs", "sns", "ses", "scheduler", "iam", "sts"} {
		require.Contains(t, enabled, svc)
	}
}

func TestComposeAppServices(t *testing.T) {
	t.Parallel()
	p := setupCompose(t)
	root, err := filepath.Abs("..")
	require.NoError(t, err)

	var build *types.BuildConfig
	for name, cmd := range appServices {
		s := p.Services[name]
		require.NotNil(t, s.Build, "%s has no build", name)
		require.Equal(t, root, s.Build.Context, "%s builds another context", name)
		require.Equal(t, "Dockerfile", s.Build.Dockerfile, "%s builds another Dockerfile", name)
		if build == nil {
			build = s.Build
		}
		require.Equal(t, build, s.Build, "%s: every role must build the same image", name)
		require.Equal(t, p.Services["api"].Image, s.Image, "%s: every role must use the same image", name)
		require.Equal(t, types.ShellCommand(cmd), s.Command, "%s command", name)

		env := s.Environment
		for k, v := range map[string]string{
			"DDOKSO_MYSQL_DSN":                 "root:ddokso@tcp(mysql:3306)/ddokso",
			"AWS_ENDPOINT_URL":                 "http://localstack:4566",
			"AWS_REGION":                       "ap-northeast-2",
			"AWS_EC2_METADATA_DISABLED":        "true",
			"DDOKSO_API_JWT_SECRET":            "test-secret-not-real",
			"DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET": "test-unsub-not-real",
		} {
			require.NotNil(t, env[k], "%s: %s unset", name, k)
			require.Equal(t, v, *env[k], "%s: %s", name, k)
		}
	}

	deps := func(name string) map[string]string {
		out := map[string]string{}
		for dep, d := range p.Services[name].DependsOn {
			out[dep] = d.Condition
		}
		return out
	}
	require.Equal(t, map[string]string{"mysql": types.ServiceConditionHealthy}, deps("migrate"))
	require.Equal(t, map[string]string{"localstack": types.ServiceConditionHealthy}, deps("infra"))
	for _, name := range []string{"api", "scrap", "notify", "batch", "relay"} {
		require.Equal(t, map[string]string{
			"migrate": types.ServiceConditionCompletedSuccessfully,
			"infra":   types.ServiceConditionCompletedSuccessfully,
		}, deps(name), "%s depends_on", name)
	}
	require.Equal(t, []string{"127.0.0.1:8080:8080"}, portStrings(p.Services["api"]))
}

func portStrings(s types.ServiceConfig) []string {
	var out []string
	for _, p := range s.Ports {
		out = append(out, p.HostIP+":"+p.Published+":"+strconv.FormatUint(uint64(p.Target), 10))
	}
	slices.Sort(out)
	return out
}

// TestComposeNeedsSecret checks that no secret is committed: loading
// without DDOKSO_API_JWT_SECRET must fail instead of using a default.
func TestComposeNeedsSecret(t *testing.T) {
	t.Parallel()
	_, err := loadCompose(t, composePath, nil)
	require.ErrorContains(t, err, "DDOKSO_API_JWT_SECRET")
}

// TestComposeBrokenFileFails makes sure the loader used above does reject
// a broken file, so the tests above cannot pass on a file compose refuses.
func TestComposeBrokenFileFails(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile(composePath)
	require.NoError(t, err)
	for name, edit := range map[string]func(string) string{
		"bad condition": func(s string) string {
			return strings.Replace(s, "service_completed_successfully", "service_finished", 1)
		},
		"missing dependency": func(s string) string {
			return strings.Replace(s, "    migrate:\n      condition", "    migrat:\n      condition", 1)
		},
		"bad yaml": func(s string) string { return s + "\n  : [\n" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			broken := edit(string(good))
			require.NotEqual(t, string(good), broken, "edit did not apply")
			path := filepath.Join(t.TempDir(), "docker-compose.yml")
			require.NoError(t, os.WriteFile(path, []byte(broken), 0o600))
			_, err := loadCompose(t, path, map[string]string{"DDOKSO_API_JWT_SECRET": "x", "DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET": "y"})
			require.Error(t, err)
			t.Logf("refused: %v", err)
		})
	}
}
