package sanctions

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// SX-5 triggers and the deletion queue.
//
// How a trigger is found. Most triggers are facts the case's own records
// already hold, so they are read, not copied: a case closed as 执行完毕
// (performed), 不予执行 (not_enforced) or 终结执行 (terminated) triggers
// on its closing day; a case closed as 终本 whose re-queries (ZB-9) came
// back empty at least twice (ZB-11: done, and no restoration proposed from
// it) triggers on the day the second one finished. Reading them at query
// time needs no hook in the case transition, so it holds for every way a
// case is closed (the transition, bulk closing, a later migration) and for
// listings made before this module existed, and nothing can fall out of
// step. The triggers the records do not show — a settlement performed, the
// applicant's written request accepted, a suspension for retrial or
// bankruptcy, performance outside the case account — are recorded on the
// listing by hand (RecordTrigger). The earliest trigger counts. The due day
// is 3 working days after it (legal.DeletionDue, PER-5 from the court's
// rules). Deleting records the due day and whether it was met.
//
// A restriction is due for lifting on the same closures (XG-4: must on full
// performance; an order of a case ended by 不予执行 or 终结执行 has nothing
// left to secure), with the same 3 working days (local practice; DOMAIN.md
// gives no separate period).

// SX-5 trigger kinds.
const (
	TriggerPerformed   = "performed"            // 执行完毕: closed so, or performed outside the account (by hand)
	TriggerSettlement  = "settlement_performed" // 执行和解协议履行完毕 (by hand)
	TriggerApplicant   = "applicant_request"    // 申请执行人书面申请删除并经同意 (by hand)
	TriggerRequery     = "requery_empty"        // ZB-11: ≥ 2 empty re-queries after 终本
	TriggerSuspended   = "suspended"            // 因再审、破产中止执行 (by hand)
	TriggerNotEnforced = "not_enforced"         // 裁定不予执行
	TriggerTerminated  = "terminated"           // 裁定终结执行
)

// TriggerLabel is the Chinese name of a trigger.
func TriggerLabel(k string) string {
	return map[string]string{TriggerPerformed: "被执行人已履行完毕", TriggerSettlement: "执行和解协议已履行完毕", TriggerApplicant: "申请执行人申请删除",
		TriggerRequery: "终本后两次以上复查未发现可供执行财产（ZB-11）", TriggerSuspended: "因再审或破产中止执行", TriggerNotEnforced: "裁定不予执行",
		TriggerTerminated: "裁定终结执行"}[k]
}

// closureTriggers maps the closures that trigger SX-5 to their trigger.
var closureTriggers = map[string]string{"performed": TriggerPerformed, "not_enforced": TriggerNotEnforced, "terminated": TriggerTerminated}

// Due is a deletion or lifting a trigger calls for.
type Due struct {
	Trigger   string
	TriggerOn legal.Date
	DueOn     legal.Date
	ByHand    bool // recorded on the listing rather than read from the case
}

// Label is the trigger's Chinese name.
func (d *Due) Label() string { return TriggerLabel(d.Trigger) }

// Overdue reports whether the due day has passed on today.
func (d *Due) Overdue(today legal.Date) bool { return today.After(d.DueOn) }

// caseFacts are what a case's records say about triggers.
type caseFacts struct {
	Closure  string
	ClosedOn legal.Date
}

