package records

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// EncodeOffsetKey encodes an offsets-topic key: the JSON array ["<connector>",{partition}]. Partition keys
// are written sorted; Java workers write their map's iteration order, which is why readers match partitions
// structurally rather than by key bytes.
func EncodeOffsetKey(connector string, partition map[string]any) ([]byte, error) {
	var p any
	if partition != nil {
		p = partition
	}
	return marshal([]any{connector, p})
}

// DecodeOffsetKey decodes an offsets-topic key. Anything but a two-element array of a string and an object is
// an error (Kafka's reader ignores such keys).
func DecodeOffsetKey(b []byte) (connector string, partition map[string]any, err error) {
	if len(b) == 0 {
		return "", nil, malformed("offset key is empty")
	}
	v, err := parse(b)
	if err != nil {
		return "", nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return "", nil, malformed("offset key is %s, not an array", typeName(v))
	}
	if len(list) != 2 {
		return "", nil, malformed("offset key has %d elements, not 2", len(list))
	}
	connector, ok = list[0].(string)
	if !ok {
		return "", nil, malformed("offset key: connector is %s, not a string", typeName(list[0]))
	}
	partition, ok = list[1].(map[string]any)
	if !ok {
		return "", nil, malformed("offset key: partition is %s, not an object", typeName(list[1]))
	}
	return connector, partition, nil
}

// EncodeOffsetValue encodes an offsets-topic value. A nil map encodes to nil bytes: a tombstone, which resets
// the partition.
func EncodeOffsetValue(offset map[string]any) ([]byte, error) {
	if offset == nil {
		return nil, nil
	}
	return marshal(offset)
}

// DecodeOffsetValue decodes an offsets-topic value. A tombstone (nil or empty bytes) and the JSON literal
// null decode to a nil map; any other non-object is an error.
func DecodeOffsetValue(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	v, err := parse(b)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, malformed("offset is %s, not an object", typeName(v))
	}
	return m, nil
}

// OffsetFormatError is returned by ValidateOffsetMap. Its message is Kafka's (OffsetUtils.validateFormat), which
// the REST API returns verbatim.
type OffsetFormatError struct {
	Message string
}

// Error returns Kafka's message unchanged.
func (e *OffsetFormatError) Error() string { return e.Message }

// ValidateOffsetMap checks a source partition or offset map as Kafka's OffsetUtils.validateFormat does: every
// value must be null or a primitive Connect type (integers, floats, bool, string, bytes). A nil map is valid.
// Keys are strings by construction; Kafka's "Offsets may only use String keys" cannot arise from Go.
func ValidateOffsetMap(m map[string]any) error {
	// Sorted so that the error names the same field every time.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch v.(type) {
		case nil, string, bool, []byte,
			int, int8, int16, int32, int64, uint8, uint16, uint32,
			float32, float64:
			continue
		case map[string]any:
			return offsetFormatError(k, "MAP")
		case []any:
			return offsetFormatError(k, "ARRAY")
		}
		switch reflect.TypeOf(v).Kind() {
		case reflect.Map:
			return offsetFormatError(k, "MAP")
		case reflect.Slice, reflect.Array:
			return offsetFormatError(k, "ARRAY")
		}
		// Kafka names the offending Java class here; the Go type is the closest equivalent.
		return offsetFormatError(k, fmt.Sprintf("%T", v))
	}
	return nil
}

func offsetFormatError(field, what string) error {
	return &OffsetFormatError{Message: "Offsets may only contain primitive types as values, but field " + field +
		" contains " + what}
}
