package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Metric definitions (MET-0): which case types each KPI counts, as a
// court's versioned data.

// KPIDefinitionMetricOut is one metric of a definition.
type KPIDefinitionMetricOut struct {
	Metric        string   `json:"metric" example:"MET-1"`
	Name          string   `json:"name" example:"结案率"`
	Formula       string   `json:"formula" example:"结案 ÷ (期初未结 + 收案)"`
	CaseTypes     []string `json:"case_types" nullable:"false" example:"[\"first_enforcement\",\"restored_enforcement\"]" doc:"计入分子和分母的案件类型"`
	CaseTypeNames []string `json:"case_type_names" nullable:"false"`
	Closures      []string `json:"closures,omitempty" doc:"MET-4 计入实际执结的结案方式（目前固定为 performed、settlement_long_term）"`
	Note          string   `json:"note,omitempty"`
}

// KPIDefinitionOut is one version of the metric definitions.
type KPIDefinitionOut struct {
	ID            *string                  `json:"id,omitempty" doc:"内置默认口径没有"`
	Source        string                   `json:"source" enum:"court,platform,builtin" doc:"court 法院口径；platform 全平台口径；builtin 内置默认（DOMAIN §13）"`
	CourtID       *string                  `json:"court_id,omitempty"`
	Version       int                      `json:"version" doc:"法院、全平台各自从 1 起；内置默认为 0"`
	EffectiveFrom string                   `json:"effective_from,omitempty" doc:"自此日起施行：截止日在此日及以后的统计按此口径"`
	Label         string                   `json:"label" example:"本院口径第 2 版（2026-01-01 起）"`
	Status        string                   `json:"status" enum:"in_force,pending,superseded" doc:"在其范围（本院或全平台）内：生效中、待生效、已被取代"`
	Applies       bool                     `json:"applies" doc:"所查法院在所查日期适用的正是这一版"`
	Citation      string                   `json:"citation"`
	Note          string                   `json:"note,omitempty"`
	CreatedBy     string                   `json:"created_by,omitempty"`
	CreatedAt     *time.Time               `json:"created_at,omitempty"`
	Metrics       []KPIDefinitionMetricOut `json:"metrics" nullable:"false"`
}

// KPIDefinitionsOut is the definitions of a court (or the platform) on a day.
type KPIDefinitionsOut struct {
	CourtID  *string            `json:"court_id,omitempty" doc:"所查法院；不填为全平台"`
	On       string             `json:"on" doc:"所查日期（默认今天，北京时间）"`
	InForce  KPIDefinitionOut   `json:"in_force" doc:"所查日期适用的口径：本院的、否则全平台的、否则内置默认"`
	Versions []KPIDefinitionOut `json:"versions" nullable:"false" doc:"本院的各版，再是全平台的各版，各按生效日期从晚到早，含待生效的"`
}

func kpiDefinitionOut(d *metrics.Definition, names map[string]string, status string, applies bool) KPIDefinitionOut {
	out := KPIDefinitionOut{Source: d.Source(), CourtID: optionalID(d.CourtID), Version: d.Version, Label: d.Label(), Status: status,
		Applies: applies, Citation: d.Citation, Note: d.Note, Metrics: []KPIDefinitionMetricOut{}}
	if !d.Builtin() {
		at := d.CreatedAt
		out.ID, out.EffectiveFrom, out.CreatedBy, out.CreatedAt = optionalID(d.ID), d.EffectiveFrom.String(), d.CreatedByName, &at
	}
	for _, m := range metrics.Metrics() {
		if !m.Scoped {
			continue
		}
		s := d.Scope(m.ID)
		mo := KPIDefinitionMetricOut{Metric: string(m.ID), Name: m.Name, Formula: m.Formula, CaseTypes: append([]string{}, s.CaseTypes...),
			CaseTypeNames: []string{}, Closures: s.Closures, Note: s.Note}
		for _, t := range s.CaseTypes {
			name := names[t]
			if name == "" {
				name = t
			}
			mo.CaseTypeNames = append(mo.CaseTypeNames, name)
		}
		out.Metrics = append(out.Metrics, mo)
	}
	return out
}

type listKPIDefinitionsInput struct {
	CourtID string `query:"court_id" doc:"法院 id；不填为全平台口径"`
	On      string `query:"on" doc:"日期 YYYY-MM-DD，默认今天"`
}

