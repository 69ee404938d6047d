package sanctions

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Correction requests against a listing (SX-6; 法释〔2013〕17号 Arts.11–12):
// a request is decided within 15 days; a decision to correct is carried out
// within 3 working days; a 复议 of the decision is asked within 10 days of
// its service and decided within 15 days, without suspending the listing.
// Every period is a rule parameter; each step records whether it was on
// time.

// Correction kinds and states.
const (
	CorrectionRequest = "correction"
	CorrectionReview  = "review"

	CorrectionFiled     = "filed"
	CorrectionDecided   = "decided"
	CorrectionCorrected = "corrected"

	OutcomeCorrect = "correct"
	OutcomeReject  = "reject"
)

// Correction is a correction request or a 复议.
type Correction struct {
	ID              uuid.UUID
	ListingID       uuid.UUID
	PartyName       string
	Kind            string
	ReviewsID       uuid.UUID
	FiledOn         legal.Date
	Applicant       string
	Request         string
	DecideDue       legal.Date
	Status          string
	Outcome         string
	DecidedOn       legal.Date
	DecidedOnTime   *bool
	DecisionNote    string
	CorrectDue      legal.Date
	CorrectedOn     legal.Date
	CorrectedOnTime *bool
	CreatedByName   string
	CreatedAt       time.Time
}

// KindLabel is the kind in Chinese.
func (c *Correction) KindLabel() string {
	if c.Kind == CorrectionReview {
		return "复议"
	}
	return "纠正申请"
}

// OutcomeLabel is the outcome in Chinese.
func (c *Correction) OutcomeLabel() string {
	return map[string]string{OutcomeCorrect: "予以纠正", OutcomeReject: "驳回"}[c.Outcome]
}

// StatusLabel is the state in Chinese.
func (c *Correction) StatusLabel() string {
	return map[string]string{CorrectionFiled: "待审查", CorrectionDecided: "已决定", CorrectionCorrected: "已更正"}[c.Status]
}

const correctionSelect = `SELECT k.id, k.listing_id, l.party_name, k.kind, k.reviews_id, k.filed_on, k.applicant, k.request, k.decide_due, k.status,
	k.outcome, k.decided_on, k.decided_on_time, k.decision_note, k.correct_due, k.corrected_on, k.corrected_on_time, k.created_by_name, k.created_at
	FROM dishonest_corrections k JOIN dishonest_listings l ON l.id = k.listing_id`

func scanCorrection(sc store.Scanner) (*Correction, error) {
	k := &Correction{}
	var reviews uuid.NullUUID
	err := sc.Scan(&k.ID, &k.ListingID, &k.PartyName, &k.Kind, &reviews, &k.FiledOn, &k.Applicant, &k.Request, &k.DecideDue, &k.Status,
		&k.Outcome, &k.DecidedOn, &k.DecidedOnTime, &k.DecisionNote, &k.CorrectDue, &k.CorrectedOn, &k.CorrectedOnTime, &k.CreatedByName,
		&k.CreatedAt)
	k.ReviewsID = reviews.UUID
	k.CreatedAt = k.CreatedAt.UTC()
	return k, err
}

