// Package httperr maps zhixing's error kinds to HTTP, once, for both the API
// (problem answers) and the pages (error pages).
package httperr

import (
	"net/http"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// Status is the HTTP status of an error kind.
func Status(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.BadRequest:
		return http.StatusBadRequest
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.TooManyRequests:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var titles = map[int]string{
	http.StatusBadRequest:            "请求无法解析",
	http.StatusUnauthorized:          "未登录或登录已失效",
	http.StatusForbidden:             "没有权限",
	http.StatusNotFound:              "不存在",
	http.StatusMethodNotAllowed:      "不支持该请求方法",
	http.StatusConflict:              "状态冲突",
	http.StatusRequestEntityTooLarge: "请求内容过大",
	http.StatusUnsupportedMediaType:  "不支持的内容类型",
	http.StatusUnprocessableEntity:   "输入有误",
	http.StatusTooManyRequests:       "请求过于频繁",
	http.StatusInternalServerError:   "服务器内部错误",
	http.StatusServiceUnavailable:    "服务暂时不可用",
}

// Title is the status in Chinese words.
func Title(status int) string {
	if t, ok := titles[status]; ok {
		return t
	}
	return http.StatusText(status)
}
