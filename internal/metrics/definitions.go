package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// Metric definitions (MET-0): "formulas vary by court and year, so each
// metric is data". A definition says, for every metric whose scope is
// configurable, which case types it counts (numerator and denominator
// alike). A court's versions are rows of metric_definitions from an
// effective date on; a court without a version in force uses the
// platform's, and without that the built-in DOMAIN.md §13 defaults
// (version 0). The rates are computed when asked from case_stats, which
// keeps every figure per case type, so a new version applies at once, to
// past periods too, and every answer names the version it used.

// MetricID names a metric of DOMAIN.md §13.
type MetricID string

// The metrics of DOMAIN.md §13 the platform answers.
const (
	MetClosureRate  MetricID = "MET-1"  // 结案率
	MetCloseReceive MetricID = "MET-2"  // 结收比
	MetFirstClosure MetricID = "MET-3"  // 执结率
	MetActual       MetricID = "MET-4"  // 实际执结率
	MetPerformed    MetricID = "MET-5"  // 执行完毕率
	MetRecovery     MetricID = "MET-6"  // 执行到位率
	MetInTerm       MetricID = "MET-7"  // 法定期限内结案率
	MetMeanDays     MetricID = "MET-8"  // 结案平均用时
	MetPerJudge     MetricID = "MET-9"  // 人均结案数
	MetEntrusted    MetricID = "MET-10" // 事项委托期限内办结率、平均用时
	MetPayout       MetricID = "MET-11" // 案款发放及时率、平均发放天数
	MetZhongben     MetricID = "MET-12" // 终本率
	MetSupervision  MetricID = "MET-13" // 督办平均用时、按期答复率
)

// Metric describes a metric: its name, its formula in words and, when its
// case types are a court's data, the DOMAIN.md §13 default.
type Metric struct {
	ID      MetricID
	Name    string
	Formula string
	// Scoped metrics count the case types of the definition in force;
	// the others (MET-10, MET-13) count every matter or item.
	Scoped   bool
	Defaults []string // the built-in case types of a scoped metric
}

// The DOMAIN.md §13 default scopes: 结案率 and 结收比 count 执, 执恢 and 执保
// ("same"); the 首执 figures 执 only. EnforcementTypes and FirstTypes are
// also what the board's trend and the weekly bulletin count.
var (
	EnforcementTypes = []string{"first_enforcement", "restored_enforcement", "preservation_enforcement"}
	FirstTypes       = []string{"first_enforcement"}
)

// ActualClosures are the closures MET-4 counts as 实际执结: 执行完毕 and
// 和解长期履行. case_stats keeps them as one figure (closed_actual), so a
// definition cannot change them without a new column and a rebuild.
var ActualClosures = []string{"performed", "settlement_long_term"}

var catalogue = []Metric{
	{MetClosureRate, "结案率", "结案 ÷ (期初未结 + 收案)", true, EnforcementTypes},
	{MetCloseReceive, "结收比", "结案 ÷ 收案", true, EnforcementTypes},
	{MetFirstClosure, "执结率", "结案 ÷ (期初未结 + 收案)，首执", true, FirstTypes},
	{MetActual, "实际执结率", "以执行完毕、和解长期履行结案 ÷ 结案，首执", true, FirstTypes},
	{MetPerformed, "执行完毕率", "以执行完毕结案 ÷ 结案，首执", true, FirstTypes},
	{MetRecovery, "执行到位率", "执行到位金额 ÷ 申请执行金额，已结案件", true, EnforcementTypes},
	{MetInTerm, "法定期限内结案率", "在执行期限（含延长、扣除）内结案 ÷ 结案", true, EnforcementTypes},
	{MetMeanDays, "结案平均用时", "平均(结案日 − 立案日 − 扣除天数)，已结案件", true, EnforcementTypes},
	{MetPerJudge, "人均结案数", "结案 ÷ 员额法官人数（在职、角色为员额法官的用户，按查询时计）", true, EnforcementTypes},
	{MetEntrusted, "事项委托期限内办结率；平均用时", "期限内办结 ÷ 期限在期间内的事项（已办结或已逾期未办结）；平均(办结日 − 委托日)", false, nil},
	{MetPayout, "案款发放及时率；平均发放天数", "期限（FUND-4）内发放 ÷ 应发放；平均(发放日 − 到账日)", true, EnforcementTypes},
	{MetZhongben, "终本率", "以终本结案 ÷ 结案，首执", true, FirstTypes},
	{MetSupervision, "督办平均用时；按期答复率", "平均(办结日 − 督办日)；按期答复 ÷ 已答复", false, nil},
}

