package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// Problem is an error answer (RFC 9457, application/problem+json) with a
// Chinese detail, a stable machine code and the fields at fault.
type Problem struct {
	Type      string         `json:"type,omitempty" doc:"A URI naming the problem type; about:blank when the status says it all"`
	Title     string         `json:"title" doc:"The status in words (Chinese)"`
	Status    int            `json:"status" doc:"The HTTP status"`
	Detail    string         `json:"detail" doc:"What went wrong, in Chinese, for the person who sees it"`
	Code      string         `json:"code" doc:"Stable machine code, e.g. invalid_id, not_found, idempotency_key_reused"`
	RequestID string         `json:"request_id,omitempty" doc:"The request's id, to quote to support"`
	Errors    []ProblemField `json:"errors,omitempty" doc:"The input fields at fault"`
}

// ProblemField names one input field at fault.
type ProblemField struct {
	Field  string `json:"field" doc:"Where: body.username, path.id, query.limit …"`
	Detail string `json:"detail" doc:"What is wrong with it, in Chinese"`
}

func (p *Problem) Error() string  { return p.Code + ": " + p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// ProblemFor turns any error into the answer to give. Anything that is not an
// *apperr.Error is an internal error: it is logged with the request id, and
// the caller learns only that something failed.
func ProblemFor(r *http.Request, err error) *Problem {
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	rid := reqid.From(ctx)
	var p *Problem
	if errors.As(err, &p) {
		p.RequestID = rid
		return p
	}
	e, ok := apperr.As(err)
	if !ok {
		reqid.RecordError(ctx, err) // logged with the request, never shown
		e = &apperr.Error{Kind: apperr.Internal, Code: "internal", Detail: "服务器内部错误，请稍后重试；如果问题持续，请把请求编号告诉系统管理员"}
	} else if e.Kind == apperr.Unavailable {
		reqid.RecordError(ctx, err)
	}
	status := httperr.Status(e.Kind)
	p = &Problem{Title: httperr.Title(status), Status: status, Detail: e.Detail, Code: e.Code, RequestID: rid}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: f.Field, Detail: f.Detail})
	}
	return p
}

// WriteProblem writes err as a problem answer. Middleware uses it; huma
// operations return errors instead.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(r, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// newHumaError replaces huma.NewErrorWithContext, so that every error huma
// produces itself (validation, undecodable or oversized bodies) or receives
// from a handler is answered as a Problem in Chinese.
func newHumaError(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	var fields []ProblemField
	for _, err := range errs {
		if err == nil {
			continue
		}
		// A handler's error: it already says everything.
		var p *Problem
		if errors.As(err, &p) {
			return p
		}
		if _, ok := apperr.As(err); ok {
			r, _ := unwrap(ctx)
			return ProblemFor(r, err)
		}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			ed := d.ErrorDetail()
			field, msg := ed.Location, translate(ed.Message)
			// "body: missing court_id" names the field itself.
			if name, ok := strings.CutPrefix(msg, requiredPrefix); ok && !strings.ContainsAny(name, " ，") {
				field += "." + name
			}
			fields = append(fields, ProblemField{Field: field, Detail: msg})
			continue
		}
		if status >= 500 {
			r, _ := unwrap(ctx)
			return ProblemFor(r, err)
		}
		fields = append(fields, ProblemField{Field: "body", Detail: translate(err.Error())})
	}
	p := &Problem{Title: httperr.Title(status), Status: status, Errors: fields}
	if r, ok := unwrap(ctx); ok {
		p.RequestID = reqid.From(r.Context())
	}
	switch {
	case status == http.StatusRequestEntityTooLarge:
		p.Code, p.Detail = "body_too_large", "请求内容过大："+strings.TrimPrefix(msg, "request body is too large ")
	case status == http.StatusUnprocessableEntity || status == http.StatusBadRequest && len(fields) > 0:
		p.Code, p.Detail = "invalid_input", "输入有误"
		if len(fields) > 0 {
			p.Detail = "输入有误：" + fields[0].Field + " " + fields[0].Detail
		}
		if isJSONSyntax(fields) {
			p.Status, p.Title, p.Code, p.Detail = http.StatusBadRequest, httperr.Title(http.StatusBadRequest), "malformed_json", "请求体不是有效的 JSON："+fields[0].Detail
		}
	case status == http.StatusBadRequest:
		p.Code, p.Detail = "bad_request", "请求无法解析"
		if msg == "request body is required" {
			p.Code, p.Detail = "body_required", "缺少请求体"
		}
	case status == http.StatusUnsupportedMediaType:
		p.Code, p.Detail = "unsupported_media_type", "请使用 application/json 提交"
	case status >= 500:
		p.Code, p.Detail = "internal", "服务器内部错误，请稍后重试"
	default:
		p.Code, p.Detail = "error", msg
	}
	return p
}

