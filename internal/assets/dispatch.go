package assets

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// Config tunes a Dispatcher. Zero fields take the defaults.
type Config struct {
	// Client sends to agencies (default: 30 s timeout).
	Client *agency.Client
	// Sim is how agencies without an endpoint of their own are reached: the
	// simulator's base URL and key.
	SimBase   string
	SimKeyID  string
	SimSecret []byte
	// CallbackBase is zhixing's own base URL as agencies reach it; callbacks
	// go to CallbackBase + CallbackPath + agency code.
	CallbackBase string
	// BatchSize is the most requests per POST to one agency (default and
	// maximum agency.MaxBatch).
	BatchSize int
	// ClaimLimit is the most requests taken for sending in one round
	// (default 2,000).
	ClaimLimit int
	// Lease is how long requests being sent are kept from other senders; a
	// dispatcher that dies mid-send leaves them to be sent again (same ids:
	// harmless) after it (default 1 min).
	Lease time.Duration
	// RetryBase and RetryMax shape the backoff after a failed attempt n:
	// min(RetryBase·2^(n-1), RetryMax), half of it random (default 2 s, 10 min).
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many sends a request gets before it is put on the
	// dead-letter list (default 12).
	MaxAttempts int
	// PollEvery is how often an agency with requests waiting for an answer
	// is polled for results whose callback was lost (default 30 s).
	PollEvery time.Duration
	// Interval is how often the dispatcher looks for work when not woken
	// (default 1 s).
	Interval time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// CallbackPath is the path, under zhixing's base URL, of the agencies'
// callbacks; the agency's code follows it.
const CallbackPath = "/agency/v1/callback/"

func (c *Config) defaults() {
	if c.Client == nil {
		c.Client = agency.NewClient(30 * time.Second)
	}
	if c.BatchSize <= 0 || c.BatchSize > agency.MaxBatch {
		c.BatchSize = agency.MaxBatch
	}
	if c.ClaimLimit <= 0 {
		c.ClaimLimit = 2000
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 2 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 10 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.PollEvery <= 0 {
		c.PollEvery = 30 * time.Second
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Dispatcher carries queued requests to their agencies and fetches answers
// whose callback was lost. Several may run on one PostgreSQL: each claims
// other rows (SKIP LOCKED) and a claimed row is leased.
type Dispatcher struct {
	db   *store.DB
	cfg  Config
	wake chan struct{}

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	polled   map[string]time.Time
}

// NewDispatcher returns a dispatcher for db.
func NewDispatcher(db *store.DB, cfg Config) *Dispatcher {
	cfg.defaults()
	return &Dispatcher{db: db, cfg: cfg, wake: make(chan struct{}, 1), limiters: map[string]*rate.Limiter{},
		polled: map[string]time.Time{}}
}

// Round is what one round of work did.
type Round struct {
	Expanded int // inquiries turned into requests
	Sent     int // requests acknowledged by their agency
	Rejected int // requests the agency refused
	Failed   int // requests whose send failed (to be retried, or dead)
	Polled   int // results fetched by polling
}

// Busy reports whether the round did anything.
func (r Round) Busy() bool { return r.Expanded+r.Sent+r.Rejected+r.Failed+r.Polled > 0 }

// Run works until ctx ends: it expands inquiries, sends due requests and
// polls for lost answers, round after round while there is work, else when
// woken (a transaction queued requests) or every Interval.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.db.Memo().Store(wakeKey{}, d.wake)
	defer d.db.Memo().CompareAndDelete(wakeKey{}, d.wake)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-t.C:
		}
		r, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.cfg.Log.Warn("asset dispatcher", "err", err)
		}
		wait := d.cfg.Interval
		if r.Busy() && err == nil {
			wait = 0
		}
		t.Reset(wait)
	}
}

// RunOnce does one round of work (tests and benchmarks drive it directly).
func (d *Dispatcher) RunOnce(ctx context.Context) (Round, error) {
	ctx = access.With(ctx, access.System("网络查控"))
	var r Round
	var err error
	if r.Expanded, err = expandPending(ctx, d.db, 200); err != nil {
		return r, fmt.Errorf("expanding inquiries: %w", err)
	}
	if err := d.sendDue(ctx, &r); err != nil {
		return r, fmt.Errorf("sending: %w", err)
	}
	if err := d.pollWaiting(ctx, &r); err != nil {
		return r, fmt.Errorf("polling: %w", err)
	}
	return r, nil
}

