package transforms

import "github.com/connectd/connectd/connector"

// ValueToKey replaces the record key with a new key built from fields of the value: a Struct of those fields
// (with their schemas) or a map of them.

const (
	valueToKeyClass   = transformsPackage + "ValueToKey"
	valueToKeyPurpose = "copying fields from value to key"
)

func valueToKeySpec() *connector.Spec {
	return connector.NewSpec(
		connector.List("fields").Imp(connector.High).Check(nonEmptyList()).
			Documentation("Field names on the record value to extract as the record key."),
		connector.Bool(keyReplaceNullWithDefault).WithDefault("true").Imp(connector.Medium).
			Documentation(docReplaceNullWithDefault),
	)
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

func valueToKeyPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: valueToKeyClass, Type: connector.PluginTransformation,
		Spec: valueToKeySpec(), NewTransformation: newValueToKey}}
}

type valueToKey struct {
	fields      []string
	replaceNull bool
}

func newValueToKey(config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(valueToKeySpec(), config)
	if err != nil {
		return nil, err
	}
	return &valueToKey{fields: p.List("fields"), replaceNull: p.Bool(keyReplaceNullWithDefault)}, nil
}

func (t *valueToKey) Apply(rec *connector.Record) (*connector.Record, error) {
	out := *rec
	if rec.ValueSchema == nil {
		value, err := requireMap(rec.Value, valueToKeyPurpose)
		if err != nil {
			return nil, err
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = value[f]
		}
		out.KeySchema, out.Key = nil, key
		return &out, nil
	}
	value, err := requireStruct(rec.Value, valueToKeyPurpose)
	if err != nil {
		return nil, err
	}
	// Kafka caches the key schema per value schema; building it again gives an equal schema.
	keySchema := &connector.Schema{Type: connector.TypeStruct}
	for _, name := range t.fields {
		_, f := value.Schema.Field(name)
		if f == nil {
			return nil, connector.NewDataError("Field does not exist: " + name)
		}
		if err := addStructField(keySchema, name, f.Schema); err != nil {
			return nil, err
		}
	}
	key := connector.NewStruct(keySchema)
	for _, name := range t.fields {
		var v any
		if t.replaceNull {
			v, err = value.Get(name)
		} else {
			v, err = value.GetWithoutDefault(name)
		}
		if err == nil {
			err = key.Put(name, v)
		}
		if err != nil {
			return nil, err
		}
	}
	// Java's newRecord takes the value's own schema as the value schema.
	out.KeySchema, out.Key, out.ValueSchema = keySchema, key, value.Schema
	return &out, nil
}

// addStructField is SchemaBuilder.field for a struct schema under construction, with its checks and messages.
func addStructField(s *connector.Schema, name string, fieldSchema *connector.Schema) error {
	switch {
	case name == "":
		return &schemaBuilderError{message: "fieldName cannot be null."}
	case fieldSchema == nil:
		return &schemaBuilderError{message: "fieldSchema for field " + name + " cannot be null."}
	}
	if _, f := s.Field(name); f != nil {
		return &schemaBuilderError{message: "Cannot create field because of field name duplication " + name}
	}
	s.Fields = append(s.Fields, connector.SchemaField{Name: name, Schema: fieldSchema})
	return nil
}

// schemaBuilderError is Kafka's SchemaBuilderException, a DataException: errors.As finds a
// *connector.DataError in it.
type schemaBuilderError struct {
	message string
}

func (e *schemaBuilderError) Error() string { return e.message }

// JavaClass names the Java exception class this error stands for.
func (e *schemaBuilderError) JavaClass() string {
	return "org.apache.kafka.connect.errors.SchemaBuilderException"
}

// As lets errors.As see the error as the DataException it is in Java.
func (e *schemaBuilderError) As(target any) bool {
	if t, ok := target.(**connector.DataError); ok {
		*t = &connector.DataError{Message: e.message}
		return true
	}
	return false
}
