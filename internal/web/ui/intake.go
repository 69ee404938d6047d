package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// registerIntake mounts the pages of window reception (窗口接待) and the filing review queue (立案审查).
func (u *UI) registerIntake(mux *http.ServeMux) {
	mux.Handle("GET /intake/new", u.page(u.newApplicationPage))
	mux.Handle("GET /intake/new/party", u.page(u.partyRowFragment))
	mux.Handle("GET /intake/new/materials", u.page(u.materialsFragment))
	mux.Handle("POST /intake", u.page(u.registerApplication))

	mux.Handle("GET /applications", u.page(u.applicationsPage))
	mux.Handle("GET /applications/{id}", u.page(u.applicationPage))
	mux.Handle("POST /applications/{id}/materials", u.page(u.updateApplicationMaterials))
	mux.Handle("POST /applications/{id}/refusal", u.page(u.refuseApplication))
	mux.Handle("POST /applications/{id}/mediation", u.page(u.routeToMediation))
	mux.Handle("POST /applications/{id}/mediation/notice", u.page(u.recordMediationNotice))
	mux.Handle("POST /applications/{id}/mediation/contacts", u.page(u.addMediationContact))
	mux.Handle("POST /applications/{id}/mediation/outcome", u.page(u.recordMediationOutcome))
	mux.Handle("POST /applications/{id}/filing", u.page(u.fileApplication))
}

// intakeMaxPartyRows bounds the rows of one side of the reception form (the
// intake package allows 50 parties a side).
const intakeMaxPartyRows = 50

// intakeBlankRows is how many rows each side offers at first, so that a
// second party needs no JavaScript.
const intakeBlankRows = 2

type intakeChoice struct{ Code, Label string }

var intakeSideLabels = map[string]string{"applicants": "申请执行人", "respondents": "被执行人"}

// ---- money and dates ----

// intakeDate reads an optional YYYY-MM-DD date.
func intakeDate(s string) (legal.Date, error) {
	if s = strings.TrimSpace(s); s == "" {
		return legal.Date{}, nil
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, errors.New("日期“" + s + "”应为 YYYY-MM-DD 格式的有效日期")
	}
	return d, nil
}

func (u *UI) intakeToday() legal.Date { return legal.Today(u.Now()) }

// ---- errors ----

var intakePartyField = regexp.MustCompile(`^(applicants|respondents)\[(\d+)\](?:\.(.+))?$`)

// intakeErrors is formErrors for the intake pages: it keeps the whole path
// of a field instead of its last segment, so that "body.applicants[0].id_number"
// lands on the right row. rows maps the index of a party as sent to the
// intake package to its row on the form (blank rows are not sent); a credit
// code's error goes to the one ID number input, the amount in fen to the
// amount typed in 元. Errors that are not about input are returned for the
// error page.
func intakeErrors(err error, rows map[string][]int) (map[string]string, *apperr.Error, error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return nil, nil, err
	}
	fields := map[string]string{}
	for _, f := range e.Fields {
		name := f.Field
		for _, prefix := range []string{"body.", "query.", "path."} {
			name = strings.TrimPrefix(name, prefix)
		}
		if m := intakePartyField.FindStringSubmatch(name); m != nil {
			i, _ := strconv.Atoi(m[2])
			if list := rows[m[1]]; i < len(list) {
				i = list[i]
			}
			sub := m[3]
			if sub == "credit_code" {
				sub = "id_number"
			}
			name = fmt.Sprintf("%s[%d]", m[1], i)
			if sub != "" {
				name += "." + sub
			}
		} else {
			switch {
			case name == "claim_amount_fen":
				name = "claim_amount"
			case name == "paid_fen":
				name = "paid_amount"
			case name == "court_code":
				name = "court_id"
			case strings.HasPrefix(name, "materials["):
				name = "materials"
			}
		}
		intakeAddError(fields, name, f.Detail)
	}
	return fields, e, nil
}

func intakeAddError(fields map[string]string, name, detail string) {
	old, ok := fields[name]
	switch {
	case !ok:
		fields[name] = detail
	case !strings.Contains(old, detail):
		fields[name] = old + "；" + detail
	}
}

// ---- the reception form ----

// intakePartyRow is one applicant or respondent row of the reception form.
type intakePartyRow struct {
	Side, Label  string
	Index        int
	Kind, Name   string
	IDNumber     string
	LegalRep     string
	Phone        string
	Address      string
	Financial    bool
	Override     string
	OverrideNote string
	Errors       map[string]string // by input: "name", "id_number" …; "row" for the party as a whole
	Reasons      []intakeChoice
}

// Prefix is the start of the row's input names: applicants[0].
func (r intakePartyRow) Prefix() string { return fmt.Sprintf("%s[%d]", r.Side, r.Index) }

