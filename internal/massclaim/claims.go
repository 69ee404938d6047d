package massclaim

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// Claim is a participant's claim.
type Claim struct {
	ID             uuid.UUID
	CampaignID     uuid.UUID
	CourtID        uuid.UUID
	PartyID        uuid.UUID
	IDNumber       string
	Name           string
	Phone          string
	ClaimedFen     int64
	Evidence       string
	PayeeAccountNo string
	PayeeBank      string
	Status         string
	ReviewedFen    int64
	ReviewNote     string
	ReviewedByName string
	Objection      string
	DecisionNote   string
	FinalFen       int64
	PaidFen        int64
	CreatedAt      time.Time
}

// StatusLabel is the status's Chinese name.
func (c *Claim) StatusLabel() string {
	switch c.Status {
	case "registered":
		return "已登记，待审核"
	case "eligible":
		return "审核通过，待本人确认金额"
	case "ineligible":
		return "审核未通过"
	case "confirmed":
		return "已确认"
	case "objected":
		return "已提出异议，待复核"
	case "final":
		return "异议已复核"
	}
	return c.Status
}

const claimSelect = `SELECT c.id, c.campaign_id, c.court_id, c.party_id, c.id_number, c.name, c.phone, c.claimed_fen, c.evidence, c.payee_account_no,
	c.payee_bank, c.status, c.reviewed_fen, c.review_note, c.reviewed_by_name, c.objection, c.decision_note, c.final_fen, c.paid_fen, c.created_at
	FROM claims c`

