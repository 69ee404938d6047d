// Package audit keeps the append-only record of who did what.
//
// Every change writes its audit entries with Log, in the same transaction as
// the change itself: if the change commits, so do its entries; if it rolls
// back, neither exists. Entries form one hash chain per court (court_id leads
// the key, as it will lead the sharding key of a provincial deployment): each
// record carries the SHA-256 of its own content and of the previous record's
// hash, and audit_heads holds each chain's last sequence number and hash.
// Verify walks every chain and reports the first record that was altered,
// removed or put out of order. Database triggers refuse UPDATE and DELETE on
// audit_log, so tampering needs a privileged hand, and Verify then tells.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Platform is the chain of platform-wide objects that belong to no court
// (roles, case types, team kinds). Only principals who see every court read it.
var Platform = uuid.Max

// Entry is one audited action, as feature code states it.
type Entry struct {
	CourtID    uuid.UUID // the chain: the court owning the object, or Platform
	Action     string    // dotted verb, e.g. "user.created", "session.login"
	ObjectType string    // e.g. "user", "court", "team"
	ObjectID   string
	Summary    string // Chinese, one line, for people
	Changes    any    // what changed, marshalled to JSON (Changes, a struct or a map); nil for none
}

// Changes is the usual shape of Entry.Changes: field → before and after.
type Changes map[string]Change

// Change is one field's before and after. A created object has only To.
type Change struct {
	From any `json:"from,omitempty"`
	To   any `json:"to,omitempty"`
}

// Record is an entry as stored, with its place in the chain.
type Record struct {
	CourtID      uuid.UUID `json:"court_id"`
	Seq          int64     `json:"seq"`
	ID           uuid.UUID `json:"id"`
	At           time.Time `json:"at"`
	ActorID      uuid.UUID `json:"actor_id"` // uuid.Nil for the system
	ActorName    string    `json:"actor_name"`
	ActorRole    string    `json:"actor_role"`
	ActorCourtID uuid.UUID `json:"actor_court_id"`
	Action       string    `json:"action"`
	ObjectType   string    `json:"object_type"`
	ObjectID     string    `json:"object_id"`
	Summary      string    `json:"summary"`
	Changes      string    `json:"changes"` // JSON text
	RequestID    string    `json:"request_id"`
	PrevHash     string    `json:"prev_hash"`
	Hash         string    `json:"hash"`
}

// ErrNoActor is returned by Log when the context carries no principal: every
// change must be attributable.
var ErrNoActor = errors.New("audit: no principal in context")

type bufKey struct{}

type buffer struct{ records []Record }

// Log records e as part of tx. The record is written just before tx commits,
// with the actor and request id taken from ctx.
func Log(ctx context.Context, tx *store.Tx, e Entry) error {
	p := access.From(ctx)
	if p == nil {
		return ErrNoActor
	}
	if e.CourtID == uuid.Nil || e.Action == "" || e.ObjectType == "" {
		return fmt.Errorf("audit: incomplete entry %+v", e)
	}
	changes := "{}"
	if e.Changes != nil {
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return fmt.Errorf("audit: changes of %s: %w", e.Action, err)
		}
		changes = string(b)
	}
	rec := Record{
		CourtID:    e.CourtID,
		ID:         store.NewID(),
		At:         time.Now().UTC().Truncate(time.Microsecond),
		ActorName:  p.DisplayName,
		ActorRole:  p.Role,
		Action:     e.Action,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Summary:    e.Summary,
		Changes:    changes,
		RequestID:  reqid.From(ctx),
	}
	if !p.IsSystem() {
		rec.ActorID = p.UserID
		rec.ActorName = p.Username + "（" + p.DisplayName + "）"
		rec.ActorCourtID = p.CourtID
	}
	buf, _ := tx.Value(bufKey{}).(*buffer)
	if buf == nil {
		buf = &buffer{}
		tx.SetValue(bufKey{}, buf)
		tx.BeforeCommit(buf.flush)
	}
	buf.records = append(buf.records, rec)
	return nil
}

