package supervise

import "slices"

// DefaultRules is the built-in rule set (version 0) a court uses until it
// activates its own: the case-defect checker defaults of DOMAIN.md §12
// (NODE-1 … NODE-6) and the 终本 windows of ZB-8, each answered within 3
// days and escalated on SUP-3's chain. All C: a court changes them as data.
//
// Disposal (NODE-6, VAL-1, AUCT-9) is watched through the case: its dates
// are the earliest of its open disposals.
//
// Not here yet: NODE-3 (no lead register), NODE-4 and NODE-7 (checks at
// closing, made by the 终本 gate for 终本).
func DefaultRules() RuleSet {
	esc := func() []int { return slices.Clone(DefaultEscalation) }
	return RuleSet{Version: 0, Rules: []Rule{
		{ID: "node_handler", Name: "立案后未按期分案", Module: "nodes", Subject: SubjectCase, Anchor: "filed_on", OffsetDays: 7,
			WarnDays: 2, When: "!closed && !has_handler", Severity: "normal", AnswerDays: 3, Escalation: esc(), Enabled: true,
			Note: "CLOCK-5：立案后 7 日内确定承办人"},
		{ID: "node_notice", Name: "执行通知书未按期发出", Module: "nodes", Subject: SubjectCase, Anchor: "filed_on", OffsetDays: 3,
			WarnDays: 1, When: "!closed && !notice_served", Severity: "normal", AnswerDays: 3, Escalation: esc(), Enabled: true,
			Note: "NODE-1、CLOCK-5：收案后 3 日内发出执行通知书"},
		{ID: "node_first_inquiry", Name: "立案后未按期网络查控", Module: "nodes", Subject: SubjectCase, Anchor: "filed_on", OffsetDays: 10,
			WarnDays: 3, When: "!closed && inquiries == 0", Severity: "normal", AnswerDays: 3, Escalation: esc(), Enabled: true,
			Note: "NODE-2、CLOCK-6：立案后 10 日内首次网络查控"},
		{ID: "period_near_end", Name: "执行期限即将届满", Module: "overdue", Subject: SubjectCase, Anchor: "deadline", OffsetDays: -15,
			WarnDays: 15, When: "!closed && !suspended", Severity: "normal", AnswerDays: 5, Escalation: esc(), Enabled: true,
			Note: "NODE-5、CLOCK-2：执行期限届满前 15 日督促结案（前 30 日预警）"},
		{ID: "period_overdue", Name: "超过执行期限未结案", Module: "overdue", Subject: SubjectCase, Anchor: "deadline", OffsetDays: 1,
			When: "!closed && !suspended", Severity: "high", AnswerDays: 3, Escalation: esc(), Enabled: true,
			Note: "NODE-5：执行期限（含延长、扣除）届满仍未结案，审限超期"},
		{ID: "control_expiring", Name: "查封冻结期限即将届满未续行", Module: "nodes", Subject: SubjectControl, Anchor: "term_to",
			OffsetDays: -30, When: `status == "active" && !case_closed`, Severity: "high", AnswerDays: 5, Escalation: []int{3, 7, 15},
			Enabled: true, Note: "NODE-6、TERM-2：期限届满前 30 日仍未续行"},
		{ID: "funds_overdue", Name: "案款超期未发放", Module: "funds", Subject: SubjectAccount, Anchor: "due_on", OffsetDays: 1,
			WarnDays: 3, When: "balance_fen > 0 && !postponed", Severity: "high", AnswerDays: 3, Escalation: esc(), Enabled: true,
			Note: "NODE-6、FUND-4：案款到账后超过发放期限仍未发放"},
		{ID: "disposal_valuation", Name: "查封后未按期启动确定参考价", Module: "disposal", Subject: SubjectCase, Anchor: "valuation_due",
			OffsetDays: 1, WarnDays: 5, When: "!closed", Severity: "high", AnswerDays: 3, Escalation: esc(), Enabled: true,
			Note: "VAL-1：查封、扣押、冻结后 30 日内启动确定财产处置参考价"},
		{ID: "disposal_relist", Name: "流拍后未按期再次拍卖", Module: "disposal", Subject: SubjectCase, Anchor: "auction_failed_on",
			OffsetDays: 30, WarnDays: 7, When: "!closed && disposals_open > 0", Severity: "high", AnswerDays: 3, Escalation: esc(),
			Enabled: true, Note: "AUCT-9：流拍后 30 日内在同一平台再次拍卖"},
		{ID: "disposal_stalled", Name: "财产处置停滞", Module: "disposal", Subject: SubjectCase, Anchor: "disposal_idle_since",
			OffsetDays: 30, WarnDays: 5, When: "!closed && !suspended && disposals_open > 0", Severity: "normal", AnswerDays: 5,
			Escalation: esc(), Enabled: true, Note: "NODE-6（处置停滞，本地规定）：未上拍的处置事项 30 日无任何办理"},
		{ID: "zhongben_upload", Name: "终本案件未按期录入终本库", Module: "zhongben", Subject: SubjectCase, Anchor: "closed_on",
			OffsetDays: 7, When: `closure == "zhongben" && !zhongben_uploaded`, Severity: "normal", AnswerDays: 3, Escalation: esc(),
			Enabled: true, Note: "ZB-8：终本裁定送达后 7 日内录入终本案件库"},
		{ID: "zhongben_removal", Name: "恢复执行后未按期移出终本库", Module: "zhongben", Subject: SubjectCase, Anchor: "restored_on",
			OffsetDays: 3, When: `closure == "zhongben" && zhongben_uploaded && !zhongben_removed`, Severity: "normal", AnswerDays: 3,
			Escalation: esc(), Enabled: true, Note: "ZB-8：恢复执行后 3 日内从终本案件库删除"},
	}}
}
