package connector

import (
	"fmt"
	"slices"
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
	// "predicates.<alias>." keys (types and validators; its Check is not run, as Kafka validates these keys
	// with their ConfigDef alone). A transformation key named predicate or negate is masked by the implicit
	// key of that name, as in Kafka.
	Spec *Spec
	// NewTransformation (transformations) or NewPredicate (predicates) returns a configured instance. config
	// holds the plugin's keys with the alias prefix removed (also "type"; for transformations without
	// "predicate" and "negate", which belong to the stage), as Kafka passes them to configure(); an invalid
	// config is a *ConfigError with Kafka's ConfigException message.
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

// transformType is how a transforms.<alias>.type or predicates.<alias>.type value resolves, as Kafka's CLASS
// parse and the type validator of ConnectorConfig.EnrichablePlugin see it.
type transformType struct {
	// found is false when no class has the name (Kafka: "Class X could not be found.").
	found bool
	// class is the class the name resolved to (an alias gives its class).
	class string
	// plugin is set when the class is a plugin of the type asked for.
	plugin *TransformPlugin
	// problem is Kafka's message why a class that exists cannot be used (Utils.ensureConcreteSubclass).
	problem string
	// recommended are the classes of the type asked for, sorted (EnrichablePlugin's ClassRecommender).
	recommended []string
}

// resolveTransformType resolves name to a transformation (typ PluginTransformation) or predicate
// (PluginPredicate). A registered plugin of another kind is a class that does not implement the interface; the
// enclosing class of registered nested plugins (Cast for Cast$Key and Cast$Value) is one of Kafka's abstract
// classes, which Kafka reports with its concrete nested classes in the order the JVM lists them ($Value before
// $Key, descending).
func (r *Registry) resolveTransformType(name string, typ PluginType) transformType {
	r.mu.RLock()
	defer r.mu.RUnlock()
	want := "Transformation"
	if typ == PluginPredicate {
		want = "Predicate"
	}
	out := transformType{recommended: r.transformClasses(typ), class: javaTrim(name), found: true}
	if full, ok := r.aliases[out.class]; ok {
		out.class = full
	}
	if p := r.transforms[out.class]; p != nil && p.Type == typ {
		out.plugin = p
		return out
	}
	if r.known(out.class) {
		out.problem = (&PluginTypeError{Class: out.class, Want: want}).Error()
		return out
	}
	var nested []string
	enclosing := false
	for class, p := range r.transforms {
		if strings.HasPrefix(class, out.class+"$") {
			enclosing = true
			if p.Type == typ {
				nested = append(nested, class)
			}
		}
	}
	switch {
	case !enclosing:
		return transformType{recommended: out.recommended}
	case len(nested) == 0:
		out.problem = (&PluginTypeError{Class: out.class, Want: want}).Error()
	default:
		slices.Sort(nested)
		slices.Reverse(nested)
		out.problem = "This class is abstract and cannot be created. Did you mean " + strings.Join(nested, ", ") + "?"
	}
	return out
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
// transforms.<alias>.negate inverts it. The config should have passed Validate, which (as Kafka's) does not
// check that a predicate alias is listed in predicates: that fails here with Kafka's *ConfigError "Unknown
// configuration 'predicates.<alias>.type'". Any other error names the alias and key at fault.
func (r *Registry) TransformChain(config map[string]string) ([]TransformStage, error) {
	aliases := splitList(javaTrim(config[KeyTransforms]))
	predicates := splitList(javaTrim(config[KeyPredicates]))
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
		// Kafka keeps predicate and negate for the stage and hands the transformation the rest.
		own := withPrefix(config, prefix)
		delete(own, "predicate")
		delete(own, "negate")
		t, err := p.NewTransformation(own)
		if err != nil {
			return nil, fmt.Errorf("transformation %s (%s): %w", alias, p.Class, err)
		}
		st := TransformStage{Alias: alias, Class: p.Class, Transformation: t}
		// Kafka takes the alias as written, untrimmed, and the predicate must be one the predicates list
		// defines (its enriched config has no other predicate keys).
		if palias, ok := config[prefix+"predicate"]; ok {
			pprefix := KeyPredicates + "." + palias + "."
			if !slices.Contains(predicates, palias) {
				return nil, &ConfigError{Message: "Unknown configuration '" + pprefix + "type'"}
			}
			pp, err := r.LookupTransform(config[pprefix+"type"], PluginPredicate)
			if err != nil {
				return nil, fmt.Errorf("%stype: %w", pprefix, err)
			}
			st.Predicate, err = pp.NewPredicate(withPrefix(config, pprefix))
			if err != nil {
				return nil, fmt.Errorf("predicate %s (%s): %w", palias, pp.Class, err)
			}
			// Java's Boolean.parseBoolean of the raw value: no trimming.
			st.Negate = strings.EqualFold(config[prefix+"negate"], "true")
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
