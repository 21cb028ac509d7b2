package scrap

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/fetch"
)

func TestTransient(t *testing.T) {
	t.Parallel()
	require.True(t, transient(fmt.Errorf("fetch x: %w", fetch.ErrTimeout)))
	require.True(t, transient(errors.New("dial tcp: connection refused")))
	require.True(t, transient(fmt.Errorf("fetch x: robots.txt: %w", fetch.ErrUnreachable)), "an unreachable host may come back")
	for _, e := range []error{fetch.ErrForbiddenAddress, fetch.ErrRobotsDisallowed, fetch.ErrTooLarge, fetch.ErrTooManyRedirects, fetch.ErrInvalidURL} {
		require.False(t, transient(fmt.Errorf("fetch x: %w", e)), e.Error())
	}
}

func TestVariantKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, "v1", VariantKey(extract.Variant{ID: "v1", SKU: "s"}))
	a := VariantKey(extract.Variant{Options: map[string]string{"사이즈": "M", "색상": "블랙"}})
	b := VariantKey(extract.Variant{Options: map[string]string{"색상": "블랙", "사이즈": "M"}})
	require.Equal(t, a, b, "stable regardless of map order")
	require.Equal(t, "opt:사이즈=M;색상=블랙", a)
	long := VariantKey(extract.Variant{ID: string(make([]byte, 300))})
	require.Len(t, long, len("sha256:")+64)
}

func TestClip(t *testing.T) {
	t.Parallel()
	require.Equal(t, "무선", clip("무선 이어폰", 2))
	require.Equal(t, "abc", clip("abc", 5))
}
