package records

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connector/javajson"
)

// Config-topic key prefixes (KafkaConfigBackingStore).
const (
	targetStatePrefix = "target-state-"
	connectorPrefix   = "connector-"
	taskPrefix        = "task-"
	commitPrefix      = "commit-"
	restartPrefix     = "restart-connector-"
	taskFencingPrefix = "tasks-fencing-"
	loggerPrefix      = "logger-cluster-"
)

// SessionKeyKey is the config-topic key of the session key record (KIP-507).
const SessionKeyKey = "session-key"

// ConnectorKey is the config-topic key of a connector's config.
func ConnectorKey(name string) string { return connectorPrefix + name }

// TargetStateKey is the config-topic key of a connector's target state.
func TargetStateKey(name string) string { return targetStatePrefix + name }

// TaskKey is the config-topic key of one task's config.
func TaskKey(name string, task int) string { return taskPrefix + name + "-" + strconv.Itoa(task) }

// CommitKey is the config-topic key of a connector's task-config commit.
func CommitKey(name string) string { return commitPrefix + name }

// RestartKey is the config-topic key of a connector restart request (KIP-745).
func RestartKey(name string) string { return restartPrefix + name }

// TaskFencingKey is the config-topic key of a connector's task count record (KIP-618).
func TaskFencingKey(name string) string { return taskFencingPrefix + name }

// LoggerKey is the config-topic key of a cluster-wide logger level (KIP-976).
func LoggerKey(namespace string) string { return loggerPrefix + namespace }

// ConfigKeyKind is the kind of record a config-topic key names.
type ConfigKeyKind int

// Config-topic record kinds.
const (
	KeyUnknown ConfigKeyKind = iota
	KeyConnector
	KeyTargetState
	KeyTask
	KeyCommit
	KeyRestart
	KeyTaskFencing
	KeySessionKey
	KeyLogger
)

var configKeyKindNames = [...]string{"unknown", "connector", "target-state", "task", "commit", "restart",
	"task-fencing", "session-key", "logger"}

// String names the kind for logs.
func (k ConfigKeyKind) String() string {
	if k < 0 || int(k) >= len(configKeyKindNames) {
		return "ConfigKeyKind(" + strconv.Itoa(int(k)) + ")"
	}
	return configKeyKindNames[k]
}

// ParseConfigKey classifies a config-topic key the way KafkaConfigBackingStore's reader does: by prefix, in
// the order target-state-, connector-, task-, commit-, restart-connector-, tasks-fencing-, the exact key
// session-key, logger-cluster-. connector is the connector name (the namespace for KeyLogger, "" for
// KeySessionKey). task is set for KeyTask only. ok is false for an unknown key and for a task key whose
// task number does not parse; Kafka discards both.
func ParseConfigKey(key string) (kind ConfigKeyKind, connector string, task int, ok bool) {
	switch {
	case strings.HasPrefix(key, targetStatePrefix):
		return KeyTargetState, key[len(targetStatePrefix):], 0, true
	case strings.HasPrefix(key, connectorPrefix):
		return KeyConnector, key[len(connectorPrefix):], 0, true
	case strings.HasPrefix(key, taskPrefix):
		connector, task, ok = parseTaskKey(key, 1)
		return KeyTask, connector, task, ok
	case strings.HasPrefix(key, commitPrefix):
		return KeyCommit, key[len(commitPrefix):], 0, true
	case strings.HasPrefix(key, restartPrefix):
		return KeyRestart, key[len(restartPrefix):], 0, true
	case strings.HasPrefix(key, taskFencingPrefix):
		return KeyTaskFencing, key[len(taskFencingPrefix):], 0, true
	case key == SessionKeyKey:
		return KeySessionKey, "", 0, true
	case strings.HasPrefix(key, loggerPrefix):
		return KeyLogger, key[len(loggerPrefix):], 0, true
	}
	return KeyUnknown, "", 0, false
}

