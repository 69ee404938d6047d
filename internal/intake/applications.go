package intake

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// applyCaseTypes are the case types an application may ask for; the
// examination types (执异, 执复 …) have their own procedures.
var applyCaseTypes = map[string]bool{"first_enforcement": true, "restored_enforcement": true, "preservation_enforcement": true}

// Register validates and stores an application (applications.register). All
// input problems are reported at once; nothing is written unless everything
// is valid. An application on a basis already registered for the same
// applicant and case type is refused (409 duplicate_basis).
func Register(ctx context.Context, tx *store.Tx, in ApplicationInput) (*Application, error) {
	rs, err := registerMany(ctx, tx, []ApplicationInput{in})
	if err != nil {
		return nil, err
	}
	return rs[0].app, rs[0].err
}

// registration is the outcome of one input of registerMany: the stored
// application, or the input's problems.
type registration struct {
	app *Application
	err error // *apperr.Error of kind Invalid or Conflict
	// dupBatch and dupRow name the batch row that registered the same basis
	// first, when err is duplicate_basis because of a row of a batch.
	dupBatch uuid.UUID
	dupRow   int
}

// registerMany registers many applications in tx as Register does one, with
// a fixed number of statements whatever their number: validation first, one
// duplicate query, then one multi-row INSERT per table. Each input either is
// stored or has its problems in its registration; an input duplicating an
// earlier one of the same call is a duplicate too. The error is for
// failures that are not the inputs' fault, and leaves tx to be rolled back.
func registerMany(ctx context.Context, tx *store.Tx, ins []ApplicationInput) ([]registration, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	r := &registrar{tx: tx, p: p, cal: cal, now: now, today: legal.Today(now), courts: map[uuid.UUID]courtCheck{}}
	out := make([]registration, len(ins))
	for i := range ins {
		a, err := r.prepare(ctx, ins[i])
		if err != nil && !rowProblem(err) {
			return nil, err
		}
		out[i] = registration{app: a, err: err}
	}
	if err := r.duplicates(ctx, out); err != nil {
		return nil, err
	}
	var ok []*Application
	for _, x := range out {
		if x.app != nil {
			ok = append(ok, x.app)
		}
	}
	if err := r.store(ctx, ok); err != nil {
		return nil, err
	}
	for _, a := range ok {
		a.Warnings = computedWarnings(a)
		err := audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "application.registered", ObjectType: "application",
			ObjectID: a.ID.String(), Summary: "登记执行申请：" + partySummary(a.Parties) + "，依据 " + a.Basis.DocumentNo,
			Changes: audit.Changes{"case_type": {To: a.CaseType}, "claim_amount_fen": {To: a.ClaimAmountFen},
				"basis": {To: a.Basis.DocumentNo}, "channel": {To: a.Channel}}})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rowProblem reports whether err is a problem of the input rather than of
// the system.
func rowProblem(err error) bool {
	e, ok := apperr.As(err)
	return ok && (e.Kind == apperr.Invalid || e.Kind == apperr.Conflict)
}

// registrar holds what registerMany reads once for all its inputs.
type registrar struct {
	tx     *store.Tx
	p      *access.Principal
	cal    *legal.Calendar
	now    time.Time
	today  legal.Date
	courts map[uuid.UUID]courtCheck
}

type courtCheck struct {
	court org.Court
	err   error
}

// court returns the court an application is made to, or why it cannot be.
func (r *registrar) court(ctx context.Context, id uuid.UUID) (org.Court, error) {
	if c, ok := r.courts[id]; ok {
		return c.court, c.err
	}
	c, err := org.GetCourt(ctx, r.tx, id)
	switch {
	case err != nil && !isNotFound(err):
		return c, err
	case err != nil || !r.p.Sees(c.ID):
		err = apperr.InvalidField("unknown_court", "body.court_code", "法院不存在或不在您的管辖范围内")
	case !c.Active:
		err = apperr.InvalidField("inactive_court", "body.court_code", "法院已停用")
	}
	r.courts[id] = courtCheck{c, err}
	return c, err
}

