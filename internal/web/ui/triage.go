package ui

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// registerTriage mounts the triage rule pages: the versions of a court's
// rule set, one version, and the editor with its check and dry run.
func (u *UI) registerTriage(mux *http.ServeMux) {
	mux.Handle("GET /triage", u.page(u.ruleSetsPage))
	mux.Handle("GET /triage/new", u.page(u.newRuleSetPage))
	mux.Handle("GET /triage/rule-row", u.page(u.ruleRowPartial))
	mux.Handle("POST /triage/validate", u.page(u.validateRuleSet))
	mux.Handle("POST /triage/dry-run", u.page(u.dryRunRuleSet))
	mux.Handle("POST /triage", u.page(u.saveRuleSet))
	mux.Handle("GET /triage/{id}", u.page(u.ruleSetPage))
	mux.Handle("POST /triage/{id}/activation", u.page(u.activateRuleSet))
}

// triageBlankRows is how many empty rows the editor offers for new rules.
const triageBlankRows = 3

// triagePosStep spaces the order numbers of existing rules, so a new rule can be
// put between two of them.
const triagePosStep = 10

// --- the list of versions ---

type triageSetRow struct {
	Set      *intake.RuleSetInfo
	Scope    string
	InForce  bool // the version that triages the court's new cases
	Shadowed bool // an active platform default the court's own version overrides
}

type triageSetsView struct {
	Court     string
	CourtName string
	Courts    []org.Court
	Rows      []triageSetRow
	CanEdit   bool
}

func (u *UI) ruleSetsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	court := p.CourtID
	if s := r.URL.Query().Get("court"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return apperr.NotFoundf("法院")
		}
		court = id
	}
	sets, err := intake.RuleSets(ctx, u.DB, court)
	if err != nil {
		return err
	}
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	v := triageSetsView{Court: triageCourtValue(court), Courts: courts, CanEdit: p.Can(access.TriageManage)}
	names := triageCourtNames(courts)
	v.CourtName = names[court]
	own := false
	for _, s := range sets {
		if s.CourtID != uuid.Nil && s.Active {
			own = true
		}
	}
	for _, s := range sets {
		row := triageSetRow{Set: s, Scope: triageScopeName(names, s.CourtID)}
		if s.Active {
			row.InForce = s.CourtID != uuid.Nil || !own
			row.Shadowed = !row.InForce
		}
		v.Rows = append(v.Rows, row)
	}
	return u.render(w, r, http.StatusOK, "triage", "繁简分流规则", "triage", v)
}

func triageCourtNames(courts []org.Court) map[uuid.UUID]string {
	m := map[uuid.UUID]string{}
	for _, c := range courts {
		m[c.ID] = c.Name
	}
	return m
}

func triageScopeName(names map[uuid.UUID]string, court uuid.UUID) string {
	if court == uuid.Nil {
		return "全平台默认规则"
	}
	if n := names[court]; n != "" {
		return n
	}
	return "本院"
}

func triageCourtValue(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// --- one version ---

type triageSetView struct {
	Set         *intake.RuleSetInfo
	Scope       string
	Rules       []triageRuleView
	CanCopy     bool
	CanActivate bool
}

type triageRuleView struct {
	triage.Rule
	Pos      int
	LaneName string
}

func (u *UI) ruleSetPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !p.Can(access.TriageManage) && !p.Can(access.CasesRead) {
		// As for the list (intake.RuleSets); GetRuleSet itself checks only
		// the court.
		return apperr.Forbid("")
	}
	ctx := r.Context()
	s, err := intake.GetRuleSet(ctx, u.DB, id)
	if err != nil {
		return err
	}
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	mayEdit := p.Can(access.TriageManage) && (s.CourtID != uuid.Nil || p.Can(access.ReferenceManage))
	v := triageSetView{Set: s, Scope: triageScopeName(triageCourtNames(courts), s.CourtID), CanCopy: p.Can(access.TriageManage),
		CanActivate: mayEdit && !s.Active}
	for i, rl := range s.Rules {
		v.Rules = append(v.Rules, triageRuleView{Rule: rl, Pos: i + 1, LaneName: triage.LaneName(rl.Lane)})
	}
	title := triageScopeName(triageCourtNames(courts), s.CourtID) + " 第 " + strconv.Itoa(s.Version) + " 版"
	return u.render(w, r, http.StatusOK, "triage_set", title, "triage", v)
}

func (u *UI) activateRuleSet(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*intake.RuleSetInfo, error) {
		return intake.ActivateRuleSet(ctx, tx, id)
	}); err != nil {
		return err
	}
	redirect(w, r, "/triage/"+id.String(), "activated")
	return nil
}

