package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/errorhandling"
	"github.com/connectd/connectd/worker/metrics"
)

// connectorCallTimeout bounds a connector's Start and TaskConfigs. Kafka Connect has no such bound (a Start
// that never returns leaves the connector UNASSIGNED for good); 90 s is its REST request timeout, so a create
// whose connector cannot start in that time ends FAILED rather than silently stuck.
const connectorCallTimeout = 90 * time.Second

// abandonedMessage is what Kafka Connect logs (Worker.awaitStopConnector) for a connector that does not stop in
// time, before it gives up on the instance.
const abandonedMessage = "Connector '%s' failed to properly shut down, has become unresponsive, and may be " +
	"consuming external resources. Correct the configuration for this connector or remove the connector. After " +
	"fixing the connector, it may be necessary to restart this worker to release any consumed resources."

// connectorRunner is one connector instance on this worker (Kafka Connect's WorkerConnector). The herder loop
// owns it and decides what it should do; every call into the plugin runs on the runner's own goroutine (the
// WorkerConnector's executor thread), one at a time and under a deadline, so a plugin that blocks delays only
// its own connector and never the herder. Outcomes the herder acts on (an instance started, task configs
// generated) come back to it as connectorEvents through the worker's wake channel. Statuses are written by the
// runner goroutine, in the order its calls complete, as WorkerConnector writes them.
type connectorRunner struct {
	w      *Worker
	name   string
	config map[string]string // never modified
	plugin *connector.Plugin // nil when the class does not resolve; never modified
	// metrics are the instance's connector-metrics; set by startConnector, never nil afterwards.
	metrics *metrics.Connector
	log     *slog.Logger

	// Owned by the herder loop.
	target records.TargetState
	// publisher gets the instance's task configs committed; it stops with the instance.
	publisher *taskPublisher

	// failed says the instance is FAILED: written by the runner goroutine, read by the herder (restarts of
	// failed connectors only, no pause after a failure).
	failed atomic.Bool
	// cancelled is set when the worker gave up on a stop that overran: nothing this instance does afterwards
	// is written to the status topic (Kafka Connect's WorkerConnector.cancel).
	cancelled atomic.Bool

	mu       sync.Mutex
	ops      []connectorOp
	quit     bool // shutdown asked for: queued ops are dropped, the instance stopped
	removed  bool // the connector leaves this worker (not a worker shutdown)
	more     chan struct{}
	routine  *routine      // the runner goroutine, in the worker's runtimes supervisor
	timer    *time.Timer   // the abandonment deadline of a shutdown
	released chan struct{} // closed when the runner goroutine returned or was abandoned: a successor may start
	release  sync.Once

	// Owned by the runner goroutine: the started instance, nil while paused, stopped or failed.
	conn connector.Connector
	// startCounted: the instance's startup is in the worker's metrics; a resume's start is no new startup.
	startCounted bool
}

// connectorOp is one thing the herder asks of the runner goroutine.
type connectorOp struct {
	target      records.TargetState // move the instance to target (Kafka Connect's transitionTo)
	taskConfigs bool                // generate task configs instead
}

// connectorEvent is an outcome of the runner goroutine the herder acts on.
type connectorEvent struct {
	r *connectorRunner
	// started: a new instance is running, so its task configs are due. Otherwise taskConfigs/err are the
	// result of generating task configs.
	started     bool
	taskConfigs []map[string]string
	err         error
}

// connectorContext is the connector.Context handed to a running Connector.
type connectorContext struct {
	r   *connectorRunner
	log *slog.Logger
}

func (c connectorContext) RequestTaskReconfiguration() { c.r.w.requestReconfiguration(c.r.name) }
func (c connectorContext) Logger() *slog.Logger        { return c.log }

// RaiseError marks the connector FAILED. It may be called from any goroutine, so the failure is recorded
// through the status topic only; the herder does not need to act on it.
func (c connectorContext) RaiseError(err error) {
	c.log.Error("connector raised an error", "err", err)
	c.r.put(records.StateFailed, trace(err))
}

