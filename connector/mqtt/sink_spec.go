package mqtt

import (
	"strconv"

	"github.com/connectd/connectd/connector"
)

// sinkKameletPrefix is the key namespace of the Camel mqtt-sink kamelet, which the sink claims. The sink shares
// the "mqtt." namespace with the source, which claims it: a config whose connector.class names no plugin and
// that uses only mqtt.* keys resolves to the source, as before the sink existed.
const sinkKameletPrefix = "camel.kamelet.mqtt-sink."

// Camel mqtt-sink kamelet keys (the kamelet's four parameters).
const (
	fieldSinkBrokerURL = sinkKameletPrefix + "brokerUrl"
	fieldSinkTopic     = sinkKameletPrefix + "topic"
	fieldSinkUsername  = sinkKameletPrefix + "username"
	fieldSinkPassword  = sinkKameletPrefix + "password"
)

// Keys of the Camel sink connectors' framework that change nothing in connectd.
const (
	fieldSinkContentLogLevel = "camel.sink.contentLogLevel"
	fieldSinkComponent       = "camel.sink.component"
	fieldSinkURL             = "camel.sink.url"
	fieldSinkMarshal         = "camel.sink.marshal"
	fieldSinkUnmarshal       = "camel.sink.unmarshal"
)

// The sink's own keys and Confluent's MQTT sink keys. fieldServerURI, fieldMQTTQoS, fieldMQTTCleanSession,
// fieldMQTTConnectTimeout, fieldMQTTKeepAlive, fieldMQTTUsername, fieldMQTTPassword, the TLS keys and the
// license keys are the source's names (spec.go).
const (
	fieldSinkMQTTTopic   = nativePrefix + "topic"
	fieldSinkClientID    = nativePrefix + "client.id"
	fieldSinkRetain      = nativePrefix + "retain"
	fieldSinkRetained    = nativePrefix + "retained.enabled" // Confluent's name
	fieldSinkQoSHeader   = nativePrefix + "qos.header"
	fieldSinkRetainHdr   = nativePrefix + "retain.header"
	fieldSinkMaxInflight = nativePrefix + "max.inflight"
	fieldSinkMaxRetry    = nativePrefix + "max.retry.time.ms"
)

// groupCamel holds the Camel mqtt-sink kamelet's keys.
const groupCamel = "Camel compatibility"

// defaultSinkTopic publishes every record to the MQTT topic named as its Kafka topic, as Confluent's sink does.
const defaultSinkTopic = "${" + varTopic + "}"

// defaultMaxInflight is the default of fieldSinkMaxInflight: enough to keep a broker's window (Mosquitto 20,
// EMQX 32 in flight per session) full across several round trips, small enough that a reconnect re-sends
// little.
const defaultMaxInflight = 1000

// templateDoc documents the topic template.
const templateDoc = "MQTT topic every record is published to: a fixed topic, or a template in which ${topic} is " +
	"the record's Kafka topic (after transformations), ${partition} its Kafka partition, ${key} its key and " +
	"${header.<name>} the value of its last header <name> (strings as they are, bytes as UTF-8 text, numbers " +
	"and booleans in decimal and true/false). Example: vehicles/${key}/commands. A key or header value may " +
	"contain / and so add levels. A topic must be one a broker takes: UTF-8 text without control characters " +
	"(U+0000-001F, U+007F-009F) or Unicode non-characters (U+FDD0-FDEF, U+xFFFE, U+xFFFF), not starting with $ " +
	"(the broker's own topics), at most 65535 bytes and at most 200 / separators (Mosquitto disconnects a client " +
	"publishing otherwise). Checked at create: an unknown variable, an unclosed ${, the wildcards + and # or " +
	"such characters outside the variables, a leading $, and an empty template are errors; a literal empty " +
	"level (a//b) is accepted, as MQTT allows it. A record whose template cannot be filled (a null key or a key " +
	"that is a struct, map or array, a missing header, a value that is empty, which would leave an empty level, " +
	"or contains +, # or NUL, a topic that breaks the rules above) is an errant record: it goes to the dead " +
	"letter queue and the error log per errors.tolerance and errors.deadletterqueue.topic.name, is skipped " +
	"under errors.tolerance=all without them, and fails the task under errors.tolerance=none."

