// Package metrics exposes perso's operational figures in the Prometheus
// text format: requests by operation and outcome with their latency, and
// background jobs by kind and outcome.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one server. A nil *Metrics records
// nothing, so callers need not check.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	jobs     *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

// New returns metrics on a registry of their own, with the Go runtime's and
// the process's collectors beside them.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perso_requests_total",
			Help: "API requests by operation, HTTP status and AWS error code (empty on success).",
		}, []string{"operation", "status", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "perso_request_duration_seconds",
			Help:    "Time to answer an API request, by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "perso_jobs_total",
			Help: "Background jobs run, by kind and outcome (done, retry, handed_back).",
		}, []string{"kind", "outcome"}),
		jobTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "perso_job_duration_seconds",
			Help:    "Time a background job ran, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.jobs, m.jobTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Request records one answered API request.
func (m *Metrics) Request(operation string, status int, code string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(operation, statusText(status), code).Inc()
	m.latency.WithLabelValues(operation).Observe(d.Seconds())
}

// Job records one run of a background job.
func (m *Metrics) Job(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.jobs.WithLabelValues(kind, outcome).Inc()
	m.jobTime.WithLabelValues(kind).Observe(d.Seconds())
}

// statusText returns the status as label text without allocating for the
// common ones.
func statusText(status int) string {
	switch status {
	case 200:
		return "200"
	case 400:
		return "400"
	case 403:
		return "403"
	case 404:
		return "404"
	case 409:
		return "409"
	case 500:
		return "500"
	case 501:
		return "501"
	}
	return http.StatusText(status)
}
