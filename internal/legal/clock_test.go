package legal_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestApplicationDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, last, applied string
		deadline            string
		late                bool
	}{
		{"CLOCK-1 PER-2 deadline on National Day", "2022-10-01", "2024-10-08", "2024-10-08", false},
		{"CLOCK-1", "2022-10-01", "2024-10-09", "2024-10-08", true},
		{"CLOCK-1 PER-2 weekend", "2022-08-31", "2024-09-02", "2024-09-02", false},
		{"CLOCK-1 PER-3 leap day; 2026-02-28 is a make-up Saturday", "2024-02-29", "2026-02-27", "2026-02-28", false},
		{"CLOCK-1", "2023-06-15", "2023-07-01", "2025-06-16", false},
		{"CLOCK-1", "2023-06-16", "2025-06-17", "2025-06-16", true},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := legal.ApplicationDeadline(cal, d(tt.last)); got != d(tt.deadline) {
			t.Errorf("%s: ApplicationDeadline(%s) = %s, want %s", tt.rule, tt.last, got, tt.deadline)
		}
		dl, late := legal.CheckApplicationPeriod(cal, d(tt.last), d(tt.applied))
		if dl != d(tt.deadline) || late != tt.late {
			t.Errorf("%s: CheckApplicationPeriod(%s, %s) = %s, %v; want %s, %v", tt.rule, tt.last, tt.applied, dl, late, tt.deadline, tt.late)
		}
	}
}

func TestDefaultClockRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule      string
		got, want int
	}{
		{"CLOCK-2", legal.DefaultClockRules().TermMonths, 6},
		{"CLOCK-2", legal.DefaultClockRules().NonLitigationTermMonths, 3},
		{"CLOCK-3", legal.DefaultClockRules().ExtensionMinNoticeDays, 5},
		{"CLOCK-3", legal.DefaultClockRules().ExtensionMaxMonths, 3},
		{"CLOCK-9", legal.DefaultClockRules().DeferMaxMonths, 3},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: default %d, want %d", tt.rule, tt.got, tt.want)
		}
	}
	if legal.DefaultClockRules().Periods != legal.DefaultPeriodRules() {
		t.Error("PER-5 PER-6: clock rules do not default the period rules")
	}
}

func TestDeductionKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule  string
		in    string
		want  legal.DeductionKind
		label string
	}{
		{"CLOCK-8", "appraisal", legal.DeductAppraisal, "审计、评估、鉴定"},
		{"CLOCK-8", "suspension", legal.DeductSuspension, "中止执行"},
		{"CLOCK-8", "defer_settlement", legal.DeductDeferSettlement, "暂缓执行（和解或担保）"},
		{"CLOCK-8", "defer_ordered", legal.DeductDeferOrdered, "暂缓执行（上级决定）"},
		{"CLOCK-8", "auction", legal.DeductAuction, "拍卖、变卖"},
		{"CLOCK-8", "notice", legal.DeductNotice, "公告"},
		{"CLOCK-8", "other", legal.DeductOther, "其他"},
		{"CLOCK-8 unknown", "holiday", "", ""},
		{"CLOCK-8 case matters", "Appraisal", "", ""},
		{"CLOCK-8 empty", "", "", ""},
	}
	for _, tt := range tests {
		got, err := legal.ParseDeductionKind(tt.in)
		if tt.want == "" {
			if apperr.CodeOf(err) != "invalid_deduction_kind" || got != "" {
				t.Errorf("%s: ParseDeductionKind(%q) = %q, %v", tt.rule, tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || got.Label() != tt.label {
			t.Errorf("%s: ParseDeductionKind(%q) = %q (%s), %v", tt.rule, tt.in, got, got.Label(), err)
		}
	}
	if got := legal.DeductionKinds(); len(got) != 7 || got[0] != legal.DeductAppraisal {
		t.Errorf("CLOCK-8: DeductionKinds() = %v", got)
	}
}

func TestDeductionDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		ded  legal.Deduction
		asOf string
		want int
	}{
		{"CLOCK-8 inclusive", legal.Deduction{Kind: legal.DeductSuspension, From: d("2024-05-01"), To: d("2024-05-10"), Approved: true}, "2024-06-01", 10},
		{"CLOCK-8 one day", legal.Deduction{From: d("2024-05-01"), To: d("2024-05-01"), Approved: true}, "2024-06-01", 1},
		{"CLOCK-8 unapproved", legal.Deduction{From: d("2024-05-01"), To: d("2024-05-10")}, "2024-06-01", 0},
		{"CLOCK-8 running", legal.Deduction{From: d("2024-05-01"), Approved: true}, "2024-05-05", 5},
		{"CLOCK-8 running, not yet started", legal.Deduction{From: d("2024-05-01"), Approved: true}, "2024-04-30", 0},
		{"CLOCK-8 closed interval ignores asOf", legal.Deduction{From: d("2024-05-01"), To: d("2024-05-10"), Approved: true}, "2024-05-02", 10},
		{"CLOCK-8 reversed interval", legal.Deduction{From: d("2024-05-10"), To: d("2024-05-01"), Approved: true}, "2024-06-01", 0},
		{"CLOCK-8 no start", legal.Deduction{To: d("2024-05-01"), Approved: true}, "2024-06-01", 0},
	}
	for _, tt := range tests {
		if got := tt.ded.Days(d(tt.asOf)); got != tt.want {
			t.Errorf("%s: %+v.Days(%s) = %d, want %d", tt.rule, tt.ded, tt.asOf, got, tt.want)
		}
	}
}

