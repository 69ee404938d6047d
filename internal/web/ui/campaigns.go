package ui

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The campaign page (/campaigns/{id}) for the court's staff: a mass-claim
// campaign (DOMAIN.md §11) from its victim list to its payout rounds —
// the list uploaded before publication (MASS-1, refused whole on a bad
// line), the opening, the review of every registered claim against the
// list (MASS-3), the claims by status, paged, with the objections decided
// in the row (MASS-5), and the pro-rata rounds (MASS-6) whose payouts are
// approved on the funds desk (FUND-6). The case page lists a case's
// campaigns and creates one. funds.handle acts, cases.read reads; the
// pages call the same functions as /api/v1/campaigns/…; the forms work as
// the 案款 section's (form tokens, htmx swaps, a redirect back without
// JavaScript).

// registerCampaigns mounts the campaign page and its actions.
func (u *UI) registerCampaigns(mux *http.ServeMux) {
	mux.Handle("POST /cases/{id}/campaigns", u.page(u.createCampaign))
	mux.Handle("GET /campaigns/{id}", u.page(u.campaignPage))
	mux.Handle("POST /campaigns/{id}/victims", u.page(u.importCampaignVictims))
	mux.Handle("POST /campaigns/{id}/opening", u.page(u.openCampaign))
	mux.Handle("POST /campaigns/{id}/review", u.page(u.reviewCampaign))
	mux.Handle("POST /campaigns/{id}/claims/{claim_id}/decision", u.page(u.decideCampaignObjection))
	mux.Handle("POST /campaigns/{id}/rounds", u.page(u.payCampaignRound))
	mux.Handle("POST /campaigns/{id}/repayments", u.page(u.repayCampaign))
}

func init() {
	notices["campaign_duplicate"] = "该表单已经提交过一次，没有重复建立涉众案款发放。"
}

// maxVictimsUpload bounds a victim list's upload: the file (the API takes
// 64 MiB of CSV) and the fields around it.
const maxVictimsUpload = 64<<20 + 1<<20

// campaignClaimRows is how many claims the list shows at a time.
const campaignClaimRows = 50

// campaignStatusLabel is a campaign's status in Chinese.
func campaignStatusLabel(s string) string {
	switch s {
	case "draft":
		return "未发布"
	case "open":
		return "登记中"
	case "closed":
		return "已结束"
	}
	return s
}

// claimStatusLabel is a claim status in Chinese, as the claim says it.
func claimStatusLabel(s string) string { return (&massclaim.Claim{Status: s}).StatusLabel() }

// --- the case page's block ---

// campaignsBlock is the case page's list of the case's campaigns, with the
// form creating one for those who may.
type campaignsBlock struct {
	CaseID  uuid.UUID
	Token   string
	Rows    []campaignRow
	Create  *caseForm
	Debtors []payoutParty
	Open    bool // the create form shown open (it was refused)
}

type campaignRow struct {
	ID         uuid.UUID
	Title      string
	JudgmentNo string
	Status     string
	State      string
	Until      string
	Victims    int
	CreatedBy  string
	CreatedAt  time.Time
}

