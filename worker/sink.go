package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/errorhandling"
)

// maxSinkBatch is the most records handed to SinkTask.Put at once (Kafka's max.poll.records default).
const maxSinkBatch = 500

// sinkGroupID is the consumer group of a sink connector (Kafka Connect's SinkUtils.consumerGroupId), unless
// the connector overrides it.
func sinkGroupID(name string, connConfig map[string]string) string {
	if g := connConfig["consumer.override.group.id"]; g != "" {
		return g
	}
	return "connect-" + name
}

// runSink is the sink task loop (Kafka Connect's WorkerSinkTask): consume in the connector's consumer group,
// convert, transform, Put, and commit consumer offsets only after the task has flushed what it was given and
// every failed record's report is persisted.
func (t *taskRunner) runSink(ctx context.Context) error {
	pipe, err := t.newPipeline(connector.Sink)
	if err != nil {
		return err
	}
	reporters, closeReporters, err := t.sinkReporters(ctx, pipe.cfg)
	if err != nil {
		if t.isStopping() {
			return nil
		}
		return err
	}
	defer closeReporters()
	pipe.op = errorhandling.NewOperator(pipe.cfg, t.errMetrics, t.stopping, reporters...)
	defer t.closeOperator(pipe.op)
	tc := sinkTaskContext{log: t.log, timeout: new(atomic.Int64)}
	if pipe.cfg.ErrantRecordReporterEnabled() {
		tc.errant = newErrantReporter(pipe.op, pipe.conv)
	}

	tcc, err := t.w.taskClientConfig(t, "consumer")
	if err != nil {
		return err
	}
	maxPoll, err := maxPollRecords(tcc.Set)
	if err != nil {
		return err
	}
	cfg := tcc.Config
	if _, ok := tcc.Set["client.id"]; !ok {
		cfg.ClientID = fmt.Sprintf("connector-consumer-%s-%d", t.id.Connector, t.id.Task)
	}
	// Connect commits the offsets itself, after the task has flushed: auto commit stays off, whatever the
	// overrides say (Kafka Connect forces enable.auto.commit=false too).
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Return.Errors = true

	group, client, err := t.w.newSinkGroup(ctx, t, cfg, tcc.bootstrap)
	if err != nil {
		if t.isStopping() {
			return nil
		}
		return err
	}
	// sarama's Client.Close panics when two calls overlap: the runner and its closer share one.
	closeClient := sync.OnceFunc(func() { _ = client.Close() })
	defer closeClient()
	defer group.Close()
	// Should the runner be abandoned (stuck in a plugin call, or in sarama while Kafka does not answer), its
	// consumer is closed apart from it: the client first, so that requests waiting for Kafka's answer fail at
	// once instead of after request.timeout.ms, then the group, whose leave then fails at once too; the group
	// reassigns the partitions after session.timeout.ms.
	t.onAbandon(func(context.Context) {
		closeClient()
		_ = group.Close()
	})

	task := t.plugin.NewSinkTask()
	if err := safely(func() error { return task.Start(ctx, tc, maps.Clone(t.config)) }); err != nil {
		return fmt.Errorf("start task %s-%d: %w", t.id.Connector, t.id.Task, err)
	}
	t.startedTask(task)
	t.log.Info("task started")

	consumeCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := &sinkHandler{
		t: t, task: task, group: group, pipe: pipe, tc: tc, maxPoll: maxPoll,
		offsets: make(map[connector.TopicPartition]int64),
		cancel:  cancel,
	}
	// The pause/resume control goroutine, as the source task's helpers: owned by the task, ended with
	// consumeCtx and waited for before the plugin stops.
	helpers := newSupervisor(consumeCtx)
	defer helpers.Stop()
	helpers.Go(h.control)
	// A stop request ends consumption here rather than in control: control may be waiting for a Put to let go
	// of mu (a sink that blocks for back-pressure, e.g. the MQTT sink during a broker outage, returns once its
	// context ends), and only cancelling that context ends the wait.
	helpers.Go(func(ctx context.Context) {
		select {
		case <-t.stopping:
			cancel()
		case <-ctx.Done():
		}
	})

	for consumeCtx.Err() == nil {
		topics, err := t.sinkTopics(client)
		if err != nil {
			h.setFatal(err)
			break
		}
		if len(topics) == 0 {
			// A topics.regex that matches nothing yet: wait for topics to appear.
			select {
			case <-consumeCtx.Done():
			case <-time.After(5 * time.Second):
				_ = client.RefreshMetadata()
			}
			continue
		}
		if err := group.Consume(consumeCtx, topics, h); err != nil {
			if errors.Is(err, sarama.ErrClosedConsumerGroup) || consumeCtx.Err() != nil {
				break
			}
			t.log.Warn("consume failed, retrying", "err", err)
			select {
			case <-consumeCtx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	cancel()
	helpers.Stop()
	if err := safely(func() error { return task.Stop(ctx) }); err != nil {
		t.log.Warn("task stop failed", "err", err)
	}
	t.log.Info("task stopped")
	return h.fatalErr()
}

// sinkReporters builds a sink task's error reporters (Kafka's Worker.sinkTaskReporters): the log reporter with
// errors.log.enable, and with errors.deadletterqueue.topic.name the dead letter queue, whose topic is created
// when missing and which gets a producer of its own. closeAll closes them once the operator is closed.
func (t *taskRunner) sinkReporters(ctx context.Context, cfg errorhandling.Config) (reporters []errorhandling.Reporter, closeAll func(), err error) {
	if cfg.LogEnable {
		reporters = append(reporters, errorhandling.NewLogReporter(t.log, t.id, cfg.LogIncludeMessages, t.errMetrics))
	}
	if cfg.DLQTopic == "" {
		return reporters, func() {}, nil
	}
	if err := t.w.ensureDLQTopic(ctx, t, cfg.DLQTopic, cfg.DLQReplicationFactor); err != nil {
		return nil, nil, err
	}
	prod, err := t.w.newTaskProducer(ctx, t, fmt.Sprintf("connector-dlq-producer-%s-%d", t.id.Connector, t.id.Task))
	if err != nil {
		return nil, nil, err
	}
	dlq := errorhandling.NewDeadLetterQueue(prod.producer, cfg, t.id, t.errMetrics, t.log)
	// An abandoned task gives up the reports still in flight: the dead letter queue's Close, which waits for
	// them, then returns at once, in the runner and in the closer alike.
	t.onAbandon(func(context.Context) {
		prod.abort()
		_ = dlq.Close()
		prod.close()
	})
	return append(reporters, dlq), func() {
		_ = dlq.Close() // idempotent: the operator closed it first, and logged what went wrong
		prod.close()
	}, nil
}

// sinkTopics resolves the task's topics or topics.regex against the cluster's topics.
func (t *taskRunner) sinkTopics(client sarama.Client) ([]string, error) {
	if v := strings.TrimSpace(t.config["topics"]); v != "" {
		var topics []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				topics = append(topics, s)
			}
		}
		return topics, nil
	}
	re, err := regexp.Compile("^(?:" + t.config["topics.regex"] + ")$")
	if err != nil {
		return nil, fmt.Errorf("invalid topics.regex: %w", err)
	}
	all, err := client.Topics()
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, tp := range all {
		if re.MatchString(tp) {
			topics = append(topics, tp)
		}
	}
	slices.Sort(topics)
	return topics, nil
}

// newSinkGroup joins the sink's consumer group, retrying while Kafka is unreachable.
func (w *Worker) newSinkGroup(ctx context.Context, t *taskRunner, cfg *sarama.Config, bootstrap []string) (sarama.ConsumerGroup, sarama.Client, error) {
	bo := clientBackoff()
	for {
		client, err := sarama.NewClient(bootstrap, cfg)
		if err == nil {
			group, gerr := sarama.NewConsumerGroupFromClient(sinkGroupID(t.id.Connector, t.connConfig), client)
			if gerr == nil {
				logClientValues(t.log, "consumer", cfg, bootstrap)
				return group, client, nil
			}
			client.Close()
			err = gerr
		}
		t.log.Warn("cannot create consumer, retrying", "err", err)
		if err := t.backOff(ctx, &bo); err != nil {
			return nil, nil, err
		}
	}
}

// sinkHandler is the sarama group handler of one sink task. Claims run on several goroutines; mu serialises
// every call into the task, and the pause transitions against deliveries.
type sinkHandler struct {
	t      *taskRunner
	task   connector.SinkTask
	group  sarama.ConsumerGroup
	pipe   *recordPipeline
	tc     sinkTaskContext
	cancel context.CancelFunc
	// maxPoll is max.poll.records: the most records handed to Put at once.
	maxPoll int

	mu      sync.Mutex
	sess    sarama.ConsumerGroupSession        // the current group session, between Setup and Cleanup
	offsets map[connector.TopicPartition]int64 // next offset to commit, per partition handed to Put
	fatal   error
	// rewinding is set when the task's Flush failed: what it was given since the last commit may be lost, so
	// nothing more is delivered and the session ends; the next one consumes from the committed offsets
	// (Kafka's WorkerSinkTask seeks back to them). rewind is closed then, to end the session's claims.
	rewinding bool
	rewind    chan struct{}
}

// control follows the task's target state while the task consumes, as Kafka Connect wakes its consumer on
// every transition: the consumer is paused or resumed and PAUSED or RUNNING reported at once, whether or not
// records arrive. The first state it reports is the task's state once started, so a task started while its
// connector is paused reports PAUSED and never RUNNING. It also logs consumer errors.
func (h *sinkHandler) control(ctx context.Context) {
	paused, reported := false, false
	errs := h.group.Errors()
	for {
		p, changed := h.t.pausedWatch()
		if !reported || p != paused {
			paused, reported = p, true
			h.transition(ctx, p)
		}
		select {
		case <-changed:
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			h.t.log.Warn("consumer group error", "err", err)
		case <-ctx.Done():
			return
		}
	}
}

// transition pauses or resumes the consumer on every assigned partition and reports the task's state. Holding
// mu, it waits for a Put in progress, and put checks the target under mu: no record is delivered after PAUSED
// is written. On pause it commits what was delivered, as Kafka Connect requests a commit then.
func (h *sinkHandler) transition(ctx context.Context, paused bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if paused {
		h.group.PauseAll()
		if h.sess != nil {
			fctx, cancel := context.WithTimeout(ctx, h.t.w.cfg.OffsetFlushTimeout)
			h.flushLocked(fctx, h.sess)
			cancel()
		}
	} else {
		h.group.ResumeAll()
	}
	h.t.reportPaused(paused)
}

// lockDeliverable locks mu once the task is not paused; it reports false, without the lock, when done closes
// first.
func (h *sinkHandler) lockDeliverable(done <-chan struct{}) bool {
	for {
		h.mu.Lock()
		paused, changed := h.t.pausedWatch()
		if !paused {
			return true
		}
		h.mu.Unlock()
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}

func (h *sinkHandler) Setup(sess sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	h.sess = sess
	h.rewinding, h.rewind = false, make(chan struct{})
	h.mu.Unlock()
	n := 0
	for _, ps := range sess.Claims() {
		n += len(ps)
	}
	h.t.metrics.SinkPartitions(n)
	return nil
}

// Cleanup flushes and commits before the partitions are handed back to the group.
func (h *sinkHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(sess.Context()), h.t.w.cfg.OffsetFlushTimeout)
	defer cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.rewinding {
		h.flushLocked(ctx, sess)
	}
	// What a PreCommit left uncommitted is consumed again from the committed offsets by whoever is assigned
	// the partition next: the task lets go of it (Kafka's WorkerSinkTask closes the revoked partitions).
	if pc, ok := h.task.(connector.SinkPartitionCloser); ok && h.fatal == nil {
		var parts []connector.TopicPartition
		for topic, ps := range sess.Claims() {
			for _, p := range ps {
				parts = append(parts, connector.TopicPartition{Topic: topic, Partition: p})
			}
		}
		if err := safely(func() error { return pc.Close(ctx, parts) }); err != nil {
			h.setFatalLocked(fmt.Errorf("close partitions: %w", err))
		}
	}
	clear(h.offsets)
	h.sess = nil
	h.t.metrics.SinkPartitions(0)
	if h.tc.errant != nil {
		// The session's records go back to the group; a report of one from now on converts it back to bytes.
		h.tc.errant.forget()
	}
	return nil
}

func (h *sinkHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	// A partition assigned while the task is paused starts paused (Kafka Connect's onPartitionsAssigned);
	// under mu, so that a resume cannot slip in between the check and the pause.
	h.mu.Lock()
	if paused, _ := h.t.pausedWatch(); paused {
		h.group.Pause(map[string][]int32{claim.Topic(): {claim.Partition()}})
	}
	rewind := h.rewind
	h.mu.Unlock()
	ticker := time.NewTicker(h.t.w.cfg.OffsetFlushInterval)
	defer ticker.Stop()
	// The batch grows to max.poll.records as records come: an INT's worth up front would be gigabytes.
	batch := make([]*sarama.ConsumerMessage, 0, min(h.maxPoll, maxSinkBatch))
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			batch = append(batch[:0], msg)
		more:
			for len(batch) < h.maxPoll {
				select {
				case m, ok := <-claim.Messages():
					if !ok {
						break more
					}
					batch = append(batch, m)
				default:
					break more
				}
			}
			if err := h.put(sess, batch, ticker.C); err != nil {
				if errors.Is(err, errBatchDropped) {
					// No later batch may reach the task: committing its offsets would skip this one's records.
					return nil
				}
				h.setFatal(err)
				return err
			}
		case <-ticker.C:
			h.flushBounded(sess.Context(), sess)
		case <-rewind:
			// Returning ends the session (sarama cancels it when the first claim returns).
			return nil
		case <-sess.Context().Done():
			return nil
		}
	}
}

