// Package config loads ddokso's configuration from the environment with
// envconfig. Every variable has the DDOKSO_ prefix; AWS settings come from
// the AWS SDK's own variables (AWS_REGION, AWS_ENDPOINT_URL, credentials).
// Each component's section is loaded only by the commands that run it, so a
// worker does not need the API's secrets.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/ddokso/ddokso/api"
	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/workers/batch"
	"github.com/ddokso/ddokso/workers/notify"
	"github.com/ddokso/ddokso/workers/scrap"
)

// Prefix of every ddokso environment variable.
const Prefix = "DDOKSO"

// Base is what every process needs.
type Base struct {
	MySQLDSN         string        `envconfig:"MYSQL_DSN" default:"root@tcp(127.0.0.1:3306)/ddokso" desc:"MySQL DSN (go-sql-driver form); utf8mb4, parseTime and UTC are enforced"`
	MySQLMaxConns    int           `envconfig:"MYSQL_MAX_CONNS" default:"20" desc:"connection pool size"`
	HTTPAddr         string        `envconfig:"HTTP_ADDR" default:":8080" desc:"API listen address"`
	AdminAddr        string        `envconfig:"ADMIN_ADDR" default:":9090" desc:"/healthz, /readyz and /metrics listen address of every command (the API port never serves /metrics)"`
	PprofAddr        string        `envconfig:"PPROF_ADDR" desc:"opt-in: listen address of net/http/pprof (/debug/pprof/) for profiling; empty (the default) serves none. Bind it to loopback"`
	LogLevel         string        `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	Prefix           string        `envconfig:"PREFIX" default:"ddokso" desc:"name prefix of the topic, queues and schedules"`
	SchedulerRoleARN string        `envconfig:"SCHEDULER_ROLE_ARN" desc:"IAM role the EventBridge schedules assume; infra up skips schedules when empty"`
	ShutdownTimeout  time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"25s" desc:"how long in-flight work may finish after SIGTERM"`
	Concurrency      int           `envconfig:"WORKER_CONCURRENCY" default:"8" desc:"handlers running at once per queue of the notify and batch workers (the scrap queue: DDOKSO_SCRAP_CONCURRENCY)"`
	Pollers          int           `envconfig:"WORKER_POLLERS" default:"2" desc:"long-pollers per queue"`
	WaitTime         time.Duration `envconfig:"WORKER_WAIT_TIME" default:"5s" desc:"SQS long-poll wait (1s..20s); shutdown waits for at most one open long poll, so this bounds its wait"`
	LocalScheduler   string        `envconfig:"LOCAL_SCHEDULER" default:"auto" desc:"local stand-in for EventBridge schedules: auto (on in run only), true, false"`
	LocalSESEvents   string        `envconfig:"LOCAL_SES_EVENTS" desc:"moto only: its endpoint URL; run publishes an SES Send event per mail moto accepted to the ses-events topic, as the configuration set does on AWS (make run sets it)"`
	RelayInterval    time.Duration `envconfig:"RELAY_INTERVAL" default:"200ms" desc:"outbox relay poll interval while the outbox is empty"`
	RelayBusy        time.Duration `envconfig:"RELAY_BUSY_INTERVAL" default:"50ms" desc:"outbox relay wait after a pass that published some events (at most DDOKSO_RELAY_INTERVAL): small frequent batches instead of a burst per poll"`
	SweepInterval    time.Duration `envconfig:"NOTIFY_SWEEP_INTERVAL" default:"1m" desc:"how often deferred and stuck notifications are retried"`
	DevShop          string        `envconfig:"DEV_SHOP" desc:"DEV ONLY: host:port of a loopback shop (ddokso dev shop, make demo) that the API admits and the fetcher may reach; the one setting for a local shop"`
	Fetch            Fetch         `envconfig:"FETCH"`
}

// DevShopPort is the port of DevShop (0 when unset); Validate checked it.
func (b Base) DevShopPort() int {
	if b.DevShop == "" {
		return 0
	}
	_, p, _ := net.SplitHostPort(b.DevShop)
	n, _ := strconv.Atoi(p)
	return n
}

// Fetch configures the scrap worker's fetcher.
type Fetch struct {
	UserAgent     string        `envconfig:"USER_AGENT" default:"ddokso-bot/1.0 (+https://ddokso.com/bot)" desc:"User-Agent of every page fetch"`
	HostInterval  time.Duration `envconfig:"HOST_INTERVAL" default:"1s" desc:"minimum interval between fetches to one host, across all processes"`
	AllowLoopback bool          `envconfig:"ALLOW_LOOPBACK" default:"false" desc:"TEST ONLY: let the fetcher reach 127.0.0.0/8 (local fake shops)"`
	Ports         []int         `envconfig:"PORTS" default:"80,443" desc:"ports the fetcher may connect to"`
	IgnoreRobots  bool          `envconfig:"IGNORE_ROBOTS" default:"false" desc:"do not honour robots.txt (never in production)"`
}

