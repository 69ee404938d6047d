// Package notify keeps the messages zhixing sends to parties (SMS at each
// node of a case). A message is queued in the transaction of the event it
// tells about, so an event is never told twice or lost; a gateway sends the
// queued messages and marks them sent or failed.
package notify

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/store"
)

// Message is a text to one party of a case.
type Message struct {
	ID        uuid.UUID
	CourtID   uuid.UUID
	CaseID    uuid.UUID
	PartyID   uuid.UUID
	Phone     string
	Kind      string // what it tells: requery_result, …
	Body      string
	Status    string // queued, sent, failed
	CreatedAt time.Time
	SentAt    time.Time
}

// MaxBody bounds a message's length in characters (a few SMS segments).
const MaxBody = 500

// Queue adds messages to the outbox in tx. Messages to a party without a
// phone number are skipped: the case file is how they learn. It returns how
// many were queued.
func Queue(ctx context.Context, tx *store.Tx, msgs ...Message) (int, error) {
	var list []Message
	for _, m := range msgs {
		m.Phone, m.Body = strings.TrimSpace(m.Phone), strings.TrimSpace(m.Body)
		if m.Phone == "" || m.Body == "" {
			continue
		}
		if utf8.RuneCountInString(m.Body) > MaxBody {
			m.Body = string([]rune(m.Body)[:MaxBody-1]) + "…"
		}
		list = append(list, m)
	}
	if len(list) == 0 {
		return 0, nil
	}
	now := time.Now().UTC()
	err := store.InsertRows(ctx, tx, `INSERT INTO party_messages (id, court_id, case_id, party_id, phone, kind, body, status, created_at) VALUES `,
		9, len(list), func(i int, args []any) []any {
			m := list[i]
			return append(args, store.NewID(), m.CourtID, m.CaseID, m.PartyID, m.Phone, m.Kind, m.Body, "queued", now)
		})
	return len(list), err
}

// ForCase returns the messages of a case, the latest first (at most 200).
// The caller checks that the case may be read.
func ForCase(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]Message, error) {
	rows, err := q.Query(ctx, `SELECT id, court_id, case_id, party_id, phone, kind, body, status, created_at, sent_at
		FROM party_messages WHERE case_id = ? ORDER BY created_at DESC, id DESC LIMIT 200`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var sent *time.Time
		if err := rows.Scan(&m.ID, &m.CourtID, &m.CaseID, &m.PartyID, &m.Phone, &m.Kind, &m.Body, &m.Status, &m.CreatedAt, &sent); err != nil {
			return nil, err
		}
		if sent != nil {
			m.SentAt = sent.UTC()
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
