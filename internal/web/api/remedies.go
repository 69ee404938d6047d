package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/remedies"
	"github.com/zhixing-court/zhixing/internal/store"
)

const remediesTag = "执行救济"

// RemedyStepOut is one recorded step of a remedy.
type RemedyStepOut struct {
	Step      string    `json:"step" doc:"filed 收到申请、forwarded 报送上级法院、registered 立案、not_accepted 不予受理、examined 审查完毕、decided 裁定、served 送达、extended 延长期限、remanded 发回重新审查"`
	On        string    `json:"on" doc:"该步骤的日期（YYYY-MM-DD）"`
	Summary   string    `json:"summary"`
	ActorName string    `json:"actor_name" doc:"办理人"`
	At        time.Time `json:"at" doc:"记录时刻"`
}

// RemedyClockOut is the clocks of a remedy (DOMAIN.md §6); a date is absent
// when the clock does not apply or has not started.
type RemedyClockOut struct {
	RegisterBy  string `json:"register_by,omitempty" doc:"立案并通知（或裁定不予受理）的最后一日（OBJ-1：3 日）；信访：登记期限（XF-1：5 个工作日）"`
	ForwardBy   string `json:"forward_by,omitempty" doc:"复议：报送上一级法院的最后一日（OBJ-3：5 日）"`
	DecideBy    string `json:"decide_by,omitempty" doc:"审查（裁定）期限：执行异议 15 日（OBJ-2）、案外人异议 15 日（OBJ-4）、复议立案后 30 日，经批准延长 30 日（OBJ-3）；信访办结 30 个工作日（XF-1）"`
	OverallBy   string `json:"overall_by,omitempty" doc:"异议审结总期限（OBJ-5：1 个月，经批准延长一次）"`
	ExtendAskBy string `json:"extend_ask_by,omitempty" doc:"申请延长总期限的最后一日（OBJ-5：届满前 3 日）"`
	ReviewBy    string `json:"review_by,omitempty" doc:"异议裁定送达后申请复议的最后一日（OBJ-3：10 日）"`
	SuitBy      string `json:"suit_by,omitempty" doc:"案外人异议裁定送达后提起诉讼的最后一日（OBJ-4：15 日）"`
	DueOn       string `json:"due_on,omitempty" doc:"当前环节的期限"`
	Overdue     bool   `json:"overdue" doc:"当前环节已超期"`
}

