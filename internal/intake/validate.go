package intake

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// MaxClaimFen bounds a claimed amount: ¥100,000,000,000 (一千亿元). Anything
// larger is taken for a typing error.
const MaxClaimFen int64 = 10_000_000_000_000

// maxParties bounds applicants and respondents of one application each.
const maxParties = 50

func text(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	return s, utf8.RuneCountInString(s) <= max
}

// validParty checks and normalises one party and returns its identity
// number and whether it passed its checks (false: accepted by override,
// ID-OVR-1; the warning is derived from the stored party).
func validParty(pr *apperr.Problems, field string, in *PartyInput, today legal.Date) (idNumber string, checked bool) {
	var ok bool
	if in.Name, ok = text(in.Name, 100); !ok || in.Name == "" {
		pr.Add("invalid_party_name", field+".name", "当事人名称不能为空，且不超过 100 个字")
	}
	if in.LegalRep, ok = text(in.LegalRep, 50); !ok {
		pr.Add("invalid_legal_rep", field+".legal_rep", "法定代表人或负责人姓名不超过 50 个字")
	}
	if in.Address, ok = text(in.Address, 200); !ok {
		pr.Add("invalid_address", field+".address", "地址不超过 200 个字")
	}
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Phone != "" && !validPhone(in.Phone) {
		pr.Add("invalid_phone", field+".phone", "联系电话“"+in.Phone+"”格式不正确")
	}
	in.Override, in.OverrideNote = strings.TrimSpace(in.Override), strings.TrimSpace(in.OverrideNote)
	if in.Override != "" {
		known := false
		for _, r := range overrideReasons {
			known = known || r.Code == in.Override
		}
		if !known {
			pr.Add("invalid_id_override", field+".id_override", "证件号码例外原因“"+in.Override+"”不存在")
			return "", false
		}
		if in.OverrideNote == "" {
			pr.Add("invalid_id_override", field+".id_override_note", "按例外保存证件号码时必须写明理由（ID-OVR-1）")
		}
	}
	var raw, idField string
	var parse func() error
	switch in.Kind {
	case Person:
		raw, idField = in.IDNumber, field+".id_number"
		if strings.TrimSpace(in.CreditCode) != "" {
			pr.Add("invalid_party", field+".credit_code", "自然人应填写身份证号码，而不是统一社会信用代码")
		}
		parse = func() error {
			id, err := legal.ParseResidentID(raw, today)
			idNumber = id.Number
			return err
		}
	case Organization:
		raw, idField = in.CreditCode, field+".credit_code"
		if in.LegalRep == "" {
			pr.Add("missing_legal_rep", field+".legal_rep", "单位当事人须填写法定代表人或负责人")
		}
		parse = func() error {
			c, err := legal.ParseCreditCode(raw)
			idNumber = c.Code
			return err
		}
	default:
		pr.Add("invalid_party_kind", field+".kind", "当事人类型应为 person（自然人）或 organization（单位）")
		return "", false
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if in.Override != "no_number" {
			pr.Add("missing_id_number", idField, "请填写证件号码；确无号码的，选择例外原因“无证件号码”并写明理由")
		}
		return "", false
	}
	if err := parse(); err != nil {
		if in.Override == "" {
			pr.AddErr(idField, err)
			return "", false
		}
		// ID-OVR-1: saved as typed (normalised only), flagged for review.
		idNumber = normaliseID(raw)
		if len(idNumber) > 30 {
			pr.Add("invalid_id_number", idField, "证件号码过长")
		}
		return idNumber, false
	}
	return idNumber, true
}

func normaliseID(s string) string {
	s = norm.NFKC.String(s)
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, s))
}

func validPhone(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == '-' || r == '+' || r == ' ' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return n >= 7 && n <= 20
}

// basisKey normalises a basis document number for duplicate detection: a case
// number in its canonical form (CASENO-3), anything else without spaces,
// with ASCII digits and one bracket style.
func basisKey(doc string) string {
	if n, err := legal.ParseCaseNo(doc); err == nil {
		return n.String()
	}
	s := norm.NFKC.String(doc)
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '(' || r == '[' || r == '〔' || r == '［':
			return '（'
		case r == ')' || r == ']' || r == '〕' || r == '］':
			return '）'
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

func validBasis(pr *apperr.Problems, b *BasisInput, receivedOn legal.Date) {
	known := false
	for _, k := range basisKinds {
		known = known || k.Code == b.Kind
	}
	if !known {
		pr.Add("invalid_basis_kind", "body.basis.kind", "执行依据类型应为 judgment、mediation、arbitration、notarized_debt 或 other")
	}
	var ok bool
	if b.DocumentNo, ok = text(b.DocumentNo, 100); !ok || b.DocumentNo == "" {
		pr.Add("invalid_basis_document_no", "body.basis.document_no", "请填写执行依据的文书编号（不超过 100 个字）")
	}
	if b.IssuedBy, ok = text(b.IssuedBy, 100); !ok || b.IssuedBy == "" {
		pr.Add("invalid_basis_issued_by", "body.basis.issued_by", "请填写作出执行依据的机构（不超过 100 个字）")
	}
	switch {
	case b.EffectiveDate.IsZero():
		pr.Add("invalid_date", "body.basis.effective_date", "请填写执行依据的生效日期")
	case b.EffectiveDate.After(receivedOn):
		pr.Add("invalid_date_order", "body.basis.effective_date", "生效日期 "+b.EffectiveDate.String()+" 晚于收到申请的日期 "+receivedOn.String())
	}
	if !b.DueDate.IsZero() && !b.EffectiveDate.IsZero() && b.DueDate.Before(b.EffectiveDate) {
		pr.Add("invalid_date_order", "body.basis.performance_due_date", "履行期限届满日 "+b.DueDate.String()+" 早于生效日期 "+b.EffectiveDate.String())
	}
}

func validAmount(pr *apperr.Problems, fen int64, nonMoney string) {
	switch {
	case fen < 0:
		pr.Add("invalid_amount", "body.claim_amount_fen", "申请执行金额不能为负数")
	case fen > MaxClaimFen:
		pr.Add("invalid_amount", "body.claim_amount_fen", "申请执行金额超过一千亿元，请核对单位（金额以分为单位）")
	case fen == 0 && strings.TrimSpace(nonMoney) == "":
		pr.Add("invalid_amount", "body.claim_amount_fen", "请填写申请执行金额，或写明非金钱给付内容")
	}
	if utf8.RuneCountInString(nonMoney) > 2000 {
		pr.Add("invalid_non_money_claims", "body.non_money_claims", "非金钱给付内容不超过 2000 个字")
	}
}