// caseCampaigns builds the block for case c; nil when there is nothing to
// show (no campaign, and the user may not create one). failed and form are
// a refused creation.
func (u *UI) caseCampaigns(ctx context.Context, p *access.Principal, c *cases.Case, failed string, form *caseForm) (*campaignsBlock, error) {
	list, err := massclaim.CaseCampaigns(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	canCreate := p.Can(access.FundsHandle) && len(c.Respondents()) > 0
	if len(list) == 0 && !canCreate {
		return nil, nil
	}
	b := &campaignsBlock{CaseID: c.ID, Token: rand.Text()}
	for _, m := range list {
		b.Rows = append(b.Rows, campaignRow{ID: m.ID, Title: m.Title, JudgmentNo: m.JudgmentNo, Status: campaignStatusLabel(m.Status), State: m.Status,
			Until: m.RegistrationUntil.String(), Victims: m.Victims, CreatedBy: m.CreatedByName, CreatedAt: m.CreatedAt})
	}
	if canCreate {
		if failed == "campaign:create" && form != nil {
			b.Create, b.Open = form, true
		} else {
			b.Create = newAssetForm(map[string]string{"registration_until": legal.Today(u.Now()).AddDays(30).String()})
		}
		chosen := b.Create.Values["debtor_party_id"]
		for i, r := range c.Respondents() {
			v := r.PartyID.String()
			b.Debtors = append(b.Debtors, payoutParty{Value: v, Label: r.Name, Selected: v == chosen || chosen == "" && i == 0})
		}
	}
	return b, nil
}

// createCampaign creates a campaign on the case and goes to its page.
func (u *UI) createCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	fields := []string{"debtor_party_id", "title", "judgment_no", "registration_until"}
	created, err := u.claimedTransact(r, p, "campaign:create", func(ctx context.Context, tx *store.Tx) (string, error) {
		var probs apperr.Problems
		debtor, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("debtor_party_id")))
		if err != nil {
			probs.Add("debtor_required", "body.debtor_party_id", "请选择被执行人")
		}
		until, err := caseFormDate(r, "registration_until", "登记截止日期")
		switch {
		case err != nil:
			probs.AddErr("body.registration_until", err)
		case until.IsZero():
			probs.Add("date_required", "body.registration_until", "请填写登记截止日期")
		}
		if err := probs.Err(); err != nil {
			return "", err
		}
		m, err := massclaim.CreateCampaign(ctx, tx, id, massclaim.CampaignInput{DebtorPartyID: debtor, Title: r.PostFormValue("title"),
			JudgmentNo: r.PostFormValue("judgment_no"), RegistrationUntil: until})
		if err != nil {
			return "", err
		}
		return m.ID.String(), nil
	})
	switch {
	case err == nil && created == "duplicate":
		http.Redirect(w, r, "/cases/"+id.String()+"?done=campaign_duplicate#campaigns", http.StatusSeeOther)
		return nil
	case err == nil:
		http.Redirect(w, r, "/campaigns/"+created+"?done=created", http.StatusSeeOther)
		return nil
	}
	f, e, err := refusedForm(r, err, fields)
	if err != nil {
		return err
	}
	return u.showCase(w, r, p, id, httperr.Status(e.Kind), "campaign:create", f)
}

// --- the campaign page ---

type campaignView struct {
	M          *massclaim.Campaign
	Status     string
	PublicPath string
	PublicURL  string
	Token      string
	Notice     string
	Refusal    string // why an action was refused when its form is no longer shown
	CanHandle  bool
	VictimLoss string
	Header     string // the victim list's CSV header
	Tally      *massclaim.Tally
	Tabs       []statusTab
	Filter     string
	FilterName string
	Cursor     string
	Claims     []claimRow
	Next       string
	ListError  string
	Rounds     []roundRow
	Held       string // the debtor's money on the case: what a round may share
	HeldFen    int64
	Carried    string
	Confirmed  string
	// The forms, for those who may, when their step is open.
	Upload  *victimsUpload
	Open    *caseForm
	Review  *caseForm
	Round   *caseForm
	Repay   *caseForm // payouts that did not arrive, to pay again
	Bounced int       // how many shares' payouts did not arrive
}

// victimsUpload is the victim list's upload form and, after a refusal,
// every line it could not take.
type victimsUpload struct {
	Error    string
	Problems []string
	FileName string
}

type statusTab struct {
	Key, Label, Href string
	N                int
	Current          bool
}

type claimRow struct {
	ID           uuid.UUID
	Name         string
	IDMasked     string
	Phone        string
	Claimed      string
	Reviewed     string
	Final        string
	Paid         string
	State        string
	Status       string
	Account      string
	Bank         string
	Evidence     string
	ReviewNote   string
	Objection    string
	DecisionNote string
	CreatedAt    time.Time
	Decide       *caseForm // the objection's decision, for those who may
	Open         bool      // the decision form shown open (it was refused)
}

type roundRow struct {
	Seq     int
	Amount  string
	Paid    string
	Carried string
	Claims  int
	By      string
	At      time.Time
	Payouts []payoutCount
	Pending int
}

type payoutCount struct {
	Label string
	N     int
}

