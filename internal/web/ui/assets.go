package ui

import (
	"context"
	"crypto/rand"
	"net/http"
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
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The 查控 section of the case page (DOMAIN.md §4): the case's inquiries,
// the assets its respondents were found to hold, its controls and the
// requests still waiting at agencies; and the forms that start an inquiry,
// freeze or seize an asset, renew, release or deduct under a control. Each
// form posts to its own route; htmx swaps the section in place, without
// JavaScript the browser is sent back to the case page.

// registerAssets mounts the actions of the 查控 section.
func (u *UI) registerAssets(mux *http.ServeMux) {
	mux.Handle("POST /cases/{id}/inquiries", u.page(u.inquireAssets))
	mux.Handle("POST /cases/{id}/controls", u.page(u.placeControl))
	mux.Handle("POST /cases/{id}/controls/{control_id}/renewal", u.page(u.changeControl(agency.OpRenew)))
	mux.Handle("POST /cases/{id}/controls/{control_id}/release", u.page(u.changeControl(agency.OpRelease)))
	mux.Handle("POST /cases/{id}/controls/{control_id}/deduction", u.page(u.changeControl(agency.OpDeduct)))
	mux.Handle("POST /cases/{id}/fast-path", u.page(u.approveFastPath))
}

// assetNotices are the messages the section shows after an action.
var assetNotices = map[string]string{
	"inquired":  "已发起查询，系统正在向各协执单位发送；结果到达后自动列入下方。",
	"freeze":    "已提交冻结，等待协执单位办理；办理结果（首封或轮候、实际冻结金额）到达后自动更新。",
	"seize":     "已提交查封，等待协执单位办理；办理结果到达后自动更新。",
	"renew":     "已提交续行，等待协执单位办理。",
	"release":   "已提交解除，等待协执单位办理。",
	"deduct":    "已提交扣划，等待协执单位办理。",
	"fastpath":  "已批准快速扣划：系统正在向协执单位发送扣划（每项冻结一笔，合计为应清偿金额）；办结后自动记录划款回单。",
	"duplicate": "该表单已经提交过一次，没有重复办理；以下是最新情况。",
}

// Default reasons of the forms: a few clicks for the usual case, always
// editable.
const (
	defaultControlReason = "被执行人未履行生效法律文书确定的义务，控制其财产"
	defaultRenewReason   = "控制期限届满前申请续行（TERM-2）"
	defaultDeductReason  = "扣划已冻结款项至法院执行款账户"
)

// purposeSuggestions are offered (not imposed) for an inquiry's purpose.
var purposeSuggestions = []string{
	"申请执行人提供财产线索后复查",
	"采取控制措施前核实财产现状",
	"执行过程中定期复查被执行人财产",
	"被执行人报告财产后核实",
}

// maskedKinds are the kinds whose reference is an account number: shown
// with its last 4 characters only.
var maskedKinds = map[agency.Kind]bool{
	agency.BankDeposit: true, agency.BankWealth: true, agency.InternetBank: true, agency.Alipay: true, agency.Tenpay: true,
	agency.Securities: true, agency.HousingFund: true, agency.SocialSecurity: true,
}

// maskRef shows an account number as its last 4 characters; other
// references (certificates, plates) are shown whole.
func maskRef(k agency.Kind, ref string) string {
	r := []rune(strings.TrimSpace(ref))
	if !maskedKinds[k] || len(r) <= 4 {
		return string(r)
	}
	return "****" + string(r[len(r)-4:])
}

// --- the view ---

type assetsView struct {
	CaseID      uuid.UUID
	CaseNo      string
	Token       string // this rendering's form token (see formKey)
	Notice      string
	CanInquire  bool
	CanControl  bool
	NoActions   string // why a user who may act cannot here
	Inquiry     *caseForm
	Kinds       []assetChoice
	Respondents []assetChoice
	Purposes    []string
	Inquiries   []inquiryRow
	Groups      []assetGroup
	AssetCount  int
	Controls    []controlRow
	Backlog     []agencyBacklog
	Capped      bool // the requests read were capped at assets.RequestsShown
	Offer       *offerView
	Requery     *requeryView
	Proposals   []proposalItem
	CanReview   bool // may decide restoration proposals (applications.review)
	// Refusal is why an action was refused when its form is no longer
	// shown (the fast path's offer went away meanwhile).
	Refusal string
	// The seizure registry across cases (transfers.go): the transfer
	// requests the case sent or received (TERM-4) and the preservation
	// measures it may carry (TERM-5).
	Transfers []transferRow
	Carry     *carryView
}

// offerView is the fast path's offer (assets.Offer): what the debtor owes
// against what is frozen, and the approval of the deduction.
type offerView struct {
	Principal  string
	Interest   string
	Fee        string
	Owed       string
	Frozen     string
	Covered    bool
	Pending    bool
	Short      string // what the frozen money lacks
	Freezes    int    // the freezes a deduction would draw on
	CanApprove bool
	Form       *caseForm
}

// requeryView is the re-query schedule of a 终本 case (ZB-9).
type requeryView struct {
	StartedOn string
	NextOn    string
	UntilOn   string
	Runs      int
	Active    bool
	EndReason string
}

// proposalItem is a restoration proposal of the case.
type proposalItem struct {
	ID        uuid.UUID
	At        time.Time
	Summary   string
	Found     string
	Status    string
	State     string // proposed, approved, rejected
	DecidedBy string
	DecidedAt time.Time
	Note      string
	NewCaseID uuid.UUID
	NewCaseNo string
}

type assetChoice struct {
	Value, Label string
	Checked      bool
	Note         string
}

type inquiryRow struct {
	Source   string
	Purpose  string
	Kinds    string
	By       string
	At       time.Time
	Finished time.Time
	Status   string
	State    string // pending, open, done
	Answered int
	Requests int
	Found    int
}

type assetGroup struct {
	Party string
	Count int
	Kinds []assetKindGroup
}

type assetKindGroup struct {
	Label string
	Rows  []assetRow
}

type assetRow struct {
	ID           uuid.UUID
	Kind         string
	Institution  string
	Agency       string
	Ref          string
	Masked       bool
	Description  string
	Value        string // "" when the agency gave none
	Available    string // money and balances only
	Exempt       bool
	ExemptReason string
	FirstFound   time.Time
	LastSeen     time.Time
	Holds        []string // the controls binding it, of this case and others
	Op           string   // 冻结 or 查封; "" for information only
	Here         string   // this case's control on it, when there is one
	CanControl   bool
	TakesAmount  bool // a freeze: up to an amount
	NeedAmount   bool // money the agency can move: the amount is required
	MaxMonths    int
	TermHint     string
	AmountHint   string
	Form         *caseForm
	Open         bool // the form is shown open (it was refused)
}

type controlRow struct {
	ID         uuid.UUID
	Asset      string
	Party      string
	Op         string
	Status     string
	State      string
	Money      bool
	Asked      string
	Frozen     string
	Deducted   string
	Partial    string
	Rank       string
	TermTo     string
	Days       string
	Due        string // soon, overdue
	Ruling     string
	AgencyRef  string
	Agency     string
	Ended      string
	Pending    string // a renewal, release or deduction waiting at the agency
	LastChange string // the outcome of the latest one
	Held       bool
	CanChange  bool
	CanDeduct  bool
	MaxMonths  int
	RenewHint  string
	Renew      *caseForm
	Release    *caseForm
	Deduct     *caseForm
	Open       string // the change form shown open (it was refused)
	// The registry's marks (transfers.go): a preservation measure, one
	// carried from a preservation case, a duplicate preservation (TERM-5);
	// for a waiting seizure behind another court's 首封, that 首封 and the
	// 商请移送 form or where the request stands (TERM-4).
	Preservation   bool
	CarriedFrom    *caseLink
	DuplicateOf    *caseLink
	FirstElsewhere string
	TransferNote   string
	Transfer       *caseForm
}

type agencyBacklog struct {
	Agency   string
	Queued   int
	Sent     int
	Oldest   time.Time
	LastErr  string
	Attempts int
}

// newAssetForm is a form state with its defaults.
func newAssetForm(values map[string]string) *caseForm {
	if values == nil {
		values = map[string]string{}
	}
	return &caseForm{Values: values, Errors: map[string]string{}}
}

// caseAssets builds the section for case c. failed names the form whose
// submission was refused and form its state; notice is a key of
// assetNotices.
func (u *UI) caseAssets(ctx context.Context, p *access.Principal, c *cases.Case, notice, failed string, form *caseForm) (*assetsView, error) {
	cv, err := assets.ForCase(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	rulings, err := assets.ControlRulings(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	today := legal.Today(u.Now())
	rules, err := ruleparams.Resolve(ctx, u.DB, c.CourtID, today)
	if err != nil {
		return nil, err
	}
	open := c.Status != cases.StatusClosed
	v := &assetsView{CaseID: c.ID, CaseNo: c.CaseNo, Token: rand.Text(), Notice: assetNotices[notice], Purposes: purposeSuggestions,
		CanInquire: open && p.Can(access.AssetsInquire),
		CanControl: (open || c.Closure == "zhongben") && p.Can(access.AssetsControl),
		Capped:     len(cv.Requests) >= assets.RequestsShown}
	if !open && (p.Can(access.AssetsInquire) || p.Can(access.AssetsControl)) {
		v.NoActions = "案件已结案（" + cases.ClosureLabel(c.Closure) + "），不能再发起查询"
		if c.Closure == "zhongben" {
			v.NoActions += "；终本案件由系统每 6 个月自动复查，控制措施仍可续行、解除或扣划（TERM-7）"
		}
		v.NoActions += "。"
	}
	formFor := func(name string) *caseForm {
		if failed == name && form != nil {
			return form
		}
		return nil
	}

	// The inquiry form: every kind and every respondent unless the refused
	// form said otherwise.
	v.Inquiry = formFor("inquiry")
	var chosenKinds, chosenParties []string
	if v.Inquiry != nil {
		chosenKinds, chosenParties = strings.Fields(v.Inquiry.Values["kinds"]), strings.Fields(v.Inquiry.Values["party_ids"])
	} else {
		v.Inquiry = newAssetForm(nil)
	}
	for _, k := range agency.Kinds {
		ch := assetChoice{Value: string(k.Kind), Label: k.Label, Checked: failed != "inquiry" || slices.Contains(chosenKinds, string(k.Kind))}
		if k.Person {
			ch.Note = "仅自然人"
		}
		v.Kinds = append(v.Kinds, ch)
	}
	for _, r := range c.Respondents() {
		id := r.PartyID.String()
		v.Respondents = append(v.Respondents, assetChoice{Value: id, Label: r.Name,
			Checked: failed != "inquiry" || slices.Contains(chosenParties, id)})
	}

	for _, q := range cv.Inquiries {
		row := inquiryRow{Source: q.Source.Label(), Purpose: q.Purpose, Kinds: "全部类别", By: q.RequestedByName, At: q.CreatedAt,
			Finished: q.FinishedAt, Status: q.StatusLabel(), State: q.Status, Answered: q.Answered, Requests: q.Requests, Found: q.Found}
		if len(q.Kinds) > 0 {
			labels := make([]string, len(q.Kinds))
			for i, k := range q.Kinds {
				labels[i] = k.Label()
			}
			row.Kinds = strings.Join(labels, "、")
		}
		v.Inquiries = append(v.Inquiries, row)
	}

	// What the case still has to secure: the claim less what was recovered
	// and what its controls hold or are asking for (a freeze form's default).
	outstanding := c.ClaimAmountFen - c.RecoveredAmountFen
	for _, ctl := range cv.Controls {
		switch ctl.Status {
		case assets.ControlActive:
			outstanding -= ctl.AmountFen
		case assets.ControlRequested:
			outstanding -= ctl.AmountAskedFen
		}
	}

	// Assets, by respondent (in the case's order) then kind (in the
	// catalogue's order).
	v.AssetCount = len(cv.Assets)
	order := map[uuid.UUID]int{}
	for i, r := range c.Respondents() {
		order[r.PartyID] = i
	}
	byParty := map[uuid.UUID][]*assets.Asset{}
	var parties []uuid.UUID
	for _, a := range cv.Assets {
		if _, ok := byParty[a.PartyID]; !ok {
			parties = append(parties, a.PartyID)
		}
		byParty[a.PartyID] = append(byParty[a.PartyID], a)
	}
	slices.SortStableFunc(parties, func(a, b uuid.UUID) int { return order[a] - order[b] })
	for _, pid := range parties {
		list := byParty[pid]
		g := assetGroup{Party: list[0].PartyName, Count: len(list)}
		for _, k := range agency.Kinds {
			var kg *assetKindGroup
			for _, a := range list {
				if a.Kind != k.Kind {
					continue
				}
				if kg == nil {
					g.Kinds = append(g.Kinds, assetKindGroup{Label: k.Label})
					kg = &g.Kinds[len(g.Kinds)-1]
				}
				kg.Rows = append(kg.Rows, u.assetRowOf(a, c, v.CanControl, rules, today, outstanding, formFor("control:"+a.ID.String())))
			}
		}
		v.Groups = append(v.Groups, g)
	}

	// This case's controls, with the latest renewal, release or deduction
	// of each.
	assetOf := map[uuid.UUID]*assets.Asset{}
	for _, a := range cv.Assets {
		assetOf[a.ID] = a
	}
	changes := map[uuid.UUID][]*assets.Request{} // latest first
	backlog := map[string]*agencyBacklog{}
	var agencies []string
	for _, r := range cv.Requests {
		if r.ControlID != uuid.Nil && r.Op != agency.OpFreeze && r.Op != agency.OpSeize {
			changes[r.ControlID] = append(changes[r.ControlID], r)
		}
		if r.Status.Final() {
			continue
		}
		b := backlog[r.AgencyName]
		if b == nil {
			b = &agencyBacklog{Agency: r.AgencyName, Oldest: r.CreatedAt}
			backlog[r.AgencyName] = b
			agencies = append(agencies, r.AgencyName)
		}
		if r.Status == assets.RequestQueued {
			b.Queued++
		} else {
			b.Sent++
		}
		if r.CreatedAt.Before(b.Oldest) {
			b.Oldest = r.CreatedAt
		}
		if r.LastError != "" && b.LastErr == "" {
			b.LastErr = r.LastError
		}
		b.Attempts = max(b.Attempts, r.Attempts)
	}
	slices.Sort(agencies)
	for _, name := range agencies {
		v.Backlog = append(v.Backlog, *backlog[name])
	}
	for _, ctl := range cv.Controls {
		row := controlRowOf(ctl, assetOf[ctl.AssetID], changes[ctl.ID], rulings[ctl.ID], today, rules, c, v.CanControl)
		id := ctl.ID.String()
		for _, op := range []string{"renew", "release", "deduct"} {
			if f := formFor(op + ":" + id); f != nil {
				row.Open = op
				switch op {
				case "renew":
					row.Renew = f
				case "release":
					row.Release = f
				case "deduct":
					row.Deduct = f
				}
			}
		}
		v.Controls = append(v.Controls, row)
	}
	v.Offer = offerViewOf(cv, p, formFor("fastpath"))
	if f := formFor("fastpath"); f != nil && v.Offer == nil {
		v.Refusal = f.Message
	}
	if q := cv.Requery; q != nil {
		v.Requery = &requeryView{StartedOn: q.StartedOn.String(), NextOn: q.NextOn.String(), UntilOn: q.UntilOn.String(), Runs: q.Runs,
			Active: q.Status == "active", EndReason: q.EndReason}
	}
	for _, pr := range cv.Proposals {
		v.Proposals = append(v.Proposals, proposalItem{ID: pr.ID, At: pr.CreatedAt, Summary: pr.Summary, Found: yuanText(pr.FoundFen),
			Status: pr.StatusLabel(), State: pr.Status, DecidedBy: pr.DecidedByName, DecidedAt: pr.DecidedAt, Note: pr.DecisionNote,
			NewCaseID: pr.NewCaseID, NewCaseNo: pr.NewCaseNo})
	}
	v.CanReview = p.Can(access.ApplicationsReview)
	caseRegistry(v, cv, c, p, today, failed, form, formFor)
	return v, nil
}

// offerViewOf is the fast path's offer of a case view, nil when there is
// none; form is its approval form as sent when it was refused.
func offerViewOf(cv *assets.CaseView, p *access.Principal, form *caseForm) *offerView {
	o := cv.Offer
	if o == nil {
		return nil
	}
	v := &offerView{Principal: yuanText(o.PrincipalFen), Interest: yuanText(o.InterestFen), Fee: yuanText(o.FeeFen), Owed: yuanText(o.OwedFen),
		Frozen: yuanText(o.FrozenFen), Covered: o.Covered, Pending: o.Pending, Freezes: len(o.Freezes), Form: form}
	if !o.Covered {
		v.Short = yuanText(o.OwedFen - o.FrozenFen)
	}
	v.CanApprove = o.Covered && !o.Pending && p.Can(access.AssetsControl)
	if v.Form == nil {
		v.Form = newAssetForm(nil)
	}
	return v
}

// assetRowOf is an asset as a row, with its control form's defaults.
func (u *UI) assetRowOf(a *assets.Asset, c *cases.Case, canControl bool, rules ruleparams.Values, today legal.Date, outstanding int64,
	form *caseForm) assetRow {
	info, _ := agency.Info(a.Kind)
	row := assetRow{ID: a.ID, Kind: info.Label, Institution: a.Institution, Agency: a.AgencyName, Ref: maskRef(a.Kind, a.Ref),
		Description: a.Description, Exempt: a.Exempt, ExemptReason: a.ExemptReason, FirstFound: a.FirstFoundAt, LastSeen: a.LastSeenAt,
		Op: info.Control.Label()}
	row.TakesAmount, row.NeedAmount = assets.ControlAmount(a.Kind)
	row.Masked = row.Ref != a.Ref
	if info.Control == "" {
		row.Op = ""
	}
	if a.ValueFen > 0 {
		row.Value = yuanText(a.ValueFen)
	}
	if info.Money || info.Deduct {
		row.Available = yuanText(a.AvailableFen)
	}
	for _, ctl := range a.Controls {
		if !ctl.Status.Held() && ctl.Status != assets.ControlRequested {
			continue
		}
		who := ctl.CaseNo
		if ctl.CaseID == c.ID {
			who = "本案"
			row.Here = ctl.Op.Label() + "：" + controlStateText(ctl)
		}
		row.Holds = append(row.Holds, who+" "+ctl.Op.Label()+" "+controlStateText(ctl))
	}
	// A refused form is shown whatever the asset's state, with the reason.
	if row.Op == "" || row.Here != "" && form == nil || !canControl {
		return row
	}
	row.CanControl = true
	row.MaxMonths = assets.MaxTermMonths(rules, info.Term)
	row.TermHint = "最长 " + strconv.Itoa(row.MaxMonths) + " 个月（TERM-1），自今日起算；按最长期限至 " +
		today.AddMonths(row.MaxMonths).AddDays(-1).String() + "。"
	if form != nil {
		row.Form, row.Open = form, true
		return row
	}
	values := map[string]string{"months": strconv.Itoa(row.MaxMonths), "reason": defaultControlReason}
	if row.TakesAmount && !row.NeedAmount {
		row.AmountHint = "可不填：不填则冻结该项财产本身，填写则以该金额为限。"
	}
	if row.NeedAmount {
		var prefill int64
		switch {
		case outstanding <= 0:
			row.AmountHint = "本案已冻结或正在冻结的金额已达执行标的，再冻结可能超标的，请核对。"
		case a.AvailableFen > 0:
			prefill = min(a.AvailableFen, outstanding)
		default:
			prefill = outstanding
		}
		if prefill > 0 {
			values["amount"] = yuanText(prefill)
		}
		if row.AmountHint == "" {
			row.AmountHint = "本案尚待控制 " + yuanText(outstanding) + " 元"
			if row.Available != "" {
				row.AmountHint += "，该财产可冻结余额 " + row.Available + " 元"
			}
			row.AmountHint += "；已默认取两者中较小者。"
		}
	}
	row.Form = newAssetForm(values)
	return row
}

// controlStateText is a control's status with its place on the asset.
func controlStateText(ctl *assets.Control) string {
	s := ctl.Status.Label()
	if r := rankText(ctl); r != "" && ctl.Status != assets.ControlWaiting {
		s += "（" + r + "）"
	} else if r != "" {
		s = r
	}
	return s
}

// rankText is a control's place among those binding its asset (TERM-3).
func rankText(ctl *assets.Control) string {
	if !ctl.Status.Held() || ctl.Rank <= 0 {
		return ""
	}
	if ctl.Rank == 1 {
		return "首封"
	}
	return "轮候第 " + strconv.Itoa(ctl.Rank) + " 位"
}

func controlRowOf(ctl *assets.Control, a *assets.Asset, changes []*assets.Request, ruling string, today legal.Date, rules ruleparams.Values,
	c *cases.Case, canControl bool) controlRow {
	row := controlRow{ID: ctl.ID, Op: ctl.Op.Label(), Status: ctl.Status.Label(), State: string(ctl.Status), Rank: rankText(ctl),
		Ruling: ruling, AgencyRef: ctl.AgencyRef, Agency: ctl.AgencyName, Held: ctl.Status.Held(), Ended: ctl.EndReason}
	var kind agency.Kind
	if a != nil {
		kind = a.Kind
		row.Asset = a.Kind.Label() + " " + maskRef(a.Kind, a.Ref)
		if a.Institution != "" {
			row.Asset += "（" + a.Institution + "）"
		}
		row.Party = a.PartyName
	}
	info, _ := agency.Info(kind)
	row.Money = ctl.AmountAskedFen > 0 || ctl.AmountFen > 0 || ctl.DeductedFen > 0
	if row.Money {
		row.Asked = yuanText(ctl.AmountAskedFen)
		if ctl.Status.Held() || ctl.DeductedFen > 0 {
			row.Frozen = yuanText(ctl.AmountFen)
		}
		if ctl.DeductedFen > 0 {
			row.Deducted = yuanText(ctl.DeductedFen)
		}
		got := ctl.AmountFen + ctl.DeductedFen
		switch {
		case ctl.Status == assets.ControlWaiting && got == 0:
			row.Partial = "尚未冻结到款项：轮候，在先措施解除后生效"
		case ctl.Status.Held() && got < ctl.AmountAskedFen:
			row.Partial = "部分冻结：实际冻结 " + yuanText(got) + " 元，少于申请的 " + yuanText(ctl.AmountAskedFen) + " 元（差 " +
				yuanText(ctl.AmountAskedFen-got) + " 元）"
		}
	}
	if !ctl.TermTo.IsZero() {
		row.TermTo = ctl.TermTo.String()
		if ctl.Status.Held() || ctl.Status == assets.ControlRequested {
			n := ctl.TermTo.Sub(today)
			switch {
			case n < 0:
				row.Days, row.Due = "已届满 "+strconv.Itoa(-n)+" 日", "overdue"
			case n <= 7:
				row.Days, row.Due = "剩余 "+strconv.Itoa(n)+" 日，请立即续行", "overdue"
			case n <= 30:
				row.Days, row.Due = "剩余 "+strconv.Itoa(n)+" 日，请及时续行", "soon"
			default:
				row.Days = "剩余 " + strconv.Itoa(n) + " 日"
			}
		}
	}
	if len(changes) > 0 {
		r := changes[0]
		switch {
		case !r.Status.Final():
			row.Pending = r.Op.Label() + "办理中（" + r.Status.Label() + "）"
		case r.Status != assets.RequestAnswered:
			row.LastChange = r.Op.Label() + "：" + r.Status.Label()
		case r.ResultStatus == agency.ResultDone || r.ResultStatus == agency.ResultPartial:
			row.LastChange = r.Op.Label() + "：" + assets.ResultLabel(r.ResultStatus)
		default:
			row.LastChange = r.Op.Label() + "未成功"
		}
		if r.Status.Final() && r.ResultMessage != "" {
			row.LastChange += "：" + r.ResultMessage
		}
		if !r.AnsweredAt.IsZero() && row.LastChange != "" {
			row.LastChange += "（" + r.AnsweredAt.In(shanghai).Format("2006-01-02") + "）"
		}
	}
	row.CanChange = canControl && row.Held && row.Pending == ""
	if !row.CanChange {
		return row
	}
	row.CanDeduct = info.Deduct && ctl.Status == assets.ControlActive && ctl.AmountFen > 0
	row.MaxMonths = assets.MaxTermMonths(rules, ctl.TermClass)
	if longest := today.AddMonths(row.MaxMonths).AddDays(-1); longest.After(ctl.TermTo) {
		row.RenewHint = "自今日起最长 " + strconv.Itoa(row.MaxMonths) + " 个月，至 " + longest.String() + "；须晚于现期限 " + row.TermTo + "（TERM-2）。"
	} else {
		row.RenewHint = "现期限 " + row.TermTo + " 已达自今日起的最长期限，现在续行不能延长；请在届满前 30 日内续行（TERM-2）。"
	}
	row.Renew = newAssetForm(map[string]string{"months": strconv.Itoa(row.MaxMonths), "reason": defaultRenewReason})
	row.Release = newAssetForm(nil)
	if row.CanDeduct {
		amount := ctl.AmountFen
		if rest := c.ClaimAmountFen - c.RecoveredAmountFen; rest > 0 {
			amount = min(amount, rest)
		}
		row.Deduct = newAssetForm(map[string]string{"amount": yuanText(amount), "reason": defaultDeductReason})
	}
	return row
}

// formKey is the idempotency key of a submission: the token of the
// rendering the form came from (every rendering of the section has its own,
// assetsView.Token) and what the form acts on. A second submission of the
// same form — a double click, a POST the browser sends again — has the same
// key, and the key is claimed in the transaction that makes the change, so
// the change happens once. "" when the form carries no usable token.
func formKey(r *http.Request, form string) string {
	t := r.PostFormValue("form_token")
	if t == "" || len(t) > 64 {
		return ""
	}
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return "ui-form:" + t + ":" + form
}

// --- the actions ---

// assetAction runs one action of the section in a transaction; fn returns
// the notice to show. A repeated submission (see formKey) changes nothing
// and shows the section as it is. Success and repeats show the section
// (htmx) or go back to the case page; a refusal (input 422, state 409)
// shows the form again as sent, with the reasons next to it; other errors
// are error pages.
func (u *UI) assetAction(w http.ResponseWriter, r *http.Request, p *access.Principal, form string, fields []string,
	fn func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	if key := formKey(r, form); key != "" {
		hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim(p.UserID.String(), key, r.Method, r.URL.Path, hash, u.Now))
	}
	done, err := store.TransactValue(ctx, u.DB, func(ctx context.Context, tx *store.Tx) (string, error) { return fn(ctx, tx, id) })
	if err != nil && apperr.CodeOf(err) == apperr.CodeOf(idem.ErrInProgress) {
		err, done = nil, "duplicate"
	}
	htmx := r.Header.Get("HX-Request") == "true"
	if err == nil {
		if htmx {
			return u.assetsFragment(w, r, p, id, done, "", nil)
		}
		http.Redirect(w, r, "/cases/"+id.String()+"?assets="+done+"#assets", http.StatusSeeOther)
		return nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return err
	}
	f := &caseForm{Values: formValues(r, fields...), Errors: map[string]string{}, Message: e.Detail}
	for _, name := range []string{"kinds", "party_ids"} {
		if slices.Contains(fields, name) {
			f.Values[name] = strings.Join(r.PostForm[name], " ")
		}
	}
	for _, fe := range e.Fields {
		name := fe.Field
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		detail := fe.Detail
		if name == "amount_fen" {
			name = "amount"
			if strings.Contains(detail, "（分）") {
				detail = "请填写冻结金额（元），须大于 0"
			}
		}
		switch {
		case slices.Contains(fields, name):
			if _, dup := f.Errors[name]; !dup {
				f.Errors[name] = detail
			}
		case detail != e.Detail:
			f.Reasons = append(f.Reasons, detail)
		}
	}
	if e.Fields != nil && f.Errors["amount"] != "" && strings.Contains(f.Message, "（分）") {
		f.Message = f.Errors["amount"]
	}
	if htmx {
		return u.assetsFragment(w, r, p, id, "", form, f)
	}
	return u.showCase(w, r, p, id, httperr.Status(e.Kind), form, f)
}

// assetsFragment writes the section alone, for htmx to swap in. It answers
// 200 even when it shows a refused form: htmx swaps successful answers only.
func (u *UI) assetsFragment(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, notice, failed string, form *caseForm) error {
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	v, err := u.caseAssets(ctx, p, c, notice, failed, form)
	if err != nil {
		return err
	}
	return u.writeFragment(w, "case", "case_assets", v)
}

// yuanField reads an amount in 元 (up to 2 decimals) as fen, without
// floats (legal.ParseYuan); "" is 0.
func yuanField(r *http.Request, name, what string) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	fen, err := legal.ParseYuan(s, false)
	if err != nil {
		return 0, apperr.InvalidField("invalid_amount", "body."+name, what+"："+err.Error())
	}
	return fen, nil
}

// monthsField reads an optional term in months; "" is 0 (the longest).
func monthsField(r *http.Request, name string) (int, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, apperr.InvalidField("invalid_months", "body."+name, "期限应为正整数个月，如 12")
	}
	return n, nil
}

