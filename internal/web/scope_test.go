package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// The default scope and the users.read permission of every role, as the
// seed data (auth/seed/roles.csv) gives them; written out here so that the
// test does not take its expectations from the code it tests.
var roleDefaults = map[string]struct {
	scope     string
	usersRead bool
}{
	access.RoleSysAdmin:        {"all", true},
	access.RoleCourtAdmin:      {"subtree", true},
	access.RolePostJudge:       {"court", false},
	access.RoleJudgeAssistant:  {"court", false},
	access.RoleClerk:           {"court", false},
	access.RoleCommandCenter:   {"subtree", true},
	access.RoleTeamLeader:      {"court", true},
	access.RoleBureauChief:     {"subtree", true},
	access.RolePresident:       {"subtree", true},
	access.RoleFieldOfficer:    {"court", false},
	access.RoleWindowReception: {"court", false},
	access.RoleMediator:        {"court", false},
	access.RoleAgencyOperator:  {"none", false},
}

// TestRoleScopeMatrix: every role, sitting at a basic, an intermediate and a
// high court, asks for a user and a team of each of a set of courts — its own,
// below it, above it, beside it, in another city and another province. Users
// need users.read (403 without) and a court in scope (404 outside, as if it did
// not exist); teams need a court in scope only.
func TestRoleScopeMatrix(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		courts, err := org.Courts(env.Sys, db)
		if err != nil {
			t.Fatal(err)
		}
		parent := map[uuid.UUID]uuid.UUID{}
		code := map[uuid.UUID]string{}
		for _, c := range courts {
			parent[c.ID], code[c.ID] = c.ParentID, c.Code
		}
		// below reports whether court a is b or lies below b, walking the
		// parent links.
		below := func(a, b uuid.UUID) bool {
			for c := a; c != uuid.Nil; c = parent[c] {
				if c == b {
					return true
				}
			}
			return false
		}
		seats := []string{"粤0607", "粤06", "粤"}
		targets := []string{"粤0607", "粤0605", "粤06", "粤", "粤0491", "赣0502", "赣05", "最高法"}

		type object struct{ user, team uuid.UUID }
		objects := map[string]object{}
		_, root := env.Token(t, "teammaker", access.RoleSysAdmin, "最高法")
		for i, c := range targets {
			u := env.User(t, fmt.Sprintf("target%d", i), access.RoleClerk, c)
			pg, err := org.ListTeams(env.Sys, db, org.TeamFilter{CourtID: env.Court(t, c)}, page.Request{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			var team uuid.UUID
			if len(pg.Items) > 0 {
				team = pg.Items[0].ID
			} else { // 高院 and 最高法 have no seeded teams: give them one
				team = createTeam(t, env, root, env.Court(t, c))
			}
			objects[c] = object{u.ID, team}
		}

		checked := 0
		for role, def := range roleDefaults {
			for si, seat := range seats {
				name := fmt.Sprintf("%s.%d", strings.ReplaceAll(role, "_", "-"), si)
				_, token := env.Token(t, name, role, seat)
				seatID := env.Court(t, seat)
				for _, target := range targets {
					targetID := env.Court(t, target)
					var sees bool
					switch def.scope {
					case "all":
						sees = true
					case "subtree":
						sees = below(targetID, seatID)
					case "court":
						sees = targetID == seatID
					}
					wantUser := http.StatusOK
					switch {
					case !def.usersRead:
						wantUser = http.StatusForbidden
					case !sees:
						wantUser = http.StatusNotFound
					}
					wantTeam := http.StatusOK
					if !sees {
						wantTeam = http.StatusNotFound
					}
					res := env.Do(t, http.MethodGet, "/api/v1/users/"+objects[target].user.String(), token, nil)
					if res.Status != wantUser {
						t.Errorf("%s at %s reading a user of %s: %d, want %d", role, seat, target, res.Status, wantUser)
					}
					res = env.Do(t, http.MethodGet, "/api/v1/teams/"+objects[target].team.String(), token, nil)
					if res.Status != wantTeam {
						t.Errorf("%s at %s reading a team of %s: %d, want %d", role, seat, target, res.Status, wantTeam)
					}
					if res.Status == http.StatusNotFound {
						// Out of scope reads exactly like "no such team".
						ghost := env.Do(t, http.MethodGet, "/api/v1/teams/"+store.NewID().String(), token, nil)
						if p, g := res.Problem(t), ghost.Problem(t); p.Code != g.Code || p.Detail != g.Detail {
							t.Errorf("out-of-scope %v differs from absent %v", p, g)
						}
					}
					checked++
				}
			}
		}
		if checked != len(roleDefaults)*len(seats)*len(targets) {
			t.Fatalf("checked %d pairs", checked)
		}
	})
}

func createTeam(t *testing.T, env *apptest.Env, token string, court uuid.UUID) uuid.UUID {
	t.Helper()
	res := env.Do(t, http.MethodPost, "/api/v1/teams", token, map[string]string{"court_id": court.String(), "kind": "command_center", "name": "执行指挥中心"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create team: %d %s", res.Status, res.Body)
	}
	var out struct{ ID uuid.UUID }
	res.JSON(t, &out)
	return out.ID
}

// TestSanshuiCannotSeeNanhai is the issue's own example.
func TestSanshuiCannotSeeNanhai(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, token := env.Token(t, "ss.leader", access.RoleTeamLeader, "粤0607")
		nanhai := env.User(t, "nh.clerk", access.RoleClerk, "粤0605")
		res := env.Do(t, http.MethodGet, "/api/v1/users/"+nanhai.ID.String(), token, nil)
		if p := res.Problem(t); res.Status != http.StatusNotFound || p.Code != "not_found" {
			t.Fatalf("三水 reading a 南海 user: %d %+v", res.Status, p)
		}
		// Nor can it change them, or list them.
		res = env.Do(t, http.MethodPost, "/api/v1/users/"+nanhai.ID.String()+"/disable", token, nil)
		if res.Status != http.StatusForbidden { // a team leader may not manage users at all
			t.Fatalf("disable: %d %s", res.Status, res.Body)
		}
		res = env.Do(t, http.MethodGet, "/api/v1/users?limit=500", token, nil)
		if strings.Contains(string(res.Body), "nh.clerk") {
			t.Fatal("三水 listed a 南海 user")
		}
		res = env.Do(t, http.MethodGet, "/api/v1/users?court_id="+env.Court(t, "粤0605").String(), token, nil)
		var list struct{ Items []any }
		res.JSON(t, &list)
		if res.Status != http.StatusOK || len(list.Items) != 0 {
			t.Fatalf("filtering on 南海: %d %s", res.Status, res.Body)
		}
	})
}
