package worker

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/worker/errorhandling"
)

// fakeSession is the part of a sarama.ConsumerGroupSession a sinkHandler uses: one claimed partition, and the
// offsets marked.
type fakeSession struct {
	sarama.ConsumerGroupSession
	ctx    context.Context
	topic  string
	mu     sync.Mutex
	marked []int64
}

func (s *fakeSession) Context() context.Context   { return s.ctx }
func (s *fakeSession) Claims() map[string][]int32 { return map[string][]int32{s.topic: {0}} }
func (s *fakeSession) Commit()                    {}
func (s *fakeSession) MarkOffset(_ string, _ int32, off int64, _ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marked = append(s.marked, off)
}

func (s *fakeSession) markedOffsets() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.marked...)
}

// fakeClaim is a claim whose records are all buffered already, as sarama's may be when the session ends.
type fakeClaim struct {
	sarama.ConsumerGroupClaim
	topic string
	msgs  chan *sarama.ConsumerMessage
}

func (c *fakeClaim) Topic() string                            { return c.topic }
func (c *fakeClaim) Partition() int32                         { return 0 }
func (c *fakeClaim) Messages() <-chan *sarama.ConsumerMessage { return c.msgs }

// scriptedSink is a sink task whose Put and PreCommit the test scripts.
type scriptedSink struct {
	put       func(ctx context.Context, recs []*connector.SinkRecord) error
	close     func(partitions []connector.TopicPartition) error
	preCommit func(ctx context.Context, offsets map[connector.TopicPartition]int64) (map[connector.TopicPartition]int64, error)
}

func (s *scriptedSink) Start(context.Context, connector.SinkTaskContext, map[string]string) error {
	return nil
}
func (s *scriptedSink) Put(ctx context.Context, recs []*connector.SinkRecord) error {
	return s.put(ctx, recs)
}
func (s *scriptedSink) Flush(context.Context, map[connector.TopicPartition]int64) error { return nil }
func (s *scriptedSink) PreCommit(ctx context.Context, offsets map[connector.TopicPartition]int64) (map[connector.TopicPartition]int64, error) {
	if s.preCommit == nil {
		return offsets, nil
	}
	return s.preCommit(ctx, offsets)
}
func (s *scriptedSink) Close(_ context.Context, partitions []connector.TopicPartition) error {
	if s.close == nil {
		return nil
	}
	return s.close(partitions)
}
func (s *scriptedSink) Stop(context.Context) error { return nil }

// newTestSinkHandler is a sinkHandler of task c-0 over task, with max.poll.records maxPoll.
func newTestSinkHandler(t *testing.T, task connector.SinkTask, maxPoll int) *sinkHandler {
	t.Helper()
	w := newRuntimeTestWorker(t)
	w.cfg.OffsetFlushInterval = time.Hour
	w.cfg.OffsetFlushTimeout = 5 * time.Second
	tr := w.newTaskRunner(connector.TaskID{Connector: "c", Task: 0}, nil, &storage.Connector{Name: "c"})
	return &sinkHandler{
		t: tr, task: task, maxPoll: maxPoll, cancel: func() {},
		pipe:    testPipeline(&taskConverters{key: stringConverter{}, value: stringConverter{}}, errorhandling.Config{}),
		offsets: make(map[connector.TopicPartition]int64),
	}
}

// bufferedClaim is a claim of topic "in" with records 0..n-1 buffered.
func bufferedClaim(n int) *fakeClaim {
	c := &fakeClaim{topic: "in", msgs: make(chan *sarama.ConsumerMessage, n)}
	for i := range n {
		c.msgs <- &sarama.ConsumerMessage{Topic: "in", Partition: 0, Offset: int64(i), Value: []byte("v")}
	}
	return c
}

