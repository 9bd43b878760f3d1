package mqtt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
)

// spoolCtx is a task context that gives the task a spool directory, as a connectd worker does.
type spoolCtx struct {
	taskCtx
	dir string
}

func (c spoolCtx) SpoolDir() (string, error) { return c.dir, nil }

// spoolConfig is baseConfig with the spool on and a persistent session, so that what the task does not
// acknowledge stays with the broker.
func spoolConfig(b *mqtttest.Broker, extra map[string]string) map[string]string {
	cfg := baseConfig(b, map[string]string{fieldSpoolEnabled: "true", fieldCleanSession: "false"})
	maps.Copy(cfg, extra)
	return cfg
}

// startSpooled starts a task with its spool in dir on fs (nil: the real disk); the test's cleanup stops it.
func startSpooled(t *testing.T, cfg map[string]string, dir string, fs spool.FS) *SourceTask {
	t.Helper()
	task := &SourceTask{spoolFS: fs}
	if err := task.Start(context.Background(), spoolCtx{dir: dir}, cfg); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = task.Stop(context.Background()) })
	return task
}

// seqPayload is the payload of message i of a test.
func seqPayload(i int) []byte { return fmt.Appendf(nil, `{"seq": %d}`, i) }

// seqOfRecord reads the sequence number back from a record made from seqPayload.
func seqOfRecord(t *testing.T, r *connector.SourceRecord) int {
	t.Helper()
	raw, ok := r.Value.(connector.RawJSON)
	if !ok {
		t.Fatalf("record value %T(%v) is not JSON", r.Value, r.Value)
	}
	var n int
	if _, err := fmt.Sscanf(string(raw), `{"seq": %d}`, &n); err != nil {
		t.Fatalf("record value %s: %v", raw, err)
	}
	return n
}

// shipAll polls and commits until the records of want messages (one Kafka topic) have arrived, and returns
// how many times each sequence number came.
func shipAll(t *testing.T, task *SourceTask, want int, seen map[int]int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d distinct messages shipped, want %d", len(seen), want)
		}
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		for _, r := range recs {
			seen[seqOfRecord(t, r)]++
		}
		commitAll(t, task, recs)
	}
}

// waitSubscribed waits until every connection of the task has subscribed. (The broker may report a resumed
// persistent session's client ready before its connection has taken the session over; messages published
// then come in no particular order.)
func waitSubscribed(t *testing.T, task *SourceTask) {
	t.Helper()
	waitFor(t, 10*time.Second, "every connection subscribed", func() bool {
		for _, s := range task.sess {
			s.mu.Lock()
			up := s.lastErr == nil && s.failingSince.IsZero()
			s.mu.Unlock()
			if !up {
				return false
			}
		}
		return true
	})
}

func TestSpoolEntryRoundTrip(t *testing.T) {
	received := time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.UTC)
	for _, m := range []*message{
		{topic: "/mqtt/test/car1", payload: []byte(`{"speed": 88}`), qos: 1, received: received},
		{topic: "", payload: nil, qos: 0, received: time.Unix(0, 0)},
		{topic: strings.Repeat("t", 300), payload: []byte{0, 0xff, 0xfe}, qos: 2, received: received.Add(-time.Hour)},
	} {
		got, err := decodeEntry(appendEntry(nil, m))
		if err != nil {
			t.Fatalf("decode %q: %v", m.topic, err)
		}
		if got.topic != m.topic || !bytes.Equal(got.payload, m.payload) || got.qos != m.qos || !got.received.Equal(m.received) {
			t.Errorf("round trip of %+v gave %+v", m, got)
		}
	}
	good := appendEntry(nil, &message{topic: "a/b", payload: []byte("x"), qos: 1, received: received})
	for name, data := range map[string][]byte{
		"empty":               nil,
		"short header":        good[:9],
		"newer version":       append([]byte{2}, good[1:]...),
		"QoS 3":               append([]byte{1, 3}, good[2:]...),
		"topic past end":      append(good[:10:10], 0x7f, 'a'),
		"malformed varint":    append(good[:10:10], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"topic length huge":   append(good[:10:10], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
		"length not shortest": append(good[:10:10], 0x80, 0x00),
	} {
		if m, err := decodeEntry(data); err == nil {
			t.Errorf("%s: decoded %+v, want an error", name, m)
		}
	}
	if _, err := decodeEntry(append([]byte{2}, good[1:]...)); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("an entry of a newer format: %v, want an error naming its version", err)
	}
}

