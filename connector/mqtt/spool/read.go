package spool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

// Entry is an entry Read returns.
type Entry struct {
	Seq  uint64
	Data []byte // the caller's to keep
}

// reader is Read's position. Guarded by Spool.rmu.
type reader struct {
	next uint64   // the next entry to return
	seg  *segment // segment being read (nil: none open)
	f    File
	sc   *scanner
	err  error // damage found: every later Read returns it
}

func (r *reader) close() {
	if r.f != nil {
		r.f.Close()
	}
	r.seg, r.f, r.sc = nil, nil, nil
}

// Read returns the next durable entries in sequence order, at least one and at most n (n < 1 means 1):
// first those an earlier spool left (from the oldest not committed), then those appended since. When no
// entry is ready it waits until one is durable, ctx ends (it returns ctx's error) or the spool closes
// (ErrClosed); it does not look at ctx when entries are ready.
//
// Read returns each entry once; after a crash or a restart, the entries read and not committed are read
// again. Entries lost to damage that Open skipped (Options.SkipCorrupt) are passed over. Damage found here,
// in entries Open checked or in entries written since, is a *CorruptError, returned from then on.
func (s *Spool) Read(ctx context.Context, n int) ([]Entry, error) {
	n = max(n, 1)
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		if s.rd.err != nil {
			s.mu.Unlock()
			return nil, s.rd.err
		}
		if s.rd.next <= s.durable {
			seg := s.locate()
			if seg == nil {
				s.mu.Unlock()
				return nil, fmt.Errorf("spool: internal error: entry %d is durable and in no segment", s.rd.next)
			}
			limit, last := seg.durSize, seg.durLast
			s.mu.Unlock()
			entries, sizes, err := s.readFrom(seg, limit, last, n)
			if len(entries) > 0 {
				s.mu.Lock()
				for i, e := range entries {
					s.inflight.push(readEntry{e.Seq, sizes[i]})
				}
				s.read = entries[len(entries)-1].Seq
				s.mu.Unlock()
				return entries, nil
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		ch := s.durableCh
		s.readWaits = true
		s.mu.Unlock()
		select {
		case <-ch:
		case <-s.closing:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// locate returns the segment holding the reader's next entry, moving the reader past a range of entries
// lost to damage; s.mu is held and the entry is durable.
func (s *Spool) locate() *segment {
	r := &s.rd
	if r.seg != nil && r.next <= r.seg.durLast {
		return r.seg
	}
	// The first segment whose durable entries reach the next one.
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].durLast >= r.next })
	for ; i < len(s.segs); i++ {
		if seg := s.segs[i]; seg.durLast >= seg.first {
			if seg.first > r.next {
				// Open reported these entries lost (or the checkpoint was lost and they were shipped).
				s.read = seg.first - 1
				r.next = seg.first
			}
			return seg
		}
	}
	return nil
}

// readFrom reads entries from seg, whose first limit bytes hold durable entries up to last. It returns
// what it read before an error.
func (s *Spool) readFrom(seg *segment, limit int64, last uint64, n int) ([]Entry, []int64, error) {
	r := &s.rd
	if r.seg != seg {
		r.close()
		f, err := s.fs.OpenFile(s.path(seg.name), os.O_RDONLY)
		if err != nil {
			return nil, nil, fmt.Errorf("spool: open %s: %w", s.path(seg.name), err)
		}
		r.seg, r.f, r.sc = seg, f, newScanner(f, limit, headerLen, seg.first)
	}
	sc := r.sc
	sc.limit = limit
	var entries []Entry
	var sizes []int64
	for len(entries) < n && sc.seq <= last {
		start := sc.off
		data, err := sc.next()
		if err != nil {
			var bad *badFrame
			if errors.As(err, &bad) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// Bytes that were durable and checked out no longer do (or are gone): damage, for good.
				r.err = &CorruptError{Segment: seg.name, Offset: sc.off, First: sc.seq, Err: err}
				return entries, sizes, r.err
			}
			return entries, sizes, fmt.Errorf("spool: read %s: %w", s.path(seg.name), err)
		}
		seq := sc.seq - 1
		if seq < r.next {
			continue // committed before the spool was opened
		}
		entries = append(entries, Entry{Seq: seq, Data: append([]byte(nil), data...)})
		sizes = append(sizes, sc.off-start)
		r.next = seq + 1
	}
	return entries, sizes, nil
}

