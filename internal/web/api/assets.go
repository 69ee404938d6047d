package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

const assetsTag = "网络查控"

// InquiryOut is one inquiry of a case.
type InquiryOut struct {
	ID              string     `json:"id"`
	Source          string     `json:"source" enum:"filing,manual,requery"`
	SourceLabel     string     `json:"source_label"`
	Purpose         string     `json:"purpose"`
	Kinds           []string   `json:"kinds" nullable:"false" doc:"空为全部类别"`
	Status          string     `json:"status" enum:"pending,open,done"`
	Requests        int        `json:"requests"`
	Answered        int        `json:"answered" doc:"已结束的请求数（已答复、被退回或无法送达）"`
	Found           int        `json:"found" doc:"报告的财产项数"`
	RequestedByName string     `json:"requested_by_name"`
	CreatedAt       time.Time  `json:"created_at"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
}

func inquiryOut(q *assets.Inquiry) InquiryOut {
	o := InquiryOut{ID: q.ID.String(), Source: string(q.Source), SourceLabel: q.Source.Label(), Purpose: q.Purpose, Kinds: []string{},
		Status: q.Status, Requests: q.Requests, Answered: q.Answered, Found: q.Found, RequestedByName: q.RequestedByName,
		CreatedAt: q.CreatedAt, FinishedAt: instant(q.FinishedAt)}
	for _, k := range q.Kinds {
		o.Kinds = append(o.Kinds, string(k))
	}
	return o
}

// ControlOut is a freeze or seizure in the registry.
type ControlOut struct {
	ID             string     `json:"id"`
	CaseID         string     `json:"case_id"`
	CaseNo         string     `json:"case_no"`
	AssetID        string     `json:"asset_id"`
	Op             string     `json:"op" enum:"freeze,seize"`
	Status         string     `json:"status" enum:"requested,active,waiting,failed,released,expired"`
	StatusLabel    string     `json:"status_label"`
	Rank           int        `json:"rank" doc:"在该财产上的顺位：1 为首封，2 起为轮候；未生效为 0"`
	AmountAskedFen int64      `json:"amount_asked_fen"`
	AmountFen      int64      `json:"amount_fen" doc:"实际冻结且尚未扣划的金额（分）"`
	DeductedFen    int64      `json:"deducted_fen"`
	TermTo         string     `json:"term_to" doc:"控制期限的最后一日（TERM-1、TERM-2）"`
	EffectiveAt    *time.Time `json:"effective_at,omitempty"`
	AgencyRef      string     `json:"agency_ref,omitempty"`
	AgencyName     string     `json:"agency_name,omitempty"`
	Preservation   bool       `json:"preservation" doc:"执保案件中采取的保全措施"`
	CarriedFrom    *string    `json:"carried_from,omitempty" doc:"由该保全措施转为本案执行措施（TERM-5：期限连续计算）"`
	DuplicateOf    *string    `json:"duplicate_of,omitempty" doc:"重复保全提示：同一申请人已在另一案保全该财产（TERM-5）"`
	Reason         string     `json:"reason"`
	EndReason      string     `json:"end_reason,omitempty"`
}

func controlOut(c *assets.Control) ControlOut {
	return ControlOut{ID: c.ID.String(), CaseID: c.CaseID.String(), CaseNo: c.CaseNo, AssetID: c.AssetID.String(), Op: string(c.Op),
		Status: string(c.Status), StatusLabel: c.Status.Label(), Rank: c.Rank, AmountAskedFen: c.AmountAskedFen, AmountFen: c.AmountFen,
		DeductedFen: c.DeductedFen, TermTo: c.TermTo.String(), EffectiveAt: instant(c.EffectiveAt), AgencyRef: c.AgencyRef,
		AgencyName: c.AgencyName, Preservation: c.Preservation, CarriedFrom: optionalID(c.CarriedFrom), DuplicateOf: optionalID(c.DuplicateOf),
		Reason: c.Reason, EndReason: c.EndReason}
}

// AssetOut is an asset an agency reported, with every control on it.
type AssetOut struct {
	ID           string            `json:"id"`
	PartyID      string            `json:"party_id"`
	PartyName    string            `json:"party_name"`
	Agency       string            `json:"agency"`
	AgencyName   string            `json:"agency_name"`
	Kind         string            `json:"kind"`
	KindLabel    string            `json:"kind_label"`
	Ref          string            `json:"ref" doc:"账号、不动产权证号、车牌号等"`
	Institution  string            `json:"institution,omitempty"`
	Description  string            `json:"description,omitempty"`
	ValueFen     int64             `json:"value_fen"`
	AvailableFen int64             `json:"available_fen"`
	Attributes   map[string]string `json:"attributes,omitempty"`
	Exempt       bool              `json:"exempt" doc:"可能属于豁免财产（TERM-6）"`
	ExemptReason string            `json:"exempt_reason,omitempty"`
	FirstFoundAt time.Time         `json:"first_found_at"`
	LastSeenAt   time.Time         `json:"last_seen_at"`
	Controls     []ControlOut      `json:"controls" nullable:"false" doc:"该财产上的全部控制措施（跨案件、跨法院），在控的按顺位在前"`
}

func assetOut(a *assets.Asset) AssetOut {
	o := AssetOut{ID: a.ID.String(), PartyID: a.PartyID.String(), PartyName: a.PartyName, Agency: a.AgencyCode, AgencyName: a.AgencyName,
		Kind: string(a.Kind), KindLabel: a.Kind.Label(), Ref: a.Ref, Institution: a.Institution, Description: a.Description,
		ValueFen: a.ValueFen, AvailableFen: a.AvailableFen, Attributes: a.Attributes, Exempt: a.Exempt, ExemptReason: a.ExemptReason,
		FirstFoundAt: a.FirstFoundAt, LastSeenAt: a.LastSeenAt, Controls: []ControlOut{}}
	for _, c := range a.Controls {
		o.Controls = append(o.Controls, controlOut(c))
	}
	return o
}

// AgencyRequestOut is a message to an agency and its answer.
type AgencyRequestOut struct {
	ID              string         `json:"id" doc:"请求编号：协执单位据此去重"`
	CaseID          string         `json:"case_id"`
	InquiryID       *string        `json:"inquiry_id,omitempty"`
	ControlID       *string        `json:"control_id,omitempty"`
	Agency          string         `json:"agency"`
	AgencyName      string         `json:"agency_name"`
	PartyName       string         `json:"party_name"`
	Kind            string         `json:"kind"`
	Op              string         `json:"op"`
	AmountFen       int64          `json:"amount_fen,omitempty"`
	Purpose         string         `json:"purpose"`
	RequestedByName string         `json:"requested_by_name"`
	Status          string         `json:"status" enum:"queued,sent,answered,rejected,dead"`
	StatusLabel     string         `json:"status_label"`
	Attempts        int            `json:"attempts"`
	LastError       string         `json:"last_error,omitempty"`
	ResultStatus    string         `json:"result_status,omitempty" enum:"done,partial,notfound,failed,"`
	ResultMessage   string         `json:"result_message,omitempty"`
	Result          *agency.Result `json:"result,omitempty"`
	AnsweredBy      string         `json:"answered_by,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	SentAt          *time.Time     `json:"sent_at,omitempty"`
	AnsweredAt      *time.Time     `json:"answered_at,omitempty"`
}

