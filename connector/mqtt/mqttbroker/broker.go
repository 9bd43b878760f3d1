// Package mqttbroker runs the in-process MQTT broker (github.com/mochi-mqtt/server/v2) of `connectd dev` and of
// the tests, with one configuration for both, so the tests exercise the broker users run.
//
// mochi on its own drops QoS 1 and 2 messages under load: it acknowledges a publish to its publisher before it
// delivers it, and a subscriber that holds MaximumInflight unacknowledged messages, or whose write queue
// (MaximumClientWritesPending) is full, loses the next ones ("client store quota reached"). MQTT 3.1.1
// subscribers have no receive window at all, so a publisher faster than a subscriber, or a burst, fills both.
// Real brokers push back instead, and so does this one (see [Config.Window]): a QoS 1 or 2 publish to a topic
// with a connected subscriber that has a full window waits, unacknowledged, until the subscriber catches up.
// The publisher's connection is not read meanwhile, so TCP slows the publisher down, as with a broker whose
// network buffers are full.
package mqttbroker

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Defaults of Config.
const (
	// DefaultAddr is the listen address when Config.Addr is empty: a free port on loopback.
	DefaultAddr = "127.0.0.1:0"
	// DefaultWindow is the in-flight window per subscriber, as the README recommends for Mosquitto
	// (max_inflight_messages) and EMQX (max_inflight).
	DefaultWindow = 1000
	// DefaultMaxPause bounds how long one publish waits for a window, well below the keep-alive intervals
	// clients use (paho 30 s, mosquitto_pub 60 s), so a paused publisher still hears from the broker in time.
	DefaultMaxPause = 10 * time.Second
)

// Config configures a Broker. The zero value is an anonymous broker on a free loopback port.
type Config struct {
	// Addr is the TCP address to listen on (default DefaultAddr).
	Addr string
	// TLS makes the broker listen with TLS; its URL then starts with ssl://.
	TLS *tls.Config
	// User and Password, when User is set, are the only credentials accepted; otherwise access is anonymous.
	User, Password string
	// Logger receives the broker's logs (nil: discarded).
	Logger *slog.Logger
	// Window is how many QoS 1 and 2 messages a connected subscriber may hold unacknowledged before publishes
	// to its topics wait (default DefaultWindow).
	Window int
	// MaxPause is the longest one publish waits for a window (default DefaultMaxPause). After it the message
	// is delivered beyond the window, into the session's store of 65,535 messages; this keeps two clients that
	// publish to each other's topics from waiting on each other forever.
	MaxPause time.Duration
	// Hooks are further mochi hooks, added before the broker accepts connections (tests refuse clients from
	// the start with one).
	Hooks []mochi.Hook
}

// Broker is a running in-process MQTT broker.
type Broker struct {
	// Server is the mochi server, for what Broker does not cover (inspecting sessions in tests).
	Server   *mochi.Server
	url      string
	guard    *takeoverGuard
	flow     *flowControl
	listener *tcpListener

	closeOnce sync.Once
	closeErr  error
}

