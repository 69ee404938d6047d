// Package ruleparams keeps the values of the rules DOMAIN.md tags C —
// "configurable, effective-dated rule data, seeded with the value shown,
// citation attached" (DOMAIN.md §0) — in the database, and hands them to the
// code that applies the rules.
//
// The catalogue (this file) lists every parameter with its type, bounds,
// seeded value and citation. A value is stored per scope — the platform
// (every court) or one court, whose own value overrides the platform's — from
// an effective date on: a change is a new row with a later date, so the
// value in force on any past day stays what it was. Resolve answers the
// values in force for a court on a day from a per-database cache, so hot
// paths (filing, bulk intake) cost no query.
package ruleparams

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// Type is the type of a parameter's value.
type Type string

const (
	Int  Type = "int"  // a whole number within the parameter's bounds
	Bool Type = "bool" // true or false
)

// Key names a parameter: a DOMAIN.md rule and one of its values.
type Key struct {
	RuleID string // e.g. CLOCK-2
	Param  string // lowercase ASCII, e.g. term_months
}

// String is "CLOCK-2/term_months", the form of the key in forms and links.
func (k Key) String() string { return k.RuleID + "/" + k.Param }

// ParseKey parses the String form of a key; ok is false for anything else.
func ParseKey(s string) (Key, bool) {
	rule, param, ok := strings.Cut(s, "/")
	return Key{RuleID: rule, Param: param}, ok && rule != "" && param != ""
}

// Param describes one parameter.
type Param struct {
	Key
	Label    string // Chinese, for people
	Unit     string // 天, 工作日, 个月 or 是否
	Type     Type
	Min, Max int    // bounds of an Int value, both included
	Seed     string // the value DOMAIN.md shows, canonical
	Citation string // the basis DOMAIN.md gives: regulation, document number, article; or local practice
	// Milestone is the code of the legal.Milestones node whose Days this
	// parameter sets, or "".
	Milestone string
	// Since is the seed version that introduced the parameter: a later
	// version seeds only the parameters it adds.
	Since int
}

// The keys code reads through the typed accessors of Values.
var (
	KeyTermMonths              = Key{"CLOCK-2", "term_months"}
	KeyNonLitigationTermMonths = Key{"CLOCK-2", "non_litigation_term_months"}
	KeyExtensionMinNoticeDays  = Key{"CLOCK-3", "extension_min_notice_days"}
	KeyExtensionMaxMonths      = Key{"CLOCK-3", "extension_max_months"}
	KeyDecisionDays            = Key{"CLOCK-4", "decision_days"}
	KeyDeferMaxMonths          = Key{"CLOCK-9", "defer_max_months"}
	KeyMakeupCounts            = Key{"PER-5", "makeup_counts"}
	KeyRollInternal            = Key{"PER-6", "roll_internal"}
	KeyTermDepositMonths       = Key{"TERM-1", "deposit_months"}
	KeyTermMovableMonths       = Key{"TERM-1", "movable_months"}
	KeyTermImmovableMonths     = Key{"TERM-1", "immovable_months"}
	KeyExpiryWarnFirstDays     = Key{"TERM-2", "warn_first_days"}
	KeyExpiryWarnSecondDays    = Key{"TERM-2", "warn_second_days"}
	KeyRequeryEveryMonths      = Key{"ZB-9", "requery_every_months"}
	KeyRequeryForMonths        = Key{"ZB-9", "requery_for_months"}
	KeyTransferWaitDays        = Key{"TERM-4", "wait_days"}
	KeyTransferAnswerDays      = Key{"TERM-4", "answer_days"}
	KeyPayoutDays              = Key{"FUND-4", "payout_days"}
	KeyLargePayoutYuan         = Key{"FUND-6", "large_payout_yuan"}
	KeyUnmatchedClaimDays      = Key{"FUND-3", "claim_days"}
	KeyPostponedResumeDays     = Key{"FUND-5", "resume_days"}
	KeyZhongbenOnSite          = Key{"ZB-3", "require_on_site"}
	KeySupervisionMass         = Key{"SUP-1", "mass_items"}
	KeyZhongbenInterview       = Key{"ZB-6", "require_interview"}
	KeyZhongbenUncontrolled    = Key{"ZB-6", "block_uncontrolled"}
	// Remedies (DOMAIN.md §6) and the hotline (HOT-1, local practice: not in DOMAIN.md).
	KeyObjectionRegisterDays     = Key{"OBJ-1", "register_days"}
	KeyReviewFileDays            = Key{"OBJ-3", "file_days"}
	KeyReviewForwardDays         = Key{"OBJ-3", "forward_days"}
	KeyReviewDecideDays          = Key{"OBJ-3", "decide_days"}
	KeyReviewExtendDays          = Key{"OBJ-3", "extend_days"}
	KeyObjectionOverallMonths    = Key{"OBJ-5", "overall_months"}
	KeyObjectionExtendNoticeDays = Key{"OBJ-5", "extension_notice_days"}
	KeyObjectionExtendMonths     = Key{"OBJ-5", "extension_months"}
	KeyComplaintLogWorkdays      = Key{"XF-1", "log_working_days"}
	KeyComplaintCloseWorkdays    = Key{"XF-1", "close_working_days"}
	KeyHotlineProgressWorkdays   = Key{"HOT-1", "progress_working_days"}
	KeyHotlineOtherWorkdays      = Key{"HOT-1", "other_working_days"}
)

