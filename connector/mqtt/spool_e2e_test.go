package mqtt_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
	"github.com/connectd/connectd/test/workertest"
)

// fastFailover makes a killed worker's tasks move at once: a 2 s session and no hold on lost work.
func fastFailover() []workertest.Option {
	return []workertest.Option{
		workertest.KafkaOpts(kfake.GroupMinSessionTimeout(100 * time.Millisecond)),
		workertest.WorkerProps(map[string]string{
			"heartbeat.interval.ms":            "300",
			"session.timeout.ms":               "2000",
			"rebalance.timeout.ms":             "10000",
			"scheduled.rebalance.max.delay.ms": "0",
		}),
	}
}

// spoolConnector is a connector config with the spool on and persistent sessions.
func spoolConnector(broker *mqtttest.Broker, clientID, topic string, extra map[string]any) map[string]any {
	cfg := map[string]any{
		"connector.class":                                 mqtt.CamelClass,
		"tasks.max":                                       "1",
		"topics":                                          topic,
		"camel.kamelet.mqtt-source.brokerUrl":             broker.URL(),
		"camel.kamelet.mqtt-source.topic":                 "/mqtt/test/#",
		"camel.kamelet.mqtt-source.clientId":              clientID,
		"camel.kamelet.mqtt-source.clean.session.enabled": "false",
		"camel.kamelet.max.retry.time.ms":                 "60000",
		"mqtt.spool.enabled":                              "true",
		"value.converter":                                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":                  "false",
	}
	for k, v := range extra {
		cfg[k] = v
	}
	return cfg
}

// inflight is what the broker holds unacknowledged for all the given clients.
func inflight(b *mqtttest.Broker, ids ...string) int {
	n := 0
	for _, id := range ids {
		n += max(b.Inflight(id), 0)
	}
	return n
}

// countSeqs checks that every message 0..total-1 reached Kafka and returns the duplicates.
func countSeqs(t *testing.T, recs []*kgo.Record, total int) int {
	t.Helper()
	counts := seqs(t, recs)
	dups := 0
	for seq := range total {
		switch n := counts[seq]; {
		case n == 0:
			t.Errorf("message %d lost", seq)
		case n > 1:
			dups += n - 1
		}
	}
	return dups
}

