package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

const disposalTag = "财产处置"

// ValuationReportOut is a valuation report (VAL-2, VAL-3).
type ValuationReportOut struct {
	ID           string `json:"id"`
	ProviderCode string `json:"provider_code"`
	ProviderName string `json:"provider_name"`
	DueOn        string `json:"due_on,omitempty" doc:"应出具报告的最后一日（VAL-3）"`
	AmountFen    int64  `json:"amount_fen" doc:"报告价格；0 为尚未出具"`
	ReportedOn   string `json:"reported_on,omitempty"`
	Basis        string `json:"basis,omitempty"`
	Objected     bool   `json:"objected" doc:"有异议的报告不计入参考价（VAL-3）"`
	Objection    string `json:"objection,omitempty"`
	Counts       bool   `json:"counts" doc:"计入参考价"`
}

// BidOut is one entry of an auction's bid log (AUCT-7).
type BidOut struct {
	Seq        int       `json:"seq"`
	BidderRef  string    `json:"bidder_ref"`
	BidderName string    `json:"bidder_name"`
	Priority   bool      `json:"priority" doc:"优先购买权人"`
	AmountFen  int64     `json:"amount_fen"`
	BidAt      time.Time `json:"bid_at"`
	ClosesAt   time.Time `json:"closes_at" doc:"本次出价后的结束时间（最后 5 分钟内出价的顺延）"`
}

// AuctionOut is an auction or 变卖 of a disposal.
type AuctionOut struct {
	ID            string               `json:"id"`
	Seq           int                  `json:"seq"`
	Kind          string               `json:"kind" enum:"auction,sale" doc:"auction 拍卖、sale 变卖"`
	KindLabel     string               `json:"kind_label"`
	Status        string               `json:"status" enum:"listed,sold,failed,defaulted,confirmed"`
	StatusLabel   string               `json:"status_label"`
	ReserveFen    int64                `json:"reserve_fen" doc:"起拍价（变卖价）"`
	DepositFen    int64                `json:"deposit_fen"`
	IncrementFen  int64                `json:"increment_fen"`
	PartiesToldOn string               `json:"parties_told_on,omitempty"`
	PublishedOn   string               `json:"published_on"`
	StartsAt      time.Time            `json:"starts_at"`
	EndsAt        time.Time            `json:"ends_at"`
	Disclosures   disposal.Disclosures `json:"disclosures"`
	ClosedAt      *time.Time           `json:"closed_at,omitempty"`
	WinnerRef     string               `json:"winner_ref,omitempty"`
	WinnerName    string               `json:"winner_name,omitempty"`
	PriceFen      int64                `json:"price_fen"`
	DefaultReason string               `json:"default_reason,omitempty"`
	ConfirmedOn   string               `json:"confirmed_on,omitempty"`
	Bids          []BidOut             `json:"bids" nullable:"false"`
}

// DisposalNextOut is what a disposal waits for (the board, S10).
type DisposalNextOut struct {
	On    string `json:"on,omitempty"`
	Step  string `json:"step"`
	Actor string `json:"actor"`
	Late  bool   `json:"late"`
}