// RemedyOut is a remedy: 执行异议、案外人异议、复议 or 执行信访.
type RemedyOut struct {
	ID                string          `json:"id"`
	Kind              string          `json:"kind" enum:"objection,outsider,review,complaint" doc:"objection 执行异议、outsider 案外人异议、review 执行复议、complaint 执行信访"`
	KindLabel         string          `json:"kind_label"`
	State             string          `json:"state" enum:"filed,forwarded,registered,not_accepted,examined,decided,served" doc:"filed 待立案 →（复议：forwarded 已报送上级法院 →）registered 审查中 或 not_accepted 不予受理 → examined 审查完毕 → decided 已裁定 → served 已送达"`
	StateLabel        string          `json:"state_label"`
	Number            string          `json:"number,omitempty" doc:"立案后的案号（执异、执复）或信访登记号"`
	CourtID           string          `json:"court_id" doc:"审查法院（复议为上一级法院）"`
	CourtName         string          `json:"court_name"`
	OriginCourtID     string          `json:"origin_court_id" doc:"执行案件所在法院"`
	OriginCourtName   string          `json:"origin_court_name"`
	CaseID            string          `json:"case_id" doc:"所涉执行案件"`
	CaseNo            string          `json:"case_no"`
	PartyNames        string          `json:"party_names"`
	ReviewedID        *string         `json:"reviewed_id,omitempty" doc:"复议：所不服的执行异议"`
	ReviewedNumber    string          `json:"reviewed_number,omitempty"`
	ApplicantName     string          `json:"applicant_name" doc:"申请人（信访人）"`
	ApplicantRole     string          `json:"applicant_role" enum:"applicant,respondent,interested,outsider,other" doc:"申请执行人、被执行人、利害关系人、案外人、其他"`
	ApplicantPhone    string          `json:"applicant_phone,omitempty" doc:"联系电话（列表中隐去中间四位）"`
	Request           string          `json:"request" doc:"请求事项"`
	Grounds           string          `json:"grounds,omitempty" doc:"事实与理由"`
	AssetID           *string         `json:"asset_id,omitempty" doc:"案外人异议所指的执行标的"`
	AssetLabel        string          `json:"asset_label,omitempty"`
	AssetStopped      bool            `json:"asset_stopped" doc:"异议成立，已中止对该标的的执行（OBJ-4）"`
	ReceivedOn        string          `json:"received_on" doc:"收到申请之日"`
	RestartedOn       string          `json:"restarted_on,omitempty" doc:"复议发回后重新审查之日"`
	ForwardedOn       string          `json:"forwarded_on,omitempty"`
	RegisteredOn      string          `json:"registered_on,omitempty"`
	NotAcceptedReason string          `json:"not_accepted_reason,omitempty"`
	ExaminedOn        string          `json:"examined_on,omitempty"`
	Examination       string          `json:"examination,omitempty" doc:"审查（听证）情况"`
	DecidedOn         string          `json:"decided_on,omitempty"`
	Outcome           string          `json:"outcome,omitempty" enum:"upheld,rejected,partially,withdrawn,affirmed,reversed,remanded" doc:"异议、信访：upheld 成立、rejected 驳回、partially 部分成立、withdrawn 撤回；复议：affirmed 维持、reversed 撤销或变更、remanded 发回重新审查、withdrawn 撤回"`
	OutcomeLabel      string          `json:"outcome_label,omitempty"`
	Decision          string          `json:"decision,omitempty" doc:"裁定（处理）内容"`
	ServedOn          string          `json:"served_on,omitempty"`
	Extended          bool            `json:"extended" doc:"审查期限已经批准延长（只能一次）"`
	ExtensionReason   string          `json:"extension_reason,omitempty"`
	Remands           int             `json:"remands" doc:"被复议发回重新审查的次数（OBJ-3：最多一次）"`
	Clock             RemedyClockOut  `json:"clock"`
	Steps             []RemedyStepOut `json:"steps" nullable:"false" doc:"办理过程（列表中为空）"`
	CreatedByName     string          `json:"created_by_name"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
}

func dateText(d legal.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func remedyOutOf(r *remedies.Remedy, masked bool) RemedyOut {
	o := RemedyOut{ID: r.ID.String(), Kind: string(r.Kind), KindLabel: r.Kind.Label(), State: string(r.State), StateLabel: r.State.Label(),
		Number: r.Number, CourtID: r.CourtID.String(), CourtName: r.CourtName, OriginCourtID: r.OriginCourtID.String(),
		OriginCourtName: r.OriginCourtName, CaseID: r.CaseID.String(), CaseNo: r.CaseNo, PartyNames: r.PartyNames,
		ReviewedID: optionalID(r.ReviewedID), ReviewedNumber: r.ReviewedNumber, ApplicantName: r.ApplicantName,
		ApplicantRole: string(r.ApplicantRole), ApplicantPhone: r.ApplicantPhone, Request: r.Request, Grounds: r.Grounds,
		AssetID: optionalID(r.AssetID), AssetLabel: r.AssetLabel, AssetStopped: r.AssetStopped, ReceivedOn: dateText(r.ReceivedOn),
		RestartedOn: dateText(r.RestartedOn), ForwardedOn: dateText(r.ForwardedOn), RegisteredOn: dateText(r.RegisteredOn),
		NotAcceptedReason: r.NotAcceptedReason, ExaminedOn: dateText(r.ExaminedOn), Examination: r.Examination,
		DecidedOn: dateText(r.DecidedOn), Outcome: string(r.Outcome), Decision: r.Decision, ServedOn: dateText(r.ServedOn),
		Extended: r.Extended, ExtensionReason: r.ExtensionReason, Remands: r.Remands, Steps: []RemedyStepOut{},
		CreatedByName: r.CreatedByName, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Clock: RemedyClockOut{RegisterBy: dateText(r.Clock.RegisterBy), ForwardBy: dateText(r.Clock.ForwardBy), DecideBy: dateText(r.Clock.DecideBy),
			OverallBy: dateText(r.Clock.OverallBy), ExtendAskBy: dateText(r.Clock.ExtendAskBy), ReviewBy: dateText(r.ReviewBy),
			SuitBy: dateText(r.SuitBy), DueOn: dateText(r.DueOn), Overdue: r.Overdue(legal.Today(time.Now()))}}
	if r.Outcome != "" {
		o.OutcomeLabel = r.Outcome.Label()
	}
	if masked && r.ApplicantPhone != "" {
		o.ApplicantPhone = legal.MaskPhone(r.ApplicantPhone)
	}
	for _, s := range r.Steps {
		o.Steps = append(o.Steps, RemedyStepOut{Step: s.Step, On: s.On.String(), Summary: s.Summary, ActorName: s.ActorName, At: s.At})
	}
	return o
}

func remedyOut(r *remedies.Remedy) RemedyOut     { return remedyOutOf(r, false) }
func remedyListOut(r *remedies.Remedy) RemedyOut { return remedyOutOf(r, true) }

// RemedyIn files a remedy for a case.
type RemedyIn struct {
	Kind           string `json:"kind" enum:"objection,outsider,review,complaint" doc:"objection 执行异议、outsider 案外人异议、review 执行复议（向上一级法院）、complaint 执行信访"`
	ApplicantName  string `json:"applicant_name" maxLength:"64" doc:"申请人（信访人）姓名或名称"`
	ApplicantRole  string `json:"applicant_role,omitempty" enum:"applicant,respondent,interested,outsider,other" doc:"申请人身份；不填：案外人异议为案外人，信访为申请执行人，其他为被执行人"`
	ApplicantPhone string `json:"applicant_phone,omitempty" maxLength:"32" doc:"联系电话"`
	Request        string `json:"request" maxLength:"2000" doc:"请求事项"`
	Grounds        string `json:"grounds,omitempty" maxLength:"4000" doc:"事实与理由"`
	AssetID        string `json:"asset_id,omitempty" doc:"案外人异议：所争议的执行标的（本案当事人的财产）的 id"`
	ReviewedID     string `json:"reviewed_id,omitempty" doc:"复议：所不服的执行异议的 id（裁定须已送达，且在送达之日起 10 日内申请）"`
	ReceivedOn     string `json:"received_on,omitempty" doc:"收到申请之日（YYYY-MM-DD），默认今天；不得晚于今天"`
}

type remedyListInput struct {
	CaseID  string   `query:"case_id" doc:"所涉执行案件"`
	Kind    string   `query:"kind" enum:"objection,outsider,review,complaint" doc:"种类"`
	State   []string `query:"state" enum:"filed,forwarded,registered,not_accepted,examined,decided,served" doc:"状态，可用逗号分隔多个"`
	Overdue bool     `query:"overdue" doc:"只列当前环节已超期的"`
	ListParams
}

type remedyDateBody struct {
	On string `json:"on,omitempty" doc:"该步骤的日期（YYYY-MM-DD），默认今天；不得晚于今天，不得早于上一步骤"`
}

func (h *handlers) remedies(a huma.API) {
	co := op(http.MethodPost, "/cases/{id}/remedies", "fileRemedy",
		"登记执行救济：执行异议、案外人异议、复议或执行信访（执行程序终结后不能再提出异议，OBJ-2）", remediesTag)
	co.Errors = append(co.Errors, 404)
	huma.Register(a, co, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body RemedyIn
	}) (*Body[RemedyOut], error) {
		received, err := date(in.Body.ReceivedOn, "body.received_on")
		if err != nil {
			return nil, err
		}
		asset, err := parseOptionalID(in.Body.AssetID, "body.asset_id")
		if err != nil {
			return nil, err
		}
		reviewed, err := parseOptionalID(in.Body.ReviewedID, "body.reviewed_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*remedies.Remedy, error) {
			return remedies.File(ctx, tx, id, remedies.FileInput{Kind: remedies.Kind(in.Body.Kind), ApplicantName: in.Body.ApplicantName,
				ApplicantRole: remedies.Role(in.Body.ApplicantRole), ApplicantPhone: in.Body.ApplicantPhone, Request: in.Body.Request,
				Grounds: in.Body.Grounds, AssetID: asset, ReviewedID: reviewed, ReceivedOn: received})
		}, remedyOut)
	})

	lo := op(http.MethodGet, "/remedies", "listRemedies", "执行救济列表（新登记的在前）：本院审查的和涉及本院案件的", remediesTag)
	huma.Register(a, lo, func(ctx context.Context, in *remedyListInput) (*Body[List[RemedyOut]], error) {
		f := remedies.Filter{Kind: remedies.Kind(in.Kind), Overdue: in.Overdue}
		var err error
		if f.CaseID, err = parseOptionalID(in.CaseID, "query.case_id"); err != nil {
			return nil, err
		}
		for _, s := range in.State {
			f.States = append(f.States, remedies.State(s))
		}
		pg, err := remedies.List(ctx, h.DB, f, in.request())
		if err != nil {
			return nil, err
		}
		return body(listOf(pg, remedyListOut)), nil
	})

	huma.Register(a, op(http.MethodGet, "/remedies/{id}", "getRemedy", "查看执行救济及其期限与办理过程", remediesTag),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*Body[RemedyOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			r, err := remedies.Get(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(remedyOut(r)), nil
		})

	step := func(path, id, summary string, fn func(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date) (*remedies.Remedy, error)) {
		o := op(http.MethodPost, "/remedies/{id}/"+path, id, summary, remediesTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		huma.Register(a, o, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body remedyDateBody
		}) (*Body[RemedyOut], error) {
			on, err := date(in.Body.On, "body.on")
			if err != nil {
				return nil, err
			}
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*remedies.Remedy, error) {
				return fn(ctx, tx, id, on)
			}, remedyOut)
		})
	}
	step("forwarding", "forwardRemedy", "复议：作出异议裁定的法院将案卷报送上一级法院（OBJ-3：5 日内）", remedies.Forward)
	step("registration", "registerRemedy", "立案并通知当事人，取得执异、执复案号或信访登记号（OBJ-1：3 日内；XF-1：5 个工作日内）", remedies.Register)
	step("service", "serveRemedy", "记录裁定送达（信访：向信访人反馈结果）；异议裁定送达后开始计算复议期限", remedies.Serve)

	type reasonBody struct {
		On     string `json:"on,omitempty" doc:"日期（YYYY-MM-DD），默认今天"`
		Reason string `json:"reason" maxLength:"1000" doc:"理由"`
	}
	ro := op(http.MethodPost, "/remedies/{id}/refusal", "refuseRemedy", "裁定不予受理（OBJ-1：3 日内），写明理由", remediesTag)
	ro.DefaultStatus = http.StatusOK
	ro.Errors = append(ro.Errors, 404)
	huma.Register(a, ro, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body reasonBody
	}) (*Body[RemedyOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*remedies.Remedy, error) {
			return remedies.NotAccept(ctx, tx, id, on, in.Body.Reason)
		}, remedyOut)
	})

	xo := op(http.MethodPost, "/remedies/{id}/extension", "extendRemedy",
		"批准延长审查期限（须有 clock.extend 权限，院长）：复议延长 30 日（OBJ-3），异议总期限延长一次，须在届满 3 日前提出（OBJ-5）；只能一次", remediesTag)
	xo.DefaultStatus = http.StatusOK
	xo.Errors = append(xo.Errors, 404)
	huma.Register(a, xo, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body reasonBody
	}) (*Body[RemedyOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*remedies.Remedy, error) {
			return remedies.Extend(ctx, tx, id, on, in.Body.Reason)
		}, remedyOut)
	})

	eo := op(http.MethodPost, "/remedies/{id}/examination", "examineRemedy", "记录审查（听证）完毕", remediesTag)
	eo.DefaultStatus = http.StatusOK
	eo.Errors = append(eo.Errors, 404)
	huma.Register(a, eo, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			On    string `json:"on,omitempty" doc:"审查完毕之日（YYYY-MM-DD），默认今天"`
			Notes string `json:"notes" maxLength:"4000" doc:"审查（听证）情况"`
		}
	}) (*Body[RemedyOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*remedies.Remedy, error) {
			return remedies.Examine(ctx, tx, id, on, in.Body.Notes)
		}, remedyOut)
	})

	do := op(http.MethodPost, "/remedies/{id}/decision", "decideRemedy",
		"裁定（信访：办结）：异议成立、驳回、部分成立或撤回；复议维持、撤销或变更、发回重新审查（同一事项只能发回一次，OBJ-3）。案外人异议成立即中止对该标的的执行（OBJ-4）", remediesTag)
	do.DefaultStatus = http.StatusOK
	do.Errors = append(do.Errors, 404)
	huma.Register(a, do, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			On       string `json:"on,omitempty" doc:"裁定之日（YYYY-MM-DD），默认今天"`
			Outcome  string `json:"outcome" enum:"upheld,rejected,partially,withdrawn,affirmed,reversed,remanded" doc:"结果"`
			Decision string `json:"decision" maxLength:"4000" doc:"裁定（处理）内容"`
		}
	}) (*Body[RemedyOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*remedies.Remedy, error) {
			return remedies.Decide(ctx, tx, id, remedies.DecideInput{On: on, Outcome: remedies.Outcome(in.Body.Outcome), Decision: in.Body.Decision})
		}, remedyOut)
	})
}
