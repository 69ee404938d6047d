package assets_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/sim/agencies"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var testKey = assets.SimKey{ID: "sim", Secret: []byte("0123456789abcdef0123456789abcdef")}

// bundle is a database with a court's staff, the agency simulator on a
// loopback port (answering at once), zhixing's callback endpoint and a
// dispatcher between them.
type bundle struct {
	db    *store.DB
	staff *intaketest.Staff
	sim   *agencies.Sim
	d     *assets.Dispatcher
	cb    *httptest.Server
	simS  *httptest.Server
}

func setup(t *testing.T, db *store.DB, cfg assets.Config) *bundle {
	t.Helper()
	sim, err := agencies.New(agencies.Options{KeyID: testKey.ID, Secret: testKey.Secret, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	simS := httptest.NewServer(sim.Handler())
	t.Cleanup(simS.Close)
	mux := http.NewServeMux()
	mux.Handle("POST "+assets.CallbackPath+"{code}", assets.CallbackHandler(db, testKey))
	cb := httptest.NewServer(mux)
	t.Cleanup(cb.Close)
	cfg.SimBase, cfg.SimKeyID, cfg.SimSecret, cfg.CallbackBase = simS.URL, testKey.ID, testKey.Secret, cb.URL
	if cfg.PollEvery == 0 {
		cfg.PollEvery = time.Hour // callbacks only, unless a test polls
	}
	return &bundle{db: db, staff: intaketest.NewStaff(t, db, ""), sim: sim, d: assets.NewDispatcher(db, cfg), cb: cb, simS: simS}
}

// settle runs the dispatcher and the simulator until neither has work.
func (b *bundle) settle(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for range 100 {
		r, err := b.d.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := b.sim.RunDue(ctx); !r.Busy() && n == 0 {
			return
		}
	}
	t.Fatal("dispatcher and simulator did not settle")
}

// fileCase files a first-enforcement case whose respondent is respondent.
func (b *bundle) fileCase(t *testing.T, seed int, respondent intake.PartyInput, claimFen int64) *cases.Case {
	t.Helper()
	in := intaketest.Application(b.staff.CourtID, seed)
	in.Respondents = []intake.PartyInput{respondent}
	in.ClaimAmountFen = claimFen
	c, err := store.TransactValue(b.staff.Reception, b.db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatalf("filing: %v", err)
	}
	return c
}

func view(t *testing.T, ctx context.Context, db *store.DB, caseID uuid.UUID) *assets.CaseView {
	t.Helper()
	v, err := assets.ForCase(ctx, db, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func idOf(p intake.PartyInput) string {
	if p.IDNumber != "" {
		return p.IDNumber
	}
	return p.CreditCode
}

func TestInquiryAtFilingIsAnsweredAndMerged(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		debtor := intaketest.Organization(4101)
		b.sim.SetHoldings(agency.BankDeposit, "icbc", idOf(debtor), []agency.Holding{{Ref: "6222000011112222", Kind: agency.BankDeposit,
			Institution: "工商银行佛山三水支行", ValueFen: 30_000_000, AvailableFen: 30_000_000}})
		c := b.fileCase(t, 4101, debtor, 20_000_000)
		b.settle(t)

		v := view(t, b.staff.Judge, db, c.ID)
		if len(v.Inquiries) != 1 || v.Inquiries[0].Source != assets.SourceFiling || v.Inquiries[0].Status != "done" {
			t.Fatalf("inquiries = %+v, want one finished filing inquiry", v.Inquiries)
		}
		q := v.Inquiries[0]
		if q.Requests == 0 || q.Answered != q.Requests {
			t.Fatalf("inquiry answered %d of %d", q.Answered, q.Requests)
		}
		// An organization is not asked about marriage, identity, phone or person search.
		for _, r := range v.Requests {
			if r.Kind == agency.Marriage || r.Kind == agency.PersonTrace {
				t.Errorf("organization asked about %s", r.Kind)
			}
			if r.Status != assets.RequestAnswered || r.Purpose != assets.FilingPurpose || r.RequestedByName == "" {
				t.Errorf("request %+v: want answered, with purpose and who asked", r)
			}
		}
		var found *assets.Asset
		for _, a := range v.Assets {
			if a.Ref == "6222000011112222" {
				found = a
			}
		}
		if found == nil || found.AvailableFen != 30_000_000 || found.AgencyCode != "icbc" {
			t.Fatalf("deposit not found: %+v", v.Assets)
		}
		tl, err := cases.Get(b.staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !timelineHas(tl, "立案自动查询结果") || !timelineHas(tl, "¥300,000.00") {
			t.Errorf("timeline lacks the inquiry result: %+v", tl.Events)
		}

		// A second inquiry finds the same account: one asset, refreshed.
		before := len(v.Assets)
		if _, err := store.TransactValue(b.staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Inquiry, error) {
			return assets.Inquire(ctx, tx, c.ID, assets.InquiryInput{Purpose: "复查存款", Kinds: []agency.Kind{agency.BankDeposit}})
		}); err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		v = view(t, b.staff.Judge, db, c.ID)
		if len(v.Assets) != before {
			t.Errorf("assets after a repeated inquiry = %d, want %d (merged)", len(v.Assets), before)
		}
		if len(v.Inquiries) != 2 || v.Inquiries[0].Status != "done" || v.Inquiries[0].Purpose != "复查存款" {
			t.Errorf("second inquiry = %+v", v.Inquiries[0])
		}
	})
}

func timelineHas(c *cases.Case, s string) bool {
	for _, e := range c.Events {
		if strings.Contains(e.Summary, s) {
			return true
		}
	}
	return false
}

func TestInquiryRefusesBadInput(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		c := b.fileCase(t, 4201, intaketest.Person(4201), 1_000_00)
		try := func(ctx context.Context, id uuid.UUID, in assets.InquiryInput) error {
			_, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Inquiry, error) {
				return assets.Inquire(ctx, tx, id, in)
			})
			return err
		}
		tests := []struct {
			name string
			ctx  context.Context
			id   uuid.UUID
			in   assets.InquiryInput
			code string
		}{
			{"no purpose", b.staff.Judge, c.ID, assets.InquiryInput{}, "purpose_required"},
			{"unknown kind", b.staff.Judge, c.ID, assets.InquiryInput{Purpose: "x", Kinds: []agency.Kind{"gold_bars"}}, "unknown_kind"},
			{"not a respondent", b.staff.Judge, c.ID, assets.InquiryInput{Purpose: "x", PartyIDs: []uuid.UUID{uuid.New()}}, "not_a_respondent"},
			{"no such case", b.staff.Judge, uuid.New(), assets.InquiryInput{Purpose: "x"}, "not_found"},
			{"mediator may not inquire", b.staff.Mediator, c.ID, assets.InquiryInput{Purpose: "x"}, "forbidden"},
		}
		for _, tt := range tests {
			err := try(tt.ctx, tt.id, tt.in)
			if apperr.CodeOf(err) != tt.code {
				t.Errorf("%s: error %v, want code %s", tt.name, err, tt.code)
			}
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM asset_inquiries WHERE case_id = ?`, c.ID).Scan(&n); err != nil || n != 1 {
			t.Errorf("inquiries = %d (%v), want only the filing's", n, err)
		}
	})
}
