// Package agencies simulates the agencies that assist enforcement
// (协助执行单位) on the far side of the connector protocol of
// internal/assets/agency: banks, payment companies, registries, the market
// regulator, the police. It is what zhixing's dispatcher talks to in tests,
// benchmarks and demos (`zhixing sim agencies`), and what
// docs/agency-protocol.md describes for the people building the real
// agencies' side.
//
// The simulator is realistic where it matters to the court:
//
//   - every request is acknowledged at once and answered later, after a delay
//     typical of the kind (half a minute for a bank, days for a person search)
//     multiplied by Options.TimeScale; the answer is POSTed, signed, to the
//     request's callback URL and stays available for polling;
//   - subjects hold deterministic assets (Options.Seed), most of them nothing
//     at most agencies, and assets keep their state: money frozen, deducted,
//     controls ranked 首封 then 轮候, waiting controls taking effect when an
//     earlier one is lifted, terms running out;
//   - request ids make retries harmless: an id seen before is a duplicate and
//     nothing is done again;
//   - with a journal (Options.JournalPath) it survives restarts: what it
//     accepted and answered is on disk before it says so;
//   - it fails on demand (Fault): down, answering 500 after accepting,
//     losing callbacks.
package agencies

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

// Options configure a simulator.
type Options struct {
	// KeyID and Secret are the one key shared with zhixing: every incoming
	// request must be signed with it (agency.Verify) and every callback is
	// signed with it (agency.PostResults).
	KeyID  string
	Secret []byte
	// TimeScale multiplies the realistic answer delays (0.01: a bank's
	// 30 s–10 min becomes 0.3–6 s). 0 answers as soon as RunDue or Run
	// looks (tests, benchmarks).
	TimeScale float64
	// Seed determines the holdings of every subject.
	Seed uint64
	// JournalPath is an append-only JSON-lines file of everything accepted
	// and answered, replayed by New; "" keeps everything in memory only.
	JournalPath string
	// Directory lists the agencies played; nil means agency.Directory()
	// without the portal agencies (their operators answer by hand in
	// zhixing itself).
	Directory []agency.Entry
	// HTTPClient delivers callbacks (default: a 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Fault is a failure the simulator plays on demand.
type Fault struct {
	// Down makes every agency route answer 503 with Retry-After.
	Down bool `json:"down"`
	// FailAfterAccept is the fraction of POST /requests that are accepted and
	// journaled but answered 500: the client retries with the same ids and
	// must get duplicates.
	FailAfterAccept float64 `json:"fail_after_accept"`
	// DropCallbacks is the fraction of callback POSTs silently not sent: the
	// results are then only found by polling.
	DropCallbacks float64 `json:"drop_callbacks"`
}

func (f Fault) valid() error {
	for _, p := range []float64{f.FailAfterAccept, f.DropCallbacks} {
		if math.IsNaN(p) || p < 0 || p > 1 {
			return errors.New("比例应在 0 与 1 之间")
		}
	}
	return nil
}

// Stats counts what the simulator did since it started (a restart from the
// journal starts the counters again).
type Stats struct {
	Received           int64 `json:"received"`   // requests in batches that passed signature, size and rate checks
	Accepted           int64 `json:"accepted"`   // acknowledged "accepted"
	Duplicates         int64 `json:"duplicates"` // acknowledged "duplicate"
	Rejected           int64 `json:"rejected"`   // acknowledged "rejected"
	Answered           int64 `json:"answered"`   // results produced
	Pending            int64 `json:"pending"`    // accepted and not answered yet
	CallbacksDelivered int64 `json:"callbacks_delivered"`
	CallbackPosts      int64 `json:"callback_posts"`    // successful callback POSTs
	CallbacksFailed    int64 `json:"callbacks_failed"`  // failed callback POSTs (retried)
	CallbacksDropped   int64 `json:"callbacks_dropped"` // results not delivered on purpose (Fault.DropCallbacks)
	Outbox             int64 `json:"outbox"`            // results waiting for their callback
	RateLimited        int64 `json:"rate_limited"`      // 429 answers
	Unauthorized       int64 `json:"unauthorized"`      // 401 answers
	Faults             int64 `json:"faults"`            // 503 and 500 answers played by Fault
	// ByOp counts accepted requests per operation, ByStatus results per
	// status.
	ByOp     map[agency.Op]int64           `json:"by_op"`
	ByStatus map[agency.ResultStatus]int64 `json:"by_status"`
	// DoubleActions counts controls about to be applied a second time for
	// one request id (and refused). It must always be 0.
	DoubleActions int64 `json:"double_actions"`
}

var statuses = []agency.ResultStatus{agency.ResultDone, agency.ResultPartial, agency.ResultNotFound, agency.ResultFailed}

type counters struct {
	received, accepted, duplicates, rejected, answered atomic.Int64
	delivered, posts, cbFailed, dropped                atomic.Int64
	rateLimited, unauthorized, faults, doubleActions   atomic.Int64
	byOp                                               [7]atomic.Int64 // agency.Ops order
	byStatus                                           [4]atomic.Int64 // statuses order
}

// Sim is a simulator of the agencies. Its methods are safe for concurrent
// use.
type Sim struct {
	opts     Options
	now      func() time.Time
	log      *slog.Logger
	hc       *http.Client
	agencies map[string]*agencyState
	order    []*agencyState // directory order
	shards   []*shard
	journal  *simkit.Journal // nil: memory only
	out      outbox
	stats    counters
	gate     simkit.Gate // reads and verifies the signed requests

	faultMu sync.Mutex
	fault   Fault
	rng     *rand.Rand // fault decisions; guarded by faultMu

	wake   chan struct{} // new pending requests for Run
	runMu  sync.Mutex    // serialises answering
	seq    atomic.Uint64 // acceptance order, the tie-breaker of equal due times
	closed atomic.Bool
	done   chan struct{}
	broken atomic.Pointer[error] // a journal write failed: nothing is accepted any more
}

// agencyState is one played agency. The fields after shard are guarded by
// shard.mu.
type agencyState struct {
	entry   agency.Entry
	regs    map[agency.Kind]registry
	limiter *rate.Limiter // nil: unlimited
	limMu   sync.Mutex
	shard   *shard

	seen    idSet    // request ids accepted
	results []stored // in Seq order
	mem     [][]byte // the results' JSON when they are not read from the journal
	nextSeq int64
	visible int64 // results up to this Seq are durable and may be polled
}

// stored is a produced result as polling finds it: with a journal, where its
// JSON is in the journal file (24 bytes of memory a result); without, its
// index in agencyState.mem.
type stored struct {
	seq int64
	off int64 // offset in the journal, or index in mem when n is 0
	n   int32 // length in the journal
}

// shard is the state behind one mutex: the agencies that share assets (a
// registry and the agencies carrying out controls on its register) and
// their assets.
type shard struct {
	mu        sync.Mutex
	assets    map[string]*asset           // by assetKey
	overrides map[string][]agency.Holding // by overrideKey
	pending   pendingHeap
	acted     idSet // control request ids applied (the DoubleActions guard)
}

// New starts a simulator, replaying the journal when there is one.
func New(opts Options) (*Sim, error) {
	if opts.KeyID == "" || len(opts.Secret) == 0 {
		return nil, errors.New("agencies: KeyID and Secret are required")
	}
	if math.IsNaN(opts.TimeScale) || math.IsInf(opts.TimeScale, 0) || opts.TimeScale < 0 {
		return nil, fmt.Errorf("agencies: TimeScale %v must be ≥ 0", opts.TimeScale)
	}
	s := &Sim{
		opts:     opts,
		now:      opts.Now,
		log:      opts.Log,
		hc:       opts.HTTPClient,
		agencies: map[string]*agencyState{},
		rng:      rand.New(rand.NewPCG(opts.Seed, 0x5eed_fa17)),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	s.out.queues = map[string]*outQueue{}
	s.out.wake = make(chan struct{}, 1)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.gate = simkit.Gate{KeyID: opts.KeyID, Secret: opts.Secret, MaxBodyBytes: agency.MaxBodyBytes,
		Now: s.now, Unauthorized: &s.stats.unauthorized}
	all := agency.Directory()
	played := opts.Directory
	if played == nil {
		for _, e := range all {
			if e.Channel != agency.ChannelPortal {
				played = append(played, e)
			}
		}
	}
	if err := s.setup(played, all); err != nil {
		return nil, err
	}
	if opts.JournalPath != "" {
		j, err := simkit.OpenJournal(opts.JournalPath, "agencies", "协执单位模拟器")
		if err != nil {
			return nil, err
		}
		s.journal = j
		if err := s.replay(j); err != nil {
			j.Abandon()
			return nil, err
		}
	}
	return s, nil
}

// setup builds the agencies and groups them into shards: an agency that
// carries out controls on another's register shares that agency's shard.
func (s *Sim) setup(played, all []agency.Entry) error {
	parent := map[string]string{}
	var find func(string) string
	find = func(c string) string {
		if p := parent[c]; p != c {
			parent[c] = find(p)
		}
		return parent[c]
	}
	for _, e := range played {
		if e.Code == "" {
			return errors.New("agencies: directory entry without code")
		}
		if _, dup := s.agencies[e.Code]; dup {
			return fmt.Errorf("agencies: agency %q listed twice", e.Code)
		}
		a := &agencyState{entry: e, regs: map[agency.Kind]registry{}, nextSeq: 1}
		if e.RatePerSec > 0 {
			r := 2 * e.RatePerSec
			a.limiter = rate.NewLimiter(rate.Limit(r), r)
		}
		s.agencies[e.Code] = a
		s.order = append(s.order, a)
		parent[e.Code] = e.Code
	}
	for _, a := range s.order {
		for _, k := range a.entry.Kinds {
			reg := resolveRegistry(a.entry, k, played, all)
			a.regs[k] = registry{Code: reg.Code, Name: reg.Name, Region: reg.Region}
			if _, ok := s.agencies[reg.Code]; ok {
				parent[find(a.entry.Code)] = find(reg.Code)
			}
		}
	}
	byRoot := map[string]*shard{}
	for _, a := range s.order {
		root := find(a.entry.Code)
		sh := byRoot[root]
		if sh == nil {
			sh = &shard{assets: map[string]*asset{}, overrides: map[string][]agency.Holding{}}
			byRoot[root] = sh
			s.shards = append(s.shards, sh)
		}
		a.shard = sh
	}
	return nil
}

// resolveRegistry is the agency whose register holds the assets of kind k
// that e reports or controls: e itself when it answers inquiries, else the
// agency (played first, then of the whole directory) that answers them.
func resolveRegistry(e agency.Entry, k agency.Kind, played, all []agency.Entry) agency.Entry {
	if e.Inquire {
		return e
	}
	for _, list := range [][]agency.Entry{played, all} {
		for _, o := range list {
			if o.Inquire && slices.Contains(o.Kinds, k) {
				return o
			}
		}
	}
	return e
}

// Close flushes and closes the journal. The simulator answers nothing
// afterwards.
func (s *Sim) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.done)
	s.runMu.Lock() // wait for an answering round to finish
	defer s.runMu.Unlock()
	if s.journal != nil {
		return s.journal.Close()
	}
	return nil
}

