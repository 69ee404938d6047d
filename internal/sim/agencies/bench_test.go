package agencies

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
)

// BenchmarkThroughput measures messages a second through the whole
// simulator over loopback HTTP: signed batches of 500 inquiries from 4
// clients to 4 banks, acknowledged (and journaled), answered by Run and
// called back, signed, to a sink. The clients and the sink run in the same
// process, so the figure is a lower bound of the simulator's own rate.
//
//	go test -run '^$' -bench Throughput -benchtime 20000x ./internal/sim/agencies
func BenchmarkThroughput(b *testing.B) {
	for _, journaled := range []bool{false, true} {
		name := "memory"
		if journaled {
			name = "journal"
		}
		b.Run(name, func(b *testing.B) { benchThroughput(b, journaled) })
	}
}

func benchThroughput(b *testing.B, journaled bool) {
	var got atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	total := int64(b.N)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := agency.Verify(r.Header, body, time.Now(), func(string) ([]byte, bool) { return testSecret, true }); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		// Count the results without decoding them all.
		n := int64(countResults(body))
		if got.Add(n) >= total {
			once.Do(func() { close(done) })
		}
	}))
	defer sink.Close()
	var dir []agency.Entry
	for _, e := range agency.Directory() {
		if e.Channel != agency.ChannelPortal {
			e.RatePerSec = 0 // measure the simulator, not its limiter
			dir = append(dir, e)
		}
	}
	opts := Options{KeyID: testKeyID, Secret: testSecret, Seed: 1, Directory: dir}
	if journaled {
		opts.JournalPath = filepath.Join(b.TempDir(), "journal.jsonl")
	}
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = s.Run(ctx) }()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	banks := []string{"icbc", "ccb", "abc", "boc"}
	// Prepare the batches before timing.
	var batches [][]agency.Request
	for i := 0; i < b.N; i += agency.MaxBatch {
		n := min(agency.MaxBatch, b.N-i)
		code := banks[len(batches)%len(banks)]
		reqs := make([]agency.Request, n)
		for j := range reqs {
			reqs[j] = agency.Request{ID: uuid.NewString(), Agency: code, Kind: agency.BankDeposit, Op: agency.OpInquire,
				Court: "粤0604", CaseNo: "（2025）粤0604执1号", Subject: person(i + j), CallbackURL: sink.URL, SentAt: time.Now()}
		}
		batches = append(batches, reqs)
	}
	client := agency.NewClient(30 * time.Second)
	work := make(chan []agency.Request, len(batches))
	for _, bt := range batches {
		work <- bt
	}
	close(work)
	batches = nil
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range len(banks) {
		wg.Go(func() {
			for reqs := range work {
				ep := agency.Endpoint{Code: reqs[0].Agency, Base: srv.URL + "/agencies/" + reqs[0].Agency, KeyID: testKeyID, Secret: testSecret}
				if _, err := client.Send(ctx, ep, reqs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d results called back", got.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	// What the simulator keeps per message once it is answered and called
	// back: the seen id and the result's place (in the journal) or JSON.
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "B-kept/msg")
	if st := s.Stats(); st.Answered != int64(b.N) || st.DoubleActions != 0 {
		b.Errorf("stats %+v", st)
	}
}

// countResults counts the "request_id" keys of a Results body.
func countResults(body []byte) int {
	n := 0
	key := []byte(`"request_id"`)
	for i := 0; i+len(key) <= len(body); i++ {
		if body[i] == '"' && string(body[i:i+len(key)]) == string(key) {
			n++
			i += len(key) - 1
		}
	}
	return n
}
