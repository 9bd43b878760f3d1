package worker_test

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/connectd/connectd/api/loglevel"
	"github.com/connectd/connectd/test/workertest"
)

// logLine waits for a log line containing every one of parts and returns it.
func logLine(t *testing.T, c *workertest.Cluster, out *lockedBuffer, what string, parts ...string) string {
	t.Helper()
	var found string
	workertest.WaitFor(t, c.Eventually(), what, func() bool {
		for _, l := range out.lines() {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(l, p)
			}
			if ok {
				found = l
				return true
			}
		}
		return false
	})
	return found
}

// sameLines reports whether file holds exactly lines, in any order: records on several partitions reach a
// sink in no particular order.
func sameLines(file string, lines ...string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	slices.Sort(got)
	return slices.Equal(got, lines)
}

// producer.override.* and consumer.override.* reach the task's clients, over the worker's producer.* and
// consumer.*; each client logs its effective settings at creation (Java's "ProducerConfig values"), and an
// override connectd cannot apply is named in a warning.
func TestClientOverridesReachTaskClients(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	c := workertest.NewCluster(t,
		workertest.WorkerProps(map[string]string{"producer.linger.ms": "5", "producer.compression.type": "gzip"}),
		workertest.LogHandler(loglevel.New().Handler(slog.NewTextHandler(&out, nil))))
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := sourceConfig("ovr-src", in, "ovr-topic")
	cfg := src["config"].(map[string]any)
	cfg["producer.override.linger.ms"] = "25"
	cfg["producer.override.client.id"] = "my-producer"
	cfg["producer.override.buffer.memory"] = "1048576"
	status, body := c.Do(0, http.MethodPost, "/connectors", src)
	expect(t, "create source", status, body, http.StatusCreated, "")
	line := logLine(t, c, &out, "the source task's producer settings", `msg="ProducerConfig values"`, "connector=ovr-src")
	for _, want := range []string{" linger.ms=25 ", " client.id=my-producer ", " compression.type=gzip ", " acks=-1 "} {
		if !strings.Contains(line, want) {
			t.Errorf("producer settings lack %q: %s", want, line)
		}
	}
	warn := logLine(t, c, &out, "a warning about buffer.memory", "client overrides have no effect", "connector=ovr-src")
	if !strings.Contains(warn, "producer.override.buffer.memory") || strings.Contains(warn, "linger") {
		t.Errorf("warning: %s", warn)
	}

	sink := map[string]any{"name": "ovr-sink", "config": map[string]any{
		"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "ovr-topic",
		"file": filepath.Join(dir, "out.txt"), "consumer.override.fetch.min.bytes": "7",
		"consumer.override.max.poll.records": "1",
	}}
	status, body = c.Do(0, http.MethodPost, "/connectors", sink)
	expect(t, "create sink", status, body, http.StatusCreated, "")
	line = logLine(t, c, &out, "the sink task's consumer settings", `msg="ConsumerConfig values"`, "connector=ovr-sink")
	if !strings.Contains(line, " fetch.min.bytes=7 ") || !strings.Contains(line, " client.id=connector-consumer-ovr-sink-0 ") {
		t.Errorf("consumer settings: %s", line)
	}
	workertest.WaitFor(t, c.Eventually(), "records through the sink", func() bool {
		return sameLines(filepath.Join(dir, "out.txt"), "a", "b")
	})
}

// Under the None policy an override is refused when the connector is created, naming the key.
func TestClientOverridesRefusedByPolicy(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.WorkerProps(map[string]string{
		"connector.client.config.override.policy": "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy"}))
	src := sourceConfig("none-src", filepath.Join(t.TempDir(), "in.txt"), "t")
	src["config"].(map[string]any)["producer.override.linger.ms"] = "25"
	status, body := c.Do(0, http.MethodPost, "/connectors", src)
	if status != http.StatusBadRequest || !strings.Contains(string(body), "The 'None' policy does not allow 'linger.ms' to be overridden") {
		t.Fatalf("create: %d %s", status, body)
	}
}

// admin.override.* reach the admin client a sink creates its dead letter queue topic with.
func TestAdminOverridesReachTopicCreation(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	c := workertest.NewCluster(t, workertest.LogHandler(loglevel.New().Handler(slog.NewTextHandler(&out, nil))))
	sink := map[string]any{"name": "adm-sink", "config": map[string]any{
		"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "adm-topic",
		"file": filepath.Join(t.TempDir(), "out.txt"), "errors.tolerance": "all",
		"errors.deadletterqueue.topic.name": "adm-dlq", "admin.override.client.id": "my-admin",
		"admin.override.request.timeout.ms": "12345",
	}}
	status, body := c.Do(0, http.MethodPost, "/connectors", sink)
	expect(t, "create sink", status, body, http.StatusCreated, "")
	line := logLine(t, c, &out, "the admin client's settings", `msg="AdminClientConfig values"`, "connector=adm-sink")
	if !strings.Contains(line, " client.id=my-admin ") || !strings.Contains(line, " request.timeout.ms=12345 ") {
		t.Errorf("admin settings: %s", line)
	}
	c.WaitRunning(0, "adm-sink", 1)
	logLine(t, c, &out, "the DLQ topic created", "Topic adm-dlq doesn't exist")
}
