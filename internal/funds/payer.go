package funds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/notify"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// PayerConfig configures the Payer.
type PayerConfig struct {
	Bank bank.Client
	// Batch is the most instructions sent at once (≤ 500, default 200).
	Batch int
	// Lease is how long a claimed payout waits before it may be claimed
	// again when its sender died (default 10 s; a send taking longer is
	// harmless: the bank answers the second one "duplicate").
	Lease time.Duration
	// Backoff is the first retry delay after a failed send (default 5 s),
	// doubling per attempt up to 10 minutes.
	Backoff time.Duration
	Now     func() time.Time
	Log     *slog.Logger
}

// Payer sends approved payouts to the custody bank and applies its
// results: the outbox of money out. A payout's id is the instruction's
// reference for life, so a resend after a crash or a lost answer is a
// duplicate at the bank, never a second payment; each result is applied in
// one transaction with the cursor it came from, so none is applied twice.
type Payer struct {
	db  *store.DB
	cfg PayerConfig
}

// NewPayer returns a Payer.
func NewPayer(db *store.DB, cfg PayerConfig) *Payer {
	if cfg.Batch <= 0 || cfg.Batch > 500 {
		cfg.Batch = 200
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Second
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Payer{db: db, cfg: cfg}
}

// Round is what one RunOnce did.
type Round struct {
	Sent, Rejected, SendErrors       int
	Settled, Failed, Returned, Stray int
}

// Busy reports whether the round found work.
func (r Round) Busy() bool {
	return r.Sent+r.Rejected+r.SendErrors+r.Settled+r.Failed+r.Returned+r.Stray > 0
}

// system is the principal the Payer writes as.
func system(ctx context.Context) context.Context {
	return access.With(ctx, access.System("托管银行"))
}

// RunOnce sends the payouts due and applies the results waiting at the
// bank.
func (p *Payer) RunOnce(ctx context.Context) (Round, error) {
	ctx = system(ctx)
	var r Round
	if err := p.send(ctx, &r); err != nil {
		return r, err
	}
	return r, p.poll(ctx, &r)
}

type claimed struct {
	id          uuid.UUID
	attempts    int
	instruction bank.Instruction
}

// send claims the approved payouts due, sends them and records the
// acknowledgements.
func (p *Payer) send(ctx context.Context, r *Round) error {
	now := p.cfg.Now().UTC()
	var list []claimed
	err := p.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		list = nil
		lock := ""
		if tx.ForUpdate() != "" {
			lock = " FOR UPDATE OF o SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `SELECT o.id, o.attempts, c.number, pa.holder_name, pa.account_no, pa.bank_name, o.amount_fen, o.purpose
			FROM payouts o JOIN payee_accounts pa ON pa.id = o.payee_account_id
			JOIN fund_accounts c ON c.court_id = o.court_id AND c.kind = 'custody'
			WHERE o.status = 'approved' AND o.next_at <= ? ORDER BY o.next_at, o.id LIMIT ?`+lock, now, p.cfg.Batch)
		if err != nil {
			return err
		}
		list, err = store.ScanAll(rows, func(sc store.Scanner) (claimed, error) {
			var c claimed
			in := &c.instruction
			err := sc.Scan(&c.id, &c.attempts, &in.Account, &in.PayeeName, &in.PayeeAccount, &in.PayeeBank, &in.AmountFen, &in.Purpose)
			in.Ref = c.id.String()
			return c, err
		})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		ids := make([]any, len(list))
		for i, c := range list {
			ids[i] = c.id
		}
		_, err = tx.Exec(ctx, `UPDATE payouts SET attempts = attempts + 1, next_at = ?, updated_at = ? WHERE id IN (`+store.Placeholders(len(ids))+`)`,
			append([]any{now.Add(p.cfg.Lease), now}, ids...)...)
		return err
	})
	if err != nil || len(list) == 0 {
		return err
	}
	batch := make([]bank.Instruction, len(list))
	for i, c := range list {
		batch[i] = c.instruction
	}
	acks, sendErr := p.cfg.Bank.Send(ctx, batch)
	if sendErr == nil && len(acks) != len(batch) {
		sendErr = fmt.Errorf("bank answered %d acknowledgements for %d instructions", len(acks), len(batch))
	}
	return p.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		var taken []any // accepted or duplicates: at the bank now
		for i, c := range list {
			if sendErr != nil {
				wait := p.backoff(c.attempts + 1)
				var busy *bank.BusyError
				if errors.As(sendErr, &busy) {
					wait = max(wait, busy.RetryAfter)
				}
				if _, err := tx.Exec(ctx, `UPDATE payouts SET last_error = ?, next_at = ?, updated_at = ? WHERE id = ? AND status = 'approved'`,
					textutil.Truncate(sendErr.Error(), 500), now.Add(wait), now, c.id); err != nil {
					return err
				}
				r.SendErrors++
				continue
			}
			switch a := acks[i]; a.Status {
			case bank.AckAccepted, bank.AckDuplicate:
				taken = append(taken, c.id)
				r.Sent++
			default:
				reason := a.Reason
				if reason == "" {
					reason = "银行拒绝受理（未说明理由）"
				}
				if err := p.fail(ctx, tx, c.id, PayoutFailed, "银行拒绝受理："+reason, ""); err != nil {
					return err
				}
				r.Rejected++
			}
		}
		if len(taken) == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE payouts SET status = 'sent', sent_at = COALESCE(sent_at, ?), last_error = '', updated_at = ?
			WHERE status = 'approved' AND id IN (`+store.Placeholders(len(taken))+`)`, append([]any{now, now}, taken...)...)
		return err
	})
}

