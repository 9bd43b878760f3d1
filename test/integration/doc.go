// Package integration holds the fault suite that runs connectd as three real worker processes against a real
// three-node Apache Kafka 3.9 KRaft cluster and a real Mosquitto broker, counting every MQTT message on its way
// into Kafka. The tests carry the build tag integration; `make test-integration` runs them (test/integration/run.sh).
package integration