// ID is the start of the row's element ids: applicants-0.
func (r intakePartyRow) ID() string { return fmt.Sprintf("%s-%d", r.Side, r.Index) }

// Number is the row's ordinal for people: 1, 2 …
func (r intakePartyRow) Number() int { return r.Index + 1 }

// Applicant reports whether the row is an applicant's.
func (r intakePartyRow) Applicant() bool { return r.Side == "applicants" }

func (r intakePartyRow) blank() bool {
	return r.Name == "" && r.IDNumber == "" && r.LegalRep == "" && r.Phone == "" && r.Address == "" && !r.Financial &&
		r.Override == "" && r.OverrideNote == ""
}

// intakePartyMore is the "add another" button after a side's rows.
type intakePartyMore struct {
	Side, Label string
	Next        int
}

// More reports whether another row may be added.
func (m intakePartyMore) More() bool { return m.Next < intakeMaxPartyRows }

type intakePartyFragment struct {
	Row  intakePartyRow
	More intakePartyMore
}

// intakeMaterialRow is one item of a checklist on a form.
type intakeMaterialRow struct {
	intake.Material
	Error string
}

// CopiesText is the number of copies as shown in its input.
func (m intakeMaterialRow) CopiesText() string {
	if m.Copies == 0 {
		return ""
	}
	return strconv.Itoa(m.Copies)
}

type intakeMaterials struct {
	Items []intakeMaterialRow
	Error string
}

type intakeForm struct {
	Courts      []org.Court // more than one: the registrar chooses
	CourtName   string
	CaseTypes   []intakeChoice
	BasisKinds  []intakeChoice
	Values      map[string]string
	Applicants  []intakePartyRow
	Respondents []intakePartyRow
	MoreApp     intakePartyMore
	MoreResp    intakePartyMore
	Materials   intakeMaterials
	Errors      map[string]string
	Error       string
	Unplaced    []string // errors about no input of the form
}

func newIntakePartyRow(side string, i int) intakePartyRow {
	return intakePartyRow{Side: side, Label: intakeSideLabels[side], Index: i, Kind: intake.Person, Reasons: intakeOverrideChoices()}
}

func intakeOverrideChoices() []intakeChoice {
	var out []intakeChoice
	for _, r := range intake.OverrideReasons() {
		out = append(out, intakeChoice{r.Code, r.Label})
	}
	return out
}

func intakeBasisChoices() []intakeChoice {
	var out []intakeChoice
	for _, k := range intake.BasisKinds() {
		out = append(out, intakeChoice{k.Code, k.Label})
	}
	return out
}

var intakeCaseTypes = []string{"first_enforcement", "restored_enforcement", "preservation_enforcement"}

// intakeCaseTypeChoices are the case types an application may ask for, named as
// the reference data names them.
func intakeCaseTypeChoices(ctx context.Context, db *store.DB) ([]intakeChoice, error) {
	types, err := org.CaseTypes(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []intakeChoice
	for _, code := range intakeCaseTypes {
		label := code
		for _, t := range types {
			if t.Code == code {
				label = t.Name + "（" + t.Zi + "）"
			}
		}
		out = append(out, intakeChoice{code, label})
	}
	return out, nil
}

func (u *UI) intakeChoices(ctx context.Context, p *access.Principal, f *intakeForm) error {
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	var active []org.Court
	for _, c := range courts {
		if c.Active {
			active = append(active, c)
		}
		if c.ID == p.CourtID {
			f.CourtName = c.Name
		}
	}
	if len(active) > 1 {
		f.Courts = active
	}
	if f.CourtName == "" {
		f.CourtName = p.CourtName
	}
	if f.CaseTypes, err = intakeCaseTypeChoices(ctx, u.DB); err != nil {
		return err
	}
	f.BasisKinds = intakeBasisChoices()
	f.MoreApp = intakePartyMore{Side: "applicants", Label: intakeSideLabels["applicants"], Next: len(f.Applicants)}
	f.MoreResp = intakePartyMore{Side: "respondents", Label: intakeSideLabels["respondents"], Next: len(f.Respondents)}
	return nil
}

// checklist is the checklist of a basis kind with what the form says was
// received; rows whose copies are not a number get an error.
func (u *UI) intakeChecklist(ctx context.Context, r *http.Request, kind string) ([]intakeMaterialRow, error) {
	list, err := intake.MaterialChecklist(ctx, u.DB, kind)
	if err != nil {
		return nil, err
	}
	rows := make([]intakeMaterialRow, len(list))
	for i, m := range list {
		rows[i] = intakeMaterialRow{Material: m}
		if r == nil {
			continue
		}
		rows[i].Received = r.FormValue("material."+m.Code) == "1"
		if c := strings.TrimSpace(r.FormValue("copies." + m.Code)); c != "" {
			n, err := strconv.Atoi(c)
			if err != nil || n < 0 || n > 99 {
				rows[i].Error = "份数应为 0 到 99 的整数"
				continue
			}
			rows[i].Copies = n
		}
	}
	return rows, nil
}

func (u *UI) newApplicationPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	f := intakeForm{Values: map[string]string{"court_id": p.CourtID.String(), "case_type": "first_enforcement",
		"basis.kind": "judgment", "received_on": u.intakeToday().String()}}
	for _, side := range []string{"applicants", "respondents"} {
		for i := range intakeBlankRows {
			row := newIntakePartyRow(side, i)
			if side == "applicants" {
				f.Applicants = append(f.Applicants, row)
			} else {
				f.Respondents = append(f.Respondents, row)
			}
		}
	}
	items, err := u.intakeChecklist(r.Context(), nil, f.Values["basis.kind"])
	if err != nil {
		return err
	}
	f.Materials.Items = items
	if err := u.intakeChoices(r.Context(), p, &f); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "intake_new", "窗口接待：登记执行申请", "window", f)
}

