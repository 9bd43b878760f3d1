package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"golang.org/x/sync/semaphore"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/backoff"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/errorhandling"
	"github.com/connectd/connectd/worker/kafkalog"
)

// maxInFlightRecords bounds the records a source task has handed to the producer that Kafka has not yet
// acknowledged, as producer.buffer.memory bounds their bytes. When either is reached the poll loop waits:
// back-pressure reaches the source instead of memory growing while Kafka is slow or down. Everything sarama
// buffers (its input and per-partition channels, the batch being built, the request in flight) is among
// these records, so the two bound sarama too.
const maxInFlightRecords = 10000

// runSource is the source task loop (Kafka Connect's AbstractWorkerSourceTask): poll, convert, produce, and
// commit each record to the task once Kafka has acknowledged it, in the order the task returned them.
func (t *taskRunner) runSource(ctx context.Context) error {
	pipe, err := t.newPipeline(connector.Source)
	if err != nil {
		return err
	}
	var reporters []errorhandling.Reporter
	if pipe.cfg.LogEnable {
		reporters = append(reporters, errorhandling.NewLogReporter(t.log, t.id, pipe.cfg.LogIncludeMessages, t.errMetrics))
	}
	pipe.op = errorhandling.NewOperator(pipe.cfg, t.errMetrics, t.stopping, reporters...)
	defer t.closeOperator(pipe.op)
	prod, err := t.w.newTaskProducer(ctx, t, fmt.Sprintf("connector-producer-%s-%d", t.id.Connector, t.id.Task))
	if err != nil {
		if t.isStopping() {
			return nil
		}
		return err
	}
	defer prod.close()
	s := newSourceSubmitter(t, prod.producer, pipe)
	s.abortProducer = prod.abort

	// The task's helper goroutines; each is stopped in its turn below, and Stop waits for them all. The
	// producer's results are read from the start, so that the producer can always be closed.
	helpers := newSupervisor(ctx)
	defer helpers.Stop()
	// Before helpers.Stop on every return: handleAcks returns once the producer has closed.
	defer s.closeProducer()
	acks := helpers.Go(func(context.Context) { s.handleAcks() }) // until the producer is closed
	// Should the runner be abandoned, its producer and client are closed apart from it, since it may be stuck
	// in a plugin call that ignores cancellation; the closer returns once the producer's results are read.
	t.onAbandon(func(ctx context.Context) {
		s.giveUp() // aborts the producer, which closes the client
		s.closeProducer()
		select {
		case <-acks.Done():
		case <-ctx.Done():
		}
	})

	task := t.plugin.NewSourceTask()
	tc := sourceTaskContext{
		taskContext: taskContext{log: t.log, offsets: storeOffsets{store: t.w.store, connector: t.id.Connector}},
		keyedLogs: &keyedLogs{cfg: t.w.cfg, log: t.log,
			prefix: fmt.Sprintf("connector-keyed-log-%s-%d-", t.id.Connector, t.id.Task)},
		taskSpoolDir: taskSpoolDir{root: t.w.cfg.SpoolDir, temp: t.w.cfg.SpoolDirDefault, connector: t.id.Connector,
			task: t.id.Task, log: t.log},
	}
	defer tc.closeAll()
	// The keyed logs the plugin opened are the worker's clients too; their Close is safe beside the plugin's
	// use (a later Append fails).
	t.onAbandon(func(context.Context) { tc.closeAll() })
	if err := safely(func() error { return task.Start(ctx, tc, maps.Clone(t.config)) }); err != nil {
		return fmt.Errorf("start task %s-%d: %w", t.id.Connector, t.id.Task, err)
	}
	t.startedTask(task)
	t.log.Info("task started")
	// A task started while its connector is paused reports PAUSED, never RUNNING (Kafka Connect's WorkerTask).
	paused, _ := t.pausedWatch()
	t.reportPaused(paused)

	// Set before the first record is sent; handleAcks reads it only for records sent after.
	s.committer, _ = task.(connector.RecordCommitter)
	// Periodic flushes use the task's context; the routine's context only ends the loop.
	flush := helpers.Go(func(stop context.Context) { s.flushLoop(ctx, stop.Done()) })
	resend := helpers.Go(func(stop context.Context) { s.resendLoop(stop.Done()) })

	pollCtx, cancelPoll := context.WithCancel(ctx)
	defer cancelPoll()
	helpers.Go(func(context.Context) {
		select {
		case <-t.stopping:
			cancelPoll()
		case <-pollCtx.Done():
		}
	})

	loopErr := s.pollLoop(pollCtx, task, paused)
	cancelPoll()
	stopAt := time.Now()
	if d, ok := task.(connector.Drainer); ok && loopErr == nil && t.isStopping() {
		if p, _ := t.pausedWatch(); !p {
			loopErr = s.drainLoop(ctx, task, d, stopAt.Add(t.w.cfg.TaskShutdownGracefulTimeout/2))
		}
	}

	// Give records already handed to the producer until the graceful deadline to be acknowledged, so their
	// offsets can be committed and their sources acknowledged (the drain above counts against it); then close
	// the producer, which closes once it holds no record: at once when every record was acknowledged. Records
	// still unacknowledged at the deadline, or when the task is abandoned (ctx ends), are given up: not
	// committed, so their sources deliver them again, and dropped by the producer instead of retried for as
	// long as Kafka refuses them.
	deadline := stopAt.Add(t.w.cfg.TaskShutdownGracefulTimeout)
	s.awaitAcked(ctx, deadline)
	// No resend may reach the producer once it closes.
	resend.stop()
	s.closeProducer()
	timer := time.NewTimer(time.Until(deadline))
	select {
	case <-acks.Done():
	case <-timer.C:
		s.giveUp()
	case <-ctx.Done():
		s.giveUp()
	}
	timer.Stop()
	flush.cancel()
	// handleAcks has returned, or returns promptly: the producer holds no record any more, or gave them up.
	helpers.Stop()
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.w.cfg.OffsetFlushTimeout)
	if err := s.flushOffsets(flushCtx, task); err != nil {
		t.log.Warn("final offset flush failed", "err", err)
	}
	cancel()
	if err := safely(func() error { return task.Stop(ctx) }); err != nil {
		t.log.Warn("task stop failed", "err", err)
	}
	t.log.Info("task stopped")
	if loopErr == nil {
		loopErr = s.failure()
	}
	return loopErr
}

