package bank

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// Field limits, in characters.
const (
	maxAccountLen = 40
	maxNameLen    = 100
	maxTextLen    = 200
	maxRefLen     = 128
)

// AccountInfo describes a custody account.
type AccountInfo struct {
	Number     string    `json:"number"`
	Name       string    `json:"name"`
	OpeningFen int64     `json:"opening_fen"` // the balance when the simulator opened it
	BalanceFen int64     `json:"balance_fen"`
	Lines      int       `json:"lines"`
	OpenedAt   time.Time `json:"opened_at"`
}

// PaymentIn is money paid into a custody account: a debtor's transfer (to
// the case's virtual account number, or quoting it in the memo), an auction
// platform's transfer, a cash deposit.
type PaymentIn struct {
	PayerName    string `json:"payer_name"`
	PayerAccount string `json:"payer_account"` // empty for cash
	AmountFen    int64  `json:"amount_fen"`
	Memo         string `json:"memo"` // 附言
	// VirtualAccount is the sub-account number the payer sent the money to
	// (FUND-1); empty when the payer used the custody account's own number.
	// The simulator accepts any number: the real bank's virtual-account
	// service knows the court's numbering.
	VirtualAccount string `json:"virtual_account"`
}

// custodyNumber checks the number of a custody account (or a payer's
// account): the simulator takes any word the other side uses for it, up to
// maxAccountLen characters without spaces.
func custodyNumber(n string) string {
	switch {
	case n == "":
		return "为空"
	case tooLong(n, maxAccountLen):
		return fmt.Sprintf("至多 %d 个字符", maxAccountLen)
	case strings.IndexFunc(n, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "不能包含空白或控制字符"
	}
	return ""
}

// accountNumber checks a payee's account number: digits only.
func accountNumber(n string) string {
	switch {
	case n == "":
		return "为空"
	case len(n) < 6 || len(n) > maxAccountLen:
		return fmt.Sprintf("应为 6 至 %d 位数字", maxAccountLen)
	case strings.Trim(n, "0123456789") != "":
		return "只能包含数字"
	}
	return ""
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

func unknownAccount(number string) error {
	return &bank.StatusError{Status: http.StatusNotFound, Message: "账号“" + number + "”不是本行开立的执行款专户"}
}

func badRequest(msg string) error {
	return &bank.StatusError{Status: http.StatusBadRequest, Message: msg}
}

// OpenAccount opens custody account number in the name of name (the court)
// with a balance of openingFen brought forward: statements of days before
// show that balance and no lines.
func (s *Sim) OpenAccount(number, name string, openingFen int64) error {
	switch {
	case custodyNumber(number) != "":
		return badRequest("账号" + custodyNumber(number))
	case strings.TrimSpace(name) == "" || tooLong(name, maxNameLen):
		return badRequest(fmt.Sprintf("户名不能为空，至多 %d 字", maxNameLen))
	case openingFen < 0 || openingFen > legal.MaxAmountFen:
		return badRequest("期初余额不能为负数或超出上限")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(false); err != nil {
		return err
	}
	if s.accounts[number] != nil {
		return &bank.StatusError{Status: http.StatusConflict, Message: "账号“" + number + "”已开立"}
	}
	buf, err := s.openAccount(nil, number, name, openingFen, s.now())
	if err != nil {
		return err
	}
	return s.write(buf)
}

// openAccount adds an account and its journal record to buf. Call it holding mu.
func (s *Sim) openAccount(buf []byte, number, name string, openingFen int64, now time.Time) ([]byte, error) {
	a := &account{number: number, name: name, openingFen: openingFen, balance: openingFen, openedAt: now.UTC()}
	s.accounts[number] = a
	s.order = append(s.order, a)
	return appendRecord(buf, record{T: "open", A: number, Name: name, Fen: openingFen, At: a.openedAt})
}

// account finds an account, opening it when AutoOpen allows. Call it
// holding mu.
func (s *Sim) account(buf []byte, number string, now time.Time) (*account, []byte, error) {
	if a := s.accounts[number]; a != nil {
		return a, buf, nil
	}
	if !s.opts.AutoOpen || custodyNumber(number) != "" {
		return nil, buf, unknownAccount(number)
	}
	buf, err := s.openAccount(buf, number, "执行款专户（模拟开立）", s.opts.AutoOpenFen, now)
	return s.accounts[number], buf, err
}

// Accounts lists the custody accounts in the order they were opened.
func (s *Sim) Accounts() []AccountInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AccountInfo, len(s.order))
	for i, a := range s.order {
		out[i] = AccountInfo{Number: a.number, Name: a.name, OpeningFen: a.openingFen, BalanceFen: a.balance, Lines: len(a.lines), OpenedAt: a.openedAt}
	}
	return out
}

// Balance is the balance of a custody account now.
func (s *Sim) Balance(number string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[number]
	if a == nil {
		return 0, false
	}
	return a.balance, true
}

// Pay books money paid into custody account number and returns the credit
// line. It is the outside world's doing, so it works while the simulator
// is Down.
func (s *Sim) Pay(number string, p PaymentIn) (bank.Line, error) {
	switch {
	case p.AmountFen <= 0 || p.AmountFen > legal.MaxAmountFen:
		return bank.Line{}, badRequest("金额（amount_fen）应大于零且不超过上限")
	case strings.TrimSpace(p.PayerName) == "" || tooLong(p.PayerName, maxNameLen):
		return bank.Line{}, badRequest(fmt.Sprintf("付款人户名（payer_name）不能为空，至多 %d 字", maxNameLen))
	case p.PayerAccount != "" && custodyNumber(p.PayerAccount) != "":
		return bank.Line{}, badRequest("付款人账号（payer_account）" + custodyNumber(p.PayerAccount))
	case tooLong(p.Memo, maxTextLen):
		return bank.Line{}, badRequest(fmt.Sprintf("附言（memo）至多 %d 字", maxTextLen))
	case tooLong(p.VirtualAccount, maxAccountLen) || strings.TrimSpace(p.VirtualAccount) != p.VirtualAccount:
		return bank.Line{}, badRequest("虚拟账号（virtual_account）格式不正确")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(false); err != nil {
		return bank.Line{}, err
	}
	now := s.now()
	a, buf, err := s.account(nil, number, now)
	if err != nil {
		return bank.Line{}, err
	}
	l := s.book(a, bank.Line{Direction: bank.Credit, AmountFen: p.AmountFen, CounterpartyName: p.PayerName,
		CounterpartyAccount: p.PayerAccount, Memo: p.Memo, VirtualAccount: p.VirtualAccount}, now)
	if buf, err = appendRecord(buf, record{T: "pay", A: number, L: &l}); err != nil {
		return bank.Line{}, err
	}
	if err := s.write(buf); err != nil {
		return bank.Line{}, err
	}
	s.stats.paymentsIn.Add(1)
	return l, nil
}

// book gives l its ID, date and time and books it on a. Lines are booked in
// time order: a clock that went back books at the last line's time. Call it
// holding mu.
func (s *Sim) book(a *account, l bank.Line, now time.Time) bank.Line {
	at := now
	if n := len(a.lines); n > 0 && at.Before(a.lines[n-1].line.At) {
		at = a.lines[n-1].line.At
	}
	at = at.In(legal.Shanghai())
	s.lineNo++
	l.ID = fmt.Sprintf("%s%010d", at.Format("20060102"), s.lineNo)
	l.Date = legal.DateOf(at).String()
	l.At = at
	s.apply(a, l)
	return l
}

// apply puts a booked line on the account.
func (s *Sim) apply(a *account, l bank.Line) {
	if l.Direction == bank.Credit {
		a.balance += l.AmountFen
	} else {
		a.balance -= l.AmountFen
	}
	a.lines = append(a.lines, booked{line: l, after: a.balance})
}

// Statement returns the statement of custody account number for date
// (YYYY-MM-DD): the lines booked that day, the balance before and after.
// Today's is provisional. It implements bank.Client.
func (s *Sim) Statement(ctx context.Context, number string, date string) (bank.Statement, error) {
	if err := ctx.Err(); err != nil {
		return bank.Statement{}, err
	}
	if number == "" {
		return bank.Statement{}, badRequest("缺少账号（account）")
	}
	d, err := legal.ParseDate(date)
	if err != nil {
		return bank.Statement{}, badRequest("日期（date）格式应为 YYYY-MM-DD，且须是存在的日期")
	}
	day := d.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(true); err != nil {
		return bank.Statement{}, err
	}
	if legal.Today(s.now()).Before(d) {
		return bank.Statement{}, badRequest("日期 " + day + " 晚于今日，尚无对账单")
	}
	st := bank.Statement{Account: number, Date: day, Lines: []bank.Line{}}
	a := s.accounts[number]
	if a == nil {
		if !s.opts.AutoOpen || custodyNumber(number) != "" {
			return bank.Statement{}, unknownAccount(number)
		}
		st.OpeningFen, st.ClosingFen = s.opts.AutoOpenFen, s.opts.AutoOpenFen // what it will show once opened
		return st, nil
	}
	ls := a.lines
	i := sort.Search(len(ls), func(i int) bool { return ls[i].line.Date >= day })
	j := sort.Search(len(ls), func(i int) bool { return ls[i].line.Date > day })
	st.OpeningFen, st.ClosingFen = a.openingFen, a.openingFen
	if i > 0 {
		st.OpeningFen = ls[i-1].after
	}
	if j > 0 {
		st.ClosingFen = ls[j-1].after
	}
	for _, b := range ls[i:j] {
		st.Lines = append(st.Lines, b.line)
	}
	return st, nil
}
