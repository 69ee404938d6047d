package api

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

const rulesTag = "规则参数"

// RuleParamRowOut is one stored value of a rule parameter.
type RuleParamRowOut struct {
	ID            string    `json:"id"`
	CourtCode     string    `json:"court_code,omitempty" example:"粤0607" doc:"所属法院代字；全平台默认值没有"`
	Value         string    `json:"value" example:"6" doc:"规范形式：十进制整数，或 true / false"`
	ValueText     string    `json:"value_text" example:"6 个月"`
	EffectiveFrom string    `json:"effective_from" example:"2026-07-01" doc:"自此日（北京时间）起施行"`
	Citation      string    `json:"citation"`
	Note          string    `json:"note,omitempty"`
	SetBy         string    `json:"set_by"`
	SetAt         time.Time `json:"set_at"`
	Status        string    `json:"status" enum:"pending,in_force,superseded" doc:"pending 待生效；in_force 在其范围内生效中；superseded 已被更晚的取值取代"`
	StatusLabel   string    `json:"status_label" example:"待生效"`
	Applies       bool      `json:"applies" doc:"所查范围今天适用的正是这一行（全平台的生效值在本院另有规定时不适用）"`
}

// RuleParamOut is a rule parameter (a value of a rule DOMAIN.md tags C) with
// the value in force today and its rows.
type RuleParamOut struct {
	RuleID        string            `json:"rule_id" example:"CLOCK-2"`
	Param         string            `json:"param" example:"term_months"`
	Label         string            `json:"label" example:"执行期限（立案之日起）"`
	Unit          string            `json:"unit" enum:"天,工作日,个月,是否"`
	Type          string            `json:"type" enum:"int,bool"`
	Min           *int              `json:"min,omitempty" doc:"整数取值的下限（含）"`
	Max           *int              `json:"max,omitempty" doc:"整数取值的上限（含）"`
	Seed          string            `json:"seed" example:"6" doc:"DOMAIN.md 所示的初始值"`
	Value         string            `json:"value" example:"6" doc:"今天适用的取值"`
	ValueText     string            `json:"value_text" example:"6 个月"`
	Source        string            `json:"source" enum:"court,platform,builtin" doc:"court 本院规定；platform 全平台默认；builtin 无生效记录时的内置初始值"`
	SourceLabel   string            `json:"source_label" example:"全平台默认"`
	EffectiveFrom string            `json:"effective_from,omitempty" example:"2000-01-01" doc:"今天适用的取值自何日起施行"`
	Citation      string            `json:"citation" doc:"今天适用的取值的依据"`
	History       []RuleParamRowOut `json:"history" nullable:"false" doc:"本院的取值、再是全平台的取值，各按生效日期从晚到早，含待生效的"`
}

// RuleParamsOut is every rule parameter for a scope.
type RuleParamsOut struct {
	CourtCode string         `json:"court_code,omitempty" example:"粤0607" doc:"所查法院；全平台默认值时没有"`
	On        string         `json:"on" example:"2026-05-20" doc:"今天（北京时间）：取值按此日判断是否生效"`
	Items     []RuleParamOut `json:"items" nullable:"false"`
}

func ruleParamOut(e ruleparams.Entry, courtCode string) RuleParamOut {
	p, cur := e.Param, e.Current
	out := RuleParamOut{RuleID: p.RuleID, Param: p.Param, Label: p.Label, Unit: p.Unit, Type: string(p.Type), Seed: p.Seed,
		Value: cur.Value, ValueText: cur.Text(), Source: string(cur.Source), SourceLabel: cur.Source.Label(),
		EffectiveFrom: cur.Row.EffectiveFrom.String(), Citation: cur.Citation(), History: []RuleParamRowOut{}}
	if p.Type == ruleparams.Int {
		out.Min, out.Max = &p.Min, &p.Max
	}
	for _, r := range e.Rows {
		row := RuleParamRowOut{ID: r.ID.String(), Value: r.Value, ValueText: p.Format(r.Value), EffectiveFrom: r.EffectiveFrom.String(),
			Citation: r.Citation, Note: r.Note, SetBy: r.SetBy, SetAt: r.SetAt, Status: string(r.Status), StatusLabel: r.Status.Label(),
			Applies: r.Applies}
		if r.CourtID != uuid.Nil {
			row.CourtCode = courtCode
		}
		out.History = append(out.History, row)
	}
	return out
}

type listRuleParamsInput struct {
	Court string `query:"court" maxLength:"16" example:"粤0607" doc:"法院代字；不填为全平台默认值"`
}

