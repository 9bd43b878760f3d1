package connector

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Registration errors. Register and RegisterConverter wrap them with the details.
var (
	// ErrInvalidPlugin is returned for a plugin with no class, a wrong type, missing constructors or an
	// invalid Spec.
	ErrInvalidPlugin = errors.New("invalid plugin")
	// ErrDuplicatePlugin is returned when the class is already registered (as the same converter type, or at
	// all for connectors).
	ErrDuplicatePlugin = errors.New("duplicate plugin")
)

// Interface names used in UnknownPluginError.Kind and in Kafka's messages.
const (
	KindConnector       = "Connector"
	KindConverter       = "Converter"
	KindHeaderConverter = "HeaderConverter"
)

// UnknownPluginError is returned when a class name or alias matches no registered plugin of the kind looked
// for. Its message is Kafka's for that kind:
//   - Kind "" (any plugin, GET /connector-plugins/{plugin}/config): "Unknown plugin X." (a 404);
//   - KindConnector (connector.class): "Failed to find any class that implements Connector and which name
//     matches X, available connectors are: ..." (a 500 on create, as in Kafka);
//   - KindConverter, KindHeaderConverter: "Class X could not be found." (ConfigDef's CLASS parse failure).
type UnknownPluginError struct {
	// Name is the class or alias as given.
	Name string
	// Kind is "", KindConnector, KindConverter or KindHeaderConverter.
	Kind string
	// Available lists the registered connectors in Kafka's PluginDesc format (KindConnector only).
	Available []string
}

// Error returns Kafka's message for the kind of lookup that failed.
func (e *UnknownPluginError) Error() string {
	switch e.Kind {
	case "":
		return "Unknown plugin " + e.Name + "."
	case KindConnector:
		return "Failed to find any class that implements Connector and which name matches " + e.Name +
			", available connectors are: " + strings.Join(e.Available, ", ")
	default:
		return "Class " + e.Name + " could not be found."
	}
}

// AmbiguousPluginError is returned when connector.class is a simple name that more than one connector has.
type AmbiguousPluginError struct {
	// Name is the alias as given.
	Name string
	// Available lists the registered connectors in Kafka's PluginDesc format, as Kafka's message does.
	Available []string
}

// Error returns Kafka's message, which lists every connector, not just the matches.
func (e *AmbiguousPluginError) Error() string {
	return "More than one connector matches alias " + e.Name +
		". Please use full package and class name instead. Classes found: " + strings.Join(e.Available, ", ")
}

// MissingClassError is returned when a connector config has no (or a blank) connector.class; Kafka answers
// it with a 400.
type MissingClassError struct {
	Config map[string]string
}

// Error prints the config as Java's Map.toString does, keys sorted.
func (e *MissingClassError) Error() string {
	keys := slices.Sorted(maps.Keys(e.Config))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + e.Config[k]
	}
	return "Connector config {" + strings.Join(parts, ", ") + "} contains no connector type"
}

// PluginTypeError is returned by LookupConverter when the class is registered, but not as the plugin type
// asked for (e.g. a connector, or a converter used as a header converter).
type PluginTypeError struct {
	// Class is the fully qualified class name.
	Class string
	// Want is KindConverter or KindHeaderConverter.
	Want string
}

// Error returns the message of Kafka's Utils.ensureConcreteSubclass.
func (e *PluginTypeError) Error() string {
	return "Class class " + e.Class + " does not implement the " + e.Want + " interface"
}

// PluginInfo is one entry of GET /connector-plugins.
type PluginInfo struct {
	Class   string     `json:"class"`
	Type    PluginType `json:"type"`
	Version string     `json:"version,omitempty"`
}

// Registry holds the connector and converter plugins of a worker. Build it with NewRegistry and register
// every plugin before the worker starts; it is safe for concurrent use.
type Registry struct {
	mu               sync.RWMutex
	connectors       map[string]*Plugin
	converters       map[string]*ConverterPlugin
	headerConverters map[string]*ConverterPlugin
	transforms       map[string]*TransformPlugin // transformations and predicates
	// aliases maps each unambiguous alias to its class (Kafka's PluginUtils.computeAliases).
	aliases map[string]string
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{
		connectors:       map[string]*Plugin{},
		converters:       map[string]*ConverterPlugin{},
		headerConverters: map[string]*ConverterPlugin{},
		transforms:       map[string]*TransformPlugin{},
		aliases:          map[string]string{},
	}
}

