package assets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// Source is what started an inquiry.
type Source string

const (
	SourceFiling  Source = "filing"  // sent automatically when the case is filed (INV-3)
	SourceManual  Source = "manual"  // one click by a handler or the command center
	SourceRequery Source = "requery" // the 6-monthly re-query of a 终本 case (ZB-9)
)

// Label is the source's Chinese name.
func (s Source) Label() string {
	switch s {
	case SourceFiling:
		return "立案自动查询"
	case SourceManual:
		return "一键查询"
	case SourceRequery:
		return "终本定期复查"
	}
	return string(s)
}

// InquiryInput asks for an inquiry of a case.
type InquiryInput struct {
	// Purpose is why the query is made (INV-4); required.
	Purpose string
	// Kinds limits the inquiry; empty means every kind.
	Kinds []agency.Kind
	// PartyIDs limits it to some respondents; empty means every respondent.
	PartyIDs []uuid.UUID
}

// Inquiry is one inquiry of a case and its progress.
type Inquiry struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	CaseID          uuid.UUID
	Source          Source
	Purpose         string
	Kinds           []agency.Kind
	Status          string // pending, open, done
	Requests        int
	Answered        int // requests ended: answered, rejected or undeliverable
	Found           int // holdings reported
	RequestedByName string
	CreatedAt       time.Time
	FinishedAt      time.Time
}

// StatusLabel is the inquiry status's Chinese name.
func (q *Inquiry) StatusLabel() string {
	switch q.Status {
	case "pending":
		return "待发出"
	case "open":
		return "查询中"
	case "done":
		return "已完成"
	}
	return q.Status
}

// Inquire starts an inquiry of a case (assets.inquire): one request per
// respondent, kind and agency that serves the case's court. The inquiry is
// recorded now with who asked and why; the dispatcher expands and sends it.
// A closed case may be queried only by its 终本 re-query (see Requery).
func Inquire(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in InquiryInput) (*Inquiry, error) {
	_, c, err := cases.LockForWork(ctx, tx, caseID, access.AssetsInquire)
	if err != nil {
		return nil, err
	}
	if c.Status == cases.StatusClosed {
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件 "+c.CaseNo+" 已结案（"+cases.ClosureLabel(c.Closure)+"），不能再发起查询；终本案件由系统每 6 个月自动复查")
	}
	return startInquiry(ctx, tx, c, SourceManual, in)
}

// FilingPurpose is the purpose recorded for the inquiry sent at filing.
const FilingPurpose = "立案后首次网络查控（INV-3）"

// FilingEvent is the timeline line of the inquiry started at filing; the
// filing writes it with its own events.
var FilingEvent = cases.Event{Kind: "inquiry", Summary: SourceFiling.Label() + "（全部类别）：" + FilingPurpose}

