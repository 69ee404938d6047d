package assets_test

import (
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// S1: "about a fifth of first-time cases should be able to close this way".
// Sample cases filed against the simulator's debtors: the share whose
// inquiry at filing finds money the court can take (deposits, payment
// balances; not exempt) covering principal, fee and interest.
func TestAboutAFifthCanTakeTheFastPath(t *testing.T) {
	if testing.Short() {
		t.Skip("files 150 cases")
	}
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	b := setup(t, db, assets.Config{})
	const n = 150
	var covered int
	today := legal.Today(time.Now())
	ids := make([]*struct {
		id    [16]byte
		claim int64
		due   legal.Date
	}, 0, n)
	for seed := 1; seed <= n; seed++ {
		// Seeds spread so that the sample claims cover their whole range
		// (¥1,000 to ¥501,000), not one corner of it.
		s := 9000 + seed*3331
		in := sample.Application(b.staff.CourtID, s)
		c := b.fileCase(t, s, in.Respondents[0], in.ClaimAmountFen)
		ids = append(ids, &struct {
			id    [16]byte
			claim int64
			due   legal.Date
		}{c.ID, in.ClaimAmountFen, in.Basis.DueDate})
	}
	b.settle(t)
	for _, c := range ids {
		v := view(t, b.staff.Judge, db, c.id)
		var money int64
		for _, a := range v.Assets {
			if info, _ := agency.Info(a.Kind); info.Money && !a.Exempt {
				money += a.AvailableFen
			}
		}
		owed := c.claim + legal.ApplicationFee(c.claim, legal.DefaultFeeBands) + legal.LateInterest(c.claim, c.due, today)
		if money >= owed {
			covered++
		}
	}
	share := float64(covered) / n
	t.Logf("%d of %d cases (%.0f %%) could take the fast path", covered, n, share*100)
	if share < 0.15 || share > 0.28 {
		t.Errorf("%.0f %% of first-time cases could take the fast path, want about a fifth (15–28 %%)", share*100)
	}
}
