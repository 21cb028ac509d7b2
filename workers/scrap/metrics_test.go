package scrap_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestStageMetrics: with RegisterMetrics, each stage of a handled page is
// observed once (a first delivery for a new URL has no lookup); a
// redelivery stops after the lookup.
func TestStageMetrics(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	reg := prometheus.NewRegistry()
	require.NoError(t, fx.w.RegisterMetrics(reg))
	require.Error(t, fx.w.RegisterMetrics(reg), "a second registration is refused")

	env := fx.scrape(t, fx.shop.URL())
	counts := func() map[string]uint64 {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		out := map[string]uint64{}
		for _, mf := range mfs {
			require.Equal(t, "ddokso_scrap_stage_seconds", mf.GetName())
			for _, m := range mf.GetMetric() {
				out[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
			}
		}
		return out
	}
	require.Equal(t, map[string]uint64{"fetch": 1, "extract": 1, "record": 1, "record_writes": 1}, counts())

	require.NoError(t, fx.w.Handle(fx.ctx, env, nil), "a redelivery is skipped")
	require.Equal(t, map[string]uint64{"lookup": 1, "fetch": 1, "extract": 1, "record": 1, "record_writes": 1}, counts())
}
