package legal_test

import (
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// code is the apperr code of err, "" for nil.
func disposalCode(err error) string {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func TestDisposalLimits(t *testing.T) {
	t.Parallel()
	r := legal.DefaultDisposalRules()
	cal := legal.DefaultCalendar()
	tests := []struct {
		rule string
		err  error
		want string
	}{
		{"AUCT-2 reserve at 70% of the reference", legal.CheckReserve(700_000_00, 1_000_000_00, false, r), ""},
		{"AUCT-2 reserve below 70%", legal.CheckReserve(699_999_99, 1_000_000_00, false, r), "reserve_too_low"},
		{"AUCT-2 70% rounded up to the fen (ref 1 fen above)", legal.CheckReserve(700_000_00, 1_000_000_01, false, r), "reserve_too_low"},
		{"AUCT-2 offline needs 80%", legal.CheckReserve(700_000_00, 1_000_000_00, true, r), "reserve_too_low"},
		{"AUCT-2 offline at 80%", legal.CheckReserve(800_000_00, 1_000_000_00, true, r), ""},
		{"AUCT-2 zero reserve", legal.CheckReserve(0, 1_000_000_00, false, r), "invalid_amount"},
		{"AUCT-9 cut of exactly 20%", legal.CheckRelistReserve(800_000_00, 1_000_000_00, r), ""},
		{"AUCT-9 cut above 20%", legal.CheckRelistReserve(799_999_99, 1_000_000_00, r), "cut_too_deep"},
		{"AUCT-9 no cut", legal.CheckRelistReserve(1_000_000_00, 1_000_000_00, r), ""},
		{"AUCT-6 deposit 5%", legal.CheckDeposit(50_000_00, 1_000_000_00, r), ""},
		{"AUCT-6 deposit 20%", legal.CheckDeposit(200_000_00, 1_000_000_00, r), ""},
		{"AUCT-6 deposit below 5%", legal.CheckDeposit(49_999_99, 1_000_000_00, r), "invalid_deposit"},
		{"AUCT-6 deposit above 20%", legal.CheckDeposit(200_000_01, 1_000_000_00, r), "invalid_deposit"},
		{"AUCT-3 immovable 30 days", legal.CheckNotice(d("2026-03-02"), d("2026-04-01"), false, false, r), ""},
		{"AUCT-3 immovable 29 days", legal.CheckNotice(d("2026-03-02"), d("2026-03-31"), false, false, r), "notice_too_short"},
		{"AUCT-3 movable 15 days", legal.CheckNotice(d("2026-03-02"), d("2026-03-17"), true, false, r), ""},
		{"AUCT-3 movable 14 days", legal.CheckNotice(d("2026-03-02"), d("2026-03-16"), true, false, r), "notice_too_short"},
		{"AUCT-9 re-auction immovable 15 days", legal.CheckNotice(d("2026-05-04"), d("2026-05-19"), false, true, r), ""},
		{"AUCT-9 re-auction immovable 14 days", legal.CheckNotice(d("2026-05-04"), d("2026-05-18"), false, true, r), "notice_too_short"},
		{"AUCT-9 re-auction movable 7 days", legal.CheckNotice(d("2026-05-04"), d("2026-05-11"), true, true, r), ""},
		{"AUCT-9 re-auction movable 6 days", legal.CheckNotice(d("2026-05-04"), d("2026-05-10"), true, true, r), "notice_too_short"},
		{"AUCT-9 re-auction on day 30", legal.CheckRelistStart(d("2026-04-02"), d("2026-05-02"), r), ""},
		{"AUCT-9 re-auction on day 31", legal.CheckRelistStart(d("2026-04-02"), d("2026-05-03"), r), "relist_too_late"},
		{"AUCT-4 parties told 3 days before the notice", legal.CheckPartiesTold(d("2026-02-27"), d("2026-03-02"), r), ""},
		{"AUCT-4 parties told 2 days before", legal.CheckPartiesTold(d("2026-02-28"), d("2026-03-02"), r), "parties_told_late"},
		{"AUCT-4 parties never told", legal.CheckPartiesTold(legal.Date{}, d("2026-03-02"), r), "parties_told_late"},
		{"AUCT-7 bidding 24 h", legal.CheckBiddingWindow(at("2026-04-01T02:00:00Z"), at("2026-04-02T02:00:00Z"), r), ""},
		{"AUCT-7 bidding 23 h 59 m", legal.CheckBiddingWindow(at("2026-04-01T02:00:00Z"), at("2026-04-02T01:59:00Z"), r), "bidding_too_short"},
		{"VAL-4 price used on its last valid day", legal.CheckPriceValid(legal.PriceValidUntil(d("2025-04-01"), r), d("2026-04-01")), ""},
		{"VAL-4 price expired after 1 year", legal.CheckPriceValid(legal.PriceValidUntil(d("2025-04-01"), r), d("2026-04-02")), "reference_price_expired"},
	}
	for _, tt := range tests {
		if got := disposalCode(tt.err); got != tt.want {
			t.Errorf("%s: code %q, want %q (%v)", tt.rule, got, tt.want, tt.err)
		}
	}

	dates := []struct {
		rule      string
		got, want legal.Date
	}{
		{"VAL-1 30 days from seizure", legal.ValuationStartDue(cal, d("2026-03-02"), r), d("2026-04-01")},
		{"VAL-1 PER-2 day 30 on Qingming rolls to the next workday", legal.ValuationStartDue(cal, d("2026-03-05"), r), d("2026-04-07")},
		{"VAL-4 objection within 5 days", legal.ObjectionDue(cal, d("2026-03-02"), r), d("2026-03-09")},
		{"VAL-4 valid 1 year (PER-3)", legal.PriceValidUntil(d("2024-02-29"), r), d("2025-02-28")},
		{"AUCT-3 earliest start, immovable", legal.EarliestStart(d("2026-03-02"), false, false, r), d("2026-04-01")},
		{"AUCT-9 earliest re-auction start, immovable", legal.EarliestStart(d("2026-04-10"), false, true, r), d("2026-04-25")},
		{"AUCT-4 parties told by", legal.PartyNoticeDue(d("2026-03-02"), r), d("2026-02-27")},
		{"AUCT-9 re-auction due", legal.RelistDue(d("2026-04-02"), r), d("2026-05-02")},
		{"AUCT-10 变卖 60 days", legal.SaleWindowEnd(d("2026-06-01"), r), d("2026-07-31")},
	}
	for _, tt := range dates {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.rule, tt.got, tt.want)
		}
	}
	if !legal.ValuationStartedLate(cal, d("2026-03-02"), d("2026-04-02"), r) || legal.ValuationStartedLate(cal, d("2026-03-02"), d("2026-04-01"), r) {
		t.Error("VAL-1 late flag wrong around day 30")
	}

	amounts := []struct {
		rule      string
		got, want int64
	}{
		{"AUCT-2 minimum reserve rounds up", legal.MinReserve(1_000_001, false, r), 700_001},
		{"AUCT-2 offline minimum reserve", legal.MinReserve(1_000_000, true, r), 800_000},
		{"AUCT-9 minimum re-auction reserve", legal.MinRelistReserve(700_000_00, r), 560_000_00},
		{"AUCT-9 minimum re-auction reserve rounds up", legal.MinRelistReserve(101, r), 81},
	}
	for _, tt := range amounts {
		if tt.got != tt.want {
			t.Errorf("%s: %d, want %d", tt.rule, tt.got, tt.want)
		}
	}
	if lo, hi := legal.DepositRange(1_000_001, r); lo != 50_001 || hi != 200_000 {
		t.Errorf("AUCT-6 deposit range of 1,000,001 fen: %d..%d, want 50001..200000", lo, hi)
	}
}

