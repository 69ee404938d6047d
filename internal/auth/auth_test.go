package auth_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var sys = access.With(context.Background(), access.System("测试"))

// cheap hashing keeps the tests fast; the format is the production one.
var cheap = auth.HashParams{Memory: 64, Time: 1, Threads: 1}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type bundle struct {
	db    *store.DB
	svc   *auth.Service
	clock *clock
}

func setup(t *testing.T, db *store.DB) *bundle {
	c := &clock{now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	return &bundle{db: db, clock: c, svc: auth.New(db, auth.Config{Hash: cheap, Now: c.Now})}
}

func courtID(t *testing.T, db *store.DB, code string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := db.QueryRow(sys, `SELECT id FROM courts WHERE code = ?`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (b *bundle) user(t *testing.T, username, role, court, password string) auth.User {
	t.Helper()
	in := auth.UserInput{CourtID: courtID(t, b.db, court), Username: username, DisplayName: "测试用户", Role: role, Password: password}
	if role == access.RoleAgencyOperator {
		in.AgencyCode = "icbc" // an operator works for an agency
	}
	u, err := b.svc.CreateUser(sys, in)
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u
}

func (b *bundle) login(username, password string) (auth.LoginResult, error) {
	return b.svc.Login(context.Background(), auth.LoginInput{Username: username, Password: password, Kind: auth.KindBearer, IP: "127.0.0.1"})
}

func (b *bundle) as(t *testing.T, username, password string) context.Context {
	t.Helper()
	res, err := b.login(username, password)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	p, err := b.svc.Authenticate(context.Background(), res.Token)
	if err != nil {
		t.Fatal(err)
	}
	return access.With(context.Background(), p)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	h := auth.HashPassword("correct horse 1", cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if ok, weak := auth.CheckPassword("correct horse 1", h, cheap); !ok || weak {
		t.Fatalf("right password: ok=%v weak=%v", ok, weak)
	}
	if ok, _ := auth.CheckPassword("correct horse 2", h, cheap); ok {
		t.Fatal("wrong password accepted")
	}
	if _, weak := auth.CheckPassword("correct horse 1", h, auth.DefaultHashParams); !weak {
		t.Fatal("a cheaper hash than the default is not flagged for rehash")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", "$2a$10$bcrypt", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5"} {
		if ok, _ := auth.CheckPassword("x", bad, cheap); ok {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	for pw, ok := range map[string]bool{"abcdefg1": true, "abcdefgh": false, "12345678": false, "ab1": false,
		"中文密码加数字12": true, strings.Repeat("a1", 65): false} {
		if got := auth.CheckPasswordPolicy(pw, "p") == nil; got != ok {
			t.Errorf("policy(%q) = %v, want %v", pw, got, ok)
		}
	}
	for range 20 {
		if pw := auth.GeneratePassword(); auth.CheckPasswordPolicy(pw, "p") != nil || len(pw) != 12 {
			t.Fatalf("generated %q breaks the policy", pw)
		}
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "zhang.san", access.RoleClerk, "粤0607", "secret123")

		t.Run("right password opens a session", func(t *testing.T) {
			res, err := b.login("  Zhang.San ", "secret123")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Token, "zx_") || res.User.Username != "zhang.san" {
				t.Fatalf("result %+v", res)
			}
			if got := res.Session.ExpiresAt.Sub(b.clock.Now()); got != 12*time.Hour {
				t.Fatalf("session lasts %v, want 12h", got)
			}
			p, err := b.svc.Authenticate(context.Background(), res.Token)
			if err != nil {
				t.Fatal(err)
			}
			if p.Username != "zhang.san" || p.Role != access.RoleClerk || p.CourtCode != "粤0607" || !p.Sees(p.CourtID) {
				t.Fatalf("principal %+v", p)
			}
		})

		t.Run("wrong password and unknown user answer alike", func(t *testing.T) {
			_, errWrong := b.login("zhang.san", "wrong1234")
			_, errNobody := b.login("nobody", "wrong1234")
			if errWrong.Error() != errNobody.Error() || apperr.KindOf(errWrong) != apperr.Unauthenticated {
				t.Fatalf("wrong password: %v; unknown user: %v", errWrong, errNobody)
			}
		})

		t.Run("forged and malformed tokens are refused", func(t *testing.T) {
			for _, tok := range []string{"", "zx_", "zx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Bearer x", strings.Repeat("z", 500)} {
				_, err := b.svc.Authenticate(context.Background(), tok)
				wantCode(t, err, "invalid_token")
			}
		})
	})
}

func TestLockout(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "li.si", access.RoleClerk, "粤0607", "secret123")
		for range 4 {
			_, err := b.login("li.si", "wrong1234")
			wantCode(t, err, "invalid_credentials")
			_, err = b.login("ghost", "wrong1234")
			wantCode(t, err, "invalid_credentials")
			b.clock.Add(4 * time.Second) // slow enough for the per-address limit
		}
		// The fifth failure locks the name, existing or not, in the same words.
		_, errReal := b.login("li.si", "wrong1234")
		_, errGhost := b.login("ghost", "wrong1234")
		wantCode(t, errReal, "account_locked")
		if errReal.Error() != errGhost.Error() {
			t.Fatalf("locked answers differ: %v / %v", errReal, errGhost)
		}
		// Locked means locked, even with the right password.
		_, err := b.login("li.si", "secret123")
		wantCode(t, err, "account_locked")
		// It passes.
		b.clock.Add(16 * time.Minute)
		if _, err := b.login("li.si", "secret123"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// The lock was audited in 三水's chain.
		var n int
		if err := db.QueryRow(sys, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.locked'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("user.locked records = %d (%v), want 1 (only the real user)", n, err)
		}
	})
}

func TestIPThrottle(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		var throttled int
		for i := range 15 {
			_, err := b.svc.Login(context.Background(), auth.LoginInput{Username: "user" + string(rune('a'+i)), Password: "x",
				Kind: auth.KindCookie, IP: "10.0.0.9"})
			if apperr.CodeOf(err) == "too_many_attempts" {
				throttled++
			}
		}
		if throttled != 5 {
			t.Fatalf("throttled %d of 15 attempts, want 5 (burst 10)", throttled)
		}
		// Another address is not affected; the throttled one recovers.
		_, err := b.svc.Login(context.Background(), auth.LoginInput{Username: "x", Password: "x", Kind: auth.KindCookie, IP: "10.0.0.10"})
		wantCode(t, err, "invalid_credentials")
		b.clock.Add(10 * time.Second)
		_, err = b.svc.Login(context.Background(), auth.LoginInput{Username: "x", Password: "x", Kind: auth.KindCookie, IP: "10.0.0.9"})
		wantCode(t, err, "invalid_credentials")
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "wang.wu", access.RoleClerk, "粤0607", "secret123")
		res, err := b.login("wang.wu", "secret123")
		if err != nil {
			t.Fatal(err)
		}
		// Used every 90 minutes, it stays alive past the 2-hour idle limit …
		for range 7 {
			b.clock.Add(90 * time.Minute)
			if _, err := b.svc.Authenticate(context.Background(), res.Token); err != nil {
				t.Fatalf("active session ended at %v: %v", b.clock.Now(), err)
			}
		}
		// … but not past its 12-hour life.
		b.clock.Add(90 * time.Minute)
		_, err = b.svc.Authenticate(context.Background(), res.Token)
		wantCode(t, err, "invalid_token")

		// Left alone for 2 hours, a session ends.
		res, err = b.login("wang.wu", "secret123")
		if err != nil {
			t.Fatal(err)
		}
		b.clock.Add(2 * time.Hour)
		_, err = b.svc.Authenticate(context.Background(), res.Token)
		wantCode(t, err, "invalid_token")

		// Purging removes only sessions ended more than a day ago.
		b.clock.Add(25 * time.Hour)
		n, err := b.svc.PurgeExpired(sys)
		if err != nil || n < 2 {
			t.Fatalf("purged %d (%v), want the 2 ended sessions", n, err)
		}
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "zhao.liu", access.RoleClerk, "粤0607", "secret123")
		res, _ := b.login("zhao.liu", "secret123")
		p, err := b.svc.Authenticate(context.Background(), res.Token)
		if err != nil {
			t.Fatal(err)
		}
		ctx := access.With(context.Background(), p)
		if err := b.svc.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.Logout(ctx); err != nil { // twice is harmless
			t.Fatal(err)
		}
		_, err = b.svc.Authenticate(context.Background(), res.Token)
		wantCode(t, err, "invalid_token")
	})
}

