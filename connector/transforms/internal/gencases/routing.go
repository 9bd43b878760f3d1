package main

// genRegexRouter: Kafka's RegexRouterTest and replacement syntax.
func genRegexRouter(c *corpus) {
	const b, class = "RegexRouter", tp + "RegexRouter"
	for _, tc := range []struct{ name, regex, repl, topic string }{
		{"static match", "foo", "bar", "foo"},
		{"static no match", "foo", "bar", "orig"},
		{"identity", "(.*)", "$1", "orig"},
		{"prefix", "(.*)", "prefix-$1", "orig"},
		{"suffix", "(.*)", "$1-suffix", "orig"},
		{"slice", "(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117"},
		{"swap groups", "(\\w+)\\.(\\w+)", "$2.$1", "left.right"},
		{"partial match does not count", "foo", "bar", "foobar"},
		{"anchors", "^a(.*)z$", "A$1Z", "abcz"},
		{"named group", "(?<name>[a-z]+)-\\d+", "${name}", "orders-17"},
		{"escaped dollar", "(.*)", "\\$$1", "t"},
		{"escaped backslash", "(.*)", "a\\\\$1", "t"},
		{"empty replacement", "(.*)", "", "t"},
		{"group zero", "t(.*)", "$0-$1", "topic"},
		{"case-insensitive flag", "(?i)ORDERS", "orders", "Orders"},
		{"dots and dashes", "([a-z]+)\\.([a-z]+)\\.v(\\d+)", "$1_$2_$3", "db.users.v2"},
		{"unicode topic", "(.*)", "$1-ü", "tópico"},
		{"missing group", "(.*)", "$2", "t"},
		{"dangling dollar", "(.*)", "$", "t"},
		{"unknown named group", "(.*)", "${nope}", "t"},
	} {
		c.add(b, tc.name, class, cfg("regex", tc.regex, "replacement", tc.repl), sink(strKey, person()).withTopic(tc.topic))
	}
	c.add(b, "source record", class, cfg("regex", "(.*)", "replacement", "$1-copy"), source(null, slFlat()))
	c.add(b, "tombstone", class, cfg("regex", "(.*)", "replacement", "$1-copy"), sink(strKey, null))
	c.add(b, "no partition or timestamp", class, cfg("regex", "(.*)", "replacement", "x-$1"), source(null, null).withPartition(nil).withTimestamp(nil))
	c.add(b, "config: no regex", class, cfg("replacement", "x"), sink(strKey, person()))
	c.add(b, "config: no replacement", class, cfg("regex", "x"), sink(strKey, person()))
	c.add(b, "config: unclosed group", class, cfg("regex", "(", "replacement", "x"), sink(strKey, person()))
	c.add(b, "config: dangling quantifier", class, cfg("regex", "*abc", "replacement", "x"), sink(strKey, person()))
}

// genTimestampRouter: Kafka's TimestampRouterTest, formats and a missing timestamp.
func genTimestampRouter(c *corpus) {
	const b, class = "TimestampRouter", tp + "TimestampRouter"
	// 2017-01-03T00:00:00Z, Kafka's test record.
	const jan3 = int64(1483425001864)
	r := func(ts int64) rec { return sink(strKey, person()).withTopic("test").withTimestamp(ptr(ts)) }
	c.add(b, "defaults", class, cfg(), r(jan3))
	c.add(b, "defaults now", class, cfg(), r(defaultTimestamp))
	c.add(b, "topic format", class, cfg("topic.format", "prefix_${topic}_suffix"), r(jan3))
	c.add(b, "topic twice", class, cfg("topic.format", "${topic}.${topic}"), r(jan3))
	c.add(b, "timestamp only", class, cfg("topic.format", "${timestamp}"), r(jan3))
	c.add(b, "no placeholders", class, cfg("topic.format", "fixed"), r(jan3))
	c.add(b, "timestamp format with time", class, cfg("timestamp.format", "yyyy-MM-dd'T'HH:mm:ss.SSS"), r(defaultTimestamp))
	c.add(b, "timestamp format with hour", class, cfg("timestamp.format", "yyyyMMddHH"), r(defaultTimestamp))
	c.add(b, "timestamp format with zone", class, cfg("timestamp.format", "yyyy-MM-dd z"), r(defaultTimestamp))
	c.add(b, "timestamp format with text", class, cfg("timestamp.format", "EEE dd MMM yyyy"), r(defaultTimestamp))
	c.add(b, "timestamp format week and day of year", class, cfg("timestamp.format", "YYYY-ww-DDD"), r(defaultTimestamp))
	c.add(b, "epoch", class, cfg(), r(0))
	c.add(b, "before the epoch", class, cfg("timestamp.format", "yyyy-MM-dd HH:mm:ss"), r(-1))
	c.add(b, "topic with dollar and backslash", class, cfg(), r(jan3).withTopic("a$b\\c"))
	c.add(b, "unknown placeholder kept", class, cfg("topic.format", "${topic}-${other}"), r(jan3))
	c.add(b, "source record", class, cfg(), source(null, slFlat()).withTimestamp(ptr(jan3)))
	c.add(b, "missing timestamp on a source record", class, cfg(), source(null, null).withTimestamp(nil).withHeaders())
	c.add(b, "missing timestamp on a sink record", class, cfg(), sink(sString("k"), sInt32(5)).withTimestamp(nil).withHeaders())
	c.add(b, "invalid timestamp format fails on apply", class, cfg("timestamp.format", "bad"), r(jan3))
}

