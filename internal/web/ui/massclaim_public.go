package ui

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The public side of a mass-claim campaign (DOMAIN.md §11, SCENARIOS S4),
// for victims on their phones, without signing in and without JavaScript:
// /m/{campaign} shows the campaign and registers a claim (a code sent to
// the phone first, MASS-2); success shows the participant's own status
// link once; /m/claim/{token} is that link: their own claim only, masked
// (MASS-7), where they confirm the court's figure or object (MASS-4) and
// later see what they were paid. The pages call the same functions as the
// /api/v1/public/… handlers of internal/web/api/massclaims.go.

// registerMassPublic mounts the public pages.
func (u *UI) registerMassPublic(mux *http.ServeMux) {
	mux.Handle("GET /m/{id}", u.public(u.massRegisterPage))
	mux.Handle("POST /m/{id}/code", u.public(u.massSendCode))
	mux.Handle("POST /m/{id}", u.public(u.massRegister))
	mux.Handle("GET /m/claim/{token}", u.public(u.massClaimPage))
	mux.Handle("POST /m/claim/{token}/answer", u.public(u.massAnswer))
	mux.Handle("POST /m/claim/{token}/payee", u.public(u.massChangePayee))
}

// massNotices are the messages of the participant's page after an answer.
var massNotices = map[string]string{
	"confirmed": "已确认金额。法院将按确认的金额参与按比例发放，发放后本页显示每一轮的金额。",
	"objected":  "已提出异议。法院复核后，本页显示复核意见和认定的金额。",
	"duplicate": "该表单已经提交过一次，没有重复办理；以下是最新情况。",
	"payee":     "收款账户已更改。法院重新发放未到账的款项时，将付至新账户。",
}

// massRegisterFields are the registration form's fields kept after a
// refusal: every one but the code, which is never shown again.
var massRegisterFields = []string{"phone", "id_number", "name", "amount", "evidence", "payee_account_no", "payee_bank"}

// public wraps a page for anyone: errors are rendered as public pages that
// reveal nothing of the court's system.
func (u *UI) public(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			u.publicError(w, r, err)
		}
	})
}

type massMessageView struct {
	Heading   string
	Detail    string
	RequestID string
}

// publicError renders err for a participant: "not found" in words that say
// nothing of whether anything exists, input and state errors as they are,
// anything unexpected logged and not shown.
// PublicError renders an error as the public pages do (no sign-in, no
// navigation).
func (u *UI) PublicError(w http.ResponseWriter, r *http.Request, err error) { u.publicError(w, r, err) }

func (u *UI) publicError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok {
		reqid.RecordError(r.Context(), err)
		e = &apperr.Error{Kind: apperr.Internal, Detail: "系统暂时无法处理，请稍后再试；如果问题持续，请把下面的请求编号告诉承办法院。"}
	}
	status := httperr.Status(e.Kind)
	v := massMessageView{Heading: httperr.Title(status), Detail: e.Detail}
	switch {
	case e.Kind == apperr.NotFound && strings.HasPrefix(r.URL.Path, "/m/claim/"):
		v.Heading, v.Detail = "链接无效", "无法识别该链接。请核对登记成功时保存的完整链接；如已遗失，请联系承办法院。"
	case e.Kind == apperr.NotFound:
		v.Heading, v.Detail = "没有找到该登记", "链接有误，或法院尚未发布该登记。请核对法院公布的登记地址。"
	case status >= http.StatusInternalServerError:
		v.Heading, v.RequestID = "出错了", reqid.From(r.Context())
	}
	if rerr := u.renderPublic(w, status, "m_message", v.Heading, "", v); rerr != nil {
		http.Error(w, v.Detail, status)
	}
}

// --- registration ---

type massRegisterView struct {
	Campaign *massclaim.Campaign
	Closed   bool // registration is over (or the court closed the campaign)
	Token    string
	Form     *caseForm
	CodeSent string // the masked phone a code was just sent to
	CodeNote string // why no new code was sent, when it is no fault
	Today    string
}

// massCampaign reads the campaign of the path as the public may see it.
func (u *UI) massCampaign(r *http.Request) (*massclaim.Campaign, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return massclaim.PublicCampaign(r.Context(), u.DB, id)
}