// put writes the connector's status unless the instance is being shut down or was abandoned: the herder writes
// what follows a removal (UNASSIGNED, a tombstone, RESTARTING), a worker shutdown leaves statuses alone, and a
// late RUNNING of an instance being stopped must not overwrite either. FAILED is written safely (it must not
// overwrite a newer owner's status), as everywhere in the worker.
func (r *connectorRunner) put(state records.State, trace string) {
	r.mu.Lock()
	quit := r.quit
	r.mu.Unlock()
	if quit || r.cancelled.Load() {
		return
	}
	r.w.statuses.putConnector(r.name, r.w.status(state, trace), state == records.StateFailed)
	r.metrics.SetStatus(string(state))
}

// startConnector creates the runner for a connector and brings it to its target state. The runner starts its
// work once the previous instance of the same name on this worker has stopped or been abandoned, as Kafka
// Connect starts a connector only after awaiting the old one.
func (w *Worker) startConnector(_ context.Context, c *storage.Connector) {
	log := w.log.With("component", "connector", "connector", c.Name)
	r := &connectorRunner{
		w: w, name: c.Name, config: maps.Clone(c.Config), target: c.TargetState, log: log,
		publisher: w.newTaskPublisher(c.Name, log),
		more:      make(chan struct{}, 1), released: make(chan struct{}),
	}
	w.connectors[c.Name] = r
	plugin, warning, err := w.registry.Resolve(c.Config)
	if err == nil {
		r.metrics = w.metrics.AddConnector(c.Name, plugin.Class, string(plugin.Type), plugin.Version)
	} else {
		r.metrics = w.metrics.AddConnector(c.Name, c.Config[connector.KeyConnectorClass], "unknown", "")
	}
	if err != nil {
		w.metrics.ConnectorStartup(false)
		close(r.released)
		r.failed.Store(true)
		log.Error("connector failed", "err", err)
		r.put(records.StateFailed, trace(err))
		return
	}
	if warning != "" {
		r.log.Warn(warning)
	}
	r.plugin = plugin
	var prev <-chan struct{}
	if old := w.retiring[c.Name]; old != nil {
		prev = old.released
		delete(w.retiring, c.Name)
	}
	r.submit(connectorOp{target: c.TargetState})
	r.routine = w.runtimes.Go(func(ctx context.Context) { r.run(ctx, prev) })
}

