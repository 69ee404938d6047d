package web_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// fundsReadyToPay receives and allocates a case's whole debt and records
// the applicant's payee account, confirmed in writing.
func fundsReadyToPay(t *testing.T, s *intaketest.Staff, c *cases.Case) {
	t.Helper()
	fundsReceive(t, s, c, fundsStatement(t, s, c).OwedFen())
	if _, err := store.TransactValue(s.Judge, s.DB, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
		return funds.Allocate(ctx, tx, c.ID)
	}); err != nil {
		t.Fatal(err)
	}
	applicant := c.Applicants()[0]
	if _, err := store.TransactValue(s.Judge, s.DB, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
		return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: applicant.PartyID, HolderName: applicant.Name,
			AccountNo: "6222020012346001", BankName: "建设银行三水支行", Confirmation: "收款账户确认书"})
	}); err != nil {
		t.Fatal(err)
	}
}

// fundsAsk asks, as the user of ctx, a payout of fen to the case's
// applicant.
func fundsAsk(t *testing.T, ctx context.Context, db *store.DB, c *cases.Case, fen int64) *funds.Payout {
	t.Helper()
	o, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
		return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: c.Applicants()[0].PartyID, AmountFen: fen})
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestFundsDeskBatchUI: the batch decision of the funds desk. Three payouts
// asked by the judge and one by the team leader wait for approval. The
// judge sees no boxes and is refused the batch (403). The team leader may
// tick the judge's three, not their own; a batch with nothing ticked, or a
// refusal without its reason, comes back in Chinese with the boxes and the
// note as sent, nothing decided. The four sent together with htmx: the
// three approved, the own one refused with its reason, payout by payout;
// the same form sent again decides nothing. Another court's chief is told
// the payout is not found; the bureau chief refuses the leader's payout
// with a reason.
func TestFundsDeskBatchUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 5141, 3_000_000)
		fundsReadyToPay(t, s, c)
		var mine []*funds.Payout
		for range 3 {
			mine = append(mine, fundsAsk(t, s.Judge, db, c, 100_000))
		}
		own := fundsAsk(t, s.Leader, db, c, 50_000)
		judge, leader, chief := staffBrowser(t, env, s.Judge), staffBrowser(t, env, s.Leader), staffBrowser(t, env, s.Chief)
		outsider := userBrowser(t, env, "fbatch.outsider", access.RoleBureauChief, "皖01")
		htmx := map[string]string{"HX-Request": "true"}
		ids := func(list ...*funds.Payout) []string {
			var out []string
			for _, o := range list {
				out = append(out, o.ID.String())
			}
			return out
		}
		all := ids(append(append([]*funds.Payout(nil), mine...), own)...)

		// The judge: no boxes, no batch.
		jp := judge.get("/funds")
		jp.must(t, 200, `id="payout-`+all[0]+`"`)
		jp.lacks(t, `id="batch-form"`, `id="pick-`)
		judge.post("/funds/payouts/decisions", url.Values{"ids": all[:3], "decision": {"approve"}}).must(t, 403)

		// The team leader: boxes on the judge's payouts, not on their own.
		lp := leader.get("/funds")
		lp.must(t, 200, `id="batch-form"`, "批量同意", "批量不同意（须写理由）", `id="pick-`+all[0]+`"`, `id="pick-`+all[1]+`"`,
			`id="pick-`+all[2]+`"`)
		lp.lacks(t, `id="pick-`+all[3]+`"`)
		token := lp.fundsToken(t)

		// Refused whole: nothing ticked; a refusal without its reason; a
		// malformed id. The boxes and the note come back as sent.
		leader.post("/funds/payouts/decisions", url.Values{"form_token": {token}, "decision": {"approve"}, "note": {"核对无误"}}).
			must(t, 422, "请勾选要审批的发放", `value="核对无误"`, `id="batch-ids-error"`)
		leader.do("POST", "/funds/payouts/decisions", url.Values{"form_token": {token}, "ids": all[:2], "decision": {"refuse"}, "note": {" "}}, htmx).
			must(t, 200, `<div id="desk"`, "批量不同意的，请写明理由", `id="pick-`+all[0]+`" checked`, `id="pick-`+all[1]+`" checked`)
		leader.post("/funds/payouts/decisions", url.Values{"form_token": {token}, "ids": {"x-1"}, "decision": {"approve"}}).
			must(t, 422, "所选的发放无效")
		leader.post("/funds/payouts/decisions", url.Values{"form_token": {token}, "ids": all[:1]}).
			must(t, 422, "请选择同意发放或不同意发放")
		for _, o := range casePayouts(t, s, c) {
			if o.Status != funds.PayoutPending || len(o.Approvals) != 0 {
				t.Fatalf("after refused batches: %+v", o)
			}
		}

		// The four at once: three approved, the own one refused with its
		// reason, payout by payout.
		batch := url.Values{"form_token": {token}, "ids": all, "decision": {"approve"}, "note": {"批量核对无误"}}
		r := leader.do("POST", "/funds/payouts/decisions", batch, htmx)
		r.must(t, 200, `<div id="desk"`, `id="batch-result"`, `id="batch-done">3<`, `id="batch-refused">1<`, "已同意，款项转入在途",
			`<tr id="batch-`+all[3]+`" class="batch-refused">`, "不能审批本人申请的发放", c.CaseNo, "500.00")
		r.lacks(t, `id="pick-`+all[0]+`"`, `id="pick-`+all[3]+`"`)
		// Sent again: nothing decided twice.
		leader.post("/funds/payouts/decisions", batch).must(t, 200, `id="batch-duplicate"`, "没有重复办理")
		leader.do("POST", "/funds/payouts/decisions", batch, htmx).must(t, 200, `id="batch-duplicate"`)
		approvals := 0
		for _, o := range casePayouts(t, s, c) {
			approvals += len(o.Approvals)
			want := funds.PayoutApproved
			if o.ID == own.ID {
				want = funds.PayoutPending
			}
			if o.Status != want {
				t.Errorf("payout %s: %s, want %s", o.ID, o.Status, want)
			}
		}
		if approvals != 3 {
			t.Fatalf("approvals after a double batch: %d, want 3", approvals)
		}

		// Another court's chief: not found, nothing decided; the bureau
		// chief refuses the leader's payout with a reason.
		op := outsider.get("/funds")
		op.lacks(t, all[3])
		outsider.post("/funds/payouts/decisions", url.Values{"ids": all[3:], "decision": {"approve"}}).
			must(t, 200, `id="batch-refused">1<`, "不存在")
		cp := chief.get("/funds")
		cp.must(t, 200, `id="pick-`+all[3]+`"`)
		chief.post("/funds/payouts/decisions", url.Values{"form_token": {cp.fundsToken(t)}, "ids": append(all[3:], uuid.NewString()),
			"decision": {"refuse"}, "note": {"收款账户有误"}}).
			must(t, 200, `id="batch-done">1<`, `id="batch-refused">1<`, "已不同意，该发放终止")
		if o := casePayouts(t, s, c)[0]; o.ID != own.ID || o.Status != funds.PayoutRejected {
			t.Fatalf("the leader's payout after the chief's refusal: %+v", o)
		}
	})
}
