package mqtt

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
)

// fakeAction is what a fakeBroker does with a PUBLISH.
type fakeAction int

const (
	fakeAcks  fakeAction = iota // acknowledge it
	fakeDrops                   // drop the connection, as Mosquitto does with a topic it refuses
	fakeHolds                   // keep it unacknowledged until the test releases it
)

// fakeBroker stands in for paho and the broker in publisher tests: rule decides per PUBLISH (and per
// connection, numbered from 1) what happens.
type fakeBroker struct {
	rule func(topic string, conn int) fakeAction

	mu       sync.Mutex
	down     bool // connection attempts fail
	attempts int  // Connect calls
	connects int
	// failedDisconnects counts Disconnect calls on clients whose Connect failed: paho would leave a goroutine
	// behind such a call.
	failedDisconnects int
	current           *fakeClient // the last client connected
	published         []string    // topics, in publish order
	held              []*fakeToken
	changed           chan struct{}
}

func newFakeBroker(rule func(topic string, conn int) fakeAction) *fakeBroker {
	return &fakeBroker{rule: rule, changed: make(chan struct{})}
}

func (b *fakeBroker) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// waitFor waits until cond holds (called with mu held).
func (b *fakeBroker) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		ok, ch := cond(), b.changed
		b.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// release acknowledges the held messages.
func (b *fakeBroker) release() {
	b.mu.Lock()
	held := b.held
	b.held = nil
	b.mu.Unlock()
	for _, tok := range held {
		tok.complete(nil)
	}
}

func (b *fakeBroker) newClient(opts *paho.ClientOptions) paho.Client {
	return &fakeClient{b: b, opts: opts}
}

type fakeClient struct {
	paho.Client // the methods the publisher does not call
	b           *fakeBroker
	opts        *paho.ClientOptions

	mu      sync.Mutex
	conn    int
	open    bool
	failed  bool // its Connect failed
	pending []*fakeToken
}

func (c *fakeClient) Connect() paho.Token {
	c.b.mu.Lock()
	c.b.attempts++
	if c.b.down {
		c.failed = true
		c.b.notifyLocked()
		c.b.mu.Unlock()
		tok := newFakeToken()
		tok.complete(errors.New("connection refused"))
		return tok
	}
	c.b.connects++
	c.conn = c.b.connects
	c.b.current = c
	c.b.notifyLocked()
	c.b.mu.Unlock()
	c.mu.Lock()
	c.open = true
	c.mu.Unlock()
	tok := newFakeToken()
	tok.complete(nil)
	return tok
}

func (c *fakeClient) IsConnectionOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

func (c *fakeClient) Disconnect(uint) {
	c.b.mu.Lock()
	if c.failed {
		c.b.failedDisconnects++
	}
	c.b.mu.Unlock()
	c.drop(nil)
}

// drop ends the connection: paho fails the pending tokens, then calls the connection lost handler with its
// reason, when the connection was lost (a nil why is a Disconnect).
func (c *fakeClient) drop(why error) {
	c.mu.Lock()
	if !c.open {
		c.mu.Unlock()
		return
	}
	c.open = false
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	err := errors.New("connection lost before Publish completed")
	for _, tok := range pending {
		tok.complete(err)
	}
	if why != nil && c.opts.OnConnectionLost != nil {
		c.opts.OnConnectionLost(c, why)
	}
}

func (c *fakeClient) Publish(topic string, _ byte, _ bool, _ any) paho.Token {
	tok := newFakeToken()
	c.b.mu.Lock()
	c.b.published = append(c.b.published, topic)
	action := c.b.rule(topic, c.conn)
	if action == fakeHolds {
		c.b.held = append(c.b.held, tok)
	}
	c.b.notifyLocked()
	c.b.mu.Unlock()
	switch action {
	case fakeAcks:
		tok.complete(nil)
	case fakeHolds:
		c.mu.Lock()
		c.pending = append(c.pending, tok)
		c.mu.Unlock()
	case fakeDrops:
		c.mu.Lock()
		c.pending = append(c.pending, tok)
		c.mu.Unlock()
		c.drop(io.EOF) // the broker closed the connection
	}
	return tok
}

type fakeToken struct {
	once sync.Once
	done chan struct{}
	err  error
}

