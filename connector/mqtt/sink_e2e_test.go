package mqtt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/test/workertest"
)

// received is one message a test subscriber got.
type received struct {
	topic    string
	payload  []byte
	qos      byte
	retained bool
}

// subscriber is a paho client subscribed to a filter at QoS 2, collecting what arrives.
type subscriber struct {
	mu   sync.Mutex
	msgs []received
	cl   paho.Client
}

// subscribe connects a subscriber to url as id and subscribes to filter; t.Cleanup disconnects it. With
// persistent the session is kept, and the subscription is made again on every reconnect.
func subscribe(t *testing.T, url, id, filter string) *subscriber {
	t.Helper()
	s := &subscriber{}
	// attempts counts paho's connection attempts under way: Disconnect does not wait for a reconnect that is in
	// its handshake, and the cleanup must, or the attempt's goroutine outlives the test (goleak). The connect
	// timeout bounds the handshake; an explicit protocol version keeps paho from a second try with MQTT 3.1.
	var attempts atomic.Int32
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(true).SetProtocolVersion(4).
		SetAutoReconnect(true).SetMaxReconnectInterval(100 * time.Millisecond).SetOrderMatters(true).
		SetConnectTimeout(2 * time.Second)
	opts.SetConnectionNotificationHandler(func(_ paho.Client, n paho.ConnectionNotification) {
		switch n.(type) {
		case paho.ConnectionNotificationConnecting:
			attempts.Add(1)
		case paho.ConnectionNotificationFailed:
			attempts.Add(-1)
		}
	})
	opts.SetOnConnectHandler(func(c paho.Client) {
		attempts.Add(-1)
		c.Subscribe(filter, 2, func(_ paho.Client, m paho.Message) {
			s.mu.Lock()
			s.msgs = append(s.msgs, received{m.Topic(), m.Payload(), m.Qos(), m.Retained()})
			s.mu.Unlock()
		})
	})
	s.cl = paho.NewClient(opts)
	if tok := s.cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() {
		s.cl.Disconnect(0)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for deadline := time.Now().Add(10 * time.Second); attempts.Load() > 0; <-tick.C {
			if time.Now().After(deadline) {
				t.Error("the subscriber's connection attempt did not end within 10s")
				return
			}
		}
	})
	return s
}

