package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// fundsCase files a case of s's court against a company for claimFen.
func fundsCase(t *testing.T, s *intaketest.Staff, seed int, claimFen int64) *cases.Case {
	t.Helper()
	in := intaketest.Application(s.CourtID, seed)
	in.Respondents = []intake.PartyInput{intaketest.Organization(seed)}
	in.ClaimAmountFen = claimFen
	return uiFile(t, s, in)
}

// fundsReceive records a deduction's money on the debtor's account, as the
// bank's answer to a deduction does.
func fundsReceive(t *testing.T, s *intaketest.Staff, c *cases.Case, fen int64) {
	t.Helper()
	if _, err := store.TransactValue(s.Sys, s.DB, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
		return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: c.Respondents()[0].PartyID,
			AmountFen: fen, RequestID: store.NewID(), ReceiptRef: "HD" + c.CaseNo, From: "基本存款账户", AgencyName: "建设银行"})
	}); err != nil {
		t.Fatal(err)
	}
}

// fundsStatement is a case's statement of account today.
func fundsStatement(t *testing.T, s *intaketest.Staff, c *cases.Case) *funds.Statement {
	t.Helper()
	st, err := funds.CaseStatement(s.Judge, s.DB, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// casePayouts lists a case's payouts, the latest first, with approvals.
func casePayouts(t *testing.T, s *intaketest.Staff, c *cases.Case) []*funds.Payout {
	t.Helper()
	list, err := funds.CasePayouts(s.Judge, s.DB, c.ID)
	if err == nil {
		err = funds.LoadApprovals(s.Judge, s.DB, list)
	}
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var fundsTokenRE = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// fundsToken reads the form token of the 案款 section (or of the funds
// desk) of a page.
func (p webPage) fundsToken(t *testing.T) string {
	t.Helper()
	body := p.body
	for _, start := range []string{`<section id="funds"`, `<div id="desk"`} {
		if i := strings.Index(body, start); i >= 0 {
			body = body[i:]
			break
		}
	}
	m := fundsTokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token in the funds section\n%.3000s", p.body)
	}
	return m[1]
}

// TestCaseFundsUI: the 案款 section of the case page through a large
// payout. The debtor's ¥200,000 and more arrive by deduction: the section
// shows the accounts with their virtual numbers and balances and the
// statement with what is to allocate; a clerk reads it without forms and
// is refused, another court's judge gets "not found"; the judge allocates
// (twice from one form: one allocation), records the landlord's account
// (a bad number comes back in Chinese with what was typed kept), is refused
// a payout before the written confirmation, confirms it, types a bad
// amount (Chinese error, values kept) and asks for the prefilled amount
// twice (one payout). It needs two levels: the judge may not approve it,
// the team leader refuses without a reason (refused), then approves the
// first level with htmx; the bureau chief approves the second; the bank
// pays it, and the section shows it paid with both approvals and the
// ledger's transfers.
func TestCaseFundsUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		bk := env.Bank(t)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 5101, 20_000_000)
		owed := fundsStatement(t, s, c).OwedFen()
		fundsReceive(t, s, c, owed)
		st := fundsStatement(t, s, c)
		fee, cred := st.ToAllocate()
		if fee+cred != owed {
			t.Fatalf("to allocate %d+%d, want %d", fee, cred, owed)
		}
		path := "/cases/" + c.ID.String()
		applicant := c.Applicants()[0]
		htmx := map[string]string{"HX-Request": "true"}
		l, err := funds.ForCase(s.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var debtorNo string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtorNo = a.Number
			}
		}

		judge := staffBrowser(t, env, s.Judge)
		p := judge.get(path)
		p.must(t, 200, `<section id="funds"`, debtorNo, yuan(owed), `id="statement-to-allocate">`+yuan(owed)+`<`, yuan(st.Claim.FeeFen),
			`id="allocate-form"`, "分配案款 "+yuan(owed)+" 元", `id="payee-form-`+applicant.PartyID.String()+`"`, "未登记",
			"各分户暂无可发放的款项；请先分配案款")
		p.lacks(t, `id="payout-form"`) // the debtor's money is the creditors' until allocated

		// A clerk reads everything and may do nothing; another court's
		// judge does not see the case.
		clerk := userBrowser(t, env, "fui.clerk", access.RoleClerk, "粤0607")
		cp := clerk.get(path)
		cp.must(t, 200, `<section id="funds"`, debtorNo, yuan(owed))
		cp.lacks(t, `id="allocate-form"`, `id="payee-form-`, `id="payout-form"`)
		clerk.post(path+"/funds/allocation", url.Values{}).must(t, 403)
		outsider := userBrowser(t, env, "fui.outsider", access.RolePostJudge, "皖01")
		outsider.post(path+"/funds/allocation", url.Values{}).must(t, 404)
		outsider.post(path+"/funds/payouts", url.Values{"party_id": {applicant.PartyID.String()}, "amount": {"1"}}).must(t, 404)

		// Allocated twice from one form: one allocation.
		token := p.fundsToken(t)
		judge.post(path+"/funds/allocation", url.Values{"form_token": {token}}).redirected(t, path+"?funds=allocated#funds")
		judge.post(path+"/funds/allocation", url.Values{"form_token": {token}}).redirected(t, path+"?funds=duplicate#funds")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM fund_transfers WHERE case_id = ? AND kind = 'allocation'`, c.ID); n != 1 {
			t.Fatalf("allocations after a double submission: %d, want 1", n)
		}
		p = judge.get(path + "?funds=allocated")
		p.must(t, 200, "已按结算单分配案款", `id="statement-owed"><strong>0.00<`, "款项分配")
		p.lacks(t, `id="allocate-form"`)
		// Allocating again from a fresh form: nothing to allocate.
		judge.post(path+"/funds/allocation", url.Values{"form_token": {p.fundsToken(t)}}).must(t, 409, "本案没有待分配的执行款", `id="funds-refusal"`)

		// The landlord's payee account: a bad number comes back next to the
		// form with what was typed.
		payee := url.Values{"form_token": {p.fundsToken(t)}, "party_id": {applicant.PartyID.String()}, "holder_name": {applicant.Name},
			"account_no": {"6222-02ab"}, "bank_name": {"工商银行佛山三水支行"}}
		r := judge.post(path+"/funds/payees", payee)
		r.must(t, 422, "银行账号应为 8 至 34 位数字", `value="6222-02ab"`, `value="工商银行佛山三水支行"`, `<details class="act" open>`, `aria-invalid="true"`)
		payee.Set("account_no", "6222 0200 1234 5678")
		judge.do("POST", path+"/funds/payees", payee, htmx).must(t, 200, `<section id="funds"`, "已登记收款账户", "待书面确认", "6222020012345678")
		payees, err := funds.CasePayees(s.Judge, db, c.ID)
		if err != nil || len(payees) != 1 {
			t.Fatalf("payees %v %v", payees, err)
		}
		pid := payees[0].ID.String()

		// No payout before the written confirmation: the backend's reason,
		// the amount kept.
		p = judge.get(path)
		p.must(t, 200, `id="payout-form"`, `id="payout-amount" name="amount" inputmode="decimal" autocomplete="off" required value="`+yuan(cred)+`"`,
			"收款账户待书面确认", `id="confirm-form-`+pid+`"`)
		ask := url.Values{"form_token": {p.fundsToken(t)}, "party_id": {applicant.PartyID.String()}, "amount": {yuan(cred)}, "purpose": {"租金执行款"}}
		judge.post(path+"/funds/payouts", ask).must(t, 409, "尚未经书面确认，不能发放", `value="`+yuan(cred)+`"`, `value="租金执行款"`)
		judge.do("POST", path+"/funds/payees/"+pid+"/confirmation", url.Values{"form_token": {p.fundsToken(t)}, "confirmation": {" "}}, htmx).
			must(t, 200, "请写明书面确认的依据")
		judge.post(path+"/funds/payees/"+pid+"/confirmation", url.Values{"form_token": {p.fundsToken(t)},
			"confirmation": {"收款账户确认书（立案时签署）"}}).redirected(t, path+"?funds=confirmed#funds")

		// A bad amount: Chinese, next to the field, the values kept; none
		// is asked for.
		p = judge.get(path)
		p.must(t, 200, "已确认", "收款账户确认书（立案时签署）", "工商银行佛山三水支行 6222020012345678")
		token = p.fundsToken(t)
		bad := url.Values{"form_token": {token}, "party_id": {applicant.PartyID.String()}, "amount": {"12,34x"}, "purpose": {"租金执行款"}}
		r = judge.post(path+"/funds/payouts", bad)
		r.must(t, 422, "发放金额：", `value="12,34x"`, `value="租金执行款"`, `id="payout-amount-error"`)
		bad.Set("amount", "0")
		judge.do("POST", path+"/funds/payouts", bad, htmx).must(t, 200, "请填写发放金额（元），须大于 0", `value="0"`)
		bad.Set("amount", yuan(cred+1))
		judge.post(path+"/funds/payouts", bad).must(t, 409, "可发放 ¥"+yuan(cred), `value="`+yuan(cred+1)+`"`)
		if n := len(casePayouts(t, s, c)); n != 0 {
			t.Fatalf("payouts after refused requests: %d", n)
		}

		// The prefilled amount asked for twice from one form: one payout,
		// which needs two levels.
		ok := url.Values{"form_token": {token}, "party_id": {applicant.PartyID.String()}, "amount": {yuan(cred)}}
		judge.post(path+"/funds/payouts", ok).redirected(t, path+"?funds=requested2#funds")
		judge.post(path+"/funds/payouts", ok).redirected(t, path+"?funds=duplicate#funds")
		list := casePayouts(t, s, c)
		if len(list) != 1 || list[0].Levels != 2 || list[0].AmountFen != cred {
			t.Fatalf("payouts %+v, want one of %d in two levels", list, cred)
		}
		o := list[0]
		oid := o.ID.String()
		p = judge.get(path + "?funds=requested2")
		p.must(t, 200, "需团队长和执行局长两级审批", `id="payout-`+oid+`"`, "待审批", "需 2 级审批，已同意 0 级", "等待第 1 级审批：由有案款发放审批权限的人员审批",
			`id="cancel-form-`+oid+`"`, o.DueOn.String())
		p.lacks(t, `id="decide-form-`+oid+`"`, `id="payout-form"`)
		judge.post(path+"/funds/payouts/"+oid+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		clerk.post(path+"/funds/payouts/"+oid+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		outsider.post(path+"/funds/payouts/"+oid+"/decision", url.Values{"decision": {"approve"}}).must(t, 404)
		// Through another case of the court: not found.
		other := fundsCase(t, s, 5102, 1_000_000)
		judge.post("/cases/"+other.ID.String()+"/funds/payouts/"+oid+"/cancellation", url.Values{"reason": {"x"}}).must(t, 404)

		// The team leader: a refusal needs its reason; then the first level.
		leader := staffBrowser(t, env, s.Leader)
		lp := leader.get(path)
		lp.must(t, 200, `id="decide-form-`+oid+`"`, "第 1 级审批，共 2 级", "同意发放 "+yuan(cred)+" 元")
		lt := lp.fundsToken(t)
		leader.post(path+"/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "decision": {"refuse"}, "note": {"  "}}).
			must(t, 422, "不同意发放的，请写明理由", `id="decide-form-`+oid+`"`)
		leader.do("POST", path+"/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "decision": {"approve"}, "note": {"核对无误"}}, htmx).
			must(t, 200, `<section id="funds"`, "已审批同意第 1 级", "第 1 级 同意", "核对无误", "需 2 级审批，已同意 1 级")
		leader.do("POST", path+"/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "decision": {"approve"}}, htmx).
			must(t, 200, "没有重复办理")
		lp = leader.get(path)
		lp.must(t, 200, "等待第 2 级审批：第二级由有大额发放审批权限的人员（执行局长）审批")
		lp.lacks(t, `id="decide-form-`+oid+`"`)

		// The bureau chief: the second level; the money goes to the bank.
		chief := staffBrowser(t, env, s.Chief)
		cpage := chief.get(path)
		cpage.must(t, 200, `id="decide-form-`+oid+`"`, "第 2 级审批，共 2 级")
		cpage.lacks(t, `id="payout-form"`, `id="cancel-form-`)
		chief.post(path+"/funds/payouts/"+oid+"/decision", url.Values{"form_token": {cpage.fundsToken(t)}, "decision": {"approve"}}).
			redirected(t, path+"?funds=approved#funds")
		if got := casePayouts(t, s, c)[0]; got.Status != funds.PayoutApproved || len(got.Approvals) != 2 {
			t.Fatalf("after the second level: %+v", got)
		}
		judge.get(path+"?funds=approved").must(t, 200, "款项已转入在途", "已批准，待发送银行", "发放（在途）")
		bk.Settle(t)
		p = judge.get(path)
		p.must(t, 200, "已发放", "第 2 级 同意", "发放完成", "银行流水 ")
		p.lacks(t, `id="cancel-form-`+oid+`"`, `class="days due-`)
		if st := bk.Sim.Stats(); st.DoublePayments != 0 {
			t.Errorf("double payments at the bank: %d", st.DoublePayments)
		}
		rep, err := funds.Verify(context.Background(), db)
		if err != nil || !rep.OK() {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}

