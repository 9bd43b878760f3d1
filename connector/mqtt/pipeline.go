package mqtt

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connectd/connectd/connector"
)

// acker acknowledges one MQTT message to the broker (paho's Message.Ack).
type acker interface{ Ack() }

// message is one MQTT message, from arrival until it is acknowledged.
type message struct {
	topic    string
	payload  []byte
	qos      byte
	received time.Time
	conn     int    // index of the task's connection it arrived on (its lane)
	gen      uint64 // connection attempt of that connection it arrived on
	ack      acker

	seq uint64 // task-wide arrival number, set by arrive: polls take the lanes' messages in this order

	// spoolSeq is the message's entry in the task's spool (0: not spooled). A spooled message was acknowledged
	// to the broker when it became durable; letting it go commits its entry (pipeline.onShipped).
	spoolSeq uint64

	// Guarded by pipeline.mu.
	done  bool // everything it depends on is in Kafka: it may be acknowledged at its turn
	stale bool // its connection is gone and the broker redelivers it: nothing to acknowledge
}

// messageOverhead is what a message costs beyond its payload and topic, in bytes: paho's packet, message
// and acknowledgement closure, its store entry, and the message itself. Counting it makes the byte budget
// bound the number of tiny messages too.
const messageOverhead = 512

// cost is what m counts against the byte budget while the pipeline holds it.
func (m *message) cost() int64 { return int64(len(m.payload)+len(m.topic)) + messageOverhead }

// ordered reports whether m is let go in its lane's order once done: a QoS 1 or 2 message is acknowledged to
// the broker, a spooled message of any QoS is committed in the spool. An unordered message (QoS 0, not
// spooled) is let go as soon as it is done.
func (m *message) ordered() bool { return m.qos > 0 || m.spoolSeq > 0 }

// unit is what one poll turns into records: a message, or an aggregate of messages.
type unit struct {
	msgs     []*message
	one      [1]*message // backing array of msgs for the common single-message unit
	body     []byte
	topic    string // of the last message
	qos      byte
	received time.Time

	remaining int     // records not yet committed
	key       string  // idempotency key recorded as pending on this unit
	keyed     bool    // key is set
	waiters   []*unit // duplicates acknowledged when this unit completes
	records   []*connector.SourceRecord
}

func singleUnit(m *message) *unit {
	u := &unit{body: m.payload, topic: m.topic, qos: m.qos, received: m.received}
	u.one[0] = m
	u.msgs = u.one[:]
	return u
}

// polledRecord ties a record handed to the worker to its unit.
type polledRecord struct {
	rec *connector.SourceRecord
	u   *unit
}

// lane is what the pipeline keeps per MQTT connection of the task. Acknowledgements are due in each
// connection's own arrival order (MQTT-4.6.0-2 is per session, and a connection is one session), so each
// has its own acknowledgement sequence; and a lost connection's buffered messages wait for its next CONNACK
// without holding back the messages of the other connections.
type lane struct {
	pending fifo[*message] // arrived, not yet polled, in arrival order
	unacked fifo[*message] // QoS 1 and 2 messages not yet acknowledged, in arrival order
	held    bool           // the connection was lost: its buffered messages wait for the next CONNACK
}

// pipeline holds MQTT messages from arrival to acknowledgement: ordered buffers that polls drain, the
// records in flight, and the acknowledgement sequences that release acks strictly in each connection's
// arrival order. Polls take the connections' messages in the order they arrived at the task, so records of
// different connections interleave; only the order within a connection means anything (the broker splits a
// shared subscription among sessions in no particular order). It knows nothing of paho; the sessions feed it
// and acknowledge through message.ack.
type pipeline struct {
	queueSize       int
	maxBytes        int64 // byte budget: the cost of the messages held, from arrival until they are let go
	maxBatch        int
	maxNotCommitted int // in records; at least len(topics)
	perUnit         int // records per unit: the number of Kafka topics
	agg             *aggregator
	repo            repository // nil: no idempotency
	idemHeader      string

	mu          sync.Mutex
	lanes       []lane // one per connection, by its index
	buffered    int    // messages arrived and not yet polled, over all lanes
	seq         uint64 // arrival number of the next message
	polled      fifo[polledRecord]
	outstanding int     // records reserved or handed out and not committed
	limited     bool    // the last take stopped at maxNotCommitted: a commit that makes room wakes the poll
	taken       []*unit // take's result, reused by the next take (polls are sequential)
	bytes       int64   // cost of the messages held: arrived and not yet acknowledged (QoS 1, 2) or in Kafka (QoS 0)
	closed      bool
	blocked     bool          // an arrival waits for room
	room        chan struct{} // closed (and replaced) to wake blocked arrivals when messages leave
	wake        chan struct{} // one-slot doorbell for the poll loop

	ackMu  sync.Mutex // serializes acknowledgement passes, so acks leave in order
	ackBuf []*message

	// onShipped, when set (the spool is on), is called by ackPass with the spool entry of the last spooled
	// message let go, under ackMu: the entries up to it are in Kafka.
	onShipped func(seq uint64)
}

