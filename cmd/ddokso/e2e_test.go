package main_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sesv2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds ddokso once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ddokso-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ddokso")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := process.FreeAddr()
	require.NoError(t, err)
	return addr
}

type system struct {
	cmd    *exec.Cmd
	api    string
	admin  string
	db     *sql.DB
	stderr *process.Buffer
	done   chan error
}

// setup starts `ddokso run` on a fresh database and topology, with the
// fetcher allowed to reach the loopback shop on shopPort.
func setup(t *testing.T, shopPort string, env ...string) *system {
	t.Helper()
	bin := binary(t)
	dsn := storetest.NewDSN(t)
	endpoint := awstest.Endpoint(t)
	httpAddr, adminAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(),
		"DDOKSO_MYSQL_DSN="+dsn,
		"DDOKSO_HTTP_ADDR="+httpAddr,
		"DDOKSO_ADMIN_ADDR="+adminAddr,
		"DDOKSO_PREFIX=e2e"+awstest.RandomHex(4),
		"DDOKSO_LOCAL_SCHEDULER=false",
		"DDOKSO_API_JWT_SECRET=e2e-secret-e2e-secret-e2e-secret",
		"DDOKSO_API_ALLOW_LOOPBACK=true",
		"DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=e2e-unsubscribe-secret",
		"DDOKSO_FETCH_ALLOW_LOOPBACK=true",
		"DDOKSO_FETCH_PORTS="+shopPort,
		"DDOKSO_FETCH_IGNORE_ROBOTS=true",
		"DDOKSO_SHUTDOWN_TIMEOUT=10s",
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_REGION=ap-northeast-2",
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	cmd.Env = append(cmd.Env, env...)
	stderr := &process.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	s := &system{cmd: cmd, api: "http://" + httpAddr, admin: "http://" + adminAddr, stderr: stderr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("ddokso stderr:\n%s", stderr.Tail(4000))
		}
	})
	db, err := store.Open(context.Background(), store.Config{DSN: dsn, MaxOpenConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	s.db = db
	return s
}

// waitReady waits for /readyz to answer 200.
func (s *system) waitReady(t *testing.T) {
	t.Helper()
	require.Eventually(t, answers200(s.api+"/readyz"), 60*time.Second, 100*time.Millisecond, "readyz never answered 200")
}

// answers200 is a condition for require.Eventually: url answers 200.
func answers200(url string) func() bool {
	return func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

func TestRunServesAndScrapesEndToEnd(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile("../../extract/testdata/jsonld_product.html")
	require.NoError(t, err)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	defer shop.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(shop.URL, "http://"))
	s := setup(t, port)

	start := time.Now()
	s.waitReady(t)
	t.Logf("ready after %s", time.Since(start).Round(time.Millisecond))

	// Submit a URL: the API writes the request and its outbox row, the relay
	// publishes to SNS, SNS routes to the scrap queue, the scrap worker
	// fetches, extracts and writes MySQL.
	body := fmt.Sprintf(`{"url":%q}`, shop.URL+"/products/trail-runner-2?utm_source=newsletter")
	resp, err := http.Post(s.api+"/api/v1/scrapes", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	var submitted struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&submitted))
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.NotZero(t, submitted.ID)

	var outcome map[string]any
	require.Eventually(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("%s/api/v1/scrapes/%d?wait=20s", s.api, submitted.ID))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		outcome = map[string]any{}
		_ = json.NewDecoder(resp.Body).Decode(&outcome)
		return outcome["status"] != "pending"
	}, 90*time.Second, 200*time.Millisecond)
	require.Equal(t, "done", outcome["status"], "outcome: %v", outcome)
	product, _ := outcome["product"].(map[string]any)
	require.NotNil(t, product, "outcome: %v", outcome)
	require.Equal(t, "Trail Runner 2", product["title"])
	priceJSON, _ := json.Marshal(product["price"])
	require.Contains(t, string(priceJSON), `"129.95"`)

	var price int64
	var currency string
	require.NoError(t, s.db.QueryRow(`SELECT price, currency FROM products WHERE title = 'Trail Runner 2'`).Scan(&price, &currency))
	require.EqualValues(t, 12995, price)
	require.Equal(t, "USD", currency)
	var obs, handled int
	require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM price_observations`).Scan(&obs))
	require.Positive(t, obs)
	require.NoError(t, s.db.QueryRow(`SELECT COUNT(*) FROM processed_messages`).Scan(&handled))
	require.Positive(t, handled)

	// Metrics show the scrap queue's work, on the admin address only.
	resp, err = http.Get(s.admin + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(metrics), `ddokso_queue_succeeded_total{queue="scrap"}`)
	require.Contains(t, string(metrics), `ddokso_http_requests_total`)
	resp, err = http.Get(s.api + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "no /metrics on the public API port")

	// SIGTERM: a graceful, successful exit.
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-s.done:
		require.NoError(t, err, "exit after SIGTERM")
	case <-time.After(45 * time.Second):
		t.Fatal("ddokso did not exit within 45s of SIGTERM")
	}
	require.Contains(t, s.stderr.String(), "correlation_id", "logs carry correlation ids")

	// The shutdown says what it drains and how long it took.
	logs := s.stderr.String()
	for _, msg := range []string{`"msg":"shutdown: draining every component"`, `"msg":"consumer draining`,
		`"msg":"http draining`, `"msg":"consumer stopped"`, `"msg":"shutdown complete"`} {
		require.Contains(t, logs, msg)
	}
	// The scrap queue runs DDOKSO_SCRAP_CONCURRENCY handlers, the others
	// DDOKSO_WORKER_CONCURRENCY.
	require.Regexp(t, `"msg":"consumer started","queue":"scrap","pollers":2,"concurrency":32\}`, logs)
	require.Regexp(t, `"msg":"consumer started","queue":"notify","pollers":2,"concurrency":8\}`, logs)
	// One access-log line per request, 4xx included (the /metrics probe).
	require.Regexp(t, `"level":"WARN","msg":"http request","method":"GET","route":"unmatched","status":404,"latency":\d+,"request_id":"[0-9a-f-]{36}"`, logs)
	require.Regexp(t, `"msg":"http request","method":"POST","route":"/api/v1/scrapes","status":202`, logs)
}

