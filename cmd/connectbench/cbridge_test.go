package main

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connector/mqtt"
)

// TestCBridgeWritesKeyedRecords runs one mosquitto_sub | kcat pipeline, where the machine has them, on the
// in-process broker and Kafka the harness uses, and reads back what it wrote.
func TestCBridgeWritesKeyedRecords(t *testing.T) {
	tools, err := findCBridgeTools()
	if err != nil {
		t.Skip("C bridge:", err)
	}
	const topic, n, size = "c-bridge-test", 200, 256
	mq, k, cl := bridgeTestStack(t, topic)
	host, port, err := brokerHostPort(mq.url)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := startCBridge(tools, t.TempDir(), "c-bridge", []cPipeline{{clientID: "cb-0",
		filter: subscriptionFilter("/t/#", "g", 1), qos: 1, host: host, port: port, brokers: k.brokers, topic: topic}})
	if err != nil {
		t.Fatal(err)
	}
	defer cb.close()
	topics := []string{"/t/a", "/t/b"}
	pubs, err := newPublishers(mq.url, "cb-pub", topics, 1, size)
	if err != nil {
		t.Fatal(err)
	}
	defer pubs.close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// consume reads records until done says so; between polls it publishes a probe (seq 0), which is how the
	// harness finds the pipeline subscribed and pushes kcat's last line through.
	seen := map[uint64]bool{}
	probed := false
	consume := func(done func() bool) {
		for !done() && ctx.Err() == nil {
			if err := cb.exited(); err != nil {
				t.Fatal(err)
			}
			pubs.clients[0].Publish(topics[0], 1, false, appendPayload(nil, size, 0, time.Now().UnixNano()))
			pctx, pcancel := context.WithTimeout(ctx, 100*time.Millisecond)
			cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) {
				seq, _, ok := decodePayload(r.Value)
				if !ok || len(r.Value) != size {
					t.Fatalf("record value %q is not a payload of %d bytes", r.Value, size)
				}
				want := topics[seq%2]
				if seq == 0 {
					probed, want = true, topics[0]
				} else if seen[seq] {
					t.Errorf("message %d written twice", seq)
				}
				seen[seq] = true
				if string(r.Key) != want {
					t.Errorf("message %d: key %q, want the MQTT topic %q", seq, r.Key, want)
				}
				if len(r.Headers) != 1 || r.Headers[0].Key != mqtt.KafkaHeaderQoS || string(r.Headers[0].Value) != "1" {
					t.Errorf("message %d: headers %v", seq, r.Headers)
				}
			})
			pcancel()
		}
	}
	consume(func() bool { return probed })
	if !probed {
		t.Fatal("no probe crossed the pipeline in 60s")
	}
	for seq := uint64(1); seq <= n; seq++ {
		i := int(seq % 2)
		if tok := pubs.clients[i].Publish(topics[i], 1, false, appendPayload(nil, size, seq, time.Now().UnixNano())); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d: %v", seq, tok.Error())
		}
	}
	consume(func() bool { return len(seen) == n+1 })
	if len(seen) != n+1 {
		t.Fatalf("%d of %d messages in Kafka after 60s", len(seen)-1, n)
	}
}
