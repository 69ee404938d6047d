package org_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var sys = access.With(context.Background(), access.System("测试"))

// CODE-1: 法院代字 = province abbreviation + GB/T 2260 digits by level.
func TestCheckCourtCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code  string
		level org.Level
		ok    bool
	}{
		{"最高法", org.Supreme, true},
		{"粤", org.High, true},
		{"内", org.High, true}, // 内蒙古
		{"粤06", org.Intermediate, true},
		{"粤0607", org.Basic, true},
		{"粤0491", org.Basic, true}, // 横琴, a special court
		{"粤2072", org.Basic, true}, // 中山第二法院
		{"浙0783", org.Basic, true},
		{"粤06", org.Basic, false},  // level mismatch
		{"粤0607", org.High, false}, // level mismatch
		{"最高法", org.High, false},
		{"粤", org.Supreme, false},
		{"GD0607", org.Basic, false},
		{"粤607", org.Basic, false},
		{"粤０６０７", org.Basic, false}, // full-width digits are normalised before, not here
		{"", org.High, false},
	} {
		err := org.CheckCourtCode(tc.code, tc.level)
		if (err == nil) != tc.ok {
			t.Errorf("CheckCourtCode(%q, %s) = %v, want ok=%v", tc.code, tc.level, err, tc.ok)
		}
	}
}

func TestSeededCourts(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		courts, err := org.Courts(sys, db)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[uuid.UUID]org.Court{}
		byCode := map[string]org.Court{}
		for _, c := range courts {
			byID[c.ID], byCode[c.Code] = c, c
		}
		// DOMAIN.md §2 seed courts, with their provinces' high courts.
		for code, parent := range map[string]string{
			"粤06": "粤", "粤0604": "粤06", "粤0605": "粤06", "粤0607": "粤06", "粤0606": "粤06", "粤0608": "粤06",
			"赣05": "赣", "赣0502": "赣05", "皖01": "皖", "黔01": "黔", "浙0783": "浙07", "浙07": "浙",
			"粤": "最高法", "赣": "最高法", "皖": "最高法", "黔": "最高法", "浙": "最高法",
		} {
			c, ok := byCode[code]
			if !ok {
				t.Errorf("court %s missing", code)
				continue
			}
			if byID[c.ParentID].Code != parent {
				t.Errorf("%s's parent = %s, want %s", code, byID[c.ParentID].Code, parent)
			}
			if err := org.CheckCourtCode(c.Code, c.Level); err != nil {
				t.Errorf("seed court %s: %v", code, err)
			}
			if want := byID[c.ParentID].Path + c.ID.String() + "/"; c.Path != want {
				t.Errorf("%s path %q, want %q", code, c.Path, want)
			}
		}
		if byCode["粤0607"].Name != "佛山市三水区人民法院" || byCode["粤0607"].DivisionCode != "440607" {
			t.Errorf("三水: %+v", byCode["粤0607"])
		}
		if byCode["赣0502"].Confidence != "check" {
			t.Error("赣0502 is unconfirmed in DOMAIN.md and must be marked check")
		}
		// Every enforcing court has the standard teams.
		pg, err := org.ListTeams(sys, db, org.TeamFilter{CourtID: byCode["粤0607"].ID}, page.Request{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Items) != 13 {
			t.Errorf("三水 has %d teams, want the 13 standard ones", len(pg.Items))
		}
		types, err := org.CaseTypes(sys, db)
		if err != nil {
			t.Fatal(err)
		}
		zi := map[string]string{}
		for _, ct := range types {
			zi[ct.Code] = ct.Zi
		}
		// CODE-2.
		for code, want := range map[string]string{"first_enforcement": "执", "restored_enforcement": "执恢",
			"preservation_enforcement": "执保", "objection": "执异", "review": "执复", "supervision": "执监", "other": "执他"} {
			if zi[code] != want {
				t.Errorf("case type %s = %q, want %q", code, zi[code], want)
			}
		}
	})
}

