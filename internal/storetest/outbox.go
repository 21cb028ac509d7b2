package storetest

import (
	"database/sql"
	"testing"

	"github.com/ddokso/ddokso/events"
)

// Outbox returns the envelopes of one event type in db's outbox, oldest
// first, failing t on any error.
func Outbox(t testing.TB, db *sql.DB, eventType string) []events.Envelope {
	t.Helper()
	rows, err := db.Query(`SELECT body FROM outbox WHERE event_type = ? ORDER BY id`, eventType)
	if err != nil {
		t.Fatalf("storetest: read outbox: %v", err)
	}
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatalf("storetest: read outbox: %v", err)
		}
		env, err := events.DecodeEnvelope([]byte(body))
		if err != nil {
			t.Fatalf("storetest: outbox row: %v", err)
		}
		out = append(out, env)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("storetest: read outbox: %v", err)
	}
	return out
}
