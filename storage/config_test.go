package storage

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

// rec is one config-topic record; a nil value is a tombstone.
type rec struct {
	key   string
	value []byte
}

func enc[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func connectorRec(name string, cfg map[string]string) rec {
	return rec{records.ConnectorKey(name), enc(records.EncodeConnectorConfig(cfg))}
}

func taskRec(name string, task int) rec {
	return rec{records.TaskKey(name, task), enc(records.EncodeTaskConfig(taskCfg(name, task)))}
}

func taskCfg(name string, task int) map[string]string {
	return map[string]string{"task.class": "org.example.Task", "id": fmt.Sprintf("%s/%d", name, task)}
}

func commitRec(name string, n int) rec {
	return rec{records.CommitKey(name), enc(records.EncodeCommit(n))}
}

func targetRec(name string, s records.TargetState) rec {
	return rec{records.TargetStateKey(name), enc(records.EncodeTargetState(s))}
}

func tombstone(key string) rec { return rec{key: key} }

func cfgOf(name string) map[string]string {
	return map[string]string{"connector.class": "FileStreamSource", "name": name}
}

// want describes one connector after the records were applied.
type wantConnector struct {
	name         string
	target       records.TargetState
	taskCount    int
	inconsistent bool
	tasks        int // number of committed task configs, 0..tasks-1
}

func ev(kind ConfigEventKind, connector string) ConfigEvent {
	return ConfigEvent{Kind: kind, Connector: connector}
}

func TestConfigStateMachine(t *testing.T) {
	tests := []struct {
		name    string
		records []rec
		// events are those of the last record.
		events     []ConfigEvent
		connectors []wantConnector
	}{
		{
			name:       "new connector defaults to STARTED with no tasks",
			records:    []rec{connectorRec("a", cfgOf("a"))},
			events:     []ConfigEvent{ev(ConnectorConfigChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted}},
		},
		{
			name:       "task configs wait for their commit",
			records:    []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), taskRec("a", 1)},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted}},
		},
		{
			name:       "commit applies buffered task configs",
			records:    []rec{connectorRec("a", cfgOf("a")), taskRec("a", 1), taskRec("a", 0), commitRec("a", 2)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, taskCount: 2, tasks: 2}},
		},
		{
			name: "configs of tasks above the count are left out",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), taskRec("a", 1), taskRec("a", 2),
				commitRec("a", 2)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, taskCount: 2, tasks: 2}},
		},
		{
			name:       "incomplete commit marks the connector inconsistent",
			records:    []rec{connectorRec("a", cfgOf("a")), taskRec("a", 1), commitRec("a", 2)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, inconsistent: true}},
		},
		{
			name: "inconsistent commit drops committed tasks and clears the buffer",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), commitRec("a", 1),
				taskRec("a", 1), commitRec("a", 2), taskRec("a", 0), commitRec("a", 2)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, inconsistent: true}},
		},
		{
			name: "a later complete commit repairs an inconsistent connector",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 1), commitRec("a", 2),
				taskRec("a", 0), taskRec("a", 1), commitRec("a", 2)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, taskCount: 2, tasks: 2}},
		},
		{
			name: "fewer tasks",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), taskRec("a", 1), commitRec("a", 2),
				taskRec("a", 0), commitRec("a", 1)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, taskCount: 1, tasks: 1}},
		},
		{
			name: "commit of zero tasks (stop)",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), commitRec("a", 1), commitRec("a", 0),
				targetRec("a", records.TargetStopped)},
			events:     []ConfigEvent{ev(TargetStateChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStopped}},
		},
		{
			name: "delete drops task configs",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), commitRec("a", 1),
				tombstone(records.ConnectorKey("a"))},
			events: []ConfigEvent{ev(ConnectorRemoved, "a")},
		},
		{
			name: "commit after delete is ignored",
			records: []rec{connectorRec("a", cfgOf("a")), tombstone(records.ConnectorKey("a")),
				tombstone(records.TargetStateKey("a")), taskRec("a", 0), commitRec("a", 1)},
		},
		{
			name: "delete clears the task buffer",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), tombstone(records.ConnectorKey("a")),
				connectorRec("a", cfgOf("a")), commitRec("a", 1)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, inconsistent: true}},
		},
		{
			name: "commit for an unknown connector clears its buffer",
			records: []rec{taskRec("a", 0), commitRec("a", 1), connectorRec("a", cfgOf("a")),
				commitRec("a", 1)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, inconsistent: true}},
		},
		{
			name:       "task configs written before the connector are kept",
			records:    []rec{taskRec("a", 0), connectorRec("a", cfgOf("a")), commitRec("a", 1)},
			events:     []ConfigEvent{ev(TasksCommitted, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted, taskCount: 1, tasks: 1}},
		},
		{
			name:       "initial target state precedes the connector",
			records:    []rec{targetRec("a", records.TargetPaused), connectorRec("a", cfgOf("a"))},
			events:     []ConfigEvent{ev(ConnectorConfigChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetPaused}},
		},
		{
			name:       "target state for an unknown connector is silent",
			records:    []rec{targetRec("a", records.TargetStopped)},
			connectors: nil,
		},
		{
			name:       "unchanged target state is silent",
			records:    []rec{connectorRec("a", cfgOf("a")), targetRec("a", records.TargetStarted)},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted}},
		},
		{
			name: "target state tombstone of a live connector means STARTED",
			records: []rec{connectorRec("a", cfgOf("a")), targetRec("a", records.TargetPaused),
				tombstone(records.TargetStateKey("a"))},
			events:     []ConfigEvent{ev(TargetStateChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted}},
		},
		{
			name: "delete and recreate starts from STARTED",
			records: []rec{connectorRec("a", cfgOf("a")), targetRec("a", records.TargetStopped),
				tombstone(records.ConnectorKey("a")), tombstone(records.TargetStateKey("a")),
				connectorRec("a", cfgOf("a"))},
			events:     []ConfigEvent{ev(ConnectorConfigChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetStarted}},
		},
		{
			// Kafka's reader keeps the target state until its own tombstone arrives.
			name: "connector tombstone alone keeps the target state",
			records: []rec{connectorRec("a", cfgOf("a")), targetRec("a", records.TargetPaused),
				tombstone(records.ConnectorKey("a")), connectorRec("a", cfgOf("a"))},
			events:     []ConfigEvent{ev(ConnectorConfigChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetPaused}},
		},
		{
			name: "config update keeps tasks and target state",
			records: []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), commitRec("a", 1),
				targetRec("a", records.TargetPaused), connectorRec("a", cfgOf("a"))},
			events:     []ConfigEvent{ev(ConnectorConfigChanged, "a")},
			connectors: []wantConnector{{name: "a", target: records.TargetPaused, taskCount: 1, tasks: 1}},
		},
		{
			name:    "tombstone of an unknown connector is silent",
			records: []rec{tombstone(records.ConnectorKey("a"))},
		},
		{
			name:       "JSON null is a tombstone",
			records:    []rec{connectorRec("a", cfgOf("a")), {records.ConnectorKey("a"), []byte("null")}},
			events:     []ConfigEvent{ev(ConnectorRemoved, "a")},
			connectors: nil,
		},
		{
			name: "connectors are independent and sorted",
			records: []rec{connectorRec("b", cfgOf("b")), connectorRec("a-b", cfgOf("a-b")),
				connectorRec("a", cfgOf("a")), taskRec("a-b", 0), taskRec("a", 0), taskRec("a", 1),
				commitRec("a", 2), commitRec("a-b", 1)},
			events: []ConfigEvent{ev(TasksCommitted, "a-b")},
			connectors: []wantConnector{
				{name: "a", target: records.TargetStarted, taskCount: 2, tasks: 2},
				{name: "a-b", target: records.TargetStarted, taskCount: 1, tasks: 1},
				{name: "b", target: records.TargetStarted},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			var events []ConfigEvent
			for i, r := range tt.records {
				var err error
				events, err = s.ApplyConfigRecord(r.key, r.value, int64(i))
				if err != nil {
					t.Fatalf("record %d (%s): %v", i, r.key, err)
				}
			}
			if !slices.Equal(events, tt.events) {
				t.Errorf("last events = %v, want %v", events, tt.events)
			}
			if got, want := s.ConfigOffset(), int64(len(tt.records)); got != want {
				t.Errorf("ConfigOffset = %d, want %d", got, want)
			}
			checkConnectors(t, s, tt.connectors)
		})
	}
}

