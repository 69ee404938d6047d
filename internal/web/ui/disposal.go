package ui

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Property disposal (财产处置, DOMAIN.md §8, S10): the board of every asset
// under disposal in the courts in scope, with its stage, next date and who
// acts; a disposal's page with the bid log and a form for each step. The
// pages call the same functions as /api/v1/disposals.

// registerDisposal mounts the board, a disposal's page and its forms.
func (u *UI) registerDisposal(mux *http.ServeMux) {
	mux.Handle("GET /disposals", u.page(u.disposalBoard))
	mux.Handle("POST /cases/{id}/disposals", u.page(u.disposalOpen))
	mux.Handle("GET /disposals/{id}", u.page(u.disposalPage))
	mux.Handle("POST /disposals/{id}/{act}", u.page(u.disposalAction))
}

func init() {
	for k, v := range map[string]string{
		"disposal_opened":    "已启动财产处置。",
		"disposal_valuation": "已启动确定参考价。",
		"disposal_report":    "报告已登记。",
		"disposal_objection": "异议已登记，该报告不再计入参考价。",
		"disposal_price":     "参考价已确定。",
		"disposal_auction":   "公告已发布并挂拍。",
		"disposal_result":    "已取回拍卖结果。",
		"disposal_default":   "悔拍已登记：保证金记入案款，竞买人不得再参加本标的竞买。",
		"disposal_confirm":   "成交确认完成，价款已记入案款。",
	} {
		notices[k] = v
	}
}

type disposalBoardView struct {
	Rows       []disposal.BoardRow
	NextCursor string
	Stage      string
	Open       bool
	CaseID     string
	Case       *cases.Case
	Assets     []disposal.Disposable
	CanManage  bool
	Error      string
	Token      string
	Stages     []string
}

func (u *UI) disposalBoard(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showDisposalBoard(w, r, p, http.StatusOK, "")
}

func (u *UI) showDisposalBoard(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, msg string) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := disposalBoardView{Stage: q.Get("stage"), Open: q.Get("open") == "1", CaseID: q.Get("case_id"), Error: msg, Token: rand.Text(),
		CanManage: p.Can(access.DisposalManage),
		Stages:    []string{"valuation", "priced", "listed", "failed", "sold", "completed", "unsold"}}
	f := disposal.Filter{Stage: v.Stage, Open: v.Open}
	if v.CaseID != "" {
		id, err := uuid.Parse(v.CaseID)
		if err != nil {
			return apperr.NotFoundf("案件")
		}
		c, err := cases.Get(ctx, u.DB, id)
		if err != nil {
			return err
		}
		v.Case, f.CaseID = c, id
		if v.Assets, err = disposal.DisposableAssets(ctx, u.DB, id); err != nil {
			return err
		}
	}
	pg, err := disposal.Board(ctx, u.DB, f, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	v.Rows, v.NextCursor = pg.Items, pg.NextCursor
	return u.render(w, r, status, "disposals", "财产处置", "disposals", v)
}

func (u *UI) disposalOpen(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	caseID, err := pathID(r)
	if err != nil {
		return err
	}
	var opened uuid.UUID
	dup, err := u.supForm(w, r, p, "disposal-open-"+caseID.String(), func(ctx context.Context, tx *store.Tx) error {
		asset, err := formID(r, "asset_id")
		if err != nil {
			return err
		}
		if asset == uuid.Nil {
			return apperr.InvalidField("required", "body.asset_id", "请选择要处置的财产")
		}
		d, err := disposal.Open(ctx, tx, caseID, asset)
		if err == nil {
			opened = d.ID
		}
		return err
	})
	if err != nil {
		_, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		r.URL.RawQuery = "case_id=" + caseID.String()
		return u.showDisposalBoard(w, r, p, httpStatus(err), msg)
	}
	if dup || opened == uuid.Nil {
		redirect(w, r, "/disposals?case_id="+caseID.String(), "duplicate")
		return nil
	}
	redirect(w, r, "/disposals/"+opened.String(), "disposal_opened")
	return nil
}

type disposalView struct {
	D         *disposal.Disposal
	Next      disposal.Next
	CanManage bool
	Failed    string // the form refused
	Error     string
	Errors    map[string]string
	Values    map[string]string
	Token     string
	Today     string
	MinRes    string // the lowest reserve of the next auction, in yuan
	Platforms []disposal.Provider
}

func (u *UI) disposalPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showDisposal(w, r, p, http.StatusOK, "", "", nil)
}

func (u *UI) showDisposal(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, failed, msg string, errs map[string]string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := disposal.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	next, err := disposal.NextOf(ctx, u.DB, u.DB, d)
	if err != nil {
		return err
	}
	v := disposalView{D: d, Next: next, CanManage: p.Can(access.DisposalManage), Failed: failed, Error: msg, Errors: errs,
		Values: map[string]string{}, Token: rand.Text(), Today: disposal.Today(u.DB).String(), Platforms: disposal.OnlinePlatforms()}
	if errs == nil {
		v.Errors = map[string]string{}
	}
	if failed != "" {
		for k := range r.PostForm {
			v.Values[k] = r.PostFormValue(k)
		}
	}
	rs, err := ruleparams.DisposalRules(ctx, u.DB, d.CourtID, disposal.Today(u.DB))
	if err != nil {
		return err
	}
	switch d.Stage {
	case disposal.StagePriced:
		v.MinRes = yuanText(legal.MinReserve(d.ReferenceFen, false, rs))
	case disposal.StageFailed:
		v.MinRes = yuanText(legal.MinRelistReserve(d.LastReserveFen, rs))
	}
	return u.render(w, r, status, "disposal", "财产处置 · "+d.CaseNo, "disposals", v)
}

