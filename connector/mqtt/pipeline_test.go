package mqtt

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// ackLog records acknowledgements in the order they are sent.
type ackLog struct {
	mu   sync.Mutex
	acks []string
}

type fakeAck struct {
	log  *ackLog
	name string
}

func (a fakeAck) Ack() {
	a.log.mu.Lock()
	a.log.acks = append(a.log.acks, a.name)
	a.log.mu.Unlock()
}

func (l *ackLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.acks, ",")
}

// testPipeline is a pipeline with its record builder, driven without a broker.
type testPipeline struct {
	*pipeline
	b   *recordBuilder
	log *ackLog
}

func newTestPipeline(t *testing.T, extra map[string]string) *testPipeline {
	t.Helper()
	raw := map[string]string{fieldBrokerURL: "tcp://localhost:1883", fieldTopic: "#", fieldTopics: "out"}
	maps.Copy(raw, extra)
	cfg, err := parseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	var repo repository
	if cfg.idempotency {
		repo = &memoryRepository{cache: newLRU(cfg.idemDimension)}
	}
	return &testPipeline{pipeline: newPipeline(cfg, repo), b: newRecordBuilder(cfg), log: &ackLog{}}
}

// arrive feeds a message named by its payload.
func (p *testPipeline) arrive(payload string, qos byte, gen uint64) {
	p.pipeline.arrive(&message{topic: "t/" + payload, payload: []byte(payload), qos: qos, gen: gen,
		received: time.Now(), ack: fakeAck{p.log, payload}}, nil)
}

// poll takes what is ready and turns it into registered records, as SourceTask.Poll does.
func (p *testPipeline) poll(now time.Time) []*connector.SourceRecord {
	units, _ := p.take(now, false)
	var out []*connector.SourceRecord
	for _, u := range units {
		start := len(out)
		out = p.b.build(u, out)
		u.records = out[start:len(out):len(out)]
	}
	p.register(units)
	p.ackPass()
	return out
}

func values(recs []*connector.SourceRecord) string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprint(r.Value))
	}
	return strings.Join(out, ",")
}

func TestAcksFollowArrivalOrderAndWaitForEveryTopic(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldTopics: "k1,k2"})
	p.arrive("a", 1, 1)
	p.arrive("b", 0, 1) // QoS 0: nothing to acknowledge, it does not hold back the others
	p.arrive("c", 2, 1)
	recs := p.poll(time.Now())
	if len(recs) != 6 {
		t.Fatalf("%d records, want 2 per message", len(recs))
	}
	p.commit(recs[0]) // a, first topic only
	if got := p.log.String(); got != "" {
		t.Fatalf("acked %q before a's second record was in Kafka", got)
	}
	p.commit(recs[4]) // c out of poll order: still behind a
	p.commit(recs[5])
	if got := p.log.String(); got != "" {
		t.Fatalf("acked %q before a", got)
	}
	p.commit(recs[1])
	if got := p.log.String(); got != "a,c" {
		t.Fatalf("acks %q, want a,c", got)
	}
	p.commit(recs[2])
	p.commit(recs[3])
	if _, outstanding, unacked := p.stats(); outstanding != 0 || unacked != 0 {
		t.Fatalf("outstanding %d unacked %d after all commits", outstanding, unacked)
	}
}

func TestFullBufferHoldsQoS0ArrivalsAndTakesQoS1(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldQueueSize: "2"})
	p.arrive("q1", 1, 1)
	p.arrive("q2", 1, 1)
	p.arrive("q3", 1, 1) // QoS 1 beyond the buffer: held, unacknowledged, never refused
	if pending, _, _ := p.stats(); pending != 3 {
		t.Fatalf("%d pending, want 3", pending)
	}
	var checks atomic.Int32
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		p.pipeline.arrive(&message{topic: "t", payload: []byte("z"), qos: 0, ack: fakeAck{p.log, "z"}}, func() bool {
			checks.Add(1) // only a blocked arrival asks whether its connection is still open
			return true
		})
	}()
	waitFor(t, 10*time.Second, "QoS 0 arrival blocked on the full buffer", func() bool { return checks.Load() > 0 })
	select {
	case <-returned:
		t.Fatal("QoS 0 arrival returned while the buffer was full")
	default:
	}
	if pending, _, _ := p.stats(); pending != 3 {
		t.Fatalf("%d pending while blocked, want 3", pending)
	}
	if got := values(p.poll(time.Now())); got != "q1,q2,q3" {
		t.Fatalf("polled %s", got)
	}
	<-returned
	if got := values(p.poll(time.Now())); got != "z" {
		t.Fatalf("polled %s after room was made, want z", got)
	}
}

