package worker_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/test/workertest"
)

// TestBadInputChangesNothing sends every class of bad request: each gets a 4xx in Kafka Connect's error body
// format, and none writes to the config topic.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	good := map[string]any{"name": "good", "config": map[string]any{
		"connector.class": connectortest.SourceClass, "topic": "t", connectortest.KeyCount: "1"}}
	status, body := c.Do(0, http.MethodPost, "/connectors", good)
	expect(t, "create good", status, body, 201, "")
	c.WaitRunning(0, "good", 1)
	status, body = c.Do(0, http.MethodPut, "/connectors/good/stop", nil)
	expect(t, "stop good", status, body, 204, "")
	status, body = c.Do(0, http.MethodPut, "/connectors/good/resume", nil)
	expect(t, "resume good", status, body, 202, "")
	c.WaitRunning(0, "good", 1)
	// The task's RUNNING status may be the one from before the stop; the resumed connector's task configs
	// (a task record and a commit) are the last writes the resume causes, and must be in before counting.
	c.WaitStore(0, "good's task configs committed after the resume", func(s *storage.Store) bool {
		conn, ok := s.Connector("good")
		return ok && conn.TaskCount == 1
	})

	before := configEndOffset(t, c)
	huge := `{"name":"big","config":{"connector.class":"FileStreamSource","topic":"t","x":"` + strings.Repeat("x", 1<<20) + `"}}`
	cases := []struct {
		name, method, path string
		body               any
		status             int
		message            string // substring of the message
	}{
		{"malformed JSON", "POST", "/connectors", `{"name":"x","config":{`, 400, ""},
		{"not an object", "POST", "/connectors", `[1,2]`, 400, ""},
		{"config value is an object", "POST", "/connectors", `{"name":"x","config":{"connector.class":{"a":1}}}`, 400, ""},
		{"unknown field", "POST", "/connectors", `{"name":"x","config":{"connector.class":"FileStreamSource"},"bogus":1}`, 400, "bogus"},
		{"missing config", "POST", "/connectors", `{"name":"x"}`, 400, ""},
		{"missing connector.class", "POST", "/connectors", `{"name":"x","config":{"topic":"t"}}`, 400, "contains no connector type"},
		{"unknown class", "POST", "/connectors", `{"name":"x","config":{"connector.class":"com.example.Nope"}}`, 400, "com.example.Nope"},
		{"tasks.max not a number", "POST", "/connectors", `{"name":"x","config":{"connector.class":"FileStreamSource","topic":"t","tasks.max":"many"}}`, 400, "tasks.max"},
		{"tasks.max zero", "POST", "/connectors", `{"name":"x","config":{"connector.class":"FileStreamSource","topic":"t","tasks.max":"0"}}`, 400, "Connector configuration is invalid"},
		{"invalid initial_state", "POST", "/connectors", `{"name":"x","config":{"connector.class":"FileStreamSource","topic":"t"},"initial_state":"SLEEPING"}`, 400, ""},
		{"name mismatch", "POST", "/connectors", `{"name":"x","config":{"connector.class":"FileStreamSource","topic":"t","name":"y"}}`, 400, "Connector name configuration (y) doesn't match connector name in the URL (x)"},
		{"name mismatch on put", "PUT", "/connectors/x/config", `{"connector.class":"FileStreamSource","topic":"t","name":"y"}`, 400, "doesn't match"},
		{"body over 1 MiB", "POST", "/connectors", huge, 0, ""},
		{"invalid config on update", "PUT", "/connectors/good/config", `{"connector.class":"FileStreamSource","tasks.max":"-1","topic":"t"}`, 400, "tasks.max"},
		{"unknown connector", "GET", "/connectors/nope", nil, 404, "Connector nope not found"},
		{"unknown connector status", "GET", "/connectors/nope/status", nil, 404, "No status found for connector nope"},
		{"unknown connector restart", "POST", "/connectors/nope/restart", nil, 404, "Unknown connector: nope"},
		{"unknown connector delete", "DELETE", "/connectors/nope", nil, 404, "Connector nope not found"},
		{"unknown connector pause", "PUT", "/connectors/nope/pause", nil, 404, "Unknown connector nope"},
		{"unknown task status", "GET", "/connectors/good/tasks/7/status", nil, 404, "No status found for task good-7"},
		{"unknown task restart", "POST", "/connectors/good/tasks/7/restart", nil, 404, "Unknown task: good-7"},
		{"non-integer task id", "GET", "/connectors/good/tasks/abc/status", nil, 404, ""},
		{"offsets body malformed", "PATCH", "/connectors/good/offsets", `{"offsets":`, 400, ""},
		{"offsets empty", "PATCH", "/connectors/good/offsets", `{"offsets":[]}`, 400, "Partitions / offsets need to be provided"},
		{"offsets of running connector", "PATCH", "/connectors/good/offsets", `{"offsets":[{"partition":{"task":"0"},"offset":{"n":1}}]}`, 400, "STOPPED state"},
		{"logger level missing", "PUT", "/admin/loggers/root", `{}`, 400, "Desired 'level' parameter was not specified in request."},
		{"logger level invalid", "PUT", "/admin/loggers/root", `{"level":"LOUD"}`, 404, "invalid log level 'LOUD'."},
		{"unknown plugin", "GET", "/connector-plugins/com.example.Nope/config", nil, 404, "Unknown plugin com.example.Nope."},
		{"unknown path", "GET", "/nothing/here", nil, 404, "HTTP 404 Not Found"},
	}
	for _, tc := range cases {
		status, body := c.Do(0, tc.method, tc.path, tc.body)
		if tc.status != 0 && status != tc.status || status < 400 || status >= 500 {
			t.Errorf("%s: status %d, want %d; body %.300s", tc.name, status, tc.status, body)
			continue
		}
		var e struct {
			ErrorCode *int    `json:"error_code"`
			Message   *string `json:"message"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.ErrorCode == nil || e.Message == nil || *e.ErrorCode != status {
			t.Errorf("%s: body is not Kafka Connect's error format: %.300s", tc.name, body)
			continue
		}
		if !strings.Contains(*e.Message, tc.message) {
			t.Errorf("%s: message %q does not contain %q", tc.name, *e.Message, tc.message)
		}
	}
	if after := configEndOffset(t, c); after != before {
		t.Fatalf("config topic end offset moved from %d to %d: a rejected request wrote to it", before, after)
	}
	status, body = c.Do(0, http.MethodGet, "/connectors", nil)
	expect(t, "connectors unchanged", status, body, 200, `["good"]`)
}

func configEndOffset(t *testing.T, c *workertest.Cluster) int64 {
	t.Helper()
	client, err := sarama.NewClient(c.Kafka.ListenAddrs(), saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	off, err := client.GetOffset("connect-configs", 0, sarama.OffsetNewest)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

// TestStopAndResumeReadTogetherRestartTheTasks: a worker that reads a stop (the empty task set and STOPPED)
// and a resume (STARTED) together, so that its connector never saw the STOPPED state, still generates the
// connector's task configs again, as Kafka Connect's processTargetStateChanges does: the empty set stopped
// its tasks. The three records go to the config topic in one produce request, as a worker reads them in one
// fetch.
func TestStopAndResumeReadTogetherRestartTheTasks(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	good := map[string]any{"name": "both", "config": map[string]any{
		"connector.class": connectortest.SourceClass, "topic": "t", connectortest.KeyCount: "1"}}
	status, body := c.Do(0, http.MethodPost, "/connectors", good)
	expect(t, "create", status, body, 201, "")
	c.WaitStore(0, "task configs committed", func(s *storage.Store) bool {
		conn, ok := s.Connector("both")
		return ok && conn.TaskCount == 1
	})
	commit, err := records.EncodeCommit(0)
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := records.EncodeTargetState(records.TargetStopped)
	if err != nil {
		t.Fatal(err)
	}
	started, err := records.EncodeTargetState(records.TargetStarted)
	if err != nil {
		t.Fatal(err)
	}
	p := syncProducer(t, c)
	defer p.Close()
	msg := func(key string, value []byte) *sarama.ProducerMessage {
		return &sarama.ProducerMessage{Topic: "connect-configs", Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(value)}
	}
	batch := []*sarama.ProducerMessage{
		msg(records.CommitKey("both"), commit),
		msg(records.TargetStateKey("both"), stopped),
		msg(records.TargetStateKey("both"), started),
	}
	if err := p.SendMessages(batch); err != nil {
		t.Fatal(err)
	}
	last := batch[len(batch)-1].Offset
	// Once the batch is read the connector has no tasks: one again means they were generated again. Without
	// that the worker waits for nothing; a minute is many rounds of it.
	c.WaitStoreWithin(0, time.Minute, "task configs committed after the batch", func(s *storage.Store) bool {
		conn, ok := s.Connector("both")
		return s.ConfigOffset() > last && ok && conn.TaskCount == 1
	})
	c.WaitRunning(0, "both", 1)
}
