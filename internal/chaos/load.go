package chaos

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/fakeshop"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// watch is one watch the harness created.
type watch struct {
	ID      int64
	User    string
	Email   string
	Index   int
	Product int64
	Rule    string
	Target  int64
}

// token mints an HS256 bearer token for user (sub) with an email claim.
func token(secret, user, email string, exp time.Time) string {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": user, "email": email, "exp": exp.Unix(), "iat": time.Now().Unix()})
	s, _ := t.SignedString([]byte(secret))
	return s
}

func (h *harness) do(ctx context.Context, method, path, bearer string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.apiURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), nil
}

// submitAll submits one URL per shop product through the API with
// cfg.Concurrency clients, restarting the emulator at 25% and crashing the
// database at 55% of the submissions. A submission the API did not accept
// (5xx while a dependency is down) is retried after a pause.
func (h *harness) submitAll(ctx context.Context) error {
	n := h.cfg.Submissions
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	for w := 0; w < h.cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				for attempt := 1; ; attempt++ {
					sent := time.Now()
					body, _ := json.Marshal(map[string]string{"url": h.shop.URL(i)})
					code, resp, err := h.do(ctx, http.MethodPost, "/api/v1/scrapes", "", body)
					if err == nil && code == http.StatusAccepted {
						var r struct {
							ID int64 `json:"id"`
						}
						if json.Unmarshal(resp, &r) == nil && r.ID > 0 {
							h.mu.Lock()
							h.accepted = append(h.accepted, accepted{ID: r.ID, Index: i, Sent: sent, Attempt: attempt})
							h.mu.Unlock()
							break
						}
					}
					h.mu.Lock()
					h.rejected[code]++
					h.mu.Unlock()
					if attempt >= 60 {
						select {
						case errc <- fmt.Errorf("submission %d never accepted: %d %s %v", i, code, resp, err):
						default:
						}
						return
					}
					time.Sleep(time.Second)
				}
				done.Add(1)
			}
		}()
	}
	// Faults keyed to progress.
	emu, dbc := !h.cfg.RestartEmulator, !h.cfg.RestartDB
	for !(emu && dbc) {
		d := done.Load()
		if !emu && d >= int64(n/4) {
			emu = true
			if err := h.restartEmulator(ctx); err != nil {
				return err
			}
		}
		if !dbc && d >= int64(n*55/100) {
			dbc = true
			took, err := h.db.crashRestart(ctx, 2*time.Second)
			h.fault("mariadb-crash-restart", "mariadb", "SIGKILL, down "+took.Round(time.Millisecond).String())
			if err != nil {
				return err
			}
		}
		if d >= int64(n) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	h.log.Info("submissions accepted", "n", len(h.accepted), "rejected_attempts", h.rejected)
	return nil
}

// restartEmulator kills the AWS emulators, fauxqs (every queue, topic,
// subscription and message in flight) and moto (SES identity, schedules),
// starts them again on the same endpoints with no state, and re-runs
// `ddokso infra up` and the sender registration, as an operator would.
// Until then the relay's publishes fail (the outbox keeps them) and the
// consumers' receives fail; the messages that were on the queues are gone
// (the batch worker re-queues their stale pending requests).
func (h *harness) restartEmulator(ctx context.Context) error {
	t0 := time.Now()
	var wg sync.WaitGroup
	var errMQ, errMoto error
	wg.Add(2)
	go func() { defer wg.Done(); _, errMQ = h.mq.Restart(ctx) }()
	go func() { defer wg.Done(); _, errMoto = h.moto.Restart(ctx) }()
	wg.Wait()
	if err := errors.Join(errMQ, errMoto); err != nil {
		return fmt.Errorf("restart emulators: %w", err)
	}
	away := time.Since(t0)
	if err := h.infraUp(ctx); err != nil {
		return err
	}
	h.fault("emulator-restart", "fauxqs+moto_server", fmt.Sprintf("state lost; back after %s, infra up re-run after %s",
		away.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond)))
	return nil
}

