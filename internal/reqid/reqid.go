// Package reqid carries a request's id through its context, so that logs,
// audit records and error answers of one request can be tied together.
package reqid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
)

type key struct{}

// New returns a fresh request id: 16 random bytes in hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the request id in ctx, or "" when there is none.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Valid reports whether a client-supplied id may be used as is: 1 to 64
// characters of [A-Za-z0-9._-].
func Valid(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// ErrorSink holds the error behind a failed request, so that the request's
// one log line can say what went wrong without the error reaching the caller.
type ErrorSink struct {
	mu  sync.Mutex
	err error
}

// Err returns the recorded error, if any.
func (s *ErrorSink) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

type sinkKey struct{}

// WithErrorSink returns ctx carrying a new sink.
func WithErrorSink(ctx context.Context) (context.Context, *ErrorSink) {
	s := &ErrorSink{}
	return context.WithValue(ctx, sinkKey{}, s), s
}

// RecordError notes err as the reason the request under ctx failed. Only the
// first error is kept.
func RecordError(ctx context.Context, err error) {
	if s, ok := ctx.Value(sinkKey{}).(*ErrorSink); ok && err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
}

// Client is who is calling, as far as the network tells: the address (after
// trusted proxies) and the user agent.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client recorded in ctx.
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