func TestBlockedQoS0ArrivalGivesUpWaitingWhenTheConnectionDrops(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldQueueSize: "1"})
	p.arrive("a", 0, 1)
	var open atomic.Bool
	open.Store(true)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		p.pipeline.arrive(&message{topic: "t", payload: []byte("b"), ack: fakeAck{p.log, "b"}}, open.Load)
	}()
	open.Store(false)
	<-returned
	if got := values(p.poll(time.Now())); got != "a,b" {
		t.Fatalf("polled %s: a message waiting for room must be kept, not dropped", got)
	}
}

func TestPollStopsAtMaxUncommittedRecords(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldMaxNotCommitted: "4", fieldTopics: "k1,k2", fieldMaxBatchPollSize: "10"})
	for _, s := range []string{"a", "b", "c"} {
		p.arrive(s, 1, 1)
	}
	first := p.poll(time.Now())
	if len(first) != 4 || len(p.poll(time.Now())) != 0 {
		t.Fatalf("polled %d records, want the limit of 4 and then nothing", len(first))
	}
	p.commit(first[0])
	p.commit(first[1])
	if got := values(p.poll(time.Now())); got != "c,c" {
		t.Fatalf("after two commits polled %q, want c's two records", got)
	}
}

// TestCommitWakesOnlyAPollHeldBackByTheLimit checks the poll's doorbell on commits: rung by the commit that
// makes room under maxNotCommitted after a poll stopped at it, and not by commits of a poll that was not held
// back (waking the poll for every record was a goroutine hand-off per record).
func TestCommitWakesOnlyAPollHeldBackByTheLimit(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldMaxNotCommitted: "2", fieldMaxBatchPollSize: "10"})
	rung := func() bool {
		select {
		case <-p.wake:
			return true
		default:
			return false
		}
	}
	p.arrive("a", 0, 1)
	p.arrive("b", 0, 1)
	p.arrive("c", 0, 1)
	recs := p.poll(time.Now())
	if len(recs) != 2 {
		t.Fatalf("polled %d records, want the limit of 2", len(recs))
	}
	rung() // the arrivals rang it
	p.commit(recs[0])
	if !rung() {
		t.Fatal("the commit that made room under the limit did not wake the poll")
	}
	p.commit(recs[1])
	if rung() {
		t.Fatal("a second commit rang again, with no poll held back since the first")
	}
	recs = p.poll(time.Now())
	if got := values(recs); got != "c" {
		t.Fatalf("polled %q, want c", got)
	}
	p.commit(recs[0])
	if rung() {
		t.Fatal("the commit of a record polled below the limit woke the poll")
	}
}

func TestPollHonoursMaxBatchPollSize(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldMaxBatchPollSize: "2"})
	for _, s := range []string{"a", "b", "c"} {
		p.arrive(s, 0, 1)
	}
	if got := values(p.poll(time.Now())); got != "a,b" {
		t.Fatalf("first poll %s", got)
	}
	if got := values(p.poll(time.Now())); got != "c" {
		t.Fatalf("second poll %s", got)
	}
}

func TestIdempotencyDropsRepeatedPayloads(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldIdempotencyEnabled: "true"})
	p.arrive("x", 1, 1)
	p.arrive("y", 1, 1)
	p.arrive("x", 1, 1) // duplicate of a message still in flight
	recs := p.poll(time.Now())
	if got := values(recs); got != "x,y" {
		t.Fatalf("polled %s, want the duplicate dropped", got)
	}
	p.commit(recs[1])
	if got := p.log.String(); got != "" {
		t.Fatalf("acked %q before the first x was in Kafka", got)
	}
	p.commit(recs[0])
	if got := p.log.String(); got != "x,y,x" {
		t.Fatalf("acks %q, want x,y and the dropped duplicate after them", got)
	}
	p.arrive("x", 1, 1) // duplicate of a message already in Kafka: acknowledged at once
	if got := values(p.poll(time.Now())); got != "" {
		t.Fatalf("polled %s", got)
	}
	if got := p.log.String(); got != "x,y,x,x" {
		t.Fatalf("acks %q", got)
	}
}

