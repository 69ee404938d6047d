package supervise

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// systemName is who the rules act as in an item's history.
const systemName = "系统（督办规则）"

// run is one Touch or one scan: the day, the calendar, the rule sets and
// the people found so far, and what it did.
type run struct {
	tx     *store.Tx
	today  legal.Date
	now    time.Time
	cal    *legal.Calendar
	m      vm.VM
	sets   map[uuid.UUID]*Compiled
	people map[personKey]person
	Counts
}

// Counts is what a Touch or a scan did.
type Counts struct {
	Subjects  int `json:"subjects"`
	Raised    int `json:"raised"`
	Warned    int `json:"warned"`
	Cleared   int `json:"cleared"`
	Escalated int `json:"escalated"`
}

func newRun(ctx context.Context, tx *store.Tx, today legal.Date) (*run, error) {
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	return &run{tx: tx, today: today, now: time.Now().UTC(), cal: cal, sets: map[uuid.UUID]*Compiled{}, people: map[personKey]person{}}, nil
}

func (r *run) set(ctx context.Context, court uuid.UUID) (*Compiled, error) {
	if c, ok := r.sets[court]; ok {
		return c, nil
	}
	c, err := Active(ctx, r.tx, court)
	if err != nil {
		return nil, err
	}
	r.sets[court] = c
	return c, nil
}

// Touch re-evaluates a subject's rules after its facts changed, as part of
// tx: items due are raised (or warned of), items whose condition no longer
// holds are cleared, and the subject's place in the due-date queue is kept.
// Every feature that changes facts a rule reads calls it in the same
// transaction; the daily scan catches what was not touched.
func Touch(ctx context.Context, tx *store.Tx, subjects ...Subject) error {
	r, err := newRun(ctx, tx, legal.Today(time.Now()))
	if err != nil {
		return err
	}
	for _, s := range subjects {
		if err := r.touch(ctx, s, nil, false); err != nil {
			return err
		}
	}
	return nil
}

// TouchCase is Touch of a case.
func TouchCase(ctx context.Context, tx *store.Tx, caseID uuid.UUID) error {
	return Touch(ctx, tx, Subject{SubjectCase, caseID})
}

// TouchNew is Touch of a subject just created whose facts the caller has
// (a case at filing): no read of its facts or items, one write.
func TouchNew(ctx context.Context, tx *store.Tx, f *Facts) error {
	r, err := newRun(ctx, tx, legal.Today(time.Now()))
	if err != nil {
		return err
	}
	return r.touch(ctx, f.Subject, f, true)
}

// live is an item not closed, as Touch sees it.
type live struct {
	id     uuid.UUID
	ruleID string
	due    legal.Date
	status string
	raised *legal.Date
}

