// Package mqtttest runs the in-process MQTT broker of `connectd dev` ([mqttbroker]) on 127.0.0.1 for tests of
// the MQTT connector: plain or TLS, open or with one user, with helpers to publish and to inspect what the
// broker still holds for a client. Import it from tests only.
package mqtttest

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/connectd/connectd/connector/mqtt/mqttbroker"
)

// Option configures a Broker.
type Option func(*mqttbroker.Config)

// WithUser makes the broker accept only this username and password.
func WithUser(user, password string) Option {
	return func(c *mqttbroker.Config) { c.User, c.Password = user, password }
}

// WithTLS makes the broker listen with TLS (URL then starts with ssl://).
func WithTLS(cfg *tls.Config) Option { return func(c *mqttbroker.Config) { c.TLS = cfg } }

// WithFlow sets the broker's flow control (see mqttbroker.Config): how many QoS 1 and 2 messages a subscriber
// may hold unacknowledged before publishes from clients to its topics wait, and the longest such wait.
// Mosquitto's default window is 20, EMQX's 32.
func WithFlow(window int, maxPause time.Duration) Option {
	return func(c *mqttbroker.Config) { c.Window, c.MaxPause = window, maxPause }
}

// WithRefused makes the broker refuse the clients from its start, as Refuse does, until Admit.
func WithRefused(clientIDs ...string) Option {
	return func(c *mqttbroker.Config) {
		r := &refuser{ids: map[string]bool{}}
		for _, id := range clientIDs {
			r.ids[id] = true
		}
		c.Hooks = append(c.Hooks, r)
	}
}

// WithLogger sends the broker's logs to l (they are discarded by default).
func WithLogger(l *slog.Logger) Option { return func(c *mqttbroker.Config) { c.Logger = l } }

// Broker is a running in-process MQTT broker.
type Broker struct {
	*mqttbroker.Broker
	refused *refuser
}

// NewBroker starts a broker on a free port of 127.0.0.1, configured as `connectd dev` runs it; t.Cleanup stops
// it.
func NewBroker(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	return NewBrokerAt(t, "127.0.0.1:0", opts...)
}

// NewBrokerAt is NewBroker listening on addr.
func NewBrokerAt(t testing.TB, addr string, opts ...Option) *Broker {
	t.Helper()
	cfg := mqttbroker.Config{Addr: addr}
	for _, opt := range opts {
		opt(&cfg)
	}
	var r *refuser
	for _, h := range cfg.Hooks {
		if rh, ok := h.(*refuser); ok {
			r = rh
		}
	}
	if r == nil {
		r = &refuser{ids: map[string]bool{}}
		cfg.Hooks = append(cfg.Hooks, r)
	}
	b, err := mqttbroker.New(cfg)
	if err != nil {
		t.Fatalf("mqtt broker: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return &Broker{Broker: b, refused: r}
}

// Publish publishes a message as the broker's inline client; subscribers get it at min(qos, their QoS).
func (b *Broker) Publish(t testing.TB, topic string, payload []byte, qos byte) {
	t.Helper()
	if err := b.Broker.Publish(topic, payload, qos); err != nil {
		t.Fatal(err)
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

// Refuse makes the broker close every new connection of the client before CONNACK, until Admit; the
// client's session (its subscriptions and queued messages) stays. Combined with Kick it keeps one client
// down while the others carry on.
func (b *Broker) Refuse(clientID string) {
	b.refused.mu.Lock()
	b.refused.ids[clientID] = true
	b.refused.mu.Unlock()
}

// Admit lets the client connect again after Refuse.
func (b *Broker) Admit(clientID string) {
	b.refused.mu.Lock()
	delete(b.refused.ids, clientID)
	b.refused.mu.Unlock()
}

// errRefused closes a refused client's connection.
var errRefused = errors.New("mqtttest: client refused")

// refuser is the hook behind Refuse: mochi closes a connection whose OnConnect fails, before it takes over
// the session.
type refuser struct {
	mochi.HookBase
	mu  sync.Mutex
	ids map[string]bool
}

func (r *refuser) ID() string { return "mqtttest-refuser" }

func (r *refuser) Provides(b byte) bool { return b == mochi.OnConnect }

func (r *refuser) OnConnect(cl *mochi.Client, _ packets.Packet) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids[cl.ID] {
		return errRefused
	}
	return nil
}
