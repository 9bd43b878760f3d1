package transforms

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// The helpers at the top are shared by the InsertField, ReplaceField, HeaderFrom and MaskField tests.

// buildTransform looks class up in a registry holding this package's plugins and configures it.
func buildTransform(t *testing.T, class string, config map[string]string) connector.Transformation {
	t.Helper()
	tr, err := configureTransform(t, class, config)
	if err != nil {
		t.Fatalf("configure %s with %v: %v", class, config, err)
	}
	return tr
}

// configureTransform is buildTransform that returns the configuration error.
func configureTransform(t *testing.T, class string, config map[string]string) (connector.Transformation, error) {
	t.Helper()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	p, err := r.LookupTransform(class, connector.PluginTransformation)
	if err != nil {
		t.Fatal(err)
	}
	return p.NewTransformation(config)
}

// wantConfigError asserts that configuring class fails with Kafka's ConfigException message.
func wantConfigError(t *testing.T, class string, config map[string]string, msg string) {
	t.Helper()
	_, err := configureTransform(t, class, config)
	var ce *connector.ConfigError
	if !errors.As(err, &ce) || ce.Message != msg {
		t.Errorf("configure %s with %v: error %v, want ConfigError %q", class, config, err, msg)
	}
}

// wantDataError asserts that err is a *connector.DataError with Kafka's message.
func wantDataError(t *testing.T, err error, msg string) {
	t.Helper()
	var de *connector.DataError
	if !errors.As(err, &de) || err.Error() != msg {
		t.Errorf("error %v, want DataError %q", err, msg)
	}
}