// pending counts accepted submissions without a final outcome and returns
// the creation time of the oldest.
func (h *harness) pending(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest sql.NullTime
	err := h.sdb.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM scrape_requests WHERE status = 'pending' AND reason = 'user'`).Scan(&n, &oldest)
	return n, oldest.Time, err
}

// waitOutcomes waits until every submission has an outcome. While a
// submission is pending longer than the batch worker's re-queue age it
// sends the ticks the scheduler would: rescrape.due (the batch worker
// re-queues requests whose message was lost) and, past the request TTL,
// cleanup.daily (they expire). No tick is sent while none is needed: a
// tick is one more message a killed batch worker can take with it.
func (h *harness) waitOutcomes(ctx context.Context) error {
	deadline := time.Now().Add(h.cfg.Settle + h.requestTTL())
	var lastTick time.Time
	for {
		n, oldest, err := h.pending(ctx)
		if err == nil && n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d submissions still pending after %s (err %v)", n, h.cfg.Settle+h.requestTTL(), err)
		}
		if age := time.Since(oldest); err == nil && age > h.requeueAfter() && time.Since(lastTick) > h.requeueAfter()/3 {
			lastTick = time.Now()
			typ := events.TypeRescrapeDue
			if age > h.requestTTL() {
				typ = events.TypeCleanupDaily
			}
			if err := h.sendTick(ctx, typ, time.Now()); err != nil {
				h.log.Warn("tick", "type", typ, "err", err)
			}
		}
		h.log.Info("waiting for outcomes", "pending", n)
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
}

// createWatches creates watches for a share of the good products that were
// found: target watches (at 85% of the start price) on products whose price
// only falls, any_drop watches on the others. Each watch has its own user.
func (h *harness) createWatches(ctx context.Context) error {
	rows, err := h.sdb.QueryContext(ctx, `SELECT id, product_id FROM scrape_requests WHERE status = 'done' AND product_id IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("done requests: %w", err)
	}
	byID := map[int64]int64{}
	for rows.Next() {
		var id, pid int64
		if err := rows.Scan(&id, &pid); err != nil {
			rows.Close()
			return err
		}
		byID[id] = pid
	}
	rows.Close()
	for _, a := range h.accepted {
		if pid, ok := byID[a.ID]; ok {
			h.productOf[a.Index] = pid
		}
	}
	rnd := rand.New(rand.NewPCG(h.cfg.Seed, 5))
	for i := 0; i < h.shop.Len(); i++ {
		pid, ok := h.productOf[i]
		if !ok || !h.shop.Kind(i).Good() || rnd.Float64() >= h.cfg.WatchShare {
			continue
		}
		w := watch{User: fmt.Sprintf("chaos-user-%d", i), Email: fmt.Sprintf("user%d@chaos.test", i), Index: i, Product: pid, Rule: "any_drop"}
		req := map[string]any{"product_id": pid, "rule": "any_drop", "channels": []string{"email"}}
		if h.shop.Kind(i) == fakeshop.KindDescender {
			w.Rule, w.Target = "target", h.shop.StartPrice(i)*85/100
			req["rule"], req["target_price"] = "target", strconv.FormatInt(w.Target, 10)
		}
		body, _ := json.Marshal(req)
		var code int
		var resp []byte
		for attempt := 0; attempt < 10; attempt++ {
			code, resp, err = h.do(ctx, http.MethodPost, "/api/v1/me/watches", token(jwtSecret, w.User, w.Email, time.Now().Add(time.Hour)), body)
			if err == nil && code < 500 {
				break
			}
			time.Sleep(time.Second)
		}
		// A retry of a create whose answer was lost finds the watch it made:
		// 409 with existing_id.
		if code != http.StatusCreated && code != http.StatusOK && code != http.StatusConflict {
			return fmt.Errorf("create watch for product %d: %d %s (%v)", pid, code, resp, err)
		}
		var out struct {
			ID         int64 `json:"id"`
			ExistingID int64 `json:"existing_id"`
		}
		if err := json.Unmarshal(resp, &out); err != nil || out.ID+out.ExistingID == 0 {
			return fmt.Errorf("create watch: answer %s", resp)
		}
		w.ID = max(out.ID, out.ExistingID)
		h.watches = append(h.watches, w)
	}
	h.log.Info("watches created", "n", len(h.watches))
	return nil
}

