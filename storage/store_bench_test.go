package storage

import (
	"fmt"
	"testing"

	"github.com/connectd/connectd/storage/records"
)

// benchConnectors is the cluster size of the benchmarks: 1,000 connectors with three tasks each.
const benchConnectors = 1000

// topicRecord is one record of an internal topic.
type topicRecord struct {
	key   string
	value []byte
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// benchTopics returns the config, status and offsets topics of benchConnectors connectors, as a worker reads
// them at startup: per connector its config, three task configs and a commit; its status and three task
// statuses; one source offset per task.
func benchTopics() (config, status, offsets []topicRecord) {
	for i := range benchConnectors {
		name := fmt.Sprintf("mqtt-source-%04d", i)
		cfg := map[string]string{
			"name": name, "connector.class": "io.connectd.mqtt.MqttSourceConnector", "tasks.max": "3",
			"topics": "vehicle-telemetry", "mqtt.broker.url": "tcp://mosquitto.example.internal:1883",
			"mqtt.topic": "vehicles/+/telemetry", "mqtt.qos": "1",
		}
		config = append(config, topicRecord{records.ConnectorKey(name), must2(records.EncodeConnectorConfig(cfg))})
		cfg["task.class"] = "io.connectd.mqtt.MqttSourceTask"
		for t := range 3 {
			config = append(config, topicRecord{records.TaskKey(name, t), must2(records.EncodeTaskConfig(cfg))})
		}
		config = append(config, topicRecord{records.CommitKey(name), must2(records.EncodeCommit(3))})

		st := records.Status{State: records.StateRunning, WorkerID: "connect-1.example.internal:8083", Generation: 7}
		status = append(status, topicRecord{records.StatusConnectorKey(name), must2(records.EncodeStatus(st))})
		for t := range 3 {
			status = append(status, topicRecord{records.StatusTaskKey(name, t), must2(records.EncodeStatus(st))})
			key := must2(records.EncodeOffsetKey(name, map[string]any{"file": fmt.Sprintf("/data/in-%d.txt", t)}))
			offsets = append(offsets, topicRecord{string(key),
				must2(records.EncodeOffsetValue(map[string]any{"position": int64(1000 * t)}))})
		}
	}
	return config, status, offsets
}

func loadedStore(b *testing.B) *Store {
	b.Helper()
	s, err := New()
	if err != nil {
		b.Fatal(err)
	}
	config, status, offsets := benchTopics()
	for i, r := range config {
		if _, err := s.ApplyConfigRecord(r.key, r.value, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	for _, r := range status {
		if err := s.ApplyStatusRecord(r.key, r.value); err != nil {
			b.Fatal(err)
		}
	}
	for _, r := range offsets {
		if err := s.ApplyOffsetRecord([]byte(r.key), r.value); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkStoreStartup applies the three internal topics of 1,000 connectors to an empty store, as a
// starting worker does; each topic is its own sub-benchmark.
func BenchmarkStoreStartup(b *testing.B) {
	config, status, offsets := benchTopics()
	size := func(recs []topicRecord) (n int64) {
		for _, r := range recs {
			n += int64(len(r.key) + len(r.value))
		}
		return n
	}
	b.Run("config", func(b *testing.B) {
		b.SetBytes(size(config))
		b.ReportAllocs()
		for b.Loop() {
			s := must2(New())
			for i, r := range config {
				if _, err := s.ApplyConfigRecord(r.key, r.value, int64(i)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("status", func(b *testing.B) {
		b.SetBytes(size(status))
		b.ReportAllocs()
		for b.Loop() {
			s := must2(New())
			for _, r := range status {
				if err := s.ApplyStatusRecord(r.key, r.value); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("offsets", func(b *testing.B) {
		keys := make([][]byte, len(offsets))
		for i, r := range offsets {
			keys[i] = []byte(r.key)
		}
		b.SetBytes(size(offsets))
		b.ReportAllocs()
		for b.Loop() {
			s := must2(New())
			for i, r := range offsets {
				if err := s.ApplyOffsetRecord(keys[i], r.value); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkStoreApplyStatus is one status change (a task going RUNNING) in a store holding 1,000 connectors.
func BenchmarkStoreApplyStatus(b *testing.B) {
	s := loadedStore(b)
	key := records.StatusTaskKey("mqtt-source-0500", 1)
	value := must2(records.EncodeStatus(records.Status{State: records.StateRunning, WorkerID: "connect-2.example.internal:8083", Generation: 8}))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.ApplyStatusRecord(key, value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreStatusQueries are the lookups GET /connectors/{name}/status and GET
// /connectors?expand=status&expand=info make, in a store holding 1,000 connectors.
func BenchmarkStoreStatusQueries(b *testing.B) {
	s := loadedStore(b)
	const name = "mqtt-source-0500"
	b.Run("ConnectorStatus", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := s.ConnectorStatus(name); !ok {
				b.Fatal("no status")
			}
		}
	})
	b.Run("TaskStatuses", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n := len(s.TaskStatuses(name)); n != 3 {
				b.Fatalf("%d task statuses, want 3", n)
			}
		}
	})
	b.Run("Connector", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := s.Connector(name); !ok {
				b.Fatal("no connector")
			}
		}
	})
	b.Run("TaskConfigs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n := len(s.TaskConfigs(name)); n != 3 {
				b.Fatalf("%d task configs, want 3", n)
			}
		}
	})
	b.Run("Connectors", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n := len(s.Connectors()); n != benchConnectors {
				b.Fatalf("%d connectors, want %d", n, benchConnectors)
			}
		}
	})
	b.Run("Offset", func(b *testing.B) {
		partition := map[string]any{"file": "/data/in-1.txt"}
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := s.Offset(name, partition); !ok {
				b.Fatal("no offset")
			}
		}
	})
	// AllStatuses is what the expanded list costs the store: every connector's status and task statuses.
	b.Run("AllStatuses", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, c := range s.Connectors() {
				if _, ok := s.ConnectorStatus(c.Name); ok {
					n += len(s.TaskStatuses(c.Name))
				}
			}
			if n != 3*benchConnectors {
				b.Fatalf("%d task statuses, want %d", n, 3*benchConnectors)
			}
		}
	})
}
