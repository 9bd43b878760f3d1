package connector

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ValidateOptions carries the worker settings that connector validation depends on.
type ValidateOptions struct {
	// WorkerGroupID is the worker's group.id. A sink whose consumer group ("connect-<name>", or
	// consumer.override.group.id) equals it gets Kafka's conflict error. Empty skips the check.
	WorkerGroupID string
	// ClientOverridePolicy is the worker's connector.client.config.override.policy: "All" (also ""), "None"
	// or "Principal". It decides which producer.override./consumer.override./admin.override. keys are errors.
	ClientOverridePolicy string
	// ExactlyOnceSourceSupport is true when the worker runs with exactly.once.source.support=enabled.
	ExactlyOnceSourceSupport bool
	// TopicCreationDisabled is true when the worker runs with topic.creation.enable=false; Kafka then ignores
	// the topic.creation.* keys, so they are not checked.
	TopicCreationDisabled bool
}

// ValidationError is returned by connector create and update when validation found errors (a 400). Its
// message is Kafka's (AbstractHerder.maybeAddConfigErrors): the count, then every error string, one a line.
type ValidationError struct {
	Infos ConfigInfos
}

// NewValidationError wraps the result of a validation with errors.
func NewValidationError(infos ConfigInfos) *ValidationError {
	return &ValidationError{Infos: infos}
}

// Error returns Kafka's 400 message for an invalid connector config.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("Connector configuration is invalid and contains the following ")
	b.WriteString(strconv.Itoa(e.Infos.ErrorCount))
	b.WriteString(" error(s):")
	for _, c := range e.Infos.Configs {
		if c.Value == nil {
			continue
		}
		for _, msg := range c.Value.Errors {
			b.WriteByte('\n')
			b.WriteString(msg)
		}
	}
	b.WriteString("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return b.String()
}

// Validate validates a connector config as Kafka Connect's AbstractHerder.validateConnectorConfig (with
// DistributedHerder's additions) does, reporting every error:
//   - the framework keys of the plugin's type (FrameworkSpec), then the plugin's own keys (a plugin key with
//     a framework name replaces the framework definition in place, as in Kafka); keys defined nowhere are not
//     listed unless a check reported on them, and then come first with a null definition;
//   - converter classes must name registered converters; a converter with a Spec gets its settings
//     (key.converter.* etc.) validated and listed with the prefix, as Kafka does;
//   - sink topics/topics.regex/DLQ checks and the worker group conflict; source exactly-once and
//     transaction boundary checks, and, when any topic.creation.* key is set and the worker creates topics,
//     the topic creation group keys (Kafka only checks those when the connector starts; connectd reports
//     them here);
//   - after the framework keys, the keys of every transforms and predicates alias: its type and, when that
//     names a registered plugin of the kind, the plugin's keys under the alias prefix (see enrich); the
//     plugins are neither configured nor their Spec.Check run, as Kafka only configures them when a task
//     starts;
//   - client override keys are listed (without definitions) and checked against the override policy;
//   - the plugin's Spec.Check errors are added to the keys they name (Kafka would replace the framework's
//     result for a framework key; connectd keeps both). A panicking Check is reported as an error.
//
// Name is the connector.class value as given and PASSWORD values read "[hidden]". The error is non-nil only
// when the plugin cannot be resolved (Resolve's errors).
func (r *Registry) Validate(config map[string]string, opts ValidateOptions) (ConfigInfos, *Plugin, error) {
	p, _, err := r.Resolve(config)
	if err != nil {
		return ConfigInfos{}, nil, err
	}
	v := &validation{r: r, config: config, opts: opts, plugin: p, values: map[string]*value{}}
	return v.run(), p, nil
}

// entry is one key of the definition a config is validated against.
type entry struct {
	field *Field
	info  ConfigKeyInfo
	// checkName is the name validators see; embedded keys (topic creation groups) see their unprefixed
	// name, as Kafka's ConfigDef.embed arranges.
	checkName string
}

// definition is an ordered set of keys with the groups in order of first use (Kafka's ConfigDef).
type definition struct {
	entries []*entry
	index   map[string]int
	groups  []string
}

