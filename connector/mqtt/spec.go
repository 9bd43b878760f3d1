package mqtt

import (
	"strconv"

	"github.com/connectd/connectd/connector"
)

// Key namespaces the plugin claims, so a config whose connector.class names no plugin still resolves to it.
const (
	kameletPrefix = "camel.kamelet.mqtt-source."
	nativePrefix  = "mqtt."
)

// Camel mqtt-source kamelet keys, and the keys a Camel Kafka Connector config carries next to them.
const (
	fieldBrokerURL      = kameletPrefix + "brokerUrl"
	fieldTopic          = kameletPrefix + "topic"
	fieldClientID       = kameletPrefix + "clientId"
	fieldUsername       = kameletPrefix + "username"
	fieldPassword       = kameletPrefix + "password"
	fieldQoS            = kameletPrefix + "qos"
	fieldCleanSession   = kameletPrefix + "clean.session.enabled"
	fieldConnectTimeout = kameletPrefix + "connect.timeout.seconds"
	fieldKeepAlive      = kameletPrefix + "keepalive.interval.seconds"
	fieldMaxRetryTime   = "camel.kamelet.max.retry.time.ms"

	fieldTopics           = "topics"
	fieldMessageHeaderKey = "camel.source.camelMessageHeaderKey"
	fieldMapHeaders       = "camel.map.headers"
	fieldMapProperties    = "camel.map.properties"
	fieldRemoveHeaders    = "camel.remove.headers.pattern"
	fieldContentLogLevel  = "camel.source.contentLogLevel"

	fieldMaxBatchPollSize = "camel.source.maxBatchPollSize"
	fieldMaxPollDuration  = "camel.source.maxPollDuration"
	fieldQueueSize        = "camel.source.pollingConsumerQueueSize"
	fieldBlockTimeout     = "camel.source.pollingConsumerBlockTimeout"
	fieldBlockWhenFull    = "camel.source.pollingConsumerBlockWhenFull"
	fieldMaxNotCommitted  = "camel.source.maxNotCommittedRecords"

	fieldAggregationSize    = "camel.aggregation.size"
	fieldAggregationTimeout = "camel.aggregation.timeout"
	fieldBeansAggregate     = "camel.beans.aggregate"

	fieldErrorHandler         = "camel.error.handler"
	fieldErrorMaxRedeliveries = "camel.error.handler.max.redeliveries"
	fieldErrorRedeliveryDelay = "camel.error.handler.redelivery.delay"

	fieldIdempotencyEnabled      = "camel.idempotency.enabled"
	fieldIdempotencyType         = "camel.idempotency.expression.type"
	fieldIdempotencyHeader       = "camel.idempotency.expression.header"
	fieldIdempotencyRepository   = "camel.idempotency.repository.type"
	fieldIdempotencyDimension    = "camel.idempotency.memory.dimension"
	fieldIdempotencyBootstrap    = "camel.idempotency.kafka.bootstrap.servers"
	fieldIdempotencyTopic        = "camel.idempotency.kafka.topic"
	fieldIdempotencyMaxCache     = "camel.idempotency.kafka.max.cache.size"
	fieldIdempotencyPollDuration = "camel.idempotency.kafka.poll.duration.ms"

	fieldSourceComponent = "camel.source.component"
	fieldSourceURL       = "camel.source.url"
	fieldSourceMarshal   = "camel.source.marshal"
	fieldSourceUnmarshal = "camel.source.unmarshal"
)

// connectd's own keys.
const (
	fieldSSLCACert           = nativePrefix + "ssl.ca.cert"
	fieldSSLCert             = nativePrefix + "ssl.cert"
	fieldSSLKey              = nativePrefix + "ssl.key"
	fieldSharedSubscriptions = nativePrefix + "shared.subscriptions"
	fieldBufferMaxBytes      = nativePrefix + "buffer.max.bytes"
	fieldConnectionsPerTask  = nativePrefix + "connections.per.task"
	fieldSpoolEnabled        = nativePrefix + "spool.enabled"
	fieldSpoolMaxBytes       = nativePrefix + "spool.max.bytes"
	fieldSpoolCorruptPolicy  = nativePrefix + "spool.corrupt.policy"
)

// defaultSpoolMaxBytes is the default of fieldSpoolMaxBytes, 1 GiB: at 1 KB messages (about 1,100 bytes
// spooled each, with the topic and framing) it holds a 60-second Kafka outage at 16,000 messages/s, or a
// 15-minute one at 1,000/s. The spool's own measurements (package spool) show that its size does not cost
// speed: a 1 KB entry becomes durable at 64,000/s for one MQTT session with Mosquitto's window of 20, and
// at 127,000/s for four, far above what one task ships, so the bound only says how much disk an outage may
// take.
const defaultSpoolMaxBytes = 1 << 30

