package mqttbroker

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func newBroker(t *testing.T, cfg Config) *Broker {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func connect(t *testing.T, b *Broker, id string, manualAck bool) paho.Client {
	t.Helper()
	// No auto-reconnect: no test here wants one, and after the broker closes (TestCloseReleasesWaitingPublishes)
	// paho's reconnect goroutine would outlive Disconnect, which returns without waiting for it.
	opts := paho.NewClientOptions().AddBroker(b.URL()).SetClientID(id).SetAutoAckDisabled(manualAck).
		SetOrderMatters(false).SetAutoReconnect(false)
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// holder subscribes and keeps every message unacknowledged until ackAll.
type holder struct {
	mu   sync.Mutex
	msgs []paho.Message
}

func (h *holder) handle(_ paho.Client, m paho.Message) {
	h.mu.Lock()
	h.msgs = append(h.msgs, m)
	h.mu.Unlock()
}

func (h *holder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.msgs)
}

// ackAll acknowledges the messages held and returns how many there were.
func (h *holder) ackAll() int {
	h.mu.Lock()
	msgs := h.msgs
	h.msgs = nil
	h.mu.Unlock()
	for _, m := range msgs {
		m.Ack()
	}
	return len(msgs)
}

func subscribe(t *testing.T, c paho.Client, filter string, h *holder) {
	t.Helper()
	if tok := c.Subscribe(filter, 1, h.handle); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func (b *Broker) inflight(t *testing.T, id string) int {
	t.Helper()
	cl, ok := b.Server.Clients.Get(id)
	if !ok {
		t.Fatalf("no session %s", id)
	}
	return cl.State.Inflight.Len()
}

func publishAll(c paho.Client, topic string, n int) []paho.Token {
	toks := make([]paho.Token, n)
	for i := range toks {
		toks[i] = c.Publish(topic, 1, false, fmt.Sprint(i))
	}
	return toks
}

func done(tok paho.Token) bool {
	select {
	case <-tok.Done():
		return true
	default:
		return false
	}
}

// A subscriber that holds a full window makes the next QoS 1 publish wait, unacknowledged, instead of the
// message being dropped; once the subscriber acknowledges, every message arrives. mochi's defaults (or the
// dev stack's former MaximumInflight of 1,000) drop them with "client store quota reached".
func TestPublisherWaitsForSubscribersWindow(t *testing.T) {
	const window, total = 5, 40
	b := newBroker(t, Config{Window: window, MaxPause: time.Hour})
	h := &holder{}
	subscribe(t, connect(t, b, "sub", true), "cars/#", h)
	pub := connect(t, b, "pub", false)

	toks := publishAll(pub, "cars/1", total)
	waitFor(t, "a publish parked behind the full window", func() bool { return b.flow.parked.Load() == 1 })
	if n := b.inflight(t, "sub"); n != window {
		t.Fatalf("subscriber holds %d unacknowledged messages, want the window of %d", n, window)
	}
	for i, tok := range toks[window:] {
		if done(tok) {
			t.Fatalf("publish %d acknowledged while the window was full", window+i)
		}
	}

	received := 0
	waitFor(t, "every message delivered", func() bool {
		received += h.ackAll()
		return received >= total
	})
	for i, tok := range toks {
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d: %v", i, tok.Error())
		}
	}
	if received != total || b.Server.Info.InflightDropped != 0 || b.Server.Info.MessagesDropped != 0 {
		t.Fatalf("received %d of %d; broker dropped %d in flight, %d queued", received, total,
			b.Server.Info.InflightDropped, b.Server.Info.MessagesDropped)
	}
}

// A subscriber that never acknowledges holds a publisher back for at most MaxPause per message.
func TestMaxPauseBoundsTheWait(t *testing.T) {
	b := newBroker(t, Config{Window: 1, MaxPause: 20 * time.Millisecond})
	h := &holder{}
	subscribe(t, connect(t, b, "stuck", true), "cars/#", h)
	pub := connect(t, b, "pub", false)
	for i, tok := range publishAll(pub, "cars/1", 3) {
		if !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d not acknowledged: %v", i, tok.Error())
		}
	}
	waitFor(t, "three messages delivered beyond the window", func() bool { return h.count() == 3 })
}

// A client's own subscription does not hold its publishes: its acknowledgements arrive on the connection
// that would be waiting.
func TestOwnSubscriptionDoesNotWait(t *testing.T) {
	b := newBroker(t, Config{Window: 1, MaxPause: time.Hour})
	h := &holder{}
	c := connect(t, b, "echo", true)
	subscribe(t, c, "loop/#", h)
	for i, tok := range publishAll(c, "loop/x", 3) {
		if !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d not acknowledged: %v", i, tok.Error())
		}
	}
	waitFor(t, "own messages delivered", func() bool { return h.count() == 3 })
}

// Inline publishes (tests, --demo) do not wait for windows.
func TestInlinePublishDoesNotWait(t *testing.T) {
	b := newBroker(t, Config{Window: 1, MaxPause: time.Hour})
	h := &holder{}
	subscribe(t, connect(t, b, "stuck", true), "cars/#", h)
	for i := range 3 {
		if err := b.Publish("cars/1", []byte{byte(i)}, 1); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "inline messages delivered", func() bool { return h.count() == 3 })
}

// Close returns at once although publishes wait: here two clients hold each other's messages, so each one's
// publish waits for the other, whose connection is waiting too, and no acknowledgement can come.
func TestCloseReleasesWaitingPublishes(t *testing.T) {
	b, err := New(Config{Window: 1, MaxPause: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := &holder{}, &holder{}
	a, c := connect(t, b, "a", true), connect(t, b, "b", true)
	subscribe(t, a, "to-a", ha)
	subscribe(t, c, "to-b", hb)
	publishAll(a, "to-b", 2)
	publishAll(c, "to-a", 2)
	waitFor(t, "both publishers waiting", func() bool { return b.flow.parked.Load() == 2 })
	var closed atomic.Bool
	go func() { _ = b.Close(); closed.Store(true) }()
	waitFor(t, "the broker closed and the publishes released", func() bool {
		return closed.Load() && b.flow.parked.Load() == 0
	})
}

// TestCloseWhileClientsConnect: clients connecting while the broker closes do not race its Close (mochi
// v2.7.9's own listener establishes connections where its Close could not wait for them; the race detector
// reported it when a sink reconnected to a broker a test restarted).
func TestCloseWhileClientsConnect(t *testing.T) {
	for range 20 {
		b, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		addr := strings.TrimPrefix(b.URL(), "tcp://")
		done := make(chan struct{})
		var dialers sync.WaitGroup
		for range 4 {
			dialers.Add(1)
			go func() {
				defer dialers.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					if c, err := net.Dial("tcp", addr); err == nil {
						_ = c.Close()
					}
				}
			}()
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		close(done)
		dialers.Wait()
	}
}
