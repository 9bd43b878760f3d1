package connector

// Spec is the configuration definition of one plugin: its keys in declaration order and an optional cross-key
// check. One Spec drives defaults, create/update validation, /connector-plugins/{plugin}/config and
// /connector-plugins/{plugin}/config/validate.
type Spec struct {
	Fields []*Field
	// Check runs after the per-key checks with the raw config; it returns extra errors per key name
	// (Kafka's Connector.validate). It may be nil.
	Check func(config map[string]string) map[string][]string
}

// NewSpec returns a Spec with the given fields.
func NewSpec(fields ...*Field) *Spec { return &Spec{Fields: fields} }

// PluginType is the kind of a plugin as /connector-plugins reports it.
type PluginType string

// Plugin types.
const (
	PluginSource          PluginType = "source"
	PluginSink            PluginType = "sink"
	PluginConverter       PluginType = "converter"
	PluginHeaderConverter PluginType = "header_converter"
	PluginTransformation  PluginType = "transformation"
	PluginPredicate       PluginType = "predicate"
)

// Plugin is a connector plugin: a class name, its configuration spec and constructors.
type Plugin struct {
	// Class is the fully qualified class name reported by /connector-plugins, e.g.
	// "org.apache.kafka.connect.file.FileStreamSourceConnector".
	Class string
	Type  Type
	// Version is reported by /connector-plugins; "" is reported as absent.
	Version string
	// Aliases are further names connector.class may use (beyond the simple name and the simple name without
	// the "Connector" suffix, which every plugin gets).
	Aliases []string
	// KeyPrefixes are configuration key namespaces that identify this plugin when connector.class names no
	// plugin (e.g. "camel.kamelet.mqtt-source.").
	KeyPrefixes []string
	Spec        *Spec
	// TaskClass is written into every task config as task.class.
	TaskClass    string
	NewConnector func() Connector
	// NewSourceTask is set for source plugins, NewSinkTask for sink plugins.
	NewSourceTask func() SourceTask
	NewSinkTask   func() SinkTask
}

// ConverterPlugin is a key/value converter or header converter plugin.
type ConverterPlugin struct {
	Class   string
	Type    PluginType // PluginConverter or PluginHeaderConverter
	Version string
	Spec    *Spec
	// NewConverter is set for converters, NewHeaderConverter for header converters; a class that is both
	// (SimpleHeaderConverter) is registered twice.
	NewConverter       func() Converter
	NewHeaderConverter func() HeaderConverter
}

// ConfigInfos is the answer of PUT /connector-plugins/{plugin}/config/validate, field for field as Kafka
// Connect serializes it.
type ConfigInfos struct {
	Name       string       `json:"name"`
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []ConfigInfo `json:"configs"`
}

// ConfigInfo pairs a key's definition with its validated value; either may be null.
type ConfigInfo struct {
	Definition *ConfigKeyInfo   `json:"definition"`
	Value      *ConfigValueInfo `json:"value"`
}

// ConfigKeyInfo is a key's definition, in Kafka Connect's field order.
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
	Order         int      `json:"order"`
}

// ConfigValueInfo is a key's value and its validation errors.
type ConfigValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}
