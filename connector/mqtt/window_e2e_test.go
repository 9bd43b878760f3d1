package mqtt_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/test/workertest"
)

// holdProduce makes kfake leave every produce request for topic unanswered until the returned function is
// called (t.Cleanup calls it too): Kafka is up but does not acknowledge the task's records.
func holdProduce(t *testing.T, c *workertest.Cluster, topic string) (release func()) {
	held := make(chan struct{})
	release = sync.OnceFunc(func() { close(held) })
	// Never handled: kfake drops a control only once it handles a request, so this one sees every produce
	// request, and kfake answers each itself once the sleep ends.
	c.Kafka.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if preq := req.(*kmsg.ProduceRequest); len(preq.Topics) > 0 && preq.Topics[0].Topic == topic {
			c.Kafka.SleepControl(func() { <-held })
		}
		return nil, nil, false
	})
	t.Cleanup(release)
	return release
}

// metricValue is the value of the first series of name that GET /metrics on worker i serves, or -1.
func metricValue(c *workertest.Cluster, i int, name string) float64 {
	status, body := c.Do(i, http.MethodGet, "/metrics", nil)
	if status != http.StatusOK {
		return -1
	}
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, name+"{"); ok {
			if _, value, ok := strings.Cut(rest, "} "); ok {
				if v, err := strconv.ParseFloat(value, 64); err == nil {
					return v
				}
			}
		}
	}
	return -1
}

// TestUncommittedRecordsFillTheWindowWhileKafkaIsSilent runs the user's fixture (maxNotCommittedRecords 1024)
// while Kafka does not acknowledge a record: the task hands the worker exactly its window of records and keeps
// the rest of what the broker sent, so nothing between the broker and the producer holds the task below its
// window (a slow Kafka then moves about one window per few round trips, bench/README.md). Once Kafka answers,
// everything arrives and the task holds nothing.
func TestUncommittedRecordsFillTheWindowWhileKafkaIsSilent(t *testing.T) {
	t.Parallel()
	const (
		total  = 3000
		window = 1024 // the fixture's camel.source.maxNotCommittedRecords
	)
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	col := consume(t, c, "window-data")
	release := holdProduce(t, c, "window-data")
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mqtt-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"camel.source.maxNotCommittedRecords": `+strconv.Itoa(window)+",")) {
		t.Fatalf("the fixture's maxNotCommittedRecords is not %d", window)
	}
	data = bytes.ReplaceAll(data, []byte("tcp://localhost:1883"), []byte(broker.URL()))
	data = bytes.ReplaceAll(data, []byte(`"topics": "vehicle-data"`), []byte(`"topics": "window-data"`))
	if status, resp := c.Do(0, http.MethodPost, "/connectors", data); status != http.StatusCreated {
		t.Fatalf("POST gave %d %s", status, resp)
	}
	c.WaitRunning(0, "mqtt-source-connector", 1)
	workertest.WaitFor(t, 30*time.Second, "task subscribed", func() bool { return broker.Ready("mqtt-source-0") })
	for i := range total {
		broker.Publish(t, fmt.Sprintf("/mqtt/test/car%d", i%4), fmt.Appendf(nil, `{"seq": %d}`, i), 1)
	}

	workertest.WaitFor(t, 60*time.Second, "every message in the task, a window of records handed out", func() bool {
		return metricValue(c, 0, "connectd_mqtt_messages_in_flight") == total &&
			metricValue(c, 0, "connectd_mqtt_records_not_committed") == window
	})
	if n := col.len(); n != 0 {
		t.Fatalf("%d records in Kafka while it answers no produce request", n)
	}

	release()
	workertest.WaitFor(t, 60*time.Second, "every message in Kafka", func() bool { return len(seqs(t, col.records())) == total })
	workertest.WaitFor(t, 30*time.Second, "the task holds nothing", func() bool {
		return metricValue(c, 0, "connectd_mqtt_messages_in_flight") == 0 &&
			metricValue(c, 0, "connectd_mqtt_records_not_committed") == 0
	})
}
