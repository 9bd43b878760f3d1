package mqtt

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/connectd/connectd/connector"
)

// repository is an idempotent repository: the keys of messages already written. It is called with the
// pipeline lock held, so it must not block.
type repository interface {
	// lookup reports whether key was seen; orig is the unit still in flight with it, nil once in Kafka.
	lookup(key string) (orig *unit, seen bool)
	// addPending records key as in flight on u.
	addPending(key string, u *unit)
	// confirm records that the records of key's unit are in Kafka.
	confirm(key string)
	close()
}

// newRepository builds the repository the config names. The kafka repository opens its topic through opener
// (the task context's connector.KeyedLogOpener, nil when the worker offers none) and reads it first.
func newRepository(ctx context.Context, c *config, log *slog.Logger, opener connector.KeyedLogOpener) (repository, error) {
	mem := &memoryRepository{cache: newLRU(c.idemDimension)}
	if c.idemRepo != "kafka" {
		return mem, nil
	}
	mem.cache = newLRU(c.idemMaxCache)
	return startKafkaRepository(ctx, c, mem, log, opener)
}

// memoryRepository is Camel's MemoryIdempotentRepository: the most recently used keys, per task.
type memoryRepository struct {
	mu    sync.Mutex
	cache *lru
}

func (r *memoryRepository) lookup(key string) (*unit, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.cache.get(key)
	if !ok {
		return nil, false
	}
	return e.pending, true
}

func (r *memoryRepository) addPending(key string, u *unit) {
	r.mu.Lock()
	r.cache.put(key, u)
	r.mu.Unlock()
}

func (r *memoryRepository) confirm(key string) {
	r.mu.Lock()
	r.cache.put(key, nil)
	r.mu.Unlock()
}

func (r *memoryRepository) close() {}

// lru is a least-recently-used set of keys, each possibly pending on a unit.
type lru struct {
	size int
	ll   *list.List
	idx  map[string]*list.Element
}

type lruEntry struct {
	key     string
	pending *unit
}

func newLRU(size int) *lru {
	return &lru{size: max(size, 1), ll: list.New(), idx: map[string]*list.Element{}}
}

func (l *lru) get(key string) (*lruEntry, bool) {
	el, ok := l.idx[key]
	if !ok {
		return nil, false
	}
	l.ll.MoveToFront(el)
	return el.Value.(*lruEntry), true
}

func (l *lru) put(key string, pending *unit) {
	if el, ok := l.idx[key]; ok {
		el.Value.(*lruEntry).pending = pending
		l.ll.MoveToFront(el)
		return
	}
	l.idx[key] = l.ll.PushFront(&lruEntry{key: key, pending: pending})
	for l.ll.Len() > l.size {
		oldest := l.ll.Back()
		l.ll.Remove(oldest)
		delete(l.idx, oldest.Value.(*lruEntry).key)
	}
}

func (l *lru) remove(key string) {
	if el, ok := l.idx[key]; ok {
		l.ll.Remove(el)
		delete(l.idx, key)
	}
}

// Actions of Camel's KafkaIdempotentRepository, the record values of its topic (keys are the message keys).
const (
	actionAdd    = "add"
	actionRemove = "remove"
	actionClear  = "clear"
)

// repositoryLoadTimeout bounds opening and reading the kafka repository's topic at start.
const repositoryLoadTimeout = 60 * time.Second

// repositoryFlushTimeout bounds writing the keys still queued when the repository closes.
const repositoryFlushTimeout = 5 * time.Second

