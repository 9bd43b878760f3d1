package records

import (
	"errors"
	"testing"
)

func TestStatusKeys(t *testing.T) {
	if got := StatusConnectorKey("file-sink"); got != "status-connector-file-sink" {
		t.Errorf("StatusConnectorKey = %q", got)
	}
	if got := StatusTaskKey("file-sink", 2); got != "status-task-file-sink-2" {
		t.Errorf("StatusTaskKey = %q", got)
	}
	if got := StatusTopicKey("orders", "file-sink"); got != "status-topic-orders:connector-file-sink" {
		t.Errorf("StatusTopicKey = %q", got)
	}
}

func TestParseStatusKey(t *testing.T) {
	tests := []struct {
		key       string
		kind      StatusKeyKind
		connector string
		task      int
		topic     string
		ok        bool
	}{
		{"status-connector-file-sink", StatusKeyConnector, "file-sink", 0, "", true},
		{"status-connector-", StatusKeyConnector, "", 0, "", false},
		{"status-task-file-sink-2", StatusKeyTask, "file-sink", 2, "", true},
		{"status-task-a-0-", StatusKeyTask, "a", 0, "", true},
		{"status-task-foo-source-#", StatusKeyTask, "", 0, "", false},
		{"status-task-", StatusKeyTask, "", 0, "", false},
		{"status-task-7", StatusKeyTask, "", 0, "", false},
		{"status-topic-orders:connector-file-sink", StatusKeyTopic, "file-sink", 0, "orders", true},
		// Kafka skips the 11 characters after the first ':' without checking them.
		{"status-topic-orders:XXXXXXXXXXfile-sink", StatusKeyTopic, "file-sink", 0, "orders", true},
		{"status-topic-orders:connector-a:b", StatusKeyTopic, "a:b", 0, "orders", true},
		{"status-topic-", StatusKeyTopic, "", 0, "", false},
		{"status-topic-:connector-", StatusKeyTopic, "", 0, "", false},
		{"status-topic-foo-topic:", StatusKeyTopic, "", 0, "", false},
		{"status-topic-foo-topic:connector-", StatusKeyTopic, "", 0, "", false},
		{"status-topic-:connector-a", StatusKeyTopic, "", 0, "", false},
		{"status-unknown", StatusKeyUnknown, "", 0, "", false},
	}
	for _, tt := range tests {
		kind, connector, task, topic, ok := ParseStatusKey(tt.key)
		if kind != tt.kind || connector != tt.connector || task != tt.task || topic != tt.topic || ok != tt.ok {
			t.Errorf("ParseStatusKey(%q) = %v, %q, %d, %q, %v; want %v, %q, %d, %q, %v", tt.key, kind, connector,
				task, topic, ok, tt.kind, tt.connector, tt.task, tt.topic, tt.ok)
		}
	}
}

func TestStatusGolden(t *testing.T) {
	tests := []struct {
		name   string
		status Status
		want   string
	}{
		{
			name:   "running",
			status: Status{State: StateRunning, WorkerID: "10.0.0.5:8083", Generation: 7},
			want:   `{"state":"RUNNING","trace":null,"worker_id":"10.0.0.5:8083","generation":7}`,
		},
		{
			name: "failed with trace",
			status: Status{State: StateFailed, WorkerID: "h:8083", Generation: 12,
				Trace: "org.apache.kafka.connect.errors.ConnectException: boom <&>\n\tat Foo.bar(Foo.java:1)\r\n"},
			want: `{"state":"FAILED","trace":"org.apache.kafka.connect.errors.ConnectException: boom <&>\n\tat Foo.bar(Foo.java:1)\r\n","worker_id":"h:8083","generation":12}`,
		},
		{
			name:   "unassigned, negative generation",
			status: Status{State: StateUnassigned, WorkerID: "w:1", Generation: -1},
			want:   `{"state":"UNASSIGNED","trace":null,"worker_id":"w:1","generation":-1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeStatus(tt.status)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("EncodeStatus = %s\nwant %s", got, tt.want)
			}
			back, err := DecodeStatus(got)
			if err != nil || back != tt.status {
				t.Errorf("DecodeStatus = %+v, %v; want %+v", back, err, tt.status)
			}
		})
	}
	for _, s := range []State{StateDestroyed, "BOGUS"} {
		if _, err := EncodeStatus(Status{State: s}); err == nil {
			t.Errorf("EncodeStatus(%s) succeeded", s)
		}
	}
}

func TestDecodeStatusJava(t *testing.T) {
	// As printed by Throwable.printStackTrace and escaped by Jackson.
	java := `{"state":"FAILED","trace":"java.lang.RuntimeException: x\n\tat a.B.c(B.java:10)\n\tat \u00e9t\u00E9\n","worker_id":"connect-1:8083","generation":3}`
	got, err := DecodeStatus([]byte(java))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{State: StateFailed, Trace: "java.lang.RuntimeException: x\n\tat a.B.c(B.java:10)\n\tat été\n",
		WorkerID: "connect-1:8083", Generation: 3}
	if got != want {
		t.Errorf("DecodeStatus = %+v\nwant %+v", got, want)
	}

	// trace and worker_id may be missing; field order does not matter.
	got, err = DecodeStatus([]byte(`{"generation":4,"state":"PAUSED"}`))
	if err != nil || got != (Status{State: StatePaused, Generation: 4}) {
		t.Errorf("DecodeStatus(minimal) = %+v, %v", got, err)
	}
	// Generation wraps like Java's Long.intValue.
	got, err = DecodeStatus([]byte(`{"state":"RUNNING","worker_id":"w","generation":4294967297}`))
	if err != nil || got.Generation != 1 {
		t.Errorf("DecodeStatus(big generation) = %+v, %v", got, err)
	}
}

func TestDecodeStatusMalformed(t *testing.T) {
	for _, v := range []string{
		``,
		`invalid`,
		`null`,
		`[]`,
		`{"state":"running","worker_id":"w","generation":1}`,
		`{"worker_id":"w","generation":1}`,
		`{"state":"RUNNING","worker_id":"w"}`,
		`{"state":"RUNNING","worker_id":"w","generation":1.0}`,
		`{"state":"RUNNING","worker_id":5,"generation":1}`,
		`{"state":"RUNNING","trace":false,"worker_id":"w","generation":1}`,
	} {
		if _, err := DecodeStatus([]byte(v)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeStatus(%s) error = %v, want ErrMalformed", v, err)
		}
	}
}

func TestTopicStatusGolden(t *testing.T) {
	ts := TopicStatus{Topic: "orders", Connector: "file-sink", Task: 1, DiscoverTimestamp: 1700000000456}
	got, err := EncodeTopicStatus(ts)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"topic":{"name":"orders","connector":"file-sink","task":1,"discoverTimestamp":1700000000456}}`
	if string(got) != want {
		t.Errorf("EncodeTopicStatus = %s\nwant %s", got, want)
	}
	back, err := DecodeTopicStatus(got)
	if err != nil || back != ts {
		t.Errorf("DecodeTopicStatus = %+v, %v", back, err)
	}
	for _, v := range []string{
		`{"topic":"orders"}`,
		`{"name":"orders","connector":"c","task":0,"discoverTimestamp":1}`,
		`{"topic":{"name":"orders","connector":"c","discoverTimestamp":1}}`,
		`{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":"1"}}`,
	} {
		if _, err := DecodeTopicStatus([]byte(v)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeTopicStatus(%s) error = %v, want ErrMalformed", v, err)
		}
	}
}
