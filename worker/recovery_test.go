package worker_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// TestRestartRecoversState stops the only worker and starts a new one on the same topics: every connector,
// config, target state, task config, status and source offset must come back from Kafka alone.
func TestRestartRecoversState(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	mk := func(name string, initial string) {
		body := map[string]any{"name": name, "config": map[string]any{
			"connector.class": connectortest.SourceClass, "tasks.max": "2", "topic": "t-" + name, connectortest.KeyCount: "50",
		}}
		if initial != "" {
			body["initial_state"] = initial
		}
		status, resp := c.Do(0, http.MethodPost, "/connectors", body)
		expect(t, "create "+name, status, resp, 201, "")
	}
	mk("running", "")
	mk("paused", "PAUSED")
	mk("stopped", "STOPPED")
	c.WaitRunning(0, "running", 2)
	c.WaitStore(0, "offsets of both tasks at 49", func(*storage.Store) bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/running/offsets", nil)
		return strings.Contains(string(body), `{"partition":{"task":"0"},"offset":{"n":49}}`) &&
			strings.Contains(string(body), `{"partition":{"task":"1"},"offset":{"n":49}}`)
	})
	c.WaitStore(0, "paused and stopped states", func(*storage.Store) bool {
		p, _ := c.ConnectorState(0, "paused")
		s, _ := c.ConnectorState(0, "stopped")
		return p == "PAUSED" && s == "STOPPED"
	})
	snapshot := func(i int) map[string]string {
		out := map[string]string{}
		for _, p := range []string{"/connectors?expand=info", "/connectors/running/offsets", "/connectors/running/tasks",
			"/connectors/paused/config", "/connectors/stopped/tasks"} {
			status, body := c.Do(i, http.MethodGet, p, nil)
			out[p] = fmt.Sprint(status, " ", string(body))
		}
		return out
	}
	before := snapshot(0)
	startsBefore := connectortest.Starts.Get("running-0")

	c.StopWorker(0)
	i := c.StartWorker()
	c.WaitReady(i)

	after := snapshot(i)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s after restart:\n  %s\nbefore:\n  %s", k, after[k], v)
		}
	}
	c.WaitRunning(i, "running", 2)
	c.WaitStore(i, "paused and stopped states after restart", func(*storage.Store) bool {
		p, pt := c.ConnectorState(i, "paused")
		s, _ := c.ConnectorState(i, "stopped")
		// A connector created PAUSED has not generated tasks yet: Kafka Connect asks for task configs only
		// once a connector runs.
		return p == "PAUSED" && len(pt) == 0 && s == "STOPPED"
	})
	// Statuses survive a restart as they were, so wait for the new worker to really start the task.
	workertest.WaitFor(t, c.Eventually(), "task running-0 started by the new worker", func() bool {
		return connectortest.Starts.Get("running-0") > startsBefore
	})
	// Resumed from the committed offsets: no record is produced twice.
	counts := readTopicCounts(t, c, "t-running")
	for v, n := range counts {
		if n != 1 {
			t.Fatalf("record %s produced %d times after restart", v, n)
		}
	}
	if len(counts) != 100 {
		t.Fatalf("t-running has %d distinct records, want 100", len(counts))
	}
}

// readTopicCounts reads a whole topic and counts each value.
func readTopicCounts(t *testing.T, c *workertest.Cluster, topic string) map[string]int {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	client, err := sarama.NewClient(c.Kafka.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	parts, err := client.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, p := range parts {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		if end == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		for m := range pc.Messages() {
			counts[string(m.Value)]++
			if m.Offset >= end-1 {
				break
			}
		}
		pc.Close()
	}
	return counts
}

// TestFileStreamRoundTrip moves a 100,000-line file through FileStreamSource → Kafka → FileStreamSink and
// checks that nothing was lost or reordered.
func TestFileStreamRoundTrip(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.WorkerProps(map[string]string{
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}))
	admin, err := sarama.NewClusterAdmin(c.Kafka.ListenAddrs(), saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	// One partition, so Kafka keeps the file's order end to end.
	if err := admin.CreateTopic("lines", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 3}, false); err != nil {
		t.Fatal(err)
	}
	admin.Close()

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	const lines = 100_000
	var sb strings.Builder
	for i := range lines {
		fmt.Fprintf(&sb, "line %06d with some payload to make it realistic\n", i)
	}
	if err := os.WriteFile(in, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, body := range []map[string]any{
		{"name": "file-source", "config": map[string]any{"connector.class": "FileStreamSource", "file": in, "topic": "lines"}},
		{"name": "file-sink", "config": map[string]any{"connector.class": "FileStreamSink", "file": out, "topics": "lines"}},
	} {
		status, resp := c.Do(0, http.MethodPost, "/connectors", body)
		expect(t, "create", status, resp, 201, "")
	}
	workertest.WaitFor(t, c.Eventually(), "all lines in the sink file", func() bool {
		return countLines(out) >= lines
	})
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != sb.String() {
		t.Fatalf("sink file differs from source file (%d vs %d bytes)", len(got), sb.Len())
	}
}

// countLines counts the complete lines of a file: a sink still writing may have written part of a line.
func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte{'\n'})
}

func saramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	return cfg
}

// syncProducer returns a producer into the cluster's Kafka whose sends return once every replica has the
// records. The caller closes it: tests that count goroutines expect it gone when their helper returns.
func syncProducer(t *testing.T, c *workertest.Cluster) sarama.SyncProducer {
	t.Helper()
	cfg := saramaConfig()
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	p, err := sarama.NewSyncProducer(c.Kafka.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
