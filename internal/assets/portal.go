package assets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The agency portal (item 6, S8): an agency without a system connection
// (channel "portal": the market regulator's equity desk, the police's person
// search) works its requests on zhixing's own pages. An operator is a user
// whose AgencyID names the agency; they see the requests addressed to it and
// nothing else of any court, open the ruling and the assistance notice, and
// record the agency's answer, which is applied exactly as a connector's
// answer would be.

// PortalRequest is a request as the agency's operator sees it.
type PortalRequest struct {
	ID               uuid.UUID
	CourtID          uuid.UUID
	AgencyCode       string
	AgencyName       string
	CourtCode        string
	CourtName        string
	CaseNo           string
	Kind             agency.Kind
	Op               agency.Op
	PartyName        string
	PartyKind        string // person or organization
	PartyIDNumber    string // 身份证号 or 统一社会信用代码: the agency needs it to find the holding
	AssetRef         string
	AssetInstitution string
	AssetDescription string
	AmountFen        int64
	TermTo           legal.Date
	Purpose          string
	RequestedByName  string
	Documents        []agency.Document
	// SuggestedRank is the place a freeze or seizure takes in zhixing's
	// registry (1 when nothing else binds the asset), for the operator to
	// confirm against their own register.
	SuggestedRank int
	Status        RequestStatus
	SentAt        time.Time
	AnsweredAt    time.Time
	AnsweredBy    string
	Result        *agency.Result
}

// Waiting reports whether the request still needs the agency's answer.
func (r *PortalRequest) Waiting() bool { return r.Status == RequestSent }

// PortalFilter narrows an agency's inbox.
type PortalFilter struct {
	// Answered lists the requests already answered (newest first) instead
	// of those waiting (oldest first).
	Answered bool
}

const portalColumns = `r.id, r.court_id, a.code, a.name, ct.code, ct.name, k.case_no, r.kind, r.op, p.name, p.kind, p.id_number,
	COALESCE(s.ref, ''), COALESCE(s.institution, ''), COALESCE(s.description, ''), r.amount_fen, r.term_to, r.purpose,
	r.requested_by_name, r.documents, r.status, r.sent_at, r.answered_at, r.answered_by, r.result`

const portalFrom = ` FROM agency_requests r JOIN agencies a ON a.id = r.agency_id JOIN courts ct ON ct.id = r.court_id
	JOIN cases k ON k.id = r.case_id JOIN parties p ON p.id = r.party_id LEFT JOIN assets s ON s.id = r.asset_id`

