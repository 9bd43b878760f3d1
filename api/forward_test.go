package api

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/connectd/connectd/herder"
)

// seenRequest is what the leader received.
type seenRequest struct {
	method, uri string
	header      http.Header
	body        string
}

type recordingHandler struct {
	next http.Handler
	mu   sync.Mutex
	seen []seenRequest
}

func (h *recordingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.seen = append(h.seen, seenRequest{method: r.Method, uri: r.URL.RequestURI(), header: r.Header.Clone(), body: string(b)})
	h.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	h.next.ServeHTTP(w, r)
}

func (h *recordingHandler) last(t *testing.T) seenRequest {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) == 0 {
		t.Fatal("the leader received no request")
	}
	return h.seen[len(h.seen)-1]
}

type cluster struct {
	leader   *fakeHerder
	follower *fakeHerder
	rec      *recordingHandler
	url      string
	handler  http.Handler // the follower's
}

// newCluster starts a leader on a real port and a follower (in process) whose herder answers writes with
// NotLeaderError pointing at the leader.
func newCluster(t *testing.T, leaderOpts, followerOpts []func(*Config)) *cluster {
	t.Helper()
	c := &cluster{leader: seededHerder(t), follower: seededHerder(t)}
	c.rec = &recordingHandler{next: newTestServer(t, c.leader, leaderOpts...).Handler()}
	srv := httptest.NewServer(c.rec)
	t.Cleanup(srv.Close)
	c.url = srv.URL + "/"
	c.follower.notLeader = &herder.NotLeaderError{TargetURL: c.url, Message: "Only the leader can set connector configs."}
	c.handler = newTestServer(t, c.follower, followerOpts...).Handler()
	return c
}

