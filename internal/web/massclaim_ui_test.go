package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// massVictim is a person on a campaign's victim list.
type massVictim struct {
	id, name, phone string
	loss            int64
}

// massPeople makes n victims from seed on.
func massPeople(seed, n int) []massVictim {
	out := make([]massVictim, n)
	for i := range out {
		p := sample.Person(seed + i)
		out[i] = massVictim{id: p.IDNumber, name: p.Name, phone: fmt.Sprintf("137%08d", seed+i), loss: int64(10_000_00 + i*2_500_00)}
	}
	return out
}

// massList is the victim list's CSV of people.
func massList(people []massVictim) string {
	var b strings.Builder
	b.WriteString(strings.Join(massclaim.VictimsCSVHeader, ",") + "\n")
	for _, p := range people {
		fmt.Fprintf(&b, "%s,%s,%d.%02d\n", p.id, p.name, p.loss/100, p.loss%100)
	}
	return b.String()
}

// massCampaign creates a campaign on case c with the victim list of people,
// published when open, through the feature code as the judge of s.
func massCampaign(t *testing.T, s *intaketest.Staff, c *cases.Case, people []massVictim, open bool) *massclaim.Campaign {
	t.Helper()
	m, err := store.TransactValue(s.Judge, s.DB, func(ctx context.Context, tx *store.Tx) (*massclaim.Campaign, error) {
		m, err := massclaim.CreateCampaign(ctx, tx, c.ID, massclaim.CampaignInput{DebtorPartyID: c.Respondents()[0].PartyID,
			Title: "三水某投资公司非法吸收公众存款案退赔", JudgmentNo: "（2025）粤0607刑初88号", RegistrationUntil: legal.Today(time.Now()).AddDays(10)})
		if err != nil || len(people) == 0 {
			return m, err
		}
		if _, err := massclaim.ImportVictims(ctx, tx, m.ID, strings.NewReader(massList(people))); err != nil {
			return nil, err
		}
		if open {
			return massclaim.Open(ctx, tx, m.ID)
		}
		return m, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// massCode reads the last code sent to a phone from the SMS outbox.
func massCode(t *testing.T, db *store.DB, phone string) string {
	t.Helper()
	var body string
	if err := db.QueryRow(context.Background(), `SELECT body FROM sms_outbox WHERE phone = ? ORDER BY created_at DESC LIMIT 1`, phone).
		Scan(&body); err != nil {
		t.Fatalf("no code for %s: %v", phone, err)
	}
	i := strings.Index(body, "验证码 ") + len("验证码 ")
	return body[i : i+6]
}

// massForm is a registration as the form sends it.
func massForm(token string, p massVictim, code, amount string) url.Values {
	return url.Values{"form_token": {token}, "phone": {p.phone}, "id_number": {p.id}, "name": {p.name}, "code": {code}, "amount": {amount},
		"evidence": {"2019 年投资，合同编号 HT-" + p.phone[7:]}, "payee_account_no": {"6217" + p.phone}, "payee_bank": {"建设银行三水支行"}}
}

var massLinkRE = regexp.MustCompile(`href="/m/claim/([0-9a-f]+)" id="m-link"`)

// massRegister registers p through the public pages: a code, then the
// form; it returns the status token the page showed.
func massRegister(t *testing.T, b *browser, db *store.DB, m *massclaim.Campaign, p massVictim) string {
	t.Helper()
	path := "/m/" + m.ID.String()
	token := b.get(path).token(t)
	b.post(path+"/code", url.Values{"phone": {p.phone}}).must(t, 200, "验证码已发送") // sent, or sent a moment ago
	r := b.post(path, massForm(token, p, massCode(t, db, p.phone), yuan(p.loss)))
	r.must(t, 200, "登记成功")
	return massLinkRE.FindStringSubmatch(r.body)[1]
}

// sectionToken reads the form token of the part of a page from start on.
func (p webPage) sectionToken(t *testing.T, start string) string {
	t.Helper()
	i := strings.Index(p.body, start)
	if i < 0 {
		t.Fatalf("no %q on the page\n%.3000s", start, p.body)
	}
	m := formToken.FindStringSubmatch(p.body[i:])
	if m == nil {
		t.Fatalf("no form token after %q", start)
	}
	return m[1]
}

// TestMassClaimPublicRegistration (S4, MASS-2, MASS-4, MASS-7): a victim
// registers on the public page without signing in. A draft campaign and a
// made-up address are "not found"; a bad phone is refused next to it; the
// code is sent (a second tap says it is on its way, htmx swaps the form
// alone). A wrong code is refused and counted, never shown again; a bad ID
// number and an unreadable amount with a missing name come back together,
// the values kept. The registration shows the status link once; the same
// form sent again shows the same link (one claim); another form with the
// same ID number is refused. The status page shows the participant's own
// claim masked; a made-up link reveals nothing. After the review the
// participant confirms (twice from one rendering: once) and another
// objects (a reason needed); past the deadline the page says registration
// is closed.
func TestMassClaimPublicRegistration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 6101, 50_000_000)
		people := massPeople(610_000, 3)
		m := massCampaign(t, s, c, people, true)
		draft := massCampaign(t, s, c, people, false)
		path := "/m/" + m.ID.String()
		pub := newBrowser(t, env)

		// Not yet published, or not an address at all: nothing to see.
		pub.get("/m/"+draft.ID.String()).must(t, 404, "没有找到该登记")
		pub.get("/m/not-a-campaign").must(t, 404, "没有找到该登记")
		pub.get("/m/"+uuid.NewString()).must(t, 404, "没有找到该登记")
		pub.post("/m/"+draft.ID.String()+"/code", url.Values{"phone": {"13700000000"}}).must(t, 404)

		// The page: the campaign and the form, no staff navigation.
		p := pub.get(path)
		p.must(t, 200, `id="m-title">`+m.Title+`<`, m.JudgmentNo, `id="m-deadline">`+m.RegistrationUntil.String(), `id="register-form"`,
			`id="send-code"`, `formaction="`+path+`/code"`, `name="code"`, "涉众案款网上登记")
		p.lacks(t, `href="/cases"`, `id="current-user"`)

		// The code: a bad phone, then sent; a second tap; htmx.
		a := people[0]
		typed := url.Values{"phone": {"1370000"}, "id_number": {a.id}, "name": {a.name}, "amount": {"12,500"}}
		pub.post(path+"/code", typed).must(t, 422, "手机号码应为 11 位数字", `value="1370000"`, `value="`+a.id+`"`, `value="12,500"`, `aria-invalid="true"`)
		typed.Set("phone", a.phone)
		pub.post(path+"/code", typed).must(t, 200, "验证码已发送至 "+legal.MaskPhone(a.phone), `value="`+a.id+`"`, `value="`+a.name+`"`, "autofocus")
		pub.post(path+"/code", typed).must(t, 200, "验证码已发送，请查看短信")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM sms_outbox WHERE phone = ?`, a.phone); n != 1 {
			t.Fatalf("codes sent to one phone in a minute: %d", n)
		}
		h := pub.do("POST", path+"/code", typed, map[string]string{"HX-Request": "true"})
		h.must(t, 200, `<form method="post" action="`+path+`" class="form field-form m-form" id="register-form">`)
		h.lacks(t, "<html", `id="m-title"`)
		code := massCode(t, db, a.phone)

		// A wrong code: refused, counted, not shown again.
		token := p.token(t)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		r := pub.post(path, massForm(token, a, wrong, yuan(a.loss)))
		r.must(t, 422, "验证码不正确", `id="m-code-error"`, `value="`+a.id+`"`, `value="6217`+a.phone+`"`, `value="建设银行三水支行"`,
			`name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="10" required value=""`)
		r.lacks(t, wrong)
		if n := bulkCount(t, db, `SELECT attempts FROM campaign_codes WHERE campaign_id = ? AND phone = ?`, m.ID, a.phone); n != 1 {
			t.Fatalf("wrong guesses counted: %d, want 1", n)
		}

		// A bad ID number; an unreadable amount and no name: every reason
		// at once, next to its field.
		bad := a
		bad.id = mistypeID(a.id)
		pub.post(path, massForm(token, bad, code, yuan(a.loss))).must(t, 422, `id="m-id-number-error"`, `value="`+bad.id+`"`)
		noName := a
		noName.name = ""
		r = pub.post(path, massForm(token, noName, code, "12,3x"))
		r.must(t, 422, `id="m-amount-error"`, "申报金额：", `id="m-name-error"`, "请填写姓名", `value="12,3x"`)
		r.lacks(t, "申报金额须大于 0")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM claims WHERE campaign_id = ?`, m.ID); n != 0 {
			t.Fatalf("claims after refused registrations: %d", n)
		}

		// Registered: the link shown once, kept nowhere in plain.
		form := massForm(token, a, code, yuan(a.loss))
		r = pub.post(path, form)
		r.must(t, 200, "登记成功", `id="m-link"`, "只显示这一次", legal.MaskID(a.id), yuan(a.loss))
		r.lacks(t, a.id)
		link := massLinkRE.FindStringSubmatch(r.body)
		if link == nil {
			t.Fatalf("no status link\n%s", r.body)
		}
		own := link[1]
		if !strings.Contains(r.body, `>http://`+strings.TrimPrefix(env.URL, "http://")+"/m/claim/"+own+"<") {
			t.Errorf("the link is not shown in full\n%.3000s", r.body)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM idempotency_keys WHERE body LIKE ? OR key LIKE ?`, "%"+own+"%", "%"+token+"%"); n != 0 {
			t.Errorf("the link or the form token is kept in plain")
		}
		// The same form again (a double tap, a reload): the same link, one
		// claim.
		again := pub.post(path, form)
		again.must(t, 200, "没有重复登记", `href="/m/claim/`+own+`" id="m-link"`)
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM claims WHERE campaign_id = ?`, m.ID); n != 1 {
			t.Fatalf("claims after a double submission: %d, want 1", n)
		}
		// The same form filled again for someone else (the browser went
		// back): not taken for the first, a fresh form asked for.
		other0 := people[2]
		pub.post(path, massForm(token, other0, code, yuan(other0.loss))).must(t, 409, "这张登记表已经提交过一次", `value="`+other0.id+`"`)
		// A new form with the same ID number: refused next to it.
		other := people[1]
		pub.post(path+"/code", url.Values{"phone": {other.phone}}).must(t, 200)
		dup := a
		dup.phone = other.phone
		pub.post(path, massForm(pub.get(path).token(t), dup, massCode(t, db, other.phone), "1")).
			must(t, 409, "该身份证号已登记", `id="m-id-number-error"`)

		// The status page: the participant's own claim, masked.
		mine := pub.get("/m/claim/" + own)
		mine.must(t, 200, `id="m-status">已登记，待审核<`, legal.MaskID(a.id), "尾号 "+a.phone[len(a.phone)-4:], legal.MaskPhone(a.phone), yuan(a.loss), a.name)
		mine.lacks(t, a.id, "6217"+a.phone, a.phone, `id="confirm-form"`, `href="/cases"`)
		// A made-up link reveals nothing.
		for _, made := range []string{strings.Repeat("0", 48), "x", strings.Repeat("a", 120)} {
			nf := pub.get("/m/claim/" + made)
			nf.must(t, 404, "链接无效")
			nf.lacks(t, a.name, m.Title)
		}
		pub.post("/m/claim/"+strings.Repeat("0", 48)+"/answer", url.Values{"decision": {"confirm"}}).must(t, 404, "链接无效")

		// Reviewed against the list: the participant answers.
		b := people[1]
		bLink := massRegister(t, pub, db, m, b)
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (int, error) {
			e, _, err := massclaim.ReviewByList(ctx, tx, m.ID)
			return e, err
		}); err != nil {
			t.Fatal(err)
		}
		mine = pub.get("/m/claim/" + own)
		mine.must(t, 200, "审核通过，待本人确认金额", `id="m-reviewed"><strong>`+yuan(a.loss)+` 元`, `id="confirm-form"`, `id="object-form"`)
		pub.post("/m/claim/"+own+"/answer", url.Values{"form_token": {mine.token(t)}, "decision": {"object"}, "objection": {"  "}}).
			must(t, 422, "请写明异议理由", `id="m-objection-error"`, `id="confirm-form"`)
		pub.post("/m/claim/"+own+"/answer", url.Values{"form_token": {mine.token(t)}, "decision": {"maybe"}}).must(t, 422, "请选择确认金额或提出异议")
		confirm := url.Values{"form_token": {mine.token(t)}, "decision": {"confirm"}}
		pub.post("/m/claim/"+own+"/answer", confirm).redirected(t, "/m/claim/"+own+"?done=confirmed")
		pub.post("/m/claim/"+own+"/answer", confirm).redirected(t, "/m/claim/"+own+"?done=duplicate")
		mine = pub.get("/m/claim/" + own + "?done=confirmed")
		mine.must(t, 200, "已确认金额", `id="m-status">已确认<`, `id="m-final"><strong>`+yuan(a.loss))
		mine.lacks(t, `id="confirm-form"`)
		// Answering again (from a page opened before): refused, said why.
		pub.post("/m/claim/"+own+"/answer", url.Values{"form_token": {"EARLIERPAGE"}, "decision": {"object"}, "objection": {"再议"}}).
			must(t, 409, `id="m-refusal"`, "无需确认")
		bp := pub.get("/m/claim/" + bLink)
		pub.post("/m/claim/"+bLink+"/answer", url.Values{"form_token": {bp.token(t)}, "decision": {"object"}, "objection": {"另有一笔 5 万元转账未计入"}}).
			redirected(t, "/m/claim/"+bLink+"?done=objected")
		pub.get("/m/claim/"+bLink).must(t, 200, "已提出异议，待复核", "另有一笔 5 万元转账未计入")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'massclaim.answered'`); n != 2 {
			t.Errorf("answers audited: %d, want 2", n)
		}

		// Past the deadline: closed, in words.
		uiExec(t, db, `UPDATE campaigns SET registration_until = ? WHERE id = ?`, legal.Today(time.Now()).AddDays(-1), m.ID)
		closed := pub.get(path)
		closed.must(t, 200, `id="m-closed"`, "本次登记已截止")
		closed.lacks(t, `id="register-form"`)
		pub.post(path+"/code", url.Values{"phone": {people[2].phone}}).must(t, 409, "本次登记已截止")
		pub.post(path, massForm("LATE", people[2], "123456", "1")).must(t, 409, "本次登记已截止")
		// The participant's own page still works.
		pub.get("/m/claim/"+own).must(t, 200, "已确认")
	})
}

// TestCampaignPageUI (S4 through the pages, MASS-1…6): the judge creates
// a campaign from the case page (a refusal keeps what was typed; two
// submissions of one form make one), uploads a victim list with bad lines
// (refused whole, every line named), then a good one saved as GBK,
// publishes it (htmx; twice: once) and cannot change the list after. A
// clerk reads without forms and is refused; another court's user finds
// nothing. Victims register; the review checks them against the list;
// one confirms, one objects; the list is filtered by status and paged; the
// objection is decided in its row (a bad amount and no reason refused;
// through another campaign: not found); a round shares the money held and
// its payouts wait on the funds desk; approved and paid, the participant
// sees the money arrived.
func TestCampaignPageUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		bk := env.Bank(t)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 6201, 80_000_000)
		casePath := "/cases/" + c.ID.String()
		judge := staffBrowser(t, env, s.Judge)
		clerk := userBrowser(t, env, "mc.clerk", access.RoleClerk, "粤0607")
		outsider := userBrowser(t, env, "mc.outsider", access.RolePostJudge, "皖01")
		pub := newBrowser(t, env)

		// The case page: the judge may create; the clerk sees nothing yet.
		cp := judge.get(casePath)
		cp.must(t, 200, `<section id="campaigns"`, `id="campaign-form"`, `<option value="`+c.Respondents()[0].PartyID.String()+`" selected>`)
		clerk.get(casePath).lacks(t, `<section id="campaigns"`)
		token := cp.sectionToken(t, `<section id="campaigns"`)
		create := url.Values{"form_token": {token}, "debtor_party_id": {c.Respondents()[0].PartyID.String()}, "title": {" "},
			"judgment_no": {"（2025）粤0607刑初99号"}, "registration_until": {"2020-02-30"}}
		r := judge.post(casePath+"/campaigns", create)
		r.must(t, 422, "登记截止日期应为 YYYY-MM-DD", `value="（2025）粤0607刑初99号"`, `<details class="act" open>`)
		create.Set("registration_until", legal.Today(time.Now()).AddDays(-1).String())
		judge.post(casePath+"/campaigns", create).must(t, 422, "请填写名称", "登记截止日期不能早于今天")
		clerk.post(casePath+"/campaigns", create).must(t, 403)
		outsider.post(casePath+"/campaigns", create).must(t, 404)
		create.Set("title", "三水某理财公司集资诈骗案退赔")
		create.Set("registration_until", legal.Today(time.Now()).AddDays(14).String())
		r = judge.post(casePath+"/campaigns", create)
		if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "?done=created") {
			t.Fatalf("create: %d %q\n%.2000s", r.status, r.location, r.body)
		}
		judge.post(casePath+"/campaigns", create).redirected(t, casePath+"?done=campaign_duplicate#campaigns")
		list, err := massclaim.CaseCampaigns(s.Judge, db, c.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("campaigns after a double submission: %d %v", len(list), err)
		}
		m := list[0]
		path := "/campaigns/" + m.ID.String()
		judge.get(casePath+"?done=campaign_duplicate").must(t, 200, "没有重复建立", `href="/campaigns/`+m.ID.String()+`"`, "三水某理财公司集资诈骗案退赔")
		clerk.get(casePath).must(t, 200, `href="/campaigns/`+m.ID.String()+`"`)
		clerk.get(casePath).lacks(t, `id="campaign-form"`)

		p := judge.get(r.location)
		p.must(t, 200, "已建立涉众案款发放", `id="campaign-status">未发布<`, `id="victims-form"`, `id="open-form"`, "身份证号,姓名,损失金额")
		p.lacks(t, `id="review-form"`, `id="round-form"`)
		clerk.get(path).must(t, 200, "三水某理财公司集资诈骗案退赔")
		clerk.get(path).lacks(t, `id="victims-form"`, `id="open-form"`)
		outsider.get(path).must(t, 404)
		newBrowser(t, env).get(path).redirected(t, "/login?next="+url.QueryEscape(path))

		// The victim list: bad lines refused whole; then a good one in GBK.
		people := massPeople(620_000, 4)
		upload := func(b *browser, token, name string, content []byte) webPage {
			t.Helper()
			body, ct := multipartForm(t, map[string]string{"form_token": token}, name, content)
			req, err := http.NewRequest(http.MethodPost, env.URL+path+"/victims", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ct)
			res, err := b.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			data, _ := io.ReadAll(res.Body)
			return webPage{res.StatusCode, res.Header.Get("Location"), string(data)}
		}
		badList := massList(people[:3]) + mistypeID(people[3].id) + ",某某,100\n" + people[3].id + ",某某,-5\n" + people[0].id + ",重复,1\n"
		r = upload(judge, p.token(t), "名单.csv", []byte(badList))
		r.must(t, 422, "名单有 3 处问题，整份名单未导入", "第 5 行：身份证号", "第 6 行：损失金额应为大于 0 的元数", "第 7 行：身份证号与第 2 行重复")
		upload(judge, p.token(t), "空.csv", []byte("x,y\n")).must(t, 422, "名单未导入：名单的表头应为")
		upload(clerk, p.token(t), "名单.csv", []byte(massList(people))).must(t, 403)
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM campaign_victims WHERE campaign_id = ?`, m.ID); n != 0 {
			t.Fatalf("victims after refused lists: %d", n)
		}
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(massList(people))
		if err != nil {
			t.Fatal(err)
		}
		upload(judge, p.token(t), "名单.csv", []byte(gbk)).redirected(t, path+"?done=victims")
		var loss int64
		for _, v := range people {
			loss += v.loss
		}
		p = judge.get(path + "?done=victims")
		p.must(t, 200, "已导入被害人名单：4 人，损失合计 "+yuan(loss)+" 元", `id="campaign-victims">4 人`)
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM campaign_victims WHERE campaign_id = ? AND name = ?`, m.ID, people[2].name); n != 1 {
			t.Fatalf("the GBK list's names were not read: %d", n)
		}

		// Published with htmx, twice from one rendering: once.
		htmx := map[string]string{"HX-Request": "true"}
		clerk.post(path+"/opening", url.Values{}).must(t, 403)
		outsider.post(path+"/opening", url.Values{}).must(t, 404)
		tok := p.token(t)
		h := judge.do("POST", path+"/opening", url.Values{"form_token": {tok}}, htmx)
		h.must(t, 200, `<div id="campaign"`, "已发布，网上登记已开始", `id="campaign-status">登记中<`, `href="/m/`+m.ID.String()+`" id="campaign-public"`)
		h.lacks(t, "<html", `id="victims-form"`, `id="open-form"`)
		judge.do("POST", path+"/opening", url.Values{"form_token": {tok}}, htmx).must(t, 200, "没有重复办理")
		// From a page opened before: refused, said why.
		judge.post(path+"/opening", url.Values{"form_token": {"EARLIERPAGE"}}).must(t, 409, "该发放已发布")
		upload(judge, "EARLIERPAGE", "名单.csv", []byte(massList(people))).must(t, 409, `id="campaign-refusal"`, "名单只能在发布前导入")

		// Registrations: three on the list and a stranger.
		links := make([]string, 3)
		for i := range 3 {
			links[i] = massRegister(t, pub, db, m, people[i])
		}
		stranger := massPeople(629_000, 1)[0]
		massRegister(t, pub, db, m, stranger)

		// The review against the list.
		p = judge.get(path)
		p.must(t, 200, `id="tab-registered"`, "已登记，待审核 4", `id="review-form"`, "4 人待审核")
		clerk.post(path+"/review", url.Values{}).must(t, 403)
		judge.post(path+"/review", url.Values{"form_token": {p.token(t)}}).redirected(t, path+"?done=reviewed&eligible=3&ineligible=1")
		p = judge.get(path + "?done=reviewed&eligible=3&ineligible=1")
		p.must(t, 200, "通过 3 人，未通过 1 人", "审核通过，待本人确认金额 3", "审核未通过 1", "不在判决认定的被害人名单中")
		p.lacks(t, `id="review-form"`, `id="round-form"`)

		// Answers: two confirm, one objects.
		for i, l := range links {
			sp := pub.get("/m/claim/" + l)
			answer := url.Values{"form_token": {sp.token(t)}, "decision": {"confirm"}}
			done := "confirmed"
			if i == 2 {
				answer.Set("decision", "object")
				answer.Set("objection", "另有 2 万元投资款未计入，有转账凭证")
				done = "objected"
			}
			pub.post("/m/claim/"+l+"/answer", answer).redirected(t, "/m/claim/"+l+"?done="+done)
		}

		// Filtered by status: the objection, decided in its row.
		p = judge.get(path + "?status=objected")
		p.must(t, 200, `aria-current="page">已提出异议，待复核 1<`, "另有 2 万元投资款未计入", `id="round-form"`)
		if n := strings.Count(p.body, `<tr id="claim-`); n != 1 {
			t.Fatalf("objected rows: %d, want 1", n)
		}
		claims, err := massclaim.Claims(s.Judge, db, m.ID, "objected", page.Request{})
		if err != nil || len(claims.Items) != 1 {
			t.Fatalf("objected %v %v", claims, err)
		}
		obj := claims.Items[0]
		oid := obj.ID.String()
		p.must(t, 200, `id="decide-form-`+oid+`"`, `value="`+yuan(people[2].loss)+`"`)
		judge.get(path+"?cursor=bad").must(t, 422, "分页")
		tok = p.token(t)
		decide := url.Values{"form_token": {tok}, "status": {"objected"}, "final": {"12x"}, "note": {" "}}
		judge.post(path+"/claims/"+oid+"/decision", decide).must(t, 422, "认定金额：", "请写明复核意见", `value="12x"`, `<details class="act" open>`)
		clerk.post(path+"/claims/"+oid+"/decision", url.Values{"final": {"1"}, "note": {"x"}}).must(t, 403)
		outsider.post(path+"/claims/"+oid+"/decision", url.Values{"final": {"1"}, "note": {"x"}}).must(t, 404)
		// Through another campaign of the court: not found, nothing kept.
		m2 := massCampaign(t, s, c, nil, false)
		judge.post("/campaigns/"+m2.ID.String()+"/claims/"+oid+"/decision", url.Values{"final": {"1"}, "note": {"x"}}).must(t, 404)
		final := people[2].loss + 2_000_000
		decide.Set("final", yuan(final))
		decide.Set("note", "核实转账凭证，补计 2 万元")
		h = judge.do("POST", path+"/claims/"+oid+"/decision", decide, htmx)
		h.must(t, 200, `<div id="campaign"`, "已复核异议，认定金额 "+yuan(final)+" 元", `aria-current="page">已提出异议，待复核 0<`)
		judge.do("POST", path+"/claims/"+oid+"/decision", decide, htmx).must(t, 200, "没有重复办理")
		pub.get("/m/claim/"+links[2]).must(t, 200, "异议已复核", "核实转账凭证，补计 2 万元", `id="m-final"><strong>`+yuan(final))

		// A round: the money held, shared; its payouts on the funds desk.
		held := int64(30_000_00)
		fundsReceive(t, s, c, held)
		p = judge.get(path)
		confirmed := people[0].loss + people[1].loss + final
		p.must(t, 200, `id="campaign-held">`+yuan(held)+`<`, `id="campaign-confirmed">`+yuan(confirmed)+`<`, `id="round-form"`)
		tok = p.token(t)
		judge.post(path+"/rounds", url.Values{"form_token": {tok}, "amount": {"abc"}}).must(t, 422, "本轮金额：", `value="abc"`, `id="round-amount-error"`)
		judge.post(path+"/rounds", url.Values{"form_token": {tok}, "amount": {"0"}}).must(t, 422, "本轮金额须大于 0")
		judge.post(path+"/rounds", url.Values{"form_token": {tok}, "amount": {yuan(held + 1)}}).must(t, 422, "不超过代管的")
		clerk.post(path+"/rounds", url.Values{}).must(t, 403)
		judge.post(path+"/rounds", url.Values{"form_token": {tok}}).redirected(t, path+"?done=round")
		judge.post(path+"/rounds", url.Values{"form_token": {tok}}).redirected(t, path+"?done=duplicate")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM campaign_rounds WHERE campaign_id = ?`, m.ID); n != 1 {
			t.Fatalf("rounds after a double submission: %d", n)
		}
		p = judge.get(path + "?done=round")
		p.must(t, 200, "第 1 轮已生成", "3 笔发放待审批", `id="round-1"`, `href="/funds?tab=pending" id="round-1-approve"`, "待审批 3 笔")
		var want []int64
		for _, loss := range []int64{people[0].loss, people[1].loss, final} {
			want = append(want, loss*held/confirmed)
		}
		// The round is one batch on the funds desk, decided as a whole; its
		// payouts are not listed one by one; the requester cannot decide it.
		var batchID string
		if err := db.QueryRow(context.Background(), `SELECT batch_id FROM campaign_rounds WHERE campaign_id = ?`, m.ID).Scan(&batchID); err != nil {
			t.Fatal(err)
		}
		total := want[0] + want[1] + want[2]
		judge.get("/funds").must(t, 200, `id="batch-row-`+batchID+`"`, "由有案款发放审批权限的人员审批")
		leader := staffBrowser(t, env, s.Leader)
		desk := leader.get("/funds")
		desk.must(t, 200, `id="batch-row-`+batchID+`"`, `id="batch-approve-`+batchID+`"`, "整批同意 "+yuan(total)+" 元")
		desk.lacks(t, "6217"+people[0].phone)
		decideURL := "/funds/batches/" + batchID + "/decision"
		leader.do("POST", decideURL, url.Values{"form_token": {desk.token(t)}, "decision": {"refuse"}}, htmx).must(t, 200, "请写明理由")
		leader.do("POST", decideURL, url.Values{"form_token": {desk.token(t)}, "decision": {"approve"}}, htmx).must(t, 200, "已同意批量发放", "一并转入在途")
		leader.do("POST", decideURL, url.Values{"form_token": {desk.token(t)}, "decision": {"approve"}}, htmx).must(t, 200, "没有重复办理")
		leader.get("/funds").lacks(t, `id="batch-row-`+batchID+`"`)

		// Approved and paid: the participant sees the money arrived.
		pub.get("/m/claim/"+links[0]).must(t, 200, "发放办理中", yuan(want[0]))
		bk.Settle(t)
		// Each sees where their own payout stands (the simulated bank
		// returns some, as real receiving banks do).
		settled := 0
		for i, l := range links {
			var status string
			if err := db.QueryRow(context.Background(), `SELECT o.status FROM claim_shares s JOIN claims c ON c.id = s.claim_id
				JOIN payouts o ON o.id = s.payout_id WHERE c.id_number = ?`, people[i].id).Scan(&status); err != nil {
				t.Fatal(err)
			}
			mine := pub.get("/m/claim/" + l)
			mine.must(t, 200, `id="m-allocated">`+yuan(want[i])+` 元`, "第 1 轮")
			switch funds.PayoutStatus(status) {
			case funds.PayoutSettled:
				settled++
				mine.must(t, 200, `id="m-settled">`+yuan(want[i])+` 元`, "已发放到您的收款账户")
			case funds.PayoutReturned, funds.PayoutFailed:
				mine.must(t, 200, `id="m-settled">0.00 元`, "未能到账，款项已退回法院代管账户")
			default:
				t.Fatalf("payout of %d after the bank: %s", i, status)
			}
		}
		if settled > 0 {
			judge.get(path).must(t, 200, "已发放 "+fmt.Sprint(settled)+" 笔")
		}
		// The first participant's account bounces (the simulator returns
		// payments to accounts ending 0000): they correct it on their page,
		// the court pays again, and the money arrives.
		if settled != len(links)-1 {
			t.Fatalf("%d of %d paid: the first participant's account should have bounced", settled, len(links))
		}
		mine := pub.get("/m/claim/" + links[0])
		mine.must(t, 200, `id="payee-form"`, "请核对并更改收款账户")
		pub.get("/m/claim/"+links[1]).lacks(t, `id="payee-form"`)
		pub.post("/m/claim/"+links[0]+"/payee", url.Values{"payee_account_no": {"12x"}, "payee_bank": {""}}).
			must(t, 422, "银行账号应为 8 至 34 位数字", "请填写开户行", `value="12x"`)
		pub.post("/m/claim/"+links[0]+"/payee", url.Values{"payee_account_no": {"6217 0000 1111 2222 333"}, "payee_bank": {"建设银行三水支行"}}).
			redirected(t, "/m/claim/"+links[0]+"?done=payee")
		pub.get("/m/claim/"+links[0]+"?done=payee").must(t, 200, "收款账户已更改", "尾号 2333")
		p = judge.get(path)
		p.must(t, 200, `id="repay-form"`, "1 笔发放未能到账")
		judge.post(path+"/repayments", url.Values{"form_token": {p.token(t)}}).redirected(t, path+"?done=repay&payouts=1&total="+url.QueryEscape(yuan(want[0])))
		p = judge.get(path + "?done=repay&payouts=1&total=" + url.QueryEscape(yuan(want[0])))
		p.must(t, 200, "已申请重新发放未到账的款项（1 笔，合计 "+yuan(want[0])+" 元）")
		p.lacks(t, `id="repay-form"`)
		var again string
		if err := db.QueryRow(context.Background(), `SELECT id FROM payout_batches WHERE title LIKE '%未到账款项重新发放'`).Scan(&again); err != nil {
			t.Fatal(err)
		}
		if _, err := store.TransactValue(s.Leader, db, func(ctx context.Context, tx *store.Tx) (*funds.PayoutBatch, error) {
			return funds.DecideBatch(ctx, tx, uuid.MustParse(again), funds.Decision{Approve: true})
		}); err != nil {
			t.Fatal(err)
		}
		bk.Settle(t)
		mine = pub.get("/m/claim/" + links[0])
		mine.must(t, 200, `id="m-settled">`+yuan(want[0])+` 元`, "已发放到您的收款账户")
		mine.lacks(t, `id="payee-form"`)
		rep, err := funds.Verify(context.Background(), db)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

// TestCampaignClaimsPaged: the claim list pages 50 at a time, in the order
// of registration, the filter kept.
func TestCampaignClaimsPaged(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 6301, 10_000_000)
		people := massPeople(630_000, 52)
		m := massCampaign(t, s, c, people, true)
		phones := make([]string, len(people))
		for i, p := range people {
			phones[i] = p.phone
		}
		if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			return massclaim.IssueCodes(ctx, tx, m.ID, phones, "246810")
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			if _, err := store.TransactValue(context.Background(), db, func(ctx context.Context, tx *store.Tx) (string, error) {
				_, tok, err := massclaim.Register(ctx, tx, m.ID, massclaim.RegisterInput{IDNumber: p.id, Name: p.name, Phone: p.phone, Code: "246810",
					ClaimedFen: p.loss, PayeeAccountNo: "6217" + p.phone, PayeeBank: "农业银行"})
				return tok, err
			}); err != nil {
				t.Fatal(err)
			}
		}
		judge := staffBrowser(t, env, s.Judge)
		path := "/campaigns/" + m.ID.String()
		p := judge.get(path + "?status=registered")
		p.must(t, 200, `id="claims-next"`, people[0].name)
		if n := strings.Count(p.body, `<tr id="claim-`); n != 50 {
			t.Fatalf("first page: %d rows, want 50", n)
		}
		next := regexp.MustCompile(`href="([^"]*)" id="claims-next"`).FindStringSubmatch(p.body)
		href := strings.ReplaceAll(next[1], "&amp;", "&")
		if !strings.Contains(href, "status=registered") {
			t.Fatalf("the filter is lost: %s", href)
		}
		p = judge.get(href)
		if n := strings.Count(p.body, `<tr id="claim-`); n != 2 || strings.Contains(p.body, `id="claims-next"`) {
			t.Fatalf("second page: %d rows", n)
		}
		p.must(t, 200, people[51].name)
	})
}
