package intake_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func register(t *testing.T, s *intaketest.Staff, in intake.ApplicationInput) *intake.Application {
	t.Helper()
	a, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
		return intake.Register(ctx, tx, in)
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return a
}

func file(t *testing.T, s *intaketest.Staff, id uuid.UUID, in intake.FileInput) *cases.Case {
	t.Helper()
	c, err := fileErr(s, id, in)
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	return c
}

func fileErr(s *intaketest.Staff, id uuid.UUID, in intake.FileInput) (*cases.Case, error) {
	return store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return intake.File(ctx, tx, id, in)
	})
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var caseNoRE = regexp.MustCompile(`^（\d{4}）粤0607执\d+号$`)

func TestRegisterAndFile(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		in := intaketest.Application(s.CourtID, 1)
		in.ClaimAmountFen = 200_000_00
		in.Respondents = []intake.PartyInput{intaketest.Organization(5)}
		a := register(t, s, in)
		if a.Status != intake.StatusReceived || len(a.Parties) != 2 || a.Parties[0].Role != "applicant" {
			t.Fatalf("registered %+v", a)
		}
		if want := a.ReceivedOn.AddDays(7); a.DecisionDue.Before(want) {
			t.Errorf("CLOCK-4: decision due %s, want ≥ %s", a.DecisionDue, want)
		}
		c := file(t, s, a.ID, intake.FileInput{})
		if !caseNoRE.MatchString(c.CaseNo) || c.Seq != 1 {
			t.Errorf("CASENO-1: case no %q seq %d", c.CaseNo, c.Seq)
		}
		if c.Lane != "fast" || c.HandlerID != s.JudgeID || c.Status != cases.StatusInProgress {
			t.Errorf("triage: lane %q handler %v status %s (%s)", c.Lane, c.HandlerID, c.Status, c.Triage.Explanation)
		}
		if c.Triage.Rule == "" || c.Triage.Version < 1 || !strings.Contains(c.Triage.Explanation, "速执团队") {
			t.Errorf("triage record %+v", c.Triage)
		}
		got, err := cases.Get(s.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.FiledOn.AddMonths(6); got.Deadline.Before(want) {
			t.Errorf("CLOCK-2: deadline %s before %s", got.Deadline, want)
		}
		kinds := []string{}
		for _, e := range got.Events {
			kinds = append(kinds, e.Kind)
		}
		if strings.Join(kinds, ",") != "filed,triage,assigned,acceptance_notice,inquiry" {
			t.Errorf("timeline %v", kinds)
		}
		// Filing twice is refused and numbers nothing.
		if _, err := fileErr(s, a.ID, intake.FileInput{}); apperr.CodeOf(err) != "invalid_application_status" {
			t.Errorf("second filing: %v", err)
		}
		if n := count(t, db, "cases"); n != 1 {
			t.Errorf("cases = %d", n)
		}
		// The debtor view lists the case under the company.
		o, err := cases.GetPartyOverview(s.Judge, db, got.Respondents()[0].PartyID)
		if err != nil || len(o.Cases) != 1 || o.Cases[0].CaseNo != c.CaseNo {
			t.Errorf("overview %+v %v", o, err)
		}
	})
}

