package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/connectd/connectd/api"
	"github.com/connectd/connectd/api/console"
	"github.com/connectd/connectd/api/loglevel"
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/metrics"
	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/restauth"
)

// runWorker is `connectd worker [--pprof ADDR] [FILE]`.
func runWorker(ctx context.Context, args, environ []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this address, e.g. 127.0.0.1:6060 (off by default; "+
		"it exposes the process's memory, so keep it on loopback)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	args = fs.Args()
	if len(args) > 1 {
		return usageError{errors.New("usage: connectd worker [--pprof ADDR] [connect-distributed.properties]")}
	}
	props := map[string]string{}
	if len(args) == 1 {
		f, err := os.Open(args[0])
		if err != nil {
			return usageError{fmt.Errorf("read worker config: %w", err)}
		}
		props, err = properties.Parse(f)
		f.Close()
		if err != nil {
			return usageError{fmt.Errorf("read worker config %s: %w", args[0], err)}
		}
	}
	// CONNECT_* variables override the file, as in the Confluent image.
	for k, v := range properties.FromEnv(environ, "CONNECT_") {
		props[k] = v
	}
	if len(props) == 0 {
		return usageError{errors.New("no worker configuration: pass a properties file or set CONNECT_* environment variables")}
	}
	levels, logger := newLogging(stderr)
	cfg, warnings, err := config.ParseConfig(props)
	if err != nil {
		return usageError{err}
	}
	for _, w := range warnings {
		logger.Warn(w)
	}
	auth, err := loadRestAuth(cfg, environ, logger)
	if err != nil {
		return usageError{err}
	}
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	if *pprofAddr != "" {
		stop, err := servePprof(*pprofAddr, logger)
		if err != nil {
			return usageError{err}
		}
		defer stop()
	}
	return serveWorker(ctx, cfg, reg, logger, levels, auth, nil)
}

// servePprof serves the runtime profiles on addr, on a listener of its own so they never share the REST port;
// stop closes it.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("pprof server stopped", "err", err)
		}
	}()
	logger.Info("pprof listening", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close(); <-done }, nil
}

// newLogging builds the process logger: text to stderr, with per-component levels that /admin/loggers changes.
func newLogging(stderr io.Writer) (*loglevel.Registry, *slog.Logger) {
	levels := loglevel.New()
	base := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
	logger := slog.New(levels.Handler(base))
	bridgeLibraryLoggers(logger)
	return levels, logger
}

// loadRestAuth reads the JAAS file named in KAFKA_OPTS when rest.extension.classes asks for basic
// authentication; nil when it does not.
func loadRestAuth(cfg config.Config, environ []string, logger *slog.Logger) (*restauth.Authenticator, error) {
	if !cfg.BasicAuth {
		return nil, nil
	}
	auth, warnings, err := restauth.Load(restauth.LoginConfigPath(environ))
	if err != nil {
		return nil, fmt.Errorf("rest.extension.classes: %w", err)
	}
	for _, w := range warnings {
		logger.Warn(w)
	}
	return auth, nil
}

// listen opens the listeners, wrapping https ones in TLS.
func listen(ls []config.Listener, tc *tls.Config, key string) ([]net.Listener, error) {
	var lns []net.Listener
	for _, l := range ls {
		addr := net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, o := range lns {
				o.Close()
			}
			return nil, fmt.Errorf("listen on %s (set '%s' or CONNECT_%s to use another address): %w", addr, key,
				strings.ToUpper(strings.ReplaceAll(key, ".", "_")), err)
		}
		if l.Scheme == "https" {
			ln = tls.NewListener(ln, tc)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// serveWorker runs one worker and its REST listeners until ctx ends. auth, when not nil, checks the REST
// requests' credentials. ready, when not nil, receives the worker's advertised URL once it listens.
func serveWorker(ctx context.Context, cfg config.Config, reg *connector.Registry, logger *slog.Logger,
	levels *loglevel.Registry, auth *restauth.Authenticator, ready chan<- string) error {
	var lns, adminLns []net.Listener
	// Registered before the admin listeners open, so that the regular ones close should those fail.
	defer func() {
		for _, ln := range append(lns, adminLns...) {
			ln.Close()
		}
	}()
	lns, err := listen(cfg.Listeners, cfg.ListenerTLS, "listeners")
	if err != nil {
		return err
	}
	adminLns, err = listen(cfg.AdminListeners, cfg.AdminListenerTLS, "admin.listeners")
	if err != nil {
		return err
	}
	if len(lns) == 0 {
		return usageError{errors.New("no REST listener configured")}
	}
	url := cfg.AdvertisedURL(lns[0].Addr())
	// One client for what this worker sends its peers: forwarded requests and task configs.
	peers := &http.Client{Transport: &http.Transport{
		Proxy:                 nil, // worker-to-worker traffic never goes through a proxy, as with Jetty's client
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg.ForwardTLS,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
	defer peers.CloseIdleConnections()
	w, err := worker.New(cfg, worker.Options{Registry: reg, Logger: logger, AdvertisedURL: url, HTTPClient: peers,
		Levels: levels})
	if err != nil {
		return err
	}
	sec := api.Security{
		AllowOrigin: cfg.AccessControlAllowOrigin, AllowMethods: cfg.AccessControlAllowMethods,
		ResponseHeaders: cfg.ResponseHTTPHeaders, SeparateAdmin: cfg.AdminListenersSet,
	}
	if auth != nil {
		sec.Authenticate = func(h string) (bool, error) {
			_, ok, err := auth.Authenticate(h)
			return ok, err
		}
	}
	var ui http.Handler
	if cfg.RestUIEnable {
		ui = console.Handler()
	}
	srv, err := api.NewServer(api.Config{
		Herder: w, Logger: logger.With("component", "rest"), Levels: levels, Console: ui,
		Version: kafkaVersion, Commit: commitID(),
		SignRequest: w.SignRequest, VerifyInternal: w.VerifyInternal,
		Forwarder: peers, Security: sec,
		Metrics: metrics.Handler(w.Metrics(), metrics.Info{ClientID: w.ID(), Version: kafkaVersion, Commit: commitID(),
			Start: time.Now()}),
	})
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.Run(gctx) })
	for _, ln := range lns {
		g.Go(func() error { return srv.Serve(gctx, ln) })
	}
	for _, ln := range adminLns {
		g.Go(func() error { return srv.ServeAdmin(gctx, ln) })
	}
	logger.Info("rest server listening", "url", url)
	if ready != nil {
		ready <- url
	}
	return g.Wait()
}
