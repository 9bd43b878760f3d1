package mqtt

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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

// newRepository builds the repository the config names. The kafka repository reads its topic first.
func newRepository(c *config, log *slog.Logger) (repository, error) {
	mem := &memoryRepository{cache: newLRU(c.idemDimension)}
	if c.idemRepo != "kafka" {
		return mem, nil
	}
	mem.cache = newLRU(c.idemMaxCache)
	return startKafkaRepository(c, mem, log)
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

// repositoryLoadTimeout bounds reading the kafka repository's topic at start.
const repositoryLoadTimeout = 60 * time.Second

// kafkaRepository is Camel's KafkaIdempotentRepository: keys are kept in a local LRU, which is filled from the
// topic at start and kept up to date with what other tasks write; a key is written ("add") once its records
// are in Kafka (Camel writes it on arrival, which loses the message if the task dies before writing it).
type kafkaRepository struct {
	*memoryRepository
	client *kgo.Client
	topic  string
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

func startKafkaRepository(c *config, mem *memoryRepository, log *slog.Logger) (*kafkaRepository, error) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(c.idemBootstrap...),
		kgo.ConsumeTopics(c.idemTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(c.idemPoll),
		kgo.AllowAutoTopicCreation(),
		kgo.ClientID("connectd-mqtt-idempotency"),
	)
	if err != nil {
		return nil, fmt.Errorf("idempotent repository: %w", err)
	}
	r := &kafkaRepository{memoryRepository: mem, client: client, topic: c.idemTopic, log: log, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), repositoryLoadTimeout)
	defer cancel()
	if err := r.load(ctx); err != nil {
		client.Close()
		return nil, fmt.Errorf("idempotent repository: read topic %s from %v: %w", c.idemTopic, c.idemBootstrap, err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	r.cancel = stop
	go r.follow(runCtx)
	return r, nil
}

// load reads the topic up to the end offsets it had when load began.
func (r *kafkaRepository) load(ctx context.Context) error {
	ends, err := r.endOffsets(ctx)
	if err != nil {
		return err
	}
	next := map[int32]int64{}
	caughtUp := func() bool {
		for p, end := range ends {
			if next[p] < end {
				return false
			}
		}
		return true
	}
	n := 0
	for !caughtUp() {
		fetches := r.client.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, fe := range fetches.Errors() {
			if !errors.Is(fe.Err, context.Canceled) {
				r.log.Warn("idempotent repository fetch failed", "topic", fe.Topic, "partition", fe.Partition, "err", fe.Err)
			}
		}
		fetches.EachRecord(func(rec *kgo.Record) {
			r.apply(rec)
			next[rec.Partition] = rec.Offset + 1
			n++
		})
	}
	r.log.Info("idempotent repository loaded", "topic", r.topic, "records", n)
	return nil
}

// endOffsets lists the topic's partitions and their end offsets; a topic that does not exist is empty.
func (r *kafkaRepository) endOffsets(ctx context.Context) (map[int32]int64, error) {
	meta := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(r.topic)
	meta.Topics = append(meta.Topics, mt)
	resp, err := meta.RequestWith(ctx, r.client)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	ends := map[int32]int64{}
	if len(resp.Topics) == 0 {
		return ends, nil
	}
	t := resp.Topics[0]
	if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return ends, nil
		}
		return nil, fmt.Errorf("metadata: %w", err)
	}
	lo := kmsg.NewPtrListOffsetsRequest()
	lo.ReplicaID = -1
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = r.topic
	for _, p := range t.Partitions {
		lp := kmsg.NewListOffsetsRequestTopicPartition()
		lp.Partition = p.Partition
		lp.Timestamp = -1 // latest
		lt.Partitions = append(lt.Partitions, lp)
	}
	lo.Topics = append(lo.Topics, lt)
	loResp, err := lo.RequestWith(ctx, r.client)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	for _, rt := range loResp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				return nil, fmt.Errorf("list offsets of partition %d: %w", rp.Partition, err)
			}
			if rp.Offset > 0 {
				ends[rp.Partition] = rp.Offset
			}
		}
	}
	return ends, nil
}

// follow applies what other tasks write until ctx is done.
func (r *kafkaRepository) follow(ctx context.Context) {
	defer close(r.done)
	for ctx.Err() == nil {
		fetches := r.client.PollFetches(ctx)
		fetches.EachRecord(r.apply)
	}
}

// apply replays one action of the topic into the cache; keys in flight here are left alone.
func (r *kafkaRepository) apply(rec *kgo.Record) {
	key := string(rec.Key)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch string(rec.Value) {
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
	r.client.Produce(context.Background(), &kgo.Record{Topic: r.topic, Key: []byte(key), Value: []byte(actionAdd)},
		func(_ *kgo.Record, err error) {
			if err != nil && !errors.Is(err, kgo.ErrClientClosed) {
				r.log.Warn("idempotent repository write failed", "topic", r.topic, "err", err)
			}
		})
}

func (r *kafkaRepository) close() {
	r.cancel()
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.client.Flush(ctx); err != nil {
		r.log.Warn("idempotent repository flush failed", "topic", r.topic, "err", err)
	}
	r.client.Close()
}