// Commit marks seq and every entry before it as shipped: their bytes no longer count against MaxBytes, and
// a segment whose entries are all committed is deleted once a checkpoint past it is durable. seq must not be
// beyond the last entry Read returned; committing again what is committed does nothing.
//
// The checkpoint is written when a segment becomes deletable, at most every CheckpointInterval otherwise,
// and by Close. An error is a failed checkpoint or deletion: the commit itself holds (in memory), and the
// next Commit or Close tries again.
func (s *Spool) Commit(seq uint64) error {
	s.mu.Lock()
	if seq <= s.committed {
		s.mu.Unlock()
		return nil
	}
	if seq > s.read {
		read := s.read
		s.mu.Unlock()
		return fmt.Errorf("spool: commit of entry %d, beyond the last entry read (%d)", seq, read)
	}
	var freed int64
	for s.inflight.len() > 0 && s.inflight.front().seq <= seq {
		freed += s.inflight.pop().size
	}
	s.used -= freed
	s.committed = seq
	s.wakeRoom()
	s.mu.Unlock()
	return s.checkpoint(false)
}

// checkpoint writes the checkpoint when it is due (or, with force, whenever the commit moved) and deletes the
// segments wholly committed.
func (s *Spool) checkpoint(force bool) error {
	s.cpMu.Lock()
	defer s.cpMu.Unlock()
	s.mu.Lock()
	committed := s.committed
	var deletable []*segment
	for _, seg := range s.segs {
		if seg == s.tail || seg.last > committed {
			break
		}
		deletable = append(deletable, seg)
	}
	s.mu.Unlock()

	if committed > s.cp.committed && (force || len(deletable) > 0 || time.Since(s.cpAt) >= s.opts.CheckpointInterval) {
		if err := s.writeCheckpoint(committed); err != nil {
			return err
		}
	}
	// Oldest first, stopping at the first failure: the segments left are always a run of consecutive ones.
	for _, seg := range deletable {
		if seg.last > s.cp.committed {
			break
		}
		if err := s.fs.Remove(s.path(seg.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: delete %s: %w", s.path(seg.name), err)
		}
		s.mu.Lock()
		if len(s.segs) > 0 && s.segs[0] == seg {
			s.segs = s.segs[1:]
		}
		s.mu.Unlock()
	}
	return nil
}

// writeCheckpoint writes and syncs committed into the next checkpoint slot; s.cpMu is held.
func (s *Spool) writeCheckpoint(committed uint64) error {
	name := s.path(checkpointName)
	created := false
	if s.cpFile == nil {
		f, err := s.fs.OpenFile(name, os.O_RDWR|os.O_CREATE)
		if err != nil {
			return fmt.Errorf("spool: open %s: %w", name, err)
		}
		s.cpFile = f
		created = s.cp.counter == 0
	}
	cp := checkpoint{counter: s.cp.counter + 1, committed: committed}
	b, off := encodeSlot(cp), int64(cp.counter%2)*slotLen
	if size, err := s.cpFile.Size(); err != nil {
		return fmt.Errorf("spool: stat %s: %w", name, err)
	} else if size < 2*slotLen || s.cpRewrite {
		// Give the file both slots at once, so that later writes only overwrite (or repair a damaged slot).
		other := make([]byte, slotLen)
		if s.cp.counter > 0 {
			other = encodeSlot(s.cp)
		}
		if off == 0 {
			b = append(b, other...)
		} else {
			b, off = append(other, b...), 0
		}
	}
	if _, err := s.cpFile.WriteAt(b, off); err != nil {
		return fmt.Errorf("spool: write %s: %w", name, err)
	}
	if err := s.cpFile.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", name, err)
	}
	if created {
		if err := s.fs.SyncDir(s.dir); err != nil {
			return fmt.Errorf("spool: sync directory %s: %w", s.dir, err)
		}
	}
	s.cp, s.cpAt, s.cpRewrite = cp, time.Now(), false
	return nil
}

// fifo is a first-in first-out queue over a slice that reuses its space as it drains.
type fifo[T any] struct {
	items []T
	head  int
}

func (f *fifo[T]) len() int { return len(f.items) - f.head }

func (f *fifo[T]) push(v T) { f.items = append(f.items, v) }

func (f *fifo[T]) front() T { return f.items[f.head] }

func (f *fifo[T]) pop() T {
	v := f.items[f.head]
	f.head++
	if f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
	} else if f.head > 1024 && f.head*2 >= len(f.items) {
		n := copy(f.items, f.items[f.head:])
		f.items, f.head = f.items[:n], 0
	}
	return v
}
