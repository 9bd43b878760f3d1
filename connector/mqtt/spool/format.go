package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// On-disk format, version 1. Every integer is big-endian.
//
// A segment file is named after the sequence number of its first entry, "%020d.seg", and starts with a
// 24-byte header:
//
//	0  magic "CDSP"
//	4  version (1)
//	5  3 reserved bytes, zero
//	8  sequence number of the first entry
//	16 4 reserved bytes, zero
//	20 CRC-32C of bytes 0-19
//
// Entries follow back to back, each framed as
//
//	0 length of the data (n)
//	4 CRC-32C of the entry's sequence number (8 bytes), n (4 bytes) and the data
//	8 the data, n bytes
//
// An entry's sequence number is not stored: it is the header's first sequence number plus the entry's
// index. The checksum covers it anyway, with the length, so that zeroed space (a file system extending a
// file with zeros after a crash) or a frame from anywhere else never passes for an entry: the CRC-32C of an
// empty entry alone would be zero.
const (
	segmentMagic   = "CDSP"
	formatVersion  = 1
	headerLen      = 24
	frameHeaderLen = 8
	segmentSuffix  = ".seg"
	// lockName is the file whose exclusive flock an open spool holds.
	lockName = "LOCK"

	// maxEntryLen is the largest entry the format frames (the length field is 32 bits).
	maxEntryLen = 1<<32 - 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentName is the file name of the segment whose first entry is first.
func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentSuffix) }

// parseSegmentName returns the first sequence number a segment file name carries.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	first, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || first == 0 {
		return 0, false
	}
	return first, true
}

// appendHeader appends a segment header for a segment whose first entry is first.
func appendHeader(b []byte, first uint64) []byte {
	var h [headerLen]byte
	copy(h[0:4], segmentMagic)
	h[4] = formatVersion
	binary.BigEndian.PutUint64(h[8:16], first)
	binary.BigEndian.PutUint32(h[20:24], crc32.Checksum(h[:20], castagnoli))
	return append(b, h[:]...)
}

// errUnsupportedVersion is the cause of a [CorruptError] for a segment a newer connectd wrote.
var errUnsupportedVersion = errors.New("unsupported segment format version")

// parseHeader checks a segment header and returns its first sequence number.
func parseHeader(h []byte) (uint64, error) {
	if len(h) < headerLen {
		return 0, fmt.Errorf("header is %d bytes, want %d", len(h), headerLen)
	}
	if string(h[0:4]) != segmentMagic {
		return 0, fmt.Errorf("bad magic %q", h[0:4])
	}
	if got, want := binary.BigEndian.Uint32(h[20:24]), crc32.Checksum(h[:20], castagnoli); got != want {
		return 0, fmt.Errorf("header checksum %08x, want %08x", got, want)
	}
	if h[4] != formatVersion {
		// Checked after the checksum: a valid header of another version is a format we do not know, not damage.
		return 0, fmt.Errorf("%w %d (this connectd writes %d)", errUnsupportedVersion, h[4], formatVersion)
	}
	return binary.BigEndian.Uint64(h[8:16]), nil
}

// frameLen is the size on disk of an entry of n data bytes.
func frameLen(n int64) int64 { return frameHeaderLen + n }

// entryCRC is the checksum of the entry seq holding data.
func entryCRC(seq uint64, data []byte) uint32 {
	var b [12]byte
	binary.BigEndian.PutUint64(b[0:8], seq)
	binary.BigEndian.PutUint32(b[8:12], uint32(len(data)))
	return crc32.Update(crc32.Checksum(b[:], castagnoli), castagnoli, data)
}

// appendFrame appends the frame of entry seq.
func appendFrame(b []byte, seq uint64, data []byte) []byte {
	var h [frameHeaderLen]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(len(data)))
	binary.BigEndian.PutUint32(h[4:8], entryCRC(seq, data))
	b = append(b, h[:]...)
	return append(b, data...)
}

// readAhead is how much of a segment a scanner reads at once.
const readAhead = 256 << 10

// badFrame describes why the bytes at a scanner's offset are no entry.
type badFrame struct {
	off    int64
	reason string
}

func (b *badFrame) Error() string { return fmt.Sprintf("offset %d: %s", b.off, b.reason) }

// scanner reads the entries of one segment in order, checking each checksum. It reads through a window of
// readAhead bytes, so scanning costs a few large reads rather than two per entry.
type scanner struct {
	f     File
	limit int64  // bytes of the file that may be read
	off   int64  // offset of the next frame
	seq   uint64 // sequence number of the next frame

	buf    []byte
	bufOff int64 // file offset of buf[0]
}

