package transforms

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// The cases follow Kafka's TimestampConverterTest; expected values and messages are what Kafka 3.9 gives.

const (
	tsKeyClass   = "org.apache.kafka.connect.transforms.TimestampConverter$Key"
	tsValueClass = "org.apache.kafka.connect.transforms.TimestampConverter$Value"
	tsStringFmt  = "yyyy MM dd HH mm ss SSS z"
)

// The instants of Kafka's test: the epoch, 1.234 s after it, the next day, and the next day plus 1.234 s.
const (
	tsDatePlusTimeMillis  = int64(86401234)
	tsDatePlusTimeMicros  = tsDatePlusTimeMillis*1000 + 123
	tsDatePlusTimeNanos   = tsDatePlusTimeMicros*1000 + 456
	tsDatePlusTimeSeconds = int64(86401)
	tsDatePlusTimeString  = "1970 01 02 00 00 01 234 UTC"
)

var (
	tsEpoch        = time.UnixMilli(0).UTC()
	tsTimeOnly     = time.UnixMilli(1234).UTC()
	tsDateOnly     = time.UnixMilli(86400000).UTC()
	tsDatePlusTime = time.UnixMilli(tsDatePlusTimeMillis).UTC()
)

func tsSchema(t connector.SchemaType, name string, optional bool) *connector.Schema {
	s := &connector.Schema{Type: t, Optional: optional}
	if name != "" {
		s.Name, s.Version = name, 1
	}
	return s
}

var (
	tsTimestampSchema = tsSchema(connector.TypeInt64, connector.LogicalTimestamp, false)
	tsDateSchema      = tsSchema(connector.TypeInt32, connector.LogicalDate, false)
	tsTimeSchema      = tsSchema(connector.TypeInt32, connector.LogicalTime, false)
	tsInt64Schema     = tsSchema(connector.TypeInt64, "", false)
	tsStringSchema    = tsSchema(connector.TypeString, "", false)
)

func tsPlugin(t *testing.T, class string) connector.TransformPlugin {
	t.Helper()
	for _, p := range timestampConverterPlugins() {
		if p.Class == class {
			return p
		}
	}
	t.Fatalf("no plugin %s", class)
	return connector.TransformPlugin{}
}

// tsApply configures a TimestampConverter$Value and applies it to a record of schema and value.
func tsApply(t *testing.T, config map[string]string, schema *connector.Schema, value any) (*connector.Record, error) {
	t.Helper()
	tr, err := tsPlugin(t, tsValueClass).NewTransformation(config)
	if err != nil {
		t.Fatalf("configure %v: %v", config, err)
	}
	return tr.Apply(&connector.Record{Topic: "topic", ValueSchema: schema, Value: value})
}

func TestTimestampConverterConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{}, `Missing required configuration "target.type" which has no default value.`},
		{map[string]string{"target.type": "invalid"}, "Invalid value invalid for configuration target.type: String " +
			"must be one of: string, unix, Date, Time, Timestamp"},
		{map[string]string{"target.type": "unix", "unix.precision": "invalid"}, "Invalid value invalid for " +
			"configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"},
		{map[string]string{"target.type": "string"}, "TimestampConverter requires format option to be specified " +
			"when using string timestamps"},
		{map[string]string{"target.type": "string", "format": "  "}, "TimestampConverter requires format option to " +
			"be specified when using string timestamps"},
		{map[string]string{"target.type": "string", "format": "bad-format"}, "Invalid value " +
			"java.lang.IllegalArgumentException: Illegal pattern character 'b' for configuration TimestampConverter " +
			"requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format"},
		{map[string]string{"target.type": "Date", "format": "'abc"}, "Invalid value " +
			"java.lang.IllegalArgumentException: Unterminated quote for configuration TimestampConverter requires a " +
			"SimpleDateFormat-compatible pattern for string timestamps: 'abc"},
		{map[string]string{"target.type": "Date", "format": "XXXX"}, "Invalid value " +
			"java.lang.IllegalArgumentException: invalid ISO 8601 format: length=4 for configuration TimestampConverter " +
			"requires a SimpleDateFormat-compatible pattern for string timestamps: XXXX"},
	} {
		_, err := tsPlugin(t, tsValueClass).NewTransformation(tc.config)
		var ce *connector.ConfigError
		if !errors.As(err, &ce) || ce.Message != tc.want {
			t.Errorf("%v:\n got %v\nwant %s", tc.config, err, tc.want)
		}
	}
	if _, err := tsPlugin(t, tsValueClass).NewTransformation(map[string]string{"target.type": "unix",
		"unix.precision": "seconds"}); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

