package cases

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// NewCase is what filing hands over to open a case.
type NewCase struct {
	CourtID         uuid.UUID
	CourtCode       string // 法院代字 (CODE-1)
	CaseType        string
	ApplicationID   uuid.UUID
	OriginCaseID    uuid.UUID
	BasisKind       string
	BasisDocumentNo string
	ClaimAmountFen  int64
	NonLitigation   bool
	ReceivedOn      legal.Date
	FiledOn         legal.Date
	Parties         []Party
	Lane            string
	TeamID          uuid.UUID
	HandlerID       uuid.UUID
	Triage          Triage
	Facts           string
	// Events are extra timeline entries written after 立案 (the mediation
	// record, the acceptance notice), in order.
	Events []Event
}

// NextNumber advances the counter of (court, 类型代字, year) and returns the
// next sequence number (CASENO-2). It runs inside the filing transaction: the
// counter row stays locked until commit, so numbers are consecutive, unique
// and never lost to a rolled-back filing.
func NextNumber(ctx context.Context, tx *store.Tx, court uuid.UUID, zi string, year int) (int, error) {
	var seq int
	err := tx.QueryRow(ctx, `INSERT INTO case_counters (court_id, zi, year, last_seq) VALUES (?, ?, ?, 1)
		ON CONFLICT (court_id, zi, year) DO UPDATE SET last_seq = case_counters.last_seq + 1
		RETURNING last_seq`, court, zi, year).Scan(&seq)
	return seq, err
}

// Zi returns the 类型代字 of a case type (CODE-2, data).
func Zi(ctx context.Context, q store.Querier, caseType string) (string, error) {
	var zi string
	var active bool
	err := q.QueryRow(ctx, `SELECT zi, active FROM case_types WHERE code = ?`, caseType).Scan(&zi, &active)
	if store.IsNoRows(err) || err == nil && !active {
		return "", apperr.InvalidField("invalid_case_type", "body.case_type", "案件类型“"+caseType+"”不存在或已停用")
	}
	return zi, err
}

// Create opens a case: numbers it, computes its clock, stores its parties and
// its first timeline entries, and audits it. The caller (filing) has checked
// permissions and decided lane, team and handler.
func Create(ctx context.Context, tx *store.Tx, in NewCase) (*Case, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	zi, err := Zi(ctx, tx, in.CaseType)
	if err != nil {
		return nil, err
	}
	year := in.FiledOn.Year()
	seq, err := NextNumber(ctx, tx, in.CourtID, zi, year)
	if err != nil {
		return nil, err
	}
	no := legal.CaseNo{Year: year, Court: in.CourtCode, Type: zi, Seq: seq}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	c := &Case{ID: store.NewID(), CourtID: in.CourtID, CaseNo: no.String(), Year: year, Zi: zi, Seq: seq, CaseType: in.CaseType,
		ApplicationID: in.ApplicationID, OriginCaseID: in.OriginCaseID, Status: StatusFiled, Lane: in.Lane, TeamID: in.TeamID,
		HandlerID: in.HandlerID, Triage: in.Triage, Facts: in.Facts, BasisKind: in.BasisKind, BasisDocumentNo: in.BasisDocumentNo,
		ClaimAmountFen: in.ClaimAmountFen, NonLitigation: in.NonLitigation, ReceivedOn: in.ReceivedOn, FiledOn: in.FiledOn,
		Parties: in.Parties, CreatedAt: now, UpdatedAt: now}
	if in.HandlerID != uuid.Nil {
		c.Status, c.AssignedOn = StatusInProgress, in.FiledOn
	}
	rules, err := resolveRules(ctx, tx, c)
	if err != nil {
		return nil, err
	}
	c.Clock = computeClock(cal, c, rules, nil, legal.Today(now))
	c.Deadline = c.Clock.Deadline.Effective
	c.PartyNames = partyNames(c.Parties)
	_, err = tx.Exec(ctx, `INSERT INTO cases (id, court_id, case_no, year, zi, seq, case_type, application_id, origin_case_id, status,
			lane, team_id, handler_id, assigned_on, triage_rule, triage_version, triage_explanation, triage_override, facts,
			basis_kind, basis_document_no, claim_amount_fen, non_litigation, received_on, filed_on, deadline, party_names,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.CourtID, c.CaseNo, c.Year, c.Zi, c.Seq, c.CaseType, store.NullID(c.ApplicationID), store.NullID(c.OriginCaseID), c.Status,
		c.Lane, store.NullID(c.TeamID), store.NullID(c.HandlerID), c.AssignedOn, c.Triage.Rule, c.Triage.Version, c.Triage.Explanation,
		c.Triage.Override, c.Facts, c.BasisKind, c.BasisDocumentNo, c.ClaimAmountFen, c.NonLitigation, c.ReceivedOn, c.FiledOn,
		c.Deadline, c.PartyNames, c.CreatedAt, c.UpdatedAt)
	if store.IsUniqueViolation(err) {
		// Only possible if numbers were edited by hand: CASENO-2 forbids reuse.
		return nil, apperr.Wrapf(err, apperr.Conflict, "duplicate_case_no", "案号 "+c.CaseNo+" 已被使用，请联系管理员核对案号计数")
	}
	if err != nil {
		return nil, err
	}
	if len(c.Parties) > 0 {
		args := make([]any, 0, 8*len(c.Parties))
		for i, pt := range c.Parties {
			args = append(args, c.ID, i+1, pt.Role, pt.PartyID, pt.Name, pt.Phone, pt.Address, pt.LegalRep)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_parties (case_id, seq, role, party_id, name, phone, address, legal_rep)
			VALUES `+store.Rows(len(c.Parties), 8), args...); err != nil {
			return nil, err
		}
	}
	// The KPIs: one case received on its filing day (internal/metrics).
	if err := metrics.Apply(ctx, tx, nil, &metrics.Snapshot{CourtID: c.CourtID, TeamID: c.TeamID, HandlerID: c.HandlerID, CaseType: c.CaseType,
		Lane: c.Lane, FiledOn: c.FiledOn, Deadline: c.Deadline, ClaimFen: c.ClaimAmountFen}); err != nil {
		return nil, err
	}
	if err := addLoad(ctx, tx, 1, c.TeamID, c.HandlerID); err != nil {
		return nil, err
	}
	if err := superviseNew(ctx, tx, c); err != nil {
		return nil, err
	}
	events := append([]Event{{Kind: "filed", Summary: "立案，案号 " + c.CaseNo}}, in.Events...)
	if err := addEvents(ctx, tx, p, c.ID, events, now); err != nil {
		return nil, err
	}
	return c, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "case.filed", ObjectType: "case", ObjectID: c.ID.String(),
		Summary: "立案 " + c.CaseNo + "（" + c.PartyNames + "）",
		Changes: audit.Changes{"case_no": {To: c.CaseNo}, "lane": {To: c.Lane}, "team_id": {To: idString(c.TeamID)},
			"handler_id": {To: idString(c.HandlerID)}, "triage_rule": {To: c.Triage.Rule}, "triage_version": {To: c.Triage.Version}}})
}

