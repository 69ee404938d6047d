package funds

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Payee is where a party of a case wants its money paid (FUND-2).
type Payee struct {
	ID              uuid.UUID
	CaseID          uuid.UUID
	PartyID         uuid.UUID
	HolderName      string
	AccountNo       string
	BankName        string
	Status          string // unconfirmed, confirmed, revoked
	Confirmation    string
	ConfirmedByName string
	ConfirmedAt     time.Time
	CreatedByName   string
	CreatedAt       time.Time
}

// Confirmed reports whether money may be paid to the account.
func (p *Payee) Confirmed() bool { return p.Status == "confirmed" }

// StatusLabel is the status's Chinese name.
func (p *Payee) StatusLabel() string {
	switch p.Status {
	case "unconfirmed":
		return "待书面确认"
	case "confirmed":
		return "已确认"
	case "revoked":
		return "已更换"
	}
	return p.Status
}

const payeeColumns = `id, case_id, party_id, holder_name, account_no, bank_name, status, confirmation, confirmed_by_name, confirmed_at,
	created_by_name, created_at`

func scanPayee(sc store.Scanner) (*Payee, error) {
	p := &Payee{}
	var confirmed *time.Time
	if err := sc.Scan(&p.ID, &p.CaseID, &p.PartyID, &p.HolderName, &p.AccountNo, &p.BankName, &p.Status, &p.Confirmation,
		&p.ConfirmedByName, &confirmed, &p.CreatedByName, &p.CreatedAt); err != nil {
		return nil, err
	}
	if confirmed != nil {
		p.ConfirmedAt = confirmed.UTC()
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

// PayeeInput records a payee account. With Confirmation (the written
// confirmation it rests on, e.g. 收款账户确认书 signed at the window) it is
// confirmed at once.
type PayeeInput struct {
	PartyID                         uuid.UUID
	HolderName, AccountNo, BankName string
	Confirmation                    string
}

// normalAccountNo strips the spaces and dashes people type in account
// numbers.
func normalAccountNo(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, s)
}

// SetPayee records the payee account of a party of a case (funds.handle),
// replacing the one in use. Payouts go only to a confirmed account.
func SetPayee(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in PayeeInput) (*Payee, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	in.HolderName, in.BankName = strings.TrimSpace(in.HolderName), strings.TrimSpace(in.BankName)
	in.AccountNo, in.Confirmation = normalAccountNo(in.AccountNo), strings.TrimSpace(in.Confirmation)
	var probs apperr.Problems
	if in.HolderName == "" {
		probs.Add("holder_required", "body.holder_name", "请填写账户名")
	}
	if n := len(in.AccountNo); n < 8 || n > 34 || strings.IndexFunc(in.AccountNo, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		probs.Add("invalid_account_no", "body.account_no", "银行账号应为 8 至 34 位数字")
	}
	if in.BankName == "" {
		probs.Add("bank_required", "body.bank_name", "请填写开户行")
	}
	var role, name string
	err = tx.QueryRow(ctx, `SELECT role, name FROM case_parties WHERE case_id = ? AND party_id = ?`, caseID, in.PartyID).Scan(&role, &name)
	if store.IsNoRows(err) {
		probs.Add("not_a_party", "body.party_id", "该当事人不在本案中")
	} else if err != nil {
		return nil, err
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	old, err := currentPayee(ctx, tx, caseID, in.PartyID)
	if err != nil {
		return nil, err
	}
	if old != nil {
		if _, err := tx.Exec(ctx, `UPDATE payee_accounts SET status = 'revoked', updated_at = ? WHERE id = ?`, now, old.ID); err != nil {
			return nil, err
		}
	}
	pa := &Payee{ID: store.NewID(), CaseID: caseID, PartyID: in.PartyID, HolderName: in.HolderName, AccountNo: in.AccountNo,
		BankName: in.BankName, Status: "unconfirmed", CreatedByName: p.DisplayName, CreatedAt: now}
	if in.Confirmation != "" {
		pa.Status, pa.Confirmation, pa.ConfirmedByName, pa.ConfirmedAt = "confirmed", in.Confirmation, p.DisplayName, now
	}
	var confirmedAt *time.Time
	if pa.Confirmed() {
		confirmedAt = &now
	}
	if _, err := tx.Exec(ctx, `INSERT INTO payee_accounts (id, court_id, case_id, party_id, holder_name, account_no, bank_name, status,
		confirmation, confirmed_by_name, confirmed_at, created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pa.ID, c.CourtID, caseID, in.PartyID, pa.HolderName, pa.AccountNo, pa.BankName, pa.Status, pa.Confirmation, pa.ConfirmedByName,
		confirmedAt, p.DisplayName, now, now); err != nil {
		return nil, err
	}
	summary := "登记" + name + "的收款账户 " + pa.BankName + " " + MaskAccount(pa.AccountNo) + "（" + pa.StatusLabel() + "）"
	if old != nil {
		summary = "更换" + name + "的收款账户为 " + pa.BankName + " " + MaskAccount(pa.AccountNo) + "（" + pa.StatusLabel() + "）"
	}
	if err := cases.AppendEvents(ctx, tx, caseID, cases.Event{Kind: "funds.payee", Summary: summary}); err != nil {
		return nil, err
	}
	ch := audit.Changes{"account_no": {To: MaskAccount(pa.AccountNo)}, "bank_name": {To: pa.BankName}, "status": {To: pa.Status}}
	if old != nil {
		ch["account_no"] = audit.Change{From: MaskAccount(old.AccountNo), To: MaskAccount(pa.AccountNo)}
	}
	return pa, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "funds.payee_set", ObjectType: "payee_account", ObjectID: pa.ID.String(),
		Summary: c.CaseNo + "：" + summary, Changes: ch})
}

// ConfirmPayee records the written confirmation of a payee account
// (funds.handle).
func ConfirmPayee(ctx context.Context, tx *store.Tx, caseID, payeeID uuid.UUID, confirmation string) (*Payee, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	pa, err := scanPayee(tx.QueryRow(ctx, `SELECT `+payeeColumns+` FROM payee_accounts WHERE id = ? AND case_id = ?`, payeeID, caseID))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("收款账户")
	}
	if err != nil {
		return nil, err
	}
	if confirmation = strings.TrimSpace(confirmation); confirmation == "" {
		return nil, apperr.InvalidField("confirmation_required", "body.confirmation", "请写明书面确认的依据（如收款账户确认书）")
	}
	if pa.Status != "unconfirmed" {
		return nil, apperr.New(apperr.Conflict, "not_unconfirmed", "该收款账户"+pa.StatusLabel()+"，不能再确认")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE payee_accounts SET status = 'confirmed', confirmation = ?, confirmed_by_name = ?, confirmed_at = ?,
		updated_at = ? WHERE id = ?`, confirmation, p.DisplayName, now, now, pa.ID); err != nil {
		return nil, err
	}
	pa.Status, pa.Confirmation, pa.ConfirmedByName, pa.ConfirmedAt = "confirmed", confirmation, p.DisplayName, now
	summary := "确认收款账户 " + pa.BankName + " " + MaskAccount(pa.AccountNo) + "：" + confirmation
	if err := cases.AppendEvents(ctx, tx, caseID, cases.Event{Kind: "funds.payee", Summary: summary}); err != nil {
		return nil, err
	}
	return pa, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "funds.payee_confirmed", ObjectType: "payee_account",
		ObjectID: pa.ID.String(), Summary: c.CaseNo + "：" + summary, Changes: audit.Changes{"status": {From: "unconfirmed", To: "confirmed"}}})
}

func currentPayee(ctx context.Context, q store.Querier, caseID, partyID uuid.UUID) (*Payee, error) {
	pa, err := scanPayee(q.QueryRow(ctx, `SELECT `+payeeColumns+` FROM payee_accounts WHERE case_id = ? AND party_id = ? AND status <> 'revoked'`,
		caseID, partyID))
	if store.IsNoRows(err) {
		return nil, nil
	}
	return pa, err
}

// CasePayees returns the payee accounts in use of a case (cases.read).
func CasePayees(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Payee, error) {
	if _, err := caseInScope(ctx, q, caseID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+payeeColumns+` FROM payee_accounts WHERE case_id = ? AND status <> 'revoked' ORDER BY created_at`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanPayee)
}

// MaskAccount shows an account number by its last 4 digits, for audit
// records and the public views of a claim.
func MaskAccount(no string) string {
	if len(no) <= 4 {
		return no
	}
	return "…" + no[len(no)-4:]
}