// DisposalOut is the disposal of one asset in one case.
type DisposalOut struct {
	ID             string               `json:"id"`
	CourtID        string               `json:"court_id"`
	CaseID         string               `json:"case_id"`
	CaseNo         string               `json:"case_no"`
	AssetID        string               `json:"asset_id"`
	ControlID      string               `json:"control_id"`
	AssetLabel     string               `json:"asset_label"`
	Movable        bool                 `json:"movable" doc:"动产（公告期 15 日，再次拍卖 7 日）；否则 30 日、15 日"`
	Stage          string               `json:"stage" enum:"valuation,priced,listed,failed,sold,completed,unsold,withdrawn"`
	StageLabel     string               `json:"stage_label"`
	SeizedOn       string               `json:"seized_on"`
	ValuationDue   string               `json:"valuation_due" doc:"启动确定参考价的最后一日（VAL-1）"`
	Method         string               `json:"method,omitempty" enum:"agreed,directed,online,appraisal"`
	MethodLabel    string               `json:"method_label,omitempty"`
	StartedOn      string               `json:"started_on,omitempty"`
	StartedLate    bool                 `json:"started_late" doc:"超过 VAL-1 期限启动"`
	AppraiserDraw  string               `json:"appraiser_draw,omitempty" doc:"摇号记录（JSON：候选机构、种子、结果）"`
	ReferenceFen   int64                `json:"reference_fen" doc:"参考价（有效报告的平均值，四舍五入到分）"`
	ServedOn       string               `json:"served_on,omitempty"`
	ObjectionDue   string               `json:"objection_due,omitempty" doc:"异议期最后一日（VAL-4）"`
	ValidUntil     string               `json:"valid_until,omitempty" doc:"参考价有效期最后一日（VAL-4）"`
	NoBidCount     int                  `json:"no_bid_count" doc:"无人出价的拍卖次数"`
	FailedOn       string               `json:"failed_on,omitempty"`
	LastReserveFen int64                `json:"last_reserve_fen"`
	ProceedsFen    int64                `json:"proceeds_fen"`
	ForfeitedFen   int64                `json:"forfeited_fen" doc:"悔拍不予退还的保证金（AUCT-8）"`
	Barred         []string             `json:"barred" nullable:"false" doc:"因悔拍不得再参加本标的竞买的竞买人"`
	HandlerName    string               `json:"handler_name"`
	Next           DisposalNextOut      `json:"next"`
	Reports        []ValuationReportOut `json:"reports" nullable:"false"`
	Auctions       []AuctionOut         `json:"auctions" nullable:"false"`
	UpdatedAt      time.Time            `json:"updated_at"`
}

func disposalOut(d *disposal.Disposal, next disposal.Next) DisposalOut {
	o := DisposalOut{ID: d.ID.String(), CourtID: d.CourtID.String(), CaseID: d.CaseID.String(), CaseNo: d.CaseNo, AssetID: d.AssetID.String(),
		ControlID: d.ControlID.String(), AssetLabel: d.AssetLabel, Movable: d.Movable, Stage: d.Stage, StageLabel: disposal.StageLabel(d.Stage),
		SeizedOn: d.SeizedOn.String(), ValuationDue: d.ValuationDue.String(), Method: d.Method, MethodLabel: disposal.MethodLabel(d.Method),
		StartedOn: dateOut(d.StartedOn), StartedLate: d.StartedLate, AppraiserDraw: d.AppraiserDraw, ReferenceFen: d.ReferenceFen,
		ServedOn: dateOut(d.ServedOn), ObjectionDue: dateOut(d.ObjectionDue), ValidUntil: dateOut(d.ValidUntil), NoBidCount: d.NoBidCount,
		FailedOn: dateOut(d.FailedOn), LastReserveFen: d.LastReserveFen, ProceedsFen: d.ProceedsFen, ForfeitedFen: d.ForfeitedFen,
		Barred: append([]string{}, d.Barred...), HandlerName: d.HandlerName, Reports: []ValuationReportOut{}, Auctions: []AuctionOut{},
		Next: DisposalNextOut{On: dateOut(next.On), Step: next.Step, Actor: next.Actor, Late: next.Late}, UpdatedAt: d.UpdatedAt}
	for _, r := range d.Reports {
		o.Reports = append(o.Reports, ValuationReportOut{ID: r.ID.String(), ProviderCode: r.ProviderCode, ProviderName: r.ProviderName,
			DueOn: dateOut(r.DueOn), AmountFen: r.AmountFen, ReportedOn: dateOut(r.ReportedOn), Basis: r.Basis, Objected: r.Objected,
			Objection: r.Objection, Counts: r.Counts()})
	}
	for _, a := range d.Auctions {
		ao := AuctionOut{ID: a.ID.String(), Seq: a.Seq, Kind: a.Kind, KindLabel: a.KindLabel(), Status: a.Status, StatusLabel: a.StatusLabel(),
			ReserveFen: a.ReserveFen, DepositFen: a.DepositFen, IncrementFen: a.IncrementFen, PartiesToldOn: dateOut(a.PartiesToldOn),
			PublishedOn: a.PublishedOn.String(), StartsAt: a.StartsAt, EndsAt: a.EndsAt, Disclosures: a.Disclosures, ClosedAt: instant(a.ClosedAt),
			WinnerRef: a.WinnerRef, WinnerName: a.WinnerName, PriceFen: a.PriceFen, DefaultReason: a.DefaultReason,
			ConfirmedOn: dateOut(a.ConfirmedOn), Bids: []BidOut{}}
		if ao.Disclosures.PriorityPurchasers == nil {
			ao.Disclosures.PriorityPurchasers = []string{}
		}
		for _, b := range a.Bids {
			ao.Bids = append(ao.Bids, BidOut{Seq: b.Seq, BidderRef: b.BidderRef, BidderName: b.BidderName, Priority: b.Priority, AmountFen: b.AmountFen,
				BidAt: b.At.UTC(), ClosesAt: b.ClosesAt.UTC()})
		}
		o.Auctions = append(o.Auctions, ao)
	}
	return o
}

