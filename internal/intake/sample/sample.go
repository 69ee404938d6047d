// Package sample makes realistic, valid enforcement applications for tests,
// benchmarks (zhixing bench) and demonstration data: parties with correct resident ID numbers and credit
// codes, a basis, a claim and a complete materials checklist. Everything is
// derived from an integer seed, so a test can make thousands of distinct
// applications deterministically.
package sample

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/legal"
)

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
var given = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建国", "志强", "桂英", "玉兰", "海燕", "晓东", "文博", "子涵", "欣怡", "浩然", "梓萱"}
var firms = []string{"建筑工程", "商贸", "物业管理", "装饰设计", "机械制造", "电子科技", "餐饮管理", "物流", "置业", "纺织"}

// Person returns a natural person with a valid resident ID (IDC-1).
func Person(seed int) intake.PartyInput {
	name := string(surnames[seed%len(surnames)]) + given[(seed/len(surnames))%len(given)]
	birth := legal.NewDate(1950+seed%50, time.January, 1).AddDays((seed * 37) % 365)
	return intake.PartyInput{Kind: intake.Person, Name: name, IDNumber: legal.MakeResidentID("440607", birth, seed%1000),
		Phone: fmt.Sprintf("139%08d", seed%100000000), Address: fmt.Sprintf("佛山市三水区西南街道%d号", seed%500+1)}
}

// Organization returns a company with a valid credit code (USCC-1, -2).
func Organization(seed int) intake.PartyInput {
	return intake.PartyInput{Kind: intake.Organization, Name: fmt.Sprintf("佛山市三水区%s%s有限公司", cityWord(seed), firms[seed%len(firms)]),
		CreditCode: legal.MakeCreditCode('9', '1', "440607", fmt.Sprintf("MA%06d", seed%1000000)),
		LegalRep:   Person(seed + 7).Name, Phone: fmt.Sprintf("0757-8%07d", seed%10000000), Address: fmt.Sprintf("佛山市三水区云东海街道%d号", seed%300+1)}
}

func cityWord(seed int) string {
	words := []string{"恒达", "顺丰", "宏图", "金盛", "华信", "瑞丰", "永安", "嘉禾", "东成", "创新", "立信", "佳美"}
	return words[seed%len(words)] + words[(seed/len(words))%len(words)]
}

// Bank returns a financial-institution applicant.
func Bank(seed int) intake.PartyInput {
	p := Organization(seed)
	p.Name = fmt.Sprintf("某某银行股份有限公司佛山%d支行", seed%50+1)
	p.Financial = true
	return p
}

// Application returns a valid first-time enforcement application of court:
// a person against a company or a person, on a judgment with every required
// material received.
func Application(court uuid.UUID, seed int) intake.ApplicationInput {
	resp := Person(seed*2 + 1)
	if seed%3 == 0 {
		resp = Organization(seed)
	}
	effective := legal.Today(time.Now()).AddDays(-30 - seed%300)
	return intake.ApplicationInput{
		CourtID:     court,
		CaseType:    "first_enforcement",
		Applicants:  []intake.PartyInput{Person(seed * 2)},
		Respondents: []intake.PartyInput{resp},
		Basis: intake.BasisInput{Kind: "judgment", DocumentNo: fmt.Sprintf("（%d）粤0607民初%d号", effective.Year(), seed+1),
			IssuedBy: "佛山市三水区人民法院", EffectiveDate: effective, DueDate: effective.AddDays(10)},
		ClaimAmountFen: int64(1_000_00 + (seed*7919)%50_000_000),
		Materials:      AllMaterials("judgment"),
		Channel:        "api",
	}
}

// AllMaterials marks every required material of a basis kind received.
func AllMaterials(basisKind string) []intake.MaterialInput {
	codes := []string{"application", "applicant_identity", "basis_copy", "service_address", "payee_account"}
	switch basisKind {
	case "judgment":
		codes = append(codes, "effectiveness_certificate")
	case "notarized_debt":
		codes = append(codes, "enforcement_certificate")
	}
	out := make([]intake.MaterialInput, len(codes))
	for i, c := range codes {
		out[i] = intake.MaterialInput{Code: c, Received: true, Copies: 1}
	}
	return out
}
