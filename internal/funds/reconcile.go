package funds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Daily reconciliation (FUND-8): the custody account's statement of a day
// is fetched from the bank; its money in is imported (ImportStatement); its
// money out is matched with the payouts the ledger settled that day, one by
// one, and so are the returns. Every difference is written down; a day with
// none is "ok".

// Reconciliation is one court's custody account reconciled for a day.
type Reconciliation struct {
	ID                     uuid.UUID
	CourtID                uuid.UUID
	Account                string
	Day                    legal.Date
	OpeningFen, ClosingFen int64
	CreditsFen, DebitsFen  int64
	Lines, Matched         int
	Problems               []string
	Status                 string // ok, mismatch
	CreatedAt              time.Time
	Import                 *ImportResult
}

// Reconcile reconciles a court's custody account for a day against the
// bank (funds.match). Run again for the same day, it imports nothing twice
// and replaces the day's report.
func Reconcile(ctx context.Context, db *store.DB, client bank.Client, courtID uuid.UUID, day legal.Date) (*Reconciliation, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.FundsMatch); err != nil {
		return nil, err
	}
	var number string
	err = db.QueryRow(ctx, `SELECT number FROM fund_accounts WHERE court_id = ? AND kind = 'custody'`, courtID).Scan(&number)
	if store.IsNoRows(err) {
		return nil, nil // no money has ever moved for this court
	}
	if err != nil {
		return nil, err
	}
	st, err := client.Statement(ctx, number, day.String())
	if err != nil {
		return nil, fmt.Errorf("fetching the statement of %s for %s: %w", number, day, err)
	}
	r := &Reconciliation{ID: store.NewID(), CourtID: courtID, Account: number, Day: day, OpeningFen: st.OpeningFen, ClosingFen: st.ClosingFen,
		Lines: len(st.Lines), CreatedAt: time.Now().UTC()}
	var checked []string // the statement's own arithmetic, known before any attempt
	if err := st.Check(); err != nil {
		checked = []string{"银行流水自身不平：" + err.Error()}
	}
	err = db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Each attempt (Transact retries on serialization failures) starts afresh.
		r.CreditsFen, r.DebitsFen, r.Matched, r.Status = 0, 0, 0, "ok"
		r.Problems = slices.Clone(checked)
		imp, err := ImportStatement(ctx, tx, courtID, st)
		if err != nil {
			return err
		}
		r.Import = imp
		r.Problems = append(r.Problems, imp.Problems...)
		paidOut := map[uuid.UUID]bool{}
		for _, l := range st.Lines {
			if l.Direction == bank.Credit {
				r.CreditsFen += l.AmountFen
			} else {
				r.DebitsFen += l.AmountFen
			}
			if l.InstructionRef == "" {
				if l.Direction == bank.Debit {
					r.Problems = append(r.Problems, fmt.Sprintf("流水 %s 支出 %s 不是本系统发出的付款指令", l.ID, triage.FormatYuan(l.AmountFen)))
				} else {
					r.Matched++ // money in, imported above
				}
				continue
			}
			var status PayoutStatus
			var amount int64
			found := false
			id, perr := uuid.Parse(l.InstructionRef)
			if perr == nil {
				err := tx.QueryRow(ctx, `SELECT status, amount_fen FROM payouts WHERE id = ? AND court_id = ?`, id, courtID).Scan(&status, &amount)
				switch {
				case err == nil:
					found = true
				case !store.IsNoRows(err):
					return err
				}
			}
			switch {
			case !found:
				r.Problems = append(r.Problems, fmt.Sprintf("流水 %s 所称的付款指令 %s 在本系统中不存在", l.ID, l.InstructionRef))
			case amount != l.AmountFen:
				r.Problems = append(r.Problems, fmt.Sprintf("流水 %s 金额 %s，与发放 %s 的 %s 不符", l.ID, triage.FormatYuan(l.AmountFen), id,
					triage.FormatYuan(amount)))
			case l.Direction == bank.Debit && status != PayoutSettled && status != PayoutReturned:
				r.Problems = append(r.Problems, fmt.Sprintf("流水 %s 已付出 %s，本系统中该发放为“%s”", l.ID, triage.FormatYuan(l.AmountFen), status.Label()))
			case l.Direction == bank.Credit && status != PayoutReturned:
				r.Problems = append(r.Problems, fmt.Sprintf("流水 %s 退回 %s，本系统中该发放为“%s”", l.ID, triage.FormatYuan(l.AmountFen), status.Label()))
			default:
				r.Matched++
				if l.Direction == bank.Debit {
					paidOut[id] = true
				}
			}
		}
		// Payouts the ledger settled that day must each be on the statement.
		from, to := day.Start(), day.AddDays(1).Start()
		rows, err := tx.Query(ctx, `SELECT id, amount_fen FROM payouts WHERE court_id = ? AND status IN ('settled', 'returned')
			AND ended_at >= ? AND ended_at < ?`, courtID, from, to)
		if err != nil {
			return err
		}
		type settled struct {
			id     uuid.UUID
			amount int64
		}
		list, err := store.ScanAll(rows, func(sc store.Scanner) (settled, error) {
			var s settled
			return s, sc.Scan(&s.id, &s.amount)
		})
		if err != nil {
			return err
		}
		for _, s := range list {
			if !paidOut[s.id] {
				r.Problems = append(r.Problems, fmt.Sprintf("发放 %s（%s）已记为付出，银行当日流水中没有", s.id, triage.FormatYuan(s.amount)))
			}
		}
		if len(r.Problems) > 0 {
			r.Status = "mismatch"
		}
		if _, err := tx.Exec(ctx, `DELETE FROM reconciliations WHERE court_id = ? AND day = ?`, courtID, day); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reconciliations (id, court_id, account, day, opening_fen, closing_fen, credits_fen, debits_fen,
			lines, matched, problems, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, courtID, number, day,
			r.OpeningFen, r.ClosingFen, r.CreditsFen, r.DebitsFen, r.Lines, r.Matched, strings.Join(r.Problems, "\n"), r.Status, r.CreatedAt); err != nil {
			return err
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: courtID, Action: "funds.reconciled", ObjectType: "reconciliation", ObjectID: r.ID.String(),
			Summary: fmt.Sprintf("对账 %s %s：流水 %d 笔，相符 %d 笔，问题 %d 处", number, day, r.Lines, r.Matched, len(r.Problems)),
			Changes: audit.Changes{"status": {To: r.Status}}})
	})
	return r, err
}

