package api

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// productCacheMax bounds the entries of the product cache.
const productCacheMax = 10_000

// loadTimeout bounds a shared product load.
const loadTimeout = 10 * time.Second

// cachedProduct is a loaded product and its JSON encoding.
type cachedProduct struct {
	p       *Product
	body    []byte
	expires time.Time
}

// productCache keeps recently loaded products for a short TTL, so a hot
// product costs one query per TTL instead of one per request. Nothing
// invalidates it: a reader may see a product up to TTL old. Concurrent
// misses of one id share a single load.
type productCache struct {
	ttl   time.Duration
	group singleflight.Group

	mu sync.Mutex
	m  map[int64]*cachedProduct
}

func newProductCache(ttl time.Duration) *productCache {
	return &productCache{ttl: ttl, m: map[int64]*cachedProduct{}}
}

// get returns the product id from the cache or load; a zero TTL always loads.
func (c *productCache) get(ctx context.Context, id int64, load func(context.Context, int64) (*Product, error)) (*cachedProduct, error) {
	if c.ttl <= 0 {
		return c.encode(ctx, id, load)
	}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e, nil
	}
	v, err, _ := c.group.Do(strconv.FormatInt(id, 10), func() (any, error) {
		// The load is shared: one caller going away must not fail the others.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		e, err := c.encode(lctx, id, load)
		if err != nil {
			return nil, err
		}
		c.put(id, e)
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*cachedProduct), nil
}

func (c *productCache) encode(ctx context.Context, id int64, load func(context.Context, int64) (*Product, error)) (*cachedProduct, error) {
	p, err := load(ctx, id)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return &cachedProduct{p: p, body: body, expires: time.Now().Add(c.ttl)}, nil
}

// put stores e, first dropping expired entries (and then arbitrary ones)
// when the cache is full.
func (c *productCache) put(id int64, e *cachedProduct) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= productCacheMax {
		now := time.Now()
		for k, v := range c.m {
			if !now.Before(v.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < productCacheMax {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[id] = e
}
