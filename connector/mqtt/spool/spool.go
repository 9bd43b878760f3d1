package spool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Spool is a durable local log of opaque entries. See the package documentation for the contract. Its
// methods are safe for concurrent use; Read is meant for one shipper.
type Spool struct {
	dir  string
	opts Options
	fs   FS
	log  *slog.Logger
	lock io.Closer
	rec  Recovery

	kick    chan struct{} // one slot: the batch went from empty to not empty
	full    chan struct{} // one slot: the batch reached SyncBytes
	closing chan struct{} // closed by Close
	runDone chan struct{} // closed when Run returns

	mu           sync.Mutex
	segs         []*segment // oldest first
	tail         *segment   // where appends go; nil until this Spool's first append
	next         uint64     // sequence number of the next append
	batch        *batch     // appended, not yet taken by the syncer
	spare        *batch     // the other batch, while the syncer does not hold it
	pendingBytes int64      // appended and not yet written or failed
	used         int64      // frame bytes of the entries not committed
	durable      uint64     // every entry up to it is durable
	read         uint64     // the last entry Read returned (or skipped)
	committed    uint64     // every entry up to it is shipped
	inflight     fifo[readEntry]
	syncs        uint64
	err          error         // the write failure that stopped the spool
	closed       bool          // Close was called
	running      bool          // Run was called
	stopped      bool          // Run returned (or failed): nothing more gets written
	durableCh    chan struct{} // closed and replaced when entries become durable, if readWaits
	roomCh       chan struct{} // closed and replaced when room is made, if roomWaits
	readWaits    bool
	roomWaits    bool

	// The syncer's own state: only Run touches it (and Close, once Run has returned).
	w     *segment
	wf    File
	dirty bool // wf has writes not yet synced

	rmu sync.Mutex // one Read at a time; guards rd
	rd  reader

	cpMu      sync.Mutex // one checkpoint write (and segment deletion) at a time; guards cp, cpAt, cpFile
	cp        checkpoint // the last one written or read
	cpAt      time.Time
	cpFile    File
	cpRewrite bool // a slot is damaged: write both slots next time
}

// segment is one segment file. Its fields are guarded by Spool.mu.
type segment struct {
	first   uint64
	name    string
	last    uint64 // last entry appended (first-1 when none)
	size    int64  // bytes appended, header included
	durLast uint64 // last durable entry (first-1 when none)
	durSize int64  // bytes durable: the prefix of the file the reader may read
}

// chunk is what a batch appends to one segment.
type chunk struct {
	seg    *segment
	create bool // the syncer creates the segment's file (and writes its header) first
	data   []byte
	last   uint64 // last entry in data
}

type waiter struct {
	seq uint64
	fn  func(seq uint64, err error)
}

// batch is a group of entries written and synced together.
type batch struct {
	chunks  []chunk
	waiters []waiter
	bytes   int64
	since   time.Time // when its first entry was appended
	free    [][]byte  // buffers of chunks past, for reuse
}

func (b *batch) reset() {
	for i := range b.chunks {
		b.free = append(b.free, b.chunks[i].data[:0])
		b.chunks[i] = chunk{}
	}
	b.chunks = b.chunks[:0]
	clear(b.waiters)
	b.waiters = b.waiters[:0]
	b.bytes = 0
}

func (b *batch) newChunk(seg *segment, create bool) *chunk {
	var buf []byte
	if n := len(b.free); n > 0 {
		buf, b.free = b.free[n-1], b.free[:n-1]
	}
	b.chunks = append(b.chunks, chunk{seg: seg, create: create, data: buf})
	return &b.chunks[len(b.chunks)-1]
}

// readEntry is an entry Read returned and Commit has not covered yet.
type readEntry struct {
	seq  uint64
	size int64
}

// Open opens the spool in dir, creating the directory if needed, and recovers what an earlier spool left
// there: it checks every segment it will read, truncates a torn tail, and positions Read at the oldest entry
// not committed. The returned spool appends nothing durably until Run runs; Close it when done. See
// [Spool.Recovery] for what recovery found.
func Open(dir string, opts Options) (*Spool, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	fs := opts.FS
	if err := makeDir(fs, dir); err != nil {
		return nil, err
	}
	lock, err := fs.Lock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("spool: lock %s: %w", dir, err)
	}
	s := &Spool{
		dir:       dir,
		opts:      opts,
		fs:        fs,
		log:       opts.Logger,
		lock:      lock,
		kick:      make(chan struct{}, 1),
		full:      make(chan struct{}, 1),
		closing:   make(chan struct{}),
		runDone:   make(chan struct{}),
		batch:     &batch{},
		spare:     &batch{},
		durableCh: make(chan struct{}),
		roomCh:    make(chan struct{}),
	}
	if err := s.recover(); err != nil {
		return nil, errors.Join(err, s.closeFiles())
	}
	return s, nil
}