// kafkaRepository is Camel's KafkaIdempotentRepository: keys are kept in a local LRU, which is filled from the
// topic at start and kept up to date with what other tasks write; a key is written ("add") once its records
// are in Kafka (Camel writes it on arrival, which loses the message if the task dies before writing it).
//
// The topic is a connector.KeyedLog the worker opens with its own Kafka client settings (TLS, SASL), and "read
// to the end" at start means the end offsets Kafka lists, so compaction gaps and transaction markers at the end
// of the topic do not hold the task up.
type kafkaRepository struct {
	*memoryRepository
	klog  connector.KeyedLog
	topic string
	log   *slog.Logger

	// Keys confirmed but not yet written; confirm must not block, so one goroutine writes them.
	wmu     sync.Mutex
	pending [][]byte
	wake    chan struct{}
	stop    chan struct{}
	cancel  context.CancelFunc // ends a flush that overruns repositoryFlushTimeout
	done    chan struct{}
}

func startKafkaRepository(ctx context.Context, c *config, mem *memoryRepository, log *slog.Logger,
	opener connector.KeyedLogOpener) (*kafkaRepository, error) {
	if opener == nil {
		return nil, errors.New("idempotent repository: the worker offers no Kafka topics to tasks")
	}
	r := &kafkaRepository{memoryRepository: mem, topic: c.idemTopic, log: log,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	lctx, cancel := context.WithTimeout(ctx, repositoryLoadTimeout)
	defer cancel()
	klog, err := opener.OpenKeyedLog(lctx, connector.KeyedLogSpec{Topic: c.idemTopic, Bootstrap: c.idemBootstrap,
		OnRecord: r.apply})
	if err != nil {
		return nil, fmt.Errorf("idempotent repository: %w", err)
	}
	r.klog = klog
	if err := klog.ReadToEnd(lctx); err != nil {
		_ = klog.Close()
		return nil, fmt.Errorf("idempotent repository: read topic %s from %v: %w", c.idemTopic, c.idemBootstrap, err)
	}
	log.Info("idempotent repository loaded", "topic", r.topic)
	wctx, stopWrites := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = stopWrites
	go r.write(wctx)
	return r, nil
}

// apply replays one action of the topic into the cache (from the log's reader); keys in flight here are left
// alone.
func (r *kafkaRepository) apply(k, value []byte) {
	key := string(k)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch string(value) {
	case actionAdd:
		if e, ok := r.cache.get(key); !ok || e.pending == nil {
			r.cache.put(key, nil)
		}
	case actionRemove:
		if e, ok := r.cache.get(key); ok && e.pending == nil {
			r.cache.remove(key)
		}
	case actionClear:
		for el := r.cache.ll.Front(); el != nil; {
			next := el.Next()
			if e := el.Value.(*lruEntry); e.pending == nil {
				r.cache.remove(e.key)
			}
			el = next
		}
	}
}

func (r *kafkaRepository) confirm(key string) {
	r.memoryRepository.confirm(key)
	r.wmu.Lock()
	r.pending = append(r.pending, []byte(key))
	r.wmu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// write appends confirmed keys in batches until close, then writes what is left.
func (r *kafkaRepository) write(ctx context.Context) {
	defer close(r.done)
	for {
		r.wmu.Lock()
		keys := r.pending
		r.pending = nil
		r.wmu.Unlock()
		if len(keys) > 0 {
			recs := make([]connector.KeyedRecord, len(keys))
			for i, k := range keys {
				recs[i] = connector.KeyedRecord{Key: k, Value: []byte(actionAdd)}
			}
			if err := r.klog.Append(ctx, recs...); err != nil && ctx.Err() == nil {
				r.log.Warn("idempotent repository write failed", "topic", r.topic, "keys", len(keys), "err", err)
			}
			continue
		}
		select {
		case <-r.wake:
		case <-r.stop:
			r.wmu.Lock()
			empty := len(r.pending) == 0
			r.wmu.Unlock()
			if empty {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func (r *kafkaRepository) close() {
	close(r.stop)
	t := time.NewTimer(repositoryFlushTimeout)
	defer t.Stop()
	select {
	case <-r.done:
	case <-t.C:
		r.log.Warn("idempotent repository flush timed out", "topic", r.topic)
		r.cancel()
		<-r.done
	}
	r.cancel()
	_ = r.klog.Close()
}
