//go:build integration

package integration

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSinkScenarios runs the MQTT sink against the suite's Kafka and Mosquitto and accounts for every record,
// in the scenario table.
func TestSinkScenarios(t *testing.T) {
	t.Run("sink-mosquitto-restart", func(t *testing.T) { sinkMosquittoRestart(t, theEnv) })
}

// sinkMosquittoRestart produces n sequence-numbered records at a steady rate to a Kafka topic of two partitions;
// two sink tasks publish them at QoS 1 to Mosquitto, where a persistent QoS 1 subscriber counts them. Two
// faults mid-stream: Mosquitto stops cleanly (it saves the subscriber's queue) and starts again, then the
// worker running sink task 0 is killed -9 (its task moves; what it had not committed is delivered again).
// Every record Kafka acknowledged must reach the subscriber; duplicates (messages in flight when a connection
// broke or a worker died, published again) are counted.
func sinkMosquittoRestart(t *testing.T, e *env) {
	const (
		n       = 20_000
		rate    = 2000
		faultAt = 5000
		killAt  = 10_000
		name    = "sink-mosquitto-restart"
	)
	res := result{Scenario: name, Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	topic, conn := "it-"+name+"-p2", "mqtt-"+name
	if err := createTopicWithPartitions(topic, 2); err != nil {
		t.Fatal(err)
	}
	tr := newTracker(n)

	// The counting subscriber: a persistent session, so Mosquitto queues for it (and saves the queue) while
	// it is away.
	var perTopic sync.Map // MQTT topic → *atomic.Int64
	onMessage := func(_ mqtt.Client, m mqtt.Message) {
		c, _ := perTopic.LoadOrStore(m.Topic(), new(atomic.Int64))
		c.(*atomic.Int64).Add(1)
		for _, seq := range seqsOf(m.Payload()) {
			tr.arrive(seq, time.Now())
		}
	}
	opts := mqtt.NewClientOptions().AddBroker(mqttURL).SetClientID("it-sink-counter").SetCleanSession(false).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(200 * time.Millisecond).
		SetMaxReconnectInterval(time.Second).SetOrderMatters(false)
	opts.SetOnConnectHandler(func(c mqtt.Client) { c.Subscribe("it/sink/#", 1, onMessage) })
	opts.SetDefaultPublishHandler(onMessage)
	sub := mqtt.NewClient(opts)
	if tok := sub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	defer sub.Disconnect(250)

	cfg := map[string]any{
		"connector.class": "io.connectd.mqtt.MqttSinkConnector",
		"tasks.max":       "2",
		"topics":          topic,
		"mqtt.server.uri": mqttURL,
		"mqtt.topic":      "it/sink/${partition}",
		"mqtt.qos":        "1",
		"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
	}
	e.mustREST(t, http.MethodPut, "/connectors/"+conn+"/config", cfg, 200, 201)
	e.waitStatus(t, conn, 90*time.Second, "RUNNING", running(2))

	prod, err := kgo.NewClient(kgo.SeedBrokers(kafkaBrokers...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	produced := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(produced)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for seq := 0; seq < n && ctx.Err() == nil; seq++ {
			if seq%(rate/100) == 0 {
				<-tick.C
			}
			rec := &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, `{"run":%q,"seq":%d}`, name, seq)}
			prod.Produce(ctx, rec, func(_ *kgo.Record, err error) {
				if err != nil {
					t.Errorf("produce %d: %v", seq, err)
					return
				}
				tr.mu.Lock()
				tr.published[seq] = time.Now()
				tr.mu.Unlock()
				tr.acked.Add(1)
			})
		}
		if err := prod.Flush(ctx); err != nil {
			t.Error(err)
		}
	}()

	arrived := func() int {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return tr.records
	}
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return arrived() >= faultAt, nil }); err != nil {
		t.Fatalf("records did not reach Mosquitto before the fault: %v", err)
	}
	if err := e.script("mosquitto.sh", "stop"); err != nil {
		t.Fatal(err)
	}
	if err := e.script("mosquitto.sh", "start"); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return arrived() >= killAt, nil }); err != nil {
		t.Fatalf("records did not reach Mosquitto before the kill: %v", err)
	}
	victim := e.task0Worker(t, conn)
	killed := time.Now()
	victim.stop(syscall.SIGKILL)
	defer func() {
		if err := victim.start(); err != nil {
			t.Error(err)
		}
		if err := e.waitWorkers(2 * time.Minute); err != nil {
			t.Errorf("restarted worker %s: %v", victim.name(), err)
		}
	}()
	moved := e.waitStatus(t, conn, 2*time.Minute, "task moved", func(s connectorStatus) bool {
		return running(2)(s) && s.Tasks[0].WorkerID != victim.id()
	})
	res.Notes = fmt.Sprintf("QoS 1, tasks.max=2 on a 2-partition topic; Mosquitto clean stop and start after %d "+
		"arrived (recovery from the start); kill -9 of task 0's worker after %d arrived, task %s→%s RUNNING after %s",
		faultAt, killAt, victim.id(), moved.Tasks[0].WorkerID, time.Since(killed).Round(100*time.Millisecond))
	select {
	case <-produced:
	case <-time.After(2 * time.Minute):
		t.Fatalf("producing did not finish: %d acknowledged", tr.acked.Load())
	}
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return tr.complete(), nil }); err != nil {
		t.Errorf("not every record arrived: %v", err)
	}
	waitStill(ctx, tr)
	res.Sent, res.Received, res.Lost, res.Duplicated = tr.account()
	if d, ok := tr.firstAfter(restarted); ok {
		res.Recovery = d.Round(100 * time.Millisecond).String()
	} else {
		res.Recovery = "none"
	}
	res.Notes += fmt.Sprintf("; %.0f records/s produced", float64(res.Sent)/time.Since(start).Seconds())
	for _, mt := range []string{"it/sink/0", "it/sink/1"} {
		c, ok := perTopic.Load(mt)
		if !ok || c.(*atomic.Int64).Load() == 0 {
			t.Errorf("no message on %s: both tasks must carry traffic", mt)
		}
	}
	if res.Lost != 0 {
		t.Errorf("%d of %d records lost", res.Lost, res.Sent)
	}
	if res.Sent != n {
		t.Errorf("%d of %d records acknowledged by Kafka", res.Sent, n)
	}
	e.mustREST(t, http.MethodDelete, "/connectors/"+conn, nil, 204)
}

// createTopicWithPartitions creates a topic of the given partitions with replication factor 3.
func createTopicWithPartitions(name string, partitions int32) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	adm, err := sarama.NewClusterAdmin(kafkaBrokers, cfg)
	if err != nil {
		return err
	}
	defer adm.Close()
	err = adm.CreateTopic(name, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 3}, false)
	if err != nil && !isTopicExists(err) {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}
