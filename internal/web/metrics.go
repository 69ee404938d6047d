package web

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/zhixing-court/zhixing/internal/store"
)

// metrics are the Prometheus metrics served at /metrics. Each server has its
// own registry, so tests can build many.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(db *store.DB, version string) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhixing_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhixing_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zhixing_http_requests_in_flight", Help: "HTTP requests being served now.",
	})
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zhixing_build_info", Help: "Version and database engine."},
		[]string{"version", "engine"})
	info.WithLabelValues(version, string(db.Engine())).Set(1)
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, info,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, f := range map[string]func() float64{
		"zhixing_db_open_connections":   func() float64 { return float64(db.Stats().OpenConnections) },
		"zhixing_db_in_use_connections": func() float64 { return float64(db.Stats().InUse) },
		"zhixing_db_wait_count_total":   func() float64 { return float64(db.Stats().WaitCount) },
		"zhixing_db_wait_seconds_total": func() float64 { return db.Stats().WaitDuration.Seconds() },
	} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name,
			Help: "Writer pool statistics of the database (database/sql)."}, f))
	}
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}
