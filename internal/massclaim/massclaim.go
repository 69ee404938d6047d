// Package massclaim runs mass-claim (涉众) campaigns (DOMAIN.md §11): money
// recovered in one enforcement case is returned to many victims. The court
// publishes a campaign with the judgment's victim list (MASS-1); victims
// register online with their ID number, a code sent to their phone and a
// payee account (MASS-2); reviewers check each claim against the list
// (MASS-3); the claimant confirms the court's figure or objects (MASS-4),
// objections are decided (MASS-5); the money is shared pro rata in rounds
// and paid through the ledger (MASS-6); a claimant sees only their own
// claim, through a link only they hold (MASS-7).
package massclaim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Campaign is a mass-claim campaign.
type Campaign struct {
	ID                uuid.UUID
	CourtID           uuid.UUID
	CaseID            uuid.UUID
	CaseNo            string
	DebtorPartyID     uuid.UUID
	Title             string
	JudgmentNo        string
	Status            string // draft, open, closed
	RegistrationUntil legal.Date
	CarriedFen        int64
	Victims           int
	VictimLossFen     int64
	CreatedByName     string
	CreatedAt         time.Time
}

const campaignSelect = `SELECT m.id, m.court_id, m.case_id, k.case_no, m.debtor_party_id, m.title, m.judgment_no, m.status, m.registration_until,
	m.carried_fen, (SELECT COUNT(*) FROM campaign_victims v WHERE v.campaign_id = m.id),
	(SELECT COALESCE(SUM(v.loss_fen), 0) FROM campaign_victims v WHERE v.campaign_id = m.id), m.created_by_name, m.created_at
	FROM campaigns m JOIN cases k ON k.id = m.case_id`

