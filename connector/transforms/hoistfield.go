package transforms

import "github.com/connectd/connectd/connector"

// HoistField ($Key, $Value) wraps the key or value in a one-field Struct (with a schema) or map (without).

const hoistFieldClass = transformsPackage + "HoistField"

func hoistFieldSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("field").Imp(connector.Medium).
			Documentation("Field name for the single field that will be created in the resulting Struct or Map."),
	)
}

func hoistFieldPlugins() []connector.TransformPlugin {
	return variants(hoistFieldClass, hoistFieldSpec, newHoistField)
}

type hoistField struct {
	side  side
	field string
}

func newHoistField(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(hoistFieldSpec(), config)
	if err != nil {
		return nil, err
	}
	return &hoistField{side: s, field: p.String("field")}, nil
}

func (t *hoistField) Apply(rec *connector.Record) (*connector.Record, error) {
	schema, value := t.side.schema(rec), t.side.value(rec)
	if schema == nil {
		return t.side.with(rec, nil, map[string]any{t.field: value}), nil
	}
	// Kafka caches the wrapping schema per input schema; building it again gives an equal schema.
	wrapped := &connector.Schema{Type: connector.TypeStruct}
	if err := appendField(wrapped, t.field, schema); err != nil {
		return nil, err
	}
	st := connector.NewStruct(wrapped)
	if err := st.Put(t.field, value); err != nil {
		return nil, err
	}
	return t.side.with(rec, wrapped, st), nil
}
