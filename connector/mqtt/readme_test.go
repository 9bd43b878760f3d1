package mqtt_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/test/workertest"
)

// TestReadmeSourceTransforms runs README.md's transforms example: the user's connector file with the
// README's keys added routes records to vehicle-data.raw and tags them with a site header.
func TestReadmeSourceTransforms(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)

	name, body := readmeConnector(t, broker, "source-transforms")

	col := consume(t, c, "vehicle-data.raw")
	if status, resp := c.Do(0, http.MethodPost, "/connectors", body); status != http.StatusCreated {
		t.Fatalf("POST gave %d %s", status, resp)
	}
	c.WaitRunning(0, name, 1)
	workertest.WaitFor(t, 30*time.Second, "task subscribed", func() bool { return broker.Ready("mqtt-source-0") })
	broker.Publish(t, "/mqtt/test/car1", []byte(`{"speed":42}`), 1)
	workertest.WaitFor(t, 30*time.Second, "record in vehicle-data.raw", func() bool { return col.len() >= 1 })

	r := col.records()[0]
	if r.Topic != "vehicle-data.raw" || strings.TrimSpace(string(r.Value)) != `{"speed":42}` {
		t.Errorf("record %s %q, want vehicle-data.raw {\"speed\":42}", r.Topic, r.Value)
	}
	if site, ok := header(r, "site"); !ok || site != "plant-1" {
		t.Errorf("header site = %q (present %v), want plant-1", site, ok)
	}
	if topic, _ := header(r, "CamelHeader.CamelMqttTopic"); topic != "/mqtt/test/car1" {
		t.Errorf("the connector's own headers are gone: CamelHeader.CamelMqttTopic = %q", topic)
	}
}

// TestReadmeMQTTSpool runs README.md's spool example: the user's connector file with the README's keys added
// acknowledges messages while Kafka refuses every write, and they reach Kafka once it takes them again.
func TestReadmeMQTTSpool(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)

	name, body := readmeConnector(t, broker, "mqtt-spool")

	col := consume(t, c, "vehicle-data")
	blocker := blockProduce(c, "vehicle-data")
	if status, resp := c.Do(0, http.MethodPost, "/connectors", body); status != http.StatusCreated {
		t.Fatalf("POST gave %d %s", status, resp)
	}
	c.WaitRunning(0, name, 1)
	// The example's persistent session makes its only task open one connection (mqtt.connections.per.task).
	ids := []string{"mqtt-source-0"}
	for _, id := range ids {
		workertest.WaitFor(t, 30*time.Second, id+" subscribed", func() bool { return broker.Ready(id) })
	}
	blocker.on.Store(true)
	publishRange(t, broker, 0, 100)
	workertest.WaitFor(t, 30*time.Second, "messages acknowledged while Kafka refuses them", func() bool {
		return inflight(broker, ids...) == 0 && blocker.refused.Load() > 0
	})
	if n := col.len(); n != 0 {
		t.Fatalf("%d records reached Kafka while it refused writes", n)
	}
	blocker.on.Store(false)
	workertest.WaitFor(t, 60*time.Second, "the 100 messages in Kafka", func() bool { return len(seqs(t, col.records())) == 100 })
}

// readmeConnector is the user's connector file (testdata/mqtt-connector.json) pointed at broker, with the keys
// of README.md's example added: the connector's name and the body to POST.
func readmeConnector(t *testing.T, broker *mqtttest.Broker, example string) (string, []byte) {
	t.Helper()
	var extra map[string]string
	if err := json.Unmarshal(workertest.ReadmeExample(t, example), &extra); err != nil {
		t.Fatalf("README example %s: %v", example, err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mqtt-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Name   string         `json:"name"`
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	file.Config["camel.kamelet.mqtt-source.brokerUrl"] = broker.URL()
	for k, v := range extra {
		file.Config[k] = v
	}
	body, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	return file.Name, body
}

// TestReadmeMQTTSink runs README.md's sink example: testdata/mqtt-sink-connector.json is the README's block, and
// a command record keyed car1 reaches vehicles/car1/commands unchanged; a keyless one goes to the dead letter
// queue.
func TestReadmeMQTTSink(t *testing.T) {
	t.Parallel()
	example := workertest.ReadmeExample(t, "mqtt-sink")
	file, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mqtt-sink-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fromReadme, fromFile any
	if json.Unmarshal(example, &fromReadme) != nil || json.Unmarshal(file, &fromFile) != nil ||
		!reflect.DeepEqual(fromReadme, fromFile) {
		t.Fatalf("testdata/mqtt-sink-connector.json differs from README.md's block:\n%s\n%s", file, example)
	}
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	sub := subscribe(t, broker.URL(), "mosquitto_sub", "vehicles/+/commands")
	dlq := consume(t, c, "vehicle-commands.dlq")
	body := bytes.ReplaceAll(example, []byte("tcp://localhost:1883"), []byte(broker.URL()))
	if status, resp := c.Do(0, http.MethodPost, "/connectors", body); status != http.StatusCreated {
		t.Fatalf("POST gave %d %s", status, resp)
	}
	c.WaitRunning(0, "vehicle-commands", 3)
	p := producer(t, c)
	produce(t, p, &kgo.Record{Topic: "vehicle-commands", Key: []byte("car1"), Value: []byte(`{"cmd":"unlock"}`)},
		&kgo.Record{Topic: "vehicle-commands", Value: []byte(`{"cmd":"for nobody"}`)})
	workertest.WaitFor(t, 30*time.Second, "the command on MQTT", func() bool { return sub.len() >= 1 })
	workertest.WaitFor(t, 30*time.Second, "the keyless record in the dead letter queue", func() bool { return dlq.len() >= 1 })
	m := sub.all()[0]
	if m.topic != "vehicles/car1/commands" || string(m.payload) != `{"cmd":"unlock"}` || m.qos != 1 {
		t.Errorf("got %s %q qos %d, want vehicles/car1/commands {\"cmd\":\"unlock\"} qos 1", m.topic, m.payload, m.qos)
	}
}
