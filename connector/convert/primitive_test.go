package convert

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/connectd/connectd/connector"
)

// TestPrimitiveGoldenBytes checks the bytes against Kafka's serializers: LongSerializer and DoubleSerializer
// write 8 bytes big-endian (Double.doubleToLongBits, one canonical NaN), IntegerSerializer and
// FloatSerializer 4 (Float.floatToRawIntBits, NaN payload kept), ShortSerializer 2, BooleanSerializer one
// byte 0x01 or 0x00.
func TestPrimitiveGoldenBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		conv  *PrimitiveConverter
		value any
		want  []byte
	}{
		{"long", NewLong(), int64(0x0102030405060708), []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{"long -1", NewLong(), int64(-1), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"long min", NewLong(), int64(math.MinInt64), []byte{0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"integer", NewInteger(), int32(0x01020304), []byte{1, 2, 3, 4}},
		{"integer -2", NewInteger(), int32(-2), []byte{0xff, 0xff, 0xff, 0xfe}},
		{"short", NewShort(), int16(0x0102), []byte{1, 2}},
		{"short min", NewShort(), int16(math.MinInt16), []byte{0x80, 0}},
		{"double 1.5", NewDouble(), 1.5, []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}},
		{"double -inf", NewDouble(), math.Inf(-1), []byte{0xff, 0xf0, 0, 0, 0, 0, 0, 0}},
		{"double NaN with payload", NewDouble(), math.Float64frombits(0x7ff0000000000001), []byte{0x7f, 0xf8, 0, 0, 0, 0, 0, 0}},
		{"float 1.5", NewFloat(), float32(1.5), []byte{0x3f, 0xc0, 0, 0}},
		{"float -0", NewFloat(), float32(math.Copysign(0, -1)), []byte{0x80, 0, 0, 0}},
		{"float NaN with payload", NewFloat(), math.Float32frombits(0x7fc00001), []byte{0x7f, 0xc0, 0, 1}},
		{"boolean true", NewBoolean(), true, []byte{1}},
		{"boolean false", NewBoolean(), false, []byte{0}},
	}
	for _, tc := range tests {
		got, err := tc.conv.FromConnectData("t", nil, tc.value)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: FromConnectData = % x, %v; want % x", tc.name, got, err, tc.want)
		}
		h, err := tc.conv.HeaderConverter().FromConnectHeader("t", "h", nil, tc.value)
		if err != nil || !bytes.Equal(h, tc.want) {
			t.Errorf("%s: FromConnectHeader = % x, %v; want % x", tc.name, h, err, tc.want)
		}
	}
}

func TestPrimitiveRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		conv   *PrimitiveConverter
		schema connector.SchemaType
		values []any
	}{
		{NewLong(), connector.TypeInt64, []any{int64(0), int64(1), int64(-1), int64(math.MaxInt64), int64(math.MinInt64)}},
		{NewInteger(), connector.TypeInt32, []any{int32(0), int32(-7), int32(math.MaxInt32), int32(math.MinInt32)}},
		{NewShort(), connector.TypeInt16, []any{int16(0), int16(300), int16(math.MaxInt16), int16(math.MinInt16)}},
		{NewDouble(), connector.TypeFloat64, []any{0.0, -2.5, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1)}},
		{NewFloat(), connector.TypeFloat32, []any{float32(0), float32(-2.5), float32(math.MaxFloat32), float32(math.Inf(-1))}},
		{NewBoolean(), connector.TypeBoolean, []any{true, false}},
	}
	for _, tc := range tests {
		h := tc.conv.HeaderConverter()
		for _, v := range tc.values {
			b, err := tc.conv.FromConnectData("t", &connector.Schema{Type: tc.schema}, v)
			if err != nil {
				t.Fatalf("%T %v: %v", v, v, err)
			}
			schema, got, err := tc.conv.ToConnectData("t", b)
			if err != nil || got != v || schema == nil || schema.Type != tc.schema || !schema.Optional {
				t.Errorf("%s round trip of %v: %v, %#v, %v", tc.conv.p.class, v, schema, got, err)
			}
			if _, hv, err := h.ToConnectHeader("t", "h", b); err != nil || hv != v {
				t.Errorf("%s header round trip of %v: %#v, %v", tc.conv.p.class, v, hv, err)
			}
		}
		// null ↔ null, with the optional schema.
		if b, err := tc.conv.FromConnectData("t", nil, nil); b != nil || err != nil {
			t.Errorf("%s: nil wrote % x, %v", tc.conv.p.class, b, err)
		}
		if schema, v, err := tc.conv.ToConnectData("t", nil); v != nil || err != nil || schema == nil || schema.Type != tc.schema {
			t.Errorf("%s: nil bytes read as %v, %v, %v", tc.conv.p.class, schema, v, err)
		}
	}
	if nan, _ := NewFloat().FromConnectData("t", nil, float32(math.NaN())); len(nan) != 4 {
		t.Errorf("float NaN wrote % x", nan)
	} else if _, v, _ := NewFloat().ToConnectData("t", nan); !math.IsNaN(float64(v.(float32))) {
		t.Errorf("float NaN read back as %v", v)
	}
}

