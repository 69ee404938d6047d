package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
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
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// generatedCampaignSize is how many participants TestS4GeneratedCampaign
// generates: ZHIXING_CAMPAIGN_SIZE when set (.ci/run sets 100,000 for
// SQLite), else 5,000 on SQLite and 2,000 on PostgreSQL.
func generatedCampaignSize(t *testing.T, engine store.Engine) int {
	if s := os.Getenv("ZHIXING_CAMPAIGN_SIZE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			t.Fatalf("ZHIXING_CAMPAIGN_SIZE=%q: a number of at least 10", s)
		}
		if engine == store.Postgres {
			if s := os.Getenv("ZHIXING_CAMPAIGN_SIZE_POSTGRES"); s != "" {
				if n, err = strconv.Atoi(s); err != nil || n < 10 {
					t.Fatalf("ZHIXING_CAMPAIGN_SIZE_POSTGRES=%q: a number of at least 10", s)
				}
			}
		}
		return n
	}
	if engine == store.Postgres {
		return 2_000
	}
	return 5_000
}

// TestS4GeneratedCampaign (SCENARIOS S4, PERFORMANCE "built for hundreds
// of thousands"): a generated campaign of N participants (100,000 in CI)
// from the victim list to the money in their accounts. The staff steps go
// through the server: the victim list (one CSV), publication, the review
// in one go, the round (one batch of N payouts), the batch's two approvals.
// The participants' steps run the public endpoints' own code, many
// participants per transaction as a generator does (each registration
// checks its ID number, its phone code and its uniqueness; each answer its
// link); a sample also goes through the public HTTP endpoints. The Payer
// then sends every payout to the bank simulator and applies the results.
// Nothing may be lost or doubled: each participant's share is their loss ×
// the ratio, floored; the bank paid each payout once; each paid participant
// was told once; the ledger verifies.
func TestS4GeneratedCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("a generated campaign")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		n := generatedCampaignSize(t, db.Engine())
		ctx := context.Background()
		env := apptest.New(t, db)
		bk := env.Bank(t)
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		leader := env.Login(t, access.From(staff.Leader).Username, apptest.Password)
		chief := env.Login(t, access.From(staff.Chief).Username, apptest.Password)
		_, reception := env.Token(t, "s4g.window", access.RoleWindowReception, "粤0607")
		phase := time.Now()
		step := func(what string) {
			t.Logf("%s: %s", what, time.Since(phase).Round(time.Millisecond))
			phase = time.Now()
		}

		c := fileAgainst(t, env, reception, 4402, sample.Organization(4402), 100_000_000_00)
		caseID := uuid.MustParse(c.ID)
		var l api.CaseLedgerOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/ledger", judge, nil).JSON(t, &l)
		var debtor string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtor = a.PartyID
			}
		}
		// About ¥3,000 of loss each, a quarter recovered: the simulated
		// custody account (¥100 million) covers a round of 100,000.
		type person struct {
			id, name, phone, token string
			loss                   int64
		}
		people := make([]person, n)
		var list strings.Builder
		list.WriteString("身份证号,姓名,损失金额\n")
		var losses int64
		born := legal.NewDate(1960, time.January, 1)
		for i := range people {
			p := &people[i]
			p.id = legal.MakeResidentID("360502", born.AddDays(i/1000), i%1000)
			p.name = sample.Person(i).Name
			p.phone = fmt.Sprintf("15%09d", i)
			p.loss = int64(500_00 + (i*7919)%5_000_00)
			losses += p.loss
			fmt.Fprintf(&list, "%s,%s,%d.%02d\n", p.id, p.name, p.loss/100, p.loss%100)
		}
		recovered := losses / 4
		if _, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: uuid.MustParse(c.CourtID), CaseID: caseID,
				PartyID: uuid.MustParse(debtor), AmountFen: recovered, RequestID: uuid.New(), ReceiptRef: "HD-S4G"})
		}); err != nil {
			t.Fatal(err)
		}
		var m api.CampaignOut
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/campaigns", judge, map[string]any{"debtor_party_id": debtor,
			"title": "某理财平台非法吸收公众存款案退赔", "judgment_no": "（2025）赣05刑初9号",
			"registration_until": legal.Today(time.Now()).AddDays(30).String()})
		if r.Status != http.StatusCreated {
			t.Fatalf("campaign: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &m)
		campaign := uuid.MustParse(m.ID)
		if r := env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/victims", judge, map[string]any{"csv": list.String()}); r.Status != http.StatusOK {
			t.Fatalf("victims: %d %.500s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/opening", judge, nil); r.Status != http.StatusOK {
			t.Fatalf("open: %d %s", r.Status, r.Body)
		}
		step(fmt.Sprintf("case, money and a campaign with a victim list of %d", n))

		// Registration: a sample through the public endpoints (a code
		// sent by SMS, then the claim), the rest through the same code in
		// transactions of 500, each with its own phone code.
		const sampled = 20
		for i := range sampled {
			p := &people[i]
			if r := env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/codes", "", map[string]any{"phone": p.phone}); r.Status != http.StatusAccepted {
				t.Fatalf("code %d: %d %s", i, r.Status, r.Body)
			}
			var body string
			if err := db.QueryRow(ctx, `SELECT body FROM sms_outbox WHERE phone = ? ORDER BY created_at DESC LIMIT 1`, p.phone).Scan(&body); err != nil {
				t.Fatal(err)
			}
			code := body[strings.Index(body, "验证码 ")+len("验证码 "):][:6]
			var reg struct{ Token string }
			r := env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/claims", "", map[string]any{"id_number": p.id, "name": p.name,
				"phone": p.phone, "code": code, "claimed_fen": p.loss, "payee_account_no": "6222" + p.phone, "payee_bank": "工商银行新余分行"})
			if r.Status != http.StatusCreated {
				t.Fatalf("register %d: %d %s", i, r.Status, r.Body)
			}
			r.JSON(t, &reg)
			p.token = reg.Token
		}
		const code = "246810"
		for from := sampled; from < n; from += 500 {
			to := min(from+500, n)
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				phones := make([]string, 0, to-from)
				for i := from; i < to; i++ {
					phones = append(phones, people[i].phone)
				}
				if err := massclaim.IssueCodes(ctx, tx, campaign, phones, code); err != nil {
					return err
				}
				for i := from; i < to; i++ {
					p := &people[i]
					_, token, err := massclaim.Register(ctx, tx, campaign, massclaim.RegisterInput{IDNumber: p.id, Name: p.name, Phone: p.phone, Code: code,
						ClaimedFen: p.loss, PayeeAccountNo: "6222" + p.phone, PayeeBank: "工商银行新余分行"})
					if err != nil {
						return fmt.Errorf("participant %d: %w", i, err)
					}
					p.token = token
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		step(fmt.Sprintf("%d registrations", n))
		// The same ID number again is refused, however it comes.
		env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/codes", "", map[string]any{"phone": "13900000001"})
		var again string
		if err := db.QueryRow(ctx, `SELECT body FROM sms_outbox WHERE phone = '13900000001'`).Scan(&again); err != nil {
			t.Fatal(err)
		}
		dup := people[n-1]
		if r := env.Do(t, http.MethodPost, "/api/v1/public/campaigns/"+m.ID+"/claims", "", map[string]any{"id_number": dup.id, "name": dup.name,
			"phone": "13900000001", "code": again[strings.Index(again, "验证码 ")+len("验证码 "):][:6], "claimed_fen": 1, "payee_account_no": "6222000011112222",
			"payee_bank": "工商银行"}); r.Status != http.StatusConflict || r.Problem(t).Code != "already_registered" {
			t.Fatalf("an ID number registered twice: %d %s", r.Status, r.Body)
		}

		var reviewed struct{ Eligible, Ineligible int }
		env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/review", judge, nil).JSON(t, &reviewed)
		if reviewed.Eligible != n || reviewed.Ineligible != 0 {
			t.Fatalf("review: %+v", reviewed)
		}
		step("the review")
		// Answers: one objection through the public endpoint, decided by
		// the judge; a sample confirms through it; the rest confirm.
		if r := env.Do(t, http.MethodPost, "/api/v1/public/claims/"+people[0].token+"/answer", "", map[string]any{"confirm": false,
			"objection": "另有一笔投资款未计入"}); r.Status != http.StatusOK {
			t.Fatalf("objection: %d %s", r.Status, r.Body)
		}
		for i := 1; i < sampled; i++ {
			if r := env.Do(t, http.MethodPost, "/api/v1/public/claims/"+people[i].token+"/answer", "", map[string]any{"confirm": true}); r.Status != http.StatusOK {
				t.Fatalf("answer %d: %d %s", i, r.Status, r.Body)
			}
		}
		for from := sampled; from < n; from += 1000 {
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				for i := from; i < min(from+1000, n); i++ {
					if _, err := massclaim.Answer(ctx, tx, people[i].token, true, ""); err != nil {
						return fmt.Errorf("participant %d: %w", i, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var objected api.List[api.ClaimOut]
		env.Do(t, http.MethodGet, "/api/v1/campaigns/"+m.ID+"/claims?status=objected", judge, nil).JSON(t, &objected)
		if len(objected.Items) != 1 {
			t.Fatalf("objected: %+v", objected.Items)
		}
		people[0].loss += 1_000_00
		losses += 1_000_00
		if r := env.Do(t, http.MethodPost, "/api/v1/claims/"+objected.Items[0].ID+"/decision", judge, map[string]any{
			"final_fen": people[0].loss, "note": "核实转账凭证"}); r.Status != http.StatusOK {
			t.Fatalf("decision: %d %s", r.Status, r.Body)
		}
		step("the answers")

		// One round, one batch of n payouts, two approvals by its total.
		var round api.RoundOut
		r = env.Do(t, http.MethodPost, "/api/v1/campaigns/"+m.ID+"/rounds", judge, map[string]any{})
		if r.Status != http.StatusCreated {
			t.Fatalf("round: %d %.500s", r.Status, r.Body)
		}
		r.JSON(t, &round)
		if round.Claims != n || round.PaidFen+round.CarriedFen != recovered || round.BatchID == "" {
			t.Fatalf("round: %+v", round)
		}
		step("the round")
		for i, who := range []string{leader, chief} {
			var b api.PayoutBatchOut
			r := env.Do(t, http.MethodPost, "/api/v1/payout-batches/"+round.BatchID+"/approvals", who, map[string]any{"approve": true})
			if r.Status != http.StatusOK {
				t.Fatalf("approval %d: %d %s", i+1, r.Status, r.Body)
			}
			r.JSON(t, &b)
			if b.Payouts != n || b.TotalFen != round.PaidFen || b.ApprovedLevels != i+1 {
				t.Fatalf("approval %d: %+v", i+1, b)
			}
		}
		step("the batch's approvals")

		// The bank: every payout sent, carried out, its result applied.
		payer := funds.NewPayer(db, funds.PayerConfig{Bank: bk.Client, Batch: 500, Lease: time.Nanosecond, Backoff: time.Nanosecond})
		for idle := 0; idle < 2; {
			res, err := payer.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ran := bk.Sim.RunDue(ctx); !res.Busy() && ran == 0 {
				idle++
			} else {
				idle = 0
			}
		}
		step("the bank")

		st := bk.Sim.Stats()
		if st.DoublePayments != 0 {
			t.Errorf("bank: %+v", st)
		}
		var b api.PayoutBatchOut
		env.Do(t, http.MethodGet, "/api/v1/payout-batches/"+round.BatchID, judge, nil).JSON(t, &b)
		if b.Counts["settled"]+b.Counts["returned"]+b.Counts["failed"] != n || b.Counts["settled"] < n*9/10 {
			t.Errorf("the batch after the bank: %+v", b.Counts)
		}
		// Each share is the loss × the ratio, floored; together the round.
		var shares, wrong int64
		rows, err := db.Query(ctx, `SELECT c.id_number, c.final_fen, c.paid_fen, s.share_fen FROM claims c JOIN claim_shares s ON s.claim_id = c.id
			WHERE c.campaign_id = ?`, campaign)
		if err != nil {
			t.Fatal(err)
		}
		byID := make(map[string]int64, n)
		for i := range people {
			byID[people[i].id] = people[i].loss
		}
		count := 0
		for rows.Next() {
			var id string
			var final, paid, share int64
			if err := rows.Scan(&id, &final, &paid, &share); err != nil {
				t.Fatal(err)
			}
			count++
			shares += share
			if final != byID[id] || share != paid || share != final*recovered/losses {
				wrong++
			}
		}
		rows.Close()
		if count != n || wrong != 0 || shares != round.PaidFen {
			t.Errorf("%d shares, %d wrong, %d fen shared of %d", count, wrong, shares, round.PaidFen)
		}
		// Told once each, at the phone they registered.
		var told, phones int
		if err := db.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT phone) FROM party_messages WHERE kind = 'funds_paid' AND phone LIKE '15%'`).
			Scan(&told, &phones); err != nil {
			t.Fatal(err)
		}
		if told != b.Counts["settled"]+b.Counts["returned"] || phones != told {
			t.Errorf("%d messages to %d phones for %d payouts paid", told, phones, b.Counts["settled"]+b.Counts["returned"])
		}
		// A participant sees their own claim, and only theirs.
		var own api.ClaimOut
		env.Do(t, http.MethodGet, "/api/v1/public/claims/"+people[n/2].token, "", nil).JSON(t, &own)
		if own.Name != people[n/2].name || own.PaidFen != people[n/2].loss*recovered/losses || strings.Contains(own.IDNumber, people[n/2].id[6:14]) {
			t.Errorf("participant %d sees %+v", n/2, own)
		}
		rep, err := funds.Verify(ctx, db)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %+v %v", rep.Problems, err)
		}
		step("the checks")
	})
}
