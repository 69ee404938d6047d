package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/sim/agencies"
	"github.com/zhixing-court/zhixing/internal/store"
)

// InquiryOptions size the asset-inquiry fan-out benchmark (P4).
type InquiryOptions struct {
	// Cases are filed before the burst (not timed). Each filing queues one
	// inquiry, which the dispatcher expands into a request per respondent,
	// kind and agency: 23 through the connector for a company, 28 for a
	// person (plus one to the police's portal, answered by hand in zhixing).
	Cases int
	// Faults plays the simulator's failures during the burst: answering 500
	// after accepting (FailAfterAccept), a stop (Close) and a new simulator
	// on the same journal and address, and a period of maintenance (Down).
	Faults bool
	// Unlimited lifts the agencies' rate limits on both sides (zhixing's
	// directory and the simulator's), to measure zhixing rather than the
	// slowest agency: with the directory's rates every case waits for the
	// 50 a second of the ship and fishing-boat registries.
	Unlimited bool
	// FaultHold is how long each fault lasts at least (default 1 s).
	FaultHold time.Duration
	// Dispatch tunes the dispatcher (BatchSize, ClaimLimit, …); the bench
	// sets how it reaches the simulator and the callback endpoint. The zero
	// value is what `zhixing serve` runs.
	Dispatch assets.Config
	// SampleEvery is the memory sampling period (default 100 ms).
	SampleEvery time.Duration
	// Stall ends a run as failed when no request is acknowledged and no
	// result applied for this long (default 3 min; a request refused in
	// maintenance waits the simulator's Retry-After of 30 s).
	Stall time.Duration
	// SimRun drives the simulator with its own Run loop, as `zhixing serve`
	// does. Run panics today under load (Sim.nextRetry calls backoff with 0
	// failures: a negative shift), so by default two goroutines call RunDue
	// in a loop instead: the same answering and delivery code, without
	// Run's timers.
	SimRun bool
	// JournalDir holds the simulator's journal (default: a new temporary
	// directory, removed afterwards).
	JournalDir string
	// CPUProfile, when set, receives a CPU profile of the burst.
	CPUProfile io.Writer
	// Progress, when set, receives a line per phase and fault.
	Progress io.Writer
}

// Second is what one second of the burst moved.
type Second struct {
	Sent    int `json:"sent"`    // requests acknowledged by their agency (accepted or duplicate)
	Applied int `json:"applied"` // results applied from callbacks
}

// Msgs is the second's agency messages.
func (s Second) Msgs() int { return s.Sent + s.Applied }

// MemSample is the process's memory at one instant.
type MemSample struct {
	At        time.Duration `json:"at"` // since the first request was sent (negative before)
	HeapInuse uint64        `json:"heap_inuse"`
	Sys       uint64        `json:"sys"` // memory obtained from the OS by the Go runtime
	RSS       uint64        `json:"rss"` // resident set (/proc/self/statm)
}

// InquiryReport is P4 measured in one run on one engine.
type InquiryReport struct {
	Engine    store.Engine
	Cases     int
	Faults    bool
	Unlimited bool          // the agencies' rate limits were lifted
	Setup     time.Duration // filing the cases (not part of the measure)

	Requests int // agency requests through the connector
	Portal   int // requests to portal agencies (answered by their operator inside zhixing: not sent)
	Answered int // connector requests answered

	Sent    int // acknowledgements received (accepted or duplicate), resends included
	Applied int // results applied from callbacks
	Polled  int // results applied from polls
	Repeats int // callback results of requests already answered (ignored, as they should be)
	Resends int // sends beyond the first of each request

	Elapsed time.Duration // first send → last result applied
	Series  []Second      // per second since the first send

	Mem                       []MemSample // every SampleEvery
	MemStart, MemPeak, MemEnd MemSample   // before the burst, maxima (per field), at its end
	HeapRetained              uint64      // HeapInuse after a GC at the end, the simulator still alive
	HeapWithoutSim            uint64      // HeapInuse after a GC once the simulator is gone

	Sims        []agencies.Stats // one per simulator instance, in order
	Replayed    agencies.Stats   // the restarted simulator's state right after reading its journal
	FaultLog    []string         // the faults played, when
	PGDeadlocks int64            // PostgreSQL deadlocks in the scratch database (retried by Transact)

	// Problems is what the final check found: requests lost, answered more
	// than once, dead, double actions at an agency. Empty when all is well.
	Problems []string
}

