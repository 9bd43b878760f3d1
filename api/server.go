package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/connectd/connectd/api/loglevel"
)

// Defaults of Config.
const (
	// DefaultVersion is the Kafka Connect version GET / reports: the one connectd emulates.
	DefaultVersion = "3.9.0"
	// DefaultRequestTimeout is Kafka Connect's RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS.
	DefaultRequestTimeout = 90 * time.Second
	// DefaultHealthTimeout is Kafka Connect's DEFAULT_HEALTH_CHECK_TIMEOUT_MS.
	DefaultHealthTimeout = 10 * time.Second
	// DefaultShutdownTimeout is Jetty's graceful stop timeout in Kafka Connect.
	DefaultShutdownTimeout = 60 * time.Second
	// readHeaderTimeout bounds slow clients; Kafka Connect's Jetty has a similar idle timeout.
	readHeaderTimeout = 10 * time.Second
)

// Config configures a Server.
type Config struct {
	// Herder serves the requests. Required.
	Herder Herder
	// Logger receives one line per request (below 500 at Debug, 5xx at Error); give it the component
	// attribute you want (the server adds none). nil discards.
	Logger *slog.Logger
	// Levels backs /admin/loggers. nil gives the server a registry of its own at INFO, which then changes
	// nothing outside it.
	Levels *loglevel.Registry
	// Version is reported by GET /; default DefaultVersion.
	Version string
	// Commit is reported by GET /; default the first 16 hex digits of the VCS revision the binary was built
	// from, else "unknown" (Kafka's AppInfoParser default).
	Commit string
	// RequestTimeout bounds each herder call; default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// HealthTimeout is how long GET /health waits for the herder to become ready; default
	// DefaultHealthTimeout.
	HealthTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown in Serve; default DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// Forwarder sends requests to the leader. nil uses a client with dial and TLS timeouts. Redirects are
	// never followed, whatever the client says, as in Kafka Connect's RestClient.
	Forwarder *http.Client
	// SignRequest, when set, signs the internal requests this server forwards (X-Connect-Authorization and
	// X-Connect-Request-Signature-Algorithm over body).
	SignRequest func(body []byte, h http.Header)
	// VerifyInternal, when set, checks the signature of internal requests (POST /connectors/{name}/tasks,
	// PUT /connectors/{name}/fence) before anything else; its error is answered like a herder error. nil
	// accepts every request.
	VerifyInternal func(r *http.Request, body []byte) error
	// Security is authentication, CORS, response headers and separate admin listeners (security.go).
	Security Security
	// Metrics, when set, serves GET /metrics (Prometheus' text format). It does not go through the herder, so
	// it answers before the herder is ready; nil answers 404.
	Metrics http.Handler
	// Console, when set, is served at /ui/ (GET /ui redirects there) behind the same authentication as the
	// API (rest.ui.enable; package console). nil answers 404.
	Console http.Handler
}

// Server is Kafka Connect's REST API over a Herder.
type Server struct {
	cfg       Config
	herder    Herder
	log       *slog.Logger
	levels    *loglevel.Registry
	forwarder *http.Client
	views     viewCache        // the leader's view of the group, on a follower
	now       func() time.Time // the clock of views
	handler   http.Handler
	admin     http.Handler
}

// NewServer validates cfg, applies defaults and builds the router. It does no I/O.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Herder == nil {
		return nil, errors.New("api: Config.Herder is required")
	}
	if cfg.RequestTimeout < 0 || cfg.HealthTimeout < 0 || cfg.ShutdownTimeout < 0 {
		return nil, errors.New("api: timeouts must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Levels == nil {
		cfg.Levels = loglevel.New()
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.Commit == "" {
		cfg.Commit = buildCommit()
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.HealthTimeout == 0 {
		cfg.HealthTimeout = DefaultHealthTimeout
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	s := &Server{
		cfg:       cfg,
		herder:    cfg.Herder,
		now:       time.Now,
		log:       cfg.Logger,
		levels:    cfg.Levels,
		forwarder: forwardClient(cfg.Forwarder),
	}
	h, err := s.router()
	if err != nil {
		return nil, err
	}
	s.handler, s.admin = h, s.adminRouter()
	return s, nil
}

// buildCommit returns the short VCS revision of the binary, or "unknown".
func buildCommit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 16 {
				return kv.Value[:16]
			}
		}
	}
	return "unknown"
}

