package seed

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Marker is what a finished seeding records in the seed_marker table (not
// part of the application schema): a later run finds a complete data set
// of the same scale, seed and anchor and reuses it.
type Marker struct {
	Scale     float64   `json:"scale"`
	Seed      int64     `json:"seed"`
	Anchor    time.Time `json:"anchor"`
	Rows      Stats     `json:"rows"`
	Seconds   float64   `json:"seconds"`
	Bytes     int64     `json:"bytes"`
	Completed time.Time `json:"completed"`
}

// WriteMarker records m as the data set's completion marker.
func WriteMarker(ctx context.Context, db *sql.DB, m Marker) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS seed_marker (id INT PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("seed marker: %w", err)
	}
	_, err = db.ExecContext(ctx, `REPLACE INTO seed_marker (id, body) VALUES (1, ?)`, string(body))
	return err
}

// ReadMarker returns the completion marker, or ok false when the database
// holds no complete data set.
func ReadMarker(ctx context.Context, db *sql.DB) (m Marker, ok bool, err error) {
	var body string
	err = db.QueryRowContext(ctx, `SELECT body FROM seed_marker WHERE id = 1`).Scan(&body)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) || isNoTable(err) {
			return m, false, nil
		}
		return m, false, err
	}
	return m, true, json.Unmarshal([]byte(body), &m)
}

func isNoTable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1146
}

// TableBytes is data_length + index_length per table of the current
// database (after ANALYZE TABLE, so InnoDB's figures are fresh).
func TableBytes(ctx context.Context, db *sql.DB) (map[string][2]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name, data_length, index_length FROM information_schema.tables WHERE table_schema = DATABASE()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][2]int64{}
	for rows.Next() {
		var name string
		var d, i int64
		if err := rows.Scan(&name, &d, &i); err != nil {
			return nil, err
		}
		out[name] = [2]int64{d, i}
	}
	return out, rows.Err()
}