// errBatchDropped is what put returns for a batch it did not hand over in full (the session ended, the task is
// stopping, or a flush failed): the claim must end, since a later batch delivered and committed would skip the
// dropped one's records.
var errBatchDropped = errors.New("batch not delivered")

// put converts and transforms a batch and hands it to the task once the task is not paused. A batch still
// held when the session ends is not delivered (errBatchDropped); its offsets are not committed, so it is
// consumed again. When
// Put fails with a *connector.RetriableError the same records are delivered again (Kafka's WorkerSinkTask
// pauses the consumer and redelivers its batch): after the wait the task asked for with Timeout, or at the next
// offset commit (tick).
func (h *sinkHandler) put(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage, tick <-chan time.Time) error {
	ctx := sess.Context()
	h.t.metrics.SinkRead(len(batch))
	recs := make([]*connector.SinkRecord, 0, len(batch))
	for _, m := range batch {
		rec, err := h.process(m)
		if err != nil {
			if errors.Is(err, errorhandling.ErrStopped) {
				return errBatchDropped // the task is stopping: the batch is neither delivered nor committed
			}
			return err
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
	if h.tc.errant != nil && len(recs) > 0 {
		h.tc.errant.deliver(recs, batch)
	}
	for {
		err := h.deliver(ctx, recs, batch)
		if !retriablePut(err) {
			return err
		}
		h.t.log.Error("RetriableException from SinkTask; delivering the batch again", "records", len(recs), "err", err)
		if !h.awaitRedelivery(sess, tick) {
			return errBatchDropped
		}
	}
}

// awaitRedelivery waits before a batch is delivered again: for the Timeout the task set, or else until the next
// offset commit, which it runs (Kafka's poll times out at the next commit); false when the session ends first.
func (h *sinkHandler) awaitRedelivery(sess sarama.ConsumerGroupSession, tick <-chan time.Time) bool {
	var wait <-chan time.Time
	if d := h.tc.takeTimeout(); d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		wait = timer.C
	}
	select {
	case <-sess.Context().Done():
		return false
	case <-tick:
		h.flushBounded(sess.Context(), sess)
	case <-wait:
	}
	return true
}

// deliver hands records to the task once it is not paused and, when Put succeeds, makes the batch's offsets
// committable. A delivery cut short by the session's end is no error, but errBatchDropped: the batch's
// offsets are not committed, and nothing after it may be delivered in this session.
func (h *sinkHandler) deliver(ctx context.Context, recs []*connector.SinkRecord, batch []*sarama.ConsumerMessage) error {
	if !h.lockDeliverable(ctx.Done()) {
		return errBatchDropped
	}
	defer h.mu.Unlock()
	// Checked under mu, after any Put that waited for it: once the session has ended (sarama may still hand
	// out buffered records) or a flush failed, a Put cut short may have taken only part of its batch, and a
	// later batch accepted would have its offsets committed past the records never taken.
	if h.rewinding || ctx.Err() != nil {
		return errBatchDropped
	}
	if len(recs) > 0 {
		for _, rec := range recs {
			h.t.topics.record(rec.Topic)
		}
		began := time.Now()
		err := safely(func() error { return h.task.Put(ctx, recs) })
		if err == nil {
			h.t.metrics.SinkPut(len(recs), time.Since(began))
		}
		if err == nil && h.tc.errant != nil {
			err = h.tc.errant.asyncError()
		}
		if err != nil {
			if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
				// The session ended while Put waited (a sink applying back-pressure): the batch's offsets are
				// not committed, so its records are consumed again.
				return errBatchDropped
			}
			if retriablePut(err) {
				return err
			}
			return fmt.Errorf("put: %w", err)
		}
	}
	if h.rewinding {
		// A flush failed after the batch was read: its records come again from the committed offsets.
		return errBatchDropped
	}
	last := batch[len(batch)-1]
	h.offsets[connector.TopicPartition{Topic: last.Topic, Partition: last.Partition}] = last.Offset + 1
	return nil
}