// define adds e, or replaces the key of the same name in place.
func (d *definition) define(e *entry) {
	if i, ok := d.index[e.info.Name]; ok {
		d.entries[i] = e
	} else {
		d.index[e.info.Name] = len(d.entries)
		d.entries = append(d.entries, e)
	}
	if e.info.Group != nil && !slices.Contains(d.groups, *e.info.Group) {
		d.groups = append(d.groups, *e.info.Group)
	}
}

// specEntries pairs a spec's fields with their rendered definitions.
func specEntries(s *Spec) []*entry {
	if s == nil {
		return nil
	}
	infos := s.KeyInfos()
	out := make([]*entry, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = &entry{field: f, info: infos[i], checkName: f.Name}
	}
	return out
}

// value is a key's validated value. v is the parsed value, or the raw string for keys without a definition.
type value struct {
	name   string
	v      any
	typ    ConfigType
	errors []string
	rec    []string
}

func (v *value) info() *ConfigValueInfo {
	return &ConfigValueInfo{
		Name:              v.name,
		Value:             formatValue(v.v, v.typ),
		RecommendedValues: append([]string{}, v.rec...),
		Errors:            append([]string{}, v.errors...),
		Visible:           true,
	}
}

// classParser parses a CLASS value against the registry; it returns the value and any errors.
type classParser func(e *entry, raw string) (any, []string)

// evaluate parses and validates one key as ConfigDef.parseForValidate does: a parse failure or a missing
// required key leaves the value null and still runs the validators (so Range adds "Value must be
// non-null"); an optional key left unset is not validated.
func evaluate(e *entry, config map[string]string, parseClass classParser) *value {
	f := e.field
	val := &value{name: e.info.Name, typ: f.Type, rec: f.Recommended}
	raw, set := config[e.info.Name]
	var msg string
	switch {
	case set && f.Type == TypeClassConfig && parseClass != nil:
		var errs []string
		val.v, errs = parseClass(e, raw)
		val.errors = append(val.errors, errs...)
	case set:
		val.v, msg = parseType(e.info.Name, raw, f.Type)
	case f.Default != nil:
		val.v, msg = parseType(e.info.Name, *f.Default, f.Type)
	case f.Optional:
		return val
	default:
		msg = missingMessage(e.info.Name)
	}
	if msg != "" {
		val.errors = append(val.errors, msg)
	}
	for _, check := range f.Validators {
		if m := check(e.checkName, val.v); m != "" {
			val.errors = append(val.errors, invalidMessage(e.checkName, val.v, f.Type, m))
		}
	}
	return val
}

// validation is the state of one Validate call.
type validation struct {
	r      *Registry
	config map[string]string
	opts   ValidateOptions
	plugin *Plugin
	def    definition
	values map[string]*value
	// order is the order values were first created in; values without a definition are listed in it.
	order []string
}

func (v *validation) set(val *value) {
	if _, ok := v.values[val.name]; !ok {
		v.order = append(v.order, val.name)
	}
	v.values[val.name] = val
}

// addError adds msg to the value of name, creating a value without a definition if there is none.
func (v *validation) addError(name, msg string) {
	val, ok := v.values[name]
	if !ok {
		val = &value{name: name}
		if raw, set := v.config[name]; set {
			val.v = raw
		}
		v.set(val)
	}
	val.errors = append(val.errors, msg)
}