func (s *subscriber) all() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *subscriber) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// producer writes records to the cluster's Kafka.
func producer(t *testing.T, c *workertest.Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Kafka.ListenAddrs()...), kgo.AllowAutoTopicCreation(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produce(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func createSink(t *testing.T, c *workertest.Cluster, name string, cfg map[string]any) {
	t.Helper()
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": name, "config": cfg})
	if status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", name, status, body)
	}
}

// TestSinkPublishesRecords writes records to Kafka and checks what a subscriber gets: the topic from the
// template, the payload bytes, the QoS (from the config or the record's header) and the retain flag, and that
// a record whose template cannot be filled goes to the dead letter queue without stopping the others.
func TestSinkPublishesRecords(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	sub := subscribe(t, broker.URL(), "watcher", "vehicles/#")
	dlq := consume(t, c, "commands-dlq")
	createSink(t, c, "cmds", map[string]any{
		"connector.class":                   mqtt.SinkClass,
		"tasks.max":                         "1",
		"topics":                            "commands",
		"mqtt.server.uri":                   broker.URL(),
		"mqtt.topic":                        "vehicles/${key}/${header.kind}",
		"mqtt.qos":                          "1",
		"mqtt.qos.header":                   "qos",
		"mqtt.retain":                       "true",
		"value.converter":                   "org.apache.kafka.connect.converters.ByteArrayConverter",
		"errors.tolerance":                  "all",
		"errors.deadletterqueue.topic.name": "commands-dlq",
		"errors.deadletterqueue.topic.replication.factor": "1",
	})
	c.WaitRunning(0, "cmds", 1)
	workertest.WaitFor(t, 30*time.Second, "sink connected", func() bool { return broker.Connected("cmds-0") })

	p := producer(t, c)
	binary := []byte{0, 1, 2, 0xff, 'x'}
	produce(t, p,
		&kgo.Record{Topic: "commands", Key: []byte("car1"), Value: []byte("unlock"),
			Headers: []kgo.RecordHeader{{Key: "kind", Value: []byte("doors")}}},
		&kgo.Record{Topic: "commands", Key: nil, Value: []byte("no key"),
			Headers: []kgo.RecordHeader{{Key: "kind", Value: []byte("doors")}}},
		&kgo.Record{Topic: "commands", Key: []byte("car2"), Value: binary,
			Headers: []kgo.RecordHeader{{Key: "kind", Value: []byte("ota")}, {Key: "qos", Value: []byte("2")}}},
		&kgo.Record{Topic: "commands", Key: []byte("car3"), Value: []byte("zero"),
			Headers: []kgo.RecordHeader{{Key: "kind", Value: []byte("x")}, {Key: "qos", Value: []byte("0")}}},
	)
	workertest.WaitFor(t, 30*time.Second, "three messages", func() bool { return sub.len() >= 3 })
	workertest.WaitFor(t, 30*time.Second, "the keyless record in the dead letter queue", func() bool { return dlq.len() >= 1 })

	want := []received{
		{topic: "vehicles/car1/doors", payload: []byte("unlock"), qos: 1},
		{topic: "vehicles/car2/ota", payload: binary, qos: 2},
		{topic: "vehicles/car3/x", payload: []byte("zero"), qos: 0},
	}
	got := sub.all()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.topic != w.topic || string(g.payload) != string(w.payload) || g.qos != w.qos {
			t.Errorf("message %d: %s %q qos %d, want %s %q qos %d", i, g.topic, g.payload, g.qos, w.topic, w.payload, w.qos)
		}
	}
	if r := dlq.records()[0]; string(r.Value) != "no key" {
		t.Errorf("dead letter queue holds %q, want the keyless record", r.Value)
	}
	// The worker serves the sink task's own metrics: the three messages, confirmed.
	const acked = `connectd_mqtt_sink_messages_acknowledged_total{connector="cmds",task="0"} 3`
	workertest.WaitFor(t, 30*time.Second, "the sink's metrics", func() bool {
		_, body := c.Do(0, http.MethodGet, "/metrics", nil)
		return strings.Contains(string(body), acked)
	})

	// The messages were retained: a subscriber that comes later gets them, flagged as retained.
	late := subscribe(t, broker.URL(), "late", "vehicles/#")
	workertest.WaitFor(t, 30*time.Second, "retained messages", func() bool { return late.len() >= 3 })
	for _, m := range late.all() {
		if !m.retained {
			t.Errorf("late subscriber got %s without the retain flag", m.topic)
		}
	}
}

// TestSinkWritesStructsAsJSON checks the payload of values that are not bytes: JSON objects and arrays are
// published as JSON, strings as their text, and a null value as an empty payload.
func TestSinkWritesStructsAsJSON(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	sub := subscribe(t, broker.URL(), "watcher", "#")
	createSink(t, c, "json", map[string]any{
		"connector.class":                mqtt.ConfluentSinkClass,
		"topics":                         "telemetry-cmds",
		"mqtt.server.uri":                broker.URL(),
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true",
	})
	c.WaitRunning(0, "json", 1)
	workertest.WaitFor(t, 30*time.Second, "sink connected", func() bool { return broker.Connected("json-0") })
	p := producer(t, c)
	structValue := `{"schema":{"type":"struct","fields":[{"field":"cmd","type":"string"},{"field":"speed","type":"int32"}]},` +
		`"payload":{"cmd":"limit","speed":80}}`
	produce(t, p,
		&kgo.Record{Topic: "telemetry-cmds", Value: []byte(structValue)},
		&kgo.Record{Topic: "telemetry-cmds", Value: []byte(`{"schema":{"type":"string"},"payload":"plain text"}`)},
		&kgo.Record{Topic: "telemetry-cmds", Value: nil},
	)
	workertest.WaitFor(t, 30*time.Second, "three messages", func() bool { return sub.len() >= 3 })
	got := sub.all()
	var obj map[string]any
	if err := json.Unmarshal(got[0].payload, &obj); err != nil || obj["cmd"] != "limit" || obj["speed"] != float64(80) {
		t.Errorf("struct payload %q, want the JSON object", got[0].payload)
	}
	if string(got[1].payload) != "plain text" {
		t.Errorf("string payload %q", got[1].payload)
	}
	if len(got[2].payload) != 0 {
		t.Errorf("null value gave payload %q, want empty", got[2].payload)
	}
	for _, m := range got {
		if m.topic != "telemetry-cmds" {
			t.Errorf("topic %q, want the Kafka topic (the default template)", m.topic)
		}
	}
}

