package disposal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Disclosures are what an auction notice must disclose (AUCT-5, 法释〔2016〕18号
// Arts.13–14). The valuation, the time, the price and the notification
// status come from the disposal and the auction; the rest is typed.
type Disclosures struct {
	RulingNo           string   `json:"ruling_no,omitempty"`           // the instrument (拍卖裁定书)
	Rules              string   `json:"rules,omitempty"`               // the bidding rules
	Media              string   `json:"media,omitempty"`               // photos or video of the asset
	PriorityPurchasers []string `json:"priority_purchasers,omitempty"` // known priority purchasers, each told by PartiesToldOn
	NoPriority         bool     `json:"no_priority,omitempty"`         // there is no known priority purchaser
	DepositAccount     string   `json:"deposit_account,omitempty"`     // how the deposit is paid
	Taxes              string   `json:"taxes,omitempty"`               // who bears which taxes
	Contact            string   `json:"contact,omitempty"`             // the court's contact
	Defects            string   `json:"defects,omitempty"`             // defects and encumbrances (瑕疵、权利负担)
}

// missing lists the AUCT-5 items not filled in, as field names.
func (x Disclosures) missing() []apperr.FieldError {
	var out []apperr.FieldError
	for _, f := range []struct{ name, value, label string }{
		{"ruling_no", x.RulingNo, "拍卖裁定书文号"}, {"rules", x.Rules, "竞价规则"}, {"media", x.Media, "标的物照片或视频"},
		{"deposit_account", x.DepositAccount, "保证金交纳方式"}, {"taxes", x.Taxes, "税费负担"}, {"contact", x.Contact, "联系方式"},
		{"defects", x.Defects, "瑕疵与权利负担"},
	} {
		if strings.TrimSpace(f.value) == "" {
			out = append(out, apperr.FieldError{Field: "body.disclosures." + f.name, Detail: "请填写" + f.label + "（AUCT-5）"})
		} else if utf8.RuneCountInString(f.value) > 1000 {
			out = append(out, apperr.FieldError{Field: "body.disclosures." + f.name, Detail: f.label + "不能超过 1000 字"})
		}
	}
	if len(x.PriorityPurchasers) == 0 && !x.NoPriority {
		out = append(out, apperr.FieldError{Field: "body.disclosures.priority_purchasers", Detail: "请列明优先购买权人，或注明没有已知优先购买权人（AUCT-5）"})
	}
	return out
}

// Auction is one auction or 变卖 of a disposal.
type Auction struct {
	ID, CourtID, DisposalID uuid.UUID
	Seq                     int
	Kind                    string // auction or sale
	Status                  string // listed, sold, failed, defaulted, confirmed
	ReserveFen, DepositFen  int64
	IncrementFen            int64
	PartiesToldOn           legal.Date
	PublishedOn             legal.Date
	StartsAt, EndsAt        time.Time
	Disclosures             Disclosures
	DeductionID             uuid.UUID
	ClosedAt                time.Time
	WinnerRef, WinnerName   string
	PriceFen                int64
	WinnerDepositFen        int64
	DefaultReason           string
	ConfirmedOn             legal.Date
	ReceiptRef              string
	CreatedByName           string
	CreatedAt               time.Time
	Bids                    []Bid
}

// KindLabel is 拍卖 (first or again) or 变卖.
func (a *Auction) KindLabel() string {
	if a.Kind == "sale" {
		return "变卖"
	}
	if a.Seq == 1 {
		return "第一次拍卖"
	}
	return fmt.Sprintf("第 %d 次拍卖", a.Seq)
}

// StatusLabel is the Chinese name of the auction's status.
func (a *Auction) StatusLabel() string {
	return map[string]string{"listed": "公告中/竞价中", "sold": "已成交待付款", "failed": "流拍", "defaulted": "悔拍", "confirmed": "成交确认"}[a.Status]
}

const auctionColumns = `id, court_id, disposal_id, seq, kind, status, reserve_fen, deposit_fen, increment_fen, parties_told_on, published_on,
	starts_at, ends_at, disclosures, deduction_id, closed_at, winner_ref, winner_name, price_fen, winner_deposit_fen, default_reason, confirmed_on,
	receipt_ref, created_by_name, created_at`

func scanAuction(sc store.Scanner) (*Auction, error) {
	a := &Auction{}
	var disc string
	var ded uuid.NullUUID
	var closed sql.NullTime
	err := sc.Scan(&a.ID, &a.CourtID, &a.DisposalID, &a.Seq, &a.Kind, &a.Status, &a.ReserveFen, &a.DepositFen, &a.IncrementFen, &a.PartiesToldOn,
		&a.PublishedOn, &a.StartsAt, &a.EndsAt, &disc, &ded, &closed, &a.WinnerRef, &a.WinnerName, &a.PriceFen, &a.WinnerDepositFen,
		&a.DefaultReason, &a.ConfirmedOn, &a.ReceiptRef, &a.CreatedByName, &a.CreatedAt)
	if err != nil {
		return nil, err
	}
	a.DeductionID, a.ClosedAt = ded.UUID, closed.Time
	return a, json.Unmarshal([]byte(disc), &a.Disclosures)
}

func loadAuctions(ctx context.Context, q store.Querier, disposalID uuid.UUID) ([]*Auction, error) {
	rows, err := q.Query(ctx, `SELECT `+auctionColumns+` FROM auctions WHERE disposal_id = ? ORDER BY seq`, disposalID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanAuction)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		rows, err := q.Query(ctx, `SELECT seq, bidder_ref, bidder_name, priority, amount_fen, bid_at, closes_at FROM auction_bids
			WHERE auction_id = ? ORDER BY seq`, a.ID)
		if err != nil {
			return nil, err
		}
		if a.Bids, err = store.ScanAll(rows, func(sc store.Scanner) (Bid, error) {
			var b Bid
			return b, sc.Scan(&b.Seq, &b.BidderRef, &b.BidderName, &b.Priority, &b.AmountFen, &b.At, &b.ClosesAt)
		}); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// AnnounceInput lists an auction (or, after two auctions without a bid, a
// 变卖) on the platform with its notice.
type AnnounceInput struct {
	Sale          bool // a 变卖 (AUCT-10) rather than an auction
	ReserveFen    int64
	DepositFen    int64
	IncrementFen  int64
	PartiesToldOn legal.Date // parties and known priority purchasers told (AUCT-4)
	PublishedOn   legal.Date // the notice published on the statutory channel and the platform (AUCT-3)
	StartsAt      time.Time
	EndsAt        time.Time // an auction's close; ignored for a 变卖 (its window is AUCT-10's)
	Disclosures   Disclosures
}

// Announce publishes an auction or a 变卖 (disposal.manage) after checking
// every limit of DOMAIN.md §8 against the court's values in force: the
// disclosures (AUCT-5); a first auction's 起拍价 against the reference price
// (AUCT-2) and the price's validity on the opening day (VAL-4), after the
// objection window (VAL-4); a re-auction's cut and date (AUCT-9); the
// deposit (AUCT-6); the notice period (AUCT-3, AUCT-9); the parties told
// in time (AUCT-4); bidding of at least 24 h (AUCT-7); a 变卖 at the
// second 起拍价 for its window (AUCT-10). The listing goes to the platform and
// the case clock stops for the auction (AUCT-12).
func Announce(ctx context.Context, tx *store.Tx, id uuid.UUID, in AnnounceInput) (*Auction, error) {
	p, d, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := stopped(ctx, tx, d.AssetID); err != nil {
		return nil, err
	}
	relist := d.Stage == StageFailed
	switch {
	case in.Sale && (d.Stage != StageFailed || d.NoBidCount < 2):
		return nil, apperr.New(apperr.Conflict, "invalid_stage", "两次拍卖流拍后方可变卖（AUCT-10）")
	case !in.Sale && d.Stage == StageFailed && d.NoBidCount >= 2:
		return nil, apperr.New(apperr.Conflict, "invalid_stage", "已两次流拍，应转入网络变卖（AUCT-10）")
	case d.Stage != StagePriced && d.Stage != StageFailed:
		return nil, wrongStage(d, "发布拍卖公告")
	}
	if fe := in.Disclosures.missing(); len(fe) > 0 {
		return nil, apperr.New(apperr.Invalid, "disclosures_incomplete", "拍卖公告的披露事项不全（AUCT-5）", fe...)
	}
	today := Today(tx.DB())
	r, err := rules(ctx, tx, d.CourtID, today)
	if err != nil {
		return nil, err
	}
	field := func(err error, name string) error {
		if e, ok := apperr.As(err); ok && len(e.Fields) == 0 {
			e.Fields = []apperr.FieldError{{Field: name, Detail: e.Detail}}
		}
		return err
	}
	if in.PublishedOn.IsZero() {
		return nil, apperr.InvalidField("required", "body.published_on", "请填写公告日期")
	}
	if in.StartsAt.IsZero() {
		return nil, apperr.InvalidField("required", "body.starts_at", "请填写开拍时间")
	}
	startOn := legal.DateOf(in.StartsAt)
	if !relist && !d.ObjectionDue.IsZero() && !in.PublishedOn.After(d.ObjectionDue) {
		return nil, apperr.New(apperr.Conflict, "objection_period_running", "参考价异议期至 "+d.ObjectionDue.String()+"，期满后方可发布拍卖公告（VAL-4）",
			apperr.FieldError{Field: "body.published_on", Detail: "应晚于 " + d.ObjectionDue.String()})
	}
	if in.PublishedOn.Before(d.ServedOn) {
		return nil, apperr.InvalidField("invalid_date", "body.published_on", "公告日期不能早于参考价送达日 "+d.ServedOn.String())
	}
	if err := legal.CheckPriceValid(d.ValidUntil, startOn); err != nil {
		return nil, err
	}
	kind := "auction"
	switch {
	case in.Sale:
		kind = "sale"
		if in.ReserveFen != d.LastReserveFen {
			return nil, apperr.InvalidField("invalid_sale_price", "body.reserve_fen", "变卖价应为第二次拍卖的起拍价 "+legal.FormatFen(d.LastReserveFen)+"（AUCT-10）")
		}
		in.EndsAt = legal.SaleWindowEnd(startOn, r).AddDays(1).Start().Add(-time.Second)
		if startOn.Before(in.PublishedOn) {
			return nil, apperr.InvalidField("invalid_date", "body.starts_at", "变卖不能早于公告日开始")
		}
	case relist:
		if err := legal.CheckRelistReserve(in.ReserveFen, d.LastReserveFen, r); err != nil {
			return nil, field(err, "body.reserve_fen")
		}
		if err := legal.CheckRelistStart(d.FailedOn, startOn, r); err != nil {
			return nil, field(err, "body.starts_at")
		}
	default:
		if err := legal.CheckReserve(in.ReserveFen, d.ReferenceFen, false, r); err != nil {
			return nil, field(err, "body.reserve_fen")
		}
	}
	if err := legal.CheckDeposit(in.DepositFen, in.ReserveFen, r); err != nil {
		return nil, field(err, "body.deposit_fen")
	}
	if in.IncrementFen <= 0 || in.IncrementFen > in.ReserveFen {
		return nil, apperr.InvalidField("invalid_amount", "body.increment_fen", "加价幅度应大于 0 且不超过起拍价")
	}
	if !in.Sale {
		if err := legal.CheckNotice(in.PublishedOn, startOn, d.Movable, relist, r); err != nil {
			return nil, field(err, "body.starts_at")
		}
		if err := legal.CheckBiddingWindow(in.StartsAt, in.EndsAt, r); err != nil {
			return nil, field(err, "body.ends_at")
		}
	}
	if err := legal.CheckPartiesTold(in.PartiesToldOn, in.PublishedOn, r); err != nil {
		return nil, field(err, "body.parties_told_on")
	}
	pf, err := PlatformOf(tx.DB())
	if err != nil {
		return nil, err
	}
	disc, _ := json.Marshal(in.Disclosures)
	at := now(tx.DB())
	a := &Auction{ID: store.NewID(), CourtID: d.CourtID, DisposalID: d.ID, Seq: len(d.Auctions) + 1, Kind: kind, Status: "listed",
		ReserveFen: in.ReserveFen, DepositFen: in.DepositFen, IncrementFen: in.IncrementFen, PartiesToldOn: in.PartiesToldOn,
		PublishedOn: in.PublishedOn, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Disclosures: in.Disclosures, CreatedByName: p.DisplayName,
		CreatedAt: at}
	ded, err := cases.OpenAuctionDeduction(ctx, tx, d.CaseID, in.PublishedOn, d.AssetLabel+" "+a.KindLabel())
	if err != nil {
		return nil, err
	}
	a.DeductionID = ded
	if _, err := tx.Exec(ctx, `INSERT INTO auctions (id, court_id, disposal_id, seq, kind, status, reserve_fen, deposit_fen, increment_fen,
		parties_told_on, published_on, starts_at, ends_at, disclosures, deduction_id, created_by_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.CourtID, a.DisposalID, a.Seq, a.Kind, a.Status, a.ReserveFen,
		a.DepositFen, a.IncrementFen, a.PartiesToldOn, a.PublishedOn, a.StartsAt, a.EndsAt, string(disc), ded, a.CreatedByName, at, at); err != nil {
		return nil, err
	}
	d.LastReserveFen = a.ReserveFen
	if _, err := tx.Exec(ctx, `UPDATE disposals SET last_reserve_fen = ? WHERE id = ?`, a.ReserveFen, d.ID); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, StageListed); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("%s公告：%s，起拍价 %s，保证金 %s，%s 公告，%s 开始", a.KindLabel(), d.AssetLabel, legal.FormatFen(a.ReserveFen),
		legal.FormatFen(a.DepositFen), a.PublishedOn, a.StartsAt.In(legal.Shanghai()).Format("2006-01-02 15:04"))
	if err := cases.AppendEvents(ctx, tx, d.CaseID, cases.Event{Kind: "disposal.announced", Summary: summary}); err != nil {
		return nil, err
	}
	if err := logDisposal(ctx, tx, d, "disposal.announced", summary, audit.Changes{"auction_id": {To: a.ID.String()},
		"reserve_fen": {To: a.ReserveFen}, "deposit_fen": {To: a.DepositFen}}); err != nil {
		return nil, err
	}
	// The platform last: a refusal rolls the court's side back; a listing
	// whose transaction then fails is listed again under the same id.
	return a, pf.List(ctx, Listing{ID: a.ID.String(), Kind: kind, Title: d.AssetLabel, ReserveFen: a.ReserveFen, DepositFen: a.DepositFen,
		IncrementFen: a.IncrementFen, StartsAt: a.StartsAt, EndsAt: a.EndsAt, ExtensionMinutes: r.ExtensionMinutes, SaleBiddingHours: r.BiddingMinHours,
		Barred: d.Barred})
}

// lockAuction locks an auction's disposal and finds the auction in it.
func lockAuction(ctx context.Context, tx *store.Tx, id uuid.UUID) (*access.Principal, *Disposal, *Auction, error) {
	var disposalID uuid.UUID
	err := tx.QueryRow(ctx, `SELECT disposal_id FROM auctions WHERE id = ?`, id).Scan(&disposalID)
	if store.IsNoRows(err) {
		return nil, nil, nil, apperr.NotFoundf("拍卖")
	}
	if err != nil {
		return nil, nil, nil, err
	}
	p, d, err := lock(ctx, tx, disposalID)
	if err != nil {
		if apperr.CodeOf(err) == "not_found" {
			return nil, nil, nil, apperr.NotFoundf("拍卖")
		}
		return nil, nil, nil, err
	}
	for _, a := range d.Auctions {
		if a.ID == id {
			return p, d, a, nil
		}
	}
	return nil, nil, nil, apperr.NotFoundf("拍卖")
}

func auctionState(a *Auction, what string) error {
	return apperr.New(apperr.Conflict, "invalid_state", fmt.Sprintf("%s处于“%s”状态，不能%s", a.KindLabel(), a.StatusLabel(), what))
}

// PullResult fetches a closed auction's result from the platform with its
// bid log (AUCT-7): sold, it waits for payment; without a bid it failed —
// a re-auction follows (AUCT-9), after two a 变卖 (AUCT-10), and a 变卖
// without a buyer ends the disposal unsold. The auction's deduction from
// the case clock ends on the closing day (AUCT-12).
func PullResult(ctx context.Context, tx *store.Tx, id uuid.UUID) (*Auction, error) {
	_, d, a, err := lockAuction(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != "listed" {
		return nil, auctionState(a, "取回结果")
	}
	pf, err := PlatformOf(tx.DB())
	if err != nil {
		return nil, err
	}
	res, err := pf.Result(ctx, a.ID.String())
	if err != nil {
		return nil, err
	}
	if !res.Closed {
		return nil, apperr.New(apperr.Conflict, "auction_not_closed", "竞价尚未结束（当前结束时间 "+
			res.ClosesAt.In(legal.Shanghai()).Format("2006-01-02 15:04:05")+"）")
	}
	for _, b := range res.Bids {
		if _, err := tx.Exec(ctx, `INSERT INTO auction_bids (auction_id, seq, bidder_ref, bidder_name, priority, amount_fen, bid_at, closes_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, b.Seq, b.BidderRef, b.BidderName, b.Priority, b.AmountFen, b.At.UTC(), b.ClosesAt.UTC()); err != nil {
			return nil, err
		}
	}
	a.Bids, a.ClosedAt = res.Bids, res.ClosedAt.UTC()
	closedOn := legal.DateOf(a.ClosedAt)
	var summary string
	stage := StageSold
	if res.Sold {
		a.Status, a.WinnerRef, a.WinnerName, a.PriceFen, a.WinnerDepositFen = "sold", res.Winner.Ref, res.Winner.Name, res.PriceFen, res.Winner.DepositFen
		summary = fmt.Sprintf("%s成交：%s 以 %s 竞得（%d 次出价）", a.KindLabel(), a.WinnerName, legal.FormatFen(a.PriceFen), len(a.Bids))
	} else {
		a.Status = "failed"
		stage = StageFailed
		d.FailedOn = closedOn
		if a.Kind == "sale" {
			stage = StageUnsold
			summary = "变卖期满无人出价，变卖未成交（AUCT-10）"
		} else {
			d.NoBidCount++
			summary = a.KindLabel() + "无人出价，流拍"
			if d.NoBidCount >= 2 {
				summary += "；两次流拍，可转入网络变卖（AUCT-10）"
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE disposals SET no_bid_count = ?, failed_on = ? WHERE id = ?`, d.NoBidCount, d.FailedOn, d.ID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE auctions SET status = ?, closed_at = ?, winner_ref = ?, winner_name = ?, price_fen = ?, winner_deposit_fen = ?,
		updated_at = ? WHERE id = ?`, a.Status, a.ClosedAt, a.WinnerRef, a.WinnerName, a.PriceFen, a.WinnerDepositFen, now(tx.DB()), a.ID); err != nil {
		return nil, err
	}
	if err := cases.CloseAuctionDeduction(ctx, tx, d.CaseID, a.DeductionID, closedOn); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, stage); err != nil {
		return nil, err
	}
	if err := cases.AppendEvents(ctx, tx, d.CaseID, cases.Event{Kind: "disposal.result", Summary: summary}); err != nil {
		return nil, err
	}
	return a, logDisposal(ctx, tx, d, "disposal.result", summary, audit.Changes{"auction_id": {To: a.ID.String()}, "status": {From: "listed", To: a.Status},
		"price_fen": {To: a.PriceFen}, "bids": {To: len(a.Bids)}})
}

// RecordDefault records a buyer's default (悔拍, AUCT-8): the deposit is
// forfeited into the case's funds, the buyer is barred from the asset's
// later auctions, and the asset goes back to be auctioned again.
func RecordDefault(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Auction, error) {
	p, d, a, err := lockAuction(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != "sold" {
		return nil, auctionState(a, "登记悔拍")
	}
	reason, err = text("body.reason", reason, 500, "悔拍情况")
	if err != nil {
		return nil, err
	}
	at := now(tx.DB())
	today := legal.DateOf(at)
	var barred int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM disposal_bars WHERE disposal_id = ? AND bidder_ref = ?`, d.ID, a.WinnerRef).Scan(&barred); err != nil {
		return nil, err
	}
	if barred > 0 {
		return nil, apperr.New(apperr.Conflict, "already_defaulted", a.WinnerName+" 已因悔拍被禁止参加本标的竞买（AUCT-8）")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO disposal_bars (disposal_id, bidder_ref, auction_id, created_at) VALUES (?, ?, ?, ?)`, d.ID, a.WinnerRef,
		a.ID, at); err != nil {
		return nil, err
	}
	forfeit := a.WinnerDepositFen
	if forfeit <= 0 {
		forfeit = a.DepositFen
	}
	if _, err := funds.ReceiveSale(ctx, tx, funds.SaleProceeds{CourtID: d.CourtID, CaseID: d.CaseID, PartyID: d.OwnerPartyID, AmountFen: forfeit,
		Ref: "forfeit:" + a.ID.String(), Memo: "悔拍保证金不予退还：" + a.WinnerName + "（" + d.AssetLabel + "）", By: p.DisplayName,
		ValueOn: today}); err != nil {
		return nil, err
	}
	a.Status, a.DefaultReason = "defaulted", reason
	d.ForfeitedFen += forfeit
	d.FailedOn = today
	if _, err := tx.Exec(ctx, `UPDATE auctions SET status = 'defaulted', default_reason = ?, updated_at = ? WHERE id = ?`, reason, at, a.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE disposals SET forfeited_fen = ?, failed_on = ? WHERE id = ?`, d.ForfeitedFen, today, d.ID); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, StageFailed); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("买受人 %s 悔拍：保证金 %s 不予退还，记入案款；该竞买人不得再参加本标的竞买（AUCT-8）", a.WinnerName, legal.FormatFen(forfeit))
	if err := cases.AppendEvents(ctx, tx, d.CaseID, cases.Event{Kind: "disposal.default", Summary: summary}); err != nil {
		return nil, err
	}
	return a, logDisposal(ctx, tx, d, "disposal.default", summary, audit.Changes{"auction_id": {To: a.ID.String()}, "bidder": {To: a.WinnerRef},
		"forfeited_fen": {To: forfeit}, "reason": {To: reason}})
}

// ConfirmInput confirms a sale once the buyer paid.
type ConfirmInput struct {
	PaidOn     legal.Date // the day the price reached the custody account; zero: today
	ReceiptRef string
}

// Confirm confirms a sale (成交确认) once the buyer paid: the price lands in
// the case's funds through the ledger (the owner's account in the case),
// and the disposal is complete.
func Confirm(ctx context.Context, tx *store.Tx, id uuid.UUID, in ConfirmInput) (*Auction, error) {
	p, d, a, err := lockAuction(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != "sold" {
		return nil, auctionState(a, "成交确认")
	}
	if err := stopped(ctx, tx, d.AssetID); err != nil {
		return nil, err
	}
	paid, err := day("body.paid_on", in.PaidOn, legal.DateOf(a.ClosedAt), Today(tx.DB()), "付款日期")
	if err != nil {
		return nil, err
	}
	ref := strings.TrimSpace(in.ReceiptRef)
	if utf8.RuneCountInString(ref) > 64 {
		return nil, apperr.InvalidField("too_long", "body.receipt_ref", "回单号不能超过 64 字")
	}
	if _, err := funds.ReceiveSale(ctx, tx, funds.SaleProceeds{CourtID: d.CourtID, CaseID: d.CaseID, PartyID: d.OwnerPartyID, AmountFen: a.PriceFen,
		Ref: "auction:" + a.ID.String(), Memo: a.KindLabel() + "成交价款：" + d.AssetLabel + "，买受人 " + a.WinnerName, ReceiptRef: ref,
		By: p.DisplayName, ValueOn: paid}); err != nil {
		return nil, err
	}
	at := now(tx.DB())
	a.Status, a.ConfirmedOn, a.ReceiptRef = "confirmed", paid, ref
	if _, err := tx.Exec(ctx, `UPDATE auctions SET status = 'confirmed', confirmed_on = ?, receipt_ref = ?, updated_at = ? WHERE id = ?`, paid, ref, at,
		a.ID); err != nil {
		return nil, err
	}
	d.ProceedsFen = a.PriceFen
	if _, err := tx.Exec(ctx, `UPDATE disposals SET proceeds_fen = ? WHERE id = ?`, a.PriceFen, d.ID); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, StageCompleted); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("成交确认：%s 由 %s 以 %s 买受，价款 %s 到账，记入案款", d.AssetLabel, a.WinnerName, legal.FormatFen(a.PriceFen), paid)
	if err := cases.AppendEvents(ctx, tx, d.CaseID, cases.Event{Kind: "disposal.confirmed", Summary: summary}); err != nil {
		return nil, err
	}
	return a, logDisposal(ctx, tx, d, "disposal.confirmed", summary, audit.Changes{"auction_id": {To: a.ID.String()}, "price_fen": {To: a.PriceFen}})
}