// sourceRunners counts the source task runners in this process (a goleak-style look at the stacks): a task the
// worker gave up on keeps running until its records are settled, unseen by the worker.
func sourceRunners() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "worker.(*taskRunner).runSource(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// With the spool on, messages are acknowledged while Kafka refuses every write; what the spool holds
// survives a task restart and a killed worker during the outage, and reaches Kafka once it is back.
//
// Not parallel: it ends by waiting for the task instances the worker gave up on during the outage (their
// records are retried until Kafka takes them) by counting the task runners of the process.
func TestSpoolAcknowledgesBeforeKafkaAndKeepsEverything(t *testing.T) {
	const total = 5000
	broker := mqtttest.NewBroker(t)
	dir := t.TempDir()
	c := newCluster(t, append(fastFailover(), workertest.WorkerProps(map[string]string{"spool.dir": dir}))...)
	col := consume(t, c, "spooled-data")
	blocker := blockProduce(c, "spooled-data")
	ids := []string{"spooled-0", "spooled-0-1"}
	cfg := spoolConnector(broker, "spooled", "spooled-data", map[string]any{"mqtt.connections.per.task": "2"})
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "spooled", "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	c.WaitRunning(0, "spooled", 1)
	for _, id := range ids {
		workertest.WaitFor(t, 30*time.Second, id+" subscribed", func() bool { return broker.Ready(id) })
	}
	allIn := func(n int) func() bool {
		return func() bool { return len(seqs(t, col.records())) >= n }
	}

	// 1. Kafka refuses writes, yet the broker's in-flight count drops to zero: the messages are in the spool.
	blocker.on.Store(true)
	publishRange(t, broker, 0, 2000)
	workertest.WaitFor(t, 30*time.Second, "2000 messages acknowledged while Kafka refuses them", func() bool {
		return inflight(broker, ids...) == 0 && blocker.refused.Load() >= 3
	})
	if n := col.len(); n != 0 {
		t.Fatalf("%d records reached Kafka while it refused writes", n)
	}
	spoolDir := filepath.Join(dir, "spooled", "0")
	if names, err := os.ReadDir(spoolDir); err != nil || len(names) < 2 {
		t.Fatalf("spool directory %s: %v, %d files; want a segment and the lock", spoolDir, err, len(names))
	}

	// 2. A task restart during the outage: the stopping task cannot drain into Kafka; the new one finds its spool.
	status, body = c.Do(0, http.MethodPost, "/connectors/spooled/tasks/0/restart", nil)
	if status != http.StatusNoContent {
		t.Fatalf("restart: %d %s", status, body)
	}
	c.WaitRunning(0, "spooled", 1)
	publishRange(t, broker, 2000, 3500)
	workertest.WaitFor(t, 60*time.Second, "3500 acknowledged after the restart", func() bool {
		return inflight(broker, ids...) == 0 && broker.Ready(ids[0]) && broker.Ready(ids[1])
	})

	// 3. The worker is killed with a full spool; what comes meanwhile stays with the broker (the killed task,
	// which the worker gave up on while its records are retried, takes nothing more); the same worker (same
	// spool.dir) starts again.
	c.KillWorker(0)
	publishRange(t, broker, 3500, total)
	i := c.StartWorker()
	c.WaitReady(i)
	if col.len() != 0 {
		t.Fatalf("%d records reached Kafka while it refused writes", col.len())
	}

	// 4. Kafka is back: everything the spool took, and everything the broker kept, arrives.
	blocker.on.Store(false)
	workertest.WaitFor(t, 120*time.Second, "all messages in Kafka", allIn(total))
	workertest.WaitFor(t, 30*time.Second, "all acknowledged", func() bool { return inflight(broker, ids...) == 0 })
	dups := countSeqs(t, col.records(), total)
	// Duplicates come only from messages appended but not acknowledged when a connection ended (at most the
	// in-flight window of each connection at each of the two stops).
	if dups > 2*2*1000 {
		t.Errorf("%d duplicates, more than the connections' windows at the two stops", dups)
	}
	t.Logf("%d messages, %d records in Kafka, %d duplicates", total, col.len(), dups)
	workertest.WaitFor(t, 60*time.Second, "the abandoned task instances finished", func() bool { return sourceRunners() <= 1 })
}

// The spool changes nothing in what lands in Kafka: a connector with it and one without, reading the same
// messages, write the same keys, values and headers, stamped with the receive time.
func TestSpooledRecordsEqualUnspooledInKafka(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	plain, spooled := consume(t, c, "plain-data"), consume(t, c, "spool-data")
	extra := map[string]any{"camel.source.camelMessageHeaderKey": "CamelMqttTopic", "mqtt.connections.per.task": "1"}
	plainCfg := spoolConnector(broker, "plain", "plain-data", extra)
	plainCfg["mqtt.spool.enabled"] = "false"
	for name, cfg := range map[string]map[string]any{
		"plain":   plainCfg,
		"spooled": spoolConnector(broker, "spooledrec", "spool-data", extra),
	} {
		status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": name, "config": cfg})
		if status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", name, status, body)
		}
		c.WaitRunning(0, name, 1)
	}
	for _, id := range []string{"plain-0", "spooledrec-0"} {
		workertest.WaitFor(t, 30*time.Second, id+" subscribed", func() bool { return broker.Ready(id) })
	}
	before := time.Now().Truncate(time.Millisecond)
	const n = 60
	for i := range n {
		payload := fmt.Appendf(nil, `{"seq": %d}`, i)
		if i%3 == 1 {
			payload = fmt.Appendf(nil, "text %d", i)
		}
		broker.Publish(t, fmt.Sprintf("/mqtt/test/car%d", i%5), payload, byte(i%2))
	}
	workertest.WaitFor(t, 30*time.Second, "both topics complete", func() bool { return plain.len() == n && spooled.len() == n })
	after := time.Now()
	index := func(recs []*kgo.Record) map[string]*kgo.Record {
		out := map[string]*kgo.Record{}
		for _, r := range recs {
			out[string(r.Value)] = r
		}
		return out
	}
	want, got := index(plain.records()), index(spooled.records())
	if len(want) != n || len(got) != n {
		t.Fatalf("%d and %d distinct values, want %d", len(want), len(got), n)
	}
	for v, w := range want {
		g, ok := got[v]
		if !ok {
			t.Errorf("value %s missing from the spooled connector's topic", v)
			continue
		}
		if string(g.Key) != string(w.Key) || fmt.Sprint(g.Headers) != fmt.Sprint(w.Headers) {
			t.Errorf("value %s: key %q headers %v, want key %q headers %v", v, g.Key, g.Headers, w.Key, w.Headers)
		}
		if g.Timestamp.Before(before) || g.Timestamp.After(after) {
			t.Errorf("value %s: timestamp %v, want the receive time (between %v and %v)", v, g.Timestamp, before, after)
		}
	}
}