// fragment writes one named template of the pages, for htmx to swap in.
func (u *UI) intakeFragment(w http.ResponseWriter, name string, data any) error {
	var buf bytes.Buffer
	if err := u.pages["intake_new"].ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

// partyRowFragment is one more blank party row and the button for the next.
func (u *UI) partyRowFragment(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	side := r.URL.Query().Get("side")
	i, err := strconv.Atoi(r.URL.Query().Get("i"))
	if intakeSideLabels[side] == "" || err != nil || i < 0 || i >= intakeMaxPartyRows {
		return apperr.New(apperr.BadRequest, "bad_row", "当事人行号不正确")
	}
	return u.intakeFragment(w, "intake_party_fragment", intakePartyFragment{Row: newIntakePartyRow(side, i),
		More: intakePartyMore{Side: side, Label: intakeSideLabels[side], Next: i + 1}})
}

// materialsFragment is the checklist of the basis kind chosen, keeping what
// was ticked of the items both lists share.
func (u *UI) materialsFragment(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	items, err := u.intakeChecklist(r.Context(), r, r.URL.Query().Get("basis.kind"))
	if err != nil {
		return err
	}
	return u.intakeFragment(w, "intake_materials", intakeMaterials{Items: items})
}

// readIntakeParties reads one side's rows. It returns the rows to show again, the
// parties to register (blank rows left out) and, for each of those, its row.
func readIntakeParties(r *http.Request, side string, local map[string]string) ([]intakePartyRow, []intake.PartyInput, []int) {
	n := 0
	for key := range r.PostForm {
		if m := intakePartyField.FindStringSubmatch(strings.SplitN(key, ".", 2)[0]); m != nil && m[1] == side {
			if i, err := strconv.Atoi(m[2]); err == nil && i+1 > n {
				n = i + 1
			}
		}
	}
	if n > intakeMaxPartyRows {
		n = intakeMaxPartyRows
		local[side] = fmt.Sprintf("%s不超过 %d 名", intakeSideLabels[side], intakeMaxPartyRows)
	}
	var rows []intakePartyRow
	var ins []intake.PartyInput
	var index []int
	for i := range max(n, 1) {
		row := newIntakePartyRow(side, i)
		v := func(name string) string { return strings.TrimSpace(r.PostFormValue(row.Prefix() + "." + name)) }
		if k := v("kind"); k != "" {
			row.Kind = k
		}
		row.Name, row.IDNumber, row.LegalRep, row.Phone, row.Address = v("name"), v("id_number"), v("legal_rep"), v("phone"), v("address")
		row.Financial = side == "applicants" && v("financial") == "1"
		row.Override, row.OverrideNote = v("id_override"), v("id_override_note")
		rows = append(rows, row)
		if row.blank() {
			continue
		}
		in := intake.PartyInput{Kind: row.Kind, Name: row.Name, LegalRep: row.LegalRep, Phone: row.Phone, Address: row.Address,
			Financial: row.Financial, Override: row.Override, OverrideNote: row.OverrideNote}
		if row.Kind == intake.Organization {
			in.CreditCode = row.IDNumber
		} else {
			in.IDNumber = row.IDNumber
		}
		ins = append(ins, in)
		index = append(index, i)
	}
	return rows, ins, index
}

var errIntakeLocal = errors.New("ui: the form has problems of its own")

func (u *UI) registerApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := intakeForm{Values: formValues(r, "court_id", "case_type", "basis.kind", "basis.document_no", "basis.issued_by",
		"basis.effective_date", "basis.performance_due_date", "claim_amount", "non_money_claims", "received_on", "note")}
	local := map[string]string{}
	var appRows, respRows []int
	var in intake.ApplicationInput
	f.Applicants, in.Applicants, appRows = readIntakeParties(r, "applicants", local)
	f.Respondents, in.Respondents, respRows = readIntakeParties(r, "respondents", local)
	items, err := u.intakeChecklist(ctx, r, f.Values["basis.kind"])
	if err != nil {
		return err
	}
	f.Materials.Items = items

	// Without JavaScript, "add another" and "refresh the checklist" submit
	// the form: show it again, one row longer or with the new list, saving
	// nothing.
	if add := r.PostFormValue("add"); add != "" || r.PostFormValue("refresh") != "" {
		if add == "applicants" && len(f.Applicants) < intakeMaxPartyRows {
			f.Applicants = append(f.Applicants, newIntakePartyRow(add, len(f.Applicants)))
		}
		if add == "respondents" && len(f.Respondents) < intakeMaxPartyRows {
			f.Respondents = append(f.Respondents, newIntakePartyRow(add, len(f.Respondents)))
		}
		if err := u.intakeChoices(ctx, p, &f); err != nil {
			return err
		}
		return u.render(w, r, http.StatusOK, "intake_new", "窗口接待：登记执行申请", "window", f)
	}

	in.CourtID = p.CourtID
	if court, err := formIDValue(f.Values["court_id"]); err != nil {
		local["court_id"] = "请选择法院"
	} else if court != uuid.Nil {
		in.CourtID = court
	}
	in.CaseType, in.Channel = f.Values["case_type"], "window"
	in.Basis = intake.BasisInput{Kind: f.Values["basis.kind"], DocumentNo: f.Values["basis.document_no"], IssuedBy: f.Values["basis.issued_by"]}
	dates := []struct {
		name string
		dst  *legal.Date
	}{{"basis.effective_date", &in.Basis.EffectiveDate}, {"basis.performance_due_date", &in.Basis.DueDate}, {"received_on", &in.ReceivedOn}}
	for _, d := range dates {
		if *d.dst, err = intakeDate(f.Values[d.name]); err != nil {
			local[d.name] = err.Error()
		}
	}
	if in.ClaimAmountFen, err = legal.ParseYuan(f.Values["claim_amount"], false); err != nil {
		local["claim_amount"] = err.Error()
	}
	in.NonMoneyClaims, in.Note = f.Values["non_money_claims"], f.Values["note"]
	for _, m := range items {
		if m.Error != "" {
			local["material."+m.Code] = m.Error
		}
		in.Materials = append(in.Materials, intake.MaterialInput{Code: m.Code, Received: m.Received, Copies: m.Copies})
	}

	// Register checks everything at once; when this form found problems of
	// its own, the registration only gathers the rest and is rolled back.
	app, err := store.TransactValue(ctx, u.DB, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
		a, err := intake.Register(ctx, tx, in)
		if err == nil && len(local) > 0 {
			return nil, errIntakeLocal
		}
		return a, err
	})
	if err == nil {
		redirect(w, r, "/applications/"+app.ID.String(), "registered")
		return nil
	}
	status := http.StatusUnprocessableEntity
	fields := map[string]string{}
	if !errors.Is(err, errIntakeLocal) {
		var e *apperr.Error
		if fields, e, err = intakeErrors(err, map[string][]int{"applicants": appRows, "respondents": respRows}); err != nil {
			return err
		}
		if e.Kind == apperr.Conflict && len(local) == 0 { // a duplicate basis: the explanation is the message
			status, f.Error = http.StatusConflict, e.Detail
		}
	}
	for k, v := range local {
		fields[k] = v // the form's own reading wins: Register saw a zero in place of what it could not read
	}
	if f.Error == "" {
		f.Error = fmt.Sprintf("有 %d 处需要改正，见下方标出的位置；本次没有登记。", max(len(fields), 1))
	}
	f.place(fields)
	if err := u.intakeChoices(ctx, p, &f); err != nil {
		return err
	}
	return u.render(w, r, status, "intake_new", "窗口接待：登记执行申请", "window", f)
}

