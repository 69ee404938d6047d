package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// receptionForm is the window reception form filled in for the application
// intaketest makes from seed: the applicant in the first row, the respondent
// in the second (the first left blank, so the form must map the intake
// package's respondents[0] to row 1), every material ticked.
func receptionForm(t *testing.T, env *apptest.Env, seed int, amount string) (url.Values, intake.ApplicationInput) {
	t.Helper()
	in := intaketest.Application(env.Court(t, "粤0607"), seed)
	f := url.Values{"court_id": {in.CourtID.String()}, "case_type": {"first_enforcement"}, "basis.kind": {in.Basis.Kind},
		"basis.document_no": {in.Basis.DocumentNo}, "basis.issued_by": {in.Basis.IssuedBy},
		"basis.effective_date": {in.Basis.EffectiveDate.String()}, "basis.performance_due_date": {in.Basis.DueDate.String()},
		"claim_amount": {amount}, "received_on": {legal.Today(time.Now()).String()}, "note": {"窗口登记"}}
	party := func(prefix string, p intake.PartyInput) {
		id := p.IDNumber
		if p.Kind == intake.Organization {
			id = p.CreditCode
		}
		f.Set(prefix+".kind", p.Kind)
		f.Set(prefix+".name", p.Name)
		f.Set(prefix+".id_number", id)
		f.Set(prefix+".legal_rep", p.LegalRep)
		f.Set(prefix+".phone", p.Phone)
		f.Set(prefix+".address", p.Address)
	}
	party("applicants[0]", in.Applicants[0])
	for _, k := range []string{"kind", "name", "id_number", "legal_rep", "phone", "address", "id_override", "id_override_note"} {
		f.Set("applicants[1]."+k, "")
		f.Set("respondents[0]."+k, "")
	}
	f.Set("applicants[1].kind", "person")
	f.Set("respondents[0].kind", "person")
	party("respondents[1]", in.Respondents[0])
	for _, m := range in.Materials {
		f.Set("material."+m.Code, "1")
		f.Set("copies."+m.Code, "2")
	}
	return f, in
}

// mistypeID changes the check character of an identity number.
func mistypeID(id string) string {
	last := id[len(id)-1]
	if last == '0' {
		return id[:len(id)-1] + "1"
	}
	return id[:len(id)-1] + "0"
}

