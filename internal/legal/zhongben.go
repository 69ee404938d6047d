package legal

import "fmt"

// The 终本 gate (DOMAIN.md §5; 民诉法解释 2022 Art.517; 法发〔2016〕21号):
// a case may be closed as 终结本次执行程序 only when every statutory
// condition holds at once (ZB-1), each shown by the case's own records. The
// gate lists everything missing, so that the handler sees the whole list at
// the first attempt.

// ZhongbenFacts are what the case's records show, gathered by the caller.
type ZhongbenFacts struct {
	FiledOn, Today Date
	// ZB-1 (1), ZB-2: the 执行通知书 served, the 报告财产令 issued, and the
	// debtor's report verified (or the failure to report sanctioned).
	NoticeServed, ReportOrdered, ReportChecked bool
	// ZB-1 (2): the 限制消费令 issued; the debtor listed as 失信, or
	// recorded as not meeting the grounds for it (SX-1).
	ConsumptionBanned, DishonestDecided bool
	// ZB-1 (3), ZB-3: online inquiries (网络查控) made and every one
	// answered; an on-site investigation where the court requires one.
	Inquiries, InquiriesOpen int
	OnSiteChecked            bool
	// ZB-6 local blocker: assets found and not controlled for this case.
	Uncontrolled int
	// ZB-1 (5): the missing debtor searched for and obstruction dealt with,
	// or recorded as not arising.
	ConductChecked bool
	// ZB-5: the applicant's written consent, or the collegial panel's
	// review with the president's approval.
	ApplicantConsent, CollegialReview, PresidentApproval bool
	// ZB-6: the applicant interviewed (约谈) and the 拟终本告知书 served.
	Interviewed, NoticeOfIntent bool
	// XG-5: consumption restrictions in force on the case that take effect
	// only on or after the closing day (issued that day, or in their grace
	// period).
	RestrictionsNotStarted int
}

// ZhongbenRules are the gate's configurable parts (DOMAIN.md tags ZB-3 and
// ZB-6 C).
type ZhongbenRules struct {
	MinMonths         int  // ZB-1 (4): more than this many months since filing (3)
	RequireOnSite     bool // ZB-3: an on-site investigation on file
	RequireInterview  bool // ZB-6: the interview and the 拟终本告知书
	BlockUncontrolled bool // ZB-6: no asset found and left uncontrolled
	// XG-5: the 限高 start date must be before the 结案 date of a 终本 case.
	RestrictionBeforeClose bool
}

// DefaultZhongbenRules are DOMAIN.md's values.
var DefaultZhongbenRules = ZhongbenRules{MinMonths: 3, RequireInterview: true, BlockUncontrolled: true, RestrictionBeforeClose: true}

// ZhongbenUnmet is one condition the case does not meet.
type ZhongbenUnmet struct {
	Code   string // stable, e.g. "zb1_notice"
	Rule   string // the DOMAIN.md rule: ZB-1 … ZB-6
	Detail string // Chinese, what is missing
}

// ZhongbenGate returns every condition f does not meet under r, in the order
// of the regulation; none means the case may be closed as 终本.
func ZhongbenGate(f ZhongbenFacts, r ZhongbenRules) []ZhongbenUnmet {
	var out []ZhongbenUnmet
	add := func(code, rule, detail string) { out = append(out, ZhongbenUnmet{code, rule, detail}) }
	if !f.NoticeServed {
		add("zb1_notice", "ZB-1", "未送达执行通知书")
	}
	if !f.ReportOrdered {
		add("zb1_report_order", "ZB-1", "未向被执行人发出报告财产令")
	}
	if !f.ReportChecked {
		add("zb2_report_checked", "ZB-2", "未核查被执行人的财产报告（未报告或虚假报告的，应依法处理并在卷）")
	}
	if !f.ConsumptionBanned {
		add("zb1_consumption_ban", "ZB-1", "未对被执行人发出限制消费令")
	}
	if !f.DishonestDecided {
		add("zb1_dishonest", "ZB-1", "未将符合条件的被执行人纳入失信名单，也未记录其不符合纳入条件")
	}
	switch {
	case f.Inquiries == 0:
		add("zb3_no_inquiry", "ZB-3", "未通过网络执行查控系统查询被执行人的财产")
	case f.InquiriesOpen > 0:
		add("zb6_inquiry_open", "ZB-6", fmt.Sprintf("尚有 %d 次财产查询未全部反馈", f.InquiriesOpen))
	}
	if r.RequireOnSite && !f.OnSiteChecked {
		add("zb3_on_site", "ZB-3", "未进行现场调查（本院要求终本前须有现场调查记录）")
	}
	if r.BlockUncontrolled && f.Uncontrolled > 0 {
		add("zb6_uncontrolled", "ZB-6", fmt.Sprintf("查询到的 %d 项财产尚未控制（查封、扣押、冻结），或未记录其不能处置", f.Uncontrolled))
	}
	months := r.MinMonths
	if months <= 0 {
		months = DefaultZhongbenRules.MinMonths
	}
	if earliest := f.FiledOn.AddMonths(months); !f.Today.After(earliest) {
		add("zb1_too_early", "ZB-1", fmt.Sprintf("自立案之日起须已超过 %d 个月（立案 %s，%s 之后方可终本）", months, f.FiledOn, earliest))
	}
	if !f.ConductChecked {
		add("zb1_conduct", "ZB-1", "未记录对下落不明的被执行人的查找及对妨害执行行为的处理情况（或记录不存在上述情形）")
	}
	if !f.ApplicantConsent && !(f.CollegialReview && f.PresidentApproval) {
		detail := "须有申请执行人书面同意终本，或经合议庭评议并报院长批准"
		switch {
		case f.CollegialReview:
			detail = "合议庭已评议，尚待院长批准（或取得申请执行人书面同意）"
		case f.PresidentApproval:
			detail = "院长批准须以合议庭评议为前提（或取得申请执行人书面同意）"
		}
		add("zb5_approval", "ZB-5", detail)
	}
	if r.RestrictionBeforeClose && f.RestrictionsNotStarted > 0 {
		add("xg5_restriction_start", "XG-5", fmt.Sprintf("%d 份限制消费令尚未生效（当日发出或在宽限期内），其生效日期须早于终本结案日期", f.RestrictionsNotStarted))
	}
	if r.RequireInterview {
		if !f.Interviewed {
			add("zb6_interview", "ZB-6", "未约谈申请执行人并制作约谈笔录")
		}
		if !f.NoticeOfIntent {
			add("zb6_notice_of_intent", "ZB-6", "未向申请执行人送达拟终本告知书")
		}
	}
	return out
}
