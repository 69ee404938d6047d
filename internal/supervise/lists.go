package supervise

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
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// A supervision list (督办清单) is the command center's: a set of a team's
// cases, each made an item the team must answer by the list's deadline.

// MaxListCases bounds one list.
const MaxListCases = 1000

// SupList is a supervision list with its progress.
type SupList struct {
	ID           uuid.UUID
	CourtID      uuid.UUID
	TeamID       uuid.UUID
	TeamName     string
	Title        string
	Note         string
	Deadline     legal.Date
	ItemCount    int
	IssuedByName string
	CreatedAt    time.Time
	// Progress.
	Open, Answered, Closed, Overdue int
}

// ListInput issues a list.
type ListInput struct {
	TeamID   uuid.UUID
	Title    string
	Note     string
	Deadline legal.Date
	CaseIDs  []uuid.UUID
}

// IssueList issues a list to a team (supervision.manage): every case must
// be an open case of that team, each listed once.
func IssueList(ctx context.Context, tx *store.Tx, in ListInput) (*SupList, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.SupervisionManage); err != nil {
		return nil, err
	}
	l := &SupList{ID: store.NewID(), TeamID: in.TeamID, Deadline: in.Deadline, IssuedByName: p.DisplayName, CreatedAt: time.Now().UTC()}
	err = tx.QueryRow(ctx, `SELECT court_id, name FROM teams WHERE id = ? AND active`, in.TeamID).Scan(&l.CourtID, &l.TeamName)
	if store.IsNoRows(err) || err == nil && !p.Sees(l.CourtID) {
		return nil, apperr.InvalidField("unknown_team", "body.team_id", "团队不存在或不在本人可见范围内")
	}
	if err != nil {
		return nil, err
	}
	if l.Title, err = checkText("title", "清单标题", in.Title, 100); err != nil {
		return nil, err
	}
	if l.Note = strings.TrimSpace(in.Note); utf8.RuneCountInString(l.Note) > 2000 {
		return nil, apperr.InvalidField("note_too_long", "body.note", "督办要求最多 2000 字")
	}
	today := legal.Today(time.Now())
	switch {
	case in.Deadline.IsZero():
		return nil, apperr.InvalidField("invalid_date", "body.deadline", "请填写办理期限（YYYY-MM-DD）")
	case !in.Deadline.After(today):
		return nil, apperr.InvalidField("invalid_date", "body.deadline", "办理期限须晚于今天")
	case in.Deadline.After(today.AddDays(365)):
		return nil, apperr.InvalidField("invalid_date", "body.deadline", "办理期限最长一年")
	}
	switch n := len(in.CaseIDs); {
	case n == 0:
		return nil, apperr.InvalidField("no_cases", "body.case_ids", "请至少选择一件案件")
	case n > MaxListCases:
		return nil, apperr.InvalidField("too_many_cases", "body.case_ids", fmt.Sprintf("一份清单最多 %d 件案件", MaxListCases))
	}
	seen := map[uuid.UUID]bool{}
	owners := make([]*CaseOwner, 0, len(in.CaseIDs))
	for i, id := range in.CaseIDs {
		field := fmt.Sprintf("body.case_ids[%d]", i)
		if seen[id] {
			return nil, apperr.InvalidField("duplicate_case", field, "同一案件在清单中重复")
		}
		seen[id] = true
		o, err := LoadCaseOwner(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case o == nil || !p.Sees(o.CourtID):
			return nil, apperr.InvalidField("unknown_case", field, "案件不存在")
		case o.TeamID != in.TeamID:
			return nil, apperr.InvalidField("case_not_in_team", field, fmt.Sprintf("案件 %s 不属于%s", o.CaseNo, l.TeamName))
		case o.Closed:
			return nil, apperr.InvalidField("case_closed", field, fmt.Sprintf("案件 %s 已结案", o.CaseNo))
		}
		owners = append(owners, o)
	}
	l.ItemCount = len(owners)
	if _, err := tx.Exec(ctx, `INSERT INTO supervision_lists (id, court_id, team_id, title, note, deadline, status, item_count, issued_by,
		issued_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)`, l.ID, l.CourtID, l.TeamID, l.Title, l.Note, l.Deadline,
		l.ItemCount, store.NullID(p.UserID), p.DisplayName, l.CreatedAt); err != nil {
		return nil, err
	}
	for _, o := range owners {
		if _, err := insertManual(ctx, tx, p, o, "list", l.ID, ManualInput{Module: "statistics", Severity: "normal", Title: l.Title,
			Detail: l.Note}, l.Deadline); err != nil {
			return nil, err
		}
	}
	l.Open = l.ItemCount
	return l, audit.Log(ctx, tx, audit.Entry{CourtID: l.CourtID, Action: "supervision.list_issued", ObjectType: "supervision_list",
		ObjectID: l.ID.String(), Summary: fmt.Sprintf("向%s下发督办清单「%s」，%d 件，期限 %s", l.TeamName, l.Title, l.ItemCount, l.Deadline),
		Changes: audit.Changes{"team_id": {To: l.TeamID.String()}, "cases": {To: l.ItemCount}, "deadline": {To: l.Deadline.String()}}})
}