// disposalView reads a disposal back with its next step.
func disposalView(ctx context.Context, q store.Querier, db *store.DB, id uuid.UUID) (DisposalOut, error) {
	d, err := disposal.Get(ctx, q, id)
	if err != nil {
		return DisposalOut{}, err
	}
	next, err := disposal.NextOf(ctx, q, db, d)
	if err != nil {
		return DisposalOut{}, err
	}
	return disposalOut(d, next), nil
}

// DisposalValuationIn starts the reference price.
type DisposalValuationIn struct {
	Method        string `json:"method" enum:"agreed,directed,online,appraisal" doc:"agreed 当事人议价、directed 定向询价、online 网络询价（发往全部名单内平台）、appraisal 委托评估"`
	StartedOn     string `json:"started_on,omitempty" doc:"启动日期，默认今天"`
	AmountFen     int64  `json:"amount_fen,omitempty" doc:"议价或定向询价的价格"`
	Basis         string `json:"basis,omitempty" maxLength:"200" doc:"议价或定向询价的依据"`
	AppraiserCode string `json:"appraiser_code,omitempty" maxLength:"64" doc:"当事人协商选定的评估机构"`
	Draw          bool   `json:"draw,omitempty" doc:"从本院评估机构名单中摇号选定（可复现）"`
}

// DisposalAuctionIn announces an auction or a 变卖.
type DisposalAuctionIn struct {
	Sale          bool                 `json:"sale,omitempty" doc:"两次流拍后的网络变卖（AUCT-10）"`
	ReserveFen    int64                `json:"reserve_fen" doc:"起拍价；变卖为第二次拍卖的起拍价"`
	DepositFen    int64                `json:"deposit_fen" doc:"保证金，起拍价的 5%–20%（AUCT-6）"`
	IncrementFen  int64                `json:"increment_fen" doc:"加价幅度"`
	PartiesToldOn string               `json:"parties_told_on" doc:"通知当事人和已知优先购买权人的日期，公告 3 日前（AUCT-4）"`
	PublishedOn   string               `json:"published_on" doc:"公告日期"`
	StartsAt      time.Time            `json:"starts_at" doc:"开拍时间"`
	EndsAt        time.Time            `json:"ends_at,omitempty" doc:"结束时间，至少 24 小时（AUCT-7）；变卖不填"`
	Disclosures   disposal.Disclosures `json:"disclosures" doc:"公告披露事项（AUCT-5）"`
}

type idBody[T any] struct {
	ID   string `path:"id"`
	Body T
}

