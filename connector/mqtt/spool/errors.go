package spool

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by Append once the spool is closed or its Run has returned, and by Read and Run
	// once it is closed. An entry appended before still gets its durable callback (with ErrClosed if it never
	// reached the disk).
	ErrClosed = errors.New("spool: closed")

	// ErrFull is returned by Append when its context ends while it waits for room: the spool holds MaxBytes of
	// unshipped entries (or its writes lag behind by more than maxPendingBytes). The entry was not appended.
	// Errors returned with it also match the context's error.
	ErrFull = errors.New("spool: full")

	// ErrTooLarge is returned by Append for an entry that can never fit: larger than MaxBytes (less its
	// framing) or than the 4 GiB a frame's length field holds.
	ErrTooLarge = errors.New("spool: entry too large")

	// ErrLocked is returned by Open when another spool (of this process or another) has the directory open.
	ErrLocked = errors.New("spool: directory in use by another spool")

	// ErrCorrupt matches every [*CorruptError].
	ErrCorrupt = errors.New("spool: corrupt")
)

// CorruptError reports entries that were durable and cannot be read back: damage inside a segment that was
// completely synced (not a torn tail, which a crash explains), a missing segment, or a segment of an unknown
// format version. Open returns it unless Options.SkipCorrupt is set; Read returns it when damage appears
// after Open checked the segment.
type CorruptError struct {
	// Segment is the file's name (no directory).
	Segment string
	// Offset is where in Segment the damage starts (-1: the whole file, or between files).
	Offset int64
	// First and Last are the sequence numbers of the entries lost; Last is 0 when it is unknown (damage in the
	// last segment found by Read).
	First, Last uint64
	// Err says what is wrong.
	Err error
}

func (e *CorruptError) Error() string {
	lost := fmt.Sprintf("entries %d to %d", e.First, e.Last)
	switch {
	case e.Last == 0:
		lost = fmt.Sprintf("entries from %d", e.First)
	case e.First == e.Last:
		lost = fmt.Sprintf("entry %d", e.First)
	}
	where := e.Segment
	if e.Offset >= 0 {
		where = fmt.Sprintf("%s at offset %d", e.Segment, e.Offset)
	}
	return fmt.Sprintf("spool: corrupt: %s unreadable in %s: %v", lost, where, e.Err)
}

// Is makes a *CorruptError match ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Unwrap returns what is wrong.
func (e *CorruptError) Unwrap() error { return e.Err }
