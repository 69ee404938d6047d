package legal

import (
	"fmt"
	"slices"
	"strings"
)

// Sanctions against a debtor who does not perform (DOMAIN.md §7): the 失信
// list (《最高人民法院关于公布失信被执行人名单信息的若干规定》, 法释〔2013〕17号,
// 2017 rev.) and the consumption restriction (《最高人民法院关于限制被执行人
// 高消费及有关消费的若干规定》, 法释〔2010〕8号, 2015 rev.). This file holds the
// pure rules: grounds, the minor exclusion, grace and term arithmetic, the
// SX-5 deletion period and the XG-5 check. The values DOMAIN.md tags C come
// in SanctionRules, read by the caller from the court's rule parameters.

// DishonestGround is one ground of SX-1 (Art.1 items (1)–(6)).
type DishonestGround int

// The SX-1 grounds.
const (
	GroundRefuses      DishonestGround = 1 // (1) able to perform but refuses
	GroundObstructs    DishonestGround = 2 // (2) obstructs by forgery, violence or threat
	GroundEvades       DishonestGround = 3 // (3) evades by sham suits or hidden assets
	GroundReportDuty   DishonestGround = 4 // (4) breaches the property-reporting duty
	GroundBreachesBan  DishonestGround = 5 // (5) breaches a 限制消费令
	GroundBreaksSettle DishonestGround = 6 // (6) breaks a settlement without cause
)

var groundLabels = map[DishonestGround]string{
	GroundRefuses:      "有履行能力而拒不履行生效法律文书确定义务",
	GroundObstructs:    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
	GroundEvades:       "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
	GroundReportDuty:   "违反财产报告制度",
	GroundBreachesBan:  "违反限制消费令",
	GroundBreaksSettle: "无正当理由拒不履行执行和解协议",
}

// Label is the ground's wording in Art.1.
func (g DishonestGround) Label() string { return groundLabels[g] }

// DishonestGrounds lists the grounds in the order of Art.1.
func DishonestGrounds() []DishonestGround {
	return []DishonestGround{GroundRefuses, GroundObstructs, GroundEvades, GroundReportDuty, GroundBreachesBan, GroundBreaksSettle}
}

// SanctionRules are the configurable values of SX-3, SX-4 and SX-6
// (DOMAIN.md tags them C).
type SanctionRules struct {
	TermYears          int // SX-3: term for grounds (2)–(6) (2)
	ExtraMinYears      int // SX-3: extension for serious cases or several grounds, least (1)
	ExtraMaxYears      int // SX-3: … most (3)
	GraceMinMonths     int // SX-4: grace period before publication, least (1)
	GraceMaxMonths     int // SX-4: … most (3)
	CorrectionDays     int // SX-6: a correction request decided within (15)
	CorrectWorkingDays int // SX-6: a correction made within working days (3)
	ReviewFileDays     int // SX-6: 复议 asked within days of service (10)
	ReviewDecideDays   int // SX-6: 复议 decided within (15)
}

// DefaultSanctionRules are DOMAIN.md's seeded values.
var DefaultSanctionRules = SanctionRules{TermYears: 2, ExtraMinYears: 1, ExtraMaxYears: 3, GraceMinMonths: 1, GraceMaxMonths: 3,
	CorrectionDays: 15, CorrectWorkingDays: 3, ReviewFileDays: 10, ReviewDecideDays: 15}

// ParseGrounds reads SX-1 grounds written as digits 1–6 separated by spaces
// or commas; they come back sorted without repeats. None, or anything else,
// is an error.
func ParseGrounds(s string) ([]DishonestGround, error) {
	var out []DishonestGround
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '，' || r == '、' }) {
		if len(f) != 1 || f[0] < '1' || f[0] > '6' {
			return nil, fmt.Errorf("失信情形“%s”不存在；应为 1 至 6（SX-1）", truncateRunes(f, 10))
		}
		g := DishonestGround(f[0] - '0')
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("请至少选择一项纳入失信名单的情形（SX-1）")
	}
	slices.Sort(out)
	return out, nil
}

// FormatGrounds writes grounds as ParseGrounds reads them ("1 4").
func FormatGrounds(gs []DishonestGround) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = fmt.Sprint(int(g))
	}
	return strings.Join(parts, " ")
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// AgeOn is the age in whole years on day on of a person born on birth: the
// birthday itself counts (born 2008-03-01 is 18 on 2026-03-01; born on
// 29 February turns a year older on 1 March in common years).
func AgeOn(birth, on Date) int {
	age := on.Year() - birth.Year()
	if on.Month() < birth.Month() || on.Month() == birth.Month() && on.Day() < birth.Day() {
		age--
	}
	return age
}

// AdultAge is the age of majority (《民法典》 Art.17).
const AdultAge = 18

// CheckNotMinor refuses a 失信 listing of a person who is a minor on the
// listing day (SX-2: never minors), the age read from the resident ID
// number's birth date (IDC-1, IDC-3). A number whose birth date cannot be
// read (a foreigner's permanent-residence number, IDC-4, or a malformed one)
// is refused too: the exclusion cannot be ruled out.
func CheckNotMinor(idNumber string, on Date) error {
	if strings.TrimSpace(idNumber) == "" {
		return fmt.Errorf("被执行人没有登记身份证号码，无法核实其是否成年；未成年人不得纳入失信名单（SX-2）")
	}
	id, err := ParseResidentID(idNumber, on)
	if err != nil || id.FormatOnly || id.Birth.IsZero() {
		return fmt.Errorf("无法从被执行人的证件号码读出出生日期，不能核实其是否成年；未成年人不得纳入失信名单（SX-2）")
	}
	if age := AgeOn(id.Birth, on); age < AdultAge {
		return fmt.Errorf("被执行人出生于 %s，至 %s 未满 18 周岁（%d 岁），系未成年人，不得纳入失信名单（SX-2）", id.Birth, on, age)
	}
	return nil
}

