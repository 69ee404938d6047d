package intake

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Mediation outcomes (FLOW-2).
const (
	MediationOpen    = "open"
	MediationPaid    = "paid"    // the debtor paid: no case
	MediationSettled = "settled" // the parties settled: no case
	MediationFailed  = "failed"  // goes on to filing; the record informs triage
)

// MediationLabel is the Chinese name of a mediation status.
func MediationLabel(s string) string {
	return map[string]string{MediationOpen: "调解中", MediationPaid: "已履行", MediationSettled: "已和解", MediationFailed: "调解不成"}[s]
}

// Mediation is the pre-enforcement mediation (执诉前调) of an application.
type Mediation struct {
	ApplicationID uuid.UUID
	MediatorID    uuid.UUID
	MediatorName  string
	Status        string
	NoticeSentOn  legal.Date // 执前督促履行告知书
	StartedAt     time.Time
	EndedAt       time.Time
	OutcomeNote   string
	PaidFen       int64
	Contacts      []Contact
}

// Contact is one contact with a party during mediation.
type Contact struct {
	ID         uuid.UUID
	At         time.Time
	Channel    string
	PartyName  string
	Summary    string
	RecordedBy uuid.UUID
}

var contactChannels = map[string]string{"phone": "电话", "visit": "当面", "sms": "短信", "video": "视频", "other": "其他"}

// ContactChannelLabel is the Chinese name of a contact channel.
func ContactChannelLabel(c string) string { return contactChannels[c] }

func getMediation(ctx context.Context, q store.Querier, appID uuid.UUID) (*Mediation, error) {
	m := &Mediation{}
	var ended sql.NullTime
	err := q.QueryRow(ctx, `SELECT m.application_id, m.mediator_id, u.display_name, m.status, m.notice_sent_on, m.started_at,
			m.ended_at, m.outcome_note, m.paid_fen
		FROM mediations m JOIN users u ON u.id = m.mediator_id WHERE m.application_id = ?`, appID).
		Scan(&m.ApplicationID, &m.MediatorID, &m.MediatorName, &m.Status, &m.NoticeSentOn, &m.StartedAt, &ended, &m.OutcomeNote, &m.PaidFen)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m.EndedAt = ended.Time
	rows, err := q.Query(ctx, `SELECT id, at, channel, party_name, summary, recorded_by FROM mediation_contacts
		WHERE application_id = ? ORDER BY at, id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.ID, &c.At, &c.Channel, &c.PartyName, &c.Summary, &c.RecordedBy); err != nil {
			return nil, err
		}
		m.Contacts = append(m.Contacts, c)
	}
	return m, rows.Err()
}

// RouteToMediation sends a received application to a mediator of its court
// (applications.register or applications.review). An application mediated
// once and failed is not sent again.
func RouteToMediation(ctx context.Context, tx *store.Tx, id, mediatorID uuid.UUID) (*Application, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.ApplicationsRegister) && !p.Can(access.ApplicationsReview) {
		return nil, apperr.Forbid("")
	}
	a, err := lockApplication(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusReceived {
		return nil, wrongStatus(a, "转执前调解")
	}
	if a.Mediation != nil {
		return nil, apperr.New(apperr.Conflict, "already_mediated", "该申请已经执前调解（"+MediationLabel(a.Mediation.Status)+"），不能再次转调解")
	}
	var court uuid.UUID
	var role string
	var disabled sql.NullTime
	err = tx.QueryRow(ctx, `SELECT court_id, role, disabled_at FROM users WHERE id = ?`, mediatorID).Scan(&court, &role, &disabled)
	if store.IsNoRows(err) || err == nil && (court != a.CourtID || disabled.Valid || role != access.RoleMediator) {
		return nil, apperr.InvalidField("invalid_mediator", "body.mediator_id", "调解员须为本院在岗的调解员")
	}
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO mediations (application_id, court_id, mediator_id, status, started_at) VALUES (?, ?, ?, 'open', ?)`,
		a.ID, a.CourtID, mediatorID, now); err != nil {
		return nil, err
	}
	a.Status = StatusMediation
	if err := touch(ctx, tx, a); err != nil {
		return nil, err
	}
	if a.Mediation, err = getMediation(ctx, tx, a.ID); err != nil {
		return nil, err
	}
	return a, audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "mediation.started", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "转执前调解，调解员 " + a.Mediation.MediatorName,
		Changes: audit.Changes{"status": {From: StatusReceived, To: StatusMediation}, "mediator_id": {To: mediatorID.String()}}})
}

