// Package bank simulates the bank that keeps the courts' custody accounts
// (执行款专户) on the far side of the connector protocol of
// internal/funds/bank (docs/bank-protocol.md). It is what zhixing's payout
// and reconciliation code talks to in tests and demos (`zhixing sim bank`).
// In this package `bank.X` is the protocol's X.
//
// The simulator is realistic where it matters to the court:
//
//   - instructions are acknowledged at once and carried out later, after a
//     delay typical of a transfer (10 s – 10 min, fixed per reference)
//     multiplied by Options.TimeScale; RunDue carries out what is due now
//     (tests), Run does it on time (the process);
//   - a payout is paid from the custody account's balance when it falls
//     due, or fails when the balance is short; payouts to accounts ending in
//     "0000" (Bounces) are paid and then sent back by the payee's bank an
//     hour to a day later, the money returning as a credit line that
//     carries the instruction's reference;
//   - a reference seen before is a duplicate: nothing is paid twice
//     (Stats.DoublePayments counts the attempts and must stay 0);
//   - the statement has a unique ID (流水号) per line, booking dates in
//     Asia/Shanghai and daily opening and closing balances that add up;
//     Pay books money paid in, as a debtor paying into a case's virtual
//     account number does;
//   - with a journal (Options.JournalPath) it survives restarts: accounts,
//     references, results and lines are on disk before it says so;
//   - it fails on demand (SetFault): down (503 with Retry-After), or
//     answering 500 after it has recorded a batch.
package bank

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

// Defaults for running the simulator beside zhixing (`zhixing sim bank`).
const (
	DefaultKeyID = "sim"              // the key id both sides use
	SecretFile   = "bank-sim.key"     // the shared secret, in the data directory
	JournalFile  = "bank-sim.journal" // the journal, in the data directory
)

// Realistic times, before Options.TimeScale: a transfer is carried out
// SettleMin–SettleMax after it is accepted; a bounced one comes back
// ReturnMin–ReturnMax after it was paid. Down answers Retry-After
// DownRetryAfter.
const (
	SettleMin      = 10 * time.Second
	SettleMax      = 10 * time.Minute
	ReturnMin      = time.Hour
	ReturnMax      = 24 * time.Hour
	DownRetryAfter = 30 * time.Second
)

