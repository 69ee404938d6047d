package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

const casesTag = "案件"

// ClockOut is the case's legal clock.
type ClockOut struct {
	Deadline   string          `json:"deadline" doc:"有效期满日（CLOCK-2、-3、-8，PER-6 顺延后）"`
	Base       string          `json:"base" doc:"立案日加执行期限，未计延长与扣除"`
	DaysLeft   int             `json:"days_left" doc:"剩余天数；负数为已超期"`
	Stopped    bool            `json:"stopped" doc:"有正在计算的扣除期间（中止、暂缓），期限暂停"`
	Reasons    []string        `json:"reasons" nullable:"false" doc:"期限的计算过程"`
	Deductions []ClockEntryOut `json:"deductions" nullable:"false"`
	Extensions []ClockEntryOut `json:"extensions" nullable:"false"`
	Milestones []MilestoneOut  `json:"milestones" nullable:"false"`
}

// ClockEntryOut is a deduction or an extension.
type ClockEntryOut struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind,omitempty" doc:"扣除事由（CLOCK-8）"`
	KindLabel    string     `json:"kind_label,omitempty"`
	From         string     `json:"from,omitempty"`
	To           string     `json:"to,omitempty"`
	Months       int        `json:"months,omitempty"`
	Status       string     `json:"status" enum:"requested,approved,refused"`
	Reason       string     `json:"reason"`
	RequestedAt  time.Time  `json:"requested_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
}

// MilestoneOut is a node deadline (DOMAIN.md §3).
type MilestoneOut struct {
	Code   string `json:"code"`
	RuleID string `json:"rule_id"`
	Name   string `json:"name"`
	Due    string `json:"due"`
}

// TriageOut is how the case was routed.
type TriageOut struct {
	RuleID      string `json:"rule_id"`
	Version     int    `json:"version"`
	Explanation string `json:"explanation"`
	Override    string `json:"override_reason,omitempty" doc:"人工调整分流的理由"`
}

// EventOut is an entry of the timeline.
type EventOut struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Summary   string    `json:"summary"`
	ActorName string    `json:"actor_name"`
}

// CaseOut is a case.
type CaseOut struct {
	ID                 string     `json:"id"`
	CourtID            string     `json:"court_id"`
	CaseNo             string     `json:"case_no" example:"（2024）粤0607执1234号"`
	CaseType           string     `json:"case_type"`
	Status             string     `json:"status" enum:"filed,in_progress,suspended,deferred,closed"`
	StatusLabel        string     `json:"status_label"`
	Closure            string     `json:"closure,omitempty" doc:"结案方式（CODE-3）"`
	ClosureLabel       string     `json:"closure_label,omitempty"`
	ClosureReason      string     `json:"closure_reason,omitempty"`
	Lane               string     `json:"lane"`
	LaneLabel          string     `json:"lane_label"`
	Team               *string    `json:"team_id"`
	TeamName           string     `json:"team_name,omitempty"`
	Handler            *string    `json:"handler_id"`
	HandlerName        string     `json:"handler_name,omitempty"`
	Triage             TriageOut  `json:"triage"`
	ApplicationID      *string    `json:"application_id"`
	BasisKind          string     `json:"basis_kind"`
	BasisDocumentNo    string     `json:"basis_document_no"`
	ClaimAmountFen     int64      `json:"claim_amount_fen"`
	RecoveredAmountFen int64      `json:"recovered_amount_fen"`
	ReceivedOn         string     `json:"received_on"`
	FiledOn            string     `json:"filed_on"`
	AssignedOn         string     `json:"assigned_on,omitempty"`
	ClosedOn           string     `json:"closed_on,omitempty"`
	PartyNames         string     `json:"party_names"`
	Parties            []PartyOut `json:"parties,omitempty"`
	Clock              *ClockOut  `json:"clock,omitempty"`
	Timeline           []EventOut `json:"timeline,omitempty" doc:"时间线中最近的 50 条，按时间先后排列"`
	TimelineMore       bool       `json:"timeline_more,omitempty" doc:"为 true 时时间线另有更早的记录，见 GET /cases/{id}/timeline"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