// New starts a broker. Close stops it.
//
// mochi's settings, and why:
//   - MaximumInflight 65,535 (mochi's default 8,192): the store of unacknowledged messages per session, the
//     whole packet id space. Connected subscribers stay near Window; the store fills only for a session that is
//     offline (a persistent session keeps its messages for a task that restarts) or stuck past MaxPause.
//   - MaximumClientWritesPending 65,536 (default 8,192): a client's queue of packets to write. mochi drops a
//     message when it is full, so it is larger than the store: a QoS 1 or 2 message is never dropped there.
//   - MaximumMessageExpiryInterval 0 (default one day): a message waiting for a subscriber is never discarded
//     for its age, unless its MQTT 5 publisher set an expiry, as with Mosquitto.
//   - ReceiveMaximum stays 1,024: mochi acknowledges a QoS 1 publish as it accepts it, so the quota of
//     unacknowledged inbound messages is never near.
func New(cfg Config) (*Broker, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.MaxPause <= 0 {
		cfg.MaxPause = DefaultMaxPause
	}
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumInflight = math.MaxUint16
	caps.MaximumClientWritesPending = math.MaxUint16 + 1
	caps.MaximumMessageExpiryInterval = 0
	s := mochi.New(&mochi.Options{InlineClient: true, Capabilities: caps, Logger: cfg.Logger})
	guard := &takeoverGuard{release: map[*mochi.Client]func(){}}
	flow := newFlowControl(s, cfg.Window, cfg.MaxPause, cfg.Logger)
	var auther mochi.Hook = new(auth.AllowHook)
	var authCfg any
	if cfg.User != "" {
		auther, authCfg = new(auth.Hook), &auth.Options{Ledger: &auth.Ledger{
			Auth: auth.AuthRules{{Username: auth.RString(cfg.User), Password: auth.RString(cfg.Password), Allow: true}},
			ACL:  auth.ACLRules{{Filters: auth.Filters{"#": auth.ReadWrite}}},
		}}
	}
	for _, h := range []struct {
		hook mochi.Hook
		cfg  any
	}{{guard, nil}, {flow, nil}, {auther, authCfg}} {
		if err := s.AddHook(h.hook, h.cfg); err != nil {
			return nil, fmt.Errorf("mqtt broker hook %s: %w", h.hook.ID(), err)
		}
	}
	for _, h := range cfg.Hooks {
		if err := s.AddHook(h, nil); err != nil {
			return nil, fmt.Errorf("mqtt broker hook %s: %w", h.ID(), err)
		}
	}
	l := newTCPListener("tcp", cfg.Addr, cfg.TLS, &s.Listeners.ClientsWg)
	if err := s.AddListener(l); err != nil {
		return nil, fmt.Errorf("mqtt broker listen on %s: %w", cfg.Addr, err)
	}
	if err := s.Serve(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	scheme := "tcp://"
	if cfg.TLS != nil {
		scheme = "ssl://"
	}
	return &Broker{Server: s, url: scheme + l.Address(), guard: guard, flow: flow, listener: l}, nil
}

// URL is the broker's URL, e.g. tcp://127.0.0.1:41883.
func (b *Broker) URL() string { return b.url }

// Publish publishes a message as the broker's inline client; subscribers get it at min(qos, their QoS). Inline
// publishes do not wait for windows: the program embedding the broker paces them itself.
func (b *Broker) Publish(topic string, payload []byte, qos byte) error {
	b.guard.mu.RLock()
	defer b.guard.mu.RUnlock()
	if err := b.Server.Publish(topic, payload, false, qos); err != nil {
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// Close disconnects every client and stops the broker. Calls after the first do nothing (a test that stops
// its broker midway leaves the cleanup's call to it).
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		// Waiting publishes are released first: mochi stops its hooks only after every connection's goroutine
		// ended, and a waiting publish holds its connection's goroutine.
		_ = b.flow.Stop()
		// No connection is accepted once mochi's Close waits for the connections (see tcpListener).
		b.listener.stop()
		b.listener.awaitServed()
		if err := b.Server.Close(); err != nil {
			b.closeErr = fmt.Errorf("close mqtt broker: %w", err)
		}
	})
	return b.closeErr
}

// takeoverGuard keeps Publish out of mochi's session takeover. mochi (v2.7.9) copies the old session's
// in-flight messages to the new client before it registers the new client, and then clears the old session:
// a message published in between is stored in the old session and lost. Real brokers do not lose it, so this
// one must not either: a session being established holds the lock Publish reads, until it is established (or
// two seconds passed, when establishing failed half-way).
type takeoverGuard struct {
	mochi.HookBase
	mu      sync.RWMutex
	relMu   sync.Mutex
	release map[*mochi.Client]func()
}

func (g *takeoverGuard) ID() string { return "connectd-takeover-guard" }

func (g *takeoverGuard) Provides(b byte) bool {
	return b == mochi.OnSessionEstablish || b == mochi.OnSessionEstablished
}

func (g *takeoverGuard) OnSessionEstablish(cl *mochi.Client, _ packets.Packet) {
	g.mu.Lock()
	var once sync.Once
	unlock := func() { once.Do(g.mu.Unlock) }
	timer := time.AfterFunc(2*time.Second, unlock)
	g.relMu.Lock()
	g.release[cl] = func() {
		timer.Stop()
		unlock()
	}
	g.relMu.Unlock()
}

func (g *takeoverGuard) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	g.relMu.Lock()
	unlock := g.release[cl]
	delete(g.release, cl)
	g.relMu.Unlock()
	if unlock != nil {
		unlock()
	}
}
