package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector/backoff"
)

// ErrBrokerUnavailable is returned by Poll when the task could not connect to the broker, or subscribe, for
// longer than its max retry time; it wraps the last error.
var ErrBrokerUnavailable = errors.New("mqtt broker unavailable")

// ErrSubscriptionRefused is the last error when the broker answered a SUBSCRIBE with a failure code.
var ErrSubscriptionRefused = errors.New("mqtt broker refused the subscription")

// Reconnect backoff: doubled after each failed attempt, from the first to the largest, with jitter.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 10 * time.Second
	// disconnectQuiesce is how long a disconnect lets in-flight work (acks) finish, in milliseconds.
	disconnectQuiesce = 250
	// defaultSubscribeTimeout bounds the wait for SUBACK when connect.timeout.seconds is 0.
	defaultSubscribeTimeout = 30 * time.Second
)

// intake is where a session puts the messages of its connection: the task's pipeline (acknowledged once Kafka
// has them) or its spool (acknowledged once on local disk).
type intake interface {
	// arrive takes a message that arrived on connection m.conn, in arrival order; it may wait for room while
	// mayWait (nil: always) allows. It reports whether the message was taken.
	arrive(m *message, mayWait func() bool) bool
	// hold is called when connection conn of a persistent session is lost; resume after each connection
	// attempt, with whether the broker resumed the session (it then sends the unacknowledged messages again).
	// resume reports how many buffered messages it dropped as redelivered.
	hold(conn int)
	resume(conn int, gen uint64, redelivered bool) int
	// signal wakes Poll, which looks at the sessions' failures.
	signal()
}

// session keeps one of a task's connections to the broker: it connects (a new paho client per connection,
// so nothing of a dead connection leaks into the next), subscribes, feeds messages to the task's intake (the
// pipeline's lane of the connection, or the spool), and reconnects with its own exponential backoff. It
// tracks how long it has been failing, for Poll.
type session struct {
	cfg      *config
	log      *slog.Logger
	pipe     intake
	conn     int // the connection's index in the task, its lane in the pipeline
	clientID string
	filters  map[string]byte
	// former are the other forms (plain or shared) of the filters, unsubscribed after subscribing when a
	// persistent session is resumed: a session kept from before a change of tasks.max or of the connections
	// per task would keep its old subscription and receive every message twice (see formerFilters).
	former []string
	// newClient builds the paho client; tests may wrap it.
	newClient func(*paho.ClientOptions) paho.Client
	// metrics are the task's counters; set by the task (newSession gives the session counters of its own).
	metrics *taskMetrics

	mu           sync.Mutex
	failingSince time.Time // start of the current run of failures (or of the session, before it first connected)
	lastErr      error     // nil while connected
	// failing is lastErr != nil, read without the lock by failure: every poll asks every connection.
	failing atomic.Bool

	haltOnce sync.Once
	halted   chan struct{} // closed when the task stops polling: keep the connection, never reconnect
}

func newSession(cfg *config, log *slog.Logger, pipe intake, conn int, filters []string) *session {
	subs := make(map[string]byte, len(filters))
	for _, f := range filters {
		subs[f] = cfg.qos
	}
	var former []string
	if !cfg.cleanSession {
		former = formerFilters(cfg)
	}
	return &session{
		cfg: cfg, log: log, pipe: pipe, conn: conn, clientID: connClientID(cfg, conn), filters: subs, former: former,
		newClient:    paho.NewClient,
		metrics:      &taskMetrics{},
		failingSince: time.Now(),
		halted:       make(chan struct{}),
	}
}

// halt stops reconnecting. The worker stops polling a task before it stops it, and may start the task's
// replacement (same client id) before the old one's Stop runs; a halted session keeps its connection, so the
// acknowledgements of records still in flight go out, but does not take the client id back from the new
// task.
func (s *session) halt() {
	s.haltOnce.Do(func() { close(s.halted) })
}

// run connects and stays connected until ctx is done, then disconnects. Unacknowledged QoS 1 and 2 messages
// stay with the broker, which redelivers them to the next connection of this client id when the session is
// persistent.
func (s *session) run(ctx context.Context) {
	bo := backoff.Backoff{Base: firstBackoff, Max: maxBackoff, Jitter: true}
	connected := false
	for gen := uint64(1); ctx.Err() == nil; gen++ {
		select {
		case <-s.halted:
			<-ctx.Done()
			return
		default:
		}
		client, lost, err := s.connect(ctx, gen)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.fail(err)
			wait := bo.Next()
			s.log.Warn("mqtt connect failed", "client_id", s.clientID, "retry_in", wait, "err", err)
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-s.halted:
				timer.Stop()
			case <-timer.C:
			}
			continue
		}
		s.succeed()
		if connected {
			s.metrics.reconnects.Add(1)
		}
		connected = true
		bo.Reset()
		select {
		case err := <-lost:
			if !s.cfg.cleanSession {
				s.pipe.hold(s.conn)
			}
			s.fail(fmt.Errorf("connection lost: %w", err))
			s.log.Warn("mqtt connection lost", "client_id", s.clientID, "err", err)
		case <-ctx.Done():
			client.Disconnect(disconnectQuiesce)
			s.log.Info("mqtt disconnected", "client_id", s.clientID)
			return
		}
	}
}

