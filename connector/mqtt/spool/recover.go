package spool

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
)

// Recovery is what Open found in the spool's directory.
type Recovery struct {
	// Committed is the checkpoint: the entries up to it were shipped before.
	Committed uint64
	// CheckpointDamaged is set when the checkpoint could not be read (both slots damaged, or the file missing
	// while segments show that one was written): every entry on disk is shipped again.
	CheckpointDamaged bool

	// Segments is the number of segment files kept.
	Segments int
	// Entries and Bytes (with framing) are what is left to ship: the entries after Committed. First and Last
	// are their sequence numbers (0 when there are none).
	Entries     int64
	Bytes       int64
	First, Last uint64

	// TornBytes is what Open cut from the end of the last segment, where a write was cut short by a crash.
	// Those entries were never synced, so never reported durable. TornEntries estimates how many entries
	// began there, following their length fields. Logged at WARN.
	TornBytes   int64
	TornEntries int

	// DamagedHeaders counts segments whose header was damaged while their entries checked out: kept, no
	// entry lost. Logged at ERROR, since it is damage to synced data.
	DamagedHeaders int

	// Lost lists the durable entries Open could not read and went past (with Options.SkipCorrupt; without
	// it, Open fails with the first of them). Each is logged at ERROR.
	Lost []CorruptError
	// Quarantined lists the segment files renamed "<name>.corrupt" (with Options.SkipCorrupt).
	Quarantined []string
}

// recover loads what is in the directory; see Open.
func (s *Spool) recover() error {
	names, err := s.fs.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("spool: read directory %s: %w", s.dir, err)
	}
	var firsts []uint64
	for _, n := range names {
		if first, ok := parseSegmentName(n); ok {
			firsts = append(firsts, first)
		}
	}
	slices.Sort(firsts)

	cp, written, valid, damaged, err := s.readCheckpoint()
	if err != nil {
		return err
	}
	if damaged || (!valid && (written || (len(firsts) > 0 && firsts[0] > 1))) {
		// A slot that does not check out may have held a later commit than the one that does: entries
		// shipped since may be read again, and a segment missing before the oldest kept cannot be told from
		// one deleted after that later commit.
		s.rec.CheckpointDamaged = true
		s.log.Warn("spool: checkpoint damaged (a torn write or damage to the disk) or missing; entries on disk "+
			"shipped since it may be shipped again", "dir", s.dir, "committed", cp.committed)
	}
	committed := cp.committed // 0 when not valid
	s.cp, s.cpRewrite = cp, damaged
	s.rec.Committed = committed

	var kept []*segment
	expect := uint64(0) // the entry the next segment must start with (0: any)
	if valid && !damaged {
		expect = committed + 1
	}
	top := committed // the highest sequence number a segment named or held
	for i, first := range firsts {
		var nextFirst uint64 // 0 for the last segment
		if i+1 < len(firsts) {
			nextFirst = firsts[i+1]
		}
		if expect != 0 && first > expect {
			err := s.corrupt(CorruptError{Segment: segmentName(first), Offset: -1, First: expect, Last: first - 1,
				Err: errors.New("no segment holds them (a missing file)")})
			if err != nil {
				return err
			}
		}
		if expect != 0 && first < expect && nextFirst != 0 && nextFirst <= expect {
			// Wholly shipped: its deletion, which follows a durable checkpoint, was cut short.
			if err := s.fs.Remove(s.path(segmentName(first))); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("spool: delete %s: %w", s.path(segmentName(first)), err)
			}
			continue
		}
		seg, err := s.recoverSegment(first, nextFirst, committed)
		if err != nil {
			return err
		}
		if nextFirst != 0 {
			expect, top = nextFirst, max(top, nextFirst-1)
		} else if seg != nil {
			top = max(top, seg.durLast)
		} else {
			top = max(top, first-1)
		}
		if seg != nil {
			kept = append(kept, seg)
		}
	}

	// The oldest segment kept may hold only shipped entries (the last one is scanned before its fate is known).
	for valid && len(kept) > 0 && kept[0].durLast <= committed {
		if err := s.fs.Remove(s.path(kept[0].name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: delete %s: %w", s.path(kept[0].name), err)
		}
		kept = kept[1:]
	}
	s.segs = kept
	s.next = top + 1
	s.committed = committed
	if !valid && len(kept) > 0 {
		s.committed = kept[0].first - 1
	}
	s.read = s.committed
	s.durable = s.committed
	if n := len(kept); n > 0 {
		s.durable = max(s.durable, kept[n-1].durLast)
	}
	s.rd.next = s.committed + 1
	s.used = s.rec.Bytes
	s.rec.Segments = len(kept)
	if s.rec.Entries > 0 {
		s.log.Info("spool: entries left to ship", "dir", s.dir, "entries", s.rec.Entries, "bytes", s.rec.Bytes,
			"first", s.rec.First, "last", s.rec.Last, "segments", len(kept))
	}
	return nil
}

