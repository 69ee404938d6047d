// Package disposal is property disposal (财产处置, DOMAIN.md §8, FLOW-8): for
// an asset under a control in force in a case, the reference price (VAL-1
// to VAL-4), the online auctions and 变卖 on an auction platform (AUCT-1 to
// AUCT-10), the confirmation of a sale with its proceeds into the case's
// funds, and the auction periods deducted from the case clock (AUCT-12).
// The limits are legal's pure functions fed with the court's rule
// parameters in force (ruleparams).
package disposal

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/remedies"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// The stages of a disposal.
const (
	StageValuation = "valuation" // the reference price is being fixed
	StagePriced    = "priced"    // the reference price is fixed: list the first auction
	StageListed    = "listed"    // an auction or 变卖 is on the platform
	StageFailed    = "failed"    // no bid, or the buyer defaulted: list again (or 变卖)
	StageSold      = "sold"      // sold on the platform: confirm once paid
	StageCompleted = "completed" // sale confirmed, proceeds in the case's funds
	StageUnsold    = "unsold"    // the 变卖 found no buyer either
)

// StageLabel is the Chinese name of a stage.
func StageLabel(s string) string {
	return map[string]string{StageValuation: "确定参考价", StagePriced: "待发布拍卖公告", StageListed: "拍卖中", StageFailed: "流拍待再次处置",
		StageSold: "已成交待确认", StageCompleted: "已成交确认", StageUnsold: "变卖未成交", "withdrawn": "已撤回"}[s]
}

// MethodLabel is the Chinese name of a reference price method (VAL-2).
func MethodLabel(m string) string {
	return map[string]string{"agreed": "当事人议价", "directed": "定向询价", "online": "网络询价", "appraisal": "委托评估"}[m]
}

// Disposal is the disposal of one asset for one case.
type Disposal struct {
	ID, CourtID, CaseID, AssetID, ControlID, OwnerPartyID uuid.UUID
	CaseNo                                                string
	AssetLabel                                            string
	Movable                                               bool
	Stage                                                 string
	SeizedOn, ValuationDue                                legal.Date
	Method                                                string
	StartedOn                                             legal.Date
	StartedLate                                           bool
	AppraiserDraw                                         string
	ReferenceFen                                          int64
	ServedOn, ObjectionDue, ValidUntil                    legal.Date
	NoBidCount                                            int
	FailedOn                                              legal.Date
	LastReserveFen                                        int64
	ProceedsFen, ForfeitedFen                             int64
	HandlerName                                           string
	CreatedAt, UpdatedAt                                  time.Time

	Reports  []Report
	Auctions []*Auction
	Barred   []string
}

// Report is a valuation report (VAL-2, VAL-3).
type Report struct {
	ID           uuid.UUID
	ProviderCode string
	ProviderName string
	DueOn        legal.Date
	AmountFen    int64
	ReportedOn   legal.Date
	Basis        string
	Objected     bool
	Objection    string
	ObjectedOn   legal.Date
}

// Counts reports whether the report enters the reference price (VAL-3).
func (r Report) Counts() bool { return r.AmountFen > 0 && !r.Objected }

const disposalColumns = `d.id, d.court_id, d.case_id, d.asset_id, d.control_id, d.owner_party_id, c.case_no, d.asset_label, d.movable, d.stage,
	d.seized_on, d.valuation_due, d.method, d.started_on, d.started_late, d.appraiser_draw, d.reference_fen, d.served_on, d.objection_due,
	d.valid_until, d.no_bid_count, d.failed_on, d.last_reserve_fen, d.proceeds_fen, d.forfeited_fen, d.handler_name, d.created_at, d.updated_at`

const disposalFrom = ` FROM disposals d JOIN cases c ON c.id = d.case_id`

