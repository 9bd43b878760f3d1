// Package workertest runs connectd workers in-process against the in-process Kafka cluster of `connectd dev`
// ([localkafka]), each with a real REST listener on 127.0.0.1, for tests of the whole worker.
package workertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/api"
	"github.com/connectd/connectd/api/loglevel"
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/connector/filestream"
	"github.com/connectd/connectd/connector/transforms"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/localkafka"
	"github.com/connectd/connectd/worker/metrics"
	"github.com/connectd/connectd/worker/restauth"
)

// Option configures a Cluster.
type Option func(*options)

type options struct {
	workers  int
	brokers  int
	props    map[string]string
	plugins  []func(*connector.Registry) error
	kafkaOpt []kfake.Opt
	logs     slog.Handler
	wrap     func(http.Handler) http.Handler
	https    bool
	auth     *restauth.Authenticator
}

// Workers sets the number of workers started (default 1).
func Workers(n int) Option { return func(o *options) { o.workers = n } }

// WorkerProps adds or overrides worker properties.
func WorkerProps(props map[string]string) Option {
	return func(o *options) { maps.Copy(o.props, props) }
}

// Plugins registers extra plugins besides the converters and FileStream connectors.
func Plugins(register ...func(*connector.Registry) error) Option {
	return func(o *options) { o.plugins = append(o.plugins, register...) }
}

// KafkaOpts passes options to the kfake cluster.
func KafkaOpts(opts ...kfake.Opt) Option {
	return func(o *options) { o.kafkaOpt = append(o.kafkaOpt, opts...) }
}

// LogHandler makes the workers (and their REST servers) log through h instead of the test output.
func LogHandler(h slog.Handler) Option { return func(o *options) { o.logs = h } }

// WrapHandler puts wrap around every worker's REST handler, e.g. to watch or hold the requests the workers
// send each other.
func WrapHandler(wrap func(http.Handler) http.Handler) Option {
	return func(o *options) { o.wrap = wrap }
}

// HTTPS makes the workers listen on https://127.0.0.1:<port> with the TLS settings given in WorkerProps
// (listeners.https.ssl.* or ssl.*), as `listeners=https://…` does in `connectd worker`.
func HTTPS() Option { return func(o *options) { o.https = true } }

// BasicAuth makes the workers' REST servers check credentials with a, as rest.extension.classes with the
// BasicAuthSecurityRestExtension does in `connectd worker`.
func BasicAuth(a *restauth.Authenticator) Option { return func(o *options) { o.auth = a } }

// Cluster is an in-process Kafka cluster with connectd workers.
type Cluster struct {
	t     testing.TB
	Kafka *kfake.Cluster
	opts  options

	mu    sync.Mutex
	nodes []*Node
}

// Node is one running worker with its REST server.
type Node struct {
	Worker *worker.Worker
	// URL is the REST base URL without a trailing slash, e.g. http://127.0.0.1:38211.
	URL    string
	cancel context.CancelFunc
	done   chan error
	exited chan struct{} // closed when the worker and its REST server have returned
	ln     net.Listener
}