func newFakeToken() *fakeToken { return &fakeToken{done: make(chan struct{})} }

func (t *fakeToken) complete(err error) {
	t.once.Do(func() {
		t.err = err
		close(t.done)
	})
}

func (t *fakeToken) Wait() bool                       { <-t.done; return true }
func (t *fakeToken) WaitTimeout(d time.Duration) bool { return waitDone(t.done, d) }
func (t *fakeToken) Done() <-chan struct{}            { return t.done }
func (t *fakeToken) Error() error {
	<-t.done
	return t.err
}

func waitDone(ch <-chan struct{}, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ch:
		return true
	case <-timer.C:
		return false
	}
}

// fakeSinkContext is a SinkTaskContext with an optional reporter that records the reports.
type fakeSinkContext struct {
	rep *fakeReporter
}

func (c *fakeSinkContext) Logger() *slog.Logger { return slog.Default() }
func (c *fakeSinkContext) ErrantRecordReporter() connector.ErrantRecordReporter {
	if c.rep == nil {
		return nil
	}
	return c.rep
}
func (c *fakeSinkContext) Timeout(time.Duration) {}

type fakeReporter struct {
	mu      sync.Mutex
	records []*connector.SinkRecord
	errs    []error
}

func (r *fakeReporter) Report(rec *connector.SinkRecord, err error) (connector.ErrantRecordReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	r.errs = append(r.errs, err)
	done := make(chan struct{})
	close(done)
	return doneReport{done}, nil
}

type doneReport struct{ done chan struct{} }

func (d doneReport) Done() <-chan struct{} { return d.done }
func (d doneReport) Err() error            { return nil }

// startFakeSink starts a sink task on b with the given keys over a minimal configuration.
func startFakeSink(t *testing.T, b *fakeBroker, tc connector.SinkTaskContext, extra map[string]string) *SinkTask {
	t.Helper()
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": "tcp://fake:1883",
		"mqtt.topic": "${key}"}
	for k, v := range extra {
		cfg[k] = v
	}
	task := &SinkTask{}
	if err := task.start(tc, cfg, b.newClient); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := task.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return task
}

// startSink starts a sink task on broker with the given keys over a minimal configuration (records of "in",
// published to the topic of their key); it is stopped when the test ends.
func startSink(t *testing.T, broker *mqtttest.Broker, extra map[string]string) *SinkTask {
	t.Helper()
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": broker.URL(), "mqtt.topic": "${key}"}
	maps.Copy(cfg, extra)
	task := &SinkTask{}
	if err := task.Start(context.Background(), &fakeSinkContext{}, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = task.Stop(ctx)
	})
	return task
}

// rec is record offset of partition 0 of "in" with key as its key.
func rec(key string, offset int64) *connector.SinkRecord {
	return &connector.SinkRecord{Topic: "in", Offset: offset, Key: key, Value: []byte(strconv.FormatInt(offset, 10)),
		OriginalTopic: "in", OriginalOffset: offset}
}

var tp0 = connector.TopicPartition{Topic: "in"}

// preCommitUntil calls PreCommit until it returns want for partition 0.
func preCommitUntil(t *testing.T, task *SinkTask, consumed, want int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		got, err := task.PreCommit(ctx, map[connector.TopicPartition]int64{tp0: consumed})
		cancel()
		if err != nil {
			t.Fatalf("PreCommit: %v", err)
		}
		if got[tp0] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PreCommit returns %v, want offset %d", got, want)
		}
	}
}

