package transforms

import "github.com/connectd/connectd/connector"

// Filter drops every record. It is meant to run under a predicate (transforms.<alias>.predicate), so that
// the records the predicate matches (or, negated, does not match) are dropped.

const filterClass = transformsPackage + "Filter"

func filterPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: filterClass, Type: connector.PluginTransformation,
		Spec: connector.NewSpec(), NewTransformation: newFilter}}
}

type filter struct{}

func newFilter(config map[string]string) (connector.Transformation, error) {
	if _, err := parseConfig(connector.NewSpec(), config); err != nil {
		return nil, err
	}
	return filter{}, nil
}

// Apply drops the record.
func (filter) Apply(*connector.Record) (*connector.Record, error) { return nil, nil }
