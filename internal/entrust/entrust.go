// Package entrust is entrusted matters (事项委托, DOMAIN.md §1.1 command
// center, CLOCK-12, MET-10; SCENARIOS S13): one court's case asks another
// enforcing court to do one thing — an investigation, a seizure or freeze,
// a service or a delivery — about an asset or a party.
//
// The entrusting court (entrust.manage, on an open case it may work on)
// sends the matter; it arrives in the receiving court's command-center
// inbox, which accepts it (or returns it with a reason), assigns it to a
// person or team of that court, records the work and reports back the
// result (text, the day it was done, for a seizure the registry reference).
// The due day is CLOCK-12 as in force at the receiving court on the day the
// matter was sent. Both courts see the matter; the receiving court sees only
// what the matter carries (the case number, the subject, what is asked),
// never the rest of the case. Every step is one transaction with its audit
// record and, on the entrusting case, its timeline entry.
package entrust

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Kind is what the matter asks for.
type Kind string

const (
	KindInvestigate Kind = "investigate" // 调查
	KindSeize       Kind = "seize"       // 查封、冻结
	KindServe       Kind = "serve"       // 送达
	KindDeliver     Kind = "deliver"     // 交付及其他
)

var kinds = []Kind{KindInvestigate, KindSeize, KindServe, KindDeliver}

// Kinds lists the kinds in display order.
func Kinds() []Kind { return slices.Clone(kinds) }

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case KindInvestigate:
		return "调查"
	case KindSeize:
		return "查封、冻结"
	case KindServe:
		return "送达"
	case KindDeliver:
		return "交付及其他"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(kinds, k) }

// Status is where a matter stands.
type Status string

const (
	StatusSent     Status = "sent"     // sent; in the receiving court's inbox
	StatusAccepted Status = "accepted" // accepted by the receiving court
	StatusAssigned Status = "assigned" // with a person or team of the receiving court
	StatusReported Status = "reported" // done and reported back
	StatusReturned Status = "returned" // returned by the receiving court, with a reason
)

var statuses = []Status{StatusSent, StatusAccepted, StatusAssigned, StatusReported, StatusReturned}

// Statuses lists the statuses in the order a matter goes through them.
func Statuses() []Status { return slices.Clone(statuses) }

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case StatusSent:
		return "待接收"
	case StatusAccepted:
		return "已接收"
	case StatusAssigned:
		return "办理中"
	case StatusReported:
		return "已办结回复"
	case StatusReturned:
		return "已退回"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(statuses, s) }

// Open reports whether the receiving court still owes the matter a report.
func (s Status) Open() bool { return s == StatusSent || s == StatusAccepted || s == StatusAssigned }

// Limits of the texts of a matter.
const (
	maxSubject     = 500
	maxRequest     = 2000
	maxAttachments = 4000
	maxReason      = 1000
	maxNote        = 2000
	maxResult      = 4000
	maxRegistryRef = 100
)

// Matter is an entrusted matter as both courts read it.
type Matter struct {
	ID          uuid.UUID
	CourtID     uuid.UUID // the entrusting court (the case's)
	CourtName   string
	CaseID      uuid.UUID
	CaseNo      string
	CaseType    string
	ToCourtID   uuid.UUID // the receiving court
	ToCourtName string
	Kind        Kind
	Status      Status
	Subject     string
	AssetID     uuid.UUID
	Request     string
	Attachments string
	SentBy      uuid.UUID
	SentByName  string
	SentOn      legal.Date
	Days        int        // CLOCK-12 in force at the receiving court on SentOn
	DueOn       legal.Date // the last day to report

	AcceptedByName string
	AcceptedAt     time.Time
	ReturnedByName string
	ReturnReason   string
	ReturnedAt     time.Time
	TeamID         uuid.UUID
	TeamName       string
	AssigneeID     uuid.UUID
	AssigneeName   string
	AssignedByName string
	AssignedAt     time.Time

	Result         string
	DoneOn         legal.Date
	RegistryRef    string
	ReportedByName string
	ReportedAt     time.Time

	CreatedAt time.Time
	UpdatedAt time.Time

	Notes []Note // loaded by Get and the changes
}

// Note is work recorded on a matter by the receiving court.
type Note struct {
	ID        uuid.UUID
	Text      string
	ByName    string
	CreatedAt time.Time
}

// OnTime reports whether a reported matter was done by its due day
// (MET-10).
func (m *Matter) OnTime() bool {
	return m.Status == StatusReported && legal.EntrustedMatterOnTime(m.DoneOn, m.DueOn)
}