// submit queues op for the runner goroutine; it never blocks.
func (r *connectorRunner) submit(op connectorOp) {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// shutdown asks the runner to stop its instance and return, without waiting. Past
// task.shutdown.graceful.timeout.ms the instance is abandoned: its calls are cancelled, Kafka Connect's error
// is logged, its later status writes are dropped, and a connector that leaves this worker (removed) is marked
// UNASSIGNED as Kafka Connect's WorkerConnector.cancel does, unless it was deleted meanwhile. A worker
// shutdown leaves the status alone.
func (r *connectorRunner) shutdown(removed bool) {
	r.publisher.stop()
	if r.plugin == nil {
		return
	}
	r.mu.Lock()
	r.quit, r.removed = true, removed
	r.timer = time.AfterFunc(r.w.cfg.TaskShutdownGracefulTimeout, r.abandonInstance)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// awaitReleased waits until the runner goroutine has returned or been abandoned (at the latest
// task.shutdown.graceful.timeout.ms after shutdown).
func (r *connectorRunner) awaitReleased() {
	if r.routine == nil {
		return
	}
	select {
	case <-r.released:
	case <-r.routine.Done(): // the supervisor had stopped: the goroutine never ran
	}
}

// abandonInstance gives up on a runner whose shutdown overran (from the shutdown timer's goroutine).
func (r *connectorRunner) abandonInstance() {
	select {
	case <-r.routine.Done():
		return
	default:
	}
	r.log.Error(fmt.Sprintf(abandonedMessage, r.name))
	r.mu.Lock()
	removed := r.removed
	r.mu.Unlock()
	if _, exists := r.w.store.Connector(r.name); removed && exists {
		r.w.statuses.putConnector(r.name, r.w.status(records.StateUnassigned, ""), true)
	}
	r.cancelled.Store(true)
	r.routine.abandon() // the worker's shutdown does not wait for it either
	r.release.Do(func() { close(r.released) })
}

// run is the runner goroutine: it waits for the previous instance of the connector, carries out the queued
// ops in order, and stops the instance at shutdown.
func (r *connectorRunner) run(ctx context.Context, prev <-chan struct{}) {
	defer func() {
		r.mu.Lock()
		if r.timer != nil {
			r.timer.Stop()
		}
		r.mu.Unlock()
		r.release.Do(func() { close(r.released) })
	}()
	if prev != nil {
		select {
		case <-prev:
		case <-ctx.Done():
			return
		}
	}
	for {
		op, ok := r.next(ctx)
		if !ok {
			break
		}
		r.apply(ctx, op)
	}
	if err := r.stopInstance(ctx, 0); err != nil {
		r.log.Warn("connector stop failed", "err", err)
	}
	r.log.Info("connector stopped")
}

// next waits for the next op; false once shutdown was asked for (queued ops are dropped, as Kafka Connect's
// doShutdown drops a pending state change) or ctx ended.
func (r *connectorRunner) next(ctx context.Context) (connectorOp, bool) {
	for {
		r.mu.Lock()
		quit := r.quit
		var op connectorOp
		ok := len(r.ops) > 0
		if ok {
			op = r.ops[0]
			r.ops = r.ops[1:]
		}
		r.mu.Unlock()
		switch {
		case quit:
			return connectorOp{}, false
		case ok:
			return op, true
		}
		select {
		case <-r.more:
		case <-ctx.Done():
			return connectorOp{}, false
		}
	}
}

// apply carries out one op on the runner goroutine (Kafka Connect's WorkerConnector.doTransitionTo, and
// Worker.connectorTaskConfigs).
func (r *connectorRunner) apply(ctx context.Context, op connectorOp) {
	if op.taskConfigs {
		if r.conn == nil {
			return // stopped or failed since the herder asked; whatever stopped it decides what comes next
		}
		configs, err := r.taskConfigs(ctx)
		var tooMany *tooManyTasksError
		if errors.As(err, &tooMany) {
			r.fail(ctx, err)
			return
		}
		r.w.connectorEvent(connectorEvent{r: r, taskConfigs: configs, err: err})
		return
	}
	switch op.target {
	case records.TargetStopped:
		err := r.stopInstance(ctx, r.w.cfg.TaskShutdownGracefulTimeout)
		r.failed.Store(false)
		if err != nil {
			r.put(records.StateFailed, trace(err))
			return
		}
		r.put(records.StateStopped, "")
	case records.TargetPaused:
		if r.failed.Load() {
			return // Kafka Connect does not pause a failed connector
		}
		if err := r.stopInstance(ctx, r.w.cfg.TaskShutdownGracefulTimeout); err != nil {
			r.put(records.StateFailed, trace(err))
			return
		}
		r.put(records.StatePaused, "")
	default:
		if r.conn == nil && r.start(ctx) {
			r.w.connectorEvent(connectorEvent{r: r, started: true})
		}
	}
}

// start creates and starts the Connector instance; it reports whether it is running. A Start that overruns
// connectorCallTimeout fails the connector at the deadline; if it succeeds later, the instance is stopped again.
func (r *connectorRunner) start(ctx context.Context) bool {
	// Placeholders are resolved for the instance only: the runner keeps the config as stored.
	resolved, err := r.w.resolveConfig(r.config)
	if err != nil {
		r.fail(ctx, fmt.Errorf("start connector %s: %w", r.name, err))
		return false
	}
	inst := r.plugin.NewConnector()
	overran := fmt.Errorf("connector %s did not start within %s: %w", r.name, connectorCallTimeout, context.DeadlineExceeded)
	err = call(ctx, connectorCallTimeout, func(ctx context.Context) error {
		return inst.Start(ctx, connectorContext{r: r, log: r.log}, resolved)
	}, func() { r.fail(ctx, overran) })
	var late *overranError
	if errors.As(err, &late) {
		r.log.Warn("connector start returned after its deadline; the instance is not used", "err", late.err)
		if late.err == nil {
			r.conn = inst
			if err := r.stopInstance(ctx, r.w.cfg.TaskShutdownGracefulTimeout); err != nil {
				r.log.Warn("connector stop failed", "err", err)
			}
		}
		return false
	}
	if err != nil {
		r.countStartup(false)
		r.fail(ctx, fmt.Errorf("start connector %s: %w", r.name, err))
		return false
	}
	r.countStartup(true)
	r.conn = inst
	r.failed.Store(false)
	r.log.Info("connector started")
	r.put(records.StateRunning, "")
	return true
}

// countStartup records the runner's first start in the worker's metrics (connect-worker-metrics' connector
// startups); later starts (resumes) are not new startups, as in Kafka Connect.
func (r *connectorRunner) countStartup(ok bool) {
	if !r.startCounted {
		r.startCounted = true
		r.w.metrics.ConnectorStartup(ok)
	}
}

// stopInstance stops the Connector instance, if any, within timeout (0: until ctx ends). A failure to stop is
// returned; Kafka Connect marks the connector FAILED only when stop fails on a state transition, which the
// caller decides.
func (r *connectorRunner) stopInstance(ctx context.Context, timeout time.Duration) error {
	if r.conn == nil {
		return nil
	}
	inst := r.conn
	r.conn = nil
	err := call(ctx, timeout, inst.Stop, nil)
	var o *overranError
	if errors.As(err, &o) {
		err = fmt.Errorf("connector %s did not stop within %s: %w", r.name, timeout, context.DeadlineExceeded)
	}
	return err
}

// fail marks the connector FAILED with err's trace and stops its instance (on the runner goroutine, or from a
// call's deadline while the call is still running: the instance is then not set yet).
func (r *connectorRunner) fail(ctx context.Context, err error) {
	if r.conn != nil {
		if serr := r.stopInstance(ctx, r.w.cfg.TaskShutdownGracefulTimeout); serr != nil {
			r.log.Warn("connector stop failed", "err", serr)
		}
	}
	r.failed.Store(true)
	r.log.Error("connector failed", "err", err)
	r.put(records.StateFailed, trace(err))
}

// overranError is the outcome of a call that returned after its deadline had passed and been acted upon: err
// is what it finally returned.
type overranError struct{ err error }

func (e *overranError) Error() string {
	return fmt.Sprintf("call overran its deadline (returned: %v)", e.err)
}

// call runs fn under a deadline of timeout (none when 0) and a panic guard. When the deadline passes while fn
// still runs, onOverrun (if any) is called at once from another goroutine, and the eventual outcome comes back
// as an *overranError, so the caller knows the deadline was acted upon already.
func call(ctx context.Context, timeout time.Duration, fn func(context.Context) error, onOverrun func()) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var fired bool
	cbDone := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(cbDone)
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return // abandoned by the worker, not overrun
		}
		fired = true
		if onOverrun != nil {
			onOverrun()
		}
	})
	err := safely(func() error { return fn(ctx) })
	if stop() {
		return err
	}
	// The callback has started: wait for it, so that its effects come before the caller's.
	<-cbDone
	if fired {
		return &overranError{err: err}
	}
	return err
}

