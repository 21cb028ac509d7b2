// Package chaos is ddokso's chaos and load harness: it runs the real system as
// separate processes (API, relay, two scrap workers, two notify workers, the
// batch worker) against a private MariaDB, the AWS emulators (SQS and SNS
// on fauxqs, SES and the scheduler on moto_server; see infra/emulator) and a
// fake shop on loopback, loads it through the API, breaks it on purpose (kill -9 of
// workers, a database crash, an emulator restart, poison and duplicated
// messages) and checks at the end that nothing was lost, doubled or let in.
package chaos

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/emulator"
	"github.com/ddokso/ddokso/internal/fakeshop"
	"github.com/ddokso/ddokso/internal/process"
	"github.com/ddokso/ddokso/store"
)

const (
	jwtSecret = "chaos-jwt-secret-chaos-jwt-secret-0123"
	adminKey  = "chaos-admin-key-0123456789"
	sender    = "alerts@ddokso.local"
)

// harness holds one run's moving parts.
type harness struct {
	cfg    Config
	log    *slog.Logger
	out    string
	bin    string
	prefix string
	env    []string

	db     *mariadb
	moto   *emulator.Server // SES (sent mail) and the scheduler
	mq     *emulator.Server // fauxqs: SQS and SNS, where queues and messages live
	shop   *fakeshop.Shop
	canary *canary
	sdb    *sql.DB
	awsCfg aws.Config
	sqs    *sqs.Client   // on fauxqs
	ses    *sesv2.Client // on moto
	topo   infra.Topology
	res    infra.Resolved
	// receipts plays SES's event publishing (moto has none): one Send
	// event per mail moto accepted, to the ses-events topic on fauxqs.
	receipts *emulator.SESEvents
	// sesFault kills notify-1 inside its SES calls while prices move.
	sesFault *sesFault

	api    *proc
	procs  []*proc // every ddokso process but the API
	killer []*proc // the ones kill -9 may hit
	apiURL string

	mu         sync.Mutex
	faults     []Fault
	accepted   []accepted
	rejected   map[int]int
	poison     map[string][]string // logical queue -> bodies sent
	duplicates int
	unexpected map[string]int
	// startFailures counts processes that exited during start-up.
	startFailures map[string]int
	// spareBatch keeps the batch worker out of the kills from the poison burst on.
	spareBatch bool
	// tickGate is held while a tick waits for the batch worker's dead long
	// polls to expire and is sent; the batch worker is not killed meanwhile.
	tickGate  sync.Mutex
	moveStart time.Time
	quiesceAt time.Time
	productOf map[int]int64 // shop index -> product id
	watches   []watch
}

// Fault is one injected fault.
type Fault struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}

type accepted struct {
	ID      int64
	Index   int
	Sent    time.Time
	Attempt int
}

// Run executes one chaos run with cfg and returns its report. The error is
// non-nil when the run could not be carried out; a run that finished with
// violated invariants returns a report whose Passed is false.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("chaos config: %w", err)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	out, err := filepath.Abs(cfg.OutDir)
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(out)
	if err := os.MkdirAll(filepath.Join(out, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("out dir: %w", err)
	}
	h := &harness{cfg: cfg, log: log, out: out, rejected: map[int]int{}, poison: map[string][]string{},
		unexpected: map[string]int{}, startFailures: map[string]int{}, productOf: map[int]int64{}, prefix: "chaos" + strconv.FormatInt(time.Now().Unix()%1e6, 10)}
	defer h.teardown()
	rep, err := h.run(ctx)
	if rep != nil {
		if werr := rep.Write(out); werr != nil && err == nil {
			err = werr
		}
	}
	return rep, err
}

func (h *harness) logFile(name string) io.Writer {
	f, err := os.Create(h.logPath(name))
	if err != nil {
		return io.Discard
	}
	return f
}

// logPath is where logFile writes the log of the process called name.
func (h *harness) logPath(name string) string {
	return filepath.Join(h.out, "logs", name+".log")
}

