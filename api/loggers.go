package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/connectd/connectd/api/loglevel"
)

func (s *Server) listLoggers(r *http.Request) (reply, error) {
	return reply{status: http.StatusOK, body: s.levels.Levels()}, nil
}

func (s *Server) getLogger(r *http.Request) (reply, error) {
	name := pathParam(r, "logger")
	lvl, ok := s.levels.Level(name)
	if !ok {
		return reply{}, newAPIError(http.StatusNotFound, "Logger "+name+" not found.")
	}
	return reply{status: http.StatusOK, body: lvl}, nil
}

// ClusterLoggers is the optional Herder capability behind PUT /admin/loggers/{name}?scope=cluster: it writes a
// cluster-wide level to the config topic, from which every worker of the group (this one included) applies it,
// as Kafka Connect's DistributedHerder.setClusterLoggerLevel does.
type ClusterLoggers interface {
	SetClusterLoggerLevel(ctx context.Context, namespace, level string) error
}

// setLogger sets a logger's level. scope=cluster goes through the herder (ClusterLoggers) and is answered 204
// once written, as Kafka Connect answers it; a herder without that capability applies it on this worker only.
func (s *Server) setLogger(r *http.Request) (reply, error) {
	name := pathParam(r, "logger")
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	m, err := decodeStringMap(body)
	if err != nil {
		return reply{}, err
	}
	level, ok := m["level"]
	if !ok {
		return reply{}, newAPIError(http.StatusBadRequest, msgMissingLevel)
	}
	scope := "worker"
	if v, ok := r.URL.Query()["scope"]; ok && len(v) > 0 {
		scope = v[0]
	}
	if strings.EqualFold(scope, "cluster") {
		return s.setClusterLogger(r, name, level)
	}
	affected, err := s.levels.Set(name, level)
	if errors.Is(err, loglevel.ErrInvalidLevel) {
		// Kafka Connect answers 404 for this.
		return reply{}, newAPIError(http.StatusNotFound, "invalid log level '"+level+"'.")
	}
	if err != nil {
		return reply{}, err
	}
	if !strings.EqualFold(scope, "worker") {
		s.log.Warn("invalid logging scope; using worker", "scope", scope)
	}
	return reply{status: http.StatusOK, body: nonNil(affected)}, nil
}

// setClusterLogger handles scope=cluster: the level is checked here, as Kafka Connect's LoggingResource does
// before writing it, and written as given (each worker upper-cases it when applying it).
func (s *Server) setClusterLogger(r *http.Request, name, level string) (reply, error) {
	if _, _, err := loglevel.ParseLevel(level); err != nil {
		return reply{}, newAPIError(http.StatusNotFound, "invalid log level '"+level+"'.")
	}
	cl, ok := s.herder.(ClusterLoggers)
	if !ok {
		if _, err := s.levels.Set(name, level); err != nil {
			return reply{}, err
		}
		return reply{status: http.StatusNoContent}, nil
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := cl.SetClusterLoggerLevel(ctx, name, level); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusNoContent}, nil
}