func TestForwardToLeader(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		want         string
		location     string
		// leaderURI and leaderBody are what the leader must have received.
		leaderURI, leaderBody string
		check                 func(t *testing.T, leader *fakeHerder)
	}{
		{name: "create", method: "POST", path: "/connectors",
			body:   `{"name":"new","config":{"connector.class":"FileSink","n":1,"x":null},"initial_state":"paused"}`,
			status: 201, location: "http://example.com/connectors/new",
			want:      `{"name":"new","config":{"connector.class":"FileSink","n":"1","name":"new"},"tasks":[],"type":"sink"}`,
			leaderURI: "/connectors?forward=true", leaderBody: `{"name":"new","config":{"connector.class":"FileSink","n":"1","name":"new"},"initial_state":"PAUSED"}`,
			check: func(t *testing.T, leader *fakeHerder) {
				if _, ok := leader.conns["new"]; !ok || leader.lastInitial != "PAUSED" {
					t.Errorf("leader did not create the connector paused: %v %q", ok, leader.lastInitial)
				}
			}},
		{name: "create without initial state", method: "POST", path: "/connectors",
			body: `{"name":"new","config":{"connector.class":"FileSink"}}`, status: 201, location: "http://example.com/connectors/new",
			want:      `{"name":"new","config":{"connector.class":"FileSink","name":"new"},"tasks":[],"type":"sink"}`,
			leaderURI: "/connectors?forward=true", leaderBody: `{"name":"new","config":{"connector.class":"FileSink","name":"new"},"initial_state":null}`},
		{name: "put config that creates", method: "PUT", path: "/connectors/new/config", body: `{"connector.class":"FileSink"}`,
			status: 201, location: "http://example.com/connectors/new",
			want:      `{"name":"new","config":{"connector.class":"FileSink","name":"new"},"tasks":[],"type":"sink"}`,
			leaderURI: "/connectors/new/config?forward=true", leaderBody: `{"connector.class":"FileSink","name":"new"}`},
		{name: "put config that updates", method: "PUT", path: "/connectors/sink/config", body: `{"connector.class":"FileSink","topics":"u"}`,
			status:    200,
			want:      `{"name":"sink","config":{"connector.class":"FileSink","name":"sink","topics":"u"},"tasks":[],"type":"sink"}`,
			leaderURI: "/connectors/sink/config?forward=true", leaderBody: `{"connector.class":"FileSink","name":"sink","topics":"u"}`},
		{name: "patch keeps nulls", method: "PATCH", path: "/connectors/sink/config", body: `{"topics":null,"a":"b"}`, status: 200,
			want:      `{"name":"sink","config":{"a":"b","connector.class":"io.test.FileSinkConnector","name":"sink"},"tasks":[],"type":"sink"}`,
			leaderURI: "/connectors/sink/config?forward=true", leaderBody: `{"a":"b","topics":null}`},
		{name: "plain restart sends no flags", method: "POST", path: "/connectors/src/restart", status: 204,
			leaderURI: "/connectors/src/restart?forward=true"},
		{name: "restart with flags", method: "POST", path: "/connectors/src/restart?includeTasks=true", status: 202,
			want:      `{"name":"src","connector":{"state":"RESTARTING","worker_id":"w1:8083"},"tasks":[{"id":0,"state":"RESTARTING","worker_id":"w1:8083"},{"id":1,"state":"RESTARTING","worker_id":"w2:8083","trace":"boom\n\tat x"}],"type":"source"}`,
			leaderURI: "/connectors/src/restart?forward=true&includeTasks=true&onlyFailed=false"},
		{name: "task restart", method: "POST", path: "/connectors/src/tasks/01/restart", status: 204,
			leaderURI: "/connectors/src/tasks/1/restart?forward=true"},
		{name: "stop", method: "PUT", path: "/connectors/src/stop", status: 204, leaderURI: "/connectors/src/stop?forward=true"},
		{name: "delete", method: "DELETE", path: "/connectors/sink", status: 204, leaderURI: "/connectors/sink?forward=true",
			check: func(t *testing.T, leader *fakeHerder) {
				if _, ok := leader.conns["sink"]; ok {
					t.Error("leader did not delete")
				}
			}},
		{name: "name with escapes", method: "DELETE", path: "/connectors/a%20b%2Fc", status: 404,
			want:      `{"error_code":404,"message":"Connector a b/c not found"}`,
			leaderURI: "/connectors/a%20b%2Fc?forward=true"},
		{name: "leader error is relayed unchanged", method: "DELETE", path: "/connectors/nope", status: 404,
			want: `{"error_code":404,"message":"Connector nope not found"}`, leaderURI: "/connectors/nope?forward=true"},
		{name: "leader conflict is relayed", method: "POST", path: "/connectors", body: `{"name":"src","config":{"connector.class":"FileSource"}}`,
			status: 409, want: `{"error_code":409,"message":"Connector src already exists"}`, leaderURI: "/connectors?forward=true",
			leaderBody: `{"name":"src","config":{"connector.class":"FileSource","name":"src"},"initial_state":null}`},
		{name: "alter offsets", method: "PATCH", path: "/connectors/src/offsets", body: `{"offsets":[{"partition":{"f":"a"},"offset":{"p":1,"r":0.5}}]}`,
			status: 200, want: `{"message":"The offsets for this connector have been altered successfully"}`,
			leaderURI: "/connectors/src/offsets?forward=true", leaderBody: `{"offsets":[{"partition":{"f":"a"},"offset":{"p":1,"r":0.5}}]}`},
		{name: "reset offsets", method: "DELETE", path: "/connectors/src/offsets", status: 200,
			want: `{"message":"The offsets for this connector have been reset successfully"}`, leaderURI: "/connectors/src/offsets?forward=true"},
		{name: "a request from a peer makes its last hop", method: "PUT", path: "/connectors/src/stop?forward=true", status: 204,
			leaderURI: "/connectors/src/stop?forward=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, nil, nil)
			rec := do(t, c.handler, tt.method, tt.path, tt.body, "Authorization", "Basic dXNlcjpwdw==", "X-Other", "dropped")
			checkResponse(t, rec, tt.status, tt.want)
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			seen := c.rec.last(t)
			if seen.method != tt.method || seen.uri != tt.leaderURI || seen.body != tt.leaderBody {
				t.Errorf("leader got %s %s %q\nwant %s %s %q", seen.method, seen.uri, seen.body, tt.method, tt.leaderURI, tt.leaderBody)
			}
			if got := seen.header.Get("Authorization"); got != "Basic dXNlcjpwdw==" {
				t.Errorf("Authorization = %q", got)
			}
			if got := seen.header.Get("X-Other"); got != "" {
				t.Errorf("X-Other was copied: %q", got)
			}
			if got := seen.header.Get("User-Agent"); got != "kafka-connect" {
				t.Errorf("User-Agent = %q", got)
			}
			if got := seen.header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
			wantCT := ""
			if tt.leaderBody != "" {
				wantCT = "application/json"
			}
			if got := seen.header.Get("Content-Type"); got != wantCT {
				t.Errorf("Content-Type = %q, want %q", got, wantCT)
			}
			if tt.check != nil {
				tt.check(t, c.leader)
			}
		})
	}
}