// Overdue reports whether the matter is late on today: still open past its
// due day, or reported done after it.
func (m *Matter) Overdue(today legal.Date) bool {
	switch {
	case m.Status.Open():
		return legal.EntrustedMatterOverdue(m.DueOn, today)
	case m.Status == StatusReported:
		return !m.OnTime()
	}
	return false
}

// DaysTaken is the days from sending to done of a reported matter.
func (m *Matter) DaysTaken() int {
	if m.Status != StatusReported {
		return 0
	}
	return max(m.DoneOn.Sub(m.SentOn), 0)
}

func (m *Matter) what() string {
	return "事项委托（" + m.Kind.Label() + "，" + clip(m.Subject, 40) + "）"
}

// text checks a required text input.
func text(s, field, code, label string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.InvalidField(code+"_required", field, "请填写"+label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", apperr.InvalidField(code+"_too_long", field, fmt.Sprintf("%s不能超过 %d 个字", label, max))
	}
	return s, nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// wrongState is the 409 answer to a change the matter's status does not
// allow.
func wrongState(m *Matter, action string) error {
	return apperr.New(apperr.Conflict, "invalid_transition", "该委托事项目前为“"+m.Status.Label()+"”，不能"+action)
}

// log writes a step to the audit chain of court and, when event, to the
// entrusting case's timeline.
func log(ctx context.Context, tx *store.Tx, m *Matter, court uuid.UUID, action, summary string, event bool, ch audit.Changes) error {
	if event {
		if err := cases.AppendEvents(ctx, tx, m.CaseID, cases.Event{Kind: "entrusted_matter." + action, Summary: summary}); err != nil {
			return err
		}
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: court, Action: "entrusted_matter." + action, ObjectType: "entrusted_matter",
		ObjectID: m.ID.String(), Summary: m.CaseNo + "：" + summary, Changes: ch})
}

// SendInput is a matter as the entrusting court sends it.
type SendInput struct {
	ToCourtID   uuid.UUID
	Kind        Kind
	Subject     string    // the asset or party it concerns; may be left out when AssetID or PartyID names it
	AssetID     uuid.UUID // optional: an asset of a party of the case
	PartyID     uuid.UUID // optional: a party of the case
	Request     string    // what is asked
	Attachments string    // as text for now
}

