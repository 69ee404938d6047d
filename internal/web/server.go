// Package web assembles zhixing's HTTP server: the API (package api), the
// pages (package ui), health, readiness and metrics endpoints, and the
// middleware every request passes through — request id, logging and metrics,
// recovery, cross-origin protection, authentication, the password-change gate
// and idempotency.
package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/ratelimit"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/api"
	"github.com/zhixing-court/zhixing/internal/web/ui"
)

// Options configure the handler.
type Options struct {
	DB      *store.DB
	Auth    *auth.Service
	Version string
	// Ready reports whether the server can do its work (the database answers
	// and its schema is current). /readyz calls it.
	Ready func(context.Context) error
	Now   func() time.Time
	// Log receives one line per request and every internal error
	// (slog.Default() when nil).
	Log *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed.
	TrustedProxies []netip.Prefix
	// AgencyKey verifies the callbacks of agencies played by the simulator.
	AgencyKey assets.SimKey
	// CodeLimit bounds, per client address, the public requests that send a
	// text message (a campaign's phone codes); zero: DefaultCodeLimit.
	CodeLimit Limit
}

// Limit is a rate per client address: Rate a second, bursts of Burst.
type Limit struct {
	Rate  rate.Limit
	Burst int
}

// DefaultCodeLimit lets one address ask for a phone code once a second, 60
// at once: generous enough for a family or a carrier's shared address, not
// for a script texting thousands of numbers (each phone also gets one code
// a minute).
var DefaultCodeLimit = Limit{Rate: 1, Burst: 60}

type server struct {
	db      *store.DB
	auth    *auth.Service
	ui      *ui.UI
	metrics *metrics
	ready   func(context.Context) error
	now     func() time.Time
	log     *slog.Logger
	proxies []netip.Prefix
	codes   *ratelimit.Keyed
}

// NewHandler returns the whole site.
func NewHandler(o Options) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.CodeLimit == (Limit{}) {
		o.CodeLimit = DefaultCodeLimit
	}
	s := &server{db: o.DB, auth: o.Auth, ready: o.Ready, now: o.Now, log: o.Log, proxies: o.TrustedProxies,
		metrics: newMetrics(o.DB, o.Version), codes: ratelimit.New(o.CodeLimit.Rate, o.CodeLimit.Burst, o.Now)}
	mux := http.NewServeMux()
	api.Register(mux, api.Deps{DB: o.DB, Auth: o.Auth, Version: o.Version})
	s.ui = ui.New(ui.Deps{DB: o.DB, Auth: o.Auth, Version: o.Version, Now: o.Now})
	s.ui.Register(mux)
	mux.Handle("POST "+assets.CallbackPath+"{code}", assets.CallbackHandler(o.DB, o.AgencyKey))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc(api.Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if allowed := methodsFor(mux, r); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			api.WriteProblem(w, r, apperr.New(apperr.MethodNotAllowed, "method_not_allowed",
				"该接口不支持 "+r.Method+" 方法，可用："+strings.Join(allowed, "、")))
			return
		}
		api.WriteProblem(w, r, apperr.New(apperr.NotFound, "no_such_endpoint", "没有这个接口："+r.Method+" "+r.URL.Path))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.ui.Error(w, r, apperr.NotFoundf("页面"))
	})
	var h http.Handler = withRoute(mux)
	h = s.idempotency(h)
	h = s.limitCodes(h)
	h = s.passwordGate(h)
	h = s.authenticate(h)
	h = s.crossOrigin(h)
	h = s.observe(h)
	return h
}

// methodsFor lists the methods mux serves r's path with, other than the
// catch-all: a request that reached the catch-all with one of them missing
// used the wrong method.
func methodsFor(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != api.Prefix+"/" {
			out = append(out, m)
		}
	}
	return out
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether the database answers and is migrated: a load balancer
// sends no traffic to a server that is not ready.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	err := s.db.Ping(ctx)
	if err == nil && s.ready != nil {
		err = s.ready(ctx)
	}
	if err != nil {
		if apperr.KindOf(err) != apperr.Unavailable {
			err = apperr.Wrapf(err, apperr.Unavailable, "not_ready", "服务尚未就绪："+err.Error())
		}
		api.WriteProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "engine": string(s.db.Engine())})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
