package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// TeamOut is a team.
type TeamOut struct {
	ID        string    `json:"id"`
	CourtID   string    `json:"court_id"`
	Kind      string    `json:"kind" example:"fast" doc:"团队类别代码，见 GET /api/v1/team-kinds"`
	Name      string    `json:"name" example:"速执团队"`
	Region    string    `json:"region,omitempty" doc:"外勤组负责的片区"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func teamOut(t org.Team) TeamOut {
	return TeamOut{ID: t.ID.String(), CourtID: t.CourtID.String(), Kind: t.Kind, Name: t.Name, Region: t.Region,
		Active: t.Active, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

type listTeamsInput struct {
	CourtID string `query:"court_id" doc:"只列此法院的团队"`
	Kind    string `query:"kind" maxLength:"64" doc:"只列此类别的团队"`
	ListParams
}

type teamIDInput struct {
	ID string `path:"id" doc:"团队 ID"`
}

type createTeamInput struct {
	Body struct {
		CourtID string `json:"court_id"`
		Kind    string `json:"kind" maxLength:"64"`
		Name    string `json:"name" maxLength:"64"`
		Region  string `json:"region,omitempty" maxLength:"64"`
	}
}

type updateTeamInput struct {
	ID   string `path:"id"`
	Body struct {
		Kind   *string `json:"kind,omitempty" maxLength:"64"`
		Name   *string `json:"name,omitempty" maxLength:"64"`
		Region *string `json:"region,omitempty" maxLength:"64"`
		Active *bool   `json:"active,omitempty"`
	}
}

func (h *handlers) teams(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/teams", "listTeams", "列出团队（本人可见范围内的法院）", "法院与团队"),
		func(ctx context.Context, in *listTeamsInput) (*Body[List[TeamOut]], error) {
			court, err := parseOptionalID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			pg, err := org.ListTeams(ctx, h.DB, org.TeamFilter{CourtID: court, Kind: in.Kind}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, teamOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/teams/{id}", "getTeam", "查看团队", "法院与团队"),
		func(ctx context.Context, in *teamIDInput) (*Body[TeamOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			t, err := org.GetTeam(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(teamOut(t)), nil
		})

	huma.Register(a, op(http.MethodPost, "/teams", "createTeam", "新建团队", "法院与团队"),
		func(ctx context.Context, in *createTeamInput) (*Body[TeamOut], error) {
			court, err := parseID(in.Body.CourtID, "body.court_id")
			if err != nil {
				return nil, err
			}
			t, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (org.Team, error) {
				return org.CreateTeam(ctx, tx, org.TeamInput{CourtID: court, Kind: in.Body.Kind, Name: in.Body.Name, Region: in.Body.Region})
			})
			if err != nil {
				return nil, err
			}
			return body(teamOut(t)), nil
		})

	huma.Register(a, op(http.MethodPatch, "/teams/{id}", "updateTeam", "修改团队", "法院与团队"),
		func(ctx context.Context, in *updateTeamInput) (*Body[TeamOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			t, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (org.Team, error) {
				return org.UpdateTeam(ctx, tx, id, org.TeamPatch{Kind: in.Body.Kind, Name: in.Body.Name, Region: in.Body.Region, Active: in.Body.Active})
			})
			if err != nil {
				return nil, err
			}
			return body(teamOut(t)), nil
		})
}