// sourceSubmitter tracks the records of one source task between Poll and Kafka's acknowledgement.
type sourceSubmitter struct {
	t         *taskRunner
	producer  sarama.AsyncProducer
	pipe      *recordPipeline
	committer connector.RecordCommitter

	tolerateAll bool
	slots       chan struct{}       // one token per in-flight record
	mem         *semaphore.Weighted // the in-flight records' bytes, of memSize
	memSize     int64
	changed     chan struct{} // poked when the queue shrinks or a failure is recorded

	drainMu sync.Mutex // one drain at a time, so records are committed strictly in order

	mu      sync.Mutex
	queue   []*inFlight // in submission order
	offsets map[string]pendingOffset
	fatal   error

	retryMu sync.Mutex
	retries []*sarama.ProducerMessage // records Kafka could not take yet, to send again
	retryCh chan struct{}             // poked when retries grows

	// inputMu is held shared while a record is handed to the producer and exclusively to close the producer,
	// which may happen on another goroutine (an abandoned runner's closer): sarama panics on a send to a
	// closed producer.
	inputMu     sync.RWMutex
	inputClosed bool
	closeOnce   sync.Once
	// abortProducer makes the producer drop what it holds (taskProducer.abort); nil in tests.
	abortProducer func()
	// gaveUp is set once the records in flight are given up: the errors the producer then returns are no
	// failures of the task, and the records are neither committed nor sent again.
	gaveUp atomic.Bool

	topicsReady map[string]bool // topics checked for creation (poll goroutine only)
	headerKeys  headerKeyCache  // poll goroutine only
	acked       atomic.Int64
}

func newSourceSubmitter(t *taskRunner, producer sarama.AsyncProducer, pipe *recordPipeline) *sourceSubmitter {
	return &sourceSubmitter{
		t: t, producer: producer, pipe: pipe,
		slots:       make(chan struct{}, maxInFlightRecords),
		mem:         semaphore.NewWeighted(t.w.cfg.ProducerBufferMemory),
		memSize:     t.w.cfg.ProducerBufferMemory,
		changed:     make(chan struct{}, 1),
		retryCh:     make(chan struct{}, 1),
		offsets:     make(map[string]pendingOffset),
		topicsReady: make(map[string]bool),
		tolerateAll: pipe.cfg.Tolerance == errorhandling.ToleranceAll,
	}
}