// stopConnector stops an instance that is removed from this worker (deleted, reconfigured, restarted or
// revoked) without waiting for it; a new instance of the same name waits for it (startConnector).
func (w *Worker) stopConnector(r *connectorRunner) {
	for name, old := range w.retiring {
		select {
		case <-old.released:
			delete(w.retiring, name)
		default:
		}
	}
	r.shutdown(true)
	w.metrics.RemoveConnector(r.metrics)
	w.retiring[r.name] = r
	r.log.Info("stopping connector")
}

// transitionConnector moves a connector to a new target state (Kafka Connect's WorkerConnector.transitionTo:
// pausing stops the instance, resuming starts a new one). The runner goroutine carries it out.
func (w *Worker) transitionConnector(r *connectorRunner, target records.TargetState) {
	r.target = target
	if r.plugin == nil {
		return // the class does not resolve; the connector stays FAILED until its config changes
	}
	if target != records.TargetStarted {
		r.publisher.stop()
	}
	r.submit(connectorOp{target: target})
}

// connectorEvent hands an outcome of a runner goroutine to the herder loop.
func (w *Worker) connectorEvent(ev connectorEvent) {
	w.eventsMu.Lock()
	w.connEvents = append(w.connEvents, ev)
	w.eventsMu.Unlock()
	w.poke()
}

