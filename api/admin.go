package api

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/shopurl"
	"github.com/ddokso/ddokso/store"
)

// QueueDepth is one queue's backlog as the operator endpoint reports it.
type QueueDepth struct {
	Name  string `json:"name"`
	Depth int    `json:"depth"`
	DLQ   int    `json:"dlq"`
	Error string `json:"error,omitempty"`
}

func (s *server) adminQueues(c *gin.Context) {
	names := make([]string, 0, len(s.deps.Queues))
	for n := range s.deps.Queues {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]QueueDepth, 0, len(names))
	for _, n := range names {
		q := QueueDepth{Name: n}
		d, dlq, err := s.deps.Queues[n].Depth(c.Request.Context())
		if err != nil {
			q.Error = err.Error()
		}
		q.Depth, q.DLQ = d, dlq
		out = append(out, q)
	}
	c.JSON(http.StatusOK, gin.H{"queues": out})
}

func (s *server) adminRedrive(c *gin.Context) {
	name := c.Param("name")
	if _, ok := s.deps.Queues[name]; !ok {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("no queue named %q", name))
		return
	}
	if s.deps.DLQRedrive == nil {
		fail(c, http.StatusNotImplemented, "not-implemented", "DLQ redrive is not available in this process")
		return
	}
	moved, err := s.deps.DLQRedrive(c.Request.Context(), name)
	if err != nil {
		s.failErr(c, fmt.Errorf("redrive %s: %w", name, err))
		return
	}
	s.log.InfoContext(c.Request.Context(), "operator redrove DLQ", "queue", name, "moved", moved)
	c.JSON(http.StatusOK, gin.H{"queue": name, "moved": moved})
}

func (s *server) adminRescrape(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	var (
		scrapeID int64
		created  bool
	)
	err := store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var u string
		err := tx.QueryRowContext(ctx, `SELECT canonical_url FROM products WHERE id = ?`, id).Scan(&u)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return fmt.Errorf("look up product %d: %w", id, err)
		}
		canon := shopurl.Canonical{URL: u}
		scrapeID, created, err = s.startScrape(ctx, tx, scrapeRequest{raw: u, canon: canon, hash: shopurl.Hash(u), reason: "operator", productID: id})
		return err
	})
	if errors.Is(err, errNotFound) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("product %d does not exist", id))
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	if created {
		s.kick()
	}
	c.JSON(http.StatusAccepted, gin.H{"id": scrapeID, "status": "pending", "product_id": id, "joined_in_flight": !created})
}