func TestIdempotencyByHeaderAndLRUSize(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldIdempotencyEnabled: "true", fieldIdempotencyType: "header",
		fieldIdempotencyHeader: "CamelMqttTopic", fieldIdempotencyDimension: "1"})
	for _, topic := range []string{"a", "a", "b", "a"} {
		p.pipeline.arrive(&message{topic: topic, payload: []byte("same"), qos: 0}, nil)
	}
	var topics []string
	for _, r := range p.poll(time.Now()) {
		topics = append(topics, r.Key.(string))
	}
	// "a" is forgotten once "b" takes the only slot of the LRU.
	if strings.Join(topics, ",") != "a,b,a" {
		t.Fatalf("keys %v", topics)
	}
}

func TestStringAggregatorJoinsBySizeAndTimeout(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldBeansAggregate: "#class:" + StringAggregator,
		fieldAggregationSize: "3", fieldAggregationTimeout: "500"})
	now := time.Now()
	for _, s := range []string{"a", "b", "c", "d"} {
		p.arrive(s, 1, 1)
	}
	recs := p.poll(now)
	if len(recs) != 1 || recs[0].Value != "a\nb\nc" || recs[0].Key != "t/c" {
		t.Fatalf("records %v: want one aggregate of a, b and c with the last message's topic", values(recs))
	}
	if units, due := p.take(now.Add(499*time.Millisecond), false); len(units) != 0 || !due.Equal(now.Add(500*time.Millisecond)) {
		t.Fatalf("d completed early (%d units) or wrong due time %v", len(units), due)
	}
	p.commit(recs[0])
	if got := p.log.String(); got != "a,b,c" {
		t.Fatalf("acks %q after the aggregate was committed", got)
	}
	late := p.poll(now.Add(500 * time.Millisecond))
	if fmt.Sprint(late[0].Value) != "d" {
		t.Fatalf("timed-out aggregate %v", values(late))
	}
}

func TestDiscardStaleDropsOnlyRedeliveredBufferedMessages(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, nil)
	p.arrive("polled", 1, 1)
	recs := p.poll(time.Now())
	p.arrive("old1", 1, 1)
	p.arrive("old0", 0, 1) // QoS 0 is never redelivered: kept
	p.arrive("new", 1, 2)
	if n := p.discardStale(0, 2); n != 1 {
		t.Fatalf("dropped %d, want old1 only", n)
	}
	if got := values(p.poll(time.Now())); got != "old0,new" {
		t.Fatalf("polled %s", got)
	}
	p.commit(recs[0])
	if got := p.log.String(); got != "polled" {
		t.Fatalf("acks %q: a stale message must not be acknowledged on the new connection", got)
	}
	if _, _, unacked := p.stats(); unacked != 1 {
		t.Fatalf("%d unacknowledged, want new", unacked)
	}
}

func TestFifoKeepsOrderThroughCompaction(t *testing.T) {
	t.Parallel()
	var f fifo[int]
	var want []int
	for i := range 5000 {
		f.push(i)
		want = append(want, i)
		if i%3 == 0 {
			if got := f.pop(); got != want[0] {
				t.Fatalf("pop %d, want %d", got, want[0])
			}
			want = want[1:]
		}
	}
	f.removeAt(10)
	want = slices.Delete(want, 10, 11)
	f.filter(func(v int) bool { return v%2 == 0 })
	want = slices.DeleteFunc(want, func(v int) bool { return v%2 != 0 })
	var got []int
	for f.len() > 0 {
		got = append(got, f.pop())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("fifo lost order: %d items, want %d", len(got), len(want))
	}
}

