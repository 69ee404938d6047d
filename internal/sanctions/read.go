package sanctions

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// CaseView is everything the sanctions section of a case shows.
type CaseView struct {
	CaseID       uuid.UUID
	CaseNo       string
	Closed       bool
	ReportOrders []*ReportOrder
	Restrictions []*Restriction
	Listings     []*Listing
	Guarantees   []*Guarantee
	Corrections  []*Correction
	Coverage     Coverage
	BanItems     []BanItem
	// Warnings: an active listing without a restriction (XG-1: must), a
	// report order whose false or missing report is 失信 ground (4).
	Warnings []string
}

// ForCase reads a case's sanctions (cases.read; out of scope is 404).
func ForCase(ctx context.Context, q store.Querier, caseID uuid.UUID) (*CaseView, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	var court uuid.UUID
	var caseNo, status, closure string
	var claim, recovered int64
	var closedOn legal.Date
	err = q.QueryRow(ctx, `SELECT court_id, case_no, status, closure, closed_on, claim_amount_fen, recovered_amount_fen FROM cases WHERE id = ?`,
		caseID).Scan(&court, &caseNo, &status, &closure, &closedOn, &claim, &recovered)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return nil, apperr.NotFoundf("案件")
	}
	if err != nil {
		return nil, err
	}
	v := &CaseView{CaseID: caseID, CaseNo: caseNo, Closed: status == "closed"}
	rows, err := q.Query(ctx, reportSelect+` WHERE case_id = ? ORDER BY created_at DESC, id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	if v.ReportOrders, err = store.ScanAll(rows, scanReport); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, restrictionSelect+` WHERE r.case_id = ? ORDER BY r.created_at DESC, r.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	if v.Restrictions, err = store.ScanAll(rows, scanRestriction); err != nil {
		return nil, err
	}
	if err := loadPersons(ctx, q, v.Restrictions); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, listingSelect+` WHERE l.case_id = ? ORDER BY l.created_at DESC, l.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	if v.Listings, err = store.ScanAll(rows, scanListing); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT id, case_id, party_id, guarantor, amount_fen, description, accepted_on, created_by_name, created_at
		FROM debtor_guarantees WHERE case_id = ? ORDER BY created_at DESC, id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	if v.Guarantees, err = store.ScanAll(rows, func(sc store.Scanner) (*Guarantee, error) {
		g := &Guarantee{}
		err := sc.Scan(&g.ID, &g.CaseID, &g.PartyID, &g.Guarantor, &g.AmountFen, &g.Description, &g.AcceptedOn, &g.CreatedByName, &g.CreatedAt)
		return g, err
	}); err != nil {
		return nil, err
	}
	if v.Corrections, err = caseCorrections(ctx, q, caseID); err != nil {
		return nil, err
	}
	if v.BanItems, err = BanItems(ctx, q); err != nil {
		return nil, err
	}
	v.Coverage.OutstandingFen = max(claim-recovered, 0)
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN k.op = 'freeze' THEN k.amount_fen ELSE a.value_fen END), 0)
		FROM controls k JOIN assets a ON a.id = k.asset_id WHERE k.case_id = ? AND k.status = 'active'`, caseID).Scan(&v.Coverage.ControlledFen); err != nil {
		return nil, err
	}
	for _, g := range v.Guarantees {
		v.Coverage.GuaranteedFen += g.AmountFen
	}
	restricted := map[uuid.UUID]bool{}
	vals, err := ruleparams.Resolve(ctx, q, court, legal.Today(now()))
	if err != nil {
		return nil, err
	}
	for _, r := range v.Restrictions {
		if !r.Active() {
			continue
		}
		restricted[r.PartyID] = true
		if r.Due, err = restrictionDue(ctx, q, r); err != nil {
			return nil, err
		}
		if closure == "zhongben" && vals.Bool(ruleparams.KeyRestrictionBeforeClose) {
			if err := legal.CheckRestrictionBeforeClosure(r.StartOn, closedOn); err != nil {
				r.XG5 = err.Error()
				v.Warnings = append(v.Warnings, r.PartyName+"："+err.Error())
			}
		}
	}
	for _, l := range v.Listings {
		if !l.Active() {
			continue
		}
		if l.Due, err = listingDue(ctx, q, l); err != nil {
			return nil, err
		}
		if !restricted[l.PartyID] {
			v.Warnings = append(v.Warnings, l.PartyName+"已纳入失信名单，尚未对其发出限制消费令（XG-1：对失信被执行人应当限制消费）")
		}
	}
	for _, r := range v.ReportOrders {
		if r.NeedsPenalty() {
			v.Warnings = append(v.Warnings, r.PartyName+VerdictLabel(r.Verdict)+"，尚未记录处罚（ZB-2）")
		}
	}
	return v, nil
}

// Filter narrows a searchable list.
type Filter struct {
	Query  string // a name (part of it), or a whole resident ID number or credit code
	CaseNo string // a 案号 in any accepted spelling
	All    bool   // include deleted listings and lifted restrictions
}

type listCursor struct {
	At time.Time `json:"a"`
	ID uuid.UUID `json:"i"`
}

