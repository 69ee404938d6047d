package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// Tx is a write transaction. On SQLite it holds the database's single write
// lock (BEGIN IMMEDIATE) from its first statement; on PostgreSQL it runs at
// READ COMMITTED, so code that reads a row to update it must lock it (UPDATE …
// RETURNING, or SELECT … FOR UPDATE through Tx.ForUpdate).
type Tx struct {
	db  *DB
	tx  *sql.Tx
	ctx context.Context

	beforeCommit []func(context.Context, *Tx) error
	afterCommit  []func()
	values       map[any]any
}

type txKey struct{}

// prepared returns the transaction's handle on the cached prepared form of
// query (SQLite), or nil.
func (tx *Tx) prepared(ctx context.Context, query string) *sql.Stmt {
	if tx.db.stmts == nil {
		return nil
	}
	if st := tx.db.stmts.writer(query); st != nil {
		return tx.tx.StmtContext(ctx, st)
	}
	return nil
}

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.prepared(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, tx.db.args(args)...)
		return res, classify(err)
	}
	res, err := tx.tx.ExecContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
	return res, classify(err)
}

// Query runs a query inside the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.prepared(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, tx.db.args(args)...)
		return rows, classify(err)
	}
	rows, err := tx.tx.QueryContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
	return rows, classify(err)
}

// QueryRow runs a one-row query inside the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if st := tx.prepared(ctx, query); st != nil {
		return &Row{row: st.QueryRowContext(ctx, tx.db.args(args)...)}
	}
	return &Row{row: tx.tx.QueryRowContext(ctx, tx.db.rebind(query), tx.db.args(args)...)}
}

// Engine returns the engine.
func (tx *Tx) Engine() Engine { return tx.db.engine }

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// ForUpdate is the row-locking suffix for a SELECT that precedes an update of
// the same rows: " FOR UPDATE" on PostgreSQL, nothing on SQLite, where the
// transaction already holds the write lock. Name the tables (aliases) to lock
// when the SELECT joins others: PostgreSQL cannot lock the nullable side of an
// outer join.
func (tx *Tx) ForUpdate(of ...string) string {
	if tx.db.engine != Postgres {
		return ""
	}
	if len(of) == 0 {
		return " FOR UPDATE"
	}
	return " FOR UPDATE OF " + strings.Join(of, ", ")
}

// BeforeCommit registers fn to run inside the transaction after the work
// function returned nil and before COMMIT, in registration order. An error
// rolls the whole transaction back. The audit chain is written this way, as
// late as possible, so that its per-court lock is held only briefly.
func (tx *Tx) BeforeCommit(fn func(context.Context, *Tx) error) {
	tx.beforeCommit = append(tx.beforeCommit, fn)
}

// AfterCommit registers fn to run once the transaction has committed (never if
// it rolled back). Use it for in-process notifications, not for work that
// must not be lost: that belongs in the transaction.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Value returns a value stored on this transaction by SetValue.
func (tx *Tx) Value(key any) any { return tx.values[key] }

// SetValue stores per-transaction state, such as a buffer of audit records.
func (tx *Tx) SetValue(key, v any) {
	if tx.values == nil {
		tx.values = make(map[any]any)
	}
	tx.values[key] = v
}

// Finish runs the before-commit hooks. Transact calls it; code that owns a
// *sql.Tx it wrapped with WrapTx (a migration) calls it before committing.
func (tx *Tx) Finish(ctx context.Context) error {
	// Hooks may register further hooks (an audit record written by a hook).
	for i := 0; i < len(tx.beforeCommit); i++ {
		if err := tx.beforeCommit[i](ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// WrapTx wraps a transaction begun outside the store (by the migration tool)
// so that feature code can run in it.
func (db *DB) WrapTx(ctx context.Context, stx *sql.Tx) *Tx {
	return &Tx{db: db, tx: stx, ctx: ctx}
}

// TxHook runs at the start of every transaction begun under a context that
// carries it (see WithTxHook). The idempotency layer uses it to claim a
// request's key in the same transaction as the change the request makes.
type TxHook func(ctx context.Context, tx *Tx) error

type hookKey struct{}

// WithTxHook returns a context under which the first Transact runs hook at
// the start of its transaction. Later transactions of the same context do not:
// the hook is consumed by the first one that commits.
func WithTxHook(ctx context.Context, hook TxHook) context.Context {
	return context.WithValue(ctx, hookKey{}, &txHookState{hook: hook})
}

type txHookState struct {
	hook TxHook
	used bool
}

// HookUsed reports whether a transaction under ctx ran and committed the hook
// installed by WithTxHook.
func HookUsed(ctx context.Context) bool {
	st, _ := ctx.Value(hookKey{}).(*txHookState)
	return st != nil && st.used
}

// InTx reports whether ctx is inside a Transact work function.
func InTx(ctx context.Context) bool { return ctx.Value(txKey{}) != nil }

// Transact runs fn in a write transaction and commits it. fn may run more than
// once: when the engine reports a busy database (SQLite) or a serialization
// failure or deadlock (PostgreSQL) the whole transaction is retried with
// jittered backoff, so fn must not have effects outside the transaction. A
// failure leaves nothing written.
func (db *DB) Transact(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if InTx(ctx) {
		return ErrNestedTransaction
	}
	backoff := db.backoff
	for attempt := 1; ; attempt++ {
		err := db.transactOnce(ctx, fn)
		if err == nil || !IsRetryable(err) {
			return classify(err)
		}
		if attempt >= db.maxAttempts {
			return apperr.Wrapf(err, apperr.Unavailable, "database_busy", "数据库繁忙，请稍后重试；本次操作未保存任何数据")
		}
		wait := backoff/2 + rand.N(backoff)
		backoff = min(backoff*2, time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, fn func(context.Context, *Tx) error) (err error) {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if db.stmts != nil {
		// Once the writer is free again, prepare what this transaction ran.
		defer db.stmts.preparePending(context.WithoutCancel(ctx), db.write)
	}
	tx := &Tx{db: db, tx: stx}
	ctx = context.WithValue(ctx, txKey{}, tx)
	tx.ctx = ctx
	committed := false
	defer func() {
		if !committed {
			// Also on panic. The rollback error, if any, matters less than
			// the cause.
			_ = stx.Rollback()
		}
	}()
	hook, _ := ctx.Value(hookKey{}).(*txHookState)
	if hook != nil && !hook.used {
		if err := hook.hook(ctx, tx); err != nil {
			return err
		}
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Finish(ctx); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	if hook != nil {
		hook.used = true
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// ErrNoRows is sql.ErrNoRows, for callers that do not import database/sql.
var ErrNoRows = sql.ErrNoRows

// IsNoRows reports whether err is sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// TransactValue is Transact for work that produces a value: it runs fn in a
// write transaction and returns fn's value once the transaction committed.
//
//	c, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (org.Court, error) {
//		return org.CreateCourt(ctx, tx, in)
//	})
func TransactValue[T any](ctx context.Context, db *DB, fn func(ctx context.Context, tx *Tx) (T, error)) (T, error) {
	var v T
	err := db.Transact(ctx, func(ctx context.Context, tx *Tx) (err error) {
		v, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
