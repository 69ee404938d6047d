package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// OpenAuctionDeduction starts a running deduction of kind auction (拍卖、变卖)
// from the day an auction's notice is published (AUCT-12, CLOCK-8). It is
// decided with the court's decision to auction, so it is approved at once,
// as the deductions of 中止 and 暂缓 are with their transitions; the caller
// checked the principal may dispose of the case's property. It returns the
// entry's id, which CloseAuctionDeduction ends.
func OpenAuctionDeduction(ctx context.Context, tx *store.Tx, caseID uuid.UUID, from legal.Date, reason string) (uuid.UUID, error) {
	p, c, err := lockForWork(ctx, tx, caseID, "")
	if err != nil {
		return uuid.Nil, err
	}
	if err := clockOpen(c); err != nil {
		return uuid.Nil, err
	}
	if from.Before(c.FiledOn) {
		from = c.FiledOn
	}
	now := time.Now().UTC()
	e := ClockEntry{ID: store.NewID(), Kind: "deduction", DeductionKind: legal.DeductAuction, From: from, Status: "requested",
		Reason: reason, RequestedBy: p.UserID, RequestedAt: now}
	if err := insertEntry(ctx, tx, c.ID, e); err != nil {
		return uuid.Nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE case_clock_entries SET status = 'approved', decided_by = ?, decided_at = ?, decision_note = '随拍卖决定'
		WHERE id = ?`, store.NullID(p.UserID), now, e.ID); err != nil {
		return uuid.Nil, err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return uuid.Nil, err
	}
	return e.ID, logCase(ctx, tx, p, c, "clock.deduction_approved", fmt.Sprintf("扣除审限：%s 自 %s 起（%s）", legal.DeductAuction.Label(), from, reason),
		audit.Changes{"entry_id": {To: e.ID.String()}})
}

// CloseAuctionDeduction ends a running auction deduction on the day the
// auction or 变卖 closed (on counts; AUCT-12, CLOCK-8). An entry already
// ended is left alone.
func CloseAuctionDeduction(ctx context.Context, tx *store.Tx, caseID, entryID uuid.UUID, on legal.Date) error {
	p, c, err := lockForWork(ctx, tx, caseID, "")
	if err != nil {
		return err
	}
	var from legal.Date
	err = tx.QueryRow(ctx, `SELECT from_date FROM case_clock_entries WHERE id = ? AND case_id = ? AND deduction_kind = 'auction' AND to_date IS NULL`,
		entryID, caseID).Scan(&from)
	if store.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if on.Before(from) {
		on = from
	}
	if _, err := tx.Exec(ctx, `UPDATE case_clock_entries SET to_date = ? WHERE id = ?`, on, entryID); err != nil {
		return err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return err
	}
	return logCase(ctx, tx, p, c, "clock.deduction_closed", fmt.Sprintf("扣除审限：%s %s 至 %s 共 %d 日", legal.DeductAuction.Label(), from, on, on.Sub(from)+1),
		audit.Changes{"entry_id": {To: entryID.String()}, "to": {To: on.String()}})
}
