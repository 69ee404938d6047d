package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

const supTag = "督办"

// SupItemOut is a supervision item (督办事项).
type SupItemOut struct {
	ID             string        `json:"id"`
	CourtID        string        `json:"court_id"`
	CaseID         string        `json:"case_id"`
	CaseNo         string        `json:"case_no"`
	TeamID         *string       `json:"team_id,omitempty"`
	HandlerID      *string       `json:"handler_id,omitempty"`
	SubjectKind    string        `json:"subject_kind" doc:"督办对象：case 案件、control 冻结查封、account 案款"`
	SubjectID      string        `json:"subject_id"`
	Source         string        `json:"source" doc:"rule 规则自动发起、manual 人工发起、list 督办清单"`
	RuleID         string        `json:"rule_id,omitempty"`
	RuleVersion    int           `json:"rule_version"`
	Module         string        `json:"module"`
	ModuleLabel    string        `json:"module_label"`
	Severity       string        `json:"severity"`
	Title          string        `json:"title"`
	Detail         string        `json:"detail"`
	Status         string        `json:"status" doc:"warning 预警、open 待答复、answered 已答复待审核、closed 已办结"`
	StatusLabel    string        `json:"status_label"`
	Level          int           `json:"level" doc:"1 承办人、2 团队长、3 执行局长、4 院长（SUP-3）"`
	LevelLabel     string        `json:"level_label"`
	AssigneeID     *string       `json:"assignee_id,omitempty"`
	AssigneeName   string        `json:"assignee_name"`
	DueOn          string        `json:"due_on" doc:"节点日"`
	RaisedOn       *string       `json:"raised_on,omitempty"`
	AnswerDue      *string       `json:"answer_due,omitempty"`
	EscalateOn     *string       `json:"escalate_on,omitempty" doc:"逾期未答复时升级到下一级的日期"`
	Overdue        bool          `json:"overdue"`
	ListID         *string       `json:"list_id,omitempty"`
	Answer         string        `json:"answer,omitempty"`
	AnsweredOn     *string       `json:"answered_on,omitempty"`
	AnsweredByName string        `json:"answered_by_name,omitempty"`
	OnTime         *bool         `json:"on_time,omitempty" doc:"是否在答复期限内答复（MET-13）"`
	ClosedOn       *string       `json:"closed_on,omitempty"`
	ClosedByName   string        `json:"closed_by_name,omitempty"`
	CloseReason    string        `json:"close_reason,omitempty" doc:"accepted 审核通过、cleared 条件消除、withdrawn 撤销"`
	HandlingDays   *int          `json:"handling_days,omitempty"`
	RaisedByName   string        `json:"raised_by_name"`
	CreatedAt      time.Time     `json:"created_at"`
	Events         []SupEventOut `json:"events,omitempty"`
}

// SupEventOut is one step of an item's history.
type SupEventOut struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Label     string    `json:"label"`
	Level     int       `json:"level"`
	ActorName string    `json:"actor_name"`
	Note      string    `json:"note,omitempty"`
}

