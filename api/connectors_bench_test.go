package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage"
)

// benchHerder has n running source connectors with three running tasks each, configured as a typical MQTT
// source.
func benchHerder(n int) *fakeHerder {
	h := newFakeHerder()
	for i := range n {
		name := fmt.Sprintf("mqtt-source-%04d", i)
		c := &fakeConn{
			config: map[string]string{
				"name": name, "connector.class": "io.connectd.mqtt.MqttSourceConnector", "tasks.max": "3",
				"topics": "vehicle-telemetry", "mqtt.broker.url": "tcp://mosquitto.example.internal:1883",
				"mqtt.topic": "vehicles/+/telemetry", "mqtt.qos": "1",
				"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
			},
			typ: connector.Source,
			status: &herder.ConnectorStateInfo{
				Name:      name,
				Connector: herder.ConnectorState{State: "RUNNING", WorkerID: "connect-1.example.internal:8083"},
				Type:      connector.Source,
			},
		}
		for t := range 3 {
			c.tasks = append(c.tasks, storage.TaskConfig{ID: connector.TaskID{Connector: name, Task: t}})
			c.status.Tasks = append(c.status.Tasks, herder.TaskState{ID: t, State: "RUNNING",
				WorkerID: fmt.Sprintf("connect-%d.example.internal:8083", t)})
		}
		h.conns[name] = c
	}
	return h
}

// BenchmarkListConnectorsExpanded is GET /connectors?expand=status&expand=info over 1,000 connectors with three
// tasks each: the herder calls of the handler and the rendering of a ~1 MB body. The fake herder's own cost
// (copying each config) is part of the figure, as the worker's store lookups would be.
func BenchmarkListConnectorsExpanded(b *testing.B) {
	for _, bc := range []struct{ name, path string }{
		{"status+info", "/connectors?expand=status&expand=info"},
		{"status", "/connectors?expand=status"},
		{"names", "/connectors"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := benchHerder(1000)
			srv, err := NewServer(Config{Herder: h, Commit: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			handler := srv.Handler()
			serve := func() *httptest.ResponseRecorder {
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bc.path, nil))
				// The fake records every call for assertions; forget them so memory stays flat.
				h.mu.Lock()
				h.calls = h.calls[:0]
				h.mu.Unlock()
				return rec
			}
			rec := serve()
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			b.SetBytes(int64(rec.Body.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if rec := serve(); rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