// TestByteBudgetPausesReadingWhileKafkaIsBlocked feeds QoS 1 messages as paho's router does, one after the
// other from one goroutine, while Kafka takes nothing: the bytes the task holds never exceed the budget and
// the feeder is held (reading from the broker stops) instead of the buffer growing. Once Kafka takes
// records again, every message arrives and is acknowledged, in order, exactly once.
func TestByteBudgetPausesReadingWhileKafkaIsBlocked(t *testing.T) {
	t.Parallel()
	const (
		total   = 200
		size    = 1000
		fitting = 10 // messages within the budget
	)
	topic := func(i int) string { return fmt.Sprintf("t/%03d", i) }
	cost := (&message{topic: topic(0), payload: make([]byte, size)}).cost()
	budget := fitting * cost
	p := newTestPipeline(t, map[string]string{fieldBufferMaxBytes: strconv.FormatInt(budget, 10)})

	var fed atomic.Int64
	var peak atomic.Int64
	feederDone := make(chan struct{})
	go func() {
		defer close(feederDone)
		for i := range total {
			payload := []byte(fmt.Sprintf("%0*d", size, i))
			p.pipeline.arrive(&message{topic: topic(i), payload: payload, qos: 1, gen: 1,
				ack: fakeAck{p.log, strconv.Itoa(i)}}, func() bool { return true })
			fed.Add(1)
			if held := p.heldBytes(); held > peak.Load() {
				peak.Store(held)
			}
		}
	}()
	blocked := func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.blocked
	}
	done := func() bool {
		select {
		case <-feederDone:
			return true
		default:
			return false
		}
	}

	// Kafka is blocked: the worker polls, but nothing is committed.
	var inFlight []*connector.SourceRecord
	for range 3 {
		waitFor(t, 10*time.Second, "the feeder to block or finish", func() bool { return blocked() || done() })
		if done() {
			t.Fatalf("all %d messages taken while Kafka took none: nothing held reading from the broker back", total)
		}
		inFlight = append(inFlight, p.poll(time.Now())...)
	}
	waitFor(t, 10*time.Second, "the feeder to block again", blocked)
	if n := fed.Load(); n != fitting {
		t.Fatalf("%d messages taken while Kafka is blocked, want the %d that fit the budget", n, fitting)
	}
	if held := p.heldBytes(); held > budget {
		t.Fatalf("holding %d bytes, budget %d", held, budget)
	}

	// Kafka resumes: commit everything polled, and keep polling until every message is acknowledged.
	var got []string
	for _, r := range inFlight {
		got = append(got, fmt.Sprint(r.Value))
		p.commit(r)
	}
	acked := func() int {
		p.log.mu.Lock()
		defer p.log.mu.Unlock()
		return len(p.log.acks)
	}
	for acked() < total {
		recs := p.poll(time.Now())
		for _, r := range recs {
			got = append(got, fmt.Sprint(r.Value))
			p.commit(r)
		}
		if len(recs) == 0 {
			select {
			case <-p.wake:
			case <-time.After(10 * time.Second):
				t.Fatalf("stuck with %d of %d messages acknowledged", acked(), total)
			}
		}
	}
	<-feederDone
	if peak.Load() > budget {
		t.Fatalf("held %d bytes at the peak, budget %d", peak.Load(), budget)
	}
	if len(got) != total {
		t.Fatalf("%d records, want %d", len(got), total)
	}
	for i, v := range got {
		if n, err := strconv.Atoi(v); err != nil || n != i {
			t.Fatalf("record %d is %q: lost, duplicated or out of order", i, v)
		}
	}
	for i, a := range p.log.acks {
		if a != strconv.Itoa(i) {
			t.Fatalf("ack %d is %s: acknowledgements out of order", i, a)
		}
	}
	if held := p.heldBytes(); held != 0 {
		t.Fatalf("%d bytes still held after every acknowledgement", held)
	}
}

func TestAMessageLargerThanTheBudgetIsTakenAlone(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldBufferMaxBytes: "100"})
	p.arrive(strings.Repeat("x", 1000), 1, 1) // nothing held: taken, or the task would wait forever
	if pending, _, _ := p.stats(); pending != 1 {
		t.Fatalf("%d pending, want the large message", pending)
	}
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		p.arrive("y", 1, 1)
	}()
	waitFor(t, 10*time.Second, "the next arrival to wait", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.blocked
	})
	for _, r := range p.poll(time.Now()) {
		p.commit(r)
	}
	<-returned
	if got := values(p.poll(time.Now())); got != "y" {
		t.Fatalf("polled %q after the large message was acknowledged, want y", got)
	}
}

// arriveOn feeds a message named by its payload on connection conn.
func (p *testPipeline) arriveOn(conn int, payload string, qos byte, gen uint64) {
	p.pipeline.arrive(&message{topic: "t/" + payload, payload: []byte(payload), qos: qos, conn: conn, gen: gen,
		received: time.Now(), ack: fakeAck{p.log, payload}}, nil)
}

