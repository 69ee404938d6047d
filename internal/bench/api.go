package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/store"
)

// APIOptions size the HTTP benchmark (P6).
type APIOptions struct {
	Duration time.Duration // of each measure (default 5 s)
	Workers  int           // concurrent clients for the maximum rate (default 8)
	Cases    int           // cases read at random (default 200)
	DataDir  string        // for the app's key files
	Progress io.Writer
}

// Endpoint is one endpoint measured: its maximum rate with Workers clients,
// and its latency when driven at 70 % of that rate.
type Endpoint struct {
	Max      Measure
	At70     Measure
	P50, P99 time.Duration
	Errors   int64
}

// APIReport is P6 measured on one engine.
type APIReport struct {
	Engine                   store.Engine
	Workers                  int
	Bare, CaseRead, Register Endpoint
}

// CaseReadRatio is the case read's maximum rate over the bare handler's
// (P6 asks ≥ 0.25).
func (r APIReport) CaseReadRatio() float64 { return ratio(r.CaseRead.Max, r.Bare.Max) }

// RegisterRatio is claimant registration's over the bare handler's (P6 asks
// ≥ 0.2).
func (r APIReport) RegisterRatio() float64 { return ratio(r.Register.Max, r.Bare.Max) }

// API measures P6 on db (a scratch database from Scratch): the real server
// (app.Handler, every middleware) on a loopback port against a bare
// net/http handler answering a fixed JSON object on another, both driven by
// the same HTTP clients over TCP:
//   - case read: GET /api/v1/cases/{id} with a judge's bearer token, a random
//     case of opts.Cases filed beforehand (not timed);
//   - claimant registration: POST /api/v1/public/campaigns/{id}/claims, each a
//     new participant of an open campaign whose phone was given a code
//     beforehand (the code's sending is not part of the measure).
//
// Each is measured twice: closed loop with opts.Workers clients (the
// maximum rate), then open loop at 70 % of that rate (latency, p99 ≤ 20 ms).
func API(ctx context.Context, db *store.DB, opts APIOptions) (APIReport, error) {
	if opts.Duration <= 0 {
		opts.Duration = 5 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Cases <= 0 {
		opts.Cases = 200
	}
	rep := APIReport{Engine: db.Engine(), Workers: opts.Workers}
	s, err := newStaff(ctx, db)
	if err != nil {
		return rep, err
	}
	for i := range opts.Cases {
		if err := fileOne(s, db, 900_000+i); err != nil {
			return rep, err
		}
	}
	rows, err := db.Query(ctx, `SELECT id FROM cases ORDER BY id`)
	if err != nil {
		return rep, err
	}
	caseIDs, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	})
	if err != nil {
		return rep, err
	}

	a := &app.App{Cfg: config.Config{DB: "bench", DataDir: opts.DataDir, SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour}, DB: db,
		Log: slog.New(slog.DiscardHandler), AuthConfig: auth.Config{IPRate: 1e9, IPBurst: 1e9}}
	site, stopSite, err := serveLoopback(a.Handler())
	if err != nil {
		return rep, err
	}
	defer stopSite()
	bare, stopBare, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	if err != nil {
		return rep, err
	}
	defer stopBare()
	token, err := judgeToken(ctx, a, s)
	if err != nil {
		return rep, err
	}
	campaign, err := openCampaign(ctx, db, s, caseIDs[0])
	if err != nil {
		return rep, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}

	do := func(req *http.Request, want int) error {
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			return fmt.Errorf("%s %s: %d", req.Method, req.URL.Path, res.StatusCode)
		}
		return nil
	}
	var seq atomic.Int64
	ops := map[string]func() error{
		"bare": func() error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, bare+"/", nil)
			return do(req, http.StatusOK)
		},
		"case": func() error {
			id := caseIDs[int(seq.Add(1))%len(caseIDs)]
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, site+"/api/v1/cases/"+id.String(), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			return do(req, http.StatusOK)
		},
		"register": func() error {
			i := int(seq.Add(1))
			p := participant(i)
			b, _ := json.Marshal(map[string]any{"id_number": p.IDNumber, "name": p.Name, "phone": phoneOf(i), "code": benchCode,
				"claimed_fen": 50_000_00, "payee_account_no": "6217" + phoneOf(i), "payee_bank": "建设银行"})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, site+"/api/v1/public/campaigns/"+campaign.String()+"/claims", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			return do(req, http.StatusCreated)
		},
	}
	// Registration needs a victim and a code for every participant it may
	// register: as many as the fastest rate seen could use, with margin.
	for _, m := range []struct {
		name string
		ep   *Endpoint
	}{{"bare", &rep.Bare}, {"case", &rep.CaseRead}, {"register", &rep.Register}} {
		if m.name == "register" {
			need := int(2*rep.CaseRead.Max.Rate()*opts.Duration.Seconds()*1.2) + 1000
			seq.Store(0)
			if err := prepareParticipants(ctx, db, campaign, need); err != nil {
				return rep, err
			}
		}
		var errs atomic.Int64
		op := ops[m.name]
		counted := func() error {
			err := op()
			if err != nil {
				errs.Add(1)
			}
			return nil
		}
		m.ep.Max = closedLoop(counted, opts.Workers, opts.Duration)
		rate := 0.7 * m.ep.Max.Rate()
		var lat []time.Duration
		m.ep.At70, lat = openLoop(counted, rate, opts.Duration)
		m.ep.P50, m.ep.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
		m.ep.Errors = errs.Load()
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "%s: max %.0f/s, at 70 %% %.0f/s p50 %s p99 %s, errors %d\n", m.name, m.ep.Max.Rate(), m.ep.At70.Rate(),
				m.ep.P50.Round(10*time.Microsecond), m.ep.P99.Round(10*time.Microsecond), m.ep.Errors)
		}
	}
	return rep, nil
}