// logCount counts the lines holding substr in the logs of the processes
// whose name starts with prefix (every incarnation writes the same file).
func (h *harness) logCount(prefix, substr string) int {
	files, _ := filepath.Glob(filepath.Join(h.out, "logs", prefix+"*.log"))
	n := 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		n += bytes.Count(b, []byte(substr))
	}
	return n
}

func (h *harness) fault(kind, target, detail string) {
	h.mu.Lock()
	h.faults = append(h.faults, Fault{At: time.Now(), Kind: kind, Target: target, Detail: detail})
	h.mu.Unlock()
	h.log.Info("fault", "kind", kind, "target", target, "detail", detail)
}

func (h *harness) run(ctx context.Context) (*Report, error) {
	t0 := time.Now()
	if err := h.up(ctx); err != nil {
		return nil, err
	}
	h.log.Info("system up", "took", time.Since(t0).Round(time.Millisecond), "api", h.apiURL)

	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); h.watchdog(bg) }()
	go func() { defer wg.Done(); h.sampler(bg) }()
	go func() { defer wg.Done(); _ = h.receipts.Run(bg) }()
	killCtx, stopKills := context.WithCancel(bg)
	if h.cfg.KillEvery > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); h.killLoop(killCtx) }()
	}
	defer func() { stopKills(); stopBG(); wg.Wait() }()

	// Phase 1: submissions under kills, one emulator restart, one database crash.
	if err := h.submitAll(ctx); err != nil {
		return nil, err
	}
	if err := h.waitOutcomes(ctx); err != nil {
		return nil, err
	}
	// Phase 2: watches.
	if err := h.createWatches(ctx); err != nil {
		return nil, err
	}
	if err := h.waitDrained(ctx, false); err != nil {
		return nil, err
	}
	// Phase 3: prices move, ticks, poison, duplicates, security sweep; kills go on.
	h.sesFault.arm(true)
	sec, err := h.move(ctx)
	h.sesFault.arm(false)
	if err != nil {
		return nil, err
	}
	// Phase 4: quiesce: no more kills, faults or moves; every good product is
	// checked once more and every queue drains.
	stopKills()
	h.shop.SetFaults(false)
	if err := h.quiesce(ctx); err != nil {
		return nil, err
	}
	if err := h.waitDrained(ctx, true); err != nil {
		return nil, err
	}
	for _, p := range append([]*proc{h.api}, h.procs...) {
		p.sampleNow(ctx)
	}
	rep, err := h.check(ctx, sec)
	if err != nil {
		return nil, err
	}
	rep.Duration = time.Since(t0).Round(time.Second).String()
	return rep, nil
}

