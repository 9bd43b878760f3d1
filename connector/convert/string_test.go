package convert

import (
	"math/big"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

func TestStringFromConnectData(t *testing.T) {
	t.Parallel()
	st := &connector.Struct{Schema: personSchema, Values: []any{int32(1), nil}}
	tests := []struct {
		name   string
		schema *connector.Schema
		value  any
		want   string
	}{
		{"string", nil, "héllo", "héllo"},
		{"int", nil, int32(-5), "-5"},
		{"go int", nil, 7, "7"},
		{"double", nil, 100.0, "100.0"},
		{"double exponent", nil, 1e-4, "1.0E-4"},
		{"float", nil, float32(0.1), "0.1"},
		{"boolean", nil, true, "true"},
		{"bytes as text", nil, []byte("raw"), "raw"},
		{"raw json", nil, connector.RawJSON(`{"a":1}`), `{"a":1}`},
		{"list", nil, []any{int64(1), "a", nil}, "[1, a, null]"},
		{"map sorted", nil, map[string]any{"b": "x", "a": int64(1)}, "{a=1, b=x}"},
		{"struct omits nulls", personSchema, st, "Struct{id=1}"},
		{"date", DateSchema(), time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), "Mon Jan 15 00:00:00 UTC 2024"},
		{"decimal at schema scale", DecimalSchema(2), big.NewRat(3, 2), "1.50"},
		{"decimal without schema", nil, big.NewRat(3, 2), "1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewString().FromConnectData("t", tt.schema, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("FromConnectData = %q, want %q", got, tt.want)
			}
		})
	}
	if got, err := NewString().FromConnectData("t", nil, nil); got != nil || err != nil {
		t.Errorf("nil value = %q, %v; want nil", got, err)
	}
}

func TestStringEncodings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		encoding string
		in       string
		want     []byte
		back     string
	}{
		{"UTF-8", "é€", []byte("é€"), "é€"},
		{"utf8", "é", []byte("é"), "é"},
		{"ISO-8859-1", "é€", []byte{0xe9, '?'}, "é?"},
		{"latin1", "a", []byte("a"), "a"},
		{"US-ASCII", "aé", []byte("a?"), "a?"},
	}
	for _, tt := range tests {
		c := NewString()
		if err := c.Configure(map[string]string{KeyEncoding: tt.encoding}, true); err != nil {
			t.Fatalf("Configure(%s): %v", tt.encoding, err)
		}
		got, err := c.FromConnectData("t", nil, tt.in)
		if err != nil || string(got) != string(tt.want) {
			t.Errorf("%s: FromConnectData(%q) = %v, %v; want %v", tt.encoding, tt.in, got, err, tt.want)
		}
		_, back, err := c.ToConnectData("t", got)
		if err != nil || back != tt.back {
			t.Errorf("%s: ToConnectData = %q, %v; want %q", tt.encoding, back, err, tt.back)
		}
	}
	if err := NewString().Configure(map[string]string{KeyEncoding: "EBCDIC"}, false); err == nil {
		t.Error("Configure(EBCDIC): no error")
	}
	// Undecodable input becomes U+FFFD, as Java's decoders replace it.
	_, v, _ := NewString().ToConnectData("t", []byte{'a', 0xff})
	if v != "a\uFFFD" {
		t.Errorf("invalid UTF-8 decoded as %q", v)
	}
}

func TestStringToConnectData(t *testing.T) {
	t.Parallel()
	s, v, err := NewString().ToConnectData("t", []byte("text"))
	if err != nil || v != "text" || s == nil || s.Type != connector.TypeString || !s.Optional {
		t.Errorf("ToConnectData = %+v, %v, %v", s, v, err)
	}
	s, v, err = NewString().ToConnectData("t", nil)
	if err != nil || v != nil || s == nil || !s.Optional {
		t.Errorf("ToConnectData(nil) = %+v, %v, %v", s, v, err)
	}
}

func TestByteArray(t *testing.T) {
	t.Parallel()
	c := NewByteArray()
	for _, tt := range []struct {
		schema *connector.Schema
		value  any
		want   []byte
	}{
		{nil, []byte{1, 2}, []byte{1, 2}},
		{&connector.Schema{Type: connector.TypeBytes, Optional: true}, []byte{3}, []byte{3}},
		{nil, connector.RawJSON(`[]`), []byte(`[]`)},
		{nil, nil, nil},
	} {
		got, err := c.FromConnectData("t", tt.schema, tt.value)
		if err != nil || string(got) != string(tt.want) {
			t.Errorf("FromConnectData(%v) = %v, %v; want %v", tt.value, got, err, tt.want)
		}
	}
	_, err := c.FromConnectData("t", &connector.Schema{Type: connector.TypeString}, "x")
	wantDataError(t, err, "Invalid schema type for ByteArrayConverter: STRING")
	_, err = c.FromConnectData("t", nil, "x")
	wantDataError(t, err, "ByteArrayConverter is not compatible with objects of type string")

	s, v, err := c.ToConnectData("t", []byte{9})
	if err != nil || s.Type != connector.TypeBytes || !s.Optional || string(v.([]byte)) != "\x09" {
		t.Errorf("ToConnectData = %+v, %v, %v", s, v, err)
	}
}

func TestDataErrorMessage(t *testing.T) {
	t.Parallel()
	err := dataErrorCause("Converting byte[] to Kafka Connect data failed due to serialization error: ", errString("boom"))
	if err.Error() != "Converting byte[] to Kafka Connect data failed due to serialization error: boom" {
		t.Errorf("Error() = %q", err.Error())
	}
}

type errString string

func (e errString) Error() string { return string(e) }
