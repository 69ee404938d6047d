package intake

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// decisionDue is the day by which filing must be decided (CLOCK-4, check,
// C): the court's decision period in force on the day of receipt (seeded: 7
// days), counted from receipt (PER-1) and rolled off a rest day (PER-2).
func decisionDue(ctx context.Context, q store.Querier, cal *legal.Calendar, court uuid.UUID, received legal.Date) (legal.Date, error) {
	days, err := ruleparams.DecisionDays(ctx, q, court, received)
	if err != nil {
		return legal.Date{}, err
	}
	return cal.DaysPeriodEnd(received, days), nil
}
