package worker_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/test/workertest"
)

// forgetful is a sink that holds what Put gives it until Flush, and loses it when Flush fails, as Kafka
// Connect lets a sink do (the worker rewinds to the last committed offsets then). Its first failures Flushes
// fail.
type forgetful struct {
	mu       sync.Mutex
	pending  []string
	durable  map[string]int
	failures int
}

var errFlushFailed = errors.New("flush failed: the records are lost")

func (f *forgetful) put(vals []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, vals...)
}

func (f *forgetful) flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pending) > 0 && f.failures > 0 {
		f.failures--
		f.pending = nil
		return errFlushFailed
	}
	for _, v := range f.pending {
		f.durable[v]++
	}
	f.pending = nil
	return nil
}

func (f *forgetful) durableValues() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.durable)
}

type forgetfulTask struct{ f *forgetful }

func (t forgetfulTask) Start(context.Context, connector.SinkTaskContext, map[string]string) error {
	return nil
}

func (t forgetfulTask) Put(_ context.Context, recs []*connector.SinkRecord) error {
	vals := make([]string, len(recs))
	for i, r := range recs {
		vals[i] = fmt.Sprint(r.Value)
	}
	t.f.put(vals)
	return nil
}

func (t forgetfulTask) Flush(context.Context, map[connector.TopicPartition]int64) error {
	return t.f.flush()
}
func (t forgetfulTask) Stop(context.Context) error { return nil }

type oneTask struct{ cfg map[string]string }

func (c *oneTask) Start(_ context.Context, _ connector.Context, cfg map[string]string) error {
	c.cfg = cfg
	return nil
}

func (c *oneTask) TaskConfigs(context.Context, int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.cfg)}, nil
}
func (c *oneTask) Stop(context.Context) error { return nil }

// TestSinkFlushFailureRewinds: a sink whose Flush fails has lost what it was given since the last commit; the
// worker commits none of it and delivers those records again from the last committed offsets, so every record
// becomes durable.
func TestSinkFlushFailureRewinds(t *testing.T) {
	t.Parallel()
	f := &forgetful{durable: map[string]int{}, failures: 2}
	c := workertest.NewCluster(t, workertest.Plugins(func(r *connector.Registry) error {
		return r.Register(connector.Plugin{
			Class: "io.connectd.test.ForgetfulSinkConnector", Type: connector.Sink, Version: "1.0.0",
			TaskClass: "io.connectd.test.ForgetfulSinkTask", Spec: connector.NewSpec(),
			NewConnector: func() connector.Connector { return &oneTask{} },
			NewSinkTask:  func() connector.SinkTask { return forgetfulTask{f} },
		})
	}))
	createTopic(t, c, "rewind-in", 1)
	produce(t, c, "rewind-in", values("r", 0, 50)...)
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "forgetful", "config": map[string]any{
		"connector.class": "ForgetfulSink", "topics": "rewind-in"}})
	expect(t, "create", status, body, 201, "")
	workertest.WaitFor(t, 60*time.Second, "the first 50 records durable", func() bool { return len(f.durableValues()) >= 50 })
	produce(t, c, "rewind-in", values("r", 50, 100)...)
	workertest.WaitFor(t, 60*time.Second, "all 100 records durable", func() bool { return len(f.durableValues()) >= 100 })
	f.mu.Lock()
	failures := f.failures
	f.mu.Unlock()
	if failures != 0 {
		t.Errorf("%d flush failures left: the test did not exercise them", failures)
	}
	for _, v := range values("r", 0, 100) {
		if f.durableValues()[v] == 0 {
			t.Errorf("record %s lost", v)
		}
	}
}

// blocking is a sink whose Put waits until its context ends, as a sink applying back-pressure does while its
// target is down.
type blocking struct {
	inPut, stopped atomic.Bool
}

type blockingTask struct{ b *blocking }

func (t blockingTask) Start(context.Context, connector.SinkTaskContext, map[string]string) error {
	return nil
}

func (t blockingTask) Put(ctx context.Context, _ []*connector.SinkRecord) error {
	t.b.inPut.Store(true)
	<-ctx.Done()
	return ctx.Err()
}

func (t blockingTask) Flush(context.Context, map[connector.TopicPartition]int64) error { return nil }

func (t blockingTask) Stop(context.Context) error {
	t.b.stopped.Store(true)
	return nil
}

// TestSinkStopsWhilePutBlocksAndPaused: a pause waits for the Put in progress; a stop requested meanwhile still
// ends the Put (its context ends) and stops the task at once, well within task.shutdown.graceful.timeout.ms,
// after which the worker would abandon it without calling Stop.
func TestSinkStopsWhilePutBlocksAndPaused(t *testing.T) {
	t.Parallel()
	b := &blocking{}
	c := workertest.NewCluster(t, workertest.Plugins(func(r *connector.Registry) error {
		return r.Register(connector.Plugin{
			Class: "io.connectd.test.BlockingSinkConnector", Type: connector.Sink, Version: "1.0.0",
			TaskClass: "io.connectd.test.BlockingSinkTask", Spec: connector.NewSpec(),
			NewConnector: func() connector.Connector { return &oneTask{} },
			NewSinkTask:  func() connector.SinkTask { return blockingTask{b} },
		})
	}), workertest.WorkerProps(map[string]string{"task.shutdown.graceful.timeout.ms": "30000"}))
	createTopic(t, c, "blocked-in", 1)
	produce(t, c, "blocked-in", "x")
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "blocked", "config": map[string]any{
		"connector.class": "BlockingSink", "topics": "blocked-in"}})
	expect(t, "create", status, body, 201, "")
	workertest.WaitFor(t, 60*time.Second, "Put in progress", b.inPut.Load)
	status, body = c.Do(0, http.MethodPut, "/connectors/blocked/pause", nil)
	expect(t, "pause", status, body, 202, "")
	status, body = c.Do(0, http.MethodDelete, "/connectors/blocked", nil)
	expect(t, "delete", status, body, 204, "")
	workertest.WaitFor(t, 15*time.Second, "the task stopped", b.stopped.Load)
}
