package transforms

import (
	"math/big"
	"testing"

	"github.com/connectd/connectd/connector"
)

func TestSetSchemaMetadataSpec(t *testing.T) {
	const want = `[{"name":"schema.name","type":"STRING","required":false,"default_value":null,"importance":"HIGH","documentation":"Schema name to set.","group":null,"width":"NONE","display_name":"schema.name","dependents":[],"order":-1},{"name":"schema.version","type":"INT","required":false,"default_value":null,"importance":"HIGH","documentation":"Schema version to set.","group":null,"width":"NONE","display_name":"schema.version","dependents":[],"order":-1},{"name":"replace.null.with.default","type":"BOOLEAN","required":false,"default_value":"true","importance":"MEDIUM","documentation":"Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.","group":null,"width":"NONE","display_name":"replace.null.with.default","dependents":[],"order":-1}]`
	ktSpecJSON(t, setSchemaMetadataClass+"$Key", want)
	ktSpecJSON(t, setSchemaMetadataClass+"$Value", want)
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{}, "Neither schema name nor version configured"},
		{map[string]string{"replace.null.with.default": "true"}, "Neither schema name nor version configured"},
		{map[string]string{"schema.version": "x"}, "Invalid value x for configuration schema.version: Not a number of type INT"},
	} {
		if got := ktConfigError(t, setSchemaMetadataClass+"$Value", tc.config); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.config, got, tc.want)
		}
	}
}

func TestSetSchemaMetadataNameAndVersion(t *testing.T) {
	for _, tc := range []struct {
		config  map[string]string
		name    string
		version int
	}{
		{map[string]string{"schema.name": "foo"}, "foo", 0},
		{map[string]string{"schema.version": "42"}, "", 42},
		{map[string]string{"schema.name": "foo", "schema.version": "42"}, "foo", 42},
	} {
		tr := ktNewTransformation(t, setSchemaMetadataClass+"$Value", tc.config)
		out := ktMustApply(t, tr, ktSinkRecord(nil, nil, ktStruct(), nil))
		if out.ValueSchema.Name != tc.name || out.ValueSchema.Version != tc.version || out.Value != nil {
			t.Errorf("%v: schema %+v value %v", tc.config, out.ValueSchema, out.Value)
		}
	}
	// The other attributes stay, and a name or version not configured is kept.
	schema := ktStruct("f", ktInt32)
	schema.Name, schema.Version, schema.Doc, schema.Optional = "orig", 3, "doc", true
	tr := ktNewTransformation(t, setSchemaMetadataClass+"$Key", map[string]string{"schema.version": "4"})
	out := ktMustApply(t, tr, ktSinkRecord(schema, nil, ktString, "v"))
	want := ktStruct("f", ktInt32)
	want.Name, want.Version, want.Doc, want.Optional = "orig", 4, "doc", true
	if !connector.SchemaEqual(out.KeySchema, want) || out.ValueSchema != ktString || out.Value != "v" {
		t.Errorf("key schema %+v, value %v %v", out.KeySchema, out.ValueSchema, out.Value)
	}
}