// minSpoolMaxBytes bounds fieldSpoolMaxBytes from below: a message larger than the spool can never be
// spooled, and a spool of a few messages would only stop acknowledging.
const minSpoolMaxBytes = 1 << 20

// Corrupt spool policies (fieldSpoolCorruptPolicy).
const (
	corruptFail = "fail"
	corruptSkip = "skip"
)

// spoolDoc documents fieldSpoolEnabled.
const spoolDoc = "Acknowledge QoS 1 and 2 messages to the broker once they are on the worker's local disk (fsynced, " +
	"many messages per fsync) instead of once Kafka has them, and ship them to Kafka from there: the broker's " +
	"in-flight window no longer waits for Kafka round trips, and a Kafka outage fills the local spool (up to " +
	fieldSpoolMaxBytes + ") instead of the broker's queue, which brokers limit (Mosquitto 1,000 messages per " +
	"session by default) and then drop from. Each task keeps its spool in <spool.dir>/<connector>/<task> on its " +
	"worker (the worker property spool.dir: put it on a persistent volume). QoS 0 messages go through the spool " +
	"too. A task ships what its spool holds before new messages when it starts, and drains it within half of " +
	"task.shutdown.graceful.timeout.ms when it stops; what is left waits on that worker's disk for the task's " +
	"next start there. A spool that cannot be written (a full disk, an I/O error) fails the task; what was " +
	"acknowledged stays on disk and ships after a restart. The worker must offer a spool directory (connectd " +
	"workers do)."

// defaultConnectionsPerTask is the default of fieldConnectionsPerTask. Measured with cmd/connectbench on
// Mosquitto 2.0.11 with its default configuration (20 messages in flight and 1,000 queued per session), QoS
// 1, 1 KB payloads, the in-process Kafka, window 1,000, one worker with one task; messages/s of the best run
// (messages lost at the broker over all runs: two per cell with one publisher, one with four):
//
//	connections          1               2               4               8
//	1 publisher     12,621 (911)    25,510 (0)      26,848 (0)      23,098 (0)    bare subscriber 21,000-29,300 (0)
//	4 publishers    23,252 (586)    26,030 (8)      26,750 (0)      29,186 (0)    bare subscriber stalls (~900 lost)
//
// With one publisher (best of two rounds) one connection reached 0.60 of a bare paho subscriber on the same
// broker, and the broker dropped what overflowed the session's queue; two and four connections reached 0.91
// and 0.92 without loss, eight 0.87 at more CPU per message (33 µs against 27). With four publishers
// Mosquitto dropped messages even for the bare subscriber, which acknowledges at once (its single session's
// queue overflows; the lost messages never leave the harness's window, so those runs stall), and for connectd
// with one connection (another run of it stalled the same way, 898 lost) or two, not with four or eight.
// Four connections are the fewest that lost nothing in either case. With three tasks on three workers (one
// publisher, best of two) the rate did not depend on the connections per task (1: 23,923, 2: 22,731, 4:
// 22,787 msg/s, none lost, against a bare subscriber's 31,600-33,100): CPU on the two-core machine, shared
// with other jobs, was the limit there, not the brokers' windows.
const defaultConnectionsPerTask = 4

// defaultConnections is the connections of a task whose config leaves fieldConnectionsPerTask unset: one for
// the persistent session of a connector's only task, defaultConnectionsPerTask otherwise. Several connections
// need a shared subscription, and Mosquitto 2.0 does not keep shared subscriptions over its restart (its
// persistence file holds a session's plain subscriptions only), so until the task reconnects and subscribes
// again, the broker drops what is published to the filter: 560 and 759 of 20,000 messages at 1,000 msg/s in
// the integration suite's mosquitto-restart scenario, none with one connection. A persistent session is how a
// user asks for messages to wait in the broker while the task is away; with a clean session the broker forgets
// the subscription at every disconnection anyway, and with several tasks the subscription is shared already.
func defaultConnections(cleanSession bool, tasks int) int {
	if !cleanSession && tasks <= 1 {
		return 1
	}
	return defaultConnectionsPerTask
}

// maxConnectionsPerTask bounds fieldConnectionsPerTask: a few connections already multiply the broker's
// windows; hundreds would only use up the broker's connection limit.
const maxConnectionsPerTask = 64

