// Package apperr is zhixing's single error type. Feature code returns an
// *Error carrying a Kind (what sort of failure), a stable machine Code and a
// Chinese Detail for the person who sees it; the web edge maps Kind to an HTTP
// status exactly once. Anything that is not an *Error is an internal failure.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller. It decides the HTTP status.
type Kind int

const (
	Internal         Kind = iota // a bug or an unexpected failure: 500
	Invalid                      // the input is wrong: 422 (400 for undecodable input)
	BadRequest                   // the request itself cannot be read: 400
	Unauthenticated              // no or bad credentials: 401
	Forbidden                    // authenticated, but not allowed: 403
	NotFound                     // absent, or outside the caller's court scope: 404
	MethodNotAllowed             // the resource exists, the method does not: 405
	Conflict                     // wrong state, duplicate, reused idempotency key: 409
	TooLarge                     // the body is over the limit: 413
	TooManyRequests              // throttled: 429
	Unavailable                  // a dependency (the database) is unreachable: 503
)

// FieldError names one input field at fault.
type FieldError struct {
	Field  string // a path such as "body.username" or "path.id"
	Detail string // Chinese
}

// Error is the error type feature code returns.
type Error struct {
	Kind   Kind
	Code   string // stable, lowercase ASCII: "invalid_id_number", "invalid_transition"
	Detail string // Chinese, shown to the user
	Fields []FieldError
	Err    error // the underlying cause, never shown to the user
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind.
func New(kind Kind, code, detail string, fields ...FieldError) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail, Fields: fields}
}

// Wrapf returns an error of the given kind whose cause is err.
func Wrapf(err error, kind Kind, code, detail string) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail, Err: err}
}

// InvalidField is the common case of one bad input field.
func InvalidField(code, field, detail string) *Error {
	return &Error{Kind: Invalid, Code: code, Detail: detail, Fields: []FieldError{{Field: field, Detail: detail}}}
}

// NotFoundf is the uniform "no such object" answer. It is also the answer for
// objects in a court the caller may not see, so the two cannot be told apart.
func NotFoundf(what string) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Detail: what + "不存在"}
}

// Forbid is the uniform "not allowed" answer.
func Forbid(detail string) *Error {
	if detail == "" {
		detail = "您没有执行此操作的权限"
	}
	return &Error{Kind: Forbidden, Code: "forbidden", Detail: detail}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the Kind of err; Internal for anything that is not an *Error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// CodeOf returns the code of err; "internal" for anything that is not an *Error.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return "internal"
}

// Wrap adds a breadcrumb to *errp, if it is non-nil, keeping the chain intact:
//
//	defer apperr.Wrap(&err, "users.Create(%q)", username)
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}

// Problems collects the field errors of one input so that a form shows every
// mistake at once. The zero value is ready to use.
type Problems struct {
	fields []FieldError
	code   string // the code of the first problem
}

// Add records a problem of field.
func (p *Problems) Add(code, field, detail string) {
	if p.code == "" {
		p.code = code
	}
	p.fields = append(p.fields, FieldError{Field: field, Detail: detail})
}

// AddErr records err as a problem of field: its code and detail when it is an
// *Error, else its text under invalid_input.
func (p *Problems) AddErr(field string, err error) {
	e, ok := As(err)
	if !ok {
		p.Add("invalid_input", field, err.Error())
		return
	}
	p.Add(e.Code, field, e.Detail)
}

// Err returns the problems as one Invalid error coded by the first, or nil
// when there are none.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	detail := p.fields[0].Detail
	if len(p.fields) > 1 {
		detail = fmt.Sprintf("%s（另有 %d 处问题）", detail, len(p.fields)-1)
	}
	return &Error{Kind: Invalid, Code: p.code, Detail: detail, Fields: p.fields}
}