// outgoing is a claimed request with what its message needs.
type outgoing struct {
	agencyCode string
	attempts   int
	req        agency.Request
}

func claimSQL(e store.Engine) string {
	lock := ""
	if e == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return `WITH due AS MATERIALIZED (
		SELECT id FROM agency_requests WHERE status = 'queued' AND next_at <= ? ORDER BY next_at, id LIMIT ?` + lock + `)
	UPDATE agency_requests SET attempts = attempts + 1, next_at = ?, updated_at = ? WHERE id IN (SELECT id FROM due)
	RETURNING id`
}

// claim leases up to ClaimLimit due requests and loads their messages.
func (d *Dispatcher) claim(ctx context.Context) ([]outgoing, error) {
	now := d.cfg.Now().UTC()
	return store.TransactValue(ctx, d.db, func(ctx context.Context, tx *store.Tx) ([]outgoing, error) {
		rows, err := tx.Query(ctx, claimSQL(tx.Engine()), now, d.cfg.ClaimLimit, now.Add(d.cfg.Lease), now)
		if err != nil {
			return nil, err
		}
		var ids []any
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return nil, err
		}
		rows, err = tx.Query(ctx, `SELECT r.id, a.code, r.attempts, r.kind, r.op, c.code, c.name, k.case_no, r.purpose, r.requested_by_name,
			p.kind, p.name, p.id_number, COALESCE(s.ref, ''), r.amount_fen, r.term_to, COALESCE(ct.agency_ref, ''), r.documents, r.created_at
			FROM agency_requests r JOIN agencies a ON a.id = r.agency_id JOIN courts c ON c.id = r.court_id
			JOIN cases k ON k.id = r.case_id JOIN parties p ON p.id = r.party_id
			LEFT JOIN assets s ON s.id = r.asset_id LEFT JOIN controls ct ON ct.id = r.control_id
			WHERE r.id IN (`+store.Placeholders(len(ids))+`)`, ids...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := make([]outgoing, 0, len(ids))
		for rows.Next() {
			var (
				o       outgoing
				id      uuid.UUID
				term    legal.Date
				docs    string
				created time.Time
			)
			m := &o.req
			if err := rows.Scan(&id, &o.agencyCode, &o.attempts, &m.Kind, &m.Op, &m.Court, &m.CourtName, &m.CaseNo, &m.Purpose,
				&m.RequestedBy, &m.Subject.Kind, &m.Subject.Name, &m.Subject.IDNumber, &m.AssetRef, &m.AmountFen, &term,
				&m.ControlRef, &docs, &created); err != nil {
				return nil, err
			}
			m.ID, m.Agency, m.SentAt = id.String(), o.agencyCode, now
			if !term.IsZero() {
				m.TermTo = term.String()
			}
			if docs != "" {
				if err := json.Unmarshal([]byte(docs), &m.Documents); err != nil {
					return nil, err
				}
			}
			m.CallbackURL = strings.TrimSuffix(d.cfg.CallbackBase, "/") + CallbackPath + o.agencyCode
			out = append(out, o)
		}
		return out, rows.Err()
	})
}

// sendDue sends every due request, per agency, in batches at the agency's
// rate, and records the acknowledgements.
func (d *Dispatcher) sendDue(ctx context.Context, r *Round) error {
	out, err := d.claim(ctx)
	if err != nil || len(out) == 0 {
		return err
	}
	agencies, err := Agencies(ctx, d.db)
	if err != nil {
		return err
	}
	byCode := map[string]*Agency{}
	for i := range agencies {
		byCode[agencies[i].Code] = &agencies[i]
	}
	groups := map[string][]outgoing{}
	var order []string
	for _, o := range out {
		if _, ok := groups[o.agencyCode]; !ok {
			order = append(order, o.agencyCode)
		}
		groups[o.agencyCode] = append(groups[o.agencyCode], o)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, 8)
	)
	for _, code := range order {
		a, list := byCode[code], groups[code]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var res Round
			err := d.sendAgency(ctx, a, list, &res)
			mu.Lock()
			defer mu.Unlock()
			r.Sent, r.Rejected, r.Failed = r.Sent+res.Sent, r.Rejected+res.Rejected, r.Failed+res.Failed
			if err != nil && first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	return first
}

