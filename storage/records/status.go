package records

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connector/javajson"
)

// Status-topic key prefixes (KafkaStatusBackingStore).
const (
	statusConnectorPrefix = "status-connector-"
	statusTaskPrefix      = "status-task-"
	statusTopicPrefix     = "status-topic-"
	statusTopicSeparator  = ":connector-"
)

// StatusConnectorKey is the status-topic key of a connector's status.
func StatusConnectorKey(name string) string { return statusConnectorPrefix + name }

// StatusTaskKey is the status-topic key of a task's status.
func StatusTaskKey(name string, task int) string {
	return statusTaskPrefix + name + "-" + strconv.Itoa(task)
}

// StatusTopicKey is the status-topic key of a topic a connector uses (KIP-558):
// "status-topic-<topic>:connector-<name>".
func StatusTopicKey(topic, connector string) string {
	return statusTopicPrefix + topic + statusTopicSeparator + connector
}

// StatusKeyKind is the kind of record a status-topic key names.
type StatusKeyKind int

// Status-topic record kinds.
const (
	StatusKeyUnknown StatusKeyKind = iota
	StatusKeyConnector
	StatusKeyTask
	StatusKeyTopic
)

var statusKeyKindNames = [...]string{"unknown", "connector", "task", "topic"}

// String names the kind for logs.
func (k StatusKeyKind) String() string {
	if k < 0 || int(k) >= len(statusKeyKindNames) {
		return "StatusKeyKind(" + strconv.Itoa(int(k)) + ")"
	}
	return statusKeyKindNames[k]
}

// ParseStatusKey classifies a status-topic key the way KafkaStatusBackingStore's reader does. task is set for
// StatusKeyTask, topic for StatusKeyTopic. ok is false for keys Kafka discards: an unknown prefix, an empty
// connector name, a task key without a parsable task number, a topic key without a topic or connector.
//
// A topic key is cut at its first ':' and the 11 characters that follow (":connector-" in a well-formed key)
// are skipped without being checked, exactly as Kafka does.
func ParseStatusKey(key string) (kind StatusKeyKind, connector string, task int, topic string, ok bool) {
	switch {
	case strings.HasPrefix(key, statusConnectorPrefix):
		connector = key[len(statusConnectorPrefix):]
		return StatusKeyConnector, connector, 0, "", connector != ""
	case strings.HasPrefix(key, statusTaskPrefix):
		connector, task, ok = parseTaskKey(key, 2)
		return StatusKeyTask, connector, task, "", ok
	case strings.HasPrefix(key, statusTopicPrefix):
		rest := key[len(statusTopicPrefix):]
		i := strings.IndexByte(rest, ':')
		if i <= 0 || i+len(statusTopicSeparator) > len(rest) {
			return StatusKeyTopic, "", 0, "", false
		}
		topic, connector = rest[:i], rest[i+len(statusTopicSeparator):]
		if connector == "" {
			return StatusKeyTopic, "", 0, "", false
		}
		return StatusKeyTopic, connector, 0, topic, true
	}
	return StatusKeyUnknown, "", 0, "", false
}

// EncodeStatus encodes a connector or task status in Kafka's field order:
// {"state":"RUNNING","trace":null,"worker_id":"host:port","generation":7}. An empty Trace is written as null.
// StateDestroyed cannot be encoded: Kafka writes a tombstone instead.
func EncodeStatus(s Status) ([]byte, error) {
	if !s.State.valid() || s.State == StateDestroyed {
		return nil, fmt.Errorf("encode status: cannot encode state %q", s.State)
	}
	var trace any
	if s.Trace != "" {
		trace = s.Trace
	}
	return marshal(javajson.Object{
		{Key: "state", Value: string(s.State)},
		{Key: "trace", Value: trace},
		{Key: "worker_id", Value: s.WorkerID},
		{Key: "generation", Value: s.Generation},
	})
}

// DecodeStatus decodes a connector or task status value. As in Kafka, state must name a state, trace and
// worker_id may be null or missing, and generation must be an integer.
func DecodeStatus(b []byte) (Status, error) {
	m, err := parseObject(b, "status")
	if err != nil {
		return Status{}, err
	}
	state, err := stringField(m, "state")
	if err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	s := Status{State: State(state)}
	if !s.State.valid() {
		return Status{}, malformed("status: unknown state %q", state)
	}
	if s.Trace, err = optionalString(m, "trace"); err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	if s.WorkerID, err = optionalString(m, "worker_id"); err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	if s.Generation, err = intField(m, "generation"); err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	return s, nil
}

func (s State) valid() bool {
	switch s {
	case StateUnassigned, StateRunning, StatePaused, StateFailed, StateRestarting, StateStopped, StateDestroyed:
		return true
	}
	return false
}

// optionalString reads a field that Java casts to String: null or missing is "", another type is an error.
func optionalString(m map[string]any, name string) (string, error) {
	switch v := m[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", malformed("field %q is %s, not a string", name, typeName(v))
	}
}

// EncodeTopicStatus encodes a status-topic-<topic>:connector-<name> value:
// {"topic":{"name":"t","connector":"c","task":0,"discoverTimestamp":1}}.
func EncodeTopicStatus(t TopicStatus) ([]byte, error) {
	return marshal(javajson.Object{{Key: "topic", Value: javajson.Object{
		{Key: "name", Value: t.Topic},
		{Key: "connector", Value: t.Connector},
		{Key: "task", Value: t.Task},
		{Key: "discoverTimestamp", Value: t.DiscoverTimestamp},
	}}})
}

// DecodeTopicStatus decodes a topic status value. name and connector may be null, as Kafka allows.
func DecodeTopicStatus(b []byte) (TopicStatus, error) {
	m, err := parseObject(b, "topic status")
	if err != nil {
		return TopicStatus{}, err
	}
	inner, ok := m["topic"].(map[string]any)
	if !ok {
		return TopicStatus{}, malformed("topic status: field \"topic\" is %s, not an object", typeName(m["topic"]))
	}
	var t TopicStatus
	if t.Topic, err = optionalString(inner, "name"); err != nil {
		return TopicStatus{}, fmt.Errorf("topic status: %w", err)
	}
	if t.Connector, err = optionalString(inner, "connector"); err != nil {
		return TopicStatus{}, fmt.Errorf("topic status: %w", err)
	}
	task, err := intField(inner, "task")
	if err != nil {
		return TopicStatus{}, fmt.Errorf("topic status: %w", err)
	}
	t.Task = int(task)
	if t.DiscoverTimestamp, err = longField(inner, "discoverTimestamp"); err != nil {
		return TopicStatus{}, fmt.Errorf("topic status: %w", err)
	}
	return t, nil
}
