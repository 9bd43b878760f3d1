package api

import (
	"context"
	"net/http"

	"github.com/connectd/connectd/herder"
)

// ClusterReader is the optional herder capability behind connectd's GET /connectd/cluster (an extension of
// the REST API): the worker's view of the Connect group. A herder without it answers that path 404.
type ClusterReader interface {
	ClusterInfo(ctx context.Context) (herder.ClusterInfo, error)
}

// clusterInfo answers GET /connectd/cluster. Only the leader knows every member and its assignment, so a
// follower asks the leader (one hop, forward=false) and answers with the leader's view; when the leader cannot
// tell (it is gone, it is a Kafka Connect worker without this extension, a rebalance is under way), the
// follower answers with its own view, whose workers list is empty.
func (s *Server) clusterInfo(r *http.Request) (reply, error) {
	cr, ok := s.herder.(ClusterReader)
	if !ok {
		return reply{}, newAPIError(http.StatusNotFound, msgNotFound)
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	info, err := cr.ClusterInfo(ctx)
	if err != nil {
		return reply{}, err
	}
	if info.IsLeader || info.LeaderURL == "" || forwardParam(r) != nil {
		return reply{status: http.StatusOK, body: info}, nil
	}
	fwd, err := s.forward(ctx, r, info.LeaderURL, false, forwardRequest{method: http.MethodGet, path: "/connectd/cluster"})
	var leaders herder.ClusterInfo
	if err == nil {
		err = fwd.decode(&leaders)
	}
	if err != nil {
		s.log.Debug("cluster view: the leader did not answer, answering with this worker's", "leader", info.LeaderURL, "err", err)
		return reply{status: http.StatusOK, body: info}, nil
	}
	if leaders.Workers == nil {
		leaders.Workers = []herder.ClusterWorker{}
	}
	return reply{status: http.StatusOK, body: leaders}, nil
}
