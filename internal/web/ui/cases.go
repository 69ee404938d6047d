package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// registerCases mounts the pages of the case list, the case page and the triage rule editor.
func (u *UI) registerCases(mux *http.ServeMux) {
	mux.Handle("GET /cases", u.page(u.casesPage))
	mux.Handle("GET /cases/{id}", u.page(u.casePage))
	mux.Handle("POST /cases/{id}/transitions", u.page(u.transitionCase))
	mux.Handle("POST /cases/{id}/assignment", u.page(u.assignCase))
	mux.Handle("POST /cases/{id}/measures", u.page(u.recordMeasure))
	mux.Handle("POST /cases/{id}/measures/{measure_id}/withdrawal", u.page(u.withdrawMeasure))
	mux.Handle("POST /cases/{id}/clock/deductions", u.page(u.requestDeduction))
	mux.Handle("POST /cases/{id}/clock/extensions", u.page(u.requestExtension))
	mux.Handle("POST /cases/{id}/clock/entries/{entry_id}/decision", u.page(u.decideEntry))
	mux.Handle("GET /parties/{id}", u.page(u.partyPage))
	u.registerAssets(mux) // assets.go: the 查控 section of the case page
	u.registerTriage(mux)
}

// caseDueSoonDays is how close to its deadline a case is highlighted.
const caseDueSoonDays = 30

// caseOption is a choice of a select.
type caseOption struct {
	Value, Label string
}

// --- the case list ---

type casesFilter struct {
	Status    string
	Lane      string
	Team      string
	Handler   string
	CaseType  string
	Q         string
	DueBefore string
	Limit     string
	Cursor    string
	// The cases behind a KPI figure (/kpis): the court, the filing or
	// closing period, the closure mode.
	Court                                    string
	FiledFrom, FiledTo, ClosedFrom, ClosedTo string
	Closure                                  string
	DrillDown                                string // what the list is, in words
}

type caseRow struct {
	ID          uuid.UUID
	CaseNo      string
	Applicants  string
	Respondents string
	Amount      string
	Lane        string
	Team        string
	Handler     string
	Status      string
	Deadline    string
	Days        string // "剩余 12 日", "超期 3 日", or ""
	Due         string // "overdue", "soon" or ""
}

type casesView struct {
	Filter     casesFilter
	Rows       []caseRow
	NextCursor string
	Error      string
	Statuses   []caseOption
	Lanes      []triage.LaneInfo
	Teams      []caseOption
	Handlers   []caseOption
	CaseTypes  []org.CaseType
	Limits     []string
}

var caseStatusList = []string{cases.StatusFiled, cases.StatusInProgress, cases.StatusSuspended, cases.StatusDeferred, cases.StatusClosed}

