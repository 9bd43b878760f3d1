package api

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/connectd/connectd/herder"
)

// ClusterReader is the optional herder capability behind connectd's extensions GET /connectd/cluster and GET
// /connectd/workers/{worker}/metrics: the worker's view of the Connect group. A herder without it answers
// those paths 404.
type ClusterReader interface {
	ClusterInfo(ctx context.Context) (herder.ClusterInfo, error)
}

// clusterInfo answers GET /connectd/cluster with clusterView's view.
func (s *Server) clusterInfo(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	_, view, err := s.clusterView(ctx, r)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: view}, nil
}

// clusterView returns this worker's own view of the group and the view to show. Only the leader knows every
// member and its assignment, so a follower asks the leader (one hop, forward=false) and shows the leader's
// view; when the leader cannot tell (it is gone, it is a Kafka Connect worker without this extension, a
// rebalance is under way), the follower shows its own, whose workers list is empty.
func (s *Server) clusterView(ctx context.Context, r *http.Request) (own, view herder.ClusterInfo, err error) {
	cr, ok := s.herder.(ClusterReader)
	if !ok {
		return own, view, newAPIError(http.StatusNotFound, msgNotFound)
	}
	own, err = cr.ClusterInfo(ctx)
	if err != nil {
		return own, view, err
	}
	if own.IsLeader || own.LeaderURL == "" || forwardParam(r) != nil {
		return own, own, nil
	}
	fwd, err := s.forward(ctx, r, own.LeaderURL, false, forwardRequest{method: http.MethodGet, path: "/connectd/cluster"})
	if err == nil {
		err = fwd.decode(&view)
	}
	if err != nil {
		s.log.Debug("cluster view: the leader did not answer, answering with this worker's", "leader", own.LeaderURL, "err", err)
		return own, own, nil
	}
	if view.Workers == nil {
		view.Workers = []herder.ClusterWorker{}
	}
	return own, view, nil
}

// workerMetrics answers GET /connectd/workers/{worker}/metrics: the GET /metrics of a member of the group,
// fetched with the caller's credentials, so that a browser (which may only call its own origin) sees the
// throughput of tasks on every worker. Only members of the group are reached, never another address.
func (s *Server) workerMetrics(w http.ResponseWriter, r *http.Request) {
	id := pathParam(r, "worker")
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	own, view, err := s.clusterView(ctx, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if id == own.WorkerID {
		s.serveMetrics(w, r)
		return
	}
	target := ""
	for _, m := range view.Workers {
		if m.ID == id {
			target = m.URL
		}
	}
	if target == "" {
		writeError(w, r, newAPIError(http.StatusNotFound, "Unknown worker "+id+"."))
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(target, "/")+"/metrics", http.NoBody)
	if err != nil {
		writeError(w, r, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error()))
		return
	}
	// The text format, whatever the browser accepts; only the caller's credentials travel with it.
	req.Header.Set("Accept", "text/plain")
	if auth := r.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.forwarder.Do(req)
	if err != nil {
		writeError(w, r, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error()))
		return
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, maxForwardedBody))
}