func partyNames(ps []Party) string {
	var app, resp []string
	for _, p := range ps {
		if p.Role == "applicant" {
			app = append(app, p.Name)
		} else {
			resp = append(resp, p.Name)
		}
	}
	return strings.Join(app, "、") + " 申请执行 " + strings.Join(resp, "、")
}

// addEvent appends to a case's timeline.
func addEvent(ctx context.Context, tx *store.Tx, p *access.Principal, caseID uuid.UUID, kind, summary string, at time.Time) error {
	return addEvents(ctx, tx, p, caseID, []Event{{Kind: kind, Summary: summary}}, at)
}

// addEvents appends events to a case's timeline in one statement. Events
// written in one transaction get strictly increasing instants so the
// timeline keeps their order.
func addEvents(ctx context.Context, tx *store.Tx, p *access.Principal, caseID uuid.UUID, events []Event, at time.Time) error {
	type lastKey struct{}
	args := make([]any, 0, 7*len(events))
	for _, e := range events {
		if last, ok := tx.Value(lastKey{}).(time.Time); ok && !at.After(last) {
			at = last.Add(time.Microsecond)
		}
		tx.SetValue(lastKey{}, at)
		args = append(args, store.NewID(), caseID, at, e.Kind, e.Summary, store.NullID(p.UserID), p.DisplayName)
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_events (id, case_id, at, kind, summary, actor_id, actor_name) VALUES `+store.Rows(len(events), 7), args...)
	return err
}

func idString(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// AppendEvents adds events to a case's timeline as part of tx, in the name of
// the principal in ctx (other features record their steps this way).
func AppendEvents(ctx context.Context, tx *store.Tx, caseID uuid.UUID, events ...Event) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, time.Now().UTC(), caseID); err != nil {
		return err
	}
	return addEvents(ctx, tx, p, caseID, events, time.Now().UTC())
}

// superviseNew puts a new case in the supervision queue with the facts at
// hand (no reads), and looks again at the case a 执恢 case restores: its
// 终本 database entry is now due for removal (ZB-8).
func superviseNew(ctx context.Context, tx *store.Tx, c *Case) error {
	dates := map[string]legal.Date{"filed_on": c.FiledOn, "received_on": c.ReceivedOn, "deadline": c.Deadline}
	if !c.AssignedOn.IsZero() {
		dates["assigned_on"] = c.AssignedOn
	}
	f := &supervise.Facts{Subject: supervise.Subject{Kind: supervise.SubjectCase, ID: c.ID}, CourtID: c.CourtID, CaseID: c.ID,
		CaseNo: c.CaseNo, TeamID: c.TeamID, HandlerID: c.HandlerID, Label: "案件", Dates: dates,
		Values: &supervise.CaseFacts{CaseType: c.CaseType, Lane: c.Lane, Status: c.Status, NonLitigation: c.NonLitigation,
			ClaimFen: c.ClaimAmountFen, HasHandler: c.HandlerID != uuid.Nil}}
	if err := supervise.TouchNew(ctx, tx, f); err != nil {
		return err
	}
	if c.OriginCaseID != uuid.Nil {
		return supervise.TouchCase(ctx, tx, c.OriginCaseID)
	}
	return nil
}
