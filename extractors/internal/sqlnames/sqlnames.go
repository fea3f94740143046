// Package sqlnames reads the one text column of a catalog query (table names, primary-key
// columns) over database/sql: what the database/sql extractors ask their catalogs alike.
package sqlnames

import (
	"context"
	"database/sql"
)

// Querier is what Strings needs: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Strings runs query with args and returns its first column's values, in the order the rows come.
func Strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