// intakeFormInputs are the inputs of the reception form outside the party rows.
var intakeFormInputs = map[string]bool{"court_id": true, "case_type": true, "basis.kind": true, "basis.document_no": true,
	"basis.issued_by": true, "basis.effective_date": true, "basis.performance_due_date": true, "claim_amount": true,
	"non_money_claims": true, "received_on": true, "note": true, "materials": true, "applicants": true, "respondents": true}

var intakeRowInputs = map[string]bool{"kind": true, "name": true, "id_number": true, "legal_rep": true, "phone": true, "address": true,
	"financial": true, "id_override": true, "id_override_note": true}

// place puts each error next to its input; what belongs to none is listed
// at the top.
func (f *intakeForm) place(fields map[string]string) {
	f.Errors = map[string]string{}
	rows := map[string][]intakePartyRow{"applicants": f.Applicants, "respondents": f.Respondents}
	materials := map[string]*intakeMaterialRow{}
	for i := range f.Materials.Items {
		materials[f.Materials.Items[i].Code] = &f.Materials.Items[i]
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg := fields[k]
		if m := intakePartyField.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[2])
			sub := m[3]
			if sub == "" {
				sub = "row"
			}
			if list := rows[m[1]]; i < len(list) && (sub == "row" || intakeRowInputs[sub]) {
				if list[i].Errors == nil {
					list[i].Errors = map[string]string{}
				}
				list[i].Errors[sub] = msg
				continue
			}
		}
		if code, ok := strings.CutPrefix(k, "material."); ok && materials[code] != nil {
			materials[code].Error = msg
			continue
		}
		if intakeFormInputs[k] {
			f.Errors[k] = msg
			if k == "materials" {
				f.Materials.Error = msg
			}
			continue
		}
		f.Unplaced = append(f.Unplaced, msg)
	}
}