func (u *UI) casesPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	if err := p.Require(access.CasesRead); err != nil {
		return err
	}
	q := r.URL.Query()
	f := casesFilter{Status: q.Get("status"), Lane: q.Get("lane"), Team: q.Get("team"), Handler: q.Get("handler"),
		CaseType: q.Get("case_type"), Q: strings.TrimSpace(q.Get("q")), DueBefore: strings.TrimSpace(q.Get("due_before")),
		Limit: q.Get("limit"), Cursor: q.Get("cursor")}
	v := casesView{Limits: []string{"20", "50", "100"}}
	var cf cases.Filter
	var problems []string
	if f.Status != "" && cases.StatusLabel(f.Status) == "" {
		f.Status = ""
	}
	if f.Lane != "" && triage.LaneName(f.Lane) == "" {
		f.Lane = ""
	}
	cf.Status, cf.Lane, cf.CaseType, cf.Q = f.Status, f.Lane, f.CaseType, f.Q
	var err error
	if cf.TeamID, err = formIDValue(f.Team); err != nil {
		f.Team = ""
	}
	if cf.HandlerID, err = formIDValue(f.Handler); err != nil {
		f.Handler = ""
	}
	if f.DueBefore != "" {
		if cf.DueBefore, err = legal.ParseDate(f.DueBefore); err != nil {
			problems = append(problems, "期满日“"+f.DueBefore+"”应为 YYYY-MM-DD 格式的有效日期，已忽略该条件。")
			f.DueBefore = ""
		}
	}
	problems = append(problems, drillDown(q, &f, &cf)...)
	req := page.Request{Cursor: f.Cursor}
	if f.Limit != "" {
		if n, err := strconv.Atoi(f.Limit); err == nil && n > 0 && n <= page.MaxLimit {
			req.Limit = n
		} else {
			f.Limit = ""
		}
	}
	status := http.StatusOK
	pg, err := cases.List(ctx, u.DB, cf, req)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		problems, status = append(problems, e.Detail), http.StatusUnprocessableEntity
	}
	v.Filter, v.NextCursor, v.Error = f, pg.NextCursor, strings.Join(problems, " ")
	today := legal.Today(u.Now())
	for _, c := range pg.Items {
		v.Rows = append(v.Rows, caseListRow(c, today))
	}
	for _, s := range caseStatusList {
		v.Statuses = append(v.Statuses, caseOption{s, cases.StatusLabel(s)})
	}
	v.Lanes = triage.Lanes()
	if v.Teams, v.Handlers, err = u.caseFilterChoices(ctx); err != nil {
		return err
	}
	if v.CaseTypes, err = org.CaseTypes(ctx, u.DB); err != nil {
		return err
	}
	if strings.Contains(f.CaseType, ",") {
		// A KPI's drill-down names every case type its metric counts: one
		// choice of its own, so the other filters keep it.
		v.CaseTypes = append([]org.CaseType{{Code: f.CaseType, Name: caseTypeWords(f.CaseType, v.CaseTypes)}}, v.CaseTypes...)
	}
	return u.render(w, r, status, "cases", "案件", "cases", v)
}

// caseFilterChoices lists the teams and handlers of the list's filters. When
// the caller sees several courts, each is named with its court.
func (u *UI) caseFilterChoices(ctx context.Context) (teams, handlers []caseOption, err error) {
	ts, err := u.caseLaneTeams(ctx, uuid.Nil)
	if err != nil {
		return nil, nil, err
	}
	hs, err := cases.Handlers(ctx, u.DB, uuid.Nil)
	if err != nil {
		return nil, nil, err
	}
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return nil, nil, err
	}
	names := map[uuid.UUID]string{}
	for _, c := range courts {
		names[c.ID] = c.ShortName
	}
	inCourt := func(court uuid.UUID, label string) string {
		if len(courts) > 1 {
			return names[court] + " · " + label
		}
		return label
	}
	for _, t := range ts {
		teams = append(teams, caseOption{t.ID.String(), inCourt(t.CourtID, t.Name)})
	}
	for _, h := range hs {
		handlers = append(handlers, caseOption{h.ID.String(), inCourt(h.CourtID, h.Name+"（"+h.TeamName+"）")})
	}
	return teams, handlers, nil
}

// caseListRow is a case as a row of the list. The list carries the stored
// effective deadline; a suspended case's clock is stopped, so no days are
// counted for it.
func caseListRow(c *cases.Case, today legal.Date) caseRow {
	app, resp, _ := strings.Cut(c.PartyNames, " 申请执行 ")
	row := caseRow{ID: c.ID, CaseNo: c.CaseNo, Applicants: app, Respondents: resp, Amount: yuanText(c.ClaimAmountFen),
		Lane: triage.LaneName(c.Lane), Team: c.TeamName, Handler: c.HandlerName, Status: caseStatusText(c.Status, c.Closure),
		Deadline: c.Deadline.String()}
	switch {
	case c.Status == cases.StatusClosed || c.Deadline.IsZero():
	case c.Status == cases.StatusSuspended:
		row.Days = "暂停计算"
	default:
		row.Days, row.Due = caseDaysLeft(c.Deadline.Sub(today))
	}
	return row
}

// caseDaysLeft words the days left of a clock and says how urgent it is.
func caseDaysLeft(n int) (text, due string) {
	switch {
	case n < 0:
		return "超期 " + strconv.Itoa(-n) + " 日", "overdue"
	case n <= caseDueSoonDays:
		return "剩余 " + strconv.Itoa(n) + " 日", "soon"
	}
	return "剩余 " + strconv.Itoa(n) + " 日", ""
}

