package massclaim

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Reads for the pages (internal/web/ui): a case's campaigns, what a
// campaign's claims add up to, its rounds with where their payouts stand,
// and a participant's own shares.

// Statuses returns a claim's statuses in the order of the flow.
func Statuses() []string {
	return []string{"registered", "eligible", "ineligible", "confirmed", "objected", "final"}
}

// CaseCampaigns lists the campaigns of a case (cases.read), the newest
// first; a case of a court the caller does not see has none.
func CaseCampaigns(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Campaign, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, campaignSelect+` WHERE m.case_id = ? ORDER BY m.created_at DESC, m.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanCampaign)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, m := range list {
		if p.Sees(m.CourtID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Tally is what a campaign's claims add up to.
type Tally struct {
	ByStatus map[string]int
	Claims   int
	// ConfirmedFen is the final figures of the confirmed and decided
	// claims: what a round shares pro rata over (MASS-6).
	ConfirmedFen int64
	PaidFen      int64 // shared out in the rounds so far
}

// TallyOf counts a campaign's claims by status; m is a campaign the caller
// was given by GetCampaign (or a change), which checked they may read it.
func TallyOf(ctx context.Context, q store.Querier, m *Campaign) (*Tally, error) {
	rows, err := q.Query(ctx, `SELECT status, COUNT(*), COALESCE(SUM(CASE WHEN status IN ('confirmed', 'final') THEN final_fen ELSE 0 END), 0),
		COALESCE(SUM(paid_fen), 0) FROM claims WHERE campaign_id = ? GROUP BY status`, m.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &Tally{ByStatus: map[string]int{}}
	for rows.Next() {
		var status string
		var n int
		var confirmed, paid int64
		if err := rows.Scan(&status, &n, &confirmed, &paid); err != nil {
			return nil, err
		}
		t.ByStatus[status] = n
		t.Claims += n
		t.ConfirmedFen += confirmed
		t.PaidFen += paid
	}
	return t, rows.Err()
}

// RoundSummary is a round as the campaign page shows it: its figures and
// how many of its payouts stand at each status.
type RoundSummary struct {
	Round
	CreatedByName string
	CreatedAt     time.Time
	ByStatus      map[funds.PayoutStatus]int
}

// RoundsOf lists a campaign's rounds, the latest first; m as for TallyOf.
func RoundsOf(ctx context.Context, q store.Querier, m *Campaign) ([]*RoundSummary, error) {
	rows, err := q.Query(ctx, `SELECT id, seq, amount_fen, paid_fen, carried_fen, claims, created_by_name, created_at FROM campaign_rounds
		WHERE campaign_id = ? ORDER BY seq DESC`, m.ID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, func(sc store.Scanner) (*RoundSummary, error) {
		r := &RoundSummary{ByStatus: map[funds.PayoutStatus]int{}}
		err := sc.Scan(&r.ID, &r.Seq, &r.AmountFen, &r.PaidFen, &r.CarriedFen, &r.Claims, &r.CreatedByName, &r.CreatedAt)
		r.CampaignID, r.CreatedAt = m.ID, r.CreatedAt.UTC()
		return r, err
	})
	if err != nil || len(list) == 0 {
		return list, err
	}
	byID := map[uuid.UUID]*RoundSummary{}
	for _, r := range list {
		byID[r.ID] = r
	}
	rows, err = q.Query(ctx, `SELECT s.round_id, o.status, COUNT(*) FROM campaign_rounds r JOIN claim_shares s ON s.round_id = r.id
		JOIN payouts o ON o.id = s.payout_id WHERE r.campaign_id = ? GROUP BY s.round_id, o.status`, m.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var status funds.PayoutStatus
		var n int
		if err := rows.Scan(&id, &status, &n); err != nil {
			return nil, err
		}
		if r := byID[id]; r != nil {
			r.ByStatus[status] = n
		}
	}
	return list, rows.Err()
}

// Share is a claim's share of one round and where its payout stands.
type Share struct {
	Seq          int
	ShareFen     int64
	PayoutStatus funds.PayoutStatus
}

// SharesOf lists a claim's shares round by round; c is a claim the caller
// was given by ClaimByToken (the participant) or Claims (the staff).
func SharesOf(ctx context.Context, q store.Querier, c *Claim) ([]Share, error) {
	// Through the campaign's rounds, so that each share is found by its key.
	rows, err := q.Query(ctx, `SELECT r.seq, s.share_fen, COALESCE(o.status, '') FROM campaign_rounds r
		JOIN claim_shares s ON s.round_id = r.id AND s.claim_id = ? LEFT JOIN payouts o ON o.id = s.payout_id
		WHERE r.campaign_id = ? ORDER BY r.seq`, c.ID, c.CampaignID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, func(sc store.Scanner) (Share, error) {
		var s Share
		err := sc.Scan(&s.Seq, &s.ShareFen, &s.PayoutStatus)
		return s, err
	})
}