// TestPrimitiveErrors checks Kafka's messages: the deserializers' size checks (Float and Double name just
// "Deserializer"), BooleanDeserializer's signed byte, NumberConverter's failed cast, BooleanConverter's checks.
func TestPrimitiveErrors(t *testing.T) {
	t.Parallel()
	reads := []struct {
		conv *PrimitiveConverter
		data []byte
		want string
	}{
		{NewLong(), []byte{1, 2, 3}, "Failed to deserialize long: Size of data received by LongDeserializer is not 8"},
		{NewInteger(), []byte{}, "Failed to deserialize integer: Size of data received by IntegerDeserializer is not 4"},
		{NewShort(), []byte{1, 2, 3}, "Failed to deserialize short: Size of data received by ShortDeserializer is not 2"},
		{NewFloat(), make([]byte, 8), "Failed to deserialize float: Size of data received by Deserializer is not 4"},
		{NewDouble(), make([]byte, 4), "Failed to deserialize double: Size of data received by Deserializer is not 8"},
		{NewBoolean(), []byte{0, 1}, "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1"},
		{NewBoolean(), []byte{2}, "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: 2"},
		{NewBoolean(), []byte{0xff}, "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: -1"},
	}
	for _, tc := range reads {
		_, _, err := tc.conv.ToConnectData("t", tc.data)
		var de *DataError
		if !errors.As(err, &de) || err.Error() != tc.want {
			t.Errorf("%s reading % x: %v, want DataError %q", tc.conv.p.class, tc.data, err, tc.want)
		}
	}
	writes := []struct {
		conv   *PrimitiveConverter
		schema *connector.Schema
		value  any
		want   string
	}{
		{NewLong(), nil, "5", "Failed to serialize to long (was class java.lang.String): class java.lang.String cannot be cast to class java.lang.Long"},
		{NewLong(), nil, int32(5), "Failed to serialize to long (was class java.lang.Integer): class java.lang.Integer cannot be cast to class java.lang.Long"},
		{NewShort(), nil, 5, "Failed to serialize to short (was int): int cannot be cast to class java.lang.Short"},
		{NewDouble(), nil, float32(1), "Failed to serialize to double (was class java.lang.Float): class java.lang.Float cannot be cast to class java.lang.Double"},
		{NewBoolean(), &connector.Schema{Type: connector.TypeInt32}, true, "Invalid schema type for BooleanConverter: INT32"},
		{NewBoolean(), nil, "true", "BooleanConverter is not compatible with objects of type class java.lang.String"},
	}
	for _, tc := range writes {
		_, err := tc.conv.FromConnectData("t", tc.schema, tc.value)
		var de *DataError
		if !errors.As(err, &de) || err.Error() != tc.want {
			t.Errorf("%s writing %#v: %v, want DataError %q", tc.conv.p.class, tc.value, err, tc.want)
		}
	}
	// The number converters ignore the schema, as NumberConverter does.
	if b, err := NewLong().FromConnectData("t", &connector.Schema{Type: connector.TypeString}, int64(1)); err != nil || len(b) != 8 {
		t.Errorf("LongConverter with a STRING schema: % x, %v", b, err)
	}
}

func TestPrimitiveConfigure(t *testing.T) {
	t.Parallel()
	for _, c := range []*PrimitiveConverter{NewLong(), NewBoolean()} {
		if err := c.Configure(map[string]string{"anything": "x"}, true); err != nil {
			t.Errorf("%s Configure: %v", c.p.class, err)
		}
		if err := c.configure(map[string]string{}, "sideways"); err == nil {
			t.Errorf("%s accepted converter.type=sideways", c.p.class)
		}
		if err := c.HeaderConverter().Configure(map[string]string{}); err != nil {
			t.Errorf("%s header Configure: %v", c.p.class, err)
		}
	}
	if n := len(NumberSpec().Fields) + len(BooleanSpec().Fields); n != 2 {
		t.Errorf("NumberConverterConfig and BooleanConverterConfig have %d keys, want converter.type each", n)
	}
}
