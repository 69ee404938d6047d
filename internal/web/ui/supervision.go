package ui

import (
	"context"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The supervision pages (督办, DOMAIN.md §12): the items (everyone with
// cases.read sees their courts'; "mine" narrows to what is assigned to the
// caller), one item with its history and the forms to answer, accept,
// return or withdraw it; the lists the command center issues to a team;
// the court's rules with the editor, its dry run and the versions.

func (u *UI) registerSupervision(mux *http.ServeMux) {
	mux.Handle("GET /supervision", u.page(u.supItemsPage))
	mux.Handle("GET /supervision/items/{id}", u.page(u.supItemPage))
	mux.Handle("POST /supervision/items/{id}/{act}", u.page(u.supItemAction))
	mux.Handle("POST /supervision/items", u.page(u.supRaise))
	mux.Handle("GET /supervision/lists", u.page(u.supListsPage))
	mux.Handle("POST /supervision/lists", u.page(u.supIssueList))
	mux.Handle("GET /supervision/rules", u.page(u.supRulesPage))
	mux.Handle("POST /supervision/rules", u.page(u.supRulesSubmit))
	mux.Handle("POST /supervision/rules/{version}/activation", u.page(u.supActivate))
}

func init() {
	notices["answered"] = "已答复，等待审核。"
	notices["closed"] = "督办事项已办结。"
	notices["returned"] = "已退回，要求继续办理。"
	notices["sup_withdrawn"] = "督办事项已撤销。"
	notices["raised"] = "已发起督办。"
	notices["issued"] = "督办清单已下发。"
	notices["sup_saved"] = "督办规则已保存为新版本，尚未启用。"
	notices["sup_activated"] = "督办规则已启用，正在用新规则重新评估本院在办案件。"
	funcs["supStatus"] = supervise.StatusLabel
	funcs["supModule"] = supervise.ModuleLabel
	funcs["supLevel"] = supervise.LevelLabel
	funcs["supSeverity"] = supervise.SeverityLabel
	funcs["supEvent"] = supervise.EventLabel
	funcs["supReason"] = supervise.CloseReasonLabel
	funcs["supSubject"] = supervise.SubjectLabel
	funcs["add1"] = func(n int) int { return n + 1 }
	funcs["dateOf"] = func(d *legal.Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
}

type supItemsView struct {
	Items              []*supervise.Item
	NextCursor         string
	Status, Module     string
	Level              string
	List               string
	Mine, Overdue      bool
	Modules            []supervise.Module
	Today              legal.Date
	CanManage, CanRule bool
}

func (u *UI) supItemsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	q := r.URL.Query()
	v := supItemsView{Status: q.Get("status"), Module: q.Get("module"), Level: q.Get("level"), Mine: q.Get("mine") == "1",
		Overdue: q.Get("overdue") == "1", Today: legal.Today(time.Now()), CanManage: p.Can(access.SupervisionManage),
		CanRule: p.Can(access.SupervisionRules)}
	if v.Status == "" && q.Get("all") == "" {
		v.Status = "live"
	}
	for _, m := range supervise.Modules {
		if m.Code != "rules" {
			v.Modules = append(v.Modules, m)
		}
	}
	f := supervise.Filter{Status: v.Status, Module: v.Module, Mine: v.Mine, Overdue: v.Overdue}
	if s := q.Get("list"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return apperr.NotFoundf("督办清单")
		}
		f.ListID, v.List = id, s
	}
	if s := q.Get("case"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return apperr.NotFoundf("案件")
		}
		f.CaseID = id
	}
	if v.Level != "" {
		n, err := strconv.Atoi(v.Level)
		if err != nil {
			return apperr.InvalidField("invalid_level", "query.level", "督办层级只能是 1–4")
		}
		f.Level = n
	}
	pg, err := supervise.List(r.Context(), u.DB, f, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Items, v.NextCursor = pg.Items, pg.NextCursor
	return u.render(w, r, http.StatusOK, "supervision", "督办事项", "supervision", v)
}

type supItemView struct {
	Item                          *supervise.Item
	Today                         legal.Date
	CanAnswer, CanManage, CanUndo bool
	Error                         string
	Token                         string
}

func (u *UI) supItemPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showSupItem(w, r, p, http.StatusOK, "")
}