type inFlight struct {
	rec  *connector.SourceRecord   // as polled, before the transformations: what the task is told of
	meta *connector.RecordMetadata // nil until Kafka acknowledged the record; then &acked
	// acked is the record's metadata once Kafka acknowledged it, allocated with the entry.
	acked connector.RecordMetadata
	// partition is the partition the (transformed) record asked for, -1 for the partitioner's choice.
	partition int32
	bytes     int64 // of mem
	done      bool
	produced  bool // handed to the producer: holds a slot and bytes of mem until it is drained
}

type pendingOffset struct {
	key   []byte
	value []byte
}

// pollLoop polls until the task is asked to stop or fails; paused is the state the task last reported.
func (s *sourceSubmitter) pollLoop(ctx context.Context, task connector.SourceTask, paused bool) error {
	for s.t.awaitRunnable(&paused, ctx.Done()) {
		if err := s.failure(); err != nil {
			return err
		}
		recs, err := s.poll(ctx, task)
		if err != nil {
			if ctx.Err() != nil && s.t.isStopping() {
				return nil
			}
			if retriable := (*connector.RetriableError)(nil); errors.As(err, &retriable) {
				// Kafka Connect polls again at once (AbstractWorkerSourceTask.poll).
				s.t.log.Warn("failed to poll records from SourceTask. Will retry operation.", "err", err)
				continue
			}
			return fmt.Errorf("poll: %w", err)
		}
		for _, rec := range recs {
			if err := s.send(ctx, rec); err != nil {
				if s.t.isStopping() && (ctx.Err() != nil || errors.Is(err, errorhandling.ErrStopped)) {
					return nil //nolint:nilerr // cut short by the stop: not a failure of the task
				}
				return err
			}
		}
	}
	return nil
}

// poll calls the task's Poll, a panic turned into an error, and records the batch and its time (Kafka's
// source-task poll metrics).
func (s *sourceSubmitter) poll(ctx context.Context, task connector.SourceTask) ([]*connector.SourceRecord, error) {
	var recs []*connector.SourceRecord
	began := time.Now()
	err := safely(func() error {
		var err error
		recs, err = task.Poll(ctx)
		return err
	})
	if err == nil && len(recs) > 0 {
		s.t.metrics.SourcePoll(len(recs), time.Since(began))
	}
	return recs, err
}

// drainLoop lets a stopping task that holds records it alone can deliver (connector.Drainer: messages it
// acknowledged to its source and spooled) hand them out: it keeps polling and producing until the task reports
// connector.ErrDrained or the deadline passes. What is left stays with the task for its next start.
func (s *sourceSubmitter) drainLoop(ctx context.Context, task connector.SourceTask, d connector.Drainer, deadline time.Time) error {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	s.t.log.Debug("draining the task before it stops", "until", deadline.Format(time.RFC3339Nano))
	if err := safely(func() error { d.Drain(); return nil }); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	sent := 0
	for {
		if err := s.failure(); err != nil {
			return err
		}
		recs, err := s.poll(dctx, task)
		switch {
		case errors.Is(err, connector.ErrDrained):
			level := slog.LevelDebug
			if sent > 0 {
				level = slog.LevelInfo
			}
			s.t.log.Log(dctx, level, "task drained", "records", sent)
			return nil
		case err != nil && dctx.Err() != nil:
			s.t.log.Warn("drain cut short by task.shutdown.graceful.timeout.ms; the task keeps the rest for its next start",
				"records", sent)
			return nil
		case err != nil:
			// The task is stopping either way; what it could not hand out stays with it, and its next start
			// meets the problem again if it lasts.
			s.t.log.Warn("poll failed while draining; the task keeps the rest for its next start", "records", sent,
				"err", err)
			return nil
		}
		for _, rec := range recs {
			if err := s.send(dctx, rec); err != nil {
				if dctx.Err() != nil || errors.Is(err, errorhandling.ErrStopped) {
					s.t.log.Warn("drain cut short by task.shutdown.graceful.timeout.ms; the task keeps the rest for "+
						"its next start", "records", sent)
					return nil // the deadline of a graceful stop: not a failure of the task
				}
				return err
			}
			sent++
		}
		if dctx.Err() != nil {
			s.t.log.Warn("drain cut short by task.shutdown.graceful.timeout.ms; the task keeps the rest for its next start",
				"records", sent)
			return nil
		}
	}
}

