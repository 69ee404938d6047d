package legal

import (
	"fmt"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// DisposalRules are the configurable (C) values of property disposal
// (DOMAIN.md §8: VAL-1, VAL-3, VAL-4, AUCT-2 to AUCT-4, AUCT-6, AUCT-7,
// AUCT-9, AUCT-10). Callers pass a court's values in force (ruleparams);
// DefaultDisposalRules gives the seeded ones.
type DisposalRules struct {
	ValuationStartDays    int // VAL-1: start the reference price within 30 days of seizure
	ValuationReportDays   int // VAL-3: online platforms report within 3 days
	ObjectionDays         int // VAL-4: objections to a reference price within 5 days
	ValidityMonths        int // VAL-4: a reference price is valid at most 1 year
	ReservePercent        int // AUCT-2: 起拍价 ≥ 70% of the reference price online
	OfflineReservePercent int // AUCT-2: ≥ 80% offline
	NoticeMovableDays     int // AUCT-3: 15 days for movables
	NoticeImmovableDays   int // AUCT-3: 30 days for real estate and other rights
	PartyNoticeDays       int // AUCT-4: parties and priority purchasers told ≥ 3 days before the notice
	DepositMinPercent     int // AUCT-6: deposit 5%…
	DepositMaxPercent     int // AUCT-6: …20% of 起拍价
	BiddingMinHours       int // AUCT-7: bidding lasts at least 24 h
	ExtensionMinutes      int // AUCT-7: a bid in the last 5 minutes extends the close to 5 minutes after it
	RelistDays            int // AUCT-9: re-auction within 30 days of the failure
	ReNoticeMovableDays   int // AUCT-9: 7 days for movables
	ReNoticeImmovableDays int // AUCT-9: 15 days for real estate and other rights
	MaxCutPercent         int // AUCT-9: cut at most 20% of the previous 起拍价
	SaleWindowDays        int // AUCT-10: 变卖 lasts 60 days
}

// DefaultDisposalRules returns the values DOMAIN.md §8 shows.
func DefaultDisposalRules() DisposalRules {
	return DisposalRules{
		ValuationStartDays: 30, ValuationReportDays: 3, ObjectionDays: 5, ValidityMonths: 12,
		ReservePercent: 70, OfflineReservePercent: 80,
		NoticeMovableDays: 15, NoticeImmovableDays: 30, PartyNoticeDays: 3,
		DepositMinPercent: 5, DepositMaxPercent: 20,
		BiddingMinHours: 24, ExtensionMinutes: 5,
		RelistDays: 30, ReNoticeMovableDays: 7, ReNoticeImmovableDays: 15, MaxCutPercent: 20,
		SaleWindowDays: 60,
	}
}

// percentCeil is ⌈fen × pct / 100⌉ for non-negative amounts up to
// MaxAmountFen (no overflow: 10^13 × 100 < 2^63).
func percentCeil(fen int64, pct int) int64 {
	return (fen*int64(pct) + 99) / 100
}

// percentFloor is ⌊fen × pct / 100⌋.
func percentFloor(fen int64, pct int) int64 {
	return fen * int64(pct) / 100
}

// ValuationStartDue is the last day to start the reference price (VAL-1):
// seizedOn + ValuationStartDays calendar days (PER-1), rolled off a rest day
// (PER-2).
func ValuationStartDue(cal *Calendar, seizedOn Date, r DisposalRules) Date {
	return cal.DaysPeriodEnd(seizedOn, r.ValuationStartDays)
}

// ValuationStartedLate reports whether a reference price started on
// startedOn came after the VAL-1 due day. Lateness is flagged, not refused.
func ValuationStartedLate(cal *Calendar, seizedOn, startedOn Date, r DisposalRules) bool {
	return startedOn.After(ValuationStartDue(cal, seizedOn, r))
}

// MeanOfReports is the reference price of an online inquiry (VAL-3): the
// mean of the valid reports, those under objection left out, in whole fen
// rounded half up (⌊(Σ + n/2) / n⌋). Errors carry code "no_valid_report"
// when no report counts, "invalid_amount" for a report not above 0 or above
// MaxAmountFen.
func MeanOfReports(reports []int64) (int64, error) {
	var sum int64
	for _, r := range reports {
		if r <= 0 || r > MaxAmountFen {
			return 0, apperr.New(apperr.Invalid, "invalid_amount", fmt.Sprintf("询价报告的价格 %d 分无效", r))
		}
		sum += r // ≤ len × 10^13: no overflow for any realistic number of platforms
	}
	if len(reports) == 0 {
		return 0, apperr.New(apperr.Conflict, "no_valid_report", "没有可计入的有效询价报告，不能确定参考价（VAL-3）")
	}
	n := int64(len(reports))
	return (sum + n/2) / n, nil
}

// ObjectionDue is the last day to object to a reference price (VAL-4):
// ObjectionDays from the day the parties received it (PER-1), rolled off a
// rest day (PER-2).
func ObjectionDue(cal *Calendar, receivedOn Date, r DisposalRules) Date {
	return cal.DaysPeriodEnd(receivedOn, r.ObjectionDays)
}

// PriceValidUntil is the last day a reference price fixed on fixedOn may be
// used (VAL-4): ValidityMonths later (PER-3), not rolled.
func PriceValidUntil(fixedOn Date, r DisposalRules) Date {
	return fixedOn.AddMonths(r.ValidityMonths)
}

// CheckPriceValid refuses to open an auction on a day after the reference
// price's validity (VAL-4). Code "reference_price_expired".
func CheckPriceValid(validUntil, on Date) error {
	if on.After(validUntil) {
		return apperr.New(apperr.Conflict, "reference_price_expired",
			fmt.Sprintf("参考价有效期至 %s 已届满，须重新确定参考价（VAL-4）", validUntil))
	}
	return nil
}

// MinReserve is the lowest 起拍价 allowed for a reference price (AUCT-2):
// ReservePercent (OfflineReservePercent offline) of it, rounded up to the
// fen so the reserve is never below the percentage.
func MinReserve(referenceFen int64, offline bool, r DisposalRules) int64 {
	pct := r.ReservePercent
	if offline {
		pct = r.OfflineReservePercent
	}
	return percentCeil(referenceFen, pct)
}

// CheckReserve checks a first auction's 起拍价 against the reference price
// (AUCT-2). Code "reserve_too_low"; "invalid_amount" for a reserve not above
// 0 or above MaxAmountFen.
func CheckReserve(reserveFen, referenceFen int64, offline bool, r DisposalRules) error {
	if reserveFen <= 0 || reserveFen > MaxAmountFen {
		return apperr.InvalidField("invalid_amount", "", "起拍价应为大于 0 的金额")
	}
	if min := MinReserve(referenceFen, offline, r); reserveFen < min {
		pct := r.ReservePercent
		if offline {
			pct = r.OfflineReservePercent
		}
		return apperr.InvalidField("reserve_too_low", "", fmt.Sprintf("起拍价不得低于参考价 %s 的 %d%%，即不低于 %s（AUCT-2）",
			FormatFen(referenceFen), pct, FormatFen(min)))
	}
	return nil
}

// MinRelistReserve is the lowest 起拍价 of a re-auction (AUCT-9): the
// previous 起拍价 cut by at most MaxCutPercent, rounded up to the fen.
func MinRelistReserve(previousFen int64, r DisposalRules) int64 {
	return previousFen - percentFloor(previousFen, r.MaxCutPercent)
}

// CheckRelistReserve checks a re-auction's 起拍价 (AUCT-9): not below
// MinRelistReserve. Code "cut_too_deep".
func CheckRelistReserve(reserveFen, previousFen int64, r DisposalRules) error {
	if reserveFen <= 0 || reserveFen > MaxAmountFen {
		return apperr.InvalidField("invalid_amount", "", "起拍价应为大于 0 的金额")
	}
	if min := MinRelistReserve(previousFen, r); reserveFen < min {
		return apperr.InvalidField("cut_too_deep", "", fmt.Sprintf("再次拍卖的起拍价降价幅度不得超过前次起拍价 %s 的 %d%%，即不低于 %s（AUCT-9）",
			FormatFen(previousFen), r.MaxCutPercent, FormatFen(min)))
	}
	return nil
}

// DepositRange is the deposit allowed for a 起拍价 (AUCT-6): from
// DepositMinPercent (rounded up) to DepositMaxPercent (rounded down) of it.
func DepositRange(reserveFen int64, r DisposalRules) (min, max int64) {
	return percentCeil(reserveFen, r.DepositMinPercent), percentFloor(reserveFen, r.DepositMaxPercent)
}

// CheckDeposit checks a deposit against the 起拍价 (AUCT-6). Code
// "invalid_deposit".
func CheckDeposit(depositFen, reserveFen int64, r DisposalRules) error {
	min, max := DepositRange(reserveFen, r)
	if depositFen < min || depositFen > max {
		return apperr.InvalidField("invalid_deposit", "", fmt.Sprintf("保证金应为起拍价的 %d%% 至 %d%%，即 %s 至 %s（AUCT-6）",
			r.DepositMinPercent, r.DepositMaxPercent, FormatFen(min), FormatFen(max)))
	}
	return nil
}

// NoticeDays is the notice period before an auction (AUCT-3, AUCT-9):
// movables NoticeMovableDays, real estate and other rights
// NoticeImmovableDays; a re-auction ReNoticeMovableDays or
// ReNoticeImmovableDays.
func NoticeDays(movable, relist bool, r DisposalRules) int {
	switch {
	case relist && movable:
		return r.ReNoticeMovableDays
	case relist:
		return r.ReNoticeImmovableDays
	case movable:
		return r.NoticeMovableDays
	}
	return r.NoticeImmovableDays
}

// EarliestStart is the first day bidding may open after a notice published
// on publishedOn (AUCT-3, AUCT-9): publishedOn + NoticeDays (PER-1, the
// publication day excluded). It is not rolled: an auction may open on a rest
// day.
func EarliestStart(publishedOn Date, movable, relist bool, r DisposalRules) Date {
	return publishedOn.AddDays(NoticeDays(movable, relist, r))
}

// CheckNotice checks that bidding opening on startOn leaves the notice
// period after publishedOn (AUCT-3, AUCT-9). Code "notice_too_short".
func CheckNotice(publishedOn, startOn Date, movable, relist bool, r DisposalRules) error {
	if e := EarliestStart(publishedOn, movable, relist, r); startOn.Before(e) {
		return apperr.InvalidField("notice_too_short", "", fmt.Sprintf("拍卖公告期不得少于 %d 日：%s 公告的，最早于 %s 开拍（%s）",
			NoticeDays(movable, relist, r), publishedOn, e, map[bool]string{false: "AUCT-3", true: "AUCT-9"}[relist]))
	}
	return nil
}

// PartyNoticeDue is the last day to tell the parties and known priority
// purchasers of an auction whose notice is published on publishOn (AUCT-4):
// PartyNoticeDays before it.
func PartyNoticeDue(publishOn Date, r DisposalRules) Date {
	return publishOn.AddDays(-r.PartyNoticeDays)
}

// CheckPartiesTold checks the parties were told by PartyNoticeDue (AUCT-4).
// Code "parties_told_late".
func CheckPartiesTold(toldOn, publishOn Date, r DisposalRules) error {
	if due := PartyNoticeDue(publishOn, r); toldOn.IsZero() || toldOn.After(due) {
		return apperr.New(apperr.Conflict, "parties_told_late", fmt.Sprintf("当事人和已知优先购买权人应在公告 %d 日前（%s 前）通知（AUCT-4）",
			r.PartyNoticeDays, due))
	}
	return nil
}

// CheckBiddingWindow checks bidding lasts at least BiddingMinHours (AUCT-7).
// Code "bidding_too_short".
func CheckBiddingWindow(opens, closes time.Time, r DisposalRules) error {
	if closes.Sub(opens) < time.Duration(r.BiddingMinHours)*time.Hour {
		return apperr.InvalidField("bidding_too_short", "", fmt.Sprintf("竞价时间不得少于 %d 小时（AUCT-7）", r.BiddingMinHours))
	}
	return nil
}

// ExtendClose applies the AUCT-7 extension: a bid at bidAt within the last
// ExtensionMinutes before closes moves the close to ExtensionMinutes after
// the bid; otherwise closes stands. A bid at or after closes is refused by
// the caller, not extended.
func ExtendClose(closes, bidAt time.Time, r DisposalRules) time.Time {
	ext := time.Duration(r.ExtensionMinutes) * time.Minute
	if bidAt.Before(closes) && closes.Sub(bidAt) <= ext {
		if n := bidAt.Add(ext); n.After(closes) {
			return n
		}
	}
	return closes
}

// RelistDue is the last day a re-auction may open after an auction failed
// on failedOn (AUCT-9): RelistDays later.
func RelistDue(failedOn Date, r DisposalRules) Date {
	return failedOn.AddDays(r.RelistDays)
}

// CheckRelistStart checks a re-auction opens within RelistDays of the
// failure (AUCT-9). Code "relist_too_late".
func CheckRelistStart(failedOn, startOn Date, r DisposalRules) error {
	if due := RelistDue(failedOn, r); startOn.After(due) {
		return apperr.InvalidField("relist_too_late", "", fmt.Sprintf("流拍后应在 %d 日内再次拍卖：%s 流拍的，最迟于 %s 开拍（AUCT-9）",
			r.RelistDays, failedOn, due))
	}
	return nil
}

// SaleWindowEnd is the last day of a 变卖 opened on opensOn (AUCT-10):
// SaleWindowDays later (PER-1), not rolled.
func SaleWindowEnd(opensOn Date, r DisposalRules) Date {
	return opensOn.AddDays(r.SaleWindowDays)
}

// FormatFen shows fen as yuan with two decimals: "1,234,567.89 元".
func FormatFen(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	yuan, cents := fen/100, fen%100
	s := fmt.Sprintf("%d", yuan)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return fmt.Sprintf("%s.%02d 元", s, cents)
}
