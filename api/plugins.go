package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
)

func (s *Server) listPlugins(r *http.Request) (reply, error) {
	connectorsOnly := true
	if v, ok := queryBool(r, "connectorsOnly"); ok && r.URL.Query().Get("connectorsOnly") != "" {
		connectorsOnly = v
	}
	out := []herder.PluginInfo{}
	if reg := s.herder.Plugins(); reg != nil {
		for _, p := range reg.Plugins(connectorsOnly) {
			out = append(out, herder.PluginInfo{Class: p.Class, Type: p.Type, Version: p.Version})
		}
	}
	return reply{status: http.StatusOK, body: out}, nil
}

func (s *Server) pluginConfig(r *http.Request) (reply, error) {
	plugin := pathParam(r, "plugin")
	reg := s.herder.Plugins()
	if reg == nil {
		return reply{}, newAPIError(http.StatusNotFound, "Unknown plugin "+plugin+".")
	}
	keys, err := reg.PluginConfig(plugin)
	var upe *connector.UnknownPluginError
	if errors.As(err, &upe) {
		return reply{}, newAPIError(http.StatusNotFound, "Unknown plugin "+plugin+".")
	}
	if err != nil {
		return reply{}, err
	}
	out := make([]connector.ConfigKeyInfo, len(keys))
	for i, k := range keys {
		k.Dependents = nonNil(k.Dependents)
		out[i] = k
	}
	return reply{status: http.StatusOK, body: out}, nil
}

// normalizedPluginName drops a trailing "Connector" from a class or alias name, as Kafka Connect's
// ConnectorPluginsResource does before comparing the path's plugin with the body's connector.class.
func normalizedPluginName(name string) string {
	const suffix = "Connector"
	if strings.HasSuffix(name, suffix) && len(name) > len(suffix) {
		return name[:len(name)-len(suffix)]
	}
	return name
}

func (s *Server) validateConfig(r *http.Request) (reply, error) {
	plugin := pathParam(r, "plugin")
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	cfg, err := decodeStringMap(body)
	if err != nil {
		return reply{}, err
	}
	if cls, ok := cfg["connector.class"]; ok && !strings.HasSuffix(normalizedPluginName(cls), normalizedPluginName(plugin)) {
		return reply{}, newAPIError(http.StatusBadRequest, "Included connector type "+cls+" does not match request type "+plugin)
	}
	ctx, cancel := s.reqCtx(r)
	defer cancel()
	infos, err := s.herder.ValidateConfig(ctx, cfg)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: normConfigInfos(infos)}, nil
}

// normConfigInfos turns nil lists into empty ones: Kafka Connect never writes null for them.
func normConfigInfos(in connector.ConfigInfos) connector.ConfigInfos {
	out := in
	out.Groups = nonNil(in.Groups)
	out.Configs = make([]connector.ConfigInfo, len(in.Configs))
	for i, c := range in.Configs {
		if c.Definition != nil {
			d := *c.Definition
			d.Dependents = nonNil(d.Dependents)
			c.Definition = &d
		}
		if c.Value != nil {
			v := *c.Value
			v.RecommendedValues = nonNil(v.RecommendedValues)
			v.Errors = nonNil(v.Errors)
			c.Value = &v
		}
		out.Configs[i] = c
	}
	return out
}
