package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// rulesView is the page of rule parameters for one scope: the platform's
// defaults, or a court's values.
type rulesView struct {
	Court     string // 法院代字 of the listed court; "" for the platform
	CourtName string
	Courts    []org.Court // the courts the user sees, for the selector
	Today     string
	Entries   []ruleparams.Entry
	Params    []ruleparams.Param
	CanManage bool
	Values    map[string]string // the form, as sent when it failed
	Errors    map[string]string
	Error     string
}

// rulesScope reads the scope of the page from ?court= (a 法院代字; empty for
// the platform). Without it: the platform's values for those who keep them,
// else the user's own court's.
func rulesScope(r *http.Request, p *access.Principal) string {
	q := r.URL.Query()
	if q.Has("court") {
		return strings.TrimSpace(q.Get("court"))
	}
	if p.Can(access.ReferenceManage) || p.Scope == access.ScopeNone {
		return ""
	}
	return p.CourtCode
}

func (u *UI) rulesPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	v := rulesView{Court: rulesScope(r, p), Values: map[string]string{"param": r.URL.Query().Get("param")}}
	return u.showRules(w, r, p, http.StatusOK, v)
}

func (u *UI) showRules(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, v rulesView) error {
	ctx := r.Context()
	court, err := rulesCourt(ctx, u.DB, v.Court)
	if err != nil {
		if apperr.KindOf(err) == apperr.Invalid {
			return apperr.NotFoundf("法院")
		}
		return err
	}
	if v.Entries, err = ruleparams.List(ctx, u.DB, court.ID); err != nil {
		return err
	}
	if v.Courts, err = org.VisibleCourts(ctx, u.DB); err != nil {
		return err
	}
	v.CourtName = "全平台默认值"
	if court.ID != uuid.Nil {
		v.CourtName = court.Name
		v.CanManage = p.Can(access.RulesManage)
	} else {
		v.CanManage = p.Can(access.ReferenceManage)
	}
	v.Today = legal.Today(time.Now()).String()
	v.Params = ruleparams.Catalogue()
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	return u.render(w, r, status, "rules", "规则参数", "rules", v)
}

// rulesCourt finds the court of a 法院代字; "" is the platform (the zero
// Court).
func rulesCourt(ctx context.Context, db *store.DB, code string) (org.Court, error) {
	if code == "" {
		return org.Court{}, nil
	}
	return org.CourtByCode(ctx, db, code)
}

func (u *UI) setRuleParam(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := rulesView{Values: formValues(r, "court", "param", "value", "effective_from", "citation", "note")}
	v.Court = v.Values["court"]
	err := func() error {
		court, err := rulesCourt(r.Context(), u.DB, v.Court)
		if err != nil {
			return err
		}
		key, _ := ruleparams.ParseKey(v.Values["param"])
		var from legal.Date
		if s := v.Values["effective_from"]; s != "" {
			if from, err = legal.ParseDate(s); err != nil {
				return apperr.InvalidField("invalid_date", "body.effective_from", "生效日期应为 YYYY-MM-DD 格式的有效日期")
			}
		}
		in := ruleparams.SetInput{CourtID: court.ID, RuleID: key.RuleID, Param: key.Param, Value: v.Values["value"],
			EffectiveFrom: from, Citation: v.Values["citation"], Note: v.Values["note"]}
		return u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
			_, err := ruleparams.Set(ctx, tx, in)
			return err
		})
	}()
	if err != nil {
		status := httperr.Status(apperr.KindOf(err))
		if v.Errors, v.Error, err = formErrors(err); err != nil {
			return err
		}
		// The form names the rule and its parameter in one select.
		if msg := v.Errors["rule_id"]; msg != "" && v.Errors["param"] == "" {
			v.Errors["param"] = msg
		}
		return u.showRules(w, r, p, status, v)
	}
	redirect(w, r, rulesURL(v.Court), "saved")
	return nil
}

func (u *UI) deleteRuleParam(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v := rulesView{Court: strings.TrimSpace(r.PostFormValue("court"))}
	err = u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
		_, err := ruleparams.Delete(ctx, tx, id)
		return err
	})
	if err != nil {
		status := httperr.Status(apperr.KindOf(err))
		if _, v.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.showRules(w, r, p, status, v)
	}
	redirect(w, r, rulesURL(v.Court), "deleted")
	return nil
}

// rulesURL is the page of a scope. court= stays even when empty: it names
// the platform.
func rulesURL(court string) string { return "/admin/rules?court=" + url.QueryEscape(court) }
