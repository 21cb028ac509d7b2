package main_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/iamcheck"
	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

// processKinds maps each split-mode process to the role of the
// CloudFormation template its host runs under.
var processKinds = []struct {
	name string
	args []string
	role string
}{
	{"api", []string{"api"}, "ApiRole"},
	{"relay", []string{"relay"}, "BatchRole"},
	{"scrap", []string{"worker", "scrap"}, "ScrapRole"},
	{"notify", []string{"worker", "notify"}, "NotifyRole"},
	{"batch", []string{"worker", "batch"}, "BatchRole"},
}

// priceShop serves the JSON-LD product page with a price the test sets.
func priceShop(t *testing.T) (*httptest.Server, *atomic.Value) {
	t.Helper()
	page, err := os.ReadFile("../../extract/testdata/jsonld_product.html")
	require.NoError(t, err)
	price := &atomic.Value{}
	price.Store("129.95")
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// Both the JSON-LD and the visible price change.
		_, _ = w.Write(bytes.ReplaceAll(page, []byte("129.95"), []byte(price.Load().(string))))
	}))
	t.Cleanup(shop.Close)
	return shop, price
}

// TestLeastPrivilegeOfEveryProcessKind runs ddokso as on AWS, one process
// per kind (api, relay, worker scrap, notify, batch) on a topology made by
// `infra up`, records every AWS call each makes (iamcheck.Recorder behind
// DDOKSO_AWS_CALL_LOG) through readiness, a scrape, a price drop that
// emails a watcher and a Scheduler tick that re-scrapes, and fails when a
// call is not granted by the role of that process kind in
// infra/cloudformation/ddokso.yaml. Grants no call used are logged.
func TestLeastPrivilegeOfEveryProcessKind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := binary(t)
	dsn := storetest.NewDSN(t)
	endpoint := awstest.Endpoint(t)
	prefix := "lp" + awstest.RandomHex(4)
	shop, price := priceShop(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(shop.URL, "http://"))
	dir := t.TempDir()
	const sender = "alerts@ddokso.test"
	env := append(os.Environ(),
		"DDOKSO_MYSQL_DSN="+dsn, "DDOKSO_PREFIX="+prefix, "DDOKSO_LOCAL_SCHEDULER=false",
		"DDOKSO_API_JWT_SECRET=lp-secret-lp-secret-lp-secret-lp", "DDOKSO_API_ALLOW_LOOPBACK=true",
		"DDOKSO_API_RECENT_WINDOW=1ms", "DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=lp-unsubscribe",
		"DDOKSO_NOTIFY_SENDER=ddokso <"+sender+">", "DDOKSO_NOTIFY_QUIET_START=", "DDOKSO_NOTIFY_QUIET_END=",
		"DDOKSO_FETCH_ALLOW_LOOPBACK=true", "DDOKSO_FETCH_PORTS="+port, "DDOKSO_FETCH_IGNORE_ROBOTS=true",
		"DDOKSO_FETCH_HOST_INTERVAL=0s", "DDOKSO_SHUTDOWN_TIMEOUT=5s",
		"AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=ap-northeast-2", "AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing", "AWS_EC2_METADATA_DISABLED=true",
	)
	for _, args := range [][]string{{"migrate", "up"}, {"infra", "up"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}
	// The sender identity is verified once by the operator, outside ddokso.
	cfg := awstest.Config(t)
	_, _ = sesv2.NewFromConfig(cfg).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(sender)})

	ready := map[string]string{} // admin base URL (/readyz) by kind
	var apiBase string
	for _, k := range processKinds {
		addr, admin := freeAddr(t), freeAddr(t)
		if k.name == "api" {
			apiBase = "http://" + addr
		}
		cmd := exec.Command(bin, k.args...)
		cmd.Env = append(env, "DDOKSO_HTTP_ADDR="+addr, "DDOKSO_ADMIN_ADDR="+admin,
			iamcheck.EnvCallLog+"="+filepath.Join(dir, k.name+".jsonl"))
		stderr := &process.Buffer{}
		cmd.Stderr = stderr
		require.NoError(t, cmd.Start())
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
			}
			if t.Failed() {
				t.Logf("%s stderr:\n%s", k.name, stderr.Tail(3000))
			}
		})
		ready[k.name] = "http://" + admin
	}
	for name, base := range ready {
		require.Eventually(t, answers200(base+"/readyz"), 60*time.Second, 100*time.Millisecond, "%s never ready", name)
	}
	db, err := store.Open(ctx, store.Config{DSN: dsn, MaxOpenConns: 2})
	require.NoError(t, err)
	defer db.Close()

	scrape := func() {
		t.Helper()
		resp, err := http.Post(apiBase+"/api/v1/scrapes", "application/json", strings.NewReader(fmt.Sprintf(`{"url":%q}`, shop.URL+"/products/trail-runner-2")))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	observations := func() int {
		var n int
		require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM price_observations`).Scan(&n))
		return n
	}
	scrape()
	require.Eventually(t, func() bool { return observations() >= 1 }, 60*time.Second, 100*time.Millisecond, "the first scrape never finished")

	// A watcher of the product, then a price drop: price.changed reaches
	// the notify worker, which mails through SES.
	_, err = db.Exec(`INSERT INTO users (id, email) VALUES ('lp-user', 'lp@example.com')`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO watches (user_id, product_id, rule, channel_email, channel_push) SELECT 'lp-user', id, 'any_drop', TRUE, FALSE FROM products`)
	require.NoError(t, err)
	price.Store("99.95")
	scrape()
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM notifications WHERE user_id = 'lp-user' AND status = 'sent'`).Scan(&n))
		return n == 1
	}, 60*time.Second, 100*time.Millisecond, "the alert was never sent")

	// A Scheduler firing on the batch queue re-scrapes the due product.
	_, err = db.Exec(`UPDATE products SET next_check_at = NOW(6) - INTERVAL 1 HOUR, lease_until = NULL`)
	require.NoError(t, err)
	before := observations()
	price.Store("89.95")
	topo := infra.Default(prefix)
	q, err := sqs.NewFromConfig(cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(topo.QueueName(infra.QueueBatch))})
	require.NoError(t, err)
	tick, err := events.NewTick(events.TypeRescrapeDue, time.Now()).Marshal()
	require.NoError(t, err)
	_, err = sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(string(tick))})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return observations() > before }, 60*time.Second, 100*time.Millisecond, "the tick never re-scraped")

	// Readiness once more, after the work.
	for name, base := range ready {
		resp, err := http.Get(base + "/readyz")
		require.NoError(t, err, name)
		resp.Body.Close()
	}

	tmpl, err := iamcheck.LoadTemplate("../../infra/cloudformation/ddokso.yaml", iamcheck.Env{
		Region: "ap-northeast-2", AccountID: "123456789012", Params: map[string]string{"Prefix": prefix}})
	require.NoError(t, err)
	var denied []string
	for _, k := range processKinds {
		calls, err := iamcheck.ReadCalls(filepath.Join(dir, k.name+".jsonl"))
		require.NoError(t, err, k.name)
		require.NotEmpty(t, calls, "%s made no AWS call", k.name)
		policy, err := tmpl.RolePolicy(k.role)
		require.NoError(t, err)
		bad, unused := policy.Check(calls)
		seen := map[string]bool{}
		for _, c := range bad {
			line := fmt.Sprintf("%s (%s): %s (%s) on %v", k.name, k.role, c.Action, c.Operation, c.Resources)
			if !seen[line] {
				seen[line] = true
				denied = append(denied, line)
			}
		}
		sort.Strings(unused)
		t.Logf("%s (%s): %d calls; grants no call used: %v", k.name, k.role, len(calls), unused)
	}
	require.Empty(t, denied, "calls the template's roles do not grant")
}