func (r *run) touch(ctx context.Context, s Subject, f *Facts, isNew bool) error {
	r.Subjects++
	kind := subjectOf(s.Kind)
	if kind == nil {
		return fmt.Errorf("supervise: unknown subject kind %q", s.Kind)
	}
	if f == nil {
		var err error
		if f, err = load(ctx, r.tx, s); err != nil {
			return err
		}
		if f == nil { // gone
			_, err := r.tx.Exec(ctx, `DELETE FROM supervision_watches WHERE subject_kind = ? AND subject_id = ?`, s.Kind, s.ID)
			return err
		}
	}
	set, err := r.set(ctx, f.CourtID)
	if err != nil {
		return err
	}
	lives := map[string]*live{}
	if !isNew {
		rows, err := r.tx.Query(ctx, `SELECT id, rule_id, due_on, status, raised_on FROM supervision_items
			WHERE subject_kind = ? AND subject_id = ? AND status <> 'closed' AND source = 'rule'`, s.Kind, s.ID)
		if err != nil {
			return err
		}
		list, err := store.ScanAll(rows, func(sc store.Scanner) (*live, error) {
			l := &live{}
			return l, sc.Scan(&l.id, &l.ruleID, &l.due, &l.status, &l.raised)
		})
		if err != nil {
			return err
		}
		for _, l := range list {
			lives[l.ruleID] = l
		}
	}
	var next legal.Date
	soonest := func(d legal.Date) {
		if next.IsZero() || d.Before(next) {
			next = d
		}
	}
	for _, rule := range set.rulesFor(s.Kind) {
		l := lives[rule.ID]
		delete(lives, rule.ID)
		t, ok := rule.nodeDay(r.cal, f.Dates)
		if !ok || !rule.holds(&r.m, f.Values) {
			if l != nil {
				if err := r.clear(ctx, l, "督办条件已不成立，自动消除"); err != nil {
					return err
				}
			}
			continue
		}
		if l != nil && l.due != t {
			if err := r.clear(ctx, l, "节点日已变更为 "+t.String()+"，原事项自动消除"); err != nil {
				return err
			}
			l = nil
		}
		warnOn := t.AddDays(-rule.WarnDays)
		switch {
		case l != nil && l.status == "warning" && !r.today.Before(t):
			if err := r.promote(ctx, l, rule, f); err != nil {
				return err
			}
		case l != nil && l.status == "warning":
			soonest(t)
		case l != nil:
			// Open or answered: the escalation scan follows it.
		case !r.today.Before(t):
			if err := r.create(ctx, rule, set.Version(), f, t, "open"); err != nil {
				return err
			}
		case rule.WarnDays > 0 && !r.today.Before(warnOn):
			if err := r.create(ctx, rule, set.Version(), f, t, "warning"); err != nil {
				return err
			}
			soonest(t)
		case rule.WarnDays > 0:
			soonest(warnOn)
		default:
			soonest(t)
		}
		if kind.dailyRecheck && (l != nil || !r.today.Before(t)) {
			soonest(r.today.AddDays(1))
		}
	}
	for _, l := range lives { // rules removed or disabled since
		if err := r.clear(ctx, l, "督办规则已停用或删除，自动消除"); err != nil {
			return err
		}
	}
	if next.IsZero() {
		if isNew {
			return nil
		}
		_, err := r.tx.Exec(ctx, `DELETE FROM supervision_watches WHERE subject_kind = ? AND subject_id = ?`, s.Kind, s.ID)
		return err
	}
	if !next.After(r.today) { // never due again today: the scan must progress
		next = r.today.AddDays(1)
	}
	_, err = r.tx.Exec(ctx, `INSERT INTO supervision_watches (subject_kind, subject_id, court_id, due_on) VALUES (?, ?, ?, ?)
		ON CONFLICT (subject_kind, subject_id) DO UPDATE SET due_on = excluded.due_on, court_id = excluded.court_id`,
		s.Kind, s.ID, f.CourtID, next)
	return err
}

// describe writes an item's detail: what, from which date, its node day
// and the rule it enforces.
func describe(rule *compiledRule, f *Facts, t legal.Date) string {
	kind := subjectOf(rule.Subject)
	var b strings.Builder
	b.WriteString(f.Label)
	b.WriteString("：")
	b.WriteString(kind.anchorLabel(rule.Anchor))
	b.WriteString(" ")
	b.WriteString(f.Dates[rule.Anchor].String())
	switch {
	case rule.OffsetDays > 0:
		b.WriteString("，之后 " + strconv.Itoa(rule.OffsetDays) + " 日")
	case rule.OffsetDays < 0:
		b.WriteString("，之前 " + strconv.Itoa(-rule.OffsetDays) + " 日")
	}
	b.WriteString("，节点日 " + t.String())
	if rule.Note != "" {
		b.WriteString("。依据：" + rule.Note)
	}
	return b.String()
}

