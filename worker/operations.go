package worker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/configprovider"
	"github.com/connectd/connectd/worker/kafkalog"
)

// This file holds the herder operations behind the REST API (api.Herder). Reads answer from the Store; writes
// run on the herder loop and return once the config topic has been read back.

func notFound(name string) error {
	return requestError(herder.ErrNotFound, "Connector "+name+" not found")
}

func unknownConnector(name string) error {
	return requestError(herder.ErrNotFound, "Unknown connector: "+name)
}

// Connectors lists the connector names.
func (w *Worker) Connectors(ctx context.Context) ([]string, error) {
	if err := w.awaitReady(ctx); err != nil {
		return nil, err
	}
	cs := w.store.Connectors()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names, nil
}

// ConnectorInfo is GET /connectors/{name}.
func (w *Worker) ConnectorInfo(ctx context.Context, name string) (herder.ConnectorInfo, error) {
	if err := w.awaitReady(ctx); err != nil {
		return herder.ConnectorInfo{}, err
	}
	c, ok := w.store.Connector(name)
	if !ok {
		return herder.ConnectorInfo{}, notFound(name)
	}
	return w.connectorInfo(c), nil
}

func (w *Worker) connectorInfo(c *storage.Connector) herder.ConnectorInfo {
	tasks := make([]herder.TaskIDInfo, 0, c.TaskCount)
	for i := range c.TaskCount {
		tasks = append(tasks, herder.TaskIDInfo{Connector: c.Name, Task: i})
	}
	return herder.ConnectorInfo{Name: c.Name, Config: maps.Clone(c.Config), Tasks: tasks, Type: w.connectorType(c.Config)}
}

// ConnectorConfig is GET /connectors/{name}/config.
func (w *Worker) ConnectorConfig(ctx context.Context, name string) (map[string]string, error) {
	if err := w.awaitReady(ctx); err != nil {
		return nil, err
	}
	c, ok := w.store.Connector(name)
	if !ok {
		return nil, notFound(name)
	}
	return maps.Clone(c.Config), nil
}

// ConnectorStatus is GET /connectors/{name}/status. A connector that exists but whose worker has not reported
// it yet (just created, or not yet assigned) is UNASSIGNED on this worker with no tasks, where Kafka Connect
// answers 404 "No status found": clients that create and then read the status at once see it exist. The 404
// stays for connectors that do not exist, after reading the config topic to its end, so a connector created
// through another worker an instant ago is found too.
func (w *Worker) ConnectorStatus(ctx context.Context, name string) (herder.ConnectorStateInfo, error) {
	if err := w.awaitReady(ctx); err != nil {
		return herder.ConnectorStateInfo{}, err
	}
	st, ok := w.store.ConnectorStatus(name)
	c, exists := w.store.Connector(name)
	if !ok && !exists {
		// Bounded, and a failure only costs the fresh look: a status request for an unknown connector
		// gets its 404, never a 5xx, when Kafka is slow.
		rctx, cancel := context.WithTimeout(ctx, w.cfg.WorkerSyncTimeout)
		err := w.configLog.ReadToEnd(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return herder.ConnectorStateInfo{}, ctx.Err()
			}
			w.log.Debug("config topic not read to its end for a status request", "connector", name, "err", err)
		}
		c, exists = w.store.Connector(name)
		st, ok = w.store.ConnectorStatus(name)
	}
	if !ok && !exists {
		return herder.ConnectorStateInfo{}, requestError(herder.ErrNotFound, "No status found for connector "+name)
	}
	typ := connector.Unknown
	if exists {
		typ = w.connectorType(c.Config)
	}
	info := herder.ConnectorStateInfo{Name: name, Tasks: []herder.TaskState{}, Type: typ}
	if !ok {
		// The worker that will run it is not known here until its status arrives; like Kafka Connect's
		// UNASSIGNED records, the status names the worker that wrote it, this one.
		info.Connector = herder.ConnectorState{State: string(records.StateUnassigned), WorkerID: w.id}
		return info, nil
	}
	info.Connector = herder.ConnectorState{State: string(st.State), WorkerID: st.WorkerID, Trace: st.Trace}
	for _, ts := range w.store.TaskStatuses(name) {
		info.Tasks = append(info.Tasks, taskState(ts.ID.Task, ts.Status))
	}
	return info, nil
}