const listColumns = `l.id, l.court_id, l.team_id, t.name, l.title, l.note, l.deadline, l.item_count, l.issued_by_name, l.created_at,
	(SELECT COUNT(*) FROM supervision_items i WHERE i.list_id = l.id AND i.status = 'open'),
	(SELECT COUNT(*) FROM supervision_items i WHERE i.list_id = l.id AND i.status = 'answered'),
	(SELECT COUNT(*) FROM supervision_items i WHERE i.list_id = l.id AND i.status = 'closed'),
	(SELECT COUNT(*) FROM supervision_items i WHERE i.list_id = l.id AND i.status = 'open' AND i.answer_due < ?)`

func scanList(sc store.Scanner) (*SupList, error) {
	l := &SupList{}
	err := sc.Scan(&l.ID, &l.CourtID, &l.TeamID, &l.TeamName, &l.Title, &l.Note, &l.Deadline, &l.ItemCount, &l.IssuedByName, &l.CreatedAt,
		&l.Open, &l.Answered, &l.Closed, &l.Overdue)
	l.CreatedAt = l.CreatedAt.UTC()
	return l, err
}

// Lists returns the lists of the caller's courts, the newest first
// (cases.read); teamID narrows to one team.
func Lists(ctx context.Context, q store.Querier, teamID uuid.UUID, req page.Request) (page.Page[*SupList], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*SupList]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*SupList]{}, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*SupList]{}, err
	}
	cond, args := p.CourtFilter("l.court_id")
	args = append([]any{legal.Today(time.Now())}, args...)
	where := cond
	if teamID != uuid.Nil {
		where += " AND l.team_id = ?"
		args = append(args, teamID)
	}
	if req.Cursor != "" {
		var after struct {
			At time.Time
			ID uuid.UUID
		}
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[*SupList]{}, err
		}
		where += " AND (l.created_at < ? OR l.created_at = ? AND l.id < ?)"
		args = append(args, after.At, after.At, after.ID)
	}
	rows, err := q.Query(ctx, `SELECT `+listColumns+` FROM supervision_lists l JOIN teams t ON t.id = l.team_id WHERE `+where+`
		ORDER BY l.created_at DESC, l.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return page.Page[*SupList]{}, err
	}
	lists, err := store.ScanAll(rows, scanList)
	if err != nil {
		return page.Page[*SupList]{}, err
	}
	return page.Trim(lists, limit, func(l *SupList) any {
		return struct {
			At time.Time
			ID uuid.UUID
		}{l.CreatedAt, l.ID}
	}), nil
}

// GetList returns one list with its progress (cases.read).
func GetList(ctx context.Context, q store.Querier, id uuid.UUID) (*SupList, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	l, err := scanList(q.QueryRow(ctx, `SELECT `+listColumns+` FROM supervision_lists l JOIN teams t ON t.id = l.team_id WHERE l.id = ?`,
		legal.Today(time.Now()), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(l.CourtID) {
		return nil, apperr.NotFoundf("督办清单")
	}
	return l, err
}
