package mqtt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/backoff"
)

// outState is where a message is on its way to the broker.
type outState int

const (
	outQueued   outState = iota // waiting to be published on the current or next connection
	outInflight                 // taken for connection gen (published on it once sentGen is gen), not acknowledged yet
	outDone                     // acknowledged (QoS 1, 2), written (QoS 0), or reported as errant
	outErrant                   // given up (see maxPublishAttempts): to be reported as an errant record
)

// outMsg is one message a sink task hands to its sinkPublisher.
type outMsg struct {
	seq     uint64
	topic   string
	payload []byte
	qos     byte
	retain  bool
	state   outState
	gen     uint64 // the connection it is in flight on (set when serve takes it, before its publish)
	// sentGen is the connection it was last published on, sentAt when. serve writes both without mu: they are
	// read by the run goroutine serve runs on, and by the connection's confirmer once it has received the
	// message from c.tokens.
	sentGen uint64
	sentAt  time.Time // for ackTimeout and strikeWindow
	// attempts counts the strikes against the message: connections the broker closed within strikeWindow of
	// its publish while it was the oldest unconfirmed message (see requeue).
	attempts int
	// from is the Kafka record the message was made of: a record delivered again while its message is still
	// unconfirmed is not published twice, and PreCommit holds the record's partition at its offset.
	from recordID
	// rec is the record, for reporting it as errant; report is that report, once made.
	rec    *connector.SinkRecord
	report connector.ErrantRecordReport
}

// recordID names a consumed Kafka record.
type recordID struct {
	topic     string
	partition int32
	offset    int64
}

// Limits of a message's way to the broker.
const (
	// publishWriteTimeout bounds a publish's hand-over to paho's writer and each write.
	publishWriteTimeout = 5 * time.Second
	// ackTimeout is how long a live connection may make no progress (no acknowledgement since its oldest
	// message in flight was published or the last one arrived) before the publisher drops it and publishes
	// the messages again on a new one (a broker that lost a message, or a half-open connection the keep-alive
	// has not noticed yet).
	ackTimeout = 30 * time.Second
	// maxPublishAttempts is how many strikes make a message errant. A strike is a connection the broker closed
	// (EOF or reset) within strikeWindow of the message's publish while it was the oldest unconfirmed one:
	// Mosquitto disconnects a client publishing a message it refuses (a topic it will not take), and
	// publishing it again would block the task forever. Ack timeouts, write timeouts, keep-alive losses,
	// failed connects and connections closed later are no strikes. After the first strike the message is
	// published alone, nothing else in flight until it is acknowledged, so that a later strike is its own.
	maxPublishAttempts = 3
	// strikeWindow is how soon after a message's publish the broker must close the connection for a strike.
	strikeWindow = 5 * time.Second
	// lostReasonWait bounds the wait for paho's reason of a connection loss (its handler runs after the
	// tokens fail), when it decides a strike.
	lostReasonWait = 2 * time.Second
	// connectAbandonWait bounds the wait for a connection attempt to end after the publisher is stopped.
	connectAbandonWait = 2 * time.Second
)

// errAckTimeout ends a connection with messages in flight and no acknowledgement for ackTimeout.
var errAckTimeout = errors.New("no acknowledgement")

// errPublishFailed ends a connection on which paho failed a publish.
var errPublishFailed = errors.New("publish failed")

// errConnectionLost ends a connection paho reported lost; it wraps paho's reason.
var errConnectionLost = errors.New("connection lost")

