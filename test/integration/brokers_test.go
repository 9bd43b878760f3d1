//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// The broker-default scenarios run connectd on Mosquitto as users run it, with its default configuration, and
// set like EMQX's defaults: a session gets 20 (EMQX 32) messages in flight and 1,000 queued, and the broker
// drops what overflows the queue. A subscriber that falls behind by more than that loses messages before they
// reach it, so the rate that can be sustained without loss is a property of the broker and the machine as much
// as of the subscriber. Each scenario therefore measures it first with a bare subscriber on the same broker,
// while Kafka carries the traffic connectd's run will give it (kafkaLoad), then holds connectd to it.
const (
	// probeDuration is how long one probe of the search publishes at its rate. Probes this short pass at rates
	// the 60-s run then loses messages at, each such miss costing a minute, but 10-s probes did as well
	// (12,000 msg/s passed 10 s on Mosquitto's defaults and lost 2,270 in 60 s) at another minute of CI.
	probeDuration = 5 * time.Second
	// probeStart and probeMax bound the rates probed; rates double from probeStart until a probe fails.
	probeStart, probeMax = 2_000, 64_000
	// probeBisections narrow the rate down between the last probe that passed and the first that failed.
	probeBisections = 2
	// sustainDuration is how long the bare subscriber, then connectd, run at the rate found.
	sustainDuration = 60 * time.Second
	// sustainAttempts bounds the rates tried for sustainDuration, each 3/4 of the one before; 4 reaches
	// 0.42 of the rate the search found (a run needed 3: 12,000, 9,000, 6,700 msg/s).
	sustainAttempts = 4
	// minPublished is the share of the rate the publisher must reach while connectd runs: the publisher,
	// Kafka and connectd share the machine, so it falls a little short on a small one, but below this the
	// rate was not tested.
	minPublished = 0.8
)

// bareRates memoizes the rate found per broker, so that the scenarios with and without the spool run at the
// same rate, measured once.
var (
	bareRatesMu sync.Mutex
	bareRates   = map[string]bareResult{}
)

type bareResult struct {
	rate  int
	notes string
}

// sustained runs connectd at the rate a bare subscriber on broker sustains (bareRate) for sustainDuration,
// with the connector's default settings and config's changes (nil: none), and accounts for every message.
func sustained(name, broker string, config func(map[string]any)) func(t *testing.T) {
	return func(t *testing.T) {
		syncDisks(t)
		// Unlocked by defer: bareRate fails the test with t.Fatal, and a lock kept then hangs the next row.
		r := func() bareResult {
			bareRatesMu.Lock()
			defer bareRatesMu.Unlock()
			r, ok := bareRates[broker]
			if !ok {
				r.rate, r.notes = bareRate(t, broker, name)
				bareRates[broker] = r
			}
			return r
		}()
		syncDisks(t)
		runTraffic(t, theEnv, trafficCase{
			name:   name,
			n:      r.rate * int(sustainDuration/time.Second),
			rate:   r.rate,
			window: 1000,
			broker: broker,
			config: func(cfg map[string]any) {
				// The user's clean session, as in their file: with it a task opens the default four
				// connections (with a persistent session of one task it would open one).
				cfg["camel.kamelet.mqtt-source.clean.session.enabled"] = true
				if config != nil {
					config(cfg)
				}
			},
			notes:   r.notes,
			sustain: true,
		})
	}
}

// syncDisks writes what the machine holds in dirty pages (the Kafka brokers' logs of the scenarios before)
// to disk before a sustained run. The spool acknowledges after an fsync, and on ext4 (ordered data) an fsync
// commits the journal, which first writes the data blocks other files allocated in the same transaction: the
// rate of one scenario would depend on how much the one before left to write back (a run lost 529 messages in
// its first second that way). Kafka's own writes during the run still count: that is the machine under test.
func syncDisks(t *testing.T) {
	t.Helper()
	start := time.Now()
	syscall.Sync()
	t.Logf("sync: dirty pages written in %v", time.Since(start).Round(time.Millisecond))
}

