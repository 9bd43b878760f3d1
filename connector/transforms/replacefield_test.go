package transforms

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

const (
	replaceFieldKey   = "org.apache.kafka.connect.transforms.ReplaceField$Key"
	replaceFieldValue = "org.apache.kafka.connect.transforms.ReplaceField$Value"
)

func TestReplaceFieldSpec(t *testing.T) {
	checkSpec(t, "ReplaceField", `exclude|LIST|false||MEDIUM|Fields to exclude. This takes precedence over the fields to include.|null|-1|NONE|exclude|[]
blacklist|LIST|false|null|LOW|Deprecated. Use exclude instead.|null|-1|NONE|blacklist|[]
include|LIST|false||MEDIUM|Fields to include. If specified, only these fields will be used.|null|-1|NONE|include|[]
whitelist|LIST|false|null|LOW|Deprecated. Use include instead.|null|-1|NONE|whitelist|[]
renames|LIST|false||MEDIUM|Field rename mappings.|null|-1|NONE|renames|[]
replace.null.with.default|BOOLEAN|false|true|MEDIUM|Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.|null|-1|NONE|replace.null.with.default|[]
`)
}

// replaceFieldSchema is the struct schema of Kafka's tests.
func replaceFieldSchema() *connector.Schema {
	return structSchema("dont", requiredString, "abc", requiredInt32, "foo", requiredBool, "etc", requiredString)
}

func TestReplaceFieldTombstones(t *testing.T) {
	config := map[string]string{"include": "abc,foo", "renames": "abc:xyz,foo:bar"}
	for _, rec := range []*connector.Record{
		{Topic: "test", Partition: ptr(int32(0)), Offset: ptr(int64(0))},
		{Topic: "test", Partition: ptr(int32(0)), Offset: ptr(int64(0)), ValueSchema: replaceFieldSchema()},
	} {
		out, err := buildTransform(t, replaceFieldValue, config).Apply(rec)
		if err != nil || out != rec {
			t.Errorf("tombstone: got %+v, %v; want the record itself", out, err)
		}
	}
}

// replaceFieldSchemalessValue is the map of Kafka's schemaless tests.
func replaceFieldSchemalessValue() map[string]any {
	return map[string]any{"dont": "whatever", "abc": int32(42), "foo": true, "etc": "etc"}
}

func TestReplaceFieldSchemaless(t *testing.T) {
	for _, key := range []string{"exclude", "blacklist"} {
		in := replaceFieldSchemalessValue()
		tr := buildTransform(t, replaceFieldValue, map[string]string{key: "dont", "renames": "abc:xyz,foo:bar"})
		out, err := tr.Apply(&connector.Record{Topic: "test", Partition: ptr(int32(0)), Offset: ptr(int64(0)), Value: in})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"xyz": int32(42), "bar": true, "etc": "etc"}
		if !reflect.DeepEqual(out.Value, want) {
			t.Errorf("%s: %#v, want %#v", key, out.Value, want)
		}
		if !reflect.DeepEqual(in, replaceFieldSchemalessValue()) {
			t.Errorf("input changed: %v", in)
		}
	}
}

func TestReplaceFieldWithSchema(t *testing.T) {
	for _, key := range []string{"include", "whitelist"} {
		schema := replaceFieldSchema()
		value := newStruct(t, schema, "dont", "whatever", "abc", int32(42), "foo", true, "etc", "etc")
		tr := buildTransform(t, replaceFieldValue, map[string]string{key: "abc,foo", "renames": "abc:xyz,foo:bar"})
		out, err := tr.Apply(&connector.Record{Topic: "test", Partition: ptr(int32(0)), Offset: ptr(int64(0)),
			ValueSchema: schema, Value: value})
		if err != nil {
			t.Fatal(err)
		}
		if want := structSchema("xyz", requiredInt32, "bar", requiredBool); !connector.SchemaEqual(out.ValueSchema, want) {
			t.Errorf("%s: schema %+v", key, out.ValueSchema)
		}
		st := out.Value.(*connector.Struct)
		if get(t, st, "xyz") != int32(42) || get(t, st, "bar") != true {
			t.Errorf("%s: value %+v", key, st.Values)
		}
		if len(schema.Fields) != 4 || len(value.Values) != 4 || value.Values[1] != int32(42) {
			t.Errorf("input changed")
		}
	}
}

