package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/backoff"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/errorhandling"
	"github.com/connectd/connectd/worker/metrics"
)

// stopReason says why a task stops, which decides the status it leaves behind.
type stopReason int

const (
	// stopShutdown: the worker is shutting down; the status is left for the next owner.
	stopShutdown stopReason = iota
	// stopUnassign: the task was revoked, reconfigured or removed; it writes UNASSIGNED.
	stopUnassign
	// stopRestart: a restart request; the herder writes RESTARTING itself.
	stopRestart
)

// taskRunner runs one task on its own goroutine (Kafka Connect's WorkerTask). The herder starts it, changes
// its target state and stops it; the runner writes RUNNING, PAUSED and FAILED itself.
type taskRunner struct {
	w  *Worker
	id connector.TaskID
	// rawConfig is the task config as committed, placeholders and all; the herder compares it with the config
	// topic's. Never modified.
	rawConfig map[string]string
	// config and connConfig are the task and connector configs with config provider placeholders resolved,
	// set by run before anything else reads them; only the runner's goroutines use them.
	config     map[string]string
	connConfig map[string]string
	plugin     *connector.Plugin
	log        *slog.Logger
	topics     *activeTopics
	// errMetrics are the task's error handling counters (Kafka's task-error-metrics), for its lifetime.
	errMetrics *errorhandling.Metrics
	// metrics are the task's connector-task, source-task or sink-task and task-error metrics, for its lifetime.
	metrics *metrics.Task
	// started is set once the plugin task's Start succeeded: a failure before counts as a failed startup.
	started atomic.Bool

	targetMu      sync.Mutex
	target        records.TargetState
	targetChanged chan struct{} // closed and replaced on every target change, so every waiter wakes

	stopOnce sync.Once
	stopping chan struct{} // closed to ask for a graceful stop
	reason   atomic.Int32
	routine  *routine // the runner's goroutine: cancelled to stop it forcefully, abandoned past the deadline
	failed   atomic.Bool

	// statusMu orders the runner's status writes against abandonment: once abandoned is set, the herder may
	// start a new instance of the task, and nothing this runner still does may write over its statuses.
	statusMu  sync.Mutex
	abandoned bool
	// closers close what the runner opened for the task (producers, clients) should it be abandoned; guarded
	// by statusMu.
	closers []func(ctx context.Context)
}

// startTask creates and starts a runner for a committed task config.
// Its goroutine belongs to the worker's runtimes supervisor, not to the herder's context: worker shutdown
// stops tasks gracefully (stopAll) before anything is cancelled.
func (w *Worker) startTask(id connector.TaskID, config map[string]string, c *storage.Connector) {
	t := w.newTaskRunner(id, config, c)
	w.tasks[id] = t
	w.errorMetrics.Store(id, t.errMetrics)
	typ := connector.Type("unknown")
	if p, _, err := w.registry.Resolve(c.Config); err == nil {
		typ = p.Type
	}
	t.metrics = w.metrics.AddTask(id, typ, t.errMetrics)
	t.routine = w.runtimes.Go(t.run)
}

func (w *Worker) newTaskRunner(id connector.TaskID, config map[string]string, c *storage.Connector) *taskRunner {
	t := &taskRunner{
		w: w, id: id, rawConfig: maps.Clone(config), config: maps.Clone(config), connConfig: maps.Clone(c.Config),
		log:           w.log.With("component", "task", "connector", id.Connector, "task", id.Task),
		target:        c.TargetState,
		targetChanged: make(chan struct{}),
		stopping:      make(chan struct{}),
		errMetrics:    &errorhandling.Metrics{},
	}
	t.topics = newActiveTopics(t)
	return t
}

func (t *taskRunner) run(ctx context.Context) {
	// Placeholders are resolved when the task starts, never stored resolved, as Kafka Connect's
	// ClusterConfigState.taskConfig and connectorConfig do.
	config, err := t.w.resolveConfig(t.config)
	if err != nil {
		t.fail(err)
		return
	}
	connConfig, err := t.w.resolveConfig(t.connConfig)
	if err != nil {
		t.fail(err)
		return
	}
	t.config, t.connConfig = config, connConfig
	plugin, _, err := t.w.registry.Resolve(t.connConfig)
	if err != nil {
		t.fail(err)
		return
	}
	t.plugin = plugin
	switch {
	case plugin.Type == connector.Source && plugin.NewSourceTask != nil:
		err = t.runSource(ctx)
	case plugin.Type == connector.Sink && plugin.NewSinkTask != nil:
		err = t.runSink(ctx)
	default:
		err = fmt.Errorf("plugin %s has no task implementation", plugin.Class)
	}
	if err != nil {
		t.fail(err)
		return
	}
	if stopReason(t.reason.Load()) == stopUnassign {
		t.putStatus(records.StateUnassigned, "", true)
	}
}