// probe is the outcome of publishing at one rate to a bare subscriber.
type probe struct {
	rate      int     // asked for, messages per second
	published float64 // reached by the publisher, messages per second
	lost      int
	kafka     kafkaLoadStats
}

// passed reports whether the subscriber lost nothing at (nearly) the rate asked for, with Kafka keeping up. A
// publisher that falls short has not tested the rate: on a busy machine the harness, not the broker, may be
// the limit. A Kafka that falls behind has not carried the rate, which connectd's run would have to.
func (p probe) passed() bool {
	return p.lost == 0 && p.published >= 0.9*float64(p.rate) && p.kafka.behind == 0
}

func (p probe) String() string {
	switch {
	case p.lost > 0:
		return fmt.Sprintf("%d: %d lost", p.rate, p.lost)
	case p.kafka.behind > 0:
		return fmt.Sprintf("%d: Kafka %d behind", p.rate, p.kafka.behind)
	case !p.passed():
		return fmt.Sprintf("%d: publisher reached %.0f", p.rate, p.published)
	default:
		return fmt.Sprintf("%d: ok", p.rate)
	}
}

// bareRate finds the highest rate, in messages per second, that a bare subscriber on broker takes without loss
// for sustainDuration. A search with short probes (probeDuration) comes first: rates double from probeStart
// while probes pass, then probeBisections bisections between the last rate that passed and the first that
// failed. The rate found is then held for sustainDuration; should the subscriber lose messages, 3/4 of it is
// tried, up to sustainAttempts rates. It returns the rate and notes for the table listing every probe.
func bareRate(t *testing.T, broker, name string) (int, string) {
	t.Helper()
	ctx := context.Background()
	var tried []string
	var last probe
	run := func(rate int, d time.Duration) bool {
		p, err := probeBare(ctx, broker, fmt.Sprintf("%s-%d-%s", name, rate, d), rate, d)
		if err != nil {
			t.Fatalf("probe at %d msg/s: %v", rate, err)
		}
		t.Logf("bare subscriber probe %s (published %.0f msg/s for %v; %s)", p, p.published, d, p.kafka)
		tried = append(tried, p.String())
		last = p
		return p.passed()
	}
	ok, fail := 0, 0
	for rate := probeStart; rate <= probeMax; rate *= 2 {
		if !run(rate, probeDuration) {
			fail = rate
			break
		}
		ok = rate
	}
	if ok == 0 {
		t.Fatalf("a bare subscriber on %s did not take %d msg/s without loss: %s", broker, probeStart,
			strings.Join(tried, ", "))
	}
	for i := 0; fail != 0 && i < probeBisections; i++ {
		mid := (ok + fail) / 2 / 100 * 100 // the publisher paces in steps of rate/100
		if run(mid, probeDuration) {
			ok = mid
		} else {
			fail = mid
		}
	}
	search := strings.Join(tried, ", ")
	tried = nil
	for range sustainAttempts {
		if run(ok, sustainDuration) {
			return ok, fmt.Sprintf("bare subscriber, Kafka carrying its traffic: probes of %v %s; %v at %s → %d msg/s (%s)",
				probeDuration, search, sustainDuration, strings.Join(tried, ", then "), ok, last.kafka)
		}
		ok = ok * 3 / 4 / 100 * 100
	}
	t.Fatalf("a bare subscriber on %s sustained no rate for %v: probes of %v %s; then %s", broker,
		sustainDuration, probeDuration, search, strings.Join(tried, ", "))
	return 0, ""
}

