package assets

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The fast path (item 5, S1): when money frozen for a case covers what the
// debtor owes — the unpaid principal, the doubled interest for late
// performance to today (INT-1) and the application fee (FEE-1) — the
// handler is offered a deduction. Approving it sends one deduction per
// freeze, largest first, for exactly what is owed; the agencies' answers
// record the money moved to the court's account with its receipt reference.

// Offer is what the fast path computes for a case.
type Offer struct {
	PrincipalFen int64 // claim not yet recovered
	InterestFen  int64 // INT-1 to today
	FeeFen       int64 // FEE-1 on the claim
	OwedFen      int64
	FrozenFen    int64 // in force on deductible money, not yet deducted
	Covered      bool  // FrozenFen ≥ OwedFen: a deduction can close the case
	// Pending is set while a deduction of the case awaits its answer.
	Pending bool
	Freezes []*Control // the freezes it would deduct from, largest first
}

// fastPath computes the offer of a case from its view: nil for a case with
// nothing owed in money, nothing frozen, or closed.
func fastPath(ctx context.Context, q store.Querier, caseID uuid.UUID, v *CaseView) (*Offer, error) {
	var claim, recovered int64
	var due *legal.Date
	var status string
	if err := q.QueryRow(ctx, `SELECT c.claim_amount_fen, c.recovered_amount_fen, c.status, a.basis_due_date
		FROM cases c LEFT JOIN applications a ON a.id = c.application_id WHERE c.id = ?`, caseID).Scan(&claim, &recovered, &status, &due); err != nil {
		return nil, err
	}
	o := &Offer{PrincipalFen: max(claim-recovered, 0)}
	kinds := map[uuid.UUID]agency.Kind{}
	for _, a := range v.Assets {
		kinds[a.ID] = a.Kind
	}
	for _, c := range v.Controls {
		if c.Status != ControlActive || c.Op != agency.OpFreeze || c.AmountFen <= 0 {
			continue
		}
		if info, _ := agency.Info(kinds[c.AssetID]); info.Money {
			o.FrozenFen += c.AmountFen
			o.Freezes = append(o.Freezes, c)
		}
	}
	if o.PrincipalFen == 0 || o.FrozenFen == 0 || status == cases.StatusClosed {
		return nil, nil
	}
	slices.SortStableFunc(o.Freezes, func(a, b *Control) int { return cmp.Compare(b.AmountFen, a.AmountFen) })
	today := legal.Today(time.Now())
	if due != nil {
		o.InterestFen = legal.LateInterest(o.PrincipalFen, *due, today)
	}
	o.FeeFen = legal.ApplicationFee(claim, legal.DefaultFeeBands)
	o.OwedFen = o.PrincipalFen + o.InterestFen + o.FeeFen
	o.Covered = o.FrozenFen >= o.OwedFen
	// Under way: a deduction of this case not yet answered.
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM agency_requests WHERE case_id = ? AND op = 'deduct' AND status IN ('queued', 'sent'))`,
		caseID).Scan(&o.Pending); err != nil {
		return nil, err
	}
	return o, nil
}

// ApproveFastPath approves the fast path's deduction (assets.control): one
// deduction per freeze, largest first, together exactly what is owed. It is
// refused when the frozen money does not cover it, or while a deduction of
// the case awaits its answer.
func ApproveFastPath(ctx context.Context, tx *store.Tx, caseID uuid.UUID, rulingNo, note string) (*Offer, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.AssetsControl)
	if err != nil {
		return nil, err
	}
	rulingNo, note = strings.TrimSpace(rulingNo), strings.TrimSpace(note)
	if rulingNo == "" {
		return nil, apperr.InvalidField("ruling_required", "body.ruling_no", "请填写扣划裁定书文号（协执单位据此办理）")
	}
	v, err := ForCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	o := v.Offer
	switch {
	case o == nil || !o.Covered:
		return nil, apperr.New(apperr.Conflict, "not_covered", "冻结款项不足以清偿本案债务（本金、迟延履行利息和申请执行费），不能走快速扣划；请继续查控或按普通程序办理")
	case o.Pending:
		return nil, apperr.New(apperr.Conflict, "already_approved", "本案已有扣划正在等待协执单位答复，请待其办结后再看是否仍需扣划")
	}
	left := o.OwedFen
	var lines []string
	for _, f := range o.Freezes {
		if left == 0 {
			break
		}
		amount := min(left, f.AmountFen)
		if _, err := Deduct(ctx, tx, f.ID, ChangeInput{AmountFen: amount, Reason: "快速执行：冻结款项足以清偿，扣划结案", RulingNo: rulingNo}); err != nil {
			return nil, err
		}
		left -= amount
		lines = append(lines, triage.FormatYuan(amount))
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO deduction_offers (id, court_id, case_id, owed_fen, frozen_fen, approved_by, approved_by_name,
		note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, store.NewID(), c.CourtID, caseID, o.OwedFen, o.FrozenFen,
		store.NullID(p.UserID), p.DisplayName, note, now); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("快速执行：冻结款项 %s 足以清偿本金 %s、迟延履行利息 %s、申请执行费 %s，共 %s；批准扣划（%s）",
		triage.FormatYuan(o.FrozenFen), triage.FormatYuan(o.PrincipalFen), triage.FormatYuan(o.InterestFen), triage.FormatYuan(o.FeeFen),
		triage.FormatYuan(o.OwedFen), strings.Join(lines, "、"))
	if err := cases.AppendEvents(ctx, tx, caseID, cases.Event{Kind: "fast_path", Summary: summary}); err != nil {
		return nil, err
	}
	o.Pending = true
	return o, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "fast_path.approved", ObjectType: "case", ObjectID: caseID.String(),
		Summary: c.CaseNo + "：" + summary, Changes: audit.Changes{"owed_fen": {To: o.OwedFen}, "frozen_fen": {To: o.FrozenFen}}})
}
