package scalebench_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/scalebench"
)

func TestSpliceReplacesTheSectionAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	sec := func(body string) string { return scalebench.Begin + "\n" + body + "\n" + scalebench.End + "\n" }
	for _, tc := range []struct{ report, want string }{
		{"head\n\nmarker\ntail\n", "head\n\nmarker\ntail\n\n" + sec("new")},
		{"head\n" + sec("old") + "after\n", "head\n" + sec("new") + "after\n"},
	} {
		require.Equal(t, tc.want, scalebench.Splice(tc.report, sec("new")))
	}
}
