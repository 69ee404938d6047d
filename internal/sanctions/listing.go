package sanctions

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The 失信 listing (SX-1 … SX-6). A listing names one or more SX-1 grounds;
// it is refused for a minor, where an adequate guarantee is recorded, or
// where the property seized or frozen for the case covers what is still
// owed (SX-2). It may be published after a grace period (SX-4); its term
// runs from publication (SX-3). It is deleted within 3 working days of a
// trigger (SX-5): see due.go for how triggers are found.

// Listing states.
const (
	ListingActive  = "active"
	ListingDeleted = "deleted"
)

// Listing is one 失信 listing.
type Listing struct {
	ID            uuid.UUID
	CourtID       uuid.UUID
	CaseID        uuid.UUID
	CaseNo        string
	PartyID       uuid.UUID
	PartyName     string
	PartyKind     string
	IDNumber      string
	Grounds       []legal.DishonestGround
	Serious       bool
	DecidedOn     legal.Date
	GraceMonths   int
	PublishOn     legal.Date
	FixedTerm     bool
	TermYears     int
	EndsOn        legal.Date
	DocumentNo    string
	Note          string
	Status        string
	TriggerKind   string // a trigger recorded by hand
	TriggerOn     legal.Date
	TriggerNote   string
	DeletedOn     legal.Date
	DeleteGround  string
	DeleteDueOn   legal.Date
	DeletedOnTime *bool
	DeleteNote    string
	CreatedByName string
	CreatedAt     time.Time
	// Due is the deletion an SX-5 trigger calls for, while active.
	Due *Due
}

// MaskedID is the ID number or credit code masked for lists.
func (l *Listing) MaskedID() string { return legal.MaskID(l.IDNumber) }

// Active reports whether the listing is in force.
func (l *Listing) Active() bool { return l.Status == ListingActive }

// GroundsText lists the grounds, "（一）…；（四）…".
func (l *Listing) GroundsText() string {
	s := ""
	for i, g := range l.Grounds {
		if i > 0 {
			s += "；"
		}
		s += fmt.Sprintf("（%d）%s", int(g), g.Label())
	}
	return s
}

// TermText is the term for people.
func (l *Listing) TermText() string {
	if !l.FixedTerm {
		return "不设固定期限（履行完毕后删除）"
	}
	return fmt.Sprintf("%d 年，至 %s", l.TermYears, l.EndsOn)
}

const listingSelect = `SELECT l.id, l.court_id, l.case_id, c.case_no, l.party_id, l.party_name, l.party_kind, l.id_number, l.grounds, l.serious,
	l.decided_on, l.grace_months, l.publish_on, l.fixed_term, l.term_years, l.ends_on, l.document_no, l.note, l.status, l.trigger_kind,
	l.trigger_on, l.trigger_note, l.deleted_on, l.delete_ground, l.delete_due_on, l.deleted_on_time, l.delete_note, l.created_by_name,
	l.created_at FROM dishonest_listings l JOIN cases c ON c.id = l.case_id`

func scanListing(sc store.Scanner) (*Listing, error) {
	l := &Listing{}
	var grounds string
	err := sc.Scan(&l.ID, &l.CourtID, &l.CaseID, &l.CaseNo, &l.PartyID, &l.PartyName, &l.PartyKind, &l.IDNumber, &grounds, &l.Serious,
		&l.DecidedOn, &l.GraceMonths, &l.PublishOn, &l.FixedTerm, &l.TermYears, &l.EndsOn, &l.DocumentNo, &l.Note, &l.Status, &l.TriggerKind,
		&l.TriggerOn, &l.TriggerNote, &l.DeletedOn, &l.DeleteGround, &l.DeleteDueOn, &l.DeletedOnTime, &l.DeleteNote, &l.CreatedByName,
		&l.CreatedAt)
	if err != nil {
		return nil, err
	}
	l.CreatedAt = l.CreatedAt.UTC()
	l.Grounds, err = legal.ParseGrounds(grounds)
	return l, err
}

// ListingInput lists a respondent as 失信.
type ListingInput struct {
	PartyID     uuid.UUID
	Grounds     []legal.DishonestGround
	Serious     bool // a serious case: the term may be extended (SX-3)
	ExtraYears  int
	DecidedOn   legal.Date
	GraceMonths int
	DocumentNo  string
	Note        string
}

// Coverage is what the SX-2 property exclusion compares: what the debtor
// still owes on the case and what stands against it.
type Coverage struct {
	OutstandingFen int64 // claim less recovered
	ControlledFen  int64 // seized or frozen for the case, in force
	GuaranteedFen  int64 // guarantees recorded for the debtor
}

