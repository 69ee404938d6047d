package intaketest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Staff is a court with signed-in users in the roles intake needs.
type Staff struct {
	DB        *store.DB
	CourtID   uuid.UUID
	CourtCode string
	Sys       context.Context

	Reception, Judge, Mediator, Leader, President, Assistant, Chief context.Context
	JudgeID, MediatorID                                             uuid.UUID
}

var staffSeq atomic.Int64

// NewStaff makes users in a seeded basic court (三水, 粤0607, unless code
// names another) and returns contexts carrying their principals. The judge
// sits in the 速执团队 (fast lane); a second judge in the 普执团队.
func NewStaff(t testing.TB, db *store.DB, code string) *Staff {
	t.Helper()
	if code == "" {
		code = "粤0607"
	}
	sys := access.With(context.Background(), access.System("测试"))
	court, err := org.CourtByCode(sys, db, code)
	if err != nil {
		t.Fatalf("court %s: %v", code, err)
	}
	s := &Staff{DB: db, CourtID: court.ID, CourtCode: code, Sys: sys}
	user := func(role, team string) (context.Context, uuid.UUID) { return newUser(t, db, court.ID, role, team) }
	s.Reception, _ = user(access.RoleWindowReception, "窗口接待组")
	s.Judge, s.JudgeID = user(access.RolePostJudge, "速执团队")
	user(access.RolePostJudge, "普执团队")
	s.Mediator, s.MediatorID = user(access.RoleMediator, "执诉前调组")
	s.Leader, _ = user(access.RoleTeamLeader, "速执团队")
	s.Assistant, _ = user(access.RoleJudgeAssistant, "速执团队")
	s.President, _ = user(access.RolePresident, "")
	s.Chief, _ = user(access.RoleBureauChief, "")
	return s
}

// User makes one user of a role (in a team, when named) in the court with
// the given code and returns a context carrying their principal.
func User(t testing.TB, db *store.DB, code, role, team string) context.Context {
	t.Helper()
	court, err := org.CourtByCode(access.With(context.Background(), access.System("测试")), db, code)
	if err != nil {
		t.Fatalf("court %s: %v", code, err)
	}
	ctx, _ := newUser(t, db, court.ID, role, team)
	return ctx
}

func newUser(t testing.TB, db *store.DB, courtID uuid.UUID, role, team string) (context.Context, uuid.UUID) {
	t.Helper()
	sys := access.With(context.Background(), access.System("测试"))
	svc := auth.New(db, auth.Config{Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}, IPRate: 1e6, IPBurst: 1e6})
	var teamID uuid.UUID
	if team != "" {
		var err error
		if teamID, err = org.TeamByName(sys, db, courtID, team); err != nil {
			t.Fatalf("team %s: %v", team, err)
		}
	}
	name := fmt.Sprintf("u%d.%s", staffSeq.Add(1), role)
	u, err := svc.CreateUser(sys, auth.UserInput{CourtID: courtID, TeamID: teamID, Username: name, DisplayName: "测试" + role,
		Role: role, Password: "secret123"})
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	res, err := svc.Login(context.Background(), auth.LoginInput{Username: name, Password: "secret123", Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	p, err := svc.Authenticate(context.Background(), res.Token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", name, err)
	}
	return access.With(context.Background(), p), u.ID
}