// readCheckpoint reads the checkpoint file: written tells whether it holds anything (a file of zeros is a
// first write that a crash cut short), valid whether a slot checked out, damaged whether a slot that was
// written does not.
func (s *Spool) readCheckpoint() (cp checkpoint, written, valid, damaged bool, err error) {
	name := s.path(checkpointName)
	f, err := s.fs.OpenFile(name, os.O_RDWR)
	if errors.Is(err, os.ErrNotExist) {
		return checkpoint{}, false, false, false, nil
	}
	if err != nil {
		return checkpoint{}, false, false, false, fmt.Errorf("spool: open %s: %w", name, err)
	}
	b := make([]byte, 2*slotLen)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return checkpoint{}, false, false, false, fmt.Errorf("spool: read %s: %w", name, err)
	}
	s.cpFile = f
	cp, written, valid, damaged = parseCheckpoint(b[:n])
	return cp, written, valid, damaged, nil
}

// parseCheckpoint reads the checkpoint file's contents b: written tells whether a slot holds anything, valid
// whether a slot checked out (cp is the one with the higher counter), damaged whether a written slot does not.
func parseCheckpoint(b []byte) (cp checkpoint, written, valid, damaged bool) {
	nonzero := func(b []byte) bool { return slices.ContainsFunc(b, func(c byte) bool { return c != 0 }) }
	for i := 0; i < len(b); i += slotLen {
		slot := b[i:min(i+slotLen, len(b))]
		if !nonzero(slot) {
			continue // never written
		}
		written = true
		c, ok := decodeSlot(slot)
		switch {
		case !ok:
			damaged = true
		case !valid || c.counter > cp.counter:
			cp, valid = c, true
		}
	}
	if !valid {
		cp = checkpoint{}
	}
	return cp, written, valid, damaged
}

// corrupt handles durable entries found unreadable: without SkipCorrupt it returns the error for Open to
// fail with; with it, it records and logs the loss.
func (s *Spool) corrupt(ce CorruptError) error {
	if !s.opts.SkipCorrupt {
		return &ce
	}
	s.rec.Lost = append(s.rec.Lost, ce)
	s.log.Error("spool: durable entries lost to damage, skipped", "dir", s.dir, "segment", ce.Segment,
		"offset", ce.Offset, "first", ce.First, "last", ce.Last, "entries", ce.Last-ce.First+1,
		slog.String("error", ce.Err.Error()))
	return nil
}

