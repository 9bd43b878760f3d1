package transforms

import (
	"errors"

	"github.com/connectd/connectd/connector"
)

// RegexRouter renames the topic of a record whose whole topic matches a regular expression: the first match
// is replaced, as Java's Matcher.replaceFirst replaces it.
//
// The regex is Java's (java.util.regex.Pattern) and the replacement uses Java's syntax ($1, ${name}, \$ for a
// literal $), both read as Kafka reads them; connectd matches with Go's RE2 after translating the pattern
// (see javaregex.go). A pattern RE2 has no equivalent for (backreferences such as \1, lookahead and
// lookbehind, atomic groups, possessive quantifiers such as a*+, class intersections such as [a-z&&[^x]])
// is rejected when the connector is configured, with a message naming the construct, where a Java worker
// would accept it.

const regexRouterClass = transformsPackage + "RegexRouter"

func regexRouterSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("regex").Imp(connector.High).Check(javaRegexValidator()).
			Documentation("Regular expression to use for matching."),
		connector.String("replacement").Imp(connector.High).Documentation("Replacement string."),
	)
}

// javaRegexValidator is Kafka's RegexValidator: the value compiles as a Java pattern ("Invalid regex: " and
// Java's PatternSyntaxException message). A Java pattern that connectd cannot match with RE2 fails it too.
func javaRegexValidator() connector.Validator {
	return func(_ string, v any) string {
		s, ok := v.(string)
		if !ok {
			return "Invalid regex: null"
		}
		if _, err := compileJavaRegex(s); err != nil {
			return "Invalid regex: " + err.Error()
		}
		return ""
	}
}

func regexRouterPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: regexRouterClass, Type: connector.PluginTransformation,
		Spec: regexRouterSpec(), NewTransformation: newRegexRouter}}
}

type regexRouter struct {
	regex       *javaRegex
	replacement string
}

func newRegexRouter(config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(regexRouterSpec(), config)
	if err != nil {
		return nil, err
	}
	re, err := compileJavaRegex(p.String("regex"))
	if err != nil {
		// The validator has passed, so this does not happen; keep Kafka's wording if it does.
		var jerr *javaRegexError
		if errors.As(err, &jerr) {
			return nil, connector.NewConfigError("regex", p.String("regex"), "Invalid regex: "+jerr.Message)
		}
		return nil, err
	}
	return &regexRouter{regex: re, replacement: p.String("replacement")}, nil
}

func (t *regexRouter) Apply(rec *connector.Record) (*connector.Record, error) {
	if !t.regex.matches(rec.Topic) {
		return rec, nil
	}
	topic, err := t.regex.replaceFirst(rec.Topic, t.replacement)
	if err != nil {
		return nil, err
	}
	out := *rec
	out.Topic = topic
	return &out, nil
}
