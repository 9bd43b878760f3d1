package mqtt

import (
	"bytes"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// builderFor resolves a config (with a broker and a filter already set) and returns its record builder.
func builderFor(t testing.TB, extra map[string]string) *recordBuilder {
	t.Helper()
	raw := map[string]string{fieldBrokerURL: "tcp://localhost:1883", fieldTopic: "#", fieldTopics: "out"}
	maps.Copy(raw, extra)
	cfg, err := parseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	return newRecordBuilder(cfg)
}

func unitOf(topic string, payload []byte, qos byte) *unit {
	return singleUnit(&message{topic: topic, payload: payload, qos: qos, received: time.UnixMilli(1700000000000)})
}

func TestPayloadsAreTypedAsJSONTextOrBytes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		payload    []byte
		converter  string
		wantSchema *connector.Schema
		wantValue  any
	}{
		{"json object", []byte(`{"speed": 88}`), "", nil, connector.RawJSON(`{"speed": 88}`)},
		{"json array", []byte(` [1, 2] `), "", nil, connector.RawJSON(` [1, 2] `)},
		{"json number", []byte(`42`), "", nil, connector.RawJSON(`42`)},
		{"text", []byte("engine on"), "", stringSchema, "engine on"},
		{"broken json is text", []byte(`{"speed": `), "", stringSchema, `{"speed": `},
		{"empty payload is empty text", []byte{}, "", stringSchema, ""},
		{"binary", []byte{0x00, 0xff, 0x10}, "", bytesSchema, []byte{0x00, 0xff, 0x10}},
		{"json with ByteArrayConverter", []byte(`{"a":1}`), "org.apache.kafka.connect.converters.ByteArrayConverter", bytesSchema, []byte(`{"a":1}`)},
		{"text with ByteArray alias", []byte("x"), "ByteArray", bytesSchema, []byte("x")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := builderFor(t, map[string]string{connector.KeyValueConverter: tc.converter})
			recs := b.build(unitOf("a/b", tc.payload, 1), nil)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			if r.ValueSchema != tc.wantSchema || fmt.Sprintf("%T %v", r.Value, r.Value) != fmt.Sprintf("%T %v", tc.wantValue, tc.wantValue) {
				t.Errorf("value %T %v schema %v, want %T %v schema %v", r.Value, r.Value, r.ValueSchema,
					tc.wantValue, tc.wantValue, tc.wantSchema)
			}
		})
	}
}

