package agencies

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

const (
	answerChunk   = 2000            // results per shard per journal write
	callbackBatch = agency.MaxBatch // results per callback POST
)

// produced is a result on its way to its callback URL.
type produced struct {
	ag  *agencyState
	url string
	res agency.Result
}

// RunDue answers synchronously every request due now and delivers the
// callbacks (one attempt per callback URL whose retry is due); it returns
// the number of results produced. Tests and benchmarks use it with
// TimeScale 0 instead of waiting.
func (s *Sim) RunDue(ctx context.Context) int {
	n := s.answerDue(s.now())
	s.deliver(ctx, false)
	return n
}

// Run answers requests when they fall due and delivers callbacks until ctx
// ends or the simulator is closed. It sleeps on timers between events. It
// returns nil when stopped and the journal's error when the journal failed.
func (s *Sim) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	var wg sync.WaitGroup
	wg.Go(func() { s.deliverLoop(ctx) })
	err := s.answerLoop(ctx)
	cancel()
	wg.Wait()
	return err
}

func (s *Sim) answerLoop(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if err := s.brokenErr(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		s.answerDue(s.now())
		wait := time.Hour
		if next, ok := s.nextDue(); ok {
			wait = max(time.Millisecond, next.Sub(s.now()))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-timer.C:
		}
	}
}

func (s *Sim) deliverLoop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		s.deliver(ctx, true)
		wait := time.Hour
		if next, ok := s.nextRetry(); ok {
			wait = max(time.Millisecond, next.Sub(s.now()))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-s.out.wake:
		case <-timer.C:
		}
	}
}

// nextDue is when the earliest pending request falls due.
func (s *Sim) nextDue() (time.Time, bool) {
	var next time.Time
	found := false
	for _, sh := range s.shards {
		sh.mu.Lock()
		if len(sh.pending) > 0 && (!found || sh.pending[0].due.Before(next)) {
			next, found = sh.pending[0].due, true
		}
		sh.mu.Unlock()
	}
	return next, found
}

// answerDue answers every request due at now: per shard, a chunk of results
// is produced and journaled in one write; all are synced at once, then made
// pollable and queued for their callbacks.
func (s *Sim) answerDue(now time.Time) int {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	total := 0
	for !s.closed.Load() && s.brokenErr() == nil {
		var out []produced
		var off int64
		for _, sh := range s.shards {
			o, n, err := s.answerShard(sh, now, out)
			if err != nil {
				s.fail(err)
				return total
			}
			out, off = o, max(off, n)
		}
		if len(out) == 0 {
			break
		}
		if err := s.journal.Sync(off); err != nil {
			s.fail(err)
			return total
		}
		s.publish(out)
		total += len(out)
	}
	return total
}

// answerShard answers up to answerChunk due requests of one shard.
func (s *Sim) answerShard(sh *shard, now time.Time, out []produced) ([]produced, int64, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ac := &answerCtx{now: now, today: today(now)}
	var buf []byte
	type fix struct {
		ag  *agencyState
		i   int
		pos int // of the result's JSON in buf
	}
	var fixes []fix
	for n := 0; n < answerChunk && len(sh.pending) > 0 && !sh.pending[0].due.After(now); n++ {
		it := heap.Pop(&sh.pending).(*pendingItem)
		ac.dirty = ac.dirty[:0]
		res := s.answer(sh, it, ac)
		res.Seq = it.ag.nextSeq
		it.ag.nextSeq++
		raw, err := json.Marshal(res)
		if err != nil {
			return out, 0, err
		}
		if s.journal != nil {
			var pos int
			if buf, pos, err = appendResult(buf, it.ag.entry.Code, raw, ac.dirty); err != nil {
				return out, 0, err
			}
			it.ag.results = append(it.ag.results, stored{seq: res.Seq, n: int32(len(raw))})
			fixes = append(fixes, fix{it.ag, len(it.ag.results) - 1, pos})
		} else {
			it.ag.results = append(it.ag.results, stored{seq: res.Seq, off: int64(len(it.ag.mem))})
			it.ag.mem = append(it.ag.mem, raw)
		}
		out = append(out, produced{ag: it.ag, url: it.req.CallbackURL, res: res})
	}
	if len(buf) == 0 {
		return out, 0, nil
	}
	off, err := s.journal.Append(buf)
	start := off - int64(len(buf))
	for _, f := range fixes {
		f.ag.results[f.i].off = start + int64(f.pos)
	}
	return out, off, err
}

// resultPrefix begins the journal line of a result of agency code; the
// result's JSON follows it.
func resultPrefix(buf []byte, code string) []byte {
	buf = append(buf, `{"t":"res","a":`...)
	buf = strconv.AppendQuote(buf, code)
	return append(buf, `,"r":`...)
}

// appendResult appends the journal line of a result and the state of the
// assets it changed; pos is where the result's JSON begins in buf.
func appendResult(buf []byte, code string, raw []byte, dirty []*asset) (_ []byte, pos int, _ error) {
	buf = resultPrefix(buf, code)
	pos = len(buf)
	buf = append(buf, raw...)
	if len(dirty) > 0 {
		fx, err := json.Marshal(dirty)
		if err != nil {
			return buf, pos, err
		}
		buf = append(buf, `,"fx":`...)
		buf = append(buf, fx...)
	}
	return append(buf, "}\n"...), pos, nil
}

// resultJSON returns the JSON of a stored result; for one in the journal it
// reads the file (call it without holding the shard's lock).
func (s *Sim) resultJSON(st stored, mem []byte) ([]byte, error) {
	if st.n == 0 {
		return mem, nil
	}
	return s.journal.ReadAt(st.off, st.n)
}

