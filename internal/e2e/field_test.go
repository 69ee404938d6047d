package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/tasks"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestFieldOfficerOnPhone (S12): a seizure asked for by a judge and
// registered and assigned by the field center reaches the officer's
// "我的外勤任务" on a phone-sized screen; the officer opens it, records the
// result with a photo from the camera input and two officers present; the
// task shows the result and the photo, and the case's timeline shows the
// result.
func TestFieldOfficerOnPhone(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	court := env.Court(t, "粤0607")
	group, err := store.TransactValue(env.Sys, db, func(ctx context.Context, tx *store.Tx) (org.Team, error) {
		return org.CreateTeam(ctx, tx, org.TeamInput{CourtID: court, Kind: tasks.TeamKindField, Name: "西南外勤组", Region: "西南街道"})
	})
	if err != nil {
		t.Fatal(err)
	}
	officer, err := env.App.AuthService().CreateUser(env.Sys, auth.UserInput{CourtID: court, TeamID: group.ID, Username: "ss.field",
		DisplayName: "孙伟", Role: access.RoleFieldOfficer, Password: apptest.Password})
	if err != nil {
		t.Fatal(err)
	}
	_, reception := env.Token(t, "ss.window2", access.RoleWindowReception, "粤0607")
	_, judge := env.Token(t, "ss.judge2", access.RolePostJudge, "粤0607")
	_, command := env.Token(t, "ss.command2", access.RoleCommandCenter, "粤0607")

	// The case and its task, through the API.
	in := sample.Application(court, 1201)
	party := func(p intake.PartyInput) api.PartyIn {
		return api.PartyIn{Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, CreditCode: p.CreditCode, LegalRep: p.LegalRep, Phone: p.Phone,
			Address: p.Address}
	}
	body := api.ApplicationIn{CourtCode: "粤0607", Applicants: []api.PartyIn{party(in.Applicants[0])},
		Respondents: []api.PartyIn{party(in.Respondents[0])}, ClaimAmountFen: in.ClaimAmountFen,
		Basis: api.BasisIn{Kind: in.Basis.Kind, DocumentNo: in.Basis.DocumentNo, IssuedBy: in.Basis.IssuedBy,
			EffectiveDate: in.Basis.EffectiveDate.String(), PerformanceDueDate: in.Basis.DueDate.String()}}
	for _, m := range in.Materials {
		body.Materials = append(body.Materials, api.MaterialIn{Code: m.Code, Received: true, Copies: 1})
	}
	r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, body)
	var app api.ApplicationOut
	r.JSON(t, &app)
	r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
	var c api.CaseOut
	r.JSON(t, &c)
	if c.ID == "" {
		t.Fatalf("filing: %d %s", r.Status, r.Body)
	}
	r = env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/field-tasks", judge, map[string]any{"kind": "seize",
		"address": "佛山市三水区西南街道建设路 8 号仓库", "area": "西南街道", "instructions": "查封仓库内的钢材，张贴封条并拍照"})
	var ft api.FieldTaskOut
	r.JSON(t, &ft)
	r = env.Do(t, http.MethodPost, "/api/v1/field-tasks/"+ft.ID+"/registration", command, map[string]any{"officer_id": officer.ID.String()})
	r.JSON(t, &ft)
	if ft.Status != "assigned" {
		t.Fatalf("task not assigned: %d %s", r.Status, r.Body)
	}

	// A photo from the phone's camera.
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "封条.png")
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.Step(t, browser, 90*time.Second)
	arrived := time.Now().In(legal.Shanghai()).Format("2006-01-02T15:04")
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(env.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#username`), "ss.field"),
		chromedp.SendKeys(chromedp.CSS(`#password`), apptest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-title`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/field-tasks/mine"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#my-tasks`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#my-tasks`); !strings.Contains(got, "建设路 8 号仓库") || !strings.Contains(got, c.CaseNo) {
		t.Fatalf("my tasks: %q", got)
	}
	// The page fits the phone: nothing wider than the screen.
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || wide {
		t.Errorf("my tasks scroll sideways on a phone (%v)", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#my-tasks a`)),
		chromedp.WaitVisible(chromedp.CSS(`#result-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	accept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const i = document.querySelector('#photos');
		return [i.accept, i.getAttribute('capture'), i.multiple, !!document.querySelector('label[for=photos]')].join('|') })()`))
	if err != nil || accept != "image/*|environment|true|true" {
		t.Errorf("photo input: %q (%v)", accept, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name=outcome][value=seized]`)),
		chromedp.SetValue(chromedp.CSS(`#findings`), "仓库内螺纹钢约 30 吨，已张贴封条，由仓库管理员签收查封清单"),
		chromedp.SetValue(chromedp.CSS(`#arrived_at`), arrived),
		chromedp.SetValue(chromedp.CSS(`#officers_present`), "张法警"),
		chromedp.SetUploadFiles(chromedp.CSS(`#photos`), []string{photo}),
		chromedp.Click(chromedp.CSS(`#result-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-result`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#field-outcome`); got != "已查封、扣押" {
		t.Fatalf("outcome shown %q", got)
	}
	if got := text(t, ctx, `.notice`); !strings.Contains(got, "已记录") {
		t.Errorf("notice %q", got)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('#field-photos img'); return !!i && i.complete && i.naturalWidth === 8 })()`))
	if err != nil || !loaded {
		t.Errorf("the photo did not load (%v)", err)
	}

	// The case's timeline has the result.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/cases/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS(`#timeline-h`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	timeline := text(t, ctx, `table.timeline`)
	if !strings.Contains(timeline, "外勤结果") || !strings.Contains(timeline, "已查封、扣押") || !strings.Contains(timeline, "张法警") ||
		!strings.Contains(timeline, "照片 1 张") {
		t.Fatalf("timeline lacks the result:\n%s", timeline)
	}
}
