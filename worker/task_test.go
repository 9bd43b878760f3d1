package worker

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/metrics"
)

// newRuntimeTestWorker is a Worker with what task runners and the herder's bookkeeping need, and no Kafka:
// statuses go to a status writer that is not running, so the test reads what is queued.
func newRuntimeTestWorker(t testing.TB) *Worker {
	t.Helper()
	store, err := storage.New()
	if err != nil {
		t.Fatal(err)
	}
	w := &Worker{
		cfg:        config.Config{TaskShutdownGracefulTimeout: 5 * time.Second, ProducerBufferMemory: 1 << 20},
		log:        slog.New(slog.DiscardHandler),
		id:         "me:8083",
		store:      store,
		wake:       make(chan struct{}, 1),
		reconfig:   make(map[string]bool),
		connectors: make(map[string]*connectorRunner),
		tasks:      make(map[connector.TaskID]*taskRunner),
		runtimes:   newSupervisor(context.Background()),
		closers:    newSupervisor(context.Background()),
		metrics:    metrics.NewWorker("SESSIONED"),
	}
	w.statuses = newStatusWriter(nil, store, w.log)
	w.gen.Store(3)
	return w
}

// queuedStatus is the status the worker's status writer has queued for key.
func queuedStatus(t *testing.T, w *Worker, key string) (records.Status, bool) {
	t.Helper()
	w.statuses.mu.Lock()
	v, ok := w.statuses.pending[key]
	w.statuses.mu.Unlock()
	if !ok {
		return records.Status{}, false
	}
	st, err := records.DecodeStatus(v)
	if err != nil {
		t.Fatal(err)
	}
	return st, true
}

// A task that does not stop within task.shutdown.graceful.timeout.ms is abandoned: the worker's shutdown no
// longer waits for it, and when it fails later it does not write FAILED over the instance that replaced it
// (on this worker and in this generation, where the putSafe rule does not apply).
func TestAbandonedTaskNeitherHoldsShutdownNorWritesStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newRuntimeTestWorker(t)
		id := connector.TaskID{Connector: "c", Task: 0}
		conn := &storage.Connector{Name: "c", Config: map[string]string{"name": "c"}, TargetState: records.TargetStarted}
		old := w.newTaskRunner(id, map[string]string{"k": "v"}, conn)
		stuck := make(chan struct{})
		// A plugin that ignores both the stop request and cancellation, and fails once it returns.
		old.routine = w.runtimes.Go(func(context.Context) {
			<-stuck
			old.fail(errors.New("poll: connection reset"))
		})

		start := time.Now()
		w.stopTasks([]*taskRunner{old}, stopRestart)
		if got := time.Since(start); got != w.cfg.TaskShutdownGracefulTimeout {
			t.Fatalf("stopTasks returned after %v, want task.shutdown.graceful.timeout.ms", got)
		}
		// The replacement reports RUNNING (the runner writes it once its task started).
		w.statuses.putTask(id, w.status(records.StateRunning, ""), false)

		// Shutdown does not wait for the abandoned runner (a wait would deadlock this bubble).
		w.runtimes.Stop()

		close(stuck)
		<-old.routine.Done()
		st, ok := queuedStatus(t, w, records.StatusTaskKey("c", 0))
		if !ok || st.State != records.StateRunning {
			t.Fatalf("status after the abandoned task failed: %+v (queued %v), want the replacement's RUNNING", st, ok)
		}
	})
}

// A task that stops in time still writes its statuses: the guard only silences abandoned runners.
func TestStoppedTaskWritesUnassigned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newRuntimeTestWorker(t)
		id := connector.TaskID{Connector: "c", Task: 0}
		conn := &storage.Connector{Name: "c", Config: map[string]string{"name": "c"}, TargetState: records.TargetStarted}
		tr := w.newTaskRunner(id, nil, conn)
		tr.routine = w.runtimes.Go(func(context.Context) {
			<-tr.stopping
			tr.putStatus(records.StateUnassigned, "", true)
		})
		w.stopTasks([]*taskRunner{tr}, stopUnassign)
		if st, ok := queuedStatus(t, w, records.StatusTaskKey("c", 0)); !ok || st.State != records.StateUnassigned {
			t.Fatalf("status %+v (queued %v), want UNASSIGNED", st, ok)
		}
		w.runtimes.Stop()
	})
}