// defaultBufferMaxBytes is the default byte budget of a task (fieldBufferMaxBytes). It holds about 2,700
// messages of 1 KB, more than the default buffer and uncommitted-record limits let through together, so it
// does not slow 1 KB traffic; in connectbench's open-loop burst (50,000 QoS 1 messages of 1 KB, Mosquitto
// with max_inflight_messages 1000) a worker peaked at 37-40 MB with it, 30 MB with 1 MiB, 65 MB with 16 MiB
// and 114 MB with no budget: the 64 MB goal leaves room for a second busy task.
const defaultBufferMaxBytes = 4 << 20

// Confluent MQTT source keys.
const (
	fieldServerURI           = nativePrefix + "server.uri"
	fieldMQTTTopics          = nativePrefix + "topics"
	fieldKafkaTopic          = "kafka.topic"
	fieldMQTTQoS             = nativePrefix + "qos"
	fieldMQTTCleanSession    = nativePrefix + "clean.session.enabled"
	fieldMQTTConnectTimeout  = nativePrefix + "connect.timeout.seconds"
	fieldMQTTKeepAlive       = nativePrefix + "keepalive.interval.seconds"
	fieldMQTTUsername        = nativePrefix + "username"
	fieldMQTTPassword        = nativePrefix + "password"
	fieldMQTTMaxRetryTime    = "max.retry.time.ms"
	fieldBufferSize          = "records.buffer.queue.size"
	fieldBufferMaxBatch      = "records.buffer.queue.max.batch.size"
	fieldBufferEmptyTimeout  = "records.buffer.queue.empty.timeout"
	fieldBufferFullTimeout   = "records.buffer.queue.full.timeout"
	fieldTrustStorePath      = nativePrefix + "ssl.trust.store.path"
	fieldTrustStorePassword  = nativePrefix + "ssl.trust.store.password"
	fieldKeyStorePath        = nativePrefix + "ssl.key.store.path"
	fieldKeyStorePassword    = nativePrefix + "ssl.key.store.password"
	fieldKeyPassword         = nativePrefix + "ssl.key.password"
	fieldConfluentLicense    = "confluent.license"
	fieldConfluentBootstrap  = "confluent.topic.bootstrap.servers"
	fieldConfluentReplFactor = "confluent.topic.replication.factor"
)

// Keys Connector.TaskConfigs adds to each task config.
const (
	fieldTaskIndex = "task.index"
	fieldTaskCount = "task.count"
)

// Config groups, in the order /connector-plugins/{plugin}/config lists them.
const (
	groupConnection  = "MQTT connection"
	groupRecords     = "Records"
	groupDelivery    = "Delivery"
	groupProcessing  = "Camel processing"
	groupConfluent   = "Confluent compatibility"
	groupNotHonoured = "Accepted without effect"
)

// StringAggregator is the only aggregation strategy connectd provides, the one camel-kafka-connector ships.
const StringAggregator = "org.apache.camel.kafkaconnector.aggregator.StringAggregator"

// connectionsDoc documents fieldConnectionsPerTask.
const connectionsDoc = "MQTT connections (sessions) each task opens, all subscribed through the shared " +
	"subscription \"$share/<connector name>/<filter>\", so the broker splits the messages among them. A " +
	"broker limits the messages in flight per session (Mosquitto 20, EMQX 32 by default) and a message is " +
	"acknowledged only once Kafka has it, so one session caps a task at about the window per Kafka round " +
	"trip; each connection adds a window. Connection 0 connects as \"<clientId>-<task index>\" (the id of a " +
	"task before this key existed, so an upgraded task resumes its persistent session and the messages " +
	"queued in it), connection n as \"<clientId>-<task index>-<n>\". Each acknowledges its own messages in " +
	"its own arrival order and reconnects on its own; the task fails once any one of them has had no " +
	"working connection for " + fieldMaxRetryTime + ". Records of different connections interleave: order " +
	"is kept per connection only, as with tasks sharing a subscription. Lowering the count with persistent " +
	"sessions leaves the dropped connections' sessions in the broker, which may keep queueing their share. " +
	"Needs a broker with shared subscriptions; with " + fieldSharedSubscriptions + "=false each task has one " +
	"connection. Unset: 1 when " + fieldCleanSession + "=false and tasks.max=1, because Mosquitto 2.0 does " +
	"not keep shared subscriptions over its restart and drops what is published until the task subscribes " +
	"again, while it keeps a persistent session's plain subscription and queues for it; 4 otherwise, the fewest that lost nothing on Mosquitto with its default settings in " +
	"connectd's load bench (QoS 1, 1 KB, one task: 1 connection 12,600 msg/s, 0.60 of a bare subscriber on " +
	"the same broker, with messages dropped by the broker over the session's queue; 2 connections 0.91, a few " +
	"dropped with four publishers; 4 connections 0.92, none dropped; 8 connections 0.87, none dropped, more " +
	"CPU per message)."

