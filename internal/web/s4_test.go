package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestS4MassClaimCampaign (SCENARIOS S4): a fraud's recovered money returned
// to 1,000 participants end to end through the server. The court publishes
// the campaign with the judgment's victim list; participants register on
// the public endpoints with a phone code (an ID registered twice, a wrong
// code, a bad ID number and someone not on the list are refused or
// excluded); reviewers check every claim against the list in one go; each
// participant confirms or objects through their own link and sees only
// their own claim; an objection is decided; the money is shared pro rata
// in one round and paid in one approved batch; the ledger verifies.
func TestS4MassClaimCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 participants")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		n := 1000
		if db.Engine() == store.Postgres {
			n = 300 // the same flow; PostgreSQL's round trips make 1,000 slow on 2 cores
		}
		env := apptest.New(t, db)
		bk := env.Bank(t)
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		leader := env.Login(t, access.From(staff.Leader).Username, apptest.Password)
		_, reception := env.Token(t, "s4.window", access.RoleWindowReception, "粤0607")
		ctx := context.Background()

		fraudster := sample.Organization(4401)
		c := fileAgainst(t, env, reception, 4401, fraudster, 100_000_000_00)
		var l api.CaseLedgerOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/ledger", judge, nil).JSON(t, &l)
		var debtor string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtor = a.PartyID
			}
		}
		const recovered = 30_000_000_00 // ¥30 million recovered for about ¥50 million of losses
		if _, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: uuid.MustParse(c.CourtID), CaseID: uuid.MustParse(c.ID),
				PartyID: uuid.MustParse(debtor), AmountFen: recovered, RequestID: uuid.New(), ReceiptRef: "HD-S4"})
		}); err != nil {
			t.Fatal(err)
		}

		var m api.CampaignOut
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/campaigns", judge, map[string]any{"debtor_party_id": debtor,
			"title": "江西某食品公司集资诈骗案退赔", "judgment_no": "（2025）赣05刑初8号",
			"registration_until": legal.Today(time.Now()).AddDays(7).String()})
		r.JSON(t, &m)
		if r.Status != http.StatusCreated {
			t.Fatalf("campaign: %d %s", r.Status, r.Body)
		}
		people := make([]struct {
			id, name, phone, token string
			loss                   int64
		}, n)
		var list strings.Builder
		list.WriteString("身份证号,姓名,损失金额\n")
		var losses int64
		for i := range people {
			p := sample.Person(400_000 + i)
			people[i].id, people[i].name, people[i].phone = p.IDNumber, p.Name, fmt.Sprintf("137%08d", i)
			people[i].loss = int64(10_000_00 + (i*7919)%90_000_00)
			losses += people[i].loss
			fmt.Fprintf(&list, "%s,%s,%d.%02d\n", p.IDNumber, p.Name, people[i].loss/100, people[i].loss%100)
		}
		r = env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/victims", judge, map[string]any{"csv": list.String()})
		if r.Status != http.StatusOK {
			t.Fatalf("victims: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/codes", "", map[string]any{"phone": "13700000000"}); r.Status != http.StatusNotFound {
			t.Errorf("a code before publication: %d", r.Status)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/opening", judge, nil); r.Status != http.StatusOK {
			t.Fatalf("open: %d %s", r.Status, r.Body)
		}

		codeOf := func(phone string) string {
			t.Helper()
			var body string
			if err := db.QueryRow(ctx, `SELECT body FROM sms_outbox WHERE phone = ? ORDER BY created_at DESC LIMIT 1`, phone).Scan(&body); err != nil {
				t.Fatal(err)
			}
			i := strings.Index(body, "验证码 ") + len("验证码 ")
			return body[i : i+6]
		}
		register := func(id, name, phone, code string) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/claims", "", map[string]any{"id_number": id, "name": name,
				"phone": phone, "code": code, "claimed_fen": 100_000_00, "payee_account_no": "6217" + phone, "payee_bank": "建设银行新余分行"})
		}
		started := time.Now()
		for i := range people {
			p := &people[i]
			if r := env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/codes", "", map[string]any{"phone": p.phone}); r.Status != http.StatusAccepted ||
				!strings.Contains(string(r.Body), `"sent":true`) {
				t.Fatalf("code %d: %d %s", i, r.Status, r.Body)
			}
			if i == 0 {
				if r := register(p.id, p.name, p.phone, "999999"); codeOf(p.phone) != "999999" && r.Status != http.StatusUnprocessableEntity {
					t.Errorf("a wrong code: %d", r.Status)
				}
			}
			r := register(p.id, p.name, p.phone, codeOf(p.phone))
			var reg struct {
				Claim api.ClaimOut `json:"claim"`
				Token string       `json:"token"`
			}
			r.JSON(t, &reg)
			if r.Status != http.StatusCreated || reg.Token == "" || strings.Contains(reg.Claim.IDNumber, p.id[6:14]) {
				t.Fatalf("register %d: %d %s", i, r.Status, r.Body)
			}
			p.token = reg.Token
		}
		t.Logf("%d registrations through the server in %s", n, time.Since(started).Round(time.Millisecond))
		// Refused or excluded: the same ID twice, a bad ID, a stranger.
		extra := "13699999999"
		env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/codes", "", map[string]any{"phone": extra})
		if r := register(people[5].id, people[5].name, extra, codeOf(extra)); r.Status != http.StatusConflict || r.Problem(t).Code != "already_registered" {
			t.Errorf("the same ID twice: %d %s", r.Status, r.Body)
		}
		bad := people[6].id[:17] + map[bool]string{true: "0", false: "1"}[strings.HasSuffix(people[6].id, "1")]
		if r := register(bad, "某某", extra, codeOf(extra)); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad ID number: %d %s", r.Status, r.Body)
		}
		stranger := sample.Person(499_999)
		r = register(stranger.IDNumber, stranger.Name, extra, codeOf(extra))
		if r.Status != http.StatusCreated {
			t.Fatalf("stranger: %d %s", r.Status, r.Body)
		}

		var reviewed struct{ Eligible, Ineligible int }
		env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/review", judge, nil).JSON(t, &reviewed)
		if reviewed.Eligible != n || reviewed.Ineligible != 1 {
			t.Fatalf("review: %+v", reviewed)
		}
		for i := range people {
			confirm := i != 0
			body := map[string]any{"confirm": confirm}
			if !confirm {
				body["objection"] = "尚有一笔投资款未计入"
			}
			if r := env.Do(t, http.MethodPost, "/api/v1/public/claims/"+people[i].token+"/answer", "", body); r.Status != http.StatusOK {
				t.Fatalf("answer %d: %d %s", i, r.Status, r.Body)
			}
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/public/claims/not-a-token", "", nil); r.Status != http.StatusNotFound {
			t.Errorf("a made-up link: %d", r.Status)
		}
		var registeredList api.List[api.ClaimOut]
		if r := env.Do(t, http.MethodGet, "/api/v1/campaigns/"+m.ID+"/claims?status=registered", judge, nil); r.Status != http.StatusOK {
			t.Errorf("claims by status registered: %d %s", r.Status, r.Body)
		} else if r.JSON(t, &registeredList); len(registeredList.Items) != 0 {
			t.Errorf("%d claims still registered after the review", len(registeredList.Items))
		}
		var objected api.List[api.ClaimOut]
		env.Do(t, http.MethodGet, "/api/v1/campaigns/"+m.ID+"/claims?status=objected", judge, nil).JSON(t, &objected)
		if len(objected.Items) != 1 {
			t.Fatalf("objected: %+v", objected.Items)
		}
		extraLoss := int64(5_000_00)
		if r := env.Do(t, http.MethodPost, "/api/v1/claims/"+objected.Items[0].ID+"/decision", judge, map[string]any{
			"final_fen": objected.Items[0].ReviewedFen + extraLoss, "note": "核实转账凭证"}); r.Status != http.StatusOK {
			t.Fatalf("decision: %d %s", r.Status, r.Body)
		}
		losses += extraLoss

		var round api.RoundOut
		r = env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/rounds", judge, map[string]any{})
		r.JSON(t, &round)
		if r.Status != http.StatusCreated || round.Claims != n || round.PaidFen+round.CarriedFen != recovered || round.BatchID == "" {
			t.Fatalf("round: %d %s", r.Status, r.Body)
		}
		// The round is one batch: its total needs two levels (FUND-6); a
		// payout of it cannot be decided alone; the requester cannot approve.
		batch := "/api/v1/payout-batches/" + round.BatchID
		var members api.List[api.PayoutOut]
		env.Do(t, http.MethodGet, "/api/v1/payouts?batch_id="+round.BatchID+"&limit=5", judge, nil).JSON(t, &members)
		if len(members.Items) != 5 || members.Items[0].BatchID != round.BatchID || members.Items[0].Status != "pending" {
			t.Fatalf("the batch's payouts: %+v", members.Items)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/payouts/"+members.Items[0].ID+"/approvals", leader, map[string]any{"approve": true}); r.Status != http.StatusConflict ||
			r.Problem(t).Code != "in_batch" {
			t.Errorf("one payout of a batch approved alone: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, batch+"/approvals", judge, map[string]any{"approve": true}); r.Status != http.StatusForbidden {
			t.Errorf("the requester approves: %d %s", r.Status, r.Body)
		}
		chief := env.Login(t, access.From(staff.Chief).Username, apptest.Password)
		for i, who := range []string{leader, chief} {
			var b api.PayoutBatchOut
			r := env.Do(t, http.MethodPost, batch+"/approvals", who, map[string]any{"approve": true})
			r.JSON(t, &b)
			if r.Status != http.StatusOK || b.Levels != 2 || b.ApprovedLevels != i+1 || b.Payouts != n || b.TotalFen != round.PaidFen {
				t.Fatalf("approval %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		if r := env.Do(t, http.MethodPost, batch+"/approvals", chief, map[string]any{"approve": true}); r.Status != http.StatusConflict {
			t.Errorf("approved twice: %d %s", r.Status, r.Body)
		}
		bk.Settle(t)
		if st := bk.Sim.Stats(); st.Settled != int64(n) || st.DoublePayments != 0 {
			t.Errorf("bank: %+v", st)
		}
		// Each participant sees their own share: loss × ratio, floored.
		for _, i := range []int{1, n / 2, n - 1} {
			var own api.ClaimOut
			env.Do(t, http.MethodGet, "/api/v1/public/claims/"+people[i].token, "", nil).JSON(t, &own)
			if want := min(people[i].loss, people[i].loss*recovered/losses); own.PaidFen != want || own.Name != people[i].name {
				t.Errorf("participant %d sees %+v, want a share of %d", i, own, want)
			}
		}
		var done api.PayoutBatchOut
		env.Do(t, http.MethodGet, batch, judge, nil).JSON(t, &done)
		if done.Status != "approved" || done.Counts["settled"]+done.Counts["returned"] != n || done.Counts["settled"] < n*9/10 {
			t.Errorf("the batch after the bank: %+v", done)
		}
		var told int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM party_messages WHERE kind = 'funds_paid' AND phone LIKE '137%'`).Scan(&told); err != nil || told != n {
			t.Errorf("%d participants told of their payment (%v), want %d", told, err, n)
		}
		// The returned payout (the first participant's account bounces):
		// they correct the account through their link and the court pays
		// what came back again, in one batch.
		p0 := people[0]
		payee := "/api/v1/public/claims/" + p0.token + "/payee"
		if r := env.Do(t, http.MethodPost, payee, "", map[string]any{"payee_account_no": "12ab", "payee_bank": ""}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad account: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodPost, payee, "", map[string]any{"payee_account_no": "6217 0000 0000 0012 345", "payee_bank": "建设银行新余分行"})
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "2345") || strings.Contains(string(r.Body), "62170000000000012345") {
			t.Fatalf("new account: %d %s", r.Status, r.Body)
		}
		repay := "/api/v1/campaigns/" + m.ID + "/repayments"
		var rb api.PayoutBatchOut
		r = env.Do(t, http.MethodPost, repay, judge, nil)
		r.JSON(t, &rb)
		if r.Status != http.StatusCreated || rb.Payouts != done.Counts["returned"] || rb.TotalFen <= 0 {
			t.Fatalf("repayment: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, repay, judge, nil); r.Status != http.StatusConflict || r.Problem(t).Code != "nothing_to_repay" {
			t.Errorf("repayment asked twice: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/payout-batches/"+rb.ID+"/approvals", leader, map[string]any{"approve": true}); r.Status != http.StatusOK {
			t.Fatalf("repayment approval: %d %s", r.Status, r.Body)
		}
		bk.Settle(t)
		env.Do(t, http.MethodGet, "/api/v1/payout-batches/"+rb.ID, judge, nil).JSON(t, &rb)
		if rb.Counts["settled"] != rb.Payouts {
			t.Errorf("the repayment after the bank: %+v", rb.Counts)
		}
		if r := env.Do(t, http.MethodPost, repay, judge, nil); r.Status != http.StatusConflict {
			t.Errorf("a repayment with nothing held: %d %s", r.Status, r.Body)
		}
		rep, err := funds.Verify(ctx, db)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %+v %v", rep, err)
		}

		// A participant who lost their link gets a new one with their ID
		// number, their phone and a fresh code; the old link dies; a wrong
		// phone learns nothing.
		p := people[7]
		env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/codes", "", map[string]any{"phone": p.phone})
		link := "/api/v1/public/campaigns/" + m.ID + "/links"
		if r := env.Do(t, http.MethodPost, link, "", map[string]any{"id_number": p.id, "phone": extra, "code": codeOf(p.phone)}); r.Status != http.StatusUnprocessableEntity &&
			r.Status != http.StatusNotFound {
			t.Errorf("another phone: %d %s", r.Status, r.Body)
		}
		var again struct{ Token string }
		r = env.Do(t, http.MethodPost, link, "", map[string]any{"id_number": p.id, "phone": p.phone, "code": codeOf(p.phone)})
		r.JSON(t, &again)
		if r.Status != http.StatusOK || again.Token == "" || again.Token == p.token {
			t.Fatalf("new link: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/public/claims/"+p.token, "", nil); r.Status != http.StatusNotFound {
			t.Errorf("the old link still works: %d", r.Status)
		}
		var own api.ClaimOut
		if r := env.Do(t, http.MethodGet, "/api/v1/public/claims/"+again.Token, "", nil); r.Status != http.StatusOK {
			t.Errorf("the new link: %d", r.Status)
		} else if r.JSON(t, &own); own.Name != p.name {
			t.Errorf("the new link shows %+v", own)
		}
	})
}
