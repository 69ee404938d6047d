package assets

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Control is a freeze or seizure in the registry.
type Control struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	CaseID          uuid.UUID
	CaseNo          string
	AssetID         uuid.UUID
	Op              agency.Op
	Status          ControlStatus
	AmountAskedFen  int64
	AmountFen       int64 // in force
	DeductedFen     int64
	TermClass       agency.TermClass
	TermTo          legal.Date
	EffectiveAt     time.Time
	Rank            int // 1 首封, 2… 轮候; 0 until in force
	AgencyRef       string
	AgencyName      string
	Preservation    bool
	CarriedFrom     uuid.UUID // the preservation control it continues (TERM-5)
	DuplicateOf     uuid.UUID // the preservation of the same applicant already binding the asset (TERM-5)
	Reason          string
	RequestedByName string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	EndedAt         time.Time
	EndReason       string
}

const controlColumns = `c.id, c.court_id, c.case_id, k.case_no, c.asset_id, c.op, c.status, c.amount_asked_fen, c.amount_fen, c.deducted_fen,
	c.term_class, c.term_to, c.effective_at, c.rank, c.agency_ref, c.preservation, c.reason, c.requested_by_name, c.created_at,
	c.updated_at, c.ended_at, c.end_reason, c.carried_from, c.duplicate_of`

const controlFrom = ` FROM controls c JOIN cases k ON k.id = c.case_id`

// scanControl scans controlColumns, then any extra columns into extra.
func scanControl(sc interface{ Scan(...any) error }, extra ...any) (*Control, error) {
	c := &Control{}
	var eff, ended *time.Time
	var carried, duplicate uuid.NullUUID
	err := sc.Scan(append([]any{&c.ID, &c.CourtID, &c.CaseID, &c.CaseNo, &c.AssetID, &c.Op, &c.Status, &c.AmountAskedFen, &c.AmountFen,
		&c.DeductedFen, &c.TermClass, &c.TermTo, &eff, &c.Rank, &c.AgencyRef, &c.Preservation, &c.Reason, &c.RequestedByName,
		&c.CreatedAt, &c.UpdatedAt, &ended, &c.EndReason, &carried, &duplicate}, extra...)...)
	c.CarriedFrom, c.DuplicateOf = carried.UUID, duplicate.UUID
	if eff != nil {
		c.EffectiveAt = eff.UTC()
	}
	if ended != nil {
		c.EndedAt = ended.UTC()
	}
	return c, err
}

