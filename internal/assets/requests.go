package assets

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// newRequest is a message to queue for an agency.
type newRequest struct {
	courtID, caseID uuid.UUID
	inquiryID       uuid.UUID // uuid.Nil unless part of an inquiry
	controlID       uuid.UUID // uuid.Nil unless about a control
	agency          *Agency
	partyID         uuid.UUID
	kind            agency.Kind
	op              agency.Op
	assetID         uuid.UUID
	amountFen       int64
	termTo          legal.Date
	purpose         string
	documents       []agency.Document
	by              uuid.UUID
	byName          string
}

const requestInsert = `INSERT INTO agency_requests (id, court_id, case_id, inquiry_id, control_id, agency_id, party_id, kind, op,
	asset_id, amount_fen, term_to, purpose, documents, requested_by, requested_by_name, status, attempts, next_at, sent_at,
	created_at, updated_at) VALUES `

// insertRequests queues reqs. Requests to a portal agency need no sending:
// they are delivered (status sent) as they are written, for the agency's
// operator to answer.
func insertRequests(ctx context.Context, tx *store.Tx, reqs []newRequest, now time.Time) error {
	if len(reqs) == 0 {
		return nil
	}
	err := store.InsertRows(ctx, tx, requestInsert, 22, len(reqs), func(i int, args []any) []any {
		r := &reqs[i]
		status, sentAt := RequestQueued, any(nil)
		if r.agency.Channel == agency.ChannelPortal {
			status, sentAt = RequestSent, now
		}
		docs := ""
		if len(r.documents) > 0 {
			docs = marshal(r.documents)
		}
		return append(args, store.NewID(), r.courtID, r.caseID, store.NullID(r.inquiryID), store.NullID(r.controlID), r.agency.ID,
			r.partyID, string(r.kind), string(r.op), store.NullID(r.assetID), r.amountFen, r.termTo, r.purpose, docs,
			store.NullID(r.by), r.byName, string(status), 0, now, sentAt, now, now)
	})
	if err == nil {
		tx.AfterCommit(func() { wake(tx.DB()) })
	}
	return err
}

// wakeKey keys a database's dispatcher wake-up channel in its memo.
type wakeKey struct{}

// wake tells the dispatcher running on db (if any) that there is work.
func wake(db *store.DB) {
	if v, ok := db.Memo().Load(wakeKey{}); ok {
		select {
		case v.(chan struct{}) <- struct{}{}:
		default:
		}
	}
}