func TestUserManagement(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "foshan.admin", access.RoleCourtAdmin, "粤06", "secret123")
		admin := b.as(t, "foshan.admin", "secret123")
		sanshui := courtID(t, db, "粤0607")

		t.Run("creates users in its courts", func(t *testing.T) {
			u, err := b.svc.CreateUser(admin, auth.UserInput{CourtID: sanshui, Username: "ss.clerk", DisplayName: "陈书记员",
				Role: access.RoleClerk, Password: "secret123", Phone: "13800138000"})
			if err != nil {
				t.Fatal(err)
			}
			if u.CourtCode != "粤0607" || u.RoleName != "书记员" {
				t.Fatalf("user %+v", u)
			}
		})

		t.Run("bad input is refused with the fields at fault", func(t *testing.T) {
			_, err := b.svc.CreateUser(admin, auth.UserInput{CourtID: sanshui, Username: "1bad name", DisplayName: "",
				Role: access.RoleClerk, Password: "short", Phone: "12345"})
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 4 {
				t.Fatalf("err = %#v, want 4 field errors", err)
			}
		})

		t.Run("a duplicate user name is refused", func(t *testing.T) {
			_, err := b.svc.CreateUser(admin, auth.UserInput{CourtID: sanshui, Username: "SS.Clerk", DisplayName: "重名",
				Role: access.RoleClerk, Password: "secret123"})
			wantCode(t, err, "duplicate_username")
		})

		t.Run("no users in courts outside its scope", func(t *testing.T) {
			_, err := b.svc.CreateUser(admin, auth.UserInput{CourtID: courtID(t, db, "赣0502"), Username: "yushui.x",
				DisplayName: "渝水", Role: access.RoleClerk, Password: "secret123"})
			wantCode(t, err, "unknown_court")
		})

		t.Run("cannot grant a wider role than its own", func(t *testing.T) {
			_, err := b.svc.CreateUser(admin, auth.UserInput{CourtID: sanshui, Username: "ss.root", DisplayName: "越权",
				Role: access.RoleSysAdmin, Password: "secret123"})
			if apperr.KindOf(err) != apperr.Forbidden {
				t.Fatalf("err = %v, want Forbidden", err)
			}
		})

		t.Run("cannot take over a system administrator", func(t *testing.T) {
			root, err := b.svc.CreateUser(sys, auth.UserInput{CourtID: sanshui, Username: "ss.sysadmin", DisplayName: "系统",
				Role: access.RoleSysAdmin, Password: "secret123"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.svc.ResetPassword(admin, root.ID, "hijack1234"); apperr.KindOf(err) != apperr.Forbidden {
				t.Fatalf("reset: %v, want Forbidden", err)
			}
			if _, err := b.svc.SetDisabled(admin, root.ID, true); apperr.KindOf(err) != apperr.Forbidden {
				t.Fatalf("disable: %v, want Forbidden", err)
			}
		})

		t.Run("a team must belong to the user's court", func(t *testing.T) {
			var nanhaiTeam uuid.UUID
			if err := db.QueryRow(sys, `SELECT t.id FROM teams t JOIN courts c ON c.id = t.court_id WHERE c.code = '粤0605' LIMIT 1`).Scan(&nanhaiTeam); err != nil {
				t.Fatal(err)
			}
			_, err := b.svc.CreateUser(admin, auth.UserInput{CourtID: sanshui, TeamID: nanhaiTeam, Username: "ss.team",
				DisplayName: "错团队", Role: access.RoleClerk, Password: "secret123"})
			wantCode(t, err, "unknown_team")
		})

		t.Run("reset password signs the user out and forces a change", func(t *testing.T) {
			u := b.user(t, "ss.judge", access.RolePostJudge, "粤0607", "secret123")
			res, _ := b.login("ss.judge", "secret123")
			pw, err := b.svc.ResetPassword(admin, u.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.svc.Authenticate(context.Background(), res.Token); apperr.CodeOf(err) != "invalid_token" {
				t.Fatalf("old session survived a reset: %v", err)
			}
			ctx := b.as(t, "ss.judge", pw)
			if p := access.From(ctx); !p.MustChangePassword {
				t.Fatal("must_change_password not set")
			}
			if err := b.svc.ChangeOwnPassword(ctx, "wrong", "newsecret456"); apperr.CodeOf(err) != "wrong_password" {
				t.Fatalf("change with a wrong current password: %v", err)
			}
			if err := b.svc.ChangeOwnPassword(ctx, pw, "newsecret456"); err != nil {
				t.Fatal(err)
			}
			if p := access.From(b.as(t, "ss.judge", "newsecret456")); p.MustChangePassword {
				t.Fatal("must_change_password still set after the change")
			}
		})

		t.Run("disabling ends sessions and logins; twice is harmless", func(t *testing.T) {
			u := b.user(t, "ss.gone", access.RoleClerk, "粤0607", "secret123")
			res, _ := b.login("ss.gone", "secret123")
			for range 2 {
				if _, err := b.svc.SetDisabled(admin, u.ID, true); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := b.svc.Authenticate(context.Background(), res.Token); apperr.CodeOf(err) != "invalid_token" {
				t.Fatalf("session of a disabled user: %v", err)
			}
			_, err := b.login("ss.gone", "secret123")
			wantCode(t, err, "account_disabled")
			var n int
			if err := db.QueryRow(sys, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.disabled' AND object_id = ?`, u.ID.String()).Scan(&n); err != nil || n != 1 {
				t.Fatalf("user.disabled records = %d, want 1", n)
			}
			if _, err := b.svc.SetDisabled(admin, u.ID, false); err != nil {
				t.Fatal(err)
			}
			if _, err := b.login("ss.gone", "secret123"); err != nil {
				t.Fatalf("re-enabled user cannot log in: %v", err)
			}
		})

		t.Run("cannot disable itself or change its own role", func(t *testing.T) {
			p := access.From(admin)
			_, err := b.svc.SetDisabled(admin, p.UserID, true)
			wantCode(t, err, "self_disable")
			role := access.RoleClerk
			_, err = b.svc.UpdateUser(admin, p.UserID, auth.UserPatch{Role: &role})
			wantCode(t, err, "self_role_change")
		})

		t.Run("lists only users in scope, paged", func(t *testing.T) {
			b.user(t, "yushui.clerk", access.RoleClerk, "赣0502", "secret123")
			seen := map[string]bool{}
			req := page.Request{Limit: 2}
			for {
				pg, err := b.svc.ListUsers(admin, auth.UserFilter{IncludeDisabled: true}, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range pg.Items {
					if !strings.HasPrefix(u.CourtCode, "粤06") {
						t.Fatalf("佛山 admin listed %s of %s", u.Username, u.CourtCode)
					}
					seen[u.Username] = true
				}
				if pg.NextCursor == "" {
					break
				}
				req.Cursor = pg.NextCursor
			}
			if !seen["ss.clerk"] || !seen["foshan.admin"] || seen["yushui.clerk"] {
				t.Fatalf("listed %v", seen)
			}
			_, err := b.svc.ListUsers(admin, auth.UserFilter{}, page.Request{Cursor: "not-a-cursor"})
			wantCode(t, err, "invalid_cursor")
			_, err = b.svc.ListUsers(admin, auth.UserFilter{}, page.Request{Limit: 501})
			wantCode(t, err, "invalid_limit")
		})

		t.Run("moving a user to another court signs them out", func(t *testing.T) {
			u := b.user(t, "ss.mover", access.RoleClerk, "粤0607", "secret123")
			res, _ := b.login("ss.mover", "secret123")
			nanhai := courtID(t, db, "粤0605")
			moved, err := b.svc.UpdateUser(admin, u.ID, auth.UserPatch{CourtID: &nanhai})
			if err != nil {
				t.Fatal(err)
			}
			if moved.CourtCode != "粤0605" {
				t.Fatalf("court = %s", moved.CourtCode)
			}
			if _, err := b.svc.Authenticate(context.Background(), res.Token); apperr.CodeOf(err) != "invalid_token" {
				t.Fatalf("session kept the old court: %v", err)
			}
		})
	})
}

func TestScope(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "fs.chief", access.RoleBureauChief, "粤06", "secret123")
		b.user(t, "gd.chief", access.RoleBureauChief, "粤", "secret123")
		b.user(t, "ss.judge", access.RolePostJudge, "粤0607", "secret123")
		b.user(t, "bank.op", access.RoleAgencyOperator, "粤0607", "secret123")
		b.user(t, "root", access.RoleSysAdmin, "最高法", "secret123")
		ids := map[string]uuid.UUID{}
		for _, c := range []string{"粤", "粤06", "粤0607", "粤0605", "粤04", "粤0491", "赣05", "最高法"} {
			ids[c] = courtID(t, db, c)
		}
		for _, tc := range []struct {
			user string
			sees []string
		}{
			{"fs.chief", []string{"粤06", "粤0607", "粤0605"}},
			{"gd.chief", []string{"粤", "粤06", "粤0607", "粤0605", "粤04", "粤0491"}},
			{"ss.judge", []string{"粤0607"}},
			{"bank.op", nil},
			{"root", []string{"粤", "粤06", "粤0607", "粤0605", "粤04", "粤0491", "赣05", "最高法"}},
		} {
			p := access.From(b.as(t, tc.user, "secret123"))
			for code, id := range ids {
				want := false
				for _, s := range tc.sees {
					want = want || s == code
				}
				if got := p.Sees(id); got != want {
					t.Errorf("%s sees %s: %v, want %v", tc.user, code, got, want)
				}
			}
		}
	})
}