// sinkDeliveryDoc documents the delivery guarantee, on fieldMQTTQoS.
const sinkDeliveryDoc = "QoS of the messages published. 1 and 2 are at least once: the worker commits a record's " +
	"Kafka offset only after the broker has acknowledged (PUBACK for 1, PUBCOMP for 2) the record and every " +
	"record before it, and the task publishes again whatever the broker had not acknowledged when a connection " +
	"ended, so a reconnect or a worker crash may duplicate messages but loses none. A connection with " +
	"messages in flight that has had no acknowledgement for 30 s is dropped and the messages published again on a " +
	"new one. A message is an errant record (see mqtt.topic) only when the broker closes the connection (EOF or " +
	"reset) within 5 s of its publish, while it is the oldest unacknowledged message, 3 times (a broker " +
	"refusing it); after the first it is published alone, nothing else in flight until it is acknowledged. " +
	"Keep-alive losses, write and acknowledgement timeouts, failed connects and closes more than 5 s after the " +
	"publish (a broker restart, a network flap) never count. QoS 2 is exactly once per " +
	"connection only: a message re-sent after a reconnect is a new message to the broker. 0 is at most once: a " +
	"message counts as delivered once it is written to the connection, and one written just before a " +
	"connection breaks is lost. (Confluent's default is 0, Camel's 2; connectd's is 1.)"

// SinkSpec returns the configuration definition of the MQTT sink connector: connectd's keys, the Camel
// mqtt-sink kamelet keys and the Confluent MQTT sink keys.
func SinkSpec() *connector.Spec {
	s := connector.NewSpec(sinkFields()...)
	s.Check = checkSink
	return s
}