// intakeFieldError returns the error shown right after the input named name.
func intakeFieldError(body, name string) string {
	re := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*>\s*<p class="field-error"[^>]*>([^<]*)</p>`)
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func countIntakeApplications(t *testing.T, env *apptest.Env) int {
	t.Helper()
	n, req := 0, page.Request{Limit: page.MaxLimit}
	for {
		pg, err := intake.ListApplications(env.Sys, env.DB, intake.ApplicationFilter{}, req)
		if err != nil {
			t.Fatal(err)
		}
		n += len(pg.Items)
		if pg.NextCursor == "" {
			return n
		}
		req.Cursor = pg.NextCursor
	}
}

var intakeAppLocation = regexp.MustCompile(`^/applications/([0-9a-f-]{36})\?done=registered$`)

func TestIntakeUIRegister(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "iu.window", access.RoleWindowReception, "粤0607")
		b := newBrowser(t, env)
		b.login("iu.window", apptest.Password)

		// The empty form: two rows a side, today's date, the judgment checklist.
		today := legal.Today(time.Now()).String()
		b.get("/intake/new").must(t, 200, "登记执行申请", `name="applicants[1].name"`, `name="respondents[1].id_number"`,
			`name="applicants[0].financial"`, `value="`+today+`"`, "生效证明书", `name="material.basis_copy"`, "佛山市三水区人民法院",
			`hx-get="/intake/new/party?side=applicants&amp;i=2"`)
		// htmx: one more row and the button for the one after; the checklist of another basis kind, keeping ticks.
		more := b.get("/intake/new/party?side=respondents&i=2")
		more.must(t, 200, `name="respondents[2].name"`, `i=3`)
		if strings.Contains(more.body, "<html") {
			t.Error("the row fragment is a whole page")
		}
		list := b.get("/intake/new/materials?basis.kind=notarized_debt&material.application=1")
		list.must(t, 200, "公证机关签发的执行证书", `id="material-application" name="material.application" value="1" checked`)
		if strings.Contains(list.body, "生效证明书") {
			t.Error("the notarized-debt checklist lists the judgment's certificate")
		}
		b.get("/intake/new/party?side=judges&i=1").must(t, 400)

		// A mistyped credit code of the respondent typed in the second row:
		// 422, the message next to that row's field, every value kept,
		// nothing saved.
		form, in := receptionForm(t, env, 12, "12,345.67")
		code := in.Respondents[0].CreditCode
		if in.Respondents[0].Kind != intake.Organization || code == "" {
			t.Fatalf("seed 12 should give an organisation: %+v", in.Respondents[0])
		}
		form.Set("respondents[1].id_number", mistypeID(code))
		p := b.post("/intake", form)
		p.must(t, 422, `value="`+mistypeID(code)+`"`, `value="`+in.Applicants[0].Name+`"`, `value="12,345.67"`, `value="`+in.Basis.DocumentNo+`"`)
		if msg := intakeFieldError(p.body, "respondents[1].id_number"); !strings.Contains(msg, "校验") {
			t.Errorf("no error next to respondents[1].id_number: %q\n%s", msg, p.body)
		}
		for _, other := range []string{"respondents[0].id_number", "applicants[0].id_number", "applicants[1].id_number"} {
			if msg := intakeFieldError(p.body, other); msg != "" {
				t.Errorf("error on %s: %q", other, msg)
			}
		}
		if n := countIntakeApplications(t, env); n != 0 {
			t.Fatalf("%d applications after a failed form", n)
		}

		// Bad amounts, each with a Chinese message next to the amount; a bad
		// amount and a bad ID number are both reported at once.
		for amount, want := range map[string]string{"12.345": "两位小数", "-5": "负数", "12元3角": "格式不正确", "1,23.00": "格式不正确",
			"999,999,999,999": "一千亿"} {
			form, _ := receptionForm(t, env, 12, amount)
			p := b.post("/intake", form)
			p.must(t, 422)
			if msg := intakeFieldError(p.body, "claim_amount"); !strings.Contains(msg, want) {
				t.Errorf("amount %q: %q, want %q", amount, msg, want)
			}
		}
		form, in = receptionForm(t, env, 12, "1.001")
		form.Set("applicants[0].id_number", mistypeID(in.Applicants[0].IDNumber))
		p = b.post("/intake", form)
		p.must(t, 422)
		if intakeFieldError(p.body, "claim_amount") == "" || !strings.Contains(intakeFieldError(p.body, "applicants[0].id_number"), "校验码") {
			t.Errorf("both problems should show:\n%s", p.body)
		}
		if n := countIntakeApplications(t, env); n != 0 {
			t.Fatalf("%d applications after failed forms", n)
		}

		// Without JavaScript, "add another" sends the form back one row
		// longer, values kept, nothing saved.
		form, in = receptionForm(t, env, 13, "88")
		form.Set("add", "respondents")
		b.post("/intake", form).must(t, 200, `name="respondents[2].name"`, `value="`+in.Respondents[0].Name+`"`)
		if n := countIntakeApplications(t, env); n != 0 {
			t.Fatalf("%d applications after adding a row", n)
		}

		// Registered: the amount in fen exactly, the parties in their rows.
		form, in = receptionForm(t, env, 14, "12,345.67")
		form.Set("applicants[0].financial", "1")
		p = b.post("/intake", form)
		m := intakeAppLocation.FindStringSubmatch(p.location)
		if p.status != http.StatusSeeOther || m == nil {
			t.Fatalf("registerDirect: %d %q\n%.3000s", p.status, p.location, p.body)
		}
		a, err := intake.GetApplication(env.Sys, db, uuid.MustParse(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		if a.ClaimAmountFen != 1_234_567 || a.Channel != "window" || a.Status != intake.StatusReceived || a.Note != "窗口登记" {
			t.Errorf("application %+v", a)
		}
		app, resp := a.Applicants(), a.Respondents()
		if len(app) != 1 || len(resp) != 1 || app[0].Name != in.Applicants[0].Name || resp[0].Name != in.Respondents[0].Name ||
			!app[0].Financial || !app[0].IDChecked || app[0].IDNumber != in.Applicants[0].IDNumber {
			t.Errorf("parties %+v", a.Parties)
		}
		if missing := a.MissingMaterials(); len(missing) != 0 || a.Materials[0].Copies != 2 {
			t.Errorf("materials %+v", a.Materials)
		}
		// The page: masked identity numbers and phones, the amount in 元.
		page := b.get(p.location)
		page.must(t, 200, "申请已登记", in.Applicants[0].Name, legal.MaskID(in.Applicants[0].IDNumber), legal.MaskPhone(in.Applicants[0].Phone),
			"12,345.67 元", a.DecisionDue.String(), in.Basis.DocumentNo, "待审查")
		if strings.Contains(page.body, in.Applicants[0].IDNumber) || strings.Contains(page.body, in.Applicants[0].Phone) {
			t.Error("the page shows an identity number or phone unmasked")
		}
		// Amounts as people type them, converted exactly.
		for i, c := range []struct {
			typed string
			fen   int64
		}{{"0.1", 10}, {"１２，３４５．６７元", 1_234_567}, {"¥1,000,000.05", 100_000_005}, {"99999999999.99", 9_999_999_999_999}, {"007", 700}} {
			form, _ := receptionForm(t, env, 70+i, c.typed)
			p := b.post("/intake", form)
			m := intakeAppLocation.FindStringSubmatch(p.location)
			if m == nil {
				t.Fatalf("amount %q: %d %q\n%.2000s", c.typed, p.status, p.location, p.body)
			}
			a, err := intake.GetApplication(env.Sys, db, uuid.MustParse(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			if a.ClaimAmountFen != c.fen {
				t.Errorf("amount %q: %d fen, want %d", c.typed, a.ClaimAmountFen, c.fen)
			}
		}

		// The same basis again for the same applicant: 409, the reason at the top.
		form, _ = receptionForm(t, env, 14, "1")
		b.post("/intake", form).must(t, 409, "该执行依据已登记")
		if n := countIntakeApplications(t, env); n != 6 {
			t.Fatalf("%d applications, want 6", n)
		}
	})
}

func TestIntakeUIOverride(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "io.window", access.RoleWindowReception, "粤0607")
		b := newBrowser(t, env)
		b.login("io.window", apptest.Password)

		form, in := receptionForm(t, env, 21, "500")
		bad := mistypeID(in.Applicants[0].IDNumber)
		form.Set("applicants[0].id_number", bad)
		form.Set("applicants[0].id_override", "legacy_document")
		// A reason code without a note is refused, next to the note.
		p := b.post("/intake", form)
		p.must(t, 422, `<option value="legacy_document" selected>`)
		if msg := intakeFieldError(p.body, "applicants[0].id_override_note"); !strings.Contains(msg, "理由") {
			t.Errorf("note error %q", msg)
		}
		form.Set("applicants[0].id_override_note", "当事人持旧版证件，号码与证件一致")
		p = b.post("/intake", form)
		m := intakeAppLocation.FindStringSubmatch(p.location)
		if m == nil {
			t.Fatalf("override: %d %q\n%.3000s", p.status, p.location, p.body)
		}
		a, err := intake.GetApplication(env.Sys, db, uuid.MustParse(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		party := a.Applicants()[0]
		if party.IDNumber != bad || party.IDChecked || party.Override != "legacy_document" {
			t.Errorf("party %+v", party)
		}
		var note string
		if err := db.QueryRow(env.Sys, `SELECT id_override_note FROM parties WHERE id = ?`, party.PartyID).Scan(&note); err != nil || note != "当事人持旧版证件，号码与证件一致" {
			t.Errorf("override note %q %v", note, err)
		}
		b.get(p.location).must(t, 200, "未通过校验", "例外保存：旧证件号码")
	})
}

func TestIntakeUIQueue(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		staff := intaketest.NewStaff(t, db, "粤0607")
		env.User(t, "iq.window", access.RoleWindowReception, "粤0607")
		env.User(t, "iq.other", access.RoleWindowReception, "粤0605")
		court := env.Court(t, "粤0607")
		var ids []uuid.UUID
		for seed := 31; seed <= 33; seed++ {
			in := intaketest.Application(court, seed)
			ids = append(ids, registerDirect(t, staff, in).ID)
		}
		// One received three weeks ago: past its 7-day decision period.
		late := intaketest.Application(court, 1)
		late.ReceivedOn = legal.Today(time.Now()).AddDays(-20)
		lateApp := registerDirect(t, staff, late)
		// One applied for three years after the judgment: the 2-year period (CLOCK-1) has run out.
		stale := intaketest.Application(court, 35)
		stale.Basis.EffectiveDate = legal.Today(time.Now()).AddYears(-3)
		stale.Basis.DueDate = stale.Basis.EffectiveDate.AddDays(10)
		staleApp := registerDirect(t, staff, stale)
		if !staleApp.PeriodLate {
			t.Fatalf("not late: %+v", staleApp)
		}
		refused := intaketest.Application(court, 34)
		refusedApp := registerDirect(t, staff, refused)
		if _, err := store.TransactValue(env.Sys, db, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
			return intake.Refuse(ctx, tx, refusedApp.ID, "申请人主体不适格")
		}); err != nil {
			t.Fatal(err)
		}

		b := newBrowser(t, env)
		b.login("iq.window", apptest.Password)
		all := b.get("/applications")
		all.must(t, 200, "立案审查", late.Applicants[0].Name, late.Respondents[0].Name, late.Basis.DocumentNo,
			intakeUIYuan(late.ClaimAmountFen), "待审查", "不予受理", lateApp.DecisionDue.String()+"（已超期）", `class="overdue"`)
		if n := strings.Count(all.body, `href="/applications/`); n != 6 {
			t.Errorf("%d rows, want 6", n)
		}
		if strings.Count(all.body, "逾期申请") != 1 {
			t.Error("the late application is not marked in the list")
		}
		b.get("/applications/"+staleApp.ID.String()).must(t, 200, "申请执行期间（2 年）已于 "+staleApp.PeriodLastDay.String()+" 届满",
			`<dd>`+staleApp.PeriodLastDay.String()+` <span class="tag warn">已届满</span></dd>`)
		if strings.Count(all.body, `class="overdue"`) != 1 {
			t.Error("only the late one is overdue")
		}

		// Keyset paging: two a page, each application once.
		seen := map[string]bool{}
		next := "/applications?limit=2"
		pages := 0
		rowLink := regexp.MustCompile(`href="/applications/([0-9a-f-]{36})"`)
		pager := regexp.MustCompile(`<p class="pager"><a href="([^"]+)">下一页</a>`)
		for next != "" {
			p := b.get(next)
			p.must(t, 200)
			pages++
			for _, m := range rowLink.FindAllStringSubmatch(p.body, -1) {
				if seen[m[1]] {
					t.Errorf("%s twice", m[1])
				}
				seen[m[1]] = true
			}
			next = ""
			if m := pager.FindStringSubmatch(p.body); m != nil {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if pages != 3 || len(seen) != 6 {
			t.Errorf("%d pages, %d applications", pages, len(seen))
		}

		// Filters in the URL.
		overdue := b.get("/applications?overdue=1")
		overdue.must(t, 200, late.Basis.DocumentNo)
		if strings.Count(overdue.body, `href="/applications/`) != 1 {
			t.Errorf("overdue filter:\n%s", overdue.body)
		}
		onlyRefused := b.get("/applications?status=refused")
		onlyRefused.must(t, 200, refused.Basis.DocumentNo, `<option value="refused" selected>`)
		if strings.Contains(onlyRefused.body, late.Basis.DocumentNo) {
			t.Error("status filter")
		}

		// Another court's window sees none of them.
		o := newBrowser(t, env)
		o.login("iq.other", apptest.Password)
		o.get("/applications").must(t, 200, "没有符合条件的执行申请")
		o.get("/applications/"+ids[0].String()).must(t, 404)
	})
}

