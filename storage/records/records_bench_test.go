package records

import (
	"fmt"
	"testing"
)

// Source tasks encode an offset key and value for every acknowledged record that carries a source offset;
// a worker decodes every record of the three internal topics when it starts (1,000 connectors with three
// tasks: some 8,000 config and status records, plus the offsets). These benchmarks measure one record each.

var (
	benchPartition = map[string]any{"filename": "/var/log/app/events-2024-01-15.log", "shard": int64(3)}
	benchOffset    = map[string]any{"position": int64(1234567890), "line": int64(42)}
	benchStatus    = Status{State: StateRunning, WorkerID: "connect-2.example.internal:8083", Generation: 17}
	benchFailed    = Status{State: StateFailed, Trace: "org.apache.kafka.connect.errors.ConnectException: boom\n\tat x.y(Z.java:1)\n",
		WorkerID: "connect-2.example.internal:8083", Generation: 17}
)

// benchConnectorConfig is a typical connector config of about 600 bytes encoded.
func benchConnectorConfig() map[string]string {
	return map[string]string{
		"name": "mqtt-source-0042", "connector.class": "io.connectd.mqtt.MqttSourceConnector", "tasks.max": "3",
		"topics": "vehicle-telemetry", "mqtt.broker.url": "tcp://mosquitto.example.internal:1883",
		"mqtt.topic": "vehicles/+/telemetry", "mqtt.qos": "1", "mqtt.client.id": "connectd-mqtt-source-0042",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		"errors.tolerance": "none", "errors.log.enable": "true", "camel.map.headers": "true",
	}
}

// benchTaskConfig is the config a connector hands its task: the connector's plus a task-specific setting.
func benchTaskConfig() map[string]string {
	c := benchConnectorConfig()
	c["task.class"] = "io.connectd.mqtt.MqttSourceTask"
	c["mqtt.client.id"] = "connectd-mqtt-source-0042-1"
	return c
}

// benchCodec runs the sub-benchmarks "encode"+name and "decode"+name of one kind of record; bytes/op is the
// size of the encoded record.
func benchCodec(b *testing.B, name string, encode func() ([]byte, error), decode func([]byte) error) {
	enc, err := encode()
	if err != nil {
		b.Fatal(err)
	}
	for _, sub := range []struct {
		name string
		run  func() error
	}{
		{"encode" + name, func() error { _, err := encode(); return err }},
		{"decode" + name, func() error { return decode(enc) }},
	} {
		b.Run(sub.name, func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if err := sub.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOffsetKey(b *testing.B) {
	benchCodec(b, "",
		func() ([]byte, error) { return EncodeOffsetKey("file-source-0042", benchPartition) },
		func(enc []byte) error { _, _, err := DecodeOffsetKey(enc); return err })
}

func BenchmarkOffsetValue(b *testing.B) {
	benchCodec(b, "",
		func() ([]byte, error) { return EncodeOffsetValue(benchOffset) },
		func(enc []byte) error { _, err := DecodeOffsetValue(enc); return err })
}

func BenchmarkStatus(b *testing.B) {
	for _, bc := range []struct {
		name string
		st   Status
	}{{"running", benchStatus}, {"failed", benchFailed}} {
		benchCodec(b, "/"+bc.name,
			func() ([]byte, error) { return EncodeStatus(bc.st) },
			func(enc []byte) error { _, err := DecodeStatus(enc); return err })
	}
}

func BenchmarkStatusKey(b *testing.B) {
	b.Run("task", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, _, ok := ParseStatusKey(StatusTaskKey("mqtt-source-0042", 2)); !ok {
				b.Fatal("key does not parse")
			}
		}
	})
	b.Run("connector", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, _, ok := ParseStatusKey(StatusConnectorKey("mqtt-source-0042")); !ok {
				b.Fatal("key does not parse")
			}
		}
	})
}

func BenchmarkTopicStatus(b *testing.B) {
	ts := TopicStatus{Topic: "vehicle-telemetry", Connector: "mqtt-source-0042", Task: 1, DiscoverTimestamp: 1700000000123}
	benchCodec(b, "",
		func() ([]byte, error) { return EncodeTopicStatus(ts) },
		func(enc []byte) error { _, err := DecodeTopicStatus(enc); return err })
}

func BenchmarkConfigRecords(b *testing.B) {
	for _, bc := range []struct {
		name   string
		cfg    map[string]string
		encode func(map[string]string) ([]byte, error)
		decode func([]byte) (map[string]string, error)
	}{
		{"connector", benchConnectorConfig(), EncodeConnectorConfig, DecodeConnectorConfig},
		{"task", benchTaskConfig(), EncodeTaskConfig, DecodeTaskConfig},
	} {
		benchCodec(b, "/"+bc.name,
			func() ([]byte, error) { return bc.encode(bc.cfg) },
			func(enc []byte) error { _, err := bc.decode(enc); return err })
	}
	benchCodec(b, "/commit",
		func() ([]byte, error) { return EncodeCommit(3) },
		func(enc []byte) error { _, err := DecodeCommit(enc); return err })
	benchCodec(b, "/target-state",
		func() ([]byte, error) { return EncodeTargetState(TargetStopped) },
		func(enc []byte) error { _, err := DecodeTargetState(enc); return err })
}

// BenchmarkConfigTopicStartup decodes the config topic of 1,000 connectors with three tasks each (a
// connector record, three task records and a commit per connector), as a starting worker reads it.
func BenchmarkConfigTopicStartup(b *testing.B) {
	type rec struct {
		key   string
		value []byte
	}
	var recs []rec
	var total int64
	add := func(key string, value []byte, err error) {
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec{key, value})
		total += int64(len(key) + len(value))
	}
	for i := range 1000 {
		name := fmt.Sprintf("mqtt-source-%04d", i)
		cfg := benchConnectorConfig()
		cfg["name"] = name
		v, err := EncodeConnectorConfig(cfg)
		add(ConnectorKey(name), v, err)
		for t := range 3 {
			tc := benchTaskConfig()
			tc["name"] = name
			v, err := EncodeTaskConfig(tc)
			add(TaskKey(name, t), v, err)
		}
		v, err = EncodeCommit(3)
		add(CommitKey(name), v, err)
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range recs {
			kind, _, _, ok := ParseConfigKey(r.key)
			if !ok {
				b.Fatalf("key %q does not parse", r.key)
			}
			var err error
			switch kind {
			case KeyConnector:
				_, err = DecodeConnectorConfig(r.value)
			case KeyTask:
				_, err = DecodeTaskConfig(r.value)
			case KeyCommit:
				_, err = DecodeCommit(r.value)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
