package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectd/connectd/herder"
)

// clusterHerder is a fakeHerder with the ClusterReader capability.
type clusterHerder struct {
	*fakeHerder
	info herder.ClusterInfo
}

func (c *clusterHerder) ClusterInfo(context.Context) (herder.ClusterInfo, error) { return c.info, nil }

var leaderView = herder.ClusterInfo{
	WorkerID: "w1:8083", Generation: 7, LeaderURL: "http://w1:8083/", Leader: "w1:8083", IsLeader: true,
	Workers: []herder.ClusterWorker{
		{ID: "w1:8083", URL: "http://w1:8083/", Connectors: []string{"src"}, Tasks: []herder.TaskIDInfo{{Connector: "src", Task: 0}}},
		{ID: "w2:8083", URL: "http://w2:8083/", Connectors: []string{}, Tasks: []herder.TaskIDInfo{{Connector: "src", Task: 1}}},
	},
}

const leaderViewJSON = `{"worker_id":"w1:8083","generation":7,"leader_url":"http://w1:8083/","leader":"w1:8083","is_leader":true,` +
	`"rebalancing":false,"workers":[{"id":"w1:8083","url":"http://w1:8083/","connectors":["src"],"tasks":[{"connector":"src","task":0}]},` +
	`{"id":"w2:8083","url":"http://w2:8083/","connectors":[],"tasks":[{"connector":"src","task":1}]}]}`

// servedBy is a GET /connectd/cluster answer as served by the worker id.
func servedBy(view, id string) string {
	return strings.TrimSuffix(view, "}") + `,"served_by":"` + id + `"}`
}

func TestClusterInfoOnTheLeader(t *testing.T) {
	s := newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: leaderView})
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", ""), http.StatusOK, servedBy(leaderViewJSON, "w1:8083"))
}

func TestClusterInfoWithoutTheCapability(t *testing.T) {
	s := newTestServer(t, seededHerder(t))
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", ""), http.StatusNotFound, notFound)
}

func TestClusterInfoNeedsCredentials(t *testing.T) {
	s := newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: leaderView}, withAuth)
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", ""), http.StatusUnauthorized, "User cannot access the resource.")
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, servedBy(leaderViewJSON, "w1:8083"))
}

// A follower answers with the leader's view, asked once (forward=false) with the caller's credentials and
// reused for a second; when the leader cannot answer, with its own.
func TestClusterInfoOnAFollower(t *testing.T) {
	var asked atomic.Int32
	rec := &recordingHandler{next: newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: leaderView}, withAuth).Handler()}
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		rec.ServeHTTP(w, r)
	}))
	t.Cleanup(leader.Close)
	own := herder.ClusterInfo{WorkerID: "w2:8083", Generation: 7, LeaderURL: leader.URL + "/", Leader: "w1:8083",
		Workers: []herder.ClusterWorker{}}
	followerHerder := &clusterHerder{fakeHerder: seededHerder(t), info: own}
	fs := newTestServer(t, followerHerder, withAuth)
	now := time.UnixMilli(1700000000000)
	fs.now = func() time.Time { return now }
	follower := fs.Handler()

	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, servedBy(leaderViewJSON, "w2:8083"))
	seen := rec.last(t)
	if seen.uri != "/connectd/cluster?forward=false" || seen.header.Get("Authorization") != basic("alice", "secret") {
		t.Errorf("the leader got %s with Authorization %q", seen.uri, seen.header.Get("Authorization"))
	}
	// Within a second, the follower answers from the view it got; a second later, or at a new generation, it
	// asks again.
	for i := range 3 {
		checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
			http.StatusOK, servedBy(leaderViewJSON, "w2:8083"))
		now = now.Add(400 * time.Millisecond)
		if got := asked.Load(); got != 1 {
			t.Fatalf("call %d: the leader was asked %d times, want 1", i, got)
		}
	}
	now = now.Add(time.Second)
	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, servedBy(leaderViewJSON, "w2:8083"))
	if got := asked.Load(); got != 2 {
		t.Errorf("after a second, the leader was asked %d times in all, want 2", got)
	}
	followerHerder.info.Generation = 8
	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, servedBy(leaderViewJSON, "w2:8083"))
	if got := asked.Load(); got != 3 {
		t.Errorf("at a new generation, the leader was asked %d times in all, want 3", got)
	}
	followerHerder.info.Generation = 7
	now = now.Add(time.Second)

	// Asked with forward=false, the follower answers itself.
	ownJSON := `{"worker_id":"w2:8083","generation":7,"leader_url":"` + leader.URL + `/","leader":"w1:8083","is_leader":false,` +
		`"rebalancing":false,"workers":[],"served_by":"w2:8083"}`
	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster?forward=false", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, ownJSON)

	// A leader that does not answer (gone, or a Kafka Connect worker without the extension): the own view.
	leader.Close()
	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, ownJSON)
}

