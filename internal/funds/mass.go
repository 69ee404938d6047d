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
// creditors of the case where needed. A fixed number of statements
// whatever the number of people (a campaign round shares among 100,000).
func ShareOut(ctx context.Context, tx *store.Tx, caseID uuid.UUID, from *Account, kind TransferKind, ref, memo string, credits []ShareCredit) error {
	if len(credits) == 0 {
		return nil
	}
	now := time.Now().UTC()
	err := store.UpsertRows(ctx, tx, `INSERT INTO fund_accounts (id, court_id, kind, case_id, party_id, role, number, name, created_at) VALUES `,
		` ON CONFLICT (case_id, party_id) WHERE kind = 'party' DO NOTHING`, 9, len(credits), func(i int, args []any) []any {
			c := credits[i]
			return append(args, store.NewID(), from.CourtID, "party", caseID, c.PartyID, "applicant",
				"MC"+strings.ReplaceAll(uuid.NewString(), "-", ""), textutil.Truncate(c.Name, 60), now)
		})
	if err != nil {
		return err
	}
	accounts, err := partyAccounts(ctx, tx, caseID)
	if err != nil {
		return err
	}
	postings := make([]Posting, 1, len(credits)+1)
	var total int64
	for _, c := range credits {
		acc := accounts[c.PartyID]
		switch {
		case acc == nil:
			return fmt.Errorf("funds: no account of %s on case %s", c.PartyID, caseID)
		case acc.Role == "respondent":
			return fmt.Errorf("funds: sharing out to the debtor %s", c.PartyID)
		}
		postings = append(postings, credit(acc, c.AmountFen))
		total += c.AmountFen
	}
	postings[0] = debit(from, total)
	_, err = post(ctx, tx, &Transfer{CourtID: from.CourtID, CaseID: caseID, Kind: kind, Ref: ref, Memo: memo, Postings: postings})
	return err
}

// partyAccounts returns the party accounts of a case by party.
func partyAccounts(ctx context.Context, q store.Querier, caseID uuid.UUID) (map[uuid.UUID]*Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.case_id = ? AND a.kind = 'party'`, caseID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanAccount)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]*Account, len(list))
	for _, a := range list {
		out[a.PartyID] = a
	}
	return out, nil
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

// Held returns what each creditor of a case holds on its account beyond
// the payouts waiting for approval: money not paid out yet, or back from a
// payout that failed or was returned.
func Held(ctx context.Context, q store.Querier, caseID uuid.UUID) (map[uuid.UUID]int64, error) {
	accounts, err := partyAccounts(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	waiting, err := pendingByAccount(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]int64{}
	for party, a := range accounts {
		if v := a.Balance - waiting[a.ID]; a.Role == "applicant" && v > 0 {
			out[party] = v
		}
	}
	return out, nil
}