func newScanner(f File, limit, off int64, seq uint64) *scanner {
	return &scanner{f: f, limit: limit, off: off, seq: seq}
}

// window returns the n bytes at the scanner's offset plus ahead, reading them if the buffer does not hold
// them; the returned slice is valid until the next call.
func (sc *scanner) window(n int64) ([]byte, error) {
	if sc.off >= sc.bufOff && sc.off+n <= sc.bufOff+int64(len(sc.buf)) {
		start := sc.off - sc.bufOff
		return sc.buf[start : start+n], nil
	}
	size := max(n, min(int64(readAhead), sc.limit-sc.off))
	if int64(cap(sc.buf)) < size {
		sc.buf = make([]byte, size)
	}
	sc.buf = sc.buf[:size]
	got, err := sc.f.ReadAt(sc.buf, sc.off)
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		sc.buf = sc.buf[:0]
		return nil, err
	}
	sc.buf, sc.bufOff = sc.buf[:got], sc.off
	return sc.buf[:n], nil
}

// next returns the data of the next entry (valid until the next call) and advances. At the limit it returns
// io.EOF; when the bytes at the offset are no valid entry it returns a *badFrame and stays where it is; a
// read error is returned as is.
func (sc *scanner) next() ([]byte, error) {
	remaining := sc.limit - sc.off
	if remaining == 0 {
		return nil, io.EOF
	}
	if remaining < frameHeaderLen {
		return nil, &badFrame{sc.off, fmt.Sprintf("%d bytes left, too few for a frame header", remaining)}
	}
	h, err := sc.window(frameHeaderLen)
	if err != nil {
		return nil, err
	}
	n := int64(binary.BigEndian.Uint32(h[0:4]))
	sum := binary.BigEndian.Uint32(h[4:8])
	if frameLen(n) > remaining {
		return nil, &badFrame{sc.off, fmt.Sprintf("entry of %d bytes overruns the %d bytes left", n, remaining)}
	}
	fr, err := sc.window(frameLen(n))
	if err != nil {
		return nil, err
	}
	data := fr[frameHeaderLen:]
	if got := entryCRC(sc.seq, data); got != sum {
		return nil, &badFrame{sc.off, fmt.Sprintf("entry %d: checksum %08x, want %08x", sc.seq, got, sum)}
	}
	sc.off += frameLen(n)
	sc.seq++
	return data, nil
}

// tailEntries estimates how many entries began in the invalid tail of a segment, from off to limit, by
// following length fields while they fit: the frames of a torn write whose length fields survived.
func tailEntries(f File, off, limit int64) int {
	var h [frameHeaderLen]byte
	n := 0
	for limit-off >= frameHeaderLen {
		if _, err := f.ReadAt(h[:], off); err != nil {
			break
		}
		n++
		next := off + frameLen(int64(binary.BigEndian.Uint32(h[0:4])))
		if next > limit {
			break
		}
		off = next
	}
	if n == 0 && limit > off {
		n = 1 // a fragment of a frame header
	}
	return n
}

// The checkpoint file holds two 32-byte slots, written alternately in place:
//
//	0  magic "CDCK"
//	4  version (1)
//	5  3 reserved bytes, zero
//	8  write counter
//	16 committed sequence number: it and every entry before it are shipped
//	24 4 reserved bytes, zero
//	28 CRC-32C of bytes 0-27
//
// The slot with the higher counter among the valid ones holds the checkpoint. Overwriting a slot in place
// needs no new disk blocks on common file systems, so the checkpoint can still be written, and segments
// deleted, when the disk is full; a torn write damages one slot and leaves the other.
const (
	checkpointName  = "checkpoint"
	checkpointMagic = "CDCK"
	slotLen         = 32
)

type checkpoint struct {
	counter   uint64
	committed uint64
}

func encodeSlot(cp checkpoint) []byte {
	b := make([]byte, slotLen)
	copy(b[0:4], checkpointMagic)
	b[4] = formatVersion
	binary.BigEndian.PutUint64(b[8:16], cp.counter)
	binary.BigEndian.PutUint64(b[16:24], cp.committed)
	binary.BigEndian.PutUint32(b[28:32], crc32.Checksum(b[:28], castagnoli))
	return b
}

func decodeSlot(b []byte) (checkpoint, bool) {
	if len(b) < slotLen || string(b[0:4]) != checkpointMagic || b[4] != formatVersion ||
		binary.BigEndian.Uint32(b[28:32]) != crc32.Checksum(b[:28], castagnoli) {
		return checkpoint{}, false
	}
	return checkpoint{counter: binary.BigEndian.Uint64(b[8:16]), committed: binary.BigEndian.Uint64(b[16:24])}, true
}
