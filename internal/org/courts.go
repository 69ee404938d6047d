// Package org holds the organisation zhixing serves: courts and their
// hierarchy (高院 → 中院 → 基层), teams and their kinds, and the enforcement case
// types. It is reference data an administrator edits; everything else refers
// to it.
package org

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Level is a court's place in the hierarchy.
type Level string

const (
	Supreme      Level = "supreme"      // 最高人民法院
	High         Level = "high"         // 高级人民法院
	Intermediate Level = "intermediate" // 中级人民法院
	Basic        Level = "basic"        // 基层人民法院 (and special courts at that level)
)

// Label is the level's Chinese name.
func (l Level) Label() string {
	switch l {
	case Supreme:
		return "最高人民法院"
	case High:
		return "高级人民法院"
	case Intermediate:
		return "中级人民法院"
	case Basic:
		return "基层人民法院"
	}
	return string(l)
}

func (l Level) rank() int {
	switch l {
	case Supreme:
		return 0
	case High:
		return 1
	case Intermediate:
		return 2
	case Basic:
		return 3
	}
	return -1
}

// Court is one court.
type Court struct {
	ID           uuid.UUID
	Code         string // 法院代字 (CODE-1): 粤0607
	Name         string // 佛山市三水区人民法院
	ShortName    string // 三水法院
	Level        Level
	ParentID     uuid.UUID // uuid.Nil for a root
	Path         string    // "/<root>/…/<id>/"
	DivisionCode string    // GB/T 2260, "" where none applies
	Confidence   string    // firm | check (DOMAIN.md §0)
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CODE-1: 最高法; a province abbreviation (one Han character) alone for a high
// court, plus 2 digits for an intermediate court, plus 4 for a basic or special
// court.
var courtCodeRE = regexp.MustCompile(`^(?:最高法|\p{Han}(?:\d{2}|\d{4})?)$`)

// CheckCourtCode validates a 法院代字 against its level (CODE-1).
func CheckCourtCode(code string, level Level) error {
	bad := func(d string) error { return apperr.InvalidField("invalid_court_code", "body.code", d) }
	if !courtCodeRE.MatchString(code) {
		return bad("法院代字格式不正确：应为“最高法”，或省份简称（如“粤”），或简称加 2 位数字（中院，如“粤06”）或 4 位数字（基层法院，如“粤0607”）")
	}
	digits := utf8.RuneCountInString(code) - 1
	want := map[Level]int{High: 0, Intermediate: 2, Basic: 4}
	switch {
	case level == Supreme && code != "最高法", level != Supreme && code == "最高法":
		return bad("只有最高人民法院的代字是“最高法”")
	case level != Supreme && digits != want[level]:
		return bad("法院代字与法院级别不符：" + level.Label() + "的代字应为省份简称" + map[Level]string{High: "", Intermediate: "加 2 位数字", Basic: "加 4 位数字"}[level])
	}
	return nil
}

var divisionRE = regexp.MustCompile(`^\d{6}$`)

const courtColumns = `id, code, name, short_name, level, parent_id, path, division_code, confidence, active, created_at, updated_at`

func scanCourt(sc interface{ Scan(...any) error }) (Court, error) {
	var c Court
	var parent uuid.NullUUID
	err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.ShortName, &c.Level, &parent, &c.Path, &c.DivisionCode,
		&c.Confidence, &c.Active, &c.CreatedAt, &c.UpdatedAt)
	c.ParentID = parent.UUID
	return c, err
}

// Courts returns every court, ordered by code byte by byte (the same on every
// engine and collation, so that paging by code is exact). Courts are
// reference data every signed-in user may read: choosing a court for an
// application or an entrusted matter needs them all.
func Courts(ctx context.Context, q store.Querier) ([]Court, error) {
	out, err := queryCourts(ctx, q)
	slices.SortFunc(out, func(a, b Court) int { return strings.Compare(a.Code, b.Code) })
	return out, err
}

