package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/store"
)

// MeasureOut is an enforcement measure on a case's file.
type MeasureOut struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	Label           string     `json:"label"`
	Rule            string     `json:"rule" doc:"所对应的终本条件（ZB-1 … ZB-6）"`
	DoneOn          string     `json:"done_on"`
	DocumentNo      string     `json:"document_no,omitempty"`
	Note            string     `json:"note,omitempty"`
	RecordedByName  string     `json:"recorded_by_name"`
	CreatedAt       time.Time  `json:"created_at"`
	WithdrawnAt     *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnByName string     `json:"withdrawn_by_name,omitempty"`
	WithdrawReason  string     `json:"withdraw_reason,omitempty"`
}

func measureOut(m *cases.Measure) MeasureOut {
	info, _ := cases.MeasureInfo(m.Kind)
	return MeasureOut{ID: m.ID.String(), Kind: string(m.Kind), Label: info.Label, Rule: info.Rule, DoneOn: m.DoneOn.String(),
		DocumentNo: m.DocumentNo, Note: m.Note, RecordedByName: m.RecordedByName, CreatedAt: m.CreatedAt, WithdrawnAt: instant(m.WithdrawnAt),
		WithdrawnByName: m.WithdrawnByName, WithdrawReason: m.WithdrawReason}
}

// ZhongbenCheckOut is the 终本 gate's answer for a case.
type ZhongbenCheckOut struct {
	OK    bool               `json:"ok" doc:"是否符合终结本次执行程序的全部条件"`
	Unmet []ZhongbenUnmetOut `json:"unmet" nullable:"false" doc:"尚缺的条件，按规定的顺序"`
	Rules ZhongbenRulesOut   `json:"rules"`
	Facts ZhongbenFactsOut   `json:"facts"`
	Kinds []MeasureKindOut   `json:"measure_kinds" nullable:"false" doc:"可记录的执行措施"`
}

