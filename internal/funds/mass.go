package funds

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// Money shared among many people who are not parties of the case — the
// victims of a mass-claim campaign (internal/massclaim): each has an
// account of the case of their own, opened when they are first given
// money, and a payee account recorded from their online registration.

// DebtorAccount returns a respondent's account of a case.
func DebtorAccount(ctx context.Context, tx *store.Tx, caseID, partyID uuid.UUID) (*Account, error) {
	a, err := caseAccount(ctx, tx, caseID, partyID)
	if err != nil {
		return nil, err
	}
	if a.Role != "respondent" {
		return nil, apperr.InvalidField("not_a_respondent", "body.debtor_party_id", "该当事人不是本案的被执行人")
	}
	return a, nil
}

// ShareCredit is one person's share of money shared out.
type ShareCredit struct {
	PartyID   uuid.UUID
	Name      string
	AmountFen int64
}

// ShareOut moves money from a debtor's account of a case to many people's
// accounts of the same case in one transfer, opening their accounts as
// creditors of the case where needed.
func ShareOut(ctx context.Context, tx *store.Tx, caseID uuid.UUID, from *Account, kind TransferKind, ref, memo string, credits []ShareCredit) error {
	if len(credits) == 0 {
		return nil
	}
	now := time.Now().UTC()
	postings := make([]Posting, 0, len(credits)+1)
	var total int64
	for _, c := range credits {
		if _, err := tx.Exec(ctx, `INSERT INTO fund_accounts (id, court_id, kind, case_id, party_id, role, number, name, created_at)
			VALUES (?, ?, 'party', ?, ?, 'applicant', ?, ?, ?) ON CONFLICT (case_id, party_id) WHERE kind = 'party' DO NOTHING`,
			store.NewID(), from.CourtID, caseID, c.PartyID, "MC"+strings.ReplaceAll(uuid.NewString(), "-", ""), textutil.Truncate(c.Name, 60), now); err != nil {
			return err
		}
		acc, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.case_id = ? AND a.party_id = ?
			AND a.kind = 'party'`, caseID, c.PartyID))
		if err != nil {
			return err
		}
		if acc.Role == "respondent" {
			return fmt.Errorf("funds: sharing out to the debtor %s", c.PartyID)
		}
		postings = append(postings, credit(acc, c.AmountFen))
		total += c.AmountFen
	}
	postings = append([]Posting{debit(from, total)}, postings...)
	_, err := post(ctx, tx, &Transfer{CourtID: from.CourtID, CaseID: caseID, Kind: kind, Ref: ref, Memo: memo, Postings: postings})
	return err
}

// RecordPayee records a confirmed payee account for someone paid from a
// case who registered it themselves (a campaign's participant), replacing
// the one in use.
func RecordPayee(ctx context.Context, tx *store.Tx, caseID, partyID uuid.UUID, holder, accountNo, bank, confirmation string) error {
	old, err := currentPayee(ctx, tx, caseID, partyID)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if old != nil {
		if old.AccountNo == accountNo && old.Confirmed() {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE payee_accounts SET status = 'revoked', updated_at = ? WHERE id = ?`, now, old.ID); err != nil {
			return err
		}
	}
	var court uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, caseID).Scan(&court); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO payee_accounts (id, court_id, case_id, party_id, holder_name, account_no, bank_name, status, confirmation,
		confirmed_by_name, confirmed_at, created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?)`,
		store.NewID(), court, caseID, partyID, textutil.Truncate(holder, 60), accountNo, textutil.Truncate(bank, 100), confirmation, holder, now, holder, now, now)
	return err
}
