package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
)

// taskParam parses the {task} path parameter as a Java Integer; anything else is JAX-RS's plain 404.
func taskParam(r *http.Request) (int, error) {
	v, err := strconv.ParseInt(pathParam(r, "task"), 10, 32)
	if err != nil {
		return 0, newAPIError(http.StatusNotFound, msgNotFound)
	}
	return int(v), nil
}

func (s *Server) getTasks(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	tasks, err := s.herder.TaskConfigs(ctx, pathParam(r, "connector"))
	if err != nil {
		return reply{}, err
	}
	out := make([]herder.TaskInfo, 0, len(tasks))
	for _, t := range tasks {
		cfg := t.Config
		if cfg == nil {
			cfg = map[string]string{}
		}
		out = append(out, herder.TaskInfo{
			ID:     herder.TaskIDInfo{Connector: t.ID.Connector, Task: t.ID.Task},
			Config: cfg,
		})
	}
	return reply{status: http.StatusOK, body: out}, nil
}

func (s *Server) getTasksConfig(r *http.Request) (reply, error) {
	s.log.Warn("deprecated endpoint called; use GET /connectors/{connector}/tasks instead",
		"path", "/connectors/{connector}/tasks-config")
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	tasks, err := s.herder.TaskConfigs(ctx, pathParam(r, "connector"))
	if err != nil {
		return reply{}, err
	}
	// Keys are ConnectorTaskId.toString(): connector + "-" + task.
	out := make(map[string]map[string]string, len(tasks))
	for _, t := range tasks {
		cfg := t.Config
		if cfg == nil {
			cfg = map[string]string{}
		}
		out[fmt.Sprintf("%s-%d", t.ID.Connector, t.ID.Task)] = cfg
	}
	return reply{status: http.StatusOK, body: out}, nil
}

func (s *Server) getTaskStatus(r *http.Request) (reply, error) {
	task, err := taskParam(r)
	if err != nil {
		return reply{}, err
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	st, err := s.herder.TaskStatus(ctx, connector.TaskID{Connector: pathParam(r, "connector"), Task: task})
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: st}, nil
}

func (s *Server) restartTask(r *http.Request) (reply, error) {
	task, err := taskParam(r)
	if err != nil {
		return reply{}, err
	}
	id := connector.TaskID{Connector: pathParam(r, "connector"), Task: task}
	fr := forwardRequest{method: http.MethodPost, path: connectorPath(id.Connector, "tasks", strconv.Itoa(task), "restart")}
	return s.forwardableVoid(r, http.StatusNoContent, fr, func(ctx context.Context) error { return s.herder.RestartTask(ctx, id) })
}

// readInternal reads the body of an internal request and checks its signature.
func (s *Server) readInternal(r *http.Request) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if s.cfg.VerifyInternal != nil {
		if err := s.cfg.VerifyInternal(r, body); err != nil {
			return nil, err
		}
	}
	return body, nil
}

func (s *Server) putTaskConfigs(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	body, err := s.readInternal(r)
	if err != nil {
		return reply{}, err
	}
	configs, err := DecodeTaskConfigs(body)
	if err != nil {
		return reply{}, err
	}
	fr := forwardRequest{method: http.MethodPost, path: connectorPath(name, "tasks"), body: configs, internal: true}
	hash := r.URL.Query().Get(herder.ConfigHashParam)
	if hash != "" {
		fr.query = [][2]string{{herder.ConfigHashParam, hash}}
	}
	return s.forwardableVoid(r, http.StatusNoContent, fr, func(ctx context.Context) error {
		return s.herder.PutTaskConfigs(ctx, name, configs, hash)
	})
}

// fenceZombies answers the internal zombie-fencing request. connectd has no exactly-once source support, so
// there are no transactional producers to fence: it checks that the connector exists and is a source
// connector, as Kafka Connect does, and answers 204.
func (s *Server) fenceZombies(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	if _, err := s.readInternal(r); err != nil {
		return reply{}, err
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	info, err := s.herder.ConnectorInfo(ctx, name)
	if err != nil {
		return reply{}, err
	}
	if !isSource(info) {
		return reply{}, newAPIError(http.StatusBadRequest, "Connector "+name+" is not a source connector")
	}
	return reply{status: http.StatusNoContent}, nil
}
