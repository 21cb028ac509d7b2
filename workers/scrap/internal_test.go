package scrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
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

// pageFetcher answers every URL with one product page.
type pageFetcher struct{ body []byte }

func (f pageFetcher) Fetch(_ context.Context, req fetch.Request) (*fetch.Result, error) {
	return &fetch.Result{StatusCode: http.StatusOK, FinalURL: req.URL, Body: f.body}, nil
}

// TestExtractionsAtOnceAreBoundedByCPUs: however many handlers run, at
// most GOMAXPROCS extractions hold a DOM at once, and every check still
// finds its product.
func TestExtractionsAtOnceAreBoundedByCPUs(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/none") // never used: check writes nothing
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	page := []byte(`<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"무선 이어폰",` +
		`"offers":{"@type":"Offer","price":"159000","priceCurrency":"KRW"}}</script></head><body><h1>무선 이어폰</h1></body></html>`)
	w, err := New(db, pageFetcher{body: page}, Config{}, nil)
	require.NoError(t, err)
	var now, most atomic.Int64
	w.extract = func(pageURL string, body []byte) (*extract.Product, error) {
		n := now.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		defer now.Add(-1)
		return extract.Extract(pageURL, body)
	}
	const handlers = 16
	var wg sync.WaitGroup
	for i := range handlers {
		wg.Go(func() {
			u := fmt.Sprintf("https://shop.example/products/%d", i)
			o, err := w.check(context.Background(), target{url: u}, validators{}, 1)
			require.NoError(t, err)
			require.Equal(t, events.OutcomeDone, o.status, o.reason)
			require.Equal(t, int64(159000), o.product.Price.Minor)
		})
	}
	wg.Wait()
	require.LessOrEqual(t, most.Load(), int64(runtime.GOMAXPROCS(0)))
	require.Positive(t, most.Load())

	// A handler waiting for a slot leaves when its context ends.
	for range cap(w.extractSlots) {
		w.extractSlots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = w.check(ctx, target{url: "https://shop.example/products/x"}, validators{}, 1)
	require.ErrorIs(t, err, context.Canceled)
}
