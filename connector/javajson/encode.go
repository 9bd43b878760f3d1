package javajson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// maxDepth bounds nesting on both sides. Jackson's StreamReadConstraints default to the same depth, and it
// keeps a self-referencing map from overflowing the stack.
const maxDepth = 1000

// ErrMaxDepth is returned when a value or document nests more than 1000 arrays and objects deep.
var ErrMaxDepth = errors.New("javajson: nesting depth exceeds 1000")

// UnsupportedTypeError is returned by Marshal for a value of a type it cannot write, such as a struct, a
// channel or a map whose keys are not strings.
type UnsupportedTypeError struct {
	Type reflect.Type
}

func (e *UnsupportedTypeError) Error() string {
	return "javajson: unsupported type " + e.Type.String()
}

// Member is one key/value pair of an [Object].
type Member struct {
	Key   string
	Value any
}

// Object is a JSON object that keeps its members in order, for writers that must reproduce a Java
// LinkedHashMap or a schema's field order. Marshal writes the members in slice order, duplicates included;
// use Set to replace a member.
type Object []Member

// Set replaces the value of the first member named key, or appends a member when there is none.
func (o *Object) Set(key string, value any) {
	for i := range *o {
		if (*o)[i].Key == key {
			(*o)[i].Value = value
			return
		}
	}
	*o = append(*o, Member{Key: key, Value: value})
}

// Get returns the value of the first member named key.
func (o Object) Get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// Marshal encodes v as Jackson would write the equivalent Java value.
//
// Supported values: nil; bool; string; every integer kind; float32 (Float.toString) and float64
// (Double.toString); []byte as a Base64 string (standard alphabet, padded: Jackson's binary form);
// json.RawMessage, written compacted but otherwise as given; json.Number, written as given; []any and
// []string; map[string]any and map[string]string with sorted keys; [Object] and *Object in order. Other
// slices, arrays, maps with string keys, pointers and named types of the kinds above are handled through
// reflection. A nil slice, map or pointer is written as null, as encoding/json does.
func Marshal(v any) ([]byte, error) {
	bp := scratch.Get().(*[]byte)
	b, err := appendValue((*bp)[:0], v, 0)
	var out []byte
	if err == nil {
		out = bytes.Clone(b)
	}
	if cap(b) <= maxScratch {
		*bp = b
		scratch.Put(bp)
	}
	return out, err
}

// scratch holds the buffers Marshal writes into. Copying the result out of one costs a single allocation of
// the right size, where growing a fresh slice as the document is written costs one per doubling.
var scratch = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

// maxScratch is the largest buffer Marshal returns to scratch, so that an exceptionally large document does
// not stay in memory.
const maxScratch = 64 << 10

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return appendString(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case float32:
		return appendNumber(dst, float64(x), 32), nil
	case float64:
		return appendNumber(dst, x, 64), nil
	case json.RawMessage:
		return appendRaw(dst, x)
	case json.Number:
		if !validNumber(string(x)) {
			return dst, fmt.Errorf("javajson: invalid number literal %q", string(x))
		}
		return append(dst, x...), nil
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendBase64(dst, x), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth >= maxDepth {
			return dst, ErrMaxDepth
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, e)
		}
		return append(dst, ']'), nil
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth >= maxDepth {
			return dst, ErrMaxDepth
		}
		var buf [16]string // the keys of most maps fit, sparing an allocation
		keys := appendSortedKeys(buf[:0], x)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, x[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[string]string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		var buf [16]string
		keys := appendSortedKeys(buf[:0], x)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, x[k])
		}
		return append(dst, '}'), nil
	case Object:
		return appendObject(dst, x, depth)
	case *Object:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendObject(dst, *x, depth)
	}
	return appendReflect(dst, reflect.ValueOf(v), depth)
}

func appendObject(dst []byte, o Object, depth int) ([]byte, error) {
	if o == nil {
		// A nil Object is still an object: Object{} and Object(nil) both mean "no members".
		return append(dst, '{', '}'), nil
	}
	if depth >= maxDepth {
		return dst, ErrMaxDepth
	}
	dst = append(dst, '{')
	for i, m := range o {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, m.Key)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, m.Value, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendSortedKeys appends the keys of m to keys, sorted.
func appendSortedKeys[V any](keys []string, m map[string]V) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendNumber writes a floating-point number; NaN and the infinities become strings, as Jackson's
// WRITE_NAN_AS_STRINGS (on by default) writes them.
func appendNumber(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		dst = append(dst, '"')
		dst = appendJava(dst, f, bits)
		return append(dst, '"')
	}
	return appendJava(dst, f, bits)
}

func appendRaw(dst []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(dst, "null"...), nil
	}
	if out, ok := appendCompact(dst, raw); ok {
		return out, nil
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, raw); err != nil {
		return dst, fmt.Errorf("javajson: invalid raw JSON: %w", err)
	}
	return buf.Bytes(), nil
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789ABCDEF"

// plainASCII marks the bytes appendString copies as they are: printable ASCII other than '"' and '\\'.
// Non-ASCII bytes are unmarked, as they need a UTF-8 check.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString writes s quoted with Jackson's default escapes (see the package documentation).
func appendString(dst []byte, s string) []byte {
	// Most strings need no escapes: make room for them at once rather than growing dst as they are copied.
	dst = slices.Grow(dst, len(s)+2)
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plainASCII[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendReflect handles the values the type switch does not: named types, other slices and maps, pointers.
func appendReflect(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return dst, ErrMaxDepth
	}
	switch rv.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(dst, rv.Bool()), nil
	case reflect.String:
		return appendString(dst, rv.String()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(dst, rv.Uint(), 10), nil
	case reflect.Float32:
		return appendNumber(dst, rv.Float(), 32), nil
	case reflect.Float64:
		return appendNumber(dst, rv.Float(), 64), nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, rv.Elem().Interface(), depth+1)
	case reflect.Slice:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return appendBase64(dst, rv.Bytes()), nil
		}
		return appendList(dst, rv, depth)
	case reflect.Array:
		return appendList(dst, rv, depth)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return dst, &UnsupportedTypeError{Type: rv.Type()}
		}
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			switch as, bs := a.String(), b.String(); {
			case as < bs:
				return -1
			case as > bs:
				return 1
			}
			return 0
		})
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k.String())
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, rv.MapIndex(k).Interface(), depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, &UnsupportedTypeError{Type: rv.Type()}
}

func appendList(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	dst = append(dst, '[')
	for i := range rv.Len() {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendValue(dst, rv.Index(i).Interface(), depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}