// campaignState is what a request asks the page to show.
type campaignState struct {
	status, cursor string
	done           string
	args           url.Values // figures of the notice (reviewed: eligible, ineligible)
	failed         string
	form           *caseForm
	upload         *victimsUpload
}

// campaignNotice is the message after an action.
func campaignNotice(v *campaignView, st campaignState) string {
	switch st.done {
	case "created":
		return "已建立涉众案款发放。请导入判决认定的被害人名单，核对无误后发布。"
	case "victims":
		return fmt.Sprintf("已导入被害人名单：%d 人，损失合计 %s 元。", v.M.Victims, v.VictimLoss)
	case "opened":
		return "已发布，网上登记已开始：请把登记地址 " + v.PublicURL + " 告知被害人（如在法院网站、公告中公布）。"
	case "reviewed":
		return "已按被害人名单审核全部待审登记：通过 " + st.args.Get("eligible") + " 人，未通过 " + st.args.Get("ineligible") +
			" 人。通过的登记人在本人页面确认金额或提出异议（MASS-4）。"
	case "decided":
		return "已复核异议，认定金额 " + st.args.Get("amount") + " 元；登记人在本人页面可以看到复核意见（MASS-5）。"
	case "round":
		if len(v.Rounds) > 0 {
			r := v.Rounds[0]
			return fmt.Sprintf("第 %d 轮已生成：本轮 %s 元按比例分给 %d 人共 %s 元，余 %s 元留待下轮；%d 笔发放待审批（FUND-6），请到案款页面审批。",
				r.Seq, r.Amount, r.Claims, r.Paid, r.Carried, r.Pending)
		}
	case "repay":
		return "已申请重新发放未到账的款项（" + st.args.Get("payouts") + " 笔，合计 " + st.args.Get("total") + " 元），请到案款页面整批审批（FUND-6）。"
	case "duplicate":
		return "该表单已经提交过一次，没有重复办理；以下是最新情况。"
	}
	return ""
}

func (u *UI) campaignPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	st := campaignState{status: q.Get("status"), cursor: q.Get("cursor"), done: q.Get("done"), args: q}
	return u.showCampaign(w, r, p, id, http.StatusOK, st)
}

// showCampaign renders the page, or its body alone for htmx.
func (u *UI) showCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, st campaignState) error {
	v, listStatus, err := u.campaignView(r, p, id, st)
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		return u.writeFragment(w, "campaign", "campaign_body", v)
	}
	if status == http.StatusOK {
		status = listStatus
	}
	return u.render(w, r, status, "campaign", v.M.Title, "cases", v)
}

