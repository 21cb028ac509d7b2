package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ddokso/ddokso/internal/fakeshop"
)

type obs struct {
	Price int64
	Avail string
	At    time.Time
}

func stateOf(s fakeshop.State) obs {
	a := "in_stock"
	if !s.InStock {
		a = "out_of_stock"
	}
	return obs{Price: s.Price, Avail: a}
}

func (o obs) same(p obs) bool { return o.Price == p.Price && o.Avail == p.Avail }

func (o obs) String() string { return fmt.Sprintf("%d/%s", o.Price, o.Avail) }

func addViolation(in *Invariant, format string, args ...any) {
	in.Violations++
	if len(in.Examples) < 5 {
		in.Examples = append(in.Examples, fmt.Sprintf(format, args...))
	}
}

// check evaluates every invariant and builds the report.
func (h *harness) check(ctx context.Context, sec *Security) (*Report, error) {
	rep := &Report{Profile: h.cfg, Faults: map[string]int{}, Latency: map[string]string{}, Resources: map[string]any{}, Security: sec}
	for _, f := range h.faults {
		rep.Faults[f.Kind]++
	}
	rep.FaultLog = h.faults

	// 1. Outcomes.
	out := Invariant{Name: "every accepted submission has exactly one final outcome"}
	agree := Invariant{Name: "outcome agrees with what the shop served"}
	statuses := map[string]int{}
	var lat []time.Duration
	reqs := h.shop.Requests()
	// faultAt lists, per product, when the shop answered it with a fault.
	faultAt := map[int][]time.Time{}
	for _, r := range reqs {
		if r.Product >= 0 && r.Fault != "" {
			faultAt[r.Product] = append(faultAt[r.Product], r.At)
		}
	}
	seen := map[int64]bool{}
	for _, a := range h.accepted {
		out.Checked++
		if seen[a.ID] {
			addViolation(&out, "request %d accepted twice", a.ID)
			continue
		}
		seen[a.ID] = true
		var status string
		var created time.Time
		var finished *time.Time
		if err := h.sdb.QueryRowContext(ctx, `SELECT status, created_at, finished_at FROM scrape_requests WHERE id = ?`, a.ID).Scan(&status, &created, &finished); err != nil {
			addViolation(&out, "request %d: %v", a.ID, err)
			continue
		}
		statuses[status]++
		if status == "pending" || finished == nil {
			addViolation(&out, "request %d (product %d) has no outcome: %s", a.ID, a.Index, status)
			continue
		}
		lat = append(lat, finished.Sub(created))
		agree.Checked++
		k := h.shop.Kind(a.Index)
		switch {
		case status == "expired":
			// A message the emulator lost; counted below, not a disagreement.
		case k.Good() && status == "done":
		case k.Good() && (status == "failed" || status == "blocked"):
			// The outcome is the first check's (a late or duplicated delivery
			// checks the page again but keeps it), so some answer up to the
			// outcome must have been a fault.
			if !slices.ContainsFunc(faultAt[a.Index], func(t time.Time) bool { return !t.After(*finished) }) {
				addViolation(&agree, "product %d (%s) ended %s at %s but the shop never answered it with a fault before",
					a.Index, k, status, finished.Format(time.RFC3339Nano))
			}
		case k == fakeshop.KindNotProduct && status == "not_a_product":
		case (k == fakeshop.KindAlways429 || k == fakeshop.KindAlways500) && (status == "failed" || status == "blocked"):
		case k == fakeshop.KindCaptcha && status == "blocked":
		default:
			addViolation(&agree, "product %d (%s) ended %s", a.Index, k, status)
		}
	}
	out.Detail = fmt.Sprintf("outcomes %v; expired = still pending after the request TTL: its scrape.requested and both batch re-queues lost", statuses)
	rep.Invariants = append(rep.Invariants, out, agree)
	slices.Sort(lat)
	if len(lat) > 0 {
		rep.Latency["p50"] = lat[len(lat)/2].Round(time.Millisecond).String()
		rep.Latency["p99"] = lat[min(len(lat)-1, len(lat)*99/100)].Round(time.Millisecond).String()
		rep.Latency["max"] = lat[len(lat)-1].Round(time.Millisecond).String()
	}

	// 2. Price history against what the shop served.
	hist, err := h.history(ctx)
	if err != nil {
		return nil, err
	}
	served := map[int][]obs{}
	for _, r := range reqs {
		if r.Served != nil && r.Status == http.StatusOK {
			o := stateOf(*r.Served)
			o.At = r.At
			served[r.Product] = append(served[r.Product], o)
		}
	}
	dup := Invariant{Name: "no duplicate observation (consecutive equal states)"}
	phantom := Invariant{Name: "history is a subsequence of the states the shop served, in order"}
	final := Invariant{Name: "last recorded state equals the shop's state after the final check"}
	unrecorded, observations := 0, 0
	for i, pid := range h.productOf {
		if !h.shop.Kind(i).Good() {
			continue
		}
		t := hist[pid]
		observations += len(t)
		dup.Checked++
		for j := 1; j < len(t); j++ {
			if t[j].same(t[j-1]) {
				addViolation(&dup, "product %d: %s recorded twice in a row", pid, t[j])
			}
		}
		// Compressed served sequence.
		var s []obs
		for _, o := range served[i] {
			if len(s) == 0 || !s[len(s)-1].same(o) {
				s = append(s, o)
			}
		}
		phantom.Checked++
		k := 0
		for _, o := range t {
			for k < len(s) && !s[k].same(o) {
				k++
			}
			if k == len(s) {
				addViolation(&phantom, "product %d: recorded %s not served in this order (history %v, served %v)", pid, o, t, s)
				break
			}
			k++
		}
		if len(s) > len(t) {
			unrecorded += len(s) - len(t)
		}
		final.Checked++
		cur := stateOf(h.shop.State(i))
		if len(t) == 0 || !t[len(t)-1].same(cur) {
			addViolation(&final, "product %d: last recorded %v, shop shows %s", pid, lastOf(t), cur)
		}
	}
	dup.Detail = fmt.Sprintf("%d changed observations on %d products", observations, dup.Checked)
	phantom.Detail = fmt.Sprintf("%d served states never recorded (fetch served, worker killed or page changed again before commit; not a violation)", unrecorded)
	rep.Invariants = append(rep.Invariants, dup, phantom, final)

	// 3. Alerts: one notification and one email per alert-worthy change.
	alerts, emails, err := h.checkAlerts(ctx, hist)
	if err != nil {
		return nil, err
	}
	rep.Invariants = append(rep.Invariants, alerts, emails)

	// 4. DLQs hold exactly the poison.
	rep.Invariants = append(rep.Invariants, h.checkDLQs(ctx))

	// 5. Outbox drained.
	ob := Invariant{Name: "outbox drained", Checked: 1}
	var pending, total int
	_ = h.sdb.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(published_at IS NULL),0) FROM outbox`).Scan(&total, &pending)
	if pending > 0 {
		addViolation(&ob, "%d outbox rows unpublished", pending)
	}
	ob.Detail = fmt.Sprintf("%d rows, %d unpublished", total, pending)
	rep.Invariants = append(rep.Invariants, ob)

	// 6. Processes: no unexpected exits, bounded goroutines and RSS.
	rep.Invariants = append(rep.Invariants, h.checkProcesses(rep))

	// 7. Security.
	rep.Invariants = append(rep.Invariants, h.checkSecurity(ctx, sec)...)

	h.mu.Lock()
	rep.Load = map[string]any{
		"submissions_accepted": len(h.accepted), "submission_attempts_not_accepted": fmt.Sprint(h.rejected),
		"watches": len(h.watches), "shop_changes": len(h.shop.Changes()), "shop_requests": len(reqs),
		"duplicates_sent": h.duplicates, "price_move_phase": h.cfg.MoveDuration.String(),
	}
	h.mu.Unlock()
	rep.Passed = true
	for _, in := range rep.Invariants {
		if in.Violations > 0 {
			rep.Passed = false
		}
	}
	return rep, nil
}

func lastOf(t []obs) any {
	if len(t) == 0 {
		return "nothing"
	}
	return t[len(t)-1]
}

// history is each product's changed observations (variant 0) in order.
func (h *harness) history(ctx context.Context) (map[int64][]obs, error) {
	rows, err := h.sdb.QueryContext(ctx, `SELECT product_id, price, availability, observed_at FROM price_observations
