package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// Sink class names.
const (
	// SinkClass is the sink connector's own class name.
	SinkClass = "io.connectd.mqtt.MqttSinkConnector"
	// SinkTaskClass is written into every sink task config as task.class.
	SinkTaskClass = "io.connectd.mqtt.MqttSinkTask"
	// CamelSinkClass is the Camel Kafka Connector MQTT sink, whose configurations the sink runs.
	CamelSinkClass = "org.apache.camel.kafkaconnector.mqttsink.CamelMqttsinkSinkConnector"
	// ConfluentSinkClass is Confluent's MQTT sink, whose configurations the sink runs.
	ConfluentSinkClass = "io.confluent.connect.mqtt.MqttSinkConnector"
)

// registerSink adds the MQTT sink connector to r, under its own class and the Camel and Confluent class names.
func registerSink(r *connector.Registry) error {
	return r.Register(connector.Plugin{
		Class:   SinkClass,
		Type:    connector.Sink,
		Version: Version,
		// The registry derives "MqttSinkConnector" and "MqttSink" from SinkClass (Confluent's class shares
		// them); the Camel class's short forms are listed, as Kafka would derive them. The "mqtt." key
		// namespace stays the source's (see sinkKameletPrefix).
		Aliases:      []string{CamelSinkClass, "CamelMqttsinkSinkConnector", "CamelMqttsinkSink", ConfluentSinkClass},
		KeyPrefixes:  []string{sinkKameletPrefix},
		Spec:         SinkSpec(),
		TaskClass:    SinkTaskClass,
		NewConnector: func() connector.Connector { return &SinkConnector{} },
		NewSinkTask:  func() connector.SinkTask { return &SinkTask{} },
	})
}

// SinkConnector is the MQTT sink connector: it checks the configuration and gives each task its index. The
// worker's consumer group spreads the Kafka partitions among the tasks.
type SinkConnector struct {
	raw map[string]string
}

// Start checks the configuration.
func (c *SinkConnector) Start(_ context.Context, cc connector.Context, config map[string]string) error {
	cfg, err := parseSinkConfig(config)
	if err != nil {
		return err
	}
	c.raw = maps.Clone(config)
	loggerOf(cc).Info("mqtt sink connector starting", "brokers", len(cfg.conn.brokers), "qos", cfg.qos,
		"retain", cfg.retain)
	return nil
}

// TaskConfigs returns maxTasks configurations, each with its task index, which names its MQTT client
// "<clientId>-<index>".
func (c *SinkConnector) TaskConfigs(_ context.Context, maxTasks int) ([]map[string]string, error) {
	return indexedTaskConfigs(c.raw, max(maxTasks, 1)), nil
}

// Stop does nothing: Start acquired nothing.
func (c *SinkConnector) Stop(context.Context) error { return nil }

// SinkTask publishes records to MQTT. Put hands them to the task's sinkPublisher, waiting while the window of
// unconfirmed messages is full; Flush waits until the broker has confirmed every message handed to Put before
// it, so the worker commits no offset of a record the broker does not have.
type SinkTask struct {
	cfg    *sinkConfig
	log    *slog.Logger
	tc     connector.SinkTaskContext
	json   connector.Converter
	pub    *sinkPublisher
	cancel context.CancelFunc
	done   chan struct{}
	// clock, when set before start, is the publisher's clock (tests advance it); time.Now otherwise.
	clock func() time.Time
}

// Start parses the configuration and starts connecting.
func (t *SinkTask) Start(_ context.Context, tc connector.SinkTaskContext, config map[string]string) error {
	return t.start(tc, config, paho.NewClient)
}

