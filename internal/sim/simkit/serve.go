package simkit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves h on ln and calls run (a simulator's Run) until ctx ends;
// then it stops the HTTP server, giving requests in flight up to 5 s. It
// returns nil when stopped by ctx, else the listener's error or run's. The
// HTTP server's own errors go to log.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, run func(context.Context) error) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr, serveErr := make(chan error, 1), make(chan error, 1)
	go func() { runErr <- run(ctx) }()
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