// TestCaseFundsUICancelAndLedger: a small payout (one level) withdrawn
// (the reason needed), an overdue payout highlighted, and the ledger paged
// from the newest transfers back.
func TestCaseFundsUICancelAndLedger(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 5111, 2_000_000)
		// 25 small payments, then the rest: 26 receipts and more than a
		// page of the ledger.
		owed := fundsStatement(t, s, c).OwedFen()
		for range 25 {
			fundsReceive(t, s, c, 1_000)
		}
		fundsReceive(t, s, c, owed)
		path := "/cases/" + c.ID.String()
		applicant := c.Applicants()[0]
		judge := staffBrowser(t, env, s.Judge)
		p := judge.get(path)
		judge.post(path+"/funds/allocation", url.Values{"form_token": {p.fundsToken(t)}}).redirected(t, path+"?funds=allocated#funds")
		judge.post(path+"/funds/payees", url.Values{"party_id": {applicant.PartyID.String()}, "holder_name": {applicant.Name},
			"account_no": {"6222020012340001"}, "bank_name": {"农业银行三水支行"}, "confirmation": {"收款账户确认书"}}).
			redirected(t, path+"?funds=payee_confirmed#funds")
		// The team leader asks: they may not approve their own request.
		leader := staffBrowser(t, env, s.Leader)
		leader.post(path+"/funds/payouts", url.Values{"party_id": {applicant.PartyID.String()}, "amount": {"5,000"}}).
			redirected(t, path+"?funds=requested#funds")
		o := casePayouts(t, s, c)[0]
		oid := o.ID.String()
		if o.Levels != 1 {
			t.Fatalf("levels %d, want 1", o.Levels)
		}
		lp := leader.get(path)
		lp.must(t, 200, "等待第 1 级审批：本人申请的发放由他人审批")
		lp.lacks(t, `id="decide-form-`+oid+`"`)

		// Overdue: highlighted with the days, not by colour alone.
		uiExec(t, db, `UPDATE payouts SET due_on = ? WHERE id = ?`, legal.Today(time.Now()).AddDays(-3), o.ID)
		p = judge.get(path)
		p.must(t, 200, `<tr id="payout-`+oid+`" class="payout-pending due-overdue">`, "超期 3 日", "待审批发放 5,000.00")
		// The rest of the balance is what the form offers now.
		l, err := funds.ForCase(s.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range l.Accounts {
			if a.Role == "applicant" {
				p.must(t, 200, `required value="`+yuan(a.Balance-500_000)+`"`)
			}
		}

		// Withdrawn: the reason needed, then once.
		token := p.fundsToken(t)
		judge.post(path+"/funds/payouts/"+oid+"/cancellation", url.Values{"form_token": {token}, "reason": {" "}}).
			must(t, 422, "请写明撤回理由", `<details class="act" open>`, `id="cancel-form-`+oid+`"`)
		judge.post(path+"/funds/payouts/"+oid+"/cancellation", url.Values{"form_token": {token}, "reason": {"当事人要求更换账户"}}).
			redirected(t, path+"?funds=cancelled#funds")
		p = judge.get(path + "?funds=cancelled")
		p.must(t, 200, "已撤回发放申请", "已撤回", "当事人要求更换账户")
		p.lacks(t, `id="cancel-form-`+oid+`"`, "超期 3 日")
		judge.post(path+"/funds/payouts/"+oid+"/cancellation", url.Values{"form_token": {p.fundsToken(t)}, "reason": {"再撤"}}).
			must(t, 409, "不能撤回")

		// The ledger: 20 transfers a page, the newest first, back to the
		// first receipt.
		p.must(t, 200, `id="ledger-next"`, "款项分配", "扣划 基本存款账户")
		next := regexp.MustCompile(`href="([^"]*)" id="ledger-next"`).FindStringSubmatch(p.body)
		older := judge.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		older.must(t, 200, "最新记录", "收款")
		older.lacks(t, `id="ledger-next"`, "款项分配")
		if n := strings.Count(p.body, `<tbody id="transfer-`) + strings.Count(older.body, `<tbody id="transfer-`); n != 27 {
			t.Errorf("transfers over two pages: %d, want 27", n)
		}
		judge.get(path+"?ledger=bad").must(t, 200, "账目的分页参数无效")
	})
}

