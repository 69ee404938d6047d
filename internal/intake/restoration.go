package intake

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// RestorationDecision is a reviewer's decision on a proposal to restore a
// 终本 case (S9).
type RestorationDecision struct {
	Approve bool
	Note    string // required when rejecting
}

// DecideRestoration decides a restoration proposal (applications.review:
// restoring a case is filing a new one). Approval files a 执恢 case with the
// old case's parties, basis and unpaid claim, triaged and assigned by the
// rules like any new case (not handed back to the old handler), which
// starts its own inquiry; rejection needs a reason. It returns the new case
// (nil when rejected).
func DecideRestoration(ctx context.Context, tx *store.Tx, id uuid.UUID, in RestorationDecision) (*cases.Case, error) {
	pr, err := assets.LockProposal(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	switch {
	case !in.Approve && in.Note == "":
		return nil, apperr.InvalidField("reason_required", "body.note", "不予恢复执行须写明理由")
	case utf8.RuneCountInString(in.Note) > 500:
		return nil, apperr.InvalidField("note_too_long", "body.note", "审查意见不超过 500 字")
	}
	if !in.Approve {
		return nil, assets.DecideProposal(ctx, tx, pr, nil, in.Note)
	}
	origin, err := cases.Get(ctx, tx, pr.CaseID)
	if err != nil {
		return nil, err
	}
	court, err := org.GetCourt(ctx, tx, origin.CourtID)
	if err != nil {
		return nil, err
	}
	var facts triage.Facts
	if origin.Facts != "" {
		if err := json.Unmarshal([]byte(origin.Facts), &facts); err != nil {
			return nil, err
		}
	}
	facts.CaseType, facts.AssetsFound, facts.AssetsFoundFen = "restored_enforcement", true, pr.FoundFen
	factsJSON, err := json.Marshal(facts)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	pl, err := place(ctx, tx, origin.CourtID, facts, FileInput{}, today)
	if err != nil {
		return nil, err
	}
	events := append([]cases.Event{{Kind: "restored_from", Summary: "恢复执行：原案 " + origin.CaseNo + "（终本）" + pr.Summary}},
		pl.events...)
	events = append(events, assets.FilingEvent)
	c, err := cases.Create(ctx, tx, cases.NewCase{CourtID: origin.CourtID, CourtCode: court.Code, CaseType: "restored_enforcement",
		OriginCaseID: origin.ID, BasisKind: origin.BasisKind, BasisDocumentNo: origin.BasisDocumentNo, ClaimAmountFen: origin.ClaimAmountFen,
		NonLitigation: origin.NonLitigation, ReceivedOn: today, FiledOn: today, Parties: origin.Parties, Lane: pl.lane, TeamID: pl.teamID,
		HandlerID: pl.handlerID, Triage: cases.Triage{Rule: pl.d.RuleID, Version: pl.d.Version, Explanation: pl.d.Explanation},
		Facts: string(factsJSON), Events: events})
	if err != nil {
		return nil, err
	}
	if err := assets.InquireAtFiling(ctx, tx, c); err != nil {
		return nil, err
	}
	if _, err := funds.OpenCaseAccounts(ctx, tx, c.ID); err != nil {
		return nil, err
	}
	c.TeamName, c.HandlerName = pl.teamName, pl.handlerName
	return c, assets.DecideProposal(ctx, tx, pr, c, in.Note)
}