// Options configure a simulator.
type Options struct {
	// KeyID and Secret are the key shared with zhixing: every request must
	// be signed with it (agency.Sign).
	KeyID  string
	Secret []byte
	// TimeScale multiplies the realistic delays (0.01: a transfer in
	// 0.1–6 s, a return in 36 s – 15 min). 0 carries everything out as soon
	// as RunDue or Run looks (tests).
	TimeScale float64
	// Seed fixes the delays of every reference and the faults' dice.
	Seed uint64
	// JournalPath is an append-only JSON-lines file of everything done,
	// replayed by New; "" keeps everything in memory only.
	JournalPath string
	// AutoOpen opens an unknown custody account when an instruction or a
	// payment names it, with a balance of AutoOpenFen (demos). Without it an
	// unknown account is rejected.
	AutoOpen    bool
	AutoOpenFen int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Fault is a failure the simulator plays on demand.
type Fault struct {
	// Down makes the protocol's endpoints answer 503 with Retry-After.
	Down bool `json:"down"`
	// FailAfterAccept is the fraction of batches that are recorded (and
	// journaled) but answered 500: the sender resends the same references
	// and must get duplicates.
	FailAfterAccept float64 `json:"fail_after_accept"`
}

func (f Fault) valid() error {
	if math.IsNaN(f.FailAfterAccept) || f.FailAfterAccept < 0 || f.FailAfterAccept > 1 {
		return errors.New("fail_after_accept 应在 0 与 1 之间")
	}
	return nil
}

// Stats counts what the simulator did since it started (a restart from the
// journal starts the counters again); Pending, ReturnsPending and Accounts
// are the state now.
type Stats struct {
	Received       int64 `json:"received"`   // instructions in batches that passed the signature and size checks
	Accepted       int64 `json:"accepted"`   // acknowledged "accepted"
	Duplicates     int64 `json:"duplicates"` // acknowledged "duplicate"
	Rejected       int64 `json:"rejected"`   // acknowledged "rejected"
	Settled        int64 `json:"settled"`
	Failed         int64 `json:"failed"`
	Returned       int64 `json:"returned"`
	PaymentsIn     int64 `json:"payments_in"`
	Unauthorized   int64 `json:"unauthorized"` // 401 answers
	Faults         int64 `json:"faults"`       // 503 and 500 answers played by Fault
	Pending        int64 `json:"pending"`      // accepted, not carried out yet
	ReturnsPending int64 `json:"returns_pending"`
	Accounts       int64 `json:"accounts"`
	// DoublePayments counts instructions about to be carried out a second
	// time (and refused). It must always be 0.
	DoublePayments int64 `json:"double_payments"`
}

type counters struct {
	received, accepted, duplicates, rejected atomic.Int64
	settled, failed, returned, paymentsIn    atomic.Int64
	unauthorized, faults, doublePayments     atomic.Int64
}

// Sim is a simulator of a bank keeping custody accounts. Its methods are
// safe for concurrent use.
type Sim struct {
	opts  Options
	now   func() time.Time
	log   *slog.Logger
	stats counters
	gate  simkit.Gate   // reads and verifies the signed requests
	wake  chan struct{} // new work for Run
	done  chan struct{} // closed by Close
	// processed, when set (tests), is called after a round of process
	// that produced results, with their number.
	processed func(n int)

	mu       sync.Mutex // guards what follows, and the journal's writes
	accounts map[string]*account
	order    []*account // opening order
	instrs   map[string]*instr
	due      eventHeap
	results  []bank.Result   // results[i].Seq == i+1
	lineNo   int64           // lines booked, the counter in line IDs
	accepted int64           // instructions accepted, their order
	journal  *simkit.Journal // nil: memory only
	fault    Fault
	rng      *rand.Rand // fault decisions
	broken   error      // a journal write failed: nothing is done any more
	closed   bool
}

// account is one custody account.
type account struct {
	number, name string
	openingFen   int64 // the balance when the simulator opened it
	openedAt     time.Time
	balance      int64
	lines        []booked // in booking order, so in date order
}

// booked is a statement line and the balance after it.
type booked struct {
	line  bank.Line
	after int64
}

// instr is an accepted instruction.
type instr struct {
	in        bank.Instruction
	order     int64
	due       time.Time
	status    bank.ResultStatus // "" until carried out
	returnDue time.Time         // a settled payout that bounces: when it comes back
}

// New starts a simulator, replaying the journal when there is one.
func New(opts Options) (*Sim, error) {
	if opts.KeyID == "" || len(opts.Secret) == 0 {
		return nil, errors.New("bank sim: KeyID and Secret are required")
	}
	if math.IsNaN(opts.TimeScale) || math.IsInf(opts.TimeScale, 0) || opts.TimeScale < 0 {
		return nil, fmt.Errorf("bank sim: TimeScale %v must be ≥ 0", opts.TimeScale)
	}
	if opts.AutoOpenFen < 0 || opts.AutoOpenFen > legal.MaxAmountFen {
		return nil, fmt.Errorf("bank sim: AutoOpenFen %d out of range", opts.AutoOpenFen)
	}
	s := &Sim{
		opts:     opts,
		now:      opts.Now,
		log:      opts.Log,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		accounts: map[string]*account{},
		instrs:   map[string]*instr{},
		rng:      rand.New(rand.NewPCG(opts.Seed, 0xba4c_fa17)),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.gate = simkit.Gate{KeyID: opts.KeyID, Secret: opts.Secret, MaxBodyBytes: bank.MaxBodyBytes,
		Now: s.now, Unauthorized: &s.stats.unauthorized}
	if opts.JournalPath != "" {
		j, err := simkit.OpenJournal(opts.JournalPath, "bank sim", "专户银行模拟器")
		if err != nil {
			return nil, err
		}
		if err := s.replay(j); err != nil {
			j.Abandon()
			return nil, err
		}
		s.journal = j
	}
	return s, nil
}

// Close closes the journal. The simulator does nothing afterwards.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	if s.journal != nil {
		return s.journal.Close()
	}
	return nil
}