func dateStr(d *legal.Date) *string {
	if d == nil || d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func supItemOut(it *supervise.Item) SupItemOut {
	o := SupItemOut{ID: it.ID.String(), CourtID: it.CourtID.String(), CaseID: it.CaseID.String(), CaseNo: it.CaseNo, TeamID: optionalID(it.TeamID),
		HandlerID: optionalID(it.HandlerID), SubjectKind: it.Subject.Kind, SubjectID: it.Subject.ID.String(), Source: it.Source,
		RuleID: it.RuleID, RuleVersion: it.RuleVersion, Module: it.Module, ModuleLabel: supervise.ModuleLabel(it.Module), Severity: it.Severity,
		Title: it.Title, Detail: it.Detail, Status: it.Status, StatusLabel: supervise.StatusLabel(it.Status), Level: it.Level,
		LevelLabel: supervise.LevelLabel(it.Level), AssigneeID: optionalID(it.AssigneeID), AssigneeName: it.AssigneeName,
		DueOn: it.DueOn.String(), RaisedOn: dateStr(it.RaisedOn), AnswerDue: dateStr(it.AnswerDue), EscalateOn: dateStr(it.EscalateOn),
		Overdue: it.Overdue(legal.Today(time.Now())), ListID: optionalID(it.ListID), Answer: it.Answer, AnsweredOn: dateStr(it.AnsweredOn),
		AnsweredByName: it.AnsweredByName, OnTime: it.OnTime, ClosedOn: dateStr(it.ClosedOn), ClosedByName: it.ClosedByName,
		CloseReason: it.CloseReason, HandlingDays: it.HandlingDays, RaisedByName: it.RaisedByName, CreatedAt: it.CreatedAt}
	for _, e := range it.Events {
		o.Events = append(o.Events, SupEventOut{At: e.At, Kind: e.Kind, Label: supervise.EventLabel(e.Kind), Level: e.Level,
			ActorName: e.ActorName, Note: e.Note})
	}
	return o
}

// SupListOut is a supervision list (督办清单) with its progress.
type SupListOut struct {
	ID           string    `json:"id"`
	CourtID      string    `json:"court_id"`
	TeamID       string    `json:"team_id"`
	TeamName     string    `json:"team_name"`
	Title        string    `json:"title"`
	Note         string    `json:"note,omitempty"`
	Deadline     string    `json:"deadline"`
	Items        int       `json:"items"`
	Open         int       `json:"open"`
	Answered     int       `json:"answered"`
	Closed       int       `json:"closed"`
	Overdue      int       `json:"overdue"`
	IssuedByName string    `json:"issued_by_name"`
	CreatedAt    time.Time `json:"created_at"`
}

func supListOut(l *supervise.SupList) SupListOut {
	return SupListOut{ID: l.ID.String(), CourtID: l.CourtID.String(), TeamID: l.TeamID.String(), TeamName: l.TeamName, Title: l.Title,
		Note: l.Note, Deadline: l.Deadline.String(), Items: l.ItemCount, Open: l.Open, Answered: l.Answered, Closed: l.Closed,
		Overdue: l.Overdue, IssuedByName: l.IssuedByName, CreatedAt: l.CreatedAt}
}

// SupRule is one supervision rule (督办规则).
type SupRule struct {
	ID         string `json:"id" doc:"编号：小写英文字母、数字、下划线"`
	Name       string `json:"name" doc:"名称（中文）"`
	Module     string `json:"module" doc:"督办模块：statistics、disposal、nodes、overdue、zhongben、funds"`
	Subject    string `json:"subject" doc:"督办对象：case 案件、control 冻结查封、account 案款"`
	Anchor     string `json:"anchor" doc:"起算日期：对象的一个日期事实，如 filed_on、deadline、term_to、due_on"`
	OffsetDays int    `json:"offset_days" doc:"节点日 = 起算日期 + 天数（负数为之前），遇休息日顺延"`
	WarnDays   int    `json:"warn_days" doc:"节点日前几日预警（SUP-2），0 不预警"`
	When       string `json:"when" doc:"督办条件：对象事实上的表达式，节点日到来时成立即发起督办"`
	Severity   string `json:"severity" doc:"low 提示、normal 一般、high 紧急"`
	AnswerDays int    `json:"answer_days" doc:"答复期限（日）"`
	Escalation []int  `json:"escalation,omitempty" required:"false" doc:"逾期未答复时依次升级到团队长、执行局长、院长的天数（自发起之日起），如 [3,7,15]"`
	Enabled    bool   `json:"enabled"`
	Note       string `json:"note,omitempty" doc:"依据，如 NODE-1"`
}

func supRulesOut(rs []supervise.Rule) []SupRule {
	out := make([]SupRule, len(rs))
	for i, r := range rs {
		out[i] = SupRule(r)
	}
	return out
}

func supRulesIn(rs []SupRule) []supervise.Rule {
	out := make([]supervise.Rule, len(rs))
	for i, r := range rs {
		out[i] = supervise.Rule(r)
	}
	return out
}

// SupRuleSetOut is one version of a court's supervision rules.
type SupRuleSetOut struct {
	Version       int               `json:"version" doc:"0 为内置默认规则"`
	Active        bool              `json:"active"`
	Note          string            `json:"note,omitempty"`
	Rules         []SupRule         `json:"rules" nullable:"false"`
	CreatedByName string            `json:"created_by_name"`
	CreatedAt     *time.Time        `json:"created_at,omitempty"`
	ActivatedAt   *time.Time        `json:"activated_at,omitempty"`
	Rewatch       *SupRewatchOutput `json:"rewatch,omitempty" doc:"启用后重新评估在办对象的进度"`
}

// SupRewatchOutput is the progress of the re-evaluation after activation.
type SupRewatchOutput struct {
	Total    int        `json:"total"`
	Done     int        `json:"done"`
	Finished *time.Time `json:"finished_at,omitempty"`
}

func supRuleSetOut(v *supervise.Version) SupRuleSetOut {
	o := SupRuleSetOut{Version: v.Version, Active: v.Active, Note: v.Note, Rules: supRulesOut(v.Rules), CreatedByName: v.CreatedByName,
		CreatedAt: instant(v.CreatedAt), ActivatedAt: v.ActivatedAt}
	if v.ActivatedAt != nil {
		o.Rewatch = &SupRewatchOutput{Total: v.RewatchTotal, Done: v.RewatchDone, Finished: v.RewatchedAt}
	}
	return o
}

// SupRulesOut is a court's rules: the one in force and the stored versions.
type SupRulesOut struct {
	CourtID  string          `json:"court_id"`
	Active   SupRuleSetOut   `json:"active"`
	Versions []SupRuleSetOut `json:"versions" nullable:"false"`
}

// SupDryRunOut is a dry run's answer.
type SupDryRunOut struct {
	Today      string               `json:"today"`
	Population map[string]int       `json:"population" doc:"各类在办对象数"`
	Examined   map[string]int       `json:"examined" doc:"实际评估的对象数（对象过多时抽样）"`
	Sampled    bool                 `json:"sampled" doc:"结果是否由抽样估计"`
	NowTotal   int                  `json:"now_total" doc:"启用后立即产生的督办事项数（估计）"`
	Mass       bool                 `json:"mass" doc:"是否超过提醒线，启用时须确认"`
	Warning    string               `json:"warning,omitempty"`
	Rules      []SupRuleEstimateOut `json:"rules" nullable:"false"`
}

// SupRuleEstimateOut is one rule's figures in a dry run.
type SupRuleEstimateOut struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Now      int    `json:"now" doc:"立即产生的督办事项"`
	Warnings int    `json:"warnings" doc:"立即产生的预警"`
	Next30   int    `json:"next_30_days" doc:"今后 30 日内到期的督办事项"`
}

