package notify

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/emulator"
	"github.com/ddokso/ddokso/internal/storetest"
)

const testSender = "alerts@ddokso.test"

type fixture struct {
	t        *testing.T
	db       *sql.DB
	w        *Worker
	cfg      Config
	endpoint string
	email    string // unique recipient of this test
	userID   string
}

// setup gives a test a fresh database, a worker mailing through moto with
// a verified sender, and a user with a unique address. mutate adjusts the
// config before the worker is built.
func setup(t *testing.T, mutate ...func(*Config)) *fixture {
	t.Helper()
	db := storetest.New(t)
	awsCfg := awstest.Config(t)
	client := sesv2.NewFromConfig(awsCfg)
	_, err := client.CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(testSender)})
	require.NoError(t, err)

	cfg := DefaultConfig("test-secret")
	cfg.Sender = "똑소 <" + testSender + ">"
	cfg.QuietStart, cfg.QuietEnd = "", "" // tests run at any hour
	cfg.Cooldown = 0
	cfg.SendBackoff = time.Millisecond
	for _, m := range mutate {
		m(&cfg)
	}
	w, err := New(db, NewSESMailer(client, cfg), nil, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	f := &fixture{t: t, db: db, w: w, cfg: cfg, endpoint: awstest.Endpoint(t),
		email: "u" + awstest.RandomHex(6) + "@example.com", userID: "user-" + awstest.RandomHex(4)}
	_, err = db.Exec(`INSERT INTO users (id, email) VALUES (?, ?)`, f.userID, f.email)
	require.NoError(t, err)
	return f
}

func (f *fixture) product(title string) int64 {
	f.t.Helper()
	res, err := f.db.Exec(`INSERT INTO products (url_hash, canonical_url, shop, title, currency, image) VALUES (SHA2(?, 256), ?, 'test', ?, 'KRW', 'https://img.example.com/p.jpg')`,
		title+awstest.RandomHex(4), "https://shop.example.com/"+title, title)
	require.NoError(f.t, err)
	id, _ := res.LastInsertId()
	return id
}

func (f *fixture) watch(productID int64, rule string, target *int64, email, push bool) int64 {
	f.t.Helper()
	res, err := f.db.Exec(`INSERT INTO watches (user_id, product_id, rule, target_price, channel_email, channel_push) VALUES (?, ?, ?, ?, ?, ?)`,
		f.userID, productID, rule, target, email, push)
	require.NoError(f.t, err)
	id, _ := res.LastInsertId()
	return id
}

func ptr(v int64) *int64 { return &v }

func priceChanged(productID int64, title string, old, n int64) events.Envelope {
	return events.MustNew(context.Background(), events.PriceChanged{
		ProductID: productID, Title: title, URL: "https://shop.example.com/x", Image: "https://img.example.com/p.jpg",
		Currency: "KRW", CheckedAt: time.Now().UTC(),
		Changes: []events.PriceChange{{OldPrice: ptr(old), NewPrice: ptr(n), OldAvailability: "in_stock", NewAvailability: "in_stock", AllTimeLow: ptr(1_000_000)}},
	})
}

func (f *fixture) handle(env events.Envelope) {
	f.t.Helper()
	require.NoError(f.t, f.w.Handle(context.Background(), env, &events.Message{ID: env.ID}))
}

// sentMail is one message moto recorded.
type sentMail struct {
	ID  string
	Raw string
}

// sentTo returns the messages moto's SES recorded for addr (raw sends
// keep their headers).
func (f *fixture) sentTo(addr string) []sentMail {
	f.t.Helper()
	msgs, err := emulator.MotoSentMail(context.Background(), nil, f.endpoint)
	require.NoError(f.t, err)
	var out []sentMail
	for _, m := range msgs {
		if slices.Contains(m.Destinations, addr) {
			out = append(out, sentMail{ID: m.ID, Raw: m.RawData})
		}
	}
	return out
}

// statuses returns the user's notification statuses by channel, in id order.
func (f *fixture) statuses(channel string) []string {
	f.t.Helper()
	return f.column("status", channel)
}

// reasons returns the user's notification reasons (the error column, "" when
// NULL) by channel, in id order.
func (f *fixture) reasons(channel string) []string {
	f.t.Helper()
	return f.column("COALESCE(error, '')", channel)
}

// column returns expr of the user's non-digest notifications on channel, in
// id order.
func (f *fixture) column(expr, channel string) []string {
	f.t.Helper()
	rows, err := f.db.Query(`SELECT `+expr+` FROM notifications WHERE user_id = ? AND channel = ? AND rule <> 'digest' ORDER BY id`, f.userID, channel)
	require.NoError(f.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(f.t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}
