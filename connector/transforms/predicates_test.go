package transforms

import (
	"testing"

	"github.com/connectd/connectd/connector"
)

func ktNewPredicate(t *testing.T, class string, config map[string]string) connector.Predicate {
	t.Helper()
	p, err := ktPlugin(t, class).NewPredicate(config)
	if err != nil {
		t.Fatalf("%s %v: %v", class, config, err)
	}
	return p
}

func TestPredicateSpecs(t *testing.T) {
	ktSpecJSON(t, hasHeaderKeyClass, `[{"name":"name","type":"STRING","required":true,"default_value":null,"importance":"MEDIUM","documentation":"The header name.","group":null,"width":"NONE","display_name":"name","dependents":[],"order":-1}]`)
	ktSpecJSON(t, recordIsTombstoneClass, `[]`)
	ktSpecJSON(t, topicNameMatchesClass, `[{"name":"pattern","type":"STRING","required":true,"default_value":null,"importance":"MEDIUM","documentation":"A Java regular expression for matching against the name of a record's topic.","group":null,"width":"NONE","display_name":"pattern","dependents":[],"order":-1}]`)
	for _, tc := range []struct {
		class  string
		config map[string]string
		want   string
	}{
		{hasHeaderKeyClass, map[string]string{}, `Missing required configuration "name" which has no default value.`},
		{hasHeaderKeyClass, map[string]string{"name": ""}, "Invalid value  for configuration name: String must be non-empty"},
		{topicNameMatchesClass, map[string]string{}, `Missing required configuration "pattern" which has no default value.`},
		{topicNameMatchesClass, map[string]string{"pattern": ""}, "Invalid value  for configuration pattern: String must be non-empty"},
		{topicNameMatchesClass, map[string]string{"pattern": "["},
			"Invalid value [ for configuration pattern: Invalid regex: Unclosed character class near index 0\n[\n^"},
		{topicNameMatchesClass, map[string]string{"pattern": "*"},
			"Invalid value * for configuration pattern: Invalid regex: Dangling meta character '*' near index 0\n*\n^"},
	} {
		if got := ktConfigError(t, tc.class, tc.config); got != tc.want {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.class, tc.config, got, tc.want)
		}
	}
}

// TestHasHeaderKey is Kafka's HasHeaderKeyTest.testTest.
func TestHasHeaderKey(t *testing.T) {
	p := ktNewPredicate(t, hasHeaderKeyClass, map[string]string{"name": "foo"})
	withHeaders := func(keys ...string) *connector.Record {
		rec := &connector.Record{}
		for _, k := range keys {
			rec.Headers = append(rec.Headers, connector.Header{Key: k})
		}
		return rec
	}
	for keys, want := range map[*[]string]bool{
		{"foo"}: true, {"foo", "bar"}: true, {"bar", "foo", "bar", "foo"}: true,
		{"bar"}: false, {"bar", "bar"}: false, {}: false,
	} {
		if got := p.Test(withHeaders(*keys...)); got != want {
			t.Errorf("headers %v: %v, want %v", *keys, got, want)
		}
	}
}

func TestRecordIsTombstone(t *testing.T) {
	p := ktNewPredicate(t, recordIsTombstoneClass, nil)
	if !p.Test(ktSinkRecord(nil, "k", nil, nil)) || !p.Test(ktSinkRecord(nil, nil, ktOptionalInt32, nil)) {
		t.Error("a null value is a tombstone")
	}
	if p.Test(ktSinkRecord(nil, nil, nil, "v")) || p.Test(ktSinkRecord(nil, nil, nil, map[string]any{})) {
		t.Error("a value is not a tombstone")
	}
}

// TestTopicNameMatches is Kafka's TopicNameMatchesTest.testTest.
func TestTopicNameMatches(t *testing.T) {
	p := ktNewPredicate(t, topicNameMatchesClass, map[string]string{"pattern": "my-prefix-.*"})
	for topic, want := range map[string]bool{
		"my-prefix-": true, "my-prefix-foo": true, "x-my-prefix-": false, "x-my-prefix-foo": false,
		"your-prefix-": false, "your-prefix-foo": false, "": false,
	} {
		if got := p.Test(&connector.Record{Topic: topic}); got != want {
			t.Errorf("%q: %v, want %v", topic, got, want)
		}
	}
}

// TestPredicateInChain runs Filter under each predicate, negated or not, through the registry's chain.
func TestPredicateInChain(t *testing.T) {
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	stages, err := r.TransformChain(map[string]string{
		"transforms":                          "dropTombstones,keepOnlyOrders",
		"transforms.dropTombstones.type":      filterClass,
		"transforms.dropTombstones.predicate": "tombstone",
		"transforms.keepOnlyOrders.type":      filterClass,
		"transforms.keepOnlyOrders.predicate": "orders",
		"transforms.keepOnlyOrders.negate":    "true",
		"predicates":                          "tombstone,orders",
		"predicates.tombstone.type":           recordIsTombstoneClass,
		"predicates.orders.type":              topicNameMatchesClass,
		"predicates.orders.pattern":           "orders-.*",
	})
	if err != nil || len(stages) != 2 {
		t.Fatalf("chain %v %v", stages, err)
	}
	run := func(rec *connector.Record) *connector.Record {
		for _, s := range stages {
			if rec, err = s.Apply(rec); err != nil || rec == nil {
				return rec
			}
		}
		return rec
	}
	if got := run(&connector.Record{Topic: "orders-eu", Value: "v"}); got == nil {
		t.Error("an order was dropped")
	}
	if got := run(&connector.Record{Topic: "orders-eu"}); got != nil {
		t.Error("a tombstone was kept")
	}
	if got := run(&connector.Record{Topic: "payments", Value: "v"}); got != nil {
		t.Error("a record of another topic was kept")
	}
}
