package transforms

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// The cases follow Kafka's CastTest; expected values and messages are what Kafka 3.9 gives for the same input.

const (
	castKeyClass   = "org.apache.kafka.connect.transforms.Cast$Key"
	castValueClass = "org.apache.kafka.connect.transforms.Cast$Value"
)

// castPlugin returns the Cast plugin of class.
func castPlugin(t *testing.T, class string) connector.TransformPlugin {
	t.Helper()
	for _, p := range castPlugins() {
		if p.Class == class {
			return p
		}
	}
	t.Fatalf("no plugin %s", class)
	return connector.TransformPlugin{}
}

// newCastT configures a Cast$Value (or $Key) or fails the test.
func newCastT(t *testing.T, class string, config map[string]string) connector.Transformation {
	t.Helper()
	tr, err := castPlugin(t, class).NewTransformation(config)
	if err != nil {
		t.Fatalf("configure %v: %v", config, err)
	}
	return tr
}

// castApply applies a Cast$Value configured with spec to a value record.
func castApply(t *testing.T, spec string, schema *connector.Schema, value any) (*connector.Record, error) {
	t.Helper()
	tr := newCastT(t, castValueClass, map[string]string{"spec": spec})
	return tr.Apply(&connector.Record{Topic: "topic", ValueSchema: schema, Value: value})
}

func TestCastConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{}, `Missing required configuration "spec" which has no default value.`},
		{map[string]string{"spec": ""}, "Must specify at least one field to cast."},
		{map[string]string{"spec": "foo:faketype"}, "Invalid value java.lang.IllegalArgumentException: No enum constant " +
			"org.apache.kafka.connect.data.Schema.Type.FAKETYPE for configuration Invalid type found in casting spec: faketype"},
		{map[string]string{"spec": "foo:array"}, "Cast transformation does not support casting to ARRAY; supported types are " +
			"[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"},
		{map[string]string{"spec": "array"}, "Cast transformation does not support casting to ARRAY; supported types are " +
			"[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"},
		{map[string]string{"spec": "foo:bytes"}, "Cast transformation does not support casting to BYTES; supported types are " +
			"[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"},
		{map[string]string{"spec": "foo:int8:extra"}, "Invalid value [foo:int8:extra] for configuration renames: " +
			"Invalid rename mapping: foo:int8:extra"},
		{map[string]string{"spec": "foo:int8,int32"}, "Cast transformations that specify a type to cast the entire value " +
			"to may only specify a single cast in their spec"},
		{map[string]string{"spec": "a:int8,,b:int8"}, "Invalid value java.lang.IllegalArgumentException: No enum constant " +
			"org.apache.kafka.connect.data.Schema.Type. for configuration Invalid type found in casting spec: "},
		// "a:" splits as Java does, to ["a"]: a whole-value cast to type "a".
		{map[string]string{"spec": "a:"}, "Invalid value java.lang.IllegalArgumentException: No enum constant " +
			"org.apache.kafka.connect.data.Schema.Type.A for configuration Invalid type found in casting spec: a"},
		// spec is checked before the keys after it, as Kafka parses them in order.
		{map[string]string{"spec": "x:y", "replace.null.with.default": "maybe"}, "Invalid value " +
			"java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.Y for " +
			"configuration Invalid type found in casting spec: y"},
		{map[string]string{"spec": "int8", "replace.null.with.default": "maybe"}, "Invalid value maybe for configuration " +
			"replace.null.with.default: Expected value to be either true or false"},
	} {
		_, err := castPlugin(t, castKeyClass).NewTransformation(tc.config)
		var ce *connector.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%v: got %v, want a ConfigError", tc.config, err)
			continue
		}
		if ce.Message != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.config, ce.Message, tc.want)
		}
	}
	for _, spec := range []string{" a : INT8 ", "Int32", "a:int8, b:string"} {
		if _, err := castPlugin(t, castValueClass).NewTransformation(map[string]string{"spec": spec}); err != nil {
			t.Errorf("spec %q: %v", spec, err)
		}
	}
}

