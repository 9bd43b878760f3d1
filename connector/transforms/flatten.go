package transforms

import (
	"maps"
	"slices"

	"github.com/connectd/connectd/connector"
)

// Flatten is Kafka's org.apache.kafka.connect.transforms.Flatten: nested structs (with a schema) or maps
// (without) become one level, each field named by the path of names joined with the delimiter. Arrays and
// their contents are left as they are. A field under an optional struct becomes optional, and takes its
// default from the nearest ancestor struct's default when it has none of its own.

const (
	flattenDelimiterKey = "delimiter"
	flattenPurpose      = "flattening"
)

func flattenPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"Flatten", flattenSpec, newFlatten)
}

func flattenSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String(flattenDelimiterKey).WithDefault(".").Imp(connector.Medium).
			Documentation("Delimiter to insert between field names from the input record when generating field " +
				"names for the output record"),
	)
}

// flatten is one configured Flatten$Key or Flatten$Value.
type flatten struct {
	side      side
	delimiter string
}

func newFlatten(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(flattenSpec(), config)
	if err != nil {
		return nil, err
	}
	return &flatten{side: s, delimiter: p.String(flattenDelimiterKey)}, nil
}

// Apply flattens the configured side of rec; a null key or value passes through.
func (f *flatten) Apply(rec *connector.Record) (*connector.Record, error) {
	value := f.side.value(rec)
	if connector.IsNull(value) {
		return rec, nil
	}
	schema := f.side.schema(rec)
	if schema == nil {
		m, err := requireMap(value, flattenPurpose)
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		if err := f.flattenMap(m, "", out); err != nil {
			return nil, err
		}
		return f.side.with(rec, nil, out), nil
	}
	st, err := requireStructOrNull(value, flattenPurpose)
	if err != nil {
		return nil, err
	}
	if schema.Type != connector.TypeStruct {
		return nil, connector.NewDataError("Cannot list fields on non-struct type")
	}
	updated := copySchemaBasics(schema)
	var def *connector.Struct
	if schema.Default != nil {
		var ok bool
		if def, ok = schema.Default.(*connector.Struct); !ok {
			return nil, &javaException{class: "java.lang.ClassCastException", msg: "class " +
				connector.JavaClassName(schema.Default) + " cannot be cast to class org.apache.kafka.connect.data.Struct"}
		}
	}
	if err := f.flattenSchema(schema, "", updated, schema.Optional, def); err != nil {
		return nil, err
	}
	out := connector.NewStruct(updated)
	if err := f.flattenStruct(st, "", out); err != nil {
		return nil, err
	}
	return f.side.with(rec, updated, out), nil
}

func (f *flatten) fieldName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + f.delimiter + name
}

// flattenMap copies the entries of m into out under their flattened names, descending into maps. Entries are
// visited in the order of Java's HashMap, so that when two paths flatten to the same name the one Kafka keeps
// wins.
func (f *flatten) flattenMap(m map[string]any, prefix string, out map[string]any) error {
	for _, k := range javaHashMapOrder(m) {
		name := f.fieldName(prefix, k)
		v := m[k]
		if connector.IsNull(v) {
			out[name] = nil
			continue
		}
		t, ok := schemaTypeOf(v)
		if !ok {
			return connector.NewDataError("Flatten transformation was passed a value of type " + javaClass(v) +
				" which is not supported by Connect's data API")
		}
		switch t {
		case connector.TypeMap:
			nested, err := requireMap(v, flattenPurpose)
			if err != nil {
				return err
			}
			if err := f.flattenMap(nested, name, out); err != nil {
				return err
			}
		case connector.TypeStruct:
			return connector.NewDataError("Flatten transformation does not support " + javaClass(v) +
				" for record without schemas (for field " + name + ").")
		default:
			out[name] = v
		}
	}
	return nil
}

// flattenSchema adds the flattened fields of schema to out (Flatten.buildUpdatedSchema): optional when any
// ancestor is, with the ancestors' default where the field has none.
func (f *flatten) flattenSchema(schema *connector.Schema, prefix string, out *connector.Schema, optional bool,
	parentDefault *connector.Struct) error {
	for _, field := range schema.Fields {
		name := f.fieldName(prefix, field.Name)
		fieldOptional := optional || field.Schema.Optional
		var def any
		if field.Schema.Default != nil {
			def = field.Schema.Default
		} else if parentDefault != nil {
			v, err := parentDefault.Get(field.Name)
			if err != nil {
				return err
			}
			def = v
		}
		switch field.Schema.Type {
		case connector.TypeStruct:
			var nested *connector.Struct
			if def != nil {
				s, ok := def.(*connector.Struct)
				if !ok {
					return &javaException{class: "java.lang.ClassCastException", msg: "class " +
						connector.JavaClassName(def) + " cannot be cast to class org.apache.kafka.connect.data.Struct"}
				}
				nested = s
			}
			if err := f.flattenSchema(field.Schema, name, out, fieldOptional, nested); err != nil {
				return err
			}
		case connector.TypeMap:
			return connector.NewDataError("Flatten transformation does not support MAP for record with schemas " +
				"(for field " + name + ").")
		default:
			fs := copySchemaBasics(field.Schema)
			fs.Optional = fieldOptional
			if def != nil {
				if err := connector.ValidateValue(fs, def, ""); err != nil {
					return newSchemaBuilderError("Invalid default value")
				}
				fs.Default = def
			}
			if i, _ := out.Field(name); i >= 0 {
				return newSchemaBuilderError("Cannot create field because of field name duplication " + name)
			}
			out.Fields = append(out.Fields, connector.SchemaField{Name: name, Schema: fs})
		}
	}
	return nil
}

// flattenStruct puts the values of st into out under their flattened names (Flatten.buildWithSchema); a
// field's default stands in for its null value, and a null nested struct leaves its fields unset.
func (f *flatten) flattenStruct(st *connector.Struct, prefix string, out *connector.Struct) error {
	if st == nil {
		return nil
	}
	for _, field := range st.Schema.Fields {
		name := f.fieldName(prefix, field.Name)
		v, err := st.Get(field.Name)
		if err != nil {
			return err
		}
		switch field.Schema.Type {
		case connector.TypeStruct:
			var nested *connector.Struct
			if !connector.IsNull(v) {
				s, ok := v.(*connector.Struct)
				if !ok {
					return &javaException{class: "java.lang.ClassCastException", msg: "class " +
						connector.JavaClassName(v) + " cannot be cast to class org.apache.kafka.connect.data.Struct"}
				}
				nested = s
			}
			if err := f.flattenStruct(nested, name, out); err != nil {
				return err
			}
		case connector.TypeMap:
			return connector.NewDataError("Flatten transformation does not support MAP for record with schemas " +
				"(for field " + name + ").")
		default:
			if err := out.Put(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// javaHashMapOrder returns the keys of m in the order a java.util.HashMap holding them iterates. Keys sharing
// a bucket, whose relative order depends on insertion, are sorted.
func javaHashMapOrder(m map[string]any) []string {
	return connector.JavaHashOrder(slices.Sorted(maps.Keys(m)), connector.JavaHashMapCapacity(len(m)))
}
