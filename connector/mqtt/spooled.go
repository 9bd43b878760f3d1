package mqtt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/spool"
)

// A spool entry is one MQTT message, with what the records made from it need (their key, headers and
// timestamp come from its topic, QoS and receive time):
//
//	version   1 byte, entryVersion
//	qos       1 byte
//	received  8 bytes, big-endian: the receive time, Unix nanoseconds
//	topic     uvarint length, then the topic's bytes
//	payload   the rest
//
// A new field needs a new version; decodeEntry refuses versions it does not know, so an older connectd never
// ships an entry it would misread.
const entryVersion = 1

// entryHeaderLen is the fixed part of an entry, before the topic's length.
const entryHeaderLen = 10

// appendEntry appends m's spool entry to b.
func appendEntry(b []byte, m *message) []byte {
	b = append(b, entryVersion, m.qos)
	b = binary.BigEndian.AppendUint64(b, uint64(m.received.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(m.topic)))
	b = append(b, m.topic...)
	return append(b, m.payload...)
}

// decodeEntry reads a spool entry back into a message; its payload shares data.
func decodeEntry(data []byte) (*message, error) {
	if len(data) < entryHeaderLen {
		return nil, fmt.Errorf("entry of %d bytes is shorter than its header", len(data))
	}
	if v := data[0]; v != entryVersion {
		return nil, fmt.Errorf("entry format version %d is unknown to this connectd (it writes version %d; a newer "+
			"connectd wrote the entry?)", v, entryVersion)
	}
	qos := data[1]
	if qos > 2 {
		return nil, fmt.Errorf("entry has QoS %d", qos)
	}
	received := time.Unix(0, int64(binary.BigEndian.Uint64(data[2:10])))
	n, k := binary.Uvarint(data[entryHeaderLen:])
	if k <= 0 || k != uvarintLen(n) || n > uint64(len(data)-entryHeaderLen-k) {
		// A length written with more bytes than needed is not something appendEntry writes either.
		return nil, errors.New("entry's topic length is malformed or beyond its end")
	}
	rest := data[entryHeaderLen+k:]
	return &message{topic: string(rest[:n]), payload: rest[n:], qos: qos, received: received}, nil
}

// uvarintLen is the length of n's shortest uvarint encoding, the one binary.AppendUvarint writes.
func uvarintLen(n uint64) int { return max(1, (bits.Len64(n)+6)/7) }

// Spool tuning.
const (
	// spoolReadBatch is how many entries the shipper reads at a time.
	spoolReadBatch = 256
	// spoolLockWait bounds how long a task's start waits for its spool directory while another instance of the
	// task holds it: its previous run on this worker, still stopping (a worker gives a stopping task up to
	// task.shutdown.graceful.timeout.ms), or a worker that shares spool.dir.
	spoolLockWait = 60 * time.Second
	// spoolLockRetry is how often the start tries the lock again.
	spoolLockRetry = 100 * time.Millisecond
)

// ended is a context that has ended: an Append with it appends when there is room and never waits.
var ended = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// taskSpool is a task's durable local spool and what moves messages through it: the intake that appends the
// connections' messages and acknowledges them once durable (spoolIntake), the syncer (spool.Run), and the
// shipper that reads the spool in order into the task's pipeline, whose polls hand the records to the worker.
// Entries are committed once Kafka has every record made from them (pipeline.onShipped).
type taskSpool struct {
	log  *slog.Logger
	dir  string
	sp   *spool.Spool
	pipe *pipeline
	in   *spoolIntake

	handed atomic.Uint64 // the last entry the shipper put in the pipeline
	ages   spoolAges     // receive times of the entries handed and not committed, for ReportMetrics

	cancelShip context.CancelFunc
	shipCtx    context.Context
	wg         sync.WaitGroup // the syncer and the shipper
	ackWG      sync.WaitGroup // the connections' ack senders
	acksDone   chan struct{}  // closed once no durable callback can come: the ack senders finish
	stopOnce   sync.Once

	// closeMu orders commits before the spool's Close: a commit holds it shared, stop takes it to mark the
	// spool stopped (a commit after Close would reopen the checkpoint of a spool whose lock is released).
	closeMu sync.RWMutex
	stopped bool

	mu       sync.Mutex
	err      error     // the first failure: the task fails with it
	commitAt time.Time // when a failed commit was last logged
}

