package storage

import (
	"errors"
	"fmt"
	"strconv"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

// ConfigEventKind says what a config-topic record changed.
type ConfigEventKind int

// Config events, returned by ApplyConfigRecord.
const (
	// ConnectorConfigChanged: a connector config record was read (the connector is new or its config was
	// rewritten, possibly unchanged, as Kafka Connect reports it).
	ConnectorConfigChanged ConfigEventKind = iota + 1
	// ConnectorRemoved: an existing connector's config was tombstoned. Its task configs are gone too.
	ConnectorRemoved
	// TargetStateChanged: an existing connector's target state changed.
	TargetStateChanged
	// TasksCommitted: a commit record for an existing connector was read. The connector's TaskCount,
	// Inconsistent and task configs reflect it.
	TasksCommitted
	// RestartRequested: a restart-connector record was read (Restart holds it). Kafka Connect acts on these
	// only once it has finished reading the topic at startup.
	RestartRequested
	// SessionKeyChanged: a new session key was read.
	SessionKeyChanged
	// LoggerLevelChanged: a cluster-wide logger level record was read (Logger, Level). Kafka Connect applies
	// these only once it has finished reading the topic at startup.
	LoggerLevelChanged
)

var configEventKindNames = [...]string{"", "connector_config_changed", "connector_removed",
	"target_state_changed", "tasks_committed", "restart_requested", "session_key_changed",
	"logger_level_changed"}

// String names the kind for logs, in snake_case.
func (k ConfigEventKind) String() string {
	if k <= 0 || int(k) >= len(configEventKindNames) {
		return "ConfigEventKind(" + strconv.Itoa(int(k)) + ")"
	}
	return configEventKindNames[k]
}

// ConfigEvent is one change made by a config-topic record.
type ConfigEvent struct {
	Kind ConfigEventKind
	// Connector is the connector concerned; "" for SessionKeyChanged and LoggerLevelChanged.
	Connector string
	// Restart is the request, for RestartRequested.
	Restart records.RestartRequest
	// Logger is the logger namespace and Level its level, for LoggerLevelChanged.
	Logger string
	Level  string
}

// ApplyConfigRecord applies one config-topic record (value nil = tombstone) as KafkaConfigBackingStore's
// reader does, and returns what changed:
//
//   - connector-<n>: creates or replaces the connector's config, with target state STARTED unless a
//     target-state record said otherwise; a tombstone removes the connector and its task configs.
//   - target-state-<n>: sets the target state, even before the connector exists (creation with an initial
//     state writes it first); a tombstone forgets it (STARTED again if the connector still exists).
//   - task-<n>-<i>: buffers the task config until the connector's next commit.
//   - commit-<n>: applies the buffered configs if tasks 0..N-1 are all there, else marks the connector
//     Inconsistent with no tasks; the buffer is cleared either way. Ignored for an unknown connector.
//   - restart-connector-, session-key, logger-cluster-: reported as events; the session key is kept.
//   - tasks-fencing-: validated and otherwise ignored (exactly-once source is not supported).
//
// ConfigOffset becomes offset+1 for every record whose value is JSON (or null), including records that are
// then ignored, exactly as in Kafka; a value that is not JSON leaves the offset alone. An ignored record
// yields an error wrapping records.ErrMalformed: callers should log it and go on.
func (s *Store) ApplyConfigRecord(key string, value []byte, offset int64) ([]ConfigEvent, error) {
	null, err := records.NullValue(value)
	if err != nil {
		return nil, fmt.Errorf("config record %q: %w", key, err)
	}
	a := configApply{s: s, value: value, null: null}
	err = s.write(func(txn *memdb.Txn) (bool, error) {
		a.txn = txn
		if err := updateMeta(txn, func(m *metaRow) { m.ConfigOffset = offset + 1 }); err != nil {
			return false, err
		}
		err := a.apply(key)
		// A malformed record still moves the offset; any other error is a store failure.
		return err == nil || errors.Is(err, records.ErrMalformed), err
	})
	if err != nil {
		return nil, fmt.Errorf("config record %q: %w", key, err)
	}
	return a.events, nil
}

// configApply is the state of one ApplyConfigRecord call, inside its write transaction.
type configApply struct {
	s      *Store
	txn    *memdb.Txn
	value  []byte
	null   bool
	events []ConfigEvent
}

func (a *configApply) apply(key string) error {
	kind, name, task, ok := records.ParseConfigKey(key)
	if !ok {
		return fmt.Errorf("%w: unknown or invalid config key", records.ErrMalformed)
	}
	switch kind {
	case records.KeyConnector:
		return a.connector(name)
	case records.KeyTargetState:
		return a.targetState(name)
	case records.KeyTask:
		return a.task(name, task)
	case records.KeyCommit:
		return a.commit(name)
	case records.KeyRestart:
		return a.restart(name)
	case records.KeyTaskFencing:
		if err := a.notNull(); err != nil {
			return err
		}
		_, err := records.DecodeTaskFencing(a.value)
		return err
	case records.KeySessionKey:
		return a.sessionKey()
	case records.KeyLogger:
		return a.logger(name)
	}
	return fmt.Errorf("%w: unknown config key kind %v", records.ErrMalformed, kind)
}

func (a *configApply) emit(ev ConfigEvent) { a.events = append(a.events, ev) }

// notNull rejects tombstones for record kinds Kafka never tombstones.
func (a *configApply) notNull() error {
	if a.null {
		return fmt.Errorf("%w: unexpected null value", records.ErrMalformed)
	}
	return nil
}

func (a *configApply) connector(name string) error {
	cur := first[Connector](a.txn, tableConnectors, keyPart(name))
	if a.null {
		// Kafka keeps the target state until its own tombstone, which the deleting worker writes next.
		delete(a.s.deferred, name)
		if cur == nil {
			return nil
		}
		if err := a.txn.Delete(tableConnectors, cur); err != nil {
			return fmt.Errorf("storage: delete connector: %w", err)
		}
		if _, err := deletePrefix(a.txn, tableTasks, keyPart(name)); err != nil {
			return err
		}
		a.emit(ConfigEvent{Kind: ConnectorRemoved, Connector: name})
		return nil
	}
	cfg, err := records.DecodeConnectorConfig(a.value)
	if err != nil {
		return err
	}
	target, ok := a.s.targets[name]
	if !ok {
		// Connectors created before target states existed (and most connectors) have no record: STARTED.
		target = records.TargetStarted
		a.s.targets[name] = target
	}
	next := &Connector{Name: name, Config: cfg, TargetState: target}
	if cur != nil {
		next.TaskCount, next.Inconsistent = cur.TaskCount, cur.Inconsistent
	}
	if err := a.txn.Insert(tableConnectors, next); err != nil {
		return fmt.Errorf("storage: insert connector: %w", err)
	}
	a.emit(ConfigEvent{Kind: ConnectorConfigChanged, Connector: name})
	return nil
}

func (a *configApply) targetState(name string) error {
	var target records.TargetState
	cur := first[Connector](a.txn, tableConnectors, keyPart(name))
	if a.null {
		delete(a.s.targets, name)
		if cur == nil {
			return nil
		}
		// Every existing connector has a target state; without a record it is STARTED.
		target = records.TargetStarted
		a.s.targets[name] = target
	} else {
		var err error
		if target, err = records.DecodeTargetState(a.value); err != nil {
			return err
		}
		a.s.targets[name] = target
	}
	if cur == nil || cur.TargetState == target {
		return nil
	}
	next := *cur
	next.TargetState = target
	if err := a.txn.Insert(tableConnectors, &next); err != nil {
		return fmt.Errorf("storage: update connector: %w", err)
	}
	a.emit(ConfigEvent{Kind: TargetStateChanged, Connector: name})
	return nil
}

func (a *configApply) task(name string, task int) error {
	if err := a.notNull(); err != nil {
		return err
	}
	cfg, err := records.DecodeTaskConfig(a.value)
	if err != nil {
		return err
	}
	tasks := a.s.deferred[name]
	if tasks == nil {
		tasks = make(map[int]map[string]string)
		a.s.deferred[name] = tasks
	}
	tasks[task] = cfg
	return nil
}

func (a *configApply) commit(name string) error {
	cur := first[Connector](a.txn, tableConnectors, keyPart(name))
	if cur == nil {
		// The connector was deleted and compaction removed its config and tombstone: drop what was buffered.
		delete(a.s.deferred, name)
		return nil
	}
	if err := a.notNull(); err != nil {
		return err
	}
	n, err := records.DecodeCommit(a.value)
	if err != nil {
		return err
	}
	buffered := a.s.deferred[name]
	// The buffer is cleared whether or not it is applied: an incomplete set is stale for good.
	delete(a.s.deferred, name)

	// Only 0..N-1 must be present: compaction may leave configs of higher, no longer committed tasks.
	complete := true
	for i := range n {
		if _, ok := buffered[i]; !ok {
			complete = false
			break
		}
	}
	if _, err := deletePrefix(a.txn, tableTasks, keyPart(name)); err != nil {
		return err
	}
	next := *cur
	next.TaskCount, next.Inconsistent = n, !complete
	if complete {
		for i := range n {
			row := &taskRow{TaskConfig{ID: connector.TaskID{Connector: name, Task: i}, Config: buffered[i]}}
			if err := a.txn.Insert(tableTasks, row); err != nil {
				return fmt.Errorf("storage: insert task config: %w", err)
			}
		}
	} else {
		next.TaskCount = 0
	}
	if err := a.txn.Insert(tableConnectors, &next); err != nil {
		return fmt.Errorf("storage: update connector: %w", err)
	}
	a.emit(ConfigEvent{Kind: TasksCommitted, Connector: name})
	return nil
}

func (a *configApply) restart(name string) error {
	if err := a.notNull(); err != nil {
		return err
	}
	includeTasks, onlyFailed, err := records.DecodeRestart(a.value)
	if err != nil {
		return err
	}
	a.emit(ConfigEvent{Kind: RestartRequested, Connector: name, Restart: records.RestartRequest{
		Connector: name, IncludeTasks: includeTasks, OnlyFailed: onlyFailed,
	}})
	return nil
}

func (a *configApply) sessionKey() error {
	if err := a.notNull(); err != nil {
		return err
	}
	k, err := records.DecodeSessionKey(a.value)
	if err != nil {
		return err
	}
	if err := updateMeta(a.txn, func(m *metaRow) { m.SessionKey = &k }); err != nil {
		return err
	}
	a.emit(ConfigEvent{Kind: SessionKeyChanged})
	return nil
}

func (a *configApply) logger(namespace string) error {
	if err := a.notNull(); err != nil {
		return err
	}
	level, err := records.DecodeLoggerLevel(a.value)
	if err != nil {
		return err
	}
	a.emit(ConfigEvent{Kind: LoggerLevelChanged, Logger: namespace, Level: level})
	return nil
}

// Connectors returns every connector, sorted by name.
func (s *Store) Connectors() []*Connector {
	return scan[Connector](s.db.Txn(false), tableConnectors, "")
}

// Connector returns one connector.
func (s *Store) Connector(name string) (*Connector, bool) {
	c := first[Connector](s.db.Txn(false), tableConnectors, keyPart(name))
	return c, c != nil
}

// TaskConfigs returns a connector's committed task configs, sorted by task number: tasks 0..TaskCount-1, or
// none when the connector is inconsistent or unknown.
func (s *Store) TaskConfigs(name string) []TaskConfig {
	rows := scan[taskRow](s.db.Txn(false), tableTasks, keyPart(name))
	out := make([]TaskConfig, len(rows))
	for i, r := range rows {
		out[i] = r.TaskConfig
	}
	return out
}
