package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/test/workertest"
)

// gateClass is a source connector whose Start, TaskConfigs or Stop (test.gate names which) blocks until the
// test opens its gate, or until the call's context ends. It generates one task that produces nothing.
const (
	gateClass = "io.connectd.test.GateConnector"
	keyGate   = "test.gate"
)

// gate is one blocking call of one connector: entered is closed when the call is made, open releases it.
type gate struct {
	entered, open chan struct{}
	enterOnce     sync.Once
	openOnce      sync.Once
}

func (g *gate) release() { g.openOnce.Do(func() { close(g.open) }) }

var gates = struct {
	mu     sync.Mutex
	m      map[string]*gate // by "<connector>/<call>"
	starts map[string]int   // Start calls by connector
}{m: map[string]*gate{}, starts: map[string]int{}}

func gateStarts(name string) int {
	gates.mu.Lock()
	defer gates.mu.Unlock()
	return gates.starts[name]
}

// freshGate forgets what an earlier run of the test (go test -count) left for connector name, then returns the
// gate of its call, closed.
func freshGate(name, call string) *gate {
	gates.mu.Lock()
	for k := range gates.m {
		if strings.HasPrefix(k, name+"/") {
			delete(gates.m, k)
		}
	}
	delete(gates.starts, name)
	gates.mu.Unlock()
	return gateFor(name, call)
}

// gateFor returns the gate of a connector's call, creating it closed.
func gateFor(name, call string) *gate {
	gates.mu.Lock()
	defer gates.mu.Unlock()
	g := gates.m[name+"/"+call]
	if g == nil {
		g = &gate{entered: make(chan struct{}), open: make(chan struct{})}
		gates.m[name+"/"+call] = g
	}
	return g
}

type gateConnector struct{ config map[string]string }

// pass blocks while the connector's gate for call is closed, when test.gate names call.
func (c *gateConnector) pass(ctx context.Context, call string) error {
	if c.config[keyGate] != call {
		return nil
	}
	g := gateFor(c.config["name"], call)
	g.enterOnce.Do(func() { close(g.entered) })
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *gateConnector) Start(ctx context.Context, _ connector.Context, config map[string]string) error {
	c.config = config
	gates.mu.Lock()
	gates.starts[config["name"]]++
	gates.mu.Unlock()
	return c.pass(ctx, "start")
}

func (c *gateConnector) TaskConfigs(ctx context.Context, _ int) ([]map[string]string, error) {
	if err := c.pass(ctx, "taskconfigs"); err != nil {
		return nil, err
	}
	return []map[string]string{{}}, nil
}

func (c *gateConnector) Stop(ctx context.Context) error { return c.pass(ctx, "stop") }

// idleTask produces nothing.
type idleTask struct{}

func (idleTask) Start(context.Context, connector.SourceTaskContext, map[string]string) error {
	return nil
}
func (idleTask) Stop(context.Context) error { return nil }
func (idleTask) Poll(ctx context.Context) ([]*connector.SourceRecord, error) {
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Millisecond): // an idle source's poll wait, not a test wait
	}
	return nil, nil
}

func registerGate(r *connector.Registry) error {
	return r.Register(connector.Plugin{
		Class: gateClass, Type: connector.Source, Version: "1.0.0", TaskClass: "io.connectd.test.IdleTask",
		Spec:          connector.NewSpec(connector.String(keyGate).WithDefault("").Documentation("The call that blocks.")),
		NewConnector:  func() connector.Connector { return &gateConnector{} },
		NewSourceTask: func() connector.SourceTask { return idleTask{} },
	})
}

func gatedCluster(t *testing.T, props map[string]string) *workertest.Cluster {
	opts := []workertest.Option{workertest.Plugins(registerGate)}
	if props != nil {
		opts = append(opts, workertest.WorkerProps(props))
	}
	return workertest.NewCluster(t, opts...)
}

func createGated(t *testing.T, c *workertest.Cluster, name, call string) {
	t.Helper()
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": name, "config": map[string]any{
		"connector.class": gateClass, "tasks.max": "1", keyGate: call}})
	expect(t, "create "+name, status, body, http.StatusCreated, "")
}

// awaitEntered waits until the plugin call behind g has been made.
func awaitEntered(t *testing.T, g *gate, what string) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s was never called", what)
	}
}

// assertHerderResponsive checks, while a plugin call blocks, that REST reads and writes through the same worker
// complete: the connector list answers, and another connector is created and runs. Then it checks that the
// plugin call is still blocked, so everything above happened during it.
func assertHerderResponsive(t *testing.T, c *workertest.Cluster, g *gate, other string) {
	t.Helper()
	status, body := c.Do(0, http.MethodGet, "/connectors", nil)
	expect(t, "list connectors", status, body, http.StatusOK, "")
	createGated(t, c, other, "")
	workertest.WaitFor(t, 60*time.Second, other+" RUNNING with its task", func() bool {
		st, tasks := c.ConnectorState(0, other)
		return st == "RUNNING" && len(tasks) == 1 && tasks[0] == "RUNNING"
	})
	select {
	case <-g.open:
		t.Fatal("the gate was opened before the checks ended")
	default:
	}
}