// newStruct builds a struct of schema from name, value pairs.
func newStruct(t *testing.T, schema *connector.Schema, kv ...any) *connector.Struct {
	t.Helper()
	s := connector.NewStruct(schema)
	for i := 0; i+1 < len(kv); i += 2 {
		if err := s.Put(kv[i].(string), kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// structSchema builds a struct schema from name, schema pairs.
func structSchema(kv ...any) *connector.Schema {
	s := &connector.Schema{Type: connector.TypeStruct}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Fields = append(s.Fields, connector.SchemaField{Name: kv[i].(string), Schema: kv[i+1].(*connector.Schema)})
	}
	return s
}

// get reads a struct field, failing the test on an unknown name.
func get(t *testing.T, s *connector.Struct, name string) any {
	t.Helper()
	v, err := s.GetWithoutDefault(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// specLines renders a plugin's key definitions one a line as name|type|required|default|importance|doc|
// group|order|width|display name|dependents, the form the Java ConfigDef dump in the tests was taken in.
func specLines(spec *connector.Spec) string {
	var b strings.Builder
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return *p
	}
	for _, k := range spec.KeyInfos() {
		fmt.Fprintf(&b, "%s|%s|%t|%s|%s|%s|%s|%d|%s|%s|[%s]\n", k.Name, k.Type, k.Required, str(k.DefaultValue),
			k.Importance, k.Documentation, str(k.Group), k.Order, k.Width, k.DisplayName, strings.Join(k.Dependents, ", "))
	}
	return b.String()
}

// checkSpec compares both variants' key definitions with Java's.
func checkSpec(t *testing.T, base, want string) {
	t.Helper()
	for _, v := range []string{"$Key", "$Value"} {
		r := connector.NewRegistry()
		if err := Register(r); err != nil {
			t.Fatal(err)
		}
		p, err := r.LookupTransform(transformsPackage+base+v, connector.PluginTransformation)
		if err != nil {
			t.Fatal(err)
		}
		if got := specLines(p.Spec); got != want {
			t.Errorf("%s%s config:\n%s\nwant (Kafka 3.9's ConfigDef):\n%s", base, v, got, want)
		}
		if p.Version != Version {
			t.Errorf("%s%s version %q", base, v, p.Version)
		}
	}
}

var (
	optionalInt64  = &connector.Schema{Type: connector.TypeInt64, Optional: true}
	optionalInt32  = &connector.Schema{Type: connector.TypeInt32, Optional: true}
	optionalString = &connector.Schema{Type: connector.TypeString, Optional: true}
	requiredString = &connector.Schema{Type: connector.TypeString}
	requiredInt32  = &connector.Schema{Type: connector.TypeInt32}
	requiredInt64  = &connector.Schema{Type: connector.TypeInt64}
	requiredBool   = &connector.Schema{Type: connector.TypeBoolean}
)

func ptr[T any](v T) *T { return &v }

const (
	insertFieldKey   = "org.apache.kafka.connect.transforms.InsertField$Key"
	insertFieldValue = "org.apache.kafka.connect.transforms.InsertField$Value"
)

func TestInsertFieldSpec(t *testing.T) {
	checkSpec(t, "InsertField", `topic.field|STRING|false|null|MEDIUM|Field name for Kafka topic. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).|null|-1|NONE|topic.field|[]
partition.field|STRING|false|null|MEDIUM|Field name for Kafka partition. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).|null|-1|NONE|partition.field|[]
offset.field|STRING|false|null|MEDIUM|Field name for Kafka offset - only applicable to sink connectors.<br/>Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).|null|-1|NONE|offset.field|[]
timestamp.field|STRING|false|null|MEDIUM|Field name for record timestamp. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).|null|-1|NONE|timestamp.field|[]
static.field|STRING|false|null|MEDIUM|Field name for static data field. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).|null|-1|NONE|static.field|[]
static.value|STRING|false|null|MEDIUM|Static field value, if field name configured.|null|-1|NONE|static.value|[]
replace.null.with.default|BOOLEAN|false|true|MEDIUM|Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.|null|-1|NONE|replace.null.with.default|[]
`)
}

// insertAll is the config of Kafka's tests: every insertion but the offset, with each suffix.
func insertAll() map[string]string {
	return map[string]string{
		"topic.field":     "topic_field!",
		"partition.field": "partition_field",
		"timestamp.field": "timestamp_field?",
		"static.field":    "instance_id",
		"static.value":    "my-instance-id",
	}
}

func TestInsertFieldTopLevelStructRequired(t *testing.T) {
	tr := buildTransform(t, insertFieldValue, map[string]string{"topic.field": "topic_field"})
	_, err := tr.Apply(&connector.Record{Topic: "", Partition: ptr(int32(0)), ValueSchema: requiredInt32, Value: int32(42)})
	wantDataError(t, err, "Only Struct objects supported for [field insertion], found: java.lang.Integer")
}

func TestInsertFieldCopySchemaAndInsertConfiguredFields(t *testing.T) {
	tr := buildTransform(t, insertFieldValue, insertAll())
	schema := &connector.Schema{Type: connector.TypeStruct, Name: "name", Version: 1, Doc: "doc",
		Fields: []connector.SchemaField{{Name: "magic", Schema: optionalInt64}}}
	value := newStruct(t, schema, "magic", int64(42))
	rec := &connector.Record{Topic: "test", Partition: ptr(int32(0)), ValueSchema: schema, Value: value,
		Timestamp: time.UnixMilli(789)}
	out, err := tr.Apply(rec)
	if err != nil {
		t.Fatal(err)
	}
	got := out.ValueSchema
	if got.Name != "name" || got.Version != 1 || got.Doc != "doc" || got.Optional {
		t.Errorf("schema basics %+v", got)
	}
	wantFields := []connector.SchemaField{
		{Name: "magic", Schema: optionalInt64},
		{Name: "topic_field", Schema: requiredString},
		{Name: "partition_field", Schema: optionalInt32},
		{Name: "timestamp_field", Schema: &connector.Schema{Type: connector.TypeInt64, Optional: true,
			Name: connector.LogicalTimestamp, Version: 1}},
		{Name: "instance_id", Schema: optionalString},
	}
	if !connector.SchemaEqual(got, &connector.Schema{Type: connector.TypeStruct, Name: "name", Version: 1, Doc: "doc",
		Fields: wantFields}) {
		t.Errorf("schema fields %+v", got.Fields)
	}
	st := out.Value.(*connector.Struct)
	for name, want := range map[string]any{"magic": int64(42), "topic_field": "test", "partition_field": int32(0),
		"timestamp_field": time.UnixMilli(789).UTC(), "instance_id": "my-instance-id"} {
		if v := get(t, st, name); !reflect.DeepEqual(v, want) {
			t.Errorf("%s = %#v, want %#v", name, v, want)
		}
	}
	if err := st.Validate(); err != nil {
		t.Error(err)
	}
	// The input is left alone.
	if len(schema.Fields) != 1 || len(value.Values) != 1 || rec.Value != value {
		t.Errorf("input changed: %+v %+v", schema, value)
	}

	// The same input schema gives the same output schema.
	out2, err := tr.Apply(&connector.Record{Topic: "test", Partition: ptr(int32(1)), ValueSchema: schema,
		Value: connector.NewStruct(schema)})
	if err != nil {
		t.Fatal(err)
	}
	if out2.ValueSchema != out.ValueSchema {
		t.Error("schema not reused for the same input schema")
	}
}

func TestInsertFieldSchemaless(t *testing.T) {
	tr := buildTransform(t, insertFieldValue, insertAll())
	in := map[string]any{"magic": int64(42)}
	out, err := tr.Apply(&connector.Record{Topic: "test", Partition: ptr(int32(0)), Value: in,
		Timestamp: time.UnixMilli(123)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"magic": int64(42), "topic_field": "test", "partition_field": int32(0),
		"timestamp_field": int64(123), "instance_id": "my-instance-id"}
	if !reflect.DeepEqual(out.Value, want) || out.ValueSchema != nil {
		t.Errorf("value %#v, want %#v", out.Value, want)
	}
	if len(in) != 1 {
		t.Errorf("input map changed: %v", in)
	}
}

func TestInsertFieldTombstones(t *testing.T) {
	schema := structSchema("magic", optionalInt64)
	for _, rec := range []*connector.Record{
		{Topic: "test", Partition: ptr(int32(0))},
		{Topic: "test", Partition: ptr(int32(0)), ValueSchema: schema},
	} {
		out, err := buildTransform(t, insertFieldValue, insertAll()).Apply(rec)
		if err != nil || out != rec {
			t.Errorf("tombstone %+v: got %+v, %v; want it unchanged", rec, out, err)
		}
	}
}

func TestInsertFieldKeyIntoTombstoneEvent(t *testing.T) {
	tr := buildTransform(t, insertFieldKey, insertAll())
	out, err := tr.Apply(&connector.Record{Topic: "test", Partition: ptr(int32(0)), Key: map[string]any{"magic": int64(42)}})
	if err != nil {
		t.Fatal(err)
	}
	// No timestamp, so no timestamp field.
	want := map[string]any{"magic": int64(42), "topic_field": "test", "partition_field": int32(0),
		"instance_id": "my-instance-id"}
	if !reflect.DeepEqual(out.Key, want) || out.Value != nil {
		t.Errorf("key %#v value %#v, want %#v", out.Key, out.Value, want)
	}
}

func TestInsertFieldNullKeyLeavesRecordUnchanged(t *testing.T) {
	rec := &connector.Record{Topic: "test", Partition: ptr(int32(0)), Value: map[string]any{"magic": int64(42)}}
	out, err := buildTransform(t, insertFieldKey, insertAll()).Apply(rec)
	if err != nil || out != rec {
		t.Errorf("got %+v, %v; want the record itself", out, err)
	}
}

func TestInsertFieldKeyWithSchema(t *testing.T) {
	tr := buildTransform(t, insertFieldKey, map[string]string{"topic.field": "t", "partition.field": "p!"})
	schema := structSchema("id", requiredInt32)
	rec := &connector.Record{Topic: "orders", Partition: ptr(int32(3)), KeySchema: schema,
		Key: newStruct(t, schema, "id", int32(7)), Value: "v"}
	out, err := tr.Apply(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := structSchema("id", requiredInt32, "t", optionalString, "p", requiredInt32)
	if !connector.SchemaEqual(out.KeySchema, want) || out.Value != "v" {
		t.Errorf("key schema %+v", out.KeySchema)
	}
	st := out.Key.(*connector.Struct)
	if get(t, st, "t") != "orders" || get(t, st, "p") != int32(3) || get(t, st, "id") != int32(7) {
		t.Errorf("key %+v", st.Values)
	}
}

func TestInsertFieldUnsetOptionalField(t *testing.T) {
	for _, tc := range []struct {
		replace string
		want    any
	}{{"false", nil}, {"true", int64(42)}} {
		config := insertAll()
		config["replace.null.with.default"] = tc.replace
		tr := buildTransform(t, insertFieldValue, config)
		magic := &connector.Schema{Type: connector.TypeInt64, Optional: true, Default: int64(42)}
		schema := &connector.Schema{Type: connector.TypeStruct, Name: "name", Version: 1, Doc: "doc",
			Fields: []connector.SchemaField{{Name: "magic_with_default", Schema: magic}}}
		out, err := tr.Apply(&connector.Record{Topic: "test", Partition: ptr(int32(0)), ValueSchema: schema,
			Value: newStruct(t, schema, "magic_with_default", nil), Timestamp: time.UnixMilli(789)})
		if err != nil {
			t.Fatal(err)
		}
		if _, f := out.ValueSchema.Field("magic_with_default"); f == nil || f.Schema != magic {
			t.Errorf("field schema %+v", f)
		}
		if v := get(t, out.Value.(*connector.Struct), "magic_with_default"); v != tc.want {
			t.Errorf("replace.null.with.default=%s: %#v, want %#v", tc.replace, v, tc.want)
		}
	}
}

func TestInsertFieldOffset(t *testing.T) {
	tr := buildTransform(t, insertFieldValue, map[string]string{"offset.field": "off"})
	schema := structSchema("a", requiredString)
	for _, rec := range []*connector.Record{
		{Topic: "t", Value: map[string]any{}},
		{Topic: "t", ValueSchema: schema, Value: newStruct(t, schema, "a", "x")},
	} {
		_, err := tr.Apply(rec)
		wantDataError(t, err, "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord")

		sink := *rec
		sink.Offset = ptr(int64(99))
		out, err := tr.Apply(&sink)
		if err != nil {
			t.Fatal(err)
		}
		switch v := out.Value.(type) {
		case map[string]any:
			if v["off"] != int64(99) {
				t.Errorf("schemaless offset %#v", v)
			}
		case *connector.Struct:
			if get(t, v, "off") != int64(99) {
				t.Errorf("offset %#v", v.Values)
			}
			if _, f := out.ValueSchema.Field("off"); f == nil || !connector.SchemaEqual(f.Schema, optionalInt64) {
				t.Errorf("offset schema %+v", f)
			}
		}
	}
}

func TestInsertFieldSchemaBuilderErrors(t *testing.T) {
	schema := structSchema("topic", requiredString)
	for _, tc := range []struct {
		config map[string]string
		msg    string
	}{
		{map[string]string{"topic.field": "topic"}, "Cannot create field because of field name duplication topic"},
		{map[string]string{"topic.field": "!"}, "fieldName cannot be null."},
	} {
		_, err := buildTransform(t, insertFieldValue, tc.config).Apply(&connector.Record{Topic: "t", ValueSchema: schema,
			Value: newStruct(t, schema, "topic", "x")})
		wantDataError(t, err, tc.msg)
		var sbe interface{ JavaClass() string }
		if !errors.As(err, &sbe) || sbe.JavaClass() != "org.apache.kafka.connect.errors.SchemaBuilderException" {
			t.Errorf("%v: not a SchemaBuilderException", err)
		}
	}
	// Without a schema the empty name is just a key.
	out, err := buildTransform(t, insertFieldValue, map[string]string{"topic.field": "!"}).Apply(
		&connector.Record{Topic: "t", Value: map[string]any{}})
	if err != nil || !reflect.DeepEqual(out.Value, map[string]any{"": "t"}) {
		t.Errorf("schemaless empty name: %#v, %v", out, err)
	}
}

func TestInsertFieldSchemalessNotAMap(t *testing.T) {
	_, err := buildTransform(t, insertFieldValue, insertAll()).Apply(&connector.Record{Topic: "t", Value: "text"})
	wantDataError(t, err, "Only Map objects supported in absence of schema for [field insertion], found: java.lang.String")
}

func TestInsertFieldConfigErrors(t *testing.T) {
	wantConfigError(t, insertFieldValue, map[string]string{}, "No field insertion configured")
	wantConfigError(t, insertFieldKey, map[string]string{"replace.null.with.default": "false"}, "No field insertion configured")
	wantConfigError(t, insertFieldValue, map[string]string{"topic.field": "t", "replace.null.with.default": "maybe"},
		"Invalid value maybe for configuration replace.null.with.default: Expected value to be either true or false")

	// Java prints an identity hash of its InsertionSpec at the end; only the rest is stable.
	_, err := configureTransform(t, insertFieldValue, map[string]string{"static.field": "s"})
	var ce *connector.ConfigError
	prefix := "Invalid value null for configuration static.value: No value specified for static field: " +
		"org.apache.kafka.connect.transforms.InsertField$InsertionSpec@"
	if !errors.As(err, &ce) || !strings.HasPrefix(ce.Message, prefix) {
		t.Errorf("static.field without static.value: %v", err)
	}
	// An empty static value is a value.
	if _, err := configureTransform(t, insertFieldValue, map[string]string{"static.field": "s", "static.value": ""}); err != nil {
		t.Error(err)
	}
}

func TestJavaHashing(t *testing.T) {
	for s, want := range map[string]int32{"": 0, "hello": 99162322, "int": 104431, "date": 3076014, "\U0001F600": 1772899} {
		if got := connector.JavaStringHash(s); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
	// HashMap grows past three quarters full; HashSet(Collection) sizes for n/.75+1.
	for n, want := range map[int]int{0: 16, 12: 16, 13: 32, 24: 32, 25: 64} {
		if got := connector.JavaHashMapCapacity(n); got != want {
			t.Errorf("connector.JavaHashMapCapacity(%d) = %d, want %d", n, got, want)
		}
	}
	for n, want := range map[int]int{0: 16, 11: 16, 12: 32, 23: 32, 24: 64} {
		if got := connector.JavaHashSetCapacity(n); got != want {
			t.Errorf("connector.JavaHashSetCapacity(%d) = %d, want %d", n, got, want)
		}
	}
	// "date" falls in bucket 0 and "int" in bucket 14 of a 16-slot table, whatever the order given.
	if got := connector.JavaHashOrder([]string{"int", "date"}, 16); !reflect.DeepEqual(got, []string{"date", "int"}) {
		t.Errorf("order %v", got)
	}
}

// Go structs can be built in ways Java's cannot; the transformations refuse them instead of panicking.
func TestMalformedStructs(t *testing.T) {
	schema := structSchema("a", requiredInt32)
	for _, bad := range []*connector.Struct{
		{Schema: schema, Values: nil},
		{Schema: nil, Values: []any{int32(1)}},
		{Schema: &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "a"}}}, Values: []any{int32(1)}},
	} {
		for class, config := range map[string]map[string]string{
			insertFieldValue:  {"topic.field": "t"},
			replaceFieldValue: {"exclude": "x"},
			headerFromValue:   {"fields": "a", "headers": "h", "operation": "move"},
			maskFieldValue:    {"fields": "a"},
		} {
			_, err := buildTransform(t, class, config).Apply(&connector.Record{Topic: "t", ValueSchema: schema, Value: bad})
			wantDataError(t, err, "Struct schemas do not match.")
		}
	}
}

// Odd but possible inputs give a result or an error, never a panic, and are left as they were.
func TestOddInputs(t *testing.T) {
	schema := structSchema("a", requiredInt32, "b", optionalString)
	other := structSchema("x", requiredInt32)
	values := []struct {
		schema *connector.Schema
		value  any
	}{
		{nil, nil}, {nil, map[string]any(nil)}, {nil, map[any]any{1: "one", "a": int32(2)}},
		{nil, connector.RawJSON(`{"a":1}`)}, {nil, []any{1}}, {schema, (*connector.Struct)(nil)},
		{requiredInt32, newStruct(t, schema, "a", int32(1))}, {schema, map[string]any{"a": int32(1)}},
		{schema, newStruct(t, other, "x", int32(1))}, {other, newStruct(t, schema, "a", int32(1))},
		{schema, newStruct(t, schema, "a", int32(1), "b", "x")},
	}
	configs := map[string][]map[string]string{
		insertFieldValue:  {insertAll(), {"offset.field": "a", "topic.field": "b?"}},
		replaceFieldValue: {{"renames": "a:x,b:x"}, {"include": "a,x", "renames": "x:a"}, {"exclude": "a"}},
		headerFromValue: {{"fields": "a,b", "headers": "h,h", "operation": "move"},
			{"fields": "x", "headers": "h", "operation": "copy"}},
		maskFieldValue: {{"fields": "a,b,x"}, {"fields": "a,b,x", "replacement": "7"}},
	}
	for class, cs := range configs {
		for _, config := range cs {
			tr := buildTransform(t, class, config)
			for _, v := range values {
				rec := &connector.Record{Topic: "t", ValueSchema: v.schema, Value: v.value,
					Headers: []connector.Header{{Key: "k", Value: "v"}}}
				before := fmt.Sprintf("%#v", *rec)
				out, err := tr.Apply(rec)
				if err == nil && out == nil {
					t.Errorf("%s %v on %#v: no record and no error", class, config, v.value)
				}
				if after := fmt.Sprintf("%#v", *rec); after != before {
					t.Errorf("%s %v: input record changed", class, config)
				}
			}
		}
	}
}
