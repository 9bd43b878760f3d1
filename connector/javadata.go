package connector

import (
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

// Names of Kafka Connect's logical types.
const (
	LogicalDecimal   = "org.apache.kafka.connect.data.Decimal"
	LogicalDate      = "org.apache.kafka.connect.data.Date"
	LogicalTime      = "org.apache.kafka.connect.data.Time"
	LogicalTimestamp = "org.apache.kafka.connect.data.Timestamp"
)

// DataError is Kafka Connect's DataException: data a converter or transformation cannot handle. Message is
// Kafka's text for the case; Err is the underlying cause, if any. The worker treats a DataError as a
// record-level failure that errors.tolerance may skip.
type DataError struct {
	Message string
	Err     error
}

// NewDataError returns a *DataError with Kafka's message.
func NewDataError(msg string) error { return &DataError{Message: msg} }

// Error returns the message, followed by the cause's when there is one.
func (e *DataError) Error() string {
	if e.Err == nil {
		return e.Message
	}
	// Kafka's messages that carry a cause end in ": "; do not double it.
	return strings.TrimSuffix(e.Message, ": ") + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *DataError) Unwrap() error { return e.Err }

// JavaClass names the Java exception class this error stands for, as Kafka's error reporters print it.
func (e *DataError) JavaClass() string { return "org.apache.kafka.connect.errors.DataException" }

// JavaTypeName is the name of Schema.Type in Java ("INT32", "FLOAT64"), as Kafka's messages print it.
func JavaTypeName(t SchemaType) string {
	switch t {
	case TypeFloat32:
		return "FLOAT32"
	case TypeFloat64:
		return "FLOAT64"
	}
	return strings.ToUpper(string(t))
}

// JavaClassName is value.getClass().getName() for the Java counterpart of a Go value of Connect data
// ("java.lang.String"), "null" for nil; a Go type with no counterpart is named as Go names it.
func JavaClassName(value any) string {
	switch value.(type) {
	case nil:
		return "null"
	case string:
		return "java.lang.String"
	case bool:
		return "java.lang.Boolean"
	case int8:
		return "java.lang.Byte"
	case int16:
		return "java.lang.Short"
	case int32:
		return "java.lang.Integer"
	case int64:
		return "java.lang.Long"
	case float32:
		return "java.lang.Float"
	case float64:
		return "java.lang.Double"
	case []byte, RawJSON:
		return "[B"
	case *Struct, Struct:
		return "org.apache.kafka.connect.data.Struct"
	case *big.Rat, *big.Int:
		return "java.math.BigDecimal"
	case time.Time:
		return "java.util.Date"
	case []any:
		return "java.util.ArrayList"
	case map[string]any, map[any]any:
		return "java.util.HashMap"
	}
	return fmt.Sprintf("%T", value)
}

// Field returns the index and field named name, or -1 and nil.
func (s *Schema) Field(name string) (int, *SchemaField) {
	if s == nil {
		return -1, nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return i, &s.Fields[i]
		}
	}
	return -1, nil
}

// SchemaEqual is Java's ConnectSchema.equals: every attribute, fields, key, value schemas and parameters.
// Default values are compared deeply.
func SchemaEqual(a, b *Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.Type != b.Type || a.Optional != b.Optional || a.Version != b.Version || a.Name != b.Name ||
		a.Doc != b.Doc || !reflect.DeepEqual(a.Default, b.Default) || len(a.Fields) != len(b.Fields) ||
		len(a.Parameters) != len(b.Parameters) || (a.Parameters == nil) != (b.Parameters == nil) {
		return false
	}
	for k, v := range a.Parameters {
		if w, ok := b.Parameters[k]; !ok || w != v {
			return false
		}
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !SchemaEqual(a.Fields[i].Schema, b.Fields[i].Schema) {
			return false
		}
	}
	return SchemaEqual(a.KeySchema, b.KeySchema) && SchemaEqual(a.ValueSchema, b.ValueSchema)
}

// NewStruct returns an empty struct of schema, every field nil. It panics when schema is not a struct schema,
// as Java's constructor throws.
func NewStruct(schema *Schema) *Struct {
	if schema == nil || schema.Type != TypeStruct {
		panic(NewDataError(fmt.Sprintf("Not a struct schema: %v", schema)))
	}
	return &Struct{Schema: schema, Values: make([]any, len(schema.Fields))}
}

// Get is Java's Struct.get(fieldName): the field's value, or its schema's default when the value is nil. A
// name the schema does not have is Kafka's "<name> is not a valid field name".
func (s *Struct) Get(name string) (any, error) {
	i, f := s.Schema.Field(name)
	if f == nil {
		return nil, NewDataError(name + " is not a valid field name")
	}
	if v := s.Values[i]; v != nil || f.Schema == nil {
		return v, nil
	}
	return f.Schema.Default, nil
}

// GetWithoutDefault is Java's Struct.getWithoutDefault: the value as set, nil when unset.
func (s *Struct) GetWithoutDefault(name string) (any, error) {
	i, f := s.Schema.Field(name)
	if f == nil {
		return nil, NewDataError(name + " is not a valid field name")
	}
	return s.Values[i], nil
}

// Put is Java's Struct.put(fieldName, value): the value is validated against the field's schema.
func (s *Struct) Put(name string, value any) error {
	i, f := s.Schema.Field(name)
	if f == nil {
		return NewDataError(name + " is not a valid field name")
	}
	if err := ValidateValue(f.Schema, value, name); err != nil {
		return err
	}
	s.Values[i] = value
	return nil
}