// Register adds a connector plugin. It rejects an empty or already registered class, a type other than
// Source or Sink, missing constructors and an invalid Spec.
func (r *Registry) Register(p Plugin) error {
	switch {
	case p.Class == "" || p.Class != strings.TrimSpace(p.Class):
		return fmt.Errorf("%w: class name %q", ErrInvalidPlugin, p.Class)
	case p.Type != Source && p.Type != Sink:
		return fmt.Errorf("%w: %s has type %q, want source or sink", ErrInvalidPlugin, p.Class, p.Type)
	case p.NewConnector == nil:
		return fmt.Errorf("%w: %s has no NewConnector", ErrInvalidPlugin, p.Class)
	case p.Type == Source && p.NewSourceTask == nil:
		return fmt.Errorf("%w: source %s has no NewSourceTask", ErrInvalidPlugin, p.Class)
	case p.Type == Sink && p.NewSinkTask == nil:
		return fmt.Errorf("%w: sink %s has no NewSinkTask", ErrInvalidPlugin, p.Class)
	}
	if err := checkSpec(p.Spec); err != nil {
		return fmt.Errorf("%s: %w", p.Class, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known(p.Class) {
		return fmt.Errorf("%w: %s", ErrDuplicatePlugin, p.Class)
	}
	p.Aliases = slices.Clone(p.Aliases)
	p.KeyPrefixes = slices.Clone(p.KeyPrefixes)
	r.connectors[p.Class] = &p
	r.computeAliases()
	return nil
}

// RegisterConverter adds a converter or header converter. A class that is both is registered once per
// type.
func (r *Registry) RegisterConverter(p ConverterPlugin) error {
	var into map[string]*ConverterPlugin
	switch {
	case p.Class == "" || p.Class != strings.TrimSpace(p.Class):
		return fmt.Errorf("%w: class name %q", ErrInvalidPlugin, p.Class)
	case p.Type == PluginConverter && p.NewConverter == nil:
		return fmt.Errorf("%w: converter %s has no NewConverter", ErrInvalidPlugin, p.Class)
	case p.Type == PluginHeaderConverter && p.NewHeaderConverter == nil:
		return fmt.Errorf("%w: header converter %s has no NewHeaderConverter", ErrInvalidPlugin, p.Class)
	case p.Type == PluginConverter:
		into = r.converters
	case p.Type == PluginHeaderConverter:
		into = r.headerConverters
	default:
		return fmt.Errorf("%w: %s has type %q, want converter or header_converter", ErrInvalidPlugin, p.Class, p.Type)
	}
	if err := checkSpec(p.Spec); err != nil {
		return fmt.Errorf("%s: %w", p.Class, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := into[p.Class]; dup || r.connectors[p.Class] != nil || r.transforms[p.Class] != nil {
		return fmt.Errorf("%w: %s", ErrDuplicatePlugin, p.Class)
	}
	into[p.Class] = &p
	r.computeAliases()
	return nil
}

// known reports whether class is registered as any plugin.
func (r *Registry) known(class string) bool {
	return r.connectors[class] != nil || r.converters[class] != nil || r.headerConverters[class] != nil ||
		r.transforms[class] != nil
}

// computeAliases rebuilds the alias table over every plugin, as Kafka does over everything it scanned: each
// plugin's simple name, its simple name pruned at the last occurrence of its type suffix, and (connectors)
// its declared Aliases; an alias claimed by two classes is dropped.
func (r *Registry) computeAliases() {
	claims := map[string]map[string]bool{}
	claim := func(alias, class string) {
		if alias == "" {
			return
		}
		if claims[alias] == nil {
			claims[alias] = map[string]bool{}
		}
		claims[alias][class] = true
	}
	for class, p := range r.connectors {
		claim(simpleName(class), class)
		claim(prunedName(class, "Connector"), class)
		for _, a := range p.Aliases {
			claim(a, class)
		}
	}
	for class := range r.converters {
		claim(simpleName(class), class)
		claim(prunedName(class, KindConverter), class)
	}
	for class := range r.headerConverters {
		claim(simpleName(class), class)
		claim(prunedName(class, KindHeaderConverter), class)
	}
	for class, p := range r.transforms {
		// Kafka prunes the plugin interface's simple name; a nested class such as Cast$Value claims its own
		// simple name ("Value"), which the other $Value classes share, so it gets no alias.
		suffix := "Transformation"
		if p.Type == PluginPredicate {
			suffix = "Predicate"
		}
		claim(simpleName(class), class)
		claim(prunedName(class, suffix), class)
	}
	r.aliases = map[string]string{}
	for alias, classes := range claims {
		if len(classes) == 1 {
			for class := range classes {
				r.aliases[alias] = class
			}
		}
	}
}

// simpleName is Java's Class.getSimpleName for a binary class name: after the last '.' and the last '$'.
func simpleName(class string) string {
	s := class[strings.LastIndex(class, ".")+1:]
	return s[strings.LastIndex(s, "$")+1:]
}

// prunedName is Kafka's PluginUtils.prunedName: the simple name cut at the last occurrence of suffix, when
// that occurrence is not at the start.
func prunedName(class, suffix string) string {
	s := simpleName(class)
	if pos := strings.LastIndex(s, suffix); pos > 0 {
		return s[:pos]
	}
	return s
}

// Lookup resolves a connector.class value: a fully qualified class name, an alias (a plugin's Aliases entry,
// its simple class name, or that name without "Connector"), or a simple name with or without the
// "Connector" suffix that several connectors share (then *AmbiguousPluginError). Surrounding whitespace is
// ignored. A name matching no connector gives *UnknownPluginError. The returned Plugin is shared: do not
// modify it.
func (r *Registry) Lookup(class string) (*Plugin, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lookup(class)
}

func (r *Registry) lookup(class string) (*Plugin, error) {
	name := strings.TrimSpace(class)
	if full, ok := r.aliases[name]; ok {
		name = full
	}
	if p := r.connectors[name]; p != nil {
		return p, nil
	}
	// Kafka's last resort (Plugins.connectorClass): scan connectors by simple name, which also reports the
	// aliases computeAliases dropped as ambiguous.
	want := strings.TrimSpace(class)
	var matches []*Plugin
	for _, p := range r.connectors {
		s := simpleName(p.Class)
		if s == want || s == want+"Connector" || slices.Contains(p.Aliases, want) {
			matches = append(matches, p)
		}
	}
	switch len(matches) {
	case 0:
		return nil, &UnknownPluginError{Name: class, Kind: KindConnector, Available: r.connectorDescs()}
	case 1:
		return matches[0], nil
	}
	return nil, &AmbiguousPluginError{Name: class, Available: r.connectorDescs()}
}

// connectorDescs lists the connectors as Kafka's PluginDesc.toString prints them, sorted by class.
func (r *Registry) connectorDescs() []string {
	classes := slices.Sorted(maps.Keys(r.connectors))
	out := make([]string, len(classes))
	for i, class := range classes {
		p := r.connectors[class]
		v := p.Version
		if v == "" {
			v = "undefined"
		}
		out[i] = "PluginDesc{klass=class " + class + ", name='" + class + "', version='" + v +
			"', encodedVersion=" + v + ", type=" + string(p.Type) + ", typeName='" + string(p.Type) +
			"', location='classpath'}"
	}
	return out
}

// Resolve picks the plugin for a connector config. It is Lookup(config["connector.class"]), except that when
// no connector matches and the config's keys use the KeyPrefixes of exactly one plugin, that plugin is
// returned together with a warning to log. A missing or blank connector.class gives *MissingClassError.
func (r *Registry) Resolve(config map[string]string) (p *Plugin, warning string, err error) {
	class, ok := config[KeyConnectorClass]
	if !ok || strings.TrimSpace(class) == "" {
		return nil, "", &MissingClassError{Config: maps.Clone(config)}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, err = r.lookup(class)
	var unknown *UnknownPluginError
	if err == nil || !errors.As(err, &unknown) {
		return p, "", err
	}
	var found *Plugin
	var prefix string
	for _, cand := range r.connectors {
		if pre, ok := usesPrefix(config, cand.KeyPrefixes); ok {
			if found != nil {
				return nil, "", err
			}
			found, prefix = cand, pre
		}
	}
	if found == nil {
		return nil, "", err
	}
	warning = fmt.Sprintf("connector.class %q matches no installed connector; using %s because the configuration "+
		"uses its key namespace %q", class, found.Class, prefix)
	return found, warning, nil
}

// usesPrefix reports the first of prefixes that some key of config starts with.
func usesPrefix(config map[string]string, prefixes []string) (string, bool) {
	for _, pre := range prefixes {
		if pre == "" {
			continue
		}
		for k := range config {
			if strings.HasPrefix(k, pre) {
				return pre, true
			}
		}
	}
	return "", false
}

// LookupConverter resolves a converter class (typ PluginConverter) or header converter class (typ
// PluginHeaderConverter) by fully qualified name or alias: simple name, or simple name without "Converter"
// (header converters: without "HeaderConverter"). Unlike connectors there is no fallback scan, so an alias
// two plugins share matches nothing, as in Kafka. Errors: *UnknownPluginError, *PluginTypeError.
func (r *Registry) LookupConverter(class string, typ PluginType) (*ConverterPlugin, error) {
	p, _, err := r.lookupConverter(class, typ)
	return p, err
}

// lookupConverter is LookupConverter that also returns the fully qualified class name the name resolved to.
func (r *Registry) lookupConverter(class string, typ PluginType) (*ConverterPlugin, string, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	kind, from := KindConverter, r.converters
	if typ == PluginHeaderConverter {
		kind, from = KindHeaderConverter, r.headerConverters
	}
	full := r.fullName(class)
	if p := from[full]; p != nil {
		return p, full, nil
	}
	if r.known(full) {
		return nil, full, &PluginTypeError{Class: full, Want: kind}
	}
	return nil, full, &UnknownPluginError{Name: class, Kind: kind}
}

// fullName maps an alias to its class; anything else is returned trimmed.
func (r *Registry) fullName(class string) string {
	name := strings.TrimSpace(class)
	if full, ok := r.aliases[name]; ok {
		return full
	}
	return name
}

// Plugins lists plugins as GET /connector-plugins does (Kafka's ConnectorPluginsResource): sinks then sources
// when connectorsOnly; otherwise also transformations, predicates, converters and header converters, in that
// order. Each group is sorted by class.
func (r *Registry) Plugins(connectorsOnly bool) []PluginInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []PluginInfo{}
	for _, t := range []Type{Sink, Source} {
		for _, class := range slices.Sorted(maps.Keys(r.connectors)) {
			if p := r.connectors[class]; p.Type == t {
				out = append(out, PluginInfo{Class: class, Type: PluginType(t), Version: p.Version})
			}
		}
	}
	if connectorsOnly {
		return out
	}
	for _, t := range []PluginType{PluginTransformation, PluginPredicate} {
		for _, class := range r.transformClasses(t) {
			out = append(out, PluginInfo{Class: class, Type: t, Version: r.transforms[class].Version})
		}
	}
	for _, group := range []map[string]*ConverterPlugin{r.converters, r.headerConverters} {
		for _, class := range slices.Sorted(maps.Keys(group)) {
			p := group[class]
			out = append(out, PluginInfo{Class: class, Type: p.Type, Version: p.Version})
		}
	}
	return out
}

// transformClasses lists the transformations (typ PluginTransformation) or predicates (PluginPredicate) by
// class, sorted. The caller holds r.mu.
func (r *Registry) transformClasses(typ PluginType) []string {
	var out []string
	for _, class := range slices.Sorted(maps.Keys(r.transforms)) {
		if r.transforms[class].Type == typ {
			out = append(out, class)
		}
	}
	return out
}

// PluginConfig answers GET /connector-plugins/{plugin}/config: the plugin's own keys, then for connectors the
// framework keys of its type that the plugin does not define itself. plugin is a fully qualified class name
// or an alias. An unknown plugin gives *UnknownPluginError with Kafka's "Unknown plugin X." (a 404).
func (r *Registry) PluginConfig(plugin string) ([]ConfigKeyInfo, error) {
	r.mu.RLock()
	full := r.fullName(plugin)
	conn, conv, hconv, tr := r.connectors[full], r.converters[full], r.headerConverters[full], r.transforms[full]
	r.mu.RUnlock()
	switch {
	case conn != nil:
		out := conn.Spec.KeyInfos()
		own := map[string]bool{}
		for _, k := range out {
			own[k.Name] = true
		}
		for _, k := range FrameworkSpec(conn.Type).KeyInfos() {
			if !own[k.Name] {
				out = append(out, k)
			}
		}
		return out, nil
	case conv != nil:
		return conv.Spec.KeyInfos(), nil
	case hconv != nil:
		return hconv.Spec.KeyInfos(), nil
	case tr != nil:
		return tr.Spec.KeyInfos(), nil
	}
	return nil, &UnknownPluginError{Name: plugin}
}
