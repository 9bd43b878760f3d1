package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// syncBuffer is an io.Writer the test reads while runDev writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// devStack is `connectd dev` run in-process by runDev, on free ports.
type devStack struct {
	kafka   []string
	mqttURL string
	rest    string // first worker's URL, without a trailing slash; "" with --workers 0
	stop    context.CancelFunc
	exited  chan error
}

// startDev runs runDev with args (after the free-port flags) until the test ends, and waits for its banner.
func startDev(t *testing.T, args ...string) *devStack {
	t.Helper()
	stderr := io.Discard // an io.Writer, which t.Output() replaces
	if os.Getenv("CONNECTD_TEST_LOG") != "" {
		stderr = t.Output()
	}
	stdout := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	d := &devStack{stop: cancel, exited: make(chan error, 1)}
	args = append([]string{"--kafka-port", "0", "--mqtt-port", "0", "--rest-port", "0"}, args...)
	go func() { d.exited <- runDev(ctx, args, nil, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-d.exited:
		case <-time.After(60 * time.Second):
			t.Error("connectd dev did not stop")
		}
	})
	waitFor(t, 120*time.Second, "the dev stack's banner", func() bool {
		select {
		case err := <-d.exited:
			d.exited <- err // for the cleanup
			t.Fatalf("connectd dev returned %v before it was stopped", err)
		default:
		}
		return strings.Contains(stdout.String(), "Ctrl-C stops everything")
	})
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "kafka (in-process, 3 brokers)":
			d.kafka = strings.Split(val, ",")
		case "mqtt broker (in-process)":
			d.mqttURL = val
		case "workers (vehicle-connect-group)":
			if strings.HasPrefix(val, "http") {
				d.rest = strings.TrimSuffix(strings.Fields(val)[0], "/")
			}
		}
	}
	if len(d.kafka) != 3 || !strings.HasPrefix(d.mqttURL, "tcp://127.0.0.1:") {
		t.Fatalf("banner without kafka or mqtt addresses:\n%s", stdout.String())
	}
	return d
}

func newPaho(t *testing.T, url, id string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt connect %s: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func newSaramaClient(t *testing.T, brokers []string) sarama.Client {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	client, err := sarama.NewClient(brokers, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// TestDevWorkersZeroServesUntilStopped: `connectd dev --workers 0` is only Kafka and MQTT, and keeps serving
// them until it is stopped (it used to return as soon as it was up), then stops cleanly.
func TestDevWorkersZeroServesUntilStopped(t *testing.T) {
	d := startDev(t, "--workers", "0")

	client := newSaramaClient(t, d.kafka)
	parts, err := client.Partitions("vehicle-data")
	if err != nil || len(parts) != devTopicPartitions {
		t.Fatalf("vehicle-data partitions %v: %v", parts, err)
	}
	pub := newPaho(t, d.mqttURL, "workers-zero")
	if tok := pub.Publish("/mqtt/test/car1", 1, false, `{"speed":42}`); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt publish: %v", tok.Error())
	}
	select {
	case err := <-d.exited:
		t.Fatalf("connectd dev --workers 0 returned %v before it was stopped", err)
	default:
	}

	d.stop()
	select {
	case err := <-d.exited:
		d.exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("connectd dev stopped with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("connectd dev did not stop")
	}
}

// TestDevBurstQoS1LosesNothing publishes an open-loop burst of QoS 1 messages (four paho publishers, no
// window: they wait for their acknowledgements only at the end) through the dev stack as `connectd dev`
// builds it, with the user's connector file, and checks every message reaches vehicle-data. The dev broker
// used to drop what was beyond 1,000 unacknowledged messages per subscriber.
func TestDevBurstQoS1LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the dev stack with a worker")
	}
	const publishers, perPublisher = 4, 5000
	d := startDev(t, "--workers", "1")

	fixture, err := os.ReadFile("../../testdata/mqtt-connector.json")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(fixture), "tcp://localhost:1883", d.mqttURL, 1)
	resp, err := http.Post(d.rest+"/connectors", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST connector: %d", resp.StatusCode)
	}

	client := newSaramaClient(t, d.kafka)
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { consumer.Close() })
	var mu sync.Mutex
	counts := map[string]int{} // "publisher/seq" → copies in vehicle-data
	probes := 0
	for p := range int32(devTopicPartitions) {
		pc, err := consumer.ConsumePartition("vehicle-data", p, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		go func() {
			for m := range pc.Messages() {
				var v struct {
					Pub int `json:"pub"`
					Seq int `json:"seq"`
				}
				mu.Lock()
				if strings.HasPrefix(string(m.Key), "/mqtt/test/probe") {
					probes++
				} else if json.Unmarshal(m.Value, &v) == nil {
					counts[fmt.Sprintf("%d/%d", v.Pub, v.Seq)]++
				}
				mu.Unlock()
			}
		}()
	}

	// The task is subscribed once a probe comes through.
	probe := newPaho(t, d.mqttURL, "burst-probe")
	waitFor(t, 90*time.Second, "a probe message in vehicle-data", func() bool {
		probe.Publish("/mqtt/test/probe", 1, false, `{"probe":true}`).WaitTimeout(5 * time.Second)
		mu.Lock()
		defer mu.Unlock()
		return probes > 0
	})

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		pub := newPaho(t, d.mqttURL, fmt.Sprintf("burst-%d", p))
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks := make([]paho.Token, perPublisher)
			for i := range toks {
				toks[i] = pub.Publish(fmt.Sprintf("/mqtt/test/burst/%d", p), 1, false, fmt.Sprintf(`{"pub":%d,"seq":%d}`, p, i))
			}
			for i, tok := range toks {
				if !tok.WaitTimeout(120*time.Second) || tok.Error() != nil {
					errs <- fmt.Errorf("publisher %d message %d not acknowledged: %v", p, i, tok.Error())
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	published := time.Since(start)

	const total = publishers * perPublisher
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(counts)
	}
	deadline := time.Now().Add(120 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for distinct() < total && time.Now().Before(deadline) {
		<-tick.C
	}
	mu.Lock()
	defer mu.Unlock()
	lost, dups := 0, 0
	for p := range publishers {
		for i := range perPublisher {
			switch n := counts[fmt.Sprintf("%d/%d", p, i)]; {
			case n == 0:
				lost++
			case n > 1:
				dups += n - 1
			}
		}
	}
	t.Logf("%d QoS 1 messages published in %s, all in vehicle-data after %s: %d lost, %d duplicated",
		total, published.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), lost, dups)
	if lost > 0 {
		t.Fatalf("%d of %d QoS 1 messages lost (%d duplicated)", lost, total, dups)
	}
}
