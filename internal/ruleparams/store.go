package ruleparams

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/csvdata"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// SeedDate is the effective date of the seeded platform values: before any
// case the platform holds.
var SeedDate = legal.NewDate(2000, time.January, 1)

// Latest is the last effective date a value may be given.
var Latest = legal.NewDate(2100, time.December, 31)

// Seeds returns the platform's rows of the catalogue's seeds, in force from
// SeedDate with their citations. A parameter added later comes with a new
// seed version (Param.Since), which loads only the new parameters, so
// administrators' values survive upgrades.
func Seeds() []store.Seed {
	version := 0
	var b strings.Builder
	for _, p := range catalogue {
		version = max(version, p.Since)
		fmt.Fprintf(&b, "%s=%s|%s|%d\n", p.Key, p.Seed, p.Citation, p.Since)
	}
	return []store.Seed{{Name: "rule_params", Version: version, Digest: csvdata.DigestBytes([]byte(b.String())),
		Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			p, err := access.Must(ctx)
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			var keys []string
			for _, c := range catalogue {
				if c.Since <= from || c.Since > to {
					continue
				}
				if _, err := tx.Exec(ctx, `INSERT INTO rule_params (`+rowColumns+`) VALUES (?, NULL, ?, ?, ?, ?, ?, '', ?, ?)
					ON CONFLICT DO NOTHING`, store.NewID(), c.RuleID, c.Param, c.Seed, SeedDate, c.Citation, p.DisplayName, now); err != nil {
					return err
				}
				keys = append(keys, c.Key.String()+"="+c.Seed)
			}
			if len(keys) == 0 {
				return nil
			}
			changed(tx)
			return audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "rule_params.loaded", ObjectType: "rule_params",
				ObjectID: "platform", Summary: fmt.Sprintf("载入规则参数初始值 %d 项（DOMAIN.md 中标注 C 的规则）", len(keys)),
				Changes: audit.Changes{"params": {To: keys}, "effective_from": {To: SeedDate.String()}}})
		}}}
}

// Status is where a row stands on a day within its scope.
type Status string

const (
	StatusPending    Status = "pending"    // its effective date is still to come
	StatusInForce    Status = "in_force"   // the latest row of its scope in effect
	StatusSuperseded Status = "superseded" // a later row of its scope took over
)

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case StatusPending:
		return "待生效"
	case StatusInForce:
		return "生效中"
	case StatusSuperseded:
		return "已被取代"
	}
	return string(s)
}

// ListedRow is a stored row with its status as of the listing day.
type ListedRow struct {
	Row
	Status Status
	// Applies is set on the row whose value is in force for the listed
	// scope: a platform row in force is not when the court has its own.
	Applies bool
}

// Entry is one parameter as an administrator sees it for a scope: the value
// in force today and its history, pending rows included.
type Entry struct {
	Param   Param
	Current Value
	Rows    []ListedRow // the court's rows, then the platform's, each latest effective date first
}

// Pending reports whether the entry has rows yet to take effect.
func (e Entry) Pending() bool {
	for _, r := range e.Rows {
		if r.Status == StatusPending {
			return true
		}
	}
	return false
}

