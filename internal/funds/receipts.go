package funds

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/notify"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Deduction is money an agency moved to the court's custody account under a
// control (扣划).
type Deduction struct {
	CourtID   uuid.UUID
	CaseID    uuid.UUID
	PartyID   uuid.UUID // the respondent whose money it was
	AmountFen int64
	// RequestID is the deduction request: the receipt's reference, so an
	// answer applied twice records the money once.
	RequestID uuid.UUID
	// ReceiptRef is the bank's receipt (回单) number.
	ReceiptRef string
	// From names the account the money came from, AgencyName who moved it.
	From, AgencyName string
}

// ReceiveDeduction records a deduction's money as a receipt: into the
// custody account, owed to the case through the paying respondent's account
// (FUND-1); the case's recovered amount grows, the handler sees it on the
// timeline and both sides are told (FUND-7). Called in the transaction that
// applies the agency's answer.
func ReceiveDeduction(ctx context.Context, tx *store.Tx, d Deduction) (*Transfer, error) {
	if d.AmountFen <= 0 {
		return nil, nil
	}
	custody, err := courtAccount(ctx, tx, d.CourtID, Custody)
	if err != nil {
		return nil, err
	}
	acc, err := caseAccount(ctx, tx, d.CaseID, d.PartyID)
	if err != nil {
		return nil, err
	}
	memo := "扣划 " + strings.TrimSpace(d.From)
	if d.ReceiptRef != "" {
		memo += "（回单 " + d.ReceiptRef + "）"
	}
	t, err := post(ctx, tx, &Transfer{CourtID: d.CourtID, CaseID: d.CaseID, Kind: KindReceipt, Ref: "deduction:" + d.RequestID.String(),
		Memo: memo, BankRef: d.ReceiptRef, CreatedByName: d.AgencyName, Postings: []Posting{debit(custody, d.AmountFen), credit(acc, d.AmountFen)}})
	if err != nil || t.Repeat {
		return t, err
	}
	return t, received(ctx, tx, t, acc, memo)
}

// received tells a case that money arrived for it: the recovered amount,
// the timeline (the handler's alert, FUND-1) and the parties (FUND-7).
func received(ctx context.Context, tx *store.Tx, t *Transfer, acc *Account, how string) error {
	if err := cases.AddRecovered(ctx, tx, t.CaseID, t.AmountFen); err != nil {
		return err
	}
	if err := cases.AppendEvents(ctx, tx, t.CaseID, cases.Event{Kind: "funds.received", Summary: fmt.Sprintf(
		"收到执行款 %s：%s，记入%s的案款分户 %s", triage.FormatYuan(t.AmountFen), how, acc.Name, acc.Number)}); err != nil {
		return err
	}
	var caseNo string
	if err := tx.QueryRow(ctx, `SELECT case_no FROM cases WHERE id = ?`, t.CaseID).Scan(&caseNo); err != nil {
		return err
	}
	return tellParties(ctx, tx, t.CourtID, t.CaseID, "funds_received", fmt.Sprintf("【执行款到账】%s 于 %s 收到执行款 %s。", caseNo,
		legal.DateOf(t.CreatedAt), triage.FormatYuan(t.AmountFen)))
}

// tellParties queues a message to every party of a case with a phone
// (FUND-7: both sides are told of money in and out).
func tellParties(ctx context.Context, tx *store.Tx, courtID, caseID uuid.UUID, kind, body string) error {
	rows, err := tx.Query(ctx, `SELECT party_id, phone FROM case_parties WHERE case_id = ? AND phone <> '' ORDER BY seq`, caseID)
	if err != nil {
		return err
	}
	msgs, err := store.ScanAll(rows, func(sc store.Scanner) (notify.Message, error) {
		m := notify.Message{CourtID: courtID, CaseID: caseID, Kind: kind, Body: body}
		return m, sc.Scan(&m.PartyID, &m.Phone)
	})
	if err != nil {
		return err
	}
	_, err = notify.Queue(ctx, tx, msgs...)
	return err
}
