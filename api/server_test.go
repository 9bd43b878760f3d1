package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/api/loglevel"
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage"
)

const (
	testSourceClass = "io.test.FileSourceConnector"
	testSinkClass   = "io.test.FileSinkConnector"
	testCommit      = "0123456789abcdef"
)

func testRegistry(t *testing.T) *connector.Registry {
	t.Helper()
	reg := connector.NewRegistry()
	if err := reg.Register(connector.Plugin{
		Class: testSourceClass, Type: connector.Source, Version: "1.0",
		Spec:          connector.NewSpec(connector.String("file").Documentation("Source file.").Imp(connector.High)),
		NewConnector:  func() connector.Connector { return nil },
		NewSourceTask: func() connector.SourceTask { return nil },
	}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(connector.Plugin{
		Class: testSinkClass, Type: connector.Sink,
		Spec:         connector.NewSpec(),
		NewConnector: func() connector.Connector { return nil },
		NewSinkTask:  func() connector.SinkTask { return nil },
	}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// seededHerder has a source connector "src" with two tasks and a status (task 1 FAILED), and a sink
// connector "sink" without tasks or status.
func seededHerder(t *testing.T) *fakeHerder {
	t.Helper()
	h := newFakeHerder()
	h.reg = testRegistry(t)
	h.conns["src"] = &fakeConn{
		config: map[string]string{"connector.class": testSourceClass, "name": "src", "tasks.max": "2"},
		typ:    connector.Source,
		tasks: []storage.TaskConfig{
			{ID: connector.TaskID{Connector: "src", Task: 0}, Config: map[string]string{"task.class": "T", "k": "v0"}},
			{ID: connector.TaskID{Connector: "src", Task: 1}, Config: map[string]string{"task.class": "T", "k": "v1"}},
		},
		status: &herder.ConnectorStateInfo{
			Name:      "src",
			Connector: herder.ConnectorState{State: "RUNNING", WorkerID: "w1:8083"},
			Tasks: []herder.TaskState{
				{ID: 0, State: "RUNNING", WorkerID: "w1:8083"},
				{ID: 1, State: "FAILED", WorkerID: "w2:8083", Trace: "boom\n\tat x"},
			},
			Type: connector.Source,
		},
		topics:  []string{"t1", "t2"},
		offsets: []herder.ConnectorOffset{{Partition: map[string]any{"file": "a.txt"}, Offset: map[string]any{"position": int64(42)}}},
	}
	h.conns["sink"] = &fakeConn{
		config: map[string]string{"connector.class": testSinkClass, "name": "sink", "topics": "t"},
		typ:    connector.Sink,
	}
	return h
}

// testLogger writes the server's log lines to the test output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newTestServer(t *testing.T, h Herder, opts ...func(*Config)) *Server {
	t.Helper()
	levels := loglevel.New()
	levels.SetClock(func() time.Time { return time.UnixMilli(1700000000000) })
	levels.Register("connectd.worker", "connectd.worker.herder", "connectd.api")
	cfg := Config{Herder: h, Logger: testLogger(t), Levels: levels, Commit: testCommit}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends one request to handler; headers are name, value pairs. Bodies get Content-Type: application/json
// unless headers set one.
func do(t *testing.T, handler http.Handler, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}

func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if rec.Code != status || rec.Body.String() != body {
		t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body.String(), status, body)
	}
	if body != "" {
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	}
}

const (
	srcInfo   = `{"name":"src","config":{"connector.class":"io.test.FileSourceConnector","name":"src","tasks.max":"2"},"tasks":[{"connector":"src","task":0},{"connector":"src","task":1}],"type":"source"}`
	sinkInfo  = `{"name":"sink","config":{"connector.class":"io.test.FileSinkConnector","name":"sink","topics":"t"},"tasks":[],"type":"sink"}`
	srcStatus = `{"name":"src","connector":{"state":"RUNNING","worker_id":"w1:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w1:8083"},{"id":1,"state":"FAILED","worker_id":"w2:8083","trace":"boom\n\tat x"}],"type":"source"}`
	notFound  = `{"error_code":404,"message":"HTTP 404 Not Found"}`
)

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		want         string
		location     string
		// check inspects the herder after the request.
		check func(t *testing.T, h *fakeHerder)
	}{
		{name: "server info", method: "GET", path: "/", status: 200,
			want: `{"version":"3.9.0","commit":"0123456789abcdef","kafka_cluster_id":"kfake-cluster"}`},
		{name: "health when ready", method: "GET", path: "/health", status: 200,
			want: `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`},
		{name: "list connectors", method: "GET", path: "/connectors", status: 200, want: `["sink","src"]`},
		{name: "list connectors with trailing slash", method: "GET", path: "/connectors/", status: 200, want: `["sink","src"]`},
		{name: "expand status leaves out connectors whose status is not found", method: "GET", path: "/connectors?expand=status", status: 200,
			want: `{"src":{"status":` + srcStatus + `}}`},
		{name: "expand info", method: "GET", path: "/connectors?expand=info", status: 200,
			want: `{"sink":{"info":` + sinkInfo + `},"src":{"info":` + srcInfo + `}}`},
		{name: "expand info and status puts status first", method: "GET", path: "/connectors?expand=info&expand=status", status: 200,
			want: `{"src":{"status":` + srcStatus + `,"info":` + srcInfo + `}}`},
		{name: "unknown expansion is ignored", method: "GET", path: "/connectors?expand=bogus", status: 200,
			want: `{"sink":{},"src":{}}`},
		{name: "get connector", method: "GET", path: "/connectors/src", status: 200, want: srcInfo},
		{name: "get unknown connector", method: "GET", path: "/connectors/nope", status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "get config", method: "GET", path: "/connectors/src/config", status: 200,
			want: `{"connector.class":"io.test.FileSourceConnector","name":"src","tasks.max":"2"}`},
		{name: "get status", method: "GET", path: "/connectors/src/status", status: 200, want: srcStatus},
		{name: "status of connector without status", method: "GET", path: "/connectors/sink/status", status: 404,
			want: `{"error_code":404,"message":"No status found for connector sink"}`},
		{name: "get tasks", method: "GET", path: "/connectors/src/tasks", status: 200,
			want: `[{"id":{"connector":"src","task":0},"config":{"k":"v0","task.class":"T"}},{"id":{"connector":"src","task":1},"config":{"k":"v1","task.class":"T"}}]`},
		{name: "get tasks of connector without tasks", method: "GET", path: "/connectors/sink/tasks", status: 200, want: `[]`},
		{name: "get tasks of unknown connector", method: "GET", path: "/connectors/nope/tasks", status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "get tasks-config", method: "GET", path: "/connectors/src/tasks-config", status: 200,
			want: `{"src-0":{"k":"v0","task.class":"T"},"src-1":{"k":"v1","task.class":"T"}}`},
		{name: "task status", method: "GET", path: "/connectors/src/tasks/1/status", status: 200,
			want: `{"id":1,"state":"FAILED","worker_id":"w2:8083","trace":"boom\n\tat x"}`},
		{name: "task status without trace", method: "GET", path: "/connectors/src/tasks/0/status", status: 200,
			want: `{"id":0,"state":"RUNNING","worker_id":"w1:8083"}`},
		{name: "unknown task status", method: "GET", path: "/connectors/src/tasks/9/status", status: 404,
			want: `{"error_code":404,"message":"No status found for task src-9"}`},
		{name: "non-integer task id", method: "GET", path: "/connectors/src/tasks/x/status", status: 404, want: notFound},
		{name: "task id beyond int32", method: "GET", path: "/connectors/src/tasks/4294967296/status", status: 404, want: notFound},
		{name: "topics", method: "GET", path: "/connectors/src/topics", status: 200, want: `{"src":{"topics":["t1","t2"]}}`},
		{name: "topics of unknown connector are empty", method: "GET", path: "/connectors/nope/topics", status: 200,
			want: `{"nope":{"topics":[]}}`},
		{name: "reset topics", method: "PUT", path: "/connectors/src/topics/reset", status: 202, want: ``,
			check: func(t *testing.T, h *fakeHerder) {
				if h.conns["src"].topics != nil {
					t.Error("topics not reset")
				}
			}},
		{name: "offsets", method: "GET", path: "/connectors/src/offsets", status: 200,
			want: `{"offsets":[{"partition":{"file":"a.txt"},"offset":{"position":42}}]}`},
		{name: "offsets of connector without offsets", method: "GET", path: "/connectors/sink/offsets", status: 200, want: `{"offsets":[]}`},
		{name: "offsets of unknown connector", method: "GET", path: "/connectors/nope/offsets", status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "alter offsets", method: "PATCH", path: "/connectors/src/offsets",
			body:   `{"offsets":[{"partition":{"file":"a.txt"},"offset":{"position":7,"ratio":1.5,"big":12345678901234567890}},{"partition":{"file":"b.txt"},"offset":null}]}`,
			status: 200, want: `{"message":"The offsets for this connector have been altered successfully"}`,
			check: func(t *testing.T, h *fakeHerder) {
				if len(h.lastOffsets) != 2 || h.lastOffsets[0].Offset["position"] != int64(7) ||
					h.lastOffsets[0].Offset["ratio"] != 1.5 || h.lastOffsets[0].Offset["big"] != 12345678901234567890.0 ||
					h.lastOffsets[1].Offset != nil || h.lastOffsets[1].Partition["file"] != "b.txt" {
					t.Errorf("offsets = %#v", h.lastOffsets)
				}
			}},
		{name: "alter offsets with empty list", method: "PATCH", path: "/connectors/src/offsets", body: `{"offsets":[]}`, status: 400,
			want: `{"error_code":400,"message":"Partitions / offsets need to be provided for an alter offsets request"}`},
		{name: "alter offsets without list", method: "PATCH", path: "/connectors/src/offsets", body: `{}`, status: 400,
			want: `{"error_code":400,"message":"Partitions / offsets need to be provided for an alter offsets request"}`},
		{name: "alter offsets with unknown field", method: "PATCH", path: "/connectors/src/offsets", body: `{"offset":[]}`, status: 400,
			want: `{"error_code":400,"message":"Unrecognized field \"offset\" (class org.apache.kafka.connect.runtime.rest.herder.ConnectorOffsets), not marked as ignorable (one known property: \"offsets\"])"}`},
		{name: "alter offsets with wrong shape", method: "PATCH", path: "/connectors/src/offsets", body: `{"offsets":{"partition":{}}}`, status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`java.util.ArrayList<org.apache.kafka.connect.runtime.rest.herder.ConnectorOffset>`" + ` from Object value (token ` + "`JsonToken.START_OBJECT`" + `) at [line: 1, column: 12] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.ConnectorOffsets[\"offsets\"])"}`},
		{name: "alter offsets with string partition", method: "PATCH", path: "/connectors/src/offsets", body: `{"offsets":[{"partition":"p"}]}`, status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`java.util.LinkedHashMap<java.lang.String,java.lang.Object>`" + ` from String value (token ` + "`JsonToken.VALUE_STRING`" + `) at [line: 1, column: 26] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.ConnectorOffsets[\"offsets\"]->java.util.ArrayList[0]->org.apache.kafka.connect.runtime.rest.herder.ConnectorOffset[\"partition\"])"}`},
		{name: "alter offsets with unknown entry field", method: "PATCH", path: "/connectors/src/offsets", body: `{"offsets":[{"partitions":{}}]}`, status: 400,
			want: `{"error_code":400,"message":"Unrecognized field \"partitions\" (class org.apache.kafka.connect.runtime.rest.herder.ConnectorOffset), not marked as ignorable (2 known properties: \"offset\", \"partition\"])"}`},
		{name: "alter offsets of unknown connector", method: "PATCH", path: "/connectors/nope/offsets", body: `{"offsets":[{"partition":{"a":1},"offset":null}]}`, status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "reset offsets", method: "DELETE", path: "/connectors/src/offsets", status: 200,
			want: `{"message":"The offsets for this connector have been reset successfully"}`},
		{name: "restart connector only", method: "POST", path: "/connectors/src/restart", status: 204, want: ``},
		{name: "restart with tasks returns plan", method: "POST", path: "/connectors/src/restart?includeTasks=true&onlyFailed=TRUE", status: 202,
			want: `{"name":"src","connector":{"state":"RUNNING","worker_id":"w1:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w1:8083"},{"id":1,"state":"RESTARTING","worker_id":"w2:8083","trace":"boom\n\tat x"}],"type":"source"}`},
		{name: "restart with non-true flags is a plain restart", method: "POST", path: "/connectors/src/restart?includeTasks=yes&onlyFailed=1", status: 204, want: ``},
		{name: "restart unknown connector", method: "POST", path: "/connectors/nope/restart", status: 404,
			want: `{"error_code":404,"message":"Unknown connector: nope"}`},
		{name: "restart plan without status", method: "POST", path: "/connectors/sink/restart?includeTasks=true", status: 404,
			want: `{"error_code":404,"message":"Status for connector sink not found"}`},
		{name: "restart task", method: "POST", path: "/connectors/src/tasks/1/restart", status: 204, want: ``},
		{name: "restart unknown task", method: "POST", path: "/connectors/src/tasks/5/restart", status: 404,
			want: `{"error_code":404,"message":"Unknown task: src-5"}`},
		{name: "restart non-integer task", method: "POST", path: "/connectors/src/tasks/abc/restart", status: 404, want: notFound},
		{name: "pause", method: "PUT", path: "/connectors/src/pause", status: 202, want: ``,
			check: func(t *testing.T, h *fakeHerder) {
				if h.conns["src"].target != "PAUSED" {
					t.Errorf("target = %q", h.conns["src"].target)
				}
			}},
		{name: "pause unknown", method: "PUT", path: "/connectors/nope/pause", status: 404,
			want: `{"error_code":404,"message":"Unknown connector nope"}`},
		{name: "resume", method: "PUT", path: "/connectors/src/resume", status: 202, want: ``},
		{name: "stop", method: "PUT", path: "/connectors/src/stop", status: 204, want: ``,
			check: func(t *testing.T, h *fakeHerder) {
				if h.conns["src"].target != "STOPPED" {
					t.Errorf("target = %q", h.conns["src"].target)
				}
			}},
		{name: "delete", method: "DELETE", path: "/connectors/sink", status: 204, want: ``,
			check: func(t *testing.T, h *fakeHerder) {
				if _, ok := h.conns["sink"]; ok {
					t.Error("sink not deleted")
				}
			}},
		{name: "delete unknown", method: "DELETE", path: "/connectors/nope", status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "create", method: "POST", path: "/connectors",
			body:   `{"name":" new ","config":{"connector.class":"FileSink","tasks.max":1,"topics":"t","file":null},"initial_state":"paused"}`,
			status: 201, location: "http://example.com/connectors/new",
			want: `{"name":"new","config":{"connector.class":"FileSink","name":"new","tasks.max":"1","topics":"t"},"tasks":[],"type":"sink"}`,
			check: func(t *testing.T, h *fakeHerder) {
				if h.lastInitial != "PAUSED" {
					t.Errorf("initial state = %q", h.lastInitial)
				}
			}},
		{name: "create with existing name", method: "POST", path: "/connectors",
			body: `{"name":"src","config":{"connector.class":"FileSource"}}`, status: 409,
			want: `{"error_code":409,"message":"Connector src already exists"}`},
		{name: "create without connector.class", method: "POST", path: "/connectors",
			body: `{"name":"x","config":{"tasks.max":"1"}}`, status: 400,
			want: `{"error_code":400,"message":"Connector config {name=x, tasks.max=1} contains no connector type"}`},
		{name: "create with unknown class", method: "POST", path: "/connectors",
			body: `{"name":"x","config":{"connector.class":"Nope"}}`, status: 400,
			want: `{"error_code":400,"message":"Failed to find any class that implements Connector and which name matches Nope, available connectors are: PluginDesc{klass=class io.test.FileSinkConnector, name='io.test.FileSinkConnector', version='undefined', encodedVersion=undefined, type=sink, typeName='sink', location='classpath'}, PluginDesc{klass=class io.test.FileSourceConnector, name='io.test.FileSourceConnector', version='1.0', encodedVersion=1.0, type=source, typeName='source', location='classpath'}"}`},
		{name: "create with invalid tasks.max", method: "POST", path: "/connectors",
			body: `{"name":"x","config":{"connector.class":"FileSource","tasks.max":"many"}}`, status: 400,
			want: "{\"error_code\":400,\"message\":\"Connector configuration is invalid and contains the following 1 error(s):\\nInvalid value many for configuration tasks.max: Not a number of type INT\\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`\"}"},
		{name: "create with name mismatch", method: "POST", path: "/connectors",
			body: `{"name":"x","config":{"connector.class":"FileSource","name":"y"}}`, status: 400,
			want: `{"error_code":400,"message":"Connector name configuration (y) doesn't match connector name in the URL (x)"}`},
		{name: "create with malformed JSON", method: "POST", path: "/connectors",
			body: `{"name":"x","config":{`, status: 400,
			want: `{"error_code":400,"message":"Unexpected end-of-input at [line: 1, column: 23]"}`},
		{name: "create with object config value", method: "POST", path: "/connectors",
			body: "{\"name\":\"x\",\n \"config\":{\"tasks.max\":{\"n\":1}}}", status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`java.lang.String`" + ` from Object value (token ` + "`JsonToken.START_OBJECT`" + `) at [line: 2, column: 24] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest[\"config\"]->java.util.LinkedHashMap[\"tasks.max\"])"}`},
		{name: "create with bad initial state", method: "POST", path: "/connectors",
			body: `{"name":"x","config":{"connector.class":"FileSource"},"initial_state":"RUN"}`, status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest$InitialState`" + ` from String \"RUN\": not one of the values accepted for Enum class: [RUNNING, PAUSED, STOPPED] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest[\"initial_state\"])"}`},
		{name: "create without config", method: "POST", path: "/connectors", body: `{"name":"x"}`, status: 400,
			want: `{"error_code":400,"message":"Missing required creator property 'config': the request body must contain a \"config\" object"}`},
		{name: "create with unknown field", method: "POST", path: "/connectors", body: `{"name":"x","config":{},"state":"PAUSED"}`, status: 400,
			want: `{"error_code":400,"message":"Unrecognized field \"state\" (class org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest), not marked as ignorable (3 known properties: \"name\", \"config\", \"initial_state\"])"}`},
		{name: "create with empty body", method: "POST", path: "/connectors", body: ` `, status: 400,
			want: `{"error_code":400,"message":"No content to map due to end-of-input"}`},
		{name: "create with xml", method: "POST", path: "/connectors", body: `<x/>`, headers: []string{"Content-Type", "text/xml"}, status: 415,
			want: `{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}`},
		{name: "create with curl's default form type", method: "POST", path: "/connectors",
			body:    `{"name":"f","config":{"connector.class":"FileSink"}}`,
			headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 201, location: "http://example.com/connectors/f",
			want: `{"name":"f","config":{"connector.class":"FileSink","name":"f"},"tasks":[],"type":"sink"}`},
		{name: "create with html characters", method: "POST", path: "/connectors",
			body:   `{"name":"a<b>&c","config":{"connector.class":"FileSink","x":"\u2028\u001f"}}`,
			status: 201, location: "http://example.com/connectors/a%3Cb%3E&c",
			want: "{\"name\":\"a<b>&c\",\"config\":{\"connector.class\":\"FileSink\",\"name\":\"a<b>&c\",\"x\":\"\u2028\\u001F\"},\"tasks\":[],\"type\":\"sink\"}"},
		{name: "put config creates", method: "PUT", path: "/connectors/new/config", body: `{"connector.class":"FileSink","topics":"t"}`,
			status: 201, location: "http://example.com/connectors/new",
			want: `{"name":"new","config":{"connector.class":"FileSink","name":"new","topics":"t"},"tasks":[],"type":"sink"}`},
		{name: "put config updates", method: "PUT", path: "/connectors/src/config", body: `{"connector.class":"FileSource","tasks.max":2,"name":null}`,
			status: 200,
			want:   `{"name":"src","config":{"connector.class":"FileSource","name":"src","tasks.max":"2"},"tasks":[{"connector":"src","task":0},{"connector":"src","task":1}],"type":"source"}`},
		{name: "put config with name mismatch", method: "PUT", path: "/connectors/src/config", body: `{"connector.class":"FileSource","name":"other"}`,
			status: 400, want: `{"error_code":400,"message":"Connector name configuration (other) doesn't match connector name in the URL (src)"}`},
		{name: "put config with array value", method: "PUT", path: "/connectors/src/config", body: `{"topics":["a"]}`, status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`java.lang.String`" + ` from Array value (token ` + "`JsonToken.START_ARRAY`" + `) at [line: 1, column: 11] (through reference chain: java.util.LinkedHashMap[\"topics\"])"}`},
		{name: "put config with array body", method: "PUT", path: "/connectors/src/config", body: `[]`, status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`java.util.LinkedHashMap<java.lang.String,java.lang.String>`" + ` from Array value (token ` + "`JsonToken.START_ARRAY`" + `) at [line: 1, column: 1]"}`},
		{name: "put config with trailing content", method: "PUT", path: "/connectors/src/config", body: `{} {}`, status: 400,
			want: `{"error_code":400,"message":"Unexpected content after the end of the JSON document at [line: 1, column: 4]"}`},
		{name: "patch config", method: "PATCH", path: "/connectors/src/config", body: `{"tasks.max":null,"x":true}`, status: 200,
			want: `{"name":"src","config":{"connector.class":"io.test.FileSourceConnector","name":"src","x":"true"},"tasks":[{"connector":"src","task":0},{"connector":"src","task":1}],"type":"source"}`},
		{name: "patch unknown connector", method: "PATCH", path: "/connectors/nope/config", body: `{"a":"b"}`, status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "list connector plugins", method: "GET", path: "/connector-plugins", status: 200,
			want: `[{"class":"io.test.FileSinkConnector","type":"sink"},{"class":"io.test.FileSourceConnector","type":"source","version":"1.0"}]`},
		{name: "list all plugins", method: "GET", path: "/connector-plugins?connectorsOnly=false", status: 200,
			want: `[{"class":"io.test.FileSinkConnector","type":"sink"},{"class":"io.test.FileSourceConnector","type":"source","version":"1.0"}]`},
		{name: "unknown plugin config", method: "GET", path: "/connector-plugins/Nope/config", status: 404,
			want: `{"error_code":404,"message":"Unknown plugin Nope."}`},
		{name: "validate with mismatched class", method: "PUT", path: "/connector-plugins/FileSource/config/validate",
			body: `{"connector.class":"io.test.FileSinkConnector"}`, status: 400,
			want: `{"error_code":400,"message":"Included connector type io.test.FileSinkConnector does not match request type FileSource"}`},
		{name: "validate", method: "PUT", path: "/connector-plugins/FileSourceConnector/config/validate",
			body: `{"connector.class":"io.test.FileSourceConnector","name":"v"}`, status: 200,
			want: `{"name":"io.test.FileSourceConnector","error_count":0,"groups":["Common"],"configs":[{"definition":{"name":"name","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Globally unique name to use for this connector.","group":null,"width":"MEDIUM","display_name":"Connector name","dependents":[],"order":1},"value":{"name":"name","value":"v","recommended_values":[],"errors":[],"visible":true}}]}`},
		{name: "validate without class", method: "PUT", path: "/connector-plugins/FileSource/config/validate", body: `{"name":"v"}`, status: 400,
			want: `{"error_code":400,"message":"Connector config {name=v} contains no connector type"}`},
		{name: "list loggers", method: "GET", path: "/admin/loggers", status: 200, want: `{"root":{"level":"INFO","last_modified":null}}`},
		{name: "get logger", method: "GET", path: "/admin/loggers/connectd.worker", status: 200, want: `{"level":"INFO","last_modified":null}`},
		{name: "get root logger", method: "GET", path: "/admin/loggers/ROOT", status: 200, want: `{"level":"INFO","last_modified":null}`},
		{name: "get unknown logger", method: "GET", path: "/admin/loggers/nope", status: 404, want: `{"error_code":404,"message":"Logger nope not found."}`},
		{name: "set logger", method: "PUT", path: "/admin/loggers/connectd.worker", body: `{"level":"debug"}`, status: 200,
			want: `["connectd.worker","connectd.worker.herder"]`},
		{name: "set logger for the cluster", method: "PUT", path: "/admin/loggers/connectd.api?scope=Cluster", body: `{"level":"WARN"}`, status: 204, want: ``},
		{name: "set logger with unknown scope", method: "PUT", path: "/admin/loggers/connectd.api?scope=galaxy", body: `{"level":"WARN"}`, status: 200,
			want: `["connectd.api"]`},
		{name: "set logger without level", method: "PUT", path: "/admin/loggers/connectd.api", body: `{"lvl":"WARN"}`, status: 400,
			want: `{"error_code":400,"message":"Desired 'level' parameter was not specified in request."}`},
		{name: "set logger with null level", method: "PUT", path: "/admin/loggers/connectd.api", body: `{"level":null}`, status: 400,
			want: `{"error_code":400,"message":"Desired 'level' parameter was not specified in request."}`},
		{name: "set logger with invalid level", method: "PUT", path: "/admin/loggers/connectd.api", body: `{"level":"LOUD"}`, status: 404,
			want: `{"error_code":404,"message":"invalid log level 'LOUD'."}`},
		{name: "internal task configs", method: "POST", path: "/connectors/src/tasks", body: `[{"a":"1","b":2,"c":null},{}]`, status: 204, want: ``,
			check: func(t *testing.T, h *fakeHerder) {
				if len(h.lastTaskConfigs) != 2 || h.lastTaskConfigs[0]["b"] != "2" || len(h.lastTaskConfigs[0]) != 2 || len(h.lastTaskConfigs[1]) != 0 {
					t.Errorf("task configs = %v", h.lastTaskConfigs)
				}
			}},
		{name: "internal task configs with object body", method: "POST", path: "/connectors/src/tasks", body: `{}`, status: 400,
			want: `{"error_code":400,"message":"Cannot deserialize value of type ` + "`java.util.ArrayList<java.util.Map<java.lang.String,java.lang.String>>`" + ` from Object value (token ` + "`JsonToken.START_OBJECT`" + `) at [line: 1, column: 1]"}`},
		{name: "fence source", method: "PUT", path: "/connectors/src/fence", status: 204, want: ``},
		{name: "fence sink", method: "PUT", path: "/connectors/sink/fence", status: 400,
			want: `{"error_code":400,"message":"Connector sink is not a source connector"}`},
		{name: "fence unknown", method: "PUT", path: "/connectors/nope/fence", status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`},
		{name: "unknown path", method: "GET", path: "/connectors/src/nothing", status: 404, want: notFound},
		{name: "unknown top-level path", method: "GET", path: "/nothing", status: 404, want: notFound},
		{name: "wrong method", method: "POST", path: "/connectors/src", status: 405,
			want: `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`},
		{name: "wrong method on root", method: "DELETE", path: "/", status: 405,
			want: `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`},
		{name: "escaped connector name", method: "GET", path: "/connectors/a%2Fb", status: 404,
			want: `{"error_code":404,"message":"Connector a/b not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := seededHerder(t)
			s := newTestServer(t, h)
			rec := do(t, s.Handler(), tt.method, tt.path, tt.body, tt.headers...)
			checkResponse(t, rec, tt.status, tt.want)
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if got := rec.Header().Get("Allow"); got != "" {
				t.Errorf("Allow = %q, want none (Kafka Connect's error mapper drops it)", got)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
		})
	}
}

