package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/auth"
)

// UserOut is a user as the API shows it.
type UserOut struct {
	ID                 string     `json:"id"`
	CourtID            string     `json:"court_id"`
	CourtCode          string     `json:"court_code" example:"粤0607"`
	CourtName          string     `json:"court_name" example:"佛山市三水区人民法院"`
	TeamID             *string    `json:"team_id"`
	TeamName           string     `json:"team_name,omitempty"`
	AgencyCode         string     `json:"agency_code,omitempty" example:"fs-amr" doc:"协执单位操作员所属的协执单位"`
	AgencyName         string     `json:"agency_name,omitempty" example:"佛山市市场监督管理局"`
	Username           string     `json:"username" example:"chen.jing"`
	DisplayName        string     `json:"display_name" example:"陈静"`
	Role               string     `json:"role" example:"judge_assistant"`
	RoleLabel          string     `json:"role_label" example:"法官助理"`
	Phone              string     `json:"phone,omitempty"`
	MustChangePassword bool       `json:"must_change_password"`
	Disabled           bool       `json:"disabled"`
	DisabledAt         *time.Time `json:"disabled_at,omitempty"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

func userOut(u auth.User) UserOut {
	return UserOut{ID: u.ID.String(), CourtID: u.CourtID.String(), CourtCode: u.CourtCode, CourtName: u.CourtName,
		TeamID: optionalID(u.TeamID), TeamName: u.TeamName, AgencyCode: u.AgencyCode, AgencyName: u.AgencyName, Username: u.Username, DisplayName: u.DisplayName,
		Role: u.Role, RoleLabel: u.RoleName, Phone: u.Phone, MustChangePassword: u.MustChangePassword,
		Disabled: u.Disabled(), DisabledAt: instant(u.DisabledAt), LastLoginAt: instant(u.LastLoginAt),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

type userIDInput struct {
	ID string `path:"id" doc:"用户 ID"`
}

type listUsersInput struct {
	CourtID         string `query:"court_id" doc:"只列此法院的用户"`
	TeamID          string `query:"team_id" doc:"只列此团队的用户"`
	Role            string `query:"role" doc:"只列此角色的用户"`
	Q               string `query:"q" maxLength:"64" doc:"用户名或姓名包含的文字"`
	IncludeDisabled bool   `query:"include_disabled" doc:"是否包括已停用的用户"`
	ListParams
}

type createUserInput struct {
	Body struct {
		CourtID            string `json:"court_id" doc:"所属法院 ID"`
		TeamID             string `json:"team_id,omitempty" doc:"所属团队 ID（可选）"`
		AgencyCode         string `json:"agency_code,omitempty" maxLength:"32" doc:"协执单位代码（协执单位操作员必填，其他角色不填），见 GET /api/v1/agencies"`
		Username           string `json:"username" maxLength:"64" doc:"登录名：3–32 个字符，字母开头，小写字母、数字和 . _ -"`
		DisplayName        string `json:"display_name" maxLength:"64" doc:"姓名"`
		Role               string `json:"role" maxLength:"64" doc:"角色代码，见 GET /api/v1/roles"`
		Phone              string `json:"phone,omitempty" maxLength:"20" doc:"手机号码（可选）"`
		Password           string `json:"password" maxLength:"256" doc:"初始密码：8–128 个字符，含字母和数字"`
		MustChangePassword bool   `json:"must_change_password,omitempty" doc:"首次登录须修改密码"`
	}
}

type updateUserInput struct {
	ID   string `path:"id"`
	Body struct {
		CourtID     *string `json:"court_id,omitempty" doc:"调往的法院 ID；会清空团队，除非同时给出新法院的团队"`
		TeamID      *string `json:"team_id,omitempty" doc:"团队 ID；空字符串表示移出团队"`
		DisplayName *string `json:"display_name,omitempty" maxLength:"64"`
		Role        *string `json:"role,omitempty" maxLength:"64"`
		Phone       *string `json:"phone,omitempty" maxLength:"20"`
		AgencyCode  *string `json:"agency_code,omitempty" maxLength:"32" doc:"协执单位代码；空字符串表示移出协执单位"`
	}
}

type resetPasswordInput struct {
	ID   string `path:"id"`
	Body struct {
		Password string `json:"password" maxLength:"256" doc:"新密码：8–128 个字符，含字母和数字；用户下次登录须修改"`
	}
}

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" maxLength:"256"`
		NewPassword     string `json:"new_password" maxLength:"256"`
	}
}