// statementUpload posts the statement upload form of the funds desk.
func statementUpload(t *testing.T, b *browser, court, fileName string, content []byte) webPage {
	t.Helper()
	body, ct := multipartForm(t, map[string]string{"court": court}, fileName, content)
	req, err := http.NewRequest(http.MethodPost, b.env.URL+"/funds/statements", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return webPage{res.StatusCode, res.Header.Get("Location"), string(data)}
}

// TestFundsDeskUI: the funds desk. The command center imports the custody
// account's statement (the company's payment to its case account is
// recorded, an unknown payer's waits as 不明款; imported again, nothing
// twice; a malformed file is refused whole with its lines named), finds the
// unmatched money overdue on its tab, looks the case up by its 案号 (a
// malformed and an unknown number come back in Chinese), claims it to the
// debtor once however often the form is sent. A payout of that case waits
// for approval: the requesting judge sees it without the form, the team
// leader approves it from the list with htmx (twice: one approval); it
// moves to the outgoing tab with the bank's last error until the bank pays
// it. A clerk has no desk, another court sees none of it, a bad cursor is
// said so; the unmatched list pages.
func TestFundsDeskUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		bk := env.Bank(t)
		s := intaketest.NewStaff(t, db, "")
		command := staffBrowser(t, env, intaketest.User(t, db, "粤0607", access.RoleCommandCenter, ""))
		judge, leader := staffBrowser(t, env, s.Judge), staffBrowser(t, env, s.Leader)
		clerk := userBrowser(t, env, "fdesk.clerk", access.RoleClerk, "粤0607")
		outsider := userBrowser(t, env, "fdesk.outsider", access.RoleBureauChief, "皖01")

		// Who has a desk.
		leader.get("/").must(t, 200, `href="/funds"`)
		command.get("/").must(t, 200, `href="/funds"`)
		clerk.get("/").lacks(t, `href="/funds"`)
		clerk.get("/funds").must(t, 403)
		command.get("/funds").must(t, 200, `aria-current="page">不明款<`, `id="tab-import"`)
		judge.get("/funds").must(t, 200, `aria-current="page">待审批<`)
		judge.get("/funds").lacks(t, `id="tab-import"`)
		judge.get("/funds?tab=import").must(t, 200, `aria-current="page">待审批<`)

		// The statement: the company pays into its case account, a stranger
		// pays without one.
		c := fundsCase(t, s, 5121, 3_000_000)
		l, err := funds.ForCase(s.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var debtorNo string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtorNo = a.Number
			}
		}
		owed := fundsStatement(t, s, c).OwedFen()
		company := c.Respondents()[0].Name
		if _, err := bk.Sim.Pay("粤0607-custody", simbank.PaymentIn{PayerName: company, PayerAccount: "44050166001100005121",
			AmountFen: owed - 100_000, Memo: "还款", VirtualAccount: debtorNo}); err != nil {
			t.Fatal(err)
		}
		if _, err := bk.Sim.Pay("粤0607-custody", simbank.PaymentIn{PayerName: company, PayerAccount: "44050166001100005121",
			AmountFen: 100_000, Memo: "补交余款"}); err != nil {
			t.Fatal(err)
		}
		day, err := bk.Sim.Statement(context.Background(), "粤0607-custody", todayString())
		if err != nil {
			t.Fatal(err)
		}
		csv := []byte(statementCSV(day))
		court := s.CourtID.String()
		statementUpload(t, judge, court, "流水.csv", csv).must(t, 403)
		r := statementUpload(t, command, court, "流水.csv", csv)
		r.must(t, 200, `id="import-result"`, "已导入“流水.csv”", `id="import-matched">1<`, `id="import-unmatched">1<`, `id="import-repeats">0<`,
			"去认领不明款")
		statementUpload(t, command, court, "流水.csv", csv).must(t, 200, `id="import-matched">0<`, `id="import-repeats">2<`)
		badCSV := strings.Join(funds.StatementCSVHeader, ",") + "\nL1,2026-13-01,收入,12.00,张三,1,,\nL2,2026-01-02,进账,abc,李四,2,,\n"
		r = statementUpload(t, command, court, "坏.csv", []byte(badCSV))
		r.must(t, 422, "整份文件未导入", "第 2 行：记账日期应为 YYYY-MM-DD", "第 3 行：收支应为", "第 3 行：金额应为")
		r.lacks(t, `id="import-result"`)
		statementUpload(t, command, court, "坏.csv", []byte(strings.Join(funds.StatementCSVHeader, ",")+"\nL1,2026-01-02,收入,0,张三,1,,\n")).
			must(t, 422, "流水文件未导入：第 2 行：金额应为")
		statementUpload(t, command, court, "空.csv", []byte("x,y\n")).must(t, 422, "流水文件未导入：流水文件的表头应为")
		statementUpload(t, command, uuid.NewString(), "流水.csv", csv).must(t, 422, "请选择专户所属的法院")
		if got := fundsStatement(t, s, c).ReceivedFen; got != owed-100_000 {
			t.Fatalf("received after the import: %d, want %d", got, owed-100_000)
		}

		// The unmatched money, overdue.
		um, err := funds.UnmatchedList(s.Judge, db, true, page.Request{})
		if err != nil || len(um.Items) != 1 {
			t.Fatalf("unmatched %+v %v", um, err)
		}
		m := um.Items[0]
		mid := m.ID.String()
		uiExec(t, db, `UPDATE unmatched_receipts SET claim_due = ? WHERE id = ?`, legal.Today(time.Now()).AddDays(-2), m.ID)
		p := command.get("/funds?tab=unmatched")
		p.must(t, 200, `<tr id="unmatched-`+mid+`" class="due-overdue">`, "超过认领期限 2 日", "1,000.00", company, "补交余款",
			`id="claim-lookup-`+mid+`"`)
		judge.get("/funds?tab=unmatched").must(t, 200, `<tr id="unmatched-`+mid+`"`)
		judge.get("/funds?tab=unmatched").lacks(t, `id="claim-lookup-`)
		outsider.get("/funds?tab=unmatched").lacks(t, mid)

		// The case by its 案号: malformed, unknown, then found in another
		// spelling with the debtor (the payer) chosen.
		lookup := func(no string) webPage {
			return command.get("/funds?" + url.Values{"tab": {"unmatched"}, "claim": {mid}, "case_no": {no}}.Encode())
		}
		lookup("粤0607执1号").must(t, 200, "案号格式应为", `value="粤0607执1号"`, `<details class="act" open>`)
		n, err := legal.ParseCaseNo(c.CaseNo)
		if err != nil {
			t.Fatal(err)
		}
		unknown := n
		unknown.Seq += 9000
		lookup(unknown.String()).must(t, 200, "没有案号为")
		spelled := strings.NewReplacer("（", "(", "）", ")").Replace(c.CaseNo)
		p = lookup(spelled)
		debtor := c.Respondents()[0].PartyID.String()
		p.must(t, 200, `id="claim-form-`+mid+`"`, `id="claim-case-`+mid+`">`+c.CaseNo+`<`, `<option value="`+debtor+`" selected>被执行人 `+company)
		htmx := map[string]string{"HX-Request": "true"}
		command.do("GET", "/funds?"+url.Values{"tab": {"unmatched"}, "claim": {mid}, "case_no": {spelled}}.Encode(), nil, htmx).
			must(t, 200, `<div id="desk"`, `id="claim-form-`+mid+`"`)

		// Claimed twice from one form: once.
		token := p.fundsToken(t)
		claim := url.Values{"form_token": {token}, "case_no": {c.CaseNo}, "party_id": {debtor}}
		clerk.post("/funds/unmatched/"+mid+"/claim", claim).must(t, 403)
		command.post("/funds/unmatched/"+mid+"/claim", url.Values{"form_token": {token}, "case_no": {c.CaseNo}}).
			must(t, 422, "请选择款项记入哪一方当事人的分户")
		command.post("/funds/unmatched/"+mid+"/claim", claim).redirected(t, "/funds?funds=claimed&tab=unmatched")
		command.do("POST", "/funds/unmatched/"+mid+"/claim", claim, htmx).must(t, 200, `<div id="desk"`, "没有重复办理", "没有待认领的不明款")
		if got := fundsStatement(t, s, c).ReceivedFen; got != owed {
			t.Fatalf("received after the claim: %d, want %d", got, owed)
		}
		judge.get("/cases/"+c.ID.String()).must(t, 200, "认领不明款（银行流水")

		// A payout of the case waits for approval.
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
			return funds.Allocate(ctx, tx, c.ID)
		}); err != nil {
			t.Fatal(err)
		}
		applicant := c.Applicants()[0]
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
			return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: applicant.PartyID, HolderName: applicant.Name,
				AccountNo: "6222020012345121", BankName: "建设银行三水支行", Confirmation: "收款账户确认书"})
		}); err != nil {
			t.Fatal(err)
		}
		o, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
			return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: applicant.PartyID, AmountFen: 1_000_000})
		})
		if err != nil {
			t.Fatal(err)
		}
		oid := o.ID.String()
		jp := judge.get("/funds")
		jp.must(t, 200, `id="payout-`+oid+`"`, `<a href="/cases/`+c.ID.String()+`#funds">`+c.CaseNo+`</a>`, "10,000.00", "由有案款发放审批权限的人员审批")
		jp.lacks(t, `id="decide-form-`+oid+`"`)
		outsider.get("/funds").lacks(t, oid)
		outsider.post("/funds/payouts/"+oid+"/decision", url.Values{"decision": {"approve"}}).must(t, 404)
		judge.post("/funds/payouts/"+oid+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		leader.get("/funds?cursor=bad").must(t, 422, "分页游标无效")

		// The team leader approves from the list: refused without a choice,
		// then twice from one form: one approval.
		lp := leader.get("/funds")
		lp.must(t, 200, `id="decide-form-`+oid+`"`, "同意发放 10,000.00 元", "建设银行三水支行", "6222020012345121")
		lt := lp.fundsToken(t)
		leader.do("POST", "/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "note": {"请核对"}}, htmx).
			must(t, 200, `<div id="desk"`, "请选择同意发放或不同意发放", `value="请核对"`)
		leader.post("/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "decision": {"refuse"}}).
			must(t, 422, "不同意发放的，请写明理由", `id="decide-form-`+oid+`"`, `aria-current="page">待审批<`)
		leader.do("POST", "/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "decision": {"approve"}}, htmx).
			must(t, 200, `<div id="desk"`, "款项已转入在途", "没有待审批的发放")
		leader.post("/funds/payouts/"+oid+"/decision", url.Values{"form_token": {lt}, "decision": {"approve"}}).
			redirected(t, "/funds?funds=duplicate&tab=pending")
		if got := casePayouts(t, s, c)[0]; got.Status != funds.PayoutApproved || len(got.Approvals) != 1 {
			t.Fatalf("after the approval: %+v", got)
		}

		// On its way: the bank's last error shown until it pays.
		uiExec(t, db, `UPDATE payouts SET last_error = ?, attempts = 2 WHERE id = ?`, "连接托管银行超时", o.ID)
		op := leader.get("/funds?tab=outgoing")
		op.must(t, 200, "已批准，待发送银行", `id="payout-`+oid+`"`, "最近一次发送错误：连接托管银行超时（已尝试 2 次")
		bk.Settle(t)
		leader.get("/funds?tab=outgoing").must(t, 200, "没有待发送或银行办理中的发放")
		judge.get("/cases/"+c.ID.String()).must(t, 200, "已发放")

		// The unmatched list pages: 51 lines without an account.
		var b strings.Builder
		b.WriteString(strings.Join(funds.StatementCSVHeader, ",") + "\n")
		for i := range 51 {
			fmt.Fprintf(&b, "P%03d,%s,收入,%d.00,付款人%d,6222000000%04d,,\n", i, todayString(), 100+i, i, i)
		}
		statementUpload(t, command, court, "多笔.csv", []byte(b.String())).must(t, 200, `id="import-unmatched">51<`)
		p = command.get("/funds?tab=unmatched")
		p.must(t, 200, `id="desk-next"`)
		if n := strings.Count(p.body, `<tr id="unmatched-`); n != 50 {
			t.Fatalf("first page: %d rows, want 50", n)
		}
		next := regexp.MustCompile(`href="([^"]*)" id="desk-next"`).FindStringSubmatch(p.body)
		p = command.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if n := strings.Count(p.body, `<tr id="unmatched-`); n != 1 || strings.Contains(p.body, `id="desk-next"`) {
			t.Fatalf("second page: %d rows", n)
		}
	})
}