// FuzzDecodeEntry checks that no input makes decodeEntry panic, and that what it decodes encodes back to the
// same bytes.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(appendEntry(nil, &message{topic: "a/b", payload: []byte(`{"x":1}`), qos: 1, received: time.Unix(1, 2)}))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeEntry(data)
		if err != nil {
			return
		}
		if again := appendEntry(nil, m); !bytes.Equal(again, data) {
			t.Fatalf("%x decoded to %+v, which encodes to %x", data, m, again)
		}
	})
}

// A spooled QoS 1 message is acknowledged once it is on disk, before any poll; the records are what the task
// makes without the spool (keys, values, headers, one record per Kafka topic), in arrival order, and each
// entry is committed once Kafka has all its records.
func TestSpooledTaskAcknowledgesOnceDurable(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startSpooled(t, spoolConfig(b, map[string]string{"topics": "vehicle-data,audit", fieldQoS: "2"}), t.TempDir(), nil)
	waitConnected(t, b, "it-0")
	const n = 50
	for i := range n {
		b.Publish(t, "/mqtt/test/car"+strconv.Itoa(i%3), seqPayload(i), byte(1+i%2))
	}
	b.Publish(t, "/mqtt/test/qos0", seqPayload(n), 0)
	waitFor(t, 10*time.Second, "every QoS 1 and 2 message acknowledged before any poll", func() bool {
		return b.Inflight("it-0") == 0 && task.spool.sp.Stats().Durable == n+1
	})

	recs := pollN(t, task, 2*(n+1), 10*time.Second)
	for i, r := range recs {
		seq := i / 2
		topic, qos := "/mqtt/test/car"+strconv.Itoa(seq%3), int32(1+seq%2)
		if seq == n {
			topic, qos = "/mqtt/test/qos0", 0
		}
		if want := []string{"vehicle-data", "audit"}[i%2]; r.Topic != want || r.Key != topic || seqOfRecord(t, r) != seq {
			t.Fatalf("record %d: %s key %v value %v; want %s key %s message %d", i, r.Topic, r.Key, r.Value, want, topic, seq)
		}
		wantHeaders := []connector.Header{{Key: KafkaHeaderTopic, Schema: stringSchema, Value: topic},
			{Key: KafkaHeaderQoS, Schema: int32Schema, Value: qos}}
		if !reflect.DeepEqual(r.Headers, wantHeaders) {
			t.Fatalf("record %d headers %+v, want %+v", i, r.Headers, wantHeaders)
		}
	}
	// Entries are committed once every record made from them is: the second topic's record of the first
	// message is what commits entry 1.
	commitAll(t, task, recs[:1])
	if c := task.spool.sp.Stats().Committed; c != 0 {
		t.Fatalf("spool committed up to %d with only one of the first message's two records in Kafka", c)
	}
	commitAll(t, task, recs[1:])
	if c := task.spool.sp.Stats().Committed; c != n+1 {
		t.Fatalf("spool committed up to %d after every record was, want %d", c, n+1)
	}
}