// ---- the review queue ----

type applicationsFilter struct {
	Status  string
	Overdue bool
	Limit   string
	Cursor  string
}

type applicationRow struct {
	ID          uuid.UUID
	ReceivedOn  string
	Applicants  string
	Respondents string
	Basis       string
	Amount      string
	Status      string
	StatusLabel string
	DecisionDue string
	Overdue     bool
	PeriodLate  bool
	CaseID      uuid.UUID
}

type applicationsView struct {
	Filter   applicationsFilter
	Statuses []intakeChoice
	Rows     []applicationRow
	Next     string
}

var intakeStatuses = []string{intake.StatusReceived, intake.StatusMediation, intake.StatusFiled, intake.StatusRefused,
	intake.StatusSettled, intake.StatusWithdrawn}

// waiting reports whether an application waits for its filing decision,
// the time CLOCK-4 counts.
func applicationWaiting(status string) bool {
	return status == intake.StatusReceived || status == intake.StatusMediation
}

func (u *UI) applicationsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := applicationsFilter{Status: q.Get("status"), Overdue: q.Get("overdue") == "1", Cursor: q.Get("cursor")}
	if intake.StatusLabel(f.Status) == "" {
		f.Status = ""
	}
	req := page.Request{Cursor: f.Cursor}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 && n <= page.MaxLimit {
		req.Limit, f.Limit = n, strconv.Itoa(n)
	}
	pg, err := intake.ListApplications(ctx, u.DB, intake.ApplicationFilter{Status: f.Status, Overdue: f.Overdue}, req)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(pg.Items))
	for i, s := range pg.Items {
		ids[i] = s.ID
	}
	names, err := intake.PartyNamesOf(ctx, u.DB, ids)
	if err != nil {
		return err
	}
	today := u.intakeToday()
	v := applicationsView{Filter: f, Next: pg.NextCursor}
	for _, s := range intakeStatuses {
		v.Statuses = append(v.Statuses, intakeChoice{s, intake.StatusLabel(s)})
	}
	for _, s := range pg.Items {
		row := applicationRow{ID: s.ID, ReceivedOn: s.ReceivedOn.String(), Applicants: strings.Join(names[s.ID].Applicants, "、"),
			Respondents: strings.Join(names[s.ID].Respondents, "、"), Basis: s.BasisDocument, Status: s.Status,
			StatusLabel: intake.StatusLabel(s.Status), DecisionDue: s.DecisionDue.String(),
			Overdue: applicationWaiting(s.Status) && s.DecisionDue.Before(today), PeriodLate: s.PeriodLate, CaseID: s.CaseID}
		if s.ClaimAmountFen > 0 {
			row.Amount = yuanText(s.ClaimAmountFen)
		}
		v.Rows = append(v.Rows, row)
	}
	return u.render(w, r, http.StatusOK, "applications", "立案审查", "applications", v)
}

// ---- the application ----

type applicationParty struct {
	Kind      string
	Name      string
	ID        string // masked
	IDChecked bool
	Override  string
	LegalRep  string
	Phone     string // masked
	Address   string
	Financial bool
}

type intakeHandlerGroup struct {
	Team     string
	Handlers []cases.Handler
}

type mediationContact struct {
	At        string
	Channel   string
	PartyName string
	Summary   string
}