// massOpen reports whether a campaign takes registrations today.
func (u *UI) massOpen(m *massclaim.Campaign) bool {
	return m.Status == "open" && !legal.Today(u.Now()).After(m.RegistrationUntil)
}

func (u *UI) massRegisterPage(w http.ResponseWriter, r *http.Request) error {
	m, err := u.massCampaign(r)
	if err != nil {
		return err
	}
	return u.showMassRegister(w, http.StatusOK, m, newAssetForm(nil), "", "")
}

// showMassRegister renders the registration page with the form's state.
func (u *UI) showMassRegister(w http.ResponseWriter, status int, m *massclaim.Campaign, f *caseForm, sent, note string) error {
	v := massRegisterView{Campaign: m, Closed: !u.massOpen(m), Token: rand.Text(), Form: f, CodeSent: sent, CodeNote: note,
		Today: legal.Today(u.Now()).String()}
	return u.renderPublic(w, status, "m_campaign", m.Title, "", v)
}

// massRegisterForm is the form as sent, its code left out.
func massRegisterForm(r *http.Request) *caseForm {
	return &caseForm{Values: formValues(r, massRegisterFields...), Errors: map[string]string{}}
}

// massFormError puts a refusal on the form: each reason next to its field
// (claimed_fen is the amount typed in yuan), the rest above the form. It
// returns the status to answer with, or the error for an error page.
func massFormError(f *caseForm, err error) (int, error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return 0, err
	}
	f.Message = e.Detail
	for _, fe := range e.Fields {
		name := fe.Field[strings.LastIndexByte(fe.Field, '.')+1:]
		if name == "claimed_fen" {
			name = "amount"
		}
		if _, dup := f.Errors[name]; !dup {
			f.Errors[name] = fe.Detail
		}
	}
	if e.Code == "already_registered" {
		f.Errors["id_number"] = e.Detail
	}
	return httperr.Status(e.Kind), nil
}

// massSendCode sends a code to the phone typed and shows the form again as
// it was (the whole page, or the form alone for htmx).
func (u *UI) massSendCode(w http.ResponseWriter, r *http.Request) error {
	m, err := u.massCampaign(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := massRegisterForm(r)
	status, sent, note := http.StatusOK, "", ""
	err = u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
		return massclaim.SendCode(ctx, tx, m.ID, f.Values["phone"])
	})
	switch {
	case err == nil:
		sent = legal.MaskPhone(f.Values["phone"])
	case apperr.CodeOf(err) == "too_soon":
		// A second tap: the first code is on its way.
		note = "验证码已发送，请查看短信；如未收到，请一分钟后再获取。"
	case apperr.CodeOf(err) == "registration_closed":
		m.Status = "closed"
		status = http.StatusConflict
	default:
		if status, err = massFormError(f, err); err != nil {
			return err
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		v := massRegisterView{Campaign: m, Closed: !u.massOpen(m), Token: rand.Text(), Form: f, CodeSent: sent, CodeNote: note}
		if !v.Closed {
			return u.writeFragment(w, "m_campaign", "m_register_form", v)
		}
		// Closed meanwhile: the whole page says so.
		w.Header().Set("HX-Refresh", "true")
	}
	return u.showMassRegister(w, status, m, f, sent, note)
}

// massRegisteredView is the page a registration ends on: the status link,
// shown this once.
type massRegisteredView struct {
	Campaign *massclaim.Campaign
	Link     string // the absolute address to keep
	Path     string
	Name     string
	IDMasked string
	Claimed  string
	Account  string
	Again    bool // a repeated submission of the form: the link of the first
}