func TestIntakeUIDecisions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		staff := intaketest.NewStaff(t, db, "粤0607")
		env.User(t, "id.window", access.RoleWindowReception, "粤0607")
		mediator := env.User(t, "id.mediator", access.RoleMediator, "粤0607")
		court := env.Court(t, "粤0607")
		w := newBrowser(t, env)
		w.login("id.window", apptest.Password)
		status := func(id uuid.UUID) *intake.Application {
			t.Helper()
			a, err := intake.GetApplication(env.Sys, db, id)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}

		// Refuse: a reason is required; then refused, and no longer fileable.
		a := registerDirect(t, staff, intaketest.Application(court, 41))
		path := "/applications/" + a.ID.String()
		w.get(path).must(t, 200, `id="refusal-form"`, `id="filing-form"`, `id="mediation-form"`, mediator.DisplayName)
		p := w.post(path+"/refusal", url.Values{"reason": {"  "}})
		p.must(t, 422, "请写明不予受理的理由")
		if !strings.Contains(p.body, `id="refusal-reason-error"`) || status(a.ID).Status != intake.StatusReceived {
			t.Errorf("refusal without reason:\n%.2000s", p.body)
		}
		p = w.post(path+"/refusal", url.Values{"reason": {"申请执行人主体不适格，不予受理"}})
		if p.status != http.StatusSeeOther || p.location != path+"?done=refused" {
			t.Fatalf("refuse: %d %q %.2000s", p.status, p.location, p.body)
		}
		if got := status(a.ID); got.Status != intake.StatusRefused || got.RefusalReason != "申请执行人主体不适格，不予受理" {
			t.Errorf("refused: %+v", got)
		}
		w.get(path+"?done=refused").must(t, 200, "已作出不予受理决定", "申请执行人主体不适格")
		p = w.post(path+"/filing", url.Values{"acceptance_notice": {"1"}})
		p.must(t, 409, "不能立案")
		if got := status(a.ID); got.Status != intake.StatusRefused || got.CaseID != uuid.Nil {
			t.Errorf("filed a refused application: %+v", got)
		}

		// Mediation: routed by the window, handled by the mediator, failed.
		a = registerDirect(t, staff, intaketest.Application(court, 42))
		path = "/applications/" + a.ID.String()
		w.post(path+"/mediation", url.Values{"mediator_id": {"not-an-id"}}).must(t, 422, "请选择本院的调解员")
		if p := w.post(path+"/mediation", url.Values{"mediator_id": {mediator.ID.String()}}); p.location != path+"?done=mediation" {
			t.Fatalf("mediation: %d %q %.2000s", p.status, p.location, p.body)
		}
		if got := status(a.ID); got.Status != intake.StatusMediation || got.Mediation == nil || got.Mediation.MediatorID != mediator.ID {
			t.Fatalf("in mediation: %+v", got)
		}
		// The window may not record for the mediator; neither sees the other's buttons.
		w.post(path+"/mediation/notice", url.Values{"sent_on": {legal.Today(time.Now()).String()}}).must(t, 403)
		if body := w.get(path).body; strings.Contains(body, `id="outcome-form"`) || strings.Contains(body, `id="filing-form"`) {
			t.Error("the window sees the mediator's forms, or filing while in mediation")
		}
		m := newBrowser(t, env)
		m.login("id.mediator", apptest.Password)
		mp := m.get(path)
		mp.must(t, 200, `id="notice-form"`, `id="contact-form"`, `id="outcome-form"`, "执前调解")
		if strings.Contains(mp.body, `id="refusal-form"`) || strings.Contains(mp.body, `id="materials-form"`) {
			t.Error("the mediator sees the window's forms")
		}
		m.post(path+"/refusal", url.Values{"reason": {"调解员不能作此决定"}}).must(t, 403)
		m.post(path+"/mediation/notice", url.Values{"sent_on": {"2001-02-30"}}).must(t, 422, "YYYY-MM-DD")
		today := legal.Today(time.Now()).String()
		for _, step := range []struct {
			path string
			form url.Values
			done string
		}{
			{"/mediation/notice", url.Values{"sent_on": {today}}, "notice"},
			{"/mediation/contacts", url.Values{"channel": {"phone"}, "party_name": {"被执行人"}, "summary": {"电话告知履行义务，被执行人称无力履行"}}, "contact"},
			{"/mediation/outcome", url.Values{"outcome": {"failed"}, "note": {"被执行人拒绝履行，调解不成"}}, "outcome"},
		} {
			if p := m.post(path+step.path, step.form); p.location != path+"?done="+step.done {
				t.Fatalf("%s: %d %q %.2000s", step.path, p.status, p.location, p.body)
			}
		}
		got := status(a.ID)
		if got.Status != intake.StatusReceived || got.Mediation.Status != intake.MediationFailed || got.Mediation.NoticeSentOn.String() != today ||
			len(got.Mediation.Contacts) != 1 {
			t.Fatalf("after mediation: %+v %+v", got, got.Mediation)
		}
		w.get(path).must(t, 200, "调解不成", "电话告知履行义务", "被执行人拒绝履行", `id="filing-form"`)
		m.post(path+"/mediation/contacts", url.Values{"channel": {"phone"}, "summary": {"再次联系"}}).must(t, 409, "不在执前调解中")

		// Filing in another lane than the rules choose needs a reason.
		_, rules, err := intake.ActiveRuleSet(env.Sys, db, court)
		if err != nil {
			t.Fatal(err)
		}
		facts, err := intake.Facts(env.Sys, db, got)
		if err != nil {
			t.Fatal(err)
		}
		ruled := rules.Evaluate(facts).Lane
		other := triage.LaneOrdinary
		if ruled == other {
			other = triage.LaneFast
		}
		p = w.post(path+"/filing", url.Values{"lane": {other}, "reason": {""}, "acceptance_notice": {"1"}})
		p.must(t, 422, "须写明理由", `<option value="`+other+`" selected>`)
		if !strings.Contains(p.body, `id="filing-reason-error"`) {
			t.Errorf("the reason's error is not next to it:\n%.3000s", p.body)
		}
		if got := status(a.ID); got.Status != intake.StatusReceived || got.CaseID != uuid.Nil {
			t.Fatalf("filed without a reason: %+v", got)
		}
		p = w.post(path+"/filing", url.Values{"lane": {other}, "reason": {"被执行人下落不明，需调查后处置"}})
		loc := regexp.MustCompile(`^/cases/([0-9a-f-]{36})\?done=filed$`).FindStringSubmatch(p.location)
		if p.status != http.StatusSeeOther || loc == nil {
			t.Fatalf("filing: %d %q %.3000s", p.status, p.location, p.body)
		}
		got = status(a.ID)
		if got.Status != intake.StatusFiled || got.CaseID.String() != loc[1] {
			t.Fatalf("filed: %+v", got)
		}
		c, err := cases.Get(env.Sys, db, got.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Lane != other || c.ClaimAmountFen != got.ClaimAmountFen {
			t.Errorf("case lane %q amount %d, want %q %d", c.Lane, c.ClaimAmountFen, other, got.ClaimAmountFen)
		}
		// Filing twice: 409, one case.
		w.post(path+"/filing", url.Values{}).must(t, 409, "已立案")
	})
}

