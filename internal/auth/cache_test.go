package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestPrincipalCacheRevocation: Authenticate answers a token from memory,
// yet every change made through the service in this process that ends a
// session or changes what it stands for is seen by the next Authenticate,
// cached answer or not.
func TestPrincipalCacheRevocation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		// Many sign-ins from one address in one instant of the test clock.
		b.svc = auth.New(db, auth.Config{Hash: cheap, Now: b.clock.Now, IPRate: 1000, IPBurst: 1000})
		b.user(t, "fs.admin", access.RoleCourtAdmin, "粤06", "secret123")
		admin := b.as(t, "fs.admin", "secret123")

		// signIn logs a user in and authenticates twice, so that the token's
		// principal is in the cache when the change under test is made.
		signIn := func(t *testing.T, username string) string {
			t.Helper()
			res, err := b.login(username, "secret123")
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := b.svc.Authenticate(context.Background(), res.Token); err != nil {
					t.Fatal(err)
				}
			}
			return res.Token
		}
		refused := func(t *testing.T, token string) {
			t.Helper()
			_, err := b.svc.Authenticate(context.Background(), token)
			wantCode(t, err, "invalid_token")
		}

		t.Run("logout", func(t *testing.T) {
			b.user(t, "ss.logout", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.logout")
			p, _ := b.svc.Authenticate(context.Background(), token)
			if err := b.svc.Logout(access.With(context.Background(), p)); err != nil {
				t.Fatal(err)
			}
			refused(t, token)
		})

		t.Run("a logout while others use the token", func(t *testing.T) {
			b.user(t, "ss.busy", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.busy")
			// Readers racing the logout may read the session before it ends
			// and cache it after: what they cache must not be used. (A probe
			// for the race detector; cache_internal_test.go pins the rule.)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
							_, _ = b.svc.Authenticate(context.Background(), token)
						}
					}
				})
			}
			p, err := b.svc.Authenticate(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.svc.Logout(access.With(context.Background(), p)); err != nil {
				t.Fatal(err)
			}
			for range 20 {
				refused(t, token)
			}
			close(stop)
			wg.Wait()
			refused(t, token)
		})

		t.Run("disabling the user", func(t *testing.T) {
			u := b.user(t, "ss.disable", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.disable")
			if _, err := b.svc.SetDisabled(admin, u.ID, true); err != nil {
				t.Fatal(err)
			}
			refused(t, token)
		})

		t.Run("a password reset", func(t *testing.T) {
			u := b.user(t, "ss.reset", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.reset")
			if _, err := b.svc.ResetPassword(admin, u.ID, ""); err != nil {
				t.Fatal(err)
			}
			refused(t, token)
		})

		t.Run("a password change ends the other sessions only", func(t *testing.T) {
			b.user(t, "ss.change", access.RoleClerk, "粤0607", "secret123")
			other, current := signIn(t, "ss.change"), signIn(t, "ss.change")
			p, _ := b.svc.Authenticate(context.Background(), current)
			if err := b.svc.ChangeOwnPassword(access.With(context.Background(), p), "secret123", "secret456"); err != nil {
				t.Fatal(err)
			}
			refused(t, other)
			if _, err := b.svc.Authenticate(context.Background(), current); err != nil {
				t.Fatalf("the session that changed the password: %v", err)
			}
		})

		t.Run("a new role", func(t *testing.T) {
			u := b.user(t, "ss.role", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.role")
			role := access.RoleJudgeAssistant
			if _, err := b.svc.UpdateUser(admin, u.ID, auth.UserPatch{Role: &role}); err != nil {
				t.Fatal(err)
			}
			refused(t, token)
		})

		t.Run("a new display name", func(t *testing.T) {
			u := b.user(t, "ss.name", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.name")
			name := "新名字"
			if _, err := b.svc.UpdateUser(admin, u.ID, auth.UserPatch{DisplayName: &name}); err != nil {
				t.Fatal(err)
			}
			p, err := b.svc.Authenticate(context.Background(), token)
			if err != nil || p.DisplayName != name {
				t.Fatalf("principal %+v (%v), want the new name", p, err)
			}
		})

		t.Run("a role's permissions", func(t *testing.T) {
			b.user(t, "ss.perm", access.RoleClerk, "粤0607", "secret123")
			token := signIn(t, "ss.perm")
			p, _ := b.svc.Authenticate(context.Background(), token)
			if p.Can(access.TriageManage) {
				t.Fatal("a clerk manages triage rules already")
			}
			perms := append(p.Permissions(), access.TriageManage)
			if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
				_, err := auth.UpdateRole(ctx, tx, access.RoleClerk, auth.RolePatch{Permissions: &perms})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			p, err := b.svc.Authenticate(context.Background(), token)
			if err != nil || !p.Can(access.TriageManage) {
				t.Fatalf("principal lacks the permission just granted (%v)", err)
			}
		})

		t.Run("a court added below", func(t *testing.T) {
			b.user(t, "fs.chief", access.RoleBureauChief, "粤06", "secret123")
			token := signIn(t, "fs.chief")
			fs, err := org.GetCourt(sys, db, courtID(t, db, "粤06"))
			if err != nil {
				t.Fatal(err)
			}
			var c org.Court
			if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) (err error) {
				c, err = org.CreateCourt(ctx, tx, org.CourtInput{Code: "粤0609", Name: "佛山市测试区人民法院", ShortName: "测试法院",
					Level: org.Basic, ParentID: fs.ID, DivisionCode: "440609"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			p, err := b.svc.Authenticate(context.Background(), token)
			if err != nil || !p.Sees(c.ID) {
				t.Fatalf("the bureau chief does not see the court just added below (%v)", err)
			}
		})
	})
}

// TestPrincipalCacheBound: what the cache cannot see — a session ended by
// another process, here by hand in the database — takes effect within
// PrincipalTTL; with the cache off, at once.
func TestPrincipalCacheBound(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		b.user(t, "ss.clerk", access.RoleClerk, "粤0607", "secret123")
		res, err := b.login("ss.clerk", "secret123")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Authenticate(context.Background(), res.Token); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ?`, b.clock.Now(), res.Session.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Authenticate(context.Background(), res.Token); err != nil {
			t.Fatalf("within the TTL the cached answer stands: %v", err)
		}
		uncached := auth.New(db, auth.Config{Hash: cheap, Now: b.clock.Now, PrincipalTTL: -1})
		_, err = uncached.Authenticate(context.Background(), res.Token)
		wantCode(t, err, "invalid_token")
		b.clock.Add(5 * time.Second)
		_, err = b.svc.Authenticate(context.Background(), res.Token)
		wantCode(t, err, "invalid_token")
	})
}