// queueDepth is visible + in-flight messages of the main queues, with a
// per-queue breakdown for the log.
func (h *harness) queueDepth(ctx context.Context, inFlight bool) (int, string, error) {
	total := 0
	var detail []string
	for _, name := range []string{infra.QueueScrap, infra.QueueNotify, infra.QueueBatch} {
		out, err := h.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(h.res.Queues[name].URL),
			AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"}})
		if err != nil {
			return 0, "", err
		}
		for k, v := range out.Attributes {
			// A tick held by a killed batch worker comes back after the batch
			// queue's visibility timeout (105 s in the run); ticks are
			// idempotent, so only visible batch messages count.
			if (name == infra.QueueBatch || !inFlight) && k != "ApproximateNumberOfMessages" {
				continue
			}
			n, _ := strconv.Atoi(v)
			total += n
			if n > 0 {
				detail = append(detail, fmt.Sprintf("%s.%s=%d", name, strings.TrimPrefix(k, "ApproximateNumberOfMessages"), n))
			}
		}
	}
	slices.Sort(detail)
	return total, strings.Join(detail, " "), nil
}

// waitDrained waits until the outbox is published and the main queues hold
// no visible message, three checks in a row. The final drain (final) also
// waits for messages in flight or delayed (in flight on the batch queue
// excepted: ticks are idempotent) and for queued notifications; between
// phases, a message in flight (being handled, or held by a killed consumer
// until its visibility timeout) needs no waiting for.
func (h *harness) waitDrained(ctx context.Context, final bool) error {
	deadline := time.Now().Add(h.cfg.Settle)
	calm := 0
	for calm < 3 {
		if time.Now().After(deadline) {
			return fmt.Errorf("system did not drain within %s", h.cfg.Settle)
		}
		var outbox, queued int
		err1 := h.sdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE published_at IS NULL`).Scan(&outbox)
		err2 := h.sdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE status IN ('queued','deferred')`).Scan(&queued)
		depth, detail, err3 := h.queueDepth(ctx, final)
		if !final {
			queued = 0
		}
		if err1 == nil && err2 == nil && err3 == nil && outbox == 0 && depth == 0 && queued == 0 {
			calm++
		} else {
			calm = 0
			h.log.Info("draining", "outbox", outbox, "queue_depth", depth, "queues", detail, "queued_notifications", queued)
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// markDue makes products due now for the next rescrape.due tick.
func (h *harness) markDue(ctx context.Context, ids []int64) error {
	for len(ids) > 0 {
		k := min(len(ids), 500)
		ph := strings.TrimSuffix(strings.Repeat("?,", k), ",")
		args := make([]any, k)
		for j, id := range ids[:k] {
			args[j] = id
		}
		if _, err := h.sdb.ExecContext(ctx, `UPDATE products SET next_check_at = NOW(6) - INTERVAL 5 SECOND WHERE id IN (`+ph+`)`, args...); err != nil {
			return fmt.Errorf("mark due: %w", err)
		}
		ids = ids[k:]
	}
	return nil
}

// move runs phase 3: the shop changes prices and stock, re-scrape ticks
// follow, poison and duplicated messages arrive, and the security sweep runs.
func (h *harness) move(ctx context.Context) (*Security, error) {
	h.moveStart = time.Now()
	rnd := rand.New(rand.NewPCG(h.cfg.Seed, 11))
	end := h.moveStart.Add(h.cfg.MoveDuration)
	var sec *Security
	var secErr error
	secDone := make(chan struct{})
	go func() { defer close(secDone); sec, secErr = h.securitySweep(ctx) }()
	poisoned, duplicated := false, false
	for time.Now().Before(end) {
		changes := h.shop.Mutate(h.cfg.MovesPerTick)
		var due []int64
		for _, c := range changes {
			if pid, ok := h.productOf[c.Product]; ok {
				due = append(due, pid)
			}
		}
		// Some unchanged products too: a check that finds no change records none.
		for j := 0; j < h.cfg.MovesPerTick/3; j++ {
			if pid, ok := h.productOf[rnd.IntN(h.shop.Len())]; ok {
				due = append(due, pid)
			}
		}
		if err := h.markDue(ctx, due); err != nil {
			return nil, err
		}
		if err := h.sendTick(ctx, events.TypeRescrapeDue, time.Now()); err != nil {
			h.log.Warn("rescrape tick", "err", err)
		}
		if !poisoned && time.Since(h.moveStart) > h.cfg.MoveDuration/3 {
			poisoned = true
			if err := h.quietBatch(ctx); err != nil {
				return nil, err
			}
			if err := h.sendPoison(ctx); err != nil {
				return nil, err
			}
		}
		if !duplicated && time.Since(h.moveStart) > h.cfg.MoveDuration/2 {
			duplicated = true
			if err := h.sendDuplicates(ctx, 20+h.cfg.Submissions/100); err != nil {
				return nil, err
			}
		}
		if err := sleep(ctx, h.cfg.TickEvery); err != nil {
			return nil, err
		}
	}
	<-secDone
	return sec, secErr
}

// quiesce checks every good product once more with faults off and prices
// frozen, until each was checked after the freeze. Each pass marks the
// products not yet re-checked due, sends one rescrape tick and waits until
// the batch and scrap queues are idle before it looks again, so a pass never
// queues a product whose check is still on its way.
func (h *harness) quiesce(ctx context.Context) error {
	h.quiesceAt = time.Now()
	deadline := h.quiesceAt.Add(h.cfg.Settle)
	good := map[int64]bool{}
	for i, pid := range h.productOf {
		if h.shop.Kind(i).Good() {
			good[pid] = true
		}
	}
	for pass := 1; ; pass++ {
		// Every good product, whatever its last check said (a random fault may
		// have left it blocked or failed).
		ids, err := h.uncheckedSince(ctx, h.quiesceAt, good)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			h.log.Info("quiesce: every good product re-checked", "passes", pass-1, "took", time.Since(h.quiesceAt).Round(time.Second))
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("quiesce: %d products not re-checked within %s", len(ids), h.cfg.Settle)
		}
		h.log.Info("quiesce: re-checking", "pass", pass, "products", len(ids))
		if err := h.markDue(ctx, ids); err != nil {
			return err
		}
		at := time.Now()
		if err := h.sendTick(ctx, events.TypeRescrapeDue, at); err != nil {
			h.log.Warn("rescrape tick", "err", err)
			continue
		}
		if err := h.waitTick(ctx, events.NewTick(events.TypeRescrapeDue, at).Key(), min(time.Until(deadline), time.Minute)); err != nil {
			h.log.Warn("quiesce: rescrape tick not done; sending another", "err", err)
			continue
		}
		if err := h.waitIdle(ctx, deadline, infra.QueueScrap); err != nil {
			return err
		}
	}
}

// waitTick waits until the batch worker has finished the tick with key
// (its batch_ticks row reached the done phase).
func (h *harness) waitTick(ctx context.Context, key string, timeout time.Duration) error {
	end := time.Now().Add(timeout)
	for {
		var done bool
		err := h.sdb.QueryRowContext(ctx, `SELECT done_at IS NOT NULL FROM batch_ticks WHERE tick_key = ?`, key).Scan(&done)
		if err == nil && done {
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			h.log.Warn("tick state", "key", key, "err", err)
		}
		if time.Now().After(end) {
			return fmt.Errorf("tick %s not done within %s", key, timeout)
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
}

// uncheckedSince returns the products in want whose last check is before t.
func (h *harness) uncheckedSince(ctx context.Context, t time.Time, want map[int64]bool) ([]int64, error) {
	rows, err := h.sdb.QueryContext(ctx, `SELECT id FROM products WHERE last_checked_at IS NULL OR last_checked_at < ?`, t)
	if err != nil {
		return nil, fmt.Errorf("unchecked products: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if want[id] {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// waitIdle waits until the queues hold nothing visible, in flight or
// delayed, two looks in a row.
func (h *harness) waitIdle(ctx context.Context, deadline time.Time, queues ...string) error {
	calm := 0
	for calm < 2 {
		if time.Now().After(deadline) {
			return fmt.Errorf("queues %v not idle within %s", queues, h.cfg.Settle)
		}
		n := 0
		for _, q := range queues {
			d, err := h.depth(ctx, q)
			if err != nil {
				h.log.Warn("queue depth", "queue", q, "err", err)
				n++
				continue
			}
			n += d
		}
		if n == 0 {
			calm++
		} else {
			calm = 0
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	return nil
}

// depth is a queue's visible, in-flight and delayed messages.
func (h *harness) depth(ctx context.Context, name string) (int, error) {
	out, err := h.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(h.res.Queues[name].URL),
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"}})
	if err != nil {
		return 0, fmt.Errorf("depth of %s: %w", name, err)
	}
	total := 0
	for _, v := range out.Attributes {
		n, _ := strconv.Atoi(v)
		total += n
	}
	return total, nil
}

// quietBatch stops kills of the batch worker and waits until its last kill
// is more than a long poll ago. A consumer killed during a long poll leaves
// the poll open on the server, which hands messages arriving in the next
// 20 s to the dead connection; they stay hidden for the batch queue's
// visibility timeout (105 s in the run), longer than what is left of a
// short run.
func (h *harness) quietBatch(ctx context.Context) error {
	h.mu.Lock()
	h.spareBatch = true
	h.mu.Unlock()
	if p := h.batchProc(); p != nil {
		p.mu.Lock()
		since := time.Since(p.started)
		p.mu.Unlock()
		return sleep(ctx, deadPollGrace-since)
	}
	return nil
}

// sendPoison puts malformed, unknown-type and missing-field messages straight
// on every queue; each must end in that queue's DLQ.
func (h *harness) sendPoison(ctx context.Context) error {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	bodies := map[string][]string{
		infra.QueueScrap: {`{"id": "chaos-poison-1", "type": `, `{"id":"chaos-poison-2","type":"chaos.unknown","version":1,"occurred_at":"` + now + `","payload":{}}`,
			`{"id":"chaos-poison-3","type":"scrape.requested","version":1,"occurred_at":"` + now + `","payload":{}}`},
		infra.QueueNotify: {`not json at all`, `{"id":"chaos-poison-5","type":"chaos.unknown","version":1,"occurred_at":"` + now + `","payload":{}}`,
			`{"id":"chaos-poison-6","type":"price.changed","version":1,"occurred_at":"` + now + `","payload":{"changes":[]}}`},
		infra.QueueBatch: {`{"id": 7`, `{"id":"chaos-poison-8","type":"chaos.unknown","version":1,"occurred_at":"` + now + `","payload":{}}`,
			`{"id":"chaos-poison-9","type":"rescrape.due"}`},
		infra.QueueSES: {`<xml>not json</xml>`},
	}
	for q, bs := range bodies {
		for _, b := range bs {
			if _, err := h.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(h.res.Queues[q].URL), MessageBody: aws.String(b)}); err != nil {
				return fmt.Errorf("poison %s: %w", q, err)
			}
			h.mu.Lock()
			h.poison[q] = append(h.poison[q], b)
			h.mu.Unlock()
		}
		h.fault("poison", q, strconv.Itoa(len(bs))+" messages")
	}
	return nil
}

// sendDuplicates sends copies of n already published envelopes straight to
// the queue that consumes them.
func (h *harness) sendDuplicates(ctx context.Context, n int) error {
	rows, err := h.sdb.QueryContext(ctx, `SELECT event_type, body FROM outbox WHERE published_at IS NOT NULL
AND event_type IN ('scrape.requested','price.changed') ORDER BY RAND() LIMIT ?`, n)
	if err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	defer rows.Close()
	sent := 0
	for rows.Next() {
		var typ, body string
		if err := rows.Scan(&typ, &body); err != nil {
			return err
		}
		q := infra.QueueScrap
		if typ == events.TypePriceChanged {
			q = infra.QueueNotify
		}
		if _, err := h.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(h.res.Queues[q].URL), MessageBody: aws.String(body)}); err != nil {
			return fmt.Errorf("duplicate: %w", err)
		}
		sent++
	}
	h.mu.Lock()
	h.duplicates += sent
	h.mu.Unlock()
	h.fault("duplicate-delivery", "scrap+notify", strconv.Itoa(sent)+" copies of published envelopes")
	return rows.Err()
}
