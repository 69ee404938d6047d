package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestTransferAnswerFromTheWorklist (TERM-4): 三水 seized a house first;
// 禅城, enforcing a mortgage, waits behind it and asked for it 61 days on.
// 三水's judge finds the request through the navigation on the worklist,
// follows it to the case page, refuses without a reason (the Chinese error
// comes back in place with the letter number typed), then agrees; the
// section updates in place. 禅城's judge signs in and sees the agreement on
// the mortgage case, which now disposes of the house.
func TestTransferAnswerFromTheWorklist(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	ag := env.Agencies(t)
	sanshui := intaketest.NewStaff(t, db, "")
	chancheng := intaketest.NewStaff(t, db, "粤0604")
	ctx := browsertest.Step(t, browser, 120*time.Second)

	debtor := intaketest.Person(8841)
	const ref = "粤(2023)佛山市不动产权第0008841号"
	ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 160_000_000,
		Attributes: map[string]string{"address": "佛山市禅城区人民路88号"}}})
	first := fileCase(t, db, sanshui, 8841, debtor, 0)
	mortgage := fileCase(t, db, chancheng, 8842, debtor, 0)
	ag.Settle(t)
	v, err := assets.ForCase(sanshui.Judge, db, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	var house uuid.UUID
	for _, a := range v.Assets {
		if a.Ref == ref {
			house = a.ID
		}
	}
	seize := func(ctx context.Context, c *cases.Case) *assets.Control {
		t.Helper()
		ctl, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
			return assets.Place(ctx, tx, c.ID, assets.ControlInput{AssetID: house, Reason: "查封房产", RulingNo: c.CaseNo + "之一"})
		})
		if err != nil {
			t.Fatal(err)
		}
		ag.Settle(t)
		return ctl
	}
	held := seize(sanshui.Judge, first)
	waiting := seize(chancheng.Judge, mortgage)
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE controls SET effective_at = ? WHERE id = ?`, time.Now().UTC().AddDate(0, 0, -61), held.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tr, err := store.TransactValue(chancheng.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Transfer, error) {
		return assets.RequestTransfer(ctx, tx, mortgage.ID, assets.TransferInput{ControlID: waiting.ID,
			PriorityClaim: "抵押权（粤(2023)佛山市不动产证明第0018841号）", LetterNo: "（2026）粤0604执商移8号"})
	})
	if err != nil {
		t.Fatal(err)
	}
	id := tr.ID.String()
	row, form := "#transfer-"+id, "#answer-form-"+id

	// The worklist through the navigation, then the case page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		signIn(access.From(sanshui.Judge).Username),
		chromedp.Click(chromedp.CSS(`header nav a[href="/transfer-requests"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.transfers-list`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row); !strings.Contains(got, mortgage.CaseNo) || !strings.Contains(got, "（2026）粤0604执商移8号") ||
		!strings.Contains(got, "待首封法院答复") {
		t.Fatalf("worklist row %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+` a.button`)),
		chromedp.WaitVisible(chromedp.CSS(form)),
	)
	if err != nil {
		t.Fatal(err)
	}

	// Refused without a reason: the error in place, the letter kept.
	const letter = "（2026）粤0607执移8号"
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#answer-letter-`+id), letter),
		chromedp.Click(chromedp.CSS(`#answer-refuse-`+id)),
		chromedp.WaitVisible(chromedp.CSS(form+` .error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, form+` .error`); !strings.Contains(got, "不同意移送的，请写明理由") {
		t.Fatalf("error %q", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#answer-letter-`+id))); err != nil || got != letter {
		t.Fatalf("letter after the refusal %q (%v), want %s", got, err, letter)
	}

	// Agreed: the section swapped in place.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#answer-agree-`+id)),
		chromedp.WaitVisible(chromedp.CSS(`#assets-notice`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#assets-notice`, "已答复同意移送")
	waitText(t, ctx, row, "同意移送")
	waitText(t, ctx, row, "移送执行函 "+letter)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[id^=answer-form-]").length`)); err != nil || n != 0 {
		t.Fatalf("answer forms after answering: %d (%v)", n, err)
	}
	if search, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || search != "" {
		t.Fatalf("after the answer the page is at ?%q (%v): want the section swapped in place", search, err)
	}
	got, err := assets.GetTransfer(sanshui.Judge, db, tr.ID)
	if err != nil || got.Status != assets.TransferAgreed || got.AnswerLetterNo != letter {
		t.Fatalf("transfer after the answer: %+v %v", got, err)
	}

	// 禅城 sees the agreement on the mortgage case.
	crow := "#control-" + waiting.ID.String()
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#logout`)),
		signIn(access.From(chancheng.Judge).Username),
		chromedp.Navigate(env.URL+"/cases/"+mortgage.ID.String()),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row); !strings.Contains(got, "本案发出") || !strings.Contains(got, "同意移送") || !strings.Contains(got, letter) {
		t.Fatalf("mortgage case transfer row %q", got)
	}
	if got := text(t, ctx, crow); !strings.Contains(got, "由本案处分该财产") {
		t.Fatalf("mortgage case control row %q", got)
	}
}
