package storage

import (
	"errors"
	"slices"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

func statusValue(state records.State, gen int32) []byte {
	return enc(records.EncodeStatus(records.Status{State: state, WorkerID: "w1:8083", Generation: gen}))
}

func applyStatus(t *testing.T, s *Store, key string, value []byte) {
	t.Helper()
	if err := s.ApplyStatusRecord(key, value); err != nil {
		t.Fatalf("ApplyStatusRecord(%s): %v", key, err)
	}
}

func TestConnectorAndTaskStatus(t *testing.T) {
	s := newStore(t)
	applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateRunning, 1))
	applyStatus(t, s, records.StatusTaskKey("a", 10), statusValue(records.StateRunning, 1))
	applyStatus(t, s, records.StatusTaskKey("a", 2), statusValue(records.StatePaused, 1))
	applyStatus(t, s, records.StatusTaskKey("a-b", 0), statusValue(records.StateRunning, 1))
	failed := records.Status{State: records.StateFailed, Trace: "java.lang.Exception: x\n\tat y\n", WorkerID: "w2:8083",
		Generation: 2}
	applyStatus(t, s, records.StatusTaskKey("a", 0), enc(records.EncodeStatus(failed)))

	st, ok := s.ConnectorStatus("a")
	if !ok || st.State != records.StateRunning || st.WorkerID != "w1:8083" || st.Generation != 1 {
		t.Errorf("ConnectorStatus(a) = %+v, %v", st, ok)
	}
	if _, ok := s.ConnectorStatus("a-b"); ok {
		t.Error("ConnectorStatus(a-b) exists")
	}
	got, ok := s.TaskStatus(connector.TaskID{Connector: "a", Task: 0})
	if !ok || got != failed {
		t.Errorf("TaskStatus(a/0) = %+v, %v", got, ok)
	}
	var ids []int
	for _, ts := range s.TaskStatuses("a") {
		if ts.ID.Connector != "a" {
			t.Errorf("TaskStatuses(a) includes %+v", ts.ID)
		}
		ids = append(ids, ts.ID.Task)
	}
	if !slices.Equal(ids, []int{0, 2, 10}) {
		t.Errorf("TaskStatuses(a) tasks = %v, want [0 2 10]", ids)
	}

	// A task tombstone removes one task.
	applyStatus(t, s, records.StatusTaskKey("a", 2), nil)
	if _, ok := s.TaskStatus(connector.TaskID{Connector: "a", Task: 2}); ok {
		t.Error("task a/2 survived its tombstone")
	}
	// A connector tombstone removes the connector and all its tasks, as Kafka's reader does, but not a-b's.
	applyStatus(t, s, records.StatusConnectorKey("a"), nil)
	if _, ok := s.ConnectorStatus("a"); ok {
		t.Error("connector a survived its tombstone")
	}
	if n := len(s.TaskStatuses("a")); n != 0 {
		t.Errorf("connector a still has %d task statuses", n)
	}
	if n := len(s.TaskStatuses("a-b")); n != 1 {
		t.Errorf("connector a-b has %d task statuses, want 1", n)
	}
	// Tombstones for nothing are fine.
	applyStatus(t, s, records.StatusConnectorKey("zzz"), nil)
	applyStatus(t, s, records.StatusTaskKey("zzz", 1), nil)
}