func TestCastWholeValue(t *testing.T) {
	i32 := &connector.Schema{Type: connector.TypeInt32}
	f64 := &connector.Schema{Type: connector.TypeFloat64}
	str := &connector.Schema{Type: connector.TypeString}
	for _, tc := range []struct {
		spec   string
		schema *connector.Schema // nil: schemaless
		in     any
		want   any
	}{
		{"int8", i32, int32(42), int8(42)},
		{"int16", i32, int32(42), int16(42)},
		{"int32", i32, int32(42), int32(42)},
		{"int64", i32, int32(42), int64(42)},
		{"float32", i32, int32(42), float32(42)},
		{"float64", i32, int32(42), float64(42)},
		{"boolean", i32, int32(42), true},
		{"boolean", i32, int32(0), false},
		{"string", i32, int32(42), "42"},
		{"int8", nil, int64(42), int8(42)},
		{"string", nil, int64(42), "42"},
		// Narrowing keeps the low bits; floating point is truncated and saturated to int first.
		{"int8", nil, int64(300), int8(44)},
		{"int16", nil, int64(4294967297), int16(1)},
		{"int8", f64, 1e10, int8(-1)},
		{"int32", f64, -2147483649.9, int32(math.MinInt32)},
		{"int64", f64, 1e300, int64(math.MaxInt64)},
		{"int32", f64, math.NaN(), int32(0)},
		{"boolean", f64, 0.5, false},
		// Strings parse as Byte.parseByte, Integer.parseInt, Double.parseDouble and Boolean.parseBoolean do.
		{"int32", str, "-42", int32(-42)},
		{"int32", str, "+42", int32(42)},
		{"int64", str, "١٢٣", int64(123)},
		{"float64", str, " 1.5 ", 1.5},
		{"float64", str, "1.5f", 1.5},
		{"float64", str, "0x1p3", 8.0},
		{"float64", str, "1e400", math.Inf(1)},
		{"float32", str, "-Infinity", float32(math.Inf(-1))},
		{"boolean", str, "TRUE", true},
		{"boolean", str, "yes", false},
		// Java's toString of floating point.
		{"string", f64, 1e10, "1.0E10"},
		{"string", f64, 0.001, "0.001"},
		{"string", f64, 1e-4, "1.0E-4"},
		{"string", f64, math.Copysign(0, -1), "-0.0"},
		{"string", &connector.Schema{Type: connector.TypeFloat32}, float32(2147483648), "2.14748365E9"},
		{"string", &connector.Schema{Type: connector.TypeBytes}, []byte{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}, "/ty6mHZUMhA="},
	} {
		out, err := castApply(t, tc.spec, tc.schema, tc.in)
		if err != nil {
			t.Errorf("%s %v: %v", tc.spec, tc.in, err)
			continue
		}
		if !reflect.DeepEqual(out.Value, tc.want) && !(isNaN(out.Value) && isNaN(tc.want)) {
			t.Errorf("%s %#v: got %#v, want %#v", tc.spec, tc.in, out.Value, tc.want)
		}
		if tc.schema == nil {
			if out.ValueSchema != nil {
				t.Errorf("%s %#v: schemaless result has schema %+v", tc.spec, tc.in, out.ValueSchema)
			}
		} else if want := javaSchemaTypes[strings.ToUpper(tc.spec)]; out.ValueSchema == nil || out.ValueSchema.Type != want {
			t.Errorf("%s %#v: schema %+v, want type %s", tc.spec, tc.in, out.ValueSchema, want)
		}
	}
}

func isNaN(v any) bool {
	f, ok := v.(float64)
	return ok && math.IsNaN(f)
}

