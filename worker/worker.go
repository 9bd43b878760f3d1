package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"golang.org/x/sync/errgroup"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/errorhandling"
	"github.com/connectd/connectd/worker/kafkaclient"
	"github.com/connectd/connectd/worker/kafkalog"
	"github.com/connectd/connectd/worker/metrics"
)

// Options are what a Worker is built from besides its configuration.
type Options struct {
	Registry *connector.Registry
	Logger   *slog.Logger
	// AdvertisedURL is this worker's REST URL as its peers reach it, with a trailing "/" (Kafka Connect's
	// RestServer.advertisedUrl). Its host:port is the worker id written into statuses.
	AdvertisedURL string
	// HTTPClient sends the internal requests to the leader (task configs); nil is http.DefaultClient. With
	// https listeners it carries the worker's TLS client configuration (config.Config.ForwardTLS).
	HTTPClient *http.Client
	// Levels are the process's logger levels (a *loglevel.Registry), which cluster-wide levels read from the
	// config topic (PUT /admin/loggers/{name}?scope=cluster on any worker) change. nil ignores those records.
	Levels LoggerLevels
}

// LoggerLevels sets a logger's level by its log4j name, returning the loggers it changed.
type LoggerLevels interface {
	Set(namespace, level string) ([]string, error)
}

// Worker is a Kafka Connect distributed worker: it keeps the cluster's state in the three internal topics,
// runs the connectors and tasks assigned to it, and serves the herder operations behind the REST API.
//
// Every state change goes through one goroutine, the herder loop (Kafka Connect's DistributedHerder tick
// thread): REST writes, records read from the config topic and requests from running connectors arrive there
// as messages. REST reads are answered from the Store, which only the topic readers write.
type Worker struct {
	cfg      config.Config
	registry *connector.Registry
	levels   LoggerLevels
	log      *slog.Logger
	url      string
	id       string
	// httpClient sends task configs to the leader (Options.HTTPClient).
	httpClient *http.Client

	store    *storage.Store
	requests chan *request
	wake     chan struct{}
	ready    chan struct{}
	// stopping is closed once the herder stops taking requests (shutdown, or Run failing before it started),
	// so that REST handlers get an answer instead of waiting for a loop that is gone.
	stopping     chan struct{}
	stoppingOnce sync.Once
	started      atomic.Bool
	gen          atomic.Int32

	// Set up by Run before the herder loop starts; read-only afterwards.
	client    sarama.Client
	admin     sarama.ClusterAdmin
	configLog *kafkalog.Log
	offsetLog *kafkalog.Log
	statusLog *kafkalog.Log
	statuses  *statusWriter
	// spoolAudit reports the spools under spool.dir that no task here ships.
	spoolAudit *spoolAuditor
	group      *membership
	clusterID  atomic.Value // string

	rejoinNeeded atomic.Bool
	// joinAwaited is set when the coordinator answers a heartbeat with a rebalance under way: the other
	// members are waiting in JoinGroup for this one, so the herder must rejoin before serving more requests.
	joinAwaited atomic.Bool
	skipLeave   atomic.Bool

	eventsMu   sync.Mutex
	events     []storage.ConfigEvent
	reconfig   map[string]bool  // connectors whose Connector asked for new task configs
	connEvents []connectorEvent // outcomes of connector runners

	// Owned by the herder loop.
	connectors map[string]*connectorRunner
	// retiring holds runners being stopped, by name, so that a new instance waits for the old one.
	retiring map[string]*connectorRunner
	tasks    map[connector.TaskID]*taskRunner
	// errorMetrics holds the error handling counters of the tasks in tasks, by id, for readers outside the
	// herder loop (*errorhandling.Metrics values).
	errorMetrics sync.Map
	// metrics holds the worker's Kafka Connect metrics, read by GET /metrics; set by New.
	metrics *metrics.Worker
	// runtimes owns the task and connector runners' goroutines; set up by Run.
	runtimes *supervisor
	// closers owns the goroutines that close an abandoned task's producers and clients (taskRunner.onAbandon);
	// set up by Run.
	closers *supervisor
}