func TestIntakeUIMaterialsAndHandler(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		staff := intaketest.NewStaff(t, db, "粤0607")
		env.User(t, "im.window", access.RoleWindowReception, "粤0607")
		w := newBrowser(t, env)
		w.login("im.window", apptest.Password)

		// Registered without the payee account confirmation.
		in := intaketest.Application(staff.CourtID, 61)
		var kept []intake.MaterialInput
		for _, m := range in.Materials {
			if m.Code != "payee_account" {
				kept = append(kept, m)
			}
		}
		in.Materials = kept
		a := registerDirect(t, staff, in)
		path := "/applications/" + a.ID.String()
		w.get(path).must(t, 200, "尚未收到必需材料：收款账户确认书", `<tr class="missing">`)

		// Filing waits for it: 409, the missing item marked in the list.
		p := w.post(path+"/filing", url.Values{"acceptance_notice": {"1"}})
		p.must(t, 409, "尚缺必需材料", `id="material-payee_account-error"`)
		if got, _ := intake.GetApplication(env.Sys, db, a.ID); got.Status != intake.StatusReceived {
			t.Fatalf("status %s", got.Status)
		}

		// A bad number of copies: 422, what was typed kept, nothing saved.
		form := url.Values{}
		for _, m := range a.Materials {
			if m.Required {
				form.Set("material."+m.Code, "1")
			}
		}
		form.Set("copies.payee_account", "很多")
		form.Set("note.payee_account", "当场补交")
		p = w.post(path+"/materials", form)
		p.must(t, 422, "份数应为 0 到 99 的整数", `value="当场补交"`)
		if got, _ := intake.GetApplication(env.Sys, db, a.ID); len(got.MissingMaterials()) != 1 {
			t.Fatalf("materials changed: %+v", got.Materials)
		}
		form.Set("copies.payee_account", "3")
		if p := w.post(path+"/materials", form); p.location != path+"?done=materials" {
			t.Fatalf("materials: %d %q %.2000s", p.status, p.location, p.body)
		}
		got, err := intake.GetApplication(env.Sys, db, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got.Materials {
			if m.Code == "payee_account" && (!m.Received || m.Copies != 3 || m.Note != "当场补交") {
				t.Errorf("payee account %+v", m)
			}
		}
		if len(got.MissingMaterials()) != 0 {
			t.Fatalf("still missing %+v", got.MissingMaterials())
		}

		// A handler chosen alone brings their team; without the receipt
		// ticked, the notice is recorded as issued, not served.
		page := w.get(path + "?done=materials")
		page.must(t, 200, "材料清单已更新", `<option value="`+staff.JudgeID.String()+`">`)
		p = w.post(path+"/filing", url.Values{"handler_id": {staff.JudgeID.String()}, "reason": {"指定熟悉该类案件的法官承办"}})
		loc := regexp.MustCompile(`^/cases/([0-9a-f-]{36})\?done=filed$`).FindStringSubmatch(p.location)
		if loc == nil {
			t.Fatalf("filing: %d %q %.3000s", p.status, p.location, p.body)
		}
		c, err := cases.Get(env.Sys, db, uuid.MustParse(loc[1]))
		if err != nil {
			t.Fatal(err)
		}
		if c.HandlerID != staff.JudgeID || c.Lane != triage.LaneFast || c.ApplicationID != a.ID {
			t.Errorf("case handler %s lane %s application %s", c.HandlerID, c.Lane, c.ApplicationID)
		}
		served := false
		for _, e := range c.Events {
			served = served || e.Kind == "acceptance_notice" && strings.Contains(e.Summary, "已出具，待送达")
		}
		if !served {
			t.Errorf("events %+v", c.Events)
		}
	})
}

