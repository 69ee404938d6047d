package remedies

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

const columns = `r.id, r.court_id, ct.short_name, r.origin_court_id, oc.short_name, r.case_id, k.case_no, k.party_names, r.kind, r.state,
	r.reviewed_id, COALESCE(rv.number, ''), r.number, r.applicant_name, r.applicant_role, r.applicant_phone, r.request, r.grounds, r.asset_id,
	COALESCE(s.kind, ''), COALESCE(s.ref, ''), COALESCE(s.institution, ''), r.received_on, r.restarted_on, r.forwarded_on, r.registered_on,
	r.not_accepted_reason, r.examined_on, r.examination, r.decided_on, r.outcome, r.decision, r.served_on, r.extended, r.extension_reason,
	r.extended_by_name, r.remands, r.register_by, r.forward_by, r.decide_by, r.overall_by, r.extend_ask_by, r.review_by, r.suit_by, r.due_on,
	CASE WHEN EXISTS (SELECT 1 FROM remedy_asset_stops x WHERE x.remedy_id = r.id) THEN 1 ELSE 0 END,
	r.created_by_name, r.created_at, r.updated_at`

const from = ` FROM remedies r JOIN cases k ON k.id = r.case_id JOIN courts ct ON ct.id = r.court_id JOIN courts oc ON oc.id = r.origin_court_id
	LEFT JOIN remedies rv ON rv.id = r.reviewed_id LEFT JOIN assets s ON s.id = r.asset_id`

