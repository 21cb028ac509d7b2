package scrap_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/workers/scrap"
)

// TestConcurrentHandlersGroupCommit handles messages for distinct pages
// and redeliveries of them at once, with the outcomes group-committed
// (the default) and each in its own transaction (max 1): every request is
// recorded exactly once either way.
func TestConcurrentHandlersGroupCommit(t *testing.T) {
	t.Parallel()
	for _, max := range []int{0, 1} {
		t.Run(fmt.Sprintf("max=%d", max), func(t *testing.T) {
			t.Parallel()
			fx := setup(t, func(o *options) { o.cfg.GroupCommitMax = max })
			const pages = 12
			envs := make([]events.Envelope, pages)
			for i := range envs {
				envs[i] = fx.request(t, fmt.Sprintf("%s/products/%d", fx.shop.srv.URL, 100+i))
			}
			// Each message twice (a redelivery racing the first delivery).
			var wg sync.WaitGroup
			errs := make([]error, 2*pages)
			for i := range errs {
				env := envs[i%pages]
				wg.Go(func() {
					errs[i] = fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 1})
				})
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, pages, fx.count(t, `SELECT COUNT(*) FROM products`))
			require.Equal(t, pages, fx.count(t, `SELECT COUNT(*) FROM processed_messages`))
			require.Equal(t, pages, fx.count(t, `SELECT COUNT(*) FROM price_observations`))
			for _, env := range envs {
				r := fx.requestOf(t, env)
				require.Equal(t, events.OutcomeDone, r.Status)
				require.NotZero(t, r.ProductID)
				require.False(t, r.InFlight)
			}
		})
	}
}

func TestConfigGroupCommitMax(t *testing.T) {
	t.Parallel()
	c := scrap.Config{GroupCommitMax: 1}
	require.NoError(t, c.Validate())
	require.Equal(t, 1, c.GroupCommitMax)
	c = scrap.Config{GroupCommitMax: -1}
	require.ErrorContains(t, c.Validate(), "group commit max")
	require.Equal(t, 32, scrap.DefaultGroupCommitMax)
}

// TestConcurrentProblemsGroupCommit handles failing checks of known
// products and redeliveries of them at once, recorded in groups (the
// default) and each in its own transaction (max 1): every product counts
// each check once and every request gets its outcome either way.
func TestConcurrentProblemsGroupCommit(t *testing.T) {
	t.Parallel()
	for _, max := range []int{0, 1} {
		t.Run(fmt.Sprintf("max=%d", max), func(t *testing.T) {
			t.Parallel()
			fx := setup(t, func(o *options) { o.cfg.GroupCommitMax = max })
			const pages = 12
			urls := make([]string, pages)
			for i := range urls {
				urls[i] = fmt.Sprintf("%s/products/%d", fx.shop.srv.URL, 100+i)
				fx.scrape(t, urls[i])
			}
			fx.shop.set(func(s *shop) { s.status = 404 })
			envs := make([]events.Envelope, pages)
			for i := range envs {
				envs[i] = fx.request(t, urls[i])
			}
			var wg sync.WaitGroup
			errs := make([]error, 2*pages)
			for i := range errs {
				env := envs[i%pages]
				wg.Go(func() {
					errs[i] = fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 1})
				})
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, pages, fx.count(t, `SELECT COUNT(*) FROM products WHERE check_status = 'not_a_product' AND consecutive_failures = 1 AND check_error = 'http 404'`))
			require.Equal(t, 2*pages, fx.count(t, `SELECT COUNT(*) FROM processed_messages`))
			for _, env := range envs {
				r := fx.requestOf(t, env)
				require.Equal(t, events.OutcomeNotAProduct, r.Status)
				require.Equal(t, "http 404", r.Reason)
				require.NotZero(t, r.ProductID)
				require.True(t, r.Finished)
				require.False(t, r.InFlight)
			}
		})
	}
}