type applicationView struct {
	App           *intake.Application
	CourtName     string
	StatusLabel   string
	CaseType      string
	BasisLabel    string
	Claim         string
	Applicants    []applicationParty
	Respondents   []applicationParty
	Overdue       bool
	DecisionDays  int  // the CLOCK-4 period the decision day was counted with
	Waiting       bool // received or in mediation
	Received      bool // waiting for the decision, not in mediation
	CanRoute      bool // received and never mediated
	Materials     []intakeMaterialRow
	Mediation     *intake.Mediation
	MediationOpen bool
	MediationTag  string
	Contacts      []mediationContact
	PaidAmount    string
	Mediators     []intake.StaffChoice
	Channels      []intakeChoice
	Outcomes      []intakeChoice
	Lanes         []triage.LaneInfo
	Suggested     *triage.Decision
	SuggestedLane string
	Teams         []org.Team
	Handlers      []intakeHandlerGroup
	Action        string            // the form that failed: its done key
	Values        map[string]string // what that form sent
	Errors        map[string]string // by input of that form
	Error         string
	posted        url.Values
	defaults      map[string]string
}

// Val is the value of an input of the form of action: what was sent when
// that form failed, else its default.
func (v applicationView) Val(action, field string) string {
	if v.Action == action {
		return v.Values[field]
	}
	return v.defaults[field]
}

// Err is the error of an input of the form of action.
func (v applicationView) Err(action, field string) string {
	if v.Action == action {
		return v.Errors[field]
	}
	return ""
}

func applicationParties(ps []intake.Party) []applicationParty {
	reasons := map[string]string{}
	for _, r := range intake.OverrideReasons() {
		reasons[r.Code] = r.Label
	}
	var out []applicationParty
	for _, pt := range ps {
		kind := "自然人"
		if pt.Kind == intake.Organization {
			kind = "单位"
		}
		out = append(out, applicationParty{Kind: kind, Name: pt.Name, ID: legal.MaskID(pt.IDNumber), IDChecked: pt.IDChecked,
			Override: reasons[pt.Override], LegalRep: pt.LegalRep, Phone: legal.MaskPhone(pt.Phone), Address: pt.Address,
			Financial: pt.Financial})
	}
	return out
}

// loadApplication reads the application of the path.
func (u *UI) loadApplication(r *http.Request) (*intake.Application, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return intake.GetApplication(r.Context(), u.DB, id)
}