// Validate checks the base settings.
//
// Complexity (above 20): one check per setting.
func (b *Base) Validate() error {
	if b.MySQLDSN == "" {
		return errors.New("DDOKSO_MYSQL_DSN: must be set")
	}
	if _, err := store.ParseDSN(b.MySQLDSN); err != nil {
		return fmt.Errorf("DDOKSO_MYSQL_DSN: %w", err)
	}
	for name, addr := range map[string]string{"DDOKSO_HTTP_ADDR": b.HTTPAddr, "DDOKSO_ADMIN_ADDR": b.AdminAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s: %q is not host:port", name, addr)
		}
	}
	switch strings.ToLower(b.LogLevel) {
	case "debug", "info", "warn", "warning", "error":
	default:
		return fmt.Errorf("DDOKSO_LOG_LEVEL: %q is not debug, info, warn or error", b.LogLevel)
	}
	switch b.LocalScheduler {
	case "auto", "true", "false":
	default:
		return fmt.Errorf("DDOKSO_LOCAL_SCHEDULER: %q is not auto, true or false", b.LocalScheduler)
	}
	if b.LocalSESEvents != "" {
		if u, err := url.Parse(b.LocalSESEvents); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("DDOKSO_LOCAL_SES_EVENTS: %q is not an http(s) URL", b.LocalSESEvents)
		}
	}
	if b.DevShop != "" {
		host, port, err := net.SplitHostPort(b.DevShop)
		ip := net.ParseIP(host)
		n, perr := strconv.Atoi(port)
		if err != nil || ip == nil || !ip.IsLoopback() || perr != nil || n < 1 || n > 65535 {
			return fmt.Errorf("DDOKSO_DEV_SHOP: %q is not a loopback ip:port such as 127.0.0.1:8765", b.DevShop)
		}
	}
	if b.Concurrency < 1 || b.Pollers < 1 {
		return errors.New("DDOKSO_WORKER_CONCURRENCY and DDOKSO_WORKER_POLLERS must be >= 1")
	}
	if b.WaitTime < time.Second || b.WaitTime > 20*time.Second {
		return fmt.Errorf("DDOKSO_WORKER_WAIT_TIME: %s is not within 1s..20s", b.WaitTime)
	}
	if b.ShutdownTimeout <= 0 {
		return errors.New("DDOKSO_SHUTDOWN_TIMEOUT: must be positive")
	}
	if b.RelayInterval <= 0 || b.RelayBusy <= 0 || b.RelayBusy > b.RelayInterval {
		return fmt.Errorf("DDOKSO_RELAY_BUSY_INTERVAL %s and DDOKSO_RELAY_INTERVAL %s: want 0 < busy <= interval", b.RelayBusy, b.RelayInterval)
	}
	if b.Fetch.HostInterval < 0 {
		return errors.New("DDOKSO_FETCH_HOST_INTERVAL: must not be negative")
	}
	return nil
}

// section is one component's configuration and its variable prefix.
type section struct {
	prefix string
	spec   any
}

var missingKey = regexp.MustCompile(`required key ([A-Z0-9_]+) missing value`)

func load(s section) error {
	if err := envconfig.Process(s.prefix, s.spec); err != nil {
		// Keep the error to one line that names the full variable.
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		msg = missingKey.ReplaceAllString(msg, "required variable "+s.prefix+"_$1 is not set")
		return fmt.Errorf("config: %s", msg)
	}
	if v, ok := s.spec.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

// LoadBase reads and validates the base settings.
func LoadBase() (Base, error) {
	var b Base
	return b, load(section{Prefix, &b})
}

// LoadAPI reads DDOKSO_API_*.
func LoadAPI() (api.Config, error) {
	var c api.Config
	return c, load(section{Prefix + "_API", &c})
}

// LoadScrap reads DDOKSO_SCRAP_*.
func LoadScrap() (scrap.Config, error) {
	var c scrap.Config
	return c, load(section{Prefix + "_SCRAP", &c})
}

// LoadNotify reads DDOKSO_NOTIFY_*.
func LoadNotify() (notify.Config, error) {
	var c notify.Config
	return c, load(section{Prefix + "_NOTIFY", &c})
}

// LoadBatch reads DDOKSO_BATCH_*.
func LoadBatch() (batch.Config, error) {
	var c batch.Config
	return c, load(section{Prefix + "_BATCH", &c})
}

// sections lists every section for the variable table.
func sections() []section {
	return []section{
		{Prefix, &Base{}}, {Prefix + "_API", &api.Config{}}, {Prefix + "_SCRAP", &scrap.Config{}},
		{Prefix + "_NOTIFY", &notify.Config{}}, {Prefix + "_BATCH", &batch.Config{}},
	}
}

// WriteTable writes a Markdown table of every variable: name, type,
// default, required, description.
func WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 0, ' ', 0)
	fmt.Fprintln(tw, "| Variable | Type | Default | Required | Description |")
	fmt.Fprintln(tw, "|---|---|---|---|---|")
	const row = `{{range .}}| {{usage_key .}} | {{usage_type .}} | {{usage_default .}} | {{usage_required .}} | {{usage_description .}} |
{{end}}`
	for _, s := range sections() {
		if err := envconfig.Usagef(s.prefix, s.spec, tw, row); err != nil {
			return err
		}
	}
	return tw.Flush()
}