// connect opens one connection and subscribes. The publish handler is installed before CONNECT, so the
// messages a resumed session delivers right after CONNACK have a handler.
func (s *session) connect(ctx context.Context, gen uint64) (paho.Client, <-chan error, error) {
	lost := make(chan error, 1)
	// Arrivals wait for room only once the subscription is acknowledged: a router blocked on a full buffer
	// would leave the SUBACK unread behind the messages a resumed session sends first, and the subscription
	// would time out.
	var subscribed atomic.Bool
	// client is set before Connect, so before the publish handler first runs.
	var client paho.Client
	mayWait := func() bool { return subscribed.Load() && client.IsConnectionOpen() }
	opts := clientOptions(s.cfg, s.clientID)
	opts.SetResumeSubs(false).
		// Handlers run one at a time on paho's router in arrival order; ours only appends to the pipeline.
		SetOrderMatters(true).
		SetAutoAckDisabled(true).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			var ack acker = m
			if qos := m.Qos(); qos <= 2 {
				s.metrics.received[qos].Add(1)
				if qos > 0 {
					ack = countedAck{Message: m, n: &s.metrics.acked}
				}
			}
			s.pipe.arrive(&message{
				topic: m.Topic(), payload: m.Payload(), qos: m.Qos(),
				received: time.Now(), conn: s.conn, gen: gen, ack: ack,
			}, mayWait)
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			select {
			case lost <- err:
			default:
			}
		})
	att := newAttempt(ctx, opts, s.cfg.connectTimeout)
	client = s.newClient(opts)

	tok := client.Connect()
	err := await(ctx, tok, 0)
	if err != nil && ctx.Err() != nil {
		// ctx closed the attempt's connections (attempt), so paho's attempt ends at once (a websocket's
		// handshake at the connect timeout). Waiting for it keeps paho's goroutines within the session's life,
		// which the task's Stop waits for.
		<-tok.Done()
	}
	att.release()
	if err != nil {
		// Only an attempt that succeeded after ctx ended holds a connection to close. A failed one leaves
		// nothing: paho marks the client disconnected itself, just after it completes the token, and a
		// Disconnect in between would wait for that in a goroutine of its own, outliving the session.
		if tok.Error() == nil {
			client.Disconnect(disconnectQuiesce)
		}
		s.pipe.resume(s.conn, gen, false)
		return nil, nil, fmt.Errorf("connect to %s as %q: %w", s.brokerList(), s.clientID, err)
	}
	present := false
	if ct, ok := tok.(*paho.ConnectToken); ok {
		present = ct.SessionPresent()
	}
	if n := s.pipe.resume(s.conn, gen, present && !s.cfg.cleanSession); n > 0 {
		s.log.Info("mqtt session resumed, dropped buffered messages the broker sends again", "client_id", s.clientID,
			"messages", n)
	}

	timeout := s.cfg.connectTimeout
	if timeout <= 0 {
		timeout = defaultSubscribeTimeout
	}
	if err := s.subscribe(ctx, client, timeout, present); err != nil {
		client.Disconnect(0)
		return nil, nil, err
	}
	// Only a resumed session can hold a former subscription. After the new subscription is in place, so no
	// message is unrouted in between (one published meanwhile may come twice), and before arrivals may wait
	// for room, so the UNSUBACK is read.
	if present && len(s.former) > 0 {
		if err := await(ctx, client.Unsubscribe(s.former...), timeout); err != nil {
			// The connection works; the cost is duplicates, if the session had the old subscription at all.
			s.log.Warn("mqtt unsubscribe of the filters' former form failed", "client_id", s.clientID,
				"filters", strings.Join(s.former, ","), "err", err)
		}
	}
	subscribed.Store(true)
	s.log.Info("mqtt connected", "client_id", s.clientID, "brokers", s.brokerList(), "filters", s.filterList(),
		"qos", s.cfg.qos, "clean_session", s.cfg.cleanSession, "session_present", present)
	return client, lost, nil
}

