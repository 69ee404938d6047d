package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// FileInput decides how an application is filed. Zero fields mean "by rule":
// the lane from the active triage rule set, the team of that lane with the
// fewest open cases, its least loaded judge.
type FileInput struct {
	Lane      string    // a manual lane (triage override): needs Reason
	TeamID    uuid.UUID // a manual team; a team of another lane is an override
	HandlerID uuid.UUID // a manual handler of the team
	Reason    string    // why the rule's decision was overridden
	// AcceptanceNotice records how the 受理通知书 was delivered (e.g. "当场送达").
	AcceptanceNotice string
}

// Facts gathers the triage facts of an application (FLOW-5).
func Facts(ctx context.Context, q store.Querier, a *Application) (triage.Facts, error) {
	f := triage.Facts{CaseType: a.CaseType, ClaimAmountFen: a.ClaimAmountFen, NonMoney: a.NonMoneyClaims != "",
		BasisKind: a.Basis.Kind}
	var ids []any
	kinds := map[string]bool{}
	for _, p := range a.Parties {
		if p.Role == "applicant" {
			f.ApplicantCount++
			f.ApplicantIsFinancial = f.ApplicantIsFinancial || p.Financial
			continue
		}
		f.RespondentCount++
		kinds[p.Kind] = true
		ids = append(ids, p.PartyID)
	}
	switch {
	case len(kinds) > 1:
		f.DebtorKind = "mixed"
	case kinds[Person]:
		f.DebtorKind = Person
	default:
		f.DebtorKind = Organization
	}
	if a.Mediation != nil && a.Mediation.Status == MediationFailed {
		f.MediationOutcome = MediationFailed
	}
	if len(ids) > 0 {
		err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT cp.case_id) FROM case_parties cp JOIN cases c ON c.id = cp.case_id
			WHERE cp.role = 'respondent' AND c.status <> 'closed' AND cp.party_id IN (`+store.Placeholders(len(ids))+`)`, ids...).Scan(&f.RelatedCases)
		if err != nil {
			return f, err
		}
	}
	if lvl, err := courtLevel(ctx, q, a.CourtID); err == nil {
		f.CourtLevel = lvl
	} else {
		return f, err
	}
	return f, nil
}

func courtLevel(ctx context.Context, q store.Querier, court uuid.UUID) (string, error) {
	var lvl string
	err := q.QueryRow(ctx, `SELECT level FROM courts WHERE id = ?`, court).Scan(&lvl)
	return lvl, err
}

// File files an application (立案, applications.review): numbers the case
// (CASENO-1, -2), triages it by the active rule set (FLOW-5) unless
// overridden with a reason, assigns team and handler, starts its clock and
// records the 受理通知书. A failed mediation's record travels into the case.
func File(ctx context.Context, tx *store.Tx, id uuid.UUID, in FileInput) (*cases.Case, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.ApplicationsReview); err != nil {
		return nil, err
	}
	a, err := lockApplication(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusReceived {
		return nil, wrongStatus(a, "立案")
	}
	if missing := a.MissingMaterials(); len(missing) > 0 {
		e := &apperr.Error{Kind: apperr.Conflict, Code: "materials_missing", Detail: "尚缺必需材料，不能立案：" + strings.Join(names(missing), "、")}
		for _, m := range missing {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "materials." + m.Code, Detail: "未收到：" + m.Name})
		}
		return nil, e
	}
	court, err := org.GetCourt(ctx, tx, a.CourtID)
	if err != nil {
		return nil, err
	}
	facts, err := Facts(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	factsJSON, err := json.Marshal(facts)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	var events []cases.Event
	if m := a.Mediation; m != nil {
		events = append(events, cases.Event{Kind: "mediation", Summary: fmt.Sprintf("执前调解%s（调解员 %s，联系 %d 次）：%s",
			MediationLabel(m.Status), m.MediatorName, len(m.Contacts), m.OutcomeNote)})
	}
	pl, err := place(ctx, tx, a.CourtID, facts, in, today)
	if err != nil {
		return nil, err
	}
	d, lane, override, teamID, handlerID, teamName, handlerName := pl.d, pl.lane, pl.override, pl.teamID, pl.handlerID, pl.teamName, pl.handlerName
	events = append(events, pl.events...)
	notice := strings.TrimSpace(in.AcceptanceNotice)
	if notice == "" {
		notice = "当场送达"
	}
	events = append(events, cases.Event{Kind: "acceptance_notice", Summary: "受理通知书：" + notice}, assets.FilingEvent)

	var parties []cases.Party
	for _, pt := range a.Parties {
		parties = append(parties, cases.Party{PartyID: pt.PartyID, Role: pt.Role, Kind: pt.Kind, Name: pt.Name, IDNumber: pt.IDNumber,
			IDChecked: pt.IDChecked, LegalRep: pt.LegalRep, Phone: pt.Phone, Address: pt.Address})
	}
	c, err := cases.Create(ctx, tx, cases.NewCase{CourtID: a.CourtID, CourtCode: court.Code, CaseType: a.CaseType, ApplicationID: a.ID,
		BasisKind: a.Basis.Kind, BasisDocumentNo: a.Basis.DocumentNo, ClaimAmountFen: a.ClaimAmountFen, ReceivedOn: a.ReceivedOn,
		FiledOn: today, Parties: parties, Lane: lane, TeamID: teamID, HandlerID: handlerID,
		Triage: cases.Triage{Rule: d.RuleID, Version: d.Version, Explanation: d.Explanation, Override: override},
		Facts:  string(factsJSON), Events: events})
	if err != nil {
		return nil, err
	}
	if err := assets.InquireAtFiling(ctx, tx, c); err != nil {
		return nil, err
	}
	if _, err := assets.CarryAtFiling(ctx, tx, c, p.DisplayName); err != nil {
		return nil, err
	}
	if _, err := funds.OpenCaseAccounts(ctx, tx, c.ID); err != nil {
		return nil, err
	}
	c.TeamName, c.HandlerName = teamName, handlerName
	a.Status, a.CaseID, a.DecidedBy, a.DecidedAt = StatusFiled, c.ID, p.UserID, time.Now().UTC()
	if err := touch(ctx, tx, a); err != nil {
		return nil, err
	}
	ch := audit.Changes{"status": {From: StatusReceived, To: StatusFiled}, "case_no": {To: c.CaseNo}, "lane": {To: lane},
		"triage_rule": {To: d.RuleID}, "triage_version": {To: d.Version}}
	if override != "" {
		ch["triage_override"] = audit.Change{From: d.Lane, To: lane}
		ch["override_reason"] = audit.Change{To: override}
	}
	if err := audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "application.filed", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "立案 " + c.CaseNo, Changes: ch}); err != nil {
		return nil, err
	}
	return c, nil
}

// placement is where triage puts a new case: its lane, team and handler, and
// the timeline lines that say so.
type placement struct {
	d                     triage.Decision
	lane, override        string
	teamID, handlerID     uuid.UUID
	teamName, handlerName string
	events                []cases.Event
}

// place triages a new case of court by the active rule set (FLOW-5), unless
// in overrides it with a reason, and picks its team and handler.
func place(ctx context.Context, tx *store.Tx, court uuid.UUID, facts triage.Facts, in FileInput, today legal.Date) (*placement, error) {
	_, rules, err := ActiveRuleSet(ctx, tx, court)
	if err != nil {
		return nil, err
	}
	d := rules.Evaluate(facts)
	lane := d.Lane
	reason := strings.TrimSpace(in.Reason)
	if in.Lane != "" {
		if triage.LaneName(in.Lane) == "" {
			return nil, apperr.InvalidField("invalid_lane", "body.lane", "分流通道“"+in.Lane+"”不存在")
		}
		lane = in.Lane
	}
	teamID, teamName, kind, err := cases.PickTeam(ctx, tx, court, lane, in.TeamID)
	if err != nil {
		return nil, err
	}
	// A team chosen by hand decides the lane, but only a team that handles
	// cases, and only one of the lane chosen with it.
	switch {
	case triage.LaneName(kind) == "":
		return nil, apperr.InvalidField("invalid_team", "body.team_id", "“"+teamName+"”不是承办执行案件的团队，不能分案给它")
	case in.Lane != "" && kind != in.Lane:
		return nil, apperr.InvalidField("invalid_team", "body.team_id",
			"“"+teamName+"”属于“"+triage.LaneName(kind)+"”通道，与所选通道“"+triage.LaneName(in.Lane)+"”不一致")
	}
	pl := &placement{d: d, lane: kind, teamID: teamID, teamName: teamName}
	if pl.lane != d.Lane {
		if reason == "" {
			return nil, apperr.InvalidField("override_reason_required", "body.reason",
				"分流规则决定的通道为“"+triage.LaneName(d.Lane)+"”；人工调整为“"+triage.LaneName(pl.lane)+"”须写明理由")
		}
		pl.override = reason
	}
	if pl.handlerID, pl.handlerName, err = cases.PickHandler(ctx, tx, court, teamID, in.HandlerID); err != nil {
		return nil, err
	}
	pl.events = append(pl.events, cases.Event{Kind: "triage", Summary: "分流：" + d.Explanation})
	if pl.override != "" {
		pl.events = append(pl.events, cases.Event{Kind: "triage_override", Summary: "人工调整分流至“" + triage.LaneName(pl.lane) + "”：" + pl.override})
	}
	assigned := "分案至 " + teamName
	if pl.handlerName != "" {
		assigned += "，承办人 " + pl.handlerName
	} else {
		days := 0
		ms, err := ruleparams.Milestones(ctx, tx, court, today)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Code == "assign_handler" {
				days = m.Days
			}
		}
		assigned += fmt.Sprintf("，待团队确定承办人（CLOCK-5：立案后 %d 日内）", days)
	}
	pl.events = append(pl.events, cases.Event{Kind: "assigned", Summary: assigned})
	return pl, nil
}