// The spool changes nothing in the records: a task with it and one without, subscribed to the same messages,
// make the same records, with the receive time as their timestamp.
func TestSpooledRecordsMatchUnspooled(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	extra := map[string]string{"topics": "a,b", fieldMessageHeaderKey: HeaderQoS, fieldRemoveHeaders: "Nothing*"}
	plainCfg := baseConfig(b, extra)
	plainCfg[fieldClientID] = "plain"
	plain := startTask(t, plainCfg)
	spooledCfg := spoolConfig(b, extra)
	spooledCfg[fieldClientID] = "spooled"
	spooled := startSpooled(t, spooledCfg, t.TempDir(), nil)
	waitConnected(t, b, "plain-0")
	waitConnected(t, b, "spooled-0")

	before := time.Now()
	payloads := [][]byte{[]byte(`{"speed": 88}`), []byte("plain text"), {0xff, 0xfe, 0x00}, []byte(`[1, 2]`), nil}
	for i, p := range payloads {
		b.Publish(t, "/mqtt/test/car"+strconv.Itoa(i), p, byte(i%3))
	}
	want := pollN(t, plain, 2*len(payloads), 10*time.Second)
	got := pollN(t, spooled, 2*len(payloads), 10*time.Second)
	after := time.Now()
	for i := range want {
		w, g := *want[i], *got[i]
		if g.Timestamp.Before(before) || g.Timestamp.After(after) || w.Timestamp.Before(before) || w.Timestamp.After(after) {
			t.Errorf("record %d timestamps %v (spooled) and %v, want receive times between %v and %v", i, g.Timestamp,
				w.Timestamp, before, after)
		}
		w.Timestamp, g.Timestamp = time.Time{}, time.Time{}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("record %d:\nspooled %+v\nwant    %+v", i, g, w)
		}
	}
	commitAll(t, plain, want)
	commitAll(t, spooled, got)
}

// A stopped task's spool keeps what Kafka does not have, and the next start of the task ships it before the
// messages that arrive then, in order.
func TestSpooledTaskShipsLeftoversFirst(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	dir := t.TempDir()
	cfg := spoolConfig(b, nil)
	first := startSpooled(t, cfg, dir, nil)
	waitConnected(t, b, "it-0")
	for i := range 100 {
		b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
	}
	waitFor(t, 10*time.Second, "100 messages acknowledged", func() bool { return b.Inflight("it-0") == 0 })
	recs := pollN(t, first, 30, 10*time.Second)
	commitAll(t, first, recs[:20]) // Kafka has 20; 10 more were polled and never acknowledged
	if err := first.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	second := startSpooled(t, cfg, dir, nil)
	waitSubscribed(t, second)
	for i := 100; i < 150; i++ {
		b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
	}
	recs = pollN(t, second, 130, 10*time.Second)
	for i, r := range recs {
		if seq := seqOfRecord(t, r); seq != 20+i {
			t.Fatalf("record %d of the second run is message %d, want %d: leftovers first, in order", i, seq, 20+i)
		}
	}
	commitAll(t, second, recs)
	if st := second.spool.sp.Stats(); st.Committed != 150 || st.Bytes != 0 {
		t.Fatalf("spool after shipping everything: %+v", st)
	}
}

// A machine crash keeps every message the task acknowledged: the next start ships those Kafka did not have.
// The crash comes at a different step of the spool's writes for each seed, and tears what was written and not
// synced at random; what was not synced was never acknowledged, so the broker sends it again.
func TestSpooledMessagesSurviveACrash(t *testing.T) {
	t.Parallel()
	for seed := range 3 {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			b := mqtttest.NewBroker(t)
			fs := spooltest.New()
			cfg := spoolConfig(b, map[string]string{fieldClientID: "crash" + strconv.Itoa(seed)})
			id := cfg[fieldClientID] + "-0"
			first := startSpooled(t, cfg, "/spool/task", fs)
			waitConnected(t, b, id)
			for i := range 20 {
				b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
			}
			commitAll(t, first, pollN(t, first, 10, 10*time.Second))
			// From the crash on, every write fails, as in a process that is gone: nothing more becomes durable
			// or is acknowledged.
			fs.Inject(spooltest.CrashAt(fs.Steps()+5+7*seed, 3))
			n := 20
			for ; n < 5000 && !fs.Crashed(); n++ {
				b.Publish(t, "/mqtt/test/car", seqPayload(n), 1)
			}
			if !fs.Crashed() {
				t.Fatalf("no crash after %d messages", n)
			}
			disk := fs.Crash(spooltest.TearUnsynced, uint64(seed))
			waitFor(t, 10*time.Second, "the first task failing", func() bool {
				_, err := first.Poll(context.Background())
				return err != nil
			})
			acked := n - b.Inflight(id)
			_ = first.Stop(context.Background())

			second := startSpooled(t, cfg, "/spool/task", disk)
			seen := map[int]int{}
			for i := range 10 {
				seen[i] = 1 // in Kafka before the crash
			}
			shipAll(t, second, n, seen)
			for i := range n {
				if seen[i] == 0 {
					t.Errorf("message %d of %d lost (%d acknowledged before the crash)", i, n, acked)
				}
			}
			t.Logf("%d messages, %d acknowledged before the crash, %d shipped after it", n, acked, len(seen)-10)
		})
	}
}

