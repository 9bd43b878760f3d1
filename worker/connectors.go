package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
)

// connectorRunner is one connector instance on this worker (Kafka Connect's WorkerConnector). It is owned by
// the herder loop; only the Connector's own goroutines call into its Context.
type connectorRunner struct {
	w      *Worker
	name   string
	config map[string]string
	target records.TargetState
	plugin *connector.Plugin
	log    *slog.Logger
	// conn is the started instance; nil while paused, stopped or failed.
	conn   connector.Connector
	failed bool
	// publisher gets the instance's task configs committed; it stops with the instance.
	publisher *taskPublisher
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
	c.r.w.statuses.putConnector(c.r.name, c.r.w.status(records.StateFailed, trace(err)), true)
}

// startConnector creates the runner for a connector and brings it to its target state.
func (w *Worker) startConnector(ctx context.Context, c *storage.Connector) {
	log := w.log.With("component", "connector", "connector", c.Name)
	r := &connectorRunner{
		w: w, name: c.Name, config: maps.Clone(c.Config), target: c.TargetState, log: log,
		publisher: w.newTaskPublisher(c.Name, log),
	}
	w.connectors[c.Name] = r
	plugin, warning, err := w.registry.Resolve(c.Config)
	if err != nil {
		r.fail(err)
		return
	}
	if warning != "" {
		r.log.Warn(warning)
	}
	r.plugin = plugin
	switch c.TargetState {
	case records.TargetStopped:
		w.statuses.putConnector(c.Name, w.status(records.StateStopped, ""), false)
	case records.TargetPaused:
		w.statuses.putConnector(c.Name, w.status(records.StatePaused, ""), false)
	default:
		if r.start() {
			w.reconfigureTasks(ctx, c.Name)
		}
	}
}

// start creates and starts the Connector instance; it reports whether it is running.
func (r *connectorRunner) start() bool {
	inst := r.plugin.NewConnector()
	if err := safely(func() error { return inst.Start(connectorContext{r: r, log: r.log}, maps.Clone(r.config)) }); err != nil {
		r.fail(fmt.Errorf("start connector %s: %w", r.name, err))
		return false
	}
	r.conn = inst
	r.failed = false
	r.log.Info("connector started")
	r.w.statuses.putConnector(r.name, r.w.status(records.StateRunning, ""), false)
	return true
}

// stopInstance stops the Connector instance, if any, and the publishing of its task configs. A failure to
// stop is logged; Kafka Connect marks the connector FAILED only when stop fails on a state transition, which
// the caller decides.
func (r *connectorRunner) stopInstance() error {
	r.publisher.stop()
	if r.conn == nil {
		return nil
	}
	err := safely(r.conn.Stop)
	r.conn = nil
	if err != nil {
		r.log.Warn("connector stop failed", "err", err)
	}
	return err
}

// fail marks the connector FAILED with err's trace and stops its instance.
func (r *connectorRunner) fail(err error) {
	_ = r.stopInstance()
	r.failed = true
	r.log.Error("connector failed", "err", err)
	r.w.statuses.putConnector(r.name, r.w.status(records.StateFailed, trace(err)), true)
}

// shutdown stops the instance at worker shutdown, leaving the status for the next owner.
func (r *connectorRunner) shutdown() { _ = r.stopInstance() }

// stopConnector stops an instance that is removed from this worker (deleted, reconfigured or revoked).
func (w *Worker) stopConnector(r *connectorRunner) {
	_ = r.stopInstance()
	r.log.Info("connector stopped")
}

// transitionConnector moves a connector to a new target state (Kafka Connect's WorkerConnector.transitionTo:
// pausing stops the instance, resuming starts a new one).
func (w *Worker) transitionConnector(ctx context.Context, r *connectorRunner, target records.TargetState) {
	r.target = target
	if r.plugin == nil {
		return // the class does not resolve; the connector stays FAILED until its config changes
	}
	switch target {
	case records.TargetStopped:
		err := r.stopInstance()
		r.failed = false
		if err != nil {
			w.statuses.putConnector(r.name, w.status(records.StateFailed, trace(err)), true)
			return
		}
		w.statuses.putConnector(r.name, w.status(records.StateStopped, ""), false)
	case records.TargetPaused:
		if r.failed {
			return // Kafka Connect does not pause a failed connector
		}
		if err := r.stopInstance(); err != nil {
			w.statuses.putConnector(r.name, w.status(records.StateFailed, trace(err)), true)
			return
		}
		w.statuses.putConnector(r.name, w.status(records.StatePaused, ""), false)
	default:
		if r.conn == nil && r.start() {
			w.reconfigureTasks(ctx, r.name)
		}
	}
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

// taskConfigs asks the instance for task configs and completes them as Kafka Connect's
// Worker.connectorTaskConfigs does: task.class added, and the topics of a sink copied in.
func (r *connectorRunner) taskConfigs() ([]map[string]string, error) {
	limits, err := tasksMaxSpec.Parse(r.config)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", r.name, err)
	}
	maxTasks := limits.Int(connector.KeyTasksMax)
	var configs []map[string]string
	err = safely(func() error {
		var err error
		configs, err = r.conn.TaskConfigs(maxTasks)
		return err
	})
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
	return err.Error()
}