// caseTrigger is the earliest trigger the case's records show: its closure,
// or for a 终本 case the second empty re-query.
func caseTrigger(ctx context.Context, q store.Querier, caseID uuid.UUID, f caseFacts) (string, legal.Date, error) {
	if k, ok := closureTriggers[f.Closure]; ok && !f.ClosedOn.IsZero() {
		return k, f.ClosedOn, nil
	}
	if f.Closure != "zhongben" {
		return "", legal.Date{}, nil
	}
	rows, err := q.Query(ctx, `SELECT i.finished_at FROM asset_inquiries i WHERE i.case_id = ? AND i.source = 'requery' AND i.status = 'done'
		AND i.finished_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM restoration_proposals rp WHERE rp.inquiry_id = i.id)
		ORDER BY i.finished_at, i.id LIMIT ?`, caseID, legal.EmptyRequeriesForDeletion)
	if err != nil {
		return "", legal.Date{}, err
	}
	times, err := store.ScanAll(rows, func(sc store.Scanner) (time.Time, error) {
		var t time.Time
		return t, sc.Scan(&t)
	})
	if err != nil || len(times) < legal.EmptyRequeriesForDeletion {
		return "", legal.Date{}, err
	}
	return TriggerRequery, legal.DateOf(times[len(times)-1]), nil
}

// dueOf combines a case trigger and one recorded by hand: the earliest
// counts; the due day is 3 working days after it.
func dueOf(ctx context.Context, q store.Querier, court uuid.UUID, caseKind string, caseOn legal.Date, handKind string, handOn legal.Date) (*Due, error) {
	var d *Due
	if caseKind != "" {
		d = &Due{Trigger: caseKind, TriggerOn: caseOn}
	}
	if handKind != "" && (d == nil || handOn.Before(d.TriggerOn)) {
		d = &Due{Trigger: handKind, TriggerOn: handOn, ByHand: true}
	}
	if d == nil {
		return nil, nil
	}
	cal, err := calendarOf(ctx, q)
	if err != nil {
		return nil, err
	}
	v, err := rules(ctx, q, court, d.TriggerOn)
	if err != nil {
		return nil, err
	}
	d.DueOn = legal.DeletionDue(cal, d.TriggerOn, v.PeriodRules())
	return d, nil
}

func readCaseFacts(ctx context.Context, q store.Querier, caseID uuid.UUID) (caseFacts, error) {
	var f caseFacts
	err := q.QueryRow(ctx, `SELECT closure, closed_on FROM cases WHERE id = ?`, caseID).Scan(&f.Closure, &f.ClosedOn)
	return f, err
}

// listingDue is the deletion an active listing is due for, or nil.
func listingDue(ctx context.Context, q store.Querier, l *Listing) (*Due, error) {
	f, err := readCaseFacts(ctx, q, l.CaseID)
	if err != nil {
		return nil, err
	}
	k, on, err := caseTrigger(ctx, q, l.CaseID, f)
	if err != nil {
		return nil, err
	}
	return dueOf(ctx, q, l.CourtID, k, on, l.TriggerKind, l.TriggerOn)
}

// restrictionDue is the lifting an active restriction is due for, or nil:
// its case closed as 执行完毕, 不予执行 or 终结执行.
func restrictionDue(ctx context.Context, q store.Querier, r *Restriction) (*Due, error) {
	f, err := readCaseFacts(ctx, q, r.CaseID)
	if err != nil {
		return nil, err
	}
	k, ok := closureTriggers[f.Closure]
	if !ok {
		return nil, nil
	}
	return dueOf(ctx, q, r.CourtID, k, f.ClosedOn, "", legal.Date{})
}

// QueueItem is a listing due for deletion or a restriction due for lifting.
type QueueItem struct {
	Kind        string // dishonest_listing, restriction
	ID          uuid.UUID
	CaseID      uuid.UUID
	CaseNo      string
	PartyName   string
	IDNumber    string
	DecidedOn   legal.Date
	Due         Due
	Overdue     bool
	Listing     *Listing
	Restriction *Restriction
}

// KindLabel is the item's Chinese kind.
func (q *QueueItem) KindLabel() string {
	if q.Kind == "restriction" {
		return "限制消费令（待解除）"
	}
	return "失信名单（待删除）"
}

// MaskedID is the masked ID number.
func (q *QueueItem) MaskedID() string { return legal.MaskID(q.IDNumber) }