// send transforms and converts a record and hands it to the producer, waiting for a free in-flight slot. A
// record a transformation drops, or whose transformation or conversion failed within errors.tolerance, is
// committed in its turn without being produced (its source offset too, so that it is not read again).
func (s *sourceSubmitter) send(ctx context.Context, rec *connector.SourceRecord) error {
	msg, err := s.process(rec)
	if err != nil {
		return err
	}
	if msg == nil {
		s.enqueue(&inFlight{rec: rec, done: true})
		s.drain()
		return nil
	}
	if !s.topicsReady[msg.Topic] {
		if err := s.t.w.ensureSourceTopic(ctx, s.t, msg.Topic); err != nil {
			return err
		}
		s.topicsReady[msg.Topic] = true
	}
	entry, err := s.reserve(ctx, rec, msg)
	if err != nil {
		return err
	}
	s.enqueue(entry)
	if err := s.input(&msg.ProducerMessage, ctx.Done()); err != nil {
		// The record never reached the producer: forget it, it was not acknowledged upstream either.
		s.mu.Lock()
		if n := len(s.queue); n > 0 && s.queue[n-1] == entry {
			s.queue = s.queue[:n-1]
		}
		s.mu.Unlock()
		<-s.slots
		s.mem.Release(entry.bytes)
		s.t.metrics.SourceWritten(0, 1)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// errProducerClosed is what a send gets once the task's producer is closed.
var errProducerClosed = errors.New("task producer closed")

// input hands msg to the producer, unless the producer is closed or done is closed first.
func (s *sourceSubmitter) input(msg *sarama.ProducerMessage, done <-chan struct{}) error {
	s.inputMu.RLock()
	defer s.inputMu.RUnlock()
	if s.inputClosed {
		return errProducerClosed
	}
	select {
	case s.producer.Input() <- msg:
		return nil
	case <-done:
		return context.Canceled
	}
}

// closeProducer closes the producer (AsyncClose) once no send is under way; later sends fail. It is
// idempotent and safe on any goroutine. A send blocked on the producer holds it up until its done channel
// closes or the producer takes the record, which an aborted producer does at once.
func (s *sourceSubmitter) closeProducer() {
	s.closeOnce.Do(func() {
		s.inputMu.Lock()
		s.inputClosed = true
		s.inputMu.Unlock()
		s.producer.AsyncClose()
	})
}

// giveUp gives up the records in flight: the producer drops them at once instead of retrying them, and they
// are not committed, so that their sources deliver them again (at least once). Idempotent.
func (s *sourceSubmitter) giveUp() {
	s.gaveUp.Store(true) // before the abort, so that handleAcks sees it with the errors the abort causes
	if s.abortProducer != nil {
		s.abortProducer()
	}
}

// reserve waits for an in-flight slot and for the record's bytes of producer.buffer.memory, and returns the
// record's entry, which drain gives them back from.
func (s *sourceSubmitter) reserve(ctx context.Context, rec *connector.SourceRecord, msg *producerMessage) (*inFlight, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// A record larger than the whole budget goes alone.
	n := min(recordBytes(&msg.ProducerMessage), s.memSize)
	if err := s.mem.Acquire(ctx, n); err != nil {
		<-s.slots
		return nil, err
	}
	entry := &msg.entry
	*entry = inFlight{rec: rec, produced: true, bytes: n, partition: msg.Partition}
	msg.Metadata = entry
	return entry, nil
}

// recordBytes is what a record counts against producer.buffer.memory: its key, value and headers.
func recordBytes(msg *sarama.ProducerMessage) int64 {
	n := 0
	if msg.Key != nil {
		n += msg.Key.Length()
	}
	if msg.Value != nil {
		n += msg.Value.Length()
	}
	for _, h := range msg.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return int64(n)
}

// process runs a polled record through the transformation chain and the converters (Kafka's sendRecords:
// transformations, then header, key and value conversion). It returns nil when the record is dropped, and an
// error when a failure is not tolerated.
func (s *sourceSubmitter) process(rec *connector.SourceRecord) (*producerMessage, error) {
	pc := errorhandling.Context{Source: rec}
	if len(s.pipe.chain) == 0 {
		// Without transformations the view stays on the stack: nothing may keep it.
		view := sourceView(rec)
		return s.convert(&pc, &view)
	}
	in := sourceView(rec)
	out, err := s.pipe.transform(&pc, &in)
	if err != nil || out == nil {
		return nil, err
	}
	return s.convert(&pc, out)
}

// convert turns a (transformed) record into a producer message; nil when a conversion failed within
// errors.tolerance.
func (s *sourceSubmitter) convert(pc *errorhandling.Context, rec *connector.Record) (*producerMessage, error) {
	conv, op := s.pipe.conv, s.pipe.op
	pm := &producerMessage{}
	var headers []sarama.RecordHeader
	if len(rec.Headers) > 0 {
		var err error
		headers, err = errorhandling.Execute(op, pc, errorhandling.StageHeaderConverter, conv.headerClass,
			func() ([]sarama.RecordHeader, error) {
				hs := pm.headers[:0]
				for _, h := range rec.Headers {
					hv, err := conv.header.FromConnectHeader(rec.Topic, h.Key, h.Schema, h.Value)
					if err != nil {
						return nil, err
					}
					hs = append(hs, sarama.RecordHeader{Key: s.headerKeys.bytes(h.Key), Value: hv})
				}
				return hs, nil
			})
		if err != nil {
			return nil, err
		}
	}
	key, err := errorhandling.Execute(op, pc, errorhandling.StageKeyConverter, conv.keyClass,
		func() ([]byte, error) { return conv.key.FromConnectData(rec.Topic, rec.KeySchema, rec.Key) })
	if err != nil {
		return nil, err
	}
	value, err := errorhandling.Execute(op, pc, errorhandling.StageValueConverter, conv.valueClass,
		func() ([]byte, error) { return conv.value.FromConnectData(rec.Topic, rec.ValueSchema, rec.Value) })
	if err != nil || pc.Failed() {
		return nil, err
	}
	pm.ProducerMessage = sarama.ProducerMessage{Topic: rec.Topic, Timestamp: rec.Timestamp, Headers: headers}
	msg := &pm.ProducerMessage
	if key != nil {
		pm.key = key
		msg.Key = &pm.key
	}
	if value != nil {
		pm.value = value
		msg.Value = &pm.value
	}
	if rec.Partition != nil {
		msg.Partition = *rec.Partition
	} else {
		msg.Partition = -1
	}
	return pm, nil
}

// producerMessage is a producer message allocated together with what would otherwise cost an allocation
// each per record: the encoders of its key and value (sarama.ByteEncoder is a slice, and a slice does not fit
// in an interface), the headers of a record with up to two (the MQTT source's), and its in-flight entry.
type producerMessage struct {
	sarama.ProducerMessage
	key, value sarama.ByteEncoder
	headers    [2]sarama.RecordHeader
	entry      inFlight
}

// headerKeyCache hands out the bytes of header keys, which a source's records repeat: the same key's bytes
// are shared by every record (sarama only reads them), instead of copied for each. It keeps the first
// maxCachedHeaderKeys keys it sees, and copies any other each time. Poll goroutine only.
type headerKeyCache struct {
	keys []cachedHeaderKey
}

type cachedHeaderKey struct {
	key   string
	bytes []byte
}

const maxCachedHeaderKeys = 16

func (c *headerKeyCache) bytes(key string) []byte {
	for _, k := range c.keys {
		if k.key == key {
			return k.bytes
		}
	}
	b := []byte(key)
	if len(c.keys) < maxCachedHeaderKeys {
		c.keys = append(c.keys, cachedHeaderKey{key: key, bytes: b})
	}
	return b
}

func (s *sourceSubmitter) enqueue(e *inFlight) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
}

// handleAcks receives the producer's results until the producer is closed.
func (s *sourceSubmitter) handleAcks() {
	successes, errs := s.producer.Successes(), s.producer.Errors()
	for successes != nil || errs != nil {
		select {
		case msg, ok := <-successes:
			if !ok {
				successes = nil
				continue
			}
			e := msg.Metadata.(*inFlight)
			s.mu.Lock()
			e.done = true
			e.acked = connector.RecordMetadata{Topic: msg.Topic, Partition: msg.Partition, Offset: msg.Offset}
			e.meta = &e.acked
			s.mu.Unlock()
			s.drain()
		case perr, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if s.gaveUp.Load() {
				// Dropped by the aborted producer, or failed as the task gave its records up: not delivered,
				// so not committed, and not sent again.
				continue
			}
			e := perr.Msg.Metadata.(*inFlight)
			if s.tolerateAll {
				// Reported as Kafka's WorkerSourceTask does (stage KAFKA_PRODUCE), which logs it under
				// errors.log.enable; the record is committed without metadata.
				pc := errorhandling.Context{Source: e.rec}
				_, _ = s.pipe.op.ExecuteFailed(&pc, errorhandling.StageKafkaProduce, errorhandling.ClassWorkerSourceTask, perr.Err)
				s.t.log.Debug("dropping record kafka refused", "topic", perr.Msg.Topic, "err", perr.Err)
				s.mu.Lock()
				e.done = true
				s.mu.Unlock()
				s.drain()
				continue
			}
			if retriableProduceError(perr.Err) {
				// Kafka Connect's producer retries such records for as long as it takes (delivery.timeout.ms is
				// unlimited); sarama gives up after its own retries, so the record is sent again.
				s.retry(perr.Msg)
				continue
			}
			s.mu.Lock()
			if s.fatal == nil {
				s.fatal = fmt.Errorf("send record to topic %s: %w", perr.Msg.Topic, perr.Err)
			}
			s.mu.Unlock()
			s.poke()
		}
	}
}

// retriableProduceError reports whether a failed send may succeed later (brokers down, leaders moving),
// as opposed to a record Kafka will never take.
func retriableProduceError(err error) bool {
	for _, fatal := range []error{
		sarama.ErrMessageSizeTooLarge, sarama.ErrInvalidMessage, sarama.ErrInvalidMessageSize,
		sarama.ErrTopicAuthorizationFailed, sarama.ErrInvalidTopic, sarama.ErrInvalidRecord,
		sarama.ErrClusterAuthorizationFailed, sarama.ErrTransactionalIDAuthorizationFailed,
		sarama.ErrUnsupportedVersion, sarama.ErrUnsupportedForMessageFormat,
	} {
		if errors.Is(err, fatal) {
			return false
		}
	}
	var encErr sarama.PacketEncodingError
	return !errors.As(err, &encErr)
}

// retry queues a record for sending again.
func (s *sourceSubmitter) retry(msg *sarama.ProducerMessage) {
	s.retryMu.Lock()
	s.retries = append(s.retries, msg)
	s.retryMu.Unlock()
	select {
	case s.retryCh <- struct{}{}:
	default:
	}
}

// resendLoop sends failed records again, in the order they failed, after a back-off that grows while sends
// keep failing, until done is closed. It runs apart from the acknowledgement goroutine, which must keep
// draining the producer's results for the producer to make progress.
func (s *sourceSubmitter) resendLoop(done <-chan struct{}) {
	// 250 ms doubling to 5 s, started over once a resent batch is not refused again.
	bo := backoff.Backoff{Base: 250 * time.Millisecond, Max: 5 * time.Second}
	for {
		select {
		case <-done:
			return
		case <-s.retryCh:
		}
		delay := bo.Next()
		timer := time.NewTimer(delay)
		select {
		case <-done:
			timer.Stop()
			return
		case <-timer.C:
		}
		s.retryMu.Lock()
		batch := s.retries
		s.retries = nil
		s.retryMu.Unlock()
		s.t.log.Warn("sending records again after kafka refused them", "records", len(batch), "backoff", delay)
		for _, old := range batch {
			// sarama does not allow a message to be produced twice: send a fresh copy.
			e := old.Metadata.(*inFlight)
			msg := &sarama.ProducerMessage{Topic: old.Topic, Key: old.Key, Value: old.Value, Headers: old.Headers,
				Timestamp: old.Timestamp, Metadata: e, Partition: e.partition}
			if s.input(msg, done) != nil {
				return
			}
		}
		s.retryMu.Lock()
		if len(s.retries) == 0 {
			bo.Reset()
		}
		s.retryMu.Unlock()
	}
}

// drain commits the acknowledged prefix of the queue: records are committed to the task, and their offsets
// made flushable, strictly in submission order, so nothing is acknowledged upstream before everything sent
// before it is safe in Kafka.
func (s *sourceSubmitter) drain() {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	written, dropped := 0, 0
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || !s.queue[0].done {
			s.mu.Unlock()
			s.t.metrics.SourceWritten(written, dropped)
			s.poke()
			return
		}
		e := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		if e.rec.SourcePartition != nil && e.rec.SourceOffset != nil {
			if k, err := records.EncodeOffsetKey(s.t.id.Connector, e.rec.SourcePartition); err == nil {
				if v, err := records.EncodeOffsetValue(e.rec.SourceOffset); err == nil {
					s.offsets[string(k)] = pendingOffset{key: k, value: v}
				}
			}
		}
		s.mu.Unlock()
		if e.produced {
			// A record Kafka refused under errors.tolerance=all has no metadata but held its share too.
			<-s.slots
			s.mem.Release(e.bytes)
		}
		if e.meta != nil {
			written++
			s.acked.Add(1)
			s.t.topics.record(e.meta.Topic)
		} else {
			dropped++
		}
		if s.committer != nil {
			if err := safely(func() error { return s.committer.CommitRecord(e.rec, e.meta) }); err != nil {
				s.t.log.Warn("commit record failed", "err", err)
			}
		}
	}
}

