package sanctions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The consumption restriction (限制消费令; XG-1 … XG-5): an order against a
// respondent banning the items of XG-2 (consumption_ban_items); for an
// organization it also binds its 法定代表人 and any named principal, person
// directly responsible or 实际控制人 (XG-3), each recorded. It may take
// effect after a grace period (SX-4). It is lifted on full performance
// (must), on a guarantee or with the applicant's consent (may, XG-4, each a
// rule parameter). Issuing it records the measure consumption_ban.

// Restriction states.
const (
	RestrictionActive = "active"
	RestrictionLifted = "lifted"
)

// Bound person roles (XG-3).
const (
	RoleLegalRep    = "legal_rep"
	RolePrincipal   = "principal"
	RoleResponsible = "responsible"
	RoleController  = "controller"
)

// BoundRoleLabel is the Chinese name of a bound person's role.
func BoundRoleLabel(r string) string {
	return map[string]string{RoleLegalRep: "法定代表人", RolePrincipal: "主要负责人", RoleResponsible: "直接责任人员", RoleController: "实际控制人"}[r]
}

// Lift grounds (XG-4).
const (
	LiftPerformed = "performed" // full performance: must
	LiftGuarantee = "guarantee" // an adequate guarantee: may
	LiftConsent   = "consent"   // the applicant consents: may
	LiftOther     = "other"     // 终结执行, 不予执行, an order issued in error
)

// LiftGroundLabel is the Chinese name of a lift ground.
func LiftGroundLabel(g string) string {
	return map[string]string{LiftPerformed: "被执行人履行完毕", LiftGuarantee: "被执行人提供确实有效的担保", LiftConsent: "申请执行人同意解除",
		LiftOther: "其他（终结执行、不予执行等）"}[g]
}

// BoundPerson is a person an organization's restriction binds.
type BoundPerson struct {
	Role     string
	Name     string
	IDNumber string
}

// RoleLabel is the Chinese name of the role.
func (b BoundPerson) RoleLabel() string { return BoundRoleLabel(b.Role) }

// MaskedID is the ID number masked for lists.
func (b BoundPerson) MaskedID() string { return legal.MaskID(b.IDNumber) }

// Restriction is one 限制消费令.
type Restriction struct {
	ID            uuid.UUID
	CourtID       uuid.UUID
	CaseID        uuid.UUID
	CaseNo        string
	PartyID       uuid.UUID
	PartyName     string
	PartyKind     string
	IDNumber      string
	DecidedOn     legal.Date
	GraceMonths   int
	StartOn       legal.Date
	DocumentNo    string
	Note          string
	Status        string
	LiftGround    string
	LiftedOn      legal.Date
	LiftDueOn     legal.Date
	LiftedOnTime  *bool
	LiftNote      string
	CreatedByName string
	CreatedAt     time.Time
	Persons       []BoundPerson
	// Due is the lifting an SX-5/XG-4 trigger calls for, while active.
	Due *Due
	// XG5 is the XG-5 defect of a 终本 case: the restriction took effect on
	// or after the closure date.
	XG5 string
}

// MaskedID is the ID number or credit code masked for lists.
func (r *Restriction) MaskedID() string { return legal.MaskID(r.IDNumber) }

// Active reports whether the restriction is in force or waiting for its
// grace period.
func (r *Restriction) Active() bool { return r.Status == RestrictionActive }

const restrictionSelect = `SELECT r.id, r.court_id, r.case_id, c.case_no, r.party_id, r.party_name, r.party_kind, r.id_number, r.decided_on,
	r.grace_months, r.start_on, r.document_no, r.note, r.status, r.lift_ground, r.lifted_on, r.lift_due_on, r.lifted_on_time, r.lift_note,
	r.created_by_name, r.created_at FROM restrictions r JOIN cases c ON c.id = r.case_id`