// makeDir creates dir and the parents it lacks, and syncs the directory entry of each one it creates: a
// spool whose directory vanishes in a crash loses everything in it.
func makeDir(fs FS, dir string) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fs.ReadDir(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := fs.MkdirAll(dir); err != nil {
		return fmt.Errorf("spool: create %s: %w", dir, err)
	}
	for i := len(created) - 1; i >= 0; i-- {
		if parent := filepath.Dir(created[i]); parent != created[i] {
			if err := fs.SyncDir(parent); err != nil {
				return fmt.Errorf("spool: sync directory %s: %w", parent, err)
			}
		}
	}
	return nil
}

// Recovery reports what Open found.
func (s *Spool) Recovery() Recovery { return s.rec }

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }

func (s *Spool) path(name string) string { return filepath.Join(s.dir, name) }

// Append adds an entry and returns its sequence number. data is copied; the caller may reuse it.
//
// durable (which may be nil) is called exactly once for every entry Append accepted: with a nil error once
// the entry and every entry before it are durable, or with the error that kept it from the disk (a write or
// sync failure, or ErrClosed when the spool closed before writing it). Calls come from the syncer goroutine
// in sequence order, one at a time; they must return quickly and must not call Append, or the entries after
// wait for them.
//
// Append waits while the entry would take the unshipped entries past MaxBytes, until Commit makes room, the
// spool closes, or ctx ends (then it returns an error matching ErrFull and ctx's error, and the entry is not
// appended). It does not look at ctx when there is room. After a write failure it returns that failure; once
// the spool is closed or its Run returned, ErrClosed.
func (s *Spool) Append(ctx context.Context, data []byte, durable func(seq uint64, err error)) (uint64, error) {
	return s.append(ctx, data, durable, true)
}

// AppendNow is Append for an entry its owner cannot hold back: it never waits for room, and appends even when
// the entry takes the unshipped entries past MaxBytes (or the bytes waiting to be written past their bound).
// An MQTT client uses it for a message that arrived on a connection that is gone, or before the broker
// acknowledged the subscription: waiting would keep the client from noticing the loss or from reading the
// acknowledgement, and refusing the message could lose it. It is meant for few entries: each one takes the
// spool past MaxBytes, until commits bring it back. It fails as Append does otherwise.
func (s *Spool) AppendNow(data []byte, durable func(seq uint64, err error)) (uint64, error) {
	return s.append(context.Background(), data, durable, false)
}

func (s *Spool) append(ctx context.Context, data []byte, durable func(seq uint64, err error), wait bool) (uint64, error) {
	fl := frameLen(int64(len(data)))
	if int64(len(data)) > maxEntryLen || fl > s.opts.MaxBytes {
		return 0, fmt.Errorf("%w: %d bytes, the spool holds %d bytes of entries (%d with framing)",
			ErrTooLarge, len(data), s.opts.MaxBytes-frameHeaderLen, s.opts.MaxBytes)
	}
	s.mu.Lock()
	for {
		if err := s.appendErr(); err != nil {
			s.mu.Unlock()
			return 0, err
		}
		if !wait || s.used+fl <= s.opts.MaxBytes && (s.pendingBytes == 0 || s.pendingBytes+fl <= maxPendingBytes) {
			break
		}
		room := s.roomCh
		s.roomWaits = true
		s.mu.Unlock()
		select {
		case <-room:
		case <-s.closing:
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: %w", ErrFull, context.Cause(ctx))
		}
		s.mu.Lock()
	}
	seq := s.next
	s.next++
	b := s.batch
	seg := s.tail
	var c *chunk
	if seg == nil || (seg.last >= seg.first && seg.size+fl > s.opts.SegmentBytes) {
		seg = &segment{first: seq, name: segmentName(seq), last: seq - 1, size: headerLen, durLast: seq - 1}
		s.segs = append(s.segs, seg)
		s.tail = seg
		c = b.newChunk(seg, true)
	} else if n := len(b.chunks); n > 0 && b.chunks[n-1].seg == seg {
		c = &b.chunks[n-1]
	} else {
		c = b.newChunk(seg, false)
	}
	c.data = appendFrame(c.data, seq, data)
	c.last = seq
	seg.last = seq
	seg.size += fl
	s.used += fl
	s.pendingBytes += fl
	first := len(b.waiters) == 0
	if first {
		b.since = time.Now()
	}
	b.waiters = append(b.waiters, waiter{seq, durable})
	crossed := b.bytes < s.opts.SyncBytes && b.bytes+fl >= s.opts.SyncBytes
	b.bytes += fl
	s.mu.Unlock()
	if first {
		signal(s.kick)
	}
	if crossed {
		signal(s.full)
	}
	return seq, nil
}

