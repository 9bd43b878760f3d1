package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
)

// taskCtx is a SourceTaskContext for tasks run without a worker.
type taskCtx struct{ log *slog.Logger }

func (c taskCtx) Offsets() connector.OffsetReader { return nil }
func (c taskCtx) Logger() *slog.Logger {
	if c.log != nil {
		return c.log
	}
	return slog.New(slog.DiscardHandler)
}

// baseConfig is a minimal task config against broker, with one connection per task: the tests of a task's
// behaviour over one connection (arrival order, its client id) stay as they were before tasks had several.
func baseConfig(broker *mqtttest.Broker, extra map[string]string) map[string]string {
	cfg := map[string]string{
		"name":                          "mqtt-test",
		"connector.class":               Class,
		"topics":                        "vehicle-data",
		fieldBrokerURL:                  broker.URL(),
		fieldTopic:                      "/mqtt/test/#",
		fieldClientID:                   "it",
		fieldMaxPollDuration:            "50",
		fieldConnectTimeout:             "5",
		fieldMaxRetryTime:               "10000",
		"value.converter":               "org.apache.kafka.connect.json.JsonConverter",
		"key.converter":                 "org.apache.kafka.connect.storage.StringConverter",
		"camel.source.maxBatchPollSize": "1000",
		fieldConnectionsPerTask:         "1",
	}
	maps.Copy(cfg, extra)
	return cfg
}

func startTask(t *testing.T, cfg map[string]string) *SourceTask {
	t.Helper()
	task := &SourceTask{}
	if err := task.Start(context.Background(), taskCtx{}, cfg); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	return task
}

// waitConnected waits until the broker sees the client connected and subscribed.
func waitConnected(t *testing.T, b *mqtttest.Broker, clientID string) {
	t.Helper()
	waitFor(t, 10*time.Second, "client "+clientID+" connected and subscribed", func() bool { return b.Ready(clientID) })
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// pollN polls until n records arrived (or fails after the timeout).
func pollN(t *testing.T, task *SourceTask, n int, timeout time.Duration) []*connector.SourceRecord {
	t.Helper()
	var out []*connector.SourceRecord
	deadline := time.Now().Add(timeout)
	for len(out) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d records, want %d", len(out), n)
		}
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		out = append(out, recs...)
	}
	return out
}

func commitAll(t *testing.T, task *SourceTask, recs []*connector.SourceRecord) {
	t.Helper()
	for i, r := range recs {
		if err := task.CommitRecord(r, &connector.RecordMetadata{Topic: r.Topic, Offset: int64(i)}); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
}

func TestTaskTurnsMessagesIntoRecords(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, baseConfig(b, map[string]string{"topics": "vehicle-data,audit"}))
	waitConnected(t, b, "it-0")

	b.Publish(t, "/mqtt/test/car1", []byte(`{"speed": 88}`), 1)
	b.Publish(t, "/mqtt/test/car2", []byte("plain text"), 1)
	b.Publish(t, "/mqtt/test/car3", []byte{0xff, 0xfe, 0x00}, 0)
	recs := pollN(t, task, 6, 10*time.Second)

	type want struct {
		topic, key string
		value      any
		schema     *connector.Schema
		qos        int32
	}
	wants := []want{
		{"vehicle-data", "/mqtt/test/car1", connector.RawJSON(`{"speed": 88}`), nil, 1},
		{"audit", "/mqtt/test/car1", connector.RawJSON(`{"speed": 88}`), nil, 1},
		{"vehicle-data", "/mqtt/test/car2", "plain text", stringSchema, 1},
		{"audit", "/mqtt/test/car2", "plain text", stringSchema, 1},
		{"vehicle-data", "/mqtt/test/car3", []byte{0xff, 0xfe, 0x00}, bytesSchema, 0},
		{"audit", "/mqtt/test/car3", []byte{0xff, 0xfe, 0x00}, bytesSchema, 0},
	}
	for i, w := range wants {
		r := recs[i]
		if r.Topic != w.topic || r.Key != w.key || r.KeySchema != stringSchema || fmt.Sprint(r.Value) != fmt.Sprint(w.value) ||
			r.ValueSchema != w.schema || fmt.Sprintf("%T", r.Value) != fmt.Sprintf("%T", w.value) {
			t.Errorf("record %d: %s %v %T(%v) schema %v; want %+v", i, r.Topic, r.Key, r.Value, r.Value, r.ValueSchema, w)
		}
		if len(r.Headers) != 2 || r.Headers[0].Key != KafkaHeaderTopic || r.Headers[0].Value != w.key ||
			r.Headers[1].Key != KafkaHeaderQoS || r.Headers[1].Value != w.qos {
			t.Errorf("record %d headers: %+v", i, r.Headers)
		}
		if r.Timestamp.IsZero() || r.SourcePartition != nil || r.SourceOffset != nil {
			t.Errorf("record %d: timestamp %v partition %v offset %v", i, r.Timestamp, r.SourcePartition, r.SourceOffset)
		}
	}
	if n := b.Inflight("it-0"); n != 2 {
		t.Fatalf("broker holds %d unacknowledged messages before commit, want 2", n)
	}
	commitAll(t, task, recs)
	waitFor(t, 5*time.Second, "acks reach the broker", func() bool { return b.Inflight("it-0") == 0 })
}

