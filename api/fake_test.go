package api

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
)

// fakeHerder is an in-memory Herder. Connectors are created by the write methods; fail injects an error per
// method name; notLeader makes every forwarding write answer *herder.NotLeaderError.
type fakeHerder struct {
	mu        sync.Mutex
	ready     chan struct{}
	reg       *connector.Registry
	conns     map[string]*fakeConn
	fail      map[string]error
	notLeader *herder.NotLeaderError
	calls     []string
	// lastInitial, lastPatch, lastOffsets and lastTaskConfigs record arguments for assertions.
	lastInitial     records.TargetState
	lastPatch       map[string]*string
	lastOffsets     []herder.ConnectorOffset
	lastTaskConfigs []map[string]string
	lastConfigHash  string
	validated       map[string]string
}

type fakeConn struct {
	config  map[string]string
	typ     connector.Type
	tasks   []storage.TaskConfig
	status  *herder.ConnectorStateInfo
	topics  []string
	offsets []herder.ConnectorOffset
	target  records.TargetState
}

func newFakeHerder() *fakeHerder {
	ready := make(chan struct{})
	close(ready)
	return &fakeHerder{ready: ready, conns: map[string]*fakeConn{}, fail: map[string]error{}}
}

func notFoundErr(msg string) error {
	return &herder.RequestError{Kind: herder.ErrNotFound, Message: msg}
}

// begin records a call and returns its injected error, if any.
func (f *fakeHerder) begin(name string) error {
	f.calls = append(f.calls, name)
	return f.fail[name]
}

func (f *fakeHerder) leaderOnly() error {
	if f.notLeader != nil {
		return f.notLeader
	}
	return nil
}

func (f *fakeHerder) conn(name, notFoundMsg string) (*fakeConn, error) {
	c, ok := f.conns[name]
	if !ok {
		return nil, notFoundErr(notFoundMsg)
	}
	return c, nil
}

func (f *fakeHerder) info(name string, c *fakeConn) herder.ConnectorInfo {
	tasks := []herder.TaskIDInfo{}
	for _, t := range c.tasks {
		tasks = append(tasks, herder.TaskIDInfo{Connector: name, Task: t.ID.Task})
	}
	return herder.ConnectorInfo{Name: name, Config: maps.Clone(c.config), Tasks: tasks, Type: c.typ}
}

func (f *fakeHerder) Ready() <-chan struct{} { return f.ready }
func (f *fakeHerder) KafkaClusterID() string { return "kfake-cluster" }

func (f *fakeHerder) Connectors(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Connectors"); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(f.conns)), nil
}

func (f *fakeHerder) ConnectorInfo(_ context.Context, name string) (herder.ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ConnectorInfo"); err != nil {
		return herder.ConnectorInfo{}, err
	}
	c, err := f.conn(name, "Connector "+name+" not found")
	if err != nil {
		return herder.ConnectorInfo{}, err
	}
	return f.info(name, c), nil
}

func (f *fakeHerder) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ConnectorConfig"); err != nil {
		return nil, err
	}
	c, err := f.conn(name, "Connector "+name+" not found")
	if err != nil {
		return nil, err
	}
	return maps.Clone(c.config), nil
}

func (f *fakeHerder) ConnectorStatus(_ context.Context, name string) (herder.ConnectorStateInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ConnectorStatus"); err != nil {
		return herder.ConnectorStateInfo{}, err
	}
	c, ok := f.conns[name]
	if !ok || c.status == nil {
		return herder.ConnectorStateInfo{}, notFoundErr("No status found for connector " + name)
	}
	return *c.status, nil
}

func (f *fakeHerder) TaskStatus(_ context.Context, id connector.TaskID) (herder.TaskState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("TaskStatus"); err != nil {
		return herder.TaskState{}, err
	}
	if c, ok := f.conns[id.Connector]; ok && c.status != nil {
		for _, t := range c.status.Tasks {
			if t.ID == id.Task {
				return t, nil
			}
		}
	}
	return herder.TaskState{}, notFoundErr("No status found for task " + id.Connector + "-" + itoa(id.Task))
}

func (f *fakeHerder) TaskConfigs(_ context.Context, name string) ([]storage.TaskConfig, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("TaskConfigs"); err != nil {
		return nil, err
	}
	c, err := f.conn(name, "Connector "+name+" not found")
	if err != nil {
		return nil, err
	}
	return c.tasks, nil
}