func scanRestriction(sc store.Scanner) (*Restriction, error) {
	r := &Restriction{}
	err := sc.Scan(&r.ID, &r.CourtID, &r.CaseID, &r.CaseNo, &r.PartyID, &r.PartyName, &r.PartyKind, &r.IDNumber, &r.DecidedOn, &r.GraceMonths,
		&r.StartOn, &r.DocumentNo, &r.Note, &r.Status, &r.LiftGround, &r.LiftedOn, &r.LiftDueOn, &r.LiftedOnTime, &r.LiftNote, &r.CreatedByName,
		&r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// loadPersons fills the bound persons of restrictions.
func loadPersons(ctx context.Context, q store.Querier, list []*Restriction) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[uuid.UUID]*Restriction, len(list))
	args := make([]any, 0, len(list))
	for _, r := range list {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	rows, err := q.Query(ctx, `SELECT restriction_id, role, name, id_number FROM restriction_persons WHERE restriction_id IN (`+
		store.Placeholders(len(args))+`) ORDER BY restriction_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var b BoundPerson
		if err := rows.Scan(&id, &b.Role, &b.Name, &b.IDNumber); err != nil {
			return err
		}
		byID[id].Persons = append(byID[id].Persons, b)
	}
	return rows.Err()
}

// RestrictionInput issues a restriction.
type RestrictionInput struct {
	PartyID     uuid.UUID
	DecidedOn   legal.Date
	GraceMonths int
	DocumentNo  string
	Note        string
	// Persons an organization's order binds besides the legal
	// representative on file (XG-3); the legal representative is added
	// from the case's party record when not given.
	Persons []BoundPerson
}

// IssueRestriction issues a 限制消费令 against a respondent of an open case
// (sanctions.manage) and records the measure consumption_ban.
func IssueRestriction(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in RestrictionInput) (*Restriction, error) {
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
	if err := checkDay(in.DecidedOn, c, "body.decided_on", "决定日期"); err != nil {
		return nil, err
	}
	v, err := rules(ctx, tx, c.CourtID, in.DecidedOn)
	if err != nil {
		return nil, err
	}
	if err := legal.CheckGrace(in.GraceMonths, v.SanctionRules()); err != nil {
		return nil, apperr.InvalidField("invalid_grace", "body.grace_months", err.Error())
	}
	doc, err := text(in.DocumentNo, 100, "body.document_no", "文书编号")
	if err != nil {
		return nil, err
	}
	note, err := text(in.Note, 1000, "body.note", "说明")
	if err != nil {
		return nil, err
	}
	persons, err := boundPersons(who, in.Persons, in.DecidedOn)
	if err != nil {
		return nil, err
	}
	var active int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM restrictions WHERE case_id = ? AND party_id = ? AND status = 'active'`, caseID,
		who.PartyID).Scan(&active); err != nil {
		return nil, err
	}
	if active > 0 {
		return nil, apperr.New(apperr.Conflict, "already_restricted", "本案已对"+who.Name+"发出限制消费令，尚未解除")
	}
	t := now().UTC()
	r := &Restriction{ID: store.NewID(), CourtID: c.CourtID, CaseID: caseID, CaseNo: c.CaseNo, PartyID: who.PartyID, PartyName: who.Name,
		PartyKind: who.Kind, IDNumber: who.IDNumber, DecidedOn: in.DecidedOn, GraceMonths: in.GraceMonths,
		StartOn: legal.PublishOn(in.DecidedOn, in.GraceMonths), DocumentNo: doc, Note: note, Status: RestrictionActive, CreatedByName: p.DisplayName,
		CreatedAt: t, Persons: persons}
	if _, err := tx.Exec(ctx, `INSERT INTO restrictions (id, court_id, case_id, party_id, party_name, party_kind, id_number, decided_on,
		grace_months, start_on, document_no, note, status, created_by_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CourtID, caseID, r.PartyID, r.PartyName, r.PartyKind, r.IDNumber,
		r.DecidedOn, r.GraceMonths, r.StartOn, r.DocumentNo, r.Note, r.Status, r.CreatedByName, t, t); err != nil {
		return nil, err
	}
	for i, b := range persons {
		if _, err := tx.Exec(ctx, `INSERT INTO restriction_persons (id, restriction_id, court_id, seq, role, name, id_number) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			store.NewID(), r.ID, r.CourtID, i+1, b.Role, b.Name, b.IDNumber); err != nil {
			return nil, err
		}
	}
	summary := fmt.Sprintf("对%s发出限制消费令（%s）", r.PartyName, r.DecidedOn)
	if r.GraceMonths > 0 {
		summary += fmt.Sprintf("，宽限期 %d 个月，自 %s 起生效并公布", r.GraceMonths, r.StartOn)
	}
	if len(persons) > 0 {
		var names []string
		for _, b := range persons {
			names = append(names, b.RoleLabel()+b.Name)
		}
		summary += "；同时限制" + strings.Join(names, "、") + "（XG-3）"
	}
	if err := recordMeasure(ctx, tx, caseID, cases.MeasureConsumptionBan, r.DecidedOn, r.DocumentNo, summary); err != nil {
		return nil, err
	}
	return r, logSanction(ctx, tx, c, "restriction", r.ID, "issued", summary, audit.Changes{"party_id": {To: r.PartyID.String()},
		"start_on": {To: r.StartOn.String()}, "persons": {To: len(persons)}})
}

