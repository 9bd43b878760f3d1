package mqtt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/test/workertest"
)

// collector consumes a Kafka topic from the start in the background.
type collector struct {
	mu   sync.Mutex
	recs []*kgo.Record
}

func consume(t *testing.T, c *workertest.Cluster, topic string) *collector {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Kafka.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.MetadataMinAge(50*time.Millisecond),
		kgo.MetadataMaxAge(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				col.mu.Lock()
				col.recs = append(col.recs, r)
				col.mu.Unlock()
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-done; cl.Close() })
	return col
}

func (c *collector) records() []*kgo.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*kgo.Record(nil), c.recs...)
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.recs)
}

func header(r *kgo.Record, key string) (string, bool) {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value), true
		}
	}
	return "", false
}

func newCluster(t *testing.T, opts ...workertest.Option) *workertest.Cluster {
	return workertest.NewCluster(t, append([]workertest.Option{workertest.Plugins(mqtt.Register)}, opts...)...)
}

// TestUserFixturesRunUnchanged posts the user's three connector files (plain, with // comments, with the
// placeholder class) with only the broker URL pointed at the test broker, and checks what lands in Kafka.
func TestUserFixturesRunUnchanged(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	col := consume(t, c, "vehicle-data")
	sent := 0
	for _, file := range []string{"mqtt-connector.json", "mqtt-connector.commented.json", "mqtt-connector.placeholder.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.ReplaceAll(data, []byte("tcp://localhost:1883"), []byte(broker.URL()))
		status, resp := c.Do(0, http.MethodPost, "/connectors", body)
		if status != http.StatusCreated {
			t.Fatalf("%s: POST gave %d %s", file, status, resp)
		}
		c.WaitRunning(0, "mqtt-source-connector", 1)
		workertest.WaitFor(t, 30*time.Second, "task subscribed", func() bool { return broker.Ready("mqtt-source-0") })

		payload := fmt.Sprintf(`{"vin": "KMH123", "speed": 88.5, "fixture": %q}`, file)
		broker.Publish(t, "/mqtt/test/car1", []byte(payload), 1)
		sent++
		workertest.WaitFor(t, 30*time.Second, "record in vehicle-data", func() bool { return col.len() >= sent })
		r := col.records()[sent-1]
		var got, want map[string]any
		if err := json.Unmarshal(r.Value, &got); err != nil {
			t.Fatalf("%s: value %q is not the JSON payload: %v", file, r.Value, err)
		}
		_ = json.Unmarshal([]byte(payload), &want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: value %s, want %s", file, r.Value, payload)
		}
		if string(r.Key) != "/mqtt/test/car1" {
			t.Errorf("%s: key %q, want the MQTT topic", file, r.Key)
		}
		if h, _ := header(r, mqtt.KafkaHeaderTopic); h != "/mqtt/test/car1" {
			t.Errorf("%s: header %s = %q", file, mqtt.KafkaHeaderTopic, h)
		}
		if h, _ := header(r, mqtt.KafkaHeaderQoS); h != "1" {
			t.Errorf("%s: header %s = %q", file, mqtt.KafkaHeaderQoS, h)
		}
		workertest.WaitFor(t, 10*time.Second, "message acknowledged", func() bool { return broker.Inflight("mqtt-source-0") == 0 })

		status, resp = c.Do(0, http.MethodDelete, "/connectors/mqtt-source-connector", nil)
		if status != http.StatusNoContent {
			t.Fatalf("%s: DELETE gave %d %s", file, status, resp)
		}
		workertest.WaitFor(t, 30*time.Second, "connector gone", func() bool {
			st, _ := c.Do(0, http.MethodGet, "/connectors/mqtt-source-connector/status", nil)
			return st == http.StatusNotFound && !broker.Connected("mqtt-source-0")
		})
	}
}

// produceBlocker makes kfake refuse produce requests for one topic with a retriable error while it is on.
type produceBlocker struct {
	on      atomic.Bool
	refused atomic.Int64
}

