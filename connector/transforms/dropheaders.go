package transforms

import "github.com/connectd/connectd/connector"

// DropHeaders removes every header whose key is one of the configured names.

const dropHeadersClass = transformsPackage + "DropHeaders"

func dropHeadersSpec() *connector.Spec {
	return connector.NewSpec(
		connector.List("headers").Imp(connector.High).Check(nonEmptyList()).
			Documentation("The name of the headers to be removed."),
	)
}

func dropHeadersPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: dropHeadersClass, Type: connector.PluginTransformation,
		Spec: dropHeadersSpec(), NewTransformation: newDropHeaders}}
}

type dropHeaders struct {
	names map[string]bool
}

func newDropHeaders(config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(dropHeadersSpec(), config)
	if err != nil {
		return nil, err
	}
	t := &dropHeaders{names: map[string]bool{}}
	for _, h := range p.List("headers") {
		t.names[h] = true
	}
	return t, nil
}

func (t *dropHeaders) Apply(rec *connector.Record) (*connector.Record, error) {
	out := *rec
	out.Headers = nil
	for _, h := range rec.Headers {
		if !t.names[h.Key] {
			out.Headers = append(out.Headers, h)
		}
	}
	return &out, nil
}
