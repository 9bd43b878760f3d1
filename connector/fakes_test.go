package connector

import (
	"context"
	"testing"
)

// Test doubles: plugins that do nothing, registered under Kafka's class names so messages read as Kafka's.

type fakeConnector struct{}

func (fakeConnector) Start(context.Context, Context, map[string]string) error       { return nil }
func (fakeConnector) TaskConfigs(context.Context, int) ([]map[string]string, error) { return nil, nil }
func (fakeConnector) Stop(context.Context) error                                    { return nil }

type fakeSourceTask struct{}

func (fakeSourceTask) Start(context.Context, SourceTaskContext, map[string]string) error { return nil }
func (fakeSourceTask) Poll(context.Context) ([]*SourceRecord, error)                     { return nil, nil }
func (fakeSourceTask) Stop(context.Context) error                                        { return nil }

type fakeSinkTask struct{}

func (fakeSinkTask) Start(context.Context, SinkTaskContext, map[string]string) error { return nil }
func (fakeSinkTask) Put(context.Context, []*SinkRecord) error                        { return nil }
func (fakeSinkTask) Flush(context.Context, map[TopicPartition]int64) error           { return nil }
func (fakeSinkTask) Stop(context.Context) error                                      { return nil }

type fakeConverter struct{}

func (fakeConverter) Configure(map[string]string, bool) error              { return nil }
func (fakeConverter) FromConnectData(string, *Schema, any) ([]byte, error) { return nil, nil }
func (fakeConverter) ToConnectData(string, []byte) (*Schema, any, error)   { return nil, nil, nil }

type fakeHeaderConverter struct{}

func (fakeHeaderConverter) Configure(map[string]string) error { return nil }
func (fakeHeaderConverter) FromConnectHeader(string, string, *Schema, any) ([]byte, error) {
	return nil, nil
}
func (fakeHeaderConverter) ToConnectHeader(string, string, []byte) (*Schema, any, error) {
	return nil, nil, nil
}

// fakePlugin is a connector plugin of type t with every constructor set.
func fakePlugin(class string, t Type, spec *Spec) Plugin {
	p := Plugin{Class: class, Type: t, Spec: spec, TaskClass: class + "Task",
		NewConnector: func() Connector { return fakeConnector{} }}
	if t == Source {
		p.NewSourceTask = func() SourceTask { return fakeSourceTask{} }
	} else {
		p.NewSinkTask = func() SinkTask { return fakeSinkTask{} }
	}
	return p
}

func fakeConverterPlugin(class string, typ PluginType, spec *Spec) ConverterPlugin {
	p := ConverterPlugin{Class: class, Type: typ, Spec: spec}
	if typ == PluginConverter {
		p.NewConverter = func() Converter { return fakeConverter{} }
	} else {
		p.NewHeaderConverter = func() HeaderConverter { return fakeHeaderConverter{} }
	}
	return p
}

const (
	fileSource   = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	fileSink     = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	jsonConv     = "org.apache.kafka.connect.json.JsonConverter"
	stringConv   = "org.apache.kafka.connect.storage.StringConverter"
	simpleHeader = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
)

// fileSourceSpec mirrors FileStreamSourceConnector's ConfigDef (ungrouped keys).
func fileSourceSpec() *Spec {
	return NewSpec(
		String("file").Opt().Imp(High).Documentation("Source filename. If not specified, the standard input will be used"),
		String("topic").Check(NonEmpty()).Imp(High).Documentation("The topic to publish data to"),
		Int("batch.size").WithDefault("2000").Imp(Low).Documentation("The maximum number of records the source task can read from the file each time it is polled"),
	)
}

// jsonConverterSpec is a cut-down JsonConverterConfig.
func jsonConverterSpec() *Spec {
	return NewSpec(
		String("converter.type").Check(OneOf("key", "value", "header")).Imp(Low).Documentation("How this converter will be used."),
		Bool("schemas.enable").WithDefault("true").Imp(High).Documentation("Include schemas within each of the serialized values and keys.").
			InGroup("Schemas", 0).Display("Enable Schemas", WidthMedium),
		Int("schemas.cache.size").WithDefault("1000").Check(AtLeast(0)).Imp(High).Documentation("The maximum number of schemas that can be cached in this converter instance.").
			InGroup("Schemas", 0).Display("Schema Cache Size", WidthMedium),
	)
}

// newTestRegistry holds the file connectors, JsonConverter (converter only), and StringConverter and
// SimpleHeaderConverter (both converter and header converter).
func newTestRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	src := fakePlugin(fileSource, Source, fileSourceSpec())
	src.Version = "3.9.0"
	sink := fakePlugin(fileSink, Sink, NewSpec(String("file").Opt().Imp(High).Documentation("Destination filename. If not specified, the standard output will be used")))
	sink.Version = "3.9.0"
	for _, p := range []Plugin{src, sink} {
		if err := r.Register(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []ConverterPlugin{
		fakeConverterPlugin(jsonConv, PluginConverter, jsonConverterSpec()),
		fakeConverterPlugin(stringConv, PluginConverter, nil),
		fakeConverterPlugin(stringConv, PluginHeaderConverter, nil),
		fakeConverterPlugin(simpleHeader, PluginConverter, nil),
		fakeConverterPlugin(simpleHeader, PluginHeaderConverter, nil),
	} {
		if err := r.RegisterConverter(p); err != nil {
			t.Fatal(err)
		}
	}
	return r
}