func blockProduce(c *workertest.Cluster, topic string) *produceBlocker {
	b := &produceBlocker{}
	c.Kafka.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Kafka.KeepControl()
		preq := req.(*kmsg.ProduceRequest)
		if !b.on.Load() || len(preq.Topics) == 0 || preq.Topics[0].Topic != topic {
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
		b.refused.Add(1)
		return resp, nil, true
	})
	return b
}

// seqs counts the sequence numbers in the collected records.
func seqs(t *testing.T, recs []*kgo.Record) map[int]int {
	t.Helper()
	out := map[int]int{}
	for _, r := range recs {
		var v struct{ Seq int }
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("value %q: %v", r.Value, err)
		}
		out[v.Seq]++
	}
	return out
}

func publishRange(t *testing.T, b *mqtttest.Broker, from, to int) {
	for i := from; i < to; i++ {
		b.Publish(t, fmt.Sprintf("/mqtt/test/car%d", i%7), fmt.Appendf(nil, `{"seq": %d}`, i), 1)
	}
}

// TestQoS1PersistentSessionLosesNothing sends 10,000 sequence-numbered QoS 1 messages across a task restart,
// a Kafka outage (during which the task is restarted again) and a worker restart, and checks that every one
// reached Kafka. Duplicates are allowed (at least once) and counted.
func TestQoS1PersistentSessionLosesNothing(t *testing.T) {
	t.Parallel()
	const total = 10000
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	col := consume(t, c, "vehicle-data")
	blocker := blockProduce(c, "vehicle-data")
	cfg := map[string]any{
		"connector.class":                                 mqtt.CamelClass,
		"tasks.max":                                       "1",
		"topics":                                          "vehicle-data",
		"camel.kamelet.mqtt-source.brokerUrl":             broker.URL(),
		"camel.kamelet.mqtt-source.topic":                 "/mqtt/test/#",
		"camel.kamelet.mqtt-source.clientId":              "durable",
		"camel.kamelet.mqtt-source.qos":                   "1",
		"camel.kamelet.mqtt-source.clean.session.enabled": "false",
		"camel.kamelet.max.retry.time.ms":                 "60000",
		"mqtt.connections.per.task":                       "1", // one session, whose queue the test reads
		"value.converter":                                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":                  "false",
	}
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "durable", "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	c.WaitRunning(0, "durable", 1)
	workertest.WaitFor(t, 30*time.Second, "task subscribed", func() bool { return broker.Ready("durable-0") })
	allIn := func(n int) func() bool {
		return func() bool { return len(seqs(t, col.records())) >= n }
	}

	// 1. Steady state, then a REST restart of the task while messages keep coming: the broker queues them for
	// the persistent session.
	publishRange(t, broker, 0, 2000)
	status, body = c.Do(0, http.MethodPost, "/connectors/durable/tasks/0/restart", nil)
	if status != http.StatusNoContent {
		t.Fatalf("restart: %d %s", status, body)
	}
	publishRange(t, broker, 2000, 4000)
	workertest.WaitFor(t, 60*time.Second, "first 4000 in Kafka", allIn(4000))
	workertest.WaitFor(t, 30*time.Second, "all acknowledged", func() bool { return broker.Inflight("durable-0") == 0 })

	// 2. Kafka refuses writes: nothing is acknowledged, the broker keeps every message.
	before := col.len()
	blocker.on.Store(true)
	publishRange(t, broker, 4000, 6000)
	workertest.WaitFor(t, 30*time.Second, "the broker holds the 2000 unacknowledged messages", func() bool {
		return broker.Inflight("durable-0") == 2000 && blocker.refused.Load() >= 3
	})
	// A task restart during the outage: the replacement gets the messages again from the broker.
	status, body = c.Do(0, http.MethodPost, "/connectors/durable/tasks/0/restart", nil)
	if status != http.StatusNoContent {
		t.Fatalf("restart during outage: %d %s", status, body)
	}
	refused := blocker.refused.Load()
	workertest.WaitFor(t, 60*time.Second, "replacement task retrying its writes", func() bool {
		return broker.Ready("durable-0") && blocker.refused.Load() > refused+3
	})
	if n := broker.Inflight("durable-0"); n < 2000 {
		t.Fatalf("broker holds %d unacknowledged messages during the outage, want at least 2000", n)
	}
	if col.len() != before {
		t.Fatalf("%d records reached Kafka while it refused writes", col.len()-before)
	}
	blocker.on.Store(false)
	workertest.WaitFor(t, 90*time.Second, "6000 in Kafka after the outage", allIn(6000))

	// 3. Worker restart: messages published while no worker runs wait in the broker.
	c.StopWorker(0)
	publishRange(t, broker, 6000, total)
	i := c.StartWorker()
	c.WaitReady(i)
	workertest.WaitFor(t, 90*time.Second, "all 10000 in Kafka", allIn(total))
	workertest.WaitFor(t, 30*time.Second, "all acknowledged", func() bool { return broker.Inflight("durable-0") == 0 })

	counts := seqs(t, col.records())
	dups := 0
	for seq := range total {
		switch n := counts[seq]; {
		case n == 0:
			t.Errorf("message %d lost", seq)
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%d messages, %d records in Kafka, %d duplicates", total, col.len(), dups)
}

// TestSeveralConnectionsPerTaskLoseNothing runs one task of three connections with persistent sessions
// through a task restart and a worker restart. Each connection has its own client id and session; while the
// worker is down the broker queues each connection's share of the shared subscription in that connection's
// session, and every message reaches Kafka when the connections come back. Duplicates are allowed (at least
// once) and counted.
func TestSeveralConnectionsPerTaskLoseNothing(t *testing.T) {
	t.Parallel()
	const total = 3000
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	col := consume(t, c, "multi-data")
	cfg := map[string]any{
		"connector.class":                                 mqtt.CamelClass,
		"tasks.max":                                       "1",
		"topics":                                          "multi-data",
		"camel.kamelet.mqtt-source.brokerUrl":             broker.URL(),
		"camel.kamelet.mqtt-source.topic":                 "/mqtt/test/#",
		"camel.kamelet.mqtt-source.clientId":              "multi",
		"camel.kamelet.mqtt-source.clean.session.enabled": "false",
		"camel.kamelet.max.retry.time.ms":                 "60000",
		"mqtt.connections.per.task":                       "3",
		"value.converter":                                 "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":                  "false",
	}
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "multi", "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	c.WaitRunning(0, "multi", 1)
	ids := []string{"multi-0", "multi-0-1", "multi-0-2"}
	for _, id := range ids {
		workertest.WaitFor(t, 30*time.Second, id+" subscribed", func() bool { return broker.Ready(id) })
		if subs := broker.Subscriptions(id); len(subs) != 1 || subs[0] != "$share/multi//mqtt/test/#" {
			t.Fatalf("%s subscriptions %v, want the shared subscription", id, subs)
		}
	}
	allIn := func(n int) func() bool {
		return func() bool { return len(seqs(t, col.records())) >= n }
	}

	// A REST restart of the task while messages keep coming.
	publishRange(t, broker, 0, 1000)
	status, body = c.Do(0, http.MethodPost, "/connectors/multi/tasks/0/restart", nil)
	if status != http.StatusNoContent {
		t.Fatalf("restart: %d %s", status, body)
	}
	publishRange(t, broker, 1000, 2000)
	workertest.WaitFor(t, 60*time.Second, "first 2000 in Kafka", allIn(2000))
	for _, id := range ids {
		workertest.WaitFor(t, 30*time.Second, id+" acknowledged", func() bool { return broker.Inflight(id) == 0 })
	}

	// Worker restart: each connection's session queues its share while no worker runs.
	c.StopWorker(0)
	for _, id := range ids {
		workertest.WaitFor(t, 30*time.Second, id+" disconnected", func() bool { return !broker.Connected(id) })
	}
	publishRange(t, broker, 2000, total)
	queued := 0
	for _, id := range ids {
		n := broker.Inflight(id)
		if n <= 0 {
			t.Errorf("%s: the broker queued %d messages for it while the worker was down, want its share", id, n)
		}
		queued += n
	}
	if queued != total-2000 {
		t.Errorf("the sessions hold %d messages, want the %d published while the worker was down", queued, total-2000)
	}
	i := c.StartWorker()
	c.WaitReady(i)
	workertest.WaitFor(t, 90*time.Second, "all 3000 in Kafka", allIn(total))
	for _, id := range ids {
		workertest.WaitFor(t, 30*time.Second, id+" acknowledged", func() bool { return broker.Inflight(id) == 0 })
	}

	counts := seqs(t, col.records())
	dups := 0
	for seq := range total {
		switch n := counts[seq]; {
		case n == 0:
			t.Errorf("message %d lost", seq)
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%d messages, %d queued in three sessions during the worker restart, %d records in Kafka, %d duplicates",
		total, queued, col.len(), dups)
}

// TestThreeTasksOnThreeWorkersShareTheLoad runs tasks.max=3 on three workers: one task per worker, each
// subscribed through the shared subscription, and every message arrives exactly once.
func TestThreeTasksOnThreeWorkersShareTheLoad(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t, workertest.Workers(3))
	col := consume(t, c, "spread")
	cfg := map[string]any{
		"connector.class":                     "CamelMqttsourceSourceConnector",
		"tasks.max":                           "3",
		"topics":                              "spread",
		"camel.kamelet.mqtt-source.brokerUrl": broker.URL(),
		"camel.kamelet.mqtt-source.topic":     "/mqtt/test/#",
		"camel.kamelet.mqtt-source.clientId":  "spread",
	}
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "spread", "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	var st struct {
		Tasks []struct {
			State    string `json:"state"`
			WorkerID string `json:"worker_id"`
		} `json:"tasks"`
	}
	workertest.WaitFor(t, 90*time.Second, "three running tasks on three workers", func() bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/spread/status", nil)
		if json.Unmarshal(body, &st) != nil || len(st.Tasks) != 3 {
			return false
		}
		workers := map[string]bool{}
		for _, task := range st.Tasks {
			if task.State != "RUNNING" {
				return false
			}
			workers[task.WorkerID] = true
		}
		return len(workers) == 3
	})
	for i := range 3 {
		id := fmt.Sprintf("spread-%d", i)
		workertest.WaitFor(t, 30*time.Second, id+" subscribed", func() bool { return broker.Ready(id) })
		if subs := broker.Subscriptions(id); len(subs) != 1 || subs[0] != "$share/spread//mqtt/test/#" {
			t.Fatalf("%s subscriptions %v, want the shared subscription", id, subs)
		}
	}
	const n = 600
	publishRange(t, broker, 0, n)
	workertest.WaitFor(t, 60*time.Second, "all messages in Kafka", func() bool { return len(seqs(t, col.records())) == n })
	for i := range 3 {
		id := fmt.Sprintf("spread-%d", i)
		workertest.WaitFor(t, 30*time.Second, id+" acknowledged", func() bool { return broker.Inflight(id) == 0 })
	}
	for seq, count := range seqs(t, col.records()) {
		if count != 1 {
			t.Errorf("message %d written %d times", seq, count)
		}
	}
	if col.len() != n {
		t.Errorf("%d records for %d messages", col.len(), n)
	}
}

