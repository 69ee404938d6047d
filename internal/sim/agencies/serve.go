package agencies

import (
	"context"
	"net"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

// Agencies lists the agencies played, in directory order.
func (s *Sim) Agencies() []agency.Entry {
	out := make([]agency.Entry, len(s.order))
	for i, a := range s.order {
		out[i] = a.entry
	}
	return out
}

// Serve serves Handler on ln and runs Run until ctx ends; then it stops
// the HTTP server, giving requests in flight up to 5 s. It returns nil when
// stopped by ctx, else the listener's or the journal's error. It does not
// Close the simulator.
func (s *Sim) Serve(ctx context.Context, ln net.Listener) error {
	return simkit.Serve(ctx, ln, s.Handler(), s.log, s.Run)
}
