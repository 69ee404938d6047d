package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// statementCSV writes a statement in the CSV layout the import reads.
func statementCSV(st bank.Statement) string {
	var b strings.Builder
	b.WriteString(strings.Join(funds.StatementCSVHeader, ",") + "\n")
	for _, l := range st.Lines {
		dir := "收入"
		if l.Direction == bank.Debit {
			dir = "支出"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%d.%02d,%s,%s,%s,%s\n", l.ID, l.Date, dir, l.AmountFen/100, l.AmountFen%100, l.CounterpartyName,
			l.CounterpartyAccount, l.Memo, l.VirtualAccount)
	}
	return b.String()
}

// TestS1MoneyInAndOut (SCENARIOS S1, the money): the company pays what it
// owes into the debtor's case account (its virtual account number); the
// custody account's statement, imported twice, records it once; the handler
// allocates it by the statement of account (fee, principal, interest); the
// landlord's payee account, confirmed in writing, is paid after one
// approval, once however often the approval is clicked; both sides are
// told; the ledger verifies.
func TestS1MoneyInAndOut(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		bk := env.Bank(t)
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		leader := env.Login(t, access.From(staff.Leader).Username, apptest.Password)
		chief := env.Login(t, access.From(staff.Chief).Username, apptest.Password)
		_, reception := env.Token(t, "m1.window", access.RoleWindowReception, "粤0607")
		_, command := env.Token(t, "m1.command", access.RoleCommandCenter, "粤0607")
		_, clerk := env.Token(t, "m1.clerk", access.RoleClerk, "粤0607")

		company := sample.Organization(1201)
		c := fileAgainst(t, env, reception, 1201, company, 20_000_000)
		var l api.CaseLedgerOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/ledger", judge, nil).JSON(t, &l)
		var debtorNo, applicantID string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtorNo = a.Number
			} else {
				applicantID = a.PartyID
			}
		}
		if debtorNo == "" || applicantID == "" {
			t.Fatalf("accounts at filing: %+v", l.Accounts)
		}
		var st api.StatementOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/statement", judge, nil).JSON(t, &st)
		owed := st.OwedFen
		if st.PrincipalFen != 20_000_000 || st.FeeFen != 5_000+(20_000_000-1_000_000)*150/10_000 || owed < st.PrincipalFen+st.FeeFen {
			t.Fatalf("statement before payment: %+v", st)
		}

		// The company pays into the case account; the statement is
		// imported (twice).
		if _, err := bk.Sim.Pay("粤0607-custody", simbank.PaymentIn{PayerName: company.Name, PayerAccount: "44050166001100001201",
			AmountFen: owed, Memo: "支付租金", VirtualAccount: debtorNo}); err != nil {
			t.Fatal(err)
		}
		day, err := bk.Sim.Statement(context.Background(), "粤0607-custody", todayString())
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"court_code": "粤0607", "csv": statementCSV(day)}
		if r := env.Do(t, http.MethodPost, "/api/v1/bank-statements", judge, body); r.Status != http.StatusForbidden {
			t.Errorf("judge importing: %d", r.Status)
		}
		var imp api.ImportResultOut
		r := env.Do(t, http.MethodPost, "/api/v1/bank-statements", command, body)
		r.JSON(t, &imp)
		if r.Status != http.StatusOK || imp.Matched != 1 || imp.Unmatched != 0 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodPost, "/api/v1/bank-statements", command, body).JSON(t, &imp)
		if imp.Matched != 0 || imp.Repeats != 1 {
			t.Errorf("second import: %+v", imp)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/bank-statements", command, map[string]any{"court_code": "粤0607", "csv": "x,y\n"}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a file that is not a statement: %d", r.Status)
		}

		// Allocation by the statement of account.
		path := "/api/v1/cases/" + c.ID
		if r := env.Do(t, http.MethodPost, path+"/allocations", clerk, nil); r.Status != http.StatusForbidden {
			t.Errorf("clerk allocating: %d", r.Status)
		}
		var al api.AllocationOut
		r = env.Do(t, http.MethodPost, path+"/allocations", judge, nil)
		r.JSON(t, &al)
		if r.Status != http.StatusCreated && r.Status != http.StatusOK || al.FeeFen != st.FeeFen || al.Statement.OwedFen != 0 || al.DueOn == "" {
			t.Fatalf("allocation: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path+"/allocations", judge, nil); r.Status != http.StatusConflict || r.Problem(t).Code != "nothing_to_allocate" {
			t.Errorf("allocating again: %d %s", r.Status, r.Body)
		}

		// The money is due to the landlord by the FUND-4 deadline; held
		// back for a FUND-5 reason, it has none until the reason ends.
		dueOf := func() api.DueOut {
			t.Helper()
			var due api.List[api.DueOut]
			r := env.Do(t, http.MethodGet, "/api/v1/payouts/due?limit=500", judge, nil)
			r.JSON(t, &due)
			for _, d := range due.Items {
				if d.CaseID == c.ID {
					return d
				}
			}
			t.Fatalf("case not on the due list: %d %s", r.Status, r.Body)
			return api.DueOut{}
		}
		if d := dueOf(); d.DueOn != al.DueOn || d.Postponed || d.BalanceFen != al.CreditorsFen {
			t.Errorf("due: %+v", d)
		}
		var pp api.PostponementOut
		r = env.Do(t, http.MethodPost, path+"/postponements", judge, map[string]any{"party_id": applicantID, "reason": "applicant_unreachable",
			"note": "房东出国，暂无法联系"})
		r.JSON(t, &pp)
		if r.Status != http.StatusCreated {
			t.Fatalf("postponement: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/postponements/"+pp.ID+"/decision", leader, map[string]any{"approve": true}); r.Status != http.StatusForbidden {
			t.Errorf("team leader approving a postponement: %d", r.Status)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/postponements/"+pp.ID+"/decision", chief, map[string]any{"approve": true}); r.Status != http.StatusOK {
			t.Fatalf("chief approving: %d %s", r.Status, r.Body)
		}
		if d := dueOf(); !d.Postponed || d.DueOn != "" {
			t.Errorf("due while postponed: %+v", d)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/postponements/"+pp.ID+"/end", judge, map[string]any{"note": "已联系上"}); r.Status != http.StatusOK {
			t.Fatalf("end: %d %s", r.Status, r.Body)
		}
		if d := dueOf(); d.Postponed || d.DueOn == "" {
			t.Errorf("due after the postponement: %+v", d)
		}

		// The landlord's account: refused until confirmed in writing.
		var payee api.PayeeOut
		r = env.Do(t, http.MethodPost, path+"/payees", judge, map[string]any{"party_id": applicantID, "holder_name": "房东",
			"account_no": "6222 0200 1234 5678", "bank_name": "工商银行佛山三水支行"})
		r.JSON(t, &payee)
		if r.Status != http.StatusCreated || payee.Status != "unconfirmed" || payee.AccountNo != "6222020012345678" {
			t.Fatalf("payee: %d %s", r.Status, r.Body)
		}
		ask := map[string]any{"party_id": applicantID, "amount_fen": al.CreditorsFen}
		if r := env.Do(t, http.MethodPost, path+"/payouts", judge, ask); r.Status != http.StatusConflict || r.Problem(t).Code != "payee_unconfirmed" {
			t.Errorf("payout to an unconfirmed account: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path+"/payees", judge, map[string]any{"party_id": applicantID, "holder_name": "房东",
			"account_no": "12ab", "bank_name": ""}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad account: %d", r.Status)
		}
		r = env.Do(t, http.MethodPost, path+"/payees/"+payee.ID+"/confirmation", judge, map[string]any{"confirmation": "收款账户确认书（立案时签署）"})
		if r.Status != http.StatusOK {
			t.Fatalf("confirm: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path+"/payouts", judge, map[string]any{"party_id": applicantID, "amount_fen": al.CreditorsFen + 1}); r.Status != http.StatusConflict ||
			r.Problem(t).Code != "insufficient_balance" {
			t.Errorf("payout above the balance: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path+"/payouts", judge, map[string]any{"party_id": "x", "amount_fen": 1}); r.Status != http.StatusBadRequest {
			t.Errorf("malformed party id: %d", r.Status)
		}
		var o api.PayoutOut
		r = env.Do(t, http.MethodPost, path+"/payouts", judge, ask)
		r.JSON(t, &o)
		// About ¥200,000: at the default threshold (FUND-6) it needs the
		// team leader and the bureau chief.
		if r.Status != http.StatusCreated || o.Status != "pending" || o.Levels != 2 || o.DueOn != al.DueOn {
			t.Fatalf("payout: %d %s", r.Status, r.Body)
		}

		// Two approvals, the first clicked twice.
		approve := func(token, key string) *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/payouts/" + o.ID + "/approvals", Token: token,
				Body: map[string]any{"approve": true, "note": "核对无误"}, Header: map[string]string{"Idempotency-Key": key}})
		}
		if r := approve(judge, "m1-a0"); r.Status != http.StatusForbidden {
			t.Errorf("the requesting judge approving: %d", r.Status)
		}
		first, again := approve(leader, "m1-a1"), approve(leader, "m1-a1")
		if first.Status != http.StatusOK || string(first.Body) != string(again.Body) {
			t.Fatalf("approval: %d %s / %s", first.Status, first.Body, again.Body)
		}
		if r := approve(leader, "m1-a2"); r.Status != http.StatusForbidden {
			t.Errorf("the leader approving the second level too: %d", r.Status)
		}
		bk.Settle(t)
		env.Do(t, http.MethodGet, "/api/v1/payouts/"+o.ID, judge, nil).JSON(t, &o)
		if o.Status != "pending" || o.ApprovedLevels != 1 {
			t.Fatalf("after the first level: %+v", o)
		}
		if r := approve(chief, "m1-a3"); r.Status != http.StatusOK {
			t.Fatalf("second level: %d %s", r.Status, r.Body)
		}
		if r := approve(chief, "m1-a4"); r.Status != http.StatusConflict {
			t.Errorf("approving an approved payout: %d", r.Status)
		}
		bk.Settle(t)
		env.Do(t, http.MethodGet, "/api/v1/payouts/"+o.ID, judge, nil).JSON(t, &o)
		if o.Status != "settled" || o.BankRef == "" || len(o.Approvals) != 2 {
			t.Fatalf("payout after the bank: %+v", o)
		}
		if st := bk.Sim.Stats(); st.DoublePayments != 0 {
			t.Errorf("double payments at the bank: %d", st.DoublePayments)
		}

		l = api.CaseLedgerOut{}
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/ledger", judge, nil).JSON(t, &l)
		for _, a := range l.Accounts {
			if a.BalanceFen != 0 {
				t.Errorf("account %s holds %d after the payout", a.Name, a.BalanceFen)
			}
		}
		if l.ReceivedFen != owed || l.HeldFen != 0 {
			t.Errorf("ledger: received %d held %d", l.ReceivedFen, l.HeldFen)
		}
		tl := timeline(t, env, judge, c.ID)
		for _, want := range []string{"收到执行款", "按案款结算分配", "已向申请执行人", "收款账户"} {
			if !strings.Contains(tl, want) {
				t.Errorf("timeline lacks %q", want)
			}
		}
		rep, err := funds.Verify(context.Background(), db)
		if err != nil || !rep.OK() {
			t.Errorf("verify: %+v %v", rep, err)
		}
		// The day reconciles with the bank (FUND-8): the payment in, the
		// payout out.
		matcher := intaketest.User(t, db, "粤0607", access.RoleCommandCenter, "")
		if r, err := funds.Reconcile(matcher, db, bk.Sim, uuid.MustParse(c.CourtID), legal.Today(time.Now())); err != nil || r.Status != "ok" {
			t.Errorf("reconcile: %+v %v", r, err)
		}
		var recs api.List[api.ReconciliationOut]
		env.Do(t, http.MethodGet, "/api/v1/reconciliations", judge, nil).JSON(t, &recs)
		if len(recs.Items) != 1 || recs.Items[0].Status != "ok" || recs.Items[0].Matched != recs.Items[0].Lines {
			t.Errorf("reconciliations: %+v", recs.Items)
		}
	})
}

func todayString() string { return legal.Today(time.Now()).String() }
