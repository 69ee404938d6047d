package disposal

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/store"
)

// ResultsKind is the job that pulls the results of listings whose close has
// passed, so the board moves on without anyone asking.
const ResultsKind = "disposal.results"

// PullDue pulls, as the system, the result of every listing whose scheduled
// close has passed by the platform's clock; one still running after an
// extension (AUCT-7) is left for the next run. It returns how many it
// recorded. A failure of one listing does not stop the others.
func PullDue(ctx context.Context, db *store.DB) (int, error) {
	ctx = access.With(ctx, access.System("网络司法拍卖结果"))
	rows, err := db.Query(ctx, `SELECT id FROM auctions WHERE status = 'listed' AND ends_at <= ? ORDER BY ends_at, id`, now(db))
	if err != nil {
		return 0, err
	}
	ids, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, id := range ids {
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := PullResult(ctx, tx, id)
			return err
		})
		switch {
		case err == nil:
			n++
		case errorCode(err) == "auction_not_closed":
		default:
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// ResultsJob is the handler of ResultsKind.
func ResultsJob(db *store.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := PullDue(ctx, db)
		return err
	}
}
