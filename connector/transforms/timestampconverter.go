package transforms

import (
	"maps"
	"math"
	"time"

	"github.com/connectd/connectd/connector"
)

// TimestampConverter is Kafka's org.apache.kafka.connect.transforms.TimestampConverter: it converts a
// timestamp (the whole key or value, or one field) between Unix time, a string in a SimpleDateFormat
// pattern, and Connect's Date, Time and Timestamp logical types. Conversions go through Java's pivot, a
// java.util.Date: precision below the millisecond is lost, as in Kafka.

const (
	tsFieldKey         = "field"
	tsTargetTypeKey    = "target.type"
	tsFormatKey        = "format"
	tsUnixPrecisionKey = "unix.precision"
	tsReplaceNullKey   = "replace.null.with.default"
	tsPurpose          = "converting timestamp formats"
)

// Target and source kinds, spelled as Kafka's target.type values.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

// Unix precisions.
const (
	precisionNanos   = "nanoseconds"
	precisionMicros  = "microseconds"
	precisionMillis  = "milliseconds"
	precisionSeconds = "seconds"
)

func timestampConverterPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"TimestampConverter", timestampConverterSpec, newTimestampConverter)
}

func timestampConverterSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String(tsFieldKey).WithDefault("").Imp(connector.High).
			Documentation("The field containing the timestamp, or empty if the entire value is a timestamp"),
		connector.String(tsTargetTypeKey).Imp(connector.High).
			Check(connector.OneOf(tsString, tsUnix, tsDate, tsTime, tsTimestamp)).
			Documentation("The desired timestamp representation: string, unix, Date, Time, or Timestamp"),
		connector.String(tsFormatKey).WithDefault("").Imp(connector.Medium).
			Documentation("A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when "+
				"type=string or used to parse the input if the input is a string."),
		connector.String(tsUnixPrecisionKey).WithDefault(precisionMillis).Imp(connector.Low).
			Check(connector.OneOf(precisionNanos, precisionMicros, precisionMillis, precisionSeconds)).
			Documentation("The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or "+
				"nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is "+
				"a Long.Note: This SMT will cause precision loss during conversions from, and to, values with "+
				"sub-millisecond components."),
		connector.Bool(tsReplaceNullKey).WithDefault("true").Imp(connector.Medium).
			Documentation("Whether to replace fields that have a default value and that are null to the default "+
				"value. When set to true, the default value is used, otherwise null is used."),
	)
}

// timestampConverter is one configured TimestampConverter$Key or $Value.
type timestampConverter struct {
	side   side
	field  string
	target string
	// format is nil when no pattern was configured (allowed unless strings are produced; parsing a string
	// then fails as Kafka's null format does).
	format      *javaDateFormat
	precision   string
	replaceNull bool
}

func newTimestampConverter(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(timestampConverterSpec(), config)
	if err != nil {
		return nil, err
	}
	t := &timestampConverter{side: s, field: p.String(tsFieldKey), target: p.String(tsTargetTypeKey),
		precision: p.String(tsUnixPrecisionKey), replaceNull: p.Bool(tsReplaceNullKey)}
	pattern := p.String(tsFormatKey)
	if t.target == tsString && javaTrimString(pattern) == "" {
		return nil, &connector.ConfigError{Message: "TimestampConverter requires format option to be specified " +
			"when using string timestamps"}
	}
	if javaTrimString(pattern) != "" {
		if t.format, err = newJavaDateFormat(pattern); err != nil {
			// Kafka hands the IllegalArgumentException to ConfigException(name, value): the message reads
			// "Invalid value <exception> for configuration <text>".
			return nil, connector.NewConfigError("TimestampConverter requires a SimpleDateFormat-compatible pattern "+
				"for string timestamps: "+pattern, err.Error(), "")
		}
	}
	return t, nil
}

// Apply converts the configured side of rec.
func (t *timestampConverter) Apply(rec *connector.Record) (*connector.Record, error) {
	schema := t.side.schema(rec)
	if schema == nil {
		return t.applySchemaless(rec)
	}
	return t.applyWithSchema(rec, schema)
}

