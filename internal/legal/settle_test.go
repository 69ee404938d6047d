package legal_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestSettle(t *testing.T) {
	t.Parallel()
	d := legal.MustDate
	pay := func(on string, fen int64) legal.Payment { return legal.Payment{On: d(on), AmountFen: fen} }
	type owed struct{ Fee, Principal, Interest, InterestTotal, Surplus int64 }
	for _, tc := range []struct {
		name     string
		claim    legal.Claim
		payments []legal.Payment
		asOf     string
		want     owed
	}{
		{"INT-1/INT-2 DOMAIN example: 120,000 on 06-30 and 80,000 on 09-30, interest 2,541.00 + 2,982.00",
			legal.Claim{PrincipalFen: 20_000_000, LastDay: d("2024-03-01")},
			[]legal.Payment{pay("2024-06-30", 12_000_000), pay("2024-09-30", 8_000_000)}, "2024-12-31",
			owed{Interest: 552_300, InterestTotal: 552_300}},
		{"INT-3 DOMAIN example: only 200,500 in: 200,000 principal, 500 interest, 5,023.00 still owed",
			legal.Claim{PrincipalFen: 20_000_000, LastDay: d("2024-03-01")},
			[]legal.Payment{pay("2024-09-30", 8_050_000), pay("2024-06-30", 12_000_000)}, "2024-12-31",
			owed{Interest: 502_300, InterestTotal: 552_300}},
		{"INT-2 unpaid principal accrues to the statement's day",
			legal.Claim{PrincipalFen: 10_000_000, LastDay: d("2024-03-01")},
			nil, "2024-03-11",
			owed{Principal: 10_000_000, Interest: 17_500, InterestTotal: 17_500}},
		{"DIST-2 costs first: the fee is paid before the principal",
			legal.Claim{PrincipalFen: 12_000_000, FeeFen: 170_000, LastDay: d("2024-03-01")},
			[]legal.Payment{pay("2024-03-01", 6_000_000)}, "2024-03-01",
			owed{Principal: 6_170_000}},
		{"INT-3 over-payment: principal, interest, then the debtor's surplus",
			legal.Claim{PrincipalFen: 1_000_000, FeeFen: 5_000, LastDay: d("2024-01-10")},
			[]legal.Payment{pay("2024-01-20", 1_100_000)}, "2024-02-01",
			owed{InterestTotal: 1_750, Surplus: 93_250}},
		{"INT-4 nothing late on or before the last day",
			legal.Claim{PrincipalFen: 5_000_000, LastDay: d("2024-05-31")},
			[]legal.Payment{pay("2024-05-31", 5_000_000)}, "2024-06-30",
			owed{}},
		{"payments after the statement's day are left out",
			legal.Claim{PrincipalFen: 5_000_000},
			[]legal.Payment{pay("2024-07-01", 5_000_000)}, "2024-06-30",
			owed{Principal: 5_000_000}},
	} {
		s := legal.Settle(tc.claim, tc.payments, d(tc.asOf))
		got := owed{Fee: s.FeeOwedFen, Principal: s.PrincipalOwedFen, Interest: s.InterestOwedFen, InterestTotal: s.InterestFen, Surplus: s.SurplusFen}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if paid := s.FeePaidFen + s.PrincipalPaidFen + s.InterestPaidFen + s.SurplusFen; paid != s.ReceivedFen {
			t.Errorf("%s: received %d, applied %d", tc.name, s.ReceivedFen, paid)
		}
	}
}