// Msgs is the agency messages of the run: each request sent through the
// connector and its result applied, once each. (Resends and repeated
// callbacks are extra traffic, counted in Sent, Resends and Repeats.)
func (r InquiryReport) Msgs() int { return r.Requests + r.Answered }

// Rate is agency messages a second from the first send to the last result
// applied (P4 asks ≥ 1,000 on 2 cores).
func (r InquiryReport) Rate() float64 { return perSecond(r.Msgs(), r.Elapsed) }

// SendRate is requests sent a second.
func (r InquiryReport) SendRate() float64 { return perSecond(r.Requests, r.Elapsed) }

// ApplyRate is results applied a second.
func (r InquiryReport) ApplyRate() float64 { return perSecond(r.Answered, r.Elapsed) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Sustained returns the lowest and the median messages of a whole second
// after warm-up: the first second (expansion, first claim) and the last,
// partial one are left out.
func (r InquiryReport) Sustained() (lowest, median int) {
	s := r.Series
	if len(s) >= 3 {
		s = s[1 : len(s)-1]
	}
	if len(s) == 0 {
		return 0, 0
	}
	v := make([]int, len(s))
	for i, x := range s {
		v[i] = x.Msgs()
	}
	slices.Sort(v)
	return v[0], v[len(v)/2]
}

// OK reports whether every request was answered exactly once.
func (r InquiryReport) OK() bool { return len(r.Problems) == 0 }

// Inquiry measures P4 on db (a scratch database from Scratch): it files
// opts.Cases cases, then runs what `zhixing serve` runs — the agency
// simulator (journaled, answering at once; see SimRun) behind a loopback
// HTTP server, zhixing's callback endpoint on another, and the dispatcher's
// Run loop — until every request sent through the connector is answered. It measures
// the messages a second, second by second, and the process's memory, and
// checks from the database that every request was answered once. With
// opts.Faults the simulator fails, is restarted and goes down during the
// burst. The error is non-nil when the run could not be made or when the
// check found a request lost or answered twice (rep.Problems says which).
func Inquiry(ctx context.Context, db *store.DB, opts InquiryOptions) (InquiryReport, error) {
	if opts.Cases <= 0 {
		opts.Cases = 2000
	}
	if opts.SampleEvery <= 0 {
		opts.SampleEvery = 100 * time.Millisecond
	}
	if opts.FaultHold <= 0 {
		opts.FaultHold = time.Second
	}
	if opts.Stall <= 0 {
		opts.Stall = 3 * time.Minute
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	rep := InquiryReport{Engine: db.Engine(), Cases: opts.Cases, Faults: opts.Faults, Unlimited: opts.Unlimited}

	staff, err := newStaff(ctx, db)
	if err != nil {
		return rep, err
	}
	setup := time.Now()
	if err := fileCases(staff, db, opts.Cases); err != nil {
		return rep, fmt.Errorf("filing: %w", err)
	}
	rep.Setup = time.Since(setup)
	fmt.Fprintf(progress, "立案 %d 件（准备，不计时）：%s\n", opts.Cases, rep.Setup.Round(time.Millisecond))
	portal, err := portalAgencies(ctx, db)
	if err != nil {
		return rep, err
	}

	dir := opts.JournalDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "zhixing-bench-sim-"); err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	key := assets.SimKey{ID: "bench", Secret: secret}

	runCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	host := &simHost{useRun: opts.SimRun, opts: agencies.Options{KeyID: key.ID, Secret: key.Secret, TimeScale: 0, Seed: 1,
		JournalPath: dir + string(os.PathSeparator) + "agency-sim.journal"}}
	if opts.Unlimited {
		if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE agencies SET rate_per_sec = 0`)
			return err
		}); err != nil {
			return rep, err
		}
		for _, e := range agency.Directory() {
			if e.Channel != agency.ChannelPortal {
				e.RatePerSec = 0
				host.opts.Directory = append(host.opts.Directory, e)
			}
		}
	}
	if err := host.start(runCtx, "127.0.0.1:0"); err != nil {
		return rep, err
	}
	hostStopped := false
	defer func() {
		if !hostStopped {
			host.stop()
		}
	}()

	m := &meter{}
	mux := http.NewServeMux()
	mux.Handle("POST "+assets.CallbackPath+"{code}", m.callbacks(assets.CallbackHandler(db, key)))
	cbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rep, err
	}
	cbSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = cbSrv.Serve(cbLn) }()
	defer cbSrv.Close()

	cfg := opts.Dispatch
	cfg.Client = &agency.Client{HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &sendMeter{base: http.DefaultTransport, m: m}},
		Now: time.Now}
	cfg.SimBase, cfg.SimKeyID, cfg.SimSecret = "http://"+host.addr, key.ID, key.Secret
	cfg.CallbackBase = "http://" + cbLn.Addr().String()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	d := assets.NewDispatcher(db, cfg)

	// The burst.
	runtime.GC()
	sampler := &memSampler{}
	sampler.sample()
	if opts.CPUProfile != nil {
		if err := pprof.StartCPUProfile(opts.CPUProfile); err != nil {
			return rep, err
		}
	}
	profiling := opts.CPUProfile != nil
	stopProfile := func() {
		if profiling {
			pprof.StopCPUProfile()
			profiling = false
		}
	}
	defer stopProfile()
	sampleCtx, stopSampling := context.WithCancel(runCtx)
	var bg sync.WaitGroup
	bg.Go(func() { sampler.run(sampleCtx, opts.SampleEvery) })
	dispCtx, stopDispatcher := context.WithCancel(runCtx)
	bg.Go(func() { _ = d.Run(dispCtx) })
	fmt.Fprintf(progress, "调度器启动：模拟器 %s，回调 %s\n", cfg.SimBase, cfg.CallbackBase)

	planDone := make(chan struct{})
	if opts.Faults {
		plan := &faultPlan{hold: opts.FaultHold, host: host, m: m, est: opts.Cases * 23, progress: progress}
		bg.Go(func() { plan.run(dispCtx, planDone); rep.FaultLog = plan.log })
	} else {
		close(planDone)
	}
	waitErr := waitAnswered(runCtx, db, portal, m, planDone, opts.Stall)
	end := time.Now()
	stopProfile()
	stopDispatcher()
	stopSampling()
	bg.Wait()
	sampler.sample()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.HeapRetained = ms.HeapInuse
	host.stop()
	hostStopped = true
	// Shutdown, not Close: a callback whose answers are committed may still
	// be on its way to the meter; the totals are read after it arrives.
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	_ = cbSrv.Shutdown(shutdown)
	cancel()
	host.forget()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	rep.HeapWithoutSim = ms.HeapInuse
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}

	first, last := m.window()
	rep.Sent, rep.Applied, rep.Repeats = m.totals()
	rep.Series = m.seconds()
	rep.Sims, rep.Replayed = host.stats, host.replayed
	if err := verifyInquiry(ctx, db, portal, &rep); err != nil {
		return rep, fmt.Errorf("checking: %w", err)
	}
	if rep.Polled > 0 {
		// Answers taken by polling are not seen by the callback meter: the
		// last of them is the latest answered row.
		var at time.Time
		if err := db.QueryRow(ctx, `SELECT updated_at FROM agency_requests WHERE answered_by = 'poll' ORDER BY updated_at DESC LIMIT 1`).
			Scan(&at); err == nil && at.After(last) {
			last = at
		}
	}
	if first.IsZero() {
		first = end
	}
	if last.Before(first) {
		last = end
	}
	rep.Elapsed = last.Sub(first)
	rep.Mem = sampler.relative(first)
	rep.MemStart, rep.MemPeak, rep.MemEnd = summarize(rep.Mem)
	if waitErr != nil {
		rep.Problems = append([]string{waitErr.Error()}, rep.Problems...)
	}
	fmt.Fprintf(progress, "%d 件：%d 项请求，%.0f 条消息/秒（发送 %.0f/秒，回复 %.0f/秒），用时 %s\n", rep.Cases, rep.Requests,
		rep.Rate(), rep.SendRate(), rep.ApplyRate(), rep.Elapsed.Round(time.Millisecond))
	if !rep.OK() {
		return rep, fmt.Errorf("P4 核验失败：%s", strings.Join(rep.Problems, "；"))
	}
	return rep, nil
}

// fileCases registers and files n cases, 50 a transaction (the setup, not
// the measure: each filing queues its inquiry as at the window).
func fileCases(s *staff, db *store.DB, n int) error {
	const per = 50
	for from := 1; from <= n; from += per {
		err := db.Transact(s.window, func(ctx context.Context, tx *store.Tx) error {
			for seed := from; seed < from+per && seed <= n; seed++ {
				in := sample.Application(s.court, seed)
				in.Channel = "window"
				a, err := intake.Register(ctx, tx, in)
				if err != nil {
					return err
				}
				if _, err := intake.File(ctx, tx, a.ID, intake.FileInput{AcceptanceNotice: "当场送达"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// portalAgencies returns the ids of the agencies reached through the portal:
// their requests are not sent, their operators answer them in zhixing.
func portalAgencies(ctx context.Context, db *store.DB) ([]any, error) {
	list, err := assets.Agencies(ctx, db)
	if err != nil {
		return nil, err
	}
	var ids []any
	for _, a := range list {
		if a.Channel == agency.ChannelPortal {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

// notPortal is the condition that a request's agency is not a portal one.
func notPortal(portal []any) string {
	if len(portal) == 0 {
		return "TRUE"
	}
	return "agency_id NOT IN (" + store.Placeholders(len(portal)) + ")"
}

// waitAnswered returns when no inquiry is pending and every connector
// request has ended, and the fault plan has finished; or with an error when
// nothing moved for stall.
func waitAnswered(ctx context.Context, db *store.DB, portal []any, m *meter, planDone <-chan struct{}, stall time.Duration) error {
	q := `SELECT (SELECT COUNT(*) FROM asset_inquiries WHERE status = 'pending'),
		(SELECT COUNT(*) FROM agency_requests WHERE status = 'queued'),
		(SELECT COUNT(*) FROM agency_requests WHERE status = 'sent' AND ` + notPortal(portal) + `)`
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	moved, lastMsgs := time.Now(), -1
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		var pending, queued, waiting int
		if err := db.QueryRow(ctx, q, portal...).Scan(&pending, &queued, &waiting); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A connection lost under load is not the end of the run: look
			// again, until nothing has moved for stall.
			if time.Since(moved) > stall {
				return fmt.Errorf("%s 内无进展，最后一次查询失败：%w", stall, err)
			}
			lastErr = err
			continue
		}
		select {
		case <-planDone:
			if pending+queued+waiting == 0 {
				return nil
			}
		default:
		}
		sent, applied, _ := m.totals()
		if n := sent + applied + queued + waiting; n != lastMsgs {
			moved, lastMsgs = time.Now(), n
		} else if time.Since(moved) > stall {
			if lastErr != nil {
				return fmt.Errorf("%s 内无进展：待展开查询 %d，待发送 %d，等待答复 %d（期间查询出错：%v）", stall, pending, queued, waiting, lastErr)
			}
			return fmt.Errorf("%s 内无进展：待展开查询 %d，待发送 %d，等待答复 %d", stall, pending, queued, waiting)
		}
	}
}

// verifyInquiry checks from the database that every connector request was
// answered once, and fills in the counts.
func verifyInquiry(ctx context.Context, db *store.DB, portal []any, rep *InquiryReport) error {
	rows, err := db.Query(ctx, `SELECT `+notPortal(portal)+`, status, answered_by, COUNT(*),
		SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) FROM agency_requests GROUP BY 1, 2, 3`, portal...)
	if err != nil {
		return err
	}
	statuses := map[string]int{}
	for rows.Next() {
		var (
			connector  bool
			status, by string
			n, tries   int
		)
		if err := rows.Scan(&connector, &status, &by, &n, &tries); err != nil {
			rows.Close()
			return err
		}
		if !connector {
			rep.Portal += n
			continue
		}
		rep.Requests += n
		rep.Resends += tries
		statuses[status] += n
		if status == string(assets.RequestAnswered) {
			rep.Answered += n
			if by == "poll" {
				rep.Polled += n
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if rep.Requests == 0 {
		rep.Problems = append(rep.Problems, "没有产生任何查控请求")
	}
	if lost := rep.Requests - rep.Answered; lost != 0 {
		var detail []string
		for s, n := range statuses {
			if s != string(assets.RequestAnswered) {
				detail = append(detail, fmt.Sprintf("%s %d", s, n))
			}
		}
		slices.Sort(detail)
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d 项请求未得到答复（%s）", lost, strings.Join(detail, "，")))
	}
	if got := rep.Applied + rep.Polled; got != rep.Answered {
		rep.Problems = append(rep.Problems, fmt.Sprintf("记录答复 %d 次（回调 %d，轮询 %d），而已答复请求为 %d 项：有答复被重复记录或遗漏",
			got, rep.Applied, rep.Polled, rep.Answered))
	}
	var inquiries, pending, answered int
	if err := db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(answered), 0) FROM asset_inquiries`).Scan(&inquiries, &pending, &answered); err != nil {
		return err
	}
	if inquiries != rep.Cases || pending != 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("查询 %d 次（应为 %d），%d 次未展开", inquiries, rep.Cases, pending))
	}
	if answered != rep.Answered {
		rep.Problems = append(rep.Problems, fmt.Sprintf("各查询累计已答复 %d 项，而已答复请求为 %d 项", answered, rep.Answered))
	}
	var accepted int64
	for i, st := range rep.Sims {
		accepted += st.Accepted
		if st.DoubleActions != 0 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("模拟器实例 %d 重复执行 %d 次", i+1, st.DoubleActions))
		}
	}
	if accepted < int64(rep.Requests) {
		rep.Problems = append(rep.Problems, fmt.Sprintf("模拟器只受理了 %d 项请求，而请求共 %d 项", accepted, rep.Requests))
	}
	if db.Engine() == store.Postgres {
		_ = db.QueryRow(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&rep.PGDeadlocks)
	}
	return nil
}