// probeBare publishes rate messages per second for d to a bare paho subscriber on broker (one
// session, QoS 1, acknowledging each message as soon as its handler has counted it and handed it to a
// kafkaLoad) and counts the messages Mosquitto acknowledged to the publisher that never reached the
// subscriber.
func probeBare(ctx context.Context, broker, name string, rate int, d time.Duration) (probe, error) {
	p := probe{rate: rate}
	n := rate * int(d/time.Second)
	tr := newTracker(n)
	topic := "/mqtt/test/probe-" + name + "/v"
	sub := mqtt.NewClient(mqtt.NewClientOptions().
		AddBroker(broker).
		SetClientID("it-bare-" + name).
		SetCleanSession(true).
		SetAutoReconnect(false))
	if tok := sub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		return p, fmt.Errorf("subscriber connect: %v", tok.Error())
	}
	defer sub.Disconnect(250)
	kl, err := startKafkaLoad("it-bare-"+name, n, rate)
	if err != nil {
		return p, err
	}
	defer kl.stop()
	tok := sub.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
		now := time.Now()
		for _, seq := range seqsOf(m.Payload()) {
			tr.arrive(seq, now)
		}
		kl.forward(m.Payload())
	})
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		return p, fmt.Errorf("subscribe: %v", tok.Error())
	}
	pub, err := newPublisher(broker, "it-pub-"+name, topic, name)
	if err != nil {
		return p, err
	}
	defer pub.close()
	start := time.Now()
	pub.run(ctx, n, rate, 1000, tr)
	p.published = float64(tr.acked.Load()) / time.Since(start).Seconds()
	// What the broker still holds arrives within moments; what it dropped never does.
	last, still := -1, 0
	_ = poll(ctx, 30*time.Second, func() (bool, error) {
		tr.mu.Lock()
		n := tr.records
		tr.mu.Unlock()
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
		return tr.complete() || still >= 5, nil
	})
	_, _, p.lost, _ = tr.account()
	_ = poll(ctx, kafkaCatchUp, func() (bool, error) { return kl.behind() == 0, nil })
	behind := kl.behind()
	p.kafka = kl.stop()
	p.kafka.behind = behind
	return p, nil
}

// kafkaLoad gives Kafka, while a bare subscriber is probed, the traffic connectd's run at that rate will give
// it: every message the subscriber receives is produced as a record (acks=all, one request in flight, as a
// task's producer does) to a one-partition topic of the probe's own, and a consumer reads the topic back, as
// the scenario's does. The subscriber does not wait for any of it: forward only queues the message. On a
// machine where the three Kafka brokers share the cores with Mosquitto, the publisher and the subscriber, the
// rate a subscriber sustains while Kafka idles is not always one the machine carries once Kafka takes that
// traffic (a run without it found 18,000 msg/s on the EMQX-like broker, where even the publisher then reached
// only 14,002 beside connectd and Kafka).
type kafkaLoad struct {
	in       chan []byte
	producer sarama.AsyncProducer
	cancel   context.CancelFunc
	done     sync.WaitGroup
	stopped  sync.Once

	mu    sync.Mutex
	stats kafkaLoadStats
}

// kafkaLoadStats is what a kafkaLoad saw of Kafka. Latencies run from the producer taking a record to its
// acknowledgement, the producer's own queueing behind its one request in flight included.
type kafkaLoadStats struct {
	produced, acked, failed int
	maxLatency              time.Duration
	slow                    int           // acknowledgements later than slowAfter
	slowAfter               time.Duration // as long as a task's four sessions' queues last at the probe's rate
	firstErr                error
	// behind is what the producer had not yet had acknowledged (or failed) a few seconds after the
	// publisher's last message: Kafka did not keep up with the rate.
	behind int
}

func (s kafkaLoadStats) String() string {
	failed := fmt.Sprint(s.failed)
	if s.firstErr != nil {
		failed += fmt.Sprintf(" (first: %v)", s.firstErr)
	}
	return fmt.Sprintf("Kafka alongside: %d records produced, %d acknowledged (the latest %v after the producer "+
		"took it, %d later than the %v a task's four sessions' queues last at this rate), %s failed, %d behind at the end",
		s.produced, s.acked, s.maxLatency.Round(time.Millisecond), s.slow, s.slowAfter.Round(time.Millisecond),
		failed, s.behind)
}

// kafkaCatchUp is how long after the publisher's last message (and the subscriber's last arrival) a
// kafkaLoad may take to have everything acknowledged; still behind then, Kafka did not carry the rate.
const kafkaCatchUp = 5 * time.Second