// recoverSegment checks one segment and returns what of it is kept (nil: nothing). nextFirst is the first
// entry of the segment after it (0 when it is the last, the only one a crash can leave torn). Entries up to
// committed are shipped: they are checked but not counted.
func (s *Spool) recoverSegment(first, nextFirst, committed uint64) (*segment, error) {
	name := segmentName(first)
	path := s.path(name)
	last := nextFirst == 0
	flag := os.O_RDONLY
	if last {
		flag = os.O_RDWR // for truncating a torn tail
	}
	f, err := s.fs.OpenFile(path, flag)
	if err != nil {
		return nil, fmt.Errorf("spool: open %s: %w", path, err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, fmt.Errorf("spool: stat %s: %w", path, err)
	}

	hdr := make([]byte, min(size, headerLen))
	if _, err := f.ReadAt(hdr, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("spool: read %s: %w", path, err)
	}
	herr := errTooShort
	if size >= headerLen {
		var hfirst uint64
		if hfirst, herr = parseHeader(hdr); herr == nil && hfirst != first {
			herr = fmt.Errorf("header names entry %d, the file name %d", hfirst, first)
		}
	}
	if errors.Is(herr, errUnsupportedVersion) {
		// Not damage: a newer connectd's spool. Never skipped.
		return nil, &CorruptError{Segment: name, Offset: 0, First: first, Last: nextFirst - 1, Err: herr}
	}
	if herr != nil {
		// A header is synced before any entry is written (see write): if the first entry checks out under the
		// file name's sequence number, only the header is damaged.
		sc := newScanner(f, size, headerLen, first)
		_, err := sc.next()
		var bad *badFrame
		switch {
		case err == nil:
			s.rec.DamagedHeaders++
			s.log.Error("spool: segment header damaged; its entries check out and are kept", "segment", path,
				slog.String("error", herr.Error()))
		case (errors.As(err, &bad) || errors.Is(err, io.EOF)) && last:
			// The crash came before the header was synced: nothing in this segment was ever durable.
			s.rec.TornBytes += size
			s.log.Warn("spool: removed a segment whose creation a crash cut short", "segment", path, "bytes", size)
			return nil, s.removeTorn(path)
		case errors.As(err, &bad) || errors.Is(err, io.EOF):
			return nil, s.quarantine(path, CorruptError{Segment: name, Offset: 0, First: first, Last: nextFirst - 1, Err: herr})
		default:
			return nil, fmt.Errorf("spool: read %s: %w", path, err)
		}
	}

	sc := newScanner(f, size, headerLen, first)
	seg := &segment{first: first, name: name}
	for {
		data, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var bad *badFrame
		if errors.As(err, &bad) {
			if last {
				torn := size - sc.off
				entries := tailEntries(f, sc.off, size)
				s.rec.TornBytes += torn
				s.rec.TornEntries += entries
				s.log.Warn("spool: truncated a torn tail: entries whose write a crash cut short, never reported durable",
					"segment", path, "offset", sc.off, "bytes", torn, "entries", entries, "first", sc.seq,
					slog.String("reason", bad.reason))
				if err := f.Truncate(sc.off); err != nil {
					return nil, fmt.Errorf("spool: truncate %s: %w", path, err)
				}
				if err := f.Sync(); err != nil {
					return nil, fmt.Errorf("spool: sync %s: %w", path, err)
				}
				break
			}
			if err := s.corrupt(CorruptError{Segment: name, Offset: sc.off, First: sc.seq, Last: nextFirst - 1, Err: err}); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("spool: read %s: %w", path, err)
		}
		if seq := sc.seq - 1; seq > committed {
			if s.rec.Entries == 0 {
				s.rec.First = seq
			}
			s.rec.Entries++
			s.rec.Last = seq
			s.rec.Bytes += frameLen(int64(len(data)))
		}
	}
	seg.last, seg.durLast = sc.seq-1, sc.seq-1
	seg.size, seg.durSize = sc.off, sc.off

	if !last && sc.off == size {
		switch end := seg.last + 1; {
		case end > nextFirst:
			return nil, &CorruptError{Segment: name, Offset: -1, First: nextFirst, Last: seg.last,
				Err: errors.New("segment overlaps the next one")}
		case end < nextFirst:
			// Every entry checks out, yet the segment stops short of the next one: it lost its end.
			if err := s.corrupt(CorruptError{Segment: name, Offset: size, First: end, Last: nextFirst - 1,
				Err: errors.New("no segment holds them: this one ends before the next one starts (a missing file, or a lost end)")}); err != nil {
				return nil, err
			}
		}
	}
	if seg.last < first {
		if last {
			// Only a header (or a torn first write): nothing to keep, and the name is the next append's.
			return nil, s.removeTorn(path)
		}
		// Not a single entry left: the loss is recorded above; keep the file for inspection.
		return nil, s.quarantine(path, CorruptError{})
	}
	return seg, nil
}

var errTooShort = errors.New("file shorter than a segment header")

// removeTorn removes a last segment that holds nothing durable.
func (s *Spool) removeTorn(path string) error {
	if err := s.fs.Remove(path); err != nil {
		return fmt.Errorf("spool: delete %s: %w", path, err)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("spool: sync directory %s: %w", s.dir, err)
	}
	return nil
}

// quarantine reports a segment none of whose entries can be read (ce, unless its Err is nil: reported
// already) and, with SkipCorrupt, renames it out of the way.
func (s *Spool) quarantine(path string, ce CorruptError) error {
	if ce.Err != nil {
		if err := s.corrupt(ce); err != nil {
			return err
		}
	}
	if err := s.fs.Rename(path, path+".corrupt"); err != nil {
		return fmt.Errorf("spool: rename %s: %w", path, err)
	}
	s.rec.Quarantined = append(s.rec.Quarantined, path+".corrupt")
	s.log.Error("spool: unreadable segment renamed for inspection", "segment", path+".corrupt")
	return nil
}