// errGivenUp is the cause of a message given up after maxPublishAttempts.
var errGivenUp = errors.New("the MQTT broker closed the connection right after each publish of the message")

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
//
// Per connection, serve publishes and one confirmer goroutine waits for the tokens in publish order (an MQTT
// broker acknowledges a connection's messages in order; a token completing out of order is handled when its
// turn comes). Waiters (a Put waiting for room, a PreCommit waiting for acknowledgements) are woken only when
// they can proceed, and serve once per Put batch.
type sinkPublisher struct {
	cfg        *sinkConfig
	log        *slog.Logger
	clientID   string
	newClient  func(*paho.ClientOptions) paho.Client
	ackTimeout time.Duration
	// strikeWindow and lostReasonWait are the constants', and now the clock of sentAt and the strike rule:
	// tests change them.
	strikeWindow   time.Duration
	lostReasonWait time.Duration
	now            func() time.Time

	mu      sync.Mutex
	queue   []*outMsg // unconfirmed messages in the order they came; confirmed ones are trimmed off the front
	next    int       // queue[:next] has been published on the current connection
	open    int       // messages in queue that are not done
	nextSeq uint64
	held    map[recordID]bool // the records of the unconfirmed messages
	changed chan struct{}     // closed and replaced when a waiter can proceed, or the connection changes
	// wantRoom and wantSeq say what the waiters wait for: room in the window, or the queue's head at wantSeq.
	wantRoom bool
	wantSeq  uint64
	kick     chan struct{} // wakes serve: messages were queued
	// failingSince is the start of the current run of failures: no connection, or a connection on which the
	// oldest message has not been acknowledged since it connected (or the sinkPublisher's start, before it
	// first connected). lastErr is the last connection's failure.
	failingSince time.Time
	lastErr      error
	fatal        error // a message given up under errors.tolerance=none: the task fails

	waiters sync.WaitGroup // each connection's confirmer

	// The counters of SinkTask.ReportMetrics: PUBLISH packets handed to a connection, messages confirmed
	// (acknowledged, or written at QoS 0), queued again when their connection ended, and given up;
	// connections made after the first.
	published, acked, republished, givenUp, reconnects atomic.Int64
}

const noSeq = math.MaxUint64

func newSinkPublisher(cfg *sinkConfig, log *slog.Logger) *sinkPublisher {
	return &sinkPublisher{
		cfg: cfg, log: log, clientID: cfg.conn.clientID + "-" + fmt.Sprint(cfg.conn.taskIndex),
		newClient:    paho.NewClient,
		ackTimeout:   ackTimeout,
		strikeWindow: strikeWindow, lostReasonWait: lostReasonWait, now: time.Now,
		held:         map[recordID]bool{},
		changed:      make(chan struct{}),
		wantSeq:      noSeq,
		kick:         make(chan struct{}, 1),
		failingSince: time.Now(),
	}
}

// notifyLocked wakes everyone waiting for a change.
func (p *sinkPublisher) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
	p.wantRoom, p.wantSeq = false, noSeq
}

// roomThreshold is how few messages may be open before a Put waiting for room is woken: a quarter of the
// window, so that the Put adds a batch, not a message, per wake.
func (p *sinkPublisher) roomThreshold() int {
	return min(p.cfg.maxInflight-1, p.cfg.maxInflight*3/4)
}

// wakeLocked wakes the waiters when what they wait for has come, after messages were settled.
func (p *sinkPublisher) wakeLocked() {
	switch {
	case p.wantRoom && p.open <= p.roomThreshold():
	case p.wantSeq != noSeq && (len(p.queue) == 0 || p.queue[0].seq >= p.wantSeq || p.queue[0].state == outErrant):
	default:
		return
	}
	p.notifyLocked()
}

// kickLocked wakes serve.
func (p *sinkPublisher) kickLocked() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// enqueue adds messages in order, each once fewer than the window are unconfirmed. It returns ctx's error when
// ctx ends first, and ErrBrokerUnavailable once the broker has been unreachable for the max retry time; the
// messages taken before stay. ctx is checked before each message, not only when the window is full: once the
// worker's session has ended, nothing more may be taken, whatever room the acknowledgements freed.
func (p *sinkPublisher) enqueue(ctx context.Context, msgs []*outMsg) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < len(msgs); {
		if p.fatal != nil {
			return p.fatal
		}
		if err := ctx.Err(); err != nil {
			p.kickLocked()
			return err
		}
		if p.open >= p.cfg.maxInflight {
			p.kickLocked()
			err := p.awaitLocked(ctx, func() bool { return p.open < p.cfg.maxInflight },
				func() { p.wantRoom = true })
			if err != nil {
				return err
			}
			continue
		}
		m := msgs[i]
		i++
		if p.held[m.from] {
			// Delivered again after a rewind: the message made of it the first time is still on its way.
			continue
		}
		p.held[m.from] = true
		m.seq, m.state = p.nextSeq, outQueued
		p.nextSeq++
		p.queue = append(p.queue, m)
		p.open++
	}
	p.kickLocked()
	return nil
}

// flush waits until every message enqueued before the call is confirmed.
func (p *sinkPublisher) flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	mark := p.nextSeq
	confirmed := func() bool { return len(p.queue) == 0 || p.queue[0].seq >= mark }
	if err := p.awaitLocked(ctx, confirmed, func() { p.wantSeq = min(p.wantSeq, mark) }); err != nil {
		n := 0
		for _, m := range p.queue {
			if m.seq < mark && m.state != outDone {
				n++
			}
		}
		return fmt.Errorf("%d messages not acknowledged by the MQTT broker: %w", n, err)
	}
	return nil
}