// CheckGrace checks an SX-4 grace period of months (0: none) against the
// bounds in r.
func CheckGrace(months int, r SanctionRules) error {
	if months == 0 {
		return nil
	}
	if months < r.GraceMinMonths || months > r.GraceMaxMonths {
		return fmt.Errorf("宽限期应为 %d 至 %d 个月，或不设宽限期（SX-4）", r.GraceMinMonths, r.GraceMaxMonths)
	}
	return nil
}

// PublishOn is the day a 失信 listing or a 限消 order decided on decided
// is published after a grace period of months (SX-4; PER-3 month arithmetic).
func PublishOn(decided Date, months int) Date { return decided.AddMonths(months) }

// DishonestTerm is a listing's term under SX-3.
type DishonestTerm struct {
	Years int  // 0 with Fixed false: no fixed term
	Fixed bool // false: ground (1) alone, listed until performance (SX-3)
}

// ComputeDishonestTerm is the term of a listing on grounds gs with extra
// years for a serious case or several grounds (SX-3): ground (1) alone has
// no fixed term and takes no extra years; any of grounds (2)–(6) gives
// r.TermYears, plus extra years in [r.ExtraMinYears, r.ExtraMaxYears] when
// the case is serious or there are several grounds.
func ComputeDishonestTerm(gs []DishonestGround, serious bool, extra int, r SanctionRules) (DishonestTerm, error) {
	if len(gs) == 0 {
		return DishonestTerm{}, fmt.Errorf("请至少选择一项纳入失信名单的情形（SX-1）")
	}
	fixed := slices.ContainsFunc(gs, func(g DishonestGround) bool { return g != GroundRefuses })
	switch {
	case extra < 0:
		return DishonestTerm{}, fmt.Errorf("延长的年数不能为负数（SX-3）")
	case extra > 0 && !fixed:
		return DishonestTerm{}, fmt.Errorf("仅因有履行能力而拒不履行纳入失信名单的，不设固定期限，不能延长（SX-3）")
	case extra > 0 && !serious && len(gs) < 2:
		return DishonestTerm{}, fmt.Errorf("只有情节严重或具有多项失信行为的，才可以延长失信期限（SX-3）")
	case extra > 0 && (extra < r.ExtraMinYears || extra > r.ExtraMaxYears):
		return DishonestTerm{}, fmt.Errorf("失信期限可延长 %d 至 %d 年（SX-3）", r.ExtraMinYears, r.ExtraMaxYears)
	}
	if !fixed {
		return DishonestTerm{}, nil
	}
	return DishonestTerm{Years: r.TermYears + extra, Fixed: true}, nil
}

// EndsOn is the last day of a fixed term published on published (PER-3):
// the day before the same date Years later. The zero Date when the term is
// not fixed.
func (t DishonestTerm) EndsOn(published Date) Date {
	if !t.Fixed {
		return Date{}
	}
	return published.AddYears(t.Years).AddDays(-1)
}

// DeletionWorkingDays is the SX-5 period: a listing is deleted within 3
// working days of a trigger (Art.10; firm, not configurable).
const DeletionWorkingDays = 3

// EmptyRequeriesForDeletion is ZB-11: at least this many empty re-queries
// after 终本 (and no valid lead) call for 失信 deletion.
const EmptyRequeriesForDeletion = 2

// DeletionDue is the last day for deleting a listing whose SX-5 trigger
// occurred on trigger: 3 working days after it, counted with the court
// calendar (PER-1, PER-5: make-up workdays count when rules.MakeupCounts).
func DeletionDue(cal *Calendar, trigger Date, rules PeriodRules) Date {
	return cal.WorkingDaysEnd(trigger, DeletionWorkingDays, rules)
}

// CheckRestrictionBeforeClosure is XG-5: the 限高 start date must be before
// the 结案 date of a case closed as 终本. start is the day the restriction
// took effect (published, after any grace period).
func CheckRestrictionBeforeClosure(start, closed Date) error {
	if !start.Before(closed) {
		return fmt.Errorf("限制消费令自 %s 起生效，不早于终本结案日期 %s（XG-5）", start, closed)
	}
	return nil
}

// CorrectionDecideBy is the SX-6 last day for deciding a correction request
// filed on filed (calendar days, PER-1, PER-2).
func CorrectionDecideBy(cal *Calendar, filed Date, r SanctionRules) Date {
	return cal.DaysPeriodEnd(filed, r.CorrectionDays)
}

// CorrectBy is the SX-6 last day for making a correction decided on decided.
func CorrectBy(cal *Calendar, decided Date, r SanctionRules, p PeriodRules) Date {
	return cal.WorkingDaysEnd(decided, r.CorrectWorkingDays, p)
}

// ReviewFileBy is the SX-6 last day for asking 复议 of a correction decision
// served on served.
func ReviewFileBy(cal *Calendar, served Date, r SanctionRules) Date {
	return cal.DaysPeriodEnd(served, r.ReviewFileDays)
}

// ReviewDecideBy is the SX-6 last day for deciding a 复议 filed on filed.
func ReviewDecideBy(cal *Calendar, filed Date, r SanctionRules) Date {
	return cal.DaysPeriodEnd(filed, r.ReviewDecideDays)
}