func TestRegisterRefusesBadInput(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		today := legal.Today(timeNow())
		for _, tc := range []struct {
			name, code, field string
			edit              func(*intake.ApplicationInput)
		}{
			{"IDC-1 wrong check digit", "invalid_id_number", "body.applicants[0].id_number", func(in *intake.ApplicationInput) {
				in.Applicants[0].IDNumber = "440604199003071230"
			}},
			{"IDC-2 30 February", "invalid_id_number", "body.applicants[0].id_number", func(in *intake.ApplicationInput) {
				in.Applicants[0].IDNumber = "440604199002301230"
			}},
			{"USCC-1 transposition", "invalid_credit_code", "body.respondents[0].credit_code", func(in *intake.ApplicationInput) {
				in.Respondents = []intake.PartyInput{intaketest.Organization(3)}
				in.Respondents[0].CreditCode = "91440604MA4W1YX21L"
			}},
			{"organisation without legal representative", "missing_legal_rep", "body.respondents[0].legal_rep", func(in *intake.ApplicationInput) {
				in.Respondents = []intake.PartyInput{intaketest.Organization(3)}
				in.Respondents[0].LegalRep = ""
			}},
			{"due date before effective date", "invalid_date_order", "body.basis.performance_due_date", func(in *intake.ApplicationInput) {
				in.Basis.DueDate = in.Basis.EffectiveDate.AddDays(-1)
			}},
			{"effective date in the future", "invalid_date_order", "body.basis.effective_date", func(in *intake.ApplicationInput) {
				in.Basis.EffectiveDate, in.Basis.DueDate = today.AddDays(3), legal.Date{}
			}},
			{"negative amount", "invalid_amount", "body.claim_amount_fen", func(in *intake.ApplicationInput) { in.ClaimAmountFen = -1 }},
			{"absurd amount", "invalid_amount", "body.claim_amount_fen", func(in *intake.ApplicationInput) { in.ClaimAmountFen = intake.MaxClaimFen + 1 }},
			{"no respondent", "missing_party", "body.respondents", func(in *intake.ApplicationInput) { in.Respondents = nil }},
			{"unknown material", "unknown_material", "body.materials[0].code", func(in *intake.ApplicationInput) {
				in.Materials = []intake.MaterialInput{{Code: "nonsense", Received: true}}
			}},
			{"address too long", "invalid_address", "body.respondents[0].address", func(in *intake.ApplicationInput) {
				in.Respondents[0].Address = strings.Repeat("地", 201)
			}},
			{"examination case type", "invalid_case_type", "body.case_type", func(in *intake.ApplicationInput) { in.CaseType = "objection" }},
			{"override without a reason", "invalid_id_override", "body.applicants[0].id_override_note", func(in *intake.ApplicationInput) {
				in.Applicants[0].IDNumber, in.Applicants[0].Override = "440604199003071230", "legacy_document"
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := intaketest.Application(s.CourtID, 100)
				tc.edit(&in)
				_, err := store.TransactValue(s.Reception, db, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
					return intake.Register(ctx, tx, in)
				})
				e, ok := apperr.As(err)
				if !ok || e.Code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				found := false
				for _, f := range e.Fields {
					found = found || f.Field == tc.field
				}
				if !found || !hasHan(e.Detail) {
					t.Errorf("fields %+v detail %q: want field %s and a Chinese detail", e.Fields, e.Detail, tc.field)
				}
			})
		}
		for _, table := range []string{"applications", "parties", "application_parties"} {
			if n := count(t, db, table); n != 0 {
				t.Errorf("%s has %d rows after refused input", table, n)
			}
		}
	})
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestOverridesDuplicatesAndRefusal(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		// ID-OVR-1: the pilot code fails its check; saved with a reason.
		in := intaketest.Application(s.CourtID, 7)
		in.Respondents = []intake.PartyInput{intaketest.Organization(9)}
		in.Respondents[0].CreditCode = "91350100M0001TGQXM"
		in.Respondents[0].Override, in.Respondents[0].OverrideNote = "pilot_code", "营业执照原件核对无误"
		a := register(t, s, in)
		if a.Respondents()[0].IDChecked || !hasWarning(a, "id_override") {
			t.Errorf("override: %+v warnings %+v", a.Respondents()[0], a.Warnings)
		}
		// The same basis for the same applicant is a duplicate (409).
		_, err := store.TransactValue(s.Reception, db, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			dup := in
			dup.Basis.DocumentNo = strings.ReplaceAll(strings.ReplaceAll(in.Basis.DocumentNo, "（", "("), "）", ")") // CASENO-3 spelling
			return intake.Register(ctx, tx, dup)
		})
		if apperr.CodeOf(err) != "duplicate_basis" || apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("duplicate: %v", err)
		}
		// Refusal needs a reason; then filing is refused.
		if _, err := store.TransactValue(s.Reception, db, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.Refuse(ctx, tx, a.ID, "")
		}); apperr.CodeOf(err) != "invalid_reason" {
			t.Errorf("refuse without reason: %v", err)
		}
		if _, err := store.TransactValue(s.Reception, db, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.Refuse(ctx, tx, a.ID, "不属于本院管辖，告知向被执行人住所地法院申请")
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := fileErr(s, a.ID, intake.FileInput{}); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("filing a refused application: %v", err)
		}
		// A refused basis may be registered again.
		register(t, s, in)
		// CLOCK-1: an old basis registers with a warning naming the last day.
		old := intaketest.Application(s.CourtID, 8)
		old.Basis.EffectiveDate = legal.MustDate("2021-03-01")
		old.Basis.DueDate = legal.MustDate("2021-03-15")
		late := register(t, s, old)
		if !late.PeriodLate || late.PeriodLastDay != legal.MustDate("2023-03-15") || !hasWarning(late, "application_period_expired") {
			t.Errorf("CLOCK-1: late %v last day %s warnings %+v", late.PeriodLate, late.PeriodLastDay, late.Warnings)
		}
		// Missing materials: registered with a warning, filing refused.
		short := intaketest.Application(s.CourtID, 9)
		short.Materials = short.Materials[:2]
		sa := register(t, s, short)
		if !hasWarning(sa, "material_missing") {
			t.Errorf("warnings %+v", sa.Warnings)
		}
		if _, err := fileErr(s, sa.ID, intake.FileInput{}); apperr.CodeOf(err) != "materials_missing" {
			t.Errorf("filing without materials: %v", err)
		}
		if _, err := store.TransactValue(s.Reception, db, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.UpdateMaterials(ctx, tx, sa.ID, intaketest.AllMaterials("judgment"))
		}); err != nil {
			t.Fatal(err)
		}
		file(t, s, sa.ID, intake.FileInput{})
	})
}

