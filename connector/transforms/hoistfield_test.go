package transforms

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

func TestHoistFieldSpec(t *testing.T) {
	const want = `[{"name":"field","type":"STRING","required":true,"default_value":null,"importance":"MEDIUM","documentation":"Field name for the single field that will be created in the resulting Struct or Map.","group":null,"width":"NONE","display_name":"field","dependents":[],"order":-1}]`
	ktSpecJSON(t, hoistFieldClass+"$Key", want)
	ktSpecJSON(t, hoistFieldClass+"$Value", want)
}

func TestHoistFieldSchemaless(t *testing.T) {
	tr := ktNewTransformation(t, hoistFieldClass+"$Key", map[string]string{"field": "magic"})
	out := ktMustApply(t, tr, ktSinkRecord(nil, int64(42), nil, nil))
	if out.KeySchema != nil || !reflect.DeepEqual(out.Key, map[string]any{"magic": int64(42)}) {
		t.Errorf("key = %v %v", out.KeySchema, out.Key)
	}
	// The new map is the record's own (Kafka's testSchemalessMapIsMutable): hoisting a map wraps, not reuses, it.
	inner := map[string]any{"a": "b"}
	out = ktMustApply(t, tr, ktSinkRecord(nil, inner, nil, nil))
	if got := out.Key.(map[string]any); !reflect.DeepEqual(got, map[string]any{"magic": inner}) {
		t.Errorf("key = %v", got)
	}
	value := ktNewTransformation(t, hoistFieldClass+"$Value", map[string]string{"field": "v"})
	out = ktMustApply(t, value, ktSinkRecord(nil, "k", nil, nil))
	if out.Key != "k" || !reflect.DeepEqual(out.Value, map[string]any{"v": nil}) {
		t.Errorf("value variant: key %v value %v", out.Key, out.Value)
	}
}

func TestHoistFieldWithSchema(t *testing.T) {
	tr := ktNewTransformation(t, hoistFieldClass+"$Key", map[string]string{"field": "magic"})
	out := ktMustApply(t, tr, ktSinkRecord(ktInt32, int32(42), nil, nil))
	if out.KeySchema.Type != connector.TypeStruct || out.KeySchema.Optional {
		t.Fatalf("key schema %+v", out.KeySchema)
	}
	if _, f := out.KeySchema.Field("magic"); f == nil || f.Schema != ktInt32 {
		t.Errorf("field magic: %+v", f)
	}
	st := out.Key.(*connector.Struct)
	if v, err := st.Get("magic"); v != int32(42) || err != nil || st.Schema != out.KeySchema {
		t.Errorf("key struct %+v", st)
	}
	// A null value of a required schema does not fit the new field.
	msg := ktApplyError(t, tr, ktSinkRecord(ktInt32, nil, nil, nil), dataException)
	if want := `Invalid value: null used for required field: "magic", schema type: INT32`; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	empty := ktNewTransformation(t, hoistFieldClass+"$Value", map[string]string{"field": ""})
	msg = ktApplyError(t, empty, ktSinkRecord(nil, nil, ktInt32, int32(5)), "org.apache.kafka.connect.errors.SchemaBuilderException")
	if msg != "fieldName cannot be null." {
		t.Errorf("error %q", msg)
	}
}
