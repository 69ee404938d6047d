package funds

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Account is an account of the ledger.
type Account struct {
	ID       uuid.UUID
	CourtID  uuid.UUID
	Kind     AccountKind
	CaseID   uuid.UUID // party accounts
	PartyID  uuid.UUID // party accounts
	Role     string    // applicant or respondent, for party accounts
	Number   string    // the virtual account number (FUND-1)
	Name     string
	Balance  int64 // in the account's own sense: money held (custody) or owed (the others)
	Created  time.Time
	RoleName string // 申请执行人 / 被执行人
}

const accountColumns = `a.id, a.court_id, a.kind, a.case_id, a.party_id, a.role, a.number, a.name, a.balance_fen, a.created_at`

func scanAccount(sc store.Scanner) (*Account, error) {
	a := &Account{}
	var caseID, partyID uuid.NullUUID
	if err := sc.Scan(&a.ID, &a.CourtID, &a.Kind, &caseID, &partyID, &a.Role, &a.Number, &a.Name, &a.Balance, &a.Created); err != nil {
		return nil, err
	}
	a.CaseID, a.PartyID, a.Created = caseID.UUID, partyID.UUID, a.Created.UTC()
	switch a.Role {
	case "applicant":
		a.RoleName = "申请执行人"
	case "respondent":
		a.RoleName = "被执行人"
	}
	return a, nil
}

// OpenCaseAccounts opens the sub-account of every party of a case that has
// none yet (FUND-1: at filing, so that the number can be printed on the
// 执行通知书) and returns the case's accounts in party order. Safe to call
// again.
func OpenCaseAccounts(ctx context.Context, tx *store.Tx, caseID uuid.UUID) ([]*Account, error) {
	rows, err := tx.Query(ctx, `SELECT k.court_id, k.year, t.sort_order, k.seq, p.seq, p.role, p.party_id, p.name
		FROM cases k JOIN case_types t ON t.code = k.case_type
		JOIN case_parties p ON p.case_id = k.id
		WHERE k.id = ? AND NOT EXISTS (SELECT 1 FROM fund_accounts f WHERE f.case_id = k.id AND f.party_id = p.party_id AND f.kind = 'party')
		ORDER BY p.seq`, caseID)
	if err != nil {
		return nil, err
	}
	type missing struct {
		court                uuid.UUID
		year, typeOrder, seq int
		partySeq             int
		role                 string
		party                uuid.UUID
		name                 string
	}
	list, err := store.ScanAll(rows, func(sc store.Scanner) (missing, error) {
		var m missing
		return m, sc.Scan(&m.court, &m.year, &m.typeOrder, &m.seq, &m.partySeq, &m.role, &m.party, &m.name)
	})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return caseAccounts(ctx, tx, caseID)
	}
	division, err := numberPrefix(ctx, tx, list[0].court)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	for _, m := range list {
		number := legal.VirtualAccountNo(division, m.year, max(m.typeOrder/10, 1)%100, m.seq, m.partySeq%100)
		role := "申请执行人"
		if m.role == "respondent" {
			role = "被执行人"
		}
		// Only a concurrent opening of the same account is no error; a
		// number already taken is (and fails the filing).
		if _, err := tx.Exec(ctx, `INSERT INTO fund_accounts (id, court_id, kind, case_id, party_id, role, number, name, created_at)
			VALUES (?, ?, 'party', ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, party_id) WHERE kind = 'party' DO NOTHING`,
			store.NewID(), m.court, caseID, m.party, m.role, number, fmt.Sprintf("%s %s", role, m.name), now); err != nil {
			return nil, err
		}
	}
	return caseAccounts(ctx, tx, caseID)
}

// numberPrefix is the 6 digits that open a court's virtual account numbers:
// its GB/T 2260 division code, or, for a court without one (a court for a
// special zone, 粤0491), its province's two digits and the digits of its
// 法院代字 (440491), which no division code of the province uses.
func numberPrefix(ctx context.Context, q store.Querier, courtID uuid.UUID) (string, error) {
	var division, code string
	var parent uuid.NullUUID
	if err := q.QueryRow(ctx, `SELECT division_code, code, parent_id FROM courts WHERE id = ?`, courtID).Scan(&division, &code, &parent); err != nil {
		return "", err
	}
	if len(division) == 6 {
		return division, nil
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
	province := "00"
	for parent.Valid {
		var d string
		if err := q.QueryRow(ctx, `SELECT division_code, parent_id FROM courts WHERE id = ?`, parent.UUID).Scan(&d, &parent); err != nil {
			return "", err
		}
		if len(d) >= 2 {
			province = d[:2]
			break
		}
	}
	if len(digits) < 4 {
		digits = strings.Repeat("0", 4-len(digits)) + digits
	}
	return province + digits[len(digits)-4:], nil
}

// caseAccounts returns the party accounts of a case in party order.
func caseAccounts(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM fund_accounts a
		JOIN case_parties p ON p.case_id = a.case_id AND p.party_id = a.party_id
		WHERE a.case_id = ? AND a.kind = 'party' ORDER BY p.seq`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanAccount)
}

// caseAccount returns the account of one party of a case, opening the
// case's accounts first when needed (cases filed before the ledger).
func caseAccount(ctx context.Context, tx *store.Tx, caseID, partyID uuid.UUID) (*Account, error) {
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.case_id = ? AND a.party_id = ?
		AND a.kind = 'party'`, caseID, partyID))
	if !store.IsNoRows(err) {
		return a, err
	}
	list, err := OpenCaseAccounts(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.PartyID == partyID {
			return a, nil
		}
	}
	return nil, fmt.Errorf("funds: party %s is not in case %s", partyID, caseID)
}

// courtAccount returns one of a court's own accounts, opening it the first
// time. Its balance is not kept on the row (see Balance).
func courtAccount(ctx context.Context, tx *store.Tx, courtID uuid.UUID, kind AccountKind) (*Account, error) {
	get := func() (*Account, error) {
		return scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.court_id = ? AND a.kind = ?`,
			courtID, string(kind)))
	}
	a, err := get()
	if !store.IsNoRows(err) {
		return a, err
	}
	var code string
	if err := tx.QueryRow(ctx, `SELECT code FROM courts WHERE id = ?`, courtID).Scan(&code); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO fund_accounts (id, court_id, kind, number, name, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, store.NewID(), courtID, string(kind), code+"-"+string(kind), kind.Label(), time.Now().UTC()); err != nil {
		return nil, err
	}
	return get()
}

// Balance derives an account's balance from its postings, in the account's
// own sense.
func Balance(ctx context.Context, q store.Querier, a *Account) (int64, error) {
	var sum int64
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM fund_postings WHERE account_id = ?`, a.ID).Scan(&sum)
	return sum * a.Kind.sign(), err
}