// meter counts the messages of the burst, second by second.
type meter struct {
	mu                     sync.Mutex
	first, last            time.Time // first send began, last result applied
	sent, applied, repeats int
	posted                 int // requests in POSTs, whatever the answer
	series                 []Second
}

// began notes a POST of n requests.
func (m *meter) began(now time.Time, n int) {
	m.mu.Lock()
	if m.first.IsZero() {
		m.first = now
	}
	m.posted += n
	m.mu.Unlock()
}

// postedCount is the requests posted so far, whatever the answer.
func (m *meter) postedCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.posted
}

func (m *meter) add(now time.Time, sent, applied, repeats int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.first.IsZero() {
		m.first = now
	}
	i := max(0, int(now.Sub(m.first)/time.Second))
	for len(m.series) <= i {
		m.series = append(m.series, Second{})
	}
	m.series[i].Sent += sent
	m.series[i].Applied += applied
	m.sent += sent
	m.applied += applied
	m.repeats += repeats
	if applied > 0 {
		m.last = now
	}
}

func (m *meter) totals() (sent, applied, repeats int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent, m.applied, m.repeats
}

func (m *meter) window() (first, last time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first, m.last
}

func (m *meter) seconds() []Second {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.series)
}

// sendMeter is the dispatcher's HTTP transport: it counts the requests each
// agency acknowledged (accepted or duplicate) in the answers to
// POST …/requests.
type sendMeter struct {
	base http.RoundTripper
	m    *meter
}

