package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// The MQTT sink cases measure the other direction, Kafka → MQTT: the Kafka baseline's producers (in their own
// process) write the load into a topic, a pipeline moves it to the MQTT broker, and paho subscribers (in their
// own process, as many as tasks, sharing the subscription) are the sink the window and the latencies are read
// at. The pipelines are connectd's MQTT sink connector and the simplest Go bridge that keeps the same promise:
// a sarama consumer group member per task, configured as a sink task's consumer, publishing every record with
// paho and marking its offset only once the broker acknowledged it.

// roleBridge is the bridge's process: sarama consumers → paho publishers, until stdin closes.
const roleBridge = "baseline-bridge"

// sinkConnectorClass is the MQTT sink connector the connectd pipeline runs.
const sinkConnectorClass = "io.connectd.mqtt.MqttSinkConnector"

// sinkKeyPrefix names the records' keys in the sink cases; each record goes to the MQTT topic
// <run prefix>/<key>, so the connector's topic template has a variable to fill, as a command flow's has.
const sinkKeyPrefix = "dev"

// sinkConnectorConfig is the MQTT sink connector of one run: the topic's records as bytes, published with
// qos to <prefix>/<key>.
func (b *bench) sinkConnectorConfig(mq *mqttSide, topic, prefix string, qos byte, tasks int) map[string]any {
	return map[string]any{
		"connector.class":                     sinkConnectorClass,
		"tasks.max":                           strconv.Itoa(tasks),
		"topics":                              topic,
		"key.converter":                       "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                     "org.apache.kafka.connect.converters.ByteArrayConverter",
		"mqtt.server.uri":                     mq.url,
		"mqtt.topic":                          prefix + "/${key}",
		"mqtt.qos":                            strconv.Itoa(int(qos)),
		"mqtt.retain":                         "false",
		"consumer.override.auto.offset.reset": "earliest",
	}
}

// SinkCase is one cell of the sink matrix: the bridge and connectd's sink connector, same Kafka, broker,
// load and subscribers.
type SinkCase struct {
	QoS      int     `json:"qos"`
	Size     int     `json:"size"`
	Workers  int     `json:"workers"`
	Tasks    int     `json:"tasks"`
	Bridge   *Run    `json:"bridge,omitempty"`
	Connectd *Run    `json:"connectd,omitempty"`
	Ratio    float64 `json:"ratio"` // connectd rate / the bridge's
}

// measureSinkCase runs the bridge and connectd's sink in turn, --rounds times, and keeps each one's fastest
// run, as measureCase does for the source.
func (b *bench) measureSinkCase(ctx context.Context, qos byte, size, tasks int) error {
	c := SinkCase{QoS: int(qos), Size: size, Workers: tasks, Tasks: tasks}
	best, errs := b.bestOfRounds(ctx, qos, size, tasks, pipeBridge, pipeSink)
	c.Bridge, c.Connectd = best[pipeBridge], best[pipeSink]
	if c.Bridge.Err == "" && c.Connectd.Err == "" && c.Bridge.Rate > 0 {
		c.Ratio = c.Connectd.Rate / c.Bridge.Rate
	}
	b.rep.SinkCases = append(b.rep.SinkCases, c)
	b.log.Info("sink case", "qos", qos, "size", size, "tasks", tasks, "bridge", int(c.Bridge.Rate),
		"connectd", int(c.Connectd.Rate), "ratio", fmt.Sprintf("%.2f", c.Ratio), "p99_ms", c.Connectd.Latency.P99)
	return errors.Join(errs...)
}

// childBridge is the sink baseline's pipeline in a child process.
type childBridge struct{ c *child }

func newChildBridge(dir, propsFile, prefix, topic, url, mqttPrefix string, n int, qos byte) (*childBridge, error) {
	c, err := startReadyChild(dir, prefix+"-bridge", roleBridge, "--props", propsFile, "--topic", topic, "--url", url,
		"--prefix", prefix, "--mqtt-prefix", mqttPrefix, "--n", strconv.Itoa(n), "--qos", strconv.Itoa(int(qos)))
	if err != nil {
		return nil, err
	}
	return &childBridge{c: c}, nil
}

func (b *childBridge) pid() int { return b.c.pid() }