// up starts MariaDB, moto, the shop, the canary and every ddokso process.
func (h *harness) up(ctx context.Context) error {
	// The build and the backing services start side by side.
	var wg sync.WaitGroup
	var errBin, errDB, errMoto, errMQ error
	wg.Add(4)
	go func() { defer wg.Done(); h.bin, errBin = h.binary(ctx) }()
	go func() {
		defer wg.Done()
		dbDir, err := os.MkdirTemp("", "ddokso-chaos-mariadb")
		if err != nil {
			errDB = fmt.Errorf("mariadb dir: %w", err)
			return
		}
		h.db, errDB = newMariaDB(ctx, dbDir, h.logFile("mariadb"))
	}()
	go func() {
		defer wg.Done()
		h.moto, errMoto = emulator.Start(ctx, emulator.Config{Kind: emulator.Moto, Log: h.logFile("moto")})
	}()
	go func() {
		defer wg.Done()
		h.mq, errMQ = emulator.Start(ctx, emulator.Config{Kind: emulator.Fauxqs, Log: h.logFile("fauxqs")})
	}()
	wg.Wait()
	if err := errors.Join(errBin, errDB, errMoto, errMQ); err != nil {
		return err
	}
	var err error
	h.shop, err = fakeshop.New(fakeshop.Config{Products: h.cfg.Submissions, BadShare: h.cfg.BadShare, DescenderShare: 0.3,
		FaultRate: h.cfg.FaultRate, Timeout: 8 * time.Second, Seed: h.cfg.Seed})
	if err != nil {
		return err
	}
	if err := h.shop.Start(); err != nil {
		return err
	}
	if h.canary, err = newCanary(); err != nil {
		return err
	}
	apiPort, err := process.FreePort()
	if err != nil {
		return err
	}
	h.apiURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	h.env = append(os.Environ(),
		"DDOKSO_MYSQL_DSN="+h.db.DSN("ddokso"),
		"DDOKSO_MYSQL_MAX_CONNS=10",
		"DDOKSO_PREFIX="+h.prefix,
		"DDOKSO_LOG_LEVEL=info",
		"DDOKSO_LOCAL_SCHEDULER=false",
		"DDOKSO_SHUTDOWN_TIMEOUT=10s",
		"DDOKSO_FETCH_HOST_INTERVAL=0s",
		"DDOKSO_FETCH_ALLOW_LOOPBACK=true",
		"DDOKSO_FETCH_PORTS="+h.shop.Port(),
		"DDOKSO_FETCH_IGNORE_ROBOTS=true",
		"DDOKSO_API_JWT_SECRET="+jwtSecret,
		"DDOKSO_API_ADMIN_KEY="+adminKey,
		"DDOKSO_API_ALLOW_LOOPBACK=true",
		"DDOKSO_API_USER_RATE=100000", "DDOKSO_API_USER_BURST=100000",
		"DDOKSO_API_IP_RATE=100000", "DDOKSO_API_IP_BURST=100000",
		"DDOKSO_API_RECENT_WINDOW=1s",
		"DDOKSO_SCRAP_FETCH_TIMEOUT=6s",
		"DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=chaos-unsubscribe-secret",
		"DDOKSO_NOTIFY_SENDER=ddokso <"+sender+">",
		"DDOKSO_NOTIFY_QUIET_START=00:00", "DDOKSO_NOTIFY_QUIET_END=00:00",
		"DDOKSO_NOTIFY_COOLDOWN=0s", "DDOKSO_NOTIFY_DAILY_CAP=100000",
		"DDOKSO_NOTIFY_SWEEP_INTERVAL=5s", "DDOKSO_NOTIFY_RETRY_AFTER="+h.notifyRetryAfter().String(),
		// As on AWS; moto ignores it, h.receipts publishes its Send events.
		"DDOKSO_NOTIFY_CONFIGURATION_SET="+h.prefix+"-mail",
		"DDOKSO_BATCH_TICK_PERIOD=5s", "DDOKSO_BATCH_LEASE=15s",
		"DDOKSO_BATCH_HOST_BUDGET=1000000", "DDOKSO_BATCH_NEW_GRACE=0s",
		"DDOKSO_BATCH_SCRAPE_REQUEST_TTL="+h.requestTTL().String(),
		"DDOKSO_BATCH_REQUEUE_AFTER="+h.requeueAfter().String(),
		"AWS_REGION=ap-northeast-2", "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	// Appended last, so they win over any endpoint in the harness's own environment.
	h.env = append(h.env, emulator.Env(h.moto, h.mq)...)
	if out, err := h.cli(ctx, "migrate", "up"); err != nil {
		return fmt.Errorf("migrate up: %w\n%s", err, out)
	}
	if h.sdb, err = store.Open(ctx, store.Config{DSN: h.db.DSN("ddokso"), MaxOpenConns: 8}); err != nil {
		return err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("ap-northeast-2"),
		awsconfig.WithRetryMaxAttempts(5), awsconfig.WithCredentialsProvider(staticCreds))
	if err != nil {
		return fmt.Errorf("aws config: %w", err)
	}
	h.awsCfg = awsCfg
	h.sqs = sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(h.mq.Endpoint()) })
	h.ses = sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(h.moto.Endpoint()) })
	h.topo = infra.Default(h.prefix)
	if err := h.infraUp(ctx); err != nil {
		return err
	}
	// The topic's ARN is derived from its name, so it is the same after the
	// emulator restart re-creates it.
	h.receipts = &emulator.SESEvents{Moto: h.moto.Endpoint(), SNS: h.infraClients().SNS, TopicARN: h.res.SESTopicARN}

	if h.sesFault, err = newSESFault(h, h.cfg.SESKillEvery); err != nil {
		return err
	}
	mk := func(name string, args ...string) (*proc, error) {
		port, err := process.FreePort()
		if err != nil {
			return nil, err
		}
		// Every process serves /healthz, /readyz and /metrics on its own
		// admin address; the API's public port never serves /metrics.
		admin := fmt.Sprintf("127.0.0.1:%d", port)
		httpAddr := admin
		if name == "api" {
			httpAddr = strings.TrimPrefix(h.apiURL, "http://")
		}
		p := &proc{name: name, bin: h.bin, args: args, admin: admin, logw: h.logFile(name), logPath: h.logPath(name),
			env: append(append([]string(nil), h.env...), "DDOKSO_ADMIN_ADDR="+admin, "DDOKSO_HTTP_ADDR="+httpAddr)}
		if name == "notify-1" {
			p.env = append(p.env, "AWS_ENDPOINT_URL_SESV2="+h.sesFault.Endpoint())
			h.sesFault.aim(p)
		}
		return p, p.start()
	}
	if h.api, err = mk("api", "api"); err != nil {
		return err
	}
	for _, spec := range [][]string{{"relay", "relay"}, {"scrap-1", "worker", "scrap"}, {"scrap-2", "worker", "scrap"},
		{"notify-1", "worker", "notify"}, {"notify-2", "worker", "notify"}, {"batch", "worker", "batch"}} {
		p, err := mk(spec[0], spec[1:]...)
		if err != nil {
			return err
		}
		h.procs = append(h.procs, p)
	}
	h.killer = h.procs
	for _, p := range append([]*proc{h.api}, h.procs...) {
		if err := p.ready(ctx, 90*time.Second); err != nil {
			return err
		}
		p.sampleNow(ctx)
	}
	return nil
}