// TestBadConfigurationsAreRejectedWithEveryError posts invalid configurations and expects a 400 that lists
// every problem.
func TestBadConfigurationsAreRejectedWithEveryError(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	cases := []struct {
		name   string
		config map[string]any
		want   []string
	}{{
		name: "missing broker and topic, qos 3, unknown TLS file",
		config: map[string]any{
			"connector.class":                    mqtt.CamelClass,
			"topics":                             "vehicle-data",
			"camel.kamelet.mqtt-source.qos":      "3",
			"mqtt.ssl.ca.cert":                   "/nonexistent/ca.pem",
			"camel.kamelet.mqtt-source.password": "s3cret",
		},
		want: []string{
			`Missing required configuration "camel.kamelet.mqtt-source.brokerUrl"`,
			`Missing required configuration "camel.kamelet.mqtt-source.topic"`,
			"Invalid value 3 for configuration camel.kamelet.mqtt-source.qos: Value must be no more than 2",
			"Invalid value /nonexistent/ca.pem for configuration mqtt.ssl.ca.cert: cannot read the file",
			"Invalid value [hidden] for configuration camel.kamelet.mqtt-source.password: a password needs a username",
		},
	}, {
		name: "malformed URLs and filters",
		config: map[string]any{
			"connector.class":                     "CONNECTOR CLASS",
			"camel.kamelet.mqtt-source.brokerUrl": "localhost:1883,http://u:s3cret@host:1883,tcp://host:99999",
			"camel.kamelet.mqtt-source.topic":     "a/#/b,c+",
			"topics":                              "bad topic",
			"camel.beans.aggregate":               "#class:com.example.MyAggregator",
		},
		want: []string{
			"Invalid value localhost:1883 for configuration camel.kamelet.mqtt-source.brokerUrl: malformed MQTT broker URL",
			`Invalid value http://u:xxxxx@host:1883 for configuration camel.kamelet.mqtt-source.brokerUrl: unsupported MQTT broker URL scheme "http"`,
			"Invalid value tcp://host:99999 for configuration camel.kamelet.mqtt-source.brokerUrl: malformed MQTT broker URL: invalid port",
			"Invalid value a/#/b for configuration camel.kamelet.mqtt-source.topic: the wildcard # must be a whole level and the last one",
			"Invalid value c+ for configuration camel.kamelet.mqtt-source.topic: the wildcard + must be a whole level",
			`Topic name "bad topic" is illegal`,
			"Invalid value #class:com.example.MyAggregator for configuration camel.beans.aggregate",
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "bad", "config": tc.config})
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			var e struct{ Message string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(e.Message, fmt.Sprintf("contains the following %d error(s)", len(tc.want))) {
				t.Errorf("message does not count %d errors:\n%s", len(tc.want), e.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message lacks %q:\n%s", w, e.Message)
				}
			}
			if strings.Contains(e.Message, "s3cret") {
				t.Errorf("message leaks a password:\n%s", e.Message)
			}
		})
	}
}