// abandon drops the simulator as a crash would: the journal is closed
// without another write (tests use it to restart from the same journal).
func (s *Sim) abandon() {
	if s.closed.Swap(true) {
		return
	}
	close(s.done)
	if s.journal != nil {
		s.journal.Abandon()
	}
}

// fail records a journal failure: from now on the simulator accepts nothing.
func (s *Sim) fail(err error) {
	if err == nil || errors.Is(err, simkit.ErrClosed) {
		return
	}
	if s.broken.CompareAndSwap(nil, &err) {
		s.log.Error("协执单位模拟器日志写入失败，停止受理", "err", err)
	}
}

func (s *Sim) brokenErr() error {
	if p := s.broken.Load(); p != nil {
		return *p
	}
	return nil
}

// SetFault sets the failures to play.
func (s *Sim) SetFault(f Fault) {
	s.faultMu.Lock()
	s.fault = f
	s.faultMu.Unlock()
}

func (s *Sim) currentFault() Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.fault
}

// roll reports whether an event of probability p happens, from the seeded
// fault PRNG.
func (s *Sim) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.rng.Float64() < p
}

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	c := &s.stats
	st := Stats{
		Received: c.received.Load(), Accepted: c.accepted.Load(), Duplicates: c.duplicates.Load(), Rejected: c.rejected.Load(),
		Answered: c.answered.Load(), CallbacksDelivered: c.delivered.Load(), CallbackPosts: c.posts.Load(),
		CallbacksFailed: c.cbFailed.Load(), CallbacksDropped: c.dropped.Load(), RateLimited: c.rateLimited.Load(),
		Unauthorized: c.unauthorized.Load(), Faults: c.faults.Load(), DoubleActions: c.doubleActions.Load(),
		ByOp: map[agency.Op]int64{}, ByStatus: map[agency.ResultStatus]int64{},
	}
	for i, op := range agency.Ops {
		st.ByOp[op] = c.byOp[i].Load()
	}
	for i, rs := range statuses {
		st.ByStatus[rs] = c.byStatus[i].Load()
	}
	for _, sh := range s.shards {
		sh.mu.Lock()
		st.Pending += int64(len(sh.pending))
		sh.mu.Unlock()
	}
	s.out.mu.Lock()
	for _, q := range s.out.queues {
		st.Outbox += int64(len(q.items))
	}
	s.out.mu.Unlock()
	return st
}

func opIndex(op agency.Op) int { return slices.Index(agency.Ops, op) }

func statusIndex(rs agency.ResultStatus) int { return slices.Index(statuses, rs) }

// admit takes n messages from the agency's rate limit, or says how long to
// wait. A batch larger than the burst is admitted when the bucket holds a
// full burst and leaves the bucket in debt, so that big batches are slowed
// down, not refused for ever.
func (a *agencyState) admit(now time.Time, n int) (bool, time.Duration) {
	if a.limiter == nil || n == 0 {
		return true, 0
	}
	a.limMu.Lock()
	defer a.limMu.Unlock()
	burst := a.limiter.Burst()
	need := float64(min(n, burst))
	if have := a.limiter.TokensAt(now); have < need {
		wait := time.Duration((need - have) / float64(a.limiter.Limit()) * float64(time.Second))
		return false, wait
	}
	for rest := n; rest > 0; rest -= burst {
		a.limiter.ReserveN(now, min(rest, burst))
	}
	return true, 0
}
