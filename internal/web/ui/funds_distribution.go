package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Distribution plans in the 案款 section (分配方案, DOMAIN.md §10, DIST-1 to
// DIST-4): the form that drafts a plan for the money held for one of the
// case's respondents; the plans the case takes part in, each with its
// claims and shares, its objection period and its objections; and, on the
// page of the case that holds the money, the actions that serve the plan,
// record and move on objections, carry it out or withdraw it. The forms
// work as the others of the section (fundsAction).

func (u *UI) registerDistributions(mux *http.ServeMux) {
	mux.Handle("POST /cases/{id}/funds/distributions", u.page(u.proposeDistribution))
	mux.Handle("POST /cases/{id}/funds/distributions/{dist_id}/publication", u.page(u.publishDistribution))
	mux.Handle("POST /cases/{id}/funds/distributions/{dist_id}/objections", u.page(u.objectToDistribution))
	mux.Handle("POST /cases/{id}/funds/distributions/{dist_id}/objections/{obj_id}/step", u.page(u.advanceObjection))
	mux.Handle("POST /cases/{id}/funds/distributions/{dist_id}/execution", u.page(u.executeDistribution))
	mux.Handle("POST /cases/{id}/funds/distributions/{dist_id}/withdrawal", u.page(u.withdrawDistribution))
}

// distProposal is the form that drafts a plan.
type distProposal struct {
	Form    *caseForm
	Open    bool // shown open: it was refused
	Debtors []payoutParty
}

type distributionRow struct {
	ID           uuid.UUID
	SourceCaseID uuid.UUID
	SourceCaseNo string
	Own          bool // the plan shares money held in this case
	Debtor       string
	Amount       string
	Left         string
	Rule         string
	Status       string
	State        string
	PublishedOn  string
	ObjectionDue string
	Note         string
	CreatedBy    string
	CreatedAt    time.Time
	ExecutedAt   time.Time
	EndReason    string
	Claims       []distClaimRow
	Objections   []objectionRow
	Total        string
	// The forms, on the source case's page for those who handle funds.
	Publish      *caseForm
	Execute      *caseForm
	Withdraw     *caseForm
	WithdrawOpen bool
	Object       *caseForm
	ObjectOpen   bool
	ObjectCases  []payoutParty
}

type distClaimRow struct {
	CaseID     uuid.UUID
	CaseNo     string
	Applicants string
	This       bool
	Costs      string
	Priority   string
	Ordinary   string
	Rank       string
	ShareCosts string
	SharePrio  string
	ShareOrd   string
	Share      string
}

type objectionRow struct {
	ID          uuid.UUID
	CaseNo      string
	Objector    string
	Reason      string
	FiledOn     string
	CounterDue  string
	CounteredOn string
	SuitDue     string
	Status      string
	State       string
	OutcomeNote string
	By          string
	Step        *caseForm
	StepOpen    bool
	Steps       []payoutParty
}

var objectionStatus = map[string]string{"open": "待反对意见", "countered": "已被反对，待起诉", "sued": "诉讼中",
	"upheld": "异议成立", "dismissed": "异议不成立"}

// objectionSteps are the steps an objection in a state may take.
var objectionSteps = map[string][]payoutParty{
	"open": {{Value: "countered", Label: "有人提出反对意见"}, {Value: "upheld", Label: "期限届满无人反对，异议成立"},
		{Value: "dismissed", Label: "异议人撤回或异议不成立"}},
	"countered": {{Value: "sued", Label: "异议人已起诉"}, {Value: "dismissed", Label: "期限内未起诉，按原方案分配"},
		{Value: "upheld", Label: "异议成立"}},
	"sued": {{Value: "upheld", Label: "判决异议成立"}, {Value: "dismissed", Label: "判决驳回异议"}},
}

// caseDistributions fills the section's plans: the drafting form and the
// plans the case takes part in with their forms.
func (u *UI) caseDistributions(ctx context.Context, v *fundsView, c *cases.Case, l *funds.CaseLedger, today legal.Date,
	formFor func(string) *caseForm) error {
	list, err := funds.CaseDistributions(ctx, u.DB, c.ID)
	if err != nil {
		return err
	}
	open := false
	for _, d := range list {
		if d.SourceCaseID == c.ID && (d.Status == "draft" || d.Status == "published") {
			open = true
		}
		v.Distributions = append(v.Distributions, distributionRowOf(d, c.ID, v.CanHandle, today, formFor))
	}
	if !v.CanHandle {
		return nil
	}
	held := map[uuid.UUID]int64{}
	for _, a := range l.Accounts {
		if a.Role == "respondent" {
			held[a.PartyID] += a.Balance
		}
	}
	f := formFor("funds:distpropose")
	holds := false
	for _, r := range c.Respondents() {
		holds = holds || held[r.PartyID] > 0
	}
	if f == nil && (open || !holds) {
		return nil
	}
	pr := &distProposal{Form: f, Open: f != nil}
	if pr.Form == nil {
		pr.Form = newAssetForm(nil)
	}
	chosen := pr.Form.Values["debtor_party_id"]
	for _, r := range c.Respondents() {
		if chosen == "" && held[r.PartyID] > 0 {
			chosen = r.PartyID.String()
		}
	}
	for _, r := range c.Respondents() {
		pr.Debtors = append(pr.Debtors, payoutParty{Value: r.PartyID.String(), Label: r.Name + "（本案代管 " + yuanText(held[r.PartyID]) + " 元）",
			Selected: r.PartyID.String() == chosen})
	}
	v.DistPropose = pr
	return nil
}

func distributionRowOf(d *funds.Distribution, caseID uuid.UUID, canHandle bool, today legal.Date, formFor func(string) *caseForm) distributionRow {
	row := distributionRow{ID: d.ID, SourceCaseID: d.SourceCaseID, SourceCaseNo: d.SourceCaseNo, Own: d.SourceCaseID == caseID, Debtor: d.DebtorName,
		Amount: yuanText(d.AmountFen), Left: yuanText(d.LeftFen), Rule: "按债权比例分配（DIST-2）", Status: d.StatusLabel(), State: d.Status,
		Note: d.Note, CreatedBy: d.CreatedByName, CreatedAt: d.CreatedAt, ExecutedAt: d.ExecutedAt, EndReason: d.EndReason}
	if d.LegalPerson {
		row.Rule = "被执行人为法人或其他组织：按采取执行措施的先后受偿（DIST-3）"
	}
	if !d.PublishedOn.IsZero() {
		row.PublishedOn = d.PublishedOn.String()
	}
	if !d.ObjectionDue.IsZero() {
		row.ObjectionDue = d.ObjectionDue.String()
	}
	caseNos := map[uuid.UUID]string{}
	var total int64
	for _, cl := range d.Claims {
		caseNos[cl.CaseID] = cl.CaseNo
		total += cl.Share.Total()
		cr := distClaimRow{CaseID: cl.CaseID, CaseNo: cl.CaseNo, Applicants: cl.Applicants, This: cl.CaseID == caseID, Costs: yuanText(cl.CostsFen),
			Priority: yuanText(cl.PriorityFen), Ordinary: yuanText(cl.OrdinaryFen), Rank: "—", ShareCosts: yuanText(cl.Share.CostsFen),
			SharePrio: yuanText(cl.Share.PriorityFen), ShareOrd: yuanText(cl.Share.OrdinaryFen), Share: yuanText(cl.Share.Total())}
		if cl.Rank > 0 {
			cr.Rank = strconv.Itoa(cl.Rank)
		}
		row.Claims = append(row.Claims, cr)
	}
	row.Total = yuanText(total)
	act := canHandle && row.Own
	id := d.ID.String()
	for _, o := range d.Objections {
		or := objectionRow{ID: o.ID, CaseNo: caseNos[o.CaseID], Objector: o.Objector, Reason: o.Reason, FiledOn: o.FiledOn.String(),
			CounterDue: o.CounterDue.String(), Status: objectionStatus[o.Status], State: o.Status, OutcomeNote: o.OutcomeNote, By: o.CreatedByName}
		if !o.CounteredOn.IsZero() {
			or.CounteredOn = o.CounteredOn.String()
		}
		if !o.SuitDue.IsZero() {
			or.SuitDue = o.SuitDue.String()
		}
		if act && o.Pending() && d.Status == "published" {
			if or.Step = formFor("funds:diststep:" + o.ID.String()); or.Step != nil {
				or.StepOpen = true
			} else {
				or.Step = newAssetForm(nil)
			}
			for _, s := range objectionSteps[o.Status] {
				s.Selected = or.Step.Values["step"] == s.Value
				or.Steps = append(or.Steps, s)
			}
		}
		row.Objections = append(row.Objections, or)
	}
	if !act {
		return row
	}
	form := func(name string) *caseForm {
		if f := formFor(name); f != nil {
			return f
		}
		return newAssetForm(nil)
	}
	switch d.Status {
	case "draft":
		row.Publish = form("funds:distpublish:" + id)
	case "published":
		row.Execute = form("funds:distexec:" + id)
		if !today.After(d.ObjectionDue) || formFor("funds:distobject:"+id) != nil {
			row.Object = form("funds:distobject:" + id)
			row.ObjectOpen = formFor("funds:distobject:"+id) != nil
			chosen := row.Object.Values["case_id"]
			for _, cl := range d.Claims {
				row.ObjectCases = append(row.ObjectCases, payoutParty{Value: cl.CaseID.String(), Label: cl.CaseNo + " " + cl.Applicants,
					Selected: cl.CaseID.String() == chosen})
			}
		}
	}
	if d.Status == "draft" || d.Status == "published" {
		row.Withdraw = form("funds:distwithdraw:" + id)
		row.WithdrawOpen = formFor("funds:distwithdraw:"+id) != nil
	}
	return row
}

// proposeDistribution drafts a plan for money held for a respondent of the
// case; the amount is typed in yuan, empty for all of it.
func (u *UI) proposeDistribution(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.fundsAction(w, r, p, "funds:distpropose", []string{"debtor_party_id", "amount", "note"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			var probs apperr.Problems
			debtor, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("debtor_party_id")))
			if err != nil {
				probs.Add("debtor_required", "body.debtor_party_id", "请选择被执行人")
			}
			amount, err := yuanField(r, "amount", "分配金额")
			switch {
			case err != nil:
				probs.AddErr("body.amount", err)
			case amount < 0:
				probs.Add("invalid_amount", "body.amount", "分配金额（元）须大于 0；不填则分配该被执行人在本案代管的全部款项")
			}
			if err := probs.Err(); err != nil {
				return "", err
			}
			_, err = funds.ProposeDistribution(ctx, tx, caseID, funds.DistributionInput{DebtorPartyID: debtor, AmountFen: amount,
				Note: r.PostFormValue("note")})
			return "dist_proposed", err
		})
}

