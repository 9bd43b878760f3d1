package transformtest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector"
)

// fake is a transformation made of a function.
type fake func(*connector.Record) (*connector.Record, error)

func (f fake) Apply(r *connector.Record) (*connector.Record, error) { return f(r) }

func fakeRegistry(t *testing.T, newT func(map[string]string) (connector.Transformation, error)) *connector.Registry {
	t.Helper()
	reg := connector.NewRegistry()
	if err := reg.RegisterTransform(connector.TransformPlugin{Class: "x.Fake", Type: connector.PluginTransformation,
		NewTransformation: newT}); err != nil {
		t.Fatal(err)
	}
	return reg
}

var fakeCase = Case{Name: "n", Class: "x.Fake", Config: map[string]string{"k": "v"}, Record: json.RawMessage(
	`{"topic":"t","partition":0,"offset":3,"timestamp":5,"key":{"schema":null,"payload":null},` +
		`"value":{"schema":null,"payload":{"a":1}},"headers":[{"key":"h","value":{"schema":null,"payload":"x"}}]}`)}

func TestRun(t *testing.T) {
	conv, err := Converter()
	if err != nil {
		t.Fatal(err)
	}
	identity := func(map[string]string) (connector.Transformation, error) {
		return fake(func(r *connector.Record) (*connector.Record, error) { return r, nil }), nil
	}
	got, err := Run(fakeRegistry(t, identity), conv, fakeCase)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffRecords(fakeCase.Record, got.Want); d != "" {
		t.Errorf("identity changed the record: %s", d)
	}

	for _, tc := range []struct {
		name    string
		newT    func(map[string]string) (connector.Transformation, error)
		harness string // a part of Run's error, or "" when Run succeeds
		is      error  // the sentinel Run's error wraps, if any
		check   func(Case) string
	}{
		{"config error", func(map[string]string) (connector.Transformation, error) {
			return nil, &connector.ConfigError{Message: "bad"}
		}, "", nil, func(c Case) string {
			if c.ConfigError == nil || *c.ConfigError != "bad" {
				return "want configError bad"
			}
			return ""
		}},
		{"config failure of another type", func(map[string]string) (connector.Transformation, error) {
			return nil, errors.New("boom")
		}, "without a *connector.ConfigError", ErrConfigErrorType, nil},
		{"data error", func(map[string]string) (connector.Transformation, error) {
			return fake(func(*connector.Record) (*connector.Record, error) { return nil, connector.NewDataError("bad data") }), nil
		}, "", nil, func(c Case) string {
			if c.Error == nil || *c.Error != "bad data" || c.ErrorClass != "org.apache.kafka.connect.errors.DataException" {
				return "want the DataException"
			}
			return ""
		}},
		{"dropped", func(map[string]string) (connector.Transformation, error) {
			return fake(func(*connector.Record) (*connector.Record, error) { return nil, nil }), nil
		}, "", nil, func(c Case) string {
			if string(c.Want) != "null" {
				return "want null"
			}
			return ""
		}},
		{"input modified", func(map[string]string) (connector.Transformation, error) {
			return fake(func(r *connector.Record) (*connector.Record, error) {
				r.Value.(map[string]any)["a"] = int64(2)
				return r, nil
			}), nil
		}, "input record was modified", ErrInputModified, nil},
		{"input headers modified", func(map[string]string) (connector.Transformation, error) {
			return fake(func(r *connector.Record) (*connector.Record, error) {
				r.Headers[0].Key = "g"
				return r, nil
			}), nil
		}, "input record was modified", ErrInputModified, nil},
		{"result does not encode", func(map[string]string) (connector.Transformation, error) {
			return fake(func(r *connector.Record) (*connector.Record, error) {
				out := *r
				out.ValueSchema = &connector.Schema{Type: connector.TypeInt32}
				return &out, nil
			}), nil
		}, "does not encode", nil, nil},
		{"panic", func(map[string]string) (connector.Transformation, error) {
			return fake(func(*connector.Record) (*connector.Record, error) { panic("oops") }), nil
		}, "panic: oops", ErrPanic, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Run(fakeRegistry(t, tc.newT), conv, fakeCase)
			if tc.harness != "" {
				if err == nil || !strings.Contains(err.Error(), tc.harness) {
					t.Fatalf("want an error mentioning %q, got %v", tc.harness, err)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Fatalf("want an error wrapping %v, got %v", tc.is, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(got); msg != "" {
				t.Errorf("%s, got %+v", msg, got)
			}
		})
	}

	if _, err := Run(connector.NewRegistry(), conv, fakeCase); err == nil {
		t.Error("an unknown class must fail the case")
	}
}
