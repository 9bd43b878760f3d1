package transforms

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

func TestDropHeadersSpec(t *testing.T) {
	ktSpecJSON(t, dropHeadersClass, `[{"name":"headers","type":"LIST","required":true,"default_value":null,"importance":"HIGH","documentation":"The name of the headers to be removed.","group":null,"width":"NONE","display_name":"headers","dependents":[],"order":-1}]`)
	if got := ktConfigError(t, dropHeadersClass, map[string]string{"headers": ""}); got != "Invalid value [] for configuration headers: Empty list" {
		t.Errorf("empty list: %q", got)
	}
}

// TestDropHeaders is Kafka's DropHeadersTest.
func TestDropHeaders(t *testing.T) {
	h := func(key, value string) connector.Header {
		return connector.Header{Key: key, Schema: ktString, Value: value}
	}
	existing := h("existing", "existing-value")
	for _, tc := range []struct {
		name    string
		headers []connector.Header
	}{
		{"existing header", []connector.Header{existing, h("to-drop", "existing-value")}},
		{"several values", []connector.Header{existing, h("to-drop", "existing-value"), h("to-drop", "existing-other-value")}},
		{"no such header", []connector.Header{existing}},
	} {
		tr := ktNewTransformation(t, dropHeadersClass, map[string]string{"headers": "to-drop"})
		rec := ktSinkRecord(nil, "key", nil, "value")
		rec.Headers = tc.headers
		out := ktMustApply(t, tr, rec)
		if !reflect.DeepEqual(out.Headers, []connector.Header{existing}) {
			t.Errorf("%s: headers %v", tc.name, out.Headers)
		}
		if out.Key != "key" || out.Value != "value" || out.Topic != rec.Topic || out.Timestamp != rec.Timestamp {
			t.Errorf("%s: record changed: %+v", tc.name, out)
		}
	}
	// Several names.
	tr := ktNewTransformation(t, dropHeadersClass, map[string]string{"headers": "a, b"})
	rec := ktSinkRecord(nil, nil, nil, nil)
	rec.Headers = []connector.Header{h("a", "1"), h("c", "2"), h("b", "3")}
	if out := ktMustApply(t, tr, rec); !reflect.DeepEqual(out.Headers, []connector.Header{h("c", "2")}) {
		t.Errorf("headers %v", out.Headers)
	}
}