// KPIDefinitionIn is a new version of a court's (or the platform's) metric
// definitions.
type KPIDefinitionIn struct {
	CourtID       string                  `json:"court_id,omitempty" doc:"法院 id（rules.manage）；不填为全平台口径（reference.manage）"`
	EffectiveFrom string                  `json:"effective_from,omitempty" maxLength:"10" example:"2026-01-01" doc:"生效日期，默认今天；可早于今天：统计随时按截止日生效的口径计算"`
	Metrics       []KPIDefinitionMetricIn `json:"metrics" maxItems:"20" doc:"改变的指标；未列出的沿用生效日当天适用的口径"`
	Citation      string                  `json:"citation,omitempty" maxLength:"300" doc:"依据；不填为 DOMAIN §13 默认口径"`
	Note          string                  `json:"note,omitempty" maxLength:"1000"`
}

// KPIDefinitionMetricIn is the case types one metric counts.
type KPIDefinitionMetricIn struct {
	Metric    string   `json:"metric" maxLength:"10" example:"MET-1"`
	CaseTypes []string `json:"case_types" maxItems:"50" example:"[\"first_enforcement\",\"restored_enforcement\"]" doc:"计入的案件类型代码，不能为空"`
	Closures  []string `json:"closures,omitempty" maxItems:"10" doc:"仅 MET-4；目前只能是 performed 与 settlement_long_term"`
	Note      string   `json:"note,omitempty" maxLength:"300"`
}

func (h *handlers) kpiDefinitions(a huma.API) {
	lo := op(http.MethodGet, "/kpi-definitions", "listKPIDefinitions",
		"指标口径（MET-0）：各项执行指标计入哪些案件类型；所查法院在所查日期适用的口径及其各版", kpiTag)
	huma.Register(a, lo, func(ctx context.Context, in *listKPIDefinitionsInput) (*Body[KPIDefinitionsOut], error) {
		court, err := parseOptionalID(in.CourtID, "query.court_id")
		if err != nil {
			return nil, err
		}
		on, err := date(in.On, "query.on")
		if err != nil {
			return nil, err
		}
		if on.IsZero() {
			on = legal.Today(time.Now())
		}
		list, err := metrics.ListDefinitions(ctx, h.DB, court, on)
		if err != nil {
			return nil, err
		}
		return h.kpiDefinitionsOut(ctx, list)
	})

	so := op(http.MethodPost, "/kpi-definitions", "saveKPIDefinition",
		"保存法院（或全平台）指标口径的新版本：各指标计入的案件类型；未列出的指标沿用生效日适用的口径", kpiTag)
	so.Errors = append(so.Errors, 404)
	huma.Register(a, so, func(ctx context.Context, in *struct{ Body KPIDefinitionIn }) (*Body[KPIDefinitionOut], error) {
		b := in.Body
		court, err := parseOptionalID(b.CourtID, "body.court_id")
		if err != nil {
			return nil, err
		}
		from, err := date(b.EffectiveFrom, "body.effective_from")
		if err != nil {
			return nil, err
		}
		def := metrics.DefinitionInput{CourtID: court, EffectiveFrom: from, Citation: b.Citation, Note: b.Note}
		for _, m := range b.Metrics {
			def.Scopes = append(def.Scopes, metrics.Scope{Metric: metrics.MetricID(m.Metric), CaseTypes: m.CaseTypes, Closures: m.Closures,
				Note: m.Note})
		}
		d, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*metrics.Definition, error) {
			return metrics.SaveDefinition(ctx, tx, def)
		})
		if err != nil {
			return nil, err
		}
		// The version as the list tells it today: in force, pending or
		// already superseded by a version with a later date.
		list, err := metrics.ListDefinitions(ctx, h.DB, court, legal.Today(time.Now()))
		if err != nil {
			return nil, err
		}
		all, err := h.kpiDefinitionsOut(ctx, list)
		if err != nil {
			return nil, err
		}
		for _, v := range all.Body.Versions {
			if v.ID != nil && *v.ID == d.ID.String() {
				return body(v), nil
			}
		}
		return nil, fmt.Errorf("api: the saved definition %s is not listed", d.ID)
	})
}

func (h *handlers) kpiDefinitionsOut(ctx context.Context, list *metrics.DefinitionList) (*Body[KPIDefinitionsOut], error) {
	names, err := metrics.CaseTypeNames(ctx, h.DB)
	if err != nil {
		return nil, err
	}
	out := KPIDefinitionsOut{CourtID: optionalID(list.CourtID), On: list.On.String(), Versions: []KPIDefinitionOut{}}
	out.InForce = kpiDefinitionOut(list.InForce, names, "in_force", true)
	for _, scope := range [][]*metrics.Definition{list.Court, list.Platform} {
		inForce := false
		for _, d := range scope { // the latest first
			status := "superseded"
			switch {
			case d.EffectiveFrom.After(list.On):
				status = "pending"
			case !inForce:
				status, inForce = "in_force", true
			}
			out.Versions = append(out.Versions, kpiDefinitionOut(d, names, status, d == list.InForce))
		}
	}
	return body(out), nil
}
