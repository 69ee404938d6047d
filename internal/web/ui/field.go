package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/files"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/tasks"
)

// registerField mounts the pages of field work (外勤): the field center's
// inbox, the officer's own tasks (phone-first), a task with its forms, a
// case's tasks and the request form.
func (u *UI) registerField(mux *http.ServeMux) {
	mux.Handle("GET /field-tasks", u.page(u.fieldInbox))
	mux.Handle("GET /field-tasks/mine", u.page(u.fieldMine))
	mux.Handle("GET /field-tasks/{id}", u.page(u.fieldTaskPage))
	mux.Handle("GET /field-tasks/{id}/photos/{photo}", u.page(u.fieldPhoto))
	mux.Handle("POST /field-tasks/{id}/registration", u.page(u.registerFieldTask))
	mux.Handle("POST /field-tasks/{id}/assignment", u.page(u.assignFieldTask))
	mux.Handle("POST /field-tasks/{id}/cancellation", u.page(u.cancelFieldTask))
	mux.Handle("POST /field-tasks/{id}/return", u.page(u.returnFieldTask))
	mux.Handle("POST /field-tasks/{id}/result", u.page(u.recordFieldResult))
	mux.Handle("GET /cases/{id}/field-tasks", u.page(u.caseFieldTasks))
	mux.Handle("GET /cases/{id}/field-tasks/new", u.page(u.newFieldTaskPage))
	mux.Handle("POST /cases/{id}/field-tasks", u.page(u.requestFieldTask))
}

func init() {
	for k, v := range map[string]string{
		"field_requested":  "外勤任务已发起，等待外勤事务中心登记。",
		"field_registered": "外勤任务已登记，交外勤组待派员。",
		"field_assigned":   "已派员。",
		"field_cancelled":  "外勤任务已撤销。",
		"field_returned":   "任务已退回外勤事务中心。",
		"field_done":       "现场结果已记录，已写入案件时间线。",
	} {
		notices[k] = v
	}
}

// fieldForm is the state of a form after a refused submission.
type fieldForm struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

func newFieldForms(names ...string) map[string]*fieldForm {
	m := map[string]*fieldForm{}
	for _, n := range names {
		m[n] = &fieldForm{Values: map[string]string{}, Errors: map[string]string{}}
	}
	return m
}

// fieldBack is where a form sends the browser after success: the page it
// came from when that is a field page, else the task's page.
func fieldBack(r *http.Request, task uuid.UUID) string {
	b := r.FormValue("back")
	if (strings.HasPrefix(b, "/field-tasks") || strings.HasPrefix(b, "/cases/")) && !strings.Contains(b, "//") && !strings.ContainsAny(b, "\\\r\n") {
		return b
	}
	return "/field-tasks/" + task.String()
}

// fieldDue words a task's wished last day.
func fieldDue(t *tasks.FieldTask, today legal.Date) (string, bool) {
	if t.DueOn.IsZero() {
		return "", false
	}
	n := t.DueOn.Sub(today)
	switch {
	case !t.Status.Open():
		return t.DueOn.String(), false
	case n < 0:
		return fmt.Sprintf("%s（超期 %d 日）", t.DueOn, -n), true
	case n == 0:
		return t.DueOn.String() + "（今日到期）", false
	}
	return fmt.Sprintf("%s（剩余 %d 日）", t.DueOn, n), false
}

// fieldOption is a choice of a select.
type fieldOption struct {
	Value, Label string
}

// fieldRow is a task as the lists show it, with what the field center
// needs to register or assign it in place.
type fieldRow struct {
	T             *tasks.FieldTask
	Due           string
	Overdue       bool
	Groups        []tasks.FieldGroup
	Suggested     string // the group registration picks by itself
	Officers      []tasks.FieldOfficer
	GroupOfficers []tasks.FieldOfficer
}

type fieldCourtChoices struct {
	groups   []tasks.FieldGroup
	officers []tasks.FieldOfficer
}

// fieldChoices loads the field groups and officers of a court once per
// page, for the field center (field.manage).
func (u *UI) fieldChoices(ctx context.Context, cache map[uuid.UUID]*fieldCourtChoices, court uuid.UUID) (*fieldCourtChoices, error) {
	if c, ok := cache[court]; ok {
		return c, nil
	}
	c := &fieldCourtChoices{}
	var err error
	if c.groups, err = tasks.FieldGroups(ctx, u.DB, court); err != nil {
		return nil, err
	}
	if c.officers, err = tasks.FieldOfficers(ctx, u.DB, court); err != nil {
		return nil, err
	}
	cache[court] = c
	return c, nil
}