func TestCaseDeadline(t *testing.T) {
	t.Parallel()
	noRoll := legal.DefaultClockRules()
	noRoll.Periods.RollInternal = false
	short := legal.DefaultClockRules()
	short.TermMonths = 3
	approved := func(kind legal.DeductionKind, from, to string) legal.Deduction {
		ded := legal.Deduction{Kind: kind, From: d(from), Approved: true}
		if to != "" {
			ded.To = d(to)
		}
		return ded
	}
	filed := d("2024-04-01")
	tests := []struct {
		rule      string
		clock     legal.CaseClock
		rules     legal.ClockRules
		asOf      string
		base      string
		effective string
		daysLeft  int
		deducted  int
		running   bool
		reasons   []string // substrings, each expected in some line
	}{
		{
			rule: "CLOCK-2 PER-3 PER-6 worked example 4", clock: legal.CaseClock{FiledOn: filed},
			asOf: "2024-04-01", base: "2024-10-01", effective: "2024-10-08", daysLeft: 190,
			reasons: []string{
				"立案日 2024-04-01，执行期限 6 个月（CLOCK-2）→ 2024-10-01",
				"期满日 2024-10-01 为法定节假日（国庆节），顺延至 2024-10-08（PER-2、PER-6）",
			},
		},
		{
			rule: "PER-2 PER-6 ordinary weekend", clock: legal.CaseClock{FiledOn: d("2024-05-02")},
			asOf: "2024-05-02", base: "2024-11-02", effective: "2024-11-04", daysLeft: 186,
			reasons: []string{"期满日 2024-11-02 为休息日，顺延至 2024-11-04（PER-2、PER-6）"},
		},
		{
			rule: "PER-6 roll off", clock: legal.CaseClock{FiledOn: filed}, rules: noRoll,
			asOf: "2024-04-01", base: "2024-10-01", effective: "2024-10-01", daysLeft: 183,
		},
		{
			rule: "CLOCK-2 configurable term", clock: legal.CaseClock{FiledOn: filed}, rules: short,
			asOf: "2024-04-01", base: "2024-07-01", effective: "2024-07-01", daysLeft: 91,
		},
		{
			rule: "CLOCK-2 非诉执行 3 months", clock: legal.CaseClock{FiledOn: filed, NonLitigation: true},
			asOf: "2024-05-01", base: "2024-07-01", effective: "2024-07-01", daysLeft: 61,
			reasons: []string{"非诉执行期限 3 个月"},
		},
		{
			rule: "CLOCK-8 one deduction", asOf: "2024-06-01",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{approved(legal.DeductSuspension, "2024-05-01", "2024-05-10")}},
			base:  "2024-10-01", effective: "2024-10-11", daysLeft: 132, deducted: 10,
			reasons: []string{"扣除 中止执行 2024-05-01 至 2024-05-10 共 10 日（CLOCK-8）"},
		},
		{
			rule: "CLOCK-8 overlapping deductions merged", asOf: "2024-06-01",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{
				approved(legal.DeductAppraisal, "2024-05-05", "2024-05-20"),
				approved(legal.DeductSuspension, "2024-05-01", "2024-05-10"),
			}},
			base: "2024-10-01", effective: "2024-10-21", daysLeft: 142, deducted: 20,
			reasons: []string{"重叠部分只计一次，合计扣除 20 日"},
		},
		{
			rule: "CLOCK-8 nested and separate deductions", asOf: "2024-07-01",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{
				approved(legal.DeductAuction, "2024-06-01", "2024-06-05"),
				approved(legal.DeductSuspension, "2024-05-01", "2024-05-10"),
				approved(legal.DeductNotice, "2024-05-03", "2024-05-04"),
			}},
			base: "2024-10-01", effective: "2024-10-16", daysLeft: 107, deducted: 15,
		},
		{
			rule: "CLOCK-8 unapproved deduction ignored", asOf: "2024-06-01",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{{Kind: legal.DeductAppraisal, From: d("2024-05-01"), To: d("2024-05-10")}}},
			base:  "2024-10-01", effective: "2024-10-08", daysLeft: 129,
			reasons: []string{"未经批准，不计入"},
		},
		{
			rule: "CLOCK-3 approved extension, pending one ignored", asOf: "2024-09-25",
			clock: legal.CaseClock{FiledOn: filed, Extensions: []legal.Extension{
				{Months: 3, ApprovedOn: d("2024-09-20"), Reason: "财产处置中"},
				{Months: 1, Reason: "待批"},
			}},
			base: "2024-10-01", effective: "2025-01-02", daysLeft: 99,
			reasons: []string{"2024-09-20 批准延长 3 个月（CLOCK-3）", "延长 1 个月 尚未批准", "元旦"},
		},
		{
			rule: "CLOCK-3 PER-3 extension months counted from filing", asOf: "2025-01-01",
			clock: legal.CaseClock{FiledOn: d("2024-08-31"), Extensions: []legal.Extension{{Months: 3, ApprovedOn: d("2025-02-10")}}},
			base:  "2025-02-28", effective: "2025-06-03", daysLeft: 153,
			reasons: []string{"延长后期满日 2025-05-31", "端午节"},
		},
		{
			rule: "CLOCK-3 extension in days", asOf: "2024-09-01",
			clock: legal.CaseClock{FiledOn: filed, Extensions: []legal.Extension{{Days: 15, ApprovedOn: d("2024-09-01")}}},
			base:  "2024-10-01", effective: "2024-10-16", daysLeft: 45,
		},
		{
			rule: "CLOCK-2 CLOCK-3 CLOCK-8 all together", asOf: "2024-12-01",
			clock: legal.CaseClock{FiledOn: filed,
				Extensions: []legal.Extension{{Months: 1, Days: 2, ApprovedOn: d("2024-09-20")}},
				Deductions: []legal.Deduction{approved(legal.DeductDeferSettlement, "2024-06-01", "2024-06-30")}},
			// 2024-04-01 + 7 months = 2024-11-01, + 2 days = 11-03, + 30 days = 12-03 (Tue).
			base: "2024-10-01", effective: "2024-12-03", daysLeft: 2, deducted: 30,
		},
		{
			rule: "CLOCK-8 running deduction stops the clock", asOf: "2024-06-10",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{approved(legal.DeductSuspension, "2024-06-01", "")}},
			base:  "2024-10-01", effective: "2024-10-11", daysLeft: 123, deducted: 10, running: true,
			reasons: []string{"仍在进行，暂计至 2024-06-10 共 10 日"},
		},
		{
			rule: "CLOCK-8 running deduction: days left unchanged ten days later", asOf: "2024-06-20",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{approved(legal.DeductSuspension, "2024-06-01", "")}},
			base:  "2024-10-01", effective: "2024-10-21", daysLeft: 123, deducted: 20, running: true,
		},
		{
			rule: "CLOCK-8 running deduction not yet started", asOf: "2024-05-15",
			clock: legal.CaseClock{FiledOn: filed, Deductions: []legal.Deduction{approved(legal.DeductSuspension, "2024-06-01", "")}},
			base:  "2024-10-01", effective: "2024-10-08", daysLeft: 146,
		},
		{
			rule: "CLOCK-2 overdue", clock: legal.CaseClock{FiledOn: filed},
			asOf: "2024-10-09", base: "2024-10-01", effective: "2024-10-08", daysLeft: -1,
		},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		rules := tt.rules
		if rules == (legal.ClockRules{}) {
			rules = legal.DefaultClockRules()
		}
		got := cal.CaseDeadline(tt.clock, rules, d(tt.asOf))
		if got.Base != d(tt.base) || got.Effective != d(tt.effective) || got.DaysLeft != tt.daysLeft ||
			got.DeductedDays != tt.deducted || got.Running != tt.running || got.Overdue() != (tt.daysLeft < 0) {
			t.Errorf("%s: CaseDeadline = base %s effective %s left %d deducted %d running %v; want %s %s %d %d %v\n%s",
				tt.rule, got.Base, got.Effective, got.DaysLeft, got.DeductedDays, got.Running,
				tt.base, tt.effective, tt.daysLeft, tt.deducted, tt.running, strings.Join(got.Reasons, "\n"))
		}
		for _, want := range tt.reasons {
			if !slices.ContainsFunc(got.Reasons, func(line string) bool { return strings.Contains(line, want) }) {
				t.Errorf("%s: no reason line contains %q:\n%s", tt.rule, want, strings.Join(got.Reasons, "\n"))
			}
		}
	}
}

