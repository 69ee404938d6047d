package intake

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// RuleSetInfo is one stored version of a triage rule set.
type RuleSetInfo struct {
	ID          uuid.UUID
	CourtID     uuid.UUID // uuid.Nil: the platform default
	Version     int
	Rules       []triage.Rule
	Note        string
	Active      bool
	CreatedBy   string
	CreatedAt   time.Time
	ActivatedAt time.Time
}

// compiledKey keys a compiled rule set in store.DB.Memo by its id: a saved
// version never changes (a new version is a new row), so the cache needs no
// invalidation, and which version is active is read from the database every
// time, which keeps every process of a cluster in step.
type compiledKey struct{ id uuid.UUID }

// ActiveRuleSet returns the rule set that triages a court's cases: the
// court's own active version, else the platform default.
func ActiveRuleSet(ctx context.Context, q store.Querier, court uuid.UUID) (uuid.UUID, *triage.Compiled, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, `SELECT id FROM triage_rule_sets
		WHERE active AND (court_id = ? OR court_id IS NULL) ORDER BY CASE WHEN court_id IS NULL THEN 1 ELSE 0 END LIMIT 1`, court).Scan(&id)
	if store.IsNoRows(err) {
		return uuid.Nil, nil, apperr.New(apperr.Conflict, "no_rule_set", "没有生效的繁简分流规则，请管理员先启用一版规则")
	}
	if err != nil {
		return uuid.Nil, nil, err
	}
	memo := store.DBOf(q).Memo()
	if c, ok := memo.Load(compiledKey{id}); ok {
		return id, c.(*triage.Compiled), nil
	}
	info, err := scanRuleSet(q.QueryRow(ctx, `SELECT `+ruleSetColumns+` FROM triage_rule_sets WHERE id = ?`, id))
	if err != nil {
		return uuid.Nil, nil, err
	}
	compiled, err := triage.Compile(triage.RuleSet{Version: info.Version, Rules: info.Rules})
	if err != nil {
		return uuid.Nil, nil, err
	}
	memo.Store(compiledKey{id}, compiled)
	return id, compiled, nil
}

const ruleSetColumns = `id, court_id, version, rules, note, active, created_by, created_at, activated_at`

func scanRuleSet(row interface{ Scan(...any) error }) (*RuleSetInfo, error) {
	r := &RuleSetInfo{}
	var court uuid.NullUUID
	var rules string
	var activated sql.NullTime
	if err := row.Scan(&r.ID, &court, &r.Version, &rules, &r.Note, &r.Active, &r.CreatedBy, &r.CreatedAt, &activated); err != nil {
		return nil, err
	}
	r.CourtID, r.ActivatedAt = court.UUID, activated.Time
	return r, json.Unmarshal([]byte(rules), &r.Rules)
}