func (h *handlers) users(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/users", "listUsers", "列出用户（本人可见范围内的法院）", "用户"),
		func(ctx context.Context, in *listUsersInput) (*Body[List[UserOut]], error) {
			f := auth.UserFilter{Role: in.Role, Query: in.Q, IncludeDisabled: in.IncludeDisabled}
			var err error
			if f.CourtID, err = parseOptionalID(in.CourtID, "query.court_id"); err != nil {
				return nil, err
			}
			if f.TeamID, err = parseOptionalID(in.TeamID, "query.team_id"); err != nil {
				return nil, err
			}
			pg, err := h.Auth.ListUsers(ctx, f, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, userOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/users/{id}", "getUser", "查看用户", "用户"),
		func(ctx context.Context, in *userIDInput) (*Body[UserOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			u, err := h.Auth.GetUser(ctx, id)
			if err != nil {
				return nil, err
			}
			return body(userOut(u)), nil
		})

	huma.Register(a, op(http.MethodPost, "/users", "createUser", "新建用户", "用户"),
		func(ctx context.Context, in *createUserInput) (*Body[UserOut], error) {
			b := in.Body
			court, err := parseID(b.CourtID, "body.court_id")
			if err != nil {
				return nil, err
			}
			team, err := parseOptionalID(b.TeamID, "body.team_id")
			if err != nil {
				return nil, err
			}
			u, err := h.Auth.CreateUser(ctx, auth.UserInput{CourtID: court, TeamID: team, Username: b.Username,
				DisplayName: b.DisplayName, Role: b.Role, Phone: b.Phone, AgencyCode: b.AgencyCode, Password: b.Password, MustChangePassword: b.MustChangePassword})
			if err != nil {
				return nil, err
			}
			return body(userOut(u)), nil
		})

	huma.Register(a, op(http.MethodPatch, "/users/{id}", "updateUser", "修改用户", "用户"),
		func(ctx context.Context, in *updateUserInput) (*Body[UserOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			b := in.Body
			patch := auth.UserPatch{DisplayName: trimmed(b.DisplayName), Role: b.Role, Phone: trimmed(b.Phone), AgencyCode: trimmed(b.AgencyCode)}
			if b.CourtID != nil {
				c, err := parseID(*b.CourtID, "body.court_id")
				if err != nil {
					return nil, err
				}
				patch.CourtID = &c
			}
			if b.TeamID != nil {
				t, err := parseOptionalID(*b.TeamID, "body.team_id")
				if err != nil {
					return nil, err
				}
				patch.TeamID = &t
			}
			u, err := h.Auth.UpdateUser(ctx, id, patch)
			if err != nil {
				return nil, err
			}
			return body(userOut(u)), nil
		})

	reset := op(http.MethodPost, "/users/{id}/password-reset", "resetUserPassword", "重置用户密码（注销其全部会话，下次登录须修改）", "用户")
	reset.DefaultStatus = http.StatusNoContent
	huma.Register(a, reset, func(ctx context.Context, in *resetPasswordInput) (*struct{}, error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		if in.Body.Password == "" {
			// The API never makes up a password: an answer holding one would
			// be kept by the idempotency store.
			return nil, auth.CheckPasswordPolicy("", "body.password")
		}
		_, err = h.Auth.ResetPassword(ctx, id, in.Body.Password)
		return nil, err
	})

	for _, x := range []struct {
		path, id, summary string
		disabled          bool
	}{
		{"/users/{id}/disable", "disableUser", "停用用户（立即注销其全部会话）", true},
		{"/users/{id}/enable", "enableUser", "启用用户", false},
	} {
		o := op(http.MethodPost, x.path, x.id, x.summary, "用户")
		o.DefaultStatus = http.StatusOK
		huma.Register(a, o, func(ctx context.Context, in *userIDInput) (*Body[UserOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			u, err := h.Auth.SetDisabled(ctx, id, x.disabled)
			if err != nil {
				return nil, err
			}
			return body(userOut(u)), nil
		})
	}

	change := op(http.MethodPost, "/me/password", "changeOwnPassword", "修改本人密码（其他会话随之注销）", "会话")
	change.DefaultStatus = http.StatusNoContent
	huma.Register(a, change, func(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
		return nil, h.Auth.ChangeOwnPassword(ctx, in.Body.CurrentPassword, in.Body.NewPassword)
	})
}

// MeOut is the caller: their user, their powers and how far they see.
type MeOut struct {
	User        UserOut  `json:"user"`
	Permissions []string `json:"permissions" nullable:"false"`
	Scope       string   `json:"scope" enum:"none,court,subtree,all" doc:"可见范围：none 不可查看法院数据，court 本院，subtree 本院及下级，all 全部"`
	CourtIDs    []string `json:"court_ids,omitempty" doc:"可见的法院（scope 为 all 时省略）"`
}

func (h *handlers) me(ctx context.Context) (MeOut, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return MeOut{}, err
	}
	u, err := h.Auth.GetUser(ctx, p.UserID)
	if err != nil {
		return MeOut{}, err
	}
	out := MeOut{User: userOut(u), Permissions: []string{}, Scope: string(p.Scope)}
	for _, perm := range p.Permissions() {
		out.Permissions = append(out.Permissions, string(perm))
	}
	courts, _ := p.VisibleCourts()
	for _, c := range courts {
		out.CourtIDs = append(out.CourtIDs, c.String())
	}
	return out, nil
}
