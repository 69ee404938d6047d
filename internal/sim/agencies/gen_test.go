package agencies

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func newSim(t *testing.T, seed uint64) *Sim {
	t.Helper()
	s, err := New(Options{KeyID: testKeyID, Secret: testSecret, Seed: seed, Directory: agency.Directory()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestHoldingsDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := newSim(t, 1), newSim(t, 1), newSim(t, 2)
	differ, withAccount := 0, 0
	const n = 2000
	for i := range n {
		subj := person(i)
		ha, hb, hc := a.Holdings(agency.BankDeposit, "icbc", subj), b.Holdings(agency.BankDeposit, "icbc", subj), c.Holdings(agency.BankDeposit, "icbc", subj)
		if d := cmp.Diff(ha, hb); d != "" {
			t.Fatalf("same seed, subject %d: holdings differ (-a +b):\n%s", i, d)
		}
		if d := cmp.Diff(ha, a.Holdings(agency.BankDeposit, "icbc", subj)); d != "" {
			t.Fatalf("asked twice, subject %d: holdings differ:\n%s", i, d)
		}
		if !cmp.Equal(ha, hc) {
			differ++
		}
		if len(ha) > 0 {
			withAccount++
		}
		for _, h := range ha {
			if h.ValueFen < 100_00 || h.ValueFen > 300_000_00 || h.AvailableFen > h.ValueFen || h.AvailableFen < 0 {
				t.Errorf("subject %d: balance %d, available %d out of range", i, h.ValueFen, h.AvailableFen)
			}
			if len(h.Ref) != 19 || h.Kind != agency.BankDeposit || h.Institution == "" {
				t.Errorf("subject %d: malformed holding %+v", i, h)
			}
		}
	}
	if differ < n/5 {
		t.Errorf("seed 2 differs from seed 1 for only %d of %d subjects", differ, n)
	}
	// ~25% of subjects have an account at a bank (binomial: 3 σ ≈ 3%),
	// which with the other banks and payment balances leaves about a fifth
	// of debtors able to pay a typical claim at once (S1; see
	// internal/assets TestAboutAFifthCanTakeTheFastPath).
	if f := float64(withAccount) / n; f < 0.21 || f > 0.29 {
		t.Errorf("%.1f%% of subjects have an account at icbc, want about 25%%", 100*f)
	}
	// Another bank draws independently.
	same := 0
	for i := range 400 {
		if (len(a.Holdings(agency.BankDeposit, "icbc", person(i))) > 0) == (len(a.Holdings(agency.BankDeposit, "ccb", person(i))) > 0) {
			same++
		}
	}
	if same > 350 {
		t.Errorf("icbc and ccb agree on %d of 400 subjects: not independent", same)
	}
}

func TestHoldingsOverride(t *testing.T) {
	t.Parallel()
	s := newSim(t, 1)
	subj, other := person(1), person(2)
	before := s.Holdings(agency.Vehicle, "mps-vehicle", other)
	s.SetHoldings(agency.Vehicle, "mps-vehicle", subj.IDNumber, []agency.Holding{{Ref: "粤E·A1234", Description: "测试车辆", ValueFen: 8_000_000, Attributes: map[string]string{"vin": "LSVAB12345X000001"}}})
	got := s.Holdings(agency.Vehicle, "mps-vehicle", subj)
	want := []agency.Holding{{Ref: "粤E·A1234", Kind: agency.Vehicle, Institution: "公安部交通管理局", Description: "测试车辆", ValueFen: 8_000_000, AvailableFen: 8_000_000, Attributes: map[string]string{"vin": "LSVAB12345X000001"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("override (-want +got):\n%s", d)
	}
	if d := cmp.Diff(before, s.Holdings(agency.Vehicle, "mps-vehicle", other)); d != "" {
		t.Errorf("another subject changed:\n%s", d)
	}
	s.SetHoldings(agency.Vehicle, "mps-vehicle", subj.IDNumber, nil)
	if got := s.Holdings(agency.Vehicle, "mps-vehicle", subj); len(got) != 0 {
		t.Errorf("empty override: %v", got)
	}
	// A control-only agency shares its registry's holdings.
	s.SetHoldings(agency.RealEstate, "mnr", subj.IDNumber, []agency.Holding{{Ref: "粤（2020）佛山市不动产权第0000001号", ValueFen: 1}})
	if got := s.Holdings(agency.RealEstate, "fs-bdc", subj); len(got) != 1 || got[0].Ref != "粤（2020）佛山市不动产权第0000001号" {
		t.Errorf("fs-bdc sees %v", got)
	}
}

var (
	certRe  = regexp.MustCompile(`^粤（\d{4}）\p{Han}+市不动产权第\d{7}号$`)
	plateRe = regexp.MustCompile(`^粤[EXY]·[A-Z0-9]{5,6}$`)
	phoneRe = regexp.MustCompile(`^1\d{10}$`)
	vinRe   = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`)
)

// agencyFor is an agency of the whole directory that answers inquiries of k.
func agencyFor(k agency.Kind) string {
	for _, e := range agency.Directory() {
		if e.Inquire && slices.Contains(e.Kinds, k) {
			return e.Code
		}
	}
	return ""
}

func TestHoldingsEveryKind(t *testing.T) {
	t.Parallel()
	s := newSim(t, 7)
	for _, info := range agency.Kinds {
		if info.Kind == agency.PersonTrace {
			continue
		}
		code := agencyFor(info.Kind)
		found, subjects := 0, 0
		for i := 0; i < 3000 && found < 20; i++ {
			subj := person(i)
			if !info.Person && i%2 == 1 {
				subj = organization(i)
			}
			subjects++
			hs := s.Holdings(info.Kind, code, subj)
			for _, h := range hs {
				found++
				checkHolding(t, info, subj, h)
			}
		}
		if found == 0 {
			t.Errorf("%s at %s: nothing found in %d subjects", info.Kind, code, subjects)
		}
	}
}

func checkHolding(t *testing.T, info agency.KindInfo, subj agency.Subject, h agency.Holding) {
	t.Helper()
	if h.Ref == "" || h.Kind != info.Kind || h.Institution == "" || h.Description == "" {
		t.Errorf("%s: malformed %+v", info.Kind, h)
	}
	if h.AvailableFen < 0 || h.AvailableFen > h.ValueFen {
		t.Errorf("%s: available %d of %d", info.Kind, h.AvailableFen, h.ValueFen)
	}
	if (info.Money || info.Kind == agency.HousingFund || info.Kind == agency.RealEstate || info.Kind == agency.Vehicle) && h.ValueFen <= 0 {
		t.Errorf("%s: no value: %+v", info.Kind, h)
	}
	need := func(keys ...string) {
		for _, k := range keys {
			if h.Attributes[k] == "" {
				t.Errorf("%s %s: attribute %q missing: %v", info.Kind, h.Ref, k, h.Attributes)
			}
		}
	}
	switch info.Kind {
	case agency.RealEstate:
		need("address", "area", "use", "city")
		if !certRe.MatchString(h.Ref) {
			t.Errorf("certificate %q", h.Ref)
		}
		if _, err := strconv.ParseFloat(h.Attributes["area"], 64); err != nil {
			t.Errorf("area %q", h.Attributes["area"])
		}
	case agency.Vehicle:
		need("vin", "model", "registered")
		if !plateRe.MatchString(h.Ref) || !vinRe.MatchString(h.Attributes["vin"]) {
			t.Errorf("plate %q, VIN %q", h.Ref, h.Attributes["vin"])
		}
	case agency.Equity:
		need("company", "company_credit_code", "share_ratio", "registered_capital_fen")
	case agency.Marriage:
		if h.Attributes["spouse_name"] == "" && h.Attributes["former_spouse_name"] == "" {
			t.Errorf("marriage without spouse: %v", h.Attributes)
		}
		if _, err := legal.ParseDate(h.Attributes["registered"]); err != nil {
			t.Errorf("marriage date %q", h.Attributes["registered"])
		}
	case agency.Identity:
		need("household_address")
		if h.Ref != subj.IDNumber {
			t.Errorf("identity ref %q", h.Ref)
		}
	case agency.Tax:
		if subj.Kind == "person" {
			need("taxable_income_last_year_fen")
		} else {
			need("revenue_last_year_fen", "credit_rating")
		}
	case agency.Insurance:
		need("insurer", "product")
	case agency.Phone:
		need("carrier")
		if !phoneRe.MatchString(h.Ref) {
			t.Errorf("phone %q", h.Ref)
		}
	case agency.SocialSecurity, agency.HousingFund:
		need("employer")
	case agency.BankDeposit, agency.InternetBank:
		need("currency")
	}
}

// Most subjects hold nothing at most agencies.
func TestHoldingsMostlyEmpty(t *testing.T) {
	t.Parallel()
	s := newSim(t, 3)
	empty, total := 0, 0
	for _, e := range agency.Directory() {
		if !e.Inquire {
			continue
		}
		for _, k := range e.Kinds {
			if k == agency.PersonTrace || k == agency.Identity {
				continue
			}
			for i := range 200 {
				total++
				if len(s.Holdings(k, e.Code, person(i))) == 0 {
					empty++
				}
			}
		}
	}
	if f := float64(empty) / float64(total); f < 0.6 {
		t.Errorf("only %.0f%% of subject×agency pairs are empty", 100*f)
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	for k, r := range delays {
		for i := range 200 {
			id := strconv.Itoa(i)
			d := Delay(1, k, id)
			if d < r[0] || d > r[1] {
				t.Errorf("%s: delay %s outside %s–%s", k, d, r[0], r[1])
			}
			if Delay(1, k, id) != d {
				t.Errorf("%s: delay not deterministic", k)
			}
		}
	}
	if Delay(1, agency.PersonTrace, "x") < 24*time.Hour {
		t.Error("a person search takes at least a day")
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	found := 0
	for i := range 1000 {
		l := locate(1, person(i).IDNumber)
		if l != locate(1, person(i).IDNumber) {
			t.Fatal("not deterministic")
		}
		if l.Found {
			found++
			if l.Address == "" {
				t.Errorf("found without address: %+v", l)
			}
		} else if l.Note == "" {
			t.Errorf("no note: %+v", l)
		}
	}
	if found < 150 || found > 250 {
		t.Errorf("%d of 1000 found, want about 200", found)
	}
}

func TestYuan(t *testing.T) {
	t.Parallel()
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 123456: "1,234.56", 100000000: "1,000,000.00", -250: "-2.50"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestGeneratedIdentifiers(t *testing.T) {
	t.Parallel()
	for i := range 200 {
		r := stream(5, strconv.Itoa(i))
		if _, err := legal.ParseResidentID(residentID(r), legal.Date{}); err != nil {
			t.Errorf("resident id: %v", err)
		}
		if _, err := legal.ParseCreditCode(creditCode(r, "440604")); err != nil {
			t.Errorf("credit code: %v", err)
		}
	}
	if luhn("7992739871") != "79927398713" {
		t.Errorf("luhn")
	}
}