func (h *harness) requestTTL() time.Duration {
	// Room for the batch worker's re-queues (requeueAfter, at most twice):
	// only a request whose message was lost three times expires.
	return 150*time.Second + time.Duration(h.cfg.Submissions/50)*time.Second
}

// requeueAfter is how long a submission may stay pending before the batch
// worker publishes its scrape.requested again (production: 5m): longer than
// the scrap queue's visibility in the run (a message a killed worker held
// comes back by then) and than the submission backlog takes to drain.
func (h *harness) requeueAfter() time.Duration {
	scrap, _ := infra.Default(h.prefix).Queue(infra.QueueScrap)
	return fastVisibility(scrap.VisibilityTimeout) + time.Duration(h.cfg.Submissions/200)*time.Second
}

// notifyRetryAfter is the notify sweeper's RetryAfter in the run. A row
// whose worker died inside its SES call may be sent again only after its
// SES receipt had time to arrive, and a receipt that a dead long poll
// swallowed (the kill loop hits the notify workers every few seconds)
// reappears only after the ses-events queue's visibility timeout: so the
// sweeper waits two of those, plus a margin. Production keeps the same
// order (RetryAfter 5 min against a 60 s visibility timeout).
func (h *harness) notifyRetryAfter() time.Duration {
	ses, _ := infra.Default(h.prefix).Queue(infra.QueueSES)
	return 2*fastVisibility(ses.VisibilityTimeout) + 10*time.Second
}

// fastVisibility is the default visibility timeout the harness gives a queue
// whose consumers use visibility v: just over their first heartbeat (v/3,
// which extends a message being handled to v), so a handled message never
// reappears early, while a message a killed consumer held, or that a dead
// long poll swallowed, comes back in v/3+5s instead of v. Only the timing
// of recovery changes; this is what lets the run wait for it.
func fastVisibility(v time.Duration) time.Duration { return v/3 + 5*time.Second }

