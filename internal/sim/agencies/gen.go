package agencies

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// hold is an asset as the simulator keeps it: what an inquiry reports, plus
// the controls other courts placed on it before the simulation began (they
// are never lifted: the simulator plays no other court).
type hold struct {
	agency.Holding
	priorFen   int64 // money frozen by other courts
	priorCount int   // controls of other courts on the asset (ranks ahead)
}

// registry is the agency whose register an asset lives in: the agency
// itself, or for an agency that only carries out controls (佛山市不动产登记中心)
// the agency that answers the inquiries of that kind (the national registry).
type registry struct {
	Code   string
	Name   string
	Region string
}

// stream returns a PRNG determined by seed and parts: the source of every
// generated fact, so that the same subject always holds the same assets.
func stream(seed uint64, parts ...string) *rand.Rand {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// hashHex is a short stable hexadecimal digest of parts, for references.
func hashHex(seed uint64, n int, parts ...string) string {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return strings.ToUpper(fmt.Sprintf("%x", h.Sum(nil))[:n])
}

// logUniform draws an amount between lo and hi (fen) whose logarithm is
// uniform: small balances are common, large ones rare. The float is only the
// random draw; the amount is whole fen.
func logUniform(r *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	v := int64(math.Round(float64(lo) * math.Exp(r.Float64()*math.Log(float64(hi)/float64(lo)))))
	return min(max(v, lo), hi)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// luhn appends the Luhn check digit to a card number's digits.
func luhn(s string) string {
	sum := 0
	double := true
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return s + strconv.Itoa((10-sum%10)%10)
}

func date(r *rand.Rand, fromYear, toYear int) string {
	y := fromYear + r.IntN(toYear-fromYear+1)
	return legal.NewDate(y, time.January, 1).AddDays(r.IntN(365)).String()
}

func personName(r *rand.Rand) string {
	n := pick(r, surnames) + pick(r, givenChars)
	if chance(r, 0.7) {
		n += pick(r, givenChars)
	}
	return n
}

// residentID makes a well-formed resident identity number (check digit
// included) of someone born in 佛山.
func residentID(r *rand.Rand) string {
	div := pick(r, []string{"440602", "440604", "440605", "440606", "440607", "440608"})
	birth := legal.NewDate(1955+r.IntN(45), time.January, 1).AddDays(r.IntN(365))
	s := div + fmt.Sprintf("%04d%02d%02d", birth.Year(), int(birth.Month()), birth.Day()) + digits(r, 3)
	return s + string(residentCheck(s))
}

// residentCheck is the GB 11643 check character of 17 digits.
func residentCheck(s string) byte {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

const usccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode makes a well-formed unified social credit code of a company
// registered in 佛山.
func creditCode(r *rand.Rand, division string) string {
	b := []byte("91" + division)
	for range 8 { // the GB 11714 organisation code, then its check character
		b = append(b, usccCharset[r.IntN(len(usccCharset))])
	}
	ow := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	osum := 0
	for i, c := range b[8:16] {
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		osum += v * ow[i]
	}
	switch oc := 11 - osum%11; oc {
	case 10:
		b = append(b, 'X')
	case 11:
		b = append(b, '0')
	default:
		b = append(b, byte('0'+oc))
	}
	w := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(usccCharset, b[i]) * w[i]
	}
	return string(b) + string(usccCharset[(31-sum%31)%31])
}

var districtCodes = map[string]string{"禅城区": "440604", "南海区": "440605", "顺德区": "440606", "三水区": "440607", "高明区": "440608"}

func companyName(r *rand.Rand) (name, division string) {
	d := pick(r, foshan.Districts)
	return "佛山市" + d.Name + pick(r, companyWords) + pick(r, industries) + "有限公司", districtCodes[d.Name]
}

func address(r *rand.Rand, c city) (district, full string) {
	d := pick(r, c.Districts)
	return d.Name, fmt.Sprintf("%s%s%s%s%d号%s%d座%d%02d房", "广东省", c.Name, d.Name, pick(r, d.Roads), 1+r.IntN(300),
		pick(r, d.Compounds), 1+r.IntN(20), 2+r.IntN(30), 1+r.IntN(6))
}

func maskedPhone(r *rand.Rand) string {
	c := pick(r, carriers)
	return pick(r, c.Prefixes) + "****" + digits(r, 4)
}

// yuan formats fen as yuan with two decimals and thousands separators.
func yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := fmt.Sprintf("%s.%02d", b.String(), fen%100)
	if neg {
		return "-" + out
	}
	return out
}

// balanceKind reports whether assets of kind k are balances the agency can
// freeze part of: money (deposits, payment accounts) and the redeemable
// balances it can also deduct from (wealth products, housing fund).
func balanceKind(k agency.Kind) bool {
	i, _ := agency.Info(k)
	return i.Money || i.Deduct
}

// generate returns the assets subject id holds of kind k in registry reg:
// a pure function of its arguments.
func generate(seed uint64, reg registry, k agency.Kind, id string, person bool) []hold {
	r := stream(seed, "holdings", reg.Code, string(k), id)
	g := generator{r: r, reg: reg, kind: k, person: person}
	switch k {
	case agency.BankDeposit:
		return g.deposits()
	case agency.BankWealth:
		return g.wealth()
	case agency.Securities:
		return g.securities()
	case agency.Alipay, agency.Tenpay:
		return g.payment()
	case agency.InternetBank:
		return g.internetBank()
	case agency.RealEstate:
		return g.realEstate()
	case agency.Vehicle:
		return g.vehicles()
	case agency.Ship, agency.FishingBoat:
		return g.vessels()
	case agency.Equity:
		return g.equity()
	case agency.Marriage:
		return g.marriage()
	case agency.Identity:
		return g.identity(id)
	case agency.SocialSecurity:
		return g.socialSecurity()
	case agency.HousingFund:
		return g.housingFund()
	case agency.Tax:
		return g.tax(id)
	case agency.Insurance:
		return g.insurance()
	case agency.Phone:
		return g.phones()
	}
	return nil // person_trace answers with a Location, not holdings
}

type generator struct {
	r      *rand.Rand
	reg    registry
	kind   agency.Kind
	person bool
}

func (g generator) hold(ref, inst, desc string, value int64, attrs map[string]string) hold {
	return hold{Holding: agency.Holding{Ref: ref, Kind: g.kind, Institution: inst, Description: desc, ValueFen: value, AvailableFen: value, Attributes: attrs}}
}

// prior gives a money asset a freeze by another court with probability p.
func (g generator) prior(h *hold, p float64) {
	if !chance(g.r, p) || h.ValueFen == 0 {
		return
	}
	h.priorFen = h.ValueFen * int64(30+g.r.IntN(71)) / 100
	h.priorCount = 1
	h.AvailableFen = h.ValueFen - h.priorFen
}

// priorSeizure gives a non-money asset a control by another court.
func (g generator) priorSeizure(h *hold, p float64) {
	if chance(g.r, p) {
		h.priorCount = 1
		h.AvailableFen = 0
	}
}

func (g generator) bankBranch() string {
	if p, ok := bankPrefix[g.reg.Code]; ok {
		return p + strings.TrimSuffix(pick(g.r, foshan.Districts).Name, "区") + "支行"
	}
	if g.reg.Code == "gdrcu" {
		return pick(g.r, ruralBanks) + pick(g.r, []string{"营业部", "城区支行", "中心支行"})
	}
	return g.reg.Name
}

func (g generator) accountNo() string {
	if g.person {
		p, ok := cardPrefix[g.reg.Code]
		if !ok {
			p = "621" + digits(g.r, 3)
		}
		return luhn(p + digits(g.r, 12))
	}
	p, ok := orgAccountPrefix[g.reg.Code]
	if !ok {
		p = "4406" + digits(g.r, 2)
	}
	return p + digits(g.r, 13)
}

func (g generator) deposits() []hold {
	if !chance(g.r, 0.25) {
		return nil
	}
	n := 1
	if !g.person && chance(g.r, 0.3) {
		n = 2
	}
	out := make([]hold, 0, n)
	for i := range n {
		var bal int64
		var desc, typ string
		if g.person {
			bal = logUniform(g.r, 100_00, 300_000_00)
			desc, typ = "个人活期储蓄账户", "个人银行结算账户（I类）"
		} else {
			bal = logUniform(g.r, 1_000_00, 1_500_000_00)
			desc, typ = "单位基本存款账户", "基本存款账户"
			if i > 0 {
				desc, typ = "单位一般存款账户", "一般存款账户"
			}
		}
		h := g.hold(g.accountNo(), g.bankBranch(), desc, bal, map[string]string{
			"account_type": typ, "currency": "人民币", "opened": date(g.r, 2003, 2024),
		})
		g.prior(&h, 0.06)
		out = append(out, h)
	}
	return out
}

func (g generator) wealth() []hold {
	p := 0.06
	if !g.person {
		p = 0.08
	}
	if !chance(g.r, p) {
		return nil
	}
	lo, hi := int64(10_000_00), int64(1_000_000_00)
	if !g.person {
		lo, hi = 100_000_00, 10_000_000_00
	}
	short := strings.TrimSuffix(strings.TrimPrefix(bankPrefix[g.reg.Code], "中国"), "佛山")
	if short == "" {
		short = g.reg.Name
	}
	product := fmt.Sprintf("%s理财·%s%d号", short, pick(g.r, wealthWords), 1+g.r.IntN(30))
	h := g.hold("WM"+digits(g.r, 14), g.bankBranch(), "理财产品份额："+product, logUniform(g.r, lo, hi), map[string]string{
		"product": product, "product_type": pick(g.r, []string{"固定收益类净值型", "现金管理类", "混合类净值型"}), "bought": date(g.r, 2020, 2024),
	})
	g.prior(&h, 0.03)
	return []hold{h}
}

func (g generator) securities() []hold {
	p := 0.12
	if !g.person {
		p = 0.06
	}
	if !chance(g.r, p) {
		return nil
	}
	market, ref := "上海证券交易所", "A"+digits(g.r, 9)
	if chance(g.r, 0.5) {
		market, ref = "深圳证券交易所", "0"+digits(g.r, 9)
	}
	n := 1 + g.r.IntN(6)
	value := logUniform(g.r, 2_000_00, 2_000_000_00)
	h := g.hold(ref, pick(g.r, brokers), fmt.Sprintf("证券账户（%s），持有证券%d只", market, n), value, map[string]string{
		"market": market, "positions": strconv.Itoa(n), "opened": date(g.r, 2007, 2024),
	})
	g.priorSeizure(&h, 0.02)
	return []hold{h}
}

func (g generator) payment() []hold {
	p, lo, hi := 0.55, int64(1_00), int64(20_000_00)
	if !g.person {
		p, lo, hi = 0.15, 100_00, 200_000_00
	}
	if g.kind == agency.Tenpay {
		p, hi = p*0.9, hi/2
	}
	if !chance(g.r, p) {
		return nil
	}
	var ref, desc string
	if g.kind == agency.Alipay {
		ref, desc = "2088"+digits(g.r, 12), "支付宝账户余额"
	} else {
		ref, desc = "1"+digits(g.r, 9)+"@tenpay", "微信支付零钱"
		if !g.person {
			desc = "微信支付商户号可用余额"
		}
	}
	h := g.hold(ref, g.reg.Name, desc, logUniform(g.r, lo, hi), map[string]string{
		"login": maskedPhone(g.r), "verified": pick(g.r, []string{"已实名（II类）", "已实名（III类）"}), "opened": date(g.r, 2012, 2024),
	})
	g.prior(&h, 0.05)
	return []hold{h}
}

func (g generator) internetBank() []hold {
	p, lo, hi, desc := 0.10, int64(100_00), int64(500_000_00), "电子账户（II类）"
	if !g.person {
		p, lo, hi, desc = 0.15, 1_000_00, 2_000_000_00, "企业结算账户"
	}
	if !chance(g.r, p) {
		return nil
	}
	h := g.hold(g.accountNo(), g.reg.Name, desc, logUniform(g.r, lo, hi), map[string]string{
		"currency": "人民币", "opened": date(g.r, 2015, 2024),
	})
	g.prior(&h, 0.05)
	return []hold{h}
}

func (g generator) realEstate() []hold {
	p := 0.30
	if !g.person {
		p = 0.12
	}
	if !chance(g.r, p) {
		return nil
	}
	n := 1
	if chance(g.r, 0.2) || (!g.person && chance(g.r, 0.3)) {
		n = 2
	}
	out := make([]hold, 0, n)
	for range n {
		c := foshan
		if chance(g.r, 0.15) {
			c = pick(g.r, otherCities)
		}
		dist, addr := address(g.r, c)
		use, areaLo, areaHi, priceLo, priceHi := "住宅", 45_00, 180_00, c.PriceMin, c.PriceMax
		if !g.person {
			use = pick(g.r, []string{"工业", "商业", "办公"})
			areaLo, areaHi, priceLo, priceHi = 200_00, 5_000_00, c.PriceMin/3, c.PriceMax/2
		}
		area := int64(areaLo + g.r.IntN(areaHi-areaLo)) // hundredths of m²
		price := priceLo + g.r.Int64N(priceHi-priceLo)  // yuan per m²
		year := 2012 + g.r.IntN(13)
		cert := fmt.Sprintf("粤（%d）%s不动产权第%07d号", year, c.Name, g.r.IntN(10_000_000))
		mortgage := "无"
		if chance(g.r, 0.4) {
			mortgage = "已抵押（" + pick(g.r, []string{"中国建设银行佛山分行", "中国工商银行佛山分行", "广东顺德农村商业银行", "招商银行佛山分行"}) + "）"
		}
		h := g.hold(cert, c.Name+"不动产登记中心", fmt.Sprintf("%s %s，建筑面积%d.%02d平方米", addr, use, area/100, area%100), area*price, map[string]string{
			"address": addr, "city": c.Name, "district": dist, "area": fmt.Sprintf("%d.%02d", area/100, area%100), "use": use,
			"registered": date(g.r, year, year), "mortgage": mortgage, "unit_price_yuan": strconv.FormatInt(price, 10),
		})
		g.priorSeizure(&h, 0.05)
		out = append(out, h)
	}
	return out
}

func (g generator) plate(nev bool) string {
	letters := "ABCDEFGHJKLMNPQRSTUVWXYZ"
	city := pick(g.r, []string{"E", "E", "E", "X", "Y"})
	if nev {
		return "粤" + city + "·" + string("DF"[g.r.IntN(2)]) + digits(g.r, 5)
	}
	return "粤" + city + "·" + string(letters[g.r.IntN(len(letters))]) + digits(g.r, 4)
}

func (g generator) vin(wmi string) string {
	const cs = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
	b := []byte(wmi)
	for len(b) < 17 {
		b = append(b, cs[g.r.IntN(len(cs))])
	}
	return string(b)
}

func (g generator) vehicles() []hold {
	p := 0.22
	if !g.person {
		p = 0.30
	}
	if !chance(g.r, p) {
		return nil
	}
	n := 1
	if !g.person {
		n += g.r.IntN(3)
	} else if chance(g.r, 0.1) {
		n = 2
	}
	out := make([]hold, 0, n)
	for range n {
		m := pick(g.r, carModels)
		use := "非营运"
		if !g.person && chance(g.r, 0.6) {
			m, use = pick(g.r, truckModels), "货运"
		}
		year := 2012 + g.r.IntN(13)
		age := int64(2025 - year)
		value := m.Price * 100 * max(20, 100-12*age) / 100
		status := "正常"
		if chance(g.r, 0.15) {
			status = "抵押"
		}
		plate := g.plate(m.NewPower)
		h := g.hold(plate, "佛山市公安局交通警察支队车辆管理所", fmt.Sprintf("%s %s %s", plate, pick(g.r, colors), m.Name), value, map[string]string{
			"vin": g.vin(m.WMI), "model": m.Name, "registered": date(g.r, year, year), "use": use, "status": status,
		})
		g.priorSeizure(&h, 0.04)
		out = append(out, h)
	}
	return out
}

func (g generator) vessels() []hold {
	p := 0.003
	if !g.person {
		p = 0.02
	}
	if g.kind == agency.FishingBoat {
		p = 0.005
		if !g.person {
			p = 0.01
		}
	}
	if !chance(g.r, p) {
		return nil
	}
	if g.kind == agency.FishingBoat {
		name := "粤佛渔" + digits(g.r, 5)
		length := 8 + g.r.IntN(25)
		h := g.hold("4406"+digits(g.r, 10), "佛山市农业农村局", fmt.Sprintf("渔船“%s”，船长%d米", name, length), logUniform(g.r, 50_000_00, 1_500_000_00), map[string]string{
			"name": name, "length_m": strconv.Itoa(length), "power_kw": strconv.Itoa(30 + g.r.IntN(300)), "port": "佛山市顺德区容桂港",
			"built": strconv.Itoa(2000 + g.r.IntN(24)),
		})
		return []hold{h}
	}
	name := pick(g.r, []string{"粤佛山货", "顺航", "南海", "三水港"}) + strconv.Itoa(100+g.r.IntN(9000))
	tonnage := 200 + g.r.IntN(5000)
	typ := pick(g.r, shipTypes)
	h := g.hold("CN"+digits(g.r, 11), "佛山海事局", fmt.Sprintf("%s“%s”，总吨%d", typ, name, tonnage), logUniform(g.r, 300_000_00, 8_000_000_00), map[string]string{
		"name": name, "type": typ, "gross_tonnage": strconv.Itoa(tonnage), "port": "佛山", "built": strconv.Itoa(1998 + g.r.IntN(26)),
		"mmsi": "4130" + digits(g.r, 5),
	})
	g.priorSeizure(&h, 0.05)
	return []hold{h}
}

func (g generator) equity() []hold {
	p := 0.15
	if !g.person {
		p = 0.25
	}
	if !chance(g.r, p) {
		return nil
	}
	n := 1
	if chance(g.r, 0.25) {
		n = 2
	}
	if !g.person && chance(g.r, 0.2) {
		n = 3
	}
	out := make([]hold, 0, n)
	for range n {
		name, div := companyName(g.r)
		code := creditCode(g.r, div)
		capital := logUniform(g.r, 10, 5000) * 10_000_00 // whole ten thousands of yuan
		ratio := 5 + g.r.IntN(96)                        // percent
		if g.person && chance(g.r, 0.4) {
			ratio = 100
		}
		sub := capital * int64(ratio) / 100
		h := g.hold("GQ-"+code, "佛山市市场监督管理局", fmt.Sprintf("持有%s %d%%股权（认缴出资%s元）", name, ratio, yuan(sub)), sub, map[string]string{
			"company": name, "company_credit_code": code, "share_ratio": strconv.Itoa(ratio) + "%",
			"registered_capital_fen": strconv.FormatInt(capital, 10), "subscribed_fen": strconv.FormatInt(sub, 10),
			"established": date(g.r, 2000, 2024), "status": pick(g.r, []string{"存续", "存续", "存续", "吊销，未注销"}),
		})
		g.priorSeizure(&h, 0.04)
		out = append(out, h)
	}
	return out
}

func (g generator) marriage() []hold {
	u := g.r.Float64()
	if u >= 0.72 {
		return nil // never married
	}
	d := pick(g.r, foshan.Districts)
	year := 1995 + g.r.IntN(30)
	spouse := personName(g.r)
	spouseID := residentID(g.r)
	reg := "佛山市" + d.Name + "民政局婚姻登记处"
	if u < 0.62 {
		return []hold{g.hold(fmt.Sprintf("J%s-%d-%06d", districtCodes[d.Name], year, g.r.IntN(1_000_000)), reg, "结婚登记，配偶"+spouse, 0, map[string]string{
			"status": "已婚", "spouse_name": spouse, "spouse_id_number": spouseID, "registered": date(g.r, year, year), "registry": reg,
		})}
	}
	return []hold{g.hold(fmt.Sprintf("L%s-%d-%06d", districtCodes[d.Name], year, g.r.IntN(1_000_000)), reg, "离婚登记，原配偶"+spouse, 0, map[string]string{
		"status": "离婚", "former_spouse_name": spouse, "former_spouse_id_number": spouseID, "registered": date(g.r, year, year), "registry": reg,
	})}
}

func (g generator) identity(id string) []hold {
	d := pick(g.r, foshan.Districts)
	town := pick(g.r, d.Towns)
	addr := fmt.Sprintf("广东省佛山市%s%s%s%d号", d.Name, town, pick(g.r, d.Roads), 1+g.r.IntN(300))
	travel := "近三年无出入境记录"
	if chance(g.r, 0.25) {
		day := legal.MustDate(date(g.r, 2022, 2024))
		travel = fmt.Sprintf("%s经%s出境，%s入境", day, pick(g.r, []string{"拱北口岸", "罗湖口岸", "白云机场", "港珠澳大桥口岸"}), day.AddDays(2+g.r.IntN(20)))
	}
	return []hold{g.hold(id, "佛山市公安局"+strings.TrimSuffix(d.Name, "区")+"分局"+strings.TrimSuffix(strings.TrimSuffix(town, "街道"), "镇")+"派出所", "常住人口登记：户籍地址"+addr, 0, map[string]string{
		"household_address": addr, "ethnicity": pick(g.r, []string{"汉族", "汉族", "汉族", "壮族", "瑶族"}), "exit_entry": travel,
		"passport": pick(g.r, []string{"无", "持有普通护照", "持有往来港澳通行证"}),
	})}
}

func (g generator) socialSecurity() []hold {
	if !chance(g.r, 0.70) {
		return nil
	}
	employer, _ := companyName(g.r)
	h := g.hold("44"+digits(g.r, 16), "佛山市社会保险基金管理局", "职工基本养老保险个人账户", logUniform(g.r, 2_000_00, 150_000_00), map[string]string{
		"employer": employer, "insured_since": date(g.r, 2000, 2023), "status": pick(g.r, []string{"正常参保", "正常参保", "暂停缴费"}),
	})
	return []hold{h}
}

func (g generator) housingFund() []hold {
	if !chance(g.r, 0.45) {
		return nil
	}
	employer, _ := companyName(g.r)
	monthly := logUniform(g.r, 200_00, 5_000_00)
	h := g.hold("4406"+digits(g.r, 8), "佛山市住房公积金管理中心", "住房公积金个人账户", logUniform(g.r, 1_000_00, 200_000_00), map[string]string{
		"employer": employer, "monthly_deposit_fen": strconv.FormatInt(monthly, 10), "status": pick(g.r, []string{"正常缴存", "正常缴存", "封存"}),
		"opened": date(g.r, 2005, 2023),
	})
	return []hold{h}
}

func (g generator) tax(id string) []hold {
	d := pick(g.r, foshan.Districts)
	office := "国家税务总局佛山市" + d.Name + "税务局"
	if g.person {
		if !chance(g.r, 0.45) {
			return nil
		}
		employer, _ := companyName(g.r)
		income := logUniform(g.r, 30_000_00, 600_000_00)
		return []hold{g.hold(id, office, "个人所得税纳税记录（上一年度综合所得"+yuan(income)+"元）", 0, map[string]string{
			"taxable_income_last_year_fen": strconv.FormatInt(income, 10), "withholding_agent": employer, "tax_authority": office,
		})}
	}
	if !chance(g.r, 0.85) {
		return nil
	}
	revenue := logUniform(g.r, 100_000_00, 500_000_000_00)
	paid := revenue * int64(1+g.r.IntN(6)) / 100
	attrs := map[string]string{
		"revenue_last_year_fen": strconv.FormatInt(revenue, 10), "tax_paid_last_year_fen": strconv.FormatInt(paid, 10),
		"credit_rating": pick(g.r, []string{"A", "B", "B", "C", "M"}), "tax_authority": office,
	}
	if chance(g.r, 0.2) {
		attrs["arrears_fen"] = strconv.FormatInt(logUniform(g.r, 1_000_00, 2_000_000_00), 10)
	}
	return []hold{g.hold(id, office, "企业纳税记录（上一年度营业收入"+yuan(revenue)+"元）", 0, attrs)}
}

func (g generator) insurance() []hold {
	p := 0.30
	if !g.person {
		p = 0.05
	}
	if !chance(g.r, p) {
		return nil
	}
	n := 1
	if chance(g.r, 0.25) {
		n = 2
	}
	out := make([]hold, 0, n)
	for range n {
		ins := pick(g.r, insurers)
		product := pick(g.r, ins.Products)
		value := logUniform(g.r, 1_000_00, 200_000_00)
		h := g.hold("P"+digits(g.r, 17), ins.Name, product+"（投保人权益，现金价值"+yuan(value)+"元）", value, map[string]string{
			"insurer": ins.Name, "product": product, "role": "投保人", "annual_premium_fen": strconv.FormatInt(logUniform(g.r, 2_000_00, 100_000_00), 10),
			"effective": date(g.r, 2010, 2024),
		})
		g.priorSeizure(&h, 0.02)
		out = append(out, h)
	}
	return out
}

func (g generator) phones() []hold {
	if !chance(g.r, 0.92) {
		return nil
	}
	n := 1
	if chance(g.r, 0.3) {
		n = 2
	}
	out := make([]hold, 0, n)
	for range n {
		c := pick(g.r, carriers)
		num := pick(g.r, c.Prefixes) + digits(g.r, 8)
		out = append(out, g.hold(num, c.Name, "手机号码"+num+"（实名登记）", 0, map[string]string{
			"carrier": c.Name, "registered": date(g.r, 2008, 2024), "status": pick(g.r, []string{"正常", "正常", "正常", "停机", "欠费停机"}),
		}))
	}
	return out
}

// locate answers a person search: about one subject in five is found.
func locate(seed uint64, id string) agency.Location {
	r := stream(seed, "locate", id)
	if !chance(r, 0.20) {
		return agency.Location{Found: false, Note: "经公安机关查询，暂未发现被执行人下落"}
	}
	_, addr := address(r, foshan)
	how := pick(r, []string{"旅馆住宿登记", "暂住登记", "交通卡口记录", "网吧上网登记"})
	return agency.Location{Found: true, Address: addr, Note: "经公安机关查询，根据" + how + "，被执行人近期在上述地址出现"}
}