func (t *timestampConverter) applySchemaless(rec *connector.Record) (*connector.Record, error) {
	raw := t.side.value(rec)
	if connector.IsNull(raw) || t.field == "" {
		v, err := t.convert(raw, "")
		if err != nil {
			return nil, err
		}
		return t.side.with(rec, nil, v), nil
	}
	m, err := requireMap(raw, tsPurpose)
	if err != nil {
		return nil, err
	}
	v, err := t.convert(m[t.field], "")
	if err != nil {
		return nil, err
	}
	updated := maps.Clone(m)
	updated[t.field] = v
	return t.side.with(rec, nil, updated), nil
}

func (t *timestampConverter) applyWithSchema(rec *connector.Record, schema *connector.Schema) (*connector.Record, error) {
	value := t.side.value(rec)
	if t.field == "" {
		// The source kind is read from the schema even for a null value, so a schema that is no timestamp
		// fails either way, as in Kafka.
		kind, err := timestampKindOf(schema)
		if err != nil {
			return nil, err
		}
		v, err := t.convert(value, kind)
		if err != nil {
			return nil, err
		}
		return t.side.with(rec, targetSchema(t.target, schema.Optional), v), nil
	}
	st, err := requireStructOrNull(value, tsPurpose)
	if err != nil {
		return nil, err
	}
	if schema.Type != connector.TypeStruct {
		return nil, connector.NewDataError("Cannot list fields on non-struct type")
	}
	updated := copySchemaBasics(schema)
	for _, f := range schema.Fields {
		if f.Name == t.field {
			f = connector.SchemaField{Name: f.Name, Schema: targetSchema(t.target, f.Schema.Optional)}
		}
		updated.Fields = append(updated.Fields, f)
	}
	updated.Optional = schema.Optional
	if schema.Default != nil {
		def, ok := schema.Default.(*connector.Struct)
		if !ok {
			return nil, &javaException{class: "java.lang.ClassCastException", msg: "class " +
				connector.JavaClassName(schema.Default) + " cannot be cast to class org.apache.kafka.connect.data.Struct"}
		}
		d, err := t.convertStruct(def, updated)
		if err != nil {
			return nil, err
		}
		// The converted default's schema is the very schema it is the default of, as in Kafka (which builds it
		// on the SchemaBuilder).
		updated.Default = d
	}
	if st == nil {
		return t.side.with(rec, updated, nil), nil
	}
	out, err := t.convertStruct(st, updated)
	if err != nil {
		return nil, err
	}
	return t.side.with(rec, updated, out), nil
}