func TestForwardRefused(t *testing.T) {
	t.Run("forward=false gives a conflict", func(t *testing.T) {
		c := newCluster(t, nil, nil)
		checkResponse(t, do(t, c.handler, "DELETE", "/connectors/src?forward=false", ""), 409,
			`{"error_code":409,"message":"Cannot complete request because of a conflicting operation (e.g. worker rebalance)"}`)
		if len(c.rec.seen) != 0 {
			t.Error("request was forwarded")
		}
	})
	t.Run("unknown leader gives a conflict", func(t *testing.T) {
		c := newCluster(t, nil, nil)
		c.follower.notLeader.TargetURL = ""
		checkResponse(t, do(t, c.handler, "PUT", "/connectors/src/stop", ""), 409,
			`{"error_code":409,"message":"Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."}`)
	})
	t.Run("unreachable leader gives a conflict", func(t *testing.T) {
		// A leader that stopped listening never saw the request: the client may retry after the rebalance.
		c := newCluster(t, nil, nil)
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		c.follower.notLeader.TargetURL = dead.URL + "/"
		checkResponse(t, do(t, c.handler, "PUT", "/connectors/src/stop", ""), 409,
			`{"error_code":409,"message":"Cannot complete request because of a conflicting operation (e.g. worker rebalance)"}`)
	})
	t.Run("leader dropping the connection is an IO error", func(t *testing.T) {
		// Whether a request the leader received was applied is unknown: no retry hint, as in Kafka Connect.
		leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}))
		t.Cleanup(leader.Close)
		c := newCluster(t, nil, nil)
		c.follower.notLeader.TargetURL = leader.URL + "/"
		rec := do(t, c.handler, "PUT", "/connectors/src/stop", "")
		if rec.Code != 500 || !strings.HasPrefix(rec.Body.String(), `{"error_code":500,"message":"IO Error trying to forward REST request: `) {
			t.Errorf("got %d %s", rec.Code, rec.Body)
		}
	})
}

func TestForwardRelaysLeaderAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		want        string
		wantStatus  int
		extraHeader string
	}{
		{name: "error code differing from status", status: 503, body: `{"error_code":4242,"message":"busy"}`,
			wantStatus: 503, want: `{"error_code":4242,"message":"busy"}`},
		{name: "unparseable error body", status: 502, body: `<html>bad gateway</html>`,
			wantStatus: 500, want: `{"error_code":500,"message":"IO Error trying to forward REST request: invalid character '<' looking for beginning of value"}`},
		{name: "redirects are not followed", status: 307, body: ``, extraHeader: "/elsewhere",
			wantStatus: 500, want: `{"error_code":500,"message":"Unexpected status code when handling forwarded request: 307"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.extraHeader != "" {
					w.Header().Set("Location", tt.extraHeader)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(leader.Close)
			h := seededHerder(t)
			h.notLeader = &herder.NotLeaderError{TargetURL: leader.URL}
			s := newTestServer(t, h)
			checkResponse(t, do(t, s.Handler(), "PUT", "/connectors/src/config", `{"connector.class":"FileSource"}`), tt.wantStatus, tt.want)
		})
	}
}

func TestForwardSignsInternalRequests(t *testing.T) {
	sign := func(body []byte, h http.Header) {
		h.Set("X-Connect-Authorization", "sig:"+string(body))
		h.Set("X-Connect-Request-Signature-Algorithm", "HmacSHA256")
	}
	verify := func(r *http.Request, body []byte) error {
		if r.Header.Get("X-Connect-Authorization") != "sig:"+string(body) {
			return &herder.RequestError{Kind: herder.ErrForbidden, Message: "Internal request contained invalid signature."}
		}
		return nil
	}
	c := newCluster(t,
		[]func(*Config){func(c *Config) { c.VerifyInternal = verify }},
		[]func(*Config){func(c *Config) { c.SignRequest = sign }})
	checkResponse(t, do(t, c.handler, "POST", "/connectors/src/tasks", `[{"a":1}]`), 204, ``)
	seen := c.rec.last(t)
	if seen.uri != "/connectors/src/tasks?forward=true" || seen.body != `[{"a":"1"}]` ||
		seen.header.Get("X-Connect-Request-Signature-Algorithm") != "HmacSHA256" {
		t.Errorf("leader got %s %q %v", seen.uri, seen.body, seen.header)
	}
	if len(c.leader.lastTaskConfigs) != 1 || c.leader.lastTaskConfigs[0]["a"] != "1" {
		t.Errorf("leader task configs = %v", c.leader.lastTaskConfigs)
	}
	// Public requests are not signed.
	checkResponse(t, do(t, c.handler, "PUT", "/connectors/src/stop", ``), 204, ``)
	if got := c.rec.last(t).header.Get("X-Connect-Authorization"); got != "" {
		t.Errorf("public request signed: %q", got)
	}
}

// The console's writes on a follower (same origin, so with Origin and Sec-Fetch-Site) reach the leader: the
// forwarded request carries neither header and the leader does not refuse it as cross-site.
func TestForwardConsoleWrite(t *testing.T) {
	c := newCluster(t, nil, nil)
	rec := do(t, c.handler, http.MethodPost, "/connectors/src/restart", "", "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusNoContent {
		t.Fatalf("restart through the follower: %d %s", rec.Code, rec.Body)
	}
	seen := c.rec.last(t)
	if seen.header.Get("Origin") != "" || seen.header.Get("Sec-Fetch-Site") != "" {
		t.Errorf("the leader got Origin %q, Sec-Fetch-Site %q", seen.header.Get("Origin"), seen.header.Get("Sec-Fetch-Site"))
	}
}

// TestForwardUsesAConnectionPerRequest: a forwarded write never rides a kept-alive connection, which a leader
// shutting down closes as idle under a request already written on it (a reset the follower could only answer
// with a 500).
func TestForwardUsesAConnectionPerRequest(t *testing.T) {
	leader := seededHerder(t)
	var mu sync.Mutex
	opened := 0
	srv := httptest.NewUnstartedServer(newTestServer(t, leader).Handler())
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	follower := seededHerder(t)
	follower.notLeader = &herder.NotLeaderError{TargetURL: srv.URL + "/", Message: "Only the leader can restart."}
	h := newTestServer(t, follower).Handler()
	for range 3 {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest(http.MethodPost, "/connectors/src/restart", nil))
		if rr.Code != http.StatusNoContent {
			t.Fatalf("forwarded restart: %d %s", rr.Code, rr.Body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if opened != 3 {
		t.Errorf("3 forwarded requests opened %d connections to the leader, want one each", opened)
	}
}
