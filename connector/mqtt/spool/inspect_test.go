package spool_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/connectd/connectd/connector/mqtt/spool"
)

// TestInspectCountsWhatIsNotShipped compares Inspect with the spool's own count of the bytes not committed,
// across segments, after a commit in the middle of a segment and once everything is shipped.
func TestInspectCountsWhatIsNotShipped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "task")
	if b, err := spool.Inspect(dir); err != nil || b != (spool.Backlog{}) {
		t.Fatalf("Inspect of a missing directory = %+v, %v; want nothing", b, err)
	}
	r := openRunning(t, dir, spool.Options{SegmentBytes: 4096})
	mustAppend(t, r.Spool, payloads(0, 40, 300)...) // about three segments
	got := readN(t, r.Spool, 25)
	if err := r.Commit(got[24].Seq); err != nil {
		t.Fatal(err)
	}
	want := r.Stats()
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := spool.Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.Entries != 15 || b.Bytes != want.Bytes || b.Committed != 25 || b.Damaged || b.Segments < 2 {
		t.Fatalf("Inspect = %+v; want 15 entries, %d bytes, committed 25, at least 2 segments", b, want.Bytes)
	}

	// Everything shipped: nothing to ship, whatever files are left.
	r = openRunning(t, dir, spool.Options{SegmentBytes: 4096})
	rest := readAll(t, r.Spool)
	if len(rest) != 15 {
		t.Fatalf("reopened spool read %d entries, want 15", len(rest))
	}
	if err := r.Commit(rest[len(rest)-1].Seq); err != nil {
		t.Fatal(err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err = spool.Inspect(dir); err != nil || b.Entries != 0 || b.Bytes != 0 || b.Committed != 40 {
		t.Fatalf("Inspect after shipping everything = %+v, %v; want no entries, committed 40", b, err)
	}
}

// TestInspectTornTailAndDamage: a torn tail of the last segment is not counted and is not damage, as Open
// truncates it; damage inside an earlier segment is reported.
func TestInspectTornTailAndDamage(t *testing.T) {
	dir, segs := closedSpool(t)
	whole, err := spool.Inspect(dir)
	if err != nil || whole.Entries != 30 {
		t.Fatalf("Inspect = %+v, %v; want 30 entries", whole, err)
	}

	// A torn write: half an entry more at the end of the last segment.
	last := segs[len(segs)-1]
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{0, 0, 1, 0, 0xde, 0xad}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := spool.Inspect(dir); err != nil || b != whole {
		t.Fatalf("Inspect with a torn tail = %+v, %v; want %+v", b, err, whole)
	}

	// A flipped byte in the first segment's last entry: damage, and what follows is not counted.
	first := segs[0]
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0xff
	if err := os.WriteFile(first, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := spool.Inspect(dir)
	if err != nil || !b.Damaged || b.Entries >= whole.Entries {
		t.Fatalf("Inspect with damage = %+v, %v; want Damaged and fewer than %d entries", b, err, whole.Entries)
	}
}

// closedSpool leaves 30 entries of 300 bytes, none shipped, in a closed spool of a few segments, and returns
// its directory and segment files, oldest first.
func closedSpool(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	r := openRunning(t, dir, spool.Options{SegmentBytes: 4096})
	mustAppend(t, r.Spool, payloads(0, 30, 300)...)
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil || len(segs) < 2 {
		t.Fatalf("segments %v, %v; want at least 2", segs, err)
	}
	return dir, segs
}

// TestInUse: a spool is in use while it is open, and not once it is closed; probing does not keep the lock.
func TestInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "task")
	if used, err := spool.InUse(dir); err != nil || used {
		t.Fatalf("InUse of a missing directory = %v, %v; want false", used, err)
	}
	r := openRunning(t, dir, spool.Options{})
	if used, err := spool.InUse(dir); err != nil || !used {
		t.Fatalf("InUse of an open spool = %v, %v; want true", used, err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if used, err := spool.InUse(dir); err != nil || used {
		t.Fatalf("InUse of a closed spool = %v, %v; want false", used, err)
	}
	s, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatalf("Open after InUse probes: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestInspectDamagedHeader follows Open: a damaged header over entries that check out loses nothing, and a
// last segment whose header and first entry are both bad is a creation a crash cut short, not damage.
func TestInspectDamagedHeader(t *testing.T) {
	dir, segs := closedSpool(t)
	flip := func(file string, at int) {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		data[at] ^= 0xff
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	flip(segs[0], 9) // the first segment's header: its sequence number
	if b, err := spool.Inspect(dir); err != nil || b.Entries != 30 || b.Damaged {
		t.Fatalf("Inspect with a damaged header over good entries = %+v, %v; want 30 entries, not damaged", b, err)
	}

	last := segs[len(segs)-1]
	lastEntries := func() int64 {
		t.Helper()
		b, err := spool.Inspect(dir)
		if err != nil {
			t.Fatal(err)
		}
		return b.Entries
	}()
	flip(last, 9)  // its header
	flip(last, 30) // and its first entry
	b, err := spool.Inspect(dir)
	if err != nil || b.Damaged || b.Entries >= lastEntries {
		t.Fatalf("Inspect with the last segment's creation torn = %+v, %v; want fewer than %d entries, not damaged", b, err, lastEntries)
	}
	flip(segs[0], 30) // the first segment's first entry too: damage
	if b, err := spool.Inspect(dir); err != nil || !b.Damaged {
		t.Fatalf("Inspect with a damaged header and entry in an older segment = %+v, %v; want damaged", b, err)
	}
}
