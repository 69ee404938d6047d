package funds

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Distribution (DOMAIN.md §10, decision 0009): money the court holds for a
// debtor in one case is shared among the cases against that debtor by a
// plan (分配方案): drawn from each case's statement of account, published
// for objection (DIST-4), then carried out. Carrying it out moves each
// case's share onto the debtor's account of that case, as money received
// for it (a transfer of kind distribution), and allocates every case by its
// own statement, so fees, principal and interest follow the same rules as
// money paid to the case directly.

// KindDistribution moves a debtor's money from one case to another.
const KindDistribution TransferKind = "distribution"

// DIST-4's periods, in days: objection from publication, counter-objection
// from notice of the objection, suit from notice of the counter-objection.
const (
	DistObjectionDays = 15
	DistCounterDays   = 15
	DistSuitDays      = 15
)

// Distribution is a plan.
type Distribution struct {
	ID            uuid.UUID
	CourtID       uuid.UUID
	SourceCaseID  uuid.UUID
	SourceCaseNo  string
	DebtorPartyID uuid.UUID
	DebtorName    string
	AmountFen     int64
	LegalPerson   bool
	LeftFen       int64
	Status        string // draft, published, executed, withdrawn
	PublishedOn   legal.Date
	ObjectionDue  legal.Date
	Note          string
	CreatedByName string
	CreatedAt     time.Time
	ExecutedAt    time.Time
	EndReason     string
	Claims        []DistributionClaim
	Objections    []Objection
}

// StatusLabel is the status's Chinese name.
func (d *Distribution) StatusLabel() string {
	switch d.Status {
	case "draft":
		return "草案"
	case "published":
		return "已送达，异议期中"
	case "executed":
		return "已执行"
	case "withdrawn":
		return "已撤回"
	}
	return d.Status
}

// DistributionClaim is one case's claim in a plan and its share.
type DistributionClaim struct {
	CaseID                             uuid.UUID
	CaseNo                             string
	Applicants                         string
	CostsFen, PriorityFen, OrdinaryFen int64
	Rank                               int
	Share                              legal.DistShare
}

// Objection is an objection to a published plan.
type Objection struct {
	ID            uuid.UUID
	CaseID        uuid.UUID
	Objector      string
	Reason        string
	FiledOn       legal.Date
	CounterDue    legal.Date
	CounteredOn   legal.Date
	SuitDue       legal.Date
	Status        string // open, countered, sued, upheld, dismissed
	OutcomeNote   string
	CreatedByName string
}

// Pending reports whether the objection still stops the plan.
func (o *Objection) Pending() bool {
	return o.Status == "open" || o.Status == "countered" || o.Status == "sued"
}

// DistributionInput drafts a plan.
type DistributionInput struct {
	DebtorPartyID uuid.UUID
	// AmountFen is what to share: 0 for everything held for the debtor in
	// the source case.
	AmountFen int64
	// CaseIDs are the cases that share: empty for every open case of the
	// court against the debtor.
	CaseIDs []uuid.UUID
	// PriorityFen gives cases a part with priority (a mortgage …), at most
	// what the case is owed in principal and interest.
	PriorityFen map[uuid.UUID]int64
	Note        string
}

