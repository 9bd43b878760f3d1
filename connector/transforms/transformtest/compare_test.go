package transformtest

import (
	"encoding/json"
	"strings"
	"testing"
)

// rec wraps a value envelope into a record document.
func rec(value string) json.RawMessage {
	return json.RawMessage(`{"topic":"t","partition":0,"offset":null,"timestamp":null,` +
		`"key":{"schema":null,"payload":null},"value":` + value + `,"headers":[]}`)
}

func TestDiffRecords(t *testing.T) {
	intMap := `{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":false}`
	strMap := `{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false}`
	point := `{"type":"struct","fields":[{"field":"x","type":"int32","optional":false},{"field":"y","type":"int32","optional":false}],"optional":false}`
	pointYX := `{"type":"struct","fields":[{"field":"y","type":"int32","optional":false},{"field":"x","type":"int32","optional":false}],"optional":false}`
	for _, tc := range []struct {
		name      string
		want, got json.RawMessage
		diff      string // "" for same; otherwise a part of the description
	}{
		{"identical", rec(`{"schema":null,"payload":1}`), rec(`{"schema":null,"payload":1}`), ""},
		{"numbers by value", rec(`{"schema":{"type":"double","optional":false},"payload":1.0}`), rec(`{"schema":{"type":"double","optional":false},"payload":1}`), ""},
		{"exponent", rec(`{"schema":null,"payload":1.5E10}`), rec(`{"schema":null,"payload":15000000000}`), ""},
		{"different numbers", rec(`{"schema":null,"payload":1}`), rec(`{"schema":null,"payload":2}`), "value.payload: want 1, got 2"},
		{"number against string", rec(`{"schema":null,"payload":1}`), rec(`{"schema":null,"payload":"1"}`), "value.payload"},
		{"member order", rec(`{"payload":1,"schema":null}`), rec(`{"schema":null,"payload":1}`), ""},
		{"schema parameters unordered",
			rec(`{"schema":{"type":"string","optional":false,"parameters":{"a":"1","b":"2"}},"payload":"s"}`),
			rec(`{"schema":{"type":"string","optional":false,"parameters":{"b":"2","a":"1"}},"payload":"s"}`), ""},
		{"schema parameter differs",
			rec(`{"schema":{"type":"string","optional":false,"parameters":{"a":"1"}},"payload":"s"}`),
			rec(`{"schema":{"type":"string","optional":false,"parameters":{"a":"2"}},"payload":"s"}`), "value.schema.parameters.a"},
		{"missing schema member",
			rec(`{"schema":{"type":"string","optional":false,"name":"n"},"payload":"s"}`),
			rec(`{"schema":{"type":"string","optional":false},"payload":"s"}`), "missing name"},
		{"struct field order matters", rec(`{"schema":` + point + `,"payload":{"x":1,"y":2}}`), rec(`{"schema":` + pointYX + `,"payload":{"x":1,"y":2}}`), "fields[0].field"},
		{"struct payload member order does not", rec(`{"schema":` + point + `,"payload":{"x":1,"y":2}}`), rec(`{"schema":` + point + `,"payload":{"y":2,"x":1}}`), ""},
		{"struct payload differs", rec(`{"schema":` + point + `,"payload":{"x":1,"y":2}}`), rec(`{"schema":` + point + `,"payload":{"x":1,"y":3}}`), "value.payload.y"},
		{"int-keyed map pairs unordered",
			rec(`{"schema":` + intMap + `,"payload":[[1,"a"],[2,"b"]]}`), rec(`{"schema":` + intMap + `,"payload":[[2,"b"],[1,"a"]]}`), ""},
		{"int-keyed map pair differs",
			rec(`{"schema":` + intMap + `,"payload":[[1,"a"],[2,"b"]]}`), rec(`{"schema":` + intMap + `,"payload":[[2,"a"],[1,"b"]]}`), "missing"},
		{"int-keyed map duplicates counted",
			rec(`{"schema":` + intMap + `,"payload":[[1,"a"],[1,"a"]]}`), rec(`{"schema":` + intMap + `,"payload":[[1,"a"],[2,"b"]]}`), "missing"},
		{"string-keyed map unordered", rec(`{"schema":` + strMap + `,"payload":{"a":1,"b":2}}`), rec(`{"schema":` + strMap + `,"payload":{"b":2,"a":1}}`), ""},
		{"string-keyed map extra key", rec(`{"schema":` + strMap + `,"payload":{"a":1}}`), rec(`{"schema":` + strMap + `,"payload":{"a":1,"b":2}}`), "unexpected b"},
		{"schemaless pairs unordered", rec(`{"schema":null,"payload":[[1,"a"],[2,"b"]]}`), rec(`{"schema":null,"payload":[[2,"b"],[1,"a"]]}`), ""},
		{"array order matters", rec(`{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2]}`),
			rec(`{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[2,1]}`), "value.payload[0]"},
		{"schemaless array order matters", rec(`{"schema":null,"payload":[1,2]}`), rec(`{"schema":null,"payload":[2,1]}`), "value.payload[0]"},
		{"default compared as a payload",
			rec(`{"schema":{"type":"double","optional":true,"default":1.0},"payload":null}`),
			rec(`{"schema":{"type":"double","optional":true,"default":1},"payload":null}`), ""},
		{"null against value", rec(`{"schema":{"type":"int32","optional":true},"payload":null}`), rec(`{"schema":{"type":"int32","optional":true},"payload":0}`), "value.payload"},
		{"dropped", json.RawMessage("null"), json.RawMessage("null"), ""},
		{"dropped against record", json.RawMessage("null"), rec(`{"schema":null,"payload":1}`), "want null"},
		{"headers in order",
			json.RawMessage(`{"topic":"t","headers":[{"key":"a","value":{"schema":null,"payload":1}},{"key":"b","value":{"schema":null,"payload":2}}]}`),
			json.RawMessage(`{"topic":"t","headers":[{"key":"b","value":{"schema":null,"payload":2}},{"key":"a","value":{"schema":null,"payload":1}}]}`),
			"headers[0].key"},
		{"topic", json.RawMessage(`{"topic":"a"}`), json.RawMessage(`{"topic":"b"}`), "topic: want \"a\""},
		{"offset null against set", json.RawMessage(`{"offset":null}`), json.RawMessage(`{"offset":1}`), "offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := DiffRecords(tc.want, tc.got)
			switch {
			case tc.diff == "" && d != "":
				t.Errorf("want no difference, got %s", d)
			case tc.diff != "" && !strings.Contains(d, tc.diff):
				t.Errorf("want a difference mentioning %q, got %q", tc.diff, d)
			}
		})
	}
}

