package worker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/backoff"
	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/connector/filestream"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/group"
)

// heldPost is one POST /connectors/{name}/tasks the fake leader received; it is never answered, so the
// follower's attempt stays in flight until the follower gives it up (gone is closed then).
type heldPost struct {
	hash string
	body string
	gone chan struct{}
}

// holdingLeader is a leader whose internal endpoint holds every request until its caller gives up.
type holdingLeader struct {
	url   string
	posts chan heldPost
}

func newHoldingLeader(t *testing.T) *holdingLeader {
	l := &holdingLeader{posts: make(chan heldPost, 16)}
	quit := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p := heldPost{hash: r.URL.Query().Get(herder.ConfigHashParam), body: string(body), gone: make(chan struct{})}
		l.posts <- p
		select {
		case <-r.Context().Done():
		case <-quit:
		}
		close(p.gone)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) })
	l.url = srv.URL + "/"
	return l
}

// next returns the next post, meanwhile playing the herder loop of w: connector runners hand their outcomes
// (an instance started, task configs generated) to the herder as events.
func (l *holdingLeader) next(t *testing.T, w *Worker) heldPost {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case p := <-l.posts:
			return p
		case <-w.wake:
			w.handleEvents(context.Background())
		case <-timeout:
			t.Fatal("no task configs posted to the leader")
			return heldPost{}
		}
	}
}

// publishers counts the goroutines of publishing attempts in this process (a goleak-style look at the
// stacks, independent of the publisher's own bookkeeping).
func publishers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return strings.Count(string(buf), "worker.(*taskPublisher).launch.func")
}

func waitPublishers(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for publishers() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d publishing goroutines, want %d", publishers(), want)
		}
		runtime.Gosched()
	}
}

// followerWorker is a Worker as a follower whose herder loop is the test: it owns connector "c" and its
// leader is url. Nothing is written to Kafka (statuses are only queued).
func followerWorker(t *testing.T, url string) *Worker {
	t.Helper()
	reg := connector.NewRegistry()
	if err := connectortest.Register(reg); err != nil {
		t.Fatal(err)
	}
	w, err := New(config.Config{}, Options{Registry: reg, AdvertisedURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	w.statuses = newStatusWriter(nil, w.store, slog.New(slog.DiscardHandler))
	w.group = &membership{leaderURL: url, owned: &group.Assignment{Assigned: group.Allocation{Connectors: []string{"c"}}}}
	w.runtimes = newSupervisor(context.Background())
	t.Cleanup(func() {
		w.stopAll()
		w.runtimes.Stop()
	})
	return w
}

var configOffset int64

func putConnector(t *testing.T, w *Worker, config map[string]string) {
	t.Helper()
	var v []byte
	if config != nil {
		var err error
		if v, err = records.EncodeConnectorConfig(config); err != nil {
			t.Fatal(err)
		}
	}
	configOffset++
	if _, err := w.store.ApplyConfigRecord(records.ConnectorKey("c"), v, configOffset); err != nil {
		t.Fatal(err)
	}
}

func sourceConfig(topic string) map[string]string {
	return map[string]string{"name": "c", "connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": topic}
}

// Publishing is owned by the connector instance: when the connector is deleted, reconfigured, revoked or
// paused, the attempt in flight is given up and its goroutine ends, and no regeneration is left behind.
func TestTaskPublisherStopsWithTheConnector(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, w *Worker)
		// republished: the connector runs on with another config, whose configs are published instead.
		republished map[string]string
	}{
		{name: "deleted", change: func(t *testing.T, w *Worker) { putConnector(t, w, nil) }},
		{name: "reconfigured", change: func(t *testing.T, w *Worker) { putConnector(t, w, sourceConfig("t2")) },
			republished: sourceConfig("t2")},
		{name: "revoked", change: func(_ *testing.T, w *Worker) { w.group.owned = &group.Assignment{} }},
		{name: "paused", change: func(t *testing.T, w *Worker) {
			v, err := records.EncodeTargetState(records.TargetPaused)
			if err != nil {
				t.Fatal(err)
			}
			configOffset++
			if _, err := w.store.ApplyConfigRecord(records.TargetStateKey("c"), v, configOffset); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leader := newHoldingLeader(t)
			w := followerWorker(t, leader.url)
			ctx := context.Background()
			first := sourceConfig("t1")
			putConnector(t, w, first)
			w.reconcile(ctx)
			p := leader.next(t, w)
			if p.hash != ConfigHash(first) || !strings.Contains(p.body, `"topic":"t1"`) {
				t.Fatalf("posted %s with hash %s, want the configs of %v", p.body, p.hash, first)
			}
			waitPublishers(t, 1)

			tc.change(t, w)
			w.reconcile(ctx)
			select {
			case <-p.gone:
			case <-time.After(5 * time.Second):
				t.Fatal("the attempt in flight was not given up")
			}
			if tc.republished == nil {
				waitPublishers(t, 0)
			} else {
				p2 := leader.next(t, w)
				if p2.hash != ConfigHash(tc.republished) || !strings.Contains(p2.body, `"topic":"t2"`) {
					t.Fatalf("republished %s with hash %s, want the configs of %v", p2.body, p2.hash, tc.republished)
				}
				waitPublishers(t, 1)
			}
			if _, reconfig, _ := w.takeEvents(); len(reconfig) != 0 {
				t.Errorf("regeneration requested after the connector changed: %v", reconfig)
			}
		})
	}
}

