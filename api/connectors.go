package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
)

// pathParam returns a decoded path parameter. chi matches on the escaped path when the URL has one (a name
// with %2F in it), and then hands the parameter out escaped.
func pathParam(r *http.Request, key string) string {
	v := chi.URLParam(r, key)
	if r.URL.RawPath == "" {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// connectorPath builds the path of a connector resource for forwarding and Location headers.
func connectorPath(name string, rest ...string) string {
	p := "/connectors/" + url.PathEscape(name)
	for _, seg := range rest {
		p += "/" + seg
	}
	return p
}

// location is the absolute URI of a connector, as JAX-RS resolves Response.created("/connectors/<name>")
// against the request.
func location(r *http.Request, name string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + connectorPath(name)
}

// queryBool parses a boolean query parameter as Java's Boolean.valueOf: only "true", in any case, is true.
// ok is false when the parameter is absent.
func queryBool(r *http.Request, key string) (v, ok bool) {
	vals, present := r.URL.Query()[key]
	if !present || len(vals) == 0 {
		return false, false
	}
	return strings.EqualFold(vals[0], "true"), true
}

func isNotFound(err error) bool {
	var re *herder.RequestError
	return errors.As(err, &re) && errors.Is(re.Kind, herder.ErrNotFound)
}

func normInfo(info herder.ConnectorInfo) herder.ConnectorInfo {
	if info.Config == nil {
		info.Config = map[string]string{}
	}
	if info.Tasks == nil {
		info.Tasks = []herder.TaskIDInfo{}
	}
	return info
}

func normState(st herder.ConnectorStateInfo) herder.ConnectorStateInfo {
	if st.Tasks == nil {
		st.Tasks = []herder.TaskState{}
	}
	return st
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) listConnectors(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	names, err := s.herder.Connectors(ctx)
	if err != nil {
		return reply{}, err
	}
	expands, ok := r.URL.Query()["expand"]
	if !ok {
		return reply{status: http.StatusOK, body: nonNil(names)}, nil
	}
	out := make(map[string]herder.ConnectorExpansion, len(names))
	for _, name := range names {
		exp, found, err := s.expand(ctx, name, expands)
		if err != nil {
			return reply{}, err
		}
		// A connector deleted meanwhile is left out, as in Kafka Connect (the worker reports one without a
		// status yet as UNASSIGNED).
		if found {
			out[name] = exp
		}
	}
	return reply{status: http.StatusOK, body: out}, nil
}

func (s *Server) expand(ctx context.Context, name string, expands []string) (herder.ConnectorExpansion, bool, error) {
	var exp herder.ConnectorExpansion
	for _, e := range expands {
		switch e {
		case "status":
			st, err := s.herder.ConnectorStatus(ctx, name)
			if isNotFound(err) {
				return exp, false, nil
			}
			if err != nil {
				return exp, false, err
			}
			st = normState(st)
			exp.Status = &st
		case "info":
			info, err := s.herder.ConnectorInfo(ctx, name)
			if isNotFound(err) {
				return exp, false, nil
			}
			if err != nil {
				return exp, false, err
			}
			info = normInfo(info)
			exp.Info = &info
		default:
			s.log.Debug("ignoring unknown expansion type", "expand", e)
		}
	}
	return exp, true, nil
}

func (s *Server) createConnector(r *http.Request) (reply, error) {
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	req, err := DecodeCreateRequest(body)
	if err != nil {
		return reply{}, err
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	var info herder.ConnectorInfo
	fr := forwardRequest{
		method: http.MethodPost,
		path:   "/connectors",
		body: herder.CreateConnectorRequest{
			Name:         req.Name,
			Config:       req.Config,
			InitialState: initialStateName(req.InitialState),
		},
	}
	fwd, err := s.completeOrForward(ctx, r, fr, func(ctx context.Context) error {
		var err error
		info, err = s.herder.CreateConnector(ctx, req.Name, req.Config, req.InitialState)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	if err := fwd.decode(&info); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusCreated, body: normInfo(info), location: location(r, req.Name)}, nil
}

func (s *Server) getConnector(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	info, err := s.herder.ConnectorInfo(ctx, pathParam(r, "connector"))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: normInfo(info)}, nil
}

func (s *Server) getConnectorConfig(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	cfg, err := s.herder.ConnectorConfig(ctx, pathParam(r, "connector"))
	if err != nil {
		return reply{}, err
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	return reply{status: http.StatusOK, body: cfg}, nil
}

func (s *Server) putConnectorConfig(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	cfg, err := decodeStringMap(body)
	if err != nil {
		return reply{}, err
	}
	if err := checkAndPutName(name, cfg); err != nil {
		return reply{}, err
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	var (
		info    herder.ConnectorInfo
		created bool
	)
	fr := forwardRequest{method: http.MethodPut, path: connectorPath(name, "config"), body: cfg}
	fwd, err := s.completeOrForward(ctx, r, fr, func(ctx context.Context) error {
		var err error
		info, created, err = s.herder.PutConnectorConfig(ctx, name, cfg)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	if fwd != nil {
		if err := fwd.decode(&info); err != nil {
			return reply{}, err
		}
		// The leader's status is the only way to learn whether it created the connector.
		created = fwd.status == http.StatusCreated
	}
	if created {
		return reply{status: http.StatusCreated, body: normInfo(info), location: location(r, name)}, nil
	}
	return reply{status: http.StatusOK, body: normInfo(info)}, nil
}

func (s *Server) patchConnectorConfig(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	patch, err := DecodeConfigMap(body, true)
	if err != nil {
		return reply{}, err
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	var info herder.ConnectorInfo
	fr := forwardRequest{method: http.MethodPatch, path: connectorPath(name, "config"), body: patch}
	fwd, err := s.completeOrForward(ctx, r, fr, func(ctx context.Context) error {
		var err error
		info, err = s.herder.PatchConnectorConfig(ctx, name, patch)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	if err := fwd.decode(&info); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: normInfo(info)}, nil
}

func (s *Server) deleteConnector(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	return s.forwardableVoid(r, http.StatusNoContent, forwardRequest{method: http.MethodDelete, path: connectorPath(name)},
		func(ctx context.Context) error { return s.herder.DeleteConnector(ctx, name) })
}

// forwardableVoid runs a bodiless write that may have to go to the leader and answers status without a body.
func (s *Server) forwardableVoid(r *http.Request, status int, fr forwardRequest, op func(ctx context.Context) error) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	if _, err := s.completeOrForward(ctx, r, fr, op); err != nil {
		return reply{}, err
	}
	return reply{status: status}, nil
}

// localVoid runs a bodiless write this worker performs itself (pause, resume, topics reset).
func (s *Server) localVoid(r *http.Request, status int, op func(ctx context.Context) error) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	if err := op(ctx); err != nil {
		return reply{}, err
	}
	return reply{status: status}, nil
}

func (s *Server) getConnectorStatus(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	st, err := s.herder.ConnectorStatus(ctx, pathParam(r, "connector"))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: normState(st)}, nil
}

func (s *Server) restartConnector(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	includeTasks, _ := queryBool(r, "includeTasks")
	onlyFailed, _ := queryBool(r, "onlyFailed")
	fr := forwardRequest{method: http.MethodPost, path: connectorPath(name, "restart")}
	if !includeTasks && !onlyFailed {
		// The plain restart of the connector instance, kept for compatibility: 204 and no plan.
		return s.forwardableVoid(r, http.StatusNoContent, fr, func(ctx context.Context) error {
			_, err := s.herder.RestartConnector(ctx, name, false, false)
			return err
		})
	}
	fr.query = [][2]string{
		{"includeTasks", strconv.FormatBool(includeTasks)},
		{"onlyFailed", strconv.FormatBool(onlyFailed)},
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	var plan *herder.ConnectorStateInfo
	fwd, err := s.completeOrForward(ctx, r, fr, func(ctx context.Context) error {
		var err error
		plan, err = s.herder.RestartConnector(ctx, name, includeTasks, onlyFailed)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	if fwd != nil {
		var p herder.ConnectorStateInfo
		if err := fwd.decode(&p); err != nil {
			return reply{}, err
		}
		plan = &p
	}
	if plan == nil {
		return reply{status: http.StatusAccepted}, nil
	}
	return reply{status: http.StatusAccepted, body: normState(*plan)}, nil
}

func (s *Server) pauseConnector(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	return s.localVoid(r, http.StatusAccepted, func(ctx context.Context) error { return s.herder.PauseConnector(ctx, name) })
}

func (s *Server) resumeConnector(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	return s.localVoid(r, http.StatusAccepted, func(ctx context.Context) error { return s.herder.ResumeConnector(ctx, name) })
}

func (s *Server) stopConnector(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	return s.forwardableVoid(r, http.StatusNoContent, forwardRequest{method: http.MethodPut, path: connectorPath(name, "stop")},
		func(ctx context.Context) error { return s.herder.StopConnector(ctx, name) })
}

func (s *Server) getTopics(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	topics, err := s.herder.ConnectorTopics(ctx, name)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: map[string]herder.ActiveTopicsInfo{name: {Topics: nonNil(topics)}}}, nil
}

func (s *Server) resetTopics(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	return s.localVoid(r, http.StatusAccepted, func(ctx context.Context) error { return s.herder.ResetConnectorTopics(ctx, name) })
}

func (s *Server) getOffsets(r *http.Request) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	offsets, err := s.herder.ConnectorOffsets(ctx, pathParam(r, "connector"))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: herder.ConnectorOffsets{Offsets: nonNil(offsets)}}, nil
}

func (s *Server) alterOffsets(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	offsets, err := DecodeOffsets(body)
	if err != nil {
		return reply{}, err
	}
	fr := forwardRequest{method: http.MethodPatch, path: connectorPath(name, "offsets"), body: herder.ConnectorOffsets{Offsets: offsets}}
	return s.offsetsMessage(r, fr, func(ctx context.Context) (string, error) {
		return s.herder.AlterConnectorOffsets(ctx, name, offsets)
	})
}

func (s *Server) resetOffsets(r *http.Request) (reply, error) {
	name := pathParam(r, "connector")
	fr := forwardRequest{method: http.MethodDelete, path: connectorPath(name, "offsets")}
	return s.offsetsMessage(r, fr, func(ctx context.Context) (string, error) {
		return s.herder.ResetConnectorOffsets(ctx, name)
	})
}

func (s *Server) offsetsMessage(r *http.Request, fr forwardRequest, op func(ctx context.Context) (string, error)) (reply, error) {
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return reply{}, err
	}
	var msg herder.Message
	fwd, err := s.completeOrForward(ctx, r, fr, func(ctx context.Context) error {
		var err error
		msg.Message, err = op(ctx)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	if err := fwd.decode(&msg); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: msg}, nil
}

// isSource is the fence endpoint's check: only source connectors have producers to fence.
func isSource(info herder.ConnectorInfo) bool { return info.Type == connector.Source }