// caseDistribution reads the plan of the path and checks the case takes
// part in it; any other is "not found".
func (u *UI) caseDistribution(r *http.Request) (*funds.Distribution, error) {
	caseID, err := pathID(r)
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(r.PathValue("dist_id"))
	if err != nil {
		return nil, apperr.NotFoundf("分配方案")
	}
	list, err := funds.CaseDistributions(r.Context(), u.DB, caseID)
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, apperr.NotFoundf("分配方案")
}

func (u *UI) publishDistribution(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	d, err := u.caseDistribution(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:distpublish:"+d.ID.String(), nil, func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
		_, err := funds.PublishDistribution(ctx, tx, d.ID)
		return "dist_published", err
	})
}

func (u *UI) objectToDistribution(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	d, err := u.caseDistribution(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:distobject:"+d.ID.String(), []string{"case_id", "objector", "reason"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			objCase, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("case_id")))
			if err != nil {
				return "", apperr.InvalidField("case_not_in_plan", "body.case_id", "请选择异议人所在的案件")
			}
			_, err = funds.ObjectToDistribution(ctx, tx, d.ID, funds.ObjectionInput{CaseID: objCase, Objector: r.PostFormValue("objector"),
				Reason: r.PostFormValue("reason")})
			return "dist_objected", err
		})
}