func admin(t *testing.T, db *store.DB, court string, scope access.Scope, perms ...access.Permission) context.Context {
	t.Helper()
	c, err := org.CourtByCode(sys, db, court)
	if err != nil {
		t.Fatal(err)
	}
	visible := []uuid.UUID{c.ID}
	if scope == access.ScopeSubtree {
		if visible, err = org.Subtree(sys, db, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	p := access.NewPrincipal(access.Principal{UserID: store.NewID(), Username: "admin", DisplayName: "管理员",
		Role: access.RoleCourtAdmin, CourtID: c.ID, Scope: scope}, perms, visible)
	return access.With(context.Background(), p)
}

func TestCourtAdministration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		foshan := admin(t, db, "粤06", access.ScopeSubtree, access.CourtsManage, access.TeamsManage)
		fs, _ := org.CourtByCode(sys, db, "粤06")
		jx, _ := org.CourtByCode(sys, db, "赣05")
		create := func(ctx context.Context, in org.CourtInput) (org.Court, error) {
			var c org.Court
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) (err error) {
				c, err = org.CreateCourt(ctx, tx, in)
				return err
			})
			return c, err
		}

		t.Run("adds a court below one it manages", func(t *testing.T) {
			c, err := create(foshan, org.CourtInput{Code: "粤0609", Name: "佛山市测试区人民法院", ShortName: "测试法院",
				Level: org.Basic, ParentID: fs.ID, DivisionCode: "440609"})
			if err != nil {
				t.Fatal(err)
			}
			if c.Path != fs.Path+c.ID.String()+"/" {
				t.Fatalf("path %q", c.Path)
			}
			sub, _ := org.Subtree(sys, db, fs.ID)
			found := false
			for _, id := range sub {
				found = found || id == c.ID
			}
			if !found {
				t.Fatal("new court not in its parent's subtree")
			}
		})
		for name, tc := range map[string]struct {
			in   org.CourtInput
			code string
		}{
			"outside its scope": {org.CourtInput{Code: "赣0599", Name: "甲", ShortName: "甲", Level: org.Basic, ParentID: jx.ID}, "unknown_parent"},
			"a bad code":        {org.CourtInput{Code: "粤06A", Name: "乙", ShortName: "乙", Level: org.Basic, ParentID: fs.ID}, "invalid_court"},
			"a level not below": {org.CourtInput{Code: "粤07", Name: "丙", ShortName: "丙", Level: org.Intermediate, ParentID: fs.ID}, "invalid_parent"},
			"a duplicate code":  {org.CourtInput{Code: "粤0607", Name: "丁", ShortName: "丁", Level: org.Basic, ParentID: fs.ID}, "duplicate_court"},
			"no name":           {org.CourtInput{Code: "粤0610", Name: " ", ShortName: "戊", Level: org.Basic, ParentID: fs.ID}, "invalid_court"},
		} {
			t.Run("refuses "+name, func(t *testing.T) {
				_, err := create(foshan, tc.in)
				if apperr.CodeOf(err) != tc.code {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
			})
		}
		t.Run("only a system administrator adds a root", func(t *testing.T) {
			_, err := create(foshan, org.CourtInput{Code: "琼", Name: "海南省高级人民法院", ShortName: "海南高院", Level: org.High})
			if apperr.KindOf(err) != apperr.Forbidden {
				t.Fatalf("err = %v, want Forbidden", err)
			}
		})
		t.Run("edits are audited and scoped", func(t *testing.T) {
			ss, _ := org.CourtByCode(sys, db, "粤0607")
			name := "三水区法院"
			err := db.Transact(foshan, func(ctx context.Context, tx *store.Tx) error {
				_, err := org.UpdateCourt(ctx, tx, ss.ID, org.CourtPatch{ShortName: &name})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow(sys, `SELECT COUNT(*) FROM audit_log WHERE action = 'court.updated' AND court_id = ?`, ss.ID).Scan(&n); err != nil || n != 1 {
				t.Fatalf("court.updated records = %d", n)
			}
			err = db.Transact(foshan, func(ctx context.Context, tx *store.Tx) error {
				_, err := org.UpdateCourt(ctx, tx, jx.ID, org.CourtPatch{ShortName: &name})
				return err
			})
			if apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("editing a court out of scope: %v, want NotFound", err)
			}
		})
		t.Run("teams", func(t *testing.T) {
			ss, _ := org.CourtByCode(sys, db, "粤0607")
			var team org.Team
			err := db.Transact(foshan, func(ctx context.Context, tx *store.Tx) (err error) {
				team, err = org.CreateTeam(ctx, tx, org.TeamInput{CourtID: ss.ID, Kind: "field", Name: "外勤二组", Region: "西南街道"})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Transact(foshan, func(ctx context.Context, tx *store.Tx) error {
				_, err := org.CreateTeam(ctx, tx, org.TeamInput{CourtID: ss.ID, Kind: "field", Name: "外勤二组"})
				return err
			})
			if apperr.CodeOf(err) != "duplicate_team" {
				t.Fatalf("duplicate team: %v", err)
			}
			err = db.Transact(foshan, func(ctx context.Context, tx *store.Tx) error {
				_, err := org.CreateTeam(ctx, tx, org.TeamInput{CourtID: ss.ID, Kind: "no_such_kind", Name: "X"})
				return err
			})
			if apperr.CodeOf(err) != "unknown_team_kind" {
				t.Fatalf("unknown kind: %v", err)
			}
			// A 三水-only reader sees the team; a 南海 one does not.
			nanhai := admin(t, db, "粤0605", access.ScopeCourt)
			if _, err := org.GetTeam(nanhai, db, team.ID); apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("南海 reading a 三水 team: %v, want NotFound", err)
			}
			sanshui := admin(t, db, "粤0607", access.ScopeCourt)
			if got, err := org.GetTeam(sanshui, db, team.ID); err != nil || got.Region != "西南街道" {
				t.Fatalf("三水 reading its team: %+v, %v", got, err)
			}
		})
	})
}