func caseStatusText(status, closure string) string {
	if status == cases.StatusClosed && closure != "" {
		return cases.StatusLabel(status) + "（" + cases.ClosureLabel(closure) + "）"
	}
	return cases.StatusLabel(status)
}

// yuanText shows an amount in fen as 元 with thousands separators and without
// the currency sign (the label says 元): 1234567 → "12,345.67".
func yuanText(fen int64) string {
	return strings.Replace(triage.FormatYuan(fen), "¥", "", 1)
}

// caseLaneTeams lists the active teams of the lanes in the courts the caller
// sees (court uuid.Nil) or of one court.
func (u *UI) caseLaneTeams(ctx context.Context, court uuid.UUID) ([]org.Team, error) {
	var out []org.Team
	req := page.Request{Limit: page.MaxLimit}
	for {
		pg, err := org.ListTeams(ctx, u.DB, org.TeamFilter{CourtID: court}, req)
		if err != nil {
			return nil, err
		}
		for _, t := range pg.Items {
			if t.Active && triage.LaneName(t.Kind) != "" {
				out = append(out, t)
			}
		}
		if pg.NextCursor == "" {
			return out, nil
		}
		req.Cursor = pg.NextCursor
	}
}

// --- the case page ---

// caseForm is the state of one form of the case page after a refused
// submission: the values kept, the message and the reasons.
type caseForm struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
	Reasons []string
}

type casePartyView struct {
	PartyID  uuid.UUID
	Role     string
	Kind     string
	Name     string
	IDMasked string
	LegalRep string
	Phone    string
	Address  string
}

type caseEntryView struct {
	ID        uuid.UUID
	What      string
	Period    string
	Reason    string
	Status    string
	State     string // requested, approved, refused
	Requested time.Time
	Decided   time.Time
	Note      string
	CanDecide bool
}

type caseClockView struct {
	Base         string
	Effective    string
	Days         string
	Due          string
	Running      bool
	DeductedDays int
	Reasons      []string
	Milestones   []cases.NodeDeadline
	Entries      []caseEntryView
}

type caseView struct {
	Case        *cases.Case
	Open        bool
	Status      string
	Lane        string
	CaseType    string
	Amount      string
	Recovered   string
	Applicants  []casePartyView
	Respondents []casePartyView
	Clock       caseClockView
	Events      []cases.Event
	MoreEvents  bool // the timeline holds older entries than Events
	Targets     []caseOption
	Closures    []caseOption
	Deductions  []caseOption
	Lanes       []triage.LaneInfo
	Teams       []org.Team
	Handlers    []cases.Handler
	Forms       map[string]*caseForm
	Failed      string           // the form whose submission was refused
	Rules       legal.ClockRules // the court's values in force today, for the hints of the forms
	Assets      *assetsView      // the 查控 section (assets.go)
	Funds       *fundsView       // the 案款 section (funds.go)
	Campaigns   *campaignsBlock  // the case's mass-claim campaigns (campaigns.go), nil when none and none may be created
	Zhongben    *zhongbenView    // the 终本 conditions and the measures on file
	Supervision *caseSupView     // the case's supervision items (supervision.go)
	Entrusted   *caseEntrustView // the matters the case entrusted to other courts (entrust.go), nil when none and none may be sent
	Remedies    *caseRemedyView  // the case's remedies and hotline calls (remedies.go), nil when none and none may be filed
	Sanctions   *caseSxView      // 报告财产令, 限消, 失信 (sanctions.go)
}

// zhongbenView is the case page's 终本 section: the gate's list of what is
// missing (open cases), the measures on file and the form to record one.
type zhongbenView struct {
	Check    *cases.ZhongbenCheck
	Measures []*cases.Measure
	Kinds    []cases.MeasureKindInfo // what may be recorded now
	Today    string
	Withdraw string // the measure whose withdrawal was refused
	// AfterZhongben: the case is closed as 终本 and only the ZB-8 measures
	// (the 终本 database) may be recorded.
	AfterZhongben bool
}