// TestRunBindsBeforeWorkers: "listening" comes before any worker starts,
// and a taken port stops the command at once, with no worker started.
func TestRunBindsBeforeWorkers(t *testing.T) {
	t.Parallel()
	s := setup(t, "9")
	s.waitReady(t)
	logs := s.stderr.String()
	listening := strings.Index(logs, `"msg":"listening","server":"api"`)
	workers := strings.Index(logs, `"msg":"ddokso run: all-in-one, starting workers"`)
	require.GreaterOrEqual(t, listening, 0)
	require.Greater(t, workers, listening, "the API is bound before workers start")

	// A second system on the first one's API port.
	taken := strings.TrimPrefix(s.api, "http://")
	other := setup(t, "9", "DDOKSO_HTTP_ADDR="+taken)
	start := time.Now()
	select {
	case err := <-other.done:
		require.Error(t, err, "a port conflict is an error exit")
	case <-time.After(60 * time.Second):
		t.Fatal("ddokso run with a taken port did not exit")
	}
	t.Logf("port conflict exit after %s", time.Since(start))
	out := other.stderr.String()
	require.Contains(t, out, "address already in use")
	require.Contains(t, out, "listen api on "+taken)
	for _, worker := range []string{"starting workers", "local schedule started", "consumer draining", `"msg":"listening","server":"api"`} {
		require.NotContains(t, out, worker)
	}
}

func TestConfigErrorIsOneClearLine(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "api")
	cmd.Env = append(os.Environ(), "DDOKSO_MYSQL_DSN=not a dsn", "DDOKSO_HTTP_ADDR=:8080")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 1, "output: %s", out)
	require.Contains(t, lines[0], "DDOKSO_MYSQL_DSN")

	cmd = exec.Command(binary(t), "worker", "nonsense")
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `unknown worker "nonsense"`)
}