// putStatus writes the task's status unless the runner was abandoned: a replacement may be running by then,
// on this worker and in this generation, where the putSafe rule does not protect it.
func (t *taskRunner) putStatus(state records.State, trace string, safe bool) {
	t.statusMu.Lock()
	defer t.statusMu.Unlock()
	if t.abandoned {
		t.log.Info("abandoned task's status not written", "state", state)
		return
	}
	t.w.statuses.putTask(t.id, t.w.status(state, trace), safe)
	if t.metrics != nil {
		t.metrics.SetStatus(string(state))
	}
}

// fail records the task as FAILED; it stays so until restarted or reconfigured.
func (t *taskRunner) fail(err error) {
	if t.isStopping() && stopReason(t.reason.Load()) == stopShutdown && ctxErr(err) {
		return // cancelled by worker shutdown, not a failure
	}
	t.failed.Store(true)
	if !t.started.Load() {
		t.w.metrics.TaskStartup(false)
	}
	t.log.Error("task failed", "err", err)
	t.putStatus(records.StateFailed, trace(err), true)
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// setTarget changes the target state (from the herder loop).
func (t *taskRunner) setTarget(s records.TargetState) {
	t.targetMu.Lock()
	defer t.targetMu.Unlock()
	if t.target != s {
		t.target = s
		close(t.targetChanged)
		t.targetChanged = make(chan struct{})
	}
}

// pausedWatch reports whether the task is paused, and a channel closed at the next target change.
func (t *taskRunner) pausedWatch() (bool, <-chan struct{}) {
	t.targetMu.Lock()
	defer t.targetMu.Unlock()
	return t.target == records.TargetPaused, t.targetChanged
}

// awaitRunnable blocks while the task is paused, reporting false when it is asked to stop or done closes. It
// writes PAUSED and RUNNING as the state flips; wasPaused carries the last state written.
func (t *taskRunner) awaitRunnable(wasPaused *bool, done <-chan struct{}) bool {
	for {
		if t.isStopping() {
			return false
		}
		p, changed := t.pausedWatch()
		if p != *wasPaused {
			*wasPaused = p
			t.reportPaused(p)
		}
		if !p {
			return true
		}
		select {
		case <-changed:
		case <-t.stopping:
			return false
		case <-done:
			return false
		}
	}
}

// reportPaused writes PAUSED or RUNNING, as Kafka Connect's onPause and onResume do once the task has
// actually stopped or restarted delivering records.
func (t *taskRunner) reportPaused(paused bool) {
	state := records.StateRunning
	if paused {
		state = records.StatePaused
	}
	t.putStatus(state, "", false)
}

func (t *taskRunner) requestStop(reason stopReason) {
	t.stopOnce.Do(func() {
		t.reason.Store(int32(reason))
		close(t.stopping)
	})
}

func (t *taskRunner) isStopping() bool {
	select {
	case <-t.stopping:
		return true
	default:
		return false
	}
}

// awaitStop waits for the runner to finish until deadline; past it the task is cancelled and abandoned, as
// Kafka Connect abandons a task after task.shutdown.graceful.timeout.ms: the worker no longer waits for it,
// and it writes no status any more.
func (t *taskRunner) awaitStop(deadline time.Time) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-t.routine.Done():
		return true
	case <-timer.C:
		t.statusMu.Lock()
		t.abandoned = true
		closers := t.closers
		t.statusMu.Unlock()
		t.routine.abandon()
		for _, f := range closers {
			t.w.closers.Go(f)
		}
		return false
	}
}

// startedTask records that the plugin task started: a successful startup, and its own metrics (when it
// reports any) are scraped from now on.
func (t *taskRunner) startedTask(task any) {
	t.started.Store(true)
	t.w.metrics.TaskStartup(true)
	if t.metrics != nil {
		t.metrics.SetPlugin(task)
	}
}