func (s *sourceSubmitter) poke() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *sourceSubmitter) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatal
}

// awaitAcked waits until no record is in flight, a send failed, deadline passes or ctx ends.
func (s *sourceSubmitter) awaitAcked(ctx context.Context, deadline time.Time) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		s.mu.Lock()
		empty, failed := len(s.queue) == 0, s.fatal != nil
		s.mu.Unlock()
		if empty || failed {
			return
		}
		select {
		case <-s.changed:
		case <-timer.C:
			s.t.log.Warn("records still unacknowledged at stop; their offsets are not committed")
			return
		case <-ctx.Done():
			s.t.log.Warn("records still unacknowledged when the task was abandoned; their offsets are not committed")
			return
		}
	}
}

// flushLoop commits offsets every offset.flush.interval.ms until done is closed.
func (s *sourceSubmitter) flushLoop(ctx context.Context, done <-chan struct{}) {
	ticker := time.NewTicker(s.t.w.cfg.OffsetFlushInterval)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
			fctx, cancel := context.WithTimeout(ctx, s.t.w.cfg.OffsetFlushTimeout)
			if err := s.flushOffsets(fctx, nil); err != nil {
				s.t.log.Warn("offset flush failed", "err", err)
			}
			cancel()
		}
	}
}

// flushOffsets writes the offsets of acknowledged records to the offsets topic, then tells the task (when
// given) that they are committed.
func (s *sourceSubmitter) flushOffsets(ctx context.Context, task connector.SourceTask) error {
	s.mu.Lock()
	pending := s.offsets
	s.offsets = make(map[string]pendingOffset)
	s.mu.Unlock()
	committer, _ := task.(connector.Committer)
	if len(pending) == 0 && committer == nil {
		return nil
	}
	began := time.Now()
	err := s.commitOffsets(ctx, pending, committer)
	s.t.metrics.OffsetCommit(err == nil, time.Since(began))
	return err
}