// NewCluster starts kfake and the workers and waits until every worker is ready. Everything is stopped by
// t.Cleanup.
func NewCluster(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	o := options{workers: 1, brokers: 3, props: map[string]string{
		"group.id":                          "connect-cluster",
		"config.storage.topic":              "connect-configs",
		"offset.storage.topic":              "connect-offsets",
		"status.storage.topic":              "connect-status",
		"config.storage.replication.factor": "3",
		"offset.storage.replication.factor": "3",
		"status.storage.replication.factor": "3",
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":    "false",
		"offset.flush.interval.ms":          "500",
		"task.shutdown.graceful.timeout.ms": "5000",
		// The cluster's own: tests never share spools, and the workers of one cluster share theirs, as
		// workers on one machine (or with one volume) would.
		"spool.dir": t.TempDir(),
	}}
	for _, opt := range opts {
		opt(&o)
	}
	kopts := append([]kfake.Opt{kfake.NumBrokers(o.brokers), kfake.AllowAutoTopicCreation()}, o.kafkaOpt...)
	kc, err := localkafka.New(kopts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.props["bootstrap.servers"]; !ok {
		o.props["bootstrap.servers"] = strings.Join(kc.ListenAddrs(), ",")
	}
	c := &Cluster{t: t, Kafka: kc, opts: o}
	t.Cleanup(func() {
		c.StopWorkers()
		kc.Close()
	})
	for range o.workers {
		c.StartWorker()
	}
	for i := range o.workers {
		c.WaitReady(i)
	}
	return c
}

// Registry builds the plugin registry the workers use.
func (c *Cluster) Registry() *connector.Registry {
	c.t.Helper()
	r := connector.NewRegistry()
	for _, reg := range append([]func(*connector.Registry) error{convert.Register, filestream.Register, transforms.Register}, c.opts.plugins...) {
		if err := reg(r); err != nil {
			c.t.Fatalf("register plugins: %v", err)
		}
	}
	return r
}

// StartWorker starts one more worker and returns its index; it does not wait for readiness.
func (c *Cluster) StartWorker() int {
	c.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatalf("listen: %v", err)
	}
	scheme := "http"
	if c.opts.https {
		scheme = "https"
	}
	props := maps.Clone(c.opts.props)
	props["listeners"] = scheme + "://" + ln.Addr().String()
	cfg, _, err := config.ParseConfig(props)
	if err != nil {
		ln.Close()
		c.t.Fatalf("worker config: %v", err)
	}
	if c.opts.https {
		ln = tls.NewListener(ln, cfg.ListenerTLS)
	}
	peers := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg.ForwardTLS}}
	sec := api.Security{}
	if a := c.opts.auth; a != nil {
		sec.Authenticate = func(h string) (bool, error) {
			_, ok, err := a.Authenticate(h)
			return ok, err
		}
	}
	logger := testLogger(c.t)
	if c.opts.logs != nil {
		logger = slog.New(c.opts.logs)
	}
	url := scheme + "://" + ln.Addr().String() + "/"
	levels := loglevel.New()
	w, err := worker.New(cfg, worker.Options{Registry: c.Registry(), Logger: logger, AdvertisedURL: url, HTTPClient: peers,
		Levels: levels})
	if err != nil {
		c.t.Fatalf("new worker: %v", err)
	}
	srv, err := api.NewServer(api.Config{Herder: w, Logger: logger.With("component", "rest"), Levels: levels,
		Version: "3.9.0", Commit: "0000000000000000", SignRequest: w.SignRequest, VerifyInternal: w.VerifyInternal,
		Forwarder: peers, Security: sec,
		Metrics: metrics.Handler(w.Metrics(), metrics.Info{ClientID: w.ID(), Version: "3.9.0", Commit: "0000000000000000",
			Start: time.Now()})})
	if err != nil {
		c.t.Fatalf("new api server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{Worker: w, URL: strings.TrimSuffix(url, "/"), cancel: cancel, done: make(chan error, 1),
		exited: make(chan struct{}), ln: ln}
	go func() {
		errc := make(chan error, 2)
		go func() { errc <- w.Run(ctx) }()
		go func() {
			if c.opts.wrap == nil {
				errc <- srv.Serve(ctx, ln)
				return
			}
			errc <- serveHandler(ctx, ln, c.opts.wrap(srv.Handler()))
		}()
		err := errors.Join(<-errc, <-errc)
		peers.CloseIdleConnections()
		close(n.exited)
		n.done <- err
	}()
	c.mu.Lock()
	c.nodes = append(c.nodes, n)
	idx := len(c.nodes) - 1
	c.mu.Unlock()
	return idx
}