// appendErr is why Append cannot append now, if anything; s.mu is held.
func (s *Spool) appendErr() error {
	switch {
	case s.err != nil:
		return s.err
	case s.closed || s.stopped:
		return ErrClosed
	}
	return nil
}

// signal sends on a one-slot channel without blocking: signals coalesce.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// wakeRoom wakes the appends waiting for room, if any; s.mu is held. They look again for themselves.
func (s *Spool) wakeRoom() {
	if s.roomWaits {
		close(s.roomCh)
		s.roomCh, s.roomWaits = make(chan struct{}), false
	}
}

// wakeReaders wakes a Read waiting for durable entries, if any; s.mu is held.
func (s *Spool) wakeReaders() {
	if s.readWaits {
		close(s.durableCh)
		s.durableCh, s.readWaits = make(chan struct{}), false
	}
}

// Run is the syncer: it writes and syncs the appended entries in batches and calls their durable callbacks,
// until ctx ends or the spool is closed. It then writes and syncs what was appended before, and returns nil;
// after that Append fails with ErrClosed, while Read and Commit keep working, so that a shipper can drain the
// spool. When a write or sync fails, Run fails the callbacks of every entry not yet durable with that error
// and returns it; the spool then takes no more entries (see the package documentation). Run may be called
// once.
func (s *Spool) Run(ctx context.Context) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.running:
		s.mu.Unlock()
		return errors.New("spool: Run called twice")
	}
	s.running = true
	s.mu.Unlock()
	defer close(s.runDone)

	var timer *time.Timer
	if s.opts.MaxDelay > 0 {
		timer = time.NewTimer(time.Hour)
		timer.Stop()
		defer timer.Stop()
	}
	for {
		select {
		case <-s.kick:
		case <-ctx.Done():
			return s.stop()
		case <-s.closing:
			return s.stop()
		}
		if timer != nil && !s.gather(ctx, timer) {
			return s.stop()
		}
		if err := s.flush(); err != nil {
			s.abandonWriter()
			return err
		}
	}
}

// gather waits until the batch is MaxDelay old or holds SyncBytes; it reports false when ctx ended or the
// spool is closing.
func (s *Spool) gather(ctx context.Context, timer *time.Timer) bool {
	// Drain a signal left from an earlier batch before looking, so that a signal seen below is about this one.
	select {
	case <-s.full:
	default:
	}
	s.mu.Lock()
	b := s.batch
	wait := s.opts.MaxDelay - time.Since(b.since)
	ready := len(b.waiters) == 0 || b.bytes >= s.opts.SyncBytes || wait <= 0
	s.mu.Unlock()
	if ready {
		return true
	}
	timer.Reset(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-s.full:
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
	return true
}

// stop ends Run: nothing more is appended, what was appended is written, and the segment file is closed.
func (s *Spool) stop() error {
	s.mu.Lock()
	s.stopped = true
	s.wakeRoom()
	s.mu.Unlock()
	if err := s.flush(); err != nil {
		s.abandonWriter()
		return err
	}
	return s.closeWriter()
}

// flush writes and syncs the batch, then calls its callbacks. A failure stops the spool: it fails the batch
// and whatever was appended meanwhile.
func (s *Spool) flush() error {
	s.mu.Lock()
	b := s.batch
	if len(b.waiters) == 0 {
		s.mu.Unlock()
		return nil
	}
	s.batch, s.spare = s.spare, nil
	s.mu.Unlock()

	err := s.write(b)

	s.mu.Lock()
	var failed []waiter
	if err == nil {
		for i := range b.chunks {
			c := &b.chunks[i]
			if c.create {
				c.seg.durSize = headerLen
			}
			c.seg.durSize += int64(len(c.data))
			c.seg.durLast = c.last
		}
		s.durable = b.waiters[len(b.waiters)-1].seq
		s.syncs++
		s.wakeReaders()
	} else {
		s.err = err
		s.stopped = true
		failed = s.batch.waiters
		s.batch.waiters = nil
		s.batch.chunks = s.batch.chunks[:0]
	}
	s.pendingBytes -= b.bytes
	s.wakeRoom()
	s.mu.Unlock()

	for _, w := range b.waiters {
		if w.fn != nil {
			w.fn(w.seq, err)
		}
	}
	for _, w := range failed {
		if w.fn != nil {
			w.fn(w.seq, err)
		}
	}
	b.reset()
	s.mu.Lock()
	s.spare = b
	s.mu.Unlock()
	return err
}

// write appends a batch to its segment files and syncs them. A segment is synced before the next one is
// created, so only the last segment can end in a torn write; a new segment's header is synced, with its
// directory entry, before any entry goes in, so a segment whose header is damaged and whose entries check
// out was damaged after it was written.
func (s *Spool) write(b *batch) error {
	for i := range b.chunks {
		c := &b.chunks[i]
		if c.seg != s.w {
			if err := s.closeWriter(); err != nil {
				return err
			}
			if !c.create {
				// Appends only ever go to the segment this spool created last.
				return fmt.Errorf("spool: internal error: write to %s, which is not open", c.seg.name)
			}
			if err := s.createSegment(c.seg); err != nil {
				return err
			}
		}
		if _, err := s.wf.Write(c.data); err != nil {
			return fmt.Errorf("spool: write %s: %w", s.path(c.seg.name), err)
		}
		s.dirty = true
	}
	return s.syncWriter()
}

func (s *Spool) createSegment(seg *segment) error {
	name := s.path(seg.name)
	f, err := s.fs.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("spool: create %s: %w", name, err)
	}
	s.w, s.wf = seg, f
	if _, err := f.Write(appendHeader(nil, seg.first)); err != nil {
		return fmt.Errorf("spool: write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", name, err)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("spool: sync directory %s: %w", s.dir, err)
	}
	return nil
}