// boundPersons checks the persons an order binds (XG-3): none for a
// natural person; for an organization the legal representative (from the
// party record when not given) and the others named.
func boundPersons(who *respondent, given []BoundPerson, on legal.Date) ([]BoundPerson, error) {
	if who.Kind != "organization" {
		if len(given) > 0 {
			return nil, apperr.InvalidField("persons_not_applicable", "body.persons", "被执行人为自然人，不涉及法定代表人等关联人员（XG-3）")
		}
		return nil, nil
	}
	var out []BoundPerson
	hasRep := false
	for i, b := range given {
		field := fmt.Sprintf("body.persons[%d]", i)
		b.Name, b.IDNumber = strings.TrimSpace(b.Name), strings.TrimSpace(b.IDNumber)
		if BoundRoleLabel(b.Role) == "" {
			return nil, apperr.InvalidField("invalid_role", field+".role", "身份应为 legal_rep（法定代表人）、principal（主要负责人）、responsible（直接责任人员）或 controller（实际控制人）")
		}
		if b.Name == "" {
			if b.IDNumber == "" {
				continue // an empty row of a form
			}
			return nil, apperr.InvalidField("name_required", field+".name", "请填写姓名")
		}
		if len([]rune(b.Name)) > 100 {
			return nil, apperr.InvalidField("too_long", field+".name", "姓名最多 100 字")
		}
		if b.IDNumber != "" {
			id, err := legal.ParseResidentID(b.IDNumber, on)
			if err != nil {
				return nil, apperr.InvalidField("invalid_id_number", field+".id_number", "身份证号码无效："+err.Error())
			}
			b.IDNumber = id.Number
		}
		hasRep = hasRep || b.Role == RoleLegalRep
		out = append(out, b)
	}
	if !hasRep {
		rep := strings.TrimSpace(who.LegalRep)
		if rep == "" {
			return nil, apperr.InvalidField("legal_rep_required", "body.persons", "被执行人为单位，案件未登记其法定代表人；请填写法定代表人（XG-3）")
		}
		out = append([]BoundPerson{{Role: RoleLegalRep, Name: rep}}, out...)
	}
	return out, nil
}

// LiftInput lifts a restriction.
type LiftInput struct {
	Ground string // performed, guarantee, consent, other
	On     legal.Date
	Note   string
}

