package funds

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Money in from the custody account's statement (FUND-1, FUND-3): a payer
// who sends money to a case's virtual account number, or quotes it in the
// remittance text, is matched to that party's account at once; money that
// names no account goes to the suspense account, to be claimed for a case
// within the court's claim period (不明款认领).

// ImportResult is what importing a statement did.
type ImportResult struct {
	Lines     int // credit lines read
	Matched   int // recorded as receipts of cases
	Unmatched int // recorded as unidentified money
	Repeats   int // recorded before
	Known     int // money the ledger already holds under the bank's own reference (a deduction)
	Ignored   int // debits and returns (their own results record them)
	Problems  []string
}

// virtualNo finds virtual account numbers in remittance text.
var virtualNo = regexp.MustCompile(`\d{21,}`)

// ImportStatement records the money in of a day's statement of a court's
// custody account (funds.match). Each line is recorded once, however often
// the statement is imported (the line's id is the transfer's reference).
func ImportStatement(ctx context.Context, tx *store.Tx, courtID uuid.UUID, st bank.Statement) (*ImportResult, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.FundsMatch); err != nil {
		return nil, err
	}
	if !p.Sees(courtID) {
		return nil, apperr.NotFoundf("法院")
	}
	custody, err := courtAccount(ctx, tx, courtID, Custody)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	v, err := ruleparams.Resolve(ctx, tx, courtID, today)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	for _, l := range st.Lines {
		if l.Direction != bank.Credit || l.InstructionRef != "" {
			res.Ignored++
			continue
		}
		res.Lines++
		l.ID = strings.TrimSpace(l.ID)
		on, err := legal.ParseDate(l.Date)
		if l.ID == "" || err != nil || l.AmountFen <= 0 || l.AmountFen > legal.MaxAmountFen {
			res.Problems = append(res.Problems, fmt.Sprintf("流水 %q（%s，%d 分）无法识别，未入账", l.ID, l.Date, l.AmountFen))
			continue
		}
		// A deduction moved by another bank reaches the custody account as a
		// line quoting the receipt number the agency gave: the ledger has
		// that money already.
		if known, err := knownLine(ctx, tx, courtID, l); err != nil {
			return nil, err
		} else if known {
			res.Known++
			continue
		}
		acc, err := matchLine(ctx, tx, courtID, l)
		if err != nil {
			return nil, err
		}
		from := strings.TrimSpace(l.CounterpartyName + " " + l.CounterpartyAccount)
		memo := fmt.Sprintf("银行流水 %s：%s 汇入", l.ID, from)
		if l.Memo != "" {
			memo += "，附言“" + textutil.Truncate(l.Memo, 100) + "”"
		}
		t := &Transfer{CourtID: courtID, Ref: "statement:" + l.ID, Memo: memo, ValueOn: on, CreatedByName: "托管银行"}
		if acc != nil {
			t.Kind, t.CaseID = KindReceipt, acc.CaseID
			t.Postings = []Posting{debit(custody, l.AmountFen), credit(acc, l.AmountFen)}
		} else {
			suspense, err := courtAccount(ctx, tx, courtID, Suspense)
			if err != nil {
				return nil, err
			}
			t.Kind = KindUnidentified
			t.Postings = []Posting{debit(custody, l.AmountFen), credit(suspense, l.AmountFen)}
		}
		// A line matched before and a line parked before are both repeats.
		var seen int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM fund_transfers WHERE court_id = ? AND kind IN ('receipt', 'unidentified')
			AND ref = ? AND ref <> ''`,
			courtID, t.Ref).Scan(&seen); err != nil {
			return nil, err
		}
		if seen > 0 {
			res.Repeats++
			continue
		}
		if t, err = post(ctx, tx, t); err != nil {
			return nil, err
		}
		if acc != nil {
			if err := received(ctx, tx, t, acc, memo); err != nil {
				return nil, err
			}
			res.Matched++
			continue
		}
		due := cal.DaysPeriodEnd(on, v.Int(ruleparams.KeyUnmatchedClaimDays))
		if _, err := tx.Exec(ctx, `INSERT INTO unmatched_receipts (id, court_id, transfer_id, line_id, amount_fen, payer_name, payer_account, memo,
			received_on, claim_due, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`, store.NewID(), courtID, t.ID, l.ID,
			l.AmountFen, textutil.Truncate(l.CounterpartyName, 100), textutil.Truncate(l.CounterpartyAccount, 50), textutil.Truncate(l.Memo, 200), on, due,
			t.CreatedAt); err != nil {
			return nil, err
		}
		res.Unmatched++
	}
	return res, audit.Log(ctx, tx, audit.Entry{CourtID: courtID, Action: "funds.statement_imported", ObjectType: "bank_statement",
		ObjectID: st.Account + "/" + st.Date, Summary: fmt.Sprintf("导入专户 %s 流水（%s）：入账 %d 笔，不明款 %d 笔，重复 %d 笔", st.Account,
			st.Date, res.Matched, res.Unmatched, res.Repeats), Changes: audit.Changes{"lines": {To: res.Lines}}})
}

// refToken finds references in remittance text.
var refToken = regexp.MustCompile(`[A-Za-z0-9]{6,}`)

// knownLine reports whether a line of money in quotes the bank reference of
// a receipt the ledger holds with the same amount.
func knownLine(ctx context.Context, tx *store.Tx, courtID uuid.UUID, l bank.Line) (bool, error) {
	tokens := refToken.FindAllString(l.Memo, 5)
	if len(tokens) == 0 {
		return false, nil
	}
	args := []any{courtID, l.AmountFen}
	for _, t := range tokens {
		args = append(args, t)
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM fund_transfers WHERE court_id = ? AND kind = 'receipt' AND amount_fen = ? AND bank_ref <> ''
		AND bank_ref IN (`+store.Placeholders(len(tokens))+`)`, args...).Scan(&n)
	return n > 0, err
}