// retriablePut reports whether a Put failure asks for the batch again: a *connector.RetriableError, unless the
// error handler already refused to tolerate it (a retriable error the task reported as errant).
func retriablePut(err error) bool {
	var retriable *connector.RetriableError
	return errors.As(err, &retriable) && !errorhandling.IsHandlerError(err)
}

// process converts a consumed record (key, value, then headers, as Kafka's WorkerSinkTask does) and runs it
// through the transformation chain. It returns nil when the record is dropped: filtered out, or failed within
// errors.tolerance.
func (h *sinkHandler) process(m *sarama.ConsumerMessage) (*connector.SinkRecord, error) {
	conv, op := h.pipe.conv, h.pipe.op
	pc := errorhandling.Context{Consumed: m}
	key, err := errorhandling.Execute(op, &pc, errorhandling.StageKeyConverter, conv.keyClass,
		func() (schemaAndValue, error) {
			s, v, err := conv.key.ToConnectData(m.Topic, m.Key)
			return schemaAndValue{s, v}, err
		})
	if err != nil {
		return nil, err
	}
	value, err := errorhandling.Execute(op, &pc, errorhandling.StageValueConverter, conv.valueClass,
		func() (schemaAndValue, error) {
			s, v, err := conv.value.ToConnectData(m.Topic, m.Value)
			return schemaAndValue{s, v}, err
		})
	if err != nil {
		return nil, err
	}
	var headers []connector.Header
	if len(m.Headers) > 0 {
		headers, err = errorhandling.Execute(op, &pc, errorhandling.StageHeaderConverter, conv.headerClass,
			func() ([]connector.Header, error) { return h.convertHeaders(m) })
		if err != nil {
			return nil, err
		}
	}
	if pc.Failed() {
		return nil, nil
	}
	rec := &connector.SinkRecord{
		Topic: m.Topic, Partition: m.Partition, Offset: m.Offset,
		KeySchema: key.schema, Key: key.value, ValueSchema: value.schema, Value: value.value,
		Timestamp: m.Timestamp, Headers: headers,
		OriginalTopic: m.Topic, OriginalPartition: m.Partition, OriginalOffset: m.Offset,
	}
	if len(h.pipe.chain) == 0 {
		return rec, nil
	}
	view := sinkView(rec)
	out, err := h.pipe.transform(&pc, view)
	if err != nil || out == nil {
		return nil, err
	}
	return sinkRecordOf(rec, view, out), nil
}