func sinkFields() []*connector.Field {
	var fs []*connector.Field
	add := func(group string, list ...*connector.Field) {
		for _, f := range list {
			f.Group = group
			fs = append(fs, f)
		}
	}
	add(groupConnection,
		connector.List(fieldServerURI).Opt().Imp(connector.High).Display("Server URIs", connector.WidthLong).
			Documentation("MQTT broker URLs: tcp://host:port, ssl://host:port (TLS, also tls://, mqtts://), ws:// or "+
				"wss:// (WebSocket); several are tried in order (failover). Required unless "+fieldSinkBrokerURL+" is set."),
		connector.String(fieldSinkMQTTTopic).WithDefault(defaultSinkTopic).Imp(connector.High).
			Display("MQTT topic", connector.WidthLong).Documentation(templateDoc),
		connector.String(fieldSinkClientID).Opt().Imp(connector.Medium).Display("Client id", connector.WidthMedium).
			Documentation("MQTT client identifier. Each task connects as \"<clientId>-<task index>\", which stays the "+
				"same across restarts. Defaults to "+
				"the connector name."),
		connector.String(fieldMQTTUsername).Opt().Imp(connector.Medium).Display("Username", connector.WidthMedium).
			Documentation("Username for the broker; unset for anonymous access."),
		connector.Password(fieldMQTTPassword).Opt().Imp(connector.Medium).Display("Password", connector.WidthMedium).
			Documentation("Password for the broker. Requires a username (MQTT 3.1.1)."),
		connector.Bool(fieldMQTTCleanSession).WithDefault("true").Imp(connector.Medium).
			Display("Clean session", connector.WidthShort).
			Documentation(noEffect+"The sink always connects with a clean "+
				"session. It needs no session to lose nothing: the task itself publishes again, as new messages, what "+
				"was not acknowledged, on a new connection that numbers its packets afresh, and with QoS 2 a broker "+
				"still holding an unreleased message of a persistent session under a packet identifier used again "+
				"would take the new message for a duplicate. A task started with false logs that once."),
		connector.Int(fieldMQTTConnectTimeout).WithDefault("30").Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Connect timeout (s)", connector.WidthShort).
			Documentation("How long a connection attempt waits for the broker's CONNACK; 0 waits without limit."),
		connector.Int(fieldMQTTKeepAlive).WithDefault("60").Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Keep-alive interval (s)", connector.WidthShort).
			Documentation("MQTT keep-alive: a silent connection is pinged after this long and dropped when the "+
				"ping goes unanswered; 0 turns it off."),
		connector.Long(fieldSinkMaxRetry).WithDefault("-1").Check(connector.AtLeast(-1)).Imp(connector.Medium).
			Display("Max retry time (ms)", connector.WidthShort).
			Documentation("How long a task may have no working connection to the broker before it fails. -1, the "+
				"default, retries forever: the task stops taking records (the consumer's lag grows) until the broker "+
				"is back."),
		connector.String(fieldSSLCACert).Opt().Imp(connector.Medium).Display("CA certificates", connector.WidthLong).
			Documentation("PEM file with the CA certificates that sign the broker's certificate (ssl:// URLs); "+
				"unset: the system's CAs."),
		connector.String(fieldSSLCert).Opt().Imp(connector.Medium).Display("Client certificate", connector.WidthLong).
			Documentation("PEM file with the client certificate, for brokers that authenticate clients by "+
				"certificate. Needs "+fieldSSLKey+"."),
		connector.String(fieldSSLKey).Opt().Imp(connector.Medium).Display("Client key", connector.WidthLong).
			Documentation("PEM file with the unencrypted private key of "+fieldSSLCert+"."),
		connector.String(fieldTrustStorePath).Opt().Imp(connector.Medium).Display("Trust store", connector.WidthLong).
			Documentation("Confluent's name: PEM file with CA certificates, as "+fieldSSLCACert+" (used when that is "+
				"unset). Java key stores (JKS, PKCS12) are not read."),
		connector.String(fieldKeyStorePath).Opt().Imp(connector.Medium).Display("Key store", connector.WidthLong).
			Documentation("Confluent's name: PEM file with the client certificate and its unencrypted key, as "+
				fieldSSLCert+" and "+fieldSSLKey+" together (used when those are unset). Java key stores are not read."),
	)
	add(groupDelivery,
		connector.Int(fieldMQTTQoS).WithDefault("1").Check(connector.Between(0, 2)).Imp(connector.High).
			Display("QoS", connector.WidthShort).Documentation(sinkDeliveryDoc),
		connector.Bool(fieldSinkRetain).Opt().Imp(connector.Medium).Display("Retain", connector.WidthShort).
			Documentation("Publish with the retain flag, so the broker keeps the last message of each topic for "+
				"subscribers that come later. A record with a null value is published as an empty message, which "+
				"with retain clears the topic's retained message (a tombstone). Default false."),
		connector.Bool(fieldSinkRetained).Opt().Imp(connector.Low).Display("Retained", connector.WidthShort).
			Documentation("Confluent's name for "+fieldSinkRetain+"; used when that is unset."),
		connector.String(fieldSinkQoSHeader).Opt().Imp(connector.Low).Display("QoS header", connector.WidthMedium).
			Documentation("Name of a record header whose value (0, 1 or 2, as a number or text) overrides the QoS "+
				"for that record. Unset: every record uses "+fieldMQTTQoS+". A record without the header uses "+
				fieldMQTTQoS+"; one with another value is an errant record."),
		connector.String(fieldSinkRetainHdr).Opt().Imp(connector.Low).Display("Retain header", connector.WidthMedium).
			Documentation("Name of a record header whose value (true or false, as a boolean or text) overrides the "+
				"retain flag for that record. Unset: every record uses "+fieldSinkRetain+". A record without the "+
				"header uses "+fieldSinkRetain+"; one with another value is an errant record."),
		connector.Int(fieldSinkMaxInflight).WithDefault(strconv.Itoa(defaultMaxInflight)).Check(connector.Between(1, 65535)).
			Imp(connector.Low).Display("Max in flight", connector.WidthShort).
			Documentation("Most messages a task holds that the broker has not acknowledged yet (published, or "+
				"waiting for a connection). When it is reached the task takes no more records (back-pressure on the "+
				"Kafka consumer), which a broker outage soon brings about. After a reconnect up to this many "+
				"messages are published again."),
	)
	add(groupCamel,
		connector.String(fieldSinkBrokerURL).Opt().Imp(connector.High).Display("Broker URL", connector.WidthLong).
			Documentation("Camel's name for the broker URL (a comma-separated list is tried in order); used when "+
				fieldServerURI+" is unset."),
		connector.String(fieldSinkTopic).Opt().Imp(connector.High).Display("Topic", connector.WidthLong).
			Documentation("Camel's name for "+fieldSinkMQTTTopic+"; used when that is unset. Read as a template too."),
		connector.String(fieldSinkUsername).Opt().Imp(connector.Medium).Display("Username", connector.WidthMedium).
			Documentation("Camel's name for "+fieldMQTTUsername+"; used when that is unset."),
		connector.Password(fieldSinkPassword).Opt().Imp(connector.Medium).Display("Password", connector.WidthMedium).
			Documentation("Camel's name for "+fieldMQTTPassword+"; used when that is unset."),
	)
	add(groupNotHonoured, javaStoreAndLicenseFields()...)
	add(groupNotHonoured,
		connector.String(fieldSinkContentLogLevel).WithDefault("OFF").Ineffective().Imp(connector.Low).
			Display("Content log level", connector.WidthShort).
			Documentation(noEffect+"Records are not logged; errant records are, with errors.log.enable."),
		connector.String(fieldSinkComponent).Opt().Ineffective().Imp(connector.Low).
			Display("Camel component", connector.WidthMedium).
			Documentation(noEffect+"Only the generic Camel sink connector reads it; the MQTT sink is built in."),
		connector.String(fieldSinkURL).Opt().Ineffective().Imp(connector.Low).
			Display("Camel sink URL", connector.WidthLong).
			Documentation(noEffect+"Only the generic Camel sink connector reads it; the MQTT sink is built in."),
		connector.String(fieldSinkMarshal).Opt().Ineffective().Imp(connector.Low).
			Display("Marshal data format", connector.WidthMedium).
			Documentation(noEffect+"Camel data formats are not applied; the payload is the value as the converter "+
				"reads it (bytes, text, or JSON for structs, maps and arrays)."),
		connector.String(fieldSinkUnmarshal).Opt().Ineffective().Imp(connector.Low).
			Display("Unmarshal data format", connector.WidthMedium).
			Documentation(noEffect+"Camel data formats are not applied."),
	)
	return fs
}
