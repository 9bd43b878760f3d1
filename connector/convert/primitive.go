package convert

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/connectd/connectd/connector"
)

// NumberSpec returns the configuration of DoubleConverter, FloatConverter, IntegerConverter, LongConverter and
// ShortConverter (NumberConverterConfig: ConverterConfig only).
func NumberSpec() *connector.Spec {
	return connector.NewSpec(converterTypeField())
}

// BooleanSpec returns the configuration of BooleanConverter (BooleanConverterConfig: ConverterConfig only).
func BooleanSpec() *connector.Spec {
	return connector.NewSpec(converterTypeField())
}

// primitive is one of Kafka's fixed-width serializer/deserializer pairs (LongSerializer, ...) as Connect's
// NumberConverter and BooleanConverter wrap them: big-endian, no length prefix, null for null.
type primitive struct {
	// name is the converter's type name in Kafka's messages ("long"), class its simple class name.
	name, class string
	schema      connector.SchemaType
	size        int
	// deserializer is the class Kafka's size message names: FloatDeserializer and DoubleDeserializer say
	// just "Deserializer" on the byte[] path Connect uses.
	deserializer string
	// javaClass is the boxed Java class of the values (java.lang.Long), for the cast error.
	javaClass string
	// put writes v when it has the Go type of the schema; it reports false otherwise.
	put func(b []byte, v any) bool
	// get reads size bytes.
	get func(b []byte) (any, error)
}

var (
	primLong = &primitive{name: "long", class: "LongConverter", schema: connector.TypeInt64, size: 8,
		deserializer: "LongDeserializer", javaClass: "java.lang.Long",
		put: func(b []byte, v any) bool {
			n, ok := v.(int64)
			binary.BigEndian.PutUint64(b, uint64(n))
			return ok
		},
		get: func(b []byte) (any, error) { return int64(binary.BigEndian.Uint64(b)), nil },
	}
	primInteger = &primitive{name: "integer", class: "IntegerConverter", schema: connector.TypeInt32, size: 4,
		deserializer: "IntegerDeserializer", javaClass: "java.lang.Integer",
		put: func(b []byte, v any) bool {
			n, ok := v.(int32)
			binary.BigEndian.PutUint32(b, uint32(n))
			return ok
		},
		get: func(b []byte) (any, error) { return int32(binary.BigEndian.Uint32(b)), nil },
	}
	primShort = &primitive{name: "short", class: "ShortConverter", schema: connector.TypeInt16, size: 2,
		deserializer: "ShortDeserializer", javaClass: "java.lang.Short",
		put: func(b []byte, v any) bool {
			n, ok := v.(int16)
			binary.BigEndian.PutUint16(b, uint16(n))
			return ok
		},
		get: func(b []byte) (any, error) { return int16(binary.BigEndian.Uint16(b)), nil },
	}
	primFloat = &primitive{name: "float", class: "FloatConverter", schema: connector.TypeFloat32, size: 4,
		deserializer: "Deserializer", javaClass: "java.lang.Float",
		put: func(b []byte, v any) bool {
			f, ok := v.(float32)
			// Float.floatToRawIntBits: a NaN keeps its payload.
			binary.BigEndian.PutUint32(b, math.Float32bits(f))
			return ok
		},
		get: func(b []byte) (any, error) { return math.Float32frombits(binary.BigEndian.Uint32(b)), nil },
	}
	primDouble = &primitive{name: "double", class: "DoubleConverter", schema: connector.TypeFloat64, size: 8,
		deserializer: "Deserializer", javaClass: "java.lang.Double",
		put: func(b []byte, v any) bool {
			f, ok := v.(float64)
			bits := math.Float64bits(f)
			if math.IsNaN(f) {
				bits = 0x7ff8000000000000 // Double.doubleToLongBits folds every NaN into the canonical one
			}
			binary.BigEndian.PutUint64(b, bits)
			return ok
		},
		get: func(b []byte) (any, error) { return math.Float64frombits(binary.BigEndian.Uint64(b)), nil },
	}
	primBoolean = &primitive{name: "boolean", class: "BooleanConverter", schema: connector.TypeBoolean, size: 1,
		deserializer: "BooleanDeserializer", javaClass: "java.lang.Boolean",
		put: func(b []byte, v any) bool {
			t, ok := v.(bool)
			if t {
				b[0] = 1
			}
			return ok
		},
		get: func(b []byte) (any, error) {
			switch b[0] {
			case 1:
				return true, nil
			case 0:
				return false, nil
			}
			// Java prints the byte signed.
			return nil, errors.New("Unexpected byte received by BooleanDeserializer: " + strconv.Itoa(int(int8(b[0]))))
		},
	}
)