func newPipeline(c *config, repo repository) *pipeline {
	p := &pipeline{
		queueSize:       max(c.queueSize, 1),
		maxBytes:        max(c.maxBytes, 1),
		maxBatch:        max(c.maxBatch, 1),
		maxNotCommitted: max(c.maxNotCommitted, len(c.kafkaTopics)),
		perUnit:         len(c.kafkaTopics),
		repo:            repo,
		idemHeader:      c.idemHeader,
		lanes:           make([]lane, lanes(c)),
		room:            make(chan struct{}),
		wake:            make(chan struct{}, 1),
	}
	if c.aggregate {
		p.agg = &aggregator{size: max(c.aggSize, 1), timeout: c.aggTimeout}
	}
	return p
}

// lanes is the number of lanes of a task's pipeline: one per connection, or with the spool on one, the
// spool's order (the connections feed the spool instead).
func lanes(c *config) int {
	if c.spool {
		return 1
	}
	return max(c.connections, 1)
}

// signal rings the poll loop's doorbell.
func (p *pipeline) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// roomCheckInterval is how often a blocked arrival asks again whether it may keep waiting.
const roomCheckInterval = 100 * time.Millisecond

// arrive appends a message in arrival order, to the lane of its connection (m.conn). It waits while the
// messages held (by every connection of the task) would exceed the byte budget with m (a message alone is
// always taken, however large), and a QoS 0 or spooled message also while the buffer holds queueSize
// messages. Waiting blocks paho's router (or the spool's shipper), so reading from the broker pauses and the
// broker's flow control (its in-flight window, then TCP) holds the rest. It waits until there is room, the
// pipeline closes, or mayWait (nil: always) reports that it may not wait (its connection is gone, or not yet
// subscribed); then m is taken anyway: nothing is dropped. It reports false when the pipeline is closed and
// m was not taken.
func (p *pipeline) arrive(m *message, mayWait func() bool) bool {
	cost := m.cost()
	p.mu.Lock()
	for p.full(m, cost) && (mayWait == nil || mayWait()) {
		p.blocked = true
		room := p.room
		p.mu.Unlock()
		timer := time.NewTimer(roomCheckInterval)
		select {
		case <-room:
		case <-timer.C:
		}
		timer.Stop()
		p.mu.Lock()
	}
	if p.closed {
		p.mu.Unlock()
		return false
	}
	m.seq = p.seq
	p.seq++
	l := &p.lanes[m.conn]
	l.pending.push(m)
	p.buffered++
	if m.ordered() {
		l.unacked.push(m)
	}
	p.bytes += cost
	p.mu.Unlock()
	p.signal()
	return true
}

// hold and resume are the intake's: see below. signal is too.
var _ intake = (*pipeline)(nil)

// full reports whether m (of cost) must wait for room; p.mu is held.
func (p *pipeline) full(m *message, cost int64) bool {
	if p.closed {
		return false
	}
	return (!m.ordered() || m.spoolSeq > 0) && p.buffered >= p.queueSize || (p.bytes > 0 && p.bytes+cost > p.maxBytes)
}

// release lets go of messages of the given total cost and wakes blocked arrivals; p.mu is held.
func (p *pipeline) release(cost int64) {
	p.bytes -= cost
	p.wakeArrivals()
}

// wakeArrivals wakes arrivals waiting for room, if any; p.mu is held. They check again for themselves.
func (p *pipeline) wakeArrivals() {
	if p.blocked && !p.closed {
		p.blocked = false
		close(p.room)
		p.room = make(chan struct{})
	}
}

// close releases blocked arrivals and refuses new ones.
func (p *pipeline) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.room)
	}
}

