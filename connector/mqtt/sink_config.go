package mqtt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/connectd/connectd/connector"
)

// sinkConfig is a sink connector or task configuration resolved to what the task does.
type sinkConfig struct {
	// conn holds the connection settings, in the form the source's sessions use them (clientOptions).
	conn         config
	template     *topicTemplate
	templateKey  string // the key the template came from, for messages
	qos          byte
	retain       bool
	qosHeader    string
	retainHeader string
	maxInflight  int
	// persistentAsked is clean.session.enabled=false, which the sink accepts without effect.
	persistentAsked bool
	// tolerateAll is errors.tolerance=all: an errant record is skipped when the worker offers no reporter.
	tolerateAll bool
}

// checkSink is the sink Spec's cross-key check.
func checkSink(raw map[string]string) map[string][]string {
	_, probs := resolveSink(lenientSink(raw))
	return probs
}

// lenientSink parses raw for the cross-key checks, leaving out the keys whose own value is invalid (see
// lenient).
func lenientSink(raw map[string]string) *connector.Parsed {
	return lenientWith(sinkFields(), raw)
}

// parseSinkConfig parses a sink connector or task configuration strictly.
func parseSinkConfig(raw map[string]string) (*sinkConfig, error) {
	p, err := connector.NewSpec(sinkFields()...).Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse mqtt sink config: %w", err)
	}
	cfg, probs := resolveSink(p)
	if err := probs.err(); err != nil {
		return nil, fmt.Errorf("invalid mqtt sink config: %w", err)
	}
	return cfg, nil
}

// resolveSink turns parsed keys into a sinkConfig and reports what is wrong across keys. connectd's and
// Confluent's mqtt.* keys come first; the Camel kamelet's keys are used when they are unset.
func resolveSink(p *connector.Parsed) (*sinkConfig, problems) {
	probs := problems{}
	raw := p.Raw()
	c := &sinkConfig{}
	c.conn.name = raw[connector.KeyName]

	brokerKey := fieldServerURI
	if l := p.List(fieldServerURI); len(nonEmpty(l)) > 0 {
		c.conn.brokers = nonEmpty(l)
	} else if s := strings.TrimSpace(p.String(fieldSinkBrokerURL)); s != "" {
		brokerKey, c.conn.brokers = fieldSinkBrokerURL, splitList(s)
	}
	if len(c.conn.brokers) == 0 {
		probs.add(fieldServerURI, missing(fieldServerURI, fieldSinkBrokerURL))
	}
	for _, b := range c.conn.brokers {
		if msg := checkBrokerURL(b); msg != "" {
			probs.invalid(brokerKey, redactURL(b), msg)
		}
	}

	c.templateKey = fieldSinkMQTTTopic
	if !p.IsSet(fieldSinkMQTTTopic) && p.IsSet(fieldSinkTopic) {
		c.templateKey = fieldSinkTopic
	}
	tmpl := p.String(c.templateKey)
	t, msg := parseTemplate(tmpl)
	if msg != "" {
		probs.invalid(c.templateKey, tmpl, msg)
	}
	c.template = t

	c.conn.clientID = strings.TrimSpace(p.String(fieldSinkClientID))
	if c.conn.clientID == "" {
		c.conn.clientID = c.conn.name
	}
	if c.conn.clientID == "" {
		c.conn.clientID = "connectd-mqtt-sink"
	}
	userKey, passKey := fieldMQTTUsername, fieldMQTTPassword
	if !p.IsSet(userKey) && p.IsSet(fieldSinkUsername) {
		userKey = fieldSinkUsername
	}
	if !p.IsSet(passKey) && p.IsSet(fieldSinkPassword) {
		passKey = fieldSinkPassword
	}
	c.conn.username, c.conn.password = p.String(userKey), p.Password(passKey)
	if c.conn.password != "" && c.conn.username == "" {
		probs.add(passKey, "Invalid value [hidden] for configuration "+passKey+
			": a password needs a username (MQTT 3.1.1 sends no password without one)")
	}
	// Always a clean session (see the key's documentation): a persistent one gains the sink nothing and loses
	// QoS 2 messages whose packet identifier a new connection uses again.
	c.conn.cleanSession = true
	c.persistentAsked = !p.Bool(fieldMQTTCleanSession)
	c.conn.connectTimeout = time.Duration(p.Int(fieldMQTTConnectTimeout)) * time.Second
	c.conn.keepAlive = time.Duration(p.Int(fieldMQTTKeepAlive)) * time.Second
	c.conn.maxRetry = time.Duration(p.Long(fieldSinkMaxRetry)) * time.Millisecond
	c.conn.tls = loadTLS(p, probs)
	c.conn.taskIndex, c.conn.taskCount = 0, 1
	if n, err := strconv.Atoi(raw[fieldTaskCount]); err == nil && n > 0 {
		c.conn.taskCount = n
	}
	if n, err := strconv.Atoi(raw[fieldTaskIndex]); err == nil && n >= 0 && n < c.conn.taskCount {
		c.conn.taskIndex = n
	}

	c.qos = byte(p.Int(fieldMQTTQoS))
	retainKey := fieldSinkRetain
	if !p.IsSet(retainKey) && p.IsSet(fieldSinkRetained) {
		retainKey = fieldSinkRetained
	}
	c.retain = p.Bool(retainKey)
	c.qosHeader = strings.TrimSpace(p.String(fieldSinkQoSHeader))
	c.retainHeader = strings.TrimSpace(p.String(fieldSinkRetainHdr))
	c.maxInflight = p.Int(fieldSinkMaxInflight)
	c.tolerateAll = strings.TrimSpace(raw["errors.tolerance"]) == "all"
	return c, probs
}

