package tasks_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/schema"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/tasks"
)

// world is a court (三水) with its staff, three field groups — 外勤一组 for
// 西南街道, 外勤二组 for 白坭镇 and the seeded catch-all 外勤组 — an officer in
// each of the first two (and a second in the first), the field center, and
// a judge of another court.
type world struct {
	db       *store.DB
	staff    *intaketest.Staff
	command  context.Context // field.manage
	officer  context.Context // 外勤一组
	partner  context.Context // 外勤一组, a second officer
	other    context.Context // 外勤二组
	clerk    context.Context // no field permission
	outsider context.Context // 皖01's command center

	officerID, partnerID, otherID uuid.UUID
	group1, group2, catchAll      uuid.UUID
}

var userSeq atomic.Int64

func signIn(t *testing.T, db *store.DB, sys context.Context, court uuid.UUID, role string, team uuid.UUID, name string) (context.Context, uuid.UUID) {
	t.Helper()
	svc := auth.New(db, auth.Config{Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}, IPRate: 1e6, IPBurst: 1e6})
	username := fmt.Sprintf("f%d.%s", userSeq.Add(1), role)
	u, err := svc.CreateUser(sys, auth.UserInput{CourtID: court, TeamID: team, Username: username, DisplayName: name, Role: role,
		Password: "secret123"})
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	res, err := svc.Login(context.Background(), auth.LoginInput{Username: username, Password: "secret123", Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(context.Background(), res.Token)
	if err != nil {
		t.Fatal(err)
	}
	return access.With(context.Background(), p), u.ID
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	w := &world{db: db, staff: intaketest.NewStaff(t, db, "")}
	sys, court := w.staff.Sys, w.staff.CourtID
	team := func(name, region string) uuid.UUID {
		g, err := store.TransactValue(sys, db, func(ctx context.Context, tx *store.Tx) (org.Team, error) {
			return org.CreateTeam(ctx, tx, org.TeamInput{CourtID: court, Kind: tasks.TeamKindField, Name: name, Region: region})
		})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	w.group1, w.group2 = team("外勤一组", "西南街道"), team("外勤二组", "白坭镇")
	var err error
	if w.catchAll, err = org.TeamByName(sys, db, court, "外勤组"); err != nil {
		t.Fatal(err)
	}
	center, err := org.TeamByName(sys, db, court, "执行指挥中心")
	if err != nil {
		t.Fatal(err)
	}
	w.command, _ = signIn(t, db, sys, court, access.RoleCommandCenter, center, "赵指挥")
	w.officer, w.officerID = signIn(t, db, sys, court, access.RoleFieldOfficer, w.group1, "孙外勤")
	w.partner, w.partnerID = signIn(t, db, sys, court, access.RoleFieldOfficer, w.group1, "钱外勤")
	w.other, w.otherID = signIn(t, db, sys, court, access.RoleFieldOfficer, w.group2, "李外勤")
	w.clerk, _ = signIn(t, db, sys, court, access.RoleClerk, uuid.Nil, "王书记")
	hefei, err := org.CourtByCode(sys, db, "皖01")
	if err != nil {
		t.Fatal(err)
	}
	w.outsider, _ = signIn(t, db, sys, hefei.ID, access.RoleCommandCenter, uuid.Nil, "外院指挥")
	return w
}

// fileCase files a case of the court.
func (w *world) fileCase(t *testing.T, seed int) *cases.Case {
	t.Helper()
	in := intaketest.Application(w.staff.CourtID, seed)
	c, err := store.TransactValue(w.staff.Reception, w.db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do runs fn in a transaction as ctx's principal.
func do[T any](ctx context.Context, db *store.DB, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	return store.TransactValue(ctx, db, fn)
}

// must returns v, failing the test given to the returned function on err:
// must(f())(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantErr checks err's code.
func wantErr(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s", what, code)
	}
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("%s: %v, want code %s", what, err, code)
	}
}

func (w *world) request(t *testing.T, c *cases.Case, in tasks.RequestInput) *tasks.FieldTask {
	t.Helper()
	return must(do(w.staff.Assistant, w.db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
		return tasks.RequestField(ctx, tx, c.ID, in)
	}))(t)
}

func seizeAt(area string) tasks.RequestInput {
	return tasks.RequestInput{Kind: tasks.FieldSeize, Address: "佛山市三水区" + area + "建设路 8 号仓库", Area: area,
		Instructions: "查封仓库内被执行人的钢材，张贴封条并拍照", DueOn: legal.Today(time.Now()).AddDays(7)}
}

func (w *world) assigned(t *testing.T, c *cases.Case) *tasks.FieldTask {
	t.Helper()
	ft := w.request(t, c, seizeAt("西南街道"))
	return must(do(w.command, w.db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
		return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{OfficerID: w.officerID})
	}))(t)
}