func TestPluginConfig(t *testing.T) {
	h := seededHerder(t)
	s := newTestServer(t, h)
	rec := do(t, s.Handler(), "GET", "/connector-plugins/FileSource/config", "")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	// The plugin's own keys come first, then the framework's.
	want := `[{"name":"file","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Source file.",`
	if !strings.HasPrefix(rec.Body.String(), want) {
		t.Errorf("body starts %.200s, want %s", rec.Body.String(), want)
	}
	if !strings.Contains(rec.Body.String(), `{"name":"connector.class","type":"STRING"`) {
		t.Errorf("framework keys missing: %.300s", rec.Body.String())
	}
}

// Transformations and predicates are listed after the connectors and before the converters, and their
// config is their own keys, by class (nested classes with '$' included) or alias.
func TestTransformPluginEndpoints(t *testing.T) {
	h := seededHerder(t)
	for _, p := range []connector.TransformPlugin{
		{Class: "io.test.Route$Value", Type: connector.PluginTransformation, Version: "2.0",
			Spec:              connector.NewSpec(connector.String("regex").Imp(connector.High).Documentation("Pattern.")),
			NewTransformation: func(map[string]string) (connector.Transformation, error) { return nil, nil }},
		{Class: "io.test.IsTombstone", Type: connector.PluginPredicate,
			NewPredicate: func(map[string]string) (connector.Predicate, error) { return nil, nil }},
	} {
		if err := h.reg.RegisterTransform(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.reg.RegisterConverter(connector.ConverterPlugin{Class: "io.test.Conv", Type: connector.PluginConverter,
		NewConverter: func() connector.Converter { return nil }}); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, h)
	checkResponse(t, do(t, s.Handler(), "GET", "/connector-plugins?connectorsOnly=false", ""), 200,
		`[{"class":"io.test.FileSinkConnector","type":"sink"},{"class":"io.test.FileSourceConnector","type":"source","version":"1.0"},`+
			`{"class":"io.test.Route$Value","type":"transformation","version":"2.0"},{"class":"io.test.IsTombstone","type":"predicate"},`+
			`{"class":"io.test.Conv","type":"converter"}]`)
	want := `[{"name":"regex","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Pattern.",` +
		`"group":null,"width":"NONE","display_name":"regex","dependents":[],"order":-1}]`
	checkResponse(t, do(t, s.Handler(), "GET", "/connector-plugins/io.test.Route$Value/config", ""), 200, want)
	checkResponse(t, do(t, s.Handler(), "GET", "/connector-plugins/IsTombstone/config", ""), 200, `[]`)
	// A nested class's alias is its simple name, here unambiguous; the enclosing class name is none.
	checkResponse(t, do(t, s.Handler(), "GET", "/connector-plugins/Value/config", ""), 200, want)
	checkResponse(t, do(t, s.Handler(), "GET", "/connector-plugins/Route/config", ""), 404,
		`{"error_code":404,"message":"Unknown plugin Route."}`)
}

func TestLoggerLevelChangesAreVisible(t *testing.T) {
	h := seededHerder(t)
	s := newTestServer(t, h)
	checkResponse(t, do(t, s.Handler(), "PUT", "/admin/loggers/connectd.worker", `{"level":"TRACE"}`), 200,
		`["connectd.worker","connectd.worker.herder"]`)
	checkResponse(t, do(t, s.Handler(), "GET", "/admin/loggers/connectd.worker.herder", ""), 200,
		`{"level":"TRACE","last_modified":1700000000000}`)
	checkResponse(t, do(t, s.Handler(), "GET", "/admin/loggers", ""), 200,
		`{"connectd.worker":{"level":"TRACE","last_modified":1700000000000},"connectd.worker.herder":{"level":"TRACE","last_modified":1700000000000},"root":{"level":"INFO","last_modified":null}}`)
	// A new name is created on demand, as log4j does.
	checkResponse(t, do(t, s.Handler(), "PUT", "/admin/loggers/org.apache.kafka.connect", `{"level":"error"}`), 200,
		`["org.apache.kafka.connect"]`)
	checkResponse(t, do(t, s.Handler(), "GET", "/admin/loggers/org.apache.kafka.connect", ""), 200,
		`{"level":"ERROR","last_modified":1700000000000}`)
}

func TestBodyTooLarge(t *testing.T) {
	s := newTestServer(t, seededHerder(t))
	big := `{"name":"x","config":{"a":"` + strings.Repeat("x", MaxBodyBytes) + `"}}`
	checkResponse(t, do(t, s.Handler(), "POST", "/connectors", big), 413,
		`{"error_code":413,"message":"Request body is larger than 1048576 bytes"}`)
}

// blockingHerder never answers reads of connector info before the request's deadline.
type blockingHerder struct{ *fakeHerder }

func (b blockingHerder) ConnectorInfo(ctx context.Context, _ string) (herder.ConnectorInfo, error) {
	<-ctx.Done()
	return herder.ConnectorInfo{}, ctx.Err()
}

func TestRequestTimesOut(t *testing.T) {
	s := newTestServer(t, blockingHerder{seededHerder(t)}, func(c *Config) { c.RequestTimeout = 20 * time.Millisecond })
	checkResponse(t, do(t, s.Handler(), "GET", "/connectors/src", ""), 500, `{"error_code":500,"message":"Request timed out"}`)
}

func TestNotReady(t *testing.T) {
	h := seededHerder(t)
	h.ready = make(chan struct{})
	s := newTestServer(t, h, func(c *Config) {
		c.RequestTimeout = 20 * time.Millisecond
		c.HealthTimeout = 10 * time.Millisecond
	})
	checkResponse(t, do(t, s.Handler(), "GET", "/health", ""), 503, `{"status":"starting","message":"Worker is still starting up."}`)
	// Reads are served from whatever the worker has read so far.
	checkResponse(t, do(t, s.Handler(), "GET", "/connectors", ""), 200, `["sink","src"]`)
	// Writes wait for readiness within the request timeout.
	checkResponse(t, do(t, s.Handler(), "PUT", "/connectors/src/pause", ""), 500, `{"error_code":500,"message":"Request timed out"}`)
	for _, c := range h.calls {
		if c == "PauseConnector" {
			t.Error("pause reached the herder before it was ready")
		}
	}
	close(h.ready)
	checkResponse(t, do(t, s.Handler(), "GET", "/health", ""), 200,
		`{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`)
	checkResponse(t, do(t, s.Handler(), "PUT", "/connectors/src/pause", ""), 202, ``)
}

func TestErrorMapping(t *testing.T) {
	stale := &herder.RequestError{Kind: herder.ErrStaleConfig, Message: "Request cannot be completed because a rebalance is expected"}
	tests := []struct {
		name         string
		method, path string
		body         string
		fail         map[string]error
		status       int
		want         string
	}{
		{name: "stale config on a plain read is 500", method: "GET", path: "/connectors/src", fail: map[string]error{"ConnectorInfo": stale},
			status: 500, want: `{"error_code":500,"message":"Request cannot be completed because a rebalance is expected"}`},
		{name: "stale config on a forwarding write is 409", method: "PUT", path: "/connectors/src/stop", fail: map[string]error{"StopConnector": stale},
			status: 409, want: `{"error_code":409,"message":"Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"}`},
		{name: "forbidden", method: "GET", path: "/connectors/src/topics",
			fail:   map[string]error{"ConnectorTopics": &herder.RequestError{Kind: herder.ErrForbidden, Message: "Topic tracking is disabled."}},
			status: 403, want: `{"error_code":403,"message":"Topic tracking is disabled."}`},
		{name: "conflict", method: "DELETE", path: "/connectors/src",
			fail:   map[string]error{"DeleteConnector": &herder.RequestError{Kind: herder.ErrConflict, Message: "busy"}},
			status: 409, want: `{"error_code":409,"message":"busy"}`},
		{name: "bad request", method: "PUT", path: "/connectors/src/resume",
			fail:   map[string]error{"ResumeConnector": &herder.RequestError{Kind: herder.ErrBadRequest, Message: "no"}},
			status: 400, want: `{"error_code":400,"message":"no"}`},
		{name: "unavailable", method: "GET", path: "/connectors",
			fail:   map[string]error{"Connectors": &herder.RequestError{Kind: herder.ErrUnavailable, Message: "later"}},
			status: 503, want: `{"error_code":503,"message":"later"}`},
		{name: "request error without kind", method: "GET", path: "/connectors",
			fail:   map[string]error{"Connectors": &herder.RequestError{Message: "Worker is shutting down"}},
			status: 500, want: `{"error_code":500,"message":"Worker is shutting down"}`},
		{name: "wrapped deadline", method: "GET", path: "/connectors/src/config",
			fail:   map[string]error{"ConnectorConfig": errors.Join(errors.New("read"), context.DeadlineExceeded)},
			status: 500, want: `{"error_code":500,"message":"Request timed out"}`},
		{name: "not leader on a read", method: "GET", path: "/connectors/src/offsets",
			fail:   map[string]error{"ConnectorOffsets": &herder.NotLeaderError{TargetURL: "http://x/", Message: "nope"}},
			status: 409, want: `{"error_code":409,"message":"Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."}`},
		{name: "other error", method: "GET", path: "/connectors",
			fail:   map[string]error{"Connectors": errors.New("disk on fire")},
			status: 500, want: `{"error_code":500,"message":"disk on fire"}`},
		{name: "expand propagates errors other than not found", method: "GET", path: "/connectors?expand=status",
			fail:   map[string]error{"ConnectorStatus": errors.New("status store down")},
			status: 500, want: `{"error_code":500,"message":"status store down"}`},
		{name: "validate errors", method: "PUT", path: "/connector-plugins/FileSource/config/validate", body: `{"connector.class":"FileSource"}`,
			fail:   map[string]error{"ValidateConfig": errors.New("java.lang.RuntimeException: You must specify")},
			status: 500, want: `{"error_code":500,"message":"java.lang.RuntimeException: You must specify"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := seededHerder(t)
			h.fail = tt.fail
			s := newTestServer(t, h)
			checkResponse(t, do(t, s.Handler(), tt.method, tt.path, tt.body), tt.status, tt.want)
		})
	}
}

func TestInternalRequestVerification(t *testing.T) {
	h := seededHerder(t)
	var gotBody string
	s := newTestServer(t, h, func(c *Config) {
		c.VerifyInternal = func(r *http.Request, body []byte) error {
			gotBody = string(body)
			if r.Header.Get("X-Connect-Authorization") != "good" {
				return &herder.RequestError{Kind: herder.ErrForbidden, Message: "Internal request contained invalid signature."}
			}
			return nil
		}
	})
	checkResponse(t, do(t, s.Handler(), "POST", "/connectors/src/tasks", `[{"a":"1"}]`, "X-Connect-Authorization", "bad"), 403,
		`{"error_code":403,"message":"Internal request contained invalid signature."}`)
	if gotBody != `[{"a":"1"}]` {
		t.Errorf("verified body %q", gotBody)
	}
	if h.lastTaskConfigs != nil {
		t.Error("unverified task configs reached the herder")
	}
	checkResponse(t, do(t, s.Handler(), "POST", "/connectors/src/tasks", `[{"a":"1"}]`, "X-Connect-Authorization", "good"), 204, ``)
	checkResponse(t, do(t, s.Handler(), "PUT", "/connectors/src/fence", ``, "X-Connect-Authorization", "bad"), 403,
		`{"error_code":403,"message":"Internal request contained invalid signature."}`)
}

func TestServe(t *testing.T) {
	s := newTestServer(t, seededHerder(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/connectors", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "HEAD"} {
		req.Method = method
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `["sink","src"]`
		if method == "HEAD" {
			want = "" // JAX-RS answers HEAD like GET without the body
		}
		if resp.StatusCode != 200 || string(b) != want {
			t.Errorf("%s: got %d %s", method, resp.StatusCode, b)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v, want nil after cancel", err)
	}
}

func TestNewServerRequiresHerder(t *testing.T) {
	if _, err := NewServer(Config{}); err == nil {
		t.Error("NewServer without a herder succeeded")
	}
}

type recordLog struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *recordLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *recordLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
	return nil
}
func (l *recordLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *recordLog) WithGroup(string) slog.Handler      { return l }

func TestRequestLog(t *testing.T) {
	h := seededHerder(t)
	h.fail["ConnectorConfig"] = errors.New("disk on fire")
	logs := &recordLog{}
	s := newTestServer(t, h, func(c *Config) { c.Logger = slog.New(logs) })
	do(t, s.Handler(), "GET", "/connectors/nope", "")
	do(t, s.Handler(), "GET", "/connectors/src/config", "")
	do(t, s.Handler(), "GET", "/connectors", "")
	type line struct {
		level  slog.Level
		path   string
		status int64
		err    string
	}
	var got []line
	for _, r := range logs.recs {
		if r.Message != "http request" {
			continue
		}
		l := line{level: r.Level}
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "path":
				l.path = a.Value.String()
			case "status":
				l.status = a.Value.Int64()
			case "err":
				l.err = a.Value.String()
			}
			return true
		})
		got = append(got, l)
	}
	want := []line{
		{slog.LevelDebug, "/connectors/nope", 404, "Connector nope not found"},
		{slog.LevelError, "/connectors/src/config", 500, "disk on fire"},
		{slog.LevelDebug, "/connectors", 200, ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("request log\n%v\nwant\n%v", got, want)
	}
}

// When the listener fails or is closed under it (a killed worker's socket), Serve returns and takes the
// connections it accepted with it: none is left served by a goroutine nobody owns.
func TestServeClosesConnectionsWhenTheListenerFails(t *testing.T) {
	s := newTestServer(t, seededHerder(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(t.Context(), ln) }()
	// A keep-alive connection with one request answered, as a peer worker's forwarder holds.
	conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /connectors HTTP/1.1\r\nHost: w\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	ln.Close()
	if err := <-done; err == nil {
		t.Error("Serve returned nil after its listener failed")
	}
	// The deadline only turns a connection left open into a failure instead of a hang.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("connection still served after Serve returned: read %d bytes, %v", n, err)
	}
}
