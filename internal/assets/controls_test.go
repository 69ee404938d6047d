package assets_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func place(ctx context.Context, db *store.DB, caseID uuid.UUID, in assets.ControlInput) (*assets.Control, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
		return assets.Place(ctx, tx, caseID, in)
	})
}

func changeControl(ctx context.Context, db *store.DB, fn func(context.Context, *store.Tx, uuid.UUID, assets.ChangeInput) (*assets.Control, error),
	id uuid.UUID, in assets.ChangeInput) error {
	_, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
		return fn(ctx, tx, id, in)
	})
	return err
}

func assetByRef(t *testing.T, v *assets.CaseView, ref string) *assets.Asset {
	t.Helper()
	for _, a := range v.Assets {
		if a.Ref == ref {
			return a
		}
	}
	t.Fatalf("asset %s not in %+v", ref, v.Assets)
	return nil
}

// A deposit frozen by two cases: the first freeze takes what the account
// holds, less than asked (a partial answer); the second waits (轮候); when
// the first is released, the second takes first place (TERM-3).
func TestFreezeOrderAcrossCases(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		debtor := intaketest.Organization(4301)
		b.sim.SetHoldings(agency.BankDeposit, "ccb", idOf(debtor), []agency.Holding{{Ref: "4367000033334444", Kind: agency.BankDeposit,
			Institution: "建设银行佛山分行", ValueFen: 5_000_000, AvailableFen: 5_000_000}})
		first := b.fileCase(t, 4301, debtor, 8_000_000)
		second := b.fileCase(t, 4302, debtor, 1_000_000)
		b.settle(t)
		asset := assetByRef(t, view(t, b.staff.Judge, db, first.ID), "4367000033334444")

		ctl1, err := place(b.staff.Judge, db, first.ID, assets.ControlInput{AssetID: asset.ID, AmountFen: 8_000_000, Reason: "冻结存款",
			RulingNo: "（2026）粤0607执1号之一"})
		if err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		ctl2, err := place(b.staff.Judge, db, second.ID, assets.ControlInput{AssetID: asset.ID, AmountFen: 1_000_000, Reason: "冻结存款",
			RulingNo: "（2026）粤0607执2号之一"})
		if err != nil {
			t.Fatal(err)
		}
		b.settle(t)

		got := assetByRef(t, view(t, b.staff.Judge, db, first.ID), "4367000033334444").Controls
		if len(got) != 2 || got[0].ID != ctl1.ID || got[0].Status != assets.ControlActive || got[0].Rank != 1 ||
			got[0].AmountFen != 5_000_000 || got[0].AmountAskedFen != 8_000_000 {
			t.Fatalf("first control = %+v, want active rank 1 with ¥50,000 of ¥80,000 frozen", got[0])
		}
		if got[1].ID != ctl2.ID || got[1].Status != assets.ControlWaiting || got[1].Rank != 2 {
			t.Fatalf("second control = %+v, want waiting rank 2", got[1])
		}
		if got[0].TermTo.IsZero() {
			t.Errorf("first control has no term")
		}

		// A second freeze of the same asset in the same case is refused.
		if _, err := place(b.staff.Judge, db, first.ID, assets.ControlInput{AssetID: asset.ID, AmountFen: 1, Reason: "x", RulingNo: "y"}); apperr.CodeOf(err) != "already_controlled" {
			t.Errorf("repeat freeze: %v, want already_controlled", err)
		}
		// Release the first; the second moves up.
		if err := changeControl(b.staff.Judge, db, assets.Release, ctl1.ID, assets.ChangeInput{Reason: "申请执行人撤回"}); err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		got = assetByRef(t, view(t, b.staff.Judge, db, first.ID), "4367000033334444").Controls
		if got[0].ID != ctl2.ID || got[0].Status != assets.ControlActive || got[0].Rank != 1 {
			t.Errorf("after release, first = %+v, want the second case's control active at rank 1", got[0])
		}
		if got[1].ID != ctl1.ID || got[1].Status != assets.ControlReleased {
			t.Errorf("after release, %+v, want the released control last", got[1])
		}
		// Releasing it again: not held.
		if err := changeControl(b.staff.Judge, db, assets.Release, ctl1.ID, assets.ChangeInput{Reason: "again"}); apperr.CodeOf(err) != "not_held" {
			t.Errorf("second release: %v, want not_held", err)
		}
		// Nothing was done twice at the bank.
		if st := b.sim.Stats(); st.DoubleActions != 0 {
			t.Errorf("simulator double actions = %d", st.DoubleActions)
		}
	})
}