func (v *validation) run() ConfigInfos {
	v.def.index = map[string]int{}
	for _, e := range specEntries(FrameworkSpec(v.plugin.Type)) {
		v.def.define(e)
		v.set(evaluate(e, v.config, v.parseConverterClass))
	}
	v.enrich(KeyTransforms, PluginTransformation)
	v.enrich(KeyPredicates, PluginPredicate)
	switch v.plugin.Type {
	case Sink:
		v.sinkChecks()
	case Source:
		if usesTopicCreation(v.config) && !v.opts.TopicCreationDisabled {
			v.topicCreation()
		}
		v.sourceChecks()
	}

	spec := v.plugin.Spec
	for _, e := range specEntries(spec) {
		v.def.define(e)
		v.set(evaluate(e, v.config, nil))
	}
	if spec != nil && spec.Check != nil {
		errs, panicked := runCheck(spec.Check, v.config)
		if panicked != "" {
			v.addError(KeyConnectorClass, "Failed to validate the connector configuration: "+panicked)
		}
		v.addChecked(errs)
	}
	// Converter validation may add errors to the converter keys, so it runs before the main part is
	// rendered; its entries are listed last.
	converters := []ConfigInfos{
		v.converterConfig(KeyHeaderConverter, PluginHeaderConverter, "header"),
		v.converterConfig(KeyKeyConverter, PluginConverter, "key"),
		v.converterConfig(KeyValueConverter, PluginConverter, "value"),
	}

	infos := v.result()
	// Which clients the connector uses decides which overrides Kafka lists (DistributedHerder's
	// connectorUses{Producer,Consumer,Admin}).
	source, sink := v.plugin.Type == Source, v.plugin.Type == Sink
	dlq := sink && javaTrim(v.config[KeyDLQTopicName]) != ""
	offsetsClients := source && (v.opts.ExactlyOnceSourceSupport || javaTrim(v.config[KeyOffsetsStorageTopic]) != "")
	for _, part := range []ConfigInfos{
		v.overrides(PrefixProducerOverride, source || dlq),
		v.overrides(PrefixConsumerOverride, sink || offsetsClients),
		v.overrides(PrefixAdminOverride, (source && usesTopicCreation(v.config)) || dlq || offsetsClients),
		converters[0], converters[1], converters[2],
	} {
		infos.ErrorCount += part.ErrorCount
		infos.Configs = append(infos.Configs, part.Configs...)
		for _, g := range part.Groups {
			if !slices.Contains(infos.Groups, g) {
				infos.Groups = append(infos.Groups, g)
			}
		}
	}
	return infos
}

// addChecked merges a Spec.Check result into the values (names sorted, for a stable answer).
func (v *validation) addChecked(errs map[string][]string) {
	for _, name := range slices.Sorted(maps.Keys(errs)) {
		for _, msg := range errs[name] {
			v.addError(name, msg)
		}
	}
}

// runCheck calls a plugin's Check with a copy of config. Plugin code must not take the caller down: a panic
// is returned as text for the caller to report where Kafka reports a failing validation.
func runCheck(check func(map[string]string) map[string][]string, config map[string]string) (errs map[string][]string, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			errs, panicked = nil, fmt.Sprint(p)
		}
	}()
	return check(maps.Clone(config)), ""
}

// result renders the main part as AbstractHerder.generateResult does: values without a definition first,
// then every defined key with its value.
func (v *validation) result() ConfigInfos {
	infos := ConfigInfos{
		Name:    v.config[KeyConnectorClass],
		Groups:  append([]string{}, v.def.groups...),
		Configs: []ConfigInfo{},
	}
	for _, name := range v.order {
		if _, defined := v.def.index[name]; defined {
			continue
		}
		val := v.values[name]
		infos.Configs = append(infos.Configs, ConfigInfo{Value: val.info()})
		infos.ErrorCount += len(val.errors)
	}
	for _, e := range v.def.entries {
		info := e.info
		ci := ConfigInfo{Definition: &info}
		if val := v.values[e.info.Name]; val != nil {
			ci.Value = val.info()
			infos.ErrorCount += len(val.errors)
		}
		infos.Configs = append(infos.Configs, ci)
	}
	return infos
}

// parseConverterClass resolves key.converter, value.converter and header.converter as Kafka's CLASS parse
// plus ConcreteSubClassValidator do: an unknown class leaves the value null; a class of the wrong kind keeps
// it and gets Kafka's "does not implement" error.
func (v *validation) parseConverterClass(e *entry, raw string) (any, []string) {
	want := PluginConverter
	if e.info.Name == KeyHeaderConverter {
		want = PluginHeaderConverter
	}
	_, full, err := v.r.lookupConverter(raw, want)
	if err == nil {
		return full, nil
	}
	if te := (*PluginTypeError)(nil); errors.As(err, &te) {
		return te.Class, []string{te.Error()}
	}
	return nil, []string{"Invalid value " + raw + " for configuration " + e.info.Name + ": " + err.Error()}
}