// TestSinkGivesUpAMessageTheBrokerDisconnectsOn: a message on whose every publish the broker drops the
// connection (Mosquitto with a topic it refuses) is reported as errant after maxPublishAttempts, instead of
// blocking the task forever; the messages around it are delivered, and PreCommit holds the partition at the
// message until it is reported.
func TestSinkGivesUpAMessageTheBrokerDisconnectsOn(t *testing.T) {
	b := newFakeBroker(func(topic string, _ int) fakeAction {
		if topic == "bad" {
			return fakeDrops
		}
		return fakeAcks
	})
	rep := &fakeReporter{}
	task := startFakeSink(t, b, &fakeSinkContext{rep: rep}, map[string]string{"errors.tolerance": "all"})
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0), rec("bad", 1), rec("c", 2)}); err != nil {
		t.Fatal(err)
	}
	preCommitUntil(t, task, 3, 3)
	rep.mu.Lock()
	defer rep.mu.Unlock()
	if len(rep.records) != 1 || rep.records[0].Offset != 1 || !errors.Is(rep.errs[0], errGivenUp) {
		t.Fatalf("reports %v %v, want the record at offset 1 with errGivenUp", rep.records, rep.errs)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.connects != maxPublishAttempts+1 {
		t.Errorf("%d connections, want %d", b.connects, maxPublishAttempts+1)
	}
	m := sinkReported(task)
	if m["mqtt_sink_messages_given_up_total"] != 1 || m["mqtt_sink_messages_acknowledged_total"] != 2 ||
		m["mqtt_sink_messages_pending"] != 0 || m["mqtt_sink_reconnects_total"] != float64(b.connects-1) {
		t.Errorf("metrics %v: want 1 given up, 2 acknowledged, 0 pending, %d reconnects", m, b.connects-1)
	}
	// Every PUBLISH ended acknowledged, queued again or given up.
	if got, want := m["mqtt_sink_messages_published_total"], m["mqtt_sink_messages_acknowledged_total"]+
		m["mqtt_sink_messages_published_again_total"]+m["mqtt_sink_messages_given_up_total"]; got != want ||
		m["mqtt_sink_messages_published_again_total"] < maxPublishAttempts-1 {
		t.Errorf("metrics %v: published %v, want %v; published again at least %d", m, got, want, maxPublishAttempts-1)
	}
}

// sinkReported collects a sink task's metrics by name.
func sinkReported(task *SinkTask) map[string]float64 {
	out := map[string]float64{}
	task.ReportMetrics(func(m connector.Metric) { out[m.Name] = m.Value })
	return out
}

// TestSinkMetricsFollowMessages: the sink's metrics count what it published and the broker acknowledged,
// what is pending, and a connection made again after the broker dropped the first.
func TestSinkMetricsFollowMessages(t *testing.T) {
	broker := mqtttest.NewBroker(t)
	task := startSink(t, broker, map[string]string{"mqtt.qos": "1"})
	var _ connector.MetricsReporter = task
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("cars/1", 0), rec("cars/2", 1), rec("cars/3", 2)}); err != nil {
		t.Fatal(err)
	}
	preCommitUntil(t, task, 3, 3)
	want := map[string]float64{"mqtt_sink_messages_published_total": 3, "mqtt_sink_messages_acknowledged_total": 3,
		"mqtt_sink_messages_published_again_total": 0, "mqtt_sink_messages_given_up_total": 0,
		"mqtt_sink_messages_pending": 0, "mqtt_sink_reconnects_total": 0}
	if m := sinkReported(task); !maps.Equal(m, want) {
		t.Errorf("metrics %v, want %v", m, want)
	}
	broker.Kick(t, "s-0")
	waitFor(t, 10*time.Second, "reconnect counted", func() bool { return sinkReported(task)["mqtt_sink_reconnects_total"] == 1 })
}

// TestSinkGivenUpMessageFailsTheTaskWithoutTolerance: under errors.tolerance=none the given-up message fails
// the task: PreCommit and the next Put return the error.
func TestSinkGivenUpMessageFailsTheTaskWithoutTolerance(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeDrops })
	task := startFakeSink(t, b, &fakeSinkContext{}, nil)
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("bad", 0)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := task.PreCommit(ctx, map[connector.TopicPartition]int64{tp0: 1})
		cancel()
		if err != nil {
			if !errors.Is(err, errGivenUp) {
				t.Fatalf("PreCommit: %v, want errGivenUp", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("PreCommit never failed")
		}
	}
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("x", 1)}); !errors.Is(err, errGivenUp) {
		t.Errorf("Put after the failure: %v, want errGivenUp", err)
	}
}

