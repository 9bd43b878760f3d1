package transforms

import (
	"errors"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

const (
	headerFromKey   = "org.apache.kafka.connect.transforms.HeaderFrom$Key"
	headerFromValue = "org.apache.kafka.connect.transforms.HeaderFrom$Value"
)

func TestHeaderFromSpec(t *testing.T) {
	checkSpec(t, "HeaderFrom", `fields|LIST|true|null|HIGH|Field names in the record whose values are to be copied or moved to headers.|null|-1|NONE|fields|[]
headers|LIST|true|null|HIGH|Header names, in the same order as the field names listed in the fields configuration property.|null|-1|NONE|headers|[]
operation|STRING|true|null|HIGH|Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).|null|-1|NONE|operation|[]
replace.null.with.default|BOOLEAN|false|true|MEDIUM|Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.|null|-1|NONE|replace.null.with.default|[]
`)
}

// hfField and hfRecord describe a record the way Kafka's HeaderFromTest.RecordBuilder does.
type hfField struct {
	name   string
	schema *connector.Schema
	value  any
}

type hfRecord struct {
	fields  []hfField
	headers []connector.Header
}

// build makes the record with the fields as its key or value (the other side a plain string), as a map
// without schemas (headers then have none either) or as a struct.
func (b hfRecord) build(t *testing.T, key, withSchema bool) *connector.Record {
	t.Helper()
	var schema *connector.Schema
	var value any
	headers := make([]connector.Header, len(b.headers))
	copy(headers, b.headers)
	if withSchema {
		schema = &connector.Schema{Type: connector.TypeStruct}
		for _, f := range b.fields {
			schema.Fields = append(schema.Fields, connector.SchemaField{Name: f.name, Schema: f.schema})
		}
		st := connector.NewStruct(schema)
		for _, f := range b.fields {
			if err := st.Put(f.name, f.value); err != nil {
				t.Fatal(err)
			}
		}
		value = st
	} else {
		m := map[string]any{}
		for _, f := range b.fields {
			m[f.name] = f.value
		}
		value = m
		for i := range headers {
			headers[i].Schema = nil
		}
	}
	rec := &connector.Record{Topic: "topic", Partition: ptr(int32(0)), Headers: headers}
	if key {
		rec.KeySchema, rec.Key, rec.Value = schema, value, "value"
	} else {
		rec.ValueSchema, rec.Value, rec.Key = schema, value, "key"
	}
	return rec
}

func TestHeaderFrom(t *testing.T) {
	existing := connector.Header{Key: "header1", Schema: requiredString, Value: "existing-value"}
	f1 := hfField{"field1", requiredString, "field1-value"}
	f2 := hfField{"field2", requiredString, "field2-value"}
	inner := structSchema("foo", requiredString)
	innerValue := newStruct(t, inner, "foo", "foo-value")
	withDefault := func() *connector.Schema {
		return &connector.Schema{Type: connector.TypeString, Optional: true, Default: "default"}
	}
	d1 := hfField{"field1", withDefault(), "field1-value"}
	d2 := hfField{"field2", withDefault(), nil}
	cases := []struct {
		name            string
		in              hfRecord
		fields, headers string
		operation       string
		replaceNull     string
		want            hfRecord
	}{
		{"basic copy", hfRecord{[]hfField{f1, f2}, []connector.Header{existing}}, "field1", "inserted1", "copy", "true",
			hfRecord{[]hfField{f1, f2}, []connector.Header{existing, {Key: "inserted1", Schema: requiredString, Value: "field1-value"}}}},
		{"basic move", hfRecord{[]hfField{f1, f2}, []connector.Header{existing}}, "field1", "inserted1", "move", "true",
			hfRecord{[]hfField{f2}, []connector.Header{existing, {Key: "inserted1", Schema: requiredString, Value: "field1-value"}}}},
		{"copy with preexisting header",
			hfRecord{[]hfField{f1, f2}, []connector.Header{{Key: "inserted1", Schema: requiredString, Value: "existing-value"}}},
			"field1", "inserted1", "copy", "true",
			hfRecord{[]hfField{f1, f2}, []connector.Header{{Key: "inserted1", Schema: requiredString, Value: "existing-value"},
				{Key: "inserted1", Schema: requiredString, Value: "field1-value"}}}},
		{"move with preexisting header",
			hfRecord{[]hfField{f1, f2}, []connector.Header{{Key: "inserted1", Schema: requiredString, Value: "existing-value"}}},
			"field1", "inserted1", "move", "true",
			hfRecord{[]hfField{f2}, []connector.Header{{Key: "inserted1", Schema: requiredString, Value: "existing-value"},
				{Key: "inserted1", Schema: requiredString, Value: "field1-value"}}}},
		{"copy with struct value", hfRecord{[]hfField{{"field1", inner, innerValue}, f2}, []connector.Header{existing}},
			"field1", "inserted1", "copy", "true",
			hfRecord{[]hfField{{"field1", inner, innerValue}, f2}, []connector.Header{existing, {Key: "inserted1", Schema: inner, Value: innerValue}}}},
		{"move with struct value", hfRecord{[]hfField{{"field1", inner, innerValue}, f2}, []connector.Header{existing}},
			"field1", "inserted1", "move", "true",
			hfRecord{[]hfField{f2}, []connector.Header{existing, {Key: "inserted1", Schema: inner, Value: innerValue}}}},
		{"two headers from same field", hfRecord{[]hfField{f1, f2}, []connector.Header{existing}},
			"field1,field1", "inserted1,inserted2", "move", "true",
			hfRecord{[]hfField{f2}, []connector.Header{existing, {Key: "inserted1", Schema: requiredString, Value: "field1-value"},
				{Key: "inserted2", Schema: requiredString, Value: "field1-value"}}}},
		{"two fields to same header", hfRecord{[]hfField{f1, f2}, []connector.Header{existing}},
			"field1,field2", "inserted1,inserted1", "move", "true",
			hfRecord{nil, []connector.Header{existing, {Key: "inserted1", Schema: requiredString, Value: "field1-value"},
				{Key: "inserted1", Schema: requiredString, Value: "field2-value"}}}},
		{"copy null field without default", hfRecord{[]hfField{d1, d2}, []connector.Header{existing}},
			"field1,field2", "inserted1,inserted2", "copy", "false",
			hfRecord{[]hfField{d1, d2}, []connector.Header{existing, {Key: "inserted1", Schema: d1.schema, Value: "field1-value"},
				{Key: "inserted2", Schema: d2.schema, Value: nil}}}},
		{"move null field without default", hfRecord{[]hfField{d1, d2}, []connector.Header{existing}},
			"field1,field2", "inserted1,inserted2", "move", "false",
			hfRecord{nil, []connector.Header{existing, {Key: "inserted1", Schema: d1.schema, Value: "field1-value"},
				{Key: "inserted2", Schema: d2.schema, Value: nil}}}},
		{"copy null field with default", hfRecord{[]hfField{d2}, nil},
			"field2", "inserted2", "copy", "true",
			hfRecord{[]hfField{d2}, []connector.Header{{Key: "inserted2", Schema: d2.schema, Value: "default"}}}},
	}
	for _, tc := range cases {
		for _, key := range []bool{true, false} {
			for _, withSchema := range []bool{true, false} {
				class := headerFromValue
				if key {
					class = headerFromKey
				}
				tr := buildTransform(t, class, map[string]string{"fields": tc.fields, "headers": tc.headers,
					"operation": tc.operation, "replace.null.with.default": tc.replaceNull})
				in := tc.in.build(t, key, withSchema)
				inHeaders := append([]connector.Header(nil), in.Headers...)
				out, err := tr.Apply(in)
				if err != nil {
					t.Fatalf("%s (key %t, schema %t): %v", tc.name, key, withSchema, err)
				}
				want := tc.want.build(t, key, withSchema)
				if !withSchema && tc.replaceNull == "true" && tc.name == "copy null field with default" {
					// Without a schema there is no default: the null is copied.
					want.Headers[0].Value = nil
				}
				if !recordsEqual(out, want) {
					t.Errorf("%s (key %t, schema %t):\n got %+v\nwant %+v", tc.name, key, withSchema, out, want)
				}
				if len(in.Headers) != len(inHeaders) || (len(inHeaders) > 0 && !reflect.DeepEqual(in.Headers, inHeaders)) {
					t.Errorf("%s: input headers changed", tc.name)
				}
			}
		}
	}
}

// recordsEqual compares records with structs and schemas compared as Java's equals does.
func recordsEqual(a, b *connector.Record) bool {
	if a.Topic != b.Topic || !reflect.DeepEqual(a.Partition, b.Partition) || !a.Timestamp.Equal(b.Timestamp) ||
		!connector.SchemaEqual(a.KeySchema, b.KeySchema) || !connector.SchemaEqual(a.ValueSchema, b.ValueSchema) ||
		!valuesEqual(a.Key, b.Key) || !valuesEqual(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		ha, hb := a.Headers[i], b.Headers[i]
		if ha.Key != hb.Key || !connector.SchemaEqual(ha.Schema, hb.Schema) || !valuesEqual(ha.Value, hb.Value) {
			return false
		}
	}
	return true
}

func valuesEqual(a, b any) bool {
	sa, ok1 := a.(*connector.Struct)
	sb, ok2 := b.(*connector.Struct)
	if ok1 && ok2 {
		return connector.SchemaEqual(sa.Schema, sb.Schema) && reflect.DeepEqual(sa.Values, sb.Values)
	}
	return reflect.DeepEqual(a, b)
}

func TestHeaderFromConfigErrors(t *testing.T) {
	for _, class := range []string{headerFromKey, headerFromValue} {
		mismatch := "'fields' config must have the same number of elements as 'headers' config."
		wantConfigError(t, class, map[string]string{"fields": "foo,bar", "headers": "foo", "operation": "copy"}, mismatch)
		wantConfigError(t, class, map[string]string{"fields": "foo", "headers": "foo,bar", "operation": "copy"}, mismatch)
		wantConfigError(t, class, map[string]string{"fields": "", "headers": "", "operation": "copy"},
			"Invalid value [] for configuration fields: Empty list")
		wantConfigError(t, class, map[string]string{"fields": "a", "headers": "h", "operation": "MOVE"},
			"Invalid value MOVE for configuration operation: String must be one of: move, copy")
		wantConfigError(t, class, map[string]string{}, `Missing required configuration "fields" which has no default value.`)
		wantConfigError(t, class, map[string]string{"fields": "a", "headers": "b"},
			`Missing required configuration "operation" which has no default value.`)
	}
}

func TestHeaderFromNullAndWrongValues(t *testing.T) {
	move := buildTransform(t, headerFromValue, map[string]string{"fields": "a", "headers": "h", "operation": "move"})
	copyT := buildTransform(t, headerFromValue, map[string]string{"fields": "a", "headers": "h", "operation": "copy"})
	// Kafka 3.9's HeaderFrom does not pass tombstones through.
	_, err := move.Apply(&connector.Record{Topic: "t"})
	wantDataError(t, err, "Only Map objects supported in absence of schema for [header move], found: null")
	schema := structSchema("a", requiredString)
	_, err = copyT.Apply(&connector.Record{Topic: "t", ValueSchema: schema})
	wantDataError(t, err, "Only Struct objects supported for [header copy], found: null")

	// A required field holding null (its default not applied) cannot make a header.
	withDefault := structSchema("a", &connector.Schema{Type: connector.TypeString, Default: "d"})
	noDefault := buildTransform(t, headerFromValue, map[string]string{"fields": "a", "headers": "h", "operation": "copy",
		"replace.null.with.default": "false"})
	_, err = noDefault.Apply(&connector.Record{Topic: "t", ValueSchema: withDefault, Value: connector.NewStruct(withDefault)})
	wantDataError(t, err, "A null value requires an optional schema but was Schema{STRING}")

	// A field the schema lacks: Java fails with a NullPointerException.
	other := buildTransform(t, headerFromValue, map[string]string{"fields": "nope", "headers": "h", "operation": "copy"})
	_, err = other.Apply(&connector.Record{Topic: "t", ValueSchema: schema, Value: newStruct(t, schema, "a", "x")})
	var npe interface{ JavaClass() string }
	if !errors.As(err, &npe) || npe.JavaClass() != "java.lang.NullPointerException" || err.Error() !=
		`Cannot invoke "org.apache.kafka.connect.data.Field.schema()" because the return value of "org.apache.kafka.connect.data.Schema.field(String)" is null` {
		t.Errorf("missing field: %v", err)
	}

	// Without a schema a missing field is a null header.
	out, err := other.Apply(&connector.Record{Topic: "t", Value: map[string]any{"a": "x"}})
	if err != nil || len(out.Headers) != 1 || out.Headers[0] != (connector.Header{Key: "h"}) {
		t.Errorf("schemaless missing field: %+v, %v", out, err)
	}
}
