package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/reqid"
)

type loginInput struct {
	Body struct {
		Username string `json:"username" maxLength:"64" doc:"用户名"`
		Password string `json:"password" maxLength:"1024" doc:"密码"`
	}
}

// SessionOut is a new session: the bearer token is shown this once.
type SessionOut struct {
	Token     string    `json:"token" doc:"在 Authorization: Bearer <token> 中使用"`
	ExpiresAt time.Time `json:"expires_at" doc:"令牌的最迟失效时刻；闲置超过 2 小时亦失效"`
	User      UserOut   `json:"user"`
}

func (h *handlers) sessions(a huma.API) {
	login := op(http.MethodPost, "/sessions", "createSession", "登录，取得接口令牌", "会话")
	login.Security = nil
	login.Errors = []int{400, 401, 403, 422, 429, 503}
	login.Description = "用户名或密码错误时统一答复 invalid_credentials，不透露用户是否存在。同一用户名 15 分钟内失败 5 次即锁定 15 分钟（account_locked）；同一地址尝试过频时答复 too_many_attempts。"
	huma.Register(a, login, func(ctx context.Context, in *loginInput) (*Body[SessionOut], error) {
		c := reqid.ClientFrom(ctx)
		res, err := h.Auth.Login(ctx, auth.LoginInput{Username: in.Body.Username, Password: in.Body.Password,
			Kind: auth.KindBearer, IP: c.IP, UserAgent: c.UserAgent})
		if err != nil {
			return nil, err
		}
		return body(SessionOut{Token: res.Token, ExpiresAt: res.Session.ExpiresAt.UTC(), User: userOut(res.User)}), nil
	})

	logout := op(http.MethodDelete, "/sessions/current", "deleteSession", "退出登录（注销当前令牌或会话）", "会话")
	logout.DefaultStatus = http.StatusNoContent
	huma.Register(a, logout, func(ctx context.Context, _ *struct{}) (*struct{}, error) {
		return nil, h.Auth.Logout(ctx)
	})

	huma.Register(a, op(http.MethodGet, "/me", "getMe", "当前用户、权限与可见范围", "会话"),
		func(ctx context.Context, _ *struct{}) (*Body[MeOut], error) {
			me, err := h.me(ctx)
			if err != nil {
				return nil, err
			}
			return body(me), nil
		})
}