// wholeTimeline is every entry of a case's timeline, oldest first (the case
// page's "显示全部").
func wholeTimeline(ctx context.Context, db *store.DB, id uuid.UUID) ([]cases.Event, error) {
	var all []cases.Event
	req := page.Request{Limit: page.MaxLimit}
	for {
		pg, err := cases.Timeline(ctx, db, id, req)
		if err != nil {
			return nil, err
		}
		all = append(all, pg.Items...)
		if pg.NextCursor == "" {
			slices.Reverse(all)
			return all, nil
		}
		req.Cursor = pg.NextCursor
	}
}

var caseFormNames = []string{"transition", "assignment", "deduction", "extension", "decision", "measure", "withdraw"}

func (u *UI) casePage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showCase(w, r, p, id, http.StatusOK, "", nil)
}

// showCase renders the case page; failed names the form whose submission
// was refused, with its state.
func (u *UI) showCase(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, failed string, form *caseForm) error {
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	v := caseView{Case: c, Open: c.Status != cases.StatusClosed, Status: caseStatusText(c.Status, c.Closure), Lane: triage.LaneName(c.Lane),
		CaseType: c.CaseType, Amount: yuanText(c.ClaimAmountFen), Recovered: yuanText(c.RecoveredAmountFen), Events: c.Events,
		Forms: map[string]*caseForm{}, Failed: failed}
	if c.EarlierEvents {
		if r.URL.Query().Get("timeline") == "all" {
			if v.Events, err = wholeTimeline(ctx, u.DB, c.ID); err != nil {
				return err
			}
		} else {
			v.MoreEvents = true
		}
	}
	for _, f := range caseFormNames {
		v.Forms[f] = &caseForm{Values: map[string]string{}, Errors: map[string]string{}}
	}
	if form != nil {
		v.Forms[failed] = form
	}
	types, err := org.CaseTypes(ctx, u.DB)
	if err != nil {
		return err
	}
	for _, t := range types {
		if t.Code == c.CaseType {
			v.CaseType = t.Name
		}
	}
	// Requests made today are checked against the values in force today
	// (CLOCK-3, CLOCK-9).
	if v.Rules, err = ruleparams.ClockRules(ctx, u.DB, c.CourtID, legal.Today(time.Now())); err != nil {
		return err
	}
	for _, pt := range c.Parties {
		pv := casePartyView{PartyID: pt.PartyID, Role: pt.Role, Kind: casePartyKind(pt.Kind), Name: pt.Name, IDMasked: legal.MaskID(pt.IDNumber),
			LegalRep: pt.LegalRep, Phone: legal.MaskPhone(pt.Phone), Address: pt.Address}
		if pt.Role == "applicant" {
			v.Applicants = append(v.Applicants, pv)
		} else {
			v.Respondents = append(v.Respondents, pv)
		}
	}
	if k := c.Clock; k != nil {
		d := k.Deadline
		v.Clock = caseClockView{Base: d.Base.String(), Effective: d.Effective.String(), Running: d.Running, DeductedDays: d.DeductedDays,
			Reasons: d.Reasons, Milestones: k.Milestones}
		if v.Open && !d.Effective.IsZero() {
			v.Clock.Days, v.Clock.Due = caseDaysLeft(d.DaysLeft)
		}
		for _, e := range k.Entries {
			v.Clock.Entries = append(v.Clock.Entries, caseEntryOf(p, e))
		}
	}
	if v.Zhongben, err = u.zhongbenSection(r, c, v.Open, failed, form); err != nil {
		return err
	}
	if v.Supervision, err = u.caseSupervision(r, p, c); err != nil {
		return err
	}
	if v.Entrusted, err = u.caseEntrust(ctx, p, c); err != nil {
		return err
	}
	if v.Remedies, err = u.caseRemedies(ctx, p, c); err != nil {
		return err
	}
	if v.Sanctions, err = u.caseSanctions(ctx, c); err != nil {
		return err
	}
	for _, s := range []string{cases.StatusInProgress, cases.StatusSuspended, cases.StatusDeferred} {
		if s == c.Status {
			continue
		}
		label := cases.StatusLabel(s)
		if s == cases.StatusInProgress && c.Status != cases.StatusFiled {
			label = "恢复执行"
		}
		v.Targets = append(v.Targets, caseOption{s, label})
	}
	for _, cl := range cases.Closures() {
		v.Closures = append(v.Closures, caseOption{cl.Code, cl.Label})
	}
	for _, k := range legal.DeductionKinds() {
		v.Deductions = append(v.Deductions, caseOption{string(k), k.Label()})
	}
	if v.Open && p.Can(access.CasesAssign) {
		v.Lanes = triage.Lanes()
		if v.Teams, err = u.caseLaneTeams(ctx, c.CourtID); err != nil {
			return err
		}
		if v.Handlers, err = cases.Handlers(ctx, u.DB, c.CourtID); err != nil {
			return err
		}
	}
	if v.Assets, err = u.caseAssets(ctx, p, c, r.URL.Query().Get("assets"), failed, form); err != nil {
		return err
	}
	if v.Funds, err = u.caseFunds(ctx, p, c, r.URL.Query().Get("funds"), r.URL.Query().Get("ledger"), failed, form); err != nil {
		return err
	}
	if v.Campaigns, err = u.caseCampaigns(ctx, p, c, failed, form); err != nil {
		return err
	}
	return u.render(w, r, status, "case", c.CaseNo, "cases", v)
}

