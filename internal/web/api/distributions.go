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

// DistributionOut is a distribution plan.
type DistributionOut struct {
	ID           string                 `json:"id"`
	SourceCaseID string                 `json:"source_case_id"`
	SourceCaseNo string                 `json:"source_case_no"`
	DebtorName   string                 `json:"debtor_name"`
	AmountFen    int64                  `json:"amount_fen"`
	LegalPerson  bool                   `json:"legal_person" doc:"被执行人为法人：按采取执行措施的先后受偿（DIST-3）；否则按比例（DIST-2）"`
	LeftFen      int64                  `json:"left_fen" doc:"清偿全部债权后的余款，归被执行人"`
	Status       string                 `json:"status" enum:"draft,published,executed,withdrawn"`
	StatusLabel  string                 `json:"status_label"`
	PublishedOn  string                 `json:"published_on,omitempty"`
	ObjectionDue string                 `json:"objection_due,omitempty" doc:"异议期的最后一日（DIST-4）"`
	Note         string                 `json:"note,omitempty"`
	EndReason    string                 `json:"end_reason,omitempty"`
	CreatedAt    time.Time              `json:"created_at"`
	ExecutedAt   *time.Time             `json:"executed_at,omitempty"`
	Claims       []DistributionClaimOut `json:"claims" nullable:"false"`
	Objections   []ObjectionOut         `json:"objections" nullable:"false"`
}

// DistributionClaimOut is one case's claim and share.
type DistributionClaimOut struct {
	CaseID           string `json:"case_id"`
	CaseNo           string `json:"case_no"`
	Applicants       string `json:"applicants"`
	CostsFen         int64  `json:"costs_fen" doc:"执行费用（尚欠的申请执行费）"`
	PriorityFen      int64  `json:"priority_fen" doc:"优先受偿部分"`
	OrdinaryFen      int64  `json:"ordinary_fen" doc:"普通债权（尚欠本金及迟延履行利息）"`
	Rank             int    `json:"rank" doc:"对被执行人财产采取措施的先后（1 为最先；0 为未采取）"`
	ShareCostsFen    int64  `json:"share_costs_fen"`
	SharePriorityFen int64  `json:"share_priority_fen"`
	ShareOrdinaryFen int64  `json:"share_ordinary_fen"`
	ShareFen         int64  `json:"share_fen"`
}

// ObjectionOut is an objection to a plan.
type ObjectionOut struct {
	ID          string `json:"id"`
	CaseID      string `json:"case_id"`
	Objector    string `json:"objector"`
	Reason      string `json:"reason"`
	FiledOn     string `json:"filed_on"`
	CounterDue  string `json:"counter_due" doc:"反对意见期限的最后一日"`
	CounteredOn string `json:"countered_on,omitempty"`
	SuitDue     string `json:"suit_due,omitempty" doc:"异议人起诉期限的最后一日"`
	Status      string `json:"status" enum:"open,countered,sued,upheld,dismissed"`
	OutcomeNote string `json:"outcome_note,omitempty"`
}

func dateOut(d interface {
	IsZero() bool
	String() string
}) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func distributionOut(d *funds.Distribution) DistributionOut {
	o := DistributionOut{ID: d.ID.String(), SourceCaseID: d.SourceCaseID.String(), SourceCaseNo: d.SourceCaseNo, DebtorName: d.DebtorName,
		AmountFen: d.AmountFen, LegalPerson: d.LegalPerson, LeftFen: d.LeftFen, Status: d.Status, StatusLabel: d.StatusLabel(),
		PublishedOn: dateOut(d.PublishedOn), ObjectionDue: dateOut(d.ObjectionDue), Note: d.Note, EndReason: d.EndReason, CreatedAt: d.CreatedAt,
		ExecutedAt: instant(d.ExecutedAt), Claims: []DistributionClaimOut{}, Objections: []ObjectionOut{}}
	for _, c := range d.Claims {
		o.Claims = append(o.Claims, DistributionClaimOut{CaseID: c.CaseID.String(), CaseNo: c.CaseNo, Applicants: c.Applicants, CostsFen: c.CostsFen,
			PriorityFen: c.PriorityFen, OrdinaryFen: c.OrdinaryFen, Rank: c.Rank, ShareCostsFen: c.Share.CostsFen,
			SharePriorityFen: c.Share.PriorityFen, ShareOrdinaryFen: c.Share.OrdinaryFen, ShareFen: c.Share.Total()})
	}
	for _, ob := range d.Objections {
		o.Objections = append(o.Objections, ObjectionOut{ID: ob.ID.String(), CaseID: ob.CaseID.String(), Objector: ob.Objector, Reason: ob.Reason,
			FiledOn: dateOut(ob.FiledOn), CounterDue: dateOut(ob.CounterDue), CounteredOn: dateOut(ob.CounteredOn), SuitDue: dateOut(ob.SuitDue),
			Status: ob.Status, OutcomeNote: ob.OutcomeNote})
	}
	return o
}

