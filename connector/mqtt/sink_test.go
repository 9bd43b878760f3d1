package mqtt

import (
	"strings"
	"testing"

	"github.com/connectd/connectd/connector"
)

// TestSinkClassNamesResolve checks that every name of the sink resolves to it and the source's names to the
// source, and that key namespaces pick the right plugin when the class names none.
func TestSinkClassNamesResolve(t *testing.T) {
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		SinkClass: SinkClass, "MqttSinkConnector": SinkClass, "MqttSink": SinkClass,
		CamelSinkClass: SinkClass, "CamelMqttsinkSinkConnector": SinkClass, "CamelMqttsinkSink": SinkClass,
		ConfluentSinkClass: SinkClass,
		Class:              Class, "MqttSourceConnector": Class, "MqttSource": Class, ConfluentClass: Class,
		CamelClass: Class, "CamelMqttsourceSource": Class,
	} {
		p, err := r.Lookup(name)
		if err != nil || p.Class != want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", name, p, err, want)
		}
	}
	for _, tc := range []struct {
		key, want string
	}{{"camel.kamelet.mqtt-sink.topic", SinkClass}, {"camel.kamelet.mqtt-source.topic", Class}, {"mqtt.server.uri", Class}} {
		p, _, err := r.Resolve(map[string]string{"connector.class": "CONNECTOR CLASS", tc.key: "x"})
		if err != nil || p.Class != tc.want {
			t.Errorf("Resolve with %s: %v, %v; want %s", tc.key, p, err, tc.want)
		}
	}
}

func TestTemplateFill(t *testing.T) {
	rec := &connector.SinkRecord{Topic: "cmds", Partition: 2, Key: "car/7", Headers: []connector.Header{
		{Key: "kind", Value: "old"}, {Key: "kind", Value: []byte("ota")}, {Key: "n", Value: int32(5)},
		{Key: "empty", Value: ""}, {Key: "wild", Value: "a+b"}, {Key: "obj", Value: map[string]any{"a": 1}},
		{Key: "ctl", Value: "a\x01b"}, {Key: "c1", Value: "a\u0085"}, {Key: "nonchar", Value: "x\ufdd0"},
		{Key: "fffe", Value: "x\U0001fffe"}, {Key: "sys", Value: "$SYS"},
		{Key: "long", Value: strings.Repeat("x", 65536)}}}
	for _, tc := range []struct {
		tmpl, want, err string
	}{
		{"fixed/topic", "fixed/topic", ""},
		{"${topic}", "cmds", ""},
		{"v/${key}/${header.kind}/${partition}/${header.n}", "v/car/7/ota/2/5", ""},
		{"v/${header.missing}", "", `no header "missing"`},
		{"v/${header.empty}", "", "empty"},
		{"v/${header.wild}", "", "wildcard"},
		{"v/${header.obj}", "", "cannot name a topic"},
		{"${header.ctl}", "", "control character U+0001"},
		{"v/${header.c1}", "", "control character U+0085"},
		{"v/${header.nonchar}", "", "non-character U+FDD0"},
		{"v/${header.fffe}", "", "non-character U+1FFFE"},
		{"${header.sys}/x", "", "must not start with $"},
		{"${key}/" + strings.Repeat("a/", 199), "", "more than 200 / separators"},
		{"v/" + strings.Repeat("a/", 197) + "${key}", "v/" + strings.Repeat("a/", 197) + "car/7", ""},
		{"a//${partition}", "a//2", ""},
		{"${header.long}", "", "longer than 65535 bytes"},
	} {
		tt, msg := parseTemplate(tc.tmpl)
		if msg != "" {
			t.Fatalf("parse %q: %s", tc.tmpl, msg)
		}
		got, err := tt.fill(rec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("fill %q: %q, %v; want an error with %q", tc.tmpl, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("fill %q: %q, %v; want %q", tc.tmpl, got, err, tc.want)
		}
	}
	keyless := &connector.SinkRecord{Topic: "cmds"}
	tt, _ := parseTemplate("v/${key}")
	if _, err := tt.fill(keyless); err == nil || !strings.Contains(err.Error(), "null key") {
		t.Errorf("a null key gave %v", err)
	}
	for tmpl, want := range map[string]string{
		"a/${nope}": "unknown variable", "a/${key": "unclosed", "a/#": "wildcards", "+": "wildcards", "": "empty",
		"a/${header.}": "unknown variable", "$SYS/${key}": "must not start with $", "a\x1fb": "U+001F",
		"a/\u009f/${key}": "U+009F", "a\uffff": "non-character", strings.Repeat("/", 201) + "${key}": "200 / separators",
		strings.Repeat("x", 65536): "65535 bytes",
	} {
		if _, msg := parseTemplate(tmpl); !strings.Contains(msg, want) {
			t.Errorf("parse %q: %q, want %q", tmpl, msg, want)
		}
	}
}

// TestSinkAlwaysConnectsClean checks that clean.session.enabled=false does not give the sink a persistent
// session: a new connection numbers its packets from 1, and a broker holding an unreleased QoS 2 packet id
// of the session's previous connection would drop the new message as a duplicate.
func TestSinkAlwaysConnectsClean(t *testing.T) {
	for _, v := range []string{"true", "false"} {
		cfg, err := parseSinkConfig(map[string]string{"name": "s", "topics": "t",
			"mqtt.server.uri": "tcp://localhost:1883", "mqtt.qos": "2", "mqtt.clean.session.enabled": v})
		if err != nil {
			t.Fatal(err)
		}
		if opts := clientOptions(&cfg.conn, "s-0"); !opts.CleanSession {
			t.Errorf("clean.session.enabled=%s: the sink connects with a persistent session", v)
		}
		if cfg.persistentAsked != (v == "false") {
			t.Errorf("clean.session.enabled=%s: persistentAsked=%v", v, cfg.persistentAsked)
		}
	}
}