type setRuleParamInput struct {
	Body struct {
		CourtCode     string `json:"court_code,omitempty" maxLength:"16" example:"粤0607" doc:"法院代字；不填为全平台默认值（reference.manage），填写为该院的取值（rules.manage）"`
		RuleID        string `json:"rule_id" maxLength:"20" example:"CLOCK-2"`
		Param         string `json:"param" maxLength:"64" example:"term_months"`
		Value         any    `json:"value" example:"4" doc:"整数，或 true / false；也可写成字符串"`
		EffectiveFrom string `json:"effective_from" maxLength:"10" example:"2026-07-01" doc:"生效日期 YYYY-MM-DD，不早于今天"`
		Citation      string `json:"citation,omitempty" maxLength:"300" doc:"依据；不填为 DOMAIN.md 所列的依据"`
		Note          string `json:"note,omitempty" maxLength:"1000"`
	}
}

type ruleParamIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

func (h *handlers) ruleParams(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/rule-params", "listRuleParams",
		"规则参数（DOMAIN.md 中标注 C 的可配置取值）：今天适用的取值、来源、依据与全部取值记录", rulesTag),
		func(ctx context.Context, in *listRuleParamsInput) (*Body[RuleParamsOut], error) {
			court, err := h.ruleCourt(ctx, in.Court, "query.court")
			if err != nil {
				return nil, err
			}
			entries, err := ruleparams.List(ctx, h.DB, court.ID)
			if err != nil {
				return nil, err
			}
			out := RuleParamsOut{CourtCode: court.Code, On: legal.Today(time.Now()).String(), Items: []RuleParamOut{}}
			for _, e := range entries {
				out.Items = append(out.Items, ruleParamOut(e, court.Code))
			}
			return body(out), nil
		})
	set := op(http.MethodPost, "/rule-params", "setRuleParam",
		"自某日起设置规则参数的取值（不早于今天；同一日期尚未生效的取值予以更正）", rulesTag)
	set.DefaultStatus = http.StatusOK
	huma.Register(a, set,
		func(ctx context.Context, in *setRuleParamInput) (*Body[RuleParamOut], error) {
			b := in.Body
			court, err := h.ruleCourt(ctx, b.CourtCode, "body.court_code")
			if err != nil {
				return nil, err
			}
			from, err := date(b.EffectiveFrom, "body.effective_from")
			if err != nil {
				return nil, err
			}
			s := ruleparams.SetInput{CourtID: court.ID, RuleID: b.RuleID, Param: b.Param, Value: paramValue(b.Value),
				EffectiveFrom: from, Citation: b.Citation, Note: b.Note}
			r, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (ruleparams.Row, error) {
				return ruleparams.Set(ctx, tx, s)
			})
			if err != nil {
				return nil, err
			}
			return h.ruleParamEntry(ctx, court, r.Key)
		})
	huma.Register(a, op(http.MethodDelete, "/rule-params/{id}", "deleteRuleParam",
		"删除尚未生效的规则参数取值（已生效的不能删除）", rulesTag),
		func(ctx context.Context, in *ruleParamIDInput) (*Body[RuleParamOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			r, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (ruleparams.Row, error) {
				return ruleparams.Delete(ctx, tx, id)
			})
			if err != nil {
				return nil, err
			}
			var court org.Court
			if r.CourtID != uuid.Nil {
				if court, err = org.GetCourt(ctx, h.DB, r.CourtID); err != nil {
					return nil, err
				}
			}
			return h.ruleParamEntry(ctx, court, r.Key)
		})
}

// ruleCourt reads an optional court code: the zero Court for the platform.
func (h *handlers) ruleCourt(ctx context.Context, code, field string) (org.Court, error) {
	if code == "" {
		if _, err := access.Must(ctx); err != nil {
			return org.Court{}, err
		}
		return org.Court{}, nil
	}
	return h.courtByCode(ctx, code, field)
}

// ruleParamEntry answers one parameter as it stands for court (the zero
// Court: the platform) after a change.
func (h *handlers) ruleParamEntry(ctx context.Context, court org.Court, k ruleparams.Key) (*Body[RuleParamOut], error) {
	entries, err := ruleparams.List(ctx, h.DB, court.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Param.Key == k {
			return body(ruleParamOut(e, court.Code)), nil
		}
	}
	return nil, apperr.NotFoundf("规则参数 " + k.String())
}

// paramValue turns the JSON value of a parameter into the text
// ruleparams.Param.Parse reads: a number or a boolean as written, a string
// as is, anything else as JSON (which Parse refuses, quoting it).
func paramValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
