package worker

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/kafkalog"
)

// request is a unit of work for the herder loop, sent by a REST handler that waits for done.
type request struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done chan error
}

// errShuttingDown answers requests that arrive while the herder stops, with Kafka Connect's text. Kafka Connect
// answers it with a 500; it is a conflict here because the request was not applied and succeeds on another
// worker once the group has rebalanced, which is what a client retrying 409s does.
var errShuttingDown = &herder.RequestError{Kind: herder.ErrConflict, Message: "Worker is shutting down"}

// do runs fn on the herder loop and waits for it. Requests wait for the worker to be ready first, as Kafka
// Connect queues requests that arrive while it reads its topics.
func (w *Worker) do(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := w.awaitReady(ctx); err != nil {
		return err
	}
	req := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case w.requests <- req:
	case <-w.stopping:
		return errShuttingDown
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-w.stopping:
		// The loop answers a request it took before it stops; the answer is there already.
		select {
		case err := <-req.done:
			return err
		default:
			return errShuttingDown
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// awaitReady waits until the worker has read its internal topics. Reads wait too: before that the Store holds
// part of the cluster's state, and a 404 for a connector that exists would be a lie (Kafka Connect queues them
// behind its startup the same way).
func (w *Worker) awaitReady(ctx context.Context) error {
	select {
	case <-w.ready:
		// Reads keep being answered from the Store while the worker stops.
		return nil
	default:
	}
	select {
	case <-w.ready:
		return nil
	case <-w.stopping:
		return errShuttingDown
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stopTakingRequests makes every waiting and future request fail with errShuttingDown.
func (w *Worker) stopTakingRequests() {
	w.stoppingOnce.Do(func() { close(w.stopping) })
}

// herderLoop is the single goroutine that changes what this worker runs.
func (w *Worker) herderLoop(ctx context.Context) error {
	w.rejoinNeeded.Store(true)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() == nil && w.rejoinNeeded.Load() {
			w.rejoin(ctx)
			// A round can ask for a follow-up round (after revocations); requests queued meanwhile go first.
			w.serveQueued()
			continue
		}
		if at := w.group.rejoinAt; !at.IsZero() {
			if d := time.Until(at); d <= 0 {
				w.group.rejoinAt = time.Time{}
				w.rejoinNeeded.Store(true)
				continue
			}
		}
		wait := time.Hour
		if at := w.group.rejoinAt; !at.IsZero() {
			wait = time.Until(at)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			// Requests are answered at once from here on, not after the runners have stopped.
			w.stopTakingRequests()
			w.stopAll()
			w.failPending()
			w.leaveGroup()
			return nil
		case <-timer.C:
		case req := <-w.requests:
			w.serve(req)
		case <-w.wake:
			w.handleEvents(ctx)
		}
	}
}

// serve answers one request, unless its caller has given up already.
func (w *Worker) serve(req *request) {
	if err := req.ctx.Err(); err != nil {
		req.done <- err
		return
	}
	req.done <- w.safeRequest(req)
}

// safeRequest runs a request, turning a panic into a 500 so that one bad request cannot stop the herder.
func (w *Worker) safeRequest(req *request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.log.Error("request panicked", "panic", p)
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return req.fn(req.ctx)
}

// serveQueued answers requests already waiting, without blocking. It stops when the coordinator waits for
// this member's JoinGroup: under a steady stream of requests (a burst of creates from parallel clients) the
// queue never drains, and a leader still serving would hold the round up until the stream ends, with the other
// members waiting in JoinGroup all that time.
func (w *Worker) serveQueued() {
	for !w.joinAwaited.Load() {
		select {
		case req := <-w.requests:
			w.serve(req)
		default:
			return
		}
	}
}

// leaveGroup leaves the group at a clean shutdown so the work moves at once; a halted worker skips it.
func (w *Worker) leaveGroup() {
	if w.skipLeave.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.group.member.Leave(ctx); err != nil {
		w.log.Warn("leave group failed", "err", err)
	}
}

// failPending answers requests still queued at shutdown.
func (w *Worker) failPending() {
	for {
		select {
		case req := <-w.requests:
			req.done <- errShuttingDown
		default:
			return
		}
	}
}

// handleEvents reacts to config-topic records read since the last call, to outcomes of connector runners and
// to connectors asking for new task configs.
func (w *Worker) handleEvents(ctx context.Context) {
	events, reconfig, connEvents := w.takeEvents()
	var restarts []records.RestartRequest
	for _, ev := range events {
		switch ev.Kind {
		case storage.RestartRequested:
			restarts = append(restarts, ev.Restart)
		case storage.TargetStateChanged:
			// As Kafka Connect's processTargetStateChanges: a connector whose target state changed and is
			// STARTED now generates its task configs again, also when its runner never saw the state between
			// (a stop and a resume read together), which reconcile below does not start again: the stop's
			// empty task set stopped its tasks. A runner that did see it starts again, and asks once started.
			c, ok := w.store.Connector(ev.Connector)
			r := w.connectors[ev.Connector]
			if ok && c.TargetState == records.TargetStarted && r != nil && r.target == records.TargetStarted &&
				maps.Equal(r.config, c.Config) {
				reconfig[ev.Connector] = true
			}
		}
	}
	if w.snapshotChanged() {
		// A connector was added or removed, or task configs were committed: the leader must reassign.
		w.requestRejoin()
	}
	w.reconcile(ctx)
	for _, ev := range connEvents {
		w.handleConnectorEvent(ctx, ev)
	}
	for name := range reconfig {
		w.reconfigureTasks(ctx, name)
	}
	for _, r := range dedupeRestarts(restarts) {
		w.doRestart(ctx, r)
	}
}

// dedupeRestarts keeps, per connector, the pending restart request with the highest impact, as Kafka
// Connect's RestartRequest ordering does.
func dedupeRestarts(reqs []records.RestartRequest) []records.RestartRequest {
	rank := func(r records.RestartRequest) int {
		switch {
		case r.OnlyFailed && !r.IncludeTasks:
			return 0
		case r.OnlyFailed && r.IncludeTasks:
			return 1
		case !r.OnlyFailed && !r.IncludeTasks:
			return 2
		default:
			return 3
		}
	}
	best := make(map[string]int)
	var out []records.RestartRequest
	for _, r := range reqs {
		if i, ok := best[r.Connector]; ok {
			if rank(r) > rank(out[i]) {
				out[i] = r
			}
			continue
		}
		best[r.Connector] = len(out)
		out = append(out, r)
	}
	return out
}

// reconcile brings the running connectors and tasks in line with the config topic and this worker's
// assignment.
func (w *Worker) reconcile(ctx context.Context) {
	// Connectors that were deleted or moved away.
	for name, r := range w.connectors {
		_, ok := w.store.Connector(name)
		if ok && w.assigned(name) {
			continue
		}
		w.stopConnector(r)
		delete(w.connectors, name)
		if !ok {
			w.statuses.tombstone(records.StatusConnectorKey(name))
			for _, ts := range w.store.TopicStatuses(name) {
				w.statuses.tombstone(records.StatusTopicKey(ts.Topic, name))
			}
		} else {
			w.statuses.putConnector(name, w.status(records.StateUnassigned, ""), true)
		}
	}
	for _, c := range w.store.Connectors() {
		if !w.assigned(c.Name) {
			continue
		}
		r := w.connectors[c.Name]
		switch {
		case r == nil:
			w.startConnector(ctx, c)
		case !maps.Equal(r.config, c.Config):
			w.log.Info("connector config changed, restarting", "connector", c.Name)
			w.stopConnector(r)
			delete(w.connectors, c.Name)
			w.startConnector(ctx, c)
		case r.target != c.TargetState:
			w.transitionConnector(r, c.TargetState)
		}
	}
	w.reconcileTasks(ctx)
	if w.spoolAudit != nil {
		w.spoolAudit.kick(w.runningTasks())
	}
}

// runningTasks returns the ids of the tasks this worker runs.
func (w *Worker) runningTasks() map[connector.TaskID]bool {
	ids := make(map[connector.TaskID]bool, len(w.tasks))
	for id := range w.tasks {
		ids[id] = true
	}
	return ids
}

// reconcileTasks starts, stops and retargets tasks to match the committed task configs.
func (w *Worker) reconcileTasks(ctx context.Context) {
	type want struct {
		config map[string]string
		conn   *storage.Connector
	}
	desired := make(map[connector.TaskID]want)
	for _, c := range w.store.Connectors() {
		if c.TargetState == records.TargetStopped {
			continue
		}
		for _, tc := range w.store.TaskConfigs(c.Name) {
			if w.assignedTask(tc.ID) {
				desired[tc.ID] = want{config: tc.Config, conn: c}
			}
		}
	}
	var stopping []*taskRunner
	for id, t := range w.tasks {
		d, ok := desired[id]
		if ok && maps.Equal(d.config, t.rawConfig) {
			continue
		}
		delete(w.tasks, id)
		stopping = append(stopping, t)
	}
	w.stopTasks(stopping, stopUnassign)
	for _, t := range stopping {
		c, ok := w.store.Connector(t.id.Connector)
		if !ok || t.id.Task >= c.TaskCount {
			// The task no longer exists: its status goes with it (a leader duty in Kafka Connect).
			w.statuses.tombstone(records.StatusTaskKey(t.id.Connector, t.id.Task))
		}
	}
	for id, d := range desired {
		t, ok := w.tasks[id]
		if !ok {
			w.startTask(id, d.config, d.conn)
			continue
		}
		t.setTarget(d.conn.TargetState)
	}
}

// stopAll stops everything at worker shutdown, leaving statuses for the next owner.
func (w *Worker) stopAll() {
	all := make([]*taskRunner, 0, len(w.tasks))
	for id, t := range w.tasks {
		all = append(all, t)
		delete(w.tasks, id)
	}
	w.stopTasks(all, stopShutdown)
	// In parallel, as the tasks, each within task.shutdown.graceful.timeout.ms.
	stopping := make([]*connectorRunner, 0, len(w.connectors))
	for name, r := range w.connectors {
		r.shutdown(false)
		w.metrics.RemoveConnector(r.metrics)
		stopping = append(stopping, r)
		delete(w.connectors, name)
	}
	for _, r := range stopping {
		r.awaitReleased()
	}
}

// stopTasks stops tasks in parallel within task.shutdown.graceful.timeout.ms in total, as Kafka Connect does.
func (w *Worker) stopTasks(ts []*taskRunner, reason stopReason) {
	if len(ts) == 0 {
		return
	}
	deadline := time.Now().Add(w.cfg.TaskShutdownGracefulTimeout)
	for _, t := range ts {
		t.requestStop(reason)
	}
	for _, t := range ts {
		if !t.awaitStop(deadline) {
			w.log.Warn("task did not stop in time, abandoning it", "connector", t.id.Connector, "task", t.id.Task)
		}
		// Its metrics go with it, unless a new instance has registered its own already.
		w.errorMetrics.CompareAndDelete(t.id, t.errMetrics)
		if t.metrics != nil {
			t.metrics.SetPlugin(nil)
			w.metrics.RemoveTask(t.metrics)
		}
	}
}

// status builds a status record of this worker in its current generation.
func (w *Worker) status(state records.State, trace string) records.Status {
	return records.Status{State: state, Trace: trace, WorkerID: w.id, Generation: w.gen.Load()}
}

// writeConfig writes config-topic records in order and reads the topic back, so that the herder's view
// includes them before the request is answered.
func (w *Worker) writeConfig(ctx context.Context, recs ...kafkalog.Record) error {
	if err := w.configLog.SendAll(ctx, recs); err != nil {
		return fmt.Errorf("write to config topic: %w", err)
	}
	if err := w.configLog.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("read back config topic: %w", err)
	}
	return nil
}

// reconfigureTasks asks a started connector for its task configs (Kafka Connect's reconfigureConnector); its
// runner generates them and publishTaskConfigs publishes them. Failures are retried through the runner's
// publisher, which calls this again after a back-off, so every attempt starts from the running instance and the
// current connector config.
func (w *Worker) reconfigureTasks(_ context.Context, name string) {
	r := w.connectors[name]
	if r == nil || r.plugin == nil || r.target != records.TargetStarted || !w.configCurrent(r) {
		return
	}
	r.submit(connectorOp{taskConfigs: true})
}

// configCurrent says whether the config topic still wants r's instance running with r's config. When it has
// moved on (deleted, reconfigured, paused), the config event already queued stops or restarts the instance,
// and task configs generated by it would be stale.
func (w *Worker) configCurrent(r *connectorRunner) bool {
	c, ok := w.store.Connector(r.name)
	return ok && c.TargetState == records.TargetStarted && maps.Equal(c.Config, r.config)
}

// publishTaskConfigs publishes task configs a runner generated, if they changed.
func (w *Worker) publishTaskConfigs(ctx context.Context, r *connectorRunner, configs []map[string]string, err error) {
	name := r.name
	if r.target != records.TargetStarted || !w.configCurrent(r) {
		return
	}
	if err != nil {
		r.publisher.retry(ctx, fmt.Errorf("generate task configs: %w", err))
		return
	}
	if !taskConfigsChanged(w.store.TaskConfigs(name), configs) {
		r.publisher.committed()
		return
	}
	if _, leader, _ := w.group.leaderInfo(); !leader {
		r.publisher.publish(ctx, configs, ConfigHash(r.config))
		return
	}
	if err := w.writeTaskConfigs(ctx, name, configs); err != nil {
		r.publisher.retry(ctx, fmt.Errorf("write task configs: %w", err))
		return
	}
	r.publisher.committed()
}

func taskConfigsChanged(stored []storage.TaskConfig, configs []map[string]string) bool {
	if len(stored) != len(configs) {
		return true
	}
	for i, tc := range stored {
		if !maps.Equal(tc.Config, configs[i]) {
			return true
		}
	}
	return false
}

// writeTaskConfigs is Kafka Connect's putTaskConfigs: task-<n>-<i> records, then the commit record.
func (w *Worker) writeTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	c, ok := w.store.Connector(name)
	if !ok {
		return requestError(herder.ErrNotFound, "Connector "+name+" not found")
	}
	if c.TargetState == records.TargetStopped && len(configs) > 0 {
		return requestError(herder.ErrBadRequest, "Cannot submit non-empty set of task configs for stopped connector "+name)
	}
	recs := make([]kafkalog.Record, 0, len(configs)+1)
	for i, cfg := range configs {
		v, err := records.EncodeTaskConfig(cfg)
		if err != nil {
			return err
		}
		recs = append(recs, kafkalog.Record{Key: []byte(records.TaskKey(name, i)), Value: v})
	}
	commit, err := records.EncodeCommit(len(configs))
	if err != nil {
		return err
	}
	recs = append(recs, kafkalog.Record{Key: []byte(records.CommitKey(name)), Value: commit})
	w.log.Info("writing task configs", "connector", name, "tasks", len(configs))
	return w.writeConfig(ctx, recs...)
}

// doRestart carries out a restart request read from the config topic on the instances this worker owns.
func (w *Worker) doRestart(ctx context.Context, req records.RestartRequest) {
	c, ok := w.store.Connector(req.Connector)
	if !ok {
		return
	}
	if r := w.connectors[req.Connector]; r != nil {
		st, _ := w.store.ConnectorStatus(req.Connector)
		if !req.OnlyFailed || st.State == records.StateFailed || r.failed.Load() {
			w.statuses.putConnector(req.Connector, w.status(records.StateRestarting, ""), false)
			w.stopConnector(r)
			delete(w.connectors, req.Connector)
			w.startConnector(ctx, c)
		}
	}
	if !req.IncludeTasks {
		return
	}
	var restart []*taskRunner
	for id, t := range w.tasks {
		if id.Connector != req.Connector {
			continue
		}
		st, _ := w.store.TaskStatus(id)
		if req.OnlyFailed && st.State != records.StateFailed && !t.failed.Load() {
			continue
		}
		restart = append(restart, t)
		delete(w.tasks, id)
	}
	w.stopTasks(restart, stopRestart)
	for _, t := range restart {
		w.statuses.putTask(t.id, w.status(records.StateRestarting, ""), false)
		w.startTask(t.id, t.rawConfig, c)
	}
}

// connectorType reports a connector config's plugin type, Unknown when its class does not resolve.
func (w *Worker) connectorType(config map[string]string) connector.Type {
	p, _, err := w.registry.Resolve(config)
	if err != nil {
		return connector.Unknown
	}
	return p.Type
}
