// Package integration holds the fault suite that runs connectd as three real worker processes against a real
// three-node Apache Kafka 3.9 KRaft cluster and a real Mosquitto broker, counting every MQTT message on its way
// into Kafka. The interop scenarios put Apache Kafka Connect 3.9 workers (ConnectDistributed, from Maven Central)
// into groups with connectd workers, and the REST differential compares their answers to the same requests. The
// tests carry the build tag integration; `make test-integration` runs them (test/integration/run.sh).
package integration