// schemaAndValue is what a converter reads from bytes.
type schemaAndValue struct {
	schema *connector.Schema
	value  any
}

func (h *sinkHandler) convertHeaders(m *sarama.ConsumerMessage) ([]connector.Header, error) {
	var out []connector.Header
	for _, hd := range m.Headers {
		if hd == nil {
			continue
		}
		hs, hv, err := h.pipe.conv.header.ToConnectHeader(m.Topic, string(hd.Key), hd.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, connector.Header{Key: string(hd.Key), Schema: hs, Value: hv})
	}
	return out, nil
}

// flush asks the task to make everything it was given durable, then commits those offsets to the group.
func (h *sinkHandler) flush(ctx context.Context, sess sarama.ConsumerGroupSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.flushLocked(ctx, sess)
}

// flushBounded is flush within offset.flush.timeout.ms, as a pause and Cleanup do: a task that cannot make its
// records durable (a sink's outage) must not hold mu, and with it every partition's Put and the pause
// transitions, for longer.
func (h *sinkHandler) flushBounded(ctx context.Context, sess sarama.ConsumerGroupSession) {
	ctx, cancel := context.WithTimeout(ctx, h.t.w.cfg.OffsetFlushTimeout)
	defer cancel()
	h.flush(ctx, sess)
}

