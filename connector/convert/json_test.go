package convert

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

var personSchema = &connector.Schema{
	Type: connector.TypeStruct, Name: "com.acme.Person", Version: 1,
	Fields: []connector.SchemaField{
		{Name: "id", Schema: &connector.Schema{Type: connector.TypeInt32}},
		{Name: "name", Schema: &connector.Schema{Type: connector.TypeString, Optional: true}},
	},
}

// TestJSONFromConnectDataCompactRawJSON checks that a compact connector.RawJSON is written without a copy: the
// bytes returned are the value's own, and converting them allocates nothing.
func TestJSONFromConnectDataCompactRawJSON(t *testing.T) {
	c := configured(t, map[string]string{KeySchemasEnable: "false"})
	raw := connector.RawJSON(`{"ts":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","a":[true,null,-0.5e3]}`)
	got, err := c.FromConnectData("topic", nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(raw) || &got[0] != &raw[0] {
		t.Fatalf("FromConnectData = %s at %p, want the value itself at %p", got, &got[0], &raw[0])
	}
	var value any = raw
	if n := testing.AllocsPerRun(100, func() { _, _ = c.FromConnectData("topic", nil, value) }); n != 0 {
		t.Errorf("FromConnectData of a compact raw JSON value allocates %v times, want 0", n)
	}
}

func TestJSONFromConnectDataGolden(t *testing.T) {
	t.Parallel()
	decimal2 := DecimalSchema(2)
	tests := []struct {
		name   string
		config map[string]string
		schema *connector.Schema
		value  any
		want   string
	}{
		{
			name:   "struct example of the reference",
			schema: personSchema,
			value:  &connector.Struct{Schema: personSchema, Values: []any{int32(1), "x"}},
			want: `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},` +
				`{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"com.acme.Person","version":1},` +
				`"payload":{"id":1,"name":"x"}}`,
		},
		{
			name: "connector config record with schemas",
			schema: &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{{Name: "properties",
				Schema: &connector.Schema{Type: connector.TypeMap, KeySchema: &connector.Schema{Type: connector.TypeString},
					ValueSchema: &connector.Schema{Type: connector.TypeString, Optional: true}}}}},
			value: &connector.Struct{Values: []any{map[string]any{"topics": "t", "file": nil}}},
			want: `{"schema":{"type":"struct","fields":[{"type":"map","keys":{"type":"string","optional":false},` +
				`"values":{"type":"string","optional":true},"optional":false,"field":"properties"}],"optional":false},` +
				`"payload":{"properties":{"file":null,"topics":"t"}}}`,
		},
		{
			name:  "schemaless with schemas enabled",
			value: map[string]any{"b": []any{true, nil}, "a": int64(1)},
			want:  `{"schema":null,"payload":{"a":1,"b":[true,null]}}`,
		},
		{
			name:   "schemaless with schemas disabled",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  map[string]any{"position": int64(1234)},
			want:   `{"position":1234}`,
		},
		{
			name:   "offsets key shape",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  []any{"file-source", map[string]any{"filename": "in.txt"}},
			want:   `["file-source",{"filename":"in.txt"}]`,
		},
		{
			name:   "optional null",
			schema: &connector.Schema{Type: connector.TypeString, Optional: true},
			want:   `{"schema":{"type":"string","optional":true},"payload":null}`,
		},
		{
			name:   "null replaced by default",
			schema: &connector.Schema{Type: connector.TypeInt32, Default: int32(5)},
			want:   `{"schema":{"type":"int32","optional":false,"default":5},"payload":5}`,
		},
		{
			name:   "null kept when replace.null.with.default is false",
			config: map[string]string{KeyReplaceNullWithDefault: "false"},
			schema: &connector.Schema{Type: connector.TypeInt32, Optional: true, Default: int32(5)},
			want:   `{"schema":{"type":"int32","optional":true,"default":5},"payload":null}`,
		},
		{
			name:   "primitives",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  []any{int8(-1), int16(2), int32(3), int64(4), float32(0.1), 100.0, 1e10, true, "s", []byte{0xff}},
			want:   `[-1,2,3,4,0.1,100.0,1.0E10,true,"s","/w=="]`,
		},
		{
			name: "all schema attributes",
			schema: &connector.Schema{Type: connector.TypeFloat64, Optional: true, Name: "n", Version: 3, Doc: "d",
				Parameters: map[string]string{"b": "2", "a": "1"}, Default: 1.5},
			value: 0.001,
			want: `{"schema":{"type":"double","optional":true,"name":"n","version":3,"doc":"d",` +
				`"parameters":{"a":"1","b":"2"},"default":1.5},"payload":0.001}`,
		},
		{
			name:   "array",
			schema: &connector.Schema{Type: connector.TypeArray, ValueSchema: &connector.Schema{Type: connector.TypeInt64}},
			value:  []int64{1, 2},
			want:   `{"schema":{"type":"array","items":{"type":"int64","optional":false},"optional":false},"payload":[1,2]}`,
		},
		{
			name: "map with non-string keys is an array of pairs",
			schema: &connector.Schema{Type: connector.TypeMap, KeySchema: &connector.Schema{Type: connector.TypeInt32},
				ValueSchema: &connector.Schema{Type: connector.TypeString}},
			value: map[any]any{int32(2): "b", int32(10): "c", int32(1): "a"},
			want: `{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},` +
				`"optional":false},"payload":[[1,"a"],[10,"c"],[2,"b"]]}`,
		},
		{
			name:   "schemaless map with non-string keys",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  map[any]any{int64(1): "x"},
			want:   `[[1,"x"]]`,
		},
		{
			name:   "decimal base64",
			schema: decimal2,
			value:  ratOf("1.5"),
			want: `{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,` +
				`"parameters":{"scale":"2"}},"payload":"AJY="}`,
		},
		{
			name:   "negative decimal base64 from unscaled big.Int",
			config: map[string]string{KeySchemasEnable: "false"},
			schema: decimal2,
			value:  big.NewInt(-150),
			want:   `"/2o="`,
		},
		{
			name:   "decimal numeric keeps the scale",
			config: map[string]string{KeySchemasEnable: "false", KeyDecimalFormat: "numeric"},
			schema: decimal2,
			value:  ratOf("1.5"),
			want:   `1.50`,
		},
		{
			name:   "date time timestamp",
			config: map[string]string{KeySchemasEnable: "false"},
			schema: &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
				{Name: "d", Schema: DateSchema()}, {Name: "t", Schema: TimeSchema()}, {Name: "ts", Schema: TimestampSchema()},
				{Name: "raw", Schema: DateSchema()},
			}},
			value: &connector.Struct{Values: []any{
				time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
				time.Date(1970, 1, 1, 1, 2, 3, 4e6, time.UTC),
				time.Date(2024, 1, 15, 1, 2, 3, 4e6, time.UTC),
				int32(7),
			}},
			want: `{"d":19737,"t":3723004,"ts":1705280523004,"raw":7}`,
		},
		{
			name:   "raw JSON is embedded with a null schema",
			schema: &connector.Schema{Type: connector.TypeString},
			value:  connector.RawJSON("{ \"a\" : [1, 2.50] }"),
			want:   `{"schema":null,"payload":{"a":[1,2.50]}}`,
		},
		{
			name:   "raw JSON without envelope",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  connector.RawJSON(`"x"`),
			want:   `"x"`,
		},
		{
			name:   "raw JSON with white space without envelope",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  connector.RawJSON("\t{ \"a\" : [1, 2.50, \"x y\"] }\n"),
			want:   `{"a":[1,2.50,"x y"]}`,
		},
		{
			name:   "jackson escaping",
			config: map[string]string{KeySchemasEnable: "false"},
			value:  "<a href=\"/x\">\u2028\x01</a>",
			want:   "\"<a href=\\\"/x\\\">\u2028\\u0001</a>\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := configured(t, tt.config)
			value := tt.value
			if st, ok := value.(*connector.Struct); ok && st.Schema == nil {
				st.Schema = tt.schema
			}
			got, err := c.FromConnectData("topic", tt.schema, value)
			if err != nil {
				t.Fatalf("FromConnectData: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("FromConnectData =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestJSONTombstone(t *testing.T) {
	t.Parallel()
	for _, enabled := range []string{"true", "false"} {
		c := configured(t, map[string]string{KeySchemasEnable: enabled})
		got, err := c.FromConnectData("t", nil, nil)
		if err != nil || got != nil {
			t.Errorf("schemas.enable=%s: FromConnectData(nil, nil) = %q, %v; want nil bytes", enabled, got, err)
		}
		s, v, err := c.ToConnectData("t", nil)
		if err != nil || s != nil || v != nil {
			t.Errorf("schemas.enable=%s: ToConnectData(nil) = %v, %v, %v", enabled, s, v, err)
		}
	}
}

func TestJSONFromConnectDataErrors(t *testing.T) {
	t.Parallel()
	other := &connector.Schema{Type: connector.TypeStruct, Fields: personSchema.Fields}
	tests := []struct {
		name   string
		schema *connector.Schema
		value  any
		want   string
	}{
		{"required null", &connector.Schema{Type: connector.TypeInt32}, nil,
			"Conversion error: null value for field that is required and has no default value"},
		{"wrong type", &connector.Schema{Type: connector.TypeInt32}, "x", "Invalid type for INT32: string"},
		{"int out of range", &connector.Schema{Type: connector.TypeInt8}, 300, "Invalid type for INT8: int"},
		{"bytes", &connector.Schema{Type: connector.TypeBytes}, "x", "Invalid type for bytes type: string"},
		{"struct with another schema", personSchema, &connector.Struct{Schema: other, Values: []any{int32(1), nil}},
			"Mismatching schema."},
		{"schemaless struct", nil, &connector.Struct{Schema: personSchema}, "Mismatching schema."},
		{"schemaless time", nil, time.Now(), "does not have corresponding schema type"},
		{"decimal scale", DecimalSchema(1), ratOf("1.25"), "Decimal value has mismatching scale"},
		{"decimal type", DecimalSchema(1), 1.5, "Invalid type for Decimal, expected BigDecimal but was float64"},
		{"decimal without scale", &connector.Schema{Type: connector.TypeBytes, Name: DecimalName}, ratOf("1"),
			"Invalid Decimal schema: scale parameter not found."},
		{"date with time", DateSchema(), time.Date(2024, 1, 15, 1, 0, 0, 0, time.UTC),
			"Kafka Connect Date type should not have any time fields set to non-zero values."},
		{"time with date", TimeSchema(), time.Date(2024, 1, 15, 1, 0, 0, 0, time.UTC),
			"Kafka Connect Time type should not have any date fields set to non-zero values."},
		{"timestamp type", TimestampSchema(), "now", "Invalid type for Timestamp, expected Date but was string"},
		{"invalid raw json", nil, connector.RawJSON(`{`), "Converting Kafka Connect data to byte[] failed"},
		{"unsupported schema type", &connector.Schema{Type: "uuid"}, "x", "Couldn't translate unsupported schema type uuid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewJSON().FromConnectData("t", tt.schema, tt.value)
			wantDataError(t, err, tt.want)
		})
	}
}

func TestJSONToConnectDataSchemaless(t *testing.T) {
	t.Parallel()
	c := configured(t, map[string]string{KeySchemasEnable: "false"})
	s, v, err := c.ToConnectData("t", []byte(`{"a":1,"b":1.5,"c":[true,null,"x"],"d":{"e":-1},"big":18446744073709551617}`))
	if err != nil {
		t.Fatal(err)
	}
	if s != nil {
		t.Errorf("schema = %+v, want nil", s)
	}
	want := map[string]any{"a": int64(1), "b": 1.5, "c": []any{true, nil, "x"}, "d": map[string]any{"e": int64(-1)},
		// Java's JsonNode.longValue keeps the low 64 bits of a BigInteger.
		"big": int64(1)}
	if !equalValues(v, want) {
		t.Errorf("value = %#v, want %#v", v, want)
	}

	// Like Jackson's readTree, the converter ignores what follows the first value.
	if _, v, err := c.ToConnectData("t", []byte(`{"a":1} trailing`)); err != nil || !equalValues(v, map[string]any{"a": int64(1)}) {
		t.Errorf("trailing data: %#v, %v", v, err)
	}

	// Empty input is Jackson's MissingNode, a null value.
	if s, v, err := c.ToConnectData("t", []byte("  ")); err != nil || s != nil || v != nil {
		t.Errorf("empty input = %v, %v, %v; want nil, nil, nil", s, v, err)
	}
	_, _, err = c.ToConnectData("t", []byte(`{"a":`))
	wantDataError(t, err, "Converting byte[] to Kafka Connect data failed due to serialization error: ")
}

func TestJSONToConnectDataEnvelope(t *testing.T) {
	t.Parallel()
	c := NewJSON()
	for _, in := range []string{`{"a":1}`, `{"schema":null,"payload":1,"x":2}`, `[1]`, `1`, `{"schema":null,"x":1}`, ` `} {
		_, _, err := c.ToConnectData("t", []byte(in))
		var de *DataError
		if !errors.As(err, &de) || de.Message != envelopeError {
			t.Errorf("ToConnectData(%s) err = %v, want the envelope error", in, err)
		}
	}
	s, v, err := c.ToConnectData("t", []byte(`{"schema":null,"payload":{"a":[1]}}`))
	if err != nil || s != nil || !equalValues(v, map[string]any{"a": []any{int64(1)}}) {
		t.Errorf("null schema envelope = %v, %#v, %v", s, v, err)
	}
}

func TestJSONToConnectDataGolden(t *testing.T) {
	t.Parallel()
	in := `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},` +
		`{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"com.acme.Person","version":1},` +
		`"payload":{"id":1,"name":"x"}}`
	s, v, err := NewJSON().ToConnectData("t", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !equalSchemas(s, personSchema) {
		t.Errorf("schema = %+v, want %+v", s, personSchema)
	}
	want := &connector.Struct{Schema: personSchema, Values: []any{int32(1), "x"}}
	if !equalValues(v, want) {
		t.Errorf("value = %#v, want %#v", v, want)
	}
}

func TestJSONToConnectDataCoercesLikeJackson(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want any
	}{
		{`{"schema":{"type":"int32"},"payload":"x"}`, int32(0)},
		{`{"schema":{"type":"int32"},"payload":7.9}`, int32(7)},
		{`{"schema":{"type":"int8"},"payload":300}`, int8(44)},
		{`{"schema":{"type":"boolean"},"payload":1}`, false},
		{`{"schema":{"type":"string"},"payload":5}`, nil},
		{`{"schema":{"type":"float"},"payload":1}`, float32(1)},
		{`{"schema":{"type":"array","items":{"type":"int64"}},"payload":5}`, []any{}},
		{`{"schema":{"type":"int32","optional":true,"default":3},"payload":null}`, int32(3)},
		{`{"schema":{"type":"bytes"},"payload":"AQI="}`, []byte{1, 2}},
	}
	for _, tt := range tests {
		_, v, err := NewJSON().ToConnectData("t", []byte(tt.in))
		if err != nil {
			t.Errorf("ToConnectData(%s): %v", tt.in, err)
			continue
		}
		if !equalValues(v, tt.want) {
			t.Errorf("ToConnectData(%s) = %#v, want %#v", tt.in, v, tt.want)
		}
	}
}

func TestJSONToConnectDataErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`{"schema":{"fields":[]},"payload":1}`, "Schema must contain 'type' field"},
		{`{"schema":"int32","payload":1}`, "Schema must contain 'type' field"},
		{`{"schema":{"type":"uuid"},"payload":1}`, "Unknown schema type: uuid"},
		{`{"schema":{"type":"array"},"payload":[]}`, "Array schema did not specify the element type"},
		{`{"schema":{"type":"map","values":{"type":"int8"}},"payload":{}}`, "Map schema did not specify the key type"},
		{`{"schema":{"type":"map","keys":{"type":"int8"}},"payload":{}}`, "Map schema did not specify the value type"},
		{`{"schema":{"type":"struct","fields":{}},"payload":{}}`, `Struct schema's "fields" argument is not an array.`},
		{`{"schema":{"type":"struct","fields":[{"type":"int8"}]},"payload":{}}`, "Struct schema's field name not specified properly"},
		{`{"schema":{"type":"string","parameters":{"a":1}},"payload":""}`, "Schema parameters must have string values."},
		{`{"schema":{"type":"int32"},"payload":null}`, "Invalid null value for required INT32 field"},
		{`{"schema":{"type":"struct","fields":[{"type":"string","field":"name"}]},"payload":{"name":5}}`,
			`Invalid value: null used for required field: "name", schema type: STRING`},
		{`{"schema":{"type":"struct","fields":[]},"payload":[]}`, "Structs should be encoded as JSON objects, but found ARRAY"},
		{`{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}},"payload":[]}`,
			"Maps with string fields should be encoded as JSON objects, but found ARRAY"},
		{`{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}},"payload":{}}`,
			"Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT"},
		{`{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}},"payload":[1]}`,
			"Found invalid map entry instead of array tuple: NUMBER"},
		{`{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}},"payload":[[1]]}`,
			"Found invalid map entry, expected length 2 but found :1"},
		{`{"schema":{"type":"bytes"},"payload":"!!"}`, "Invalid bytes field"},
		{`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":true}`,
			"Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN"},
		{`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":""}`,
			"Invalid bytes for Decimal field"},
		{`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":1.5}`,
			"Invalid type for Date, underlying representation should be integer but was NUMBER"},
		{`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time"},"payload":86400001}`,
			"Time values must use number of milliseconds greater than 0 and less than 86400000"},
		{`{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"},"payload":"x"}`,
			"Invalid type for Timestamp, underlying representation should be integral but was STRING"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, _, err := NewJSON().ToConnectData("t", []byte(tt.in))
			wantDataError(t, err, tt.want)
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	inner := &connector.Schema{Type: connector.TypeStruct, Optional: true, Name: "inner", Fields: []connector.SchemaField{
		{Name: "flag", Schema: &connector.Schema{Type: connector.TypeBoolean, Default: true}},
	}}
	schema := &connector.Schema{Type: connector.TypeStruct, Name: "all", Version: 2, Doc: "every type",
		Parameters: map[string]string{"k": "v"},
		Fields: []connector.SchemaField{
			{Name: "i8", Schema: &connector.Schema{Type: connector.TypeInt8}},
			{Name: "i16", Schema: &connector.Schema{Type: connector.TypeInt16}},
			{Name: "i32", Schema: &connector.Schema{Type: connector.TypeInt32, Default: int32(42)}},
			{Name: "i64", Schema: &connector.Schema{Type: connector.TypeInt64}},
			{Name: "f32", Schema: &connector.Schema{Type: connector.TypeFloat32}},
			{Name: "f64", Schema: &connector.Schema{Type: connector.TypeFloat64}},
			{Name: "b", Schema: &connector.Schema{Type: connector.TypeBoolean}},
			{Name: "s", Schema: &connector.Schema{Type: connector.TypeString, Optional: true}},
			{Name: "bytes", Schema: &connector.Schema{Type: connector.TypeBytes}},
			{Name: "list", Schema: &connector.Schema{Type: connector.TypeArray, ValueSchema: &connector.Schema{Type: connector.TypeString}}},
			{Name: "smap", Schema: &connector.Schema{Type: connector.TypeMap, KeySchema: &connector.Schema{Type: connector.TypeString},
				ValueSchema: &connector.Schema{Type: connector.TypeInt64}}},
			{Name: "imap", Schema: &connector.Schema{Type: connector.TypeMap, KeySchema: &connector.Schema{Type: connector.TypeInt16},
				ValueSchema: &connector.Schema{Type: connector.TypeString, Optional: true}}},
			{Name: "inner", Schema: inner},
			{Name: "dec", Schema: DecimalSchema(3)},
			{Name: "date", Schema: DateSchema()},
			{Name: "time", Schema: TimeSchema()},
			{Name: "ts", Schema: TimestampSchema()},
		},
	}
	value := &connector.Struct{Schema: schema, Values: []any{
		int8(-8), int16(1600), int32(-32), int64(1 << 40), float32(3.25), 1e-7, true, nil, []byte("bin"),
		[]any{"a", "b"}, map[string]any{"x": int64(1)}, map[any]any{int16(5): "five", int16(6): nil},
		&connector.Struct{Schema: inner, Values: []any{false}},
		ratOf("-12.345"),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 23, 59, 59, 999e6, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
	}}
	for _, format := range []string{"BASE64", "NUMERIC"} {
		c := configured(t, map[string]string{KeyDecimalFormat: format})
		data, err := c.FromConnectData("t", schema, value)
		if err != nil {
			t.Fatalf("%s: FromConnectData: %v", format, err)
		}
		s, v, err := c.ToConnectData("t", data)
		if err != nil {
			t.Fatalf("%s: ToConnectData(%s): %v", format, data, err)
		}
		if !equalSchemas(s, schema) {
			t.Errorf("%s: schema round trip differs:\n got %+v\nwant %+v", format, s, schema)
		}
		if !equalValues(v, &connector.Struct{Schema: s, Values: value.Values}) {
			t.Errorf("%s: value round trip differs:\n got %#v\nwant %#v", format, v, value)
		}
		again, err := c.FromConnectData("t", s, v)
		if err != nil || string(again) != string(data) {
			t.Errorf("%s: second write = %s, %v; want %s", format, again, err, data)
		}
	}
}

func TestJSONConfigure(t *testing.T) {
	t.Parallel()
	c := NewJSON()
	err := c.Configure(map[string]string{KeySchemasEnable: "maybe"}, true)
	if err == nil || err.Error() != "Invalid value maybe for configuration schemas.enable: Expected value to be either true or false" {
		t.Errorf("Configure(schemas.enable=maybe) = %v", err)
	}
	err = c.Configure(map[string]string{KeyDecimalFormat: "hex"}, false)
	var pe *connector.ParseError
	if !errors.As(err, &pe) {
		t.Errorf("Configure(decimal.format=hex) = %v, want *connector.ParseError", err)
	}
	if err := c.Configure(map[string]string{KeySchemasEnable: " FALSE ", KeyDecimalFormat: "Numeric"}, false); err != nil {
		t.Fatal(err)
	}
	got, err := c.FromConnectData("t", DecimalSchema(1), ratOf("2.5"))
	if err != nil || string(got) != "2.5" {
		t.Errorf("after Configure: %s, %v; want 2.5", got, err)
	}
}