// campaignView builds the page; the status is 422 when the list could not
// be read as asked (a bad cursor).
func (u *UI) campaignView(r *http.Request, p *access.Principal, id uuid.UUID, st campaignState) (*campaignView, int, error) {
	ctx := r.Context()
	m, err := massclaim.GetCampaign(ctx, u.DB, id)
	if err != nil {
		return nil, 0, err
	}
	tally, err := massclaim.TallyOf(ctx, u.DB, m)
	if err != nil {
		return nil, 0, err
	}
	rounds, err := massclaim.RoundsOf(ctx, u.DB, m)
	if err != nil {
		return nil, 0, err
	}
	l, err := funds.ForCase(ctx, u.DB, m.CaseID)
	if err != nil {
		return nil, 0, err
	}
	v := &campaignView{M: m, Status: campaignStatusLabel(m.Status), PublicPath: massCampaignLink(m.ID), Token: rand.Text(),
		CanHandle: p.Can(access.FundsHandle), VictimLoss: yuanText(m.VictimLossFen), Header: strings.Join(massclaim.VictimsCSVHeader, ","),
		Tally: tally, Carried: yuanText(m.CarriedFen), Confirmed: yuanText(tally.ConfirmedFen), Cursor: st.cursor}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	v.PublicURL = scheme + "://" + r.Host + v.PublicPath
	for _, a := range l.Accounts {
		if a.PartyID == m.DebtorPartyID && a.Role == "respondent" {
			v.HeldFen = a.Balance
		}
	}
	v.Held = yuanText(v.HeldFen)
	for _, rs := range rounds {
		row := roundRow{Seq: rs.Seq, Amount: yuanText(rs.AmountFen), Paid: yuanText(rs.PaidFen), Carried: yuanText(rs.CarriedFen), Claims: rs.Claims,
			By: rs.CreatedByName, At: rs.CreatedAt, Pending: rs.ByStatus[funds.PayoutPending]}
		for _, s := range []funds.PayoutStatus{funds.PayoutPending, funds.PayoutApproved, funds.PayoutSent, funds.PayoutSettled, funds.PayoutFailed,
			funds.PayoutReturned, funds.PayoutRejected, funds.PayoutCancelled} {
			if n := rs.ByStatus[s]; n > 0 {
				row.Payouts = append(row.Payouts, payoutCount{s.Label(), n})
			}
		}
		v.Rounds = append(v.Rounds, row)
		v.Bounced += rs.ByStatus[funds.PayoutFailed] + rs.ByStatus[funds.PayoutReturned]
	}

	// The forms of the steps open now.
	shown := false
	formFor := func(name string) *caseForm {
		if st.failed == name && st.form != nil {
			shown = true
			return st.form
		}
		return nil
	}
	orNew := func(f *caseForm, values map[string]string) *caseForm {
		if f != nil {
			return f
		}
		return newAssetForm(values)
	}
	if st.upload != nil && (m.Status != "draft" || !v.CanHandle) {
		v.Refusal = st.upload.Error
	}
	if v.CanHandle {
		if m.Status == "draft" {
			v.Upload = st.upload
			if v.Upload == nil {
				v.Upload = &victimsUpload{}
			}
			v.Open = orNew(formFor("campaign:open"), nil)
		}
		if tally.ByStatus["registered"] > 0 || st.failed == "campaign:review" {
			v.Review = orNew(formFor("campaign:review"), nil)
		}
		if tally.ConfirmedFen > 0 || st.failed == "campaign:round" {
			v.Round = orNew(formFor("campaign:round"), nil)
		}
		if v.Bounced > 0 || st.failed == "campaign:repay" {
			v.Repay = orNew(formFor("campaign:repay"), nil)
		}
	}

	// The claims, by status.
	if !slices.Contains(massclaim.Statuses(), st.status) {
		st.status = ""
	}
	v.Filter = st.status
	base := "/campaigns/" + m.ID.String()
	v.Tabs = append(v.Tabs, statusTab{Key: "", Label: "全部", N: tally.Claims, Href: base + "#claims", Current: st.status == ""})
	for _, s := range massclaim.Statuses() {
		v.Tabs = append(v.Tabs, statusTab{Key: s, Label: claimStatusLabel(s), N: tally.ByStatus[s], Href: queryURL(base, "status", s) + "#claims",
			Current: s == st.status})
		if s == st.status {
			v.FilterName = claimStatusLabel(s)
		}
	}
	listStatus := http.StatusOK
	pg, err := massclaim.Claims(ctx, u.DB, m.ID, st.status, page.Request{Limit: campaignClaimRows, Cursor: st.cursor})
	if err != nil {
		if apperr.KindOf(err) != apperr.Invalid {
			return nil, 0, err
		}
		e, _ := apperr.As(err)
		v.ListError, listStatus, v.Cursor = e.Detail, http.StatusUnprocessableEntity, ""
	}
	for _, c := range pg.Items {
		row := claimRow{ID: c.ID, Name: c.Name, IDMasked: legal.MaskID(c.IDNumber), Phone: legal.MaskPhone(c.Phone), Claimed: yuanText(c.ClaimedFen),
			State: c.Status, Status: c.StatusLabel(), Account: c.PayeeAccountNo, Bank: c.PayeeBank, Evidence: c.Evidence, ReviewNote: c.ReviewNote,
			Objection: c.Objection, DecisionNote: c.DecisionNote, CreatedAt: c.CreatedAt}
		if c.Status != "registered" && c.Status != "ineligible" {
			row.Reviewed = yuanText(c.ReviewedFen)
		}
		if c.Status == "confirmed" || c.Status == "final" {
			row.Final = yuanText(c.FinalFen)
		}
		if c.PaidFen > 0 {
			row.Paid = yuanText(c.PaidFen)
		}
		if c.Status == "objected" && v.CanHandle {
			if row.Decide = formFor("campaign:decide:" + c.ID.String()); row.Decide != nil {
				row.Open = true
			} else {
				row.Decide = newAssetForm(map[string]string{"final": yuanText(c.ReviewedFen)})
			}
		}
		v.Claims = append(v.Claims, row)
	}
	if pg.NextCursor != "" {
		v.Next = queryURL(base, "status", st.status, "cursor", pg.NextCursor) + "#claims"
	}
	if st.form != nil && !shown {
		v.Refusal = st.form.Message
	}
	v.Notice = campaignNotice(v, st)
	return v, listStatus, nil
}

