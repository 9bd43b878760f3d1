package api

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage/records"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fixtures = []string{"mqtt-connector.json", "mqtt-connector.commented.json", "mqtt-connector.placeholder.json"}

func TestDecodeFixtures(t *testing.T) {
	plain, err := DecodeCreateRequest(readFixture(t, "mqtt-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Name != "mqtt-source-connector" || plain.InitialState != "" {
		t.Errorf("name %q, initial state %q", plain.Name, plain.InitialState)
	}
	want := map[string]string{
		"name":            "mqtt-source-connector",
		"connector.class": "org.apache.camel.kafkaconnector.mqttsource.CamelMqttsourceSourceConnector",
		"tasks.max":       "1",
		"camel.kamelet.mqtt-source.clean.session.enabled":      "true",
		"camel.kamelet.mqtt-source.connect.timeout.seconds":    "30",
		"camel.kamelet.max.retry.time.ms":                      "30000",
		"camel.error.handler.max.redeliveries":                 "0",
		"camel.idempotency.enabled":                            "false",
		"camel.remove.headers.pattern":                         "",
		"camel.kamelet.mqtt-source.topic":                      "/mqtt/test/#",
		"value.converter.schemas.enable":                       "false",
		"camel.kamelet.mqtt-source.keepalive.interval.seconds": "60",
	}
	for k, v := range want {
		if got, ok := plain.Config[k]; !ok || got != v {
			t.Errorf("config[%q] = %q (present %v), want %q", k, got, ok, v)
		}
	}
	for _, k := range []string{"camel.kamelet.mqtt-source.username", "camel.kamelet.mqtt-source.password", "camel.beans.aggregate", "camel.source.url"} {
		if _, ok := plain.Config[k]; ok {
			t.Errorf("null value %q was kept", k)
		}
	}
	// 47 keys in the file, 9 of them null, plus the inserted name.
	if len(plain.Config) != 47-9+1 {
		t.Errorf("config has %d keys, want 39", len(plain.Config))
	}

	commented, err := DecodeCreateRequest(readFixture(t, "mqtt-connector.commented.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(commented, plain) {
		t.Errorf("commented fixture decodes differently:\n%v\n%v", commented, plain)
	}

	placeholder, err := DecodeCreateRequest(readFixture(t, "mqtt-connector.placeholder.json"))
	if err != nil {
		t.Fatal(err)
	}
	if placeholder.Config["connector.class"] != "CONNECTOR CLASS" {
		t.Errorf("placeholder connector.class = %q", placeholder.Config["connector.class"])
	}
	placeholder.Config["connector.class"] = plain.Config["connector.class"]
	if !reflect.DeepEqual(placeholder, plain) {
		t.Error("placeholder fixture differs from the plain one beyond connector.class")
	}
}

func TestDecodeCreateRequest(t *testing.T) {
	tests := []struct {
		name string
		body string
		want CreateRequest
	}{
		{name: "minimal", body: `{"name":"a","config":{}}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}}},
		{name: "name is trimmed like Java's trim", body: "{\"name\":\"\\t a b \\u0001\",\"config\":{}}",
			want: CreateRequest{Name: "a b", Config: map[string]string{"name": "a b"}}},
		{name: "non-breaking space is not trimmed", body: "{\"name\":\"\u00a0a\",\"config\":{}}",
			want: CreateRequest{Name: "\u00a0a", Config: map[string]string{"name": "\u00a0a"}}},
		{name: "null name becomes empty", body: `{"name":null,"config":{}}`,
			want: CreateRequest{Name: "", Config: map[string]string{"name": ""}}},
		{name: "missing name becomes empty", body: `{"config":{"a":"b"}}`,
			want: CreateRequest{Name: "", Config: map[string]string{"name": "", "a": "b"}}},
		{name: "numeric name is coerced", body: `{"name":42,"config":{}}`,
			want: CreateRequest{Name: "42", Config: map[string]string{"name": "42"}}},
		{name: "matching name in config", body: `{"name":"a","config":{"name":"a"}}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}}},
		{name: "null name in config is replaced", body: `{"name":"a","config":{"name":null}}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}}},
		{name: "scalars are kept as written", body: `{"name":"a","config":{"i":1,"f":1.50,"e":1e3,"n":-0,"t":true,"f2":false,"s":"x"}}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a", "i": "1", "f": "1.50", "e": "1e3", "n": "-0", "t": "true", "f2": "false", "s": "x"}}},
		{name: "duplicate keys: last wins, null unsets", body: `{"name":"a","config":{"k":"1","k":"2","u":"x","u":null}}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a", "k": "2"}}},
		{name: "initial state running", body: `{"name":"a","config":{},"initial_state":"Running"}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}, InitialState: records.TargetStarted}},
		{name: "initial state stopped", body: `{"name":"a","config":{},"initial_state":"STOPPED"}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}, InitialState: records.TargetStopped}},
		{name: "null initial state", body: `{"name":"a","config":{},"initial_state":null}`,
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}}},
		{name: "comments outside strings", body: "// lead\n{\"name\":\"a\", /* block\n comment */ \"config\":{\"url\":\"http://x//y/*z*/\" // trailing\n}}",
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a", "url": "http://x//y/*z*/"}}},
		{name: "escaped quote before a comment", body: "{\"name\":\"a\\\"//\",\"config\":{}} // done",
			want: CreateRequest{Name: "a\"//", Config: map[string]string{"name": "a\"//"}}},
		{name: "byte order mark", body: "\xef\xbb\xbf{\"name\":\"a\",\"config\":{}}",
			want: CreateRequest{Name: "a", Config: map[string]string{"name": "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeCreateRequest([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeCreateRequestErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "No content to map due to end-of-input"},
		{"only a comment", "// nothing\n", "No content to map due to end-of-input"},
		{"null body", "null", "Request body must be a JSON object, not null"},
		{"array body", "[]", "Cannot deserialize value of type `org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest` from Array value (token `JsonToken.START_ARRAY`) at [line: 1, column: 1]"},
		{"bad character", `{"name":x}`, "Malformed JSON: invalid character 'x' looking for beginning of value at [line: 1, column: 9]"},
		{"single quotes", `{'name':'a'}`, "Malformed JSON: invalid character '\\'' looking for beginning of object key string at [line: 1, column: 2]"},
		{"trailing comma", "{\"name\":\"a\",\n}", "Malformed JSON: invalid character '}' looking for beginning of object key string at [line: 2, column: 1]"},
		{"truncated", `{"name":"a","config":{"a":"b"`, "Unexpected end-of-input at [line: 1, column: 30]"},
		{"unterminated block comment", "{\"name\":\"a\" /* oops", "Unexpected end-of-input in a comment starting at [line: 1, column: 13]"},
		{"missing config", `{"name":"a"}`, "Missing required creator property 'config': the request body must contain a \"config\" object"},
		{"null config", `{"name":"a","config":null}`, "Missing required creator property 'config': the request body must contain a \"config\" object"},
		{"string config", `{"name":"a","config":"x"}`, "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.String>` from String value (token `JsonToken.VALUE_STRING`) at [line: 1, column: 22] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest[\"config\"])"},
		{"object name", `{"name":{},"config":{}}`, "Cannot deserialize value of type `java.lang.String` from Object value (token `JsonToken.START_OBJECT`) at [line: 1, column: 9] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest[\"name\"])"},
		{"array config value", `{"name":"a","config":{"topics":["t"]}}`, "Cannot deserialize value of type `java.lang.String` from Array value (token `JsonToken.START_ARRAY`) at [line: 1, column: 32] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest[\"config\"]->java.util.LinkedHashMap[\"topics\"])"},
		{"unknown field", `{"name":"a","config":{},"tasks":[]}`, "Unrecognized field \"tasks\" (class org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest), not marked as ignorable (3 known properties: \"name\", \"config\", \"initial_state\"])"},
		{"numeric initial state", `{"name":"a","config":{},"initial_state":1}`, "Cannot deserialize value of type `org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest$InitialState` from String \"1\": not one of the values accepted for Enum class: [RUNNING, PAUSED, STOPPED] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest[\"initial_state\"])"},
		{"name mismatch after trim", `{"name":" a ","config":{"name":" a "}}`, "Connector name configuration ( a ) doesn't match connector name in the URL (a)"},
		{"trailing garbage", `{"name":"a","config":{}}x`, "Unexpected content after the end of the JSON document at [line: 1, column: 25]"},
		{"second document", "{\"name\":\"a\",\"config\":{}}\n{}", "Unexpected content after the end of the JSON document at [line: 2, column: 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCreateRequest([]byte(tt.body))
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v (%T), want *BodyError", err, err)
			}
			if be.Message != tt.want {
				t.Errorf("message\n%s\nwant\n%s", be.Message, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestDecodeConfigMap(t *testing.T) {
	body := []byte(`{"a":"1","b":null,"c":2, // comment
	"d":false}`)
	got, err := DecodeConfigMap(body, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*string{"a": ptr("1"), "b": nil, "c": ptr("2"), "d": ptr("false")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keepNulls: got %v", got)
	}
	got, err = DecodeConfigMap(body, false)
	if err != nil {
		t.Fatal(err)
	}
	delete(want, "b")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dropNulls: got %v", got)
	}
	for _, bad := range []string{`[]`, `"x"`, `{"a":{}}`, `{"a":[1]}`, `{"a" 1}`, `{"a":1,}`, `{} []`, `null`} {
		if _, err := DecodeConfigMap([]byte(bad), false); err == nil {
			t.Errorf("%s: no error", bad)
		} else if be := (*BodyError)(nil); !errors.As(err, &be) {
			t.Errorf("%s: error %T, want *BodyError", bad, err)
		}
	}
}

func TestDecodeOffsets(t *testing.T) {
	got, err := DecodeOffsets([]byte(`{"offsets":[{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":{"kafka_offset":"5","nested":{"l":[1,2.5,null,true]}}},{"partition":null,"offset":null},{}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []herder.ConnectorOffset{
		{Partition: map[string]any{"kafka_topic": "t", "kafka_partition": int64(0)},
			Offset: map[string]any{"kafka_offset": "5", "nested": map[string]any{"l": []any{int64(1), 2.5, nil, true}}}},
		{},
		{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	for body, msg := range map[string]string{
		`{"offsets":null}`:                     "Partitions / offsets need to be provided for an alter offsets request",
		`{"offsets":[null]}`:                   "Connector offset entries cannot be null (through reference chain: org.apache.kafka.connect.runtime.rest.herder.ConnectorOffsets[\"offsets\"]->java.util.ArrayList[0])",
		`{"offsets":[{"offset":{"x":1e999}}]}`: "Numeric value (1e999) out of range at [line: 1, column: 28]",
		`{"offsets":[{"offset":[]}]}`:          "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.Object>` from Array value (token `JsonToken.START_ARRAY`) at [line: 1, column: 23] (through reference chain: org.apache.kafka.connect.runtime.rest.herder.ConnectorOffsets[\"offsets\"]->java.util.ArrayList[0]->org.apache.kafka.connect.runtime.rest.herder.ConnectorOffset[\"offset\"])",
	} {
		_, err := DecodeOffsets([]byte(body))
		var be *BodyError
		if !errors.As(err, &be) || be.Message != msg {
			t.Errorf("%s: error %v\nwant %s", body, err, msg)
		}
	}
}

func TestDecodeTaskConfigs(t *testing.T) {
	got, err := DecodeTaskConfigs([]byte(`[{"a":"1","n":null,"i":3},{}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{{"a": "1", "i": "3"}, {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{`{}`, `[null]`, `[[]]`, `[{"a":{}}]`, `null`} {
		if _, err := DecodeTaskConfigs([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestStripCommentsKeepsPositions(t *testing.T) {
	in := []byte("{\"a\" /* x\ny */ : \"//\" // z\n}")
	out, err := stripComments(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"a\"     \n     : \"//\"     \n}"; string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
}

func TestEncodeJSONLikeJackson(t *testing.T) {
	got, err := encodeJSON(map[string]string{"k": "<a&b>\u2028\u2029\x01\x1f\b\f\n\"\\/é\ufffd", "bad": "\xff"})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"bad\":\"\ufffd\",\"k\":\"<a&b>\u2028\u2029\\u0001\\u001F\\b\\f\\n\\\"\\\\/é\ufffd\"}"
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A literal backslash followed by "u2028" text must stay as it is.
	got, _ = encodeJSON(`\u2028`)
	if string(got) != `"\\u2028"` {
		t.Errorf("escaped backslash: got %s", got)
	}
}

// checkCreateRoundTrip re-encodes a decoded request as the forwarding client does and decodes it again.
func checkCreateRoundTrip(t *testing.T, req CreateRequest) {
	b, err := encodeJSON(herder.CreateConnectorRequest{Name: req.Name, Config: req.Config, InitialState: initialStateName(req.InitialState)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodeCreateRequest(b)
	if err != nil {
		t.Fatalf("re-encoded request %s does not decode: %v", b, err)
	}
	if !reflect.DeepEqual(again, req) {
		t.Fatalf("round trip changed the request:\n%#v\n%#v", req, again)
	}
}

func FuzzDecodeCreateRequest(f *testing.F) {
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"name":" x ","config":{"a":1,"b":null},"initial_state":"paused"}`))
	f.Add([]byte(`{"name":"x","config":{"name":"y"}}`))
	f.Add([]byte("/* c */ {\"name\":\"\\u2028\",\"config\":{\"k\":\"// not a comment\"}} // end"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeCreateRequest(body)
		if err != nil {
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is %T, want *BodyError", err, err)
			}
			return
		}
		if req.Config["name"] != req.Name {
			t.Fatalf("config name %q != name %q", req.Config["name"], req.Name)
		}
		if req.Name != trimJava(req.Name) {
			t.Fatalf("name %q not trimmed", req.Name)
		}
		switch req.InitialState {
		case "", records.TargetStarted, records.TargetPaused, records.TargetStopped:
		default:
			t.Fatalf("initial state %q", req.InitialState)
		}
		checkCreateRoundTrip(t, req)
	})
}

func FuzzDecodeConfigMap(f *testing.F) {
	for _, name := range fixtures {
		body := readFixture(f, name)
		f.Add(body, true)
		f.Add(body, false)
	}
	f.Add([]byte(`{"a":1.0e-3,"b":null,"c":true,"d":"x"}`), true)
	f.Add([]byte("{\"a\":\"b\" // c\n}"), false)
	f.Fuzz(func(t *testing.T, body []byte, keepNulls bool) {
		m, err := DecodeConfigMap(body, keepNulls)
		if err != nil {
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is %T, want *BodyError", err, err)
			}
			return
		}
		for k, v := range m {
			if v == nil && !keepNulls {
				t.Fatalf("null kept for %q", k)
			}
		}
		b, err := encodeJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeConfigMap(b, keepNulls)
		if err != nil {
			t.Fatalf("re-encoded map %s does not decode: %v", b, err)
		}
		if !maps.EqualFunc(m, again, func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }) {
			t.Fatalf("round trip changed the map:\n%v\n%v", m, again)
		}
	})
}