func caseCorrections(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Correction, error) {
	rows, err := q.Query(ctx, correctionSelect+` WHERE l.case_id = ? ORDER BY k.created_at DESC, k.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanCorrection)
}

// CorrectionInput files a correction request or a 复议.
type CorrectionInput struct {
	Kind      string    // correction, review
	ReviewsID uuid.UUID // review: the decided correction request it contests
	FiledOn   legal.Date
	Applicant string
	Request   string
}

// FileCorrection registers a correction request against a listing, or a
// 复议 of a decided one (sanctions.manage), with its decision due day.
func FileCorrection(ctx context.Context, tx *store.Tx, listingID uuid.UUID, in CorrectionInput) (*Correction, error) {
	l, c, err := lockListing(ctx, tx, listingID)
	if err != nil {
		return nil, err
	}
	today := legal.Today(now())
	if in.FiledOn.IsZero() || in.FiledOn.Before(l.DecidedOn) || in.FiledOn.After(today) {
		return nil, apperr.InvalidField("invalid_date", "body.filed_on", "申请日期应在纳入日期 "+l.DecidedOn.String()+" 至今天之间")
	}
	applicant, err := text(in.Applicant, 100, "body.applicant", "申请人")
	if err != nil {
		return nil, err
	}
	request, err := text(in.Request, 2000, "body.request", "申请内容")
	if err != nil {
		return nil, err
	}
	if applicant == "" {
		return nil, apperr.InvalidField("applicant_required", "body.applicant", "请填写申请人")
	}
	if request == "" {
		return nil, apperr.InvalidField("request_required", "body.request", "请填写申请纠正的内容和理由")
	}
	v, err := rules(ctx, tx, l.CourtID, in.FiledOn)
	if err != nil {
		return nil, err
	}
	sr := v.SanctionRules()
	cal, err := calendarOf(ctx, tx)
	if err != nil {
		return nil, err
	}
	var due legal.Date
	switch in.Kind {
	case CorrectionRequest:
		if in.ReviewsID != uuid.Nil {
			return nil, apperr.InvalidField("not_applicable", "body.reviews_id", "纠正申请不涉及复议对象")
		}
		due = legal.CorrectionDecideBy(cal, in.FiledOn, sr)
	case CorrectionReview:
		if in.ReviewsID == uuid.Nil {
			return nil, apperr.InvalidField("reviews_required", "body.reviews_id", "请选择申请复议的纠正决定")
		}
		prior, err := scanCorrection(tx.QueryRow(ctx, correctionSelect+` WHERE k.id = ? AND k.listing_id = ?`, in.ReviewsID, listingID))
		if store.IsNoRows(err) {
			return nil, apperr.InvalidField("invalid_reviews_id", "body.reviews_id", "该失信记录没有这项纠正决定")
		}
		if err != nil {
			return nil, err
		}
		if prior.Kind != CorrectionRequest || prior.Status == CorrectionFiled {
			return nil, apperr.InvalidField("invalid_reviews_id", "body.reviews_id", "只能对已作出决定的纠正申请申请复议")
		}
		if last := legal.ReviewFileBy(cal, prior.DecidedOn, sr); in.FiledOn.After(last) {
			return nil, apperr.New(apperr.Conflict, "review_too_late", fmt.Sprintf("复议应在纠正决定送达之日起 %d 日内提出（%s 前），已逾期（SX-6）",
				sr.ReviewFileDays, last))
		}
		due = legal.ReviewDecideBy(cal, in.FiledOn, sr)
	default:
		return nil, apperr.InvalidField("invalid_kind", "body.kind", "类别应为 correction（纠正申请）或 review（复议）")
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM dishonest_corrections WHERE listing_id = ? AND kind = ? AND status = 'filed'`, listingID,
		in.Kind).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.New(apperr.Conflict, "correction_open", "该失信记录已有待审查的同类申请")
	}
	who, _ := authorName(ctx)
	t := now().UTC()
	k := &Correction{ID: store.NewID(), ListingID: listingID, PartyName: l.PartyName, Kind: in.Kind, ReviewsID: in.ReviewsID, FiledOn: in.FiledOn,
		Applicant: applicant, Request: request, DecideDue: due, Status: CorrectionFiled, CreatedByName: who, CreatedAt: t}
	var reviews any
	if in.ReviewsID != uuid.Nil {
		reviews = in.ReviewsID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO dishonest_corrections (id, court_id, listing_id, kind, reviews_id, filed_on, applicant, request, decide_due,
		status, created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, l.CourtID, listingID, k.Kind, reviews,
		k.FiledOn, k.Applicant, k.Request, k.DecideDue, k.Status, k.CreatedByName, t, t); err != nil {
		return nil, err
	}
	return k, logSanction(ctx, tx, c, "dishonest_correction", k.ID, "filed", fmt.Sprintf("%s对%s的失信信息提出%s（%s），应于 %s 前审查决定（SX-6）",
		k.Applicant, l.PartyName, k.KindLabel(), k.FiledOn, k.DecideDue), audit.Changes{"kind": {To: k.Kind}})
}

func authorName(ctx context.Context) (string, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return "", err
	}
	return p.DisplayName, nil
}

// lockCorrection locks a correction, its listing's case.
func lockCorrection(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Correction, *Listing, error) {
	var listingID uuid.UUID
	err := tx.QueryRow(ctx, `SELECT listing_id FROM dishonest_corrections WHERE id = ?`, id).Scan(&listingID)
	if store.IsNoRows(err) {
		return nil, nil, apperr.NotFoundf("纠正申请")
	}
	if err != nil {
		return nil, nil, err
	}
	l, _, err := lockListing(ctx, tx, listingID)
	if apperr.CodeOf(err) == "not_found" {
		return nil, nil, apperr.NotFoundf("纠正申请")
	}
	if err != nil {
		return nil, nil, err
	}
	k, err := scanCorrection(tx.QueryRow(ctx, correctionSelect+` WHERE k.id = ?`, id))
	return k, l, err
}

// DecisionInput decides a correction request or a 复议.
type DecisionInput struct {
	Outcome string // correct, reject
	On      legal.Date
	Note    string
}

