package assets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// sentRequest is what applying an answer needs to know of its request.
type sentRequest struct {
	id, courtID, caseID  uuid.UUID
	inquiryID, controlID uuid.NullUUID
	agencyID, partyID    uuid.UUID
	assetID              uuid.NullUUID
	kind                 agency.Kind
	op                   agency.Op
	status               RequestStatus
	amountFen            int64
	termTo               legal.Date
	partyKind, caseNo    string
}

// Applied counts what ApplyResults did with a batch of answers.
type Applied struct {
	Applied int `json:"applied"` // first answers recorded
	Repeats int `json:"repeats"` // answers of requests already answered: ignored
	Unknown int `json:"unknown"` // answers to no request of this agency: ignored
}

// ApplyResults records an agency's answers in one transaction: the first
// answer of each request is kept, repeats are ignored (callbacks and polls
// may deliver the same answer twice). Inquiry answers add or refresh the
// respondent's assets; control answers put the control in force, in its
// place on the asset, or mark it failed. via says how the answers came
// (callback, poll, or the operator's name for the portal).
func ApplyResults(ctx context.Context, db *store.DB, agencyCode string, results []agency.Result, via string) (Applied, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (Applied, error) {
		return applyResults(ctx, tx, agencyCode, results, via)
	})
}

func applyResults(ctx context.Context, tx *store.Tx, agencyCode string, results []agency.Result, via string) (Applied, error) {
	var out Applied
	var agencyID uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = ?`, agencyCode).Scan(&agencyID); err != nil {
		if store.IsNoRows(err) {
			return out, apperr.NotFoundf("协执单位 " + agencyCode)
		}
		return out, err
	}
	var list []uuid.UUID
	for _, r := range results {
		if id, err := uuid.Parse(r.RequestID); err == nil {
			list = append(list, id)
		}
	}
	reqs, err := loadSent(ctx, tx, lockOrder(list))
	if err != nil {
		return out, err
	}
	now := time.Now().UTC()
	a := &applier{tx: tx, now: now, via: via, inquiries: map[uuid.UUID]*inquiryDelta{}}
	for i := range results {
		r := &results[i]
		id, _ := uuid.Parse(r.RequestID)
		req, ok := reqs[id]
		if !ok || req.agencyID != agencyID {
			out.Unknown++
			continue
		}
		if req.status == RequestAnswered || req.status == RequestRejected {
			out.Repeats++
			continue
		}
		if !r.Status.Valid() {
			r.Status, r.Message = agency.ResultFailed, "协执单位答复状态无法识别："+string(r.Status)
		}
		if r.AnsweredAt.IsZero() {
			r.AnsweredAt = now
		}
		if err := a.apply(ctx, req, r); err != nil {
			return out, fmt.Errorf("request %s: %w", req.id, err)
		}
		req.status = RequestAnswered // a second answer in the same batch is a repeat
		out.Applied++
	}
	return out, a.finish(ctx)
}

// lockOrder sorts request ids the way PostgreSQL orders uuids, as query
// arguments: every transaction that locks several requests (a batch of
// results, a batch of acknowledgements) takes them in this order, so two
// never wait for each other.
func lockOrder(ids []uuid.UUID) []any {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// loadSent locks and loads requests, their ids in lockOrder.
func loadSent(ctx context.Context, tx *store.Tx, ids []any) (map[uuid.UUID]*sentRequest, error) {
	out := make(map[uuid.UUID]*sentRequest, len(ids))
	for from := 0; from < len(ids); from += 1000 {
		chunk := ids[from:min(from+1000, len(ids))]
		rows, err := tx.Query(ctx, `SELECT r.id, r.court_id, r.case_id, r.inquiry_id, r.control_id, r.agency_id, r.party_id, r.asset_id,
			r.kind, r.op, r.status, r.amount_fen, r.term_to, p.kind, k.case_no
			FROM agency_requests r JOIN parties p ON p.id = r.party_id JOIN cases k ON k.id = r.case_id
			WHERE r.id IN (`+store.Placeholders(len(chunk))+`) ORDER BY r.id`+tx.ForUpdate("r"), chunk...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			s := &sentRequest{}
			if err := rows.Scan(&s.id, &s.courtID, &s.caseID, &s.inquiryID, &s.controlID, &s.agencyID, &s.partyID, &s.assetID,
				&s.kind, &s.op, &s.status, &s.amountFen, &s.termTo, &s.partyKind, &s.caseNo); err != nil {
				rows.Close()
				return nil, err
			}
			out[s.id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type inquiryDelta struct{ ended, found int }

// applier applies the answers of one batch.
type applier struct {
	tx        *store.Tx
	now       time.Time
	via       string
	inquiries map[uuid.UUID]*inquiryDelta
}

func (a *applier) apply(ctx context.Context, req *sentRequest, r *agency.Result) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := a.tx.Exec(ctx, `UPDATE agency_requests SET status = 'answered', answered_at = ?, result_status = ?, result_message = ?,
		result = ?, answered_by = ?, updated_at = ? WHERE id = ?`, r.AnsweredAt.UTC(), string(r.Status), textutil.Abbrev(r.Message, 500),
		string(body), a.via, a.now, req.id); err != nil {
		return err
	}
	found := 0
	if req.op == agency.OpInquire && (r.Status == agency.ResultDone || r.Status == agency.ResultPartial) {
		n, err := a.upsertHoldings(ctx, req, r.Holdings)
		if err != nil {
			return err
		}
		found = n
	}
	if req.inquiryID.Valid {
		d := a.inquiries[req.inquiryID.UUID]
		if d == nil {
			d = &inquiryDelta{}
			a.inquiries[req.inquiryID.UUID] = d
		}
		d.ended++
		d.found += found
	}
	if req.controlID.Valid {
		return a.applyControl(ctx, req, r)
	}
	if req.op == agency.OpLocate {
		return cases.AppendEvents(ctx, a.tx, req.caseID, cases.Event{Kind: "person_trace", Summary: locateSummary(r)})
	}
	return nil
}

// locateSummary is the timeline line of the police's answer to a person
// search.
func locateSummary(r *agency.Result) string {
	s := agency.PersonTrace.Label() + "："
	switch {
	case (r.Status == agency.ResultDone || r.Status == agency.ResultPartial) && r.Location != nil && r.Location.Found:
		s += "已查到下落，" + r.Location.Address
		if r.Location.Note != "" {
			s += "（" + r.Location.Note + "）"
		}
	case r.Status == agency.ResultFailed:
		s += "未能查找：" + r.Message
	default:
		s += "未查到下落"
		if r.Message != "" {
			s += "（" + r.Message + "）"
		}
	}
	return s
}

// upsertHoldings merges reported holdings into the party's assets: one row
// per (party, agency, kind, reference), refreshed by every report.
func (a *applier) upsertHoldings(ctx context.Context, req *sentRequest, hs []agency.Holding) (int, error) {
	var valid []agency.Holding
	seen := map[string]bool{}
	for _, h := range hs {
		if strings.TrimSpace(h.Ref) == "" || seen[string(h.Kind)+"\x00"+h.Ref] {
			continue
		}
		seen[string(h.Kind)+"\x00"+h.Ref] = true
		if !h.Kind.Valid() {
			h.Kind = req.kind
		}
		valid = append(valid, h)
	}
	if len(valid) == 0 {
		return 0, nil
	}
	err := store.UpsertRows(ctx, a.tx, `INSERT INTO assets (id, party_id, agency_id, kind, ref, institution, description, value_fen,
		available_fen, attributes, exempt, exempt_reason, first_found_at, last_seen_at, last_request_id) VALUES `,
		` ON CONFLICT (party_id, agency_id, kind, ref) DO UPDATE SET institution = excluded.institution,
		description = excluded.description, value_fen = excluded.value_fen, available_fen = excluded.available_fen,
		attributes = excluded.attributes, exempt = excluded.exempt, exempt_reason = excluded.exempt_reason,
		last_seen_at = excluded.last_seen_at, last_request_id = excluded.last_request_id`, 15, len(valid),
		func(i int, args []any) []any {
			h := valid[i]
			attrs := ""
			if len(h.Attributes) > 0 {
				attrs = marshal(h.Attributes)
			}
			reason := legal.ExemptReason(string(h.Kind), req.partyKind == "person", h.Attributes)
			return append(args, store.NewID(), req.partyID, req.agencyID, string(h.Kind), textutil.Abbrev(h.Ref, 200),
				textutil.Abbrev(h.Institution, 200), textutil.Abbrev(h.Description, 500), max(h.ValueFen, 0), max(h.AvailableFen, 0), attrs,
				reason != "", reason, a.now, a.now, req.id)
		})
	if err != nil {
		return 0, err
	}
	return len(valid), nil
}

// finish updates the inquiries touched and closes those fully answered,
// each with a line in its case's timeline.
//
// The inquiries are locked in id order: concurrent batches touching the
// same inquiries then wait for each other instead of deadlocking.
func (a *applier) finish(ctx context.Context) error {
	ids := slices.SortedFunc(maps.Keys(a.inquiries), func(x, y uuid.UUID) int { return bytes.Compare(x[:], y[:]) })
	for _, id := range ids {
		d := a.inquiries[id]
		if _, err := a.tx.Exec(ctx, `UPDATE asset_inquiries SET answered = answered + ?, found = found + ? WHERE id = ?`,
			d.ended, d.found, id); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := closeInquiry(ctx, a.tx, id, a.now); err != nil {
			return err
		}
	}
	return nil
}

// closeInquiry marks an inquiry done once every request ended and writes
// what it found into the case's timeline.
func closeInquiry(ctx context.Context, tx *store.Tx, id uuid.UUID, now time.Time) error {
	var (
		caseID              uuid.UUID
		requests, ended, nf int
		status              string
		src                 Source
	)
	if err := tx.QueryRow(ctx, `SELECT case_id, requests, answered, found, status, source FROM asset_inquiries WHERE id = ?`, id).
		Scan(&caseID, &requests, &ended, &nf, &status, &src); err != nil {
		return err
	}
	if status != "open" || ended < requests {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE asset_inquiries SET status = 'done', finished_at = ? WHERE id = ?`, now, id); err != nil {
		return err
	}
	var failed, money int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agency_requests WHERE inquiry_id = ? AND (status <> 'answered' OR result_status = 'failed')`, id).
		Scan(&failed); err != nil {
		return err
	}
	args := append([]any{id}, moneyKinds...)
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(s.available_fen), 0) FROM assets s
		WHERE s.last_request_id IN (SELECT r.id FROM agency_requests r WHERE r.inquiry_id = ?) AND s.kind IN (`+store.Placeholders(len(moneyKinds))+`)`, args...).
		Scan(&money); err != nil {
		return err
	}
	summary := fmt.Sprintf("%s结果：%d 项请求均已答复，发现财产 %d 项", src.Label(), requests, nf)
	if money > 0 {
		summary += "，其中存款及支付账户可用余额合计 " + triage.FormatYuan(money)
	}
	if failed > 0 {
		summary += fmt.Sprintf("；%d 项未能查询（见查控记录）", failed)
	}
	if err := cases.AppendEvents(ctx, tx, caseID, cases.Event{Kind: "inquiry_result", Summary: summary}); err != nil {
		return err
	}
	if src == SourceRequery {
		return requeryAnswered(ctx, tx, id, caseID, money)
	}
	return nil
}

