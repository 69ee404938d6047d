// Package page implements keyset pagination: a list answer carries an opaque
// cursor naming the last item it returned, and the next request continues
// after it. No OFFSET: the cost of a page does not grow with its depth.
package page

import (
	"encoding/base64"
	"encoding/json"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Request is what a caller asks for: how many, after which cursor.
type Request struct {
	Limit  int
	Cursor string
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T
	NextCursor string // "" on the last page
}

// LimitOrDefault validates the requested size: 0 means the default; more
// than MaxLimit or less than 0 is refused.
func (r Request) LimitOrDefault() (int, error) {
	switch {
	case r.Limit == 0:
		return DefaultLimit, nil
	case r.Limit < 0 || r.Limit > MaxLimit:
		return 0, apperr.InvalidField("invalid_limit", "query.limit", "每页条数必须在 1 到 500 之间")
	}
	return r.Limit, nil
}

// Encode makes a cursor from the sort key of the last item returned.
func Encode(key any) string {
	b, err := json.Marshal(key)
	if err != nil {
		panic(err) // cursor keys are plain values
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor made by Encode into key. A cursor that was not made by
// Encode (edited, truncated) is an invalid_cursor error.
func Decode(cursor string, key any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, key)
	}
	if err != nil {
		return apperr.InvalidField("invalid_cursor", "query.cursor", "分页游标无效，请从第一页重新查询")
	}
	return nil
}

// Trim cuts items fetched with limit+1 to limit and returns the page, with a
// cursor made from the last item kept when there was more.
func Trim[T any](items []T, limit int, key func(T) any) Page[T] {
	if len(items) <= limit {
		return Page[T]{Items: items}
	}
	items = items[:limit]
	return Page[T]{Items: items, NextCursor: Encode(key(items[limit-1]))}
}
