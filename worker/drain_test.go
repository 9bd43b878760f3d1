package worker_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/test/workertest"
)

// drainClass is a source whose task holds records it hands out only once the worker drains it
// (connector.Drainer), as a task with a local spool does.
const (
	drainClass   = "io.connectd.test.DrainingSource"
	keyHeld      = "test.drain.held"  // records the task holds for the drain
	keyNever     = "test.drain.never" // "true": the task never reports ErrDrained
	drainedTopic = "drained"
)

// drainLog is what the draining tasks did, by connector name.
type drainLog struct {
	mu        sync.Mutex
	spoolDir  string
	drained   bool      // Drain was called
	stopped   time.Time // when Stop was called
	committed int       // records Kafka acknowledged
}

var drainLogs = struct {
	mu sync.Mutex
	m  map[string]*drainLog
}{m: map[string]*drainLog{}}

// forgetDrainLog forgets the log of connector name an earlier run of the test (go test -count) left.
func forgetDrainLog(name string) {
	drainLogs.mu.Lock()
	delete(drainLogs.m, name)
	drainLogs.mu.Unlock()
}

func drainLogOf(name string) *drainLog {
	drainLogs.mu.Lock()
	defer drainLogs.mu.Unlock()
	l := drainLogs.m[name]
	if l == nil {
		l = &drainLog{}
		drainLogs.m[name] = l
	}
	return l
}

func (l *drainLog) get() drainLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	return drainLog{spoolDir: l.spoolDir, drained: l.drained, stopped: l.stopped, committed: l.committed}
}

type drainConnector struct{ config map[string]string }

func (c *drainConnector) Start(_ context.Context, _ connector.Context, config map[string]string) error {
	c.config = config
	return nil
}

func (c *drainConnector) TaskConfigs(context.Context, int) ([]map[string]string, error) {
	return []map[string]string{c.config}, nil
}

func (c *drainConnector) Stop(context.Context) error { return nil }

type drainTask struct {
	log   *drainLog
	held  int
	never bool

	mu       sync.Mutex
	draining bool
}

func (d *drainTask) Start(_ context.Context, tc connector.SourceTaskContext, config map[string]string) error {
	d.log = drainLogOf(config["name"])
	d.held, _ = strconv.Atoi(config[keyHeld])
	d.never = config[keyNever] == "true"
	if p, ok := tc.(connector.SpoolDirProvider); ok {
		dir, err := p.SpoolDir()
		if err != nil {
			return err
		}
		d.log.mu.Lock()
		d.log.spoolDir = dir
		d.log.mu.Unlock()
	}
	return nil
}

func (d *drainTask) Drain() {
	d.mu.Lock()
	d.draining = true
	d.mu.Unlock()
	d.log.mu.Lock()
	d.log.drained = true
	d.log.mu.Unlock()
}

func (d *drainTask) Poll(ctx context.Context) ([]*connector.SourceRecord, error) {
	d.mu.Lock()
	draining := d.draining
	d.mu.Unlock()
	if draining && !d.never {
		if d.held == 0 {
			return nil, connector.ErrDrained
		}
		n := min(d.held, 10)
		d.held -= n
		recs := make([]*connector.SourceRecord, n)
		for i := range recs {
			recs[i] = &connector.SourceRecord{Topic: drainedTopic, Value: "held",
				ValueSchema: &connector.Schema{Type: connector.TypeString}}
		}
		return recs, nil
	}
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Millisecond): // an idle source's poll wait, not a test wait
	}
	return nil, nil
}

func (d *drainTask) CommitRecord(*connector.SourceRecord, *connector.RecordMetadata) error {
	d.log.mu.Lock()
	d.log.committed++
	d.log.mu.Unlock()
	return nil
}

func (d *drainTask) Stop(context.Context) error {
	d.log.mu.Lock()
	d.log.stopped = time.Now()
	d.log.mu.Unlock()
	return nil
}

