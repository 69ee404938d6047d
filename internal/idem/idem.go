// Package idem makes retried requests harmless. A client sends an
// Idempotency-Key with a request that creates or moves something; the key is
// claimed inside the same transaction as the change, so the change and the
// claim commit together or not at all, and the answer is kept so that a
// retry gets the first answer instead of a second change.
//
// Keys belong to the caller (a user id): two users may use the same key.
// Keys are kept for a day (Purge).
package idem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Answer is a stored answer.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Entry is what is known of a key.
type Entry struct {
	RequestHash string
	Done        bool // the answer is stored
	Answer      Answer
}

// RequestHash identifies a request's content: same method, path and body.
func RequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + "\n" + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Lookup returns what is stored under (owner, key); ok is false when nothing
// is.
func Lookup(ctx context.Context, db *store.DB, owner, key string) (e Entry, ok bool, err error) {
	var status *int
	var body []byte
	err = db.QueryRow(ctx, `SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE owner = ? AND key = ?`,
		owner, key).Scan(&e.RequestHash, &status, &e.Answer.ContentType, &body)
	if store.IsNoRows(err) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	if status != nil {
		e.Done, e.Answer.Status, e.Answer.Body = true, *status, body
	}
	return e, true, nil
}

// ErrInProgress is the answer to a request whose key another request holds
// (a concurrent duplicate).
var ErrInProgress = apperr.New(apperr.Conflict, "idempotency_in_progress", "相同幂等键的请求正在处理，请稍后重试以取得其结果")

// Claim returns a transaction hook that claims (owner, key) for a request
// with the given hash, in the transaction that makes the request's change.
func Claim(owner, key, method, path, hash string, now func() time.Time) store.TxHook {
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (owner, key, method, path, request_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, owner, key, method, path, hash, now())
		if store.IsUniqueViolation(err) {
			return ErrInProgress
		}
		return err
	}
}

// Complete stores the answer to a claimed key.
func Complete(ctx context.Context, db *store.DB, owner, key string, a Answer, now time.Time) error {
	return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error { return CompleteTx(ctx, tx, owner, key, a, now) })
}

// CompleteTx stores the answer to a key claimed in tx, in tx itself: the
// answer commits with the claim, so a duplicate refused by the claim
// (ErrInProgress) always finds it.
func CompleteTx(ctx context.Context, tx *store.Tx, owner, key string, a Answer, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?, completed_at = ?
		WHERE owner = ? AND key = ?`, a.Status, a.ContentType, a.Body, now, owner, key)
	return err
}

// Purge deletes keys older than maxAge.
func Purge(ctx context.Context, db *store.DB, maxAge time.Duration, now time.Time) (int64, error) {
	var n int64
	err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, now.Add(-maxAge))
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}
