package worker_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/test/workertest"
)

// lagging is a sink that writes asynchronously: what Put gives it becomes durable only when the test releases
// it. Its PreCommit returns, per partition, the offset of its oldest record not durable yet; its Flush always
// fails, so a worker that called Flush instead would rewind and deliver the records again.
type lagging struct {
	mu       sync.Mutex
	offsets  []int64 // in Put order
	puts     map[string]int
	released int
	calls    int
}

type laggingTask struct{ l *lagging }

func (t laggingTask) Start(context.Context, connector.SinkTaskContext, map[string]string) error {
	return nil
}

func (t laggingTask) Put(_ context.Context, recs []*connector.SinkRecord) error {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	for _, r := range recs {
		t.l.offsets = append(t.l.offsets, r.Offset)
		t.l.puts[fmt.Sprint(r.Value)]++
	}
	return nil
}

func (t laggingTask) Flush(context.Context, map[connector.TopicPartition]int64) error {
	return errors.New("not durable yet: the worker must call PreCommit")
}

func (t laggingTask) PreCommit(_ context.Context, offsets map[connector.TopicPartition]int64) (map[connector.TopicPartition]int64, error) {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	t.l.calls++
	out := map[connector.TopicPartition]int64{
		// Offsets the worker must ignore: a partition not assigned to the task.
		{Topic: "not-assigned", Partition: 0}: 7,
	}
	for tp, off := range offsets {
		switch {
		case t.l.calls == 1:
			out[tp] = off + 1000 // beyond what was consumed: ignored
		case t.l.released < len(t.l.offsets):
			out[tp] = t.l.offsets[t.l.released]
		default:
			out[tp] = off
		}
	}
	return out, nil
}

func (t laggingTask) Stop(context.Context) error { return nil }

func (l *lagging) snapshot() (puts map[string]int, calls int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.puts))
	for k, v := range l.puts {
		out[k] = v
	}
	return out, l.calls
}

// TestSinkPreCommitCommitsWhatTheTaskReturns: a sink with PreCommit has the offsets it returns committed, and
// nothing beyond them; what it has not made durable stays pending without a rewind (each record is put once),
// and offsets of partitions not assigned or not consumed yet are ignored.
func TestSinkPreCommitCommitsWhatTheTaskReturns(t *testing.T) {
	t.Parallel()
	l := &lagging{puts: map[string]int{}}
	c := workertest.NewCluster(t, workertest.Plugins(func(r *connector.Registry) error {
		return r.Register(connector.Plugin{
			Class: "io.connectd.test.LaggingSinkConnector", Type: connector.Sink, Version: "1.0.0",
			TaskClass: "io.connectd.test.LaggingSinkTask", Spec: connector.NewSpec(),
			NewConnector: func() connector.Connector { return &oneTask{} },
			NewSinkTask:  func() connector.SinkTask { return laggingTask{l} },
		})
	}))
	createTopic(t, c, "lag-in", 1)
	produce(t, c, "lag-in", values("l", 0, 50)...)
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "lagging", "config": map[string]any{
		"connector.class": "LaggingSink", "topics": "lag-in"}})
	expect(t, "create", status, body, 201, "")
	workertest.WaitFor(t, 60*time.Second, "50 records put and 3 PreCommits", func() bool {
		puts, calls := l.snapshot()
		return len(puts) == 50 && calls >= 3
	})
	if off := committedOffset(t, c, "connect-lagging", "lag-in"); off > 0 {
		t.Errorf("committed offset %d with nothing durable (the task returned 0 and an offset not consumed)", off)
	}
	l.mu.Lock()
	l.released = 20
	l.mu.Unlock()
	workertest.WaitFor(t, 30*time.Second, "offset 20 committed", func() bool {
		return committedOffset(t, c, "connect-lagging", "lag-in") == 20
	})
	l.mu.Lock()
	l.released = 50
	l.mu.Unlock()
	workertest.WaitFor(t, 30*time.Second, "offset 50 committed", func() bool {
		return committedOffset(t, c, "connect-lagging", "lag-in") == 50
	})
	puts, _ := l.snapshot()
	for _, v := range values("l", 0, 50) {
		if puts[v] != 1 {
			t.Errorf("record %s put %d times, want once (no rewind)", v, puts[v])
		}
	}
}
