// Package mqtttest runs an in-process MQTT broker (github.com/mochi-mqtt/server/v2) on 127.0.0.1 for tests of
// the MQTT connector: plain or TLS, open or with one user, with helpers to publish and to inspect what the
// broker still holds for a client. Import it from tests only.
package mqtttest

import (
	"crypto/tls"
	"log/slog"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Option configures a Broker.
type Option func(*options)

type options struct {
	user, password string
	tls            *tls.Config
	logger         *slog.Logger
}

// WithUser makes the broker accept only this username and password.
func WithUser(user, password string) Option {
	return func(o *options) { o.user, o.password = user, password }
}

// WithTLS makes the broker listen with TLS (URL then starts with ssl://).
func WithTLS(cfg *tls.Config) Option { return func(o *options) { o.tls = cfg } }

// WithLogger sends the broker's logs to l (they are discarded by default).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Broker is a running in-process MQTT broker.
type Broker struct {
	// Server is the mochi server, for what the helpers do not cover.
	Server *mochi.Server
	url    string
	guard  *takeoverGuard
}

// NewBroker starts a broker on a free port of 127.0.0.1; t.Cleanup stops it. Its limits are raised so it never
// drops QoS 1 and 2 messages in tests: mochi otherwise drops messages beyond 8192 in flight per client, or when
// a client's write queue is full.
func NewBroker(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	return NewBrokerAt(t, "127.0.0.1:0", opts...)
}

// NewBrokerAt is NewBroker listening on addr.
func NewBrokerAt(t testing.TB, addr string, opts ...Option) *Broker {
	t.Helper()
	o := options{logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumInflight = math.MaxUint16
	caps.MaximumClientWritesPending = 1 << 16
	s := mochi.New(&mochi.Options{InlineClient: true, Capabilities: caps, Logger: o.logger})
	guard := &takeoverGuard{release: map[*mochi.Client]func(){}}
	if err := s.AddHook(guard, nil); err != nil {
		t.Fatalf("mqtt broker hook: %v", err)
	}
	var err error
	if o.user != "" {
		err = s.AddHook(new(auth.Hook), &auth.Options{Ledger: &auth.Ledger{
			Auth: auth.AuthRules{{Username: auth.RString(o.user), Password: auth.RString(o.password), Allow: true}},
			ACL:  auth.ACLRules{{Filters: auth.Filters{"#": auth.ReadWrite}}},
		}})
	} else {
		err = s.AddHook(new(auth.AllowHook), nil)
	}
	if err != nil {
		t.Fatalf("mqtt broker hook: %v", err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr, TLSConfig: o.tls})
	if err := s.AddListener(l); err != nil {
		t.Fatalf("mqtt broker listener: %v", err)
	}
	if err := s.Serve(); err != nil {
		t.Fatalf("mqtt broker serve: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	scheme := "tcp://"
	if o.tls != nil {
		scheme = "ssl://"
	}
	return &Broker{Server: s, url: scheme + l.Address(), guard: guard}
}

// URL is the broker's URL, e.g. tcp://127.0.0.1:41883.
func (b *Broker) URL() string { return b.url }

// Publish publishes a message as the broker's inline client; subscribers get it at min(qos, their QoS).
func (b *Broker) Publish(t testing.TB, topic string, payload []byte, qos byte) {
	t.Helper()
	b.guard.mu.RLock()
	defer b.guard.mu.RUnlock()
	if err := b.Server.Publish(topic, payload, false, qos); err != nil {
		t.Fatalf("publish to %s: %v", topic, err)
	}
}

// Inflight is the number of QoS 1 and 2 messages the broker holds for a client, sent or queued but not yet
// acknowledged by it; -1 when the broker has no session for the client.
func (b *Broker) Inflight(clientID string) int {
	cl, ok := b.Server.Clients.Get(clientID)
	if !ok {
		return -1
	}
	return cl.State.Inflight.Len()
}

// Connected reports whether the client has a live connection.
func (b *Broker) Connected(clientID string) bool {
	cl, ok := b.Server.Clients.Get(clientID)
	return ok && !cl.Closed()
}

// Kick closes the client's connection from the broker's side, keeping its session.
func (b *Broker) Kick(t testing.TB, clientID string) {
	t.Helper()
	cl, ok := b.Server.Clients.Get(clientID)
	if !ok {
		t.Fatalf("kick %s: no such client", clientID)
	}
	cl.Stop(nil)
}

// Subscriptions lists the topic filters the broker holds for a client (with a persistent session they
// outlive the connection).
func (b *Broker) Subscriptions(clientID string) []string {
	cl, ok := b.Server.Clients.Get(clientID)
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(cl.State.Subscriptions.GetAll()))
}

// Ready reports whether the client is connected and subscribed to something.
func (b *Broker) Ready(clientID string) bool {
	return b.Connected(clientID) && len(b.Subscriptions(clientID)) > 0
}

// takeoverGuard keeps Publish out of mochi's session takeover. mochi (v2.7.9) copies the old session's
// in-flight messages to the new client before it registers the new client, and then clears the old session:
// a message published in between is stored in the old session and lost. Real brokers do not lose it, so the
// test broker must not either: a session being established holds the lock Publish reads, until it is
// established (or two seconds passed, when establishing failed half-way).
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
	g.relMu.Lock()
	g.release[cl] = unlock
	g.relMu.Unlock()
	time.AfterFunc(2*time.Second, unlock)
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