// where builds the filter's conditions over alias a (l or r).
func (f Filter) where(p *access.Principal, a, activeStatus string, req page.Request) (string, []any, error) {
	cond, args := p.CourtFilter(a + ".court_id")
	where := " WHERE " + cond
	if !f.All {
		where += " AND " + a + ".status = ?"
		args = append(args, activeStatus)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		if idLike(s) {
			norm := strings.ToUpper(s)
			if id, err := legal.ParseResidentID(s, legal.Today(now())); err == nil {
				norm = id.Number
			}
			where += " AND " + a + ".id_number = ?"
			args = append(args, norm)
		} else {
			if len([]rune(s)) > 100 {
				return "", nil, apperr.InvalidField("too_long", "query.q", "查询内容最多 100 字")
			}
			where += " AND " + a + ".party_name LIKE ?"
			args = append(args, "%"+escapeLike(s)+"%")
		}
	}
	if s := strings.TrimSpace(f.CaseNo); s != "" {
		n, err := legal.ParseCaseNo(s)
		if err != nil {
			return "", nil, apperr.InvalidField("invalid_case_no", "query.case_no", "案号格式不正确："+truncate(s, 40))
		}
		where += " AND c.case_no = ?"
		args = append(args, n.Key().String())
	}
	if req.Cursor != "" {
		var after listCursor
		if err := page.Decode(req.Cursor, &after); err != nil {
			return "", nil, err
		}
		where += " AND (" + a + ".created_at < ? OR " + a + ".created_at = ? AND " + a + ".id < ?)"
		args = append(args, after.At, after.At, after.ID)
	}
	return where, args, nil
}

// idLike reports whether s looks like a whole ID number or credit code
// (15 or 18 letters and digits).
func idLike(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// SearchListings pages through the 失信名单 of the courts in the caller's
// scope (cases.read), the latest first.
func SearchListings(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Listing], error) {
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*Listing]{}, err
	}
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Listing]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Listing]{}, err
	}
	where, args, err := f.where(p, "l", ListingActive, req)
	if err != nil {
		return page.Page[*Listing]{}, err
	}
	rows, err := q.Query(ctx, listingSelect+where+` ORDER BY l.created_at DESC, l.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return page.Page[*Listing]{}, err
	}
	list, err := store.ScanAll(rows, scanListing)
	if err != nil {
		return page.Page[*Listing]{}, err
	}
	return page.Trim(list, limit, func(l *Listing) any { return listCursor{At: l.CreatedAt, ID: l.ID} }), nil
}

// SearchRestrictions pages through the 限消名单 of the courts in the
// caller's scope (cases.read), the latest first, with the persons each
// binds (XG-3).
func SearchRestrictions(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Restriction], error) {
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*Restriction]{}, err
	}
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Restriction]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Restriction]{}, err
	}
	where, args, err := f.where(p, "r", RestrictionActive, req)
	if err != nil {
		return page.Page[*Restriction]{}, err
	}
	// A bound person is found by name or ID number too.
	if s := strings.TrimSpace(f.Query); s != "" {
		where = strings.Replace(where, " AND r.party_name LIKE ?", " AND (r.party_name LIKE ? OR EXISTS (SELECT 1 FROM restriction_persons bp"+
			" WHERE bp.restriction_id = r.id AND bp.name LIKE ?))", 1)
		where = strings.Replace(where, " AND r.id_number = ?", " AND (r.id_number = ? OR EXISTS (SELECT 1 FROM restriction_persons bp"+
			" WHERE bp.restriction_id = r.id AND bp.id_number = ?))", 1)
		args = duplicateQueryArg(args, f, p)
	}
	rows, err := q.Query(ctx, restrictionSelect+where+` ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return page.Page[*Restriction]{}, err
	}
	list, err := store.ScanAll(rows, scanRestriction)
	if err != nil {
		return page.Page[*Restriction]{}, err
	}
	pg := page.Trim(list, limit, func(r *Restriction) any { return listCursor{At: r.CreatedAt, ID: r.ID} })
	return pg, loadPersons(ctx, q, pg.Items)
}

// duplicateQueryArg repeats the name or ID argument of the query (it is
// the first argument after the scope and status ones) for the bound-person
// condition that follows it.
func duplicateQueryArg(args []any, f Filter, p *access.Principal) []any {
	_, scopeArgs := p.CourtFilter("r.court_id")
	i := len(scopeArgs)
	if !f.All {
		i++
	}
	out := make([]any, 0, len(args)+1)
	out = append(out, args[:i+1]...)
	out = append(out, args[i])
	return append(out, args[i+1:]...)
}

// LiftGroundLabel is the lift ground in Chinese.
func (r *Restriction) LiftGroundLabel() string { return LiftGroundLabel(r.LiftGround) }

// DeleteGroundLabel is the deletion ground in Chinese.
func (l *Listing) DeleteGroundLabel() string { return DeleteGroundLabel(l.DeleteGround) }

// OnTimeText says whether a step with a due day was taken in time: "" when
// no trigger called for it.
func OnTimeText(onTime *bool) string {
	switch {
	case onTime == nil:
		return ""
	case *onTime:
		return "按期"
	}
	return "逾期"
}

// DeleteOnTime says whether the deletion met its SX-5 due day.
func (l *Listing) DeleteOnTime() string { return OnTimeText(l.DeletedOnTime) }

// LiftOnTime says whether the lifting met its due day.
func (r *Restriction) LiftOnTime() string { return OnTimeText(r.LiftedOnTime) }

// DecidedOnTimeText says whether the decision met its SX-6 period.
func (c *Correction) DecidedOnTimeText() string { return OnTimeText(c.DecidedOnTime) }

// CorrectedOnTimeText says whether the correction met its SX-6 period.
func (c *Correction) CorrectedOnTimeText() string { return OnTimeText(c.CorrectedOnTime) }

// OutstandingText is the outstanding amount in yuan.
func (c Coverage) OutstandingText() string { return triage.FormatYuan(c.OutstandingFen) }

// ControlledText is the controlled amount in yuan.
func (c Coverage) ControlledText() string { return triage.FormatYuan(c.ControlledFen) }

// GuaranteedText is the guaranteed amount in yuan.
func (c Coverage) GuaranteedText() string { return triage.FormatYuan(c.GuaranteedFen) }
