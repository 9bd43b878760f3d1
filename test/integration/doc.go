// Package integration holds the fault suite that runs connectd as three real worker processes against a real
// three-node Apache Kafka 3.9 KRaft cluster and real Mosquitto brokers, counting every MQTT message on its way
// into Kafka. The interop scenarios put Apache Kafka Connect 3.9 workers (ConnectDistributed, from Maven Central)
// into groups with connectd workers, and the REST differential compares their answers to the same requests. The
// tests carry the build tag integration; `make test-integration` runs them (test/integration/run.sh).
//
// # Brokers
//
// mosquitto.sh runs three Mosquitto instances. The fault scenarios use a tuned one (127.0.0.1:11883, 1,000
// messages in flight and 200,000 queued per session), so that what they measure is connectd, not the broker's
// queue. The broker-default and spool scenarios use Mosquitto as users run it: with its default configuration
// (127.0.0.1:11884: 20 in flight, 1,000 queued per session) and set like EMQX's defaults (127.0.0.1:11885: 32 in
// flight, 1,000 queued). Both brokers drop what overflows a session's queue.
//
// # Broker-default scenarios (brokers_test.go)
//
// defaults-sustained and emqx-like-sustained first find the highest QoS 1 rate a bare paho subscriber (one
// session, acknowledging each message as soon as it is counted) takes from that broker without loss, while
// Kafka carries the traffic connectd's run will give it: the subscriber hands every message to a producer
// (acks=all, one request in flight) without waiting for it, and a consumer reads the topic back. The search
// runs 5-second probes at rates doubling from 2,000 msg/s until one loses a message, the publisher falls
// short of 0.9 of the rate or Kafka has not acknowledged everything 5 s after the last message, two
// bisections between the last rate that passed and the first that failed, then 60 seconds at the rate found
// (3/4 of it, up to four times, should the probe fail there). The rate is then what the machine carries end
// to end with Kafka on it, lower than what Mosquitto alone delivers to one subscriber.
// connectd then runs at that rate for 60 s with the connector's default settings and the user's clean session
// (four connections per task, no spool) and must lose nothing; the -spool variants do the same with
// mqtt.spool.enabled=true, at the same rate. The rate is measured once per broker and run. Duplicates are
// counted, not failed; the publisher must reach 0.8 of the rate while connectd and Kafka share the machine
// with it, or the rate counts as untested. Each starts by writing the machine's dirty pages to disk
// (syncDisks), so that the fsyncs of the spool do not wait for the previous scenario's Kafka writes. The four
// take 10 to 15 minutes.
//
// # Spool scenarios (spool_test.go)
//
// On the default-config Mosquitto with the spool on: kafka-down-60s-spool stops all three brokers for 60 s
// while 1,000 msg/s are published (60,000 messages, far above the 1,000 the broker queues for the task's one
// persistent session); kill-worker-full-spool stops Kafka, lets the task spool 18,000 messages, kills -9 its worker (the
// only one running, so that the task can come back only there), starts Kafka and the same worker with the same
// spool.dir; spool-disk-full puts the spool on a 1 MiB tmpfs (mounted by the suite: it must run as root, as
// in CI) with Kafka down, and checks that the task stops acknowledging and fails with a status naming the full
// disk, and that once the volume has room and Kafka is back a restart of the task delivers everything. None
// may lose a message.
package integration