func agencyRequestOut(r *assets.Request) AgencyRequestOut {
	return AgencyRequestOut{ID: r.ID.String(), CaseID: r.CaseID.String(), InquiryID: optionalID(r.InquiryID), ControlID: optionalID(r.ControlID),
		Agency: r.AgencyCode, AgencyName: r.AgencyName, PartyName: r.PartyName, Kind: string(r.Kind), Op: string(r.Op), AmountFen: r.AmountFen,
		Purpose: r.Purpose, RequestedByName: r.RequestedByName, Status: string(r.Status), StatusLabel: r.Status.Label(), Attempts: r.Attempts,
		LastError: r.LastError, ResultStatus: string(r.ResultStatus), ResultMessage: r.ResultMessage, Result: r.Result, AnsweredBy: r.AnsweredBy,
		CreatedAt: r.CreatedAt, SentAt: instant(r.SentAt), AnsweredAt: instant(r.AnsweredAt)}
}

// CaseAssetsOut is everything 查控 knows about a case.
type CaseAssetsOut struct {
	Inquiries []InquiryOut       `json:"inquiries" nullable:"false"`
	Assets    []AssetOut         `json:"assets" nullable:"false" doc:"被执行人的财产（同一财产多次查得只列一次）"`
	Controls  []ControlOut       `json:"controls" nullable:"false" doc:"本案的控制措施"`
	Requests  []AgencyRequestOut `json:"requests" nullable:"false" doc:"本案最近的查控请求（最多 200 条）"`
	Requery   *RequeryOut        `json:"requery,omitempty" doc:"终本案件的定期复查安排（ZB-9）"`
	Proposals []ProposalOut      `json:"proposals,omitempty" doc:"终本复查提出的恢复执行建议"`
	FastPath  *OfferOut          `json:"fast_path,omitempty" doc:"快速执行：冻结款项是否足以清偿，可一键扣划"`
	Transfers []TransferOut      `json:"transfers" nullable:"false" doc:"本案发出或收到的商请移送（TERM-4）"`
	Carriable int                `json:"carriable" doc:"尚未转为本案执行措施的保全措施数（TERM-5；可一键承接）"`
}