// openTaskSpool opens the task's spool in the directory the worker gives it, waiting for a previous instance
// of the task to let go of it (see spoolLockWait). It starts nothing; start does.
func openTaskSpool(ctx context.Context, cfg *config, log *slog.Logger, tc connector.SourceTaskContext, fs spool.FS,
	pipe *pipeline) (*taskSpool, error) {
	provider, ok := tc.(connector.SpoolDirProvider)
	if !ok {
		return nil, fmt.Errorf("%s=true needs a worker that gives tasks a spool directory (connectd's spool.dir); this "+
			"worker gives none", fieldSpoolEnabled)
	}
	dir, err := provider.SpoolDir()
	if err != nil {
		return nil, fmt.Errorf("mqtt spool: %w", err)
	}
	opts := spool.Options{MaxBytes: cfg.spoolMaxBytes, SkipCorrupt: cfg.spoolSkipCorrupt, FS: fs, Logger: log}
	deadline := time.Now().Add(spoolLockWait)
	var sp *spool.Spool
	for waited := false; ; waited = true {
		sp, err = spool.Open(dir, opts)
		if err == nil || !errors.Is(err, spool.ErrLocked) || time.Now().After(deadline) {
			break
		}
		if !waited {
			log.Info("mqtt spool directory in use by another instance of the task (still stopping, or on a worker "+
				"that shares spool.dir); waiting for it", "dir", dir)
		}
		timer := time.NewTimer(spoolLockRetry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("mqtt spool %s: %w", dir, context.Cause(ctx))
		case <-timer.C:
		}
	}
	switch {
	case errors.Is(err, spool.ErrLocked):
		return nil, fmt.Errorf("mqtt spool %s: still in use after %s by another instance of the task (a previous run "+
			"that does not stop, or a worker sharing spool.dir): %w", dir, spoolLockWait, err)
	case errors.Is(err, spool.ErrCorrupt):
		return nil, fmt.Errorf("mqtt spool %s holds acknowledged messages it cannot read; the files are left as they "+
			"are. Set %s=%s to ship the rest and log the loss: %w", dir, fieldSpoolCorruptPolicy, corruptSkip, err)
	case err != nil:
		return nil, fmt.Errorf("mqtt spool %s: %w", dir, err)
	}
	ts := &taskSpool{log: log, dir: dir, sp: sp, pipe: pipe, acksDone: make(chan struct{})}
	rec := sp.Recovery()
	ts.handed.Store(sp.Stats().Read)
	if rec.Entries > 0 {
		log.Info("mqtt spool holds messages from an earlier run; they are shipped before new ones", "dir", dir,
			"messages", rec.Entries, "bytes", rec.Bytes)
	}
	if free, ok := diskFree(dir); ok && free+rec.Bytes < cfg.spoolMaxBytes {
		log.Warn("the spool may fill the disk before it reaches "+fieldSpoolMaxBytes+"; a full disk fails the task",
			"dir", dir, "free_bytes", free, "spool_max_bytes", cfg.spoolMaxBytes)
	}
	ts.in = &spoolIntake{ts: ts, bufs: make([][]byte, cfg.connections), acks: make([]*ackQueue, cfg.connections)}
	ts.in.ctx, ts.in.cancel = context.WithCancel(context.Background())
	for i := range ts.in.acks {
		ts.in.acks[i] = &ackQueue{wake: make(chan struct{}, 1)}
	}
	pipe.onShipped = ts.commit
	return ts, nil
}

// start runs the syncer, the shipper and the connections' ack senders.
func (ts *taskSpool) start() {
	ts.shipCtx, ts.cancelShip = context.WithCancel(context.Background())
	ts.wg.Go(func() {
		if err := ts.sp.Run(context.Background()); err != nil {
			ts.fail(err)
		}
	})
	ts.wg.Go(func() { ts.ship(ts.shipCtx) })
	for _, q := range ts.in.acks {
		ts.ackWG.Go(func() { q.run(ts.acksDone) })
	}
}

// ship reads the spool in order, leftovers first, into the pipeline, until ctx ends, the spool closes, or
// an entry cannot be read.
func (ts *taskSpool) ship(ctx context.Context) {
	for {
		entries, err := ts.sp.Read(ctx, spoolReadBatch)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, spool.ErrClosed) {
				ts.fail(err)
			}
			return
		}
		for _, e := range entries {
			m, err := decodeEntry(e.Data)
			if err != nil {
				ts.fail(fmt.Errorf("entry %d: %w", e.Seq, err))
				return
			}
			m.spoolSeq = e.Seq
			ts.ages.push(e.Seq, m.received)
			if !ts.pipe.arrive(m, nil) {
				return // the task is stopping
			}
			ts.handed.Store(e.Seq)
		}
	}
}

