package convert

import (
	"math"
	"reflect"
)

// asInt64 returns the value of any Go integer, or false for other values and uint64s above MaxInt64.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() > math.MaxInt64 {
			return 0, false
		}
		return int64(rv.Uint()), true
	}
	return 0, false
}

// isNil reports whether v is nil or a nil pointer, map, slice or interface: the Go spellings of Java's null.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// listValues returns the elements of a slice or array other than a byte slice.
func listValues(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false
		}
	case reflect.Array:
	default:
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// mapEntry is one entry of a Connect map value.
type mapEntry struct {
	Key   any
	Value any
}

// mapEntries returns the entries of any Go map, unordered, and whether every key is a string.
func mapEntries(v any) ([]mapEntry, bool, bool) {
	switch m := v.(type) {
	case map[string]any:
		out := make([]mapEntry, 0, len(m))
		for k, val := range m {
			out = append(out, mapEntry{k, val})
		}
		return out, true, true
	case map[string]string:
		out := make([]mapEntry, 0, len(m))
		for k, val := range m {
			out = append(out, mapEntry{k, val})
		}
		return out, true, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil, false, false
	}
	out := make([]mapEntry, 0, rv.Len())
	allStrings := true
	it := rv.MapRange()
	for it.Next() {
		k := it.Key().Interface()
		if _, ok := k.(string); !ok {
			allStrings = false
		}
		out = append(out, mapEntry{k, it.Value().Interface()})
	}
	return out, allStrings, true
}
