package transforms

import (
	"fmt"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// InsertField adds fields taken from the record's metadata (topic, partition, offset, timestamp) or a
// configured static string to a map or struct key or value, as Kafka's InsertField does. The field names come
// from the config; a trailing "!" makes the inserted field required in the new schema, a trailing "?" (or
// none) optional.

const insertFieldPurpose = "field insertion"

// optionalityDoc closes the documentation of every InsertField name key.
const optionalityDoc = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."

// replaceNullWithDefaultDoc documents replace.null.with.default, a key several of Kafka's transforms share.
const replaceNullWithDefaultDoc = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."

func insertFieldSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("topic.field").Opt().Documentation("Field name for Kafka topic. "+optionalityDoc),
		connector.String("partition.field").Opt().Documentation("Field name for Kafka partition. "+optionalityDoc),
		connector.String("offset.field").Opt().
			Documentation("Field name for Kafka offset - only applicable to sink connectors.<br/>"+optionalityDoc),
		connector.String("timestamp.field").Opt().Documentation("Field name for record timestamp. "+optionalityDoc),
		connector.String("static.field").Opt().Documentation("Field name for static data field. "+optionalityDoc),
		connector.String("static.value").Opt().Documentation("Static field value, if field name configured."),
		connector.Bool("replace.null.with.default").WithDefault("true").Documentation(replaceNullWithDefaultDoc),
	)
}

// insertFieldPlugins returns InsertField$Key and InsertField$Value.
func insertFieldPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"InsertField", insertFieldSpec, newInsertField)
}

// insertion is one configured field to insert (Java's InsertionSpec): its name and whether its schema is
// optional.
type insertion struct {
	name     string
	optional bool
}

// parseInsertion reads a field name with its optional "!" or "?" suffix.
func parseInsertion(spec string) *insertion {
	if name, ok := strings.CutSuffix(spec, "?"); ok {
		return &insertion{name: name, optional: true}
	}
	if name, ok := strings.CutSuffix(spec, "!"); ok {
		return &insertion{name: name}
	}
	return &insertion{name: spec, optional: true}
}

type insertField struct {
	side                                        side
	topic, partition, offset, timestamp, static *insertion
	staticValue                                 string
	replaceNullWithDefault                      bool
	schemas                                     schemaMemo
}

func newInsertField(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(insertFieldSpec(), config)
	if err != nil {
		return nil, err
	}
	// An unset key is Java's null; a key set to "" still names a field (the empty name).
	field := func(key string) *insertion {
		if v, ok := p.Value(key); ok {
			if name, ok := v.(string); ok {
				return parseInsertion(name)
			}
		}
		return nil
	}
	t := &insertField{
		side:                   s,
		topic:                  field("topic.field"),
		partition:              field("partition.field"),
		offset:                 field("offset.field"),
		timestamp:              field("timestamp.field"),
		static:                 field("static.field"),
		replaceNullWithDefault: p.Bool("replace.null.with.default"),
	}
	if t.topic == nil && t.partition == nil && t.offset == nil && t.timestamp == nil && t.static == nil {
		return nil, &connector.ConfigError{Message: "No field insertion configured"}
	}
	staticValue, hasStaticValue := p.Value("static.value")
	if t.static != nil && !hasStaticValue {
		// Java prints the InsertionSpec object itself, whose toString is Object's: the class name and an
		// identity hash that differs on every run. The name's hash stands in for it here.
		return nil, connector.NewConfigError("static.value", "null", fmt.Sprintf(
			"No value specified for static field: org.apache.kafka.connect.transforms.InsertField$InsertionSpec@%x",
			uint32(connector.JavaStringHash(t.static.name))))
	}
	t.staticValue, _ = staticValue.(string)
	return t, nil
}

// Apply inserts the configured fields; a null key or value (a tombstone) passes unchanged.
func (t *insertField) Apply(rec *connector.Record) (*connector.Record, error) {
	value := t.side.value(rec)
	if connector.IsNull(value) {
		return rec, nil
	}
	if t.side.schema(rec) == nil {
		return t.applySchemaless(rec, value)
	}
	return t.applyWithSchema(rec, value)
}

func (t *insertField) applySchemaless(rec *connector.Record, value any) (*connector.Record, error) {
	m, err := requireMap(value, insertFieldPurpose)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m)+5)
	for k, v := range m {
		out[k] = v
	}
	if t.topic != nil {
		out[t.topic.name] = rec.Topic
	}
	if t.partition != nil && rec.Partition != nil {
		out[t.partition.name] = *rec.Partition
	}
	if t.offset != nil {
		if err := requireSinkRecord(rec, insertFieldPurpose); err != nil {
			return nil, err
		}
		out[t.offset.name] = *rec.Offset
	}
	// Without a schema the timestamp goes in as Java's Long, milliseconds since the epoch.
	if t.timestamp != nil && !rec.Timestamp.IsZero() {
		out[t.timestamp.name] = rec.Timestamp.UnixMilli()
	}
	if t.static != nil {
		out[t.static.name] = t.staticValue
	}
	return t.side.with(rec, nil, out), nil
}

