package transforms

import (
	"strings"
	"testing"
)

func TestRegexRouterSpec(t *testing.T) {
	ktSpecJSON(t, regexRouterClass, `[{"name":"regex","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Regular expression to use for matching.","group":null,"width":"NONE","display_name":"regex","dependents":[],"order":-1},{"name":"replacement","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Replacement string.","group":null,"width":"NONE","display_name":"replacement","dependents":[],"order":-1}]`)
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{"regex": "(", "replacement": "x"},
			"Invalid value ( for configuration regex: Invalid regex: Unclosed group near index 1\n("},
		{map[string]string{"regex": "foo"}, `Missing required configuration "replacement" which has no default value.`},
	} {
		if got := ktConfigError(t, regexRouterClass, tc.config); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.config, got, tc.want)
		}
	}
	// A Java pattern RE2 cannot run is refused with the construct named.
	got := ktConfigError(t, regexRouterClass, map[string]string{"regex": "(a)\\1", "replacement": "x"})
	if want := "Invalid value (a)\\1 for configuration regex: Invalid regex: backreference \\1 near index 3 is not supported"; !strings.HasPrefix(got, want) {
		t.Errorf("backreference: %q", got)
	}
}

// TestRegexRouter is Kafka's RegexRouterTest.
func TestRegexRouter(t *testing.T) {
	for _, tc := range []struct{ regex, replacement, topic, want string }{
		{"foo", "bar", "foo", "bar"},
		{"foo", "bar", "orig", "orig"},
		{"(.*)", "$1", "orig", "orig"},
		{"(.*)", "prefix-$1", "orig", "prefix-orig"},
		{"(.*)", "$1-suffix", "orig", "orig-suffix"},
		{"(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117", "index"},
		// The whole topic must match; then the first match is replaced (which may be shorter).
		{"a|ab", "X", "ab", "Xb"},
		{"foo", "bar", "foofoo", "foofoo"},
		// Java's $1x is group 1 then "x".
		{"(.*)", "$1x", "orig", "origx"},
		// Values are trimmed as Kafka's ConfigDef trims them.
		{" (.*) ", " $1-x ", "orig", "orig-x"},
	} {
		tr := ktNewTransformation(t, regexRouterClass, map[string]string{"regex": tc.regex, "replacement": tc.replacement})
		rec := ktSinkRecord(nil, "k", nil, "v")
		rec.Topic = tc.topic
		out := ktMustApply(t, tr, rec)
		if out.Topic != tc.want || out.Key != "k" || out.Value != "v" {
			t.Errorf("%q %q on %q: %q", tc.regex, tc.replacement, tc.topic, out.Topic)
		}
		if !strings.Contains(tc.regex, "(") && tc.want == tc.topic && out != rec {
			t.Errorf("%q on %q: a record that is not rerouted should be returned as is", tc.regex, tc.topic)
		}
	}
	tr := ktNewTransformation(t, regexRouterClass, map[string]string{"regex": "(.*)", "replacement": "$2"})
	rec := ktSinkRecord(nil, nil, nil, nil)
	if msg := ktApplyError(t, tr, rec, "java.lang.IndexOutOfBoundsException"); msg != "No group 2" {
		t.Errorf("error %q", msg)
	}
}
