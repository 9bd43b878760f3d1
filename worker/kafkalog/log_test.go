package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func newTestCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testSaramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "kafkalog-test"
	cfg.Metadata.Retry.Backoff = 20 * time.Millisecond
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	cfg.Consumer.Retry.Backoff = 20 * time.Millisecond
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Net.ReadTimeout = 5 * time.Second
	ConfigureProducer(cfg)
	cfg.Producer.Retry.Backoff = 20 * time.Millisecond
	return cfg
}

func newTestClient(t *testing.T, c *kfake.Cluster) sarama.Client {
	t.Helper()
	client, err := sarama.NewClient(c.ListenAddrs(), testSaramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// newTestAdmin has its own client: closing a ClusterAdmin closes its client.
func newTestAdmin(t *testing.T, c *kfake.Cluster) sarama.ClusterAdmin {
	t.Helper()
	admin, err := sarama.NewClusterAdmin(c.ListenAddrs(), testSaramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return admin
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// collector records what OnRecord saw.
type collector struct {
	mu   sync.Mutex
	recs []Record
}

func (c *collector) add(r Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r)
}

func (c *collector) records() []Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Record(nil), c.recs...)
}

// state is the compacted view: last value per key, tombstones removed.
func (c *collector) state() map[string]string {
	out := map[string]string{}
	for _, r := range c.records() {
		if r.Value == nil {
			delete(out, string(r.Key))
			continue
		}
		out[string(r.Key)] = string(r.Value)
	}
	return out
}

// startLog creates a Log on its own client, runs it until the test ends and checks that Run returned nil.
func startLog(t *testing.T, c *kfake.Cluster, topic string) (*Log, *collector) {
	t.Helper()
	col := &collector{}
	l, err := New(Config{Topic: topic, Client: newTestClient(t, c), OnRecord: col.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
		l.Close()
	})
	return l, col
}

func ensureTopic(t *testing.T, c *kfake.Cluster, name string, partitions int32, configs map[string]string) {
	t.Helper()
	err := EnsureTopic(testContext(t), newTestAdmin(t, c), TopicSpec{
		Name: name, Partitions: partitions, ReplicationFactor: 3, Configs: configs,
		Property: "status.storage.topic", Purpose: "connector and task statuses",
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func TestLogWritesAndReadsBack(t *testing.T) {
	c := newTestCluster(t)
	const topic = "connect-status"
	ensureTopic(t, c, topic, 5, nil)
	l, col := startLog(t, c, topic)
	ctx := testContext(t)

	want := map[string]string{}
	for i := range 40 {
		key, value := fmt.Sprintf("status-task-conn-%d", i), fmt.Sprintf(`{"state":"RUNNING","n":%d}`, i)
		if err := l.Send(ctx, []byte(key), []byte(value)); err != nil {
			t.Fatal(err)
		}
		want[key] = value
	}
	// Tombstones, an empty value and a pair written together.
	for i := range 5 {
		key := fmt.Sprintf("status-task-conn-%d", i)
		if err := l.Send(ctx, []byte(key), nil); err != nil {
			t.Fatal(err)
		}
		delete(want, key)
	}
	if err := l.Send(ctx, []byte("empty"), []byte{}); err != nil {
		t.Fatal(err)
	}
	want["empty"] = ""
	pair := []Record{{Key: []byte("status-task-conn-10"), Value: nil}, {Key: []byte("status-task-conn-11"), Value: nil}}
	if err := l.SendAll(ctx, pair); err != nil {
		t.Fatal(err)
	}
	delete(want, "status-task-conn-10")
	delete(want, "status-task-conn-11")

	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if got := col.state(); !maps.Equal(got, want) {
		t.Fatalf("state after read to end:\n got %v\nwant %v", got, want)
	}
	recs := col.records()
	if len(recs) != 40+5+1+2 {
		t.Fatalf("read %d records, want %d", len(recs), 48)
	}
	last := map[int32]int64{}
	for _, r := range recs {
		if p := Murmur2Partition(r.Key, 5); r.Partition != p {
			t.Errorf("key %q in partition %d, Java's partitioner picks %d", r.Key, r.Partition, p)
		}
		if prev, ok := last[r.Partition]; ok && r.Offset <= prev {
			t.Errorf("partition %d: offset %d delivered after %d", r.Partition, r.Offset, prev)
		}
		last[r.Partition] = r.Offset
		if r.Timestamp.IsZero() {
			t.Errorf("record %q has no timestamp", r.Key)
		}
		switch string(r.Key) {
		case "empty":
			if r.Value == nil || len(r.Value) != 0 {
				t.Errorf("empty value read back as %#v, want an empty non-nil slice", r.Value)
			}
		}
	}
	// Partitions are read concurrently, so the pair need not be the last records delivered: check the latest
	// record of each key.
	latest := map[string]Record{}
	for _, r := range recs {
		latest[string(r.Key)] = r
	}
	for _, k := range []string{"status-task-conn-10", "status-task-conn-11"} {
		if r, ok := latest[k]; !ok || r.Value != nil {
			t.Errorf("tombstone %q read back as %#v (present %v)", k, r.Value, ok)
		}
	}
}

// Tombstones must be null on the wire, not empty: read them with an independent client.
func TestTombstoneIsNullOnTheWire(t *testing.T) {
	c := newTestCluster(t)
	const topic = "connect-configs"
	ensureTopic(t, c, topic, 1, nil)
	l, _ := startLog(t, c, topic)
	ctx := testContext(t)
	if err := l.SendAll(ctx, []Record{{Key: []byte("connector-a"), Value: nil}, {Key: []byte("connector-b"), Value: []byte{}}}); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(got) < 2 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		got = append(got, fs.Records()...)
	}
	if string(got[0].Key) != "connector-a" || got[0].Value != nil {
		t.Fatalf("tombstone read as key %q value %#v, want a null value", got[0].Key, got[0].Value)
	}
	if string(got[1].Key) != "connector-b" || got[1].Value == nil {
		t.Fatalf("empty record read as key %q value %#v, want an empty value", got[1].Key, got[1].Value)
	}
}

func TestReadFromScratchSeesEverything(t *testing.T) {
	c := newTestCluster(t)
	const topic = "connect-offsets"
	ensureTopic(t, c, topic, 25, nil)
	writer, first := startLog(t, c, topic)
	ctx := testContext(t)
	for i := range 100 {
		key := fmt.Appendf(nil, `["conn",{"file":"f%d"}]`, i%30)
		if err := writer.Send(ctx, key, fmt.Appendf(nil, `{"position":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := writer.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	reader, second := startLog(t, c, topic)
	if err := reader.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := first.records(), second.records()
	if len(a) != 100 || len(b) != 100 {
		t.Fatalf("writer read %d records, fresh reader %d; want 100 each", len(a), len(b))
	}
	index := func(recs []Record) map[[2]int64]string {
		m := map[[2]int64]string{}
		for _, r := range recs {
			m[[2]int64{int64(r.Partition), r.Offset}] = string(r.Key) + "=" + string(r.Value)
		}
		return m
	}
	if !maps.Equal(index(a), index(b)) {
		t.Fatal("a fresh reader saw different records than the writer's reader")
	}
}

func TestReadToEndOfEmptyTopic(t *testing.T) {
	c := newTestCluster(t)
	ensureTopic(t, c, "empty", 5, nil)
	l, col := startLog(t, c, "empty")
	if err := l.ReadToEnd(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(col.records()); n != 0 {
		t.Fatalf("read %d records from an empty topic", n)
	}
}

func TestReadToEndWaitsForRun(t *testing.T) {
	c := newTestCluster(t)
	ensureTopic(t, c, "t", 1, nil)
	col := &collector{}
	l, err := New(Config{Topic: "t", Client: newTestClient(t, c), OnRecord: col.add})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := testContext(t)
	if err := l.Send(ctx, []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	readDone := make(chan error, 1)
	go func() { readDone <- l.ReadToEnd(ctx) }()
	runCtx, cancel := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run(runCtx) }()
	if err := <-readDone; err != nil {
		t.Fatal(err)
	}
	if got := col.state(); !maps.Equal(got, map[string]string{"k": "v"}) {
		t.Fatalf("state = %v", got)
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	if err := l.Run(ctx); err == nil {
		t.Fatal("second Run succeeded")
	}
}

func TestLogFollowsLeadersAndBrokerRestarts(t *testing.T) {
	c := newTestCluster(t)
	const topic = "connect-status"
	ensureTopic(t, c, topic, 5, nil)
	l, col := startLog(t, c, topic)
	ctx := testContext(t)
	want := map[string]string{}
	send := func(round int) {
		t.Helper()
		for i := range 10 {
			k, v := fmt.Sprintf("k%d", i), fmt.Sprintf("v%d-%d", i, round)
			if err := l.Send(ctx, []byte(k), []byte(v)); err != nil {
				t.Fatal(err)
			}
			want[k] = v
		}
	}
	send(0)
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	c.ShufflePartitionLeaders()
	send(1)
	for p := range int32(5) {
		if err := c.MoveTopicPartition(topic, p, 2); err != nil {
			t.Fatal(err)
		}
	}
	send(2)
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	// Restart broker 2, which leads every partition now: remove it and bring it back on its port.
	_, port, err := splitPort(c.ListenAddrs()[2])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveNode(2); err != nil {
		t.Fatal(err)
	}
	send(3)
	if _, _, err := c.AddNode(2, port); err != nil {
		t.Fatal(err)
	}
	send(4)
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if got := col.state(); !maps.Equal(got, want) {
		t.Fatalf("state = %v\nwant %v", got, want)
	}
	if n := len(col.records()); n != 50 {
		t.Fatalf("read %d records, want 50", n)
	}
}

func splitPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	return host, n, err
}

// A Java worker with exactly-once support writes transactionally: the log then ends with a commit marker,
// which is not a record but still must count as read.
func TestReadToEndPastTransactionMarkers(t *testing.T) {
	c := newTestCluster(t)
	const topic = "connect-configs"
	ensureTopic(t, c, topic, 1, nil)
	ctx := testContext(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("connect-cluster-test"),
		kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, commit := range []kgo.TransactionEndTry{kgo.TryCommit, kgo.TryAbort, kgo.TryCommit} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		recs := []*kgo.Record{{Key: []byte("connector-a"), Value: []byte("1")}, {Key: []byte("target-state-a"), Value: []byte("2")}}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	l, col := startLog(t, c, topic)
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	// read_uncommitted, like Connect's non-EOS reader: the aborted pair is delivered, the markers are not.
	recs := col.records()
	if len(recs) != 6 {
		t.Fatalf("read %d records, want the 6 data records (no markers)", len(recs))
	}
	end, err := newTestClient(t, c).GetOffset(topic, 0, sarama.OffsetNewest)
	if err != nil {
		t.Fatal(err)
	}
	if last := recs[len(recs)-1].Offset; last+1 >= end {
		t.Fatalf("last data record at %d, end offset %d: expected a marker after it", last, end)
	}
}

func TestOutOfRangeResetsToEarliest(t *testing.T) {
	c := newTestCluster(t)
	const topic = "t"
	ensureTopic(t, c, topic, 1, nil)
	l, col := startLog(t, c, topic)
	ctx := testContext(t)
	for i := range 5 {
		if err := l.Send(ctx, fmt.Appendf(nil, "k%d", i), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	var injected atomic.Bool
	c.ControlKey(int16(kmsg.Fetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.FetchRequest)
		for _, rt := range req.Topics {
			if rt.Topic != topic {
				continue
			}
			resp := req.ResponseKind().(*kmsg.FetchResponse)
			resp.Version = req.Version
			st := kmsg.NewFetchResponseTopic()
			st.Topic = topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewFetchResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.OffsetOutOfRange.Code
				sp.HighWatermark, sp.LastStableOffset, sp.LogStartOffset = -1, -1, -1
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
			injected.Store(true)
			return resp, nil, true
		}
		return nil, nil, false
	})
	waitFor(t, "the reader to read the topic again from the start", func() bool { return len(col.records()) == 10 })
	recs := col.records()
	for i, r := range recs[5:] {
		if r.Offset != int64(i) {
			t.Fatalf("re-read record %d has offset %d", i, r.Offset)
		}
	}
	if !injected.Load() {
		t.Fatal("the out-of-range answer was never sent")
	}
}

func TestReadAfterCompaction(t *testing.T) {
	c := newTestCluster(t)
	const topic = "connect-configs"
	ensureTopic(t, c, topic, 1, map[string]string{"delete.retention.ms": "0"})
	writer, _ := startLog(t, c, topic)
	ctx := testContext(t)
	want := map[string]string{}
	for i := range 30 {
		k, v := fmt.Sprintf("k%d", i%4), fmt.Sprintf("v%d", i)
		if err := writer.Send(ctx, []byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	if err := writer.Send(ctx, []byte("k0"), nil); err != nil {
		t.Fatal(err)
	}
	delete(want, "k0")
	if err := writer.Send(ctx, []byte("k1"), []byte("final")); err != nil {
		t.Fatal(err)
	}
	want["k1"] = "final"
	c.Compact()
	reader, col := startLog(t, c, topic)
	if err := reader.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if got := col.state(); !maps.Equal(got, want) {
		t.Fatalf("state after compaction = %v, want %v", got, want)
	}
	if n := len(col.records()); n >= 32 {
		t.Fatalf("read %d records: compaction removed nothing, the test proves nothing", n)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	c := newTestCluster(t)
	ensureTopic(t, c, "t", 1, nil)
	l, err := New(Config{Topic: "t", Client: newTestClient(t, c), OnRecord: func(Record) {}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run(ctx) }()
	if err := l.Send(ctx, []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-runDone; err != nil {
		t.Fatalf("Run after Close returned %v, want nil", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Send(ctx, []byte("k"), []byte("v")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
	if err := l.ReadToEnd(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadToEnd after Close = %v, want ErrClosed", err)
	}
}

func TestNewValidates(t *testing.T) {
	c := newTestCluster(t)
	plain := sarama.NewConfig()
	plain.Version = sarama.V3_6_0_0
	unprepared, err := sarama.NewClient(c.ListenAddrs(), plain)
	if err != nil {
		t.Fatal(err)
	}
	defer unprepared.Close()
	prepared := newTestClient(t, c)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no topic", Config{Client: prepared, OnRecord: func(Record) {}}},
		{"no client", Config{Topic: "t", OnRecord: func(Record) {}}},
		{"no callback", Config{Topic: "t", Client: prepared}},
		{"client not prepared with ConfigureProducer", Config{Topic: "t", Client: unprepared, OnRecord: func(Record) {}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
	if _, err := New(Config{Topic: "t", Client: prepared, OnRecord: func(Record) {}}); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}
