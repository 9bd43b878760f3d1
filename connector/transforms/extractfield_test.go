package transforms

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/connectd/connectd/connector"
)

// Helpers shared by the tests of ExtractField, HoistField, ValueToKey, SetSchemaMetadata, RegexRouter,
// TimestampRouter, InsertHeader, DropHeaders, Filter and the predicates; the kt prefix (Kafka test) keeps
// them apart from other test helpers of the package.

var (
	ktInt32         = &connector.Schema{Type: connector.TypeInt32}
	ktOptionalInt32 = &connector.Schema{Type: connector.TypeInt32, Optional: true}
	ktString        = &connector.Schema{Type: connector.TypeString}
)

// ktSinkRecord is Kafka's tests' new SinkRecord("test", 0, keySchema, key, valueSchema, value, 0).
func ktSinkRecord(keySchema *connector.Schema, key any, valueSchema *connector.Schema, value any) *connector.Record {
	partition, offset := int32(0), int64(0)
	return &connector.Record{Topic: "test", Partition: &partition, KeySchema: keySchema, Key: key,
		ValueSchema: valueSchema, Value: value, Offset: &offset}
}

// ktStruct builds a struct schema of the given fields (name, schema pairs).
func ktStruct(fields ...any) *connector.Schema {
	s := &connector.Schema{Type: connector.TypeStruct}
	for i := 0; i+1 < len(fields); i += 2 {
		s.Fields = append(s.Fields, connector.SchemaField{Name: fields[i].(string), Schema: fields[i+1].(*connector.Schema)})
	}
	return s
}