func caseEntryOf(p *access.Principal, e cases.ClockEntry) caseEntryView {
	ev := caseEntryView{ID: e.ID, Reason: e.Reason, Status: cases.EntryStatusLabel(e.Status), State: e.Status,
		Requested: e.RequestedAt, Decided: e.DecidedAt, Note: e.DecisionNote}
	need := access.ClockApprove
	if e.Kind == "extension" {
		need = access.ClockExtend
		ev.What = "延长执行期限"
		ev.Period = strconv.Itoa(e.Months) + " 个月"
		if e.Days > 0 {
			ev.Period += " " + strconv.Itoa(e.Days) + " 日"
		}
	} else {
		ev.What = "扣除审限：" + e.DeductionKind.Label()
		switch {
		case e.To.IsZero():
			ev.Period = e.From.String() + " 起（进行中）"
		default:
			ev.Period = e.From.String() + " 至 " + e.To.String()
		}
	}
	ev.CanDecide = e.Status == "requested" && p.Can(need)
	return ev
}

func casePartyKind(k string) string {
	switch k {
	case "person":
		return "自然人"
	case "organization":
		return "单位"
	}
	return k
}

// changeCase runs a change of a case from one of its forms. Success goes back
// to the case page with a notice; a refusal (input 422, state 409) shows the
// case page again with the form as it was sent and every reason; nothing was
// changed. Other errors are error pages.
func (u *UI) changeCase(w http.ResponseWriter, r *http.Request, p *access.Principal, form, done string, fields []string,
	fn func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	_, err = store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return fn(ctx, tx, id)
	})
	if err == nil {
		redirect(w, r, "/cases/"+id.String(), done)
		return nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return err
	}
	f := &caseForm{Values: formValues(r, fields...), Errors: map[string]string{}, Message: e.Detail}
	if e.Code == "invalid_transition" || e.Code == "zhongben_conditions_unmet" {
		to := r.PostFormValue("to")
		label := cases.StatusLabel(to)
		if label == "" {
			label = cases.ClosureLabel(to)
		}
		if label == "" {
			label = to
		}
		f.Message = "案件不能变更为“" + label + "”，原因如下："
		for _, fe := range e.Fields {
			f.Reasons = append(f.Reasons, fe.Detail)
		}
	} else {
		for _, fe := range e.Fields {
			name := fe.Field
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			f.Errors[name] = fe.Detail
		}
	}
	return u.showCase(w, r, p, id, httperr.Status(e.Kind), form, f)
}

// caseFormDate reads an optional date from a form value.
func caseFormDate(r *http.Request, name, what string) (legal.Date, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return legal.Date{}, nil
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, apperr.InvalidField("invalid_date", "body."+name, what+"应为 YYYY-MM-DD 格式的有效日期")
	}
	return d, nil
}