func isNotFound(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.NotFound
}

// prepare validates one input and builds its application, writing nothing.
func (r *registrar) prepare(ctx context.Context, in ApplicationInput) (*Application, error) {
	court, err := r.court(ctx, in.CourtID)
	if err != nil {
		return nil, err
	}
	// The parties are normalised in place: work on copies.
	in.Applicants, in.Respondents = slices.Clone(in.Applicants), slices.Clone(in.Respondents)
	today := r.today
	if in.ReceivedOn.IsZero() {
		in.ReceivedOn = today
	}
	if in.CaseType == "" {
		in.CaseType = "first_enforcement"
	}
	if in.Channel == "" {
		in.Channel = "api"
	}

	pr := &apperr.Problems{}
	if in.ReceivedOn.After(today) {
		pr.Add("invalid_date_order", "body.received_on", "收到申请的日期不能晚于今天")
	}
	if !applyCaseTypes[in.CaseType] {
		pr.Add("invalid_case_type", "body.case_type", "执行申请的案件类型应为 first_enforcement（执）、restored_enforcement（执恢）或 preservation_enforcement（执保）")
	}
	a := &Application{ID: store.NewID(), CourtID: court.ID, Status: StatusReceived, Channel: in.Channel,
		CaseType: in.CaseType, ReceivedOn: in.ReceivedOn, ClaimAmountFen: in.ClaimAmountFen, ReceivedBy: r.p.UserID,
		BatchID: in.BatchID, BatchRow: in.BatchRow, CreatedAt: r.now, UpdatedAt: r.now}
	a.NonMoneyClaims = strings.TrimSpace(in.NonMoneyClaims)
	var noteOK bool
	if a.Note, noteOK = text(in.Note, 1000); !noteOK {
		pr.Add("invalid_note", "body.note", "备注不超过 1000 个字")
	}
	switch {
	case len(in.Applicants) == 0:
		pr.Add("missing_party", "body.applicants", "至少要有一名申请执行人")
	case len(in.Respondents) == 0:
		pr.Add("missing_party", "body.respondents", "至少要有一名被执行人")
	case len(in.Applicants) > maxParties:
		pr.Add("too_many_parties", "body.applicants", fmt.Sprintf("申请执行人和被执行人各不超过 %d 名", maxParties))
	case len(in.Respondents) > maxParties:
		pr.Add("too_many_parties", "body.respondents", fmt.Sprintf("申请执行人和被执行人各不超过 %d 名", maxParties))
	}
	seen := map[string]string{}
	for _, side := range []struct {
		role string
		list []PartyInput
	}{{"applicant", in.Applicants}, {"respondent", in.Respondents}} {
		role, list := side.role, side.list
		for i := range list {
			field := fmt.Sprintf("body.%ss[%d]", role, i)
			in := &list[i]
			idNumber, checked := validParty(pr, field, in, today)
			if idNumber != "" {
				if other, dup := seen[in.Kind+idNumber]; dup && other != role {
					pr.Add("same_party_both_sides", field, "同一当事人不能既是申请执行人又是被执行人")
				}
				seen[in.Kind+idNumber] = role
			}
			a.Parties = append(a.Parties, Party{Role: role, Kind: in.Kind, Name: in.Name, IDNumber: idNumber, IDChecked: checked,
				Override: in.Override, overrideNote: in.OverrideNote, LegalRep: in.LegalRep, Phone: in.Phone, Address: in.Address, Financial: in.Financial && role == "applicant"})
		}
	}
	validBasis(pr, &in.Basis, in.ReceivedOn)
	a.Basis = in.Basis
	validAmount(pr, in.ClaimAmountFen, in.NonMoneyClaims)
	if err := pr.Err(); err != nil {
		return nil, err
	}

	materials, err := materialChecklist(ctx, r.tx, a.Basis.Kind)
	if err != nil {
		return nil, err
	}
	if err := applyMaterials(materials, in.Materials); err != nil {
		return nil, err
	}
	a.Materials = materials

	// CLOCK-1: two years from the last performance day.
	last := a.Basis.DueDate
	if last.IsZero() {
		last = a.Basis.EffectiveDate
	}
	a.PeriodLastDay, a.PeriodLate = legal.CheckApplicationPeriod(r.cal, last, a.ReceivedOn)
	if a.DecisionDue, err = decisionDue(ctx, r.tx, r.cal, a.CourtID, a.ReceivedOn); err != nil {
		return nil, err
	}
	return a, nil
}