var (
	callbackField = []byte(`"callback_url":`)
	ackAccepted   = []byte(`"status":"` + string(agency.AckAccepted) + `"`)
	ackDuplicate  = []byte(`"status":"` + string(agency.AckDuplicate) + `"`)
)

func (t *sendMeter) RoundTrip(r *http.Request) (*http.Response, error) {
	send := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/requests")
	if send {
		n := 0
		if r.GetBody != nil {
			if b, err := r.GetBody(); err == nil {
				body, _ := io.ReadAll(b)
				n = bytes.Count(body, callbackField) // one per request
			}
		}
		t.m.began(time.Now(), n)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil || !send || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	t.m.add(time.Now(), bytes.Count(body, ackAccepted)+bytes.Count(body, ackDuplicate), 0, 0)
	return resp, nil
}

// callbacks wraps the callback endpoint to count the results it applied
// (its answer is the assets.Applied of the batch).
func (m *meter) callbacks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.status != http.StatusOK {
			return
		}
		var a assets.Applied
		if err := json.Unmarshal(rec.body.Bytes(), &a); err == nil {
			m.add(time.Now(), 0, a.Applied, a.Repeats)
		}
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.body.Len() < 4096 {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// memSampler records the process's memory.
type memSampler struct {
	mu      sync.Mutex
	samples []struct {
		at time.Time
		MemSample
	}
}

func (s *memSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	x := MemSample{HeapInuse: ms.HeapInuse, Sys: ms.Sys, RSS: rss()}
	s.mu.Lock()
	s.samples = append(s.samples, struct {
		at time.Time
		MemSample
	}{time.Now(), x})
	s.mu.Unlock()
}

func (s *memSampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample()
		}
	}
}