func TestControlRefusesBadInput(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		debtor := intaketest.Person(4401)
		b.sim.SetHoldings(agency.BankDeposit, "boc", idOf(debtor), []agency.Holding{{Ref: "6013000055556666", Kind: agency.BankDeposit,
			ValueFen: 100_000, AvailableFen: 100_000}})
		b.sim.SetHoldings(agency.RealEstate, "mnr", idOf(debtor), []agency.Holding{{Ref: "粤(2024)佛山市不动产权第0001234号", Kind: agency.RealEstate,
			ValueFen: 150_000_000, Attributes: map[string]string{"only_home": "true", "address": "佛山市三水区西南街道1号"}}})
		b.sim.SetHoldings(agency.Marriage, "mca", idOf(debtor), []agency.Holding{{Ref: "J440607-2010-001", Kind: agency.Marriage}})
		c := b.fileCase(t, 4401, debtor, 500_000)
		other := b.fileCase(t, 4402, intaketest.Person(4403), 500_000)
		b.settle(t)
		v := view(t, b.staff.Judge, db, c.ID)
		deposit, home := assetByRef(t, v, "6013000055556666"), assetByRef(t, v, "粤(2024)佛山市不动产权第0001234号")
		marriage := assetByRef(t, v, "J440607-2010-001")
		if !home.Exempt || home.ExemptReason == "" {
			t.Fatalf("only home not flagged exempt: %+v", home)
		}
		ok := assets.ControlInput{AssetID: deposit.ID, AmountFen: 100_000, Reason: "冻结", RulingNo: "（2026）粤0607执3号"}
		tests := []struct {
			name   string
			ctx    context.Context
			caseID uuid.UUID
			in     func(assets.ControlInput) assets.ControlInput
			code   string
		}{
			{"no reason", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.Reason = " "; return in }, "reason_required"},
			{"no ruling", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.RulingNo = ""; return in }, "ruling_required"},
			{"no amount", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.AmountFen = 0; return in }, "amount_required"},
			{"negative amount", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.AmountFen = -5; return in }, "amount_required"},
			{"term beyond TERM-1", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.Months = 13; return in }, "term_too_long"},
			{"information only", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput {
				in.AssetID = marriage.ID
				in.AmountFen = 0
				return in
			}, "not_controllable"},
			{"exempt without confirmation", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.AssetID = home.ID; in.AmountFen = 0; return in }, "exempt_property"},
			{"another case's debtor", b.staff.Judge, other.ID, func(in assets.ControlInput) assets.ControlInput { return in }, "not_respondents_asset"},
			{"unknown asset", b.staff.Judge, c.ID, func(in assets.ControlInput) assets.ControlInput { in.AssetID = uuid.New(); return in }, "not_found"},
			{"clerk may not control", b.staff.Reception, c.ID, func(in assets.ControlInput) assets.ControlInput { return in }, "forbidden"},
		}
		for _, tt := range tests {
			if _, err := place(tt.ctx, db, tt.caseID, tt.in(ok)); apperr.CodeOf(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM controls`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("controls written by refused requests: %d (%v)", n, err)
		}
		// The exempt home, confirmed: a seizure with the longest immovable term.
		in := assets.ControlInput{AssetID: home.ID, Reason: "查封房产", RulingNo: "（2026）粤0607执3号之二", AckExempt: true}
		ctl, err := place(b.staff.Judge, db, c.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if ctl.Op != agency.OpSeize || ctl.TermTo.Year()-ctl.CreatedAt.Year() < 2 {
			t.Errorf("seizure %+v: want op seize, a 3-year term", ctl)
		}
	})
}
