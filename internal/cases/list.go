package cases

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Filter narrows a case list. Zero fields do not filter.
type Filter struct {
	CourtID   uuid.UUID
	Status    string
	Lane      string
	TeamID    uuid.UUID
	HandlerID uuid.UUID
	CaseType  string // one case type, or several separated by commas (a KPI's scope)
	// Q searches by 案号 (any accepted spelling, CASENO-3), by party name
	// (contains) or by identity number (exact).
	Q string
	// DueBefore keeps open cases whose deadline is on or before the day.
	DueBefore legal.Date
	// FiledFrom and FiledTo keep cases filed in the period, ClosedFrom and
	// ClosedTo those closed in it (both ends included; zero: open-ended),
	// Closure those closed that way: the cases behind a KPI figure.
	FiledFrom, FiledTo, ClosedFrom, ClosedTo legal.Date
	Closure                                  string // one closure mode, or several separated by commas
}

// cursorKey is the keyset position of a case list: newest first by id
// (UUIDv7, so by creation).
type cursorKey struct {
	ID uuid.UUID `json:"id"`
}

// List returns cases in the caller's scope, newest first, a page at a time.
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Case], error) {
	var out page.Page[*Case]
	p, err := access.Must(ctx)
	if err != nil {
		return out, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return out, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return out, err
	}
	cond, args := p.CourtFilter("c.court_id")
	add := func(c string, a ...any) { cond += " AND " + c; args = append(args, a...) }
	if f.CourtID != uuid.Nil {
		add("c.court_id = ?", f.CourtID)
	}
	if f.Status != "" {
		if StatusLabel(f.Status) == "" {
			return out, apperr.InvalidField("invalid_status", "query.status", "案件状态“"+f.Status+"”不存在")
		}
		add("c.status = ?", f.Status)
	}
	if f.Lane != "" {
		add("c.lane = ?", f.Lane)
	}
	if f.TeamID != uuid.Nil {
		add("c.team_id = ?", f.TeamID)
	}
	if f.HandlerID != uuid.Nil {
		add("c.handler_id = ?", f.HandlerID)
	}
	if types := splitList(f.CaseType); len(types) == 1 {
		add("c.case_type = ?", types[0])
	} else if len(types) > 1 {
		add("c.case_type IN ("+store.Placeholders(len(types))+")", types...)
	}
	if !f.DueBefore.IsZero() {
		add("c.status <> 'closed' AND c.deadline <= ?", f.DueBefore)
	}
	if !f.FiledFrom.IsZero() {
		add("c.filed_on >= ?", f.FiledFrom)
	}
	if !f.FiledTo.IsZero() {
		add("c.filed_on <= ?", f.FiledTo)
	}
	if !f.ClosedFrom.IsZero() || !f.ClosedTo.IsZero() || f.Closure != "" {
		add("c.status = 'closed'")
	}
	if !f.ClosedFrom.IsZero() {
		add("c.closed_on >= ?", f.ClosedFrom)
	}
	if !f.ClosedTo.IsZero() {
		add("c.closed_on <= ?", f.ClosedTo)
	}
	if closures := splitList(f.Closure); len(closures) > 0 {
		for _, c := range closures {
			if ClosureLabel(c.(string)) == "" {
				return out, apperr.InvalidField("invalid_closure", "query.closure", "结案方式“"+c.(string)+"”不存在")
			}
		}
		add("c.closure IN ("+store.Placeholders(len(closures))+")", closures...)
	}
	if s := strings.TrimSpace(f.Q); s != "" {
		if n, err := legal.ParseCaseNo(s); err == nil {
			add("c.case_no = ?", n.Key().String())
		} else if id := strings.ToUpper(strings.ReplaceAll(s, " ", "")); len(id) == 18 {
			add("c.id IN (SELECT cp.case_id FROM case_parties cp JOIN parties pa ON pa.id = cp.party_id WHERE pa.kind IN ('person', 'organization') AND pa.id_number = ? AND pa.id_number <> '')", id)
		} else {
			add("c.party_names LIKE ? ESCAPE '\\'", "%"+likeEscape(s)+"%")
		}
	}
	if req.Cursor != "" {
		var k cursorKey
		if err := page.Decode(req.Cursor, &k); err != nil {
			return out, err
		}
		add("c.id < ?", k.ID)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT `+caseColumns+caseFrom+` WHERE `+cond+` ORDER BY c.id DESC LIMIT ?`, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var items []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return out, err
		}
		items = append(items, c)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	return page.Trim(items, limit, func(c *Case) any { return cursorKey{c.ID} }), nil
}

// splitList reads a filter of one value or several separated by commas
// (the drill-down of a KPI names every case type it counts).
func splitList(s string) []any {
	var out []any
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// likeEscaper escapes the wildcards of LIKE (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func likeEscape(s string) string {
	return likeEscaper.Replace(s)
}

// PartyOverview is the debtor view: one party and every case it is in, in
// the caller's scope (item 8).
type PartyOverview struct {
	Party Party
	Cases []PartyCase
}

// PartyCase is one case of a party.
type PartyCase struct {
	CaseID         uuid.UUID
	CaseNo         string
	CourtID        uuid.UUID
	Role           string
	Status         string
	Closure        string
	ClaimAmountFen int64
	FiledOn        legal.Date
	PartyNames     string
}

// GetPartyOverview returns a party and its cases (cases.read). A party that
// is in no case the caller may see does not exist for them.
func GetPartyOverview(ctx context.Context, q store.Querier, id uuid.UUID) (*PartyOverview, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	o := &PartyOverview{}
	err = q.QueryRow(ctx, `SELECT id, kind, name, id_number, id_checked, legal_rep, phone, address FROM parties WHERE id = ?`, id).
		Scan(&o.Party.PartyID, &o.Party.Kind, &o.Party.Name, &o.Party.IDNumber, &o.Party.IDChecked, &o.Party.LegalRep, &o.Party.Phone, &o.Party.Address)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("当事人")
	}
	if err != nil {
		return nil, err
	}
	cond, args := p.CourtFilter("c.court_id")
	rows, err := q.Query(ctx, `SELECT c.id, c.case_no, c.court_id, cp.role, c.status, c.closure, c.claim_amount_fen, c.filed_on, c.party_names
		FROM case_parties cp JOIN cases c ON c.id = cp.case_id
		WHERE cp.party_id = ? AND `+cond+` ORDER BY c.filed_on DESC, c.id DESC LIMIT 1000`, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pc PartyCase
		if err := rows.Scan(&pc.CaseID, &pc.CaseNo, &pc.CourtID, &pc.Role, &pc.Status, &pc.Closure, &pc.ClaimAmountFen, &pc.FiledOn, &pc.PartyNames); err != nil {
			return nil, err
		}
		o.Cases = append(o.Cases, pc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(o.Cases) == 0 {
		return nil, apperr.NotFoundf("当事人")
	}
	return o, nil
}