// ReconcileAll reconciles every court's custody account for a day.
func ReconcileAll(ctx context.Context, db *store.DB, client bank.Client, day legal.Date) ([]*Reconciliation, error) {
	rows, err := db.Query(ctx, `SELECT court_id FROM fund_accounts WHERE kind = 'custody' ORDER BY court_id`)
	if err != nil {
		return nil, err
	}
	courts, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	var out []*Reconciliation
	var errs []error
	for _, c := range courts {
		r, err := Reconcile(ctx, db, client, c, day)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// Reconciliations pages through the reports of the caller's courts, the
// latest made first (a day reconciled again comes back to the top)
// (cases.read).
func Reconciliations(ctx context.Context, q store.Querier, req page.Request) (page.Page[*Reconciliation], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Reconciliation]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Reconciliation]{}, err
	}
	cond, args := p.CourtFilter("r.court_id")
	return store.PageByID(ctx, q, req, `SELECT r.id, r.court_id, r.account, r.day, r.opening_fen, r.closing_fen, r.credits_fen, r.debits_fen,
		r.lines, r.matched, r.problems, r.status, r.created_at FROM reconciliations r WHERE `+cond, args, "r.id", true,
		func(sc store.Scanner) (*Reconciliation, error) {
			r := &Reconciliation{}
			var problems string
			err := sc.Scan(&r.ID, &r.CourtID, &r.Account, &r.Day, &r.OpeningFen, &r.ClosingFen, &r.CreditsFen, &r.DebitsFen, &r.Lines, &r.Matched,
				&problems, &r.Status, &r.CreatedAt)
			if problems != "" {
				r.Problems = strings.Split(problems, "\n")
			}
			return r, err
		}, func(r *Reconciliation) uuid.UUID { return r.ID })
}
