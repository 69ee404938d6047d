package agencies

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// delays are the realistic answer delays per kind (before TimeScale).
var delays = map[agency.Kind][2]time.Duration{
	agency.BankDeposit:    {30 * time.Second, 10 * time.Minute},
	agency.BankWealth:     {30 * time.Second, 10 * time.Minute},
	agency.Alipay:         {30 * time.Second, 10 * time.Minute},
	agency.Tenpay:         {30 * time.Second, 10 * time.Minute},
	agency.InternetBank:   {30 * time.Second, 10 * time.Minute},
	agency.Securities:     {10 * time.Minute, 2 * time.Hour},
	agency.Equity:         {10 * time.Minute, 2 * time.Hour},
	agency.Vehicle:        {30 * time.Minute, 6 * time.Hour},
	agency.Ship:           {30 * time.Minute, 6 * time.Hour},
	agency.FishingBoat:    {30 * time.Minute, 6 * time.Hour},
	agency.RealEstate:     {time.Hour, 24 * time.Hour},
	agency.Identity:       {time.Minute, time.Hour},
	agency.Marriage:       {time.Minute, time.Hour},
	agency.SocialSecurity: {time.Hour, 24 * time.Hour},
	agency.HousingFund:    {time.Hour, 24 * time.Hour},
	agency.Tax:            {time.Hour, 24 * time.Hour},
	agency.Insurance:      {time.Hour, 24 * time.Hour},
	agency.Phone:          {time.Hour, 12 * time.Hour},
	agency.PersonTrace:    {24 * time.Hour, 72 * time.Hour},
}

// Delay is the realistic time an agency takes to answer request id of kind
// k, before TimeScale: log-uniform within the kind's range, the same for the
// same seed and id.
func Delay(seed uint64, k agency.Kind, id string) time.Duration {
	d, ok := delays[k]
	if !ok {
		d = [2]time.Duration{time.Minute, time.Hour}
	}
	r := stream(seed, "delay", id)
	lo, hi := float64(d[0]), float64(d[1])
	return time.Duration(lo * math.Exp(r.Float64()*math.Log(hi/lo)))
}

func (s *Sim) due(k agency.Kind, id string, now time.Time) time.Time {
	if s.opts.TimeScale == 0 {
		return now
	}
	return now.Add(time.Duration(float64(Delay(s.opts.Seed, k, id)) * s.opts.TimeScale))
}

// termYears is the longest term of a control per class (TERM-1).
var termYears = map[agency.TermClass]int{agency.TermDeposit: 1, agency.TermMovable: 2, agency.TermImmovable: 3, agency.TermOther: 3}

var termLabels = map[agency.TermClass]string{agency.TermDeposit: "存款", agency.TermMovable: "动产", agency.TermImmovable: "不动产", agency.TermOther: "其他财产权"}