// commit commits the spool up to seq, whose messages' records are all in Kafka (pipeline.onShipped). A failed
// commit (of the checkpoint, or a segment's deletion) holds in memory and is tried again by the next one; it is
// logged at most every 10 s.
func (ts *taskSpool) commit(seq uint64) {
	ts.ages.commit(seq)
	ts.closeMu.RLock()
	defer ts.closeMu.RUnlock()
	if ts.stopped {
		return // the next instance ships these entries again
	}
	if err := ts.sp.Commit(seq); err != nil {
		ts.mu.Lock()
		log := time.Since(ts.commitAt) >= 10*time.Second
		if log {
			ts.commitAt = time.Now()
		}
		ts.mu.Unlock()
		if log {
			ts.log.Warn("mqtt spool commit failed; the next commit tries again", "dir", ts.dir, "err", err)
		}
	}
}

// fail records the spool's first failure, which fails the task at its next poll, and stops the intake.
func (ts *taskSpool) fail(err error) {
	ts.mu.Lock()
	first := ts.err == nil
	if first {
		ts.err = err
	}
	ts.mu.Unlock()
	if first {
		ts.in.stop()
		ts.pipe.signal()
	}
}

// failure is the error the task fails with, once the spool failed.
func (ts *taskSpool) failure() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.err == nil {
		return nil
	}
	return fmt.Errorf("mqtt spool %s: %w; the task acknowledges nothing more. The messages it acknowledged stay in "+
		"the spool and are shipped when the task starts again (free disk space first if the disk is full)", ts.dir, ts.err)
}

// drained reports whether everything the spool took has been put in the pipeline and polled out of it: the
// intake is stopped and idle, the shipper has handed the last entry appended, and the pipeline holds nothing.
func (ts *taskSpool) drained() bool {
	if !ts.in.idle() {
		return false
	}
	return ts.handed.Load()+1 >= ts.sp.Stats().Next && ts.pipe.idle()
}

// stop stops the intake, the shipper and the syncer, closes the spool (what was appended is written, and the
// acknowledgements of what became durable are sent), and logs what stays for the next start. The pipeline must
// be closed first, so the shipper is not waiting for room.
func (ts *taskSpool) stop() {
	ts.stopOnce.Do(ts.stopNow)
}

func (ts *taskSpool) stopNow() {
	ts.in.stop()
	ts.closeMu.Lock()
	ts.stopped = true
	ts.closeMu.Unlock()
	ts.cancelShip()
	// Close stops Run, which writes what was appended and calls its callbacks; the ack senders then send the
	// last acknowledgements, while the connections are still up.
	if err := ts.sp.Close(); err != nil {
		ts.log.Warn("mqtt spool close failed", "dir", ts.dir, "err", err)
	}
	ts.wg.Wait()
	close(ts.acksDone)
	ts.ackWG.Wait()
	if st := ts.sp.Stats(); st.Next-1 > st.Committed {
		ts.log.Info("mqtt spool keeps messages Kafka does not have yet for the task's next start", "dir", ts.dir,
			"messages", st.Next-1-st.Committed, "bytes", st.Bytes)
	}
}

// spoolIntake takes the messages of the task's connections into the spool: each is appended as it arrives
// (on the connection's paho router, in arrival order), and acknowledged to the broker once it is durable, in
// the order the spool makes entries durable, which keeps each connection's arrival order.
type spoolIntake struct {
	ts   *taskSpool
	bufs [][]byte    // per connection: the entry being encoded (a router delivers one message at a time)
	acks []*ackQueue // per connection

	ctx    context.Context // ends the waits for room when the intake stops
	cancel context.CancelFunc
	full   atomic.Bool // the spool is full: logged when it starts and ends

	mu      sync.Mutex
	stopped bool
	active  int // arrivals between begin and end
}

var _ intake = (*spoolIntake)(nil)