// seqRecords returns records carrying the sequence numbers [from, to) as their values, spread over 3
// partitions.
func seqRecords(topic string, from, to int) []*kgo.Record {
	out := make([]*kgo.Record, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, &kgo.Record{Topic: topic, Partition: int32(i % 3), Key: []byte("car" + strconv.Itoa(i%5)),
			Value: []byte(strconv.Itoa(i))})
	}
	return out
}

// countPayloadSeqs counts how often each sequence number arrived.
func countPayloadSeqs(t *testing.T, msgs []received) map[int]int {
	t.Helper()
	out := map[int]int{}
	for _, m := range msgs {
		n, err := strconv.Atoi(string(m.payload))
		if err != nil {
			t.Fatalf("payload %q is no sequence number", m.payload)
		}
		out[n]++
	}
	return out
}

// lossAndDuplicates fails the test for every sequence number below total that did not arrive and returns the
// duplicates.
func lossAndDuplicates(t *testing.T, counts map[int]int, total int) int {
	t.Helper()
	dups, lost := 0, 0
	for i := range total {
		switch n := counts[i]; {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d messages lost", lost, total)
	}
	return dups
}

func createTopic(t *testing.T, c *workertest.Cluster, topic string, partitions int) {
	t.Helper()
	p := producer(t, c)
	// Auto-creation makes one partition; the test needs several.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := createTopicWith(ctx, p, topic, partitions); err != nil {
		t.Fatal(err)
	}
}

