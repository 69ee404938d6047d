package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/funds"
)

const fundsTag = "案款"

// FundAccountOut is an account of the ledger.
type FundAccountOut struct {
	ID         string `json:"id"`
	Kind       string `json:"kind" enum:"custody,party,fees,suspense,in_transit"`
	PartyID    string `json:"party_id,omitempty"`
	Role       string `json:"role,omitempty" enum:"applicant,respondent"`
	Number     string `json:"number" doc:"虚拟账号（一案一账号，FUND-1）：付款时填写，款项自动对应本案"`
	Name       string `json:"name"`
	BalanceFen int64  `json:"balance_fen" doc:"法院为该当事人代管的余额（分）"`
}

func fundAccountOut(a *funds.Account) FundAccountOut {
	o := FundAccountOut{ID: a.ID.String(), Kind: string(a.Kind), Role: a.Role, Number: a.Number, Name: a.Name, BalanceFen: a.Balance}
	if p := optionalID(a.PartyID); p != nil {
		o.PartyID = *p
	}
	return o
}

// PostingOut is one line of a transfer: debit positive, credit negative.
type PostingOut struct {
	AccountID     string `json:"account_id"`
	AccountNumber string `json:"account_number"`
	AccountName   string `json:"account_name"`
	AccountKind   string `json:"account_kind"`
	AmountFen     int64  `json:"amount_fen" doc:"借方为正，贷方为负"`
}

// FundTransferOut is one movement of money, balanced.
type FundTransferOut struct {
	ID            string       `json:"id"`
	Kind          string       `json:"kind"`
	KindLabel     string       `json:"kind_label"`
	AmountFen     int64        `json:"amount_fen"`
	Ref           string       `json:"ref,omitempty" doc:"外部参考号（如扣划请求、银行流水），同一参考号只记一次"`
	Memo          string       `json:"memo,omitempty"`
	Reverses      *string      `json:"reverses,omitempty" doc:"被冲正的转账"`
	CreatedByName string       `json:"created_by_name"`
	CreatedAt     time.Time    `json:"created_at"`
	Postings      []PostingOut `json:"postings" nullable:"false"`
}

func fundTransferOut(t *funds.Transfer) FundTransferOut {
	o := FundTransferOut{ID: t.ID.String(), Kind: string(t.Kind), KindLabel: t.Kind.Label(), AmountFen: t.AmountFen, Ref: t.Ref,
		Memo: t.Memo, Reverses: optionalID(t.Reverses), CreatedByName: t.CreatedByName, CreatedAt: t.CreatedAt, Postings: []PostingOut{}}
	for _, p := range t.Postings {
		o.Postings = append(o.Postings, PostingOut{AccountID: p.AccountID.String(), AccountNumber: p.AccountNumber, AccountName: p.AccountName,
			AccountKind: string(p.Kind()), AmountFen: p.AmountFen})
	}
	return o
}

// CaseLedgerOut is a case's accounts, totals and transfers.
type CaseLedgerOut struct {
	CaseID      string                `json:"case_id"`
	CaseNo      string                `json:"case_no"`
	Accounts    []FundAccountOut      `json:"accounts" nullable:"false" doc:"本案各当事人的分户"`
	ReceivedFen int64                 `json:"received_fen" doc:"本案收到的执行款合计"`
	HeldFen     int64                 `json:"held_fen" doc:"法院仍为本案代管的款项"`
	Transfers   List[FundTransferOut] `json:"transfers" doc:"本案的每一笔款项变动，最新的在前（按 cursor 翻页）"`
}

func (h *handlers) funds(a huma.API) {
	type ledgerInput struct {
		ID string `path:"id"`
		ListParams
	}
	lo := op(http.MethodGet, "/cases/{id}/ledger", "caseLedger", "案件的案款账：各当事人分户、收款与代管合计、每一笔款项变动", fundsTag)
	lo.Errors = append(lo.Errors, 404)
	huma.Register(a, lo, func(ctx context.Context, in *ledgerInput) (*Body[CaseLedgerOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		l, err := funds.ForCase(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		pg, err := funds.CaseTransfers(ctx, h.DB, id, in.request())
		if err != nil {
			return nil, err
		}
		out := CaseLedgerOut{CaseID: l.CaseID.String(), CaseNo: l.CaseNo, Accounts: []FundAccountOut{}, ReceivedFen: l.ReceivedFen,
			HeldFen: l.HeldFen, Transfers: listOf(pg, fundTransferOut)}
		for _, acc := range l.Accounts {
			out.Accounts = append(out.Accounts, fundAccountOut(acc))
		}
		return body(out), nil
	})
}