// readCoverage reads the SX-2 figures of a respondent of a case. Kept
// simple on purpose: the outstanding amount is the case's claim less what
// was recovered; property counts when a control of this case is in force
// ('active', not a waiting 轮候 one) — a freeze for the amount frozen, a
// seizure for the asset's recorded value (its reference value before any
// valuation); guarantees count at their amount.
func readCoverage(ctx context.Context, q store.Querier, c *cases.Case, partyID uuid.UUID) (Coverage, error) {
	cv := Coverage{OutstandingFen: max(c.ClaimAmountFen-c.RecoveredAmountFen, 0)}
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN k.op = 'freeze' THEN k.amount_fen ELSE a.value_fen END), 0)
		FROM controls k JOIN assets a ON a.id = k.asset_id WHERE k.case_id = ? AND k.status = 'active'`, c.ID).Scan(&cv.ControlledFen); err != nil {
		return cv, err
	}
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM debtor_guarantees WHERE case_id = ? AND party_id = ?`, c.ID, partyID).
		Scan(&cv.GuaranteedFen)
	return cv, err
}

// excluded is a 409 refusal of a listing under SX-2.
func excluded(code, detail string) error {
	return apperr.New(apperr.Conflict, code, detail, apperr.FieldError{Field: "body.party_id", Detail: detail})
}

// ListDishonest lists a respondent of an open case as 失信
// (sanctions.manage) and records the measure dishonest_listed. Refused
// under SX-2 for a minor, an adequate guarantee or property under control
// covering the debt.
func ListDishonest(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in ListingInput) (*Listing, error) {
	p, c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	if in.PartyID == uuid.Nil {
		return nil, apperr.InvalidField("party_required", "body.party_id", "请选择被执行人")
	}
	who, err := getRespondent(ctx, tx, caseID, in.PartyID)
	if err != nil {
		return nil, err
	}
	if len(in.Grounds) == 0 {
		return nil, apperr.InvalidField("grounds_required", "body.grounds", "请至少选择一项纳入失信名单的情形（SX-1）")
	}
	grounds, err := legal.ParseGrounds(legal.FormatGrounds(in.Grounds))
	if err != nil {
		return nil, apperr.InvalidField("invalid_grounds", "body.grounds", err.Error())
	}
	if err := checkDay(in.DecidedOn, c, "body.decided_on", "决定日期"); err != nil {
		return nil, err
	}
	v, err := rules(ctx, tx, c.CourtID, in.DecidedOn)
	if err != nil {
		return nil, err
	}
	sr := v.SanctionRules()
	if err := legal.CheckGrace(in.GraceMonths, sr); err != nil {
		return nil, apperr.InvalidField("invalid_grace", "body.grace_months", err.Error())
	}
	term, err := legal.ComputeDishonestTerm(grounds, in.Serious, in.ExtraYears, sr)
	if err != nil {
		return nil, apperr.InvalidField("invalid_term", "body.extra_years", err.Error())
	}
	doc, err := text(in.DocumentNo, 100, "body.document_no", "文书编号")
	if err != nil {
		return nil, err
	}
	note, err := text(in.Note, 1000, "body.note", "说明")
	if err != nil {
		return nil, err
	}
	var active int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM dishonest_listings WHERE case_id = ? AND party_id = ? AND status = 'active'`, caseID,
		who.PartyID).Scan(&active); err != nil {
		return nil, err
	}
	if active > 0 {
		return nil, apperr.New(apperr.Conflict, "already_listed", "本案已将"+who.Name+"纳入失信名单，尚未删除")
	}
	// SX-2 exclusions.
	if who.Kind == "person" {
		if err := legal.CheckNotMinor(who.IDNumber, in.DecidedOn); err != nil {
			return nil, excluded("dishonest_minor", err.Error())
		}
	}
	cv, err := readCoverage(ctx, tx, c, who.PartyID)
	if err != nil {
		return nil, err
	}
	switch {
	case cv.OutstandingFen == 0:
		return nil, excluded("dishonest_performed", "本案执行到位金额已达申请执行金额，被执行人不属于未履行义务的情形（SX-1）")
	case cv.GuaranteedFen >= cv.OutstandingFen:
		return nil, excluded("dishonest_guaranteed", fmt.Sprintf("已登记的担保 %s 足以清偿尚未履行的 %s，不得纳入失信名单（SX-2）",
			triage.FormatYuan(cv.GuaranteedFen), triage.FormatYuan(cv.OutstandingFen)))
	case cv.ControlledFen >= cv.OutstandingFen:
		return nil, excluded("dishonest_covered", fmt.Sprintf("本案已查封、冻结的财产 %s 足以清偿尚未履行的 %s，不得纳入失信名单（SX-2）",
			triage.FormatYuan(cv.ControlledFen), triage.FormatYuan(cv.OutstandingFen)))
	}
	t := now().UTC()
	l := &Listing{ID: store.NewID(), CourtID: c.CourtID, CaseID: caseID, CaseNo: c.CaseNo, PartyID: who.PartyID, PartyName: who.Name,
		PartyKind: who.Kind, IDNumber: who.IDNumber, Grounds: grounds, Serious: in.Serious, DecidedOn: in.DecidedOn, GraceMonths: in.GraceMonths,
		PublishOn: legal.PublishOn(in.DecidedOn, in.GraceMonths), FixedTerm: term.Fixed, TermYears: term.Years, DocumentNo: doc, Note: note,
		Status: ListingActive, CreatedByName: p.DisplayName, CreatedAt: t}
	l.EndsOn = term.EndsOn(l.PublishOn)
	if _, err := tx.Exec(ctx, `INSERT INTO dishonest_listings (id, court_id, case_id, party_id, party_name, party_kind, id_number, grounds, serious,
		decided_on, grace_months, publish_on, fixed_term, term_years, ends_on, document_no, note, status, created_by_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, l.ID, l.CourtID, caseID, l.PartyID, l.PartyName, l.PartyKind,
		l.IDNumber, legal.FormatGrounds(grounds), l.Serious, l.DecidedOn, l.GraceMonths, l.PublishOn, l.FixedTerm, l.TermYears, l.EndsOn,
		l.DocumentNo, l.Note, l.Status, l.CreatedByName, t, t); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("将%s纳入失信被执行人名单（%s），情形：%s；期限：%s", l.PartyName, l.DecidedOn, l.GroundsText(), l.TermText())
	if l.GraceMonths > 0 {
		summary += fmt.Sprintf("；宽限期 %d 个月，%s 公布", l.GraceMonths, l.PublishOn)
	}
	if err := recordMeasure(ctx, tx, caseID, cases.MeasureDishonestListed, l.DecidedOn, l.DocumentNo, summary); err != nil {
		return nil, err
	}
	return l, logSanction(ctx, tx, c, "dishonest_listing", l.ID, "listed", summary, audit.Changes{"party_id": {To: l.PartyID.String()},
		"grounds": {To: legal.FormatGrounds(grounds)}, "publish_on": {To: l.PublishOn.String()}})
}