// lockMediation returns an application in mediation for the mediator's
// records (mediation.handle).
func lockMediation(ctx context.Context, tx *store.Tx, id uuid.UUID) (*access.Principal, *Application, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Require(access.MediationHandle); err != nil {
		return nil, nil, err
	}
	a, err := lockApplication(ctx, tx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if a.Status != StatusMediation || a.Mediation == nil || a.Mediation.Status != MediationOpen {
		return nil, nil, apperr.New(apperr.Conflict, "mediation_closed", "该申请不在执前调解中")
	}
	return p, a, nil
}

// RecordNotice records that the 执前督促履行告知书 was sent.
func RecordNotice(ctx context.Context, tx *store.Tx, id uuid.UUID, sentOn legal.Date) (*Application, error) {
	_, a, err := lockMediation(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if sentOn.IsZero() || sentOn.After(legal.Today(time.Now())) || sentOn.Before(a.ReceivedOn) {
		return nil, apperr.InvalidField("invalid_date", "body.sent_on", "告知书发出日期应在收到申请之日与今天之间")
	}
	if _, err := tx.Exec(ctx, `UPDATE mediations SET notice_sent_on = ? WHERE application_id = ?`, sentOn, a.ID); err != nil {
		return nil, err
	}
	a.Mediation.NoticeSentOn = sentOn
	return a, audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "mediation.notice_sent", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "发出执前督促履行告知书（" + sentOn.String() + "）"})
}

// ContactInput records one contact.
type ContactInput struct {
	Channel   string
	PartyName string
	Summary   string
}

// AddContact records a contact with a party during mediation.
func AddContact(ctx context.Context, tx *store.Tx, id uuid.UUID, in ContactInput) (*Application, error) {
	p, a, err := lockMediation(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if contactChannels[in.Channel] == "" {
		return nil, apperr.InvalidField("invalid_channel", "body.channel", "联系方式应为 phone、visit、sms、video 或 other")
	}
	in.Summary = strings.TrimSpace(in.Summary)
	if in.Summary == "" || utf8.RuneCountInString(in.Summary) > 2000 {
		return nil, apperr.InvalidField("invalid_summary", "body.summary", "请填写联系情况（不超过 2000 字）")
	}
	var ok bool
	if in.PartyName, ok = text(in.PartyName, 100); !ok {
		return nil, apperr.InvalidField("invalid_party_name", "body.party_name", "联系对象名称不超过 100 个字")
	}
	c := Contact{ID: store.NewID(), At: time.Now().UTC(), Channel: in.Channel, PartyName: in.PartyName, Summary: in.Summary, RecordedBy: p.UserID}
	if _, err := tx.Exec(ctx, `INSERT INTO mediation_contacts (id, application_id, at, channel, party_name, summary, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, a.ID, c.At, c.Channel, c.PartyName, c.Summary, store.NullID(c.RecordedBy)); err != nil {
		return nil, err
	}
	a.Mediation.Contacts = append(a.Mediation.Contacts, c)
	return a, audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "mediation.contact", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "调解联系（" + contactChannels[c.Channel] + "）" + c.PartyName})
}

// OutcomeInput ends a mediation.
type OutcomeInput struct {
	Outcome string // paid, settled, failed
	Note    string
	PaidFen int64
}

// RecordOutcome ends a mediation. Paid or settled ends the matter without a
// case; failed returns the application to the filing queue, and the
// mediation record travels with it to the case (FLOW-2).
func RecordOutcome(ctx context.Context, tx *store.Tx, id uuid.UUID, in OutcomeInput) (*Application, error) {
	_, a, err := lockMediation(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	switch in.Outcome {
	case MediationPaid, MediationSettled, MediationFailed:
	default:
		return nil, apperr.InvalidField("invalid_outcome", "body.outcome", "调解结果应为 paid（已履行）、settled（已和解）或 failed（调解不成）")
	}
	if in.Note == "" || utf8.RuneCountInString(in.Note) > 2000 {
		return nil, apperr.InvalidField("invalid_note", "body.note", "请写明调解结果（不超过 2000 字）")
	}
	if in.PaidFen < 0 || in.PaidFen > MaxClaimFen {
		return nil, apperr.InvalidField("invalid_amount", "body.paid_fen", "履行金额不正确")
	}
	if in.Outcome == MediationPaid && in.PaidFen == 0 && a.ClaimAmountFen > 0 {
		return nil, apperr.InvalidField("invalid_amount", "body.paid_fen", "已履行的，请填写履行金额")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE mediations SET status = ?, ended_at = ?, outcome_note = ?, paid_fen = ? WHERE application_id = ?`,
		in.Outcome, now, in.Note, in.PaidFen, a.ID); err != nil {
		return nil, err
	}
	from := a.Status
	if in.Outcome == MediationFailed {
		a.Status = StatusReceived
	} else {
		a.Status, a.DecidedAt = StatusSettled, now
	}
	if err := touch(ctx, tx, a); err != nil {
		return nil, err
	}
	a.Mediation.Status, a.Mediation.EndedAt, a.Mediation.OutcomeNote, a.Mediation.PaidFen = in.Outcome, now, in.Note, in.PaidFen
	return a, audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "mediation.ended", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "执前调解结果：" + MediationLabel(in.Outcome) + "。" + in.Note,
		Changes: audit.Changes{"status": {From: from, To: a.Status}, "outcome": {To: in.Outcome}, "paid_fen": {To: in.PaidFen}}})
}