// --- the actions ---

// campaignAction runs one action of the page in a transaction, as
// fundsAction does for the case page: fn returns the notice's key and its
// figures; a repeated submission of a rendering's form changes nothing;
// success and repeats show the page's body (htmx) or go back to the page;
// a refusal (input 422, state 409) shows the form again as sent, with the
// reasons next to it; other errors are error pages.
func (u *UI) campaignAction(w http.ResponseWriter, r *http.Request, p *access.Principal, form string, fields []string,
	fn func(ctx context.Context, tx *store.Tx, id uuid.UUID, args url.Values) (string, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	args := url.Values{}
	done, err := u.claimedTransact(r, p, form, func(ctx context.Context, tx *store.Tx) (string, error) {
		for k := range args {
			delete(args, k) // a retried transaction starts afresh
		}
		return fn(ctx, tx, id, args)
	})
	st := campaignState{status: strings.TrimSpace(r.PostFormValue("status")), cursor: strings.TrimSpace(r.PostFormValue("cursor"))}
	status := http.StatusOK
	if err == nil {
		if r.Header.Get("HX-Request") != "true" {
			q := url.Values{"done": {done}}
			for k, vs := range args {
				q[k] = vs
			}
			for k, v := range map[string]string{"status": st.status, "cursor": st.cursor} {
				if v != "" {
					q.Set(k, v)
				}
			}
			http.Redirect(w, r, "/campaigns/"+id.String()+"?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
		st.done, st.args = done, args
	} else {
		f, e, err := refusedForm(r, err, fields)
		if err != nil {
			return err
		}
		st.failed, st.form, status = form, f, httperr.Status(e.Kind)
	}
	return u.showCampaign(w, r, p, id, status, st)
}

func (u *UI) openCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.campaignAction(w, r, p, "campaign:open", nil, func(ctx context.Context, tx *store.Tx, id uuid.UUID, _ url.Values) (string, error) {
		_, err := massclaim.Open(ctx, tx, id)
		return "opened", err
	})
}

func (u *UI) reviewCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.campaignAction(w, r, p, "campaign:review", nil, func(ctx context.Context, tx *store.Tx, id uuid.UUID, args url.Values) (string, error) {
		e, i, err := massclaim.ReviewByList(ctx, tx, id)
		args.Set("eligible", strconv.Itoa(e))
		args.Set("ineligible", strconv.Itoa(i))
		return "reviewed", err
	})
}

// decideCampaignObjection decides an objection of a claim of the page's
// campaign; the final figure is typed in yuan.
func (u *UI) decideCampaignObjection(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	claim, err := uuid.Parse(r.PathValue("claim_id"))
	if err != nil {
		return apperr.NotFoundf("登记")
	}
	return u.campaignAction(w, r, p, "campaign:decide:"+claim.String(), []string{"final", "note"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID, args url.Values) (string, error) {
			var probs apperr.Problems
			fen, err := yuanField(r, "final", "认定金额")
			switch {
			case err != nil:
				probs.AddErr("body.final", err)
			case strings.TrimSpace(r.PostFormValue("final")) == "":
				probs.Add("amount_required", "body.final", "请填写复核认定的金额（元）；不予认定的填 0")
			case fen < 0:
				probs.Add("invalid_amount", "body.final", "认定金额不能为负")
			}
			if strings.TrimSpace(r.PostFormValue("note")) == "" {
				probs.Add("note_required", "body.note", "请写明复核意见")
			}
			if err := probs.Err(); err != nil {
				return "", err
			}
			c, err := massclaim.DecideObjection(ctx, tx, claim, fen, r.PostFormValue("note"))
			if err != nil {
				return "", err
			}
			if c.CampaignID != id {
				// The page acts on what it shows: a claim of another
				// campaign does not exist here (and nothing is kept).
				return "", apperr.NotFoundf("登记")
			}
			args.Set("amount", yuanText(c.FinalFen))
			return "decided", nil
		})
}

// payCampaignRound shares the money held for the debtor among the confirmed
// claims; the amount is typed in yuan, empty for everything held.
func (u *UI) payCampaignRound(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.campaignAction(w, r, p, "campaign:round", []string{"amount"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID, _ url.Values) (string, error) {
			fen, err := yuanField(r, "amount", "本轮金额")
			if err != nil {
				return "", err
			}
			if fen < 0 || fen == 0 && strings.TrimSpace(r.PostFormValue("amount")) != "" {
				return "", apperr.InvalidField("invalid_amount", "body.amount", "本轮金额须大于 0；不填则发放代管的全部款项")
			}
			_, err = massclaim.PayRound(ctx, tx, id, fen)
			return "round", err
		})
}

// repayCampaign asks for the payouts that did not arrive to be made again,
// to the accounts the participants hold now (massclaim.Repay).
func (u *UI) repayCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.campaignAction(w, r, p, "campaign:repay", nil,
		func(ctx context.Context, tx *store.Tx, id uuid.UUID, args url.Values) (string, error) {
			b, err := massclaim.Repay(ctx, tx, id)
			if err != nil {
				return "", err
			}
			args.Set("payouts", strconv.Itoa(b.Payouts))
			args.Set("total", yuanText(b.TotalFen))
			return "repay", nil
		})
}

