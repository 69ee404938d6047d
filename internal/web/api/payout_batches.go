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

// PayoutBatchOut is a batch of payouts approved as one (a campaign round).
type PayoutBatchOut struct {
	ID              string         `json:"id"`
	CaseID          string         `json:"case_id"`
	CaseNo          string         `json:"case_no"`
	Title           string         `json:"title"`
	Payouts         int            `json:"payouts" doc:"本批的发放笔数"`
	TotalFen        int64          `json:"total_fen"`
	Status          string         `json:"status" enum:"pending,approved,rejected"`
	StatusLabel     string         `json:"status_label"`
	Levels          int            `json:"levels" doc:"需要的审批级数，按本批合计金额（FUND-6）"`
	ApprovedLevels  int            `json:"approved_levels"`
	RequestedByName string         `json:"requested_by_name"`
	CreatedAt       time.Time      `json:"created_at"`
	Approvals       []ApprovalOut  `json:"approvals" nullable:"false"`
	Counts          map[string]int `json:"counts" nullable:"false" doc:"本批发放按状态的笔数（pending、approved、sent、settled、failed、returned、rejected）"`
}

func payoutBatchOut(b *funds.PayoutBatch) PayoutBatchOut {
	out := PayoutBatchOut{ID: b.ID.String(), CaseID: b.CaseID.String(), CaseNo: b.CaseNo, Title: b.Title, Payouts: b.Payouts, TotalFen: b.TotalFen,
		Status: string(b.Status), StatusLabel: b.Status.Label(), Levels: b.Levels, ApprovedLevels: b.ApprovedLevels,
		RequestedByName: b.RequestedByName, CreatedAt: b.CreatedAt, Approvals: []ApprovalOut{}, Counts: map[string]int{}}
	for _, a := range b.Approvals {
		out.Approvals = append(out.Approvals, approvalOut(a))
	}
	for s, n := range b.Counts {
		out.Counts[string(s)] = n
	}
	return out
}

func (h *handlers) payoutBatches(a huma.API) {
	type listInput struct {
		Status string `query:"status" enum:"pending,approved,rejected"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/payout-batches", "listPayoutBatches", "本院的批量发放（如涉众发放的一轮），按状态筛选，最早的在前", fundsTag),
		func(ctx context.Context, in *listInput) (*Body[List[PayoutBatchOut]], error) {
			pg, err := funds.Batches(ctx, h.DB, funds.BatchStatus(in.Status), in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, payoutBatchOut)), nil
		})
	gop := op(http.MethodGet, "/payout-batches/{id}", "getPayoutBatch", "一批发放：合计、审批和各笔的状态；各笔见 GET /payouts?batch_id=", fundsTag)
	gop.Errors = append(gop.Errors, 404)
	huma.Register(a, gop, func(ctx context.Context, in *idPath) (*Body[PayoutBatchOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		b, err := funds.GetBatch(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(payoutBatchOut(b)), nil
	})
	type decideInput struct {
		ID   string `path:"id"`
		Body struct {
			Approve bool   `json:"approve"`
			Note    string `json:"note,omitempty" maxLength:"500" doc:"不同意时必填"`
		}
	}
	do := op(http.MethodPost, "/payout-batches/{id}/approvals", "decidePayoutBatch",
		"整批审批（FUND-6，级数按本批合计）：最后一级同意时本批全部款项转入在途并发送银行；不同意则本批全部发放终止", fundsTag)
	do.DefaultStatus = http.StatusOK
	do.Errors = append(do.Errors, 404, 409)
	huma.Register(a, do, func(ctx context.Context, in *decideInput) (*Body[PayoutBatchOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.PayoutBatch, error) {
			return funds.DecideBatch(ctx, tx, id, funds.Decision{Approve: in.Body.Approve, Note: in.Body.Note})
		}, payoutBatchOut)
	})
}
