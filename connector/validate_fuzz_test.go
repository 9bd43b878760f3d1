package connector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/connector/filestream"
	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/connector/transforms"
)

// shippedRegistry registers every plugin connectd ships, as cmd/connectd does.
func shippedRegistry(tb testing.TB) *connector.Registry {
	tb.Helper()
	r := connector.NewRegistry()
	for _, register := range []func(*connector.Registry) error{convert.Register, filestream.Register, mqtt.Register, transforms.Register} {
		if err := register(r); err != nil {
			tb.Fatal(err)
		}
	}
	return r
}

// fixtureConfig reads the config map of a strict-JSON create request under testdata/, values as the REST
// API passes them on: numbers and booleans as written, nulls left out.
func fixtureConfig(tb testing.TB, name string) map[string]string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var req struct {
		Name   string         `json:"name"`
		Config map[string]any `json:"config"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	config := map[string]string{connector.KeyName: req.Name}
	for k, v := range req.Config {
		if v != nil {
			config[k] = fmt.Sprint(v)
		}
	}
	return config
}

// encodeConfig and decodeConfig are the fuzzed form of a config: "key=value" entries separated by NUL bytes.
func encodeConfig(config map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(config)) {
		b.WriteString(k + "=" + config[k] + "\x00")
	}
	return b.Bytes()
}

func decodeConfig(data []byte) map[string]string {
	config := map[string]string{}
	for entry := range strings.SplitSeq(string(data), "\x00") {
		if entry == "" {
			continue
		}
		k, v, _ := strings.Cut(entry, "=")
		config[k] = v
	}
	return config
}

// validateOptions spreads the bits of b over the worker settings validation depends on.
func validateOptions(b uint8) connector.ValidateOptions {
	return connector.ValidateOptions{
		ExactlyOnceSourceSupport: b&1 != 0,
		TopicCreationDisabled:    b&2 != 0,
		ClientOverridePolicy:     []string{"All", "None", "Principal", ""}[b>>2&3],
		WorkerGroupID:            []string{"", "connect-cluster", "connect-mqtt-source-connector", "connect-file-sink"}[b>>4&3],
	}
}

// connectorClasses are the connector.class values the seeds start from: the user's Camel class, connectd's
// own names and aliases, a placeholder that resolves through the key namespace, blanks, a converter and
// classes that name nothing.
var connectorClasses = []string{
	mqtt.CamelClass, mqtt.Class, mqtt.ConfluentClass, "CamelMqttsourceSource", "CamelMqttsourceSourceConnector",
	"MqttSource", " MqttSourceConnector ", "CONNECTOR CLASS", filestream.SourceClass, filestream.SinkClass,
	"FileStreamSink", "FileStreamSource", "", "   ", convert.JSONConverterClass, "org.example.NoSuchConnector",
}

// FuzzValidate runs (*Registry).Validate over the shipped plugins and checks what the REST API relies on:
// no panic; only plugin resolution fails as an error; the answer is deterministic and leaves the config
// alone; error_count is the count Kafka computes from the listed errors; no error message is blank; no key
// is listed twice (client overrides aside, as in Kafka); passwords are hidden; and a config without errors
// parses with the framework's and the plugin's Spec and starts its connector, which yields between 1 and
// tasks.max task configs.
func FuzzValidate(f *testing.F) {
	camel := fixtureConfig(f, "mqtt-connector.json")
	confluent := map[string]string{
		connector.KeyName: "mqtt", "mqtt.server.uri": "tcp://localhost:1883,ssl://mqtt:8883", "mqtt.topics": "a/+/c,$share/g/d/#",
		"kafka.topic": "mqtt-in", "mqtt.qos": "2", "mqtt.username": "u", "mqtt.password": "p", "tasks.max": "3",
	}
	sink := map[string]string{
		connector.KeyName: "file-sink", "topics": "a, b,a", "file": "/tmp/connectd-fuzz-out",
		"errors.deadletterqueue.topic.name": "b", "errors.tolerance": "all", "consumer.override.group.id": "connect-cluster",
		"key.converter": "JsonConverter", "key.converter.schemas.enable": "maybe", "key.converter.decimal.format": "numeric",
		"header.converter": "SimpleHeaderConverter", "transforms": "t", "topics.regex": "[a-z",
	}
	source := map[string]string{
		connector.KeyName: "file-source", "topic": "lines", "file": "/tmp/connectd-fuzz-in", "tasks.max": "0",
		"topic.creation.default.replication.factor": "3", "topic.creation.default.partitions": "-2",
		"topic.creation.groups": "g, default,g", "topic.creation.g.include": "foo.*", "exactly.once.support": "required",
		"transaction.boundary": "connector", "producer.override.acks": "all", "producer.override.sasl.mechanism": "PLAIN",
		"offsets.storage.topic": "own-offsets", "value.converter": "io.confluent.connect.avro.AvroConverter",
		"header.converter": convert.JSONConverterClass,
	}
	plainSink := map[string]string{connector.KeyName: "sink", "topics": "a", "file": "/tmp/connectd-fuzz-out", "tasks.max": "2"}
	plainSource := map[string]string{connector.KeyName: "source", "topic": "lines", "batch.size": "100"}
	// Files validation must refuse without reading them: a device that never ends and one that blocks.
	tlsFiles := map[string]string{
		connector.KeyName: "tls", "camel.kamelet.mqtt-source.brokerUrl": "ssl://mqtt:8883",
		"camel.kamelet.mqtt-source.topic": "a/#", "mqtt.ssl.ca.cert": "/dev/zero", "mqtt.ssl.cert": "/dev/stdin",
		"mqtt.ssl.key": "/dev/null",
	}
	routedSink := map[string]string{
		connector.KeyName: "routed", "topics": "a", "file": "/tmp/connectd-fuzz-out", "transforms": "route, drop",
		"transforms.route.type": "RegexRouter", "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-x",
		"transforms.drop.type": "org.apache.kafka.connect.transforms.Filter", "transforms.drop.predicate": "p",
		"transforms.drop.negate": "true", "predicates": "p", "predicates.p.type": "TopicNameMatches", "predicates.p.pattern": "a",
	}
	configs := []map[string]string{camel, confluent, sink, source, plainSink, plainSource, tlsFiles, routedSink}
	for i, class := range connectorClasses {
		for j, config := range configs {
			f.Add(class, encodeConfig(config), uint8(i*len(configs)+j))
		}
	}
	r := shippedRegistry(f)
	f.Fuzz(func(t *testing.T, class string, data []byte, optBits uint8) {
		config := decodeConfig(data)
		config[connector.KeyConnectorClass] = class
		opts := validateOptions(optBits)
		given := maps.Clone(config)

		infos, p, err := r.Validate(config, opts)
		infos2, p2, err2 := r.Validate(config, opts)
		if !maps.Equal(config, given) {
			t.Fatalf("Validate changed the config:\n%q\nwant %q", config, given)
		}
		if !reflect.DeepEqual(infos, infos2) || p != p2 || fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("Validate is not deterministic for %q", config)
		}
		if err != nil {
			var (
				missing   *connector.MissingClassError
				unknown   *connector.UnknownPluginError
				ambiguous *connector.AmbiguousPluginError
			)
			if !errors.As(err, &missing) && !errors.As(err, &unknown) && !errors.As(err, &ambiguous) {
				t.Fatalf("Validate(%q) failed with %T %v, want a plugin resolution error", config, err, err)
			}
			if p != nil {
				t.Fatalf("Validate(%q) failed with %v but returned plugin %s", config, err, p.Class)
			}
			if blank := strings.TrimSpace(class) == ""; blank != errors.As(err, &missing) {
				t.Fatalf("Validate with connector.class %q failed with %v", class, err)
			}
			return
		}
		if p == nil {
			t.Fatalf("Validate(%q) returned neither a plugin nor an error", config)
		}
		checkInfos(t, config, infos)
		if infos.ErrorCount == 0 {
			checkStarts(t, p, config)
		}
	})
}

// converterPrefixes start the keys of the converter settings, which Kafka counts once per key with errors
// (AbstractHerder.prefixedConfigInfos); everything else counts every message (generateResult).
var converterPrefixes = []string{
	connector.KeyKeyConverter + ".", connector.KeyValueConverter + ".", connector.KeyHeaderConverter + ".",
}

func checkInfos(t *testing.T, config map[string]string, infos connector.ConfigInfos) {
	t.Helper()
	if infos.Name != config[connector.KeyConnectorClass] {
		t.Fatalf("name %q, want the connector.class %q", infos.Name, config[connector.KeyConnectorClass])
	}
	count := 0
	seen := map[string]int{}
	for _, c := range infos.Configs {
		if c.Value == nil && c.Definition == nil {
			t.Fatalf("config %q: an entry with neither definition nor value", config)
		}
		name := ""
		if c.Definition != nil {
			name = c.Definition.Name
		}
		if c.Value != nil {
			if c.Definition != nil && c.Value.Name != name {
				t.Fatalf("config %q: definition %q carries the value of %q", config, name, c.Value.Name)
			}
			name = c.Value.Name
		}
		// Kafka lists a client override a check reported on (consumer.override.group.id) once more among the
		// overrides; any other key is listed once.
		seen[name]++
		limit := 1
		if isOverride(name) {
			limit = 2
		}
		if seen[name] > limit {
			t.Fatalf("config %q: key %q listed %d times", config, name, seen[name])
		}
		if c.Value == nil {
			continue
		}
		for _, msg := range c.Value.Errors {
			if strings.TrimSpace(msg) == "" {
				t.Fatalf("config %q: blank error message for %q", config, name)
			}
		}
		if c.Definition != nil && c.Definition.Type == string(connector.TypePasswordConfig) &&
			c.Value.Value != nil && *c.Value.Value != "[hidden]" {
			t.Fatalf("config %q: password %q shown as %q", config, name, *c.Value.Value)
		}
		switch {
		case !slices.ContainsFunc(converterPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }):
			count += len(c.Value.Errors)
		case len(c.Value.Errors) > 0:
			count++
		}
	}
	if infos.ErrorCount != count {
		t.Fatalf("config %q: error_count %d, but the entries list %d errors", config, infos.ErrorCount, count)
	}
}

func isOverride(name string) bool {
	for _, p := range []string{connector.PrefixProducerOverride, connector.PrefixConsumerOverride, connector.PrefixAdminOverride} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// fuzzContext is the connector.Context of a connector started by the fuzz target.
type fuzzContext struct{ raised error }

func (c *fuzzContext) RequestTaskReconfiguration() {}
func (c *fuzzContext) RaiseError(err error)        { c.raised = err }
func (c *fuzzContext) Logger() *slog.Logger        { return slog.New(slog.DiscardHandler) }

// maxFuzzTasks bounds the tasks.max the target asks task configs for: some connectors generate exactly
// tasks.max configs, and a valid tasks.max may be 2147483647.
const maxFuzzTasks = 64

// checkStarts checks that a config validation accepted is one the worker can run: the framework and plugin
// specs parse it, and the connector starts on it and generates task configs.
func checkStarts(t *testing.T, p *connector.Plugin, config map[string]string) {
	t.Helper()
	framework, err := connector.FrameworkSpec(p.Type).Parse(config)
	if err != nil {
		t.Fatalf("config %q validates without errors, but the framework keys do not parse: %v", config, err)
	}
	if _, err := p.Spec.Parse(config); err != nil {
		t.Fatalf("config %q validates without errors, but %s's spec does not parse it: %v", config, p.Class, err)
	}
	maxTasks := framework.Int(connector.KeyTasksMax)
	if maxTasks < 1 {
		t.Fatalf("config %q validates without errors with tasks.max %d", config, maxTasks)
	}
	if maxTasks > maxFuzzTasks {
		return
	}
	ctx := &fuzzContext{}
	conn := p.NewConnector()
	if err := conn.Start(context.Background(), ctx, maps.Clone(config)); err != nil {
		t.Fatalf("config %q validates without errors, but %s does not start: %v", config, p.Class, err)
	}
	tasks, err := conn.TaskConfigs(context.Background(), maxTasks)
	if err != nil || len(tasks) < 1 || len(tasks) > maxTasks {
		t.Fatalf("config %q: %s generated %d task configs for tasks.max %d, error %v", config, p.Class, len(tasks), maxTasks, err)
	}
	if err := conn.Stop(context.Background()); err != nil || ctx.raised != nil {
		t.Fatalf("config %q: %s stopped with %v, raised %v", config, p.Class, err, ctx.raised)
	}
	if p.Class != mqtt.Class {
		return
	}
	// Every MQTT task carries the connector's configuration and its own share of the work.
	for i, tc := range tasks {
		for k, v := range config {
			if k != "task.index" && k != "task.count" && tc[k] != v {
				t.Fatalf("config %q: task %d has %s=%q, want %q", config, i, k, tc[k], v)
			}
		}
		for _, other := range tasks[:i] {
			if maps.Equal(tc, other) {
				t.Fatalf("config %q: tasks with the same config %q", config, tc)
			}
		}
	}
}
