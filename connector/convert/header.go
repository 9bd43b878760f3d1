package convert

import (
	"strconv"

	"github.com/connectd/connectd/connector"
)

// typedConverter is a converter of this package that can be configured for a given converter.type.
type typedConverter interface {
	connector.Converter
	configure(config map[string]string, typ string) error
}

// headerAdapter makes a Converter usable as a HeaderConverter, as Kafka's converters that implement both
// interfaces do: the same conversion, with converter.type=header.
type headerAdapter struct {
	c typedConverter
}

func (h *headerAdapter) Configure(config map[string]string) error {
	return h.c.configure(config, typeHeader)
}

func (h *headerAdapter) FromConnectHeader(topic, _ string, schema *connector.Schema, value any) ([]byte, error) {
	return h.c.FromConnectData(topic, schema, value)
}

func (h *headerAdapter) ToConnectHeader(topic, _ string, data []byte) (*connector.Schema, any, error) {
	return h.c.ToConnectData(topic, data)
}

// SimpleHeaderConverter is org.apache.kafka.connect.storage.SimpleHeaderConverter: header values are written
// as text (Kafka's Values.convertToString) and read back by inferring a schema from the text (Kafka's
// Values.parseString). It has no settings; its zero value is ready to use.
type SimpleHeaderConverter struct{}

// NewSimpleHeader returns a SimpleHeaderConverter.
func NewSimpleHeader() *SimpleHeaderConverter { return &SimpleHeaderConverter{} }

// Configure accepts any settings.
func (c *SimpleHeaderConverter) Configure(map[string]string) error { return nil }

// FromConnectHeader writes value as text in UTF-8: strings raw, numbers and booleans as Java prints them,
// bytes as Base64, lists, maps and structs in a JSON-like syntax with quoted strings, dates as ISO-8601. A
// nil value gives nil bytes.
func (c *SimpleHeaderConverter) FromConnectHeader(_, _ string, schema *connector.Schema, value any) ([]byte, error) {
	switch v := value.(type) {
	case nil:
		return nil, nil
	case string:
		// The common header values, written without convertToString's intermediate string.
		return []byte(v), nil
	case int32:
		return strconv.AppendInt(nil, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(nil, v, 10), nil
	}
	if isNil(value) {
		return nil, nil
	}
	s, err := convertToString(schema, value)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// ToConnectHeader parses the UTF-8 text of a header: "true"/"false" become booleans, numbers the smallest
// fitting integer type, FLOAT32, FLOAT64 or Decimal, ISO-8601 literals Date, Time or Timestamp, bracketed and
// braced text arrays and maps when their elements parse, and anything else a STRING. "null" and nil data
// give a nil schema and value.
func (c *SimpleHeaderConverter) ToConnectHeader(_, _ string, data []byte) (*connector.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	schema, value := parseString(charsetUTF8.decode(data))
	return schema, value, nil
}
