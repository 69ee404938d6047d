package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestFundsDeskReconciliationUI: the 对账 tab of the funds desk (FUND-8).
// The custody account's day, reconciled against the bank simulator, is
// listed with its lines, matched lines and "账实相符"; a debit the bank made
// on an instruction the system never sent makes the day's report (run
// again) "有差异" with the difference shown open. Another court's chief
// sees none of it, a clerk has no desk; the list pages by key, 50 a page.
func TestFundsDeskReconciliationUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		matcher := intaketest.User(t, db, "粤0607", access.RoleCommandCenter, "")
		command, judge := staffBrowser(t, env, matcher), staffBrowser(t, env, s.Judge)
		clerk := userBrowser(t, env, "frec.clerk", access.RoleClerk, "粤0607")
		outsider := userBrowser(t, env, "frec.outsider", access.RoleBureauChief, "皖01")
		sim, err := simbank.New(simbank.Options{KeyID: "k", Secret: []byte("0123456789abcdef0123456789abcdef")})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		const custody = "粤0607-custody"
		if err := sim.OpenAccount(custody, "佛山市三水区人民法院执行款专户", 1_000_000); err != nil {
			t.Fatal(err)
		}

		command.get("/funds").must(t, 200, `id="tab-reconcile"`)
		command.get("/funds?tab=reconcile").must(t, 200, `aria-current="page">对账<`, "还没有对账记录")
		clerk.get("/funds?tab=reconcile").must(t, 403)

		// Fifty older reports, then today's from the bank.
		for i := range 50 {
			uiExec(t, db, `INSERT INTO reconciliations (id, court_id, account, day, opening_fen, closing_fen, credits_fen, debits_fen, lines, matched,
				problems, status, created_at) VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, 0, '', 'ok', ?)`, store.NewID(), s.CourtID, custody,
				legal.Today(time.Now()).AddDays(-100+i), time.Now().UTC())
		}
		c := fundsCase(t, s, 5181, 1_000_000)
		fundsReceive(t, s, c, 300_000)
		if _, err := sim.Pay(custody, simbank.PaymentIn{PayerName: "工商银行佛山分行", PayerAccount: "9999000011112222", AmountFen: 300_000,
			Memo: "协助扣划 HD" + c.CaseNo}); err != nil {
			t.Fatal(err)
		}
		today := legal.Today(time.Now())
		r, err := funds.Reconcile(matcher, db, sim, s.CourtID, today)
		if err != nil || r == nil || r.Status != "ok" {
			t.Fatalf("reconciliation %+v %v", r, err)
		}
		rid := r.ID.String()
		p := command.get("/funds?tab=reconcile")
		p.must(t, 200, `<tr id="reconciliation-`+rid+`" class="reconciliation-ok">`, today.String(), custody, "账实相符", "3,000.00",
			`id="desk-next"`)
		p.lacks(t, `id="reconciliation-problems-`+rid+`"`)
		judge.get("/funds?tab=reconcile").must(t, 200, `id="reconciliation-`+rid+`"`)
		outsider.get("/funds?tab=reconcile").must(t, 200, "还没有对账记录")
		command.get("/funds?tab=reconcile&cursor=bad").must(t, 422, "分页游标无效")
		command.do("GET", "/funds?tab=reconcile", nil, map[string]string{"HX-Request": "true"}).must(t, 200, `<div id="desk"`, `id="reconciliation-`+rid+`"`)

		// The bank pays out on an instruction the system never sent: the day
		// is run again and has a difference.
		ref := uuid.NewString()
		acks, err := sim.Send(context.Background(), []bank.Instruction{{Ref: ref, Account: custody, PayeeName: "某某", PayeeAccount: "6222020012345181",
			PayeeBank: "建设银行三水支行", AmountFen: 50_000, Purpose: c.CaseNo}})
		if err != nil || len(acks) != 1 || acks[0].Status == bank.AckRejected {
			t.Fatalf("send %+v %v", acks, err)
		}
		sim.RunDue(context.Background())
		r, err = funds.Reconcile(matcher, db, sim, s.CourtID, today)
		if err != nil || r.Status != "mismatch" {
			t.Fatalf("reconciliation %+v %v", r, err)
		}
		rid = r.ID.String()
		p = command.get("/funds?tab=reconcile")
		p.must(t, 200, `<tr id="reconciliation-`+rid+`" class="reconciliation-mismatch">`, "有差异", `<details class="act" open>`,
			`id="reconciliation-problems-`+rid+`"`, "所称的付款指令 "+ref+" 在本系统中不存在", "500.00")
		if n := strings.Count(p.body, `<tr id="reconciliation-`); n != 50 {
			t.Fatalf("first page: %d rows, want 50", n)
		}
		next := regexp.MustCompile(`href="([^"]*)" id="desk-next"`).FindStringSubmatch(p.body)
		p = command.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if n := strings.Count(p.body, `<tr id="reconciliation-`); n != 1 || strings.Contains(p.body, `id="desk-next"`) || strings.Contains(p.body, rid) {
			t.Fatalf("second page: %d rows", n)
		}
		p.must(t, 200, `aria-current="page">对账<`)
	})
}