func taskState(id int, st records.Status) herder.TaskState {
	return herder.TaskState{ID: id, State: string(st.State), WorkerID: st.WorkerID, Trace: st.Trace}
}

// TaskStatus is GET /connectors/{name}/tasks/{id}/status.
func (w *Worker) TaskStatus(ctx context.Context, id connector.TaskID) (herder.TaskState, error) {
	if err := w.awaitReady(ctx); err != nil {
		return herder.TaskState{}, err
	}
	st, ok := w.store.TaskStatus(id)
	if !ok {
		return herder.TaskState{}, requestError(herder.ErrNotFound, fmt.Sprintf("No status found for task %s-%d", id.Connector, id.Task))
	}
	return taskState(id.Task, st), nil
}

// TaskConfigs is GET /connectors/{name}/tasks.
func (w *Worker) TaskConfigs(ctx context.Context, name string) ([]storage.TaskConfig, error) {
	if err := w.awaitReady(ctx); err != nil {
		return nil, err
	}
	if _, ok := w.store.Connector(name); !ok {
		return nil, notFound(name)
	}
	return w.store.TaskConfigs(name), nil
}

var errTopicTrackingDisabled = requestError(herder.ErrForbidden, "Topic tracking is disabled.")

// ConnectorTopics is GET /connectors/{name}/topics: no 404 for unknown connectors, as in Kafka Connect.
func (w *Worker) ConnectorTopics(ctx context.Context, name string) ([]string, error) {
	if err := w.awaitReady(ctx); err != nil {
		return nil, err
	}
	if !w.cfg.TopicTrackingEnable {
		return nil, errTopicTrackingDisabled
	}
	topics := []string{}
	for _, ts := range w.store.TopicStatuses(name) {
		topics = append(topics, ts.Topic)
	}
	return topics, nil
}

// ResetConnectorTopics is PUT /connectors/{name}/topics/reset: tombstones for every recorded topic.
func (w *Worker) ResetConnectorTopics(ctx context.Context, name string) error {
	if err := w.awaitReady(ctx); err != nil {
		return err
	}
	if !w.cfg.TopicTrackingEnable {
		return errTopicTrackingDisabled
	}
	if !w.cfg.TopicTrackingAllowReset {
		return requestError(herder.ErrForbidden, "Topic tracking reset is disabled.")
	}
	for _, ts := range w.store.TopicStatuses(name) {
		w.statuses.tombstone(records.StatusTopicKey(ts.Topic, name))
	}
	return nil
}

// validateOptions are the worker settings validation depends on.
func (w *Worker) validateOptions() connector.ValidateOptions {
	return connector.ValidateOptions{WorkerGroupID: w.cfg.GroupID, ClientOverridePolicy: w.cfg.ConnectorClientConfigOverridePolicy}
}

// validate checks a connector config as create and update do; a config with errors gives a
// *connector.ValidationError.
func (w *Worker) validate(config map[string]string) error {
	infos, err := w.validateConfig(config)
	if err != nil {
		return err
	}
	if infos.ErrorCount > 0 {
		return connector.NewValidationError(infos)
	}
	return nil
}

// ValidateConfig is PUT /connector-plugins/{plugin}/config/validate.
func (w *Worker) ValidateConfig(_ context.Context, config map[string]string) (connector.ConfigInfos, error) {
	return w.validateConfig(config)
}