// flush appends the buffered records to their chains. Chains are taken in
// court-id order so that two transactions touching the same courts cannot
// deadlock; each chain's head row is locked from here to COMMIT only.
func (b *buffer) flush(ctx context.Context, tx *store.Tx) error {
	recs := b.records
	b.records = nil
	slices.SortStableFunc(recs, func(x, y Record) int { return slices.Compare(x.CourtID[:], y.CourtID[:]) })
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].CourtID == recs[i].CourtID {
			j++
		}
		if err := appendChain(ctx, tx, recs[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func appendChain(ctx context.Context, tx *store.Tx, recs []Record) error {
	court := recs[0].CourtID
	var seq int64
	var prev string
	// The no-op update locks the head row on PostgreSQL and returns its
	// current values; a new chain starts at 0 and "".
	err := tx.QueryRow(ctx, `INSERT INTO audit_heads (court_id, seq, hash) VALUES (?, 0, '')
		ON CONFLICT (court_id) DO UPDATE SET seq = audit_heads.seq
		RETURNING seq, hash`, court).Scan(&seq, &prev)
	if err != nil {
		return fmt.Errorf("audit: lock chain %s: %w", court, err)
	}
	for i := range recs {
		r := &recs[i]
		seq++
		r.Seq = seq
		r.PrevHash = prev
		r.Hash = r.computeHash()
		prev = r.Hash
	}
	// Many records per statement: a statement costs more than a row.
	err = store.InsertRows(ctx, tx, `INSERT INTO audit_log (`+recordColumns+`) VALUES `, recordCols, len(recs), func(i int, args []any) []any {
		r := &recs[i]
		return append(args, r.CourtID, r.Seq, r.ID, r.At, store.NullID(r.ActorID), r.ActorName, r.ActorRole, store.NullID(r.ActorCourtID),
			r.Action, r.ObjectType, r.ObjectID, r.Summary, r.Changes, r.RequestID, r.PrevHash, r.Hash)
	})
	if err != nil {
		return fmt.Errorf("audit: append %d records to chain %s: %w", len(recs), court, err)
	}
	_, err = tx.Exec(ctx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE court_id = ?`, seq, prev, court)
	return err
}

// hashVersion changes if the hash input ever changes, so that old records
// keep verifying under the rule they were written with.
const hashVersion = 1

// computeHash is SHA-256 over a JSON array of every stored field but the hash
// itself, in a fixed order, the instant in store.TimeLayout.
func (r *Record) computeHash() string {
	b, err := json.Marshal([]any{
		hashVersion, r.CourtID.String(), r.Seq, r.ID.String(), r.At.UTC().Format(store.TimeLayout),
		r.ActorID.String(), r.ActorName, r.ActorRole, r.ActorCourtID.String(),
		r.Action, r.ObjectType, r.ObjectID, r.Summary, r.Changes, r.RequestID, r.PrevHash,
	})
	if err != nil {
		panic(err) // strings and numbers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// scanID reads a nullable UUID column.
type scanID struct{ id *uuid.UUID }

func (s scanID) Scan(v any) error {
	if v == nil {
		*s.id = uuid.Nil
		return nil
	}
	return s.id.Scan(v)
}

// recordCols is the number of recordColumns.
const recordCols = 16

const recordColumns = `court_id, seq, id, at, actor_id, actor_name, actor_role, actor_court_id, action,
	object_type, object_id, summary, changes, request_id, prev_hash, hash`

func scanRecord(sc interface{ Scan(...any) error }) (Record, error) {
	var r Record
	err := sc.Scan(&r.CourtID, &r.Seq, &r.ID, &r.At, scanID{&r.ActorID}, &r.ActorName, &r.ActorRole,
		scanID{&r.ActorCourtID}, &r.Action, &r.ObjectType, &r.ObjectID, &r.Summary, &r.Changes, &r.RequestID,
		&r.PrevHash, &r.Hash)
	r.At = r.At.UTC()
	return r, err
}
