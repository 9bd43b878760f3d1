package worker

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/kafkaclient"
	"github.com/connectd/connectd/worker/properties"
)

// clientOverridePrefixes are the connector config prefixes of the client overrides, by client kind.
var clientOverridePrefixes = map[string]string{
	"producer": connector.PrefixProducerOverride,
	"consumer": connector.PrefixConsumerOverride,
	"admin":    connector.PrefixAdminOverride,
}

// taskClient is the configuration of one of a task's Kafka clients.
type taskClient struct {
	kafkaclient.Client
	// bootstrap is bootstrap.servers, the worker's unless the connector overrides it.
	bootstrap []string
}

// taskClientConfig builds the configuration of a client of task t, kind "producer" or "consumer": the worker's
// settings (with its producer.* or consumer.* properties), then the connector's producer.override.* or
// consumer.override.* keys, as Kafka Connect's Worker.producerConfigs and consumerConfigs merge them. Overrides
// the worker's policy forbids fail the task, as Worker.connectorClientConfigOverrides does (validation refuses
// such configs first; this is the safety net for configs written by others). Overrides connectd's clients
// cannot apply are logged once per client, at WARN, much as a Java client warns of configs "supplied but not
// used"; the task runs without them.
func (w *Worker) taskClientConfig(t *taskRunner, kind string) (taskClient, error) {
	prefix := clientOverridePrefixes[kind]
	overrides := connector.Prefixed(t.connConfig, prefix)
	var denied []string
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		if !connector.OverrideAllowed(w.cfg.ConnectorClientConfigOverridePolicy, k) {
			// Never the value: it may be a credential.
			denied = append(denied, fmt.Sprintf("[%s%s: The '%s' policy does not allow '%s' to be overridden in the connector configuration.]",
				prefix, k, w.cfg.ConnectorClientConfigOverridePolicy, k))
		}
	}
	if len(denied) > 0 {
		return taskClient{}, fmt.Errorf("Client Config Overrides not allowed %s", strings.Join(denied, ", ")) //nolint:staticcheck // Kafka Connect's message
	}
	c, err := w.cfg.ClientConfig(kind, overrides)
	if err != nil {
		return taskClient{}, err
	}
	if len(c.Unsupported) > 0 {
		t.log.Warn("client overrides have no effect: connectd's Kafka clients do not support them",
			"client", kind, "keys", strings.Join(c.Unsupported, ","))
	}
	tc := taskClient{Client: c, bootstrap: w.cfg.BootstrapServers}
	if v, ok := overrides["bootstrap.servers"]; ok {
		tc.bootstrap = properties.List(v)
	}
	return tc, nil
}

// taskAdmin returns the admin client task t creates topics with (its source topics under topic.creation, a
// sink's dead letter queue topic): the worker's, unless the connector has admin.override.* settings; then a
// client of its own with them, as Kafka Connect's Worker.adminConfigs builds one, which closeAdmin closes.
func (w *Worker) taskAdmin(ctx context.Context, t *taskRunner) (admin sarama.ClusterAdmin, closeAdmin func(), err error) {
	if len(connector.Prefixed(t.connConfig, connector.PrefixAdminOverride)) == 0 {
		return w.admin, func() {}, nil
	}
	tc, err := w.taskClientConfig(t, "admin")
	if err != nil {
		return nil, nil, err
	}
	if _, ok := tc.Set["client.id"]; !ok {
		tc.Config.ClientID = fmt.Sprintf("connector-adminclient-%s-%d", t.id.Connector, t.id.Task)
	}
	client, err := kafkaclient.New(ctx, tc.bootstrap, tc.Config, t.log)
	if err != nil {
		return nil, nil, err
	}
	admin, err = sarama.NewClusterAdminFromClient(client)
	if err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("create admin client: %w", err)
	}
	t.log.Info("AdminClientConfig values", "client", "admin", "bootstrap.servers", strings.Join(tc.bootstrap, ","),
		"client.id", tc.Config.ClientID, "request.timeout.ms", tc.Config.Admin.Timeout.Milliseconds(),
		"security.protocol", securityProtocol(tc.Config))
	// Closing the admin client closes its client.
	return admin, func() { _ = admin.Close() }, nil
}

