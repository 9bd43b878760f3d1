package transforms

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/connectd/connectd/connector"
)

// HeaderFrom moves or copies fields of a map or struct key or value into headers, as Kafka's HeaderFrom does:
// the n-th entry of fields goes to a header named by the n-th entry of headers, appended after the record's
// headers. With a schema each header carries its field's schema; without, no schema.

func headerFromSpec() *connector.Spec {
	return connector.NewSpec(
		connector.List("fields").Check(nonEmptyList()).Imp(connector.High).
			Documentation("Field names in the record whose values are to be copied or moved to headers."),
		connector.List("headers").Check(nonEmptyList()).Imp(connector.High).
			Documentation("Header names, in the same order as the field names listed in the fields configuration property."),
		connector.String("operation").Check(connector.OneOf("move", "copy")).Imp(connector.High).
			Documentation("Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), "+
				"or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value)."),
		connector.Bool("replace.null.with.default").WithDefault("true").Documentation(replaceNullWithDefaultDoc),
	)
}

// headerFromPlugins returns HeaderFrom$Key and HeaderFrom$Value.
func headerFromPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"HeaderFrom", headerFromSpec, newHeaderFrom)
}

type headerFrom struct {
	side                   side
	fields, headers        []string
	move                   bool
	replaceNullWithDefault bool
	schemas                schemaMemo
}

func newHeaderFrom(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(headerFromSpec(), config)
	if err != nil {
		return nil, err
	}
	t := &headerFrom{
		side:                   s,
		fields:                 p.List("fields"),
		headers:                p.List("headers"),
		move:                   p.String("operation") == "move",
		replaceNullWithDefault: p.Bool("replace.null.with.default"),
	}
	if len(t.headers) != len(t.fields) {
		return nil, &connector.ConfigError{Message: "'fields' config must have the same number of elements as 'headers' config."}
	}
	return t, nil
}

// purpose is how Kafka's messages name the operation: "header move" or "header copy".
func (t *headerFrom) purpose() string {
	if t.move {
		return "header move"
	}
	return "header copy"
}

// Apply adds the headers and, for move, drops the fields. Kafka 3.9 has no tombstone case here: a null key or
// value fails as a value that is not a map or struct.
func (t *headerFrom) Apply(rec *connector.Record) (*connector.Record, error) {
	schema, value := t.side.schema(rec), t.side.value(rec)
	if schema == nil {
		return t.applySchemaless(rec, value)
	}
	return t.applyWithSchema(rec, schema, value)
}

func (t *headerFrom) applySchemaless(rec *connector.Record, value any) (*connector.Record, error) {
	m, err := requireMap(value, t.purpose())
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	headers := make([]connector.Header, len(rec.Headers), len(rec.Headers)+len(t.fields))
	copy(headers, rec.Headers)
	for i, name := range t.fields {
		if t.move {
			delete(out, name)
		}
		headers = append(headers, connector.Header{Key: t.headers[i], Value: m[name]})
	}
	return t.with(rec, nil, out, headers), nil
}

