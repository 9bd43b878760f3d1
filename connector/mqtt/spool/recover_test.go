package spool_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
)

// Segment layout in these tests: 100-byte entries (108 framed), three to a 350-byte segment, so the
// segments of ten entries are 1 (entries 1-3), 4 (4-6), 7 (7-9) and 10; entry k of a segment starts at
// 24 + 108*k.
const (
	entrySize = 100
	frame     = 108
	header    = 24
)

func segPath(first int) string {
	return filepath.Join(memDir, fmt.Sprintf("%020d.seg", first))
}

// filled returns a file system holding a closed spool of n entries, k of them committed.
func filled(t *testing.T, n, k int) *spooltest.FS {
	t.Helper()
	fs := spooltest.New()
	s := openRunning(t, memDir, spool.Options{FS: fs, SegmentBytes: 350})
	mustAppend(t, s.Spool, payloads(1, n, entrySize)...)
	if k > 0 {
		readN(t, s.Spool, k)
		if err := s.Commit(uint64(k)); err != nil {
			t.Fatal(err)
		}
	}
	s.Stop()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return fs
}

// damage flips a byte of a file.
func damage(t *testing.T, fs *spooltest.FS, name string, off int) {
	t.Helper()
	b, err := fs.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x40
	fs.WriteFile(name, b)
}

func snapshot(t *testing.T, fs *spooltest.FS) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range fs.Names(memDir) {
		b, err := fs.ReadFile(filepath.Join(memDir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for n, d := range a {
		if !bytes.Equal(d, b[n]) {
			return false
		}
	}
	return true
}

func seqsOf(entries []spool.Entry) []uint64 {
	out := make([]uint64, len(entries))
	for i, e := range entries {
		out[i] = e.Seq
	}
	return out
}

func original(seq uint64) []byte { return payload(int(seq), entrySize) }

// checkOriginal checks that entries hold what was appended with their sequence numbers.
func checkOriginal(t *testing.T, entries []spool.Entry) {
	t.Helper()
	for _, e := range entries {
		if !bytes.Equal(e.Data, original(e.Seq)) {
			t.Fatalf("entry %d: data %q, want %q", e.Seq, e.Data, original(e.Seq))
		}
	}
}

// openCorrupt opens fs expecting a *CorruptError, and checks that Open changed no file.
func openCorrupt(t *testing.T, fs *spooltest.FS) *spool.CorruptError {
	t.Helper()
	before := snapshot(t, fs)
	_, err := spool.Open(memDir, spool.Options{FS: fs})
	var ce *spool.CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, spool.ErrCorrupt) {
		t.Fatalf("Open: %v, want a *CorruptError", err)
	}
	if !sameFiles(before, snapshot(t, fs)) {
		t.Fatal("Open that found damage changed the files")
	}
	return ce
}

// openSkipping opens fs with SkipCorrupt and returns the spool, what it read and the log.
func openSkipping(t *testing.T, fs *spooltest.FS) (*running, []spool.Entry, string) {
	t.Helper()
	logger, logs := newLogger()
	s := openRunning(t, memDir, spool.Options{FS: fs, SkipCorrupt: true, SegmentBytes: 350, Logger: logger})
	entries := readAll(t, s.Spool)
	checkOriginal(t, entries)
	return s, entries, logs.String()
}

// An entry that fails its checksum inside a segment that was completely synced is a loss: Open refuses and
// says which entries; with SkipCorrupt it logs them at ERROR and Read passes over them.
func TestCorruptEntryInOlderSegment(t *testing.T) {
	fs := filled(t, 10, 0)
	damage(t, fs, segPath(4), header+frame+8+5) // entry 5's data

	ce := openCorrupt(t, fs)
	if ce.Segment != "00000000000000000004.seg" || ce.Offset != header+frame || ce.First != 5 || ce.Last != 6 {
		t.Fatalf("corrupt error %+v, want entries 5 to 6 at offset %d of segment 4", ce, header+frame)
	}
	if msg := ce.Error(); !strings.Contains(msg, "entries 5 to 6") || !strings.Contains(msg, "checksum") {
		t.Fatalf("message %q", msg)
	}

	s, entries, logs := openSkipping(t, fs)
	if got := seqsOf(entries); !slices.Equal(got, []uint64{1, 2, 3, 4, 7, 8, 9, 10}) {
		t.Fatalf("read %v, want 1-4 and 7-10", got)
	}
	rec := s.Recovery()
	if len(rec.Lost) != 1 || rec.Lost[0].First != 5 || rec.Lost[0].Last != 6 || rec.Entries != 8 {
		t.Fatalf("recovery %+v, want entries 5-6 lost and 8 left", rec)
	}
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "first=5 last=6") {
		t.Fatalf("log %q does not report the loss at ERROR", logs)
	}
	// Once everything after the loss is shipped, the damaged segment goes like any other (and so does the
	// last one, which this spool does not append to).
	if err := s.Commit(10); err != nil {
		t.Fatal(err)
	}
	if got := segmentFiles(fs.Names(memDir)); len(got) != 0 {
		t.Fatalf("segments after shipping everything: %v, want none", got)
	}
}

