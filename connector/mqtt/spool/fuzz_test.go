package spool_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
)

// encodeSegment is the test's own encoder of the segment format (format.go), independent of the package's.
func encodeSegment(first uint64, entries ...[]byte) []byte {
	table := crc32.MakeTable(crc32.Castagnoli)
	b := make([]byte, 24)
	copy(b, "CDSP")
	b[4] = 1
	binary.BigEndian.PutUint64(b[8:16], first)
	binary.BigEndian.PutUint32(b[20:24], crc32.Checksum(b[:20], table))
	for i, e := range entries {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = binary.BigEndian.AppendUint32(b, frameCRC(first+uint64(i), e))
		b = append(b, e...)
	}
	return b
}

// frameCRC is an entry's checksum: CRC-32C of its sequence number, its length and its data.
func frameCRC(seq uint64, data []byte) uint32 {
	var h [12]byte
	binary.BigEndian.PutUint64(h[0:8], seq)
	binary.BigEndian.PutUint32(h[8:12], uint32(len(data)))
	table := crc32.MakeTable(crc32.Castagnoli)
	return crc32.Update(crc32.Checksum(h[:], table), table, data)
}

// FuzzSegmentDecode opens random bytes as the segment file of entries from 1, alone (the last segment) or
// followed by a valid segment of entries from 1000 (so that it must have been synced whole), with and without
// SkipCorrupt. Open must not panic, may fail only with a *CorruptError, and every entry Read returns from the
// random file must be a frame of it, at its place in the sequence, whose checksum holds.
func FuzzSegmentDecode(f *testing.F) {
	valid := encodeSegment(1, []byte("one"), []byte(""), bytes.Repeat([]byte("x"), 300))
	f.Add(valid, false, false)
	f.Add(valid, true, false)
	f.Add(valid[:len(valid)-5], false, false)
	f.Add(valid[:len(valid)-5], true, true)
	f.Add(append(bytes.Clone(valid), make([]byte, 64)...), false, false)
	f.Add(make([]byte, 100), false, false)
	f.Add(make([]byte, 100), true, true)
	f.Add([]byte("CDSP"), false, false)
	damaged := bytes.Clone(valid)
	damaged[3] ^= 1 // the header
	f.Add(damaged, true, false)
	f.Add(encodeSegment(7, []byte("wrong first")), true, true)

	next := encodeSegment(1000, []byte("a"), []byte("b"))
	f.Fuzz(func(t *testing.T, data []byte, older, skip bool) {
		fs := spooltest.New()
		fs.WriteFile(segPath(1), data)
		if older {
			fs.WriteFile(segPath(1000), next)
		}
		s, err := spool.Open(memDir, spool.Options{FS: fs, SkipCorrupt: skip})
		if err != nil {
			if !errors.Is(err, spool.ErrCorrupt) {
				t.Fatalf("Open: %v, want nil or a *CorruptError", err)
			}
			return
		}
		defer s.Close()
		off, seq := 24, uint64(1)
		for _, e := range readAll(t, s) {
			if e.Seq >= 1000 {
				if want := []string{"a", "b"}[e.Seq-1000]; string(e.Data) != want {
					t.Fatalf("entry %d: %q, want %q", e.Seq, e.Data, want)
				}
				continue
			}
			// An entry of the random file: the next in sequence, held by the frame at off, whose checksum holds.
			if e.Seq != seq {
				t.Fatalf("entry %d read from the random file, want %d", e.Seq, seq)
			}
			seq++
			end := off + 8 + len(e.Data)
			if end > len(data) {
				t.Fatalf("entry %d: %d bytes from offset %d overrun the %d-byte file", e.Seq, len(e.Data), off, len(data))
			}
			if n := binary.BigEndian.Uint32(data[off:]); n != uint32(len(e.Data)) {
				t.Fatalf("entry %d at offset %d: length field %d, entry of %d bytes", e.Seq, off, n, len(e.Data))
			}
			if !bytes.Equal(data[off+8:end], e.Data) {
				t.Fatalf("entry %d: data is not the file's bytes at offset %d", e.Seq, off)
			}
			if sum := binary.BigEndian.Uint32(data[off+4:]); sum != frameCRC(e.Seq, e.Data) {
				t.Fatalf("entry %d returned with a checksum that fails", e.Seq)
			}
			off = end
		}
	})
}
