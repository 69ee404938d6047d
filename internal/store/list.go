package store

import (
	"context"
	"database/sql"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/page"
)

// Scanner is a row to scan: *sql.Rows or *Row.
type Scanner interface{ Scan(dest ...any) error }

// ScanAll scans every row with scan and closes rows.
func ScanAll[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PageByID runs one keyset page of a list ordered by a UUID column (UUIDv7:
// creation order). query is "SELECT … FROM … WHERE <conditions>" with args;
// the cursor continues after the last id returned (before it when desc).
func PageByID[T any](ctx context.Context, q Querier, req page.Request, query string, args []any, idColumn string, desc bool,
	scan func(Scanner) (T, error), id func(T) uuid.UUID) (page.Page[T], error) {
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[T]{}, err
	}
	cmp, order := ">", idColumn
	if desc {
		cmp, order = "<", idColumn+" DESC"
	}
	args = append([]any(nil), args...)
	if req.Cursor != "" {
		var after uuid.UUID
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[T]{}, err
		}
		query += " AND " + idColumn + " " + cmp + " ?"
		args = append(args, after)
	}
	rows, err := q.Query(ctx, query+" ORDER BY "+order+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page.Page[T]{}, err
	}
	out, err := ScanAll(rows, scan)
	if err != nil {
		return page.Page[T]{}, err
	}
	return page.Trim(out, limit, func(v T) any { return id(v) }), nil
}