// publish makes durable results pollable and queues their callbacks.
func (s *Sim) publish(out []produced) {
	last := map[*agencyState]int64{}
	for _, p := range out {
		last[p.ag] = max(last[p.ag], p.res.Seq)
		s.stats.answered.Add(1)
		s.stats.byStatus[statusIndex(p.res.Status)].Add(1)
	}
	for ag, seq := range last {
		ag.shard.mu.Lock()
		ag.visible = max(ag.visible, seq)
		ag.shard.mu.Unlock()
	}
	s.enqueue(out)
}

// outbox holds the results waiting for their callback, per callback URL.
type outbox struct {
	mu     sync.Mutex
	queues map[string]*outQueue
	wake   chan struct{}
}

type outQueue struct {
	url      string
	items    []agency.Result
	failures int // consecutive failed POSTs
	lastTry  time.Time
	busy     bool // a delivery is under way
}

func (s *Sim) enqueue(out []produced) {
	if len(out) == 0 {
		return
	}
	s.out.mu.Lock()
	for _, p := range out {
		q := s.out.queues[p.url]
		if q == nil {
			q = &outQueue{url: p.url}
			s.out.queues[p.url] = q
		}
		q.items = append(q.items, p.res)
	}
	s.out.mu.Unlock()
	select {
	case s.out.wake <- struct{}{}:
	default:
	}
}

// backoff is how long to wait before retrying a callback URL after n
// consecutive failures: 10 s doubling up to 5 min, times TimeScale; under
// Run at least 200 ms doubling up to 10 s, so that TimeScale 0 does not spin.
// RunDue retries at its next call when TimeScale is 0.
func (s *Sim) backoff(n int, run bool) time.Duration {
	d := time.Duration(float64(min(10*time.Second<<min(n-1, 6), 5*time.Minute)) * s.opts.TimeScale)
	if run {
		d = max(d, min(200*time.Millisecond<<min(n-1, 6), 10*time.Second))
	}
	return d
}

func (s *Sim) nextRetry() (time.Time, bool) {
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	var next time.Time
	found := false
	for _, q := range s.out.queues {
		if len(q.items) == 0 || q.busy {
			continue
		}
		var t time.Time // no failure yet: due now
		if q.failures > 0 {
			t = q.lastTry.Add(s.backoff(q.failures, true))
		}
		if !found || t.Before(next) {
			next, found = t, true
		}
	}
	return next, found
}

// deliver posts the queued results of every callback URL whose retry is
// due, URLs in parallel, each until its queue is empty or a POST fails.
func (s *Sim) deliver(ctx context.Context, run bool) {
	now := s.now()
	var ready []*outQueue
	s.out.mu.Lock()
	for _, q := range s.out.queues {
		if q.busy || len(q.items) == 0 {
			continue
		}
		if q.failures > 0 && now.Before(q.lastTry.Add(s.backoff(q.failures, run))) {
			continue
		}
		q.busy = true
		ready = append(ready, q)
	}
	s.out.mu.Unlock()
	var wg sync.WaitGroup
	for _, q := range ready {
		wg.Go(func() { s.drain(ctx, q) })
	}
	wg.Wait()
}

func (s *Sim) drain(ctx context.Context, q *outQueue) {
	defer func() {
		s.out.mu.Lock()
		q.busy = false
		s.out.mu.Unlock()
	}()
	for ctx.Err() == nil && !s.closed.Load() {
		s.out.mu.Lock()
		n := min(len(q.items), callbackBatch)
		batch := append([]agency.Result(nil), q.items[:n]...)
		s.out.mu.Unlock()
		if n == 0 {
			return
		}
		drop := s.roll(s.currentFault().DropCallbacks)
		var err error
		if !drop {
			err = agency.PostResults(ctx, s.hc, q.url, s.opts.KeyID, s.opts.Secret, batch, s.now())
		}
		s.out.mu.Lock()
		if err != nil {
			q.failures++
			q.lastTry = s.now()
			s.out.mu.Unlock()
			s.stats.cbFailed.Add(1)
			s.log.Warn("回调失败，稍后重试", "url", q.url, "results", n, "failures", q.failures, "err", err)
			return
		}
		clear(q.items[:n])
		q.items = q.items[n:]
		q.failures = 0
		s.out.mu.Unlock()
		if drop {
			s.stats.dropped.Add(int64(n))
		} else {
			s.stats.delivered.Add(int64(n))
			s.stats.posts.Add(1)
		}
		s.journalDelivered(batch)
	}
}

// dlvRange is a run of an agency's results whose callback was handled
// (delivered or dropped on purpose): the journal's "dlv" records, so that a
// restart does not post them again.
type dlvRange struct {
	A    string `json:"a"`
	From int64  `json:"from"`
	To   int64  `json:"to"`
}

type dlvRecord struct {
	T string     `json:"t"`
	D []dlvRange `json:"d"`
}

// journalDelivered notes handled callbacks, without fsync: a note lost in a
// crash only means a callback is repeated, which the protocol allows.
func (s *Sim) journalDelivered(batch []agency.Result) {
	if s.journal == nil || len(batch) == 0 {
		return
	}
	var rs []dlvRange
	for _, r := range batch {
		if n := len(rs); n > 0 && rs[n-1].A == r.Agency && rs[n-1].To+1 == r.Seq {
			rs[n-1].To = r.Seq
			continue
		}
		rs = append(rs, dlvRange{A: r.Agency, From: r.Seq, To: r.Seq})
	}
	b, err := json.Marshal(dlvRecord{T: "dlv", D: rs})
	if err != nil {
		return
	}
	if _, err := s.journal.Append(append(b, '\n')); err != nil && !errors.Is(err, simkit.ErrClosed) {
		s.fail(err)
	}
}