// ended is a request that ended without an answer.
type ended struct {
	id      uuid.UUID
	message string
}

// endRequests puts requests in a final state without an answer (rejected by
// the agency, or undeliverable), counting them as ended for their inquiry
// and failing their control.
func endRequests(ctx context.Context, tx *store.Tx, status RequestStatus, list []ended, now time.Time) error {
	if len(list) == 0 {
		return nil
	}
	inquiries := map[uuid.UUID]int{}
	for _, e := range list {
		var inquiry, control uuid.NullUUID
		var caseID uuid.UUID
		err := tx.QueryRow(ctx, `UPDATE agency_requests SET status = ?, result_message = ?, updated_at = ?
			WHERE id = ? AND status = 'queued' RETURNING inquiry_id, control_id, case_id`, string(status), textutil.Abbrev(e.message, 500), now, e.id).
			Scan(&inquiry, &control, &caseID)
		if store.IsNoRows(err) {
			continue // answered meanwhile
		}
		if err != nil {
			return err
		}
		if inquiry.Valid {
			inquiries[inquiry.UUID]++
		}
		if control.Valid {
			if err := failControl(ctx, tx, control.UUID, caseID, status.Label()+"："+e.message, now); err != nil {
				return err
			}
		}
	}
	for id, n := range inquiries {
		if _, err := tx.Exec(ctx, `UPDATE asset_inquiries SET answered = answered + ? WHERE id = ?`, n, id); err != nil {
			return err
		}
		if err := closeInquiry(ctx, tx, id, now); err != nil {
			return err
		}
	}
	return nil
}