// Drain ships what the spool holds, then Poll reports connector.ErrDrained; messages that arrive after Drain
// are not taken, so the broker keeps them.
func TestDrainShipsTheSpoolThenReportsDrained(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startSpooled(t, spoolConfig(b, map[string]string{fieldMaxBatchPollSize: "7"}), t.TempDir(), nil)
	waitConnected(t, b, "it-0")
	for i := range 40 {
		b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
	}
	waitFor(t, 10*time.Second, "40 messages in the spool", func() bool { return b.Inflight("it-0") == 0 })
	task.Drain()
	for i := 40; i < 45; i++ {
		b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
	}
	var got []int
	for {
		recs, err := task.Poll(context.Background())
		if errors.Is(err, connector.ErrDrained) {
			break
		}
		if err != nil {
			t.Fatalf("poll while draining: %v", err)
		}
		for _, r := range recs {
			got = append(got, seqOfRecord(t, r))
		}
		commitAll(t, task, recs)
	}
	if len(got) != 40 || got[0] != 0 || got[39] != 39 {
		t.Fatalf("drained messages %v, want 0..39", got)
	}
	waitFor(t, 10*time.Second, "the broker holding the 5 messages sent after Drain", func() bool {
		return b.Inflight("it-0") == 5
	})
	if recs, err := task.Poll(context.Background()); !errors.Is(err, connector.ErrDrained) || len(recs) != 0 {
		t.Fatalf("poll after the drain: %d records, %v; want ErrDrained", len(recs), err)
	}
}

// publisher is a paho client publishing QoS 1 messages, so that the broker's flow control holds it back when
// a subscriber's window is full (the broker's own Publish is not held back).
func publisher(t *testing.T, b *mqtttest.Broker, id string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID(id).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// A full spool stops acknowledging: the broker keeps its window of messages in flight and holds the
// publisher back, nothing is dropped, and everything arrives once Kafka takes what the spool holds.
func TestFullSpoolPushesBackOnTheBroker(t *testing.T) {
	t.Parallel()
	const window = 20
	b := mqtttest.NewBroker(t, mqtttest.WithFlow(window, time.Minute))
	// A 1 MiB spool holds 62 messages of 16 KiB; the pipeline takes 4 of them from the spool.
	task := startSpooled(t, spoolConfig(b, map[string]string{fieldSpoolMaxBytes: strconv.Itoa(1 << 20),
		fieldBufferMaxBytes: strconv.Itoa(64 << 10)}), t.TempDir(), nil)
	waitConnected(t, b, "it-0")
	pub := publisher(t, b, "pub")
	const n = 200
	var published atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			payload := append(seqPayload(i), bytes.Repeat([]byte(" "), 16<<10)...)
			if tok := pub.Publish("/mqtt/test/car", 1, false, payload); tok.Wait() && tok.Error() == nil {
				published.Add(1)
			}
		}
	}()
	waitFor(t, 20*time.Second, "the spool full and the broker holding a window of messages", func() bool {
		st := task.spool.sp.Stats()
		return st.Bytes+(16<<10) > st.MaxBytes && b.Inflight("it-0") == window
	})
	if held := published.Load(); held >= n {
		t.Fatalf("the publisher published all %d messages while the spool was full", n)
	}
	// Nothing moves while Kafka takes nothing: the broker never has more than its window in flight (it holds
	// the publisher back instead), and the publisher never gets through. (Acknowledgements of the last entries
	// that fit may still be on their way at first, so the window may refill once.)
	var uncommitted []*connector.SourceRecord
	for range 20 {
		if got := b.Inflight("it-0"); got > window {
			t.Fatalf("broker holds %d messages in flight while the spool is full, more than the window of %d", got, window)
		}
		recs, err := task.Poll(context.Background()) // Kafka takes nothing yet
		if err != nil {
			t.Fatal(err)
		}
		uncommitted = append(uncommitted, recs...)
	}
	waitFor(t, 10*time.Second, "the window full", func() bool { return b.Inflight("it-0") == window })
	if held := published.Load(); held >= n {
		t.Fatalf("the publisher published all %d messages while the spool was full", n)
	}
	if st := task.spool.sp.Stats(); st.Bytes > st.MaxBytes {
		t.Fatalf("spool holds %d bytes, more than its %d", st.Bytes, st.MaxBytes)
	}

	// Kafka takes the records: the spool drains, acknowledgements flow, the publisher finishes.
	seen := map[int]int{}
	for _, r := range uncommitted {
		seen[seqOfRecord(t, r)]++
	}
	commitAll(t, task, uncommitted)
	shipAll(t, task, n, seen)
	<-done
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("message %d shipped %d times", i, seen[i])
		}
	}
	waitFor(t, 10*time.Second, "every message acknowledged", func() bool { return b.Inflight("it-0") == 0 })
}