// ktValue builds a struct of schema with the given field values (name, value pairs), failing the test when
// a value does not fit.
func ktValue(t *testing.T, schema *connector.Schema, values ...any) *connector.Struct {
	t.Helper()
	st := connector.NewStruct(schema)
	for i := 0; i+1 < len(values); i += 2 {
		if err := st.Put(values[i].(string), values[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// ktNewTransformation configures the plugin of class, failing the test on an error.
func ktNewTransformation(t *testing.T, class string, config map[string]string) connector.Transformation {
	t.Helper()
	p := ktPlugin(t, class)
	tr, err := p.NewTransformation(config)
	if err != nil {
		t.Fatalf("%s %v: %v", class, config, err)
	}
	return tr
}

// ktConfigError configures the plugin of class and returns the ConfigError message it must fail with.
func ktConfigError(t *testing.T, class string, config map[string]string) string {
	t.Helper()
	p := ktPlugin(t, class)
	var err error
	if p.Type == connector.PluginPredicate {
		_, err = p.NewPredicate(config)
	} else {
		_, err = p.NewTransformation(config)
	}
	var ce *connector.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("%s %v: error %v, want a *connector.ConfigError", class, config, err)
	}
	return ce.Message
}

// ktPlugin looks class up in a registry with every transformation registered.
func ktPlugin(t *testing.T, class string) *connector.TransformPlugin {
	t.Helper()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	typ := connector.PluginTransformation
	if slices.Contains([]string{hasHeaderKeyClass, recordIsTombstoneClass, topicNameMatchesClass}, class) {
		typ = connector.PluginPredicate
	}
	p, err := r.LookupTransform(class, typ)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ktApply applies tr to rec, checking that rec is left as it was.
func ktApply(t *testing.T, tr connector.Transformation, rec *connector.Record) (*connector.Record, error) {
	t.Helper()
	before := ktDeepCopy(rec)
	out, err := tr.Apply(rec)
	if !reflect.DeepEqual(before, rec) {
		t.Errorf("Apply modified its input:\n before %+v\n after  %+v", before, rec)
	}
	return out, err
}

// ktMustApply is ktApply failing the test on an error.
func ktMustApply(t *testing.T, tr connector.Transformation, rec *connector.Record) *connector.Record {
	t.Helper()
	out, err := ktApply(t, tr, rec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ktApplyError applies tr to rec and returns the error message it must fail with, checking its Java class.
func ktApplyError(t *testing.T, tr connector.Transformation, rec *connector.Record, javaClass string) string {
	t.Helper()
	out, err := ktApply(t, tr, rec)
	if err == nil {
		t.Fatalf("Apply = %+v, want an error", out)
	}
	var jc interface{ JavaClass() string }
	if !errors.As(err, &jc) || jc.JavaClass() != javaClass {
		t.Errorf("error %v (%T) is not a %s", err, err, javaClass)
	}
	return err.Error()
}

// ktDeepCopy copies a record with everything it refers to.
func ktDeepCopy(rec *connector.Record) *connector.Record {
	if rec == nil {
		return nil
	}
	out := *rec
	out.Key, out.Value = ktCopyValue(rec.Key), ktCopyValue(rec.Value)
	out.KeySchema, out.ValueSchema = ktCopySchema(rec.KeySchema), ktCopySchema(rec.ValueSchema)
	out.Headers = nil
	for _, h := range rec.Headers {
		out.Headers = append(out.Headers, connector.Header{Key: h.Key, Schema: ktCopySchema(h.Schema), Value: ktCopyValue(h.Value)})
	}
	return &out
}

func ktCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ktCopyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ktCopyValue(e)
		}
		return out
	case *connector.Struct:
		if x == nil {
			return x
		}
		out := &connector.Struct{Schema: ktCopySchema(x.Schema), Values: make([]any, len(x.Values))}
		for i, e := range x.Values {
			out.Values[i] = ktCopyValue(e)
		}
		return out
	}
	return v
}

func ktCopySchema(s *connector.Schema) *connector.Schema {
	if s == nil {
		return nil
	}
	out := *s
	out.Parameters = maps.Clone(s.Parameters)
	out.Fields = nil
	for _, f := range s.Fields {
		out.Fields = append(out.Fields, connector.SchemaField{Name: f.Name, Schema: ktCopySchema(f.Schema)})
	}
	out.KeySchema, out.ValueSchema = ktCopySchema(s.KeySchema), ktCopySchema(s.ValueSchema)
	out.Default = ktCopyValue(s.Default)
	return &out
}

// ktSpecJSON checks the /connector-plugins/<class>/config answer of class against the Java worker's, as
// AbstractHerder.convertConfigKey renders Kafka 3.9's ConfigDef.
func ktSpecJSON(t *testing.T, class, want string) {
	t.Helper()
	got, err := json.Marshal(ktPlugin(t, class).Spec.KeyInfos())
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s config:\n got %s\nwant %s", class, got, want)
	}
}

const dataException = "org.apache.kafka.connect.errors.DataException"

func TestExtractFieldSpec(t *testing.T) {
	const want = `[{"name":"field","type":"STRING","required":true,"default_value":null,"importance":"MEDIUM","documentation":"Field name to extract.","group":null,"width":"NONE","display_name":"field","dependents":[],"order":-1},{"name":"replace.null.with.default","type":"BOOLEAN","required":false,"default_value":"true","importance":"MEDIUM","documentation":"Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.","group":null,"width":"NONE","display_name":"replace.null.with.default","dependents":[],"order":-1},{"name":"field.syntax.version","type":"STRING","required":false,"default_value":"V1","importance":"HIGH","documentation":"Defines the version of the syntax to access fields. If set to ` + "`V1`" + `, then the field paths are limited to access the elements at the root level of the struct or map. If set to ` + "`V2`" + `, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield ` + "`baz`" + ` from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"` + "`foo.bar`" + `.baz\".","group":null,"width":"NONE","display_name":"field.syntax.version","dependents":[],"order":-1}]`
	ktSpecJSON(t, extractFieldClass+"$Key", want)
	ktSpecJSON(t, extractFieldClass+"$Value", want)
}

func TestExtractFieldSchemaless(t *testing.T) {
	key := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic"})
	out := ktMustApply(t, key, ktSinkRecord(nil, map[string]any{"magic": int64(42)}, nil, nil))
	if out.KeySchema != nil || out.Key != int64(42) {
		t.Errorf("key = %v %v, want nil 42", out.KeySchema, out.Key)
	}
	// A null key passes through; a missing field is null.
	if out := ktMustApply(t, key, ktSinkRecord(nil, nil, nil, nil)); out.Key != nil || out.KeySchema != nil {
		t.Errorf("null key gave %v %v", out.KeySchema, out.Key)
	}
	missing := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "nonexistent"})
	if out := ktMustApply(t, missing, ktSinkRecord(nil, map[string]any{"magic": int64(42)}, nil, nil)); out.Key != nil {
		t.Errorf("missing field gave %v", out.Key)
	}
	msg := ktApplyError(t, key, ktSinkRecord(nil, int64(5), nil, nil), dataException)
	if want := "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Long"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
}

