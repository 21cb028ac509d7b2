package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// PlanQuery is a statement a package runs on a hot path, with sample
// arguments, so its plan can be shown (`make bench` prints them) from the
// very SQL the package runs.
type PlanQuery struct {
	// Name says where the statement runs.
	Name string
	// SQL is the statement.
	SQL string
	// Args are sample arguments for its placeholders.
	Args []any
}

// Plan is the output of EXPLAIN: column names and rows as text ("NULL"
// for NULL).
type Plan struct {
	Columns []string
	Rows    [][]string
}

// Explain runs EXPLAIN for q on db.
func Explain(ctx context.Context, db *sql.DB, q PlanQuery) (Plan, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN "+q.SQL, q.Args...)
	if err != nil {
		return Plan{}, fmt.Errorf("explain %s: %w", q.Name, err)
	}
	defer rows.Close()
	var p Plan
	if p.Columns, err = rows.Columns(); err != nil {
		return Plan{}, fmt.Errorf("explain %s: %w", q.Name, err)
	}
	for rows.Next() {
		vals := make([]sql.NullString, len(p.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return Plan{}, fmt.Errorf("explain %s: %w", q.Name, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		p.Rows = append(p.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return Plan{}, fmt.Errorf("explain %s: %w", q.Name, err)
	}
	return p, nil
}

// Keys returns the plan's "key" column (the index each table is read
// through; "NULL" for none), one entry per row.
func (p Plan) Keys() []string { return p.Column("key") }

// Column returns the plan's column name, one entry per row, or nil when
// the plan has no such column.
func (p Plan) Column(name string) []string {
	i := slices.Index(p.Columns, name)
	if i < 0 {
		return nil
	}
	out := make([]string, len(p.Rows))
	for j, r := range p.Rows {
		out[j] = r[i]
	}
	return out
}