// parseTaskKey parses "<prefix>-<connector>-<n>" where the prefix itself is prefixParts dash-separated words.
// It reproduces Java's key.split("-"): the last element is the task number and the elements between the prefix
// and it, joined by "-", are the connector name. Like String.split it drops trailing empty elements, so
// "task-a-0-" still names task 0 of connector "a".
func parseTaskKey(key string, prefixParts int) (connector string, task int, ok bool) {
	parts := strings.Split(key, "-")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) < prefixParts+2 {
		return "", 0, false
	}
	// Integer.parseInt: optional sign, decimal digits, int32 range.
	n, err := strconv.ParseInt(parts[len(parts)-1], 10, 32)
	if err != nil {
		return "", 0, false
	}
	return strings.Join(parts[prefixParts:len(parts)-1], "-"), int(n), true
}

// EncodeConnectorConfig encodes a connector-<name> value: {"properties":{...}}.
func EncodeConnectorConfig(cfg map[string]string) ([]byte, error) {
	return encodeProperties(cfg)
}

// DecodeConnectorConfig decodes a connector-<name> value. Properties whose value is JSON null (which a Java
// worker may write) are dropped. It does not handle tombstones: a nil value is an error.
func DecodeConnectorConfig(b []byte) (map[string]string, error) {
	return decodeProperties(b, "connector config")
}

// EncodeTaskConfig encodes a task-<name>-<n> value; the shape is a connector config's.
func EncodeTaskConfig(cfg map[string]string) ([]byte, error) {
	return encodeProperties(cfg)
}

// DecodeTaskConfig decodes a task-<name>-<n> value like DecodeConnectorConfig.
func DecodeTaskConfig(b []byte) (map[string]string, error) {
	return decodeProperties(b, "task config")
}

func encodeProperties(cfg map[string]string) ([]byte, error) {
	props := make(map[string]any, len(cfg))
	for k, v := range cfg {
		props[k] = v
	}
	return marshal(javajson.Object{{Key: "properties", Value: props}})
}

func decodeProperties(b []byte, what string) (map[string]string, error) {
	m, err := parseObject(b, what)
	if err != nil {
		return nil, err
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return nil, malformed("%s: field \"properties\" is %s, not an object", what, typeName(m["properties"]))
	}
	cfg := make(map[string]string, len(props))
	for k, v := range props {
		switch v := v.(type) {
		case nil:
			// Map<String,String> values are optional in Kafka's schema; a null entry carries nothing.
		case string:
			cfg[k] = v
		default:
			return nil, malformed("%s: property %q is %s, not a string", what, k, typeName(v))
		}
	}
	return cfg, nil
}

// EncodeTargetState encodes a target-state-<name> value. Both fields are always written; STOPPED is written
// as {"state":"PAUSED","state.v2":"STOPPED"} so that workers older than KIP-875 fall back to PAUSED.
func EncodeTargetState(s TargetState) ([]byte, error) {
	legacy := s
	switch s {
	case TargetStarted, TargetPaused:
	case TargetStopped:
		legacy = TargetPaused
	default:
		return nil, fmt.Errorf("encode target state: unknown target state %q", s)
	}
	return marshal(javajson.Object{{Key: "state", Value: string(legacy)}, {Key: "state.v2", Value: string(s)}})
}

// DecodeTargetState decodes a target-state-<name> value: state.v2 when it is a string, else state (records
// written by workers older than 3.5 have only state).
func DecodeTargetState(b []byte) (TargetState, error) {
	m, err := parseObject(b, "target state")
	if err != nil {
		return "", err
	}
	raw, ok := m["state.v2"].(string)
	if !ok {
		if raw, err = stringField(m, "state"); err != nil {
			return "", fmt.Errorf("target state: %w", err)
		}
	}
	switch s := TargetState(raw); s {
	case TargetStarted, TargetPaused, TargetStopped:
		return s, nil
	}
	return "", malformed("target state: unknown state %q", raw)
}

// EncodeCommit encodes a commit-<name> value: {"tasks":N}.
func EncodeCommit(tasks int) ([]byte, error) {
	if tasks < 0 {
		return nil, fmt.Errorf("encode commit: negative task count %d", tasks)
	}
	return marshal(javajson.Object{{Key: "tasks", Value: tasks}})
}