func TestReplaceFieldKeepsSchemaBasics(t *testing.T) {
	schema := &connector.Schema{Type: connector.TypeStruct, Optional: true, Name: "n", Version: 3, Doc: "d",
		Parameters: map[string]string{"p": "v"}, Fields: []connector.SchemaField{{Name: "a", Schema: requiredInt32}}}
	tr := buildTransform(t, replaceFieldKey, map[string]string{"renames": "a:b"})
	out, err := tr.Apply(&connector.Record{Topic: "t", KeySchema: schema, Key: newStruct(t, schema, "a", int32(1))})
	if err != nil {
		t.Fatal(err)
	}
	// Optional is not carried over (SchemaUtil.copySchemaBasics).
	want := &connector.Schema{Type: connector.TypeStruct, Name: "n", Version: 3, Doc: "d",
		Parameters: map[string]string{"p": "v"}, Fields: []connector.SchemaField{{Name: "b", Schema: requiredInt32}}}
	if !connector.SchemaEqual(out.KeySchema, want) {
		t.Errorf("schema %+v", out.KeySchema)
	}
}

func TestReplaceFieldReplaceNullWithDefault(t *testing.T) {
	for _, class := range []string{replaceFieldKey, replaceFieldValue} {
		for _, tc := range []struct {
			replace string
			want    any
		}{{"false", nil}, {"true", int32(42)}} {
			tr := buildTransform(t, class, map[string]string{"include": "abc", "renames": "abc:optional_with_default",
				"replace.null.with.default": tc.replace})
			schema := structSchema("abc", &connector.Schema{Type: connector.TypeInt32, Optional: true, Default: int32(42)})
			value := newStruct(t, schema, "abc", nil)
			rec := &connector.Record{Topic: "test", Partition: ptr(int32(0)), Offset: ptr(int64(0))}
			if class == replaceFieldKey {
				rec.KeySchema, rec.Key = schema, value
			} else {
				rec.ValueSchema, rec.Value = schema, value
			}
			out, err := tr.Apply(rec)
			if err != nil {
				t.Fatal(err)
			}
			st := out.Value
			if class == replaceFieldKey {
				st = out.Key
			}
			s := st.(*connector.Struct)
			if len(s.Schema.Fields) != 1 || get(t, s, "optional_with_default") != tc.want {
				t.Errorf("%s replace.null.with.default=%s: %+v", class, tc.replace, s.Values)
			}
		}
	}
}

