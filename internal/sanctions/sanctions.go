// Package sanctions keeps the sanctions against a debtor who does not
// perform (DOMAIN.md §7, ZB-2): the property report order (报告财产令) with
// the report, its verification and the penalties for a late or false
// report; the consumption restriction (限制消费令), for an organization
// binding its legal representative and the other persons of XG-3, and its
// lifting (XG-4); the 失信 listing with its grounds (SX-1), exclusions
// (SX-2), grace period (SX-4), term and extension (SX-3), deletion within 3
// working days of a trigger (SX-5) and correction requests (SX-6); the
// searchable lists and the queue of listings and restrictions due for
// deletion or lifting.
//
// Issuing an order records the matching measure on the case through
// cases.RecordMeasure, in the same transaction: the 终本 gate
// (legal.ZhongbenGate) reads those measures, so what is issued here shows
// there.
package sanctions

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// now is the clock of the package; tests of the SX-5 queue move it.
var now = time.Now

// respondent is a respondent of a case as a sanction names it.
type respondent struct {
	PartyID  uuid.UUID
	Name     string
	Kind     string // person, organization
	IDNumber string
	LegalRep string
}

// lockCase locks a case for a sanction (sanctions.manage; out of scope is
// 404) and refuses a closed one: measures are recorded on open cases.
func lockCase(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (*access.Principal, *cases.Case, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.SanctionsManage)
	if err != nil {
		return nil, nil, err
	}
	if c.Status == cases.StatusClosed {
		return nil, nil, apperr.New(apperr.Conflict, "case_closed", "案件已于 "+c.ClosedOn.String()+" 结案，不能再采取惩戒措施")
	}
	return p, c, nil
}

// lockCaseAny locks a case for a change of an existing sanction, open or
// closed (lifting and deleting happen after closure).
func lockCaseAny(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (*access.Principal, *cases.Case, error) {
	return cases.LockForWork(ctx, tx, caseID, access.SanctionsManage)
}

// getRespondent reads a respondent of a case; anyone else is a field error.
func getRespondent(ctx context.Context, q store.Querier, caseID, partyID uuid.UUID) (*respondent, error) {
	r := &respondent{}
	err := q.QueryRow(ctx, `SELECT cp.party_id, cp.name, p.kind, p.id_number, cp.legal_rep FROM case_parties cp JOIN parties p ON p.id = cp.party_id
		WHERE cp.case_id = ? AND cp.party_id = ? AND cp.role = 'respondent'`, caseID, partyID).Scan(&r.PartyID, &r.Name, &r.Kind, &r.IDNumber, &r.LegalRep)
	if store.IsNoRows(err) {
		return nil, apperr.InvalidField("not_respondent", "body.party_id", "所选当事人不是本案的被执行人")
	}
	return r, err
}

// checkDay checks a decision day of a case: given, not after today, not
// before filing.
func checkDay(d legal.Date, c *cases.Case, field, what string) error {
	switch {
	case d.IsZero():
		return apperr.InvalidField("invalid_date", field, "请填写"+what+"（YYYY-MM-DD）")
	case d.After(legal.Today(now())):
		return apperr.InvalidField("invalid_date", field, what+"不能晚于今天")
	case d.Before(c.FiledOn):
		return apperr.InvalidField("invalid_date", field, what+"不能早于立案日期 "+c.FiledOn.String())
	}
	return nil
}

func text(s string, max int, field, what string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		return "", apperr.InvalidField("too_long", field, fmt.Sprintf("%s最多 %d 字", what, max))
	}
	return s, nil
}

// rules reads the court's sanction values in force on day on.
func rules(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (ruleparams.Values, error) {
	return ruleparams.Resolve(ctx, q, court, on)
}

// logSanction writes the case timeline entry and the audit record of a
// sanction change.
func logSanction(ctx context.Context, tx *store.Tx, c *cases.Case, objectType string, id uuid.UUID, action, summary string, ch audit.Changes) error {
	if err := cases.AppendEvents(ctx, tx, c.ID, cases.Event{ID: store.NewID(), Kind: "sanction_" + action, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: objectType + "." + action, ObjectType: objectType, ObjectID: id.String(),
		Summary: c.CaseNo + "：" + summary, Changes: ch})
}

// recordMeasure records the measure an issued sanction answers on the case
// (ZB-1, ZB-2), so that the 终本 gate sees it.
func recordMeasure(ctx context.Context, tx *store.Tx, caseID uuid.UUID, kind cases.MeasureKind, on legal.Date, docNo, note string) error {
	_, err := cases.RecordMeasure(ctx, tx, caseID, cases.MeasureInput{Kind: kind, DoneOn: on, DocumentNo: docNo, Note: note})
	return err
}

// calendarOf loads the court calendar.
func calendarOf(ctx context.Context, q store.Querier) (*legal.Calendar, error) {
	return calendar.Load(ctx, store.DBOf(q))
}

func truncate(s string, n int) string { return textutil.Truncate(s, n) }

// lockedCaseOf finds the case of a sanction row and locks it: an object of
// a case outside the caller's scope is absent (404 as what).
func lockedCaseOf(ctx context.Context, tx *store.Tx, table string, id uuid.UUID, what string) (*access.Principal, *cases.Case, error) {
	var caseID uuid.UUID
	err := tx.QueryRow(ctx, `SELECT case_id FROM `+table+` WHERE id = ?`, id).Scan(&caseID)
	if store.IsNoRows(err) {
		return nil, nil, apperr.NotFoundf(what)
	}
	if err != nil {
		return nil, nil, err
	}
	p, c, err := lockCaseAny(ctx, tx, caseID)
	if apperr.CodeOf(err) == "not_found" {
		return nil, nil, apperr.NotFoundf(what)
	}
	return p, c, err
}
