package api

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/docs"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
)

// The reports: the weekly bulletin (周通报, SUP-4) as JSON, XLSX or PDF, and
// the KPI table as a workbook.

// BulletinFiguresOut are the figures of a handler, a team or the court.
type BulletinFiguresOut struct {
	Received           int64 `json:"received" doc:"收案（期间内立案的执、执恢、执保案件）"`
	Closed             int64 `json:"closed" doc:"结案"`
	ClosedPerformed    int64 `json:"closed_performed" doc:"其中以执行完毕结案"`
	ClosedZhongben     int64 `json:"closed_zhongben" doc:"其中终结本次执行程序"`
	PendingEnd         int64 `json:"pending_end" doc:"期末未结"`
	OverdueCases       int64 `json:"overdue_cases" doc:"审限超期：期末未结且执行期限（含延长、扣除）已过的案件"`
	SupervisionRaised  int64 `json:"supervision_raised" doc:"期间内发起的督办事项（预警不计）"`
	SupervisionClosed  int64 `json:"supervision_closed" doc:"期间内关闭的督办事项（含因情形消除关闭）"`
	SupervisionOverdue int64 `json:"supervision_overdue" doc:"期末未答复且已过答复期限的督办事项"`
}

func bulletinFigures(f metrics.BulletinFigures) BulletinFiguresOut {
	return BulletinFiguresOut{f.Received, f.Closed, f.ClosedPerformed, f.ClosedZhongben, f.PendingEnd, f.OverdueCases,
		f.SupervisionRaised, f.SupervisionClosed, f.SupervisionOverdue}
}

// BulletinHandlerOut is one handler's line.
type BulletinHandlerOut struct {
	HandlerID *string `json:"handler_id" doc:"承办人 id；未分配承办人的案件为 null"`
	Name      string  `json:"name"`
	BulletinFiguresOut
}

// BulletinTeamOut is one team with its handlers.
type BulletinTeamOut struct {
	TeamID   *string              `json:"team_id" doc:"团队 id；未分配团队的案件为 null"`
	Name     string               `json:"name"`
	Handlers []BulletinHandlerOut `json:"handlers" nullable:"false"`
	Total    BulletinFiguresOut   `json:"total"`
}

// BulletinOut is a court's weekly bulletin.
type BulletinOut struct {
	CourtID   string             `json:"court_id"`
	CourtName string             `json:"court_name"`
	From      string             `json:"from"`
	To        string             `json:"to"`
	Teams     []BulletinTeamOut  `json:"teams" nullable:"false"`
	Total     BulletinFiguresOut `json:"total"`
}

func bulletinOut(b *metrics.BulletinReport) BulletinOut {
	out := BulletinOut{CourtID: b.Court.ID.String(), CourtName: b.Court.Name, From: b.From.String(), To: b.To.String(),
		Teams: []BulletinTeamOut{}, Total: bulletinFigures(b.Total)}
	for _, t := range b.Teams {
		to := BulletinTeamOut{TeamID: optionalID(t.TeamID), Name: t.Name, Handlers: []BulletinHandlerOut{}, Total: bulletinFigures(t.Total)}
		for _, h := range t.Handlers {
			to.Handlers = append(to.Handlers, BulletinHandlerOut{HandlerID: optionalID(h.HandlerID), Name: h.Name,
				BulletinFiguresOut: bulletinFigures(h.BulletinFigures)})
		}
		out.Teams = append(out.Teams, to)
	}
	return out
}

