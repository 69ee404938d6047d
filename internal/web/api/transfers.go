package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// TransferOut is a request to the 首封 court to hand over the disposal of an
// asset (TERM-4).
type TransferOut struct {
	ID                  string     `json:"id"`
	AssetID             string     `json:"asset_id"`
	AssetName           string     `json:"asset_name"`
	HoldingCourtName    string     `json:"holding_court_name" doc:"首封法院"`
	HoldingCaseID       string     `json:"holding_case_id"`
	HoldingCaseNo       string     `json:"holding_case_no"`
	RequestingCourtName string     `json:"requesting_court_name" doc:"商请移送的优先债权执行法院"`
	RequestingCaseID    string     `json:"requesting_case_id"`
	RequestingCaseNo    string     `json:"requesting_case_no"`
	PriorityClaim       string     `json:"priority_claim"`
	LetterNo            string     `json:"letter_no" doc:"商请移送执行函文号"`
	Status              string     `json:"status" enum:"pending,agreed,refused,withdrawn"`
	StatusLabel         string     `json:"status_label"`
	RequestedOn         string     `json:"requested_on"`
	AnswerDue           string     `json:"answer_due" doc:"首封法院答复期限的最后一日（TERM-4）"`
	Overdue             bool       `json:"overdue" doc:"已过答复期限仍未答复"`
	RequestedByName     string     `json:"requested_by_name"`
	AnswerLetterNo      string     `json:"answer_letter_no,omitempty" doc:"移送执行函文号"`
	AnswerReason        string     `json:"answer_reason,omitempty"`
	AnsweredByName      string     `json:"answered_by_name,omitempty"`
	AnsweredAt          *time.Time `json:"answered_at,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
}

func transferOut(t *assets.Transfer) TransferOut {
	return TransferOut{ID: t.ID.String(), AssetID: t.AssetID.String(), AssetName: t.AssetName, HoldingCourtName: t.HoldingCourtName,
		HoldingCaseID: t.HoldingCaseID.String(), HoldingCaseNo: t.HoldingCaseNo, RequestingCourtName: t.RequestingCourtName,
		RequestingCaseID: t.RequestingCaseID.String(), RequestingCaseNo: t.RequestingCaseNo, PriorityClaim: t.PriorityClaim,
		LetterNo: t.LetterNo, Status: string(t.Status), StatusLabel: t.Status.Label(), RequestedOn: t.RequestedOn.String(),
		AnswerDue: t.AnswerDue.String(), Overdue: t.Overdue(legal.Today(time.Now())), RequestedByName: t.RequestedByName,
		AnswerLetterNo: t.AnswerLetterNo, AnswerReason: t.AnswerReason, AnsweredByName: t.AnsweredByName,
		AnsweredAt: instant(t.AnsweredAt), CreatedAt: t.CreatedAt}
}

// CarriedOut is what carrying preservation measures into a case did.
type CarriedOut struct {
	Controls []ControlOut `json:"controls" nullable:"false" doc:"转为本案执行措施的控制措施"`
	Skipped  []string     `json:"skipped" nullable:"false" doc:"尚有事项在协执单位办理、暂未承接的保全措施"`
}

// transfers mounts the seizure registry's cross-case actions: the 60-day
// transfer requests (TERM-4) and carrying preservation measures (TERM-5).
func (h *handlers) transfers(a huma.API) {
	type transferInput struct {
		ID   string `path:"id"`
		Body struct {
			ControlID     string `json:"control_id" doc:"本案对该财产的轮候查封"`
			PriorityClaim string `json:"priority_claim" maxLength:"1000" doc:"本案执行的优先受偿权及其依据（如抵押权）"`
			LetterNo      string `json:"letter_no" maxLength:"100" doc:"商请移送执行函文号"`
		}
	}
	to := op(http.MethodPost, "/cases/{id}/transfer-requests", "requestTransfer",
		"商请首封法院移送处分权（TERM-4：首封法院查封满 60 日未处分，优先债权执行法院可商请，首封法院 15 日内答复）", assetsTag)
	to.Errors = append(to.Errors, 404, 409)
	huma.Register(a, to, func(ctx context.Context, in *transferInput) (*Body[TransferOut], error) {
		control, err := parseID(in.Body.ControlID, "body.control_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Transfer, error) {
			return assets.RequestTransfer(ctx, tx, id, assets.TransferInput{ControlID: control, PriorityClaim: in.Body.PriorityClaim,
				LetterNo: in.Body.LetterNo})
		}, transferOut)
	})

	type transferListInput struct {
		Direction string `query:"direction" enum:"incoming,outgoing" default:"incoming" doc:"incoming：本院作为首封法院须答复的；outgoing：本院发出的"`
		Status    string `query:"status" enum:"pending,agreed,refused,withdrawn"`
		Overdue   bool   `query:"overdue" doc:"只列逾期未答复的"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/transfer-requests", "listTransferRequests", "商请移送（收到的或发出的），最早的在前", assetsTag),
		func(ctx context.Context, in *transferListInput) (*Body[List[TransferOut]], error) {
			pg, err := assets.Transfers(ctx, h.DB, assets.TransferFilter{Incoming: in.Direction != "outgoing",
				Status: assets.TransferStatus(in.Status), Overdue: in.Overdue}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, transferOut)), nil
		})
	go1 := op(http.MethodGet, "/transfer-requests/{id}", "getTransferRequest", "一项商请移送", assetsTag)
	go1.Errors = append(go1.Errors, 404)
	huma.Register(a, go1, func(ctx context.Context, in *idPath) (*Body[TransferOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		t, err := assets.GetTransfer(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(transferOut(t)), nil
	})

	type transferAnswerInput struct {
		ID   string `path:"id"`
		Body struct {
			Agree    bool   `json:"agree" doc:"true：同意移送（须填移送执行函文号）；false：不同意（须写明理由）"`
			LetterNo string `json:"letter_no,omitempty" maxLength:"100" doc:"移送执行函文号"`
			Reason   string `json:"reason,omitempty" maxLength:"1000"`
		}
	}
	ao := op(http.MethodPost, "/transfer-requests/{id}/answer", "answerTransferRequest", "首封法院答复商请移送", assetsTag)
	ao.DefaultStatus = http.StatusOK
	ao.Errors = append(ao.Errors, 404, 409)
	huma.Register(a, ao, func(ctx context.Context, in *transferAnswerInput) (*Body[TransferOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Transfer, error) {
			return assets.AnswerTransfer(ctx, tx, id, assets.TransferAnswer{Agree: in.Body.Agree, LetterNo: in.Body.LetterNo,
				Reason: in.Body.Reason})
		}, transferOut)
	})

	type transferWithdrawInput struct {
		ID   string `path:"id"`
		Body struct {
			Reason string `json:"reason" maxLength:"1000"`
		}
	}
	wo := op(http.MethodPost, "/transfer-requests/{id}/withdrawal", "withdrawTransferRequest", "撤回尚未答复的商请移送", assetsTag)
	wo.DefaultStatus = http.StatusOK
	wo.Errors = append(wo.Errors, 404, 409)
	huma.Register(a, wo, func(ctx context.Context, in *transferWithdrawInput) (*Body[TransferOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Transfer, error) {
			return assets.WithdrawTransfer(ctx, tx, id, in.Body.Reason)
		}, transferOut)
	})

	co := op(http.MethodPost, "/cases/{id}/preservations/carry", "carryPreservations",
		"将申请执行人对被执行人的保全措施转为本案执行措施（TERM-5：顺位不变，期限连续计算；立案时已自动办理）", assetsTag)
	co.DefaultStatus = http.StatusOK
	co.Errors = append(co.Errors, 404, 409)
	huma.Register(a, co, func(ctx context.Context, in *idPath) (*Body[CarriedOut], error) {
		return change(ctx, h.DB, in.ID, assets.CarryPreservation, func(c *assets.Carried) CarriedOut {
			out := CarriedOut{Controls: []ControlOut{}, Skipped: []string{}}
			for _, ctl := range c.Controls {
				out.Controls = append(out.Controls, controlOut(ctl))
			}
			out.Skipped = append(out.Skipped, c.Skipped...)
			return out
		})
	})
}
