package mqtt

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
)

// memTopic is an in-memory connector.KeyedLogOpener with one topic: every log opened on it reads what was
// appended before, and sees every later append.
type memTopic struct {
	mu   sync.Mutex
	recs []connector.KeyedRecord
	logs []*memLog
}

func (m *memTopic) OpenKeyedLog(_ context.Context, spec connector.KeyedLogSpec) (connector.KeyedLog, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := &memLog{m: m, on: spec.OnRecord}
	for _, r := range m.recs {
		l.on(r.Key, r.Value)
	}
	m.logs = append(m.logs, l)
	return l, nil
}

type memLog struct {
	m      *memTopic
	on     func(key, value []byte)
	closed bool
}

func (l *memLog) ReadToEnd(context.Context) error { return nil } // delivery is synchronous

func (l *memLog) Append(_ context.Context, recs ...connector.KeyedRecord) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	l.m.recs = append(l.m.recs, recs...)
	for _, o := range l.m.logs {
		if !o.closed {
			for _, r := range recs {
				o.on(r.Key, r.Value)
			}
		}
	}
	return nil
}

func (l *memLog) Close() error {
	l.m.mu.Lock()
	l.closed = true
	l.m.mu.Unlock()
	return nil
}

// withTopic is a task context offering m.
type withTopic struct {
	taskCtx
	*memTopic
}

// TestKafkaRepositoryRemembersKeysAcrossRestarts writes a message, restarts the task, and sends the same
// payload again: the new task read the key back from the topic the worker offers and drops the message
// (acknowledging it).
func TestKafkaRepositoryRemembersKeysAcrossRestarts(t *testing.T) {
	t.Parallel()
	topic := &memTopic{}
	b := mqtttest.NewBroker(t)
	cfg := baseConfig(b, map[string]string{
		fieldIdempotencyEnabled:    "true",
		fieldIdempotencyRepository: "kafka",
		fieldIdempotencyTopic:      "idem",
	})

	first := &SourceTask{}
	if err := first.Start(context.Background(), withTopic{memTopic: topic}, cfg); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, b, "it-0")
	b.Publish(t, "/mqtt/test/a", []byte(`{"n":1}`), 1)
	recs := pollN(t, first, 1, 10*time.Second)
	commitAll(t, first, recs)
	waitFor(t, 5*time.Second, "acknowledged", func() bool { return b.Inflight("it-0") == 0 })
	if err := first.Stop(context.Background()); err != nil { // flushes the repository's write
		t.Fatal(err)
	}
	// The broker must have seen the first client go, or the second task's readiness could be the first's.
	waitFor(t, 5*time.Second, "the first task disconnected", func() bool { return !b.Connected("it-0") })

	second := &SourceTask{}
	if err := second.Start(context.Background(), withTopic{memTopic: topic}, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Stop(context.Background()) })
	waitConnected(t, b, "it-0")
	b.Publish(t, "/mqtt/test/a", []byte(`{"n":1}`), 1)
	b.Publish(t, "/mqtt/test/a", []byte(`{"n":2}`), 1)
	got := pollN(t, second, 1, 10*time.Second)
	if len(got) != 1 || string(got[0].Value.(connector.RawJSON)) != `{"n":2}` {
		t.Fatalf("records %v, want only the new payload", got)
	}
	commitAll(t, second, got)
	waitFor(t, 5*time.Second, "the duplicate acknowledged too", func() bool { return b.Inflight("it-0") == 0 })
}

// A task configured for the kafka repository on a worker that offers no topics fails to start, naming why.
func TestKafkaRepositoryNeedsTheWorkersTopics(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	cfg := baseConfig(b, map[string]string{fieldIdempotencyEnabled: "true", fieldIdempotencyRepository: "kafka"})
	task := &SourceTask{}
	err := task.Start(context.Background(), taskCtx{}, cfg)
	if err == nil {
		_ = task.Stop(context.Background())
		t.Fatal("started without a keyed log")
	}
	if !strings.Contains(err.Error(), "offers no Kafka topics") {
		t.Errorf("error %q does not say why", err)
	}
}