type queueCursor struct {
	Due string    `json:"d"`
	ID  uuid.UUID `json:"i"`
}

// Queue is the 待删除/待解除 queue of the courts in the caller's scope
// (cases.read): active listings and restrictions a trigger calls to delete
// or lift, the earliest due first, each with its due day.
func Queue(ctx context.Context, q store.Querier, req page.Request) (page.Page[*QueueItem], error) {
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*QueueItem]{}, err
	}
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*QueueItem]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*QueueItem]{}, err
	}
	var after *queueCursor
	if req.Cursor != "" {
		after = &queueCursor{}
		if err := page.Decode(req.Cursor, after); err != nil {
			return page.Page[*QueueItem]{}, err
		}
	}
	scopeL, argsL := p.CourtFilter("l.court_id")
	rows, err := q.Query(ctx, listingSelect+` WHERE l.status = 'active' AND `+scopeL+` AND (l.trigger_on IS NOT NULL
		OR c.closure IN ('performed', 'not_enforced', 'terminated')
		OR c.closure = 'zhongben' AND (SELECT COUNT(*) FROM asset_inquiries i WHERE i.case_id = l.case_id AND i.source = 'requery'
			AND i.status = 'done' AND NOT EXISTS (SELECT 1 FROM restoration_proposals rp WHERE rp.inquiry_id = i.id)) >= ?)`,
		append(argsL, legal.EmptyRequeriesForDeletion)...)
	if err != nil {
		return page.Page[*QueueItem]{}, err
	}
	listings, err := store.ScanAll(rows, scanListing)
	if err != nil {
		return page.Page[*QueueItem]{}, err
	}
	scopeR, argsR := p.CourtFilter("r.court_id")
	rows, err = q.Query(ctx, restrictionSelect+` WHERE r.status = 'active' AND `+scopeR+` AND c.closure IN ('performed', 'not_enforced', 'terminated')`,
		argsR...)
	if err != nil {
		return page.Page[*QueueItem]{}, err
	}
	restrictions, err := store.ScanAll(rows, scanRestriction)
	if err != nil {
		return page.Page[*QueueItem]{}, err
	}
	today := legal.Today(now())
	var items []*QueueItem
	for _, l := range listings {
		d, err := listingDue(ctx, q, l)
		if err != nil {
			return page.Page[*QueueItem]{}, err
		}
		if d == nil {
			continue
		}
		l.Due = d
		items = append(items, &QueueItem{Kind: "dishonest_listing", ID: l.ID, CaseID: l.CaseID, CaseNo: l.CaseNo, PartyName: l.PartyName,
			IDNumber: l.IDNumber, DecidedOn: l.DecidedOn, Due: *d, Overdue: d.Overdue(today), Listing: l})
	}
	for _, r := range restrictions {
		d, err := restrictionDue(ctx, q, r)
		if err != nil {
			return page.Page[*QueueItem]{}, err
		}
		if d == nil {
			continue
		}
		r.Due = d
		items = append(items, &QueueItem{Kind: "restriction", ID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, PartyName: r.PartyName,
			IDNumber: r.IDNumber, DecidedOn: r.DecidedOn, Due: *d, Overdue: d.Overdue(today), Restriction: r})
	}
	key := func(it *QueueItem) queueCursor { return queueCursor{Due: it.Due.DueOn.String(), ID: it.ID} }
	cmp := func(a, b queueCursor) int {
		if a.Due != b.Due {
			if a.Due < b.Due {
				return -1
			}
			return 1
		}
		return slices.Compare(a.ID[:], b.ID[:])
	}
	slices.SortFunc(items, func(a, b *QueueItem) int { return cmp(key(a), key(b)) })
	if after != nil {
		i := 0
		for i < len(items) && cmp(key(items[i]), *after) <= 0 {
			i++
		}
		items = items[i:]
	}
	return page.Trim(items, limit, func(it *QueueItem) any { return key(it) }), nil
}
