package batch

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// discardEnqueuer counts envelopes and drops them: selection alone.
type discardEnqueuer struct{ n int }

func (d *discardEnqueuer) Enqueue(_ context.Context, envs []events.Envelope) error {
	d.n += len(envs)
	return nil
}

// seedDue inserts n due products over 5,000 hosts in multi-row INSERTs of
// 5,000 rows, checked 1 to 1000 minutes ago.
func seedDue(t testing.TB, db *sql.DB, n int, now time.Time) {
	t.Helper()
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO products (url_hash, canonical_url, shop, check_status, next_check_at, created_at) VALUES `)
		for i := start; i < min(start+chunk, n); i++ {
			if i > start {
				sb.WriteByte(',')
			}
			shop := fmt.Sprintf("shop%d.example", i%5000)
			u := fmt.Sprintf("https://%s/p/%d", shop, i)
			h := sha256.Sum256([]byte(u))
			next := now.Add(-time.Duration(1+i%1000) * time.Minute).Format("2006-01-02 15:04:05.000000")
			fmt.Fprintf(&sb, "('%s','%s','%s','ok','%s','%s')", hex.EncodeToString(h[:]), u, shop, next, next)
		}
		_, err := db.Exec(sb.String())
		require.NoError(t, err)
	}
}