func connectorTrace(t *testing.T, c *workertest.Cluster, name string) string {
	t.Helper()
	status, body := c.Do(0, http.MethodGet, "/connectors/"+name+"/status", nil)
	if status != http.StatusOK {
		return ""
	}
	var st struct {
		Connector struct{ Trace string } `json:"connector"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("status of %s: %v", name, err)
	}
	return st.Connector.Trace
}

// A connector whose Start blocks does not hold up the herder: while it blocks, the worker lists connectors and
// creates and runs another one. Once Start returns, the connector runs with its task.
func TestBlockedConnectorStartKeepsHerderResponsive(t *testing.T) {
	t.Parallel()
	c := gatedCluster(t, nil)
	g := freshGate("slow-start", "start")
	t.Cleanup(g.release) // before the cluster stops, so that no plugin call is left blocked
	createGated(t, c, "slow-start", "start")
	awaitEntered(t, g, "Start")
	assertHerderResponsive(t, c, g, "quick-start")
	g.release()
	c.WaitRunning(0, "slow-start", 1)
}

// The same for TaskConfigs: the connector is RUNNING without tasks while it blocks, and gets its task after.
func TestBlockedTaskConfigsKeepHerderResponsive(t *testing.T) {
	t.Parallel()
	c := gatedCluster(t, nil)
	g := freshGate("slow-configs", "taskconfigs")
	t.Cleanup(g.release)
	createGated(t, c, "slow-configs", "taskconfigs")
	awaitEntered(t, g, "TaskConfigs")
	assertHerderResponsive(t, c, g, "quick-configs")
	if st, tasks := c.ConnectorState(0, "slow-configs"); len(tasks) != 0 {
		t.Errorf("slow-configs is %s with tasks %v before its task configs were generated", st, tasks)
	}
	g.release()
	c.WaitRunning(0, "slow-configs", 1)
}

// The same for Stop, on a pause: once Stop returns, the connector is PAUSED.
func TestBlockedConnectorStopKeepsHerderResponsive(t *testing.T) {
	t.Parallel()
	c := gatedCluster(t, map[string]string{"task.shutdown.graceful.timeout.ms": "120000"})
	g := freshGate("slow-stop", "stop")
	t.Cleanup(g.release)
	createGated(t, c, "slow-stop", "stop")
	c.WaitRunning(0, "slow-stop", 1)
	status, body := c.Do(0, http.MethodPut, "/connectors/slow-stop/pause", nil)
	expect(t, "pause", status, body, http.StatusAccepted, "")
	awaitEntered(t, g, "Stop")
	assertHerderResponsive(t, c, g, "quick-stop")
	g.release()
	workertest.WaitFor(t, 60*time.Second, "slow-stop PAUSED", func() bool {
		st, _ := c.ConnectorState(0, "slow-stop")
		return st == "PAUSED"
	})
}

// A Stop that overruns task.shutdown.graceful.timeout.ms on a pause fails the connector with the deadline's
// message.
func TestOverrunningConnectorStopFails(t *testing.T) {
	t.Parallel()
	c := gatedCluster(t, map[string]string{"task.shutdown.graceful.timeout.ms": "300"})
	g := freshGate("stuck-stop", "stop")
	t.Cleanup(g.release)
	createGated(t, c, "stuck-stop", "stop")
	c.WaitRunning(0, "stuck-stop", 1)
	status, body := c.Do(0, http.MethodPut, "/connectors/stuck-stop/pause", nil)
	expect(t, "pause", status, body, http.StatusAccepted, "")
	workertest.WaitFor(t, 60*time.Second, "stuck-stop FAILED", func() bool {
		st, _ := c.ConnectorState(0, "stuck-stop")
		return st == "FAILED"
	})
	if tr := connectorTrace(t, c, "stuck-stop"); !strings.Contains(tr, "connector stuck-stop did not stop within 300ms") {
		t.Errorf("trace %q does not name the stop deadline", tr)
	}
}

// A connector whose Stop never returns is abandoned when it is restarted: the new instance starts once
// task.shutdown.graceful.timeout.ms has passed, while the old Stop still blocks.
func TestRestartAbandonsConnectorThatDoesNotStop(t *testing.T) {
	t.Parallel()
	c := gatedCluster(t, map[string]string{"task.shutdown.graceful.timeout.ms": "300"})
	g := freshGate("stuck-restart", "stop")
	t.Cleanup(g.release)
	createGated(t, c, "stuck-restart", "stop")
	c.WaitRunning(0, "stuck-restart", 1)
	status, body := c.Do(0, http.MethodPost, "/connectors/stuck-restart/restart", nil)
	expect(t, "restart", status, body, http.StatusNoContent, "")
	awaitEntered(t, g, "Stop")
	workertest.WaitFor(t, 60*time.Second, "a second instance of stuck-restart RUNNING", func() bool {
		st, _ := c.ConnectorState(0, "stuck-restart")
		return gateStarts("stuck-restart") == 2 && st == "RUNNING"
	})
	select {
	case <-g.open:
		t.Fatal("the old instance's Stop was released")
	default:
	}
}