// A spool that cannot be written fails the task with a readable error: the messages it could not write are
// not acknowledged (the broker keeps them), and those it acknowledged are shipped by the next start.
func TestSpoolWriteFailureFailsTheTaskAndLosesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault func(fs *spooltest.FS)
		want  string
	}{
		{"disk full", func(fs *spooltest.FS) { fs.SetCapacity(usedBytes(fs, "/spool/task") + 60<<10) }, "no space left on device"},
		{"I/O error", func(fs *spooltest.FS) { fs.Inject(spooltest.FailAt(spooltest.OpSync, 3, syscall.EIO, 0)) },
			"input/output error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mqtttest.NewBroker(t)
			fs := spooltest.New()
			id := strings.ReplaceAll(tc.name, " ", "-")
			cfg := spoolConfig(b, map[string]string{fieldClientID: id})
			first := startSpooled(t, cfg, "/spool/task", fs)
			waitConnected(t, b, id+"-0")
			for i := range 10 {
				b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
			}
			waitFor(t, 10*time.Second, "10 messages acknowledged", func() bool { return b.Inflight(id+"-0") == 0 })
			tc.fault(fs)
			const n = 200
			for i := 10; i < n; i++ {
				b.Publish(t, "/mqtt/test/car", append(seqPayload(i), bytes.Repeat([]byte(" "), 1000)...), 1)
			}
			var err error
			waitFor(t, 20*time.Second, "the task failing", func() bool {
				_, err = first.Poll(context.Background())
				return err != nil
			})
			t.Logf("task error: %v", err)
			for _, want := range []string{"mqtt spool /spool/task", tc.want, "shipped when the task starts again"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}
			unacked := b.Inflight(id + "-0")
			if unacked == 0 {
				t.Fatalf("every message acknowledged although the spool could not write")
			}
			if _, err := first.Poll(context.Background()); err == nil {
				t.Fatal("the task recovered from a failed write by itself")
			}
			_ = first.Stop(context.Background())

			// The disk works again: the next start ships what was acknowledged, the broker sends the rest.
			fs.SetCapacity(0)
			fs.Inject(nil)
			second := startSpooled(t, cfg, "/spool/task", fs)
			seen := map[int]int{}
			shipAll(t, second, n, seen)
			dups := 0
			for i := range n {
				switch {
				case seen[i] == 0:
					t.Errorf("message %d lost", i)
				case seen[i] > 1:
					dups += seen[i] - 1
				}
			}
			t.Logf("%d messages unacknowledged at the failure, %d duplicates", unacked, dups)
		})
	}
}

// usedBytes is what the files of dir hold.
func usedBytes(fs *spooltest.FS, dir string) int64 {
	var n int64
	for _, name := range fs.Names(dir) {
		data, _ := fs.ReadFile(filepath.Join(dir, name))
		n += int64(len(data))
	}
	return n
}

// A worker that gives no spool directory cannot run a task with the spool on; the error says why.
func TestSpoolNeedsASpoolDirectory(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := &SourceTask{}
	err := task.Start(context.Background(), taskCtx{}, spoolConfig(b, nil))
	if err == nil {
		_ = task.Stop(context.Background())
		t.Fatal("started with the spool on and no spool directory")
	}
	if !strings.Contains(err.Error(), fieldSpoolEnabled+"=true needs a worker that gives tasks a spool directory") {
		t.Fatalf("error %q does not say what is missing", err)
	}
}