// LiftRestriction lifts a restriction (sanctions.manage), with its ground
// (XG-4) and whether it was on time when a trigger called for it.
func LiftRestriction(ctx context.Context, tx *store.Tx, id uuid.UUID, in LiftInput) (*Restriction, error) {
	_, c, err := lockedCaseOf(ctx, tx, "restrictions", id, "限制消费令")
	if err != nil {
		return nil, err
	}
	r, err := scanRestriction(tx.QueryRow(ctx, restrictionSelect+` WHERE r.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if r.Status != RestrictionActive {
		return nil, apperr.New(apperr.Conflict, "already_lifted", "该限制消费令已于 "+r.LiftedOn.String()+" 解除")
	}
	today := legal.Today(now())
	if in.On.IsZero() || in.On.Before(r.DecidedOn) || in.On.After(today) {
		return nil, apperr.InvalidField("invalid_date", "body.lifted_on", "解除日期应在决定日期 "+r.DecidedOn.String()+" 至今天之间")
	}
	note, err := text(in.Note, 1000, "body.note", "说明")
	if err != nil {
		return nil, err
	}
	v, err := rules(ctx, tx, c.CourtID, in.On)
	if err != nil {
		return nil, err
	}
	switch in.Ground {
	case LiftPerformed:
		if c.Closure != "performed" && c.RecoveredAmountFen < c.ClaimAmountFen && note == "" {
			return nil, apperr.InvalidField("not_performed", "body.ground", fmt.Sprintf("执行到位 %s，少于申请执行金额 %s；被执行人直接履行的，请在说明中写明",
				triage.FormatYuan(c.RecoveredAmountFen), triage.FormatYuan(c.ClaimAmountFen)))
		}
	case LiftGuarantee:
		if !v.Bool(ruleparams.KeyLiftOnGuarantee) {
			return nil, apperr.InvalidField("ground_disabled", "body.ground", "本院规则不允许因提供担保解除限制消费（XG-4）")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM debtor_guarantees WHERE case_id = ? AND party_id = ?`, r.CaseID, r.PartyID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.InvalidField("no_guarantee", "body.ground", "本案未登记"+r.PartyName+"提供的担保；请先登记担保")
		}
	case LiftConsent:
		if !v.Bool(ruleparams.KeyLiftOnConsent) {
			return nil, apperr.InvalidField("ground_disabled", "body.ground", "本院规则不允许因申请执行人同意解除限制消费（XG-4）")
		}
		if note == "" {
			return nil, apperr.InvalidField("note_required", "body.note", "请写明申请执行人同意解除的书面意见")
		}
	case LiftOther:
		if note == "" {
			return nil, apperr.InvalidField("note_required", "body.note", "请写明解除的理由")
		}
	default:
		return nil, apperr.InvalidField("invalid_ground", "body.ground", "解除理由应为 performed（履行完毕）、guarantee（提供担保）、consent（申请执行人同意）或 other（其他）")
	}
	due, err := restrictionDue(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	var dueOn legal.Date
	var onTime *bool
	if due != nil {
		dueOn = due.DueOn
		ok := !in.On.After(due.DueOn)
		onTime = &ok
	}
	if _, err := tx.Exec(ctx, `UPDATE restrictions SET status = ?, lift_ground = ?, lifted_on = ?, lift_due_on = ?, lifted_on_time = ?, lift_note = ?,
		updated_at = ? WHERE id = ?`, RestrictionLifted, in.Ground, in.On, dueOn, onTime, note, now().UTC(), id); err != nil {
		return nil, err
	}
	r.Status, r.LiftGround, r.LiftedOn, r.LiftDueOn, r.LiftedOnTime, r.LiftNote = RestrictionLifted, in.Ground, in.On, dueOn, onTime, note
	summary := fmt.Sprintf("解除对%s的限制消费令（%s）：%s", r.PartyName, in.On, LiftGroundLabel(in.Ground))
	if note != "" {
		summary += "，" + note
	}
	if onTime != nil && !*onTime {
		summary += fmt.Sprintf("（应于 %s 前解除，已逾期）", dueOn)
	}
	return r, logSanction(ctx, tx, c, "restriction", id, "lifted", summary, audit.Changes{"status": {From: RestrictionActive, To: RestrictionLifted},
		"ground": {To: in.Ground}})
}

// Guarantee is a guarantee offered for a debtor (担保).
type Guarantee struct {
	ID            uuid.UUID
	CaseID        uuid.UUID
	PartyID       uuid.UUID
	Guarantor     string
	AmountFen     int64
	Description   string
	AcceptedOn    legal.Date
	CreatedByName string
	CreatedAt     time.Time
}

// AmountText is the amount in yuan.
func (g *Guarantee) AmountText() string { return triage.FormatYuan(g.AmountFen) }

// GuaranteeInput records a guarantee.
type GuaranteeInput struct {
	PartyID     uuid.UUID
	Guarantor   string
	AmountFen   int64
	Description string
	AcceptedOn  legal.Date
}

// RecordGuarantee records a guarantee accepted for a respondent of an open
// case (sanctions.manage): it excludes 失信 when it covers the debt (SX-2)
// and may lift a restriction (XG-4).
func RecordGuarantee(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in GuaranteeInput) (*Guarantee, error) {
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
	if in.AmountFen <= 0 {
		return nil, apperr.InvalidField("invalid_amount", "body.amount_fen", "担保金额须大于 0（分）")
	}
	if err := checkDay(in.AcceptedOn, c, "body.accepted_on", "接受担保的日期"); err != nil {
		return nil, err
	}
	guarantor, err := text(in.Guarantor, 100, "body.guarantor", "担保人")
	if err != nil {
		return nil, err
	}
	if guarantor == "" {
		return nil, apperr.InvalidField("guarantor_required", "body.guarantor", "请填写担保人")
	}
	desc, err := text(in.Description, 1000, "body.description", "担保说明")
	if err != nil {
		return nil, err
	}
	g := &Guarantee{ID: store.NewID(), CaseID: caseID, PartyID: who.PartyID, Guarantor: guarantor, AmountFen: in.AmountFen, Description: desc,
		AcceptedOn: in.AcceptedOn, CreatedByName: p.DisplayName, CreatedAt: now().UTC()}
	if _, err := tx.Exec(ctx, `INSERT INTO debtor_guarantees (id, court_id, case_id, party_id, guarantor, amount_fen, description, accepted_on,
		created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, c.CourtID, caseID, g.PartyID, g.Guarantor, g.AmountFen, g.Description,
		g.AcceptedOn, g.CreatedByName, g.CreatedAt); err != nil {
		return nil, err
	}
	return g, logSanction(ctx, tx, c, "guarantee", g.ID, "recorded", fmt.Sprintf("登记%s为%s提供的担保 %s（%s）", g.Guarantor, who.Name, g.AmountText(),
		g.AcceptedOn), audit.Changes{"amount_fen": {To: g.AmountFen}})
}

// BanItem is one item a restriction bans (XG-2).
type BanItem struct {
	Code, Label, Rule, Citation string
}

// BanItems lists the banned items (XG-2), in the order of Art.3.
func BanItems(ctx context.Context, q store.Querier) ([]BanItem, error) {
	rows, err := q.Query(ctx, `SELECT code, label, rule, citation FROM consumption_ban_items ORDER BY sort`)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, func(sc store.Scanner) (BanItem, error) {
		var b BanItem
		return b, sc.Scan(&b.Code, &b.Label, &b.Rule, &b.Citation)
	})
}
