package transforms

import (
	"errors"
	"fmt"
	"maps"

	"github.com/connectd/connectd/connector"
)

// This file holds what every transformation shares: Kafka's Requirements checks (with their messages),
// SchemaUtil.copySchemaBasics, SimpleConfig parsing, and the $Key/$Value split.

// parseConfig is Kafka's SimpleConfig: config parsed against spec, an invalid value a *connector.ConfigError
// with Kafka's ConfigException message. Java stops at the first bad key, so only the first problem is kept.
func parseConfig(spec *connector.Spec, config map[string]string) (*connector.Parsed, error) {
	p, err := spec.Parse(config)
	if err != nil {
		msg := err.Error()
		if pe := (*connector.ParseError)(nil); errors.As(err, &pe) && len(pe.Errors) > 0 {
			msg = pe.Errors[0]
		}
		return nil, &connector.ConfigError{Message: msg}
	}
	return p, nil
}

// requireSchema is Requirements.requireSchema.
func requireSchema(schema *connector.Schema, purpose string) error {
	if schema == nil {
		return connector.NewDataError("Schema required for [" + purpose + "]")
	}
	return nil
}

// requireMap is Requirements.requireMap: the value as a map with string keys. A map with other keys (Java's
// unchecked cast lets them through) has them formatted as Java's String.valueOf would.
func requireMap(value any, purpose string) (map[string]any, error) {
	switch m := value.(type) {
	case map[string]any:
		return m, nil
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out, nil
	}
	return nil, connector.NewDataError("Only Map objects supported in absence of schema for [" + purpose +
		"], found: " + connector.JavaClassName(value))
}

// requireMapOrNull is Requirements.requireMapOrNull: nil stays nil.
func requireMapOrNull(value any, purpose string) (map[string]any, error) {
	if value == nil {
		return nil, nil
	}
	return requireMap(value, purpose)
}

// requireStruct is Requirements.requireStruct.
func requireStruct(value any, purpose string) (*connector.Struct, error) {
	if s, ok := value.(*connector.Struct); ok && s != nil {
		return s, nil
	}
	return nil, connector.NewDataError("Only Struct objects supported for [" + purpose + "], found: " +
		connector.JavaClassName(value))
}

// requireStructOrNull is Requirements.requireStructOrNull: nil stays nil.
func requireStructOrNull(value any, purpose string) (*connector.Struct, error) {
	if value == nil {
		return nil, nil
	}
	return requireStruct(value, purpose)
}

// requireSinkRecord is Requirements.requireSinkRecord: only a consumed record has an offset.
func requireSinkRecord(rec *connector.Record, purpose string) error {
	if rec.Offset == nil {
		return connector.NewDataError("Only SinkRecord supported for [" + purpose +
			"], found: org.apache.kafka.connect.source.SourceRecord")
	}
	return nil
}

// copySchemaBasics is SchemaUtil.copySchemaBasics: a new schema of source's type with its name, version,
// doc and parameters (and, for an array, its element schema). Optional and the default are not copied.
func copySchemaBasics(source *connector.Schema) *connector.Schema {
	out := &connector.Schema{Type: source.Type, Name: source.Name, Version: source.Version, Doc: source.Doc}
	if source.Parameters != nil {
		out.Parameters = maps.Clone(source.Parameters)
	}
	if source.Type == connector.TypeArray {
		out.ValueSchema = source.ValueSchema
	}
	return out
}

// side is the part of a record a $Key or $Value variant operates on.
type side int

const (
	keySide side = iota
	valueSide
)

// variants returns the $Key and $Value plugins of a transformation whose Java class is base (e.g.
// "org.apache.kafka.connect.transforms.Cast"), built by newT for each side.
func variants(base string, spec func() *connector.Spec,
	newT func(s side, config map[string]string) (connector.Transformation, error)) []connector.TransformPlugin {
	return []connector.TransformPlugin{
		{Class: base + "$Key", Type: connector.PluginTransformation, Spec: spec(),
			NewTransformation: func(c map[string]string) (connector.Transformation, error) { return newT(keySide, c) }},
		{Class: base + "$Value", Type: connector.PluginTransformation, Spec: spec(),
			NewTransformation: func(c map[string]string) (connector.Transformation, error) { return newT(valueSide, c) }},
	}
}

// schema is Java's operatingSchema.
func (s side) schema(r *connector.Record) *connector.Schema {
	if s == keySide {
		return r.KeySchema
	}
	return r.ValueSchema
}

// value is Java's operatingValue.
func (s side) value(r *connector.Record) any {
	if s == keySide {
		return r.Key
	}
	return r.Value
}

// with is Java's newRecord of a $Key or $Value variant: a copy of r with the side's schema and value replaced.
func (s side) with(r *connector.Record, schema *connector.Schema, value any) *connector.Record {
	out := *r
	if s == keySide {
		out.KeySchema, out.Key = schema, value
	} else {
		out.ValueSchema, out.Value = schema, value
	}
	return &out
}

// schemaBuilderError is Kafka's SchemaBuilderException, the DataException a SchemaBuilder throws for a
// default that does not fit or a duplicate field. It unwraps to the *connector.DataError.
type schemaBuilderError struct{ *connector.DataError }

func newSchemaBuilderError(msg string) error {
	return &schemaBuilderError{&connector.DataError{Message: msg}}
}

// JavaClass names the Java exception class.
func (e *schemaBuilderError) JavaClass() string {
	return "org.apache.kafka.connect.errors.SchemaBuilderException"
}

// Unwrap returns the DataException this is.
func (e *schemaBuilderError) Unwrap() error { return e.DataError }

// javaSchemaString is ConnectSchema.toString: "Schema{NAME:TYPE}" or "Schema{TYPE}", "null" for none.
func javaSchemaString(s *connector.Schema) string {
	switch {
	case s == nil:
		return "null"
	case s.Name != "":
		return "Schema{" + s.Name + ":" + connector.JavaTypeName(s.Type) + "}"
	}
	return "Schema{" + connector.JavaTypeName(s.Type) + "}"
}

// javaException is a Java exception other than Kafka's DataException and ConfigException that a
// transformation throws where Kafka's does, so the error names the same class.
type javaException struct {
	class, msg string
}

func (e *javaException) Error() string { return e.msg }

// JavaClass names the Java exception class.
func (e *javaException) JavaClass() string { return e.class }

// illegalArgument is Java's IllegalArgumentException.
func illegalArgument(msg string) error {
	return &javaException{class: "java.lang.IllegalArgumentException", msg: msg}
}

// nonEmptyList is Kafka's NonEmptyListValidator.
func nonEmptyList() connector.Validator {
	return func(_ string, v any) string {
		if l, ok := v.([]string); !ok || len(l) == 0 {
			return "Empty list"
		}
		return ""
	}
}
