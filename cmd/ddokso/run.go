package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/mail"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sesv2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"golang.org/x/sync/errgroup"

	"github.com/ddokso/ddokso/api"
	"github.com/ddokso/ddokso/config"
	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/emulator"
	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/telemetry"
	"github.com/ddokso/ddokso/workers/batch"
	"github.com/ddokso/ddokso/workers/notify"
	"github.com/ddokso/ddokso/workers/scrap"
)

// component is one long-running part of a process.
type component func(ctx context.Context) error

// runAll runs components until ctx ends or one fails, then stops them all,
// logging when the shutdown starts and how long it took.
func runAll(ctx context.Context, log *slog.Logger, comps ...component) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range comps {
		g.Go(func() error { return c(gctx) })
	}
	stopping := make(chan time.Time, 1)
	go func() {
		<-gctx.Done()
		why := "signal"
		if ctx.Err() == nil {
			why = "a component failed"
		}
		log.Info("shutdown: draining every component", "cause", why, "components", len(comps))
		stopping <- time.Now()
	}()
	err := g.Wait()
	log.Info("shutdown complete", "took", time.Since(<-stopping).Round(time.Millisecond))
	return err
}

func cmdRun(ctx context.Context) error {
	a, err := newApp(ctx, true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := store.MigrateUp(ctx, a.db, a.log); err != nil {
		return err
	}
	go func() {
		if err := indexProducts(ctx, a.db); err != nil && ctx.Err() == nil {
			a.log.Error("search: indexing products failed", "err", err)
		}
	}()
	if err := a.applyTopology(ctx); err != nil {
		return err
	}
	if err := a.verifySender(ctx); err != nil {
		return err
	}
	relay, err := a.relay()
	if err != nil {
		return err
	}
	if ep := a.base.LocalSESEvents; ep != "" {
		// moto publishes no configuration-set events: play SES's Send
		// events, so a mail accepted by a worker that died before recording
		// it is marked sent by its receipt, as on AWS. The notify worker's
		// SES client hands it each send's EmailTags (notifyWorker).
		a.localSES = &emulator.SESEvents{Moto: ep, SNS: a.clients.SNS, TopicARN: a.res.SESTopicARN}
	}
	workers, err := a.workerComponents([]string{"scrap", "notify", "batch"}, a.base.LocalScheduler != "false")
	if err != nil {
		return err
	}
	// Bind both listeners before any worker starts: a port conflict
	// fails here, with nothing running.
	apiComp, err := a.apiComponent(relay.Kick)
	if err != nil {
		return err
	}
	admin, err := a.adminComponent()
	if err != nil {
		return err
	}
	comps := append(workers, apiComp, admin, relay.Run)
	if a.localSES != nil {
		comps = append(comps, a.localSES.Run)
		a.log.Info("ddokso run: SES send events played from moto's sent mail", "moto", a.localSES.Moto)
	}
	a.log.Info("ddokso run: all-in-one, starting workers", "api", a.base.HTTPAddr, "admin", a.base.AdminAddr, "topic", a.res.TopicARN)
	return runAll(ctx, a.log, comps...)
}

// withResolved runs a split-mode command: an app on an existing topology.
func withResolved(ctx context.Context, build func(a *app) ([]component, error)) error {
	a, err := newApp(ctx, true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.resolveTopology(ctx); err != nil {
		return err
	}
	comps, err := build(a)
	if err != nil {
		return err
	}
	return runAll(ctx, a.log, comps...)
}

func cmdAPI(ctx context.Context) error {
	return withResolved(ctx, func(a *app) ([]component, error) {
		apiComp, err := a.apiComponent(nil)
		if err != nil {
			return nil, err
		}
		admin, err := a.adminComponent()
		return []component{apiComp, admin}, err
	})
}

func cmdWorker(ctx context.Context, names []string) error {
	for _, n := range names {
		if !slices.Contains([]string{"scrap", "notify", "batch"}, n) {
			return usageError{fmt.Sprintf("unknown worker %q (scrap, notify, batch)", n)}
		}
	}
	return withResolved(ctx, func(a *app) ([]component, error) {
		comps, err := a.workerComponents(names, a.base.LocalScheduler == "true")
		if err != nil {
			return nil, err
		}
		admin, err := a.adminComponent()
		return append(comps, admin), err
	})
}

func cmdRelay(ctx context.Context) error {
	return withResolved(ctx, func(a *app) ([]component, error) {
		relay, err := a.relay()
		if err != nil {
			return nil, err
		}
		admin, err := a.adminComponent()
		return []component{relay.Run, admin}, err
	})
}

func (a *app) relay() (*store.Relay, error) {
	return store.NewRelay(a.db, a.publisher(), store.RelayConfig{PollInterval: a.base.RelayInterval, BusyInterval: a.base.RelayBusy, Logger: a.log})
}

// adminComponent binds the admin address (/healthz, /readyz, /metrics) now.
// Every mode serves it; the public API port never serves /metrics.
// With DDOKSO_PPROF_ADDR set it also serves net/http/pprof there.
func (a *app) adminComponent() (component, error) {
	admin, err := listen(a.log, "admin", a.base.AdminAddr, telemetry.AdminMux(a.reg, a.checks()), 5*time.Second)
	if err != nil || a.base.PprofAddr == "" {
		return admin, err
	}
	prof, err := listen(a.log, "pprof", a.base.PprofAddr, pprofMux(), time.Second)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return admin(gctx) })
		g.Go(func() error { return prof(gctx) })
		return g.Wait()
	}, nil
}

