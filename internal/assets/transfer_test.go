package assets_test

import (
	"context"
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
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// fileWith files a case of staff's court after adjust changed the sample
// application.
func (b *bundle) fileWith(t *testing.T, staff *intaketest.Staff, seed int, adjust func(*intake.ApplicationInput)) *cases.Case {
	t.Helper()
	in := intaketest.Application(staff.CourtID, seed)
	adjust(&in)
	c, err := store.TransactValue(staff.Reception, b.db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
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

func caseTimeline(t *testing.T, ctx context.Context, db *store.DB, id uuid.UUID) string {
	t.Helper()
	c, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) { return cases.Get(ctx, tx, id) })
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range c.Events {
		b.WriteString(e.Summary + "\n")
	}
	return b.String()
}

// exec changes the database behind the code's back: time passing.
func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func controlOf(t *testing.T, v *assets.CaseView, assetID uuid.UUID) *assets.Control {
	t.Helper()
	for _, c := range v.Controls {
		if c.AssetID == assetID && c.Status.Held() {
			return c
		}
	}
	t.Fatalf("no control held on %s among %+v", assetID, v.Controls)
	return nil
}

// TERM-5: preservation measures of an applicant against a debtor become
// measures of the applicant's enforcement case when it is filed: same place
// in the registry, term running on, nothing asked of the agency again. A
// second preservation of the same asset for the same applicant is flagged;
// one with a renewal still at the agency waits and is carried on request;
// another applicant's case carries nothing.
func TestPreservationCarriedIntoEnforcement(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		debtor := intaketest.Person(4601)
		b.sim.SetHoldings(agency.RealEstate, "mnr", idOf(debtor), []agency.Holding{{Ref: "粤(2025)佛山市不动产权第0004601号", Kind: agency.RealEstate,
			ValueFen: 90_000_000, Attributes: map[string]string{"address": "佛山市三水区西南街道46号"}}})
		b.sim.SetHoldings(agency.BankDeposit, "icbc", idOf(debtor), []agency.Holding{{Ref: "6222000046014601", Kind: agency.BankDeposit,
			Institution: "工商银行佛山分行", ValueFen: 3_000_000, AvailableFen: 3_000_000}})
		applicant := intaketest.Application(b.staff.CourtID, 4601).Applicants
		preserve := func(in *intake.ApplicationInput) {
			in.CaseType, in.Applicants, in.Respondents = "preservation_enforcement", applicant, []intake.PartyInput{debtor}
		}
		p1 := b.fileWith(t, b.staff, 4601, preserve)
		p2 := b.fileWith(t, b.staff, 4602, preserve)
		b.settle(t)
		v := view(t, b.staff.Judge, db, p1.ID)
		house, deposit := assetByRef(t, v, "粤(2025)佛山市不动产权第0004601号"), assetByRef(t, v, "6222000046014601")

		seize, err := place(b.staff.Judge, db, p1.ID, assets.ControlInput{AssetID: house.ID, Reason: "诉讼保全查封", RulingNo: "（2026）粤0607执保1号"})
		if err != nil {
			t.Fatal(err)
		}
		freeze, err := place(b.staff.Judge, db, p1.ID, assets.ControlInput{AssetID: deposit.ID, AmountFen: 2_000_000, Reason: "诉讼保全冻结",
			RulingNo: "（2026）粤0607执保1号"})
		if err != nil {
			t.Fatal(err)
		}
		if !seize.Preservation || seize.DuplicateOf != uuid.Nil {
			t.Errorf("first preservation %+v: want preservation, no duplicate", seize)
		}
		b.settle(t)
		// The same applicant preserves the same house again: flagged.
		dup, err := place(b.staff.Judge, db, p2.ID, assets.ControlInput{AssetID: house.ID, Reason: "再次申请保全", RulingNo: "（2026）粤0607执保2号"})
		if err != nil {
			t.Fatal(err)
		}
		if dup.DuplicateOf != seize.ID || !strings.Contains(caseTimeline(t, b.staff.Judge, db, p2.ID), "重复保全提示") {
			t.Errorf("duplicate preservation: duplicate_of %s, want %s, and a timeline warning", dup.DuplicateOf, seize.ID)
		}
		b.settle(t)
		before := controlOf(t, view(t, b.staff.Judge, db, p1.ID), house.ID)
		if before.Status != assets.ControlActive || before.Rank != 1 {
			t.Fatalf("preservation seizure = %+v, want active rank 1", before)
		}
		// A renewal of the freeze is still at the bank when the case is filed.
		if err := changeControl(b.staff.Judge, db, assets.Renew, freeze.ID, assets.ChangeInput{Reason: "续行保全"}); err != nil {
			t.Fatal(err)
		}
		var requestsBefore int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM agency_requests WHERE control_id IS NOT NULL`).Scan(&requestsBefore); err != nil {
			t.Fatal(err)
		}

		e := b.fileWith(t, b.staff, 4603, func(in *intake.ApplicationInput) {
			in.Applicants, in.Respondents = applicant, []intake.PartyInput{debtor}
		})
		ev := view(t, b.staff.Judge, db, e.ID)
		carried := controlOf(t, ev, house.ID)
		if carried.CarriedFrom != seize.ID || carried.Status != assets.ControlActive || carried.Rank != 1 || carried.TermTo != before.TermTo ||
			carried.AgencyRef != before.AgencyRef || carried.Preservation || !carried.EffectiveAt.Equal(before.EffectiveAt) {
			t.Errorf("carried control = %+v, want the preservation seizure's place, term and reference (from %+v)", carried, before)
		}
		if len(ev.Controls) != 1 || ev.Carriable != 1 {
			t.Errorf("enforcement case holds %d controls, %d carriable; want the house only, the deposit waiting for its renewal", len(ev.Controls), ev.Carriable)
		}
		reg := assetByRef(t, ev, "粤(2025)佛山市不动产权第0004601号").Controls
		if reg[0].ID != carried.ID || reg[0].Rank != 1 || reg[1].ID != dup.ID || reg[1].Rank != 2 {
			t.Errorf("registry after carrying: %+v", reg)
		}
		old := assetByRef(t, view(t, b.staff.Judge, db, p1.ID), "粤(2025)佛山市不动产权第0004601号").Controls
		for _, c := range old {
			if c.ID == seize.ID && (c.Status != assets.ControlReleased || !strings.Contains(c.EndReason, e.CaseNo)) {
				t.Errorf("preservation control after carrying = %+v, want ended, naming %s", c, e.CaseNo)
			}
		}
		if tl := caseTimeline(t, b.staff.Judge, db, e.ID); !strings.Contains(tl, "保全措施转为本案执行措施") || !strings.Contains(tl, "办理完毕后") {
			t.Errorf("enforcement timeline lacks the carried and the waiting measures:\n%s", tl)
		}
		var requestsAfter int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM agency_requests WHERE control_id IS NOT NULL`).Scan(&requestsAfter); err != nil {
			t.Fatal(err)
		}
		if requestsAfter != requestsBefore {
			t.Errorf("carrying sent %d requests to agencies, want none", requestsAfter-requestsBefore)
		}

		// The renewal answered, the freeze is carried on request; a second
		// request carries nothing more.
		b.settle(t)
		carry := func() *assets.Carried {
			t.Helper()
			out, err := store.TransactValue(b.staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Carried, error) {
				return assets.CarryPreservation(ctx, tx, e.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got := carry(); len(got.Controls) != 1 || got.Controls[0].CarriedFrom != freeze.ID || got.Controls[0].AmountFen != 2_000_000 {
			t.Errorf("carry on request = %+v, want the frozen ¥20,000", got)
		}
		if got := carry(); len(got.Controls) != 0 || len(got.Skipped) != 0 {
			t.Errorf("second carry = %+v, want nothing", got)
		}
		// The carried control is the case's own: it can be released at the
		// agency, by its reference.
		if err := changeControl(b.staff.Judge, db, assets.Release, carried.ID, assets.ChangeInput{Reason: "和解后解除"}); err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		reg = assetByRef(t, view(t, b.staff.Judge, db, e.ID), "粤(2025)佛山市不动产权第0004601号").Controls
		if reg[0].ID != dup.ID || reg[0].Status != assets.ControlActive {
			t.Errorf("after releasing the carried seizure: %+v, want the duplicate preservation promoted", reg)
		}

		// Another applicant's enforcement case against the debtor carries
		// nothing.
		other := b.fileWith(t, b.staff, 4604, func(in *intake.ApplicationInput) { in.Respondents = []intake.PartyInput{debtor} })
		if ov := view(t, b.staff.Judge, db, other.ID); len(ov.Controls) != 0 || ov.Carriable != 0 {
			t.Errorf("another applicant's case: %d controls, %d carriable", len(ov.Controls), ov.Carriable)
		}
		if st := b.sim.Stats(); st.DoubleActions != 0 {
			t.Errorf("simulator double actions = %d", st.DoubleActions)
		}
	})
}

func requestTransfer(ctx context.Context, db *store.DB, caseID uuid.UUID, in assets.TransferInput) (*assets.Transfer, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Transfer, error) {
		return assets.RequestTransfer(ctx, tx, caseID, in)
	})
}

