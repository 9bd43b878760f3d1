//go:build integration

package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// The broker-default scenarios run connectd on Mosquitto as users run it, with its default configuration, and
// set like EMQX's defaults: a session gets 20 (EMQX 32) messages in flight and 1,000 queued, and the broker
// drops what overflows the queue. A subscriber that falls behind by more than that loses messages before they
// reach it, so the rate that can be sustained without loss is a property of the broker and the machine as much
// as of the subscriber. Each scenario therefore measures it first with a bare subscriber on the same broker,
// then holds connectd to it.
const (
	// probeDuration is how long one probe of the search publishes at its rate.
	probeDuration = 5 * time.Second
	// probeStart and probeMax bound the rates probed; rates double from probeStart until a probe fails.
	probeStart, probeMax = 2_000, 64_000
	// probeBisections narrow the rate down between the last probe that passed and the first that failed.
	probeBisections = 2
	// sustainDuration is how long the bare subscriber, then connectd, run at the rate found.
	sustainDuration = 60 * time.Second
	// sustainAttempts bounds the rates tried for sustainDuration, each 3/4 of the one before.
	sustainAttempts = 3
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
		bareRatesMu.Lock()
		r, ok := bareRates[broker]
		if !ok {
			r.rate, r.notes = bareRate(t, broker, name)
			bareRates[broker] = r
		}
		bareRatesMu.Unlock()
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
}

// passed reports whether the subscriber lost nothing at (nearly) the rate asked for. A publisher that falls
// short has not tested the rate: on a busy machine the harness, not the broker, may be the limit.
func (p probe) passed() bool { return p.lost == 0 && p.published >= 0.9*float64(p.rate) }

func (p probe) String() string {
	switch {
	case p.lost > 0:
		return fmt.Sprintf("%d: %d lost", p.rate, p.lost)
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
	run := func(rate int, d time.Duration) bool {
		p, err := probeBare(ctx, broker, fmt.Sprintf("%s-%d-%s", name, rate, d), rate, d)
		if err != nil {
			t.Fatalf("probe at %d msg/s: %v", rate, err)
		}
		t.Logf("bare subscriber probe %s (published %.0f msg/s for %v)", p, p.published, d)
		tried = append(tried, p.String())
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
			return ok, fmt.Sprintf("bare subscriber: probes of %v %s; %v at %s → %d msg/s", probeDuration, search,
				sustainDuration, strings.Join(tried, ", then "), ok)
		}
		ok = ok * 3 / 4 / 100 * 100
	}
	t.Fatalf("a bare subscriber on %s sustained no rate for %v: probes of %v %s; then %s", broker,
		sustainDuration, probeDuration, search, strings.Join(tried, ", "))
	return 0, ""
}

// probeBare publishes rate messages per second for d to a bare paho subscriber on broker (one
// session, QoS 1, acknowledging each message as soon as its handler has counted it) and counts the messages
// Mosquitto acknowledged to the publisher that never reached the subscriber.
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
	tok := sub.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
		now := time.Now()
		for _, seq := range seqsOf(m.Payload()) {
			tr.arrive(seq, now)
		}
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
	return p, nil
}