// The keys of property disposal (DOMAIN.md §8), read through
// Values.DisposalRules.
var (
	KeyValuationStartDays    = Key{"VAL-1", "start_days"}
	KeyValuationReportDays   = Key{"VAL-3", "report_days"}
	KeyValuationObjection    = Key{"VAL-4", "objection_days"}
	KeyValuationValidity     = Key{"VAL-4", "validity_months"}
	KeyReservePercent        = Key{"AUCT-2", "reserve_percent"}
	KeyOfflineReservePercent = Key{"AUCT-2", "offline_reserve_percent"}
	KeyNoticeMovableDays     = Key{"AUCT-3", "notice_movable_days"}
	KeyNoticeImmovableDays   = Key{"AUCT-3", "notice_immovable_days"}
	KeyPartyNoticeDays       = Key{"AUCT-4", "party_notice_days"}
	KeyDepositMinPercent     = Key{"AUCT-6", "deposit_min_percent"}
	KeyDepositMaxPercent     = Key{"AUCT-6", "deposit_max_percent"}
	KeyBiddingMinHours       = Key{"AUCT-7", "bidding_min_hours"}
	KeyExtensionMinutes      = Key{"AUCT-7", "extension_minutes"}
	KeyRelistDays            = Key{"AUCT-9", "relist_days"}
	KeyReNoticeMovableDays   = Key{"AUCT-9", "renotice_movable_days"}
	KeyReNoticeImmovableDays = Key{"AUCT-9", "renotice_immovable_days"}
	KeyMaxCutPercent         = Key{"AUCT-9", "max_cut_percent"}
	KeySaleWindowDays        = Key{"AUCT-10", "sale_window_days"}
)

// The keys of sanctions (DOMAIN.md §7), read through Values.SanctionRules.
var (
	KeyDishonestTermYears        = Key{"SX-3", "term_years"}
	KeyDishonestExtraMinYears    = Key{"SX-3", "extra_min_years"}
	KeyDishonestExtraMaxYears    = Key{"SX-3", "extra_max_years"}
	KeyGraceMinMonths            = Key{"SX-4", "grace_min_months"}
	KeyGraceMaxMonths            = Key{"SX-4", "grace_max_months"}
	KeyCorrectionDays            = Key{"SX-6", "decide_days"}
	KeyCorrectWorkingDays        = Key{"SX-6", "correct_working_days"}
	KeyDishonestReviewFileDays   = Key{"SX-6", "review_file_days"}
	KeyDishonestReviewDecideDays = Key{"SX-6", "review_decide_days"}
	KeyLiftOnGuarantee           = Key{"XG-4", "lift_on_guarantee"}
	KeyLiftOnConsent             = Key{"XG-4", "lift_on_consent"}
	KeyRestrictionBeforeClose    = Key{"XG-5", "check_before_closure"}
)