// validate returns why q is malformed for agency a, or "".
func validate(a *agencyState, q *agency.Request) string {
	e := &a.entry
	switch {
	case q.ID == "":
		return "缺少请求编号（id）"
	case len(q.ID) > 128:
		return "请求编号过长（至多128个字符）"
	case q.Agency != "" && q.Agency != e.Code:
		return fmt.Sprintf("请求所指协执单位（%s）与接收单位（%s）不符", q.Agency, e.Code)
	case !q.Op.Valid():
		return fmt.Sprintf("未知的操作类型“%s”", q.Op)
	case !q.Kind.Valid():
		return fmt.Sprintf("未知的财产类型“%s”", q.Kind)
	case !slices.Contains(e.Kinds, q.Kind):
		return fmt.Sprintf("本单位不办理%s（%s）事项", q.Kind.Label(), q.Kind)
	case q.Subject.Kind != "person" && q.Subject.Kind != "organization":
		return "被执行人类型应为 person（自然人）或 organization（单位）"
	case strings.TrimSpace(q.Subject.IDNumber) == "":
		return "缺少被执行人的证件号码（身份证号码或统一社会信用代码）"
	case q.AmountFen < 0:
		return "金额不能为负数"
	}
	info, _ := agency.Info(q.Kind)
	if !info.AppliesTo(q.Subject.Kind) {
		return fmt.Sprintf("%s仅适用于自然人", q.Kind.Label())
	}
	switch q.Op {
	case agency.OpInquire, agency.OpLocate:
		if !e.Inquire {
			return "本单位不受理查询，请向总对总查询单位查询"
		}
		if q.Op == agency.OpLocate && q.Kind != agency.PersonTrace {
			return "查找下落（locate）仅适用于 person_trace"
		}
	default:
		if !e.Control {
			return "本单位不办理冻结、查封、扣划等控制措施"
		}
		if info.Control == "" {
			return fmt.Sprintf("%s仅供查询，不能采取控制措施", q.Kind.Label())
		}
		switch q.Op {
		case agency.OpFreeze, agency.OpSeize:
			if q.Op != info.Control {
				return fmt.Sprintf("%s应当%s，不能%s", q.Kind.Label(), info.Control.Label(), q.Op.Label())
			}
		case agency.OpDeduct:
			if !info.Deduct {
				return fmt.Sprintf("%s不能扣划", q.Kind.Label())
			}
		}
		if q.AssetRef == "" {
			return "未注明财产标识（asset_ref）"
		}
		switch q.Op {
		case agency.OpFreeze:
			if q.AmountFen <= 0 {
				return "冻结金额（amount_fen）应大于零"
			}
		case agency.OpDeduct:
			if q.AmountFen <= 0 {
				return "扣划金额（amount_fen）应大于零"
			}
		}
		if q.Op == agency.OpDeduct || q.Op == agency.OpRenew || q.Op == agency.OpRelease {
			if q.ControlRef == "" {
				return "未注明控制措施编号（control_ref）"
			}
		}
		if q.Op == agency.OpRenew && q.TermTo == "" {
			return "续行须注明新的期限届满日（term_to）"
		}
	}
	if q.TermTo != "" {
		if _, err := legal.ParseDate(q.TermTo); err != nil {
			return "期限届满日（term_to）应为 YYYY-MM-DD 格式的有效日期"
		}
	}
	if q.CallbackURL == "" {
		return "缺少回调地址（callback_url）"
	}
	if u, err := url.Parse(q.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "回调地址（callback_url）无效，应为 http 或 https 地址"
	}
	return ""
}

// reqRecord is the journal line of an accepted request.
type reqRecord struct {
	T   string          `json:"t"`
	A   string          `json:"a"`
	Due time.Time       `json:"due"`
	Q   *agency.Request `json:"q"`
}