// Handler returns the router.
func (s *Server) Handler() http.Handler { return s.handler }

// AdminHandler serves only the admin endpoints, without authentication, CORS or response headers: the
// handler of admin.listeners.
func (s *Server) AdminHandler() http.Handler { return s.admin }

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully within Config.ShutdownTimeout. It
// returns nil after a shutdown caused by ctx. ln may be a TLS listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.handler)
}

// ServeAdmin is Serve with AdminHandler, for admin.listeners.
func (s *Server) ServeAdmin(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.admin)
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		// The listener failed or was closed under us: the connections it accepted must not outlive Serve
		// (their goroutines would keep answering with nobody to stop them).
		_ = srv.Close()
		s.forwarder.CloseIdleConnections()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	// ctx is done: the shutdown needs a context of its own.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		s.log.Warn("graceful shutdown incomplete", "err", err)
		_ = srv.Close()
	}
	<-errc
	s.forwarder.CloseIdleConnections()
	return nil
}

// Route is one method and path pattern the server answers.
type Route struct {
	Method  string
	Pattern string
	// Internal marks the inter-worker endpoints (hidden in Kafka Connect's OpenAPI document; marked
	// x-internal in ours).
	Internal bool
}

// Routes lists every route the server answers, in registration order.
func Routes() []Route {
	var s Server
	table := s.routes()
	out := make([]Route, len(table))
	for i, rt := range table {
		out[i] = Route{Method: rt.method, Pattern: rt.pattern, Internal: rt.internal}
	}
	return out
}

// reply is a successful answer: status, an optional JSON body and an optional Location.
type reply struct {
	status   int
	body     any
	location string
}

type handlerFunc func(r *http.Request) (reply, error)

type route struct {
	method   string
	pattern  string
	internal bool
	handle   handlerFunc
	serve    http.HandlerFunc // instead of handle, for routes that write a body of their own (GET /metrics)
}