func TestCaseDeadlineExtensionTotals(t *testing.T) {
	t.Parallel()
	// CLOCK-3: approved extensions are summed; pending ones are not.
	got := legal.DefaultCalendar().CaseDeadline(legal.CaseClock{FiledOn: d("2024-04-01"), Extensions: []legal.Extension{
		{Months: 1, Days: 5, ApprovedOn: d("2024-09-01")},
		{Months: 2, ApprovedOn: d("2024-10-20")},
		{Months: 3},
	}}, legal.DefaultClockRules(), d("2024-09-01"))
	if got.ExtensionMonths != 3 || got.ExtensionDays != 5 {
		t.Errorf("CLOCK-3: extensions %d months %d days, want 3 and 5", got.ExtensionMonths, got.ExtensionDays)
	}
}

func TestCaseDeadlineZero(t *testing.T) {
	t.Parallel()
	// CLOCK-2: no filing date, no clock.
	got := legal.DefaultCalendar().CaseDeadline(legal.CaseClock{}, legal.DefaultClockRules(), d("2024-01-01"))
	if !got.Base.IsZero() || !got.Effective.IsZero() || got.DaysLeft != 0 || got.Reasons != nil {
		t.Errorf("CLOCK-2: CaseDeadline of an unfiled case = %+v", got)
	}
}

