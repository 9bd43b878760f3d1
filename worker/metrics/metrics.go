package metrics

import (
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/errorhandling"
)

// Worker holds a worker's metrics: its own counters (connect-worker-metrics, connect-worker-rebalance-metrics)
// and those of the connectors and tasks it runs right now. The worker records into it as things happen;
// a Collector reads it at scrape time. Every method is safe for concurrent use; the startup counters of a nil
// *Worker record nothing.
type Worker struct {
	now func() time.Time

	connectorStartups, taskStartups *startups

	// Rebalance is the worker's group membership (connect-worker-rebalance-metrics).
	Rebalance *Rebalance

	connectors sync.Map // name → *Connector
	tasks      sync.Map // connector.TaskID → *Task

	orphans atomic.Pointer[map[connector.TaskID]OrphanedSpool]
}

// OrphanedSpool is a task spool under spool.dir that holds messages not in Kafka while no task on this
// worker ships them (the worker's spool audit finds them).
type OrphanedSpool struct {
	Entries, Bytes int64
	Damaged        bool
}

// SetOrphanedSpools replaces the orphaned spools, by the task whose spool each is.
func (w *Worker) SetOrphanedSpools(spools map[connector.TaskID]OrphanedSpool) {
	w.orphans.Store(&spools)
}

// OrphanedSpools returns what SetOrphanedSpools set last (nil before).
func (w *Worker) OrphanedSpools() map[connector.TaskID]OrphanedSpool {
	if p := w.orphans.Load(); p != nil {
		return *p
	}
	return nil
}

// NewWorker returns empty metrics; protocol is the Connect protocol name (EAGER, COMPATIBLE, SESSIONED).
func NewWorker(protocol string) *Worker {
	return newWorker(protocol, time.Now)
}

func newWorker(protocol string, now func() time.Time) *Worker {
	t := now()
	w := &Worker{now: now, connectorStartups: newStartups(t), taskStartups: newStartups(t)}
	w.Rebalance = &Rebalance{now: now, protocol: protocol, times: newSampled(t)}
	w.Rebalance.epoch.Store(-1)
	return w
}

// ConnectorStartup records the outcome of an attempt to start a connector on this worker.
func (w *Worker) ConnectorStartup(ok bool) {
	if w == nil {
		return
	}
	w.connectorStartups.record(ok, w.now())
}

// TaskStartup records the outcome of an attempt to start a task on this worker.
func (w *Worker) TaskStartup(ok bool) {
	if w == nil {
		return
	}
	w.taskStartups.record(ok, w.now())
}

// startups counts the attempts to start connectors (or tasks) on the worker: totals and recent shares.
type startups struct {
	attempts, successes, failures atomic.Int64
	recent                        frequencies
}

func newStartups(now time.Time) *startups { return &startups{recent: newFrequencies(now)} }

func (s *startups) record(ok bool, now time.Time) {
	s.attempts.Add(1)
	if ok {
		s.successes.Add(1)
	} else {
		s.failures.Add(1)
	}
	s.recent.record(ok, now)
}

// AddConnector starts the metrics of a connector instance this worker runs (connector-metrics), replacing
// those of an earlier instance.
func (w *Worker) AddConnector(name, class, typ, version string) *Connector {
	c := &Connector{Name: name, Class: class, Type: typ, Version: version}
	c.status.Store("unassigned")
	w.connectors.Store(name, c)
	return c
}

// RemoveConnector drops c's metrics, unless a newer instance replaced them.
func (w *Worker) RemoveConnector(c *Connector) {
	if c != nil {
		w.connectors.CompareAndDelete(c.Name, c)
	}
}

// AddTask starts the metrics of a task instance this worker runs; errs are its error handling counters. As in
// Kafka Connect, a task's totals start from zero with every instance.
func (w *Worker) AddTask(id connector.TaskID, typ connector.Type, errs *errorhandling.Metrics) *Task {
	now := w.now()
	t := &Task{
		ID: id, Type: typ, Errors: errs, now: w.now,
		batchSize: newSampled(now), commitTime: newSampled(now), commits: newFrequencies(now),
		pollRate: newSampled(now), writeRate: newSampled(now), pollTime: newSampled(now), activeStat: newSampled(now),
		readRate: newSampled(now), sendRate: newSampled(now), putTime: newSampled(now),
		completionRate: newSampled(now), skipRate: newSampled(now),
	}
	t.states.set("unassigned", now)
	w.tasks.Store(id, t)
	return t
}

// RemoveTask drops t's metrics, unless a newer instance replaced them.
func (w *Worker) RemoveTask(t *Task) { w.tasks.CompareAndDelete(t.ID, t) }

// Connector is a connector instance's metrics.
type Connector struct {
	Name, Class, Type, Version string
	status                     atomic.Value // string
}

// SetStatus records the connector's state as written to the status topic (RUNNING, PAUSED, …).
func (c *Connector) SetStatus(state string) {
	if c != nil {
		c.status.Store(strings.ToLower(state))
	}
}

// Status is the lower-cased state, as Kafka's connector-metrics status.
func (c *Connector) Status() string { return c.status.Load().(string) }

