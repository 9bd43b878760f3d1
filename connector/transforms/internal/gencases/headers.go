package main

// genDropHeaders: Kafka's DropHeadersTest and repeated, absent and schemaless headers.
func genDropHeaders(c *corpus) {
	const b, class = "DropHeaders", tp + "DropHeaders"
	hs := []header{
		{"a", sString("a-value")},
		{"b", sInt32(2)},
		{"a", sl("second a")},
		{"c", with(personSchema(), o("name", "bob", "age", 40, "score", nil, "active", false, "nick", "b"))},
		{"d", null},
	}
	r := sink(strKey, person()).withHeaders(hs...)
	c.add(b, "drop one", class, cfg("headers", "b"), r)
	c.add(b, "drop a repeated header", class, cfg("headers", "a"), r)
	c.add(b, "drop several", class, cfg("headers", "a,c"), r)
	c.add(b, "drop every header", class, cfg("headers", "a,b,c,d"), r)
	c.add(b, "drop an absent header", class, cfg("headers", "zzz"), r)
	c.add(b, "names are trimmed", class, cfg("headers", " b , d "), r)
	c.add(b, "names are case-sensitive", class, cfg("headers", "A,B"), r)
	c.add(b, "null-valued header", class, cfg("headers", "d"), r)
	c.add(b, "no headers", class, cfg("headers", "a"), sink(strKey, person()).withHeaders())
	c.add(b, "source record", class, cfg("headers", "trace"), source(null, slFlat()))
	c.add(b, "tombstone", class, cfg("headers", "trace"), sink(strKey, null))
	c.add(b, "config: no headers", class, cfg(), r)
	c.add(b, "config: empty list", class, cfg("headers", ""), r)
}

// genHeaderFrom: Kafka's HeaderFromTest (copy and move, preexisting headers, struct fields, several fields,
// defaults), schemaless records and the errors.
func genHeaderFrom(c *corpus) {
	const b = "HeaderFrom"
	twoStrings := func() env {
		return with(structOf(f("field1", prim("string")), f("field2", prim("string"))),
			o("field1", "field1-value", "field2", "field2-value"))
	}
	existing := header{"header1", sString("existing-value")}
	same := header{"inserted1", sString("existing-value")}
	withHeader := func(h header) func(k, v env) rec {
		return func(k, v env) rec { return source(k, v).withHeaders(h) }
	}
	for _, op := range []string{"copy", "move"} {
		c.both(b, op+": basic", cfg("fields", "field1", "headers", "inserted1", "operation", op), twoStrings(), withHeader(existing))
		c.both(b, op+": preexisting header of the same name", cfg("fields", "field1", "headers", "inserted1", "operation", op), twoStrings(), withHeader(same))
		c.both(b, op+": two fields", cfg("fields", "field1,field2", "headers", "inserted1,inserted2", "operation", op), twoStrings(), withHeader(existing))
		c.both(b, op+": one field to two headers", cfg("fields", "field1,field1", "headers", "h1,h2", "operation", op), twoStrings(), sink)
		c.both(b, op+": struct field", cfg("fields", "address", "headers", "addr", "operation", op), nested(), sink)
		c.both(b, op+": array field", cfg("fields", "tags", "headers", "tags", "operation", op), nested(), sink)
		c.both(b, op+": map fields", cfg("fields", "attrs,codes", "headers", "attrs,codes", "operation", op), withMap(), sink)
		c.both(b, op+": logical fields", cfg("fields", "date,dec,opt_ts", "headers", "d,dec,ts", "operation", op), logical(), sink)
		c.both(b, op+": defaults replaced", cfg("fields", "opt_int,set_int,opt_plain", "headers", "a,b,c", "operation", op), defaults(), sink)
		c.both(b, op+": defaults kept null", cfg("fields", "opt_int,opt_str", "headers", "a,b", "operation", op, "replace.null.with.default", "false"), defaults(), sink)
		c.both(b, op+": schemaless", cfg("fields", "name,age", "headers", "n,a", "operation", op), slFlat(), sink)
		c.both(b, op+": schemaless nested and null", cfg("fields", "address,nothing", "headers", "addr,none", "operation", op), slNested(), sink)
		c.both(b, op+": schemaless absent field", cfg("fields", "absent", "headers", "h", "operation", op), slFlat(), sink)
		c.both(b, op+": schemaless string value", cfg("fields", "a", "headers", "h", "operation", op), sl("text"), sink)
		c.both(b, op+": schemaless null value", cfg("fields", "a", "headers", "h", "operation", op), null, sink)
		c.both(b, op+": primitive with a schema", cfg("fields", "a", "headers", "h", "operation", op), sInt32(3), sink)
		c.both(b, op+": optional struct null", cfg("fields", "name", "headers", "h", "operation", op), sOptStructNull(), sink)
	}
	c.both(b, "config: different lengths", cfg("fields", "a,b", "headers", "h", "operation", "copy"), person(), sink)
	c.both(b, "config: bad operation", cfg("fields", "a", "headers", "h", "operation", "swap"), person(), sink)
	c.both(b, "config: operation is case-sensitive", cfg("fields", "a", "headers", "h", "operation", "MOVE"), person(), sink)
	c.both(b, "config: no operation", cfg("fields", "a", "headers", "h"), person(), sink)
	c.both(b, "config: no fields", cfg("headers", "h", "operation", "copy"), person(), sink)
	c.both(b, "config: empty headers", cfg("fields", "a", "headers", "", "operation", "copy"), person(), sink)
}

