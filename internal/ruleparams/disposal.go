package ruleparams

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// DisposalRules are the values of property disposal in force (VAL-1, VAL-3,
// VAL-4, AUCT-2 to AUCT-4, AUCT-6, AUCT-7, AUCT-9, AUCT-10).
func (v Values) DisposalRules() legal.DisposalRules {
	return legal.DisposalRules{
		ValuationStartDays:    v.Int(KeyValuationStartDays),
		ValuationReportDays:   v.Int(KeyValuationReportDays),
		ObjectionDays:         v.Int(KeyValuationObjection),
		ValidityMonths:        v.Int(KeyValuationValidity),
		ReservePercent:        v.Int(KeyReservePercent),
		OfflineReservePercent: v.Int(KeyOfflineReservePercent),
		NoticeMovableDays:     v.Int(KeyNoticeMovableDays),
		NoticeImmovableDays:   v.Int(KeyNoticeImmovableDays),
		PartyNoticeDays:       v.Int(KeyPartyNoticeDays),
		DepositMinPercent:     v.Int(KeyDepositMinPercent),
		DepositMaxPercent:     v.Int(KeyDepositMaxPercent),
		BiddingMinHours:       v.Int(KeyBiddingMinHours),
		ExtensionMinutes:      v.Int(KeyExtensionMinutes),
		RelistDays:            v.Int(KeyRelistDays),
		ReNoticeMovableDays:   v.Int(KeyReNoticeMovableDays),
		ReNoticeImmovableDays: v.Int(KeyReNoticeImmovableDays),
		MaxCutPercent:         v.Int(KeyMaxCutPercent),
		SaleWindowDays:        v.Int(KeySaleWindowDays),
	}
}

// DisposalRules returns the disposal values in force for court on the day
// on.
func DisposalRules(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (legal.DisposalRules, error) {
	v, err := Resolve(ctx, q, court, on)
	if err != nil {
		return legal.DisposalRules{}, err
	}
	return v.DisposalRules(), nil
}
