package mqtt

import (
	"context"
	"maps"
	"strconv"

	"github.com/connectd/connectd/connector"
)

// Class names.
const (
	// Class is the connector's own class name.
	Class = "io.connectd.mqtt.MqttSourceConnector"
	// TaskClass is written into every task config as task.class.
	TaskClass = "io.connectd.mqtt.MqttSourceTask"
	// CamelClass is the Camel Kafka Connector MQTT source, whose configurations this connector runs.
	CamelClass = "org.apache.camel.kafkaconnector.mqttsource.CamelMqttsourceSourceConnector"
	// ConfluentClass is Confluent's MQTT source, whose configurations this connector runs.
	ConfluentClass = "io.confluent.connect.mqtt.MqttSourceConnector"
)

// Version is the version the plugin reports.
const Version = "1.0.0"

// Register adds the MQTT source and sink connectors to r, each under its own class and the Camel and
// Confluent class names.
func Register(r *connector.Registry) error {
	return register(r, func() *SourceTask { return &SourceTask{} })
}

// register is Register with the tasks newTask makes (tests give them a spool file system that fails).
func register(r *connector.Registry, newTask func() *SourceTask) error {
	if err := registerSource(r, newTask); err != nil {
		return err
	}
	return registerSink(r)
}

func registerSource(r *connector.Registry, newTask func() *SourceTask) error {
	return r.Register(connector.Plugin{
		Class:   Class,
		Type:    connector.Source,
		Version: Version,
		// The registry derives the short forms of Class itself ("MqttSourceConnector", "MqttSource", which
		// Confluent's class shares); those of the Camel class are listed, as Kafka would derive them.
		Aliases:       []string{CamelClass, "CamelMqttsourceSourceConnector", "CamelMqttsourceSource", ConfluentClass},
		KeyPrefixes:   []string{kameletPrefix, nativePrefix},
		Spec:          Spec(),
		TaskClass:     TaskClass,
		NewConnector:  func() connector.Connector { return &Connector{} },
		NewSourceTask: func() connector.SourceTask { return newTask() },
	})
}

// Connector is the MQTT source connector. It watches nothing outside Kafka: it only splits the work among
// tasks.
type Connector struct {
	raw map[string]string
	cfg *config
}

// Start checks the configuration and keeps it for the tasks.
func (c *Connector) Start(_ context.Context, cc connector.Context, config map[string]string) error {
	cfg, err := parseConfig(config)
	if err != nil {
		return err
	}
	c.raw, c.cfg = maps.Clone(config), cfg
	log := loggerOf(cc)
	log.Info("mqtt source connector starting", "brokers", len(cfg.brokers), "filters", len(cfg.filters),
		"kafka_topics", len(cfg.kafkaTopics), "qos", cfg.qos, "clean_session", cfg.cleanSession)
	if cfg.cleanSession && cfg.qos > 0 {
		log.Info("clean sessions lose the messages published while a task is not connected; set " +
			fieldCleanSession + "=false to keep them")
	}
	return nil
}

// TaskConfigs gives every task the connector's configuration plus its index and the task count: with shared
// subscriptions (the default) maxTasks tasks share every filter; without, the filters are dealt out, so there
// are at most as many tasks as filters.
func (c *Connector) TaskConfigs(_ context.Context, maxTasks int) ([]map[string]string, error) {
	n := max(maxTasks, 1)
	if !c.cfg.shared {
		n = min(n, len(c.cfg.filters))
	}
	return indexedTaskConfigs(c.raw, n), nil
}

// indexedTaskConfigs is n copies of raw, each with its task index and the task count.
func indexedTaskConfigs(raw map[string]string, n int) []map[string]string {
	out := make([]map[string]string, n)
	for i := range out {
		tc := maps.Clone(raw)
		tc[fieldTaskIndex] = strconv.Itoa(i)
		tc[fieldTaskCount] = strconv.Itoa(n)
		out[i] = tc
	}
	return out
}

// Stop does nothing: Start acquired nothing.
func (c *Connector) Stop(context.Context) error { return nil }
