package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector/backoff"
)

// outState is where a message is on its way to the broker.
type outState int

const (
	outQueued   outState = iota // waiting to be published on the current or next connection
	outInflight                 // published on connection gen, not acknowledged yet
	outDone                     // acknowledged (QoS 1, 2) or written (QoS 0)
)

// outMsg is one message a sink task hands to its sinkPublisher.
type outMsg struct {
	seq     uint64
	topic   string
	payload []byte
	qos     byte
	retain  bool
	state   outState
	gen     uint64
	// from is the Kafka record the message was made of: a record delivered again (the worker rewinds after a
	// failed flush) while its message is still unconfirmed is not published twice.
	from recordID
}

// recordID names a consumed Kafka record.
type recordID struct {
	topic     string
	partition int32
	offset    int64
}

// sinkPublisher keeps a sink task's connection to the broker and every message the broker has not confirmed
// yet. It publishes them in the order they came, waits for each acknowledgement, and publishes again, on
// the next connection, every message that was in flight when a connection ended.
//
// It does so itself because paho does not: the publisher uses a new paho client per connection (as the
// source's sessions do, so nothing of a dead connection leaks into the next), and paho's store lives in the
// client. Within one client paho would not either: with a clean session, a lost connection completes every
// pending publish token with "connection lost before Publish completed" and the next Connect empties the
// store; with a persistent session and no automatic reconnect the tokens never complete, and only a Connect
// of the same client would send the stored messages again.
type sinkPublisher struct {
	cfg       *sinkConfig
	log       *slog.Logger
	clientID  string
	newClient func(*paho.ClientOptions) paho.Client

	mu      sync.Mutex
	queue   []*outMsg // unconfirmed messages in the order they came; confirmed ones are trimmed off the front
	next    int       // queue[:next] has been published on the current connection
	open    int       // messages in queue that are not done
	nextSeq uint64
	held    map[recordID]bool // the records of the unconfirmed messages
	changed chan struct{}     // closed and replaced on every change of the queue or the connection
	// failingSince is the start of the current run of failures (or the sinkPublisher's start, before it first
	// connected); lastErr is nil while connected.
	failingSince time.Time
	lastErr      error
	connected    bool

	waiters sync.WaitGroup // one per message in flight, ended by its token or by the end of its connection

	published, acked, republished atomic.Int64
}

func newSinkPublisher(cfg *sinkConfig, log *slog.Logger) *sinkPublisher {
	return &sinkPublisher{
		cfg: cfg, log: log, clientID: cfg.conn.clientID + "-" + fmt.Sprint(cfg.conn.taskIndex),
		newClient:    paho.NewClient,
		held:         map[recordID]bool{},
		changed:      make(chan struct{}),
		failingSince: time.Now(),
	}
}

// notifyLocked wakes everyone waiting for a change.
func (p *sinkPublisher) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// enqueue adds messages in order, each once fewer than the window are unconfirmed. It returns ctx's error when
// ctx ends first, and ErrBrokerUnavailable once the broker has been unreachable for the max retry time; the
// messages taken before stay.
func (p *sinkPublisher) enqueue(ctx context.Context, msgs []*outMsg) error {
	for _, m := range msgs {
		if err := p.await(ctx, func() bool { return p.open < p.cfg.maxInflight }); err != nil {
			return err
		}
		p.mu.Lock()
		if p.held[m.from] {
			// Delivered again after a rewind: the message made of it the first time is still on its way.
			p.mu.Unlock()
			continue
		}
		p.held[m.from] = true
		m.seq, m.state = p.nextSeq, outQueued
		p.nextSeq++
		p.queue = append(p.queue, m)
		p.open++
		p.notifyLocked()
		p.mu.Unlock()
	}
	return nil
}