// Template variables.
const (
	varTopic        = "topic"
	varKey          = "key"
	varPartition    = "partition"
	varHeaderPrefix = "header."
)

// topicTemplate is a parsed MQTT topic template: literal text and variables, in order.
type topicTemplate struct {
	parts []templatePart
}

// templatePart is literal text (name "") or a variable: varTopic, varKey, varPartition or a header name after
// varHeaderPrefix.
type templatePart struct {
	literal string
	name    string
}

// parseTemplate parses an MQTT topic template; the message says why it is not one, or is "".
func parseTemplate(s string) (*topicTemplate, string) {
	if s == "" {
		return nil, "the MQTT topic must not be empty"
	}
	t := &topicTemplate{}
	rest := s
	for rest != "" {
		i := strings.Index(rest, "${")
		if i < 0 {
			t.parts = append(t.parts, templatePart{literal: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, "unclosed ${ at position " + strconv.Itoa(len(s)-len(rest)+i) + ": close it with }"
		}
		name := rest[i+2 : i+end]
		switch {
		case name == varTopic || name == varKey || name == varPartition:
		case strings.HasPrefix(name, varHeaderPrefix) && len(name) > len(varHeaderPrefix):
		default:
			return nil, "unknown variable ${" + name + "}: use ${topic}, ${key}, ${partition} or ${header.<name>}"
		}
		t.parts = append(t.parts, templatePart{name: name})
		rest = rest[i+end+1:]
	}
	slashes := 0
	for _, p := range t.parts {
		if p.name != "" {
			continue
		}
		if strings.ContainsAny(p.literal, "+#") {
			return nil, "the MQTT wildcards + and # cannot appear in a topic name"
		}
		if msg := topicTextProblem(p.literal); msg != "" {
			return nil, "the MQTT topic " + msg
		}
		slashes += strings.Count(p.literal, "/")
	}
	if t.parts[0].name == "" && strings.HasPrefix(t.parts[0].literal, "$") {
		return nil, "the MQTT topic must not start with $: topics starting with $ are the broker's own ($SYS)"
	}
	if slashes > maxTopicSlashes {
		return nil, fmt.Sprintf("the MQTT topic has more than %d / separators, which brokers refuse", maxTopicSlashes)
	}
	if len(s) > 65535 {
		return nil, "the MQTT topic is longer than 65535 bytes"
	}
	return t, ""
}

// maxTopicSlashes is how many / separators a topic may have: Mosquitto refuses a PUBLISH to a topic with more
// (TOPIC_HIERARCHY_LIMIT, 200, checked by mosquitto_pub_topic_check) and disconnects the client.
const maxTopicSlashes = 200

// topicTextProblem says what makes s unfit for an MQTT topic name as Mosquitto checks it
// (mosquitto_validate_utf8): invalid UTF-8, a control character (U+0000-001F, U+007F-009F) or a Unicode
// non-character (U+FDD0-FDEF and every U+xFFFE, U+xFFFF). It is "" when s is fine. Mosquitto disconnects a
// client publishing to such a topic, and the message would be published again forever.
func topicTextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text"
	}
	for _, r := range s {
		switch {
		case r <= 0x1f || (r >= 0x7f && r <= 0x9f):
			return fmt.Sprintf("must not contain the control character %U", r)
		case (r >= 0xfdd0 && r <= 0xfdef) || r&0xfffe == 0xfffe:
			return fmt.Sprintf("must not contain the Unicode non-character %U", r)
		}
	}
	return ""
}