func TestExtractFieldSchemalessNestedPath(t *testing.T) {
	key := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic.foo", "field.syntax.version": "V2"})
	rec := ktSinkRecord(nil, map[string]any{"magic": map[string]any{"foo": int64(42)}}, nil, nil)
	if out := ktMustApply(t, key, rec); out.KeySchema != nil || out.Key != int64(42) {
		t.Errorf("key = %v %v, want nil 42", out.KeySchema, out.Key)
	}
	missing := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic.nonexistent", "field.syntax.version": "v2"})
	if out := ktMustApply(t, missing, rec); out.Key != nil {
		t.Errorf("missing nested field gave %v", out.Key)
	}
	msg := ktApplyError(t, key, ktSinkRecord(nil, map[string]any{"magic": int64(1)}, nil, nil), dataException)
	if want := "Only Map objects supported in absence of schema for [nested field access], found: java.lang.Long"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	// V1 takes the dotted name as one field.
	v1 := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic.foo"})
	if out := ktMustApply(t, v1, ktSinkRecord(nil, map[string]any{"magic.foo": "x"}, nil, nil)); out.Key != "x" {
		t.Errorf("V1 dotted name gave %v", out.Key)
	}
}

func TestExtractFieldWithSchema(t *testing.T) {
	key := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic"})
	schema := ktStruct("magic", ktInt32)
	out := ktMustApply(t, key, ktSinkRecord(schema, ktValue(t, schema, "magic", int32(42)), nil, nil))
	if !connector.SchemaEqual(out.KeySchema, ktInt32) || out.Key != int32(42) {
		t.Errorf("key = %+v %v, want INT32 42", out.KeySchema, out.Key)
	}
	// A null struct gives the field's schema and null.
	optional := ktStruct("magic", ktInt32)
	optional.Optional = true
	out = ktMustApply(t, key, ktSinkRecord(optional, nil, nil, nil))
	if !connector.SchemaEqual(out.KeySchema, ktInt32) || out.Key != nil {
		t.Errorf("null struct gave %+v %v", out.KeySchema, out.Key)
	}
	missing := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "nonexistent"})
	msg := ktApplyError(t, missing, ktSinkRecord(schema, ktValue(t, schema, "magic", int32(42)), nil, nil),
		"java.lang.IllegalArgumentException")
	if msg != "Unknown field: nonexistent" {
		t.Errorf("error %q", msg)
	}
	msg = ktApplyError(t, key, ktSinkRecord(ktInt32, int32(5), nil, nil), dataException)
	if want := "Only Struct objects supported for [field extraction], found: java.lang.Integer"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	msg = ktApplyError(t, key, ktSinkRecord(ktOptionalInt32, nil, nil, nil), dataException)
	if want := "Cannot look up fields on non-struct type"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
}