func (u *UI) transitionCase(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeCase(w, r, p, "transition", "transition", []string{"to", "reason", "until", "performed_outside"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			until, err := caseFormDate(r, "until", "暂缓执行的截止日期")
			if err != nil {
				return nil, err
			}
			return cases.Transition(ctx, tx, id, cases.TransitionInput{To: r.PostFormValue("to"), Reason: r.PostFormValue("reason"),
				Until: until, PerformedOutside: r.PostFormValue("performed_outside") == "1"})
		})
}

func (u *UI) assignCase(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeCase(w, r, p, "assignment", "assigned", []string{"lane", "team_id", "handler_id", "reason"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			team, err := formID(r, "team_id")
			if err != nil {
				return nil, err
			}
			handler, err := formID(r, "handler_id")
			if err != nil {
				return nil, err
			}
			lane := strings.TrimSpace(r.PostFormValue("lane"))
			if lane != "" && triage.LaneName(lane) == "" {
				return nil, apperr.InvalidField("invalid_lane", "body.lane", "分流通道“"+lane+"”不存在")
			}
			return cases.Assign(ctx, tx, id, cases.AssignmentInput{Lane: lane, TeamID: team, HandlerID: handler,
				Reason: r.PostFormValue("reason")})
		})
}

func (u *UI) requestDeduction(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeCase(w, r, p, "deduction", "requested", []string{"kind", "from", "to", "reason"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			from, err := caseFormDate(r, "from", "开始日期")
			if err != nil {
				return nil, err
			}
			to, err := caseFormDate(r, "to", "结束日期")
			if err != nil {
				return nil, err
			}
			return cases.RequestDeduction(ctx, tx, id, cases.DeductionInput{Kind: r.PostFormValue("kind"), From: from, To: to,
				Reason: r.PostFormValue("reason")})
		})
}

func (u *UI) requestExtension(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeCase(w, r, p, "extension", "requested", []string{"months", "reason"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			months, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("months")))
			if err != nil || months < 1 || months > 12 {
				return nil, apperr.InvalidField("invalid_extension", "body.months", "请填写延长的月数（整数）")
			}
			return cases.RequestExtension(ctx, tx, id, months, r.PostFormValue("reason"))
		})
}

func (u *UI) decideEntry(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	entry, err := uuid.Parse(r.PathValue("entry_id"))
	if err != nil {
		return apperr.NotFoundf("期限申请")
	}
	return u.changeCase(w, r, p, "decision", "decided", []string{"decision", "note"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			var approve bool
			switch r.PostFormValue("decision") {
			case "approve":
				approve = true
			case "refuse":
			default:
				return nil, apperr.InvalidField("invalid_decision", "body.decision", "请选择批准或不批准")
			}
			return cases.DecideEntry(ctx, tx, id, entry, approve, r.PostFormValue("note"))
		})
}

// --- the party overview ---

type casePartyCaseRow struct {
	CaseID     uuid.UUID
	CaseNo     string
	Court      string
	Role       string
	Status     string
	Amount     string
	FiledOn    string
	PartyNames string
}

type casePartyPageView struct {
	Party  casePartyView
	Cases  []casePartyCaseRow
	Assets []partyAssetRow // assets.ForParty: what agencies reported, with every control on each
	Held   int             // the assets bound by a control in force
	// Respondent is set when the party is a respondent in a case shown:
	// only then is the asset section shown.
	Respondent bool
}

// partyAssetRow is an asset of the debtor with the controls on it across
// cases and courts, those binding it first in their order.
type partyAssetRow struct {
	ID           uuid.UUID
	Kind         string
	Institution  string
	Agency       string
	Ref          string
	Masked       bool
	Description  string
	Value        string
	Available    string
	Exempt       bool
	ExemptReason string
	LastSeen     time.Time
	Controls     []partyControlRow
}

type partyControlRow struct {
	CaseID  uuid.UUID
	CaseNo  string
	Court   string
	Visible bool // the case is in the caller's courts: linked
	Op      string
	Status  string
	State   string
	Rank    string
	Frozen  string // the amount in force (or asked, before the agency answered)
	TermTo  string
	Agency  string
	Ref     string
	// Preservation marks a preservation measure (财产保全) of a case not yet
	// in enforcement.
	Preservation bool
}

