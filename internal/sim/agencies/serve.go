package agencies

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
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
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr, serveErr := make(chan error, 1), make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	go func() { serveErr <- srv.Serve(ln) }()
	var err error
	ranOut := false
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	case err = <-runErr:
		ranOut = true
	}
	cancel()
	sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	if !ranOut {
		if rerr := <-runErr; rerr != nil && err == nil {
			err = rerr
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
