package massclaim

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Round is one payout round of a campaign (MASS-6).
type Round struct {
	ID         uuid.UUID
	CampaignID uuid.UUID
	Seq        int
	AmountFen  int64 // shared out
	PaidFen    int64 // given to claimants (the floors' sum)
	CarriedFen int64 // left for the next round
	Claims     int
	BatchID    uuid.UUID // the round's payouts, approved as one
	Payouts    []uuid.UUID
}

// KindMassClaim moves a round's money from the debtor's account of the
// campaign case to the participants' accounts.
const KindMassClaim funds.TransferKind = "mass_claim"

// PayRound shares money held for the debtor in the campaign's case among
// the confirmed claims (funds.handle, MASS-6): the ratio is everything paid
// so far plus this round's money over all confirmed losses; each claim gets
// its loss × ratio floored to the fen, less what it had; the floors'
// remainder stays on the debtor's account for the next round. The shares
// move to the participants' own accounts in one transfer and a payout to
// each one's registered account is asked for in one batch, approved as a
// whole (FUND-6). A fixed number of statements whatever the number of
// participants. amountFen 0 shares everything held.
func PayRound(ctx context.Context, tx *store.Tx, campaignID uuid.UUID, amountFen int64) (*Round, error) {
	m, err := lockCampaign(ctx, tx, campaignID)
	if err != nil {
		return nil, err
	}
	debtor, err := funds.DebtorAccount(ctx, tx, m.CaseID, m.DebtorPartyID)
	if err != nil {
		return nil, err
	}
	if amountFen == 0 {
		amountFen = debtor.Balance
	}
	if amountFen <= 0 || amountFen > debtor.Balance {
		return nil, apperr.InvalidField("invalid_amount", "body.amount_fen", fmt.Sprintf("本轮金额须大于 0 且不超过代管的 %s", money(debtor.Balance)))
	}
	rows, err := tx.Query(ctx, claimSelect+` WHERE c.campaign_id = ? AND c.status IN ('confirmed', 'final') AND c.final_fen > 0 ORDER BY c.id`, m.ID)
	if err != nil {
		return nil, err
	}
	claims, err := store.ScanAll(rows, scanClaim)
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, apperr.New(apperr.Conflict, "no_confirmed_claims", "没有已确认金额的登记")
	}
	losses, paid := make([]int64, len(claims)), make([]int64, len(claims))
	for i, c := range claims {
		losses[i], paid[i] = c.FinalFen, c.PaidFen
	}
	shares, remainder := legal.MassShares(amountFen, losses, paid)
	var seq int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM campaign_rounds WHERE campaign_id = ?`, m.ID).Scan(&seq); err != nil {
		return nil, err
	}
	r := &Round{ID: store.NewID(), CampaignID: m.ID, Seq: seq, AmountFen: amountFen, CarriedFen: remainder}
	for _, s := range shares {
		r.PaidFen += s
		if s > 0 {
			r.Claims++
		}
	}
	if r.PaidFen == 0 {
		return nil, apperr.New(apperr.Conflict, "nothing_to_share", "本轮金额不足以向任何人发放 1 分")
	}
	p := actorName(ctx)
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO campaign_rounds (id, campaign_id, seq, amount_fen, paid_fen, carried_fen, claims, created_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, m.ID, seq, amountFen, r.PaidFen, remainder, r.Claims, p, now); err != nil {
		return nil, err
	}
	// The participants' accounts, then one transfer for the round.
	var credits []funds.ShareCredit
	for i, c := range claims {
		if shares[i] > 0 {
			credits = append(credits, funds.ShareCredit{PartyID: c.PartyID, Name: "受害人 " + c.Name, AmountFen: shares[i]})
		}
	}
	if err := funds.ShareOut(ctx, tx, m.CaseID, debtor, KindMassClaim, "mass_round:"+r.ID.String(),
		fmt.Sprintf("%s 第 %d 轮按比例发放", m.Title, seq), credits); err != nil {
		return nil, err
	}
	// One payout per share, asked for as one batch to the account each
	// participant registered (FUND-2: their own real-name registration),
	// approved as one (MASS-6, FUND-6).
	items := make([]funds.BatchPayout, 0, len(credits))
	paidClaims := make([]*Claim, 0, len(credits))
	for i, c := range claims {
		if shares[i] > 0 {
			items = append(items, funds.BatchPayout{PartyID: c.PartyID, AmountFen: shares[i], Holder: c.Name, AccountNo: c.PayeeAccountNo,
				Bank: c.PayeeBank, Confirmation: "网上实名登记（身份证号、手机验证码）", Phone: c.Phone})
			paidClaims = append(paidClaims, c)
		}
	}
	b, ids, err := funds.RequestBatch(ctx, tx, m.CaseID, fmt.Sprintf("%s 第 %d 轮", m.JudgmentNo, seq), items)
	if err != nil {
		return nil, err
	}
	r.BatchID, r.Payouts = b.ID, ids
	if _, err := tx.Exec(ctx, `UPDATE campaign_rounds SET batch_id = ? WHERE id = ?`, b.ID, r.ID); err != nil {
		return nil, err
	}
	if err := store.InsertRows(ctx, tx, `INSERT INTO claim_shares (round_id, claim_id, share_fen, payout_id) VALUES `, 4, len(items),
		func(i int, args []any) []any { return append(args, r.ID, paidClaims[i].ID, items[i].AmountFen, ids[i]) }); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE claims SET paid_fen = paid_fen + (SELECT s.share_fen FROM claim_shares s WHERE s.round_id = ? AND s.claim_id = claims.id),
		updated_at = ? WHERE id IN (SELECT claim_id FROM claim_shares WHERE round_id = ?)`, r.ID, now, r.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET carried_fen = ?, updated_at = ? WHERE id = ?`, remainder, now, m.ID); err != nil {
		return nil, err
	}
	return r, logCampaign(ctx, tx, m, "massclaim.round", fmt.Sprintf("第 %d 轮按比例发放：%s 中 %s 分给 %d 人，余 %s 留待下轮（MASS-6）", seq,
		money(amountFen), money(r.PaidFen), r.Claims, money(remainder)))
}

// actorName is who the caller is, for the record.
func actorName(ctx context.Context) string {
	if p := access.From(ctx); p != nil {
		return p.DisplayName
	}
	return "系统"
}
