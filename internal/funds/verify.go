package funds

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Report is what Verify found.
type Report struct {
	Transfers, Postings, Accounts int
	Courts                        []CourtTotals
	Problems                      []string
}

// CourtTotals are a court's totals: what its custody account holds and what
// it owes (the party, fee, suspense and in-transit accounts). They are equal
// in a sound ledger.
type CourtTotals struct {
	CourtID uuid.UUID
	Code    string
	HeldFen int64
	OwedFen int64
}

// OK reports whether the ledger is sound.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// maxProblems bounds the problems listed; the count is always exact.
const maxProblems = 100

func (r *Report) add(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	} else if len(r.Problems) == maxProblems {
		r.Problems = append(r.Problems, "……（问题过多，余下从略）")
	}
}

// Verify proves the ledger (`zhixing funds verify`): every transfer has two
// or more postings that sum to zero and whose debits make its amount, all
// in its own court; every party account's kept balance equals the sum of
// its postings and none is below zero; and in every court the custody
// account holds exactly what the court owes.
func Verify(ctx context.Context, db *store.DB) (*Report, error) {
	r := &Report{}
	if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM fund_transfers), (SELECT COUNT(*) FROM fund_postings),
		(SELECT COUNT(*) FROM fund_accounts)`).Scan(&r.Transfers, &r.Postings, &r.Accounts); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT t.id, t.kind, t.amount_fen, COUNT(p.seq), COALESCE(SUM(p.amount_fen), 0),
		COALESCE(SUM(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.court_id <> t.court_id THEN 1 ELSE 0 END), 0)
		FROM fund_transfers t LEFT JOIN fund_postings p ON p.transfer_id = t.id LEFT JOIN fund_accounts a ON a.id = p.account_id
		GROUP BY t.id, t.kind, t.amount_fen
		HAVING COUNT(p.seq) < 2 OR COALESCE(SUM(p.amount_fen), 0) <> 0
			OR COALESCE(SUM(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END), 0) <> t.amount_fen
			OR COALESCE(SUM(CASE WHEN a.court_id <> t.court_id THEN 1 ELSE 0 END), 0) > 0`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id uuid.UUID
		var kind TransferKind
		var amount, sum, debits int64
		var n, foreign int
		if err := rows.Scan(&id, &kind, &amount, &n, &sum, &debits, &foreign); err != nil {
			rows.Close()
			return nil, err
		}
		switch {
		case n < 2:
			r.add("转账 %s（%s）只有 %d 条分录", id, kind.Label(), n)
		case sum != 0:
			r.add("转账 %s（%s）借贷不平：差 %d 分", id, kind.Label(), sum)
		case debits != amount:
			r.add("转账 %s（%s）金额 %d 分与分录 %d 分不符", id, kind.Label(), amount, debits)
		default:
			r.add("转账 %s（%s）有 %d 条分录记入其他法院的账户", id, kind.Label(), foreign)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = db.Query(ctx, `SELECT a.id, a.court_id, c.code, a.kind, a.number, a.balance_fen, COALESCE(SUM(p.amount_fen), 0)
		FROM fund_accounts a JOIN courts c ON c.id = a.court_id LEFT JOIN fund_postings p ON p.account_id = a.id
		GROUP BY a.id, a.court_id, c.code, a.kind, a.number, a.balance_fen ORDER BY c.code`)
	if err != nil {
		return nil, err
	}
	courts := map[uuid.UUID]int{} // index in r.Courts, which is in court-code order
	for rows.Next() {
		var id, court uuid.UUID
		var code, number string
		var kind AccountKind
		var kept, sum int64
		if err := rows.Scan(&id, &court, &code, &kind, &number, &kept, &sum); err != nil {
			rows.Close()
			return nil, err
		}
		derived := sum * kind.sign()
		if kind == Party && kept != derived {
			r.add("账户 %s 记载余额 %s，按分录应为 %s", number, triage.FormatYuan(kept), triage.FormatYuan(derived))
		}
		if derived < 0 {
			r.add("账户 %s（%s）余额为负：%s", number, kind.Label(), triage.FormatYuan(derived))
		}
		i, ok := courts[court]
		if !ok {
			i = len(r.Courts)
			courts[court] = i
			r.Courts = append(r.Courts, CourtTotals{CourtID: court, Code: code})
		}
		ct := &r.Courts[i]
		if kind == Custody {
			ct.HeldFen += derived
		} else {
			ct.OwedFen += derived
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ct := range r.Courts {
		if ct.HeldFen != ct.OwedFen {
			r.add("%s 执行款专户应有 %s，各分户合计 %s", ct.Code, triage.FormatYuan(ct.HeldFen), triage.FormatYuan(ct.OwedFen))
		}
	}
	return r, nil
}