// BulletinTable is the bulletin as a table report: a line per handler, a
// subtotal per team of more than one line, the court's total.
func BulletinTable(b *metrics.BulletinReport, now time.Time) *docs.Table {
	t := &docs.Table{
		Title:    b.Court.Name + "执行工作周通报",
		Subtitle: "统计期间：" + b.From.Chinese() + "至" + b.To.Chinese() + "　生成时间：" + now.In(legal.Shanghai()).Format("2006-01-02 15:04"),
		Columns: []docs.Column{{Title: "团队", Kind: docs.Text}, {Title: "承办人", Kind: docs.Text}, {Title: "收案", Kind: docs.Count},
			{Title: "结案", Kind: docs.Count}, {Title: "其中执行完毕", Kind: docs.Count}, {Title: "其中终本", Kind: docs.Count},
			{Title: "期末未结", Kind: docs.Count}, {Title: "审限超期", Kind: docs.Count}, {Title: "督办新增", Kind: docs.Count},
			{Title: "督办办结", Kind: docs.Count}, {Title: "督办超期", Kind: docs.Count}},
		Notes: []string{
			"收案、结案按立案日、结案日计入期间，含执、执恢、执保案件，归属案件现在的团队和承办人，与执行指标一致。",
			"期末未结：截至期末已立案未结案的案件；审限超期：其中执行期限（含延长、扣除）在期末前已届满的案件。",
			"督办新增、督办办结：期间内发起、关闭（含因情形消除而关闭）的督办事项，预警不计；督办超期：期末未答复且已过答复期限的督办事项。",
		},
	}
	cells := func(team, handler string, f metrics.BulletinFigures) []any {
		return []any{team, handler, f.Received, f.Closed, f.ClosedPerformed, f.ClosedZhongben, f.PendingEnd, f.OverdueCases,
			f.SupervisionRaised, f.SupervisionClosed, f.SupervisionOverdue}
	}
	for _, team := range b.Teams {
		for _, h := range team.Handlers {
			t.Rows = append(t.Rows, docs.Row{Cells: cells(team.Name, h.Name, h.BulletinFigures)})
		}
		if len(team.Handlers) > 1 {
			t.Rows = append(t.Rows, docs.Row{Cells: cells(team.Name, "小计", team.Total), Strong: true})
		}
	}
	t.Totals = cells("合计", "", b.Total)
	return t
}

// fileOut is an answer that is JSON or a file.
type fileOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               any
}

// file answers a table report as a download in format (xlsx or pdf).
func file(t *docs.Table, format, name, fallback string) (*fileOut, error) {
	var buf bytes.Buffer
	ct := docs.XLSXContentType
	var err error
	if format == "pdf" {
		ct, err = docs.PDFContentType, t.PDF(&buf)
	} else {
		err = t.XLSX(&buf)
	}
	if err != nil {
		return nil, err
	}
	return &fileOut{ContentType: ct, ContentDisposition: docs.Attachment(name+"."+format, fallback+"."+format), CacheControl: "no-store",
		Body: buf.Bytes()}, nil
}

// fileResponses documents an operation's answers: JSON of jsonType (when
// not nil) and the file formats.
func fileResponses(a huma.API, o *huma.Operation, jsonType reflect.Type, formats ...string) {
	binary := &huma.Schema{Type: "string", Format: "binary"}
	content := map[string]*huma.MediaType{}
	if jsonType != nil {
		content["application/json"] = &huma.MediaType{Schema: a.OpenAPI().Components.Schemas.Schema(jsonType, true, jsonType.Name())}
	}
	for _, f := range formats {
		ct := map[string]string{"xlsx": docs.XLSXContentType, "pdf": docs.PDFContentType}[f]
		content[ct] = &huma.MediaType{Schema: binary}
	}
	o.Responses = map[string]*huma.Response{"200": {Description: "OK", Content: content}}
}

func (h *handlers) reports(a huma.API) {
	type bulletinInput struct {
		CourtID string `query:"court_id" doc:"法院 id；不填为本人所在法院"`
		From    string `query:"from" doc:"起始日期 YYYY-MM-DD（含）；起止日期都不填为上一个完整的周（周一至周日）"`
		To      string `query:"to" doc:"截止日期 YYYY-MM-DD（含）"`
		Format  string `query:"format" enum:"json,xlsx,pdf" default:"json" doc:"json；xlsx 为 Excel 工作簿；pdf 为 A4 横向的 PDF"`
	}
	bo := op(http.MethodGet, "/reports/weekly-bulletin", "getWeeklyBulletin",
		"执行工作周通报（SUP-4）：一个法院按团队和承办人的收案、结案（其中执行完毕、终本）、期末未结、审限超期和督办事项（新增、办结、超期），"+
			"可导出 Excel 或 PDF", kpiTag)
	fileResponses(a, &bo, reflect.TypeFor[BulletinOut](), "xlsx", "pdf")
	huma.Register(a, bo, func(ctx context.Context, in *bulletinInput) (*fileOut, error) {
		from, err := date(in.From, "query.from")
		if err != nil {
			return nil, err
		}
		to, err := date(in.To, "query.to")
		if err != nil {
			return nil, err
		}
		court, err := parseOptionalID(in.CourtID, "query.court_id")
		if err != nil {
			return nil, err
		}
		b, err := metrics.Bulletin(ctx, h.DB, court, from, to)
		if err != nil {
			return nil, err
		}
		if in.Format == "xlsx" || in.Format == "pdf" {
			period := b.From.String() + "_" + b.To.String()
			return file(BulletinTable(b, time.Now()), in.Format, "周通报_"+b.Court.ShortName+"_"+period, "weekly-bulletin_"+period)
		}
		return &fileOut{Body: bulletinOut(b)}, nil
	})

	ko := op(http.MethodGet, "/kpis/export", "exportKPIs", "执行指标表导出为 Excel 工作簿：与 GET /kpis 相同的分组、数字和比率", kpiTag)
	fileResponses(a, &ko, nil, "xlsx")
	huma.Register(a, ko, func(ctx context.Context, in *kpiQuery) (*fileOut, error) {
		out, err := h.kpiTable(ctx, in)
		if err != nil {
			return nil, err
		}
		scope := "可见的全部法院"
		if in.CourtID != "" {
			c, err := org.GetCourt(ctx, h.DB, uuid.MustParse(in.CourtID)) // checked and seen by kpiTable
			if err != nil {
				return nil, err
			}
			scope = c.Name
		}
		t := KPITable(out, scope, time.Now())
		period := out.From + "_" + out.To
		return file(t, "xlsx", "执行指标_"+kpiGroupNames[out.GroupBy]+"_"+period, "kpis_"+out.GroupBy+"_"+period)
	})
}