// TestSinkBrokerRestartLosesNothing restarts the MQTT broker while records stream through the sink, and
// kills the worker (no flush, no commit: the task's unacknowledged messages are gone with it) while the
// broker refuses the sink; every record arrives, duplicates are counted.
func TestSinkBrokerRestartLosesNothing(t *testing.T) {
	t.Parallel()
	const total = 3000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	broker := mqtttest.NewBrokerAt(t, addr)
	c := newCluster(t)
	createTopic(t, c, "stream", 3)
	sub := subscribe(t, broker.URL(), "counter", "seq/#")
	createSink(t, c, "seq", map[string]any{
		"connector.class": mqtt.SinkClass,
		"tasks.max":       "2",
		"topics":          "stream",
		"mqtt.server.uri": broker.URL(),
		"mqtt.topic":      "seq/${partition}/${key}",
		"mqtt.qos":        "1",
		"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
		// The killed worker's consumers do not leave the group: the group waits this long for them.
		"consumer.override.session.timeout.ms":    "6000",
		"consumer.override.heartbeat.interval.ms": "500",
	})
	c.WaitRunning(0, "seq", 2)
	p := producer(t, c)

	// 1. Records flow; the broker goes away mid-stream and a new one takes its address. The in-process broker
	// keeps nothing over a restart, not even what it acknowledged to the sink and had not passed on to the
	// subscriber yet (the integration suite restarts Mosquitto, which keeps them, with messages in flight), so
	// the sink's connections are cut first, with messages in flight, and the broker restarts once the
	// subscriber has everything the broker took. The new broker refuses the sink until the subscriber is back.
	produce(t, p, seqRecords("stream", 0, 1000)...)
	workertest.WaitFor(t, 30*time.Second, "some messages", func() bool { return sub.len() >= 200 })
	for _, id := range []string{"seq-0", "seq-1"} {
		broker.Refuse(id)
		if broker.Connected(id) {
			broker.Kick(t, id)
		}
	}
	workertest.WaitFor(t, 30*time.Second, "the subscriber has what the broker took", func() bool {
		return !broker.Connected("seq-0") && !broker.Connected("seq-1") && broker.Inflight("counter") == 0
	})
	_ = broker.Close()
	produce(t, p, seqRecords("stream", 1000, 2000)...)
	broker = mqtttest.NewBrokerAt(t, addr, mqtttest.WithRefused("seq-0", "seq-1"))
	// The workers stop before this broker closes, so that their tasks do not spend the cleanup reconnecting
	// to it.
	t.Cleanup(c.StopWorkers)
	workertest.WaitFor(t, 30*time.Second, "subscriber back", func() bool { return broker.Ready("counter") })
	broker.Admit("seq-0")
	broker.Admit("seq-1")
	workertest.WaitFor(t, 60*time.Second, "2000 after the restart", func() bool {
		return len(countPayloadSeqs(t, sub.all())) >= 2000
	})

	// 2. The broker refuses the sink and the worker is killed with records in the task's hands: no offset of
	// theirs was committed, and a new worker delivers them again from the last commit.
	broker.Refuse("seq-0")
	broker.Refuse("seq-1")
	broker.Kick(t, "seq-0")
	broker.Kick(t, "seq-1")
	produce(t, p, seqRecords("stream", 2000, 2500)...)
	c.KillWorker(0)
	i := c.StartWorker()
	c.WaitReady(i)
	broker.Admit("seq-0")
	broker.Admit("seq-1")
	produce(t, p, seqRecords("stream", 2500, total)...)
	workertest.WaitFor(t, 90*time.Second, "all messages", func() bool { return len(countPayloadSeqs(t, sub.all())) >= total })

	dups := lossAndDuplicates(t, countPayloadSeqs(t, sub.all()), total)
	t.Logf("%d records, %d messages, %d duplicates", total, sub.len(), dups)
	// Every message went to the topic of its own record: seq/<partition>/<key> (see seqRecords).
	for _, m := range sub.all() {
		n, _ := strconv.Atoi(string(m.payload))
		if want := fmt.Sprintf("seq/%d/car%d", n%3, n%5); m.topic != want {
			t.Fatalf("record %d published to %q, want %q", n, m.topic, want)
		}
	}
}

// createTopicWith creates topic with the given partitions through cl.
func createTopicWith(ctx context.Context, cl *kgo.Client, topic string, partitions int) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, int32(partitions), 1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	if e := kerr.ErrorForCode(resp.Topics[0].ErrorCode); e != nil {
		return fmt.Errorf("create topic %s: %w", topic, e)
	}
	return nil
}

