package records

import (
	"errors"
	"fmt"

	"github.com/connectd/connectd/connector/javajson"
)

// ErrMalformed is wrapped by every decoding error: the record is not what its key says it is. Kafka's readers
// log such records and skip them, and so should callers.
var ErrMalformed = errors.New("malformed record")

// ErrNotJSON is wrapped (together with ErrMalformed) when a value is not JSON at all. Kafka's config reader
// fails such records in its converter before it advances its offset, so the distinction matters there.
var ErrNotJSON = errors.New("value is not json")

// NullValue reports whether a config-topic value means null to Kafka's JsonConverter: no value (a tombstone),
// an empty value, or the JSON literal null. It returns an error wrapping ErrNotJSON for bytes that are not JSON.
func NullValue(b []byte) (bool, error) {
	if len(b) == 0 {
		return true, nil
	}
	v, err := parse(b)
	if err != nil {
		return false, err
	}
	return v == nil, nil
}

// parse decodes schemaless JSON as Kafka's JsonConverter does: integers int64, other numbers float64.
func parse(b []byte) (any, error) {
	v, err := javajson.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrMalformed, ErrNotJSON, err)
	}
	return v, nil
}

// parseObject decodes a value that must be a JSON object.
func parseObject(b []byte, what string) (map[string]any, error) {
	v, err := parse(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, malformed("%s is %s, not an object", what, typeName(v))
	}
	return m, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// typeName names a decoded JSON value's type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// stringField reads a field that must be a JSON string.
func stringField(m map[string]any, name string) (string, error) {
	s, ok := m[name].(string)
	if !ok {
		return "", malformed("field %q is %s, not a string", name, typeName(m[name]))
	}
	return s, nil
}

// longField reads a field that must be a JSON integer (a Java Long after conversion).
func longField(m map[string]any, name string) (int64, error) {
	n, ok := m[name].(int64)
	if !ok {
		return 0, malformed("field %q is %s, not an integer", name, typeName(m[name]))
	}
	return n, nil
}

// intField reads an int32 field the way Kafka's readers do: any JSON integer, narrowed like Java's
// Long.intValue (wrapping, not failing, on overflow).
func intField(m map[string]any, name string) (int32, error) {
	n, err := longField(m, name)
	return int32(n), err
}

// marshal writes a value as Jackson would. Records whose fields are not in sorted order (Kafka's
// JsonConverter writes a Struct's fields in schema order) are built as javajson.Object.
func marshal(v any) ([]byte, error) {
	b, err := javajson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return b, nil
}
