package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector/mqtt"
)

// The Go bridge is the framework baseline of the source cases: the simplest MQTT → Kafka pipeline in Go with
// no framework around it — paho subscribers handing every message to a sarama async producer — with the same
// settings and the same promise as a connectd source task, so that connectd's rate against it is what the
// framework (REST, group membership, converters, the task's pipeline and offsets) costs, not the libraries.
//
// Per task, as the task does: mqtt.connections.per.task paho connections on the shared subscription
// "$share/<group>/<filter>" (the plain filter when there is only one connection in all), handlers on paho's
// router in arrival order (SetOrderMatters), manual acks (SetAutoAckDisabled); one sarama async producer
// configured as the task producer (taskProducerConfig: acks=all, idempotent, one request in flight, the Java
// partitioner) writing the record connectd writes: key = the MQTT topic, value = the payload's bytes, the
// headers CamelHeader.CamelMqttTopic and CamelHeader.CamelMqttQoS. A QoS 1 message is acknowledged to the
// broker once Kafka acknowledged its record, in the order Kafka confirms them (per partition; the task keeps
// each connection's arrival order, which costs it a little bookkeeping the bridge does not have).

// roleGoBridge is the Go bridge's process: paho subscribers → sarama producers, until stdin closes.
const roleGoBridge = "baseline-go-bridge"

// childGoBridge is the Go bridge in a child process.
type childGoBridge struct{ c *child }

// goBridgeSpec is what a Go bridge process is started with.
type goBridgeSpec struct {
	props  string // worker properties file: the producers are configured from it as a task's
	topic  string // Kafka topic
	url    string // MQTT broker
	prefix string // client id prefix
	filter string // MQTT topic filter, as the connector's
	share  string // shared subscription group, as the connector's
	tasks  int
	conns  int // MQTT connections per task
	qos    byte
}

func (s goBridgeSpec) args() []string {
	return []string{roleGoBridge, "--props", s.props, "--topic", s.topic, "--url", s.url, "--prefix", s.prefix,
		"--filter", s.filter, "--share", s.share, "--tasks", strconv.Itoa(s.tasks), "--conns", strconv.Itoa(s.conns),
		"--qos", strconv.Itoa(int(s.qos))}
}

func newChildGoBridge(dir string, s goBridgeSpec) (*childGoBridge, error) {
	c, err := startReadyChild(dir, s.prefix+"-go-bridge", s.args()...)
	if err != nil {
		return nil, err
	}
	return &childGoBridge{c: c}, nil
}

func (b *childGoBridge) pid() int { return b.c.pid() }

func (b *childGoBridge) close() { b.c.stop(30 * time.Second) }

// subscriptionFilter is the filter every connection of a source pipeline subscribes to: the shared one when
// there are several connections in all, as the connector's tasks subscribe (connector/mqtt taskFilters).
func subscriptionFilter(filter, share string, connections int) string {
	if connections > 1 {
		return "$share/" + share + "/" + filter
	}
	return filter
}