// TestSinkBadConfigurationsAreRejected checks that a bad topic template or QoS gives a 400 naming the key, at
// validation and at create, and that nothing is created.
func TestSinkBadConfigurationsAreRejected(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	base := func(extra map[string]any) map[string]any {
		cfg := map[string]any{"connector.class": mqtt.SinkClass, "topics": "commands",
			"mqtt.server.uri": "tcp://localhost:1883"}
		for k, v := range extra {
			cfg[k] = v
		}
		return cfg
	}
	cases := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"unknown variable", base(map[string]any{"mqtt.topic": "vehicles/${vin}/commands"}),
			"Invalid value vehicles/${vin}/commands for configuration mqtt.topic: unknown variable ${vin}"},
		{"unclosed variable", base(map[string]any{"mqtt.topic": "vehicles/${key/commands"}),
			"Invalid value vehicles/${key/commands for configuration mqtt.topic: unclosed ${ at position 9"},
		{"wildcard", base(map[string]any{"mqtt.topic": "vehicles/+/${key}"}),
			"Invalid value vehicles/+/${key} for configuration mqtt.topic: the MQTT wildcards + and # cannot appear"},
		{"system topic", base(map[string]any{"mqtt.topic": "$SYS/${key}"}),
			"Invalid value $SYS/${key} for configuration mqtt.topic: the MQTT topic must not start with $"},
		{"control character", base(map[string]any{"mqtt.topic": "a\u0007/${key}"}),
			"for configuration mqtt.topic: the MQTT topic must not contain the control character U+0007"},
		{"empty", base(map[string]any{"mqtt.topic": ""}),
			"Invalid value  for configuration mqtt.topic: the MQTT topic must not be empty"},
		{"camel topic", map[string]any{"connector.class": mqtt.CamelSinkClass, "topics": "commands",
			"camel.kamelet.mqtt-sink.brokerUrl": "tcp://localhost:1883", "camel.kamelet.mqtt-sink.topic": "cmd/#"},
			"Invalid value cmd/# for configuration camel.kamelet.mqtt-sink.topic: the MQTT wildcards"},
		{"qos", base(map[string]any{"mqtt.qos": "3"}),
			"Invalid value 3 for configuration mqtt.qos: Value must be no more than 2"},
		{"no broker", map[string]any{"connector.class": "MqttSink", "topics": "commands"},
			`Missing required configuration "mqtt.server.uri"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The answers are JSON: the quotes of the messages are escaped.
			unescaped := func(b []byte) string { return strings.ReplaceAll(string(b), `\"`, `"`) }
			path := "/connector-plugins/" + tc.config["connector.class"].(string) + "/config/validate"
			status, body := c.Do(0, http.MethodPut, path, tc.config)
			if status != http.StatusOK || !strings.Contains(unescaped(body), tc.want) {
				t.Errorf("validate: %d, want the error %q in %.300s", status, tc.want, body)
			}
			status, body = c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": "bad", "config": tc.config})
			if status != http.StatusBadRequest || !strings.Contains(unescaped(body), tc.want) {
				t.Errorf("create: %d, want 400 with %q: %s", status, tc.want, body)
			}
		})
	}
	if status, body := c.Do(0, http.MethodGet, "/connectors", nil); status != http.StatusOK || string(body) != "[]" {
		t.Errorf("connectors after the bad creates: %d %s, want []", status, body)
	}
}

// TestSinkAndSourceRoundTrip sends bytes from Kafka through the sink to the broker and back through the source
// to Kafka: every payload arrives unchanged.
func TestSinkAndSourceRoundTrip(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	back := consume(t, c, "returned")
	createSink(t, c, "out", map[string]any{
		"connector.class": "MqttSink",
		"topics":          "outbound",
		"mqtt.server.uri": broker.URL(),
		"mqtt.topic":      "loop/${key}",
		"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
	})
	createSink(t, c, "in", map[string]any{
		"connector.class": "MqttSourceConnector",
		"kafka.topic":     "returned",
		"mqtt.server.uri": broker.URL(),
		"mqtt.topics":     "loop/#",
		"mqtt.qos":        "1",
		"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
	})
	c.WaitRunning(0, "out", 1)
	c.WaitRunning(0, "in", 1)
	workertest.WaitFor(t, 30*time.Second, "source subscribed", func() bool { return broker.Ready("in-0") })
	payloads := [][]byte{[]byte("plain"), {0, 0xff, 0xfe, '\n', 0}, []byte(`{"json": true}`), []byte("ünïcode")}
	p := producer(t, c)
	for i, v := range payloads {
		produce(t, p, &kgo.Record{Topic: "outbound", Key: []byte("k" + strconv.Itoa(i)), Value: v})
	}
	workertest.WaitFor(t, 30*time.Second, "payloads back in Kafka", func() bool { return back.len() >= len(payloads) })
	got := map[string]bool{}
	for _, r := range back.records() {
		got[string(r.Value)] = true
	}
	for _, v := range payloads {
		if !got[string(v)] {
			t.Errorf("payload %q did not come back unchanged", v)
		}
	}
}