// dateField reads an optional date.
func dateField(r *http.Request, name, what string) (legal.Date, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return legal.Date{}, nil
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, apperr.InvalidField("invalid_date", "body."+name, what+"应为 YYYY-MM-DD 格式的有效日期")
	}
	return d, nil
}

// instantField reads a datetime-local value as Beijing time.
func instantField(r *http.Request, name, what string) (time.Time, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, shanghai)
	if err != nil {
		return t, apperr.InvalidField("invalid_time", "body."+name, what+"应为有效的日期和时间")
	}
	return t.UTC(), nil
}

func (u *UI) disposalAction(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	act := r.PathValue("act")
	if _, ok := map[string]bool{"valuation": true, "report": true, "objection": true, "price": true, "auction": true, "result": true, "default": true,
		"confirm": true}[act]; !ok {
		return apperr.NotFoundf("操作")
	}
	dup, err := u.supForm(w, r, p, "disposal-"+act+"-"+id.String(), func(ctx context.Context, tx *store.Tx) error {
		var err error
		switch act {
		case "valuation":
			in := disposal.ValuationInput{Method: r.PostFormValue("method"), Basis: r.PostFormValue("basis"),
				AppraiserCode: strings.TrimSpace(r.PostFormValue("appraiser_code")), Draw: r.PostFormValue("draw") == "1"}
			if in.StartedOn, err = dateField(r, "started_on", "启动日期"); err != nil {
				return err
			}
			if in.AmountFen, err = yuanField(r, "amount", "价格"); err != nil {
				return err
			}
			_, err = disposal.StartValuation(ctx, tx, id, in)
		case "report", "objection":
			var rid uuid.UUID
			if rid, err = formID(r, "report_id"); err != nil {
				return err
			}
			if act == "report" {
				in := disposal.ReportInput{ReportID: rid, Basis: r.PostFormValue("basis")}
				if in.AmountFen, err = yuanField(r, "amount", "报告价格"); err != nil {
					return err
				}
				if in.ReportedOn, err = dateField(r, "reported_on", "出具日期"); err != nil {
					return err
				}
				_, err = disposal.RecordReport(ctx, tx, id, in)
			} else {
				in := disposal.ObjectionInput{ReportID: rid, Reason: r.PostFormValue("reason")}
				if in.FiledOn, err = dateField(r, "filed_on", "提出异议的日期"); err != nil {
					return err
				}
				_, err = disposal.Object(ctx, tx, id, in)
			}
		case "price":
			var on legal.Date
			if on, err = dateField(r, "served_on", "送达日期"); err != nil {
				return err
			}
			_, err = disposal.FixPrice(ctx, tx, id, on)
		case "auction":
			in := disposal.AnnounceInput{Sale: r.PostFormValue("sale") == "1", Disclosures: disposal.Disclosures{
				RulingNo: r.PostFormValue("ruling_no"), Rules: r.PostFormValue("rules"), Media: r.PostFormValue("media"),
				NoPriority: r.PostFormValue("no_priority") == "1", DepositAccount: r.PostFormValue("deposit_account"), Taxes: r.PostFormValue("taxes"),
				Contact: r.PostFormValue("contact"), Defects: r.PostFormValue("defects")}}
			for _, s := range strings.Split(r.PostFormValue("priority_purchasers"), "\n") {
				if s = strings.TrimSpace(s); s != "" {
					in.Disclosures.PriorityPurchasers = append(in.Disclosures.PriorityPurchasers, s)
				}
			}
			if in.ReserveFen, err = yuanField(r, "reserve", "起拍价"); err != nil {
				return err
			}
			if in.DepositFen, err = yuanField(r, "deposit", "保证金"); err != nil {
				return err
			}
			if in.IncrementFen, err = yuanField(r, "increment", "加价幅度"); err != nil {
				return err
			}
			if in.PartiesToldOn, err = dateField(r, "parties_told_on", "通知当事人的日期"); err != nil {
				return err
			}
			if in.PublishedOn, err = dateField(r, "published_on", "公告日期"); err != nil {
				return err
			}
			if in.StartsAt, err = instantField(r, "starts_at", "开拍时间"); err != nil {
				return err
			}
			if in.EndsAt, err = instantField(r, "ends_at", "结束时间"); err != nil {
				return err
			}
			_, err = disposal.Announce(ctx, tx, id, in)
		case "result", "default", "confirm":
			var aid uuid.UUID
			if aid, err = formID(r, "auction_id"); err != nil {
				return err
			}
			if err = auctionOf(ctx, tx, aid, id); err != nil {
				return err
			}
			switch act {
			case "result":
				_, err = disposal.PullResult(ctx, tx, aid)
			case "default":
				_, err = disposal.RecordDefault(ctx, tx, aid, r.PostFormValue("reason"))
			default:
				in := disposal.ConfirmInput{ReceiptRef: r.PostFormValue("receipt_ref")}
				if in.PaidOn, err = dateField(r, "paid_on", "付款日期"); err != nil {
					return err
				}
				_, err = disposal.Confirm(ctx, tx, aid, in)
			}
		}
		return err
	})
	if err != nil {
		errs, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		return u.showDisposal(w, r, p, httpStatus(err), act, msg, errs)
	}
	done := "disposal_" + act
	if dup {
		done = "duplicate"
	}
	redirect(w, r, "/disposals/"+id.String(), done)
	return nil
}

// auctionOf checks the auction belongs to the disposal of the page.
func auctionOf(ctx context.Context, tx *store.Tx, auctionID, disposalID uuid.UUID) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM auctions WHERE id = ? AND disposal_id = ?`, auctionID, disposalID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFoundf("拍卖")
	}
	return nil
}