func (u *UI) showSupItem(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, msg string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	it, err := supervise.Get(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	v := supItemView{Item: it, Today: legal.Today(time.Now()), Error: msg, Token: rand.Text(),
		CanAnswer: p.Can(access.CasesWork) && it.Status == "open",
		CanManage: p.Can(access.SupervisionManage) && it.Status == "answered",
		CanUndo:   p.Can(access.SupervisionManage) && it.Status != "closed"}
	return u.render(w, r, status, "supervision_item", "督办事项 "+it.CaseNo, "supervision", v)
}

// supForm runs fn in a transaction under the form's idempotency key: a
// second submission of the same rendering changes nothing.
func (u *UI) supForm(w http.ResponseWriter, r *http.Request, p *access.Principal, form string, fn func(ctx context.Context, tx *store.Tx) error) (dup bool, err error) {
	if err := parseForm(w, r); err != nil {
		return false, err
	}
	ctx := r.Context()
	if key := formKey(r, form); key != "" {
		hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim(p.UserID.String(), key, r.Method, r.URL.Path, hash, u.Now))
	}
	err = u.DB.Transact(ctx, fn)
	if c := apperr.CodeOf(err); c == apperr.CodeOf(idem.ErrInProgress) || c == "idempotency_key_reused" {
		return true, nil
	}
	return false, err
}

func (u *UI) supItemAction(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	acts := map[string]struct {
		fn   func(context.Context, *store.Tx, uuid.UUID, string) (*supervise.Item, error)
		done string
	}{"answer": {supervise.Answer, "answered"}, "closure": {supervise.Close, "closed"}, "return": {supervise.Return, "returned"},
		"withdrawal": {supervise.Withdraw, "sup_withdrawn"}}
	act, ok := acts[r.PathValue("act")]
	if !ok {
		return apperr.NotFoundf("操作")
	}
	dup, err := u.supForm(w, r, p, "sup-"+r.PathValue("act")+"-"+id.String(), func(ctx context.Context, tx *store.Tx) error {
		_, err := act.fn(ctx, tx, id, r.PostFormValue("text"))
		return err
	})
	if err != nil {
		_, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		return u.showSupItem(w, r, p, httpStatus(err), msg)
	}
	done := act.done
	if dup {
		done = "duplicate"
	}
	redirect(w, r, "/supervision/items/"+id.String(), done)
	return nil
}

// httpStatus is the status of a refused form (formErrors passes only
// input, state and permission errors).
func httpStatus(err error) int {
	e, _ := apperr.As(err)
	return httperr.Status(e.Kind)
}

// supRaise raises an item by hand from the case page.
func (u *UI) supRaise(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	caseID, err := formID(r, "case_id")
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("answer_days")))
	var it *supervise.Item
	dup, err := u.supForm(w, r, p, "sup-raise-"+caseID.String(), func(ctx context.Context, tx *store.Tx) error {
		var err error
		it, err = supervise.Raise(ctx, tx, supervise.ManualInput{CaseID: caseID, Title: r.PostFormValue("title"),
			Detail: r.PostFormValue("detail"), Severity: r.PostFormValue("severity"), AnswerDays: days})
		return err
	})
	if err != nil {
		return err
	}
	if dup {
		redirect(w, r, "/cases/"+caseID.String()+"#supervision", "duplicate")
		return nil
	}
	redirect(w, r, "/supervision/items/"+it.ID.String(), "raised")
	return nil
}

type supListsView struct {
	Lists      []*supervise.SupList
	NextCursor string
	Teams      []org.Team
	CanIssue   bool
	Values     map[string]string
	Error      string
	Token      string
}

func (u *UI) supListsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showSupLists(w, r, p, http.StatusOK, map[string]string{"deadline": legal.Today(time.Now()).AddDays(15).String()}, "")
}

