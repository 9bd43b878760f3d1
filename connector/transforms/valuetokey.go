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
		if err := appendField(keySchema, name, f.Schema); err != nil {
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
