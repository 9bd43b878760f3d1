package connector

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestRegisterRejects(t *testing.T) {
	r := newTestRegistry(t)
	noTask := fakePlugin("a.B", Source, nil)
	noTask.NewSourceTask = nil
	noSinkTask := fakePlugin("a.C", Sink, nil)
	noSinkTask.NewSinkTask = nil
	noConn := fakePlugin("a.D", Sink, nil)
	noConn.NewConnector = nil
	badType := fakePlugin("a.E", Sink, nil)
	badType.Type = Unknown
	tests := []struct {
		name string
		p    Plugin
		want error
	}{
		{"empty class", fakePlugin("", Sink, nil), ErrInvalidPlugin},
		{"padded class", fakePlugin(" a.X ", Sink, nil), ErrInvalidPlugin},
		{"no source task", noTask, ErrInvalidPlugin},
		{"no sink task", noSinkTask, ErrInvalidPlugin},
		{"no connector", noConn, ErrInvalidPlugin},
		{"bad type", badType, ErrInvalidPlugin},
		{"bad spec", fakePlugin("a.F", Sink, NewSpec(Int("x").WithDefault("y"))), ErrInvalidPlugin},
		{"duplicate connector", fakePlugin(fileSink, Sink, nil), ErrDuplicatePlugin},
		{"class taken by a converter", fakePlugin(jsonConv, Sink, nil), ErrDuplicatePlugin},
	}
	for _, tt := range tests {
		if err := r.Register(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}

	noConv := fakeConverterPlugin("a.G", PluginConverter, nil)
	noConv.NewConverter = nil
	noHeader := fakeConverterPlugin("a.H", PluginHeaderConverter, nil)
	noHeader.NewHeaderConverter = nil
	convTests := []struct {
		name string
		p    ConverterPlugin
		want error
	}{
		{"empty class", fakeConverterPlugin("", PluginConverter, nil), ErrInvalidPlugin},
		{"no converter", noConv, ErrInvalidPlugin},
		{"no header converter", noHeader, ErrInvalidPlugin},
		{"bad type", ConverterPlugin{Class: "a.I", Type: PluginSource, NewConverter: noConv.NewConverter}, ErrInvalidPlugin},
		{"duplicate", fakeConverterPlugin(jsonConv, PluginConverter, nil), ErrDuplicatePlugin},
		{"class taken by a connector", fakeConverterPlugin(fileSink, PluginConverter, nil), ErrDuplicatePlugin},
		{"bad spec", fakeConverterPlugin("a.J", PluginConverter, NewSpec(String("a"), String("a"))), ErrInvalidPlugin},
	}
	for _, tt := range convTests {
		if err := r.RegisterConverter(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("converter %s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// JsonConverter is not yet a header converter, so it may become one.
	if err := r.RegisterConverter(fakeConverterPlugin(jsonConv, PluginHeaderConverter, nil)); err != nil {
		t.Errorf("second converter type: %v", err)
	}
}

const fileDescs = "PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, " +
	"name='org.apache.kafka.connect.file.FileStreamSinkConnector', version='3.9.0', encodedVersion=3.9.0, type=sink, " +
	"typeName='sink', location='classpath'}, PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSourceConnector, " +
	"name='org.apache.kafka.connect.file.FileStreamSourceConnector', version='3.9.0', encodedVersion=3.9.0, type=source, " +
	"typeName='source', location='classpath'}"

func TestLookup(t *testing.T) {
	r := newTestRegistry(t)
	mqtt := fakePlugin("io.example.mqtt.MqttSourceConnector", Source, nil)
	mqtt.Aliases = []string{"mqtt"}
	for _, p := range []Plugin{
		mqtt,
		fakePlugin("com.a.FooConnector", Sink, nil),
		fakePlugin("com.b.FooConnector", Source, nil),
		fakePlugin("com.c.BarConnector", Sink, nil),
		fakePlugin("com.d.Outer$InnerConnector", Sink, nil),
		fakePlugin("com.e.ConnectorMagicImpl", Source, nil), // "Connector" at the start is not pruned
	} {
		if err := r.Register(p); err != nil {
			t.Fatal(err)
		}
	}
	// BarConverter's pruned alias "Bar" collides with BarConnector's and is dropped for both.
	if err := r.RegisterConverter(fakeConverterPlugin("com.c.BarConverter", PluginConverter, nil)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in        string
		want      string
		ambiguous bool
	}{
		{fileSink, fileSink, false},
		{"FileStreamSinkConnector", fileSink, false},
		{"FileStreamSink", fileSink, false},
		{"  FileStreamSource\n", fileSource, false},
		{"mqtt", "io.example.mqtt.MqttSourceConnector", false},
		{"MqttSource", "io.example.mqtt.MqttSourceConnector", false},
		{"Bar", "com.c.BarConnector", false}, // dropped alias, found by Kafka's simple-name scan
		{"Inner", "com.d.Outer$InnerConnector", false},
		{"InnerConnector", "com.d.Outer$InnerConnector", false},
		{"ConnectorMagicImpl", "com.e.ConnectorMagicImpl", false},
		{"com.a.FooConnector", "com.a.FooConnector", false},
		{"Foo", "", true},
		{"FooConnector", "", true},
		{"JsonConverter", "", false},
		{"filestreamsink", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		p, err := r.Lookup(tt.in)
		var amb *AmbiguousPluginError
		var unk *UnknownPluginError
		switch {
		case tt.want != "":
			if err != nil || p.Class != tt.want {
				t.Errorf("Lookup(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
			}
		case tt.ambiguous:
			if !errors.As(err, &amb) {
				t.Errorf("Lookup(%q) err = %v, want ambiguous", tt.in, err)
			}
		default:
			if !errors.As(err, &unk) || unk.Kind != KindConnector {
				t.Errorf("Lookup(%q) err = %v, want unknown connector", tt.in, err)
			}
		}
	}
}

func TestLookupMessages(t *testing.T) {
	r := newTestRegistry(t)
	_, err := r.Lookup("Nope")
	want := "Failed to find any class that implements Connector and which name matches Nope, available connectors are: " + fileDescs
	if err == nil || err.Error() != want {
		t.Errorf("unknown:\n%v\nwant\n%s", err, want)
	}
	for _, class := range []string{"x.FileStreamSinkConnector", "y.FileStreamSinkConnector"} {
		if err := r.Register(fakePlugin(class, Sink, nil)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = r.Lookup("FileStreamSink")
	if err == nil || !strings.HasPrefix(err.Error(), "More than one connector matches alias FileStreamSink. "+
		"Please use full package and class name instead. Classes found: PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector,") {
		t.Errorf("ambiguous: %v", err)
	}
	if !strings.Contains(err.Error(), "PluginDesc{klass=class y.FileStreamSinkConnector, name='y.FileStreamSinkConnector', version='undefined', encodedVersion=undefined, type=sink") {
		t.Errorf("ambiguous message lacks the unversioned plugin: %v", err)
	}
}

func TestResolve(t *testing.T) {
	r := newTestRegistry(t)
	kamelet := fakePlugin("org.apache.camel.kafkaconnector.mqttsource.CamelMqttsourceSourceConnector", Source, nil)
	kamelet.KeyPrefixes = []string{"camel.kamelet.mqtt-source."}
	twin1 := fakePlugin("a.Twin1Connector", Sink, nil)
	twin1.KeyPrefixes = []string{"twin."}
	twin2 := fakePlugin("a.Twin2Connector", Sink, nil)
	twin2.KeyPrefixes = []string{"twin."}
	for _, p := range []Plugin{kamelet, twin1, twin2} {
		if err := r.Register(p); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name        string
		config      map[string]string
		want        string
		warn        bool
		wantMissing bool
		wantUnknown bool
	}{
		{"found", map[string]string{"connector.class": "FileStreamSource"}, fileSource, false, false, false},
		{"missing", map[string]string{"name": "x"}, "", false, true, false},
		{"blank", map[string]string{"connector.class": "  "}, "", false, true, false},
		{"namespace fallback", map[string]string{"connector.class": "org.apache.camel.kafkaconnector.CamelMqttSource",
			"camel.kamelet.mqtt-source.topic": "t"}, kamelet.Class, true, false, false},
		{"namespace of two plugins", map[string]string{"connector.class": "Gone", "twin.x": "1"}, "", false, false, true},
		{"no namespace", map[string]string{"connector.class": "Gone", "other.x": "1"}, "", false, false, true},
	}
	for _, tt := range tests {
		p, warning, err := r.Resolve(tt.config)
		var missing *MissingClassError
		var unknown *UnknownPluginError
		switch {
		case tt.wantMissing:
			if !errors.As(err, &missing) {
				t.Errorf("%s: err = %v, want MissingClassError", tt.name, err)
			}
		case tt.wantUnknown:
			if !errors.As(err, &unknown) || p != nil {
				t.Errorf("%s: %v, %v, want UnknownPluginError", tt.name, p, err)
			}
		default:
			if err != nil || p.Class != tt.want || (warning != "") != tt.warn {
				t.Errorf("%s: %v, %q, %v", tt.name, p, warning, err)
			}
		}
	}

	_, _, err := r.Resolve(map[string]string{"name": "c", "tasks.max": "1", "file": "/tmp/a b"})
	if want := "Connector config {file=/tmp/a b, name=c, tasks.max=1} contains no connector type"; err == nil || err.Error() != want {
		t.Errorf("missing class message %q, want %q", err, want)
	}
}

func TestLookupConverter(t *testing.T) {
	r := newTestRegistry(t)
	tests := []struct {
		in       string
		typ      PluginType
		want     string
		wantType bool
	}{
		{"Json", PluginConverter, jsonConv, false},
		{"JsonConverter", PluginConverter, jsonConv, false},
		{jsonConv, PluginConverter, jsonConv, false},
		{" String ", PluginConverter, stringConv, false},
		{"StringConverter", PluginHeaderConverter, stringConv, false},
		{"SimpleHeader", PluginConverter, simpleHeader, false}, // pruned at "Converter"
		{"Simple", PluginHeaderConverter, simpleHeader, false}, // pruned at "HeaderConverter"
		{"Json", PluginHeaderConverter, "", true},              // a converter, not a header converter
		{"FileStreamSink", PluginConverter, "", true},          // a connector
		{"Nope", PluginConverter, "", false},
	}
	for _, tt := range tests {
		p, err := r.LookupConverter(tt.in, tt.typ)
		var te *PluginTypeError
		var unk *UnknownPluginError
		switch {
		case tt.want != "":
			if err != nil || p.Class != tt.want || p.Type != tt.typ {
				t.Errorf("LookupConverter(%q, %s) = %v, %v", tt.in, tt.typ, p, err)
			}
		case tt.wantType:
			if !errors.As(err, &te) {
				t.Errorf("LookupConverter(%q, %s) err = %v, want PluginTypeError", tt.in, tt.typ, err)
			}
		default:
			if !errors.As(err, &unk) {
				t.Errorf("LookupConverter(%q, %s) err = %v, want UnknownPluginError", tt.in, tt.typ, err)
			}
		}
	}
	_, err := r.LookupConverter("Nope", PluginConverter)
	if want := "Class Nope could not be found."; err == nil || err.Error() != want {
		t.Errorf("unknown converter message %v", err)
	}
	_, err = r.LookupConverter("Json", PluginHeaderConverter)
	if want := "Class class org.apache.kafka.connect.json.JsonConverter does not implement the HeaderConverter interface"; err == nil || err.Error() != want {
		t.Errorf("wrong type message %v", err)
	}
}

func TestPlugins(t *testing.T) {
	r := newTestRegistry(t)
	if err := r.Register(fakePlugin("a.ASinkConnector", Sink, nil)); err != nil {
		t.Fatal(err)
	}
	want := []PluginInfo{
		{Class: "a.ASinkConnector", Type: PluginSink},
		{Class: fileSink, Type: PluginSink, Version: "3.9.0"},
		{Class: fileSource, Type: PluginSource, Version: "3.9.0"},
	}
	if got := r.Plugins(true); !reflect.DeepEqual(got, want) {
		t.Errorf("connectors only:\n%v\nwant\n%v", got, want)
	}
	want = append(want,
		PluginInfo{Class: jsonConv, Type: PluginConverter},
		PluginInfo{Class: simpleHeader, Type: PluginConverter},
		PluginInfo{Class: stringConv, Type: PluginConverter},
		PluginInfo{Class: simpleHeader, Type: PluginHeaderConverter},
		PluginInfo{Class: stringConv, Type: PluginHeaderConverter},
	)
	if got := r.Plugins(false); !reflect.DeepEqual(got, want) {
		t.Errorf("all:\n%v\nwant\n%v", got, want)
	}
	if got := NewRegistry().Plugins(true); got == nil || len(got) != 0 {
		t.Errorf("empty registry lists %#v; want an empty, non-nil list", got)
	}
}

func TestPluginConfig(t *testing.T) {
	r := newTestRegistry(t)
	keys, err := r.PluginConfig("FileStreamSource")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	wantNames := []string{"file", "topic", "batch.size", "name", "connector.class", "tasks.max", "tasks.max.enforce",
		"key.converter", "value.converter", "header.converter", "transforms", "predicates", "config.action.reload",
		"errors.retry.timeout", "errors.retry.delay.max.ms", "errors.tolerance", "errors.log.enable",
		"errors.log.include.messages", "topic.creation.groups", "exactly.once.support", "transaction.boundary",
		"transaction.boundary.interval.ms", "offsets.storage.topic"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("keys\n%v\nwant\n%v", names, wantNames)
	}
	if keys[0].Group != nil || keys[0].Order != -1 || keys[1].Required != true {
		t.Errorf("plugin keys rendered as %+v, %+v", keys[0], keys[1])
	}

	// A plugin key with a framework name wins and appears once.
	own := fakePlugin("a.TopicsSinkConnector", Sink, NewSpec(List("topics").WithDefault("x").Documentation("mine")))
	if err := r.Register(own); err != nil {
		t.Fatal(err)
	}
	keys, err = r.PluginConfig("a.TopicsSinkConnector")
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, k := range keys {
		if k.Name == "topics" {
			count++
			if k.Documentation != "mine" {
				t.Errorf("framework definition of topics won: %+v", k)
			}
		}
	}
	if count != 1 {
		t.Errorf("topics listed %d times", count)
	}

	conv, err := r.PluginConfig("Json")
	if err != nil || len(conv) != 3 || conv[0].Name != "converter.type" || conv[1].Order != 0 || conv[2].Order != 1 {
		t.Errorf("converter config = %+v, %v", conv, err)
	}
	if plain, err := r.PluginConfig(stringConv); err != nil || plain == nil || len(plain) != 0 {
		t.Errorf("spec-less converter config = %#v, %v", plain, err)
	}

	if err := r.RegisterConverter(fakeConverterPlugin("a.OnlyHeaderConverter", PluginHeaderConverter, NewSpec(String("charset").WithDefault("UTF-8")))); err != nil {
		t.Fatal(err)
	}
	if hc, err := r.PluginConfig("Only"); err != nil || len(hc) != 1 || hc[0].Name != "charset" {
		t.Errorf("header converter config = %+v, %v", hc, err)
	}

	_, err = r.PluginConfig("Nope")
	var unk *UnknownPluginError
	if !errors.As(err, &unk) || err.Error() != "Unknown plugin Nope." {
		t.Errorf("unknown plugin err = %v", err)
	}
}

// Registration and lookups may overlap (a plugin registered late while the REST API serves); -race checks
// the locking.
func TestRegistryConcurrentUse(t *testing.T) {
	r := newTestRegistry(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := r.Lookup("FileStreamSink"); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := r.Validate(map[string]string{"connector.class": "FileStreamSink", "name": "n", "topics": "t"}, ValidateOptions{}); err != nil {
					t.Error(err)
					return
				}
				_ = r.Plugins(false)
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Register(fakePlugin("late.Plugin"+string(rune('A'+i))+"Connector", Sink, nil)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(r.Plugins(true)); got != 6 {
		t.Errorf("%d connectors registered, want 6", got)
	}
}

// With transformations and predicates, Kafka lists sinks, sources, transformations, predicates, converters,
// header converters (ConnectorPluginsResource), each sorted by class.
func TestPluginsWithTransforms(t *testing.T) {
	r := newTransformTestRegistry(t)
	var got []string
	for _, p := range r.Plugins(false) {
		got = append(got, string(p.Type)+" "+p.Class+" "+p.Version)
	}
	want := []string{"sink " + fileSink + " 3.9.0", "source " + fileSource + " 3.9.0"}
	for _, c := range kafkaTransformations {
		want = append(want, "transformation "+c+" 3.9.0")
	}
	for _, c := range kafkaPredicates {
		want = append(want, "predicate "+c+" 3.9.0")
	}
	want = append(want, "converter "+jsonConv+" ", "converter "+simpleHeader+" ", "converter "+stringConv+" ",
		"header_converter "+simpleHeader+" ", "header_converter "+stringConv+" ")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plugins\n%q\nwant\n%q", got, want)
	}
	if n := len(r.Plugins(true)); n != 2 {
		t.Errorf("connectors only lists %d plugins", n)
	}
}

// Aliases of transformations and predicates follow PluginUtils.computeAliases: the simple name and the simple
// name pruned of "Transformation" or "Predicate"; a nested class's simple name ("Value") is shared and dropped.
func TestTransformAliases(t *testing.T) {
	r := newTransformTestRegistry(t)
	for _, p := range []TransformPlugin{
		fakeTransformPlugin("x.UpperTransformation", PluginTransformation, nil),
		fakeTransformPlugin("x.IsEvenPredicate", PluginPredicate, nil),
	} {
		if err := r.RegisterTransform(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, class string
		typ         PluginType
	}{
		{"Filter", transformsPkg + "Filter", PluginTransformation},
		{" RegexRouter ", transformsPkg + "RegexRouter", PluginTransformation},
		{"Upper", "x.UpperTransformation", PluginTransformation},
		{"UpperTransformation", "x.UpperTransformation", PluginTransformation},
		{"IsEven", "x.IsEvenPredicate", PluginPredicate},
		{"TopicNameMatches", predicatesPkg + "TopicNameMatches", PluginPredicate},
		{transformsPkg + "Cast$Value", transformsPkg + "Cast$Value", PluginTransformation},
	} {
		p, err := r.LookupTransform(c.name, c.typ)
		if err != nil || p.Class != c.class {
			t.Errorf("LookupTransform(%q) = %v, %v; want %s", c.name, p, err, c.class)
		}
	}
	for _, name := range []string{"Value", "Key", "Cast", "Cast$Value"} {
		if _, err := r.LookupTransform(name, PluginTransformation); err == nil || err.Error() != "Unknown plugin "+name+"." {
			t.Errorf("LookupTransform(%q): %v, want unknown", name, err)
		}
	}
	_, err := r.LookupTransform("Filter", PluginPredicate)
	var te *PluginTypeError
	if !errors.As(err, &te) || err.Error() != "Class class "+transformsPkg+"Filter does not implement the Predicate interface" {
		t.Errorf("transformation as predicate: %v", err)
	}
}

// GET /connector-plugins/{plugin}/config of a transformation or predicate lists its own keys in declaration
// order, without the implicit predicate and negate (Kafka's connectorPluginConfig uses the plugin's config()).
func TestTransformPluginConfig(t *testing.T) {
	r := newTransformTestRegistry(t)
	keys, err := r.PluginConfig("org.apache.kafka.connect.transforms.TimestampConverter$Value")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
		if k.Group != nil || k.Order != -1 {
			t.Errorf("%s: group %v order %d, want Kafka's ungrouped -1", k.Name, k.Group, k.Order)
		}
	}
	if want := []string{"field", "target.type", "format", "unix.precision", "replace.null.with.default"}; !slices.Equal(names, want) {
		t.Errorf("keys %q, want %q", names, want)
	}
	if keys, err := r.PluginConfig("TopicNameMatches"); err != nil || len(keys) != 1 || keys[0].Name != "pattern" || !keys[0].Required {
		t.Errorf("predicate config %+v, %v", keys, err)
	}
	if keys, err := r.PluginConfig("Filter"); err != nil || keys == nil || len(keys) != 0 {
		t.Errorf("Filter config %#v, %v; want an empty list", keys, err)
	}
	if _, err := r.PluginConfig("Value"); err == nil || err.Error() != "Unknown plugin Value." {
		t.Errorf("ambiguous alias: %v", err)
	}
}
