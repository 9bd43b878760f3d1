package transforms

import (
	"encoding/base64"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// Cast is Kafka's org.apache.kafka.connect.transforms.Cast: it casts fields of a struct or map, or the whole
// key or value, to another primitive type, with Java's widening, narrowing and parsing rules (a long cast to
// int8 keeps its low byte, a double is truncated toward zero and saturated, a string is parsed as Java parses
// it, anything cast to a string is printed as Java's toString prints it).

const (
	castSpecKey        = "spec"
	castReplaceNullKey = "replace.null.with.default"
	castPurpose        = "cast types"
)

// castOutputTypes and castInputTypes are Kafka's SUPPORTED_CAST_OUTPUT_TYPES and SUPPORTED_CAST_INPUT_TYPES,
// in the order Java's EnumSet prints them.
var (
	castOutputTypes = []connector.SchemaType{connector.TypeInt8, connector.TypeInt16, connector.TypeInt32,
		connector.TypeInt64, connector.TypeFloat32, connector.TypeFloat64, connector.TypeBoolean, connector.TypeString}
	castInputTypes = append(slices.Clone(castOutputTypes), connector.TypeBytes)
)

func castPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"Cast", castSpec, newCast)
}

func castSpec() *connector.Spec {
	return connector.NewSpec(
		connector.List(castSpecKey).Imp(connector.High).
			Documentation("List of fields and the type to cast them to of the form field1:type,field2:type to cast "+
				"fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, "+
				"int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to "+
				"string.").
			Check(castSpecValidator),
		connector.Bool(castReplaceNullKey).WithDefault("true").Imp(connector.Medium).
			Documentation("Whether to replace fields that have a default value and that are null to the default "+
				"value. When set to true, the default value is used, otherwise null is used."),
	)
}

// castSpecValidator is the spec key's validator for config validation. Kafka's throws the bare message; a
// connector.Validator's message is reported after "Invalid value ... for configuration spec: ".
func castSpecValidator(_ string, v any) string {
	l, _ := v.([]string)
	if _, _, err := parseCastSpec(l); err != nil {
		return err.Error()
	}
	return ""
}

// cast is one configured Cast$Key or Cast$Value.
type cast struct {
	side side
	// fields maps a field name to its target type; whole is the target of a whole-value cast ("" for none).
	fields      map[string]connector.SchemaType
	whole       connector.SchemaType
	replaceNull bool
}

func newCast(s side, config map[string]string) (connector.Transformation, error) {
	// Kafka validates spec while it parses the config, before the later keys: check it first so a config with
	// several problems fails on the one Kafka reports.
	if raw, ok := config[castSpecKey]; ok {
		if _, _, err := parseCastSpec(splitJavaList(raw)); err != nil {
			return nil, err
		}
	}
	p, err := parseConfig(castSpec(), config)
	if err != nil {
		return nil, err
	}
	fields, whole, err := parseCastSpec(p.List(castSpecKey))
	if err != nil {
		return nil, err
	}
	return &cast{side: s, fields: fields, whole: whole, replaceNull: p.Bool(castReplaceNullKey)}, nil
}

// javaListSeparator is ConfigDef's COMMA_WITH_WHITESPACE (Java's \s is [ \t\n\x0B\f\r]).
var javaListSeparator = regexp.MustCompile(`[ \t\n\x0b\f\r]*,[ \t\n\x0b\f\r]*`)

// splitJavaList parses a LIST value as ConfigDef does: trimmed, "" is the empty list, empty entries kept.
func splitJavaList(raw string) []string {
	trimmed := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	if trimmed == "" {
		return nil
	}
	return javaListSeparator.Split(trimmed, -1)
}

// parseCastSpec is Cast.parseFieldTypes with the checks of its validator, each failure a *connector.ConfigError
// with Kafka's message.
func parseCastSpec(mappings []string) (map[string]connector.SchemaType, connector.SchemaType, error) {
	if len(mappings) == 0 {
		return nil, "", &connector.ConfigError{Message: "Must specify at least one field to cast."}
	}
	fields := map[string]connector.SchemaType{}
	var whole connector.SchemaType
	for _, mapping := range mappings {
		parts := splitJavaColons(mapping)
		switch len(parts) {
		case 0:
			// Java indexes parts[1] of the empty array ("::".split(":") is empty) and throws this.
			return nil, "", &connector.ConfigError{Message: "Index 1 out of bounds for length 0"}
		case 1:
			t, err := castTargetType(parts[0])
			if err != nil {
				return nil, "", err
			}
			whole = t
		case 2:
			t, err := castTargetType(parts[1])
			if err != nil {
				return nil, "", err
			}
			fields[javaTrimString(parts[0])] = t
		default:
			// Kafka reuses ReplaceField's key name in this message.
			return nil, "", connector.NewConfigError("renames", "["+strings.Join(mappings, ", ")+"]",
				"Invalid rename mapping: "+mapping)
		}
	}
	if whole != "" && len(mappings) > 1 {
		return nil, "", &connector.ConfigError{Message: "Cast transformations that specify a type to cast the " +
			"entire value to may only specify a single cast in their spec"}
	}
	return fields, whole, nil
}