func TestIntakeUIPermissions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		staff := intaketest.NewStaff(t, db, "粤0607")
		for _, u := range []struct{ name, role, court string }{
			{"ip.clerk", access.RoleClerk, "粤0607"}, {"ip.field", access.RoleFieldOfficer, "粤0607"},
			{"ip.mediator", access.RoleMediator, "粤0607"}, {"ip.outsider", access.RoleWindowReception, "粤0605"},
		} {
			env.User(t, u.name, u.role, u.court)
		}
		a := registerDirect(t, staff, intaketest.Application(env.Court(t, "粤0607"), 51))
		path := "/applications/" + a.ID.String()
		browse := func(name string) *browser {
			b := newBrowser(t, env)
			b.login(name, apptest.Password)
			return b
		}
		unchanged := func(who string) {
			t.Helper()
			got, err := intake.GetApplication(env.Sys, db, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != intake.StatusReceived || got.Mediation != nil || got.CaseID != uuid.Nil {
				t.Fatalf("%s changed the application: %+v", who, got)
			}
		}
		refuse := url.Values{"reason": {"理由充分，不予受理"}}

		// A clerk registers and keeps materials, but does not decide.
		clerk := browse("ip.clerk")
		page := clerk.get(path)
		page.must(t, 200, `id="materials-form"`, `id="mediation-form"`)
		if strings.Contains(page.body, `action="`+path+`/refusal"`) || strings.Contains(page.body, `action="`+path+`/filing"`) {
			t.Error("the clerk sees the decision buttons")
		}
		clerk.post(path+"/refusal", refuse).must(t, 403)
		clerk.post(path+"/filing", url.Values{"acceptance_notice": {"1"}}).must(t, 403)
		unchanged("the clerk")

		// A field officer reads, and does nothing else.
		field := browse("ip.field")
		page = field.get(path)
		page.must(t, 200, a.Basis.DocumentNo)
		if strings.Contains(page.body, `method="post" action="/applications/`) {
			t.Error("the field officer sees forms")
		}
		field.get("/intake/new").must(t, 403)
		form, _ := receptionForm(t, env, 52, "100")
		field.post("/intake", form).must(t, 403)
		field.post(path+"/materials", url.Values{"material.application": {"1"}}).must(t, 403)
		field.post(path+"/mediation", url.Values{"mediator_id": {uuid.NewString()}}).must(t, 403)
		if n := countIntakeApplications(t, env); n != 1 {
			t.Errorf("%d applications", n)
		}

		// A mediator cannot decide, nor record on an application not in mediation.
		med := browse("ip.mediator")
		med.post(path+"/refusal", refuse).must(t, 403)
		med.post(path+"/filing", url.Values{}).must(t, 403)
		med.post(path+"/mediation/notice", url.Values{"sent_on": {legal.Today(time.Now()).String()}}).must(t, 409, "不在执前调解中")
		unchanged("the mediator")

		// Another court's window: the application does not exist for them.
		out := browse("ip.outsider")
		out.get(path).must(t, 404)
		out.post(path+"/refusal", refuse).must(t, 404)
		out.post(path+"/filing", url.Values{"acceptance_notice": {"1"}}).must(t, 404)
		out.post(path+"/materials", url.Values{}).must(t, 404)
		unchanged("another court")
		// Nor can they register for a court they do not serve.
		form, _ = receptionForm(t, env, 53, "100")
		p := out.post("/intake", form)
		p.must(t, 422, "不在您的管辖范围内")
		if n := countIntakeApplications(t, env); n != 1 {
			t.Errorf("%d applications", n)
		}

		// A malformed id is not found.
		clerk.get("/applications/not-an-id").must(t, 404)
		clerk.post("/applications/not-an-id/materials", url.Values{}).must(t, 404)
		clerk.get("/applications/"+uuid.NewString()).must(t, 404)
	})
}

// registerDirect registers an application directly, as the window
// reception of the staff of its court.
func registerDirect(t *testing.T, staff *intaketest.Staff, in intake.ApplicationInput) *intake.Application {
	t.Helper()
	a, err := store.TransactValue(staff.Reception, staff.DB, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
		return intake.Register(ctx, tx, in)
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// intakeUIYuan is how the pages show an amount: 元 with thousands separators.
func intakeUIYuan(fen int64) string { return strings.TrimPrefix(triage.FormatYuan(fen), "¥") }
