package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// charted waits until ECharts has drawn into the element css selects.
func charted(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	js := `(function () { var el = document.querySelector(` + "`" + css + "`" + `);
		return !!el && !!window.echarts && !!echarts.getInstanceByDom(el) && !!el.querySelector("canvas") && el.querySelector("canvas").width > 0; })()`
	if ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil || !ok {
		t.Fatalf("no chart drawn in %s (%v)", css, err)
	}
}

// TestCommandCenterBoard (S6): a judge files three cases and closes one;
// the board, reached through the navigation, draws the trend and the
// rankings and shows today's figures; the wall screen has no navigation,
// draws its charts in the dark theme, and when it refreshes it shows a
// case filed since.
func TestCommandCenterBoard(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	staff := intaketest.NewStaff(t, db, "")
	ctx := browsertest.Step(t, browser, 120*time.Second)
	// Errors in the console (a script's exception, a Content-Security-Policy
	// refusal of something ECharts does) fail the test at its end.
	var mu sync.Mutex
	var consoleErrors []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				consoleErrors = append(consoleErrors, m.String())
				mu.Unlock()
			}
		}
	}()

	var filed []*cases.Case
	for i := range 3 {
		filed = append(filed, fileCase(t, db, staff, 4201+i, intaketest.Organization(4201+i), 0))
	}
	if _, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return cases.Transition(ctx, tx, filed[0].ID, cases.TransitionInput{To: "performed", Reason: "被执行人直接向申请人履行", PerformedOutside: true})
	}); err != nil {
		t.Fatal(err)
	}

	err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		signIn(access.From(staff.Judge).Username),
		chromedp.Click(chromedp.CSS(`header nav a[href="/board"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-trend`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	charted(t, ctx, "#chart-trend")
	charted(t, ctx, "#chart-rank-handler")
	if got := text(t, ctx, `#tile-today-received .tile-value`); got != "3 件" {
		t.Errorf("today received %q, want 3 件", got)
	}
	if got := text(t, ctx, `#tile-today-closure-rate .tile-value`); got != "33.33%" {
		t.Errorf("today's 结案率 %q", got)
	}
	if got := text(t, ctx, `#tile-today-closed .tile-change`); !strings.Contains(got, "较昨日增加 1 件") {
		t.Errorf("today's change %q", got)
	}
	// The chart's numbers are in its table too.
	last, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#trend-table tbody tr:last-child").textContent`))
	if err != nil || !strings.Contains(last, "3") {
		t.Errorf("trend table's last day %q (%v)", last, err)
	}

	// The wall screen.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/board?wall=1"),
		chromedp.WaitVisible(chromedp.CSS(`#wall-title`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	charted(t, ctx, "#chart-trend")
	noNav, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("nav, header.top") === null && document.body.classList.contains("wall")`))
	if err != nil || !noNav {
		t.Fatalf("the wall screen has navigation (%v)", err)
	}
	if got := text(t, ctx, `#tile-year-received .tile-value`); got != "3 件" {
		t.Errorf("the wall's year received %q", got)
	}
	// A case filed since appears when the board refreshes (the minute's
	// poll, asked for at once here), and the chart is drawn again.
	fileCase(t, db, staff, 4299, intaketest.Organization(4299), 0)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`htmx.trigger("#board-live", "board-refresh"), true`)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#tile-today-received .tile-value`, "4 件")
	charted(t, ctx, "#chart-trend")
	charted(t, ctx, "#chart-rank-team")
	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(consoleErrors, "\n"))
	}
}
