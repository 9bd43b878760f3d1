package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Backlog is what a spool directory holds that is not shipped, as [Inspect] reads it.
type Backlog struct {
	// Entries and Bytes are the entries after the checkpoint's commit point that check out; Bytes counts
	// their framing, as Stats.Bytes does. A torn tail is not counted: Open would truncate it.
	Entries int64
	Bytes   int64
	// Segments is the number of segment files.
	Segments int
	// Committed is the checkpoint's commit point (0 when there is no valid checkpoint).
	Committed uint64
	// Damaged reports damage Open would meet: a segment that does not check out before its end (Open fails
	// on it, or skips its entries with Options.SkipCorrupt; Entries and Bytes count what checks out around
	// it), a segment of a format this connectd cannot read, or a damaged checkpoint (Open warns and ships
	// again what was shipped since the slot that checks out, which Entries then count as well).
	Damaged bool
}

// InUse reports whether an open spool holds dir's lock: the spool of a running task, in this process or
// another one sharing the directory. It takes the lock shared for a moment, which makes an Open at that very
// moment fail with ErrLocked (its caller retries). Where flock does not exist it reports false.
func InUse(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, lockName))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("spool: open %s: %w", filepath.Join(dir, lockName), err)
	}
	defer f.Close()
	held, err := lockHeld(f)
	if err != nil {
		return false, fmt.Errorf("spool: probe the lock of %s: %w", dir, err)
	}
	return held, nil
}

// Inspect reads what the spool in dir holds past its checkpoint, without opening it: it takes no lock,
// writes nothing and recovers nothing, so it may look at a spool that another process, or no process, owns.
// Of a spool being written the answer is a moment's approximation. A directory that does not exist holds
// nothing. It reads every entry after the commit point to check it, at most a spool's MaxBytes.
func Inspect(dir string) (Backlog, error) { return inspect(OS, dir) }

func inspect(fs FS, dir string) (Backlog, error) {
	var b Backlog
	names, err := fs.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return b, fmt.Errorf("spool: read directory %s: %w", dir, err)
	}
	var firsts []uint64
	hasCheckpoint := false
	for _, n := range names {
		if first, ok := parseSegmentName(n); ok {
			firsts = append(firsts, first)
		}
		hasCheckpoint = hasCheckpoint || n == checkpointName
	}
	slices.Sort(firsts)
	b.Segments = len(firsts)
	if hasCheckpoint {
		cp, _, _, damaged, err := readCheckpointFile(fs, filepath.Join(dir, checkpointName))
		if err != nil {
			return b, err
		}
		b.Committed, b.Damaged = cp.committed, damaged
	}
	for i, first := range firsts {
		if i+1 < len(firsts) && firsts[i+1] <= b.Committed+1 {
			continue // wholly shipped: the next segment starts at or before the first entry not shipped
		}
		entries, bytes, damaged, err := inspectSegment(fs, filepath.Join(dir, segmentName(first)), first, b.Committed, i+1 == len(firsts))
		if err != nil {
			return b, err
		}
		b.Entries += entries
		b.Bytes += bytes
		b.Damaged = b.Damaged || damaged
	}
	return b, nil
}

// readCheckpointFile reads the checkpoint at path; see parseCheckpoint.
func readCheckpointFile(fs FS, path string) (cp checkpoint, written, valid, damaged bool, err error) {
	f, err := fs.OpenFile(path, os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return checkpoint{}, false, false, false, nil
	}
	if err != nil {
		return checkpoint{}, false, false, false, fmt.Errorf("spool: open %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, 2*slotLen)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return checkpoint{}, false, false, false, fmt.Errorf("spool: read %s: %w", path, err)
	}
	cp, written, valid, damaged = parseCheckpoint(buf[:n])
	return cp, written, valid, damaged, nil
}

// inspectSegment counts the entries of one segment after committed, and their bytes with framing. An entry
// that does not check out ends the count: in the last segment it is a torn tail (not damage), elsewhere
// damage.
func inspectSegment(fs FS, path string, first, committed uint64, last bool) (entries, bytes int64, damaged bool, err error) {
	f, err := fs.OpenFile(path, os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil // shipped and deleted since the directory was read
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("spool: open %s: %w", path, err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return 0, 0, false, fmt.Errorf("spool: stat %s: %w", path, err)
	}
	hdr := make([]byte, min(size, headerLen))
	if _, err := f.ReadAt(hdr, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, false, fmt.Errorf("spool: read %s: %w", path, err)
	}
	if h, herr := parseHeader(hdr); errors.Is(herr, errUnsupportedVersion) {
		return 0, 0, true, nil
	} else if herr != nil || h != first {
		// As Open: if the first entry checks out under the file name's sequence number, only the header is
		// damaged and the entries are shipped; if not, the last segment's creation was cut short (it never
		// held anything durable), and any other segment is damaged.
		_, err := newScanner(f, size, headerLen, first).next()
		var bad *badFrame
		switch {
		case err == nil:
		case errors.As(err, &bad) || errors.Is(err, io.EOF):
			return 0, 0, !last, nil
		default:
			return 0, 0, false, fmt.Errorf("spool: read %s: %w", path, err)
		}
	}
	sc := newScanner(f, size, headerLen, first)
	for {
		seq := sc.seq
		data, err := sc.next()
		var bad *badFrame
		switch {
		case errors.Is(err, io.EOF):
			return entries, bytes, false, nil
		case errors.As(err, &bad):
			return entries, bytes, !last, nil
		case err != nil:
			return entries, bytes, false, fmt.Errorf("spool: read %s: %w", path, err)
		}
		if seq > committed {
			entries++
			bytes += frameLen(int64(len(data)))
		}
	}
}
