package errorhandling

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
)

// Names of the error context headers (Kafka's DeadLetterQueueReporter), all starting with HeaderPrefix.
const (
	HeaderPrefix              = "__connect.errors."
	HeaderTopic               = HeaderPrefix + "topic"
	HeaderPartition           = HeaderPrefix + "partition"
	HeaderOffset              = HeaderPrefix + "offset"
	HeaderConnectorName       = HeaderPrefix + "connector.name"
	HeaderTaskID              = HeaderPrefix + "task.id"
	HeaderStage               = HeaderPrefix + "stage"
	HeaderExecutingClass      = HeaderPrefix + "class.name"
	HeaderExceptionClass      = HeaderPrefix + "exception.class.name"
	HeaderExceptionMessage    = HeaderPrefix + "exception.message"
	HeaderExceptionStacktrace = HeaderPrefix + "exception.stacktrace"
)

// DLQPartitions is the partition count of a dead letter queue topic the worker creates (Kafka creates one).
const DLQPartitions = 1

// errDLQClosed completes a report that arrived after the dead letter queue began to close.
var errDLQClosed = errors.New("dead letter queue closed before the record was sent")

// DeadLetterQueue writes the records a sink task failed on to the connector's dead letter queue topic
// (Kafka's DeadLetterQueueReporter): the original key, value, timestamp and headers as consumed, plus with
// errors.deadletterqueue.context.headers.enable the __connect.errors.* headers. It owns its producer and the
// goroutine that reads the producer's results.
type DeadLetterQueue struct {
	producer       sarama.AsyncProducer
	topic          string
	contextHeaders bool
	task           connector.TaskID
	metrics        *Metrics
	log            *slog.Logger

	closing   chan struct{} // closed first by Close, so that a Report blocked on the producer gives up
	closeOnce sync.Once
	sendMu    sync.RWMutex // Report sends under the read lock; Close closes the producer under the write lock
	closed    bool
	results   chan struct{} // closed once the producer's results are drained

	mu       sync.Mutex
	inFlight map[*Completion]struct{} // reports sent and not yet settled
}

// NewDeadLetterQueue returns a reporter writing to cfg.DLQTopic through producer, which must return successes
// and errors and which the reporter closes. log is the task's logger.
func NewDeadLetterQueue(producer sarama.AsyncProducer, cfg Config, task connector.TaskID, metrics *Metrics, log *slog.Logger) *DeadLetterQueue {
	d := &DeadLetterQueue{producer: producer, topic: cfg.DLQTopic, contextHeaders: cfg.DLQContextHeaders, task: task,
		metrics: metrics, log: log, closing: make(chan struct{}), results: make(chan struct{}),
		inFlight: make(map[*Completion]struct{})}
	go d.readResults()
	return d
}

// Report sends the failed record's original to the dead letter queue. The report completes once Kafka has
// acknowledged the record, or refused it (then logged and counted as a failure). A context without a consumed
// record counts as a failure and sends nothing.
func (d *DeadLetterQueue) Report(c *Context) *Completion {
	d.metrics.dlqRequests.Add(1)
	orig := c.Consumed
	if orig == nil {
		d.metrics.dlqFailures.Add(1)
		return nil
	}
	msg := &sarama.ProducerMessage{Topic: d.topic, Partition: -1}
	if orig.Key != nil {
		msg.Key = sarama.ByteEncoder(orig.Key)
	}
	if orig.Value != nil {
		msg.Value = sarama.ByteEncoder(orig.Value)
	}
	// A record without a timestamp gets the producer's clock, as in Kafka.
	if !orig.Timestamp.IsZero() && orig.Timestamp.UnixMilli() >= 0 {
		msg.Timestamp = orig.Timestamp
	}
	for _, h := range orig.Headers {
		if h != nil {
			msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: h.Key, Value: h.Value})
		}
	}
	if d.contextHeaders {
		msg.Headers = append(msg.Headers, d.contextHeaderValues(c)...)
	}
	done := newCompletion()
	msg.Metadata = done
	d.sendMu.RLock()
	defer d.sendMu.RUnlock()
	if d.closed {
		done.complete(errDLQClosed)
		return done
	}
	d.mu.Lock()
	d.inFlight[done] = struct{}{}
	d.mu.Unlock()
	select {
	case d.producer.Input() <- msg:
	case <-d.closing:
		d.settle(done, errDLQClosed)
	}
	return done
}

// settle completes a report sent to the producer.
func (d *DeadLetterQueue) settle(done *Completion, err error) {
	d.mu.Lock()
	delete(d.inFlight, done)
	d.mu.Unlock()
	done.complete(err)
}

// Flush waits until every report sent so far is settled (Kafka's producer flush), or ctx ends.
func (d *DeadLetterQueue) Flush(ctx context.Context) error {
	d.mu.Lock()
	pending := make([]*Completion, 0, len(d.inFlight))
	for c := range d.inFlight {
		pending = append(pending, c)
	}
	d.mu.Unlock()
	for _, c := range pending {
		select {
		case <-c.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// contextHeaderValues are the __connect.errors.* headers for c, in Kafka's order, values as UTF-8 text. An
// error without a message gets a header with a null value, as Java's null message does.
func (d *DeadLetterQueue) contextHeaderValues(c *Context) []sarama.RecordHeader {
	h := func(k, v string) sarama.RecordHeader { return sarama.RecordHeader{Key: []byte(k), Value: []byte(v)} }
	orig := c.Consumed
	hs := []sarama.RecordHeader{
		h(HeaderTopic, orig.Topic),
		h(HeaderPartition, strconv.Itoa(int(orig.Partition))),
		h(HeaderOffset, strconv.FormatInt(orig.Offset, 10)),
		h(HeaderConnectorName, d.task.Connector),
		h(HeaderTaskID, strconv.Itoa(d.task.Task)),
		h(HeaderStage, c.stage.String()),
		h(HeaderExecutingClass, c.class),
	}
	if c.err != nil {
		hs = append(hs, h(HeaderExceptionClass, ExceptionClass(c.err)))
		msg := sarama.RecordHeader{Key: []byte(HeaderExceptionMessage)}
		if m := ExceptionMessage(c.err); m != "" {
			msg.Value = []byte(m)
		}
		hs = append(hs, msg, h(HeaderExceptionStacktrace, Stacktrace(c.err)))
	}
	return hs
}

// readResults settles each report as the producer acknowledges or refuses its record, until the producer
// is closed.
func (d *DeadLetterQueue) readResults() {
	defer close(d.results)
	successes, errs := d.producer.Successes(), d.producer.Errors()
	for successes != nil || errs != nil {
		select {
		case msg, ok := <-successes:
			if !ok {
				successes = nil
				continue
			}
			d.settle(msg.Metadata.(*Completion), nil)
		case perr, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			d.log.Error("Could not produce message to dead letter queue. topic="+d.topic, "err", perr.Err)
			d.metrics.dlqFailures.Add(1)
			d.settle(perr.Msg.Metadata.(*Completion), perr.Err)
		}
	}
}

// Close stops taking reports, waits for the producer to send what it holds, and closes it. It is idempotent.
func (d *DeadLetterQueue) Close() error {
	d.closeOnce.Do(func() {
		close(d.closing)
		d.sendMu.Lock()
		d.closed = true
		d.sendMu.Unlock()
		d.producer.AsyncClose()
	})
	<-d.results
	return nil
}