// convertStruct is applyValueWithSchema: a struct of schema updated with the configured field converted.
func (t *timestampConverter) convertStruct(st *connector.Struct, updated *connector.Schema) (*connector.Struct, error) {
	out := connector.NewStruct(updated)
	for _, f := range st.Schema.Fields {
		var v any
		var err error
		if t.replaceNull {
			v, err = st.Get(f.Name)
		} else {
			v, err = st.GetWithoutDefault(f.Name)
		}
		if err != nil {
			return nil, err
		}
		if f.Name == t.field {
			kind, err := timestampKindOf(f.Schema)
			if err != nil {
				return nil, err
			}
			if v, err = t.convert(v, kind); err != nil {
				return nil, err
			}
		}
		if err := out.Put(f.Name, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// targetSchema is the translator's typeSchema: the schema of the target kind.
func targetSchema(kind string, optional bool) *connector.Schema {
	s := &connector.Schema{Optional: optional}
	switch kind {
	case tsString:
		s.Type = connector.TypeString
	case tsUnix:
		s.Type = connector.TypeInt64
	case tsDate:
		s.Type, s.Name, s.Version = connector.TypeInt32, connector.LogicalDate, 1
	case tsTime:
		s.Type, s.Name, s.Version = connector.TypeInt32, connector.LogicalTime, 1
	case tsTimestamp:
		s.Type, s.Name, s.Version = connector.TypeInt64, connector.LogicalTimestamp, 1
	}
	return s
}

// timestampKindOf is timestampTypeFromSchema: the kind of timestamp a schema holds.
func timestampKindOf(schema *connector.Schema) (string, error) {
	switch {
	case schema.Name == connector.LogicalTimestamp:
		return tsTimestamp, nil
	case schema.Name == connector.LogicalDate:
		return tsDate, nil
	case schema.Name == connector.LogicalTime:
		return tsTime, nil
	case schema.Type == connector.TypeString:
		return tsString, nil
	case schema.Type == connector.TypeInt64:
		return tsUnix, nil
	}
	return "", &javaException{class: "org.apache.kafka.connect.errors.ConnectException",
		msg: "Schema " + javaSchemaString(schema) + " does not correspond to a known timestamp type format"}
}

// convert is convertTimestamp: ts of the given kind ("" to infer it from the value's class) in the target
// kind; null stays null.
func (t *timestampConverter) convert(ts any, kind string) (any, error) {
	if connector.IsNull(ts) {
		return nil, nil
	}
	if kind == "" {
		switch ts.(type) {
		case time.Time:
			kind = tsTimestamp
		case int64:
			kind = tsUnix
		case string:
			kind = tsString
		default:
			return nil, connector.NewDataError("TimestampConverter does not support " + javaClass(ts) +
				" objects as timestamps")
		}
	}
	ms, err := t.toMillis(ts, kind)
	if err != nil {
		return nil, err
	}
	return t.fromMillis(ms), nil
}

// toMillis is the source translator's toRaw: the instant, in milliseconds since the epoch.
func (t *timestampConverter) toMillis(ts any, kind string) (int64, error) {
	switch kind {
	case tsString:
		s, ok := ts.(string)
		if !ok {
			return 0, connector.NewDataError("Expected string timestamp to be a String, but found " + javaClass(ts))
		}
		if t.format == nil {
			return 0, &javaException{class: "java.lang.NullPointerException",
				msg: `Cannot invoke "java.text.SimpleDateFormat.parse(String)" because "config.format" is null`}
		}
		ms, ok := t.format.parse(s)
		if !ok {
			return 0, connector.NewDataError("Could not parse timestamp: value (" + s + ") does not match pattern (" +
				t.format.pattern + ")")
		}
		return ms, nil
	case tsUnix:
		n, ok := ts.(int64)
		if !ok {
			return 0, connector.NewDataError("Expected Unix timestamp to be a Long, but found " + javaClass(ts))
		}
		switch t.precision {
		case precisionSeconds:
			return saturatingMul(n, 1000), nil
		case precisionMicros:
			return n / 1000, nil
		case precisionNanos:
			return n / 1000000, nil
		}
		return n, nil
	}
	d, ok := ts.(time.Time)
	if !ok {
		return 0, connector.NewDataError("Expected " + kind + " to be a java.util.Date, but found " + javaClass(ts))
	}
	return d.UnixMilli(), nil
}

// fromMillis is the target translator's toType.
func (t *timestampConverter) fromMillis(ms int64) any {
	switch t.target {
	case tsString:
		return t.format.format(ms)
	case tsUnix:
		switch t.precision {
		case precisionSeconds:
			return ms / 1000
		case precisionMicros:
			return saturatingMul(ms, 1000)
		case precisionNanos:
			return saturatingMul(ms, 1000000)
		}
		return ms
	case tsDate:
		return time.UnixMilli(floorDiv(ms, millisPerDay) * millisPerDay).UTC()
	case tsTime:
		return time.UnixMilli(floorMod(ms, millisPerDay)).UTC()
	}
	return time.UnixMilli(ms).UTC()
}

// saturatingMul is TimeUnit's conversion to a finer unit: n×factor, clamped to the long range.
func saturatingMul(n, factor int64) int64 {
	switch {
	case n > math.MaxInt64/factor:
		return math.MaxInt64
	case n < math.MinInt64/factor:
		return math.MinInt64
	}
	return n * factor
}