// Citations, as DOMAIN.md §3 gives them.
const (
	citeTerms       = "《最高人民法院关于人民法院办理执行案件若干期限的规定》（法发〔2006〕35号）"
	citeExtension   = citeTerms + "；《最高人民法院关于严格执行案件审理期限制度的若干规定》（法释〔2000〕29号）第5条"
	citeNodes       = citeTerms + "第2条、第4条；《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》（2022年）第480条"
	citeLeads       = "《最高人民法院关于民事执行中财产调查若干问题的规定》（法释〔2017〕8号）第2条"
	citeDeferral    = "《最高人民法院关于正确适用暂缓执行措施若干问题的规定》"
	citeEntrusted   = "《最高人民法院关于严格规范执行事项委托工作的管理办法（试行）》（法发〔2017〕27号）；全国未规定期限，默认 10 日"
	citeCounting    = "《中华人民共和国民事诉讼法》（2021年）第85条；《中华人民共和国民法典》第200条至第203条"
	citeIntakeLocal = "地方执行立案工作指引（地方实践）"
	citeSeizureTerm = "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》（2022年）第485条"
	citeTransfer    = "《最高人民法院关于首先查封法院与优先债权执行法院处分查封财产有关问题的批复》（法释〔2016〕6号）"
	citeFunds       = "《最高人民法院关于执行款物管理工作的规定》（法发〔2017〕6号）"
	citeZhongbenReg = "《最高人民法院关于严格规范终结本次执行程序的规定（试行）》（法发〔2016〕21号）"
	citeZhongben    = citeZhongbenReg + "第9条"
	citeValuation   = "《最高人民法院关于人民法院确定财产处置参考价若干问题的规定》（法释〔2018〕15号）"
	citeAuction     = "《最高人民法院关于人民法院网络司法拍卖若干问题的规定》（法释〔2016〕18号）"
	citeObjections  = "《最高人民法院关于人民法院办理执行异议和复议案件若干问题的规定》（法释〔2015〕10号）"
	citeReview      = "《中华人民共和国民事诉讼法》（2023年）第236条；《最高人民法院关于适用〈中华人民共和国民事诉讼法〉执行程序若干问题的解释》（法释〔2008〕13号）；" + citeObjections + "第23条"
	citeComplaints  = "《关于进一步完善执行权制约机制加强执行监督的意见》（2021年）"
	citeHotline     = "执行指挥中心热线工作规范（地方实践；DOMAIN.md 未规定，HOT-1 为本地规则）"
	citeDishonest   = "《最高人民法院关于公布失信被执行人名单信息的若干规定》（法释〔2013〕17号，2017年修正）"
	citeGoodFaith   = "《最高人民法院关于在执行工作中进一步强化善意文明执行理念的意见》（法发〔2019〕35号）"
	citeRestriction = "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》（法释〔2010〕8号，2015年修正）"
)

