package transforms

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

func TestInsertHeaderSpec(t *testing.T) {
	ktSpecJSON(t, insertHeaderClass, `[{"name":"header","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"The name of the header.","group":null,"width":"NONE","display_name":"header","dependents":[],"order":-1},{"name":"value.literal","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"The literal value that is to be set as the header value on all records.","group":null,"width":"NONE","display_name":"value.literal","dependents":[],"order":-1}]`)
	if got := ktConfigError(t, insertHeaderClass, map[string]string{"header": "h"}); got != `Missing required configuration "value.literal" which has no default value.` {
		t.Errorf("missing value.literal: %q", got)
	}
	if got := ktConfigError(t, insertHeaderClass, map[string]string{"value.literal": "1"}); got != `Missing required configuration "header" which has no default value.` {
		t.Errorf("missing header: %q", got)
	}
}

// TestInsertHeader is Kafka's InsertHeaderTest, with more literals typed as Values.parseString types them.
func TestInsertHeader(t *testing.T) {
	existing := connector.Header{Key: "existing", Schema: ktString, Value: "existing-value"}
	for _, tc := range []struct {
		header, literal string
		want            connector.Header
	}{
		{"inserted", "inserted-value", connector.Header{Key: "inserted", Schema: ktString, Value: "inserted-value"}},
		{"existing", "inserted-value", connector.Header{Key: "existing", Schema: ktString, Value: "inserted-value"}},
		{"inserted", "1", connector.Header{Key: "inserted", Schema: &connector.Schema{Type: connector.TypeInt8}, Value: int8(1)}},
		{"inserted", "true", connector.Header{Key: "inserted", Schema: &connector.Schema{Type: connector.TypeBoolean}, Value: true}},
		{"inserted", "null", connector.Header{Key: "inserted"}},
		{"inserted", "", connector.Header{Key: "inserted", Schema: ktString, Value: ""}},
	} {
		tr := ktNewTransformation(t, insertHeaderClass, map[string]string{"header": tc.header, "value.literal": tc.literal})
		rec := ktSinkRecord(nil, "key", nil, "value")
		rec.Headers = []connector.Header{existing}
		out := ktMustApply(t, tr, rec)
		if len(out.Headers) != 2 || !reflect.DeepEqual(out.Headers[0], existing) ||
			out.Headers[1].Key != tc.want.Key || !connector.SchemaEqual(out.Headers[1].Schema, tc.want.Schema) ||
			!reflect.DeepEqual(out.Headers[1].Value, tc.want.Value) {
			t.Errorf("%q=%q: headers %+v", tc.header, tc.literal, out.Headers)
		}
		if out.Key != "key" || out.Value != "value" || out.Topic != rec.Topic {
			t.Errorf("record changed: %+v", out)
		}
	}
	// A record whose header slice has room to spare keeps its own headers.
	tr := ktNewTransformation(t, insertHeaderClass, map[string]string{"header": "h", "value.literal": "x"})
	rec := ktSinkRecord(nil, nil, nil, nil)
	rec.Headers = make([]connector.Header, 1, 4)
	rec.Headers[0] = existing
	out := ktMustApply(t, tr, rec)
	if _ = append(rec.Headers, connector.Header{Key: "other"}); out.Headers[1].Key != "h" {
		t.Errorf("the output's headers share the input's array: %+v", out.Headers)
	}
}