// TestSinkMaxRetryTimeCountsReconnects: a broker that accepts connections but never acknowledges the oldest
// message does not reset mqtt.max.retry.time.ms with every reconnect: a Put waiting for room fails with
// ErrBrokerUnavailable.
func TestSinkMaxRetryTimeCountsReconnects(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeDrops })
	rep := &fakeReporter{}
	task := startFakeSink(t, b, &fakeSinkContext{rep: rep},
		map[string]string{"mqtt.max.inflight": "1", "mqtt.max.retry.time.ms": "1000", "errors.tolerance": "all"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := task.Put(ctx, []*connector.SinkRecord{rec("a", 0), rec("b", 1)})
	if !errors.Is(err, ErrBrokerUnavailable) {
		t.Fatalf("Put: %v, want ErrBrokerUnavailable", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.connects < 2 {
		t.Errorf("%d connections: the test did not reconnect", b.connects)
	}
}

// TestSinkAckTimeoutReconnects: a live connection that leaves the oldest message unacknowledged past the ack
// timeout is dropped, and the message is published again on a new one.
func TestSinkAckTimeoutReconnects(t *testing.T) {
	b := newFakeBroker(func(_ string, conn int) fakeAction {
		if conn == 1 {
			return fakeHolds
		}
		return fakeAcks
	})
	task := &SinkTask{}
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": "tcp://fake:1883", "mqtt.topic": "${key}"}
	if err := task.start(&fakeSinkContext{}, cfg, func(o *paho.ClientOptions) paho.Client { return b.newClient(o) }); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = task.Stop(ctx)
	}()
	task.pub.mu.Lock()
	task.pub.ackTimeout = 200 * time.Millisecond
	task.pub.mu.Unlock()
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0)}); err != nil {
		t.Fatal(err)
	}
	preCommitUntil(t, task, 1, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.connects != 2 || len(b.published) != 2 {
		t.Errorf("%d connections, %d publishes; want 2 and 2", b.connects, len(b.published))
	}
}

// TestSinkMaxInflightBackPressure: Put waits while mqtt.max.inflight messages are unacknowledged, and goes on
// once the broker acknowledges them; PreCommit returns the offset of the oldest unacknowledged record.
func TestSinkMaxInflightBackPressure(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeHolds })
	task := startFakeSink(t, b, &fakeSinkContext{}, map[string]string{"mqtt.max.inflight": "2"})
	put := make(chan error, 1)
	go func() {
		put <- task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0), rec("b", 1), rec("c", 2)})
	}()
	b.waitFor(t, "2 publishes", func() bool { return len(b.published) == 2 })
	select {
	case err := <-put:
		t.Fatalf("Put returned (%v) with the window full", err)
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	got, err := task.PreCommit(ctx, map[connector.TopicPartition]int64{tp0: 2})
	cancel()
	if err != nil || got[tp0] != 0 {
		t.Errorf("PreCommit with nothing acknowledged: %v, %v; want offset 0", got, err)
	}
	b.release()
	if err := <-put; err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, "the third publish", func() bool { return len(b.published) == 3 })
	b.release()
	preCommitUntil(t, task, 3, 3)
}

// TestSinkRedeliveredRecordIsNotPublishedTwice: a record delivered again while its message is unconfirmed is
// skipped.
func TestSinkRedeliveredRecordIsNotPublishedTwice(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeHolds })
	task := startFakeSink(t, b, &fakeSinkContext{}, nil)
	for range 2 {
		if err := task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("b", 1)}); err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, "the publish of b", func() bool { return len(b.published) >= 2 })
	b.mu.Lock()
	if len(b.published) != 2 || b.published[0] != "a" || b.published[1] != "b" {
		t.Errorf("published %v, want [a b]", b.published)
	}
	b.mu.Unlock()
	b.release()
	preCommitUntil(t, task, 2, 2)
}

// TestSinkStopReturnsWhileTheBrokerDoesNotAnswer: with connect.timeout.seconds=0 a connection attempt to a
// broker that never answers CONNACK would wait forever; Stop returns within its deadline anyway.
func TestSinkStopReturnsWhileTheBrokerDoesNotAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	accepted := make(chan net.Conn, 4)
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // never answered
		}
	}()
	defer func() {
		_ = ln.Close()
		conns.Wait()
		close(accepted)
		for c := range accepted {
			_ = c.Close()
		}
	}()
	task := &SinkTask{}
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": "tcp://" + ln.Addr().String(),
		"mqtt.connect.timeout.seconds": "0"}
	if err := task.Start(context.Background(), &fakeSinkContext{}, cfg); err != nil {
		t.Fatal(err)
	}
	c := <-accepted
	accepted <- c
	ctx, cancel := context.WithTimeout(context.Background(), connectAbandonWait+3*time.Second)
	defer cancel()
	if err := task.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// TestSinkDoesNotDisconnectFailedAttempts: the publisher does not Disconnect a client whose Connect failed
