package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/errorhandling"
)

// sinkTaskContext is the connector.SinkTaskContext of a sink task.
type sinkTaskContext struct {
	log     *slog.Logger
	errant  *errantReporter // nil without a dead letter queue or error logging
	timeout *atomic.Int64   // the redelivery wait the task asked for, in nanoseconds; 0 for none
}

func (c sinkTaskContext) Logger() *slog.Logger { return c.log }

func (c sinkTaskContext) ErrantRecordReporter() connector.ErrantRecordReporter {
	if c.errant == nil {
		return nil // an untyped nil, so that the task's nil check works
	}
	return c.errant
}

func (c sinkTaskContext) Timeout(d time.Duration) { c.timeout.Store(int64(d)) }

// takeTimeout returns the redelivery wait the task asked for, once.
func (c sinkTaskContext) takeTimeout() time.Duration { return time.Duration(c.timeout.Swap(0)) }

// consumedKey names a record where it was consumed.
type consumedKey struct {
	topic     string
	partition int32
	offset    int64
}

// errantReporter is the errant record reporter of a sink task (Kafka's WorkerErrantRecordReporter). It finds
// the consumed bytes of a reported record by its original topic, partition and offset among the records
// delivered since the last offset commit, so that the dead letter queue gets them as they were consumed.
type errantReporter struct {
	op   *errorhandling.Operator
	conv *taskConverters

	mu        sync.Mutex
	delivered map[consumedKey]*sarama.ConsumerMessage
	pending   []*errorhandling.Completion // reports under way, settled before offsets are committed
	putErr    error                       // the first reported failure (Kafka's taskPutException)
}

func newErrantReporter(op *errorhandling.Operator, conv *taskConverters) *errantReporter {
	return &errantReporter{op: op, conv: conv, delivered: make(map[consumedKey]*sarama.ConsumerMessage)}
}

// Report is connector.ErrantRecordReporter.Report.
func (r *errantReporter) Report(rec *connector.SinkRecord, err error) (connector.ErrantRecordReport, error) {
	if rec == nil {
		return nil, errors.New("errant record reporter: nil record")
	}
	r.mu.Lock()
	msg := r.delivered[consumedKey{rec.OriginalTopic, rec.OriginalPartition, rec.OriginalOffset}]
	r.mu.Unlock()
	if msg == nil {
		// Not a record the worker handed over since the last commit (the task built it itself, or holds it past
		// a commit): report its current form, converted back to bytes, as Kafka does.
		var cerr error
		if msg, cerr = r.consumedForm(rec); cerr != nil {
			return nil, cerr
		}
	}
	if err == nil {
		err = errors.New("errant record reported without an error")
	}
	pc := errorhandling.Context{Consumed: msg}
	done, herr := r.op.ExecuteFailed(&pc, errorhandling.StageTaskPut, errorhandling.ClassSinkTask, err)
	r.mu.Lock()
	if r.putErr == nil {
		r.putErr = err
	}
	if done != nil {
		r.pending = append(r.pending, done)
	}
	r.mu.Unlock()
	if herr != nil {
		return nil, herr
	}
	return errorhandling.Completed(done), nil
}

// consumedForm converts a record back into the bytes a consumer would have read.
func (r *errantReporter) consumedForm(rec *connector.SinkRecord) (*sarama.ConsumerMessage, error) {
	key, err := r.conv.key.FromConnectData(rec.Topic, rec.KeySchema, rec.Key)
	if err != nil {
		return nil, err
	}
	value, err := r.conv.value.FromConnectData(rec.Topic, rec.ValueSchema, rec.Value)
	if err != nil {
		return nil, err
	}
	msg := &sarama.ConsumerMessage{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Key: key,
		Value: value, Timestamp: rec.Timestamp}
	for _, h := range rec.Headers {
		hv, err := r.conv.header.FromConnectHeader(rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return nil, err
		}
		msg.Headers = append(msg.Headers, &sarama.RecordHeader{Key: []byte(h.Key), Value: hv})
	}
	return msg, nil
}

// deliver remembers the consumed form of records about to be handed to the task.
func (r *errantReporter) deliver(recs []*connector.SinkRecord, batch []*sarama.ConsumerMessage) {
	byOffset := make(map[int64]*sarama.ConsumerMessage, len(batch))
	for _, m := range batch {
		byOffset[m.Offset] = m
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		if m := byOffset[rec.OriginalOffset]; m != nil && m.Topic == rec.OriginalTopic && m.Partition == rec.OriginalPartition {
			r.delivered[consumedKey{m.Topic, m.Partition, m.Offset}] = m
		}
	}
}

// asyncError is Kafka's maybeThrowAsyncError: after Put, a reported failure beyond errors.tolerance fails the
// task even when the task swallowed the reporter's error.
func (r *errantReporter) asyncError() error {
	r.mu.Lock()
	putErr := r.putErr
	r.mu.Unlock()
	if putErr != nil && !r.op.WithinToleranceLimits() {
		return &errorhandling.HandlerError{Message: "Tolerance exceeded in error handler", Err: putErr}
	}
	return nil
}

// await waits for the reports under way (Kafka's awaitFutures before a commit). A report the dead letter
// queue refused fails the task, as in Kafka; one still under way when ctx ends leaves the offsets uncommitted.
func (r *errantReporter) await(ctx context.Context) (fatal, err error) {
	r.mu.Lock()
	pending := r.pending
	r.pending = nil
	r.mu.Unlock()
	for i, done := range pending {
		if err := done.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				r.mu.Lock()
				r.pending = append(pending[i:], r.pending...)
				r.mu.Unlock()
				return nil, err
			}
			return fmt.Errorf("errant record report failed: %w", err), nil
		}
	}
	return nil, nil
}

// forget forgets every delivered record, when their partitions go back to the group.
func (r *errantReporter) forget() {
	r.mu.Lock()
	clear(r.delivered)
	r.mu.Unlock()
}

// committed forgets the records below the committed offsets: they are no longer the task's.
func (r *errantReporter) committed(offsets map[connector.TopicPartition]int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.delivered {
		if next, ok := offsets[connector.TopicPartition{Topic: k.topic, Partition: k.partition}]; ok && k.offset < next {
			delete(r.delivered, k)
		}
	}
}