// --- the editor ---

// triageRuleRow is one rule as the editor shows it.
type triageRuleRow struct {
	Pos, ID, Name, When, Lane, Note string
	Errors                          []string
	Lanes                           []triage.LaneInfo
}

type triageFactView struct {
	Name, Type, Label, Values string
}

// triageCheckView is the answer of 校验 and 试运行.
type triageCheckView struct {
	OK       bool
	Message  string
	Problems []string
	Dry      *triageDryView
}

type triageDryView struct {
	CurrentVersion int
	Total, Moved   int
	Moves          []triageMoveView
	ByLane         []triageLaneCount
}

type triageMoveView struct {
	From, To string
	Count    int
	Examples []string
}

type triageLaneCount struct {
	Lane              string
	Current, Proposed int
}

type triageEditView struct {
	From      *intake.RuleSetInfo
	Court     string // "" is the platform default
	Scopes    []caseOption
	Rows      []triageRuleRow
	Note      string
	Activate  bool
	Message   string
	SetErrors []string
	Facts     []triageFactView
	Functions string
	Lanes     []triage.LaneInfo
	Check     *triageCheckView
}

func (u *UI) newRuleSetPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.TriageManage); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	var from *intake.RuleSetInfo
	court := p.CourtID
	if s := q.Get("court"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return apperr.NotFoundf("法院")
		}
		court = id
	}
	if s := q.Get("from"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return apperr.NotFoundf("分流规则")
		}
		if from, err = intake.GetRuleSet(ctx, u.DB, id); err != nil {
			return err
		}
		switch {
		case from.CourtID != uuid.Nil:
			court = from.CourtID
		case q.Get("court") == "" && p.Can(access.ReferenceManage):
			court = uuid.Nil
		}
	} else {
		id, _, err := intake.ActiveRuleSet(ctx, u.DB, court)
		switch {
		case err == nil:
			if from, err = intake.GetRuleSet(ctx, u.DB, id); err != nil {
				return err
			}
		case apperr.CodeOf(err) != "no_rule_set":
			return err
		}
	}
	if court != uuid.Nil && !p.Sees(court) {
		return apperr.NotFoundf("法院")
	}
	v := triageEditView{From: from, Court: triageCourtValue(court)}
	rules := triage.DefaultRuleSet().Rules
	if from != nil {
		rules = from.Rules
	}
	for i, rl := range rules {
		v.Rows = append(v.Rows, triageRuleRow{Pos: strconv.Itoa((i + 1) * triagePosStep), ID: rl.ID, Name: rl.Name, When: rl.When, Lane: rl.Lane, Note: rl.Note})
	}
	return u.showTriageEditor(w, r, p, http.StatusOK, &v)
}

// showTriageEditor renders the editor with its choices and a few blank rows.
func (u *UI) showTriageEditor(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, v *triageEditView) error {
	courts, err := org.VisibleCourts(r.Context(), u.DB)
	if err != nil {
		return err
	}
	if v.From != nil && v.From.Version == 0 {
		// Sent back by the form, which carries only the id.
		if from, err := intake.GetRuleSet(r.Context(), u.DB, v.From.ID); err == nil {
			v.From = from
		} else {
			v.From = nil
		}
	}
	if p.Can(access.ReferenceManage) {
		v.Scopes = append(v.Scopes, caseOption{"", "全平台默认规则"})
	}
	for _, c := range courts {
		v.Scopes = append(v.Scopes, caseOption{c.ID.String(), c.Name})
	}
	v.Lanes = triage.Lanes()
	for i := 0; i < triageBlankRows; i++ {
		v.Rows = append(v.Rows, triageRuleRow{})
	}
	for i := range v.Rows {
		v.Rows[i].Lanes = v.Lanes
	}
	for _, f := range triage.FactNames() {
		v.Facts = append(v.Facts, triageFactView{Name: f.Name, Type: triageFactType(f.Type), Label: f.Label, Values: triageQuoted(f.Values)})
	}
	v.Functions = strings.Join(triage.Functions(), "、")
	return u.render(w, r, status, "triage_edit", "编辑繁简分流规则", "triage", v)
}

func triageFactType(t string) string {
	switch t {
	case triage.TypeString:
		return "文本"
	case triage.TypeInt:
		return "整数"
	case triage.TypeMoney:
		return "金额（分）"
	case triage.TypeBool:
		return "是/否"
	}
	return t
}

func triageQuoted(values []string) string {
	var parts []string
	for _, v := range values {
		parts = append(parts, strconv.Quote(v))
	}
	return strings.Join(parts, "、")
}

