// Package api is zhixing's public HTTP API under /api/v1, served through huma
// so that its OpenAPI 3.1 document (/api/v1/openapi.json) is generated from
// the same types the handlers use. Handlers are thin: decode, call a feature
// function, encode. Errors are application/problem+json with a Chinese
// detail and a stable code (see problem.go).
package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Deps are what the API needs.
type Deps struct {
	DB      *store.DB
	Auth    *auth.Service
	Version string
}

// Prefix is where the API lives.
const Prefix = "/api/v1"

// MaxBodyBytes is the default request body limit of an operation.
const MaxBodyBytes = 1 << 20

type handlers struct{ Deps }

// Register mounts the API on mux and returns it (for the OpenAPI document).
func Register(mux *http.ServeMux, d Deps) huma.API {
	cfg := huma.DefaultConfig("zhixing 执行事务平台 API", d.Version)
	cfg.OpenAPIPath = Prefix + "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in answers
	cfg.RejectUnknownQueryParameters = true
	cfg.Info.Description = "执行事务平台的公开接口。约定见 API.md：JSON 字段为 snake_case；金额为整数“分”（字段以 _fen 结尾）；" +
		"法定日期为 YYYY-MM-DD（北京时间）；时刻为 RFC 3339 UTC（字段以 _at 结尾）；错误为 application/problem+json，" +
		"含中文 detail 与稳定的 code；创建或变动数据的 POST 支持 Idempotency-Key；列表用 limit（默认 50，最大 500）与 cursor 分页。"
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "POST /api/v1/sessions 取得的令牌"},
		"cookie": {Type: "apiKey", In: "cookie", Name: "zhixing_session", Description: "网页登录的会话"},
	}
	a := humago.New(mux, cfg)
	h := &handlers{d}
	h.sessions(a)
	h.users(a)
	h.courts(a)
	h.teams(a)
	h.reference(a)
	h.audit(a)
	h.intake(a)
	h.cases(a)
	h.measures(a)
	h.supervision(a)
	h.kpis(a)
	h.reports(a) // reports.go: the weekly bulletin, the KPI table export
	h.board(a)   // board.go: the trend, the rankings and the command-center board
	h.triage(a)
	h.bulk(a)
	h.calendar(a)
	h.ruleParams(a)
	h.jobs(a)
	h.assets(a)
	h.transfers(a)
	h.funds(a)
	h.payouts(a)
	h.payoutBatches(a)
	h.statements(a)
	h.distributions(a)
	h.postponements(a)
	h.reconciliations(a)
	h.massclaims(a)
	h.field(a)
	h.portal(a)
	h.entrust(a)   // entrust.go: entrusted matters (事项委托)
	h.disposals(a) // disposal.go: reference price, auctions, 变卖, the disposal board
	h.remedies(a)  // remedies.go: 执行异议、案外人异议、复议、执行信访
	h.hotline(a)   // hotline.go: the command center's hotline
	h.sanctions(a) // sanctions.go: 报告财产令, 限消, 失信 (issue 7)
	return a
}

var authed = []map[string][]string{{"bearer": {}}, {"cookie": {}}}

// op fills the parts of an operation every zhixing operation shares.
func op(method, path, id, summary, tag string) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: Prefix + path, Summary: summary, Tags: []string{tag},
		Security: authed, MaxBodyBytes: MaxBodyBytes}
	switch method {
	case http.MethodPost:
		o.DefaultStatus = http.StatusCreated
		o.Errors = []int{400, 401, 403, 409, 413, 422, 503}
	case http.MethodPatch, http.MethodPut:
		o.Errors = []int{400, 401, 403, 404, 409, 413, 422, 503}
	default:
		o.Errors = []int{400, 401, 403, 404, 503}
	}
	return o
}

// parseID reads an id from the path. A malformed one is a 400 invalid_id.
func parseID(s, field string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil || len(s) != 36 {
		return uuid.Nil, &apperr.Error{Kind: apperr.BadRequest, Code: "invalid_id", Detail: "标识符格式不正确：" + truncate(s, 64),
			Fields: []apperr.FieldError{{Field: field, Detail: "应为 36 位 UUID"}}}
	}
	return id, nil
}

// parseOptionalID reads an optional id from a query or body field.
func parseOptionalID(s, field string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	return parseID(s, field)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ListParams are the paging parameters every list takes.
type ListParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" doc:"每页条数，默认 50，最多 500"`
	Cursor string `query:"cursor" maxLength:"512" doc:"上一页返回的 next_cursor"`
}

func (l ListParams) request() page.Request { return page.Request{Limit: l.Limit, Cursor: l.Cursor} }

// List is the shape of every list answer.
type List[T any] struct {
	Items      []T    `json:"items" nullable:"false"`
	NextCursor string `json:"next_cursor,omitempty" doc:"下一页的游标；最后一页没有"`
}

func listOf[T, U any](pg page.Page[T], conv func(T) U) List[U] {
	out := List[U]{Items: make([]U, 0, len(pg.Items)), NextCursor: pg.NextCursor}
	for _, x := range pg.Items {
		out.Items = append(out.Items, conv(x))
	}
	return out
}

// Body wraps an answer body.
type Body[T any] struct {
	Body T
}

func body[T any](v T) *Body[T] { return &Body[T]{Body: v} }

// instant formats an optional instant: nil for the zero time.
func instant(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func optionalID(id uuid.UUID) *string {
	if id == uuid.Nil {
		return nil
	}
	s := id.String()
	return &s
}

func trimmed(p *string) *string {
	if p == nil {
		return nil
	}
	s := strings.TrimSpace(*p)
	return &s
}
