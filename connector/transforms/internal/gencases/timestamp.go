package main

// genTimestampConverter: Kafka's TimestampConverterTest (every source and target type, unix precisions,
// formats, fields of structs and maps, defaults) and the errors.
//
// Schemaless conversions to Date, Time or Timestamp are left out: their result holds a java.util.Date without
// a schema, which no converter (JsonConverter included) can write, so the golden format cannot state it.
func genTimestampConverter(c *corpus) {
	const b = "TimestampConverter"
	const fmtKafka = "yyyy MM dd HH mm ss SSS z"
	const strKafka = "1970 01 02 00 00 01 234 UTC"
	whole := func(target string, kv ...string) map[string]string {
		return cfg(append([]string{"target.type", target}, kv...)...)
	}
	// Whole values with a schema: every source type to every target type.
	sources := []struct {
		name string
		v    env
	}{
		{"Timestamp", sTimestamp(datePlusTime)},
		{"Date", sDate(datePlusTimeDays)},
		{"Time", sTime(timeOfDayMillis)},
		{"unix", sInt64(datePlusTime)},
		{"string", sString(strKafka)},
	}
	for _, src := range sources {
		for _, target := range []string{"Timestamp", "Date", "Time", "unix", "string"} {
			c.both(b, "with schema: "+src.name+" to "+target, whole(target, "format", fmtKafka), src.v, sink)
		}
	}
	c.both(b, "with schema: Timestamp to unix seconds", whole("unix", "unix.precision", "seconds"), sTimestamp(datePlusTime), sink)
	c.both(b, "with schema: Timestamp to unix microseconds", whole("unix", "unix.precision", "microseconds"), sTimestamp(datePlusTime), sink)
	c.both(b, "with schema: Timestamp to unix nanoseconds", whole("unix", "unix.precision", "nanoseconds"), sTimestamp(datePlusTime), sink)
	c.both(b, "with schema: unix seconds to Timestamp", whole("Timestamp", "unix.precision", "seconds"), sInt64(86401), sink)
	c.both(b, "with schema: unix microseconds to Timestamp", whole("Timestamp", "unix.precision", "microseconds"), sInt64(86401234123), sink)
	c.both(b, "with schema: unix nanoseconds to Timestamp", whole("Timestamp", "unix.precision", "nanoseconds"), sInt64(86401234123456), sink)
	c.both(b, "with schema: negative unix microseconds to Timestamp", whole("Timestamp", "unix.precision", "microseconds"), sInt64(-1500), sink)
	c.both(b, "with schema: negative unix to Date", whole("Date"), sInt64(-1), sink)
	c.both(b, "with schema: unix to ISO string", whole("string", "format", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), sInt64(defaultTimestamp), sink)
	c.both(b, "with schema: string ISO to Timestamp", whole("Timestamp", "format", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), sString("2023-11-14T22:13:20.123Z"), sink)
	c.both(b, "with schema: string with offset to unix", whole("unix", "format", "yyyy-MM-dd HH:mm:ss Z"), sString("2023-11-14 23:13:20 +0100"), sink)
	c.both(b, "with schema: string date only to Date", whole("Date", "format", "yyyy-MM-dd"), sString("2023-11-14"), sink)
	c.both(b, "with schema: lenient string", whole("Timestamp", "format", "yyyy-MM-dd"), sString("2023-13-45"), sink)
	c.both(b, "with schema: string that does not parse", whole("Timestamp", "format", fmtKafka), sString("not a date"), sink)
	// A string source without a format is left out: Kafka fails with a NullPointerException (config.format).
	c.both(b, "with schema: Timestamp to string with text", whole("string", "format", "EEEE, MMMM d, yyyy h:mm a"), sTimestamp(defaultTimestamp), sink)
	c.both(b, "with schema: optional Timestamp null", whole("unix"), with(tsS().opt(), nil), sink)
	c.both(b, "with schema: optional string null", whole("Timestamp", "format", fmtKafka), with(prim("string").opt(), nil), sink)
	c.both(b, "with schema: optional Timestamp with default", whole("unix"), with(tsS().opt().withDefault(0), int64(5)), sink)
	c.both(b, "with schema: int32 is not a timestamp", whole("unix"), sInt32(5), sink)
	c.both(b, "with schema: double is not a timestamp", whole("unix"), sFloat64("1.5"), sink)
	c.both(b, "with schema: struct without field config", whole("unix"), person(), sink)

	// Whole values without a schema: to string or unix only (see above).
	c.both(b, "schemaless: unix to string", whole("string", "format", fmtKafka), sl(datePlusTime), sink)
	c.both(b, "schemaless: unix to unix seconds", whole("unix", "unix.precision", "seconds"), sl(datePlusTime), sink)
	c.both(b, "schemaless: unix nanoseconds to string", whole("string", "format", fmtKafka, "unix.precision", "nanoseconds"), sl(86401234123456), sink)
	c.both(b, "schemaless: string to unix", whole("unix", "format", fmtKafka), sl(strKafka), sink)
	c.both(b, "schemaless: string to string", whole("string", "format", "yyyy"), sl("2023"), sink)
	c.both(b, "schemaless: string that does not parse", whole("unix", "format", fmtKafka), sl("nope"), sink)
	c.both(b, "schemaless: double", whole("unix"), sl(num("1.5")), sink)
	c.both(b, "schemaless: boolean", whole("unix"), sl(true), sink)
	c.both(b, "schemaless: map without field config", whole("unix"), slFlat(), sink)
	c.both(b, "schemaless: null", whole("unix"), null, sink)

	// Fields of a struct.
	tsStruct := func() env {
		return with(structOf(f("id", prim("int32")), f("ts", tsS()), f("other", prim("string").opt())).named("com.example.Event", 1),
			o("id", 1, "ts", datePlusTime, "other", "x"))
	}
	for _, target := range []string{"Timestamp", "Date", "Time", "unix", "string"} {
		c.both(b, "struct field Timestamp to "+target, cfg("field", "ts", "target.type", target, "format", fmtKafka), tsStruct(), sink)
	}
	c.both(b, "struct field unix to Timestamp", cfg("field", "int64", "target.type", "Timestamp"), allTypes(), sink)
	c.both(b, "struct field string to unix", cfg("field", "s", "target.type", "unix", "format", "yyyy"),
		with(structOf(f("s", prim("string"))), o("s", "2020")), sink)
	c.both(b, "struct logical fields", cfg("field", "date", "target.type", "string", "format", "yyyy-MM-dd"), logical(), sink)
	c.both(b, "struct time field to unix", cfg("field", "time", "target.type", "unix"), logical(), sink)
	c.both(b, "struct optional null field", cfg("field", "opt_ts", "target.type", "unix"), logical(), sink)
	c.both(b, "struct optional field with default replaced", cfg("field", "ts", "target.type", "unix"),
		with(structOf(f("ts", tsS().opt().withDefault(1000))), o("ts", nil)), sink)
	c.both(b, "struct optional field with default kept null", cfg("field", "ts", "target.type", "unix", "replace.null.with.default", "false"),
		with(structOf(f("ts", tsS().opt().withDefault(1000))), o("ts", nil)), sink)
	c.both(b, "struct field absent", cfg("field", "absent", "target.type", "unix"), tsStruct(), sink)
	c.both(b, "struct field of a wrong type", cfg("field", "int32", "target.type", "unix"), allTypes(), sink)
	c.both(b, "optional struct null", cfg("field", "ts", "target.type", "unix"),
		with(structOf(f("ts", tsS())).opt(), nil), sink)
	c.both(b, "struct field nested name is not a path", cfg("field", "address.city", "target.type", "unix"), nested(), sink)
	c.both(b, "primitive with field config", cfg("field", "ts", "target.type", "unix"), sTimestamp(1), sink)

	// Fields of a map.
	c.both(b, "map field unix to string", cfg("field", "ts", "target.type", "string", "format", fmtKafka), sl(o("ts", datePlusTime, "other", "x")), sink)
	c.both(b, "map field string to unix", cfg("field", "ts", "target.type", "unix", "format", fmtKafka), sl(o("ts", strKafka)), sink)
	c.both(b, "map field unix seconds to unix millis", cfg("field", "ts", "target.type", "unix", "unix.precision", "seconds"), sl(o("ts", 86401)), sink)
	c.both(b, "map field absent becomes null", cfg("field", "ts", "target.type", "unix"), sl(o("other", 1)), sink)
	c.both(b, "map field null", cfg("field", "ts", "target.type", "unix"), sl(o("ts", nil)), sink)
	c.both(b, "map field of a wrong type", cfg("field", "ts", "target.type", "unix"), sl(o("ts", true)), sink)
	c.both(b, "string value with field config", cfg("field", "ts", "target.type", "unix"), sl("x"), sink)
	c.both(b, "null value with field config", cfg("field", "ts", "target.type", "unix"), null, sink)

	// Invalid configurations.
	for _, tc := range []struct {
		name string
		cfg  map[string]string
	}{
		{"no target type", cfg("format", fmtKafka)},
		{"bad target type", cfg("target.type", "bogus")},
		{"target type is case-sensitive", cfg("target.type", "timestamp")},
		{"string without format", cfg("target.type", "string")},
		{"string with blank format", cfg("target.type", "string", "format", "  ")},
		{"bad format", cfg("target.type", "string", "format", "bad-format")},
		{"unterminated quote in format", cfg("target.type", "unix", "format", "yyyy'T")},
		{"bad unix precision", cfg("target.type", "unix", "unix.precision", "invalid")},
		{"bad replace.null.with.default", cfg("target.type", "unix", "replace.null.with.default", "x")},
	} {
		c.both(b, "config: "+tc.name, tc.cfg, sTimestamp(1), sink)
	}
}