// massRegister records a claim. The form's token guards a double tap: the
// registration claims it with the link sealed under the token itself, so a
// repeat (or a reload of the answer) shows the same link again — never a
// second claim, never "already registered" to someone who just registered.
func (u *UI) massRegister(w http.ResponseWriter, r *http.Request) error {
	m, err := u.massCampaign(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := massRegisterForm(r)
	formToken := strings.TrimSpace(r.PostFormValue("form_token"))
	if formKey(r, "m:register") == "" {
		formToken = ""
	}
	owner, key := "massclaim:"+m.ID.String(), massRegistrationKey(formToken)
	// An amount that cannot be read is sent as 0: Register refuses it
	// before it looks at the code or writes anything, and still checks the
	// other fields, so that every mistake is shown at once.
	amount, amountErr := yuanField(r, "amount", "申报金额")
	if amountErr != nil {
		amount = 0
	}
	in := massclaim.RegisterInput{IDNumber: f.Values["id_number"], Name: f.Values["name"], Phone: f.Values["phone"],
		Code: r.PostFormValue("code"), ClaimedFen: amount, Evidence: f.Values["evidence"], PayeeAccountNo: f.Values["payee_account_no"],
		PayeeBank: f.Values["payee_bank"]}
	ctx := r.Context()
	hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
	if formToken != "" {
		ctx = store.WithTxHook(ctx, idem.Claim(owner, key, r.Method, r.URL.Path, hash, u.Now))
	}
	var claim *massclaim.Claim
	var token string
	err = u.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		c, tok, err := massclaim.Register(ctx, tx, m.ID, in)
		if err != nil {
			return err
		}
		if formToken != "" {
			sealed, err := sealMassLink(formToken, tok)
			if err != nil {
				return err
			}
			if err := idem.CompleteTx(ctx, tx, owner, key, idem.Answer{Status: http.StatusOK, ContentType: "application/x-zhixing-sealed",
				Body: sealed}, u.Now()); err != nil {
				return err
			}
		}
		claim, token = c, tok
		return nil
	})
	switch {
	case err == nil:
		return u.showMassRegistered(w, r, m, claim, token, false)
	case apperr.CodeOf(err) == apperr.CodeOf(idem.ErrInProgress):
		again, err := u.massRegisteredAgain(w, r, m, owner, key, formToken, hash)
		if again || err != nil {
			return err
		}
		// The form registered someone else before (the browser went
		// back and it was filled again): a fresh form, the values kept.
		f.Message = "这张登记表已经提交过一次。如需为另一人登记，请核对以下内容后重新获取验证码并提交。"
		return u.showMassRegister(w, http.StatusConflict, m, f, "", "")
	case massclaim.IsWrongCode(err):
		// The guess counts, in a transaction of its own: the refused one
		// rolled back (and must not claim the form's key).
		if rerr := u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
			return massclaim.RecordWrongCode(ctx, tx, m.ID, in.Phone)
		}); rerr != nil {
			return rerr
		}
	case apperr.CodeOf(err) == "registration_closed":
		m.Status = "closed"
		return u.showMassRegister(w, http.StatusConflict, m, f, "", "")
	}
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid && amountErr != nil {
		// The amount's own reason instead of "must be more than 0".
		var probs apperr.Problems
		probs.AddErr("body.claimed_fen", amountErr)
		for _, fe := range e.Fields {
			if fe.Field != "body.claimed_fen" {
				probs.Add(e.Code, fe.Field, fe.Detail)
			}
		}
		err = probs.Err()
	}
	status, err := massFormError(f, err)
	if err != nil {
		return err
	}
	return u.showMassRegister(w, status, m, f, "", "")
}

// showMassRegistered shows the status link of a new claim.
func (u *UI) showMassRegistered(w http.ResponseWriter, r *http.Request, m *massclaim.Campaign, c *massclaim.Claim, token string, again bool) error {
	path := "/m/claim/" + token
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	v := massRegisteredView{Campaign: m, Link: scheme + "://" + r.Host + path, Path: path, Name: c.Name, IDMasked: legal.MaskID(c.IDNumber),
		Claimed: yuanText(c.ClaimedFen), Account: c.PayeeBank + " 尾号 " + tail(c.PayeeAccountNo, 4), Again: again}
	return u.renderPublic(w, http.StatusOK, "m_registered", "登记成功", "", v)
}

// massRegisteredAgain answers a repeated submission of a form that
// registered (a double tap, a reload): the link of that registration,
// opened with the form's token. It reports false, showing nothing, when
// the form was sent with other contents.
func (u *UI) massRegisteredAgain(w http.ResponseWriter, r *http.Request, m *massclaim.Campaign, owner, key, formToken, hash string) (bool, error) {
	e, ok, err := idem.Lookup(r.Context(), u.DB, owner, key)
	if err != nil || !ok || !e.Done || e.RequestHash != hash {
		return false, err
	}
	token, ok := openMassLink(formToken, e.Answer.Body)
	if !ok {
		return false, nil
	}
	c, err := massclaim.ClaimByToken(r.Context(), u.DB, token)
	if err != nil {
		return false, err
	}
	return true, u.showMassRegistered(w, r, m, c, token, true)
}

