package worker

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/errorhandling"
)

// fakeProducer is the part of sarama.AsyncProducer a sourceSubmitter uses: the test reads what is produced
// from Input and answers on Successes and Errors, in any order.
type fakeProducer struct {
	sarama.AsyncProducer
	input     chan *sarama.ProducerMessage
	successes chan *sarama.ProducerMessage
	errs      chan *sarama.ProducerError
	closeOnce sync.Once
}

func newFakeProducer() *fakeProducer {
	return &fakeProducer{
		input:     make(chan *sarama.ProducerMessage, 16),
		successes: make(chan *sarama.ProducerMessage),
		errs:      make(chan *sarama.ProducerError),
	}
}

func (p *fakeProducer) Input() chan<- *sarama.ProducerMessage         { return p.input }
func (p *fakeProducer) Successes() <-chan *sarama.ProducerMessage     { return p.successes }
func (p *fakeProducer) Errors() <-chan *sarama.ProducerError          { return p.errs }
func (p *fakeProducer) produced(t *testing.T) *sarama.ProducerMessage { t.Helper(); return <-p.input }

func (p *fakeProducer) AsyncClose() {
	p.closeOnce.Do(func() {
		close(p.successes)
		close(p.errs)
	})
}

func (p *fakeProducer) ack(msg *sarama.ProducerMessage, offset int64) {
	msg.Offset = offset
	p.successes <- msg
}

// stringConverter renders a value with fmt; enough for records whose bytes the test does not read.
type stringConverter struct{}

func (stringConverter) Configure(map[string]string, bool) error { return nil }
func (stringConverter) FromConnectData(_ string, _ *connector.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return fmt.Append(nil, v), nil
}
func (stringConverter) ToConnectData(string, []byte) (*connector.Schema, any, error) {
	return nil, nil, nil
}

// recordingCommitter records the records committed to the task, by their value.
type recordingCommitter struct {
	mu        sync.Mutex
	committed []string
}

func (c *recordingCommitter) CommitRecord(rec *connector.SourceRecord, _ *connector.RecordMetadata) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.committed = append(c.committed, fmt.Sprint(rec.Value))
	return nil
}

func (c *recordingCommitter) records() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.committed)
}

// testPipeline is a pipeline of conv without transformations, with an operator for cfg and no reporters.
func testPipeline(conv *taskConverters, cfg errorhandling.Config) *recordPipeline {
	return &recordPipeline{conv: conv, cfg: cfg, op: errorhandling.NewOperator(cfg, &errorhandling.Metrics{}, nil)}
}

// newTestSubmitter is a sourceSubmitter of task c-0 over p, with its acknowledgement and resend goroutines
// running until the test ends.
func newTestSubmitter(t *testing.T, p *fakeProducer) (*sourceSubmitter, *recordingCommitter) {
	t.Helper()
	w := newRuntimeTestWorker(t)
	tr := w.newTaskRunner(connector.TaskID{Connector: "c", Task: 0}, nil, &storage.Connector{Name: "c"})
	c := &recordingCommitter{}
	s := newSourceSubmitter(tr, p, testPipeline(&taskConverters{key: stringConverter{}, value: stringConverter{}}, errorhandling.Config{}))
	s.committer = c
	s.topicsReady["t"] = true // no topic creation: there is no Kafka
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.handleAcks() }()
	resendDone := make(chan struct{})
	go func() { defer wg.Done(); s.resendLoop(resendDone) }()
	t.Cleanup(func() {
		close(resendDone)
		p.AsyncClose()
		wg.Wait()
	})
	return s, c
}

func sourceRecord(n int) *connector.SourceRecord {
	return &connector.SourceRecord{
		SourcePartition: map[string]any{"p": "0"}, SourceOffset: map[string]any{"n": n},
		Topic: "t", Value: n,
	}
}

// flushable is the offset of partition {"p": "0"} that the next flush would write, if any.
func flushable(t *testing.T, s *sourceSubmitter) (string, bool) {
	t.Helper()
	k, err := records.EncodeOffsetKey("c", map[string]any{"p": "0"})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.offsets[string(k)]
	return string(p.value), ok
}

// Records are committed to the task, and their offsets made flushable, in the order the task returned them,
// whatever order Kafka acknowledges them in: a record is never acknowledged upstream before every record
// sent before it is in Kafka.
func TestSourceSubmitterCommitsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakeProducer()
		s, c := newTestSubmitter(t, p)
		for n := 1; n <= 3; n++ {
			if err := s.send(t.Context(), sourceRecord(n)); err != nil {
				t.Fatal(err)
			}
		}
		m1, m2, m3 := p.produced(t), p.produced(t), p.produced(t)

		p.ack(m3, 12)
		p.ack(m2, 11)
		synctest.Wait()
		if got := c.records(); len(got) != 0 {
			t.Fatalf("committed %v before the first record was acknowledged", got)
		}
		if v, ok := flushable(t, s); ok {
			t.Fatalf("offset %s flushable before the first record was acknowledged", v)
		}

		p.ack(m1, 10)
		synctest.Wait()
		if got, want := c.records(), []string{"1", "2", "3"}; !slices.Equal(got, want) {
			t.Fatalf("committed %v, want %v", got, want)
		}
		if v, ok := flushable(t, s); !ok || v != `{"n":3}` {
			t.Fatalf("flushable offset %q (%v), want the last record's", v, ok)
		}
	})
}