// startKafkaLoad creates topic and starts producing to it and consuming it, for a probe of n messages at
// rate per second. The caller must call stop.
func startKafkaLoad(topic string, n, rate int) (*kafkaLoad, error) {
	if err := createTopic(topic); err != nil {
		return nil, err
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	// stop waits for what is in flight: bounded by these on a Kafka that stalls.
	cfg.Net.ReadTimeout = 10 * time.Second
	cfg.Producer.Timeout = 10 * time.Second
	producer, err := sarama.NewAsyncProducer(kafkaBrokers, cfg)
	if err != nil {
		return nil, fmt.Errorf("kafka load producer: %w", err)
	}
	// One record first, so that the latencies are Kafka's under the probe's traffic, not the new topic's
	// leader election and the producer's first metadata request. A broker may not know the new topic yet
	// (after a Kafka restart the controller takes its time): the record is sent again until 30 s passed.
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for warm := false; !warm; {
		producer.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("warm-up")}
		select {
		case <-producer.Successes():
			warm = true
		case e := <-producer.Errors():
			if !errors.Is(e.Err, sarama.ErrUnknownTopicOrPartition) && !errors.Is(e.Err, sarama.ErrLeaderNotAvailable) &&
				!errors.Is(e.Err, sarama.ErrNotLeaderForPartition) {
				producer.Close()
				return nil, fmt.Errorf("kafka load producer: %w", e.Err)
			}
		case <-deadline.C:
			producer.Close()
			return nil, errors.New("kafka load producer: no answer to its first record in 30s")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	// The queue holds the whole probe: a Kafka that falls behind shows as kafkaLoadStats.behind, not as
	// messages the subscriber could not hand over.
	kl := &kafkaLoad{in: make(chan []byte, n), producer: producer, cancel: cancel}
	kl.stats.slowAfter = time.Duration(4 * 1000 * int(time.Second) / rate)
	kl.done.Add(4)
	go func() {
		defer kl.done.Done()
		defer producer.AsyncClose()
		for {
			select {
			case b := <-kl.in:
				// Counted before the producer takes it, so that behind sees it meanwhile.
				kl.mu.Lock()
				kl.stats.produced++
				kl.mu.Unlock()
				m := &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(b), Metadata: time.Now()}
				select {
				case producer.Input() <- m:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer kl.done.Done()
		for m := range producer.Successes() {
			lat := time.Since(m.Metadata.(time.Time))
			kl.mu.Lock()
			kl.stats.acked++
			kl.stats.maxLatency = max(kl.stats.maxLatency, lat)
			if lat > kl.stats.slowAfter {
				kl.stats.slow++
			}
			kl.mu.Unlock()
		}
	}()
	go func() {
		defer kl.done.Done()
		for e := range producer.Errors() {
			kl.mu.Lock()
			kl.stats.failed++
			if kl.stats.firstErr == nil {
				kl.stats.firstErr = e.Err
			}
			kl.mu.Unlock()
		}
	}()
	go func() {
		defer kl.done.Done()
		// What the consumer reads only loads the machine (a tracker of no messages counts nothing); the
		// probe counts at the subscriber.
		_ = consume(ctx, topic, newTracker(0))
	}()
	return kl, nil
}

// forward queues b for the producer without waiting.
func (kl *kafkaLoad) forward(b []byte) {
	select {
	case kl.in <- b:
	default: // more than the probe's messages: duplicates, which the queue need not carry
	}
}

// behind returns the records forwarded that Kafka has neither acknowledged nor failed yet.
func (kl *kafkaLoad) behind() int {
	kl.mu.Lock()
	defer kl.mu.Unlock()
	return len(kl.in) + kl.stats.produced - kl.stats.acked - kl.stats.failed
}

// stop stops producing (what is in flight is still acknowledged or failed, within the producer's timeouts)
// and consuming, and returns what the load saw. It may be called more than once.
func (kl *kafkaLoad) stop() kafkaLoadStats {
	kl.stopped.Do(func() {
		kl.cancel()
		kl.done.Wait()
	})
	kl.mu.Lock()
	defer kl.mu.Unlock()
	return kl.stats
}