// pprofMux serves the runtime profiles of net/http/pprof under /debug/pprof/.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func (a *app) apiComponent(kick func()) (component, error) {
	apiCfg, err := config.LoadAPI()
	if err != nil {
		return nil, err
	}
	if port := a.base.DevShopPort(); port != 0 {
		// DDOKSO_DEV_SHOP: admit that loopback port only, which the
		// fetcher is allowed to reach too (scrapWorker).
		apiCfg.AllowLoopback, apiCfg.LoopbackPorts = true, []int{port}
	}
	notifyCfg, err := config.LoadNotify()
	if err != nil {
		return nil, err
	}
	h, err := api.New(api.Deps{
		DB: a.db, Config: apiCfg, Queues: a.queues(), DLQRedrive: a.redrive, Kick: kick,
		Logger: a.log, Registry: a.reg, Ready: a.checks(), PushEnabled: notifyCfg.VAPIDPrivateKey != "",
		Unsubscribe: notify.UnsubscribeHandler(a.db, notifyCfg.UnsubscribeSecret),
	})
	if err != nil {
		return nil, err
	}
	return listen(a.log, "api", a.base.HTTPAddr, h, a.base.ShutdownTimeout)
}

// workerComponents builds the consumers (and their helpers) of the named workers.
func (a *app) workerComponents(names []string, localScheduler bool) ([]component, error) {
	var comps []component
	add := func(queue string, h events.Handler, decode func([]byte) (events.Envelope, error), concurrency int) error {
		c, err := a.consumer(queue, h, decode, concurrency)
		if err != nil {
			return err
		}
		comps = append(comps, c.Run)
		return nil
	}
	for _, name := range names {
		switch name {
		case "scrap":
			w, concurrency, err := a.scrapWorker()
			if err != nil {
				return nil, err
			}
			if err := add(infra.QueueScrap, w, nil, concurrency); err != nil {
				return nil, err
			}
		case "notify":
			w, err := a.notifyWorker()
			if err != nil {
				return nil, err
			}
			if err := add(infra.QueueNotify, w, nil, 0); err != nil {
				return nil, err
			}
			if err := add(infra.QueueSES, events.HandlerFunc(w.HandleSESEvent), notify.DecodeSESEvent, 0); err != nil {
				return nil, err
			}
			comps = append(comps, a.sweeper(w))
		case "batch":
			cfg, err := config.LoadBatch()
			if err != nil {
				return nil, err
			}
			enq := batch.NewSQSEnqueuer(a.clients.SQS, a.res.Queues[infra.QueueScrap].URL, cfg.SendConcurrency)
			w, err := batch.New(a.db, enq, a.publisher(), cfg, a.log)
			if err != nil {
				return nil, err
			}
			if err := add(infra.QueueBatch, w, events.DecodeScheduled, 0); err != nil {
				return nil, err
			}
			comps = append(comps, w.RunRequeue)
			if localScheduler {
				s := batch.NewLocalScheduler(a.clients.SQS, a.res.Queues[infra.QueueBatch].URL, a.topo.Schedules, a.log)
				comps = append(comps, s.Run)
				a.log.Info("local scheduler on: stand-in for EventBridge Scheduler")
			}
		}
	}
	return comps, nil
}