// TestTaskAcknowledgesOnlyCommittedPrefixInArrivalOrder commits records out of order and checks that the
// broker sees acknowledgements only for the committed prefix of the arrival order.
func TestTaskAcknowledgesOnlyCommittedPrefixInArrivalOrder(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, baseConfig(b, nil))
	waitConnected(t, b, "it-0")
	for i := range 5 {
		b.Publish(t, "/mqtt/test/car", []byte(strconv.Itoa(i)), 1)
	}
	recs := pollN(t, task, 5, 10*time.Second)
	for i, r := range recs {
		if string(r.Value.(connector.RawJSON)) != strconv.Itoa(i) {
			t.Fatalf("record %d is %v: arrival order lost", i, r.Value)
		}
	}
	// The worker commits in poll order; a pipeline that receives commit 3 before 0 must still hold acks.
	task.pipe.commit(recs[3])
	task.pipe.commit(recs[1])
	if _, _, unacked := task.pipe.stats(); unacked != 5 {
		t.Fatalf("%d unacknowledged after committing 1 and 3, want 5", unacked)
	}
	task.pipe.commit(recs[0])
	if _, _, unacked := task.pipe.stats(); unacked != 3 {
		t.Fatalf("%d unacknowledged after committing 0, 1 and 3, want 3 (messages 2..4)", unacked)
	}
	waitFor(t, 5*time.Second, "two acks at the broker", func() bool { return b.Inflight("it-0") == 3 })
	task.pipe.commit(recs[2])
	task.pipe.commit(recs[4])
	waitFor(t, 5*time.Second, "all acks at the broker", func() bool { return b.Inflight("it-0") == 0 })
}

func TestTaskFailsAfterMaxRetryTime(t *testing.T) {
	t.Parallel()
	cfg := map[string]string{
		"name": "down", fieldBrokerURL: "tcp://user:s3cret@127.0.0.1:1", fieldTopic: "a/#", "topics": "t",
		fieldMaxRetryTime: "300", fieldMaxPollDuration: "20", fieldPassword: "hunter2", fieldUsername: "u",
	}
	task := &SourceTask{}
	if err := task.Start(context.Background(), taskCtx{}, cfg); err != nil {
		t.Fatalf("start: %v", err)
	}
	defer task.Stop(context.Background())
	var err error
	deadline := time.Now().Add(20 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		_, err = task.Poll(context.Background())
	}
	if !errors.Is(err, ErrBrokerUnavailable) {
		t.Fatalf("poll error %v, want ErrBrokerUnavailable", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "refused") {
		t.Errorf("trace does not say what failed: %s", msg)
	}
	if strings.Contains(msg, "s3cret") || strings.Contains(msg, "hunter2") {
		t.Errorf("trace leaks a password: %s", msg)
	}
}

func TestTaskReconnectsAndResumesPersistentSession(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, baseConfig(b, map[string]string{fieldCleanSession: "false"}))
	waitConnected(t, b, "it-0")
	for i := range 3 {
		b.Publish(t, "/mqtt/test/x", []byte(strconv.Itoa(i)), 1)
	}
	first := pollN(t, task, 3, 10*time.Second)
	// Messages that arrive and are not yet polled when the connection drops are redelivered by the broker
	// with the resumed session; the ones polled are written (and their acks lost).
	b.Kick(t, "it-0")
	waitFor(t, 10*time.Second, "reconnect", func() bool { return b.Connected("it-0") })
	b.Publish(t, "/mqtt/test/x", []byte("3"), 1)
	second := pollN(t, task, 4, 10*time.Second) // 0..2 redelivered, then 3
	var got []string
	for _, r := range second {
		got = append(got, string(r.Value.(connector.RawJSON)))
	}
	// mochi resends its in-flight messages in map order, not in their original order.
	slices.Sort(got[:3])
	if strings.Join(got, ",") != "0,1,2,3" {
		t.Fatalf("after reconnect got %v, want the redelivered 0,1,2 and then 3", got)
	}
	commitAll(t, task, first)
	commitAll(t, task, second)
	waitFor(t, 5*time.Second, "all acknowledged", func() bool { return b.Inflight("it-0") == 0 })
}

