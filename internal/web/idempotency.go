package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/store"
)

const (
	maxIdempotentBody   = 16 << 20 // a request body kept in memory to be hashed
	maxStoredAnswer     = 4 << 20  // an answer larger than this is not kept
	idempotencyHeader   = "Idempotency-Key"
	replayedHeader      = "Idempotent-Replayed"
	idempotencyLifetime = 24 * time.Hour
)

// tee copies what the handler writes, to keep it.
type tee struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	overflow bool
}

func (t *tee) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *tee) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	if !t.overflow {
		if t.buf.Len()+len(b) > maxStoredAnswer {
			t.overflow = true
			t.buf.Reset()
		} else {
			t.buf.Write(b)
		}
	}
	return t.ResponseWriter.Write(b)
}

func (t *tee) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// idempotency honours Idempotency-Key on requests that change something. A
// retry with the same key and the same request gets the first answer again
// (marked Idempotent-Replayed: true); the same key with a different request
// is refused with 409. The key is claimed in the transaction that makes the
// change (store.WithTxHook), so a request that failed leaves no claim and may
// simply be retried, and a change can never happen twice.
func (s *server) idempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idempotencyHeader)
		p := access.From(r.Context())
		if key == "" || r.Method == http.MethodGet || r.Method == http.MethodHead || p == nil || p.IsSystem() {
			next.ServeHTTP(w, r)
			return
		}
		if !validKey(key) {
			s.fail(w, r, apperr.InvalidField("invalid_idempotency_key", "header.Idempotency-Key", "Idempotency-Key 应为 1 到 255 个可见 ASCII 字符"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIdempotentBody))
		if err != nil {
			s.fail(w, r, apperr.New(apperr.TooLarge, "body_too_large", "请求内容过大"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		owner := p.UserID.String()
		path := r.URL.RequestURI()
		hash := idem.RequestHash(r.Method, path, body)
		ctx := r.Context()
		entry, found, err := idem.Lookup(ctx, s.db, owner, key)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if found {
			switch {
			case entry.RequestHash != hash:
				s.fail(w, r, apperr.New(apperr.Conflict, "idempotency_key_reused", "该 Idempotency-Key 已用于内容不同的请求；新的请求请使用新的键"))
			case !entry.Done:
				s.fail(w, r, idem.ErrInProgress)
			default:
				w.Header().Set("Content-Type", entry.Answer.ContentType)
				w.Header().Set(replayedHeader, "true")
				w.WriteHeader(entry.Answer.Status)
				_, _ = w.Write(entry.Answer.Body)
			}
			return
		}
		ctx = store.WithTxHook(ctx, idem.Claim(owner, key, r.Method, path, hash, s.now))
		t := &tee{ResponseWriter: w}
		next.ServeHTTP(t, r.WithContext(ctx))
		if !store.HookUsed(ctx) {
			return // nothing was changed, so nothing is kept: a retry runs again
		}
		ans := idem.Answer{Status: t.status, ContentType: t.Header().Get("Content-Type"), Body: t.buf.Bytes()}
		if t.overflow {
			ans = idem.Answer{Status: http.StatusConflict, ContentType: "application/problem+json",
				Body: []byte(`{"title":"状态冲突","status":409,"code":"idempotency_answer_too_large","detail":"该请求已处理，但其答复过大未能保存，请查询结果"}`)}
		}
		// Keep the answer even if the client went away meanwhile.
		if err := idem.Complete(context.WithoutCancel(r.Context()), s.db, owner, key, ans, s.now()); err != nil {
			s.log.ErrorContext(ctx, "idempotency: answer not stored", "err", err, "key", key)
		}
	})
}

func validKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