func (u *UI) partyPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	o, err := cases.GetPartyOverview(ctx, u.DB, id)
	if err != nil {
		return err
	}
	names, err := courtNames(ctx, u.DB)
	if err != nil {
		return err
	}
	pt := o.Party
	v := casePartyPageView{Party: casePartyView{PartyID: pt.PartyID, Kind: casePartyKind(pt.Kind), Name: pt.Name, IDMasked: legal.MaskID(pt.IDNumber),
		LegalRep: pt.LegalRep, Phone: legal.MaskPhone(pt.Phone), Address: pt.Address}}
	for _, c := range o.Cases {
		v.Respondent = v.Respondent || c.Role == "respondent"
		v.Cases = append(v.Cases, casePartyCaseRow{CaseID: c.CaseID, CaseNo: c.CaseNo, Court: names[c.CourtID], Role: casePartyRole(c.Role),
			Status: caseStatusText(c.Status, c.Closure), Amount: yuanText(c.ClaimAmountFen), FiledOn: c.FiledOn.String(), PartyNames: c.PartyNames})
	}
	list, err := assets.ForParty(ctx, u.DB, id)
	if err != nil {
		return err
	}
	for _, a := range list {
		row := partyAssetRowOf(a, p, names)
		if slices.ContainsFunc(a.Controls, func(c *assets.Control) bool { return c.Status.Held() }) {
			v.Held++
		}
		v.Assets = append(v.Assets, row)
	}
	return u.render(w, r, http.StatusOK, "party", pt.Name, "cases", v)
}

// partyAssetRowOf is an asset as the debtor page shows it; account numbers
// are masked as on the case page.
func partyAssetRowOf(a *assets.Asset, p *access.Principal, courts map[uuid.UUID]string) partyAssetRow {
	info, _ := agency.Info(a.Kind)
	row := partyAssetRow{ID: a.ID, Kind: info.Label, Institution: a.Institution, Agency: a.AgencyName, Ref: maskRef(a.Kind, a.Ref),
		Description: a.Description, Exempt: a.Exempt, ExemptReason: a.ExemptReason, LastSeen: a.LastSeenAt}
	row.Masked = row.Ref != a.Ref
	if a.ValueFen > 0 {
		row.Value = yuanText(a.ValueFen)
	}
	if info.Money || info.Deduct {
		row.Available = yuanText(a.AvailableFen)
	}
	for _, c := range a.Controls {
		cr := partyControlRow{CaseID: c.CaseID, CaseNo: c.CaseNo, Court: courts[c.CourtID], Visible: p.Sees(c.CourtID), Op: c.Op.Label(),
			Status: c.Status.Label(), State: string(c.Status), Rank: rankText(c), TermTo: c.TermTo.String(), Agency: c.AgencyName, Ref: c.AgencyRef, Preservation: c.Preservation}
		switch {
		case c.Status.Held() && (c.AmountFen > 0 || c.AmountAskedFen > 0):
			cr.Frozen = yuanText(c.AmountFen)
		case c.Status == assets.ControlRequested && c.AmountAskedFen > 0:
			cr.Frozen = "申请 " + yuanText(c.AmountAskedFen)
		}
		row.Controls = append(row.Controls, cr)
	}
	return row
}

func casePartyRole(role string) string {
	switch role {
	case "applicant":
		return "申请执行人"
	case "respondent":
		return "被执行人"
	}
	return role
}

// zhongbenSection reads the 终本 conditions of an open case and the
// measures on file.
func (u *UI) zhongbenSection(r *http.Request, c *cases.Case, open bool, failed string, form *caseForm) (*zhongbenView, error) {
	ctx := r.Context()
	z := &zhongbenView{Today: legal.Today(time.Now()).String(), AfterZhongben: c.Status == cases.StatusClosed && c.Closure == cases.ClosureZhongben}
	for _, k := range cases.MeasureKinds() {
		if k.AfterZhongben == z.AfterZhongben {
			z.Kinds = append(z.Kinds, k)
		}
	}
	var err error
	if z.Measures, err = cases.CaseMeasures(ctx, u.DB, c.ID); err != nil {
		return nil, err
	}
	if open {
		if z.Check, err = cases.CheckZhongben(ctx, u.DB, c.ID); err != nil {
			return nil, err
		}
	}
	if failed == "withdraw" && form != nil {
		z.Withdraw = form.Values["measure_id"]
	}
	return z, nil
}

