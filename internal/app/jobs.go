package app

import (
	"context"
	"time"

	"github.com/zhixing-court/zhixing/internal/disposal"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// PurgeKind is the platform's periodic clean-up: ended sessions, old
// idempotency keys, finished jobs.
const PurgeKind = "platform.purge"

// Retention of what the purge deletes.
const (
	idempotencyRetention = 24 * time.Hour
	jobRetention         = 7 * 24 * time.Hour
)

// Runner returns the background job runner of this process with every
// handler of the product registered and the schedules declared. Serve runs
// it; tests and commands may run it with RunOnce.
func (a *App) Runner(opts jobs.Options) *jobs.Runner {
	a.services()
	if opts.Log == nil {
		opts.Log = a.log()
	}
	r := jobs.NewRunner(a.DB, opts)
	r.Register(PurgeKind, a.purge)
	r.Register(intake.BatchKind, intake.BatchJobHandler(a.DB))
	r.Every(PurgeKind, time.Hour, nil)
	r.Register(supervise.RewatchKind, supervise.RewatchJob(a.DB))
	// 查控 schedules: the re-query of 终本 cases (ZB-9) and the control
	// terms (TERM-2). Both read only what is due, so running them hourly
	// costs little and a missed hour is caught up.
	for kind, run := range map[string]func(context.Context) error{
		assets.RequeryKind: assets.RequeryJob(a.DB),
		assets.ExpiryKind:  assets.ExpiryJob(a.DB),
		// Supervision (督办): the due-date queue and the escalations.
		supervise.ScanKind: supervise.ScanJob(a.DB),
		// Disposal (财产处置): the results of auctions whose close has passed.
		disposal.ResultsKind: disposal.ResultsJob(a.DB),
	} {
		r.Register(kind, func(ctx context.Context, _ *jobs.Claimed) error { return run(ctx) })
		r.Every(kind, time.Hour, nil)
	}
	// The daily reconciliation, in a server connected to the custody bank.
	if a.bank != nil {
		r.Register(ReconcileKind, func(ctx context.Context, _ *jobs.Claimed) error { return a.reconcile(ctx) })
		r.Every(ReconcileKind, 24*time.Hour, nil)
	}
	return r
}

// purge deletes ended sessions, idempotency keys older than a day and jobs
// that finished (done or cancelled) more than a week ago.
func (a *App) purge(ctx context.Context, _ *jobs.Claimed) error {
	now := time.Now()
	purges := []struct {
		what string
		run  func() (int64, error)
	}{
		{"ended sessions", func() (int64, error) { return a.Auth.PurgeExpired(ctx) }},
		{"idempotency keys", func() (int64, error) { return idem.Purge(ctx, a.DB, idempotencyRetention, now) }},
		{"finished jobs", func() (int64, error) { return jobs.Purge(ctx, a.DB, now.Add(-jobRetention)) }},
	}
	for _, p := range purges {
		n, err := p.run()
		if err != nil {
			return err
		}
		if n > 0 {
			a.log().Info("purged", "what", p.what, "rows", n)
		}
	}
	return nil
}
