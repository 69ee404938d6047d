package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestS1FreezeThenDeduct (SCENARIOS S1, up to the money arriving): the
// inquiry at filing finds a company account holding more than is owed; the
// account is frozen the same day; the fast path offers a deduction of
// principal, interest and fee; approved once (a second approval is
// refused), it is sent, and the bank's answer records the money moved to the
// court with its receipt, which the case's ledger takes in as a receipt of
// the debtor's account (issue 5), once.
func TestS1FreezeThenDeduct(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		_, reception := env.Token(t, "s1.window", access.RoleWindowReception, "粤0607")
		_, clerk := env.Token(t, "s1.clerk", access.RoleClerk, "粤0607")

		company := sample.Organization(1101)
		holdsNothing(ag, company.CreditCode)
		ag.Sim.SetHoldings(agency.BankDeposit, "ccb", company.CreditCode, []agency.Holding{{Ref: "44050166001100001101", Kind: agency.BankDeposit,
			Institution: "建设银行佛山三水支行", ValueFen: 26_000_000, AvailableFen: 26_000_000}})
		c := fileAgainst(t, env, reception, 1101, company, 20_000_000)
		ag.Settle(t)
		v := caseAssets(t, env, judge, c.ID)
		if len(v.Assets) != 1 || v.Assets[0].AvailableFen != 26_000_000 || v.FastPath != nil {
			t.Fatalf("after the inquiry at filing: %+v, offer %+v", v.Assets, v.FastPath)
		}
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/controls", judge, map[string]any{"asset_id": v.Assets[0].ID,
			"amount_fen": 26_000_000, "reason": "冻结被执行人银行存款", "ruling_no": "（2026）粤0607执1101号"})
		if r.Status != http.StatusCreated {
			t.Fatalf("freeze: %d %s", r.Status, r.Body)
		}
		ag.Settle(t)
		v = caseAssets(t, env, judge, c.ID)
		o := v.FastPath
		if o == nil || !o.Covered || o.PrincipalFen != 20_000_000 || o.FeeFen != 5_000+(20_000_000-1_000_000)*150/10_000 ||
			o.OwedFen != o.PrincipalFen+o.InterestFen+o.FeeFen || o.FrozenFen != 26_000_000 {
			t.Fatalf("fast path offer: %+v", o)
		}

		path := "/api/v1/cases/" + c.ID + "/fast-path"
		if r := env.Do(t, http.MethodPost, path, clerk, map[string]any{"ruling_no": "x"}); r.Status != http.StatusForbidden {
			t.Errorf("clerk approving: %d", r.Status)
		}
		if r := env.Do(t, http.MethodPost, path, judge, map[string]any{}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("no ruling: %d %s", r.Status, r.Body)
		}
		approve := func(key string) *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: path, Token: judge,
				Body: map[string]any{"ruling_no": "（2026）粤0607执1101号之二"}, Header: map[string]string{"Idempotency-Key": key}})
		}
		first, again := approve("s1-fast"), approve("s1-fast")
		if first.Status != http.StatusOK || string(first.Body) != string(again.Body) {
			t.Fatalf("approval: %d %s / %s", first.Status, first.Body, again.Body)
		}
		if r := approve("s1-fast-2"); r.Status != http.StatusConflict || r.Problem(t).Code != "already_approved" {
			t.Errorf("second approval: %d %s", r.Status, r.Body)
		}
		ag.Settle(t)
		v = caseAssets(t, env, judge, c.ID)
		ctl := v.Controls[0]
		if ctl.DeductedFen != o.OwedFen || ctl.AmountFen != 26_000_000-o.OwedFen {
			t.Errorf("after the deduction: %+v, owed %d", ctl, o.OwedFen)
		}
		if st := ag.Sim.Stats(); st.DoubleActions != 0 {
			t.Errorf("double actions at the bank: %d", st.DoubleActions)
		}
		tl := timeline(t, env, judge, c.ID)
		if !strings.Contains(tl, "快速执行") || !strings.Contains(tl, "已扣划") || !strings.Contains(tl, "回单") {
			t.Errorf("timeline: %s", tl)
		}
		var reqs []api.AgencyRequestOut
		for _, q := range v.Requests {
			if q.Op == "deduct" {
				reqs = append(reqs, q)
			}
		}
		if len(reqs) != 1 || reqs[0].Result == nil || reqs[0].Result.Control == nil || reqs[0].Result.Control.ReceiptRef == "" {
			t.Fatalf("deduction request and receipt: %+v", reqs)
		}

		// The money in the ledger: the debtor's account of the case holds
		// what was deducted, received once.
		var l api.CaseLedgerOut
		r = env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/ledger", judge, nil)
		r.JSON(t, &l)
		if r.Status != http.StatusOK || l.ReceivedFen != o.OwedFen || l.HeldFen != o.OwedFen || len(l.Transfers.Items) != 1 {
			t.Fatalf("ledger: %d %s", r.Status, r.Body)
		}
		tr := l.Transfers.Items[0]
		if tr.Kind != "receipt" || tr.AmountFen != o.OwedFen || !strings.Contains(tr.Memo, reqs[0].Result.Control.ReceiptRef) ||
			len(tr.Postings) != 2 || tr.Postings[0].AccountKind != "custody" {
			t.Errorf("receipt: %+v", tr)
		}
		for _, a := range l.Accounts {
			if want := int64(0); a.Role == "respondent" && a.BalanceFen != o.OwedFen || a.Role == "applicant" && a.BalanceFen != want {
				t.Errorf("account %+v", a)
			}
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/ledger", clerk, nil); r.Status != http.StatusOK {
			t.Errorf("clerk reading the ledger: %d", r.Status)
		}
		var got api.CaseOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID, judge, nil).JSON(t, &got)
		if got.RecoveredAmountFen != o.OwedFen {
			t.Errorf("recovered amount %d, want %d", got.RecoveredAmountFen, o.OwedFen)
		}
	})
}