// validateConfig validates config with its config provider placeholders resolved, as Kafka Connect's
// validateConnectorConfig does. A placeholder that cannot be resolved is an error on its key naming the
// provider (Kafka would pass it on as literal text). The answer shows the placeholders, not the values they
// resolved to, so that validation never echoes a secret.
func (w *Worker) validateConfig(config map[string]string) (connector.ConfigInfos, error) {
	resolved, terr := w.cfg.Providers.Transform(config)
	if terr != nil {
		resolved = config
	}
	infos, _, err := w.registry.Validate(resolved, w.validateOptions())
	if err != nil {
		return infos, err
	}
	for _, ci := range infos.Configs {
		v := ci.Value
		if v == nil {
			continue
		}
		if raw, ok := config[v.Name]; ok && configprovider.HasPlaceholder(raw) {
			if v.Value != nil {
				v.Value = &raw
			}
			v.Errors = hideResolved(v.Errors, resolved[v.Name], raw)
		}
	}
	for _, ue := range configprovider.Unresolved(terr) {
		i := slices.IndexFunc(infos.Configs, func(ci connector.ConfigInfo) bool { return ci.Value != nil && ci.Value.Name == ue.Key })
		if i < 0 {
			raw := config[ue.Key]
			infos.Configs = append(infos.Configs, connector.ConfigInfo{Value: &connector.ConfigValueInfo{
				Name: ue.Key, Value: &raw, RecommendedValues: []string{}, Errors: []string{}, Visible: true}})
			i = len(infos.Configs) - 1
		}
		infos.Configs[i].Value.Errors = append(infos.Configs[i].Value.Errors, ue.Error())
		infos.ErrorCount++
	}
	return infos, nil
}

// hideResolved rewrites a key's validation errors so that they show its placeholder (raw) where they quote
// the value it resolved to: "Invalid value <secret> for configuration ..." must not hand the secret to whoever
// may validate. Other mentions are replaced too unless the value is too short to be one (a digit would
// rewrite unrelated text such as "at least 1").
func hideResolved(errs []string, resolved, raw string) []string {
	if resolved == "" || resolved == raw {
		return errs
	}
	out := make([]string, len(errs))
	for i, e := range errs {
		e = strings.ReplaceAll(e, "Invalid value "+resolved+" for configuration", "Invalid value "+raw+" for configuration")
		if len(resolved) >= 4 {
			e = strings.ReplaceAll(e, resolved, raw)
		}
		out[i] = e
	}
	return out
}

func connectorRecord(name string, config map[string]string) (kafkalog.Record, error) {
	v, err := records.EncodeConnectorConfig(config)
	return kafkalog.Record{Key: []byte(records.ConnectorKey(name)), Value: v}, err
}

func targetStateRecord(name string, s records.TargetState) (kafkalog.Record, error) {
	v, err := records.EncodeTargetState(s)
	return kafkalog.Record{Key: []byte(records.TargetStateKey(name)), Value: v}, err
}

// CreateConnector is POST /connectors.
func (w *Worker) CreateConnector(ctx context.Context, name string, config map[string]string, initial records.TargetState) (herder.ConnectorInfo, error) {
	if err := w.validate(config); err != nil {
		return herder.ConnectorInfo{}, err
	}
	var info herder.ConnectorInfo
	err := w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can set connector configs."); err != nil {
			return err
		}
		if _, exists := w.store.Connector(name); exists {
			return requestError(herder.ErrAlreadyExists, "Connector "+name+" already exists")
		}
		var recs []kafkalog.Record
		if initial != "" {
			r, err := targetStateRecord(name, initial)
			if err != nil {
				return err
			}
			recs = append(recs, r)
		}
		r, err := connectorRecord(name, config)
		if err != nil {
			return err
		}
		if err := w.writeConfig(ctx, append(recs, r)...); err != nil {
			return err
		}
		w.log.Info("connector created", "connector", name)
		info = herder.ConnectorInfo{Name: name, Config: maps.Clone(config), Tasks: []herder.TaskIDInfo{}, Type: w.connectorType(config)}
		return nil
	})
	return info, err
}