// start is Start with the paho client constructor, which tests replace.
func (t *SinkTask) start(tc connector.SinkTaskContext, config map[string]string,
	newClient func(*paho.ClientOptions) paho.Client) error {
	cfg, err := parseSinkConfig(config)
	if err != nil {
		return err
	}
	t.cfg, t.tc = cfg, tc
	t.log = tc.Logger()
	if t.log == nil {
		t.log = slog.Default()
	}
	js := convert.NewJSON()
	if err := js.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		return fmt.Errorf("json payload encoder: %w", err)
	}
	t.json = js
	if cfg.persistentAsked {
		t.log.Info(fieldMQTTCleanSession + "=false has no effect on the sink: it connects with a clean session and " +
			"publishes again itself what the broker did not acknowledge")
	}
	t.pub = newSinkPublisher(cfg, t.log)
	t.pub.newClient = newClient
	if t.clock != nil {
		t.pub.now = t.clock
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.cancel, t.done = cancel, make(chan struct{})
	go func() {
		defer close(t.done)
		t.pub.run(ctx)
	}()
	return nil
}

// Put turns the records into messages and hands them to the sinkPublisher. A record that cannot become a
// message is an errant record (see templateDoc). Put returns ctx's error when ctx ends before every message
// was taken; the worker then commits none of the batch's offsets.
func (t *SinkTask) Put(ctx context.Context, records []*connector.SinkRecord) error {
	if err := t.pub.fatalErr(); err != nil {
		return err
	}
	msgs := make([]*outMsg, 0, len(records))
	for _, rec := range records {
		m, err := t.message(rec)
		if err == nil {
			msgs = append(msgs, m)
			continue
		}
		if rep := t.tc.ErrantRecordReporter(); rep != nil {
			if _, rerr := rep.Report(rec, err); rerr != nil {
				return rerr
			}
			continue
		}
		if t.cfg.tolerateAll {
			t.log.Warn("record skipped: it cannot be published", "topic", rec.Topic, "partition", rec.Partition,
				"offset", rec.Offset, "err", err)
			continue
		}
		return fmt.Errorf("record %s-%d@%d: %w", rec.Topic, rec.Partition, rec.Offset, err)
	}
	return t.pub.enqueue(ctx, msgs)
}

// errBadHeader is the cause of a record whose QoS or retain header has an unusable value.
var errBadHeader = errors.New("invalid header value")