// sinkChecks are SinkConnectorConfig.validate and DistributedHerder.validateSinkConnectorGroupId.
func (v *validation) sinkChecks() {
	topics, regex := v.config[KeyTopics], v.config[KeyTopicsRegex]
	hasTopics, hasRegex := javaTrim(topics) != "", javaTrim(regex) != ""
	if hasTopics && hasRegex {
		msg := "topics and topics.regex are mutually exclusive options, but both are set."
		v.addError(KeyTopics, msg)
		v.addError(KeyTopicsRegex, msg)
	}
	if !hasTopics && !hasRegex {
		msg := "Must configure one of topics or topics.regex"
		v.addError(KeyTopics, msg)
		v.addError(KeyTopicsRegex, msg)
	}
	if dlq := javaTrim(v.config[KeyDLQTopicName]); dlq != "" {
		if hasTopics {
			var list []string
			for _, t := range splitList(javaTrim(topics)) {
				if t != "" && !slices.Contains(list, t) {
					list = append(list, t)
				}
			}
			if slices.Contains(list, dlq) {
				v.addError(KeyTopics, "The DLQ topic '"+dlq+"' may not be included in the list of topics ('topics="+
					javaValue(list, TypeListConfig)+"') consumed by the connector")
			}
		}
		if hasRegex {
			// An invalid regex already has its error from the topics.regex validator.
			if re, err := regexp.Compile("^(?:" + regex + ")$"); err == nil && re.MatchString(dlq) {
				v.addError(KeyTopicsRegex, "The DLQ topic '"+dlq+"' may not be matched by the regex for the topics ('topics.regex="+
					regex+"') consumed by the connector")
			}
		}
	}

	const groupKey = PrefixConsumerOverride + "group.id"
	worker := v.opts.WorkerGroupID
	if gid, ok := v.config[groupKey]; ok {
		if _, exists := v.values[groupKey]; !exists {
			v.set(&value{name: groupKey, v: gid})
		}
		if worker != "" && gid == worker {
			v.addError(groupKey, "Consumer group "+gid+" conflicts with Connect worker group "+worker)
		}
		return
	}
	name := javaValue(v.values[KeyName].v, TypeStringConfig)
	if worker != "" && "connect-"+name == worker {
		v.addError(KeyName, "Consumer group for sink connector named "+name+" conflicts with Connect worker group "+worker)
	}
}

// sourceChecks are DistributedHerder's exactly-once and transaction boundary preflight checks. connectd
// connectors cannot declare exactly-once support or their own transaction boundaries, so they answer as a
// Kafka connector that does not override those methods.
func (v *validation) sourceChecks() {
	if eos := v.values[KeyExactlyOnceSupport]; len(eos.errors) == 0 && strings.EqualFold(javaValue(eos.v, ""), "required") {
		if !v.opts.ExactlyOnceSourceSupport {
			v.addError(KeyExactlyOnceSupport, "This worker does not have exactly-once source support enabled.")
		}
		v.addError(KeyExactlyOnceSupport, "The connector does not implement the API required for preflight validation of exactly-once "+
			"source support. Please consult the documentation for the connector to determine whether it supports exactly-once "+
			"semantics, and then consider reconfiguring the connector to use the value \"requested\" for this property "+
			"(which will disable this preflight check and allow the connector to be created).")
	}
	if tb := v.values[KeyTransactionBoundary]; len(tb.errors) == 0 && strings.EqualFold(javaValue(tb.v, ""), "connector") {
		v.addError(KeyTransactionBoundary, "The connector does not support connector-defined transaction boundaries with the given "+
			"configuration. Please reconfigure it to use a different transaction boundary definition.")
	}
}