func TestTeamKindAdministration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		name := "快执团队"
		off := false
		edit := func(ctx context.Context, patch org.TeamKindPatch) error {
			return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := org.UpdateTeamKind(ctx, tx, "fast", patch)
				return err
			})
		}
		courtAdmin := admin(t, db, "粤0607", access.ScopeCourt, access.TeamsManage)
		if err := edit(courtAdmin, org.TeamKindPatch{Name: &name}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("a court administrator edited a platform-wide kind: %v", err)
		}
		root := admin(t, db, "最高法", access.ScopeAll, access.ReferenceManage, access.TeamsManage)
		if err := edit(root, org.TeamKindPatch{Name: &name, Active: &off}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(sys, `SELECT COUNT(*) FROM audit_log WHERE action = 'team_kind.updated' AND court_id = ?`, audit.Platform).Scan(&n); err != nil || n != 1 {
			t.Fatalf("platform audit records = %d (%v)", n, err)
		}
		ss, _ := org.CourtByCode(sys, db, "粤0607")
		err := db.Transact(root, func(ctx context.Context, tx *store.Tx) error {
			_, err := org.CreateTeam(ctx, tx, org.TeamInput{CourtID: ss.ID, Kind: "fast", Name: "新快执团队"})
			return err
		})
		if apperr.CodeOf(err) != "unknown_team_kind" {
			t.Fatalf("a team of a kind out of use: %v", err)
		}
		blank := " "
		if err := edit(root, org.TeamKindPatch{Name: &blank}); apperr.CodeOf(err) != "invalid_team_kind" {
			t.Fatalf("blank name: %v", err)
		}
	})
}
