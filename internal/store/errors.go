package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// ErrNestedTransaction is returned by Transact called inside another
// transaction of the same request: that would deadlock on SQLite's single
// writer and split one change into two commits.
var ErrNestedTransaction = errors.New("store: nested Transact")

func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

func pgCode(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, true
	}
	return "", false
}

// IsRetryable reports whether a transaction that failed with err may simply be
// run again: SQLite busy or locked, PostgreSQL serialization failure or
// deadlock.
func IsRetryable(err error) bool {
	if c, ok := sqliteCode(err); ok {
		p := c & 0xff
		return p == sqlite3.SQLITE_BUSY || p == sqlite3.SQLITE_LOCKED
	}
	if c, ok := pgCode(err); ok {
		return c == "40001" || c == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique or primary-key violation.
func IsUniqueViolation(err error) bool {
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	if c, ok := pgCode(err); ok {
		return c == "23505"
	}
	return false
}

// IsCheckViolation reports whether err is a CHECK constraint violation.
func IsCheckViolation(err error) bool {
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_CHECK
	}
	if c, ok := pgCode(err); ok {
		return c == "23514"
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	if c, ok := pgCode(err); ok {
		return c == "23503"
	}
	return false
}

// IsUnavailable reports whether err means the database cannot be reached or
// used at all (as opposed to a bad statement).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if e, ok := apperr.As(err); ok {
		return e.Kind == apperr.Unavailable
	}
	return isUnavailable(err)
}

func isUnavailable(err error) bool {
	if c, ok := sqliteCode(err); ok {
		switch c & 0xff {
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY:
			return true
		}
		return false
	}
	if c, ok := pgCode(err); ok {
		// 08: connection exception; 53: insufficient resources; 57P0x: the
		// server is shutting down or starting.
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") ||
			c == "57P01" || c == "57P02" || c == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.As(err, &oe),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), pgconn.Timeout(err):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "sql: database is closed") ||
		strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "unexpected EOF")
}

// classify turns a driver error that means "the database is not there" into
// apperr.Unavailable, so that the edge answers 503 with a Chinese message.
// Every other error passes through unchanged.
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if isUnavailable(err) {
		return apperr.Wrapf(err, apperr.Unavailable, "database_unavailable", "数据库暂时无法访问，请稍后重试；本次操作未保存任何数据")
	}
	return err
}
