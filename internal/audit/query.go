package audit

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Filter narrows a listing of the audit log. Zero fields do not filter.
type Filter struct {
	CourtID    uuid.UUID
	ActorID    uuid.UUID
	ObjectType string
	ObjectID   string
	Action     string
}

// List returns audit records the principal may read, newest first. It needs
// audit.read and sees only the chains of courts in the principal's scope;
// a filter on a court outside the scope finds nothing.
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[Record], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[Record]{}, err
	}
	if err := p.Require(access.AuditRead); err != nil {
		return page.Page[Record]{}, err
	}
	return list(ctx, q, p, f, req)
}

// Mine returns the principal's own latest actions, whatever their permissions:
// everyone may see what they did.
func Mine(ctx context.Context, q store.Querier, limit int) ([]Record, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if p.IsSystem() {
		return nil, nil
	}
	pg, err := list(ctx, q, access.System("本人操作记录"), Filter{ActorID: p.UserID}, page.Request{Limit: limit})
	return pg.Items, err
}

func list(ctx context.Context, q store.Querier, p *access.Principal, f Filter, req page.Request) (page.Page[Record], error) {
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[Record]{}, err
	}
	cond, args := p.CourtFilter("court_id")
	where := []string{cond}
	add := func(c string, v any) {
		where = append(where, c)
		args = append(args, v)
	}
	if f.CourtID != uuid.Nil {
		add("court_id = ?", f.CourtID)
	}
	if f.ActorID != uuid.Nil {
		add("actor_id = ?", f.ActorID)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if req.Cursor != "" {
		var after uuid.UUID
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[Record]{}, err
		}
		add("id < ?", after)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT `+recordColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return page.Page[Record]{}, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return page.Page[Record]{}, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return page.Page[Record]{}, err
	}
	return page.Trim(out, limit, func(r Record) any { return r.ID }), nil
}

// Get returns one record by id, if the principal may read it.
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (Record, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Record{}, err
	}
	if err := p.Require(access.AuditRead); err != nil {
		return Record{}, err
	}
	r, err := scanRecord(q.QueryRow(ctx, `SELECT `+recordColumns+` FROM audit_log WHERE id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(r.CourtID) {
		return Record{}, apperr.NotFoundf("审计记录")
	}
	return r, err
}
