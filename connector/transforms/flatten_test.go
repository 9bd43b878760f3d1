package transforms

import (
	"errors"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

// The cases follow Kafka's FlattenTest; expected values and messages are what Kafka 3.9 gives.

const (
	flattenKeyClass   = "org.apache.kafka.connect.transforms.Flatten$Key"
	flattenValueClass = "org.apache.kafka.connect.transforms.Flatten$Value"
)

func flattenT(t *testing.T, class string, config map[string]string) connector.Transformation {
	t.Helper()
	for _, p := range flattenPlugins() {
		if p.Class == class {
			tr, err := p.NewTransformation(config)
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
	}
	t.Fatalf("no plugin %s", class)
	return nil
}

func flattenApply(t *testing.T, config map[string]string, schema *connector.Schema, value any) (*connector.Record, error) {
	t.Helper()
	return flattenT(t, flattenValueClass, config).Apply(&connector.Record{Topic: "topic", ValueSchema: schema, Value: value})
}

func flattenStructOf(t *testing.T, schema *connector.Schema, values map[string]any) *connector.Struct {
	t.Helper()
	st := connector.NewStruct(schema)
	for k, v := range values {
		if err := st.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestFlattenTopLevelRequired(t *testing.T) {
	for _, tc := range []struct {
		schema *connector.Schema
		value  any
		want   string
	}{
		{&connector.Schema{Type: connector.TypeInt32}, int32(42), "Only Struct objects supported for [flattening], found: java.lang.Integer"},
		{nil, int64(42), "Only Map objects supported in absence of schema for [flattening], found: java.lang.Long"},
		{nil, []any{int64(1)}, "Only Map objects supported in absence of schema for [flattening], found: java.util.ArrayList"},
	} {
		_, err := flattenApply(t, nil, tc.schema, tc.value)
		var de *connector.DataError
		if !errors.As(err, &de) || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}

func TestFlattenNestedStruct(t *testing.T) {
	supported := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "int8", Schema: &connector.Schema{Type: connector.TypeInt8}},
		{Name: "int16", Schema: &connector.Schema{Type: connector.TypeInt16}},
		{Name: "int32", Schema: &connector.Schema{Type: connector.TypeInt32}},
		{Name: "int64", Schema: &connector.Schema{Type: connector.TypeInt64}},
		{Name: "float32", Schema: &connector.Schema{Type: connector.TypeFloat32}},
		{Name: "float64", Schema: &connector.Schema{Type: connector.TypeFloat64}},
		{Name: "boolean", Schema: &connector.Schema{Type: connector.TypeBoolean}},
		{Name: "string", Schema: &connector.Schema{Type: connector.TypeString}},
		{Name: "bytes", Schema: &connector.Schema{Type: connector.TypeBytes, Doc: "raw", Parameters: map[string]string{"k": "v"}}},
	}}
	one := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "B", Schema: supported}}}
	two := &connector.Schema{Type: connector.TypeStruct, Name: "top", Version: 1, Doc: "top doc",
		Fields: []connector.SchemaField{{Name: "A", Schema: one}}}
	values := map[string]any{"int8": int8(8), "int16": int16(16), "int32": int32(32), "int64": int64(64),
		"float32": float32(32), "float64": 64.0, "boolean": true, "string": "stringy", "bytes": []byte("bytes")}
	in := flattenStructOf(t, two, map[string]any{"A": flattenStructOf(t, one, map[string]any{"B": flattenStructOf(t, supported, values)})})
	for _, delim := range []string{".", "#", ""} {
		out, err := flattenApply(t, map[string]string{"delimiter": delim}, two, in)
		if err != nil {
			t.Fatal(err)
		}
		st := out.Value.(*connector.Struct)
		if len(st.Schema.Fields) != 9 || out.ValueSchema.Name != "top" || out.ValueSchema.Version != 1 || out.ValueSchema.Doc != "top doc" {
			t.Errorf("delimiter %q: schema %+v", delim, out.ValueSchema)
		}
		for name, want := range values {
			got, err := st.Get("A" + delim + "B" + delim + name)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("delimiter %q: %s = %#v (%v), want %#v", delim, name, got, err, want)
			}
		}
		// Flattened fields keep their schema's name, doc and parameters.
		if _, f := st.Schema.Field("A" + delim + "B" + delim + "bytes"); f.Schema.Doc != "raw" || f.Schema.Parameters["k"] != "v" {
			t.Errorf("delimiter %q: bytes schema %+v", delim, f.Schema)
		}
	}
}

func TestFlattenNestedMap(t *testing.T) {
	in := map[string]any{"A": map[string]any{"B": map[string]any{"int64": int64(64), "float64": 64.0,
		"boolean": true, "string": "stringy", "bytes": []byte("bytes"), "null": nil,
		"list": []any{"bar", map[string]any{"baz": "lfg"}}}}, "top": int64(1)}
	out, err := flattenApply(t, map[string]string{"delimiter": "#"}, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"A#B#int64": int64(64), "A#B#float64": 64.0, "A#B#boolean": true, "A#B#string": "stringy",
		"A#B#bytes": []byte("bytes"), "A#B#null": nil, "A#B#list": []any{"bar", map[string]any{"baz": "lfg"}}, "top": int64(1)}
	if out.ValueSchema != nil || !reflect.DeepEqual(out.Value, want) {
		t.Errorf("got %#v", out.Value)
	}
	if _, ok := in["A"].(map[string]any)["B"]; !ok || len(in) != 2 {
		t.Error("input modified")
	}
}

