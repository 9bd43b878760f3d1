package transforms

import (
	"maps"
	"slices"
	"strings"

	"github.com/connectd/connectd/connector"
)

// ReplaceField filters and renames the fields of a map or struct key or value, as Kafka's ReplaceField does:
// exclude drops fields, include (when not empty) keeps only the fields it names, exclude winning over
// include, and renames maps old names to new ones. The deprecated blacklist and whitelist keys are read as
// exclude and include when those are not set.

const replaceFieldPurpose = "field replacement"

func replaceFieldSpec() *connector.Spec {
	return connector.NewSpec(
		connector.List("exclude").WithDefault("").
			Documentation("Fields to exclude. This takes precedence over the fields to include."),
		connector.List("blacklist").Opt().Imp(connector.Low).Documentation("Deprecated. Use exclude instead."),
		connector.List("include").WithDefault("").
			Documentation("Fields to include. If specified, only these fields will be used."),
		connector.List("whitelist").Opt().Imp(connector.Low).Documentation("Deprecated. Use include instead."),
		connector.List("renames").WithDefault("").Check(validRenames()).Documentation("Field rename mappings."),
		connector.Bool("replace.null.with.default").WithDefault("true").Documentation(replaceNullWithDefaultDoc),
	)
}

// replaceFieldPlugins returns ReplaceField$Key and ReplaceField$Value.
func replaceFieldPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"ReplaceField", replaceFieldSpec, newReplaceField)
}

// validRenames is the renames validator: every entry a colon-delimited pair.
func validRenames() connector.Validator {
	return func(_ string, v any) string {
		l, _ := v.([]string)
		if _, msg := parseRenames(l); msg != "" {
			return msg
		}
		return ""
	}
}

// rename is one old:new mapping.
type rename struct{ from, to string }

// parseRenames reads old:new pairs; a malformed entry gives Kafka's message. Later pairs for the same old
// name win, as in Java's HashMap.
func parseRenames(mappings []string) ([]rename, string) {
	var out []rename
	for _, m := range mappings {
		parts := javaSplit(m, ":")
		if len(parts) != 2 {
			return nil, "Invalid rename mapping: " + m
		}
		out = append(out, rename{parts[0], parts[1]})
	}
	return out, ""
}