// take moves ready messages out of the buffers as units, within the batch and uncommitted-record limits,
// in the order they arrived at the task, leaving the messages of held lanes where they are. Duplicates found
// by idempotency complete (or wait for their original) here and are not returned. next is when an
// incomplete aggregate times out (zero when there is none). With flush (the task is draining) an incomplete
// aggregate is complete now. The slice returned is the pipeline's, valid until the next take.
func (p *pipeline) take(now time.Time, flush bool) (units []*unit, next time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.allHeld() {
		return nil, time.Time{}
	}
	clear(p.taken)
	units = p.taken[:0]
	defer func() { p.taken = units }()
	buffered := p.buffered
	admit := func(u *unit) {
		if p.admit(u) {
			u.remaining = p.perUnit
			p.outstanding += p.perUnit
			units = append(units, u)
		}
	}
	for len(units) < p.maxBatch && p.outstanding+p.perUnit <= p.maxNotCommitted {
		m := p.next()
		if m == nil {
			break
		}
		if p.agg == nil {
			admit(singleUnit(m))
			continue
		}
		if u := p.agg.add(m, now); u != nil {
			admit(u)
		}
	}
	if p.agg != nil && len(p.agg.group) > 0 {
		if due := p.agg.due(); flush || !now.Before(due) {
			if len(units) < p.maxBatch && p.outstanding+p.perUnit <= p.maxNotCommitted {
				admit(p.agg.flush())
			}
		} else {
			next = due
		}
	}
	if p.buffered < buffered {
		p.wakeArrivals() // the buffer has room for QoS 0 again
	}
	p.limited = p.outstanding+p.perUnit > p.maxNotCommitted
	return units, next
}

// next pops the buffered message that arrived first among the lanes that are not held, or returns nil;
// p.mu is held. A task has a handful of connections, so a scan of the lanes' heads is cheap.
func (p *pipeline) next() *message {
	var from *lane
	for i := range p.lanes {
		l := &p.lanes[i]
		if !l.held && l.pending.len() > 0 && (from == nil || l.pending.front().seq < from.pending.front().seq) {
			from = l
		}
	}
	if from == nil {
		return nil
	}
	p.buffered--
	return from.pending.pop()
}

// idle reports whether the pipeline holds nothing to poll: no buffered message, no incomplete aggregate.
func (p *pipeline) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buffered == 0 && (p.agg == nil || len(p.agg.group) == 0)
}

// allHeld reports whether every lane waits for its connection's CONNACK; p.mu is held.
func (p *pipeline) allHeld() bool {
	for i := range p.lanes {
		if !p.lanes[i].held {
			return false
		}
	}
	return true
}

// admit applies idempotency to a unit: it reports whether the unit is new. A duplicate of a unit whose
// records are in Kafka completes at once; a duplicate of one still in flight completes with it.
func (p *pipeline) admit(u *unit) bool {
	if p.repo == nil {
		return true
	}
	key, ok := p.idempotencyKey(u)
	if !ok {
		return true
	}
	switch orig, seen := p.repo.lookup(key); {
	case !seen:
		p.repo.addPending(key, u)
		u.key, u.keyed = key, true
		return true
	case orig != nil:
		orig.waiters = append(orig.waiters, u)
	default:
		p.complete(u)
	}
	return false
}

// idempotencyKey is Camel's ${body} or ${headers.<name>} for the unit; a header that does not exist gives no
// key, and the unit is not checked.
func (p *pipeline) idempotencyKey(u *unit) (string, bool) {
	switch {
	case p.idemHeader == "":
		return string(u.body), true
	case strings.EqualFold(p.idemHeader, HeaderTopic):
		return u.topic, true
	case strings.EqualFold(p.idemHeader, HeaderQoS):
		return strconv.Itoa(int(u.qos)), true
	}
	return "", false
}

// register records the records made from units, in poll order, so commits find their unit.
func (p *pipeline) register(units []*unit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range units {
		for _, r := range u.records {
			p.polled.push(polledRecord{rec: r, u: u})
		}
		u.records = nil
	}
}

// commit is called once Kafka acknowledged rec (or the worker dropped it): when the last record of a unit
// is committed, the unit's messages may be acknowledged.
func (p *pipeline) commit(rec *connector.SourceRecord) {
	p.mu.Lock()
	var u *unit
	if p.polled.len() > 0 && p.polled.front().rec == rec {
		u = p.polled.pop().u
	} else {
		// The worker commits in poll order, so this only happens if it skipped a record.
		for i := range p.polled.len() {
			if p.polled.at(i).rec == rec {
				u = p.polled.at(i).u
				p.polled.removeAt(i)
				break
			}
		}
	}
	if u != nil {
		p.outstanding--
		if u.remaining--; u.remaining == 0 {
			p.complete(u)
		}
	}
	// Only a poll held back by maxNotCommitted waits for commits; waking it for every one would cost the poll
	// goroutine a turn per record.
	wake := p.limited && p.outstanding+p.perUnit <= p.maxNotCommitted
	if wake {
		p.limited = false
	}
	p.mu.Unlock()
	if wake {
		p.signal()
	}
	p.ackPass()
}

// complete marks a unit's messages, and those of the duplicates waiting on it, ready to acknowledge. QoS 0
// messages that are not spooled have no acknowledgement to wait for: the pipeline lets go of them here.
func (p *pipeline) complete(u *unit) {
	for _, m := range u.msgs {
		m.done = true
		if !m.ordered() {
			p.release(m.cost())
		}
	}
	if u.keyed {
		p.repo.confirm(u.key)
	}
	for _, w := range u.waiters {
		p.complete(w)
	}
	u.waiters = nil
}

