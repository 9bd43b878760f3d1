package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/backoff"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
)

// statusLog is the part of the status topic's log the status writer needs.
type statusLog interface {
	Send(ctx context.Context, key, value []byte) error
}

// statusWriter writes status-topic records in the background so that neither the herder nor a task waits on
// Kafka to report a state. Writes to one key are coalesced: only the newest pending value is sent, which is all
// a compacted topic keeps anyway. Records are retried until they are written or the writer stops.
type statusWriter struct {
	log    statusLog
	store  *storage.Store
	logger *slog.Logger

	mu      sync.Mutex
	pending map[string][]byte // key → value (nil = tombstone)
	order   []string          // keys in the order they were first queued
	// sending is true from the moment Run takes a key until its Send has returned: the queue is empty then, but
	// the record is not written yet, and flush must wait for it too.
	sending bool
	wake    chan struct{}
	idle    chan struct{} // closed and replaced when the queue drains with nothing being sent, for flush
}

func newStatusWriter(log statusLog, store *storage.Store, logger *slog.Logger) *statusWriter {
	return &statusWriter{
		log: log, store: store, logger: logger,
		pending: make(map[string][]byte),
		wake:    make(chan struct{}, 1),
		idle:    make(chan struct{}),
	}
}

// put queues a status write. safe applies Kafka Connect's putSafe rule: the write is dropped when the current
// entry was written by another worker in a newer generation (used for UNASSIGNED and FAILED, so a worker that
// lost its work does not overwrite the new owner's state).
func (s *statusWriter) put(key string, st records.Status, safe bool, current func() (records.Status, bool)) {
	if safe && current != nil {
		if cur, ok := current(); ok && cur.WorkerID != st.WorkerID && cur.Generation > st.Generation {
			return
		}
	}
	value, err := records.EncodeStatus(st)
	if err != nil {
		s.logger.Error("encode status", "key", key, "err", err)
		return
	}
	s.enqueue(key, value)
}

func (s *statusWriter) putConnector(name string, st records.Status, safe bool) {
	s.put(records.StatusConnectorKey(name), st, safe, func() (records.Status, bool) { return s.store.ConnectorStatus(name) })
}

func (s *statusWriter) putTask(id connector.TaskID, st records.Status, safe bool) {
	s.put(records.StatusTaskKey(id.Connector, id.Task), st, safe, func() (records.Status, bool) { return s.store.TaskStatus(id) })
}

// tombstone queues the deletion of a status key.
func (s *statusWriter) tombstone(key string) { s.enqueue(key, nil) }

func (s *statusWriter) putRaw(key string, value []byte) { s.enqueue(key, value) }

func (s *statusWriter) enqueue(key string, value []byte) {
	s.mu.Lock()
	if _, ok := s.pending[key]; !ok {
		s.order = append(s.order, key)
	}
	s.pending[key] = value
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest pending write; the caller reports its outcome with sent or requeue.
func (s *statusWriter) next() (key string, value []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) == 0 {
		close(s.idle)
		s.idle = make(chan struct{})
		return "", nil, false
	}
	key = s.order[0]
	s.order = s.order[1:]
	value = s.pending[key]
	delete(s.pending, key)
	s.sending = true
	return key, value, true
}

// sent records that the write taken by next is done (written, or dropped at shutdown).
func (s *statusWriter) sent() {
	s.mu.Lock()
	s.sending = false
	s.mu.Unlock()
}

// requeue puts a failed write back at the front unless a newer value for the key was queued meanwhile.
func (s *statusWriter) requeue(key string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sending = false
	if _, ok := s.pending[key]; ok {
		return
	}
	s.pending[key] = value
	s.order = append([]string{key}, s.order...)
}

// flush waits until everything queued before the call has been written, or ctx ends.
func (s *statusWriter) flush(ctx context.Context) error {
	s.mu.Lock()
	if len(s.order) == 0 && !s.sending {
		s.mu.Unlock()
		return nil
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run writes queued statuses until ctx ends, then makes one last bounded attempt at what is still queued.
func (s *statusWriter) Run(ctx context.Context) error {
	// 100 ms doubling to 5 s between attempts, so that an unreachable Kafka is not hammered.
	bo := backoff.Backoff{Base: 100 * time.Millisecond, Max: 5 * time.Second}
	for {
		key, value, ok := s.next()
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				s.drain()
				return nil
			}
		}
		if err := s.log.Send(ctx, []byte(key), value); err != nil {
			if ctx.Err() != nil {
				s.requeue(key, value)
				s.drain()
				return nil //nolint:nilerr // shutdown, not a failed write: statuses are left alone (STYLE rule 3)
			}
			s.logger.Warn("status write failed, retrying", "key", key, "err", err)
			s.requeue(key, value)
			if bo.Wait(ctx) != nil {
				s.drain()
				return nil //nolint:nilerr // shutdown during the back-off: the failed write was requeued and drained
			}
			continue
		}
		s.sent()
		bo.Reset()
	}
}

// drain gives queued writes a short, bounded chance after shutdown began, so a stopping worker's last
// transitions (e.g. a task that failed during shutdown) are not silently lost.
func (s *statusWriter) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for {
		key, value, ok := s.next()
		if !ok {
			return
		}
		err := s.log.Send(ctx, []byte(key), value)
		s.sent()
		if err != nil {
			s.logger.Warn("status write dropped at shutdown", "key", key, "err", err)
			return
		}
	}
}