// ChainText writes an escalation chain as the editor shows it: "3,7,15".
func ChainText(chain []int) string {
	parts := make([]string, len(chain))
	for i, d := range chain {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

func parseChain(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// create raises an item (status open) or warns of one (status warning) for
// a rule on day t. An item of the same rule, subject and day closed before
// is reopened if it was cleared, and left closed if it was dealt with.
func (r *run) create(ctx context.Context, rule *compiledRule, version int, f *Facts, t legal.Date, status string) error {
	id := store.NewID()
	it := itemRow{id: id, status: status, level: 1}
	if status == "open" {
		if err := r.open(ctx, &it, f, rule.AnswerDays, rule.Escalation); err != nil {
			return err
		}
	}
	res, err := r.tx.Exec(ctx, `INSERT INTO supervision_items (id, court_id, case_id, team_id, handler_id, subject_kind, subject_id, source,
			rule_id, rule_version, module, severity, title, detail, status, level, assignee_id, assignee_name, due_on, raised_on, answer_due,
			escalate_on, escalation, raised_by_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'rule', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		id, f.CourtID, f.CaseID, store.NullID(f.TeamID), store.NullID(f.HandlerID), f.Subject.Kind, f.Subject.ID, rule.ID, version,
		rule.Module, rule.Severity, rule.Name, describe(rule, f, t), status, store.NullID(it.assignee), it.assigneeName, t, it.raised,
		it.answerDue, it.escalateOn, ChainText(rule.Escalation), systemName, r.now, r.now)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		r.count(status)
		return r.event(ctx, id, eventFor(status), 1, systemName, it.assigneeNote())
	}
	// Dealt with before for this day: reopen only what the rules cleared.
	var prev uuid.UUID
	var reason string
	if err := r.tx.QueryRow(ctx, `SELECT id, close_reason FROM supervision_items WHERE source = 'rule' AND rule_id = ? AND subject_kind = ?
		AND subject_id = ? AND due_on = ?`, rule.ID, f.Subject.Kind, f.Subject.ID, t).Scan(&prev, &reason); err != nil {
		return err
	}
	if reason != "cleared" {
		return nil
	}
	if _, err := r.tx.Exec(ctx, `UPDATE supervision_items SET status = ?, level = 1, assignee_id = ?, assignee_name = ?,
		raised_on = COALESCE(raised_on, ?), answer_due = ?, escalate_on = ?, closed_on = NULL, closed_by_name = '', close_reason = '',
		handling_days = NULL, team_id = ?, handler_id = ?, updated_at = ? WHERE id = ?`, status, store.NullID(it.assignee), it.assigneeName,
		it.raised, it.answerDue, it.escalateOn, store.NullID(f.TeamID), store.NullID(f.HandlerID), r.now, prev); err != nil {
		return err
	}
	r.count(status)
	return r.event(ctx, prev, "reopened", 1, systemName, "督办条件再次成立，重新督办"+it.assigneeNote())
}

func (r *run) count(status string) {
	if status == "open" {
		r.Raised++
	} else {
		r.Warned++
	}
}

func eventFor(status string) string {
	if status == "open" {
		return "raised"
	}
	return "warned"
}

// itemRow is what opening an item sets.
type itemRow struct {
	id                    uuid.UUID
	status                string
	level                 int
	assignee              uuid.UUID
	assigneeName          string
	raised                *legal.Date
	answerDue, escalateOn *legal.Date
}

func (it *itemRow) assigneeNote() string {
	if it.status != "open" {
		return ""
	}
	if it.assigneeName == "" {
		return "；" + LevelLabel(it.level) + "未配置，暂无承办人员"
	}
	return "；交 " + it.assigneeName + "（" + LevelLabel(it.level) + "）"
}

// open fills what an item raised today at level 1 carries.
func (r *run) open(ctx context.Context, it *itemRow, f *Facts, answerDays int, chain []int) error {
	p, err := r.assignee(ctx, 1, f.CourtID, f.TeamID, f.HandlerID)
	if err != nil {
		return err
	}
	today := r.today
	answer := today.AddDays(answerDays)
	it.status, it.level, it.assignee, it.assigneeName, it.raised, it.answerDue = "open", 1, p.id, p.name, &today, &answer
	if e := escalateOn(today, chain, 1); !e.IsZero() {
		it.escalateOn = &e
	}
	return nil
}

// promote turns a warning into an item on its day.
func (r *run) promote(ctx context.Context, l *live, rule *compiledRule, f *Facts) error {
	it := itemRow{id: l.id}
	if err := r.open(ctx, &it, f, rule.AnswerDays, rule.Escalation); err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, `UPDATE supervision_items SET status = 'open', level = 1, assignee_id = ?, assignee_name = ?, raised_on = ?,
		answer_due = ?, escalate_on = ?, team_id = ?, handler_id = ?, updated_at = ? WHERE id = ?`, store.NullID(it.assignee), it.assigneeName,
		it.raised, it.answerDue, it.escalateOn, store.NullID(f.TeamID), store.NullID(f.HandlerID), r.now, l.id); err != nil {
		return err
	}
	r.Raised++
	return r.event(ctx, l.id, "raised", 1, systemName, "节点日已到"+it.assigneeNote())
}

// clear closes an item whose condition no longer holds.
func (r *run) clear(ctx context.Context, l *live, note string) error {
	var days *int
	if l.raised != nil {
		d := r.today.Sub(*l.raised)
		days = &d
	}
	if _, err := r.tx.Exec(ctx, `UPDATE supervision_items SET status = 'closed', close_reason = 'cleared', closed_on = ?, closed_by_name = ?,
		escalate_on = NULL, handling_days = ?, updated_at = ? WHERE id = ?`, r.today, systemName, days, r.now, l.id); err != nil {
		return err
	}
	r.Cleared++
	return r.event(ctx, l.id, "cleared", 0, systemName, note)
}

// event appends to an item's history.
func (r *run) event(ctx context.Context, item uuid.UUID, kind string, level int, actor, note string) error {
	return addEvent(ctx, r.tx, item, kind, level, actor, note, r.now)
}

func addEvent(ctx context.Context, tx *store.Tx, item uuid.UUID, kind string, level int, actor, note string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO supervision_events (item_id, seq, at, kind, level, actor_name, note)
		SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM supervision_events WHERE item_id = ?`, item, at, kind, level, actor, note, item)
	return err
}

// person is who holds a level for a case.
type person struct {
	id   uuid.UUID
	name string
}

type personKey struct {
	level int
	owner uuid.UUID // the handler, team or court
}

// assignee finds who answers for a level (SUP-3): the handler; the team's
// leader; the court's bureau chief; its president. Nobody at a level: the
// next level up; nobody at all: an empty person.
func (r *run) assignee(ctx context.Context, level int, court, team, handler uuid.UUID) (person, error) {
	for l := level; l <= 4; l++ {
		var key personKey
		var q string
		switch l {
		case 1:
			key, q = personKey{1, handler}, `SELECT id, display_name FROM users WHERE id = ? AND disabled_at IS NULL`
		case 2:
			key, q = personKey{2, team}, `SELECT id, display_name FROM users WHERE team_id = ? AND role = 'team_leader'
				AND disabled_at IS NULL ORDER BY username LIMIT 1`
		case 3:
			key, q = personKey{3, court}, `SELECT id, display_name FROM users WHERE court_id = ? AND role = 'bureau_chief'
				AND disabled_at IS NULL ORDER BY username LIMIT 1`
		case 4:
			key, q = personKey{4, court}, `SELECT id, display_name FROM users WHERE court_id = ? AND role = 'president'
				AND disabled_at IS NULL ORDER BY username LIMIT 1`
		}
		if key.owner == uuid.Nil {
			continue
		}
		p, ok := r.people[key]
		if !ok {
			err := r.tx.QueryRow(ctx, q, key.owner).Scan(&p.id, &p.name)
			if err != nil && !store.IsNoRows(err) {
				return person{}, err
			}
			r.people[key] = p
		}
		if p.id != uuid.Nil {
			return p, nil
		}
	}
	return person{}, nil
}