func (u *UI) fieldRowOf(ctx context.Context, p *access.Principal, cache map[uuid.UUID]*fieldCourtChoices, t *tasks.FieldTask) (fieldRow, error) {
	row := fieldRow{T: t}
	row.Due, row.Overdue = fieldDue(t, legal.Today(u.Now()))
	if !p.Can(access.FieldManage) || !t.Status.Open() {
		return row, nil
	}
	c, err := u.fieldChoices(ctx, cache, t.CourtID)
	if err != nil {
		return row, err
	}
	row.Groups, row.Officers = c.groups, c.officers
	if g, ok := tasks.SuggestGroup(c.groups, t.Area); ok {
		row.Suggested = g.Name
	}
	for _, o := range c.officers {
		if o.GroupID == t.GroupID {
			row.GroupOfficers = append(row.GroupOfficers, o)
		}
	}
	return row, nil
}

// --- the field center's inbox ---

type fieldInboxView struct {
	Status     string
	Area       string
	Statuses   []fieldOption
	Areas      []string
	Rows       []fieldRow
	Cursor     string
	NextCursor string
	Error      string
	Back       string
}

var fieldInboxStatuses = map[string][]tasks.FieldStatus{
	"":           {tasks.FieldRequested, tasks.FieldRegistered},
	"requested":  {tasks.FieldRequested},
	"registered": {tasks.FieldRegistered},
	"assigned":   {tasks.FieldAssigned},
	"done":       {tasks.FieldDone},
	"cancelled":  {tasks.FieldCancelled},
	"all":        nil,
}

func (u *UI) fieldInbox(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.FieldManage); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	v := fieldInboxView{Status: q.Get("status"), Area: strings.TrimSpace(q.Get("area")), Cursor: q.Get("cursor"), Back: r.URL.RequestURI()}
	statuses, ok := fieldInboxStatuses[v.Status]
	if !ok {
		v.Status, statuses = "", fieldInboxStatuses[""]
	}
	v.Statuses = []fieldOption{{"", "待处理（待登记、待派员）"}}
	for _, s := range tasks.FieldStatuses() {
		v.Statuses = append(v.Statuses, fieldOption{string(s), s.Label()})
	}
	v.Statuses = append(v.Statuses, fieldOption{"all", "全部"})
	status := http.StatusOK
	pg, err := tasks.ListField(ctx, u.DB, tasks.FieldFilter{Statuses: statuses, Area: v.Area}, page.Request{Cursor: v.Cursor})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	v.NextCursor = pg.NextCursor
	cache := map[uuid.UUID]*fieldCourtChoices{}
	for _, t := range pg.Items {
		row, err := u.fieldRowOf(ctx, p, cache, t)
		if err != nil {
			return err
		}
		v.Rows = append(v.Rows, row)
	}
	own, err := u.fieldChoices(ctx, cache, p.CourtID)
	if err != nil {
		return err
	}
	for _, g := range own.groups {
		if g.Region != "" {
			v.Areas = append(v.Areas, g.Region)
		}
	}
	return u.render(w, r, status, "field_inbox", "外勤事务", "field", v)
}

// --- the officer's own tasks ---

type fieldMineView struct {
	Done       bool
	Assigned   []fieldRow
	Waiting    []fieldRow
	Finished   []fieldRow
	NoGroup    bool
	NextCursor string
}

func (u *UI) fieldMine(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.FieldWork); err != nil {
		return err
	}
	ctx := r.Context()
	today := legal.Today(u.Now())
	rows := func(list []*tasks.FieldTask) []fieldRow {
		var out []fieldRow
		for _, t := range list {
			row := fieldRow{T: t}
			row.Due, row.Overdue = fieldDue(t, today)
			out = append(out, row)
		}
		return out
	}
	v := fieldMineView{Done: r.URL.Query().Get("status") == "done", NoGroup: p.TeamID == uuid.Nil}
	if v.Done {
		pg, err := tasks.ListField(ctx, u.DB, tasks.FieldFilter{OfficerID: p.UserID, Statuses: []tasks.FieldStatus{tasks.FieldDone}},
			page.Request{Cursor: r.URL.Query().Get("cursor")})
		if err != nil {
			return err
		}
		v.Finished, v.NextCursor = rows(pg.Items), pg.NextCursor
		return u.render(w, r, http.StatusOK, "field_mine", "我的外勤任务", "field-mine", v)
	}
	mine, err := tasks.ListField(ctx, u.DB, tasks.FieldFilter{OfficerID: p.UserID, Statuses: []tasks.FieldStatus{tasks.FieldAssigned}},
		page.Request{Limit: page.MaxLimit})
	if err != nil {
		return err
	}
	waiting, err := tasks.ListField(ctx, u.DB, tasks.FieldFilter{Statuses: []tasks.FieldStatus{tasks.FieldRegistered}}, page.Request{Limit: 100})
	if err != nil {
		return err
	}
	v.Assigned, v.Waiting = rows(mine.Items), rows(waiting.Items)
	return u.render(w, r, http.StatusOK, "field_mine", "我的外勤任务", "field-mine", v)
}