func (u *UI) inquireAssets(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.assetAction(w, r, p, "inquiry", []string{"purpose", "kinds", "party_ids"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			in := assets.InquiryInput{Purpose: r.PostFormValue("purpose")}
			// The form lists every kind and respondent ticked: all of them
			// ticked is the default, every kind of every respondent.
			kinds, parties := r.PostForm["kinds"], r.PostForm["party_ids"]
			if r.PostFormValue("choices_shown") == "1" {
				var probs apperr.Problems
				if len(kinds) == 0 {
					probs.Add("kinds_required", "body.kinds", "请至少选择一个查询类别")
				}
				if len(parties) == 0 {
					probs.Add("party_required", "body.party_ids", "请至少选择一名被执行人")
				}
				if err := probs.Err(); err != nil {
					return "", err
				}
			}
			if len(kinds) < len(agency.Kinds) {
				for _, k := range kinds {
					in.Kinds = append(in.Kinds, agency.Kind(k))
				}
			}
			if n, err := strconv.Atoi(r.PostFormValue("respondents")); err != nil || len(parties) < n {
				for _, s := range parties {
					id, err := uuid.Parse(s)
					if err != nil {
						return "", apperr.InvalidField("not_a_respondent", "body.party_ids", "该当事人不是本案被执行人")
					}
					in.PartyIDs = append(in.PartyIDs, id)
				}
			}
			_, err := assets.Inquire(ctx, tx, caseID, in)
			return "inquired", err
		})
}

