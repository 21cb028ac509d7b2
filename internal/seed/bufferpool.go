package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// DefaultBufferPoolMiB is the InnoDB buffer pool make bench-scale seeds
// and measures with: about a sixth of the full-size data set, so that
// random per-product reads are mostly cold (O_DIRECT reads bypass the OS
// page cache), the same on every machine with at least 4 GB of memory.
const DefaultBufferPoolMiB = 2048

// SetBufferPool resizes the InnoDB buffer pool to size bytes (online, a
// server-wide setting until the server restarts) and waits for the resize
// to finish. MariaDB rounds the size to whole chunks.
func SetBufferPool(ctx context.Context, log *slog.Logger, db *sql.DB, size int64) error {
	cur, err := setGlobalSize(ctx, log, db, "innodb_buffer_pool_size", "the InnoDB buffer pool", size)
	if err != nil || cur == size {
		return err
	}
	// The resize runs in the background: wait until the size reads back
	// (to within a chunk) and the status no longer reports work.
	var chunk int64
	if err := db.QueryRowContext(ctx, `SELECT @@innodb_buffer_pool_chunk_size`).Scan(&chunk); err != nil {
		return fmt.Errorf("buffer pool chunk size: %w", err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		var name, status string
		err := db.QueryRowContext(ctx, `SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_resize_status'`).Scan(&name, &status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("buffer pool resize status: %w", err)
		}
		if err := db.QueryRowContext(ctx, `SELECT @@innodb_buffer_pool_size`).Scan(&cur); err != nil {
			return fmt.Errorf("buffer pool size: %w", err)
		}
		busy := strings.Contains(status, "esizing") && !strings.HasPrefix(status, "Completed")
		if !busy && resizedTo(cur, size, chunk) {
			log.Info("buffer pool resized", "mib", cur>>20, "status", status)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("buffer pool resize to %d MiB still running after 5 minutes (%d MiB, %q)", size>>20, cur>>20, status)
		}
	}
}

// resizedTo reports whether a buffer pool of cur bytes is the requested
// size: MariaDB rounds the size to whole chunks, so within a chunk of it.
// A chunk size of 0 (MariaDB 10.11's latest releases read it so: the
// chunk is sized automatically) means within 1/64 of the size, the
// automatic chunk's bound.
func resizedTo(cur, size, chunk int64) bool {
	if chunk <= 0 {
		chunk = size/64 + 1
	}
	return cur > size-chunk && cur < size+chunk
}

// SetRedoLog sets innodb_log_file_size to size bytes. MariaDB 10.11 resizes
// the redo log online; the statement returns when the new size is in effect,
// which the read-back checks. (Aurora has no redo log of its own to size:
// its storage layer takes the log records, so the setting has no
// counterpart there.)
func SetRedoLog(ctx context.Context, log *slog.Logger, db *sql.DB, size int64) error {
	cur, err := setGlobalSize(ctx, log, db, "innodb_log_file_size", "the InnoDB redo log", size)
	if err != nil || cur == size {
		return err
	}
	if err := db.QueryRowContext(ctx, `SELECT @@innodb_log_file_size`).Scan(&cur); err != nil {
		return fmt.Errorf("redo log size: %w", err)
	}
	if cur != size {
		return fmt.Errorf("innodb_log_file_size reads %d MiB after setting %d MiB", cur>>20, size>>20)
	}
	return nil
}

// setGlobalSize sets the server's global size variable name to size bytes
// unless it has that value, logging the change of what, and returns the
// size it read first (size itself: nothing was set).
func setGlobalSize(ctx context.Context, log *slog.Logger, db *sql.DB, name, what string, size int64) (int64, error) {
	var cur int64
	if err := db.QueryRowContext(ctx, "SELECT @@"+name).Scan(&cur); err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	if cur == size {
		return cur, nil
	}
	log.Info("resizing "+what, "from_mib", cur>>20, "to_mib", size>>20)
	if _, err := db.ExecContext(ctx, "SET GLOBAL "+name+" = ?", size); err != nil {
		return cur, fmt.Errorf("set %s: %w", name, err)
	}
	return cur, nil
}
