package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/web/api"
	"github.com/zhixing-court/zhixing/internal/web/ui"
)

// recorder remembers the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="zhixing"`)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// routeKey holds the pattern the mux matched, for logs and metrics (the mux
// sets Request.Pattern on the request it receives, which is a copy).
type routeKey struct{}

type routeHolder struct{ pattern string }

func routeOf(r *http.Request) string {
	if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok && h.pattern != "" {
		return h.pattern
	}
	return "unmatched"
}

// withRoute sits right around the mux and reports the matched pattern.
func withRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
			h.pattern = r.Pattern
		}
	})
}

// observe gives each request an id (the caller's X-Request-ID when it is
// sane), recovers from panics, logs one JSON line per request and counts it.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !reqid.Valid(id) {
			id = reqid.New()
		}
		w.Header().Set("X-Request-ID", id)
		holder := &routeHolder{}
		ctx, sink := reqid.WithErrorSink(context.WithValue(reqid.With(r.Context(), id), routeKey{}, holder))
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					s.fail(rec, r, errors.New("panic"))
				}
			}
			route := routeOf(r)
			elapsed := time.Since(start)
			s.metrics.observe(r.Method, route, rec.status, elapsed)
			attrs := []any{"request_id", id, "method", r.Method, "route", route, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "ms", float64(elapsed.Microseconds()) / 1000}
			if p := access.From(r.Context()); p != nil {
				attrs = append(attrs, "user", p.Username)
			}
			if err := sink.Err(); err != nil {
				attrs = append(attrs, "err", err.Error())
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			if route == "GET /healthz" || route == "GET /metrics" {
				level = slog.LevelDebug
			}
			s.log.Log(ctx, level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// isAPI tells API requests (answered in JSON) from pages (answered in HTML).
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, api.Prefix+"/") || r.URL.Path == "/readyz"
}

// fail answers err in the form the request expects.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		api.WriteProblem(w, r, err)
		return
	}
	s.ui.Error(w, r, err)
}

// authenticate turns a bearer token or the session cookie into the request's
// principal. A bad bearer token is refused at once; a bad cookie is dropped
// and the request goes on unauthenticated (pages then ask to sign in).
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := reqid.WithClient(r.Context(), reqid.Client{IP: s.clientIP(r), UserAgent: r.UserAgent()})
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.fail(w, r, apperr.New(apperr.Unauthenticated, "invalid_token", "Authorization 头应为 “Bearer <令牌>”"))
				return
			}
			p, err := s.auth.Authenticate(ctx, strings.TrimSpace(token))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ctx = access.With(ctx, p)
		} else if c, err := r.Cookie(ui.SessionCookie); err == nil && c.Value != "" {
			p, err := s.auth.Authenticate(ctx, c.Value)
			switch {
			case err == nil:
				ctx = access.With(ctx, p)
			case apperr.KindOf(err) == apperr.Unauthenticated:
				ui.ClearSessionCookie(w, r)
			default:
				s.fail(w, r, err) // the database is down: say so, do not log out
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// passwordGate holds a user whose password an administrator reset to
// changing it: everything else waits.
func (s *server) passwordGate(next http.Handler) http.Handler {
	allowed := map[string]bool{
		"POST " + api.Prefix + "/me/password":        true,
		"DELETE " + api.Prefix + "/sessions/current": true,
		"GET " + api.Prefix + "/me":                  true,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := access.From(r.Context())
		if p == nil || !p.MustChangePassword || allowed[r.Method+" "+r.URL.Path] || !isAPI(r) && ui.AllowedBeforePasswordChange(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !isAPI(r) {
			http.Redirect(w, r, ui.PasswordPath, http.StatusSeeOther)
			return
		}
		s.fail(w, r, apperr.New(apperr.Forbidden, "password_change_required", "管理员已重置您的密码，请先修改密码（POST /api/v1/me/password）"))
	})
}

// crossOrigin refuses state-changing requests that a browser marks as coming
// from another site (CSRF). Scripts with bearer tokens send no such marks
// and pass.
func (s *server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, apperr.New(apperr.Forbidden, "cross_origin", "拒绝来自其他网站的请求"))
	}))
	return cop.Handler(next)
}

// clientIP is the caller's address. X-Forwarded-For is believed only from the
// configured trusted proxies (ZHIXING_TRUSTED_PROXIES): walking it from the
// right, the first address that is not a trusted proxy is the client. Without
// this, every user behind one reverse proxy would share its address, and the
// per-address login limit would throttle a whole court.
func (s *server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // a malformed entry: trust nothing further left
		}
		if !s.trusted(hop) {
			return hop
		}
		host = hop
	}
	return host
}

func (s *server) trusted(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// sendsCode reports whether a request asks for a text message to a phone
// from a public page or endpoint: a campaign's registration code.
func sendsCode(r *http.Request) bool {
	p := r.URL.Path
	return r.Method == http.MethodPost && (strings.HasPrefix(p, api.Prefix+"/public/campaigns/") && strings.HasSuffix(p, "/codes") ||
		strings.HasPrefix(p, "/m/") && strings.HasSuffix(p, "/code"))
}

// limitCodes refuses, with 429, the requests for a phone code beyond what
// one client address may ask (Options.CodeLimit): every code is a text
// message the court pays for, and the endpoints need no sign-in.
func (s *server) limitCodes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sendsCode(r) && !s.codes.Allow(s.clientIP(r)) {
			err := apperr.New(apperr.TooManyRequests, "too_many_codes", "本网络发送验证码过于频繁，请稍后再试")
			if strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
				w.Header().Set("Retry-After", "60")
				api.WriteProblem(w, r, err)
			} else {
				s.ui.PublicError(w, r, err)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}
