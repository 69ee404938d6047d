package assets_test

import (
	"context"
	"testing"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestExpiryWarningsAndLapse (TERM-1, TERM-2): a freeze is warned of 30 and
// 7 days before its last day, once each however often the watch runs; the
// renewal worklist lists it; the day after its last day it lapses and the
// waiting freeze of another case moves up to first place.
func TestExpiryWarningsAndLapse(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		ctx := context.Background()
		debtor := intaketest.Organization(4601)
		b.sim.SetHoldings(agency.BankDeposit, "abc", idOf(debtor), []agency.Holding{{Ref: "4460100000004601", Kind: agency.BankDeposit,
			ValueFen: 1_000_000, AvailableFen: 1_000_000}})
		first := b.fileCase(t, 4601, debtor, 1_000_000)
		second := b.fileCase(t, 4602, debtor, 1_000_000)
		b.settle(t)
		deposit := assetByRef(t, view(t, b.staff.Judge, db, first.ID), "4460100000004601")
		c1, err := place(b.staff.Judge, db, first.ID, assets.ControlInput{AssetID: deposit.ID, AmountFen: 1_000_000, Months: 6, Reason: "冻结", RulingNo: "（2026）粤0607执1号"})
		if err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		if _, err := place(b.staff.Judge, db, second.ID, assets.ControlInput{AssetID: deposit.ID, AmountFen: 1_000_000, Months: 12, Reason: "轮候冻结", RulingNo: "（2026）粤0607执2号"}); err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		term := view(t, b.staff.Judge, db, first.ID).Controls[0].TermTo

		for _, step := range []struct {
			name                    string
			day                     int // relative to the last day
			warned, expired, listed int
		}{
			{"31 days before: nothing yet", -31, 0, 0, 0},
			{"30 days before: first warning", -30, 1, 0, 1},
			{"the same day again: no second warning", -30, 0, 0, 1},
			{"8 days before: still warned once", -8, 0, 0, 1},
			{"7 days before: second warning", -7, 1, 0, 1},
			{"the last day: still in force", 0, 0, 0, 1},
			{"the day after: lapsed", 1, 0, 1, 0},
			{"and only once", 2, 0, 0, 0},
		} {
			day := term.AddDays(step.day)
			got, err := assets.WatchExpiry(ctx, db, day)
			if err != nil {
				t.Fatal(err)
			}
			if got.Warned != step.warned || got.Expired != step.expired {
				t.Errorf("%s: %+v, want warned %d expired %d", step.name, got, step.warned, step.expired)
			}
			list, err := assets.Expiring(b.staff.Judge, db, day, 30, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range list.Items {
				if c.ID == c1.ID {
					n++
				}
			}
			if n != step.listed {
				t.Errorf("%s: listed %d, want %d", step.name, n, step.listed)
			}
		}
		v1, v2 := view(t, b.staff.Judge, db, first.ID), view(t, b.staff.Judge, db, second.ID)
		if v1.Controls[0].Status != assets.ControlExpired {
			t.Errorf("first freeze after its term: %s", v1.Controls[0].Status)
		}
		if v2.Controls[0].Status != assets.ControlActive || v2.Controls[0].Rank != 1 {
			t.Errorf("waiting freeze after the first lapsed: %s rank %d", v2.Controls[0].Status, v2.Controls[0].Rank)
		}
	})
}