// NotDueInput records that a respondent does not meet the 失信 grounds.
type NotDueInput struct {
	PartyID   uuid.UUID
	DecidedOn legal.Date
	Note      string // what was examined
}

// RecordNotDue records, after examination, that a respondent does not meet
// the grounds of SX-1 or is excluded by SX-2 (sanctions.manage): the
// measure dishonest_not_due the 终本 gate accepts in place of a listing.
func RecordNotDue(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in NotDueInput) (*cases.Measure, error) {
	_, c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	if in.PartyID == uuid.Nil {
		return nil, apperr.InvalidField("party_required", "body.party_id", "请选择被执行人")
	}
	who, err := getRespondent(ctx, tx, caseID, in.PartyID)
	if err != nil {
		return nil, err
	}
	if err := checkDay(in.DecidedOn, c, "body.decided_on", "审查日期"); err != nil {
		return nil, err
	}
	note, err := text(in.Note, 900, "body.note", "审查情况")
	if err != nil {
		return nil, err
	}
	if note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "请写明审查情况：为何不符合纳入失信名单的条件（SX-1、SX-2）")
	}
	return cases.RecordMeasure(ctx, tx, caseID, cases.MeasureInput{Kind: cases.MeasureDishonestNotDue, DoneOn: in.DecidedOn,
		Note: who.Name + "：" + note})
}

// lockListing locks a listing and its case.
func lockListing(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Listing, *cases.Case, error) {
	_, c, err := lockedCaseOf(ctx, tx, "dishonest_listings", id, "失信名单记录")
	if err != nil {
		return nil, nil, err
	}
	l, err := scanListing(tx.QueryRow(ctx, listingSelect+` WHERE l.id = ?`, id))
	return l, c, err
}

// ExtendInput extends a listing's term.
type ExtendInput struct {
	Years  int
	Reason string
}