func (u *UI) showApplication(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, a *intake.Application, v applicationView) error {
	ctx := r.Context()
	v.App, v.StatusLabel, v.BasisLabel = a, intake.StatusLabel(a.Status), intake.BasisLabel(a.Basis.Kind)
	v.Waiting = applicationWaiting(a.Status)
	v.Received = a.Status == intake.StatusReceived
	v.CanRoute = v.Received && a.Mediation == nil
	v.Overdue = v.Waiting && a.DecisionDue.Before(u.intakeToday())
	days, err := ruleparams.DecisionDays(ctx, u.DB, a.CourtID, a.ReceivedOn)
	if err != nil {
		return err
	}
	v.DecisionDays = days
	v.Claim = yuanText(a.ClaimAmountFen)
	v.Applicants, v.Respondents = applicationParties(a.Applicants()), applicationParties(a.Respondents())
	if c, err := org.GetCourt(ctx, u.DB, a.CourtID); err == nil {
		v.CourtName = c.Name
	}
	types, err := intakeCaseTypeChoices(ctx, u.DB)
	if err != nil {
		return err
	}
	v.CaseType = a.CaseType
	for _, t := range types {
		if t.Code == a.CaseType {
			v.CaseType = t.Label
		}
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	for _, m := range a.Materials {
		row := intakeMaterialRow{Material: m, Error: v.Errors["materials."+m.Code]}
		if v.Action == "materials" && v.posted != nil { // show what was typed, not what is stored
			row.Received = v.posted.Get("material."+m.Code) == "1"
			row.Note = v.posted.Get("note." + m.Code)
			row.Copies, _ = strconv.Atoi(strings.TrimSpace(v.posted.Get("copies." + m.Code)))
		}
		v.Materials = append(v.Materials, row)
	}
	if m := a.Mediation; m != nil {
		v.Mediation, v.MediationOpen, v.MediationTag = m, a.Status == intake.StatusMediation && m.Status == intake.MediationOpen, intake.MediationLabel(m.Status)
		for _, c := range m.Contacts {
			v.Contacts = append(v.Contacts, mediationContact{At: c.At.In(shanghai).Format("2006-01-02 15:04"),
				Channel: intake.ContactChannelLabel(c.Channel), PartyName: c.PartyName, Summary: c.Summary})
		}
		if m.PaidFen > 0 {
			v.PaidAmount = yuanText(m.PaidFen)
		}
	}
	v.defaults = map[string]string{"sent_on": u.intakeToday().String(), "acceptance_notice": "1", "outcome": intake.MediationFailed}
	for _, c := range []string{"phone", "visit", "sms", "video", "other"} {
		v.Channels = append(v.Channels, intakeChoice{c, intake.ContactChannelLabel(c)})
	}
	v.Outcomes = []intakeChoice{{intake.MediationFailed, intake.MediationLabel(intake.MediationFailed) + "（转立案审查）"},
		{intake.MediationPaid, intake.MediationLabel(intake.MediationPaid) + "（不立案）"},
		{intake.MediationSettled, intake.MediationLabel(intake.MediationSettled) + "（不立案）"}}

	if v.CanRoute && (p.Can(access.ApplicationsRegister) || p.Can(access.ApplicationsReview)) {
		if v.Mediators, err = intake.Mediators(ctx, u.DB, a.CourtID); err != nil {
			return err
		}
	}
	if v.Received && p.Can(access.ApplicationsReview) {
		if err := u.filingChoices(ctx, p, a, &v); err != nil {
			return err
		}
	}
	title := "执行申请：" + applicationTitle(a)
	return u.render(w, r, status, "application", title, "applications", v)
}

// filingChoices are the lanes, teams and handlers the filing form offers,
// and the lane the triage rules would choose now.
func (u *UI) filingChoices(ctx context.Context, p *access.Principal, a *intake.Application, v *applicationView) error {
	v.Lanes = triage.Lanes()
	if _, rules, err := intake.ActiveRuleSet(ctx, u.DB, a.CourtID); err == nil {
		facts, err := intake.Facts(ctx, u.DB, a)
		if err != nil {
			return err
		}
		d := rules.Evaluate(facts)
		v.Suggested, v.SuggestedLane = &d, triage.LaneName(d.Lane)
	} else if apperr.KindOf(err) != apperr.Conflict {
		return err
	}
	req := page.Request{Limit: page.MaxLimit}
	for {
		pg, err := org.ListTeams(ctx, u.DB, org.TeamFilter{CourtID: a.CourtID}, req)
		if err != nil {
			return err
		}
		for _, t := range pg.Items {
			if t.Active && triage.LaneName(t.Kind) != "" { // only the teams of a lane take cases
				v.Teams = append(v.Teams, t)
			}
		}
		if pg.NextCursor == "" {
			break
		}
		req.Cursor = pg.NextCursor
	}
	if !p.Can(access.CasesRead) {
		return nil // the handler is then picked by rule
	}
	handlers, err := cases.Handlers(ctx, u.DB, a.CourtID)
	if err != nil {
		return err
	}
	laneTeam := map[uuid.UUID]bool{}
	for _, t := range v.Teams {
		laneTeam[t.ID] = true
	}
	for _, h := range handlers {
		if !laneTeam[h.TeamID] {
			continue
		}
		if n := len(v.Handlers); n == 0 || v.Handlers[n-1].Team != h.TeamName {
			v.Handlers = append(v.Handlers, intakeHandlerGroup{Team: h.TeamName})
		}
		g := &v.Handlers[len(v.Handlers)-1]
		g.Handlers = append(g.Handlers, h)
	}
	return nil
}

func applicationTitle(a *intake.Application) string {
	var app, resp []string
	for _, pt := range a.Applicants() {
		app = append(app, pt.Name)
	}
	for _, pt := range a.Respondents() {
		resp = append(resp, pt.Name)
	}
	return strings.Join(app, "、") + " 申请执行 " + strings.Join(resp, "、")
}

func (u *UI) applicationPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	a, err := u.loadApplication(r)
	if err != nil {
		return err
	}
	return u.showApplication(w, r, p, http.StatusOK, a, applicationView{})
}

// change runs one change of the application of the path, from a form of
// its page, and goes back to the page (or where fn says) with done. An input or state error
// shows the page again with the message and the values typed (422 or 409),
// having changed nothing; anything else (403, 404 …) is an error page.
func (u *UI) changeApplication(w http.ResponseWriter, r *http.Request, p *access.Principal, perm func(*access.Principal) bool, done string,
	values []string, fn func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !perm(p) {
		return apperr.Forbid("")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	to, err := store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (string, error) { return fn(ctx, tx, id) })
	if err == nil {
		if to == "" {
			to = "/applications/" + id.String()
		}
		redirect(w, r, to, done)
		return nil
	}
	fields, e, err := intakeErrors(err, nil)
	if err != nil {
		return err
	}
	a, err := intake.GetApplication(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	return u.showApplication(w, r, p, httperr.Status(e.Kind), a, applicationView{Action: done, Values: formValues(r, values...),
		Errors: fields, Error: e.Detail, posted: r.PostForm})
}

func intakeHolds(perms ...access.Permission) func(*access.Principal) bool {
	return func(p *access.Principal) bool {
		for _, x := range perms {
			if p.Can(x) {
				return true
			}
		}
		return false
	}
}

func (u *UI) updateApplicationMaterials(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.ApplicationsRegister), "materials", nil,
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			a, err := intake.GetApplication(ctx, tx, id)
			if err != nil {
				return "", err
			}
			var in []intake.MaterialInput
			for _, m := range a.Materials {
				c := strings.TrimSpace(r.PostFormValue("copies." + m.Code))
				copies := 0
				if c != "" {
					if copies, err = strconv.Atoi(c); err != nil || copies < 0 || copies > 99 {
						return "", apperr.InvalidField("invalid_copies", "materials."+m.Code, "份数应为 0 到 99 的整数")
					}
				}
				in = append(in, intake.MaterialInput{Code: m.Code, Received: r.PostFormValue("material."+m.Code) == "1",
					Copies: copies, Note: r.PostFormValue("note." + m.Code)})
			}
			_, err = intake.UpdateMaterials(ctx, tx, id, in)
			return "", err
		})
}