// --- one task ---

type fieldTaskView struct {
	Row         fieldRow
	Forms       map[string]*fieldForm
	CanRegister bool
	CanAssign   bool
	CanCancel   bool
	CanWork     bool // the assigned officer
	// Refusal is the message of a refused form that the page no longer
	// shows (the task moved on meanwhile).
	Refusal   string
	Outcomes  []tasks.Outcome
	Now       string // for the time inputs
	MaxPhotos int
	MaxMiB    int
	Back      string
}

var fieldFormNames = []string{"registration", "assignment", "cancellation", "return", "result"}

func (u *UI) fieldTaskPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showFieldTask(w, r, p, id, http.StatusOK, "", nil)
}

// showFieldTask renders a task's page; failed names the form whose
// submission was refused, with its state.
func (u *UI) showFieldTask(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, failed string, form *fieldForm) error {
	ctx := r.Context()
	t, err := tasks.GetField(ctx, u.DB, id)
	if err != nil {
		return err
	}
	row, err := u.fieldRowOf(ctx, p, map[uuid.UUID]*fieldCourtChoices{}, t)
	if err != nil {
		return err
	}
	v := fieldTaskView{Row: row, Forms: newFieldForms(fieldFormNames...), Outcomes: t.Kind.Outcomes(), MaxPhotos: tasks.MaxFieldPhotos,
		MaxMiB: files.MaxImageBytes >> 20, Now: u.Now().In(legal.Shanghai()).Format("2006-01-02T15:04"), Back: "/field-tasks/" + t.ID.String()}
	if form != nil {
		v.Forms[failed] = form
	}
	manage := p.Can(access.FieldManage)
	v.CanRegister = manage && (t.Status == tasks.FieldRequested || t.Status == tasks.FieldRegistered)
	v.CanAssign = manage && (t.Status == tasks.FieldRegistered || t.Status == tasks.FieldAssigned)
	v.CanCancel = t.Status.Open() && (manage || p.Can(access.FieldRequest) && (p.UserID == t.RequestedBy || p.UserID == t.CaseHandlerID))
	v.CanWork = t.Status == tasks.FieldAssigned && p.Can(access.FieldWork) && t.OfficerID == p.UserID
	shown := map[string]bool{"registration": v.CanRegister, "assignment": v.CanAssign && t.GroupID != uuid.Nil,
		"cancellation": v.CanCancel, "return": v.CanWork, "result": v.CanWork}
	if form != nil && !shown[failed] {
		v.Refusal = form.Message
	}
	return u.render(w, r, status, "field_task", t.Kind.Label()+" · "+t.CaseNo, fieldActive(p), v)
}

// fieldActive is the navigation entry a task's page belongs to.
func fieldActive(p *access.Principal) string {
	switch {
	case p.Can(access.FieldManage):
		return "field"
	case p.Can(access.FieldWork):
		return "field-mine"
	}
	return "cases"
}

func (u *UI) fieldPhoto(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	photo, err := uuid.Parse(r.PathValue("photo"))
	if err != nil {
		return apperr.NotFoundf("照片")
	}
	f, err := tasks.FieldPhotoFile(r.Context(), u.DB, id, photo)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	_, err = w.Write(f.Data)
	return err
}

// changeField runs a change of a task from one of its forms. Success goes
// back with a notice; a refusal (input 422, state 409, not the officer's 403)
// shows the task again with the form as sent; nothing was changed.
func (u *UI) changeField(w http.ResponseWriter, r *http.Request, p *access.Principal, form, done string, fields []string,
	fn func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if r.Form == nil {
		if err := parseForm(w, r); err != nil {
			return err
		}
	}
	_, err = store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
		return fn(ctx, tx, id)
	})
	if err == nil {
		redirect(w, r, fieldBack(r, id), done)
		return nil
	}
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	f := &fieldForm{Values: map[string]string{}, Errors: errs, Message: msg}
	for _, k := range fields {
		f.Values[k] = r.FormValue(k)
	}
	return u.showFieldTask(w, r, p, id, fieldRefusalStatus(errs), form, f)
}

