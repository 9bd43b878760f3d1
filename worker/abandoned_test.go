package worker_test

import (
	"bytes"
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/test/workertest"
)

// refuseProduce makes kfake answer every produce request for topic with NOT_ENOUGH_REPLICAS, a retriable
// error, for as long as on is set: the task's producer keeps its records and retries them. refused counts the
// requests refused.
func refuseProduce(c *workertest.Cluster, topic string) (on *atomic.Bool, refused *atomic.Int64) {
	on, refused = new(atomic.Bool), new(atomic.Int64)
	c.Kafka.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Kafka.KeepControl()
		preq := req.(*kmsg.ProduceRequest)
		if !on.Load() || len(preq.Topics) == 0 || preq.Topics[0].Topic != topic {
			return nil, nil, false
		}
		resp := preq.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range preq.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.NotEnoughReplicas.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		refused.Add(1)
		return resp, nil, true
	})
	return on, refused
}

// goroutineIDs returns the ids of the goroutines running now.
func goroutineIDs() map[string]bool {
	ids := map[string]bool{}
	for _, g := range goroutineStacks() {
		ids[goroutineID(g)] = true
	}
	return ids
}

func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(bytes.TrimSpace(buf[:n])), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineID is the id in a stack's "goroutine 42 [select]:" header.
func goroutineID(stack string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(stack, "goroutine "), " ")
	return id
}

// taskLeftovers returns the stacks of goroutines started since before that run worker or sarama code: what a
// stopped worker's tasks left running. kfake (but for the test's own control functions, which are left out),
// the REST client and the test itself are not among them.
func taskLeftovers(before map[string]bool) []string {
	var out []string
	for _, g := range goroutineStacks() {
		if before[goroutineID(g)] || strings.Contains(g, "worker_test.hangGroupRequests") {
			continue // the test's own kfake control, holding a request
		}
		if strings.Contains(g, "github.com/IBM/sarama") || strings.Contains(g, "github.com/connectd/connectd/worker") ||
			strings.Contains(g, "github.com/connectd/connectd/connector/") {
			out = append(out, g)
		}
	}
	return out
}

// awaitNoLeftovers waits up to timeout until taskLeftovers(before) holds nothing but what keep accepts, and fails
// the test with what is left otherwise.
func awaitNoLeftovers(t *testing.T, before map[string]bool, timeout time.Duration, keep func(stack string) bool) {
	t.Helper()
	left := func() []string {
		var out []string
		for _, g := range taskLeftovers(before) {
			if !keep(g) {
				out = append(out, g)
			}
		}
		return out
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for l := left(); len(l) > 0; l = left() {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the stopped worker's tasks still run %v after Run returned:\n\n%s",
				len(l), timeout, strings.Join(l, "\n\n"))
		}
		<-tick.C
	}
}

// A source task restarted while Kafka refuses its records is abandoned after task.shutdown.graceful.timeout.ms
// (as is its replacement when the worker stops), and an abandoned task must still release what it started: its
// producer, its client, its helpers. Once the worker's Run has returned, nothing of either task runs on. The
// test is not parallel: it reads every goroutine of the process.
func TestAbandonedSourceTaskReleasesItsProducer(t *testing.T) {
	before := goroutineIDs()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register),
		workertest.WorkerProps(map[string]string{"task.shutdown.graceful.timeout.ms": "300"}))
	on, refused := refuseProduce(c, "refused")
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "src", "config": map[string]any{
		"connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "refused",
	}})
	expect(t, "create", status, body, http.StatusCreated, "")
	c.WaitRunning(0, "src", 1)

	on.Store(true)
	workertest.WaitFor(t, 30*time.Second, "produce requests refused", func() bool { return refused.Load() >= 3 })
	// The restart returns once the old instance has stopped or, as here, been abandoned.
	status, body = c.Do(0, http.MethodPost, "/connectors/src/tasks/0/restart", nil)
	expect(t, "restart", status, body, http.StatusNoContent, "")
	n := refused.Load()
	workertest.WaitFor(t, 30*time.Second, "the replacement's records refused", func() bool { return refused.Load() > n+3 })

	c.StopWorker(0)
	// Run has returned: what little sarama still ends on its own after its producer closed (goroutines that
	// see their input channel closed) ends within a moment, not after the producer's retries run out.
	awaitNoLeftovers(t, before, 5*time.Second, func(string) bool { return false })
}

// stuckClass is a source whose Poll, once the test closes stuckPolls' arm, blocks until release closes,
// ignoring cancellation: plugin code the worker cannot interrupt. Before that it emits records.
const stuckClass = "io.connectd.test.StuckSourceConnector"

var stuckPolls = struct {
	arm, entered, release chan struct{}
}{make(chan struct{}), make(chan struct{}), make(chan struct{})}

type stuckSource struct{ n int }

func (s *stuckSource) Start(context.Context, connector.SourceTaskContext, map[string]string) error {
	return nil
}

func (s *stuckSource) Poll(context.Context) ([]*connector.SourceRecord, error) {
	// Read before entered is closed, so that the next run of the test, which makes new channels once it saw
	// entered closed, does not race with this read.
	g := stuckPolls
	select {
	case <-g.arm:
		close(g.entered)
		<-g.release
		return nil, nil
	default:
	}
	recs := make([]*connector.SourceRecord, 100)
	for i := range recs {
		s.n++
		recs[i] = &connector.SourceRecord{Topic: "refused", Value: s.n,
			ValueSchema: &connector.Schema{Type: connector.TypeInt64}}
	}
	return recs, nil
}