// computedWarnings are the warnings derived from the stored application.
func computedWarnings(a *Application) []Warning {
	var w []Warning
	if a.PeriodLate {
		w = append(w, Warning{Code: "application_period_expired", Field: "body.basis.performance_due_date",
			Detail: "申请执行期间（2 年）已于 " + a.PeriodLastDay.String() + " 届满；除有中止、中断事由外，被执行人可提出时效抗辩（CLOCK-1）"})
	}
	for _, m := range a.MissingMaterials() {
		w = append(w, Warning{Code: "material_missing", Field: "body.materials", Detail: "尚未收到必需材料：" + m.Name})
	}
	for _, p := range a.Parties {
		if p.IDNumber != "" && !p.IDChecked {
			w = append(w, Warning{Code: "id_override", Detail: p.Name + " 的证件号码未通过校验，已按例外保存，须人工复核（ID-OVR-1）"})
		}
	}
	return w
}

func partySummary(ps []Party) string {
	var app, resp []string
	for _, p := range ps {
		if p.Role == "applicant" {
			app = append(app, p.Name)
		} else {
			resp = append(resp, p.Name)
		}
	}
	return strings.Join(app, "、") + " 申请执行 " + strings.Join(resp, "、")
}

// duplicates turns into duplicate_basis conflicts the prepared applications
// whose basis document is already registered, alive, for the same case type
// and one of the same applicants (by identity number, or by name) — stored
// already, or by an earlier input of the same call.
func (r *registrar) duplicates(ctx context.Context, out []registration) error {
	type held struct {
		status, caseNo, name, kind, idNumber string
		received                             legal.Date
		batch                                uuid.UUID
		row                                  int
	}
	var keys []any
	seen := map[string]bool{}
	for _, x := range out {
		if x.app == nil {
			continue
		}
		if k := basisKey(x.app.Basis.DocumentNo); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	alive := map[string][]held{} // by basis key and case type
	for from, to := range store.RowBatches(len(keys), 1) {
		rows, err := r.tx.Query(ctx, `SELECT a.basis_key, a.case_type, a.status, a.received_on, COALESCE(c.case_no, ''), a.batch_id, a.batch_row,
				ap.name, p.kind, p.id_number
			FROM applications a
			JOIN application_parties ap ON ap.application_id = a.id AND ap.role = 'applicant'
			JOIN parties p ON p.id = ap.party_id
			LEFT JOIN cases c ON c.id = a.case_id
			WHERE a.basis_key IN (`+store.Placeholders(to-from)+`) AND a.status IN ('received', 'mediation', 'filed')
			ORDER BY a.received_on, a.batch_row, a.id`, keys[from:to]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h held
			var key, caseType string
			var batch uuid.NullUUID
			var row sql.NullInt64
			if err := rows.Scan(&key, &caseType, &h.status, &h.received, &h.caseNo, &batch, &row, &h.name, &h.kind, &h.idNumber); err != nil {
				rows.Close()
				return err
			}
			h.batch, h.row = batch.UUID, int(row.Int64)
			alive[key+"|"+caseType] = append(alive[key+"|"+caseType], h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range out {
		a := out[i].app
		if a == nil {
			continue
		}
		k := basisKey(a.Basis.DocumentNo) + "|" + a.CaseType
		mine := map[string]bool{}
		for _, p := range a.Applicants() {
			mine[p.Kind+"|"+p.IDNumber] = true
			mine["name|"+p.Name] = true
		}
		for _, h := range alive[k] {
			if !(h.idNumber != "" && mine[h.kind+"|"+h.idNumber]) && !mine["name|"+h.name] {
				continue
			}
			where := "已于 " + h.received.String() + " 登记（" + StatusLabel(h.status) + "）"
			if h.caseNo != "" {
				where = "已立案，案号 " + h.caseNo
			}
			out[i] = registration{dupBatch: h.batch, dupRow: h.row, err: &apperr.Error{Kind: apperr.Conflict, Code: "duplicate_basis",
				Detail: "执行依据 " + a.Basis.DocumentNo + " 对申请执行人 " + h.name + " " + where + "；如属恢复执行，请选择案件类型“执恢”",
				Fields: []apperr.FieldError{{Field: "body.basis.document_no", Detail: "该执行依据已登记"}}}}
			break
		}
		if out[i].err != nil {
			continue
		}
		for _, p := range a.Applicants() {
			alive[k] = append(alive[k], held{status: a.Status, name: p.Name, kind: p.Kind, idNumber: p.IDNumber,
				received: a.ReceivedOn, batch: a.BatchID, row: a.BatchRow})
		}
	}
	return nil
}

// store writes the applications, their parties and materials: one party per
// identity number across cases (item 8), made or found, keeping the latest
// name and contact details given.
func (r *registrar) store(ctx context.Context, apps []*Application) error {
	if len(apps) == 0 {
		return nil
	}
	if err := r.upsertParties(ctx, apps); err != nil {
		return err
	}
	tx := r.tx
	err := store.InsertRows(ctx, tx, `INSERT INTO applications (id, court_id, status, channel, case_type, received_on, decision_due,
			basis_kind, basis_document_no, basis_key, basis_issued_by, basis_effective_date, basis_due_date,
			period_last_day, period_late, claim_amount_fen, non_money_claims, note, received_by, batch_id, batch_row, created_at, updated_at)
		VALUES `, 23, len(apps), func(i int, args []any) []any {
		a := apps[i]
		var batchRow any
		if a.BatchID != uuid.Nil {
			batchRow = a.BatchRow
		}
		return append(args, a.ID, a.CourtID, a.Status, a.Channel, a.CaseType, a.ReceivedOn, a.DecisionDue,
			a.Basis.Kind, a.Basis.DocumentNo, basisKey(a.Basis.DocumentNo), a.Basis.IssuedBy, a.Basis.EffectiveDate, a.Basis.DueDate,
			a.PeriodLastDay, a.PeriodLate, a.ClaimAmountFen, a.NonMoneyClaims, a.Note, store.NullID(a.ReceivedBy), store.NullID(a.BatchID), batchRow,
			a.CreatedAt, a.UpdatedAt)
	})
	if err != nil {
		return err
	}
	type ref struct {
		a *Application
		i int
	}
	var parties, materials []ref
	for _, a := range apps {
		for i := range a.Parties {
			parties = append(parties, ref{a, i})
		}
		for i := range a.Materials {
			materials = append(materials, ref{a, i})
		}
	}
	err = store.InsertRows(ctx, tx, `INSERT INTO application_parties (application_id, seq, role, party_id, name, phone, address, legal_rep, financial)
		VALUES `, 9, len(parties), func(i int, args []any) []any {
		a, pt := parties[i].a, &parties[i].a.Parties[parties[i].i]
		return append(args, a.ID, parties[i].i+1, pt.Role, pt.PartyID, pt.Name, pt.Phone, pt.Address, pt.LegalRep, pt.Financial)
	})
	if err != nil {
		return err
	}
	return store.InsertRows(ctx, tx, `INSERT INTO application_materials (application_id, code, name, required, received, copies, note)
		VALUES `, 7, len(materials), func(i int, args []any) []any {
		a, m := materials[i].a, &materials[i].a.Materials[materials[i].i]
		return append(args, a.ID, m.Code, m.Name, m.Required, m.Received, m.Copies, m.Note)
	})
}

// upsertParties finds each party by identity number, or makes it, and sets
// the applications' PartyIDs. A party without an identity number is always a
// new record. A party named twice among apps is written once, with the
// latest details given and the first override.
func (r *registrar) upsertParties(ctx context.Context, apps []*Application) error {
	var uniq []*Party
	index := map[string]int{}
	for _, a := range apps {
		for i := range a.Parties {
			pt := &a.Parties[i]
			if pt.IDNumber == "" {
				pt.PartyID = store.NewID()
				uniq = append(uniq, pt)
				continue
			}
			k := pt.Kind + "|" + pt.IDNumber
			j, ok := index[k]
			if !ok {
				index[k] = len(uniq)
				c := *pt
				uniq = append(uniq, &c)
				continue
			}
			u := uniq[j]
			u.Name = pt.Name
			for _, f := range [][2]*string{{&u.LegalRep, &pt.LegalRep}, {&u.Phone, &pt.Phone}, {&u.Address, &pt.Address}} {
				if *f[1] != "" {
					*f[0] = *f[1]
				}
			}
			if u.Override == "" {
				u.Override, u.overrideNote, u.IDChecked = pt.Override, pt.overrideNote, pt.IDChecked
			}
		}
	}
	ids := map[string]uuid.UUID{}
	const cols = 14
	for from, to := range store.RowBatches(len(uniq), cols) {
		args := make([]any, 0, (to-from)*cols)
		for _, pt := range uniq[from:to] {
			id := pt.PartyID
			if id == uuid.Nil {
				id = store.NewID()
			}
			var overrideBy, overrideAt any
			if pt.Override != "" {
				overrideBy, overrideAt = store.NullID(r.p.UserID), r.now
			}
			args = append(args, id, pt.Kind, pt.Name, pt.IDNumber, pt.IDChecked && pt.IDNumber != "", pt.Override, pt.overrideNote,
				overrideBy, overrideAt, pt.LegalRep, pt.Phone, pt.Address, r.now, r.now)
		}
		rows, err := r.tx.Query(ctx, `INSERT INTO parties (id, kind, name, id_number, id_checked, id_override, id_override_note, id_override_by,
				id_override_at, legal_rep, phone, address, created_at, updated_at)
			VALUES `+store.Rows(to-from, cols)+`
			ON CONFLICT (kind, id_number) WHERE id_number <> '' DO UPDATE SET name = excluded.name,
				legal_rep = CASE WHEN excluded.legal_rep <> '' THEN excluded.legal_rep ELSE parties.legal_rep END,
				phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE parties.phone END,
				address = CASE WHEN excluded.address <> '' THEN excluded.address ELSE parties.address END,
				updated_at = excluded.updated_at
			RETURNING kind, id_number, id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var kind, idNumber string
			var id uuid.UUID
			if err := rows.Scan(&kind, &idNumber, &id); err != nil {
				rows.Close()
				return err
			}
			if idNumber != "" {
				ids[kind+"|"+idNumber] = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, a := range apps {
		for i := range a.Parties {
			if pt := &a.Parties[i]; pt.IDNumber != "" {
				if pt.PartyID = ids[pt.Kind+"|"+pt.IDNumber]; pt.PartyID == uuid.Nil {
					return fmt.Errorf("intake: party %s %s not returned by the upsert", pt.Kind, pt.IDNumber)
				}
			}
		}
	}
	return nil
}

// checklistKey keys a basis kind's checklist in store.DB.Memo. Material kinds
// change only with their seed, at migration, which a server does at start.
type checklistKey struct{ basisKind string }

// materialChecklist returns the checklist for a basis kind: the common items
// and those of the kind, in display order, none received. The caller owns
// the slice.
func materialChecklist(ctx context.Context, q store.Querier, basisKind string) ([]Material, error) {
	memo := store.DBOf(q).Memo()
	if v, ok := memo.Load(checklistKey{basisKind}); ok {
		return slices.Clone(v.([]Material)), nil
	}
	list, err := loadChecklist(ctx, q, basisKind)
	if err != nil {
		return nil, err
	}
	memo.Store(checklistKey{basisKind}, list)
	return slices.Clone(list), nil
}

func loadChecklist(ctx context.Context, q store.Querier, basisKind string) ([]Material, error) {
	rows, err := q.Query(ctx, `SELECT code, name, required, basis_kind FROM material_kinds
		WHERE active AND basis_kind IN ('*', ?) ORDER BY sort_order, code`, basisKind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Material
	index := map[string]int{}
	for rows.Next() {
		var m Material
		var kind string
		if err := rows.Scan(&m.Code, &m.Name, &m.Required, &kind); err != nil {
			return nil, err
		}
		if i, ok := index[m.Code]; ok { // a kind's own row overrides the common one
			if kind != "*" {
				out[i] = m
			}
			continue
		}
		index[m.Code] = len(out)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MaterialChecklist returns the checklist of materials for a basis kind.
func MaterialChecklist(ctx context.Context, q store.Querier, basisKind string) ([]Material, error) {
	return materialChecklist(ctx, q, basisKind)
}

func applyMaterials(list []Material, in []MaterialInput) error {
	for i, m := range in {
		found := false
		for j := range list {
			if list[j].Code == m.Code {
				found = true
				list[j].Received = m.Received
				list[j].Copies = max(m.Copies, 0)
				if m.Received && list[j].Copies == 0 {
					list[j].Copies = 1
				}
				list[j].Note, _ = text(m.Note, 200)
			}
		}
		if !found {
			return apperr.InvalidField("unknown_material", fmt.Sprintf("body.materials[%d].code", i), "材料“"+m.Code+"”不在该类执行依据的材料清单中")
		}
	}
	return nil
}

// UpdateMaterials records what was received of the checklist
// (applications.register), while the application waits for its decision.
func UpdateMaterials(ctx context.Context, tx *store.Tx, id uuid.UUID, in []MaterialInput) (*Application, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return nil, err
	}
	a, err := lockApplication(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusReceived && a.Status != StatusMediation {
		return nil, wrongStatus(a, "补充材料")
	}
	before := a.MissingMaterials()
	if err := applyMaterials(a.Materials, in); err != nil {
		return nil, err
	}
	for _, m := range a.Materials {
		if _, err := tx.Exec(ctx, `UPDATE application_materials SET received = ?, copies = ?, note = ? WHERE application_id = ? AND code = ?`,
			m.Received, m.Copies, m.Note, a.ID, m.Code); err != nil {
			return nil, err
		}
	}
	if err := touch(ctx, tx, a); err != nil {
		return nil, err
	}
	a.Warnings = computedWarnings(a)
	return a, audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "application.materials_updated", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "更新材料清单", Changes: audit.Changes{"missing": {From: names(before), To: names(a.MissingMaterials())}}})
}

func names(ms []Material) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func touch(ctx context.Context, tx *store.Tx, a *Application) error {
	a.UpdatedAt = time.Now().UTC()
	_, err := tx.Exec(ctx, `UPDATE applications SET status = ?, decided_by = ?, decided_at = ?, refusal_reason = ?, case_id = ?, updated_at = ?
		WHERE id = ?`, a.Status, store.NullID(a.DecidedBy), nullTime(a.DecidedAt), a.RefusalReason, store.NullID(a.CaseID), a.UpdatedAt, a.ID)
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func wrongStatus(a *Application, what string) error {
	return apperr.New(apperr.Conflict, "invalid_application_status", "申请当前状态为“"+StatusLabel(a.Status)+"”，不能"+what)
}

// Refuse declines to file an application (不予受理, applications.review), with
// the reason the written ruling will state.
func Refuse(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Application, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.ApplicationsReview); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) < 4 || utf8.RuneCountInString(reason) > 1000 {
		return nil, apperr.InvalidField("invalid_reason", "body.reason", "请写明不予受理的理由（4 至 1000 字）")
	}
	a, err := lockApplication(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusReceived {
		return nil, wrongStatus(a, "不予受理")
	}
	a.Status, a.RefusalReason, a.DecidedBy, a.DecidedAt = StatusRefused, reason, p.UserID, time.Now().UTC()
	if err := touch(ctx, tx, a); err != nil {
		return nil, err
	}
	return a, audit.Log(ctx, tx, audit.Entry{CourtID: a.CourtID, Action: "application.refused", ObjectType: "application",
		ObjectID: a.ID.String(), Summary: "不予受理：" + reason, Changes: audit.Changes{"status": {From: StatusReceived, To: StatusRefused}}})
}

const applicationColumns = `id, court_id, status, channel, case_type, received_on, decision_due, basis_kind, basis_document_no,
	basis_issued_by, basis_effective_date, basis_due_date, period_last_day, period_late, claim_amount_fen, non_money_claims, note,
	received_by, decided_by, decided_at, refusal_reason, case_id, batch_id, batch_row, created_at, updated_at`

func scanApplication(row interface{ Scan(...any) error }) (*Application, error) {
	a := &Application{}
	var decidedBy, caseID, batchID uuid.NullUUID
	var decidedAt sql.NullTime
	var batchRow sql.NullInt64
	err := row.Scan(&a.ID, &a.CourtID, &a.Status, &a.Channel, &a.CaseType, &a.ReceivedOn, &a.DecisionDue, &a.Basis.Kind,
		&a.Basis.DocumentNo, &a.Basis.IssuedBy, &a.Basis.EffectiveDate, &a.Basis.DueDate, &a.PeriodLastDay, &a.PeriodLate,
		&a.ClaimAmountFen, &a.NonMoneyClaims, &a.Note, &a.ReceivedBy, &decidedBy, &decidedAt, &a.RefusalReason, &caseID,
		&batchID, &batchRow, &a.CreatedAt, &a.UpdatedAt)
	a.DecidedBy, a.CaseID, a.BatchID = decidedBy.UUID, caseID.UUID, batchID.UUID
	a.DecidedAt, a.BatchRow = decidedAt.Time, int(batchRow.Int64)
	return a, err
}

// lockApplication reads an application for change, locking its row.
func lockApplication(ctx context.Context, tx *store.Tx, p *access.Principal, id uuid.UUID) (*Application, error) {
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications WHERE id = ?`+tx.ForUpdate(), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(a.CourtID) {
		return nil, apperr.NotFoundf("执行申请")
	}
	if err != nil {
		return nil, err
	}
	return a, loadDetails(ctx, tx, a)
}

// GetApplication returns an application with its parties, materials and
// mediation (cases.read or applications.register).
func GetApplication(ctx context.Context, q store.Querier, id uuid.UUID) (*Application, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.CasesRead) && !p.Can(access.ApplicationsRegister) {
		return nil, apperr.Forbid("")
	}
	a, err := scanApplication(q.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications WHERE id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(a.CourtID) {
		return nil, apperr.NotFoundf("执行申请")
	}
	if err != nil {
		return nil, err
	}
	if err := loadDetails(ctx, q, a); err != nil {
		return nil, err
	}
	a.Warnings = computedWarnings(a)
	return a, nil
}

func loadDetails(ctx context.Context, q store.Querier, a *Application) error {
	rows, err := q.Query(ctx, `SELECT ap.party_id, ap.role, p.kind, ap.name, p.id_number, p.id_checked, p.id_override, ap.legal_rep,
			ap.phone, ap.address, ap.financial
		FROM application_parties ap JOIN parties p ON p.id = ap.party_id WHERE ap.application_id = ? ORDER BY ap.seq`, a.ID)
	if err != nil {
		return err
	}
	a.Parties = nil
	for rows.Next() {
		var pt Party
		if err := rows.Scan(&pt.PartyID, &pt.Role, &pt.Kind, &pt.Name, &pt.IDNumber, &pt.IDChecked, &pt.Override, &pt.LegalRep,
			&pt.Phone, &pt.Address, &pt.Financial); err != nil {
			rows.Close()
			return err
		}
		a.Parties = append(a.Parties, pt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT am.code, am.name, am.required, am.received, am.copies, am.note
		FROM application_materials am LEFT JOIN material_kinds k ON k.code = am.code AND k.basis_kind IN ('*', ?)
		WHERE am.application_id = ? ORDER BY COALESCE(k.sort_order, 0), am.code`, a.Basis.Kind, a.ID)
	if err != nil {
		return err
	}
	a.Materials = nil
	for rows.Next() {
		var m Material
		if err := rows.Scan(&m.Code, &m.Name, &m.Required, &m.Received, &m.Copies, &m.Note); err != nil {
			rows.Close()
			return err
		}
		a.Materials = append(a.Materials, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	m, err := getMediation(ctx, q, a.ID)
	if err != nil {
		return err
	}
	a.Mediation = m
	return nil
}

// ApplicationFilter narrows a list of applications.
type ApplicationFilter struct {
	CourtID uuid.UUID // uuid.Nil: every court in scope
	Status  string
	Overdue bool // only those past their decision day (CLOCK-4)
}

// ApplicationSummary is one row of the list.
type ApplicationSummary struct {
	ID             uuid.UUID
	CourtID        uuid.UUID
	Status         string
	Channel        string
	CaseType       string
	ReceivedOn     legal.Date
	DecisionDue    legal.Date
	Parties        string
	BasisDocument  string
	ClaimAmountFen int64
	PeriodLate     bool
	CaseID         uuid.UUID
}

// ListApplications lists applications in the caller's scope, newest first.
func ListApplications(ctx context.Context, q store.Querier, f ApplicationFilter, req page.Request) (page.Page[ApplicationSummary], error) {
	var out page.Page[ApplicationSummary]
	p, err := access.Must(ctx)
	if err != nil {
		return out, err
	}
	if !p.Can(access.CasesRead) && !p.Can(access.ApplicationsRegister) {
		return out, apperr.Forbid("")
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return out, err
	}
	cond, args := p.CourtFilter("a.court_id")
	if f.CourtID != uuid.Nil {
		cond += " AND a.court_id = ?"
		args = append(args, f.CourtID)
	}
	if f.Status != "" {
		if StatusLabel(f.Status) == "" {
			return out, apperr.InvalidField("invalid_status", "query.status", "申请状态“"+f.Status+"”不存在")
		}
		cond += " AND a.status = ?"
		args = append(args, f.Status)
	}
	if f.Overdue {
		cond += " AND a.status IN ('received', 'mediation') AND a.decision_due < ?"
		args = append(args, legal.Today(time.Now()))
	}
	if req.Cursor != "" {
		var after uuid.UUID
		if err := page.Decode(req.Cursor, &after); err != nil {
			return out, err
		}
		cond += " AND a.id < ?"
		args = append(args, after)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT a.id, a.court_id, a.status, a.channel, a.case_type, a.received_on, a.decision_due,
			a.basis_document_no, a.claim_amount_fen, a.period_late, a.case_id,
			(SELECT `+partyNamesAgg(q)+` FROM application_parties ap WHERE ap.application_id = a.id)
		FROM applications a WHERE `+cond+` ORDER BY a.id DESC LIMIT ?`, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var items []ApplicationSummary
	for rows.Next() {
		var s ApplicationSummary
		var caseID uuid.NullUUID
		var partyNames sql.NullString
		if err := rows.Scan(&s.ID, &s.CourtID, &s.Status, &s.Channel, &s.CaseType, &s.ReceivedOn, &s.DecisionDue, &s.BasisDocument,
			&s.ClaimAmountFen, &s.PeriodLate, &caseID, &partyNames); err != nil {
			return out, err
		}
		s.CaseID, s.Parties = caseID.UUID, partyNames.String
		items = append(items, s)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	return page.Trim(items, limit, func(s ApplicationSummary) any { return s.ID }), nil
}

// partyNamesAgg joins party names, applicants first, for lists.
func partyNamesAgg(q store.Querier) string {
	if q.Engine() == store.Postgres {
		return `string_agg(ap.name, '、' ORDER BY ap.seq)`
	}
	return `group_concat(ap.name, '、' ORDER BY ap.seq)` // SQLite ≥ 3.44
}