// fieldRefusalStatus answers a refused form: 422 when fields are at fault, else
// 409.
func fieldRefusalStatus(errs map[string]string) int {
	if len(errs) > 0 {
		return http.StatusUnprocessableEntity
	}
	return http.StatusConflict
}

func (u *UI) registerFieldTask(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	done := "field_registered"
	if strings.TrimSpace(r.FormValue("officer_id")) != "" {
		done = "field_assigned"
	}
	return u.changeField(w, r, p, "registration", done, []string{"area", "group_id", "officer_id"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			group, err := formID(r, "group_id")
			if err != nil {
				return nil, err
			}
			officer, err := formID(r, "officer_id")
			if err != nil {
				return nil, err
			}
			return tasks.RegisterField(ctx, tx, id, tasks.RegistrationInput{Area: r.FormValue("area"), GroupID: group, OfficerID: officer})
		})
}

func (u *UI) assignFieldTask(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeField(w, r, p, "assignment", "field_assigned", []string{"officer_id"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			officer, err := formID(r, "officer_id")
			if err != nil {
				return nil, err
			}
			return tasks.AssignField(ctx, tx, id, officer)
		})
}

func (u *UI) cancelFieldTask(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeField(w, r, p, "cancellation", "field_cancelled", []string{"reason"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			return tasks.CancelField(ctx, tx, id, r.FormValue("reason"))
		})
}

func (u *UI) returnFieldTask(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.changeField(w, r, p, "return", "field_returned", []string{"reason"},
		func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			return tasks.ReturnField(ctx, tx, id, r.FormValue("reason"))
		})
}

// maxResultForm bounds the result form: its photos and the fields around
// them.
const maxResultForm = tasks.MaxFieldPhotos*files.MaxImageBytes + 1<<20

// recordFieldResult takes the phone's result form: the fields and up to
// MaxFieldPhotos photos in one multipart submission, stored and recorded in
// one transaction (a refused result stores no photo).
func (u *UI) recordFieldResult(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	fields := []string{"outcome", "findings", "arrived_at", "left_at", "officers_present"}
	r.Body = http.MaxBytesReader(w, r.Body, maxResultForm)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "body_too_large", fmt.Sprintf("提交的内容过大：最多 %d 张照片，每张不超过 %d MiB", tasks.MaxFieldPhotos,
				files.MaxImageBytes>>20))
		}
		if !errors.Is(err, http.ErrNotMultipart) {
			return apperr.New(apperr.BadRequest, "bad_form", "表单无法解析")
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	photos, perr := formPhotos(r)
	return u.changeField(w, r, p, "result", "field_done", fields, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
		if perr != nil {
			return nil, perr
		}
		var probs apperr.Problems
		arrived, err := formInstant(r.FormValue("arrived_at"))
		if err != nil {
			probs.Add("invalid_time", "body.arrived_at", "到达时间格式不正确")
		}
		left, err := formInstant(r.FormValue("left_at"))
		if err != nil {
			probs.Add("invalid_time", "body.left_at", "离开时间格式不正确")
		}
		if err := probs.Err(); err != nil {
			return nil, err
		}
		var ids []uuid.UUID
		for _, data := range photos {
			ph, err := tasks.AddFieldPhoto(ctx, tx, id, data)
			if err != nil {
				if e, ok := apperr.As(err); ok && e.Kind != apperr.Forbidden && e.Kind != apperr.NotFound && e.Code != "invalid_transition" {
					return nil, apperr.InvalidField(e.Code, "body.photos", e.Detail)
				}
				return nil, err
			}
			ids = append(ids, ph.ID)
		}
		return tasks.RecordFieldResult(ctx, tx, id, tasks.ResultInput{Outcome: tasks.Outcome(r.FormValue("outcome")),
			Findings: r.FormValue("findings"), ArrivedAt: arrived, LeftAt: left, OfficersPresent: []string{r.FormValue("officers_present")},
			PhotoIDs: ids})
	})
}

