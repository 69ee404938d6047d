package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/store"
)

const portalTag = "协执单位门户"

// AgencyOut is an assisting agency of the directory.
type AgencyOut struct {
	Code       string   `json:"code" example:"fs-amr"`
	Name       string   `json:"name" example:"佛山市市场监督管理局"`
	Kinds      []string `json:"kinds" nullable:"false"`
	Inquire    bool     `json:"inquire" doc:"是否受理查询"`
	Control    bool     `json:"control" doc:"是否受理冻结、查封、扣划等控制措施"`
	Channel    string   `json:"channel" enum:"zdz,ddd,portal" doc:"zdz 总对总、ddd 点对点、portal 在本系统门户办理"`
	Region     string   `json:"region,omitempty" doc:"服务的法院代字前缀；空为全国"`
	RatePerSec int      `json:"rate_per_sec,omitempty"`
	Active     bool     `json:"active"`
}

// PortalRequestOut is a request as the agency's operator sees it.
type PortalRequestOut struct {
	ID               string            `json:"id"`
	Agency           string            `json:"agency"`
	AgencyName       string            `json:"agency_name"`
	CourtCode        string            `json:"court_code"`
	CourtName        string            `json:"court_name"`
	CaseNo           string            `json:"case_no"`
	Kind             string            `json:"kind"`
	KindLabel        string            `json:"kind_label"`
	Op               string            `json:"op" enum:"inquire,freeze,seize,deduct,renew,release,locate"`
	OpLabel          string            `json:"op_label"`
	PartyName        string            `json:"party_name"`
	PartyKind        string            `json:"party_kind" enum:"person,organization"`
	PartyIDNumber    string            `json:"party_id_number" doc:"身份证号或统一社会信用代码"`
	AssetRef         string            `json:"asset_ref,omitempty"`
	AssetInstitution string            `json:"asset_institution,omitempty"`
	AssetDescription string            `json:"asset_description,omitempty"`
	AmountFen        int64             `json:"amount_fen,omitempty"`
	TermTo           string            `json:"term_to,omitempty"`
	Purpose          string            `json:"purpose"`
	RequestedByName  string            `json:"requested_by_name"`
	Documents        []agency.Document `json:"documents" nullable:"false" doc:"执行裁定书、协助执行通知书（GET …/documents/{kind} 查看全文）"`
	SuggestedRank    int               `json:"suggested_rank,omitempty" doc:"本系统登记的顺位（供核对）：1 为首封"`
	Status           string            `json:"status" enum:"sent,answered,rejected"`
	SentAt           *time.Time        `json:"sent_at,omitempty"`
	AnsweredAt       *time.Time        `json:"answered_at,omitempty"`
	AnsweredBy       string            `json:"answered_by,omitempty"`
	Result           *agency.Result    `json:"result,omitempty"`
}

func portalOut(r *assets.PortalRequest) PortalRequestOut {
	o := PortalRequestOut{ID: r.ID.String(), Agency: r.AgencyCode, AgencyName: r.AgencyName, CourtCode: r.CourtCode, CourtName: r.CourtName,
		CaseNo: r.CaseNo, Kind: string(r.Kind), KindLabel: r.Kind.Label(), Op: string(r.Op), OpLabel: r.Op.Label(), PartyName: r.PartyName,
		PartyKind: r.PartyKind, PartyIDNumber: r.PartyIDNumber, AssetRef: r.AssetRef, AssetInstitution: r.AssetInstitution,
		AssetDescription: r.AssetDescription, AmountFen: r.AmountFen, Purpose: r.Purpose, RequestedByName: r.RequestedByName,
		Documents: r.Documents, SuggestedRank: r.SuggestedRank, Status: string(r.Status), SentAt: instant(r.SentAt),
		AnsweredAt: instant(r.AnsweredAt), AnsweredBy: r.AnsweredBy, Result: r.Result}
	if o.Documents == nil {
		o.Documents = []agency.Document{}
	}
	if !r.TermTo.IsZero() {
		o.TermTo = r.TermTo.String()
	}
	return o
}