// ExtendListing extends an active fixed-term listing for a serious case or
// several grounds (SX-3), within the court's extension bounds in all.
func ExtendListing(ctx context.Context, tx *store.Tx, id uuid.UUID, in ExtendInput) (*Listing, error) {
	l, c, err := lockListing(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if l.Status != ListingActive {
		return nil, apperr.New(apperr.Conflict, "listing_deleted", "该失信名单记录已于 "+l.DeletedOn.String()+" 删除")
	}
	if !l.FixedTerm {
		return nil, apperr.New(apperr.Conflict, "no_fixed_term", "该记录不设固定期限，无需延长（SX-3）")
	}
	reason, err := text(in.Reason, 1000, "body.reason", "理由")
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明延长的理由（情节严重或具有多项失信行为）")
	}
	v, err := rules(ctx, tx, l.CourtID, l.DecidedOn)
	if err != nil {
		return nil, err
	}
	sr := v.SanctionRules()
	if !l.Serious && len(l.Grounds) < 2 {
		return nil, apperr.New(apperr.Conflict, "not_extendable", "只有情节严重或具有多项失信行为的，才可以延长失信期限（SX-3）")
	}
	extra := l.TermYears - sr.TermYears + in.Years
	if in.Years <= 0 || extra < sr.ExtraMinYears || extra > sr.ExtraMaxYears {
		return nil, apperr.InvalidField("invalid_years", "body.years", fmt.Sprintf("失信期限共可延长 %d 至 %d 年，已延长 %d 年（SX-3）", sr.ExtraMinYears,
			sr.ExtraMaxYears, l.TermYears-sr.TermYears))
	}
	from := l.EndsOn
	l.TermYears += in.Years
	l.EndsOn = legal.DishonestTerm{Years: l.TermYears, Fixed: true}.EndsOn(l.PublishOn)
	if _, err := tx.Exec(ctx, `UPDATE dishonest_listings SET term_years = ?, ends_on = ?, updated_at = ? WHERE id = ?`, l.TermYears, l.EndsOn,
		now().UTC(), id); err != nil {
		return nil, err
	}
	return l, logSanction(ctx, tx, c, "dishonest_listing", id, "extended", fmt.Sprintf("延长%s的失信期限 %d 年，至 %s：%s", l.PartyName, in.Years,
		l.EndsOn, reason), audit.Changes{"ends_on": {From: from.String(), To: l.EndsOn.String()}})
}

// TriggerInput records an SX-5 trigger that the case's records do not show
// by themselves.
type TriggerInput struct {
	Kind string // settlement_performed, applicant_request, suspended, performed
	On   legal.Date
	Note string
}

