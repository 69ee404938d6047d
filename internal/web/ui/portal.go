package ui

import (
	"context"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The agency portal (S8): an operator of an agency without a system
// connection signs in, sees the requests addressed to their agency (and
// nothing of any court besides), opens one with its ruling and assistance
// notice, and records the agency's answer, which the case shows at once.
// The pages call the same functions as /api/v1/portal.

// registerPortal mounts the agency portal's pages.
func (u *UI) registerPortal(mux *http.ServeMux) {
	mux.Handle("GET /portal", u.page(u.portalInbox))
	mux.Handle("GET /portal/requests/{id}", u.page(u.portalRequestPage))
	mux.Handle("POST /portal/requests/{id}/answer", u.page(u.answerPortalRequest))
}

func init() {
	notices["portal_answered"] = "答复已登记，法院的案件即时可见。"
	notices["portal_duplicate"] = "该答复已经提交过一次，没有重复登记；以下是已登记的答复。"
}

// portalBlankRows is how many empty holding rows an inquiry's answer form
// offers (and adds at a time).
const portalBlankRows = 3

// portalMaxRows bounds the holding rows of one answer (the API's maxItems).
const portalMaxRows = 200

// --- the inbox ---

type portalInboxView struct {
	Agency     string
	Answered   bool
	Rows       []portalRow
	NextCursor string
	Error      string
}

// portalRow is a request as the inbox lists it.
type portalRow struct {
	R      *assets.PortalRequest
	What   string
	Asset  string
	Amount string
	TermTo string
	Result string
}

func portalRowOf(r *assets.PortalRequest) portalRow {
	row := portalRow{R: r, What: r.Op.Label() + " · " + r.Kind.Label(), TermTo: r.TermTo.String()}
	if r.Op == agency.OpLocate {
		row.What = r.Kind.Label()
	}
	row.Asset = strings.TrimSpace(r.AssetInstitution + " " + r.AssetRef)
	if r.AmountFen > 0 {
		row.Amount = yuanText(r.AmountFen)
	}
	if r.Result != nil {
		row.Result = assets.ResultLabel(r.Result.Status)
	} else if r.Status == assets.RequestRejected {
		row.Result = r.Status.Label()
	}
	return row
}

// portalAgencyName is the name of the agency the operator answers for.
func (u *UI) portalAgencyName(ctx context.Context, p *access.Principal) (string, error) {
	user, err := u.Auth.GetUser(ctx, p.UserID)
	if err != nil {
		return "", err
	}
	return user.AgencyName, nil
}

func (u *UI) portalInbox(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := portalInboxView{Answered: q.Get("tab") == "answered"}
	status := http.StatusOK
	pg, err := assets.PortalInbox(ctx, u.DB, assets.PortalFilter{Answered: v.Answered}, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	if v.Agency, err = u.portalAgencyName(ctx, p); err != nil {
		return err
	}
	v.NextCursor = pg.NextCursor
	for _, it := range pg.Items {
		v.Rows = append(v.Rows, portalRowOf(it))
	}
	return u.render(w, r, status, "portal", "协助执行请求", "portal", v)
}

// --- one request ---

// portalChoice is a possible answer of a request.
type portalChoice struct {
	Value, Label string
}

// portalHolding is a row of an inquiry's answer: an asset found.
type portalHolding struct {
	Ref, Institution, Description, Value, Available string
	Error                                           string
	N                                               int // its number on the form, from 1
}

// portalForm is the answer form's state: its values, and after a refused
// submission the reasons.
type portalForm struct {
	Values   map[string]string
	Errors   map[string]string
	Message  string
	Reasons  []string
	Holdings []portalHolding
}

type portalRequestView struct {
	Row      portalRow
	R        *assets.PortalRequest
	Token    string
	Form     *portalForm
	Choices  []portalChoice
	Refusal  string // a refused answer's reason when the form is no longer shown
	Ahead    int    // the controls binding the asset before this one, by zhixing's registry
	Control  bool   // the answer names the agency's reference
	Amount   bool   // … the amount frozen or deducted
	Rank     bool   // … the place on the asset
	Term     bool   // … the term's last day
	Receipt  bool   // … the transfer's receipt
	Holdings bool   // … the assets found (an inquiry)
	Locate   bool   // … the person's whereabouts
	// AmountLabel names the amount field (实际冻结金额, 实际扣划金额).
	AmountLabel string
	// Answer is the recorded answer of a request already answered.
	Answer *portalAnswerView
}

// portalAnswerView is a recorded answer as the operator reads it again.
type portalAnswerView struct {
	Status   string
	Message  string
	Ref      string
	Amount   string
	Rank     string
	TermTo   string
	Receipt  string
	Location string
	Holdings []portalHolding
}

// portalChoices are the answers a request can have (PortalRespond's rules:
// a partial answer only for inquiries, and for freezes and deductions of an
// amount).
func portalChoices(r *assets.PortalRequest) []portalChoice {
	done := map[agency.Op]string{
		agency.OpInquire: "办结：列出查到的财产", agency.OpFreeze: "已冻结", agency.OpSeize: "已查封", agency.OpDeduct: "已扣划",
		agency.OpRenew: "已续行", agency.OpRelease: "已解除", agency.OpLocate: "已查到下落"}[r.Op]
	if done == "" {
		done = "办结"
	}
	out := []portalChoice{{string(agency.ResultDone), done}}
	switch {
	case r.Op == agency.OpInquire:
		out = append(out, portalChoice{string(agency.ResultPartial), "部分办结：只能提供部分财产信息"})
	case (r.Op == agency.OpFreeze || r.Op == agency.OpDeduct) && r.AmountFen > 0:
		out = append(out, portalChoice{string(agency.ResultPartial), "部分" + r.Op.Label() + "：实际金额少于请求的金额"})
	}
	notFound := "查无：本单位没有该财产的登记"
	switch r.Op {
	case agency.OpInquire:
		notFound = "查无：被执行人在本单位名下没有财产"
	case agency.OpLocate:
		notFound = "查无下落"
	}
	return append(out, portalChoice{string(agency.ResultNotFound), notFound},
		portalChoice{string(agency.ResultFailed), "无法协助（须写明原因）"})
}

// newPortalForm is the answer form with its defaults: the amount asked, the
// place zhixing's registry suggests, the term of the ruling.
func newPortalForm(r *assets.PortalRequest) *portalForm {
	f := &portalForm{Values: map[string]string{"status": string(agency.ResultDone)}, Errors: map[string]string{}}
	if r.AmountFen > 0 && (r.Op == agency.OpFreeze || r.Op == agency.OpDeduct) {
		f.Values["amount"] = yuanText(r.AmountFen)
	}
	if r.SuggestedRank > 0 {
		f.Values["rank"] = strconv.Itoa(r.SuggestedRank)
	}
	if r.Op == agency.OpFreeze || r.Op == agency.OpSeize || r.Op == agency.OpRenew {
		f.Values["term_to"] = r.TermTo.String()
	}
	return f
}

func (u *UI) portalRequestPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showPortalRequest(w, r, id, http.StatusOK, nil)
}

// showPortalRequest renders a request; form is the answer form as sent
// when it was refused (or grown by more rows).
func (u *UI) showPortalRequest(w http.ResponseWriter, r *http.Request, id uuid.UUID, status int, form *portalForm) error {
	req, err := assets.PortalGet(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	v := portalRequestView{Row: portalRowOf(req), R: req, Token: rand.Text(), Choices: portalChoices(req), Ahead: max(req.SuggestedRank-1, 0)}
	switch req.Op {
	case agency.OpInquire:
		v.Holdings = true
	case agency.OpLocate:
		v.Locate = true
	default:
		v.Control = true
		v.Rank = req.Op == agency.OpFreeze || req.Op == agency.OpSeize
		v.Term = req.Op == agency.OpFreeze || req.Op == agency.OpSeize || req.Op == agency.OpRenew
		v.Receipt = req.Op == agency.OpDeduct
		v.Amount = req.Op == agency.OpDeduct || req.Op == agency.OpFreeze && req.AmountFen > 0
		v.AmountLabel = "实际" + req.Op.Label() + "金额（元）"
	}
	if req.Waiting() {
		v.Form = form
		if v.Form == nil {
			v.Form = newPortalForm(req)
		}
		if v.Holdings && form == nil {
			v.Form.Holdings = make([]portalHolding, portalBlankRows)
		}
		for i := range v.Form.Holdings {
			v.Form.Holdings[i].N = i + 1
		}
	} else if form != nil {
		v.Refusal = form.Message
	}
	if res := req.Result; res != nil {
		v.Answer = portalAnswerOf(res)
	}
	return u.render(w, r, status, "portal_request", req.Op.Label()+" · "+req.CaseNo, "portal", v)
}

func portalAnswerOf(res *agency.Result) *portalAnswerView {
	a := &portalAnswerView{Status: assets.ResultLabel(res.Status), Message: res.Message}
	if c := res.Control; c != nil {
		a.Ref, a.TermTo, a.Receipt = c.Ref, c.TermTo, c.ReceiptRef
		if c.AmountFen > 0 {
			a.Amount = yuanText(c.AmountFen)
		}
		switch {
		case c.Rank == 1:
			a.Rank = "1（首封）"
		case c.Rank > 1:
			a.Rank = strconv.Itoa(c.Rank) + "（轮候）"
		}
	}
	if l := res.Location; l != nil {
		a.Location = "未查到下落"
		if l.Found {
			a.Location = "已查到：" + l.Address
		}
		if l.Note != "" {
			a.Location += "（" + l.Note + "）"
		}
	}
	for _, h := range res.Holdings {
		row := portalHolding{Ref: h.Ref, Institution: h.Institution, Description: h.Description}
		if h.ValueFen > 0 {
			row.Value = yuanText(h.ValueFen)
		}
		if h.AvailableFen > 0 {
			row.Available = yuanText(h.AvailableFen)
		}
		a.Holdings = append(a.Holdings, row)
	}
	return a
}

// portalFormOf reads the answer form as sent: its fields, and the holding
// rows that have anything in them, in order (so that "第 N 项" of a reason
// is the N-th row shown again).
func portalFormOf(r *http.Request) *portalForm {
	f := &portalForm{Values: formValues(r, "status", "message", "agency_ref", "amount", "rank", "term_to", "receipt_ref", "address", "note"),
		Errors: map[string]string{}}
	col := func(name string, i int) string {
		if list := r.PostForm[name]; i < len(list) {
			return strings.TrimSpace(list[i])
		}
		return ""
	}
	for i := range min(len(r.PostForm["h_ref"]), portalMaxRows+1) {
		h := portalHolding{Ref: col("h_ref", i), Institution: col("h_institution", i), Description: col("h_description", i),
			Value: col("h_value", i), Available: col("h_available", i)}
		if h != (portalHolding{}) {
			f.Holdings = append(f.Holdings, h)
		}
	}
	return f
}

// portalAnswer turns the form into the answer PortalRespond checks; what
// cannot be read (an amount, a number, a date) is reported here, every
// problem at once.
func portalAnswer(r *http.Request, f *portalForm) (assets.PortalAnswer, error) {
	var probs apperr.Problems
	in := assets.PortalAnswer{Status: agency.ResultStatus(f.Values["status"]), Message: f.Values["message"],
		AgencyRef: f.Values["agency_ref"], ReceiptRef: f.Values["receipt_ref"]}
	if !in.Status.Valid() {
		probs.Add("status_required", "body.status", "请选择答复结果")
	}
	ok := in.Status == agency.ResultDone || in.Status == agency.ResultPartial
	in.Location = &agency.Location{Found: ok, Address: f.Values["address"], Note: f.Values["note"]}
	var err error
	if in.AmountFen, err = yuanField(r, "amount", "金额"); err != nil {
		probs.AddErr("body.amount", err)
	}
	if s := strings.TrimSpace(f.Values["rank"]); s != "" {
		if in.Rank, err = strconv.Atoi(s); err != nil || in.Rank < 1 {
			probs.Add("invalid_rank", "body.rank", "顺位应为正整数：1 为首封，2 起为轮候")
		}
	}
	if in.TermTo, err = caseFormDate(r, "term_to", "期限"); err != nil {
		probs.AddErr("body.term_to", err)
	}
	if len(f.Holdings) > portalMaxRows {
		probs.Add("too_many_holdings", "body.holdings", "一次答复最多列出 "+strconv.Itoa(portalMaxRows)+" 项财产")
	}
	for i, h := range f.Holdings[:min(len(f.Holdings), portalMaxRows)] {
		hd := agency.Holding{Ref: h.Ref, Institution: h.Institution, Description: h.Description}
		field := "body.holdings[" + strconv.Itoa(i) + "].value_fen"
		for _, a := range []struct {
			s    string
			to   *int64
			what string
		}{{h.Value, &hd.ValueFen, "余额或价值"}, {h.Available, &hd.AvailableFen, "可冻结余额"}} {
			if a.s == "" {
				continue
			}
			if *a.to, err = legal.ParseYuan(a.s, false); err != nil {
				probs.Add("invalid_amount", field, "第 "+strconv.Itoa(i+1)+" 项财产的"+a.what+"："+err.Error())
			}
		}
		in.Holdings = append(in.Holdings, hd)
	}
	return in, probs.Err()
}

// portalField is the form field an error of the answer is about: "amount"
// for body.amount_fen, "address" for body.location.address, "h3" for the
// fourth holding.
func portalField(field string) string {
	name := strings.TrimPrefix(field, "body.")
	if rest, ok := strings.CutPrefix(name, "holdings["); ok {
		if i := strings.IndexByte(rest, ']'); i > 0 {
			return "h" + rest[:i]
		}
	}
	switch name {
	case "amount_fen":
		return "amount"
	case "location.address":
		return "address"
	}
	return name
}

func (u *UI) answerPortalRequest(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := portalFormOf(r)
	if r.PostFormValue("add_rows") != "" {
		// More rows for the assets found: the form comes back as it was,
		// nothing is recorded.
		f.Holdings = append(f.Holdings, make([]portalHolding, portalBlankRows)...)
		return u.showPortalRequest(w, r, id, http.StatusOK, f)
	}
	ctx := r.Context()
	if key := formKey(r, "portal:"+id.String()); key != "" {
		hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim(p.UserID.String(), key, r.Method, r.URL.Path, hash, u.Now))
	}
	_, err = store.TransactValue(ctx, u.DB, func(ctx context.Context, tx *store.Tx) (*assets.PortalRequest, error) {
		in, err := portalAnswer(r, f)
		if err != nil {
			return nil, err
		}
		return assets.PortalRespond(ctx, tx, id, in)
	})
	switch {
	case err == nil:
		redirect(w, r, "/portal", "portal_answered")
		return nil
	case apperr.CodeOf(err) == apperr.CodeOf(idem.ErrInProgress):
		redirect(w, r, "/portal/requests/"+id.String(), "portal_duplicate")
		return nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return err
	}
	f.Message = e.Detail
	for _, fe := range e.Fields {
		name := portalField(fe.Field)
		if i, err := strconv.Atoi(strings.TrimPrefix(name, "h")); err == nil && strings.HasPrefix(name, "h") && i < len(f.Holdings) {
			if f.Holdings[i].Error == "" {
				f.Holdings[i].Error = fe.Detail
			}
			continue
		}
		if _, dup := f.Errors[name]; !dup {
			f.Errors[name] = fe.Detail
		}
	}
	// Rows to fill besides those sent.
	f.Holdings = append(f.Holdings, make([]portalHolding, portalBlankRows)...)
	return u.showPortalRequest(w, r, id, httperr.Status(e.Kind), f)
}