func (h *handlers) portal(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/agencies", "listAgencies", "协执单位名录：可查询和控制的财产类别、通道、服务地区", portalTag),
		func(ctx context.Context, _ *struct{}) (*Body[List[AgencyOut]], error) {
			list, err := assets.Agencies(ctx, h.DB)
			if err != nil {
				return nil, err
			}
			out := List[AgencyOut]{Items: []AgencyOut{}}
			for _, g := range list {
				o := AgencyOut{Code: g.Code, Name: g.Name, Inquire: g.Inquire, Control: g.Control, Channel: string(g.Channel),
					Region: g.Region, RatePerSec: g.RatePerSec, Active: g.Active, Kinds: []string{}}
				for _, k := range g.Kinds {
					o.Kinds = append(o.Kinds, string(k))
				}
				out.Items = append(out.Items, o)
			}
			return body(out), nil
		})

	type inboxInput struct {
		Answered bool `query:"answered" doc:"列出已答复的请求（最新在前）；默认列出待办请求（最早在前）"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/portal/requests", "portalInbox", "协执单位操作员：本单位收到的协助请求", portalTag),
		func(ctx context.Context, in *inboxInput) (*Body[List[PortalRequestOut]], error) {
			pg, err := assets.PortalInbox(ctx, h.DB, assets.PortalFilter{Answered: in.Answered}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, portalOut)), nil
		})
	huma.Register(a, op(http.MethodGet, "/portal/requests/{id}", "portalRequest", "协执单位操作员：一项协助请求（其他单位的请求视为不存在）", portalTag),
		func(ctx context.Context, in *idPath) (*Body[PortalRequestOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			r, err := assets.PortalGet(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(portalOut(r)), nil
		})

	type answerInput struct {
		ID   string `path:"id"`
		Body struct {
			Status     string           `json:"status" enum:"done,partial,notfound,failed" doc:"办结、部分办结（少于请求金额）、查无、无法协助"`
			Message    string           `json:"message,omitempty" maxLength:"500" doc:"说明；无法协助时必填"`
			Holdings   []agency.Holding `json:"holdings,omitempty" maxItems:"200" doc:"查询结果：查到的财产"`
			AgencyRef  string           `json:"agency_ref,omitempty" maxLength:"200" doc:"控制措施的文号或登记编号"`
			AmountFen  int64            `json:"amount_fen,omitempty" doc:"实际冻结或扣划的金额（分）"`
			Rank       int              `json:"rank,omitempty" minimum:"0" doc:"在本单位登记中的顺位：1 为首封，2 起为轮候"`
			TermTo     string           `json:"term_to,omitempty" doc:"措施期限的最后一日（YYYY-MM-DD）；不填为裁定的期限"`
			ReceiptRef string           `json:"receipt_ref,omitempty" maxLength:"200" doc:"扣划的划款回单号"`
			Location   *agency.Location `json:"location,omitempty" doc:"查找下落的结果"`
		}
	}
	ao := op(http.MethodPost, "/portal/requests/{id}/answer", "portalAnswer", "协执单位操作员：登记答复；案件即时可见", portalTag)
	ao.DefaultStatus = http.StatusOK
	ao.Errors = append(ao.Errors, 404)
	huma.Register(a, ao, func(ctx context.Context, in *answerInput) (*Body[PortalRequestOut], error) {
		b := in.Body
		ans := assets.PortalAnswer{Status: agency.ResultStatus(b.Status), Message: b.Message, Holdings: b.Holdings, AgencyRef: b.AgencyRef,
			AmountFen: b.AmountFen, Rank: b.Rank, ReceiptRef: b.ReceiptRef, Location: b.Location}
		var err error
		if ans.TermTo, err = date(b.TermTo, "body.term_to"); err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*assets.PortalRequest, error) {
			return assets.PortalRespond(ctx, tx, id, ans)
		}, portalOut)
	})
}
