package bank

import (
	"context"
	"net"
	"time"

	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

// RunDue carries out synchronously everything due now — payouts and the
// returns of bounced ones — and returns the number of results produced.
// Tests use it (with TimeScale 0, or a clock they move) instead of waiting.
func (s *Sim) RunDue(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	return s.process(s.now())
}

// Run carries out instructions and returns when they fall due, until ctx
// ends or the simulator is closed, sleeping on a timer in between. It
// returns nil when stopped and the journal's error when the journal failed.
func (s *Sim) Run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		broken, closed := s.broken, s.closed
		s.mu.Unlock()
		if broken != nil {
			return broken
		}
		if closed || ctx.Err() != nil {
			return nil
		}
		s.process(s.now())
		wait := time.Hour
		if next, ok := s.nextDue(); ok {
			wait = max(time.Millisecond, next.Sub(s.now()))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-s.done:
			return nil
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// nextDue is when the next payout or return falls due.
func (s *Sim) nextDue() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.due) == 0 {
		return time.Time{}, false
	}
	return s.due[0].due, true
}

// Serve serves Handler on ln and runs Run until ctx ends; then it stops
// the HTTP server, giving requests in flight up to 5 s. It returns nil when
// stopped by ctx, else the listener's or the journal's error. It does not
// Close the simulator.
func (s *Sim) Serve(ctx context.Context, ln net.Listener) error {
	return simkit.Serve(ctx, ln, s.Handler(), s.log, s.Run)
}