// massRegistrationKey is the idempotency key of a registration form's
// rendering: a hash of its token, which the database never holds, so that
// the link sealed under the token cannot be read back from it.
func massRegistrationKey(formToken string) string {
	h := sha256.Sum256([]byte("zhixing massclaim registration key\x00" + formToken))
	return "m-register:" + hex.EncodeToString(h[:])
}

func massLinkCipher(formToken string) (cipher.AEAD, error) {
	k := sha256.Sum256([]byte("zhixing massclaim registration link\x00" + formToken))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealMassLink encrypts a status token under the form's token.
func sealMassLink(formToken, token string) ([]byte, error) {
	aead, err := massLinkCipher(formToken)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(token), nil), nil
}

// openMassLink decrypts what sealMassLink sealed.
func openMassLink(formToken string, sealed []byte) (string, bool) {
	aead, err := massLinkCipher(formToken)
	if err != nil || len(sealed) < aead.NonceSize() {
		return "", false
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	return string(plain), err == nil
}

// tail is the last n characters of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// --- the participant's own page ---

type massShareRow struct {
	Seq     int
	Amount  string
	State   string
	Settled bool
}

type massClaimView struct {
	Title        string
	JudgmentNo   string
	Path         string
	Token        string // the form token of this rendering
	Name         string
	IDMasked     string
	PhoneMasked  string
	Account      string
	Status       string
	StatusLabel  string
	RegisteredAt time.Time
	Claimed      string
	Reviewed     string // the court's figure, once reviewed
	ReviewNote   string
	Objection    string
	DecisionNote string
	Final        string // the figure that counts, once confirmed or decided
	Allocated    string // shared out in rounds, "" before any
	Settled      string // of which paid to the account
	Shares       []massShareRow
	Awaiting     bool      // the court's figure awaits the participant's answer
	Form         *caseForm // the objection form after a refusal
	Refusal      string    // why an answer was refused when the forms are no longer shown
	// Bounced: a payout did not arrive; the participant may correct the
	// account (PayeeForm, refused values kept).
	Bounced   bool
	PayeeForm *caseForm
}

// massShareState is where a share's payout stands, in a participant's
// words.
func massShareState(s funds.PayoutStatus) (string, bool) {
	switch s {
	case funds.PayoutSettled:
		return "已发放到您的收款账户", true
	case funds.PayoutPending, funds.PayoutApproved, funds.PayoutSent:
		return "发放办理中", false
	case funds.PayoutFailed, funds.PayoutReturned:
		return "未能到账，款项已退回法院代管账户；请核对并更改收款账户，法院将重新发放", false
	}
	return "暂未发放，法院将与您联系", false
}

// massToken reads the token of the path; one no link could carry is
// "not found" without a look.
func massToken(r *http.Request) (string, error) {
	t := r.PathValue("token")
	if t == "" || len(t) > 100 {
		return "", apperr.NotFoundf("登记")
	}
	return t, nil
}

func (u *UI) massClaimPage(w http.ResponseWriter, r *http.Request) error {
	token, err := massToken(r)
	if err != nil {
		return err
	}
	return u.showMassClaim(w, r, token, http.StatusOK, massNotices[r.URL.Query().Get("done")], nil)
}

// showMassClaim renders a participant's claim: theirs only, masked.
func (u *UI) showMassClaim(w http.ResponseWriter, r *http.Request, token string, status int, notice string, form *caseForm) error {
	return u.showMassClaimWith(w, r, token, status, notice, form, nil)
}

// showMassClaimWith is showMassClaim with the payee form's refused state.
func (u *UI) showMassClaimWith(w http.ResponseWriter, r *http.Request, token string, status int, notice string, form, payee *caseForm) error {
	ctx := r.Context()
	c, err := massclaim.ClaimByToken(ctx, u.DB, token)
	if err != nil {
		return err
	}
	m, err := massclaim.PublicCampaign(ctx, u.DB, c.CampaignID)
	if err != nil {
		return err
	}
	shares, err := massclaim.SharesOf(ctx, u.DB, c)
	if err != nil {
		return err
	}
	v := massClaimView{Title: m.Title, JudgmentNo: m.JudgmentNo, Path: "/m/claim/" + token, Token: rand.Text(), Name: c.Name,
		IDMasked: legal.MaskID(c.IDNumber), PhoneMasked: legal.MaskPhone(c.Phone), Account: c.PayeeBank + " 尾号 " + tail(c.PayeeAccountNo, 4),
		Status: c.Status, StatusLabel: c.StatusLabel(), RegisteredAt: c.CreatedAt, Claimed: yuanText(c.ClaimedFen), ReviewNote: c.ReviewNote,
		Objection: c.Objection, DecisionNote: c.DecisionNote, Awaiting: c.Status == "eligible", Form: form}
	switch c.Status {
	case "eligible", "confirmed", "objected", "final":
		v.Reviewed = yuanText(c.ReviewedFen)
	}
	if c.Status == "confirmed" || c.Status == "final" {
		v.Final = yuanText(c.FinalFen)
	}
	var settled int64
	for _, s := range shares {
		row := massShareRow{Seq: s.Seq, Amount: yuanText(s.ShareFen)}
		row.State, row.Settled = massShareState(s.PayoutStatus)
		v.Bounced = v.Bounced || s.PayoutStatus == funds.PayoutFailed || s.PayoutStatus == funds.PayoutReturned
		if row.Settled {
			settled += s.ShareFen
		}
		v.Shares = append(v.Shares, row)
	}
	if c.PaidFen > 0 {
		v.Allocated, v.Settled = yuanText(c.PaidFen), yuanText(settled)
	}
	switch {
	case !v.Awaiting && form != nil:
		v.Refusal, v.Form = form.Message, nil
	case v.Awaiting && form == nil:
		v.Form = newAssetForm(nil)
	}
	if v.Bounced {
		if v.PayeeForm = payee; payee == nil {
			v.PayeeForm = newAssetForm(nil)
		}
	}
	return u.renderPublic(w, status, "m_claim", "我的登记", notice, v)
}

// massChangePayee changes the participant's payee account after a payout
// did not arrive (massclaim.ChangePayee).
func (u *UI) massChangePayee(w http.ResponseWriter, r *http.Request) error {
	token, err := massToken(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	_, err = store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, error) {
		return massclaim.ChangePayee(ctx, tx, token, r.PostFormValue("payee_account_no"), r.PostFormValue("payee_bank"))
	})
	if err != nil {
		f := &caseForm{Values: formValues(r, "payee_account_no", "payee_bank"), Errors: map[string]string{}}
		status, err := massFormError(f, err)
		if err != nil {
			return err
		}
		return u.showMassClaimWith(w, r, token, status, "", nil, f)
	}
	http.Redirect(w, r, "/m/claim/"+token+"?done=payee", http.StatusSeeOther)
	return nil
}

