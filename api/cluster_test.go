package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

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

func TestClusterInfoOnTheLeader(t *testing.T) {
	s := newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: leaderView})
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", ""), http.StatusOK, leaderViewJSON)
}

func TestClusterInfoWithoutTheCapability(t *testing.T) {
	s := newTestServer(t, seededHerder(t))
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", ""), http.StatusNotFound, notFound)
}

func TestClusterInfoNeedsCredentials(t *testing.T) {
	s := newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: leaderView}, withAuth)
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", ""), http.StatusUnauthorized, "User cannot access the resource.")
	checkResponse(t, do(t, s.Handler(), http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, leaderViewJSON)
}

// A follower answers with the leader's view, asked once (forward=false) with the caller's credentials; when
// the leader cannot answer, with its own.
func TestClusterInfoOnAFollower(t *testing.T) {
	rec := &recordingHandler{next: newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: leaderView}, withAuth).Handler()}
	leader := httptest.NewServer(rec)
	t.Cleanup(leader.Close)
	own := herder.ClusterInfo{WorkerID: "w2:8083", Generation: 7, LeaderURL: leader.URL + "/", Leader: "w1:8083",
		Workers: []herder.ClusterWorker{}}
	follower := newTestServer(t, &clusterHerder{fakeHerder: seededHerder(t), info: own}, withAuth).Handler()

	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, leaderViewJSON)
	seen := rec.last(t)
	if seen.uri != "/connectd/cluster?forward=false" || seen.header.Get("Authorization") != basic("alice", "secret") {
		t.Errorf("the leader got %s with Authorization %q", seen.uri, seen.header.Get("Authorization"))
	}

	// Asked with forward=false, the follower answers itself.
	ownJSON := `{"worker_id":"w2:8083","generation":7,"leader_url":"` + leader.URL + `/","leader":"w1:8083","is_leader":false,` +
		`"rebalancing":false,"workers":[]}`
	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster?forward=false", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, ownJSON)

	// A leader that does not answer (gone, or a Kafka Connect worker without the extension): the own view.
	leader.Close()
	checkResponse(t, do(t, follower, http.MethodGet, "/connectd/cluster", "", "Authorization", basic("alice", "secret")),
		http.StatusOK, ownJSON)
}