var kpiGroupNames = map[string]string{"court": "按法院", "team": "按团队", "handler": "按承办人", "lane": "按分流通道", "case_type": "按案件类型"}

// KPITable is the KPI table as a table report: the same rows, counts and
// rates as the JSON (rates as they are there, rounded to four decimals).
func KPITable(out KPIsOut, scope string, now time.Time) *docs.Table {
	group := map[string]string{"court": "法院", "team": "团队", "handler": "承办人", "lane": "分流通道", "case_type": "案件类型"}[out.GroupBy]
	col := func(title string, k docs.Kind) docs.Column { return docs.Column{Title: title, Kind: k} }
	t := &docs.Table{
		Title: "执行指标（" + kpiGroupNames[out.GroupBy] + "）",
		Subtitle: scope + "　统计期间：" + legal.MustDate(out.From).Chinese() + "至" + legal.MustDate(out.To).Chinese() +
			"　生成时间：" + now.In(legal.Shanghai()).Format("2006-01-02 15:04"),
		Columns: []docs.Column{col(group, docs.Text),
			col("期初未结", docs.Count), col("收案", docs.Count), col("结案", docs.Count), col("法定期限内结案", docs.Count),
			col("结案用时合计（日）", docs.Count), col("已结案件申请执行金额（元）", docs.Money), col("已结案件执行到位金额（元）", docs.Money),
			col("首执期初未结", docs.Count), col("首执收案", docs.Count), col("首执结案", docs.Count), col("首执执行完毕", docs.Count),
			col("首执实际执结", docs.Count), col("首执终本", docs.Count),
			col("结案率", docs.Percent), col("结收比", docs.Percent), col("执结率（首执）", docs.Percent), col("实际执结率（首执）", docs.Percent),
			col("执行完毕率（首执）", docs.Percent), col("执行到位率", docs.Percent), col("法定期限内结案率", docs.Percent),
			col("结案平均用时（日）", docs.Decimal), col("终本率（首执）", docs.Percent), col("结案占比", docs.Percent)},
		Notes: []string{
			"收案、结案按立案日和结案日计入期间，归属案件现在的团队和承办人；执、执恢、执保计入收结案，首执各项只计执行实施案件（执）。",
			"结案率 = 结案 ÷ (期初未结 + 收案)；结收比 = 结案 ÷ 收案；执行完毕率、实际执结率、终本率以首执结案为分母；执行到位率 = 到位金额 ÷ 申请金额（已结案件）。",
			"比率为保留四位小数的比值，以百分比显示；分母为零时空白。",
		},
	}
	cells := func(r KPIRowOut) []any {
		return []any{r.Label, r.PendingStart, r.Received, r.Closed, r.ClosedInTerm, r.ClosedDays, r.ClaimFen, r.RecoveredFen,
			r.FirstPendingStart, r.FirstReceived, r.FirstClosed, r.FirstPerformed, r.FirstActual, r.FirstZhongben,
			r.ClosureRate, r.CloseReceive, r.FirstCloseRate, r.ActualRate, r.PerformedRate, r.RecoveryRate, r.InTermRate, r.MeanDays,
			r.ZhongbenRate, r.ClosedShare}
	}
	for _, r := range out.Rows {
		t.Rows = append(t.Rows, docs.Row{Cells: cells(r)})
	}
	t.Totals = cells(out.Total)
	return t
}
