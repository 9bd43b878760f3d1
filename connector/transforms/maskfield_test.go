package transforms

import (
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

const (
	maskFieldKey   = "org.apache.kafka.connect.transforms.MaskField$Key"
	maskFieldValue = "org.apache.kafka.connect.transforms.MaskField$Value"
)

func TestMaskFieldSpec(t *testing.T) {
	checkSpec(t, "MaskField", `fields|LIST|true|null|HIGH|Names of fields to mask.|null|-1|NONE|fields|[]
replacement|STRING|false|null|LOW|Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).|null|-1|NONE|replacement|[]
replace.null.with.default|BOOLEAN|false|true|MEDIUM|Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.|null|-1|NONE|replace.null.with.default|[]
`)
}

// maskSchema and maskValues are the data of Kafka's MaskFieldTest.
func maskSchema() *connector.Schema {
	return structSchema(
		"magic", requiredInt32,
		"bool", requiredBool,
		"byte", &connector.Schema{Type: connector.TypeInt8},
		"short", &connector.Schema{Type: connector.TypeInt16},
		"int", requiredInt32,
		"long", requiredInt64,
		"float", &connector.Schema{Type: connector.TypeFloat32},
		"double", &connector.Schema{Type: connector.TypeFloat64},
		"string", requiredString,
		"date", &connector.Schema{Type: connector.TypeInt32, Name: connector.LogicalDate, Version: 1},
		"time", &connector.Schema{Type: connector.TypeInt32, Name: connector.LogicalTime, Version: 1},
		"timestamp", &connector.Schema{Type: connector.TypeInt64, Name: connector.LogicalTimestamp, Version: 1},
		"decimal", &connector.Schema{Type: connector.TypeBytes, Name: connector.LogicalDecimal, Version: 1,
			Parameters: map[string]string{"scale": "0"}},
		"array", &connector.Schema{Type: connector.TypeArray, ValueSchema: requiredInt32},
		"map", &connector.Schema{Type: connector.TypeMap, KeySchema: requiredString, ValueSchema: requiredString},
		"withDefault", &connector.Schema{Type: connector.TypeString, Optional: true, Default: "default"},
	)
}

func maskStruct(t *testing.T) *connector.Struct {
	now := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	return newStruct(t, maskSchema(),
		"magic", int32(42), "bool", true, "byte", int8(42), "short", int16(42), "int", int32(42), "long", int64(42),
		"float", float32(42), "double", float64(42), "string", "hmm", "date", now, "time", now, "timestamp", now,
		"decimal", big.NewRat(42, 1), "array", []any{int32(1), int32(2), int32(3)},
		"map", map[string]any{"what": "what"}, "withDefault", nil)
}

func maskMap() map[string]any {
	return map[string]any{
		"magic": int32(42), "bool": true, "byte": int8(42), "short": int16(42), "int": int32(42), "long": int64(42),
		"float": float32(42), "double": float64(42), "string": "55.121.20.20", "date": time.Now().UTC(),
		"bigint": big.NewInt(42), "bigdec": big.NewRat(42, 1), "list": []any{int32(42)},
		"map": map[string]any{"key": "value"},
	}
}

// applyMask runs MaskField$Value with replace.null.with.default=false, as Kafka's tests configure it.
func applyMask(t *testing.T, fields, replacement string, schema *connector.Schema, value any) (*connector.Record, error) {
	t.Helper()
	config := map[string]string{"fields": fields, "replace.null.with.default": "false"}
	if replacement != "" {
		config["replacement"] = replacement
	}
	return buildTransform(t, maskFieldValue, config).Apply(&connector.Record{Topic: "", Partition: ptr(int32(0)),
		Offset: ptr(int64(0)), ValueSchema: schema, Value: value})
}

func TestMaskFieldSchemaless(t *testing.T) {
	in := maskMap()
	out, err := applyMask(t, "bool,byte,short,int,long,float,double,string,date,bigint,bigdec,list,map", "", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"magic": int32(42), "bool": false, "byte": int8(0), "short": int16(0), "int": int32(0), "long": int64(0),
		"float": float32(0), "double": float64(0), "string": "", "date": time.UnixMilli(0).UTC(),
		"bigint": new(big.Int), "bigdec": new(big.Rat), "list": []any{}, "map": map[string]any{},
	}
	if !reflect.DeepEqual(out.Value, want) {
		t.Errorf("masked %#v\nwant %#v", out.Value, want)
	}
	if in["int"] != int32(42) || in["string"] != "55.121.20.20" {
		t.Errorf("input changed: %v", in)
	}
}

func TestMaskFieldWithSchema(t *testing.T) {
	in := maskStruct(t)
	schema := in.Schema
	var fields string
	for _, f := range schema.Fields[1:] {
		if fields != "" {
			fields += ","
		}
		fields += f.Name
	}
	out, err := applyMask(t, fields, "", schema, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.ValueSchema != schema {
		t.Error("the record's schema was replaced")
	}
	st := out.Value.(*connector.Struct)
	epoch := time.UnixMilli(0).UTC()
	for name, want := range map[string]any{
		"magic": int32(42), "bool": false, "byte": int8(0), "short": int16(0), "int": int32(0), "long": int64(0),
		"float": float32(0), "double": float64(0), "string": "", "date": epoch, "time": epoch, "timestamp": epoch,
		"decimal": new(big.Rat), "array": []any{}, "map": map[string]any{}, "withDefault": nil,
	} {
		if v := get(t, st, name); !reflect.DeepEqual(v, want) {
			t.Errorf("%s = %#v, want %#v", name, v, want)
		}
	}
	if get(t, in, "int") != int32(42) {
		t.Error("input changed")
	}
}

func TestMaskFieldReplacement(t *testing.T) {
	for field, want := range map[string]any{
		"short": int16(123), "byte": int8(123), "int": int32(123), "long": int64(123), "float": float32(123),
		"double": float64(123), "string": "123", "bigdec": big.NewRat(123, 1), "bigint": big.NewRat(123, 1),
	} {
		out, err := applyMask(t, field, "123", nil, maskMap())
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		if v := out.Value.(map[string]any)[field]; !reflect.DeepEqual(v, want) {
			t.Errorf("schemaless %s = %#v, want %#v", field, v, want)
		}
	}
	for field, want := range map[string]any{
		"short": int16(123), "byte": int8(123), "int": int32(123), "long": int64(123), "float": float32(123),
		"double": float64(123), "string": "123", "decimal": big.NewRat(123, 1),
	} {
		out, err := applyMask(t, field, "123.0", maskSchema(), maskStruct(t))
		if field == "string" {
			out, err = applyMask(t, field, "123", maskSchema(), maskStruct(t))
		}
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		if v := get(t, out.Value.(*connector.Struct), field); !reflect.DeepEqual(v, want) {
			t.Errorf("%s = %#v, want %#v", field, v, want)
		}
	}
}

func TestMaskFieldUnsupportedReplacementTypes(t *testing.T) {
	for field, class := range map[string]string{"date": "java.util.Date", "bool": "java.lang.Boolean",
		"list": "java.util.ArrayList", "map": "java.util.HashMap"} {
		_, err := applyMask(t, field, "foo", nil, maskMap())
		wantDataError(t, err, "Cannot mask value of type class "+class+" with custom replacement.")
	}
	for field, class := range map[string]string{"time": "java.util.Date", "timestamp": "java.util.Date",
		"array": "java.util.ArrayList"} {
		_, err := applyMask(t, field, "123", maskSchema(), maskStruct(t))
		wantDataError(t, err, "Cannot mask value of type class "+class+" with custom replacement.")
	}
	// Without a replacement, bytes and structs have no null value.
	inner := structSchema("x", requiredInt32)
	schema := structSchema("b", &connector.Schema{Type: connector.TypeBytes}, "s", inner)
	value := newStruct(t, schema, "b", []byte{1}, "s", newStruct(t, inner, "x", int32(1)))
	_, err := applyMask(t, "b", "", schema, value)
	wantDataError(t, err, "Cannot mask value of type: class [B")
	_, err = applyMask(t, "s", "", schema, value)
	wantDataError(t, err, "Cannot mask value of type: class org.apache.kafka.connect.data.Struct")
}

func TestMaskFieldReplacementTypeMismatch(t *testing.T) {
	for _, field := range []string{"byte", "short", "int", "long", "float", "double"} {
		_, err := applyMask(t, field, "foo", nil, maskMap())
		wantDataError(t, err, "Unable to convert foo (class java.lang.String) to a number")
	}
	for _, field := range []string{"bigint", "bigdec"} {
		_, err := applyMask(t, field, "foo", nil, maskMap())
		wantDataError(t, err, "Unable to convert foo (class java.lang.String) to number")
	}
	_, err := applyMask(t, "string,int", "foo", nil, maskMap())
	wantDataError(t, err, "Unable to convert foo (class java.lang.String) to a number")
	// Of two failing fields, the one Java's HashSet iterates first is reported.
	for _, fields := range []string{"int,date", "date,int"} {
		_, err := applyMask(t, fields, "foo", nil, map[string]any{"int": int64(1), "date": time.Now()})
		wantDataError(t, err, "Cannot mask value of type class java.util.Date with custom replacement.")
	}
}

// The replacement is converted through Java's BigDecimal and narrowed as Java narrows; these answers were
// taken from Kafka 3.9.
func TestMaskFieldReplacementConversions(t *testing.T) {
	type row struct {
		replacement string
		want        []any // byte, short, int, long, float, double, decimal
	}
	rat := func(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }
	for _, r := range []row{
		{"1e3", []any{int8(-24), int16(1000), int32(1000), int64(1000), float32(1000), float64(1000), rat("1000")}},
		{"300", []any{int8(44), int16(300), int32(300), int64(300), float32(300), float64(300), rat("300")}},
		{"12.7", []any{int8(12), int16(12), int32(12), int64(12), float32(12.7), 12.7, rat("12.7")}},
		{"-12.7", []any{int8(-12), int16(-12), int32(-12), int64(-12), float32(-12.7), -12.7, rat("-12.7")}},
		{"1e20", []any{int8(0), int16(0), int32(1661992960), int64(7766279631452241920), float32(1e20), 1e20, rat("1e20")}},
		{" 5", []any{int8(5), int16(5), int32(5), int64(5), float32(5), float64(5), rat("5")}},
		{"+5", []any{int8(5), int16(5), int32(5), int64(5), float32(5), float64(5), rat("5")}},
		{".5", []any{int8(0), int16(0), int32(0), int64(0), float32(0.5), 0.5, rat("0.5")}},
		{"5.", []any{int8(5), int16(5), int32(5), int64(5), float32(5), float64(5), rat("5")}},
		{"1e-400", []any{int8(0), int16(0), int32(0), int64(0), float32(0), float64(0), rat("1e-400")}},
		{"-0", []any{int8(0), int16(0), int32(0), int64(0), float32(0), float64(0), rat("0")}},
		{"123456789012345678901234567890", []any{int8(-46), int16(2770), int32(1312754386), int64(-4362896299872285998),
			float32(1.2345679e29), 1.2345678901234568e29, rat("123456789012345678901234567890")}},
	} {
		inputs := []any{int8(1), int16(1), int32(1), int64(1), float32(1), float64(1), big.NewRat(1, 1)}
		for i, in := range inputs {
			out, err := applyMask(t, "f", r.replacement, nil, map[string]any{"f": in})
			if err != nil {
				t.Errorf("%q into %T: %v", r.replacement, in, err)
				continue
			}
			got := out.Value.(map[string]any)["f"]
			if !reflect.DeepEqual(got, r.want[i]) {
				t.Errorf("%q into %T = %#v, want %#v", r.replacement, in, got, r.want[i])
			}
			if f, ok := got.(float64); ok && f == 0 && math.Signbit(f) {
				t.Errorf("%q: negative zero", r.replacement)
			}
		}
	}
	for _, bad := range []string{"0x10", "NaN", "1E2147483648", "1e", "e5", "1.2.3", "--1", "1_000", "Infinity", "."} {
		_, err := applyMask(t, "f", bad, nil, map[string]any{"f": int64(1)})
		wantDataError(t, err, "Unable to convert "+bad+" (class java.lang.String) to a number")
		_, err = applyMask(t, "f", bad, nil, map[string]any{"f": big.NewRat(1, 1)})
		wantDataError(t, err, "Unable to convert "+bad+" (class java.lang.String) to number")
	}
}

func TestMaskFieldConfigErrors(t *testing.T) {
	wantConfigError(t, maskFieldValue, map[string]string{"fields": "short", "replacement": ""},
		"Invalid value  for configuration replacement: String must be non-empty")
	wantConfigError(t, maskFieldKey, map[string]string{"fields": ""}, "Invalid value [] for configuration fields: Empty list")
	wantConfigError(t, maskFieldKey, map[string]string{}, `Missing required configuration "fields" which has no default value.`)
}

func TestMaskFieldNullsAndMissingFields(t *testing.T) {
	tr := buildTransform(t, maskFieldKey, map[string]string{"fields": "nope"})
	// Kafka 3.9's MaskField does not pass null keys or values through.
	_, err := tr.Apply(&connector.Record{Topic: "t", Value: "v"})
	wantDataError(t, err, "Only Map objects supported in absence of schema for [mask fields], found: null")
	_, err = tr.Apply(&connector.Record{Topic: "t", KeySchema: structSchema("a", requiredInt32)})
	wantDataError(t, err, "Only Struct objects supported for [mask fields], found: null")

	// A masked field the map lacks is added as null.
	out, err := tr.Apply(&connector.Record{Topic: "t", Key: map[string]any{"int": int64(1)}})
	if err != nil || !reflect.DeepEqual(out.Key, map[string]any{"int": int64(1), "nope": nil}) {
		t.Errorf("missing field: %#v, %v", out, err)
	}

	// A null value stays null; with replace.null.with.default its default is masked instead.
	schema := structSchema("s", &connector.Schema{Type: connector.TypeString, Optional: true, Default: "d"})
	for replace, want := range map[string]any{"false": nil, "true": ""} {
		tr := buildTransform(t, maskFieldKey, map[string]string{"fields": "s", "replace.null.with.default": replace})
		out, err := tr.Apply(&connector.Record{Topic: "t", KeySchema: schema, Key: newStruct(t, schema, "s", nil)})
		if err != nil {
			t.Fatal(err)
		}
		if v := get(t, out.Key.(*connector.Struct), "s"); v != want {
			t.Errorf("replace.null.with.default=%s: %#v, want %#v", replace, v, want)
		}
	}
}