// InquireAtFiling starts the automatic inquiry of a case just filed (INV-3:
// first search at filing), in the filing transaction. It writes one row:
// the filing's audit record and FilingEvent (in the filing's events) say the
// rest, so filing stays cheap.
func InquireAtFiling(ctx context.Context, tx *store.Tx, c *cases.Case) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO asset_inquiries (id, court_id, case_id, source, purpose, status, requested_by, requested_by_name,
		created_at) VALUES (?, ?, ?, 'filing', ?, 'pending', ?, ?, ?)`,
		store.NewID(), c.CourtID, c.ID, FilingPurpose, store.NullID(p.UserID), p.DisplayName, time.Now().UTC())
	if err == nil {
		tx.AfterCommit(func() { wake(tx.DB()) })
	}
	return err
}

func startInquiry(ctx context.Context, tx *store.Tx, c *cases.Case, src Source, in InquiryInput) (*Inquiry, error) {
	subjects, err := respondents(ctx, tx, c.ID, "")
	if err != nil {
		return nil, err
	}
	if len(subjects) == 0 {
		return nil, apperr.New(apperr.Conflict, "no_respondent", "案件没有被执行人，无从查询")
	}
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	in.Purpose = strings.TrimSpace(in.Purpose)
	var probs apperr.Problems
	if in.Purpose == "" {
		probs.Add("purpose_required", "body.purpose", "请写明查询目的（INV-4：每次查询须记录查询人、案件和目的）")
	} else if len([]rune(in.Purpose)) > 200 {
		probs.Add("purpose_too_long", "body.purpose", "查询目的不能超过 200 字")
	}
	kinds := make([]string, 0, len(in.Kinds))
	for i, k := range in.Kinds {
		if !k.Valid() {
			probs.Add("unknown_kind", fmt.Sprintf("body.kinds[%d]", i), "查询类别“"+string(k)+"”不存在")
			continue
		}
		if !slices.Contains(kinds, string(k)) {
			kinds = append(kinds, string(k))
		}
	}
	isRespondent := map[uuid.UUID]bool{}
	for _, s := range subjects {
		isRespondent[s.partyID] = true
	}
	parties := make([]string, 0, len(in.PartyIDs))
	for i, id := range in.PartyIDs {
		if !isRespondent[id] {
			probs.Add("not_a_respondent", fmt.Sprintf("body.party_ids[%d]", i), "该当事人不是本案被执行人")
			continue
		}
		parties = append(parties, id.String())
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	q := &Inquiry{ID: store.NewID(), CourtID: c.CourtID, CaseID: c.ID, Source: src, Purpose: in.Purpose, Kinds: in.Kinds,
		Status: "pending", RequestedByName: p.DisplayName, CreatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO asset_inquiries (id, court_id, case_id, source, purpose, kinds, party_ids, status,
		requested_by, requested_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
		q.ID, c.CourtID, c.ID, string(src), in.Purpose, strings.Join(kinds, " "), strings.Join(parties, " "),
		store.NullID(p.UserID), p.DisplayName, now); err != nil {
		return nil, err
	}
	what := "全部类别"
	if len(kinds) > 0 {
		labels := make([]string, len(in.Kinds))
		for i, k := range in.Kinds {
			labels[i] = k.Label()
		}
		what = strings.Join(labels, "、")
	}
	summary := src.Label() + "（" + what + "）：" + in.Purpose
	if err := cases.AppendEvents(ctx, tx, c.ID, cases.Event{Kind: "inquiry", Summary: summary}); err != nil {
		return nil, err
	}
	tx.AfterCommit(func() { wake(tx.DB()) })
	if err := supervise.TouchCase(ctx, tx, c.ID); err != nil { // NODE-2: the first inquiry
		return nil, err
	}
	return q, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "asset_inquiry.created", ObjectType: "case",
		ObjectID: c.ID.String(), Summary: c.CaseNo + "：" + summary,
		Changes: audit.Changes{"inquiry_id": {To: q.ID}, "kinds": {To: kinds}, "purpose": {To: in.Purpose}}})
}

// subject is a respondent as an agency is told about them.
type subject struct {
	partyID  uuid.UUID
	kind     string
	name     string
	idNumber string
}

// expandPending turns up to limit pending inquiries into their agency
// requests, in one transaction: a crash before commit leaves them pending,
// after it leaves them open with every request queued.
func expandPending(ctx context.Context, db *store.DB, limit int) (int, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (int, error) {
		lock := ""
		if tx.Engine() == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `SELECT i.id, i.court_id, i.case_id, i.kinds, i.party_ids, i.purpose, i.requested_by,
			i.requested_by_name, c.code FROM asset_inquiries i JOIN courts c ON c.id = i.court_id
			WHERE i.status = 'pending' ORDER BY i.created_at LIMIT ?`+lock, limit)
		if err != nil {
			return 0, err
		}
		type pending struct {
			id, court, caseID     uuid.UUID
			kinds, parties        string
			purpose, byName, code string
			by                    uuid.NullUUID
		}
		var list []pending
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.id, &p.court, &p.caseID, &p.kinds, &p.parties, &p.purpose, &p.by, &p.byName, &p.code); err != nil {
				rows.Close()
				return 0, err
			}
			list = append(list, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(list) == 0 {
			return 0, err
		}
		agencies, err := Agencies(ctx, tx)
		if err != nil {
			return 0, err
		}
		now := time.Now().UTC()
		var reqs []newRequest
		for _, p := range list {
			subjects, err := respondents(ctx, tx, p.caseID, p.parties)
			if err != nil {
				return 0, err
			}
			kinds := wantedKinds(p.kinds)
			n := 0
			for _, s := range subjects {
				for _, k := range kinds {
					info, _ := agency.Info(k)
					if !info.AppliesTo(s.kind) {
						continue
					}
					op := agency.OpInquire
					if k == agency.PersonTrace {
						op = agency.OpLocate
					}
					for i := range agencies {
						a := &agencies[i]
						if !a.Active || !a.Inquire || !a.Serves(k) || !a.ServesCourt(p.code) {
							continue
						}
						reqs = append(reqs, newRequest{courtID: p.court, caseID: p.caseID, inquiryID: p.id, agency: a,
							partyID: s.partyID, kind: k, op: op, purpose: p.purpose, by: p.by.UUID, byName: p.byName})
						n++
					}
				}
			}
			status := "open"
			var finished any
			if n == 0 {
				status, finished = "done", now
			}
			if _, err := tx.Exec(ctx, `UPDATE asset_inquiries SET status = ?, requests = ?, finished_at = ? WHERE id = ?`,
				status, n, finished, p.id); err != nil {
				return 0, err
			}
		}
		return len(list), insertRequests(ctx, tx, reqs, now)
	})
}

// wantedKinds returns the kinds an inquiry asks for, in catalogue order.
// An inquiry of every kind leaves out the person search with the police: it
// is asked for by name, when a debtor cannot be found.
func wantedKinds(list string) []agency.Kind {
	want := strings.Fields(list)
	var out []agency.Kind
	for _, k := range agency.Kinds {
		if len(want) == 0 && k.Kind != agency.PersonTrace || slices.Contains(want, string(k.Kind)) {
			out = append(out, k.Kind)
		}
	}
	return out
}

// respondents returns the respondents of a case (limited to the given
// space-separated party ids when not empty).
func respondents(ctx context.Context, q store.Querier, caseID uuid.UUID, only string) ([]subject, error) {
	rows, err := q.Query(ctx, `SELECT cp.party_id, p.kind, cp.name, p.id_number FROM case_parties cp JOIN parties p ON p.id = cp.party_id
		WHERE cp.case_id = ? AND cp.role = 'respondent' ORDER BY cp.seq`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	want := strings.Fields(only)
	var out []subject
	for rows.Next() {
		var s subject
		if err := rows.Scan(&s.partyID, &s.kind, &s.name, &s.idNumber); err != nil {
			return nil, err
		}
		if len(want) == 0 || slices.Contains(want, s.partyID.String()) {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}
