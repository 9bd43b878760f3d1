package transforms

import "github.com/connectd/connectd/connector"

// Version is the version the transformations and predicates report, that of the Kafka release they follow.
const Version = "3.9.0"

// Package prefixes of Kafka's transformation and predicate classes.
const (
	transformsPackage = "org.apache.kafka.connect.transforms."
	predicatesPackage = "org.apache.kafka.connect.transforms.predicates."
)

// Register adds every transformation and predicate to r.
func Register(r *connector.Registry) error {
	groups := [][]connector.TransformPlugin{
		castPlugins(), dropHeadersPlugins(), extractFieldPlugins(), filterPlugins(), flattenPlugins(),
		headerFromPlugins(), hoistFieldPlugins(), insertFieldPlugins(), insertHeaderPlugins(), maskFieldPlugins(),
		regexRouterPlugins(), replaceFieldPlugins(), setSchemaMetadataPlugins(), timestampConverterPlugins(),
		timestampRouterPlugins(), valueToKeyPlugins(), predicatePlugins(),
	}
	for _, g := range groups {
		for _, p := range g {
			if p.Version == "" {
				p.Version = Version
			}
			if err := r.RegisterTransform(p); err != nil {
				return err
			}
		}
	}
	return nil
}
