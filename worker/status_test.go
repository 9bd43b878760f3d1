package worker

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
)

// fakeStatusLog records what the status writer sends. A Send waits for gate to let it through when gate is
// set, and fails with the error fail returns.
type fakeStatusLog struct {
	mu       sync.Mutex
	written  []string // "key=value"
	attempts int
	gate     chan struct{}
	fail     func(attempt int, key string) error
}

func (l *fakeStatusLog) Send(ctx context.Context, key, value []byte) error {
	l.mu.Lock()
	l.attempts++
	attempt, gate, fail := l.attempts, l.gate, l.fail
	l.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		if err := fail(attempt, string(key)); err != nil {
			return err
		}
	}
	l.mu.Lock()
	l.written = append(l.written, string(key)+"="+string(value))
	l.mu.Unlock()
	return nil
}

func (l *fakeStatusLog) writes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.written)
}

func newTestStatusWriter(t *testing.T, log statusLog) (*statusWriter, *storage.Store) {
	t.Helper()
	store, err := storage.New()
	if err != nil {
		t.Fatal(err)
	}
	return newStatusWriter(log, store, slog.New(slog.DiscardHandler)), store
}

// runStatusWriter runs w.Run until the test ends (or stop is called) and checks it returns nil.
func runStatusWriter(t *testing.T, w *statusWriter) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(stop)
	return stop
}

// flush must not return while the last record is being sent: the queue is empty then, but the record is not
// in the topic yet, and the herder relies on flush for "UNASSIGNED before the next owner's RUNNING".
func TestStatusFlushWaitsForTheRecordBeingSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &fakeStatusLog{gate: make(chan struct{})}
		w, _ := newTestStatusWriter(t, log)
		runStatusWriter(t, w)

		w.putRaw("status-task-c-0", []byte("unassigned"))
		synctest.Wait() // Run has taken the key and its Send waits at the gate

		flushed := make(chan error, 1)
		go func() { flushed <- w.flush(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-flushed:
			t.Fatalf("flush returned (%v) while the record was still being sent", err)
		default:
		}

		close(log.gate)
		if err := <-flushed; err != nil {
			t.Fatal(err)
		}
		if got := log.writes(); !slices.Equal(got, []string{"status-task-c-0=unassigned"}) {
			t.Fatalf("written when flush returned: %v", got)
		}
	})
}

// Writes to one key coalesce to the newest value, and keys are written in the order they were first queued.
func TestStatusWriterCoalescesInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &fakeStatusLog{gate: make(chan struct{})}
		w, _ := newTestStatusWriter(t, log)
		runStatusWriter(t, w)

		w.putRaw("a", []byte("1"))
		synctest.Wait() // "a" is being sent; the rest queues behind it
		w.putRaw("b", []byte("1"))
		w.putRaw("c", []byte("1"))
		w.putRaw("b", []byte("2"))
		w.tombstone("c")
		w.putRaw("b", []byte("3"))
		close(log.gate)
		if err := w.flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []string{"a=1", "b=3", "c="}
		if got := log.writes(); !slices.Equal(got, want) {
			t.Fatalf("written %v, want %v", got, want)
		}
	})
}

// A failed write is retried after the back-off, ahead of keys queued after it, unless a newer value for its
// key was queued meanwhile: then only the newer value is written.
func TestStatusWriterRequeuesFailedWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &fakeStatusLog{fail: func(attempt int, key string) error {
			if attempt <= 2 {
				return errors.New("not enough replicas")
			}
			return nil
		}}
		w, _ := newTestStatusWriter(t, log)
		w.putRaw("a", []byte("1"))
		w.putRaw("b", []byte("1"))
		runStatusWriter(t, w)
		if err := w.flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, want := log.writes(), []string{"a=1", "b=1"}; !slices.Equal(got, want) {
			t.Fatalf("written %v, want %v", got, want)
		}

		// A newer value queued while the old one fails replaces it.
		log.mu.Lock()
		log.gate = make(chan struct{})
		log.attempts = 0
		log.written = nil
		gate := log.gate
		log.mu.Unlock()
		w.putRaw("a", []byte("2"))
		synctest.Wait() // "a=2" is being sent, and will fail
		w.putRaw("a", []byte("3"))
		close(gate)
		if err := w.flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, want := log.writes(), []string{"a=3"}; !slices.Equal(got, want) {
			t.Fatalf("written %v, want %v (the failed older value must not be resent)", got, want)
		}
	})
}

// Kafka Connect's putSafe: an UNASSIGNED or FAILED from this worker is dropped when another worker wrote the
// entry in a newer generation; other writes, and safe writes over older or own entries, go through.
func TestStatusWriterPutSafe(t *testing.T) {
	log := &fakeStatusLog{}
	w, store := newTestStatusWriter(t, log)
	id := connector.TaskID{Connector: "c", Task: 0}
	newer, err := records.EncodeStatus(records.Status{State: records.StateRunning, WorkerID: "other:8083", Generation: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.ApplyStatusRecord(records.StatusTaskKey("c", 0), newer); err != nil {
		t.Fatal(err)
	}
	queued := func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		_, ok := w.pending[records.StatusTaskKey("c", 0)]
		clear(w.pending)
		w.order = nil
		return ok
	}
	me := func(state records.State, gen int32) records.Status {
		return records.Status{State: state, WorkerID: "me:8083", Generation: gen}
	}
	w.putTask(id, me(records.StateFailed, 4), true)
	if queued() {
		t.Error("a safe FAILED of generation 4 overwrote another worker's status of generation 5")
	}
	w.putTask(id, me(records.StateUnassigned, 4), false)
	if !queued() {
		t.Error("an unsafe write was dropped")
	}
	w.putTask(id, me(records.StateFailed, 5), true)
	if !queued() {
		t.Error("a safe write of the same generation was dropped")
	}
	mine, err := records.EncodeStatus(me(records.StateRunning, 7))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.ApplyStatusRecord(records.StatusTaskKey("c", 0), mine); err != nil {
		t.Fatal(err)
	}
	w.putTask(id, me(records.StateFailed, 6), true)
	if !queued() {
		t.Error("a safe write over this worker's own entry was dropped")
	}
}

// At shutdown the writer makes one bounded attempt at what is still queued, with a context of its own: a
// task that failed while the worker stopped still gets its FAILED written.
func TestStatusWriterDrainsAtShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &fakeStatusLog{gate: make(chan struct{})}
		w, _ := newTestStatusWriter(t, log)
		stop := runStatusWriter(t, w)
		w.putRaw("a", []byte("1"))
		synctest.Wait() // "a" waits at the gate
		w.putRaw("b", []byte("1"))
		w.putRaw("c", []byte("1"))
		log.mu.Lock()
		log.gate = nil // what drain sends goes through
		log.mu.Unlock()
		stop() // the Send of "a" ends with the cancelled context and is requeued, then everything drains
		if got, want := log.writes(), []string{"a=1", "b=1", "c=1"}; !slices.Equal(got, want) {
			t.Fatalf("written at shutdown %v, want %v", got, want)
		}
	})
}