// handleConnectorEvent acts on a runner's outcome on the herder loop; outcomes of a runner that has been
// replaced or removed since are dropped.
func (w *Worker) handleConnectorEvent(ctx context.Context, ev connectorEvent) {
	if w.connectors[ev.r.name] != ev.r {
		return
	}
	if ev.started {
		w.reconfigureTasks(ctx, ev.r.name)
		return
	}
	w.publishTaskConfigs(ctx, ev.r, ev.taskConfigs, ev.err)
}

// tooManyTasksError is Kafka Connect's TooManyTasksException.
type tooManyTasksError struct {
	name      string
	generated int
	max       int
}

func (e *tooManyTasksError) Error() string {
	return fmt.Sprintf("The connector %s has generated %d tasks, which is greater than %d, the maximum number of tasks it is "+
		"configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can be "+
		"permitted by reconfiguring the connector with 'tasks.max.enforce' set to false; however, this option will be "+
		"removed in a future release of Kafka Connect.", e.name, e.generated, e.max)
}

// tasksMaxSpec holds the framework definitions of tasks.max and tasks.max.enforce, so the worker reads them
// with the parser, defaults and validators that connector validation used: a value that validated (" 3",
// "3\x00": Java's trim strips every char <= U+0020) cannot fail here. Only these two keys are parsed, so
// a problem in another framework key does not stop task generation.
var tasksMaxSpec = func() *connector.Spec {
	fw := connector.FrameworkSpec(connector.Unknown) // the common keys, which every type shares
	return &connector.Spec{Fields: []*connector.Field{
		fw.Field(connector.KeyTasksMax), fw.Field(connector.KeyTasksMaxEnforce),
	}}
}()

// taskConfigs asks the instance (on the runner goroutine) for task configs and completes them as Kafka Connect's
// Worker.connectorTaskConfigs does: task.class added, and the topics of a sink copied in.
func (r *connectorRunner) taskConfigs(ctx context.Context) ([]map[string]string, error) {
	limits, err := tasksMaxSpec.Parse(r.config)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", r.name, err)
	}
	maxTasks := limits.Int(connector.KeyTasksMax)
	var configs []map[string]string
	err = call(ctx, connectorCallTimeout, func(ctx context.Context) error {
		var err error
		configs, err = r.conn.TaskConfigs(ctx, maxTasks)
		return err
	}, nil)
	var late *overranError
	if errors.As(err, &late) {
		return nil, fmt.Errorf("connector %s did not generate task configs within %s: %w", r.name, connectorCallTimeout,
			context.DeadlineExceeded)
	}
	if err != nil {
		return nil, err
	}
	if len(configs) > maxTasks {
		if limits.Bool(connector.KeyTasksMaxEnforce) {
			return nil, &tooManyTasksError{name: r.name, generated: len(configs), max: maxTasks}
		}
		r.log.Warn("connector generated more tasks than tasks.max", "tasks", len(configs), "tasks_max", maxTasks)
	}
	out := make([]map[string]string, len(configs))
	for i, c := range configs {
		tc := maps.Clone(c)
		if tc == nil {
			tc = map[string]string{}
		}
		unresolve(tc, r.config)
		tc["task.class"] = r.plugin.TaskClass
		if r.plugin.Type == connector.Sink {
			for _, k := range []string{"topics", "topics.regex"} {
				if v, ok := r.config[k]; ok {
					tc[k] = v
				}
			}
		}
		out[i] = tc
	}
	return out, nil
}

// safely calls plugin code, turning a panic into an error that carries the stack, so a broken plugin fails
// its connector or task and never the worker.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{value: p, stack: debug.Stack()}
		}
	}()
	return fn()
}

type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// trace renders an error as the trace of a FAILED status: the message, then the panic stack if there was one
// (Kafka Connect writes a Java stack trace here).
func trace(err error) string {
	if err == nil {
		return ""
	}
	var p *panicError
	if errors.As(err, &p) {
		return err.Error() + "\n" + string(p.stack)
	}
	if errorhandling.IsHandlerError(err) {
		// A record the error handler did not tolerate: the chain of causes, as Kafka's trace shows them.
		return errorhandling.Stacktrace(err)
	}
	return err.Error()
}
