package connector

import (
	"fmt"
	"strings"
	"time"
)

// Record is a Connect record as a transformation or predicate sees it: Kafka Connect's ConnectRecord, plus
// the consumed offset that only a SinkRecord has.
type Record struct {
	Topic string
	// Partition is the Kafka partition (Java's kafkaPartition); nil when not set.
	Partition   *int32
	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any
	// Timestamp is the record's timestamp; the zero time stands for Java's null.
	Timestamp time.Time
	Headers   []Header
	// Offset is the consumed offset of a sink record; nil for a source record. Transformations that only
	// apply to sink records (Java's Requirements.requireSinkRecord) test it.
	Offset *int64
}

// Transformation is a single message transform (KIP-66), Kafka's org.apache.kafka.connect.transforms.Transformation.
// It is built configured (TransformPlugin.NewTransformation) and used by one task's goroutine.
type Transformation interface {
	// Apply returns the transformed record, or nil to drop it. It never modifies rec or anything rec refers to
	// (its headers, structs, maps): it returns rec itself when nothing changes, or a new Record, as Java's
	// ConnectRecord.newRecord does. A failure is a *DataError (or any error) with Kafka's message.
	Apply(rec *Record) (*Record, error)
}

// Predicate is a condition on a record (KIP-585), Kafka's org.apache.kafka.connect.transforms.predicates.Predicate.
type Predicate interface {
	Test(rec *Record) bool
}

// TransformPlugin is a transformation or predicate plugin.
type TransformPlugin struct {
	// Class is Java's binary class name, e.g. "org.apache.kafka.connect.transforms.Cast$Value".
	Class string
	// Type is PluginTransformation or PluginPredicate.
	Type PluginType
	// Version is reported by /connector-plugins.
	Version string
	// Spec drives the plugin's /config answer and the validation of its "transforms.<alias>." or
	// "predicates.<alias>." keys.
	Spec *Spec
	// NewTransformation (transformations) or NewPredicate (predicates) returns a configured instance. config
	// holds the plugin's keys with the alias prefix removed (also "type", and for transformations "predicate"
	// and "negate"), as Kafka passes them to configure(); an invalid config is a *ConfigError with Kafka's
	// ConfigException message.
	NewTransformation func(config map[string]string) (Transformation, error)
	NewPredicate      func(config map[string]string) (Predicate, error)
}

// ConfigError is Kafka's ConfigException: a plugin rejected its configuration.
type ConfigError struct {
	Message string
}

func (e *ConfigError) Error() string { return e.Message }

// JavaClass names the Java exception class this error stands for.
func (e *ConfigError) JavaClass() string { return "org.apache.kafka.common.config.ConfigException" }

// NewConfigError returns Kafka's ConfigException message for an invalid value: "Invalid value <v> for
// configuration <name>: <reason>" (just the prefix when reason is empty).
func NewConfigError(name string, value any, reason string) *ConfigError {
	msg := fmt.Sprintf("Invalid value %v for configuration %s", value, name)
	if reason != "" {
		msg += ": " + reason
	}
	return &ConfigError{Message: msg}
}

