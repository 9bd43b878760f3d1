package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/filestream"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// recordingSourceClass is FileStreamSource whose tasks report the config they run with.
const (
	recordingSourceClass = "io.connectd.test.RecordingFileStreamSourceConnector"
	recordingTaskClass   = "io.connectd.test.RecordingFileStreamSourceTask"
)

// runningFiles holds the file of every running recording task, by connector name.
var runningFiles = struct {
	mu sync.Mutex
	m  map[string]map[*recordingTask]string
}{m: map[string]map[*recordingTask]string{}}

type recordingTask struct {
	*filestream.SourceTask
	name string
}

func (t *recordingTask) Start(ctx context.Context, tc connector.SourceTaskContext, config map[string]string) error {
	t.name = config["name"]
	runningFiles.mu.Lock()
	if runningFiles.m[t.name] == nil {
		runningFiles.m[t.name] = map[*recordingTask]string{}
	}
	runningFiles.m[t.name][t] = config["file"]
	runningFiles.mu.Unlock()
	return t.SourceTask.Start(ctx, tc, config)
}

func (t *recordingTask) Stop(ctx context.Context) error {
	runningFiles.mu.Lock()
	delete(runningFiles.m[t.name], t)
	runningFiles.mu.Unlock()
	return t.SourceTask.Stop(ctx)
}

// running returns the files the running tasks of a connector read.
func running(name string) []string {
	runningFiles.mu.Lock()
	defer runningFiles.mu.Unlock()
	var out []string
	for _, f := range runningFiles.m[name] {
		out = append(out, f)
	}
	return out
}

func registerRecordingSource(r *connector.Registry) error {
	return r.Register(connector.Plugin{
		Class: recordingSourceClass, Type: connector.Source, Version: "1.0.0", Spec: filestream.SourceSpec(),
		TaskClass:     recordingTaskClass,
		NewConnector:  func() connector.Connector { return &filestream.SourceConnector{} },
		NewSourceTask: func() connector.SourceTask { return &recordingTask{SourceTask: &filestream.SourceTask{}} },
	})
}

// taskPostHold holds the internal POST /connectors/{name}/tasks requests that carry task configs naming an
// armed file, until release; then it hands them on, whether or not their sender still waits, and records
// the answers. It stands for a slow network between a follower and the leader.
type taskPostHold struct {
	mu       sync.Mutex
	armed    []string
	posts    []*heldPost
	released chan struct{}
	once     sync.Once
}

type heldPost struct {
	file   string
	done   chan struct{}
	status int
	body   []byte
}

func newTaskPostHold() *taskPostHold { return &taskPostHold{released: make(chan struct{})} }

func (h *taskPostHold) arm(file string) {
	h.mu.Lock()
	h.armed = append(h.armed, file)
	h.mu.Unlock()
}

func (h *taskPostHold) release() { h.once.Do(func() { close(h.released) }) }

// heldFor returns the posts naming file.
func (h *taskPostHold) heldFor(file string) []*heldPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*heldPost
	for _, p := range h.posts {
		if p.file == file {
			out = append(out, p)
		}
	}
	return out
}

func (h *taskPostHold) all() []*heldPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*heldPost(nil), h.posts...)
}

func (h *taskPostHold) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/tasks") {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.mu.Lock()
		var p *heldPost
		for _, f := range h.armed {
			if bytes.Contains(body, []byte(f)) {
				p = &heldPost{file: f, done: make(chan struct{})}
				h.posts = append(h.posts, p)
			}
		}
		h.mu.Unlock()
		if p == nil {
			next.ServeHTTP(w, r)
			return
		}
		<-h.released
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
		p.status, p.body = rec.Code, rec.Body.Bytes()
		close(p.done)
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// leaderIndex finds the leader: the only worker that does not refuse a leader-only write with forward=false.
func leaderIndex(t *testing.T, c *workertest.Cluster) int {
	t.Helper()
	leader := -1
	workertest.WaitFor(t, 60*time.Second, "a leader", func() bool {
		for i := range 3 {
			if status, _ := c.Do(i, http.MethodDelete, "/connectors/no-such-connector?forward=false", nil); status == 404 {
				leader = i
				return true
			}
		}
		return false
	})
	return leader
}

func owner(t *testing.T, c *workertest.Cluster, name string) string {
	t.Helper()
	var id string
	c.WaitStore(0, name+" running", func(s *storage.Store) bool {
		id = place(s, name).connector
		return id != ""
	})
	return id
}

