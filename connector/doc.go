// Package connector is connectd's plugin contract and everything that reads connector configuration.
//
// Plugins (connectors, converters, header converters) are registered explicitly in a Registry; there is no
// global registry and no init() registration. A Registry resolves connector.class values the way Kafka
// Connect does (fully qualified name, simple name, simple name without the "Connector" suffix, with
// ambiguous aliases dropped), lists plugins for GET /connector-plugins, and answers the plugin config and
// validate endpoints.
//
// Every plugin describes its configuration with one Spec. The same Spec drives:
//   - GET /connector-plugins/{plugin}/config (Spec.KeyInfos, Registry.PluginConfig),
//   - PUT /connector-plugins/{plugin}/config/validate and create/update checks (Registry.Validate, which adds
//     Kafka Connect's framework keys from FrameworkSpec in front of the plugin's own),
//   - typed access in the plugin's constructor (Spec.Parse and Parsed).
//
// Validation reproduces Kafka Connect 3.9's ConfigDef semantics and messages, because clients and tests
// compare them: values are trimmed, booleans are case-insensitive, lists split on commas, numbers are
// range-checked, and every problem is reported, never just the first. Where connectd differs from Kafka the
// doc comment of Validate says so.
//
// The package imports only the standard library.
package connector
