package filestream

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

type connContext struct{}

func (connContext) RequestTaskReconfiguration() {}
func (connContext) RaiseError(error)            {}
func (connContext) Logger() *slog.Logger        { return slog.New(slog.DiscardHandler) }

func TestSourceSpecValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config map[string]string
		want   []string
	}{
		{"valid", map[string]string{KeyFile: "/f", KeyTopic: "t"}, nil},
		{"stdin", map[string]string{KeyTopic: "t"}, nil},
		{"missing topic", map[string]string{KeyFile: "/f"},
			[]string{`Missing required configuration "topic" which has no default value.`}},
		{"blank topic", map[string]string{KeyTopic: "   "},
			[]string{"Invalid value  for configuration topic: String must be non-empty"}},
		{"bad batch size", map[string]string{KeyTopic: "t", KeyBatchSize: "abcd"},
			[]string{"Invalid value abcd for configuration batch.size: Not a number of type INT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := SourceSpec().Parse(tt.config)
			var pe *connector.ParseError
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Parse: %v", err)
			case tt.want == nil:
				if p.Int(KeyBatchSize) != 2000 {
					t.Errorf("batch.size = %d, want the default 2000", p.Int(KeyBatchSize))
				}
			case !errors.As(err, &pe):
				t.Fatalf("Parse err = %v, want *connector.ParseError", err)
			case !reflect.DeepEqual(pe.Errors, tt.want):
				t.Errorf("errors = %q, want %q", pe.Errors, tt.want)
			}
		})
	}

	infos := SourceSpec().KeyInfos()
	if len(infos) != 3 || infos[0].Name != KeyFile || infos[0].Required || !infos[1].Required ||
		infos[2].DefaultValue == nil || *infos[2].DefaultValue != "2000" || infos[0].Importance != "HIGH" ||
		infos[2].Importance != "LOW" || infos[0].Order != -1 {
		t.Errorf("source key infos = %+v", infos)
	}
	sink := SinkSpec().KeyInfos()
	if len(sink) != 1 || sink[0].Name != KeyFile || sink[0].Required || sink[0].Type != "STRING" {
		t.Errorf("sink key infos = %+v", sink)
	}
}

func TestSourceConnector(t *testing.T) {
	t.Parallel()
	config := map[string]string{"name": "src", KeyFile: "/in", KeyTopic: "t", "connector.class": "FileStreamSource"}
	c := &SourceConnector{}
	if err := c.Start(context.Background(), connContext{}, config); err != nil {
		t.Fatal(err)
	}
	got, err := c.TaskConfigs(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !maps.Equal(got[0], config) {
		t.Fatalf("TaskConfigs(5) = %v, want one copy of the connector config", got)
	}
	got[0]["x"] = "y"
	if again, _ := c.TaskConfigs(context.Background(), 1); !maps.Equal(again[0], config) {
		t.Errorf("task configs share state with the caller")
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := (&SourceConnector{}).Start(context.Background(), connContext{}, map[string]string{}); err == nil {
		t.Error("Start without topic: no error")
	}
}

func TestSinkConnector(t *testing.T) {
	t.Parallel()
	config := map[string]string{KeyFile: "/out", "topics": "t"}
	c := &SinkConnector{}
	if err := c.Start(context.Background(), connContext{}, config); err != nil {
		t.Fatal(err)
	}
	got, err := c.TaskConfigs(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("TaskConfigs(3) gave %d configs", len(got))
	}
	for _, g := range got {
		if !maps.Equal(g, config) {
			t.Errorf("task config %v, want %v", g, config)
		}
	}
	got[0]["x"] = "y"
	if maps.Equal(got[0], got[1]) {
		t.Error("task configs share one map")
	}
	if ok, err := c.AlterOffsets(config, nil); !ok || err != nil {
		t.Errorf("AlterOffsets = %v, %v", ok, err)
	}
}

func TestSourceAlterOffsets(t *testing.T) {
	t.Parallel()
	withFile := map[string]string{KeyFile: "/in", KeyTopic: "t"}
	part := map[string]any{FilenameField: "/in"}
	tests := []struct {
		name    string
		config  map[string]string
		offsets []connector.PartitionOffset
		want    string
	}{
		{"valid", withFile, []connector.PartitionOffset{{Partition: part, Offset: map[string]any{PositionField: int64(3)}}}, ""},
		{"tombstone for anything", withFile, []connector.PartitionOffset{{Partition: map[string]any{"x": 1}}}, ""},
		{"stdin", map[string]string{KeyTopic: "t"}, nil,
			"Offsets cannot be modified if the 'file' configuration is unspecified. This is because stdin is used for input and offsets are not tracked."},
		{"no position", withFile, []connector.PartitionOffset{{Partition: part, Offset: map[string]any{}}},
			"Offset objects should either be null or contain the key 'position'"},
		{"not a long", withFile, []connector.PartitionOffset{{Partition: part, Offset: map[string]any{PositionField: "3"}}},
			"The value for the 'position' key in the offset is expected to be a Long value"},
		{"negative", withFile, []connector.PartitionOffset{{Partition: part, Offset: map[string]any{PositionField: int64(-1)}}},
			"The value for the 'position' key in the offset should be a non-negative value"},
		{"null partition", withFile, []connector.PartitionOffset{{Offset: map[string]any{PositionField: int64(1)}}},
			"Partition objects cannot be null"},
		{"no filename", withFile, []connector.PartitionOffset{{Partition: map[string]any{}, Offset: map[string]any{PositionField: int64(1)}}},
			"Partition objects should contain the key 'filename'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := (&SourceConnector{}).AlterOffsets(tt.config, tt.offsets)
			if tt.want == "" {
				if !ok || err != nil {
					t.Fatalf("AlterOffsets = %v, %v; want true", ok, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("AlterOffsets err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	for alias, class := range map[string]string{
		"FileStreamSource": SourceClass, "FileStreamSourceConnector": SourceClass, SourceClass: SourceClass,
		"FileStreamSink": SinkClass, SinkClass: SinkClass,
	} {
		p, err := r.Lookup(alias)
		if err != nil || p.Class != class {
			t.Fatalf("Lookup(%s) = %v, %v; want %s", alias, p, err, class)
		}
	}
	src, _ := r.Lookup(SourceClass)
	if src.Type != connector.Source || src.TaskClass != SourceTaskClass || src.Version != "3.9.0" {
		t.Errorf("source plugin = %+v", src)
	}
	if _, ok := src.NewConnector().(connector.OffsetAlterer); !ok {
		t.Error("source connector does not alter offsets")
	}
	if _, ok := src.NewSourceTask().(*SourceTask); !ok {
		t.Error("source task has the wrong type")
	}
	sink, _ := r.Lookup(SinkClass)
	if sink.Type != connector.Sink || sink.TaskClass != SinkTaskClass {
		t.Errorf("sink plugin = %+v", sink)
	}
	if _, ok := sink.NewSinkTask().(*SinkTask); !ok {
		t.Error("sink task has the wrong type")
	}
	want := []connector.PluginInfo{
		{Class: SinkClass, Type: connector.PluginSink, Version: Version},
		{Class: SourceClass, Type: connector.PluginSource, Version: Version},
	}
	if got := r.Plugins(true); !reflect.DeepEqual(got, want) {
		t.Errorf("Plugins(true) = %+v, want %+v", got, want)
	}
}