// topicCreation adds the keys of the default topic creation group and of every group in
// topic.creation.groups, embedded as SourceConnectorConfig does at runtime (group "default: default",
// "Topic Creation: g: Topic Creation: g", orders from 0, validators seeing unprefixed names).
func (v *validation) topicCreation() {
	embed := func(prefix, groupPrefix string, fields []*Field) {
		for i, f := range fields {
			e := &entry{field: f, info: keyInfo(f, prefix+f.Name, groupPrefix+": "+f.Group, i), checkName: f.Name}
			v.def.define(e)
			v.set(evaluate(e, v.config, nil))
		}
	}
	embed(PrefixTopicCreationDefault, "default", topicCreationGroupFields("default", true, nil, nil))
	inherited := func(key string) *string {
		if val := v.values[PrefixTopicCreationDefault+key]; val != nil && len(val.errors) == 0 {
			return formatValue(val.v, val.typ)
		}
		return nil
	}
	rf, partitions := inherited("replication.factor"), inherited("partitions")

	var groups []string
	for _, g := range splitList(javaTrim(v.config[KeyTopicCreationGroups])) {
		if g != "default" && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		group := GroupTopicCreation + ": " + g
		embed(PrefixTopicCreation+g+".", group, topicCreationGroupFields(group, false, rf, partitions))
	}
}

// overrides lists the client override keys under prefix, as AbstractHerder.validateClientOverrides does when
// used is true (Kafka lists only the overrides of clients the connector uses). connectd has no Kafka client
// config definitions, so the entries carry no definition.
func (v *validation) overrides(prefix string, used bool) ConfigInfos {
	out := ConfigInfos{Groups: []string{}, Configs: []ConfigInfo{}}
	if !used {
		return out
	}
	keys := Prefixed(v.config, prefix)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		val := &value{name: prefix + k, v: keys[k]}
		if !OverrideAllowed(v.opts.ClientOverridePolicy, k) {
			policy := v.opts.ClientOverridePolicy
			val.errors = append(val.errors, "The '"+policy+"' policy does not allow '"+k+"' to be overridden in the connector configuration.")
			out.ErrorCount++
		}
		out.Configs = append(out.Configs, ConfigInfo{Value: val.info()})
	}
	return out
}

// OverrideAllowed reports whether Kafka's All, None or Principal override policy lets a connector override the
// client property key (without its prefix).
func OverrideAllowed(policy, key string) bool {
	switch policy {
	case "None":
		return false
	case "Principal":
		return key == "sasl.jaas.config" || key == "sasl.mechanism" || key == "security.protocol"
	}
	return true
}

// converterConfig validates the settings of a converter the connector config names, prefixed with its
// property, as AbstractHerder.validateConverterConfig does. Kafka counts one error per key with errors here.
func (v *validation) converterConfig(prop string, typ PluginType, convType string) ConfigInfos {
	out := ConfigInfos{Groups: []string{}, Configs: []ConfigInfo{}}
	raw, set := v.config[prop]
	if !set || v.values[prop] == nil || len(v.values[prop].errors) > 0 {
		return out
	}
	conv, err := v.r.LookupConverter(raw, typ)
	if err != nil || conv.Spec == nil {
		return out
	}
	settings := Prefixed(v.config, prop+".")
	if _, ok := settings["converter.type"]; !ok {
		settings["converter.type"] = convType
	}
	prefix := prop + "."
	sub := &validation{config: settings, values: map[string]*value{}}
	for _, e := range specEntries(conv.Spec) {
		sub.set(evaluate(e, settings, nil))
		info := e.info
		info.Name = prefix + info.Name
		if info.Group != nil && !slices.Contains(out.Groups, *info.Group) {
			out.Groups = append(out.Groups, *info.Group)
		}
		sub.def.entries = append(sub.def.entries, &entry{field: e.field, info: info})
	}
	if conv.Spec.Check != nil {
		errs, panicked := runCheck(conv.Spec.Check, settings)
		if panicked != "" {
			v.addError(prop, "Failed to perform config validation for "+convType+" converter: "+panicked)
			return ConfigInfos{Groups: []string{}, Configs: []ConfigInfo{}}
		}
		sub.addChecked(errs)
	}
	defined := map[string]*entry{}
	for _, e := range sub.def.entries {
		defined[strings.TrimPrefix(e.info.Name, prefix)] = e
	}
	for _, name := range sub.order {
		val := sub.values[name]
		ci := ConfigInfo{}
		if e := defined[name]; e != nil {
			info := e.info
			ci.Definition = &info
		}
		vi := val.info()
		vi.Name = prefix + name
		ci.Value = vi
		if len(val.errors) > 0 {
			out.ErrorCount++
		}
		out.Configs = append(out.Configs, ci)
	}
	return out
}