WHERE variant_id = 0 AND changed = 1 ORDER BY product_id, observed_at, id`)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	out := map[int64][]obs{}
	for rows.Next() {
		var pid int64
		var price *int64
		var o obs
		if err := rows.Scan(&pid, &price, &o.Avail, &o.At); err != nil {
			return nil, err
		}
		if price != nil {
			o.Price = *price
		}
		out[pid] = append(out[pid], o)
	}
	return out, rows.Err()
}

// checkAlerts replays each watched product's recorded history through the
// watch's rule and compares with the delivery log and moto's sent mail.
func (h *harness) checkAlerts(ctx context.Context, hist map[int64][]obs) (Invariant, Invariant, error) {
	al := Invariant{Name: "each alert-worthy change produced exactly one notification"}
	em := Invariant{Name: "each notification produced exactly one email (moto SES)"}
	seoul, _ := time.LoadLocation("Asia/Seoul")
	mail, err := h.sentMail(ctx)
	if err != nil {
		return al, em, err
	}
	expectedTotal, sentTotal := 0, 0
	for _, w := range h.watches {
		t := hist[w.Product]
		want := map[string]bool{}
		for j := 1; j < len(t); j++ {
			if t[j].At.Before(h.moveStart) {
				continue
			}
			o, n := t[j-1].Price, t[j].Price
			switch w.Rule {
			case "any_drop":
				if n < o && o-n >= 10 && float64(o-n)*100 >= 0.5*float64(o) {
					want[fmt.Sprintf("%d@%s", n, t[j].At.In(seoul).Format(time.DateOnly))] = true
				}
			case "target":
				if n <= w.Target && len(want) == 0 {
					want[fmt.Sprintf("%d@%s", n, t[j].At.In(seoul).Format(time.DateOnly))] = true
				}
			}
		}
		rows, err := h.sdb.QueryContext(ctx, `SELECT new_price, status, local_day FROM notifications WHERE watch_id = ? AND channel = 'email'`, w.ID)
		if err != nil {
			return al, em, err
		}
		got := map[string]int{}
		sent := 0
		for rows.Next() {
			var price int64
			var status string
			var day time.Time
			if err := rows.Scan(&price, &status, &day); err != nil {
				rows.Close()
				return al, em, err
			}
			got[fmt.Sprintf("%d@%s", price, day.Format(time.DateOnly))]++
			if status == "sent" {
				sent++
			} else {
				addViolation(&em, "watch %d: notification %d left %s", w.ID, price, status)
			}
		}
		rows.Close()
		al.Checked++
		expectedTotal += len(want)
		sentTotal += sent
		if w.Rule == "target" {
			// Exactly one alert when the price crossed the target; its price
			// is whichever crossing change notify handled first.
			if (len(want) == 1) != (len(got) == 1) || len(got) > 1 {
				addViolation(&al, "target watch %d: want %v got %v (history %v)", w.ID, want, got, t)
			}
		} else {
			for k := range want {
				if got[k] != 1 {
					addViolation(&al, "watch %d: alert %s sent %d times (history %v)", w.ID, k, got[k], t)
				}
			}
			for k, c := range got {
				if !want[k] {
					addViolation(&al, "watch %d: unexpected alert %s (x%d, history %v)", w.ID, k, c, t)
				}
			}
		}
		em.Checked++
		if mail[w.Email] != sent {
			addViolation(&em, "watch %d (%s): %d notifications sent, %d emails in moto", w.ID, w.Email, sent, mail[w.Email])
		}
	}
	al.Detail = fmt.Sprintf("%d alert-worthy changes on %d watches", expectedTotal, len(h.watches))
	em.Detail = fmt.Sprintf("%d notifications sent, %d emails to watchers in moto; %d SES Send receipts published, %d rows marked sent by their receipt",
		sentTotal, sumMail(mail), h.receipts.Published(), h.logCount("notify-", "notification marked sent by its SES receipt"))
	return al, em, nil
}

func sumMail(m map[string]int) int {
	n := 0
	for k, v := range m {
		if strings.HasSuffix(k, "@chaos.test") {
			n += v
		}
	}
	return n
}

// sentMail counts moto's sent messages per recipient (/moto-api/data.json, ses).
func (h *harness) sentMail(ctx context.Context) (map[string]int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.moto.Endpoint()+"/moto-api/data.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	out := map[string]int{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, d := range x {
				if strings.Contains(strings.ToLower(k), "destination") {
					// One message: moto lists a raw message's recipient once per
					// source (Destination and To header), so count each address once.
					seen := map[string]bool{}
					for _, addr := range addresses(d) {
						if !seen[addr] {
							seen[addr] = true
							out[addr]++
						}
					}
					continue
				}
				walk(d)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(data["ses"])
	walk(data["sesv2"])
	return out, nil
}

func addresses(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		for _, p := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' || r == '<' || r == '>' }) {
			if strings.Contains(p, "@") {
				out = append(out, strings.ToLower(p))
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, addresses(e)...)
		}
	case map[string]any:
		for _, e := range x {
			out = append(out, addresses(e)...)
		}
	}
	return out
}

// checkDLQs drains every DLQ and compares it with the poison sent to its queue.
func (h *harness) checkDLQs(ctx context.Context) Invariant {
	in := Invariant{Name: "DLQs hold exactly the poison messages"}
	total := 0
	for name, ref := range h.res.Queues {
		want := map[string]int{}
		for _, b := range h.poison[name] {
			want[b]++
			in.Checked++
		}
		got, why := map[string]int{}, map[string]string{}
		for empty := 0; empty < 2; {
			out, err := h.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(ref.DLQURL), MaxNumberOfMessages: 10,
				WaitTimeSeconds: 1, VisibilityTimeout: 600, MessageAttributeNames: []string{"All"}})
			if err != nil {
				addViolation(&in, "receive %s dlq: %v", name, err)
				break
			}
			if len(out.Messages) == 0 {
				empty++
				continue
			}
			for _, m := range out.Messages {
				got[aws.ToString(m.Body)]++
				total++
				if attrs := dlqAttributes(m.MessageAttributes); attrs != "" {
					why[aws.ToString(m.Body)] = attrs
				}
			}
		}
		for b, c := range want {
			if got[b] != c {
				addViolation(&in, "%s dlq: poison %.60q found %d times", name, b, got[b])
			}
		}
		for b, c := range got {
			if want[b] == 0 {
				reason := why[b]
				if reason == "" {
					reason = "no dead-letter reason: moved by the queue's redrive policy (maxReceiveCount receives without a delete)"
				}
				addViolation(&in, "%s dlq: unexpected message (x%d; %s) %.200s", name, c, reason, b)
			}
		}
	}
	in.Detail = fmt.Sprintf("%d poison sent, %d messages in DLQs", in.Checked, total)
	return in
}

// checkProcesses: no process exited on its own; goroutines and RSS of each
// process's final instance stayed bounded.
func (h *harness) checkProcesses(rep *Report) Invariant {
	in := Invariant{Name: "processes: no crash, bounded goroutines and RSS"}
	for _, p := range h.procsAll() {
		in.Checked++
		p.mu.Lock()
		var inst []sample
		pid := 0
		if p.child != nil {
			pid = p.child.PID()
		}
		peak := int64(0)
		for _, s := range p.samples {
			peak = max(peak, s.RSSKB)
			if s.PID == pid && s.Goroutines >= 0 {
				inst = append(inst, s)
			}
		}
		restarts := p.restarts
		p.mu.Unlock()
		detail := fmt.Sprintf("kills %d, peak RSS %d MiB", restarts, peak/1024)
		if len(inst) >= 2 {
			first, last := inst[0], inst[len(inst)-1]
			detail += fmt.Sprintf(", final instance goroutines %d→%d, RSS %d→%d MiB over %s", first.Goroutines, last.Goroutines,
				first.RSSKB/1024, last.RSSKB/1024, last.At.Sub(first.At).Round(time.Second))
			if last.Goroutines > 2*first.Goroutines+50 {
				addViolation(&in, "%s: goroutines grew %d→%d", p.name, first.Goroutines, last.Goroutines)
			}
			if last.RSSKB > max(4*first.RSSKB, 512*1024) {
				addViolation(&in, "%s: RSS grew %d→%d KiB", p.name, first.RSSKB, last.RSSKB)
			}
		}
		if n := h.unexpected[p.name]; n > 0 {
			addViolation(&in, "%s exited on its own %d times (see logs/%s.log)", p.name, n, p.name)
		}
		if n := h.startFailures[p.name]; n > 0 {
			detail += fmt.Sprintf(", %d start-ups refused while a dependency was down (restarted)", n)
		}
		rep.Resources[p.name] = detail
	}
	return in
}

func (h *harness) procsAll() []*proc { return append([]*proc{h.api}, h.procs...) }

func (h *harness) checkSecurity(ctx context.Context, sec *Security) []Invariant {
	ssrf := Invariant{Name: "SSRF vectors rejected or recorded blocked/failed, never fetched"}
	auth := Invariant{Name: "/me with another user's ids or bad tokens rejected"}
	body := Invariant{Name: "oversized and malformed bodies get 4xx, server stays up"}
	if sec == nil {
		addViolation(&ssrf, "sweep did not run")
		return []Invariant{ssrf}
	}
	ssrf.Checked = sec.SSRFProbes
	for i := 0; i < sec.SSRFFetched; i++ {
		addViolation(&ssrf, "probe answered neither 4xx nor 202")
	}
	for _, id := range sec.ssrfAcceptedIDs {
		var status string
		_ = h.sdb.QueryRowContext(ctx, `SELECT status FROM scrape_requests WHERE id = ?`, id).Scan(&status)
		sec.SSRFRecorded[status]++
		if status != "blocked" && status != "failed" && status != "not_a_product" {
			addViolation(&ssrf, "request %d ended %q", id, status)
		}
	}
	sec.CanaryConns = h.canary.conns.Load()
	if sec.CanaryConns > 0 {
		addViolation(&ssrf, "canary got %d connections", sec.CanaryConns)
	}
	ssrf.Detail = fmt.Sprintf("%d rejected 4xx, recorded %v, canary connections %d", sec.SSRFRejected, sec.SSRFRecorded, sec.CanaryConns)
	auth.Checked = sec.AuthProbes
	for _, s := range sec.AuthLetIn {
		addViolation(&auth, "%s", s)
	}
	body.Checked = sec.BodyProbes + 1
	for _, s := range sec.BodyNot4xx {
		addViolation(&body, "%s", s)
	}
	if !sec.ServerStayedUp {
		addViolation(&body, "API not healthy after the sweep")
	}
	return []Invariant{ssrf, auth, body}
}

// dlqAttributes renders the message attributes the consumer sets when it
// dead-letters a message itself (its reason), empty when there are none.
func dlqAttributes(attrs map[string]sqstypes.MessageAttributeValue) string {
	var parts []string
	for k, v := range attrs {
		parts = append(parts, k+"="+aws.ToString(v.StringValue))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
