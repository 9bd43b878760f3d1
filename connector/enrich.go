package connector

import (
	"cmp"
	"slices"
	"strings"
)

// The keys Kafka adds to every transformation's definition (ConnectorConfig.enrich, TransformationStage); a
// transformation's own keys of these names are masked by them.
const (
	transformPredicateKey = "predicate"
	transformNegateKey    = "negate"
)

// transformImplicitFields are the implicit keys of every transformation, as ConnectorConfig.enrich defines
// them (no group, so they sort after the transformation's required keys).
func transformImplicitFields() []*Field {
	return []*Field{
		String(transformPredicateKey).Opt().Imp(Medium).
			Documentation("The alias of a predicate used to determine whether to apply this transformation."),
		Bool(transformNegateKey).WithDefault("false").Imp(Medium).
			Documentation("Whether the configured predicate should be negated."),
	}
}

// enrich adds the keys of every alias listed in transforms (typ PluginTransformation) or predicates
// (PluginPredicate) to the definition and validates them, as Kafka's ConnectorConfig.enrich (with
// requireFullConfig false) and ConfigDef.validateAll do:
//   - aliases come from the raw list, duplicates once (the list's own validator reports them), empty ones
//     included;
//   - <list>.<alias>.type (CLASS, required) in the group "<Transforms|Predicates>: <alias>", order 0, with every
//     registered class of the kind as recommended values; a class that cannot be found leaves it null, one that
//     is not of the kind gets Kafka's message; for transformations a negate key without a predicate key is
//     reported there first (Kafka's validator stops at the first problem);
//   - when the type names a usable plugin, its keys (for transformations with the implicit predicate and
//     negate) embedded as ConfigDef.embed does: prefixed, sorted as ConfigDef.sortedConfigs sorts them, orders
//     from 1, the alias group before each key's own group, validators seeing the unprefixed name.
//
// Nothing else is checked: like Kafka, validation neither configures the plugin nor checks that a predicate
// alias is defined or used; those fail when the task builds its chain.
func (v *validation) enrich(listKey string, typ PluginType) {
	raw, ok := v.config[listKey]
	if !ok {
		return
	}
	var aliases []string
	for _, a := range splitList(javaTrim(raw)) {
		if !slices.Contains(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	kind, groupName := "Transformation", GroupTransforms
	if typ == PluginPredicate {
		kind, groupName = "Predicate", GroupPredicates
	}
	for _, alias := range aliases {
		prefix := listKey + "." + alias + "."
		group := groupName + ": " + alias
		typeKey := prefix + "type"
		resolved := v.r.resolveTransformType(v.config[typeKey], typ)
		f := Class(typeKey).Imp(High).Documentation("Class for the '"+alias+"' "+strings.ToLower(kind)+".").
			Display(kind+" type for "+alias, WidthLong).Recommend(resolved.recommended...)
		e := &entry{field: f, info: keyInfo(f, typeKey, group, 0), checkName: typeKey}
		v.def.define(e)
		val := evaluate(e, v.config, func(_ *entry, given string) (any, []string) {
			if !resolved.found {
				return nil, []string{"Invalid value " + given + " for configuration " + typeKey + ": Class " + given + " could not be found."}
			}
			return resolved.class, nil
		})
		_, negate := v.config[prefix+transformNegateKey]
		_, predicate := v.config[prefix+transformPredicateKey]
		switch {
		case typ == PluginTransformation && negate && !predicate:
			val.errors = append(val.errors, "Config '"+prefix+transformNegateKey+"' was provided but there is no config '"+
				prefix+transformPredicateKey+"' defining a predicate to be negated.")
		case val.v != nil && resolved.problem != "":
			val.errors = append(val.errors, resolved.problem)
		}
		v.set(val)
		if resolved.plugin == nil {
			continue
		}
		for i, key := range embedOrder(pluginFields(resolved.plugin)) {
			g := group
			if key.Group != "" {
				g += ": " + key.Group
			}
			info := keyInfo(key.Field, prefix+key.Name, g, i+1)
			for j, d := range info.Dependents {
				info.Dependents[j] = prefix + d
			}
			embedded := &entry{field: key.Field, info: info, checkName: key.Name}
			v.def.define(embedded)
			v.set(evaluate(embedded, v.config, nil))
		}
	}
}

// pluginFields are the keys a plugin's definition has in Kafka's enrich: for a transformation the implicit
// predicate and negate first, then its own keys but those two.
func pluginFields(p *TransformPlugin) *Spec {
	var fields []*Field
	if p.Type == PluginTransformation {
		fields = transformImplicitFields()
	}
	for _, f := range p.Spec.Fields {
		if p.Type == PluginTransformation && (f.Name == transformPredicateKey || f.Name == transformNegateKey) {
			continue
		}
		fields = append(fields, f)
	}
	return NewSpec(fields...)
}

// orderedField is a field with the order Spec.KeyInfos gives it.
type orderedField struct {
	*Field
	order int
}

// embedOrder sorts a definition's keys as Kafka's ConfigDef.sortedConfigs does: keys without a group first,
// then by group in order of first use; within that by order, then keys without a default before the others,
// then by importance (HIGH first), then by name.
func embedOrder(s *Spec) []orderedField {
	infos := s.KeyInfos()
	groupOrd := map[string]int{}
	out := make([]orderedField, len(s.Fields))
	for i, f := range s.Fields {
		if _, seen := groupOrd[f.Group]; f.Group != "" && !seen {
			groupOrd[f.Group] = len(groupOrd)
		}
		out[i] = orderedField{Field: f, order: infos[i].Order}
	}
	importance := map[Importance]int{High: 0, Medium: 1, Low: 2}
	slices.SortStableFunc(out, func(a, b orderedField) int {
		switch {
		case a.Group == "" && b.Group != "":
			return -1
		case a.Group != "" && b.Group == "":
			return 1
		}
		return cmp.Or(
			cmp.Compare(groupOrd[a.Group], groupOrd[b.Group]),
			cmp.Compare(a.order, b.order),
			cmp.Compare(boolRank(!a.Required()), boolRank(!b.Required())),
			cmp.Compare(importance[a.Importance], importance[b.Importance]),
			strings.Compare(a.Name, b.Name),
		)
	})
	return out
}

// boolRank orders false before true.
func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