func TestCheckExtensionRequest(t *testing.T) {
	t.Parallel()
	cal := legal.DefaultCalendar()
	dl := cal.CaseDeadline(legal.CaseClock{FiledOn: d("2024-04-01")}, legal.DefaultClockRules(), d("2024-09-01"))
	wide := legal.DefaultClockRules()
	wide.ExtensionMaxMonths = 6
	wide.ExtensionMinNoticeDays = 10
	tests := []struct {
		rule      string
		requested string
		months    int
		rules     legal.ClockRules
		code      string // "" = allowed
		detail    string
	}{
		{"CLOCK-3 in time", "2024-09-20", 3, legal.DefaultClockRules(), "", ""},
		{"CLOCK-3 last day to ask", "2024-10-03", 1, legal.DefaultClockRules(), "", ""},
		{"CLOCK-3 less than 5 days before expiry", "2024-10-04", 3, legal.DefaultClockRules(), "extension_too_late", "最迟应于 2024-10-03 申请"},
		{"CLOCK-3 on the last day", "2024-10-08", 3, legal.DefaultClockRules(), "extension_too_late", "2024-10-03"},
		{"CLOCK-3 overdue", "2024-10-09", 3, legal.DefaultClockRules(), "extension_too_late", "已于 2024-10-08 届满"},
		{"CLOCK-3 zero months", "2024-09-20", 0, legal.DefaultClockRules(), "invalid_extension", "1 至 3 个月"},
		{"CLOCK-3 more than 3 months goes to the high court", "2024-09-20", 4, legal.DefaultClockRules(), "invalid_extension", "高级人民法院"},
		{"CLOCK-3 configurable maximum", "2024-09-20", 4, wide, "", ""},
		{"CLOCK-3 configurable notice", "2024-09-29", 1, wide, "extension_too_late", "2024-09-28"},
	}
	for _, tt := range tests {
		err := legal.CheckExtensionRequest(dl, d(tt.requested), tt.months, tt.rules)
		if tt.code == "" {
			if err != nil {
				t.Errorf("%s: CheckExtensionRequest(%s, %d) = %v", tt.rule, tt.requested, tt.months, err)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != tt.code || e.Kind != apperr.Invalid || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: CheckExtensionRequest(%s, %d) = %v; want %s containing %q", tt.rule, tt.requested, tt.months, err, tt.code, tt.detail)
		}
	}
}

func TestCheckDeferral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule     string
		from, to string
		renewal  int
		detail   string // "" = allowed
	}{
		{"CLOCK-9 three months", "2024-01-10", "2024-04-10", 0, ""},
		{"CLOCK-9 renewal once", "2024-04-11", "2024-07-11", 1, ""},
		{"CLOCK-9 PER-3 month end", "2024-11-30", "2025-02-28", 0, ""},
		{"CLOCK-9 one day too long", "2024-01-10", "2024-04-11", 0, "最迟至 2024-04-10"},
		{"CLOCK-9 PER-3 month end, too long", "2024-11-30", "2025-03-01", 0, "2025-02-28"},
		{"CLOCK-9 second renewal", "2024-07-12", "2024-08-12", 2, "只能延长一次"},
		{"CLOCK-9 reversed", "2024-04-10", "2024-01-10", 0, "起止日期无效"},
	}
	for _, tt := range tests {
		err := legal.CheckDeferral(d(tt.from), d(tt.to), tt.renewal, legal.DefaultClockRules())
		if tt.detail == "" {
			if err != nil {
				t.Errorf("%s: CheckDeferral = %v", tt.rule, err)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_deferral" || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: CheckDeferral = %v; want invalid_deferral containing %q", tt.rule, err, tt.detail)
		}
	}
}