// A segment file missing between two others is a loss of its entries.
func TestMissingSegment(t *testing.T) {
	fs := filled(t, 10, 0)
	fs.DeleteFile(segPath(4))
	if ce := openCorrupt(t, fs); ce.First != 4 || ce.Last != 6 || !strings.Contains(ce.Error(), "missing") {
		t.Fatalf("corrupt error %v, want entries 4 to 6 missing", ce)
	}
	_, entries, _ := openSkipping(t, fs)
	if got := seqsOf(entries); !slices.Equal(got, []uint64{1, 2, 3, 7, 8, 9, 10}) {
		t.Fatalf("read %v, want 1-3 and 7-10", got)
	}
}

// The checkpoint tells a missing oldest segment from one shipped and deleted.
func TestMissingOldestSegment(t *testing.T) {
	fs := filled(t, 10, 4) // segment 1 shipped and deleted, checkpoint at 4
	if got := segmentFiles(fs.Names(memDir)); got[0] != "00000000000000000004.seg" {
		t.Fatalf("segments %v, want the first deleted", got)
	}
	fs.DeleteFile(segPath(4))
	if ce := openCorrupt(t, fs); ce.First != 5 || ce.Last != 6 {
		t.Fatalf("corrupt error %+v, want entries 5 to 6 (after the checkpoint) missing", ce)
	}
}

// A segment whose entries all check out but that stops short of the next one lost its end.
func TestSegmentCutShort(t *testing.T) {
	fs := filled(t, 10, 0)
	b, _ := fs.ReadFile(segPath(4))
	fs.WriteFile(segPath(4), b[:header+frame])
	if ce := openCorrupt(t, fs); ce.First != 5 || ce.Last != 6 {
		t.Fatalf("corrupt error %+v, want entries 5 to 6", ce)
	}
}

// A damaged header over entries that check out loses nothing.
func TestDamagedHeaderEntriesIntact(t *testing.T) {
	fs := filled(t, 10, 0)
	damage(t, fs, segPath(4), 2)
	logger, logs := newLogger()
	s := openRunning(t, memDir, spool.Options{FS: fs, Logger: logger})
	if rec := s.Recovery(); rec.DamagedHeaders != 1 || rec.Entries != 10 || len(rec.Lost) != 0 {
		t.Fatalf("recovery %+v, want one damaged header and all 10 entries", rec)
	}
	entries := readAll(t, s.Spool)
	checkEntries(t, entries, 1, original)
	if len(entries) != 10 || !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("%d entries, log %q", len(entries), logs)
	}
}

// A segment of which nothing can be read is quarantined with SkipCorrupt.
func TestUnreadableSegmentQuarantined(t *testing.T) {
	fs := filled(t, 10, 0)
	damage(t, fs, segPath(4), 2)
	damage(t, fs, segPath(4), header+10)
	if ce := openCorrupt(t, fs); ce.First != 4 || ce.Last != 6 {
		t.Fatalf("corrupt error %+v, want entries 4 to 6", ce)
	}
	s, entries, _ := openSkipping(t, fs)
	if got := seqsOf(entries); !slices.Equal(got, []uint64{1, 2, 3, 7, 8, 9, 10}) {
		t.Fatalf("read %v", got)
	}
	want := segPath(4) + ".corrupt"
	if rec := s.Recovery(); !slices.Equal(rec.Quarantined, []string{want}) {
		t.Fatalf("quarantined %v, want %s", rec.Quarantined, want)
	}
	if !slices.Contains(fs.Names(memDir), filepath.Base(want)) {
		t.Fatalf("files %v, want %s kept", fs.Names(memDir), want)
	}
}

// A segment of a newer format fails Open even with SkipCorrupt.
func TestNewerFormatVersionRefused(t *testing.T) {
	fs := filled(t, 4, 0)
	b, _ := fs.ReadFile(segPath(1))
	b[4] = 2
	binary.BigEndian.PutUint32(b[20:24], crc32.Checksum(b[:20], crc32.MakeTable(crc32.Castagnoli)))
	fs.WriteFile(segPath(1), b)
	for _, skip := range []bool{false, true} {
		_, err := spool.Open(memDir, spool.Options{FS: fs, SkipCorrupt: skip})
		if !errors.Is(err, spool.ErrCorrupt) || !strings.Contains(err.Error(), "unsupported segment format version 2") {
			t.Fatalf("SkipCorrupt %v: Open: %v, want the unsupported version", skip, err)
		}
	}
}

