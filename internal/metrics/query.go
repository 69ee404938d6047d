package metrics

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The case types each metric counts (DOMAIN.md §13 defaults; MET-0 makes
// them a court's data, still to come): 结案率 and 结收比 count 执, 执恢 and
// 执保; the 首执 figures 执 only.
var (
	EnforcementTypes = []string{"first_enforcement", "restored_enforcement", "preservation_enforcement"}
	FirstTypes       = []string{"first_enforcement"}
)

// GroupBy is what the figures are broken down by.
type GroupBy string

const (
	ByCourt    GroupBy = "court"
	ByTeam     GroupBy = "team"
	ByHandler  GroupBy = "handler"
	ByLane     GroupBy = "lane"
	ByCaseType GroupBy = "case_type"
)

var groupColumn = map[GroupBy]string{ByCourt: "s.court_id", ByTeam: "s.team_id", ByHandler: "s.handler_id", ByLane: "s.lane",
	ByCaseType: "s.case_type"}

// Query asks for the figures of a period.
type Query struct {
	From, To legal.Date // both included
	GroupBy  GroupBy
	CourtID  uuid.UUID // one court; uuid.Nil: every court the caller sees
}

// Row is one group's figures for the period: All over the enforcement
// case types (执, 执恢, 执保), First over 首执.
type Row struct {
	Key        string // the court, team or handler id, the lane or the case type
	All, First Period
	Unowned    bool // the zero team or handler: cases not assigned
}

// Period is what a group received and closed in a period.
type Period struct {
	PendingStart int64 // open on the first day (received before it, not closed before it)
	Counts
}

// Figures answers q for the caller's courts (cases.read): a court outside
// them is not found; a reversed period is refused.
func Figures(ctx context.Context, q store.Querier, in Query) ([]Row, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	col, ok := groupColumn[in.GroupBy]
	if !ok {
		return nil, apperr.InvalidField("invalid_group_by", "query.group_by", "分组方式应为 court、team、handler、lane 或 case_type")
	}
	if in.From.IsZero() || in.To.IsZero() {
		return nil, apperr.InvalidField("invalid_date", "query.from", "请给出起止日期（YYYY-MM-DD）")
	}
	if in.To.Before(in.From) {
		return nil, apperr.InvalidField("invalid_date_order", "query.to", "截止日期不能早于起始日期")
	}
	cond, args := p.CourtFilter("s.court_id")
	if in.CourtID != uuid.Nil {
		if !p.Sees(in.CourtID) {
			return nil, apperr.NotFoundf("法院")
		}
		cond += " AND s.court_id = ?"
		args = append(args, in.CourtID)
	}
	sum := func(types []string, expr string) string {
		return `SUM(CASE WHEN s.case_type IN ('` + strings.Join(types, "', '") + `') THEN ` + expr + ` ELSE 0 END)`
	}
	inPeriod := func(col string) string { return `CASE WHEN s.day >= ? THEN s.` + col + ` ELSE 0 END` }
	var sel []string
	var selArgs []any
	for _, types := range [][]string{EnforcementTypes, FirstTypes} {
		sel = append(sel, sum(types, `CASE WHEN s.day < ? THEN s.received - s.closed ELSE 0 END`))
		selArgs = append(selArgs, in.From)
		for _, c := range []string{"received", "closed", "closed_performed", "closed_actual", "closed_zhongben", "closed_in_term", "closed_days",
			"closed_claim_fen", "closed_recovered_fen"} {
			sel = append(sel, sum(types, inPeriod(c)))
			selArgs = append(selArgs, in.From)
		}
	}
	rows, err := q.Query(ctx, `SELECT `+col+`, `+strings.Join(sel, ", ")+` FROM case_stats s WHERE `+cond+` AND s.day <= ?
		GROUP BY `+col+` ORDER BY `+col, append(append(selArgs, args...), in.To)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var id uuid.UUID
		byID := in.GroupBy != ByLane && in.GroupBy != ByCaseType
		dest := []any{&r.Key}
		if byID {
			dest[0] = &id
		}
		for _, per := range []*Period{&r.All, &r.First} {
			c := &per.Counts
			dest = append(dest, &per.PendingStart, &c.Received, &c.Closed, &c.ClosedPerformed, &c.ClosedActual, &c.ClosedZhongben, &c.ClosedInTerm,
				&c.ClosedDays, &c.ClosedClaimFen, &c.ClosedRecoveredFen)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if byID {
			r.Key, r.Unowned = id.String(), id == uuid.Nil
		}
		if r.All.PendingStart == 0 && r.All.Counts == (Counts{}) {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Total sums rows: the figures of every group together.
func Total(rows []Row) Row {
	var t Row
	for _, r := range rows {
		t.All.PendingStart += r.All.PendingStart
		t.First.PendingStart += r.First.PendingStart
		t.All.Counts = t.All.Add(r.All.Counts)
		t.First.Counts = t.First.Add(r.First.Counts)
	}
	return t
}

// Labels names the keys of rows grouped by court, team or handler (their
// names; "未分配" for the zero team or handler); other groupings are named
// by the caller.
func Labels(ctx context.Context, q store.Querier, by GroupBy, rows []Row) (map[string]string, error) {
	table := map[GroupBy]string{ByCourt: "SELECT id, name FROM courts", ByTeam: "SELECT id, name FROM teams",
		ByHandler: "SELECT id, display_name FROM users"}[by]
	out := map[string]string{}
	var ids []any
	for _, r := range rows {
		if r.Unowned {
			out[r.Key] = "未分配"
		} else if table != "" {
			ids = append(ids, uuid.MustParse(r.Key))
		}
	}
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(from+500, len(ids))]
		rs, err := q.Query(ctx, table+` WHERE id IN (`+store.Placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			var id uuid.UUID
			var name string
			if err := rs.Scan(&id, &name); err != nil {
				rs.Close()
				return nil, err
			}
			out[id.String()] = name
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