// A spool whose disk is full fails its task with a readable trace; nothing it acknowledged is lost: after a
// restart (disk space freed) everything reaches Kafka, the spool's leftovers and what the broker kept.
func TestSpoolOnAFullDiskFailsTheTaskAndLosesNothing(t *testing.T) {
	t.Parallel()
	const total = 600
	broker := mqtttest.NewBroker(t)
	fs := spooltest.New()
	c := workertest.NewCluster(t, workertest.Plugins(mqtt.RegisterWithSpoolFS(fs)))
	col := consume(t, c, "full-data")
	cfg := spoolConnector(broker, "full", "full-data", map[string]any{"mqtt.connections.per.task": "1"})
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "full", "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	c.WaitRunning(0, "full", 1)
	workertest.WaitFor(t, 30*time.Second, "task subscribed", func() bool { return broker.Ready("full-0") })

	// The disk holds about 20 KB: the spool's segment (which is deleted only once it is complete and shipped)
	// fills it, although Kafka takes every record.
	fs.SetCapacity(20_000)
	publishRange(t, broker, 0, total)
	var st struct {
		Tasks []struct{ State, Trace string }
	}
	workertest.WaitFor(t, 60*time.Second, "task FAILED", func() bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/full/status", nil)
		return json.Unmarshal(body, &st) == nil && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	trace := st.Tasks[0].Trace
	for _, want := range []string{"mqtt spool", "no space left on device", "shipped when the task starts again"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, trace)
		}
	}
	unacked := broker.Inflight("full-0")
	if unacked <= 0 || unacked == total {
		t.Fatalf("the broker holds %d of %d messages unacknowledged; want those the full spool could not take", unacked, total)
	}

	// Space is freed; a restart ships the spool and takes the rest from the broker.
	fs.SetCapacity(0)
	status, body = c.Do(0, http.MethodPost, "/connectors/full/tasks/0/restart", nil)
	if status != http.StatusNoContent {
		t.Fatalf("restart: %d %s", status, body)
	}
	workertest.WaitFor(t, 60*time.Second, "all messages in Kafka", func() bool { return len(seqs(t, col.records())) >= total })
	dups := countSeqs(t, col.records(), total)
	t.Logf("trace: %s", trace)
	t.Logf("%d messages, %d acknowledged into the spool before the disk was full, %d duplicates", total, total-unacked, dups)
	// A message comes at most twice: when the spool's checkpoint was written before the disk filled, only the
	// last batch comes again (written, never acknowledged, sent again by the broker); when the disk filled
	// within the spool's first checkpoint interval, there is no checkpoint (creating it needs room), and the
	// restart ships everything the spool took again.
	for seq, n := range seqs(t, col.records()) {
		if n > 2 {
			t.Errorf("message %d written %d times", seq, n)
		}
	}
}