func scanDisposal(sc store.Scanner) (*Disposal, error) {
	d := &Disposal{}
	err := sc.Scan(&d.ID, &d.CourtID, &d.CaseID, &d.AssetID, &d.ControlID, &d.OwnerPartyID, &d.CaseNo, &d.AssetLabel, &d.Movable, &d.Stage,
		&d.SeizedOn, &d.ValuationDue, &d.Method, &d.StartedOn, &d.StartedLate, &d.AppraiserDraw, &d.ReferenceFen, &d.ServedOn, &d.ObjectionDue,
		&d.ValidUntil, &d.NoBidCount, &d.FailedOn, &d.LastReserveFen, &d.ProceedsFen, &d.ForfeitedFen, &d.HandlerName, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

// now is the time the disposal code works at: the platform's clock (a
// test's, or the wall clock), so that the court's days and the platform's
// instants agree.
func now(db *store.DB) time.Time {
	if p, err := PlatformOf(db); err == nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// Today is the court's day by the disposal clock.
func Today(db *store.DB) legal.Date { return legal.Today(now(db)) }

func rules(ctx context.Context, q store.Querier, court uuid.UUID, on legal.Date) (legal.DisposalRules, error) {
	return ruleparams.DisposalRules(ctx, q, court, on)
}

// lockCase locks the disposal's case for a change (disposal.manage) and
// checks it is open.
func lockCase(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (*access.Principal, *cases.Case, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.DisposalManage)
	if err != nil {
		return nil, nil, err
	}
	if c.Status == cases.StatusClosed {
		return nil, nil, apperr.New(apperr.Conflict, "case_closed", "案件 "+c.CaseNo+" 已结案，不能再处置财产")
	}
	return p, c, nil
}

// lock loads a disposal for a change: the case locked first, then the
// disposal row. Outside the caller's scope it is not found.
func lock(ctx context.Context, tx *store.Tx, id uuid.UUID) (*access.Principal, *Disposal, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	var caseID, court uuid.UUID
	err = tx.QueryRow(ctx, `SELECT case_id, court_id FROM disposals WHERE id = ?`, id).Scan(&caseID, &court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return nil, nil, apperr.NotFoundf("财产处置")
	}
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := lockCase(ctx, tx, caseID); err != nil {
		return nil, nil, err
	}
	d, err := scanDisposal(tx.QueryRow(ctx, `SELECT `+disposalColumns+disposalFrom+` WHERE d.id = ?`+tx.ForUpdate("d"), id))
	if err != nil {
		return nil, nil, err
	}
	return p, d, loadParts(ctx, tx, d)
}

// Get returns a disposal with its reports, auctions and bars, to those who
// may read its case.
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*Disposal, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	d, err := scanDisposal(q.QueryRow(ctx, `SELECT `+disposalColumns+disposalFrom+` WHERE d.id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(d.CourtID) {
		return nil, apperr.NotFoundf("财产处置")
	}
	if err != nil {
		return nil, err
	}
	return d, loadParts(ctx, q, d)
}

func loadParts(ctx context.Context, q store.Querier, d *Disposal) error {
	rows, err := q.Query(ctx, `SELECT id, provider_code, provider_name, due_on, amount_fen, reported_on, basis, objected, objection, objected_on
		FROM valuation_reports WHERE disposal_id = ? ORDER BY provider_code`, d.ID)
	if err != nil {
		return err
	}
	if d.Reports, err = store.ScanAll(rows, func(sc store.Scanner) (Report, error) {
		var r Report
		return r, sc.Scan(&r.ID, &r.ProviderCode, &r.ProviderName, &r.DueOn, &r.AmountFen, &r.ReportedOn, &r.Basis, &r.Objected, &r.Objection,
			&r.ObjectedOn)
	}); err != nil {
		return err
	}
	if d.Auctions, err = loadAuctions(ctx, q, d.ID); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT bidder_ref FROM disposal_bars WHERE disposal_id = ? ORDER BY created_at, bidder_ref`, d.ID)
	if err != nil {
		return err
	}
	d.Barred, err = store.ScanAll(rows, func(sc store.Scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	})
	return err
}

// Open starts the disposal of an asset seized or frozen for a case, with
// the control in force (disposal.manage). The VAL-1 clock runs from the
// day the control took effect.
func Open(ctx context.Context, tx *store.Tx, caseID, assetID uuid.UUID) (*Disposal, error) {
	p, c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	var controlID, partyID uuid.UUID
	var effective sql.NullTime
	var kind agency.Kind
	var ref, inst, desc string
	err = tx.QueryRow(ctx, `SELECT k.id, k.effective_at, a.party_id, a.kind, a.ref, a.institution, a.description
		FROM controls k JOIN assets a ON a.id = k.asset_id
		WHERE k.case_id = ? AND k.asset_id = ? AND k.status = 'active' ORDER BY k.created_at DESC LIMIT 1`, caseID, assetID).
		Scan(&controlID, &effective, &partyID, &kind, &ref, &inst, &desc)
	if store.IsNoRows(err) {
		return nil, apperr.New(apperr.Conflict, "no_control_in_force", "本案对该财产没有生效的查封、冻结措施（轮候查封的须首封法院移送后处置），不能启动处置",
			apperr.FieldError{Field: "body.asset_id", Detail: "本案没有生效的控制措施"})
	}
	if err != nil {
		return nil, err
	}
	if err := stopped(ctx, tx, assetID); err != nil {
		return nil, err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM disposals WHERE case_id = ? AND asset_id = ? AND stage NOT IN ('completed', 'unsold', 'withdrawn')`,
		caseID, assetID).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, apperr.New(apperr.Conflict, "disposal_exists", "该财产已在处置中")
	}
	info, _ := agency.Info(kind)
	if info.Term == agency.TermNone || info.Money {
		return nil, apperr.New(apperr.Conflict, "not_disposable", kind.Label()+"无须拍卖，可直接扣划")
	}
	at := now(tx.DB())
	seized := legal.DateOf(effective.Time)
	if !effective.Valid {
		seized = legal.DateOf(at)
	}
	r, err := rules(ctx, tx, c.CourtID, legal.DateOf(at))
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	label := kind.Label() + " " + ref
	if desc != "" {
		label += "（" + desc + "）"
	} else if inst != "" {
		label += "（" + inst + "）"
	}
	d := &Disposal{ID: store.NewID(), CourtID: c.CourtID, CaseID: c.ID, AssetID: assetID, ControlID: controlID, OwnerPartyID: partyID,
		CaseNo: c.CaseNo, AssetLabel: label, Movable: info.Term == agency.TermMovable, Stage: StageValuation, SeizedOn: seized,
		ValuationDue: legal.ValuationStartDue(cal, seized, r), HandlerName: p.DisplayName, CreatedAt: at, UpdatedAt: at}
	if _, err := tx.Exec(ctx, `INSERT INTO disposals (id, court_id, case_id, asset_id, control_id, owner_party_id, asset_label, movable, stage,
		seized_on, valuation_due, handler_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.CourtID, d.CaseID, d.AssetID, d.ControlID, d.OwnerPartyID, d.AssetLabel, d.Movable, d.Stage, d.SeizedOn, d.ValuationDue,
		d.HandlerName, at, at); err != nil {
		return nil, err
	}
	if err := cases.AppendEvents(ctx, tx, c.ID, cases.Event{Kind: "disposal.opened", Summary: "启动财产处置：" + label +
		"，应于 " + d.ValuationDue.String() + " 前启动确定参考价（VAL-1）"}); err != nil {
		return nil, err
	}
	if err := supervise.TouchCase(ctx, tx, c.ID); err != nil {
		return nil, err
	}
	return d, logDisposal(ctx, tx, d, "disposal.opened", "启动财产处置："+label, audit.Changes{"asset_id": {To: assetID.String()}})
}

// stopped refuses to dispose of an asset whose enforcement an upheld
// outsider objection stopped (OBJ-4): opening, listing and confirming a sale.
func stopped(ctx context.Context, tx *store.Tx, assetID uuid.UUID) error {
	blocked, err := remedies.AssetBlocked(ctx, tx, assetID)
	if err != nil || !blocked {
		return err
	}
	return apperr.New(apperr.Conflict, "asset_stopped", "案外人异议成立，已裁定停止对该财产的执行（OBJ-4），不能处置")
}

func logDisposal(ctx context.Context, tx *store.Tx, d *Disposal, action, summary string, ch audit.Changes) error {
	return audit.Log(ctx, tx, audit.Entry{CourtID: d.CourtID, Action: action, ObjectType: "disposal", ObjectID: d.ID.String(),
		Summary: d.CaseNo + "：" + summary, Changes: ch})
}

// touch stores the stage and the time of a change, and has the case's
// supervision rules look again (VAL-1, AUCT-9, a stalled disposal: the
// case's disposal dates are its open disposals' earliest).
func touch(ctx context.Context, tx *store.Tx, d *Disposal, stage string) error {
	d.Stage, d.UpdatedAt = stage, now(tx.DB())
	if _, err := tx.Exec(ctx, `UPDATE disposals SET stage = ?, updated_at = ? WHERE id = ?`, stage, d.UpdatedAt, d.ID); err != nil {
		return err
	}
	return supervise.TouchCase(ctx, tx, d.CaseID)
}

func wrongStage(d *Disposal, what string) error {
	return apperr.New(apperr.Conflict, "invalid_stage", fmt.Sprintf("处置处于“%s”阶段，不能%s", StageLabel(d.Stage), what))
}

// Next is what a disposal waits for: the next date, the step and who acts
// (the disposal board, S10).
type Next struct {
	On     legal.Date
	Step   string
	Actor  string
	Late   bool
	Detail string
}

// Next computes the disposal's next step as of today.
func (d *Disposal) Next(today legal.Date, r legal.DisposalRules) Next {
	switch d.Stage {
	case StageValuation:
		if d.Method == "" {
			return Next{On: d.ValuationDue, Step: "启动确定参考价", Actor: "承办法官", Late: today.After(d.ValuationDue)}
		}
		for _, rep := range d.Reports {
			if rep.AmountFen == 0 && !rep.DueOn.IsZero() {
				return Next{On: rep.DueOn, Step: "等待 " + rep.ProviderName + " 出具报告", Actor: rep.ProviderName, Late: today.After(rep.DueOn)}
			}
		}
		return Next{On: today, Step: "确定参考价并送达当事人", Actor: "承办法官"}
	case StagePriced:
		if !today.After(d.ObjectionDue) {
			return Next{On: d.ObjectionDue, Step: "参考价异议期届满", Actor: "当事人"}
		}
		return Next{On: d.ValidUntil, Step: "发布拍卖公告（参考价有效期届满前开拍）", Actor: "承办法官", Late: today.After(d.ValidUntil)}
	case StageListed:
		if a := d.Current(); a != nil {
			return Next{On: legal.DateOf(a.EndsAt), Step: a.KindLabel() + "结束，取回结果", Actor: "拍卖平台"}
		}
	case StageFailed:
		if d.NoBidCount >= 2 {
			return Next{On: d.FailedOn, Step: "转入网络变卖（AUCT-10）", Actor: "承办法官"}
		}
		return Next{On: legal.RelistDue(d.FailedOn, r), Step: "再次拍卖（AUCT-9）", Actor: "承办法官", Late: today.After(legal.RelistDue(d.FailedOn, r))}
	case StageSold:
		return Next{On: today, Step: "买受人付款后成交确认", Actor: "买受人、承办法官"}
	}
	return Next{Step: "无", Actor: ""}
}

// Current is the disposal's latest auction, nil before the first.
func (d *Disposal) Current() *Auction {
	if len(d.Auctions) == 0 {
		return nil
	}
	return d.Auctions[len(d.Auctions)-1]
}

// Filter narrows the disposal board.
type Filter struct {
	CourtID uuid.UUID
	CaseID  uuid.UUID
	Stage   string
	Open    bool // only disposals still under way
}

// BoardRow is a disposal on the board with its next step.
type BoardRow struct {
	*Disposal
	Next Next
}

// NextOf computes d's next step as of the disposal clock's today, under
// the court's values in force.
func NextOf(ctx context.Context, q store.Querier, db *store.DB, d *Disposal) (Next, error) {
	today := Today(db)
	r, err := rules(ctx, q, d.CourtID, today)
	if err != nil {
		return Next{}, err
	}
	return d.Next(today, r), nil
}

// Board lists the disposals of the courts in the caller's scope, newest
// first, with their next step (S10).
func Board(ctx context.Context, db *store.DB, f Filter, req page.Request) (page.Page[BoardRow], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[BoardRow]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[BoardRow]{}, err
	}
	cond, args := p.CourtFilter("d.court_id")
	where := []string{cond}
	if f.CourtID != uuid.Nil {
		where, args = append(where, "d.court_id = ?"), append(args, f.CourtID)
	}
	if f.CaseID != uuid.Nil {
		where, args = append(where, "d.case_id = ?"), append(args, f.CaseID)
	}
	if f.Stage != "" {
		if StageLabel(f.Stage) == "" {
			return page.Page[BoardRow]{}, apperr.InvalidField("invalid_stage", "query.stage", "没有“"+f.Stage+"”这种处置阶段")
		}
		where, args = append(where, "d.stage = ?"), append(args, f.Stage)
	}
	if f.Open {
		where = append(where, "d.stage NOT IN ('completed', 'unsold', 'withdrawn')")
	}
	pg, err := store.PageByID(ctx, db, req, `SELECT `+disposalColumns+disposalFrom+` WHERE `+strings.Join(where, " AND "), args, "d.id", true,
		scanDisposal, func(d *Disposal) uuid.UUID { return d.ID })
	if err != nil {
		return page.Page[BoardRow]{}, err
	}
	out := page.Page[BoardRow]{NextCursor: pg.NextCursor}
	for _, d := range pg.Items {
		if err := loadParts(ctx, db, d); err != nil {
			return page.Page[BoardRow]{}, err
		}
		next, err := NextOf(ctx, db, db, d)
		if err != nil {
			return page.Page[BoardRow]{}, err
		}
		out.Items = append(out.Items, BoardRow{Disposal: d, Next: next})
	}
	return out, nil
}

// Disposable is an asset a case may start disposing of: under one of its
// controls in force, not already under disposal.
type Disposable struct {
	AssetID uuid.UUID
	Label   string
}

// DisposableAssets lists the assets of a case that a disposal may be
// opened on (the case page's form).
func DisposableAssets(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]Disposable, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT a.id, a.kind, a.ref FROM controls k JOIN assets a ON a.id = k.asset_id
		WHERE k.case_id = ? AND k.status = 'active'
			AND NOT EXISTS (SELECT 1 FROM disposals d WHERE d.case_id = k.case_id AND d.asset_id = a.id AND d.stage NOT IN ('completed', 'unsold', 'withdrawn'))
		ORDER BY a.ref`, caseID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, func(sc store.Scanner) (Disposable, error) {
		var x Disposable
		var kind agency.Kind
		var ref string
		err := sc.Scan(&x.AssetID, &kind, &ref)
		x.Label = kind.Label() + " " + ref
		if info, ok := agency.Info(kind); ok && (info.Term == agency.TermNone || info.Money) {
			x.Label = ""
		}
		return x, err
	})
	var out []Disposable
	for _, x := range list {
		if x.Label != "" {
			out = append(out, x)
		}
	}
	return out, err
}