// onAbandon registers f to close something the runner opened for the task, should the runner be abandoned:
// f then runs on a goroutine of the worker's closers, apart from the runner, which may be stuck in a plugin
// call that ignores cancellation (Kafka Connect's cancel closes the task's producer on an executor of its own
// likewise). The runner's own shutdown closes the same things, so f must be idempotent and safe alongside
// it; f's context ends when the worker, having waited for closers a while, gives up on them.
func (t *taskRunner) onAbandon(f func(ctx context.Context)) {
	t.statusMu.Lock()
	defer t.statusMu.Unlock()
	if t.abandoned {
		t.w.closers.Go(f)
		return
	}
	t.closers = append(t.closers, f)
}

// clientBackoff is the back-off between attempts to create a task's Kafka client: 200 ms doubling to 5 s.
func clientBackoff() backoff.Backoff {
	return backoff.Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second}
}

// backOff waits bo's next delay before the next attempt to create a task's Kafka client; it returns early with
// an error when the task is asked to stop or ctx ends.
func (t *taskRunner) backOff(ctx context.Context, bo *backoff.Backoff) error {
	timer := time.NewTimer(bo.Next())
	defer timer.Stop()
	select {
	case <-t.stopping:
		return context.Canceled
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// taskConverters are a task's key, value and header converters, with the Java class names error reports give
// for them.
type taskConverters struct {
	key, value                        connector.Converter
	header                            connector.HeaderConverter
	keyClass, valueClass, headerClass string
}

// converters builds the key, value and header converters of a connector: its own when its config names one,
// else the worker's, each configured with the matching prefixed settings (Kafka Connect's Plugins.newConverter).
func (w *Worker) converters(connConfig map[string]string) (*taskConverters, error) {
	pick := func(prop, workerClass string, workerProps map[string]string) (string, map[string]string) {
		if cls, ok := connConfig[prop]; ok && cls != "" {
			return cls, connector.Prefixed(connConfig, prop+".")
		}
		return workerClass, workerProps
	}
	newConv := func(prop, workerClass string, workerProps map[string]string, isKey bool) (connector.Converter, string, error) {
		cls, props := pick(prop, workerClass, workerProps)
		p, err := w.registry.LookupConverter(cls, connector.PluginConverter)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", prop, err)
		}
		c := p.NewConverter()
		if err := c.Configure(props, isKey); err != nil {
			return nil, "", fmt.Errorf("configure %s %s: %w", prop, cls, err)
		}
		return c, p.Class, nil
	}
	tc := &taskConverters{}
	var err error
	if tc.key, tc.keyClass, err = newConv("key.converter", w.cfg.KeyConverter, w.cfg.KeyConverterConfig, true); err != nil {
		return nil, err
	}
	if tc.value, tc.valueClass, err = newConv("value.converter", w.cfg.ValueConverter, w.cfg.ValueConverterConfig, false); err != nil {
		return nil, err
	}
	cls, props := pick("header.converter", w.cfg.HeaderConverter, w.cfg.HeaderConverterConfig)
	hp, err := w.registry.LookupConverter(cls, connector.PluginHeaderConverter)
	if err != nil {
		return nil, fmt.Errorf("header.converter: %w", err)
	}
	tc.header, tc.headerClass = hp.NewHeaderConverter(), hp.Class
	if err := tc.header.Configure(props); err != nil {
		return nil, fmt.Errorf("configure header.converter %s: %w", cls, err)
	}
	return tc, nil
}

// taskLogger is the logger handed to plugin tasks.
type taskContext struct {
	log     *slog.Logger
	offsets connector.OffsetReader
}

func (c taskContext) Logger() *slog.Logger            { return c.log }
func (c taskContext) Offsets() connector.OffsetReader { return c.offsets }

// sourceTaskContext is the connector.SourceTaskContext of a source task: it also opens keyed logs
// (connector.KeyedLogOpener) with the worker's Kafka settings, and gives the task its spool directory
// (connector.SpoolDirProvider) under spool.dir.
type sourceTaskContext struct {
	taskContext
	*keyedLogs
	taskSpoolDir
}

// storeOffsets reads a connector's committed source offsets from the worker's view of the offsets topic.
type storeOffsets struct {
	store     *storage.Store
	connector string
}

func (o storeOffsets) Offset(partition map[string]any) map[string]any {
	off, ok := o.store.Offset(o.connector, partition)
	if !ok {
		return nil
	}
	return off
}