func (u *UI) showSupLists(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, values map[string]string, msg string) error {
	ctx := r.Context()
	pg, err := supervise.Lists(ctx, u.DB, uuid.Nil, page.Request{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	v := supListsView{Lists: pg.Items, NextCursor: pg.NextCursor, CanIssue: p.Can(access.SupervisionManage), Values: values, Error: msg,
		Token: rand.Text()}
	if v.CanIssue {
		teams, err := org.ListTeams(ctx, u.DB, org.TeamFilter{CourtID: p.CourtID}, page.Request{Limit: page.MaxLimit})
		if err != nil {
			return err
		}
		for _, t := range teams.Items {
			if t.Active {
				v.Teams = append(v.Teams, t)
			}
		}
	}
	return u.render(w, r, status, "supervision_lists", "督办清单", "supervision", v)
}

// supIssueList issues a list from the form: the cases by their numbers,
// one per line.
func (u *UI) supIssueList(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"team_id", "title", "note", "deadline", "case_nos"} {
		values[k] = r.PostFormValue(k)
	}
	fail := func(err error) error {
		_, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		return u.showSupLists(w, r, p, httpStatus(err), values, msg)
	}
	team, err := formID(r, "team_id")
	if err != nil {
		return fail(err)
	}
	deadline, err := legal.ParseDate(strings.TrimSpace(values["deadline"]))
	if err != nil {
		return fail(apperr.InvalidField("invalid_date", "body.deadline", "办理期限应为 YYYY-MM-DD 格式的日期"))
	}
	var ids []uuid.UUID
	for _, no := range strings.FieldsFunc(values["case_nos"], func(c rune) bool { return c == '\n' || c == '\r' || c == ',' || c == '，' }) {
		if no = strings.TrimSpace(no); no == "" {
			continue
		}
		var id, court uuid.UUID
		err := u.DB.QueryRow(r.Context(), `SELECT id, court_id FROM cases WHERE case_no = ?`, no).Scan(&id, &court)
		if store.IsNoRows(err) || err == nil && !p.Sees(court) {
			return fail(apperr.InvalidField("unknown_case", "body.case_nos", "没有案号为 "+no+" 的案件"))
		}
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	var l *supervise.SupList
	dup, err := u.supForm(w, r, p, "sup-list", func(ctx context.Context, tx *store.Tx) error {
		var err error
		l, err = supervise.IssueList(ctx, tx, supervise.ListInput{TeamID: team, Title: values["title"], Note: values["note"], Deadline: deadline,
			CaseIDs: ids})
		return err
	})
	if err != nil {
		return fail(err)
	}
	if dup {
		redirect(w, r, "/supervision/lists", "duplicate")
		return nil
	}
	redirect(w, r, "/supervision?all=1&list="+l.ID.String(), "issued")
	return nil
}

// --- the rules ---

type supRuleRow struct {
	supervise.Rule
	Chain string
}

type supRulesView struct {
	CourtID   uuid.UUID
	Active    *supervise.Version
	Versions  []*supervise.Version
	Rows      []supRuleRow
	Note      string
	CanEdit   bool
	Modules   []supervise.Module
	Vocab     []supervise.SubjectFacts
	Functions string
	Problems  []string
	Error     string
	Dry       *supervise.DryRunResult
}

func (u *UI) supRulesPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	v, err := u.supRulesView(r, p)
	if err != nil {
		return err
	}
	for _, rl := range v.Active.Rules {
		v.Rows = append(v.Rows, supRuleRow{Rule: rl, Chain: supervise.ChainText(rl.Escalation)})
	}
	return u.showSupRules(w, r, http.StatusOK, v)
}

func (u *UI) supRulesView(r *http.Request, p *access.Principal) (*supRulesView, error) {
	ctx := r.Context()
	v := &supRulesView{CourtID: p.CourtID, CanEdit: p.Can(access.SupervisionRules), Vocab: supervise.Vocabulary(),
		Functions: strings.Join(supervise.Functions(), "、")}
	for _, m := range supervise.Modules {
		if m.Code != "rules" {
			v.Modules = append(v.Modules, m)
		}
	}
	var err error
	if v.Versions, err = supervise.Versions(ctx, u.DB, p.CourtID); err != nil {
		return nil, err
	}
	for _, x := range v.Versions {
		if x.Active {
			v.Active = x
		}
	}
	if v.Active == nil {
		if v.Active, err = supervise.GetVersion(ctx, u.DB, p.CourtID, 0); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (u *UI) showSupRules(w http.ResponseWriter, r *http.Request, status int, v *supRulesView) error {
	for range 2 { // blank rows for new rules
		v.Rows = append(v.Rows, supRuleRow{Rule: supervise.Rule{Subject: supervise.SubjectCase, Severity: "normal", AnswerDays: 3,
			Enabled: true}, Chain: "3,7,15"})
	}
	return u.render(w, r, status, "supervision_rules", "督办规则", "supervision", v)
}

// supRulesFromForm reads the editor's rows; a row without id and condition
// is blank and skipped.
func supRulesFromForm(r *http.Request) ([]supRuleRow, []supervise.Rule) {
	f := r.PostForm
	get := func(name string, i int) string {
		if vs := f[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	enabled := map[string]bool{}
	for _, id := range f["rule_enabled"] {
		enabled[id] = true
	}
	var rows []supRuleRow
	var rules []supervise.Rule
	for i := range f["rule_id"] {
		rl := supervise.Rule{ID: get("rule_id", i), Name: get("rule_name", i), Module: get("rule_module", i), Subject: get("rule_subject", i),
			Anchor: get("rule_anchor", i), When: get("rule_when", i), Severity: get("rule_severity", i), Note: get("rule_note", i)}
		if rl.ID == "" && rl.When == "" && rl.Name == "" {
			continue
		}
		rl.OffsetDays, _ = strconv.Atoi(get("rule_offset", i))
		rl.WarnDays, _ = strconv.Atoi(get("rule_warn", i))
		rl.AnswerDays, _ = strconv.Atoi(get("rule_answer", i))
		chain := get("rule_chain", i)
		for _, s := range strings.FieldsFunc(chain, func(c rune) bool { return c == ',' || c == '，' || c == ' ' }) {
			n, err := strconv.Atoi(s)
			if err != nil {
				n = -1 // refused by Compile with the row's number
			}
			rl.Escalation = append(rl.Escalation, n)
		}
		rl.Enabled = enabled[rl.ID]
		rows = append(rows, supRuleRow{Rule: rl, Chain: chain})
		rules = append(rules, rl)
	}
	return rows, rules
}

// supRulesSubmit is the editor's two buttons: 试运行 (dry run, nothing
// written) and 保存为新版本.
func (u *UI) supRulesSubmit(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v, err := u.supRulesView(r, p)
	if err != nil {
		return err
	}
	rows, rules := supRulesFromForm(r)
	v.Rows, v.Note = rows, r.PostFormValue("note")
	fail := func(err error) error {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error = e.Detail
		for _, fe := range e.Fields {
			v.Problems = append(v.Problems, fe.Detail)
		}
		return u.showSupRules(w, r, http.StatusUnprocessableEntity, v)
	}
	if r.PostFormValue("action") == "dry-run" {
		dr, err := supervise.DryRun(r.Context(), u.DB, p.CourtID, rules)
		if err != nil {
			return fail(err)
		}
		v.Dry = dr
		return u.showSupRules(w, r, http.StatusOK, v)
	}
	if _, err := store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*supervise.Version, error) {
		return supervise.Save(ctx, tx, p.CourtID, rules, v.Note)
	}); err != nil {
		return fail(err)
	}
	redirect(w, r, "/supervision/rules", "sup_saved")
	return nil
}

func (u *UI) supActivate(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return apperr.NotFoundf("督办规则版本")
	}
	if _, err := supervise.Activate(r.Context(), u.DB, p.CourtID, version, r.PostFormValue("acknowledge") == "1"); err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Conflict && e.Kind != apperr.Invalid {
			return err
		}
		v, verr := u.supRulesView(r, p)
		if verr != nil {
			return verr
		}
		for _, rl := range v.Active.Rules {
			v.Rows = append(v.Rows, supRuleRow{Rule: rl, Chain: supervise.ChainText(rl.Escalation)})
		}
		v.Error = e.Detail
		return u.showSupRules(w, r, http.StatusConflict, v)
	}
	redirect(w, r, "/supervision/rules", "sup_activated")
	return nil
}

// caseSupView is the case page's 督办 section: the case's items and, for
// the command center, the form to raise one by hand.
type caseSupView struct {
	Items    []*supervise.Item
	More     bool
	Today    legal.Date
	CanRaise bool
	Token    string
}

func (u *UI) caseSupervision(r *http.Request, p *access.Principal, c *cases.Case) (*caseSupView, error) {
	pg, err := supervise.List(r.Context(), u.DB, supervise.Filter{CaseID: c.ID}, page.Request{Limit: 20})
	if err != nil {
		return nil, err
	}
	return &caseSupView{Items: pg.Items, More: pg.NextCursor != "", Today: legal.Today(time.Now()),
		CanRaise: p.Can(access.SupervisionManage) && c.Status != cases.StatusClosed, Token: rand.Text()}, nil
}