// (paho marks it disconnected just after it completes the token, and a Disconnect in between leaves a
// goroutine of paho's waiting for that).
func TestSinkDoesNotDisconnectFailedAttempts(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeAcks })
	b.down = true
	task := startFakeSink(t, b, &fakeSinkContext{}, nil)
	b.waitFor(t, "two failed attempts", func() bool { return b.attempts >= 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := task.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failedDisconnects != 0 {
		t.Errorf("%d Disconnect calls on clients whose Connect failed", b.failedDisconnects)
	}
}

// TestSinkStopAfterFailedConnectsLeavesNoGoroutine: connection attempts that fail (the broker reads CONNECT and
// closes the connection) leave no paho goroutine behind the task's Stop.
func TestSinkStopAfterFailedConnectsLeavesNoGoroutine(t *testing.T) {
	ln := hangingUpBroker(t)
	before := goroutineIDs()
	task := &SinkTask{}
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": "tcp://" + ln.addr}
	if err := task.Start(context.Background(), &fakeSinkContext{}, cfg); err != nil {
		t.Fatal(err)
	}
	ln.awaitConnect(t)
	stopLeavesNoPaho(t, task.Stop, 10*time.Second, before)
}

// TestSinkStopWhileConnectingWithoutTimeout: a sink task stopped while the broker has accepted its connection
// but not answered CONNECT, with connect.timeout.seconds=0 (no limit), stops before connectAbandonWait and
// leaves no paho goroutine: the attempt's connection is closed.
func TestSinkStopWhileConnectingWithoutTimeout(t *testing.T) {
	ln := silentBroker(t)
	before := goroutineIDs()
	task := &SinkTask{}
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": "tcp://" + ln.addr,
		"mqtt.connect.timeout.seconds": "0"}
	if err := task.Start(context.Background(), &fakeSinkContext{}, cfg); err != nil {
		t.Fatal(err)
	}
	ln.awaitConnect(t)
	stopLeavesNoPaho(t, task.Stop, connectAbandonWait, before)
}

// TestSinkConnectTimeoutZeroMeansNoLimit: mqtt.connect.timeout.seconds=0 waits for the broker without limit.
func TestSinkConnectTimeoutZeroMeansNoLimit(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	task := startSink(t, broker, map[string]string{"mqtt.connect.timeout.seconds": "0"})
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("cars/1", 0)}); err != nil {
		t.Fatal(err)
	}
	preCommitUntil(t, task, 1, 1)
}

// TestSinkNullValueClearsRetained: with mqtt.retain=true a record with a null value publishes an empty
// retained message, which clears the topic's retained message (the README's tombstone).
func TestSinkNullValueClearsRetained(t *testing.T) {
	broker := mqtttest.NewBroker(t)
	task := startSink(t, broker, map[string]string{"mqtt.retained.enabled": "true"}) // Confluent's name of mqtt.retain
	retained := func() []string {
		var out []string
		for _, pk := range broker.Server.Topics.Messages("cars/1") {
			out = append(out, string(pk.Payload))
		}
		return out
	}
	on := rec("cars/1", 0)
	on.Value = []byte("on")
	if err := task.Put(context.Background(), []*connector.SinkRecord{on}); err != nil {
		t.Fatal(err)
	}
	preCommitUntil(t, task, 1, 1)
	if got := retained(); len(got) != 1 || got[0] != "on" {
		t.Fatalf("retained after the first record: %q, want [on]", got)
	}
	tombstone := rec("cars/1", 1)
	tombstone.Value = nil
	if err := task.Put(context.Background(), []*connector.SinkRecord{tombstone}); err != nil {
		t.Fatal(err)
	}
	preCommitUntil(t, task, 2, 2)
	if got := retained(); len(got) != 0 {
		t.Errorf("retained after the null value: %q, want none", got)
	}
}