// catalogue lists every parameter in display order. The seeds equal
// legal.DefaultClockRules and the Days of legal.Milestones (a test checks).
var catalogue = []Param{
	{Key: KeyTermMonths, Label: "执行期限（立案之日起）", Unit: "个月", Type: Int, Min: 1, Max: 36, Seed: "6", Citation: citeTerms + "第1条", Since: 1},
	{Key: KeyNonLitigationTermMonths, Label: "非诉执行案件的执行期限", Unit: "个月", Type: Int, Min: 1, Max: 36, Seed: "3", Citation: citeTerms + "第1条", Since: 1},
	{Key: KeyExtensionMinNoticeDays, Label: "延长执行期限须在届满前提出的天数", Unit: "天", Type: Int, Min: 0, Max: 60, Seed: "5", Citation: citeExtension, Since: 1},
	{Key: KeyExtensionMaxMonths, Label: "一次延长执行期限的最长月数", Unit: "个月", Type: Int, Min: 1, Max: 12, Seed: "3", Citation: citeExtension, Since: 1},
	{Key: KeyDecisionDays, Label: "收到申请后决定是否立案的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "7", Citation: citeIntakeLocal,
		Milestone: "intake_decision", Since: 1},
	{Key: Key{"CLOCK-5", "assign_handler_days"}, Label: "立案后确定承办人的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "7", Citation: citeNodes,
		Milestone: "assign_handler", Since: 1},
	{Key: Key{"CLOCK-5", "enforcement_notice_days"}, Label: "收案后发出执行通知书的期限", Unit: "天", Type: Int, Min: 1, Max: 10, Seed: "3", Citation: citeNodes,
		Milestone: "enforcement_notice", Since: 1},
	{Key: Key{"CLOCK-6", "ask_leads_days"}, Label: "通知申请执行人提供财产线索的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "3", Citation: citeTerms,
		Milestone: "ask_leads", Since: 1},
	{Key: Key{"CLOCK-6", "start_investigation_days"}, Label: "启动申请的财产调查的期限", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "10", Citation: citeTerms,
		Milestone: "start_investigation", Since: 1},
	{Key: Key{"CLOCK-7", "verify_lead_days"}, Label: "核查具体财产线索的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "7", Citation: citeLeads,
		Milestone: "verify_lead", Since: 1},
	{Key: Key{"CLOCK-7", "verify_lead_urgent_days"}, Label: "核查财产线索的期限（情况紧急）", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "3", Citation: citeLeads,
		Milestone: "verify_lead_urgent", Since: 1},
	{Key: KeyDeferMaxMonths, Label: "暂缓执行的最长期间（可延长一次）", Unit: "个月", Type: Int, Min: 1, Max: 12, Seed: "3", Citation: citeDeferral, Since: 1},
	{Key: Key{"CLOCK-12", "entrusted_matter_days"}, Label: "办理委托事项的期限", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "10", Citation: citeEntrusted,
		Milestone: "entrusted_matter", Since: 1},
	{Key: KeyMakeupCounts, Label: "按工作日计算的期间，调休上班日计入工作日", Unit: "是否", Type: Bool, Seed: "true", Citation: citeCounting, Since: 1},
	{Key: KeyRollInternal, Label: "内部期限（执行期限、节点、督办）末日为休息日的顺延至下一工作日", Unit: "是否", Type: Bool, Seed: "true", Citation: citeCounting, Since: 1},
	{Key: KeyTermDepositMonths, Label: "冻结银行存款的最长期限", Unit: "个月", Type: Int, Min: 1, Max: 12, Seed: "12", Citation: citeSeizureTerm, Since: 2},
	{Key: KeyTermMovableMonths, Label: "查封、扣押动产的最长期限", Unit: "个月", Type: Int, Min: 1, Max: 24, Seed: "24", Citation: citeSeizureTerm, Since: 2},
	{Key: KeyTermImmovableMonths, Label: "查封不动产、冻结其他财产权的最长期限", Unit: "个月", Type: Int, Min: 1, Max: 36, Seed: "36", Citation: citeSeizureTerm, Since: 2},
	{Key: KeyExpiryWarnFirstDays, Label: "查封冻结到期前第一次提醒的天数", Unit: "天", Type: Int, Min: 1, Max: 180, Seed: "30", Citation: citeSeizureTerm + "；续行须在期限届满前申请", Since: 2},
	{Key: KeyExpiryWarnSecondDays, Label: "查封冻结到期前第二次提醒的天数", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "7", Citation: citeSeizureTerm + "；续行须在期限届满前申请", Since: 2},
	{Key: KeyRequeryEveryMonths, Label: "终本案件定期复查财产的间隔", Unit: "个月", Type: Int, Min: 1, Max: 12, Seed: "6", Citation: citeZhongben, Since: 2},
	{Key: KeyRequeryForMonths, Label: "终本案件定期复查财产的总时长", Unit: "个月", Type: Int, Min: 6, Max: 120, Seed: "60", Citation: citeZhongben, Since: 2},
	{Key: KeyTransferWaitDays, Label: "首封法院查封后未启动处分、优先债权执行法院可商请移送的天数", Unit: "天", Type: Int, Min: 1, Max: 365, Seed: "60", Citation: citeTransfer + "第1条", Since: 3},
	{Key: KeyTransferAnswerDays, Label: "首封法院答复商请移送执行函的期限", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "15", Citation: citeTransfer + "第2条", Since: 3},
	{Key: KeyPayoutDays, Label: "执行款到账后发放给申请执行人的期限", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "30", Citation: citeFunds +
		"；各地规定 5 至 30 日不等", Since: 4},
	{Key: KeyLargePayoutYuan, Label: "须由执行局长审批的案款发放金额（含本数）", Unit: "元", Type: Int, Min: 1, Max: 100_000_000, Seed: "100000",
		Citation: citeFunds + "；审批层级为地方规定", Since: 4},
	{Key: KeyPostponedResumeDays, Label: "延缓发放的事由消除后发放的期限", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "10", Citation: citeFunds,
		Since: 5},
	{Key: KeyUnmatchedClaimDays, Label: "不明款认领期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "3", Citation: citeFunds + "（地方规定）", Since: 4},
	{Key: KeyZhongbenOnSite, Label: "终本前须有现场调查记录", Unit: "是否", Type: Bool, Seed: "false", Citation: citeZhongbenReg + "第3条（网络查控之外，必要时现场调查；地方规定）",
		Since: 6},
	{Key: KeyZhongbenInterview, Label: "终本前须约谈申请执行人并送达拟终本告知书", Unit: "是否", Type: Bool, Seed: "true", Citation: citeZhongbenReg + "第5条",
		Since: 6},
	{Key: KeyZhongbenUncontrolled, Label: "查询到的财产未控制的不得终本", Unit: "是否", Type: Bool, Seed: "true", Citation: citeZhongbenReg + "第3条、第5条（地方规定）",
		Since: 6},
	{Key: KeySupervisionMass, Label: "启用督办规则时须确认的事项数（试运行估计立即产生的事项超过此数）", Unit: "条", Type: Int, Min: 1, Max: 100_000_000,
		Seed: "10000", Citation: "督办规则配置（渝水；本院规定）", Since: 7},
	{Key: KeyValuationStartDays, Label: "查封后启动确定参考价的期限", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "30", Citation: citeValuation + "第1条", Since: 8},
	{Key: KeyValuationReportDays, Label: "网络询价平台出具询价报告的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "3", Citation: citeValuation + "第12条", Since: 8},
	{Key: KeyValuationObjection, Label: "对参考价提出异议的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "5", Citation: citeValuation + "第22条", Since: 8},
	{Key: KeyValuationValidity, Label: "参考价的有效期", Unit: "个月", Type: Int, Min: 1, Max: 24, Seed: "12", Citation: citeValuation + "第27条", Since: 8},
	{Key: KeyReservePercent, Label: "网络司法拍卖起拍价不得低于参考价的比例", Unit: "%", Type: Int, Min: 1, Max: 100, Seed: "70", Citation: citeAuction + "第10条", Since: 8},
	{Key: KeyOfflineReservePercent, Label: "线下拍卖保留价不得低于参考价的比例", Unit: "%", Type: Int, Min: 1, Max: 100, Seed: "80",
		Citation: "《最高人民法院关于人民法院民事执行中拍卖、变卖财产的规定》第8条；" + citeAuction + "第27条", Since: 8},
	{Key: KeyNoticeMovableDays, Label: "拍卖动产的公告期", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "15", Citation: citeAuction + "第12条", Since: 8},
	{Key: KeyNoticeImmovableDays, Label: "拍卖不动产、其他财产权的公告期", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "30", Citation: citeAuction + "第12条", Since: 8},
	{Key: KeyPartyNoticeDays, Label: "公告前通知当事人和已知优先购买权人的天数", Unit: "天", Type: Int, Min: 0, Max: 30, Seed: "3", Citation: citeAuction + "第16条", Since: 8},
	{Key: KeyDepositMinPercent, Label: "竞买保证金不得低于起拍价的比例", Unit: "%", Type: Int, Min: 1, Max: 100, Seed: "5", Citation: citeAuction + "第17条", Since: 8},
	{Key: KeyDepositMaxPercent, Label: "竞买保证金不得高于起拍价的比例", Unit: "%", Type: Int, Min: 1, Max: 100, Seed: "20", Citation: citeAuction + "第17条", Since: 8},
	{Key: KeyBiddingMinHours, Label: "网络司法拍卖竞价时间的最短时长", Unit: "小时", Type: Int, Min: 1, Max: 240, Seed: "24", Citation: citeAuction + "第20条", Since: 8},
	{Key: KeyExtensionMinutes, Label: "竞价结束前出价自动延时的分钟数", Unit: "分钟", Type: Int, Min: 1, Max: 60, Seed: "5", Citation: citeAuction + "第20条", Since: 8},
	{Key: KeyRelistDays, Label: "流拍后再次拍卖的期限", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "30", Citation: citeAuction + "第26条", Since: 8},
	{Key: KeyReNoticeMovableDays, Label: "再次拍卖动产的公告期", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "7", Citation: citeAuction + "第26条", Since: 8},
	{Key: KeyReNoticeImmovableDays, Label: "再次拍卖不动产、其他财产权的公告期", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "15", Citation: citeAuction + "第26条", Since: 8},
	{Key: KeyMaxCutPercent, Label: "再次拍卖起拍价降价的最大比例（以前次起拍价为基数）", Unit: "%", Type: Int, Min: 0, Max: 100, Seed: "20", Citation: citeAuction + "第26条", Since: 8},
	{Key: KeySaleWindowDays, Label: "二拍流拍后网络变卖的期限", Unit: "天", Type: Int, Min: 1, Max: 180, Seed: "60",
		Citation: "《最高人民法院关于做好网络司法拍卖与网络司法变卖衔接工作的通知》（法明传〔2017〕455号）", Since: 8},
	{Key: KeyObjectionRegisterDays, Label: "执行异议立案并通知当事人（或裁定不予受理）的期限", Unit: "天", Type: Int, Min: 1, Max: 15, Seed: "3",
		Citation: citeObjections + "第2条", Since: 8},
	{Key: KeyReviewFileDays, Label: "不服异议裁定申请复议的期限（自裁定送达之日起）", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "10",
		Citation: citeReview, Since: 8},
	{Key: KeyReviewForwardDays, Label: "收到复议申请后将案卷报送上一级法院的期限", Unit: "天", Type: Int, Min: 1, Max: 15, Seed: "5",
		Citation: citeReview, Since: 8},
	{Key: KeyReviewDecideDays, Label: "上一级法院审查复议申请的期限", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "30", Citation: citeReview, Since: 8},
	{Key: KeyReviewExtendDays, Label: "复议审查经院长批准可延长的天数（一次）", Unit: "天", Type: Int, Min: 1, Max: 90, Seed: "30", Citation: citeReview, Since: 8},
	{Key: KeyObjectionOverallMonths, Label: "执行异议审结的总期限", Unit: "个月", Type: Int, Min: 1, Max: 6, Seed: "1",
		Citation: "执行异议案件审理期限（地方规定）", Since: 8},
	{Key: KeyObjectionExtendNoticeDays, Label: "延长异议审查期限须在届满前提出的天数", Unit: "天", Type: Int, Min: 0, Max: 15, Seed: "3",
		Citation: "执行异议案件审理期限（地方规定）", Since: 8},
	{Key: KeyObjectionExtendMonths, Label: "异议审查期限经批准延长的月数（一次）", Unit: "个月", Type: Int, Min: 1, Max: 3, Seed: "1",
		Citation: "执行异议案件审理期限（地方规定；DOMAIN.md 未定延长幅度，默认一个月）", Since: 8},
	{Key: KeyComplaintLogWorkdays, Label: "执行信访登记的期限", Unit: "工作日", Type: Int, Min: 1, Max: 30, Seed: "5", Citation: citeComplaints, Since: 8},
	{Key: KeyComplaintCloseWorkdays, Label: "执行信访办结的期限", Unit: "工作日", Type: Int, Min: 1, Max: 120, Seed: "30", Citation: citeComplaints, Since: 8},
	{Key: KeyHotlineProgressWorkdays, Label: "热线：案件进度询问答复的期限", Unit: "工作日", Type: Int, Min: 1, Max: 10, Seed: "1", Citation: citeHotline, Since: 8},
	{Key: KeyHotlineOtherWorkdays, Label: "热线：咨询、联系法官、投诉转办答复的期限", Unit: "工作日", Type: Int, Min: 1, Max: 30, Seed: "3", Citation: citeHotline, Since: 8},
	{Key: KeyDishonestTermYears, Label: "失信名单期限（第2至6项情形）", Unit: "年", Type: Int, Min: 1, Max: 5, Seed: "2", Citation: citeDishonest + "第2条",
		Since: 8},
	{Key: KeyDishonestExtraMinYears, Label: "情节严重或多项失信行为可延长失信期限的最少年数", Unit: "年", Type: Int, Min: 1, Max: 5, Seed: "1",
		Citation: citeDishonest + "第2条", Since: 8},
	{Key: KeyDishonestExtraMaxYears, Label: "情节严重或多项失信行为可延长失信期限的最多年数", Unit: "年", Type: Int, Min: 1, Max: 5, Seed: "3",
		Citation: citeDishonest + "第2条", Since: 8},
	{Key: KeyGraceMinMonths, Label: "纳入失信、限制消费前宽限期的最短月数", Unit: "个月", Type: Int, Min: 1, Max: 12, Seed: "1", Citation: citeGoodFaith,
		Since: 8},
	{Key: KeyGraceMaxMonths, Label: "纳入失信、限制消费前宽限期的最长月数", Unit: "个月", Type: Int, Min: 1, Max: 12, Seed: "3", Citation: citeGoodFaith,
		Since: 8},
	{Key: KeyCorrectionDays, Label: "失信名单纠正申请的审查期限", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "15", Citation: citeDishonest + "第11条",
		Since: 8},
	{Key: KeyCorrectWorkingDays, Label: "决定纠正后更正失信信息的期限", Unit: "工作日", Type: Int, Min: 1, Max: 15, Seed: "3", Citation: citeDishonest + "第11条",
		Since: 8},
	{Key: KeyDishonestReviewFileDays, Label: "对纠正申请的决定申请复议的期限", Unit: "天", Type: Int, Min: 1, Max: 30, Seed: "10", Citation: citeDishonest + "第12条",
		Since: 8},
	{Key: KeyDishonestReviewDecideDays, Label: "失信名单复议的审查期限", Unit: "天", Type: Int, Min: 1, Max: 60, Seed: "15", Citation: citeDishonest + "第12条",
		Since: 8},
	{Key: KeyLiftOnGuarantee, Label: "被执行人提供确实有效的担保的，可以解除限制消费", Unit: "是否", Type: Bool, Seed: "true", Citation: citeRestriction + "第9条",
		Since: 8},
	{Key: KeyLiftOnConsent, Label: "申请执行人同意的，可以解除限制消费", Unit: "是否", Type: Bool, Seed: "true", Citation: citeRestriction + "第9条",
		Since: 8},
	{Key: KeyRestrictionBeforeClose, Label: "终本案件限制消费令的生效日期须早于结案日期", Unit: "是否", Type: Bool, Seed: "true",
		Citation: "地方终本案件校验规则（NODE-4）；" + citeRestriction, Since: 8},
}

// index maps a key to its place in catalogue.
var index = func() map[Key]int {
	m := make(map[Key]int, len(catalogue))
	for i, p := range catalogue {
		if _, dup := m[p.Key]; dup {
			panic("ruleparams: duplicate parameter " + p.Key.String())
		}
		if _, err := p.Parse(p.Seed); err != nil {
			panic("ruleparams: bad seed of " + p.Key.String())
		}
		m[p.Key] = i
	}
	return m
}()

// Catalogue returns every parameter, in display order.
func Catalogue() []Param {
	out := make([]Param, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the parameter of k.
func Lookup(k Key) (Param, bool) {
	i, ok := index[k]
	if !ok {
		return Param{}, false
	}
	return catalogue[i], true
}

// Bounds describes the accepted values, for hints and errors: "1 至 36 个月",
// "是或否".
func (p Param) Bounds() string {
	if p.Type == Bool {
		return "是或否"
	}
	return fmt.Sprintf("%d 至 %d %s", p.Min, p.Max, p.Unit)
}

// Format shows a canonical value for people: "6 个月", "是".
func (p Param) Format(value string) string {
	if p.Type == Bool {
		if value == "true" {
			return "是"
		}
		return "否"
	}
	return value + " " + p.Unit
}

// Parse checks a value typed by a person or a program and returns its
// canonical form. Integers are decimal, optionally signed, spaces around
// ignored; booleans are true/false (也可写 是/否). Errors carry code
// "invalid_value" and no field name: the caller sets it.
func (p Param) Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := func(detail string) (string, error) {
		return "", apperr.InvalidField("invalid_value", "", p.Label+"："+detail)
	}
	if s == "" {
		return bad("请填写取值")
	}
	switch p.Type {
	case Bool:
		switch strings.ToLower(s) {
		case "true", "是":
			return "true", nil
		case "false", "否":
			return "false", nil
		}
		return bad("应为“是”或“否”（true 或 false）")
	case Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return bad("取值超出范围，应为 " + p.Bounds())
			}
			return bad(fmt.Sprintf("“%s”不是整数，应为 %s", textutil.Abbrev(s, 20), p.Bounds()))
		}
		if n < p.Min || n > p.Max {
			return bad(fmt.Sprintf("%d 超出范围，应为 %s", n, p.Bounds()))
		}
		return strconv.Itoa(n), nil
	}
	return "", fmt.Errorf("ruleparams: %s has unknown type %q", p.Key, p.Type)
}