// Send entrusts a matter of an open case to another enforcing court
// (entrust.manage, the case's court in scope). Its due day is CLOCK-12 in
// force at the receiving court today.
func Send(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in SendInput) (*Matter, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.EntrustManage)
	if err != nil {
		return nil, err
	}
	if p.UserID == uuid.Nil {
		return nil, apperr.Forbid("事项委托须由具体人员发出")
	}
	if c.Status == cases.StatusClosed {
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件 "+c.CaseNo+" 已结案（"+cases.ClosureLabel(c.Closure)+"），不能再委托事项")
	}
	var probs apperr.Problems
	var toName string
	switch {
	case in.ToCourtID == uuid.Nil:
		probs.Add("to_court_required", "body.to_court_id", "请选择受托法院")
	case in.ToCourtID == c.CourtID:
		probs.Add("same_court", "body.to_court_id", "不能委托本院办理：事项委托须发给其他法院")
	default:
		var level string
		var active bool
		err := tx.QueryRow(ctx, `SELECT short_name, level, active FROM courts WHERE id = ?`, in.ToCourtID).Scan(&toName, &level, &active)
		switch {
		case store.IsNoRows(err):
			probs.Add("unknown_court", "body.to_court_id", "受托法院不存在")
		case err != nil:
			return nil, err
		case !active || level != "intermediate" && level != "basic":
			probs.Add("not_enforcing_court", "body.to_court_id", "受托法院须为在用的执行法院（中级或基层人民法院）："+toName)
		}
	}
	if !in.Kind.Valid() {
		var labels []string
		for _, k := range kinds {
			labels = append(labels, string(k)+"（"+k.Label()+"）")
		}
		probs.Add("unknown_kind", "body.kind", "请选择委托事项："+strings.Join(labels, "、"))
	}
	subject := strings.TrimSpace(in.Subject)
	named := false // the asset or party was given but refused
	if in.AssetID != uuid.Nil {
		var kind, ref, institution, owner string
		err := tx.QueryRow(ctx, `SELECT s.kind, s.ref, s.institution, cp.name FROM assets s JOIN case_parties cp ON cp.party_id = s.party_id
			WHERE s.id = ? AND cp.case_id = ?`, in.AssetID, c.ID).Scan(&kind, &ref, &institution, &owner)
		switch {
		case store.IsNoRows(err):
			probs.Add("not_case_asset", "body.asset_id", "该财产不存在或不属于本案当事人")
			named = true
		case err != nil:
			return nil, err
		case subject == "":
			subject = owner + "名下" + agency.Kind(kind).Label() + " " + ref
			if institution != "" {
				subject += "（" + institution + "）"
			}
		}
	}
	if in.PartyID != uuid.Nil {
		var name, role string
		err := tx.QueryRow(ctx, `SELECT name, role FROM case_parties WHERE case_id = ? AND party_id = ?`, c.ID, in.PartyID).Scan(&name, &role)
		switch {
		case store.IsNoRows(err):
			probs.Add("not_case_party", "body.party_id", "该当事人不存在或不是本案当事人")
			named = true
		case err != nil:
			return nil, err
		case subject == "":
			subject = map[string]string{"applicant": "申请执行人 ", "respondent": "被执行人 "}[role] + name
		}
	}
	if subject == "" && !named {
		probs.Add("subject_required", "body.subject", "请写明委托事项涉及的财产或当事人")
	} else if utf8.RuneCountInString(subject) > maxSubject {
		probs.Add("subject_too_long", "body.subject", fmt.Sprintf("涉及的财产或当事人不能超过 %d 个字", maxSubject))
	}
	request, err := text(in.Request, "body.request", "request", "委托办理的内容", maxRequest)
	if err != nil {
		probs.AddErr("body.request", err)
	}
	attachments := strings.TrimSpace(in.Attachments)
	if utf8.RuneCountInString(attachments) > maxAttachments {
		probs.Add("attachments_too_long", "body.attachments", fmt.Sprintf("附件说明不能超过 %d 个字", maxAttachments))
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	sent := legal.Today(now)
	days, due, err := dueOf(ctx, tx, in.ToCourtID, sent)
	if err != nil {
		return nil, err
	}
	m := &Matter{ID: store.NewID(), CourtID: c.CourtID, CaseID: c.ID, CaseNo: c.CaseNo, CaseType: c.CaseType, ToCourtID: in.ToCourtID,
		ToCourtName: toName, Kind: in.Kind, Status: StatusSent, Subject: subject, AssetID: in.AssetID, Request: request,
		Attachments: attachments, SentBy: p.UserID, SentByName: p.DisplayName, SentOn: sent, Days: days, DueOn: due}
	if _, err := tx.Exec(ctx, `INSERT INTO entrusted_matters (id, court_id, case_id, case_no, case_type, to_court_id, kind, status, subject,
		asset_id, request, attachments, sent_by, sent_by_name, sent_on, days, due_on, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.CourtID, m.CaseID, m.CaseNo, m.CaseType, m.ToCourtID, string(m.Kind), m.Subject, store.NullID(m.AssetID), m.Request,
		m.Attachments, m.SentBy, m.SentByName, m.SentOn, m.Days, m.DueOn, now, now); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("委托 %s 办理%s，限 %s 前回复（%d 日，CLOCK-12）：%s", toName, m.what(), due, days, clip(request, 100))
	if err := log(ctx, tx, m, m.CourtID, "sent", summary, true, audit.Changes{"to_court_id": {To: m.ToCourtID}, "kind": {To: m.Kind},
		"subject": {To: m.Subject}, "due_on": {To: m.DueOn}, "days": {To: days}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, m.ID)
}

// dueOf is CLOCK-12 in force at the receiving court on the day sent, and
// the due day it gives.
func dueOf(ctx context.Context, tx *store.Tx, toCourt uuid.UUID, sent legal.Date) (int, legal.Date, error) {
	v, err := ruleparams.Resolve(ctx, tx, toCourt, sent)
	if err != nil {
		return 0, legal.Date{}, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return 0, legal.Date{}, err
	}
	for _, ms := range v.Milestones() {
		if ms.Code == "entrusted_matter" {
			return ms.Days, legal.EntrustedMatterDue(cal, sent, ms.Days, ms.Working, v.PeriodRules()), nil
		}
	}
	return 0, legal.Date{}, fmt.Errorf("entrust: no entrusted_matter milestone (CLOCK-12)")
}

// lockIn reads a matter for a change by the receiving court
// (entrust.manage, the receiving court in scope), locking its row. To
// everybody else who may not see it, it does not exist; the entrusting
// court's staff get 403.
func lockIn(ctx context.Context, tx *store.Tx, id uuid.UUID) (*access.Principal, *Matter, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := scan(tx.QueryRow(ctx, `SELECT `+columns+from+` WHERE m.id = ?`+tx.ForUpdate("m"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(m.ToCourtID) && !p.Sees(m.CourtID) {
		return nil, nil, apperr.NotFoundf("委托事项")
	}
	if err != nil {
		return nil, nil, err
	}
	if err := p.Require(access.EntrustManage); err != nil {
		return nil, nil, err
	}
	if !p.Sees(m.ToCourtID) {
		return nil, nil, apperr.Forbid("只有受托法院可以办理委托事项")
	}
	if p.UserID == uuid.Nil {
		return nil, nil, apperr.Forbid("委托事项须由具体人员办理")
	}
	return p, m, nil
}

// Accept takes a sent matter into the receiving court's work.
func Accept(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Matter, error) {
	p, m, err := lockIn(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusSent {
		return nil, wrongState(m, "接收")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE entrusted_matters SET status = 'accepted', accepted_by_name = ?, accepted_at = ?, updated_at = ? WHERE id = ?`,
		p.DisplayName, now, now, m.ID); err != nil {
		return nil, err
	}
	if err := log(ctx, tx, m, m.ToCourtID, "accepted", m.ToCourtName+"接收"+m.what(), true,
		audit.Changes{"status": {From: m.Status, To: StatusAccepted}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, m.ID)
}

// Return gives a sent matter back to the entrusting court with the reason
// the receiving court will not do it.
func Return(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Matter, error) {
	p, m, err := lockIn(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusSent {
		return nil, wrongState(m, "退回")
	}
	reason, err = text(reason, "body.reason", "reason", "退回理由", maxReason)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE entrusted_matters SET status = 'returned', returned_by_name = ?, return_reason = ?, returned_at = ?,
		updated_at = ? WHERE id = ?`, p.DisplayName, reason, now, now, m.ID); err != nil {
		return nil, err
	}
	if err := log(ctx, tx, m, m.ToCourtID, "returned", m.ToCourtName+"退回"+m.what()+"："+clip(reason, 200), true,
		audit.Changes{"status": {From: m.Status, To: StatusReturned}, "reason": {To: reason}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, m.ID)
}

// AssignInput gives a matter to a person or a team of the receiving court.
type AssignInput struct {
	TeamID     uuid.UUID // optional when AssigneeID is given: the person's team
	AssigneeID uuid.UUID
}

// Assign gives an accepted matter to a team and/or person of the receiving
// court, or moves it to another.
func Assign(ctx context.Context, tx *store.Tx, id uuid.UUID, in AssignInput) (*Matter, error) {
	p, m, err := lockIn(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusAccepted && m.Status != StatusAssigned {
		return nil, wrongState(m, "分派")
	}
	if in.TeamID == uuid.Nil && in.AssigneeID == uuid.Nil {
		return nil, apperr.InvalidField("assignee_required", "body.assignee_id", "请选择承办人或团队")
	}
	var personName, teamName string
	team := in.TeamID
	if in.AssigneeID != uuid.Nil {
		var userTeam uuid.NullUUID
		var disabled *time.Time
		err := tx.QueryRow(ctx, `SELECT display_name, team_id, disabled_at FROM users WHERE id = ? AND court_id = ?`, in.AssigneeID, m.ToCourtID).
			Scan(&personName, &userTeam, &disabled)
		if store.IsNoRows(err) || err == nil && disabled != nil {
			return nil, apperr.InvalidField("invalid_assignee", "body.assignee_id", "承办人须为受托法院在岗的人员")
		}
		if err != nil {
			return nil, err
		}
		if team == uuid.Nil {
			team = userTeam.UUID
		} else if userTeam.UUID != team {
			return nil, apperr.InvalidField("assignee_not_in_team", "body.assignee_id", "承办人不属于所选团队")
		}
	}
	if team != uuid.Nil {
		var active bool
		err := tx.QueryRow(ctx, `SELECT name, active FROM teams WHERE id = ? AND court_id = ?`, team, m.ToCourtID).Scan(&teamName, &active)
		if store.IsNoRows(err) || err == nil && !active {
			return nil, apperr.InvalidField("invalid_team", "body.team_id", "团队须为受托法院在用的团队")
		}
		if err != nil {
			return nil, err
		}
	}
	if team == m.TeamID && in.AssigneeID == m.AssigneeID {
		return nil, apperr.New(apperr.Conflict, "no_change", "分派没有变化")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE entrusted_matters SET status = 'assigned', team_id = ?, assignee_id = ?, assigned_by_name = ?,
		assigned_at = ?, updated_at = ? WHERE id = ?`, store.NullID(team), store.NullID(in.AssigneeID), p.DisplayName, now, now, m.ID); err != nil {
		return nil, err
	}
	to := strings.TrimSpace(teamName + " " + personName)
	return afterChange(ctx, tx, m, "assigned", m.what()+" 交 "+to+" 办理", audit.Changes{"status": {From: m.Status, To: StatusAssigned},
		"team_id": {From: idText(m.TeamID), To: idText(team)}, "assignee_id": {From: idText(m.AssigneeID), To: idText(in.AssigneeID)}})
}

// afterChange logs a step the receiving court keeps to itself (not on the
// entrusting case's timeline) and reads the matter again.
func afterChange(ctx context.Context, tx *store.Tx, m *Matter, action, summary string, ch audit.Changes) (*Matter, error) {
	if err := log(ctx, tx, m, m.ToCourtID, action, summary, false, ch); err != nil {
		return nil, err
	}
	return load(ctx, tx, m.ID)
}

// RecordWork records work done on an accepted or assigned matter.
func RecordWork(ctx context.Context, tx *store.Tx, id uuid.UUID, note string) (*Matter, error) {
	p, m, err := lockIn(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusAccepted && m.Status != StatusAssigned {
		return nil, wrongState(m, "记录办理情况")
	}
	note, err = text(note, "body.text", "text", "办理情况", maxNote)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO entrusted_matter_notes (id, matter_id, court_id, text, by_name, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		store.NewID(), m.ID, m.ToCourtID, note, p.DisplayName, now); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE entrusted_matters SET updated_at = ? WHERE id = ?`, now, m.ID); err != nil {
		return nil, err
	}
	return afterChange(ctx, tx, m, "work_recorded", "记录"+m.what()+"的办理情况："+clip(note, 100), audit.Changes{"note": {To: note}})
}

// ReportInput is the result the receiving court reports back.
type ReportInput struct {
	Result      string
	DoneOn      legal.Date // zero: today
	RegistryRef string     // a seizure's registry reference, if any
}

// Report records the result of an accepted or assigned matter and reports
// it back to the entrusting court: the matter is done, and the result lands
// on the entrusting case's timeline.
func Report(ctx context.Context, tx *store.Tx, id uuid.UUID, in ReportInput) (*Matter, error) {
	p, m, err := lockIn(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusAccepted && m.Status != StatusAssigned {
		return nil, wrongState(m, "回复结果")
	}
	now := time.Now().UTC()
	today := legal.Today(now)
	var probs apperr.Problems
	result, err := text(in.Result, "body.result", "result", "办理结果", maxResult)
	if err != nil {
		probs.AddErr("body.result", err)
	}
	done := in.DoneOn
	if done.IsZero() {
		done = today
	}
	switch {
	case done.After(today):
		probs.Add("done_in_future", "body.done_on", "办结日期不能晚于今天")
	case done.Before(m.SentOn):
		probs.Add("done_before_sent", "body.done_on", "办结日期不能早于委托日期（"+m.SentOn.String()+"）")
	}
	ref := strings.TrimSpace(in.RegistryRef)
	switch {
	case ref != "" && m.Kind != KindSeize:
		probs.Add("registry_ref_not_seizure", "body.registry_ref", "只有查封、冻结事项有登记文号")
	case utf8.RuneCountInString(ref) > maxRegistryRef:
		probs.Add("registry_ref_too_long", "body.registry_ref", fmt.Sprintf("登记文号不能超过 %d 个字", maxRegistryRef))
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE entrusted_matters SET status = 'reported', result = ?, done_on = ?, registry_ref = ?, reported_by_name = ?,
		reported_at = ?, updated_at = ? WHERE id = ?`, result, done, ref, p.DisplayName, now, now, m.ID); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("%s回复%s：%s 办结", m.ToCourtName, m.what(), done)
	if !legal.EntrustedMatterOnTime(done, m.DueOn) {
		summary += fmt.Sprintf("（超过期限 %s）", m.DueOn)
	}
	if ref != "" {
		summary += "，登记文号 " + ref
	}
	summary += "。" + clip(result, 200)
	if err := log(ctx, tx, m, m.ToCourtID, "reported", summary, true, audit.Changes{"status": {From: m.Status, To: StatusReported},
		"done_on": {To: done}, "registry_ref": {To: ref}, "result": {To: result}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, m.ID)
}

func idText(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}