func TestTaskConnectsWithMutualTLS(t *testing.T) {
	t.Parallel()
	ca, cert, key := writeTestPKI(t, t.TempDir())
	b := mqtttest.NewBroker(t, mqtttest.WithTLS(serverTLS(t, ca, cert, key)))
	if !strings.HasPrefix(b.URL(), "ssl://") {
		t.Fatalf("broker URL %s", b.URL())
	}
	task := startTask(t, baseConfig(b, map[string]string{fieldSSLCACert: ca, fieldSSLCert: cert, fieldSSLKey: key}))
	waitConnected(t, b, "it-0")
	b.Publish(t, "/mqtt/test/tls", []byte(`"secure"`), 1)
	if recs := pollN(t, task, 1, 10*time.Second); string(recs[0].Value.(connector.RawJSON)) != `"secure"` {
		t.Fatalf("record %v", recs[0].Value)
	}
}

func TestTaskAuthenticatesAndReportsRefusedCredentials(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t, mqtttest.WithUser("device", "right"))
	good := startTask(t, baseConfig(b, map[string]string{fieldUsername: "device", fieldPassword: "right", fieldClientID: "good"}))
	waitConnected(t, b, "good-0")
	b.Publish(t, "/mqtt/test/a", []byte("1"), 1)
	pollN(t, good, 1, 10*time.Second)

	bad := startTask(t, baseConfig(b, map[string]string{fieldUsername: "device", fieldPassword: "wrong",
		fieldClientID: "bad", fieldMaxRetryTime: "200"}))
	var err error
	for deadline := time.Now().Add(20 * time.Second); err == nil && time.Now().Before(deadline); {
		_, err = bad.Poll(context.Background())
	}
	if !errors.Is(err, ErrBrokerUnavailable) || !strings.Contains(err.Error(), "not Authorized") ||
		strings.Contains(err.Error(), "wrong") {
		t.Fatalf("poll error %v, want ErrBrokerUnavailable saying not authorized, without the password", err)
	}
}

// taskOf starts task i of n built from the connector config, as the worker would.
func taskOf(t *testing.T, raw map[string]string, maxTasks, i int) *SourceTask {
	t.Helper()
	c := &Connector{}
	if err := c.Start(context.Background(), nil, raw); err != nil {
		t.Fatal(err)
	}
	tcs, err := c.TaskConfigs(context.Background(), maxTasks)
	if err != nil || i >= len(tcs) {
		t.Fatalf("task configs: %d, %v", len(tcs), err)
	}
	return startTask(t, tcs[i])
}

func TestTwoTasksShareTheSubscription(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	raw := baseConfig(b, map[string]string{fieldClientID: "sh"})
	tasks := []*SourceTask{taskOf(t, raw, 2, 0), taskOf(t, raw, 2, 1)}
	waitConnected(t, b, "sh-0")
	waitConnected(t, b, "sh-1")
	if subs := b.Subscriptions("sh-1"); !slices.Equal(subs, []string{"$share/mqtt-test//mqtt/test/#"}) {
		t.Fatalf("subscriptions %v", subs)
	}
	const n = 200
	for i := range n {
		b.Publish(t, "/mqtt/test/d", []byte(strconv.Itoa(i)), 1)
	}
	seen := map[string]int{}
	waitFor(t, 20*time.Second, "every message once", func() bool {
		for _, task := range tasks {
			recs, err := task.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				seen[string(r.Value.(connector.RawJSON))]++
			}
			commitAll(t, task, recs)
		}
		return len(seen) == n
	})
	for v, count := range seen {
		if count != 1 {
			t.Errorf("message %s delivered %d times", v, count)
		}
	}
}

func TestTasksSplitTheFiltersWithoutSharedSubscriptions(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	raw := baseConfig(b, map[string]string{fieldClientID: "split", fieldTopic: "a/#,b/#", fieldSharedSubscriptions: "false"})
	t0, t1 := taskOf(t, raw, 4, 0), taskOf(t, raw, 4, 1)
	waitConnected(t, b, "split-0")
	waitConnected(t, b, "split-1")
	if s0, s1 := b.Subscriptions("split-0"), b.Subscriptions("split-1"); !slices.Equal(s0, []string{"a/#"}) || !slices.Equal(s1, []string{"b/#"}) {
		t.Fatalf("subscriptions %v and %v", s0, s1)
	}
	b.Publish(t, "a/1", []byte("1"), 1)
	b.Publish(t, "b/1", []byte("2"), 1)
	if r := pollN(t, t0, 1, 10*time.Second); r[0].Key != "a/1" {
		t.Fatalf("task 0 got %v", r[0].Key)
	}
	if r := pollN(t, t1, 1, 10*time.Second); r[0].Key != "b/1" {
		t.Fatalf("task 1 got %v", r[0].Key)
	}
}