func TestCastWholeValueKeepsSchemaBasics(t *testing.T) {
	in := &connector.Schema{Type: connector.TypeFloat32, Optional: true, Default: float32(-42.125), Name: "n", Version: 3,
		Doc: "d", Parameters: map[string]string{"a": "b"}}
	out, err := castApply(t, "int32", in, float32(42.125))
	if err != nil {
		t.Fatal(err)
	}
	want := &connector.Schema{Type: connector.TypeInt32, Optional: true, Default: int32(-42), Name: "n", Version: 3,
		Doc: "d", Parameters: map[string]string{"a": "b"}}
	if !connector.SchemaEqual(out.ValueSchema, want) || out.Value != int32(42) {
		t.Errorf("got %+v %#v, want %+v 42", out.ValueSchema, out.Value, want)
	}
	// A Timestamp cast to int64 keeps its name, and a long default does not fit it: SchemaBuilderException.
	ts := &connector.Schema{Type: connector.TypeInt64, Name: connector.LogicalTimestamp, Version: 1, Default: time.UnixMilli(5).UTC()}
	_, err = castApply(t, "int64", ts, time.UnixMilli(7).UTC())
	var de *connector.DataError
	if !errors.As(err, &de) || err.Error() != "Invalid default value" {
		t.Errorf("got %v, want the DataException Invalid default value", err)
	}
	if c := err.(interface{ JavaClass() string }).JavaClass(); c != "org.apache.kafka.connect.errors.SchemaBuilderException" {
		t.Errorf("class %s", c)
	}
}

func TestCastKey(t *testing.T) {
	tr := newCastT(t, castKeyClass, map[string]string{"spec": "int8"})
	in := &connector.Record{Topic: "topic", KeySchema: &connector.Schema{Type: connector.TypeInt32}, Key: int32(42),
		ValueSchema: &connector.Schema{Type: connector.TypeString}, Value: "bogus"}
	out, err := tr.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.KeySchema.Type != connector.TypeInt8 || out.Key != int8(42) || out.Value != "bogus" || in.Key != int32(42) {
		t.Errorf("got %+v", out)
	}
}

func TestCastNullPassesThrough(t *testing.T) {
	for _, class := range []string{castKeyClass, castValueClass} {
		tr := newCastT(t, class, map[string]string{"spec": "foo:int64"})
		for _, rec := range []*connector.Record{
			{Topic: "topic", KeySchema: &connector.Schema{Type: connector.TypeString}, ValueSchema: &connector.Schema{Type: connector.TypeString, Optional: true}},
			{Topic: "topic"},
		} {
			out, err := tr.Apply(rec)
			if err != nil || out != rec {
				t.Errorf("%s: got %+v, %v; want the record itself", class, out, err)
			}
		}
	}
}

// castSupportedSchema is CastTest's struct of every type, with optional fields and defaults.
func castSupportedSchema() *connector.Schema {
	return &connector.Schema{Type: connector.TypeStruct, Name: "rec", Version: 2, Doc: "the doc", Fields: []connector.SchemaField{
		{Name: "int8", Schema: &connector.Schema{Type: connector.TypeInt8}},
		{Name: "int16", Schema: &connector.Schema{Type: connector.TypeInt16, Optional: true}},
		{Name: "int32", Schema: &connector.Schema{Type: connector.TypeInt32, Default: int32(2)}},
		{Name: "int64", Schema: &connector.Schema{Type: connector.TypeInt64}},
		{Name: "float32", Schema: &connector.Schema{Type: connector.TypeFloat32}},
		{Name: "float64", Schema: &connector.Schema{Type: connector.TypeFloat64, Default: -1.125}},
		{Name: "boolean", Schema: &connector.Schema{Type: connector.TypeBoolean}},
		{Name: "string", Schema: &connector.Schema{Type: connector.TypeString}},
		{Name: "bigdecimal", Schema: &connector.Schema{Type: connector.TypeBytes, Name: connector.LogicalDecimal, Version: 1,
			Parameters: map[string]string{"scale": "0"}}},
		{Name: "date", Schema: &connector.Schema{Type: connector.TypeInt32, Name: connector.LogicalDate, Version: 1}},
		{Name: "optional", Schema: &connector.Schema{Type: connector.TypeFloat32, Optional: true}},
		{Name: "timestamp", Schema: &connector.Schema{Type: connector.TypeInt64, Name: connector.LogicalTimestamp, Version: 1}},
		{Name: "bytes", Schema: &connector.Schema{Type: connector.TypeBytes}},
	}}
}

