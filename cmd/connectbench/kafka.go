package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/worker/kafkalog"
	"github.com/connectd/connectd/worker/localkafka"
)

// kafkaSide is the run's Kafka: the in-process kfake cluster `connectd dev` runs (worker/localkafka, three
// brokers on loopback), or a real cluster.
type kafkaSide struct {
	brokers     []string
	kind        string
	replication int16
	cluster     *kfake.Cluster // nil for a real cluster
	nodes       []int32        // the brokers' ids, ascending
	admin       sarama.ClusterAdmin
}

// startKafka starts kfake when addrs is empty, else connects to the cluster at addrs (host:port,...).
func startKafka(addrs string) (*kafkaSide, error) {
	k := &kafkaSide{}
	if addrs == "" {
		c, err := localkafka.New(kfake.NumBrokers(3), kfake.AllowAutoTopicCreation())
		if err != nil {
			return nil, err
		}
		k.cluster, k.brokers, k.kind = c, c.ListenAddrs(), "kfake in-process as `connectd dev` runs it (worker/localkafka), 3 brokers"
	} else {
		k.brokers, k.kind = strings.Split(addrs, ","), "external: "+addrs
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "connectbench-admin"
	admin, err := sarama.NewClusterAdmin(k.brokers, cfg)
	if err != nil {
		k.close()
		return nil, fmt.Errorf("kafka admin on %s: %w", strings.Join(k.brokers, ","), err)
	}
	k.admin = admin
	brokers, _, err := admin.DescribeCluster()
	if err != nil {
		k.close()
		return nil, fmt.Errorf("describe kafka cluster: %w", err)
	}
	k.replication = int16(min(3, len(brokers)))
	for _, b := range brokers {
		k.nodes = append(k.nodes, b.ID())
	}
	slices.Sort(k.nodes)
	if k.cluster == nil {
		k.kind += fmt.Sprintf(" (%d brokers)", len(brokers))
	}
	return k, nil
}

func (k *kafkaSide) close() {
	if k.admin != nil {
		k.admin.Close()
	}
	if k.cluster != nil {
		k.cluster.Close()
	}
}

// slowProduce makes the in-process Kafka answer every produce request d late, until restore is called: the
// request waits on a timer of its own (kfake's SleepControl) while the cluster serves every other request, so
// Kafka is slow, not stalled. A client's requests to one broker are still answered in order.
func (k *kafkaSide) slowProduce(d time.Duration) (restore func(), err error) {
	c := k.cluster
	if c == nil {
		return nil, errors.New("a slow Kafka needs the in-process Kafka")
	}
	var restored atomic.Bool
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if restored.Load() {
			c.DropControl()
			return nil, nil, false
		}
		// Not handled: kfake answers the request itself once the sleep is over, and keeps the function.
		c.SleepControl(func() {
			t := time.NewTimer(d)
			defer t.Stop()
			<-t.C
		})
		return nil, nil, false
	})
	return func() { restored.Store(true) }, nil
}

// createTopic creates a data topic; the bench's topics are new for every run, so a consumer from the start
// sees only that run's records. On the in-process Kafka it then spreads the partitions' leaders over the
// brokers (see spreadLeaders).
func (k *kafkaSide) createTopic(name string, partitions int32) error {
	err := k.admin.CreateTopic(name, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: k.replication}, false)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	if k.cluster == nil {
		return nil
	}
	if err := spreadLeaders(k.cluster, k.nodes, name, partitions); err != nil {
		return errors.Join(err, k.deleteTopic(name))
	}
	return nil
}

// spreadLeaders makes partition p of topic led by nodes[p mod len(nodes)], as Kafka's round-robin assignment
// spreads a new topic's leaders. kfake picks each partition's leader at random, so two or more of the bench's
// three partitions would share a leader in seven runs of nine, and how many do changes a run's rate whenever Kafka's round trip
// counts: a task's idempotent producer has one request in flight per broker, and sarama sends the partitions of
// one leader in turns, one partition per request, once their batches fall out of step (the --slow-kafka burst's
// load moved about 400 records per round trip with one leader per partition, 240 with two partitions on one
// leader, 160 with all three on one).
func spreadLeaders(c *kfake.Cluster, nodes []int32, topic string, partitions int32) error {
	for p := range partitions {
		node := nodes[int(p)%len(nodes)]
		if err := c.MoveTopicPartition(topic, p, node); err != nil {
			return fmt.Errorf("move the leader of %s[%d] to broker %d: %w", topic, p, node, err)
		}
	}
	return nil
}