// javaSplit is Java's String.split with a literal separator: the parts, trailing empty strings removed, and
// the whole string when the separator does not occur.
func javaSplit(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// replaceFieldAliases are the deprecated keys and the keys they stand for, as ReplaceField.configure passes
// them to ConfigUtils.translateDeprecatedConfigs.
var replaceFieldAliases = map[string]string{"include": "whitelist", "exclude": "blacklist"}

// translateDeprecated is ConfigUtils.translateDeprecatedConfigs for ReplaceField: a deprecated key gives its
// value to the key that replaces it unless that one is set too, and is removed either way. The warnings are
// the messages Kafka logs, in its words.
func translateDeprecated(config map[string]string) (map[string]string, []string) {
	out := maps.Clone(config)
	if out == nil {
		out = map[string]string{}
	}
	var warnings []string
	// Kafka walks its alias groups in HashMap order.
	for _, target := range connector.JavaHashOrder([]string{"include", "exclude"}, 16) {
		alias := replaceFieldAliases[target]
		v, deprecated := config[alias]
		if !deprecated {
			continue
		}
		delete(out, alias)
		if _, set := config[target]; set {
			warnings = append(warnings, target+" was configured, as well as the deprecated alias(es) "+alias+
				".  Using the value of "+target)
			continue
		}
		warnings = append(warnings, "Configuration key "+alias+" is deprecated and may be removed in the future."+
			"  Please update your configuration to use "+target+" instead.")
		out[target] = v
	}
	return out, warnings
}

type replaceField struct {
	side                   side
	exclude, include       map[string]bool
	renames, reverse       map[string]string
	replaceNullWithDefault bool
	warnings               []string
	schemas                schemaMemo
}

func newReplaceField(s side, config map[string]string) (connector.Transformation, error) {
	translated, warnings := translateDeprecated(config)
	p, err := parseConfig(replaceFieldSpec(), translated)
	if err != nil {
		return nil, err
	}
	pairs, msg := parseRenames(p.List("renames"))
	if msg != "" {
		// The validator has already refused this; kept so no path builds a transformation from it.
		return nil, connector.NewConfigError("renames", "["+strings.Join(p.List("renames"), ", ")+"]", msg)
	}
	t := &replaceField{
		side:                   s,
		exclude:                setOf(p.List("exclude")),
		include:                setOf(p.List("include")),
		renames:                map[string]string{},
		reverse:                map[string]string{},
		replaceNullWithDefault: p.Bool("replace.null.with.default"),
		warnings:               warnings,
	}
	var froms []string
	for _, r := range pairs {
		if _, seen := t.renames[r.from]; !seen {
			froms = append(froms, r.from)
		}
		t.renames[r.from] = r.to
	}
	// Java inverts the renames by walking its HashMap, so of two names renamed to the same new name the one
	// that map iterates last is the one read back.
	for _, from := range connector.JavaHashOrder(froms, connector.JavaHashMapCapacity(len(froms))) {
		t.reverse[t.renames[from]] = from
	}
	return t, nil
}

// Warnings returns what Kafka logs when it translates the deprecated blacklist and whitelist keys, in
// Kafka's words. The plugin contract carries no logger, so whoever builds the chain may log them.
func (t *replaceField) Warnings() []string { return slices.Clone(t.warnings) }

// keep is Java's filter: not excluded, and included when include is not empty.
func (t *replaceField) keep(name string) bool {
	return !t.exclude[name] && (len(t.include) == 0 || t.include[name])
}

func (t *replaceField) renamed(name string) string {
	if to, ok := t.renames[name]; ok {
		return to
	}
	return name
}

func (t *replaceField) reverseRenamed(name string) string {
	if from, ok := t.reverse[name]; ok {
		return from
	}
	return name
}

// Apply filters and renames; a null key or value (a tombstone) passes unchanged.
func (t *replaceField) Apply(rec *connector.Record) (*connector.Record, error) {
	value := t.side.value(rec)
	if connector.IsNull(value) {
		return rec, nil
	}
	if t.side.schema(rec) == nil {
		return t.applySchemaless(rec, value)
	}
	return t.applyWithSchema(rec, value)
}

func (t *replaceField) applySchemaless(rec *connector.Record, value any) (*connector.Record, error) {
	m, err := requireMap(value, replaceFieldPurpose)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m))
	if len(t.renames) == 0 {
		for k, v := range m {
			if t.keep(k) {
				out[k] = v
			}
		}
		return t.side.with(rec, nil, out), nil
	}
	// A rename can land on a name another entry also ends up under. Java puts the entries in the order its
	// HashMap iterates them, so the one iterated last wins; ties within a bucket (insertion order there,
	// unknowable here) go by name.
	capacity := connector.JavaHashMapCapacity(len(m))
	later := func(a, b string) bool {
		ba, bb := connector.JavaBucket(a, capacity), connector.JavaBucket(b, capacity)
		return ba > bb || (ba == bb && a > b)
	}
	from := make(map[string]string, len(m))
	for k, v := range m {
		if !t.keep(k) {
			continue
		}
		to := t.renamed(k)
		if prev, taken := from[to]; taken && !later(k, prev) {
			continue
		}
		from[to] = k
		out[to] = v
	}
	return t.side.with(rec, nil, out), nil
}

func (t *replaceField) applyWithSchema(rec *connector.Record, value any) (*connector.Record, error) {
	st, err := requireWellFormedStruct(value, replaceFieldPurpose)
	if err != nil {
		return nil, err
	}
	schema, err := t.schemas.get(st.Schema, t.updatedSchema)
	if err != nil {
		return nil, err
	}
	out := connector.NewStruct(schema)
	for _, f := range schema.Fields {
		// Java reads each new field back through the inverted renames, even a field that kept its name.
		v, err := fieldValue(st, t.reverseRenamed(f.Name), t.replaceNullWithDefault)
		if err != nil {
			return nil, err
		}
		if err := out.Put(f.Name, v); err != nil {
			return nil, err
		}
	}
	return t.side.with(rec, schema, out), nil
}

// updatedSchema keeps the fields that pass the filter, renamed, with their schemas.
func (t *replaceField) updatedSchema(in *connector.Schema) (*connector.Schema, error) {
	out := copySchemaBasics(in)
	for _, f := range in.Fields {
		if !t.keep(f.Name) {
			continue
		}
		if err := appendField(out, t.renamed(f.Name), f.Schema); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setOf returns the strings as a set.
func setOf(l []string) map[string]bool {
	s := make(map[string]bool, len(l))
	for _, v := range l {
		s[v] = true
	}
	return s
}
