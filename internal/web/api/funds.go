package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
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

// PayeeOut is a party's payee account.
type PayeeOut struct {
	ID              string     `json:"id"`
	PartyID         string     `json:"party_id"`
	HolderName      string     `json:"holder_name"`
	AccountNo       string     `json:"account_no"`
	BankName        string     `json:"bank_name"`
	Status          string     `json:"status" enum:"unconfirmed,confirmed,revoked"`
	StatusLabel     string     `json:"status_label"`
	Confirmation    string     `json:"confirmation,omitempty" doc:"书面确认的依据（FUND-2）"`
	ConfirmedByName string     `json:"confirmed_by_name,omitempty"`
	ConfirmedAt     *time.Time `json:"confirmed_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

func payeeOut(p *funds.Payee) PayeeOut {
	return PayeeOut{ID: p.ID.String(), PartyID: p.PartyID.String(), HolderName: p.HolderName, AccountNo: p.AccountNo, BankName: p.BankName,
		Status: p.Status, StatusLabel: p.StatusLabel(), Confirmation: p.Confirmation, ConfirmedByName: p.ConfirmedByName,
		ConfirmedAt: instant(p.ConfirmedAt), CreatedAt: p.CreatedAt}
}

// StatementOut is a case's statement of account.
type StatementOut struct {
	AsOf                  string `json:"as_of"`
	PrincipalFen          int64  `json:"principal_fen" doc:"执行标的（本金）"`
	FeeFen                int64  `json:"fee_fen" doc:"申请执行费（FEE-1）"`
	LastDay               string `json:"last_day,omitempty" doc:"履行期限的最后一日；次日起计迟延履行利息（INT-4）"`
	ReceivedFen           int64  `json:"received_fen"`
	FeePaidFen            int64  `json:"fee_paid_fen"`
	PrincipalPaidFen      int64  `json:"principal_paid_fen"`
	InterestFen           int64  `json:"interest_fen" doc:"截至今日的加倍部分债务利息（INT-1）"`
	InterestPaidFen       int64  `json:"interest_paid_fen"`
	FeeOwedFen            int64  `json:"fee_owed_fen"`
	PrincipalOwedFen      int64  `json:"principal_owed_fen"`
	InterestOwedFen       int64  `json:"interest_owed_fen"`
	OwedFen               int64  `json:"owed_fen" doc:"尚欠合计"`
	SurplusFen            int64  `json:"surplus_fen" doc:"超出应付的款项（应退还被执行人）"`
	AllocatedFeeFen       int64  `json:"allocated_fee_fen"`
	AllocatedCreditorsFen int64  `json:"allocated_creditors_fen"`
	UnallocatedFen        int64  `json:"unallocated_fen" doc:"被执行人分户中尚未分配的款项"`
	ToAllocateFeeFen      int64  `json:"to_allocate_fee_fen"`
	ToAllocateCreditorFen int64  `json:"to_allocate_creditors_fen"`
}

func statementOut(s *funds.Statement) StatementOut {
	fee, cred := s.ToAllocate()
	o := StatementOut{AsOf: s.AsOf.String(), PrincipalFen: s.Claim.PrincipalFen, FeeFen: s.Claim.FeeFen, ReceivedFen: s.ReceivedFen,
		FeePaidFen: s.FeePaidFen, PrincipalPaidFen: s.PrincipalPaidFen, InterestFen: s.InterestFen, InterestPaidFen: s.InterestPaidFen,
		FeeOwedFen: s.FeeOwedFen, PrincipalOwedFen: s.PrincipalOwedFen, InterestOwedFen: s.InterestOwedFen, OwedFen: s.OwedFen(),
		SurplusFen: s.SurplusFen, AllocatedFeeFen: s.AllocatedFeeFen, AllocatedCreditorsFen: s.AllocatedCreditorsFen,
		UnallocatedFen: s.UnallocatedFen, ToAllocateFeeFen: fee, ToAllocateCreditorFen: cred}
	if !s.Claim.LastDay.IsZero() {
		o.LastDay = s.Claim.LastDay.String()
	}
	return o
}

// PayoutOut is a payout.
type PayoutOut struct {
	ID              string        `json:"id"`
	CaseID          string        `json:"case_id"`
	CaseNo          string        `json:"case_no"`
	AccountName     string        `json:"account_name"`
	PayeeName       string        `json:"payee_name"`
	PayeeAccountNo  string        `json:"payee_account_no"`
	PayeeBank       string        `json:"payee_bank"`
	AmountFen       int64         `json:"amount_fen"`
	Purpose         string        `json:"purpose"`
	Status          string        `json:"status" enum:"pending,approved,sent,settled,failed,returned,rejected,cancelled"`
	StatusLabel     string        `json:"status_label"`
	Levels          int           `json:"levels" doc:"需要的审批级数（FUND-6）"`
	ApprovedLevels  int           `json:"approved_levels"`
	DueOn           string        `json:"due_on,omitempty" doc:"应发放的最后一日（FUND-4）"`
	BankRef         string        `json:"bank_ref,omitempty"`
	LastError       string        `json:"last_error,omitempty"`
	RequestedByName string        `json:"requested_by_name"`
	CreatedAt       time.Time     `json:"created_at"`
	SentAt          *time.Time    `json:"sent_at,omitempty"`
	EndedAt         *time.Time    `json:"ended_at,omitempty"`
	EndReason       string        `json:"end_reason,omitempty"`
	BatchID         string        `json:"batch_id,omitempty" doc:"所属批量发放：整批审批（POST /payout-batches/{id}/approvals）"`
	Approvals       []ApprovalOut `json:"approvals" nullable:"false"`
}

// ApprovalOut is one decision on a payout.
type ApprovalOut struct {
	Level   int       `json:"level"`
	Approve bool      `json:"approve"`
	ByName  string    `json:"by_name"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

func approvalOut(a funds.Approval) ApprovalOut {
	return ApprovalOut{Level: a.Level, Approve: a.Approve, ByName: a.ByName, Note: a.Note, At: a.At}
}

func payoutOut(o *funds.Payout) PayoutOut {
	out := PayoutOut{ID: o.ID.String(), CaseID: o.CaseID.String(), CaseNo: o.CaseNo, AccountName: o.AccountName, PayeeName: o.PayeeName,
		PayeeAccountNo: o.PayeeAccountNo, PayeeBank: o.PayeeBank, AmountFen: o.AmountFen, Purpose: o.Purpose, Status: string(o.Status),
		StatusLabel: o.Status.Label(), Levels: o.Levels, ApprovedLevels: o.ApprovedLevels, BankRef: o.BankRef, LastError: o.LastError,
		RequestedByName: o.RequestedByName, CreatedAt: o.CreatedAt, SentAt: instant(o.SentAt), EndedAt: instant(o.EndedAt),
		EndReason: o.EndReason, Approvals: []ApprovalOut{}}
	if o.BatchID != uuid.Nil {
		out.BatchID = o.BatchID.String()
	}
	if !o.DueOn.IsZero() {
		out.DueOn = o.DueOn.String()
	}
	for _, a := range o.Approvals {
		out.Approvals = append(out.Approvals, approvalOut(a))
	}
	return out
}

// AllocationOut is what an allocation moved.
type AllocationOut struct {
	Transfer     FundTransferOut `json:"transfer"`
	FeeFen       int64           `json:"fee_fen"`
	CreditorsFen int64           `json:"creditors_fen"`
	DueOn        string          `json:"due_on" doc:"应发放给申请执行人的最后一日（FUND-4）"`
	Statement    StatementOut    `json:"statement"`
}

func (h *handlers) payouts(a huma.API) {
	so := op(http.MethodGet, "/cases/{id}/statement", "caseStatement", "案款结算单：本金、申请执行费、迟延履行利息，已收、已分配、尚欠与余款", fundsTag)
	so.Errors = append(so.Errors, 404)
	huma.Register(a, so, func(ctx context.Context, in *idPath) (*Body[StatementOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		st, err := funds.CaseStatement(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(statementOut(st)), nil
	})

	ao := op(http.MethodPost, "/cases/{id}/allocations", "allocateFunds",
		"分配案款：按结算单把已收款项记入申请执行费和申请执行人分户（先费用、后本金、再利息），起算发放期限", fundsTag)
	ao.Errors = append(ao.Errors, 404, 409)
	huma.Register(a, ao, func(ctx context.Context, in *idPath) (*Body[AllocationOut], error) {
		return change(ctx, h.DB, in.ID, funds.Allocate, func(al *funds.Allocation) AllocationOut {
			return AllocationOut{Transfer: fundTransferOut(al.Transfer), FeeFen: al.FeeFen, CreditorsFen: al.CreditorsFen, DueOn: al.DueOn.String(),
				Statement: statementOut(al.Statement)}
		})
	})

	huma.Register(a, op(http.MethodGet, "/cases/{id}/payees", "listPayees", "当事人的收款账户（FUND-2）", fundsTag),
		func(ctx context.Context, in *idPath) (*Body[[]PayeeOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			list, err := funds.CasePayees(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			out := []PayeeOut{}
			for _, p := range list {
				out = append(out, payeeOut(p))
			}
			return body(out), nil
		})
	type payeeInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID      string `json:"party_id"`
			HolderName   string `json:"holder_name" maxLength:"100"`
			AccountNo    string `json:"account_no" maxLength:"50"`
			BankName     string `json:"bank_name" maxLength:"100" doc:"开户行"`
			Confirmation string `json:"confirmation,omitempty" maxLength:"200" doc:"书面确认的依据；填写即视为已确认"`
		}
	}
	po := op(http.MethodPost, "/cases/{id}/payees", "setPayee", "登记（或更换）当事人的收款账户；经书面确认后方可发放", fundsTag)
	po.Errors = append(po.Errors, 404)
	huma.Register(a, po, func(ctx context.Context, in *payeeInput) (*Body[PayeeOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Payee, error) {
			return funds.SetPayee(ctx, tx, id, funds.PayeeInput{PartyID: party, HolderName: in.Body.HolderName, AccountNo: in.Body.AccountNo,
				BankName: in.Body.BankName, Confirmation: in.Body.Confirmation})
		}, payeeOut)
	})
	type confirmInput struct {
		ID      string `path:"id"`
		PayeeID string `path:"payee_id"`
		Body    struct {
			Confirmation string `json:"confirmation" maxLength:"200"`
		}
	}
	co := op(http.MethodPost, "/cases/{id}/payees/{payee_id}/confirmation", "confirmPayee", "记录收款账户的书面确认（FUND-2）", fundsTag)
	co.DefaultStatus = http.StatusOK
	co.Errors = append(co.Errors, 404, 409)
	huma.Register(a, co, func(ctx context.Context, in *confirmInput) (*Body[PayeeOut], error) {
		payee, err := parseID(in.PayeeID, "path.payee_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Payee, error) {
			return funds.ConfirmPayee(ctx, tx, id, payee, in.Body.Confirmation)
		}, payeeOut)
	})

	huma.Register(a, op(http.MethodGet, "/cases/{id}/payouts", "listCasePayouts", "案件的案款发放，最新的在前", fundsTag),
		func(ctx context.Context, in *idPath) (*Body[[]PayoutOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			list, err := funds.CasePayouts(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			out := []PayoutOut{}
			for _, o := range list {
				out = append(out, payoutOut(o))
			}
			return body(out), nil
		})
	type payoutInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID   string `json:"party_id"`
			AmountFen int64  `json:"amount_fen" doc:"发放金额（分）"`
			Purpose   string `json:"purpose,omitempty" maxLength:"200" doc:"付款附言；默认为案号"`
		}
	}
	ro := op(http.MethodPost, "/cases/{id}/payouts", "requestPayout",
		"申请发放案款至当事人已确认的收款账户；低于本院限额一级审批，达到限额两级审批（FUND-6）", fundsTag)
	ro.Errors = append(ro.Errors, 404, 409)
	huma.Register(a, ro, func(ctx context.Context, in *payoutInput) (*Body[PayoutOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Payout, error) {
			return funds.RequestPayout(ctx, tx, id, funds.PayoutInput{PartyID: party, AmountFen: in.Body.AmountFen, Purpose: in.Body.Purpose})
		}, payoutOut)
	})
	type payoutListInput struct {
		Status  string `query:"status" enum:"pending,approved,sent,settled,failed,returned,rejected,cancelled"`
		BatchID string `query:"batch_id" doc:"只列出这一批的发放"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/payouts", "listPayouts", "本院的案款发放（按状态筛选，最早的在前）", fundsTag),
		func(ctx context.Context, in *payoutListInput) (*Body[List[PayoutOut]], error) {
			f := funds.PayoutFilter{Status: funds.PayoutStatus(in.Status)}
			if in.BatchID != "" {
				var err error
				if f.Batch, err = parseID(in.BatchID, "query.batch_id"); err != nil {
					return nil, err
				}
			}
			pg, err := funds.Payouts(ctx, h.DB, f, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, payoutOut)), nil
		})
	go1 := op(http.MethodGet, "/payouts/{id}", "getPayout", "一笔案款发放及其审批", fundsTag)
	go1.Errors = append(go1.Errors, 404)
	huma.Register(a, go1, func(ctx context.Context, in *idPath) (*Body[PayoutOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		o, err := funds.GetPayout(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(payoutOut(o)), nil
	})
	type decideInput struct {
		ID   string `path:"id"`
		Body struct {
			Approve bool   `json:"approve"`
			Note    string `json:"note,omitempty" maxLength:"500" doc:"不同意时必填"`
		}
	}
	do := op(http.MethodPost, "/payouts/{id}/approvals", "decidePayout",
		"审批案款发放：第一级团队长（或局长），第二级局长；申请人不能审批本人的申请，同一人不能审批两级", fundsTag)
	do.DefaultStatus = http.StatusOK
	do.Errors = append(do.Errors, 404, 409)
	huma.Register(a, do, func(ctx context.Context, in *decideInput) (*Body[PayoutOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Payout, error) {
			return funds.DecidePayout(ctx, tx, id, funds.Decision{Approve: in.Body.Approve, Note: in.Body.Note})
		}, payoutOut)
	})
	type cancelInput struct {
		ID   string `path:"id"`
		Body struct {
			Reason string `json:"reason" maxLength:"500"`
		}
	}
	xo := op(http.MethodPost, "/payouts/{id}/cancellation", "cancelPayout", "撤回尚未审批完的发放", fundsTag)
	xo.DefaultStatus = http.StatusOK
	xo.Errors = append(xo.Errors, 404, 409)
	huma.Register(a, xo, func(ctx context.Context, in *cancelInput) (*Body[PayoutOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Payout, error) {
			return funds.CancelPayout(ctx, tx, id, in.Body.Reason)
		}, payoutOut)
	})
}

// ImportResultOut is what importing a statement did.
type ImportResultOut struct {
	Lines     int      `json:"lines" doc:"收入流水行数"`
	Matched   int      `json:"matched" doc:"按虚拟账号自动入账的笔数"`
	Unmatched int      `json:"unmatched" doc:"转入不明款待认领的笔数"`
	Repeats   int      `json:"repeats" doc:"此前已导入的笔数（不重复入账）"`
	Known     int      `json:"known" doc:"引用已入账扣划回单号的流水（款项已在账中，不再入账）"`
	Ignored   int      `json:"ignored" doc:"支出与退汇流水（不在此入账）"`
	Problems  []string `json:"problems" nullable:"false"`
}

// UnmatchedOut is money in that named no case.
type UnmatchedOut struct {
	ID            string     `json:"id"`
	LineID        string     `json:"line_id" doc:"银行流水号"`
	AmountFen     int64      `json:"amount_fen"`
	PayerName     string     `json:"payer_name"`
	PayerAccount  string     `json:"payer_account"`
	Memo          string     `json:"memo"`
	ReceivedOn    string     `json:"received_on"`
	ClaimDue      string     `json:"claim_due" doc:"认领期限的最后一日（FUND-3）"`
	Overdue       bool       `json:"overdue"`
	Status        string     `json:"status" enum:"open,claimed"`
	CaseID        *string    `json:"case_id,omitempty"`
	CaseNo        string     `json:"case_no,omitempty"`
	ClaimedByName string     `json:"claimed_by_name,omitempty"`
	ClaimedAt     *time.Time `json:"claimed_at,omitempty"`
}

func unmatchedOut(u *funds.Unmatched) UnmatchedOut {
	return UnmatchedOut{ID: u.ID.String(), LineID: u.LineID, AmountFen: u.AmountFen, PayerName: u.PayerName, PayerAccount: u.PayerAccount,
		Memo: u.Memo, ReceivedOn: u.ReceivedOn.String(), ClaimDue: u.ClaimDue.String(), Overdue: u.Overdue(legal.Today(time.Now())),
		Status: u.Status, CaseID: optionalID(u.CaseID), CaseNo: u.CaseNo, ClaimedByName: u.ClaimedByName, ClaimedAt: instant(u.ClaimedAt)}
}

func (h *handlers) statements(a huma.API) {
	type importInput struct {
		Body struct {
			CourtCode string `json:"court_code" doc:"专户所属法院的代字"`
			CSV       string `json:"csv" maxLength:"20000000" doc:"网银导出的流水（CSV，表头：流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号）"`
		}
	}
	imp := op(http.MethodPost, "/bank-statements", "importStatement",
		"导入执行款专户流水：收入按虚拟账号（或附言中的虚拟账号）自动入账，其余转入不明款待认领（FUND-3）；同一流水只入账一次", fundsTag)
	imp.DefaultStatus = http.StatusOK
	huma.Register(a, imp, func(ctx context.Context, in *importInput) (*Body[ImportResultOut], error) {
		court, err := org.CourtByCode(ctx, h.DB, in.Body.CourtCode)
		if err != nil {
			return nil, err
		}
		st, err := funds.ParseStatementCSV(court.Code+"-custody", strings.NewReader(in.Body.CSV))
		if err != nil {
			return nil, err
		}
		res, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*funds.ImportResult, error) {
			return funds.ImportStatement(ctx, tx, court.ID, st)
		})
		if err != nil {
			return nil, err
		}
		return body(ImportResultOut{Lines: res.Lines, Matched: res.Matched, Unmatched: res.Unmatched, Repeats: res.Repeats, Known: res.Known, Ignored: res.Ignored,
			Problems: append([]string{}, res.Problems...)}), nil
	})

	type unmatchedInput struct {
		Open bool `query:"open" doc:"只列待认领的"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/unmatched-receipts", "listUnmatched", "不明款（未能按虚拟账号对应案件的收入）", fundsTag),
		func(ctx context.Context, in *unmatchedInput) (*Body[List[UnmatchedOut]], error) {
			pg, err := funds.UnmatchedList(ctx, h.DB, in.Open, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, unmatchedOut)), nil
		})
	type claimInput struct {
		ID   string `path:"id"`
		Body struct {
			CaseID  string `json:"case_id"`
			PartyID string `json:"party_id" doc:"款项记入的当事人分户（通常为付款的被执行人）"`
		}
	}
	co := op(http.MethodPost, "/unmatched-receipts/{id}/claim", "claimUnmatched", "认领不明款至本院案件的当事人分户（按到账日计入结算）", fundsTag)
	co.DefaultStatus = http.StatusOK
	co.Errors = append(co.Errors, 404, 409)
	huma.Register(a, co, func(ctx context.Context, in *claimInput) (*Body[UnmatchedOut], error) {
		caseID, err := parseID(in.Body.CaseID, "body.case_id")
		if err != nil {
			return nil, err
		}
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Unmatched, error) {
			return funds.ClaimUnmatched(ctx, tx, id, caseID, party)
		}, unmatchedOut)
	})
}
