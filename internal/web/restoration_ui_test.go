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
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var newCaseLink = regexp.MustCompile(`<a href="/cases/([0-9a-f-]{36})" id="new-case">([^<]+)</a>`)

// TestRestorationProposalsPage (S9 on the pages): a 终本 case's schedule
// shows on its page; when a re-query finds a deposit, the proposal is
// listed for the reviewer of its court only; refusing it needs a reason
// (kept with the error); approving it once — the same form sent twice —
// files one 执恢 case, linked from the page and from the old case, whose
// schedule ends. A second decision is refused; another court gets "not
// found", a clerk "forbidden".
func TestRestorationProposalsPage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, window := env.Token(t, "rp.api.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "")
		judgeToken := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		ctx := context.Background()

		debtor := sample.Person(9911)
		holdsNothing(ag, debtor.IDNumber)
		c := fileAgainst(t, env, window, 9911, debtor, 8_000_000)
		ag.Settle(t)
		today := legal.Today(time.Now())
		backdateFiling(t, db, c.ID, 4)
		meetZhongben(t, env, judgeToken, c.ID)
		if r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judgeToken, map[string]any{"to": "zhongben",
			"reason": "经网络查控未发现可供执行的财产"}); r.Status != http.StatusOK {
			t.Fatalf("终本: %d %s", r.Status, r.Body)
		}
		judge := staffBrowser(t, env, staff.Judge)
		casePath := "/cases/" + c.ID
		judge.get(casePath).must(t, 200, `id="requery"`, "终本后定期复查", "复查中", today.AddMonths(6).String(), today.AddMonths(60).String())

		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", debtor.IDNumber, []agency.Holding{{Ref: "6222020011119911", Kind: agency.BankDeposit,
			Institution: "工商银行佛山三水支行", ValueFen: 5_000_000, AvailableFen: 5_000_000}})
		if n, err := assets.RunRequeries(ctx, db, today.AddMonths(6), 100); err != nil || n != 1 {
			t.Fatalf("re-query: %d %v", n, err)
		}
		ag.Settle(t)
		judge.get(casePath).must(t, 200, "恢复执行建议", "待审查", "50,000.00", `<a href="/restoration-proposals">去审查</a>`)
		clerk := userBrowser(t, env, "rp.clerk", access.RoleClerk, "粤0607")
		clerk.get(casePath).must(t, 200, "恢复执行建议", "待立案审查人员审查")

		reviewer := userBrowser(t, env, "rp.window", access.RoleWindowReception, "粤0607")
		p := reviewer.get("/restoration-proposals")
		p.must(t, 200, "恢复执行审查", c.CaseNo, "终本复查发现财产 1 项", "50,000.00", `href="/restoration-proposals"`)
		var proposal string
		for _, pr := range caseAssetsView(t, staff.Judge, db, uuid.MustParse(c.ID)).Proposals {
			proposal = pr.ID.String()
		}
		if proposal == "" {
			t.Fatal("no proposal")
		}
		decide := "/restoration-proposals/" + proposal + "/decision"

		// Other courts and other roles.
		outsider := userBrowser(t, env, "rp.outsider", access.RoleWindowReception, "皖01")
		outsider.get("/restoration-proposals").lacks(t, c.CaseNo)
		outsider.post(decide, url.Values{"decision": {"approve"}}).must(t, 404)
		clerk.get("/restoration-proposals").must(t, 403)
		clerk.post(decide, url.Values{"decision": {"approve"}}).must(t, 403)
		clerk.get("/").lacks(t, `href="/restoration-proposals"`)

		// A refusal needs its reason; what was typed stays. No choice made.
		token := p.token(t)
		r := reviewer.post(decide, url.Values{"form_token": {token}, "decision": {"refuse"}, "note": {"  "}})
		r.must(t, 422, "不予恢复执行须写明理由", `id="decide-`+proposal+`"`)
		reviewer.post(decide, url.Values{"form_token": {token}, "note": {"待定"}}).must(t, 422, "请选择恢复执行或不予恢复", `value="待定"`)

		// Approval, the form sent twice: one 执恢 case.
		approve := url.Values{"form_token": {token}, "decision": {"approve"}, "note": {"复查发现存款，符合恢复执行条件"}}
		reviewer.post(decide, approve).redirected(t, "/restoration-proposals?decided="+proposal)
		reviewer.post(decide, approve).redirected(t, "/restoration-proposals?decided="+proposal+"&done=restoration_duplicate")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM cases WHERE origin_case_id = ?`, uuid.MustParse(c.ID)); n != 1 {
			t.Fatalf("执恢 cases filed: %d, want 1", n)
		}
		p = reviewer.get("/restoration-proposals?decided=" + proposal + "&done=restoration_duplicate")
		p.must(t, 200, "没有重复办理", "已批准恢复执行", "没有待审查的恢复执行建议")
		m := newCaseLink.FindStringSubmatch(p.body)
		if m == nil || !strings.Contains(m[2], "执恢") {
			t.Fatalf("no link to the 执恢 case\n%.3000s", p.body)
		}
		judge.get("/cases/"+m[1]).must(t, 200, m[2])
		// Decided: a fresh form is refused, said why.
		reviewer.post(decide, url.Values{"decision": {"refuse"}, "note": {"改变主意"}}).must(t, 409, "该建议已审查")

		// The old case: schedule ended by the new case, the proposal linked.
		p = judge.get(casePath)
		p.must(t, 200, "已结束", "已恢复执行（"+m[2]+"）", "已恢复执行", `href="/cases/`+m[1]+`"`, "复查发现存款，符合恢复执行条件")
	})
}

// TestDebtorPageAssets: the debtor page lists every asset of the debtor
// with every control on it across cases and courts in their order — the
// first freeze (首封) of one court's case, the waiting one (轮候) of
// another court's — with account numbers masked; another court's case is
// named, not linked. An applicant's page has no asset section.
func TestDebtorPageAssets(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		sanshui := intaketest.NewStaff(t, db, "")
		nanhai := intaketest.NewStaff(t, db, "粤0605")
		debtor := intaketest.Organization(9921)
		const account = "6222020011129921"
		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", debtor.CreditCode, []agency.Holding{{Ref: account, Kind: agency.BankDeposit,
			Institution: "工商银行佛山三水支行", ValueFen: 30_000_000, AvailableFen: 30_000_000}})
		first := intaketest.Application(sanshui.CourtID, 9921)
		first.Respondents[0] = debtor
		second := intaketest.Application(nanhai.CourtID, 9922)
		second.Respondents[0] = debtor
		c1 := uiFile(t, sanshui, first)
		c2 := uiFile(t, nanhai, second)
		ag.Settle(t)
		freeze := func(s *intaketest.Staff, caseID uuid.UUID, amount int64, ruling string) {
			t.Helper()
			var deposit uuid.UUID
			for _, a := range caseAssetsView(t, s.Judge, db, caseID).Assets {
				if a.Ref == account {
					deposit = a.ID
				}
			}
			if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
				return assets.Place(ctx, tx, caseID, assets.ControlInput{AssetID: deposit, AmountFen: amount, Reason: "冻结存款", RulingNo: ruling})
			}); err != nil {
				t.Fatal(err)
			}
			ag.Settle(t)
		}
		freeze(sanshui, c1.ID, 30_000_000, "（2026）粤0607执9921号之一")
		freeze(nanhai, c2.ID, 10_000_000, "（2026）粤0605执9922号之一")

		debtorID := c1.Respondents()[0].PartyID
		if c2.Respondents()[0].PartyID != debtorID {
			t.Fatal("the debtor became two parties")
		}
		judge := staffBrowser(t, env, sanshui.Judge)
		p := judge.get("/parties/" + debtorID.String())
		p.must(t, 200, `id="party-assets"`, "银行存款", "工商银行佛山三水支行", "****9921", "300,000.00", "其中 1 项已被控制",
			"<strong>首封</strong> · <a href=\"/cases/"+c1.ID.String()+"#assets\">"+c1.CaseNo+"</a>",
			"<strong>轮候第 2 位</strong> · "+c2.CaseNo, "在控", "轮候")
		p.lacks(t, account, `href="/cases/`+c2.ID.String())
		if strings.Index(p.body, c1.CaseNo+"</a>") > strings.Index(p.body, "<strong>轮候第 2 位</strong> · "+c2.CaseNo) {
			t.Error("the waiting freeze is listed before the first one")
		}
		// 南海's judge sees the same registry, with their case linked.
		staffBrowser(t, env, nanhai.Judge).get("/parties/"+debtorID.String()).must(t, 200, "****9921",
			`<a href="/cases/`+c2.ID.String()+`#assets">`+c2.CaseNo+`</a>`, "首封")
		// The applicant's page has no asset section.
		judge.get("/parties/"+c1.Applicants()[0].PartyID.String()).lacks(t, `id="party-assets"`)
		// A court that has no case of the debtor: not found.
		userBrowser(t, env, "dp.outsider", access.RolePostJudge, "皖01").get("/parties/"+debtorID.String()).must(t, 404)
	})
}