// A failed attempt leads to a regeneration after the back-off, not to the same configs being sent again, and
// stop ends a back-off that is under way without regenerating.
func TestTaskPublisherRetriesByRegenerating(t *testing.T) {
	var mu sync.Mutex
	var posted []string
	regenerated := make(chan struct{}, 4)
	p := &taskPublisher{
		name: "c", log: slog.New(slog.DiscardHandler),
		post: func(_ context.Context, configs []map[string]string, _ string) error {
			mu.Lock()
			defer mu.Unlock()
			posted = append(posted, configs[0]["v"])
			return errors.New("leader answered 404")
		},
		regenerate: func() { regenerated <- struct{}{} },
		backoff:    backoff.Backoff{Base: time.Millisecond, Max: time.Millisecond},
	}
	ctx := context.Background()
	p.publish(ctx, []map[string]string{{"v": "1"}}, "h1")
	select {
	case <-regenerated:
	case <-time.After(5 * time.Second):
		t.Fatal("no regeneration after a failed attempt")
	}
	p.stop()
	mu.Lock()
	if len(posted) != 1 {
		t.Errorf("posted %v, want one attempt per regeneration", posted)
	}
	mu.Unlock()

	p.backoff = backoff.Backoff{Base: time.Hour, Max: time.Hour}
	p.publish(ctx, []map[string]string{{"v": "2"}}, "h2")
	// The attempt fails at once and then waits an hour; stop must end the wait.
	waitPublishers(t, 1)
	p.stop()
	waitPublishers(t, 0)
	select {
	case <-regenerated:
		t.Error("regenerated after stop")
	default:
	}
}

// The back-off is Kafka Connect's: 250 ms doubling to 60 s.
func TestReconfigureBackoff(t *testing.T) {
	b := backoff.Backoff{Base: reconfigureBackoffInitial, Max: reconfigureBackoffMax}
	var got []time.Duration
	for range 10 {
		got = append(got, b.Next())
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 32 * time.Second, 60 * time.Second, 60 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("back-off %v, want %v", got, want)
		}
	}
	b.Reset()
	if d := b.Next(); d != 250*time.Millisecond {
		t.Errorf("after reset: %v", d)
	}
}

// Without a config hash (a Java follower), the leader checks what the framework derives from the connector
// config: task.class, and a sink's topics or topics.regex.
func TestNotDerivedFromWithoutHash(t *testing.T) {
	reg := connector.NewRegistry()
	if err := filestream.Register(reg); err != nil {
		t.Fatal(err)
	}
	w, err := New(config.Config{}, Options{Registry: reg, AdvertisedURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	sink := map[string]string{"connector.class": filestream.SinkClass, "topics": "a", "file": "/tmp/x"}
	source := map[string]string{"connector.class": filestream.SourceClass, "topic": "a", "file": "/tmp/x"}
	cases := []struct {
		name    string
		current map[string]string
		task    map[string]string
		hash    string
		stale   bool
	}{
		{"sink current", sink, map[string]string{"task.class": filestream.SinkTaskClass, "topics": "a"}, "", false},
		{"sink other topics", sink, map[string]string{"task.class": filestream.SinkTaskClass, "topics": "b"}, "", true},
		{"sink regex instead of topics", sink,
			map[string]string{"task.class": filestream.SinkTaskClass, "topics.regex": "a.*"}, "", true},
		{"other task class", sink, map[string]string{"task.class": filestream.SourceTaskClass, "topics": "a"}, "", true},
		{"source current", source, map[string]string{"task.class": filestream.SourceTaskClass, "file": "/tmp/old"}, "", false},
		{"unknown plugin", map[string]string{"connector.class": "com.example.Unknown"},
			map[string]string{"task.class": "com.example.Task"}, "", false},
		{"hash of current", source, map[string]string{"task.class": filestream.SinkTaskClass}, ConfigHash(source), false},
		{"hash of another config", source, map[string]string{"task.class": filestream.SourceTaskClass}, ConfigHash(sink), true},
	}
	for _, tc := range cases {
		why := w.notDerivedFrom(tc.current, []map[string]string{tc.task}, tc.hash)
		if (why != "") != tc.stale {
			t.Errorf("%s: notDerivedFrom = %q, want stale=%v", tc.name, why, tc.stale)
		}
	}
}