// RegisterTransform adds a transformation or predicate plugin.
func (r *Registry) RegisterTransform(p TransformPlugin) error {
	switch {
	case p.Class == "" || p.Class != strings.TrimSpace(p.Class):
		return fmt.Errorf("%w: class name %q", ErrInvalidPlugin, p.Class)
	case p.Type == PluginTransformation && p.NewTransformation == nil:
		return fmt.Errorf("%w: transformation %s has no NewTransformation", ErrInvalidPlugin, p.Class)
	case p.Type == PluginPredicate && p.NewPredicate == nil:
		return fmt.Errorf("%w: predicate %s has no NewPredicate", ErrInvalidPlugin, p.Class)
	case p.Type != PluginTransformation && p.Type != PluginPredicate:
		return fmt.Errorf("%w: %s has type %q, want transformation or predicate", ErrInvalidPlugin, p.Class, p.Type)
	}
	if p.Spec == nil {
		p.Spec = NewSpec()
	}
	if err := checkSpec(p.Spec); err != nil {
		return fmt.Errorf("%s: %w", p.Class, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known(p.Class) {
		return fmt.Errorf("%w: %s", ErrDuplicatePlugin, p.Class)
	}
	r.transforms[p.Class] = &p
	r.computeAliases()
	return nil
}

// LookupTransform resolves a class name or alias to a transformation (typ PluginTransformation) or predicate
// (PluginPredicate) plugin. An unknown name gives *UnknownPluginError of kind "" ("Unknown plugin X."); a
// plugin of another kind gives *PluginTypeError.
func (r *Registry) LookupTransform(class string, typ PluginType) (*TransformPlugin, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	full := r.fullName(class)
	p := r.transforms[full]
	if p == nil {
		return nil, &UnknownPluginError{Name: strings.TrimSpace(class)}
	}
	if p.Type != typ {
		want := "Transformation"
		if typ == PluginPredicate {
			want = "Predicate"
		}
		return nil, &PluginTypeError{Class: full, Want: want}
	}
	return p, nil
}

// TransformStage is one configured entry of a connector's transforms list: a transformation and the
// predicate that guards it (Kafka's TransformationStage).
type TransformStage struct {
	Alias string
	// Class is the transformation's class, as error reports name it.
	Class          string
	Transformation Transformation
	// Predicate is nil when the stage has none; Negate inverts it.
	Predicate Predicate
	Negate    bool
}

// Apply runs the stage on rec: the transformation when there is no predicate or the predicate (negated when
// Negate) matches, otherwise rec unchanged.
func (s *TransformStage) Apply(rec *Record) (*Record, error) {
	if s.Predicate != nil && s.Predicate.Test(rec) == s.Negate {
		return rec, nil
	}
	return s.Transformation.Apply(rec)
}

// TransformChain builds the stages of a connector config's transforms list, in order, as Kafka's
// ConnectorConfig.transformationStages does: transforms.<alias>.type names the class,
// transforms.<alias>.predicate a predicate alias configured from predicates.<alias>.*, and
// transforms.<alias>.negate inverts it. The config should have passed Validate; an error names the alias and
// key at fault.
func (r *Registry) TransformChain(config map[string]string) ([]TransformStage, error) {
	aliases := splitList(javaTrim(config[KeyTransforms]))
	var stages []TransformStage
	for _, alias := range aliases {
		alias = javaTrim(alias)
		if alias == "" {
			continue
		}
		prefix := KeyTransforms + "." + alias + "."
		p, err := r.LookupTransform(config[prefix+"type"], PluginTransformation)
		if err != nil {
			return nil, fmt.Errorf("%stype: %w", prefix, err)
		}
		t, err := p.NewTransformation(withPrefix(config, prefix))
		if err != nil {
			return nil, fmt.Errorf("transformation %s (%s): %w", alias, p.Class, err)
		}
		st := TransformStage{Alias: alias, Class: p.Class, Transformation: t}
		if palias := javaTrim(config[prefix+"predicate"]); palias != "" {
			pprefix := KeyPredicates + "." + palias + "."
			pp, err := r.LookupTransform(config[pprefix+"type"], PluginPredicate)
			if err != nil {
				return nil, fmt.Errorf("%stype: %w", pprefix, err)
			}
			st.Predicate, err = pp.NewPredicate(withPrefix(config, pprefix))
			if err != nil {
				return nil, fmt.Errorf("predicate %s (%s): %w", palias, pp.Class, err)
			}
			st.Negate = strings.EqualFold(javaTrim(config[prefix+"negate"]), "true")
		}
		stages = append(stages, st)
	}
	return stages, nil
}

// withPrefix is Kafka's originalsWithPrefix: the keys that start with prefix, with it removed.
func withPrefix(config map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range config {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}