// DecodeCommit decodes a commit-<name> value into its task count. A negative count is malformed.
func DecodeCommit(b []byte) (int, error) {
	return decodeCount(b, "commit", "tasks")
}

// EncodeTaskFencing encodes a tasks-fencing-<name> value: {"task-count":N}.
func EncodeTaskFencing(count int) ([]byte, error) {
	if count < 0 {
		return nil, fmt.Errorf("encode task count record: negative task count %d", count)
	}
	return marshal(javajson.Object{{Key: "task-count", Value: count}})
}

// DecodeTaskFencing decodes a tasks-fencing-<name> value into its task count.
func DecodeTaskFencing(b []byte) (int, error) {
	return decodeCount(b, "task count record", "task-count")
}

func decodeCount(b []byte, what, field string) (int, error) {
	m, err := parseObject(b, what)
	if err != nil {
		return 0, err
	}
	n, err := intField(m, field)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if n < 0 {
		return 0, malformed("%s: negative task count %d", what, n)
	}
	return int(n), nil
}

// EncodeRestart encodes a restart-connector-<name> value: {"include-tasks":b,"only-failed":b}. The connector
// name travels in the key.
func EncodeRestart(r RestartRequest) ([]byte, error) {
	return marshal(javajson.Object{{Key: "include-tasks", Value: r.IncludeTasks}, {Key: "only-failed", Value: r.OnlyFailed}})
}

// DecodeRestart decodes a restart-connector-<name> value. Like Kafka, a missing or non-boolean field is false;
// only a value that is not an object is an error.
func DecodeRestart(b []byte) (includeTasks, onlyFailed bool, err error) {
	m, err := parseObject(b, "restart request")
	if err != nil {
		return false, false, err
	}
	includeTasks, _ = m["include-tasks"].(bool)
	onlyFailed, _ = m["only-failed"].(bool)
	return includeTasks, onlyFailed, nil
}

// EncodeSessionKey encodes the session-key value:
// {"key":"<base64>","algorithm":"HmacSHA256","creation-timestamp":<epoch ms>}.
func EncodeSessionKey(k SessionKey) ([]byte, error) {
	return marshal(javajson.Object{
		{Key: "key", Value: base64.StdEncoding.EncodeToString(k.Key)},
		{Key: "algorithm", Value: k.Algorithm},
		{Key: "creation-timestamp", Value: k.CreationTimestamp},
	})
}

// DecodeSessionKey decodes the session-key value.
func DecodeSessionKey(b []byte) (SessionKey, error) {
	m, err := parseObject(b, "session key")
	if err != nil {
		return SessionKey{}, err
	}
	enc, err := stringField(m, "key")
	if err != nil {
		return SessionKey{}, fmt.Errorf("session key: %w", err)
	}
	// java.util.Base64.getDecoder() accepts the basic alphabet with or without padding.
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		var rawErr error
		if key, rawErr = base64.RawStdEncoding.DecodeString(enc); rawErr != nil {
			return SessionKey{}, malformed("session key: field \"key\" is not base64: %v", err)
		}
	}
	alg, err := stringField(m, "algorithm")
	if err != nil {
		return SessionKey{}, fmt.Errorf("session key: %w", err)
	}
	ts, err := longField(m, "creation-timestamp")
	if err != nil {
		return SessionKey{}, fmt.Errorf("session key: %w", err)
	}
	return SessionKey{Key: key, Algorithm: alg, CreationTimestamp: ts}, nil
}

// EncodeLoggerLevel encodes a logger-cluster-<namespace> value: {"level":"DEBUG"}.
func EncodeLoggerLevel(level string) ([]byte, error) {
	return marshal(javajson.Object{{Key: "level", Value: level}})
}

// DecodeLoggerLevel decodes a logger-cluster-<namespace> value into its level, as written.
func DecodeLoggerLevel(b []byte) (string, error) {
	m, err := parseObject(b, "logger level")
	if err != nil {
		return "", err
	}
	level, err := stringField(m, "level")
	if err != nil {
		return "", fmt.Errorf("logger level: %w", err)
	}
	return level, nil
}
