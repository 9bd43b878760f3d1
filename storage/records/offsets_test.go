package records

import (
	"errors"
	"reflect"
	"testing"
)

func TestOffsetGolden(t *testing.T) {
	key, err := EncodeOffsetKey("file-source", map[string]any{"filename": "in.txt"})
	if err != nil || string(key) != `["file-source",{"filename":"in.txt"}]` {
		t.Errorf("EncodeOffsetKey = %s, %v", key, err)
	}
	value, err := EncodeOffsetValue(map[string]any{"position": int64(1234)})
	if err != nil || string(value) != `{"position":1234}` {
		t.Errorf("EncodeOffsetValue = %s, %v", value, err)
	}
	// Partition fields are written sorted; doubles as Java's Double.toString.
	key, err = EncodeOffsetKey("jdbc", map[string]any{"table": "t", "protocol": 1, "ratio": 100.0, "ok": true, "n": nil})
	if err != nil || string(key) != `["jdbc",{"n":null,"ok":true,"protocol":1,"ratio":100.0,"table":"t"}]` {
		t.Errorf("EncodeOffsetKey = %s, %v", key, err)
	}
	value, err = EncodeOffsetValue(nil)
	if err != nil || value != nil {
		t.Errorf("EncodeOffsetValue(nil) = %v, %v; want tombstone", value, err)
	}
}

func TestDecodeOffsetKeyJava(t *testing.T) {
	// HashMap order from a Java worker, integer partition values.
	connector, partition, err := DecodeOffsetKey([]byte(`["jdbc-source",{"table":"orders","shard":3,"weight":0.5}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"table": "orders", "shard": int64(3), "weight": 0.5}
	if connector != "jdbc-source" || !reflect.DeepEqual(partition, want) {
		t.Errorf("DecodeOffsetKey = %q, %#v", connector, partition)
	}
	for _, k := range []string{``, `null`, `{}`, `[]`, `["a"]`, `["a",{},1]`, `[1,{}]`, `["a",null]`, `["a",[1]]`, `[`} {
		if _, _, err := DecodeOffsetKey([]byte(k)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeOffsetKey(%s) error = %v, want ErrMalformed", k, err)
		}
	}
}

func TestDecodeOffsetValue(t *testing.T) {
	tests := []struct {
		value string
		want  map[string]any
		err   bool
	}{
		{``, nil, false},
		{`null`, nil, false},
		{`{"position":1234,"file":"x"}`, map[string]any{"position": int64(1234), "file": "x"}, false},
		{`{}`, map[string]any{}, false},
		{`5`, nil, true},
		{`{`, nil, true},
	}
	for _, tt := range tests {
		var in []byte
		if tt.value != "" {
			in = []byte(tt.value)
		}
		got, err := DecodeOffsetValue(in)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeOffsetValue(%s) = %#v, %v", tt.value, got, err)
		}
	}
}

func TestValidateOffsetMap(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]any
		want string
	}{
		{"nil", nil, ""},
		{"primitives", map[string]any{"a": 1, "b": int64(2), "c": 1.5, "d": float32(2), "e": "s", "f": true,
			"g": nil, "h": []byte{1}, "i": int8(1), "j": int16(1), "k": int32(1)}, ""},
		{"map", map[string]any{"a": map[string]any{}},
			"Offsets may only contain primitive types as values, but field a contains MAP"},
		{"array", map[string]any{"b": []any{1}},
			"Offsets may only contain primitive types as values, but field b contains ARRAY"},
		{"typed slice", map[string]any{"c": []string{"x"}},
			"Offsets may only contain primitive types as values, but field c contains ARRAY"},
		{"struct", map[string]any{"d": struct{}{}},
			"Offsets may only contain primitive types as values, but field d contains struct {}"},
		{"first sorted field", map[string]any{"z": []any{}, "y": map[string]any{}},
			"Offsets may only contain primitive types as values, but field y contains MAP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateOffsetMap(tt.m)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				return
			}
			var fe *OffsetFormatError
			if !errors.As(err, &fe) || fe.Error() != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