func (u *UI) advanceObjection(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	d, err := u.caseDistribution(r)
	if err != nil {
		return err
	}
	obj, err := uuid.Parse(r.PathValue("obj_id"))
	if err != nil {
		return apperr.NotFoundf("异议")
	}
	found := false
	for _, o := range d.Objections {
		found = found || o.ID == obj
	}
	if !found {
		return apperr.NotFoundf("异议")
	}
	return u.fundsAction(w, r, p, "funds:diststep:"+obj.String(), []string{"step", "note"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			step := funds.ObjectionStep(r.PostFormValue("step"))
			switch step {
			case funds.StepCountered, funds.StepSued, funds.StepUpheld, funds.StepDismissed:
			default:
				return "", apperr.InvalidField("invalid_step", "body.step", "请选择异议的处理结果")
			}
			if _, err := funds.AdvanceObjection(ctx, tx, d.ID, obj, step, r.PostFormValue("note")); err != nil {
				return "", err
			}
			return "dist_" + string(step), nil
		})
}

func (u *UI) executeDistribution(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	d, err := u.caseDistribution(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:distexec:"+d.ID.String(), nil, func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
		_, err := funds.ExecuteDistribution(ctx, tx, d.ID)
		return "dist_executed", err
	})
}

func (u *UI) withdrawDistribution(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	d, err := u.caseDistribution(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:distwithdraw:"+d.ID.String(), []string{"reason"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			_, err := funds.WithdrawDistribution(ctx, tx, d.ID, r.PostFormValue("reason"))
			return "dist_withdrawn", err
		})
}
