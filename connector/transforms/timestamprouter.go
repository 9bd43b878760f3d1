package transforms

import (
	"errors"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// TimestampRouter renames the topic after the record's timestamp: topic.format with ${topic} replaced by the
// topic and ${timestamp} by the timestamp formatted with timestamp.format, a java.text.SimpleDateFormat
// pattern applied in UTC.
//
// As in Kafka, the date pattern is compiled when the first record is routed, so a bad pattern fails the
// record (IllegalArgumentException "Illegal pattern character 'b'"), not the configuration.

const timestampRouterClass = transformsPackage + "TimestampRouter"

func timestampRouterSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("topic.format").WithDefault("${topic}-${timestamp}").Imp(connector.High).
			Documentation("Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "+
				"placeholders for the topic and timestamp, respectively."),
		connector.String("timestamp.format").WithDefault("yyyyMMdd").Imp(connector.High).
			Documentation("Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."),
	)
}

func timestampRouterPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: timestampRouterClass, Type: connector.PluginTransformation,
		Spec: timestampRouterSpec(), NewTransformation: newTimestampRouter}}
}

type timestampRouter struct {
	topicFormat string
	format      *javaDateFormat
	// formatErr is the date pattern's compile error, reported by Apply as Kafka reports it.
	formatErr error
}

func newTimestampRouter(config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(timestampRouterSpec(), config)
	if err != nil {
		return nil, err
	}
	t := &timestampRouter{topicFormat: p.String("topic.format")}
	t.format, t.formatErr = newJavaDateFormat(p.String("timestamp.format"))
	if de := (*dateFormatError)(nil); errors.As(t.formatErr, &de) {
		// Kafka meets the pattern's IllegalArgumentException when the first record is routed.
		t.formatErr = illegalArgument(de.msg)
	}
	return t, nil
}

func (t *timestampRouter) Apply(rec *connector.Record) (*connector.Record, error) {
	if rec.Timestamp.IsZero() {
		return nil, connector.NewDataError("Timestamp missing on record: " + javaRecordString(rec))
	}
	if t.formatErr != nil {
		return nil, t.formatErr
	}
	ts := t.format.format(rec.Timestamp.UnixMilli())
	out := *rec
	out.Topic = strings.ReplaceAll(strings.ReplaceAll(t.topicFormat, "${topic}", rec.Topic), "${timestamp}", ts)
	return &out, nil
}

// javaRecordString is Java's toString of the SinkRecord (a record with an offset) or SourceRecord, as
// Kafka's messages print a record. Values print as Java's toString does (convert.Text); the original topic,
// partition and offset of a sink record are taken to be the current ones, and the timestamp type is
// CreateTime.
func javaRecordString(rec *connector.Record) string {
	var b strings.Builder
	partition := "null"
	if rec.Partition != nil {
		partition = strconv.Itoa(int(*rec.Partition))
	}
	if rec.Offset != nil {
		offset := strconv.FormatInt(*rec.Offset, 10)
		b.WriteString("SinkRecord{kafkaOffset=" + offset + ", timestampType=CreateTime, originalTopic=" + rec.Topic +
			", originalKafkaPartition=" + partition + ", originalKafkaOffset=" + offset + "} ")
	} else {
		b.WriteString("SourceRecord{sourcePartition=null, sourceOffset=null} ")
	}
	timestamp := "null"
	if !rec.Timestamp.IsZero() {
		timestamp = strconv.FormatInt(rec.Timestamp.UnixMilli(), 10)
	}
	b.WriteString("ConnectRecord{topic='" + rec.Topic + "', kafkaPartition=" + partition +
		", key=" + convert.Text(rec.Key) + ", keySchema=" + javaSchemaString(rec.KeySchema) +
		", value=" + convert.Text(rec.Value) + ", valueSchema=" + javaSchemaString(rec.ValueSchema) +
		", timestamp=" + timestamp + ", headers=ConnectHeaders(headers=")
	if len(rec.Headers) > 0 {
		b.WriteByte('[')
		for i, h := range rec.Headers {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("ConnectHeader(key=" + h.Key + ", value=" + convert.Text(h.Value) +
				", schema=" + javaSchemaString(h.Schema) + ")")
		}
		b.WriteByte(']')
	}
	b.WriteString(")}")
	return b.String()
}
