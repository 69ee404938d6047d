package massclaim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// A participant's payout that the bank could not make, or that the
// receiving bank sent back, leaves the share on the participant's account
// of the campaign's case (funds.Payer). The participant corrects the
// account through their own link; the court pays what is held again in one
// batch.

// validAccountNo reports whether s is a bank account number: 8 to 34 digits.
func validAccountNo(s string) bool {
	n := len(s)
	return n >= 8 && n <= 34 && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// ChangePayee changes the account a participant is paid to, through their
// own link (MASS-7): payouts asked for from now on go there; those already
// asked for keep theirs.
func ChangePayee(ctx context.Context, tx *store.Tx, token, accountNo, bank string) (*Claim, error) {
	ctx = system(ctx)
	c, err := lockByToken(ctx, tx, token)
	if err != nil {
		return nil, err
	}
	accountNo, bank = strings.Join(strings.Fields(accountNo), ""), strings.TrimSpace(bank)
	var probs apperr.Problems
	if !validAccountNo(accountNo) {
		probs.Add("invalid_account_no", "body.payee_account_no", "银行账号应为 8 至 34 位数字")
	}
	if bank == "" {
		probs.Add("bank_required", "body.payee_bank", "请填写开户行")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if c.Status == "ineligible" {
		return nil, apperr.New(apperr.Conflict, "ineligible", "该登记未通过审核，无需登记收款账户")
	}
	if accountNo == c.PayeeAccountNo && bank == c.PayeeBank {
		return c, nil
	}
	old := c.PayeeAccountNo
	c.PayeeAccountNo, c.PayeeBank = accountNo, textutil.Truncate(bank, 100)
	if _, err := tx.Exec(ctx, `UPDATE claims SET payee_account_no = ?, payee_bank = ?, updated_at = ? WHERE id = ?`, c.PayeeAccountNo, c.PayeeBank,
		time.Now().UTC(), c.ID); err != nil {
		return nil, err
	}
	return c, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "massclaim.payee_changed", ObjectType: "claim", ObjectID: c.ID.String(),
		Summary: fmt.Sprintf("%s 更改收款账户：%s → %s %s", MaskID(c.IDNumber), funds.MaskAccount(old), c.PayeeBank, funds.MaskAccount(c.PayeeAccountNo)),
		Changes: audit.Changes{"payee_account_no": {From: funds.MaskAccount(old), To: funds.MaskAccount(c.PayeeAccountNo)}}})
}

// Repay asks, in one batch approved as one (FUND-6), for the money each
// participant of a campaign holds on the campaign's case — their share of
// a round whose payout failed or was returned — to the account they
// registered or changed to since (funds.handle). 409 nothing_to_repay when
// nobody holds any.
func Repay(ctx context.Context, tx *store.Tx, campaignID uuid.UUID) (*funds.PayoutBatch, error) {
	m, err := lockCampaign(ctx, tx, campaignID)
	if err != nil {
		return nil, err
	}
	held, err := funds.Held(ctx, tx, m.CaseID)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, claimSelect+` WHERE c.campaign_id = ? AND c.status IN ('confirmed', 'final') AND c.paid_fen > 0 ORDER BY c.id`, m.ID)
	if err != nil {
		return nil, err
	}
	claims, err := store.ScanAll(rows, scanClaim)
	if err != nil {
		return nil, err
	}
	var items []funds.BatchPayout
	for _, c := range claims {
		if v := held[c.PartyID]; v > 0 {
			items = append(items, funds.BatchPayout{PartyID: c.PartyID, AmountFen: v, Holder: c.Name, AccountNo: c.PayeeAccountNo, Bank: c.PayeeBank,
				Confirmation: "网上实名登记（身份证号、手机验证码）", Phone: c.Phone})
		}
	}
	if len(items) == 0 {
		return nil, apperr.New(apperr.Conflict, "nothing_to_repay", "没有未到账、待重新发放的款项")
	}
	b, ids, err := funds.RequestBatch(ctx, tx, m.CaseID, m.JudgmentNo+" 未到账款项重新发放", items)
	if err != nil {
		return nil, err
	}
	// Each share whose payout did not arrive now points at the payout that
	// pays it again: the participant's page follows it.
	byParty := make(map[uuid.UUID]uuid.UUID, len(ids))
	for i, it := range items {
		byParty[it.PartyID] = ids[i]
	}
	for _, c := range claims {
		if id, ok := byParty[c.PartyID]; ok {
			if _, err := tx.Exec(ctx, `UPDATE claim_shares SET payout_id = ? WHERE claim_id = ? AND payout_id IN (SELECT id FROM payouts
				WHERE status IN ('failed', 'returned'))`, id, c.ID); err != nil {
				return nil, err
			}
		}
	}
	return b, logCampaign(ctx, tx, m, "massclaim.repay", fmt.Sprintf("未到账款项重新发放：%d 人，合计 %s，待整批审批", b.Payouts, money(b.TotalFen)))
}
