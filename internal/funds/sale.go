package funds

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// SaleProceeds is money a disposal brought in for a case (DOMAIN.md §8): the
// price of a confirmed auction or 变卖, or a defaulting buyer's forfeited
// deposit (AUCT-8), paid into the court's custody account.
type SaleProceeds struct {
	CourtID   uuid.UUID
	CaseID    uuid.UUID
	PartyID   uuid.UUID // the respondent whose property was sold
	AmountFen int64
	// Ref identifies the money once ("auction:<id>", "forfeit:<id>"): the
	// same proceeds recorded twice are one receipt.
	Ref string
	// Memo says what the money is, ReceiptRef is the bank's receipt number,
	// By who recorded it.
	Memo, ReceiptRef, By string
	// ValueOn is the day the money reached the custody account.
	ValueOn legal.Date
}

// ReceiveSale records a disposal's money as a receipt, as ReceiveDeduction
// does a deduction's: into the custody account, owed to the case through
// the owner's account (FUND-1); the recovered amount grows, the handler
// sees it on the timeline and both sides are told (FUND-7).
func ReceiveSale(ctx context.Context, tx *store.Tx, s SaleProceeds) (*Transfer, error) {
	if s.AmountFen <= 0 {
		return nil, nil
	}
	custody, err := courtAccount(ctx, tx, s.CourtID, Custody)
	if err != nil {
		return nil, err
	}
	acc, err := caseAccount(ctx, tx, s.CaseID, s.PartyID)
	if err != nil {
		return nil, err
	}
	memo := strings.TrimSpace(s.Memo)
	if s.ReceiptRef != "" {
		memo += "（回单 " + s.ReceiptRef + "）"
	}
	t, err := post(ctx, tx, &Transfer{CourtID: s.CourtID, CaseID: s.CaseID, Kind: KindReceipt, Ref: s.Ref, Memo: memo, BankRef: s.ReceiptRef,
		ValueOn: s.ValueOn, CreatedByName: s.By, Postings: []Posting{debit(custody, s.AmountFen), credit(acc, s.AmountFen)}})
	if err != nil || t.Repeat {
		return t, err
	}
	return t, received(ctx, tx, t, acc, memo)
}