func (t *insertField) applyWithSchema(rec *connector.Record, value any) (*connector.Record, error) {
	st, err := requireWellFormedStruct(value, insertFieldPurpose)
	if err != nil {
		return nil, err
	}
	schema, err := t.schemas.get(st.Schema, t.updatedSchema)
	if err != nil {
		return nil, err
	}
	out := connector.NewStruct(schema)
	for _, f := range st.Schema.Fields {
		v, err := fieldValue(st, f.Name, t.replaceNullWithDefault)
		if err != nil {
			return nil, err
		}
		if err := out.Put(f.Name, v); err != nil {
			return nil, err
		}
	}
	put := func(ins *insertion, v any) error {
		if ins == nil {
			return nil
		}
		return out.Put(ins.name, v)
	}
	if err := put(t.topic, rec.Topic); err != nil {
		return nil, err
	}
	if rec.Partition != nil {
		if err := put(t.partition, *rec.Partition); err != nil {
			return nil, err
		}
	}
	if t.offset != nil {
		if err := requireSinkRecord(rec, insertFieldPurpose); err != nil {
			return nil, err
		}
		if err := put(t.offset, *rec.Offset); err != nil {
			return nil, err
		}
	}
	if !rec.Timestamp.IsZero() {
		// With a schema it is a Timestamp logical value, Java's java.util.Date: milliseconds, in UTC.
		if err := put(t.timestamp, time.UnixMilli(rec.Timestamp.UnixMilli()).UTC()); err != nil {
			return nil, err
		}
	}
	if err := put(t.static, t.staticValue); err != nil {
		return nil, err
	}
	return t.side.with(rec, schema, out), nil
}

// updatedSchema is the input struct schema with the insertion fields appended: required, unless its input
// was, and without its default (SchemaUtil.copySchemaBasics).
func (t *insertField) updatedSchema(in *connector.Schema) (*connector.Schema, error) {
	out := copySchemaBasics(in)
	for _, f := range in.Fields {
		if err := appendField(out, f.Name, f.Schema); err != nil {
			return nil, err
		}
	}
	add := func(ins *insertion, typ connector.SchemaType, name string) error {
		if ins == nil {
			return nil
		}
		s := &connector.Schema{Type: typ, Optional: ins.optional, Name: name}
		if name != "" {
			s.Version = 1
		}
		return appendField(out, ins.name, s)
	}
	for _, err := range []error{
		add(t.topic, connector.TypeString, ""),
		add(t.partition, connector.TypeInt32, ""),
		add(t.offset, connector.TypeInt64, ""),
		add(t.timestamp, connector.TypeInt64, connector.LogicalTimestamp),
		add(t.static, connector.TypeString, ""),
	} {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// The helpers below are shared by InsertField, ReplaceField, HeaderFrom and MaskField.

// appendField is SchemaBuilder.field: it adds a field to a struct schema being built, refusing an empty
// name or one the schema already has, with Kafka's messages.
func appendField(s *connector.Schema, name string, fieldSchema *connector.Schema) error {
	if name == "" {
		return newSchemaBuilderError("fieldName cannot be null.")
	}
	if fieldSchema == nil {
		return newSchemaBuilderError("fieldSchema for field " + name + " cannot be null.")
	}
	if _, f := s.Field(name); f != nil {
		return newSchemaBuilderError("Cannot create field because of field name duplication " + name)
	}
	s.Fields = append(s.Fields, connector.SchemaField{Name: name, Schema: fieldSchema})
	return nil
}

// schemaMemo remembers the schema derived from the last input schema, standing in for the LRU cache Java's
// transforms keep: the records of a topic usually share one schema value, so this spares rebuilding it for
// each record. A transformation is used by one goroutine, so it needs no lock.
type schemaMemo struct {
	in, out *connector.Schema
}

// get returns build(in), from the memo when in is the schema it was last asked for.
func (m *schemaMemo) get(in *connector.Schema, build func(*connector.Schema) (*connector.Schema, error)) (*connector.Schema, error) {
	if m.in == in && m.out != nil {
		return m.out, nil
	}
	out, err := build(in)
	if err != nil {
		return nil, err
	}
	m.in, m.out = in, out
	return out, nil
}

// requireWellFormedStruct is requireStruct, also refusing a Go struct whose values do not line up with its
// schema's fields or whose fields lack a schema (Java's Struct cannot be built that way), so reading and
// copying it cannot panic.
func requireWellFormedStruct(value any, purpose string) (*connector.Struct, error) {
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	malformed := st.Schema == nil || st.Schema.Type != connector.TypeStruct || len(st.Values) != len(st.Schema.Fields)
	for i := 0; !malformed && i < len(st.Schema.Fields); i++ {
		malformed = st.Schema.Fields[i].Schema == nil
	}
	if malformed {
		return nil, connector.NewDataError("Struct schemas do not match.")
	}
	return st, nil
}

// fieldValue reads a field as the transforms with replace.null.with.default do: Struct.get (a null value
// reads as the field's default) when it is true, Struct.getWithoutDefault otherwise.
func fieldValue(st *connector.Struct, name string, replaceNullWithDefault bool) (any, error) {
	if replaceNullWithDefault {
		return st.Get(name)
	}
	return st.GetWithoutDefault(name)
}
