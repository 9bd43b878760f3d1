package connector

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Test doubles for transformations and predicates, registered under Kafka 3.9's class names so that the
// recommended values of a type key read as a Java worker's. A few carry a copy of Java's ConfigDef so that
// validation of their keys can be compared with Kafka's answers; the others have no keys.

type fakeTransformation struct{ config map[string]string }

func (f fakeTransformation) Apply(rec *Record) (*Record, error) { return rec, nil }

type fakePredicate struct{ config map[string]string }

func (f fakePredicate) Test(*Record) bool { return true }

const (
	transformsPkg = "org.apache.kafka.connect.transforms."
	predicatesPkg = transformsPkg + "predicates."
)

// kafkaTransformations are Kafka 3.9's transformations (connect-transforms), as a worker lists them.
var kafkaTransformations = func() []string {
	var out []string
	for _, base := range []string{"Cast", "ExtractField", "Flatten", "HeaderFrom", "HoistField", "InsertField",
		"MaskField", "ReplaceField", "SetSchemaMetadata", "TimestampConverter"} {
		out = append(out, transformsPkg+base+"$Key", transformsPkg+base+"$Value")
	}
	for _, name := range []string{"DropHeaders", "Filter", "InsertHeader", "RegexRouter", "TimestampRouter", "ValueToKey"} {
		out = append(out, transformsPkg+name)
	}
	slices.Sort(out)
	return out
}()

var kafkaPredicates = []string{predicatesPkg + "HasHeaderKey", predicatesPkg + "RecordIsTombstone", predicatesPkg + "TopicNameMatches"}

const replaceNullDoc = "Whether to replace fields that have a default value and that are null to the default value. " +
	"When set to true, the default value is used, otherwise null is used."

// fakeTransformSpecs copies the ConfigDefs of a few of Kafka's plugins (validators that the tests' values
// pass or that connectd words as Kafka does).
func fakeTransformSpecs() map[string]*Spec {
	return map[string]*Spec{
		transformsPkg + "RegexRouter": NewSpec(
			String("regex").Check(Regex()).Imp(High).Documentation("Regular expression to use for matching."),
			String("replacement").Imp(High).Documentation("Replacement string."),
		),
		transformsPkg + "Cast$Key": NewSpec(
			List("spec").Imp(High).Documentation("List of fields and the type to cast them to of the form field1:type,field2:type to cast "+
				"fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "+
				"float64, boolean, and string. Note that binary fields can only be cast to string."),
			Bool("replace.null.with.default").WithDefault("true").Documentation(replaceNullDoc),
		),
		// Declared in Java's order, which validation re-sorts.
		transformsPkg + "TimestampConverter$Value": NewSpec(
			String("field").WithDefault("").Imp(High).Documentation("The field containing the timestamp, or empty if the entire value is a timestamp"),
			String("target.type").Check(OneOf("string", "unix", "Date", "Time", "Timestamp")).Imp(High).
				Documentation("The desired timestamp representation: string, unix, Date, Time, or Timestamp"),
			String("format").WithDefault("").Documentation("A SimpleDateFormat-compatible format for the timestamp. Used to generate the "+
				"output when type=string or used to parse the input if the input is a string."),
			String("unix.precision").WithDefault("milliseconds").Check(OneOf("nanoseconds", "microseconds", "milliseconds", "seconds")).
				Imp(Low).Documentation("The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. "+
				"Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause "+
				"precision loss during conversions from, and to, values with sub-millisecond components."),
			Bool("replace.null.with.default").WithDefault("true").Documentation(replaceNullDoc),
		),
		predicatesPkg + "TopicNameMatches": NewSpec(
			String("pattern").Check(NonEmpty(), Regex()).
				Documentation("A Java regular expression for matching against the name of a record's topic."),
		),
		predicatesPkg + "HasHeaderKey": NewSpec(String("name").Check(NonEmpty()).Documentation("The header name.")),
	}
}