func scanCampaign(sc store.Scanner) (*Campaign, error) {
	c := &Campaign{}
	err := sc.Scan(&c.ID, &c.CourtID, &c.CaseID, &c.CaseNo, &c.DebtorPartyID, &c.Title, &c.JudgmentNo, &c.Status, &c.RegistrationUntil,
		&c.CarriedFen, &c.Victims, &c.VictimLossFen, &c.CreatedByName, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

func getCampaign(ctx context.Context, q store.Querier, id uuid.UUID, lock bool) (*Campaign, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok && lock {
		suffix = tx.ForUpdate("m")
	}
	c, err := scanCampaign(q.QueryRow(ctx, campaignSelect+` WHERE m.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("涉众案款发放")
	}
	return c, err
}

// GetCampaign returns a campaign of the caller's courts (cases.read).
func GetCampaign(ctx context.Context, q store.Querier, id uuid.UUID) (*Campaign, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	c, err := getCampaign(ctx, q, id, false)
	if err == nil && !p.Sees(c.CourtID) {
		return nil, apperr.NotFoundf("涉众案款发放")
	}
	return c, err
}

// PublicCampaign is what anyone may read of an open campaign: no counts
// of the victim list, which every registration would otherwise read whole.
func PublicCampaign(ctx context.Context, q store.Querier, id uuid.UUID) (*Campaign, error) {
	c := &Campaign{}
	err := q.QueryRow(ctx, `SELECT m.id, m.court_id, m.case_id, m.debtor_party_id, m.title, m.judgment_no, m.status, m.registration_until
		FROM campaigns m WHERE m.id = ?`, id).Scan(&c.ID, &c.CourtID, &c.CaseID, &c.DebtorPartyID, &c.Title, &c.JudgmentNo, &c.Status,
		&c.RegistrationUntil)
	if store.IsNoRows(err) || err == nil && c.Status == "draft" {
		return nil, apperr.NotFoundf("涉众案款发放")
	}
	return c, err
}

// CampaignInput creates a campaign.
type CampaignInput struct {
	DebtorPartyID     uuid.UUID
	Title, JudgmentNo string
	RegistrationUntil legal.Date
}

// CreateCampaign creates a campaign on a case (funds.handle).
func CreateCampaign(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in CampaignInput) (*Campaign, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	in.Title, in.JudgmentNo = strings.TrimSpace(in.Title), strings.TrimSpace(in.JudgmentNo)
	var probs apperr.Problems
	if in.Title == "" {
		probs.Add("title_required", "body.title", "请填写名称")
	}
	if in.JudgmentNo == "" {
		probs.Add("judgment_required", "body.judgment_no", "请填写刑事判决书文号")
	}
	if in.RegistrationUntil.Before(legal.Today(time.Now())) {
		probs.Add("invalid_date", "body.registration_until", "登记截止日期不能早于今天")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_parties WHERE case_id = ? AND party_id = ? AND role = 'respondent'`, caseID,
		in.DebtorPartyID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		probs.Add("not_a_respondent", "body.debtor_party_id", "该当事人不是本案的被执行人")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	id := store.NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO campaigns (id, court_id, case_id, debtor_party_id, title, judgment_no, status, registration_until,
		created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?)`, id, c.CourtID, caseID, in.DebtorPartyID,
		textutil.Truncate(in.Title, 200), textutil.Truncate(in.JudgmentNo, 100), in.RegistrationUntil, p.DisplayName, now, now); err != nil {
		return nil, err
	}
	m, err := getCampaign(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	return m, logCampaign(ctx, tx, m, "massclaim.created", "建立涉众案款发放："+m.Title+"（"+m.JudgmentNo+"）")
}

func logCampaign(ctx context.Context, tx *store.Tx, m *Campaign, action, summary string) error {
	if err := cases.AppendEvents(ctx, tx, m.CaseID, cases.Event{Kind: action, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: m.CourtID, Action: action, ObjectType: "campaign", ObjectID: m.ID.String(),
		Summary: m.CaseNo + "：" + summary, Changes: audit.Changes{"status": {To: m.Status}}})
}

// VictimsCSVHeader is the header of a victim list: 身份证号, 姓名, 损失金额
// (yuan).
var VictimsCSVHeader = []string{"身份证号", "姓名", "损失金额"}

// ImportVictims loads the judgment's victim list into a draft campaign
// (funds.handle), replacing any list before. A file with a bad line is
// refused whole, every bad line named.
func ImportVictims(ctx context.Context, tx *store.Tx, id uuid.UUID, r io.Reader) (int, error) {
	m, err := lockCampaign(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	if m.Status != "draft" {
		return 0, apperr.New(apperr.Conflict, "not_draft", "名单只能在发布前导入")
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil || len(header) < 3 || strings.TrimPrefix(header[0], "\ufeff") != VictimsCSVHeader[0] {
		return 0, apperr.InvalidField("invalid_csv", "body.csv", "名单的表头应为："+strings.Join(VictimsCSVHeader, ","))
	}
	type victim struct {
		id, name string
		loss     int64
	}
	var list []victim
	seen := map[string]int{}
	var probs apperr.Problems
	today := legal.Today(time.Now())
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(rec) < 3 {
			probs.Add("invalid_line", "body.csv", fmt.Sprintf("第 %d 行无法读取", line))
			break
		}
		rid, err := legal.ParseResidentID(rec[0], today)
		if err != nil {
			probs.Add("invalid_line", "body.csv", fmt.Sprintf("第 %d 行：身份证号 %s 有误", line, strings.TrimSpace(rec[0])))
			continue
		}
		loss, err := legal.ParseYuan(rec[2], false)
		if err != nil || loss <= 0 {
			probs.Add("invalid_line", "body.csv", fmt.Sprintf("第 %d 行：损失金额应为大于 0 的元数", line))
			continue
		}
		if prev, dup := seen[rid.Number]; dup {
			probs.Add("invalid_line", "body.csv", fmt.Sprintf("第 %d 行：身份证号与第 %d 行重复", line, prev))
			continue
		}
		seen[rid.Number] = line
		list = append(list, victim{rid.Number, strings.TrimSpace(rec[1]), loss})
	}
	if err := probs.Err(); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM campaign_victims WHERE campaign_id = ?`, m.ID); err != nil {
		return 0, err
	}
	if err := store.InsertRows(ctx, tx, `INSERT INTO campaign_victims (campaign_id, id_number, name, loss_fen) VALUES `, 4, len(list),
		func(i int, args []any) []any { return append(args, m.ID, list[i].id, list[i].name, list[i].loss) }); err != nil {
		return 0, err
	}
	return len(list), logCampaign(ctx, tx, m, "massclaim.victims", fmt.Sprintf("导入被害人名单 %d 人", len(list)))
}

func lockCampaign(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Campaign, error) {
	m, err := GetCampaign(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := cases.LockForWork(ctx, tx, m.CaseID, access.FundsHandle); err != nil {
		return nil, err
	}
	return getCampaign(ctx, tx, id, true)
}

// Open publishes a draft campaign with its victim list (funds.handle).
func Open(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Campaign, error) {
	m, err := lockCampaign(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != "draft" {
		return nil, apperr.New(apperr.Conflict, "not_draft", "该发放已发布")
	}
	if m.Victims == 0 {
		return nil, apperr.New(apperr.Conflict, "no_victims", "请先导入被害人名单")
	}
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'open', updated_at = ? WHERE id = ?`, time.Now().UTC(), m.ID); err != nil {
		return nil, err
	}
	m.Status = "open"
	return m, logCampaign(ctx, tx, m, "massclaim.opened", fmt.Sprintf("发布涉众案款发放，登记至 %s 截止（MASS-1）", m.RegistrationUntil))
}

func hashToken(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// money formats fen for messages.
func money(fen int64) string { return triage.FormatYuan(fen) }

// pageOf is store.PageByID for claims.
func pageOf(ctx context.Context, q store.Querier, req page.Request, where string, args []any) (page.Page[*Claim], error) {
	return store.PageByID(ctx, q, req, claimSelect+` WHERE `+where, args, "c.id", false, scanClaim, func(c *Claim) uuid.UUID { return c.ID })
}
