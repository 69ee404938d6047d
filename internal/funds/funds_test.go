package funds_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/notify"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func fileCase(t *testing.T, db *store.DB, staff *intaketest.Staff, seed int) *cases.Case {
	t.Helper()
	c, err := store.TransactValue(staff.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, intaketest.Application(staff.CourtID, seed))
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err = store.TransactValue(staff.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return cases.Get(ctx, tx, c.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func respondent(c *cases.Case) uuid.UUID {
	for _, p := range c.Parties {
		if p.Role == "respondent" {
			return p.PartyID
		}
	}
	return uuid.Nil
}

func verify(t *testing.T, db *store.DB) *funds.Report {
	t.Helper()
	rep, err := funds.Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// FUND-1: filing opens one account per party of the case, each with a
// checkable virtual account number of its own.
func TestFilingOpensAccountPerParty(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5101)
		other := fileCase(t, db, staff, 5102)
		l, err := funds.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Accounts) != len(c.Parties) || len(l.Accounts) < 2 {
			t.Fatalf("%d accounts for %d parties", len(l.Accounts), len(c.Parties))
		}
		ol, err := funds.ForCase(staff.Judge, db, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i, a := range append(l.Accounts, ol.Accounts...) {
			if !legal.CheckVirtualAccountNo(a.Number) || seen[a.Number] {
				t.Errorf("account %d number %q: bad or repeated", i, a.Number)
			}
			seen[a.Number] = true
			if a.Kind != funds.Party || a.Balance != 0 || a.RoleName == "" {
				t.Errorf("account %+v", a)
			}
		}
		if want := "440607" + "2026"; !strings.HasPrefix(l.Accounts[0].Number, want[:6]) {
			t.Errorf("number %s does not start with the court's division code", l.Accounts[0].Number)
		}
		// Opening again changes nothing.
		again, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) ([]*funds.Account, error) {
			return funds.OpenCaseAccounts(ctx, tx, c.ID)
		})
		if err != nil || len(again) != len(l.Accounts) || again[0].ID != l.Accounts[0].ID {
			t.Errorf("opening twice: %v %d", err, len(again))
		}
		// Another court's staff cannot read the ledger.
		outsider := intaketest.NewStaff(t, db, "皖01")
		if _, err := funds.ForCase(outsider.Judge, db, c.ID); err == nil {
			t.Error("another court's judge read the ledger")
		}
	})
}