func TestCastFieldsWithSchema(t *testing.T) {
	schema := castSupportedSchema()
	in := connector.NewStruct(schema)
	day := time.UnixMilli(millisPerDay).UTC()
	for name, v := range map[string]any{"int8": int8(8), "int16": int16(16), "int32": int32(32), "int64": int64(64),
		"float32": float32(32), "float64": -64.0, "boolean": true, "string": "42", "bigdecimal": big.NewRat(42, 1),
		"date": day, "timestamp": time.UnixMilli(0).UTC(), "bytes": []byte{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}} {
		if err := in.Put(name, v); err != nil {
			t.Fatal(err)
		}
	}
	out, err := castApply(t, "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,"+
		"boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string", schema, in)
	if err != nil {
		t.Fatal(err)
	}
	st := out.Value.(*connector.Struct)
	want := map[string]any{"int8": int16(8), "int16": int32(16), "int32": int64(32), "int64": true, "float32": 32.0,
		"float64": true, "boolean": int8(1), "string": int32(42), "bigdecimal": "42", "date": "1970-01-02",
		"optional": nil, "timestamp": time.UnixMilli(0).UTC(), "bytes": "/ty6mHZUMhA="}
	for name, w := range want {
		if got, _ := st.Get(name); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %#v, want %#v", name, got, w)
		}
	}
	types := map[string]connector.SchemaType{"int8": connector.TypeInt16, "int16": connector.TypeInt32,
		"int32": connector.TypeInt64, "int64": connector.TypeBoolean, "float32": connector.TypeFloat64,
		"float64": connector.TypeBoolean, "boolean": connector.TypeInt8, "string": connector.TypeInt32,
		"bigdecimal": connector.TypeString, "date": connector.TypeString, "optional": connector.TypeInt32,
		"bytes": connector.TypeString, "timestamp": connector.TypeInt64}
	for name, w := range types {
		if _, f := st.Schema.Field(name); f == nil || f.Schema.Type != w {
			t.Errorf("%s: schema %+v, want type %s", name, f, w)
		}
	}
	// Cast fields lose name and parameters; the others keep their schema; defaults are cast; the struct keeps
	// its name, version and doc.
	if _, f := st.Schema.Field("timestamp"); f.Schema.Name != connector.LogicalTimestamp {
		t.Errorf("timestamp field changed: %+v", f.Schema)
	}
	if _, f := st.Schema.Field("bigdecimal"); f.Schema.Name != "" || f.Schema.Parameters != nil {
		t.Errorf("bigdecimal field kept its logical schema: %+v", f.Schema)
	}
	if _, f := st.Schema.Field("int32"); f.Schema.Default != int64(2) {
		t.Errorf("int32 default %#v, want 2L", f.Schema.Default)
	}
	if _, f := st.Schema.Field("float64"); f.Schema.Default != true {
		t.Errorf("float64 default %#v, want true", f.Schema.Default)
	}
	if _, f := st.Schema.Field("int16"); !f.Schema.Optional {
		t.Error("int16 lost its optionality")
	}
	if st.Schema.Name != "rec" || st.Schema.Version != 2 || st.Schema.Doc != "the doc" {
		t.Errorf("struct schema basics lost: %+v", st.Schema)
	}
	// The input struct is untouched.
	if v, _ := in.Get("int8"); v != int8(8) || in.Schema != schema {
		t.Error("input modified")
	}
}

