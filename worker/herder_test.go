package worker

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/group"
)

// Restart requests read together keep, per connector, the one with the highest impact (Kafka Connect's
// RestartRequest ordering: onlyFailed without tasks < onlyFailed with tasks < all without tasks < all with
// tasks), in the order the connectors were first requested.
func TestDedupeRestarts(t *testing.T) {
	failedOnly := func(c string) records.RestartRequest {
		return records.RestartRequest{Connector: c, OnlyFailed: true}
	}
	failedTasks := func(c string) records.RestartRequest {
		return records.RestartRequest{Connector: c, OnlyFailed: true, IncludeTasks: true}
	}
	all := func(c string) records.RestartRequest { return records.RestartRequest{Connector: c} }
	allTasks := func(c string) records.RestartRequest { return records.RestartRequest{Connector: c, IncludeTasks: true} }

	for _, tc := range []struct {
		name string
		in   []records.RestartRequest
		want []records.RestartRequest
	}{
		{"none", nil, nil},
		{"one each", []records.RestartRequest{all("a"), failedOnly("b")}, []records.RestartRequest{all("a"), failedOnly("b")}},
		{"rising impact", []records.RestartRequest{failedOnly("a"), failedTasks("a"), all("a"), allTasks("a")},
			[]records.RestartRequest{allTasks("a")}},
		{"falling impact", []records.RestartRequest{allTasks("a"), all("a"), failedTasks("a"), failedOnly("a")},
			[]records.RestartRequest{allTasks("a")}},
		{"all without tasks beats only-failed with tasks", []records.RestartRequest{failedTasks("a"), all("a")},
			[]records.RestartRequest{all("a")}},
		{"failed tasks beat failed connector", []records.RestartRequest{failedOnly("a"), failedTasks("a")},
			[]records.RestartRequest{failedTasks("a")}},
		{"interleaved connectors keep first-seen order",
			[]records.RestartRequest{failedOnly("b"), all("a"), allTasks("b"), failedOnly("a"), failedOnly("c")},
			[]records.RestartRequest{allTasks("b"), all("a"), failedOnly("c")}},
		{"duplicates collapse", []records.RestartRequest{all("a"), all("a"), all("a")}, []records.RestartRequest{all("a")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dedupeRestarts(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("dedupeRestarts(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// reconcileWorker is a Worker whose herder loop is the test: it owns what w.group.owned says, reads the
// config topic from what the test applies to its store, and only queues statuses. Its tasks fail at once
// (the worker config names no converters), which is all reconcile needs of them: to exist and stop.
func reconcileWorker(t *testing.T) *Worker {
	t.Helper()
	reg := connector.NewRegistry()
	if err := connectortest.Register(reg); err != nil {
		t.Fatal(err)
	}
	w, err := New(config.Config{TaskShutdownGracefulTimeout: 5 * time.Second}, Options{Registry: reg, AdvertisedURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	w.statuses = newStatusWriter(nil, w.store, slog.New(slog.DiscardHandler))
	w.group = &membership{leaderURL: "http://127.0.0.1:2/", owned: &group.Assignment{}}
	w.runtimes = newSupervisor(context.Background())
	t.Cleanup(func() {
		w.stopAll()
		w.runtimes.Stop()
	})
	return w
}

type configApplier struct {
	t      *testing.T
	w      *Worker
	offset int64
}

func (a *configApplier) apply(key string, value []byte) {
	a.t.Helper()
	a.offset++
	if _, err := a.w.store.ApplyConfigRecord(key, value, a.offset); err != nil {
		a.t.Fatal(err)
	}
}

func (a *configApplier) connector(name string, config map[string]string) {
	a.t.Helper()
	var v []byte
	if config != nil {
		var err error
		if v, err = records.EncodeConnectorConfig(config); err != nil {
			a.t.Fatal(err)
		}
	}
	a.apply(records.ConnectorKey(name), v)
}

// tasks commits task configs as the connector generates them (connectortest's fanout: its config plus
// test.task.id, and the framework's task.class), so that a started instance has nothing to publish.
func (a *configApplier) tasks(name string, config map[string]string, n int) {
	a.t.Helper()
	for i := range n {
		tc := maps.Clone(config)
		tc["test.task.id"] = strconv.Itoa(i)
		tc["task.class"] = "io.connectd.test.CountingSourceTask"
		v, err := records.EncodeTaskConfig(tc)
		if err != nil {
			a.t.Fatal(err)
		}
		a.apply(records.TaskKey(name, i), v)
	}
	v, err := records.EncodeCommit(n)
	if err != nil {
		a.t.Fatal(err)
	}
	a.apply(records.CommitKey(name), v)
}

func (a *configApplier) target(name string, s records.TargetState) {
	a.t.Helper()
	v, err := records.EncodeTargetState(s)
	if err != nil {
		a.t.Fatal(err)
	}
	a.apply(records.TargetStateKey(name), v)
}

func taskIDs(w *Worker) []connector.TaskID {
	ids := slices.Collect(maps.Keys(w.tasks))
	slices.SortFunc(ids, func(a, b connector.TaskID) int { return a.Task - b.Task })
	return ids
}

// queuedRaw reports the value queued for a status key: ok false when nothing is, a nil value for a tombstone.
func queuedRaw(w *Worker, key string) (value []byte, ok bool) {
	w.statuses.mu.Lock()
	defer w.statuses.mu.Unlock()
	value, ok = w.statuses.pending[key]
	return value, ok
}

// reconcile starts and stops connector instances and tasks as the assignment and the config topic change,
// and leaves the statuses Kafka Connect leaves: RUNNING when started, UNASSIGNED when revoked, tombstones for
// a deleted connector and for tasks that no longer exist.
func TestReconcileFollowsAssignmentAndConfig(t *testing.T) {
	w := reconcileWorker(t)
	a := &configApplier{t: t, w: w}
	ctx := context.Background()
	cfg := map[string]string{"name": "c", "connector.class": connectortest.SourceClass, "tasks.max": "2", "topic": "t"}
	a.connector("c", cfg)
	a.tasks("c", cfg, 2)
	t0, t1 := connector.TaskID{Connector: "c", Task: 0}, connector.TaskID{Connector: "c", Task: 1}

	// Assigned the connector and task 0: both run, task 1 (someone else's) does not.
	w.group.owned = &group.Assignment{Assigned: group.Allocation{Connectors: []string{"c"}, Tasks: []connector.TaskID{t0}}}
	w.reconcile(ctx)
	if w.connectors["c"] == nil {
		t.Fatal("connector c not started")
	}
	awaitQueuedState(t, w, records.StatusConnectorKey("c"), records.StateRunning)
	if got := taskIDs(w); !slices.Equal(got, []connector.TaskID{t0}) {
		t.Fatalf("tasks %v, want [c-0]", got)
	}
	first0 := w.tasks[t0]

	// Reconciling again with nothing changed touches nothing.
	w.reconcile(ctx)
	if w.tasks[t0] != first0 {
		t.Fatal("an unchanged task was restarted")
	}

	// The connector is revoked and task 1 assigned too: the instance stops with UNASSIGNED, task 1 starts.
	w.group.owned = &group.Assignment{Assigned: group.Allocation{Tasks: []connector.TaskID{t0, t1}}}
	w.reconcile(ctx)
	if r, ok := w.connectors["c"]; ok {
		t.Fatalf("revoked connector still runs: %+v", r)
	}
	if st, ok := queuedStatus(t, w, records.StatusConnectorKey("c")); !ok || st.State != records.StateUnassigned {
		t.Fatalf("revoked connector's status %+v (queued %v), want UNASSIGNED", st, ok)
	}
	if got := taskIDs(w); !slices.Equal(got, []connector.TaskID{t0, t1}) || w.tasks[t0] != first0 {
		t.Fatalf("tasks %v (c-0 kept: %v), want [c-0 c-1] with c-0 untouched", got, w.tasks[t0] == first0)
	}
	first1 := w.tasks[t1]

	// New task configs: only the task whose config changed is restarted.
	a.apply(records.TaskKey("c", 0), mustTaskConfig(t, map[string]string{"task.class": "x", "v": "2"}))
	a.apply(records.TaskKey("c", 1), mustTaskConfig(t, first1.rawConfig))
	a.apply(records.CommitKey("c"), mustCommit(t, 2))
	w.reconcile(ctx)
	if w.tasks[t0] == first0 || w.tasks[t0].rawConfig["v"] != "2" {
		t.Fatal("task 0 was not restarted with its new config")
	}
	if w.tasks[t1] != first1 {
		t.Fatal("task 1, whose config did not change, was restarted")
	}
	select {
	case <-first0.routine.Done():
	default:
		t.Fatal("the replaced instance of task 0 still runs")
	}

	// One task fewer: task 1 stops and its status is deleted (it no longer exists).
	a.tasks("c", cfg, 1)
	w.reconcile(ctx)
	if got := taskIDs(w); !slices.Equal(got, []connector.TaskID{t0}) {
		t.Fatalf("tasks %v, want [c-0]", got)
	}
	if v, ok := queuedRaw(w, records.StatusTaskKey("c", 1)); !ok || v != nil {
		t.Fatalf("status of removed task 1: %q (queued %v), want a tombstone", v, ok)
	}

	// Stopped: no task runs.
	a.target("c", records.TargetStopped)
	w.reconcile(ctx)
	if got := taskIDs(w); len(got) != 0 {
		t.Fatalf("tasks %v of a STOPPED connector run", got)
	}
}

// A deleted connector's instance stops and its status is deleted; a paused one stops and reports PAUSED.
func TestReconcileDeleteAndPause(t *testing.T) {
	w := reconcileWorker(t)
	a := &configApplier{t: t, w: w}
	ctx := context.Background()
	for _, name := range []string{"p", "d"} {
		cfg := map[string]string{"name": name, "connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "t"}
		a.connector(name, cfg)
		a.tasks(name, cfg, 1)
	}
	w.group.owned = &group.Assignment{Assigned: group.Allocation{Connectors: []string{"p", "d"}}}
	w.reconcile(ctx)
	if w.connectors["p"] == nil || w.connectors["d"] == nil {
		t.Fatalf("connectors not started: %v", slices.Collect(maps.Keys(w.connectors)))
	}
	awaitQueuedState(t, w, records.StatusConnectorKey("p"), records.StateRunning)
	awaitQueuedState(t, w, records.StatusConnectorKey("d"), records.StateRunning)

	a.connector("d", nil)
	a.target("p", records.TargetPaused)
	w.reconcile(ctx)
	if _, ok := w.connectors["d"]; ok {
		t.Fatal("deleted connector still runs")
	}
	if v, ok := queuedRaw(w, records.StatusConnectorKey("d")); !ok || v != nil {
		t.Fatalf("status of deleted connector: %q (queued %v), want a tombstone", v, ok)
	}
	if r := w.connectors["p"]; r == nil || r.target != records.TargetPaused {
		t.Fatalf("paused connector: %+v, want its runner with target PAUSED", r)
	}
	// The runner stops the instance on its own goroutine, then reports PAUSED.
	awaitQueuedState(t, w, records.StatusConnectorKey("p"), records.StatePaused)
}

// awaitQueuedState waits until the status queued for key has state want: connector runners write statuses
// from their own goroutines.
func awaitQueuedState(t *testing.T, w *Worker, key string, want records.State) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		st, ok := queuedStatus(t, w, key)
		if ok && st.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of %s: %+v (queued %v), want %s", key, st, ok, want)
		}
		<-tick.C
	}
}

func mustTaskConfig(t *testing.T, c map[string]string) []byte {
	t.Helper()
	v, err := records.EncodeTaskConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustCommit(t *testing.T, n int) []byte {
	t.Helper()
	v, err := records.EncodeCommit(n)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A stop (the empty task set, STOPPED) and a resume (STARTED) read in one round never reach the connector's
// runner as STOPPED, but the empty task set stops its tasks: the connector is asked for its task configs again,
// as Kafka Connect's processTargetStateChanges asks every connector whose target state changed to STARTED.
func TestStopAndResumeInOneRoundAskForTaskConfigs(t *testing.T) {
	w := reconcileWorker(t)
	a := &configApplier{t: t, w: w}
	ctx := context.Background()
	cfg := map[string]string{"name": "c", "connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "t"}
	a.connector("c", cfg)
	a.tasks("c", cfg, 1)
	w.group.owned = &group.Assignment{Assigned: group.Allocation{Connectors: []string{"c"}}}
	w.reconcile(ctx)
	awaitQueuedState(t, w, records.StatusConnectorKey("c"), records.StateRunning)
	w.takeEvents() // the instance's start

	stopped, err := records.EncodeTargetState(records.TargetStopped)
	if err != nil {
		t.Fatal(err)
	}
	started, err := records.EncodeTargetState(records.TargetStarted)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []struct {
		key   string
		value []byte
	}{{records.CommitKey("c"), mustCommit(t, 0)}, {records.TargetStateKey("c"), stopped}, {records.TargetStateKey("c"), started}} {
		a.offset++
		events, err := w.store.ApplyConfigRecord(rec.key, rec.value, a.offset)
		if err != nil {
			t.Fatal(err)
		}
		w.events = append(w.events, events...)
	}
	w.handleEvents(ctx)
	if r := w.connectors["c"]; r == nil || r.target != records.TargetStarted {
		t.Fatalf("runner %+v, want the same instance STARTED", r)
	}
	// The runner generates them on its own goroutine and hands them to the herder.
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		w.eventsMu.Lock()
		asked := slices.ContainsFunc(w.connEvents, func(ev connectorEvent) bool { return ev.r.name == "c" && len(ev.taskConfigs) == 1 })
		w.eventsMu.Unlock()
		if asked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the connector was not asked for its task configs")
		}
		<-tick.C
	}
}