// A deduction's money is a receipt of the case, once however often the
// answer is applied; the custody account holds what the case is owed, the
// recovered amount grows, the parties are told (FUND-7), and Verify agrees.
func TestDeductionBecomesReceiptOnce(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5201)
		d := funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: 12_345_67, RequestID: uuid.New(),
			ReceiptRef: "HD20261122001", From: "银行存款 6222…4601（工商银行佛山分行）", AgencyName: "中国工商银行"}
		receive := func(d funds.Deduction) (*funds.Transfer, error) {
			return store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
				return funds.ReceiveDeduction(ctx, tx, d)
			})
		}
		first, err := receive(d)
		if err != nil {
			t.Fatal(err)
		}
		again, err := receive(d)
		if err != nil {
			t.Fatal(err)
		}
		if first.Repeat || !again.Repeat || again.ID != first.ID || first.AmountFen != 12_345_67 {
			t.Errorf("first %+v, again %+v: want one receipt", first, again)
		}
		changed := d
		changed.AmountFen++
		if _, err := receive(changed); err == nil || !strings.Contains(err.Error(), "参考号") {
			t.Errorf("same request, other amount: %v, want a conflict", err)
		}

		l, err := funds.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.ReceivedFen != 12_345_67 || l.HeldFen != 12_345_67 {
			t.Errorf("ledger received %d held %d", l.ReceivedFen, l.HeldFen)
		}
		for _, a := range l.Accounts {
			if want := int64(0); a.PartyID == d.PartyID {
				want = 12_345_67
				if a.Balance != want {
					t.Errorf("respondent's account %s = %d, want %d", a.Number, a.Balance, want)
				}
			} else if a.Balance != want {
				t.Errorf("account %s = %d, want 0", a.Number, a.Balance)
			}
		}
		pg, err := funds.CaseTransfers(staff.Judge, db, c.ID, page.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Items) != 1 || len(pg.Items[0].Postings) != 2 || pg.Items[0].Postings[0].Kind() != funds.Custody ||
			pg.Items[0].Postings[0].AmountFen != 12_345_67 || pg.Items[0].Postings[1].AmountFen != -12_345_67 ||
			!strings.Contains(pg.Items[0].Memo, "HD20261122001") || pg.Items[0].CreatedByName != "中国工商银行" {
			t.Errorf("transfers %+v", pg.Items)
		}
		got, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Get(ctx, tx, c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.RecoveredAmountFen != 12_345_67 {
			t.Errorf("recovered %d", got.RecoveredAmountFen)
		}
		timeline := ""
		for _, e := range got.Events {
			timeline += e.Summary + "\n"
		}
		if !strings.Contains(timeline, "收到执行款 ¥12,345.67") {
			t.Errorf("timeline lacks the receipt:\n%s", timeline)
		}
		msgs, err := notify.ForCase(context.Background(), db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		told := 0
		for _, m := range msgs {
			if m.Kind == "funds_received" {
				told++
			}
		}
		if told < 2 {
			t.Errorf("%d parties told of the money, want both sides", told)
		}
		rep := verify(t, db)
		if !rep.OK() || rep.Transfers != 1 || rep.Postings != 2 || len(rep.Courts) != 1 || rep.Courts[0].HeldFen != 12_345_67 ||
			rep.Courts[0].OwedFen != 12_345_67 {
			t.Errorf("verify: %+v", rep)
		}
	})
}

// The ledger is written once: the database itself refuses to change or
// delete a transfer or a posting, on both engines.
func TestLedgerIsAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5301)
		if _, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: 500,
				RequestID: uuid.New()})
		}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE fund_postings SET amount_fen = amount_fen * 2`,
			`DELETE FROM fund_postings`,
			`UPDATE fund_transfers SET amount_fen = 1`,
			`DELETE FROM fund_transfers`,
		} {
			err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, q)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", q, err)
			}
		}
		if rep := verify(t, db); !rep.OK() {
			t.Errorf("verify after refused changes: %v", rep.Problems)
		}
	})
}

// Verify finds what a broken writer or a hand in the database leaves: a
// kept balance that disagrees with the postings, an unbalanced transfer,
// and the custody account no longer matching what the court owes.
func TestVerifyFindsDamage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5401)
		tr, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: 10_000,
				RequestID: uuid.New()})
		})
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, q, args...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE fund_accounts SET balance_fen = balance_fen + 1 WHERE id = ?`, tr.Postings[1].AccountID)
		rep := verify(t, db)
		if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "记载余额") {
			t.Errorf("tampered balance: %v", rep.Problems)
		}
		exec(`UPDATE fund_accounts SET balance_fen = balance_fen - 1 WHERE id = ?`, tr.Postings[1].AccountID)
		if rep := verify(t, db); !rep.OK() {
			t.Fatalf("restored: %v", rep.Problems)
		}
		// A transfer written around the ledger's code: one posting only.
		bad := uuid.New()
		exec(`INSERT INTO fund_transfers (id, court_id, kind, amount_fen, created_by_name, created_at) VALUES (?, ?, 'receipt', 700, 'x', ?)`,
			bad, c.CourtID, tr.CreatedAt)
		exec(`INSERT INTO fund_postings (transfer_id, seq, account_id, amount_fen) VALUES (?, 1, ?, 700)`, bad, tr.Postings[0].AccountID)
		rep = verify(t, db)
		all := strings.Join(rep.Problems, "\n")
		if !strings.Contains(all, bad.String()) || !strings.Contains(all, "执行款专户应有") {
			t.Errorf("unbalanced transfer: %v", rep.Problems)
		}
	})
}

