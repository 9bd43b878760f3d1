package errorhandling

import (
	"fmt"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// Config is a connector's error handling configuration (Kafka's ConnectorConfig and SinkConnectorConfig
// errors.* keys).
type Config struct {
	// RetryTimeout is errors.retry.timeout: how long a retriable failure is retried. 0 (the default) never
	// retries; negative retries until the task stops.
	RetryTimeout time.Duration
	// RetryMaxDelay is errors.retry.delay.max.ms (default 60 s): the longest wait between two attempts.
	RetryMaxDelay time.Duration
	// Tolerance is errors.tolerance (default none).
	Tolerance Tolerance
	// LogEnable is errors.log.enable (default false): log every failure.
	LogEnable bool
	// LogIncludeMessages is errors.log.include.messages (default false): name the failed record in the log
	// (for sinks where it was consumed; for sources the whole record).
	LogIncludeMessages bool

	// DLQTopic is errors.deadletterqueue.topic.name, trimmed; empty (the default) means no dead letter queue.
	// Sink connectors only.
	DLQTopic string
	// DLQReplicationFactor is errors.deadletterqueue.topic.replication.factor (default 3), used when the topic
	// is created.
	DLQReplicationFactor int16
	// DLQContextHeaders is errors.deadletterqueue.context.headers.enable (default false): add the
	// __connect.errors.* headers to records written to the dead letter queue.
	DLQContextHeaders bool
}

// errorKeys are the keys ParseConfig reads, defined as the framework spec defines them.
var errorKeys = []string{
	connector.KeyErrorsRetryTimeout, connector.KeyErrorsRetryMaxDelay, connector.KeyErrorsTolerance,
	connector.KeyErrorsLogEnable, connector.KeyErrorsLogIncludeMessage,
	connector.KeyDLQTopicName, connector.KeyDLQTopicReplicationFactor, connector.KeyDLQContextHeadersEnable,
}

// ParseConfig reads the error handling keys of a connector config of type t with the framework's types and
// defaults; the dead letter queue keys only for sinks. The config has passed validation, so an error here
// (a *connector.ParseError) means it was written around it.
func ParseConfig(t connector.Type, config map[string]string) (Config, error) {
	framework := connector.FrameworkSpec(t)
	spec := &connector.Spec{}
	for _, k := range errorKeys {
		if f := framework.Field(k); f != nil {
			spec.Fields = append(spec.Fields, f)
		}
	}
	p, err := spec.Parse(config)
	if err != nil {
		return Config{}, fmt.Errorf("error handling configuration: %w", err)
	}
	c := Config{
		RetryTimeout:       time.Duration(p.Long(connector.KeyErrorsRetryTimeout)) * time.Millisecond,
		RetryMaxDelay:      time.Duration(p.Long(connector.KeyErrorsRetryMaxDelay)) * time.Millisecond,
		LogEnable:          p.Bool(connector.KeyErrorsLogEnable),
		LogIncludeMessages: p.Bool(connector.KeyErrorsLogIncludeMessage),
	}
	if strings.EqualFold(p.String(connector.KeyErrorsTolerance), "all") {
		c.Tolerance = ToleranceAll
	}
	if t == connector.Sink {
		c.DLQTopic = p.String(connector.KeyDLQTopicName)
		c.DLQReplicationFactor = int16(p.Long(connector.KeyDLQTopicReplicationFactor))
		c.DLQContextHeaders = p.Bool(connector.KeyDLQContextHeadersEnable)
	}
	return c, nil
}

// ErrantRecordReporterEnabled reports whether a sink task gets an errant record reporter: when there is a
// dead letter queue or error logging (Kafka's SinkConnectorConfig.enableErrantRecordReporter).
func (c Config) ErrantRecordReporterEnabled() bool { return c.DLQTopic != "" || c.LogEnable }
