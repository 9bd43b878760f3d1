package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/connector/mqtt/mqttbroker"
	"github.com/connectd/connectd/worker/config"
)

// TestGoBridgeWritesTheTaskRecords runs a Go bridge of two connections on the in-process broker and Kafka
// the harness uses and reads back what it wrote: every QoS 1 message once, as the record a source task writes.
// It publishes more than the two connections' in-flight windows hold, so a bridge that does not acknowledge
// what Kafka has stalls the publishers and fails the test.
func TestGoBridgeWritesTheTaskRecords(t *testing.T) {
	const topic, n, size = "go-bridge-test", 3 * mqttbroker.DefaultWindow, 256
	mq, k, cl := bridgeTestStack(t, topic)
	cfg, _, err := config.ParseConfig(workerProps(k.brokers, "g", k.replication, 0))
	if err != nil {
		t.Fatal(err)
	}
	base, err := cfg.SaramaConfig("producer")
	if err != nil {
		t.Fatal(err)
	}
	var failed errOnce
	b, err := newGoBridge(taskProducerConfig(base), k.brokers, topic, failed.set)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	for i := range 2 {
		if err := b.subscribe(mq.url, fmt.Sprintf("gb-%d", i), subscriptionFilter("/t/#", "g", 2), 1); err != nil {
			t.Fatal(err)
		}
	}
	topics := []string{"/t/a", "/t/b"}
	pubs, err := newPublishers(mq.url, "gb-pub", topics, 1, size)
	if err != nil {
		t.Fatal(err)
	}
	defer pubs.close()
	for seq := uint64(1); seq <= n; seq++ {
		i := int(seq % 2)
		tok := pubs.clients[i].Publish(topics[i], 1, false, appendPayload(nil, size, seq, time.Now().UnixNano()))
		if !tok.WaitTimeout(10 * time.Second) {
			t.Fatalf("publish %d not acknowledged after 10s: the broker holds it while the bridge's windows are full", seq)
		}
		if err := tok.Error(); err != nil {
			t.Fatalf("publish %d: %v", seq, err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[uint64]bool{}
	for len(seen) < n && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			seq, _, ok := decodePayload(r.Value)
			if !ok || len(r.Value) != size {
				t.Fatalf("record value %q is not a payload of %d bytes", r.Value, size)
			}
			if seen[seq] {
				t.Errorf("message %d written twice", seq)
			}
			seen[seq] = true
			want := topics[seq%2]
			if string(r.Key) != want {
				t.Errorf("message %d: key %q, want the MQTT topic %q", seq, r.Key, want)
			}
			headers := map[string]string{}
			for _, h := range r.Headers {
				headers[h.Key] = string(h.Value)
			}
			if len(headers) != 2 || headers[mqtt.KafkaHeaderTopic] != want || headers[mqtt.KafkaHeaderQoS] != "1" {
				t.Errorf("message %d: headers %v", seq, headers)
			}
		})
	}
	if len(seen) != n {
		t.Fatalf("%d of %d messages in Kafka after 30s", len(seen), n)
	}
	if err := failed.get(); err != nil {
		t.Fatal(err)
	}
}

// bridgeTestStack starts the in-process broker and Kafka the harness uses, creates topic on it and returns a
// consumer of the topic from its start; the test's cleanup stops them all.
func bridgeTestStack(t *testing.T, topic string) (*mqttSide, *kafkaSide, *kgo.Client) {
	t.Helper()
	mq, err := startInProcess()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mq.close)
	k, err := startKafka("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.close)
	if err := k.createTopic(topic, dataPartitions); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return mq, k, cl
}
