package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/store"
)

// PostponementOut is a hold on a creditor's payout (FUND-5).
type PostponementOut struct {
	ID              string    `json:"id"`
	CaseID          string    `json:"case_id"`
	CaseNo          string    `json:"case_no"`
	AccountName     string    `json:"account_name"`
	Reason          string    `json:"reason" enum:"distribution_pending,frozen_elsewhere,applicant_unreachable,case_suspended,other"`
	ReasonLabel     string    `json:"reason_label"`
	Note            string    `json:"note"`
	Status          string    `json:"status" enum:"requested,approved,rejected,ended"`
	RequestedByName string    `json:"requested_by_name"`
	DecidedByName   string    `json:"decided_by_name,omitempty"`
	DecisionNote    string    `json:"decision_note,omitempty"`
	EndedOn         string    `json:"ended_on,omitempty"`
	ResumeDue       string    `json:"resume_due,omitempty" doc:"事由消除后应发放的最后一日"`
	CreatedAt       time.Time `json:"created_at"`
}

func postponementOut(p *funds.Postponement) PostponementOut {
	return PostponementOut{ID: p.ID.String(), CaseID: p.CaseID.String(), CaseNo: p.CaseNo, AccountName: p.AccountName, Reason: p.Reason,
		ReasonLabel: p.ReasonLabel, Note: p.Note, Status: p.Status, RequestedByName: p.RequestedByName, DecidedByName: p.DecidedByName,
		DecisionNote: p.DecisionNote, EndedOn: dateOut(p.EndedOn), ResumeDue: dateOut(p.ResumeDue), CreatedAt: p.CreatedAt}
}

// DueOut is money owed to a creditor and its deadline.
type DueOut struct {
	AccountID   string `json:"account_id"`
	CaseID      string `json:"case_id"`
	CaseNo      string `json:"case_no"`
	AccountName string `json:"account_name"`
	BalanceFen  int64  `json:"balance_fen"`
	DueOn       string `json:"due_on,omitempty" doc:"应发放的最后一日（FUND-4；延缓发放结束后按 FUND-5）"`
	Overdue     bool   `json:"overdue"`
	Postponed   bool   `json:"postponed" doc:"已批准延缓发放"`
}

func (h *handlers) postponements(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/payouts/due", "listDuePayouts", "待发放的申请执行人款项及其发放期限（逾期、延缓）", fundsTag),
		func(ctx context.Context, in *ListParams) (*Body[List[DueOut]], error) {
			pg, err := funds.DuePayouts(ctx, h.DB, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, func(d *funds.Due) DueOut {
				return DueOut{AccountID: d.Account.ID.String(), CaseID: d.Account.CaseID.String(), CaseNo: d.CaseNo, AccountName: d.Account.Name,
					BalanceFen: d.Account.Balance, DueOn: dateOut(d.DueOn), Overdue: d.Overdue, Postponed: d.Postponed}
			})), nil
		})
	huma.Register(a, op(http.MethodGet, "/cases/{id}/postponements", "listPostponements", "案件的延缓发放申请", fundsTag),
		func(ctx context.Context, in *idPath) (*Body[[]PostponementOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			list, err := funds.CasePostponements(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			out := []PostponementOut{}
			for _, p := range list {
				out = append(out, postponementOut(p))
			}
			return body(out), nil
		})
	type requestInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID string `json:"party_id"`
			Reason  string `json:"reason" enum:"distribution_pending,frozen_elsewhere,applicant_unreachable,case_suspended,other"`
			Note    string `json:"note" maxLength:"1000"`
		}
	}
	ro := op(http.MethodPost, "/cases/{id}/postponements", "requestPostponement", "申请延缓发放（FUND-5：须有法定事由并经局长批准）", fundsTag)
	ro.Errors = append(ro.Errors, 404, 409)
	huma.Register(a, ro, func(ctx context.Context, in *requestInput) (*Body[PostponementOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Postponement, error) {
			return funds.RequestPostponement(ctx, tx, id, funds.PostponeInput{PartyID: party, Reason: in.Body.Reason, Note: in.Body.Note})
		}, postponementOut)
	})
	type decideInput struct {
		ID   string `path:"id"`
		Body struct {
			Approve bool   `json:"approve"`
			Note    string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	do := op(http.MethodPost, "/postponements/{id}/decision", "decidePostponement", "审批延缓发放（局长）", fundsTag)
	do.DefaultStatus = http.StatusOK
	do.Errors = append(do.Errors, 404, 409)
	huma.Register(a, do, func(ctx context.Context, in *decideInput) (*Body[PostponementOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Postponement, error) {
			return funds.DecidePostponement(ctx, tx, id, in.Body.Approve, in.Body.Note)
		}, postponementOut)
	})
	type endInput struct {
		ID   string `path:"id"`
		Body struct {
			Note string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	eo := op(http.MethodPost, "/postponements/{id}/end", "endPostponement", "延缓发放的事由消除：起算发放期限（FUND-5）", fundsTag)
	eo.DefaultStatus = http.StatusOK
	eo.Errors = append(eo.Errors, 404, 409)
	huma.Register(a, eo, func(ctx context.Context, in *endInput) (*Body[PostponementOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Postponement, error) {
			return funds.EndPostponement(ctx, tx, id, in.Body.Note)
		}, postponementOut)
	})
}

// ReconciliationOut is a day's reconciliation of a custody account (FUND-8).
type ReconciliationOut struct {
	ID         string    `json:"id"`
	CourtID    string    `json:"court_id"`
	Account    string    `json:"account"`
	Day        string    `json:"day"`
	OpeningFen int64     `json:"opening_fen"`
	ClosingFen int64     `json:"closing_fen"`
	CreditsFen int64     `json:"credits_fen"`
	DebitsFen  int64     `json:"debits_fen"`
	Lines      int       `json:"lines"`
	Matched    int       `json:"matched"`
	Problems   []string  `json:"problems" nullable:"false"`
	Status     string    `json:"status" enum:"ok,mismatch"`
	CreatedAt  time.Time `json:"created_at"`
}

func (h *handlers) reconciliations(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/reconciliations", "listReconciliations", "执行款专户每日对账结果（FUND-8），最新的在前", fundsTag),
		func(ctx context.Context, in *ListParams) (*Body[List[ReconciliationOut]], error) {
			pg, err := funds.Reconciliations(ctx, h.DB, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, func(r *funds.Reconciliation) ReconciliationOut {
				return ReconciliationOut{ID: r.ID.String(), CourtID: r.CourtID.String(), Account: r.Account, Day: r.Day.String(),
					OpeningFen: r.OpeningFen, ClosingFen: r.ClosingFen, CreditsFen: r.CreditsFen, DebitsFen: r.DebitsFen, Lines: r.Lines,
					Matched: r.Matched, Problems: append([]string{}, r.Problems...), Status: r.Status, CreatedAt: r.CreatedAt}
			})), nil
		})
}