// FUND-1/FUND-3: a statement's money in finds its case by the virtual
// account number it was sent to or quotes; the rest waits on the suspense
// account to be claimed; importing again records nothing twice; a claim
// is a receipt of the case on the day the money arrived.
func TestStatementImportAndClaim(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5701)
		l, err := funds.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var debtorNo string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtorNo = a.Number
			}
		}
		matcher := intaketest.User(t, db, "粤0607", access.RoleCommandCenter, "")
		st := bank.Statement{Account: "粤0607-custody", Date: "2026-11-20", Lines: []bank.Line{
			{ID: "L1", Date: "2026-11-20", Direction: bank.Credit, AmountFen: 300_00, CounterpartyName: "某建筑公司", VirtualAccount: debtorNo},
			{ID: "L2", Date: "2026-11-20", Direction: bank.Credit, AmountFen: 200_00, CounterpartyName: "某建筑公司", Memo: "还款 " + debtorNo},
			{ID: "L3", Date: "2026-11-20", Direction: bank.Credit, AmountFen: 500_00, CounterpartyName: "张某", Memo: "执行款"},
			{ID: "L4", Date: "2026-11-20", Direction: bank.Debit, AmountFen: 100_00},
			{ID: "L5", Date: "bad", Direction: bank.Credit, AmountFen: 1},
			{ID: "L6", Date: "2026-11-20", Direction: bank.Credit, AmountFen: 700_00, Memo: debtorNo[:20] + "9"}, // a mistyped number
		}}
		imp := func(ctx context.Context) (*funds.ImportResult, error) {
			return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.ImportResult, error) {
				return funds.ImportStatement(ctx, tx, c.CourtID, st)
			})
		}
		if _, err := imp(staff.Judge); err == nil {
			t.Error("a judge imported the custody statement")
		}
		res, err := imp(matcher)
		if err != nil {
			t.Fatal(err)
		}
		if res.Matched != 2 || res.Unmatched != 2 || res.Ignored != 1 || len(res.Problems) != 1 || res.Repeats != 0 {
			t.Errorf("first import: %+v", res)
		}
		again, err := imp(matcher)
		if err != nil {
			t.Fatal(err)
		}
		if again.Matched+again.Unmatched != 0 || again.Repeats != 4 {
			t.Errorf("second import: %+v", again)
		}
		open, err := funds.UnmatchedList(matcher, db, true, page.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if len(open.Items) != 2 || open.Items[0].ClaimDue.Before(legal.MustDate("2026-11-23")) {
			t.Fatalf("open unmatched: %+v", open.Items)
		}
		var zhang *funds.Unmatched
		for _, u := range open.Items {
			if u.PayerName == "张某" {
				zhang = u
			}
		}
		claim := func(ctx context.Context, id, party uuid.UUID) (*funds.Unmatched, error) {
			return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Unmatched, error) {
				return funds.ClaimUnmatched(ctx, tx, id, c.ID, party)
			})
		}
		if _, err := claim(matcher, zhang.ID, uuid.New()); err == nil {
			t.Error("claimed for someone not in the case")
		}
		u, err := claim(matcher, zhang.ID, respondent(c))
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != "claimed" || u.CaseNo != c.CaseNo {
			t.Errorf("claimed: %+v", u)
		}
		if _, err := claim(matcher, zhang.ID, respondent(c)); err == nil || !strings.Contains(err.Error(), "已由") {
			t.Errorf("claimed twice: %v", err)
		}
		l, err = funds.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.ReceivedFen != 1000_00 || l.HeldFen != 1000_00 {
			t.Errorf("case ledger: received %d held %d", l.ReceivedFen, l.HeldFen)
		}
		st2, err := funds.CaseStatement(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range st2.Lines {
			if line.On != legal.MustDate("2026-11-20") {
				t.Errorf("payment dated %s, want the day the money arrived", line.On)
			}
		}
		rep := verify(t, db)
		if !rep.OK() || rep.Courts[0].HeldFen != 1700_00 {
			t.Errorf("verify: %+v", rep)
		}
	})
}