// TestMeanOfReports: VAL-3, the mean of valid reports in whole fen, rounded
// half up; the caller leaves out reports under objection.
func TestMeanOfReports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		reports []int64
		want    int64
		code    string
	}{
		{"VAL-3 three platforms", []int64{3_000_000_00, 3_100_000_00, 3_200_000_00}, 3_100_000_00, ""},
		{"VAL-3 rounds half up (2.5 → 3)", []int64{2, 3}, 3, ""},
		{"VAL-3 rounds down below half (1.33 → 1)", []int64{1, 1, 2}, 1, ""},
		{"VAL-3 rounds up above half (1.67 → 2)", []int64{1, 2, 2}, 2, ""},
		{"VAL-3 one valid report left after an objection", []int64{3_050_000_00}, 3_050_000_00, ""},
		{"VAL-3 no valid report", nil, 0, "no_valid_report"},
		{"VAL-3 zero report", []int64{0, 5}, 0, "invalid_amount"},
	}
	for _, tt := range tests {
		got, err := legal.MeanOfReports(tt.reports)
		if got != tt.want || disposalCode(err) != tt.code {
			t.Errorf("%s: %d, %v; want %d, %q", tt.rule, got, err, tt.want, tt.code)
		}
	}
}

// TestExtendClose: AUCT-7, a bid in the last 5 minutes moves the close to
// 5 minutes after it.
func TestExtendClose(t *testing.T) {
	t.Parallel()
	r := legal.DefaultDisposalRules()
	closes := at("2026-04-02T02:00:00Z")
	tests := []struct {
		rule, bid, want string
	}{
		{"AUCT-7 bid 10 minutes before: no extension", "2026-04-02T01:50:00Z", "2026-04-02T02:00:00Z"},
		{"AUCT-7 bid exactly 5 minutes before: extended", "2026-04-02T01:55:00Z", "2026-04-02T02:00:00Z"},
		{"AUCT-7 bid 4 minutes before: close 5 minutes after it", "2026-04-02T01:56:00Z", "2026-04-02T02:01:00Z"},
		{"AUCT-7 bid 1 second before", "2026-04-02T01:59:59Z", "2026-04-02T02:04:59Z"},
		{"AUCT-7 bid at the close: not extended (refused by the caller)", "2026-04-02T02:00:00Z", "2026-04-02T02:00:00Z"},
	}
	for _, tt := range tests {
		if got := legal.ExtendClose(closes, at(tt.bid), r); !got.Equal(at(tt.want)) {
			t.Errorf("%s: %s, want %s", tt.rule, got.Format(time.RFC3339), tt.want)
		}
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFormatFen(t *testing.T) {
	t.Parallel()
	for fen, want := range map[int64]string{0: "0.00 元", 5: "0.05 元", 123_456_789: "1,234,567.89 元", -100: "-1.00 元"} {
		if got := legal.FormatFen(fen); got != want {
			t.Errorf("FormatFen(%d) = %q, want %q", fen, got, want)
		}
	}
}