// ZhongbenUnmetOut is one unmet condition.
type ZhongbenUnmetOut struct {
	Code   string `json:"code"`
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// ZhongbenRulesOut are the court's configurable parts of the gate.
type ZhongbenRulesOut struct {
	MinMonths         int  `json:"min_months"`
	RequireOnSite     bool `json:"require_on_site" doc:"ZB-3/require_on_site"`
	RequireInterview  bool `json:"require_interview" doc:"ZB-6/require_interview"`
	BlockUncontrolled bool `json:"block_uncontrolled" doc:"ZB-6/block_uncontrolled"`
	// XG-5: a restriction must be in force before the closing day.
	RestrictionBeforeClose bool `json:"restriction_before_close" doc:"XG-5/check_before_closure"`
}

// ZhongbenFactsOut are the figures the gate read from the case's records.
type ZhongbenFactsOut struct {
	FiledOn       string `json:"filed_on"`
	Inquiries     int    `json:"inquiries" doc:"网络查控次数"`
	InquiriesOpen int    `json:"inquiries_open" doc:"尚未全部反馈的查询次数"`
	Uncontrolled  int    `json:"uncontrolled_assets" doc:"查询到但本案未控制的财产"`
}

// MeasureKindOut describes a measure kind.
type MeasureKindOut struct {
	Kind         string `json:"kind"`
	Label        string `json:"label"`
	Rule         string `json:"rule"`
	NoteRequired bool   `json:"note_required"`
}

func (h *handlers) measures(a huma.API) {
	type recordInput struct {
		ID   string `path:"id"`
		Body struct {
			Kind       string `json:"kind" enum:"notice_served,report_order,report_checked,consumption_ban,dishonest_listed,dishonest_not_due,on_site,conduct_checked,applicant_consent,collegial_review,president_approval,interview,notice_of_intent,zhongben_uploaded,zhongben_removed"`
			DoneOn     string `json:"done_on" doc:"办理日期 YYYY-MM-DD"`
			DocumentNo string `json:"document_no,omitempty" maxLength:"100" doc:"文书编号"`
			Note       string `json:"note,omitempty" maxLength:"1000" doc:"审查或查找的情况；“不符合失信条件”“查找及妨害执行处理”须填写"`
		}
	}
	ro := op(http.MethodPost, "/cases/{id}/measures", "recordMeasure", "记录执行措施（终本条件 ZB-1 … ZB-6 据此判断）", casesTag)
	ro.Errors = append(ro.Errors, 404, 409)
	huma.Register(a, ro, func(ctx context.Context, in *recordInput) (*Body[MeasureOut], error) {
		done, err := date(in.Body.DoneOn, "body.done_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Measure, error) {
			return cases.RecordMeasure(ctx, tx, id, cases.MeasureInput{Kind: cases.MeasureKind(in.Body.Kind), DoneOn: done,
				DocumentNo: in.Body.DocumentNo, Note: in.Body.Note})
		}, measureOut)
	})
	lo := op(http.MethodGet, "/cases/{id}/measures", "listMeasures", "案件的执行措施记录（含已撤回的），最新的在前", casesTag)
	lo.Errors = append(lo.Errors, 404)
	huma.Register(a, lo, func(ctx context.Context, in *idPath) (*Body[[]MeasureOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		list, err := cases.CaseMeasures(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		out := make([]MeasureOut, 0, len(list))
		for _, m := range list {
			out = append(out, measureOut(m))
		}
		return body(out), nil
	})
	type withdrawInput struct {
		ID   string `path:"id"`
		Body struct {
			Reason string `json:"reason" maxLength:"500"`
		}
	}
	wo := op(http.MethodPost, "/measures/{id}/withdrawal", "withdrawMeasure", "撤回误记的执行措施（记录保留，标明撤回）", casesTag)
	wo.DefaultStatus = http.StatusOK
	wo.Errors = append(wo.Errors, 404, 409)
	huma.Register(a, wo, func(ctx context.Context, in *withdrawInput) (*Body[MeasureOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Measure, error) {
			return cases.WithdrawMeasure(ctx, tx, id, in.Body.Reason)
		}, measureOut)
	})
	co := op(http.MethodGet, "/cases/{id}/zhongben-check", "checkZhongben",
		"终本条件核验：按案件记录逐项判断五项法定条件和调查步骤（ZB-1 … ZB-6），列出尚缺的全部条件", casesTag)
	co.Errors = append(co.Errors, 404)
	huma.Register(a, co, func(ctx context.Context, in *idPath) (*Body[ZhongbenCheckOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		z, err := cases.CheckZhongben(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(zhongbenCheckOut(z)), nil
	})
}

func zhongbenCheckOut(z *cases.ZhongbenCheck) ZhongbenCheckOut {
	out := ZhongbenCheckOut{OK: z.OK(), Unmet: []ZhongbenUnmetOut{}, Kinds: []MeasureKindOut{},
		Rules: ZhongbenRulesOut{MinMonths: z.Rules.MinMonths, RequireOnSite: z.Rules.RequireOnSite, RequireInterview: z.Rules.RequireInterview,
			BlockUncontrolled: z.Rules.BlockUncontrolled, RestrictionBeforeClose: z.Rules.RestrictionBeforeClose},
		Facts: ZhongbenFactsOut{FiledOn: z.Facts.FiledOn.String(), Inquiries: z.Facts.Inquiries, InquiriesOpen: z.Facts.InquiriesOpen,
			Uncontrolled: z.Facts.Uncontrolled}}
	for _, u := range z.Unmet {
		out.Unmet = append(out.Unmet, ZhongbenUnmetOut{Code: u.Code, Rule: u.Rule, Detail: u.Detail})
	}
	for _, k := range cases.MeasureKinds() {
		out.Kinds = append(out.Kinds, MeasureKindOut{Kind: string(k.Kind), Label: k.Label, Rule: k.Rule, NoteRequired: k.NoteRequired})
	}
	return out
}