func (b *childBridge) close() { b.c.stop(30 * time.Second) }

// runBaselineBridge is the roleBridge process: n members of a new consumer group, each with a paho client of
// its own, configured from the worker properties as a sink task's consumer. A member publishes each record's
// value to <mqtt-prefix>/<key> and marks the record's offset once the broker acknowledged it, in order, with
// at most bridgeInflight publishes unconfirmed; the group commits marked offsets every second (sarama's
// auto-commit), as Connect commits a sink's offsets on a timer. It prints "ready" once every member has
// connected to the broker and runs until stdin closes.
func runBaselineBridge(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet(roleBridge, flag.ContinueOnError)
	propsFile := fs.String("props", "", "worker properties")
	topic := fs.String("topic", "", "Kafka topic")
	url := fs.String("url", "", "MQTT broker")
	prefix := fs.String("prefix", "", "client id and group prefix")
	mqttPrefix := fs.String("mqtt-prefix", "", "MQTT topic prefix")
	n := fs.Int("n", 1, "members")
	qos := fs.Int("qos", 0, "QoS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, base, err := clientConfig(*propsFile, "consumer")
	if err != nil {
		return err
	}
	cc := *base
	cc.ClientID = "connectbench-bridge"
	cc.Consumer.Offsets.Initial = sarama.OffsetOldest
	cc.Consumer.Offsets.AutoCommit.Enable = true
	cc.Consumer.Offsets.AutoCommit.Interval = time.Second
	cc.Consumer.Return.Errors = true

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var failed errOnce
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for i := range *n {
		client := paho.NewClient(clientOptions(*url, fmt.Sprintf("%s-bridge-%d", *prefix, i), func(err error) {
			failed.set(fmt.Errorf("bridge %d lost its MQTT connection: %w", i, err))
			cancel()
		}))
		if err := connect(client); err != nil {
			return fmt.Errorf("bridge %d: %w", i, err)
		}
		defer client.Disconnect(250)
		group, err := sarama.NewConsumerGroup(cfg.BootstrapServers, *prefix+"-bridge", &cc)
		if err != nil {
			return fmt.Errorf("bridge %d: %w", i, err)
		}
		h := &bridgeHandler{mqtt: client, prefix: *mqttPrefix, qos: byte(*qos)}
		wg.Go(func() {
			defer group.Close()
			for ctx.Err() == nil {
				if err := group.Consume(ctx, []string{*topic}, h); err != nil && ctx.Err() == nil {
					failed.set(fmt.Errorf("bridge %d: %w", i, err))
					cancel()
				}
			}
		})
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case err, ok := <-group.Errors():
					if !ok {
						return
					}
					failed.set(fmt.Errorf("bridge %d: %w", i, err))
					cancel()
				}
			}
		})
	}
	if _, err := io.WriteString(stdout, "ready\n"); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, stdin)
	cancel()
	wg.Wait()
	return failed.get()
}

// bridgeInflight is how many publishes a bridge member leaves unconfirmed before it waits for the oldest.
const bridgeInflight = tokenRing

// bridgeHandler is a bridge member's sarama handler.
type bridgeHandler struct {
	mqtt   paho.Client
	prefix string
	qos    byte
}

func (h *bridgeHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *bridgeHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

// ConsumeClaim publishes a partition's records in order and marks each once the broker confirmed it.
func (h *bridgeHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	type sent struct {
		tok paho.Token
		msg *sarama.ConsumerMessage
	}
	var ring []sent
	confirm := func(s sent) error {
		s.tok.Wait()
		if err := s.tok.Error(); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		sess.MarkMessage(s.msg, "")
		return nil
	}
	defer func() {
		for _, s := range ring {
			_ = confirm(s)
		}
	}()
	var topic strings.Builder
	for {
		select {
		case <-sess.Context().Done():
			return nil
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			topic.Reset()
			topic.WriteString(h.prefix)
			topic.WriteByte('/')
			topic.Write(msg.Key)
			ring = append(ring, sent{h.mqtt.Publish(topic.String(), h.qos, false, msg.Value), msg})
			if len(ring) >= bridgeInflight {
				if err := confirm(ring[0]); err != nil {
					return err
				}
				ring = ring[1:]
			}
		}
	}
}
