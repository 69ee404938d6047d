package funds

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/store"
)

// The ledger's primitives, exported for code that measures or exercises the
// ledger itself (zhixing bench ledger, tests). Features use the operations
// of this package (receipts, allocation, payouts), which check who asks and
// tell the case; these do neither.

// Post writes a balanced transfer (see post).
func Post(ctx context.Context, tx *store.Tx, t *Transfer) (*Transfer, error) { return post(ctx, tx, t) }

// Debit is a posting that adds to a debit-normal account (custody) or takes
// from a credit-normal one.
func Debit(a *Account, fen int64) Posting { return debit(a, fen) }

// Credit is the opposite of Debit.
func Credit(a *Account, fen int64) Posting { return credit(a, fen) }

// CourtAccount returns one of a court's own accounts, opened on first use.
func CourtAccount(ctx context.Context, tx *store.Tx, courtID uuid.UUID, kind AccountKind) (*Account, error) {
	return courtAccount(ctx, tx, courtID, kind)
}
