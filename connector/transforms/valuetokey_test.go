package transforms

import (
	"errors"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

func TestValueToKeySpec(t *testing.T) {
	ktSpecJSON(t, valueToKeyClass, `[{"name":"fields","type":"LIST","required":true,"default_value":null,"importance":"HIGH","documentation":"Field names on the record value to extract as the record key.","group":null,"width":"NONE","display_name":"fields","dependents":[],"order":-1},{"name":"replace.null.with.default","type":"BOOLEAN","required":false,"default_value":"true","importance":"MEDIUM","documentation":"Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.","group":null,"width":"NONE","display_name":"replace.null.with.default","dependents":[],"order":-1}]`)
	if got := ktConfigError(t, valueToKeyClass, map[string]string{"fields": ""}); got != "Invalid value [] for configuration fields: Empty list" {
		t.Errorf("empty list: %q", got)
	}
}

func TestValueToKeySchemaless(t *testing.T) {
	tr := ktNewTransformation(t, valueToKeyClass, map[string]string{"fields": "a,b"})
	value := map[string]any{"a": int64(1), "b": int64(2), "c": int64(3)}
	out := ktMustApply(t, tr, ktSinkRecord(nil, nil, nil, value))
	if out.KeySchema != nil || !reflect.DeepEqual(out.Key, map[string]any{"a": int64(1), "b": int64(2)}) {
		t.Errorf("key = %v %v", out.KeySchema, out.Key)
	}
	// Missing fields are null keys.
	tr = ktNewTransformation(t, valueToKeyClass, map[string]string{"fields": "a,z"})
	out = ktMustApply(t, tr, ktSinkRecord(nil, nil, nil, value))
	if !reflect.DeepEqual(out.Key, map[string]any{"a": int64(1), "z": nil}) {
		t.Errorf("key = %v", out.Key)
	}
	msg := ktApplyError(t, tr, ktSinkRecord(nil, nil, nil, nil), dataException)
	if want := "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
}

func TestValueToKeyWithSchema(t *testing.T) {
	tr := ktNewTransformation(t, valueToKeyClass, map[string]string{"fields": "a,b"})
	schema := ktStruct("a", ktInt32, "b", ktInt32, "c", ktInt32)
	value := ktValue(t, schema, "a", int32(1), "b", int32(2), "c", int32(3))
	out := ktMustApply(t, tr, ktSinkRecord(nil, nil, schema, value))
	wantSchema := ktStruct("a", ktInt32, "b", ktInt32)
	if !connector.SchemaEqual(out.KeySchema, wantSchema) {
		t.Errorf("key schema %+v", out.KeySchema)
	}
	if key := out.Key.(*connector.Struct); !reflect.DeepEqual(key.Values, []any{int32(1), int32(2)}) || key.Schema != out.KeySchema {
		t.Errorf("key %+v", key)
	}
	if out.Value != value || out.ValueSchema != schema {
		t.Errorf("value changed: %+v", out.Value)
	}

	missing := ktNewTransformation(t, valueToKeyClass, map[string]string{"fields": "not_exist"})
	if msg := ktApplyError(t, missing, ktSinkRecord(nil, nil, schema, value), dataException); msg != "Field does not exist: not_exist" {
		t.Errorf("error %q", msg)
	}
	dup := ktNewTransformation(t, valueToKeyClass, map[string]string{"fields": "a,a"})
	msg := ktApplyError(t, dup, ktSinkRecord(nil, nil, schema, value), "org.apache.kafka.connect.errors.SchemaBuilderException")
	if msg != "Cannot create field because of field name duplication a" {
		t.Errorf("error %q", msg)
	}
	// SchemaBuilderException is a DataException.
	_, err := dup.Apply(ktSinkRecord(nil, nil, schema, value))
	var de *connector.DataError
	if !errors.As(err, &de) || de.Message != msg {
		t.Errorf("errors.As(%v, *DataError) = %v", err, de)
	}
	msg = ktApplyError(t, tr, ktSinkRecord(nil, nil, schema, int32(5)), dataException)
	if want := "Only Struct objects supported for [copying fields from value to key], found: java.lang.Integer"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
}

// TestValueToKeyReplaceNullWithDefault is Kafka's testReplaceNullWithDefaultConfig.
func TestValueToKeyReplaceNullWithDefault(t *testing.T) {
	schema := ktStruct("optional_with_default", &connector.Schema{Type: connector.TypeInt32, Optional: true, Default: int32(42)})
	for replace, want := range map[string]any{"false": nil, "true": int32(42)} {
		tr := ktNewTransformation(t, valueToKeyClass, map[string]string{"fields": "optional_with_default", "replace.null.with.default": replace})
		out := ktMustApply(t, tr, ktSinkRecord(nil, nil, schema, ktValue(t, schema, "optional_with_default", nil)))
		if got, _ := out.Key.(*connector.Struct).GetWithoutDefault("optional_with_default"); got != want {
			t.Errorf("replace=%s: %v, want %v", replace, got, want)
		}
	}
}