func TestCastLogicalFields(t *testing.T) {
	dateS := &connector.Schema{Type: connector.TypeInt32, Name: connector.LogicalDate, Version: 1}
	timeS := &connector.Schema{Type: connector.TypeInt32, Name: connector.LogicalTime, Version: 1}
	tsS := &connector.Schema{Type: connector.TypeInt64, Name: connector.LogicalTimestamp, Version: 1}
	decS := func(scale string) *connector.Schema {
		return &connector.Schema{Type: connector.TypeBytes, Name: connector.LogicalDecimal, Version: 1,
			Parameters: map[string]string{"scale": scale}}
	}
	for _, tc := range []struct {
		name   string
		schema *connector.Schema
		in     any
		spec   string
		want   any
	}{
		{"date to int32", dateS, time.UnixMilli(millisPerDay).UTC(), "int32", int32(1)},
		{"timestamp to int64", tsS, time.UnixMilli(0).UTC(), "int64", int64(0)},
		{"time to int64", timeS, time.UnixMilli(1).UTC(), "int64", int64(1)},
		{"decimal to int32", decS("0"), big.NewRat(math.MaxInt32+1, 1), "int32", int32(math.MinInt32)},
		{"timestamp to float64", tsS, time.UnixMilli(math.MaxInt64).UTC(), "float64", 9.223372036854776e18},
		{"decimal to boolean", decS("1"), big.NewRat(1, 2), "boolean", false},
		{"decimal to string", decS("2"), big.NewRat(-12345, 100), "string", "-123.45"},
		{"decimal scientific", decS("-3"), big.NewRat(7000, 1), "string", "7E+3"},
		{"decimal small", decS("8"), big.NewRat(5, 100000000), "string", "5E-8"},
		{"date to string", dateS, time.UnixMilli(millisPerDay).UTC(), "string", "1970-01-02"},
		{"epoch date to string", dateS, time.UnixMilli(0).UTC(), "string", "00:00:00.000Z"},
		{"time to string", timeS, time.UnixMilli(3600000).UTC(), "string", "01:00:00.000Z"},
		{"timestamp to string", tsS, time.UnixMilli(86400001).UTC(), "string", "1970-01-02T00:00:00.001Z"},
		{"negative timestamp to string", tsS, time.UnixMilli(-1).UTC(), "string", "23:59:59.999Z"},
	} {
		schema := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
			{Name: "x", Schema: tc.schema}, {Name: "null_ts", Schema: &connector.Schema{Type: connector.TypeInt64,
				Name: connector.LogicalTimestamp, Version: 1, Optional: true}}}}
		in := connector.NewStruct(schema)
		if err := in.Put("x", tc.in); err != nil {
			t.Fatal(err)
		}
		out, err := castApply(t, "x:"+tc.spec+",null_ts:int32", schema, in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		st := out.Value.(*connector.Struct)
		if got, _ := st.Get("x"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, got, tc.want)
		}
		if got, _ := st.Get("null_ts"); got != nil {
			t.Errorf("%s: null_ts %#v", tc.name, got)
		}
		if _, f := st.Schema.Field("null_ts"); f.Schema.Type != connector.TypeInt32 || !f.Schema.Optional {
			t.Errorf("%s: null_ts schema %+v", tc.name, f.Schema)
		}
	}
}

func TestCastFieldWithDefaultReplaceNull(t *testing.T) {
	schema := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "magic", Schema: &connector.Schema{Type: connector.TypeInt32, Optional: true, Default: int32(10)}}}}
	for replace, want := range map[string]any{"true": "10", "false": nil} {
		tr := newCastT(t, castValueClass, map[string]string{"spec": "magic:string", "replace.null.with.default": replace})
		out, err := tr.Apply(&connector.Record{Topic: "topic", ValueSchema: schema, Value: connector.NewStruct(schema)})
		if err != nil {
			t.Fatal(err)
		}
		st := out.Value.(*connector.Struct)
		if got, _ := st.GetWithoutDefault("magic"); got != want {
			t.Errorf("replace %s: got %#v, want %#v", replace, got, want)
		}
		if _, f := st.Schema.Field("magic"); f.Schema.Type != connector.TypeString || f.Schema.Default != "10" {
			t.Errorf("replace %s: schema %+v", replace, f.Schema)
		}
	}
}

func TestCastFieldsSchemaless(t *testing.T) {
	in := map[string]any{"int8": int8(8), "int16": int16(16), "int32": int32(32), "int64": int64(64),
		"float32": float32(32), "float64": -64.0, "boolean": true, "string": "42", "other": "x"}
	out, err := castApply(t, "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,"+
		"boolean:int8,string:int32,absent:string", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"int8": int16(8), "int16": int32(16), "int32": int64(32), "int64": true, "float32": 32.0,
		"float64": true, "boolean": int8(1), "string": int32(42), "other": "x", "absent": nil}
	if out.ValueSchema != nil || !reflect.DeepEqual(out.Value, want) {
		t.Errorf("got %#v, want %#v", out.Value, want)
	}
	if in["int8"] != int8(8) || len(in) != 9 {
		t.Error("input map modified")
	}
}