func TestReplaceFieldDeprecatedKeys(t *testing.T) {
	for _, tc := range []struct {
		config   map[string]string
		want     map[string]any
		warnings []string
	}{
		{
			config: map[string]string{"whitelist": "a"},
			want:   map[string]any{"a": int64(1)},
			warnings: []string{"Configuration key whitelist is deprecated and may be removed in the future.  " +
				"Please update your configuration to use include instead."},
		},
		{
			// include wins over whitelist; blacklist still stands in for exclude.
			config: map[string]string{"include": "a", "whitelist": "b", "blacklist": "a"},
			want:   map[string]any{},
			warnings: []string{
				"include was configured, as well as the deprecated alias(es) whitelist.  Using the value of include",
				"Configuration key blacklist is deprecated and may be removed in the future.  " +
					"Please update your configuration to use exclude instead.",
			},
		},
		{
			config:   map[string]string{"exclude": "b", "blacklist": "a"},
			want:     map[string]any{"a": int64(1)},
			warnings: []string{"exclude was configured, as well as the deprecated alias(es) blacklist.  Using the value of exclude"},
		},
		{config: map[string]string{}, want: map[string]any{"a": int64(1), "b": int64(2)}},
	} {
		tr := buildTransform(t, replaceFieldValue, tc.config)
		out, err := tr.Apply(&connector.Record{Topic: "t", Value: map[string]any{"a": int64(1), "b": int64(2)}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out.Value, tc.want) {
			t.Errorf("%v: %#v, want %#v", tc.config, out.Value, tc.want)
		}
		w, ok := tr.(interface{ Warnings() []string })
		if !ok {
			t.Fatal("no Warnings")
		}
		if got := w.Warnings(); !reflect.DeepEqual(got, tc.warnings) && (len(got) != 0 || len(tc.warnings) != 0) {
			t.Errorf("%v: warnings %q, want %q", tc.config, got, tc.warnings)
		}
	}
}

// Where two fields end up under one name, Kafka's result follows Java's HashMap iteration order; these
// expectations were taken from Kafka 3.9.
func TestReplaceFieldCollisions(t *testing.T) {
	for _, tc := range []struct {
		renames string
		want    map[string]any
	}{
		{"a:x", map[string]any{"x": int64(2)}},
		{"x:a", map[string]any{"a": int64(2)}},
	} {
		out, err := buildTransform(t, replaceFieldValue, map[string]string{"renames": tc.renames}).Apply(
			&connector.Record{Topic: "t", Value: map[string]any{"a": int64(1), "x": int64(2)}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out.Value, tc.want) {
			t.Errorf("renames %s: %#v, want %#v", tc.renames, out.Value, tc.want)
		}
	}

	// With a schema the new field is read back through the inverted renames, in which b wins over a.
	schema := structSchema("a", requiredInt64, "b", requiredInt64)
	for _, tc := range []struct{ renames, exclude string }{{"a:z,b:z", "a"}, {"b:z,a:z", "a"}, {"b:z,a:z", "b"}} {
		out, err := buildTransform(t, replaceFieldValue, map[string]string{"renames": tc.renames, "exclude": tc.exclude}).Apply(
			&connector.Record{Topic: "t", ValueSchema: schema, Value: newStruct(t, schema, "a", int64(1), "b", int64(2))})
		if err != nil {
			t.Fatal(err)
		}
		if v := get(t, out.Value.(*connector.Struct), "z"); v != int64(2) {
			t.Errorf("renames %s exclude %s: z = %v, want 2", tc.renames, tc.exclude, v)
		}
	}

	// Two kept fields under one name cannot make a schema.
	_, err := buildTransform(t, replaceFieldValue, map[string]string{"renames": "a:b"}).Apply(
		&connector.Record{Topic: "t", ValueSchema: schema, Value: newStruct(t, schema, "a", int64(1), "b", int64(2))})
	wantDataError(t, err, "Cannot create field because of field name duplication b")
}

func TestReplaceFieldConfigErrors(t *testing.T) {
	for _, tc := range []struct{ renames, msg string }{
		{"a:b,c", "Invalid value [a:b, c] for configuration renames: Invalid rename mapping: c"},
		{"a:", "Invalid value [a:] for configuration renames: Invalid rename mapping: a:"},
		{"a:b:c", "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c"},
		{"a:b,,c:d", "Invalid value [a:b, , c:d] for configuration renames: Invalid rename mapping: "},
	} {
		wantConfigError(t, replaceFieldValue, map[string]string{"renames": tc.renames}, tc.msg)
	}
	// Java's split drops trailing empty parts only, so these are pairs.
	for _, renames := range []string{":a", "a:b:"} {
		if _, err := configureTransform(t, replaceFieldKey, map[string]string{"renames": renames}); err != nil {
			t.Errorf("renames %q: %v", renames, err)
		}
	}
}

func TestReplaceFieldWrongTypes(t *testing.T) {
	tr := buildTransform(t, replaceFieldValue, map[string]string{"exclude": "a"})
	_, err := tr.Apply(&connector.Record{Topic: "t", Value: int64(5)})
	wantDataError(t, err, "Only Map objects supported in absence of schema for [field replacement], found: java.lang.Long")
	_, err = tr.Apply(&connector.Record{Topic: "t", ValueSchema: requiredString, Value: "x"})
	wantDataError(t, err, "Only Struct objects supported for [field replacement], found: java.lang.String")
}