// Task is a task instance's metrics: connector-task-metrics, and source-task-metrics or sink-task-metrics by
// its type. Its methods are called on the task's hot path: atomics and short critical sections only. A nil
// *Task records nothing.
type Task struct {
	ID     connector.TaskID
	Type   connector.Type
	Errors *errorhandling.Metrics
	now    func() time.Time

	states     stateTracker
	batchSize  *sampled
	commitTime *sampled
	commits    frequencies

	// source
	pollTotal, writeTotal, active atomic.Int64
	pollRate, writeRate, pollTime *sampled
	activeStat                    *sampled // also the sink's active count

	// sink
	readTotal, sendTotal, partitions, commitSeq, completions, skips, sinkActive atomic.Int64
	readRate, sendRate, putTime, completionRate, skipRate                       *sampled

	plugin atomic.Pointer[reporter]
}

type reporter struct{ connector.MetricsReporter }

// SetStatus records the task's state as written to the status topic; running-ratio and pause-ratio follow it.
func (t *Task) SetStatus(state string) {
	if t != nil {
		t.states.set(strings.ToLower(state), t.now())
	}
}

// Status is the lower-cased task state.
func (t *Task) Status() string { return t.states.current() }

// SetPlugin makes the task's own metrics part of every scrape when the plugin task reports any (a
// connector.MetricsReporter); nil stops that.
func (t *Task) SetPlugin(task any) {
	if t == nil {
		return
	}
	if r, ok := task.(connector.MetricsReporter); ok {
		t.plugin.Store(&reporter{r})
		return
	}
	t.plugin.Store(nil)
}

// SourcePoll records a batch a source task's Poll returned, and how long Poll took.
func (t *Task) SourcePoll(records int, took time.Duration) {
	if t == nil {
		return
	}
	now := t.now()
	t.pollTotal.Add(int64(records))
	t.pollRate.record(float64(records), now)
	t.pollTime.record(ms(took), now)
	t.batchSize.record(float64(records), now)
	t.activeStat.record(float64(t.active.Add(int64(records))), now)
}

// SourceWritten records that polled records are done: written records are in Kafka, dropped ones were
// dropped by a transformation or within errors.tolerance (or never reached the producer). Neither is active any
// more. The worker calls it once per batch of acknowledgements, not per record.
func (t *Task) SourceWritten(written, dropped int) {
	if t == nil || written+dropped == 0 {
		return
	}
	now := t.now()
	if written > 0 {
		t.writeTotal.Add(int64(written))
		t.writeRate.record(float64(written), now)
	}
	n := t.active.Add(-int64(written + dropped))
	if n < 0 {
		t.active.CompareAndSwap(n, 0)
		n = 0
	}
	t.activeStat.record(float64(n), now)
}

// OffsetCommit records an offset commit attempt of the task and how long it took.
func (t *Task) OffsetCommit(ok bool, took time.Duration) {
	if t == nil {
		return
	}
	now := t.now()
	t.commits.record(ok, now)
	if ok {
		t.commitTime.record(ms(took), now)
		if t.Type == connector.Sink {
			t.commitSeq.Add(1)
			t.completions.Add(1)
			t.completionRate.record(1, now)
			t.sinkActive.Store(0)
			t.activeStat.record(0, now)
		}
	}
}

// SinkRead records records a sink task consumed from Kafka, before transformations.
func (t *Task) SinkRead(records int) {
	if t == nil {
		return
	}
	t.readTotal.Add(int64(records))
	t.readRate.record(float64(records), t.now())
}

// SinkPut records a batch handed to a sink task's Put: the records after transformations, and how long Put
// took. They count as active until their offsets are committed.
func (t *Task) SinkPut(records int, took time.Duration) {
	if t == nil {
		return
	}
	now := t.now()
	t.sendTotal.Add(int64(records))
	t.sendRate.record(float64(records), now)
	t.putTime.record(ms(took), now)
	t.batchSize.record(float64(records), now)
	t.activeStat.record(float64(t.sinkActive.Add(int64(records))), now)
}

// SinkPartitions records how many partitions the sink task is assigned.
func (t *Task) SinkPartitions(n int) {
	if t != nil {
		t.partitions.Store(int64(n))
	}
}

// Rebalance is a worker's connect-worker-rebalance-metrics.
type Rebalance struct {
	now      func() time.Time
	protocol string

	mu          sync.Mutex
	started     time.Time
	rebalancing bool
	leader      string
	lastDone    time.Time

	epoch     atomic.Int64
	completed atomic.Int64
	times     *sampled
}

// Started records that a rebalance began.
func (r *Rebalance) Started() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.rebalancing {
		r.rebalancing, r.started = true, r.now()
	}
}

// Completed records that a rebalance ended with an assignment of generation epoch from leader (its URL).
func (r *Rebalance) Completed(epoch int32, leader string) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rebalancing {
		r.times.record(ms(now.Sub(r.started)), now)
	}
	r.rebalancing, r.leader, r.lastDone = false, leader, now
	r.epoch.Store(int64(epoch))
	r.completed.Add(1)
}

// sinceLast is time-since-last-rebalance-ms: +Inf before the first completed rebalance.
func (r *Rebalance) sinceLast(now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastDone.IsZero() {
		return math.Inf(1)
	}
	return ms(now.Sub(r.lastDone))
}

func (r *Rebalance) state() (rebalancing bool, leader string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rebalancing, r.leader
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
