// Package kafkalog treats a compacted Kafka topic as a replicated log, the way Kafka Connect's
// KafkaBasedLog does for the config, offset and status topics: a reader that consumes every partition from
// the beginning without a consumer group, a read-to-end fence, and a writer that waits for acks=all.
//
// Reading does not go through sarama's Consumer. Each Log opens its own connection to every partition
// leader and issues Fetch requests itself, because Connect's read-to-end semantics need the consumer
// position exactly as the Java consumer reports it: past transaction markers and past records removed by
// compaction. sarama's Consumer hides both, so a log whose last batch is a transaction marker (written by
// an exactly-once Java worker) would never be "read to the end". Separate connections also keep the
// long-polling fetches from delaying produce and group requests on the shared client's connections.
//
// Log attributes: topic, partition, offset, err.
package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/backoff"
)

// ErrClosed is returned by Send, SendAll, ReadToEnd and Run once the Log has been closed.
var ErrClosed = errors.New("kafkalog: log closed")

// Record is one record of the topic. A nil Value is a tombstone; an empty non-nil Value is an empty record.
type Record struct {
	Key, Value []byte
	Partition  int32
	Offset     int64
	Timestamp  time.Time
}

// Config configures a Log.
type Config struct {
	// Topic is the compacted topic the log lives in. Required.
	Topic string
	// Client is shared and owned by the caller, who closes it after the Log. The Log uses it for metadata,
	// list-offsets and producing, and opens its own fetch connections with its configuration. Its
	// configuration must have been prepared with ConfigureProducer.
	Client sarama.Client
	// OnRecord is called for every record read, from one goroutine, in offset order within a partition.
	// It must not call ReadToEnd (that would wait for itself). Required.
	OnRecord func(Record)
	// Logger receives the log's diagnostics; nil discards them.
	Logger *slog.Logger
}

// ConfigureProducer applies the producer settings Kafka Connect uses for its internal topics
// (KafkaBasedLog.createProducer): acks=all, one request in flight per connection, no idempotence, and
// retries (Send retries on its own as well, for as long as its context allows, so that a write is retried
// "effectively forever" as with Connect's delivery.timeout.ms=MAX). It also installs the Java-compatible
// murmur2 partitioner and asks for successes, which Send needs to learn of acknowledgements.
//
// Net.MaxOpenRequests=1 applies to every connection of a client built from cfg: it is what keeps a retried
// batch from overtaking the next one.
func ConfigureProducer(cfg *sarama.Config) {
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = false
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.Partitioner = NewMurmur2Partitioner
	cfg.Producer.Retry.Max = 10
	// retry.backoff.ms (100 ms) doubling up to retry.backoff.max.ms (1 s), the Kafka producer's defaults.
	bo := backoff.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	cfg.Producer.Retry.BackoffFunc = func(retries, _ int) time.Duration { return bo.Delay(retries) }
}

// Log is a compacted topic read from the beginning and written with acks=all. Create it with New, call Run
// to read, and Close it when done.
type Log struct {
	topic    string
	client   sarama.Client
	onRecord func(Record)
	log      *slog.Logger

	running atomic.Bool
	reqs    chan any // partitionsRequest or *endWaiter, served by Run
	closed  chan struct{}
	once    sync.Once

	mu       sync.RWMutex // guards producer and isClosed; held shared while queueing messages
	isClosed bool
	producer sarama.AsyncProducer
	prodDone chan struct{} // closed when the producer's result channels are drained
}

// New validates cfg and returns a Log. It does no I/O and starts nothing.
func New(cfg Config) (*Log, error) {
	if cfg.Topic == "" {
		return nil, errors.New("kafkalog: topic is required")
	}
	if cfg.Client == nil {
		return nil, errors.New("kafkalog: client is required")
	}
	if cfg.OnRecord == nil {
		return nil, errors.New("kafkalog: OnRecord is required")
	}
	pc := cfg.Client.Config().Producer
	switch {
	case !pc.Return.Successes:
		return nil, errors.New("kafkalog: client config has Producer.Return.Successes=false; prepare it with ConfigureProducer")
	case pc.RequiredAcks != sarama.WaitForAll:
		return nil, errors.New("kafkalog: client config does not use acks=all; prepare it with ConfigureProducer")
	case pc.Partitioner == nil:
		return nil, errors.New("kafkalog: client config has no partitioner; prepare it with ConfigureProducer")
	}
	if _, ok := pc.Partitioner(cfg.Topic).(*murmur2Partitioner); !ok {
		return nil, errors.New("kafkalog: client config does not use the murmur2 partitioner; prepare it with ConfigureProducer")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{
		topic:    cfg.Topic,
		client:   cfg.Client,
		onRecord: cfg.OnRecord,
		log:      logger,
		reqs:     make(chan any),
		closed:   make(chan struct{}),
	}, nil
}

// Topic returns the topic the log lives in.
func (l *Log) Topic() string { return l.topic }

// Close stops the producer after flushing what was already handed to it and makes Run return. It does not
// close the shared client. Close is idempotent and always returns nil.
func (l *Log) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.mu.Lock()
		l.isClosed = true
		p, done := l.producer, l.prodDone
		l.mu.Unlock()
		if p != nil {
			p.AsyncClose()
			<-done
		}
	})
	return nil
}

// retryDelay returns how long to wait before retry n (0-based): from base (sarama's 100 ms when unset),
// doubling up to one second (the Kafka clients' retry.backoff.max.ms) or base, whichever is larger.
func retryDelay(base time.Duration, n int) time.Duration {
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	b := backoff.Backoff{Base: base, Max: max(base, time.Second)}
	return b.Delay(n)
}

// sleep waits d or until ctx ends or the log closes.
func (l *Log) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.closed:
		return ErrClosed
	}
}

func (l *Log) wrap(op string, err error) error {
	return fmt.Errorf("kafkalog: %s topic %s: %w", op, l.topic, err)
}
