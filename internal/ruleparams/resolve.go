package ruleparams

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Source is where the value in force comes from.
type Source string

const (
	SourceCourt    Source = "court"    // the court's own row
	SourcePlatform Source = "platform" // the platform's row
	SourceBuiltin  Source = "builtin"  // no row in force on the day: the catalogue's seed
)

// Label is the source's Chinese name.
func (s Source) Label() string {
	switch s {
	case SourceCourt:
		return "本院规定"
	case SourcePlatform:
		return "全平台默认"
	case SourceBuiltin:
		return "内置初始值"
	}
	return string(s)
}

// Row is one stored value of a parameter.
type Row struct {
	ID      uuid.UUID
	CourtID uuid.UUID // uuid.Nil: the platform
	Key
	Value         string // canonical
	EffectiveFrom legal.Date
	Citation      string
	Note          string
	SetBy         string
	SetAt         time.Time
}

// Value is a parameter's value in force for a court on a day.
type Value struct {
	Param  Param
	Value  string // canonical
	Source Source
	Row    Row // the row in force; zero for SourceBuiltin
	n      int
	b      bool
}

// Citation is the basis of the value in force: the row's, else the
// catalogue's.
func (v Value) Citation() string {
	if v.Row.Citation != "" {
		return v.Row.Citation
	}
	return v.Param.Citation
}

// Text shows the value for people: "6 个月", "是".
func (v Value) Text() string { return v.Param.Format(v.Value) }

// Values are every parameter's value in force for a court on a day.
type Values struct {
	CourtID uuid.UUID // uuid.Nil: the platform's values
	On      legal.Date
	vals    []Value // in catalogue order
}

// Get returns the value of k. k must be in the catalogue: asking for another
// key is a programming error and panics.
func (v Values) Get(k Key) Value {
	i, ok := index[k]
	if !ok {
		panic("ruleparams: unknown parameter " + k.String())
	}
	return v.vals[i]
}

// Int returns the value of an Int parameter.
func (v Values) Int(k Key) int { return v.Get(k).n }

// Bool returns the value of a Bool parameter.
func (v Values) Bool(k Key) bool { return v.Get(k).b }

// All returns every value, in catalogue order.
func (v Values) All() []Value {
	out := make([]Value, len(v.vals))
	copy(out, v.vals)
	return out
}

// PeriodRules are the counting options in force (PER-5, PER-6).
func (v Values) PeriodRules() legal.PeriodRules {
	return legal.PeriodRules{MakeupCounts: v.Bool(KeyMakeupCounts), RollInternal: v.Bool(KeyRollInternal)}
}

// ClockRules are the case clock's values in force (CLOCK-2, CLOCK-3,
// CLOCK-9, PER-5, PER-6).
func (v Values) ClockRules() legal.ClockRules {
	return legal.ClockRules{
		TermMonths:              v.Int(KeyTermMonths),
		NonLitigationTermMonths: v.Int(KeyNonLitigationTermMonths),
		ExtensionMinNoticeDays:  v.Int(KeyExtensionMinNoticeDays),
		ExtensionMaxMonths:      v.Int(KeyExtensionMaxMonths),
		DeferMaxMonths:          v.Int(KeyDeferMaxMonths),
		Periods:                 v.PeriodRules(),
	}
}

// SanctionRules are the 失信 values in force (SX-3, SX-4, SX-6).
func (v Values) SanctionRules() legal.SanctionRules {
	return legal.SanctionRules{
		TermYears:          v.Int(KeyDishonestTermYears),
		ExtraMinYears:      v.Int(KeyDishonestExtraMinYears),
		ExtraMaxYears:      v.Int(KeyDishonestExtraMaxYears),
		GraceMinMonths:     v.Int(KeyGraceMinMonths),
		GraceMaxMonths:     v.Int(KeyGraceMaxMonths),
		CorrectionDays:     v.Int(KeyCorrectionDays),
		CorrectWorkingDays: v.Int(KeyCorrectWorkingDays),
		ReviewFileDays:     v.Int(KeyDishonestReviewFileDays),
		ReviewDecideDays:   v.Int(KeyDishonestReviewDecideDays),
	}
}