func (u *UI) placeControl(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	asset, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("asset_id")))
	if err != nil {
		return apperr.NotFoundf("财产")
	}
	return u.assetAction(w, r, p, "control:"+asset.String(), []string{"amount", "months", "reason", "ruling_no", "notice_no", "ack_exempt"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			var probs apperr.Problems
			amount, err := yuanField(r, "amount", "冻结金额")
			if err != nil {
				probs.AddErr("body.amount", err)
			}
			months, err := monthsField(r, "months")
			if err != nil {
				probs.AddErr("body.months", err)
			}
			if err := probs.Err(); err != nil {
				return "", err
			}
			ctl, err := assets.Place(ctx, tx, caseID, assets.ControlInput{AssetID: asset, AmountFen: amount, Months: months,
				Reason: r.PostFormValue("reason"), RulingNo: r.PostFormValue("ruling_no"), NoticeNo: r.PostFormValue("notice_no"),
				AckExempt: r.PostFormValue("ack_exempt") == "1"})
			if err != nil {
				return "", err
			}
			return string(ctl.Op), nil
		})
}

// approveFastPath approves the fast path's deduction of what the debtor
// owes from the money frozen for the case.
func (u *UI) approveFastPath(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.assetAction(w, r, p, "fastpath", []string{"ruling_no", "note"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			_, err := assets.ApproveFastPath(ctx, tx, caseID, r.PostFormValue("ruling_no"), r.PostFormValue("note"))
			return "fastpath", err
		})
}