func scanClaim(sc store.Scanner) (*Claim, error) {
	c := &Claim{}
	err := sc.Scan(&c.ID, &c.CampaignID, &c.CourtID, &c.PartyID, &c.IDNumber, &c.Name, &c.Phone, &c.ClaimedFen, &c.Evidence, &c.PayeeAccountNo,
		&c.PayeeBank, &c.Status, &c.ReviewedFen, &c.ReviewNote, &c.ReviewedByName, &c.Objection, &c.DecisionNote, &c.FinalFen, &c.PaidFen,
		&c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// codeTTL is how long a phone code is good for; codeAttempts how many wrong
// guesses it survives.
const (
	codeTTL      = 10 * time.Minute
	codeAttempts = 5
	codeEvery    = time.Minute // at most one code a minute per phone
)

// validPhone checks a mainland mobile number.
func validPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// system is the principal public actions write as.
func system(ctx context.Context) context.Context {
	return access.With(ctx, access.System("网上登记"))
}

// SendCode sends a one-time code to a phone for registering in an open
// campaign (MASS-2), at most one a minute; the message goes to the SMS
// outbox.
func SendCode(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, phone string) error {
	m, err := PublicCampaign(ctx, tx, campaignID)
	if err != nil {
		return err
	}
	if m.Status != "open" || legal.Today(time.Now()).After(m.RegistrationUntil) {
		return apperr.New(apperr.Conflict, "registration_closed", "登记已截止")
	}
	phone = strings.TrimSpace(phone)
	if !validPhone(phone) {
		return apperr.InvalidField("invalid_phone", "body.phone", "手机号码应为 11 位数字")
	}
	now := time.Now().UTC()
	var created time.Time
	switch err := tx.QueryRow(ctx, `SELECT created_at FROM campaign_codes WHERE campaign_id = ? AND phone = ?`, m.ID, phone).Scan(&created); {
	case err == nil && now.Sub(created) < codeEvery:
		return apperr.New(apperr.Conflict, "too_soon", "验证码已发送，请一分钟后再试")
	case err != nil && !store.IsNoRows(err):
		return err
	}
	code := randomDigits(6)
	if _, err := tx.Exec(ctx, `INSERT INTO campaign_codes (campaign_id, phone, code_hash, expires_at, attempts, created_at) VALUES (?, ?, ?, ?, 0, ?)
		ON CONFLICT (campaign_id, phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0,
		created_at = excluded.created_at`, m.ID, phone, hashToken(m.ID.String()+phone+code), now.Add(codeTTL), now); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO sms_outbox (id, court_id, phone, kind, body, status, created_at) VALUES (?, ?, ?, 'massclaim_code', ?, 'queued', ?)`,
		store.NewID(), m.CourtID, phone, fmt.Sprintf("【%s】验证码 %s，10 分钟内有效。请勿告诉他人。", m.Title, code), now)
	return err
}

// RegisterInput is a participant's registration.
type RegisterInput struct {
	IDNumber, Name, Phone, Code string
	ClaimedFen                  int64
	Evidence                    string
	PayeeAccountNo, PayeeBank   string
}

// Register records a participant's claim (MASS-2): a valid resident ID
// number (IDC-1), the code sent to the phone, one claim per ID number per
// campaign, a payee account in the participant's own name. It returns the
// claim and the token of the participant's status page, shown once.
func Register(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, in RegisterInput) (*Claim, string, error) {
	ctx = system(ctx)
	m, err := PublicCampaign(ctx, tx, campaignID)
	if err != nil {
		return nil, "", err
	}
	today := legal.Today(time.Now())
	if m.Status != "open" || today.After(m.RegistrationUntil) {
		return nil, "", apperr.New(apperr.Conflict, "registration_closed", "登记已于 "+m.RegistrationUntil.String()+" 截止")
	}
	in.Name, in.Phone, in.PayeeBank = strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone), strings.TrimSpace(in.PayeeBank)
	in.PayeeAccountNo = strings.Join(strings.Fields(in.PayeeAccountNo), "")
	var probs apperr.Problems
	rid, err := legal.ParseResidentID(in.IDNumber, today)
	if err != nil {
		probs.AddErr("body.id_number", err)
	}
	if in.Name == "" {
		probs.Add("name_required", "body.name", "请填写姓名")
	}
	if !validPhone(in.Phone) {
		probs.Add("invalid_phone", "body.phone", "手机号码应为 11 位数字")
	}
	if in.ClaimedFen <= 0 || in.ClaimedFen > legal.MaxAmountFen {
		probs.Add("invalid_amount", "body.claimed_fen", "申报金额须大于 0 且不超过上限")
	}
	if !validAccountNo(in.PayeeAccountNo) {
		probs.Add("invalid_account_no", "body.payee_account_no", "银行账号应为 8 至 34 位数字")
	}
	if in.PayeeBank == "" {
		probs.Add("bank_required", "body.payee_bank", "请填写开户行")
	}
	if err := probs.Err(); err != nil {
		return nil, "", err
	}
	// The code is used up here; any refusal below rolls that back.
	if err := checkCode(ctx, tx, m.ID, in.Phone, in.Code); err != nil {
		return nil, "", err
	}
	partyID, err := participantParty(ctx, tx, rid, in.Name, in.Phone)
	if err != nil {
		return nil, "", err
	}
	token := randomToken()
	now := time.Now().UTC()
	c := &Claim{ID: store.NewID(), CampaignID: m.ID, CourtID: m.CourtID, PartyID: partyID, IDNumber: rid.Number, Name: in.Name, Phone: in.Phone,
		ClaimedFen: in.ClaimedFen, Evidence: textutil.Truncate(strings.TrimSpace(in.Evidence), 2000), PayeeAccountNo: in.PayeeAccountNo,
		PayeeBank: textutil.Truncate(in.PayeeBank, 100), Status: "registered", CreatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO claims (id, campaign_id, court_id, party_id, id_number, name, phone, claimed_fen, evidence, payee_account_no,
		payee_bank, status, token_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?, ?)`,
		c.ID, c.CampaignID, c.CourtID, c.PartyID, c.IDNumber, textutil.Truncate(c.Name, 50), c.Phone, c.ClaimedFen, c.Evidence, c.PayeeAccountNo,
		c.PayeeBank, hashToken(token), now, now); err != nil {
		// One claim per ID number per campaign: UNIQUE (campaign_id,
		// id_number) says so, also between two registrations at once.
		if store.IsUniqueViolation(err) {
			return nil, "", apperr.New(apperr.Conflict, "already_registered", "该身份证号已登记，请通过登记时取得的链接查看进度")
		}
		return nil, "", err
	}
	return c, token, audit.Log(ctx, tx, audit.Entry{CourtID: m.CourtID, Action: "massclaim.registered", ObjectType: "claim", ObjectID: c.ID.String(),
		Summary: fmt.Sprintf("%s 登记申报 %s（%s）", MaskID(c.IDNumber), money(c.ClaimedFen), m.Title)})
}

// checkCode checks a phone's code — right, in time, and not guessed more
// than codeAttempts times — and uses it up: the code is deleted in the same
// statement that reads it (which also locks it on PostgreSQL), so a refusal
// here or later in the transaction must roll the transaction back, which
// restores it. A wrong code is errWrongCode: the caller counts the guess in
// a transaction of its own (RecordWrongCode).
func checkCode(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, phone, code string) error {
	var codeHash string
	var expires time.Time
	var attempts int
	err := tx.QueryRow(ctx, `DELETE FROM campaign_codes WHERE campaign_id = ? AND phone = ? RETURNING code_hash, expires_at, attempts`,
		campaignID, phone).Scan(&codeHash, &expires, &attempts)
	switch {
	case store.IsNoRows(err):
		return apperr.InvalidField("code_required", "body.code", "请先获取验证码")
	case err != nil:
		return err
	case attempts >= codeAttempts || time.Now().After(expires):
		return apperr.InvalidField("code_expired", "body.code", "验证码已失效，请重新获取")
	case hashToken(campaignID.String()+phone+strings.TrimSpace(code)) != codeHash:
		return errWrongCode
	}
	return nil
}

// ReissueLink gives a participant who lost their status link a new one
// (the old one stops working): the ID number and the phone they registered
// with, and a fresh code sent to that phone. Any mismatch answers alike, so
// that nobody learns who registered.
func ReissueLink(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, idNumber, phone, code string) (string, error) {
	ctx = system(ctx)
	m, err := PublicCampaign(ctx, tx, campaignID)
	if err != nil {
		return "", err
	}
	phone = strings.TrimSpace(phone)
	if err := checkCode(ctx, tx, m.ID, phone, code); err != nil {
		return "", err
	}
	rid, err := legal.ParseResidentID(idNumber, legal.Today(time.Now()))
	if err != nil {
		return "", apperr.InvalidField("invalid_id_number", "body.id_number", "身份证号有误")
	}
	var id uuid.UUID
	var court uuid.UUID
	err = tx.QueryRow(ctx, `SELECT id, court_id FROM claims WHERE campaign_id = ? AND id_number = ? AND phone = ?`+tx.ForUpdate(), m.ID, rid.Number,
		phone).Scan(&id, &court)
	if store.IsNoRows(err) {
		return "", apperr.NotFoundf("与身份证号和手机号相符的登记")
	}
	if err != nil {
		return "", err
	}
	token := randomToken()
	if _, err := tx.Exec(ctx, `UPDATE claims SET token_hash = ?, updated_at = ? WHERE id = ?`, hashToken(token), time.Now().UTC(), id); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM campaign_codes WHERE campaign_id = ? AND phone = ?`, m.ID, phone); err != nil {
		return "", err
	}
	return token, audit.Log(ctx, tx, audit.Entry{CourtID: court, Action: "massclaim.link_reissued", ObjectType: "claim", ObjectID: id.String(),
		Summary: MaskID(rid.Number) + " 重新取得登记进度链接"})
}

// errWrongCode is a wrong code (422); the caller records the attempt.
var errWrongCode = apperr.InvalidField("wrong_code", "body.code", "验证码不正确")

// IsWrongCode reports whether Register refused a wrong code: the attempt
// must still be counted (RecordWrongCode), outside the refused transaction.
func IsWrongCode(err error) bool { return err == errWrongCode }

// RecordWrongCode counts a wrong guess of a phone's code.
func RecordWrongCode(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, phone string) error {
	_, err := tx.Exec(ctx, `UPDATE campaign_codes SET attempts = attempts + 1 WHERE campaign_id = ? AND phone = ?`, campaignID, strings.TrimSpace(phone))
	return err
}

// participantParty finds or records the participant as a party (person):
// one statement when the person is new, as most participants are.
func participantParty(ctx context.Context, tx *store.Tx, rid legal.ResidentID, name, phone string) (uuid.UUID, error) {
	now := time.Now().UTC()
	id := store.NewID()
	// A person already recorded (parties_identity: kind, id_number) stays
	// as recorded and yields no row.
	err := tx.QueryRow(ctx, `INSERT INTO parties (id, kind, name, id_number, id_checked, phone, created_at, updated_at)
		VALUES (?, 'person', ?, ?, TRUE, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		id, textutil.Truncate(name, 50), rid.Number, phone, now, now).Scan(&id)
	if err == nil || !store.IsNoRows(err) {
		return id, err
	}
	// id_number <> '' lets the planner use the partial unique index.
	err = tx.QueryRow(ctx, `SELECT id FROM parties WHERE kind = 'person' AND id_number = ? AND id_number <> ''`, rid.Number).Scan(&id)
	return id, err
}

// MaskID shows a participant's ID number by its first and last 4 characters,
// in audit records and the public views of a claim.
func MaskID(id string) string {
	if len(id) < 8 {
		return id
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}

// ClaimByToken returns the claim a status link names (MASS-7): the only
// way a participant reaches a claim.
func ClaimByToken(ctx context.Context, q store.Querier, token string) (*Claim, error) {
	c, err := scanClaim(q.QueryRow(ctx, claimSelect+` WHERE c.token_hash = ?`, hashToken(strings.TrimSpace(token))))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("登记")
	}
	return c, err
}

// Claims pages through a campaign's claims (cases.read), filtered by status.
func Claims(ctx context.Context, q store.Querier, campaignID uuid.UUID, status string, req page.Request) (page.Page[*Claim], error) {
	m, err := GetCampaign(ctx, q, campaignID)
	if err != nil {
		return page.Page[*Claim]{}, err
	}
	where, args := "c.campaign_id = ?", []any{m.ID}
	if status != "" {
		where += " AND c.status = ?"
		args = append(args, status)
	}
	return pageOf(ctx, q, req, where, args)
}

// ReviewByList reviews every registered claim of a campaign against the
// victim list in one go (funds.handle, MASS-3): listed → eligible at the
// loss on the list (the claimant then confirms or objects); not listed →
// ineligible. It returns how many of each.
func ReviewByList(ctx context.Context, tx *store.Tx, campaignID uuid.UUID) (eligible, ineligible int, err error) {
	m, err := lockCampaign(ctx, tx, campaignID)
	if err != nil {
		return 0, 0, err
	}
	p, _ := access.Must(ctx)
	now := time.Now().UTC()
	res, err := tx.Exec(ctx, `UPDATE claims SET status = 'eligible', reviewed_fen = (SELECT v.loss_fen FROM campaign_victims v
		WHERE v.campaign_id = claims.campaign_id AND v.id_number = claims.id_number), review_note = '与判决认定的被害人名单相符',
		reviewed_by_name = ?, updated_at = ? WHERE campaign_id = ? AND status = 'registered'
		AND id_number IN (SELECT id_number FROM campaign_victims WHERE campaign_id = ?)`, p.DisplayName, now, m.ID, m.ID)
	if err != nil {
		return 0, 0, err
	}
	n, _ := res.RowsAffected()
	eligible = int(n)
	res, err = tx.Exec(ctx, `UPDATE claims SET status = 'ineligible', review_note = '不在判决认定的被害人名单中', reviewed_by_name = ?, updated_at = ?
		WHERE campaign_id = ? AND status = 'registered'`, p.DisplayName, now, m.ID)
	if err != nil {
		return 0, 0, err
	}
	n, _ = res.RowsAffected()
	ineligible = int(n)
	return eligible, ineligible, logCampaign(ctx, tx, m, "massclaim.reviewed", fmt.Sprintf("按被害人名单审核：通过 %d 人，未通过 %d 人（MASS-3）",
		eligible, ineligible))
}

// Answer is the participant's answer to the court's figure (MASS-4).
func Answer(ctx context.Context, tx *store.Tx, token string, confirm bool, objection string) (*Claim, error) {
	ctx = system(ctx)
	// Locked, so that two answers sent at once are one answer.
	c, err := lockByToken(ctx, tx, token)
	if err != nil {
		return nil, err
	}
	if c.Status != "eligible" {
		return nil, apperr.New(apperr.Conflict, "not_awaiting_answer", "该登记目前为“"+c.StatusLabel()+"”，无需确认")
	}
	objection = strings.TrimSpace(objection)
	now := time.Now().UTC()
	if confirm {
		_, err = tx.Exec(ctx, `UPDATE claims SET status = 'confirmed', final_fen = reviewed_fen, updated_at = ? WHERE id = ?`, now, c.ID)
		c.Status, c.FinalFen = "confirmed", c.ReviewedFen
	} else {
		if objection == "" {
			return nil, apperr.InvalidField("objection_required", "body.objection", "请写明异议理由")
		}
		_, err = tx.Exec(ctx, `UPDATE claims SET status = 'objected', objection = ?, updated_at = ? WHERE id = ?`, textutil.Truncate(objection, 1000), now, c.ID)
		c.Status, c.Objection = "objected", objection
	}
	if err != nil {
		return nil, err
	}
	return c, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "massclaim.answered", ObjectType: "claim", ObjectID: c.ID.String(),
		Summary: fmt.Sprintf("%s %s", MaskID(c.IDNumber), map[bool]string{true: "确认金额", false: "提出异议"}[confirm])})
}

