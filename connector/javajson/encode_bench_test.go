package javajson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchDocument returns a JSON document of about size bytes, spaced as a person would write it when pretty
// is set.
func benchDocument(size int, pretty bool) []byte {
	var buf bytes.Buffer
	sep := ","
	if pretty {
		sep = ", "
	}
	buf.WriteString(`{"vin":"KMHXX00XXXX000000","readings":[`)
	for i := 0; buf.Len() < size-2; i++ {
		if i > 0 {
			buf.WriteString(sep)
		}
		fmt.Fprintf(&buf, `{"t":%d,"v":%d.5,"s":"ok"}`, 1700000000+i, i)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

func BenchmarkMarshal(b *testing.B) {
	for _, size := range []int{200, 1024} {
		text := strings.Repeat("engine temperature nominal ", size/27+1)[:size]
		doc := benchDocument(size, false)
		var readings []any
		for i := range size / 16 {
			readings = append(readings, map[string]any{"t": int64(1700000000 + i), "v": float64(i) + 0.5})
		}
		cases := []struct {
			name  string
			value any
		}{
			{"string", text},
			{"raw", json.RawMessage(doc)},
			{"raw-spaced", json.RawMessage(benchDocument(size, true))},
			{"map", map[string]any{"vin": "KMHXX00XXXX000000", "readings": readings}},
		}
		for _, bc := range cases {
			b.Run(fmt.Sprintf("%s-%dB", bc.name, size), func(b *testing.B) {
				out, err := Marshal(bc.value)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Marshal(bc.value); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	for _, size := range []int{200, 1024} {
		doc := benchDocument(size, false)
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Unmarshal(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
