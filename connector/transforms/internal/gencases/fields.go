package main

// genExtractField: Kafka's ExtractFieldTest (schemaless and struct, nested paths with field.syntax.version V2,
// defaults, unknown fields) and the errors.
func genExtractField(c *corpus) {
	const b = "ExtractField"
	v2 := func(field string, kv ...string) map[string]string {
		return cfg(append([]string{"field", field, "field.syntax.version", "V2"}, kv...)...)
	}
	c.both(b, "schemaless field", cfg("field", "name"), slFlat(), sink)
	c.both(b, "schemaless number field", cfg("field", "age"), slFlat(), sink)
	c.both(b, "schemaless null field", cfg("field", "nothing"), slFlat(), sink)
	c.both(b, "schemaless absent field", cfg("field", "absent"), slFlat(), sink)
	c.both(b, "schemaless map field", cfg("field", "address"), slNested(), sink)
	c.both(b, "schemaless array field", cfg("field", "tags"), slNested(), sink)
	c.both(b, "schemaless dotted name in V1 is one name", cfg("field", "address.city"), slNested(), sink)
	c.both(b, "schemaless dotted key in V1", cfg("field", "a.b"), sl(o("a.b", 1, "a", o("b", 2))), sink)
	c.both(b, "schemaless nested V2", v2("address.city"), slNested(), sink)
	c.both(b, "schemaless nested V2 two levels", v2("address.geo.lat"), slNested(), sink)
	c.both(b, "schemaless nested V2 absent", v2("address.zip"), slNested(), sink)
	c.both(b, "schemaless nested V2 through a null", v2("missing.x"), slNested(), sink)
	c.both(b, "schemaless nested V2 through a string", v2("id.x"), slNested(), sink)
	c.both(b, "schemaless V2 backticks", v2("`a.b`"), sl(o("a.b", 1, "a", o("b", 2))), sink)
	c.both(b, "schemaless V2 lower-case version", cfg("field", "a.b", "field.syntax.version", "v2"), sl(o("a.b", 1, "a", o("b", 2))), sink)
	c.both(b, "schemaless V2 backticks then nested", v2("`x.y`.z"), sl(o("x.y", o("z", "deep"))), sink)
	c.both(b, "schemaless V2 trailing dot", v2("a."), sl(o("a", o("", "empty-name"))), sink)
	c.both(b, "schemaless null value", cfg("field", "name"), null, sink)
	c.both(b, "schemaless string value", cfg("field", "name"), sl("text"), sink)
	c.both(b, "schemaless array value", cfg("field", "name"), sl([]any{1}), sink)
	c.both(b, "struct field", cfg("field", "name"), person(), sink)
	c.both(b, "struct optional null field", cfg("field", "nick"), person(), sink)
	c.both(b, "struct nested struct field", cfg("field", "address"), nested(), sink)
	c.both(b, "struct array field", cfg("field", "tags"), nested(), sink)
	c.both(b, "struct map field", cfg("field", "codes"), withMap(), sink)
	c.both(b, "struct logical field", cfg("field", "dec"), logical(), sink)
	c.both(b, "struct date field", cfg("field", "date"), logical(), sink)
	c.both(b, "struct default replaced", cfg("field", "opt_int"), defaults(), sink)
	c.both(b, "struct default kept null", cfg("field", "opt_int", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "struct set field with default", cfg("field", "set_int", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "struct unknown field", cfg("field", "nonexistent"), person(), sink)
	c.both(b, "struct nested V2", v2("address.city"), nested(), sink)
	c.both(b, "struct nested V2 two levels", v2("address.geo.lon"), nested(), sink)
	c.both(b, "struct nested V2 unknown", v2("address.zip"), nested(), sink)
	c.both(b, "struct nested V1 is one name", cfg("field", "address.city"), nested(), sink)
	c.both(b, "struct nested V2 through an optional null to an optional field", v2("inner.b"), optionalNested(), sink)
	c.both(b, "struct nested V2 through a primitive", v2("id.x"), nested(), sink)
	c.both(b, "struct nested V2 default kept null", v2("opt_int", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "optional struct null value", cfg("field", "nick"), sOptStructNull(), sink)
	c.both(b, "primitive with a schema", cfg("field", "name"), sInt32(1), sink)
	c.both(b, "config: no field", cfg(), person(), sink)
	c.both(b, "config: bad syntax version", cfg("field", "a", "field.syntax.version", "V3"), person(), sink)
	c.both(b, "config: incomplete backtick", v2("`foo"), person(), sink)
	c.both(b, "config: escaped closing backtick", v2("`foo\\`"), person(), sink)
	c.both(b, "config: bad replace.null.with.default", cfg("field", "a", "replace.null.with.default", "1"), person(), sink)
}

// genFilter: Filter drops whatever it gets.
func genFilter(c *corpus) {
	const b, class = "Filter", tp + "Filter"
	c.add(b, "sink record", class, cfg(), sink(strKey, person()))
	c.add(b, "source record", class, cfg(), source(null, slFlat()))
	c.add(b, "tombstone", class, cfg(), sink(strKey, null))
	c.add(b, "unknown config keys are ignored", class, cfg("foo", "bar"), sink(strKey, nested()))
	c.add(b, "no timestamp or partition", class, cfg(), source(null, sString("v")).withTimestamp(nil).withPartition(nil))
}

// genFlatten: Kafka's FlattenTest (nested structs and maps, delimiters, optional and default parents, arrays
// untouched, maps refused with schemas) and the errors.
func genFlatten(c *corpus) {
	const b = "Flatten"
	c.both(b, "schemaless nested", cfg(), slNested(), sink)
	c.both(b, "schemaless delimiter _", cfg("delimiter", "_"), slNested(), sink)
	c.both(b, "schemaless long delimiter", cfg("delimiter", "->"), slNested(), sink)
	c.both(b, "schemaless empty delimiter", cfg("delimiter", ""), slNested(), sink)
	c.both(b, "schemaless flat", cfg(), slFlat(), sink)
	c.both(b, "schemaless deep", cfg(), sl(o("a", o("b", o("c", o("d", 1, "e", nil))), "f", []any{o("g", 1)})), sink)
	c.both(b, "schemaless empty map", cfg(), sl(o()), sink)
	c.both(b, "schemaless null value", cfg(), null, sink)
	c.both(b, "schemaless string value", cfg(), sl("text"), sink)
	c.both(b, "schemaless array value", cfg(), sl([]any{o("a", 1)}), sink)
	c.both(b, "struct nested", cfg(), nested(), sink)
	c.both(b, "struct delimiter _", cfg("delimiter", "_"), nested(), sink)
	c.both(b, "struct flat", cfg(), person(), sink)
	c.both(b, "struct every type", cfg(), allTypes(), sink)
	c.both(b, "struct logical", cfg(), logical(), sink)
	c.both(b, "struct arrays", cfg(), arrays(), sink)
	c.both(b, "struct defaults", cfg(), defaults(), sink)
	c.both(b, "struct optional nested null", cfg(), optionalNested(), sink)
	c.both(b, "struct optional nested set", cfg(), with(optionalNestedSchema(), o("id", 5, "inner", o("a", 1, "b", "x"))), sink)
	c.both(b, "struct with a map field", cfg(), withMap(), sink)
	c.both(b, "struct name clash", cfg(), with(structOf(f("a_b", prim("int32")), f("a", structOf(f("b", prim("int32"))))),
		o("a_b", 1, "a", o("b", 2))), sink)
	c.both(b, "struct name clash with delimiter", cfg("delimiter", "_"), with(structOf(f("a_b", prim("int32")), f("a", structOf(f("b", prim("int32"))))),
		o("a_b", 1, "a", o("b", 2))), sink)
	// Struct defaults (Kafka's testOptionalAndDefaultValuesNested) are left out: JsonConverter cannot read a
	// struct schema with a default ("Invalid default value").
	optParents := structOf(
		f("req", structOf(f("x", prim("int32").opt().withDefault(1)), f("y", prim("string").opt())).opt()),
		f("plain", structOf(f("z", prim("boolean"))).opt()),
	).named("com.example.Parent", 1).withDoc("parent doc", "p", "v")
	c.both(b, "struct optional parents null", cfg(), with(optParents, o("req", nil, "plain", nil)), sink)
	c.both(b, "struct optional parents set", cfg(), with(optParents, o("req", o("x", nil, "y", "set"), "plain", o("z", true))), sink)
	c.both(b, "optional struct null value", cfg(), sOptStructNull(), sink)
	c.both(b, "primitive with a schema", cfg(), sInt32(1), sink)
	c.both(b, "empty struct", cfg(), with(structOf(), o()), sink)
}

// genHoistField: Kafka's HoistFieldTest and every kind of value.
func genHoistField(c *corpus) {
	const b = "HoistField"
	fc := cfg("field", "magic")
	c.both(b, "schemaless number", fc, sl(42), sink)
	c.both(b, "schemaless string", fc, sl("text"), sink)
	c.both(b, "schemaless map", fc, slFlat(), sink)
	c.both(b, "schemaless array", fc, sl([]any{1, "a", nil}), sink)
	c.both(b, "schemaless null", fc, null, sink)
	c.both(b, "int32 with a schema", fc, sInt32(42), sink)
	c.both(b, "string with a schema", fc, sString("text"), sink)
	c.both(b, "bytes with a schema", fc, sBytes("raw"), sink)
	c.both(b, "struct", fc, person(), sink)
	c.both(b, "nested struct", fc, nested(), sink)
	c.both(b, "array with a schema", fc, with(arrayOf(prim("int64")), []any{1, 2}), sink)
	c.both(b, "map with a schema", fc, with(mapOf(prim("int32"), prim("string")), []any{[]any{1, "a"}}), sink)
	c.both(b, "decimal", fc, sDecimal(2, -5), sink)
	c.both(b, "timestamp", fc, sTimestamp(defaultTimestamp), sink)
	c.both(b, "optional null", fc, sOptInt32Null(), sink)
	c.both(b, "optional struct null", fc, sOptStructNull(), sink)
	c.both(b, "optional with default", fc, with(prim("string").opt().withDefault("d"), nil), sink)
	c.both(b, "source record", cfg("field", "wrapped"), person(), source)
	c.both(b, "empty field name", cfg("field", ""), sInt32(1), sink)
	c.both(b, "config: no field", cfg(), sInt32(1), sink)
}

// genInsertField: Kafka's InsertFieldTest (topic, partition, offset, timestamp and static fields, ! and ?
// suffixes, schemaless and struct) and the errors.
func genInsertField(c *corpus) {
	const b = "InsertField"
	all := cfg("topic.field", "topic_field!", "partition.field", "partition_field", "offset.field", "offset_field",
		"timestamp.field", "timestamp_field?", "static.field", "instance_id", "static.value", "my-instance-id")
	noOffset := cfg("topic.field", "topic_field!", "partition.field", "partition_field",
		"timestamp.field", "timestamp_field?", "static.field", "instance_id", "static.value", "my-instance-id")
	c.both(b, "every field into a struct", all, person(), sink)
	c.both(b, "every field into a map", all, slFlat(), sink)
	c.both(b, "every field into an empty struct", all, with(structOf(), o()), sink)
	c.both(b, "every field into an empty map", all, sl(o()), sink)
	c.both(b, "offset of a source record", all, person(), source)
	c.both(b, "offset of a schemaless source record", all, slFlat(), source)
	c.both(b, "source record without offset field", noOffset, person(), source)
	c.both(b, "schemaless source record without offset field", noOffset, slFlat(), source)
	c.both(b, "no timestamp into a struct", noOffset, person(), func(k, v env) rec { return source(k, v).withTimestamp(nil) })
	c.both(b, "no timestamp into a map", noOffset, slFlat(), func(k, v env) rec { return source(k, v).withTimestamp(nil) })
	c.both(b, "no partition into a map", noOffset, slFlat(), func(k, v env) rec { return source(k, v).withPartition(nil) })
	c.both(b, "no partition into a struct, optional field", cfg("partition.field", "p?"), person(), func(k, v env) rec { return source(k, v).withPartition(nil) })
	c.both(b, "topic only, required", cfg("topic.field", "t!"), person(), sink)
	c.both(b, "topic only, optional", cfg("topic.field", "t?"), person(), sink)
	c.both(b, "topic only, no suffix", cfg("topic.field", "t"), nested(), sink)
	c.both(b, "offset only, required", cfg("offset.field", "off!"), defaults(), sink)
	c.both(b, "timestamp only, required", cfg("timestamp.field", "inserted_ts!"), logical(), sink)
	c.both(b, "static only", cfg("static.field", "s", "static.value", "v"), arrays(), sink)
	c.both(b, "static into a map", cfg("static.field", "s!", "static.value", "v"), slNested(), sink)
	c.both(b, "field name clash with a struct field", cfg("topic.field", "name"), person(), sink)
	c.both(b, "field name clash in a map overwrites", cfg("topic.field", "name"), slFlat(), sink)
	c.both(b, "defaults replaced", cfg("topic.field", "t"), defaults(), sink)
	c.both(b, "defaults kept null", cfg("topic.field", "t", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "schemaless null value", all, null, sink)
	c.both(b, "optional struct null value", all, sOptStructNull(), sink)
	c.both(b, "schemaless string value", all, sl("text"), sink)
	c.both(b, "primitive with a schema", all, sInt32(1), sink)
	c.both(b, "named struct keeps its name", cfg("static.field", "s", "static.value", "v"),
		with(personSchema().withDoc("people", "owner", "hr"), o("name", "a", "age", 1, "score", nil, "active", true, "nick", nil)), sink)
	c.both(b, "config: nothing to insert", cfg(), person(), sink)
	c.both(b, "config: only replace.null.with.default", cfg("replace.null.with.default", "false"), person(), sink)
	c.both(b, "config: static value without field", cfg("static.value", "v"), person(), sink)
}

// genMaskField: Kafka's MaskFieldTest (every type, replacements, defaults) and the errors.
func genMaskField(c *corpus) {
	const b = "MaskField"
	c.both(b, "schemaless every kind", cfg("fields", "name,age,score,active,nothing"), slFlat(), sink)
	c.both(b, "schemaless nested map and array", cfg("fields", "address,tags,empty"), slNested(), sink)
	c.both(b, "schemaless absent field becomes null", cfg("fields", "absent"), slFlat(), sink)
	c.both(b, "schemaless numeric replacement", cfg("fields", "age,score", "replacement", "123"), slFlat(), sink)
	c.both(b, "schemaless string replacement", cfg("fields", "name", "replacement", "***"), slFlat(), sink)
	c.both(b, "schemaless replacement of a boolean", cfg("fields", "active", "replacement", "x"), slFlat(), sink)
	c.both(b, "schemaless replacement not a number", cfg("fields", "age", "replacement", "abc"), slFlat(), sink)
	c.both(b, "schemaless decimal replacement of a long", cfg("fields", "age", "replacement", "12.5"), slFlat(), sink)
	c.both(b, "schemaless replacement of a map", cfg("fields", "address", "replacement", "x"), slNested(), sink)
	c.both(b, "schemaless null value", cfg("fields", "a"), null, sink)
	c.both(b, "schemaless string value", cfg("fields", "a"), sl("text"), sink)
	c.both(b, "struct every type", cfg("fields", "int8,int16,int32,int64,float32,float64,boolean,string"), allTypes(), sink)
	c.both(b, "struct bytes", cfg("fields", "bytes"), allTypes(), sink)
	c.both(b, "struct numeric replacement", cfg("fields", "int8,int16,int32,int64,float32,float64", "replacement", "123"), allTypes(), sink)
	c.both(b, "struct decimal replacement", cfg("fields", "float64", "replacement", "-1.5"), allTypes(), sink)
	c.both(b, "struct string replacement", cfg("fields", "string", "replacement", "masked"), allTypes(), sink)
	c.both(b, "struct int8 replacement out of range", cfg("fields", "int8", "replacement", "300"), allTypes(), sink)
	c.both(b, "struct replacement of a boolean", cfg("fields", "boolean", "replacement", "true"), allTypes(), sink)
	// Masking a Decimal gives BigDecimal.ZERO, whose scale (0) no Decimal schema of another scale accepts: the
	// result cannot be written, so the Decimal is masked only at scale 0.
	c.both(b, "struct logical", cfg("fields", "date,time,ts,opt_ts"), logical(), sink)
	c.both(b, "struct decimal of scale 0", cfg("fields", "dec"), with(structOf(f("dec", decS(0))), o("dec", dec(77))), sink)
	c.both(b, "struct decimal replacement of a decimal", cfg("fields", "dec", "replacement", "9.99"), logical(), sink)
	c.both(b, "struct array and nested", cfg("fields", "tags"), nested(), sink)
	c.both(b, "struct nested struct", cfg("fields", "address"), nested(), sink)
	c.both(b, "struct maps", cfg("fields", "attrs,codes"), withMap(), sink)
	c.both(b, "struct arrays", cfg("fields", "ints,points,matrix,maybe"), arrays(), sink)
	c.both(b, "struct null optional field", cfg("fields", "nick,score"), person(), sink)
	c.both(b, "struct defaults replaced", cfg("fields", "opt_int,opt_str,set_int"), defaults(), sink)
	c.both(b, "struct defaults kept null", cfg("fields", "opt_int,opt_str,set_int", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "struct absent field", cfg("fields", "absent"), person(), sink)
	c.both(b, "optional struct null value", cfg("fields", "name"), sOptStructNull(), sink)
	c.both(b, "primitive with a schema", cfg("fields", "name"), sInt32(1), sink)
	c.both(b, "config: no fields", cfg(), person(), sink)
	c.both(b, "config: empty fields", cfg("fields", ""), person(), sink)
	c.both(b, "config: empty replacement", cfg("fields", "name", "replacement", ""), person(), sink)
}

// genReplaceField: Kafka's ReplaceFieldTest (exclude, include, renames, the deprecated blacklist and
// whitelist, defaults) and the errors.
func genReplaceField(c *corpus) {
	const b = "ReplaceField"
	c.both(b, "schemaless exclude", cfg("exclude", "age,nothing"), slFlat(), sink)
	c.both(b, "schemaless include", cfg("include", "name,age"), slFlat(), sink)
	c.both(b, "schemaless include wins nothing over exclude", cfg("include", "name,age", "exclude", "age"), slFlat(), sink)
	c.both(b, "schemaless renames", cfg("renames", "name:full_name,age:years"), slFlat(), sink)
	c.both(b, "schemaless rename onto an existing key", cfg("renames", "name:age"), sl(o("name", "x", "other", 1)), sink)
	c.both(b, "schemaless rename and include", cfg("include", "name", "renames", "name:n"), slFlat(), sink)
	c.both(b, "schemaless include absent", cfg("include", "absent"), slFlat(), sink)
	c.both(b, "schemaless nested untouched", cfg("exclude", "address.city"), slNested(), sink)
	c.both(b, "schemaless blacklist", cfg("blacklist", "name"), slFlat(), sink)
	c.both(b, "schemaless whitelist", cfg("whitelist", "name"), slFlat(), sink)
	c.both(b, "schemaless nothing configured", cfg(), slFlat(), sink)
	c.both(b, "schemaless null value", cfg("exclude", "a"), null, sink)
	c.both(b, "schemaless string value", cfg("exclude", "a"), sl("text"), sink)
	c.both(b, "struct exclude", cfg("exclude", "age,nick"), person(), sink)
	c.both(b, "struct include", cfg("include", "name,active"), person(), sink)
	c.both(b, "struct include and exclude", cfg("include", "name,active", "exclude", "active"), person(), sink)
	c.both(b, "struct renames", cfg("renames", "name:full_name,age:years"), person(), sink)
	c.both(b, "struct rename to a field's name", cfg("renames", "name:age"), person(), sink)
	c.both(b, "struct swap names", cfg("renames", "name:age,age:name"), with(structOf(f("name", prim("string")), f("age", prim("string"))), o("name", "n", "age", "a")), sink)
	c.both(b, "struct rename and exclude the old name", cfg("exclude", "name", "renames", "name:n"), person(), sink)
	c.both(b, "struct include by old name", cfg("include", "name", "renames", "name:n"), person(), sink)
	c.both(b, "struct nested untouched", cfg("renames", "address:addr", "exclude", "tags"), nested(), sink)
	c.both(b, "struct logical", cfg("exclude", "time", "renames", "dec:amount"), logical(), sink)
	c.both(b, "struct defaults replaced", cfg("renames", "opt_int:a,opt_str:b"), defaults(), sink)
	c.both(b, "struct defaults kept null", cfg("renames", "opt_int:a,opt_str:b", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "struct blacklist and whitelist", cfg("blacklist", "age", "whitelist", "name,age"), person(), sink)
	c.both(b, "struct nothing configured", cfg(), person(), sink)
	c.both(b, "struct everything excluded", cfg("exclude", "name,age,score,active,nick"), person(), sink)
	c.both(b, "optional struct null value", cfg("exclude", "name"), sOptStructNull(), sink)
	c.both(b, "primitive with a schema", cfg("exclude", "a"), sInt32(1), sink)
	c.both(b, "config: rename without colon", cfg("renames", "abc"), person(), sink)
	c.both(b, "config: rename with two colons", cfg("renames", "a:b:c"), person(), sink)
	c.both(b, "config: rename with empty target", cfg("renames", "a:"), person(), sink)
	c.both(b, "config: bad replace.null.with.default", cfg("replace.null.with.default", "no"), person(), sink)
}

// genSetSchemaMetadata: Kafka's SetSchemaMetadataTest (name, version, both, struct values rebuilt, defaults)
// and the errors.
func genSetSchemaMetadata(c *corpus) {
	const b = "SetSchemaMetadata"
	c.both(b, "name of a struct", cfg("schema.name", "foo"), person(), sink)
	c.both(b, "version of a struct", cfg("schema.version", "42"), person(), sink)
	c.both(b, "name and version of a struct", cfg("schema.name", "foo", "schema.version", "42"), nested(), sink)
	c.both(b, "name of an int32", cfg("schema.name", "foo"), sInt32(5), sink)
	c.both(b, "version of a string", cfg("schema.version", "3"), sString("s"), sink)
	c.both(b, "version of an unnamed map", cfg("schema.version", "1"), with(mapOf(prim("string"), prim("int32")), o("a", 1)), sink)
	c.both(b, "name of an int-keyed map", cfg("schema.name", "m"), with(mapOf(prim("int32"), prim("string")), []any{[]any{1, "a"}}), sink)
	c.both(b, "name of an array", cfg("schema.name", "arr", "schema.version", "2"), with(arrayOf(prim("string")), []any{"x"}), sink)
	c.both(b, "doc and parameters kept", cfg("schema.version", "9"), with(prim("string").withDoc("a doc", "p1", "v1", "p2", "v2"), "s"), sink)
	c.both(b, "optional with default kept", cfg("schema.name", "n"), with(prim("int64").opt().withDefault(3), nil), sink)
	c.both(b, "struct defaults replaced", cfg("schema.name", "d"), defaults(), sink)
	c.both(b, "struct defaults kept null", cfg("schema.name", "d", "replace.null.with.default", "false"), defaults(), sink)
	c.both(b, "struct logical", cfg("schema.version", "5"), logical(), sink)
	c.both(b, "struct with arrays", cfg("schema.name", "a"), arrays(), sink)
	c.both(b, "optional struct null", cfg("schema.name", "foo"), sOptStructNull(), sink)
	c.both(b, "schemaless null", cfg("schema.name", "foo"), null, sink)
	c.both(b, "schemaless map", cfg("schema.name", "foo"), slFlat(), sink)
	c.both(b, "schemaless string", cfg("schema.version", "1"), sl("text"), sink)
	c.both(b, "negative version", cfg("schema.version", "-1"), sInt32(1), sink)
	c.both(b, "empty name", cfg("schema.name", ""), sInt32(1), sink)
	c.both(b, "config: neither", cfg(), person(), sink)
	c.both(b, "config: version not a number", cfg("schema.version", "abc"), person(), sink)
	c.both(b, "config: version too large", cfg("schema.version", "3000000000"), person(), sink)
}

// genValueToKey: Kafka's ValueToKeyTest and the errors.
func genValueToKey(c *corpus) {
	const b, class = "ValueToKey", tp + "ValueToKey"
	add := func(name string, config map[string]string, val env) {
		c.add(b, name, class, config, sink(strKey, val))
	}
	add("schemaless two fields", cfg("fields", "name,age"), slFlat())
	add("schemaless absent field is null", cfg("fields", "name,absent"), slFlat())
	add("schemaless nested map", cfg("fields", "address"), slNested())
	add("schemaless repeated field", cfg("fields", "name,name"), slFlat())
	add("schemaless null value", cfg("fields", "a"), null)
	add("schemaless string value", cfg("fields", "a"), sl("text"))
	add("struct two fields", cfg("fields", "name,age"), person())
	add("struct field order follows the config", cfg("fields", "active,name"), person())
	add("struct nested struct", cfg("fields", "address,id"), nested())
	add("struct logical", cfg("fields", "ts,dec"), logical())
	add("struct map fields", cfg("fields", "attrs,codes"), withMap())
	add("struct defaults replaced", cfg("fields", "opt_int,set_int"), defaults())
	add("struct defaults kept null", cfg("fields", "opt_int,set_int", "replace.null.with.default", "false"), defaults())
	add("struct absent field", cfg("fields", "name,absent"), person())
	add("struct null optional field", cfg("fields", "nick"), person())
	add("struct repeated field", cfg("fields", "name,name"), person())
	add("optional struct null value", cfg("fields", "name"), sOptStructNull())
	add("primitive with a schema", cfg("fields", "a"), sInt32(1))
	c.add(b, "schemaless key replaced", class, cfg("fields", "name"), source(with(personSchema(), o("name", "k", "age", 1, "score", nil, "active", true, "nick", nil)), slFlat()))
	c.add(b, "struct source record", class, cfg("fields", "age"), source(sl(o("k", 1)), person()))
	add("config: no fields", cfg(), person())
	add("config: empty fields", cfg("fields", ""), person())
}