func TestNodeDeadline(t *testing.T) {
	t.Parallel()
	noRoll := legal.DefaultPeriodRules()
	noRoll.RollInternal = false
	noMakeup := legal.DefaultPeriodRules()
	noMakeup.MakeupCounts = false
	tests := []struct {
		rule    string
		start   string
		n       int
		working bool
		rules   legal.PeriodRules
		want    string
	}{
		{"CLOCK-5 PER-6 node on a holiday rolls", "2024-09-27", 7, false, legal.DefaultPeriodRules(), "2024-10-08"},
		{"CLOCK-5 PER-6 roll off", "2024-09-27", 7, false, noRoll, "2024-10-04"},
		{"CLOCK-5", "2024-03-04", 3, false, legal.DefaultPeriodRules(), "2024-03-07"},
		{"PER-5 working-day node", "2026-02-12", 3, true, legal.DefaultPeriodRules(), "2026-02-24"},
		{"PER-5 working-day node without make-up days", "2026-02-12", 3, true, noMakeup, "2026-02-25"},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := legal.NodeDeadline(cal, d(tt.start), tt.n, tt.working, tt.rules); got != d(tt.want) {
			t.Errorf("%s: NodeDeadline(%s, %d, %v) = %s, want %s", tt.rule, tt.start, tt.n, tt.working, got, tt.want)
		}
	}
}

func TestMilestones(t *testing.T) {
	t.Parallel()
	want := []struct {
		rule, code string
		days       int
		from       string
	}{
		{"CLOCK-4", "intake_decision", 7, "received"},
		{"CLOCK-5", "assign_handler", 7, "filed"},
		{"CLOCK-5", "enforcement_notice", 3, "assigned"},
		{"CLOCK-6", "ask_leads", 3, "assigned"},
		{"CLOCK-6", "start_investigation", 10, "lead_received"},
		{"CLOCK-7", "verify_lead", 7, "lead_received"},
		{"CLOCK-7", "verify_lead_urgent", 3, "lead_received"},
		{"CLOCK-12", "entrusted_matter", 10, "entrusted"},
	}
	got := legal.Milestones()
	if len(got) != len(want) {
		t.Fatalf("Milestones() has %d entries, want %d", len(got), len(want))
	}
	codeRE := regexp.MustCompile(`^[a-z][a-z_]*$`)
	for i, w := range want {
		m := got[i]
		if m.RuleID != w.rule || m.Code != w.code || m.Days != w.days || m.From != w.from || m.Working || m.Name == "" || !codeRE.MatchString(m.Code) {
			t.Errorf("%s: Milestones()[%d] = %+v, want %+v", w.rule, i, m, w)
		}
	}
}
