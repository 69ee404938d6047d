package assets

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/notify"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// After 终本 (item 9, ZB-9, S9): closing a case as 终本 schedules its
// re-query (cases.Transition writes the requeries row); RunRequeries starts
// the inquiries that are due; when such an inquiry is answered the applicant
// is told the result and, when something can be taken, restoration is
// proposed to a reviewer.

// RequeryKind is the background job that runs the due re-queries.
const RequeryKind = "assets.requery"

// RequeryPurpose is the purpose recorded for the n-th re-query.
func RequeryPurpose(n int) string {
	return fmt.Sprintf("终本后第 %d 次定期财产复查（ZB-9）", n)
}

// RunRequeries starts the re-queries due on or before today, at most limit
// of them, in one transaction: each gets an inquiry of every kind and its
// next date (or ends after the last). It returns how many it started.
func RunRequeries(ctx context.Context, db *store.DB, today legal.Date, limit int) (int, error) {
	ctx = access.With(ctx, access.System("终本定期复查"))
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (int, error) {
		lock := ""
		if tx.Engine() == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `SELECT case_id, court_id, started_on, until_on, runs FROM requeries
			WHERE status = 'active' AND next_on <= ? ORDER BY next_on, case_id LIMIT ?`+lock, today, limit)
		if err != nil {
			return 0, err
		}
		type due struct {
			caseID, court  uuid.UUID
			started, until legal.Date
			runs           int
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.caseID, &d.court, &d.started, &d.until, &d.runs); err != nil {
				rows.Close()
				return 0, err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		now := time.Now().UTC()
		for _, d := range list {
			c, err := cases.Get(ctx, tx, d.caseID)
			if err != nil {
				return 0, err
			}
			n := d.runs + 1
			status, reason, inquiry := "active", "", uuid.NullUUID{}
			if c.Status != cases.StatusClosed || c.Closure != cases.ClosureZhongben {
				status, reason = "ended", "案件已不在终本状态（"+cases.StatusLabel(c.Status)+"）"
			} else {
				q, err := startInquiry(ctx, tx, c, SourceRequery, InquiryInput{Purpose: RequeryPurpose(n)})
				if err != nil {
					return 0, err
				}
				inquiry = uuid.NullUUID{UUID: q.ID, Valid: true}
			}
			v, err := ruleparams.Resolve(ctx, tx, d.court, today)
			if err != nil {
				return 0, err
			}
			next := d.started.AddMonths(v.Int(ruleparams.KeyRequeryEveryMonths) * (n + 1))
			if status == "active" && next.After(d.until) {
				status, reason = "ended", fmt.Sprintf("复查期限届满（至 %s）", d.until)
			}
			if _, err := tx.Exec(ctx, `UPDATE requeries SET runs = ?, next_on = ?, status = ?, end_reason = ?,
				last_inquiry_id = COALESCE(?, last_inquiry_id), updated_at = ? WHERE case_id = ?`,
				n, next, status, reason, inquiry, now, d.caseID); err != nil {
				return 0, err
			}
		}
		return len(list), nil
	})
}

// RequeryJob is the handler of RequeryKind: it runs every due re-query in
// batches.
func RequeryJob(db *store.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		today := legal.Today(time.Now())
		for {
			n, err := RunRequeries(ctx, db, today, 200)
			if err != nil || n < 200 {
				return err
			}
		}
	}
}