// shortenVisibility sets every queue's default visibility timeout to
// fastVisibility of the topology's.
func (h *harness) shortenVisibility(ctx context.Context) error {
	for _, q := range h.topo.Queues {
		ref := h.res.Queues[q.Name]
		secs := strconv.Itoa(int(fastVisibility(q.VisibilityTimeout).Seconds()))
		if _, err := h.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(ref.URL),
			Attributes: map[string]string{"VisibilityTimeout": secs}}); err != nil {
			return fmt.Errorf("visibility of %s: %w", q.Name, err)
		}
	}
	return nil
}

// infraUp runs `ddokso infra up` and registers the SES sender (the emulators
// forget both when they restart).
func (h *harness) infraUp(ctx context.Context) error {
	var last error
	for i := 0; i < 5; i++ {
		out, err := h.cli(ctx, "infra", "up")
		if err == nil {
			last = nil
			break
		}
		last = fmt.Errorf("infra up: %w\n%s", err, out)
		time.Sleep(time.Second)
	}
	if last != nil {
		return last
	}
	if _, err := h.ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(sender)}); err != nil &&
		!strings.Contains(err.Error(), "AlreadyExists") {
		return fmt.Errorf("ses identity: %w", err)
	}
	res, err := h.topo.Resolve(ctx, h.infraClients())
	if err != nil {
		return fmt.Errorf("resolve topology: %w", err)
	}
	h.res = res
	return h.shortenVisibility(ctx)
}

// infraClients are the topology's clients on the split emulators: SQS and
// SNS on fauxqs, the scheduler on moto.
func (h *harness) infraClients() infra.Clients {
	mq, all := aws.String(h.mq.Endpoint()), aws.String(h.moto.Endpoint())
	return infra.Clients{
		SNS:       sns.NewFromConfig(h.awsCfg, func(o *sns.Options) { o.BaseEndpoint = mq }),
		SQS:       sqs.NewFromConfig(h.awsCfg, func(o *sqs.Options) { o.BaseEndpoint = mq }),
		Scheduler: scheduler.NewFromConfig(h.awsCfg, func(o *scheduler.Options) { o.BaseEndpoint = all }),
	}
}

func (h *harness) cli(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.env
	return cmd.CombinedOutput()
}

// binary returns cfg.Binary or builds ddokso from the module root.
func (h *harness) binary(ctx context.Context) (string, error) {
	if h.cfg.Binary != "" {
		return h.cfg.Binary, nil
	}
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(h.out, "ddokso")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ddokso")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ddokso: %w\n%s", err, out)
	}
	return bin, nil
}

func (h *harness) teardown() {
	t0 := time.Now()
	procs := h.procs
	if h.api != nil {
		procs = append([]*proc{h.api}, procs...)
	}
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(15 * time.Second) }()
	}
	wg.Wait()
	if h.sdb != nil {
		h.sdb.Close()
	}
	if h.shop != nil {
		_ = h.shop.Close()
	}
	if h.canary != nil {
		h.canary.close()
	}
	if h.sesFault != nil {
		h.sesFault.close()
	}
	if h.mq != nil {
		h.mq.Kill()
	}
	if h.moto != nil {
		h.moto.Kill()
	}
	if h.db != nil {
		h.db.stop()
		_ = os.RemoveAll(h.db.dir)
	}
	h.log.Info("torn down", "took", time.Since(t0).Round(time.Millisecond))
}

// watchdog restarts any ddokso process that exited on its own and counts it.
func (h *harness) watchdog(ctx context.Context) {
	every(ctx, 500*time.Millisecond, func() {
		for _, p := range append([]*proc{h.api}, h.procs...) {
			p.mu.Lock()
			dead := p.child != nil && p.child.Exited() && !p.restarting
			p.mu.Unlock()
			if dead && ctx.Err() == nil {
				h.mu.Lock()
				p.mu.Lock()
				if time.Since(p.started) < 10*time.Second {
					// Refused to start (e.g. MySQL down at start-up): a supervisor restarts it.
					h.startFailures[p.name]++
				} else {
					h.unexpected[p.name]++
				}
				p.mu.Unlock()
				h.mu.Unlock()
				h.log.Warn("process exited on its own; restarting", "proc", p.name)
				_ = p.start()
			}
		}
	})
}