func TestTimestampConverterConversions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		config     map[string]string
		schema     *connector.Schema
		in         any
		wantSchema *connector.Schema
		want       any
	}{
		{"schemaless identity", map[string]string{"target.type": "Timestamp"}, nil, tsDatePlusTime, nil, tsDatePlusTime},
		{"schemaless timestamp to date", map[string]string{"target.type": "Date"}, nil, tsDatePlusTime, nil, tsDateOnly},
		{"schemaless timestamp to time", map[string]string{"target.type": "Time"}, nil, tsDatePlusTime, nil, tsTimeOnly},
		{"schemaless timestamp to unix", map[string]string{"target.type": "unix"}, nil, tsDatePlusTime, nil, tsDatePlusTimeMillis},
		{"schemaless timestamp to string", map[string]string{"target.type": "string", "format": tsStringFmt}, nil,
			tsDatePlusTime, nil, tsDatePlusTimeString},
		{"schemaless date to timestamp", map[string]string{"target.type": "Timestamp"}, nil, tsDateOnly, nil, tsDateOnly},
		{"schemaless unix to timestamp", map[string]string{"target.type": "Timestamp"}, nil, tsDatePlusTimeMillis, nil, tsDatePlusTime},
		{"schemaless string to timestamp", map[string]string{"target.type": "Timestamp", "format": tsStringFmt}, nil,
			tsDatePlusTimeString, nil, tsDatePlusTime},
		{"schema identity", map[string]string{"target.type": "Timestamp"}, tsTimestampSchema, tsDatePlusTime,
			tsTimestampSchema, tsDatePlusTime},
		{"schema timestamp to date", map[string]string{"target.type": "Date"}, tsTimestampSchema, tsDatePlusTime,
			tsDateSchema, tsDateOnly},
		{"schema timestamp to time", map[string]string{"target.type": "Time"}, tsTimestampSchema, tsDatePlusTime,
			tsTimeSchema, tsTimeOnly},
		{"schema timestamp to unix", map[string]string{"target.type": "unix"}, tsTimestampSchema, tsDatePlusTime,
			tsInt64Schema, tsDatePlusTimeMillis},
		{"schema timestamp to string", map[string]string{"target.type": "string", "format": tsStringFmt},
			tsTimestampSchema, tsDatePlusTime, tsStringSchema, tsDatePlusTimeString},
		{"schema date to timestamp", map[string]string{"target.type": "Timestamp"}, tsDateSchema, tsDateOnly,
			tsTimestampSchema, tsDateOnly},
		{"schema time to timestamp", map[string]string{"target.type": "Timestamp"}, tsTimeSchema, tsTimeOnly,
			tsTimestampSchema, tsTimeOnly},
		{"schema unix to timestamp", map[string]string{"target.type": "Timestamp"}, tsInt64Schema, tsDatePlusTimeMillis,
			tsTimestampSchema, tsDatePlusTime},
		{"schema string to timestamp", map[string]string{"target.type": "Timestamp", "format": tsStringFmt},
			tsStringSchema, tsDatePlusTimeString, tsTimestampSchema, tsDatePlusTime},
		// Unix precisions lose everything below the millisecond, in and out.
		{"string to unix micros", map[string]string{"target.type": "unix", "unix.precision": "microseconds",
			"format": tsStringFmt}, nil, tsDatePlusTimeString, nil, int64(86401234000)},
		{"string to unix nanos", map[string]string{"target.type": "unix", "unix.precision": "nanoseconds",
			"format": tsStringFmt}, nil, tsDatePlusTimeString, nil, int64(86401234000000)},
		{"string to unix seconds", map[string]string{"target.type": "unix", "unix.precision": "seconds",
			"format": tsStringFmt}, nil, tsDatePlusTimeString, nil, tsDatePlusTimeSeconds},
		{"micros to timestamp", map[string]string{"target.type": "Timestamp", "unix.precision": "microseconds"},
			tsInt64Schema, tsDatePlusTimeMicros, tsTimestampSchema, tsDatePlusTime},
		{"nanos to timestamp", map[string]string{"target.type": "Timestamp", "unix.precision": "nanoseconds"},
			tsInt64Schema, tsDatePlusTimeNanos, tsTimestampSchema, tsDatePlusTime},
		{"seconds to timestamp", map[string]string{"target.type": "Timestamp", "unix.precision": "seconds"},
			tsInt64Schema, tsDatePlusTimeSeconds, tsTimestampSchema, time.UnixMilli(86401000).UTC()},
		{"seconds saturate", map[string]string{"target.type": "unix", "unix.precision": "seconds"}, nil,
			int64(9223372036854776), nil, int64(9223372036854775)},
		{"nanos out saturate", map[string]string{"target.type": "unix", "unix.precision": "nanoseconds"},
			tsTimestampSchema, time.UnixMilli(-9223372036854).UTC(), tsInt64Schema, int64(-9223372036854000000)},
		// Dates before the epoch round down to their day.
		{"negative to date", map[string]string{"target.type": "Date"}, tsInt64Schema, int64(-1), tsDateSchema,
			time.UnixMilli(-86400000).UTC()},
		{"negative to time", map[string]string{"target.type": "Time"}, tsInt64Schema, int64(-1), tsTimeSchema,
			time.UnixMilli(86399999).UTC()},
		// Text after the pattern is ignored and fields roll over, as SimpleDateFormat parses leniently.
		{"lenient parse", map[string]string{"target.type": "unix", "format": "yyyy-MM-dd"}, tsStringSchema,
			"2020-13-01 and more", tsInt64Schema, int64(1609459200000)},
	} {
		out, err := tsApply(t, tc.config, tc.schema, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !connector.SchemaEqual(out.ValueSchema, tc.wantSchema) {
			t.Errorf("%s: schema %+v, want %+v", tc.name, out.ValueSchema, tc.wantSchema)
		}
		if !reflect.DeepEqual(out.Value, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, out.Value, tc.want)
		}
	}
}