// relative returns the samples timed from t0.
func (s *memSampler) relative(t0 time.Time) []MemSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MemSample, len(s.samples))
	for i, x := range s.samples {
		out[i] = x.MemSample
		out[i].At = x.at.Sub(t0)
	}
	return out
}

// summarize returns the first sample, the maxima of each field and the last
// sample.
func summarize(ss []MemSample) (first, peak, last MemSample) {
	if len(ss) == 0 {
		return
	}
	first, last = ss[0], ss[len(ss)-1]
	for _, x := range ss {
		if x.HeapInuse > peak.HeapInuse {
			peak.HeapInuse, peak.At = x.HeapInuse, x.At
		}
		peak.Sys = max(peak.Sys, x.Sys)
		peak.RSS = max(peak.RSS, x.RSS)
	}
	return first, peak, last
}

// rss is the process's resident set from /proc/self/statm (0 elsewhere).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// simHost runs the agency simulator behind a loopback HTTP server, as
// `zhixing serve` does, and can stop it and start a new one on the same
// journal and address, as a restarted process would.
type simHost struct {
	opts   agencies.Options
	useRun bool

	mu       sync.Mutex
	addr     string
	sim      *agencies.Sim
	srv      *http.Server
	ran      chan struct{}
	cancel   context.CancelFunc
	stats    []agencies.Stats // of every simulator stopped
	replayed agencies.Stats
}