// BatchItemOut is one item of a batch.
type BatchItemOut struct {
	CaseID   string     `json:"case_id,omitempty"`
	PayoutID string     `json:"payout_id,omitempty"`
	Payout   *PayoutOut `json:"payout,omitempty"`
	Code     string     `json:"code,omitempty" doc:"未办理的原因代码；为空表示已办理"`
	Detail   string     `json:"detail,omitempty"`
}

func batchItemsOut(items []funds.BatchItem) []BatchItemOut {
	out := make([]BatchItemOut, 0, len(items))
	for _, it := range items {
		o := BatchItemOut{Code: it.Code, Detail: it.Detail}
		if it.CaseID != uuid.Nil {
			o.CaseID = it.CaseID.String()
		}
		if it.PayoutID != uuid.Nil {
			o.PayoutID = it.PayoutID.String()
		}
		if it.Payout != nil {
			po := payoutOut(it.Payout)
			o.Payout = &po
		}
		out = append(out, o)
	}
	return out
}

func parseIDs(raw []string, field string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(raw))
	for _, s := range raw {
		id, err := parseID(s, field)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func (h *handlers) distributions(a huma.API) {
	type proposeInput struct {
		ID   string `path:"id"`
		Body struct {
			DebtorPartyID string   `json:"debtor_party_id"`
			AmountFen     int64    `json:"amount_fen,omitempty" doc:"分配金额（分）；不填为该被执行人在本案代管的全部款项"`
			CaseIDs       []string `json:"case_ids,omitempty" maxItems:"2000" doc:"参与分配的案件；不填为本院对该被执行人的全部未结案件"`
			Priority      []struct {
				CaseID    string `json:"case_id"`
				AmountFen int64  `json:"amount_fen"`
			} `json:"priority,omitempty" doc:"优先受偿部分（如抵押权）"`
			Note string `json:"note,omitempty" maxLength:"500"`
		}
	}
	po := op(http.MethodPost, "/cases/{id}/distributions", "proposeDistribution",
		"拟定分配方案：按各案结算单确定债权，先执行费用、再优先债权、后普通债权（自然人按比例，法人按措施先后）", fundsTag)
	po.Errors = append(po.Errors, 404, 409)
	huma.Register(a, po, func(ctx context.Context, in *proposeInput) (*Body[DistributionOut], error) {
		debtor, err := parseID(in.Body.DebtorPartyID, "body.debtor_party_id")
		if err != nil {
			return nil, err
		}
		ids, err := parseIDs(in.Body.CaseIDs, "body.case_ids")
		if err != nil {
			return nil, err
		}
		prio := map[uuid.UUID]int64{}
		for _, p := range in.Body.Priority {
			id, err := parseID(p.CaseID, "body.priority.case_id")
			if err != nil {
				return nil, err
			}
			prio[id] = p.AmountFen
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Distribution, error) {
			return funds.ProposeDistribution(ctx, tx, id, funds.DistributionInput{DebtorPartyID: debtor, AmountFen: in.Body.AmountFen, CaseIDs: ids,
				PriorityFen: prio, Note: in.Body.Note})
		}, distributionOut)
	})
	huma.Register(a, op(http.MethodGet, "/cases/{id}/distributions", "listCaseDistributions", "案件参与的分配方案，最新的在前", fundsTag),
		func(ctx context.Context, in *idPath) (*Body[[]DistributionOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			list, err := funds.CaseDistributions(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			out := []DistributionOut{}
			for _, d := range list {
				out = append(out, distributionOut(d))
			}
			return body(out), nil
		})
	gd := op(http.MethodGet, "/distributions/{id}", "getDistribution", "一个分配方案及其异议", fundsTag)
	gd.Errors = append(gd.Errors, 404)
	huma.Register(a, gd, func(ctx context.Context, in *idPath) (*Body[DistributionOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		d, err := funds.GetDistribution(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(distributionOut(d)), nil
	})
	for _, x := range []struct {
		path, id, summary string
		fn                func(context.Context, *store.Tx, uuid.UUID) (*funds.Distribution, error)
	}{
		{"/distributions/{id}/publication", "publishDistribution", "送达分配方案，起算 15 日异议期（DIST-4）", funds.PublishDistribution},
		{"/distributions/{id}/execution", "executeDistribution", "异议期届满且异议处理完毕后执行分配方案：各案分得款项并按结算单分配", funds.ExecuteDistribution},
	} {
		o := op(http.MethodPost, x.path, x.id, x.summary, fundsTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404, 409)
		huma.Register(a, o, func(ctx context.Context, in *idPath) (*Body[DistributionOut], error) {
			return change(ctx, h.DB, in.ID, x.fn, distributionOut)
		})
	}
	type withdrawInput struct {
		ID   string `path:"id"`
		Body struct {
			Reason string `json:"reason" maxLength:"500"`
		}
	}
	wo := op(http.MethodPost, "/distributions/{id}/withdrawal", "withdrawDistribution", "撤回尚未执行的分配方案", fundsTag)
	wo.DefaultStatus = http.StatusOK
	wo.Errors = append(wo.Errors, 404, 409)
	huma.Register(a, wo, func(ctx context.Context, in *withdrawInput) (*Body[DistributionOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Distribution, error) {
			return funds.WithdrawDistribution(ctx, tx, id, in.Body.Reason)
		}, distributionOut)
	})
	type objectInput struct {
		ID   string `path:"id"`
		Body struct {
			CaseID   string `json:"case_id" doc:"异议人所在的案件"`
			Objector string `json:"objector" maxLength:"100"`
			Reason   string `json:"reason" maxLength:"1000"`
		}
	}
	oo := op(http.MethodPost, "/distributions/{id}/objections", "objectToDistribution", "记录对分配方案的异议（异议期内）", fundsTag)
	oo.Errors = append(oo.Errors, 404, 409)
	huma.Register(a, oo, func(ctx context.Context, in *objectInput) (*Body[DistributionOut], error) {
		caseID, err := parseID(in.Body.CaseID, "body.case_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Distribution, error) {
			return funds.ObjectToDistribution(ctx, tx, id, funds.ObjectionInput{CaseID: caseID, Objector: in.Body.Objector, Reason: in.Body.Reason})
		}, distributionOut)
	})
	type stepInput struct {
		ID          string `path:"id"`
		ObjectionID string `path:"objection_id"`
		Body        struct {
			Step string `json:"step" enum:"countered,sued,upheld,dismissed" doc:"countered：他人反对；sued：异议人起诉；upheld：异议成立（方案撤回）；dismissed：按原方案"`
			Note string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	so := op(http.MethodPost, "/distributions/{id}/objections/{objection_id}/steps", "advanceObjection", "记录异议的进展（DIST-4）", fundsTag)
	so.DefaultStatus = http.StatusOK
	so.Errors = append(so.Errors, 404, 409)
	huma.Register(a, so, func(ctx context.Context, in *stepInput) (*Body[DistributionOut], error) {
		objection, err := parseID(in.ObjectionID, "path.objection_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.Distribution, error) {
			return funds.AdvanceObjection(ctx, tx, id, objection, funds.ObjectionStep(in.Body.Step), in.Body.Note)
		}, distributionOut)
	})

	type batchInput struct {
		Body struct {
			CaseIDs []string `json:"case_ids" minItems:"1" maxItems:"2000"`
			Purpose string   `json:"purpose,omitempty" maxLength:"200"`
		}
	}
	bo := op(http.MethodPost, "/payout-batches", "requestPayouts",
		"为多个案件一次申请发放：每案每位申请执行人的全部余额至其已确认的收款账户（逐案办理，逐项报告结果）", fundsTag)
	bo.DefaultStatus = http.StatusOK
	huma.Register(a, bo, func(ctx context.Context, in *batchInput) (*Body[[]BatchItemOut], error) {
		ids, err := parseIDs(in.Body.CaseIDs, "body.case_ids")
		if err != nil {
			return nil, err
		}
		items, err := funds.RequestPayouts(ctx, h.DB, ids, in.Body.Purpose)
		if err != nil {
			return nil, err
		}
		return body(batchItemsOut(items)), nil
	})
	type decideManyInput struct {
		Body struct {
			PayoutIDs []string `json:"payout_ids" minItems:"1" maxItems:"2000"`
			Approve   bool     `json:"approve"`
			Note      string   `json:"note,omitempty" maxLength:"500"`
		}
	}
	do := op(http.MethodPost, "/payout-approvals", "decidePayouts", "批量审批案款发放（逐笔核验审批权限，逐项报告结果）", fundsTag)
	do.DefaultStatus = http.StatusOK
	huma.Register(a, do, func(ctx context.Context, in *decideManyInput) (*Body[[]BatchItemOut], error) {
		ids, err := parseIDs(in.Body.PayoutIDs, "body.payout_ids")
		if err != nil {
			return nil, err
		}
		return body(batchItemsOut(funds.DecidePayouts(ctx, h.DB, ids, funds.Decision{Approve: in.Body.Approve, Note: in.Body.Note}))), nil
	})
}