// changeControl is the renewal, release or deduction under one of the
// case's controls.
func (u *UI) changeControl(op agency.Op) pageFunc {
	fn := map[agency.Op]func(context.Context, *store.Tx, uuid.UUID, assets.ChangeInput) (*assets.Control, error){
		agency.OpRenew: assets.Renew, agency.OpRelease: assets.Release, agency.OpDeduct: assets.Deduct}[op]
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		caseID, err := pathID(r)
		if err != nil {
			return err
		}
		controlID, err := uuid.Parse(r.PathValue("control_id"))
		if err != nil {
			return apperr.NotFoundf("控制措施")
		}
		// The control must be this case's: the page acts on what it shows.
		v, err := assets.ForCase(r.Context(), u.DB, caseID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(v.Controls, func(c *assets.Control) bool { return c.ID == controlID }) {
			return apperr.NotFoundf("控制措施")
		}
		return u.assetAction(w, r, p, string(op)+":"+controlID.String(), []string{"months", "amount", "reason", "ruling_no", "notice_no"},
			func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
				in := assets.ChangeInput{Reason: r.PostFormValue("reason"), RulingNo: r.PostFormValue("ruling_no"),
					NoticeNo: r.PostFormValue("notice_no")}
				var err error
				switch op {
				case agency.OpRenew:
					in.Months, err = monthsField(r, "months")
				case agency.OpDeduct:
					in.AmountFen, err = yuanField(r, "amount", "扣划金额")
				}
				if err != nil {
					return "", err
				}
				_, err = fn(ctx, tx, controlID, in)
				return string(op), err
			})
	}
}