// TestWorkerMetrics checks GET /connectd/workers/{worker}/metrics: a worker's own metrics, a peer's fetched
// with the caller's credentials, asked of the leader or of a follower, and 404 for a worker not in the group.
func TestWorkerMetrics(t *testing.T) {
	var peerAuth, peerAccept string
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peerAuth, peerAccept = r.Header.Get("Authorization"), r.Header.Get("Accept")
		if r.URL.Path != "/metrics" || r.URL.RawQuery != "" {
			http.NotFound(w, r)
			return
		}
		// Whatever the peer says, the answer is the Prometheus text type: never HTML under the worker's origin.
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("peer_metric 2\n"))
	}))
	t.Cleanup(peer.Close)
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, maxPeerMetrics+1))
	}))
	t.Cleanup(huge.Close)
	leaderHerder := &clusterHerder{fakeHerder: seededHerder(t)}
	withMetrics := func(c *Config) {
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			_, _ = w.Write([]byte("own_metric 1\n"))
		})
	}
	leaderH := newTestServer(t, leaderHerder, withAuth, withMetrics).Handler()
	leader := httptest.NewServer(leaderH)
	t.Cleanup(leader.Close)
	leaderHerder.info = herder.ClusterInfo{WorkerID: "w1:1", Generation: 3, LeaderURL: leader.URL + "/", Leader: "w1:1", IsLeader: true,
		Workers: []herder.ClusterWorker{{ID: "w1:1", URL: leader.URL + "/"}, {ID: "w2:2", URL: peer.URL + "/prefix/?q=1#f"},
			{ID: "w4:4", URL: huge.URL}, {ID: "w5:5", URL: "file:///etc/passwd"}}}
	var leaderAsked atomic.Int32
	countingLeader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaderAsked.Add(1)
		leaderH.ServeHTTP(w, r)
	}))
	t.Cleanup(countingLeader.Close)
	follower := newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: herder.ClusterInfo{WorkerID: "w3:3",
		Generation: 3, LeaderURL: countingLeader.URL + "/", Leader: "w1:1", Workers: []herder.ClusterWorker{}}}, withAuth, withMetrics).Handler()
	auth := basic("alice", "secret")

	for _, via := range []struct {
		name string
		h    http.Handler
	}{{"leader", leaderH}, {"follower", follower}} {
		rec := do(t, via.h, http.MethodGet, "/connectd/workers/w2:2/metrics", "", "Authorization", auth, "Accept", "application/json")
		if rec.Code != http.StatusOK || rec.Body.String() != "peer_metric 2\n" || rec.Header().Get("Content-Type") != metricsContentType ||
			rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("via the %s, GET the peer's metrics: %d %q %q", via.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		checkResponse(t, do(t, via.h, http.MethodGet, "/connectd/workers/w4:4/metrics", "", "Authorization", auth),
			http.StatusInternalServerError, `{"error_code":500,"message":"The metrics of worker w4:4 exceed 8388608 bytes."}`)
		checkResponse(t, do(t, via.h, http.MethodGet, "/connectd/workers/w5:5/metrics", "", "Authorization", auth),
			http.StatusNotFound, `{"error_code":404,"message":"Unknown worker w5:5."}`)
		if peerAuth != auth || peerAccept != "text/plain" {
			t.Errorf("via the %s, the peer got Authorization %q and Accept %q", via.name, peerAuth, peerAccept)
		}
		checkResponse(t, do(t, via.h, http.MethodGet, "/connectd/workers/nope:9/metrics", "", "Authorization", auth),
			http.StatusNotFound, `{"error_code":404,"message":"Unknown worker nope:9."}`)
		if rec := do(t, via.h, http.MethodGet, "/connectd/workers/w2:2/metrics", ""); rec.Code != http.StatusUnauthorized {
			t.Errorf("via the %s, without credentials: %d, want 401", via.name, rec.Code)
		}
	}
	// A worker's own metrics are served in place, without asking the leader.
	leaderAsked.Store(0)
	if rec := do(t, follower, http.MethodGet, "/connectd/workers/w3:3/metrics", "", "Authorization", auth); rec.Code != http.StatusOK || rec.Body.String() != "own_metric 1\n" {
		t.Errorf("the follower's own metrics: %d %q", rec.Code, rec.Body)
	}
	if n := leaderAsked.Load(); n != 0 {
		t.Errorf("the follower asked the leader %d times for its own metrics", n)
	}
	if rec := do(t, leaderH, http.MethodGet, "/connectd/workers/w1:1/metrics", "", "Authorization", auth); rec.Code != http.StatusOK || rec.Body.String() != "own_metric 1\n" {
		t.Errorf("the leader's own metrics: %d %q", rec.Code, rec.Body)
	}
}