func registerDrain(r *connector.Registry) error {
	return r.Register(connector.Plugin{
		Class: drainClass, Type: connector.Source, Version: "1.0.0", TaskClass: "io.connectd.test.DrainingTask",
		Spec: connector.NewSpec(
			connector.Int(keyHeld).WithDefault("0").Documentation("Records held for the drain."),
			connector.Bool(keyNever).WithDefault("false").Documentation("Never report drained."),
		),
		NewConnector:  func() connector.Connector { return &drainConnector{} },
		NewSourceTask: func() connector.SourceTask { return &drainTask{} },
	})
}

func createDrain(t *testing.T, c *workertest.Cluster, name string, config map[string]any) {
	t.Helper()
	config["connector.class"] = drainClass
	config["tasks.max"] = "1"
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": name, "config": config})
	expect(t, "create "+name, status, body, http.StatusCreated, "")
	c.WaitRunning(0, name, 1)
}

func stopConnector(t *testing.T, c *workertest.Cluster, name string) time.Time {
	t.Helper()
	at := time.Now()
	status, body := c.Do(0, http.MethodPut, "/connectors/"+name+"/stop", nil)
	expect(t, "stop "+name, status, body, http.StatusNoContent, "")
	return at
}

// A stopping task that holds records (connector.Drainer) is drained: the worker keeps polling it after the
// stop until it reports connector.ErrDrained, and Kafka has every record it handed out before its Stop.
// The task finds its spool directory under spool.dir, named for its connector and task.
func TestStoppingTaskIsDrainedIntoKafka(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := workertest.NewCluster(t, workertest.Plugins(registerDrain), workertest.WorkerProps(map[string]string{"spool.dir": dir}))
	forgetDrainLog("drain one")
	createDrain(t, c, "drain one", map[string]any{keyHeld: "95"})
	log := drainLogOf("drain one")
	if got, want := log.get().spoolDir, filepath.Join(dir, "drain%20one", "0"); got != want {
		t.Fatalf("spool directory %q, want %q", got, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "drain%20one", "0")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("spool directory not created private: %v %v", fi, err)
	}
	stopConnector(t, c, "drain one")
	workertest.WaitFor(t, 30*time.Second, "the task stopped", func() bool { return !log.get().stopped.IsZero() })
	if got := log.get(); !got.drained || got.committed != 95 {
		t.Fatalf("drained %v, %d records in Kafka before Stop; want the 95 held records", got.drained, got.committed)
	}
}

// A drain that does not end is cut off at half of task.shutdown.graceful.timeout.ms, so the task is still
// stopped in time (not abandoned).
func TestDrainIsBoundedByTheGracefulTimeout(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerDrain),
		workertest.WorkerProps(map[string]string{"task.shutdown.graceful.timeout.ms": "2000"}))
	forgetDrainLog("endless")
	createDrain(t, c, "endless", map[string]any{keyNever: "true"})
	log := drainLogOf("endless")
	at := stopConnector(t, c, "endless")
	workertest.WaitFor(t, 30*time.Second, "the task stopped", func() bool { return !log.get().stopped.IsZero() })
	got := log.get()
	if !got.drained {
		t.Fatal("the task was not drained")
	}
	if took := got.stopped.Sub(at); took > 2*time.Second {
		t.Fatalf("Stop came %s after the stop request, past the graceful timeout of 2 s: the drain was not cut off", took)
	}
}

// A paused task is not drained when it stops: pausing means no records flow.
func TestPausedTaskIsNotDrained(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerDrain))
	forgetDrainLog("paused")
	createDrain(t, c, "paused", map[string]any{keyHeld: "10"})
	status, body := c.Do(0, http.MethodPut, "/connectors/paused/pause", nil)
	expect(t, "pause", status, body, http.StatusAccepted, "")
	workertest.WaitFor(t, 30*time.Second, "task PAUSED", func() bool {
		st, tasks := c.ConnectorState(0, "paused")
		return st == "PAUSED" && len(tasks) == 1 && tasks[0] == "PAUSED"
	})
	log := drainLogOf("paused")
	stopConnector(t, c, "paused")
	workertest.WaitFor(t, 30*time.Second, "the task stopped", func() bool { return !log.get().stopped.IsZero() })
	if got := log.get(); got.drained || got.committed != 0 {
		t.Fatalf("a paused task was drained (%v, %d records)", got.drained, got.committed)
	}
}