func answerTransfer(ctx context.Context, db *store.DB, id uuid.UUID, in assets.TransferAnswer) (*assets.Transfer, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Transfer, error) {
		return assets.AnswerTransfer(ctx, tx, id, in)
	})
}

// TERM-4: a court enforcing a mortgage holds a waiting seizure of a house
// that another court seized first; 60 days on without a sale it asks for
// the house, the 首封 court answers within 15 days, and on agreement the
// disposal passes to the mortgage court, the seizures keeping their order.
func TestTransferOfFirstSeizure(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db, assets.Config{})
		chancheng := intaketest.NewStaff(t, db, "粤0604")
		debtor := intaketest.Person(4701)
		const ref = "粤(2023)佛山市不动产权第0004701号"
		b.sim.SetHoldings(agency.RealEstate, "mnr", idOf(debtor), []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 200_000_000,
			Attributes: map[string]string{"address": "佛山市禅城区祖庙路47号"}}})
		against := func(in *intake.ApplicationInput) { in.Respondents = []intake.PartyInput{debtor} }
		first := b.fileWith(t, b.staff, 4701, against)
		mortgage := b.fileWith(t, chancheng, 4702, against)
		local := b.fileWith(t, b.staff, 4703, against)
		b.settle(t)
		house := assetByRef(t, view(t, b.staff.Judge, db, first.ID), ref)
		seize := func(ctx context.Context, c *cases.Case) *assets.Control {
			t.Helper()
			ctl, err := place(ctx, db, c.ID, assets.ControlInput{AssetID: house.ID, Reason: "查封房产", RulingNo: c.CaseNo + "之一"})
			if err != nil {
				t.Fatal(err)
			}
			b.settle(t)
			return ctl
		}
		held := seize(b.staff.Judge, first)
		waiting := seize(chancheng.Judge, mortgage)
		localWaiting := seize(b.staff.Judge, local)

		ok := assets.TransferInput{ControlID: waiting.ID, PriorityClaim: "抵押权（粤(2023)佛山市不动产证明第0009999号）", LetterNo: "（2026）粤0604执商移1号"}
		for _, tt := range []struct {
			name   string
			ctx    context.Context
			caseID uuid.UUID
			in     func(assets.TransferInput) assets.TransferInput
			code   string
		}{
			{"no priority claim", chancheng.Judge, mortgage.ID, func(in assets.TransferInput) assets.TransferInput { in.PriorityClaim = " "; return in }, "priority_claim_required"},
			{"no letter", chancheng.Judge, mortgage.ID, func(in assets.TransferInput) assets.TransferInput { in.LetterNo = ""; return in }, "letter_required"},
			{"another case's control", chancheng.Judge, mortgage.ID, func(in assets.TransferInput) assets.TransferInput { in.ControlID = held.ID; return in }, "control_not_found"},
			{"the 首封 itself", b.staff.Judge, first.ID, func(in assets.TransferInput) assets.TransferInput { in.ControlID = held.ID; return in }, "not_waiting"},
			{"same court", b.staff.Judge, local.ID, func(in assets.TransferInput) assets.TransferInput { in.ControlID = localWaiting.ID; return in }, "same_court"},
			{"before 60 days", chancheng.Judge, mortgage.ID, func(in assets.TransferInput) assets.TransferInput { return in }, "too_early"},
			{"another court's staff", b.staff.Judge, mortgage.ID, func(in assets.TransferInput) assets.TransferInput { return in }, "not_found"},
			{"clerk", chancheng.Reception, mortgage.ID, func(in assets.TransferInput) assets.TransferInput { return in }, "forbidden"},
		} {
			if _, err := requestTransfer(tt.ctx, db, tt.caseID, tt.in(ok)); apperr.CodeOf(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		// 61 days since the 首封 took effect, no sale started.
		exec(t, db, `UPDATE controls SET effective_at = ? WHERE id = ?`, time.Now().UTC().AddDate(0, 0, -61), held.ID)
		d, err := assets.DisposalRight(context.Background(), db, house.ID)
		if err != nil || d.CaseID != first.ID || d.Transfer != uuid.Nil {
			t.Fatalf("disposal before any transfer: %+v %v, want the 首封 case", d, err)
		}

		tr, err := requestTransfer(chancheng.Judge, db, mortgage.ID, ok)
		if err != nil {
			t.Fatal(err)
		}
		today := legal.Today(time.Now())
		if tr.Status != assets.TransferPending || tr.HoldingCaseID != first.ID || tr.FirstControlID != held.ID || tr.RequestedOn != today ||
			tr.AnswerDue.Before(today.AddDays(15)) || tr.AnswerDue.After(today.AddDays(25)) {
			t.Errorf("transfer = %+v, want pending to %s, answer due 15 days on (rolled past rest days)", tr, first.CaseNo)
		}
		if _, err := requestTransfer(chancheng.Judge, db, mortgage.ID, ok); apperr.CodeOf(err) != "already_requested" {
			t.Errorf("second request: %v, want already_requested", err)
		}
		// Withdrawn, then asked again.
		if _, err := store.TransactValue(chancheng.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Transfer, error) {
			return assets.WithdrawTransfer(ctx, tx, tr.ID, " ")
		}); apperr.CodeOf(err) != "reason_required" {
			t.Errorf("withdrawal without a reason: %v", err)
		}
		if _, err := store.TransactValue(chancheng.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Transfer, error) {
			return assets.WithdrawTransfer(ctx, tx, tr.ID, "函号有误，重新发函")
		}); err != nil {
			t.Fatal(err)
		}
		ok.LetterNo = "（2026）粤0604执商移2号"
		if tr, err = requestTransfer(chancheng.Judge, db, mortgage.ID, ok); err != nil {
			t.Fatal(err)
		}

		// Overdue: the 首封 court's list shows it, the requesting court's
		// outgoing list too.
		exec(t, db, `UPDATE transfer_requests SET answer_due = ? WHERE id = ?`, today.AddDays(-1), tr.ID)
		list := func(ctx context.Context, f assets.TransferFilter) []*assets.Transfer {
			t.Helper()
			pg, err := assets.Transfers(ctx, db, f, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Items
		}
		if got := list(b.staff.Judge, assets.TransferFilter{Incoming: true, Overdue: true}); len(got) != 1 || got[0].ID != tr.ID || !got[0].Overdue(today) {
			t.Errorf("incoming overdue = %+v", got)
		}
		if got := list(chancheng.Judge, assets.TransferFilter{Incoming: true}); len(got) != 0 {
			t.Errorf("the requesting court's incoming list has %d", len(got))
		}
		if got := list(chancheng.Judge, assets.TransferFilter{Status: assets.TransferWithdrawn}); len(got) != 1 {
			t.Errorf("outgoing withdrawn = %d, want 1", len(got))
		}

		for _, tt := range []struct {
			name string
			ctx  context.Context
			in   assets.TransferAnswer
			code string
		}{
			{"refusal without reasons", b.staff.Judge, assets.TransferAnswer{Agree: false}, "reason_required"},
			{"agreement without letter", b.staff.Judge, assets.TransferAnswer{Agree: true}, "letter_required"},
			{"the requesting court answering", chancheng.Judge, assets.TransferAnswer{Agree: true, LetterNo: "x"}, "not_holding_court"},
			{"unknown request", b.staff.Judge, assets.TransferAnswer{Agree: true, LetterNo: "x"}, "not_found"},
		} {
			id := tr.ID
			if tt.name == "unknown request" {
				id = uuid.New()
			}
			if _, err := answerTransfer(tt.ctx, db, id, tt.in); apperr.CodeOf(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		ans, err := answerTransfer(b.staff.Judge, db, tr.ID, assets.TransferAnswer{Agree: true, LetterNo: "（2026）粤0607执移1号"})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Status != assets.TransferAgreed || ans.AnsweredByName == "" {
			t.Errorf("answer = %+v", ans)
		}
		if _, err := answerTransfer(b.staff.Judge, db, tr.ID, assets.TransferAnswer{Agree: false, Reason: "改变主意"}); apperr.CodeOf(err) != "already_answered" {
			t.Errorf("second answer: %v, want already_answered", err)
		}
		d, err = assets.DisposalRight(context.Background(), db, house.ID)
		if err != nil || d.CaseID != mortgage.ID || d.Transfer != tr.ID {
			t.Errorf("disposal after agreement: %+v %v, want the mortgage case", d, err)
		}
		reg := assetByRef(t, view(t, b.staff.Judge, db, first.ID), ref).Controls
		if reg[0].ID != held.ID || reg[0].Rank != 1 || reg[1].ID != waiting.ID || reg[1].Rank != 2 {
			t.Errorf("the seizures' order changed: %+v", reg)
		}
		if tl := caseTimeline(t, chancheng.Judge, db, mortgage.ID); !strings.Contains(tl, "同意移送") || !strings.Contains(tl, "逾期") {
			t.Errorf("mortgage case timeline lacks the late agreement:\n%s", tl)
		}
		if tl := caseTimeline(t, b.staff.Judge, db, first.ID); !strings.Contains(tl, "收到") || !strings.Contains(tl, "商请移送执行函") {
			t.Errorf("first case timeline lacks the request:\n%s", tl)
		}
		if v := view(t, b.staff.Judge, db, first.ID); len(v.Transfers) != 2 {
			t.Errorf("first case shows %d transfers, want 2 (withdrawn, agreed)", len(v.Transfers))
		}
	})
}