// Validate is Java's Struct.validate: every field's value fits its schema; nil is fine for optional fields
// and fields with a default.
func (s *Struct) Validate() error {
	for i, f := range s.Schema.Fields {
		v := s.Values[i]
		if v == nil && (f.Schema.Optional || f.Schema.Default != nil) {
			continue
		}
		if err := ValidateValue(f.Schema, v, f.Name); err != nil {
			return err
		}
	}
	return nil
}

// ValidateValue is Java's ConnectSchema.validateValue(field, schema, value) with Kafka's messages; field ""
// reads "value" in them.
func ValidateValue(schema *Schema, value any, field string) error {
	loc := "value"
	if field != "" {
		loc = `field: "` + field + `"`
	}
	return validateValue(schema, value, loc)
}

func validateValue(schema *Schema, value any, loc string) error {
	if IsNull(value) {
		if !schema.Optional {
			return NewDataError("Invalid value: null used for required " + loc + ", schema type: " + JavaTypeName(schema.Type))
		}
		return nil
	}
	if !valueFits(schema, value) {
		var b strings.Builder
		b.WriteString("Invalid Java object for schema")
		if schema.Name != "" {
			b.WriteString(` "` + schema.Name + `"`)
		}
		b.WriteString(" with type " + JavaTypeName(schema.Type) + ": class " + JavaClassName(value) + " for " + loc)
		return NewDataError(b.String())
	}
	switch schema.Type {
	case TypeStruct:
		st := value.(*Struct)
		if !SchemaEqual(st.Schema, schema) {
			return NewDataError("Struct schemas do not match.")
		}
		return st.Validate()
	case TypeArray:
		entryLoc := "element of array " + loc
		if schema.ValueSchema == nil {
			return NewDataError("No schema defined for " + entryLoc)
		}
		for _, e := range value.([]any) {
			if err := validateValue(schema.ValueSchema, e, entryLoc); err != nil {
				return err
			}
		}
	case TypeMap:
		keyLoc, valueLoc := "key of map "+loc, "value of map "+loc
		if schema.KeySchema == nil {
			return NewDataError("No schema defined for " + keyLoc)
		}
		if schema.ValueSchema == nil {
			return NewDataError("No schema defined for " + valueLoc)
		}
		check := func(k, v any) error {
			if err := validateValue(schema.KeySchema, k, keyLoc); err != nil {
				return err
			}
			return validateValue(schema.ValueSchema, v, valueLoc)
		}
		switch m := value.(type) {
		case map[string]any:
			for k, v := range m {
				if err := check(k, v); err != nil {
					return err
				}
			}
		case map[any]any:
			for k, v := range m {
				if err := check(k, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// valueFits is the class check of ConnectSchema.validateValue: logical types by their Java class, others by
// the schema type.
func valueFits(schema *Schema, value any) bool {
	switch schema.Name {
	case LogicalDecimal:
		switch value.(type) {
		case *big.Rat, *big.Int:
			return true
		}
		return false
	case LogicalDate, LogicalTime, LogicalTimestamp:
		_, ok := value.(time.Time)
		return ok
	}
	switch schema.Type {
	case TypeInt8:
		_, ok := value.(int8)
		return ok
	case TypeInt16:
		_, ok := value.(int16)
		return ok
	case TypeInt32:
		_, ok := value.(int32)
		return ok
	case TypeInt64:
		_, ok := value.(int64)
		return ok
	case TypeFloat32:
		_, ok := value.(float32)
		return ok
	case TypeFloat64:
		_, ok := value.(float64)
		return ok
	case TypeBoolean:
		_, ok := value.(bool)
		return ok
	case TypeString:
		_, ok := value.(string)
		return ok
	case TypeBytes:
		switch value.(type) {
		case []byte, RawJSON:
			return true
		}
	case TypeArray:
		_, ok := value.([]any)
		return ok
	case TypeMap:
		switch value.(type) {
		case map[string]any, map[any]any:
			return true
		}
	case TypeStruct:
		_, ok := value.(*Struct)
		return ok
	}
	return false
}

// IsNull reports whether v is Java's null: nil, or a nil pointer of a Connect value type.
func IsNull(v any) bool {
	switch p := v.(type) {
	case nil:
		return true
	case *Struct:
		return p == nil
	case *big.Rat:
		return p == nil
	case *big.Int:
		return p == nil
	}
	return false
}

// JavaStringHash is Java's String.hashCode: over UTF-16 code units.
func JavaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + hi
			r = lo
		}
		h = 31*h + r
	}
	return h
}

// JavaBucket is the bucket of a java.util.HashMap (or HashSet) table of the given capacity (a power of two)
// that holds key.
func JavaBucket(key string, capacity int) int {
	h := uint32(JavaStringHash(key))
	return int((h ^ (h >> 16)) & uint32(capacity-1))
}

// JavaHashOrder returns keys in the order a java.util.HashMap (or HashSet) with the given table capacity
// iterates them: by bucket, and within a bucket in the order given (Java's insertion order). Results and
// messages that depend on Java's iteration order then come out as Kafka's.
func JavaHashOrder(keys []string, capacity int) []string {
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b string) int { return JavaBucket(a, capacity) - JavaBucket(b, capacity) })
	return out
}

// JavaHashMapCapacity is the table capacity of a default java.util.HashMap after n distinct puts: 16, doubled
// whenever the size passes three quarters of it.
func JavaHashMapCapacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// JavaHashSetCapacity is the table capacity of a java.util.HashSet built from a collection of n elements: the
// power of two at least max(n/.75+1, 16).
func JavaHashSetCapacity(n int) int {
	want := max(int(float32(n)/.75)+1, 16)
	c := 1
	for c < want {
		c *= 2
	}
	return c
}