// PrimitiveConverter is one of the converters Kafka Connect ships for a single primitive value, written as
// Kafka's serializers write it (big-endian, fixed width, a boolean as one byte 0 or 1): the
// org.apache.kafka.connect.converters classes LongConverter (int64), IntegerConverter (int32), ShortConverter
// (int16), DoubleConverter (float64), FloatConverter (float32) and BooleanConverter (bool). A value must have
// exactly that Go type, as Java's casts require the boxed class. The number converters ignore the schema
// when writing; BooleanConverter rejects a schema of another type. nil values and nil bytes stay nil.
// Create one with NewLong, NewInteger, NewShort, NewDouble, NewFloat or NewBoolean; it has no settings of its
// own and is safe for concurrent use.
type PrimitiveConverter struct {
	p *primitive
}

// NewLong returns org.apache.kafka.connect.converters.LongConverter.
func NewLong() *PrimitiveConverter { return &PrimitiveConverter{p: primLong} }

// NewInteger returns org.apache.kafka.connect.converters.IntegerConverter.
func NewInteger() *PrimitiveConverter { return &PrimitiveConverter{p: primInteger} }

// NewShort returns org.apache.kafka.connect.converters.ShortConverter.
func NewShort() *PrimitiveConverter { return &PrimitiveConverter{p: primShort} }

// NewDouble returns org.apache.kafka.connect.converters.DoubleConverter.
func NewDouble() *PrimitiveConverter { return &PrimitiveConverter{p: primDouble} }

// NewFloat returns org.apache.kafka.connect.converters.FloatConverter.
func NewFloat() *PrimitiveConverter { return &PrimitiveConverter{p: primFloat} }

// NewBoolean returns org.apache.kafka.connect.converters.BooleanConverter.
func NewBoolean() *PrimitiveConverter { return &PrimitiveConverter{p: primBoolean} }

// Configure checks the settings as Kafka does (converter.type only); there is nothing to apply.
func (c *PrimitiveConverter) Configure(config map[string]string, isKey bool) error {
	return c.configure(config, converterType(isKey))
}

func (c *PrimitiveConverter) configure(config map[string]string, typ string) error {
	spec := NumberSpec
	if c.p == primBoolean {
		spec = BooleanSpec
	}
	_, err := spec().Parse(withType(config, typ))
	return err
}

// HeaderConverter returns c as a connector.HeaderConverter, as Kafka registers these converters for
// headers too.
func (c *PrimitiveConverter) HeaderConverter() connector.HeaderConverter { return &headerAdapter{c: c} }

// FromConnectData writes value in the converter's fixed width.
func (c *PrimitiveConverter) FromConnectData(_ string, schema *connector.Schema, value any) ([]byte, error) {
	p := c.p
	if p == primBoolean && schema != nil && schema.Type != connector.TypeBoolean {
		return nil, dataError("Invalid schema type for BooleanConverter: " + javaTypeName(schema.Type))
	}
	if isNil(value) {
		return nil, nil
	}
	b := make([]byte, p.size)
	if p.put(b, value) {
		return b, nil
	}
	if p == primBoolean {
		return nil, dataError("BooleanConverter is not compatible with objects of type " + javaClassOf(value))
	}
	return nil, dataErrorCause(fmt.Sprintf("Failed to serialize to %s (was %s): ", p.name, javaClassOf(value)),
		fmt.Errorf("%s cannot be cast to class %s", javaClassOf(value), p.javaClass))
}

// ToConnectData reads data of exactly the converter's width, with an optional schema of its type.
func (c *PrimitiveConverter) ToConnectData(_ string, data []byte) (*connector.Schema, any, error) {
	p := c.p
	schema := &connector.Schema{Type: p.schema, Optional: true}
	if data == nil {
		return schema, nil, nil
	}
	if len(data) != p.size {
		return nil, nil, dataErrorCause("Failed to deserialize "+p.name+": ",
			fmt.Errorf("Size of data received by %s is not %d", p.deserializer, p.size)) //nolint:staticcheck // Kafka's deserializers' exact message
	}
	v, err := p.get(data)
	if err != nil {
		return nil, nil, dataErrorCause("Failed to deserialize "+p.name+": ", err)
	}
	return schema, v, nil
}

// javaClassOf is value.getClass() as Java prints it for the Java counterpart of a Go value of Connect data
// ("class java.lang.String"); a Go type with no counterpart is named as Go names it.
func javaClassOf(value any) string {
	name := connector.JavaClassName(value)
	if name == fmt.Sprintf("%T", value) {
		return name
	}
	return "class " + name
}