// Damage in the last segment cannot be told from a torn write: it is cut, with a warning.
func TestLastSegmentTailCut(t *testing.T) {
	fs := filled(t, 9, 0)
	damage(t, fs, segPath(7), header+frame+8) // entry 8
	logger, logs := newLogger()
	s := openRunning(t, memDir, spool.Options{FS: fs, Logger: logger})
	if rec := s.Recovery(); rec.TornBytes != 2*frame || rec.TornEntries != 2 || rec.Entries != 7 || rec.Last != 7 {
		t.Fatalf("recovery %+v, want 2 entries (216 bytes) cut and 7 left", rec)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "bytes=216") {
		t.Fatalf("log %q", logs)
	}
	if seq := mustAppend(t, s.Spool, original(8))[0]; seq != 8 {
		t.Fatalf("next entry %d, want 8", seq)
	}
	checkEntries(t, readN(t, s.Spool, 8), 1, original)
}

// A last segment whose creation a crash cut short is removed; its name is the next append's.
func TestTornSegmentCreation(t *testing.T) {
	fs := filled(t, 9, 0)
	fs.WriteFile(segPath(10), []byte("CDSP\x01\x00"))
	s := openRunning(t, memDir, spool.Options{FS: fs, SegmentBytes: 350})
	if rec := s.Recovery(); rec.TornBytes != 6 || rec.Entries != 9 {
		t.Fatalf("recovery %+v", rec)
	}
	if seq := mustAppend(t, s.Spool, original(10))[0]; seq != 10 {
		t.Fatalf("next entry %d, want 10", seq)
	}
	checkEntries(t, readN(t, s.Spool, 10), 1, original)
}

// The checkpoint has two slots: damage to the newer one falls back to the older (entries shipped since are
// read again); with both damaged, everything on disk is.
func TestCheckpointSlots(t *testing.T) {
	build := func() *spooltest.FS {
		fs := spooltest.New()
		s := openRunning(t, memDir, spool.Options{FS: fs, SegmentBytes: 350, CheckpointInterval: time.Nanosecond})
		mustAppend(t, s.Spool, payloads(1, 10, entrySize)...)
		readN(t, s.Spool, 5)
		if err := s.Commit(2); err != nil { // slot 1
			t.Fatal(err)
		}
		if err := s.Commit(5); err != nil { // slot 0; deletes segment 1
			t.Fatal(err)
		}
		s.Stop()
		s.Close()
		return fs
	}
	cpPath := filepath.Join(memDir, "checkpoint")

	fs := build()
	s := openRunning(t, memDir, spool.Options{FS: fs})
	if rec := s.Recovery(); rec.Committed != 5 || rec.CheckpointDamaged {
		t.Fatalf("intact checkpoint: recovery %+v, want committed 5", rec)
	}
	checkEntries(t, readN(t, s.Spool, 5), 6, original)

	fs = build()
	damage(t, fs, cpPath, 20) // the newer slot (0)
	s = openRunning(t, memDir, spool.Options{FS: fs})
	if rec := s.Recovery(); rec.Committed != 2 || !rec.CheckpointDamaged {
		t.Fatalf("newer slot damaged: recovery %+v, want committed 2 and the damage reported", rec)
	}
	checkEntries(t, readN(t, s.Spool, 7), 4, original)

	fs = build()
	damage(t, fs, cpPath, 20)
	damage(t, fs, cpPath, 32+20)
	s = openRunning(t, memDir, spool.Options{FS: fs})
	if rec := s.Recovery(); rec.Committed != 0 || !rec.CheckpointDamaged {
		t.Fatalf("both slots damaged: recovery %+v", rec)
	}
	checkEntries(t, readN(t, s.Spool, 7), 4, original)
	// The next commit repairs the checkpoint.
	if err := s.Commit(7); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s.Close()
	s = openRunning(t, memDir, spool.Options{FS: fs})
	if rec := s.Recovery(); rec.Committed != 7 || rec.CheckpointDamaged {
		t.Fatalf("after a commit: recovery %+v, want committed 7", rec)
	}
}

// Damage found by Read, after Open checked the segment, is a *CorruptError from then on.
func TestReadFindsLaterDamage(t *testing.T) {
	fs := filled(t, 6, 0)
	s := openRunning(t, memDir, spool.Options{FS: fs})
	damage(t, fs, segPath(4), header+8)
	got := readN(t, s.Spool, 3)
	checkEntries(t, got, 1, original)
	for range 2 {
		if _, err := s.Read(t.Context(), 10); !errors.Is(err, spool.ErrCorrupt) {
			t.Fatalf("Read of a damaged entry: %v, want ErrCorrupt", err)
		}
	}
}