func (u *UI) refuseApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.ApplicationsReview), "refused", []string{"reason"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			_, err := intake.Refuse(ctx, tx, id, r.PostFormValue("reason"))
			return "", err
		})
}

func (u *UI) routeToMediation(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.ApplicationsRegister, access.ApplicationsReview), "mediation", []string{"mediator_id"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			mediator, err := formIDValue(r.PostFormValue("mediator_id"))
			if err != nil || mediator == uuid.Nil {
				return "", apperr.InvalidField("invalid_mediator", "body.mediator_id", "请选择本院的调解员")
			}
			_, err = intake.RouteToMediation(ctx, tx, id, mediator)
			return "", err
		})
}

func (u *UI) recordMediationNotice(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.MediationHandle), "notice", []string{"sent_on"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			d, err := intakeDate(r.PostFormValue("sent_on"))
			if err != nil {
				return "", apperr.InvalidField("invalid_date", "body.sent_on", err.Error())
			}
			_, err = intake.RecordNotice(ctx, tx, id, d)
			return "", err
		})
}

func (u *UI) addMediationContact(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.MediationHandle), "contact", []string{"channel", "party_name", "summary"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			_, err := intake.AddContact(ctx, tx, id, intake.ContactInput{Channel: r.PostFormValue("channel"),
				PartyName: r.PostFormValue("party_name"), Summary: r.PostFormValue("summary")})
			return "", err
		})
}

func (u *UI) recordMediationOutcome(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.MediationHandle), "outcome", []string{"outcome", "note", "paid_amount"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			paid, err := legal.ParseYuan(r.PostFormValue("paid_amount"), false)
			if err != nil {
				return "", apperr.InvalidField("invalid_amount", "body.paid_fen", err.Error())
			}
			_, err = intake.RecordOutcome(ctx, tx, id, intake.OutcomeInput{Outcome: r.PostFormValue("outcome"),
				Note: r.PostFormValue("note"), PaidFen: paid})
			return "", err
		})
}

// intakeAcceptanceNotices is what the filing form's checkbox records of the 受理通知书.
var intakeAcceptanceNotices = map[bool]string{true: "当场送达", false: "已出具，待送达"}

func (u *UI) fileApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeApplication(w, r, p, intakeHolds(access.ApplicationsReview), "filed", []string{"lane", "team_id", "handler_id", "reason", "acceptance_notice"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (string, error) {
			in := intake.FileInput{Lane: strings.TrimSpace(r.PostFormValue("lane")), Reason: r.PostFormValue("reason"),
				AcceptanceNotice: intakeAcceptanceNotices[r.PostFormValue("acceptance_notice") == "1"]}
			var err error
			if in.TeamID, err = formIDValue(r.PostFormValue("team_id")); err != nil {
				return "", apperr.InvalidField("invalid_team", "body.team_id", "请从列表中选择团队")
			}
			if in.HandlerID, err = formIDValue(r.PostFormValue("handler_id")); err != nil {
				return "", apperr.InvalidField("invalid_handler", "body.handler_id", "请从列表中选择承办人")
			}
			if in.HandlerID != uuid.Nil && in.TeamID == uuid.Nil && p.Can(access.CasesRead) {
				// A handler chosen alone brings their team.
				a, err := intake.GetApplication(ctx, tx, id)
				if err != nil {
					return "", err
				}
				handlers, err := cases.Handlers(ctx, tx, a.CourtID)
				if err != nil {
					return "", err
				}
				for _, h := range handlers {
					if h.ID == in.HandlerID {
						in.TeamID = h.TeamID
					}
				}
			}
			c, err := intake.File(ctx, tx, id, in)
			if err != nil {
				return "", err
			}
			return "/cases/" + c.ID.String(), nil
		})
}
