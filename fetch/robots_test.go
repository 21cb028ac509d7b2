package fetch

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFetchRespectsRobotsDisallow(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var robotsHits, pageHits atomic.Int32
	env.mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		robotsHits.Add(1)
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /cart\n\nUser-agent: ddokso-bot\nDisallow: /private/\nDisallow: /search?\n"))
	})
	env.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		pageHits.Add(1)
		serveHTML(productPage)(w, r)
	})

	_, err := env.fetch(t, "/private/p/1")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
	_, err = env.fetch(t, "/search?q=earphone")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
	require.Zero(t, pageHits.Load(), "a disallowed page is never requested")

	res, err := env.fetch(t, "/cart") // only disallowed for other agents
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	_, err = env.fetch(t, "/p/1")
	require.NoError(t, err)
	require.EqualValues(t, 1, robotsHits.Load(), "robots.txt is cached per host")
}

func TestFetchRobotsDisallowedRedirectTarget(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /members/\n"))
	})
	env.mux.HandleFunc("/p/1", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/members/login", http.StatusFound)
	})

	_, err := env.fetch(t, "/p/1")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
}

func TestFetchRobots404AllowsAll(t *testing.T) {
	t.Parallel()
	env := setup(t) // mux has no /robots.txt: 404
	env.mux.HandleFunc("/private/p/1", serveHTML(productPage))

	res, err := env.fetch(t, "/private/p/1")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
}

func TestFetchRobots5xxDisallowsTemporarily(t *testing.T) {
	t.Parallel()
	env := setup(t, func(c *Config) { c.RobotsErrorTTL = 50 * time.Millisecond })
	var robotsHits atomic.Int32
	env.mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		if robotsHits.Add(1) == 1 {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		http.NotFound(w, nil)
	})
	env.mux.HandleFunc("/p/1", serveHTML(productPage))

	_, err := env.fetch(t, "/p/1")
	require.ErrorIs(t, err, ErrRobotsDisallowed)
	_, err = env.fetch(t, "/p/1")
	require.ErrorIs(t, err, ErrRobotsDisallowed, "the temporary disallow is cached")
	require.EqualValues(t, 1, robotsHits.Load())

	require.Eventually(t, func() bool {
		_, err := env.fetch(t, "/p/1")
		return err == nil
	}, 5*time.Second, 20*time.Millisecond, "after RobotsErrorTTL robots.txt is fetched again")
	require.EqualValues(t, 2, robotsHits.Load())
}

func TestFetchIgnoreRobots(t *testing.T) {
	t.Parallel()
	env := setup(t, func(c *Config) { c.IgnoreRobots = true })
	var robotsHits atomic.Int32
	env.mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		robotsHits.Add(1)
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /\n"))
	})
	env.mux.HandleFunc("/p/1", serveHTML(productPage))

	_, err := env.fetch(t, "/p/1")
	require.NoError(t, err)
	require.Zero(t, robotsHits.Load())
}

func TestRobotsCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newRobotsCache(3)
	now := time.Now()
	for i, origin := range []string{"http://a", "http://b", "http://c", "http://d", "http://e"} {
		c.put(origin, robotsEntry{expires: now.Add(time.Hour + time.Duration(i)*time.Minute)})
	}
	require.Equal(t, 3, c.len())
	_, ok := c.get("http://a", now)
	require.False(t, ok, "the entry expiring soonest is evicted first")
	_, ok = c.get("http://e", now)
	require.True(t, ok)
	_, ok = c.get("http://e", now.Add(2*time.Hour))
	require.False(t, ok, "expired entries are not served")
}
