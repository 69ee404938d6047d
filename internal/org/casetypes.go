package org

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/store"
)

// CaseType is an enforcement case type and its 类型代字 (CODE-2), such as
// first_enforcement / 执 or restored_enforcement / 执恢.
type CaseType struct {
	Code       string // API code
	Zi         string // 类型代字 in 案号: 执, 执恢 …
	LegacyZi   string // pre-2016 form: 执恢字
	Name       string
	Category   string // implementation (执行实施) | examination (执行审查) | other | local
	Confidence string // firm | check
	SortOrder  int
	Active     bool
	UpdatedAt  time.Time
}

// CategoryLabel is the category's Chinese name.
func (c CaseType) CategoryLabel() string {
	switch c.Category {
	case "implementation":
		return "执行实施"
	case "examination":
		return "执行审查"
	case "local":
		return "本地类型"
	}
	return "其他"
}

const caseTypeColumns = `code, zi, legacy_zi, name, category, confidence, sort_order, active, updated_at`

func scanCaseType(sc interface{ Scan(...any) error }) (CaseType, error) {
	var c CaseType
	err := sc.Scan(&c.Code, &c.Zi, &c.LegacyZi, &c.Name, &c.Category, &c.Confidence, &c.SortOrder, &c.Active, &c.UpdatedAt)
	return c, err
}

// CaseTypes returns every case type in display order.
func CaseTypes(ctx context.Context, q store.Querier) ([]CaseType, error) {
	rows, err := q.Query(ctx, `SELECT `+caseTypeColumns+` FROM case_types ORDER BY sort_order, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CaseType
	for rows.Next() {
		c, err := scanCaseType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseTypePatch edits a case type; nil fields stay. The API code is fixed.
type CaseTypePatch struct {
	Zi         *string
	LegacyZi   *string
	Name       *string
	Confidence *string
	Active     *bool
}

// UpdateCaseType edits a case type (reference.manage). Case types are
// platform-wide, so their audit records go to the platform chain.
func UpdateCaseType(ctx context.Context, tx *store.Tx, code string, patch CaseTypePatch) (CaseType, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return CaseType{}, err
	}
	if err := p.Require(access.ReferenceManage); err != nil {
		return CaseType{}, err
	}
	old, err := scanCaseType(tx.QueryRow(ctx, `SELECT `+caseTypeColumns+` FROM case_types WHERE code = ?`+tx.ForUpdate(), code))
	if store.IsNoRows(err) {
		return CaseType{}, apperr.NotFoundf("案件类型")
	}
	if err != nil {
		return CaseType{}, err
	}
	c := old
	set(&c.Zi, patch.Zi)
	set(&c.LegacyZi, patch.LegacyZi)
	set(&c.Name, patch.Name)
	set(&c.Confidence, patch.Confidence)
	set(&c.Active, patch.Active)
	c.Zi, c.LegacyZi, c.Name = strings.TrimSpace(c.Zi), strings.TrimSpace(c.LegacyZi), strings.TrimSpace(c.Name)
	switch {
	case c.Zi == "" || utf8.RuneCountInString(c.Zi) > 4:
		return CaseType{}, apperr.InvalidField("invalid_case_type", "body.zi", "类型代字不能为空，且不超过 4 个字")
	case c.Name == "" || utf8.RuneCountInString(c.Name) > 32:
		return CaseType{}, apperr.InvalidField("invalid_case_type", "body.name", "类型名称不能为空，且不超过 32 个字")
	case c.Confidence != "firm" && c.Confidence != "check":
		return CaseType{}, apperr.InvalidField("invalid_case_type", "body.confidence", "可信度必须是 firm 或 check")
	}
	ch := audit.Changes{}
	diff(ch, "zi", old.Zi, c.Zi)
	diff(ch, "legacy_zi", old.LegacyZi, c.LegacyZi)
	diff(ch, "name", old.Name, c.Name)
	diff(ch, "confidence", old.Confidence, c.Confidence)
	diff(ch, "active", old.Active, c.Active)
	if len(ch) == 0 {
		return old, nil
	}
	c.UpdatedAt = time.Now().UTC()
	_, err = tx.Exec(ctx, `UPDATE case_types SET zi = ?, legacy_zi = ?, name = ?, confidence = ?, active = ?, updated_at = ?
		WHERE code = ?`, c.Zi, c.LegacyZi, c.Name, c.Confidence, c.Active, c.UpdatedAt, c.Code)
	if store.IsUniqueViolation(err) {
		return CaseType{}, apperr.InvalidField("duplicate_case_type", "body.zi", "已有类型使用代字“"+c.Zi+"”")
	}
	if err != nil {
		return CaseType{}, err
	}
	return c, audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "case_type.updated", ObjectType: "case_type",
		ObjectID: c.Code, Summary: "修改案件类型 " + c.Code + "（" + c.Zi + "）", Changes: ch})
}