func (h *simHost) start(ctx context.Context, addr string) error {
	sim, err := agencies.New(h.opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	for try := 0; err != nil && try < 100 && ctx.Err() == nil; try++ {
		select { // the old socket may take a moment to go
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		_ = sim.Close()
		return err
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { _ = srv.Serve(ln) }()
	go func() {
		defer close(ran)
		if h.useRun {
			_ = sim.Run(ctx)
			return
		}
		var wg sync.WaitGroup
		for range 2 { // one answers while the other delivers, as Run's two loops do
			wg.Go(func() { driveDue(ctx, sim) })
		}
		wg.Wait()
	}()
	h.mu.Lock()
	h.addr, h.sim, h.srv, h.ran, h.cancel = ln.Addr().String(), sim, srv, ran, cancel
	h.mu.Unlock()
	return nil
}

// driveDue answers and calls back what is due (at once, with TimeScale 0)
// until ctx ends, looking again every millisecond when there was nothing.
func driveDue(ctx context.Context, sim *agencies.Sim) {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for ctx.Err() == nil {
		if sim.RunDue(ctx) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// stop closes the simulator (its journal flushed), drops its connections
// and records its counters.
func (h *simHost) stop() {
	h.mu.Lock()
	sim, srv, ran, cancel := h.sim, h.srv, h.ran, h.cancel
	h.mu.Unlock()
	_ = sim.Close()
	_ = srv.Close()
	cancel()
	<-ran
	h.mu.Lock()
	h.stats = append(h.stats, sim.Stats())
	h.mu.Unlock()
}

// restart stops the simulator and starts a new one from the same journal
// on the same address.
func (h *simHost) restart(ctx context.Context) error {
	h.stop()
	if err := h.start(ctx, h.addr); err != nil {
		return err
	}
	st := h.current().Stats()
	h.mu.Lock()
	h.replayed = st
	h.mu.Unlock()
	return nil
}

// forget drops the stopped simulator, so that the memory it kept (an entry
// per message) can be told from zhixing's.
func (h *simHost) forget() {
	h.mu.Lock()
	h.sim, h.srv = nil, nil
	h.mu.Unlock()
}

func (h *simHost) current() *agencies.Sim {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sim
}

// faultPlan plays the simulator's failures at points of the burst, measured
// in requests posted against est, a lower bound of the requests. Each fault
// lasts until the simulator has played it at least once and hold has passed
// (at most 5 s).
type faultPlan struct {
	hold     time.Duration
	host     *simHost
	m        *meter
	est      int
	progress io.Writer
	log      []string
	t0       time.Time
}

func (p *faultPlan) note(format string, args ...any) {
	line := fmt.Sprintf("%6.2fs ", time.Since(p.t0).Seconds()) + fmt.Sprintf(format, args...)
	p.log = append(p.log, line)
	fmt.Fprintln(p.progress, "故障："+line)
}

func (p *faultPlan) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	p.t0 = time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	wait := func(frac float64) bool {
		for {
			if p.m.postedCount() >= int(frac*float64(p.est)) {
				return true
			}
			select {
			case <-ctx.Done():
				return false
			case <-tick.C:
			}
		}
	}
	// hold keeps a fault on until the simulator played it at least once and
	// least has passed, at most most.
	hold := func(least, most time.Duration) int64 {
		start := time.Now()
		for {
			st := p.host.current().Stats()
			if el := time.Since(start); el >= most || (el >= least && st.Faults > 0) {
				return st.Faults
			}
			select {
			case <-ctx.Done():
				return st.Faults
			case <-tick.C:
			}
		}
	}
	if !wait(0.15) {
		return
	}
	p.note("fail_after_accept 0.3 开始（已受理并记入日志，但应答 500）")
	p.host.current().SetFault(agencies.Fault{FailAfterAccept: 0.3})
	n := hold(p.hold, 5*time.Second)
	p.host.current().SetFault(agencies.Fault{})
	p.note("fail_after_accept 结束：%d 批应答 500", n)
	if !wait(0.35) {
		return
	}
	p.note("模拟器停止（Close）")
	if err := p.host.restart(ctx); err != nil {
		p.note("重启失败：%v", err)
		return
	}
	r := p.host.replayed
	p.note("新模拟器已从日志恢复并在原地址 %s 服务：待答复 %d，待回调 %d", p.host.addr, r.Pending, r.Outbox)
	if !wait(0.55) {
		return
	}
	p.note("down 开始（503，Retry-After 30 秒）")
	p.host.current().SetFault(agencies.Fault{Down: true})
	n = hold(p.hold, 5*time.Second)
	p.host.current().SetFault(agencies.Fault{})
	p.note("down 结束：应答 503 共 %d 次", n)
}