// OfferOut is the fast path's deduction offer.
type OfferOut struct {
	PrincipalFen int64 `json:"principal_fen" doc:"尚未执行到位的本金（分）"`
	InterestFen  int64 `json:"interest_fen" doc:"加倍部分债务利息，计至今日（INT-1）"`
	FeeFen       int64 `json:"fee_fen" doc:"申请执行费（FEE-1）"`
	OwedFen      int64 `json:"owed_fen"`
	FrozenFen    int64 `json:"frozen_fen" doc:"本案已冻结、可扣划的款项"`
	Covered      bool  `json:"covered" doc:"冻结款项足以清偿：可批准快速扣划"`
	Pending      bool  `json:"pending" doc:"快速扣划已批准，等待协执单位答复"`
}

func offerOut(o *assets.Offer) *OfferOut {
	if o == nil {
		return nil
	}
	return &OfferOut{PrincipalFen: o.PrincipalFen, InterestFen: o.InterestFen, FeeFen: o.FeeFen, OwedFen: o.OwedFen, FrozenFen: o.FrozenFen,
		Covered: o.Covered, Pending: o.Pending}
}

// RequeryOut is the re-query schedule of a 终本 case.
type RequeryOut struct {
	StartedOn string `json:"started_on" doc:"终本日期"`
	NextOn    string `json:"next_on" doc:"下次复查日期"`
	UntilOn   string `json:"until_on" doc:"复查截止日期"`
	Runs      int    `json:"runs" doc:"已复查次数"`
	Status    string `json:"status" enum:"active,ended"`
	EndReason string `json:"end_reason,omitempty"`
}