func TestDiffOutcomes(t *testing.T) {
	s := func(v string) *string { return &v }
	b := func(v bool) *bool { return &v }
	for _, tc := range []struct {
		name      string
		want, got Case
		diff      string
	}{
		{"same error", Case{Error: s("x"), ErrorClass: "C"}, Case{Error: s("x"), ErrorClass: "C"}, ""},
		{"error text", Case{Error: s("x"), ErrorClass: "C"}, Case{Error: s("y"), ErrorClass: "C"}, "error:"},
		{"error class", Case{Error: s("x"), ErrorClass: "C"}, Case{Error: s("x"), ErrorClass: "D"}, "errorClass"},
		{"config error text", Case{ConfigError: s("x")}, Case{ConfigError: s("x ")}, "configError:"},
		{"error against result", Case{Error: s("x"), ErrorClass: "C"}, Case{Want: rec(`{"schema":null,"payload":1}`)}, "want error"},
		{"config error against test", Case{ConfigError: s("x")}, Case{Test: b(true)}, "want configError"},
		{"test", Case{Test: b(true)}, Case{Test: b(false)}, "test: want true"},
		{"dropped", Case{Want: json.RawMessage("null")}, Case{Want: json.RawMessage("null")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff(tc.want, tc.got)
			switch {
			case tc.diff == "" && d != "":
				t.Errorf("want no difference, got %s", d)
			case tc.diff != "" && !strings.Contains(d, tc.diff):
				t.Errorf("want a difference mentioning %q, got %q", tc.diff, d)
			}
		})
	}
}
