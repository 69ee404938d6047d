package funds

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Read-only helpers for the pages (internal/web/ui). Nothing here changes
// money or decides anything: the functions of the other files do, and they
// check again whatever a page shows.

// LoadApprovals fills the approvals of payouts read by a list (CasePayouts,
// Payouts), which leave them out. The payouts come from a read that
// checked the caller's scope.
func LoadApprovals(ctx context.Context, q store.Querier, list []*Payout) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[uuid.UUID]*Payout, len(list))
	ids := make([]any, 0, len(list))
	for _, o := range list {
		byID[o.ID] = o
		o.Approvals = nil
		ids = append(ids, o.ID)
	}
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(from+500, len(ids))]
		rows, err := q.Query(ctx, `SELECT payout_id, level, approve, by_user, by_name, note, created_at FROM payout_approvals
			WHERE payout_id IN (`+store.Placeholders(len(chunk))+`) ORDER BY payout_id, level`, chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id uuid.UUID
			var a Approval
			var by uuid.NullUUID
			if err := rows.Scan(&id, &a.Level, &a.Approve, &by, &a.ByName, &a.Note, &a.At); err != nil {
				rows.Close()
				return err
			}
			a.ByID, a.At = by.UUID, a.At.UTC()
			byID[id].Approvals = append(byID[id].Approvals, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// DecisionBlock says why p may not decide the next level of the payout now,
// in Chinese, or "" when DecidePayout would take their decision: the
// payout waits for approval, p holds the permission its next level needs
// (FUND-6), did not ask for it and has not approved a level of it. The
// payout's approvals must be loaded. DecidePayout checks all of this again.
func (o *Payout) DecisionBlock(p *access.Principal) string {
	if o.Status != PayoutPending {
		return "该发放" + o.Status.Label()
	}
	if o.BatchID != uuid.Nil {
		return "属于批量发放，整批审批"
	}
	return decisionBlock(p, o.ApprovedLevels+1, o.RequestedByID, o.Approvals)
}

// DecisionBlock is DecisionBlock for a batch: "" when p may decide its
// next level (DecideBatch checks all of this again).
func (b *PayoutBatch) DecisionBlock(p *access.Principal) string {
	if b.Status != BatchPending {
		return "该批量发放" + b.Status.Label()
	}
	return decisionBlock(p, b.ApprovedLevels+1, b.RequestedByID, b.Approvals)
}

func decisionBlock(p *access.Principal, level int, requestedBy uuid.UUID, approvals []Approval) string {
	if p == nil || !p.Can(access.FundsApprove) && !p.Can(access.FundsApproveLarge) {
		return "由有案款发放审批权限的人员审批"
	}
	if level == 2 && !p.Can(access.FundsApproveLarge) {
		return "第二级由有大额发放审批权限的人员（执行局长）审批（FUND-6）"
	}
	if requestedBy == p.UserID {
		return "本人申请的发放由他人审批"
	}
	for _, a := range approvals {
		if a.ByID == p.UserID {
			return "您已审批过一级，下一级由他人审批"
		}
	}
	return ""
}