// lockByToken reads and locks the claim a participant's link names.
func lockByToken(ctx context.Context, tx *store.Tx, token string) (*Claim, error) {
	c, err := scanClaim(tx.QueryRow(ctx, claimSelect+` WHERE c.token_hash = ?`+tx.ForUpdate("c"), hashToken(strings.TrimSpace(token))))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("登记")
	}
	return c, err
}

// DecideObjection sets the final figure of an objected claim (funds.handle,
// MASS-5).
func DecideObjection(ctx context.Context, tx *store.Tx, claimID uuid.UUID, finalFen int64, note string) (*Claim, error) {
	c, err := scanClaim(tx.QueryRow(ctx, claimSelect+` WHERE c.id = ?`, claimID))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("登记")
	}
	if err != nil {
		return nil, err
	}
	if _, err := lockCampaign(ctx, tx, c.CampaignID); err != nil {
		return nil, err
	}
	// Read again under the campaign's lock: a decision made meanwhile shows.
	if c, err = scanClaim(tx.QueryRow(ctx, claimSelect+` WHERE c.id = ?`+tx.ForUpdate("c"), claimID)); err != nil {
		return nil, err
	}
	if c.Status != "objected" {
		return nil, apperr.New(apperr.Conflict, "not_objected", "该登记没有待复核的异议")
	}
	if note = strings.TrimSpace(note); note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "请写明复核意见")
	}
	if finalFen < 0 || finalFen > legal.MaxAmountFen {
		return nil, apperr.InvalidField("invalid_amount", "body.final_fen", "金额不能为负")
	}
	if _, err := tx.Exec(ctx, `UPDATE claims SET status = 'final', final_fen = ?, decision_note = ?, updated_at = ? WHERE id = ?`, finalFen,
		textutil.Truncate(note, 1000), time.Now().UTC(), c.ID); err != nil {
		return nil, err
	}
	c.Status, c.FinalFen, c.DecisionNote = "final", finalFen, note
	return c, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "massclaim.objection_decided", ObjectType: "claim", ObjectID: c.ID.String(),
		Summary: fmt.Sprintf("%s 异议复核：认定 %s", MaskID(c.IDNumber), money(finalFen))})
}

// IssueCodes gives phones a code without sending it (zhixing bench claims
// measures registration alone; tests): the same code for each, good for
// the usual ten minutes.
func IssueCodes(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, phones []string, code string) error {
	now := time.Now().UTC()
	return store.InsertRows(ctx, tx, `INSERT INTO campaign_codes (campaign_id, phone, code_hash, expires_at, attempts, created_at) VALUES `, 6,
		len(phones), func(i int, args []any) []any {
			return append(args, campaignID, phones[i], hashToken(campaignID.String()+phones[i]+code), now.Add(codeTTL), 0, now)
		})
}