// DecideCorrection decides a request (sanctions.manage): on time or not
// (SX-6); a decision to correct sets the day the correction is due.
func DecideCorrection(ctx context.Context, tx *store.Tx, id uuid.UUID, in DecisionInput) (*Correction, error) {
	k, l, err := lockCorrection(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if k.Status != CorrectionFiled {
		return nil, apperr.New(apperr.Conflict, "already_decided", "该申请已于 "+k.DecidedOn.String()+" 作出决定")
	}
	if in.Outcome != OutcomeCorrect && in.Outcome != OutcomeReject {
		return nil, apperr.InvalidField("invalid_outcome", "body.outcome", "决定应为 correct（予以纠正）或 reject（驳回）")
	}
	if in.On.IsZero() || in.On.Before(k.FiledOn) || in.On.After(legal.Today(now())) {
		return nil, apperr.InvalidField("invalid_date", "body.on", "决定日期应在申请日期 "+k.FiledOn.String()+" 至今天之间")
	}
	note, err := text(in.Note, 1000, "body.note", "决定理由")
	if err != nil {
		return nil, err
	}
	if note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "请写明决定理由")
	}
	onTime := !in.On.After(k.DecideDue)
	var correctDue legal.Date
	if in.Outcome == OutcomeCorrect {
		v, err := rules(ctx, tx, l.CourtID, in.On)
		if err != nil {
			return nil, err
		}
		cal, err := calendarOf(ctx, tx)
		if err != nil {
			return nil, err
		}
		correctDue = legal.CorrectBy(cal, in.On, v.SanctionRules(), v.PeriodRules())
	}
	if _, err := tx.Exec(ctx, `UPDATE dishonest_corrections SET status = ?, outcome = ?, decided_on = ?, decided_on_time = ?, decision_note = ?,
		correct_due = ?, updated_at = ? WHERE id = ?`, CorrectionDecided, in.Outcome, in.On, onTime, note, correctDue, now().UTC(), id); err != nil {
		return nil, err
	}
	k.Status, k.Outcome, k.DecidedOn, k.DecidedOnTime, k.DecisionNote, k.CorrectDue = CorrectionDecided, in.Outcome, in.On, &onTime, note, correctDue
	summary := fmt.Sprintf("对%s的%s作出决定（%s）：%s，%s", k.Applicant, k.KindLabel(), in.On, k.OutcomeLabel(), note)
	if !onTime {
		summary += fmt.Sprintf("（超过审查期限 %s）", k.DecideDue)
	}
	if in.Outcome == OutcomeCorrect {
		summary += fmt.Sprintf("；应于 %s 前更正", correctDue)
	}
	_, c, err := lockedCaseOf(ctx, tx, "dishonest_listings", l.ID, "失信名单记录")
	if err != nil {
		return nil, err
	}
	return k, logSanction(ctx, tx, c, "dishonest_correction", id, "decided", summary, audit.Changes{"outcome": {To: in.Outcome}})
}

// CorrectedInput records that the correction was made.
type CorrectedInput struct {
	On   legal.Date
	Note string
}

// MarkCorrected records that a decided correction was carried out
// (sanctions.manage), and whether within its working days (SX-6). Deleting
// a listing listed in error is DeleteListing with ground "corrected".
func MarkCorrected(ctx context.Context, tx *store.Tx, id uuid.UUID, in CorrectedInput) (*Correction, error) {
	k, l, err := lockCorrection(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case k.Status == CorrectionCorrected:
		return nil, apperr.New(apperr.Conflict, "already_corrected", "已于 "+k.CorrectedOn.String()+" 更正")
	case k.Status != CorrectionDecided || k.Outcome != OutcomeCorrect:
		return nil, apperr.New(apperr.Conflict, "not_to_correct", "该申请未决定予以纠正")
	}
	if in.On.IsZero() || in.On.Before(k.DecidedOn) || in.On.After(legal.Today(now())) {
		return nil, apperr.InvalidField("invalid_date", "body.on", "更正日期应在决定日期 "+k.DecidedOn.String()+" 至今天之间")
	}
	note, err := text(in.Note, 1000, "body.note", "更正内容")
	if err != nil {
		return nil, err
	}
	if note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "请写明更正的内容")
	}
	onTime := !in.On.After(k.CorrectDue)
	if _, err := tx.Exec(ctx, `UPDATE dishonest_corrections SET status = ?, corrected_on = ?, corrected_on_time = ?, updated_at = ? WHERE id = ?`,
		CorrectionCorrected, in.On, onTime, now().UTC(), id); err != nil {
		return nil, err
	}
	k.Status, k.CorrectedOn, k.CorrectedOnTime = CorrectionCorrected, in.On, &onTime
	_, c, err := lockedCaseOf(ctx, tx, "dishonest_listings", l.ID, "失信名单记录")
	if err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("更正%s的失信信息（%s）：%s", l.PartyName, in.On, note)
	if !onTime {
		summary += fmt.Sprintf("（超过更正期限 %s）", k.CorrectDue)
	}
	return k, logSanction(ctx, tx, c, "dishonest_correction", id, "corrected", summary, nil)
}