// Node returns worker i.
func (c *Cluster) Node(i int) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// WaitReady waits until worker i has read the internal topics.
func (c *Cluster) WaitReady(i int) {
	c.t.Helper()
	n := c.Node(i)
	select {
	case <-n.Worker.Ready():
	case err := <-n.done:
		c.t.Fatalf("worker %d stopped before ready: %v", i, err)
	case <-time.After(c.Eventually()):
		c.t.Fatalf("worker %d not ready within %s", i, c.Eventually())
	}
}

// StopWorkers stops every worker still running, as the test's end does; a test registers it with t.Cleanup
// to have the workers stopped before something it made after the cluster (a broker their tasks would
// reconnect to while it closes) is cleaned up. A worker slow to stop is not the test's failure.
func (c *Cluster) StopWorkers() {
	c.mu.Lock()
	nodes := append([]*Node(nil), c.nodes...)
	clear(c.nodes)
	c.mu.Unlock()
	for _, n := range nodes {
		if n != nil {
			_ = n.stop()
		}
	}
}

// StopWorker stops worker i gracefully and waits for it.
func (c *Cluster) StopWorker(i int) {
	c.t.Helper()
	c.mu.Lock()
	n := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if n == nil {
		return
	}
	if err := n.stop(); err != nil {
		c.t.Errorf("worker %d stopped with error: %v", i, err)
	}
}

// KillWorker stops worker i abruptly: it does not leave the group, so its peers notice only after
// session.timeout.ms, as with kill -9. Its REST listener closes at once.
func (c *Cluster) KillWorker(i int) {
	c.t.Helper()
	c.mu.Lock()
	n := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if n == nil {
		return
	}
	n.Worker.Halt()
	// The REST listener goes away at once, as with a killed process; Serve's error about it is expected.
	n.ln.Close()
	_ = n.stop()
}

// serveHandler serves h on ln until ctx ends, as api.Server.Serve does with its own handler.
func serveHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	<-errc
	return nil
}

func (n *Node) stop() error {
	n.cancel()
	select {
	case err := <-n.done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("worker did not stop within 30s")
	}
}

// Do sends a REST request to worker i and returns the status and body. body may be nil, a string, []byte, or a
// value encoded as JSON.
func (c *Cluster) Do(i int, method, path string, body any) (int, []byte) {
	c.t.Helper()
	return Do(c.t, c.Node(i).URL, method, path, body)
}

// Do sends a REST request to base+path.
func Do(t testing.TB, base, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, data
}

// Eventually is the time budget for the workers to converge on something "eventually": a rebalance, a
// failover, a status or offset read back. It is no measurement, only a bound that turns a hang into a failure, so
// it is generous and follows the cluster's own timers: detecting a dead member (session.timeout.ms), a round
// in which a member takes its time to rejoin (rebalance.timeout.ms), a departed member's work held back
// (scheduled.rebalance.max.delay.ms) and revoked tasks stopping (task.shutdown.graceful.timeout.ms), each of
// which a test may meet more than once and a loaded machine under the race detector stretches, hence a factor of
// 4, with at least 2 minutes and, for the 5-minute scheduled delay of the defaults, at most 10.
func (c *Cluster) Eventually() time.Duration {
	c.t.Helper()
	cfg, _, err := config.ParseConfig(c.opts.props)
	if err != nil {
		c.t.Fatalf("worker config: %v", err)
	}
	d := 4 * (cfg.SessionTimeout + cfg.RebalanceTimeout + cfg.ScheduledRebalanceMaxDelay + cfg.TaskShutdownGracefulTimeout)
	return min(max(d, 2*time.Minute), 10*time.Minute)
}

// WaitStore waits until cond holds for worker i's store, the read model of the internal topics that every REST
// read of connectors, configs, statuses and offsets is served from. cond is evaluated now and again after every
// write to the store, with no polling; the test fails when c.Eventually() passes first or the worker stops.
func (c *Cluster) WaitStore(i int, what string, cond func(s *storage.Store) bool) {
	c.t.Helper()
	c.WaitStoreWithin(i, c.Eventually(), what, cond)
}