// commitOffsets is flushOffsets once there is something to commit.
func (s *sourceSubmitter) commitOffsets(ctx context.Context, pending map[string]pendingOffset, committer connector.Committer) error {
	if len(pending) > 0 {
		recs := make([]kafkalog.Record, 0, len(pending))
		for _, p := range pending {
			recs = append(recs, kafkalog.Record{Key: p.key, Value: p.value})
		}
		if err := s.t.w.offsetLog.SendAll(ctx, recs); err != nil {
			s.mu.Lock()
			for k, p := range pending {
				if _, newer := s.offsets[k]; !newer {
					s.offsets[k] = p
				}
			}
			s.mu.Unlock()
			return fmt.Errorf("write offsets: %w", err)
		}
	}
	if committer != nil {
		return safely(func() error { return committer.Commit(ctx) })
	}
	return nil
}

// recordPartitioner is Kafka's default partitioner for task records: an explicit partition wins, a key is
// hashed with murmur2 as Java does (so connectd and Kafka Connect put a key in the same partition), and
// records without a key are spread round-robin.
type recordPartitioner struct {
	next atomic.Uint32
}

func newRecordPartitioner(string) sarama.Partitioner { return &recordPartitioner{} }

func (p *recordPartitioner) Partition(msg *sarama.ProducerMessage, n int32) (int32, error) {
	if msg.Partition >= 0 && msg.Partition < n {
		return msg.Partition, nil
	}
	if msg.Key == nil {
		return int32(p.next.Add(1) % uint32(n)), nil
	}
	key, err := msg.Key.Encode()
	if err != nil {
		return -1, err
	}
	return kafkalog.Murmur2Partition(key, n), nil
}

func (p *recordPartitioner) RequiresConsistency() bool { return true }
