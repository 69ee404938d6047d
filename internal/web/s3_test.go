package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestS3WageClaimsPaidInOneBatch (SCENARIOS S3): 85 workers' wage claims,
// about ¥6.7 million in all, against one employer are registered in one
// bulk request and filed; the debtor view shows them together; the
// employer's account, frozen and deducted once under the first case, covers
// all of them; a distribution plan shares the money claim by claim; each
// case is allocated by its statement; the workers are paid in one batch of
// payouts approved in one go; the ledger verifies.
func TestS3WageClaimsPaidInOneBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("85 cases")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag, bk := env.Agencies(t), env.Bank(t)
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		leader := env.Login(t, access.From(staff.Leader).Username, apptest.Password)
		_, reception := env.Token(t, "s3.window", access.RoleWindowReception, "粤0607")

		const workers, claim = 85, int64(7_882_353) // ¥78,823.53 each, ¥6,700,000.05 in all
		employer := sample.Organization(3301)
		holdsNothing(ag, employer.CreditCode)
		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", employer.CreditCode, []agency.Holding{{Ref: "2013000033010001", Kind: agency.BankDeposit,
			Institution: "工商银行东阳支行", ValueFen: 800_000_000, AvailableFen: 800_000_000}})
		rows := make([]api.ApplicationIn, workers)
		for i := range rows {
			rows[i] = applicationBody(t, env, 33_000+i)
			rows[i].Respondents, rows[i].ClaimAmountFen = []api.PartyIn{partyIn(employer)}, claim
		}
		var bulk api.BulkOut
		r := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", reception, api.BulkIn{CourtCode: "粤0607", Rows: rows})
		r.JSON(t, &bulk)
		if r.Status != http.StatusCreated || bulk.Batch.CreatedRows != workers {
			t.Fatalf("bulk intake: %d %+v", r.Status, bulk.Batch)
		}
		caseIDs := make([]string, 0, workers)
		for _, row := range bulk.Rows {
			var c api.CaseOut
			r := env.Do(t, http.MethodPost, "/api/v1/applications/"+*row.ApplicationID+"/filing", reception, map[string]any{})
			r.JSON(t, &c)
			if r.Status != http.StatusCreated && r.Status != http.StatusOK {
				t.Fatalf("filing: %d %s", r.Status, r.Body)
			}
			caseIDs = append(caseIDs, c.ID)
		}
		ag.Settle(t)

		// The debtor view shows the 85 cases and the account.
		first := caseAssets(t, env, judge, caseIDs[0])
		var account *api.AssetOut
		for i := range first.Assets {
			if first.Assets[i].Ref == "2013000033010001" {
				account = &first.Assets[i]
			}
		}
		if account == nil {
			t.Fatalf("the employer's account was not found: %+v", first.Assets)
		}
		var overview struct {
			Cases  []api.PartyCaseOut `json:"cases"`
			Assets []api.AssetOut     `json:"assets"`
		}
		env.Do(t, http.MethodGet, "/api/v1/parties/"+account.PartyID+"/overview", judge, nil).JSON(t, &overview)
		if len(overview.Cases) != workers || len(overview.Assets) == 0 {
			t.Fatalf("debtor view: %d cases, %d assets", len(overview.Cases), len(overview.Assets))
		}

		// What all 85 cases are owed, frozen and deducted at once.
		var owed int64
		for _, id := range caseIDs {
			var st api.StatementOut
			env.Do(t, http.MethodGet, "/api/v1/cases/"+id+"/statement", judge, nil).JSON(t, &st)
			owed += st.OwedFen
		}
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+caseIDs[0]+"/controls", judge, map[string]any{"asset_id": account.ID, "amount_fen": owed,
			"reason": "冻结被执行人银行存款，用于支付 85 名劳动者的工资", "ruling_no": "（2026）粤0607执冻1号"})
		var ctl api.ControlOut
		r.JSON(t, &ctl)
		if r.Status != http.StatusCreated {
			t.Fatalf("freeze: %d %s", r.Status, r.Body)
		}
		ag.Settle(t)
		r = env.Do(t, http.MethodPost, "/api/v1/controls/"+ctl.ID+"/deduction", judge, map[string]any{"amount_fen": owed,
			"reason": "扣划冻结款项", "ruling_no": "（2026）粤0607执扣1号"})
		if r.Status != http.StatusOK {
			t.Fatalf("deduction: %d %s", r.Status, r.Body)
		}
		ag.Settle(t)

		// The plan: the money shared claim by claim, published, executed
		// once the objection period is over.
		var plan api.DistributionOut
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+caseIDs[0]+"/distributions", judge, map[string]any{"debtor_party_id": account.PartyID})
		r.JSON(t, &plan)
		if r.Status != http.StatusCreated || len(plan.Claims) != workers || !plan.LegalPerson || plan.AmountFen != owed || plan.LeftFen != 0 {
			t.Fatalf("plan: %d %s", r.Status, r.Body)
		}
		for _, c := range plan.Claims {
			if c.ShareFen != c.CostsFen+c.PriorityFen+c.OrdinaryFen {
				t.Errorf("%s: share %d of %d", c.CaseNo, c.ShareFen, c.CostsFen+c.OrdinaryFen)
			}
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/distributions/"+plan.ID+"/publication", judge, nil); r.Status != http.StatusOK {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/distributions/"+plan.ID+"/execution", judge, nil); r.Status != http.StatusConflict ||
			r.Problem(t).Code != "objection_period" {
			t.Errorf("executing inside the objection period: %d %s", r.Status, r.Body)
		}
		if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE distributions SET objection_due = ? WHERE id = ?`, legal.Today(time.Now()).AddDays(-1), uuid.MustParse(plan.ID))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/distributions/"+plan.ID+"/execution", judge, nil); r.Status != http.StatusOK {
			t.Fatalf("execute: %d %s", r.Status, r.Body)
		}

		// Each worker's account confirmed, all paid in one batch.
		for i, id := range caseIDs {
			var l api.CaseLedgerOut
			env.Do(t, http.MethodGet, "/api/v1/cases/"+id+"/ledger", judge, nil).JSON(t, &l)
			for _, a := range l.Accounts {
				if a.Role != "applicant" {
					continue
				}
				if a.BalanceFen < claim {
					t.Errorf("case %d: the worker's account holds %d, want at least the claim %d", i+1, a.BalanceFen, claim)
				}
				r := env.Do(t, http.MethodPost, "/api/v1/cases/"+id+"/payees", judge, map[string]any{"party_id": a.PartyID, "holder_name": a.Name,
					"account_no": fmt.Sprintf("62170000%08d", 33_000+i), "bank_name": "农业银行东阳支行", "confirmation": "收款账户确认书"})
				if r.Status != http.StatusCreated {
					t.Fatalf("payee: %d %s", r.Status, r.Body)
				}
			}
		}
		var asked []api.BatchItemOut
		r = env.Do(t, http.MethodPost, "/api/v1/payout-batches", judge, map[string]any{"case_ids": caseIDs})
		r.JSON(t, &asked)
		ids := make([]string, 0, workers)
		for _, it := range asked {
			if it.Code != "" {
				t.Errorf("payout of %s: %s %s", it.CaseID, it.Code, it.Detail)
				continue
			}
			ids = append(ids, it.PayoutID)
		}
		if len(ids) != workers {
			t.Fatalf("%d payouts asked for %d workers", len(ids), workers)
		}
		// Asking again asks for nothing more.
		var again []api.BatchItemOut
		env.Do(t, http.MethodPost, "/api/v1/payout-batches", judge, map[string]any{"case_ids": caseIDs[:3]}).JSON(t, &again)
		for _, it := range again {
			if it.Code != "nothing_to_pay" {
				t.Errorf("second batch: %+v", it)
			}
		}
		var decided []api.BatchItemOut
		env.Do(t, http.MethodPost, "/api/v1/payout-approvals", judge, map[string]any{"payout_ids": ids[:1], "approve": true}).JSON(t, &decided)
		if len(decided) != 1 || decided[0].Code != "forbidden" {
			t.Errorf("the judge approving: %+v", decided)
		}
		var approved []api.BatchItemOut
		env.Do(t, http.MethodPost, "/api/v1/payout-approvals", leader, map[string]any{"payout_ids": ids, "approve": true, "note": "工资款，核对无误"}).JSON(t, &approved)
		for _, it := range approved {
			if it.Code != "" || it.Payout == nil || it.Payout.Status != "approved" {
				t.Errorf("approval: %+v", it)
			}
		}
		bk.Settle(t)
		var settled api.List[api.PayoutOut]
		env.Do(t, http.MethodGet, "/api/v1/payouts?status=settled&limit=500", judge, nil).JSON(t, &settled)
		if len(settled.Items) != workers {
			t.Errorf("%d payouts settled, want %d", len(settled.Items), workers)
		}
		if st := bk.Sim.Stats(); st.DoublePayments != 0 || st.Settled != workers {
			t.Errorf("bank: %+v", st)
		}
		rep, err := funds.Verify(context.Background(), db)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}