// TestSinkConfigAliases: Confluent's mqtt.retained.enabled and Camel's username and password keys are read
// when connectd's own keys are unset, and lose to them when set.
func TestSinkConfigAliases(t *testing.T) {
	base := func(extra map[string]string) *sinkConfig {
		t.Helper()
		raw := map[string]string{"name": "s", "topics": "t", "mqtt.server.uri": "tcp://localhost:1883"}
		for k, v := range extra {
			raw[k] = v
		}
		cfg, err := parseSinkConfig(raw)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if !base(map[string]string{"mqtt.retained.enabled": "true"}).retain {
		t.Error("mqtt.retained.enabled=true did not retain")
	}
	if base(map[string]string{"mqtt.retained.enabled": "true", "mqtt.retain": "false"}).retain {
		t.Error("mqtt.retain=false lost to mqtt.retained.enabled")
	}
	c := base(map[string]string{fieldSinkUsername: "camel", fieldSinkPassword: "secret"})
	if c.conn.username != "camel" || c.conn.password != "secret" {
		t.Errorf("camel credentials: %q %q", c.conn.username, c.conn.password)
	}
	c = base(map[string]string{fieldSinkUsername: "camel", fieldSinkPassword: "secret",
		fieldMQTTUsername: "own", fieldMQTTPassword: "pw"})
	if c.conn.username != "own" || c.conn.password != "pw" {
		t.Errorf("own credentials lost to camel's: %q %q", c.conn.username, c.conn.password)
	}
}

// TestSinkPutTakesNothingOnceCancelled: a Put whose context has ended takes no message, even with room in the
// window: the worker's session has ended, and what the Put took would be published while the worker consumes
// the records again from its committed offsets.
func TestSinkPutTakesNothingOnceCancelled(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeHolds })
	task := startFakeSink(t, b, &fakeSinkContext{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := task.Put(ctx, []*connector.SinkRecord{rec("a", 0), rec("b", 1)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put with its context ended: %v, want context.Canceled", err)
	}
	task.pub.mu.Lock()
	defer task.pub.mu.Unlock()
	if task.pub.open != 0 || len(task.pub.queue) != 0 {
		t.Errorf("%d messages taken after the context ended, want none", len(task.pub.queue))
	}
}

// TestSinkPreCommitHoldsTheLowestPendingOffset: a record delivered again after a rewind is queued behind
// pending messages of later records of its partition; PreCommit holds the partition at the lowest pending
// record offset, not at the first pending message in queue order.
func TestSinkPreCommitHoldsTheLowestPendingOffset(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeHolds })
	task := startFakeSink(t, b, &fakeSinkContext{}, nil)
	for _, r := range []*connector.SinkRecord{rec("f", 5), rec("g", 6), rec("d", 3)} {
		if err := task.Put(context.Background(), []*connector.SinkRecord{r}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	got, err := task.PreCommit(ctx, map[connector.TopicPartition]int64{tp0: 7})
	cancel()
	if err != nil || got[tp0] != 3 {
		t.Errorf("PreCommit with records 5, 6 and 3 pending: %v, %v; want offset 3", got, err)
	}
	b.waitFor(t, "3 publishes", func() bool { return len(b.published) == 3 })
	b.release()
	preCommitUntil(t, task, 7, 7)
}

// fakeClock is a clock the test advances.
type fakeClock struct{ skew atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.skew.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.skew.Add(int64(d)) }

// dropCurrent ends the current connection as the broker or the network would, with paho's reason why.
func (b *fakeBroker) dropCurrent(why error) {
	b.mu.Lock()
	c := b.current
	b.mu.Unlock()
	c.drop(why)
}

// TestSinkInnocentConnectionEndsAreNoStrikes: connection ends that say nothing about the oldest message do
// not count towards giving it up, however many: keep-alive losses, write timeouts, and a broker closing the
// connection (a restart) long after the message was published. Under errors.tolerance=all without a dead
// letter queue, a message given up would be dropped.
func TestSinkInnocentConnectionEndsAreNoStrikes(t *testing.T) {
	b := newFakeBroker(func(_ string, conn int) fakeAction {
		if conn <= 4 {
			return fakeHolds
		}
		return fakeAcks
	})
	rep := &fakeReporter{}
	clock := &fakeClock{}
	task := &SinkTask{clock: clock.now}
	cfg := map[string]string{"name": "s", "topics": "in", "mqtt.server.uri": "tcp://fake:1883",
		"mqtt.topic": "${key}", "errors.tolerance": "all"}
	if err := task.start(&fakeSinkContext{rep: rep}, cfg, b.newClient); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = task.Stop(ctx)
	}()
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0), rec("b", 1)}); err != nil {
		t.Fatal(err)
	}
	ends := []func(){
		func() { b.dropCurrent(errors.New("pingresp not received, disconnecting")) },
		func() { clock.advance(10 * time.Second); b.dropCurrent(io.EOF) }, // a restart, long after the publish
		func() { b.dropCurrent(&net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}) },
		func() { b.dropCurrent(errors.New("pingresp not received, disconnecting")) },
	}
	for i, end := range ends {
		b.waitFor(t, "both messages published on connection "+strconv.Itoa(i+1), func() bool {
			return b.connects == i+1 && len(b.published) == 2*(i+1)
		})
		end()
	}
	preCommitUntil(t, task, 2, 2)
	rep.mu.Lock()
	defer rep.mu.Unlock()
	if len(rep.records) != 0 {
		t.Errorf("records %v given up after connection ends that were no strikes", rep.records)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.published) != 10 {
		t.Errorf("published %v, want a and b on each of 5 connections", b.published)
	}
}