// flushLocked is flush with mu held.
func (h *sinkHandler) flushLocked(ctx context.Context, sess sarama.ConsumerGroupSession) {
	if len(h.offsets) == 0 || h.fatal != nil {
		return
	}
	// Failed records' reports are persisted before their offsets are committed (Kafka awaits the errant
	// record reporter's futures; connectd waits for every dead letter queue write).
	if err := h.pipe.op.Flush(ctx); err != nil {
		h.t.log.Warn("error reports still under way; offsets not committed", "err", err)
		return
	}
	if h.tc.errant != nil {
		fatal, err := h.tc.errant.await(ctx)
		if fatal != nil {
			h.setFatalLocked(fatal)
			return
		}
		if err != nil {
			h.t.log.Warn("errant record reports still under way; offsets not committed", "err", err)
			return
		}
	}
	offsets := maps.Clone(h.offsets)
	began := time.Now()
	commit := offsets
	var err error
	if pc, ok := h.task.(connector.SinkPreCommitter); ok {
		err = safely(func() error {
			var perr error
			commit, perr = pc.PreCommit(ctx, maps.Clone(offsets))
			return perr
		})
		if err == nil {
			commit = h.committable(sess, offsets, commit)
		}
	} else {
		err = safely(func() error { return h.task.Flush(ctx, offsets) })
	}
	if err != nil {
		h.t.metrics.OffsetCommit(false, time.Since(began))
		h.t.log.Error("flush failed; offsets not committed, rewinding to the last committed offsets", "err", err)
		clear(h.offsets)
		if !h.rewinding && h.rewind != nil {
			h.rewinding = true
			close(h.rewind)
		}
		return
	}
	if len(commit) > 0 {
		for tp, off := range commit {
			sess.MarkOffset(tp.Topic, tp.Partition, off, "")
		}
		sess.Commit()
	}
	h.t.metrics.OffsetCommit(true, time.Since(began))
	// A partition stays pending until everything delivered of it is committed: a PreCommit may return less.
	for tp, off := range commit {
		if h.offsets[tp] == off {
			delete(h.offsets, tp)
		}
	}
	if h.tc.errant != nil && len(commit) > 0 {
		h.tc.errant.committed(commit)
	}
}

