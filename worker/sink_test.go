package worker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// createTopic creates a topic with partitions partitions on the test cluster.
func createTopic(t *testing.T, c *workertest.Cluster, topic string, partitions int32) {
	t.Helper()
	admin, err := sarama.NewClusterAdmin(c.Kafka.ListenAddrs(), saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 3}, false); err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// produce writes values as JSON strings (the test workers' value converter is JsonConverter without schemas)
// and returns once Kafka has acknowledged them.
func produce(t *testing.T, c *workertest.Cluster, topic string, values ...string) {
	t.Helper()
	p := syncProducer(t, c)
	defer p.Close()
	for _, v := range values {
		b, _ := json.Marshal(v)
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(b)}); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

func values(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

func createSink(t *testing.T, c *workertest.Cluster, name, topics string, tasks int) {
	t.Helper()
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": name, "config": map[string]any{
		"connector.class": connectortest.SinkClass, "tasks.max": tasks, "topics": topics}})
	expect(t, "create "+name, status, body, 201, "")
}

func waitCollected(t *testing.T, name string, n int) {
	t.Helper()
	workertest.WaitFor(t, 60*time.Second, fmt.Sprintf("%d records in sink %s", n, name), func() bool {
		return len(connectortest.Collected.Values(name)) >= n
	})
}

// TestSinkPauseReportsPaused: pausing a sink connector reports every task PAUSED promptly, even while no
// record arrives and for a task without partitions, and nothing is delivered until it is resumed, not even by
// a task restarted meanwhile; then its tasks are RUNNING and delivery continues. The offset flush interval is Kafka's default, so that no periodic
// commit wakes the tasks up.
func TestSinkPauseReportsPaused(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register),
		workertest.WorkerProps(map[string]string{"offset.flush.interval.ms": "60000"}))
	createTopic(t, c, "pause-in", 2)
	produce(t, c, "pause-in", values("a", 0, 6)...)
	createSink(t, c, "paused-sink", "pause-in", 3)
	// The witness consumes the same topic and is never paused: once it has a record, the paused sink would
	// have had the chance to take it too.
	createSink(t, c, "witness-sink", "pause-in", 1)
	waitCollected(t, "paused-sink", 6)
	waitCollected(t, "witness-sink", 6)
	c.WaitRunning(0, "paused-sink", 3)

	status, body := c.Do(0, http.MethodPut, "/connectors/paused-sink/pause", nil)
	expect(t, "pause", status, body, 202, "")
	// Within less than the 60 s flush interval, whose commit would wake a task that missed the pause.
	c.WaitStoreWithin(0, 50*time.Second, "connector and every task PAUSED", func(*storage.Store) bool {
		st, ts := c.ConnectorState(0, "paused-sink")
		return st == "PAUSED" && slices.Equal(ts, []string{"PAUSED", "PAUSED", "PAUSED"})
	})
	// A task started while the connector is paused comes up PAUSED, and its joining the group hands every
	// task new partitions, which must stay paused too.
	starts := connectortest.Starts.Get("paused-sink-0")
	status, body = c.Do(0, http.MethodPost, "/connectors/paused-sink/tasks/0/restart", nil)
	expect(t, "restart task", status, body, 204, "")
	workertest.WaitFor(t, c.Eventually(), "task 0 restarted and every task PAUSED", func() bool {
		_, ts := c.ConnectorState(0, "paused-sink")
		return connectortest.Starts.Get("paused-sink-0") > starts && slices.Equal(ts, []string{"PAUSED", "PAUSED", "PAUSED"})
	})
	before := len(connectortest.Collected.Values("paused-sink"))

	produce(t, c, "pause-in", values("b", 0, 6)...)
	waitCollected(t, "witness-sink", 12)
	if got := len(connectortest.Collected.Values("paused-sink")); got != before {
		t.Fatalf("paused sink received %d records while paused", got-before)
	}

	status, body = c.Do(0, http.MethodPut, "/connectors/paused-sink/resume", nil)
	expect(t, "resume", status, body, 202, "")
	c.WaitRunning(0, "paused-sink", 3)
	waitCollected(t, "paused-sink", 12)
}