// Metrics returns every metric the platform answers, in DOMAIN.md order.
func Metrics() []Metric { return slices.Clone(catalogue) }

// MetricOf returns the metric of id.
func MetricOf(id MetricID) (Metric, bool) {
	for _, m := range catalogue {
		if m.ID == id {
			return m, true
		}
	}
	return Metric{}, false
}

// DefaultCitation is the basis of the built-in definitions.
const DefaultCitation = "DOMAIN.md §13 默认口径；《人民法院审判质量管理指标体系》（2023年）"

// Scope is one metric's definition: the case types it counts and, for
// MET-4, the closures that count as 实际执结.
type Scope struct {
	Metric    MetricID `json:"metric"`
	CaseTypes []string `json:"case_types"`
	Closures  []string `json:"closures,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// Definition is one version of a court's (or the platform's) definitions.
type Definition struct {
	ID            uuid.UUID  // uuid.Nil for the built-in defaults
	CourtID       uuid.UUID  // uuid.Nil: the platform's, or the built-in
	Version       int        // 0: the built-in defaults
	EffectiveFrom legal.Date // zero for the built-in defaults
	Scopes        []Scope    // every scoped metric, in catalogue order
	Citation      string
	Note          string
	CreatedByName string
	CreatedAt     time.Time

	counts map[MetricID]map[string]bool
}

// Builtin reports whether d is the built-in DOMAIN.md §13 defaults.
func (d *Definition) Builtin() bool { return d.Version == 0 }

// Source is where d comes from: "court", "platform" or "builtin".
func (d *Definition) Source() string {
	switch {
	case d.Builtin():
		return "builtin"
	case d.CourtID == uuid.Nil:
		return "platform"
	}
	return "court"
}

// Label names d for people: "内置默认口径（DOMAIN §13）", "全平台第 2 版",
// "本院第 3 版", each with its effective date.
func (d *Definition) Label() string {
	switch d.Source() {
	case "builtin":
		return "内置默认口径（DOMAIN §13，第 0 版）"
	case "platform":
		return "全平台口径第 " + strconv.Itoa(d.Version) + " 版（" + d.EffectiveFrom.String() + " 起）"
	}
	return "本院口径第 " + strconv.Itoa(d.Version) + " 版（" + d.EffectiveFrom.String() + " 起）"
}

// Scope returns the definition of metric m (the built-in one when d has
// none, as a version saved before m was added).
func (d *Definition) Scope(m MetricID) Scope {
	for _, s := range d.Scopes {
		if s.Metric == m {
			return s
		}
	}
	return defaultScope(m)
}

// defaultScope is a metric's built-in definition.
func defaultScope(id MetricID) Scope {
	m, _ := MetricOf(id)
	s := Scope{Metric: id, CaseTypes: slices.Clone(m.Defaults)}
	if id == MetActual {
		s.Closures = slices.Clone(ActualClosures)
	}
	return s
}

// Counts reports whether metric m counts cases of caseType under d.
func (d *Definition) Counts(m MetricID, caseType string) bool {
	if d.counts == nil { // a Definition not made here
		return slices.Contains(d.Scope(m).CaseTypes, caseType)
	}
	return d.counts[m][caseType]
}

func (d *Definition) index() {
	d.counts = map[MetricID]map[string]bool{}
	for _, m := range catalogue {
		if !m.Scoped {
			continue
		}
		set := map[string]bool{}
		for _, t := range d.Scope(m.ID).CaseTypes {
			set[t] = true
		}
		d.counts[m.ID] = set
	}
}

// builtin is the DOMAIN.md §13 defaults, version 0.
var builtin = func() *Definition {
	d := &Definition{Citation: DefaultCitation, CreatedByName: "系统"}
	for _, m := range catalogue {
		if m.Scoped {
			d.Scopes = append(d.Scopes, defaultScope(m.ID))
		}
	}
	d.index()
	return d
}()

// Builtin returns the built-in DOMAIN.md §13 definitions (version 0).
func Builtin() *Definition { return builtin }

// Definitions are the definitions in force on a day for every court.
type Definitions struct {
	On       legal.Date
	platform *Definition
	courts   map[uuid.UUID]*Definition
}

// For returns the definition in force for a court: its own, else the
// platform's, else the built-in.
func (s *Definitions) For(court uuid.UUID) *Definition {
	if d := s.courts[court]; d != nil {
		return d
	}
	if s.platform != nil {
		return s.platform
	}
	return builtin
}

// uniform returns the case types metric m counts when every court of a
// scope (courts, or every court when all) counts the same ones; ok false
// when they differ.
func (s *Definitions) uniform(m MetricID, courts []uuid.UUID, all bool) (types []string, ok bool) {
	if all {
		if len(s.courts) > 0 {
			return nil, false
		}
		return s.For(uuid.Nil).Scope(m).CaseTypes, true
	}
	var d *Definition
	for _, c := range courts {
		switch dc := s.For(c); {
		case d == nil:
			d = dc
		case !sameSet(d.Scope(m).CaseTypes, dc.Scope(m).CaseTypes):
			return nil, false
		}
	}
	if d == nil {
		d = s.For(uuid.Nil)
	}
	return d.Scope(m).CaseTypes, true
}

const definitionColumns = `id, court_id, version, effective_from, metrics, citation, note, created_by_name, created_at`

func scanDefinition(sc store.Scanner) (*Definition, error) {
	d := &Definition{}
	var court uuid.NullUUID
	var text string
	if err := sc.Scan(&d.ID, &court, &d.Version, &d.EffectiveFrom, &text, &d.Citation, &d.Note, &d.CreatedByName, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.CourtID = court.UUID
	if err := json.Unmarshal([]byte(text), &d.Scopes); err != nil {
		return nil, fmt.Errorf("metrics: definition %s: %w", d.ID, err)
	}
	d.index()
	return d, nil
}

// InForce reads the definitions in force on a day: for each court and for
// the platform the version with the latest effective date on or before it,
// the highest version among those of one day. The table holds a few rows
// per court; it is read whole.
func InForce(ctx context.Context, q store.Querier, on legal.Date) (*Definitions, error) {
	rows, err := q.Query(ctx, `SELECT `+definitionColumns+` FROM metric_definitions WHERE effective_from <= ?
		ORDER BY effective_from, version`, on)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanDefinition)
	if err != nil {
		return nil, err
	}
	s := &Definitions{On: on, courts: map[uuid.UUID]*Definition{}}
	for _, d := range list { // in order: the last one of a scope wins
		if d.CourtID == uuid.Nil {
			s.platform = d
		} else {
			s.courts[d.CourtID] = d
		}
	}
	return s, nil
}

// DefinitionList is what GET /kpi-definitions answers: the definition in
// force for a court (or the platform) on a day and the versions of both.
type DefinitionList struct {
	CourtID  uuid.UUID // uuid.Nil: the platform
	On       legal.Date
	InForce  *Definition
	Court    []*Definition // the court's versions, the latest first (pending ones too)
	Platform []*Definition // the platform's versions, the latest first
}

// ListDefinitions answers the definitions of a court (uuid.Nil: the
// platform) on a day (cases.read or rules.manage; a court the caller does
// not see is not found).
func ListDefinitions(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (*DefinitionList, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.CasesRead) && !p.Can(access.RulesManage) && !p.Can(access.ReferenceManage) {
		return nil, apperr.Forbid("")
	}
	if court != uuid.Nil && !p.Sees(court) {
		return nil, apperr.NotFoundf("法院")
	}
	where, args := "court_id IS NULL", []any(nil)
	if court != uuid.Nil {
		where, args = "court_id IS NULL OR court_id = ?", []any{court}
	}
	rows, err := q.Query(ctx, `SELECT `+definitionColumns+` FROM metric_definitions WHERE `+where+`
		ORDER BY effective_from DESC, version DESC`, args...)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanDefinition)
	if err != nil {
		return nil, err
	}
	out := &DefinitionList{CourtID: court, On: on, InForce: builtin}
	var platform *Definition
	for _, d := range list {
		if d.CourtID == uuid.Nil {
			out.Platform = append(out.Platform, d)
			if platform == nil && !d.EffectiveFrom.After(on) {
				platform = d
			}
			continue
		}
		out.Court = append(out.Court, d)
		if out.InForce == builtin && !d.EffectiveFrom.After(on) {
			out.InForce = d
		}
	}
	if out.InForce == builtin && platform != nil {
		out.InForce = platform
	}
	return out, nil
}

// DefinitionInput is a new version of a court's (or the platform's)
// definitions.
type DefinitionInput struct {
	CourtID       uuid.UUID  // uuid.Nil: the platform's definitions
	EffectiveFrom legal.Date // zero: today
	// Scopes are the metrics the version changes; the others keep what the
	// definition in force for the scope on EffectiveFrom says.
	Scopes   []Scope
	Citation string
	Note     string
}

// Earliest and Latest bound a definition's effective date.
var (
	Earliest = legal.NewDate(2000, time.January, 1)
	Latest   = legal.NewDate(2100, time.December, 31)
)

// SaveDefinition saves a new version of the definitions of a court
// (rules.manage, a court the caller sees) or of the platform
// (reference.manage). The case types must exist and no scope may be empty;
// MET-4's closures are fixed (ActualClosures). An effective date in the
// past is allowed: figures are computed when asked, and every answer names
// the version it used. Audited.
func SaveDefinition(ctx context.Context, tx *store.Tx, in DefinitionInput) (*Definition, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if in.CourtID == uuid.Nil {
		if !p.Can(access.ReferenceManage) {
			return nil, apperr.Forbid("设置全平台的指标口径需要“管理参考数据”权限")
		}
	} else {
		if !p.Can(access.RulesManage) {
			return nil, apperr.Forbid("设置法院的指标口径需要“管理法院的规则参数”权限")
		}
		if !p.Sees(in.CourtID) {
			return nil, apperr.NotFoundf("法院")
		}
	}
	today := legal.Today(time.Now())
	if in.EffectiveFrom.IsZero() {
		in.EffectiveFrom = today
	}
	types, err := CaseTypeNames(ctx, tx)
	if err != nil {
		return nil, err
	}
	pr := &apperr.Problems{}
	if in.EffectiveFrom.Before(Earliest) || in.EffectiveFrom.After(Latest) {
		pr.Add("invalid_date", "body.effective_from", "生效日期应在 "+Earliest.String()+" 至 "+Latest.String()+" 之间")
	}
	if len(in.Scopes) == 0 {
		pr.Add("empty_definition", "body.metrics", "请至少给出一项指标的统计范围")
	}
	given := map[MetricID]Scope{}
	for i, s := range in.Scopes {
		field := fmt.Sprintf("body.metrics[%d]", i)
		m, ok := MetricOf(MetricID(strings.TrimSpace(string(s.Metric))))
		switch {
		case !ok:
			pr.Add("unknown_metric", field+".metric", "指标“"+textutil.Abbrev(string(s.Metric), 20)+"”不存在；可设置的指标为 "+scopedIDs())
			continue
		case !m.Scoped:
			pr.Add("unscoped_metric", field+".metric", m.ID.String()+" "+m.Name+"不按案件类型统计，没有可设置的案件类型")
			continue
		}
		if _, dup := given[m.ID]; dup {
			pr.Add("duplicate_metric", field+".metric", m.ID.String()+" "+m.Name+"重复给出")
			continue
		}
		clean := Scope{Metric: m.ID, Note: strings.TrimSpace(s.Note)}
		unknown := false
		for _, t := range s.CaseTypes {
			t = strings.TrimSpace(t)
			if t == "" || slices.Contains(clean.CaseTypes, t) {
				continue
			}
			if _, known := types[t]; !known {
				pr.Add("unknown_case_type", field+".case_types", m.ID.String()+" "+m.Name+"：案件类型“"+textutil.Abbrev(t, 40)+"”不存在")
				unknown = true
				continue
			}
			clean.CaseTypes = append(clean.CaseTypes, t)
		}
		if len(clean.CaseTypes) == 0 && !unknown {
			pr.Add("empty_scope", field+".case_types", m.ID.String()+" "+m.Name+"的统计范围不能为空：请至少选择一种案件类型")
		}
		if len(s.Closures) > 0 {
			if m.ID != MetActual {
				pr.Add("closures_not_applicable", field+".closures", "只有 MET-4 实际执结率可以列出结案方式")
			} else if !sameSet(s.Closures, ActualClosures) {
				pr.Add("closures_fixed", field+".closures",
					"MET-4 计入实际执结的结案方式目前固定为执行完毕（performed）和和解长期履行（settlement_long_term）：统计汇总按这一口径保存，改变须新增统计列并重建")
			}
		}
		if m.ID == MetActual {
			clean.Closures = slices.Clone(ActualClosures)
		}
		if utf8.RuneCountInString(clean.Note) > 300 {
			pr.Add("invalid_note", field+".note", "说明不超过 300 个字")
		}
		slices.Sort(clean.CaseTypes)
		given[m.ID] = clean
	}
	citation, note := strings.TrimSpace(in.Citation), strings.TrimSpace(in.Note)
	if citation == "" {
		citation = DefaultCitation
	}
	if utf8.RuneCountInString(citation) > 300 {
		pr.Add("invalid_citation", "body.citation", "依据不超过 300 个字")
	}
	if utf8.RuneCountInString(note) > 1000 {
		pr.Add("invalid_note", "body.note", "说明不超过 1000 个字")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}

	// The metrics not given keep the definition in force on the day.
	defs, err := InForce(ctx, tx, in.EffectiveFrom)
	if err != nil {
		return nil, err
	}
	base := defs.platform
	if in.CourtID != uuid.Nil {
		base = defs.For(in.CourtID)
	}
	if base == nil {
		base = builtin
	}
	d := &Definition{ID: store.NewID(), CourtID: in.CourtID, EffectiveFrom: in.EffectiveFrom, Citation: citation, Note: note,
		CreatedByName: p.DisplayName, CreatedAt: time.Now().UTC()}
	changes := audit.Changes{}
	for _, m := range catalogue {
		if !m.Scoped {
			continue
		}
		old := base.Scope(m.ID)
		s, ok := given[m.ID]
		if !ok {
			s = old
		} else if !slices.Equal(s.CaseTypes, sortedCopy(old.CaseTypes)) {
			changes[string(m.ID)] = audit.Change{From: old.CaseTypes, To: s.CaseTypes}
		}
		d.Scopes = append(d.Scopes, s)
	}
	d.index()
	where, args := "court_id IS NULL", []any(nil)
	if in.CourtID != uuid.Nil {
		where, args = "court_id = ?", []any{in.CourtID}
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM metric_definitions WHERE `+where, args...).Scan(&d.Version); err != nil {
		return nil, err
	}
	text, err := json.Marshal(d.Scopes)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO metric_definitions (id, court_id, version, effective_from, metrics, citation, note, created_by,
		created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, store.NullID(d.CourtID), d.Version, d.EffectiveFrom,
		string(text), d.Citation, d.Note, store.NullID(p.UserID), d.CreatedByName, d.CreatedAt)
	if store.IsUniqueViolation(err) {
		return nil, apperr.New(apperr.Conflict, "concurrent_edit", "指标口径已被他人同时修改，请刷新后重试")
	}
	if err != nil {
		return nil, err
	}
	changes["version"] = audit.Change{To: d.Version}
	changes["effective_from"] = audit.Change{To: d.EffectiveFrom.String()}
	chain, scope := audit.Platform, "全平台"
	if d.CourtID != uuid.Nil {
		chain, scope = d.CourtID, "本院"
	}
	return d, audit.Log(ctx, tx, audit.Entry{CourtID: chain, Action: "metric_definition.saved", ObjectType: "metric_definition",
		ObjectID: d.ID.String(), Summary: fmt.Sprintf("保存%s执行指标口径第 %d 版，自 %s 起施行（变更 %d 项指标）", scope, d.Version,
			d.EffectiveFrom, len(changes)-2), Changes: changes})
}

func (m MetricID) String() string { return string(m) }

// scopedIDs lists the metrics a definition sets, for messages.
func scopedIDs() string {
	var ids []string
	for _, m := range catalogue {
		if m.Scoped {
			ids = append(ids, string(m.ID))
		}
	}
	return strings.Join(ids, "、")
}

func sameSet(a, b []string) bool {
	return slices.Equal(sortedCopy(compact(a)), sortedCopy(compact(b)))
}

func compact(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func sortedCopy(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}

// CaseTypeNames maps every case type's code to its name.
func CaseTypeNames(ctx context.Context, q store.Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT code, name FROM case_types`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		out[code] = name
	}
	return out, rows.Err()
}
