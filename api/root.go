package api

import (
	"net/http"
	"time"

	"github.com/connectd/connectd/herder"
)

// WorkerStatus messages of GET /health.
const (
	msgHealthy  = "Worker has completed startup and is ready to handle requests."
	msgStarting = "Worker is still starting up."
)

func (s *Server) serverInfo(r *http.Request) (reply, error) {
	return reply{status: http.StatusOK, body: herder.ServerInfo{
		Version:        s.cfg.Version,
		Commit:         s.cfg.Commit,
		KafkaClusterID: s.herder.KafkaClusterID(),
	}}, nil
}

// health answers 200 once the herder is ready and 503 when it is not ready within Config.HealthTimeout.
func (s *Server) health(r *http.Request) (reply, error) {
	t := time.NewTimer(s.cfg.HealthTimeout)
	defer t.Stop()
	select {
	case <-s.herder.Ready():
		return reply{status: http.StatusOK, body: herder.WorkerStatus{Status: "healthy", Message: msgHealthy}}, nil
	case <-t.C:
		return reply{status: http.StatusServiceUnavailable, body: herder.WorkerStatus{Status: "starting", Message: msgStarting}}, nil
	case <-r.Context().Done():
		return reply{}, r.Context().Err()
	}
}
