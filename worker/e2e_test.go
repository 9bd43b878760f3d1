package worker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// decode unmarshals a JSON body or fails the test.
func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// expect asserts a status code and, when want is not "", the exact body.
func expect(t testing.TB, what string, status int, body []byte, wantStatus int, want string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: status %d, want %d; body %s", what, status, wantStatus, body)
	}
	if want != "" && strings.TrimSpace(string(body)) != want {
		t.Fatalf("%s: body\n  %s\nwant\n  %s", what, body, want)
	}
}

func sourceConfig(name, file, topic string) map[string]any {
	return map[string]any{
		"name": name,
		"config": map[string]any{
			"connector.class": "FileStreamSource",
			"tasks.max":       1,
			"file":            file,
			"topic":           topic,
		},
	}
}

func TestRESTEndpointsEndToEnd(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	worker := strings.TrimPrefix(c.Node(0).URL, "http://")

	status, body := c.Do(0, http.MethodGet, "/", nil)
	root := decode[map[string]string](t, body)
	if status != 200 || root["version"] != "3.9.0" || root["kafka_cluster_id"] == "" || len(root["commit"]) != 16 {
		t.Fatalf("GET /: %d %s", status, body)
	}
	status, body = c.Do(0, http.MethodGet, "/health", nil)
	expect(t, "health", status, body, 200, `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`)
	status, body = c.Do(0, http.MethodGet, "/connectors", nil)
	expect(t, "empty list", status, body, 200, `[]`)

	in := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(in, []byte("a\nb\nc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	req := sourceConfig("src", in, "lines")
	resp, err := http.Post(c.Node(0).URL+"/connectors", "application/json", strings.NewReader(mustJSON(t, req)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Location") != c.Node(0).URL+"/connectors/src" {
		t.Fatalf("create: %d Location=%q", resp.StatusCode, resp.Header.Get("Location"))
	}
	status, body = c.Do(0, http.MethodPost, "/connectors", req)
	expect(t, "duplicate create", status, body, 409, `{"error_code":409,"message":"Connector src already exists"}`)

	c.WaitRunning(0, "src", 1)
	status, body = c.Do(0, http.MethodGet, "/connectors/src", nil)
	expect(t, "info", status, body, 200, fmt.Sprintf(
		`{"name":"src","config":{"connector.class":"FileStreamSource","file":%q,"name":"src","tasks.max":"1","topic":"lines"},"tasks":[{"connector":"src","task":0}],"type":"source"}`, in))
	status, body = c.Do(0, http.MethodGet, "/connectors/src/config", nil)
	expect(t, "config", status, body, 200, fmt.Sprintf(
		`{"connector.class":"FileStreamSource","file":%q,"name":"src","tasks.max":"1","topic":"lines"}`, in))
	status, body = c.Do(0, http.MethodGet, "/connectors/src/status", nil)
	expect(t, "status", status, body, 200, fmt.Sprintf(
		`{"name":"src","connector":{"state":"RUNNING","worker_id":%q},"tasks":[{"id":0,"state":"RUNNING","worker_id":%q}],"type":"source"}`, worker, worker))
	status, body = c.Do(0, http.MethodGet, "/connectors/src/tasks/0/status", nil)
	expect(t, "task status", status, body, 200, fmt.Sprintf(`{"id":0,"state":"RUNNING","worker_id":%q}`, worker))
	status, body = c.Do(0, http.MethodGet, "/connectors/src/tasks", nil)
	tasks := decode[[]map[string]any](t, body)
	if status != 200 || len(tasks) != 1 || tasks[0]["config"].(map[string]any)["task.class"] != "org.apache.kafka.connect.file.FileStreamSourceTask" {
		t.Fatalf("tasks: %d %s", status, body)
	}
	status, body = c.Do(0, http.MethodGet, "/connectors/src/tasks-config", nil)
	if tc := decode[map[string]map[string]string](t, body); status != 200 || tc["src-0"]["topic"] != "lines" {
		t.Fatalf("tasks-config: %d %s", status, body)
	}
	status, body = c.Do(0, http.MethodGet, "/connectors?expand=status&expand=info", nil)
	expanded := decode[map[string]map[string]json.RawMessage](t, body)
	if status != 200 || expanded["src"]["status"] == nil || expanded["src"]["info"] == nil {
		t.Fatalf("expand: %d %s", status, body)
	}

	// Topic tracking records the topic once the source wrote to it.
	c.WaitStore(0, "topic tracked", func(*storage.Store) bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/src/topics", nil)
		return string(body) == `{"src":{"topics":["lines"]}}`
	})
	status, body = c.Do(0, http.MethodPut, "/connectors/src/topics/reset", nil)
	expect(t, "topics reset", status, body, 202, "")
	c.WaitStore(0, "topics reset", func(*storage.Store) bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/src/topics", nil)
		return string(body) == `{"src":{"topics":[]}}`
	})

	// Pause and resume.
	status, body = c.Do(0, http.MethodPut, "/connectors/src/pause", nil)
	expect(t, "pause", status, body, 202, "")
	c.WaitStore(0, "paused", func(*storage.Store) bool {
		st, ts := c.ConnectorState(0, "src")
		return st == "PAUSED" && len(ts) == 1 && ts[0] == "PAUSED"
	})
	status, body = c.Do(0, http.MethodPut, "/connectors/src/resume", nil)
	expect(t, "resume", status, body, 202, "")
	c.WaitRunning(0, "src", 1)

	// Restarts.
	status, body = c.Do(0, http.MethodPost, "/connectors/src/restart", nil)
	expect(t, "restart", status, body, 204, "")
	status, body = c.Do(0, http.MethodPost, "/connectors/src/restart?includeTasks=true&onlyFailed=false", nil)
	expect(t, "restart plan", status, body, 202, fmt.Sprintf(
		`{"name":"src","connector":{"state":"RESTARTING","worker_id":%q},"tasks":[{"id":0,"state":"RESTARTING","worker_id":%q}],"type":"source"}`, worker, worker))
	c.WaitRunning(0, "src", 1)
	status, body = c.Do(0, http.MethodPost, "/connectors/src/tasks/0/restart", nil)
	expect(t, "task restart", status, body, 204, "")
	c.WaitRunning(0, "src", 1)

	// Update and patch.
	upd := map[string]any{"connector.class": "FileStreamSource", "tasks.max": "1", "file": in, "topic": "lines2"}
	status, body = c.Do(0, http.MethodPut, "/connectors/src/config", upd)
	expect(t, "put config", status, body, 200, fmt.Sprintf(
		`{"name":"src","config":{"connector.class":"FileStreamSource","file":%q,"name":"src","tasks.max":"1","topic":"lines2"},"tasks":[{"connector":"src","task":0}],"type":"source"}`, in))
	status, body = c.Do(0, http.MethodPatch, "/connectors/src/config", map[string]any{"batch.size": "10"})
	if info := decode[map[string]any](t, body); status != 200 || info["config"].(map[string]any)["batch.size"] != "10" {
		t.Fatalf("patch: %d %s", status, body)
	}
	c.WaitStore(0, "task reconfigured", func(*storage.Store) bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/src/tasks-config", nil)
		return strings.Contains(string(body), `"batch.size":"10"`)
	})

	// Offsets: only on a stopped connector.
	status, body = c.Do(0, http.MethodPatch, "/connectors/src/offsets", map[string]any{
		"offsets": []any{map[string]any{"partition": map[string]any{"filename": in}, "offset": map[string]any{"position": 2}}}})
	expect(t, "alter offsets while running", status, body, 400, `{"error_code":400,"message":"Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/src/stop' endpoint"}`)
	status, body = c.Do(0, http.MethodPut, "/connectors/src/stop", nil)
	expect(t, "stop", status, body, 204, "")
	c.WaitStore(0, "stopped", func(*storage.Store) bool {
		st, ts := c.ConnectorState(0, "src")
		return st == "STOPPED" && len(ts) == 0
	})
	status, body = c.Do(0, http.MethodGet, "/connectors/src/offsets", nil)
	expect(t, "offsets", status, body, 200, fmt.Sprintf(`{"offsets":[{"partition":{"filename":%q},"offset":{"position":6}}]}`, in))
	// The connector's alterOffsets rejects the value with its own message, which the answer carries as it is.
	status, body = c.Do(0, http.MethodPatch, "/connectors/src/offsets", map[string]any{
		"offsets": []any{map[string]any{"partition": map[string]any{"filename": in}, "offset": map[string]any{"position": "abc"}}}})
	expect(t, "alter offsets with a text position", status, body, 400,
		`{"error_code":400,"message":"The value for the 'position' key in the offset is expected to be a Long value"}`)
	status, body = c.Do(0, http.MethodPatch, "/connectors/src/offsets", map[string]any{
		"offsets": []any{map[string]any{"partition": map[string]any{"filename": in}, "offset": map[string]any{"position": 2}}}})
	expect(t, "alter offsets", status, body, 200, "")
	status, body = c.Do(0, http.MethodGet, "/connectors/src/offsets", nil)
	expect(t, "altered offsets", status, body, 200, fmt.Sprintf(`{"offsets":[{"partition":{"filename":%q},"offset":{"position":2}}]}`, in))
	status, body = c.Do(0, http.MethodDelete, "/connectors/src/offsets", nil)
	expect(t, "reset offsets", status, body, 200, "")
	status, body = c.Do(0, http.MethodGet, "/connectors/src/offsets", nil)
	expect(t, "reset offsets read", status, body, 200, `{"offsets":[]}`)

	// Plugins.
	status, body = c.Do(0, http.MethodGet, "/connector-plugins", nil)
	if !strings.Contains(string(body), `{"class":"org.apache.kafka.connect.file.FileStreamSinkConnector","type":"sink","version":"3.9.0"}`) || status != 200 {
		t.Fatalf("plugins: %d %s", status, body)
	}
	status, body = c.Do(0, http.MethodGet, "/connector-plugins/FileStreamSource/config", nil)
	if status != 200 || !strings.Contains(string(body), `"name":"batch.size"`) {
		t.Fatalf("plugin config: %d %s", status, body)
	}
	status, body = c.Do(0, http.MethodPut, "/connector-plugins/FileStreamSource/config/validate",
		map[string]any{"connector.class": "FileStreamSource", "name": "v"})
	if v := decode[map[string]any](t, body); status != 200 || v["error_count"].(float64) < 1 {
		t.Fatalf("validate: %d %s", status, body)
	}

	// Loggers.
	status, body = c.Do(0, http.MethodGet, "/admin/loggers", nil)
	if status != 200 || !strings.Contains(string(body), `"root"`) {
		t.Fatalf("loggers: %d %s", status, body)
	}

	// Delete.
	status, body = c.Do(0, http.MethodDelete, "/connectors/src", nil)
	expect(t, "delete", status, body, 204, "")
	status, body = c.Do(0, http.MethodGet, "/connectors/src", nil)
	expect(t, "deleted", status, body, 404, `{"error_code":404,"message":"Connector src not found"}`)
	c.WaitStore(0, "status tombstoned", func(*storage.Store) bool {
		status, _ := c.Do(0, http.MethodGet, "/connectors/src/status", nil)
		return status == 404
	})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