func (u *UI) ruleRowPartial(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.TriageManage); err != nil {
		return err
	}
	return u.triageFragment(w, http.StatusOK, "triage_rule_row", triageRuleRow{Lanes: triage.Lanes()})
}

// triageFragment writes one partial template alone, for htmx to swap in.
func (u *UI) triageFragment(w http.ResponseWriter, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := u.pages["triage_edit"].ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func triageHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// triageEditorForm reads the editor: the scope, the note and the rules in the
// order of their order numbers (blank numbers last, in the order shown).
// Fully blank rows are dropped. Rows whose order number is not a number
// carry that error; ok is false then.
func triageEditorForm(w http.ResponseWriter, r *http.Request) (v *triageEditView, court uuid.UUID, rules []triage.Rule, ok bool, err error) {
	if err := parseForm(w, r); err != nil {
		return nil, uuid.Nil, nil, false, err
	}
	f := r.PostForm
	v = &triageEditView{Court: strings.TrimSpace(f.Get("court_id")), Note: strings.TrimSpace(f.Get("set_note")), Activate: f.Get("activate") == "1"}
	if court, err = formIDValue(v.Court); err != nil {
		return nil, uuid.Nil, nil, false, apperr.NotFoundf("法院")
	}
	if s := f.Get("from"); s != "" {
		if id, err := uuid.Parse(s); err == nil {
			v.From = &intake.RuleSetInfo{ID: id}
		}
	}
	at := func(name string, i int) string {
		if vs := f[name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	n := 0
	for _, name := range []string{"rule_pos", "rule_id", "rule_name", "rule_when", "rule_lane", "rule_note"} {
		n = max(n, len(f[name]))
	}
	type keyed struct {
		row triageRuleRow
		key int
	}
	var rows []keyed
	ok = true
	for i := 0; i < n; i++ {
		row := triageRuleRow{Pos: strings.TrimSpace(at("rule_pos", i)), ID: strings.TrimSpace(at("rule_id", i)),
			Name: strings.TrimSpace(at("rule_name", i)), When: strings.ReplaceAll(at("rule_when", i), "\r\n", "\n"),
			Lane: strings.TrimSpace(at("rule_lane", i)), Note: strings.TrimSpace(at("rule_note", i))}
		if row.ID == "" && row.Name == "" && strings.TrimSpace(row.When) == "" && row.Lane == "" && row.Note == "" {
			continue
		}
		key := 1<<30 + i
		if row.Pos != "" {
			p, err := strconv.Atoi(row.Pos)
			if err != nil || p < 0 || p >= 1<<30 {
				row.Errors = append(row.Errors, "序号“"+row.Pos+"”应为非负整数")
				ok = false
			} else {
				key = p
			}
		}
		rows = append(rows, keyed{row, key})
	}
	slices.SortStableFunc(rows, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for _, k := range rows {
		v.Rows = append(v.Rows, k.row)
		rules = append(rules, triage.Rule{ID: k.row.ID, Name: k.row.Name, When: k.row.When, Lane: k.row.Lane, Note: k.row.Note})
	}
	return v, court, rules, ok, nil
}

var triageRuleField = regexp.MustCompile(`^(?:body\.)?rules\[(\d+)\]`)

// triagePlaceErrors puts the problems of a rule set next to the rules at fault;
// those of the set as a whole go to v.SetErrors. It returns every problem,
// in order, for the check panel.
func triagePlaceErrors(v *triageEditView, e *apperr.Error) []string {
	var all []string
	for _, f := range e.Fields {
		all = append(all, f.Detail)
		if m := triageRuleField.FindStringSubmatch(f.Field); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && i < len(v.Rows) {
				v.Rows[i].Errors = append(v.Rows[i].Errors, f.Detail)
				continue
			}
		}
		v.SetErrors = append(v.SetErrors, f.Detail)
	}
	if len(e.Fields) == 0 {
		all = append(all, e.Detail)
		v.SetErrors = append(v.SetErrors, e.Detail)
	}
	return all
}

// triageRowProblems lists the problems already found while reading the form.
func triageRowProblems(v *triageEditView) []string {
	var out []string
	for i, row := range v.Rows {
		for _, e := range row.Errors {
			out = append(out, "第 "+strconv.Itoa(i+1)+" 行："+e)
		}
	}
	return out
}

// triageAnswer sends the result of a check or dry run: the panel alone to
// htmx (always 200, so it is swapped in), else the whole editor (422 when the
// rules are wrong).
func (u *UI) triageAnswer(w http.ResponseWriter, r *http.Request, p *access.Principal, v *triageEditView, chk *triageCheckView, status int) error {
	if triageHTMX(r) {
		return u.triageFragment(w, http.StatusOK, "triage_check", chk)
	}
	v.Check = chk
	return u.showTriageEditor(w, r, p, status, v)
}

func (u *UI) validateRuleSet(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.TriageManage); err != nil {
		return err
	}
	v, _, rules, ok, err := triageEditorForm(w, r)
	if err != nil {
		return err
	}
	chk := &triageCheckView{}
	if !ok {
		chk.Problems = triageRowProblems(v)
		return u.triageAnswer(w, r, p, v, chk, http.StatusUnprocessableEntity)
	}
	if _, err := triage.Compile(triage.RuleSet{Version: 1, Rules: rules}); err != nil {
		e, isApp := apperr.As(err)
		if !isApp {
			return err
		}
		chk.Message, chk.Problems = e.Detail, triagePlaceErrors(v, e)
		return u.triageAnswer(w, r, p, v, chk, httperr.Status(e.Kind))
	}
	chk.OK, chk.Message = true, "规则集有效，共 "+strconv.Itoa(len(rules))+" 条规则。"
	return u.triageAnswer(w, r, p, v, chk, http.StatusOK)
}

func (u *UI) dryRunRuleSet(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.TriageManage); err != nil {
		return err
	}
	v, court, rules, ok, err := triageEditorForm(w, r)
	if err != nil {
		return err
	}
	if court == uuid.Nil {
		// The platform default is tried on every court's cases: only for
		// those who keep it.
		if err := p.Require(access.ReferenceManage); err != nil {
			return err
		}
	}
	chk := &triageCheckView{}
	if !ok {
		chk.Problems = triageRowProblems(v)
		return u.triageAnswer(w, r, p, v, chk, http.StatusUnprocessableEntity)
	}
	res, err := intake.DryRun(r.Context(), u.DB, court, rules)
	if err != nil {
		e, isApp := apperr.As(err)
		if !isApp || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
			return err
		}
		chk.Message, chk.Problems = e.Detail, triagePlaceErrors(v, e)
		return u.triageAnswer(w, r, p, v, chk, httperr.Status(e.Kind))
	}
	d := &triageDryView{CurrentVersion: res.CurrentVersion, Total: res.Total, Moved: res.Moved}
	for _, m := range res.Moves {
		d.Moves = append(d.Moves, triageMoveView{From: triageLaneLabel(m.From), To: triageLaneLabel(m.To), Count: m.Count,
			Examples: res.Examples[m.From+"→"+m.To]})
	}
	seen := map[string]bool{}
	for _, l := range triage.Lanes() {
		c := res.ByLane[l.Code]
		d.ByLane = append(d.ByLane, triageLaneCount{l.Name, c[0], c[1]})
		seen[l.Code] = true
	}
	var other []string
	for code := range res.ByLane {
		if !seen[code] {
			other = append(other, code)
		}
	}
	slices.Sort(other)
	for _, code := range other {
		c := res.ByLane[code]
		d.ByLane = append(d.ByLane, triageLaneCount{triageLaneLabel(code), c[0], c[1]})
	}
	chk.OK, chk.Dry = true, d
	chk.Message = "规则集有效。按现行第 " + strconv.Itoa(res.CurrentVersion) + " 版与新规则分别试算最近 " + strconv.Itoa(res.Total) +
		" 件案件，分流结果改变的有 " + strconv.Itoa(res.Moved) + " 件。"
	return u.triageAnswer(w, r, p, v, chk, http.StatusOK)
}

func triageLaneLabel(code string) string {
	if code == "" {
		return "（无规则）"
	}
	if n := triage.LaneName(code); n != "" {
		return n
	}
	return code
}

func (u *UI) saveRuleSet(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	v, court, rules, ok, err := triageEditorForm(w, r)
	if err != nil {
		return err
	}
	if !ok {
		if err := p.Require(access.TriageManage); err != nil {
			return err
		}
		v.Message = "有规则的序号不正确，未保存。"
		return u.showTriageEditor(w, r, p, http.StatusUnprocessableEntity, v)
	}
	saved, err := store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*intake.RuleSetInfo, error) {
		return intake.SaveRuleSet(ctx, tx, court, rules, v.Note, v.Activate)
	})
	if err != nil {
		e, isApp := apperr.As(err)
		if !isApp || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
			return err
		}
		v.Message = "未保存：" + e.Detail
		triagePlaceErrors(v, e)
		return u.showTriageEditor(w, r, p, httperr.Status(e.Kind), v)
	}
	done := "saved"
	if saved.Active {
		done = "activated"
	}
	redirect(w, r, "/triage/"+saved.ID.String(), done)
	return nil
}