func queryCourts(ctx context.Context, q store.Querier) ([]Court, error) {
	rows, err := q.Query(ctx, `SELECT `+courtColumns+` FROM courts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Court
	for rows.Next() {
		c, err := scanCourt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetCourt returns one court.
func GetCourt(ctx context.Context, q store.Querier, id uuid.UUID) (Court, error) {
	c, err := scanCourt(q.QueryRow(ctx, `SELECT `+courtColumns+` FROM courts WHERE id = ?`, id))
	if store.IsNoRows(err) {
		return c, apperr.NotFoundf("法院")
	}
	return c, err
}

// CourtByCode returns the court with the given 法院代字.
func CourtByCode(ctx context.Context, q store.Querier, code string) (Court, error) {
	c, err := scanCourt(q.QueryRow(ctx, `SELECT `+courtColumns+` FROM courts WHERE code = ?`, strings.TrimSpace(code)))
	if store.IsNoRows(err) {
		return c, apperr.New(apperr.Invalid, "unknown_court", "没有代字为“"+code+"”的法院")
	}
	return c, err
}

// Subtree returns the ids of court and every court below it.
func Subtree(ctx context.Context, q store.Querier, court uuid.UUID) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `SELECT d.id FROM courts c JOIN courts d ON d.path LIKE c.path || '%' WHERE c.id = ? ORDER BY d.path`, court)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CourtInput is what an administrator gives for a new court.
type CourtInput struct {
	Code         string
	Name         string
	ShortName    string
	Level        Level
	ParentID     uuid.UUID
	DivisionCode string
	Confidence   string
}

func (in *CourtInput) normalize() error {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.ShortName = strings.TrimSpace(in.ShortName)
	in.DivisionCode = strings.TrimSpace(in.DivisionCode)
	if in.Confidence == "" {
		in.Confidence = "firm"
	}
	var fields []apperr.FieldError
	if in.Level.rank() < 0 {
		fields = append(fields, apperr.FieldError{Field: "body.level", Detail: "法院级别必须是 supreme、high、intermediate 或 basic 之一"})
	} else if err := CheckCourtCode(in.Code, in.Level); err != nil {
		e, _ := apperr.As(err)
		fields = append(fields, e.Fields...)
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 64 {
		fields = append(fields, apperr.FieldError{Field: "body.name", Detail: "法院名称不能为空，且不超过 64 个字"})
	}
	if in.ShortName == "" || utf8.RuneCountInString(in.ShortName) > 16 {
		fields = append(fields, apperr.FieldError{Field: "body.short_name", Detail: "法院简称不能为空，且不超过 16 个字"})
	}
	if in.DivisionCode != "" && !divisionRE.MatchString(in.DivisionCode) {
		fields = append(fields, apperr.FieldError{Field: "body.division_code", Detail: "行政区划代码应为 6 位数字"})
	}
	if in.Confidence != "firm" && in.Confidence != "check" {
		fields = append(fields, apperr.FieldError{Field: "body.confidence", Detail: "可信度必须是 firm 或 check"})
	}
	if len(fields) > 0 {
		return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_court", Detail: fields[0].Detail, Fields: fields}
	}
	return nil
}

// CreateCourt adds a court. A court below an existing one needs courts.manage
// and the parent in the caller's scope; a new root (a 高院 without the
// 最高法 above it, or 最高法 itself) needs a caller who sees every court.
func CreateCourt(ctx context.Context, tx *store.Tx, in CourtInput) (Court, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Court{}, err
	}
	if err := p.Require(access.CourtsManage); err != nil {
		return Court{}, err
	}
	if err := in.normalize(); err != nil {
		return Court{}, err
	}
	now := time.Now().UTC()
	c := Court{ID: store.NewID(), Code: in.Code, Name: in.Name, ShortName: in.ShortName, Level: in.Level,
		ParentID: in.ParentID, DivisionCode: in.DivisionCode, Confidence: in.Confidence, Active: true,
		CreatedAt: now, UpdatedAt: now}
	c.Path = "/" + c.ID.String() + "/"
	if in.ParentID != uuid.Nil {
		parent, err := GetCourt(ctx, tx, in.ParentID)
		if err != nil || !p.Sees(parent.ID) {
			return Court{}, apperr.InvalidField("unknown_parent", "body.parent_id", "上级法院不存在")
		}
		if parent.Level.rank() >= in.Level.rank() {
			return Court{}, apperr.InvalidField("invalid_parent", "body.parent_id", "上级法院的级别必须高于本院（"+parent.Name+"是"+parent.Level.Label()+"）")
		}
		if !parent.Active {
			return Court{}, apperr.InvalidField("inactive_parent", "body.parent_id", "上级法院已停用")
		}
		c.Path = parent.Path + c.ID.String() + "/"
	} else if p.Scope != access.ScopeAll {
		return Court{}, apperr.Forbid("只有系统管理员可以新建最高一级的法院")
	}
	if err := insertCourt(ctx, tx, c); err != nil {
		return Court{}, err
	}
	return c, nil
}

// insertCourt writes a new court with its audit record; the caller has
// checked everything.
func insertCourt(ctx context.Context, tx *store.Tx, c Court) error {
	courtsChanged(tx)
	_, err := tx.Exec(ctx, `INSERT INTO courts (`+courtColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Code, c.Name, c.ShortName, c.Level, store.NullID(c.ParentID), c.Path, c.DivisionCode, c.Confidence,
		c.Active, c.CreatedAt, c.UpdatedAt)
	if store.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "duplicate_court", "已有相同代字或名称的法院："+c.Code+" "+c.Name)
	}
	if err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: c.ID, Action: "court.created", ObjectType: "court",
		ObjectID: c.ID.String(), Summary: "新建法院 " + c.Code + " " + c.Name,
		Changes: audit.Changes{"code": {To: c.Code}, "name": {To: c.Name}, "short_name": {To: c.ShortName},
			"level": {To: c.Level}, "parent_id": {To: store.NullID(c.ParentID)}, "division_code": {To: c.DivisionCode}}})
}

// CourtPatch is an edit of a court. Nil fields are left as they are. The code
// of a court stays when its division changes (CODE-6); editing it is for
// correcting mistakes.
type CourtPatch struct {
	Code         *string
	Name         *string
	ShortName    *string
	DivisionCode *string
	Confidence   *string
	Active       *bool
}

// UpdateCourt edits a court in the caller's scope.
func UpdateCourt(ctx context.Context, tx *store.Tx, id uuid.UUID, patch CourtPatch) (Court, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Court{}, err
	}
	if err := p.Require(access.CourtsManage); err != nil {
		return Court{}, err
	}
	old, err := scanCourt(tx.QueryRow(ctx, `SELECT `+courtColumns+` FROM courts WHERE id = ?`+tx.ForUpdate(), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(old.ID) {
		return Court{}, apperr.NotFoundf("法院")
	}
	if err != nil {
		return Court{}, err
	}
	in := CourtInput{Code: old.Code, Name: old.Name, ShortName: old.ShortName, Level: old.Level,
		DivisionCode: old.DivisionCode, Confidence: old.Confidence}
	set(&in.Code, patch.Code)
	set(&in.Name, patch.Name)
	set(&in.ShortName, patch.ShortName)
	set(&in.DivisionCode, patch.DivisionCode)
	set(&in.Confidence, patch.Confidence)
	if err := in.normalize(); err != nil {
		return Court{}, err
	}
	c := old
	c.Code, c.Name, c.ShortName, c.DivisionCode, c.Confidence = in.Code, in.Name, in.ShortName, in.DivisionCode, in.Confidence
	set(&c.Active, patch.Active)
	ch := audit.Changes{}
	diff(ch, "code", old.Code, c.Code)
	diff(ch, "name", old.Name, c.Name)
	diff(ch, "short_name", old.ShortName, c.ShortName)
	diff(ch, "division_code", old.DivisionCode, c.DivisionCode)
	diff(ch, "confidence", old.Confidence, c.Confidence)
	diff(ch, "active", old.Active, c.Active)
	if len(ch) == 0 {
		return old, nil
	}
	c.UpdatedAt = time.Now().UTC()
	courtsChanged(tx)
	_, err = tx.Exec(ctx, `UPDATE courts SET code = ?, name = ?, short_name = ?, division_code = ?, confidence = ?,
		active = ?, updated_at = ? WHERE id = ?`, c.Code, c.Name, c.ShortName, c.DivisionCode, c.Confidence, c.Active,
		c.UpdatedAt, c.ID)
	if store.IsUniqueViolation(err) {
		return Court{}, apperr.New(apperr.Conflict, "duplicate_court", "已有相同代字或名称的法院")
	}
	if err != nil {
		return Court{}, err
	}
	return c, audit.Log(ctx, tx, audit.Entry{CourtID: c.ID, Action: "court.updated", ObjectType: "court",
		ObjectID: c.ID.String(), Summary: "修改法院 " + c.Code + " " + c.Name, Changes: ch})
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func diff[T comparable](ch audit.Changes, field string, from, to T) {
	if from != to {
		ch[field] = audit.Change{From: from, To: to}
	}
}

// VisibleCourts returns the courts the caller sees, ordered by code.
func VisibleCourts(ctx context.Context, q store.Querier) ([]Court, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	all, err := Courts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if p.Sees(c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}
