package simkit

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
)

// Gate opens the signed requests of a simulator: it reads the body, at most
// MaxBodyBytes, and verifies its signature (agency.Verify) with the one key
// shared with zhixing.
type Gate struct {
	KeyID        string
	Secret       []byte
	MaxBodyBytes int
	Now          func() time.Time
	// Unauthorized, when set, counts the requests refused for their
	// signature.
	Unauthorized *atomic.Int64
}

// Open returns the body of a request whose signature is good. Otherwise it
// answers — 400 for a body it cannot read, 413 for one too large, 401 for a
// bad, missing or expired signature — and returns false.
func (g *Gate) Open(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(g.MaxBodyBytes)+1))
	if err != nil {
		Problem(w, http.StatusBadRequest, "读取请求失败")
		return nil, false
	}
	if len(body) > g.MaxBodyBytes {
		Problem(w, http.StatusRequestEntityTooLarge, "报文超过 "+strconv.Itoa(g.MaxBodyBytes>>20)+" MiB 上限")
		return nil, false
	}
	if _, err := agency.Verify(r.Header, body, g.Now(), g.secretFor); err != nil {
		if g.Unauthorized != nil {
			g.Unauthorized.Add(1)
		}
		Problem(w, http.StatusUnauthorized, "签名无效、缺失或已过期")
		return nil, false
	}
	return body, true
}

func (g *Gate) secretFor(keyID string) ([]byte, bool) {
	if keyID != g.KeyID {
		return nil, false
	}
	return g.Secret, true
}

// Problem answers an error with a JSON body {"error": Chinese message}.
func Problem(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	_, _ = w.Write(append(b, '\n'))
}

// RetryAfter sets the Retry-After header to d in whole seconds, at least 1.
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}

// Decode reads a JSON body strictly (unknown fields refused), for a
// simulator's own routes; it answers 400 and returns false when it cannot.
func Decode(w http.ResponseWriter, body []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		Problem(w, http.StatusBadRequest, "报文无效："+err.Error())
		return false
	}
	return true
}

// Put is a simulator's PUT of a setting (PUT /sim/faults): it decodes body
// strictly into a T, checks it with valid and hands it to set, answering
// 204 No Content; a body that does not decode or check is answered 400.
func Put[T any](w http.ResponseWriter, body []byte, valid func(T) error, set func(T)) {
	var v T
	if !Decode(w, body, &v) {
		return
	}
	if err := valid(v); err != nil {
		Problem(w, http.StatusBadRequest, err.Error())
		return
	}
	set(v)
	w.WriteHeader(http.StatusNoContent)
}

// AfterLimit reads the after and limit parameters of a poll for results:
// non-negative integers, 0 when absent. It answers 400 and returns false
// when one is not.
func AfterLimit(w http.ResponseWriter, q url.Values) (after int64, limit int, ok bool) {
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			Problem(w, http.StatusBadRequest, "after 应为非负整数")
			return 0, 0, false
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			Problem(w, http.StatusBadRequest, "limit 应为非负整数")
			return 0, 0, false
		}
		limit = n
	}
	return after, limit, true
}

// Healthz answers "ok" (the unsigned GET /healthz).
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}
