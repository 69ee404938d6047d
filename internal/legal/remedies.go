package legal

import (
	"fmt"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// Remedies (DOMAIN.md §6): 执行异议 (OBJ-1, OBJ-2), 复议 (OBJ-3), 案外人异议
// (OBJ-4), the local overall limit (OBJ-5) and 执行信访 (XF-1). The firm
// numbers without a C tag are constants here; the C values come in
// RemedyRules (ruleparams seeds them with the values below).

// Firm limits of DOMAIN.md §6 (not configurable).
const (
	// ObjectionExamineDays: an objection to an enforcement act is examined
	// within 15 days of receipt (OBJ-2, CPL 2023 Art.236).
	ObjectionExamineDays = 15
	// OutsiderExamineDays: an outsider's objection is examined within 15
	// days (OBJ-4, CPL 2023 Art.238).
	OutsiderExamineDays = 15
	// OutsiderSuitDays: the suit (案外人异议之诉 / 许可执行之诉) lies within
	// 15 days of service of the ruling (OBJ-4).
	OutsiderSuitDays = 15
)

// RemedyKind is the kind of a remedy, as the clocks need it.
type RemedyKind string

const (
	RemedyObjection RemedyKind = "objection" // 执行异议 (执异)
	RemedyOutsider  RemedyKind = "outsider"  // 案外人异议 (执异)
	RemedyReview    RemedyKind = "review"    // 复议 (执复, next higher court)
	RemedyComplaint RemedyKind = "complaint" // 执行信访
)

// RemedyRules are the C values of §6.
type RemedyRules struct {
	RegisterDays           int // OBJ-1: register and notify, or rule 不予受理, within 3 days
	ReviewFileDays         int // OBJ-3: 复议 within 10 days of service of the ruling
	ReviewForwardDays      int // OBJ-3: file forwarded to the higher court within 5 days
	ReviewDecideDays       int // OBJ-3: decided within 30 days
	ReviewExtendDays       int // OBJ-3: +30 days with 院长 approval, once
	OverallMonths          int // OBJ-5: objections decided within 1 month overall (local)
	ExtensionNoticeDays    int // OBJ-5: an extension is asked 3 days before expiry (local)
	ExtensionMonths        int // OBJ-5: how long an approved extension adds (local practice; 1 month)
	ComplaintLogWorkdays   int // XF-1: complaints logged within 5 working days
	ComplaintCloseWorkdays int // XF-1: closed within 30 working days
	Periods                PeriodRules
}

// DefaultRemedyRules returns the seeded values (DOMAIN.md §6).
func DefaultRemedyRules() RemedyRules {
	return RemedyRules{RegisterDays: 3, ReviewFileDays: 10, ReviewForwardDays: 5, ReviewDecideDays: 30, ReviewExtendDays: 30,
		OverallMonths: 1, ExtensionNoticeDays: 3, ExtensionMonths: 1, ComplaintLogWorkdays: 5, ComplaintCloseWorkdays: 30,
		Periods: DefaultPeriodRules()}
}

// RemedyDates are the dates a remedy's clocks run from.
type RemedyDates struct {
	Received   Date // the application reached the court (复议: the court that ruled)
	Registered Date // 立案 (复议: at the higher court); zero before
	// Restarted is the day a 复议 sent the objection back for a new
	// examination (OBJ-3 remand): the objection's clocks run again from it.
	Restarted Date
	Extended  bool // the one extension was approved (OBJ-3 or OBJ-5)
}

// RemedyClock is the due days of a remedy; a zero date is a clock that
// does not apply (or has not started).
type RemedyClock struct {
	RegisterBy Date // OBJ-1 (3 days), XF-1 (log within 5 working days)
	ForwardBy  Date // OBJ-3: the file forwarded to the higher court
	DecideBy   Date // OBJ-2, OBJ-4 (15 days), OBJ-3 (30 days from registration, +30), XF-1 (close within 30 working days)
	OverallBy  Date // OBJ-5: decided within 1 month overall (+1 month when extended)
	// ExtendAskBy is the last day an OBJ-5 extension may be asked: 3 days
	// before OverallBy.
	ExtendAskBy Date
}

// RemedyDeadlines computes the clocks of a remedy of kind k. Statutory
// periods in days count from the day after the start (PER-1) and roll a last
// rest day to the next working day (PER-2); the local overall month (OBJ-5)
// rolls when rules.Periods.RollInternal (PER-6); working-day periods skip
// weekends and holidays (PER-5).
func (c *Calendar) RemedyDeadlines(k RemedyKind, d RemedyDates, rules RemedyRules) RemedyClock {
	var out RemedyClock
	start := d.Received
	if !d.Restarted.IsZero() {
		start = d.Restarted
	}
	if start.IsZero() {
		return out
	}
	switch k {
	case RemedyObjection, RemedyOutsider:
		if d.Restarted.IsZero() {
			out.RegisterBy = c.DaysPeriodEnd(start, rules.RegisterDays)
		}
		days := ObjectionExamineDays
		if k == RemedyOutsider {
			days = OutsiderExamineDays
		}
		out.DecideBy = c.DaysPeriodEnd(start, days)
		months := rules.OverallMonths
		if d.Extended {
			months += rules.ExtensionMonths
		}
		out.OverallBy = c.MonthsPeriodEnd(start, months, rules.Periods.RollInternal)
		if !d.Extended {
			out.ExtendAskBy = out.OverallBy.AddDays(-rules.ExtensionNoticeDays)
		}
	case RemedyReview:
		out.ForwardBy = c.DaysPeriodEnd(d.Received, rules.ReviewForwardDays)
		if !d.Registered.IsZero() {
			days := rules.ReviewDecideDays
			if d.Extended {
				days += rules.ReviewExtendDays
			}
			out.DecideBy = c.DaysPeriodEnd(d.Registered, days)
		}
	case RemedyComplaint:
		out.RegisterBy = c.WorkingDaysEnd(start, rules.ComplaintLogWorkdays, rules.Periods)
		out.DecideBy = c.WorkingDaysEnd(start, rules.ComplaintCloseWorkdays, rules.Periods)
	}
	return out
}

// ReviewWindowEnd is the last day to apply for 复议 against a ruling served
// on served (OBJ-3: 10 days from service, PER-1, PER-2).
func (c *Calendar) ReviewWindowEnd(served Date, rules RemedyRules) Date {
	return c.DaysPeriodEnd(served, rules.ReviewFileDays)
}

// CheckReviewFiled refuses a 复议 applied for after the window (OBJ-3) or
// before the ruling was served; code review_late or review_early.
func (c *Calendar) CheckReviewFiled(served, filed Date, rules RemedyRules) error {
	if filed.Before(served) {
		return apperr.InvalidField("review_early", "body.received_on", "复议申请日期不能早于异议裁定送达之日（"+served.String()+"）")
	}
	if end := c.ReviewWindowEnd(served, rules); filed.After(end) {
		return apperr.New(apperr.Conflict, "review_late", fmt.Sprintf(
			"复议申请已超过期限：异议裁定于 %s 送达，应在送达之日起 %d 日内（最后一日 %s）申请复议，%s 申请的不予受理（OBJ-3）",
			served, rules.ReviewFileDays, end, filed), apperr.FieldError{Field: "body.received_on", Detail: "已超过复议期限（最后一日 " + end.String() + "）"})
	}
	return nil
}

// SuitWindowEnd is the last day of the suit against an outsider-objection
// ruling served on served (OBJ-4: 15 days, PER-2).
func (c *Calendar) SuitWindowEnd(served Date) Date { return c.DaysPeriodEnd(served, OutsiderSuitDays) }

// CheckRemedyExtension checks an extension asked on asked against the
// clock: only once; an objection's (OBJ-5) no later than ExtendAskBy.
func CheckRemedyExtension(k RemedyKind, clock RemedyClock, extended bool, asked Date) error {
	if extended {
		return apperr.New(apperr.Conflict, "already_extended", "审查期限已延长过一次，不能再次延长（OBJ-3、OBJ-5）")
	}
	switch k {
	case RemedyObjection, RemedyOutsider:
		if !clock.ExtendAskBy.IsZero() && asked.After(clock.ExtendAskBy) {
			return apperr.New(apperr.Conflict, "extension_too_late", fmt.Sprintf(
				"延长审查期限须在期限届满 %d 日前提出：总期限至 %s，最迟应于 %s 提出（OBJ-5）", clock.OverallBy.Sub(clock.ExtendAskBy), clock.OverallBy,
				clock.ExtendAskBy))
		}
	case RemedyReview:
		if !clock.DecideBy.IsZero() && asked.After(clock.DecideBy) {
			return apperr.New(apperr.Conflict, "extension_too_late", "复议审查期限已于 "+clock.DecideBy.String()+" 届满，不能再延长（OBJ-3）")
		}
	default:
		return apperr.New(apperr.Conflict, "not_extendable", "执行信访的办理期限不能延长（XF-1）")
	}
	return nil
}