// message turns a record into the message to publish.
func (t *SinkTask) message(rec *connector.SinkRecord) (*outMsg, error) {
	topic, err := t.cfg.template.fill(rec)
	if err != nil {
		return nil, fmt.Errorf("MQTT topic %q: %w", t.cfg.templateText(), err)
	}
	m := &outMsg{topic: topic, qos: t.cfg.qos, retain: t.cfg.retain, rec: rec,
		from: recordID{rec.OriginalTopic, rec.OriginalPartition, rec.OriginalOffset}}
	if h := t.cfg.qosHeader; h != "" {
		if v, ok := lastHeader(rec, h); ok {
			s, _ := scalarText(v)
			q, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || q < 0 || q > 2 {
				return nil, fmt.Errorf("%w: header %s is %v, want 0, 1 or 2", errBadHeader, h, v)
			}
			m.qos = byte(q)
		}
	}
	if h := t.cfg.retainHeader; h != "" {
		if v, ok := lastHeader(rec, h); ok {
			s, _ := scalarText(v)
			b, err := strconv.ParseBool(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("%w: header %s is %v, want true or false", errBadHeader, h, v)
			}
			m.retain = b
		}
	}
	m.payload, err = t.payload(rec)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// payload is the record's value as bytes: bytes as they are, text as UTF-8, null as an empty payload, and
// anything else (structs, maps, arrays, numbers, booleans) as JSON without a schema envelope.
func (t *SinkTask) payload(rec *connector.SinkRecord) ([]byte, error) {
	switch v := rec.Value.(type) {
	case nil:
		return []byte{}, nil
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	case connector.RawJSON:
		return v, nil
	}
	b, err := t.json.FromConnectData(rec.Topic, rec.ValueSchema, rec.Value)
	if err != nil {
		return nil, fmt.Errorf("value as JSON: %w", err)
	}
	return b, nil
}

// Flush waits until the broker has confirmed every message handed to Put before it (PUBACK for QoS 1,
// PUBCOMP for QoS 2, written for QoS 0), and fails when ctx ends first. The worker calls PreCommit instead.
func (t *SinkTask) Flush(ctx context.Context, _ map[connector.TopicPartition]int64) error {
	return t.pub.flush(ctx)
}

// PreCommit is connector.SinkPreCommitter: it waits, until ctx ends, for the broker to confirm the messages
// handed to Put before it, reports the messages given up as errant records (see maxPublishAttempts), and
// returns per partition the offset of its oldest record whose message is not confirmed yet, or the given
// offset when none is. A timeout is no error: the task keeps every unconfirmed message and publishes it again
// after a reconnect, so the worker need not deliver anything again; it commits what is confirmed.
func (t *SinkTask) PreCommit(ctx context.Context, offsets map[connector.TopicPartition]int64) (map[connector.TopicPartition]int64, error) {
	t.pub.settle(ctx)
	if err := t.reportGivenUp(ctx); err != nil {
		return nil, err
	}
	if err := t.pub.fatalErr(); err != nil {
		return nil, err
	}
	return t.pub.committable(offsets), nil
}

// reportGivenUp reports the messages the publisher gave up as errant records, and lets go of each once its
// report is persisted (the worker awaits reports before committing, but these are made after that wait).
// Without a reporter it skips them under errors.tolerance=all and fails the task otherwise.
func (t *SinkTask) reportGivenUp(ctx context.Context) error {
	for _, m := range t.pub.errantMessages() {
		if m.report == nil {
			cause := fmt.Errorf("MQTT topic %q: %w (%d times)", truncate(m.topic, 100), errGivenUp, m.attempts)
			rep := t.tc.ErrantRecordReporter()
			switch {
			case rep != nil:
				r, err := rep.Report(m.rec, cause)
				if err != nil {
					t.pub.setFatal(err)
					return err
				}
				m.report = r
			case t.cfg.tolerateAll:
				t.log.Warn("record skipped: the MQTT broker does not take its message", "topic", m.from.topic,
					"partition", m.from.partition, "offset", m.from.offset, "err", cause)
				t.pub.reported(m)
				continue
			default:
				err := fmt.Errorf("record %s-%d@%d: %w", m.from.topic, m.from.partition, m.from.offset, cause)
				t.pub.setFatal(err)
				return err
			}
		}
		select {
		case <-m.report.Done():
			if m.report.Err() == nil {
				t.pub.reported(m)
			}
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// Close is connector.SinkPartitionCloser: the messages of the partitions taken from the task that are not
// written yet are dropped, so that the task does not publish them after the partitions' new owner published
// newer ones (a retained message would go back in time). Their offsets were not committed: the new owner
// publishes them again. Messages already written stay in flight; their acknowledgements are awaited as usual.
func (t *SinkTask) Close(_ context.Context, partitions []connector.TopicPartition) error {
	if n := t.pub.drop(partitions); n > 0 {
		t.log.Info("mqtt messages of partitions taken from the task dropped before their publish", "messages", n,
			"partitions", len(partitions))
	}
	return nil
}

// Stop disconnects. Messages not confirmed yet are dropped here: their offsets were not committed, so the
// worker delivers their records again to the next run of the task.
func (t *SinkTask) Stop(ctx context.Context) error {
	if t.cancel == nil {
		return nil
	}
	t.cancel()
	select {
	case <-t.done:
		t.log.Info("mqtt sink task stopped", "client_id", t.pub.clientID, "published", t.pub.published.Load(),
			"acknowledged", t.pub.acked.Load(), "published_again", t.pub.republished.Load(),
			"given_up", t.pub.givenUp.Load(), "reconnects", t.pub.reconnects.Load())
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mqtt sink task stop: %w", ctx.Err())
	}
}

// templateText returns the template as configured, for messages.
func (c *sinkConfig) templateText() string {
	var sb strings.Builder
	for _, p := range c.template.parts {
		if p.name == "" {
			sb.WriteString(p.literal)
		} else {
			sb.WriteString("${" + p.name + "}")
		}
	}
	return sb.String()
}