// TestSinkNothingDeliveredAfterACancelledPut: when the session ends while Put waits (back-pressure), and Put
// returns having taken none of its batch, no later buffered batch reaches the task, so the offsets committed
// at Cleanup do not pass the batch's records. sarama may still hand out buffered records after the session's
// end, and ConsumeClaim's select picks among ready cases at random: the scenario runs many times.
func TestSinkNothingDeliveredAfterACancelledPut(t *testing.T) {
	t.Parallel()
	for round := range 40 {
		var mu sync.Mutex
		var puts []int64 // the first offset of each batch Put accepted
		ctx, cancel := context.WithCancel(context.Background())
		first := true
		task := &scriptedSink{put: func(pctx context.Context, recs []*connector.SinkRecord) error {
			mu.Lock()
			defer mu.Unlock()
			if first {
				// The window is full: the session ends (a rebalance) while Put waits, and Put takes nothing.
				first = false
				cancel()
				<-pctx.Done()
				return pctx.Err()
			}
			puts = append(puts, recs[0].Offset)
			return nil
		}}
		h := newTestSinkHandler(t, task, 1)
		sess := &fakeSession{ctx: ctx, topic: "in"}
		if err := h.Setup(sess); err != nil {
			t.Fatal(err)
		}
		if err := h.ConsumeClaim(sess, bufferedClaim(20)); err != nil {
			t.Fatalf("round %d: ConsumeClaim: %v", round, err)
		}
		if err := h.Cleanup(sess); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if len(puts) > 0 {
			t.Errorf("round %d: batches from offsets %v put after the session ended with record 0 not taken", round, puts)
		}
		mu.Unlock()
		for _, off := range sess.markedOffsets() {
			if off > 0 {
				t.Fatalf("round %d: offset %d committed; record 0 was never handed over", round, off)
			}
		}
	}
}

// TestSinkPeriodicFlushIsBounded: the offset commit ConsumeClaim runs every offset.flush.interval.ms waits for a
// PreCommit at most offset.flush.timeout.ms, as a pause and Cleanup do, so that it does not hold mu (every
// partition's Put and the pause transitions) for as long as the task's outage lasts.
func TestSinkPeriodicFlushIsBounded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ended := make(chan error, 1)
	task := &scriptedSink{
		put: func(context.Context, []*connector.SinkRecord) error { return nil },
		preCommit: func(pctx context.Context, _ map[connector.TopicPartition]int64) (map[connector.TopicPartition]int64, error) {
			<-pctx.Done() // the sink's broker is down: nothing becomes durable
			select {
			case ended <- pctx.Err():
			default:
			}
			return nil, pctx.Err()
		},
	}
	h := newTestSinkHandler(t, task, 1)
	h.t.w.cfg.OffsetFlushInterval = 10 * time.Millisecond
	h.t.w.cfg.OffsetFlushTimeout = 50 * time.Millisecond
	sess := &fakeSession{ctx: ctx, topic: "in"}
	if err := h.Setup(sess); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.ConsumeClaim(sess, bufferedClaim(1)) }()
	select {
	case err := <-ended:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("PreCommit's context ended with %v, want its deadline", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the periodic PreCommit still waits with the session alive: no offset.flush.timeout.ms bound")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSinkCleanupClosesThePartitionsAfterTheCommit: at the end of a session the worker commits, then calls
// the task's Close with the session's partitions (Kafka's SinkTask.close on revocation), so that it lets go
// of what it holds of them.
func TestSinkCleanupClosesThePartitionsAfterTheCommit(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess := &fakeSession{ctx: ctx, topic: "in"}
	var closed []connector.TopicPartition
	var markedBefore []int64
	task := &scriptedSink{
		put: func(context.Context, []*connector.SinkRecord) error { return nil },
		close: func(partitions []connector.TopicPartition) error {
			closed, markedBefore = partitions, sess.markedOffsets()
			return nil
		},
	}
	h := newTestSinkHandler(t, task, 10)
	if err := h.Setup(sess); err != nil {
		t.Fatal(err)
	}
	claim := bufferedClaim(3)
	close(claim.msgs)
	if err := h.ConsumeClaim(sess, claim); err != nil {
		t.Fatal(err)
	}
	if err := h.Cleanup(sess); err != nil {
		t.Fatal(err)
	}
	if len(closed) != 1 || closed[0] != (connector.TopicPartition{Topic: "in"}) {
		t.Errorf("Close(%v), want [in-0]", closed)
	}
	if len(markedBefore) != 1 || markedBefore[0] != 3 {
		t.Errorf("offsets committed before Close: %v, want [3]", markedBefore)
	}
}
