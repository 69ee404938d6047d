package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web"
)

// TestPublicCodeLimit: one client address may ask for only so many phone
// codes (each a text message the court pays for, on endpoints that need no
// sign-in): beyond the limit the API answers 429 too_many_codes with
// Retry-After and the public page says so; other requests pass.
func TestPublicCodeLimit(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.NewWith(t, db, func(a *app.App) { a.CodeLimit = web.Limit{Rate: rate.Every(time.Hour), Burst: 3} })
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 6401, 10_000_000)
		m := massCampaign(t, s, c, massPeople(640_000, 2), true)
		codes := "/api/v1/public/campaigns/" + m.ID.String() + "/codes"
		for i := range 3 {
			if r := env.Do(t, http.MethodPost, codes, "", map[string]any{"phone": "1390000000" + string(rune('0'+i))}); r.Status != http.StatusAccepted {
				t.Fatalf("code %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		r := env.Do(t, http.MethodPost, codes, "", map[string]any{"phone": "13900000009"})
		if r.Status != http.StatusTooManyRequests || r.Problem(t).Code != "too_many_codes" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("a fourth code from one address: %d %v %s", r.Status, r.Header, r.Body)
		}
		b := newBrowser(t, env)
		b.post("/m/"+m.ID.String()+"/code", url.Values{"phone": {"13900000008"}}).must(t, 429, "发送验证码过于频繁")
		// The campaign's public page and other requests are not limited.
		b.get("/m/"+m.ID.String()).must(t, 200)
		if r := env.Do(t, http.MethodGet, "/api/v1/public/campaigns/"+m.ID.String(), "", nil); r.Status != http.StatusOK {
			t.Errorf("the public campaign: %d", r.Status)
		}
	})
}
