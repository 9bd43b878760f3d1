package transforms

import (
	"errors"

	"github.com/connectd/connectd/connector"
)

// The predicates of KIP-585: HasHeaderKey, RecordIsTombstone and TopicNameMatches. A transformation runs
// only on the records its predicate matches (or, with negate, does not match).

const (
	hasHeaderKeyClass      = predicatesPackage + "HasHeaderKey"
	recordIsTombstoneClass = predicatesPackage + "RecordIsTombstone"
	topicNameMatchesClass  = predicatesPackage + "TopicNameMatches"
)

func hasHeaderKeySpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("name").Imp(connector.Medium).Check(connector.NonEmpty()).Documentation("The header name."),
	)
}

// topicNameMatchesSpec: the pattern is a Java regular expression, matched with RE2 as RegexRouter's is (see
// javaregex.go); a pattern RE2 cannot express fails validation.
func topicNameMatchesSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("pattern").Imp(connector.Medium).Check(connector.NonEmpty(), javaRegexValidator()).
			Documentation("A Java regular expression for matching against the name of a record's topic."),
	)
}

func predicatePlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{
		{Class: hasHeaderKeyClass, Type: connector.PluginPredicate, Spec: hasHeaderKeySpec(), NewPredicate: newHasHeaderKey},
		{Class: recordIsTombstoneClass, Type: connector.PluginPredicate, Spec: connector.NewSpec(),
			NewPredicate: newRecordIsTombstone},
		{Class: topicNameMatchesClass, Type: connector.PluginPredicate, Spec: topicNameMatchesSpec(),
			NewPredicate: newTopicNameMatches},
	}
}

// hasHeaderKey is true for records with at least one header named name.
type hasHeaderKey struct {
	name string
}

func newHasHeaderKey(config map[string]string) (connector.Predicate, error) {
	p, err := parseConfig(hasHeaderKeySpec(), config)
	if err != nil {
		return nil, err
	}
	return &hasHeaderKey{name: p.String("name")}, nil
}

func (p *hasHeaderKey) Test(rec *connector.Record) bool {
	for _, h := range rec.Headers {
		if h.Key == p.name {
			return true
		}
	}
	return false
}

// recordIsTombstone is true for records with a null value.
type recordIsTombstone struct{}

func newRecordIsTombstone(config map[string]string) (connector.Predicate, error) {
	if _, err := parseConfig(connector.NewSpec(), config); err != nil {
		return nil, err
	}
	return recordIsTombstone{}, nil
}

func (recordIsTombstone) Test(rec *connector.Record) bool { return rec.Value == nil }

// topicNameMatches is true for records whose whole topic name matches the pattern.
type topicNameMatches struct {
	pattern *javaRegex
}

func newTopicNameMatches(config map[string]string) (connector.Predicate, error) {
	p, err := parseConfig(topicNameMatchesSpec(), config)
	if err != nil {
		return nil, err
	}
	pattern := p.String("pattern")
	re, err := compileJavaRegex(pattern)
	if err != nil {
		// Kafka's configure wording; the validator has already rejected such a pattern.
		var jerr *javaRegexError
		if errors.As(err, &jerr) {
			return nil, connector.NewConfigError("pattern", pattern,
				"entry must be a Java-compatible regular expression: "+jerr.Message)
		}
		return nil, err
	}
	return &topicNameMatches{pattern: re}, nil
}

func (p *topicNameMatches) Test(rec *connector.Record) bool { return p.pattern.matches(rec.Topic) }