func pngBytes(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{shade, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (w *world) photo(t *testing.T, ctx context.Context, task uuid.UUID, data []byte) (*tasks.FieldPhoto, error) {
	t.Helper()
	return do(ctx, w.db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldPhoto, error) {
		return tasks.AddFieldPhoto(ctx, tx, task, data)
	})
}

func (w *world) result(t *testing.T, ctx context.Context, task uuid.UUID, in tasks.ResultInput) (*tasks.FieldTask, error) {
	t.Helper()
	return do(ctx, w.db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
		return tasks.RecordFieldResult(ctx, tx, task, in)
	})
}

// onSite is a stay on site as a phone form gives it (to the minute) that
// began no earlier than any task made so far.
func onSite() (time.Time, time.Time) {
	now := time.Now().UTC()
	return now.Truncate(time.Minute), now
}

func timeline(t *testing.T, ctx context.Context, db *store.DB, caseID uuid.UUID) []cases.Event {
	t.Helper()
	c, err := cases.Get(ctx, db, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Events
}

// TestFieldTaskS12: a judge's assistant asks for an on-site seizure; the
// field center registers it (the group of the area is chosen by itself) and
// assigns it; the officer uploads photos and records the result, keeping
// two of three photos; the result lands in the case's timeline and the
// audit log; the photos are served to those who may read the case.
func TestFieldTaskS12(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		c := w.fileCase(t, 1201)
		ft := w.request(t, c, seizeAt("西南街道"))
		if ft.Status != tasks.FieldRequested || ft.RequestedByName == "" || ft.CaseNo != c.CaseNo || ft.DueOn.IsZero() {
			t.Fatalf("requested: %+v", ft)
		}

		ft = must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{})
		}))(t)
		if ft.Status != tasks.FieldRegistered || ft.GroupID != w.group1 || ft.GroupName != "外勤一组" || ft.RegisteredByName != "赵指挥" {
			t.Fatalf("registered: %+v", ft)
		}
		ft = must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.AssignField(ctx, tx, ft.ID, w.officerID)
		}))(t)
		if ft.Status != tasks.FieldAssigned || ft.OfficerID != w.officerID || ft.OfficerName != "孙外勤" {
			t.Fatalf("assigned: %+v", ft)
		}

		// The officer sees it among their group's tasks, and only those.
		mine := must(tasks.ListField(w.officer, db, tasks.FieldFilter{OfficerID: w.officerID}, page.Request{}))(t)
		if len(mine.Items) != 1 || mine.Items[0].ID != ft.ID {
			t.Fatalf("officer's tasks: %+v", mine.Items)
		}
		if other := must(tasks.ListField(w.other, db, tasks.FieldFilter{}, page.Request{}))(t); len(other.Items) != 0 {
			t.Fatalf("another group's officer sees %d tasks", len(other.Items))
		}

		p1 := must(w.photo(t, w.officer, ft.ID, pngBytes(t, 1)))(t)
		p2 := must(w.photo(t, w.officer, ft.ID, jpegBytes(t)))(t)
		p3 := must(w.photo(t, w.officer, ft.ID, pngBytes(t, 3)))(t)
		if p1.ContentType != "image/png" || p2.ContentType != "image/jpeg" || len(p1.SHA256) != 64 {
			t.Fatalf("photos %+v %+v", p1, p2)
		}
		arrived, left := onSite()
		ft = must(w.result(t, w.officer, ft.ID, tasks.ResultInput{Outcome: tasks.OutcomeSeized,
			Findings: "仓库内有螺纹钢约 30 吨，已张贴封条", ArrivedAt: arrived, LeftAt: left,
			OfficersPresent: []string{"钱外勤、张法警"}, PhotoIDs: []uuid.UUID{p2.ID, p1.ID}}))(t)
		if ft.Status != tasks.FieldDone || ft.Result == nil || ft.Result.Outcome != tasks.OutcomeSeized || ft.Result.RecordedByName != "孙外勤" {
			t.Fatalf("done: %+v %+v", ft, ft.Result)
		}
		if got := ft.Result.OfficersPresent; !slices.Equal(got, []string{"孙外勤", "钱外勤", "张法警"}) {
			t.Errorf("officers present %v", got)
		}
		if len(ft.Photos) != 2 || ft.Photos[0].ID != p2.ID || ft.Photos[1].ID != p1.ID || !ft.Photos[0].InResult {
			t.Fatalf("result photos %+v", ft.Photos)
		}
		if _, err := tasks.FieldPhotoFile(w.staff.Judge, db, ft.ID, p3.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("the photo left out: %v, want deleted", err)
		}
		var files int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM files WHERE id = ?`, p3.ID).Scan(&files); err != nil || files != 0 {
			t.Errorf("the file of the photo left out: %d (%v)", files, err)
		}

		// The result is in the case's timeline, in Chinese.
		var found bool
		for _, e := range timeline(t, w.staff.Judge, db, c.ID) {
			if e.Kind == "field_task.done" {
				found = strings.Contains(e.Summary, "已查封、扣押") && strings.Contains(e.Summary, "照片 2 张") &&
					strings.Contains(e.Summary, "张法警") && e.ActorName == "孙外勤"
			}
		}
		if !found {
			t.Errorf("timeline lacks the result: %+v", timeline(t, w.staff.Judge, db, c.ID))
		}
		// And in the audit log.
		pg, err := audit.List(w.staff.President, db, audit.Filter{ObjectType: "field_task", ObjectID: ft.ID.String()}, page.Request{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range pg.Items {
			actions = append(actions, r.Action)
		}
		for _, a := range []string{"field_task.requested", "field_task.registered", "field_task.assigned", "field_task.photo_added", "field_task.done"} {
			if !slices.Contains(actions, a) {
				t.Errorf("audit lacks %s: %v", a, actions)
			}
		}

		// Photos are served to readers of the case, byte for byte; not to
		// another court.
		f := must(tasks.FieldPhotoFile(w.staff.Judge, db, ft.ID, p2.ID))(t)
		if !bytes.Equal(f.Data, jpegBytes(t)) || f.ContentType != "image/jpeg" {
			t.Errorf("served photo: %s, %d bytes", f.ContentType, len(f.Data))
		}
		if _, err := tasks.FieldPhotoFile(w.outsider, db, ft.ID, p2.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another court reads the photo: %v", err)
		}
		if _, err := tasks.FieldPhotoFile(w.staff.Judge, db, uuid.New(), p2.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("photo under another task: %v", err)
		}

		// The case lists its task.
		list := must(tasks.CaseFieldTasks(w.staff.Judge, db, c.ID, page.Request{}))(t)
		if len(list.Items) != 1 || list.Items[0].Status != tasks.FieldDone {
			t.Errorf("case tasks %+v", list.Items)
		}
	})
}

// count reads a number from the database.
func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// snapshot is what a refused change must leave as it was.
type snapshot struct {
	status, updated string
	events, audit   int
}

func (w *world) snapshot(t *testing.T, ft *tasks.FieldTask) snapshot {
	t.Helper()
	var s snapshot
	if err := w.db.QueryRow(context.Background(), `SELECT status, CAST(updated_at AS TEXT) FROM field_tasks WHERE id = ?`, ft.ID).
		Scan(&s.status, &s.updated); err != nil {
		t.Fatal(err)
	}
	s.events = count(t, w.db, `SELECT COUNT(*) FROM case_events WHERE case_id = ?`, ft.CaseID)
	s.audit = count(t, w.db, `SELECT COUNT(*) FROM audit_log WHERE object_id = ?`, ft.ID.String())
	return s
}

// TestFieldWrongStates: every change a status does not allow is refused
// with invalid_transition, and nothing is written.
func TestFieldWrongStates(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		c := w.fileCase(t, 1202)
		requested := w.request(t, c, seizeAt("白坭镇"))
		assigned := w.assigned(t, c)
		cancelled := w.request(t, c, seizeAt("白坭镇"))
		must(do(w.staff.Assistant, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.CancelField(ctx, tx, cancelled.ID, "申请执行人撤回线索")
		}))(t)
		done := w.assigned(t, c)
		arrived, left := onSite()
		must(w.result(t, w.officer, done.ID, tasks.ResultInput{Outcome: tasks.OutcomeNothingFound, Findings: "仓库已空置",
			ArrivedAt: arrived, LeftAt: left}))(t)

		type step struct {
			name string
			task *tasks.FieldTask
			ctx  context.Context
			fn   func(ctx context.Context, tx *store.Tx, id uuid.UUID) error
		}
		assign := func(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
			_, err := tasks.AssignField(ctx, tx, id, w.officerID)
			return err
		}
		register := func(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
			_, err := tasks.RegisterField(ctx, tx, id, tasks.RegistrationInput{})
			return err
		}
		result := func(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
			a, l := onSite()
			_, err := tasks.RecordFieldResult(ctx, tx, id, tasks.ResultInput{Outcome: tasks.OutcomeNothingFound, Findings: "x", ArrivedAt: a, LeftAt: l})
			return err
		}
		ret := func(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
			_, err := tasks.ReturnField(ctx, tx, id, "人手不足")
			return err
		}
		cancel := func(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
			_, err := tasks.CancelField(ctx, tx, id, "不再需要")
			return err
		}
		photo := func(ctx context.Context, tx *store.Tx, id uuid.UUID) error {
			_, err := tasks.AddFieldPhoto(ctx, tx, id, pngBytes(t, 9))
			return err
		}
		for _, s := range []step{
			{"assign a requested task", requested, w.command, assign},
			{"record a result of a requested task", requested, w.officer, result},
			{"return a requested task", requested, w.officer, ret},
			{"register an assigned task", assigned, w.command, register},
			{"register a done task", done, w.command, register},
			{"assign a done task", done, w.command, assign},
			{"record a second result", done, w.officer, result},
			{"add a photo to a done task", done, w.officer, photo},
			{"cancel a done task", done, w.command, cancel},
			{"cancel a cancelled task", cancelled, w.command, cancel},
			{"register a cancelled task", cancelled, w.command, register},
			{"return a cancelled task", cancelled, w.officer, ret},
		} {
			before := w.snapshot(t, s.task)
			err := db.Transact(s.ctx, func(ctx context.Context, tx *store.Tx) error { return s.fn(ctx, tx, s.task.ID) })
			wantErr(t, s.name, err, "invalid_transition")
			if e, _ := apperr.As(err); e.Kind != apperr.Conflict || !strings.Contains(e.Detail, "不能") {
				t.Errorf("%s: %v, want a Chinese 409", s.name, err)
			}
			if after := w.snapshot(t, s.task); after != before {
				t.Errorf("%s: wrote %+v → %+v", s.name, before, after)
			}
		}
	})
}

// TestFieldAccess: who may do what, and what does not exist for whom.
func TestFieldAccess(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		c := w.fileCase(t, 1203)
		_, err := do(w.clerk, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RequestField(ctx, tx, c.ID, seizeAt("西南街道"))
		})
		wantErr(t, "a clerk requests", err, "forbidden")
		_, err = do(w.outsider, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RequestField(ctx, tx, c.ID, seizeAt("西南街道"))
		})
		wantErr(t, "another court requests", err, "forbidden") // 皖01's command center holds no field.request

		ft := w.request(t, c, seizeAt("西南街道"))
		// Another court's field center: the task does not exist.
		_, err = do(w.outsider, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{})
		})
		wantErr(t, "another court registers", err, "not_found")
		if _, err := tasks.GetField(w.outsider, db, ft.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another court reads: %v", err)
		}
		if pg := must(tasks.ListField(w.outsider, db, tasks.FieldFilter{}, page.Request{}))(t); len(pg.Items) != 0 {
			t.Errorf("another court's inbox holds %d tasks", len(pg.Items))
		}
		if _, err := tasks.CaseFieldTasks(w.outsider, db, c.ID, page.Request{}); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another court lists the case's tasks: %v", err)
		}
		if _, err := tasks.ListField(w.clerk, db, tasks.FieldFilter{}, page.Request{}); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("a clerk reads the inbox: %v", err)
		}
		// Only the field center registers.
		_, err = do(w.officer, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{})
		})
		wantErr(t, "an officer registers", err, "forbidden")

		// An officer of another group cannot be given the task of 外勤一组.
		_, err = do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{GroupID: w.group1, OfficerID: w.otherID})
		})
		wantErr(t, "officer of another group", err, "invalid_officer")
		// Nor anyone who is not a field officer.
		_, err = do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{OfficerID: w.staff.JudgeID})
		})
		wantErr(t, "a judge as officer", err, "invalid_officer")
		ft = must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{OfficerID: w.officerID})
		}))(t)
		if ft.Status != tasks.FieldAssigned || ft.GroupID != w.group1 {
			t.Fatalf("registered and assigned at once: %+v", ft)
		}
		_, err = do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.AssignField(ctx, tx, ft.ID, w.otherID)
		})
		wantErr(t, "reassign to another group's officer", err, "invalid_officer")

		// Officers act only on their own tasks.
		before := w.snapshot(t, ft)
		for name, ctx := range map[string]context.Context{"another group's officer": w.other, "a colleague": w.partner} {
			_, err := w.photo(t, ctx, ft.ID, pngBytes(t, 2))
			wantErr(t, name+" uploads", err, "not_your_task")
			a, l := onSite()
			_, err = w.result(t, ctx, ft.ID, tasks.ResultInput{Outcome: tasks.OutcomeNothingFound, Findings: "x", ArrivedAt: a, LeftAt: l})
			wantErr(t, name+" records", err, "not_your_task")
			_, err = do(ctx, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
				return tasks.ReturnField(ctx, tx, ft.ID, "x")
			})
			wantErr(t, name+" returns", err, "not_your_task")
		}
		_, err = w.result(t, w.command, ft.ID, tasks.ResultInput{})
		wantErr(t, "the field center records", err, "forbidden")
		if after := w.snapshot(t, ft); after != before {
			t.Errorf("refused acts wrote %+v → %+v", before, after)
		}
		// A judge who neither asked nor handles the case cannot cancel.
		stranger, _ := signIn(t, db, w.staff.Sys, w.staff.CourtID, access.RolePostJudge, uuid.Nil, "周法官")
		_, err = do(stranger, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.CancelField(ctx, tx, ft.ID, "x")
		})
		wantErr(t, "a stranger cancels", err, "forbidden")
		// Malformed: unknown ids are 404.
		if _, err := tasks.GetField(w.staff.Judge, db, uuid.New()); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("unknown task: %v", err)
		}
	})
}

// TestFieldInput: requests and results are checked field by field, and
// photos are images of bounded size and number.
func TestFieldInput(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		c := w.fileCase(t, 1204)
		_, err := do(w.staff.Assistant, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RequestField(ctx, tx, c.ID, tasks.RequestInput{Kind: "dance", Address: " ", Instructions: "",
				DueOn: legal.Today(time.Now()).AddDays(-1), AssetID: uuid.New()})
		})
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 5 {
			t.Fatalf("bad request: %+v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM field_tasks WHERE case_id = ?`, c.ID); n != 0 {
			t.Fatalf("refused request stored %d tasks", n)
		}
		// A linked asset must be a party's of this case.
		var agencyID uuid.UUID
		if err := db.QueryRow(context.Background(), `SELECT id FROM agencies ORDER BY code LIMIT 1`).Scan(&agencyID); err != nil {
			t.Fatal(err)
		}
		asset := store.NewID()
		if err := db.Transact(w.staff.Sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO assets (id, party_id, agency_id, kind, ref, first_found_at, last_seen_at)
				VALUES (?, ?, ?, 'real_estate', '粤(2023)三水区不动产权第0001234号', ?, ?)`, asset, c.Respondents()[0].PartyID, agencyID,
				time.Now(), time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		in := seizeAt("西南街道")
		in.AssetID = asset
		ft := w.request(t, c, in)
		if ft.AssetID != asset || !strings.Contains(ft.AssetLabel, "0001234") {
			t.Errorf("linked asset %s %q", ft.AssetID, ft.AssetLabel)
		}

		ft = must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, ft.ID, tasks.RegistrationInput{OfficerID: w.officerID})
		}))(t)
		// Photos: images only, of bounded size and number.
		_, err = w.photo(t, w.officer, ft.ID, []byte("%PDF-1.4 not a photo"))
		wantErr(t, "a PDF", err, "unsupported_file_type")
		_, err = w.photo(t, w.officer, ft.ID, nil)
		wantErr(t, "nothing", err, "empty_file")
		big := append(pngBytes(t, 1), make([]byte, 8<<20)...)
		_, err = w.photo(t, w.officer, ft.ID, big)
		wantErr(t, "too large", err, "file_too_large")
		var ids []uuid.UUID
		for i := range tasks.MaxPendingPhotos {
			ids = append(ids, must(w.photo(t, w.officer, ft.ID, pngBytes(t, uint8(i))))(t).ID)
		}
		_, err = w.photo(t, w.officer, ft.ID, pngBytes(t, 200))
		wantErr(t, "one photo too many", err, "too_many_photos")

		arrived, left := onSite()
		good := tasks.ResultInput{Outcome: tasks.OutcomeSeized, Findings: "已张贴封条", ArrivedAt: arrived, LeftAt: left,
			OfficersPresent: []string{"钱外勤"}, PhotoIDs: ids[:2]}
		other := w.assigned(t, c)
		otherPhoto := must(w.photo(t, w.officer, other.ID, pngBytes(t, 250)))(t)
		for _, tt := range []struct {
			name string
			edit func(in *tasks.ResultInput)
			code string
		}{
			{"outcome of another kind", func(in *tasks.ResultInput) { in.Outcome = tasks.OutcomeServed }, "invalid_outcome"},
			{"no findings", func(in *tasks.ResultInput) { in.Findings = "  " }, "findings_required"},
			{"no arrival", func(in *tasks.ResultInput) { in.ArrivedAt = time.Time{} }, "arrived_at_required"},
			{"left before arriving", func(in *tasks.ResultInput) { in.LeftAt = in.ArrivedAt.Add(-time.Minute) }, "on_site_order"},
			{"left in the future", func(in *tasks.ResultInput) { in.LeftAt = time.Now().Add(time.Hour) }, "on_site_future"},
			{"there before the request", func(in *tasks.ResultInput) { in.ArrivedAt = in.ArrivedAt.Add(-48 * time.Hour) }, "on_site_before_request"},
			{"a seizure by one officer", func(in *tasks.ResultInput) { in.OfficersPresent = []string{" 孙外勤 "} }, "officers_required"},
			{"a seizure without photos", func(in *tasks.ResultInput) { in.PhotoIDs = nil }, "photos_required"},
			{"thirteen photos", func(in *tasks.ResultInput) { in.PhotoIDs = ids[:tasks.MaxFieldPhotos+1] }, "too_many_photos"},
			{"a photo twice", func(in *tasks.ResultInput) { in.PhotoIDs = []uuid.UUID{ids[0], ids[0]} }, "duplicate_photo"},
			{"another task's photo", func(in *tasks.ResultInput) { in.PhotoIDs = []uuid.UUID{otherPhoto.ID} }, "unknown_photo"},
			{"an unknown photo", func(in *tasks.ResultInput) { in.PhotoIDs = []uuid.UUID{uuid.New()} }, "unknown_photo"},
		} {
			in := good
			tt.edit(&in)
			before := w.snapshot(t, ft)
			_, err := w.result(t, w.officer, ft.ID, in)
			wantErr(t, tt.name, err, tt.code)
			if after := w.snapshot(t, ft); after != before {
				t.Errorf("%s: wrote %+v → %+v", tt.name, before, after)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM field_task_photos WHERE task_id = ?`, ft.ID); n != tasks.MaxPendingPhotos {
			t.Fatalf("refused results changed the photos: %d", n)
		}
		ft = must(w.result(t, w.officer, ft.ID, good))(t)
		if len(ft.Photos) != 2 {
			t.Errorf("photos kept %d", len(ft.Photos))
		}
		if n := count(t, db, `SELECT COUNT(*) FROM field_task_photos WHERE task_id = ?`, ft.ID); n != 2 {
			t.Errorf("photos left after the result: %d", n)
		}
	})
}