func fakeTransformPlugin(class string, typ PluginType, spec *Spec) TransformPlugin {
	p := TransformPlugin{Class: class, Type: typ, Version: "3.9.0", Spec: spec}
	if typ == PluginTransformation {
		p.NewTransformation = func(c map[string]string) (Transformation, error) { return fakeTransformation{c}, nil }
	} else {
		p.NewPredicate = func(c map[string]string) (Predicate, error) { return fakePredicate{c}, nil }
	}
	return p
}

// newTransformTestRegistry is newTestRegistry plus Kafka's transformations and predicates.
func newTransformTestRegistry(t *testing.T) *Registry {
	t.Helper()
	r := newTestRegistry(t)
	specs := fakeTransformSpecs()
	for _, class := range kafkaTransformations {
		if err := r.RegisterTransform(fakeTransformPlugin(class, PluginTransformation, specs[class])); err != nil {
			t.Fatal(err)
		}
	}
	for _, class := range kafkaPredicates {
		if err := r.RegisterTransform(fakeTransformPlugin(class, PluginPredicate, specs[class])); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// TestValidateTransformsAsKafka compares whole validate answers with a Kafka 3.9 worker's. The answers in
// testdata/validate-transforms.jsonl were produced by Kafka's own classes (connect-runtime 3.9.0): a throwaway
// Java program ran what AbstractHerder.validateConnectorConfig runs for these configs (ConnectorConfig.enrich
// over Sink/SourceConnectorConfig.configDef(), ConfigDef.validateAll, SinkConnectorConfig.validate, the
// connector's own config() and validate(), AbstractHerder.generateResult) with the worker's plugins on the
// class path, and wrote the ConfigInfos as the REST API serializes them.
func TestValidateTransformsAsKafka(t *testing.T) {
	r := newTransformTestRegistry(t)
	f, err := os.Open("testdata/validate-transforms.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var c struct {
			Name   string            `json:"name"`
			Config map[string]string `json:"config"`
			Want   json.RawMessage   `json:"want"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			infos, _, err := r.Validate(c.Config, ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(infos)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(c.Want, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("answer differs from Kafka's:\n%s", jsonDiff(w, g))
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Fatalf("%d cases read, want 8", n)
	}
}

// jsonDiff lists the paths where want and got differ (first 20).
func jsonDiff(want, got any) string {
	var out []string
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		switch wv := w.(type) {
		case map[string]any:
			if gv, ok := g.(map[string]any); ok {
				for k := range wv {
					walk(path+"."+k, wv[k], gv[k])
				}
				for k := range gv {
					if _, ok := wv[k]; !ok {
						out = append(out, path+"."+k+": unexpected")
					}
				}
				return
			}
		case []any:
			if gv, ok := g.([]any); ok {
				for i := range max(len(wv), len(gv)) {
					var a, b any
					if i < len(wv) {
						a = wv[i]
					}
					if i < len(gv) {
						b = gv[i]
					}
					walk(path+"["+itoa(i)+"]", a, b)
				}
				return
			}
		}
		if !reflect.DeepEqual(w, g) {
			wb, _ := json.Marshal(w)
			gb, _ := json.Marshal(g)
			out = append(out, path+": want "+string(wb)+", got "+string(gb))
		}
	}
	walk("$", want, got)
	if len(out) > 20 {
		out = append(out[:20], "...")
	}
	return strings.Join(out, "\n")
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestValidateTransformsAcceptsValid checks that a config that uses transformations and predicates correctly
// passes, so create and update accept it, and that the error count adds up for one that does not.
func TestValidateTransformsAcceptsValid(t *testing.T) {
	r := newTransformTestRegistry(t)
	good := with(okSink, "transforms", "route, drop", "transforms.route.type", "RegexRouter",
		"transforms.route.regex", "a(.*)", "transforms.route.replacement", "b$1",
		"transforms.drop.type", "Filter", "transforms.drop.predicate", "tomb", "transforms.drop.negate", "false",
		"predicates", "tomb", "predicates.tomb.type", "RecordIsTombstone")
	infos, _, err := r.Validate(good, ValidateOptions{})
	if err != nil || infos.ErrorCount != 0 {
		t.Fatalf("valid transforms: %d errors %v, %v", infos.ErrorCount, errorsByKey(infos), err)
	}
	wantGroups := []string{"Common", "Transforms", "Predicates", "Error Handling", "Transforms: route", "Transforms: drop", "Predicates: tomb"}
	if !slices.Equal(infos.Groups, wantGroups) {
		t.Errorf("groups %q, want %q", infos.Groups, wantGroups)
	}

	bad := with(good, "transforms.route.regex", "(", "transforms.drop.type", "Drop")
	infos, _, err = r.Validate(bad, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"transforms.route.regex": {"Invalid value ( for configuration regex: Invalid regex: error parsing regexp: missing closing ): `(`"},
		"transforms.drop.type":   {"Invalid value Drop for configuration transforms.drop.type: Class Drop could not be found."},
	}
	if got := errorsByKey(infos); !reflect.DeepEqual(got, want) || infos.ErrorCount != 2 {
		t.Errorf("errors %q (count %d), want %q", got, infos.ErrorCount, want)
	}
	// The embedded keys of a type that did not resolve are not listed.
	for _, c := range infos.Configs {
		if c.Definition != nil && c.Definition.Name == "transforms.drop.predicate" {
			t.Errorf("transforms.drop.predicate listed for an unknown type: %+v", c)
		}
	}
	var verr error = NewValidationError(infos)
	if !strings.Contains(verr.Error(), "contains the following 2 error(s):\nInvalid value ( for configuration regex") {
		t.Errorf("create's message: %v", verr)
	}
}

// A transformation key named like an implicit key is masked by it (Kafka logs a warning and drops it), and
// a plugin's own groups are nested under the alias group.
func TestValidateTransformsMaskAndGroups(t *testing.T) {
	r := NewRegistry()
	if err := r.Register(fakePlugin(fileSink, Sink, nil)); err != nil {
		t.Fatal(err)
	}
	spec := NewSpec(
		String("negate").WithDefault("mine").Documentation("masked"),
		String("b").Opt().InGroup("Grouped", 2),
		String("a").Opt().InGroup("Grouped", 1),
		Int("n").Check(AtLeast(5)).Imp(Low),
	)
	spec.Fields[3].Dependents = []string{"a"}
	if err := r.RegisterTransform(fakeTransformPlugin("x.Mine", PluginTransformation, spec)); err != nil {
		t.Fatal(err)
	}
	infos, _, err := r.Validate(map[string]string{"connector.class": fileSink, "name": "s", "topics": "t",
		"transforms": "m", "transforms.m.type": "Mine", "transforms.m.n": "3", "transforms.m.negate": "true", "transforms.m.predicate": "p"}, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range infos.Configs {
		if d := c.Definition; d != nil && strings.HasPrefix(d.Name, "transforms.m.") {
			got = append(got, d.Name+"|"+deref(d.Group)+"|"+itoa(d.Order))
		}
	}
	want := []string{
		"transforms.m.type|Transforms: m|0",
		"transforms.m.n|Transforms: m|1",
		"transforms.m.negate|Transforms: m|2",
		"transforms.m.predicate|Transforms: m|3",
		"transforms.m.a|Transforms: m: Grouped|4",
		"transforms.m.b|Transforms: m: Grouped|5",
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys\n%q\nwant\n%q", got, want)
	}
	n := configInfo(t, infos, "transforms.m.n")
	if !slices.Equal(n.Definition.Dependents, []string{"transforms.m.a"}) {
		t.Errorf("dependents %q, want the prefixed name", n.Definition.Dependents)
	}
	if want := []string{"Invalid value 3 for configuration n: Value must be at least 5"}; !slices.Equal(n.Value.Errors, want) {
		t.Errorf("n errors %q, want %q", n.Value.Errors, want)
	}
	if neg := configInfo(t, infos, "transforms.m.negate"); neg.Definition.Type != "BOOLEAN" || *neg.Value.Value != "true" {
		t.Errorf("negate is not the implicit key: %+v %+v", neg.Definition, neg.Value)
	}
	if g := infos.Groups[len(infos.Groups)-2:]; !slices.Equal(g, []string{"Transforms: m", "Transforms: m: Grouped"}) {
		t.Errorf("groups %q", infos.Groups)
	}
}

// Validation does not configure the plugins: Kafka 3.9 only calls configure() when a task builds its chain.
func TestValidateTransformsDoesNotConfigure(t *testing.T) {
	r := newTestRegistry(t)
	called := 0
	p := fakeTransformPlugin("x.Counted", PluginTransformation, nil)
	p.NewTransformation = func(map[string]string) (Transformation, error) {
		called++
		return nil, &ConfigError{Message: "configure failed"}
	}
	p.Spec = &Spec{Check: func(map[string]string) map[string][]string {
		called++
		return map[string][]string{"transforms.c.type": {"checked"}}
	}}
	if err := r.RegisterTransform(p); err != nil {
		t.Fatal(err)
	}
	infos, _, err := r.Validate(with(okSink, "transforms", "c", "transforms.c.type", "Counted"), ValidateOptions{})
	if err != nil || infos.ErrorCount != 0 || called != 0 {
		t.Errorf("errors %v, %v; plugin code called %d times", errorsByKey(infos), err, called)
	}
}

// A transformation's class named as a connector fails resolution as an unknown connector, as Kafka's
// validate endpoint does (the path's plugin only has to match connector.class).
func TestValidateTransformAsConnector(t *testing.T) {
	r := newTransformTestRegistry(t)
	_, _, err := r.Validate(map[string]string{"connector.class": "RegexRouter", "name": "x"}, ValidateOptions{})
	var unknown *UnknownPluginError
	if !errors.As(err, &unknown) || unknown.Kind != KindConnector ||
		!strings.HasPrefix(err.Error(), "Failed to find any class that implements Connector and which name matches RegexRouter, available connectors are: PluginDesc{klass=class "+fileSink) {
		t.Errorf("err = %v", err)
	}
}

func TestTransformChain(t *testing.T) {
	r := newTransformTestRegistry(t)
	config := with(okSink, "transforms", "route,drop", "transforms.route.type", "RegexRouter",
		"transforms.route.regex", "a", "transforms.route.replacement", "b",
		"transforms.drop.type", "org.apache.kafka.connect.transforms.Filter", "transforms.drop.predicate", "tomb",
		"transforms.drop.negate", "TRUE", "predicates", "tomb", "predicates.tomb.type", "RecordIsTombstone")
	stages, err := r.TransformChain(config)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0].Alias != "route" || stages[0].Class != transformsPkg+"RegexRouter" || stages[0].Predicate != nil ||
		stages[1].Alias != "drop" || stages[1].Predicate == nil || !stages[1].Negate {
		t.Fatalf("stages %+v", stages)
	}
	if got := stages[0].Transformation.(fakeTransformation).config; got["regex"] != "a" || got["type"] != "RegexRouter" {
		t.Errorf("route configured with %q", got)
	}
	if got := stages[1].Predicate.(fakePredicate).config; got["type"] != "RecordIsTombstone" {
		t.Errorf("predicate configured with %q", got)
	}

	// Kafka reads negate with Boolean.parseBoolean, untrimmed.
	stages, err = r.TransformChain(with(config, "transforms.drop.negate", " true"))
	if err != nil || stages[1].Negate {
		t.Errorf("negate \" true\": %+v, %v", stages, err)
	}

	// A predicate alias the predicates list does not define passes validation, as in Kafka, and fails here
	// with Kafka's message.
	undefined := with(config, "transforms.drop.predicate", "other", "predicates.other.type", "RecordIsTombstone")
	if infos, _, err := r.Validate(undefined, ValidateOptions{}); err != nil || infos.ErrorCount != 0 {
		t.Errorf("undefined predicate alias: %v, %v", errorsByKey(infos), err)
	}
	_, err = r.TransformChain(undefined)
	var ce *ConfigError
	if !errors.As(err, &ce) || err.Error() != "Unknown configuration 'predicates.other.type'" {
		t.Errorf("undefined predicate alias: %v", err)
	}
}