// noEffect starts the documentation of every key that is accepted but changes nothing.
const noEffect = "Accepted for compatibility; has no effect in connectd. "

// Spec returns the configuration definition of the MQTT source connector: the Camel mqtt-source keys,
// connectd's own keys and the Confluent MQTT source keys.
func Spec() *connector.Spec {
	s := connector.NewSpec(fields()...)
	s.Check = check
	return s
}

// javaStoreAndLicenseFields are the Confluent keys both MQTT connectors accept without effect: the passwords of
// Java key stores (connectd reads PEM) and Confluent's license settings.
func javaStoreAndLicenseFields() []*connector.Field {
	return []*connector.Field{
		connector.Password(fieldTrustStorePassword).Opt().Ineffective().Imp(connector.Low).
			Display("Trust store password", connector.WidthMedium).
			Documentation(noEffect + "PEM trust stores need no password."),
		connector.Password(fieldKeyStorePassword).Opt().Ineffective().Imp(connector.Low).
			Display("Key store password", connector.WidthMedium).
			Documentation(noEffect + "PEM key stores need no password."),
		connector.Password(fieldKeyPassword).Opt().Ineffective().Imp(connector.Low).
			Display("Key password", connector.WidthMedium).
			Documentation(noEffect + "Encrypted private keys are not supported."),
		connector.String(fieldConfluentLicense).Opt().Ineffective().Imp(connector.Low).
			Display("Confluent license", connector.WidthMedium).
			Documentation(noEffect + "connectd needs no license."),
		connector.String(fieldConfluentBootstrap).Opt().Ineffective().Imp(connector.Low).
			Display("License topic bootstrap servers", connector.WidthLong).
			Documentation(noEffect + "There is no license topic."),
		connector.Int(fieldConfluentReplFactor).Opt().Ineffective().Imp(connector.Low).
			Display("License topic replication factor", connector.WidthShort).
			Documentation(noEffect + "There is no license topic."),
	}
}