func (d *Dispatcher) limiter(a *Agency) *rate.Limiter {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.limiters[a.Code]
	if !ok || int(l.Limit()) != a.RatePerSec {
		if a.RatePerSec <= 0 {
			l = rate.NewLimiter(rate.Inf, agency.MaxBatch)
		} else {
			l = rate.NewLimiter(rate.Limit(a.RatePerSec), max(a.RatePerSec, 1))
		}
		d.limiters[a.Code] = l
	}
	return l
}

// endpoint returns how to reach a.
func (d *Dispatcher) endpoint(a *Agency) (agency.Endpoint, error) {
	ep := agency.Endpoint{Code: a.Code, Base: a.Endpoint, KeyID: a.KeyID}
	if a.Endpoint == "" {
		if d.cfg.SimBase == "" {
			return ep, errors.New("no endpoint and no simulator configured")
		}
		ep.Base = strings.TrimSuffix(d.cfg.SimBase, "/") + "/agencies/" + a.Code
	}
	if a.Secret == "" {
		ep.KeyID, ep.Secret = d.cfg.SimKeyID, d.cfg.SimSecret
	} else {
		s, err := decodeSecret(a.Secret)
		if err != nil {
			return ep, fmt.Errorf("agency %s: secret is not hex", a.Code)
		}
		ep.Secret = s
	}
	return ep, nil
}

func (d *Dispatcher) sendAgency(ctx context.Context, a *Agency, list []outgoing, r *Round) error {
	if a == nil || !a.Active || a.Channel == agency.ChannelPortal {
		// Deactivated (or turned into a portal agency) after queuing: the
		// requests wait for it to be reachable again, counted as attempts.
		return d.recordFailure(ctx, list, "协执单位已停用或不再经接口接收请求", 0, r)
	}
	ep, err := d.endpoint(a)
	if err != nil {
		return d.recordFailure(ctx, list, err.Error(), 0, r)
	}
	lim := d.limiter(a)
	size := min(d.cfg.BatchSize, lim.Burst())
	for from := 0; from < len(list); from += size {
		chunk := list[from:min(from+size, len(list))]
		if err := lim.WaitN(ctx, len(chunk)); err != nil {
			return d.recordFailure(ctx, list[from:], "未发送：调度停止", 0, r)
		}
		msgs := make([]agency.Request, len(chunk))
		for i, o := range chunk {
			msgs[i] = o.req
		}
		acks, err := d.cfg.Client.Send(ctx, ep, msgs)
		if err != nil {
			var busy *agency.BusyError
			wait := time.Duration(0)
			if errors.As(err, &busy) {
				wait = busy.RetryAfter
			}
			if err := d.recordFailure(ctx, chunk, err.Error(), wait, r); err != nil {
				return err
			}
			continue
		}
		if err := d.recordAcks(ctx, chunk, acks, r); err != nil {
			return err
		}
	}
	return nil
}

// recordAcks marks acknowledged requests sent and rejected ones rejected.
// A request already answered (its callback overtook the acknowledgement)
// stays answered.
func (d *Dispatcher) recordAcks(ctx context.Context, chunk []outgoing, acks []agency.Ack, r *Round) error {
	now := d.cfg.Now().UTC()
	return d.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		var accepted []uuid.UUID
		var rejected []ended
		for i, a := range acks {
			id, _ := uuid.Parse(chunk[i].req.ID)
			switch a.Status {
			case agency.AckAccepted, agency.AckDuplicate:
				accepted = append(accepted, id)
			default:
				reason := a.Reason
				if reason == "" {
					reason = "协执单位退回请求（未说明理由）"
				}
				rejected = append(rejected, ended{id: id, message: reason})
			}
		}
		if sent := lockOrder(accepted); len(sent) > 0 {
			// A callback for these requests may be applying results: lock
			// them in the order it does (PostgreSQL; see lockOrder).
			if lock := tx.ForUpdate(); lock != "" {
				rows, err := tx.Query(ctx, `SELECT id FROM agency_requests WHERE id IN (`+store.Placeholders(len(sent))+`) ORDER BY id`+lock, sent...)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					return err
				}
				rows.Close()
			}
			// status || '' keeps SQLite from reading the partial index of
			// queued requests (every queued row) instead of the primary key:
			// a third of the CPU at 4,000 cases (zhixing bench inquiry).
			args := append([]any{now, now}, sent...)
			if _, err := tx.Exec(ctx, `UPDATE agency_requests SET status = 'sent', sent_at = ?, last_error = '', updated_at = ?
				WHERE id IN (`+store.Placeholders(len(sent))+`) AND status || '' = 'queued'`, args...); err != nil {
				return err
			}
		}
		r.Sent += len(accepted)
		r.Rejected += len(rejected)
		return endRequests(ctx, tx, RequestRejected, rejected, now)
	})
}

