package supervise

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// A court's rule sets are versions; the active one applies and a court
// with none uses DefaultRules (version 0). The compiled active set is
// cached per court for a few seconds (Touch runs in every change of a
// case); activating a set in this process drops the cache at once, another
// process sees it within cacheTTL.

const cacheTTL = 5 * time.Second

type cached struct {
	c  *Compiled
	at time.Time
}

type cacheKey struct{}

var (
	defaultsOnce     sync.Once
	defaultsCompiled *Compiled
)

func defaults() *Compiled {
	defaultsOnce.Do(func() {
		c, err := Compile(DefaultRules())
		if err != nil {
			panic("supervise: the default rules do not compile: " + err.Error())
		}
		defaultsCompiled = c
	})
	return defaultsCompiled
}

func courtCache(db *store.DB) *sync.Map {
	m, _ := db.Memo().LoadOrStore(cacheKey{}, &sync.Map{})
	return m.(*sync.Map)
}

// Active returns a court's active rule set, compiled.
func Active(ctx context.Context, q store.Querier, court uuid.UUID) (*Compiled, error) {
	cache := courtCache(store.DBOf(q))
	if v, ok := cache.Load(court); ok && time.Since(v.(cached).at) < cacheTTL {
		return v.(cached).c, nil
	}
	var version int
	var text string
	err := q.QueryRow(ctx, `SELECT version, rules FROM supervision_rule_sets WHERE court_id = ? AND active`, court).Scan(&version, &text)
	var c *Compiled
	switch {
	case store.IsNoRows(err):
		c = defaults()
	case err != nil:
		return nil, err
	default:
		if c, err = decodeSet(version, text); err != nil {
			return nil, err
		}
	}
	cache.Store(court, cached{c, time.Now()})
	return c, nil
}

func decodeSet(version int, text string) (*Compiled, error) {
	var rules []Rule
	if err := json.Unmarshal([]byte(text), &rules); err != nil {
		return nil, fmt.Errorf("supervise: rule set version %d: %w", version, err)
	}
	return Compile(RuleSet{Version: version, Rules: rules})
}

// Version is one stored version of a court's rules.
type Version struct {
	ID            uuid.UUID
	CourtID       uuid.UUID
	Version       int
	Rules         []Rule
	Note          string
	Active        bool
	CreatedByName string
	CreatedAt     time.Time
	ActivatedAt   *time.Time
	RewatchTotal  int
	RewatchDone   int
	RewatchedAt   *time.Time
}

const versionColumns = `id, court_id, version, rules, note, active, created_by_name, created_at, activated_at, rewatch_total, rewatch_done,
	rewatch_finished_at`

func scanVersion(sc store.Scanner) (*Version, error) {
	v := &Version{}
	var text string
	if err := sc.Scan(&v.ID, &v.CourtID, &v.Version, &text, &v.Note, &v.Active, &v.CreatedByName, &v.CreatedAt, &v.ActivatedAt,
		&v.RewatchTotal, &v.RewatchDone, &v.RewatchedAt); err != nil {
		return nil, err
	}
	return v, json.Unmarshal([]byte(text), &v.Rules)
}

// courtInScope checks the caller sees court and holds one of perms.
func courtInScope(ctx context.Context, court uuid.UUID, perms ...access.Permission) (*access.Principal, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(perms, p.Can) {
		return nil, p.Require(perms[0])
	}
	if !p.Sees(court) {
		return nil, apperr.NotFoundf("法院")
	}
	return p, nil
}

// Versions lists a court's stored versions, the newest first
// (cases.read or supervision.rules).
func Versions(ctx context.Context, q store.Querier, court uuid.UUID) ([]*Version, error) {
	if _, err := courtInScope(ctx, court, access.CasesRead, access.SupervisionRules); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+versionColumns+` FROM supervision_rule_sets WHERE court_id = ? ORDER BY version DESC`, court)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanVersion)
}

