package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

// TestIsUnavailable checks real driver errors: a database nobody listens
// on is unavailable; a query MariaDB refuses is not.
func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nobody listens there now

	down, err := sql.Open("mysql", fmt.Sprintf("root@tcp(%s)/ddokso?timeout=2s", addr))
	require.NoError(t, err)
	t.Cleanup(func() { down.Close() })
	_, err = down.ExecContext(context.Background(), "SELECT 1")
	require.Error(t, err)
	require.True(t, store.IsUnavailable(err), "connection refused: %v", err)
	require.True(t, store.IsUnavailable(fmt.Errorf("insert request: %w", err)), "wrapped")

	db := storetest.New(t)
	_, err = db.ExecContext(context.Background(), "SELECT * FROM no_such_table")
	require.Error(t, err)
	require.False(t, store.IsUnavailable(err), "a refused query: %v", err)

	require.False(t, store.IsUnavailable(nil))
	require.False(t, store.IsUnavailable(errors.New("boom")))
	require.True(t, store.IsUnavailable(&mysql.MySQLError{Number: 1040, Message: "Too many connections"}))
}
