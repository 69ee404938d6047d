package store

import (
	"context"
	"iter"
	"strings"

	"github.com/google/uuid"
)

// NullID is an id as a query argument: NULL for uuid.Nil.
func NullID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id
}

// Placeholders returns n comma-separated placeholders, for an IN list.
func Placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// DBOf returns the database behind a querier: the DB itself, or a
// transaction's.
func DBOf(q Querier) *DB {
	if tx, ok := q.(*Tx); ok {
		return tx.DB()
	}
	return q.(*DB)
}

// Rows returns the VALUES list of a multi-row INSERT: n rows of cols
// placeholders each, "(?, ?), (?, ?)".
func Rows(n, cols int) string {
	row := "(" + Placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// MaxParams bounds the placeholders of one statement, below SQLite's limit
// (32,766) and PostgreSQL's (65,535).
const MaxParams = 30000

// RowBatches splits n rows of cols values each into consecutive ranges
// [from, to) that fit one statement (MaxParams), for multi-row INSERTs.
func RowBatches(n, cols int) iter.Seq2[int, int] {
	per := max(MaxParams/max(cols, 1), 1)
	return func(yield func(int, int) bool) {
		for from := 0; from < n; from += per {
			if !yield(from, min(from+per, n)) {
				return
			}
		}
	}
}

// InsertRows runs a multi-row INSERT of n rows of cols values each, as few
// statements as MaxParams allows: head is the statement up to VALUES
// ("INSERT INTO t (a, b) VALUES "), row appends the values of row i to args.
func InsertRows(ctx context.Context, tx *Tx, head string, cols, n int, row func(i int, args []any) []any) error {
	return UpsertRows(ctx, tx, head, "", cols, n, row)
}

// UpsertRows is InsertRows with tail after the VALUES list of each
// statement, e.g. an ON CONFLICT clause. Rows must not conflict with each
// other (PostgreSQL refuses to update one row twice in a statement).
func UpsertRows(ctx context.Context, tx *Tx, head, tail string, cols, n int, row func(i int, args []any) []any) error {
	for from, to := range RowBatches(n, cols) {
		args := make([]any, 0, (to-from)*cols)
		for i := from; i < to; i++ {
			args = row(i, args)
		}
		if _, err := tx.Exec(ctx, head+Rows(to-from, cols)+tail, args...); err != nil {
			return err
		}
	}
	return nil
}