// TestConvertersWriteThePayload checks the bytes the standard converters make of the typed values: JSON stays
// JSON (Camel writes base64), text stays text, bytes stay bytes.
func TestConvertersWriteThePayload(t *testing.T) {
	t.Parallel()
	jsonConv := convert.NewJSON()
	if err := jsonConv.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		t.Fatal(err)
	}
	strConv := convert.NewString()
	if err := strConv.Configure(nil, false); err != nil {
		t.Fatal(err)
	}
	byteConv := convert.NewByteArray()
	cases := []struct {
		name      string
		conv      connector.Converter
		class     string
		payload   []byte
		wantBytes string
	}{
		{"json payload with JsonConverter", jsonConv, "JsonConverter", []byte(`{"vin": "KMH", "speed": 88.5}`), `{"vin":"KMH","speed":88.5}`},
		{"text with JsonConverter", jsonConv, "JsonConverter", []byte("on"), `"on"`},
		{"json payload with StringConverter", strConv, "StringConverter", []byte(`{"a": 1}`), `{"a": 1}`},
		{"text with StringConverter", strConv, "StringConverter", []byte("on"), "on"},
		{"binary with ByteArrayConverter", byteConv, "org.apache.kafka.connect.converters.ByteArrayConverter", []byte{1, 2, 255}, "\x01\x02\xff"},
		{"json with ByteArrayConverter", byteConv, "org.apache.kafka.connect.converters.ByteArrayConverter", []byte(`{"a": 1}`), `{"a": 1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := builderFor(t, map[string]string{connector.KeyValueConverter: tc.class})
			r := b.build(unitOf("a", tc.payload, 0), nil)[0]
			got, err := tc.conv.FromConnectData(r.Topic, r.ValueSchema, r.Value)
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			if string(got) != tc.wantBytes {
				t.Errorf("wrote %q, want %q", got, tc.wantBytes)
			}
		})
	}
}

func TestKeyAndHeadersFollowCamelSettings(t *testing.T) {
	t.Parallel()
	type header struct {
		key   string
		value any
	}
	cases := []struct {
		name        string
		config      map[string]string
		wantKey     any
		wantSchema  *connector.Schema
		wantHeaders []header
	}{
		{"defaults: topic key, both headers", nil, "dev/1", stringSchema,
			[]header{{KafkaHeaderTopic, "dev/1"}, {KafkaHeaderQoS, int32(1)}}},
		{"key header CamelMqttTopic", map[string]string{fieldMessageHeaderKey: "CamelMqttTopic"}, "dev/1", stringSchema,
			[]header{{KafkaHeaderTopic, "dev/1"}, {KafkaHeaderQoS, int32(1)}}},
		{"key header looked up ignoring case", map[string]string{fieldMessageHeaderKey: "camelmqttqos"}, int32(1), int32Schema,
			[]header{{KafkaHeaderTopic, "dev/1"}, {KafkaHeaderQoS, int32(1)}}},
		{"unknown key header gives a null key", map[string]string{fieldMessageHeaderKey: "CamelMqttRetained"}, nil, nil,
			[]header{{KafkaHeaderTopic, "dev/1"}, {KafkaHeaderQoS, int32(1)}}},
		{"removed key header gives a null key", map[string]string{fieldMessageHeaderKey: "CamelMqttTopic", fieldRemoveHeaders: "CamelMqttTopic"},
			nil, nil, []header{{KafkaHeaderQoS, int32(1)}}},
		{"remove by wildcard", map[string]string{fieldRemoveHeaders: "CamelMqtt*"}, "dev/1", stringSchema, nil},
		{"remove by regex, any case", map[string]string{fieldRemoveHeaders: "camel.*qos"}, "dev/1", stringSchema,
			[]header{{KafkaHeaderTopic, "dev/1"}}},
		{"Camel's default pattern removes nothing", map[string]string{fieldRemoveHeaders: "(?!)"}, "dev/1", stringSchema,
			[]header{{KafkaHeaderTopic, "dev/1"}, {KafkaHeaderQoS, int32(1)}}},
		{"no headers mapped, key header still read", map[string]string{fieldMapHeaders: "false", fieldMessageHeaderKey: "CamelMqttQoS"},
			int32(1), int32Schema, nil},
		{"topic key as bytes for ByteArrayConverter", map[string]string{connector.KeyKeyConverter: "ByteArrayConverter"},
			[]byte("dev/1"), bytesSchema, []header{{KafkaHeaderTopic, "dev/1"}, {KafkaHeaderQoS, int32(1)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := builderFor(t, tc.config).build(unitOf("dev/1", []byte("x"), 1), nil)[0]
			if fmt.Sprintf("%T %v", r.Key, r.Key) != fmt.Sprintf("%T %v", tc.wantKey, tc.wantKey) || r.KeySchema != tc.wantSchema {
				t.Errorf("key %T %v schema %v, want %T %v schema %v", r.Key, r.Key, r.KeySchema, tc.wantKey, tc.wantKey, tc.wantSchema)
			}
			var got []header
			for _, h := range r.Headers {
				got = append(got, header{h.Key, h.Value})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantHeaders) {
				t.Errorf("headers %v, want %v", got, tc.wantHeaders)
			}
		})
	}
}

func TestEveryKafkaTopicGetsARecord(t *testing.T) {
	t.Parallel()
	b := builderFor(t, map[string]string{fieldTopics: "a, b ,c"})
	recs := b.build(unitOf("x", []byte("1"), 0), nil)
	var topics []string
	for _, r := range recs {
		topics = append(topics, r.Topic)
		if r.Timestamp != time.UnixMilli(1700000000000) {
			t.Errorf("timestamp %v, want the receive time", r.Timestamp)
		}
	}
	if fmt.Sprint(topics) != "[a b c]" {
		t.Fatalf("topics %v", topics)
	}
}

func TestHeaderMatcherIsCamelsPatternHelper(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"CamelMqttTopic", "camelmqtttopic", true},
		{"Camel*", "CamelMqttQoS", true},
		{"camel*", "CamelMqttQoS", true},
		{"Mqtt*", "CamelMqttQoS", false},
		{".*QoS", "CamelMqttQoS", true},
		{"Mqtt", "CamelMqttQoS", false}, // a regex must match the whole name
		{"(?!)", "CamelMqttQoS", false},
		{"[", "CamelMqttQoS", false},
		{"*", "anything", true},
	}
	for _, tc := range cases {
		if got := newHeaderMatcher(tc.pattern).matches(tc.name); got != tc.want {
			t.Errorf("pattern %q on %q: %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
	if newHeaderMatcher("") != nil || newHeaderMatcher("").matches("CamelMqttQoS") {
		t.Error("the empty pattern must remove nothing")
	}
}

// BenchmarkMessageToRecords measures turning one MQTT message into its record, as Poll does.
func BenchmarkMessageToRecords(b *testing.B) {
	jsonPayload := func(size int) []byte {
		var buf bytes.Buffer
		buf.WriteString(`{"vin":"KMHXX00XXXX000000","readings":[`)
		for i := 0; buf.Len() < size-20; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"t":%d,"v":%d.5}`, 1700000000+i, i)
		}
		buf.WriteString(`]}`)
		return buf.Bytes()
	}
	text := bytes.Repeat([]byte("engine temperature nominal "), 40)
	binary := bytes.Repeat([]byte{0xff, 0x00, 0x7f, 0x80}, 256)
	for _, bc := range []struct {
		name    string
		payload []byte
	}{
		{"json-200B", jsonPayload(200)},
		{"json-1KB", jsonPayload(1024)},
		{"text-1KB", text},
		{"binary-1KB", binary},
	} {
		b.Run(bc.name, func(b *testing.B) {
			builder := builderFor(b, nil)
			m := &message{topic: "/mqtt/test/car1", payload: bc.payload, qos: 1, received: time.Now()}
			out := make([]*connector.SourceRecord, 0, 1)
			b.SetBytes(int64(len(bc.payload)))
			b.ReportAllocs()
			for b.Loop() {
				out = builder.build(singleUnit(m), out[:0])
			}
		})
	}
}