func (p *Payer) backoff(attempt int) time.Duration {
	d := p.cfg.Backoff << min(max(attempt-1, 0), 10)
	d = min(d, 10*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// bankCursor names the results cursor of the custody bank.
const bankCursor = "custody-bank"

// poll applies the bank's results after the stored cursor, a page at a
// time, each page in one transaction with the cursor.
func (p *Payer) poll(ctx context.Context, r *Round) error {
	for range 20 {
		var after int64
		if err := p.db.QueryRow(ctx, `SELECT COALESCE(MAX(cursor), 0) FROM bank_cursors WHERE name = ?`, bankCursor).Scan(&after); err != nil {
			return err
		}
		res, err := p.cfg.Bank.Results(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(res.Results) == 0 {
			return nil
		}
		err = p.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			var cur int64
			err := tx.QueryRow(ctx, `SELECT cursor FROM bank_cursors WHERE name = ?`+tx.ForUpdate(), bankCursor).Scan(&cur)
			if err != nil && !store.IsNoRows(err) {
				return err
			}
			if cur != after { // another server applied this page
				return nil
			}
			pg, err := p.loadPage(ctx, tx, res.Results)
			if err != nil {
				return err
			}
			for _, res := range res.Results {
				if res.Seq <= after {
					continue
				}
				if err := p.apply(ctx, tx, pg, res, r); err != nil {
					return err
				}
			}
			if _, err := notify.Queue(ctx, tx, pg.messages...); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO bank_cursors (name, cursor, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`, bankCursor, res.Next, p.cfg.Now().UTC())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// resultPage is what applying a page of results reads once: its payouts,
// locked, and the courts' custody and in-transit accounts.
type resultPage struct {
	payouts  map[uuid.UUID]*Payout
	accounts map[string]*Account // court id + kind
	messages []notify.Message    // to queue once the page is applied
}

func (pg *resultPage) account(ctx context.Context, tx *store.Tx, court uuid.UUID, kind AccountKind) (*Account, error) {
	key := court.String() + string(kind)
	if a := pg.accounts[key]; a != nil {
		return a, nil
	}
	a, err := courtAccount(ctx, tx, court, kind)
	if err == nil {
		pg.accounts[key] = a
	}
	return a, err
}

// loadPage reads and locks the payouts a page of results names, in one
// statement per 500.
func (p *Payer) loadPage(ctx context.Context, tx *store.Tx, results []bank.Result) (*resultPage, error) {
	pg := &resultPage{payouts: make(map[uuid.UUID]*Payout, len(results)), accounts: map[string]*Account{}}
	var ids []any
	for _, res := range results {
		if id, err := uuid.Parse(res.Ref); err == nil {
			ids = append(ids, id)
		}
	}
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(from+500, len(ids))]
		rows, err := tx.Query(ctx, payoutSelect+` WHERE o.id IN (`+store.Placeholders(len(chunk))+`) ORDER BY o.id`+tx.ForUpdate("o"), chunk...)
		if err != nil {
			return nil, err
		}
		list, err := store.ScanAll(rows, scanPayout)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			pg.payouts[o.ID] = o
		}
	}
	return pg, nil
}

// apply applies one result of the bank.
func (p *Payer) apply(ctx context.Context, tx *store.Tx, pg *resultPage, res bank.Result, r *Round) error {
	id, err := uuid.Parse(res.Ref)
	if err != nil {
		r.Stray++
		return nil
	}
	o := pg.payouts[id]
	if o == nil {
		r.Stray++
		return nil
	}
	switch {
	case res.Status == bank.Settled && (o.Status == PayoutSent || o.Status == PayoutApproved):
		custody, err := pg.account(ctx, tx, o.CourtID, Custody)
		if err != nil {
			return err
		}
		inTransit, err := pg.account(ctx, tx, o.CourtID, InTransit)
		if err != nil {
			return err
		}
		if _, err := post(ctx, tx, &Transfer{CourtID: o.CourtID, CaseID: o.CaseID, Kind: KindPayoutSettled, Ref: "payout:" + o.ID.String(),
			Memo: "银行已付款，流水 " + res.BankRef, BankRef: res.BankRef, CreatedByName: "托管银行",
			Postings: []Posting{debit(inTransit, o.AmountFen), credit(custody, o.AmountFen)}}); err != nil {
			return err
		}
		now := p.cfg.Now().UTC()
		if _, err := tx.Exec(ctx, `UPDATE payouts SET status = 'settled', bank_ref = ?, ended_at = ?, updated_at = ? WHERE id = ?`,
			textutil.Truncate(res.BankRef, 100), now, now, o.ID); err != nil {
			return err
		}
		late := ""
		if !o.DueOn.IsZero() && legal.Today(now).After(o.DueOn) {
			late = fmt.Sprintf("（超过发放期限 %s）", o.DueOn)
		}
		if err := logPayout(ctx, tx, o, "funds.payout_settled", fmt.Sprintf("已向%s发放 %s 至 %s %s，银行流水 %s%s", o.AccountName,
			triage.FormatYuan(o.AmountFen), o.PayeeBank, MaskAccount(o.PayeeAccountNo), res.BankRef, late),
			audit.Changes{"status": {From: o.Status, To: PayoutSettled}, "bank_ref": {To: res.BankRef}}); err != nil {
			return err
		}
		r.Settled++
		o.Status = PayoutSettled // a repeat later in the page is stray
		if o.NotifyPhone != "" {
			pg.messages = append(pg.messages, notify.Message{CourtID: o.CourtID, CaseID: o.CaseID, PartyID: o.PartyID, Phone: o.NotifyPhone,
				Kind: "funds_paid", Body: fmt.Sprintf("【执行款发放】%s：已于 %s 向您发放 %s 至 %s %s。", o.Purpose, legal.DateOf(now),
					triage.FormatYuan(o.AmountFen), o.PayeeBank, MaskAccount(o.PayeeAccountNo))})
			return nil
		}
		return tellParties(ctx, tx, o.CourtID, o.CaseID, "funds_paid", fmt.Sprintf("【执行款发放】%s 已于 %s 向%s发放执行款 %s。", o.CaseNo,
			legal.DateOf(now), o.AccountName, triage.FormatYuan(o.AmountFen)))
	case res.Status == bank.Failed && (o.Status == PayoutSent || o.Status == PayoutApproved):
		r.Failed++
		return p.failLoaded(ctx, tx, pg, o, PayoutFailed, "银行未能付款："+res.Reason, res.BankRef)
	case res.Status == bank.Returned && o.Status == PayoutSettled:
		r.Returned++
		return p.failLoaded(ctx, tx, pg, o, PayoutReturned, "款项被退回："+res.Reason, res.BankRef)
	}
	r.Stray++ // a repeat, or a result for a payout in another state
	return nil
}

// fail puts a payout's money back on its party's account: from the
// in-transit account when it was never paid, from the custody account when
// the payee's bank returned it.
func (p *Payer) fail(ctx context.Context, tx *store.Tx, id uuid.UUID, to PayoutStatus, reason, bankRef string) error {
	o, err := getPayout(ctx, tx, id, true)
	if err != nil {
		return err
	}
	return p.failLoaded(ctx, tx, &resultPage{accounts: map[string]*Account{}}, o, to, reason, bankRef)
}

func (p *Payer) failLoaded(ctx context.Context, tx *store.Tx, pg *resultPage, o *Payout, to PayoutStatus, reason, bankRef string) error {
	acc, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.id = ?`, o.AccountID))
	if err != nil {
		return err
	}
	fromKind, kind := InTransit, KindPayoutFailed
	if to == PayoutReturned {
		fromKind, kind = Custody, KindPayoutReturned
	}
	from, err := pg.account(ctx, tx, o.CourtID, fromKind)
	if err != nil {
		return err
	}
	if _, err := post(ctx, tx, &Transfer{CourtID: o.CourtID, CaseID: o.CaseID, Kind: kind, Ref: "payout:" + o.ID.String(),
		Memo: reason, CreatedByName: "托管银行", Postings: []Posting{debit(from, o.AmountFen), credit(acc, o.AmountFen)}}); err != nil {
		return err
	}
	now := p.cfg.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE payouts SET status = ?, bank_ref = CASE WHEN ? <> '' THEN ? ELSE bank_ref END, ended_at = ?,
		end_reason = ?, updated_at = ? WHERE id = ?`, string(to), bankRef, textutil.Truncate(bankRef, 100), now, textutil.Truncate(reason, 500), now, o.ID); err != nil {
		return err
	}
	from0 := o.Status
	o.Status = to
	return logPayout(ctx, tx, o, "funds.payout_"+string(to), fmt.Sprintf("发放 %s %s，款项回到%s的分户：%s", triage.FormatYuan(o.AmountFen),
		to.Label(), o.AccountName, reason), audit.Changes{"status": {From: from0, To: to}})
}

// Run calls RunOnce until ctx ends: at once again while there is work,
// every idle interval otherwise.
func (p *Payer) Run(ctx context.Context, idle time.Duration) error {
	if idle <= 0 {
		idle = 2 * time.Second
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		r, err := p.RunOnce(ctx)
		wait := idle
		switch {
		case err != nil && ctx.Err() == nil:
			p.cfg.Log.Warn("payer round failed", "err", err)
		case err == nil && r.Busy():
			wait = 0
		}
		t.Reset(wait)
	}
}
