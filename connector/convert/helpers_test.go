package convert

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// equalValues compares Connect values, treating decimals and instants by value.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case *big.Rat:
		y, ok := b.(*big.Rat)
		return ok && x.Cmp(y) == 0
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	case map[any]any:
		y, ok := b.(map[any]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	case *connector.Struct:
		y, ok := b.(*connector.Struct)
		if !ok || !equalSchemas(x.Schema, y.Schema) || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if !equalValues(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// equalSchemas compares schemas field by field, defaults by value.
func equalSchemas(a, b *connector.Schema) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Type != b.Type || a.Optional != b.Optional || a.Name != b.Name || a.Version != b.Version ||
		a.Doc != b.Doc || !reflect.DeepEqual(a.Parameters, b.Parameters) || !equalValues(a.Default, b.Default) ||
		!equalSchemas(a.KeySchema, b.KeySchema) || !equalSchemas(a.ValueSchema, b.ValueSchema) ||
		len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !equalSchemas(a.Fields[i].Schema, b.Fields[i].Schema) {
			return false
		}
	}
	return true
}

// wantDataError fails unless err is a *DataError whose message contains want.
func wantDataError(t *testing.T, err error, want string) {
	t.Helper()
	var de *DataError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DataError containing %q", err, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to contain %q", err.Error(), want)
	}
}

func configured(t *testing.T, config map[string]string) *JSONConverter {
	t.Helper()
	c := NewJSON()
	if err := c.Configure(config, false); err != nil {
		t.Fatalf("Configure(%v): %v", config, err)
	}
	return c
}

func ratOf(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad rat " + s)
	}
	return r
}
