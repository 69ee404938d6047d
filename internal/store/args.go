package store

import (
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
