package legal

// Exemption (TERM-6, firm, C): property that may not be seized, frozen or
// taken, or only after leaving what the debtor and their dependants need to
// live. 《关于人民法院民事执行中查封、扣押、冻结财产的规定》 Art.3; CPL 2023
// Art.254 (check). ExemptReason flags an asset an agency reported so that the
// handler sees why it must not (or not wholly) be taken; the decision stays
// the handler's.
//
// attrs are the agency's attributes of the asset. The keys read:
//   - "use": "household_necessity" (家庭生活必需品), "school" (学习用品),
//     "disability_aid" (残疾人辅助工具), "medal" (勋章及荣誉物品),
//     "unpublished_work" (未公开的发明或作品)
//   - "only_home": "true" for a natural person's only dwelling
func ExemptReason(assetKind string, person bool, attrs map[string]string) string {
	switch attrs["use"] {
	case "household_necessity":
		return "被执行人及其所扶养家属生活所必需的衣服、家具、炊具、餐具及其他家庭生活必需物品，不得查封、扣押、冻结（TERM-6）"
	case "school":
		return "被执行人及其所扶养家属完成义务教育所必需的物品，不得查封、扣押、冻结（TERM-6）"
	case "disability_aid":
		return "被执行人及其所扶养家属所必需的残疾人辅助工具、医疗物品，不得查封、扣押、冻结（TERM-6）"
	case "medal":
		return "被执行人所得的勋章及其他荣誉表彰物品，不得查封、扣押、冻结（TERM-6）"
	case "unpublished_work":
		return "未公开的发明或者未发表的著作，不得查封、扣押、冻结（TERM-6）"
	}
	if !person {
		return ""
	}
	switch assetKind {
	case "real_estate":
		if attrs["only_home"] == "true" {
			return "被执行人唯一住房：须保障被执行人及其所扶养家属维持生活必需的居住房屋（TERM-6）"
		}
	case "social_security":
		return "社会保险待遇：扣划时须保留被执行人及其所扶养家属的生活必需费用，按当地最低生活保障标准确定（TERM-6）"
	}
	return ""
}