func TestFlattenOptional(t *testing.T) {
	optInt := &connector.Schema{Type: connector.TypeInt32, Optional: true}
	inner := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "opt_int32", Schema: optInt}}}
	outer := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "B", Schema: inner}}}

	// An optional field with no value.
	out, err := flattenApply(t, nil, outer, flattenStructOf(t, outer, map[string]any{"B": connector.NewStruct(inner)}))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := out.Value.(*connector.Struct).Get("B.opt_int32"); v != nil {
		t.Errorf("got %#v", v)
	}

	// A null nested optional struct: its fields become optional and stay null.
	optInner := *inner
	optInner.Optional = true
	reqInner := &connector.Schema{Type: connector.TypeStruct, Optional: true, Fields: []connector.SchemaField{
		{Name: "req", Schema: &connector.Schema{Type: connector.TypeString}}}}
	outer2 := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "B", Schema: &optInner},
		{Name: "C", Schema: reqInner}}}
	out, err = flattenApply(t, nil, outer2, connector.NewStruct(outer2))
	if err != nil {
		t.Fatal(err)
	}
	if _, f := out.ValueSchema.Field("C.req"); f == nil || !f.Schema.Optional {
		t.Errorf("C.req schema %+v", f)
	}

	// A null optional top-level struct passes through unchanged.
	optTop := *inner
	optTop.Optional = true
	rec := &connector.Record{Topic: "topic", ValueSchema: &optTop}
	if got, err := flattenT(t, flattenValueClass, nil).Apply(rec); err != nil || got != rec {
		t.Errorf("tombstone: %+v %v", got, err)
	}
	// A non-null optional top-level struct becomes a required one, as in Kafka.
	out, err = flattenApply(t, nil, &optTop, connector.NewStruct(&optTop))
	if err != nil || out.ValueSchema.Optional {
		t.Errorf("optional top: %+v %v", out, err)
	}

	// Schemaless nulls stay.
	out, err = flattenApply(t, nil, nil, map[string]any{"B": map[string]any{"opt_int32": nil}})
	if err != nil || !reflect.DeepEqual(out.Value, map[string]any{"B.opt_int32": nil}) {
		t.Errorf("schemaless: %#v %v", out.Value, err)
	}
}

func TestFlattenOptionalAndDefaultValuesNested(t *testing.T) {
	childDefault := &connector.Schema{Type: connector.TypeString, Optional: true, Default: "child_default"}
	schema := &connector.Schema{Type: connector.TypeStruct, Optional: true, Fields: []connector.SchemaField{
		{Name: "req_field", Schema: &connector.Schema{Type: connector.TypeString}},
		{Name: "opt_field", Schema: childDefault}}}
	def := connector.NewStruct(schema)
	if err := def.Put("req_field", "req_default"); err != nil {
		t.Fatal(err)
	}
	withDefault := *schema
	withDefault.Default = def
	out, err := flattenApply(t, nil, &withDefault, connector.NewStruct(schema))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ValueSchema.Fields) != 2 {
		t.Fatalf("fields %+v", out.ValueSchema.Fields)
	}
	// The required field picks up optionality and the parent's default; the optional one keeps its own.
	if _, f := out.ValueSchema.Field("req_field"); !connector.SchemaEqual(f.Schema,
		&connector.Schema{Type: connector.TypeString, Optional: true, Default: "req_default"}) {
		t.Errorf("req_field %+v", f.Schema)
	}
	if _, f := out.ValueSchema.Field("opt_field"); !connector.SchemaEqual(f.Schema, childDefault) {
		t.Errorf("opt_field %+v", f.Schema)
	}
}

func TestFlattenArrays(t *testing.T) {
	in := map[string]any{"foo": []any{"bar", map[string]any{"baz": map[string]any{"lfg": "lfg"}}}}
	out, err := flattenApply(t, nil, nil, in)
	if err != nil || !reflect.DeepEqual(out.Value, in) {
		t.Errorf("schemaless: %#v %v", out.Value, err)
	}

	nested := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "lfg", Schema: &connector.Schema{Type: connector.TypeString}}}}
	inner := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "baz", Schema: nested}}}
	schema := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "foo", Schema: &connector.Schema{Type: connector.TypeArray, ValueSchema: inner, Doc: "durk"}}}}
	value := flattenStructOf(t, schema, map[string]any{"foo": []any{flattenStructOf(t, inner,
		map[string]any{"baz": flattenStructOf(t, nested, map[string]any{"lfg": "lfg"})})}})
	out, err = flattenApply(t, nil, schema, value)
	if err != nil {
		t.Fatal(err)
	}
	if !connector.SchemaEqual(out.ValueSchema, schema) || !reflect.DeepEqual(out.Value, value) {
		t.Errorf("with schema: %+v %+v", out.ValueSchema, out.Value)
	}
}