// requeryAnswered runs when a re-query inquiry is fully answered (in the
// transaction of the last answer): it tells the applicants what was found
// and, when there is something to take, proposes restoration.
func requeryAnswered(ctx context.Context, tx *store.Tx, inquiryID, caseID uuid.UUID, money int64) error {
	c, err := cases.Get(access.With(ctx, access.System("终本定期复查")), tx, caseID)
	if err != nil {
		return err
	}
	// What can be taken: money available, or property found for the first
	// time by this re-query, neither flagged exempt.
	var fresh int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assets s WHERE s.exempt = ? AND s.last_request_id IN
		(SELECT r.id FROM agency_requests r WHERE r.inquiry_id = ?) AND (s.available_fen > 0 OR s.first_found_at >= 
		(SELECT created_at FROM asset_inquiries WHERE id = ?))`, false, inquiryID, inquiryID).Scan(&fresh); err != nil {
		return err
	}
	today := legal.Today(time.Now())
	result := "未发现可供执行的财产，案件继续处于终本状态，法院将按期再次查询。"
	if fresh > 0 {
		result = fmt.Sprintf("发现财产 %d 项", fresh)
		if money > 0 {
			result += "，其中存款等可用余额 " + triage.FormatYuan(money)
		}
		result += "，法院将审查是否恢复执行。"
	}
	var msgs []notify.Message
	for _, p := range c.Applicants() {
		msgs = append(msgs, notify.Message{CourtID: c.CourtID, CaseID: c.ID, PartyID: p.PartyID, Phone: p.Phone, Kind: "requery_result",
			Body: fmt.Sprintf("【执行案件通知】%s：您申请执行的 %s 案件（终结本次执行程序）已于 %s 完成财产复查，%s", p.Name, c.CaseNo, today, result)})
	}
	sent, err := notify.Queue(ctx, tx, msgs...)
	if err != nil {
		return err
	}
	events := []cases.Event{{Kind: "requery_notice", Summary: fmt.Sprintf("已告知申请执行人复查结果（短信 %d 条）：%s", sent, result)}}
	if fresh > 0 {
		summary := fmt.Sprintf("终本复查发现财产 %d 项", fresh)
		if money > 0 {
			summary += "，可用余额 " + triage.FormatYuan(money)
		}
		res, err := tx.Exec(ctx, `UPDATE restoration_proposals SET summary = ?, found_fen = ?, inquiry_id = ? WHERE case_id = ? AND status = 'proposed'`,
			summary, money, inquiryID, caseID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO restoration_proposals (id, court_id, case_id, inquiry_id, summary, found_fen, status, created_at)
				VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?)`, store.NewID(), c.CourtID, caseID, inquiryID, summary, money, time.Now().UTC()); err != nil {
				return err
			}
		}
		events = append(events, cases.Event{Kind: "restoration_proposed", Summary: summary + "：建议恢复执行，待审查"})
	}
	return cases.AppendEvents(ctx, tx, caseID, events...)
}

// Proposal is a proposal to restore a 终本 case.
type Proposal struct {
	ID            uuid.UUID
	CourtID       uuid.UUID
	CaseID        uuid.UUID
	CaseNo        string
	PartyNames    string
	InquiryID     uuid.UUID
	Summary       string
	FoundFen      int64
	Status        string // proposed, approved, rejected
	DecidedByName string
	DecidedAt     time.Time
	DecisionNote  string
	NewCaseID     uuid.UUID
	NewCaseNo     string
	CreatedAt     time.Time
}

// StatusLabel is the proposal status's Chinese name.
func (p *Proposal) StatusLabel() string {
	switch p.Status {
	case "proposed":
		return "待审查"
	case "approved":
		return "已恢复执行"
	case "rejected":
		return "不予恢复"
	}
	return p.Status
}

const proposalSelect = `SELECT r.id, r.court_id, r.case_id, c.case_no, c.party_names, r.inquiry_id, r.summary, r.found_fen, r.status,
	r.decided_by_name, r.decided_at, r.decision_note, r.new_case_id, COALESCE(n.case_no, ''), r.created_at
	FROM restoration_proposals r JOIN cases c ON c.id = r.case_id LEFT JOIN cases n ON n.id = r.new_case_id`

