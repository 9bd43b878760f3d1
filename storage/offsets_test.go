package storage

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/connectd/connectd/storage/records"
)

func applyOffset(t *testing.T, s *Store, key, value string) {
	t.Helper()
	var v []byte
	if value != "" {
		v = []byte(value)
	}
	if err := s.ApplyOffsetRecord([]byte(key), v); err != nil {
		t.Fatalf("ApplyOffsetRecord(%s, %s): %v", key, value, err)
	}
}

func TestOffsetsStructuralMatch(t *testing.T) {
	s := newStore(t)
	// A Java worker writes HashMap order; connectd writes sorted keys. Both name the same partition.
	applyOffset(t, s, `["jdbc",{"table":"orders","shard":3}]`, `{"position":10}`)
	goKey := string(enc(records.EncodeOffsetKey("jdbc", map[string]any{"table": "orders", "shard": 3})))
	if goKey != `["jdbc",{"shard":3,"table":"orders"}]` {
		t.Fatalf("connectd key = %s", goKey)
	}
	applyOffset(t, s, goKey, `{"position":20}`)

	offs := s.Offsets("jdbc")
	if len(offs) != 1 {
		t.Fatalf("Offsets = %+v, want one partition", offs)
	}
	if !reflect.DeepEqual(offs[0].Offset, map[string]any{"position": int64(20)}) ||
		!reflect.DeepEqual(offs[0].Partition, map[string]any{"table": "orders", "shard": int64(3)}) {
		t.Errorf("Offsets = %+v", offs)
	}

	tests := []struct {
		name      string
		partition map[string]any
		found     bool
	}{
		{"int64", map[string]any{"table": "orders", "shard": int64(3)}, true},
		{"int", map[string]any{"shard": 3, "table": "orders"}, true},
		{"int32", map[string]any{"shard": int32(3), "table": "orders"}, true},
		{"uint8", map[string]any{"shard": uint8(3), "table": "orders"}, true},
		{"float is not an integer", map[string]any{"shard": 3.0, "table": "orders"}, false},
		{"string is not an integer", map[string]any{"shard": "3", "table": "orders"}, false},
		{"missing field", map[string]any{"table": "orders"}, false},
		{"extra field", map[string]any{"table": "orders", "shard": 3, "x": nil}, false},
		{"nil", nil, false},
		{"unsupported type", map[string]any{"table": "orders", "shard": struct{}{}}, false},
	}
	for _, tt := range tests {
		got, ok := s.Offset("jdbc", tt.partition)
		if ok != tt.found {
			t.Errorf("%s: Offset found = %v, want %v", tt.name, ok, tt.found)
		}
		if ok && !maps.Equal(got, map[string]any{"position": int64(20)}) {
			t.Errorf("%s: Offset = %v", tt.name, got)
		}
	}
	if _, ok := s.Offset("jdbc2", map[string]any{"table": "orders", "shard": 3}); ok {
		t.Error("another connector sees jdbc's partition")
	}
}

func TestOffsetsValueTypes(t *testing.T) {
	s := newStore(t)
	applyOffset(t, s, `["c",{"ratio":0.1,"blob":"AQI=","nested":{"b":[1,"x"],"a":null},"ok":true}]`, `{"n":1}`)
	partition := map[string]any{
		"ratio":  float32(0.1), // Jackson writes Float.toString: 0.1, read back as the double 0.1
		"blob":   []byte{1, 2}, // Jackson writes byte[] as base64
		"nested": map[string]any{"a": nil, "b": []any{int64(1), "x"}},
		"ok":     true,
	}
	if _, ok := s.Offset("c", partition); !ok {
		t.Error("structurally equal partition not found")
	}
}

func TestOffsetsTombstones(t *testing.T) {
	s := newStore(t)
	applyOffset(t, s, `["src",{"file":"a"}]`, `{"pos":1}`)
	applyOffset(t, s, `["src",{"file":"b"}]`, `{"pos":2}`)
	applyOffset(t, s, `["src-2",{"file":"a"}]`, `{"pos":3}`)
	applyOffset(t, s, `["src",{"file":"a"}]`, "")
	applyOffset(t, s, `["src",{"file":"b"}]`, "null")
	applyOffset(t, s, `["src",{"file":"never"}]`, "")
	if got := s.Offsets("src"); len(got) != 0 {
		t.Errorf("Offsets(src) = %+v, want none", got)
	}
	if got := s.Offsets("src-2"); len(got) != 1 {
		t.Errorf("Offsets(src-2) = %+v, want one", got)
	}
	// A partition can come back after its tombstone.
	applyOffset(t, s, `["src",{"file":"a"}]`, `{"pos":5}`)
	if got, ok := s.Offset("src", map[string]any{"file": "a"}); !ok || got["pos"] != int64(5) {
		t.Errorf("Offset after reset and rewrite = %v, %v", got, ok)
	}
}

func TestOffsetsIgnoredAndMalformed(t *testing.T) {
	s := newStore(t)
	applyOffset(t, s, `["src",{"file":"a"}]`, `{"pos":1}`)
	changed := s.Changed()
	for _, key := range []string{``, `null`, `"src"`, `["src"]`, `["src",null]`, `[1,{}]`, `["src",{}`} {
		if err := s.ApplyOffsetRecord([]byte(key), []byte(`{"pos":9}`)); err != nil {
			t.Errorf("ApplyOffsetRecord(%s) = %v, want nil (ignored)", key, err)
		}
	}
	select {
	case <-changed:
		t.Error("ignored keys changed the store")
	default:
	}
	// A value Kafka cannot read leaves no usable offset.
	if err := s.ApplyOffsetRecord([]byte(`["src",{"file":"a"}]`), []byte(`[1]`)); !errors.Is(err, records.ErrMalformed) {
		t.Errorf("ApplyOffsetRecord(bad value) = %v, want ErrMalformed", err)
	}
	if _, ok := s.Offset("src", map[string]any{"file": "a"}); ok {
		t.Error("partition with an unreadable offset still has one")
	}
}

func TestCanonicalDistinguishes(t *testing.T) {
	// Values that must never share a key.
	parts := []map[string]any{
		{},
		{"a": nil},
		{"a": ""},
		{"a": "1"},
		{"a": int64(1)},
		{"a": 1.0},
		{"a": true},
		{"a": false},
		{"a": []any{}},
		{"a": map[string]any{}},
		{"a": "x", "b": "y"},
		{"a": "xs1:b", "b": nil},
		{"a": []any{"x", "y"}},
		{"a": []any{"xy"}},
		{"ab": "c"},
		{"a": "bc"},
	}
	seen := make(map[string]int)
	for i, p := range parts {
		k, ok := canonical(p)
		if !ok {
			t.Fatalf("canonical(%v) failed", p)
		}
		if j, dup := seen[k]; dup {
			t.Errorf("canonical(%v) == canonical(%v) = %q", p, parts[j], k)
		}
		seen[k] = i
	}
}
