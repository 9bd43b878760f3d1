package mqtt

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/javajson"
)

// Camel's names of the MQTT message headers, and the Kafka header keys they become ("CamelHeader." + name).
const (
	HeaderTopic      = "CamelMqttTopic"
	HeaderQoS        = "CamelMqttQoS"
	KafkaHeaderTopic = "CamelHeader." + HeaderTopic
	KafkaHeaderQoS   = "CamelHeader." + HeaderQoS
)

// Schemas of the values records carry. They are shared; converters do not modify schemas.
var (
	stringSchema = &connector.Schema{Type: connector.TypeString}
	bytesSchema  = &connector.Schema{Type: connector.TypeBytes}
	int32Schema  = &connector.Schema{Type: connector.TypeInt32}
)

// keyKind says what a record's key is.
type keyKind int

const (
	keyTopic keyKind = iota // the MQTT topic
	keyQoS                  // the QoS, as Camel's CamelMqttQoS header
	keyNull                 // a header that does not exist or was removed
)

// recordBuilder turns units into records as the configuration says.
type recordBuilder struct {
	topics      []string
	key         keyKind
	keyBytes    bool
	valueBytes  bool
	headerTopic bool // write CamelHeader.CamelMqttTopic
	headerQoS   bool // write CamelHeader.CamelMqttQoS
}

func newRecordBuilder(c *config) *recordBuilder {
	removeTopic, removeQoS := c.removeHeaders.matches(HeaderTopic), c.removeHeaders.matches(HeaderQoS)
	b := &recordBuilder{
		topics:      c.kafkaTopics,
		keyBytes:    c.keyBytes,
		valueBytes:  c.valueBytes,
		headerTopic: c.mapHeaders && !removeTopic,
		headerQoS:   c.mapHeaders && !removeQoS,
	}
	// Camel reads the key header after removeHeaders ran (and looks headers up ignoring case).
	switch {
	case !c.keyFromHeader:
		b.key = keyTopic
	case strings.EqualFold(c.keyHeader, HeaderTopic) && !removeTopic:
		b.key = keyTopic
	case strings.EqualFold(c.keyHeader, HeaderQoS) && !removeQoS:
		b.key = keyQoS
	default:
		b.key = keyNull
	}
	return b
}

// build appends the records of u, one per Kafka topic, to out. The records share their key, value and
// headers, which nothing modifies. The first record and the headers are one allocation, and the topic is
// boxed once for the key and the header: at full rate every allocation of a record counts.
func (b *recordBuilder) build(u *unit, out []*connector.SourceRecord) []*connector.SourceRecord {
	var topic any
	if b.key == keyTopic && !b.keyBytes || b.headerTopic {
		topic = u.topic
	}
	var keySchema *connector.Schema
	var key any
	switch b.key {
	case keyTopic:
		if b.keyBytes {
			keySchema, key = bytesSchema, []byte(u.topic)
		} else {
			keySchema, key = stringSchema, topic
		}
	case keyQoS:
		keySchema, key = int32Schema, int32(u.qos)
	}
	valueSchema, value := b.value(u.body)
	first := &builtRecord{}
	var headers []connector.Header
	if b.headerTopic || b.headerQoS {
		headers = first.headers[:0]
		if b.headerTopic {
			headers = append(headers, connector.Header{Key: KafkaHeaderTopic, Schema: stringSchema, Value: topic})
		}
		if b.headerQoS {
			headers = append(headers, connector.Header{Key: KafkaHeaderQoS, Schema: int32Schema, Value: int32(u.qos)})
		}
	}
	for i, t := range b.topics {
		rec := &first.rec
		if i > 0 {
			rec = &connector.SourceRecord{}
		}
		*rec = connector.SourceRecord{
			Topic:     t,
			KeySchema: keySchema, Key: key,
			ValueSchema: valueSchema, Value: value,
			Timestamp: u.received,
			Headers:   headers,
		}
		out = append(out, rec)
	}
	return out
}

// builtRecord is a record allocated together with the backing array of its headers.
type builtRecord struct {
	rec     connector.SourceRecord
	headers [2]connector.Header
}

// value types a payload: one JSON document is RawJSON (JsonConverter writes it as is), UTF-8 text a STRING,
// anything else BYTES. With ByteArrayConverter it is always BYTES, the only thing that converter takes.
func (b *recordBuilder) value(body []byte) (*connector.Schema, any) {
	switch {
	case b.valueBytes:
		return bytesSchema, body
	case mayBeJSON(body) && javajson.Valid(body):
		return nil, connector.RawJSON(body)
	case utf8.Valid(body):
		return stringSchema, string(body)
	}
	return bytesSchema, body
}

// mayBeJSON rejects most text cheaply: a JSON document starts, after white space, with one of these bytes.
func mayBeJSON(body []byte) bool {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[', '"', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return true
		}
		return false
	}
	return false
}

// headerMatcher is Camel's PatternHelper.matchPattern for camel.remove.headers.pattern: the exact name or a
// trailing-* prefix, ignoring case, or a case-insensitive regular expression matching the whole name.
type headerMatcher struct {
	pattern string
	re      *regexp.Regexp // nil when the pattern does not compile, as Camel ignores a bad regex
}

// newHeaderMatcher returns nil for the empty pattern, which removes nothing.
func newHeaderMatcher(pattern string) *headerMatcher {
	if pattern == "" {
		return nil
	}
	m := &headerMatcher{pattern: pattern}
	m.re, _ = regexp.Compile("(?i)^(?:" + pattern + ")$")
	return m
}

func (m *headerMatcher) matches(name string) bool {
	if m == nil {
		return false
	}
	if strings.EqualFold(name, m.pattern) {
		return true
	}
	if prefix, ok := strings.CutSuffix(m.pattern, "*"); ok && len(name) >= len(prefix) &&
		strings.EqualFold(name[:len(prefix)], prefix) {
		return true
	}
	return m.re != nil && m.re.MatchString(name)
}

// logValue renders a record value for content logging.
func logValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case connector.RawJSON:
		return string(x)
	case []byte:
		return "bytes[" + strconv.Itoa(len(x)) + "]"
	case int32:
		return strconv.Itoa(int(x))
	}
	return "?"
}