// settle waits until every message enqueued before the call is confirmed or given up, or ctx ends.
func (p *sinkPublisher) settle(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mark := p.nextSeq
	settled := func() bool {
		for _, m := range p.queue {
			if m.seq >= mark {
				return true
			}
			if m.state != outDone && m.state != outErrant {
				return false
			}
		}
		return true
	}
	_ = p.awaitLocked(ctx, settled, func() { p.wantSeq = min(p.wantSeq, mark) })
}

// awaitLocked waits, releasing mu meanwhile, until cond (called with mu held) holds; want registers what the
// waiter waits for (see wakeLocked).
func (p *sinkPublisher) awaitLocked(ctx context.Context, cond func() bool, want func()) error {
	for {
		if cond() {
			return nil
		}
		if p.fatal != nil {
			return p.fatal
		}
		deadline, err := p.failureLocked(time.Now())
		if err != nil {
			return err
		}
		want()
		changed := p.changed
		p.mu.Unlock()
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
		p.mu.Lock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// failureLocked returns ErrBrokerUnavailable once the publisher has failed for the max retry time: no
// connection, or connections on which the oldest message never got acknowledged; otherwise when it would
// (zero when not failing or retrying forever).
func (p *sinkPublisher) failureLocked(now time.Time) (time.Time, error) {
	if p.failingSince.IsZero() || p.cfg.conn.maxRetry < 0 {
		return time.Time{}, nil
	}
	deadline := p.failingSince.Add(p.cfg.conn.maxRetry)
	if now.Before(deadline) {
		return deadline, nil
	}
	cause := p.lastErr
	if cause == nil {
		cause = errors.New("no acknowledgement yet")
	}
	return time.Time{}, fmt.Errorf("%w: no working connection as %q for %s (max retry time %s): %w",
		ErrBrokerUnavailable, p.clientID, now.Sub(p.failingSince).Round(time.Millisecond), p.cfg.conn.maxRetry,
		cause)
}

// pubConn is one connection's state shared by serve and its confirmer.
type pubConn struct {
	gen    uint64
	tokens chan sentMsg  // the messages published on the connection, in order
	broken chan error    // a failed publish or a missing acknowledgement: the connection must end
	done   chan struct{} // closed when the connection ends
	exited chan struct{} // closed by the confirmer when it returns
}

// sentMsg is a message published and its paho token.
type sentMsg struct {
	tok paho.Token
	m   *outMsg
}

func (c *pubConn) fail(err error) {
	select {
	case c.broken <- err:
	default:
	}
}

// run connects, publishes and reconnects until ctx ends, then disconnects and waits for its confirmers.
func (p *sinkPublisher) run(ctx context.Context) {
	defer p.waiters.Wait()
	bo := backoff.Backoff{Base: firstBackoff, Max: maxBackoff, Jitter: true}
	connected := false
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
		if connected {
			p.reconnects.Add(1)
		}
		connected = true
		p.mu.Lock()
		p.lastErr = nil
		if p.open == 0 {
			// Nothing waits for an acknowledgement: the connection is all it takes to work. Otherwise the
			// failure clock runs on until the oldest message is acknowledged, so that a message the broker
			// never takes cannot reset it with every reconnect.
			p.failingSince = time.Time{}
		}
		p.notifyLocked()
		p.mu.Unlock()
		bo.Reset()
		c := &pubConn{gen: gen, tokens: make(chan sentMsg, p.cfg.maxInflight), broken: make(chan error, 1),
			done: make(chan struct{}), exited: make(chan struct{})}
		p.waiters.Add(1)
		go p.confirm(c)
		err = p.serve(ctx, client, c, lost)
		ended := p.now()
		strike := ctx.Err() == nil && p.strikeCandidate(c.gen, ended) && p.closedByBroker(client, lost, err)
		if ctx.Err() != nil {
			// Acknowledgements on their way may still arrive within the quiesce time.
			client.Disconnect(disconnectQuiesce)
		} else {
			client.Disconnect(0)
		}
		close(c.done)
		<-c.exited
		n := p.requeue(gen, err, strike)
		if ctx.Err() == nil {
			p.log.Warn("mqtt connection lost", "client_id", p.clientID, "unacknowledged", n, "err", err)
		}
	}
}

// strikeCandidate reports whether the oldest unconfirmed message is in flight on connection gen and was
// published within strikeWindow before ended.
func (p *sinkPublisher) strikeCandidate(gen uint64, ended time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	head := p.headLocked()
	return head != nil && head.state == outInflight && head.sentGen == gen && ended.Sub(head.sentAt) <= p.strikeWindow
}

// closedByBroker reports whether the broker closed the connection that serve ended with err: paho's reason
// for the loss is an EOF or a reset. Not a keep-alive loss, a write timeout, or an end of the publisher's own
// (an ack timeout). paho fails the pending tokens before it reports the reason, so the reason is waited for
// a bounded time when a failed token ended the connection.
func (p *sinkPublisher) closedByBroker(client paho.Client, lost <-chan error, err error) bool {
	switch {
	case errors.Is(err, errConnectionLost):
		return brokerClosed(err)
	case errors.Is(err, errAckTimeout), client.IsConnectionOpen():
		return false
	}
	timer := time.NewTimer(p.lostReasonWait)
	defer timer.Stop()
	select {
	case why := <-lost:
		return brokerClosed(why)
	case <-timer.C:
		return false
	}
}

// brokerClosed reports whether a connection's read or write error means the broker closed it.
func brokerClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// connect opens one connection.
func (p *sinkPublisher) connect(ctx context.Context) (paho.Client, <-chan error, error) {
	lost := make(chan error, 1)
	opts := clientOptions(&p.cfg.conn, p.clientID)
	// A publish waits at most this long to be handed to the connection (paho's default is 30 s), and a
	// write at most this long: either means the connection is gone.
	opts.SetWriteTimeout(publishWriteTimeout)
	// Stopping the task ends a connection attempt at once (see attempt).
	att := newAttempt(ctx, opts, p.cfg.conn.connectTimeout)
	opts.SetConnectionLostHandler(func(_ paho.Client, err error) {
		select {
		case lost <- err:
		default:
		}
	})
	client := p.newClient(opts)
	tok := client.Connect()
	defer att.release()
	if err := await(ctx, tok, 0); err != nil {
		ended := true
		if ctx.Err() != nil {
			// ctx closed the attempt's connections, so paho's attempt ends at once, unless it is still in a
			// handshake ctx cannot reach (a websocket's); wait for it a bounded time, so that a stop keeps within
			// its deadline.
			t := time.NewTimer(connectAbandonWait)
			select {
			case <-tok.Done():
			case <-t.C:
				ended = false
				p.log.Warn("mqtt connection attempt still under way at stop; abandoned", "client_id", p.clientID)
			}
			t.Stop()
		}
		// A failed attempt leaves nothing to close: paho marks the client disconnected itself, just after it
		// completes the token, and a Disconnect in between would wait for that in a goroutine of its own. An
		// attempt that succeeded after ctx ended holds a connection. One still under way is told to drop the
		// connection it may yet make: Disconnect returns at once, and a goroutine of paho's waits for the
		// attempt to end, past the task's Stop.
		if !ended || tok.Error() == nil {
			client.Disconnect(0)
		}
		return nil, nil, fmt.Errorf("connect to %s as %q: %w", p.brokerList(), p.clientID, err)
	}
	p.log.Info("mqtt connected", "client_id", p.clientID, "brokers", p.brokerList())
	return client, lost, nil
}

// serve publishes the queued messages on connection c as they come, until the connection is lost or fails a
// publish or an acknowledgement, or ctx ends.
func (p *sinkPublisher) serve(ctx context.Context, client paho.Client, c *pubConn, lost <-chan error) error {
	var batch []*outMsg
	for {
		p.mu.Lock()
		batch = batch[:0]
		if head := p.headLocked(); head != nil && head.attempts > 0 {
			// A message with a strike goes alone, so that a connection the broker closes after it is its
			// strike; the others follow once it is acknowledged (acknowledge kicks serve).
			if head.state == outQueued {
				head.state, head.gen = outInflight, c.gen
				batch = append(batch, head)
			}
		} else {
			for _, m := range p.queue[p.next:] {
				if m.state == outQueued {
					m.state, m.gen = outInflight, c.gen
					batch = append(batch, m)
				}
			}
			p.next = len(p.queue)
		}
		p.mu.Unlock()
		now := p.now()
		for i, m := range batch {
			// Each Publish may wait for paho's write timeout: look for the end of the task or the connection
			// before each.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-c.broken:
				return fmt.Errorf("%w: %w", errPublishFailed, err)
			case err := <-lost:
				return fmt.Errorf("%w: %w", errConnectionLost, err)
			default:
			}
			if !client.IsConnectionOpen() {
				return errors.New("connection closed")
			}
			m.sentAt, m.sentGen = now, c.gen // the batch's start: the ack timeout counts from at most this
			tok := client.Publish(m.topic, m.qos, m.retain, m.payload)
			p.published.Add(1)
			c.tokens <- sentMsg{tok, m} // never blocks: at most maxInflight messages are open
			batch[i] = nil
		}
		select {
		case <-p.kick:
		case err := <-lost:
			return fmt.Errorf("%w: %w", errConnectionLost, err)
		case err := <-c.broken:
			return fmt.Errorf("%w: %w", errPublishFailed, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// confirm waits for the tokens of connection c in publish order: the broker's acknowledgement marks a message
// done; a failure, or no acknowledgement of the oldest message in flight within ackTimeout, ends the
// connection, so that the messages in flight are published again on the next one (requeue). When the
// connection ends, it still takes the acknowledgements that had arrived.
func (p *sinkPublisher) confirm(c *pubConn) {
	defer p.waiters.Done()
	defer close(c.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var carry *sentMsg     // taken from tokens, not acknowledged yet
	var progress time.Time // the last acknowledgement on the connection
	acked := make([]*outMsg, 0, ackBatch)
	for {
		var s sentMsg
		if carry != nil {
			s, carry = *carry, nil
		} else {
			select {
			case s = <-c.tokens:
			case <-c.done:
				p.drain(c)
				return
			}
		}
		select {
		case <-s.tok.Done():
		default:
			// No progress for ackTimeout: none since the message was published or the last acknowledgement
			// arrived, whichever is later, so that messages queued behind a slow window are not timed from
			// their batch's start.
			timer.Reset(later(s.m.sentAt, progress).Add(p.ackTimeout).Sub(p.now()))
			select {
			case <-s.tok.Done():
				timer.Stop()
			case <-timer.C:
				c.fail(fmt.Errorf("%w of a message to %q: none for %s", errAckTimeout, s.m.topic, p.ackTimeout))
				<-c.done
				return
			case <-c.done:
				timer.Stop()
				if tokenAcked(s.tok) {
					p.acknowledge(c.gen, s.m)
					p.drain(c)
				}
				return
			}
		}
		if err := s.tok.Error(); err != nil {
			c.fail(err)
			<-c.done
			return
		}
		// Take the acknowledgements that have arrived meanwhile with this one, under one lock.
		acked = append(acked[:0], s.m)
	more:
		for len(acked) < ackBatch {
			select {
			case n := <-c.tokens:
				if !tokenAcked(n.tok) {
					carry = &n
					break more
				}
				acked = append(acked, n.m)
			default:
				break more
			}
		}
		p.acknowledge(c.gen, acked...)
		clear(acked)
		progress = p.now()
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ackBatch bounds the acknowledgements a confirmer applies under one lock.
const ackBatch = 256

// drain takes the acknowledgements of an ended connection that had arrived, in order.
func (p *sinkPublisher) drain(c *pubConn) {
	for {
		select {
		case s := <-c.tokens:
			if !tokenAcked(s.tok) {
				return
			}
			p.acknowledge(c.gen, s.m)
		default:
			return
		}
	}
}

func tokenAcked(tok paho.Token) bool {
	select {
	case <-tok.Done():
		return tok.Error() == nil
	default:
		return false
	}
}

// acknowledge marks msgs, published on connection gen, done.
func (p *sinkPublisher) acknowledge(gen uint64, msgs ...*outMsg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range msgs {
		if m.state != outInflight || m.gen != gen {
			continue
		}
		if m.attempts > 0 {
			// A message published alone is through: serve publishes the others.
			p.kickLocked()
		}
		m.state = outDone
		delete(p.held, m.from)
		p.open--
		n++
	}
	if n == 0 {
		return
	}
	p.acked.Add(int64(n))
	// An acknowledgement shows the connection works.
	p.failingSince = time.Time{}
	p.trimLocked()
}

// doneLocked marks m done and trims the confirmed messages off the queue.
func (p *sinkPublisher) doneLocked(m *outMsg) {
	m.state = outDone
	delete(p.held, m.from)
	p.open--
	p.trimLocked()
}

// trimLocked trims the confirmed messages off the front of the queue and wakes the waiters that can proceed.
func (p *sinkPublisher) trimLocked() {
	trim := 0
	for trim < len(p.queue) && p.queue[trim].state == outDone {
		p.queue[trim] = nil
		trim++
	}
	if trim > 0 {
		p.queue = p.queue[trim:]
		p.next = max(p.next-trim, 0)
	}
	p.wakeLocked()
}

// headLocked returns the oldest message neither done nor given up, or nil.
func (p *sinkPublisher) headLocked() *outMsg {
	for _, m := range p.queue {
		if m.state == outQueued || m.state == outInflight {
			return m
		}
	}
	return nil
}

// requeue marks the messages in flight on connection gen for publishing again, and records the failure; it
// returns how many of them were published on it. With strike (see maxPublishAttempts) the oldest message,
// published on gen, counts an attempt; after maxPublishAttempts it is given up (see takeErrant).
func (p *sinkPublisher) requeue(gen uint64, cause error, strike bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strike {
		if head := p.headLocked(); head != nil && head.state == outInflight && head.sentGen == gen {
			head.attempts++
			if head.attempts >= maxPublishAttempts {
				head.state = outErrant
				p.givenUp.Add(1)
				p.log.Error("mqtt message given up: the broker closed the connection every time it was published",
					"client_id", p.clientID, "topic", head.topic, "attempts", head.attempts,
					"record_topic", head.from.topic, "record_partition", head.from.partition,
					"record_offset", head.from.offset, "err", cause)
			}
		}
	}
	n := 0
	for _, m := range p.queue {
		if m.state == outInflight && m.gen == gen {
			m.state = outQueued
			// Taken for the connection but not published on it before it ended: nothing to publish again.
			if m.sentGen == gen {
				n++
			}
		}
	}
	p.next = 0
	p.republished.Add(int64(n))
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

// drop removes the queued messages (not written on the current connection) of partitions, and returns how
// many.
func (p *sinkPublisher) drop(partitions []connector.TopicPartition) int {
	gone := make(map[connector.TopicPartition]bool, len(partitions))
	for _, tp := range partitions {
		gone[tp] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	kept, next, n := p.queue[:0], 0, 0
	for i, m := range p.queue {
		if m.state == outQueued && gone[connector.TopicPartition{Topic: m.from.topic, Partition: m.from.partition}] {
			delete(p.held, m.from)
			p.open--
			n++
			continue
		}
		if i < p.next {
			next++
		}
		kept = append(kept, m)
	}
	clear(p.queue[len(kept):])
	p.queue, p.next = kept, next
	if n > 0 {
		// Room in the window, and perhaps the head a flush waits for.
		p.trimLocked()
		p.notifyLocked()
	}
	return n
}

// errantMessages returns the messages given up and not reported yet, or whose report is under way.
func (p *sinkPublisher) errantMessages() []*outMsg {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*outMsg
	for _, m := range p.queue {
		if m.state == outErrant {
			out = append(out, m)
		}
	}
	return out
}

// reported marks a given-up message done once its report is persisted (or it was skipped).
func (p *sinkPublisher) reported(m *outMsg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.state == outErrant {
		p.doneLocked(m)
	}
}

// setFatal makes every later Put, PreCommit and waiter fail with err.
func (p *sinkPublisher) setFatal(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fatal == nil {
		p.fatal = err
	}
	p.notifyLocked()
}

// pending returns how many messages are neither confirmed nor reported as given up.
func (p *sinkPublisher) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

func (p *sinkPublisher) fatalErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fatal
}

// committable returns, per partition of offsets, the lowest record offset of its messages not done, or the
// given offset when it has none. The lowest, not the first in queue order: after a rewind a record delivered
// again is queued behind messages of later records of its partition still pending.
func (p *sinkPublisher) committable(offsets map[connector.TopicPartition]int64) map[connector.TopicPartition]int64 {
	out := make(map[connector.TopicPartition]int64, len(offsets))
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.queue {
		if m.state == outDone {
			continue
		}
		tp := connector.TopicPartition{Topic: m.from.topic, Partition: m.from.partition}
		if oldest, seen := out[tp]; !seen || m.from.offset < oldest {
			out[tp] = m.from.offset
		}
	}
	for tp, off := range offsets {
		if oldest, ok := out[tp]; !ok || oldest > off {
			out[tp] = off
		}
	}
	for tp := range out {
		if _, asked := offsets[tp]; !asked {
			delete(out, tp)
		}
	}
	return out
}

func (p *sinkPublisher) brokerList() string {
	out := make([]string, len(p.cfg.conn.brokers))
	for i, b := range p.cfg.conn.brokers {
		out[i] = redactURL(b)
	}
	return strings.Join(out, ",")
}
