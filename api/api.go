package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/telemetry"
)

// Deps are what the API needs from the process that hosts it.
type Deps struct {
	// DB is the MySQL pool.
	DB *sql.DB
	// Config is validated (defaults applied) by New.
	Config Config
	// Queues maps logical queue names to queues, for operator depth and DLQ
	// counts; may be nil.
	Queues map[string]events.Queue
	// DLQRedrive moves a queue's dead letters back to it; nil answers 501.
	DLQRedrive func(ctx context.Context, queue string) (moved int, err error)
	// Kick is called after a commit that wrote outbox rows (wakes the
	// in-process relay); may be nil.
	Kick func()
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Registry receives the HTTP request metrics; nil disables them. The
	// API never serves /metrics: the process serves the registry on its
	// admin address, off the public port.
	Registry *prometheus.Registry
	// Ready are the checks of /readyz.
	Ready map[string]telemetry.Check
	// PushEnabled says Web Push is configured (VAPID keys) for the notify
	// worker; without it a watch on the push channel is refused.
	PushEnabled bool
	// Unsubscribe, when set, is mounted at GET and POST /api/v1/unsubscribe.
	Unsubscribe gin.HandlerFunc
	// Context ends the API's background work (the Cognito JWKS refresh);
	// default context.Background(), i.e. the life of the process.
	Context context.Context
}

type server struct {
	db         *sql.DB
	cfg        Config
	deps       Deps
	log        *slog.Logger
	secret     []byte
	cognito    *cognitoVerifier
	leeway     time.Duration
	ipLimits   *limiterSet
	userLimits *limiterSet
	stmts      *stmtCache
	products   *productCache
	scrapes    *scrapeBatcher

	// flavorMu guards whether the server is MariaDB (mariaDB, once
	// flavorKnown), which alone takes LIMIT … ROWS EXAMINED (readSearch).
	flavorMu    sync.Mutex
	flavorKnown bool
	mariaDB     bool
	// forceNoRowsExamined makes rowsExamined answer false (tests: the
	// MySQL 8 / Aurora path on MariaDB).
	forceNoRowsExamined bool
}

func init() { gin.SetMode(gin.ReleaseMode) }

// New returns the API's HTTP handler (a gin engine) with every route,
// including /healthz and /readyz at the root (not /metrics: see Deps.Registry).
func New(deps Deps) (http.Handler, error) {
	if deps.DB == nil {
		return nil, errors.New("api: deps.DB is required")
	}
	if err := deps.Config.Validate(); err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	var err error
	s := &server{
		db:         deps.DB,
		cfg:        deps.Config,
		deps:       deps,
		log:        deps.Logger,
		secret:     []byte(deps.Config.JWTSecret),
		leeway:     30 * time.Second,
		ipLimits:   newLimiterSet(deps.Config.IPRate, deps.Config.IPBurst),
		userLimits: newLimiterSet(deps.Config.UserRate, deps.Config.UserBurst),
		stmts:      newStmtCache(deps.DB),
		products:   newProductCache(deps.Config.ProductCacheTTL),
	}
	if deps.Config.CognitoUserPoolID != "" {
		ctx := deps.Context
		if ctx == nil {
			ctx = context.Background()
		}
		if s.cognito, err = newCognitoVerifier(ctx, deps.Config, s.leeway, s.log); err != nil {
			return nil, err
		}
	}
	s.scrapes = newScrapeBatcher(s, s.cfg.GroupCommitMax)
	var reg prometheus.Registerer
	if deps.Registry != nil {
		reg = deps.Registry
	}
	metrics, err := newHTTPMetrics(reg)
	if err != nil {
		return nil, err
	}

	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.RedirectTrailingSlash = false
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	e.Use(requestID(), accessLog(s.log), metrics.middleware(), gin.CustomRecovery(func(c *gin.Context, rec any) {
		s.log.ErrorContext(c.Request.Context(), "api panic", "route", c.FullPath(), "panic", rec)
		fail(c, http.StatusInternalServerError, "", "internal error; quote the request id when reporting it")
	}), cors(s.cfg.CORSOrigins))
	e.NoRoute(func(c *gin.Context) { fail(c, http.StatusNotFound, "not-found", "no such route: "+c.Request.URL.Path) })
	e.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusMethodNotAllowed, "method-not-allowed", c.Request.Method+" is not allowed on "+c.Request.URL.Path)
	})

	e.GET("/healthz", gin.WrapH(telemetry.HealthHandler()))
	e.GET("/readyz", gin.WrapH(telemetry.ReadyHandler(deps.Ready)))

	v1 := e.Group("/api/v1", limitBody(s.cfg.MaxBodyBytes))
	std := timeout(s.cfg.RequestTimeout)
	v1.GET("/openapi.json", std, s.openAPI)

	pub := v1.Group("", requireJSON(), s.optionalAuth())
	pub.POST("/scrapes", std, s.rateLimit(), s.createScrape)
	pub.GET("/scrapes/:id", timeout(s.cfg.RequestTimeout+s.cfg.MaxWait), s.getScrape)
	pub.GET("/search", std, s.searchProducts)
	pub.GET("/products", std, s.listProducts)
	pub.GET("/products/:id", std, s.getProduct)
	pub.GET("/products/:id/prices", std, s.productPrices)
	pub.GET("/products/:id/chart.svg", std, s.productChart)

	me := v1.Group("/me", requireJSON(), std, s.requireAuth())
	me.GET("", s.getMe)
	me.PATCH("", s.patchMe)
	me.GET("/notifications", s.listNotifications)
	me.GET("/watches", s.listWatches)
	me.POST("/watches", s.rateLimit(), s.createWatch)
	me.GET("/watches/:id", s.getWatch)
	me.PATCH("/watches/:id", s.updateWatch)
	me.DELETE("/watches/:id", s.deleteWatch)
	me.POST("/push-subscriptions", s.createPushSubscription)
	me.DELETE("/push-subscriptions/:id", s.deletePushSubscription)

	admin := v1.Group("/admin", requireJSON(), std, s.requireAdmin())
	admin.GET("/queues", s.adminQueues)
	admin.POST("/queues/:name/redrive", s.adminRedrive)
	admin.POST("/products/:id/rescrape", s.adminRescrape)

	if deps.Unsubscribe != nil {
		v1.GET("/unsubscribe", std, deps.Unsubscribe)
		v1.POST("/unsubscribe", std, deps.Unsubscribe)
	}
	return e, nil
}

// kick wakes the outbox relay, when there is one in process.
func (s *server) kick() {
	if s.deps.Kick != nil {
		s.deps.Kick()
	}
}