// genInsertHeader: Kafka's InsertHeaderTest and the literal forms Values.parseString reads.
func genInsertHeader(c *corpus) {
	const b, class = "InsertHeader", tp + "InsertHeader"
	for _, tc := range []struct{ name, lit string }{
		{"string", "hello"},
		{"string with spaces", "hello world"},
		{"empty string", ""},
		{"blank", "   "},
		{"small integer", "42"},
		{"negative integer", "-7"},
		{"int16", "1000"},
		{"int32", "100000"},
		{"int64", "10000000000"},
		{"beyond int64", "9223372036854775808"},
		{"decimal", "3.14"},
		{"double", "1.7976931348623157E308"},
		{"exponent", "1.5e10"},
		{"true", "true"},
		{"false", "false"},
		{"null", "null"},
		{"array of integers", "[1,2,3]"},
		{"array of strings", "[\"a\",\"b\"]"},
		{"mixed array", "[1,\"a\"]"},
		{"empty array", "[]"},
		{"map", "{\"a\":1,\"b\":2}"},
		{"map of strings", "{\"k\":\"v\"}"},
		{"quoted string", "\"quoted\""},
		{"comma list", "a,b"},
		{"date", "2023-11-14"},
		{"time", "22:13:20.123Z"},
		{"timestamp", "2023-11-14T22:13:20.123Z"},
		{"unbalanced bracket", "[1,2"},
	} {
		c.add(b, "literal "+tc.name, class, cfg("header", "inserted", "value.literal", tc.lit), sink(strKey, person()))
	}
	c.add(b, "existing header of the same name", class, cfg("header", "trace", "value.literal", "new"), sink(strKey, person()))
	c.add(b, "no headers before", class, cfg("header", "h", "value.literal", "v"), source(null, null).withHeaders())
	c.add(b, "source record", class, cfg("header", "h", "value.literal", "42"), source(strKey, slFlat()))
	c.add(b, "tombstone", class, cfg("header", "h", "value.literal", "v"), sink(strKey, null))
	c.add(b, "empty header name", class, cfg("header", "", "value.literal", "v"), sink(strKey, person()))
	c.add(b, "config: no header", class, cfg("value.literal", "v"), sink(strKey, person()))
	c.add(b, "config: no value.literal", class, cfg("header", "h"), sink(strKey, person()))
}