func TestTimestampConverterNulls(t *testing.T) {
	optional := map[string]*connector.Schema{
		"string":    tsSchema(connector.TypeString, "", true),
		"unix":      tsSchema(connector.TypeInt64, "", true),
		"Date":      tsSchema(connector.TypeInt32, connector.LogicalDate, true),
		"Time":      tsSchema(connector.TypeInt32, connector.LogicalTime, true),
		"Timestamp": tsSchema(connector.TypeInt64, connector.LogicalTimestamp, true),
	}
	for target, want := range optional {
		config := map[string]string{"target.type": target, "format": tsStringFmt}
		withField := map[string]string{"target.type": target, "format": tsStringFmt, "field": "ts"}
		for _, cfg := range []map[string]string{config, withField} {
			out, err := tsApply(t, cfg, nil, nil)
			if err != nil || out.Value != nil || out.ValueSchema != nil {
				t.Errorf("schemaless null to %s %v: %+v %v", target, cfg, out, err)
			}
		}
		for _, orig := range optional {
			out, err := tsApply(t, config, orig, nil)
			if err != nil || out.Value != nil || !connector.SchemaEqual(out.ValueSchema, want) {
				t.Errorf("null %s to %s: %+v %v", orig.Type, target, out, err)
			}
			structS := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
				{Name: "ts", Schema: orig}, {Name: "other", Schema: tsStringSchema}}}
			wantS := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
				{Name: "ts", Schema: want}, {Name: "other", Schema: tsStringSchema}}}
			st := connector.NewStruct(structS)
			if err := st.Put("other", "test"); err != nil {
				t.Fatal(err)
			}
			out, err = tsApply(t, withField, structS, st)
			if err != nil || !connector.SchemaEqual(out.ValueSchema, wantS) {
				t.Errorf("null field %s to %s: %+v %v", orig.Type, target, out, err)
				continue
			}
			if v, _ := out.Value.(*connector.Struct).Get("ts"); v != nil {
				t.Errorf("null field %s to %s: ts %#v", orig.Type, target, v)
			}
			optS, optWant := *structS, *wantS
			optS.Optional, optWant.Optional = true, true
			out, err = tsApply(t, withField, &optS, nil)
			if err != nil || out.Value != nil || !connector.SchemaEqual(out.ValueSchema, &optWant) {
				t.Errorf("null struct %s to %s: %+v %v", orig.Type, target, out, err)
			}
		}
	}
}

