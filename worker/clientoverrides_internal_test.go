package worker

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/connectd/connectd/worker/config"
)

// A task whose stored config has overrides the worker's policy forbids does not start: validation refuses such
// configs, and this is the safety net for configs written by others (Kafka Connect's "Client Config Overrides
// not allowed"). The error never carries the override's value.
func TestTaskClientConfigPolicySafetyNet(t *testing.T) {
	w := &Worker{cfg: config.Config{ConnectorClientConfigOverridePolicy: "Principal", BootstrapServers: []string{"k:9092"}}}
	tr := &taskRunner{log: slog.New(slog.DiscardHandler), connConfig: map[string]string{
		"producer.override.linger.ms":         "25",
		"producer.override.sasl.jaas.config":  "secret-value",
		"producer.override.security.protocol": "PLAINTEXT",
	}}
	_, err := w.taskClientConfig(tr, "producer")
	if err == nil || !strings.HasPrefix(err.Error(), "Client Config Overrides not allowed [producer.override.linger.ms: "+
		"The 'Principal' policy does not allow 'linger.ms' to be overridden") || strings.Contains(err.Error(), "secret") ||
		strings.Contains(err.Error(), "jaas") {
		t.Fatalf("err = %v", err)
	}

	w.cfg.ConnectorClientConfigOverridePolicy = "All"
	tr.connConfig = map[string]string{"producer.override.linger.ms": "25", "producer.override.bootstrap.servers": "a:1, b:2"}
	tc, err := w.taskClientConfig(tr, "producer")
	if err != nil || strings.Join(tc.bootstrap, ",") != "a:1,b:2" || tc.Config.Producer.Flush.Frequency.Milliseconds() != 25 {
		t.Fatalf("tc = %+v, err = %v", tc.bootstrap, err)
	}
}