// accept acknowledges a batch for agency a: validates every request,
// recognises ids seen before, journals the accepted ones (one write) and
// queues them. It returns the journal offset to sync before answering.
func (s *Sim) accept(a *agencyState, reqs []agency.Request, now time.Time) ([]agency.Ack, int64, error) {
	acks := make([]agency.Ack, len(reqs))
	lines := make([][]byte, len(reqs))
	dues := make([]time.Time, len(reqs))
	for i := range reqs {
		q := &reqs[i]
		acks[i].ID = q.ID
		if reason := validate(a, q); reason != "" {
			acks[i] = agency.Ack{ID: q.ID, Status: agency.AckRejected, Reason: reason}
			continue
		}
		dues[i] = s.due(q.Kind, q.ID, now)
		if s.journal != nil {
			b, err := json.Marshal(reqRecord{T: "req", A: a.entry.Code, Due: dues[i], Q: q})
			if err != nil {
				return nil, 0, err
			}
			lines[i] = append(b, '\n')
		}
	}
	sh := a.shard
	var buf []byte
	dup, queued := false, false
	sh.mu.Lock()
	for i := range reqs {
		q := &reqs[i]
		if q.ID != "" {
			if a.seen.has(q.ID) {
				acks[i] = agency.Ack{ID: q.ID, Status: agency.AckDuplicate}
				dup = true
				continue
			}
		}
		if acks[i].Status == agency.AckRejected {
			continue
		}
		a.seen.add(q.ID)
		acks[i].Status = agency.AckAccepted
		heap.Push(&sh.pending, &pendingItem{due: dues[i], order: s.seq.Add(1), ag: a, req: *q})
		buf = append(buf, lines[i]...)
		queued = true
	}
	var off int64
	var err error
	if len(buf) > 0 {
		off, err = s.journal.Append(buf)
	} else if dup {
		off = s.journal.Written() // a duplicate may be of a request not yet synced
	}
	sh.mu.Unlock()
	if err != nil {
		s.fail(err)
		return nil, 0, err
	}
	for _, ack := range acks {
		switch ack.Status {
		case agency.AckAccepted:
			s.stats.accepted.Add(1)
		case agency.AckDuplicate:
			s.stats.duplicates.Add(1)
		case agency.AckRejected:
			s.stats.rejected.Add(1)
		}
	}
	for i := range reqs {
		if acks[i].Status == agency.AckAccepted {
			s.stats.byOp[opIndex(reqs[i].Op)].Add(1)
		}
	}
	if queued {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return acks, off, nil
}

// answerCtx is what answering one round needs: the time and the assets it
// changed (journaled with the result).
type answerCtx struct {
	now   time.Time
	today string
	dirty []*asset
}

func (c *answerCtx) touched(a *asset) {
	if !slices.Contains(c.dirty, a) {
		c.dirty = append(c.dirty, a)
	}
}

// answer produces the result of one request. Called with the shard locked.
func (s *Sim) answer(sh *shard, it *pendingItem, ac *answerCtx) agency.Result {
	q := &it.req
	res := agency.Result{RequestID: q.ID, Agency: it.ag.entry.Code, AnsweredAt: ac.now}
	reg := it.ag.regs[q.Kind]
	person := q.Subject.Kind == "person"
	switch {
	case q.Kind == agency.PersonTrace:
		loc := locate(s.opts.Seed, q.Subject.IDNumber)
		res.Status, res.Location = agency.ResultDone, &loc
		res.Message = loc.Note
	case q.Op == agency.OpInquire:
		if _, set := sh.overrides[overrideKey(reg.Code, q.Kind, q.Subject.IDNumber)]; q.Kind == agency.Identity && !set {
			if _, err := legal.ParseResidentID(q.Subject.IDNumber, legal.Date{}); err != nil {
				res.Status, res.Message = agency.ResultNotFound, "查无此人：人口信息库中没有该身份证号码"
				return res
			}
		}
		hs := s.holdingsOf(sh, reg, q.Kind, q.Subject.IDNumber, person)
		res.Status = agency.ResultDone
		for i := range hs {
			h := &hs[i]
			a := sh.assets[assetKey(reg.Code, q.Kind, h.Ref)]
			if a != nil && expire(a, h, ac.today) {
				ac.touched(a)
			}
			res.Holdings = append(res.Holdings, view(h, a))
		}
		if len(hs) == 0 {
			res.Message = "未查询到" + q.Kind.Label() + "信息"
		} else {
			res.Message = fmt.Sprintf("查询到%s信息%d项", q.Kind.Label(), len(hs))
		}
	default:
		s.control(sh, it.ag, reg, q, ac, &res)
	}
	return res
}

func failed(res *agency.Result, format string, args ...any) {
	res.Status = agency.ResultFailed
	res.Message = fmt.Sprintf(format, args...)
}

// controlRef is the agency's reference of the control or transfer made for
// request id: stable, so a replayed journal gives the same.
func (s *Sim) controlRef(code, kind, id string, now time.Time) string {
	day := strings.ReplaceAll(legal.Today(now).String(), "-", "")
	return fmt.Sprintf("%s-%s-%s-%s", strings.ToUpper(code), kind, day, hashHex(s.opts.Seed, 10, "ref", code, kind, id))
}

// control carries out a freeze, seizure, deduction, renewal or release.
func (s *Sim) control(sh *shard, ag *agencyState, reg registry, q *agency.Request, ac *answerCtx, res *agency.Result) {
	if sh.acted.has(q.ID) {
		// Cannot happen: ids are checked at acceptance. Counted, never applied.
		s.stats.doubleActions.Add(1)
		failed(res, "重复的请求（%s），未再次执行", q.ID)
		return
	}
	sh.acted.add(q.ID)
	info, _ := agency.Info(q.Kind)
	hs := s.holdingsOf(sh, reg, q.Kind, q.Subject.IDNumber, q.Subject.Kind == "person")
	var h *hold
	for i := range hs {
		if hs[i].Ref == q.AssetRef {
			h = &hs[i]
			break
		}
	}
	if h == nil {
		res.Status = agency.ResultNotFound
		res.Message = fmt.Sprintf("本单位未登记被执行人名下的该项财产（%s）", q.AssetRef)
		return
	}
	if city := h.Attributes["city"]; city != "" && ag.entry.Region != "" && regionCity[ag.entry.Region] != "" && city != regionCity[ag.entry.Region] {
		failed(res, "该财产位于%s，不属本单位辖区，请向财产所在地的登记机构办理", city)
		return
	}
	key := assetKey(reg.Code, q.Kind, h.Ref)
	a := sh.assets[key]
	if a == nil {
		if q.Op != agency.OpFreeze && q.Op != agency.OpSeize {
			failed(res, "控制措施不存在或已解除")
			return
		}
		a = &asset{Key: key}
		sh.assets[key] = a
	}
	if expire(a, h, ac.today) {
		ac.touched(a)
	}
	years := termYears[info.Term]
	limit := legal.MustDate(ac.today).AddYears(years).String()
	// rank is a control's place on the asset: its position in order of
	// effect (首封 1, 轮候 2 and more), except that a freeze of a balance
	// holding money is in effect for that money, rank 1, whatever came first.
	rank := func(i int) int {
		if balanceKind(q.Kind) && a.Controls[i].Frozen > 0 {
			return 1
		}
		return h.priorCount + i + 1
	}
	switch q.Op {
	case agency.OpFreeze, agency.OpSeize:
		term := q.TermTo
		if term == "" {
			term = legal.MustDate(ac.today).AddYears(years).AddDays(-1).String()
		}
		if term < ac.today {
			failed(res, "期限届满日（%s）早于生效日（%s）", term, ac.today)
			return
		}
		if term > limit {
			failed(res, "期限届满日（%s）超过法定最长期限：%s最长%d年，最迟至%s", term, termLabels[info.Term], years, limit)
			return
		}
		if settle(a, h) {
			ac.touched(a)
		}
		code := "CF"
		if q.Op == agency.OpFreeze {
			code = "DJ"
		}
		c := control{Ref: s.controlRef(ag.entry.Code, code, q.ID, ac.now), Request: q.ID, Op: q.Op, Court: q.Court, CaseNo: q.CaseNo,
			Asked: q.AmountFen, TermTo: term, At: ac.now}
		if balanceKind(q.Kind) {
			c.Frozen = min(c.Asked, available(h, a))
		}
		a.Controls = append(a.Controls, c)
		ac.touched(a)
		r := rank(len(a.Controls) - 1)
		cr := &agency.ControlResult{Ref: c.Ref, AmountFen: c.Asked, EffectiveAt: ac.now, TermTo: term, Rank: r}
		res.Control = cr
		res.Status = agency.ResultDone
		switch {
		case balanceKind(q.Kind):
			cr.AmountFen = c.Frozen
			switch {
			case c.Frozen == c.Asked:
				res.Message = fmt.Sprintf("已冻结%s元，期限至%s", yuan(c.Frozen), term)
			case c.Frozen > 0:
				res.Status = agency.ResultPartial
				res.Message = fmt.Sprintf("可冻结余额不足：实际冻结%s元，其余%s元待余额到账或在先冻结解除后继续冻结，期限至%s", yuan(c.Frozen), yuan(c.Asked-c.Frozen), term)
			case r > 1:
				res.Status = agency.ResultPartial
				res.Message = fmt.Sprintf("该账户资金已被在先冻结，已办理轮候冻结（第%d顺位），在先冻结解除后依次生效", r)
			default:
				res.Status = agency.ResultPartial
				res.Message = "账户余额为零，已登记冻结，款项到账后在冻结金额内自动冻结"
			}
		case r == 1:
			res.Message = fmt.Sprintf("已%s（首封），期限至%s", q.Op.Label(), term)
		default:
			res.Message = fmt.Sprintf("该财产已被在先%s，已办理轮候%s（第%d顺位），期限至%s", info.Control.Label(), q.Op.Label(), r, term)
		}
	case agency.OpDeduct, agency.OpRenew, agency.OpRelease:
		i := a.find(q.ControlRef)
		if i < 0 {
			if last, ok := a.Expired[q.ControlRef]; ok {
				failed(res, "该控制措施已于%s期满失效", last)
			} else {
				failed(res, "控制措施不存在或已解除")
			}
			return
		}
		c := &a.Controls[i]
		if c.Court != q.Court {
			failed(res, "该控制措施非由贵院办理，不能%s", q.Op.Label())
			return
		}
		switch q.Op {
		case agency.OpDeduct:
			if q.AmountFen > c.Frozen {
				failed(res, "扣划金额（%s元）超过该冻结项下已冻结的金额（%s元）", yuan(q.AmountFen), yuan(c.Frozen))
				return
			}
			r := rank(i)
			a.Deducted += q.AmountFen
			c.Frozen -= q.AmountFen
			c.Asked -= q.AmountFen
			ac.touched(a)
			res.Status = agency.ResultDone
			res.Control = &agency.ControlResult{Ref: c.Ref, AmountFen: q.AmountFen, EffectiveAt: ac.now, TermTo: c.TermTo, Rank: r,
				ReceiptRef: s.controlRef(ag.entry.Code, "KH", q.ID, ac.now)}
			res.Message = fmt.Sprintf("已扣划%s元至法院执行款专户", yuan(q.AmountFen))
		case agency.OpRenew:
			if q.TermTo <= c.TermTo {
				failed(res, "续行后的期限届满日（%s）应晚于原期限届满日（%s）", q.TermTo, c.TermTo)
				return
			}
			if q.TermTo > limit {
				failed(res, "期限届满日（%s）超过法定最长期限：%s最长%d年，最迟至%s", q.TermTo, termLabels[info.Term], years, limit)
				return
			}
			c.TermTo = q.TermTo
			ac.touched(a)
			amount := c.Asked
			if balanceKind(q.Kind) {
				amount = c.Frozen
			}
			res.Status = agency.ResultDone
			res.Control = &agency.ControlResult{Ref: c.Ref, AmountFen: amount, EffectiveAt: ac.now, TermTo: c.TermTo, Rank: rank(i)}
			res.Message = fmt.Sprintf("已续行%s，期限至%s", info.Control.Label(), c.TermTo)
		case agency.OpRelease:
			gone := *c
			a.Controls = slices.Delete(a.Controls, i, i+1)
			settle(a, h)
			ac.touched(a)
			amount := gone.Asked
			if balanceKind(q.Kind) {
				amount = gone.Frozen
			}
			res.Status = agency.ResultDone
			res.Control = &agency.ControlResult{Ref: gone.Ref, AmountFen: amount, EffectiveAt: ac.now}
			res.Message = "已解除" + info.Control.Label()
			if i < len(a.Controls) {
				res.Message += "，在后的轮候措施依次递进"
			}
		}
	}
}
