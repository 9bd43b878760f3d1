package javajson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

type myString string
type myInts []int32

func TestMarshalGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"offsets key", []any{"file-source", map[string]any{"filename": "in.txt"}}, `["file-source",{"filename":"in.txt"}]`},
		{"offsets value", map[string]any{"position": int64(1234)}, `{"position":1234}`},
		{"connector config record", map[string]any{"properties": map[string]string{
			"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "t", "file": "out.txt", "name": "file-sink"}},
			`{"properties":{"connector.class":"FileStreamSink","file":"out.txt","name":"file-sink","tasks.max":"1","topics":"t"}}`},
		{"ordered status record", Object{{"state", "RUNNING"}, {"trace", nil}, {"worker_id", "10.0.0.5:8083"}, {"generation", int32(7)}},
			`{"state":"RUNNING","trace":null,"worker_id":"10.0.0.5:8083","generation":7}`},
		{"pointer to object", &Object{{"b", 1}, {"a", 2}}, `{"b":1,"a":2}`},
		{"nil object", Object(nil), `{}`},
		{"nil", nil, `null`},
		{"booleans", []any{true, false}, `[true,false]`},
		{"integers", []any{int8(-128), int16(300), int32(-7), int64(math.MaxInt64), int(42), uint8(255), uint64(math.MaxUint64)},
			`[-128,300,-7,9223372036854775807,42,255,18446744073709551615]`},
		{"bytes are base64", []byte{0, 1, 2, 0xff}, `"AAEC/w=="`},
		{"empty bytes", []byte{}, `""`},
		{"nil bytes", []byte(nil), `null`},
		{"nil slice", []any(nil), `null`},
		{"empty slice", []any{}, `[]`},
		{"nil map", map[string]any(nil), `null`},
		{"empty map", map[string]any{}, `{}`},
		{"strings slice", []string{"a", "b"}, `["a","b"]`},
		{"map keys sorted by bytes", map[string]any{"b": 1, "a": 2, "B": 3, "é": 4}, `{"B":3,"a":2,"b":1,"é":4}`},
		{"raw message compacted", json.RawMessage("{ \"a\" : [1, 2.50, \"x y\"] }\n"), `{"a":[1,2.50,"x y"]}`},
		{"raw message nested", map[string]any{"p": json.RawMessage(`[true]`)}, `{"p":[true]}`},
		{"json number", json.Number("1.50"), `1.50`},
		{"named string", myString("hi"), `"hi"`},
		{"named slice", myInts{1, 2}, `[1,2]`},
		{"typed map", map[string]int{"z": 1, "a": 2}, `{"a":2,"z":1}`},
		{"pointer", new(int64), `0`},
		{"nil pointer", (*int64)(nil), `null`},
		{"array", [2]bool{true, false}, `[true,false]`},
		{"NaN as string", math.NaN(), `"NaN"`},
		{"infinity as string", math.Inf(1), `"Infinity"`},
		{"negative infinity as string", float32(math.Inf(-1)), `"-Infinity"`},
		{"double", 100.0, `100.0`},
		{"float", float32(0.1), `0.1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.in)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMarshalStringEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"other controls uppercase hex", "\x00\x01\x0b\x1a\x1f", `"\u0000\u0001\u000B\u001A\u001F"`},
		{"no html escaping", "</script>&<>", `"</script>&<>"`},
		{"slash raw", "a/b", `"a/b"`},
		{"delete raw", "\x7f", "\"\x7f\""},
		{"line separators raw", "\u2028\u2029", "\"\u2028\u2029\""},
		{"non-ascii raw", "héllo wörld ✓ 😀", `"héllo wörld ✓ 😀"`},
		{"invalid utf-8 replaced", "a\xffb\xc3", "\"a\uFFFDb\uFFFD\""},
		{"empty", "", `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatDouble(t *testing.T) {
	t.Parallel()
	a, b := 0.1, 0.2
	point3 := a + b // computed at run time: the constant 0.1+0.2 is exactly 0.3
	tests := []struct {
		in   float64
		want string
	}{
		{100, "100.0"},
		{1e10, "1.0E10"},
		{1e-4, "1.0E-4"},
		{0.001, "0.001"},
		{1e7, "1.0E7"},
		{9999999, "9999999.0"},
		{1234567, "1234567.0"},
		{123456789.123, "1.23456789123E8"},
		{12345678.9, "1.23456789E7"},
		{0.00099, "9.9E-4"},
		{0.5, "0.5"},
		{1, "1.0"},
		{-1.5, "-1.5"},
		{point3, "0.30000000000000004"},
		{0.3, "0.3"},
		{2e-3, "0.002"},
		{1e23, "1.0E23"},
		{5e-324 * 3, "1.5E-323"},
		{1e21, "1.0E21"},
		{1e100, "1.0E100"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{math.SmallestNonzeroFloat64, "4.9E-324"},
		{-2.5e-10, "-2.5E-10"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := FormatDouble(tt.in); got != tt.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float32
		want string
	}{
		{0.1, "0.1"},
		{100, "100.0"},
		{1e10, "1.0E10"},
		{16777216, "1.6777216E7"},
		{math.MaxFloat32, "3.4028235E38"},
		{math.SmallestNonzeroFloat32, "1.4E-45"},
		{1e-3, "0.001"},
		{0.001, "0.001"},
		{3.14159, "3.14159"},
		{-0.0001, "-1.0E-4"},
	}
	for _, tt := range tests {
		if got := FormatFloat(tt.in); got != tt.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	t.Parallel()
	var ute *UnsupportedTypeError
	if _, err := Marshal(struct{ A int }{1}); !errors.As(err, &ute) {
		t.Errorf("struct: err = %v, want UnsupportedTypeError", err)
	}
	if _, err := Marshal(map[int]string{1: "a"}); !errors.As(err, &ute) {
		t.Errorf("int-keyed map: err = %v, want UnsupportedTypeError", err)
	}
	if _, err := Marshal(make(chan int)); !errors.As(err, &ute) {
		t.Errorf("chan: err = %v, want UnsupportedTypeError", err)
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if _, err := Marshal(cyclic); !errors.Is(err, ErrMaxDepth) {
		t.Errorf("cyclic map: err = %v, want ErrMaxDepth", err)
	}
	if _, err := Marshal(json.RawMessage(`{"a":`)); err == nil {
		t.Error("invalid raw message: no error")
	}
	if _, err := Marshal(json.Number("01")); err == nil {
		t.Error("invalid json.Number: no error")
	}
}

func TestObjectSetGet(t *testing.T) {
	t.Parallel()
	var o Object
	o.Set("a", 1)
	o.Set("b", 2)
	o.Set("a", 3)
	if v, ok := o.Get("a"); !ok || v != 3 {
		t.Errorf("Get(a) = %v, %v", v, ok)
	}
	if _, ok := o.Get("c"); ok {
		t.Error("Get(c) found a member")
	}
	got, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"a":3,"b":2}` {
		t.Errorf("Marshal = %s", got)
	}
}

// FuzzAppendCompact checks that appendCompact accepts what encoding/json's Compact accepts and writes the
// same bytes, so that Marshal writes a json.RawMessage as before it had a compactor of its own.
func FuzzAppendCompact(f *testing.F) {
	for _, seed := range []string{
		"{ \"a\" : [1, 2.50, \"x y\"] }\n", `[]`, `{}`, ` null `, `-0.5e+10`, `01`, `1.`, `"\u00e9\ud83d"`, "\"\xff\x7f\"",
		`{"a":}`, `[1,]`, `"\x"`, "\"\x01\"", `truex`, `[[[[]]]]`, `{"a" "b"}`, `"a" "b"`, "\t\r\n1\t", ``,
		`{"pad":"xxxxxxxxxxxxxxxxxxxxxxx\"xxxxxxxxx\\xxxxxxxxxxxxxxxxx"}`, "\"xxxxxxxxxxxxxxx\x1fxxxxxxxx\"",
		"[\"xxxxxxx\xe9\x80xxxxxxxxxxxx\"]", `"xxxxxxxxxxxxxxxxxxxxxxx`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var want bytes.Buffer
		wantErr := json.Compact(&want, src)
		got, ok := appendCompact([]byte("prefix"), src)
		switch {
		case wantErr != nil && ok:
			t.Fatalf("appendCompact(%q) accepted what Compact rejects: %v", src, wantErr)
		case wantErr == nil && !ok:
			t.Fatalf("appendCompact(%q) rejected what Compact accepts", src)
		case ok && string(got) != "prefix"+want.String():
			t.Fatalf("appendCompact(%q) = %q, Compact gives %q", src, got, want.String())
		}
		if v, want := Valid(src), json.Valid(src); v != want {
			t.Fatalf("Valid(%q) = %v, json.Valid says %v", src, v, want)
		}
		// IsCompact may say no to a document deeper than maxDepth (appendCompact's !ok), never yes wrongly.
		compact := wantErr == nil && bytes.Equal(want.Bytes(), src)
		if got := IsCompact(src); got != compact && (got || ok) {
			t.Fatalf("IsCompact(%q) = %v, Compact leaves it as it is: %v", src, got, compact)
		}
	})
}

// TestStringWord checks the eight-bytes-at-once test of string contents against the byte table: every byte
// value at every position of a word of plain bytes, and a plain byte above a flagged one.
func TestStringWord(t *testing.T) {
	t.Parallel()
	for pos := range 8 {
		for v := range 256 {
			w := bytes.Repeat([]byte{'a'}, 8)
			w[pos] = byte(v)
			if got, want := stringWord(binary.LittleEndian.Uint64(w)), stringByte[v]; got != want {
				t.Fatalf("stringWord(%q) = %v, want %v", w, got, want)
			}
			for _, above := range []byte{0x00, 0x1f, 0x20, 0x21, '"', '\\', 0x80, 0xff} {
				if pos == 7 {
					break
				}
				w[pos+1] = above
				if got, want := stringWord(binary.LittleEndian.Uint64(w)), stringByte[v] && stringByte[above]; got != want {
					t.Fatalf("stringWord(%q) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func TestValidDepth(t *testing.T) {
	t.Parallel()
	// Beyond maxDepth Valid asks encoding/json, which allows 10,000 levels.
	for _, n := range []int{maxDepth - 1, maxDepth + 1, 20_000} {
		deep := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		if got, want := Valid(deep), json.Valid(deep); got != want {
			t.Errorf("Valid(%d levels) = %v, json.Valid says %v", n, got, want)
		}
		if Valid(deep[:len(deep)-1]) {
			t.Errorf("Valid accepted %d levels with a bracket missing", n)
		}
	}
}

func TestAppendCompactDepth(t *testing.T) {
	t.Parallel()
	// Beyond maxDepth appendCompact gives up and Marshal leaves the document to encoding/json, which allows
	// 10,000 levels.
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, ok := appendCompact(nil, []byte(deep)); ok {
		t.Error("appendCompact accepted a document deeper than maxDepth")
	}
	got, err := Marshal(json.RawMessage(" " + deep))
	if err != nil || string(got) != deep {
		t.Errorf("Marshal(deep raw message) = %.20s…, %v", got, err)
	}
}