func scanPortal(sc store.Scanner) (*PortalRequest, error) {
	r := &PortalRequest{}
	var term *legal.Date
	var docs, result string
	var sent, answered *time.Time
	if err := sc.Scan(&r.ID, &r.CourtID, &r.AgencyCode, &r.AgencyName, &r.CourtCode, &r.CourtName, &r.CaseNo, &r.Kind, &r.Op, &r.PartyName,
		&r.PartyKind, &r.PartyIDNumber, &r.AssetRef, &r.AssetInstitution, &r.AssetDescription, &r.AmountFen, &term, &r.Purpose,
		&r.RequestedByName, &docs, &r.Status, &sent, &answered, &r.AnsweredBy, &result); err != nil {
		return nil, err
	}
	if term != nil {
		r.TermTo = *term
	}
	if sent != nil {
		r.SentAt = sent.UTC()
	}
	if answered != nil {
		r.AnsweredAt = answered.UTC()
	}
	if docs != "" {
		if err := json.Unmarshal([]byte(docs), &r.Documents); err != nil {
			return nil, err
		}
	}
	if result != "" {
		r.Result = &agency.Result{}
		if err := json.Unmarshal([]byte(result), r.Result); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// operator returns the agency the caller answers for (agency.answer).
func operator(ctx context.Context) (*access.Principal, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.AgencyAnswer); err != nil {
		return nil, err
	}
	if p.AgencyID == uuid.Nil {
		return nil, apperr.Forbid("您的账户未关联协执单位，请联系法院管理员")
	}
	return p, nil
}

// PortalInbox lists the requests addressed to the caller's agency.
func PortalInbox(ctx context.Context, q store.Querier, f PortalFilter, req page.Request) (page.Page[*PortalRequest], error) {
	p, err := operator(ctx)
	if err != nil {
		return page.Page[*PortalRequest]{}, err
	}
	status := `'sent'`
	if f.Answered {
		status = `'answered', 'rejected'`
	}
	return store.PageByID(ctx, q, req, `SELECT `+portalColumns+portalFrom+` WHERE r.agency_id = ? AND r.status IN (`+status+`)`,
		[]any{p.AgencyID}, "r.id", f.Answered, scanPortal, func(r *PortalRequest) uuid.UUID { return r.ID })
}

// PortalGet returns one request of the caller's agency; a request addressed
// to another agency does not exist for them.
func PortalGet(ctx context.Context, q store.Querier, id uuid.UUID) (*PortalRequest, error) {
	p, err := operator(ctx)
	if err != nil {
		return nil, err
	}
	return portalGet(ctx, q, p, id, "")
}

func portalGet(ctx context.Context, q store.Querier, p *access.Principal, id uuid.UUID, lock string) (*PortalRequest, error) {
	r, err := scanPortal(q.QueryRow(ctx, `SELECT `+portalColumns+portalFrom+` WHERE r.id = ? AND r.agency_id = ?`+lock, id, p.AgencyID))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("协助请求")
	}
	if err != nil {
		return nil, err
	}
	if r.Op == agency.OpFreeze || r.Op == agency.OpSeize {
		// Controls already binding the asset, in any case or court.
		if err := q.QueryRow(ctx, `SELECT COUNT(*) + 1 FROM controls c JOIN agency_requests r ON r.asset_id = c.asset_id
			WHERE r.id = ? AND c.status IN ('active', 'waiting') AND c.id <> r.control_id`, id).Scan(&r.SuggestedRank); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// PortalAnswer is what the operator records.
type PortalAnswer struct {
	// Status is the outcome: done (办结), partial (部分办结: less frozen
	// than asked), notfound (查无) or failed (无法协助, with the reason).
	Status  agency.ResultStatus
	Message string
	// Holdings found, for an inquiry.
	Holdings []agency.Holding
	// For a control: the agency's reference (文号 or registration number),
	// the amount frozen or deducted, the place on the asset and the term.
	AgencyRef  string
	AmountFen  int64
	Rank       int
	TermTo     legal.Date
	ReceiptRef string
	// Location answers a person search.
	Location *agency.Location
}

// PortalRespond records the agency's answer to one of its requests
// (agency.answer) and applies it to the case in the same transaction: the
// case shows it at once. A request already answered is refused.
func PortalRespond(ctx context.Context, tx *store.Tx, id uuid.UUID, in PortalAnswer) (*PortalRequest, error) {
	p, err := operator(ctx)
	if err != nil {
		return nil, err
	}
	r, err := portalGet(ctx, tx, p, id, tx.ForUpdate("r"))
	if err != nil {
		return nil, err
	}
	if !r.Waiting() {
		return nil, apperr.New(apperr.Conflict, "already_answered", "该请求已于 "+
			r.AnsweredAt.In(legal.Shanghai()).Format("2006-01-02 15:04")+" 由 "+r.AnsweredBy+" 答复，不能重复答复")
	}
	res, err := portalResult(r, in)
	if err != nil {
		return nil, err
	}
	via := p.DisplayName + "（" + r.AgencyName + "）"
	if _, err := applyResults(ctx, tx, r.AgencyCode, []agency.Result{res}, via); err != nil {
		return nil, err
	}
	if err := audit.Log(ctx, tx, audit.Entry{CourtID: r.CourtID, Action: "agency_request.answered", ObjectType: "agency_request",
		ObjectID: id.String(), Summary: fmt.Sprintf("%s答复%s %s：%s", r.AgencyName, r.CaseNo, r.Op.Label(), ResultLabel(res.Status)),
		Changes: audit.Changes{"status": {From: RequestSent, To: RequestAnswered}, "result_status": {To: res.Status}}}); err != nil {
		return nil, err
	}
	return portalGet(ctx, tx, p, id, "")
}

// portalResult checks an operator's answer against the request and turns it
// into the protocol's Result. Every problem is reported at once.
func portalResult(r *PortalRequest, in PortalAnswer) (agency.Result, error) {
	var pr apperr.Problems
	in.Message = strings.TrimSpace(in.Message)
	res := agency.Result{RequestID: r.ID.String(), Agency: r.AgencyCode, Status: in.Status, Message: in.Message,
		AnsweredAt: time.Now().UTC()}
	if utf8.RuneCountInString(in.Message) > 500 {
		pr.Add("message_too_long", "body.message", "说明不超过 500 字")
	}
	switch in.Status {
	case agency.ResultDone, agency.ResultNotFound:
	case agency.ResultPartial:
		if r.Op != agency.OpFreeze && r.Op != agency.OpDeduct && r.Op != agency.OpInquire {
			pr.Add("invalid_status", "body.status", "部分办结只适用于查询、冻结和扣划")
		}
	case agency.ResultFailed:
		if in.Message == "" {
			pr.Add("message_required", "body.message", "无法协助时须写明原因")
		}
	default:
		pr.Add("invalid_status", "body.status", "答复结果应为 done（办结）、partial（部分办结）、notfound（查无）或 failed（无法协助）")
	}
	ok := in.Status == agency.ResultDone || in.Status == agency.ResultPartial
	switch r.Op {
	case agency.OpInquire:
		for i, h := range in.Holdings {
			f := fmt.Sprintf("body.holdings[%d]", i)
			h.Ref = strings.TrimSpace(h.Ref)
			if h.Ref == "" {
				pr.Add("holding_ref_required", f+".ref", "第 "+fmt.Sprint(i+1)+" 项财产缺少账号或证号")
			}
			if h.ValueFen < 0 || h.AvailableFen < 0 || h.AvailableFen > h.ValueFen && h.ValueFen > 0 {
				pr.Add("invalid_amount", f+".value_fen", "第 "+fmt.Sprint(i+1)+" 项财产的金额无效（不能为负，可用余额不超过余额）")
			}
			h.Kind = r.Kind
			res.Holdings = append(res.Holdings, h)
		}
		if ok && len(in.Holdings) == 0 {
			pr.Add("holdings_required", "body.holdings", "办结的查询须列出查到的财产；没有财产请选“查无”")
		}
	case agency.OpLocate:
		if ok {
			if in.Location == nil || in.Location.Found && strings.TrimSpace(in.Location.Address) == "" {
				pr.Add("address_required", "body.location.address", "找到被执行人时须填写其下落（地址）")
			} else {
				loc := *in.Location
				loc.Address, loc.Note = strings.TrimSpace(loc.Address), strings.TrimSpace(loc.Note)
				res.Location = &loc
			}
		}
	default:
		if ok {
			c := &agency.ControlResult{Ref: strings.TrimSpace(in.AgencyRef), AmountFen: in.AmountFen, EffectiveAt: res.AnsweredAt,
				Rank: in.Rank, ReceiptRef: strings.TrimSpace(in.ReceiptRef)}
			if !in.TermTo.IsZero() {
				c.TermTo = in.TermTo.String()
			}
			if c.Ref == "" {
				pr.Add("agency_ref_required", "body.agency_ref", "请填写协助执行的文号或登记编号")
			}
			if in.AmountFen < 0 || r.AmountFen > 0 && in.AmountFen > r.AmountFen {
				pr.Add("invalid_amount", "body.amount_fen", "金额不能为负，也不能超过请求的 "+triage.FormatYuan(r.AmountFen))
			}
			if in.Status == agency.ResultPartial && in.AmountFen >= r.AmountFen {
				pr.Add("invalid_amount", "body.amount_fen", "部分办结时实际金额应小于请求的 "+triage.FormatYuan(r.AmountFen))
			}
			if (r.Op == agency.OpFreeze || r.Op == agency.OpSeize) && in.Rank < 1 {
				pr.Add("rank_required", "body.rank", "请填写该措施在本单位登记中的顺位（1 为首封，2 起为轮候）")
			}
			if r.Op == agency.OpDeduct && c.ReceiptRef == "" {
				pr.Add("receipt_required", "body.receipt_ref", "扣划须填写划款回单号")
			}
			if !in.TermTo.IsZero() && !r.TermTo.IsZero() && in.TermTo.After(r.TermTo) {
				pr.Add("invalid_term", "body.term_to", "期限不能晚于裁定的期限 "+r.TermTo.String())
			}
			res.Control = c
		}
	}
	return res, pr.Err()
}