func (s *stuckSource) Stop(context.Context) error { return nil }

func registerStuck(r *connector.Registry) error {
	return r.Register(connector.Plugin{
		Class: stuckClass, Type: connector.Source, Version: "1.0.0", TaskClass: "io.connectd.test.StuckSourceTask",
		Spec:          connector.NewSpec(),
		NewConnector:  func() connector.Connector { return &singleTask{} },
		NewSourceTask: func() connector.SourceTask { return &stuckSource{} },
	})
}

// singleTask is a connector of one task with an empty config.
type singleTask struct{}

func (singleTask) Start(context.Context, connector.Context, map[string]string) error { return nil }
func (singleTask) TaskConfigs(context.Context, int) ([]map[string]string, error) {
	return []map[string]string{{}}, nil
}
func (singleTask) Stop(context.Context) error { return nil }

// A task abandoned while its plugin is stuck in a call that ignores cancellation keeps that goroutine, but
// not what the worker opened for it: the producer and its client, holding records Kafka refuses, are closed
// apart from the stuck runner, and the worker's Run waits for that before it returns. Not parallel: it reads
// every goroutine of the process.
func TestAbandonedTaskStuckInPluginStillClosesItsProducer(t *testing.T) {
	// New channels for each run of the test (go test -count): the last run closed them.
	stuckPolls.arm, stuckPolls.entered, stuckPolls.release = make(chan struct{}), make(chan struct{}), make(chan struct{})
	before := goroutineIDs()
	c := workertest.NewCluster(t, workertest.Plugins(registerStuck),
		workertest.WorkerProps(map[string]string{"task.shutdown.graceful.timeout.ms": "300"}))
	on, refused := refuseProduce(c, "refused")
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "stuck", "config": map[string]any{
		"connector.class": stuckClass, "tasks.max": "1",
	}})
	expect(t, "create", status, body, http.StatusCreated, "")
	c.WaitRunning(0, "stuck", 1)
	on.Store(true)
	workertest.WaitFor(t, 30*time.Second, "produce requests refused", func() bool { return refused.Load() >= 3 })
	close(stuckPolls.arm)
	<-stuckPolls.entered

	c.StopWorker(0)
	// What sarama still ends on its own once the producer closed (goroutines that see their input channel
	// closed) ends within a moment; the plugin call stays stuck.
	stuck := func(g string) bool { return strings.Contains(g, "worker_test.(*stuckSource).Poll") }
	awaitNoLeftovers(t, before, 5*time.Second, stuck)
	if n := len(taskLeftovers(before)); n != 1 {
		t.Fatalf("%d goroutines stuck in the plugin, want 1", n)
	}
	close(stuckPolls.release)
	awaitNoLeftovers(t, before, 5*time.Second, func(string) bool { return false })
}

// hangGroupRequests makes kfake hold every JoinGroup, SyncGroup, Heartbeat, OffsetCommit and LeaveGroup
// request of consumer group group unanswered until the test ends: a coordinator that does not answer, which
// sarama waits for until request.timeout.ms (here more than a minute).
func hangGroupRequests(t *testing.T, c *workertest.Cluster, group string) {
	down := make(chan struct{})
	t.Cleanup(func() { close(down) }) // before the cluster's cleanup, which closes kfake
	groupOf := func(req kmsg.Request) string {
		switch r := req.(type) {
		case *kmsg.JoinGroupRequest:
			return r.Group
		case *kmsg.SyncGroupRequest:
			return r.Group
		case *kmsg.HeartbeatRequest:
			return r.Group
		case *kmsg.OffsetCommitRequest:
			return r.Group
		case *kmsg.LeaveGroupRequest:
			return r.Group
		}
		return ""
	}
	for _, key := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat, kmsg.OffsetCommit, kmsg.LeaveGroup} {
		c.Kafka.ControlKey(key.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.Kafka.KeepControl()
			if groupOf(req) == group {
				c.Kafka.SleepControl(func() { <-down })
			}
			return nil, nil, false
		})
	}
}

// A sink task restarted while Kafka neither takes its dead letter queue's records nor answers its consumer
// group's requests is abandoned, as is its replacement when the worker stops; each must still release its
// consumer group, its client and its dead letter queue's producer, so that nothing of either runs on after
// the worker's Run has returned. Not parallel: it reads every goroutine of the process.
func TestAbandonedSinkTaskReleasesItsClients(t *testing.T) {
	before := goroutineIDs()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register),
		workertest.WorkerProps(map[string]string{"task.shutdown.graceful.timeout.ms": "300"}))
	createTopic(t, c, "sink-in", 1)
	on, refused := refuseProduce(c, "sink-dlq")
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "snk", "config": map[string]any{
		"connector.class": connectortest.SinkClass, "tasks.max": "1", "topics": "sink-in",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "sink-dlq",
	}})
	expect(t, "create", status, body, http.StatusCreated, "")
	c.WaitRunning(0, "snk", 1)
	produce(t, c, "sink-in", "a", "b")
	waitCollected(t, "snk", 2)

	on.Store(true)
	produceRaw(t, c, "sink-in", "not json", "not json either")
	workertest.WaitFor(t, 30*time.Second, "dead letter queue writes refused", func() bool { return refused.Load() >= 3 })
	hangGroupRequests(t, c, "connect-snk")
	status, body = c.Do(0, http.MethodPost, "/connectors/snk/tasks/0/restart", nil)
	expect(t, "restart", status, body, http.StatusNoContent, "")
	c.StopWorker(0)
	awaitNoLeftovers(t, before, 5*time.Second, func(string) bool { return false })
}