func TestParseStatementCSV(t *testing.T) {
	t.Parallel()
	good := "\ufeff流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号\n" +
		"A1,2026-11-20,收入,\"1,234.56\",某公司,6222000011112222,还款,\n" +
		"A2,2026-11-21,支出,100,申请人,6228000011112222,,\n"
	st, err := funds.ParseStatementCSV("粤0607-custody", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Lines) != 2 || st.Lines[0].AmountFen != 123_456 || st.Lines[0].Direction != bank.Credit || st.Lines[1].Direction != bank.Debit ||
		st.Date != "2026-11-21" {
		t.Errorf("parsed %+v", st)
	}
	for _, tc := range []struct{ name, csv, want string }{
		{"wrong header", "a,b\n", "表头"},
		{"bad amount", "流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号\nA1,2026-11-20,收入,12.345,x,y,,\n", "第 2 行"},
		{"bad direction", "流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号\nA1,2026-11-20,进账,1,x,y,,\n", "收支"},
		{"bad date", "流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号\nA1,20/11/2026,收入,1,x,y,,\n", "记账日期"},
		{"no id", "流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号\n,2026-11-20,收入,1,x,y,,\n", "流水号"},
	} {
		_, err := funds.ParseStatementCSV("x", strings.NewReader(tc.csv))
		if err == nil || !strings.Contains(fmt.Sprint(err)+problems(err), tc.want) {
			t.Errorf("%s: %v, want a refusal naming %q", tc.name, err, tc.want)
		}
	}
}

func problems(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, f := range e.Fields {
		b.WriteString(f.Detail + "\n")
	}
	return b.String()
}

// FUND-1 for a court without a division code (粤2072): its numbers are its
// own, not another such court's, and filing never leaves a party without
// an account.
func TestAccountNumbersOfCourtsWithoutDivisionCode(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		seen := map[string]string{}
		for i, code := range []string{"粤2072", "粤0491"} {
			staff := intaketest.NewStaff(t, db, code)
			c := fileCase(t, db, staff, 5801+i)
			l, err := funds.ForCase(staff.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Accounts) != len(c.Parties) {
				t.Fatalf("%s: %d accounts for %d parties", code, len(l.Accounts), len(c.Parties))
			}
			for _, a := range l.Accounts {
				if other, dup := seen[a.Number]; dup || !legal.CheckVirtualAccountNo(a.Number) || !strings.HasPrefix(a.Number, "44") {
					t.Errorf("%s: number %s (also %s's)", code, a.Number, other)
				}
				seen[a.Number] = code
			}
		}
	})
}

// The ledger refuses to take more from a party's account than it holds, in
// the statement that posts it; a refused transfer leaves nothing behind.
func TestOverdraftRefused(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5901)
		if _, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: 1_000,
				RequestID: uuid.New()})
		}); err != nil {
			t.Fatal(err)
		}
		move := func(fen int64) error {
			return db.Transact(staff.Sys, func(ctx context.Context, tx *store.Tx) error {
				accounts, err := funds.OpenCaseAccounts(ctx, tx, c.ID)
				if err != nil {
					return err
				}
				var from, to *funds.Account
				for _, a := range accounts {
					if a.Role == "respondent" {
						from = a
					} else {
						to = a
					}
				}
				_, err = funds.Post(ctx, tx, &funds.Transfer{CourtID: c.CourtID, CaseID: c.ID, Kind: funds.KindAllocation,
					Postings: []funds.Posting{funds.Debit(from, fen), funds.Credit(to, fen)}})
				return err
			})
		}
		if err := move(1_001); apperr.CodeOf(err) != "insufficient_balance" || !strings.Contains(err.Error(), "被执行人") {
			t.Errorf("overdraft: %v", err)
		}
		rep := verify(t, db)
		if !rep.OK() || rep.Transfers != 1 {
			t.Errorf("after the refusal: %+v", rep)
		}
		if err := move(1_000); err != nil {
			t.Errorf("the whole balance: %v", err)
		}
		if rep := verify(t, db); !rep.OK() || rep.Transfers != 2 {
			t.Errorf("after the move: %+v", rep)
		}
	})
}
