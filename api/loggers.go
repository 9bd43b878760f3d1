package api

import (
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

// setLogger sets a logger's level. scope=cluster is applied on this worker only for now and answered 204, as
// Kafka Connect answers it; spreading it through the config topic is the herder's job once it can.
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
	affected, err := s.levels.Set(name, level)
	if errors.Is(err, loglevel.ErrInvalidLevel) {
		// Kafka Connect answers 404 for this.
		return reply{}, newAPIError(http.StatusNotFound, "invalid log level '"+level+"'.")
	}
	if err != nil {
		return reply{}, err
	}
	switch strings.ToLower(scope) {
	case "cluster":
		return reply{status: http.StatusNoContent}, nil
	case "worker":
	default:
		s.log.Warn("invalid logging scope; using worker", "scope", scope)
	}
	return reply{status: http.StatusOK, body: nonNil(affected)}, nil
}
