// Package awstest gives tests a real AWS-API endpoint (moto_server, or
// whatever AWS_ENDPOINT_URL names) and a freshly applied, uniquely named
// topology on it, so tests in parallel never see each other's messages.
package awstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/emulator"
)

var (
	startOnce sync.Once
	endpoint  string
	startErr  error
)

// Endpoint returns the AWS-API endpoint for tests: AWS_ENDPOINT_URL when set
// (make test starts one moto_server for the whole run), otherwise a
// moto_server started for this test binary on a free loopback port, which
// dies with the binary.
func Endpoint(t testing.TB) string {
	t.Helper()
	startOnce.Do(func() {
		if e := os.Getenv("AWS_ENDPOINT_URL"); e != "" {
			endpoint = e
			return
		}
		endpoint, startErr = startMoto()
	})
	if startErr != nil {
		t.Fatalf("awstest: no AWS endpoint: set AWS_ENDPOINT_URL or install moto_server: %v", startErr)
	}
	return endpoint
}

func startMoto() (string, error) {
	// Started once per test binary and left to die with it (the child is
	// killed when this process exits).
	s, err := emulator.Start(context.Background(), emulator.Config{Kind: emulator.Moto})
	if err != nil {
		return "", err
	}
	return s.Endpoint(), nil
}

// Config returns an SDK config for the test endpoint with dummy credentials.
func Config(t testing.TB) aws.Config {
	t.Helper()
	ep := Endpoint(t)
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(envOr("AWS_REGION", "ap-northeast-2")),
		config.WithBaseEndpoint(ep),
		config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing", Source: "awstest"}, nil
		})),
		config.WithRetryMaxAttempts(5),
	)
	if err != nil {
		t.Fatalf("awstest: load config: %v", err)
	}
	return cfg
}

// Stack is an applied topology with a unique prefix.
type Stack struct {
	Topology infra.Topology
	Resolved infra.Resolved
	Clients  infra.Clients
	Config   aws.Config
	Endpoint string
}

// NewStack applies a uniquely prefixed copy of the default topology
// (schedules included) and returns it. mutate, when given, may change the
// topology first (e.g. shorter visibility timeouts for retry tests).
func NewStack(t testing.TB, mutate ...func(*infra.Topology)) *Stack {
	t.Helper()
	cfg := Config(t)
	topo := infra.Default("t" + RandomHex(6))
	for _, m := range mutate {
		m(&topo)
	}
	clients := infra.NewClients(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := topo.Apply(ctx, clients, infra.ApplyOptions{SchedulerRoleARN: "arn:aws:iam::123456789012:role/ddokso-scheduler"})
	if err != nil {
		t.Fatalf("awstest: apply topology: %v", err)
	}
	return &Stack{Topology: topo, Resolved: res, Clients: clients, Config: cfg, Endpoint: Endpoint(t)}
}

// RandomHex returns n random bytes as hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Documented reads a body written from AWS's documentation: the test's
// testdata/aws/name (named for the form; name may climb to another
// package's testdata).
func Documented(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "aws", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