func unwrap(ctx huma.Context) (*http.Request, bool) {
	if ctx == nil {
		return nil, false
	}
	defer func() { _ = recover() }() // a non-humago context: nothing to unwrap
	r, _ := humago.Unwrap(ctx)
	return r, r != nil
}

func isJSONSyntax(fields []ProblemField) bool {
	return len(fields) > 0 && strings.HasPrefix(fields[0].Detail, jsonSyntaxPrefix)
}

const (
	jsonSyntaxPrefix = "JSON 语法错误"
	requiredPrefix   = "缺少必填字段 "
)

// translate turns the messages of encoding/json into Chinese; huma's own
// validation messages are already Chinese (see init).
func translate(msg string) string {
	switch {
	case strings.HasPrefix(msg, "invalid character"), strings.Contains(msg, "unexpected end of JSON input"),
		strings.HasPrefix(msg, "unexpected EOF"):
		return jsonSyntaxPrefix + "（" + msg + "）"
	case strings.HasPrefix(msg, "json: cannot unmarshal"):
		return "类型不符（" + msg + "）"
	}
	return msg
}

func init() {
	huma.NewErrorWithContext = newHumaError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return newHumaError(nil, status, msg, errs...)
	}
	// huma's validation messages, in Chinese.
	validation.MsgUnexpectedProperty = "不允许的字段"
	validation.MsgExpectedRequiredProperty = requiredPrefix + "%s"
	validation.MsgExpectedBoolean = "应为布尔值"
	validation.MsgExpectedNumber = "应为数字"
	validation.MsgExpectedInteger = "应为整数"
	validation.MsgExpectedString = "应为字符串"
	validation.MsgExpectedArray = "应为数组"
	validation.MsgExpectedObject = "应为对象"
	validation.MsgExpectedArrayItemsUnique = "数组元素不能重复"
	validation.MsgExpectedOneOf = "应为以下值之一：%s"
	validation.MsgExpectedMinimumNumber = "应不小于 %v"
	validation.MsgExpectedExclusiveMinimumNumber = "应大于 %v"
	validation.MsgExpectedMaximumNumber = "应不大于 %v"
	validation.MsgExpectedExclusiveMaximumNumber = "应小于 %v"
	validation.MsgExpectedNumberBeMultipleOf = "应为 %v 的倍数"
	validation.MsgExpectedMinLength = "长度应不少于 %d"
	validation.MsgExpectedMaxLength = "长度应不超过 %d"
	validation.MsgExpectedBePattern = "格式应为 %s"
	validation.MsgExpectedMatchPattern = "应匹配格式 %s"
	validation.MsgExpectedMinItems = "至少应有 %d 项"
	validation.MsgExpectedMaxItems = "至多只能有 %d 项"
	validation.MsgExpectedRFC3339DateTime = "应为 RFC 3339 时间，如 2024-10-08T09:30:00Z"
	validation.MsgExpectedRFC3339Date = "应为日期，如 2024-10-08"
	validation.MsgExpectedRFC4122UUID = "应为 UUID"
}
