package main

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// window bounds the messages between the load generator and the sink: a generator takes a slot before it
// sends and the sink gives one back for each message it sees. The load is then as fast as the pipeline
// drains, without overrunning it: a subscriber never holds more than the window, and every message is
// accounted for.
//
// A generator that found the window full waits until an eighth of it is free again: waking the generators
// for every message a sink sees would cost the harness more than the pipeline it measures.
//
// A broker may still drop messages: Mosquitto drops what exceeds a session's queue, and it counts a message
// in the queue until the subscriber's acknowledgement arrives, which can be well after the subscriber handed
// the message on. A dropped message would hold its slot forever, and enough of them stall the load. With
// trackLoss the window knows its messages by sequence number, gives a message's slot back once it has not
// arrived for the loss timeout, and counts it lost unless it arrives later (late).
type window struct {
	mu      sync.Mutex
	cond    sync.Cond
	size    int64
	resume  int64 // a waiting generator goes on once at most this many are outstanding
	limit   int64 // acquire fails once this many were sent; 0: no limit
	waiting int
	sent    int64
	done    int64 // slots given back: messages the sink saw, and with trackLoss those given up
	closed  bool

	// With trackLoss (timeout > 0):
	timeout     time.Duration
	outstanding map[uint64]int64    // sequence number → publish time (Unix ns): published, not seen yet
	order       []published         // publishes in order, for expiry; entries seen since are skipped
	head        int                 // order[head:] may still be outstanding
	expired     map[uint64]struct{} // given up after the timeout and not seen since: lost
	late        int64               // seen after they were given up
	duplicated  int64               // seen again (a QoS 1 redelivery), or never published
}

// published is one publish of a tracked window.
type published struct {
	seq uint64
	at  int64 // Unix ns
}

func newWindow(size int) *window {
	w := &window{size: int64(size), resume: int64(size) - max(1, int64(size)/8)}
	w.cond.L = &w.mu
	return w
}

// newBurst is a window that never waits and closes after total slots: an open-loop load of total messages,
// published as fast as the generators can.
func newBurst(total int64) *window {
	w := newWindow(math.MaxInt)
	w.limit = total
	return w
}

// trackLoss makes the window track its messages by sequence number (see published and arrived) and give up on
// one after timeout (see expire). Call it before the load starts.
func (w *window) trackLoss(timeout time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timeout = timeout
	w.outstanding = make(map[uint64]int64)
	w.expired = make(map[uint64]struct{})
}

// tracking reports whether trackLoss was called.
func (w *window) tracking() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.timeout > 0
}

// acquire takes a slot, waiting while the window is full; false once the window is closed.
func (w *window) acquire() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent-w.done >= w.size {
		w.waiting++
		for w.sent-w.done > w.resume && !w.closed {
			w.cond.Wait()
		}
		w.waiting--
	}
	if w.closed || (w.limit > 0 && w.sent >= w.limit) {
		return false
	}
	w.sent++
	return true
}

// publishing records that the message seq is about to be published at; a no-op without trackLoss. It must
// come before the publish, so that the sink cannot see the message first.
func (w *window) publishing(seq uint64, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timeout == 0 {
		return
	}
	w.outstanding[seq] = at.UnixNano()
	w.order = append(w.order, published{seq, at.UnixNano()})
}

// arrived gives back the slots of messages the sink saw. Without trackLoss each message frees a slot; with
// it, only a message still outstanding does: one given up already is counted late, and one seen before (or
// never published) duplicated.
func (w *window) arrived(seqs []uint64) {
	w.mu.Lock()
	n := int64(len(seqs))
	if w.timeout > 0 {
		n = 0
		for _, seq := range seqs {
			if _, ok := w.outstanding[seq]; ok {
				delete(w.outstanding, seq)
				n++
			} else if _, ok := w.expired[seq]; ok {
				delete(w.expired, seq)
				w.late++
			} else {
				w.duplicated++
			}
		}
	}
	w.giveBackLocked(n)
}

// release gives back n slots.
func (w *window) release(n int) {
	w.mu.Lock()
	w.giveBackLocked(int64(n))
}

// giveBackLocked adds n to the slots given back, unlocks, and wakes the waiting generators if there is room.
func (w *window) giveBackLocked(n int64) {
	w.done += n
	wake := n > 0 && w.waiting > 0 && w.sent-w.done <= w.resume
	w.mu.Unlock()
	if wake {
		w.cond.Broadcast()
	}
}