// GetVersion returns one version; version 0 is the built-in defaults.
func GetVersion(ctx context.Context, q store.Querier, court uuid.UUID, version int) (*Version, error) {
	if _, err := courtInScope(ctx, court, access.CasesRead, access.SupervisionRules); err != nil {
		return nil, err
	}
	if version == 0 {
		return &Version{CourtID: court, Rules: DefaultRules().Rules, Note: "内置默认规则", CreatedByName: "系统"}, nil
	}
	v, err := scanVersion(q.QueryRow(ctx, `SELECT `+versionColumns+` FROM supervision_rule_sets WHERE court_id = ? AND version = ?`,
		court, version))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("督办规则版本")
	}
	return v, err
}

// Save stores rules as the court's next version, not yet active
// (supervision.rules). Rules that do not compile are refused with every
// problem and its position.
func Save(ctx context.Context, tx *store.Tx, court uuid.UUID, rules []Rule, note string) (*Version, error) {
	p, err := courtInScope(ctx, court, access.SupervisionRules)
	if err != nil {
		return nil, err
	}
	if _, err := Compile(RuleSet{Version: 1, Rules: rules}); err != nil {
		return nil, err
	}
	if note = strings.TrimSpace(note); utf8.RuneCountInString(note) > 500 {
		return nil, apperr.InvalidField("note_too_long", "body.note", "版本说明最多 500 字")
	}
	// Versions are numbered per court; the court row serialises savers.
	if _, err := tx.Exec(ctx, `UPDATE courts SET updated_at = updated_at WHERE id = ?`, court); err != nil {
		return nil, err
	}
	var last int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM supervision_rule_sets WHERE court_id = ?`, court).Scan(&last); err != nil {
		return nil, err
	}
	text, err := json.Marshal(rules)
	if err != nil {
		return nil, err
	}
	v := &Version{ID: store.NewID(), CourtID: court, Version: last + 1, Rules: rules, Note: note, CreatedByName: p.DisplayName,
		CreatedAt: time.Now().UTC()}
	if _, err := tx.Exec(ctx, `INSERT INTO supervision_rule_sets (id, court_id, version, rules, note, created_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, v.ID, court, v.Version, string(text), note, p.DisplayName, v.CreatedAt); err != nil {
		return nil, err
	}
	return v, audit.Log(ctx, tx, audit.Entry{CourtID: court, Action: "supervision.rules_saved", ObjectType: "supervision_rule_set",
		ObjectID: v.ID.String(), Summary: fmt.Sprintf("保存督办规则第 %d 版（%d 条）%s", v.Version, len(rules), note),
		Changes: audit.Changes{"version": {To: v.Version}, "rules": {To: string(text)}}})
}

// RewatchKind is the job that re-reads a court's open subjects after its
// rules changed.
const RewatchKind = "supervise.rewatch"

type rewatchJob struct {
	CourtID uuid.UUID `json:"court_id"`
	Version int       `json:"version"`
}

