package main

// genCast: Kafka's CastTest (whole-value casts of every type, field casts of structs and maps, logical types,
// defaults, the config errors) and its edges (overflow, parse failures, unsupported inputs).
func genCast(c *corpus) {
	const b = "Cast"
	// Whole-value casts with a schema. Those of logical types (Decimal, Date, Time, Timestamp) are left out: Kafka
	// keeps the logical schema's name on the new type, and no converter can write the result.
	for _, tc := range []struct {
		name, spec string
		v          env
	}{
		{"int32 to int8", "int8", sInt32(42)},
		{"int32 300 to int8 wraps", "int8", sInt32(300)},
		{"int32 to int16", "int16", sInt32(-42)},
		{"int64 to int32", "int32", sInt64(1 << 40)},
		{"int32 to int64", "int64", sInt32(42)},
		{"int8 to float32", "float32", sInt8(-8)},
		{"int16 to float64", "float64", sInt16(16)},
		{"float64 to int32 truncates", "int32", sFloat64("3.99")},
		{"float64 negative to int64", "int64", sFloat64("-3.99")},
		{"float32 to float64", "float64", sFloat32("1.1")},
		{"float64 to float32", "float32", sFloat64("0.1")},
		{"int32 0 to boolean", "boolean", sInt32(0)},
		{"int32 42 to boolean", "boolean", sInt32(42)},
		{"float64 0.5 to boolean", "boolean", sFloat64("0.5")},
		{"boolean true to int8", "int8", sBool(true)},
		{"boolean false to float64", "float64", sBool(false)},
		{"boolean to string", "string", sBool(true)},
		{"int32 to string", "string", sInt32(42)},
		{"int64 to string", "string", sInt64(-9007199254740993)},
		{"float64 to string", "string", sFloat64("1.5e10")},
		{"float32 to string", "string", sFloat32("0.1")},
		{"string to int32", "int32", sString("42")},
		{"string to int64", "int64", sString("-9223372036854775808")},
		{"string to float64", "float64", sString("2.5")},
		{"string to float32", "float32", sString("1e3")},
		{"string to boolean true", "boolean", sString("TRUE")},
		{"string to boolean other", "boolean", sString("yes")},
		{"string to string", "string", sString("same")},
		{"string not a number to int32", "int32", sString("abc")},
		{"string out of range to int8", "int8", sString("300")},
		{"string with spaces to int32", "int32", sString(" 42 ")},
		{"bytes to string is base64", "string", sBytes("hello")},
		{"bytes to int32 fails", "int32", sBytes("hello")},
		{"uppercase spec INT64", "INT64", sInt32(7)},
		{"spec with spaces", " int16 ", sInt32(7)},
		{"struct cannot be cast", "string", person()},
		{"array cannot be cast", "string", with(arrayOf(prim("int32")), []any{1, 2})},
		{"map cannot be cast", "string", with(mapOf(prim("string"), prim("int32")), o("a", 1))},
		{"optional int32 null is kept", "string", sOptInt32Null()},
		{"optional int32 with default", "string", with(prim("int32").opt().withDefault(5), 9)},
		{"optional int32 null with default", "int64", with(prim("int32").opt().withDefault(5), nil)},
		{"named int32 keeps its name", "int64", with(prim("int32").named("com.example.Count", 3).withDoc("a count", "k", "v"), 3)},
	} {
		c.both(b, "with schema: "+tc.name, cfg("spec", tc.spec), tc.v, sink)
	}
	// Whole-value casts without a schema: JsonConverter reads integers as Long, other numbers as Double.
	for _, tc := range []struct {
		name, spec string
		v          any
	}{
		{"long to int8", "int8", 42},
		{"long to int16", "int16", 40000},
		{"long to int32", "int32", int64(1) << 33},
		{"long to float32", "float32", 42},
		{"long to float64", "float64", -42},
		{"long to boolean", "boolean", 0},
		{"long to string", "string", 42},
		{"double to int64", "int64", num("2.75")},
		{"double to string", "string", num("2.75")},
		{"double to boolean", "boolean", num("0.0")},
		{"string to int32", "int32", "42"},
		{"string to float64", "float64", "-1.25"},
		{"string to boolean", "boolean", "true"},
		{"string to string", "string", "x"},
		{"bad string to int64", "int64", "4x"},
		{"boolean to int32", "int32", true},
		{"boolean to string", "string", false},
		{"map cannot be cast", "int32", o("a", 1)},
		{"array cannot be cast", "string", []any{1}},
	} {
		c.both(b, "schemaless: "+tc.name, cfg("spec", tc.spec), sl(tc.v), sink)
	}
	c.both(b, "schemaless null is kept", cfg("spec", "int32"), null, sink)
	c.both(b, "schemaless null with field spec is kept", cfg("spec", "a:int32"), null, source)

	// Field casts with a schema (CastTest.castFieldsWithSchema and friends).
	c.both(b, "fields of every type", cfg("spec",
		"int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bytes:string"),
		allTypes(), sink)
	c.both(b, "fields to string", cfg("spec",
		"int8:string,int16:string,int32:string,int64:string,float32:string,float64:string,boolean:string"),
		allTypes(), sink)
	c.both(b, "one field of a person", cfg("spec", "age:string"), person(), sink)
	c.both(b, "optional null field", cfg("spec", "score:int32,nick:int32"), person(), sink)
	c.both(b, "field not in the struct", cfg("spec", "nonexistent:int32"), person(), sink)
	c.both(b, "fields with defaults, nulls replaced", cfg("spec", "opt_int:string,set_int:string,opt_plain:int32"), defaults(), sink)
	c.both(b, "fields with defaults, nulls kept", cfg("spec", "opt_int:string,set_int:string", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "logical fields", cfg("spec", "date:int32,time:int64,ts:string,dec:float64"), logical(), sink)
	c.both(b, "logical fields to string", cfg("spec", "date:string,time:string,dec:string,opt_ts:string"), logical(), sink)
	c.both(b, "nested struct field cannot be cast", cfg("spec", "address:string"), nested(), sink)
	c.both(b, "array field cannot be cast", cfg("spec", "tags:string"), nested(), sink)
	c.both(b, "map field cannot be cast", cfg("spec", "attrs:string"), withMap(), sink)
	c.both(b, "field that does not parse", cfg("spec", "string:int32"), with(allTypesSchema(), o("int8", 8, "int16", 16,
		"int32", 32, "int64", 64, "float32", num("32.5"), "float64", num("-64.25"), "boolean", true, "string",
		"stringy", "bytes", b64("b"))), sink)
	c.both(b, "field spec on a primitive schema", cfg("spec", "a:int32"), sInt32(1), sink)
	c.both(b, "optional struct null", cfg("spec", "age:string"), sOptStructNull(), sink)
	c.both(b, "whole-value spec on a struct with defaults", cfg("spec", "int64"), defaults(), sink)

	// Field casts without a schema.
	c.both(b, "schemaless fields", cfg("spec", "a:int32,b:string,c:int64,d:float32,e:boolean"),
		sl(o("a", "42", "b", 1, "c", true, "d", num("1.5"), "e", "false", "other", o("x", 1))), sink)
	c.both(b, "schemaless field absent becomes null", cfg("spec", "absent:int32"), slFlat(), sink)
	c.both(b, "schemaless nested map field cannot be cast", cfg("spec", "address:string"), slNested(), sink)
	c.both(b, "schemaless array field cannot be cast", cfg("spec", "tags:string"), slNested(), sink)
	c.both(b, "schemaless field not a number", cfg("spec", "name:int32"), slFlat(), sink)
	c.both(b, "schemaless null field stays null", cfg("spec", "nothing:int32"), slFlat(), sink)
	c.both(b, "schemaless field spec on a string", cfg("spec", "a:int32"), sl("text"), sink)
	c.both(b, "schemaless field spec on a number", cfg("spec", "a:int32"), sl(5), source)

	// Invalid configurations.
	for _, tc := range []struct {
		name string
		cfg  map[string]string
	}{
		{"no spec", cfg()},
		{"empty spec", cfg("spec", "")},
		{"unknown type", cfg("spec", "foo:bar")},
		{"unknown whole type", cfg("spec", "integer")},
		{"cast to bytes", cfg("spec", "a:bytes")},
		{"cast to struct", cfg("spec", "struct")},
		{"cast to array", cfg("spec", "a:array")},
		{"three parts", cfg("spec", "a:int32:x")},
		{"whole and field", cfg("spec", "int32,a:string")},
		{"two whole types", cfg("spec", "int32,int64")},
		{"bad replace.null.with.default", cfg("spec", "int32", "replace.null.with.default", "maybe")},
	} {
		c.both(b, "config: "+tc.name, tc.cfg, sInt32(1), sink)
	}
}
