package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/entrust"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

const entrustTag = "事项委托"

// EntrustNoteOut is work the receiving court recorded.
type EntrustNoteOut struct {
	Text      string    `json:"text"`
	ByName    string    `json:"by_name"`
	CreatedAt time.Time `json:"created_at"`
}

// EntrustedMatterOut is an entrusted matter (事项委托). The receiving court
// sees only what the matter carries, never the rest of the case.
type EntrustedMatterOut struct {
	ID             string           `json:"id"`
	CourtID        string           `json:"court_id" doc:"委托法院（案件所属法院）"`
	CourtName      string           `json:"court_name"`
	CaseID         string           `json:"case_id"`
	CaseNo         string           `json:"case_no"`
	ToCourtID      string           `json:"to_court_id" doc:"受托法院"`
	ToCourtName    string           `json:"to_court_name"`
	Kind           string           `json:"kind" enum:"investigate,seize,serve,deliver" doc:"investigate 调查、seize 查封冻结、serve 送达、deliver 交付及其他"`
	KindLabel      string           `json:"kind_label"`
	Status         string           `json:"status" enum:"sent,accepted,assigned,reported,returned" doc:"sent 待接收 → accepted 已接收 → assigned 办理中 → reported 已办结回复；returned 已退回"`
	StatusLabel    string           `json:"status_label"`
	Subject        string           `json:"subject" doc:"涉及的财产或当事人"`
	AssetID        *string          `json:"asset_id,omitempty"`
	Request        string           `json:"request" doc:"委托办理的内容"`
	Attachments    string           `json:"attachments" doc:"附件（暂为文字说明）"`
	SentByName     string           `json:"sent_by_name"`
	SentOn         string           `json:"sent_on" doc:"委托日期"`
	Days           int              `json:"days" doc:"办理期限（日）：受托法院于委托日适用的 CLOCK-12"`
	DueOn          string           `json:"due_on" doc:"回复期限的最后一日"`
	Overdue        bool             `json:"overdue" doc:"未办结且已过期限，或办结晚于期限"`
	OnTime         bool             `json:"on_time" doc:"已在期限内办结（MET-10）"`
	AcceptedByName string           `json:"accepted_by_name,omitempty"`
	AcceptedAt     *time.Time       `json:"accepted_at,omitempty"`
	ReturnedByName string           `json:"returned_by_name,omitempty"`
	ReturnReason   string           `json:"return_reason,omitempty"`
	ReturnedAt     *time.Time       `json:"returned_at,omitempty"`
	TeamID         *string          `json:"team_id,omitempty" doc:"受托法院的承办团队"`
	TeamName       string           `json:"team_name,omitempty"`
	AssigneeID     *string          `json:"assignee_id,omitempty" doc:"受托法院的承办人"`
	AssigneeName   string           `json:"assignee_name,omitempty"`
	AssignedByName string           `json:"assigned_by_name,omitempty"`
	AssignedAt     *time.Time       `json:"assigned_at,omitempty"`
	Result         string           `json:"result,omitempty" doc:"办理结果"`
	DoneOn         string           `json:"done_on,omitempty" doc:"办结日期"`
	DaysTaken      int              `json:"days_taken,omitempty" doc:"办结用时（日）：办结日 − 委托日"`
	RegistryRef    string           `json:"registry_ref,omitempty" doc:"查封登记文号"`
	ReportedByName string           `json:"reported_by_name,omitempty"`
	ReportedAt     *time.Time       `json:"reported_at,omitempty"`
	Notes          []EntrustNoteOut `json:"notes" nullable:"false" doc:"受托法院记录的办理情况（列表中不含）"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

func entrustedMatterOut(m *entrust.Matter) EntrustedMatterOut {
	today := legal.Today(time.Now())
	o := EntrustedMatterOut{ID: m.ID.String(), CourtID: m.CourtID.String(), CourtName: m.CourtName, CaseID: m.CaseID.String(), CaseNo: m.CaseNo,
		ToCourtID: m.ToCourtID.String(), ToCourtName: m.ToCourtName, Kind: string(m.Kind), KindLabel: m.Kind.Label(), Status: string(m.Status),
		StatusLabel: m.Status.Label(), Subject: m.Subject, AssetID: optionalID(m.AssetID), Request: m.Request, Attachments: m.Attachments,
		SentByName: m.SentByName, SentOn: m.SentOn.String(), Days: m.Days, DueOn: m.DueOn.String(), Overdue: m.Overdue(today), OnTime: m.OnTime(),
		AcceptedByName: m.AcceptedByName, AcceptedAt: instant(m.AcceptedAt), ReturnedByName: m.ReturnedByName, ReturnReason: m.ReturnReason,
		ReturnedAt: instant(m.ReturnedAt), TeamID: optionalID(m.TeamID), TeamName: m.TeamName, AssigneeID: optionalID(m.AssigneeID),
		AssigneeName: m.AssigneeName, AssignedByName: m.AssignedByName, AssignedAt: instant(m.AssignedAt), Result: m.Result,
		DoneOn: dateOut(m.DoneOn), DaysTaken: m.DaysTaken(), RegistryRef: m.RegistryRef, ReportedByName: m.ReportedByName,
		ReportedAt: instant(m.ReportedAt), Notes: []EntrustNoteOut{}, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	for _, n := range m.Notes {
		o.Notes = append(o.Notes, EntrustNoteOut{Text: n.Text, ByName: n.ByName, CreatedAt: n.CreatedAt})
	}
	return o
}

// EntrustedMatterIn is a matter as the entrusting court sends it.
type EntrustedMatterIn struct {
	ToCourtID   string `json:"to_court_id" doc:"受托法院（其他执行法院）"`
	Kind        string `json:"kind" enum:"investigate,seize,serve,deliver" doc:"investigate 调查、seize 查封冻结、serve 送达、deliver 交付及其他"`
	Subject     string `json:"subject,omitempty" maxLength:"500" doc:"涉及的财产或当事人；给出 asset_id 或 party_id 时可不填"`
	AssetID     string `json:"asset_id,omitempty" doc:"涉及的本案当事人的财产，可不填"`
	PartyID     string `json:"party_id,omitempty" doc:"涉及的本案当事人，可不填"`
	Request     string `json:"request" maxLength:"2000" doc:"委托办理的内容"`
	Attachments string `json:"attachments,omitempty" maxLength:"4000" doc:"附件（暂为文字说明）"`
}

type entrustListInput struct {
	Direction string   `query:"direction" required:"true" enum:"in,out" doc:"in 收到的委托（受托法院）；out 委托出去的事项（委托法院）"`
	Status    []string `query:"status" enum:"sent,accepted,assigned,reported,returned" doc:"状态，可用逗号分隔多个；不填为全部"`
	Kind      string   `query:"kind" enum:"investigate,seize,serve,deliver" doc:"事项类别"`
	CourtID   string   `query:"court_id" doc:"该方向一侧的某一法院（in：受托法院；out：委托法院）"`
	Overdue   bool     `query:"overdue" doc:"只列未办结且已过期限的事项"`
	ListParams
}

func (h *handlers) entrust(a huma.API) {
	co := op(http.MethodPost, "/cases/{id}/entrusted-matters", "sendEntrustedMatter",
		"事项委托：请其他执行法院办理调查、查封冻结、送达或交付；期限为受托法院当日适用的 CLOCK-12", entrustTag)
	co.Errors = append(co.Errors, 404)
	huma.Register(a, co, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body EntrustedMatterIn
	}) (*Body[EntrustedMatterOut], error) {
		to, err := parseOptionalID(in.Body.ToCourtID, "body.to_court_id")
		if err != nil {
			return nil, err
		}
		asset, err := parseOptionalID(in.Body.AssetID, "body.asset_id")
		if err != nil {
			return nil, err
		}
		party, err := parseOptionalID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*entrust.Matter, error) {
			return entrust.Send(ctx, tx, id, entrust.SendInput{ToCourtID: to, Kind: entrust.Kind(in.Body.Kind), Subject: in.Body.Subject,
				AssetID: asset, PartyID: party, Request: in.Body.Request, Attachments: in.Body.Attachments})
		}, entrustedMatterOut)
	})

	huma.Register(a, op(http.MethodGet, "/cases/{id}/entrusted-matters", "listCaseEntrustedMatters", "案件委托出去的事项（先发出的在前）", entrustTag),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			ListParams
		}) (*Body[List[EntrustedMatterOut]], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			pg, err := entrust.ForCase(ctx, h.DB, id, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, entrustedMatterOut)), nil
		})

	lo := op(http.MethodGet, "/entrusted-matters", "listEntrustedMatters", "收到的委托（受托法院的指挥中心收件箱）或委托出去的事项（先发出的在前）", entrustTag)
	lo.Description = "direction=in：管辖范围内法院收到的委托；收件箱即 status=sent。direction=out：管辖范围内法院委托出去的事项。overdue=true 只列超期未办结的。"
	huma.Register(a, lo, func(ctx context.Context, in *entrustListInput) (*Body[List[EntrustedMatterOut]], error) {
		f := entrust.Filter{Direction: entrust.Direction(in.Direction), Kind: entrust.Kind(in.Kind), Overdue: in.Overdue}
		for _, s := range in.Status {
			f.Statuses = append(f.Statuses, entrust.Status(s))
		}
		var err error
		if f.CourtID, err = parseOptionalID(in.CourtID, "query.court_id"); err != nil {
			return nil, err
		}
		pg, err := entrust.List(ctx, h.DB, f, in.request())
		if err != nil {
			return nil, err
		}
		return body(listOf(pg, entrustedMatterOut)), nil
	})

	huma.Register(a, op(http.MethodGet, "/entrusted-matters/{id}", "getEntrustedMatter", "查看委托事项及其办理情况与结果（委托法院和受托法院）", entrustTag),
		func(ctx context.Context, in *idPath) (*Body[EntrustedMatterOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			m, err := entrust.Get(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(entrustedMatterOut(m)), nil
		})

	register := func(path, id, summary string, fn func(ctx context.Context, tx *store.Tx, id uuid.UUID, in *entrustActionBody) (*entrust.Matter, error)) {
		o := op(http.MethodPost, path, id, summary, entrustTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		huma.Register(a, o, func(ctx context.Context, in *struct {
			ID   string            `path:"id"`
			Body entrustActionBody `required:"false"`
		}) (*Body[EntrustedMatterOut], error) {
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*entrust.Matter, error) {
				return fn(ctx, tx, id, &in.Body)
			}, entrustedMatterOut)
		})
	}
	register("/entrusted-matters/{id}/acceptance", "acceptEntrustedMatter", "受托法院接收委托事项", func(ctx context.Context, tx *store.Tx, id uuid.UUID, _ *entrustActionBody) (*entrust.Matter, error) {
		return entrust.Accept(ctx, tx, id)
	})
	register("/entrusted-matters/{id}/return", "returnEntrustedMatter", "受托法院退回委托事项（写明理由）", func(ctx context.Context, tx *store.Tx, id uuid.UUID, b *entrustActionBody) (*entrust.Matter, error) {
		return entrust.Return(ctx, tx, id, b.Reason)
	})
	register("/entrusted-matters/{id}/notes", "recordEntrustedWork", "受托法院记录办理情况", func(ctx context.Context, tx *store.Tx, id uuid.UUID, b *entrustActionBody) (*entrust.Matter, error) {
		return entrust.RecordWork(ctx, tx, id, b.Text)
	})

	type entrustAssignInput struct {
		ID   string `path:"id"`
		Body struct {
			TeamID     string `json:"team_id,omitempty" doc:"受托法院的团队；只给承办人时为其所在团队"`
			AssigneeID string `json:"assignee_id,omitempty" doc:"受托法院的承办人"`
		}
	}
	ao := op(http.MethodPost, "/entrusted-matters/{id}/assignment", "assignEntrustedMatter", "受托法院把已接收的委托事项交本院团队或人员办理（可改派）", entrustTag)
	ao.DefaultStatus = http.StatusOK
	ao.Errors = append(ao.Errors, 404)
	huma.Register(a, ao, func(ctx context.Context, in *entrustAssignInput) (*Body[EntrustedMatterOut], error) {
		team, err := parseOptionalID(in.Body.TeamID, "body.team_id")
		if err != nil {
			return nil, err
		}
		person, err := parseOptionalID(in.Body.AssigneeID, "body.assignee_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*entrust.Matter, error) {
			return entrust.Assign(ctx, tx, id, entrust.AssignInput{TeamID: team, AssigneeID: person})
		}, entrustedMatterOut)
	})

	type entrustReportInput struct {
		ID   string `path:"id"`
		Body struct {
			Result      string `json:"result" maxLength:"4000" doc:"办理结果"`
			DoneOn      string `json:"done_on,omitempty" doc:"办结日期（YYYY-MM-DD），不填为今天；不早于委托日、不晚于今天"`
			RegistryRef string `json:"registry_ref,omitempty" maxLength:"100" doc:"查封、冻结事项的登记文号，可不填"`
		}
	}
	ro := op(http.MethodPost, "/entrusted-matters/{id}/report", "reportEntrustedMatter", "受托法院回复办理结果：事项办结，结果写入委托法院的案件时间线", entrustTag)
	ro.DefaultStatus = http.StatusOK
	ro.Errors = append(ro.Errors, 404)
	huma.Register(a, ro, func(ctx context.Context, in *entrustReportInput) (*Body[EntrustedMatterOut], error) {
		done, err := date(in.Body.DoneOn, "body.done_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*entrust.Matter, error) {
			return entrust.Report(ctx, tx, id, entrust.ReportInput{Result: in.Body.Result, DoneOn: done, RegistryRef: in.Body.RegistryRef})
		}, entrustedMatterOut)
	})
}

// entrustActionBody is the body of the receiving court's plain actions.
type entrustActionBody struct {
	Reason string `json:"reason,omitempty" maxLength:"1000" doc:"退回理由（退回时必填）"`
	Text   string `json:"text,omitempty" maxLength:"2000" doc:"办理情况（记录时必填）"`
}