// abandonedWait bounds how long Run, once the herder has stopped, waits for the runners it abandoned and for
// their closers, as Kafka Connect's Worker.stop gives its task executor a second to terminate and one more
// after interrupting it. Abandoned runners were cancelled, and their producers aborted: a runner returns well
// within it unless a plugin call ignores cancellation, and its producer and client close within it anyway.
const abandonedWait = 2 * time.Second

// New validates the options and builds a Worker. It does no I/O.
func New(cfg config.Config, opts Options) (*Worker, error) {
	if opts.Registry == nil {
		return nil, errors.New("worker: a plugin registry is required")
	}
	u, err := url.Parse(opts.AdvertisedURL)
	if err != nil || u.Host == "" || u.Port() == "" {
		return nil, fmt.Errorf("worker: advertised url %q must be scheme://host:port/", opts.AdvertisedURL)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	store, err := storage.New()
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	id := u.Host
	w := &Worker{
		cfg:        cfg,
		registry:   opts.Registry,
		levels:     opts.Levels,
		log:        logger.With("component", "herder", "worker_id", id),
		url:        opts.AdvertisedURL,
		id:         id,
		httpClient: opts.HTTPClient,
		store:      store,
		requests:   make(chan *request),
		wake:       make(chan struct{}, 1),
		ready:      make(chan struct{}),
		stopping:   make(chan struct{}),
		reconfig:   make(map[string]bool),
		connectors: make(map[string]*connectorRunner),
		retiring:   make(map[string]*connectorRunner),
		tasks:      make(map[connector.TaskID]*taskRunner),
		metrics:    metrics.NewWorker(strings.ToUpper(cfg.ConnectProtocol)),
	}
	w.clusterID.Store("")
	w.gen.Store(-1)
	return w, nil
}

// ID is the worker id (advertised host:port) written into statuses.
func (w *Worker) ID() string { return w.id }

// URL is the advertised REST URL.
func (w *Worker) URL() string { return w.url }

// Store is the worker's read model of the internal topics.
func (w *Worker) Store() *storage.Store { return w.store }

// Ready is closed once the internal topics have been read to the end and the herder serves requests.
func (w *Worker) Ready() <-chan struct{} { return w.ready }

// KafkaClusterID is the id of the Kafka cluster, known once Run has connected.
func (w *Worker) KafkaClusterID() string { return w.clusterID.Load().(string) }

// TaskErrorMetrics returns the error handling counters (Kafka's task-error-metrics group) of a task this
// worker runs; false when it runs no such task.
func (w *Worker) TaskErrorMetrics(id connector.TaskID) (errorhandling.MetricsSnapshot, bool) {
	m, ok := w.errorMetrics.Load(id)
	if !ok {
		return errorhandling.MetricsSnapshot{}, false
	}
	return m.(*errorhandling.Metrics).Snapshot(), true
}

// Metrics are the worker's metrics (Kafka Connect's metric groups), for GET /metrics.
func (w *Worker) Metrics() *metrics.Worker { return w.metrics }

// Plugins is the worker's plugin registry.
func (w *Worker) Plugins() *connector.Registry { return w.registry }

// Run connects to Kafka, creates and reads the internal topics, then runs the herder until ctx ends. On return
// every connector and task has been stopped (without rewriting their statuses: the group hands them over) and
// every client closed.
func (w *Worker) Run(ctx context.Context) error {
	defer w.stopTakingRequests()
	if err := w.connect(ctx); err != nil {
		return err
	}
	defer w.closeClients()

	// Tasks are stopped gracefully by the herder loop as it ends; Stop then waits for every runner it did not
	// abandon.
	w.runtimes = newSupervisor(context.WithoutCancel(ctx))
	w.closers = newSupervisor(context.WithoutCancel(ctx))
	g, gctx := errgroup.WithContext(ctx)
	// The logs consume until the herder loop has returned, not merely until shutdown begins: a request the loop
	// is serving then still reads its config write back, and the herder stops runners (which still write
	// offsets through the logs' producers) before Run closes the clients.
	logsCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLogs()
	for _, l := range []*kafkalog.Log{w.offsetLog, w.statusLog, w.configLog} {
		g.Go(func() error { return l.Run(logsCtx) })
	}
	g.Go(func() error { return w.statuses.Run(gctx) })
	w.spoolAudit = newSpoolAuditor(w.cfg.SpoolDir, w.id, w.store, w.metrics, w.log.With("component", "spool_audit"))
	g.Go(func() error { return w.spoolAudit.Run(gctx) })
	g.Go(func() error {
		defer stopLogs()
		// Kafka Connect's start order: offsets, statuses, then configs, each read to its end.
		for _, l := range []*kafkalog.Log{w.offsetLog, w.statusLog, w.configLog} {
			if err := l.ReadToEnd(gctx); err != nil {
				if gctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("read internal topic: %w", err)
			}
		}
		w.started.Store(true)
		close(w.ready)
		w.log.Info("worker started", "url", w.url, "config_offset", w.store.ConfigOffset())
		g.Go(func() error { return w.heartbeatLoop(gctx) })
		return w.herderLoop(gctx)
	})
	err := g.Wait()
	w.runtimes.Stop()
	w.awaitAbandoned()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// awaitAbandoned waits, up to abandonedWait, for the closers of abandoned tasks and then for the abandoned
// runners themselves, so that what an abandoned task started does not outlive Run; it logs what is left.
func (w *Worker) awaitAbandoned() {
	deadline := time.Now().Add(abandonedWait)
	if !w.closers.awaitAll(deadline) {
		w.log.Warn("the producers and clients of abandoned tasks did not close in time", "waited", abandonedWait)
	}
	// Ends the closers' waits for producers to close; one stuck in sarama's Close is left to finish alone.
	w.closers.cancel()
	if !w.runtimes.awaitAll(deadline) {
		w.log.Warn("abandoned connectors or tasks are still running, stuck in plugin code", "waited", abandonedWait)
	}
}

// connect builds the Kafka clients, learns the cluster id and makes sure the internal topics exist.
func (w *Worker) connect(ctx context.Context) error {
	scfg, err := w.cfg.SaramaConfig("")
	if err != nil {
		return err
	}
	scfg.ClientID = w.clientIDBase() + "shared"
	client, err := kafkaclient.New(ctx, w.cfg.BootstrapServers, scfg, w.log)
	if err != nil {
		return err
	}
	w.client = client
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return fmt.Errorf("create kafka admin client: %w", err)
	}
	w.admin = admin
	if id, err := kafkaclient.ClusterID(client); err == nil {
		w.clusterID.Store(id)
	} else {
		w.log.Warn("kafka cluster id unknown", "err", err)
	}

	topics := []kafkalog.TopicSpec{
		{Name: w.cfg.OffsetTopic, Partitions: w.cfg.OffsetPartitions, ReplicationFactor: w.cfg.OffsetReplicationFactor,
			Configs: w.cfg.OffsetTopicSettings, Property: "offset.storage.topic", Purpose: "source connector offsets"},
		{Name: w.cfg.StatusTopic, Partitions: w.cfg.StatusPartitions, ReplicationFactor: w.cfg.StatusReplicationFactor,
			Configs: w.cfg.StatusTopicSettings, Property: "status.storage.topic", Purpose: "connector and task statuses"},
		{Name: w.cfg.ConfigTopic, Partitions: 1, ReplicationFactor: w.cfg.ConfigReplicationFactor,
			Configs: w.cfg.ConfigTopicSettings, Property: "config.storage.topic", Purpose: "connector configurations"},
	}
	for _, t := range topics {
		if err := kafkalog.EnsureTopic(ctx, admin, t); err != nil {
			w.closeClients()
			return err
		}
	}

	// No topic attribute here: kafkalog puts the topic on each of its lines itself.
	newLog := func(topic string, onRecord func(kafkalog.Record)) (*kafkalog.Log, error) {
		return kafkalog.New(kafkalog.Config{Topic: topic, Client: client, OnRecord: onRecord, Logger: w.log})
	}
	if w.offsetLog, err = newLog(w.cfg.OffsetTopic, w.onOffsetRecord); err == nil {
		if w.statusLog, err = newLog(w.cfg.StatusTopic, w.onStatusRecord); err == nil {
			w.configLog, err = newLog(w.cfg.ConfigTopic, w.onConfigRecord)
		}
	}
	if err != nil {
		w.closeClients()
		return fmt.Errorf("open internal topic: %w", err)
	}
	w.statuses = newStatusWriter(w.statusLog, w.store, w.log.With("component", "status_writer"))
	if w.group, err = w.newMembership(); err != nil {
		w.closeClients()
		return err
	}
	return nil
}

// Halt makes the next shutdown skip leaving the group, as a crashed worker would: its peers notice only
// after session.timeout.ms. For failure tests.
func (w *Worker) Halt() { w.skipLeave.Store(true) }

func (w *Worker) closeClients() {
	if w.group != nil {
		w.group.member.Close()
	}
	for _, l := range []*kafkalog.Log{w.configLog, w.statusLog, w.offsetLog} {
		if l != nil {
			l.Close()
		}
	}
	if w.admin != nil {
		// Closing the admin client closes the shared client too.
		w.admin.Close()
	} else if w.client != nil {
		w.client.Close()
	}
}

// clientIDBase is Kafka Connect's ConnectUtils.clientIdBase: "<group.id>[-<client.id>]-".
func (w *Worker) clientIDBase() string {
	if w.cfg.ClientID != "" {
		return w.cfg.GroupID + "-" + w.cfg.ClientID + "-"
	}
	return w.cfg.GroupID + "-"
}

func (w *Worker) onOffsetRecord(r kafkalog.Record) {
	if err := w.store.ApplyOffsetRecord(r.Key, r.Value); err != nil {
		w.log.Warn("skipping offsets record", "partition", r.Partition, "offset", r.Offset, "err", err)
	}
}

func (w *Worker) onStatusRecord(r kafkalog.Record) {
	if err := w.store.ApplyStatusRecord(string(r.Key), r.Value); err != nil {
		w.log.Warn("skipping status record", "partition", r.Partition, "offset", r.Offset, "err", err)
	}
}

func (w *Worker) onConfigRecord(r kafkalog.Record) {
	events, err := w.store.ApplyConfigRecord(string(r.Key), r.Value, r.Offset)
	if err != nil {
		w.log.Warn("skipping config record", "offset", r.Offset, "err", err)
		return
	}
	// Like Kafka Connect, records read during startup only build state; the herder reconciles with the whole
	// state once it starts, and restart requests read then are ignored.
	if !w.started.Load() || len(events) == 0 {
		return
	}
	// Cluster-wide logger levels are applied here, on the reader, as Kafka Connect's onLoggingLevelUpdate does:
	// they concern no connector, and the herder loop may be busy for a while.
	events = slices.DeleteFunc(events, func(ev storage.ConfigEvent) bool {
		if ev.Kind == storage.LoggerLevelChanged {
			w.applyClusterLoggerLevel(ev.Logger, ev.Level)
			return true
		}
		return false
	})
	if len(events) == 0 {
		return
	}
	w.eventsMu.Lock()
	w.events = append(w.events, events...)
	w.eventsMu.Unlock()
	w.poke()
}

// poke wakes the herder loop; repeated pokes coalesce.
func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// requestReconfiguration is called by a running Connector (any goroutine) that wants new task configs.
func (w *Worker) requestReconfiguration(name string) {
	w.eventsMu.Lock()
	w.reconfig[name] = true
	w.eventsMu.Unlock()
	w.poke()
}

func (w *Worker) takeEvents() ([]storage.ConfigEvent, map[string]bool, []connectorEvent) {
	w.eventsMu.Lock()
	defer w.eventsMu.Unlock()
	ev, rc, ce := w.events, w.reconfig, w.connEvents
	w.events, w.reconfig, w.connEvents = nil, make(map[string]bool), nil
	return ev, rc, ce
}