// genPredicates: the three predicates of Kafka 3.9.
func genPredicates(c *corpus) {
	const b = "Predicates"
	hh, tomb, tnm := pp+"HasHeaderKey", pp+"RecordIsTombstone", pp+"TopicNameMatches"
	hs := []header{{"a", sString("x")}, {"b", null}, {"a", sInt32(2)}}
	r := sink(strKey, person()).withHeaders(hs...)
	c.add(b, "HasHeaderKey: present", hh, cfg("name", "a"), r)
	c.add(b, "HasHeaderKey: present with a null value", hh, cfg("name", "b"), r)
	c.add(b, "HasHeaderKey: absent", hh, cfg("name", "c"), r)
	c.add(b, "HasHeaderKey: case-sensitive", hh, cfg("name", "A"), r)
	c.add(b, "HasHeaderKey: not trimmed", hh, cfg("name", " a"), r)
	c.add(b, "HasHeaderKey: no headers", hh, cfg("name", "a"), r.withHeaders())
	c.add(b, "HasHeaderKey: source record", hh, cfg("name", "trace"), source(null, null))
	c.add(b, "HasHeaderKey: config: no name", hh, cfg(), r)
	c.add(b, "HasHeaderKey: config: empty name", hh, cfg("name", ""), r)

	c.add(b, "RecordIsTombstone: schemaless null value", tomb, cfg(), sink(strKey, null))
	c.add(b, "RecordIsTombstone: optional struct null value", tomb, cfg(), sink(strKey, sOptStructNull()))
	c.add(b, "RecordIsTombstone: struct value", tomb, cfg(), sink(strKey, person()))
	c.add(b, "RecordIsTombstone: null key, value set", tomb, cfg(), source(null, sString("v")))
	c.add(b, "RecordIsTombstone: false value", tomb, cfg(), sink(null, sBool(false)))
	c.add(b, "RecordIsTombstone: empty string value", tomb, cfg(), sink(null, sl("")))
	c.add(b, "RecordIsTombstone: zero value", tomb, cfg(), sink(null, sl(0)))
	c.add(b, "RecordIsTombstone: empty map value", tomb, cfg(), sink(null, sl(o())))
	c.add(b, "RecordIsTombstone: config keys ignored", tomb, cfg("x", "y"), source(null, null))

	for _, tc := range []struct {
		name, pattern, topic string
	}{
		{"matches", "test-.*", "test-topic"},
		{"no match", "test-.*", "prod-topic"},
		{"whole name must match", "foo", "foobar"},
		{"prefix anchor", "foo.*", "foobar"},
		{"case-sensitive", "Test-.*", "test-topic"},
		{"case-insensitive flag", "(?i)TEST-.*", "test-topic"},
		{"alternation", "a|b|test-topic", "test-topic"},
		{"character class", "[a-z]+-[0-9]{3}", "orders-123"},
		{"dot matches", "orders.v1", "ordersxv1"},
		{"escaped dot", "orders\\.v1", "ordersxv1"},
	} {
		c.add(b, "TopicNameMatches: "+tc.name, tnm, cfg("pattern", tc.pattern), sink(strKey, person()).withTopic(tc.topic))
	}
	c.add(b, "TopicNameMatches: source record", tnm, cfg("pattern", ".*"), source(null, null))
	c.add(b, "TopicNameMatches: config: no pattern", tnm, cfg(), r)
	c.add(b, "TopicNameMatches: config: empty pattern", tnm, cfg("pattern", ""), r)
	c.add(b, "TopicNameMatches: config: unclosed class", tnm, cfg("pattern", "["), r)
	c.add(b, "TopicNameMatches: config: unclosed group", tnm, cfg("pattern", "(a"), r)
}