// TestEachConnectionAcknowledgesInItsOwnArrivalOrder interleaves two connections' messages: polls follow the
// task's arrival order, and each connection's acknowledgements follow its own arrival order, unheld by the
// other connection's uncommitted messages.
func TestEachConnectionAcknowledgesInItsOwnArrivalOrder(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldConnectionsPerTask: "2"})
	p.arriveOn(0, "a0", 1, 1)
	p.arriveOn(1, "b0", 1, 1)
	p.arriveOn(0, "a1", 1, 1)
	p.arriveOn(1, "b1", 2, 1)
	recs := p.poll(time.Now())
	if got := values(recs); got != "a0,b0,a1,b1" {
		t.Fatalf("polled %s, want the task's arrival order", got)
	}
	p.commit(recs[3]) // b1 waits for b0
	p.commit(recs[0])
	p.commit(recs[2]) // connection 0 is not held back by connection 1's b0
	if got := p.log.String(); got != "a0,a1" {
		t.Fatalf("acks %q, want a0,a1: connection 1 waits for b0, connection 0 for nothing", got)
	}
	p.commit(recs[1])
	if got := p.log.String(); got != "a0,a1,b0,b1" {
		t.Fatalf("acks %q, want a0,a1,b0,b1", got)
	}
	if pending, outstanding, unacked := p.stats(); pending+outstanding+unacked != 0 || p.heldBytes() != 0 {
		t.Fatalf("pending %d, outstanding %d, unacked %d, %d bytes held after everything was acknowledged",
			pending, outstanding, unacked, p.heldBytes())
	}
}

// TestALostConnectionHoldsOnlyItsOwnMessages loses connection 1 of a persistent session: its buffered
// message waits for the next CONNACK (and is dropped when the broker resumes the session and sends it again)
// while connection 0's messages are polled and acknowledged meanwhile.
func TestALostConnectionHoldsOnlyItsOwnMessages(t *testing.T) {
	t.Parallel()
	p := newTestPipeline(t, map[string]string{fieldConnectionsPerTask: "2"})
	p.arriveOn(0, "a0", 1, 1)
	p.arriveOn(1, "b0", 1, 1)
	p.hold(1)
	p.arriveOn(0, "a1", 1, 1)
	first := p.poll(time.Now())
	if got := values(first); got != "a0,a1" {
		t.Fatalf("polled %s while connection 1 is lost, want connection 0's a0,a1", got)
	}
	commitAll := func(recs []*connector.SourceRecord) {
		for _, r := range recs {
			p.commit(r)
		}
	}
	commitAll(first)
	if got := p.log.String(); got != "a0,a1" {
		t.Fatalf("acks %q, want a0,a1", got)
	}
	if n := p.resume(1, 2, true); n != 1 {
		t.Fatalf("resume dropped %d buffered messages, want b0 (the broker sends it again)", n)
	}
	p.arriveOn(1, "b0", 1, 2) // the broker's redelivery
	second := p.poll(time.Now())
	if got := values(second); got != "b0" {
		t.Fatalf("polled %s after the CONNACK, want the redelivered b0 once", got)
	}
	commitAll(second)
	if got := p.log.String(); got != "a0,a1,b0" {
		t.Fatalf("acks %q, want a0,a1,b0: the stale copy is not acknowledged", got)
	}
}

// TestConnectionsShareTheTaskByteBudget fills the budget with connection 0's message: connection 1's
// arrival waits (its reading pauses) until connection 0's message is acknowledged.
func TestConnectionsShareTheTaskByteBudget(t *testing.T) {
	t.Parallel()
	payload := strings.Repeat("x", 1000)
	budget := (&message{topic: "t/" + payload, payload: []byte(payload)}).cost()
	p := newTestPipeline(t, map[string]string{fieldConnectionsPerTask: "2", fieldBufferMaxBytes: strconv.FormatInt(budget, 10)})
	p.arriveOn(0, payload, 1, 1)
	arrived := make(chan struct{})
	go func() {
		defer close(arrived)
		p.arriveOn(1, "y", 1, 1)
	}()
	waitFor(t, 10*time.Second, "connection 1's arrival waiting for room", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.blocked
	})
	select {
	case <-arrived:
		t.Fatal("connection 1's message was taken beyond the task's byte budget")
	default:
	}
	recs := p.poll(time.Now())
	if len(recs) != 1 {
		t.Fatalf("%d records, want connection 0's message", len(recs))
	}
	p.commit(recs[0])
	<-arrived // room again once connection 0's message is acknowledged
	if got := values(p.poll(time.Now())); got != "y" {
		t.Fatalf("polled %s, want y", got)
	}
}