// hold stops polls from taking the buffered messages of connection conn until resume: its persistent session
// lost the connection, and whether the broker will send the buffered QoS 1 and 2 messages again is known
// only from the next CONNACK. The other connections' messages keep flowing.
func (p *pipeline) hold(conn int) {
	p.mu.Lock()
	p.lanes[conn].held = true
	p.mu.Unlock()
}

// resume lets polls take connection conn's messages again after a connection attempt; with redelivered it
// first drops its buffered QoS 1 and 2 messages of attempts older than gen (see discardStale). It reports how
// many it dropped.
func (p *pipeline) resume(conn int, gen uint64, redelivered bool) int {
	n := 0
	if redelivered {
		n = p.discardStale(conn, gen)
	}
	p.mu.Lock()
	p.lanes[conn].held = false
	p.mu.Unlock()
	p.signal()
	return n
}

// discardStale drops connection conn's buffered QoS 1 and 2 messages of attempts older than gen: the broker
// resumed the session and sends them again, so keeping them would only write them twice.
func (p *pipeline) discardStale(conn int, gen uint64) int {
	p.mu.Lock()
	dropped := 0
	p.lanes[conn].pending.filter(func(m *message) bool {
		if m.gen >= gen || m.qos == 0 {
			return true
		}
		m.done, m.stale = true, true
		dropped++
		return false
	})
	if dropped > 0 {
		p.buffered -= dropped
		p.wakeArrivals()
	}
	p.mu.Unlock()
	p.ackPass()
	return dropped
}

// With the spool on, the spool is the pipeline's only lane (see lanes); hold, resume and discardStale concern
// the lanes of connections, which then feed the spool instead.

// ackPass acknowledges, on every connection, the longest run of ready messages at the head of its arrival
// order. A connection whose oldest message is not in Kafka yet holds back only its own acknowledgements. Acks
// go out outside the pipeline lock (paho may block on its network goroutine) but under ackMu, so two passes
// cannot interleave and reorder them. Spooled messages were acknowledged when they became durable; their
// run commits the spool up to its last entry instead (onShipped).
func (p *pipeline) ackPass() {
	p.ackMu.Lock()
	defer p.ackMu.Unlock()
	p.mu.Lock()
	buf := p.ackBuf[:0]
	var freed int64
	var shipped uint64
	for i := range p.lanes {
		l := &p.lanes[i]
		for l.unacked.len() > 0 && l.unacked.front().done {
			m := l.unacked.pop()
			freed += m.cost()
			if m.spoolSeq > 0 {
				shipped = m.spoolSeq
				continue
			}
			buf = append(buf, m)
		}
	}
	if freed > 0 {
		p.release(freed)
	}
	p.mu.Unlock()
	for _, m := range buf {
		if !m.stale && m.ack != nil {
			m.ack.Ack()
		}
	}
	clear(buf)
	p.ackBuf = buf[:0]
	if shipped > 0 && p.onShipped != nil {
		p.onShipped(shipped)
	}
}

// stats reports the buffered, in-flight and unacknowledged counts, for tests and logs.
func (p *pipeline) stats() (pending, outstanding, unacked int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.lanes {
		unacked += p.lanes[i].unacked.len()
	}
	return p.buffered, p.outstanding, unacked
}

// heldBytes reports the cost of the messages held, for tests and logs.
func (p *pipeline) heldBytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

// aggregator is Camel's aggregate EIP with one global group, completionSize and completionTimeout, and the
// StringAggregator strategy: bodies joined with newlines, headers of the newest message.
type aggregator struct {
	size    int
	timeout time.Duration
	group   []*message
	last    time.Time // when the newest message joined
}

// add appends m and returns the completed unit when the group reached its size.
func (a *aggregator) add(m *message, now time.Time) *unit {
	a.group = append(a.group, m)
	a.last = now
	if len(a.group) >= a.size {
		return a.flush()
	}
	return nil
}

// due is when the current group times out.
func (a *aggregator) due() time.Time { return a.last.Add(a.timeout) }

// flush turns the current group into a unit.
func (a *aggregator) flush() *unit {
	msgs := a.group
	a.group = nil
	last := msgs[len(msgs)-1]
	u := &unit{msgs: msgs, topic: last.topic, qos: last.qos, received: last.received}
	if len(msgs) == 1 {
		u.body = last.payload
		return u
	}
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte('\n')
		}
		// Camel reads each body as a String, which replaces malformed UTF-8.
		b.WriteString(strings.ToValidUTF8(string(m.payload), "\uFFFD"))
	}
	u.body = []byte(b.String())
	return u
}