func (s *Server) routes() []route {
	return []route{
		{method: http.MethodGet, pattern: "/", handle: s.serverInfo},
		{method: http.MethodGet, pattern: "/health", handle: s.health},
		{method: http.MethodGet, pattern: "/metrics", serve: s.serveMetrics},

		{method: http.MethodGet, pattern: "/connectors", handle: s.listConnectors},
		{method: http.MethodPost, pattern: "/connectors", handle: s.createConnector},
		{method: http.MethodGet, pattern: "/connectors/{connector}", handle: s.getConnector},
		{method: http.MethodDelete, pattern: "/connectors/{connector}", handle: s.deleteConnector},
		{method: http.MethodGet, pattern: "/connectors/{connector}/config", handle: s.getConnectorConfig},
		{method: http.MethodPut, pattern: "/connectors/{connector}/config", handle: s.putConnectorConfig},
		{method: http.MethodPatch, pattern: "/connectors/{connector}/config", handle: s.patchConnectorConfig},
		{method: http.MethodGet, pattern: "/connectors/{connector}/status", handle: s.getConnectorStatus},
		{method: http.MethodPost, pattern: "/connectors/{connector}/restart", handle: s.restartConnector},
		{method: http.MethodPut, pattern: "/connectors/{connector}/pause", handle: s.pauseConnector},
		{method: http.MethodPut, pattern: "/connectors/{connector}/resume", handle: s.resumeConnector},
		{method: http.MethodPut, pattern: "/connectors/{connector}/stop", handle: s.stopConnector},
		{method: http.MethodGet, pattern: "/connectors/{connector}/tasks", handle: s.getTasks},
		{method: http.MethodGet, pattern: "/connectors/{connector}/tasks-config", handle: s.getTasksConfig},
		{method: http.MethodGet, pattern: "/connectors/{connector}/tasks/{task}/status", handle: s.getTaskStatus},
		{method: http.MethodPost, pattern: "/connectors/{connector}/tasks/{task}/restart", handle: s.restartTask},
		{method: http.MethodGet, pattern: "/connectors/{connector}/topics", handle: s.getTopics},
		{method: http.MethodPut, pattern: "/connectors/{connector}/topics/reset", handle: s.resetTopics},
		{method: http.MethodGet, pattern: "/connectors/{connector}/offsets", handle: s.getOffsets},
		{method: http.MethodPatch, pattern: "/connectors/{connector}/offsets", handle: s.alterOffsets},
		{method: http.MethodDelete, pattern: "/connectors/{connector}/offsets", handle: s.resetOffsets},

		{method: http.MethodGet, pattern: "/connector-plugins", handle: s.listPlugins},
		{method: http.MethodGet, pattern: "/connector-plugins/{plugin}/config", handle: s.pluginConfig},
		{method: http.MethodPut, pattern: "/connector-plugins/{plugin}/config/validate", handle: s.validateConfig},

		{method: http.MethodGet, pattern: "/connectd/cluster", handle: s.clusterInfo},
		{method: http.MethodGet, pattern: "/connectd/workers/{worker}/metrics", serve: s.workerMetrics},

		{method: http.MethodGet, pattern: "/admin/loggers", handle: s.listLoggers},
		{method: http.MethodGet, pattern: "/admin/loggers/{logger}", handle: s.getLogger},
		{method: http.MethodPut, pattern: "/admin/loggers/{logger}", handle: s.setLogger},

		{method: http.MethodPost, pattern: "/connectors/{connector}/tasks", internal: true, handle: s.putTaskConfigs},
		{method: http.MethodPut, pattern: "/connectors/{connector}/fence", internal: true, handle: s.fenceZombies},
	}
}

func (s *Server) router() (http.Handler, error) {
	r := s.newMux()
	sec := s.cfg.Security
	// Jetty's servlet filters run before routing, so their headers are on every answer, 404s included.
	if strings.TrimSpace(sec.ResponseHeaders) != "" {
		rules, err := parseHeaderRules(sec.ResponseHeaders)
		if err != nil {
			return nil, err
		}
		r.Use(responseHeaders(rules))
	}
	var cors *corsPolicy
	if strings.TrimSpace(sec.AllowOrigin) != "" {
		cors = newCORS(sec.AllowOrigin, sec.AllowMethods)
		r.Use(cors.middleware)
	}
	// Authentication runs only for a matched route (inline middleware), as Kafka Connect's post-matching
	// filter does; the inter-worker routes are exempt, from it and from the cross-site check (workers send
	// neither Origin nor Sec-Fetch-Site, and a KIP-507 signature protects them).
	public := r.With(refuseCrossSite(cors))
	if sec.Authenticate != nil {
		public = public.With(s.authenticate)
	}
	for _, rt := range s.routes() {
		if sec.SeparateAdmin && isAdminRoute(rt) {
			continue
		}
		if rt.internal {
			r.Method(rt.method, rt.pattern, s.routeHandler(rt))
			continue
		}
		public.Method(rt.method, rt.pattern, s.routeHandler(rt))
	}
	s.mountConsole(r)
	return r, nil
}

// adminRouter serves the admin routes alone (admin.listeners).
func (s *Server) adminRouter() http.Handler {
	r := s.newMux()
	for _, rt := range s.routes() {
		if isAdminRoute(rt) {
			r.Method(rt.method, rt.pattern, s.routeHandler(rt))
		}
	}
	return r
}

// routeHandler is a route's handler: its own (serve) or its reply adapted (handle).
func (s *Server) routeHandler(rt route) http.HandlerFunc {
	if rt.serve != nil {
		return rt.serve
	}
	return s.adapt(rt.handle)
}