// Activate makes a stored version the court's rules (supervision.rules)
// and queues the job that re-reads every open subject of the court with
// them. Unless acknowledged, a version whose dry run says it would raise
// more than MassThreshold items at once is refused with the estimate.
func Activate(ctx context.Context, db *store.DB, court uuid.UUID, version int, acknowledged bool) (*Version, error) {
	if _, err := courtInScope(ctx, court, access.SupervisionRules); err != nil {
		return nil, err
	}
	v, err := GetVersion(ctx, db, court, version)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		return nil, apperr.InvalidField("invalid_version", "path.version", "内置默认规则无需启用：请先保存为本院的一个版本")
	}
	if v.Active {
		return nil, apperr.New(apperr.Conflict, "already_active", fmt.Sprintf("第 %d 版已是本院正在执行的督办规则", version))
	}
	if !acknowledged {
		dr, err := DryRun(ctx, db, court, v.Rules)
		if err != nil {
			return nil, err
		}
		if dr.Mass() {
			return nil, apperr.New(apperr.Conflict, "mass_items", dr.MassWarning()+"；确认无误请勾选“确认启用”后再次提交")
		}
	}
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*Version, error) {
		now := time.Now().UTC()
		if _, err := tx.Exec(ctx, `UPDATE supervision_rule_sets SET active = FALSE WHERE court_id = ? AND active`, court); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE supervision_rule_sets SET active = TRUE, activated_at = ?, rewatch_total = 0, rewatch_done = 0,
			rewatch_finished_at = NULL WHERE id = ?`, now, v.ID); err != nil {
			return nil, err
		}
		if _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: RewatchKind, CourtID: court, Payload: rewatchJob{CourtID: court, Version: version}}); err != nil {
			return nil, err
		}
		tx.AfterCommit(func() { courtCache(db).Delete(court) })
		v.Active, v.ActivatedAt = true, &now
		return v, audit.Log(ctx, tx, audit.Entry{CourtID: court, Action: "supervision.rules_activated", ObjectType: "supervision_rule_set",
			ObjectID: v.ID.String(), Summary: fmt.Sprintf("启用督办规则第 %d 版", version), Changes: audit.Changes{"version": {To: version}}})
	})
}

// rewatchChunk is how many subjects one transaction of the rewatch reads.
const rewatchChunk = 500

// Rewatch re-reads every open subject of a court with its active rules:
// open cases and cases closed in the last year (the windows after 终本),
// controls in force and creditors' accounts holding money. Progress is
// kept on the active version.
func Rewatch(ctx context.Context, db *store.DB, court uuid.UUID) (Counts, error) {
	ctx = access.With(ctx, access.System("督办规则重新评估"))
	today := legal.Today(time.Now())
	queries := populations(court, today)
	var total Counts
	var all int
	for _, q := range queries {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+q.from+` WHERE `+q.where, q.args...).Scan(&n); err != nil {
			return total, err
		}
		all += n
	}
	if err := execTx(ctx, db, `UPDATE supervision_rule_sets SET rewatch_total = ?, rewatch_done = 0 WHERE court_id = ? AND active`, all, court); err != nil {
		return total, err
	}
	for _, q := range queries {
		after := uuid.Nil
		for {
			n, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (int, error) {
				rows, err := tx.Query(ctx, `SELECT id FROM `+q.from+` WHERE `+q.where+` AND id > ? ORDER BY id LIMIT ?`,
					append(append([]any(nil), q.args...), after, rewatchChunk)...)
				if err != nil {
					return 0, err
				}
				ids, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
					var id uuid.UUID
					return id, sc.Scan(&id)
				})
				if err != nil || len(ids) == 0 {
					return 0, err
				}
				r, err := newRun(ctx, tx, today)
				if err != nil {
					return 0, err
				}
				for _, id := range ids {
					if err := r.touch(ctx, Subject{q.kind, id}, nil, false); err != nil {
						return 0, err
					}
				}
				after = ids[len(ids)-1]
				total = total.add(r.Counts)
				_, err = tx.Exec(ctx, `UPDATE supervision_rule_sets SET rewatch_done = rewatch_done + ? WHERE court_id = ? AND active`, len(ids), court)
				return len(ids), err
			})
			if err != nil {
				return total, err
			}
			if n < rewatchChunk {
				break
			}
		}
	}
	err := execTx(ctx, db, `UPDATE supervision_rule_sets SET rewatch_finished_at = ? WHERE court_id = ? AND active`, time.Now().UTC(), court)
	return total, err
}

func (c Counts) add(o Counts) Counts {
	return Counts{c.Subjects + o.Subjects, c.Raised + o.Raised, c.Warned + o.Warned, c.Cleared + o.Cleared, c.Escalated + o.Escalated}
}

// RewatchJob is the handler of RewatchKind.
func RewatchJob(db *store.DB) func(context.Context, *jobs.Claimed) error {
	return func(ctx context.Context, c *jobs.Claimed) error {
		var j rewatchJob
		if err := c.Decode(&j); err != nil {
			return err
		}
		_, err := Rewatch(ctx, db, j.CourtID)
		return err
	}
}

// execTx runs one statement in its own transaction.
func execTx(ctx context.Context, db *store.DB, query string, args ...any) error {
	return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}
