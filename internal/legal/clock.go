package legal

import (
	"fmt"
	"slices"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// ApplicationPeriodMonths is the period for applying for enforcement: 2 years
// (CLOCK-1; CPL 2023 Art.250).
const ApplicationPeriodMonths = 24

// ApplicationDeadline returns the last day to apply for enforcement (CLOCK-1):
// 2 years after the last performance day (the last instalment, else the
// effective date; after a broken settlement, the settlement's last performance
// day), counted by PER-1/PER-3 and rolled by PER-2.
func ApplicationDeadline(cal *Calendar, lastPerformanceDay Date) Date {
	return cal.MonthsPeriodEnd(lastPerformanceDay, ApplicationPeriodMonths, true)
}

// CheckApplicationPeriod returns the CLOCK-1 deadline and whether appliedOn is
// after it. Lateness is a warning for the reception screen (FLOW-1), not a
// refusal: the period can be interrupted or suspended.
func CheckApplicationPeriod(cal *Calendar, lastPerformanceDay, appliedOn Date) (deadline Date, late bool) {
	deadline = ApplicationDeadline(cal, lastPerformanceDay)
	return deadline, appliedOn.After(deadline)
}

// ClockRules are the configurable (C) values of the case clock; callers pass a
// court's effective values, DefaultClockRules gives the seeded ones.
type ClockRules struct {
	TermMonths              int // CLOCK-2: 6 months from 立案
	NonLitigationTermMonths int // CLOCK-2: 3 months for 非诉执行
	ExtensionMinNoticeDays  int // CLOCK-3: ask at least 5 days before expiry
	ExtensionMaxMonths      int // CLOCK-3: at most 3 months
	DeferMaxMonths          int // CLOCK-9: 暂缓执行 at most 3 months, renewable once
	Periods                 PeriodRules
}

// DefaultClockRules returns the seeded CLOCK-2, CLOCK-3 and CLOCK-9 values with
// DefaultPeriodRules.
func DefaultClockRules() ClockRules {
	return ClockRules{
		TermMonths:              6,
		NonLitigationTermMonths: 3,
		ExtensionMinNoticeDays:  5,
		ExtensionMaxMonths:      3,
		DeferMaxMonths:          3,
		Periods:                 DefaultPeriodRules(),
	}
}

// Extension is an extension of the case clock (CLOCK-3). It counts only once
// approved: ApprovedOn is the approval date, zero while pending.
type Extension struct {
	Months     int
	Days       int
	ApprovedOn Date
	Reason     string
}

// DeductionKind is the type of an interval of the deduction ledger (CLOCK-8).
type DeductionKind string

// The CLOCK-8 deduction kinds (法释〔2000〕29号 Art.9).
const (
	DeductAppraisal       DeductionKind = "appraisal"        // 审计、评估、鉴定
	DeductSuspension      DeductionKind = "suspension"       // 中止执行，至恢复执行
	DeductDeferSettlement DeductionKind = "defer_settlement" // 和解或提供担保后暂缓执行
	DeductDeferOrdered    DeductionKind = "defer_ordered"    // 上级法院决定暂缓执行
	DeductAuction         DeductionKind = "auction"          // 拍卖、变卖
	DeductNotice          DeductionKind = "notice"           // 公告
	DeductOther           DeductionKind = "other"            // 其他
)

var deductionKinds = []DeductionKind{
	DeductAppraisal, DeductSuspension, DeductDeferSettlement, DeductDeferOrdered,
	DeductAuction, DeductNotice, DeductOther,
}

// DeductionKinds lists the CLOCK-8 kinds in display order.
func DeductionKinds() []DeductionKind { return slices.Clone(deductionKinds) }

// Label returns the Chinese name of the kind (CLOCK-8).
func (k DeductionKind) Label() string {
	switch k {
	case DeductAppraisal:
		return "审计、评估、鉴定"
	case DeductSuspension:
		return "中止执行"
	case DeductDeferSettlement:
		return "暂缓执行（和解或担保）"
	case DeductDeferOrdered:
		return "暂缓执行（上级决定）"
	case DeductAuction:
		return "拍卖、变卖"
	case DeductNotice:
		return "公告"
	case DeductOther:
		return "其他"
	}
	return string(k)
}

// ParseDeductionKind parses an API code of CLOCK-8. Errors carry code
// "invalid_deduction_kind".
func ParseDeductionKind(s string) (DeductionKind, error) {
	k := DeductionKind(s)
	if slices.Contains(deductionKinds, k) {
		return k, nil
	}
	return "", apperr.InvalidField("invalid_deduction_kind", "", fmt.Sprintf("扣除期限类型 %q 无效", s))
}

// Deduction is one interval of the deduction ledger (CLOCK-8). From and To are
// inclusive; a zero To means the interval is still running.
type Deduction struct {
	Kind     DeductionKind
	From     Date
	To       Date
	Approved bool
	Reason   string
}

// end is the inclusive last day counted as of asOf, and whether any day counts.
func (d Deduction) end(asOf Date) (Date, bool) {
	if !d.Approved || d.From.IsZero() {
		return Date{}, false
	}
	to := d.To
	if to.IsZero() {
		to = asOf
	}
	return to, !to.Before(d.From)
}

// Days returns the days the interval deducts (CLOCK-8), both ends included; a
// running interval counts up to asOf; an unapproved one counts 0.
func (d Deduction) Days(asOf Date) int {
	to, ok := d.end(asOf)
	if !ok {
		return 0
	}
	return to.Sub(d.From) + 1
}

// CaseClock is what the case clock is computed from.
type CaseClock struct {
	FiledOn       Date
	NonLitigation bool // 非诉执行: the shorter CLOCK-2 term
	Extensions    []Extension
	Deductions    []Deduction
}

// Deadline is the computed case clock.
type Deadline struct {
	Base            Date // FiledOn + term months (PER-3), not rolled
	Effective       Date // the last day, after extensions, deductions and the PER-6 roll
	DaysLeft        int  // Effective − asOf; negative when overdue
	ExtensionMonths int
	ExtensionDays   int
	DeductedDays    int
	Running         bool     // a deduction is still running: the clock is stopped
	Reasons         []string // readable Chinese lines explaining the computation
}

// Overdue reports whether the clock has expired as of the computation date.
func (d Deadline) Overdue() bool { return d.DaysLeft < 0 }

// CaseDeadline computes the case clock (CLOCK-2, CLOCK-3, CLOCK-8, PER-3,
// PER-6):
//
//   - base = FiledOn + TermMonths (NonLitigationTermMonths for 非诉执行);
//   - approved extensions (ApprovedOn set) lengthen the term: their months are
//     added to the term and counted from FiledOn (so 2024-08-31 + 6 + 3 months
//     is 2025-05-31, not 2025-05-28), then their days are added;
//   - approved deductions add their days; overlapping or adjacent intervals
//     are merged so no day is deducted twice;
//   - the last day rolls to the next working day if rules.Periods.RollInternal.
//
// A still-running deduction (To zero, From ≤ asOf) is counted up to asOf, i.e.
// Effective is provisional, as if the interval ended on asOf, and grows by one
// day per day while it runs. DaysLeft = Effective − asOf therefore stays
// constant while the clock is stopped: it is the time that was left when the
// interval started (up to the PER-6 roll). A zero FiledOn gives a zero Deadline.
func (c *Calendar) CaseDeadline(cc CaseClock, rules ClockRules, asOf Date) Deadline {
	if cc.FiledOn.IsZero() {
		return Deadline{}
	}
	var dl Deadline
	term, what := rules.TermMonths, "执行期限"
	if cc.NonLitigation {
		term, what = rules.NonLitigationTermMonths, "非诉执行期限"
	}
	dl.Base = cc.FiledOn.AddMonths(term)
	dl.Reasons = append(dl.Reasons, fmt.Sprintf("立案日 %s，%s %d 个月（CLOCK-2）→ %s", cc.FiledOn, what, term, dl.Base))

	for _, e := range cc.Extensions {
		if e.ApprovedOn.IsZero() {
			dl.Reasons = append(dl.Reasons, fmt.Sprintf("延长 %s 尚未批准，不计入（CLOCK-3）", extensionSpan(e.Months, e.Days)))
			continue
		}
		dl.ExtensionMonths += e.Months
		dl.ExtensionDays += e.Days
		dl.Reasons = append(dl.Reasons, fmt.Sprintf("%s 批准延长 %s（CLOCK-3）", e.ApprovedOn, extensionSpan(e.Months, e.Days)))
	}
	end := cc.FiledOn.AddMonths(term + dl.ExtensionMonths).AddDays(dl.ExtensionDays)
	if dl.ExtensionMonths != 0 || dl.ExtensionDays != 0 {
		dl.Reasons = append(dl.Reasons, fmt.Sprintf("延长后期满日 %s", end))
	}

	type span struct{ from, to Date }
	var spans []span
	sum := 0
	for _, d := range cc.Deductions {
		label := d.Kind.Label()
		if !d.Approved {
			dl.Reasons = append(dl.Reasons, fmt.Sprintf("扣除 %s 自 %s 起，未经批准，不计入（CLOCK-8）", label, d.From))
			continue
		}
		to, ok := d.end(asOf)
		if !ok {
			continue
		}
		days := to.Sub(d.From) + 1
		sum += days
		if d.To.IsZero() {
			dl.Running = true
			dl.Reasons = append(dl.Reasons, fmt.Sprintf("扣除 %s 自 %s 起仍在进行，暂计至 %s 共 %d 日，期限停止计算（CLOCK-8）", label, d.From, to, days))
		} else {
			dl.Reasons = append(dl.Reasons, fmt.Sprintf("扣除 %s %s 至 %s 共 %d 日（CLOCK-8）", label, d.From, to, days))
		}
		spans = append(spans, span{d.From, to})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var cur *span
	for i := range spans {
		s := spans[i]
		if cur != nil && !s.from.After(cur.to.AddDays(1)) {
			if s.to.After(cur.to) {
				cur.to = s.to
			}
			continue
		}
		if cur != nil {
			dl.DeductedDays += cur.to.Sub(cur.from) + 1
		}
		cur = &s
	}
	if cur != nil {
		dl.DeductedDays += cur.to.Sub(cur.from) + 1
	}
	if sum != dl.DeductedDays {
		dl.Reasons = append(dl.Reasons, fmt.Sprintf("扣除区间有重叠，重叠部分只计一次，合计扣除 %d 日（CLOCK-8）", dl.DeductedDays))
	}
	if dl.DeductedDays > 0 {
		end = end.AddDays(dl.DeductedDays)
		dl.Reasons = append(dl.Reasons, fmt.Sprintf("扣除 %d 日后期满日 %s", dl.DeductedDays, end))
	}

	dl.Effective = end
	if rules.Periods.RollInternal {
		dl.Effective = c.NextWorkday(end)
		if dl.Effective != end {
			dl.Reasons = append(dl.Reasons, fmt.Sprintf("期满日 %s 为%s，顺延至 %s（PER-2、PER-6）", end, c.restDayName(end), dl.Effective))
		}
	}
	dl.DaysLeft = dl.Effective.Sub(asOf)
	return dl
}

// restDayName describes why d is a rest day.
func (c *Calendar) restDayName(d Date) string {
	if day, ok := c.Day(d); ok && day.Kind == Holiday {
		if day.Name != "" {
			return "法定节假日（" + day.Name + "）"
		}
		return "法定节假日"
	}
	return "休息日"
}

func extensionSpan(months, days int) string {
	switch {
	case months != 0 && days != 0:
		return fmt.Sprintf("%d 个月 %d 日", months, days)
	case days != 0:
		return fmt.Sprintf("%d 日", days)
	}
	return fmt.Sprintf("%d 个月", months)
}

// CheckExtensionRequest checks a request to extend the case clock (CLOCK-3):
// months must be 1..rules.ExtensionMaxMonths (more must be reported to the
// high court; code "invalid_extension"); the clock must not have expired and
// the request must come at least rules.ExtensionMinNoticeDays calendar days
// before d.Effective (code "extension_too_late"). The notice days are counted
// back from the effective (rolled) last day and are not themselves rolled.
func CheckExtensionRequest(d Deadline, requestedOn Date, months int, rules ClockRules) error {
	if months < 1 || months > rules.ExtensionMaxMonths {
		return apperr.InvalidField("invalid_extension", "",
			fmt.Sprintf("延长执行期限应为 1 至 %d 个月，申请 %d 个月；超过 %d 个月的须报请高级人民法院批准（CLOCK-3）",
				rules.ExtensionMaxMonths, months, rules.ExtensionMaxMonths))
	}
	if requestedOn.After(d.Effective) {
		return apperr.New(apperr.Invalid, "extension_too_late",
			fmt.Sprintf("执行期限已于 %s 届满，不能再申请延长（CLOCK-3）", d.Effective))
	}
	last := d.Effective.AddDays(-rules.ExtensionMinNoticeDays)
	if requestedOn.After(last) {
		return apperr.New(apperr.Invalid, "extension_too_late",
			fmt.Sprintf("延长执行期限应在期限届满 %d 日前提出：期满日 %s，最迟应于 %s 申请（CLOCK-3）",
				rules.ExtensionMinNoticeDays, d.Effective, last))
	}
	return nil
}

// CheckDeferral checks a 暂缓执行 interval starting on from and ending on to
// (CLOCK-9): at most rules.DeferMaxMonths months counted from from (PER-1,
// PER-3), renewable once: renewal is 0 for the first decision, 1 for the
// renewal. Errors carry code "invalid_deferral".
func CheckDeferral(from, to Date, renewal int, rules ClockRules) error {
	if renewal < 0 || renewal > 1 {
		return apperr.New(apperr.Invalid, "invalid_deferral", "暂缓执行只能延长一次（CLOCK-9）")
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return apperr.New(apperr.Invalid, "invalid_deferral", "暂缓执行的起止日期无效")
	}
	if limit := from.AddMonths(rules.DeferMaxMonths); to.After(limit) {
		return apperr.New(apperr.Invalid, "invalid_deferral",
			fmt.Sprintf("暂缓执行期间不得超过 %d 个月：自 %s 起最迟至 %s（CLOCK-9）", rules.DeferMaxMonths, from, limit))
	}
	return nil
}

// NodeDeadline returns the due day of a milestone node of n days from start
// (PER-1): n working days by WorkingDaysEnd (PER-5) if working, else n
// calendar days, rolled to the next working day if rules.RollInternal (PER-2,
// PER-6).
func NodeDeadline(cal *Calendar, start Date, n int, working bool, rules PeriodRules) Date {
	if working {
		return cal.WorkingDaysEnd(start, n, rules)
	}
	end := start.AddDays(n)
	if rules.RollInternal {
		end = cal.NextWorkday(end)
	}
	return end
}

// Milestone is a node of the case flow with its time limit.
type Milestone struct {
	Code    string // lowercase ASCII, stable
	RuleID  string // DOMAIN.md rule
	Name    string // Chinese
	Days    int
	Working bool   // Days are working days
	From    string // the event the limit runs from: see Milestones
}

// Milestones returns the seeded node limits (all C rules; courts may override
// Days). From is one of "received" (application received), "filed" (立案),
// "assigned" (the handler received the case) or, beyond these,
// "lead_received" (the applicant gave a concrete lead or asked for an
// investigation) and "entrusted" (the matter was entrusted).
func Milestones() []Milestone {
	return []Milestone{
		{Code: "intake_decision", RuleID: "CLOCK-4", Name: "立案审查决定", Days: 7, From: "received"},
		{Code: "assign_handler", RuleID: "CLOCK-5", Name: "确定承办人", Days: 7, From: "filed"},
		{Code: "enforcement_notice", RuleID: "CLOCK-5", Name: "发出执行通知书", Days: 3, From: "assigned"},
		{Code: "ask_leads", RuleID: "CLOCK-6", Name: "通知申请执行人提供财产线索", Days: 3, From: "assigned"},
		{Code: "start_investigation", RuleID: "CLOCK-6", Name: "启动财产调查", Days: 10, From: "lead_received"},
		{Code: "verify_lead", RuleID: "CLOCK-7", Name: "核查财产线索", Days: 7, From: "lead_received"},
		{Code: "verify_lead_urgent", RuleID: "CLOCK-7", Name: "核查财产线索（情况紧急）", Days: 3, From: "lead_received"},
		{Code: "entrusted_matter", RuleID: "CLOCK-12", Name: "办理委托事项", Days: 10, From: "entrusted"},
	}
}