// arrive appends m to the spool. When the spool is full it waits, on the connection's router, so reading from
// the broker pauses and the broker holds the rest; while mayWait does not allow waiting (the connection is
// gone, or the broker has not yet acknowledged the subscription, whose SUBACK a paused reader would never see)
// it appends past the spool's bound instead (spool.AppendNow), so that nothing is refused. A message that
// arrives after the intake stopped (the task is stopping or failed) is neither appended nor acknowledged: the
// broker keeps it.
func (in *spoolIntake) arrive(m *message, mayWait func() bool) bool {
	if !in.begin() {
		return false
	}
	defer in.end()
	b := appendEntry(in.bufs[m.conn][:0], m)
	in.bufs[m.conn] = b
	durable := in.durable(m)
	_, err := in.ts.sp.Append(ended, b, durable)
	for errors.Is(err, spool.ErrFull) && in.ctx.Err() == nil {
		if in.full.CompareAndSwap(false, true) {
			st := in.ts.sp.Stats()
			in.ts.log.Warn("mqtt spool full: the task stops acknowledging messages until Kafka takes what the spool "+
				"holds; the broker keeps the rest", "dir", in.ts.dir, "bytes", st.Bytes, "spool_max_bytes", st.MaxBytes)
		}
		if mayWait != nil && !mayWait() {
			_, err = in.ts.sp.AppendNow(b, durable)
			break
		}
		ctx, cancel := context.WithTimeout(in.ctx, roomCheckInterval)
		_, err = in.ts.sp.Append(ctx, b, durable)
		cancel()
	}
	switch {
	case err == nil:
		if in.full.Load() && in.full.CompareAndSwap(true, false) {
			in.ts.log.Info("mqtt spool has room again: acknowledging", "dir", in.ts.dir)
		}
		return true
	case errors.Is(err, spool.ErrFull) || errors.Is(err, spool.ErrClosed):
		return false // stopping: the broker keeps the message
	case errors.Is(err, spool.ErrTooLarge):
		in.ts.fail(fmt.Errorf("a message of %d bytes on topic %q cannot be spooled: raise %s: %w", len(m.payload),
			m.topic, fieldSpoolMaxBytes, err))
	default:
		in.ts.fail(err)
	}
	return false
}

// durable is m's durable callback. It runs on the spool's syncer goroutine, so it only queues the
// acknowledgement for the connection's ack sender.
func (in *spoolIntake) durable(m *message) func(uint64, error) {
	return func(_ uint64, err error) {
		switch {
		case err == nil:
			if m.qos > 0 && m.ack != nil {
				in.acks[m.conn].push(m.ack)
			}
		case errors.Is(err, spool.ErrClosed):
			// Appended while the task stopped, never written: not acknowledged, the broker keeps it.
		default:
			in.ts.fail(err)
		}
	}
}

func (in *spoolIntake) begin() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.stopped {
		return false
	}
	in.active++
	return true
}

func (in *spoolIntake) end() {
	in.mu.Lock()
	in.active--
	wake := in.stopped && in.active == 0
	in.mu.Unlock()
	if wake {
		in.ts.pipe.signal() // a draining poll may be waiting for the last arrival
	}
}

// stop makes arrivals refuse messages from now on and ends their waits for room.
func (in *spoolIntake) stop() {
	in.mu.Lock()
	in.stopped = true
	in.mu.Unlock()
	in.cancel()
}

// idle reports whether the intake is stopped and no arrival is under way.
func (in *spoolIntake) idle() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stopped && in.active == 0
}

// hold does nothing: the spool acknowledged what it holds, so a lost connection's messages are the task's.
func (in *spoolIntake) hold(int) {}

// resume drops nothing: messages not yet durable when a connection was lost were appended anyway, and the
// broker may send them again (duplicates, at least once).
func (in *spoolIntake) resume(int, uint64, bool) int { return 0 }

func (in *spoolIntake) signal() { in.ts.pipe.signal() }

// ackQueue sends one connection's acknowledgements in the order they were queued, off the spool's syncer
// goroutine: paho's Ack waits for the connection's writer, and a slow connection must not hold up the spool or
// the other connections.
type ackQueue struct {
	mu    sync.Mutex
	items []acker
	wake  chan struct{} // one slot
}

func (q *ackQueue) push(a acker) {
	q.mu.Lock()
	q.items = append(q.items, a)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run sends the queued acknowledgements until done is closed, then sends what is left and returns.
func (q *ackQueue) run(done <-chan struct{}) {
	var batch []acker
	for {
		last := false
		select {
		case <-q.wake:
		case <-done:
			last = true
		}
		q.mu.Lock()
		batch, q.items = q.items, batch[:0]
		q.mu.Unlock()
		for _, a := range batch {
			a.Ack()
		}
		clear(batch)
		if last {
			return
		}
	}
}