func hasWarning(a *intake.Application, code string) bool {
	for _, w := range a.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

func TestMediation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		med := func(ctx context.Context, fn func(context.Context, *store.Tx) (*intake.Application, error)) (*intake.Application, error) {
			return store.TransactValue(ctx, db, fn)
		}
		settled := register(t, s, intaketest.Application(s.CourtID, 20))
		failed := register(t, s, intaketest.Application(s.CourtID, 21))
		for _, a := range []*intake.Application{settled, failed} {
			if _, err := med(s.Reception, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
				return intake.RouteToMediation(ctx, tx, a.ID, s.MediatorID)
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := med(s.Mediator, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
				return intake.RecordNotice(ctx, tx, a.ID, legal.Today(timeNow()))
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := med(s.Mediator, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
				return intake.AddContact(ctx, tx, a.ID, intake.ContactInput{Channel: "phone", PartyName: "被执行人", Summary: "电话告知履行义务"})
			}); err != nil {
				t.Fatal(err)
			}
		}
		// Only a mediator records outcomes.
		if _, err := med(s.Reception, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.RecordOutcome(ctx, tx, settled.ID, intake.OutcomeInput{Outcome: "settled", Note: "双方和解"})
		}); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("reception recording an outcome: %v", err)
		}
		a, err := med(s.Mediator, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.RecordOutcome(ctx, tx, settled.ID, intake.OutcomeInput{Outcome: "settled", Note: "双方达成分期履行和解协议"})
		})
		if err != nil || a.Status != intake.StatusSettled {
			t.Fatalf("settled: %v %+v", err, a)
		}
		if _, err := fileErr(s, settled.ID, intake.FileInput{}); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("filing a settled matter: %v", err)
		}
		if _, err := med(s.Mediator, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.RecordOutcome(ctx, tx, failed.ID, intake.OutcomeInput{Outcome: "failed", Note: "被执行人拒绝履行"})
		}); err != nil {
			t.Fatal(err)
		}
		c := file(t, s, failed.ID, intake.FileInput{})
		got, err := cases.Get(s.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.Events[1].Summary, "执前调解调解不成") || !strings.Contains(got.Facts, `"mediation_outcome":"failed"`) {
			t.Errorf("mediation record did not travel: %q facts %s", got.Events[1].Summary, got.Facts)
		}
		if n := count(t, db, "cases"); n != 1 {
			t.Errorf("cases = %d, want 1 (settled matter has none)", n)
		}
	})
}

// CASENO-2: thousands of filings from several goroutines get consecutive,
// unique numbers.
func TestConcurrentNumbering(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		const workers, each = 8, 250
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					in := intaketest.Application(s.CourtID, 1000+w*each+i)
					_, err := store.TransactValue(s.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
						a, err := intake.Register(ctx, tx, in)
						if err != nil {
							return nil, err
						}
						return intake.File(ctx, tx, a.ID, intake.FileInput{})
					})
					if err != nil {
						errs <- fmt.Errorf("worker %d case %d: %w", w, i, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rows, err := db.Query(context.Background(), `SELECT seq, case_no FROM cases ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		want := 1
		for rows.Next() {
			var seq int
			var no string
			if err := rows.Scan(&seq, &no); err != nil {
				t.Fatal(err)
			}
			if seq != want || !strings.Contains(no, fmt.Sprintf("执%d号", seq)) {
				t.Fatalf("seq %d (%s), want %d", seq, no, want)
			}
			want++
		}
		if want-1 != workers*each {
			t.Errorf("%d cases, want %d", want-1, workers*each)
		}
	})
}

// TestFilingWithChosenTeam: a team chosen by hand must handle cases and
// agree with a lane chosen with it; a team of another lane than the rule's
// is an override that needs a reason.
func TestFilingWithChosenTeam(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		team := func(name string) uuid.UUID {
			id, err := org.TeamByName(s.Sys, db, s.CourtID, name)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		a := register(t, s, intaketest.Application(s.CourtID, 41))
		for _, tc := range []struct {
			in   intake.FileInput
			code string
		}{
			{intake.FileInput{TeamID: team("外勤组"), Reason: "x"}, "invalid_team"},
			{intake.FileInput{Lane: "ordinary", TeamID: team("金融团队"), Reason: "x"}, "invalid_team"},
			{intake.FileInput{TeamID: team("金融团队")}, "override_reason_required"},
		} {
			if _, err := fileErr(s, a.ID, tc.in); apperr.CodeOf(err) != tc.code {
				t.Errorf("file with %+v: %v, want %s", tc.in, err, tc.code)
			}
		}
		c := file(t, s, a.ID, intake.FileInput{TeamID: team("金融团队"), Reason: "申请人实为金融机构的资产管理公司"})
		if c.Lane != "financial" || c.TeamName != "金融团队" || c.Triage.Override == "" {
			t.Fatalf("case lane %q team %q override %q", c.Lane, c.TeamName, c.Triage.Override)
		}
	})
}