// formPhotos reads the photos of the result form: at most MaxFieldPhotos,
// each at most files.MaxImageBytes. Empty file inputs are skipped.
func formPhotos(r *http.Request) ([][]byte, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out [][]byte
	for _, h := range r.MultipartForm.File["photos"] {
		if h.Size == 0 && h.Filename == "" {
			continue
		}
		if len(out) == tasks.MaxFieldPhotos {
			return nil, apperr.InvalidField("too_many_photos", "body.photos", fmt.Sprintf("每项结果最多附 %d 张照片", tasks.MaxFieldPhotos))
		}
		f, err := h.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, files.MaxImageBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		if len(data) > files.MaxImageBytes {
			return nil, apperr.InvalidField("file_too_large", "body.photos", fmt.Sprintf("照片“%s”超过 %d MiB", h.Filename, files.MaxImageBytes>>20))
		}
		out = append(out, data)
	}
	return out, nil
}

// formInstant reads a datetime-local value as Beijing time; "" is zero.
func formInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, legal.Shanghai()); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// --- a case's tasks and the request form ---

type caseFieldView struct {
	Case       *cases.Case
	Open       bool
	Rows       []fieldRow
	NextCursor string
	CanRequest bool
}

func caseOpenForField(c *cases.Case) bool {
	return c.Status != cases.StatusClosed || c.Closure == "zhongben"
}

func (u *UI) caseFieldTasks(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	pg, err := tasks.CaseFieldTasks(ctx, u.DB, id, page.Request{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	v := caseFieldView{Case: c, Open: caseOpenForField(c), NextCursor: pg.NextCursor}
	v.CanRequest = v.Open && p.Can(access.FieldRequest)
	today := legal.Today(u.Now())
	for _, t := range pg.Items {
		row := fieldRow{T: t}
		row.Due, row.Overdue = fieldDue(t, today)
		v.Rows = append(v.Rows, row)
	}
	return u.render(w, r, http.StatusOK, "field_case", "外勤任务 · "+c.CaseNo, "cases", v)
}

type fieldNewView struct {
	Case   *cases.Case
	Form   *fieldForm
	Kinds  []tasks.FieldKind
	Areas  []string
	Assets []*assets.Asset
	Today  string
}

func (u *UI) newFieldTaskPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showFieldNew(w, r, p, id, http.StatusOK, nil)
}

func (u *UI) showFieldNew(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, form *fieldForm) error {
	if err := p.Require(access.FieldRequest); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = newFieldForms("new")["new"]
		form.Values["kind"] = string(tasks.FieldInvestigate)
		if rs := c.Respondents(); len(rs) > 0 {
			form.Values["address"] = rs[0].Address
		}
		if !caseOpenForField(c) {
			form.Message = "案件已结案，不能再派出外勤任务。"
		}
	}
	v := fieldNewView{Case: c, Form: form, Kinds: tasks.FieldKinds(), Today: legal.Today(u.Now()).String()}
	groups, err := tasks.FieldGroups(ctx, u.DB, c.CourtID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Region != "" {
			v.Areas = append(v.Areas, g.Region)
		}
	}
	if av, err := assets.ForCase(ctx, u.DB, c.ID); err == nil {
		v.Assets = av.Assets
	} else if apperr.KindOf(err) != apperr.Forbidden {
		return err
	}
	return u.render(w, r, status, "field_new", "发起外勤任务 · "+c.CaseNo, "cases", v)
}

func (u *UI) requestFieldTask(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	t, err := store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
		var probs apperr.Problems
		due, err := legal.Date{}, error(nil)
		if s := strings.TrimSpace(r.FormValue("due_on")); s != "" {
			if due, err = legal.ParseDate(s); err != nil {
				probs.Add("invalid_date", "body.due_on", "日期应为 YYYY-MM-DD 格式的有效日期")
			}
		}
		asset, err := formID(r, "asset_id")
		if err != nil {
			probs.AddErr("body.asset_id", err)
		}
		if err := probs.Err(); err != nil {
			return nil, err
		}
		return tasks.RequestField(ctx, tx, id, tasks.RequestInput{Kind: tasks.FieldKind(r.FormValue("kind")), Address: r.FormValue("address"),
			Area: r.FormValue("area"), Instructions: r.FormValue("instructions"), DueOn: due, AssetID: asset})
	})
	if err == nil {
		redirect(w, r, "/field-tasks/"+t.ID.String(), "field_requested")
		return nil
	}
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	f := &fieldForm{Values: map[string]string{}, Errors: errs, Message: msg}
	for _, k := range []string{"kind", "address", "area", "instructions", "due_on", "asset_id"} {
		f.Values[k] = r.FormValue(k)
	}
	return u.showFieldNew(w, r, p, id, fieldRefusalStatus(errs), f)
}