// A record Kafka refused with a retriable error is sent again after the back-off, keeps its place in the
// commit order, and is committed once acknowledged; nothing fails.
func TestSourceSubmitterResendsRetriableFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakeProducer()
		s, c := newTestSubmitter(t, p)
		for n := 1; n <= 2; n++ {
			if err := s.send(t.Context(), sourceRecord(n)); err != nil {
				t.Fatal(err)
			}
		}
		m1, m2 := p.produced(t), p.produced(t)
		p.errs <- &sarama.ProducerError{Msg: m1, Err: sarama.ErrNotEnoughReplicas}
		p.ack(m2, 11)

		start := time.Now()
		again := p.produced(t)
		if waited := time.Since(start); waited != 250*time.Millisecond {
			t.Fatalf("resent after %v, want the first back-off (250ms)", waited)
		}
		if again == m1 || again.Metadata != m1.Metadata {
			t.Fatal("the resend is not a fresh copy of the refused record")
		}
		synctest.Wait()
		if got := c.records(); len(got) != 0 {
			t.Fatalf("committed %v while the first record was being resent", got)
		}
		p.ack(again, 12)
		synctest.Wait()
		if got, want := c.records(), []string{"1", "2"}; !slices.Equal(got, want) {
			t.Fatalf("committed %v, want %v", got, want)
		}
		if err := s.failure(); err != nil {
			t.Fatalf("a retriable failure surfaced: %v", err)
		}
	})
}

// A record Kafka will never take fails the task with Kafka's error, and is not committed.
func TestSourceSubmitterSurfacesFatalFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakeProducer()
		s, c := newTestSubmitter(t, p)
		if err := s.send(t.Context(), sourceRecord(1)); err != nil {
			t.Fatal(err)
		}
		p.errs <- &sarama.ProducerError{Msg: p.produced(t), Err: sarama.ErrMessageSizeTooLarge}
		synctest.Wait()
		if err := s.failure(); !errors.Is(err, sarama.ErrMessageSizeTooLarge) {
			t.Fatalf("failure() = %v, want ErrMessageSizeTooLarge", err)
		}
		if got := c.records(); len(got) != 0 {
			t.Fatalf("committed %v after a fatal failure", got)
		}
		// The poll loop stops at the failure instead of polling on.
		if err := s.pollLoop(t.Context(), nil, false); !errors.Is(err, sarama.ErrMessageSizeTooLarge) {
			t.Fatalf("pollLoop = %v, want the failure", err)
		}
	})
}

// Records given up (the task abandoned, or stopping with records Kafka has not acknowledged) fail as the
// aborted producer drops them; they are neither committed, even under errors.tolerance=all, which commits a
// record Kafka refused, nor sent again: their sources deliver them again. Once the producer is closed, sends
// fail instead of reaching it.
func TestSourceSubmitterGivenUpRecordsAreNotCommitted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakeProducer()
		s, c := newTestSubmitter(t, p)
		s.tolerateAll = true
		aborted := false
		s.abortProducer = func() { aborted = true }
		for n := 1; n <= 2; n++ {
			if err := s.send(t.Context(), sourceRecord(n)); err != nil {
				t.Fatal(err)
			}
		}
		m1, m2 := p.produced(t), p.produced(t)
		s.giveUp()
		if !aborted {
			t.Fatal("giving up did not abort the producer")
		}
		p.errs <- &sarama.ProducerError{Msg: m1, Err: sarama.ErrClosedClient}
		p.errs <- &sarama.ProducerError{Msg: m2, Err: sarama.ErrShuttingDown}
		synctest.Wait()
		if got := c.records(); len(got) != 0 {
			t.Fatalf("committed %v, records that were given up", got)
		}
		s.retryMu.Lock()
		retries := len(s.retries)
		s.retryMu.Unlock()
		if retries != 0 {
			t.Fatalf("%d records queued to be sent again after they were given up", retries)
		}
		if err := s.failure(); err != nil {
			t.Fatalf("records given up failed the task: %v", err)
		}

		s.closeProducer()
		if err := s.send(t.Context(), sourceRecord(3)); !errors.Is(err, errProducerClosed) {
			t.Fatalf("send after the producer closed = %v, want errProducerClosed", err)
		}
	})
}
