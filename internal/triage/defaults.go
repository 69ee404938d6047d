package triage

// SmallClaimLimitFen is the default fast-lane ceiling: ¥500,000 (FLOW-5,
// local practice; configurable by editing the rule set).
const SmallClaimLimitFen int64 = 50_000_000

// DefaultRuleSet is version 1 of the triage rules a court starts from,
// modelled on 渝水's teams and 贵阳's fast/ordinary split (DOMAIN §1.2, FLOW-5,
// SCENARIOS S5). Order matters: special teams first, then the financial
// team, then the two fast-lane rules, then the default.
func DefaultRuleSet() RuleSet {
	return RuleSet{Version: 1, Rules: []Rule{
		{
			ID:   "preservation",
			Name: "财产保全执行",
			When: `case_type == "preservation_enforcement"`,
			Lane: LanePreservation,
			Note: "FLOW-5：财产保全执行（执保）案件由执保团队办理（渝水设执保团队）。保全要快、要准，不与首执案件混排。",
		},
		{
			ID:   "restoration_objection",
			Name: "恢复、异议、复议、监督审查",
			When: `case_type in ["restored_enforcement", "objection", "review", "supervision"]`,
			Lane: LaneRestorationObjection,
			Note: "FLOW-5、FLOW-11：恢复执行、执行异议、执行复议和执行监督案件由恢复异议审查团队办理；" +
				"恢复执行由专人审查、按规则分配，不按习惯退回原承办人（贵阳）。",
		},
		{
			ID:   "financial",
			Name: "金融机构申请",
			When: `case_type == "first_enforcement" && applicant_is_financial`,
			Lane: LaneFinancial,
			Note: "FLOW-5：金融机构申请执行的首执案件（多为批量金融借款）集中由金融团队办理（渝水）。" +
				"本规则排在快执规则之前，小额金融案件也进金融团队。",
		},
		{
			ID:   "fast_assets",
			Name: "存款足额快执",
			When: `case_type == "first_enforcement" && !non_money && claim_amount_fen > 0 && assets_found_fen >= claim_amount_fen`,
			Lane: LaneFast,
			Note: "FLOW-4、FLOW-5：立案查控已查到足额存款，冻结、扣划即可执行完毕（合肥约两成首执案件如此；三水冻结后两日到账），" +
				"不论标的额大小都进速执团队。有非金钱给付内容的不适用。",
		},
		{
			ID:   "fast_small",
			Name: "小额快执",
			When: `case_type == "first_enforcement" && claim_amount_fen <= 50_000_000 && !non_money` +
				` && debtor_kind in ["person", "organization"] && respondent_count <= 2`,
			Lane: LaneFast,
			Note: "FLOW-5（贵阳快执、渝水速执小标）：标的额不超过 50 万元、只有金钱给付、被执行人不超过 2 个且同为自然人或同为单位的首执案件，" +
				"案情简单，进速执团队。执前调解失败（FLOW-2）不排除快执：调解记录随案移交承办人参考；" +
				"如要排除，可加条件 mediation_outcome != \"failed\"。",
		},
		{
			ID:   "ordinary",
			Name: "普通执行",
			When: "",
			Lane: LaneOrdinary,
			Note: "FLOW-5：其余案件（标的大、被执行人多或类型混合、有非金钱给付、执行协调与请示等）进普执团队，需要调查、处置。",
		},
	}}
}