func TestTimestampConverterFields(t *testing.T) {
	// Schemaless: the field is converted in a copy of the map.
	in := map[string]any{"ts": tsDatePlusTime, "other": "x"}
	out, err := tsApply(t, map[string]string{"target.type": "Date", "field": "ts"}, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"ts": tsDateOnly, "other": "x"}; !reflect.DeepEqual(out.Value, want) || in["ts"] != tsDatePlusTime {
		t.Errorf("got %#v (input %#v)", out.Value, in)
	}
	out, err = tsApply(t, map[string]string{"target.type": "Date", "field": "ts"}, nil, map[string]any{"other": "x"})
	if want := map[string]any{"ts": nil, "other": "x"}; err != nil || !reflect.DeepEqual(out.Value, want) {
		t.Errorf("absent field: got %#v, %v", out.Value, err)
	}

	// With a schema: the field's schema becomes the target's, the rest is kept.
	schema := &connector.Schema{Type: connector.TypeStruct, Name: "n", Version: 3, Doc: "d", Fields: []connector.SchemaField{
		{Name: "ts", Schema: tsInt64Schema}, {Name: "other", Schema: tsStringSchema}}}
	st := connector.NewStruct(schema)
	if err := st.Put("ts", tsDatePlusTimeMillis); err != nil {
		t.Fatal(err)
	}
	if err := st.Put("other", "test"); err != nil {
		t.Fatal(err)
	}
	out, err = tsApply(t, map[string]string{"target.type": "Timestamp", "field": "ts"}, schema, st)
	if err != nil {
		t.Fatal(err)
	}
	want := &connector.Schema{Type: connector.TypeStruct, Name: "n", Version: 3, Doc: "d", Fields: []connector.SchemaField{
		{Name: "ts", Schema: tsTimestampSchema}, {Name: "other", Schema: tsStringSchema}}}
	got := out.Value.(*connector.Struct)
	if !connector.SchemaEqual(out.ValueSchema, want) {
		t.Errorf("schema %+v", out.ValueSchema)
	}
	if v, _ := got.Get("ts"); v != tsDatePlusTime {
		t.Errorf("ts %#v", v)
	}
	if v, _ := got.Get("other"); v != "test" {
		t.Errorf("other %#v", v)
	}
	if v, _ := st.Get("ts"); v != tsDatePlusTimeMillis {
		t.Error("input struct modified")
	}
}

func TestTimestampConverterNullFieldWithDefault(t *testing.T) {
	schema := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "ts", Schema: &connector.Schema{Type: connector.TypeInt64, Optional: true, Default: int64(0)}},
		{Name: "other", Schema: tsStringSchema}}}
	for replace, want := range map[string]any{"false": nil, "true": tsEpoch} {
		st := connector.NewStruct(schema)
		if err := st.Put("other", "test"); err != nil {
			t.Fatal(err)
		}
		out, err := tsApply(t, map[string]string{"target.type": "Timestamp", "field": "ts",
			"replace.null.with.default": replace}, schema, st)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := out.Value.(*connector.Struct).Get("ts"); !reflect.DeepEqual(v, want) {
			t.Errorf("replace %s: got %#v, want %#v", replace, v, want)
		}
		if _, f := out.ValueSchema.Field("ts"); !connector.SchemaEqual(f.Schema, tsSchema(connector.TypeInt64,
			connector.LogicalTimestamp, true)) {
			t.Errorf("replace %s: ts schema %+v", replace, f.Schema)
		}
	}
}

