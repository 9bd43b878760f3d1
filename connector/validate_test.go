package connector

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// configInfo returns the entry of key, failing the test when there is none.
func configInfo(t *testing.T, infos ConfigInfos, key string) ConfigInfo {
	t.Helper()
	for _, c := range infos.Configs {
		if c.Value != nil && c.Value.Name == key || c.Definition != nil && c.Definition.Name == key {
			return c
		}
	}
	t.Fatalf("no entry for %s in %v", key, names(infos))
	return ConfigInfo{}
}

func names(infos ConfigInfos) []string {
	var out []string
	for _, c := range infos.Configs {
		if c.Definition != nil {
			out = append(out, c.Definition.Name)
		} else {
			out = append(out, "(undefined)"+c.Value.Name)
		}
	}
	return out
}

// errorsByKey collects the non-empty error lists by key.
func errorsByKey(infos ConfigInfos) map[string][]string {
	out := map[string][]string{}
	for _, c := range infos.Configs {
		if c.Value != nil && len(c.Value.Errors) > 0 {
			out[c.Value.Name] = c.Value.Errors
		}
	}
	return out
}

func with(base map[string]string, kv ...string) map[string]string {
	out := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

var (
	okSink   = map[string]string{"connector.class": "FileStreamSink", "name": "s", "topics": "t"}
	okSource = map[string]string{"connector.class": "FileStreamSource", "name": "s", "topic": "t"}
)

func TestValidateReportsEveryError(t *testing.T) {
	r := newTestRegistry(t)
	tests := []struct {
		name   string
		config map[string]string
		opts   ValidateOptions
		want   map[string][]string
	}{
		{"valid sink", okSink, ValidateOptions{WorkerGroupID: "connect-cluster"}, map[string][]string{}},
		{"valid source", okSource, ValidateOptions{}, map[string][]string{}},
		{"missing name", map[string]string{"connector.class": "FileStreamSink", "topics": "t"}, ValidateOptions{},
			map[string][]string{"name": {`Missing required configuration "name" which has no default value.`}}},
		{"blank name", with(okSink, "name", "  "), ValidateOptions{},
			map[string][]string{"name": {"Invalid value  for configuration name: String may not be empty"}}},
		{"control chars in name", with(okSink, "name", "a\tb\u0007c\n"), ValidateOptions{},
			map[string][]string{"name": {"Invalid value a\tb\u0007c for configuration name: String may not contain control sequences but had the following ASCII chars: 9, 7"}}},
		{"tasks.max not a number", with(okSink, "tasks.max", "abc"), ValidateOptions{},
			map[string][]string{"tasks.max": {
				"Invalid value abc for configuration tasks.max: Not a number of type INT",
				"Invalid value null for configuration tasks.max: Value must be non-null",
			}}},
		{"tasks.max zero", with(okSink, "tasks.max", "0"), ValidateOptions{},
			map[string][]string{"tasks.max": {"Invalid value 0 for configuration tasks.max: Value must be at least 1"}}},
		{"several at once", with(okSink, "tasks.max", "-1", "errors.tolerance", "some", "errors.retry.timeout", "1s",
			"errors.log.enable", "yes", "config.action.reload", "RESTART", "tasks.max.enforce", "FALSE"), ValidateOptions{},
			map[string][]string{
				"tasks.max":            {"Invalid value -1 for configuration tasks.max: Value must be at least 1"},
				"errors.tolerance":     {"Invalid value some for configuration errors.tolerance: String must be one of: none, all"},
				"errors.retry.timeout": {"Invalid value 1s for configuration errors.retry.timeout: Not a number of type LONG"},
				"errors.log.enable":    {"Invalid value yes for configuration errors.log.enable: Expected value to be either true or false"},
				"config.action.reload": {"Invalid value RESTART for configuration config.action.reload: String must be one of: none, restart"},
			}},
		{"converters", with(okSink, "key.converter", "Nope", "value.converter", "Json", "header.converter", "JsonConverter"), ValidateOptions{},
			map[string][]string{
				"key.converter":    {"Invalid value Nope for configuration key.converter: Class Nope could not be found."},
				"header.converter": {"Class class org.apache.kafka.connect.json.JsonConverter does not implement the HeaderConverter interface"},
			}},
		{"blank converter", with(okSink, "key.converter", " "), ValidateOptions{},
			map[string][]string{"key.converter": {"Invalid value   for configuration key.converter: Class   could not be found."}}},
		{"connector as converter", with(okSink, "value.converter", "FileStreamSink"), ValidateOptions{},
			map[string][]string{"value.converter": {"Class class org.apache.kafka.connect.file.FileStreamSinkConnector does not implement the Converter interface"}}},
		{"transforms and predicates", with(okSink, "transforms", "a, b", "transforms.a.type", "X", "predicates", "p,p"), ValidateOptions{},
			map[string][]string{
				"transforms.a.type": {"Invalid value X for configuration transforms.a.type: Class X could not be found."},
				"transforms.b.type": {`Missing required configuration "transforms.b.type" which has no default value.`},
				"predicates":        {"Invalid value [p, p] for configuration predicates: Duplicate alias provided."},
				"predicates.p.type": {`Missing required configuration "predicates.p.type" which has no default value.`},
			}},
		{"empty transforms", with(okSink, "transforms", " "), ValidateOptions{}, map[string][]string{}},
		{"topics and regex", with(okSink, "topics.regex", "t.*"), ValidateOptions{},
			map[string][]string{
				"topics":       {"topics and topics.regex are mutually exclusive options, but both are set."},
				"topics.regex": {"topics and topics.regex are mutually exclusive options, but both are set."},
			}},
		{"no topics", with(okSink, "topics", " "), ValidateOptions{},
			map[string][]string{
				"topics":       {"Must configure one of topics or topics.regex"},
				"topics.regex": {"Must configure one of topics or topics.regex"},
			}},
		{"bad regex", with(okSink, "topics", "", "topics.regex", "(", "errors.deadletterqueue.topic.name", "dlq"), ValidateOptions{},
			map[string][]string{"topics.regex": {"Invalid value ( for configuration topics.regex: Invalid regex: error parsing regexp: missing closing ): `(`"}}},
		{"dlq in topics", with(okSink, "topics", "a, dlq,a,", "errors.deadletterqueue.topic.name", " dlq "), ValidateOptions{},
			map[string][]string{"topics": {"The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector"}}},
		{"dlq matched by regex", with(okSink, "topics", "", "topics.regex", "d.*", "errors.deadletterqueue.topic.name", "dlq"), ValidateOptions{},
			map[string][]string{"topics.regex": {"The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.*') consumed by the connector"}}},
		{"dlq partly matched by regex", with(okSink, "topics", "", "topics.regex", "d", "errors.deadletterqueue.topic.name", "dlq"), ValidateOptions{},
			map[string][]string{}},
		{"dlq replication factor", with(okSink, "errors.deadletterqueue.topic.replication.factor", "40000"), ValidateOptions{},
			map[string][]string{"errors.deadletterqueue.topic.replication.factor": {"Invalid value 40000 for configuration errors.deadletterqueue.topic.replication.factor: Not a number of type SHORT"}}},
		{"sink group conflict", with(okSink, "name", " cluster "), ValidateOptions{WorkerGroupID: "connect-cluster"},
			map[string][]string{"name": {"Consumer group for sink connector named cluster conflicts with Connect worker group connect-cluster"}}},
		{"override group conflict", with(okSink, "consumer.override.group.id", "connect-cluster"), ValidateOptions{WorkerGroupID: "connect-cluster"},
			map[string][]string{"consumer.override.group.id": {"Consumer group connect-cluster conflicts with Connect worker group connect-cluster"}}},
		{"source plugin key missing", map[string]string{"connector.class": "FileStreamSource", "name": "s", "batch.size": "x"}, ValidateOptions{},
			map[string][]string{
				"topic":      {`Missing required configuration "topic" which has no default value.`},
				"batch.size": {"Invalid value x for configuration batch.size: Not a number of type INT"},
			}},
		{"exactly once required", with(okSource, "exactly.once.support", " REQUIRED "), ValidateOptions{},
			map[string][]string{"exactly.once.support": {
				"This worker does not have exactly-once source support enabled.",
				"The connector does not implement the API required for preflight validation of exactly-once source support. " +
					"Please consult the documentation for the connector to determine whether it supports exactly-once semantics, " +
					"and then consider reconfiguring the connector to use the value \"requested\" for this property " +
					"(which will disable this preflight check and allow the connector to be created).",
			}}},
		{"exactly once bad value", with(okSource, "exactly.once.support", "always", "transaction.boundary", "never",
			"transaction.boundary.interval.ms", "-1", "offsets.storage.topic", ""), ValidateOptions{},
			map[string][]string{
				"exactly.once.support":             {"Invalid value always for configuration exactly.once.support: String must be one of (case insensitive): REQUIRED, REQUESTED"},
				"transaction.boundary":             {"Invalid value never for configuration transaction.boundary: String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR"},
				"transaction.boundary.interval.ms": {"Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0"},
				"offsets.storage.topic":            {"Invalid value  for configuration offsets.storage.topic: String must be non-empty"},
			}},
		{"connector transaction boundary", with(okSource, "transaction.boundary", "Connector"), ValidateOptions{},
			map[string][]string{"transaction.boundary": {"The connector does not support connector-defined transaction boundaries with the given configuration. " +
				"Please reconfigure it to use a different transaction boundary definition."}}},
		{"topic creation defaults missing", with(okSource, "topic.creation.groups", "compacted, compacted", "topic.creation.default.partitions", "0"), ValidateOptions{},
			map[string][]string{
				"topic.creation.groups":                     {"Invalid value [compacted, compacted] for configuration topic.creation.groups: Duplicate alias provided."},
				"topic.creation.default.replication.factor": {`Missing required configuration "topic.creation.default.replication.factor" which has no default value.`},
				"topic.creation.default.partitions":         {"Invalid value 0 for configuration partitions: Number of partitions must be positive, or -1 to use the broker's default"},
			}},
		{"topic creation groups", with(okSource, "topic.creation.default.replication.factor", "-1", "topic.creation.default.partitions", "-1",
			"topic.creation.groups", "compacted", "topic.creation.compacted.include", "a,[", "topic.creation.compacted.replication.factor", "0"), ValidateOptions{},
			map[string][]string{
				"topic.creation.compacted.include":            {"Invalid value [a, [] for configuration include: Syntax error in regular expression: error parsing regexp: missing closing ]: `[`"},
				"topic.creation.compacted.replication.factor": {"Invalid value 0 for configuration replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			infos, p, err := r.Validate(tt.config, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p == nil || infos.Name != tt.config["connector.class"] {
				t.Errorf("plugin %v, name %q", p, infos.Name)
			}
			got := errorsByKey(infos)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%q\nwant\n%q", got, tt.want)
			}
			total := 0
			for _, e := range tt.want {
				total += len(e)
			}
			if infos.ErrorCount != total {
				t.Errorf("error_count %d, want %d", infos.ErrorCount, total)
			}
		})
	}
}