func TestUnassignedQuirk(t *testing.T) {
	tests := []struct {
		name     string
		cached   records.State
		cachedGn int32
		incoming records.State
		inGn     int32
		applied  bool
	}{
		{"stale unassigned, same generation", records.StateRunning, 5, records.StateUnassigned, 5, false},
		{"stale unassigned, older generation", records.StateRunning, 5, records.StateUnassigned, 4, false},
		{"newer unassigned", records.StateRunning, 5, records.StateUnassigned, 6, true},
		{"unassigned over paused", records.StatePaused, 5, records.StateUnassigned, 1, true},
		{"unassigned over failed", records.StateFailed, 5, records.StateUnassigned, 1, true},
		{"older running still applies", records.StateRunning, 5, records.StateRunning, 1, true},
		{"older failed still applies", records.StateRunning, 5, records.StateFailed, 1, true},
		{"unassigned with nothing cached", "", 0, records.StateUnassigned, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			id := connector.TaskID{Connector: "a", Task: 0}
			key := records.StatusTaskKey(id.Connector, id.Task)
			if tt.cached != "" {
				applyStatus(t, s, key, statusValue(tt.cached, tt.cachedGn))
			}
			changed := s.Changed()
			applyStatus(t, s, key, statusValue(tt.incoming, tt.inGn))
			got, _ := s.TaskStatus(id)
			applied := got.State == tt.incoming && got.Generation == tt.inGn
			if applied != tt.applied {
				t.Errorf("status = %+v; applied = %v, want %v", got, applied, tt.applied)
			}
			select {
			case <-changed:
				if !tt.applied {
					t.Error("an ignored record signalled a change")
				}
			default:
				if tt.applied {
					t.Error("an applied record did not signal a change")
				}
			}
		})
	}

	// Kafka applies the quirk to tasks only: a connector's UNASSIGNED always lands.
	s := newStore(t)
	applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateRunning, 5))
	applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateUnassigned, 4))
	if st, _ := s.ConnectorStatus("a"); st.State != records.StateUnassigned {
		t.Errorf("connector status = %+v, want UNASSIGNED", st)
	}
}

func TestTopicStatuses(t *testing.T) {
	s := newStore(t)
	put := func(topic, connector string, ts int64) {
		t.Helper()
		v := enc(records.EncodeTopicStatus(records.TopicStatus{Topic: topic, Connector: connector, DiscoverTimestamp: ts}))
		applyStatus(t, s, records.StatusTopicKey(topic, connector), v)
	}
	put("orders", "a", 3)
	put("clicks", "a", 1)
	put("orders", "a", 4)
	put("orders", "ab", 5)
	// A Java worker could leave name and connector null; the key supplies them.
	applyStatus(t, s, records.StatusTopicKey("users", "a"),
		[]byte(`{"topic":{"name":null,"connector":null,"task":2,"discoverTimestamp":9}}`))

	got := s.TopicStatuses("a")
	want := []records.TopicStatus{
		{Topic: "clicks", Connector: "a", DiscoverTimestamp: 1},
		{Topic: "orders", Connector: "a", DiscoverTimestamp: 4},
		{Topic: "users", Connector: "a", Task: 2, DiscoverTimestamp: 9},
	}
	if !slices.Equal(got, want) {
		t.Errorf("TopicStatuses(a) = %+v\nwant %+v", got, want)
	}
	applyStatus(t, s, records.StatusTopicKey("orders", "a"), nil)
	if got := s.TopicStatuses("a"); len(got) != 2 || got[0].Topic != "clicks" || got[1].Topic != "users" {
		t.Errorf("after tombstone TopicStatuses(a) = %+v", got)
	}
	if got := s.TopicStatuses("ab"); len(got) != 1 {
		t.Errorf("TopicStatuses(ab) = %+v", got)
	}
}

func TestStatusMalformed(t *testing.T) {
	tests := []struct {
		key   string
		value []byte
	}{
		{"status-unknown", statusValue(records.StateRunning, 1)},
		{"status-connector-", statusValue(records.StateRunning, 1)},
		{"status-task-a-#", statusValue(records.StateRunning, 1)},
		{"status-topic-orders:", []byte(`{}`)},
		{records.StatusConnectorKey("a"), []byte("invalid")},
		{records.StatusConnectorKey("a"), []byte{}},
		{records.StatusConnectorKey("a"), []byte("null")},
		{records.StatusTaskKey("a", 0), []byte(`{"state":"RUNNING"}`)},
		{records.StatusTopicKey("t", "a"), []byte(`{"topic":{}}`)},
	}
	for _, tt := range tests {
		s := newStore(t)
		applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateRunning, 1))
		applyStatus(t, s, records.StatusTaskKey("a", 0), statusValue(records.StateRunning, 1))
		if err := s.ApplyStatusRecord(tt.key, tt.value); !errors.Is(err, records.ErrMalformed) {
			t.Errorf("ApplyStatusRecord(%q, %q) = %v, want ErrMalformed", tt.key, tt.value, err)
		}
		st, ok := s.ConnectorStatus("a")
		if !ok || st.State != records.StateRunning {
			t.Errorf("after %q: connector status = %+v, %v", tt.key, st, ok)
		}
		if len(s.TaskStatuses("a")) != 1 || len(s.TopicStatuses("a")) != 0 {
			t.Errorf("after %q: task or topic statuses changed", tt.key)
		}
	}
}