// SupTeamStatsOut is MET-13 for a team.
type SupTeamStatsOut struct {
	TeamID     *string  `json:"team_id,omitempty"`
	TeamName   string   `json:"team_name"`
	Raised     int64    `json:"raised"`
	Closed     int64    `json:"closed"`
	Open       int64    `json:"open"`
	Answered   int64    `json:"answered"`
	Late       int64    `json:"late"`
	MeanDays   *float64 `json:"mean_days,omitempty" doc:"MET-13 平均办理天数 = 平均(办结 − 发起)"`
	OnTimeRate *float64 `json:"on_time_rate,omitempty" doc:"MET-13 按期答复率"`
}

func (h *handlers) supervision(a huma.API) {
	type itemsInput struct {
		ListParams
		CourtID   string `query:"court_id"`
		Status    string `query:"status" enum:"warning,open,answered,closed,live"`
		Module    string `query:"module"`
		Level     int    `query:"level" minimum:"0" maximum:"4"`
		Mine      bool   `query:"mine" doc:"只看交给本人的"`
		TeamID    string `query:"team_id"`
		HandlerID string `query:"handler_id"`
		CaseID    string `query:"case_id"`
		ListID    string `query:"list_id"`
		Overdue   bool   `query:"overdue" doc:"只看逾期未答复的"`
	}
	huma.Register(a, op(http.MethodGet, "/supervision/items", "listSupervisionItems", "列出督办事项（按节点日排序）", supTag),
		func(ctx context.Context, in *itemsInput) (*Body[List[SupItemOut]], error) {
			f := supervise.Filter{Status: in.Status, Module: in.Module, Level: in.Level, Mine: in.Mine, Overdue: in.Overdue}
			for _, x := range []struct {
				raw, field string
				to         *uuid.UUID
			}{{in.CourtID, "query.court_id", &f.CourtID}, {in.TeamID, "query.team_id", &f.TeamID}, {in.HandlerID, "query.handler_id", &f.HandlerID},
				{in.CaseID, "query.case_id", &f.CaseID}, {in.ListID, "query.list_id", &f.ListID}} {
				id, err := parseOptionalID(x.raw, x.field)
				if err != nil {
					return nil, err
				}
				*x.to = id
			}
			pg, err := supervise.List(ctx, h.DB, f, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, supItemOut)), nil
		})
	huma.Register(a, op(http.MethodGet, "/supervision/items/{id}", "getSupervisionItem", "查看督办事项及其经过", supTag),
		func(ctx context.Context, in *idPath) (*Body[SupItemOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			it, err := supervise.Get(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(supItemOut(it)), nil
		})
	type raiseInput struct {
		Body struct {
			CaseID     string `json:"case_id"`
			Title      string `json:"title" maxLength:"100"`
			Detail     string `json:"detail,omitempty" maxLength:"2000"`
			Module     string `json:"module,omitempty" doc:"默认 statistics（督办综合统计）"`
			Severity   string `json:"severity,omitempty" enum:"low,normal,high"`
			AnswerDays int    `json:"answer_days,omitempty" minimum:"0" maximum:"90" doc:"答复期限（日），默认 3"`
		}
	}
	ro := op(http.MethodPost, "/supervision/items", "raiseSupervisionItem", "人工发起督办（指挥中心，或上级法院督办下级法院的案件，SUP-6）", supTag)
	ro.Errors = append(ro.Errors, 404)
	huma.Register(a, ro, func(ctx context.Context, in *raiseInput) (*Body[SupItemOut], error) {
		caseID, err := parseID(in.Body.CaseID, "body.case_id")
		if err != nil {
			return nil, err
		}
		it, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*supervise.Item, error) {
			return supervise.Raise(ctx, tx, supervise.ManualInput{CaseID: caseID, Title: in.Body.Title, Detail: in.Body.Detail,
				Module: in.Body.Module, Severity: in.Body.Severity, AnswerDays: in.Body.AnswerDays})
		})
		if err != nil {
			return nil, err
		}
		return body(supItemOut(it)), nil
	})
	type textInput struct {
		ID   string `path:"id"`
		Body struct {
			Text string `json:"text" maxLength:"2000" doc:"答复内容、审核意见、退回或撤销理由"`
		}
	}
	for _, act := range []struct {
		path, id, summary string
		fn                func(context.Context, *store.Tx, uuid.UUID, string) (*supervise.Item, error)
	}{
		{"answer", "answerSupervisionItem", "答复督办事项（承办人：办理情况或未按期的原因）", supervise.Answer},
		{"closure", "closeSupervisionItem", "审核答复并办结督办事项", supervise.Close},
		{"return", "returnSupervisionItem", "退回答复，要求继续办理", supervise.Return},
		{"withdrawal", "withdrawSupervisionItem", "撤销误发的督办事项", supervise.Withdraw},
	} {
		o := op(http.MethodPost, "/supervision/items/{id}/"+act.path, act.id, act.summary, supTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		fn := act.fn
		huma.Register(a, o, func(ctx context.Context, in *textInput) (*Body[SupItemOut], error) {
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*supervise.Item, error) {
				return fn(ctx, tx, id, in.Body.Text)
			}, supItemOut)
		})
	}

	type listsInput struct {
		ListParams
		TeamID string `query:"team_id"`
	}
	huma.Register(a, op(http.MethodGet, "/supervision/lists", "listSupervisionLists", "列出督办清单（新下发的在前）及其进度", supTag),
		func(ctx context.Context, in *listsInput) (*Body[List[SupListOut]], error) {
			team, err := parseOptionalID(in.TeamID, "query.team_id")
			if err != nil {
				return nil, err
			}
			pg, err := supervise.Lists(ctx, h.DB, team, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, supListOut)), nil
		})
	huma.Register(a, op(http.MethodGet, "/supervision/lists/{id}", "getSupervisionList", "查看督办清单及其进度", supTag),
		func(ctx context.Context, in *idPath) (*Body[SupListOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			l, err := supervise.GetList(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(supListOut(l)), nil
		})
	type issueInput struct {
		Body struct {
			TeamID   string   `json:"team_id"`
			Title    string   `json:"title" maxLength:"100"`
			Note     string   `json:"note,omitempty" maxLength:"2000" doc:"督办要求"`
			Deadline string   `json:"deadline" doc:"办理期限 YYYY-MM-DD"`
			CaseIDs  []string `json:"case_ids" maxItems:"1000"`
		}
	}
	huma.Register(a, op(http.MethodPost, "/supervision/lists", "issueSupervisionList", "向团队下发督办清单：清单中每件案件成为一项督办事项", supTag),
		func(ctx context.Context, in *issueInput) (*Body[SupListOut], error) {
			team, err := parseID(in.Body.TeamID, "body.team_id")
			if err != nil {
				return nil, err
			}
			deadline, err := date(in.Body.Deadline, "body.deadline")
			if err != nil {
				return nil, err
			}
			ids, err := parseIDs(in.Body.CaseIDs, "body.case_ids")
			if err != nil {
				return nil, err
			}
			l, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*supervise.SupList, error) {
				return supervise.IssueList(ctx, tx, supervise.ListInput{TeamID: team, Title: in.Body.Title, Note: in.Body.Note,
					Deadline: deadline, CaseIDs: ids})
			})
			if err != nil {
				return nil, err
			}
			return body(supListOut(l)), nil
		})

	type courtQuery struct {
		CourtID string `query:"court_id" required:"true"`
	}
	huma.Register(a, op(http.MethodGet, "/supervision/rules", "getSupervisionRules", "本院正在执行的督办规则及各版本", supTag),
		func(ctx context.Context, in *courtQuery) (*Body[SupRulesOut], error) {
			court, err := parseID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			versions, err := supervise.Versions(ctx, h.DB, court)
			if err != nil {
				return nil, err
			}
			out := SupRulesOut{CourtID: court.String(), Versions: []SupRuleSetOut{}}
			def, err := supervise.GetVersion(ctx, h.DB, court, 0)
			if err != nil {
				return nil, err
			}
			out.Active = supRuleSetOut(def)
			out.Active.Active = true
			for _, v := range versions {
				o := supRuleSetOut(v)
				if v.Active {
					out.Active = o
				}
				out.Versions = append(out.Versions, o)
			}
			return body(out), nil
		})
	type versionInput struct {
		CourtID string `query:"court_id" required:"true"`
		Version int    `path:"version" minimum:"0"`
	}
	huma.Register(a, op(http.MethodGet, "/supervision/rules/{version}", "getSupervisionRuleVersion", "查看督办规则的一个版本（0 为内置默认规则）", supTag),
		func(ctx context.Context, in *versionInput) (*Body[SupRuleSetOut], error) {
			court, err := parseID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			v, err := supervise.GetVersion(ctx, h.DB, court, in.Version)
			if err != nil {
				return nil, err
			}
			return body(supRuleSetOut(v)), nil
		})
	type rulesBody struct {
		CourtID string    `json:"court_id"`
		Rules   []SupRule `json:"rules" maxItems:"100"`
		Note    string    `json:"note,omitempty" maxLength:"500"`
	}
	huma.Register(a, op(http.MethodPost, "/supervision/rules", "saveSupervisionRules",
		"保存督办规则为新版本（不立即启用）；条件无法编译或引用未知事实时逐条指出位置", supTag),
		func(ctx context.Context, in *struct{ Body rulesBody }) (*Body[SupRuleSetOut], error) {
			court, err := parseID(in.Body.CourtID, "body.court_id")
			if err != nil {
				return nil, err
			}
			v, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*supervise.Version, error) {
				return supervise.Save(ctx, tx, court, supRulesIn(in.Body.Rules), in.Body.Note)
			})
			if err != nil {
				return nil, err
			}
			return body(supRuleSetOut(v)), nil
		})
	do := op(http.MethodPost, "/supervision/rules/dry-run", "dryRunSupervisionRules",
		"试运行督办规则：估计启用后立即产生、预警和 30 日内到期的督办事项数；不写入任何数据", supTag)
	do.DefaultStatus = http.StatusOK
	huma.Register(a, do, func(ctx context.Context, in *struct{ Body rulesBody }) (*Body[SupDryRunOut], error) {
		court, err := parseID(in.Body.CourtID, "body.court_id")
		if err != nil {
			return nil, err
		}
		dr, err := supervise.DryRun(ctx, h.DB, court, supRulesIn(in.Body.Rules))
		if err != nil {
			return nil, err
		}
		out := SupDryRunOut{Today: dr.Today.String(), Population: dr.Population, Examined: dr.Examined, Sampled: dr.Sampled,
			NowTotal: dr.NowTotal(), Mass: dr.Mass(), Rules: []SupRuleEstimateOut{}}
		if dr.Mass() {
			out.Warning = dr.MassWarning()
		}
		for _, r := range dr.Rules {
			out.Rules = append(out.Rules, SupRuleEstimateOut{ID: r.ID, Name: r.Name, Now: r.Now, Warnings: r.Warnings, Next30: r.Next30})
		}
		return body(out), nil
	})
	type activateInput struct {
		Version int `path:"version" minimum:"1"`
		Body    struct {
			CourtID         string `json:"court_id"`
			AcknowledgeMass bool   `json:"acknowledge_mass,omitempty" doc:"试运行提示将产生大量督办事项时，确认仍要启用"`
		}
	}
	ao := op(http.MethodPost, "/supervision/rules/{version}/activation", "activateSupervisionRules",
		"启用督办规则的一个版本，并在后台用新规则重新评估本院全部在办对象", supTag)
	ao.DefaultStatus = http.StatusOK
	ao.Errors = append(ao.Errors, 404)
	huma.Register(a, ao, func(ctx context.Context, in *activateInput) (*Body[SupRuleSetOut], error) {
		court, err := parseID(in.Body.CourtID, "body.court_id")
		if err != nil {
			return nil, err
		}
		v, err := supervise.Activate(ctx, h.DB, court, in.Version, in.Body.AcknowledgeMass)
		if err != nil {
			return nil, err
		}
		return body(supRuleSetOut(v)), nil
	})
	type statsInput struct {
		CourtID string `query:"court_id" required:"true"`
		From    string `query:"from" required:"true"`
		To      string `query:"to" required:"true"`
	}
	huma.Register(a, op(http.MethodGet, "/supervision/stats", "supervisionStats", "各团队督办办理情况（MET-13：平均办理天数、按期答复率）", supTag),
		func(ctx context.Context, in *statsInput) (*Body[[]SupTeamStatsOut], error) {
			court, err := parseID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			from, err := date(in.From, "query.from")
			if err != nil {
				return nil, err
			}
			to, err := date(in.To, "query.to")
			if err != nil {
				return nil, err
			}
			if from.IsZero() || to.IsZero() {
				return nil, apperr.InvalidField("invalid_date", "query.from", "请填写起止日期（YYYY-MM-DD）")
			}
			// MET-13 as GET /kpis counts it (one reader: metrics).
			rows, err := metrics.SupervisionStats(ctx, h.DB, metrics.Query{From: from, To: to, GroupBy: metrics.ByTeam, CourtID: court})
			if err != nil {
				return nil, err
			}
			plain := make([]metrics.Row, len(rows))
			for i, r := range rows {
				plain[i] = r.Row
			}
			names, err := metrics.Labels(ctx, h.DB, metrics.ByTeam, plain)
			if err != nil {
				return nil, err
			}
			out := make([]SupTeamStatsOut, 0, len(rows))
			for _, r := range rows {
				f := r.Supervision
				team, _ := uuid.Parse(r.Key)
				out = append(out, SupTeamStatsOut{TeamID: optionalID(team), TeamName: names[r.Key], Raised: f.Raised, Closed: f.Closed,
					Open: f.Raised - f.Closed, Answered: f.Answered, Late: f.Late, MeanDays: ratio(f.HandlingDays, f.Closed), OnTimeRate: ratio(f.Answered-f.Late, f.Answered)})
			}
			slices.SortFunc(out, func(a, b SupTeamStatsOut) int { return strings.Compare(a.TeamName, b.TeamName) })
			return body(out), nil
		})
}
