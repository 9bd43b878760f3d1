package convert

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector"
)

// The benchmarks below convert one record value per iteration, as a source task does for every record it
// sends and a sink task for every record it reads. Sizes are those of the schemaless JSON payload.

var benchSizes = []int{200, 1024}

// sensorSchema is a struct of the kind a source connector emits: a few scalar fields and an array that is
// grown to reach a payload size.
var sensorSchema = &connector.Schema{Type: connector.TypeStruct, Name: "io.connectd.bench.Reading", Fields: []connector.SchemaField{
	{Name: "id", Schema: &connector.Schema{Type: connector.TypeInt64}},
	{Name: "vin", Schema: &connector.Schema{Type: connector.TypeString}},
	{Name: "ok", Schema: &connector.Schema{Type: connector.TypeBoolean}},
	{Name: "note", Schema: &connector.Schema{Type: connector.TypeString, Optional: true}},
	{Name: "readings", Schema: &connector.Schema{Type: connector.TypeArray, ValueSchema: &connector.Schema{Type: connector.TypeFloat64}}},
}}

// sensorValue returns the same reading as a Struct and as a schemaless map whose JSON is about size bytes.
func sensorValue(size int) (*connector.Struct, map[string]any) {
	var readings []any
	m := map[string]any{"id": int64(1700000000123), "vin": "KMHXX00XXXX000000", "ok": true, "note": nil}
	for {
		m["readings"] = readings
		b, err := jsonWithSchemas(false).FromConnectData("t", nil, m)
		if err != nil {
			panic(err)
		}
		if len(b) >= size {
			break
		}
		readings = append(readings, 20.5+float64(len(readings))/8)
	}
	st := &connector.Struct{Schema: sensorSchema, Values: []any{m["id"], m["vin"], m["ok"], nil, readings}}
	return st, m
}

// jsonWithSchemas returns a JsonConverter with schemas.enable set as given.
func jsonWithSchemas(enabled bool) *JSONConverter {
	c := NewJSON()
	if err := c.Configure(map[string]string{KeySchemasEnable: fmt.Sprint(enabled)}, false); err != nil {
		panic(err)
	}
	return c
}

// jsonDocument returns a JSON document of about size bytes, as an MQTT device publishes.
func jsonDocument(size int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"vin":"KMHXX00XXXX000000","readings":[`)
	for i := 0; buf.Len() < size-2; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"t":%d,"v":%d.5}`, 1700000000+i, i)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

func BenchmarkJSONConverterFromConnectData(b *testing.B) {
	for _, schemas := range []bool{true, false} {
		for _, size := range benchSizes {
			st, m := sensorValue(size)
			doc := connector.RawJSON(jsonDocument(size))
			cases := []struct {
				name   string
				schema *connector.Schema
				value  any
			}{
				{"struct", sensorSchema, st},
				{"map", nil, m},
				{"rawjson", nil, doc},
			}
			for _, bc := range cases {
				if schemas && bc.name == "map" {
					continue // a schemaless map in an envelope is what schemas=false is for
				}
				b.Run(fmt.Sprintf("schemas=%v/%s-%dB", schemas, bc.name, size), func(b *testing.B) {
					c := jsonWithSchemas(schemas)
					out, err := c.FromConnectData("t", bc.schema, bc.value)
					if err != nil {
						b.Fatal(err)
					}
					b.SetBytes(int64(len(out)))
					b.ReportAllocs()
					for b.Loop() {
						if _, err := c.FromConnectData("t", bc.schema, bc.value); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkJSONConverterToConnectData(b *testing.B) {
	for _, schemas := range []bool{true, false} {
		for _, size := range benchSizes {
			st, _ := sensorValue(size)
			var in []byte
			var err error
			if schemas {
				in, err = jsonWithSchemas(true).FromConnectData("t", sensorSchema, st)
			} else {
				in = jsonDocument(size)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("schemas=%v/%dB", schemas, size), func(b *testing.B) {
				c := jsonWithSchemas(schemas)
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := c.ToConnectData("t", in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkStringConverter(b *testing.B) {
	c := NewString()
	if err := c.Configure(nil, false); err != nil {
		b.Fatal(err)
	}
	for _, size := range benchSizes {
		text := strings.Repeat("engine temperature nominal ", size/27+1)[:size]
		var value any = text // boxed once, as a SourceRecord holds it
		st, _ := sensorValue(size)
		b.Run(fmt.Sprintf("FromConnectData/string-%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.FromConnectData("t", nil, value); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("FromConnectData/struct-%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.FromConnectData("t", sensorSchema, st); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("ToConnectData/%dB", size), func(b *testing.B) {
			in := []byte(text)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.ToConnectData("t", in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkByteArrayConverter(b *testing.B) {
	c := NewByteArray()
	for _, size := range benchSizes {
		payload := bytes.Repeat([]byte{0xff, 0x00, 0x7f, 0x80}, size/4)
		var value any = payload
		b.Run(fmt.Sprintf("FromConnectData/%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.FromConnectData("t", bytesSchemaOptional, value); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("ToConnectData/%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.ToConnectData("t", payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var bytesSchemaOptional = &connector.Schema{Type: connector.TypeBytes, Optional: true}

// BenchmarkSimpleHeaderConverter converts the headers the MQTT source connector writes (the MQTT topic and
// the QoS), and a list, the kind of value whose text the converter builds and parses.
func BenchmarkSimpleHeaderConverter(b *testing.B) {
	c := NewSimpleHeader()
	int32Schema := &connector.Schema{Type: connector.TypeInt32}
	listSchema := &connector.Schema{Type: connector.TypeArray, ValueSchema: &connector.Schema{Type: connector.TypeInt64}}
	cases := []struct {
		name   string
		schema *connector.Schema
		value  any
	}{
		{"string", &connector.Schema{Type: connector.TypeString}, "/mqtt/test/car1"},
		{"int32", int32Schema, int32(1)},
		{"list", listSchema, []any{int64(1), int64(22), int64(333), int64(4444)}},
	}
	for _, bc := range cases {
		in, err := c.FromConnectHeader("t", "h", bc.schema, bc.value)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("FromConnectHeader/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.FromConnectHeader("t", "h", bc.schema, bc.value); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("ToConnectHeader/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.ToConnectHeader("t", "h", in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStringHeaderConverter is StringConverter used as header.converter, the other common choice.
func BenchmarkStringHeaderConverter(b *testing.B) {
	h := NewString().HeaderConverter()
	if err := h.Configure(nil); err != nil {
		b.Fatal(err)
	}
	schema := &connector.Schema{Type: connector.TypeInt32}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.FromConnectHeader("t", "h", schema, int32(1)); err != nil {
			b.Fatal(err)
		}
	}
}