func TestFlattenTombstones(t *testing.T) {
	simple := &connector.Schema{Type: connector.TypeStruct, Name: "name", Version: 1, Doc: "doc", Optional: true,
		Fields: []connector.SchemaField{{Name: "magic", Schema: &connector.Schema{Type: connector.TypeInt64, Optional: true}}}}
	for _, rec := range []*connector.Record{{Topic: "test"}, {Topic: "test", ValueSchema: simple}} {
		out, err := flattenT(t, flattenValueClass, nil).Apply(rec)
		if err != nil || out.Value != nil || out.ValueSchema != rec.ValueSchema {
			t.Errorf("got %+v %v", out, err)
		}
	}
}

func TestFlattenNullFields(t *testing.T) {
	in := map[string]any{"firstNull": nil, "firstNonNull": "nonNull", "secondNull": nil, "secondNonNull": "alsoNonNull", "thirdNonNull": nil}
	out, err := flattenApply(t, nil, nil, in)
	if err != nil || !reflect.DeepEqual(out.Value, in) {
		t.Errorf("map: %#v %v", out.Value, err)
	}
	optStr := &connector.Schema{Type: connector.TypeString, Optional: true}
	schema := &connector.Schema{Type: connector.TypeStruct}
	for _, n := range []string{"firstNull", "firstNonNull", "secondNull", "secondNonNull", "thirdNonNull"} {
		schema.Fields = append(schema.Fields, connector.SchemaField{Name: n, Schema: optStr})
	}
	value := flattenStructOf(t, schema, map[string]any{"firstNonNull": "nonNull", "secondNonNull": "alsoNonNull"})
	out, err = flattenApply(t, nil, schema, value)
	if err != nil || !reflect.DeepEqual(out.Value, value) {
		t.Errorf("struct: %+v %v", out.Value, err)
	}
}

func TestFlattenKey(t *testing.T) {
	out, err := flattenT(t, flattenKeyClass, nil).Apply(&connector.Record{Topic: "topic",
		Key: map[string]any{"A": map[string]any{"B": int32(12)}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.KeySchema != nil || !reflect.DeepEqual(out.Key, map[string]any{"A.B": int32(12)}) {
		t.Errorf("got %#v", out.Key)
	}
}

func TestFlattenErrors(t *testing.T) {
	mapS := &connector.Schema{Type: connector.TypeMap, KeySchema: &connector.Schema{Type: connector.TypeString},
		ValueSchema: &connector.Schema{Type: connector.TypeInt32}}
	inner := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "m", Schema: mapS}}}
	withMap := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "s", Schema: inner}}}
	b := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "b", Schema: &connector.Schema{Type: connector.TypeInt32}}}}
	dup := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "a.b", Schema: &connector.Schema{Type: connector.TypeInt32}}, {Name: "a", Schema: b}}}
	for _, tc := range []struct {
		name         string
		schema       *connector.Schema
		value        any
		class, error string
	}{
		{"map field", withMap, connector.NewStruct(withMap), "org.apache.kafka.connect.errors.DataException",
			"Flatten transformation does not support MAP for record with schemas (for field s.m)."},
		{"duplicate", dup, connector.NewStruct(dup), "org.apache.kafka.connect.errors.SchemaBuilderException",
			"Cannot create field because of field name duplication a.b"},
		{"struct in map", nil, map[string]any{"a": connector.NewStruct(b)}, "org.apache.kafka.connect.errors.DataException",
			"Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without " +
				"schemas (for field a)."},
	} {
		_, err := flattenApply(t, nil, tc.schema, tc.value)
		var de *connector.DataError
		if !errors.As(err, &de) || err.Error() != tc.error {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.error)
			continue
		}
		if c := err.(interface{ JavaClass() string }).JavaClass(); c != tc.class {
			t.Errorf("%s: class %s, want %s", tc.name, c, tc.class)
		}
	}
}

func TestFlattenSchemalessCollisionsFollowHashMapOrder(t *testing.T) {
	// {"a.b": 1, "a": {"b": 2}}: Kafka's HashMap visits "a" first, so "a.b" ends up 1.
	out, err := flattenApply(t, nil, nil, map[string]any{"a.b": int64(1), "a": map[string]any{"b": int64(2)}})
	if err != nil || !reflect.DeepEqual(out.Value, map[string]any{"a.b": int64(1)}) {
		t.Errorf("got %#v %v", out.Value, err)
	}
	// With more than 12 entries the map has grown to 32 buckets: "x.y" lands before "x".
	in := map[string]any{"x.y": int64(1), "x": map[string]any{"y": int64(2)}}
	for i := range 20 {
		in["k"+string(rune('a'+i))] = int64(i)
	}
	out, err = flattenApply(t, nil, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Value.(map[string]any)["x.y"]; got != int64(2) {
		t.Errorf("x.y = %#v, want 2", got)
	}
}