func scan(sc store.Scanner) (*Remedy, error) {
	r := &Remedy{}
	var reviewed, asset uuid.NullUUID
	var assetKind, assetRef, institution string
	var stopped int
	err := sc.Scan(&r.ID, &r.CourtID, &r.CourtName, &r.OriginCourtID, &r.OriginCourtName, &r.CaseID, &r.CaseNo, &r.PartyNames, &r.Kind,
		&r.State, &reviewed, &r.ReviewedNumber, &r.Number, &r.ApplicantName, &r.ApplicantRole, &r.ApplicantPhone, &r.Request, &r.Grounds,
		&asset, &assetKind, &assetRef, &institution, &r.ReceivedOn, &r.RestartedOn, &r.ForwardedOn, &r.RegisteredOn, &r.NotAcceptedReason,
		&r.ExaminedOn, &r.Examination, &r.DecidedOn, &r.Outcome, &r.Decision, &r.ServedOn, &r.Extended, &r.ExtensionReason,
		&r.ExtendedByName, &r.Remands, &r.Clock.RegisterBy, &r.Clock.ForwardBy, &r.Clock.DecideBy, &r.Clock.OverallBy,
		&r.Clock.ExtendAskBy, &r.ReviewBy, &r.SuitBy, &r.DueOn, &stopped, &r.CreatedByName, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	r.ReviewedID, r.AssetID, r.AssetStopped = reviewed.UUID, asset.UUID, stopped == 1
	if asset.Valid {
		r.AssetLabel = agency.Kind(assetKind).Label() + " " + assetRef
		if institution != "" {
			r.AssetLabel += "（" + institution + "）"
		}
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// sees reports whether p may see r: the examining court or the case's.
func sees(p *access.Principal, r *Remedy) bool { return p.Sees(r.CourtID) || p.Sees(r.OriginCourtID) }

// load reads a remedy with its steps, without checks.
func load(ctx context.Context, q store.Querier, id uuid.UUID) (*Remedy, error) {
	r, err := scan(q.QueryRow(ctx, `SELECT `+columns+from+` WHERE r.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("执行救济事项")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT step, on_date, summary, actor_name, at FROM remedy_steps WHERE remedy_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s Step
		if err := rows.Scan(&s.Step, &s.On, &s.Summary, &s.ActorName, &s.At); err != nil {
			return nil, err
		}
		s.At = s.At.UTC()
		r.Steps = append(r.Steps, s)
	}
	return r, rows.Err()
}

// lock reads a remedy for a change, locking its row, after checking the
// permission; a remedy of courts outside the caller's scope does not exist
// for them. The examining court's people act on it, except forwarding a
// 复议 (the court that ruled) — checked by the caller.
func lock(ctx context.Context, tx *store.Tx, id uuid.UUID, perm access.Permission) (*access.Principal, *Remedy, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Require(perm); err != nil {
		return nil, nil, err
	}
	var got uuid.UUID
	err = tx.QueryRow(ctx, `SELECT id FROM remedies WHERE id = ?`+tx.ForUpdate(), id).Scan(&got)
	if store.IsNoRows(err) {
		return nil, nil, apperr.NotFoundf("执行救济事项")
	}
	if err != nil {
		return nil, nil, err
	}
	r, err := load(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if !sees(p, r) {
		return nil, nil, apperr.NotFoundf("执行救济事项")
	}
	return p, r, nil
}

// Get returns a remedy with its steps to those who may read it (cases.read
// or remedies.manage, either court in scope).
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*Remedy, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.CasesRead) && !p.Can(access.RemediesManage) {
		return nil, apperr.Forbid("")
	}
	r, err := load(ctx, q, id)
	if err == nil && !sees(p, r) {
		return nil, apperr.NotFoundf("执行救济事项")
	}
	return r, err
}

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	CaseID  uuid.UUID
	Kind    Kind
	States  []State
	Overdue bool       // open and past the current state's due day
	Today   legal.Date // for Overdue; zero: today
}

// List lists the remedies of the courts in scope (examining or the case's),
// newest first.
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Remedy], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Remedy]{}, err
	}
	if !p.Can(access.CasesRead) && !p.Can(access.RemediesManage) {
		return page.Page[*Remedy]{}, apperr.Forbid("")
	}
	if _, err := req.LimitOrDefault(); err != nil {
		return page.Page[*Remedy]{}, err
	}
	c1, a1 := p.CourtFilter("r.court_id")
	c2, a2 := p.CourtFilter("r.origin_court_id")
	where := []string{"((" + c1 + ") OR (" + c2 + "))"}
	args := append(a1, a2...)
	if f.CaseID != uuid.Nil {
		where, args = append(where, "r.case_id = ?"), append(args, f.CaseID)
	}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return page.Page[*Remedy]{}, apperr.InvalidField("invalid_kind", "query.kind", "没有“"+clip(string(f.Kind), 20)+"”这种执行救济")
		}
		where, args = append(where, "r.kind = ?"), append(args, string(f.Kind))
	}
	if len(f.States) > 0 {
		var in []string
		for _, s := range f.States {
			if !s.Valid() {
				return page.Page[*Remedy]{}, apperr.InvalidField("invalid_state", "query.state", "没有“"+clip(string(s), 20)+"”这种状态")
			}
			in, args = append(in, "?"), append(args, string(s))
		}
		where = append(where, "r.state IN ("+strings.Join(in, ", ")+")")
	}
	if f.Overdue {
		today := f.Today
		if today.IsZero() {
			today = legal.Today(time.Now())
		}
		where, args = append(where, "r.state IN ('filed', 'forwarded', 'registered', 'examined') AND r.due_on < ?"), append(args, today)
	}
	return store.PageByID(ctx, q, req, `SELECT `+columns+from+` WHERE `+strings.Join(where, " AND "), args, "r.id", true, scan,
		func(r *Remedy) uuid.UUID { return r.ID })
}

// AssetBlocked reports whether enforcement against an asset stopped because
// an outsider's objection to it was upheld (OBJ-4). Disposal (auction,
// 变卖, deduction) asks before acting on an asset.
func AssetBlocked(ctx context.Context, q store.Querier, assetID uuid.UUID) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM remedy_asset_stops WHERE asset_id = ?`, assetID).Scan(&n)
	return n > 0, err
}

// rules returns the C values of §6 in force for court on the day on.
func rules(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (legal.RemedyRules, error) {
	v, err := ruleparams.Resolve(ctx, q, court, on)
	if err != nil {
		return legal.RemedyRules{}, err
	}
	return legal.RemedyRules{RegisterDays: v.Int(ruleparams.KeyObjectionRegisterDays), ReviewFileDays: v.Int(ruleparams.KeyReviewFileDays),
		ReviewForwardDays: v.Int(ruleparams.KeyReviewForwardDays), ReviewDecideDays: v.Int(ruleparams.KeyReviewDecideDays),
		ReviewExtendDays: v.Int(ruleparams.KeyReviewExtendDays), OverallMonths: v.Int(ruleparams.KeyObjectionOverallMonths),
		ExtensionNoticeDays: v.Int(ruleparams.KeyObjectionExtendNoticeDays), ExtensionMonths: v.Int(ruleparams.KeyObjectionExtendMonths),
		ComplaintLogWorkdays: v.Int(ruleparams.KeyComplaintLogWorkdays), ComplaintCloseWorkdays: v.Int(ruleparams.KeyComplaintCloseWorkdays),
		Periods: v.PeriodRules()}, nil
}

// clocks recomputes r's clocks and due day after a change of its dates or
// state, and writes them.
func clocks(ctx context.Context, tx *store.Tx, r *Remedy) error {
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return err
	}
	rr, err := rules(ctx, tx, r.CourtID, r.ReceivedOn)
	if err != nil {
		return err
	}
	r.Clock = cal.RemedyDeadlines(legal.RemedyKind(r.Kind), legal.RemedyDates{Received: r.ReceivedOn, Registered: r.RegisteredOn,
		Restarted: r.RestartedOn, Extended: r.Extended}, rr)
	r.ReviewBy, r.SuitBy = legal.Date{}, legal.Date{}
	if r.State == Served && r.Outcome != Withdrawn {
		switch r.Kind {
		case Objection:
			r.ReviewBy = cal.ReviewWindowEnd(r.ServedOn, rr)
		case Outsider:
			r.SuitBy = cal.SuitWindowEnd(r.ServedOn)
		}
	}
	switch r.State {
	case Filed:
		r.DueOn = r.Clock.RegisterBy
		if r.Kind == Review {
			r.DueOn = r.Clock.ForwardBy
		}
	case Forwarded:
		r.DueOn = legal.Date{}
	case Registered, Examined:
		r.DueOn = r.Clock.DecideBy
		if !r.Clock.OverallBy.IsZero() && r.Clock.OverallBy.Before(r.DueOn) || r.DueOn.IsZero() {
			r.DueOn = r.Clock.OverallBy
		}
	default:
		r.DueOn = legal.Date{}
	}
	_, err = tx.Exec(ctx, `UPDATE remedies SET register_by = ?, forward_by = ?, decide_by = ?, overall_by = ?, extend_ask_by = ?, review_by = ?,
		suit_by = ?, due_on = ? WHERE id = ?`, r.Clock.RegisterBy, r.Clock.ForwardBy, r.Clock.DecideBy, r.Clock.OverallBy, r.Clock.ExtendAskBy,
		r.ReviewBy, r.SuitBy, r.DueOn, r.ID)
	return err
}

// record writes a step: its row, the case's timeline entry and the audit
// record.
func record(ctx context.Context, tx *store.Tx, p *access.Principal, r *Remedy, step string, on legal.Date, summary string, ch audit.Changes) error {
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO remedy_steps (id, remedy_id, step, on_date, summary, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		store.NewID(), r.ID, step, on, summary, store.NullID(p.UserID), p.DisplayName, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET updated_at = ? WHERE id = ?`, now, r.ID); err != nil {
		return err
	}
	if err := cases.AppendEvents(ctx, tx, r.CaseID, cases.Event{Kind: "remedy." + step, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: r.CourtID, Action: "remedy." + step, ObjectType: "remedy", ObjectID: r.ID.String(),
		Summary: r.CaseNo + "：" + summary, Changes: ch})
}

// wrongState is the 409 answer to a step the remedy's state does not allow.
func wrongState(r *Remedy, action string) error {
	return apperr.New(apperr.Conflict, "invalid_transition", r.Kind.Label()+"目前为“"+r.State.Label()+"”，不能"+action)
}

// stepDate checks the date of a step: given (else today), not in the
// future, not before the previous step.
func stepDate(on, after legal.Date, field, afterLabel string) (legal.Date, error) {
	today := legal.Today(time.Now())
	if on.IsZero() {
		on = today
	}
	if on.After(today) {
		return on, apperr.InvalidField("date_in_future", field, "日期不能晚于今天")
	}
	if !after.IsZero() && on.Before(after) {
		return on, apperr.InvalidField("date_too_early", field, "日期不能早于"+afterLabel+"（"+after.String()+"）")
	}
	return on, nil
}

// number gives a registered remedy its number from the court's counter.
func number(ctx context.Context, tx *store.Tx, r *Remedy, on legal.Date) (string, error) {
	court, err := org.GetCourt(ctx, tx, r.CourtID)
	if err != nil {
		return "", err
	}
	if r.Kind == Complaint {
		seq, err := cases.NextNumber(ctx, tx, r.CourtID, "信访", on.Year())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("（%d）%s信访登记第%d号", on.Year(), court.Code, seq), nil
	}
	zi, err := cases.Zi(ctx, tx, r.Kind.CaseType())
	if err != nil {
		return "", err
	}
	seq, err := cases.NextNumber(ctx, tx, r.CourtID, zi, on.Year())
	if err != nil {
		return "", err
	}
	return legal.CaseNo{Year: on.Year(), Court: court.Code, Type: zi, Seq: seq}.String(), nil
}