func TestCastErrors(t *testing.T) {
	structS := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "a", Schema: &connector.Schema{Type: connector.TypeInt32}},
		{Name: "b", Schema: &connector.Schema{Type: connector.TypeBytes}},
		{Name: "s", Schema: &connector.Schema{Type: connector.TypeString}}}}
	st := connector.NewStruct(structS)
	for k, v := range map[string]any{"a": int32(1), "b": []byte{1}, "s": "abc"} {
		if err := st.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	structWithDefault := *structS
	structWithDefault.Default = st
	for _, tc := range []struct {
		name, spec string
		schema     *connector.Schema
		value      any
		want       string
	}{
		{"schemaless list", "int8", nil, []any{"foo"}, "Cast transformation does not support casting from ARRAY; " +
			"supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{"schemaless map", "string", nil, map[string]any{"a": int64(1)}, "Cast transformation does not support " +
			"casting from MAP; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{"schemaless date", "string", nil, time.UnixMilli(0), "Cast transformation was passed a value of type class " +
			"java.util.Date which is not supported by Connect's data API"},
		{"struct whole", "string", structS, st, "Cast transformation does not support casting from STRUCT; supported " +
			"types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{"struct default", "a:string", &structWithDefault, st, "Cast transformation does not support casting from " +
			"STRUCT; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{"fields of non-struct", "a:int8", &connector.Schema{Type: connector.TypeInt32}, int32(4),
			"Cannot list fields on non-struct type"},
		{"fields of non-map", "a:int8", nil, int64(42), "Only Map objects supported in absence of schema for " +
			"[cast types], found: java.lang.Long"},
		{"bytes to int", "b:int32", structS, st, "Unexpected type in Cast transformation: class [B"},
		{"unparsable", "s:int8", structS, st, "Value (abc) was out of range for requested data type"},
		{"out of range", "int8", &connector.Schema{Type: connector.TypeString}, "128",
			"Value (128) was out of range for requested data type"},
		{"not a double", "float64", &connector.Schema{Type: connector.TypeString}, "inf",
			"Value (inf) was out of range for requested data type"},
		{"underscores", "int32", &connector.Schema{Type: connector.TypeString}, "1_000",
			"Value (1_000) was out of range for requested data type"},
	} {
		_, err := castApply(t, tc.spec, tc.schema, tc.value)
		var de *connector.DataError
		if !errors.As(err, &de) || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

func TestJavaFloatingPointStrings(t *testing.T) {
	// Kafka's reference runs on JDK 17, whose FloatingDecimal prints integral values from their exact digits.
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{4.0332118480181683e17, "4.0332118480181683E17"},
		{-4.396735142290755e18, "-4.3967351422907551E18"},
		{1e16, "1.0E16"},
		{123456789012.0, "1.23456789012E11"},
		{1e7, "1.0E7"},
		{9999999.0, "9999999.0"},
		{0.1, "0.1"},
		{100, "100.0"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{math.Inf(-1), "-Infinity"},
	} {
		if got := javaDoubleString(tc.f); got != tc.want {
			t.Errorf("double %v: got %s, want %s", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		f    float32
		want string
	}{
		{2147483648, "2.14748365E9"},
		{1099511627776, "1.09951163E12"},
		{123456792, "1.23456792E8"},
		{4.189375e18, "4.18937487E18"},
		{42.125, "42.125"},
		{1e10, "1.0E10"},
		{3.4028235e38, "3.4028235E38"},
		{1.4e-45, "1.4E-45"},
	} {
		if got := javaFloatString(tc.f); got != tc.want {
			t.Errorf("float %v: got %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestCastSpecValidator(t *testing.T) {
	if msg := castSpecValidator("spec", []string{"a:int8"}); msg != "" {
		t.Errorf("valid spec: %q", msg)
	}
	if msg := castSpecValidator("spec", []string{}); msg != "Must specify at least one field to cast." {
		t.Errorf("empty spec: %q", msg)
	}
}