// committable keeps of the offsets a PreCommit returned those of assigned partitions that do not pass what was
// consumed, as Kafka's WorkerSinkTask.commitOffsets does; it logs the others.
func (h *sinkHandler) committable(sess sarama.ConsumerGroupSession, consumed, returned map[connector.TopicPartition]int64) map[connector.TopicPartition]int64 {
	out := make(map[connector.TopicPartition]int64, len(returned))
	claims := sess.Claims()
	for tp, off := range returned {
		cur, ok := consumed[tp]
		switch {
		case !slices.Contains(claims[tp.Topic], tp.Partition):
			h.t.log.Warn("ignoring the offset the task returned for a partition not assigned to it",
				"topic", tp.Topic, "partition", tp.Partition, "offset", off)
		case !ok:
			// Nothing consumed since the partition's last commit: nothing to commit.
		case off > cur:
			h.t.log.Warn("ignoring the offset the task returned: not consumed yet", "topic", tp.Topic,
				"partition", tp.Partition, "offset", off, "consumed", cur)
		default:
			out[tp] = off
		}
	}
	return out
}

func (h *sinkHandler) setFatal(err error) {
	h.mu.Lock()
	h.setFatalLocked(err)
	h.mu.Unlock()
}

// setFatalLocked is setFatal with mu held.
func (h *sinkHandler) setFatalLocked(err error) {
	if h.fatal == nil {
		h.fatal = err
	}
	h.cancel()
}

func (h *sinkHandler) fatalErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fatal
}