// PutConnectorConfig is PUT /connectors/{name}/config.
func (w *Worker) PutConnectorConfig(ctx context.Context, name string, config map[string]string) (herder.ConnectorInfo, bool, error) {
	if err := w.validate(config); err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	var (
		info    herder.ConnectorInfo
		created bool
	)
	err := w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can set connector configs."); err != nil {
			return err
		}
		old, existed := w.store.Connector(name)
		r, err := connectorRecord(name, config)
		if err != nil {
			return err
		}
		if err := w.writeConfig(ctx, r); err != nil {
			return err
		}
		created = !existed
		info = herder.ConnectorInfo{Name: name, Config: maps.Clone(config), Tasks: []herder.TaskIDInfo{}, Type: w.connectorType(config)}
		if existed {
			for i := range old.TaskCount {
				info.Tasks = append(info.Tasks, herder.TaskIDInfo{Connector: name, Task: i})
			}
		}
		return nil
	})
	return info, created, err
}

// PatchConnectorConfig is PATCH /connectors/{name}/config (KIP-477).
func (w *Worker) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (herder.ConnectorInfo, error) {
	var info herder.ConnectorInfo
	err := w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can set connector configs."); err != nil {
			return err
		}
		c, ok := w.store.Connector(name)
		if !ok {
			return notFound(name)
		}
		merged := maps.Clone(c.Config)
		for k, v := range patch {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = *v
			}
		}
		if err := w.validate(merged); err != nil {
			return err
		}
		r, err := connectorRecord(name, merged)
		if err != nil {
			return err
		}
		if err := w.writeConfig(ctx, r); err != nil {
			return err
		}
		info = w.connectorInfo(&storage.Connector{Name: name, Config: merged, TaskCount: c.TaskCount})
		return nil
	})
	return info, err
}

// DeleteConnector is DELETE /connectors/{name}: tombstones for the config and the target state.
func (w *Worker) DeleteConnector(ctx context.Context, name string) error {
	return w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can delete connector configs."); err != nil {
			return err
		}
		if _, ok := w.store.Connector(name); !ok {
			return notFound(name)
		}
		err := w.writeConfig(ctx,
			kafkalog.Record{Key: []byte(records.ConnectorKey(name))},
			kafkalog.Record{Key: []byte(records.TargetStateKey(name))})
		if err == nil {
			w.log.Info("connector deleted", "connector", name)
		}
		return err
	})
}

// RestartConnector is POST /connectors/{name}/restart.
func (w *Worker) RestartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) (*herder.ConnectorStateInfo, error) {
	if !includeTasks && !onlyFailed {
		return nil, w.do(ctx, func(ctx context.Context) error {
			c, ok := w.store.Connector(name)
			if !ok {
				return unknownConnector(name)
			}
			if !w.assigned(name) {
				return w.notOwner(connector.TaskID{Connector: name, Task: -1}, "Cannot restart connector since it is not assigned to this member")
			}
			if r := w.connectors[name]; r != nil {
				w.stopConnector(r)
				delete(w.connectors, name)
			}
			w.startConnector(ctx, c)
			return nil
		})
	}
	var plan *herder.ConnectorStateInfo
	err := w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can process restart requests."); err != nil {
			return err
		}
		c, ok := w.store.Connector(name)
		if !ok {
			return unknownConnector(name)
		}
		st, ok := w.store.ConnectorStatus(name)
		if !ok {
			return requestError(herder.ErrNotFound, "Status for connector "+name+" not found")
		}
		v, err := records.EncodeRestart(records.RestartRequest{Connector: name, IncludeTasks: includeTasks, OnlyFailed: onlyFailed})
		if err != nil {
			return err
		}
		if err := w.configLog.SendAll(ctx, []kafkalog.Record{{Key: []byte(records.RestartKey(name)), Value: v}}); err != nil {
			return fmt.Errorf("write restart request: %w", err)
		}
		p := herder.ConnectorStateInfo{
			Name:      name,
			Connector: herder.ConnectorState{State: string(st.State), WorkerID: st.WorkerID, Trace: st.Trace},
			Tasks:     []herder.TaskState{},
			Type:      w.connectorType(c.Config),
		}
		if !onlyFailed || st.State == records.StateFailed {
			p.Connector.State = string(records.StateRestarting)
		}
		for _, ts := range w.store.TaskStatuses(name) {
			s := taskState(ts.ID.Task, ts.Status)
			if includeTasks && (!onlyFailed || ts.State == records.StateFailed) {
				s.State = string(records.StateRestarting)
			}
			p.Tasks = append(p.Tasks, s)
		}
		plan = &p
		return nil
	})
	return plan, err
}