func fields() []*connector.Field {
	var fs []*connector.Field
	add := func(group string, list ...*connector.Field) {
		for _, f := range list {
			f.Group = group
			fs = append(fs, f)
		}
	}
	add(groupConnection,
		connector.String(fieldBrokerURL).Opt().Imp(connector.High).Display("Broker URL", connector.WidthLong).
			Documentation("MQTT broker URL: tcp://host:port, ssl://host:port (TLS, also tls://, mqtts://), ws:// or "+
				"wss:// (WebSocket). A comma-separated list is tried in order (failover). Required unless "+
				fieldServerURI+" is set."),
		connector.String(fieldTopic).Opt().Imp(connector.High).Display("Topic filters", connector.WidthLong).
			Documentation("MQTT topic filters to subscribe to, comma-separated; + and # wildcards are allowed. "+
				"Required unless "+fieldMQTTTopics+" is set."),
		connector.String(fieldClientID).Opt().Imp(connector.Medium).Display("Client id", connector.WidthMedium).
			Documentation("MQTT client identifier. Each task connects as \"<clientId>-<task index>\", which stays the "+
				"same across restarts, so a persistent session (clean.session.enabled=false) is resumed. Defaults to "+
				"the connector name."),
		connector.String(fieldUsername).Opt().Imp(connector.Medium).Display("Username", connector.WidthMedium).
			Documentation("Username for the broker; unset for anonymous access."),
		connector.Password(fieldPassword).Opt().Imp(connector.Medium).Display("Password", connector.WidthMedium).
			Documentation("Password for the broker. Requires a username (MQTT 3.1.1)."),
		connector.Int(fieldQoS).WithDefault("1").Check(connector.Between(0, 2)).Imp(connector.Medium).
			Display("QoS", connector.WidthShort).
			Documentation("QoS of the subscriptions: 0 at most once, 1 at least once, 2 exactly once between broker "+
				"and connector. With 1 and 2 a message is acknowledged only after Kafka stored its records (with "+
				fieldSpoolEnabled+": once it is in the task's local spool), so delivery to Kafka is at least once. (The Camel connector ignores this key and subscribes with 2.)"),
		connector.Bool(fieldCleanSession).WithDefault("true").Imp(connector.Medium).
			Display("Clean session", connector.WidthShort).
			Documentation("true: the broker forgets the session when a task disconnects, so messages published "+
				"while a task restarts are lost. false: the broker keeps each task's subscriptions and queues its "+
				"QoS 1 and 2 messages until the task is back. (Ignored by the Camel connector.)"),
		connector.Int(fieldConnectTimeout).WithDefault("30").Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Connect timeout (s)", connector.WidthShort).
			Documentation("Seconds to wait for a connection to the broker to be established; 0 waits without "+
				"limit. (Ignored by the Camel connector.)"),
		connector.Int(fieldKeepAlive).WithDefault("60").Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Keep-alive interval (s)", connector.WidthShort).
			Documentation("MQTT keep-alive interval in seconds; 0 turns keep-alive off (Mosquitto 2 refuses 0 by "+
				"default). (Ignored by the Camel connector.)"),
		connector.Long(fieldMaxRetryTime).WithDefault("30000").Check(connector.AtLeast(-1)).Imp(connector.Medium).
			Display("Max retry time (ms)", connector.WidthShort).
			Documentation("How long a task keeps reconnecting, with exponential backoff, while it cannot connect "+
				"to the broker or subscribe, before it fails with the last error; -1 retries forever. A restart "+
				"of the task starts over. (Ignored by the Camel connector.)"),
		connector.String(fieldSSLCACert).Opt().Imp(connector.Medium).Display("TLS CA certificates", connector.WidthLong).
			Documentation("PEM file with the CA certificates that verify the broker's certificate on ssl:// and "+
				"wss:// URLs; unset uses the system's CAs."),
		connector.String(fieldSSLCert).Opt().Imp(connector.Medium).Display("TLS client certificate", connector.WidthLong).
			Documentation("PEM file with the client certificate (chain) for TLS client authentication; needs "+
				fieldSSLKey+"."),
		connector.String(fieldSSLKey).Opt().Imp(connector.Medium).Display("TLS client key", connector.WidthLong).
			Documentation("PEM file with the unencrypted private key of "+fieldSSLCert+"."),
		connector.Bool(fieldSharedSubscriptions).WithDefault("true").Imp(connector.Medium).
			Display("Shared subscriptions", connector.WidthShort).
			Documentation("With tasks.max > 1 or "+fieldConnectionsPerTask+" > 1: true makes every connection "+
				"of every task subscribe to \"$share/<connector name>/<filter>\" so the broker splits messages "+
				"among them; false divides the filters among the tasks instead (at most one task per filter) and "+
				"gives each task one connection. With one task of one connection the filters are subscribed as "+
				"written."),
		connector.Int(fieldConnectionsPerTask).Opt().
			Check(connector.Between(1, maxConnectionsPerTask)).Imp(connector.Medium).
			Display("Connections per task", connector.WidthShort).
			Documentation(connectionsDoc),
	)
	add(groupRecords,
		connector.String(fieldTopics).Opt().Imp(connector.High).Display("Kafka topics", connector.WidthLong).
			Documentation("Kafka topics to write to, comma-separated: every message is written to each of them. "+
				"When unset, "+fieldKafkaTopic+" is used."),
		connector.String(fieldMessageHeaderKey).Opt().Imp(connector.Medium).Display("Key header", connector.WidthMedium).
			Documentation("Name of the header whose value becomes the record key: CamelMqttTopic (STRING) or "+
				"CamelMqttQoS (INT32); a header that does not exist, or that "+fieldRemoveHeaders+" removed, gives "+
				"a null key, as in Camel. When unset the key is the MQTT topic (Camel: null)."),
		connector.Bool(fieldMapHeaders).WithDefault("true").Imp(connector.Low).Display("Map headers", connector.WidthShort).
			Documentation("Write the message headers as Kafka headers CamelHeader.CamelMqttTopic (STRING) and "+
				"CamelHeader.CamelMqttQoS (INT32)."),
		connector.Bool(fieldMapProperties).WithDefault("true").Ineffective().Imp(connector.Low).
			Display("Map properties", connector.WidthShort).
			Documentation(noEffect+"Camel maps exchange properties to CamelProperty.* headers; MQTT messages "+
				"carry none."),
		connector.String(fieldRemoveHeaders).WithDefault("").Imp(connector.Low).
			Display("Remove headers pattern", connector.WidthMedium).
			Documentation("Headers to leave out, by name without the CamelHeader. prefix, matched as Camel does: "+
				"the exact name (any case), a prefix ending in *, or a regular expression matching the whole "+
				"name (any case; Go RE2 syntax, an expression that does not compile matches nothing). Empty "+
				"removes nothing."),
		connector.String(fieldContentLogLevel).WithDefault("OFF").
			Check(connector.OneOfIgnoreCase("OFF", "TRACE", "DEBUG", "INFO", "WARN", "ERROR")).Imp(connector.Low).
			Display("Content log level", connector.WidthShort).
			Documentation("Log every record (topic, key, value, headers) at this level; OFF logs nothing."),
	)
	add(groupDelivery,
		connector.Long(fieldMaxBatchPollSize).WithDefault("1000").Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Max batch poll size", connector.WidthShort).
			Documentation("Most messages (after aggregation) one poll hands to the worker; each gives one record "+
				"per Kafka topic."),
		connector.Long(fieldMaxPollDuration).WithDefault("1000").Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Max poll duration (ms)", connector.WidthShort).
			Documentation("How long a poll waits for the first message before it returns an empty batch (at least "+
				"10 ms, so an idle task does not spin); it returns as soon as messages are ready."),
		connector.Long(fieldQueueSize).WithDefault("1000").Check(connector.AtLeast(1)).Imp(connector.Medium).
			Display("Buffer size", connector.WidthShort).
			Documentation("Size of the buffer between the MQTT client and the poll loop. Messages beyond it are "+
				"held unacknowledged: QoS 1 and 2 deliveries are bounded by the broker's in-flight window and by "+
				fieldBufferMaxBytes+", and for QoS 0 reading from the broker pauses until there is room. No "+
				"message is dropped."),
		connector.Long(fieldBlockTimeout).WithDefault("0").Ineffective().Imp(connector.Low).
			Display("Block timeout", connector.WidthShort).
			Documentation(noEffect+"A full buffer always holds messages until there is room; giving up after a "+
				"timeout would drop them."),
		connector.Bool(fieldBlockWhenFull).WithDefault("true").Ineffective().Imp(connector.Low).
			Display("Block when full", connector.WidthShort).
			Documentation(noEffect+"A full buffer always holds messages (as with true); false would drop them."),
		connector.Int(fieldMaxNotCommitted).WithDefault("1024").Check(connector.AtLeast(1)).
			Imp(connector.Low).Display("Max uncommitted records", connector.WidthShort).
			Documentation("Most records handed to the worker that Kafka has not acknowledged yet; polls wait "+
				"while it is reached. Together with the buffer it bounds the messages held unacknowledged."),
		connector.Long(fieldBufferMaxBytes).WithDefault(strconv.Itoa(defaultBufferMaxBytes)).Check(connector.AtLeast(1)).
			Imp(connector.Medium).Display("Buffer byte budget", connector.WidthShort).
			Documentation("Most bytes of messages a task holds, from arrival until they are acknowledged to the "+
				"broker (QoS 1 and 2) or in Kafka (QoS 0): payload and topic, plus 512 bytes per message for the "+
				"client's bookkeeping. When the next message would exceed it the task stops reading from the "+
				"broker until Kafka has taken enough, so the broker's flow control holds the rest: nothing is "+
				"dropped or acknowledged early. A message larger than the budget is taken when nothing else is "+
				"held. With "+fieldSpoolEnabled+" it bounds what the task holds between its spool and Kafka."),
		connector.Bool(fieldSpoolEnabled).WithDefault("false").Imp(connector.Medium).
			Display("Local spool", connector.WidthShort).Documentation(spoolDoc),
		connector.Long(fieldSpoolMaxBytes).WithDefault(strconv.Itoa(defaultSpoolMaxBytes)).
			Check(connector.AtLeast(minSpoolMaxBytes)).Imp(connector.Medium).Display("Spool size", connector.WidthShort).
			Documentation("With "+fieldSpoolEnabled+": most bytes of messages a task's spool holds that Kafka does not "+
				"have yet (payload, topic and about 30 bytes per message). When it is full the task stops "+
				"acknowledging, so the broker holds the rest (its window, then its queue): nothing is dropped. The "+
				"disk holds up to this plus one 16 MiB segment. Keep it below the free space of spool.dir's "+
				"volume: a full disk fails the task. The default, 1 GiB, holds a 60-second Kafka outage at 16,000 "+
				"messages/s of 1 KB."),
		connector.String(fieldSpoolCorruptPolicy).WithDefault(corruptFail).Check(connector.OneOf(corruptFail, corruptSkip)).
			Imp(connector.Low).Display("Corrupt spool policy", connector.WidthShort).
			Documentation("With "+fieldSpoolEnabled+": what a task does when its spool holds messages it "+
				"acknowledged and can no longer read (damage to the disk, a missing file; a write torn by a crash "+
				"is not damage, it is cut off and logged). fail: the task fails at start, naming the file and the "+
				"messages lost, and leaves the files for inspection. skip: the task logs the loss at ERROR, renames "+
				"unreadable files to <name>.corrupt and ships the rest."),
	)
	add(groupProcessing,
		connector.Int(fieldAggregationSize).WithDefault("10").Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Aggregation size", connector.WidthShort).
			Documentation("With "+fieldBeansAggregate+" set: messages per aggregate. Otherwise no effect."),
		connector.Long(fieldAggregationTimeout).WithDefault("500").Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Aggregation timeout (ms)", connector.WidthShort).
			Documentation("With "+fieldBeansAggregate+" set: an aggregate with no new message for this long is "+
				"complete. Otherwise no effect."),
		connector.String(fieldBeansAggregate).Opt().Imp(connector.Low).Display("Aggregation strategy", connector.WidthLong).
			Documentation("Aggregation strategy: \"#class:"+StringAggregator+"\" (the only one connectd provides) "+
				"joins the payloads of up to "+fieldAggregationSize+" consecutive messages with newlines into one "+
				"record, with the headers of the last message. Unset: no aggregation."),
		connector.Bool(fieldIdempotencyEnabled).WithDefault("false").Imp(connector.Low).
			Display("Idempotency", connector.WidthShort).
			Documentation("Drop a message whose idempotency key was seen before (it is acknowledged, never "+
				"written). The key is recorded once the first message's records are in Kafka."),
		connector.String(fieldIdempotencyType).WithDefault("body").Check(connector.OneOf("body", "header")).
			Imp(connector.Low).Display("Idempotency key", connector.WidthShort).
			Documentation("body: the payload is the idempotency key; header: the value of "+fieldIdempotencyHeader+"."),
		connector.String(fieldIdempotencyHeader).Opt().Imp(connector.Low).Display("Idempotency header", connector.WidthMedium).
			Documentation("Header (CamelMqttTopic or CamelMqttQoS) whose value is the key when the key type is "+
				"header."),
		connector.String(fieldIdempotencyRepository).WithDefault("memory").Check(connector.OneOf("memory", "kafka")).
			Imp(connector.Low).Display("Idempotency repository", connector.WidthShort).
			Documentation("memory: the last "+fieldIdempotencyDimension+" keys, per task, forgotten on restart. "+
				"kafka: keys are also written to "+fieldIdempotencyTopic+" and read back at start, so they "+
				"survive restarts and are shared by the tasks."),
		connector.Int(fieldIdempotencyDimension).WithDefault("100").Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Memory repository size", connector.WidthShort).
			Documentation("Keys the memory repository remembers (least recently used are forgotten)."),
		connector.String(fieldIdempotencyBootstrap).WithDefault("localhost:9092").Imp(connector.Low).
			Display("Repository bootstrap servers", connector.WidthLong).
			Documentation("Kafka bootstrap servers of the kafka repository. The client uses the worker's Kafka "+
				"client settings (security.protocol, SASL, TLS); Camel connects in plaintext without authentication."),
		connector.String(fieldIdempotencyTopic).WithDefault("kafka_idempotent_repository").Imp(connector.Low).
			Display("Repository topic", connector.WidthMedium).
			Documentation("Topic of the kafka repository."),
		connector.Int(fieldIdempotencyMaxCache).WithDefault("1000").Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Repository cache size", connector.WidthShort).
			Documentation("Keys the kafka repository keeps in memory (least recently used are forgotten)."),
		connector.Int(fieldIdempotencyPollDuration).WithDefault("100").Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Repository poll duration (ms)", connector.WidthShort).
			Documentation("How long the kafka repository waits for more keys while it reads the topic at start."),
	)
	add(groupConfluent,
		connector.List(fieldServerURI).Opt().Imp(connector.High).Display("Server URIs", connector.WidthLong).
			Documentation("Confluent's name for the broker URLs; used when "+fieldBrokerURL+" is unset."),
		connector.List(fieldMQTTTopics).Opt().Imp(connector.High).Display("MQTT topics", connector.WidthLong).
			Documentation("Confluent's name for the topic filters; used when "+fieldTopic+" is unset."),
		connector.String(fieldKafkaTopic).WithDefault("mqtt").Imp(connector.High).Display("Kafka topic", connector.WidthMedium).
			Documentation("Kafka topic to write to when "+fieldTopics+" is unset."),
		connector.Int(fieldMQTTQoS).Opt().Check(connector.Between(0, 2)).Imp(connector.Medium).
			Display("QoS", connector.WidthShort).
			Documentation("Confluent's name for "+fieldQoS+"; used when that is unset. (Confluent's default is 0; "+
				"connectd's is 1.)"),
		connector.Bool(fieldMQTTCleanSession).Opt().Imp(connector.Medium).Display("Clean session", connector.WidthShort).
			Documentation("Confluent's name for "+fieldCleanSession+"; used when that is unset."),
		connector.Int(fieldMQTTConnectTimeout).Opt().Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Connect timeout (s)", connector.WidthShort).
			Documentation("Confluent's name for "+fieldConnectTimeout+"; used when that is unset."),
		connector.Int(fieldMQTTKeepAlive).Opt().Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Keep-alive interval (s)", connector.WidthShort).
			Documentation("Confluent's name for "+fieldKeepAlive+"; used when that is unset."),
		connector.String(fieldMQTTUsername).Opt().Imp(connector.Medium).Display("Username", connector.WidthMedium).
			Documentation("Confluent's name for "+fieldUsername+"; used when that is unset."),
		connector.Password(fieldMQTTPassword).Opt().Imp(connector.Medium).Display("Password", connector.WidthMedium).
			Documentation("Confluent's name for "+fieldPassword+"; used when that is unset."),
		connector.Long(fieldMQTTMaxRetryTime).Opt().Check(connector.AtLeast(-1)).Imp(connector.Medium).
			Display("Max retry time (ms)", connector.WidthShort).
			Documentation("Confluent's name for "+fieldMaxRetryTime+"; used when that is unset."),
		connector.Int(fieldBufferSize).Opt().Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Buffer size", connector.WidthShort).
			Documentation("Confluent's name for "+fieldQueueSize+"; used when that is unset."),
		connector.Int(fieldBufferMaxBatch).Opt().Check(connector.AtLeast(1)).Imp(connector.Low).
			Display("Max batch size", connector.WidthShort).
			Documentation("Confluent's name for "+fieldMaxBatchPollSize+"; used when that is unset."),
		connector.Long(fieldBufferEmptyTimeout).Opt().Check(connector.AtLeast(0)).Imp(connector.Low).
			Display("Empty buffer timeout (ms)", connector.WidthShort).
			Documentation("Confluent's name for "+fieldMaxPollDuration+"; used when that is unset."),
		connector.String(fieldTrustStorePath).Opt().Imp(connector.Medium).Display("Trust store", connector.WidthLong).
			Documentation("PEM file with CA certificates, as "+fieldSSLCACert+" (used when that is unset). Java key "+
				"stores (JKS, PKCS12) are not read."),
		connector.String(fieldKeyStorePath).Opt().Imp(connector.Medium).Display("Key store", connector.WidthLong).
			Documentation("PEM file with the client certificate and its unencrypted key, as "+fieldSSLCert+" and "+
				fieldSSLKey+" together (used when those are unset). Java key stores are not read."),
	)
	add(groupNotHonoured,
		connector.Long(fieldBufferFullTimeout).Opt().Ineffective().Imp(connector.Low).
			Display("Full buffer timeout", connector.WidthShort).
			Documentation(noEffect+"A full buffer holds messages unacknowledged for as long as it takes; it never "+
				"gives up on them."),
	)
	add(groupNotHonoured, javaStoreAndLicenseFields()...)
	add(groupNotHonoured,
		connector.String(fieldErrorHandler).WithDefault("default").Ineffective().Imp(connector.Low).
			Display("Error handler", connector.WidthShort).
			Documentation(noEffect+"Turning a message into records cannot fail, so there is nothing to redeliver; "+
				"Kafka write failures follow the connector's errors.* settings. (The Camel mqtt-source connector "+
				"ignores it too.)"),
		connector.Int(fieldErrorMaxRedeliveries).WithDefault("0").Ineffective().Imp(connector.Low).
			Display("Max redeliveries", connector.WidthShort).
			Documentation(noEffect+"See "+fieldErrorHandler+"."),
		connector.Long(fieldErrorRedeliveryDelay).WithDefault("1000").Ineffective().Imp(connector.Low).
			Display("Redelivery delay", connector.WidthShort).
			Documentation(noEffect+"See "+fieldErrorHandler+"."),
		connector.String(fieldSourceComponent).Opt().Ineffective().Imp(connector.Low).
			Display("Camel component", connector.WidthMedium).
			Documentation(noEffect+"Only the generic Camel source connector reads it; the MQTT source is built in."),
		connector.String(fieldSourceURL).Opt().Ineffective().Imp(connector.Low).
			Display("Camel source URL", connector.WidthLong).
			Documentation(noEffect+"Only the generic Camel source connector reads it; the MQTT source is built in."),
		connector.String(fieldSourceMarshal).Opt().Ineffective().Imp(connector.Low).
			Display("Marshal data format", connector.WidthMedium).
			Documentation(noEffect+"Camel data formats are not applied; payloads are typed as JSON, text or bytes "+
				"and serialized by the connector's converters."),
		connector.String(fieldSourceUnmarshal).Opt().Ineffective().Imp(connector.Low).
			Display("Unmarshal data format", connector.WidthMedium).
			Documentation(noEffect+"Camel data formats are not applied; payloads are typed as JSON, text or bytes "+
				"and serialized by the connector's converters."),
	)
	return fs
}