// massAnswer records the participant's confirmation or objection; a
// repeated submission of the same rendering changes nothing.
func (u *UI) massAnswer(w http.ResponseWriter, r *http.Request) error {
	token, err := massToken(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := massclaim.ClaimByToken(ctx, u.DB, token)
	if err != nil {
		return err
	}
	if key := formKey(r, "m:answer"); key != "" {
		hash := idem.RequestHash(r.Method, "/m/claim/answer", []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim("massclaim:"+c.ID.String(), key, r.Method, "/m/claim/answer", hash, u.Now))
	}
	confirm := r.PostFormValue("decision") == "confirm"
	_, err = store.TransactValue(ctx, u.DB, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, error) {
		switch r.PostFormValue("decision") {
		case "confirm", "object":
		default:
			return nil, apperr.InvalidField("invalid_decision", "body.decision", "请选择确认金额或提出异议")
		}
		return massclaim.Answer(ctx, tx, token, confirm, r.PostFormValue("objection"))
	})
	done := "objected"
	if confirm {
		done = "confirmed"
	}
	switch {
	case err == nil:
	case apperr.CodeOf(err) == apperr.CodeOf(idem.ErrInProgress):
		done = "duplicate"
	default:
		f := &caseForm{Values: formValues(r, "objection"), Errors: map[string]string{}}
		status, err := massFormError(f, err)
		if err != nil {
			return err
		}
		return u.showMassClaim(w, r, token, status, "", f)
	}
	http.Redirect(w, r, "/m/claim/"+token+"?done="+done, http.StatusSeeOther)
	return nil
}

// massCampaignLink is the public address of a campaign.
func massCampaignLink(id uuid.UUID) string { return "/m/" + id.String() }
