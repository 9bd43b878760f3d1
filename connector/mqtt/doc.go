// Package mqtt is connectd's native MQTT source connector, and its MQTT sink (see Sink below). The source
// reads MQTT 3.1.1 messages with github.com/eclipse/paho.mqtt.golang and writes them to Kafka with at-least-once
// delivery.
//
// # Configurations it accepts
//
// One plugin answers to three names: its own class ([Class]), the Camel Kafka Connector class
// org.apache.camel.kafkaconnector.mqttsource.CamelMqttsourceSourceConnector (and its short forms), and
// Confluent's io.confluent.connect.mqtt.MqttSourceConnector. It declares the key namespaces
// "camel.kamelet.mqtt-source." and "mqtt.", so a config whose connector.class is a placeholder still resolves
// to it. Every key of a Camel mqtt-source config and the Confluent keys are defined in [Spec]; keys that change
// nothing say so in their documentation. When a Camel-style key and its Confluent equivalent are both set, the
// Camel-style key wins; an unset key takes the Camel-style key's default.
//
// Unlike the Camel connector, the keys the Camel connector silently ignores are honoured: qos,
// clean.session.enabled, connect.timeout.seconds, keepalive.interval.seconds and
// camel.kamelet.max.retry.time.ms.
//
// # Records
//
// Each MQTT message becomes one record per Kafka topic named in "topics" (a comma list, as in Camel), or in
// "kafka.topic". The key is the MQTT topic (a STRING), unless camel.source.camelMessageHeaderKey names a
// header. The value is the payload: a payload that is one valid JSON document is a [connector.RawJSON] (so
// JsonConverter writes the JSON itself, not base64), other UTF-8 text a STRING, anything else BYTES. When the
// connector's value.converter (or key.converter) is ByteArrayConverter the value (key) is always BYTES. The
// timestamp is the time the message was received. With camel.map.headers (the default) the records carry the
// headers CamelHeader.CamelMqttTopic (STRING) and CamelHeader.CamelMqttQoS (INT32), as Camel names them.
// Records have no source partition or offset: MQTT has no position to resume from; the broker's session is
// the resume point.
//
// # Delivery
//
// Without the spool (see Spool below) QoS 1 and 2 messages are acknowledged to the broker (PUBACK, PUBREC)
// only after Kafka acknowledged every record made from them, on the connection they came from and in the order they arrived on it (MQTT-4.6.0-2
// holds per session), by paho's manual acks (SetAutoAckDisabled). A message dropped by idempotency or folded into an aggregate is acknowledged at its
// turn once the records it depends on are in Kafka. QoS 0 messages have nothing to acknowledge.
//
// paho calls the message handler on its router goroutine (SetOrderMatters(true)), which is what keeps arrival
// order; the handler only appends to an in-memory buffer and returns, so keep-alive and acknowledgements keep
// flowing. What a task holds, over all its connections, is bounded in bytes by mqtt.buffer.max.bytes (payload, topic and a fixed
// per-message cost, from arrival until the broker has the acknowledgement, or for QoS 0 until Kafka has the
// records): when the next message would exceed it, the handler waits for room, so reading from the broker
// pauses and the broker's flow control (its in-flight window, its queue, then TCP) holds the rest. A broker's
// in-flight window alone is no bound: Mosquitto 2.0.11's max_inflight_messages lets a subscriber that
// acknowledges late receive several times the window. QoS 0 messages also wait while
// camel.source.pollingConsumerQueueSize messages are buffered. A handler waiting for room stops waiting when
// its connection drops (the message is kept) and does not wait before the broker acknowledged the
// subscription (a resumed session's messages come before the SUBACK, which a paused reader would never
// see). paho's keep-alive drops a connection whose reads have been
// paused for longer than the keep-alive interval plus paho's ping timeout (10 s): Kafka making no progress for
// that long costs a reconnection, which with a persistent session loses nothing. Nothing is ever dropped by
// the connector, and nothing is acknowledged before Kafka has it.
//
// # Connections
//
// A broker bounds the QoS 1 and 2 messages in flight per session (Mosquitto 20, EMQX 32 by default), and a
// message is acknowledged only once Kafka has it, so one session carries at most about a window per Kafka round
// trip. A task therefore opens mqtt.connections.per.task connections (sessions; 4 by default, see [Spec] for the
// measurements; 1 for the persistent session of a connector's only task, because Mosquitto 2.0 does not save
// shared subscriptions over its restart and drops what is published until the task subscribes again), each with its own window, all subscribed through the shared subscription
// "$share/<connector name>/<filter>" so that the broker splits the messages among them (without it each
// connection would receive every message). Each connection acknowledges its own messages in its own arrival order, reconnects with its
// own exponential backoff, and keeps its buffered messages apart after losing its connection (below); the byte
// budget, idempotency and aggregation are the task's. Polls return the messages of all connections in the order
// they reached the task: records of different connections interleave, and order is kept per connection only, as
// it already was per task with tasks sharing a subscription. Applications that need the order of one MQTT topic
// across all its messages set mqtt.connections.per.task=1 and tasks.max=1.
//
// Every connection has a stable client id, so with clean.session.enabled=false the broker keeps each
// connection's subscriptions and queues its QoS 1 and 2 messages while the task restarts or moves: connection 0
// is "<clientId>-<task index>", the id a task had before it had several connections, so that a worker upgraded
// with a persistent session resumes it, with the messages queued in it, instead of abandoning it; connection n
// is "<clientId>-<task index>-<n>". A connection that resumes a persistent session also unsubscribes the other
// form of its filters (the plain filter when it subscribes to the shared one, and the reverse), which a session
// kept from before a change of tasks.max or mqtt.connections.per.task would still hold and which would deliver
// every message to it a second time. Lowering mqtt.connections.per.task (or tasks.max) leaves the sessions of
// the connections that are gone in the broker, which may keep queueing their share of the shared subscription
// (Mosquitto does, for an offline member of a share group); remove those sessions, for example by connecting
// once with their client ids and a clean session.
//
// Handlers are installed before connecting, so messages the broker sends right after CONNACK are not lost. Each
// connection is (re)established by the task with exponential backoff; a task fails with [ErrBrokerUnavailable]
// and the last error (naming the client id) once any one of its connections could not connect (or subscribe) for
// camel.kamelet.max.retry.time.ms, even if the others work: they share the broker, its address and credentials,
// so one that alone stays down has a problem of its own (its client id taken by another client, the broker's
// connection limit), and with a persistent session the broker keeps queueing that connection's share, where it
// would wait unseen. When a persistent session's connection drops, polling of that connection's buffered
// messages pauses until its next CONNACK (the other connections' messages keep flowing): if the broker kept the
// session it sends the unacknowledged QoS 1 and 2 messages again, so the copies still buffered are dropped
// instead of being written twice. Once the worker stops polling a task (it is being stopped), the task keeps its
// connections for the acknowledgements still due but never reconnects, so it cannot take the client ids back
// from its replacement.
//
// With tasks.max > 1 every connection of every task subscribes through the shared subscription, so the broker
// splits the messages among all of them; with one task of one connection the filters are subscribed as written.
// With mqtt.shared.subscriptions=false (for a broker without shared subscriptions) the filters are divided among
// the tasks instead (at most one task per filter) and each task has one connection.
//
// # Spool
//
// With mqtt.spool.enabled=true a task acknowledges QoS 1 and 2 messages once they are on its worker's local
// disk rather than once Kafka has them, and ships them to Kafka from there (package spool: a segment log with
// group commit, checksummed entries, crash recovery and a bounded size). The broker's in-flight window then
// waits for an fsync (a fraction of a millisecond, shared by every message that arrived meanwhile) instead of a
// Kafka round trip, and a Kafka outage fills the spool, up to mqtt.spool.max.bytes, instead of the broker's
// queue, which brokers limit (Mosquitto: 1,000 messages per session) and then drop from.
//
// The durability contract: a message is acknowledged only after it and every message before it in the spool
// are durable (written and fsynced), and it leaves the spool only once Kafka has every record made from it
// (the entry is committed through the worker's CommitRecord, as acknowledgements are without the spool). A
// message dropped by idempotency or folded into an aggregate is committed at its turn, once the records it
// depends on are in Kafka. Acknowledgements leave in the order entries become durable, which keeps each
// connection's arrival order; the spool's durable callbacks only queue them for a sender per connection, so a
// slow connection holds up neither the spool nor the others. Nothing acknowledged is dropped: the spool keeps
// it across task restarts and crashes (a write torn by a crash is cut off at the next start; it was never
// acknowledged, so the broker sends it again). Delivery to Kafka stays at least once: a message appended and
// not yet acknowledged when its connection ended is sent again by the broker, and entries Kafka had that were
// not yet committed when the task stopped are shipped again.
//
// Every message goes through the spool, QoS 0 too: it costs no more than the QoS 1 path, keeps the order of a
// connection's messages whatever their QoS, and carries QoS 0 messages through Kafka outages and restarts as
// well. An entry holds the message's topic, payload, QoS and receive time (format version 1, see spooled.go),
// which is everything its records are made from: keys, values, headers and timestamps are those the task
// writes without the spool. The shipper reads the spool in order into the task's buffer, which
// mqtt.buffer.max.bytes bounds as before, and polls take it from there; records of the task's connections
// interleave in the spool's order.
//
// The spool is in <spool.dir>/<connector>/<task> on the worker running the task (the worker property spool.dir;
// a connector name is made a safe directory name). A task ships what its spool holds from earlier runs before
// new messages. On a graceful stop, restart or rebalance (not while paused) the task takes no new messages and
// the worker keeps polling it to drain the spool into Kafka, within half of task.shutdown.graceful.timeout.ms
// (connector.Drainer); what is left stays on disk. It waits there for the next run of the same task on that
// worker (or on one sharing spool.dir): while a worker is dead, or after its task moved elsewhere, its spooled
// messages wait for it. Put spool.dir on a persistent volume that outlives the worker's container. A new
// instance of a task waits up to a minute for a previous one to let go of the directory; a task the worker
// gives up on (past task.shutdown.graceful.timeout.ms, while its records are still retried against a Kafka that
// is down) closes its spool at once, and what Kafka acknowledges of it afterwards is shipped again by the next
// instance. Lowering tasks.max or
// deleting the connector leaves the spools of the tasks that are gone on disk: a task of that index of a
// connector of that name ships them when it runs there again.
//
// When the spool is full the task stops acknowledging: the messages that arrive wait on their connection's
// reader, the broker keeps its window of messages in flight and queues (or holds back its publishers, or
// drops, as it is configured) the rest, and nothing is dropped by the task. A message that cannot wait (its
// connection is gone, or the broker has not acknowledged the subscription yet, whose SUBACK a paused reader
// would never read) is appended past the bound. paho's keep-alive drops a connection whose reads stay paused
// past the keep-alive interval plus 10 s, as without the spool; with a persistent session that loses
// nothing, but the reconnected session's messages, sent again before the SUBACK, are such messages: while
// the spool stays full, it grows past mqtt.spool.max.bytes by about the broker's in-flight window per
// connection every keep-alive interval plus 10 s (Mosquitto's 20 messages, four connections, 60 s: about one
// message a second). A longer keep-alive makes that rarer.
//
// A spool that cannot be written (a full disk: ENOSPC; an I/O error, including a failed fsync) stops for good:
// the task acknowledges nothing more and fails at its next poll, with the error and the spool's directory in
// its trace. Messages acknowledged before stay on disk and ship once the task is restarted (after freeing disk
// space); the others were not acknowledged, so the broker keeps them (a persistent session) or forgets them
// with the session (clean.session.enabled=true, which loses messages at every disconnect anyway). The restart
// ships again what the spool shipped since its last checkpoint (written at most a second apart, in place); a
// spool that fills its disk before its first checkpoint cannot create one, and its restart ships everything
// it holds again. Keep mqtt.spool.max.bytes below the free space of the volume: a task warns at start when it
// is not. Acknowledged
// messages the spool can no longer read (damage to the disk, not a torn write) fail the task's start, naming
// the file and the entries lost, unless mqtt.spool.corrupt.policy=skip, which logs the loss at ERROR and ships
// the rest.
//
// # Differences from the Camel connector
//
//   - JSON payloads land as JSON, text as text; Camel writes base64 with JsonConverter.
//   - The key defaults to the MQTT topic (Camel: null, unless camel.source.camelMessageHeaderKey is set).
//   - Acknowledgement after Kafka (or, with the spool, once on local disk), not when the message enters
//     Camel's in-memory queue; a full buffer never drops (Camel's SEDA queue throws "Queue full" and the
//     acknowledged message is lost).
//   - camel.source.maxPollDuration bounds how long a poll waits for the first message; a poll returns as soon
//     as messages are ready (Camel keeps collecting until the duration is spent).
//   - The client id defaults to the connector name (Camel: "mqtt-source" for every connector and task).
//   - "topics" has no default; "kafka.topic" (default "mqtt") is used when it is unset (Camel defaults to
//     "test").
//   - Only the aggregation strategy org.apache.camel.kafkaconnector.aggregator.StringAggregator exists;
//     naming any other class is a configuration error.
//   - camel.remove.headers.pattern regular expressions are Go (RE2) expressions; one RE2 cannot compile (such
//     as Camel's default "(?!)") matches no header, as Camel treats an invalid pattern.
//   - TLS files are PEM; Confluent's trust and key store paths are accepted when they hold PEM, not Java key
//     stores.
//
// # Sink
//
// The package's second plugin, [SinkClass] (also answering to Camel's [CamelSinkClass] and Confluent's
// [ConfluentSinkClass]), publishes Kafka records to MQTT. Its topic is a template (sink_config.go: ${topic},
// ${key}, ${partition}, ${header.<name>}); its payload is the value as bytes, UTF-8 text or JSON.
//
// Delivery is at least once for QoS 1 and 2. Put hands messages to the task's publisher (sinkpub.go), which
// keeps every message until the broker confirms it (PUBACK, PUBCOMP), publishes in Put order, and publishes
// again, on its next connection, every message in flight when a connection ended: it uses a new paho client
// per connection, as the source's sessions do, and paho keeps nothing across clients (within one client paho
// would not re-send either: a clean session fails the pending tokens and empties its store; a persistent one
// re-sends only on a Connect of the same client). Put waits while mqtt.max.inflight messages are unconfirmed,
// so a broker outage stops consumption. The task implements connector.SinkPreCommitter: before each offset
// commit it waits (until the commit's deadline) for the messages handed to Put, and returns per partition the
// offset of the oldest record whose message is unconfirmed, so the worker commits what the broker has and
// never rewinds; a worker that dies with messages in flight has their records delivered again. One confirmer
// goroutine per connection takes the acknowledgements in publish order; a connection with messages in flight
// and no acknowledgement for ackTimeout is dropped, and a message the broker closed the connection on, right
// after its publish, maxPublishAttempts times (Mosquitto disconnects a client publishing a topic it refuses)
// is given up as an errant record (see maxPublishAttempts for what counts). It also implements
// connector.SinkPartitionCloser: the unwritten messages of partitions taken from the task are dropped.
package mqtt