// logClientValues logs the effective settings of a task's client at INFO, as the Java clients log their
// "ProducerConfig values:" and "ConsumerConfig values:" at creation: the way to see that an override reached
// the client. Attribute keys are Kafka's property names, which is what users look for; credentials are never
// logged.
func logClientValues(log *slog.Logger, kind string, cfg *sarama.Config, bootstrap []string) {
	attrs := []any{"client", kind, "bootstrap.servers", strings.Join(bootstrap, ","), "client.id", cfg.ClientID,
		"request.timeout.ms", cfg.Net.ReadTimeout.Milliseconds(), "security.protocol", securityProtocol(cfg)}
	switch kind {
	case "producer":
		attrs = append(attrs,
			"acks", acksName(cfg.Producer.RequiredAcks),
			"linger.ms", cfg.Producer.Flush.Frequency.Milliseconds(),
			"batch.size", cfg.Producer.Flush.Bytes,
			"compression.type", cfg.Producer.Compression.String(),
			"enable.idempotence", cfg.Producer.Idempotent,
			"max.in.flight.requests.per.connection", cfg.Net.MaxOpenRequests,
			"max.request.size", cfg.Producer.MaxMessageBytes,
			"retries", cfg.Producer.Retry.Max)
		log.Info("ProducerConfig values", attrs...)
	case "consumer":
		attrs = append(attrs,
			"fetch.min.bytes", cfg.Consumer.Fetch.Min,
			"fetch.max.bytes", cfg.Consumer.Fetch.MaxBytes,
			"max.partition.fetch.bytes", cfg.Consumer.Fetch.Default,
			"fetch.max.wait.ms", cfg.Consumer.MaxWaitTime.Milliseconds(),
			"isolation.level", isolationName(cfg.Consumer.IsolationLevel),
			"session.timeout.ms", cfg.Consumer.Group.Session.Timeout.Milliseconds(),
			"heartbeat.interval.ms", cfg.Consumer.Group.Heartbeat.Interval.Milliseconds(),
			"max.poll.interval.ms", cfg.Consumer.Group.Rebalance.Timeout.Milliseconds())
		log.Info("ConsumerConfig values", attrs...)
	}
}

func securityProtocol(cfg *sarama.Config) string {
	switch {
	case cfg.Net.SASL.Enable && cfg.Net.TLS.Enable:
		return "SASL_SSL"
	case cfg.Net.SASL.Enable:
		return "SASL_PLAINTEXT"
	case cfg.Net.TLS.Enable:
		return "SSL"
	}
	return "PLAINTEXT"
}

func acksName(a sarama.RequiredAcks) string {
	if a == sarama.WaitForAll {
		return "-1"
	}
	return strconv.Itoa(int(a))
}

func isolationName(l sarama.IsolationLevel) string {
	if l == sarama.ReadCommitted {
		return "read_committed"
	}
	return "read_uncommitted"
}

// maxPollRecords is the sink's consumer.override.max.poll.records (default 500, Kafka's): the most records
// handed to SinkTask.Put at once.
func maxPollRecords(set map[string]string) (int, error) {
	v, ok := set["max.poll.records"]
	if !ok {
		return maxSinkBatch, nil
	}
	// An INT, as Kafka's ConsumerConfig defines it: a larger number is not one.
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("Invalid value %s for configuration max.poll.records: Not a number of type INT", v) //nolint:staticcheck // Kafka's message
	}
	if n < 1 {
		return 0, fmt.Errorf("Invalid value %s for configuration max.poll.records: Value must be at least 1", v) //nolint:staticcheck // Kafka's message
	}
	return int(n), nil
}