// matchLine finds the party account a line of money in names: the virtual
// account it was sent to, else a valid virtual account number in its
// remittance text. Only accounts of the court's own cases match.
func matchLine(ctx context.Context, tx *store.Tx, courtID uuid.UUID, l bank.Line) (*Account, error) {
	candidates := []string{strings.TrimSpace(l.VirtualAccount)}
	candidates = append(candidates, virtualNo.FindAllString(l.Memo, 3)...)
	for _, no := range candidates {
		if !legal.CheckVirtualAccountNo(no) {
			continue
		}
		a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.number = ? AND a.court_id = ?
			AND a.kind = 'party'`, no, courtID))
		if store.IsNoRows(err) {
			continue
		}
		return a, err
	}
	return nil, nil
}

// Unmatched is money in that named no case.
type Unmatched struct {
	ID            uuid.UUID
	CourtID       uuid.UUID
	LineID        string
	AmountFen     int64
	PayerName     string
	PayerAccount  string
	Memo          string
	ReceivedOn    legal.Date
	ClaimDue      legal.Date
	Status        string // open, claimed
	CaseID        uuid.UUID
	CaseNo        string
	ClaimedByName string
	ClaimedAt     time.Time
	ClaimTransfer uuid.UUID
	CreatedAt     time.Time
	LineTransfer  uuid.UUID // custody → suspense, when the line arrived
}

// Overdue reports whether the claim period has passed on a day.
func (u *Unmatched) Overdue(today legal.Date) bool {
	return u.Status == "open" && today.After(u.ClaimDue)
}

const unmatchedSelect = `SELECT u.id, u.court_id, u.line_id, u.amount_fen, u.payer_name, u.payer_account, u.memo, u.received_on, u.claim_due,
	u.status, u.case_id, COALESCE(k.case_no, ''), u.claimed_by_name, u.claimed_at, u.claim_transfer_id, u.created_at, u.transfer_id
	FROM unmatched_receipts u LEFT JOIN cases k ON k.id = u.case_id`

func scanUnmatched(sc store.Scanner) (*Unmatched, error) {
	u := &Unmatched{}
	var caseID, claim uuid.NullUUID
	var claimed *time.Time
	if err := sc.Scan(&u.ID, &u.CourtID, &u.LineID, &u.AmountFen, &u.PayerName, &u.PayerAccount, &u.Memo, &u.ReceivedOn, &u.ClaimDue,
		&u.Status, &caseID, &u.CaseNo, &u.ClaimedByName, &claimed, &claim, &u.CreatedAt, &u.LineTransfer); err != nil {
		return nil, err
	}
	u.CaseID, u.ClaimTransfer, u.CreatedAt = caseID.UUID, claim.UUID, u.CreatedAt.UTC()
	if claimed != nil {
		u.ClaimedAt = claimed.UTC()
	}
	return u, nil
}

// UnmatchedList pages through the unidentified money of the caller's
// courts, the earliest recorded first (cases.read).
func UnmatchedList(ctx context.Context, q store.Querier, open bool, req page.Request) (page.Page[*Unmatched], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Unmatched]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Unmatched]{}, err
	}
	cond, args := p.CourtFilter("u.court_id")
	if open {
		cond += " AND u.status = 'open'"
	}
	return store.PageByID(ctx, q, req, unmatchedSelect+` WHERE `+cond, args, "u.id", false, scanUnmatched,
		func(u *Unmatched) uuid.UUID { return u.ID })
}

// ClaimUnmatched claims unidentified money for a party of a case of the
// same court (funds.match): it becomes a receipt of the case on the day
// the money arrived, from the suspense account. Claimed once.
func ClaimUnmatched(ctx context.Context, tx *store.Tx, id, caseID, partyID uuid.UUID) (*Unmatched, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.FundsMatch); err != nil {
		return nil, err
	}
	u, err := scanUnmatched(tx.QueryRow(ctx, unmatchedSelect+` WHERE u.id = ?`+tx.ForUpdate("u"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(u.CourtID) {
		return nil, apperr.NotFoundf("不明款")
	}
	if err != nil {
		return nil, err
	}
	if u.Status != "open" {
		return nil, apperr.New(apperr.Conflict, "already_claimed", "该笔款项已由 "+u.ClaimedByName+" 认领至 "+u.CaseNo)
	}
	var courtID uuid.UUID
	var caseNo string
	err = tx.QueryRow(ctx, `SELECT court_id, case_no FROM cases WHERE id = ?`, caseID).Scan(&courtID, &caseNo)
	if store.IsNoRows(err) || err == nil && !p.Sees(courtID) {
		return nil, apperr.InvalidField("case_not_found", "body.case_id", "没有该案件")
	}
	if err != nil {
		return nil, err
	}
	if courtID != u.CourtID {
		return nil, apperr.New(apperr.Conflict, "other_court", "款项在本院专户，只能认领至本院的案件")
	}
	acc, err := caseAccount(ctx, tx, caseID, partyID)
	if err != nil {
		return nil, apperr.InvalidField("not_a_party", "body.party_id", "该当事人不在本案中")
	}
	suspense, err := courtAccount(ctx, tx, u.CourtID, Suspense)
	if err != nil {
		return nil, err
	}
	how := fmt.Sprintf("认领不明款（银行流水 %s，%s 于 %s 汇入）", u.LineID, u.PayerName, u.ReceivedOn)
	t, err := post(ctx, tx, &Transfer{CourtID: u.CourtID, CaseID: caseID, Kind: KindReceipt, Ref: "unmatched:" + u.ID.String(), Memo: how,
		ValueOn: u.ReceivedOn, Postings: []Posting{debit(suspense, u.AmountFen), credit(acc, u.AmountFen)}})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE unmatched_receipts SET status = 'claimed', case_id = ?, claim_transfer_id = ?, claimed_by_name = ?,
		claimed_at = ? WHERE id = ?`, caseID, t.ID, p.DisplayName, now, u.ID); err != nil {
		return nil, err
	}
	if err := received(ctx, tx, t, acc, how); err != nil {
		return nil, err
	}
	late := ""
	if u.Overdue(legal.Today(now)) {
		late = "（超过认领期限 " + u.ClaimDue.String() + "）"
	}
	if err := audit.Log(ctx, tx, audit.Entry{CourtID: u.CourtID, Action: "funds.unmatched_claimed", ObjectType: "unmatched_receipt",
		ObjectID: u.ID.String(), Summary: fmt.Sprintf("%s 认领不明款 %s%s", caseNo, triage.FormatYuan(u.AmountFen), late),
		Changes: audit.Changes{"status": {From: "open", To: "claimed"}, "case_no": {To: caseNo}}}); err != nil {
		return nil, err
	}
	u.Status, u.CaseID, u.CaseNo, u.ClaimedByName, u.ClaimedAt, u.ClaimTransfer = "claimed", caseID, caseNo, p.DisplayName, now, t.ID
	return u, nil
}