func (f *fakeHerder) ConnectorTopics(_ context.Context, name string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ConnectorTopics"); err != nil {
		return nil, err
	}
	if c, ok := f.conns[name]; ok {
		return c.topics, nil
	}
	return nil, nil
}

func (f *fakeHerder) ResetConnectorTopics(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ResetConnectorTopics"); err != nil {
		return err
	}
	if c, ok := f.conns[name]; ok {
		c.topics = nil
	}
	return nil
}

// validate mimics the worker's create/update checks that the REST layer must map.
func (f *fakeHerder) validate(config map[string]string) (connector.Type, error) {
	class, ok := config["connector.class"]
	if !ok {
		return "", &connector.MissingClassError{Config: config}
	}
	if f.reg == nil {
		return connector.Source, nil
	}
	p, err := f.reg.Lookup(class)
	if err != nil {
		return "", err
	}
	if tm, ok := config["tasks.max"]; ok && tm != "1" && tm != "2" {
		return "", connector.NewValidationError(connector.ConfigInfos{
			Name: p.Class, ErrorCount: 1, Groups: []string{"Common"},
			Configs: []connector.ConfigInfo{{Value: &connector.ConfigValueInfo{
				Name: "tasks.max", Value: &tm,
				Errors: []string{`Invalid value ` + tm + ` for configuration tasks.max: Not a number of type INT`},
			}}},
		})
	}
	return p.Type, nil
}

func (f *fakeHerder) CreateConnector(_ context.Context, name string, config map[string]string, initial records.TargetState) (herder.ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("CreateConnector"); err != nil {
		return herder.ConnectorInfo{}, err
	}
	typ, err := f.validate(config)
	if err != nil {
		return herder.ConnectorInfo{}, err
	}
	if err := f.leaderOnly(); err != nil {
		return herder.ConnectorInfo{}, err
	}
	if _, ok := f.conns[name]; ok {
		return herder.ConnectorInfo{}, &herder.RequestError{Kind: herder.ErrAlreadyExists, Message: "Connector " + name + " already exists"}
	}
	f.lastInitial = initial
	c := &fakeConn{config: maps.Clone(config), typ: typ, target: initial}
	f.conns[name] = c
	return f.info(name, c), nil
}

func (f *fakeHerder) PutConnectorConfig(_ context.Context, name string, config map[string]string) (herder.ConnectorInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("PutConnectorConfig"); err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	typ, err := f.validate(config)
	if err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	if err := f.leaderOnly(); err != nil {
		return herder.ConnectorInfo{}, false, err
	}
	c, exists := f.conns[name]
	if !exists {
		c = &fakeConn{typ: typ}
		f.conns[name] = c
	}
	c.config = maps.Clone(config)
	return f.info(name, c), !exists, nil
}

func (f *fakeHerder) PatchConnectorConfig(_ context.Context, name string, patch map[string]*string) (herder.ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("PatchConnectorConfig"); err != nil {
		return herder.ConnectorInfo{}, err
	}
	if err := f.leaderOnly(); err != nil {
		return herder.ConnectorInfo{}, err
	}
	c, err := f.conn(name, "Connector "+name+" not found")
	if err != nil {
		return herder.ConnectorInfo{}, err
	}
	f.lastPatch = patch
	for k, v := range patch {
		if v == nil {
			delete(c.config, k)
		} else {
			c.config[k] = *v
		}
	}
	return f.info(name, c), nil
}

func (f *fakeHerder) DeleteConnector(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("DeleteConnector"); err != nil {
		return err
	}
	if err := f.leaderOnly(); err != nil {
		return err
	}
	if _, err := f.conn(name, "Connector "+name+" not found"); err != nil {
		return err
	}
	delete(f.conns, name)
	return nil
}

func (f *fakeHerder) RestartConnector(_ context.Context, name string, includeTasks, onlyFailed bool) (*herder.ConnectorStateInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("RestartConnector"); err != nil {
		return nil, err
	}
	if err := f.leaderOnly(); err != nil {
		return nil, err
	}
	c, err := f.conn(name, "Unknown connector: "+name)
	if err != nil {
		return nil, err
	}
	if !includeTasks && !onlyFailed {
		return nil, nil
	}
	if c.status == nil {
		return nil, notFoundErr("Status for connector " + name + " not found")
	}
	plan := *c.status
	plan.Tasks = slices.Clone(plan.Tasks)
	if !onlyFailed || plan.Connector.State == "FAILED" {
		plan.Connector.State = "RESTARTING"
	}
	for i, t := range plan.Tasks {
		if includeTasks && (!onlyFailed || t.State == "FAILED") {
			plan.Tasks[i].State = "RESTARTING"
		}
	}
	return &plan, nil
}

