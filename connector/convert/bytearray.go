package convert

import (
	"fmt"

	"github.com/connectd/connectd/connector"
)

// ByteArraySpec returns the configuration of ByteArrayConverter (ConverterConfig only).
func ByteArraySpec() *connector.Spec {
	return connector.NewSpec(converterTypeField())
}

// ByteArrayConverter is org.apache.kafka.connect.converters.ByteArrayConverter: it passes bytes through. Its
// zero value is ready to use.
type ByteArrayConverter struct{}

// NewByteArray returns a ByteArrayConverter.
func NewByteArray() *ByteArrayConverter { return &ByteArrayConverter{} }

// Configure accepts any settings, as Kafka's does.
func (c *ByteArrayConverter) Configure(map[string]string, bool) error { return nil }

func (c *ByteArrayConverter) configure(map[string]string, string) error { return nil }

// HeaderConverter returns c as a connector.HeaderConverter, as Kafka registers ByteArrayConverter for
// headers too.
func (c *ByteArrayConverter) HeaderConverter() connector.HeaderConverter { return &headerAdapter{c: c} }

// FromConnectData returns a []byte or connector.RawJSON value as is. The schema must be nil or BYTES.
func (c *ByteArrayConverter) FromConnectData(_ string, schema *connector.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connector.TypeBytes {
		return nil, dataError("Invalid schema type for ByteArrayConverter: " + javaTypeName(schema.Type))
	}
	switch v := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case connector.RawJSON:
		return v, nil
	}
	return nil, dataError(fmt.Sprintf("ByteArrayConverter is not compatible with objects of type %T", value))
}

// ToConnectData returns data with an optional BYTES schema.
func (c *ByteArrayConverter) ToConnectData(_ string, data []byte) (*connector.Schema, any, error) {
	schema := &connector.Schema{Type: connector.TypeBytes, Optional: true}
	if data == nil {
		return schema, nil, nil
	}
	return schema, data, nil
}