// every calls fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// sampler reads RSS and goroutines of every process every few seconds.
func (h *harness) sampler(ctx context.Context) {
	every(ctx, 3*time.Second, func() {
		for _, p := range append([]*proc{h.api}, h.procs...) {
			p.sampleNow(ctx)
		}
	})
}

// killLoop kill -9s a random worker or relay process every KillEvery and
// restarts it at once.
func (h *harness) killLoop(ctx context.Context) {
	rnd := rand.New(rand.NewPCG(h.cfg.Seed, 99))
	every(ctx, h.cfg.KillEvery, func() {
		p := h.killer[rnd.IntN(len(h.killer))]
		h.mu.Lock()
		spare := p.name == "batch" && h.spareBatch
		h.mu.Unlock()
		if spare {
			// A killed consumer holds what it received for the queue's
			// visibility timeout (105 s on the batch queue in the run, see
			// fastVisibility), longer than what is left of a short run: after
			// the poison burst the batch worker is spared so its poison
			// reaches the DLQ within the run.
			return
		}
		if p.name == "batch" {
			if !h.tickGate.TryLock() {
				return // a tick is on its way to the batch worker (see sendTick)
			}
			defer h.tickGate.Unlock()
		}
		if err := p.restart(); err != nil {
			h.log.Error("restart after kill", "proc", p.name, "err", err)
		}
		h.fault("kill-9", p.name, "")
	})
}

// deadPollGrace is how long after a consumer process dies its open long
// polls (20 s) may still take messages: neither SQS nor the emulator knows
// the connection is gone, and what they hand it stays hidden for the
// queue's visibility timeout.
const deadPollGrace = 21 * time.Second

// sendTick puts a scheduled tick of typ on the batch queue. It first waits
// until the batch worker's last restart is deadPollGrace ago, holding
// tickGate so the kill loop leaves the batch worker alone until the tick is
// sent. Production sends a tick every 10 minutes; the harness sends one
// every few seconds while killing the batch worker every half minute, and
// a tick handed to a dead poll stays hidden for the batch queue's
// visibility timeout (105 s in the run), which would stall a compressed
// run behind ticks nobody handles. (That such hand-offs also counted
// towards the redrive limit and dead-lettered ticks was a real defect,
// fixed in the topology: the redrive limit, 10, is now well above the
// consumer's 3 attempts.) Kills while a tick is being handled still happen.
func (h *harness) sendTick(ctx context.Context, typ string, at time.Time) error {
	body, err := events.NewTick(typ, at).Marshal()
	if err != nil {
		return err
	}
	h.tickGate.Lock()
	defer h.tickGate.Unlock()
	if b := h.batchProc(); b != nil {
		b.mu.Lock()
		since := time.Since(b.started)
		b.mu.Unlock()
		if err := sleep(ctx, deadPollGrace-since); err != nil {
			return err
		}
	}
	_, err = h.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(h.res.Queues[infra.QueueBatch].URL), MessageBody: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("send %s tick: %w", typ, err)
	}
	return nil
}

// batchProc is the batch worker's process.
func (h *harness) batchProc() *proc {
	for _, p := range h.procs {
		if p.name == "batch" {
			return p
		}
	}
	return nil
}

// sleep waits d (nothing when d <= 0) or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// staticCreds are the emulator's test credentials.
var staticCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing", Source: "chaos"}, nil
})

// canary is a listener nobody may ever reach: SSRF probes point at it.
type canary struct {
	ln    net.Listener
	conns atomic.Int64
}

func newCanary() (*canary, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("canary: %w", err)
	}
	c := &canary{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			c.conns.Add(1)
			conn.Close()
		}
	}()
	return c, nil
}

func (c *canary) port() string { _, p, _ := net.SplitHostPort(c.ln.Addr().String()); return p }
func (c *canary) close()       { c.ln.Close() }