func (s *Spool) syncWriter() error {
	if !s.dirty {
		return nil
	}
	if err := s.wf.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", s.path(s.w.name), err)
	}
	s.dirty = false
	return nil
}

// closeWriter syncs and closes the segment file being written, if any.
func (s *Spool) closeWriter() error {
	if s.wf == nil {
		return nil
	}
	err := s.syncWriter()
	if cerr := s.wf.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("spool: close %s: %w", s.path(s.w.name), cerr)
	}
	s.w, s.wf, s.dirty = nil, nil, false
	return err
}

// abandonWriter closes the segment file after a failed write or sync without syncing it again: after a
// failed fsync the kernel may have dropped the dirty pages and cleared the error, so a second fsync that
// succeeds would prove nothing. Open finds out what reached the disk.
func (s *Spool) abandonWriter() {
	if s.wf != nil {
		s.wf.Close()
	}
	s.w, s.wf, s.dirty = nil, nil, false
}

// Close stops Run (which writes what was appended), fails the callbacks of entries no Run will write with
// ErrClosed, writes the checkpoint, and closes the files. Read and Append return ErrClosed from then on.
// What is not committed stays on disk for the next Open. Close is idempotent.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	running := s.running
	s.mu.Unlock()
	if running {
		<-s.runDone
	}

	s.mu.Lock()
	s.stopped = true
	orphans := s.batch.waiters
	s.batch.waiters = nil
	s.batch.chunks = s.batch.chunks[:0]
	s.wakeRoom()
	s.wakeReaders()
	s.mu.Unlock()
	for _, w := range orphans {
		if w.fn != nil {
			w.fn(w.seq, ErrClosed)
		}
	}

	var errs []error
	if err := s.checkpoint(true); err != nil {
		errs = append(errs, err)
	}
	if err := s.closeWriter(); err != nil {
		errs = append(errs, err)
	}
	s.rmu.Lock()
	s.rd.close()
	s.rmu.Unlock()
	if err := s.closeFiles(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// closeFiles closes the checkpoint file and releases the directory lock.
func (s *Spool) closeFiles() error {
	var errs []error
	s.cpMu.Lock()
	if s.cpFile != nil {
		errs = append(errs, s.cpFile.Close())
		s.cpFile = nil
	}
	s.cpMu.Unlock()
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
		s.lock = nil
	}
	return errors.Join(errs...)
}

// Stats is a snapshot of a spool's state.
type Stats struct {
	// Next is the sequence number the next Append gets.
	Next uint64
	// Durable: every entry up to it is durable.
	Durable uint64
	// Read is the last entry Read returned.
	Read uint64
	// Committed: every entry up to it is shipped.
	Committed uint64
	// Bytes is what MaxBytes bounds: the entries not committed, with their framing.
	Bytes int64
	// MaxBytes is Options.MaxBytes (with its default applied).
	MaxBytes int64
	// Segments is the number of segment files.
	Segments int
	// Syncs counts the batches written and synced.
	Syncs uint64
	// Err is the write failure that stopped the spool, if any.
	Err error
}

// Stats returns a snapshot of the spool's state.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Next:      s.next,
		Durable:   s.durable,
		Read:      s.read,
		Committed: s.committed,
		Bytes:     s.used,
		MaxBytes:  s.opts.MaxBytes,
		Segments:  len(s.segs),
		Syncs:     s.syncs,
		Err:       s.err,
	}
}
