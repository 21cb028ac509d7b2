package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ddokso/ddokso/config"
	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/emulator"
	"github.com/ddokso/ddokso/internal/iamcheck"
	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/telemetry"
)

// app holds what every long-running command shares.
type app struct {
	base    config.Base
	log     *slog.Logger
	db      *sql.DB
	aws     aws.Config
	clients infra.Clients
	topo    infra.Topology
	res     infra.Resolved
	reg     *prometheus.Registry
	metrics *events.Metrics
	// localSES plays SES's Send events from moto (run with
	// DDOKSO_LOCAL_SES_EVENTS); nil otherwise.
	localSES *emulator.SESEvents

	readyMu     sync.Mutex
	readyQueues []string // logical queues this process consumes
	readyTopic  bool     // this process publishes to the events topic
}

func newApp(ctx context.Context, needAWS bool) (*app, error) {
	base, err := config.LoadBase()
	if err != nil {
		return nil, err
	}
	a := &app{base: base, log: telemetry.NewLogger(os.Stderr, base.LogLevel), topo: infra.Default(base.Prefix), reg: telemetry.NewRegistry()}
	slog.SetDefault(a.log)
	a.metrics = events.NewMetrics(a.reg)
	if err := a.topo.Validate(); err != nil {
		return nil, fmt.Errorf("config: DDOKSO_PREFIX: %w", err)
	}
	a.db, err = store.Open(ctx, store.Config{DSN: base.MySQLDSN, MaxOpenConns: base.MySQLMaxConns})
	if err != nil {
		return nil, err
	}
	if needAWS {
		if a.aws, err = loadAWS(ctx); err != nil {
			a.db.Close()
			return nil, err
		}
		a.clients = infra.NewClients(a.aws)
	}
	return a, nil
}

func (a *app) close() {
	if a.db != nil {
		a.db.Close()
	}
}

// loadAWS reads the SDK's own configuration (AWS_REGION, AWS_ENDPOINT_URL,
// credentials chain), defaulting the region to Seoul.
func loadAWS(ctx context.Context) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRetryMaxAttempts(5)}
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, awsconfig.WithRegion("ap-northeast-2"))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	if path := os.Getenv(iamcheck.EnvCallLog); path != "" {
		// TEST ONLY: record every AWS call (action, resource ARNs) for
		// the least-privilege test, which holds them against the role of
		// this process kind in the CloudFormation template.
		iamcheck.NewRecorder(path).Install(&cfg)
	}
	return cfg, nil
}

// applyTopology creates the topology (run, infra up) and remembers it.
func (a *app) applyTopology(ctx context.Context) error {
	res, err := a.topo.Apply(ctx, a.clients, infra.ApplyOptions{SchedulerRoleARN: a.base.SchedulerRoleARN})
	if err != nil {
		return err
	}
	a.res = res
	return nil
}

// resolveTopology finds an existing topology (the split commands).
func (a *app) resolveTopology(ctx context.Context) error {
	res, err := a.topo.Resolve(ctx, a.clients)
	if err != nil {
		return err
	}
	a.res = res
	return nil
}

func (a *app) publisher() events.Publisher {
	a.usesTopic()
	return events.NewSNSPublisher(a.clients.SNS, a.res.TopicARN)
}

// queues returns a driver for every queue, by logical name.
func (a *app) queues() map[string]events.Queue {
	out := map[string]events.Queue{}
	for name := range a.res.Queues {
		q, _ := a.res.Queue(a.clients.SQS, name)
		out[name] = q
	}
	return out
}

// consumer builds the consumer of one logical queue; concurrency 0 means
// DDOKSO_WORKER_CONCURRENCY.
func (a *app) consumer(name string, h events.Handler, decode func([]byte) (events.Envelope, error), concurrency int) (*events.Consumer, error) {
	q, err := a.res.Queue(a.clients.SQS, name)
	if err != nil {
		return nil, err
	}
	spec, _ := a.topo.Queue(name)
	a.usesQueue(name)
	if concurrency == 0 {
		concurrency = a.base.Concurrency
	}
	return events.NewConsumer(q, h, events.ConsumerConfig{
		Pollers: a.base.Pollers, Concurrency: concurrency, WaitTime: a.base.WaitTime,
		VisibilityTimeout: spec.VisibilityTimeout, MaxReceiveCount: spec.Attempts,
		ShutdownTimeout: a.base.ShutdownTimeout, Decode: decode,
		Logger: a.log, Metrics: a.metrics,
	})
}

// checks are the readiness checks: MySQL, and each AWS resource this
// process itself uses, through a call its role grants: GetQueueAttributes
// on the queues it consumes and GetTopicAttributes on the topic it
// publishes to. (sqs:ListQueues, used here before, is granted to no role:
// every rollout failed readiness on AWS.) The sets are read at each check,
// so components added after the handler was built count.
func (a *app) checks() map[string]telemetry.Check {
	checks := map[string]telemetry.Check{"mysql": a.db.PingContext}
	if a.clients.SQS != nil {
		checks["aws"] = func(ctx context.Context) error {
			a.readyMu.Lock()
			queues, topic := slices.Clone(a.readyQueues), a.readyTopic
			a.readyMu.Unlock()
			for _, name := range queues {
				url := a.res.Queues[name].URL
				if _, err := a.clients.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
					QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
				}); err != nil {
					return fmt.Errorf("queue %s: %w", name, err)
				}
			}
			if topic {
				if _, err := a.clients.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(a.res.TopicARN)}); err != nil {
					return fmt.Errorf("topic: %w", err)
				}
			}
			return nil
		}
	}
	return checks
}

// usesQueue and usesTopic add what the readiness check covers.
func (a *app) usesQueue(name string) {
	a.readyMu.Lock()
	defer a.readyMu.Unlock()
	if !slices.Contains(a.readyQueues, name) {
		a.readyQueues = append(a.readyQueues, name)
	}
}

func (a *app) usesTopic() {
	a.readyMu.Lock()
	defer a.readyMu.Unlock()
	a.readyTopic = true
}

// redrive moves a logical queue's DLQ back to the queue.
func (a *app) redrive(ctx context.Context, name string) (int, error) {
	ref, ok := a.res.Queues[name]
	if !ok {
		return 0, fmt.Errorf("no queue %q", name)
	}
	return events.Redrive(ctx, a.clients.SQS, ref.DLQURL, ref.URL, 10000)
}

// listen binds addr now, so a port conflict fails the command before any
// worker starts, and returns the component that serves h on it until ctx
// ends, then drains it within grace.
func listen(log *slog.Logger, name, addr string, h http.Handler, grace time.Duration) (component, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s on %s: %w", name, addr, err)
	}
	log = log.With("server", name, "addr", l.Addr().String())
	log.Info("listening")
	return func(ctx context.Context) error {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(l) }()
		select {
		case err := <-errc:
			return fmt.Errorf("serve %s on %s: %w", name, addr, err)
		case <-ctx.Done():
		}
		start := time.Now()
		log.Info("http draining: no new connections; waiting for open requests", "grace", grace)
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("shutdown %s on %s: %w", name, addr, err)
		}
		log.Info("http stopped", "took", time.Since(start).Round(time.Millisecond))
		return nil
	}, nil
}