const benchCode = "246810"

func participant(i int) sampleParty {
	p := sample.Person(2_000_000 + i)
	return sampleParty{p.IDNumber, p.Name}
}

type sampleParty struct{ IDNumber, Name string }

func phoneOf(i int) string { return fmt.Sprintf("136%08d", i) }

// prepareParticipants puts n participants on the campaign's victim list and
// gives their phones the bench code.
func prepareParticipants(ctx context.Context, db *store.DB, campaign uuid.UUID, n int) error {
	return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := store.InsertRows(ctx, tx, `INSERT INTO campaign_victims (campaign_id, id_number, name, loss_fen) VALUES `, 4, n,
			func(i int, args []any) []any {
				p := participant(i + 1)
				return append(args, campaign, p.IDNumber, p.Name, int64(50_000_00))
			}); err != nil {
			return err
		}
		phones := make([]string, n)
		for i := range phones {
			phones[i] = phoneOf(i + 1)
		}
		return massclaim.IssueCodes(ctx, tx, campaign, phones, benchCode)
	})
}

// openCampaign creates and opens a campaign on a case (as its judge would)
// with one victim, to be joined by prepareParticipants.
func openCampaign(ctx context.Context, db *store.DB, s *staff, caseID uuid.UUID) (uuid.UUID, error) {
	judge, err := courtUser(ctx, db, s.court, access.RolePostJudge)
	if err != nil {
		return uuid.Nil, err
	}
	var debtor uuid.UUID
	if err := db.QueryRow(ctx, `SELECT party_id FROM case_parties WHERE case_id = ? AND role = 'respondent' ORDER BY seq LIMIT 1`, caseID).
		Scan(&debtor); err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	err = db.Transact(judge, func(ctx context.Context, tx *store.Tx) error {
		m, err := massclaim.CreateCampaign(ctx, tx, caseID, massclaim.CampaignInput{DebtorPartyID: debtor, Title: "基准测试退赔", JudgmentNo: "（2026）基准刑初1号",
			RegistrationUntil: legal.Today(time.Now()).AddDays(30)})
		if err != nil {
			return err
		}
		id = m.ID
		p := participant(0)
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_victims (campaign_id, id_number, name, loss_fen) VALUES (?, ?, ?, ?)`, id, p.IDNumber, p.Name,
			int64(50_000_00)); err != nil {
			return err
		}
		_, err = massclaim.Open(ctx, tx, id)
		return err
	})
	return id, err
}

// courtUser makes a user of a role in a court and returns a context acting
// as them.
func courtUser(ctx context.Context, db *store.DB, court uuid.UUID, role string) (context.Context, error) {
	svc := auth.New(db, auth.Config{})
	password, name := randomHex(12), "bench."+role+"."+randomHex(4)
	if _, err := svc.CreateUsers(access.With(ctx, access.System("基准测试")), []auth.UserInput{{CourtID: court, Username: name, DisplayName: "基准" + role,
		Role: role, Password: password}}); err != nil {
		return nil, err
	}
	res, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: password, Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		return nil, err
	}
	p, err := svc.Authenticate(ctx, res.Token)
	if err != nil {
		return nil, err
	}
	return access.With(ctx, p), nil
}

// judgeToken signs a judge of the court in through the app's auth service
// and returns the bearer token.
func judgeToken(ctx context.Context, a *app.App, s *staff) (string, error) {
	svc := a.AuthService()
	password, name := randomHex(12), "bench.reader."+randomHex(4)
	if _, err := svc.CreateUsers(access.With(ctx, access.System("基准测试")), []auth.UserInput{{CourtID: s.court, Username: name, DisplayName: "基准读者",
		Role: access.RolePostJudge, Password: password}}); err != nil {
		return "", err
	}
	res, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: password, Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		return "", err
	}
	return res.Token, nil
}

// serveLoopback serves h on a loopback port and returns its base URL.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// closedLoop runs op from workers goroutines for d and counts the calls.
func closedLoop(op func() error, workers int, d time.Duration) Measure {
	var n atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				_ = op()
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return Measure{Ops: int(n.Load()), Elapsed: time.Since(start)}
}

// openLoop starts op at a fixed rate for d, each call on its own goroutine
// (at most 512 in flight), and returns the calls made and their latencies
// from the moment each was due.
func openLoop(op func() error, rate float64, d time.Duration) (Measure, []time.Duration) {
	if rate <= 0 {
		return Measure{}, nil
	}
	interval := time.Duration(float64(time.Second) / rate)
	var mu sync.Mutex
	var lat []time.Duration
	sem := make(chan struct{}, 512)
	var wg sync.WaitGroup
	start := time.Now()
	n := int(d.Seconds() * rate)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		// Sleep only when well ahead: short sleeps overshoot and would
		// throttle the generator below the rate asked for.
		if wait := time.Until(due); wait > 2*time.Millisecond {
			time.Sleep(wait)
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_ = op()
			l := time.Since(due)
			mu.Lock()
			lat = append(lat, l)
			mu.Unlock()
		})
	}
	wg.Wait()
	return Measure{Ops: n, Elapsed: time.Since(start)}, lat
}

func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(int(p*float64(len(s))), len(s)-1)]
}
