package bank

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestBatchSettles(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	batch := []bank.Instruction{
		payout(fen(12_000), "6222021234567890123"),
		payout(fen(3_000), "6217000012345678"),
		payout(50, "6228480012345678901"),
	}
	for i, a := range h.send(batch...) {
		if a.Status != bank.AckAccepted || a.Ref != batch[i].Ref || a.Reason != "" || a.Code != "" {
			t.Fatalf("ack %d: %+v", i, a)
		}
	}
	if rs := h.results(0, 0); len(rs.Results) != 0 || rs.Next != 0 {
		t.Fatalf("results before anything was carried out: %+v", rs)
	}
	if st := h.sim.Stats(); st.Pending != 3 || st.Accepted != 3 || st.Received != 3 {
		t.Fatalf("stats %+v", st)
	}
	if n := h.run(); n != 3 {
		t.Fatalf("carried out %d, want 3", n)
	}
	st := h.statement(custody, h.today())
	if st.OpeningFen != 10_000_000 || len(st.Lines) != 3 {
		t.Fatalf("statement %+v", st)
	}
	var paid int64
	for i, in := range batch {
		r := h.result(in.Ref)
		wantStatus(t, r, bank.Settled)
		if r.Seq != int64(i+1) || r.AmountFen != in.AmountFen || r.BankRef == "" || !r.At.Equal(t0) {
			t.Errorf("result %d: %+v", i, r)
		}
		ls := linesOf(st, in.Ref)
		if len(ls) != 1 {
			t.Fatalf("instruction %d: %d lines", i, len(ls))
		}
		l := ls[0]
		if l.ID != r.BankRef || l.Direction != bank.Debit || l.AmountFen != in.AmountFen || l.CounterpartyAccount != in.PayeeAccount ||
			l.CounterpartyName != in.PayeeName || l.Memo != in.Purpose || l.Date != "2025-03-14" || l.VirtualAccount != "" {
			t.Errorf("line %d: %+v", i, l)
		}
		paid += in.AmountFen
	}
	if st.ClosingFen != 10_000_000-paid || h.balance(custody) != st.ClosingFen {
		t.Errorf("closing %d, balance %d, want %d", st.ClosingFen, h.balance(custody), 10_000_000-paid)
	}
	if n := h.run(); n != 0 {
		t.Errorf("carried out %d more", n)
	}
	if s := h.sim.Stats(); s.Settled != 3 || s.Pending != 0 || s.DoublePayments != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestDelays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.TimeScale = 1 })
	q := payout(fen(100), "6222021234567890123")
	d := SettleDelay(1, q.Ref)
	if d < SettleMin || d > SettleMax || d != SettleDelay(1, q.Ref) {
		t.Fatalf("delay %s", d)
	}
	h.accept(q)
	h.clock.Add(d - time.Millisecond)
	if n := h.run(); n != 0 {
		t.Fatalf("carried out %d before its time", n)
	}
	h.clock.Add(time.Millisecond)
	if n := h.run(); n != 1 {
		t.Fatalf("carried out %d at its time", n)
	}
	if r := h.result(q.Ref); !r.At.Equal(t0.Add(d)) {
		t.Errorf("settled at %s, want %s", r.At, t0.Add(d))
	}
	// A time scale shortens the delay.
	h2 := newHarness(t, func(o *Options) { o.TimeScale = 0.01 })
	h2.accept(q)
	h2.clock.Add(d / 100)
	if n := h2.run(); n != 1 {
		t.Errorf("at time scale 0.01: carried out %d after %s", n, d/100)
	}
}

func TestDuplicateNeverPaysTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := payout(fen(1_000), "6222021234567890123")
	acks := h.send(q, q) // the same reference twice in one batch
	if acks[0].Status != bank.AckAccepted || acks[1].Status != bank.AckDuplicate || acks[1].Code != "" {
		t.Fatalf("acks %+v", acks)
	}
	if a := h.send(q)[0]; a.Status != bank.AckDuplicate {
		t.Fatalf("resent before it was carried out: %+v", a)
	}
	if n := h.run(); n != 1 {
		t.Fatalf("carried out %d", n)
	}
	if a := h.send(q)[0]; a.Status != bank.AckDuplicate {
		t.Fatalf("resent after: %+v", a)
	}
	changed := q
	changed.AmountFen *= 2
	if a := h.send(changed)[0]; a.Status != bank.AckDuplicate || a.Code != bank.CodeChanged || !strings.Contains(a.Reason, "以原指令为准") {
		t.Fatalf("changed resend: %+v", a)
	}
	if n := h.run(); n != 0 {
		t.Fatalf("carried out %d more", n)
	}
	h.result(q.Ref)
	st := h.statement(custody, h.today())
	if ls := linesOf(st, q.Ref); len(ls) != 1 || ls[0].AmountFen != q.AmountFen {
		t.Fatalf("lines %+v", ls)
	}
	if b := h.balance(custody); b != 10_000_000-q.AmountFen {
		t.Errorf("balance %d", b)
	}
	if s := h.sim.Stats(); s.Accepted != 1 || s.Duplicates != 4 || s.Settled != 1 || s.DoublePayments != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestMalformedInstructionsRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	cases := []struct {
		name   string
		mod    func(*bank.Instruction)
		code   string
		reason string
	}{
		{"zero amount", func(q *bank.Instruction) { q.AmountFen = 0 }, bank.CodeInvalid, "金额"},
		{"negative amount", func(q *bank.Instruction) { q.AmountFen = -100 }, bank.CodeInvalid, "金额"},
		{"amount above the limit", func(q *bank.Instruction) { q.AmountFen = legal.MaxAmountFen + 1 }, bank.CodeInvalid, "上限"},
		{"no payee account", func(q *bank.Instruction) { q.PayeeAccount = "" }, bank.CodeInvalid, "收款人账号"},
		{"payee account not digits", func(q *bank.Instruction) { q.PayeeAccount = "6222-0212-3456" }, bank.CodeInvalid, "数字"},
		{"no payee name", func(q *bank.Instruction) { q.PayeeName = "  " }, bank.CodeInvalid, "收款人户名"},
		{"no ref", func(q *bank.Instruction) { q.Ref = "" }, bank.CodeInvalid, "指令编号"},
		{"no account", func(q *bank.Instruction) { q.Account = "" }, bank.CodeInvalid, "付款专户"},
		{"unknown account", func(q *bank.Instruction) { q.Account = "44060401040099999" }, bank.CodeUnknownAccount, "不是本行开立的执行款专户"},
		{"paying itself", func(q *bank.Instruction) { q.PayeeAccount = custody }, bank.CodeInvalid, "付款专户本身"},
	}
	var batch []bank.Instruction
	for _, c := range cases {
		q := payout(fen(10), "6222021234567890123")
		c.mod(&q)
		batch = append(batch, q)
	}
	good := payout(fen(10), "6222021234567890123")
	batch = append(batch, good)
	acks := h.send(batch...)
	for i, c := range cases {
		a := acks[i]
		if a.Status != bank.AckRejected || a.Code != c.code || !strings.Contains(a.Reason, c.reason) {
			t.Errorf("%s: %+v, want rejected %s %q", c.name, a, c.code, c.reason)
		}
	}
	if a := acks[len(cases)]; a.Status != bank.AckAccepted {
		t.Fatalf("the good one: %+v", a)
	}
	// A rejected reference is not remembered: corrected, it is accepted.
	fixed := batch[0]
	fixed.AmountFen = fen(20)
	if a := h.send(fixed)[0]; a.Status != bank.AckAccepted {
		t.Fatalf("corrected: %+v", a)
	}
	if n := h.run(); n != 2 {
		t.Fatalf("carried out %d, want 2", n)
	}
	if st := h.statement(custody, h.today()); len(st.Lines) != 2 {
		t.Errorf("lines %+v", st.Lines)
	}
	if s := h.sim.Stats(); s.Rejected != int64(len(cases)) || s.Accepted != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestBadSignature(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx := context.Background()
	q := payout(fen(10), "6222021234567890123")
	clients := map[string]*bank.HTTPClient{
		"wrong secret":    {Base: h.srv.URL, KeyID: testKeyID, Secret: []byte("another secret of 32 bytes......"), Now: h.clock.Now},
		"unknown key":     {Base: h.srv.URL, KeyID: "someone", Secret: testSecret, Now: h.clock.Now},
		"stale":           {Base: h.srv.URL, KeyID: testKeyID, Secret: testSecret, Now: func() time.Time { return h.clock.Now().Add(-10 * time.Minute) }},
		"from the future": {Base: h.srv.URL, KeyID: testKeyID, Secret: testSecret, Now: func() time.Time { return h.clock.Now().Add(10 * time.Minute) }},
	}
	for name, c := range clients {
		if _, err := c.Send(ctx, []bank.Instruction{q}); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("%s: send: %v", name, err)
		}
		if _, err := c.Results(ctx, 0, 0); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("%s: results: %v", name, err)
		}
		if _, err := c.Statement(ctx, custody, h.today()); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("%s: statement: %v", name, err)
		}
	}
	for _, path := range []string{bank.PathResults, "/sim/stats", "/sim/accounts"} {
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned GET %s: HTTP %d", path, resp.StatusCode)
		}
	}
	resp, err := http.Post(h.srv.URL+"/sim/payments", "application/json", strings.NewReader(`{"account":"`+custody+`","payer_name":"张三","amount_fen":100}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned payment: HTTP %d", resp.StatusCode)
	}
	if resp, err := http.Get(h.srv.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %v", err)
	} else {
		resp.Body.Close()
	}
	if s := h.sim.Stats(); s.Unauthorized != 4*3+4 || s.Received != 0 || s.PaymentsIn != 0 {
		t.Errorf("stats %+v", s)
	}
	// The right key still works.
	h.accept(q)
}

func TestResultsCursor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var batch []bank.Instruction
	for range 7 {
		batch = append(batch, payout(fen(10), "6222021234567890123"))
	}
	h.accept(batch...)
	if n := h.run(); n != 7 {
		t.Fatalf("carried out %d", n)
	}
	after := int64(0)
	var got []string
	for _, want := range []int{3, 3, 1, 0} {
		rs := h.results(after, 3)
		if len(rs.Results) != want {
			t.Fatalf("after %d: %d results, want %d", after, len(rs.Results), want)
		}
		for i, r := range rs.Results {
			if r.Seq != after+int64(i)+1 {
				t.Fatalf("after %d: seq %d at %d", after, r.Seq, i)
			}
			got = append(got, r.Ref)
		}
		if want > 0 && rs.Next != rs.Results[len(rs.Results)-1].Seq || want == 0 && rs.Next != after {
			t.Fatalf("after %d: next %d", after, rs.Next)
		}
		after = rs.Next
	}
	for i, q := range batch { // results come in the order instructions were accepted
		if got[i] != q.Ref {
			t.Fatalf("result %d is for %s, want %s", i, got[i], q.Ref)
		}
	}
	if rs := h.results(0, 0); len(rs.Results) != 7 || rs.Next != 7 {
		t.Errorf("limit 0: %d results, next %d", len(rs.Results), rs.Next)
	}
	if rs := h.results(100, 0); len(rs.Results) != 0 || rs.Next != 100 {
		t.Errorf("after the end: %+v", rs)
	}
	for _, q := range []string{"after=-1", "after=x", "limit=-2", "limit=1.5"} {
		if resp := h.signed(http.MethodGet, bank.PathResults+"?"+q, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d", q, resp.StatusCode)
		}
	}
	if _, err := h.client.Results(context.Background(), -1, 0); err == nil {
		t.Error("the client asked after -1")
	}
}

func TestStatementDays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx := context.Background()
	va := legal.VirtualAccountNo("440604", 2025, 1, 1234, 2)
	// 14 March: money in, a payout; a payment just before midnight (Beijing time).
	_, err := h.sim.Pay(custody, PaymentIn{PayerName: "张三", PayerAccount: "6222020200112233445", AmountFen: fen(5_000), Memo: "还款", VirtualAccount: va})
	must(t, err)
	q1 := payout(fen(2_000), "6222021234567890123")
	h.accept(q1)
	h.run()
	h.clock.Add(13*time.Hour + 59*time.Minute + 30*time.Second) // 23:59:30
	_, err = h.sim.Pay(custody, PaymentIn{PayerName: "张三", AmountFen: fen(100), Memo: "现金缴存"})
	must(t, err)
	// 15 March 00:00:30 in Beijing is still 14 March in UTC: booked on the 15th.
	h.clock.Add(time.Minute)
	if utc := h.clock.Now().UTC(); utc.Day() != 14 {
		t.Fatalf("test clock %s", utc)
	}
	l, err := h.sim.Pay(custody, PaymentIn{PayerName: "李五", PayerAccount: "6222020200112233446", AmountFen: fen(200), VirtualAccount: va})
	must(t, err)
	if l.Date != "2025-03-15" || !strings.HasPrefix(l.ID, "20250315") {
		t.Fatalf("line after midnight in Beijing: %+v", l)
	}
	// 17 March: a payout.
	h.clock.Add(2 * 24 * time.Hour)
	q2 := payout(fen(1_000), "6222021234567890123")
	h.accept(q2)
	h.run()

	days := []string{"2025-03-13", "2025-03-14", "2025-03-15", "2025-03-16", "2025-03-17"}
	wantLines := []int{0, 3, 1, 0, 1}
	prev := int64(10_000_000)
	ids := map[string]bool{}
	for i, d := range days {
		st := h.statement(custody, d)
		if st.OpeningFen != prev {
			t.Errorf("%s: opening %d, previous closing %d", d, st.OpeningFen, prev)
		}
		if len(st.Lines) != wantLines[i] {
			t.Errorf("%s: %d lines, want %d: %+v", d, len(st.Lines), wantLines[i], st.Lines)
		}
		for _, l := range st.Lines {
			if ids[l.ID] || !strings.HasPrefix(l.ID, strings.ReplaceAll(d, "-", "")) || legal.DateOf(l.At).String() != d {
				t.Errorf("%s: line %+v", d, l)
			}
			ids[l.ID] = true
		}
		prev = st.ClosingFen
	}
	if want := int64(10_000_000 + fen(5_000) - fen(2_000) + fen(100) + fen(200) - fen(1_000)); prev != want || h.balance(custody) != want {
		t.Errorf("closing %d, balance %d, want %d", prev, h.balance(custody), want)
	}
	if _, err := h.client.Statement(ctx, custody, "2025-03-18"); statusOf(err) != http.StatusBadRequest {
		t.Errorf("tomorrow's statement: %v", err)
	}
	if _, err := h.client.Statement(ctx, "44060401040099999", "2025-03-14"); statusOf(err) != http.StatusNotFound {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := h.client.Statement(ctx, custody, "2025-02-30"); err == nil {
		t.Error("the client asked for 30 February")
	}
	for _, q := range []string{"account=" + custody + "&date=2025-02-30", "account=" + custody, "date=2025-03-14"} {
		if resp := h.signed(http.MethodGet, bank.PathStatement+"?"+q, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d", q, resp.StatusCode)
		}
	}
}

func TestPaymentIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	va := legal.VirtualAccountNo("440604", 2025, 1, 1234, 2)
	in := PaymentIn{PayerName: "佛山市某某贸易有限公司", PayerAccount: "44050111223300001234", AmountFen: 1_234_567,
		Memo: "（2025）粤0604执1234号 履行款", VirtualAccount: va}
	l1, err := h.sim.Pay(custody, in)
	must(t, err)
	if l1.ID == "" || l1.Direction != bank.Credit || l1.AmountFen != in.AmountFen || l1.Memo != in.Memo || l1.VirtualAccount != va ||
		l1.CounterpartyName != in.PayerName || l1.CounterpartyAccount != in.PayerAccount || l1.InstructionRef != "" || l1.Date != "2025-03-14" {
		t.Fatalf("line %+v", l1)
	}
	var l2 bank.Line
	h.signedJSON(http.MethodPost, "/sim/payments", map[string]any{"account": custody, "payer_name": "张三", "amount_fen": 50_000,
		"memo": "代张三还款 " + va}, http.StatusOK, &l2)
	if l2.ID == "" || l2.ID == l1.ID || l2.VirtualAccount != "" || l2.CounterpartyAccount != "" || l2.AmountFen != 50_000 {
		t.Fatalf("line %+v", l2)
	}
	st := h.statement(custody, h.today())
	if len(st.Lines) != 2 || st.Lines[0].ID != l1.ID || st.Lines[1].ID != l2.ID || st.Lines[0].VirtualAccount != va ||
		st.Lines[1].Memo != "代张三还款 "+va {
		t.Fatalf("statement %+v", st)
	}
	if st.ClosingFen != 10_000_000+1_234_567+50_000 {
		t.Errorf("closing %d", st.ClosingFen)
	}
	bad := []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"account": custody, "payer_name": "张三", "amount_fen": 0}, http.StatusBadRequest},
		{map[string]any{"account": custody, "payer_name": "张三", "amount_fen": -5}, http.StatusBadRequest},
		{map[string]any{"account": custody, "payer_name": "", "amount_fen": 5}, http.StatusBadRequest},
		{map[string]any{"account": custody, "payer_name": "张三", "payer_account": "a b", "amount_fen": 5}, http.StatusBadRequest},
		{map[string]any{"account": custody, "payer_name": "张三", "amount_fen": 5, "colour": "red"}, http.StatusBadRequest},
		{map[string]any{"account": "44060401040099999", "payer_name": "张三", "amount_fen": 5}, http.StatusNotFound},
	}
	for _, b := range bad {
		h.signedJSON(http.MethodPost, "/sim/payments", b.body, b.status, nil)
	}
	if s := h.sim.Stats(); s.PaymentsIn != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestReturnedPayoutComesBackAsCredit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.TimeScale = 1 })
	bounce := payout(fen(8_000), "6222021234560000")
	fine := payout(fen(1_000), "6222021234567890123")
	h.accept(bounce, fine)
	settleDay := h.today()
	h.clock.Add(SettleMax)
	if n := h.run(); n != 2 {
		t.Fatalf("carried out %d", n)
	}
	settled := h.result(bounce.Ref)
	wantStatus(t, settled, bank.Settled)
	if b := h.balance(custody); b != 10_000_000-fen(9_000) {
		t.Fatalf("balance %d after paying", b)
	}
	if s := h.sim.Stats(); s.ReturnsPending != 1 {
		t.Fatalf("stats %+v", s)
	}
	paidAt := settled.At
	d := ReturnDelay(1, bounce.Ref)
	if d < ReturnMin || d > ReturnMax {
		t.Fatalf("return delay %s", d)
	}
	h.clock.Add(paidAt.Add(d).Sub(h.clock.Now()) - time.Millisecond)
	if n := h.run(); n != 0 {
		t.Fatalf("returned %d before its time", n)
	}
	h.clock.Add(time.Millisecond)
	if n := h.run(); n != 1 {
		t.Fatalf("returned %d at its time", n)
	}
	rs := h.resultsOf(bounce.Ref)
	if len(rs) != 2 || rs[0].Status != bank.Settled || rs[1].Status != bank.Returned || rs[1].Seq <= rs[0].Seq {
		t.Fatalf("results %+v", rs)
	}
	ret := rs[1]
	if ret.Code != bank.CodePayeeReturned || ret.AmountFen != bounce.AmountFen || ret.BankRef == "" || ret.BankRef == settled.BankRef || ret.Reason == "" {
		t.Errorf("returned %+v", ret)
	}
	// The debit on the day it was paid, the credit on the day it came back.
	var lines []bank.Line
	for day := legal.MustDate(settleDay); !day.After(legal.Today(h.clock.Now())); day = day.AddDays(1) {
		lines = append(lines, linesOf(h.statement(custody, day.String()), bounce.Ref)...)
	}
	if len(lines) != 2 || lines[0].Direction != bank.Debit || lines[0].ID != settled.BankRef ||
		lines[1].Direction != bank.Credit || lines[1].ID != ret.BankRef || lines[1].AmountFen != bounce.AmountFen ||
		lines[1].CounterpartyAccount != bounce.PayeeAccount || !strings.Contains(lines[1].Memo, "退汇") {
		t.Fatalf("lines %+v", lines)
	}
	if b := h.balance(custody); b != 10_000_000-fen(1_000) {
		t.Errorf("balance %d after the return", b)
	}
	if rs := h.resultsOf(fine.Ref); len(rs) != 1 || rs[0].Status != bank.Settled {
		t.Errorf("the other payout: %+v", rs)
	}
	h.clock.Add(ReturnMax)
	if n := h.run(); n != 0 {
		t.Errorf("%d more results", n)
	}
}

func TestInsufficientBalanceFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	must(t, h.sim.OpenAccount(custody2, "佛山市南海区人民法院", fen(10_000)))
	a, b := payout(fen(6_000), "6222021234567890123"), payout(fen(6_000), "6222021234567890124")
	a.Account, b.Account = custody2, custody2
	h.accept(a, b)
	h.run()
	wantStatus(t, h.result(a.Ref), bank.Settled)
	r := h.result(b.Ref)
	wantStatus(t, r, bank.Failed)
	if r.Code != bank.CodeInsufficientFunds || !strings.Contains(r.Reason, "余额不足") || r.BankRef != "" || r.AmountFen != 0 {
		t.Errorf("failed %+v", r)
	}
	st := h.statement(custody2, h.today())
	if len(st.Lines) != 1 || st.Lines[0].InstructionRef != a.Ref || st.ClosingFen != fen(4_000) {
		t.Fatalf("statement %+v", st)
	}
	// A failed reference is finished: sent again it is a duplicate; a new
	// attempt is a new instruction.
	if ack := h.send(b)[0]; ack.Status != bank.AckDuplicate {
		t.Fatalf("resent failed: %+v", ack)
	}
	_, err := h.sim.Pay(custody2, PaymentIn{PayerName: "张三", PayerAccount: "6222020200112233445", AmountFen: fen(5_000)})
	must(t, err)
	c := b
	c.Ref = b.Ref + "-2"
	h.accept(c)
	h.run()
	wantStatus(t, h.result(c.Ref), bank.Settled)
	if bal := h.balance(custody2); bal != fen(3_000) {
		t.Errorf("balance %d", bal)
	}
	if s := h.sim.Stats(); s.Failed != 1 || s.Settled != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx := context.Background()
	h.signedJSON(http.MethodPut, "/sim/faults", Fault{Down: true}, http.StatusNoContent, nil)
	q := payout(fen(10), "6222021234567890123")
	busy := func(what string, err error) {
		t.Helper()
		var be *bank.BusyError
		if !errors.As(err, &be) || be.Status != http.StatusServiceUnavailable || be.RetryAfter != DownRetryAfter || !strings.Contains(be.Message, "维护") {
			t.Errorf("%s while down: %v", what, err)
		}
	}
	_, err := h.client.Send(ctx, []bank.Instruction{q})
	busy("send", err)
	_, err = h.client.Results(ctx, 0, 0)
	busy("results", err)
	_, err = h.client.Statement(ctx, custody, h.today())
	busy("statement", err)
	_, err = h.sim.Send(ctx, []bank.Instruction{q}) // without HTTP, the same
	busy("direct send", err)
	// Money still comes in.
	h.signedJSON(http.MethodPost, "/sim/payments", map[string]any{"account": custody, "payer_name": "张三", "amount_fen": 100}, http.StatusOK, nil)
	if s := h.sim.Stats(); s.Accepted != 0 || s.Faults != 4 || s.PaymentsIn != 1 {
		t.Errorf("stats %+v", s)
	}
	h.signedJSON(http.MethodPut, "/sim/faults", Fault{FailAfterAccept: 2}, http.StatusBadRequest, nil)
	h.signedJSON(http.MethodPut, "/sim/faults", Fault{}, http.StatusNoContent, nil)
	h.accept(q)
}

func TestFailAfterAcceptThenResend(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withJournal(t))
	ctx := context.Background()
	h.signedJSON(http.MethodPut, "/sim/faults", Fault{FailAfterAccept: 1}, http.StatusNoContent, nil)
	a, b := payout(fen(100), "6222021234567890123"), payout(fen(200), "6222021234567890124")
	_, err := h.client.Send(ctx, []bank.Instruction{a, b})
	var se *bank.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusInternalServerError {
		t.Fatalf("send: %v", err)
	}
	h.sim.SetFault(Fault{})
	for i, ack := range h.send(a, b) {
		if ack.Status != bank.AckDuplicate {
			t.Fatalf("resend %d: %+v", i, ack)
		}
	}
	if n := h.run(); n != 2 {
		t.Fatalf("carried out %d", n)
	}
	st := h.statement(custody, h.today())
	for _, q := range []bank.Instruction{a, b} {
		if ls := linesOf(st, q.Ref); len(ls) != 1 {
			t.Errorf("%s paid %d times", q.Ref, len(ls))
		}
		h.result(q.Ref)
	}
	// What was answered 500 was journaled: a crash does not lose it.
	h.restart(true)
	for _, ack := range h.send(a, b) {
		if ack.Status != bank.AckDuplicate {
			t.Fatalf("after restart: %+v", ack)
		}
	}
	if s := h.sim.Stats(); s.DoublePayments != 0 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx := context.Background()
	big := make([]bank.Instruction, bank.MaxBatch+1)
	for i := range big {
		big[i] = payout(1, "6222021234567890123")
	}
	if _, err := h.client.Send(ctx, big); err == nil {
		t.Error("the client sent more than MaxBatch")
	}
	if _, err := h.sim.Send(ctx, big); statusOf(err) != http.StatusRequestEntityTooLarge {
		t.Errorf("direct: %v", err)
	}
	h.signedJSON(http.MethodPost, bank.PathInstructions, bank.Batch{Instructions: big}, http.StatusRequestEntityTooLarge, nil)
	if resp := h.signed(http.MethodPost, bank.PathInstructions, []byte(`{"instructions":`)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed batch: HTTP %d", resp.StatusCode)
	}
	if acks := h.send(); len(acks) != 0 {
		t.Errorf("empty batch: %+v", acks)
	}
	if s := h.sim.Stats(); s.Received != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var info AccountInfo
	h.signedJSON(http.MethodPost, "/sim/accounts", map[string]any{"number": custody2, "name": "佛山市南海区人民法院", "opening_fen": 500}, http.StatusCreated, &info)
	if info.Number != custody2 || info.BalanceFen != 500 || info.OpeningFen != 500 {
		t.Errorf("opened %+v", info)
	}
	h.signedJSON(http.MethodPost, "/sim/accounts", map[string]any{"number": custody2, "name": "又一个"}, http.StatusConflict, nil)
	h.signedJSON(http.MethodPost, "/sim/accounts", map[string]any{"number": "12 ab", "name": "坏账号"}, http.StatusBadRequest, nil)
	h.signedJSON(http.MethodPost, "/sim/accounts", map[string]any{"number": "123456789", "name": "", "opening_fen": 1}, http.StatusBadRequest, nil)
	h.signedJSON(http.MethodPost, "/sim/accounts", map[string]any{"number": "123456789", "name": "负数", "opening_fen": -1}, http.StatusBadRequest, nil)
	var list []AccountInfo
	h.signedJSON(http.MethodGet, "/sim/accounts", nil, http.StatusOK, &list)
	if len(list) != 2 || list[0].Number != custody || list[1].Number != custody2 {
		t.Errorf("accounts %+v", list)
	}
	// The day before an account was opened shows its opening balance.
	if st := h.statement(custody2, "2025-01-01"); st.OpeningFen != 500 || st.ClosingFen != 500 || len(st.Lines) != 0 {
		t.Errorf("before opening: %+v", st)
	}
}

func TestAutoOpen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.AutoOpen, o.AutoOpenFen = true, fen(1_000) })
	const other = "44060501040011111"
	// Not used yet: a statement shows what opening will give, and opens nothing.
	if st := h.statement(other, h.today()); st.OpeningFen != fen(1_000) || st.ClosingFen != fen(1_000) {
		t.Errorf("statement of a new account: %+v", st)
	}
	if s := h.sim.Stats(); s.Accounts != 1 {
		t.Errorf("stats %+v", s)
	}
	q := payout(fen(300), "6222021234567890123")
	q.Account = other
	h.accept(q)
	h.run()
	wantStatus(t, h.result(q.Ref), bank.Settled)
	_, err := h.sim.Pay("44060601040022222", PaymentIn{PayerName: "张三", AmountFen: 100})
	must(t, err)
	if b := h.balance(other); b != fen(700) {
		t.Errorf("balance %d", b)
	}
	if b := h.balance("44060601040022222"); b != fen(1_000)+100 {
		t.Errorf("balance %d", b)
	}
	// zhixing's own name for a court's custody account will do.
	named := payout(fen(1), "6222021234567890123")
	named.Account = "粤0604-custody"
	h.accept(named)
	h.run()
	if st := h.statement(named.Account, h.today()); len(st.Lines) != 1 || st.ClosingFen != fen(1_000)-fen(1) {
		t.Errorf("statement of %s: %+v", named.Account, st)
	}
	bad := payout(fen(1), "6222021234567890123")
	bad.Account = "not a number"
	if a := h.send(bad)[0]; a.Status != bank.AckRejected || a.Code != bank.CodeUnknownAccount {
		t.Errorf("malformed account number: %+v", a)
	}
}

func TestDirectClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var c bank.Client = h.sim
	ctx := context.Background()
	q := payout(fen(10), "6222021234567890123")
	acks, err := c.Send(ctx, []bank.Instruction{q})
	if err != nil || len(acks) != 1 || acks[0].Status != bank.AckAccepted {
		t.Fatalf("send: %+v %v", acks, err)
	}
	h.run()
	rs, err := c.Results(ctx, 0, 0)
	if err != nil || len(rs.Results) != 1 || rs.Results[0].Ref != q.Ref {
		t.Fatalf("results %+v %v", rs, err)
	}
	st, err := c.Statement(ctx, custody, h.today())
	if err != nil || len(st.Lines) != 1 || st.Check() != nil {
		t.Fatalf("statement %+v %v", st, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Send(cancelled, []bank.Instruction{payout(1, "6222021234567890123")}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRunCarriesOutOnItsOwn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	done := make(chan int, 10)
	h.sim.processed = func(n int) { done <- n }
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- h.sim.Run(ctx) }()
	q := payout(fen(10), "6222021234567890123")
	h.accept(q)
	select {
	case n := <-done:
		if n != 1 {
			t.Fatalf("carried out %d", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not carry out the instruction")
	}
	wantStatus(t, h.result(q.Ref), bank.Settled)
	cancel()
	if err := <-stopped; err != nil {
		t.Errorf("Run: %v", err)
	}
}