// flush waits until every message enqueued before the call is confirmed.
func (p *sinkPublisher) flush(ctx context.Context) error {
	p.mu.Lock()
	mark := p.nextSeq
	p.mu.Unlock()
	confirmed := func() bool { return len(p.queue) == 0 || p.queue[0].seq >= mark }
	if err := p.await(ctx, confirmed); err != nil {
		p.mu.Lock()
		n := 0
		for _, m := range p.queue {
			if m.seq < mark && m.state != outDone {
				n++
			}
		}
		p.mu.Unlock()
		return fmt.Errorf("%d messages not acknowledged by the MQTT broker: %w", n, err)
	}
	return nil
}

// await waits, without mu, until cond (called with mu held) holds.
func (p *sinkPublisher) await(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		if cond() {
			p.mu.Unlock()
			return nil
		}
		changed := p.changed
		deadline, err := p.failureLocked(time.Now())
		p.mu.Unlock()
		if err != nil {
			return err
		}
		var expire <-chan time.Time
		var timer *time.Timer
		if !deadline.IsZero() {
			timer = time.NewTimer(time.Until(deadline))
			expire = timer.C
		}
		select {
		case <-changed:
		case <-expire:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// failureLocked returns ErrBrokerUnavailable once the publisher has had no connection for the max retry
// time; otherwise when it would (zero when connected or retrying forever).
func (p *sinkPublisher) failureLocked(now time.Time) (time.Time, error) {
	if p.connected || p.cfg.conn.maxRetry < 0 {
		return time.Time{}, nil
	}
	deadline := p.failingSince.Add(p.cfg.conn.maxRetry)
	if now.Before(deadline) {
		return deadline, nil
	}
	cause := p.lastErr
	if cause == nil {
		cause = errors.New("not connected yet")
	}
	return time.Time{}, fmt.Errorf("%w: no working connection as %q for %s (max retry time %s): %w",
		ErrBrokerUnavailable, p.clientID, now.Sub(p.failingSince).Round(time.Millisecond), p.cfg.conn.maxRetry,
		cause)
}

// run connects, publishes and reconnects until ctx ends, then disconnects and waits for its token waiters.
func (p *sinkPublisher) run(ctx context.Context) {
	defer p.waiters.Wait()
	bo := backoff.Backoff{Base: firstBackoff, Max: maxBackoff, Jitter: true}
	for gen := uint64(1); ctx.Err() == nil; gen++ {
		client, lost, err := p.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.fail(err)
			wait := bo.Next()
			p.log.Warn("mqtt connect failed", "client_id", p.clientID, "retry_in", wait, "err", err)
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
			continue
		}
		p.mu.Lock()
		p.connected, p.lastErr, p.failingSince = true, nil, time.Time{}
		p.notifyLocked()
		p.mu.Unlock()
		bo.Reset()
		connDone := make(chan struct{})
		err = p.serve(ctx, client, gen, lost, connDone)
		if ctx.Err() != nil {
			// Acknowledgements on their way may still arrive within the quiesce time.
			client.Disconnect(disconnectQuiesce)
		} else {
			client.Disconnect(0)
		}
		close(connDone)
		n := p.requeue(gen, err)
		if ctx.Err() == nil {
			p.log.Warn("mqtt connection lost", "client_id", p.clientID, "unacknowledged", n, "err", err)
		}
	}
}

// connect opens one connection.
func (p *sinkPublisher) connect(ctx context.Context) (paho.Client, <-chan error, error) {
	lost := make(chan error, 1)
	opts := clientOptions(&p.cfg.conn, p.clientID)
	// A publish waits at most this long to be handed to the connection (paho's default is 30 s), and a
	// write at most this long: either means the connection is gone.
	opts.SetWriteTimeout(publishWriteTimeout)
	opts.SetConnectionLostHandler(func(_ paho.Client, err error) {
		select {
		case lost <- err:
		default:
		}
	})
	client := p.newClient(opts)
	tok := client.Connect()
	if err := await(ctx, tok, 0); err != nil {
		if ctx.Err() != nil {
			<-tok.Done() // see session.connect: paho's attempt ends at CONNACK or the connect timeout
		}
		client.Disconnect(0)
		return nil, nil, fmt.Errorf("connect to %s as %q: %w", p.brokerList(), p.clientID, err)
	}
	p.log.Info("mqtt connected", "client_id", p.clientID, "brokers", p.brokerList(),
		"clean_session", p.cfg.conn.cleanSession)
	return client, lost, nil
}

// publishWriteTimeout bounds a publish's hand-over to paho's writer and each write.
const publishWriteTimeout = 5 * time.Second

// errPublishFailed ends a connection on which paho failed a publish.
var errPublishFailed = errors.New("publish failed")

// serve publishes the queued messages on connection gen as they come, until the connection is lost or fails a
// publish, or ctx ends.
func (p *sinkPublisher) serve(ctx context.Context, client paho.Client, gen uint64, lost <-chan error,
	connDone <-chan struct{}) error {
	broken := make(chan error, 1)
	for {
		p.mu.Lock()
		batch := make([]*outMsg, 0, len(p.queue)-p.next)
		for _, m := range p.queue[p.next:] {
			if m.state == outQueued {
				m.state, m.gen = outInflight, gen
				batch = append(batch, m)
			}
		}
		p.next = len(p.queue)
		changed := p.changed
		p.mu.Unlock()
		for _, m := range batch {
			// A Publish on a connection that just died waits for paho's write timeout: look before each.
			if !client.IsConnectionOpen() {
				select {
				case err := <-lost:
					return fmt.Errorf("connection lost: %w", err)
				default:
					return errors.New("connection lost")
				}
			}
			tok := client.Publish(m.topic, m.qos, m.retain, m.payload)
			p.published.Add(1)
			p.waiters.Add(1)
			go p.confirm(tok, m, gen, connDone, broken)
		}
		select {
		case <-changed:
		case err := <-lost:
			return fmt.Errorf("connection lost: %w", err)
		case err := <-broken:
			return fmt.Errorf("%w: %w", errPublishFailed, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// confirm waits for one message's token: the broker's acknowledgement marks it done, and a failure ends the
// connection, so that the message is published again on the next one. When the connection ends first the
// message is published again too (requeue).
func (p *sinkPublisher) confirm(tok paho.Token, m *outMsg, gen uint64, connDone <-chan struct{}, broken chan<- error) {
	defer p.waiters.Done()
	select {
	case <-tok.Done():
	case <-connDone:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.state != outInflight || m.gen != gen {
		return
	}
	if err := tok.Error(); err != nil {
		select {
		case broken <- err:
		default:
		}
		return
	}
	m.state = outDone
	delete(p.held, m.from)
	p.open--
	p.acked.Add(1)
	trim := 0
	for trim < len(p.queue) && p.queue[trim].state == outDone {
		p.queue[trim] = nil
		trim++
	}
	if trim > 0 {
		p.queue = p.queue[trim:]
		p.next -= trim
	}
	p.notifyLocked()
}

// requeue marks the messages in flight on connection gen for publishing again, and records the failure; it
// returns how many there were.
func (p *sinkPublisher) requeue(gen uint64, cause error) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.queue {
		if m.state == outInflight && m.gen == gen {
			m.state = outQueued
			n++
		}
	}
	p.next = 0
	p.republished.Add(int64(n))
	p.connected = false
	if p.failingSince.IsZero() {
		p.failingSince = time.Now()
	}
	p.lastErr = cause
	p.notifyLocked()
	return n
}

// fail records a failed connection attempt.
func (p *sinkPublisher) fail(err error) {
	p.mu.Lock()
	if p.failingSince.IsZero() {
		p.failingSince = time.Now()
	}
	p.lastErr = err
	p.notifyLocked()
	p.mu.Unlock()
}

func (p *sinkPublisher) brokerList() string {
	out := make([]string, len(p.cfg.conn.brokers))
	for i, b := range p.cfg.conn.brokers {
		out[i] = redactURL(b)
	}
	return strings.Join(out, ",")
}