// topicProblem is topicTextProblem for a whole topic name, with the checks of its start, length and levels.
func topicProblem(s string) string {
	if msg := topicTextProblem(s); msg != "" {
		return msg
	}
	switch {
	case strings.HasPrefix(s, "$"):
		return "must not start with $ (the broker's own topics)"
	case len(s) > 65535:
		return "is longer than 65535 bytes"
	case strings.Count(s, "/") > maxTopicSlashes:
		return fmt.Sprintf("has more than %d / separators", maxTopicSlashes)
	}
	return ""
}

// fixed returns the topic when the template has no variables.
func (t *topicTemplate) fixed() (string, bool) {
	if len(t.parts) == 1 && t.parts[0].name == "" {
		return t.parts[0].literal, true
	}
	return "", false
}

// fill returns the MQTT topic of rec, or why the template cannot be filled for it.
func (t *topicTemplate) fill(rec *connector.SinkRecord) (string, error) {
	if s, ok := t.fixed(); ok {
		return s, nil
	}
	var sb strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			sb.WriteString(p.literal)
			continue
		}
		v, err := variable(rec, p.name)
		if err != nil {
			return "", err
		}
		switch {
		case v == "":
			return "", fmt.Errorf("${%s} is empty, which would leave an empty topic level", p.name)
		case strings.ContainsAny(v, "+#"):
			return "", fmt.Errorf("${%s} is %q, which contains an MQTT wildcard (+ or #)", p.name, v)
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			return "", fmt.Errorf("${%s} is not UTF-8 text without NUL characters", p.name)
		}
		sb.WriteString(v)
	}
	topic := sb.String()
	if msg := topicProblem(topic); msg != "" {
		return "", fmt.Errorf("the MQTT topic %q %s", truncate(topic, 100), msg)
	}
	return topic, nil
}

// variable returns the text of one template variable for rec.
func variable(rec *connector.SinkRecord, name string) (string, error) {
	switch name {
	case varTopic:
		return rec.Topic, nil
	case varPartition:
		return strconv.Itoa(int(rec.Partition)), nil
	case varKey:
		s, ok := scalarText(rec.Key)
		if !ok {
			if rec.Key == nil {
				return "", fmt.Errorf("${key}: the record has a null key")
			}
			return "", fmt.Errorf("${key}: a key of type %T cannot name a topic", rec.Key)
		}
		return s, nil
	}
	h := strings.TrimPrefix(name, varHeaderPrefix)
	v, found := lastHeader(rec, h)
	if !found {
		return "", fmt.Errorf("${%s}: the record has no header %q", name, h)
	}
	s, ok := scalarText(v)
	if !ok {
		return "", fmt.Errorf("${%s}: a header value of type %T cannot name a topic", name, v)
	}
	return s, nil
}

// lastHeader returns the value of rec's last header named name.
func lastHeader(rec *connector.SinkRecord, name string) (any, bool) {
	for i := len(rec.Headers) - 1; i >= 0; i-- {
		if rec.Headers[i].Key == name {
			return rec.Headers[i].Value, true
		}
	}
	return nil, false
}

// scalarText renders a string, bytes, number or boolean as text; other values (null, structs, maps, arrays)
// are not text.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case connector.RawJSON:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

// truncate shortens s to at most n bytes for messages, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