// TestSinkStruckMessageIsPublishedAlone: once the broker has closed a connection right after the oldest
// message's publish, that message is published alone on the next connection, so that a strike is never
// charged to a message for another's refusal. Here the broker refuses "bad" and leaves "a", published before
// it, unacknowledged until the test releases it: "a" takes the first strike, is then published alone and
// acknowledged, and only "bad", struck on 3 connections where it was alone in flight, is given up; "c" is
// then delivered.
func TestSinkStruckMessageIsPublishedAlone(t *testing.T) {
	b := newFakeBroker(func(topic string, _ int) fakeAction {
		switch topic {
		case "bad":
			return fakeDrops
		case "a":
			return fakeHolds
		}
		return fakeAcks
	})
	rep := &fakeReporter{}
	task := startFakeSink(t, b, &fakeSinkContext{rep: rep}, map[string]string{"errors.tolerance": "all"})
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0), rec("bad", 1), rec("c", 2)}); err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, "a published alone on connection 2", func() bool {
		return b.connects == 2 && slices.Equal(b.published, []string{"a", "bad", "a"})
	})
	b.release()
	preCommitUntil(t, task, 3, 3)
	rep.mu.Lock()
	if len(rep.records) != 1 || rep.records[0].Offset != 1 || !errors.Is(rep.errs[0], errGivenUp) {
		t.Errorf("reports %v %v, want the record at offset 1 with errGivenUp", rep.records, rep.errs)
	}
	rep.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	want := []string{"a", "bad", "a", "bad", "bad", "bad", "c"}
	if !slices.Equal(b.published, want) {
		t.Errorf("published %v, want %v: a struck message goes alone", b.published, want)
	}
}

// TestSinkCloseDropsUnwrittenMessagesOfThePartitions: Close drops the messages of the partitions taken from the
// task that were not written yet, so that they are not published after the partitions' new owner published
// newer ones; the other partitions' messages are published, and the closed partition holds nothing back.
func TestSinkCloseDropsUnwrittenMessagesOfThePartitions(t *testing.T) {
	b := newFakeBroker(func(string, int) fakeAction { return fakeAcks })
	b.down = true
	task := startFakeSink(t, b, &fakeSinkContext{}, nil)
	p1 := connector.TopicPartition{Topic: "in", Partition: 1}
	other := rec("b", 0)
	other.Partition, other.OriginalPartition = 1, 1
	if err := task.Put(context.Background(), []*connector.SinkRecord{rec("a", 0), other, rec("c", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := task.Close(context.Background(), []connector.TopicPartition{tp0}); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	b.down = false
	b.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		got, err := task.PreCommit(ctx, map[connector.TopicPartition]int64{tp0: 2, p1: 1})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got[tp0] == 2 && got[p1] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PreCommit returns %v, want partition 0 at 2 (nothing held) and 1 at 1", got)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Equal(b.published, []string{"b"}) {
		t.Errorf("published %v, want [b]: the closed partition's messages dropped", b.published)
	}
}