func TestExtractFieldWithSchemaNestedPath(t *testing.T) {
	key := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic.foo", "field.syntax.version": "V2"})
	foo := ktStruct("foo", ktInt32)
	schema := ktStruct("magic", foo)
	rec := ktSinkRecord(schema, ktValue(t, schema, "magic", ktValue(t, foo, "foo", int32(42))), nil, nil)
	out := ktMustApply(t, key, rec)
	if !connector.SchemaEqual(out.KeySchema, ktInt32) || out.Key != int32(42) {
		t.Errorf("key = %+v %v, want INT32 42", out.KeySchema, out.Key)
	}
	missing := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "magic.nonexistent", "field.syntax.version": "V2"})
	msg := ktApplyError(t, missing, rec, "java.lang.IllegalArgumentException")
	if msg != "Unknown field: magic.nonexistent" {
		t.Errorf("error %q", msg)
	}
	// An empty V2 path has no steps, where Java's subList(0, -1) throws.
	empty := ktNewTransformation(t, extractFieldClass+"$Key", map[string]string{"field": "", "field.syntax.version": "V2"})
	if msg := ktApplyError(t, empty, rec, "java.lang.IllegalArgumentException"); msg != "fromIndex(0) > toIndex(-1)" {
		t.Errorf("error %q", msg)
	}
}

// TestExtractFieldReplaceNullWithDefault is Kafka's testUnsetOptionalKey and testUnsetOptionalField.
func TestExtractFieldReplaceNullWithDefault(t *testing.T) {
	withDefault := &connector.Schema{Type: connector.TypeInt32, Optional: true, Default: int32(42)}
	schema := ktStruct("optional_with_default", withDefault)
	for _, tc := range []struct {
		replace string
		want    any
	}{{"false", nil}, {"true", int32(42)}} {
		for _, s := range []side{keySide, valueSide} {
			class := extractFieldClass + "$Key"
			rec := ktSinkRecord(schema, ktValue(t, schema, "optional_with_default", nil), nil, nil)
			if s == valueSide {
				class = extractFieldClass + "$Value"
				rec = ktSinkRecord(nil, nil, schema, ktValue(t, schema, "optional_with_default", nil))
			}
			tr := ktNewTransformation(t, class, map[string]string{"field": "optional_with_default", "replace.null.with.default": tc.replace})
			out := ktMustApply(t, tr, rec)
			if got := s.value(out); got != tc.want {
				t.Errorf("%s replace=%s: got %v, want %v", class, tc.replace, got, tc.want)
			}
			if got := s.schema(out); got != withDefault {
				t.Errorf("%s: schema %+v", class, got)
			}
		}
	}
}

func TestExtractFieldConfig(t *testing.T) {
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{}, `Missing required configuration "field" which has no default value.`},
		{map[string]string{"field": "a", "field.syntax.version": "v3"},
			"Invalid value v3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2"},
		{map[string]string{"field": "`a", "field.syntax.version": "V2"},
			"Incomplete backtick pair in path: [`a], consider adding a backslash before backtick at position 0 to escape it"},
		{map[string]string{"field": "a", "replace.null.with.default": "maybe"},
			"Invalid value maybe for configuration replace.null.with.default: Expected value to be either true or false"},
	} {
		if got := ktConfigError(t, extractFieldClass+"$Value", tc.config); got != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.config, got, tc.want)
		}
	}
}

