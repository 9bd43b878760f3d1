package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/connectd/connectd/herder"
)

// ClusterReader is the optional herder capability behind connectd's extensions GET /connectd/cluster and GET
// /connectd/workers/{worker}/metrics: the worker's view of the Connect group. A herder without it answers
// those paths 404.
type ClusterReader interface {
	ClusterInfo(ctx context.Context) (herder.ClusterInfo, error)
}

// clusterInfo answers GET /connectd/cluster with clusterView's view, saying which worker served it.
func (s *Server) clusterInfo(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	own, view, err := s.clusterView(ctx, r)
	if err != nil {
		return reply{}, err
	}
	view.ServedBy = own.WorkerID
	return reply{status: http.StatusOK, body: view}, nil
}

// clusterViewTTL is how long a follower reuses the leader's view: every open console asks for it every two
// seconds, and once more per worker for the throughput.
const clusterViewTTL = time.Second

// Bounds of a peer's GET /metrics fetched for GET /connectd/workers/{worker}/metrics.
const (
	peerMetricsTimeout = 5 * time.Second
	maxPeerMetrics     = 8 << 20
)

// metricsContentType is the Prometheus text format, the only type GET /connectd/workers/{worker}/metrics
// answers with, whatever the peer says.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// viewCache holds the leader's view a follower last got.
type viewCache struct {
	mu sync.Mutex
	// leaderURL and generation are the follower's own when it asked: a new leader or generation asks again.
	leaderURL  string
	generation int32
	at         time.Time
	view       herder.ClusterInfo
	ok         bool
}

// ownView is this worker's own view of the group, or 404 for a herder without the capability.
func (s *Server) ownView(ctx context.Context) (herder.ClusterInfo, error) {
	cr, ok := s.herder.(ClusterReader)
	if !ok {
		return herder.ClusterInfo{}, newAPIError(http.StatusNotFound, msgNotFound)
	}
	return cr.ClusterInfo(ctx)
}

// clusterView returns this worker's own view of the group and the view to show. Only the leader knows every
// member and its assignment, so a follower asks the leader (one hop, forward=false) and shows the leader's
// view, reused for clusterViewTTL; when the leader cannot tell (it is gone, it is a Kafka Connect worker
// without this extension, a rebalance is under way), the follower shows its own, whose workers list is empty.
func (s *Server) clusterView(ctx context.Context, r *http.Request) (own, view herder.ClusterInfo, err error) {
	own, err = s.ownView(ctx)
	if err != nil {
		return own, view, err
	}
	if own.IsLeader || own.LeaderURL == "" || forwardParam(r) != nil {
		return own, own, nil
	}
	c := &s.views
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.leaderURL == own.LeaderURL && c.generation == own.Generation && s.now().Sub(c.at) < clusterViewTTL {
		return own, c.view, nil
	}
	fwd, err := s.forward(ctx, r, own.LeaderURL, false, forwardRequest{method: http.MethodGet, path: "/connectd/cluster"})
	if err == nil {
		err = fwd.decode(&view)
	}
	if err != nil {
		s.log.Debug("cluster view: the leader did not answer, answering with this worker's", "leader", own.LeaderURL, "err", err)
		c.ok = false
		return own, own, nil
	}
	if view.Workers == nil {
		view.Workers = []herder.ClusterWorker{}
	}
	c.leaderURL, c.generation, c.view, c.at, c.ok = own.LeaderURL, own.Generation, view, s.now(), true
	return own, view, nil
}

// workerMetrics answers GET /connectd/workers/{worker}/metrics: the GET /metrics of a member of the group,
// fetched with the caller's credentials, so that a browser (which may only call its own origin) sees the
// throughput of tasks on every worker. Only members of the group are reached, at scheme://host/metrics of
// their advertised URL and never another address; the answer is always the Prometheus text type, whatever
// the peer says, with the peer's status.
func (s *Server) workerMetrics(w http.ResponseWriter, r *http.Request) {
	id := pathParam(r, "worker")
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	own, err := s.ownView(ctx)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if id == own.WorkerID {
		s.serveMetrics(w, r)
		return
	}
	_, view, err := s.clusterView(ctx, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var target *url.URL
	for _, m := range view.Workers {
		if m.ID != id {
			continue
		}
		if u, err := url.Parse(m.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			target = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/metrics"}
		}
	}
	if target == nil {
		writeError(w, r, newAPIError(http.StatusNotFound, "Unknown worker "+id+"."))
		return
	}
	ctx, cancelPeer := context.WithTimeout(ctx, peerMetricsTimeout)
	defer cancelPeer()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), http.NoBody)
	if err != nil {
		writeError(w, r, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error()))
		return
	}
	// The text format, whatever the browser accepts; only the caller's credentials travel with it.
	req.Header.Set("Accept", "text/plain")
	if auth := r.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Close = true // as forward does: the forwarding client keeps no idle connection
	resp, err := s.forwarder.Do(req)
	if err != nil {
		writeError(w, r, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error()))
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPeerMetrics+1))
	if err != nil {
		writeError(w, r, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error()))
		return
	}
	if len(body) > maxPeerMetrics {
		writeError(w, r, newAPIError(http.StatusInternalServerError, fmt.Sprintf("The metrics of worker %s exceed %d bytes.", id, maxPeerMetrics)))
		return
	}
	w.Header().Set("Content-Type", metricsContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}