// deleteTopic drops a run's topic: kfake keeps every record in memory, and a real cluster should not keep
// the bench's data.
func (k *kafkaSide) deleteTopic(name string) error {
	if err := k.admin.DeleteTopic(name); err != nil && !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	return nil
}

// kafkaSink reads a topic from its start and feeds every record's value to a recorder, stamping each fetch
// with the time it was handed to the application.
type kafkaSink struct {
	cl  *kgo.Client
	rec *recorder
}

func newKafkaSink(brokers []string, topic string, rec *recorder) (*kafkaSink, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID("connectbench-sink"),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// A fetch returns as soon as one byte is there; the wait only bounds idle fetches.
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka consumer: %w", err)
	}
	return &kafkaSink{cl: cl, rec: rec}, nil
}

// Run consumes until ctx ends.
func (s *kafkaSink) Run(ctx context.Context) error {
	defer s.cl.Close()
	var values [][]byte
	for {
		fetches := s.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		values = values[:0]
		fetches.EachRecord(func(r *kgo.Record) { values = append(values, r.Value) })
		if len(values) > 0 {
			s.rec.observe(now, values...)
		}
		var ferr error
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && ferr == nil {
				ferr = fmt.Errorf("consume %s[%d]: %w", topic, p, err)
			}
		})
		if ferr != nil {
			return ferr
		}
	}
}

// taskProducerConfig is the producer a connectd source task builds (worker.newTaskProducer): the worker's
// "producer" client settings, then acks=all, idempotence, one request in flight, the Java partitioner.
// newTaskProducer is unexported, so its overrides are repeated here; keep them in step.
func taskProducerConfig(base *sarama.Config) *sarama.Config {
	cfg := *base
	cfg.ClientID = "connectbench-producer"
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.Retry.Max = 600
	cfg.Producer.Partitioner = kafkalog.NewMurmur2Partitioner
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	return &cfg
}

// producers are the Kafka baseline's load (in its own process, runBaselineKafka): sarama async producers
// configured as connectd's task producers, writing the records connectd would write (same topic, keys,
// headers and value size), with no MQTT.
type producers struct {
	cfg   *sarama.Config
	addrs []string
	topic string
	keys  []string // the MQTT topics the publishers would use; connectd keys records by them
	qos   byte
	size  int
	ps    []sarama.AsyncProducer

	errMu sync.Mutex
	err   error
	wg    sync.WaitGroup
}

func newProducers(cfg *sarama.Config, addrs []string, n int, topic string, keys []string, qos byte, size int) (*producers, error) {
	p := &producers{cfg: cfg, addrs: addrs, topic: topic, keys: keys, qos: qos, size: size}
	for range n {
		ap, err := sarama.NewAsyncProducer(addrs, cfg)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("sarama producer: %w", err)
		}
		p.ps = append(p.ps, ap)
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			for range ap.Successes() {
			}
		}()
		go func() {
			defer p.wg.Done()
			for perr := range ap.Errors() {
				p.fail(perr)
			}
		}()
	}
	return p, nil
}

func (p *producers) fail(err error) {
	p.errMu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.errMu.Unlock()
}

func (p *producers) failure() error {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	return p.err
}

func (p *producers) message(key string, seq uint64) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{
		Topic:   p.topic,
		Key:     sarama.StringEncoder(key),
		Value:   sarama.ByteEncoder(appendPayload(make([]byte, 0, p.size), p.size, seq, time.Now().UnixNano())),
		Headers: sourceHeaders(key, p.qos),
	}
}

// sendProbe sends one readiness probe.
func (p *producers) sendProbe(ctx context.Context) error {
	select {
	case p.ps[0].Input() <- p.message(p.keys[0], 0):
		return p.failure()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run produces until ctx ends or the window closes and returns how many messages it handed to the
// producers; rate is messages per second over all producers, 0 for as fast as the window allows.
func (p *producers) run(ctx context.Context, win *window, rate float64) (int64, error) {
	return fanOut(len(p.ps), func(i int) (int64, error) {
		ap := p.ps[i]
		return pace(ctx, win, rate/float64(len(p.ps)), func(n uint64) (bool, error) {
			seq := n*uint64(len(p.ps)) + uint64(i) + 1
			msg := p.message(p.keys[int(seq)%len(p.keys)], seq)
			select {
			case ap.Input() <- msg:
				return true, p.failure()
			case <-ctx.Done():
				return false, nil
			}
		})
	})
}

func (p *producers) close() {
	for _, ap := range p.ps {
		ap.AsyncClose()
	}
	p.wg.Wait()
}