// TestFieldPathV2 is Kafka's FieldPathNotationTest.
func TestFieldPathV2(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"..", []string{"", "", ""}},
		{"foo..", []string{"foo", "", ""}},
		{".bar.", []string{"", "bar", ""}},
		{"..baz", []string{"", "", "baz"}},
		{"", nil},
		{"foobarbaz", []string{"foobarbaz"}},
		{"foo.bar.baz", []string{"foo", "bar", "baz"}},
		{"foo`bar`baz", []string{"foo`bar`baz"}},
		{"`foo.bar.baz`", []string{"foo.bar.baz"}},
		{"foo.`bar.baz`", []string{"foo", "bar.baz"}},
		{"`foo.bar`.baz", []string{"foo.bar", "baz"}},
		{"foo.`bar`.baz", []string{"foo", "bar", "baz"}},
		{"foo.``bar.baz`", []string{"foo", "`bar.baz"}},
		{"foo.`bar.baz``", []string{"foo", "bar.baz`"}},
		{"foo.`ba`r.baz`", []string{"foo", "ba`r.baz"}},
		{"foo.ba`r.baz", []string{"foo", "ba`r", "baz"}},
		{"foo.``bar``.baz", []string{"foo", "`bar`", "baz"}},
		{"``foo.bar.baz``", []string{"`foo.bar.baz`"}},
		{"foo.`bar\\`.baz`", []string{"foo", "bar`.baz"}},
		{"foo.`bar.`baz`", []string{"foo", "bar.`baz"}},
		{"foo.`bar\\`.`baz`", []string{"foo", "bar`.`baz"}},
		{"foo.`bar\\\\`.\\`baz`", []string{"foo", "bar\\`.\\`baz"}},
	} {
		p, err := newSingleFieldPath(tc.path, true)
		if err != nil || !slices.Equal(p.steps, tc.want) {
			t.Errorf("%q: %q %v, want %q", tc.path, p.steps, err, tc.want)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{"`foo.bar.baz", "Incomplete backtick pair in path: [`foo.bar.baz], consider adding a backslash before backtick at position 0 to escape it"},
		{"foo.`bar.baz", "Incomplete backtick pair in path: [foo.`bar.baz], consider adding a backslash before backtick at position 4 to escape it"},
		{"foo.bar.`baz", "Incomplete backtick pair in path: [foo.bar.`baz], consider adding a backslash before backtick at position 8 to escape it"},
		{"foo.bar.`baz\\`", "Incomplete backtick pair in path: [foo.bar.`baz\\`], consider adding a backslash before backtick at position 8 to escape it"},
		// Positions count UTF-16 chars.
		{"é😀.`x", "Incomplete backtick pair in path: [é😀.`x], consider adding a backslash before backtick at position 4 to escape it"},
	} {
		_, err := newSingleFieldPath(tc.path, true)
		var ce *connector.ConfigError
		if !errors.As(err, &ce) || ce.Message != tc.want {
			t.Errorf("%q: error %v, want %q", tc.path, err, tc.want)
		}
	}
	for _, path := range []string{"foo.bar.baz", "foo`bar`", "foo.`bar.baz`"} {
		if p, _ := newSingleFieldPath(path, false); !slices.Equal(p.steps, []string{path}) {
			t.Errorf("V1 %q: %q", path, p.steps)
		}
	}
}

// TestSingleFieldPathValues is Kafka's SingleFieldPathTest.
func TestSingleFieldPathValues(t *testing.T) {
	path := func(s string) singleFieldPath {
		p, err := newSingleFieldPath(s, true)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	bar := ktStruct("bar", ktInt32)
	schema := ktStruct("foo", bar)
	if f, err := path("foo.bar").fieldFrom(schema); err != nil || f == nil || f.Schema != ktInt32 {
		t.Errorf("foo.bar: %+v %v", f, err)
	}
	for _, p := range []string{"un.known", "foo.unknown", "unknown"} {
		if f, err := path(p).fieldFrom(schema); f != nil || err != nil {
			t.Errorf("%s: %+v %v", p, f, err)
		}
	}
	m := map[string]any{"foo": map[string]any{"bar": int64(42), "baz": nil}}
	for p, want := range map[string]any{"foo.bar": int64(42), "foo.baz": nil, "un.known": nil, "foo.unknown": nil,
		"unknown": nil, "foo.baz.inner": nil} {
		if got, err := path(p).valueFromMap(m); got != want || err != nil {
			t.Errorf("map %s: %v %v, want %v", p, got, err, want)
		}
	}
	baz := ktStruct("inner", ktString)
	baz.Optional = true
	barSchema := ktStruct("bar", ktInt32, "baz", baz)
	structSchema := ktStruct("foo", barSchema)
	st := ktValue(t, structSchema, "foo", ktValue(t, barSchema, "bar", int32(42), "baz", nil))
	for p, want := range map[string]any{"foo.bar": int32(42), "foo.baz": nil, "un.known": nil, "foo.unknown": nil,
		"unknown": nil, "foo.baz.inner": nil} {
		if got, err := path(p).valueFromStruct(st, true); got != want || err != nil {
			t.Errorf("struct %s: %v %v, want %v", p, got, err, want)
		}
	}
}