// TestSetSchemaMetadataStruct is Kafka's schemaNameAndVersionUpdateWithStruct(AndNullField): the struct is
// rebuilt on the new schema.
func TestSetSchemaMetadataStruct(t *testing.T) {
	schema := ktStruct("f1", ktString, "f2", ktInt32)
	schema.Name = "my.orig.SchemaDefn"
	value := ktValue(t, schema, "f1", "value1", "f2", int32(1))
	tr := ktNewTransformation(t, setSchemaMetadataClass+"$Value", map[string]string{"schema.name": "foo", "schema.version": "42"})
	out := ktMustApply(t, tr, ktSinkRecord(nil, nil, schema, value))
	st := out.Value.(*connector.Struct)
	if out.ValueSchema.Name != "foo" || out.ValueSchema.Version != 42 || st.Schema != out.ValueSchema {
		t.Fatalf("schema %+v, struct schema %p vs %p", out.ValueSchema, st.Schema, out.ValueSchema)
	}
	for i, f := range out.ValueSchema.Fields {
		if f.Schema != schema.Fields[i].Schema || f.Name != schema.Fields[i].Name {
			t.Errorf("field %d: %+v", i, f)
		}
	}
	if st.Values[0] != "value1" || st.Values[1] != int32(1) {
		t.Errorf("values %v", st.Values)
	}

	withDefault := ktStruct("f1", &connector.Schema{Type: connector.TypeString, Optional: true, Default: "default"}, "f2", ktInt32)
	withDefault.Name = "my.orig.SchemaDefn"
	for replace, want := range map[string]any{"false": nil, "true": "default"} {
		tr := ktNewTransformation(t, setSchemaMetadataClass+"$Value", map[string]string{"schema.name": "foo",
			"schema.version": "42", "replace.null.with.default": replace})
		out := ktMustApply(t, tr, ktSinkRecord(nil, nil, withDefault, ktValue(t, withDefault, "f1", nil, "f2", int32(1))))
		if got, _ := out.Value.(*connector.Struct).GetWithoutDefault("f1"); got != want {
			t.Errorf("replace=%s: f1 = %v, want %v", replace, got, want)
		}
	}
}

func TestSetSchemaMetadataNoSchema(t *testing.T) {
	tr := ktNewTransformation(t, setSchemaMetadataClass+"$Value", map[string]string{"schema.name": "foo"})
	rec := ktSinkRecord(nil, nil, nil, nil)
	if out := ktMustApply(t, tr, rec); out != rec {
		t.Errorf("a null value without schema should pass through, got %+v", out)
	}
	msg := ktApplyError(t, tr, ktSinkRecord(nil, nil, nil, int64(42)), dataException)
	if msg != "Schema required for [updating schema metadata]" {
		t.Errorf("error %q", msg)
	}
}

// TestSetSchemaMetadataNonStruct: Kafka 3.9 asks every schema for its fields, which only a struct has.
func TestSetSchemaMetadataNonStruct(t *testing.T) {
	tr := ktNewTransformation(t, setSchemaMetadataClass+"$Value", map[string]string{"schema.name": "foo"})
	decimal := &connector.Schema{Type: connector.TypeBytes, Name: connector.LogicalDecimal, Parameters: map[string]string{"scale": "2"}}
	for _, rec := range []*connector.Record{
		ktSinkRecord(nil, nil, ktInt32, int32(42)),
		ktSinkRecord(nil, nil, ktOptionalInt32, nil),
		ktSinkRecord(nil, nil, decimal, big.NewRat(314, 100)),
		ktSinkRecord(nil, nil, &connector.Schema{Type: connector.TypeArray, ValueSchema: ktInt32}, []any{int32(1)}),
	} {
		if msg := ktApplyError(t, tr, rec, dataException); msg != "Cannot list fields on non-struct type" {
			t.Errorf("%+v: error %q", rec.ValueSchema, msg)
		}
	}
}

// TestSetSchemaMetadataUpdateSchemaIn is Kafka's updateSchemaOfStruct, updateSchemaOfNonStruct and
// updateSchemaOfNull.
func TestSetSchemaMetadataUpdateSchemaIn(t *testing.T) {
	tr := &setSchemaMetadata{side: valueSide, replaceNull: true}
	schema := ktStruct("f1", ktString, "f2", ktInt32)
	value := ktValue(t, schema, "f1", "value1", "f2", int32(1))
	updated := ktStruct("f1", ktString, "f2", ktInt32)
	updated.Name = "my.updated.SchemaDefn"
	got, err := tr.updateSchemaIn(value, updated)
	if st, ok := got.(*connector.Struct); err != nil || !ok || st.Schema != updated || st.Values[0] != "value1" {
		t.Errorf("struct: %+v %v", got, err)
	}
	if got, err := tr.updateSchemaIn(int32(1), ktInt32); got != int32(1) || err != nil {
		t.Errorf("non-struct: %v %v", got, err)
	}
	if got, err := tr.updateSchemaIn(nil, ktInt32); got != nil || err != nil {
		t.Errorf("null: %v %v", got, err)
	}
}