// List returns every parameter of the catalogue for court (uuid.Nil: the
// platform) with the value in force today, where it comes from, its
// citation, and the rows of the court and of the platform. Every signed-in
// user may read the values; a court's only those who see it.
func List(ctx context.Context, q store.Querier, court uuid.UUID) ([]Entry, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if court != uuid.Nil && !p.Sees(court) {
		return nil, apperr.NotFoundf("法院")
	}
	where, args := "court_id IS NULL", []any(nil)
	if court != uuid.Nil {
		where, args = "court_id IS NULL OR court_id = ?", []any{court}
	}
	rows, err := readRows(ctx, q, where, args)
	if err != nil {
		return nil, err
	}
	s, err := newSnapshot(rows)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	current := s.resolve(court, today)
	out := make([]Entry, 0, len(catalogue))
	for _, p := range catalogue {
		e := Entry{Param: p, Current: current.Get(p.Key)}
		for _, scope := range [][]Row{s.courts[court][p.Key], s.platform[p.Key]} {
			inForce := false
			for i := len(scope) - 1; i >= 0; i-- {
				lr := ListedRow{Row: scope[i], Status: StatusSuperseded}
				switch {
				case scope[i].EffectiveFrom.After(today):
					lr.Status = StatusPending
				case !inForce:
					lr.Status, inForce = StatusInForce, true
				}
				lr.Applies = lr.ID == e.Current.Row.ID && e.Current.Source != SourceBuiltin
				e.Rows = append(e.Rows, lr)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// SetInput is a new value of a parameter from a date on.
type SetInput struct {
	CourtID       uuid.UUID // uuid.Nil: the platform's value
	RuleID        string
	Param         string
	Value         string     // as typed: see Param.Parse
	EffectiveFrom legal.Date // today or later
	Citation      string     // "" for the catalogue's
	Note          string
}

// Set stores a value of a parameter for the platform (reference.manage) or a
// court (rules.manage, in scope) from in.EffectiveFrom on, which may not be
// before today: the value in force on a past day never changes. A value for
// a day that already has a pending row of the same scope corrects that row;
// one for a day whose row is already in force is refused. Audited; the
// cached values are dropped when the transaction commits.
func Set(ctx context.Context, tx *store.Tx, in SetInput) (Row, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Row{}, err
	}
	scope, err := requireScope(ctx, tx, p, in.CourtID)
	if err != nil {
		return Row{}, err
	}
	today := legal.Today(time.Now())
	pr := &apperr.Problems{}
	key := Key{RuleID: strings.TrimSpace(in.RuleID), Param: strings.TrimSpace(in.Param)}
	param, known := Lookup(key)
	switch {
	case known:
	case !knownRule(key.RuleID):
		pr.Add("unknown_param", "body.rule_id", "规则“"+textutil.Abbrev(key.RuleID, 20)+"”没有可设置的参数")
	default:
		pr.Add("unknown_param", "body.param", "规则 "+key.RuleID+" 没有参数“"+textutil.Abbrev(key.Param, 40)+"”")
	}
	var value string
	if known {
		if value, err = param.Parse(in.Value); err != nil {
			e, _ := apperr.As(err)
			pr.Add(e.Code, "body.value", e.Detail)
		}
	}
	switch from := in.EffectiveFrom; {
	case from.IsZero():
		pr.Add("invalid_date", "body.effective_from", "请填写生效日期")
	case from.Before(today):
		pr.Add("effective_date_past", "body.effective_from",
			"生效日期不能早于今天（"+today.String()+"）：已生效的取值不能追溯更改，请以今天或以后的日期新增一条")
	case from.After(Latest):
		pr.Add("invalid_date", "body.effective_from", "生效日期不能晚于 "+Latest.String())
	}
	citation := strings.TrimSpace(in.Citation)
	if citation == "" {
		citation = param.Citation
	}
	if utf8.RuneCountInString(citation) > 300 {
		pr.Add("invalid_citation", "body.citation", "依据不超过 300 个字")
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 1000 {
		pr.Add("invalid_note", "body.note", "说明不超过 1000 个字")
	}
	if err := pr.Err(); err != nil {
		return Row{}, err
	}

	r := Row{ID: store.NewID(), CourtID: in.CourtID, Key: key, Value: value, EffectiveFrom: in.EffectiveFrom, Citation: citation,
		Note: note, SetBy: p.DisplayName, SetAt: time.Now().UTC()}
	where, args := scopeCond(in.CourtID)
	old, err := scanRow(tx.QueryRow(ctx, `SELECT `+rowColumns+` FROM rule_params WHERE `+where+` AND rule_id = ? AND param = ? AND effective_from = ?`+
		tx.ForUpdate(), append(args, key.RuleID, key.Param, in.EffectiveFrom)...))
	what := scope + " " + key.RuleID + " " + param.Label
	switch {
	case store.IsNoRows(err):
		_, err = tx.Exec(ctx, `INSERT INTO rule_params (`+rowColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, store.NullID(r.CourtID), r.RuleID, r.Param, r.Value, r.EffectiveFrom, r.Citation, r.Note, r.SetBy, r.SetAt)
		if store.IsUniqueViolation(err) {
			return Row{}, apperr.New(apperr.Conflict, "concurrent_edit", "同一日期的取值已被他人同时设置，请刷新后重试")
		}
		if err != nil {
			return Row{}, err
		}
		changed(tx)
		return r, audit.Log(ctx, tx, audit.Entry{CourtID: auditCourt(r.CourtID), Action: "rule_param.set", ObjectType: "rule_param",
			ObjectID: r.ID.String(), Summary: fmt.Sprintf("设置%s为 %s，自 %s 起施行", what, param.Format(r.Value), r.EffectiveFrom),
			Changes: audit.Changes{"rule_id": {To: r.RuleID}, "param": {To: r.Param}, "value": {To: r.Value},
				"effective_from": {To: r.EffectiveFrom.String()}, "citation": {To: r.Citation}, "note": {To: r.Note}}})
	case err != nil:
		return Row{}, err
	case !old.EffectiveFrom.After(today):
		return Row{}, apperr.New(apperr.Conflict, "param_in_force",
			fmt.Sprintf("%s自 %s 起的取值已经生效，不能更改；如需变更，请以更晚的生效日期新增一条", what, old.EffectiveFrom),
			apperr.FieldError{Field: "body.effective_from", Detail: "该日期的取值已经生效"})
	}
	// A correction of a pending row.
	ch := audit.Changes{}
	for _, f := range []struct{ name, from, to string }{{"value", old.Value, r.Value}, {"citation", old.Citation, r.Citation}, {"note", old.Note, r.Note}} {
		if f.from != f.to {
			ch[f.name] = audit.Change{From: f.from, To: f.to}
		}
	}
	if len(ch) == 0 {
		return old, nil
	}
	r.ID = old.ID
	if _, err := tx.Exec(ctx, `UPDATE rule_params SET value = ?, citation = ?, note = ?, set_by = ?, set_at = ? WHERE id = ?`,
		r.Value, r.Citation, r.Note, r.SetBy, r.SetAt, r.ID); err != nil {
		return Row{}, err
	}
	changed(tx)
	return r, audit.Log(ctx, tx, audit.Entry{CourtID: auditCourt(r.CourtID), Action: "rule_param.corrected", ObjectType: "rule_param",
		ObjectID: r.ID.String(), Summary: fmt.Sprintf("更正%s自 %s 起的待生效取值为 %s", what, r.EffectiveFrom, param.Format(r.Value)),
		Changes: ch})
}

// Delete removes a row not yet in effect, with the same permissions as Set,
// and returns it. A row already in effect is part of the record of what
// applied on past days and stays.
func Delete(ctx context.Context, tx *store.Tx, id uuid.UUID) (Row, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Row{}, err
	}
	r, err := scanRow(tx.QueryRow(ctx, `SELECT `+rowColumns+` FROM rule_params WHERE id = ?`+tx.ForUpdate(), id))
	if store.IsNoRows(err) || err == nil && r.CourtID != uuid.Nil && !p.Sees(r.CourtID) {
		return Row{}, apperr.NotFoundf("规则参数取值")
	}
	if err != nil {
		return Row{}, err
	}
	scope, err := requireScope(ctx, tx, p, r.CourtID)
	if err != nil {
		return Row{}, err
	}
	param, _ := Lookup(r.Key)
	what := scope + " " + r.RuleID + " " + param.Label
	if today := legal.Today(time.Now()); !r.EffectiveFrom.After(today) {
		return Row{}, apperr.New(apperr.Conflict, "param_in_force",
			fmt.Sprintf("%s自 %s 起的取值 %s 已经生效，不能删除；如需变更，请以更晚的生效日期新增一条", what, r.EffectiveFrom, param.Format(r.Value)))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rule_params WHERE id = ?`, r.ID); err != nil {
		return Row{}, err
	}
	changed(tx)
	return r, audit.Log(ctx, tx, audit.Entry{CourtID: auditCourt(r.CourtID), Action: "rule_param.deleted", ObjectType: "rule_param",
		ObjectID: r.ID.String(), Summary: fmt.Sprintf("删除%s自 %s 起的待生效取值 %s", what, r.EffectiveFrom, param.Format(r.Value)),
		Changes: audit.Changes{"value": {From: r.Value}, "effective_from": {From: r.EffectiveFrom.String()}}})
}

// requireScope checks that p may set the values of court (uuid.Nil: the
// platform's) and names the scope for the audit log: the platform's values
// need reference.manage, a court's rules.manage and sight of the court.
func requireScope(ctx context.Context, q store.Querier, p *access.Principal, court uuid.UUID) (string, error) {
	if court == uuid.Nil {
		if !p.Can(access.ReferenceManage) {
			return "", apperr.Forbid("设置全平台的规则参数需要“管理参考数据”权限")
		}
		return "全平台", nil
	}
	if !p.Can(access.RulesManage) {
		return "", apperr.Forbid("设置法院的规则参数需要“管理法院的规则参数”权限")
	}
	if !p.Sees(court) {
		return "", apperr.NotFoundf("法院")
	}
	c, err := org.GetCourt(ctx, q, court)
	if err != nil {
		return "", err
	}
	return c.Name, nil
}

func knownRule(id string) bool {
	for _, p := range catalogue {
		if p.RuleID == id {
			return true
		}
	}
	return false
}

func scopeCond(court uuid.UUID) (string, []any) {
	if court == uuid.Nil {
		return "court_id IS NULL", nil
	}
	return "court_id = ?", []any{court}
}

func auditCourt(court uuid.UUID) uuid.UUID {
	if court == uuid.Nil {
		return audit.Platform
	}
	return court
}