// RestartTask is POST /connectors/{name}/tasks/{id}/restart.
func (w *Worker) RestartTask(ctx context.Context, id connector.TaskID) error {
	return w.do(ctx, func(ctx context.Context) error {
		c, ok := w.store.Connector(id.Connector)
		if !ok {
			return unknownConnector(id.Connector)
		}
		idx := slices.IndexFunc(w.store.TaskConfigs(id.Connector), func(tc storage.TaskConfig) bool { return tc.ID == id })
		if idx < 0 {
			return requestError(herder.ErrNotFound, fmt.Sprintf("Unknown task: %s-%d", id.Connector, id.Task))
		}
		config := w.store.TaskConfigs(id.Connector)[idx].Config
		if !w.assignedTask(id) {
			return w.notOwner(id, "Cannot restart task since it is not assigned to this member")
		}
		if t := w.tasks[id]; t != nil {
			delete(w.tasks, id)
			w.stopTasks([]*taskRunner{t}, stopRestart)
		}
		w.startTask(id, config, c)
		return nil
	})
}

// setTargetState writes a target-state record from this worker (pause and resume need no leader).
func (w *Worker) setTargetState(ctx context.Context, name string, s records.TargetState) error {
	if _, ok := w.store.Connector(name); !ok {
		return requestError(herder.ErrNotFound, "Unknown connector "+name)
	}
	r, err := targetStateRecord(name, s)
	if err != nil {
		return err
	}
	if err := w.configLog.SendAll(ctx, []kafkalog.Record{r}); err != nil {
		return fmt.Errorf("write target state: %w", err)
	}
	return nil
}

// PauseConnector is PUT /connectors/{name}/pause.
func (w *Worker) PauseConnector(ctx context.Context, name string) error {
	return w.setTargetState(ctx, name, records.TargetPaused)
}

// ResumeConnector is PUT /connectors/{name}/resume; it also restarts a STOPPED connector.
func (w *Worker) ResumeConnector(ctx context.Context, name string) error {
	return w.setTargetState(ctx, name, records.TargetStarted)
}

// StopConnector is PUT /connectors/{name}/stop (KIP-875): an empty task set, then the STOPPED target state.
func (w *Worker) StopConnector(ctx context.Context, name string) error {
	return w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can transition connectors to the STOPPED state."); err != nil {
			return err
		}
		if _, ok := w.store.Connector(name); !ok {
			return requestError(herder.ErrNotFound, "Unknown connector "+name)
		}
		commit, err := records.EncodeCommit(0)
		if err != nil {
			return err
		}
		ts, err := targetStateRecord(name, records.TargetStopped)
		if err != nil {
			return err
		}
		return w.writeConfig(ctx, kafkalog.Record{Key: []byte(records.CommitKey(name)), Value: commit}, ts)
	})
}

// PutTaskConfigs is the internal POST /connectors/{name}/tasks. configHash is the ConfigHash of the connector
// config the follower generated configs from, "" when it did not say (a Java worker); configs of an older
// incarnation of the connector are refused (see checkIncarnation for how they are told apart).
func (w *Worker) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string, configHash string) error {
	return w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader may write task configurations."); err != nil {
			return err
		}
		if err := w.checkIncarnation(ctx, name, configs, configHash); err != nil {
			return err
		}
		return w.writeTaskConfigs(ctx, name, configs)
	})
}

// notOwner is the error for a restart that must run where the connector or task runs: the leader points at
// the owner (Kafka Connect's NotAssignedException), a follower at the leader, which knows the owner.
func (w *Worker) notOwner(id connector.TaskID, msg string) error {
	url, leader, _ := w.group.leaderInfo()
	if leader {
		return &herder.NotLeaderError{TargetURL: w.ownerOf(id), Message: msg}
	}
	return &herder.NotLeaderError{TargetURL: url, Message: msg}
}

func requestError(kind error, msg string) *herder.RequestError {
	return &herder.RequestError{Kind: kind, Message: msg}
}