func TestUnpolledMessagesOfALostConnectionAreNotWrittenTwice(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, baseConfig(b, map[string]string{fieldCleanSession: "false"}))
	waitConnected(t, b, "it-0")
	for i := range 3 {
		b.Publish(t, "/mqtt/test/x", []byte(strconv.Itoa(i)), 1)
	}
	waitFor(t, 10*time.Second, "messages buffered", func() bool {
		pending, _, _ := task.pipe.stats()
		return pending == 3
	})
	b.Kick(t, "it-0")
	waitConnected(t, b, "it-0")
	recs := pollN(t, task, 3, 10*time.Second)
	more, err := task.Poll(context.Background())
	if err != nil || len(recs)+len(more) != 3 {
		t.Fatalf("%d records (%v), want the 3 messages once", len(recs)+len(more), err)
	}
	commitAll(t, task, recs)
	waitFor(t, 5*time.Second, "all acknowledged", func() bool { return b.Inflight("it-0") == 0 })
}

// lockedBuffer is a log sink that tests can read while the task writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestContentLogLevelLogsEveryRecord(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	var out lockedBuffer
	task := &SourceTask{}
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := baseConfig(b, map[string]string{fieldContentLogLevel: "info", fieldPassword: "s3cret", fieldUsername: "u"})
	if err := task.Start(context.Background(), taskCtx{log: logger}, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	waitConnected(t, b, "it-0")
	b.Publish(t, "/mqtt/test/log", []byte(`{"rpm":900}`), 0)
	pollN(t, task, 1, 10*time.Second)
	logs := out.String()
	if !strings.Contains(logs, "record content") || !strings.Contains(logs, `value="{\"rpm\":900}"`) ||
		!strings.Contains(logs, "key=/mqtt/test/log") {
		t.Fatalf("content not logged:\n%s", logs)
	}
	if strings.Contains(logs, "s3cret") {
		t.Fatalf("logs contain the password:\n%s", logs)
	}
}