// RuleSets lists the versions that apply to a court, newest first: its own
// and the platform's (cases.read or triage.manage).
func RuleSets(ctx context.Context, q store.Querier, court uuid.UUID) ([]*RuleSetInfo, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.TriageManage) && !p.Can(access.CasesRead) {
		return nil, apperr.Forbid("")
	}
	if court != uuid.Nil && !p.Sees(court) {
		return nil, apperr.NotFoundf("法院")
	}
	rows, err := q.Query(ctx, `SELECT `+ruleSetColumns+` FROM triage_rule_sets WHERE court_id = ? OR court_id IS NULL
		ORDER BY CASE WHEN court_id IS NULL THEN 1 ELSE 0 END, version DESC LIMIT 200`, store.NullID(court))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*RuleSetInfo
	for rows.Next() {
		r, err := scanRuleSet(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRuleSet returns one version.
func GetRuleSet(ctx context.Context, q store.Querier, id uuid.UUID) (*RuleSetInfo, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.TriageManage) && !p.Can(access.CasesRead) {
		return nil, apperr.Forbid("")
	}
	r, err := scanRuleSet(q.QueryRow(ctx, `SELECT `+ruleSetColumns+` FROM triage_rule_sets WHERE id = ?`, id))
	if store.IsNoRows(err) || err == nil && r.CourtID != uuid.Nil && !p.Sees(r.CourtID) {
		return nil, apperr.NotFoundf("分流规则")
	}
	return r, err
}

func requireRuleScope(p *access.Principal, court uuid.UUID) error {
	if err := p.Require(access.TriageManage); err != nil {
		return err
	}
	if court == uuid.Nil {
		// The platform default belongs to the platform's administrators.
		return p.Require(access.ReferenceManage)
	}
	if !p.Sees(court) {
		return apperr.NotFoundf("法院")
	}
	return nil
}

// SaveRuleSet stores a new version of a court's rule set (court uuid.Nil: the
// platform default) after compiling it: an expression that does not compile
// or reads an unknown fact is refused with its position, and so is a set
// that could send a case nowhere. activate makes it the one in force.
func SaveRuleSet(ctx context.Context, tx *store.Tx, court uuid.UUID, rules []triage.Rule, note string, activate bool) (*RuleSetInfo, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireRuleScope(p, court); err != nil {
		return nil, err
	}
	var ok bool
	if note, ok = text(note, 1000); !ok {
		return nil, apperr.InvalidField("invalid_note", "body.note", "说明不超过 1000 个字")
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM triage_rule_sets WHERE `+scopeCond(court), scopeArgs(court)...).Scan(&version); err != nil {
		return nil, err
	}
	version++
	if _, err := triage.Compile(triage.RuleSet{Version: version, Rules: rules}); err != nil {
		return nil, err
	}
	body, err := json.Marshal(rules)
	if err != nil {
		return nil, err
	}
	r := &RuleSetInfo{ID: store.NewID(), CourtID: court, Version: version, Rules: rules, Note: note, CreatedBy: p.DisplayName, CreatedAt: time.Now().UTC()}
	_, err = tx.Exec(ctx, `INSERT INTO triage_rule_sets (id, court_id, version, rules, note, active, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)`, r.ID, store.NullID(court), r.Version, string(body), r.Note, r.CreatedBy, r.CreatedAt)
	if store.IsUniqueViolation(err) {
		return nil, apperr.New(apperr.Conflict, "concurrent_edit", "规则已被他人同时修改，请刷新后重试")
	}
	if err != nil {
		return nil, err
	}
	if err := audit.Log(ctx, tx, audit.Entry{CourtID: auditCourt(court), Action: "triage.saved", ObjectType: "triage_rule_set",
		ObjectID: r.ID.String(), Summary: "保存繁简分流规则第 " + strconv.Itoa(version) + " 版", Changes: audit.Changes{"rules": {To: json.RawMessage(body)}}}); err != nil {
		return nil, err
	}
	if activate {
		return r, activateRuleSet(ctx, tx, r)
	}
	return r, nil
}

func scopeCond(court uuid.UUID) string {
	if court == uuid.Nil {
		return "court_id IS NULL"
	}
	return "court_id = ?"
}

func scopeArgs(court uuid.UUID) []any {
	if court == uuid.Nil {
		return nil
	}
	return []any{court}
}

func auditCourt(court uuid.UUID) uuid.UUID {
	if court == uuid.Nil {
		return audit.Platform
	}
	return court
}

// ActivateRuleSet puts a stored version in force for its scope.
func ActivateRuleSet(ctx context.Context, tx *store.Tx, id uuid.UUID) (*RuleSetInfo, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	r, err := scanRuleSet(tx.QueryRow(ctx, `SELECT `+ruleSetColumns+` FROM triage_rule_sets WHERE id = ?`+tx.ForUpdate(), id))
	if store.IsNoRows(err) || err == nil && r.CourtID != uuid.Nil && !p.Sees(r.CourtID) {
		return nil, apperr.NotFoundf("分流规则")
	}
	if err != nil {
		return nil, err
	}
	if err := requireRuleScope(p, r.CourtID); err != nil {
		return nil, err
	}
	if r.Active {
		return r, nil
	}
	return r, activateRuleSet(ctx, tx, r)
}

func activateRuleSet(ctx context.Context, tx *store.Tx, r *RuleSetInfo) error {
	if _, err := tx.Exec(ctx, `UPDATE triage_rule_sets SET active = FALSE WHERE active AND `+scopeCond(r.CourtID), scopeArgs(r.CourtID)...); err != nil {
		return err
	}
	r.Active, r.ActivatedAt = true, time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE triage_rule_sets SET active = TRUE, activated_at = ? WHERE id = ?`, r.ActivatedAt, r.ID); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: auditCourt(r.CourtID), Action: "triage.activated", ObjectType: "triage_rule_set",
		ObjectID: r.ID.String(), Summary: "启用繁简分流规则第 " + strconv.Itoa(r.Version) + " 版"})
}

// DryRunResult tells how a proposed rule set would have routed past cases.
type DryRunResult struct {
	triage.DryRunResult
	CurrentVersion int
	Examples       map[string][]string // "from→to" → case numbers
}

// DryRun compiles proposed rules and replays the facts of the court's most
// recent cases (up to 5,000) under the active and the proposed set.
func DryRun(ctx context.Context, q store.Querier, court uuid.UUID, rules []triage.Rule) (*DryRunResult, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireRuleScope(p, court); err != nil {
		return nil, err
	}
	proposed, err := triage.Compile(triage.RuleSet{Version: 1, Rules: rules}) // a draft: its version is not stored
	if err != nil {
		return nil, err
	}
	_, current, err := ActiveRuleSet(ctx, q, court)
	if err != nil {
		return nil, err
	}
	cond, args := "court_id = ?", []any{court}
	if court == uuid.Nil {
		cond, args = "TRUE", nil
	}
	rows, err := q.Query(ctx, `SELECT case_no, facts FROM cases WHERE facts <> '' AND `+cond+` ORDER BY id DESC LIMIT 5000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var facts []triage.Facts
	var numbers []string
	for rows.Next() {
		var no, raw string
		if err := rows.Scan(&no, &raw); err != nil {
			return nil, err
		}
		var f triage.Facts
		if json.Unmarshal([]byte(raw), &f) != nil {
			continue
		}
		facts, numbers = append(facts, f), append(numbers, no)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	res := &DryRunResult{DryRunResult: triage.DryRun(current, proposed, facts), CurrentVersion: current.Version(), Examples: map[string][]string{}}
	for _, m := range res.Moves {
		for _, i := range m.Examples {
			k := m.From + "→" + m.To
			res.Examples[k] = append(res.Examples[k], numbers[i])
		}
	}
	return res, nil
}

// seedRuleSet loads the platform default rule set, active.
func seedRuleSet(ctx context.Context, tx *store.Tx) error {
	rs := triage.DefaultRuleSet()
	if _, err := triage.Compile(rs); err != nil {
		return err
	}
	body, err := json.Marshal(rs.Rules)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	res, err := tx.Exec(ctx, `INSERT INTO triage_rule_sets (id, court_id, version, rules, note, active, created_by, created_at, activated_at)
		VALUES (?, NULL, ?, ?, ?, TRUE, '系统', ?, ?) ON CONFLICT DO NOTHING`, store.NewID(), rs.Version, string(body), "默认繁简分流规则（FLOW-5）", now, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "triage.seeded", ObjectType: "triage_rule_set",
		ObjectID: "platform", Summary: "载入默认繁简分流规则第 " + strconv.Itoa(rs.Version) + " 版"})
}
