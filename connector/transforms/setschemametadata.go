package transforms

import "github.com/connectd/connectd/connector"

// SetSchemaMetadata ($Key, $Value) sets the name, the version or both of the key or value schema, and
// rebuilds a Struct value on the new schema, as Kafka's updateSchemaIn does.
//
// Kafka 3.9 builds the new schema with every attribute of the old one, asking a non-struct schema for its
// fields too, which throws: so on a schema that is not a struct (a Decimal's BYTES, an array, a map, a
// primitive) it fails with "Cannot list fields on non-struct type", and connectd does the same. Connect's
// schema has no way to tell an empty name or version 0 from an unset one, so schema.name="" and
// schema.version=0 leave the schema's own name and version.

const (
	setSchemaMetadataClass   = transformsPackage + "SetSchemaMetadata"
	setSchemaMetadataPurpose = "updating schema metadata"
)

func setSchemaMetadataSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("schema.name").Opt().Imp(connector.High).Documentation("Schema name to set."),
		connector.Int("schema.version").Opt().Imp(connector.High).Documentation("Schema version to set."),
		connector.Bool(keyReplaceNullWithDefault).WithDefault("true").Imp(connector.Medium).
			Documentation(docReplaceNullWithDefault),
	)
}

func setSchemaMetadataPlugins() []connector.TransformPlugin {
	return variants(setSchemaMetadataClass, setSchemaMetadataSpec, newSetSchemaMetadata)
}

type setSchemaMetadata struct {
	side side
	// name and version are nil when not configured.
	name        *string
	version     *int
	replaceNull bool
}

func newSetSchemaMetadata(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(setSchemaMetadataSpec(), config)
	if err != nil {
		return nil, err
	}
	t := &setSchemaMetadata{side: s, replaceNull: p.Bool(keyReplaceNullWithDefault)}
	if _, ok := p.Value("schema.name"); ok {
		name := p.String("schema.name")
		t.name = &name
	}
	if _, ok := p.Value("schema.version"); ok {
		version := p.Int("schema.version")
		t.version = &version
	}
	if t.name == nil && t.version == nil {
		return nil, &connector.ConfigError{Message: "Neither schema name nor version configured"}
	}
	return t, nil
}

func (t *setSchemaMetadata) Apply(rec *connector.Record) (*connector.Record, error) {
	schema, value := t.side.schema(rec), t.side.value(rec)
	if value == nil && schema == nil {
		return rec, nil
	}
	if err := requireSchema(schema, setSchemaMetadataPurpose); err != nil {
		return nil, err
	}
	if schema.Type != connector.TypeStruct {
		return nil, connector.NewDataError("Cannot list fields on non-struct type")
	}
	updated := &connector.Schema{Type: schema.Type, Optional: schema.Optional, Default: schema.Default,
		Name: schema.Name, Version: schema.Version, Doc: schema.Doc, Parameters: schema.Parameters,
		Fields: schema.Fields}
	if t.name != nil {
		updated.Name = *t.name
	}
	if t.version != nil {
		updated.Version = *t.version
	}
	newValue, err := t.updateSchemaIn(value, updated)
	if err != nil {
		return nil, err
	}
	return t.side.with(rec, updated, newValue), nil
}

// updateSchemaIn is SetSchemaMetadata.updateSchemaIn: a Struct is copied onto the updated schema (which has
// the same fields), each value validated again; anything else is returned as is.
func (t *setSchemaMetadata) updateSchemaIn(value any, updated *connector.Schema) (any, error) {
	orig, ok := value.(*connector.Struct)
	if !ok || orig == nil {
		return value, nil
	}
	out := connector.NewStruct(updated)
	for i, f := range updated.Fields {
		// Java reads the old struct by the field's index, as the fields are the same.
		var v any
		if i < len(orig.Values) {
			v = orig.Values[i]
		}
		if v == nil && t.replaceNull && f.Schema != nil {
			v = f.Schema.Default
		}
		if err := connector.ValidateValue(f.Schema, v, f.Name); err != nil {
			return nil, err
		}
		out.Values[i] = v
	}
	return out, nil
}