// TestUnreachableBrokerFailsTheTaskNotTheWorker points a connector at a closed port: its task fails after
// max.retry.time.ms with a readable trace, the worker keeps serving, and a restart brings the task back.
func TestUnreachableBrokerFailsTheTaskNotTheWorker(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newCluster(t)
	cfg := map[string]any{
		"connector.class":              mqtt.ConfluentClass,
		"mqtt.server.uri":              "tcp://" + addr,
		"mqtt.topics":                  "sensors/#",
		"mqtt.username":                "device",
		"mqtt.password":                "s3cret",
		"max.retry.time.ms":            "500",
		"mqtt.connect.timeout.seconds": "2",
	}
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "down", "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	var st struct {
		Connector struct{ State string }
		Tasks     []struct {
			State string
			Trace string
		}
	}
	workertest.WaitFor(t, 60*time.Second, "task FAILED", func() bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/down/status", nil)
		return json.Unmarshal(body, &st) == nil && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	trace := st.Tasks[0].Trace
	t.Logf("task trace: %s", trace)
	for _, want := range []string{"mqtt broker unavailable", addr, "connection refused"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, trace)
		}
	}
	if strings.Contains(trace, "s3cret") {
		t.Errorf("trace leaks the password:\n%s", trace)
	}
	if st.Connector.State != "RUNNING" {
		t.Errorf("connector %s, want RUNNING", st.Connector.State)
	}
	if status, _ := c.Do(0, http.MethodGet, "/", nil); status != http.StatusOK {
		t.Fatalf("worker unhealthy after the task failed: %d", status)
	}

	// Start a broker on that address: a REST restart brings the task back.
	broker := mqtttest.NewBrokerAt(t, addr, mqtttest.WithUser("device", "s3cret"))
	// The workers stop before this broker closes, so that their tasks do not spend the cleanup reconnecting
	// to it.
	t.Cleanup(c.StopWorkers)
	status, body = c.Do(0, http.MethodPost, "/connectors/down/tasks/0/restart", nil)
	if status != http.StatusNoContent {
		t.Fatalf("restart: %d %s", status, body)
	}
	c.WaitRunning(0, "down", 1)
	workertest.WaitFor(t, 30*time.Second, "task connected", func() bool { return broker.Ready("down-0") })
}