// scrapWorker builds the scrap worker and says how many messages its
// consumer handles at once (DDOKSO_SCRAP_CONCURRENCY).
func (a *app) scrapWorker() (*scrap.Worker, int, error) {
	cfg, err := config.LoadScrap()
	if err != nil {
		return nil, 0, err
	}
	fc := fetch.Config{
		UserAgent: a.base.Fetch.UserAgent, AllowLoopback: a.base.Fetch.AllowLoopback,
		Ports: a.base.Fetch.Ports, IgnoreRobots: a.base.Fetch.IgnoreRobots, Logger: a.log,
	}
	if port := a.base.DevShopPort(); port != 0 {
		// The same local shop the API admits (apiComponent).
		fc.AllowLoopback = true
		fc.Ports = append(slices.Clone(fc.Ports), port)
	}
	if a.base.Fetch.HostInterval > 0 {
		fc.Limiter = fetch.NewMySQLLimiter(a.db, a.base.Fetch.HostInterval)
	}
	f, err := fetch.New(fc)
	if err != nil {
		return nil, 0, fmt.Errorf("config: fetcher: %w", err)
	}
	w, err := scrap.New(a.db, f, cfg, a.log)
	if err != nil {
		return nil, 0, err
	}
	if err := w.RegisterMetrics(a.reg); err != nil {
		return nil, 0, fmt.Errorf("scrap metrics: %w", err)
	}
	return w, cfg.Concurrency, nil
}

func (a *app) notifyWorker() (*notify.Worker, error) {
	cfg, err := config.LoadNotify()
	if err != nil {
		return nil, err
	}
	var sesOpts []func(*sesv2.Options)
	if a.localSES != nil {
		sesOpts = append(sesOpts, func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, a.localSES.RecordTags) })
	}
	mailer := notify.NewSESMailer(sesv2.NewFromConfig(a.aws, sesOpts...), cfg)
	var pusher notify.Pusher
	if cfg.VAPIDPrivateKey != "" {
		pusher = notify.NewWebPusher(cfg, &http.Client{Timeout: 15 * time.Second})
	} else {
		a.log.Warn("Web Push off: DDOKSO_NOTIFY_VAPID_PRIVATE_KEY is not set")
	}
	return notify.New(a.db, mailer, pusher, cfg, a.log)
}

// sweeper retries deferred (quiet hours) and stuck notifications.
func (a *app) sweeper(w *notify.Worker) component {
	return func(ctx context.Context) error {
		t := time.NewTicker(a.base.SweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if err := w.SendDeferred(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("notification sweep failed", "err", err)
				}
			}
		}
	}
}

// verifySender registers the notification sender as an SES identity. The
// all-in-one run is for local emulators, where this is what "verified" means;
// on AWS the identity is verified through DNS once, outside ddokso.
func (a *app) verifySender(ctx context.Context) error {
	cfg, err := config.LoadNotify()
	if err != nil {
		return err
	}
	addr, err := mail.ParseAddress(cfg.Sender)
	if err != nil {
		return fmt.Errorf("config: DDOKSO_NOTIFY_SENDER: %w", err)
	}
	_, err = sesv2.NewFromConfig(a.aws).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: &addr.Address})
	var exists *sesv2types.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("verify sender %s: %w", addr.Address, err)
	}
	return nil
}