// BenchmarkTaskThroughput measures the connector path of one task against the in-process broker: delivery by
// paho, the ordered buffer, Poll, CommitRecord and the in-order acknowledgements (no worker, no Kafka).
// BenchmarkTaskThroughput measures a task's messages/s from the in-process broker's inline publishes to
// records committed at once (no Kafka), with and without the spool (on the real disk of the test's temporary
// directory). Without the spool, QoS 1 acknowledgements wait for the commit; with it, for the fsync.
func BenchmarkTaskThroughput(b *testing.B) {
	for _, bc := range []struct {
		qos   byte
		size  int
		spool bool
	}{{0, 200, false}, {1, 200, false}, {1, 1024, false}, {0, 200, true}, {1, 200, true}, {1, 1024, true}} {
		name := fmt.Sprintf("qos%d-%dB", bc.qos, bc.size)
		if bc.spool {
			name += "-spool"
		}
		b.Run(name, func(b *testing.B) {
			broker := mqtttest.NewBroker(b)
			task := &SourceTask{}
			cfg := map[string]string{"name": "bench", fieldBrokerURL: broker.URL(), fieldTopic: "bench/#", "topics": "t",
				fieldQoS: strconv.Itoa(int(bc.qos)), fieldMaxNotCommitted: "10000", fieldQueueSize: "10000",
				fieldSpoolEnabled: strconv.FormatBool(bc.spool)}
			if err := task.Start(context.Background(), spoolCtx{dir: b.TempDir()}, cfg); err != nil {
				b.Fatal(err)
			}
			defer task.Stop(context.Background())
			waitFor(b, 10*time.Second, "subscribed", func() bool { return broker.Ready("bench-0") })
			payload := make([]byte, bc.size)
			meta := &connector.RecordMetadata{}
			b.SetBytes(int64(bc.size))
			b.ResetTimer()
			done := make(chan int)
			// A broker that dropped messages (QoS 0 may be dropped) must not hang the benchmark.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			go func() {
				got := 0
				for got < b.N && ctx.Err() == nil {
					recs, err := task.Poll(ctx)
					if err != nil {
						break
					}
					for _, r := range recs {
						_ = task.CommitRecord(r, meta)
					}
					got += len(recs)
				}
				done <- got
			}()
			for range b.N {
				broker.Publish(b, "bench/a", payload, bc.qos)
			}
			if got := <-done; got < b.N {
				b.Fatalf("%d of %d messages", got, b.N)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}

// TestStopWhileConnectingLeavesNoGoroutine: a task stopped while the broker has accepted its connection but not
// answered CONNECT stops at once, even with connect.timeout.seconds=0 (no limit), and leaves no paho goroutine.
func TestStopWhileConnectingLeavesNoGoroutine(t *testing.T) {
	ln := silentBroker(t)
	b := mqtttest.NewBroker(t)
	cfg := baseConfig(b, map[string]string{fieldConnectTimeout: "0"})
	cfg[fieldBrokerURL] = "tcp://" + ln.addr
	before := goroutineIDs()
	task := &SourceTask{}
	if err := task.Start(context.Background(), taskCtx{}, cfg); err != nil {
		t.Fatalf("start: %v", err)
	}
	ln.awaitConnect(t)
	stopLeavesNoPaho(t, task.Stop, 10*time.Second, before)
}

// TestConnectTimeoutZeroMeansNoLimit: connect.timeout.seconds=0 waits for the broker without limit, as paho's
// Java client does (paho's Go client would put a deadline of now on the connection).
func TestConnectTimeoutZeroMeansNoLimit(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	startTask(t, baseConfig(b, map[string]string{fieldConnectTimeout: "0"}))
	waitConnected(t, b, "it-0")
}

// awaitConnect waits until a client's CONNECT arrived.
func (s *silentListener) awaitConnect(t *testing.T) {
	t.Helper()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case <-s.connect:
	case <-timer.C:
		t.Fatal("no CONNECT arrived")
	}
}

// silentListener accepts TCP connections and answers nothing: a broker that never sends CONNACK, keeping
// the connection open or, with hangUp, closing it once CONNECT arrived. connect is sent a value when a
// connection's first byte (its CONNECT) arrived.
type silentListener struct {
	addr    string
	connect chan struct{}
}

func silentBroker(t *testing.T) *silentListener { return listenSilently(t, false) }

// hangingUpBroker is a broker that closes every connection once its CONNECT arrived.
func hangingUpBroker(t *testing.T) *silentListener { return listenSilently(t, true) }

func listenSilently(t *testing.T, hangUp bool) *silentListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentListener{addr: ln.Addr().String(), connect: make(chan struct{}, 1)}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				buf := make([]byte, 1)
				if _, err := c.Read(buf); err != nil {
					return
				}
				select {
				case s.connect <- struct{}{}:
				default:
				}
				if hangUp {
					_ = c.Close()
					return
				}
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range open {
			_ = c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	return s
}

// goroutineIDs returns the ids of the process's goroutines.
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
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineID is the id of a goroutine's stack: "goroutine 12 [running]:" → "12".
func goroutineID(stack string) string {
	f := strings.Fields(stack)
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// stopLeavesNoPaho calls stop, which must return within budget, and checks that no goroutine of paho's
// started after before is left.
func stopLeavesNoPaho(t *testing.T, stop func(context.Context) error, budget time.Duration, before map[string]bool) {
	t.Helper()
	stopped := make(chan error, 1)
	go func() { stopped <- stop(context.Background()) }()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-timer.C:
		t.Fatalf("Stop did not return within %s", budget)
	}
	// paho completes a failed attempt's token just before its goroutine returns: give it that moment.
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for left := pahoGoroutinesSince(before); left != ""; left = pahoGoroutinesSince(before) {
		if time.Now().After(deadline) {
			t.Fatalf("paho goroutines outlived the task's Stop:\n%s", left)
		}
		<-tick.C
	}
}

// pahoGoroutinesSince returns the stacks of the goroutines started after before that wait in a paho
// connection attempt or disconnect, "" when there are none.
func pahoGoroutinesSince(before map[string]bool) string {
	var left []string
	for _, g := range goroutineStacks() {
		if before[goroutineID(g)] {
			continue
		}
		// Stacks spell the package paho%2emqtt%2egolang.
		for _, f := range []string{"golang.verifyCONNACK(", "golang.(*connectionStatus).Disconnecting(", "golang.(*client).Connect.func1("} {
			if strings.Contains(g, f) {
				left = append(left, g)
				break
			}
		}
	}
	return strings.Join(left, "\n\n")
}