// recordMeasure records an enforcement measure from the case page.
func (u *UI) recordMeasure(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeCase(w, r, p, "measure", "measure", []string{"kind", "done_on", "document_no", "note"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			in := cases.MeasureInput{Kind: cases.MeasureKind(strings.TrimSpace(r.PostFormValue("kind"))), DocumentNo: r.PostFormValue("document_no"),
				Note: r.PostFormValue("note")}
			if s := strings.TrimSpace(r.PostFormValue("done_on")); s != "" {
				d, err := legal.ParseDate(s)
				if err != nil {
					return nil, apperr.InvalidField("invalid_date", "body.done_on", "办理日期应为 YYYY-MM-DD")
				}
				in.DoneOn = d
			}
			_, err := cases.RecordMeasure(ctx, tx, id, in)
			return nil, err
		})
}

// withdrawMeasure withdraws a measure recorded in error, from the case page.
func (u *UI) withdrawMeasure(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	mid, err := uuid.Parse(r.PathValue("measure_id"))
	if err != nil {
		return apperr.NotFoundf("执行措施记录")
	}
	return u.changeCase(w, r, p, "withdraw", "withdrawn", []string{"reason", "measure_id"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Case, error) {
			var owner uuid.UUID
			if err := tx.QueryRow(ctx, `SELECT case_id FROM case_measures WHERE id = ?`, mid).Scan(&owner); err != nil || owner != id {
				return nil, apperr.NotFoundf("执行措施记录")
			}
			_, err := cases.WithdrawMeasure(ctx, tx, mid, r.PostFormValue("reason"))
			return nil, err
		})
}

// caseTypeWords names the case types of a comma-separated list.
func caseTypeWords(list string, all []org.CaseType) string {
	var names []string
	for _, code := range strings.Split(list, ",") {
		name := code
		for _, t := range all {
			if t.Code == code {
				name = t.Name
			}
		}
		names = append(names, name)
	}
	return strings.Join(names, "、")
}

// drillDown reads the filters of a KPI drill-down (/kpis links): the
// court, the filing or closing period and the closure mode; a bad one is
// dropped with a message.
func drillDown(q url.Values, f *casesFilter, cf *cases.Filter) []string {
	var problems []string
	if id, err := formIDValue(q.Get("court")); err == nil && id != uuid.Nil {
		f.Court, cf.CourtID = id.String(), id
	}
	var words []string
	for _, d := range []struct {
		raw   string
		keep  *string
		to    *legal.Date
		label string
	}{{q.Get("filed_from"), &f.FiledFrom, &cf.FiledFrom, "立案不早于"}, {q.Get("filed_to"), &f.FiledTo, &cf.FiledTo, "立案不晚于"},
		{q.Get("closed_from"), &f.ClosedFrom, &cf.ClosedFrom, "结案不早于"}, {q.Get("closed_to"), &f.ClosedTo, &cf.ClosedTo, "结案不晚于"}} {
		if d.raw = strings.TrimSpace(d.raw); d.raw == "" {
			continue
		}
		day, err := legal.ParseDate(d.raw)
		if err != nil {
			problems = append(problems, "日期“"+d.raw+"”应为 YYYY-MM-DD 格式的有效日期，已忽略该条件。")
			continue
		}
		*d.keep, *d.to = day.String(), day
		words = append(words, d.label+" "+day.String())
	}
	if c := q.Get("closure"); c != "" {
		// One closure, or several separated by commas (MET-4's 实际执结).
		var labels []string
		for _, one := range strings.Split(c, ",") {
			if l := cases.ClosureLabel(one); l != "" {
				labels = append(labels, l)
			} else {
				labels = nil
				break
			}
		}
		if labels != nil {
			f.Closure, cf.Closure = c, c
			words = append(words, "结案方式 "+strings.Join(labels, "或"))
		}
	}
	f.DrillDown = strings.Join(words, "，")
	return problems
}