// A follower that publishes task configs for a connector which is then deleted and re-created must not get
// the deleted connector's configs committed for the new one (issue 11): each cycle's first publication is held
// on its way to the leader until the connector has been deleted and re-created with another file, then let
// through; the leader must refuse every one, and the committed and running task configs must be those of the
// connector's current config.
func TestRecreatedConnectorGetsItsOwnTaskConfigs(t *testing.T) {
	t.Parallel()
	hold := newTaskPostHold()
	opts := append(fastGroup(3, "0"), workertest.Plugins(registerRecordingSource), workertest.WrapHandler(hold.wrap))
	c := workertest.NewCluster(t, opts...)
	t.Cleanup(hold.release)

	// Steer the connector to a follower: new connectors go to the workers with the fewest connectors, so the
	// leader is given one to keep.
	leader := leaderIndex(t, c)
	leaderID := workerID(c, leader)
	follower := (leader + 1) % 3
	var ballast []string
	for i := 0; ; i++ {
		name := fmt.Sprintf("ballast%d", i)
		createSource(t, c, leader, name, 1)
		ballast = append(ballast, name)
		if owner(t, c, name) == leaderID {
			break
		}
		if i == 2 {
			t.Fatal("the leader was never given a connector")
		}
	}
	for _, name := range ballast {
		if owner(t, c, name) != leaderID {
			status, body := c.Do(leader, http.MethodDelete, "/connectors/"+name, nil)
			expect(t, "delete "+name, status, body, 204, "")
		}
	}

	dir := t.TempDir()
	const cycles = 4
	var current map[string]string
	for k := 1; k <= cycles; k++ {
		file := filepath.Join(dir, fmt.Sprintf("input-%d.txt", k))
		if err := os.WriteFile(file, []byte(fmt.Sprintf("incarnation %d\n", k)), 0o600); err != nil {
			t.Fatal(err)
		}
		current = map[string]string{"connector.class": recordingSourceClass, "tasks.max": "1", "file": file, "topic": "cycles"}
		last := k == cycles
		if !last {
			hold.arm(file)
		}
		status, body := c.Do(follower, http.MethodPost, "/connectors", map[string]any{"name": "cyc", "config": current})
		expect(t, fmt.Sprintf("create incarnation %d", k), status, body, 201, "")
		if last {
			break
		}
		workertest.WaitFor(t, 60*time.Second, fmt.Sprintf("incarnation %d's task configs posted to the leader", k), func() bool {
			return len(hold.heldFor(file)) > 0
		})
		if id := owner(t, c, "cyc"); id == leaderID {
			t.Fatalf("incarnation %d runs on the leader", k)
		}
		status, body = c.Do(follower, http.MethodDelete, "/connectors/cyc", nil)
		expect(t, fmt.Sprintf("delete incarnation %d", k), status, body, 204, "")
	}
	current["name"] = "cyc"
	want := maps.Clone(current)
	want["task.class"] = recordingTaskClass
	tasksMatch := func(i int) bool {
		status, body := c.Do(i, http.MethodGet, "/connectors/cyc/tasks", nil)
		if status != 200 {
			return false
		}
		var tasks []struct {
			Config map[string]string `json:"config"`
		}
		if err := json.Unmarshal(body, &tasks); err != nil {
			t.Fatalf("GET /tasks: %v: %s", err, body)
		}
		return len(tasks) == 1 && maps.Equal(tasks[0].Config, want)
	}
	workertest.WaitFor(t, 60*time.Second, "the last incarnation's task configs", func() bool { return tasksMatch(leader) })

	// Now the stale publications arrive.
	hold.release()
	posts := hold.all()
	if len(posts) < cycles-1 {
		t.Fatalf("%d publications held, want one per deleted incarnation at least", len(posts))
	}
	for _, p := range posts {
		select {
		case <-p.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("held publication of %s not answered", p.file)
		}
		var e struct {
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(p.body, &e); p.status != 400 || err != nil || e.Code != 400 ||
			!strings.Contains(e.Message, "not generated from its current configuration") {
			t.Errorf("stale task configs of %s: leader answered %d %s, want a 400 refusal", p.file, p.status, p.body)
		}
	}
	for i := range 3 {
		if !tasksMatch(i) {
			status, body := c.Do(i, http.MethodGet, "/connectors/cyc/tasks", nil)
			t.Errorf("worker %d: GET /connectors/cyc/tasks = %d %s, want the task config of %v", i, status, body, current)
		}
	}
	workertest.WaitFor(t, 60*time.Second, "one task running with "+current["file"], func() bool {
		files := running("cyc")
		return len(files) == 1 && files[0] == current["file"]
	})
	c.WaitRunning(follower, "cyc", 1)
	if !tasksMatch(leader) {
		t.Error("the task configs changed after the task started")
	}
	if files := running("cyc"); len(files) != 1 || files[0] != current["file"] {
		t.Errorf("running tasks read %v, want only %s", files, current["file"])
	}
}