// ProposalOut is a proposal to restore a 终本 case.
type ProposalOut struct {
	ID            string     `json:"id"`
	CaseID        string     `json:"case_id"`
	CaseNo        string     `json:"case_no"`
	PartyNames    string     `json:"party_names"`
	InquiryID     string     `json:"inquiry_id"`
	Summary       string     `json:"summary"`
	FoundFen      int64      `json:"found_fen" doc:"复查发现的可用余额（分）"`
	Status        string     `json:"status" enum:"proposed,approved,rejected"`
	StatusLabel   string     `json:"status_label"`
	DecidedByName string     `json:"decided_by_name,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	DecisionNote  string     `json:"decision_note,omitempty"`
	NewCaseID     *string    `json:"new_case_id,omitempty"`
	NewCaseNo     string     `json:"new_case_no,omitempty" doc:"恢复执行后的新案号（执恢）"`
	CreatedAt     time.Time  `json:"created_at"`
}

func proposalOut(p *assets.Proposal) ProposalOut {
	return ProposalOut{ID: p.ID.String(), CaseID: p.CaseID.String(), CaseNo: p.CaseNo, PartyNames: p.PartyNames, InquiryID: p.InquiryID.String(),
		Summary: p.Summary, FoundFen: p.FoundFen, Status: p.Status, StatusLabel: p.StatusLabel(), DecidedByName: p.DecidedByName,
		DecidedAt: instant(p.DecidedAt), DecisionNote: p.DecisionNote, NewCaseID: optionalID(p.NewCaseID), NewCaseNo: p.NewCaseNo,
		CreatedAt: p.CreatedAt}
}

func (h *handlers) caseAssets(ctx context.Context, id uuid.UUID) (*Body[CaseAssetsOut], error) {
	v, err := assets.ForCase(ctx, h.DB, id)
	if err != nil {
		return nil, err
	}
	out := CaseAssetsOut{Inquiries: []InquiryOut{}, Assets: []AssetOut{}, Controls: []ControlOut{}, Requests: []AgencyRequestOut{}}
	for _, q := range v.Inquiries {
		out.Inquiries = append(out.Inquiries, inquiryOut(q))
	}
	for _, a := range v.Assets {
		out.Assets = append(out.Assets, assetOut(a))
	}
	for _, c := range v.Controls {
		out.Controls = append(out.Controls, controlOut(c))
	}
	for _, r := range v.Requests {
		out.Requests = append(out.Requests, agencyRequestOut(r))
	}
	if q := v.Requery; q != nil {
		out.Requery = &RequeryOut{StartedOn: q.StartedOn.String(), NextOn: q.NextOn.String(), UntilOn: q.UntilOn.String(), Runs: q.Runs,
			Status: q.Status, EndReason: q.EndReason}
	}
	for _, p := range v.Proposals {
		out.Proposals = append(out.Proposals, proposalOut(p))
	}
	out.FastPath = offerOut(v.Offer)
	out.Transfers = []TransferOut{}
	for _, t := range v.Transfers {
		out.Transfers = append(out.Transfers, transferOut(t))
	}
	out.Carriable = v.Carriable
	return body(out), nil
}

func (h *handlers) assets(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/cases/{id}/assets", "caseAssets", "案件的网络查控：查询、被执行人财产及其全部控制措施、查控请求", assetsTag),
		func(ctx context.Context, in *idPath) (*Body[CaseAssetsOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			return h.caseAssets(ctx, id)
		})

	type inquiryInput struct {
		ID   string `path:"id"`
		Body struct {
			Purpose  string   `json:"purpose" maxLength:"200" doc:"查询目的（INV-4，必填）"`
			Kinds    []string `json:"kinds,omitempty" maxItems:"30" doc:"查询类别；不填为全部类别"`
			PartyIDs []string `json:"party_ids,omitempty" maxItems:"50" doc:"被执行人；不填为全部被执行人"`
		}
	}
	io := op(http.MethodPost, "/cases/{id}/inquiries", "startInquiry", "一键查询：向每个协执单位查询每个被执行人的全部（或所选）类别财产", assetsTag)
	io.Errors = append(io.Errors, 404)
	huma.Register(a, io, func(ctx context.Context, in *inquiryInput) (*Body[InquiryOut], error) {
		var kinds []agency.Kind
		for _, k := range in.Body.Kinds {
			kinds = append(kinds, agency.Kind(k))
		}
		var parties []uuid.UUID
		for i, s := range in.Body.PartyIDs {
			id, err := parseID(s, "body.party_ids["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			parties = append(parties, id)
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Inquiry, error) {
			return assets.Inquire(ctx, tx, id, assets.InquiryInput{Purpose: in.Body.Purpose, Kinds: kinds, PartyIDs: parties})
		}, inquiryOut)
	})

	type controlInput struct {
		ID   string `path:"id"`
		Body struct {
			AssetID   string `json:"asset_id"`
			AmountFen int64  `json:"amount_fen,omitempty" minimum:"0" doc:"冻结金额（分）；查封、扣押不填"`
			Months    int    `json:"months,omitempty" minimum:"0" maximum:"36" doc:"期限（月）；不填为该类财产的最长期限（TERM-1）"`
			Reason    string `json:"reason" maxLength:"1000"`
			RulingNo  string `json:"ruling_no" maxLength:"100" doc:"执行裁定书文号"`
			NoticeNo  string `json:"notice_no,omitempty" maxLength:"100" doc:"协助执行通知书文号"`
			AckExempt bool   `json:"ack_exempt,omitempty" doc:"确认对标记为可能豁免的财产仍采取措施（TERM-6）"`
		}
	}
	co := op(http.MethodPost, "/cases/{id}/controls", "placeControl", "冻结或查封被执行人的一项财产；协执单位答复后生效并按首封、轮候排序", assetsTag)
	co.Errors = append(co.Errors, 404)
	huma.Register(a, co, func(ctx context.Context, in *controlInput) (*Body[ControlOut], error) {
		asset, err := parseID(in.Body.AssetID, "body.asset_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Control, error) {
			return assets.Place(ctx, tx, id, assets.ControlInput{AssetID: asset, AmountFen: in.Body.AmountFen, Months: in.Body.Months,
				Reason: in.Body.Reason, RulingNo: in.Body.RulingNo, NoticeNo: in.Body.NoticeNo, AckExempt: in.Body.AckExempt})
		}, controlOut)
	})

	type changeInput struct {
		ID   string `path:"id"`
		Body struct {
			Months    int    `json:"months,omitempty" minimum:"0" maximum:"36" doc:"续行期限（月）；不填为最长期限"`
			AmountFen int64  `json:"amount_fen,omitempty" minimum:"0" doc:"扣划金额（分）"`
			Reason    string `json:"reason" maxLength:"1000"`
			RulingNo  string `json:"ruling_no,omitempty" maxLength:"100"`
			NoticeNo  string `json:"notice_no,omitempty" maxLength:"100"`
		}
	}
	for _, c := range []struct {
		path, id, summary string
		fn                func(context.Context, *store.Tx, uuid.UUID, assets.ChangeInput) (*assets.Control, error)
	}{
		{"/controls/{id}/renewal", "renewControl", "续行查封、冻结（TERM-2：期限届满前申请）", assets.Renew},
		{"/controls/{id}/release", "releaseControl", "解除查封、冻结（只能解除在控或轮候的措施）", assets.Release},
		{"/controls/{id}/deduction", "deductControl", "扣划已冻结的款项至法院账户", assets.Deduct},
	} {
		o := op(http.MethodPost, c.path, c.id, c.summary, assetsTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		huma.Register(a, o, func(ctx context.Context, in *changeInput) (*Body[ControlOut], error) {
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Control, error) {
				return c.fn(ctx, tx, id, assets.ChangeInput{Months: in.Body.Months, AmountFen: in.Body.AmountFen, Reason: in.Body.Reason,
					RulingNo: in.Body.RulingNo, NoticeNo: in.Body.NoticeNo})
			}, controlOut)
		})
	}

	huma.Register(a, op(http.MethodGet, "/agency-requests/dead", "listDeadLetters", "无法送达的查控请求（多次发送失败后转入，可重发）", assetsTag),
		func(ctx context.Context, in *ListParams) (*Body[List[AgencyRequestOut]], error) {
			pg, err := assets.DeadLetters(ctx, h.DB, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, agencyRequestOut)), nil
		})
	ro := op(http.MethodPost, "/agency-requests/{id}/resend", "resendRequest", "重发无法送达的请求（请求编号不变，协执单位不会重复办理）", assetsTag)
	ro.DefaultStatus = http.StatusOK
	ro.Errors = append(ro.Errors, 404)
	type resent struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	huma.Register(a, ro, func(ctx context.Context, in *idPath) (*Body[resent], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (uuid.UUID, error) {
			return id, assets.Resend(ctx, tx, id)
		}, func(id uuid.UUID) resent { return resent{ID: id.String(), Status: string(assets.RequestQueued)} })
	})

	type expiringInput struct {
		Days int `query:"days" minimum:"0" maximum:"180" default:"30" doc:"期限在今后多少天内届满，默认 30"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/controls/expiring", "listExpiringControls", "即将到期的查封、冻结（续行工作清单，期限最近的在前）", assetsTag),
		func(ctx context.Context, in *expiringInput) (*Body[List[ControlOut]], error) {
			pg, err := assets.Expiring(ctx, h.DB, legal.Today(time.Now()), in.Days, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, controlOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/restoration-proposals", "listRestorationProposals", "待审查的恢复执行建议（终本复查发现财产后提出）", assetsTag),
		func(ctx context.Context, in *ListParams) (*Body[List[ProposalOut]], error) {
			pg, err := assets.Proposals(ctx, h.DB, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, proposalOut)), nil
		})
	type restoreInput struct {
		ID   string `path:"id"`
		Body struct {
			Approve bool   `json:"approve" doc:"true：恢复执行，立执恢案件并按规则分案；false：不予恢复（须写明理由）"`
			Note    string `json:"note,omitempty" maxLength:"500"`
		}
	}
	type restoreOut struct {
		Proposal ProposalOut `json:"proposal"`
		NewCase  *CaseOut    `json:"new_case,omitempty"`
	}
	rd := op(http.MethodPost, "/restoration-proposals/{id}/decision", "decideRestoration", "审查恢复执行建议：批准则立执恢案件（由分流规则分案），驳回须写明理由", assetsTag)
	rd.DefaultStatus = http.StatusOK
	rd.Errors = append(rd.Errors, 404)
	huma.Register(a, rd, func(ctx context.Context, in *restoreInput) (*Body[restoreOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		out, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (restoreOut, error) {
			c, err := intake.DecideRestoration(ctx, tx, id, intake.RestorationDecision{Approve: in.Body.Approve, Note: in.Body.Note})
			if err != nil {
				return restoreOut{}, err
			}
			var o restoreOut
			if c != nil {
				co := caseOut(c)
				o.NewCase = &co
			}
			pr, err := assets.GetProposal(ctx, tx, id)
			if err != nil {
				return restoreOut{}, err
			}
			o.Proposal = proposalOut(pr)
			return o, nil
		})
		if err != nil {
			return nil, err
		}
		return body(out), nil
	})

	type fastInput struct {
		ID   string `path:"id"`
		Body struct {
			RulingNo string `json:"ruling_no" maxLength:"100" doc:"扣划裁定书文号"`
			Note     string `json:"note,omitempty" maxLength:"500"`
		}
	}
	fo := op(http.MethodPost, "/cases/{id}/fast-path", "approveFastPath", "快速执行：冻结款项足以清偿时批准扣划（每项冻结一笔，合计为本金、利息和申请执行费）", assetsTag)
	fo.DefaultStatus = http.StatusOK
	fo.Errors = append(fo.Errors, 404, 409)
	huma.Register(a, fo, func(ctx context.Context, in *fastInput) (*Body[OfferOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.Offer, error) {
			return assets.ApproveFastPath(ctx, tx, id, in.Body.RulingNo, in.Body.Note)
		}, func(o *assets.Offer) OfferOut { return *offerOut(o) })
	})
}
