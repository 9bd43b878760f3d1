package main

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// window bounds the messages between the load generator and the sink: a generator takes a slot before it
// sends and the sink gives one back for each message it sees. The load is then as fast as the pipeline
// drains, without overrunning it: no broker ever holds more than the window for a subscriber, so none drops
// a message, and every message is accounted for.
//
// A generator that found the window full waits until an eighth of it is free again: waking the generators
// for every message a sink sees would cost the harness more than the pipeline it measures.
type window struct {
	mu      sync.Mutex
	cond    sync.Cond
	size    int64
	resume  int64 // a waiting generator goes on once at most this many are outstanding
	limit   int64 // acquire fails once this many were sent; 0: no limit
	waiting int
	sent    int64
	done    int64
	closed  bool
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

// release gives back n slots.
func (w *window) release(n int) {
	w.mu.Lock()
	w.done += int64(n)
	wake := w.waiting > 0 && w.sent-w.done <= w.resume
	w.mu.Unlock()
	if wake {
		w.cond.Broadcast()
	}
}

// close wakes every waiting generator; acquire fails from now on.
func (w *window) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// counts returns the messages sent and those the sink saw.
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
	load := 0
	for _, v := range values {
		seq, ts, ok := decodePayload(v)
		load += r.countLocked(nanos, seq, ts, ok)
	}
	r.last = now
	r.mu.Unlock()
	if load > 0 {
		r.win.release(load)
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
	load := 0
	for _, m := range recs {
		load += r.countLocked(m.arrival, m.seq, m.ts, m.ok)
	}
	r.last = time.Unix(0, recs[len(recs)-1].arrival)
	r.mu.Unlock()
	if load > 0 {
		r.win.release(load)
	}
}

// countLocked counts one message; it returns 1 for a message of the load, 0 for a probe or junk.
func (r *recorder) countLocked(arrival int64, seq uint64, ts int64, ok bool) int {
	switch {
	case !ok:
		r.bad++
		return 0
	case seq == 0:
		r.probeOnce.Do(func() { close(r.probed) })
		return 0
	}
	r.total++
	if r.onMessage != nil {
		r.onMessage(time.Unix(0, arrival), seq, ts)
	}
	if from := r.from.Load(); from != 0 && arrival >= from && arrival < r.to.Load() {
		r.steady++
		r.hist.record(time.Duration(arrival - ts))
	}
	return 1
}

// snapshot returns the counters and a copy of the latency histogram.
func (r *recorder) snapshot() (steady, total, bad int64, last time.Time, hist histogram) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.steady, r.total, r.bad, r.last, r.hist
}