func TestTimestampConverterKey(t *testing.T) {
	tr, err := tsPlugin(t, tsKeyClass).NewTransformation(map[string]string{"target.type": "Timestamp"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Apply(&connector.Record{Topic: "topic", Key: tsDatePlusTimeMillis, Value: "v"})
	if err != nil {
		t.Fatal(err)
	}
	if out.KeySchema != nil || out.Key != tsDatePlusTime || out.Value != "v" {
		t.Errorf("got %+v", out)
	}
}

func TestTimestampConverterErrors(t *testing.T) {
	structS := &connector.Schema{Type: connector.TypeStruct, Fields: []connector.SchemaField{
		{Name: "ts", Schema: &connector.Schema{Type: connector.TypeInt32}}}}
	st := connector.NewStruct(structS)
	if err := st.Put("ts", int32(5)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		config       map[string]string
		schema       *connector.Schema
		value        any
		class, error string
	}{
		{"unparsable", map[string]string{"target.type": "unix", "format": tsStringFmt}, nil, "garbage",
			"org.apache.kafka.connect.errors.DataException",
			"Could not parse timestamp: value (garbage) does not match pattern (yyyy MM dd HH mm ss SSS z)"},
		{"double", map[string]string{"target.type": "unix"}, nil, 1.5, "org.apache.kafka.connect.errors.DataException",
			"TimestampConverter does not support class java.lang.Double objects as timestamps"},
		{"boolean schema", map[string]string{"target.type": "unix"}, &connector.Schema{Type: connector.TypeBoolean, Optional: true},
			nil, "org.apache.kafka.connect.errors.ConnectException",
			"Schema Schema{BOOLEAN} does not correspond to a known timestamp type format"},
		{"int32 field", map[string]string{"target.type": "unix", "field": "ts"}, structS, st,
			"org.apache.kafka.connect.errors.ConnectException",
			"Schema Schema{INT32} does not correspond to a known timestamp type format"},
		{"no format", map[string]string{"target.type": "unix"}, tsStringSchema, "2020",
			"java.lang.NullPointerException",
			`Cannot invoke "java.text.SimpleDateFormat.parse(String)" because "config.format" is null`},
		{"field of non-map", map[string]string{"target.type": "unix", "field": "ts"}, nil, int64(5),
			"org.apache.kafka.connect.errors.DataException",
			"Only Map objects supported in absence of schema for [converting timestamp formats], found: java.lang.Long"},
		{"field of non-struct", map[string]string{"target.type": "unix", "field": "ts"}, tsInt64Schema, int64(5),
			"org.apache.kafka.connect.errors.DataException",
			"Only Struct objects supported for [converting timestamp formats], found: java.lang.Long"},
		{"field of null non-struct", map[string]string{"target.type": "unix", "field": "ts"},
			tsSchema(connector.TypeInt64, "", true), nil, "org.apache.kafka.connect.errors.DataException",
			"Cannot list fields on non-struct type"},
	} {
		_, err := tsApply(t, tc.config, tc.schema, tc.value)
		if err == nil || err.Error() != tc.error {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.error)
			continue
		}
		if c := err.(interface{ JavaClass() string }).JavaClass(); c != tc.class {
			t.Errorf("%s: class %s, want %s", tc.name, c, tc.class)
		}
	}
}

// The expected texts and instants below are what Java 17's SimpleDateFormat gives in UTC.
func TestJavaDateFormatFormat(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		ms      int64
		want    string
	}{
		{"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", 1700000000123, "2023-11-14T22:13:20.123Z"},
		{tsStringFmt, 86401234, "1970 01 02 00 00 01 234 UTC"},
		{"EEE, d MMM yyyy HH:mm:ss Z", 1579083630123, "Wed, 15 Jan 2020 10:20:30 +0000"},
		{"EEEE, MMMM d, yyyy h:mm a", 1579083630123, "Wednesday, January 15, 2020 10:20 AM"},
		{"G yyyy-MM-dd", -62135769600001, "BC 0001-12-31"},
		// Julian dates before the Gregorian cutover.
		{"yyyy-MM-dd", -12219292800001, "1582-10-04"},
		{"yyyy-MM-dd", -12219292800000, "1582-10-15"},
		{"yy", 1700000000000, "23"},
		{"Y-'W'ww-u", 1577750400000, "2020-W01-2"},
		{"D F w W", 1700000000000, "318 2 46 3"},
		{"k K h H a", 0, "24 0 12 0 AM"},
		{"zzzz X XXX Z", 0, "Coordinated Universal Time Z Z +0000"},
		{"yyyyy.MMMMM.dd GGG hh:mm aaa", 1000000000000, "02001.September.09 AD 01:46 AM"},
		{"hh 'o''clock' a", 43200000, "12 o'clock PM"},
		{"SSSSSS S", 7, "000007 7"},
		{"yyyy-MM-dd", 9223372036854775807, "292278994-08-17"},
		{"yyyy-MM-dd HH:mm", -9223372036854775808, "292269055-12-02 16:47"},
	} {
		f, err := newJavaDateFormat(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if got := f.format(tc.ms); got != tc.want {
			t.Errorf("%s %d: got %q, want %q", tc.pattern, tc.ms, got, tc.want)
		}
	}
}

func TestJavaDateFormatParse(t *testing.T) {
	for _, tc := range []struct {
		pattern, text string
		want          int64
		ok            bool
	}{
		{tsStringFmt, tsDatePlusTimeString, 86401234, true},
		{"yyyy-MM-dd", "2020-13-01", 1609459200000, true},
		{"yyyy-MM-dd", "2020-02-30", 1583020800000, true},
		{"yyyy-MM-dd", "2020-01-01 trailing", 1577836800000, true},
		{"yyyy-MM-dd", "2020/01/01", 0, false},
		{"yyyyMMdd", "20200704", 1593820800000, true},
		{"yyyy-MM-dd HH:mm:ss z", "2020-01-01 10:00:00 GMT+01:00", 1577869200000, true},
		{"yyyy-MM-dd HH:mm:ss Z", "2020-01-01 10:00:00 -0800", 1577901600000, true},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2020-01-01T10:00:00+05:30", 1577853000000, true},
		{"yyyy-MM-dd'T'HH:mm:ssX", "2020-01-01T10:00:00Z", 1577872800000, true},
		{"MMM d yyyy", "jan 5 2020", 1578182400000, true},
		{"EEE MMM d yyyy", "Thu Jan 5 2020", 1578182400000, true},
		{"hh:mm a", "12:30 AM", 1800000, true},
		{"kk:mm", "24:00", 0, true},
		{"YYYY-ww-u", "2020-01-1", 1577664000000, true},
		{"yyyy-DDD", "2020-366", 1609372800000, true},
		{"G yyyy", "BC 100", -65291529600000, true},
		{"yyyy-MM-dd", "1582-10-10", -12218860800000, true},
		{"yyyy-MM-dd", "-0001-01-01", -62198928000000, true},
		{"yyyy-MM-dd", "2020E1-01-01", 575283254400000, true},
		{"yyyy-MM-dd", "  2020-01-01", 1577836800000, true},
		{"yyyy-MM-dd", "１２３４-０１-０２", -23225184000000, true},
		{"yyyy-MM-dd", "", 0, false},
		{"HH:mm", "10", 0, false},
	} {
		f, err := newJavaDateFormat(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		got, ok := f.parse(tc.text)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s %q: got %d %v, want %d %v", tc.pattern, tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

func TestJavaDateFormatTwoDigitYears(t *testing.T) {
	// Two-digit years land in the hundred years starting 80 years before the format was made.
	f, err := newJavaDateFormat("yy")
	if err != nil {
		t.Fatal(err)
	}
	f.centuryStart = time.Date(1944, 6, 18, 0, 0, 0, 0, time.UTC).UnixMilli()
	for text, year := range map[string]int{"43": 2043, "45": 1945, "44": 2044, "99": 1999, "00": 2000, "5": 5, "2005": 2005} {
		ms, ok := f.parse(text)
		if !ok {
			t.Errorf("%q: no parse", text)
			continue
		}
		if got := fieldsOf(ms).normYear; got != int64(year) {
			t.Errorf("%q: year %d, want %d", text, got, year)
		}
	}
}