func (f *fakeHerder) RestartTask(_ context.Context, id connector.TaskID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("RestartTask"); err != nil {
		return err
	}
	if err := f.leaderOnly(); err != nil {
		return err
	}
	c, err := f.conn(id.Connector, "Unknown connector: "+id.Connector)
	if err != nil {
		return err
	}
	if id.Task < 0 || id.Task >= len(c.tasks) {
		return notFoundErr("Unknown task: " + id.Connector + "-" + itoa(id.Task))
	}
	return nil
}

func (f *fakeHerder) setTarget(name, call string, st records.TargetState) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(call); err != nil {
		return err
	}
	c, err := f.conn(name, "Unknown connector "+name)
	if err != nil {
		return err
	}
	c.target = st
	return nil
}

func (f *fakeHerder) PauseConnector(_ context.Context, name string) error {
	return f.setTarget(name, "PauseConnector", records.TargetPaused)
}

func (f *fakeHerder) ResumeConnector(_ context.Context, name string) error {
	return f.setTarget(name, "ResumeConnector", records.TargetStarted)
}

func (f *fakeHerder) StopConnector(_ context.Context, name string) error {
	f.mu.Lock()
	nl := f.leaderOnly()
	f.mu.Unlock()
	if nl != nil {
		return nl
	}
	return f.setTarget(name, "StopConnector", records.TargetStopped)
}

func (f *fakeHerder) ConnectorOffsets(_ context.Context, name string) ([]herder.ConnectorOffset, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ConnectorOffsets"); err != nil {
		return nil, err
	}
	c, err := f.conn(name, "Connector "+name+" not found")
	if err != nil {
		return nil, err
	}
	return c.offsets, nil
}

func (f *fakeHerder) AlterConnectorOffsets(_ context.Context, name string, offsets []herder.ConnectorOffset) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("AlterConnectorOffsets"); err != nil {
		return "", err
	}
	if err := f.leaderOnly(); err != nil {
		return "", err
	}
	if _, err := f.conn(name, "Connector "+name+" not found"); err != nil {
		return "", err
	}
	f.lastOffsets = offsets
	return "The offsets for this connector have been altered successfully", nil
}

func (f *fakeHerder) ResetConnectorOffsets(_ context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ResetConnectorOffsets"); err != nil {
		return "", err
	}
	if err := f.leaderOnly(); err != nil {
		return "", err
	}
	if _, err := f.conn(name, "Connector "+name+" not found"); err != nil {
		return "", err
	}
	return "The offsets for this connector have been reset successfully", nil
}

func (f *fakeHerder) PutTaskConfigs(_ context.Context, name string, configs []map[string]string, configHash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("PutTaskConfigs"); err != nil {
		return err
	}
	if err := f.leaderOnly(); err != nil {
		return err
	}
	if _, err := f.conn(name, "Connector "+name+" not found"); err != nil {
		return err
	}
	f.lastTaskConfigs = configs
	f.lastConfigHash = configHash
	return nil
}

func (f *fakeHerder) Plugins() *connector.Registry { return f.reg }

func (f *fakeHerder) ValidateConfig(_ context.Context, config map[string]string) (connector.ConfigInfos, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("ValidateConfig"); err != nil {
		return connector.ConfigInfos{}, err
	}
	f.validated = config
	if _, ok := config["connector.class"]; !ok {
		return connector.ConfigInfos{}, &connector.MissingClassError{Config: config}
	}
	v := config["name"]
	return connector.ConfigInfos{
		Name: config["connector.class"], ErrorCount: 0, Groups: []string{"Common"},
		Configs: []connector.ConfigInfo{{
			Definition: &connector.ConfigKeyInfo{Name: "name", Type: "STRING", Required: true, Importance: "HIGH",
				Documentation: "Globally unique name to use for this connector.", Width: "MEDIUM", DisplayName: "Connector name", Order: 1},
			Value: &connector.ConfigValueInfo{Name: "name", Value: &v, Visible: true},
		}},
	}, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
