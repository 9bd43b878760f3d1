package javajson

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"offsets key", `["file-source",{"filename":"in.txt"}]`, []any{"file-source", map[string]any{"filename": "in.txt"}}},
		{"integer is int64", `{"position":1234}`, map[string]any{"position": int64(1234)}},
		{"negative zero integer", `-0`, int64(0)},
		{"max int64", `9223372036854775807`, int64(math.MaxInt64)},
		{"min int64", `-9223372036854775808`, int64(math.MinInt64)},
		{"int64 overflow becomes float", `9223372036854775808`, float64(9223372036854775808)},
		{"fraction is float64", `1.5`, 1.5},
		{"integral fraction is float64", `100.0`, 100.0},
		{"exponent is float64", `1E2`, 100.0},
		{"java double text", `1.0E-4`, 1e-4},
		{"huge float is infinity", `1e400`, math.Inf(1)},
		{"leading zeros allowed", `[007, -007, 00.5]`, []any{int64(7), int64(-7), 0.5}},
		{"literals", `[true,false,null]`, []any{true, false, nil}},
		{"whitespace", " \t\r\n{ \"a\" : [ ] , \"b\" : { } }\n", map[string]any{"a": []any{}, "b": map[string]any{}}},
		{"escapes", `"\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9"`, "\"\\/\b\f\n\r\tAéé"},
		{"surrogate pair", `"\ud83d\ude00"`, "😀"},
		{"lone high surrogate", `"\ud83dx"`, "\uFFFDx"},
		{"lone low surrogate", `"\ude00"`, "\uFFFD"},
		{"high surrogate then non-surrogate escape", `"\ud83d\u0041"`, "\uFFFDA"},
		{"raw utf-8", `"héllo 😀"`, "héllo 😀"},
		{"invalid utf-8 replaced", "\"a\xffb\"", "a\uFFFDb"},
		{"invalid utf-8 with escape replaced", "\"\\n\xff\"", "\n\uFFFD"},
		{"duplicate key last wins", `{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
		{"top-level string", `"x"`, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tt.in))
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unmarshal = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeOptionsUseNumber(t *testing.T) {
	t.Parallel()
	got, err := DecodeOptions{UseNumber: true}.Unmarshal([]byte(`[10.2345, 7, 007, -00.50, 1e400]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{json.Number("10.2345"), json.Number("7"), json.Number("7"), json.Number("-0.50"), json.Number("1e400")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Unmarshal with UseNumber = %#v, want %#v", got, want)
	}
	// The numbers are valid JSON again.
	if out, err := Marshal(got); err != nil || string(out) != `[10.2345,7,7,-0.50,1e400]` {
		t.Errorf("Marshal = %s, %v", out, err)
	}
}

func TestDecodeOptionsAllowTrailingData(t *testing.T) {
	t.Parallel()
	lenient := DecodeOptions{AllowTrailingData: true}
	for in, want := range map[string]any{`{"a":1} xyz`: map[string]any{"a": int64(1)}, `[1][2]`: []any{int64(1)}, `7 `: int64(7)} {
		got, err := lenient.Unmarshal([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Unmarshal(%q) = %#v, %v; want %#v", in, got, err, want)
		}
		if _, err := Unmarshal([]byte(in + "x")); err == nil {
			t.Errorf("strict Unmarshal(%q) accepted trailing data", in+"x")
		}
	}
	// A broken first value is still an error.
	if _, err := lenient.Unmarshal([]byte(`{"a":`)); err == nil {
		t.Error("lenient Unmarshal accepted a truncated document")
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	tests := []string{
		``,
		`   `,
		`{"a":1} x`,
		`{"a":1}{}`,
		`[1,]`,
		`[1 2]`,
		`{"a" 1}`,
		`{a:1}`,
		`{"a":1,}`,
		`tru`,
		`nul`,
		`+1`,
		`.5`,
		`5.`,
		`1e`,
		`-`,
		`"abc`,
		"\"a\x01b\"",
		`"\x"`,
		`"\u12"`,
		`NaN`,
		`[`,
		`{`,
	}
	for _, in := range tests {
		_, err := Unmarshal([]byte(in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Unmarshal(%q) err = %v, want *SyntaxError", in, err)
		}
	}
}

func TestUnmarshalDepthLimit(t *testing.T) {
	t.Parallel()
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := Unmarshal([]byte(ok)); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := Unmarshal([]byte(deep)); !errors.Is(err, ErrMaxDepth) {
		t.Errorf("depth %d: err = %v, want ErrMaxDepth", maxDepth+1, err)
	}
}

// randomValue builds a value of the types Unmarshal returns, so that a round trip must reproduce it.
func randomValue(r *rand.Rand, depth int) any {
	n := 7
	if depth < 4 {
		n = 9
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return randomString(r)
	case 3:
		return r.Int64() - math.MaxInt64/2
	case 4:
		return int64(r.IntN(2000) - 1000)
	case 5:
		// Floats across the whole exponent range, finite, and never integral-looking in a way that matters:
		// Java text always has '.' or 'E', so they decode as float64 again.
		for {
			f := math.Float64frombits(r.Uint64())
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f
			}
		}
	case 6:
		return float64(r.IntN(100000)) / 8
	case 7:
		list := make([]any, r.IntN(5))
		for i := range list {
			list[i] = randomValue(r, depth+1)
		}
		return list
	default:
		m := make(map[string]any)
		for range r.IntN(5) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	}
}

func randomString(r *rand.Rand) string {
	alphabet := []rune{'a', 'Z', '0', ' ', '"', '\\', '/', '\b', '\t', '\n', '\f', '\r', 0, 0x1f, 0x7f, '<', '&',
		'é', '\u2028', '\u2029', '✓', '😀', '\uFFFD', 0x10FFFF}
	var sb strings.Builder
	for range r.IntN(12) {
		sb.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		v := randomValue(r, 0)
		data, err := Marshal(v)
		if err != nil {
			t.Fatalf("#%d Marshal(%#v): %v", i, v, err)
		}
		if !utf8.Valid(data) {
			t.Fatalf("#%d Marshal(%#v) is not valid UTF-8", i, v)
		}
		// The standard library must accept every document we write.
		if !json.Valid(data) {
			t.Fatalf("#%d Marshal(%#v) = %s is not valid JSON", i, v, data)
		}
		got, err := Unmarshal(data)
		if err != nil {
			t.Fatalf("#%d Unmarshal(%s): %v", i, data, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Fatalf("#%d round trip of %#v gave %#v (via %s)", i, v, got, data)
		}
		again, err := Marshal(got)
		if err != nil || string(again) != string(data) {
			t.Fatalf("#%d second Marshal = %s, %v; want %s", i, again, err, data)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, seed := range []string{
		`["file-source",{"filename":"in.txt"}]`, `{"position":1234}`, `1.0E10`, `"\ud83d\ude00"`, `[007]`,
		`{"a":[1,2.5,"x",null,true]}`, `"\u0000"`, "\"\xff\"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if err != nil {
			return
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%q)): %v", data, err)
		}
		v2, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("Unmarshal(%q): %v", out, err)
		}
		if !deepEqualNaN(v, v2) {
			t.Fatalf("round trip of %q: %#v != %#v", data, v, v2)
		}
	})
}

// deepEqualNaN is reflect.DeepEqual except that infinities, which Marshal writes as strings, compare
// equal to those strings.
func deepEqualNaN(a, b any) bool {
	switch x := a.(type) {
	case float64:
		if math.IsInf(x, 0) {
			s, ok := b.(string)
			return ok && s == FormatDouble(x)
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !deepEqualNaN(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !deepEqualNaN(v, y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