func TestParsePriceAndExtractCLI(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary(t), "parse-price", "--currency-hint", "KRW", "판매가 12,900원").Output()
	require.NoError(t, err)
	require.JSONEq(t, `{"amount":"12900","currency":"KRW"}`, string(out))

	cmd := exec.Command(binary(t), "parse-price", "--jsonl")
	cmd.Stdin = strings.NewReader("{\"text\":\"1.234,56 €\"}\n{\"text\":\"가격문의\"}\n{\"text\":\"1,280円\",\"currency_hint\":null}\n")
	out, err = cmd.Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 3)
	require.JSONEq(t, `{"amount":"1234.56","currency":"EUR"}`, lines[0])
	require.JSONEq(t, `{"amount":null,"currency":null}`, lines[1])
	require.JSONEq(t, `{"amount":"1280","currency":"JPY"}`, lines[2])

	out, err = exec.Command(binary(t), "extract", "--url", "https://shop.alpinegear.com/products/trail-runner-2", "../../extract/testdata/jsonld_product.html").Output()
	require.NoError(t, err)
	var p map[string]any
	require.NoError(t, json.Unmarshal(out, &p))
	require.Equal(t, true, p["is_product"])
	require.Equal(t, "129.95", p["price"])
	require.Equal(t, "USD", p["currency"])
	require.Equal(t, "in_stock", p["availability"])
}

// TestRunPlaysSESSendEventsFromMoto: with DDOKSO_LOCAL_SES_EVENTS (set by
// make run), a mail moto's SES accepted for a notification that was never
// recorded as sent (a worker killed inside its send) is marked sent from
// its Send event, as the configuration set's events do on AWS.
func TestRunPlaysSESSendEventsFromMoto(t *testing.T) {
	t.Parallel()
	s := setup(t, "9", "DDOKSO_LOCAL_SES_EVENTS="+awstest.Endpoint(t))
	s.waitReady(t)

	// A claimed email row, as a worker leaves it when it dies after SES
	// accepted the mail. Its id is far from any other test's rows: moto is
	// shared, and every mail in it is played to this system.
	id := 9_000_000_000 + time.Now().UnixNano()%1_000_000_000
	_, err := s.db.Exec(`INSERT INTO notifications (id, user_id, rule, channel, status, dedupe_key, alert_key, local_day, claimed_at)
		VALUES (?, 'e2e-user', 'any_drop', 'email', 'queued', SHA2(?, 256), SHA2(?, 256), CURRENT_DATE, NOW(6))`, id, fmt.Sprint(id), fmt.Sprint(id))
	require.NoError(t, err)

	raw := fmt.Sprintf("From: alerts@ddokso.local\r\nTo: e2e@example.com\r\nSubject: price drop\r\nX-SES-MESSAGE-TAGS: ddokso-notification=%d\r\n\r\nbody\r\n", id)
	out, err := sesv2.NewFromConfig(awstest.Config(t)).SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("alerts@ddokso.local"),
		Destination:      &sesv2types.Destination{ToAddresses: []string{"e2e@example.com"}},
		Content:          &sesv2types.EmailContent{Raw: &sesv2types.RawMessage{Data: []byte(raw)}},
	})
	require.NoError(t, err)

	var status, provider string
	require.Eventually(t, func() bool {
		var p sql.NullString
		if err := s.db.QueryRow(`SELECT status, provider_message_id FROM notifications WHERE id = ?`, id).Scan(&status, &p); err != nil {
			return false
		}
		provider = p.String
		return status == "sent"
	}, 60*time.Second, 200*time.Millisecond, "the notification was never marked sent from its SES Send event")
	require.Equal(t, aws.ToString(out.MessageId), provider, "marked with the id SES gave the mail")
}

// TestPprofOnlyWhenAsked: DDOKSO_PPROF_ADDR serves the runtime profiles on
// its own listener; the admin port never does.
func TestPprofOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	pp := freeAddr(t)
	s := setup(t, "9", "DDOKSO_PPROF_ADDR="+pp)
	s.waitReady(t)
	get := func(url string) int {
		resp, err := http.Get(url)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get("http://"+pp+"/debug/pprof/cmdline"))
	require.Equal(t, http.StatusOK, get("http://"+pp+"/debug/pprof/goroutine?debug=1"))
	require.Equal(t, http.StatusNotFound, get(s.admin+"/debug/pprof/cmdline"), "the admin port serves no profiles")
}
