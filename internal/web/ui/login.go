package ui

import (
	"net/http"
	"strings"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/reqid"
)

type loginView struct {
	Username string
	Next     string
	Error    string
}

// safeNext keeps a post-login destination only if it is a path on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if access.From(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	err := u.render(w, r, http.StatusOK, "login", "登录", "", loginView{Next: safeNext(r.URL.Query().Get("next"))})
	if err != nil {
		u.Error(w, r, err)
	}
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		u.Error(w, r, err)
		return
	}
	v := loginView{Username: strings.TrimSpace(r.PostFormValue("username")), Next: safeNext(r.PostFormValue("next"))}
	c := reqid.ClientFrom(r.Context())
	res, err := u.Auth.Login(r.Context(), auth.LoginInput{Username: v.Username, Password: r.PostFormValue("password"),
		Kind: auth.KindCookie, IP: c.IP, UserAgent: c.UserAgent})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.Unavailable || e.Kind == apperr.Internal {
			u.Error(w, r, err)
			return
		}
		v.Error = e.Detail
		status := http.StatusUnauthorized
		if e.Kind == apperr.TooManyRequests {
			status = http.StatusTooManyRequests
		}
		if err := u.render(w, r, status, "login", "登录", "", v); err != nil {
			u.Error(w, r, err)
		}
		return
	}
	setSessionCookie(w, r, res.Token, res.Session.ExpiresAt)
	if res.User.MustChangePassword {
		http.Redirect(w, r, PasswordPath, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := u.Auth.Logout(r.Context()); err != nil {
		return err
	}
	ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login?done=loggedout", http.StatusSeeOther)
	return nil
}

type passwordView struct {
	Forced bool
	Errors map[string]string
	Error  string
}

func (u *UI) passwordPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.render(w, r, http.StatusOK, "password", "修改密码", "", passwordView{Forced: p.MustChangePassword})
}

func (u *UI) changePassword(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := passwordView{Forced: p.MustChangePassword}
	next := r.PostFormValue("new_password")
	if next != r.PostFormValue("confirm_password") {
		v.Errors = map[string]string{"confirm_password": "两次输入的新密码不一致"}
		return u.render(w, r, http.StatusUnprocessableEntity, "password", "修改密码", "", v)
	}
	err := u.Auth.ChangeOwnPassword(r.Context(), r.PostFormValue("current_password"), next)
	if err != nil {
		if v.Errors, v.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.render(w, r, http.StatusUnprocessableEntity, "password", "修改密码", "", v)
	}
	redirect(w, r, "/", "password")
	return nil
}