// WaitStoreWithin is WaitStore with a deadline of its own, for a test whose claim is that something happens
// before another timer fires (e.g. before the next offset flush would wake a task anyway).
func (c *Cluster) WaitStoreWithin(i int, budget time.Duration, what string, cond func(s *storage.Store) bool) {
	c.t.Helper()
	n := c.Node(i)
	if n == nil {
		c.t.Fatalf("waiting for %s: worker %d is stopped", what, i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	store := n.Worker.Store()
	stopped := make(chan struct{})
	go func() {
		select {
		case <-n.exited:
			close(stopped)
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := store.WaitFor(ctx, func() bool { return cond(store) }); err != nil {
		select {
		case <-stopped:
			c.t.Fatalf("waiting for %s: worker %d stopped", what, i)
		default:
		}
		c.t.Fatalf("timed out after %s waiting for %s (worker %d)\n%s", budget, what, i, goroutines())
	}
}

// Status is a connector's status as a worker's store holds it, which GET /connectors/{name}/status reports.
type Status struct {
	Connector records.Status
	Tasks     []records.Status // by task number, as the status topic has them
}

// State reads name's status from worker i's store; ok is false while there is no connector status.
func State(s *storage.Store, name string) (st Status, ok bool) {
	st.Connector, ok = s.ConnectorStatus(name)
	for _, ts := range s.TaskStatuses(name) {
		st.Tasks = append(st.Tasks, ts.Status)
	}
	return st, ok
}

// Is reports whether the connector and exactly tasks tasks are in state.
func (st Status) Is(state records.State, tasks int) bool {
	if st.Connector.State != state || len(st.Tasks) != tasks {
		return false
	}
	for _, ts := range st.Tasks {
		if ts.State != state {
			return false
		}
	}
	return true
}

// WaitState waits until worker i sees the connector and exactly tasks tasks in state.
func (c *Cluster) WaitState(i int, name string, state records.State, tasks int) {
	c.t.Helper()
	c.WaitStore(i, fmt.Sprintf("connector %s %s with %d %s tasks", name, state, tasks, state), func(s *storage.Store) bool {
		st, _ := State(s, name)
		return st.Is(state, tasks)
	})
}

// WaitFor polls cond until it is true or timeout passes, failing the test with what's description. It is for
// conditions outside the workers' stores (a file, a topic, a counter in a test connector); for anything a
// store holds, WaitStore waits without polling.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s\n%s", timeout, what, goroutines())
		}
		<-tick.C
	}
}

// ConnectorState returns the connector state and task states from GET /connectors/{name}/status on worker i
// ("" when there is no status yet).
func (c *Cluster) ConnectorState(i int, name string) (string, []string) {
	status, body := Do(c.t, c.Node(i).URL, http.MethodGet, "/connectors/"+name+"/status", nil)
	if status != http.StatusOK {
		return "", nil
	}
	var st struct {
		Connector struct{ State string }   `json:"connector"`
		Tasks     []struct{ State string } `json:"tasks"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return "", nil
	}
	tasks := make([]string, len(st.Tasks))
	for i, t := range st.Tasks {
		tasks[i] = t.State
	}
	return st.Connector.State, tasks
}

// WaitRunning waits until the connector and tasks tasks of it are RUNNING, as worker i reports.
func (c *Cluster) WaitRunning(i int, name string, tasks int) {
	c.t.Helper()
	c.WaitState(i, name, records.StateRunning, tasks)
}

// goroutines returns the stacks of every goroutine, grouped, for a wait that timed out: what the herders and
// group members were blocked on is what tells a slow machine from a stuck worker.
func goroutines() string {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1) // a strings.Builder does not fail
	return "goroutines at the timeout:\n" + b.String()
}

// testLogger writes worker logs to the test output when CONNECTD_TEST_LOG is set (e.g. "debug"), and
// discards them otherwise.
func testLogger(t testing.TB) *slog.Logger {
	lvl := os.Getenv("CONNECTD_TEST_LOG")
	if lvl == "" {
		return slog.New(slog.DiscardHandler)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(lvl)); err != nil {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}