func TestValidateLayout(t *testing.T) {
	r := newTestRegistry(t)
	infos, _, err := r.Validate(with(okSink, "password.like", "x", "value.converter", "Json"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The converter's groups follow the framework's, as Kafka's mergeConfigInfos adds them.
	if want := []string{"Common", "Transforms", "Predicates", "Error Handling", "Schemas"}; !slices.Equal(infos.Groups, want) {
		t.Errorf("groups %v, want %v", infos.Groups, want)
	}
	want := []string{"name", "connector.class", "tasks.max", "tasks.max.enforce", "key.converter", "value.converter",
		"header.converter", "transforms", "predicates", "config.action.reload", "errors.retry.timeout",
		"errors.retry.delay.max.ms", "errors.tolerance", "errors.log.enable", "errors.log.include.messages",
		"topics", "topics.regex", "errors.deadletterqueue.topic.name", "errors.deadletterqueue.topic.replication.factor",
		"errors.deadletterqueue.context.headers.enable", "file",
		// the converter's own settings, prefixed, after the connector's keys
		"value.converter.converter.type", "value.converter.schemas.enable", "value.converter.schemas.cache.size"}
	if got := names(infos); !slices.Equal(got, want) {
		t.Errorf("keys\n%v\nwant\n%v", got, want)
	}
	values := map[string]string{}
	for _, c := range infos.Configs {
		values[c.Value.Name] = deref(c.Value.Value)
	}
	for k, v := range map[string]string{
		"name": "s", "tasks.max": "1", "transforms": "", "key.converter": "<nil>", "value.converter": jsonConv,
		"value.converter.converter.type": "value", "value.converter.schemas.enable": "true",
	} {
		if values[k] != v {
			t.Errorf("value of %s = %q, want %q", k, values[k], v)
		}
	}
}

// A converter's settings are validated under its prefix; Kafka counts one error per key there.
func TestValidateConverterSettings(t *testing.T) {
	r := newTestRegistry(t)
	infos, _, err := r.Validate(with(okSink, "key.converter", "Json", "key.converter.converter.type", "sideways",
		"key.converter.schemas.cache.size", "-1", "key.converter.unknown", "x"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := errorsByKey(infos)
	want := map[string][]string{
		"key.converter.converter.type":     {"Invalid value sideways for configuration converter.type: String must be one of: key, value, header"},
		"key.converter.schemas.cache.size": {"Invalid value -1 for configuration schemas.cache.size: Value must be at least 0"},
	}
	if !reflect.DeepEqual(got, want) || infos.ErrorCount != 2 {
		t.Errorf("errors %q (count %d), want %q", got, infos.ErrorCount, want)
	}
	def := configInfo(t, infos, "key.converter.schemas.enable").Definition
	if def == nil || def.Name != "key.converter.schemas.enable" || def.Group == nil || *def.Group != "Schemas" {
		t.Errorf("prefixed definition %+v", def)
	}
	if !slices.Contains(infos.Groups, "Schemas") {
		t.Errorf("groups %v lack the converter's", infos.Groups)
	}
}

func TestValidateUndefinedKeys(t *testing.T) {
	r := newTestRegistry(t)
	checked := fakePlugin("a.CheckedSinkConnector", Sink, NewSpec(Password("secret").Imp(High)))
	checked.Spec.Check = func(config map[string]string) map[string][]string {
		config["mutated"] = "yes" // Check gets a copy
		return map[string][]string{
			"unknown.key": {"not allowed"},
			"secret":      {"too short"},
			"topics":      {"plugin says no"},
		}
	}
	if err := r.Register(checked); err != nil {
		t.Fatal(err)
	}
	config := with(okSink, "connector.class", "a.CheckedSinkConnector", "secret", "hunter2", "unknown.key", "v",
		"other.unknown", "w", "consumer.override.group.id", "g", "consumer.override.max.poll.records", "10")
	infos, _, err := r.Validate(config, ValidateOptions{ClientOverridePolicy: "None"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := config["mutated"]; ok {
		t.Error("Check mutated the caller's config")
	}
	// Undefined values come first, in the order they arose; keys nobody reported on are not listed.
	got := names(infos)
	if want := []string{"(undefined)consumer.override.group.id", "(undefined)unknown.key"}; !slices.Equal(got[:2], want) {
		t.Errorf("first entries %v, want %v", got[:2], want)
	}
	if slices.Contains(got, "(undefined)other.unknown") {
		t.Error("an unreported undefined key is listed")
	}
	tail := got[len(got)-2:]
	if want := []string{"(undefined)consumer.override.group.id", "(undefined)consumer.override.max.poll.records"}; !slices.Equal(tail, want) {
		t.Errorf("override entries %v, want %v", tail, want)
	}
	secret := configInfo(t, infos, "secret")
	if deref(secret.Value.Value) != "[hidden]" || !slices.Equal(secret.Value.Errors, []string{"too short"}) {
		t.Errorf("secret value %+v", secret.Value)
	}
	wantErrs := map[string][]string{
		"unknown.key": {"not allowed"},
		"secret":      {"too short"},
		"topics":      {"plugin says no"},
		"consumer.override.group.id": {
			"The 'None' policy does not allow 'group.id' to be overridden in the connector configuration."},
		"consumer.override.max.poll.records": {
			"The 'None' policy does not allow 'max.poll.records' to be overridden in the connector configuration."},
	}
	if got := errorsByKey(infos); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors\n%q\nwant\n%q", got, wantErrs)
	}
	if infos.ErrorCount != 5 {
		t.Errorf("error_count %d, want 5", infos.ErrorCount)
	}
}

func TestValidateOverridePolicies(t *testing.T) {
	r := newTestRegistry(t)
	config := with(okSource, "producer.override.linger.ms", "5", "producer.override.sasl.mechanism", "PLAIN",
		"consumer.override.x", "1", "admin.override.y", "2")
	for _, tt := range []struct {
		policy string
		errors int
		keys   []string
	}{
		{"", 0, []string{"producer.override.linger.ms", "producer.override.sasl.mechanism"}},
		{"All", 0, []string{"producer.override.linger.ms", "producer.override.sasl.mechanism"}},
		{"Principal", 1, []string{"producer.override.linger.ms", "producer.override.sasl.mechanism"}},
		{"None", 2, []string{"producer.override.linger.ms", "producer.override.sasl.mechanism"}},
	} {
		infos, _, err := r.Validate(config, ValidateOptions{ClientOverridePolicy: tt.policy})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, c := range infos.Configs {
			if c.Definition == nil {
				keys = append(keys, c.Value.Name)
			}
		}
		// A source without topic creation or its own offsets topic uses neither a consumer nor an admin.
		if !slices.Equal(keys, tt.keys) || infos.ErrorCount != tt.errors {
			t.Errorf("policy %q: keys %v errors %d", tt.policy, keys, infos.ErrorCount)
		}
	}
	infos, _, err := r.Validate(with(config, "offsets.storage.topic", "own"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(infos.Configs) - len(configsWithDefinition(infos)); got != 4 {
		t.Errorf("with an own offsets topic %d override entries, want 4", got)
	}
}

func configsWithDefinition(infos ConfigInfos) []ConfigInfo {
	var out []ConfigInfo
	for _, c := range infos.Configs {
		if c.Definition != nil {
			out = append(out, c)
		}
	}
	return out
}

func TestValidateTopicCreationLayout(t *testing.T) {
	r := newTestRegistry(t)
	infos, _, err := r.Validate(with(okSource, "topic.creation.default.replication.factor", "3",
		"topic.creation.default.partitions", "5", "topic.creation.groups", "default,compacted"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if infos.ErrorCount != 0 {
		t.Fatalf("errors: %v", errorsByKey(infos))
	}
	wantGroups := []string{"Common", "Transforms", "Predicates", "Error Handling", "Topic Creation", "Exactly Once Support",
		"offsets.topic", "default: default", "Topic Creation: compacted: Topic Creation: compacted"}
	if !slices.Equal(infos.Groups, wantGroups) {
		t.Errorf("groups\n%v\nwant\n%v", infos.Groups, wantGroups)
	}
	rf := configInfo(t, infos, "topic.creation.default.replication.factor").Definition
	if !rf.Required || rf.Order != 2 || *rf.Group != "default: default" || rf.DisplayName != "Replication Factor for Topics in default" {
		t.Errorf("default rf definition %+v", rf)
	}
	parts := configInfo(t, infos, "topic.creation.compacted.partitions")
	if parts.Definition.Required || deref(parts.Definition.DefaultValue) != "5" || deref(parts.Value.Value) != "5" ||
		parts.Definition.DisplayName != "Partition Count for Topics in Topic Creation: compacted" {
		t.Errorf("group partitions %+v %+v", parts.Definition, parts.Value)
	}
	if inc := configInfo(t, infos, "topic.creation.default.include"); deref(inc.Value.Value) != ".*" || inc.Definition.Order != 0 {
		t.Errorf("default include %+v %+v", inc.Definition, inc.Value)
	}
	for _, name := range names(infos) {
		if strings.HasPrefix(name, "topic.creation.default.default") || name == "topic.creation.default.include.include" {
			t.Errorf("unexpected key %s", name)
		}
	}
}

func TestValidateUnresolvable(t *testing.T) {
	r := newTestRegistry(t)
	var missing *MissingClassError
	if _, p, err := r.Validate(map[string]string{"name": "x"}, ValidateOptions{}); !errors.As(err, &missing) || p != nil {
		t.Errorf("missing class: %v, %v", p, err)
	}
	var unknown *UnknownPluginError
	if _, _, err := r.Validate(map[string]string{"connector.class": "Nope"}, ValidateOptions{}); !errors.As(err, &unknown) {
		t.Errorf("unknown class: %v", err)
	}
}

func TestValidationError(t *testing.T) {
	r := newTestRegistry(t)
	infos, _, err := r.Validate(map[string]string{"connector.class": "FileStreamSink", "tasks.max": "0"}, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Connector configuration is invalid and contains the following 4 error(s):\n" +
		"Missing required configuration \"name\" which has no default value.\n" +
		"Invalid value 0 for configuration tasks.max: Value must be at least 1\n" +
		"Must configure one of topics or topics.regex\n" +
		"Must configure one of topics or topics.regex\n" +
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
	verr := NewValidationError(infos)
	if verr.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", verr.Error(), want)
	}
	var target *ValidationError
	if !errors.As(error(verr), &target) || target.Infos.ErrorCount != 4 {
		t.Error("errors.As does not find the ValidationError")
	}
}

// The JSON of the first entry of a validation missing "name", as Kafka's reference example shows it.
func TestValidateJSON(t *testing.T) {
	r := newTestRegistry(t)
	infos, _, err := r.Validate(map[string]string{"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": "t"}, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(infos)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"org.apache.kafka.connect.file.FileStreamSinkConnector","error_count":1,"groups":["Common","Transforms","Predicates","Error Handling"],` +
		`"configs":[{"definition":{"name":"name","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Globally unique name to use for this connector.","group":"Common","width":"MEDIUM","display_name":"Connector name","dependents":[],"order":1},` +
		`"value":{"name":"name","value":null,"recommended_values":[],"errors":["Missing required configuration \"name\" which has no default value."],"visible":true}},`
	if !strings.HasPrefix(string(b), want) {
		t.Errorf("JSON\n%.900s\nwant prefix\n%s", b, want)
	}
}

// Golden JSON of a few framework keys, field for field as Kafka's GET /connector-plugins/{sink}/config
// serializes them.
func TestFrameworkSpecSinkGolden(t *testing.T) {
	infos := FrameworkSpec(Sink).KeyInfos()
	byName := map[string]ConfigKeyInfo{}
	for _, k := range infos {
		byName[k.Name] = k
	}
	golden := map[string]string{
		"tasks.max": `{"name":"tasks.max","type":"INT","required":false,"default_value":"1","importance":"HIGH",` +
			`"documentation":"Maximum number of tasks to use for this connector.","group":"Common","width":"SHORT",` +
			`"display_name":"Tasks max","dependents":[],"order":3}`,
		"key.converter": `{"name":"key.converter","type":"CLASS","required":false,"default_value":null,"importance":"LOW",` +
			`"documentation":"Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. ` +
			`This controls the format of the keys in messages written to or read from Kafka, and since this is independent of connectors ` +
			`it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.",` +
			`"group":"Common","width":"SHORT","display_name":"Key converter class","dependents":[],"order":5}`,
		"transforms": `{"name":"transforms","type":"LIST","required":false,"default_value":"","importance":"LOW",` +
			`"documentation":"Aliases for the transformations to be applied to records.","group":"Transforms","width":"LONG",` +
			`"display_name":"Transforms","dependents":[],"order":8}`,
		"topics": `{"name":"topics","type":"LIST","required":false,"default_value":"","importance":"HIGH",` +
			`"documentation":"List of topics to consume, separated by commas","group":"Common","width":"LONG",` +
			`"display_name":"Topics","dependents":[],"order":4}`,
		"errors.deadletterqueue.topic.replication.factor": `{"name":"errors.deadletterqueue.topic.replication.factor","type":"SHORT",` +
			`"required":false,"default_value":"3","importance":"MEDIUM","documentation":"Replication factor used to create the dead ` +
			`letter queue topic when it doesn't already exist.","group":"Error Handling","width":"MEDIUM",` +
			`"display_name":"Dead Letter Queue Topic Replication Factor","dependents":[],"order":7}`,
	}
	for name, want := range golden {
		b, err := json.Marshal(byName[name])
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, b, want)
		}
	}
	if len(infos) != 20 {
		t.Errorf("%d sink framework keys, want 20", len(infos))
	}
	if n := len(FrameworkSpec(Source).KeyInfos()); n != 20 {
		t.Errorf("%d source framework keys, want 20", n)
	}
}

func TestFrameworkSpecParse(t *testing.T) {
	p, err := FrameworkSpec(Sink).Parse(map[string]string{"name": "n", "connector.class": "X", "tasks.max": " 4 ", "topics": "a,b"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Int(KeyTasksMax) != 4 || !p.Bool(KeyTasksMaxEnforce) || p.Long(KeyErrorsRetryMaxDelay) != 60000 ||
		p.String(KeyErrorsTolerance) != "none" || !slices.Equal(p.List(KeyTopics), []string{"a", "b"}) || p.String(KeyKeyConverter) != "" {
		t.Errorf("parsed framework values wrong: %+v", p)
	}
}

func TestPrefixed(t *testing.T) {
	got := Prefixed(map[string]string{"value.converter": "Json", "value.converter.": "empty suffix",
		"value.converter.schemas.enable": "false", "key.converter.x": "y"}, "value.converter.")
	if want := map[string]string{"schemas.enable": "false"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Prefixed = %v, want %v", got, want)
	}
}

func TestValidateTopicCreationDisabled(t *testing.T) {
	r := newTestRegistry(t)
	infos, _, err := r.Validate(with(okSource, "topic.creation.groups", "g"), ValidateOptions{TopicCreationDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if infos.ErrorCount != 0 || slices.Contains(names(infos), "topic.creation.default.partitions") {
		t.Errorf("topic creation checked although disabled: %v", errorsByKey(infos))
	}
}

// A panicking Check must not take the caller down; the failure is reported as an error.
func TestValidatePanickingCheck(t *testing.T) {
	r := newTestRegistry(t)
	bad := fakePlugin("a.BadSinkConnector", Sink, NewSpec())
	bad.Spec.Check = func(map[string]string) map[string][]string { panic("boom") }
	if err := r.Register(bad); err != nil {
		t.Fatal(err)
	}
	badConv := fakeConverterPlugin("a.BadConverter", PluginConverter, NewSpec())
	badConv.Spec.Check = func(map[string]string) map[string][]string { panic("bang") }
	if err := r.RegisterConverter(badConv); err != nil {
		t.Fatal(err)
	}
	infos, _, err := r.Validate(with(okSink, "connector.class", "a.BadSinkConnector", "value.converter", "Bad"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"connector.class": {"Failed to validate the connector configuration: boom"},
		"value.converter": {"Failed to perform config validation for value converter: bang"},
	}
	if got := errorsByKey(infos); !reflect.DeepEqual(got, want) || infos.ErrorCount != 2 {
		t.Errorf("errors %q (count %d), want %q", got, infos.ErrorCount, want)
	}
}