// abandon drops the simulator as a crash would: the journal is closed
// without another write or sync (tests restart from it).
func (s *Sim) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	if s.journal != nil {
		s.journal.Abandon()
	}
}

// SetFault sets the failures to play.
func (s *Sim) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	c := &s.stats
	st := Stats{
		Received: c.received.Load(), Accepted: c.accepted.Load(), Duplicates: c.duplicates.Load(), Rejected: c.rejected.Load(),
		Settled: c.settled.Load(), Failed: c.failed.Load(), Returned: c.returned.Load(), PaymentsIn: c.paymentsIn.Load(),
		Unauthorized: c.unauthorized.Load(), Faults: c.faults.Load(), DoublePayments: c.doublePayments.Load(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.due {
		if ev.ret {
			st.ReturnsPending++
		} else {
			st.Pending++
		}
	}
	st.Accounts = int64(len(s.accounts))
	return st
}

// usable is the error every operation answers when the simulator cannot
// act: closed, journal broken, or (for the protocol's endpoints) down.
// Call it holding mu.
func (s *Sim) usable(protocol bool) error {
	switch {
	case s.closed:
		return &bank.StatusError{Status: http.StatusServiceUnavailable, Message: "模拟器已关闭"}
	case s.broken != nil:
		return &bank.StatusError{Status: http.StatusInternalServerError, Message: "模拟器日志写入失败，暂停受理"}
	case protocol && s.fault.Down:
		s.stats.faults.Add(1)
		return &bank.BusyError{Status: http.StatusServiceUnavailable, RetryAfter: DownRetryAfter, Message: "系统维护中，暂停服务（模拟故障）"}
	}
	return nil
}

// write appends records to the journal and syncs it; a failure breaks the
// simulator (the file's end is unknown). Call it holding mu.
func (s *Sim) write(buf []byte) error {
	if s.journal == nil || len(buf) == 0 {
		return nil
	}
	if err := s.journal.AppendSync(buf); err != nil {
		s.broken = err
		s.log.Error("专户银行模拟器日志写入失败，停止受理", "err", err)
		return &bank.StatusError{Status: http.StatusInternalServerError, Message: "模拟器日志写入失败，暂停受理"}
	}
	return nil
}

func (s *Sim) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// scaled is d × TimeScale.
func (s *Sim) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.opts.TimeScale)
}

// SettleDelay is how long after acceptance the instruction ref is carried
// out, before the time scale: log-uniform in SettleMin–SettleMax, fixed by
// seed and ref.
func SettleDelay(seed uint64, ref string) time.Duration {
	return logUniform(seed, "settle", ref, SettleMin, SettleMax)
}

// ReturnDelay is how long after it was paid a bounced payout comes back,
// before the time scale.
func ReturnDelay(seed uint64, ref string) time.Duration {
	return logUniform(seed, "return", ref, ReturnMin, ReturnMax)
}

func logUniform(seed uint64, kind, ref string, lo, hi time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write(strconv.AppendUint(nil, seed, 10))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(kind))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(ref))
	u := float64(h.Sum64()>>11) / (1 << 53)
	return time.Duration(float64(lo) * math.Pow(float64(hi)/float64(lo), u)).Round(time.Millisecond)
}

// Bounces reports whether the payee's bank sends back what is paid to
// payeeAccount: the simulator's stand-in for closed accounts and name
// mismatches is an account number ending in "0000".
func Bounces(payeeAccount string) bool {
	return strings.HasSuffix(strings.TrimSpace(payeeAccount), "0000")
}

// yuan writes fen as yuan with thousands separators: 1234567 → "12,345.67".
func yuan(fen int64) string {
	neg := fen < 0
	u := uint64(fen)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	fmt.Fprintf(&b, ".%02d", u%100)
	return b.String()
}