func getControl(ctx context.Context, q store.Querier, id uuid.UUID, lock bool) (*Control, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok && lock {
		suffix = tx.ForUpdate("c")
	}
	c, err := scanControl(q.QueryRow(ctx, `SELECT `+controlColumns+controlFrom+` WHERE c.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("控制措施")
	}
	return c, err
}

// Asset is an asset an agency reported, with every control that binds it
// across cases and courts, in order (the registry's view of it).
type Asset struct {
	ID           uuid.UUID
	PartyID      uuid.UUID
	PartyName    string
	AgencyCode   string
	AgencyName   string
	Kind         agency.Kind
	Ref          string
	Institution  string
	Description  string
	ValueFen     int64
	AvailableFen int64
	Attributes   map[string]string
	Exempt       bool
	ExemptReason string
	FirstFoundAt time.Time
	LastSeenAt   time.Time
	Controls     []*Control // every control ever placed, binding ones first by rank
}

// Money reports whether the asset is money the court can take directly.
func (a *Asset) Money() bool {
	i, _ := agency.Info(a.Kind)
	return i.Money
}

// Request is a message to an agency as people read it.
type Request struct {
	ID              uuid.UUID
	CaseID          uuid.UUID
	InquiryID       uuid.UUID
	ControlID       uuid.UUID
	AgencyCode      string
	AgencyName      string
	PartyName       string
	Kind            agency.Kind
	Op              agency.Op
	AmountFen       int64
	Purpose         string
	RequestedByName string
	Status          RequestStatus
	Attempts        int
	LastError       string
	ResultStatus    agency.ResultStatus
	ResultMessage   string
	Result          *agency.Result
	AnsweredBy      string
	CreatedAt       time.Time
	SentAt          time.Time
	AnsweredAt      time.Time
}

const requestColumns = `r.id, r.case_id, r.inquiry_id, r.control_id, a.code, a.name, p.name, r.kind, r.op, r.amount_fen, r.purpose,
	r.requested_by_name, r.status, r.attempts, r.last_error, r.result_status, r.result_message, r.result, r.answered_by, r.created_at,
	r.sent_at, r.answered_at`

const requestFrom = ` FROM agency_requests r JOIN agencies a ON a.id = r.agency_id JOIN parties p ON p.id = r.party_id`

func scanRequest(sc store.Scanner) (*Request, error) {
	r := &Request{}
	var inquiry, control uuid.NullUUID
	var result string
	var sent, answered *time.Time
	err := sc.Scan(&r.ID, &r.CaseID, &inquiry, &control, &r.AgencyCode, &r.AgencyName, &r.PartyName, &r.Kind, &r.Op, &r.AmountFen,
		&r.Purpose, &r.RequestedByName, &r.Status, &r.Attempts, &r.LastError, &r.ResultStatus, &r.ResultMessage, &result,
		&r.AnsweredBy, &r.CreatedAt, &sent, &answered)
	if err != nil {
		return nil, err
	}
	r.InquiryID, r.ControlID = inquiry.UUID, control.UUID
	if sent != nil {
		r.SentAt = sent.UTC()
	}
	if answered != nil {
		r.AnsweredAt = answered.UTC()
	}
	if result != "" {
		r.Result = &agency.Result{}
		if err := json.Unmarshal([]byte(result), r.Result); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// CaseView is everything 查控 knows about a case: its inquiries, the
// assets of its respondents with every control on them (of this case and
// others), and its requests to agencies.
type CaseView struct {
	Inquiries []*Inquiry
	Assets    []*Asset
	Controls  []*Control // this case's
	Requests  []*Request // the latest first, at most RequestsShown
	// Requery is the re-query schedule of a 终本 case; nil for others.
	Requery *Requery
	// Proposals are the restoration proposals of a 终本 case, latest first.
	Proposals []*Proposal
	// Offer is the fast path's deduction offer; nil when nothing is frozen.
	Offer *Offer
	// Transfers are the 60-day transfer requests (TERM-4) the case sent or
	// received, latest first.
	Transfers []*Transfer
	// Carriable counts the preservation measures of the case's parties not
	// yet carried into it (TERM-5; an enforcement case only).
	Carriable int
}

// RequestsShown bounds the requests a case view lists; the API pages them.
const RequestsShown = 200

// ForCase returns the case view (cases.read, case in scope).
func ForCase(ctx context.Context, q store.Querier, caseID uuid.UUID) (*CaseView, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	var court uuid.UUID
	if err := q.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, caseID).Scan(&court); err != nil || !p.Sees(court) {
		if err == nil || store.IsNoRows(err) {
			return nil, apperr.NotFoundf("案件")
		}
		return nil, err
	}
	v := &CaseView{}
	if v.Inquiries, err = inquiries(ctx, q, caseID); err != nil {
		return nil, err
	}
	if v.Requery, err = requeryOf(ctx, q, caseID); err != nil {
		return nil, err
	}
	if v.Requery != nil {
		if v.Proposals, err = caseProposals(ctx, q, caseID); err != nil {
			return nil, err
		}
	}
	if v.Assets, err = partyAssets(ctx, q, `SELECT party_id FROM case_parties WHERE case_id = ? AND role = 'respondent'`, caseID); err != nil {
		return nil, err
	}
	for _, a := range v.Assets {
		for _, c := range a.Controls {
			if c.CaseID == caseID {
				v.Controls = append(v.Controls, c)
			}
		}
	}
	rows, err := q.Query(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.case_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?`,
		caseID, RequestsShown)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		v.Requests = append(v.Requests, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if v.Transfers, err = caseTransfers(ctx, q, caseID); err != nil {
		return nil, err
	}
	// Counted by asset: of two preservations of one asset only the first
	// is carried.
	if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT asset_id) FROM controls WHERE id IN (`+carrySelect+`) AND EXISTS (SELECT 1 FROM cases
		WHERE id = ? AND case_type = 'first_enforcement')`, caseID, caseID, caseID, caseID, caseID).Scan(&v.Carriable); err != nil {
		return nil, err
	}
	v.Offer, err = fastPath(ctx, q, caseID, v)
	return v, err
}

func inquiries(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Inquiry, error) {
	rows, err := q.Query(ctx, `SELECT id, court_id, case_id, source, purpose, kinds, status, requests, answered, found, requested_by_name,
		created_at, finished_at FROM asset_inquiries WHERE case_id = ? ORDER BY created_at DESC, id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Inquiry
	for rows.Next() {
		i := &Inquiry{}
		var kinds string
		var fin *time.Time
		if err := rows.Scan(&i.ID, &i.CourtID, &i.CaseID, &i.Source, &i.Purpose, &kinds, &i.Status, &i.Requests, &i.Answered, &i.Found,
			&i.RequestedByName, &i.CreatedAt, &fin); err != nil {
			return nil, err
		}
		for k := range strings.FieldsSeq(kinds) {
			i.Kinds = append(i.Kinds, agency.Kind(k))
		}
		if fin != nil {
			i.FinishedAt = fin.UTC()
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// partyAssets returns the assets of the parties the subquery selects, each
// with its controls across every case and court.
func partyAssets(ctx context.Context, q store.Querier, parties string, args ...any) ([]*Asset, error) {
	rows, err := q.Query(ctx, `SELECT s.id, s.party_id, p.name, a.code, a.name, s.kind, s.ref, s.institution, s.description, s.value_fen,
		s.available_fen, s.attributes, s.exempt, s.exempt_reason, s.first_found_at, s.last_seen_at
		FROM assets s JOIN agencies a ON a.id = s.agency_id JOIN parties p ON p.id = s.party_id
		WHERE s.party_id IN (`+parties+`) ORDER BY p.name, s.kind, a.code, s.ref`, args...)
	if err != nil {
		return nil, err
	}
	var out []*Asset
	byID := map[uuid.UUID]*Asset{}
	for rows.Next() {
		a := &Asset{}
		var attrs string
		if err := rows.Scan(&a.ID, &a.PartyID, &a.PartyName, &a.AgencyCode, &a.AgencyName, &a.Kind, &a.Ref, &a.Institution, &a.Description,
			&a.ValueFen, &a.AvailableFen, &attrs, &a.Exempt, &a.ExemptReason, &a.FirstFoundAt, &a.LastSeenAt); err != nil {
			rows.Close()
			return nil, err
		}
		if attrs != "" {
			if err := json.Unmarshal([]byte(attrs), &a.Attributes); err != nil {
				rows.Close()
				return nil, err
			}
		}
		out = append(out, a)
		byID[a.ID] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	crow, err := q.Query(ctx, `SELECT `+controlColumns+`, g.name`+controlFrom+`
		LEFT JOIN agency_requests r ON r.control_id = c.id AND r.op = c.op LEFT JOIN agencies g ON g.id = r.agency_id
		WHERE c.asset_id IN (SELECT s.id FROM assets s WHERE s.party_id IN (`+parties+`))
		ORDER BY CASE WHEN c.status IN ('active', 'waiting') THEN 0 WHEN c.status = 'requested' THEN 1 ELSE 2 END, c.rank, c.created_at`, args...)
	if err != nil {
		return nil, err
	}
	defer crow.Close()
	for crow.Next() {
		var name *string
		c, err := scanControl(crow, &name)
		if err != nil {
			return nil, err
		}
		if name != nil {
			c.AgencyName = *name
		}
		if a := byID[c.AssetID]; a != nil {
			a.Controls = append(a.Controls, c)
		}
	}
	return out, crow.Err()
}

// DeadLetters lists the requests that could not be delivered
// (assets.dispatch), newest first, in the caller's courts.
func DeadLetters(ctx context.Context, q store.Querier, req page.Request) (page.Page[*Request], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Request]{}, err
	}
	if err := p.Require(access.AssetsDispatch); err != nil {
		return page.Page[*Request]{}, err
	}
	cond, args := p.CourtFilter("r.court_id")
	return store.PageByID(ctx, q, req, `SELECT `+requestColumns+requestFrom+` WHERE r.status = 'dead' AND `+cond, args, "r.id", true,
		scanRequest, func(r *Request) uuid.UUID { return r.ID })
}

// Resend puts a dead request back in the queue with fresh attempts
// (assets.dispatch); its id is kept, so an agency that did receive it
// answers "duplicate".
func Resend(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	if err := p.Require(access.AssetsDispatch); err != nil {
		return err
	}
	var court, inquiry, control uuid.NullUUID
	var status RequestStatus
	err = tx.QueryRow(ctx, `SELECT court_id, status, inquiry_id, control_id FROM agency_requests WHERE id = ?`+tx.ForUpdate(), id).
		Scan(&court, &status, &inquiry, &control)
	if store.IsNoRows(err) || err == nil && !p.Sees(court.UUID) {
		return apperr.NotFoundf("查控请求")
	}
	if err != nil {
		return err
	}
	if status != RequestDead {
		return apperr.New(apperr.Conflict, "not_dead", "只有无法送达的请求可以重发；该请求为“"+status.Label()+"”")
	}
	if control.Valid {
		var cs ControlStatus
		if err := tx.QueryRow(ctx, `SELECT status FROM controls WHERE id = ?`, control.UUID).Scan(&cs); err != nil {
			return err
		}
		if cs == ControlFailed {
			if _, err := tx.Exec(ctx, `UPDATE controls SET status = 'requested', ended_at = NULL, end_reason = '' WHERE id = ?`, control.UUID); err != nil {
				return err
			}
		}
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE agency_requests SET status = 'queued', attempts = 0, next_at = ?, result_message = '', updated_at = ?
		WHERE id = ?`, now, now, id); err != nil {
		return err
	}
	if inquiry.Valid {
		if _, err := tx.Exec(ctx, `UPDATE asset_inquiries SET answered = answered - 1, status = 'open', finished_at = NULL WHERE id = ?`,
			inquiry.UUID); err != nil {
			return err
		}
	}
	tx.AfterCommit(func() { wake(tx.DB()) })
	return audit.Log(ctx, tx, audit.Entry{CourtID: court.UUID, Action: "agency_request.resent", ObjectType: "agency_request",
		ObjectID: id.String(), Summary: "重发无法送达的查控请求", Changes: audit.Changes{"status": {From: RequestDead, To: RequestQueued}}})
}

// ForParty returns the assets of a party (the debtor view), each with every
// control on it across cases and courts in its order (cases.read; a party in
// no case the caller may see does not exist for them).
func ForParty(ctx context.Context, q store.Querier, partyID uuid.UUID) ([]*Asset, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	cond, args := p.CourtFilter("c.court_id")
	var seen bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_parties cp JOIN cases c ON c.id = cp.case_id WHERE cp.party_id = ? AND `+cond+`)`,
		append([]any{partyID}, args...)...).Scan(&seen); err != nil {
		return nil, err
	}
	if !seen {
		return nil, apperr.NotFoundf("当事人")
	}
	return partyAssets(ctx, q, `?`, partyID)
}

// Requery is the re-query schedule of a 终本 case (ZB-9).
type Requery struct {
	StartedOn legal.Date
	NextOn    legal.Date
	UntilOn   legal.Date
	Runs      int
	Status    string // active, ended
	EndReason string
}

func requeryOf(ctx context.Context, q store.Querier, caseID uuid.UUID) (*Requery, error) {
	r := &Requery{}
	err := q.QueryRow(ctx, `SELECT started_on, next_on, until_on, runs, status, end_reason FROM requeries WHERE case_id = ?`, caseID).
		Scan(&r.StartedOn, &r.NextOn, &r.UntilOn, &r.Runs, &r.Status, &r.EndReason)
	if store.IsNoRows(err) {
		return nil, nil
	}
	return r, err
}