func isAdminRoute(rt route) bool { return strings.HasPrefix(rt.pattern, "/admin/") }

// newMux is a router with the common middleware and Kafka Connect's 404 and 405 answers.
func (s *Server) newMux() *chi.Mux {
	r := chi.NewRouter()
	r.Use(s.logRequests, s.recoverPanics, stripSlashes, getForHead)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, newAPIError(http.StatusNotFound, msgNotFound))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, newAPIError(http.StatusMethodNotAllowed, msgMethodNotAllowed))
	})
	return r
}

// adapt writes a handler's reply or error.
func (s *Server) adapt(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rep, err := h(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if rep.location != "" {
			w.Header().Set("Location", rep.location)
		}
		writeJSON(w, rep.status, rep.body)
	}
}

type requestInfoKey struct{}

// requestInfo carries what the request log line needs from inside the handler.
type requestInfo struct {
	err error
}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request once, when it is answered.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelDebug
		if status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
		}
		if info.err != nil {
			attrs = append(attrs, slog.String("err", info.err.Error()))
		}
		s.log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// recoverPanics answers 500 for a handler that panicked, instead of dropping the connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // recover() yields the panic value itself, never a wrapped error
				panic(v)
			}
			s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
			writeError(w, r, fmt.Errorf("internal error: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// stripSlashes routes "/connectors/" like "/connectors", as Jersey does.
func stripSlashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx := chi.RouteContext(r.Context())
		path := r.URL.Path
		if r.URL.RawPath != "" {
			path = r.URL.RawPath
		}
		if len(path) > 1 && strings.HasSuffix(path, "/") {
			trimmed := strings.TrimRight(path, "/")
			if trimmed == "" {
				trimmed = "/"
			}
			if rctx != nil {
				rctx.RoutePath = trimmed
			}
		}
		next.ServeHTTP(w, r)
	})
}

// getForHead answers HEAD like GET without a body, as JAX-RS does.
func getForHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RouteMethod = http.MethodGet
			}
		}
		next.ServeHTTP(w, r)
	})
}

// readBody reads a JSON request body, enforcing the media type and MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	if err := checkContentType(r.Header.Get("Content-Type"), r.Header.Get("Origin") != ""); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, &BodyError{Message: "Failed to read the request body: " + err.Error()}
	}
	if len(b) > MaxBodyBytes {
		return nil, newAPIError(http.StatusRequestEntityTooLarge, msgBodyTooLarge)
	}
	return b, nil
}

// checkContentType accepts JSON bodies and, from a client that is not a browser (no Origin header), bodies
// without a Content-Type or with application/x-www-form-urlencoded, which is what curl -d sends when the
// user forgets -H; Kafka Connect answers 415 for that last one. A browser sends those two types cross-site
// without a CORS preflight, so with an Origin they get Kafka Connect's 415.
func checkContentType(ct string, browser bool) error {
	if strings.TrimSpace(ct) == "" {
		if browser {
			return newAPIError(http.StatusUnsupportedMediaType, msgUnsupportedMedia)
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		switch {
		case mt == "application/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"),
			mt == "*/*", mt == "application/*":
			return nil
		case mt == "application/x-www-form-urlencoded":
			if !browser {
				return nil
			}
		}
	}
	return newAPIError(http.StatusUnsupportedMediaType, msgUnsupportedMedia)
}

// reqCtx bounds a herder call by Config.RequestTimeout.
func (s *Server) reqCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
}

// waitReady holds a write until the herder has read its internal topics.
func (s *Server) waitReady(ctx context.Context) error {
	select {
	case <-s.herder.Ready():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// serveMetrics serves GET /metrics with Config.Metrics, or 404 without one.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		writeError(w, r, newAPIError(http.StatusNotFound, msgNotFound))
		return
	}
	s.cfg.Metrics.ServeHTTP(w, r)
}