func checkConnectors(t *testing.T, s *Store, want []wantConnector) {
	t.Helper()
	got := s.Connectors()
	if len(got) != len(want) {
		t.Fatalf("Connectors() has %d connectors, want %d", len(got), len(want))
	}
	for i, w := range want {
		c := got[i]
		if c.Name != w.name || c.TargetState != w.target || c.TaskCount != w.taskCount ||
			c.Inconsistent != w.inconsistent {
			t.Errorf("connector %d = {%s %s count=%d inconsistent=%v}, want %+v", i, c.Name, c.TargetState,
				c.TaskCount, c.Inconsistent, w)
		}
		if !maps.Equal(c.Config, cfgOf(w.name)) {
			t.Errorf("connector %s config = %v", w.name, c.Config)
		}
		if byName, ok := s.Connector(w.name); !ok || byName != c {
			t.Errorf("Connector(%q) = %v, %v; want the listed object", w.name, byName, ok)
		}
		tasks := s.TaskConfigs(w.name)
		if len(tasks) != w.tasks {
			t.Errorf("connector %s has %d task configs, want %d", w.name, len(tasks), w.tasks)
			continue
		}
		for j, tc := range tasks {
			if tc.ID != (connector.TaskID{Connector: w.name, Task: j}) || !maps.Equal(tc.Config, taskCfg(w.name, j)) {
				t.Errorf("task config %d of %s = %+v", j, w.name, tc)
			}
		}
	}
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConfigOffset(t *testing.T) {
	s := newStore(t)
	if got := s.ConfigOffset(); got != -1 {
		t.Fatalf("ConfigOffset of an empty store = %d, want -1", got)
	}
	if _, err := s.ApplyConfigRecord(records.ConnectorKey("a"), connectorRec("a", cfgOf("a")).value, 41); err != nil {
		t.Fatal(err)
	}
	if got := s.ConfigOffset(); got != 42 {
		t.Errorf("ConfigOffset = %d, want 42", got)
	}
}

func TestConfigMalformedRecords(t *testing.T) {
	tests := []struct {
		name string
		rec  rec
		// advances is whether the config offset moves, as it does in Kafka for anything that is JSON.
		advances bool
		notJSON  bool
	}{
		{"unknown key", rec{"bogus-a", []byte(`{}`)}, true, false},
		{"bad task number", rec{"task-a-x", enc(records.EncodeTaskConfig(nil))}, true, false},
		{"task tombstone", tombstone(records.TaskKey("a", 0)), true, false},
		{"restart tombstone", tombstone(records.RestartKey("a")), true, false},
		{"session key tombstone", tombstone(records.SessionKeyKey), true, false},
		{"logger tombstone", tombstone(records.LoggerKey("org")), true, false},
		{"fencing tombstone", tombstone(records.TaskFencingKey("a")), true, false},
		{"connector config not an object", rec{records.ConnectorKey("a"), []byte(`"x"`)}, true, false},
		{"target state unknown", rec{records.TargetStateKey("a"), []byte(`{"state":"GONE"}`)}, true, false},
		{"commit of a known connector tombstoned", tombstone(records.CommitKey("a")), true, false},
		{"commit not an integer", rec{records.CommitKey("a"), []byte(`{"tasks":"2"}`)}, true, false},
		{"not JSON", rec{records.ConnectorKey("a"), []byte(`{"properties":`)}, false, true},
		{"not JSON, unknown key", rec{"bogus", []byte(`}`)}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			// A connector with a committed task and a buffered one, to check nothing else moves.
			for i, r := range []rec{connectorRec("a", cfgOf("a")), taskRec("a", 0), commitRec("a", 1), taskRec("a", 0)} {
				if _, err := s.ApplyConfigRecord(r.key, r.value, int64(i)); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := s.Connector("a")
			events, err := s.ApplyConfigRecord(tt.rec.key, tt.rec.value, 10)
			if !errors.Is(err, records.ErrMalformed) || errors.Is(err, records.ErrNotJSON) != tt.notJSON {
				t.Fatalf("error = %v, want ErrMalformed (not JSON: %v)", err, tt.notJSON)
			}
			if len(events) != 0 {
				t.Errorf("events = %v, want none", events)
			}
			wantOffset := int64(4)
			if tt.advances {
				wantOffset = 11
			}
			if got := s.ConfigOffset(); got != wantOffset {
				t.Errorf("ConfigOffset = %d, want %d", got, wantOffset)
			}
			after, _ := s.Connector("a")
			if after != before {
				t.Errorf("connector changed: %+v → %+v", before, after)
			}
			// The buffered task 0 survived: a commit of 1 task still applies.
			events, err = s.ApplyConfigRecord(commitRec("a", 1).key, commitRec("a", 1).value, 12)
			if err != nil || !slices.Equal(events, []ConfigEvent{ev(TasksCommitted, "a")}) {
				t.Fatalf("commit after malformed record: %v, %v", events, err)
			}
			checkConnectors(t, s, []wantConnector{{name: "a", target: records.TargetStarted, taskCount: 1, tasks: 1}})
		})
	}
}

func TestConfigEventsOtherRecords(t *testing.T) {
	s := newStore(t)
	if _, ok := s.SessionKey(); ok {
		t.Fatal("empty store has a session key")
	}
	key := records.SessionKey{Key: []byte("0123456789abcdef"), Algorithm: "HmacSHA256", CreationTimestamp: 1700000000000}
	tests := []struct {
		rec  rec
		want []ConfigEvent
	}{
		{
			rec{records.RestartKey("a"), enc(records.EncodeRestart(records.RestartRequest{IncludeTasks: true}))},
			[]ConfigEvent{{Kind: RestartRequested, Connector: "a",
				Restart: records.RestartRequest{Connector: "a", IncludeTasks: true}}},
		},
		{
			rec{records.RestartKey("b"), []byte(`{"only-failed":true}`)},
			[]ConfigEvent{{Kind: RestartRequested, Connector: "b",
				Restart: records.RestartRequest{Connector: "b", OnlyFailed: true}}},
		},
		{
			rec{records.SessionKeyKey, enc(records.EncodeSessionKey(key))},
			[]ConfigEvent{{Kind: SessionKeyChanged}},
		},
		{
			rec{records.LoggerKey("org.apache.kafka.connect"), enc(records.EncodeLoggerLevel("DEBUG"))},
			[]ConfigEvent{{Kind: LoggerLevelChanged, Logger: "org.apache.kafka.connect", Level: "DEBUG"}},
		},
		{
			rec{records.TaskFencingKey("a"), enc(records.EncodeTaskFencing(3))},
			nil,
		},
	}
	for i, tt := range tests {
		events, err := s.ApplyConfigRecord(tt.rec.key, tt.rec.value, int64(i))
		if err != nil {
			t.Fatalf("%s: %v", tt.rec.key, err)
		}
		if !slices.Equal(events, tt.want) {
			t.Errorf("%s: events = %+v, want %+v", tt.rec.key, events, tt.want)
		}
	}
	got, ok := s.SessionKey()
	if !ok || string(got.Key) != string(key.Key) || got.Algorithm != key.Algorithm ||
		got.CreationTimestamp != key.CreationTimestamp {
		t.Errorf("SessionKey = %+v, %v", got, ok)
	}
}

func TestConfigJavaRecords(t *testing.T) {
	// Bytes as a Java worker writes them: HashMap property order, a null property, an old-style target state.
	s := newStore(t)
	for i, r := range []rec{
		{"target-state-src", []byte(`{"state":"PAUSED"}`)},
		{"connector-src", []byte(`{"properties":{"name":"src","connector.class":"FileStreamSource","file":null,"tasks.max":"1"}}`)},
		{"task-src-0", []byte(`{"properties":{"task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","batch.size":"2000"}}`)},
		{"commit-src", []byte(`{"tasks":1}`)},
	} {
		if _, err := s.ApplyConfigRecord(r.key, r.value, int64(i)); err != nil {
			t.Fatalf("%s: %v", r.key, err)
		}
	}
	c, ok := s.Connector("src")
	if !ok {
		t.Fatal("connector src missing")
	}
	wantCfg := map[string]string{"name": "src", "connector.class": "FileStreamSource", "tasks.max": "1"}
	if !maps.Equal(c.Config, wantCfg) || c.TargetState != records.TargetPaused || c.TaskCount != 1 {
		t.Errorf("connector = %+v", c)
	}
	tasks := s.TaskConfigs("src")
	if len(tasks) != 1 || tasks[0].Config["batch.size"] != "2000" {
		t.Errorf("TaskConfigs = %+v", tasks)
	}
}