// Idempotency and aggregation work on what the spool ships: a duplicate is dropped, aggregates form, and
// every entry, dropped or folded, is committed once the records it depends on are in Kafka.
func TestSpoolWithIdempotencyAndAggregation(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startSpooled(t, spoolConfig(b, map[string]string{
		fieldIdempotencyEnabled: "true",
		fieldBeansAggregate:     "#class:" + StringAggregator,
		fieldAggregationSize:    "3",
		fieldAggregationTimeout: "60000",
	}), t.TempDir(), nil)
	waitConnected(t, b, "it-0")
	for _, p := range []string{"a", "b", "c", "a", "b", "c", "d", "e", "f"} {
		b.Publish(t, "/mqtt/test/car", []byte(p), 1)
	}
	waitFor(t, 10*time.Second, "9 messages in the spool", func() bool { return b.Inflight("it-0") == 0 })
	recs := pollN(t, task, 2, 10*time.Second)
	// Aggregates of three consecutive messages, keyed by their body: "a\nb\nc" twice (the second dropped),
	// then "d\ne\nf".
	if len(recs) != 2 || recs[0].Value != "a\nb\nc" || recs[1].Value != "d\ne\nf" {
		t.Fatalf("records %v %v", recs[0].Value, recs[len(recs)-1].Value)
	}
	commitAll(t, task, recs)
	if st := task.spool.sp.Stats(); st.Committed != 9 {
		t.Fatalf("spool committed up to %d, want 9: the dropped duplicate's entries too", st.Committed)
	}
}

// A directory in use by another instance of the task (still stopping) holds the start back until it is
// free.
func TestSpoolStartWaitsForThePreviousInstance(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	fs := spooltest.New()
	var locks atomic.Int64
	fs.Inject(func(op spooltest.Op) *spooltest.Fault {
		if op.Kind == spooltest.OpLock {
			locks.Add(1)
		}
		return nil
	})
	cfg := spoolConfig(b, nil)
	first := startSpooled(t, cfg, "/spool/task", fs)
	started := make(chan error, 1)
	second := &SourceTask{spoolFS: fs}
	go func() { started <- second.Start(context.Background(), spoolCtx{dir: "/spool/task"}, cfg) }()
	waitFor(t, 10*time.Second, "the second instance trying the lock again", func() bool { return locks.Load() >= 3 })
	select {
	case err := <-started:
		t.Fatalf("the second instance started while the first held the spool: %v", err)
	default:
	}
	if err := first.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatalf("second start: %v", err)
	}
	_ = second.Stop(context.Background())
}

// When the worker gives up on a task (it cancels the context the task was started with) before the task
// reaches Stop, the task closes its spool at once, so that its next instance can open it.
func TestAbandonedTaskLetsGoOfItsSpool(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	fs := spooltest.New()
	cfg := spoolConfig(b, nil)
	ctx, cancel := context.WithCancel(context.Background())
	first := &SourceTask{spoolFS: fs}
	if err := first.Start(ctx, spoolCtx{dir: "/spool/task"}, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Stop(context.Background()) })
	waitConnected(t, b, "it-0")
	for i := range 10 {
		b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
	}
	recs := pollN(t, first, 10, 10*time.Second)
	if _, err := spool.Open("/spool/task", spool.Options{FS: fs}); !errors.Is(err, spool.ErrLocked) {
		t.Fatalf("a second spool opened the running task's directory: %v", err)
	}

	cancel()
	var second *spool.Spool
	waitFor(t, 10*time.Second, "the spool's directory free", func() bool {
		var err error
		second, err = spool.Open("/spool/task", spool.Options{FS: fs})
		return err == nil
	})
	defer second.Close()
	commitAll(t, first, recs) // Kafka acknowledges after the worker gave up: nothing is committed
	if rec := second.Recovery(); rec.Entries != 10 || rec.First != 1 {
		t.Fatalf("the next instance finds %+v, want the 10 entries the first did not commit", rec)
	}
}