// clientOptions are the paho options the source's sessions and the sink's publishers share: the brokers,
// the identity and credentials, the session kind, the timers and TLS. Reconnecting is the caller's: paho's
// own reconnect would resume a connection the caller has given up on.
func clientOptions(cfg *config, clientID string) *paho.ClientOptions {
	opts := paho.NewClientOptions()
	for _, b := range cfg.brokers {
		opts.AddBroker(b)
	}
	opts.SetClientID(clientID).
		SetUsername(cfg.username).
		SetPassword(cfg.password).
		SetCleanSession(cfg.cleanSession).
		SetKeepAlive(cfg.keepAlive).
		SetConnectTimeout(pahoConnectTimeout(cfg.connectTimeout)).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetCustomOpenConnectionFn(openConnection)
	if cfg.tls != nil {
		opts.SetTLSConfig(cfg.tls.Clone())
	}
	return opts
}

// maxSubscribeAttempts bounds the SUBSCRIBEs sent again after a "packet identifier in use" answer (see
// subscribe).
const maxSubscribeAttempts = 100

// subscribe subscribes to the filters and checks the SUBACK: a refusal (0x80) is ErrSubscriptionRefused. Any
// other failure code comes from a broker that checks a SUBSCRIBE's packet identifier against the ids of its
// own in-flight messages, as mochi (the broker of connectd dev and the tests) does, answering 0x91 "packet
// identifier in use", although client and server assign identifiers independently (MQTT 3.1.1 section
// 2.3.1): the messages a resumed session sends again hold the ids a new client starts from. paho gives every
// SUBSCRIBE the next free id, so sending it again moves past them; if that does not help, a resumed session
// still has the subscriptions it had.
func (s *session) subscribe(ctx context.Context, client paho.Client, timeout time.Duration, present bool) error {
	for attempt := 1; ; attempt++ {
		tok := client.SubscribeMultiple(s.filters, nil)
		if err := await(ctx, tok, timeout); err != nil {
			return fmt.Errorf("subscribe to %s on %s: %w", s.filterList(), s.brokerList(), err)
		}
		st, ok := tok.(*paho.SubscribeToken)
		if !ok {
			return nil
		}
		var refused, failed []string
		for f, code := range st.Result() {
			switch {
			case code == 0x80:
				refused = append(refused, f)
			case code > 2:
				failed = append(failed, fmt.Sprintf("%s (0x%02x)", f, code))
			}
		}
		slices.Sort(refused)
		slices.Sort(failed)
		switch {
		case len(refused) > 0:
			return fmt.Errorf("%w: %s on %s", ErrSubscriptionRefused, strings.Join(refused, ", "), s.brokerList())
		case len(failed) == 0:
			return nil
		case attempt < maxSubscribeAttempts:
			continue
		case !present:
			return fmt.Errorf("subscribe to %s on %s: the broker answered %s", s.filterList(), s.brokerList(),
				strings.Join(failed, ", "))
		}
		s.log.Warn("mqtt broker did not take the subscription; the resumed session keeps the subscriptions it had",
			"client_id", s.clientID, "answers", strings.Join(failed, ", "), "attempts", attempt)
		return nil
	}
}

// await waits for a paho token; timeout 0 waits as long as paho does.
func await(ctx context.Context, tok paho.Token, timeout time.Duration) error {
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-expired:
		return fmt.Errorf("no answer from the broker within %s", timeout)
	}
}

func (s *session) fail(err error) {
	s.mu.Lock()
	if s.failingSince.IsZero() {
		s.failingSince = time.Now()
	}
	s.lastErr = err
	s.failing.Store(true)
	s.mu.Unlock()
	s.pipe.signal()
}

func (s *session) succeed() {
	s.mu.Lock()
	s.failingSince, s.lastErr = time.Time{}, nil
	s.failing.Store(false)
	s.mu.Unlock()
}

// failure returns ErrBrokerUnavailable, wrapping the last error, once the session has been failing for the
// max retry time (counted from the task's start until it first connects); otherwise the time it would
// (zero when it is not failing or retries forever). The error names the client id: with several
// connections per task it says which one failed.
func (s *session) failure(now time.Time) (time.Time, error) {
	if !s.failing.Load() {
		return time.Time{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr == nil || s.cfg.maxRetry < 0 {
		return time.Time{}, nil
	}
	deadline := s.failingSince.Add(s.cfg.maxRetry)
	if now.Before(deadline) {
		return deadline, nil
	}
	return time.Time{}, fmt.Errorf("%w: no working connection as %q for %s (max retry time %s): %w",
		ErrBrokerUnavailable, s.clientID, now.Sub(s.failingSince).Round(time.Millisecond), s.cfg.maxRetry, s.lastErr)
}

func (s *session) brokerList() string {
	out := make([]string, len(s.cfg.brokers))
	for i, b := range s.cfg.brokers {
		out[i] = redactURL(b)
	}
	return strings.Join(out, ",")
}

func (s *session) filterList() string {
	return strings.Join(slices.Sorted(maps.Keys(s.filters)), ",")
}