func (t *headerFrom) applyWithSchema(rec *connector.Record, schema *connector.Schema, value any) (*connector.Record, error) {
	st, err := requireWellFormedStruct(value, t.purpose())
	if err != nil {
		return nil, err
	}
	updatedSchema, updated := schema, st
	if t.move {
		if updatedSchema, err = t.schemas.get(schema, t.moveSchema); err != nil {
			return nil, err
		}
		updated = connector.NewStruct(updatedSchema)
		for _, f := range updatedSchema.Fields {
			v, err := fieldValue(st, f.Name, t.replaceNullWithDefault)
			if err != nil {
				return nil, err
			}
			if err := updated.Put(f.Name, v); err != nil {
				return nil, err
			}
		}
	}
	headers := make([]connector.Header, len(rec.Headers), len(rec.Headers)+len(t.fields))
	copy(headers, rec.Headers)
	for i, name := range t.fields {
		// The value is read from the struct, the header's schema from the record's schema; a field the value
		// lacks reads as null.
		var v any
		if _, f := st.Schema.Field(name); f != nil {
			if v, err = fieldValue(st, name, t.replaceNullWithDefault); err != nil {
				return nil, err
			}
		}
		if schema.Type != connector.TypeStruct {
			return nil, connector.NewDataError("Cannot look up fields on non-struct type")
		}
		_, f := schema.Field(name)
		if f == nil {
			// Java dereferences the missing field and fails with this NullPointerException.
			return nil, &nullPointerError{msg: `Cannot invoke "org.apache.kafka.connect.data.Field.schema()" because ` +
				`the return value of "org.apache.kafka.connect.data.Schema.field(String)" is null`}
		}
		if err := checkHeaderValue(f.Schema, v); err != nil {
			return nil, err
		}
		headers = append(headers, connector.Header{Key: t.headers[i], Schema: f.Schema, Value: v})
	}
	return t.with(rec, updatedSchema, updated, headers), nil
}

// moveSchema is the record's schema without the moved fields.
func (t *headerFrom) moveSchema(in *connector.Schema) (*connector.Schema, error) {
	if in.Type != connector.TypeStruct {
		return nil, connector.NewDataError("Cannot list fields on non-struct type")
	}
	out := copySchemaBasics(in)
	for _, f := range in.Fields {
		if !slices.Contains(t.fields, f.Name) {
			if err := appendField(out, f.Name, f.Schema); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// with is the record with the side's schema and value and the headers replaced.
func (t *headerFrom) with(rec *connector.Record, schema *connector.Schema, value any, headers []connector.Header) *connector.Record {
	out := t.side.with(rec, schema, value)
	out.Headers = headers
	return out
}

// nullPointerError is the java.lang.NullPointerException Kafka's code runs into on some inputs; Message is the
// JVM's helpful message for it.
type nullPointerError struct {
	msg string
}

func (e *nullPointerError) Error() string { return e.msg }

// JavaClass names the Java exception class this error stands for.
func (e *nullPointerError) JavaClass() string { return "java.lang.NullPointerException" }

// checkHeaderValue is ConnectHeaders.checkSchemaMatches: a header's value must suit its schema, and null needs
// an optional one.
func checkHeaderValue(schema *connector.Schema, value any) error {
	if schema == nil {
		return nil
	}
	if connector.IsNull(value) {
		if !schema.Optional {
			return connector.NewDataError("A null value requires an optional schema but was " + javaSchemaString(schema))
		}
		return nil
	}
	ok := false
	switch schema.Type {
	case connector.TypeBytes:
		switch value.(type) {
		case []byte, connector.RawJSON:
			ok = true
		case *big.Rat, *big.Int:
			ok = schema.Name == connector.LogicalDecimal
		}
	case connector.TypeString:
		_, ok = value.(string)
	case connector.TypeBoolean:
		_, ok = value.(bool)
	case connector.TypeInt8:
		_, ok = value.(int8)
	case connector.TypeInt16:
		_, ok = value.(int16)
	case connector.TypeInt32:
		switch value.(type) {
		case int32:
			ok = true
		case time.Time:
			ok = schema.Name == connector.LogicalDate || schema.Name == connector.LogicalTime
		}
	case connector.TypeInt64:
		switch value.(type) {
		case int64:
			ok = true
		case time.Time:
			ok = schema.Name == connector.LogicalTimestamp
		}
	case connector.TypeFloat32:
		_, ok = value.(float32)
	case connector.TypeFloat64:
		_, ok = value.(float64)
	case connector.TypeArray:
		_, ok = value.([]any)
	case connector.TypeMap:
		switch value.(type) {
		case map[string]any, map[any]any:
			ok = true
		}
	case connector.TypeStruct:
		_, ok = value.(*connector.Struct)
	}
	if ok {
		return nil
	}
	return connector.NewDataError(fmt.Sprintf("The value %v is not compatible with the schema %s", value, javaSchemaString(schema)))
}