func scanProposal(sc store.Scanner) (*Proposal, error) {
	p := &Proposal{}
	var decided *time.Time
	var newCase uuid.NullUUID
	if err := sc.Scan(&p.ID, &p.CourtID, &p.CaseID, &p.CaseNo, &p.PartyNames, &p.InquiryID, &p.Summary, &p.FoundFen, &p.Status,
		&p.DecidedByName, &decided, &p.DecisionNote, &newCase, &p.NewCaseNo, &p.CreatedAt); err != nil {
		return nil, err
	}
	if decided != nil {
		p.DecidedAt = decided.UTC()
	}
	p.NewCaseID = newCase.UUID
	return p, nil
}

func caseProposals(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Proposal, error) {
	rows, err := q.Query(ctx, proposalSelect+` WHERE r.case_id = ? ORDER BY r.created_at DESC, r.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanProposal)
}

// Proposals lists the restoration proposals waiting for review in the
// caller's courts (applications.review), oldest first.
func Proposals(ctx context.Context, q store.Querier, req page.Request) (page.Page[*Proposal], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Proposal]{}, err
	}
	if err := p.Require(access.ApplicationsReview); err != nil {
		return page.Page[*Proposal]{}, err
	}
	cond, args := p.CourtFilter("r.court_id")
	return store.PageByID(ctx, q, req, proposalSelect+` WHERE r.status = 'proposed' AND `+cond, args, "r.id", false,
		scanProposal, func(p *Proposal) uuid.UUID { return p.ID })
}

// LockProposal loads a proposal of the caller's courts for a decision
// (applications.review); it must still be waiting.
func LockProposal(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Proposal, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.ApplicationsReview); err != nil {
		return nil, err
	}
	pr, err := scanProposal(tx.QueryRow(ctx, proposalSelect+` WHERE r.id = ?`+tx.ForUpdate("r"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(pr.CourtID) {
		return nil, apperr.NotFoundf("恢复执行建议")
	}
	if err != nil {
		return nil, err
	}
	if pr.Status != "proposed" {
		return nil, apperr.New(apperr.Conflict, "already_decided", "该建议已审查（"+pr.StatusLabel()+"，"+pr.DecidedByName+"）")
	}
	return pr, nil
}

// GetProposal returns a proposal of the caller's courts.
func GetProposal(ctx context.Context, q store.Querier, id uuid.UUID) (*Proposal, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	pr, err := scanProposal(q.QueryRow(ctx, proposalSelect+` WHERE r.id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(pr.CourtID) {
		return nil, apperr.NotFoundf("恢复执行建议")
	}
	return pr, err
}

// DecideProposal records the decision on a locked proposal: approved with
// the new 执恢 case, or rejected with the reason. Approval ends the re-query
// schedule of the old case (the new case queries at its own filing).
func DecideProposal(ctx context.Context, tx *store.Tx, pr *Proposal, newCase *cases.Case, note string) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	status, summary := "rejected", "恢复执行建议经审查不予恢复："+note
	var newID any
	if newCase != nil {
		status, summary, newID = "approved", "恢复执行建议经审查批准，立案 "+newCase.CaseNo, newCase.ID
		if note != "" {
			summary += "：" + note
		}
		if _, err := tx.Exec(ctx, `UPDATE requeries SET status = 'ended', end_reason = ?, updated_at = ? WHERE case_id = ? AND status = 'active'`,
			"已恢复执行（"+newCase.CaseNo+"）", now, pr.CaseID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE restoration_proposals SET status = ?, decided_by = ?, decided_by_name = ?, decided_at = ?,
		decision_note = ?, new_case_id = ? WHERE id = ?`, status, store.NullID(p.UserID), p.DisplayName, now, note, newID, pr.ID); err != nil {
		return err
	}
	if err := cases.AppendEvents(ctx, tx, pr.CaseID, cases.Event{Kind: "restoration_" + status, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: pr.CourtID, Action: "restoration." + status, ObjectType: "case",
		ObjectID: pr.CaseID.String(), Summary: pr.CaseNo + "：" + summary,
		Changes: audit.Changes{"proposal_id": {To: pr.ID}, "status": {From: "proposed", To: status}, "new_case_id": {To: newID}}})
}
