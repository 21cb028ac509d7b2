package seed

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestResizedTo: the size reads back to within a chunk; with the chunk
// size 0 that MariaDB 10.11.19 reports, an exact size still counts (the
// seed used to wait five minutes and fail on it).
func TestResizedTo(t *testing.T) {
	t.Parallel()
	const gib = int64(1) << 30
	require.True(t, resizedTo(2*gib, 2*gib, 0), "exact size, chunk size 0")
	require.True(t, resizedTo(2*gib, 2*gib, 128<<20))
	require.True(t, resizedTo(2*gib+64<<20, 2*gib, 128<<20), "rounded up within a chunk")
	require.False(t, resizedTo(128<<20, 2*gib, 0), "still the old size")
	require.False(t, resizedTo(128<<20, 2*gib, 128<<20))
}
