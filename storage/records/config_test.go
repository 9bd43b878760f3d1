package records

import (
	"errors"
	"maps"
	"testing"
)

func TestConfigKeys(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{ConnectorKey("file-sink"), "connector-file-sink"},
		{TargetStateKey("file-sink"), "target-state-file-sink"},
		{TaskKey("file-sink", 3), "task-file-sink-3"},
		{CommitKey("file-sink"), "commit-file-sink"},
		{RestartKey("file-sink"), "restart-connector-file-sink"},
		{TaskFencingKey("file-sink"), "tasks-fencing-file-sink"},
		{LoggerKey("org.apache.kafka"), "logger-cluster-org.apache.kafka"},
		{SessionKeyKey, "session-key"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("key = %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParseConfigKey(t *testing.T) {
	tests := []struct {
		key       string
		kind      ConfigKeyKind
		connector string
		task      int
		ok        bool
	}{
		{"connector-file-sink", KeyConnector, "file-sink", 0, true},
		{"connector-", KeyConnector, "", 0, true},
		{"target-state-a", KeyTargetState, "a", 0, true},
		// target-state- is checked before connector-, and a connector may be named "target-state-x".
		{"connector-target-state-x", KeyConnector, "target-state-x", 0, true},
		{"task-a-0", KeyTask, "a", 0, true},
		{"task-my-conn-12", KeyTask, "my-conn", 12, true},
		{"task-a--b-1", KeyTask, "a--b", 1, true},
		{"task--0", KeyTask, "", 0, true},
		// Java's String.split drops trailing empty strings.
		{"task-a-0-", KeyTask, "a", 0, true},
		{"task-a-+7", KeyTask, "a", 7, true},
		{"task-a-x", KeyTask, "", 0, false},
		{"task-a", KeyTask, "", 0, false},
		{"task-0", KeyTask, "", 0, false},
		{"task-a-99999999999", KeyTask, "", 0, false},
		{"commit-a-b", KeyCommit, "a-b", 0, true},
		{"restart-connector-a", KeyRestart, "a", 0, true},
		{"tasks-fencing-a", KeyTaskFencing, "a", 0, true},
		{"session-key", KeySessionKey, "", 0, true},
		{"session-key-2", KeyUnknown, "", 0, false},
		{"logger-cluster-org.foo", KeyLogger, "org.foo", 0, true},
		{"bogus", KeyUnknown, "", 0, false},
		{"", KeyUnknown, "", 0, false},
	}
	for _, tt := range tests {
		kind, connector, task, ok := ParseConfigKey(tt.key)
		if kind != tt.kind || connector != tt.connector || task != tt.task || ok != tt.ok {
			t.Errorf("ParseConfigKey(%q) = %v, %q, %d, %v; want %v, %q, %d, %v", tt.key, kind, connector, task, ok,
				tt.kind, tt.connector, tt.task, tt.ok)
		}
	}
}

// TestParseConfigKeyRoundTrip checks that every key the writers produce parses back to its parts.
func TestParseConfigKeyRoundTrip(t *testing.T) {
	// "-" gives "task---4", which Java's split turns into ["task","","","4"]: the name joins back to "-".
	for _, name := range []string{"a", "my-connector", "x-1", "-", "connector-y", "ünï cødé"} {
		checks := []struct {
			key  string
			kind ConfigKeyKind
			task int
		}{
			{ConnectorKey(name), KeyConnector, 0},
			{TargetStateKey(name), KeyTargetState, 0},
			{TaskKey(name, 4), KeyTask, 4},
			{CommitKey(name), KeyCommit, 0},
			{RestartKey(name), KeyRestart, 0},
			{TaskFencingKey(name), KeyTaskFencing, 0},
			{LoggerKey(name), KeyLogger, 0},
		}
		for _, c := range checks {
			kind, connector, task, ok := ParseConfigKey(c.key)
			if !ok || kind != c.kind || connector != name || task != c.task {
				t.Errorf("ParseConfigKey(%q) = %v, %q, %d, %v; want %v, %q, %d", c.key, kind, connector, task, ok,
					c.kind, name, c.task)
			}
		}
	}
}

func TestConnectorConfigGolden(t *testing.T) {
	cfg := map[string]string{
		"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "t", "file": "out.txt", "name": "file-sink",
	}
	got, err := EncodeConnectorConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Keys sorted; the spec's example (Java HashMap order) decodes to the same map, checked below.
	want := `{"properties":{"connector.class":"FileStreamSink","file":"out.txt","name":"file-sink","tasks.max":"1","topics":"t"}}`
	if string(got) != want {
		t.Errorf("EncodeConnectorConfig = %s\nwant %s", got, want)
	}
	java := `{"properties":{"connector.class":"FileStreamSink","tasks.max":"1","topics":"t","file":"out.txt","name":"file-sink"}}`
	dec, err := DecodeConnectorConfig([]byte(java))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(dec, cfg) {
		t.Errorf("DecodeConnectorConfig = %v, want %v", dec, cfg)
	}

	empty, err := EncodeTaskConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(empty) != `{"properties":{}}` {
		t.Errorf("EncodeTaskConfig(nil) = %s", empty)
	}
}

func TestConnectorConfigEscaping(t *testing.T) {
	cfg := map[string]string{"a": "x<y>&z", "b": "line\nnext\ttab\u001f", "c": "${file:/etc/p:k}", "d": "é\u2028"}
	got, err := EncodeConnectorConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"properties\":{\"a\":\"x<y>&z\",\"b\":\"line\\nnext\\ttab\\u001F\",\"c\":\"${file:/etc/p:k}\",\"d\":\"é\u2028\"}}"
	if string(got) != want {
		t.Errorf("EncodeConnectorConfig = %s\nwant %s", got, want)
	}
	back, err := DecodeConnectorConfig(got)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(back, cfg) {
		t.Errorf("round trip = %q, want %q", back, cfg)
	}
}

func TestDecodeConnectorConfigJavaNull(t *testing.T) {
	// A Java worker may store a property whose value is null (Map<String,String> with OPTIONAL values).
	java := `{"properties":{"connector.class":"FileStreamSource","name":"src","file":null}}`
	got, err := DecodeConnectorConfig([]byte(java))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"connector.class": "FileStreamSource", "name": "src"}
	if !maps.Equal(got, want) {
		t.Errorf("DecodeConnectorConfig = %v, want %v", got, want)
	}
}

func TestDecodeConfigMalformed(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) error
		value  string
	}{
		{"connector not json", decodeErr(DecodeConnectorConfig), `{"properties":`},
		{"connector not object", decodeErr(DecodeConnectorConfig), `[1]`},
		{"connector no properties", decodeErr(DecodeConnectorConfig), `{"props":{}}`},
		{"connector properties not map", decodeErr(DecodeConnectorConfig), `{"properties":"x"}`},
		{"connector non-string property", decodeErr(DecodeConnectorConfig), `{"properties":{"tasks.max":1}}`},
		{"task null", decodeErr(DecodeTaskConfig), `null`},
		{"target unknown", decodeErr(DecodeTargetState), `{"state":"RUNNING"}`},
		{"target no state", decodeErr(DecodeTargetState), `{"state.v2":1}`},
		{"target lowercase", decodeErr(DecodeTargetState), `{"state":"paused"}`},
		{"commit float", decodeErr(DecodeCommit), `{"tasks":1.0}`},
		{"commit string", decodeErr(DecodeCommit), `{"tasks":"1"}`},
		{"commit missing", decodeErr(DecodeCommit), `{}`},
		{"commit negative", decodeErr(DecodeCommit), `{"tasks":-1}`},
		{"fencing missing", decodeErr(DecodeTaskFencing), `{"tasks":1}`},
		{"restart not object", func(b []byte) error { _, _, err := DecodeRestart(b); return err }, `true`},
		{"session key bad base64", decodeErr(DecodeSessionKey), `{"key":"!!","algorithm":"HmacSHA256","creation-timestamp":1}`},
		{"session key ts float", decodeErr(DecodeSessionKey), `{"key":"AA==","algorithm":"HmacSHA256","creation-timestamp":1.5}`},
		{"session key no algorithm", decodeErr(DecodeSessionKey), `{"key":"AA==","creation-timestamp":1}`},
		{"logger level number", decodeErr(DecodeLoggerLevel), `{"level":5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode([]byte(tt.value))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error = %v, want ErrMalformed", err)
			}
		})
	}
	if err := decodeErr(DecodeConnectorConfig)([]byte("{")); !errors.Is(err, ErrNotJSON) {
		t.Errorf("invalid JSON: error = %v, want ErrNotJSON", err)
	}
}

func decodeErr[T any](f func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error { _, err := f(b); return err }
}

func TestTargetStateGolden(t *testing.T) {
	tests := []struct {
		state TargetState
		want  string
	}{
		{TargetStarted, `{"state":"STARTED","state.v2":"STARTED"}`},
		{TargetPaused, `{"state":"PAUSED","state.v2":"PAUSED"}`},
		{TargetStopped, `{"state":"PAUSED","state.v2":"STOPPED"}`},
	}
	for _, tt := range tests {
		got, err := EncodeTargetState(tt.state)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("EncodeTargetState(%s) = %s, want %s", tt.state, got, tt.want)
		}
		back, err := DecodeTargetState(got)
		if err != nil || back != tt.state {
			t.Errorf("DecodeTargetState(%s) = %v, %v; want %v", got, back, err, tt.state)
		}
	}
	if _, err := EncodeTargetState("RUNNING"); err == nil {
		t.Error("EncodeTargetState(RUNNING) succeeded")
	}
}

func TestDecodeTargetStateJava(t *testing.T) {
	tests := []struct {
		value string
		want  TargetState
	}{
		// Written by a worker older than 3.5 (KIP-875): only "state".
		{`{"state":"PAUSED"}`, TargetPaused},
		{`{"state":"STARTED"}`, TargetStarted},
		// state.v2 wins when it is a string.
		{`{"state":"PAUSED","state.v2":"STOPPED"}`, TargetStopped},
		// A state.v2 that is not a string is ignored in favour of state, as in Kafka.
		{`{"state":"PAUSED","state.v2":7}`, TargetPaused},
		{`{"state":"PAUSED","state.v2":null}`, TargetPaused},
	}
	for _, tt := range tests {
		got, err := DecodeTargetState([]byte(tt.value))
		if err != nil || got != tt.want {
			t.Errorf("DecodeTargetState(%s) = %v, %v; want %v", tt.value, got, err, tt.want)
		}
	}
}

func TestCommitAndFencingGolden(t *testing.T) {
	got, err := EncodeCommit(3)
	if err != nil || string(got) != `{"tasks":3}` {
		t.Errorf("EncodeCommit(3) = %s, %v", got, err)
	}
	got, err = EncodeTaskFencing(2)
	if err != nil || string(got) != `{"task-count":2}` {
		t.Errorf("EncodeTaskFencing(2) = %s, %v", got, err)
	}
	if _, err := EncodeCommit(-1); err == nil {
		t.Error("EncodeCommit(-1) succeeded")
	}
	n, err := DecodeCommit([]byte(`{"tasks":0}`))
	if err != nil || n != 0 {
		t.Errorf("DecodeCommit = %d, %v", n, err)
	}
	n, err = DecodeTaskFencing([]byte(`{"task-count":12}`))
	if err != nil || n != 12 {
		t.Errorf("DecodeTaskFencing = %d, %v", n, err)
	}
}

func TestRestartGolden(t *testing.T) {
	got, err := EncodeRestart(RestartRequest{Connector: "a", IncludeTasks: true})
	if err != nil || string(got) != `{"include-tasks":true,"only-failed":false}` {
		t.Errorf("EncodeRestart = %s, %v", got, err)
	}
	tests := []struct {
		value                    string
		includeTasks, onlyFailed bool
	}{
		{`{"include-tasks":true,"only-failed":true}`, true, true},
		{`{"only-failed":true}`, false, true},
		// Non-boolean fields default to false, as in Kafka.
		{`{"include-tasks":"true","only-failed":1}`, false, false},
		{`{}`, false, false},
	}
	for _, tt := range tests {
		inc, only, err := DecodeRestart([]byte(tt.value))
		if err != nil || inc != tt.includeTasks || only != tt.onlyFailed {
			t.Errorf("DecodeRestart(%s) = %v, %v, %v", tt.value, inc, only, err)
		}
	}
}

func TestSessionKeyGolden(t *testing.T) {
	k := SessionKey{Key: []byte{0, 1, 2, 250, 251, 252, 253}, Algorithm: "HmacSHA256", CreationTimestamp: 1700000000123}
	got, err := EncodeSessionKey(k)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"key":"AAEC+vv8/Q==","algorithm":"HmacSHA256","creation-timestamp":1700000000123}`
	if string(got) != want {
		t.Errorf("EncodeSessionKey = %s\nwant %s", got, want)
	}
	back, err := DecodeSessionKey(got)
	if err != nil || string(back.Key) != string(k.Key) || back.Algorithm != k.Algorithm ||
		back.CreationTimestamp != k.CreationTimestamp {
		t.Errorf("DecodeSessionKey = %+v, %v", back, err)
	}
	// java.util.Base64's basic decoder does not require padding; field order does not matter to readers.
	back, err = DecodeSessionKey([]byte(`{"creation-timestamp":5,"algorithm":"HmacSHA512","key":"AAEC+vv8/Q"}`))
	if err != nil || string(back.Key) != string(k.Key) || back.Algorithm != "HmacSHA512" || back.CreationTimestamp != 5 {
		t.Errorf("DecodeSessionKey(unpadded) = %+v, %v", back, err)
	}
}

func TestLoggerLevelGolden(t *testing.T) {
	got, err := EncodeLoggerLevel("DEBUG")
	if err != nil || string(got) != `{"level":"DEBUG"}` {
		t.Errorf("EncodeLoggerLevel = %s, %v", got, err)
	}
	level, err := DecodeLoggerLevel([]byte(`{"level":"TRACE"}`))
	if err != nil || level != "TRACE" {
		t.Errorf("DecodeLoggerLevel = %q, %v", level, err)
	}
}

func TestNullValue(t *testing.T) {
	tests := []struct {
		value   []byte
		null    bool
		notJSON bool
	}{
		{nil, true, false},
		{[]byte{}, true, false},
		{[]byte("null"), true, false},
		{[]byte(" null "), true, false},
		{[]byte(`{"tasks":1}`), false, false},
		{[]byte(`"x"`), false, false},
		{[]byte("nul"), false, true},
		{[]byte("{} {}"), false, true},
	}
	for _, tt := range tests {
		null, err := NullValue(tt.value)
		if null != tt.null || errors.Is(err, ErrNotJSON) != tt.notJSON || (err != nil) != tt.notJSON {
			t.Errorf("NullValue(%q) = %v, %v", tt.value, null, err)
		}
	}
}
