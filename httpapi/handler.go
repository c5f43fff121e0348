// Package httpapi serves the three Personalize APIs over HTTP: the control
// plane (AWS JSON 1.1 on POST /, dispatched by X-Amz-Target), the runtime
// and the events API (REST-JSON routes). It is the one place where domain
// values meet wire shapes and where domain error kinds become AWS error
// codes.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/awsjson"
	pz "github.com/perso/perso/aws/personalize"
	pzevents "github.com/perso/perso/aws/personalizeevents"
	pzruntime "github.com/perso/perso/aws/personalizeruntime"
	"github.com/perso/perso/aws/sigv4"
	"github.com/perso/perso/metrics"
)

// Options configure the handler.
type Options struct {
	Service *perso.Service
	// Auth configures SigV4 verification; the zero value is local mode.
	Auth sigv4.Config
	// Log receives server faults; nil discards them.
	Log *slog.Logger
	// NoPageCache turns off the cache of List responses, so that every
	// page is computed; for measuring that path.
	NoPageCache bool
	// Metrics, if set, records every request.
	Metrics *metrics.Metrics
	// ServeMetrics serves Metrics at GET /metrics, without credentials.
	ServeMetrics bool
}

// NewHandler returns the HTTP handler of all three APIs.
func NewHandler(opts Options) http.Handler {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &api{svc: opts.Service, log: log, pages: newPageCache(64 << 20), metrics: opts.Metrics}
	control := a.controlRoutes()
	for _, op := range pz.Operations {
		if h, ok := control[op.Name]; ok && op.Paginated && !opts.NoPageCache {
			control[op.Name] = a.cached(op.Name, h)
		}
	}
	for _, op := range pz.Operations {
		if _, ok := control[op.Name]; !ok {
			control[op.Name] = notImplemented(pz.ServiceID, op.Name)
		}
		control[op.Name] = a.measured(op.Name, control[op.Name])
	}

	mux := http.NewServeMux()
	mux.Handle("/", &controlPlane{ops: control})
	var runtimeOps, eventsOps []restOperation
	for _, op := range pzruntime.Operations {
		runtimeOps = append(runtimeOps, restOperation{op.Name, op.Method, op.Path})
	}
	for _, op := range pzevents.Operations {
		eventsOps = append(eventsOps, restOperation{op.Name, op.Method, op.Path})
	}
	a.restRoutes(mux, pzruntime.ServiceID, runtimeOps, a.runtimeRoutes())
	a.restRoutes(mux, pzevents.ServiceID, eventsOps, a.eventsRoutes())

	auth := opts.Auth
	if auth.WriteError == nil {
		auth.WriteError = func(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
			awsjson.WriteError(w, &awsjson.Error{Status: status, Code: code, Message: message})
		}
	}
	// Health and metrics answer without credentials, for load balancers
	// and scrapers; every other path is the APIs'.
	outer := http.NewServeMux()
	outer.Handle("/", withRequestID(sigv4.Middleware(auth, mux)))
	outer.HandleFunc("GET /healthz", a.health)
	if opts.Metrics != nil && opts.ServeMetrics {
		outer.Handle("GET /metrics", opts.Metrics.Handler())
	}
	return outer
}

// health answers 200 when the store answers, 503 otherwise.
func (a *api) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if _, err := a.svc.Version(r.Context(), perso.Scope{}); err != nil {
		a.log.Warn("health check: the store does not answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"store unavailable"}`))
		return
	}
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// measured records the outcome and latency of an operation's requests.
func (a *api) measured(op string, next http.Handler) http.Handler {
	if a.metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		a.metrics.Request(op, sw.status, w.Header().Get("X-Amzn-Errortype"), time.Since(start))
	})
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

// restOperation is the HTTP binding of a REST-JSON operation.
type restOperation struct{ Name, Method, Path string }

// restRoutes registers the REST-JSON operations of a service: the
// implemented ones from impl, every other one of the model as an error
// that says it is not implemented.
func (a *api) restRoutes(mux *http.ServeMux, service string, ops []restOperation, impl map[string]http.Handler) {
	for _, op := range ops {
		h, ok := impl[op.Name]
		if !ok {
			h = notImplemented(service, op.Name)
		}
		mux.Handle(op.Method+" "+op.Path, a.measured(op.Name, h))
	}
}

func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Requestid", awsjson.NewRequestID())
		next.ServeHTTP(w, r)
	})
}

// controlPlane dispatches AWS JSON 1.1 requests on X-Amz-Target.
type controlPlane struct {
	ops map[string]http.Handler
}

func (c *controlPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if r.URL.Path != "/" || r.Method != http.MethodPost {
		awsjson.WriteError(w, awsjson.Errorf(http.StatusNotFound, "UnknownOperationException", "No operation is served at %s %s.", r.Method, r.URL.Path))
		return
	}
	prefix, name, ok := strings.Cut(target, ".")
	h, known := c.ops[name]
	if !ok || prefix != pz.TargetPrefix || !known {
		awsjson.WriteError(w, awsjson.Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %q: X-Amz-Target must be %s.<Operation>.", target, pz.TargetPrefix))
		return
	}
	h.ServeHTTP(w, r)
}

func notImplemented(service, op string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		awsjson.WriteError(w, awsjson.Errorf(http.StatusNotImplemented, "NotImplementedException", "%s %s is part of the API but not implemented by this server yet.", service, op))
	})
}

// api holds what the operation handlers need.
type api struct {
	svc     *perso.Service
	log     *slog.Logger
	pages   *pageCache
	metrics *metrics.Metrics
}

// scope returns the caller's account and region, set by the SigV4
// middleware.
func scope(ctx context.Context) perso.Scope {
	id, ok := sigv4.FromContext(ctx)
	if !ok {
		return perso.Scope{Account: "000000000000", Region: "us-east-1"}
	}
	return perso.Scope{Account: id.Account, Region: id.Region}
}

// controlError maps a domain error to the control plane's AWS error: every
// control-plane error is HTTP 400, ResourceNotFoundException included.
func (a *api) controlError(err error) *awsjson.Error {
	return a.awsError(err, false)
}

// awsError maps a domain error to an AWS error. rest selects the statuses
// of the runtime and events APIs, where not-found is 404 and in-use 409.
func (a *api) awsError(err error, rest bool) *awsjson.Error {
	var ae *awsjson.Error
	if errors.As(err, &ae) {
		return ae
	}
	status := http.StatusBadRequest
	var code string
	switch perso.KindOf(err) {
	case perso.KindInvalid:
		code = pz.ErrCodeInvalidInputException
	case perso.KindNotFound:
		code = pz.ErrCodeResourceNotFoundException
		if rest {
			status = http.StatusNotFound
		}
	case perso.KindAlreadyExists:
		code = pz.ErrCodeResourceAlreadyExistsException
	case perso.KindInUse:
		code = pz.ErrCodeResourceInUseException
		if rest {
			status = http.StatusConflict
		}
	case perso.KindLimitExceeded:
		code = pz.ErrCodeLimitExceededException
	case perso.KindTooManyTags:
		code = pz.ErrCodeTooManyTagsException
	case perso.KindTooManyTagKeys:
		code = pz.ErrCodeTooManyTagKeysException
	case perso.KindInvalidToken:
		code = pz.ErrCodeInvalidNextTokenException
	case perso.KindNotImplemented:
		status, code = http.StatusNotImplemented, "NotImplementedException"
	default:
		a.log.Error("internal error", "err", err)
		return &awsjson.Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "The server encountered an internal error; the request may be retried."}
	}
	return &awsjson.Error{Status: status, Code: code, Message: err.Error()}
}
