package connector

// SchemaType is the type of a Connect schema, spelled as Kafka Connect's JsonConverter writes it.
type SchemaType string

// Connect schema types. Float32 and Float64 are written "float" and "double" on the wire, as Kafka Connect does.
const (
	TypeBoolean SchemaType = "boolean"
	TypeInt8    SchemaType = "int8"
	TypeInt16   SchemaType = "int16"
	TypeInt32   SchemaType = "int32"
	TypeInt64   SchemaType = "int64"
	TypeFloat32 SchemaType = "float"
	TypeFloat64 SchemaType = "double"
	TypeBytes   SchemaType = "bytes"
	TypeString  SchemaType = "string"
	TypeArray   SchemaType = "array"
	TypeMap     SchemaType = "map"
	TypeStruct  SchemaType = "struct"
)

// Schema is Connect's schema of a key, value or header. A nil *Schema means "schemaless".
//
// Values that go with a schema use these Go types: bool, int8, int16, int32, int64, float32, float64, []byte,
// string, []any (array), map[string]any or map[any]any (map), *Struct (struct), and nil when Optional.
type Schema struct {
	Type     SchemaType
	Optional bool
	// Default is the default value, nil for none.
	Default any
	Name    string
	// Version is the schema version; 0 means unset.
	Version    int
	Doc        string
	Parameters map[string]string
	// Fields are the fields of a struct schema, in order.
	Fields []SchemaField
	// KeySchema is the key schema of a map schema.
	KeySchema *Schema
	// ValueSchema is the value schema of a map schema, or the element schema of an array schema.
	ValueSchema *Schema
}

// SchemaField is one field of a struct schema.
type SchemaField struct {
	Name   string
	Schema *Schema
}

// Struct is a value of a struct schema: Values[i] belongs to Schema.Fields[i].
type Struct struct {
	Schema *Schema
	Values []any
}

// RawJSON is a value that already is one valid JSON document. JsonConverter writes it as that document (without
// schema, or with a null schema in the envelope), StringConverter writes its text and ByteArrayConverter its bytes.
// Source connectors that receive JSON payloads use it so the payload lands in Kafka as JSON, not base64.
type RawJSON []byte

// Converter turns Connect data into the bytes of a Kafka record key or value and back, as Kafka Connect's
// org.apache.kafka.connect.storage.Converter does.
type Converter interface {
	// Configure is called once before use with the converter's own settings (the "key.converter." or
	// "value.converter." prefix removed) and whether it converts keys.
	Configure(config map[string]string, isKey bool) error
	// FromConnectData serializes value (described by schema, nil when schemaless). A nil value with a nil
	// schema yields nil bytes.
	FromConnectData(topic string, schema *Schema, value any) ([]byte, error)
	// ToConnectData parses data; nil data yields a nil value.
	ToConnectData(topic string, data []byte) (*Schema, any, error)
}

// HeaderConverter turns Connect header values into header bytes and back.
type HeaderConverter interface {
	Configure(config map[string]string) error
	FromConnectHeader(topic, headerKey string, schema *Schema, value any) ([]byte, error)
	ToConnectHeader(topic, headerKey string, data []byte) (*Schema, any, error)
}
