package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/hotline"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

const hotlineTag = "热线"

// HotlineCallOut is a hotline call (热线来电).
type HotlineCallOut struct {
	ID             string     `json:"id"`
	CourtID        string     `json:"court_id"`
	CourtName      string     `json:"court_name"`
	Kind           string     `json:"kind" enum:"consult,progress,reach_judge,complaint" doc:"consult 咨询、progress 询问案件进度、reach_judge 联系承办法官、complaint 投诉（转信访）"`
	KindLabel      string     `json:"kind_label"`
	State          string     `json:"state" enum:"open,routed,closed" doc:"open 待处理、routed 已转办、closed 已答复"`
	StateLabel     string     `json:"state_label"`
	CallerName     string     `json:"caller_name" doc:"来电人"`
	CallerPhone    string     `json:"caller_phone" doc:"来电号码（列表中隐去中间四位）"`
	CaseID         *string    `json:"case_id,omitempty" doc:"所涉案件"`
	CaseNo         string     `json:"case_no,omitempty"`
	Question       string     `json:"question" doc:"来电内容"`
	ReceivedAt     time.Time  `json:"received_at" doc:"来电时刻"`
	DueOn          string     `json:"due_on" doc:"答复期限（HOT-1，本地规则：进度询问 1 个工作日，其他 3 个工作日，可配置）"`
	Overdue        bool       `json:"overdue" doc:"未答复且已超过答复期限"`
	RoutedUserID   *string    `json:"routed_user_id,omitempty" doc:"转办人员"`
	RoutedUserName string     `json:"routed_user_name,omitempty"`
	RoutedTeamID   *string    `json:"routed_team_id,omitempty" doc:"转办团队"`
	RoutedTeamName string     `json:"routed_team_name,omitempty"`
	RouteNote      string     `json:"route_note,omitempty"`
	RoutedByName   string     `json:"routed_by_name,omitempty"`
	RoutedAt       *time.Time `json:"routed_at,omitempty"`
	Answer         string     `json:"answer,omitempty" doc:"答复内容"`
	AnsweredByName string     `json:"answered_by_name,omitempty"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	OnTime         *bool      `json:"on_time,omitempty" doc:"已答复：是否在期限内"`
	CreatedByName  string     `json:"created_by_name"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func hotlineOutOf(c *hotline.Call, masked bool) HotlineCallOut {
	o := HotlineCallOut{ID: c.ID.String(), CourtID: c.CourtID.String(), CourtName: c.CourtName, Kind: string(c.Kind), KindLabel: c.Kind.Label(),
		State: string(c.State), StateLabel: c.State.Label(), CallerName: c.CallerName, CallerPhone: c.CallerPhone, CaseID: optionalID(c.CaseID),
		CaseNo: c.CaseNo, Question: c.Question, ReceivedAt: c.ReceivedAt, DueOn: c.DueOn.String(), Overdue: c.Overdue(legal.Today(time.Now())),
		RoutedUserID: optionalID(c.RoutedUserID), RoutedUserName: c.RoutedUserName, RoutedTeamID: optionalID(c.RoutedTeamID),
		RoutedTeamName: c.RoutedTeamName, RouteNote: c.RouteNote, RoutedByName: c.RoutedByName, RoutedAt: instant(c.RoutedAt), Answer: c.Answer,
		AnsweredByName: c.AnsweredByName, ClosedAt: instant(c.ClosedAt), OnTime: c.OnTime, CreatedByName: c.CreatedByName,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if masked {
		o.CallerPhone = c.MaskedPhone()
	}
	return o
}

func hotlineOut(c *hotline.Call) HotlineCallOut     { return hotlineOutOf(c, false) }
func hotlineListOut(c *hotline.Call) HotlineCallOut { return hotlineOutOf(c, true) }

// HotlineCallIn records a call.
type HotlineCallIn struct {
	Kind        string     `json:"kind" enum:"consult,progress,reach_judge,complaint" doc:"consult 咨询、progress 询问案件进度、reach_judge 联系承办法官、complaint 投诉（转信访）"`
	CallerName  string     `json:"caller_name" maxLength:"64" doc:"来电人姓名"`
	CallerPhone string     `json:"caller_phone" maxLength:"32" doc:"来电号码"`
	CaseID      string     `json:"case_id,omitempty" doc:"所涉案件的 id，可不填"`
	CourtID     string     `json:"court_id,omitempty" doc:"答复的法院；不填为所涉案件的法院，或本人所在法院"`
	Question    string     `json:"question" maxLength:"2000" doc:"来电内容"`
	ReceivedAt  *time.Time `json:"received_at,omitempty" doc:"来电时刻（RFC 3339），默认现在"`
}

func (h *handlers) hotline(a huma.API) {
	co := op(http.MethodPost, "/hotline/calls", "recordHotlineCall", "登记热线来电，按事由计算答复期限（HOT-1，本地规则）", hotlineTag)
	huma.Register(a, co, func(ctx context.Context, in *struct{ Body HotlineCallIn }) (*Body[HotlineCallOut], error) {
		caseID, err := parseOptionalID(in.Body.CaseID, "body.case_id")
		if err != nil {
			return nil, err
		}
		court, err := parseOptionalID(in.Body.CourtID, "body.court_id")
		if err != nil {
			return nil, err
		}
		var received time.Time
		if in.Body.ReceivedAt != nil {
			received = *in.Body.ReceivedAt
		}
		c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) {
			return hotline.Record(ctx, tx, hotline.RecordInput{CourtID: court, Kind: hotline.Kind(in.Body.Kind), CallerName: in.Body.CallerName,
				CallerPhone: in.Body.CallerPhone, CaseID: caseID, Question: in.Body.Question, ReceivedAt: received})
		})
		if err != nil {
			return nil, err
		}
		return body(hotlineOut(c)), nil
	})

	lo := op(http.MethodGet, "/hotline/calls", "listHotlineCalls", "热线来电：未答复的在前，超期的最先；再列已答复的", hotlineTag)
	lo.Description = "须有 hotline.manage 权限；只有 cases.read 权限的人员可用 case_id 查看所涉案件的来电。列表中的来电号码隐去中间四位。"
	huma.Register(a, lo, func(ctx context.Context, in *struct {
		CaseID  string   `query:"case_id" doc:"所涉案件"`
		State   []string `query:"state" enum:"open,routed,closed" doc:"状态，可用逗号分隔多个"`
		Overdue bool     `query:"overdue" doc:"只列未答复且已超期的"`
		ListParams
	}) (*Body[List[HotlineCallOut]], error) {
		f := hotline.Filter{Overdue: in.Overdue}
		var err error
		if f.CaseID, err = parseOptionalID(in.CaseID, "query.case_id"); err != nil {
			return nil, err
		}
		for _, s := range in.State {
			f.States = append(f.States, hotline.State(s))
		}
		pg, err := hotline.List(ctx, h.DB, f, in.request())
		if err != nil {
			return nil, err
		}
		return body(listOf(pg, hotlineListOut)), nil
	})

	huma.Register(a, op(http.MethodGet, "/hotline/calls/{id}", "getHotlineCall", "查看热线来电", hotlineTag),
		func(ctx context.Context, in *idPath) (*Body[HotlineCallOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			c, err := hotline.Get(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(hotlineOut(c)), nil
		})

	ro := op(http.MethodPost, "/hotline/calls/{id}/routing", "routeHotlineCall", "转办热线来电给本院的人员或团队", hotlineTag)
	ro.DefaultStatus = http.StatusOK
	ro.Errors = append(ro.Errors, 404)
	huma.Register(a, ro, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			UserID string `json:"user_id,omitempty" doc:"转办人员"`
			TeamID string `json:"team_id,omitempty" doc:"转办团队"`
			Note   string `json:"note,omitempty" maxLength:"1000" doc:"转办说明"`
		}
	}) (*Body[HotlineCallOut], error) {
		user, err := parseOptionalID(in.Body.UserID, "body.user_id")
		if err != nil {
			return nil, err
		}
		team, err := parseOptionalID(in.Body.TeamID, "body.team_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*hotline.Call, error) {
			return hotline.Route(ctx, tx, id, hotline.RouteInput{UserID: user, TeamID: team, Note: in.Body.Note})
		}, hotlineOut)
	})

	xo := op(http.MethodPost, "/hotline/calls/{id}/closing", "closeHotlineCall", "记录对来电人的答复并结束来电，记下是否按期", hotlineTag)
	xo.DefaultStatus = http.StatusOK
	xo.Errors = append(xo.Errors, 404)
	huma.Register(a, xo, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			Answer string `json:"answer" maxLength:"4000" doc:"答复内容"`
		}
	}) (*Body[HotlineCallOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*hotline.Call, error) {
			return hotline.Close(ctx, tx, id, in.Body.Answer)
		}, hotlineOut)
	})
}