// runBaselineGoBridge is the roleGoBridge process: one bridge per task. It prints "ready" once every
// connection has subscribed, and runs until stdin closes or a bridge fails.
func runBaselineGoBridge(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet(roleGoBridge, flag.ContinueOnError)
	var s goBridgeSpec
	fs.StringVar(&s.props, "props", "", "worker properties")
	fs.StringVar(&s.topic, "topic", "", "Kafka topic")
	fs.StringVar(&s.url, "url", "", "MQTT broker")
	fs.StringVar(&s.prefix, "prefix", "", "client id prefix")
	fs.StringVar(&s.filter, "filter", "", "MQTT topic filter")
	fs.StringVar(&s.share, "share", "", "shared subscription group")
	fs.IntVar(&s.tasks, "tasks", 1, "bridges")
	fs.IntVar(&s.conns, "conns", 1, "MQTT connections per bridge")
	qos := fs.Int("qos", 0, "subscription QoS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s.qos = byte(*qos)
	if s.tasks < 1 || s.conns < 1 {
		return errors.New("--tasks and --conns must be at least 1")
	}
	cfg, base, err := clientConfig(s.props, "producer")
	if err != nil {
		return err
	}
	pcfg := taskProducerConfig(base)
	pcfg.ClientID = "connectbench-go-bridge"
	filter := subscriptionFilter(s.filter, s.share, s.tasks*s.conns)

	var failed errOnce
	stop := make(chan struct{})
	var stopOnce sync.Once
	fail := func(err error) { failed.set(err); stopOnce.Do(func() { close(stop) }) }
	var bridges []*goBridge
	defer func() {
		for _, b := range bridges {
			b.close()
		}
	}()
	for t := range s.tasks {
		b, err := newGoBridge(pcfg, cfg.BootstrapServers, s.topic, func(err error) { fail(fmt.Errorf("bridge %d: %w", t, err)) })
		if err != nil {
			return fmt.Errorf("bridge %d: %w", t, err)
		}
		bridges = append(bridges, b)
		for c := range s.conns {
			if err := b.subscribe(s.url, fmt.Sprintf("%s-go-bridge-%d-%d", s.prefix, t, c), filter, s.qos); err != nil {
				return fmt.Errorf("bridge %d connection %d: %w", t, c, err)
			}
		}
	}
	if _, err := io.WriteString(stdout, "ready\n"); err != nil {
		return err
	}
	go func() { _, _ = io.Copy(io.Discard, stdin); stopOnce.Do(func() { close(stop) }) }()
	<-stop
	return failed.get()
}

// goBridge is one task's bridge: its paho connections feed one sarama async producer.
type goBridge struct {
	producer sarama.AsyncProducer
	topic    string
	fail     func(error)
	clients  []paho.Client
	wg       sync.WaitGroup

	// A handler sends to the producer's input under mu's read lock until closed: the producer's input must
	// not be closed under a handler that paho's router is still running.
	mu     sync.RWMutex
	closed chan struct{}
}

func newGoBridge(cfg *sarama.Config, brokers []string, topic string, fail func(error)) (*goBridge, error) {
	p, err := sarama.NewAsyncProducer(brokers, cfg)
	if err != nil {
		return nil, fmt.Errorf("sarama producer: %w", err)
	}
	b := &goBridge{producer: p, topic: topic, fail: fail, closed: make(chan struct{})}
	b.wg.Go(func() {
		for m := range p.Successes() {
			// Kafka has the record: now the broker may forget the message (QoS 0 has nothing to acknowledge).
			if msg, ok := m.Metadata.(paho.Message); ok && msg.Qos() > 0 {
				msg.Ack()
			}
		}
	})
	b.wg.Go(func() {
		for perr := range p.Errors() {
			fail(perr)
		}
	})
	return b, nil
}

// subscribe opens one more connection of the bridge and subscribes it to filter.
func (b *goBridge) subscribe(url, id, filter string, qos byte) error {
	opts := clientOptions(url, id, func(err error) { b.fail(fmt.Errorf("%s lost its MQTT connection: %w", id, err)) }).
		SetOrderMatters(true).
		SetAutoAckDisabled(true)
	c := paho.NewClient(opts)
	if err := connect(c); err != nil {
		return err
	}
	b.clients = append(b.clients, c)
	t := c.Subscribe(filter, qos, b.handle)
	if !t.WaitTimeout(15 * time.Second) {
		return errors.New("subscribe timed out")
	}
	return t.Error()
}

// handle turns a message into the record connectd writes and hands it to the producer, on paho's router:
// while the producer's input is full, the connection's reads wait, and the broker holds the rest.
func (b *goBridge) handle(_ paho.Client, m paho.Message) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	select {
	case <-b.closed:
		return
	default:
	}
	topic := m.Topic()
	select {
	case b.producer.Input() <- &sarama.ProducerMessage{
		Topic:    b.topic,
		Key:      sarama.StringEncoder(topic),
		Value:    sarama.ByteEncoder(m.Payload()),
		Headers:  sourceHeaders(topic, m.Qos()),
		Metadata: m,
	}:
	case <-b.closed:
	}
}

// sourceHeaders are the headers connectd's MQTT source writes with camel.map.headers (the user's setting),
// as the SimpleHeaderConverter renders them.
func sourceHeaders(topic string, qos byte) []sarama.RecordHeader {
	return []sarama.RecordHeader{
		{Key: []byte(mqtt.KafkaHeaderTopic), Value: []byte(topic)},
		{Key: []byte(mqtt.KafkaHeaderQoS), Value: []byte(strconv.Itoa(int(qos)))},
	}
}

// close disconnects the connections, then lets the producer deliver what it holds.
func (b *goBridge) close() {
	close(b.closed)
	for _, c := range b.clients {
		c.Disconnect(250)
	}
	b.mu.Lock() // no handler is sending any more
	b.producer.AsyncClose()
	b.mu.Unlock()
	b.wg.Wait()
}