// RecordTrigger records an SX-5 trigger by hand (sanctions.manage): a
// settlement performed, the applicant's written request accepted, a
// suspension for retrial or bankruptcy, or performance outside the case
// account before closure. The listing then shows in the deletion queue,
// due 3 working days after the trigger.
func RecordTrigger(ctx context.Context, tx *store.Tx, id uuid.UUID, in TriggerInput) (*Listing, error) {
	l, c, err := lockListing(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if l.Status != ListingActive {
		return nil, apperr.New(apperr.Conflict, "listing_deleted", "该失信名单记录已于 "+l.DeletedOn.String()+" 删除")
	}
	if l.TriggerKind != "" {
		return nil, apperr.New(apperr.Conflict, "trigger_recorded", "已于 "+l.TriggerOn.String()+" 记录删除事由："+TriggerLabel(l.TriggerKind))
	}
	switch in.Kind {
	case TriggerSettlement, TriggerApplicant, TriggerSuspended, TriggerPerformed:
	default:
		return nil, apperr.InvalidField("invalid_trigger", "body.kind", "删除事由应为 settlement_performed（和解协议履行完毕）、applicant_request（申请执行人申请删除）、"+
			"suspended（因再审、破产中止执行）或 performed（已履行完毕）")
	}
	if in.On.IsZero() || in.On.Before(l.DecidedOn) || in.On.After(legal.Today(now())) {
		return nil, apperr.InvalidField("invalid_date", "body.on", "事由发生日期应在纳入日期 "+l.DecidedOn.String()+" 至今天之间")
	}
	note, err := text(in.Note, 1000, "body.note", "说明")
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE dishonest_listings SET trigger_kind = ?, trigger_on = ?, trigger_note = ?, updated_at = ? WHERE id = ?`,
		in.Kind, in.On, note, now().UTC(), id); err != nil {
		return nil, err
	}
	l.TriggerKind, l.TriggerOn, l.TriggerNote = in.Kind, in.On, note
	if l.Due, err = listingDue(ctx, tx, l); err != nil {
		return nil, err
	}
	return l, logSanction(ctx, tx, c, "dishonest_listing", id, "trigger", fmt.Sprintf("%s的失信信息应予删除：%s（%s），应于 %s 前删除（SX-5）",
		l.PartyName, TriggerLabel(in.Kind), in.On, l.Due.DueOn), audit.Changes{"trigger_kind": {To: in.Kind}, "trigger_on": {To: in.On.String()}})
}

// DeleteInput deletes a listing.
type DeleteInput struct {
	Ground string // "" takes the trigger's; term_expired; corrected (an error, SX-6); any trigger kind
	On     legal.Date
	Note   string
}

// DeleteListing deletes an active listing (sanctions.manage): on an SX-5
// trigger (recording whether it was within the 3 working days), at the end
// of its term, or as the correction of an error (SX-6).
func DeleteListing(ctx context.Context, tx *store.Tx, id uuid.UUID, in DeleteInput) (*Listing, error) {
	l, c, err := lockListing(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if l.Status != ListingActive {
		return nil, apperr.New(apperr.Conflict, "already_deleted", "该失信名单记录已于 "+l.DeletedOn.String()+" 删除")
	}
	today := legal.Today(now())
	if in.On.IsZero() {
		in.On = today
	}
	if in.On.Before(l.DecidedOn) || in.On.After(today) {
		return nil, apperr.InvalidField("invalid_date", "body.on", "删除日期应在纳入日期 "+l.DecidedOn.String()+" 至今天之间")
	}
	note, err := text(in.Note, 1000, "body.note", "说明")
	if err != nil {
		return nil, err
	}
	due, err := listingDue(ctx, tx, l)
	if err != nil {
		return nil, err
	}
	ground := in.Ground
	switch {
	case ground == "" && due != nil:
		ground = due.Trigger
	case ground == "":
		return nil, apperr.InvalidField("ground_required", "body.ground", "尚无删除事由；请选择删除理由（期限届满或纠正错误）")
	case ground == DeleteExpired:
		if !l.FixedTerm || !in.On.After(l.EndsOn) {
			return nil, apperr.InvalidField("not_expired", "body.ground", "失信期限尚未届满（"+l.TermText()+"）")
		}
	case ground == DeleteCorrected:
		if note == "" {
			return nil, apperr.InvalidField("note_required", "body.note", "请写明纠正的决定")
		}
	case TriggerLabel(ground) != "":
		if due == nil || due.Trigger != ground {
			return nil, apperr.InvalidField("no_trigger", "body.ground", "案件记录未显示“"+TriggerLabel(ground)+"”；请先记录删除事由")
		}
	default:
		return nil, apperr.InvalidField("invalid_ground", "body.ground", "删除理由无效："+truncate(ground, 30))
	}
	var dueOn legal.Date
	var onTime *bool
	if due != nil {
		dueOn = due.DueOn
		ok := !in.On.After(dueOn)
		onTime = &ok
	}
	if _, err := tx.Exec(ctx, `UPDATE dishonest_listings SET status = ?, deleted_on = ?, delete_ground = ?, delete_due_on = ?, deleted_on_time = ?,
		delete_note = ?, updated_at = ? WHERE id = ?`, ListingDeleted, in.On, ground, dueOn, onTime, note, now().UTC(), id); err != nil {
		return nil, err
	}
	l.Status, l.DeletedOn, l.DeleteGround, l.DeleteDueOn, l.DeletedOnTime, l.DeleteNote = ListingDeleted, in.On, ground, dueOn, onTime, note
	summary := fmt.Sprintf("删除%s的失信信息（%s）：%s", l.PartyName, in.On, DeleteGroundLabel(ground))
	if onTime != nil {
		if *onTime {
			summary += fmt.Sprintf("，在期限 %s 内", dueOn)
		} else {
			summary += fmt.Sprintf("，超过应删除日期 %s（SX-5）", dueOn)
		}
	}
	if note != "" {
		summary += "：" + note
	}
	return l, logSanction(ctx, tx, c, "dishonest_listing", id, "deleted", summary, audit.Changes{"status": {From: ListingActive, To: ListingDeleted},
		"ground": {To: ground}})
}

// Delete grounds besides the triggers.
const (
	DeleteExpired   = "term_expired"
	DeleteCorrected = "corrected"
)

// DeleteGroundLabel is the Chinese name of a deletion ground.
func DeleteGroundLabel(g string) string {
	switch g {
	case DeleteExpired:
		return "失信期限届满"
	case DeleteCorrected:
		return "纠正错误（SX-6）"
	}
	return TriggerLabel(g)
}
