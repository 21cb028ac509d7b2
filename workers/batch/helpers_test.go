package batch

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/storetest"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// setup returns a fresh migrated database and a worker on it that enqueues
// into a recordingEnqueuer.
func setup(t *testing.T, cfg Config) (*sql.DB, *Worker, *recordingEnqueuer) {
	t.Helper()
	db := storetest.New(t)
	enq := &recordingEnqueuer{}
	w, err := New(db, enq, nil, cfg, quietLog())
	require.NoError(t, err)
	return db, w, enq
}

// recordingEnqueuer keeps what it is given (an in-memory scrap queue).
type recordingEnqueuer struct {
	mu   sync.Mutex
	envs []events.Envelope
}

func (r *recordingEnqueuer) Enqueue(_ context.Context, envs []events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.envs = append(r.envs, envs...)
	return nil
}

func (r *recordingEnqueuer) productIDs(t *testing.T) []int64 {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]int64, 0, len(r.envs))
	for _, env := range r.envs {
		var p events.ScrapeRequested
		require.NoError(t, env.Decode(&p))
		ids = append(ids, p.ProductID)
	}
	return ids
}

// countingSQS wraps the SQS client and records the entries of every
// SendMessageBatch call.
type countingSQS struct {
	*sqs.Client
	mu      sync.Mutex
	entries []int
}

func (c *countingSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c.mu.Lock()
	c.entries = append(c.entries, len(in.Entries))
	c.mu.Unlock()
	return c.Client.SendMessageBatch(ctx, in, opts...)
}

func (c *countingSQS) calls() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.entries...)
}

// product is one row to seed.
type product struct {
	shop      string
	status    string
	next      *time.Time
	lease     *time.Time
	failures  int
	watches   int
	createdAt time.Time
}

func ptr(t time.Time) *time.Time { u := t.UTC().Truncate(time.Microsecond); return &u }

// seed inserts products with multi-row INSERTs and returns their ids in order.
func seed(t testing.TB, db *sql.DB, ps []product) []int64 {
	t.Helper()
	ctx := context.Background()
	var first int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM products`).Scan(&first))
	const chunk = 2000
	for start := 0; start < len(ps); start += chunk {
		part := ps[start:min(start+chunk, len(ps))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO products (url_hash, canonical_url, shop, check_status, next_check_at, lease_until,
consecutive_failures, watch_count, created_at) VALUES `)
		args := make([]any, 0, 9*len(part))
		for i, p := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?,?,?)")
			u := fmt.Sprintf("https://%s/p/%d-%d", p.shop, start+i, time.Now().UnixNano())
			h := sha256.Sum256([]byte(u))
			args = append(args, hex.EncodeToString(h[:]), u, p.shop, p.status, p.next, p.lease, p.failures, p.watches, p.createdAt)
		}
		_, err := db.ExecContext(ctx, sb.String(), args...)
		require.NoError(t, err)
	}
	ids := queryIDs(t, db, `SELECT id FROM products WHERE id > ? ORDER BY id`, first)
	require.Len(t, ids, len(ps))
	return ids
}

// drain receives and deletes every message on the queue (each hidden for
// 10 minutes, so nothing is received twice) with two concurrent short polls, and
// returns how many distinct messages requested each product id.
func drain(t *testing.T, client *sqs.Client, url string) map[int64]int {
	t.Helper()
	ctx := context.Background()
	var (
		mu      sync.Mutex
		counts  = map[int64]int{}
		seen    = map[string]bool{} // moto may hand one message to two concurrent receivers
		redeliv int
		empty   atomic.Int32
	)
	g, gctx := errgroup.WithContext(ctx)
	for range 2 {
		g.Go(func() error {
			for empty.Load() < 3 {
				out, err := client.ReceiveMessage(gctx, &sqs.ReceiveMessageInput{
					QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 600,
					MessageAttributeNames: []string{"All"},
				})
				if err != nil {
					return err
				}
				if len(out.Messages) == 0 {
					empty.Add(1)
					continue
				}
				empty.Store(0)
				del := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					del[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if _, err := client.DeleteMessageBatch(gctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del}); err != nil {
					return err
				}
				for _, m := range out.Messages {
					if aws.ToString(m.MessageAttributes["type"].StringValue) != events.TypeScrapeRequested {
						return fmt.Errorf("message %s without type attribute", aws.ToString(m.MessageId))
					}
					env, err := events.DecodeEnvelope([]byte(aws.ToString(m.Body)))
					if err != nil {
						return err
					}
					var p events.ScrapeRequested
					if err := env.Decode(&p); err != nil {
						return err
					}
					if p.Reason != "schedule" || !strings.HasPrefix(env.DedupKey, fmt.Sprintf("rescrape:%d:", p.ProductID)) {
						return fmt.Errorf("bad re-scrape request %+v key %q", p, env.DedupKey)
					}
					mu.Lock()
					if id := aws.ToString(m.MessageId); seen[id] {
						redeliv++
					} else {
						seen[id] = true
						counts[p.ProductID]++
					}
					mu.Unlock()
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	if redeliv > 0 {
		t.Logf("drain: %d deliveries of an already received message id ignored", redeliv)
	}
	return counts
}

// queryIDs runs a query of one integer column and returns its values.
func queryIDs(t testing.TB, db *sql.DB, query string, args ...any) []int64 {
	t.Helper()
	rows, err := db.Query(query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}