func caseOut(c *cases.Case) CaseOut {
	o := CaseOut{ID: c.ID.String(), CourtID: c.CourtID.String(), CaseNo: c.CaseNo, CaseType: c.CaseType, Status: c.Status,
		StatusLabel: cases.StatusLabel(c.Status), Closure: c.Closure, ClosureLabel: cases.ClosureLabel(c.Closure),
		ClosureReason: c.ClosureReason, Lane: c.Lane, LaneLabel: triage.LaneName(c.Lane), Team: optionalID(c.TeamID), TeamName: c.TeamName,
		Handler: optionalID(c.HandlerID), HandlerName: c.HandlerName,
		Triage:        TriageOut{RuleID: c.Triage.Rule, Version: c.Triage.Version, Explanation: c.Triage.Explanation, Override: c.Triage.Override},
		ApplicationID: optionalID(c.ApplicationID), BasisKind: c.BasisKind, BasisDocumentNo: c.BasisDocumentNo,
		ClaimAmountFen: c.ClaimAmountFen, RecoveredAmountFen: c.RecoveredAmountFen, ReceivedOn: c.ReceivedOn.String(),
		FiledOn: c.FiledOn.String(), AssignedOn: c.AssignedOn.String(), ClosedOn: c.ClosedOn.String(), PartyNames: c.PartyNames,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	for _, p := range c.Parties {
		o.Parties = append(o.Parties, PartyOut{PartyID: p.PartyID.String(), Role: p.Role, Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber,
			IDChecked: p.IDChecked, LegalRep: p.LegalRep, Phone: p.Phone, Address: p.Address})
	}
	for _, e := range c.Events {
		o.Timeline = append(o.Timeline, eventOut(e))
	}
	o.TimelineMore = c.EarlierEvents
	if k := c.Clock; k != nil {
		co := &ClockOut{Deadline: k.Deadline.Effective.String(), Base: k.Deadline.Base.String(), DaysLeft: k.Deadline.DaysLeft,
			Stopped: k.Deadline.Running, Reasons: k.Deadline.Reasons, Deductions: []ClockEntryOut{}, Extensions: []ClockEntryOut{},
			Milestones: []MilestoneOut{}}
		if co.Reasons == nil {
			co.Reasons = []string{}
		}
		for _, e := range k.Entries {
			eo := ClockEntryOut{ID: e.ID.String(), Status: e.Status, Reason: e.Reason, RequestedAt: e.RequestedAt.UTC(),
				DecidedAt: instant(e.DecidedAt), DecisionNote: e.DecisionNote, From: e.From.String(), To: e.To.String(), Months: e.Months}
			if e.Kind == "deduction" {
				eo.Kind, eo.KindLabel = string(e.DeductionKind), e.DeductionKind.Label()
				co.Deductions = append(co.Deductions, eo)
			} else {
				co.Extensions = append(co.Extensions, eo)
			}
		}
		for _, m := range k.Milestones {
			co.Milestones = append(co.Milestones, MilestoneOut{Code: m.Code, RuleID: m.RuleID, Name: m.Name, Due: m.Due.String()})
		}
		o.Clock = co
	}
	return o
}

func eventOut(e cases.Event) EventOut {
	return EventOut{At: e.At.UTC(), Kind: e.Kind, Summary: e.Summary, ActorName: e.ActorName}
}

func (h *handlers) caseOut(ctx context.Context, id uuid.UUID) (*Body[CaseOut], error) {
	c, err := cases.Get(ctx, h.DB, id)
	if err != nil {
		return nil, err
	}
	return body(caseOut(c)), nil
}

type listCasesInput struct {
	CourtID   string `query:"court_id"`
	Status    string `query:"status" enum:"filed,in_progress,suspended,deferred,closed"`
	Lane      string `query:"lane" enum:"fast,ordinary,financial,preservation,restoration_objection"`
	TeamID    string `query:"team_id"`
	HandlerID string `query:"handler_id"`
	CaseType  string `query:"case_type" maxLength:"200" doc:"案件类型代码；多个以逗号分隔（指标下钻：该指标口径计入的类型）"`
	Q         string `query:"q" maxLength:"100" doc:"案号（任意写法）、当事人名称或证件号码"`
	DueBefore string `query:"due_before" doc:"只列期满日不晚于此日的未结案件"`
	// The cases behind a KPI figure (GET /kpis).
	FiledFrom  string `query:"filed_from" doc:"立案日期不早于（指标下钻：收案）"`
	FiledTo    string `query:"filed_to" doc:"立案日期不晚于"`
	ClosedFrom string `query:"closed_from" doc:"结案日期不早于（指标下钻：结案）"`
	ClosedTo   string `query:"closed_to" doc:"结案日期不晚于"`
	Closure    string `query:"closure" maxLength:"200" doc:"结案方式：performed、zhongben、terminated、not_enforced、rejected、cancelled、settlement_long_term；多个以逗号分隔"`
	ListParams
}

func (h *handlers) cases(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/cases", "listCases", "列出案件（新立案的在前）", casesTag),
		func(ctx context.Context, in *listCasesInput) (*Body[List[CaseOut]], error) {
			var f cases.Filter
			var err error
			if f.CourtID, err = parseOptionalID(in.CourtID, "query.court_id"); err != nil {
				return nil, err
			}
			if f.TeamID, err = parseOptionalID(in.TeamID, "query.team_id"); err != nil {
				return nil, err
			}
			if f.HandlerID, err = parseOptionalID(in.HandlerID, "query.handler_id"); err != nil {
				return nil, err
			}
			if f.DueBefore, err = date(in.DueBefore, "query.due_before"); err != nil {
				return nil, err
			}
			for _, d := range []struct {
				raw, field string
				to         *legal.Date
			}{{in.FiledFrom, "query.filed_from", &f.FiledFrom}, {in.FiledTo, "query.filed_to", &f.FiledTo},
				{in.ClosedFrom, "query.closed_from", &f.ClosedFrom}, {in.ClosedTo, "query.closed_to", &f.ClosedTo}} {
				if *d.to, err = date(d.raw, d.field); err != nil {
					return nil, err
				}
			}
			f.Status, f.Lane, f.CaseType, f.Q, f.Closure = in.Status, in.Lane, in.CaseType, in.Q, in.Closure
			pg, err := cases.List(ctx, h.DB, f, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, caseOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/cases/{id}", "getCase", "查看案件：当事人、期限、时间线", casesTag),
		func(ctx context.Context, in *idPath) (*Body[CaseOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			return h.caseOut(ctx, id)
		})

	type timelineInput struct {
		ID string `path:"id"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/cases/{id}/timeline", "listCaseTimeline", "案件时间线的全部记录（最近的在前，分页）", casesTag),
		func(ctx context.Context, in *timelineInput) (*Body[List[EventOut]], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			pg, err := cases.Timeline(ctx, h.DB, id, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, eventOut)), nil
		})

	change := func(path, id, summary string) huma.Operation {
		o := op(http.MethodPost, path, id, summary, casesTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		return o
	}
	type transitionInput struct {
		ID   string `path:"id"`
		Body struct {
			To               string `json:"to" enum:"in_progress,suspended,deferred,performed,zhongben,terminated,not_enforced,rejected,cancelled,settlement_long_term"`
			Reason           string `json:"reason" maxLength:"1000"`
			Until            string `json:"until,omitempty" doc:"暂缓执行的截止日期（CLOCK-9）"`
			PerformedOutside bool   `json:"performed_outside,omitempty" doc:"执行完毕时确认被执行人已在案款账户外直接履行"`
		}
	}
	huma.Register(a, change("/cases/{id}/transitions", "transitionCase", "变更案件状态；不满足条件时 409 并列明原因"),
		func(ctx context.Context, in *transitionInput) (*Body[CaseOut], error) {
			until, err := date(in.Body.Until, "body.until")
			if err != nil {
				return nil, err
			}
			return h.caseChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
				return cases.Transition(ctx, tx, id, cases.TransitionInput{To: in.Body.To, Reason: in.Body.Reason, Until: until,
					PerformedOutside: in.Body.PerformedOutside})
			})
		})

	type assignInput struct {
		ID   string `path:"id"`
		Body struct {
			Lane      string `json:"lane,omitempty" enum:"fast,ordinary,financial,preservation,restoration_objection"`
			TeamID    string `json:"team_id,omitempty"`
			HandlerID string `json:"handler_id,omitempty" doc:"不填则按工作量自动确定"`
			Reason    string `json:"reason" maxLength:"1000"`
		}
	}
	huma.Register(a, change("/cases/{id}/assignment", "assignCase", "改派：调整分流通道、团队或承办人（须写明理由）"),
		func(ctx context.Context, in *assignInput) (*Body[CaseOut], error) {
			team, err := parseOptionalID(in.Body.TeamID, "body.team_id")
			if err != nil {
				return nil, err
			}
			handler, err := parseOptionalID(in.Body.HandlerID, "body.handler_id")
			if err != nil {
				return nil, err
			}
			return h.caseChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
				return cases.Assign(ctx, tx, id, cases.AssignmentInput{Lane: in.Body.Lane, TeamID: team, HandlerID: handler, Reason: in.Body.Reason})
			})
		})

	type deductionInput struct {
		ID   string `path:"id"`
		Body struct {
			Kind   string `json:"kind" enum:"appraisal,suspension,defer_settlement,defer_ordered,auction,notice,other"`
			From   string `json:"from"`
			To     string `json:"to"`
			Reason string `json:"reason" maxLength:"1000"`
		}
	}
	huma.Register(a, change("/cases/{id}/clock/deductions", "requestDeduction", "申请扣除审限（CLOCK-8），批准后计入"),
		func(ctx context.Context, in *deductionInput) (*Body[CaseOut], error) {
			from, err := date(in.Body.From, "body.from")
			if err != nil {
				return nil, err
			}
			to, err := date(in.Body.To, "body.to")
			if err != nil {
				return nil, err
			}
			return h.caseChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
				return cases.RequestDeduction(ctx, tx, id, cases.DeductionInput{Kind: in.Body.Kind, From: from, To: to, Reason: in.Body.Reason})
			})
		})

	type extensionInput struct {
		ID   string `path:"id"`
		Body struct {
			Months int    `json:"months" minimum:"1" maximum:"12"`
			Reason string `json:"reason" maxLength:"1000"`
		}
	}
	huma.Register(a, change("/cases/{id}/clock/extensions", "requestExtension", "申请延长执行期限（CLOCK-3：期满前若干日提出、不超过若干个月，按本院现行规则参数，初始为 5 日、3 个月）"),
		func(ctx context.Context, in *extensionInput) (*Body[CaseOut], error) {
			return h.caseChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
				return cases.RequestExtension(ctx, tx, id, in.Body.Months, in.Body.Reason)
			})
		})

	type decisionInput struct {
		ID      string `path:"id"`
		EntryID string `path:"entry_id"`
		Body    struct {
			Approve bool   `json:"approve"`
			Note    string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	huma.Register(a, change("/cases/{id}/clock/entries/{entry_id}/decision", "decideClockEntry", "审批扣除审限或延长期限"),
		func(ctx context.Context, in *decisionInput) (*Body[CaseOut], error) {
			entry, err := parseID(in.EntryID, "path.entry_id")
			if err != nil {
				return nil, err
			}
			return h.caseChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
				return cases.DecideEntry(ctx, tx, id, entry, in.Body.Approve, in.Body.Note)
			})
		})

	type overviewOut struct {
		Party  PartyOut       `json:"party"`
		Cases  []PartyCaseOut `json:"cases" nullable:"false"`
		Assets []AssetOut     `json:"assets" nullable:"false" doc:"该当事人的全部财产及其上的全部控制措施（跨案件、跨法院，按首封、轮候顺位）"`
	}
	huma.Register(a, op(http.MethodGet, "/parties/{id}/overview", "partyOverview", "当事人视图：该当事人的全部案件、财产、控制措施及其顺位", casesTag),
		func(ctx context.Context, in *idPath) (*Body[overviewOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			o, err := cases.GetPartyOverview(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			list, err := assets.ForParty(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			out := overviewOut{Cases: []PartyCaseOut{}, Assets: []AssetOut{}}
			for _, a := range list {
				out.Assets = append(out.Assets, assetOut(a))
			}
			p := o.Party
			out.Party = PartyOut{PartyID: p.PartyID.String(), Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, IDChecked: p.IDChecked,
				LegalRep: p.LegalRep, Phone: p.Phone, Address: p.Address}
			for _, c := range o.Cases {
				out.Cases = append(out.Cases, PartyCaseOut{c.CaseID.String(), c.CaseNo, c.CourtID.String(), c.Role, c.Status, c.Closure, c.ClaimAmountFen, c.FiledOn.String(), c.PartyNames})
			}
			return body(out), nil
		})
}

func (h *handlers) caseChange(ctx context.Context, rawID string, fn func(context.Context, *store.Tx, uuid.UUID) (*cases.Case, error)) (*Body[CaseOut], error) {
	return change(ctx, h.DB, rawID, fn, caseOut)
}

// PartyCaseOut is one case of a party in the debtor view.
type PartyCaseOut struct {
	CaseID         string `json:"case_id"`
	CaseNo         string `json:"case_no"`
	CourtID        string `json:"court_id"`
	Role           string `json:"role" enum:"applicant,respondent"`
	Status         string `json:"status"`
	Closure        string `json:"closure,omitempty"`
	ClaimAmountFen int64  `json:"claim_amount_fen"`
	FiledOn        string `json:"filed_on"`
	PartyNames     string `json:"party_names"`
}

// RuleSetOut is a triage rule set version.
type RuleSetOut struct {
	ID          string        `json:"id"`
	CourtID     *string       `json:"court_id" doc:"为空表示全平台默认规则"`
	Version     int           `json:"version"`
	Rules       []triage.Rule `json:"rules"`
	Note        string        `json:"note,omitempty"`
	Active      bool          `json:"active"`
	CreatedBy   string        `json:"created_by"`
	CreatedAt   time.Time     `json:"created_at"`
	ActivatedAt *time.Time    `json:"activated_at,omitempty"`
}

func ruleSetOut(r *intake.RuleSetInfo) RuleSetOut {
	return RuleSetOut{ID: r.ID.String(), CourtID: optionalID(r.CourtID), Version: r.Version, Rules: r.Rules, Note: r.Note,
		Active: r.Active, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), ActivatedAt: instant(r.ActivatedAt)}
}

func (h *handlers) triage(a huma.API) {
	const tag = "繁简分流规则"
	type listInput struct {
		CourtID string `query:"court_id" doc:"法院 ID；不填为全平台默认规则"`
	}
	huma.Register(a, op(http.MethodGet, "/triage/rule-sets", "listRuleSets", "列出分流规则的各版本", tag),
		func(ctx context.Context, in *listInput) (*Body[List[RuleSetOut]], error) {
			court, err := parseOptionalID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			rs, err := intake.RuleSets(ctx, h.DB, court)
			if err != nil {
				return nil, err
			}
			out := List[RuleSetOut]{Items: []RuleSetOut{}}
			for _, r := range rs {
				out.Items = append(out.Items, ruleSetOut(r))
			}
			return body(out), nil
		})
	type saveInput struct {
		Body struct {
			CourtID  string        `json:"court_id,omitempty"`
			Rules    []triage.Rule `json:"rules" maxItems:"200"`
			Note     string        `json:"note,omitempty" maxLength:"1000"`
			Activate bool          `json:"activate,omitempty" doc:"保存后立即启用"`
		}
	}
	huma.Register(a, op(http.MethodPost, "/triage/rule-sets", "saveRuleSet", "保存新版本分流规则（校验表达式，错误给出位置）", tag),
		func(ctx context.Context, in *saveInput) (*Body[RuleSetOut], error) {
			court, err := parseOptionalID(in.Body.CourtID, "body.court_id")
			if err != nil {
				return nil, err
			}
			r, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*intake.RuleSetInfo, error) {
				return intake.SaveRuleSet(ctx, tx, court, in.Body.Rules, in.Body.Note, in.Body.Activate)
			})
			if err != nil {
				return nil, err
			}
			return body(ruleSetOut(r)), nil
		})
	activate := op(http.MethodPost, "/triage/rule-sets/{id}/activation", "activateRuleSet", "启用某一版本", tag)
	activate.DefaultStatus = http.StatusOK
	huma.Register(a, activate, func(ctx context.Context, in *idPath) (*Body[RuleSetOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		r, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*intake.RuleSetInfo, error) {
			return intake.ActivateRuleSet(ctx, tx, id)
		})
		if err != nil {
			return nil, err
		}
		return body(ruleSetOut(r)), nil
	})
	type dryRunInput struct {
		Body struct {
			CourtID string        `json:"court_id"`
			Rules   []triage.Rule `json:"rules" maxItems:"200"`
		}
	}
	type moveOut struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Count int    `json:"count"`
	}
	type dryRunOut struct {
		CurrentVersion int                 `json:"current_version"`
		Total          int                 `json:"total" doc:"试算的历史案件数"`
		Moved          int                 `json:"moved" doc:"分流结果会改变的案件数"`
		Moves          []moveOut           `json:"moves" nullable:"false"`
		ByLane         map[string][2]int   `json:"by_lane" doc:"各通道：[现行规则, 新规则] 案件数"`
		Examples       map[string][]string `json:"examples" doc:"“原通道→新通道”的案号示例"`
	}
	dry := op(http.MethodPost, "/triage/dry-run", "dryRunRuleSet", "试算：新规则会使多少历史案件改变分流", tag)
	dry.DefaultStatus = http.StatusOK
	huma.Register(a, dry, func(ctx context.Context, in *dryRunInput) (*Body[dryRunOut], error) {
		court, err := parseID(in.Body.CourtID, "body.court_id")
		if err != nil {
			return nil, err
		}
		res, err := intake.DryRun(ctx, h.DB, court, in.Body.Rules)
		if err != nil {
			return nil, err
		}
		moves := []moveOut{}
		for _, m := range res.Moves {
			moves = append(moves, moveOut{m.From, m.To, m.Count})
		}
		return body(dryRunOut{CurrentVersion: res.CurrentVersion, Total: res.Total, Moved: res.Moved, Moves: moves,
			ByLane: res.ByLane, Examples: res.Examples}), nil
	})
}