// TestFieldReturnCancelAndLists: an officer gives a task back with a reason
// and the field center gives it to another; the requester cancels another,
// whose uploads are deleted; the inbox filters by status, area and group and
// pages by cursor; registration picks the group of the area, the catch-all
// group for an area nobody covers, and may be done again before an officer
// has the task.
func TestFieldReturnCancelAndLists(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		c := w.fileCase(t, 1205)
		ft := w.assigned(t, c)
		_, err := do(w.officer, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.ReturnField(ctx, tx, ft.ID, " ")
		})
		wantErr(t, "return without reason", err, "reason_required")
		ft = must(do(w.officer, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.ReturnField(ctx, tx, ft.ID, "本人病假，无法出外勤")
		}))(t)
		if ft.Status != tasks.FieldRegistered || ft.OfficerID != uuid.Nil || ft.Returns != 1 || ft.ReturnReason != "本人病假，无法出外勤" || ft.GroupID != w.group1 {
			t.Fatalf("returned: %+v", ft)
		}
		ft = must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.AssignField(ctx, tx, ft.ID, w.partnerID)
		}))(t)
		if ft.OfficerName != "钱外勤" {
			t.Fatalf("reassigned to %q", ft.OfficerName)
		}

		// The requester cancels a task; its uploads go with it.
		ft2 := w.assigned(t, c)
		ph := must(w.photo(t, w.officer, ft2.ID, pngBytes(t, 5)))(t)
		_, err = do(w.staff.Assistant, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.CancelField(ctx, tx, ft2.ID, "")
		})
		wantErr(t, "cancel without reason", err, "reason_required")
		ft2 = must(do(w.staff.Assistant, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.CancelField(ctx, tx, ft2.ID, "被执行人已主动履行")
		}))(t)
		if ft2.Status != tasks.FieldCancelled || ft2.CancelReason != "被执行人已主动履行" || len(ft2.Photos) != 0 {
			t.Fatalf("cancelled: %+v", ft2)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM files WHERE id = ?`, ph.ID); n != 0 {
			t.Errorf("the cancelled task's photo is still stored")
		}

		// Registration: the group of the area, the longest region named in
		// it, the catch-all group otherwise; again, before an officer.
		reg := func(area string, in tasks.RegistrationInput) *tasks.FieldTask {
			t.Helper()
			x := w.request(t, c, seizeAt(area))
			return must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
				return tasks.RegisterField(ctx, tx, x.ID, in)
			}))(t)
		}
		if g := reg("白坭镇", tasks.RegistrationInput{}).GroupID; g != w.group2 {
			t.Errorf("白坭镇 went to %s", g)
		}
		if g := reg("三水区白坭镇岗头村", tasks.RegistrationInput{}).GroupID; g != w.group2 {
			t.Errorf("an address in 白坭镇 went to %s", g)
		}
		x := reg("芦苞镇", tasks.RegistrationInput{})
		if x.GroupID != w.catchAll {
			t.Errorf("芦苞镇 went to %s, want the catch-all group", x.GroupID)
		}
		x = must(do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, x.ID, tasks.RegistrationInput{Area: "西南街道"})
		}))(t)
		if x.GroupID != w.group1 || x.Area != "西南街道" {
			t.Errorf("registered again: %s %s", x.GroupID, x.Area)
		}
		_, err = do(w.command, db, func(ctx context.Context, tx *store.Tx) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, x.ID, tasks.RegistrationInput{Area: "西南街道"})
		})
		wantErr(t, "registered again unchanged", err, "no_change")

		// The inbox: filters and pages.
		requested := w.request(t, c, seizeAt("西南街道"))
		pg := must(tasks.ListField(w.command, db, tasks.FieldFilter{Statuses: []tasks.FieldStatus{tasks.FieldRequested}}, page.Request{}))(t)
		if len(pg.Items) != 1 || pg.Items[0].ID != requested.ID {
			t.Errorf("requested tasks %+v", pg.Items)
		}
		pg = must(tasks.ListField(w.command, db, tasks.FieldFilter{Area: "西南街道",
			Statuses: []tasks.FieldStatus{tasks.FieldRequested, tasks.FieldRegistered}}, page.Request{}))(t)
		if len(pg.Items) != 2 {
			t.Errorf("open tasks of 西南街道: %d, want 2", len(pg.Items))
		}
		if _, err := tasks.ListField(w.command, db, tasks.FieldFilter{Statuses: []tasks.FieldStatus{"lost"}}, page.Request{}); apperr.CodeOf(err) != "invalid_status" {
			t.Errorf("unknown status: %v", err)
		}
		var seen []uuid.UUID
		req := page.Request{Limit: 2}
		for {
			pg := must(tasks.ListField(w.command, db, tasks.FieldFilter{}, req))(t)
			for _, it := range pg.Items {
				seen = append(seen, it.ID)
			}
			if pg.NextCursor == "" {
				break
			}
			req.Cursor = pg.NextCursor
		}
		if len(seen) != 6 || !slices.IsSortedFunc(seen, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) }) {
			t.Errorf("paged inbox: %d tasks, sorted %v", len(seen), seen)
		}
		if _, err := tasks.ListField(w.command, db, tasks.FieldFilter{}, page.Request{Cursor: "nonsense"}); apperr.CodeOf(err) != "invalid_cursor" {
			t.Errorf("bad cursor: %v", err)
		}
		// A group's officer sees the group's tasks only.
		pg = must(tasks.ListField(w.other, db, tasks.FieldFilter{}, page.Request{}))(t)
		if len(pg.Items) != 2 {
			t.Errorf("外勤二组's tasks: %d, want 2", len(pg.Items))
		}
		for _, it := range pg.Items {
			if it.GroupID != w.group2 {
				t.Errorf("外勤二组's officer sees %s's task", it.GroupName)
			}
		}
		// An officer in no group sees no group's tasks.
		loner, _ := signIn(t, db, w.staff.Sys, w.staff.CourtID, access.RoleFieldOfficer, uuid.Nil, "吴外勤")
		if pg := must(tasks.ListField(loner, db, tasks.FieldFilter{}, page.Request{}))(t); len(pg.Items) != 0 {
			t.Errorf("an officer in no group sees %d tasks", len(pg.Items))
		}
	})
}

func TestSuggestGroup(t *testing.T) {
	t.Parallel()
	a, b, c, d := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	groups := []tasks.FieldGroup{{ID: a, Name: "外勤一组", Region: "西南街道"}, {ID: b, Name: "外勤三组", Region: "西南"},
		{ID: c, Name: "外勤组", Region: ""}, {ID: d, Name: "外勤二组", Region: "白坭镇"}}
	for _, tt := range []struct {
		area string
		want uuid.UUID
	}{
		{"西南街道", a},
		{"三水区西南街道江边村", a}, // the longest region named
		{"西南", b},
		{"白坭镇", d},
		{"芦苞镇", c},
		{"", c},
	} {
		g, ok := tasks.SuggestGroup(groups, tt.area)
		if !ok || g.ID != tt.want {
			t.Errorf("SuggestGroup(%q) = %s (%v), want %s", tt.area, g.Name, ok, tt.want)
		}
	}
	if _, ok := tasks.SuggestGroup(groups[:1], "芦苞镇"); ok {
		t.Error("an area no group covers, and no catch-all group: want none")
	}
}

// TestFieldPermissionsReachExistingDatabases: a database whose roles were
// loaded before field work existed (roles seed version 4) gains field.request,
// field.manage and field.work on its next migration, as roles.csv's since=5
// rows say, without touching the roles' other permissions.
func TestFieldPermissionsReachExistingDatabases(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sys := access.With(ctx, access.System("测试"))
		if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM role_permissions WHERE permission IN ('field.request', 'field.manage', 'field.work')`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE reference_seeds SET version = 4 WHERE name = 'roles'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		others := count(t, db, `SELECT COUNT(*) FROM role_permissions`)
		res, err := schema.Migrate(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(res.Seeds, func(s string) bool { return strings.HasPrefix(s, "roles v4→") }) {
			t.Errorf("seeds loaded %v, want the roles from v4 on", res.Seeds)
		}
		for role, perm := range map[string]string{access.RolePostJudge: "field.request", access.RoleJudgeAssistant: "field.request",
			access.RoleCommandCenter: "field.manage", access.RoleTeamLeader: "field.manage", access.RoleFieldOfficer: "field.work"} {
			if n := count(t, db, `SELECT COUNT(*) FROM role_permissions WHERE role_code = ? AND permission = ?`, role, perm); n != 1 {
				t.Errorf("%s lacks %s after the upgrade", role, perm)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM role_permissions`); n != others+5 {
			t.Errorf("permissions %d → %d, want 5 more", others, n)
		}
	})
}
