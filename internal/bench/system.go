package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ddokso/ddokso/store"
)

// Env is where the bench runs: the ddokso binary, MySQL and the AWS-API
// endpoint of the ddokso processes.
type Env struct {
	// Bin is the built ddokso binary.
	Bin string
	// MySQLBase is a DSN without database name, e.g. "root@tcp(127.0.0.1:3306)/".
	MySQLBase string
	// AWSEndpoint is AWS_ENDPOINT_URL (moto) for the ddokso processes.
	AWSEndpoint string
	// Messaging, when set, is the SQS and SNS endpoint (fauxqs) of the
	// ddokso processes (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SNS); SES
	// and the scheduler stay on AWSEndpoint.
	Messaging string
}

// OnMessaging returns a copy of e whose processes use endpoint for SQS
// and SNS ("" leaves e as it is).
func (e *Env) OnMessaging(endpoint string) *Env {
	c := *e
	c.Messaging = endpoint
	return &c
}

// Endpoints describes where the processes' SQS and SNS calls go.
func (e *Env) Endpoints() string {
	if e.Messaging != "" {
		return "SQS and SNS on fauxqs " + e.Messaging + ", the rest on moto " + e.AWSEndpoint
	}
	return "AWS endpoint " + e.AWSEndpoint + " (moto)"
}

// BuildBinary builds ./cmd/ddokso from the module at root into dir.
func BuildBinary(root, dir string) (string, error) {
	bin := filepath.Join(dir, "ddokso")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/ddokso")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ddokso: %w\n%s", err, out)
	}
	return bin, nil
}

// System is one fresh ddokso deployment: its own database and topology prefix.
type System struct {
	Env    *Env
	DSN    string
	Prefix string
	DB     *sql.DB
	dbName string
	procs  []*Proc
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewSystem creates a database and a topology (migrate up, infra up).
func (e *Env) NewSystem(ctx context.Context) (*System, error) {
	s := &System{Env: e, Prefix: "bench" + randomHex(3), dbName: "ddokso_bench_" + randomHex(4)}
	admin, err := sql.Open("mysql", e.MySQLBase)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+s.dbName+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	s.DSN = strings.TrimSuffix(e.MySQLBase, "/") + "/" + s.dbName
	if err := Run(e.Bin, s.BaseEnv(), "migrate", "up"); err != nil {
		s.Close()
		return nil, err
	}
	if err := Run(e.Bin, s.BaseEnv(), "infra", "up"); err != nil {
		s.Close()
		return nil, err
	}
	s.DB, err = store.Open(ctx, store.Config{DSN: s.DSN, MaxOpenConns: 8})
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// BaseEnv is the environment every ddokso process of the system gets.
func (s *System) BaseEnv() []string {
	env := []string{
		"DDOKSO_MYSQL_DSN=" + s.DSN,
		"DDOKSO_PREFIX=" + s.Prefix,
		"DDOKSO_LOG_LEVEL=warn",
		"DDOKSO_LOCAL_SCHEDULER=false",
		"DDOKSO_API_JWT_SECRET=bench-secret-bench-secret-bench-secret",
		"DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=bench-unsubscribe-secret",
		"DDOKSO_API_ALLOW_LOOPBACK=true",
		"DDOKSO_FETCH_ALLOW_LOOPBACK=true",
		"DDOKSO_FETCH_IGNORE_ROBOTS=true",
		"DDOKSO_SHUTDOWN_TIMEOUT=5s",
		"AWS_ENDPOINT_URL=" + s.Env.AWSEndpoint,
		"AWS_REGION=ap-northeast-2",
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if s.Env.Messaging != "" {
		env = append(env, "AWS_ENDPOINT_URL_SQS="+s.Env.Messaging, "AWS_ENDPOINT_URL_SNS="+s.Env.Messaging)
	}
	return env
}

// Start starts `ddokso args...` with the system's environment plus env.
func (s *System) Start(name string, env []string, args ...string) (*Proc, error) {
	p, err := Start(name, s.Env.Bin, append(s.BaseEnv(), env...), args...)
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	return p, nil
}

// Close stops the processes and drops the database.
func (s *System) Close() {
	for _, p := range s.procs {
		p.Stop()
	}
	if s.DB != nil {
		s.DB.Close()
	}
	if os.Getenv("DDOKSO_BENCH_KEEP_DB") != "" {
		return
	}
	if admin, err := sql.Open("mysql", s.Env.MySQLBase); err == nil {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + s.dbName)
		admin.Close()
	}
}