// splitJavaColons is Java's mapping.split(":"): trailing empty strings are removed, so "a:" is ["a"] and ":"
// is empty, but "" is [""].
func splitJavaColons(s string) []string {
	parts := strings.Split(s, ":")
	if s == "" {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// javaTrimString is Java's String.trim.
func javaTrimString(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// javaSchemaTypes maps Java's Schema.Type constant names to schema types.
var javaSchemaTypes = map[string]connector.SchemaType{
	"INT8": connector.TypeInt8, "INT16": connector.TypeInt16, "INT32": connector.TypeInt32,
	"INT64": connector.TypeInt64, "FLOAT32": connector.TypeFloat32, "FLOAT64": connector.TypeFloat64,
	"BOOLEAN": connector.TypeBoolean, "STRING": connector.TypeString, "BYTES": connector.TypeBytes,
	"ARRAY": connector.TypeArray, "MAP": connector.TypeMap, "STRUCT": connector.TypeStruct,
}

// castTargetType resolves one type of a cast spec as Schema.Type.valueOf does, then checks it is a type Cast
// can produce.
func castTargetType(name string) (connector.SchemaType, error) {
	name = javaTrimString(name)
	upper := strings.ToUpper(name)
	t, ok := javaSchemaTypes[upper]
	if !ok {
		// Kafka passes the IllegalArgumentException as the "value" of ConfigException(name, value), so the
		// message reads this way round.
		return "", connector.NewConfigError("Invalid type found in casting spec: "+name,
			"java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type."+upper, "")
	}
	if !slices.Contains(castOutputTypes, t) {
		return "", &connector.ConfigError{Message: "Cast transformation does not support casting to " +
			connector.JavaTypeName(t) + "; supported types are " + javaTypeList(castOutputTypes)}
	}
	return t, nil
}

// javaTypeList prints types as Java prints an EnumSet of Schema.Type.
func javaTypeList(types []connector.SchemaType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = connector.JavaTypeName(t)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// Apply casts the configured side of rec; a null key or value passes through.
func (c *cast) Apply(rec *connector.Record) (*connector.Record, error) {
	value := c.side.value(rec)
	if connector.IsNull(value) {
		return rec, nil
	}
	schema := c.side.schema(rec)
	if schema == nil {
		return c.applySchemaless(rec, value)
	}
	return c.applyWithSchema(rec, schema, value)
}

func (c *cast) applySchemaless(rec *connector.Record, value any) (*connector.Record, error) {
	if c.whole != "" {
		v, err := castValue(nil, value, c.whole)
		if err != nil {
			return nil, err
		}
		return c.side.with(rec, nil, v), nil
	}
	m, err := requireMap(value, castPurpose)
	if err != nil {
		return nil, err
	}
	updated := maps.Clone(m)
	// Every field of the spec is written, absent ones as null, as Kafka's HashMap.put does. Sorted, so that
	// of several failing fields the same one is reported each time.
	for _, name := range slices.Sorted(maps.Keys(c.fields)) {
		v, err := castValue(nil, m[name], c.fields[name])
		if err != nil {
			return nil, err
		}
		updated[name] = v
	}
	return c.side.with(rec, nil, updated), nil
}

func (c *cast) applyWithSchema(rec *connector.Record, schema *connector.Schema, value any) (*connector.Record, error) {
	updatedSchema, err := c.castSchema(schema)
	if err != nil {
		return nil, err
	}
	if c.whole != "" {
		v, err := castValue(schema, value, c.whole)
		if err != nil {
			return nil, err
		}
		return c.side.with(rec, updatedSchema, v), nil
	}
	st, err := requireStruct(value, castPurpose)
	if err != nil {
		return nil, err
	}
	out := connector.NewStruct(updatedSchema)
	for _, f := range st.Schema.Fields {
		var orig any
		if c.replaceNull {
			orig, err = st.Get(f.Name)
		} else {
			orig, err = st.GetWithoutDefault(f.Name)
		}
		if err != nil {
			return nil, err
		}
		v := orig
		if t, ok := c.fields[f.Name]; ok {
			if v, err = castValue(f.Schema, orig, t); err != nil {
				return nil, err
			}
		}
		if err := out.Put(f.Name, v); err != nil {
			return nil, err
		}
	}
	return c.side.with(rec, updatedSchema, out), nil
}

// castSchema is Cast.getOrBuildSchema: the schema of the cast value, its defaults cast too.
func (c *cast) castSchema(schema *connector.Schema) (*connector.Schema, error) {
	var out *connector.Schema
	if c.whole != "" {
		out = copySchemaBasicsAs(schema, c.whole)
	} else {
		if schema.Type != connector.TypeStruct {
			return nil, connector.NewDataError("Cannot list fields on non-struct type")
		}
		out = copySchemaBasicsAs(schema, connector.TypeStruct)
		for _, f := range schema.Fields {
			t, ok := c.fields[f.Name]
			if !ok {
				out.Fields = append(out.Fields, f)
				continue
			}
			fs := &connector.Schema{Type: t, Optional: f.Schema.Optional}
			if f.Schema.Default != nil {
				d, err := castValue(f.Schema, f.Schema.Default, t)
				if err != nil {
					return nil, err
				}
				fs.Default = d
			}
			out.Fields = append(out.Fields, connector.SchemaField{Name: f.Name, Schema: fs})
		}
	}
	out.Optional = schema.Optional
	if schema.Default != nil {
		d, err := castValue(schema, schema.Default, out.Type)
		if err != nil {
			return nil, err
		}
		// SchemaBuilder.defaultValue checks the default against the new schema, which keeps the old name: a
		// Timestamp cast to int64 is still named Timestamp and rejects a long default.
		if err := connector.ValidateValue(out, d, ""); err != nil {
			return nil, newSchemaBuilderError("Invalid default value")
		}
		out.Default = d
	}
	return out, nil
}

// copySchemaBasicsAs is SchemaUtil.copySchemaBasics(source, builder) with a builder of type t: name, version,
// doc and parameters of source on a new schema of type t.
func copySchemaBasicsAs(source *connector.Schema, t connector.SchemaType) *connector.Schema {
	out := copySchemaBasics(source)
	out.Type = t
	out.ValueSchema = nil
	return out
}

// javaClass is value.getClass() as Java's Class.toString prints it ("class java.lang.Long").
func javaClass(v any) string { return "class " + connector.JavaClassName(v) }

// schemaTypeOf is ConnectSchema.schemaType(value.getClass()): the schema type of a schemaless value, false for
// classes Connect does not know (dates, decimals).
func schemaTypeOf(v any) (connector.SchemaType, bool) {
	switch v.(type) {
	case int8:
		return connector.TypeInt8, true
	case int16:
		return connector.TypeInt16, true
	case int32:
		return connector.TypeInt32, true
	case int64:
		return connector.TypeInt64, true
	case float32:
		return connector.TypeFloat32, true
	case float64:
		return connector.TypeFloat64, true
	case bool:
		return connector.TypeBoolean, true
	case string:
		return connector.TypeString, true
	case []byte, connector.RawJSON:
		return connector.TypeBytes, true
	case []any:
		return connector.TypeArray, true
	case map[string]any, map[any]any:
		return connector.TypeMap, true
	case *connector.Struct:
		return connector.TypeStruct, true
	}
	return "", false
}

// castValue is Cast.castValueToType: value (described by schema, nil when schemaless) cast to target.
func castValue(schema *connector.Schema, value any, target connector.SchemaType) (any, error) {
	if connector.IsNull(value) {
		return nil, nil
	}
	var inferred connector.SchemaType
	if schema == nil {
		t, ok := schemaTypeOf(value)
		if !ok {
			return nil, connector.NewDataError("Cast transformation was passed a value of type " + javaClass(value) +
				" which is not supported by Connect's data API")
		}
		inferred = t
	} else {
		inferred = schema.Type
	}
	if !slices.Contains(castInputTypes, inferred) {
		return nil, connector.NewDataError("Cast transformation does not support casting from " +
			connector.JavaTypeName(inferred) + "; supported types are " + javaTypeList(castInputTypes))
	}
	if schema != nil && schema.Name != "" && target != connector.TypeString {
		var err error
		if value, err = encodeLogical(schema, value); err != nil {
			return nil, err
		}
	}
	if s, ok := value.(string); ok && target != connector.TypeString && target != connector.TypeBoolean {
		v, ok := parseJavaNumber(s, target)
		if !ok {
			return nil, connector.NewDataError("Value (" + s + ") was out of range for requested data type")
		}
		return v, nil
	}
	switch target {
	case connector.TypeString:
		return castToString(schema, value)
	case connector.TypeBoolean:
		switch v := value.(type) {
		case bool:
			return v, nil
		case string:
			return strings.EqualFold(v, "true"), nil
		}
		n, ok := javaNumberOf(schema, value)
		if !ok {
			return nil, unexpectedCastType(value)
		}
		return n.longValue() != 0, nil
	}
	if b, ok := value.(bool); ok {
		var one int64
		if b {
			one = 1
		}
		return convertJavaLong(one, target), nil
	}
	n, ok := javaNumberOf(schema, value)
	if !ok {
		return nil, unexpectedCastType(value)
	}
	switch target {
	case connector.TypeInt8:
		return int8(n.intValue()), nil
	case connector.TypeInt16:
		return int16(n.intValue()), nil
	case connector.TypeInt32:
		return n.intValue(), nil
	case connector.TypeInt64:
		return n.longValue(), nil
	case connector.TypeFloat32:
		return n.floatValue(), nil
	case connector.TypeFloat64:
		return n.doubleValue(), nil
	}
	return nil, connector.NewDataError(connector.JavaTypeName(target) + " is not supported in the Cast transformation.")
}

func unexpectedCastType(v any) error {
	return connector.NewDataError("Unexpected type in Cast transformation: " + javaClass(v))
}

// convertJavaLong is a boolean's 0 or 1 in the target's Java type.
func convertJavaLong(n int64, target connector.SchemaType) any {
	switch target {
	case connector.TypeInt8:
		return int8(n)
	case connector.TypeInt16:
		return int16(n)
	case connector.TypeInt32:
		return int32(n)
	case connector.TypeFloat32:
		return float32(n)
	case connector.TypeFloat64:
		return float64(n)
	}
	return n
}

// encodeLogical is Cast.encodeLogicalType: Date, Time and Timestamp values become their int32 or int64
// encoding; other values (Decimal included) stay as they are.
func encodeLogical(schema *connector.Schema, value any) (any, error) {
	var kind string
	switch schema.Name {
	case connector.LogicalDate:
		kind = "Date"
	case connector.LogicalTime:
		kind = "Time"
	case connector.LogicalTimestamp:
		kind = "Timestamp"
	default:
		return value, nil
	}
	t, ok := value.(time.Time)
	if !ok {
		return nil, &javaException{class: "java.lang.ClassCastException",
			msg: "class " + connector.JavaClassName(value) + " cannot be cast to class java.util.Date"}
	}
	ms := t.UnixMilli()
	switch kind {
	case "Date":
		if ms%millisPerDay != 0 {
			return nil, connector.NewDataError("Kafka Connect Date type should not have any time fields set to non-zero values.")
		}
		return int32(ms / millisPerDay), nil
	case "Time":
		if ms < 0 || ms > millisPerDay {
			return nil, connector.NewDataError("Kafka Connect Time type should not have any date fields set to non-zero values.")
		}
		return int32(ms), nil
	}
	return ms, nil
}

const millisPerDay = 24 * 60 * 60 * 1000

// castToString is Cast.castToString: dates as Values.dateFormatFor prints them, bytes in Base64, anything
// else as its Java toString.
func castToString(schema *connector.Schema, value any) (string, error) {
	switch v := value.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int8:
		return strconv.FormatInt(int64(v), 10), nil
	case int16:
		return strconv.FormatInt(int64(v), 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float32:
		return javaFloatString(v), nil
	case float64:
		return javaDoubleString(v), nil
	case []byte:
		return base64.StdEncoding.EncodeToString(v), nil
	case connector.RawJSON:
		return base64.StdEncoding.EncodeToString(v), nil
	case time.Time:
		return dateFormatFor(v.UnixMilli()), nil
	case *big.Rat, *big.Int:
		return bigDecimalString(schema, value), nil
	}
	return "", unexpectedCastType(value)
}

// dateFormatFor is Values.dateFormatFor(d).format(d) in the worker's UTC: a time of day for instants before
// the end of the epoch's first day (negative ones included), a date for other midnights, a timestamp otherwise.
func dateFormatFor(ms int64) string {
	switch {
	case ms < millisPerDay:
		return isoTimeFormat.format(ms)
	case ms%millisPerDay == 0:
		return isoDateFormat.format(ms)
	}
	return isoTimestampFormat.format(ms)
}

// The formats of Kafka's Values.
var (
	isoDateFormat      = mustDateFormat("yyyy-MM-dd")
	isoTimeFormat      = mustDateFormat("HH:mm:ss.SSS'Z'")
	isoTimestampFormat = mustDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
)

func mustDateFormat(pattern string) *javaDateFormat {
	f, err := newJavaDateFormat(pattern)
	if err != nil {
		panic(err)
	}
	return f
}