// importCampaignVictims loads the victim list uploaded as CSV (UTF-8 or
// GBK, as spreadsheets save it) into a draft campaign; a file with a bad
// line is refused whole, every bad line named.
func (u *UI) importCampaignVictims(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	up := &victimsUpload{}
	content, err := readVictimsUpload(w, r, up)
	if err == nil {
		var text string
		if text, err = textutil.DecodeText(content); err != nil {
			err = apperr.InvalidField("invalid_csv", "body.file", "名单文件无法读取：请保存为 CSV（UTF-8 或 GBK 编码）后上传")
		} else {
			var done string
			done, err = u.claimedTransact(r, p, "campaign:victims", func(ctx context.Context, tx *store.Tx) (string, error) {
				_, err := massclaim.ImportVictims(ctx, tx, id, strings.NewReader(text))
				return "victims", err
			})
			if err == nil {
				http.Redirect(w, r, "/campaigns/"+id.String()+"?done="+done, http.StatusSeeOther)
				return nil
			}
		}
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict && e.Kind != apperr.TooLarge && e.Kind != apperr.BadRequest {
		return err
	}
	switch {
	case len(e.Fields) > 1:
		up.Error = "名单有 " + strconv.Itoa(len(e.Fields)) + " 处问题，整份名单未导入；请改正后重新上传："
		for _, f := range e.Fields {
			up.Problems = append(up.Problems, f.Detail)
		}
	default:
		up.Error = "名单未导入：" + e.Detail
	}
	return u.showCampaign(w, r, p, id, httperr.Status(e.Kind), campaignState{upload: up})
}

// readVictimsUpload reads the upload form's file.
func readVictimsUpload(w http.ResponseWriter, r *http.Request, up *victimsUpload) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVictimsUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("文件超过 %d MiB", (maxVictimsUpload>>20)-1))
		}
		return nil, apperr.New(apperr.BadRequest, "bad_form", "上传的表单无法解析，请重新选择文件上传")
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, apperr.InvalidField("missing_file", "body.file", "请选择要导入的名单文件（CSV）")
	}
	defer f.Close()
	up.FileName = hdr.Filename
	return io.ReadAll(f)
}