// ProposeDistribution drafts a plan for money held for a debtor in a case
// (funds.handle). Each case's claim is what its statement of account says
// it is owed (the money being shared left out of the source case's own):
// the application fee still owed as costs, principal and interest as the
// ordinary part, less any priority part given.
func ProposeDistribution(ctx context.Context, tx *store.Tx, sourceCaseID uuid.UUID, in DistributionInput) (*Distribution, error) {
	p, src, err := cases.LockForWork(ctx, tx, sourceCaseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	var debtorName, debtorKind string
	err = tx.QueryRow(ctx, `SELECT cp.name, pt.kind FROM case_parties cp JOIN parties pt ON pt.id = cp.party_id
		WHERE cp.case_id = ? AND cp.party_id = ? AND cp.role = 'respondent'`, sourceCaseID, in.DebtorPartyID).Scan(&debtorName, &debtorKind)
	if store.IsNoRows(err) {
		return nil, apperr.InvalidField("not_a_respondent", "body.debtor_party_id", "该当事人不是本案的被执行人")
	}
	if err != nil {
		return nil, err
	}
	acc, err := caseAccount(ctx, tx, sourceCaseID, in.DebtorPartyID)
	if err != nil {
		return nil, err
	}
	if in.AmountFen == 0 {
		in.AmountFen = acc.Balance
	}
	if in.AmountFen <= 0 || in.AmountFen > acc.Balance {
		return nil, apperr.InvalidField("invalid_amount", "body.amount_fen", fmt.Sprintf("分配金额须大于 0 且不超过 %s 在本案代管的 %s",
			debtorName, triage.FormatYuan(acc.Balance)))
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM distributions WHERE source_case_id = ? AND status IN ('draft', 'published')`,
		sourceCaseID).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.New(apperr.Conflict, "distribution_open", "本案已有未执行的分配方案，请先执行或撤回")
	}
	ids := slices.Clone(in.CaseIDs)
	if len(ids) == 0 {
		rows, err := tx.Query(ctx, `SELECT k.id FROM cases k JOIN case_parties cp ON cp.case_id = k.id
			WHERE k.court_id = ? AND cp.party_id = ? AND cp.role = 'respondent' AND (k.status <> 'closed' OR k.id = ?)
			ORDER BY k.filed_on, k.id`, src.CourtID, in.DebtorPartyID, sourceCaseID)
		if err != nil {
			return nil, err
		}
		if ids, err = store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
			var id uuid.UUID
			return id, sc.Scan(&id)
		}); err != nil {
			return nil, err
		}
	}
	if !slices.Contains(ids, sourceCaseID) {
		ids = append([]uuid.UUID{sourceCaseID}, ids...)
	}
	today := legal.Today(time.Now())
	d := &Distribution{ID: store.NewID(), CourtID: src.CourtID, SourceCaseID: sourceCaseID, SourceCaseNo: src.CaseNo, DebtorPartyID: in.DebtorPartyID,
		DebtorName: debtorName, AmountFen: in.AmountFen, LegalPerson: debtorKind == "organization", Status: "draft",
		Note: strings.TrimSpace(in.Note), CreatedByName: p.DisplayName, CreatedAt: time.Now().UTC()}
	type ranked struct {
		i     int
		first *time.Time
	}
	var order []ranked
	var claims []legal.DistClaim
	for _, id := range ids {
		var court uuid.UUID
		var caseNo, names, status string
		err := tx.QueryRow(ctx, `SELECT k.court_id, k.case_no, k.party_names, k.status FROM cases k JOIN case_parties cp ON cp.case_id = k.id
			WHERE k.id = ? AND cp.party_id = ? AND cp.role = 'respondent'`, id, in.DebtorPartyID).Scan(&court, &caseNo, &names, &status)
		if store.IsNoRows(err) || err == nil && court != src.CourtID {
			return nil, apperr.InvalidField("case_not_eligible", "body.case_ids", "所列案件须为本院对该被执行人的案件")
		}
		if err != nil {
			return nil, err
		}
		minus := int64(0)
		if id == sourceCaseID {
			minus = in.AmountFen
		}
		st, err := claimOf(ctx, tx, id, today, minus)
		if err != nil {
			return nil, err
		}
		owed := st.PrincipalOwedFen + st.InterestOwedFen
		prio := in.PriorityFen[id]
		if prio < 0 || prio > owed {
			return nil, apperr.InvalidField("invalid_priority", "body.priority_fen", caseNo+" 的优先受偿部分须在 0 至其尚欠本息之间")
		}
		var first *time.Time
		var at time.Time
		switch err := tx.QueryRow(ctx, `SELECT c.effective_at FROM controls c JOIN assets s ON s.id = c.asset_id
			WHERE c.case_id = ? AND s.party_id = ? AND c.status IN ('active', 'waiting', 'released') AND c.effective_at IS NOT NULL
			ORDER BY c.effective_at LIMIT 1`, id, in.DebtorPartyID).Scan(&at); {
		case err == nil:
			first = &at
		case !store.IsNoRows(err):
			return nil, err
		}
		if applicants, _, ok := strings.Cut(names, "|"); ok {
			names = strings.TrimSpace(applicants)
		}
		d.Claims = append(d.Claims, DistributionClaim{CaseID: id, CaseNo: caseNo, Applicants: names, CostsFen: st.FeeOwedFen, PriorityFen: prio,
			OrdinaryFen: owed - prio})
		claims = append(claims, legal.DistClaim{CostsFen: st.FeeOwedFen, PriorityFen: prio, OrdinaryFen: owed - prio})
		order = append(order, ranked{len(order), first})
	}
	// DIST-3: the order the cases' measures took effect on the debtor's
	// property, earliest first; cases without one come last.
	slices.SortStableFunc(order, func(a, b ranked) int {
		switch {
		case a.first == nil && b.first == nil:
			return 0
		case a.first == nil:
			return 1
		case b.first == nil:
			return -1
		}
		return a.first.Compare(*b.first)
	})
	for r, o := range order {
		if o.first != nil {
			d.Claims[o.i].Rank, claims[o.i].Rank = r+1, r+1
		}
	}
	shares, left := legal.Distribute(in.AmountFen, claims, d.LegalPerson)
	d.LeftFen = left
	for i := range d.Claims {
		d.Claims[i].Share = shares[i]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO distributions (id, court_id, source_case_id, debtor_party_id, amount_fen, legal_person, left_fen, status,
		note, created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?)`, d.ID, d.CourtID, sourceCaseID,
		in.DebtorPartyID, d.AmountFen, d.LegalPerson, d.LeftFen, textutil.Truncate(d.Note, 500), d.CreatedByName, d.CreatedAt, d.CreatedAt); err != nil {
		return nil, err
	}
	for i, c := range d.Claims {
		if _, err := tx.Exec(ctx, `INSERT INTO distribution_claims (distribution_id, seq, case_id, costs_fen, priority_fen, ordinary_fen, rank,
			share_costs_fen, share_priority_fen, share_ordinary_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, i+1, c.CaseID, c.CostsFen,
			c.PriorityFen, c.OrdinaryFen, c.Rank, c.Share.CostsFen, c.Share.PriorityFen, c.Share.OrdinaryFen); err != nil {
			return nil, err
		}
	}
	rule := "按债权比例（DIST-2）"
	if d.LegalPerson {
		rule = "按采取执行措施的先后（DIST-3）"
	}
	summary := fmt.Sprintf("拟定分配方案：%s 的 %s 在 %d 案之间分配，%s", debtorName, triage.FormatYuan(d.AmountFen), len(d.Claims), rule)
	return d, logDistribution(ctx, tx, d, "funds.distribution_drafted", summary, []uuid.UUID{sourceCaseID})
}

// claimOf is a case's statement of account on a day with minusFen of its
// latest payments left out (the money a plan is about to share).
func claimOf(ctx context.Context, q store.Querier, caseID uuid.UUID, today legal.Date, minusFen int64) (legal.Settlement, error) {
	st, payments, err := statementOf(ctx, q, caseID, today)
	if err != nil || minusFen == 0 {
		return st.Settlement, err
	}
	return legal.Settle(st.Claim, dropLatest(payments, minusFen), today), nil
}

func logDistribution(ctx context.Context, tx *store.Tx, d *Distribution, action, summary string, caseIDs []uuid.UUID) error {
	for _, id := range caseIDs {
		if err := cases.AppendEvents(ctx, tx, id, cases.Event{Kind: action, Summary: summary}); err != nil {
			return err
		}
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: d.CourtID, Action: action, ObjectType: "distribution", ObjectID: d.ID.String(),
		Summary: d.SourceCaseNo + "：" + summary, Changes: audit.Changes{"status": {To: d.Status}, "amount_fen": {To: d.AmountFen}}})
}

const distributionSelect = `SELECT d.id, d.court_id, d.source_case_id, k.case_no, d.debtor_party_id, pt.name, d.amount_fen, d.legal_person,
	d.left_fen, d.status, d.published_on, d.objection_due, d.note, d.created_by_name, d.created_at, d.executed_at, d.end_reason
	FROM distributions d JOIN cases k ON k.id = d.source_case_id JOIN parties pt ON pt.id = d.debtor_party_id`

func scanDistribution(sc store.Scanner) (*Distribution, error) {
	d := &Distribution{}
	var published, due *legal.Date
	var executed *time.Time
	if err := sc.Scan(&d.ID, &d.CourtID, &d.SourceCaseID, &d.SourceCaseNo, &d.DebtorPartyID, &d.DebtorName, &d.AmountFen, &d.LegalPerson,
		&d.LeftFen, &d.Status, &published, &due, &d.Note, &d.CreatedByName, &d.CreatedAt, &executed, &d.EndReason); err != nil {
		return nil, err
	}
	if published != nil {
		d.PublishedOn = *published
	}
	if due != nil {
		d.ObjectionDue = *due
	}
	if executed != nil {
		d.ExecutedAt = executed.UTC()
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return d, nil
}

// getDistribution loads a plan with its claims and objections; lock takes
// the plan's row for a change.
func getDistribution(ctx context.Context, q store.Querier, id uuid.UUID, lock bool) (*Distribution, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok && lock {
		suffix = tx.ForUpdate("d")
	}
	d, err := scanDistribution(q.QueryRow(ctx, distributionSelect+` WHERE d.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("分配方案")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT c.case_id, k.case_no, k.party_names, c.costs_fen, c.priority_fen, c.ordinary_fen, c.rank, c.share_costs_fen,
		c.share_priority_fen, c.share_ordinary_fen FROM distribution_claims c JOIN cases k ON k.id = c.case_id
		WHERE c.distribution_id = ? ORDER BY c.seq`, id)
	if err != nil {
		return nil, err
	}
	if d.Claims, err = store.ScanAll(rows, func(sc store.Scanner) (DistributionClaim, error) {
		var c DistributionClaim
		err := sc.Scan(&c.CaseID, &c.CaseNo, &c.Applicants, &c.CostsFen, &c.PriorityFen, &c.OrdinaryFen, &c.Rank, &c.Share.CostsFen,
			&c.Share.PriorityFen, &c.Share.OrdinaryFen)
		if applicants, _, ok := strings.Cut(c.Applicants, "|"); ok {
			c.Applicants = strings.TrimSpace(applicants)
		}
		return c, err
	}); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT id, case_id, objector, reason, filed_on, counter_due, countered_on, suit_due, status, outcome_note,
		created_by_name FROM distribution_objections WHERE distribution_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, err
	}
	d.Objections, err = store.ScanAll(rows, func(sc store.Scanner) (Objection, error) {
		var o Objection
		var countered, suit *legal.Date
		err := sc.Scan(&o.ID, &o.CaseID, &o.Objector, &o.Reason, &o.FiledOn, &o.CounterDue, &countered, &suit, &o.Status, &o.OutcomeNote,
			&o.CreatedByName)
		if countered != nil {
			o.CounteredOn = *countered
		}
		if suit != nil {
			o.SuitDue = *suit
		}
		return o, err
	})
	return d, err
}

// GetDistribution returns a plan of the caller's courts (cases.read).
func GetDistribution(ctx context.Context, q store.Querier, id uuid.UUID) (*Distribution, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	d, err := getDistribution(ctx, q, id, false)
	if err == nil && !p.Sees(d.CourtID) {
		return nil, apperr.NotFoundf("分配方案")
	}
	return d, err
}

// lockDistribution loads a plan for a change by someone who may handle the
// source case's money.
func lockDistribution(ctx context.Context, tx *store.Tx, id uuid.UUID) (*access.Principal, *Distribution, error) {
	d, err := GetDistribution(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	p, _, err := cases.LockForWork(ctx, tx, d.SourceCaseID, access.FundsHandle)
	if err != nil {
		return nil, nil, err
	}
	d, err = getDistribution(ctx, tx, id, true)
	return p, d, err
}

func (d *Distribution) caseIDs() []uuid.UUID {
	out := make([]uuid.UUID, len(d.Claims))
	for i, c := range d.Claims {
		out[i] = c.CaseID
	}
	return out
}

// PublishDistribution serves a draft on the parties (funds.handle): the
// objection period of DIST-4 starts, every case's timeline says so and its
// parties are told.
func PublishDistribution(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Distribution, error) {
	_, d, err := lockDistribution(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != "draft" {
		return nil, apperr.New(apperr.Conflict, "not_draft", "分配方案"+d.StatusLabel()+"，不能再送达")
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	due := cal.DaysPeriodEnd(today, DistObjectionDays)
	if _, err := tx.Exec(ctx, `UPDATE distributions SET status = 'published', published_on = ?, objection_due = ?, updated_at = ? WHERE id = ?`,
		today, due, time.Now().UTC(), d.ID); err != nil {
		return nil, err
	}
	d.Status, d.PublishedOn, d.ObjectionDue = "published", today, due
	summary := fmt.Sprintf("分配方案已送达（%s 的 %s，%d 案参与分配），对方案有异议的，应于 %s 前提出（DIST-4）", d.DebtorName,
		triage.FormatYuan(d.AmountFen), len(d.Claims), due)
	for _, c := range d.Claims {
		if err := tellParties(ctx, tx, d.CourtID, c.CaseID, "distribution_published", fmt.Sprintf("【分配方案】%s：%s 的执行款 %s 拟分配，本案分得 %s；如有异议，请于 %s 前向法院书面提出。",
			c.CaseNo, d.DebtorName, triage.FormatYuan(d.AmountFen), triage.FormatYuan(c.Share.Total()), due)); err != nil {
			return nil, err
		}
	}
	return d, logDistribution(ctx, tx, d, "funds.distribution_published", summary, d.caseIDs())
}

// ObjectionInput records an objection.
type ObjectionInput struct {
	CaseID   uuid.UUID // the objector's case in the plan
	Objector string
	Reason   string
}

// ObjectToDistribution records a creditor's or the debtor's objection
// (funds.handle), within the objection period only.
func ObjectToDistribution(ctx context.Context, tx *store.Tx, id uuid.UUID, in ObjectionInput) (*Distribution, error) {
	p, d, err := lockDistribution(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != "published" {
		return nil, apperr.New(apperr.Conflict, "not_published", "分配方案"+d.StatusLabel()+"，不能提出异议")
	}
	today := legal.Today(time.Now())
	if today.After(d.ObjectionDue) {
		return nil, apperr.New(apperr.Conflict, "objection_late", "异议期已于 "+d.ObjectionDue.String()+" 届满，不再受理异议（DIST-4）")
	}
	in.Objector, in.Reason = strings.TrimSpace(in.Objector), strings.TrimSpace(in.Reason)
	if !slices.Contains(d.caseIDs(), in.CaseID) {
		return nil, apperr.InvalidField("case_not_in_plan", "body.case_id", "该案件不在分配方案中")
	}
	if in.Objector == "" || in.Reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明异议人和异议理由")
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	counterDue := cal.DaysPeriodEnd(today, DistCounterDays)
	if _, err := tx.Exec(ctx, `INSERT INTO distribution_objections (id, distribution_id, case_id, objector, reason, filed_on, counter_due, status,
		created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`, store.NewID(), d.ID, in.CaseID,
		textutil.Truncate(in.Objector, 100), textutil.Truncate(in.Reason, 1000), today, counterDue, p.DisplayName, now, now); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("%s 对分配方案提出异议：%s；其他债权人和被执行人可于 %s 前提出反对意见（DIST-4）", in.Objector, in.Reason, counterDue)
	if err := logDistribution(ctx, tx, d, "funds.distribution_objection", summary, d.caseIDs()); err != nil {
		return nil, err
	}
	return getDistribution(ctx, tx, d.ID, false)
}

// ObjectionStep moves an objection on (funds.handle).
type ObjectionStep string

const (
	StepCountered ObjectionStep = "countered" // another party opposes the objection: the objector may sue within 15 days
	StepSued      ObjectionStep = "sued"      // the objector sued (分配方案异议之诉)
	StepUpheld    ObjectionStep = "upheld"    // the objection stands: the plan is withdrawn, to be drawn again
	StepDismissed ObjectionStep = "dismissed" // the plan stands
)

// AdvanceObjection records the next step of an objection. DIST-4: without
// a counter-objection within its period the plan is revised as the
// objection proposes (upheld); after a counter-objection the objector must
// sue within 15 days, or the plan stands (dismissed); a suit ends as the
// judgment says (a note is required). Upholding an objection withdraws the
// plan.
func AdvanceObjection(ctx context.Context, tx *store.Tx, id, objectionID uuid.UUID, step ObjectionStep, note string) (*Distribution, error) {
	_, d, err := lockDistribution(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var o *Objection
	for i := range d.Objections {
		if d.Objections[i].ID == objectionID {
			o = &d.Objections[i]
		}
	}
	if o == nil {
		return nil, apperr.NotFoundf("异议")
	}
	if !o.Pending() {
		return nil, apperr.New(apperr.Conflict, "objection_closed", "该异议已处理完毕")
	}
	note = strings.TrimSpace(note)
	today := legal.Today(time.Now())
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	refuse := func(msg string) (*Distribution, error) { return nil, apperr.New(apperr.Conflict, "wrong_step", msg) }
	now := time.Now().UTC()
	switch step {
	case StepCountered:
		if o.Status != "open" {
			return refuse("只能对尚无反对意见的异议记录反对意见")
		}
		if today.After(o.CounterDue) {
			return refuse("反对意见期限已于 " + o.CounterDue.String() + " 届满")
		}
		due := cal.DaysPeriodEnd(today, DistSuitDays)
		_, err = tx.Exec(ctx, `UPDATE distribution_objections SET status = 'countered', countered_on = ?, suit_due = ?, outcome_note = ?,
			updated_at = ? WHERE id = ?`, today, due, textutil.Truncate(note, 1000), now, o.ID)
		note = fmt.Sprintf("对 %s 的异议提出反对意见；异议人应于 %s 前提起分配方案异议之诉，逾期按原方案分配（DIST-4）", o.Objector, due)
	case StepSued:
		if o.Status != "countered" {
			return refuse("只有被反对的异议才进入诉讼")
		}
		if today.After(o.SuitDue) {
			return refuse("起诉期限已于 " + o.SuitDue.String() + " 届满")
		}
		_, err = tx.Exec(ctx, `UPDATE distribution_objections SET status = 'sued', outcome_note = ?, updated_at = ? WHERE id = ?`,
			textutil.Truncate(note, 1000), now, o.ID)
		note = o.Objector + " 提起分配方案异议之诉：" + note
	case StepUpheld, StepDismissed:
		switch {
		case o.Status == "sued" && note == "":
			return nil, apperr.InvalidField("note_required", "body.note", "请写明判决结果")
		case o.Status == "open" && step == StepUpheld && !today.After(o.CounterDue):
			return refuse("反对意见期限（至 " + o.CounterDue.String() + "）届满后，无人反对的，方按异议修改方案")
		case o.Status == "open" && step == StepDismissed && note == "":
			return nil, apperr.InvalidField("note_required", "body.note", "异议人撤回或异议不成立的，请写明理由")
		case o.Status == "countered" && step == StepDismissed && !today.After(o.SuitDue):
			return refuse("起诉期限（至 " + o.SuitDue.String() + "）届满后，未起诉的，方按原方案分配")
		case o.Status == "countered" && step == StepUpheld && note == "":
			return nil, apperr.InvalidField("note_required", "body.note", "请写明理由")
		}
		_, err = tx.Exec(ctx, `UPDATE distribution_objections SET status = ?, outcome_note = ?, updated_at = ? WHERE id = ?`,
			string(step), textutil.Truncate(note, 1000), now, o.ID)
		if err == nil && step == StepUpheld {
			_, err = tx.Exec(ctx, `UPDATE distributions SET status = 'withdrawn', end_reason = ?, updated_at = ? WHERE id = ?`,
				"异议成立，方案撤回重拟："+textutil.Truncate(note, 400), now, d.ID)
			d.Status = "withdrawn"
		}
		verdict := map[ObjectionStep]string{StepUpheld: "异议成立，分配方案撤回重拟", StepDismissed: "异议不成立，按原方案分配"}[step]
		note = fmt.Sprintf("%s 的异议：%s。%s", o.Objector, verdict, note)
	default:
		return nil, apperr.InvalidField("invalid_step", "body.step", "步骤应为 countered、sued、upheld 或 dismissed")
	}
	if err != nil {
		return nil, err
	}
	if err := logDistribution(ctx, tx, d, "funds.distribution_objection", note, d.caseIDs()); err != nil {
		return nil, err
	}
	return getDistribution(ctx, tx, d.ID, false)
}

// ExecuteDistribution carries out a published plan once its objection
// period is over and no objection is pending (funds.handle): each case's
// share moves onto the debtor's account of that case as money received for
// it, and every case is allocated by its own statement. What is left stays
// with the debtor in the source case.
func ExecuteDistribution(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Distribution, error) {
	_, d, err := lockDistribution(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != "published" {
		return nil, apperr.New(apperr.Conflict, "not_published", "分配方案"+d.StatusLabel()+"，不能执行")
	}
	today := legal.Today(time.Now())
	if !today.After(d.ObjectionDue) {
		return nil, apperr.New(apperr.Conflict, "objection_period", "异议期至 "+d.ObjectionDue.String()+"，届满后方可执行（DIST-4）")
	}
	for _, o := range d.Objections {
		if o.Pending() {
			return nil, apperr.New(apperr.Conflict, "objection_pending", o.Objector+" 的异议尚未处理完毕")
		}
	}
	from, err := caseAccount(ctx, tx, d.SourceCaseID, d.DebtorPartyID)
	if err != nil {
		return nil, err
	}
	for _, c := range d.Claims {
		share := c.Share.Total()
		if share == 0 || c.CaseID == d.SourceCaseID {
			continue
		}
		to, err := caseAccount(ctx, tx, c.CaseID, d.DebtorPartyID)
		if err != nil {
			return nil, err
		}
		memo := fmt.Sprintf("按分配方案自 %s 分得", d.SourceCaseNo)
		t, err := post(ctx, tx, &Transfer{CourtID: d.CourtID, CaseID: c.CaseID, Kind: KindDistribution,
			Ref: "distribution:" + d.ID.String() + ":" + c.CaseID.String(), Memo: memo, Postings: []Posting{debit(from, share), credit(to, share)}})
		if err != nil {
			return nil, err
		}
		if err := cases.AddRecovered(ctx, tx, c.CaseID, share); err != nil {
			return nil, err
		}
		if err := cases.AddRecovered(ctx, tx, d.SourceCaseID, -share); err != nil {
			return nil, err
		}
		if err := cases.AppendEvents(ctx, tx, c.CaseID, cases.Event{Kind: "funds.received", Summary: fmt.Sprintf("%s %s，记入%s的案款分户",
			memo, triage.FormatYuan(t.AmountFen), to.Name)}); err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE distributions SET status = 'executed', executed_at = ?, updated_at = ? WHERE id = ?`, now, now, d.ID); err != nil {
		return nil, err
	}
	d.Status, d.ExecutedAt = "executed", now
	for _, c := range d.Claims {
		if c.Share.Total() == 0 {
			continue
		}
		if _, err := Allocate(ctx, tx, c.CaseID); err != nil && apperr.CodeOf(err) != "nothing_to_allocate" {
			return nil, fmt.Errorf("%s: %w", c.CaseNo, err)
		}
	}
	return d, logDistribution(ctx, tx, d, "funds.distribution_executed", fmt.Sprintf("分配方案已执行：%s 在 %d 案之间分配，余 %s 归被执行人",
		triage.FormatYuan(d.AmountFen), len(d.Claims), triage.FormatYuan(d.LeftFen)), d.caseIDs())
}

// WithdrawDistribution withdraws a plan not yet carried out (funds.handle).
func WithdrawDistribution(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Distribution, error) {
	_, d, err := lockDistribution(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != "draft" && d.Status != "published" {
		return nil, apperr.New(apperr.Conflict, "not_open", "分配方案"+d.StatusLabel()+"，不能撤回")
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明撤回理由")
	}
	if _, err := tx.Exec(ctx, `UPDATE distributions SET status = 'withdrawn', end_reason = ?, updated_at = ? WHERE id = ?`,
		textutil.Truncate(reason, 500), time.Now().UTC(), d.ID); err != nil {
		return nil, err
	}
	d.Status, d.EndReason = "withdrawn", reason
	return d, logDistribution(ctx, tx, d, "funds.distribution_withdrawn", "撤回分配方案："+reason, d.caseIDs())
}

// CaseDistributions lists the plans a case takes part in, latest first
// (cases.read).
func CaseDistributions(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Distribution, error) {
	if _, err := caseInScope(ctx, q, caseID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, distributionSelect+` WHERE d.id IN (SELECT distribution_id FROM distribution_claims WHERE case_id = ?)
		ORDER BY d.created_at DESC, d.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanDistribution)
	if err != nil {
		return nil, err
	}
	for i, d := range list {
		if list[i], err = getDistribution(ctx, q, d.ID, false); err != nil {
			return nil, err
		}
	}
	return list, nil
}