// expire gives up on the messages published more than the loss timeout before now and not seen since: their
// slots are given back and they count as lost until they arrive. A no-op without trackLoss.
func (w *window) expire(now time.Time) {
	w.mu.Lock()
	if w.timeout == 0 {
		w.mu.Unlock()
		return
	}
	cutoff := now.Add(-w.timeout).UnixNano()
	var n int64
	for ; w.head < len(w.order) && w.order[w.head].at <= cutoff; w.head++ {
		seq := w.order[w.head].seq
		if _, ok := w.outstanding[seq]; ok {
			delete(w.outstanding, seq)
			w.expired[seq] = struct{}{}
			n++
		}
	}
	// Drop the expired prefix once it is most of the slice, so order stays proportional to the messages
	// of the last timeout.
	if w.head > len(w.order)/2 {
		w.order = w.order[:copy(w.order, w.order[w.head:])]
		w.head = 0
	}
	w.giveBackLocked(n)
}

// losses returns, with trackLoss, the messages outstanding (published, not seen, not given up yet), lost
// (given up and not seen since), late (seen after they were given up) and duplicated.
func (w *window) losses() (outstanding, lost, late, duplicated int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int64(len(w.outstanding)), int64(len(w.expired)), w.late, w.duplicated
}

// close wakes every waiting generator; acquire fails from now on.
func (w *window) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// counts returns the messages sent and the slots given back.
func (w *window) counts() (sent, done int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent, w.done
}

// recorder is fed by a sink with every message it receives. It counts the load's messages and, for those
// arriving inside the steady window, their end-to-end latency (arrival minus the payload's publish time).
type recorder struct {
	win *window

	// from and to bound the steady window, Unix nanoseconds; zero until the load starts.
	from, to atomic.Int64

	probed    chan struct{} // closed at the first probe
	probeOnce sync.Once

	// onMessage, when set before the sink starts, is called with every load message's arrival, sequence
	// number and publish time (Unix nanoseconds), under the recorder's lock.
	onMessage func(now time.Time, seq uint64, ts int64)

	mu     sync.Mutex
	seqs   []uint64 // scratch: the load messages of one batch, for the window
	hist   histogram
	steady int64 // messages inside the steady window
	total  int64 // load messages (probes excluded)
	bad    int64 // messages that are not payloads
	last   time.Time
}

func newRecorder(win *window) *recorder {
	return &recorder{win: win, probed: make(chan struct{})}
}

// setWindow starts measuring at from, for d.
func (r *recorder) setWindow(from time.Time, d time.Duration) {
	r.to.Store(from.Add(d).UnixNano())
	r.from.Store(from.UnixNano())
}

// observe records messages that arrived at now. A sink calls it once per batch.
func (r *recorder) observe(now time.Time, values ...[]byte) {
	nanos := now.UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = r.seqs[:0]
	for _, v := range values {
		seq, ts, ok := decodePayload(v)
		r.countLocked(nanos, seq, ts, ok)
	}
	r.last = now
	r.releaseLocked()
}

// releaseLocked hands the batch's load messages to the window.
func (r *recorder) releaseLocked() {
	if len(r.seqs) > 0 {
		r.win.arrived(r.seqs)
	}
}

// sinkRecord is a message as a sink in another process saw it: its arrival time and decoded payload.
type sinkRecord struct {
	arrival int64 // Unix nanoseconds
	seq     uint64
	ts      int64
	ok      bool // false when the message was not a payload
}

// observeRecords records messages that sinks in other processes received.
func (r *recorder) observeRecords(recs []sinkRecord) {
	if len(recs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = r.seqs[:0]
	for _, m := range recs {
		r.countLocked(m.arrival, m.seq, m.ts, m.ok)
	}
	r.last = time.Unix(0, recs[len(recs)-1].arrival)
	r.releaseLocked()
}

// countLocked counts one message; a message of the load (not a probe or junk) joins the batch's seqs.
func (r *recorder) countLocked(arrival int64, seq uint64, ts int64, ok bool) {
	switch {
	case !ok:
		r.bad++
		return
	case seq == 0:
		r.probeOnce.Do(func() { close(r.probed) })
		return
	}
	r.seqs = append(r.seqs, seq)
	r.total++
	if r.onMessage != nil {
		r.onMessage(time.Unix(0, arrival), seq, ts)
	}
	if from := r.from.Load(); from != 0 && arrival >= from && arrival < r.to.Load() {
		r.steady++
		r.hist.record(time.Duration(arrival - ts))
	}
}

// snapshot returns the counters and a copy of the latency histogram.
func (r *recorder) snapshot() (steady, total, bad int64, last time.Time, hist histogram) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.steady, r.total, r.bad, r.last, r.hist
}