// recordFailure schedules the next attempt of requests whose send failed,
// after the backoff (or the agency's Retry-After when longer), and puts
// those out of attempts on the dead-letter list.
func (d *Dispatcher) recordFailure(ctx context.Context, list []outgoing, msg string, atLeast time.Duration, r *Round) error {
	now := d.cfg.Now().UTC()
	msg = textutil.Abbrev(msg, 500)
	return d.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		var dead []ended
		for _, o := range list {
			id, _ := uuid.Parse(o.req.ID)
			if o.attempts >= d.cfg.MaxAttempts {
				dead = append(dead, ended{id: id, message: fmt.Sprintf("发送 %d 次均失败，已转入无法送达清单：%s", o.attempts, msg)})
				continue
			}
			next := now.Add(max(d.backoff(o.attempts), atLeast))
			if _, err := tx.Exec(ctx, `UPDATE agency_requests SET next_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = 'queued'`,
				next, msg, now, id); err != nil {
				return err
			}
		}
		r.Failed += len(list)
		return endRequests(ctx, tx, RequestDead, dead, now)
	})
}

func (d *Dispatcher) backoff(attempt int) time.Duration {
	b := d.cfg.RetryBase << min(max(attempt-1, 0), 20)
	if b <= 0 || b > d.cfg.RetryMax {
		b = d.cfg.RetryMax
	}
	return b/2 + time.Duration(mrand.Int64N(int64(b/2)+1))
}

// pollWaiting asks each agency with requests waiting longer than PollEvery
// for the results produced since its cursor, and applies them.
func (d *Dispatcher) pollWaiting(ctx context.Context, r *Round) error {
	now := d.cfg.Now().UTC()
	rows, err := d.db.Query(ctx, `SELECT DISTINCT a.code FROM agency_requests r JOIN agencies a ON a.id = r.agency_id
		WHERE r.status = 'sent' AND r.sent_at <= ? AND a.channel <> 'portal'`, now.Add(-d.cfg.PollEvery))
	if err != nil {
		return err
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		codes = append(codes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, code := range codes {
		d.mu.Lock()
		last := d.polled[code]
		due := now.Sub(last) >= d.cfg.PollEvery
		if due {
			d.polled[code] = now
		}
		d.mu.Unlock()
		if !due {
			continue
		}
		n, err := d.Poll(ctx, code)
		r.Polled += n
		if err != nil {
			d.cfg.Log.Warn("polling agency", "agency", code, "err", err)
		}
	}
	return nil
}

// Poll fetches and applies the results an agency produced since the last
// poll; it returns how many results it read.
func (d *Dispatcher) Poll(ctx context.Context, code string) (int, error) {
	ctx = access.With(ctx, access.System("网络查控（轮询）"))
	var a Agency
	a, err := scanAgency(d.db.QueryRow(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE code = ?`, code))
	if err != nil {
		return 0, err
	}
	ep, err := d.endpoint(&a)
	if err != nil {
		return 0, err
	}
	total := 0
	cursor := a.PollCursor
	for {
		res, err := d.cfg.Client.Poll(ctx, ep, cursor, 1000)
		if err != nil {
			return total, err
		}
		if len(res.Results) == 0 {
			return total, nil
		}
		if _, err := ApplyResults(ctx, d.db, code, res.Results, "poll"); err != nil {
			return total, err
		}
		total += len(res.Results)
		next := res.Next
		for _, x := range res.Results {
			next = max(next, x.Seq)
		}
		if next <= cursor {
			return total, nil
		}
		cursor = next
		if err := d.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE agencies SET poll_cursor = ?, polled_at = ? WHERE code = ? AND poll_cursor < ?`,
				cursor, d.cfg.Now().UTC(), code, cursor)
			return err
		}); err != nil {
			return total, err
		}
	}
}

func decodeSecret(s string) ([]byte, error) { return hex.DecodeString(s) }
