package main

// The records most transformations are tried on. Each is a function so that every case gets its own copy.

// Times used throughout: 1970-01-02T00:00:01.234Z (Kafka's TimestampConverterTest), 2023-11-14T22:13:20Z.
const (
	datePlusTime     = int64(86401234)
	datePlusTimeDays = 1
	timeOfDayMillis  = 1234 // 00:00:01.234
)

// slFlat is a schemaless map of primitives and a null.
func slFlat() env {
	return sl(o("name", "alice", "age", 30, "score", num("9.5"), "active", true, "nothing", nil))
}

// slNested is a schemaless map with nested maps, an array and an empty map.
func slNested() env {
	return sl(o("id", 1,
		"address", o("street", "Main St", "city", "Springfield", "geo", o("lat", num("1.5"), "lon", num("-2.25"))),
		"tags", []any{"a", "b"},
		"empty", o(),
		"missing", nil))
}

// personSchema is a flat struct with required and optional fields.
func personSchema() *schema {
	return structOf(
		f("name", prim("string")),
		f("age", prim("int32")),
		f("score", prim("double").opt()),
		f("active", prim("boolean")),
		f("nick", prim("string").opt()),
	).named("com.example.Person", 2)
}

func person() env {
	return with(personSchema(), o("name", "alice", "age", 30, "score", num("9.5"), "active", true, "nick", nil))
}

// allTypesSchema has one field of every primitive type.
func allTypesSchema() *schema {
	return structOf(
		f("int8", prim("int8")),
		f("int16", prim("int16")),
		f("int32", prim("int32")),
		f("int64", prim("int64")),
		f("float32", prim("float")),
		f("float64", prim("double")),
		f("boolean", prim("boolean")),
		f("string", prim("string")),
		f("bytes", prim("bytes")),
	)
}

func allTypes() env {
	return with(allTypesSchema(), o("int8", 8, "int16", 16, "int32", 32, "int64", 64, "float32", num("32.5"),
		"float64", num("-64.25"), "boolean", true, "string", "42", "bytes", b64("bytes")))
}

// nestedSchema is a struct with a nested struct two levels deep, an array and a map.
func geoSchema() *schema {
	return structOf(f("lat", prim("double")), f("lon", prim("double")))
}

func addressSchema() *schema {
	return structOf(f("street", prim("string")), f("city", prim("string")), f("geo", geoSchema()))
}

func nestedSchema() *schema {
	return structOf(
		f("id", prim("int64")),
		f("address", addressSchema()),
		f("tags", arrayOf(prim("string"))),
	).named("com.example.Customer", 0)
}

func nested() env {
	return with(nestedSchema(), o("id", 7,
		"address", o("street", "Main St", "city", "Springfield", "geo", o("lat", num("1.5"), "lon", num("-2.25"))),
		"tags", []any{"a", "b"}))
}

// withMapSchema is a struct with string- and int-keyed maps.
func withMapSchema() *schema {
	return structOf(
		f("id", prim("int32")),
		f("attrs", mapOf(prim("string"), prim("string"))),
		f("codes", mapOf(prim("int32"), prim("string")).opt()),
	)
}

func withMap() env {
	return with(withMapSchema(), o("id", 1, "attrs", o("colour", "red", "size", "L"),
		"codes", []any{[]any{1, "one"}, []any{2, "two"}}))
}

// defaultsSchema has optional fields with defaults, some null (the default applies, or not, by
// replace.null.with.default) and some set.
func defaultsSchema() *schema {
	return structOf(
		f("id", prim("int32")),
		f("opt_int", prim("int32").opt().withDefault(42)),
		f("opt_str", prim("string").opt().withDefault("dflt")),
		f("set_int", prim("int32").opt().withDefault(7)),
		f("opt_plain", prim("int64").opt()),
	)
}

func defaults() env {
	return with(defaultsSchema(), o("id", 1, "opt_int", nil, "opt_str", nil, "set_int", 8, "opt_plain", nil))
}

// logicalSchema has every logical type of Kafka Connect.
func logicalSchema() *schema {
	return structOf(
		f("date", dateS()),
		f("time", timeS()),
		f("ts", tsS()),
		f("dec", decS(2)),
		f("opt_ts", tsS().opt()),
	)
}

func logical() env {
	return with(logicalSchema(), o("date", 19675, "time", 45296789, "ts", defaultTimestamp, "dec", dec(12345),
		"opt_ts", nil))
}

// arraysSchema has arrays of primitives, structs and arrays.
func arraysSchema() *schema {
	return structOf(
		f("ints", arrayOf(prim("int32"))),
		f("points", arrayOf(structOf(f("x", prim("int32")), f("y", prim("int32"))))),
		f("matrix", arrayOf(arrayOf(prim("string")))),
		f("maybe", arrayOf(prim("string").opt()).opt()),
	)
}

func arrays() env {
	return with(arraysSchema(), o("ints", []any{1, 2, 3}, "points", []any{o("x", 1, "y", 2), o("x", 3, "y", 4)},
		"matrix", []any{[]any{"a", "b"}, []any{}}, "maybe", []any{"x", nil}))
}

// optionalNestedSchema has an optional nested struct that is null.
func optionalNestedSchema() *schema {
	return structOf(f("id", prim("int32")), f("inner", structOf(f("a", prim("int32")), f("b", prim("string").opt())).opt()))
}

func optionalNested() env {
	return with(optionalNestedSchema(), o("id", 5, "inner", nil))
}

// Single values with a schema.
func sInt8(v int) env         { return with(prim("int8"), v) }
func sInt16(v int) env        { return with(prim("int16"), v) }
func sInt32(v int) env        { return with(prim("int32"), v) }
func sInt64(v int64) env      { return with(prim("int64"), v) }
func sFloat32(v string) env   { return with(prim("float"), num(v)) }
func sFloat64(v string) env   { return with(prim("double"), num(v)) }
func sBool(v bool) env        { return with(prim("boolean"), v) }
func sString(v string) env    { return with(prim("string"), v) }
func sBytes(v string) env     { return with(prim("bytes"), b64(v)) }
func sOptStructNull() env     { return with(personSchema().opt(), nil) }
func sOptInt32Null() env      { return with(prim("int32").opt(), nil) }
func sDate(days int) env      { return with(dateS(), days) }
func sTime(millis int) env    { return with(timeS(), millis) }
func sTimestamp(ms int64) env { return with(tsS(), ms) }
func sDecimal(scale int, unscaled int64) env {
	return with(decS(scale), dec(unscaled))
}
