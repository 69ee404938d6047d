package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/audit"
)

// AuditRecordOut is one audit record, with its place in its court's chain.
type AuditRecordOut struct {
	ID           string          `json:"id"`
	CourtID      string          `json:"court_id" doc:"所在审计链的法院；平台级对象为 ffffffff-ffff-ffff-ffff-ffffffffffff"`
	Seq          int64           `json:"seq" doc:"在该链中的序号，从 1 起连续"`
	At           time.Time       `json:"at"`
	ActorID      *string         `json:"actor_id" doc:"操作人；系统操作为 null"`
	ActorName    string          `json:"actor_name"`
	ActorRole    string          `json:"actor_role"`
	ActorCourtID *string         `json:"actor_court_id"`
	Action       string          `json:"action" example:"user.created"`
	ObjectType   string          `json:"object_type" example:"user"`
	ObjectID     string          `json:"object_id"`
	Summary      string          `json:"summary"`
	Changes      json.RawMessage `json:"changes" doc:"变更内容：字段 → {from, to}"`
	RequestID    string          `json:"request_id,omitempty"`
	PrevHash     string          `json:"prev_hash"`
	Hash         string          `json:"hash" doc:"本条记录及前一条哈希的 SHA-256"`
}

func auditOut(r audit.Record) AuditRecordOut {
	return AuditRecordOut{ID: r.ID.String(), CourtID: r.CourtID.String(), Seq: r.Seq, At: r.At.UTC(),
		ActorID: optionalID(r.ActorID), ActorName: r.ActorName, ActorRole: r.ActorRole, ActorCourtID: optionalID(r.ActorCourtID),
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Summary: r.Summary,
		Changes: json.RawMessage(r.Changes), RequestID: r.RequestID, PrevHash: r.PrevHash, Hash: r.Hash}
}

type listAuditInput struct {
	CourtID    string `query:"court_id" doc:"只列此法院的审计链"`
	ActorID    string `query:"actor_id" doc:"只列此用户的操作"`
	ObjectType string `query:"object_type" maxLength:"64" example:"user"`
	ObjectID   string `query:"object_id" maxLength:"128"`
	Action     string `query:"action" maxLength:"64" example:"user.created"`
	ListParams
}

type auditIDInput struct {
	ID string `path:"id"`
}

func (h *handlers) audit(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/audit", "listAudit", "审计日志（新的在前；需 audit.read，仅限可见法院）", "审计"),
		func(ctx context.Context, in *listAuditInput) (*Body[List[AuditRecordOut]], error) {
			f := audit.Filter{ObjectType: in.ObjectType, ObjectID: in.ObjectID, Action: in.Action}
			var err error
			if f.CourtID, err = parseOptionalID(in.CourtID, "query.court_id"); err != nil {
				return nil, err
			}
			if f.ActorID, err = parseOptionalID(in.ActorID, "query.actor_id"); err != nil {
				return nil, err
			}
			pg, err := audit.List(ctx, h.DB, f, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, auditOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/audit/{id}", "getAuditRecord", "查看一条审计记录", "审计"),
		func(ctx context.Context, in *auditIDInput) (*Body[AuditRecordOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			r, err := audit.Get(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(auditOut(r)), nil
		})
}