func (h *handlers) disposals(a huma.API) {
	view := func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
		return disposalView(ctx, tx, h.DB, id)
	}
	o := op(http.MethodPost, "/cases/{id}/disposals", "openDisposal", "启动财产处置：对本案已生效查封、冻结的财产", disposalTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *idBody[struct {
		AssetID string `json:"asset_id"`
	}]) (*Body[DisposalOut], error) {
		asset, err := parseID(in.Body.AssetID, "body.asset_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
			d, err := disposal.Open(ctx, tx, id, asset)
			if err != nil {
				return DisposalOut{}, err
			}
			return view(ctx, tx, d.ID)
		}, func(o DisposalOut) DisposalOut { return o })
	})

	huma.Register(a, op(http.MethodGet, "/cases/{id}/disposals", "listCaseDisposals", "案件的财产处置", disposalTag),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			ListParams
		}) (*Body[List[DisposalOut]], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			if _, err := cases.Get(ctx, h.DB, id); err != nil {
				return nil, err
			}
			return h.disposalBoard(ctx, disposal.Filter{CaseID: id}, in.request())
		})

	bo := op(http.MethodGet, "/disposals", "listDisposals", "财产处置看板：管辖法院处置中的财产、所处阶段、下一日期和办理人（S10）", disposalTag)
	huma.Register(a, bo, func(ctx context.Context, in *struct {
		Stage   string `query:"stage" enum:"valuation,priced,listed,failed,sold,completed,unsold,withdrawn" doc:"阶段"`
		CourtID string `query:"court_id" doc:"法院"`
		Open    bool   `query:"open" doc:"只列处置中的"`
		ListParams
	}) (*Body[List[DisposalOut]], error) {
		court, err := parseOptionalID(in.CourtID, "query.court_id")
		if err != nil {
			return nil, err
		}
		return h.disposalBoard(ctx, disposal.Filter{CourtID: court, Stage: in.Stage, Open: in.Open}, in.request())
	})

	huma.Register(a, op(http.MethodGet, "/disposals/{id}", "getDisposal", "一项财产处置：参考价报告、拍卖与出价记录", disposalTag),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*Body[DisposalOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			o, err := disposalView(ctx, h.DB, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(o), nil
		})

	post := func(path, id, summary string) huma.Operation {
		o := op(http.MethodPost, path, id, summary, disposalTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		return o
	}
	same := func(o DisposalOut) DisposalOut { return o }

	huma.Register(a, post("/disposals/{id}/valuation", "startValuation", "启动确定参考价（VAL-1、VAL-2）"),
		func(ctx context.Context, in *idBody[DisposalValuationIn]) (*Body[DisposalOut], error) {
			started, err := date(in.Body.StartedOn, "body.started_on")
			if err != nil {
				return nil, err
			}
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
				if _, err := disposal.StartValuation(ctx, tx, id, disposal.ValuationInput{Method: in.Body.Method, StartedOn: started,
					AmountFen: in.Body.AmountFen, Basis: in.Body.Basis, AppraiserCode: in.Body.AppraiserCode, Draw: in.Body.Draw}); err != nil {
					return DisposalOut{}, err
				}
				return view(ctx, tx, id)
			}, same)
		})

	huma.Register(a, post("/disposals/{id}/reports/{report_id}", "recordValuationReport", "登记询价平台或评估机构出具的报告（VAL-3）"),
		func(ctx context.Context, in *struct {
			ID       string `path:"id"`
			ReportID string `path:"report_id"`
			Body     struct {
				AmountFen  int64  `json:"amount_fen"`
				ReportedOn string `json:"reported_on,omitempty"`
				Basis      string `json:"basis,omitempty" maxLength:"200"`
			}
		}) (*Body[DisposalOut], error) {
			rid, err := parseID(in.ReportID, "path.report_id")
			if err != nil {
				return nil, err
			}
			on, err := date(in.Body.ReportedOn, "body.reported_on")
			if err != nil {
				return nil, err
			}
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
				if _, err := disposal.RecordReport(ctx, tx, id, disposal.ReportInput{ReportID: rid, AmountFen: in.Body.AmountFen, ReportedOn: on,
					Basis: in.Body.Basis}); err != nil {
					return DisposalOut{}, err
				}
				return view(ctx, tx, id)
			}, same)
		})

	huma.Register(a, post("/disposals/{id}/reports/{report_id}/objection", "objectToValuationReport", "对报告提出异议（VAL-4），该报告不再计入参考价"),
		func(ctx context.Context, in *struct {
			ID       string `path:"id"`
			ReportID string `path:"report_id"`
			Body     struct {
				Reason  string `json:"reason" maxLength:"500"`
				FiledOn string `json:"filed_on,omitempty"`
			}
		}) (*Body[DisposalOut], error) {
			rid, err := parseID(in.ReportID, "path.report_id")
			if err != nil {
				return nil, err
			}
			on, err := date(in.Body.FiledOn, "body.filed_on")
			if err != nil {
				return nil, err
			}
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
				if _, err := disposal.Object(ctx, tx, id, disposal.ObjectionInput{ReportID: rid, Reason: in.Body.Reason, FiledOn: on}); err != nil {
					return DisposalOut{}, err
				}
				return view(ctx, tx, id)
			}, same)
		})

	huma.Register(a, post("/disposals/{id}/price", "fixReferencePrice", "确定参考价并登记送达日（VAL-3、VAL-4）"),
		func(ctx context.Context, in *idBody[struct {
			ServedOn string `json:"served_on,omitempty" doc:"送达当事人的日期，默认今天"`
		}]) (*Body[DisposalOut], error) {
			on, err := date(in.Body.ServedOn, "body.served_on")
			if err != nil {
				return nil, err
			}
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
				if _, err := disposal.FixPrice(ctx, tx, id, on); err != nil {
					return DisposalOut{}, err
				}
				return view(ctx, tx, id)
			}, same)
		})

	ao := op(http.MethodPost, "/disposals/{id}/auctions", "announceAuction", "发布拍卖（或变卖）公告并挂拍（AUCT-2 至 AUCT-7、AUCT-9、AUCT-10）", disposalTag)
	ao.Errors = append(ao.Errors, 404)
	huma.Register(a, ao, func(ctx context.Context, in *idBody[DisposalAuctionIn]) (*Body[DisposalOut], error) {
		told, err := date(in.Body.PartiesToldOn, "body.parties_told_on")
		if err != nil {
			return nil, err
		}
		pub, err := date(in.Body.PublishedOn, "body.published_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
			if _, err := disposal.Announce(ctx, tx, id, disposal.AnnounceInput{Sale: in.Body.Sale, ReserveFen: in.Body.ReserveFen,
				DepositFen: in.Body.DepositFen, IncrementFen: in.Body.IncrementFen, PartiesToldOn: told, PublishedOn: pub,
				StartsAt: in.Body.StartsAt, EndsAt: in.Body.EndsAt, Disclosures: in.Body.Disclosures}); err != nil {
				return DisposalOut{}, err
			}
			return view(ctx, tx, id)
		}, same)
	})

	auction := func(ctx context.Context, raw string, fn func(context.Context, *store.Tx, uuid.UUID) (*disposal.Auction, error)) (*Body[DisposalOut], error) {
		return change(ctx, h.DB, raw, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (DisposalOut, error) {
			au, err := fn(ctx, tx, id)
			if err != nil {
				return DisposalOut{}, err
			}
			return view(ctx, tx, au.DisposalID)
		}, same)
	}
	huma.Register(a, post("/auctions/{id}/result", "pullAuctionResult", "从拍卖平台取回已结束的拍卖结果与出价记录（AUCT-7、AUCT-9、AUCT-10）"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*Body[DisposalOut], error) {
			return auction(ctx, in.ID, disposal.PullResult)
		})
	huma.Register(a, post("/auctions/{id}/default", "recordAuctionDefault", "登记悔拍：保证金不予退还并记入案款，竞买人不得再参加本标的竞买（AUCT-8）"),
		func(ctx context.Context, in *idBody[struct {
			Reason string `json:"reason" maxLength:"500"`
		}]) (*Body[DisposalOut], error) {
			return auction(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*disposal.Auction, error) {
				return disposal.RecordDefault(ctx, tx, id, in.Body.Reason)
			})
		})
	huma.Register(a, post("/auctions/{id}/confirmation", "confirmAuctionSale", "成交确认：买受人付款后，价款记入案款"),
		func(ctx context.Context, in *idBody[struct {
			PaidOn     string `json:"paid_on,omitempty" doc:"价款到账日，默认今天"`
			ReceiptRef string `json:"receipt_ref,omitempty" maxLength:"64"`
		}]) (*Body[DisposalOut], error) {
			paid, err := date(in.Body.PaidOn, "body.paid_on")
			if err != nil {
				return nil, err
			}
			return auction(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*disposal.Auction, error) {
				return disposal.Confirm(ctx, tx, id, disposal.ConfirmInput{PaidOn: paid, ReceiptRef: in.Body.ReceiptRef})
			})
		})
}

func (h *handlers) disposalBoard(ctx context.Context, f disposal.Filter, req page.Request) (*Body[List[DisposalOut]], error) {
	pg, err := disposal.Board(ctx, h.DB, f, req)
	if err != nil {
		return nil, err
	}
	return body(listOf(pg, func(r disposal.BoardRow) DisposalOut { return disposalOut(r.Disposal, r.Next) })), nil
}

// Current is the id of the disposal's latest auction, "" before the first.
func (o DisposalOut) Current() string {
	if len(o.Auctions) == 0 {
		return ""
	}
	return o.Auctions[len(o.Auctions)-1].ID
}