// DecisionDays is the intake decision period in force (CLOCK-4).
func (v Values) DecisionDays() int { return v.Int(KeyDecisionDays) }

// Milestones are legal.Milestones with the node limits in force
// (CLOCK-4 to CLOCK-7, CLOCK-12).
func (v Values) Milestones() []legal.Milestone {
	ms := legal.Milestones()
	for i := range ms {
		if k, ok := milestoneKeys[ms[i].Code]; ok {
			ms[i].Days = v.Int(k)
		}
	}
	return ms
}

// milestoneKeys maps a milestone code to the parameter of its Days.
var milestoneKeys = func() map[string]Key {
	m := map[string]Key{}
	for _, p := range catalogue {
		if p.Milestone != "" {
			m[p.Milestone] = p.Key
		}
	}
	return m
}()

// Resolve returns the values in force for court (uuid.Nil: the platform's)
// on the day on: per parameter, the court's row with the latest
// effective_from on or before on, else the platform's, else the catalogue's
// seed. Rows are read once and cached per database (see load), so Resolve
// costs no query on a hot path.
func Resolve(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (Values, error) {
	s, err := load(ctx, q)
	if err != nil {
		return Values{}, err
	}
	return s.resolve(court, on), nil
}

// ClockRules returns the case clock's values in force for court on the day
// on (CLOCK-2, CLOCK-3, CLOCK-9, PER-5, PER-6).
func ClockRules(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (legal.ClockRules, error) {
	v, err := Resolve(ctx, q, court, on)
	if err != nil {
		return legal.ClockRules{}, err
	}
	return v.ClockRules(), nil
}

// DecisionDays returns the intake decision period in force for court on the
// day on (CLOCK-4).
func DecisionDays(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (int, error) {
	v, err := Resolve(ctx, q, court, on)
	if err != nil {
		return 0, err
	}
	return v.DecisionDays(), nil
}

// Milestones returns the node limits in force for court on the day on.
func Milestones(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) ([]legal.Milestone, error) {
	v, err := Resolve(ctx, q, court, on)
	if err != nil {
		return nil, err
	}
	return v.Milestones(), nil
}

// snapshot is every stored row, by scope and key, each list in ascending
// effective_from order.
type snapshot struct {
	loaded   time.Time
	platform map[Key][]Row
	courts   map[uuid.UUID]map[Key][]Row
}

// newSnapshot indexes rows (in ascending effective_from order). Rows of
// parameters no longer in the catalogue are left out; a value that is not
// of its parameter's type (only a hand-edited database holds one) is an
// error rather than a guess.
func newSnapshot(rows []Row) (*snapshot, error) {
	s := &snapshot{loaded: time.Now(), platform: map[Key][]Row{}, courts: map[uuid.UUID]map[Key][]Row{}}
	for _, r := range rows {
		p, ok := Lookup(r.Key)
		if !ok {
			continue
		}
		if !wellFormed(p, r.Value) {
			return nil, fmt.Errorf("ruleparams: row %s holds %q, not a value of %s", r.ID, r.Value, r.Key)
		}
		if r.CourtID == uuid.Nil {
			s.platform[r.Key] = append(s.platform[r.Key], r)
			continue
		}
		m := s.courts[r.CourtID]
		if m == nil {
			m = map[Key][]Row{}
			s.courts[r.CourtID] = m
		}
		m[r.Key] = append(m[r.Key], r)
	}
	return s, nil
}

// latest returns the last row of rows (ascending) in effect on the day on.
func latest(rows []Row, on legal.Date) (Row, bool) {
	for i := len(rows) - 1; i >= 0; i-- {
		if !rows[i].EffectiveFrom.After(on) {
			return rows[i], true
		}
	}
	return Row{}, false
}

func (s *snapshot) resolve(court uuid.UUID, on legal.Date) Values {
	v := Values{CourtID: court, On: on, vals: make([]Value, len(catalogue))}
	own := s.courts[court] // nil for the platform
	for i, p := range catalogue {
		val := Value{Param: p, Value: p.Seed, Source: SourceBuiltin}
		if r, ok := latest(own[p.Key], on); ok {
			val.Value, val.Source, val.Row = r.Value, SourceCourt, r
		} else if r, ok := latest(s.platform[p.Key], on); ok {
			val.Value, val.Source, val.Row = r.Value, SourcePlatform, r
		}
		// Stored values were checked by newSnapshot.
		val.n, val.b = decode(p, val.Value)
		v.vals[i] = val
	}
	return v
}

// decode reads a canonical value. Bounds are not checked again: a value
// that was within them when set stays in force if a later version of the
// catalogue narrows them.
func decode(p Param, s string) (n int, b bool) {
	if p.Type == Bool {
		return 0, s == "true"
	}
	n, _ = strconv.Atoi(s)
	return n, false
}

// wellFormed reports whether s is a canonical value of p's type.
func wellFormed(p Param, s string) bool {
	if p.Type == Bool {
		return s == "true" || s == "false"
	}
	n, err := strconv.Atoi(s)
	return err == nil && strconv.Itoa(n) == s
}

// ttl bounds how long a process serves the cached rows: a change made by
// another server of a PostgreSQL deployment is seen within it. Changes made
// through this process drop the cache when they commit.
const ttl = time.Minute

// memoKey keys the cache in store.DB.Memo.
type memoKey struct{}

// cache holds the snapshot of one database. gen counts invalidations, so a
// snapshot read while a change was committing is not kept.
type cache struct {
	snap atomic.Pointer[snapshot]
	mu   sync.Mutex
	gen  uint64
}

func cacheOf(db *store.DB) *cache {
	c, _ := db.Memo().LoadOrStore(memoKey{}, &cache{})
	return c.(*cache)
}

// load returns the rows as cached, reading them through q when the cache is
// empty or older than ttl. Inside a transaction they are read by the
// transaction itself, not by another connection of the pool, which a busy
// server may not have to spare; rows read by a transaction that changed
// them are not cached, as it may yet roll back.
func load(ctx context.Context, q store.Querier) (*snapshot, error) {
	c := cacheOf(store.DBOf(q))
	if s := c.snap.Load(); s != nil && time.Since(s.loaded) < ttl {
		return s, nil
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	rows, err := readRows(ctx, q, "", nil)
	if err != nil {
		return nil, err
	}
	s, err := newSnapshot(rows)
	if err != nil {
		return nil, err
	}
	if tx, ok := q.(*store.Tx); ok && tx.Value(changedKey{}) != nil {
		return s, nil
	}
	c.mu.Lock()
	if c.gen == gen {
		c.snap.Store(s)
	}
	c.mu.Unlock()
	return s, nil
}

// changedKey marks, in a transaction's values, that it changed rows.
type changedKey struct{}

// changed notes that tx changes rows: they are not cached from tx, and the
// cache is dropped once tx commits.
func changed(tx *store.Tx) {
	if tx.Value(changedKey{}) == nil {
		tx.SetValue(changedKey{}, true)
		tx.AfterCommit(func() { invalidate(tx.DB()) })
	}
}

// invalidate drops the cache of db: the next Resolve reads the rows again.
func invalidate(db *store.DB) {
	c := cacheOf(db)
	c.mu.Lock()
	c.gen++
	c.snap.Store(nil)
	c.mu.Unlock()
}

const rowColumns = `id, court_id, rule_id, param, value, effective_from, citation, note, set_by, set_at`

func scanRow(sc interface{ Scan(...any) error }) (Row, error) {
	var r Row
	var court uuid.NullUUID
	err := sc.Scan(&r.ID, &court, &r.RuleID, &r.Param, &r.Value, &r.EffectiveFrom, &r.Citation, &r.Note, &r.SetBy, &r.SetAt)
	r.CourtID = court.UUID
	return r, err
}

// readRows reads the rows matching where (all when ""), in ascending
// effective_from order.
func readRows(ctx context.Context, q store.Querier, where string, args []any) ([]Row, error) {
	query := `SELECT ` + rowColumns + ` FROM rule_params`
	if where != "" {
		query += ` WHERE ` + where
	}
	rows, err := q.Query(ctx, query+` ORDER BY effective_from, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
